/*
 * forecast.h - the forecast for one pick (model x format x device): a typed
 * result, struct kolm_forecast, and its renderings.
 *
 *   size        = header + KV metadata + tensor infos, aligned, + sum of
 *                 align_up(tensor bytes, 32)           (exact tensor list)
 *   memory      = weights + KV cache + compute buffer + runtime base
 *   fit         = pass if memory <= 80% of usable memory, tight <= 100%, else over
 *   decode tok/s= 1 / (bytes_per_token / (eta * bandwidth) + t0)
 *   prefill     = eta_pp * compute / (2 * active params), compute the unit the
 *                 format runs on (int8/fp16 tensor cores on CUDA, int8 dot
 *                 products on CPUs, else tflops_fp16; docs/ACCURACY.md)
 *
 * kolm_forecast computes (forecast.c); kolm_forecast_json renders the
 * result as kolm.forecast/1 JSON (forecast_json.c, documented field by field
 * in docs/FORMAT.md).  `kolm plan` (text and --json), `kolm export
 * --preview`, --best, the matrices, the quickstarts and the HTTP API read
 * the same struct, so their figures agree and the JSON is byte-identical
 * for the same pick.  The result depends only on the pick and the catalogs
 * (never on time or cwd; `--device local` reads this machine).
 *
 * Figures are the published ones: each is rounded once, where it is
 * computed, to the precision the report gives it (tokens/s, seconds and K
 * points to 3 significant figures, the fit ratio to 4 decimals, bits per
 * weight to 3), so the JSON, the text, the ranking of --best and the
 * quickstarts all see the same number.  Decisions made inside the forecast
 * (the verdict, the gates, the caveats) use the unrounded values.
 *
 * Ownership: a result borrows the catalog strings of the context it was
 * computed with (device, format, base, runtime) and owns the rest; it is
 * valid until kolm_forecast_release or kolm_ctx_free, whichever comes
 * first.  A result may be moved by assignment; release it exactly once.
 */
#ifndef KOLM_FORECAST_H
#define KOLM_FORECAST_H

#include <stdint.h>

#include "kolm/catalog.h"
#include "kolm/commands.h"
#include "kolm/err.h"
#include "kolm/local.h"
#include "kolm/model.h"
#include "kolm/quality.h"
#include "kolm/quantplan.h"

struct kolm_ctx;
typedef struct json_t json_t;

/* ---- the pick ---------------------------------------------------------- */

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
	double overhead_gb;         /* < 0 = computed; else flat runtime overhead (the flat rule) */
	const char *kv_type;        /* NULL/"f16", "q8_0", "q4_0" */
	int remeasure;              /* --device local: probe again instead of the cached probe */
	int64_t at_ctx;             /* decode at this depth too (--at-ctx); 0 = the standard curve only */
	const char *mmproj;         /* a vision projector loaded beside the model: a file, or its size in GB */
	const char *draft;          /* a draft model for speculative decoding: a catalog base (at the pick's
				       format) or a model file */
	const char *offload;        /* NULL, "auto" or a layer count */
	double host_mem_gb;         /* offload: system RAM (0 = device default) */
	const struct kolm_tensor_override *overrides;
	int n_overrides;
	const char *out_dir;        /* for the commands (default ".") */
	const char *artifact;       /* the .kolm the pick came from, for commands */
	const char *ckpt_dir;       /* commands: the upstream export reads this checkpoint
				       directory (kolm_cmd_vars.ckpt_dir), or NULL */
	const char *ssh;            /* USER@HOST[:PORT] the transfer commands use; NULL: the catalog's */
	const struct kolm_gate *gates;
	int n_gates;
};

#define KOLM_CTX_MAX ((int64_t)-1)

/* ---- the result -------------------------------------------------------- */

enum kolm_fit { KOLM_FIT_PASS, KOLM_FIT_TIGHT, KOLM_FIT_OVER };

/* "pass", "tight" or "over". */
const char *kolm_fit_name(enum kolm_fit fit);

/* A rate with its range, tokens/s. */
struct kolm_forecast_speed {
	double low, mid, high;
	char basis[480];            /* the calibration group used and how, or the class default */
	int rows;                   /* measurements behind it (0: a class default) */
};

/* The K-score loss measured by kolm's engine on a kolm export's eval pack,
 * recorded in the file (kolm.k_score, kolm.export_k_score). */
struct kolm_measured_k_loss {
	double points, reference_k, export_k;
	char basis[300];
};

struct kolm_memory {
	uint64_t weights;           /* the file as loaded (mmap) */
	uint64_t kv_cache;          /* for ctx positions at kv_type */
	uint64_t compute_buffer;
	uint64_t runtime_base;      /* or the flat --overhead-gb */
	uint64_t mmproj;            /* the vision projector file (0: none) */
	uint64_t draft;             /* the draft model: its file, KV cache at ctx and compute buffer (0: none) */
	uint64_t total;             /* the sum */
	uint64_t device;            /* the device's memory (the chosen variant) */
	uint64_t platform_cap;      /* 0: none applies */
	const char *platform_cap_note;
	uint64_t usable;            /* device memory, or the cap when lower (flat: device memory) */
	const char *kv_type;        /* "f16", "q8_0" or "q4_0" */
	int64_t ctx;
	int flat;                   /* --overhead-gb: the flat rule */
};

/* --ctx max: the largest context per KV type. */
struct kolm_ctx_budget {
	int64_t max_pass, max_fit;  /* for the pick's KV type; 0 = none */
	int64_t limit;              /* the model's trained context (131072 when unknown) */
	const char *kv_type;
	struct {
		const char *kv_type;
		int64_t max_pass, max_fit;
	} per_kv_type[3];           /* f16, q8_0, q4_0 */
	int offload;                /* solved for the --offload split (GPU side fits, host side passes / fits) */
};

/* Decode at a depth: tokens/s once the context holds ctx tokens. */
struct kolm_depth_point {
	int64_t ctx;
	double low, mid, high;
};

/* --offload: the layers that stay in VRAM and those that run from host RAM. */
struct kolm_offload {
	int gpu_layers, host_layers, n_layer;
	int ngl;                    /* llama.cpp -ngl: gpu_layers, 99 when all are offloaded */
	uint64_t gpu_bytes, host_bytes, gpu_usable, host_memory;
	enum kolm_fit gpu_verdict, host_verdict;
	char basis[240];
};

struct kolm_gate_result {
	const char *name;           /* as given in the pick */
	double limit;
	double value;               /* the figure compared, to 6 significant figures */
	int pass;
};

struct kolm_forecast {
	struct {
		const char *kind;       /* "base", "config", "model" or "artifact" */
		char id[64];            /* catalog id, the file's name stem, or "custom" */
		const char *name;       /* the base's name, the path given, or "custom" */
		char *path;             /* --model PATH (owned), NULL otherwise */
		const struct kolm_base *base; /* NULL unless a catalog base */
		struct kolm_hparams hp;
		int64_t params, active_params;
		int64_t n_tensors;
	} source;
	struct {
		const struct kolm_format *fmt;
		int as_stored;          /* a GGUF's own types, read from the file */
		double bits_per_weight;
		int type_count[64];     /* GGUF: tensors per ggml type */
		uint64_t type_bytes[64];
		const char *rule;       /* how the types were chosen */
	} format;
	struct kolm_device device;  /* with --mem-gb/--bw-gbs/--tflops applied; strings borrowed */
	int device_is_local;        /* --device local: what was read */
	struct kolm_local local;
	char local_why[640];        /* which device, and what was measured here */
	int probed;                 /* --device local on a CPU: probe holds this machine's figures */
	struct kolm_local_probe probe;
	struct {
		const char *id, *reason, *runtime, *runtime_reason;
	} backend;
	struct {
		uint64_t bytes, tensor_bytes, header_bytes;
		double gb;              /* bytes / 1e9, 3 decimals */
		int exact;              /* read from the user's file */
		char basis[400];
	} size;
	struct kolm_memory memory;
	struct {
		enum kolm_fit verdict;  /* with offload: the worse of its two sides */
		double ratio;           /* total / usable (offload: GPU bytes / GPU usable) */
	} fit;
	int has_ctx_budget;         /* --ctx max */
	struct kolm_ctx_budget ctx_budget;
	int has_offload;
	struct kolm_offload offload;
	struct kolm_forecast_speed decode; /* at decode_depth, steady state */
	int decode_depth;
	struct kolm_depth_point at_ctx[8]; /* decode at depth: 0, 4k, 8k, 16k, 32k up to the model's
					      limit, and the pick's at_ctx, ascending */
	int n_at_ctx;
	int64_t at_ctx_asked;       /* the pick's at_ctx (0: none) */
	char at_ctx_basis[400];
	double bandwidth_bound;     /* tokens/s at the bandwidth limit */
	uint64_t bytes_per_token;   /* weights read per token + the KV cache at decode_depth */
	struct kolm_forecast_speed prefill;
	int ttft_prompt_tokens;
	double ttft_s;              /* first token after a ttft_prompt_tokens prompt */
	double cold_start_s;        /* the file read from storage (not in the rates) */
	const char *storage;
	struct kolm_k_loss k_loss;  /* the forecast loss (quality.h) */
	int has_measured_k_loss;    /* a kolm export as stored whose K-scores were both measured */
	struct kolm_measured_k_loss measured_k_loss;
	struct kolm_commands commands;
	struct kolm_gate_result *gates; /* one per pick gate, in order (owned) */
	int n_gates;
	json_t *caveats;            /* array of strings (owned): what the forecast assumes or could not honour */
};

/* Compute the forecast into *out (zeroed first; release it even on error). */
int kolm_forecast(struct kolm_ctx *ctx, const struct kolm_pick *pick, struct kolm_forecast *out,
		  struct kolm_err *err);
void kolm_forecast_release(struct kolm_forecast *f);
/* 1 if every gate of the pick passed (also when there were none). */
int kolm_forecast_gates_pass(const struct kolm_forecast *f);

/* ---- many forecasts ---------------------------------------------------- */

/* One forecast per format of the pick's backend (all_quants) or per catalog
 * device (all_devices).  A row that cannot be forecast (a device whose
 * backend has no such tier, a format no fallback can take) says why. */
struct kolm_matrix_row {
	const char *id;             /* the device or format of the row (catalog) */
	int skipped;
	char why[512];              /* when skipped */
	struct kolm_forecast f;     /* when not */
};

struct kolm_forecast_matrix {
	int all_devices;            /* rows per device (1) or per format (0) */
	struct kolm_matrix_row *rows;
	int n_rows;
};

int kolm_forecast_matrix(struct kolm_ctx *ctx, const struct kolm_pick *pick, int all_devices,
			 struct kolm_forecast_matrix *out, struct kolm_err *err);
void kolm_forecast_matrix_release(struct kolm_forecast_matrix *m);

/* Pick for me: rank every format of the device's backend (or, with
 * across_bases, every catalog base at its own best format) by the stated
 * rule.  Returns KOLM_E_NO (with *out filled) when no candidate passes fit
 * and gates. */
struct kolm_best_row {
	char id[64];                /* format id, or base id across bases */
	enum kolm_fit verdict;
	int gates_pass;             /* across bases: the K-loss ceiling too */
	double k_loss_points, decode_tps_mid;
	int64_t params;
};

struct kolm_forecast_best {
	int across_bases;
	const char *rule;
	char why[400];
	struct kolm_forecast winner;
	struct kolm_best_row *ranking; /* best first */
	int n_ranking;
};

int kolm_forecast_best(struct kolm_ctx *ctx, const struct kolm_pick *pick, int across_bases,
		       struct kolm_forecast_best *out, struct kolm_err *err);
void kolm_forecast_best_release(struct kolm_forecast_best *b);

/* ---- JSON (forecast_json.c) -------------------------------------------- */

/* kolm.forecast/1, kolm.matrix/1 and kolm.best/1 documents: new references
 * (json_decref), NULL only when out of memory. */
json_t *kolm_forecast_json(const struct kolm_forecast *f);
json_t *kolm_forecast_matrix_json(const struct kolm_forecast_matrix *m);
json_t *kolm_forecast_best_json(const struct kolm_forecast_best *b);
/* The "decode_tps" and "prefill_tps" objects of kolm.forecast/1 (what kolm
 * bench --json puts beside its measurement). */
json_t *kolm_forecast_decode_json(const struct kolm_forecast *f);
json_t *kolm_forecast_prefill_json(const struct kolm_forecast *f);

/* kolm_forecast then kolm_forecast_json: the document `kolm plan --json`
 * prints and GET /api/forecast serves.  Likewise for a matrix. */
int kolm_forecast_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, json_t **out,
		      struct kolm_err *err);
int kolm_forecast_matrix_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, int all_devices,
			     json_t **out, struct kolm_err *err);

/* Canonical JSON text for a forecast (what `kolm plan --json` prints and
 * the API serves).  Caller frees. */
char *kolm_forecast_dumps(const json_t *forecast);

#endif
