/* forecast.c - one pick -> struct kolm_forecast (forecast.h): resolve the
 * pick (device, backend and runtime, model, format), then size, memory and
 * fit, the context budget, the offload split, speeds, K-score loss,
 * commands, gates and caveats.  The JSON is forecast_json.c's. */
#include "kolm/forecast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/commands.h"
#include "kolm/ctx.h"
#include "kolm/estimate.h"
#include "kolm/export.h"
#include "kolm/local.h"
#include "kolm/model.h"
#include "kolm/quality.h"
#include "kolm/quant.h"
#include "kolm/quantplan.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "core/json_internal.h"
#include "depth.h"
#include "extras.h"
#include "speed.h"

#define GB 1e9
#define MIB (1024.0 * 1024.0)
enum { DEFAULT_CTX = 4096, UBATCH = 512, DECODE_DEPTH = 64, TTFT_PROMPT = 512 };

static double round_to(double v, int digits)
{
	double p = pow(10, digits);
	return round(v * p) / p;
}

/* The pick as resolved, with the unrounded figures the forecast decides
 * on; publish() copies it into the result, rounding each figure once. */
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
	struct kolm_mlx_plan mlx;    /* n_shards > 0: the MLX directory's bytes as kolm export plans it */
	struct kolm_estimate est;
	const char *kv_type;
	int64_t n_ctx;
	struct kolm_memory mm;
	enum kolm_fit verdict;
	double ratio;               /* total / usable (offload: GPU side) */
	double bytes_per_token, decode_bound;
	struct kolm_speed dec, pre;
	struct depth_point depth[8]; /* decode at depth, unrounded */
	int n_depth;
	char depth_basis[400];
	int gpu_layers, gpu_layers_set;
	int is_local;
	struct kolm_local local;    /* --device local: what was read */
	char local_why[640];
	int probed;                 /* --device local: bandwidth/compute measured here */
	struct kolm_local_probe probe;
	char name_buf[64];          /* source id derived from a file or directory name */
	uint64_t mmproj_bytes;      /* --mmproj */
	int draft_loaded;           /* --draft: draft_m and its file bytes */
	struct kolm_model draft_m;
	uint64_t draft_bytes;
};

const char *kolm_fit_name(enum kolm_fit fit)
{
	return fit == KOLM_FIT_PASS ? "pass" : fit == KOLM_FIT_TIGHT ? "tight" : "over";
}

/* ---- the resolved pick ------------------------------------------------ */

/* --device local on a CPU: this machine's bandwidth and compute measured
 * (kolm_local_probe, cached in the user data directory), not guessed; a
 * --bw-gbs or --tflops the user gave still wins. */
static int probe_local(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	if (fc->dev.n_runtimes < 1 || strcmp(fc->dev.runtimes[0], "llama.cpp-cpu") || (p->bw_gbs > 0 && p->tflops > 0))
		return KOLM_OK; /* a GPU runs the model: the CPU's figures are not its */
	struct kolm_local_probe pr;
	int rc = kolm_local_probe(kolm_ctx_user_data_dir(ctx), &fc->local, p->remeasure, &pr, err);
	if (rc)
		return rc;
	if (!(p->bw_gbs > 0))
		fc->dev.bw_bytes_per_s = pr.bw_bytes_per_s;
	if (!(p->tflops > 0))
		fc->dev.flops_fp16 = pr.flops;
	char *guess = strstr(fc->local_why, "; bandwidth estimated as");
	if (guess)
		*guess = '\0'; /* kolm_local_device's guess, replaced by the measurement */
	size_t l = strlen(fc->local_why);
	char when[64];
	if (pr.cached)
		snprintf(when, sizeof when, "on %s", pr.measured_at);
	else
		snprintf(when, sizeof when, "just now, in %.2f s", pr.seconds);
	snprintf(fc->local_why + l, sizeof fc->local_why - l,
		 "; measured %s: read bandwidth %.1f GB/s, fp32 FMA %.0f GFLOPS (%d thread%s)%s%s%s", when,
		 pr.bw_bytes_per_s / GB, pr.flops / 1e9, pr.threads, pr.threads == 1 ? "" : "s", pr.cache_path[0] ? "; cached in " : "",
		 pr.cache_path, pr.cached ? " (--remeasure to measure again)" : "");
	if (p->bw_gbs > 0 || p->tflops > 0)
		snprintf(fc->local_why + strlen(fc->local_why), sizeof fc->local_why - strlen(fc->local_why),
			 "; your --%s replaces the measured one", p->bw_gbs > 0 ? "bw-gbs" : "tflops");
	fc->probed = 1;
	fc->probe = pr;
	return KOLM_OK;
}

static int resolve_device(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	if (p->device_id && !strcmp(p->device_id, "local")) {
		struct kolm_local l;
		int rc = kolm_local_detect(&l, err);
		if (rc)
			return rc;
		kolm_local_device(ctx, &l, &fc->dev, fc->local_why, sizeof fc->local_why);
		fc->local = l;
		fc->is_local = 1;
		if (fc->dev.mem_bytes == 0)
			return kolm_err_set(err, KOLM_E_IO, "--device local: memory size unknown");
	} else if (p->device_id && strcmp(p->device_id, "custom") != 0) {
		const struct kolm_device *d = kolm_catalog_device_find(ctx, p->device_id);
		if (!d)
			return kolm_catalog_not_found(ctx, "device", p->device_id, err);
		fc->dev = *d;
	} else {
		if (!(p->mem_gb > 0) || !(p->bw_gbs > 0))
			return kolm_err_set(err, KOLM_E_USAGE,
					    "a custom device needs --mem-gb and --bw-gbs (and --tflops for prefill)");
		memset(&fc->dev, 0, sizeof fc->dev);
		fc->dev.id = "custom";
		fc->dev.name = "custom device";
		fc->dev.klass = "custom";
		fc->dev.mem_kind = "ram";
		fc->dev.backend = "gguf";
		fc->dev.backend_reason = "GGUF / llama.cpp: runs on any CPU";
		fc->dev.runtimes[0] = "llama.cpp-cpu";
		fc->dev.n_runtimes = 1;
		fc->dev.storage_bytes_per_s = 500e6;
		fc->dev.storage_kind = "unknown storage (500 MB/s assumed)";
		fc->dev.flops_fp16 = 1e12;
		fc->dev.transfer = "scp";
		fc->custom = 1;
	}
	if (p->mem_gb > 0) {
		if (!fc->custom) {
			int listed = 0;
			for (int i = 0; i < fc->dev.n_mem_options; i++)
				if (fabs(fc->dev.mem_options_gb[i] - p->mem_gb) < 1e-9)
					listed = 1;
			if (!listed)
				fc->mem_unlisted = 1;
		}
		fc->dev.mem_bytes = (uint64_t)llround(p->mem_gb * GB);
	}
	if (p->bw_gbs > 0)
		fc->dev.bw_bytes_per_s = p->bw_gbs * GB, fc->bw_override = !fc->custom;
	if (p->tflops > 0) {
		/* the user's figure is the compute prefill runs on, whatever the unit */
		fc->dev.flops_fp16 = p->tflops * 1e12;
		fc->dev.tops_int8 = fc->dev.flops_tensor_fp16 = fc->dev.flops_tensor_bf16 = fc->dev.cpu_tops_int8 = 0;
	}
	if (fc->is_local)
		return probe_local(ctx, p, fc, err);
	return KOLM_OK;
}

static const char *runtime_backend(json_t *rts, const char *rt)
{
	json_t *r = kolm_json_find_id(json_object_get(rts, "runtimes"), rt);
	return r ? kolm_json_str(r, "backend") : NULL;
}

/* "DEVICE: cannot run WHAT", with the device's runtimes and their
 * backends: the valid choices. */
static int refuse_pick(json_t *rts, const struct fc *fc, const char *what, struct kolm_err *err)
{
	char list[512] = "";
	for (int i = 0; i < fc->dev.n_runtimes; i++) {
		size_t at = strlen(list);
		const char *rb = runtime_backend(rts, fc->dev.runtimes[i]);
		snprintf(list + at, sizeof list - at, "%s%s (--backend %s)", at ? ", " : "", fc->dev.runtimes[i],
			 rb ? rb : "?");
	}
	return kolm_err_set(err, KOLM_E_USAGE, "%s: cannot run %s; its runtimes are %s", fc->dev.id, what,
			    list[0] ? list : "none");
}

static int resolve_backend(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	json_t *rts = kolm_ctx_json(ctx, "data/runtimes.json", err);
	if (!rts)
		return err ? err->code : KOLM_E_IO;
	static const char *backends[] = {"gguf", "mlx", "onnx", "coreml", "tensorrt"};
	const char *be = p->backend;
	if (be) {
		int ok = 0;
		for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
			if (!strcasecmp(be, backends[i]))
				be = backends[i], ok = 1;
		if (!ok)
			return kolm_err_set(err, KOLM_E_USAGE, "unknown backend '%s' (gguf, mlx, onnx, coreml, tensorrt)", be);
	}
	if (p->runtime) {
		json_t *r = kolm_json_find_id(json_object_get(rts, "runtimes"), p->runtime);
		if (!r)
			return kolm_err_set(err, KOLM_E_USAGE,
					    "unknown runtime '%s' (llama.cpp-cpu, llama.cpp-cuda, llama.cpp-metal, "
					    "llama.cpp-vulkan, llama.cpp-opencl, mlx, mlx-swift, onnxruntime, coreml, tensorrt-llm)",
					    p->runtime);
		const char *rb = kolm_json_str(r, "backend");
		if (be && strcmp(be, rb))
			return kolm_err_set(err, KOLM_E_USAGE, "runtime '%s' runs %s, not %s", p->runtime, rb, be);
		be = rb;
		fc->runtime = kolm_json_str(r, "id");
		fc->runtime_reason = "chosen with --runtime";
		/* listed, or the same backend and class as one listed (kolm-cpu
		 * runs wherever llama.cpp-cpu does) */
		int listed = fc->custom;
		for (int i = 0; i < fc->dev.n_runtimes; i++) {
			json_t *d = kolm_json_find_id(json_object_get(rts, "runtimes"), fc->dev.runtimes[i]);
			const char *dc = kolm_json_str(d, "class"), *rc = kolm_json_str(r, "class");
			listed |= !strcmp(fc->dev.runtimes[i], fc->runtime) ||
				  (d && !strcmp(kolm_json_str(d, "backend"), rb) && dc && rc && !strcmp(dc, rc));
		}
		if (!listed)
			return refuse_pick(rts, fc, fc->runtime, err);
	}
	if (!be) {
		be = fc->dev.backend;
		fc->backend_reason = fc->dev.backend_reason ? fc->dev.backend_reason : "the device's recommended backend";
	} else {
		fc->backend_reason = p->backend ? "chosen with --backend" : "the backend of the chosen runtime";
	}
	fc->backend = be;
	if (!fc->runtime) {
		for (int i = 0; i < fc->dev.n_runtimes; i++) {
			const char *rb = runtime_backend(rts, fc->dev.runtimes[i]);
			if (rb && !strcmp(rb, be)) {
				fc->runtime = fc->dev.runtimes[i];
				fc->runtime_reason = i == 0 ? "the device's preferred runtime" : "the device's first runtime for this backend";
				break;
			}
		}
	}
	/* a catalog device runs only what its runtimes run (data/devices.json,
	 * data/runtimes.json): TensorRT off NVIDIA or MLX off Apple is refused */
	if (!fc->runtime && !fc->custom)
		return refuse_pick(rts, fc, be, err);
	if (!fc->runtime) {
		static const char *dflt[][2] = {{"gguf", "llama.cpp-cpu"}, {"mlx", "mlx"}, {"onnx", "onnxruntime"},
						 {"coreml", "coreml"}, {"tensorrt", "tensorrt-llm"}};
		for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
			if (!strcmp(dflt[i][0], be))
				fc->runtime = dflt[i][1];
		fc->runtime_reason = "the backend's default runtime (not one this device lists)";
		fc->runtime_unlisted = 1;
	}
	fc->rt = kolm_json_find_id(json_object_get(rts, "runtimes"), fc->runtime);
	if (!fc->rt)
		return kolm_err_set(err, KOLM_E_FORMAT, "data/runtimes.json: no runtime '%s'", fc->runtime);
	return KOLM_OK;
}

static int load_model(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	int n = !!p->base_id + !!p->config + !!p->config_path + !!p->model_path;
	if (n != 1)
		return kolm_err_set(err, KOLM_E_USAGE, "give exactly one of --base, --config or --model");
	if (p->base_id) {
		const struct kolm_base *b = kolm_catalog_base_find(ctx, p->base_id);
		if (!b)
			return kolm_catalog_not_found(ctx, "base", p->base_id, err);
		fc->base = b;
		fc->source_id = b->id;
		fc->source_kind = "base";
		return kolm_model_from_base(&fc->m, ctx, b->id, err);
	}
	if (p->config) {
		fc->source_id = "custom";
		fc->source_kind = "config";
		int rc = kolm_model_from_config(&fc->m, p->config, NULL, err);
		return rc ? kolm_err_prefix(err, "config.json") : KOLM_OK;
	}
	if (p->config_path) {
		char *buf;
		size_t len;
		int rc = kolm_file_read_all(p->config_path, 16u << 20, &buf, &len, err);
		if (rc)
			return rc;
		json_error_t je;
		json_t *cfg = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
		free(buf);
		if (!cfg)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: line %d: %s", p->config_path, je.line, je.text);
		fc->source_id = "custom";
		fc->source_kind = "config";
		rc = kolm_model_from_config(&fc->m, cfg, NULL, err);
		json_decref(cfg);
		return rc ? kolm_err_prefix(err, "%s", p->config_path) : KOLM_OK;
	}
	/* name exports after the file or directory: "<name>-<format>.gguf" */
	const char *slash = strrchr(p->model_path, '/');
	const char *bn = slash && slash[1] ? slash + 1 : p->model_path;
	if (slash && !slash[1]) { /* "dir/" */
		const char *q = slash;
		while (q > p->model_path && q[-1] != '/')
			q--;
		bn = q;
	}
	size_t bl = strcspn(bn, "/");
	const char *dot = memchr(bn, '.', bl);
	if (dot && dot > bn)
		bl = (size_t)(dot - bn);
	if (bl >= sizeof fc->name_buf)
		bl = sizeof fc->name_buf - 1;
	memcpy(fc->name_buf, bn, bl);
	fc->name_buf[bl] = '\0';
	fc->source_id = fc->name_buf[0] ? fc->name_buf : "custom";
	fc->source_kind = strstr(p->model_path, ".kolm") ? "artifact" : "model";
	return kolm_model_from_path(&fc->m, p->model_path, err);
}

/* A GGUF format kolm plan may print an export for: kolm's export (and kolm
 * quantize) make it, without an importance matrix, as llama-quantize does.
 * The others (IQ1/IQ2/IQ3_XXS and Q2_K_S need an importance matrix; IQ3_S,
 * IQ3_M and IQ3_XS have no quantizer in kolm) are refused with the ones
 * that can be made, so no printed step fails. */
static int exportable(struct kolm_ctx *ctx, const struct kolm_format *f, struct kolm_err *err)
{
	if (strcmp(f->backend, "gguf") || f->ftype < 0)
		return KOLM_OK;
	const struct kolm_ftype_info *fi = kolm_ftype_info(f->ftype);
	int imatrix = fi && kolm_quantplan_needs_imatrix("", fi->default_type, fi->id);
	if (fi && kolm_quant_can_quantize(fi->default_type) && !imatrix)
		return KOLM_OK;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	char ok[1024] = "";
	size_t n = 0;
	for (int i = 0; i < cat->n_formats && n < sizeof ok; i++) {
		const struct kolm_format *g = &cat->formats[i];
		const struct kolm_ftype_info *gi = g->ftype >= 0 ? kolm_ftype_info(g->ftype) : NULL;
		if (strcmp(g->backend, "gguf") || !gi || !kolm_quant_can_quantize(gi->default_type) ||
		    kolm_quantplan_needs_imatrix("", gi->default_type, gi->id))
			continue;
		int w = snprintf(ok + n, sizeof ok - n, "%s%s", n ? " " : "", g->id);
		n += w > 0 ? (size_t)w : 0;
	}
	return kolm_err_set(err, KOLM_E_USAGE,
			    "--quant %s: kolm cannot export it (%s); the GGUF formats it exports: %s", f->id,
			    imatrix ? "it needs an importance matrix, which llama-quantize requires and kolm does not make"
				    : "kolm has no quantizer for it",
			    ok);
}

/* The format: --quant, or the GGUF as stored, or the tier int4. */
static int resolve_format(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	if (!p->quant && !strcmp(fc->m.source, "gguf")) {
		const struct kolm_ftype_info *fi = kolm_ftype_info(fc->m.ftype >= 0 ? fc->m.ftype : KOLM_FT_ALL_F32);
		if (fi) {
			char id[32];
			size_t i;
			for (i = 0; fi->name[i] && i + 1 < sizeof id; i++)
				id[i] = (char)(fi->name[i] >= 'A' && fi->name[i] <= 'Z' ? fi->name[i] + ('a' - 'A') : fi->name[i]);
			id[i] = '\0';
			fc->fmt = kolm_catalog_format_find(ctx, id);
		}
		fc->as_stored = 1;
		if (!fc->fmt)
			fc->fmt = kolm_catalog_format_find(ctx, "f32");
		if (strcmp(fc->backend, "gguf"))
			return kolm_err_set(err, KOLM_E_USAGE, "a GGUF file as stored runs on the gguf backend; give --quant for %s",
					    fc->backend);
		return KOLM_OK;
	}
	const char *q = p->quant ? p->quant : "int4";
	int rc = kolm_catalog_quant_resolve(ctx, q, fc->backend, &fc->fmt, err);
	if (rc)
		return rc;
	/* the GGUF's own type asked for again: it is used as stored, not
	 * re-quantized to itself */
	if (!strcmp(fc->m.source, "gguf") && !strcmp(fc->fmt->backend, "gguf") && p->n_overrides == 0 &&
	    fc->m.ftype >= 0 && fc->m.ftype == fc->fmt->ftype) {
		fc->as_stored = 1;
		return KOLM_OK;
	}
	if ((rc = exportable(ctx, fc->fmt, err)))
		return rc;
	if (strcmp(fc->fmt->backend, fc->backend)) {
		if (p->backend)
			return kolm_err_set(err, KOLM_E_USAGE, "format '%s' is a %s format, not %s", fc->fmt->id,
					    fc->fmt->backend, fc->backend);
		/* an exact format picks its own backend */
		fc->backend = fc->fmt->backend;
		fc->backend_reason = "the backend of the chosen format";
		struct kolm_pick p2 = *p;
		p2.backend = fc->backend;
		fc->runtime = NULL;
		p2.runtime = NULL;
		rc = resolve_backend(ctx, &p2, fc, err);
		if (rc)
			return rc;
		fc->backend_reason = "the backend of the chosen format";
	}
	return KOLM_OK;
}

/* ---- memory ----------------------------------------------------------- */

static uint64_t platform_cap(const struct fc *fc, const char **note)
{
	json_t *cap = json_object_get(fc->dev.json, "platform_cap");
	*note = NULL;
	if (!json_is_object(cap))
		return 0;
	const char *rule = kolm_json_str(cap, "rule");
	*note = kolm_json_str(cap, "note");
	if (rule && !strcmp(rule, "apple-metal")) {
		/* GPU working set only limits GPU runtimes */
		if (strcmp(fc->runtime, "mlx") && strcmp(fc->runtime, "llama.cpp-metal") && strcmp(fc->runtime, "coreml"))
			return 0;
		double frac = fc->dev.mem_bytes <= 36 * GB ? 2.0 / 3.0 : 0.75;
		return (uint64_t)llround((double)fc->dev.mem_bytes * frac);
	}
	double gb = kolm_json_num(cap, "gb", 0);
	if (gb > 0) {
		/* Jetson's GPU-memory figure limits the GPU runtime only */
		if (!strcmp(fc->dev.klass, "jetson") && !strcmp(fc->runtime, "llama.cpp-cpu"))
			return 0;
		return (uint64_t)llround(gb * GB);
	}
	return 0;
}

/* Memory for n_ctx positions at kv_type: the file, the KV cache, the
 * compute buffer and the runtime, or the flat --overhead-gb rule. */
static void memory_for(const struct fc *fc, int64_t n_ctx, const char *kv_type, double overhead_gb,
		       struct kolm_memory *mm)
{
	memset(mm, 0, sizeof *mm);
	mm->kv_type = kv_type;
	mm->ctx = n_ctx;
	mm->device = fc->dev.mem_bytes;
	mm->weights = fc->est.file_bytes;
	mm->platform_cap = platform_cap(fc, &mm->platform_cap_note);
	if (overhead_gb >= 0) {
		mm->flat = 1;
		mm->runtime_base = (uint64_t)llround(overhead_gb * GB);
		mm->total = mm->weights + mm->runtime_base;
		mm->usable = fc->dev.mem_bytes; /* the flat rule: against device memory */
		return;
	}
	mm->kv_cache = kolm_estimate_kv_bytes(&fc->m, n_ctx, kv_type);
	mm->compute_buffer = kolm_estimate_compute_buffer(&fc->m, n_ctx, kv_type, json_is_true(json_object_get(fc->rt, "flash_attn")));
	mm->runtime_base = (uint64_t)llround(kolm_json_num(fc->rt, "base_mb", 150) * 1e6);
	mm->mmproj = fc->mmproj_bytes;
	if (fc->draft_loaded)
		mm->draft = fc->draft_bytes + kolm_estimate_kv_bytes(&fc->draft_m, n_ctx, kv_type) +
			    kolm_estimate_compute_buffer(&fc->draft_m, n_ctx, kv_type, json_is_true(json_object_get(fc->rt, "flash_attn")));
	mm->total = mm->weights + mm->kv_cache + mm->compute_buffer + mm->runtime_base + mm->mmproj + mm->draft;
	mm->usable = mm->platform_cap && mm->platform_cap < fc->dev.mem_bytes ? mm->platform_cap : fc->dev.mem_bytes;
}

static enum kolm_fit verdict_of(uint64_t total, uint64_t usable, double *ratio)
{
	*ratio = usable ? (double)total / (double)usable : INFINITY;
	/* integer comparisons keep the 80% and 100% boundaries exact */
	if ((unsigned __int128)total * 5 <= (unsigned __int128)usable * 4)
		return KOLM_FIT_PASS;
	if (total <= usable)
		return KOLM_FIT_TIGHT;
	return KOLM_FIT_OVER;
}

/* ---- partial offload -------------------------------------------------- */

/* Where the bytes of a GGUF sit for llama.cpp's layer split: per block, the
 * output layer, what always stays in host memory, the embedding table. */
struct layer_bytes {
	uint64_t *layer;            /* [n_layer] */
	uint64_t output, host_fixed, embd;
};

static int layer_bytes_of(const struct kolm_pick *p, const struct fc *fc, struct layer_bytes *lb,
			  struct kolm_err *err)
{
	const struct kolm_model *m = &fc->m;
	int n = (int)m->hp.n_layer;
	memset(lb, 0, sizeof *lb);
	int *types = calloc((size_t)(m->n_tensors ? m->n_tensors : 1), sizeof *types);
	lb->layer = calloc((size_t)n + 1, sizeof *lb->layer);
	if (!types || !lb->layer) {
		free(types);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	int rc = KOLM_OK;
	if (fc->as_stored) {
		for (int64_t i = 0; i < m->n_tensors; i++)
			types[i] = m->tensors[i].type;
	} else if (!strcmp(fc->fmt->backend, "gguf")) {
		rc = kolm_quantplan(m, fc->fmt->ftype, p->overrides, p->n_overrides, types, err);
	} else {
		rc = kolm_err_set(err, KOLM_E_USAGE, "--offload is a llama.cpp (gguf) feature");
	}
	for (int64_t i = 0; rc == KOLM_OK && i < m->n_tensors; i++) {
		const struct kolm_tensor_desc *t = &m->tensors[i];
		uint64_t nb = kolm_align_up(kolm_type_tensor_bytes(types[i], t->ne, t->n_dims), 32);
		if (t->layer >= 0 && t->layer < n)
			lb->layer[t->layer] += nb;
		else if (!strcmp(t->name, "output.weight") || !strcmp(t->name, "output_norm.weight"))
			lb->output += nb;
		else
			lb->host_fixed += nb; /* token_embd stays in host memory in llama.cpp */
		if (!strcmp(t->name, "token_embd.weight"))
			lb->embd = nb;
	}
	free(types);
	return rc;
}

/* The split: the most layers whose GPU side fits (or the count asked
 * for), and the decode rate of the two memories read in turn (*tps). */
static int plan_offload(struct kolm_ctx *ctx, const struct kolm_pick *p, const struct fc *fc,
			struct kolm_offload *of, double *tps, struct kolm_err *err)
{
	memset(of, 0, sizeof *of);
	const struct kolm_memory *mm = &fc->mm;
	int n = (int)fc->m.hp.n_layer;
	of->n_layer = n;
	struct layer_bytes lb;
	int rc = layer_bytes_of(p, fc, &lb, err);
	if (rc)
		goto out;
	/* tied: llama.cpp duplicates the table into the output layer's buffer,
	 * so a fully offloaded model holds a second copy on the GPU */
	uint64_t tied_embd = fc->m.hp.tied ? lb.embd : 0;
	uint64_t kv_layer = n ? mm->kv_cache / (uint64_t)n : 0;
	of->gpu_usable = mm->usable;
	double host_gb = p->host_mem_gb > 0 ? p->host_mem_gb : (double)fc->dev.host_mem_bytes / GB;
	of->host_memory = (uint64_t)llround(host_gb * GB);
	if (!of->host_memory) {
		rc = kolm_err_set(err, KOLM_E_USAGE, "--offload: give the host's memory with --host-mem-gb");
		goto out;
	}
	int want = -1;
	if (strcmp(p->offload, "auto")) {
		char *end;
		long v = strtol(p->offload, &end, 10);
		if (*end || end == p->offload || v < 0) {
			rc = kolm_err_set(err, KOLM_E_USAGE, "--offload: expected 'auto' or a layer count, got '%s'", p->offload);
			goto out;
		}
		if (v > n) {
			rc = kolm_err_set(err, KOLM_E_USAGE, "--offload: %ld layers, but the model has %d (0..%d, or auto)", v,
					  n, n);
			goto out;
		}
		want = (int)v;
	}
	/* GPU side for k offloaded layers: the last k blocks with their KV, the
	 * output layer when all are offloaded, the compute buffer and runtime */
	uint64_t gpu_fixed = mm->compute_buffer + mm->runtime_base + mm->mmproj + mm->draft;
	int best = 0;
	for (int k = 0; k <= n; k++) {
		uint64_t g = gpu_fixed;
		for (int l = n - k; l < n; l++)
			g += lb.layer[l] + kv_layer;
		if (k == n)
			g += lb.output + tied_embd;
		if (want >= 0 ? k == want : g <= of->gpu_usable)
			best = k, of->gpu_bytes = g;
	}
	if (want < 0 && of->gpu_bytes == 0)
		of->gpu_bytes = gpu_fixed;
	of->gpu_layers = best;
	of->host_layers = n - best;
	of->ngl = best == n ? 99 : best;
	uint64_t h = lb.host_fixed;
	for (int l = 0; l < n - best; l++)
		h += lb.layer[l] + kv_layer;
	if (best < n)
		h += lb.output;
	of->host_bytes = h;
	double r;
	of->gpu_verdict = verdict_of(of->gpu_bytes, of->gpu_usable, &r);
	of->host_verdict = verdict_of(of->host_bytes, of->host_memory, &r);
	/* time per token = GPU bytes / GPU bandwidth + host bytes / host bandwidth */
	double read_gpu = 0, read_host = 0;
	for (int l = 0; l < n; l++)
		*(l >= n - best ? &read_gpu : &read_host) += (double)lb.layer[l];
	*(best == n ? &read_gpu : &read_host) += (double)lb.output + (double)tied_embd;
	double eta_g = kolm_json_num(fc->rt, "eta", 0.6), t0 = kolm_json_num(fc->rt, "t0_ms", 1.5) / 1e3;
	json_t *rts = kolm_ctx_json(ctx, "data/runtimes.json", NULL);
	json_t *cpu = kolm_json_find_id(json_object_get(rts, "runtimes"), "llama.cpp-cpu");
	double eta_h = kolm_json_num(cpu, "eta", 0.5);
	double host_bw = fc->dev.host_bw_bytes_per_s > 0 ? fc->dev.host_bw_bytes_per_s : 50e9;
	double t = read_gpu / (eta_g * fc->dev.bw_bytes_per_s) + read_host / (eta_h * host_bw) + t0;
	*tps = 1.0 / t;
	snprintf(of->basis, sizeof of->basis,
		 "forecast: %d of %d layers on the GPU (%.0f GB/s, eta %.2f) and %d on the host (%.0f GB/s, eta %.2f): "
		 "time/token = GPU bytes / GPU bandwidth + host bytes / host bandwidth",
		 best, n, fc->dev.bw_bytes_per_s / GB, eta_g, n - best, host_bw / GB, eta_h);
out:
	free(lb.layer);
	return rc;
}

/* --offload on a discrete GPU: the split replaces the all-in-VRAM verdict
 * and decode speed. */
static int offload_apply(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_offload *of,
			 struct kolm_err *err)
{
	if (strcmp(fc->dev.mem_kind, "vram"))
		return kolm_err_set(err, KOLM_E_USAGE, "--offload: %s has %s memory; offload applies to discrete GPUs",
				    fc->dev.id, fc->dev.mem_kind);
	double tps = 0;
	int rc = plan_offload(ctx, p, fc, of, &tps, err);
	if (rc)
		return rc;
	fc->gpu_layers = of->gpu_layers == of->n_layer ? -1 : of->gpu_layers;
	fc->gpu_layers_set = 1;
	fc->verdict = of->gpu_verdict > of->host_verdict ? of->gpu_verdict : of->host_verdict;
	fc->ratio = (double)of->gpu_bytes / (double)of->gpu_usable;
	double scale = tps / fc->dec.mid;
	fc->dec.mid = tps;
	fc->dec.low *= scale;
	fc->dec.high *= scale;
	snprintf(fc->dec.basis, sizeof fc->dec.basis, "%s", of->basis);
	return KOLM_OK;
}

/* An "over" pick on a discrete GPU with host RAM, without --offload: say
 * whether --offload auto would fit, with its split and speed. */
static void offload_hint(struct kolm_ctx *ctx, const struct kolm_pick *p, const struct fc *fc, json_t *cav)
{
	if (p->offload || fc->verdict != KOLM_FIT_OVER || strcmp(fc->dev.mem_kind, "vram") ||
	    strcmp(fc->backend, "gguf") || (fc->dev.host_mem_bytes == 0 && !(p->host_mem_gb > 0)))
		return;
	struct kolm_pick q = *p;
	q.offload = "auto";
	struct kolm_offload of;
	double tps = 0;
	if (plan_offload(ctx, &q, fc, &of, &tps, NULL))
		return;
	if (of.host_verdict == KOLM_FIT_OVER || of.gpu_verdict == KOLM_FIT_OVER)
		kolm_caveat_add(cav,
				"over: it does not fit in %.2f GB of VRAM, and --offload auto does not fit either (%.2f GB "
				"left for %.2f GB of host RAM); the decode figure is what it would do if it fit",
				(double)fc->mm.usable / GB, (double)of.host_bytes / GB, (double)of.host_memory / GB);
	else
		kolm_caveat_add(cav,
				"over: it does not fit in %.2f GB of VRAM, so the decode figure is what it would do if it "
				"did; --offload auto fits, with %d of %d layers on the GPU and %d in host RAM, at %.3g tok/s "
				"(forecast; %s)",
				(double)fc->mm.usable / GB, of.gpu_layers, of.n_layer, of.host_layers, kolm_round_sig(tps, 3),
				"kolm plan ... --offload auto shows the split");
}

/* ---- speed ------------------------------------------------------------ */

static void speed_query(const struct fc *fc, struct kolm_speed_query *q)
{
	memset(q, 0, sizeof *q);
	q->dev = &fc->dev;
	q->measured_device = !(fc->custom || fc->bw_override || fc->is_local);
	q->runtime = fc->runtime;
	q->model_id = fc->base ? fc->base->id : fc->source_id;
	q->format = fc->fmt ? fc->fmt->id : "";
	q->bytes_per_token = fc->bytes_per_token;
	q->prompt_params = kolm_estimate_prompt_flops(&fc->m, &fc->est, KOLM_PP_TOKENS) / 2.0;
	q->stream_bytes = (double)fc->est.weights_read_bytes - (double)fc->est.output_bytes;
	q->n_layer = fc->m.hp.n_layer > 0 ? (int)fc->m.hp.n_layer : 0;
}

/* Decode and prefill from the calibration, else the runtime class default. */
static void speeds(struct kolm_ctx *ctx, struct fc *fc)
{
	const char *rclass = kolm_json_str(fc->rt, "class");
	double kv_read = (double)kolm_estimate_kv_bytes(&fc->m, DECODE_DEPTH, fc->kv_type);
	fc->bytes_per_token = (double)fc->est.weights_read_bytes + kv_read;
	fc->decode_bound = fc->dev.bw_bytes_per_s / fc->bytes_per_token;
	struct kolm_speed_query q;
	speed_query(fc, &q);
	if (kolm_speed_decode(ctx, &q, &fc->dec) != KOLM_OK) {
		double eta = kolm_json_num(fc->rt, "eta", 0.5), t0 = kolm_json_num(fc->rt, "t0_ms", 1) / 1e3;
		double t = fc->bytes_per_token / (eta * fc->dev.bw_bytes_per_s) + t0;
		fc->dec.mid = 1.0 / t;
		fc->dec.low = fc->dec.mid * 0.7;
		fc->dec.high = fc->dec.mid * 1.3;
		fc->dec.rows = 0;
		snprintf(fc->dec.basis, sizeof fc->dec.basis,
			 "class default for %s runtimes (eta %.2f of %.0f GB/s, %.1f ms/token overhead); no measurements",
			 rclass ? rclass : "?", eta, fc->dev.bw_bytes_per_s / GB, t0 * 1e3);
	}
	if (kolm_speed_prefill(ctx, &q, &fc->pre) != KOLM_OK) {
		double eta = kolm_json_num(fc->rt, "eta_pp", 0.3);
		fc->pre.mid = eta * fc->dev.flops_fp16 / kolm_estimate_prompt_flops(&fc->m, &fc->est, KOLM_PP_TOKENS);
		fc->pre.low = fc->pre.mid * 0.6;
		fc->pre.high = fc->pre.mid * 1.4;
		snprintf(fc->pre.basis, sizeof fc->pre.basis,
			 "class default for %s runtimes (eta %.2f of %.1f fp16 TFLOPS); no measurements",
			 rclass ? rclass : "?", eta, fc->dev.flops_fp16 / 1e12);
	}
}

/* Decode at depth (depth.c), from the decode rate just forecast. */
static void depth_curve(const struct kolm_pick *p, struct fc *fc)
{
	struct kolm_depth_query q = {&fc->m, fc->kv_type, fc->rt, &fc->dev, fc->runtime, &fc->dec, p->at_ctx, DECODE_DEPTH};
	fc->n_depth = kolm_depth_curve(&q, fc->depth, fc->depth_basis, sizeof fc->depth_basis);
}

/* ---- K-score loss ----------------------------------------------------- */

/* A kolm export as stored records both K-scores when they were measured:
 * the loss is then a measurement, shown beside the forecast one. */
static void measured_k_loss(const struct fc *fc, struct kolm_forecast *r)
{
	const struct kolm_model *m = &fc->m;
	struct kolm_measured_k_loss *kl = &r->measured_k_loss;
	if (!fc->as_stored || !(m->k_ref >= 0) || !(m->k_export >= 0))
		return;
	r->has_measured_k_loss = 1;
	kl->points = kolm_round_sig(100.0 * (m->k_ref - m->k_export), 3) + 0.0;
	kl->reference_k = kolm_round_sig(m->k_ref, 4);
	kl->export_k = kolm_round_sig(m->k_export, 4);
	snprintf(kl->basis, sizeof kl->basis,
		 "measured by kolm's engine on the artifact's eval pack: reference K %.3f (%s), this file's K %.3f", m->k_ref,
		 m->k_ref_source, m->k_export);
}

/* ---- caveats and gates ------------------------------------------------ */

/* The reference throughput table's row (data/seed.json) for this device,
 * when the pick is its typical artifact (int4, a base of the same size
 * class): say when kolm's forecast range does not meet the table's, and
 * why. */
static void reference_caveat(struct kolm_ctx *ctx, const struct fc *fc, json_t *cav)
{
	json_t *seed = kolm_ctx_json(ctx, "data/seed.json", NULL);
	json_t *row = NULL;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(seed, "throughput"), i, x)
		if (!strcmp(kolm_json_str(x, "device") ? kolm_json_str(x, "device") : "", fc->dev.id))
			row = x;
	if (!row || !fc->fmt->tier || strcmp(fc->fmt->tier, "int4"))
		return;
	double pb = (double)fc->est.params / 1e9, want = kolm_json_num(row, "params_b", 0);
	if (pb < want * 0.75 || pb > want * 1.3)
		return;
	double lo = kolm_json_num(row, "low", 0), hi = kolm_json_num(row, "high", 0);
	if (fc->dec.high >= lo && fc->dec.low <= hi)
		return;
	if (lo > fc->decode_bound * 0.95)
		kolm_caveat_add(cav,
				"the reference throughput table lists %.0f-%.0f tok/s for a %s on this device; that is at or "
				"beyond its memory-bandwidth bound of %.1f tok/s (%.0f GB/s / %.2f GB read per token), so "
				"kolm does not follow it",
				lo, hi, kolm_json_str(row, "artifact"), fc->decode_bound, fc->dev.bw_bytes_per_s / GB,
				fc->bytes_per_token / GB);
	else
		kolm_caveat_add(cav,
				"the reference throughput table lists %.0f-%.0f tok/s for a %s on this device; kolm follows %s "
				"instead",
				lo, hi, kolm_json_str(row, "artifact"),
				fc->dec.rows ? "the measurements in its basis" : "its runtime model");
}

/* What the forecast assumes or could not honour, in the order a reader
 * needs it: memory first, then the pick's overrides, then speed. */
static void caveats_add(struct kolm_ctx *ctx, const struct fc *fc, json_t *cav)
{
	const struct kolm_memory *mm = &fc->mm;
	if (fc->verdict == KOLM_FIT_OVER)
		kolm_caveat_add(cav, "needs %.2f GB but %.2f GB is usable: pick a smaller format or a bigger device",
				(double)mm->total / GB, (double)mm->usable / GB);
	if (mm->platform_cap && mm->platform_cap < fc->dev.mem_bytes && !mm->flat)
		kolm_caveat_add(cav, "platform cap applied: %.2f GB of %.2f GB usable (%s)", (double)mm->platform_cap / GB,
				(double)fc->dev.mem_bytes / GB, mm->platform_cap_note ? mm->platform_cap_note : "");
	if (mm->flat && mm->platform_cap && mm->platform_cap < fc->dev.mem_bytes)
		kolm_caveat_add(cav,
				"--overhead-gb's flat rule counts against device memory; the platform cap (%.2f GB) is "
				"not applied",
				(double)mm->platform_cap / GB);
	if (fc->mem_unlisted)
		kolm_caveat_add(cav, "%.0f GB is not a listed memory variant of %s", (double)fc->dev.mem_bytes / GB, fc->dev.id);
	if (fc->bw_override)
		kolm_caveat_add(cav, "bandwidth overridden to %.0f GB/s", fc->dev.bw_bytes_per_s / GB);
	if (fc->runtime_unlisted)
		kolm_caveat_add(cav, "%s is not a runtime this device lists; its speed is a class default", fc->runtime);
	if (!strcmp(fc->fmt->backend, "mlx") && !fc->mlx.n_shards)
		kolm_caveat_add(cav, "mlx tensor bytes are mlx-lm's layout, as kolm's native MLX export writes it; the safetensors "
				     "headers and side files are estimated (exact with --model DIR or X.kolm)");
	else if (strcmp(fc->fmt->backend, "gguf") && strcmp(fc->fmt->backend, "mlx"))
		kolm_caveat_add(cav, "%s sizes come from the format's published layout, not a reproduced file", fc->fmt->backend);
	if (fc->dev.power_mode && (!strcmp(fc->dev.klass, "jetson") || !strcmp(fc->dev.klass, "phone")))
		kolm_caveat_add(cav, "speeds assume %s", fc->dev.power_mode);
	if (fc->n_ctx > fc->m.hp.n_ctx_train && fc->m.hp.n_ctx_train > 0)
		kolm_caveat_add(cav, "ctx %lld exceeds the model's trained context of %lld", (long long)fc->n_ctx,
				(long long)fc->m.hp.n_ctx_train);
	for (int i = 0; i < fc->n_depth; i++)
		if (fc->depth[i].ctx > fc->m.hp.n_ctx_train && fc->m.hp.n_ctx_train > 0) {
			kolm_caveat_add(cav, "decode at %lld tokens of context is past the model's trained context of %lld",
					(long long)fc->depth[i].ctx, (long long)fc->m.hp.n_ctx_train);
			break;
		}
	struct kolm_speed_query q;
	speed_query(fc, &q);
	kolm_speed_caveats(ctx, &q, cav);
	reference_caveat(ctx, fc, cav);
}

/* Each gate against the unrounded figure it limits (K loss: the published
 * points, the figure a reader compares). */
static int gates_check(const struct kolm_pick *p, const struct fc *fc, struct kolm_forecast *r, struct kolm_err *err)
{
	if (p->n_gates <= 0)
		return KOLM_OK;
	r->gates = calloc((size_t)p->n_gates, sizeof *r->gates);
	if (!r->gates)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int i = 0; i < p->n_gates; i++) {
		const struct kolm_gate *g = &p->gates[i];
		double value;
		int pass;
		if (!strcmp(g->name, "min_tps")) {
			value = fc->dec.mid;
			pass = value >= g->limit;
		} else if (!strcmp(g->name, "max_mem_frac")) {
			value = fc->ratio;
			pass = value <= g->limit;
		} else if (!strcmp(g->name, "max_k_loss")) {
			value = r->k_loss.points;
			pass = value <= g->limit;
		} else if (!strcmp(g->name, "max_size_gb")) {
			value = (double)fc->est.file_bytes / GB;
			pass = value <= g->limit;
		} else {
			return kolm_err_set(err, KOLM_E_USAGE, "unknown gate '%s'", g->name);
		}
		r->gates[r->n_gates++] = (struct kolm_gate_result){g->name, g->limit, kolm_round_sig(value, 6), pass};
	}
	return KOLM_OK;
}

int kolm_forecast_gates_pass(const struct kolm_forecast *f)
{
	for (int i = 0; i < f->n_gates; i++)
		if (!f->gates[i].pass)
			return 0;
	return 1;
}

/* ---- the steps -------------------------------------------------------- */

/* Device, backend and runtime, model, format, KV type and the estimate. */
static void mlx_exact(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc);

static int resolve(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	int rc;
	if ((rc = resolve_device(ctx, p, fc, err)) || (rc = resolve_backend(ctx, p, fc, err)) ||
	    (rc = load_model(ctx, p, fc, err)) || (rc = resolve_format(ctx, p, fc, err)))
		return rc;
	static const char *kvs[] = {"f16", "q8_0", "q4_0"};
	fc->kv_type = NULL;
	for (size_t k = 0; k < 3; k++)
		if (!strcmp(p->kv_type ? p->kv_type : "f16", kvs[k]))
			fc->kv_type = kvs[k];
	if (!fc->kv_type)
		return kolm_err_set(err, KOLM_E_USAGE, "--kv-type '%s': expected f16, q8_0 or q4_0", p->kv_type);
	/* overrides are GGUF tensor types: no other export sets a tensor's type,
	 * so neither the forecast nor a printed export line may carry them */
	if (p->n_overrides && !fc->as_stored && strcmp(fc->fmt->backend, "gguf"))
		return kolm_err_set(err, KOLM_E_USAGE, "--tensor-type sets GGUF tensor types; %s is an %s format", fc->fmt->id,
				    fc->fmt->backend);
	if (fc->as_stored)
		rc = kolm_estimate_stored(&fc->m, &fc->est, err);
	else
		rc = kolm_estimate_model(ctx, &fc->m, fc->fmt, p->overrides, p->n_overrides, &fc->est, err);
	if (rc)
		return rc;
	mlx_exact(ctx, p, fc);
	if (p->ctx < 0 && p->ctx != KOLM_CTX_MAX)
		return kolm_err_set(err, KOLM_E_USAGE, "--ctx must be a positive number of tokens or 'max'");
	return KOLM_OK;
}

/* ---- context budget --------------------------------------------------- */

/* With --offload on a discrete GPU a context fits when its split does: the
 * GPU side fits (auto fills it by design) and the host side passes / fits. */
static int mem_ok(struct kolm_ctx *ctx, const struct kolm_pick *p, const struct fc *fc, int64_t n_ctx, const char *kv,
		  int want_pass)
{
	struct kolm_memory mm;
	if (p->offload && !strcmp(fc->dev.mem_kind, "vram")) {
		struct fc *t = malloc(sizeof *t);
		struct kolm_offload of;
		double tps;
		int ok = 0;
		if (t) {
			*t = *fc;
			memory_for(t, n_ctx, kv, p->overhead_gb, &t->mm);
			ok = !plan_offload(ctx, p, t, &of, &tps, NULL) && of.gpu_verdict != KOLM_FIT_OVER &&
			     of.host_verdict <= (want_pass ? KOLM_FIT_PASS : KOLM_FIT_TIGHT);
		}
		free(t);
		return ok;
	}
	memory_for(fc, n_ctx, kv, p->overhead_gb, &mm);
	if (want_pass)
		return (unsigned __int128)mm.total * 5 <= (unsigned __int128)mm.usable * 4;
	return mm.total <= mm.usable;
}

/* Largest context in [1, limit] meeting the rule; 0 if even 1 does not.
 * Memory is non-decreasing in n_ctx, so bisection is exact. */
static int64_t solve_ctx(struct kolm_ctx *ctx, const struct kolm_pick *p, const struct fc *fc, const char *kv,
			 int want_pass, int64_t limit)
{
	if (!mem_ok(ctx, p, fc, 1, kv, want_pass))
		return 0;
	if (mem_ok(ctx, p, fc, limit, kv, want_pass))
		return limit;
	int64_t lo = 1, hi = limit; /* lo ok, hi not */
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (mem_ok(ctx, p, fc, mid, kv, want_pass))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* --ctx max: the budget per KV type; the pick uses the largest passing
 * context (else the largest that fits, else the default). */
static int64_t ctx_budget(struct kolm_ctx *ctx, const struct kolm_pick *p, const struct fc *fc,
			  struct kolm_ctx_budget *b)
{
	static const char *kvs[] = {"f16", "q8_0", "q4_0"};
	memset(b, 0, sizeof *b);
	b->offload = p->offload && !strcmp(fc->dev.mem_kind, "vram");
	b->limit = fc->m.hp.n_ctx_train > 0 ? fc->m.hp.n_ctx_train : 131072;
	b->kv_type = fc->kv_type;
	for (size_t k = 0; k < 3; k++) {
		int64_t mp = solve_ctx(ctx, p, fc, kvs[k], 1, b->limit);
		int64_t mf = solve_ctx(ctx, p, fc, kvs[k], 0, b->limit);
		b->per_kv_type[k].kv_type = kvs[k];
		b->per_kv_type[k].max_pass = mp;
		b->per_kv_type[k].max_fit = mf;
		if (!strcmp(kvs[k], fc->kv_type))
			b->max_pass = mp, b->max_fit = mf;
	}
	return b->max_pass ? b->max_pass : b->max_fit ? b->max_fit : DEFAULT_CTX;
}

/* The commands for each step, for the pick as the user gave it. */
static int commands_for(struct kolm_ctx *ctx, const struct kolm_pick *p, const struct fc *fc,
			struct kolm_commands *out, struct kolm_err *err)
{
	struct kolm_cmd_vars v = {0};
	v.device = &fc->dev;
	v.format = fc->fmt;
	v.base_id = fc->source_id;
	v.hf_repo = fc->base ? fc->base->hf_repo : NULL;
	v.hf_gated = fc->base ? fc->base->gated : 0;
	v.ssh = p->ssh;
	v.backend = fc->backend;
	v.runtime = fc->runtime;
	v.source_kind = p->artifact ? "artifact"
			: !strcmp(fc->source_kind, "model") && !strcmp(fc->m.source, "gguf") ? "model"
											       : fc->source_kind;
	v.source = p->artifact      ? p->artifact
		   : p->base_id     ? p->base_id
		   : p->config_path ? p->config_path
		   : p->model_path  ? p->model_path
				    : "config.json";
	v.out_dir = p->out_dir ? p->out_dir : ".";
	v.ckpt_dir = p->ckpt_dir;
	v.ctx = fc->n_ctx;
	v.kv_type = p->kv_type;
	v.gpu_layers = fc->gpu_layers_set ? fc->gpu_layers : -1;
	v.file_bytes = fc->est.file_bytes;
	v.overrides = p->overrides;
	v.n_overrides = p->n_overrides;
	v.gguf_as_stored = !p->artifact && !strcmp(fc->m.source, "gguf") && fc->as_stored;
	for (int64_t i = 0; i < fc->m.n_tensors && !v.gguf_quantized && !strcmp(fc->m.source, "gguf"); i++) {
		const struct kolm_type_traits *tr = kolm_type_traits(fc->m.tensors[i].type);
		v.gguf_quantized = tr && tr->quantized;
	}
	return kolm_commands_render(ctx, &v, out, err);
}

/* ---- publishing ------------------------------------------------------- */

static void publish_speed(struct kolm_forecast_speed *out, const struct kolm_speed *s)
{
	out->low = kolm_round_sig(s->low, 3);
	out->mid = kolm_round_sig(s->mid, 3);
	out->high = kolm_round_sig(s->high, 3);
	out->rows = s->rows;
	snprintf(out->basis, sizeof out->basis, "%s", s->basis);
}

/* The source, the format and the size, as the file would be. */
static int publish_model(const struct kolm_pick *p, const struct fc *fc, struct kolm_forecast *r,
			 struct kolm_err *err)
{
	r->source.kind = fc->source_kind;
	kolm_strlcpy(r->source.id, fc->source_id, sizeof r->source.id);
	if (p->model_path && !(r->source.path = kolm_strdup(p->model_path)))
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	r->source.name = fc->base ? fc->base->name : r->source.path ? r->source.path : "custom";
	r->source.base = fc->base;
	r->source.hp = fc->m.hp;
	r->source.params = fc->est.params;
	r->source.active_params = fc->est.active_params;
	r->source.n_tensors = fc->m.n_tensors;
	r->format.fmt = fc->fmt;
	r->format.as_stored = fc->as_stored;
	r->format.bits_per_weight = round_to(fc->est.bpw, 3);
	memcpy(r->format.type_count, fc->est.type_count, sizeof r->format.type_count);
	memcpy(r->format.type_bytes, fc->est.type_bytes, sizeof r->format.type_bytes);
	if (!strcmp(fc->fmt->backend, "gguf"))
		r->format.rule = fc->as_stored ? "types as stored in the file"
					       : "llama-quantize's per-tensor rules (newest llama.cpp, no importance matrix)";
	else
		r->format.rule = kolm_json_str(fc->fmt->json, "layout_source");
	r->size.bytes = fc->est.file_bytes;
	r->size.tensor_bytes = fc->est.tensor_bytes;
	r->size.header_bytes = fc->est.header_bytes;
	r->size.gb = round_to((double)fc->est.file_bytes / GB, 3);
	r->size.exact = fc->as_stored;
	if (fc->as_stored)
		snprintf(r->size.basis, sizeof r->size.basis, "the file's own size");
	else if (!strcmp(fc->fmt->backend, "gguf"))
		snprintf(r->size.basis, sizeof r->size.basis,
			 "forecast: exact tensor list x llama-quantize type rules, 32-byte alignment; header %s",
			 fc->m.meta_exact ? "read from the file" : "from the tokenizer family (data/tokenizers.json)");
	else if (fc->mlx.n_shards)
		snprintf(r->size.basis, sizeof r->size.basis,
			 "forecast: the directory kolm export writes, planned from the checkpoint: %d tensors (%d quantized, "
			 "%d-bit, group %d) in %d shard%s, with the config, index, tokenizer files and kolm.json%s",
			 fc->mlx.n_tensors, fc->mlx.n_quantized, fc->fmt->bits, fc->fmt->group, fc->mlx.n_shards,
			 fc->mlx.n_shards > 1 ? "s" : "",
			 fc->mlx.k_digits ? " (its measured K-score's digits, a few bytes, not known until measured)" : "");
	else
		snprintf(r->size.basis, sizeof r->size.basis, "forecast: exact tensor list x the %s layout (%d-bit, group %d)",
			 fc->fmt->backend, fc->fmt->bits, fc->fmt->group);
	return KOLM_OK;
}

/* An MLX format from a checkpoint directory or a .kolm: the directory
 * kolm export would write, every file counted (export.h's plan); the
 * per-tensor estimate stays when the plan cannot be made. */
static void mlx_exact(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc)
{
	struct stat sb;
	const char *path = p->model_path;
	size_t n = path ? strlen(path) : 0;
	int dir = path && !stat(path, &sb) && S_ISDIR(sb.st_mode), art = n > 5 && !strcmp(path + n - 5, ".kolm");
	if (fc->as_stored || strcmp(fc->fmt->backend, "mlx") || (!dir && !art))
		return;
	struct kolm_export_opts o = {0};
	struct kolm_err e = {0};
	o.hf_dir = dir ? path : NULL;
	o.artifact = dir ? NULL : path;
	o.format = fc->fmt->id;
	o.min_k = 0; /* sizing only: no compile gate */
	if (kolm_export_mlx_plan(ctx, &o, &fc->mlx, &e)) {
		memset(&fc->mlx, 0, sizeof fc->mlx);
		return;
	}
	fc->est.tensor_bytes = fc->mlx.tensor_bytes;
	fc->est.file_bytes = fc->mlx.dir_bytes;
	fc->est.header_bytes = fc->mlx.dir_bytes - fc->mlx.tensor_bytes;
}

/* The device and runtime, memory and fit, and the speeds. */
static void publish_run(const struct kolm_pick *p, const struct fc *fc, struct kolm_forecast *r)
{
	r->device = fc->dev;
	r->device_is_local = fc->is_local;
	r->local = fc->local;
	snprintf(r->local_why, sizeof r->local_why, "%s", fc->local_why);
	r->probed = fc->probed;
	r->probe = fc->probe;
	r->backend.id = fc->backend;
	r->backend.reason = fc->backend_reason;
	r->backend.runtime = fc->runtime;
	r->backend.runtime_reason = fc->runtime_reason;
	r->memory = fc->mm;
	r->fit.verdict = fc->verdict;
	r->fit.ratio = round_to(fc->ratio, 4);
	publish_speed(&r->decode, &fc->dec);
	r->decode_depth = DECODE_DEPTH;
	r->n_at_ctx = fc->n_depth;
	r->at_ctx_asked = p->at_ctx > 0 ? p->at_ctx : 0;
	for (int i = 0; i < fc->n_depth; i++) {
		r->at_ctx[i].ctx = fc->depth[i].ctx;
		r->at_ctx[i].low = kolm_round_sig(fc->depth[i].low, 3);
		r->at_ctx[i].mid = kolm_round_sig(fc->depth[i].mid, 3);
		r->at_ctx[i].high = kolm_round_sig(fc->depth[i].high, 3);
	}
	snprintf(r->at_ctx_basis, sizeof r->at_ctx_basis, "%s", fc->depth_basis);
	r->bandwidth_bound = kolm_round_sig(fc->decode_bound, 3);
	r->bytes_per_token = (uint64_t)llround(fc->bytes_per_token);
	publish_speed(&r->prefill, &fc->pre);
	r->ttft_prompt_tokens = TTFT_PROMPT;
	r->ttft_s = kolm_round_sig(TTFT_PROMPT / fc->pre.mid, 3);
	r->cold_start_s = kolm_round_sig((double)fc->est.file_bytes / fc->dev.storage_bytes_per_s, 3);
	r->storage = fc->dev.storage_kind ? fc->dev.storage_kind : "unknown";
}

/* ---- the forecast ----------------------------------------------------- */

int kolm_forecast(struct kolm_ctx *ctx, const struct kolm_pick *p, struct kolm_forecast *out, struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	struct fc fc;
	memset(&fc, 0, sizeof fc);
	int rc = resolve(ctx, p, &fc, err);
	if (!rc)
		rc = kolm_forecast_extras(ctx, p->mmproj, p->draft, fc.fmt, &fc.mmproj_bytes, &fc.draft_m, &fc.draft_loaded,
					  &fc.draft_bytes, err);
	if (rc)
		goto out;
	fc.n_ctx = p->ctx > 0 ? p->ctx : DEFAULT_CTX;
	if (p->ctx == KOLM_CTX_MAX) {
		out->has_ctx_budget = 1;
		fc.n_ctx = ctx_budget(ctx, p, &fc, &out->ctx_budget);
	}
	memory_for(&fc, fc.n_ctx, fc.kv_type, p->overhead_gb, &fc.mm);
	fc.verdict = verdict_of(fc.mm.total, fc.mm.usable, &fc.ratio);
	speeds(ctx, &fc);
	if (p->offload) {
		out->has_offload = 1;
		if ((rc = offload_apply(ctx, p, &fc, &out->offload, err)))
			goto out;
	}
	depth_curve(p, &fc);
	if ((rc = publish_model(p, &fc, out, err)))
		goto out;
	publish_run(p, &fc, out);
	kolm_k_loss_forecast(ctx, fc.fmt, fc.est.params, &out->k_loss);
	measured_k_loss(&fc, out);
	if ((rc = commands_for(ctx, p, &fc, &out->commands, err)))
		goto out;
	if (!(out->caveats = json_array())) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	caveats_add(ctx, &fc, out->caveats);
	offload_hint(ctx, p, &fc, out->caveats);
	if (out->has_ctx_budget && !out->ctx_budget.max_fit)
		kolm_caveat_add(out->caveats, "--ctx max: no context fits %s, so the forecast uses the default %d tokens",
				out->ctx_budget.offload ? "with the --offload split" : "in usable memory", DEFAULT_CTX);
	if ((rc = gates_check(p, &fc, out, err)))
		goto out;
	kolm_caveat_add(out->caveats, "decode is a steady-state rate at short context after warm-up; long contexts, "
				      "thermal state and the runtime build change it: measure with kolm bench on the device");
out:
	kolm_model_release(&fc.m);
	if (fc.draft_loaded)
		kolm_model_release(&fc.draft_m);
	if (rc)
		kolm_forecast_release(out);
	return rc;
}

void kolm_forecast_release(struct kolm_forecast *f)
{
	if (!f)
		return;
	free(f->source.path);
	kolm_commands_release(&f->commands);
	free(f->gates);
	json_decref(f->caveats);
	memset(f, 0, sizeof *f);
}
