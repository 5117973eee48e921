/* speed.h - decode and prefill speed for a resolved pick, from the model
 * fitted to the measurements (calib.c; formula in kolm/calib.h), and the
 * caveats that say which measurements it followed (library-internal).
 *
 * The forecast fills a query from the pick it resolved; speed.c knows
 * nothing else of it.  A non-zero return means the calibration has no
 * answer (no measurements loaded): the forecast then uses the runtime's
 * class default (data/runtimes.json eta, t0_ms, eta_pp). */
#ifndef KOLM_SPEED_H
#define KOLM_SPEED_H

typedef struct json_t json_t;
struct kolm_ctx;
struct kolm_device;

struct kolm_speed_query {
	const struct kolm_device *dev; /* as resolved: --mem-gb/--bw-gbs/--tflops applied */
	int measured_device;           /* 0: a custom box, an overridden bandwidth or this
					  machine, not the catalog device its measurements name */
	const char *runtime;           /* runtime id */
	const char *model_id;          /* the base (or source) id, to quote a measurement of it */
	const char *format;            /* format id */
	double bytes_per_token;        /* weights read + KV cache at the decode depth */
	double prompt_params;          /* half the FLOPs per token of a 512-token prompt */
	double stream_bytes;           /* the prompt's matrices' bytes: weights read but the output */
	int n_layer;                   /* 0: unknown (32 assumed) */
};

struct kolm_speed {
	double low, mid, high;         /* tokens/s */
	char basis[480];               /* the group used and how */
	int rows;                      /* measurements behind it */
	double bw_eff;                 /* decode: the bytes/s its reads run at (eta x phi x bandwidth) */
};

int kolm_speed_decode(struct kolm_ctx *ctx, const struct kolm_speed_query *q, struct kolm_speed *out);
int kolm_speed_prefill(struct kolm_ctx *ctx, const struct kolm_speed_query *q, struct kolm_speed *out);
/* Append what the decode figure followed (a measurement, a class fit, a
 * default) and what it left out to caveats (a JSON array of strings). */
void kolm_speed_caveats(struct kolm_ctx *ctx, const struct kolm_speed_query *q, json_t *caveats);

#endif
