/* forecast_internal.h - the resolved pick shared by forecast.c and the speed
 * model (library-internal). */
#ifndef KOLM_FORECAST_INTERNAL_H
#define KOLM_FORECAST_INTERNAL_H

#include "kolm/catalog.h"
#include "kolm/local.h"
#include "kolm/estimate.h"
#include "kolm/model.h"

struct kolm_speed {
	double low, mid, high; /* tokens/s */
	char basis[240];       /* the group used and how */
	int rows;              /* measurements behind it */
};

struct fc {
	struct kolm_device dev;     /* copy: --mem-gb / --bw-gbs may change it */
	int custom, mem_unlisted, bw_override, runtime_unlisted;
	const char *backend, *backend_reason;
	const char *runtime, *runtime_reason;
	json_t *rt;                 /* data/runtimes.json entry */
	const struct kolm_base *base;
	const char *source_id, *source_kind;
	struct kolm_model m;
	const struct kolm_format *fmt;
	int as_stored;
	struct kolm_estimate est;
	const char *kv_type;
	int64_t n_ctx;
	double bytes_per_token, decode_bound;
	struct kolm_speed dec, pre;
	int gpu_layers, gpu_layers_set;
	int is_local;
	struct kolm_local local;    /* --device local: what was read */
	char local_why[320];
	char name_buf[64];          /* source id derived from a file or directory name */
};

/* Speed model (speed.c): fills *out from calibration, or returns non-zero
 * to fall back to the runtime class default. */
int kolm_speed_decode(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_speed *out);
int kolm_speed_prefill(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_speed *out);
void kolm_speed_caveats(struct kolm_ctx *ctx, const struct fc *fc, json_t *caveats);

#endif
