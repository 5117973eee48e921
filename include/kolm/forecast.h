/*
 * forecast.h - the forecast for one pick (model x format x device), as a
 * kolm.forecast/1 JSON object (documented field by field in docs/FORMAT.md).
 *
 *   size        = header + KV metadata + tensor infos, aligned, + sum of
 *                 align_up(tensor bytes, 32)           (exact tensor list)
 *   memory      = weights + KV cache + compute buffer + runtime base
 *   fit         = pass if memory <= 80% of usable memory, tight <= 100%, else over
 *   decode tok/s= 1 / (bytes_per_token / (eta * bandwidth) + t0)
 *   prefill     = eta_pp * flops / (2 * active params)
 *
 * The same call answers `kolm plan`, `kolm export --preview` and the HTTP
 * API, so their JSON is byte-identical for the same pick.  The result
 * depends only on the pick and the catalogs (never on time or cwd).
 */
#ifndef KOLM_FORECAST_H
#define KOLM_FORECAST_H

#include <stdint.h>

#include "kolm/err.h"
#include "kolm/quantplan.h"

struct kolm_ctx;
typedef struct json_t json_t;

struct kolm_gate {
	const char *name;   /* min_tps, max_mem_frac, max_k_loss, max_size_gb */
	double limit;
};

struct kolm_pick {
	/* source: exactly one of base_id, config (object), config_path, model_path */
	const char *base_id;
	const json_t *config;
	const char *config_path;
	const char *model_path;     /* .gguf, .safetensors, HF dir, .kolm */
	const char *quant;          /* tier or format id; NULL: the file as stored (GGUF) or int4 */
	/* device: a catalog id, "local", or NULL with mem_gb/bw_gbs/tflops set */
	const char *device_id;
	double mem_gb;              /* 0 = device default; else picks that variant / custom */
	double bw_gbs;              /* 0 = device default */
	double tflops;              /* 0 = device default */
	const char *backend;        /* NULL = device's recommended */
	const char *runtime;        /* NULL = device's first runtime for the backend */
	int64_t ctx;                /* 0 = 4096; KOLM_CTX_MAX = solve for the largest */
	double overhead_gb;         /* < 0 = computed; else flat runtime overhead (seed rule) */
	const char *kv_type;        /* NULL/"f16", "q8_0", "q4_0" */
	const char *offload;        /* NULL, "auto" or a layer count */
	double host_mem_gb;         /* offload: system RAM (0 = device default) */
	const struct kolm_tensor_override *overrides;
	int n_overrides;
	const char *out_dir;        /* for the commands (default ".") */
	const char *artifact;       /* the .kolm the pick came from, for commands */
	const struct kolm_gate *gates;
	int n_gates;
};

#define KOLM_CTX_MAX ((int64_t)-1)

/* Compute the forecast as its kolm.forecast/1 document.  *out is a new
 * reference (caller json_decref).  (Being split into a typed result and its
 * JSON rendering, issue #18; the name frees kolm_forecast for the former.) */
int kolm_forecast_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, json_t **out,
		      struct kolm_err *err);

/* Matrix views: one forecast per format of the pick's backend
 * (all_quants) or per catalog device (all_devices), as
 * {"schema": "kolm.matrix/1", "rows": [...]}. */
int kolm_forecast_matrix_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, int all_devices,
			     json_t **out, struct kolm_err *err);

/* Pick for me: rank every format of the device's backend (or, with
 * across_bases, every catalog base at its own best format) by the stated
 * rule; {"schema": "kolm.best/1", "rule", "why", "winner", "ranking"}.
 * Returns KOLM_E_NO (with *out set) when no candidate passes fit and gates. */
int kolm_forecast_best(struct kolm_ctx *ctx, const struct kolm_pick *pick, int across_bases, json_t **out,
		       struct kolm_err *err);


/* Canonical JSON text for a forecast (what `kolm plan --json` prints and
 * the API serves).  Caller frees. */
char *kolm_forecast_dumps(const json_t *forecast);

#endif
