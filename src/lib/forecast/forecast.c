/* forecast.c - one pick -> kolm.forecast/1 JSON (see forecast.h, docs/FORMAT.md). */
#include "kolm/forecast.h"
#include "kolm/local.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/commands.h"
#include "kolm/ctx.h"
#include "kolm/estimate.h"
#include "kolm/model.h"
#include "kolm/quality.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "core/json_internal.h"
#include "forecast_internal.h"

#define GB 1e9
#define MIB (1024.0 * 1024.0)
enum { DEFAULT_CTX = 4096, UBATCH = 512, DECODE_DEPTH = 64, TTFT_PROMPT = 512 };

static double round_to(double v, int digits)
{
	double p = pow(10, digits);
	return round(v * p) / p;
}

/* Significant-figure rounding keeps the JSON stable and readable. */
static double sig(double v, int n)
{
	if (v == 0 || !isfinite(v))
		return 0;
	int d = n - 1 - (int)floor(log10(fabs(v)));
	return round_to(v, d < 0 ? 0 : d);
}

/* ---- the resolved pick ------------------------------------------------ */

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
	if (p->tflops > 0)
		fc->dev.flops_fp16 = p->tflops * 1e12;
	return KOLM_OK;
}

static const char *runtime_backend(json_t *rts, const char *rt)
{
	json_t *r = kolm_json_find_id(json_object_get(rts, "runtimes"), rt);
	return r ? kolm_json_str(r, "backend") : NULL;
}

static int resolve_backend(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, struct kolm_err *err)
{
	json_t *rts = kolm_ctx_json(ctx, "data/runtimes.json", err);
	if (!rts)
		return err->code;
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
					    "llama.cpp-vulkan, llama.cpp-opencl, mlx, onnxruntime, coreml, tensorrt-llm)",
					    p->runtime);
		const char *rb = kolm_json_str(r, "backend");
		if (be && strcmp(be, rb))
			return kolm_err_set(err, KOLM_E_USAGE, "runtime '%s' runs %s, not %s", p->runtime, rb, be);
		be = rb;
		fc->runtime = kolm_json_str(r, "id");
		fc->runtime_reason = "chosen with --runtime";
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
	return kolm_model_from_path(&fc->m, ctx, p->model_path, err);
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

static uint64_t compute_buffer(const struct fc *fc, int64_t n_ctx)
{
	const struct kolm_hparams *hp = &fc->m.hp;
	double ub = n_ctx < UBATCH ? (double)n_ctx : UBATCH;
	/* llama.cpp's measured scheduler reserve (data/llama-cpp-memory.tsv):
	 * logits for one ubatch plus two activations, 4 bytes each */
	double b = ub * 4.0 * ((double)hp->n_vocab + 2.0 * (double)hp->n_embd);
	if (!json_is_true(json_object_get(fc->rt, "flash_attn"))) {
		double scores = ub * (double)n_ctx * (double)hp->n_head * 4.0 * 1.04 + 20 * MIB;
		if (scores > b)
			b = scores;
	}
	return (uint64_t)llround(b + (double)hp->n_vocab * 4.0);
}

struct mem {
	uint64_t weights, kv, compute, base, total, cap, usable;
	const char *cap_note;
	int flat;
};

static void memory_for(const struct fc *fc, int64_t n_ctx, const char *kv_type, double overhead_gb, struct mem *mm)
{
	memset(mm, 0, sizeof *mm);
	mm->weights = fc->est.file_bytes;
	mm->cap = platform_cap(fc, &mm->cap_note);
	if (overhead_gb >= 0) {
		mm->flat = 1;
		mm->base = (uint64_t)llround(overhead_gb * GB);
		mm->total = mm->weights + mm->base;
		mm->usable = fc->dev.mem_bytes; /* the seed's rule: device memory */
		return;
	}
	mm->kv = kolm_estimate_kv_bytes(&fc->m, n_ctx, kv_type);
	mm->compute = compute_buffer(fc, n_ctx);
	mm->base = (uint64_t)llround(kolm_json_num(fc->rt, "base_mb", 150) * 1e6);
	mm->total = mm->weights + mm->kv + mm->compute + mm->base;
	mm->usable = mm->cap && mm->cap < fc->dev.mem_bytes ? mm->cap : fc->dev.mem_bytes;
}

static const char *verdict_of(uint64_t total, uint64_t usable, double *ratio)
{
	*ratio = usable ? (double)total / (double)usable : INFINITY;
	/* integer comparisons keep the 80% and 100% boundaries exact */
	if ((unsigned __int128)total * 5 <= (unsigned __int128)usable * 4)
		return "pass";
	if (total <= usable)
		return "tight";
	return "over";
}


/* ---- context budget --------------------------------------------------- */

static int mem_ok(const struct fc *fc, int64_t n_ctx, const char *kv, double ov, int want_pass)
{
	struct mem mm;
	memory_for(fc, n_ctx, kv, ov, &mm);
	if (want_pass)
		return (unsigned __int128)mm.total * 5 <= (unsigned __int128)mm.usable * 4;
	return mm.total <= mm.usable;
}

/* Largest context in [1, limit] meeting the rule; 0 if even 1 does not.
 * Memory is non-decreasing in n_ctx, so bisection is exact. */
static int64_t solve_ctx(const struct fc *fc, const char *kv, double ov, int want_pass, int64_t limit)
{
	if (!mem_ok(fc, 1, kv, ov, want_pass))
		return 0;
	if (mem_ok(fc, limit, kv, ov, want_pass))
		return limit;
	int64_t lo = 1, hi = limit; /* lo ok, hi not */
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (mem_ok(fc, mid, kv, ov, want_pass))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* ---- partial offload -------------------------------------------------- */

struct offload {
	int gpu_layers, host_layers, n_layer;
	uint64_t gpu_bytes, host_bytes, gpu_usable, host_usable;
	const char *gpu_verdict, *host_verdict;
	double tps;
	char basis[240];
};

static int plan_offload(struct kolm_ctx *ctx, const struct kolm_pick *p, struct fc *fc, const struct mem *mm,
			struct offload *of, struct kolm_err *err)
{
	memset(of, 0, sizeof *of);
	const struct kolm_model *m = &fc->m;
	int n = (int)m->hp.n_layer;
	of->n_layer = n;
	int *types = calloc((size_t)(m->n_tensors ? m->n_tensors : 1), sizeof *types);
	uint64_t *layer = calloc((size_t)n + 1, sizeof *layer);
	if (!types || !layer) {
		free(types);
		free(layer);
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
	if (rc)
		goto out;
	uint64_t output = 0, host_fixed = 0, embd = 0;
	for (int64_t i = 0; i < m->n_tensors; i++) {
		const struct kolm_tensor_desc *t = &m->tensors[i];
		uint64_t nb = kolm_align_up(kolm_type_tensor_bytes(types[i], t->ne, t->n_dims), 32);
		if (t->layer >= 0 && t->layer < n)
			layer[t->layer] += nb;
		else if (!strcmp(t->name, "output.weight") || !strcmp(t->name, "output_norm.weight"))
			output += nb;
		else
			host_fixed += nb; /* token_embd stays in host memory in llama.cpp */
		if (!strcmp(t->name, "token_embd.weight"))
			embd = nb;
	}
	/* tied: llama.cpp duplicates the table into the output layer's buffer,
	 * so a fully offloaded model holds a second copy on the GPU */
	int tied_out = m->hp.tied;
	uint64_t kv_layer = n ? mm->kv / (uint64_t)n : 0;
	of->gpu_usable = mm->usable;
	double host_gb = p->host_mem_gb > 0 ? p->host_mem_gb : (double)fc->dev.host_mem_bytes / GB;
	of->host_usable = (uint64_t)llround(host_gb * GB);
	if (!of->host_usable) {
		rc = kolm_err_set(err, KOLM_E_USAGE, "--offload: give the host's memory with --host-mem-gb");
		goto out;
	}
	int want = -1;
	if (strcmp(p->offload, "auto")) {
		char *end;
		long v = strtol(p->offload, &end, 10);
		if (*end || v < 0) {
			rc = kolm_err_set(err, KOLM_E_USAGE, "--offload: expected 'auto' or a layer count, got '%s'", p->offload);
			goto out;
		}
		want = v > n ? n : (int)v;
	}
	/* GPU side for k offloaded layers: the last k blocks with their KV, the
	 * output layer when all are offloaded, the compute buffer and runtime */
	uint64_t gpu_fixed = mm->compute + mm->base;
	int best = 0;
	for (int k = 0; k <= n; k++) {
		uint64_t g = gpu_fixed;
		for (int l = n - k; l < n; l++)
			g += layer[l] + kv_layer;
		if (k == n)
			g += output + (tied_out ? embd : 0);
		if (want >= 0 ? k == want : g <= of->gpu_usable)
			best = k, of->gpu_bytes = g;
	}
	if (want < 0 && of->gpu_bytes == 0)
		of->gpu_bytes = gpu_fixed;
	of->gpu_layers = best;
	of->host_layers = n - best;
	uint64_t h = host_fixed;
	for (int l = 0; l < n - best; l++)
		h += layer[l] + kv_layer;
	if (best < n)
		h += output;
	of->host_bytes = h;
	double r;
	of->gpu_verdict = verdict_of(of->gpu_bytes, of->gpu_usable, &r);
	of->host_verdict = verdict_of(of->host_bytes, of->host_usable, &r);
	/* time per token = GPU bytes / GPU bandwidth + host bytes / host bandwidth */
	double read_gpu = 0, read_host = 0;
	for (int l = 0; l < n; l++)
		*(l >= n - best ? &read_gpu : &read_host) += (double)layer[l];
	*(best == n ? &read_gpu : &read_host) += (double)output + (tied_out ? (double)embd : 0);
	double eta_g = kolm_json_num(fc->rt, "eta", 0.6), t0 = kolm_json_num(fc->rt, "t0_ms", 1.5) / 1e3;
	json_t *rts = kolm_ctx_json(ctx, "data/runtimes.json", NULL);
	json_t *cpu = kolm_json_find_id(json_object_get(rts, "runtimes"), "llama.cpp-cpu");
	double eta_h = kolm_json_num(cpu, "eta", 0.5);
	double host_bw = fc->dev.host_bw_bytes_per_s > 0 ? fc->dev.host_bw_bytes_per_s : 50e9;
	double t = read_gpu / (eta_g * fc->dev.bw_bytes_per_s) + read_host / (eta_h * host_bw) + t0;
	of->tps = 1.0 / t;
	snprintf(of->basis, sizeof of->basis,
		 "forecast: %d of %d layers on the GPU (%.0f GB/s, eta %.2f) and %d on the host (%.0f GB/s, eta %.2f): "
		 "time/token = GPU bytes / GPU bandwidth + host bytes / host bandwidth",
		 best, n, fc->dev.bw_bytes_per_s / GB, eta_g, n - best, host_bw / GB, eta_h);
out:
	free(types);
	free(layer);
	return rc;
}

/* ---- speed ------------------------------------------------------------ */

static void speeds(struct kolm_ctx *ctx, struct fc *fc)
{
	const char *rclass = kolm_json_str(fc->rt, "class");
	double kv_read = (double)kolm_estimate_kv_bytes(&fc->m, DECODE_DEPTH, fc->kv_type);
	fc->bytes_per_token = (double)fc->est.weights_read_bytes + kv_read;
	fc->decode_bound = fc->dev.bw_bytes_per_s / fc->bytes_per_token;
	struct kolm_speed sp;
	if (kolm_speed_decode(ctx, fc, &sp) == KOLM_OK) {
		fc->dec = sp;
	} else {
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
	if (kolm_speed_prefill(ctx, fc, &sp) == KOLM_OK) {
		fc->pre = sp;
	} else {
		double eta = kolm_json_num(fc->rt, "eta_pp", 0.3);
		fc->pre.mid = eta * fc->dev.flops_fp16 / (2.0 * (double)fc->est.active_params);
		fc->pre.low = fc->pre.mid * 0.6;
		fc->pre.high = fc->pre.mid * 1.4;
		snprintf(fc->pre.basis, sizeof fc->pre.basis,
			 "class default for %s runtimes (eta %.2f of %.1f fp16 TFLOPS); no measurements",
			 rclass ? rclass : "?", eta, fc->dev.flops_fp16 / 1e12);
	}
}

/* ---- K-score loss ----------------------------------------------------- */

static void k_loss(struct kolm_ctx *ctx, struct fc *fc, json_t *out)
{
	struct kolm_k_loss kl;
	kolm_k_loss_forecast(ctx, fc->fmt, fc->est.params, &kl);
	json_object_set_new(out, "points", json_real(kl.points));
	json_object_set_new(out, "kld", kl.kld >= 0 ? json_real(kl.kld) : json_null());
	json_object_set_new(out, "basis", json_string(kl.basis));
	json_object_set_new(out, "measured", json_null());
}

/* A kolm export as stored records both K-scores when they were measured:
 * the loss is then a measurement, shown beside the forecast one. */
static void measured_k_loss(const struct fc *fc, json_t *kl)
{
	const struct kolm_model *m = &fc->m;
	if (!fc->as_stored || !(m->k_ref >= 0) || !(m->k_export >= 0))
		return;
	char basis[300];
	snprintf(basis, sizeof basis,
		 "measured by kolm's engine on the artifact's eval pack: reference K %.3f (%s), this file's K %.3f", m->k_ref,
		 m->k_ref_source, m->k_export);
	json_object_set_new(kl, "measured",
			    json_pack("{s:f,s:f,s:f,s:s}", "points", sig(100.0 * (m->k_ref - m->k_export), 3) + 0.0,
				      "reference_k", sig(m->k_ref, 4), "export_k", sig(m->k_export, 4), "basis", basis));
}

/* ---- assembly --------------------------------------------------------- */

static json_t *type_counts(const struct kolm_estimate *e, int bytes)
{
	json_t *o = json_object();
	for (int t = 0; t < 64; t++)
		if (e->type_count[t])
			json_object_set_new(o, kolm_type_name(t),
					    bytes ? json_integer((json_int_t)e->type_bytes[t]) : json_integer(e->type_count[t]));
	return o;
}

static json_t *speed_json(const struct kolm_speed *s, double bound)
{
	json_t *o = json_object();
	json_object_set_new(o, "low", json_real(sig(s->low, 3)));
	json_object_set_new(o, "mid", json_real(sig(s->mid, 3)));
	json_object_set_new(o, "high", json_real(sig(s->high, 3)));
	json_object_set_new(o, "basis", json_string(s->basis));
	json_object_set_new(o, "rows", json_integer(s->rows));
	if (bound > 0)
		json_object_set_new(o, "bandwidth_bound", json_real(sig(bound, 3)));
	return o;
}

/* The seed page's reference row for this device, when the pick is its
 * typical artifact (int4, a base of the same size class): say when kolm's
 * forecast range does not meet the seed's, and why. */
static void seed_caveat(struct kolm_ctx *ctx, const struct fc *fc, json_t *cav)
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
		kolm_caveat_add(cav, "the seed page lists %.0f-%.0f tok/s for a %s on this device; that is at or beyond its "
				"memory-bandwidth bound of %.1f tok/s (%.0f GB/s / %.2f GB read per token), so kolm does not "
				"follow it", lo, hi, kolm_json_str(row, "artifact"), fc->decode_bound, fc->dev.bw_bytes_per_s / GB,
			   fc->bytes_per_token / GB);
	else
		kolm_caveat_add(cav, "the seed page lists %.0f-%.0f tok/s for a %s on this device; kolm follows %s instead",
			   lo, hi, kolm_json_str(row, "artifact"), fc->dec.rows ? "the measurements in its basis" : "its runtime model");
}

int kolm_forecast_doc(struct kolm_ctx *ctx, const struct kolm_pick *p, json_t **out, struct kolm_err *err)
{
	struct fc fc;
	memset(&fc, 0, sizeof fc);
	int rc;
	json_t *o = NULL;
	if ((rc = resolve_device(ctx, p, &fc, err)) || (rc = resolve_backend(ctx, p, &fc, err)) ||
	    (rc = load_model(ctx, p, &fc, err)) || (rc = resolve_format(ctx, p, &fc, err)))
		goto out;
	if (p->kv_type && strcmp(p->kv_type, "f16") && strcmp(p->kv_type, "q8_0") && strcmp(p->kv_type, "q4_0")) {
		rc = kolm_err_set(err, KOLM_E_USAGE, "--kv-type '%s': expected f16, q8_0 or q4_0", p->kv_type);
		goto out;
	}
	fc.kv_type = p->kv_type ? p->kv_type : "f16";
	if (fc.as_stored) {
		rc = kolm_estimate_stored(&fc.m, &fc.est, err);
	} else {
		rc = kolm_estimate_model(ctx, &fc.m, fc.fmt, p->overrides, p->n_overrides, &fc.est, err);
	}
	if (rc)
		goto out;
	int64_t n_ctx = p->ctx > 0 ? p->ctx : DEFAULT_CTX;
	if (p->ctx < 0 && p->ctx != KOLM_CTX_MAX) {
		rc = kolm_err_set(err, KOLM_E_USAGE, "--ctx must be a positive number of tokens or 'max'");
		goto out;
	}
	json_t *ctxj = NULL;
	if (p->ctx == KOLM_CTX_MAX) {
		/* the budget per KV type; the pick uses the largest passing context */
		int64_t limit = fc.m.hp.n_ctx_train > 0 ? fc.m.hp.n_ctx_train : 131072;
		static const char *kvs[] = {"f16", "q8_0", "q4_0"};
		json_t *per = json_object();
		int64_t chosen_pass = 0, chosen_fit = 0;
		for (size_t k = 0; k < 3; k++) {
			int64_t mp = solve_ctx(&fc, kvs[k], p->overhead_gb, 1, limit);
			int64_t mf = solve_ctx(&fc, kvs[k], p->overhead_gb, 0, limit);
			json_object_set_new(per, kvs[k], json_pack("{s:I,s:I}", "max_pass", (json_int_t)mp, "max_fit", (json_int_t)mf));
			if (!strcmp(kvs[k], fc.kv_type))
				chosen_pass = mp, chosen_fit = mf;
		}
		n_ctx = chosen_pass ? chosen_pass : chosen_fit ? chosen_fit : DEFAULT_CTX;
		ctxj = json_pack("{s:I,s:I,s:I,s:s,s:o,s:s}", "max_pass", (json_int_t)chosen_pass, "max_fit",
				 (json_int_t)chosen_fit, "limit", (json_int_t)limit, "kv_type", fc.kv_type, "per_kv_type", per,
				 "rule", "largest context (up to the model's trained context) whose total memory still "
				 "passes (<= 80% of usable) / still fits (<= 100%)");
	}
	fc.n_ctx = n_ctx;
	struct mem mm;
	memory_for(&fc, n_ctx, fc.kv_type, p->overhead_gb, &mm);
	double ratio;
	const char *verdict = verdict_of(mm.total, mm.usable, &ratio);
	speeds(ctx, &fc);
	json_t *offj = NULL;
	if (p->offload) {
		if (strcmp(fc.dev.mem_kind, "vram")) {
			rc = kolm_err_set(err, KOLM_E_USAGE, "--offload: %s has %s memory; offload applies to discrete GPUs",
					  fc.dev.id, fc.dev.mem_kind);
			json_decref(ctxj);
			goto out;
		}
		struct offload of;
		rc = plan_offload(ctx, p, &fc, &mm, &of, err);
		if (rc) {
			json_decref(ctxj);
			goto out;
		}
		fc.gpu_layers = of.gpu_layers == of.n_layer ? -1 : of.gpu_layers;
		fc.gpu_layers_set = 1;
		offj = json_pack("{s:i,s:i,s:I,s:I,s:I,s:I,s:s,s:s,s:s}", "gpu_layers", of.gpu_layers, "host_layers",
				 of.host_layers, "gpu_bytes", (json_int_t)of.gpu_bytes, "host_bytes", (json_int_t)of.host_bytes,
				 "gpu_usable_bytes", (json_int_t)of.gpu_usable, "host_memory_bytes", (json_int_t)of.host_usable,
				 "gpu_verdict", of.gpu_verdict, "host_verdict", of.host_verdict, "basis", of.basis);
		json_object_set_new(offj, "ngl", json_integer(of.gpu_layers == of.n_layer ? 99 : of.gpu_layers));
		/* the split replaces the all-in-VRAM verdict and speed */
		static const char *order[] = {"pass", "tight", "over"};
		int a = 0, b = 0;
		for (int k = 0; k < 3; k++) {
			if (!strcmp(of.gpu_verdict, order[k]))
				a = k;
			if (!strcmp(of.host_verdict, order[k]))
				b = k;
		}
		verdict = order[a > b ? a : b];
		ratio = (double)of.gpu_bytes / (double)of.gpu_usable;
		double scale = of.tps / fc.dec.mid;
		fc.dec.mid = of.tps;
		fc.dec.low *= scale;
		fc.dec.high *= scale;
		snprintf(fc.dec.basis, sizeof fc.dec.basis, "%s", of.basis);
	}

	o = json_object();
	json_t *cav = json_array();
	json_object_set_new(o, "schema", json_string("kolm.forecast/1"));
	json_object_set_new(o, "forecast", json_string(
		"figures not read from your own file are forecasts; each names its basis"));

	json_t *src = json_object();
	json_object_set_new(src, "kind", json_string(fc.source_kind));
	json_object_set_new(src, "id", json_string(fc.source_id));
	json_object_set_new(src, "name", json_string(fc.base ? fc.base->name : (p->model_path ? p->model_path : "custom")));
	if (fc.base && fc.base->hf_repo)
		json_object_set_new(src, "hf_repo", json_string(fc.base->hf_repo));
	if (p->model_path)
		json_object_set_new(src, "path", json_string(p->model_path));
	json_object_set_new(src, "arch", json_string(fc.m.hp.arch));
	json_object_set_new(src, "model_type", json_string(fc.m.hp.model_type));
	json_object_set_new(src, "params", json_integer(fc.est.params));
	json_object_set_new(src, "active_params", json_integer(fc.est.active_params));
	json_object_set_new(src, "layers", json_integer(fc.m.hp.n_layer));
	json_object_set_new(src, "hidden", json_integer(fc.m.hp.n_embd));
	json_object_set_new(src, "heads", json_integer(fc.m.hp.n_head));
	json_object_set_new(src, "kv_heads", json_integer(fc.m.hp.n_head_kv));
	json_object_set_new(src, "head_dim", json_integer(fc.m.hp.head_dim));
	json_object_set_new(src, "vocab", json_integer(fc.m.hp.n_vocab));
	json_object_set_new(src, "tied_embeddings", json_boolean(fc.m.hp.tied));
	if (fc.m.hp.n_expert)
		json_object_set_new(src, "experts", json_pack("{s:I,s:I}", "total", (json_int_t)fc.m.hp.n_expert,
							       "active", (json_int_t)fc.m.hp.n_expert_used));
	json_object_set_new(src, "tensors", json_integer(fc.m.n_tensors));
	json_object_set_new(src, "tokenizer", json_string(fc.m.hp.tokenizer));
	json_object_set_new(o, "source", src);

	json_t *fmt = json_object();
	json_object_set_new(fmt, "id", json_string(fc.fmt->id));
	json_object_set_new(fmt, "backend", json_string(fc.fmt->backend));
	json_object_set_new(fmt, "tier", fc.fmt->tier ? json_string(fc.fmt->tier) : json_null());
	json_object_set_new(fmt, "label", json_string(fc.fmt->label));
	if (fc.fmt->ftype >= 0)
		json_object_set_new(fmt, "ftype", json_integer(fc.fmt->ftype));
	json_object_set_new(fmt, "bits_per_weight", json_real(round_to(fc.est.bpw, 3)));
	if (!strcmp(fc.fmt->backend, "gguf")) {
		json_object_set_new(fmt, "tensor_types", type_counts(&fc.est, 0));
		json_object_set_new(fmt, "tensor_type_bytes", type_counts(&fc.est, 1));
		json_object_set_new(fmt, "rule", json_string(
			fc.as_stored ? "types as stored in the file"
				     : "llama-quantize's per-tensor rules (newest llama.cpp, no importance matrix)"));
	} else {
		json_object_set_new(fmt, "rule", json_string(kolm_json_str(fc.fmt->json, "layout_source")));
	}
	json_object_set_new(o, "format", fmt);

	json_t *dev = json_object();
	json_object_set_new(dev, "id", json_string(fc.dev.id));
	json_object_set_new(dev, "name", json_string(fc.dev.name));
	json_object_set_new(dev, "class", json_string(fc.dev.klass));
	json_object_set_new(dev, "memory_bytes", json_integer((json_int_t)fc.dev.mem_bytes));
	json_object_set_new(dev, "memory_kind", json_string(fc.dev.mem_kind));
	json_object_set_new(dev, "bandwidth_bytes_per_s", json_integer((json_int_t)llround(fc.dev.bw_bytes_per_s)));
	json_object_set_new(dev, "flops_fp16", json_integer((json_int_t)llround(fc.dev.flops_fp16)));
	json_object_set_new(dev, "storage_bytes_per_s", json_integer((json_int_t)llround(fc.dev.storage_bytes_per_s)));
	if (fc.dev.power_mode)
		json_object_set_new(dev, "power_mode", json_string(fc.dev.power_mode));
	if (fc.dev.json) {
		const char *bs = kolm_json_str(fc.dev.json, "bandwidth_source");
		if (bs)
			json_object_set_new(dev, "bandwidth_source", json_string(bs));
	}
	if (fc.is_local)
		json_object_set_new(dev, "detected", json_pack("{s:s,s:i,s:I,s:s,s:s,s:s}", "cpu_model", fc.local.cpu_model,
								 "cores", fc.local.cores, "memory_bytes",
								 (json_int_t)fc.local.mem_bytes, "gpu", fc.local.gpu_name,
								 "board", fc.local.board, "how", fc.local_why));
	json_object_set_new(o, "device", dev);

	json_t *be = json_object();
	json_object_set_new(be, "id", json_string(fc.backend));
	json_object_set_new(be, "reason", json_string(fc.backend_reason));
	json_object_set_new(be, "runtime", json_string(fc.runtime));
	json_object_set_new(be, "runtime_reason", json_string(fc.runtime_reason));
	json_object_set_new(o, "backend", be);

	json_t *size = json_object();
	json_object_set_new(size, "bytes", json_integer((json_int_t)fc.est.file_bytes));
	json_object_set_new(size, "tensor_bytes", json_integer((json_int_t)fc.est.tensor_bytes));
	json_object_set_new(size, "header_bytes", json_integer((json_int_t)fc.est.header_bytes));
	json_object_set_new(size, "gb", json_real(round_to((double)fc.est.file_bytes / GB, 3)));
	json_object_set_new(size, "exact", json_boolean(fc.as_stored));
	{
		char basis[400];
		if (fc.as_stored)
			snprintf(basis, sizeof basis, "the file's own size");
		else if (!strcmp(fc.fmt->backend, "gguf"))
			snprintf(basis, sizeof basis,
				 "forecast: exact tensor list x llama-quantize type rules, 32-byte alignment; "
				 "header %s", fc.m.meta_exact ? "read from the file" : "from the tokenizer family (data/tokenizers.json)");
		else
			snprintf(basis, sizeof basis, "forecast: exact tensor list x the %s layout (%d-bit, group %d)",
				 fc.fmt->backend, fc.fmt->bits, fc.fmt->group);
		json_object_set_new(size, "basis", json_string(basis));
	}
	json_object_set_new(o, "size", size);

	json_t *mem = json_object();
	json_object_set_new(mem, "weights_bytes", json_integer((json_int_t)mm.weights));
	json_object_set_new(mem, "kv_cache_bytes", json_integer((json_int_t)mm.kv));
	json_object_set_new(mem, "kv_type", json_string(fc.kv_type));
	json_object_set_new(mem, "ctx", json_integer(n_ctx));
	json_object_set_new(mem, "compute_buffer_bytes", json_integer((json_int_t)mm.compute));
	json_object_set_new(mem, "runtime_base_bytes", json_integer((json_int_t)mm.base));
	json_object_set_new(mem, "total_bytes", json_integer((json_int_t)mm.total));
	json_object_set_new(mem, "device_memory_bytes", json_integer((json_int_t)fc.dev.mem_bytes));
	json_object_set_new(mem, "platform_cap_bytes", mm.cap ? json_integer((json_int_t)mm.cap) : json_null());
	if (mm.cap_note && mm.cap)
		json_object_set_new(mem, "platform_cap_note", json_string(mm.cap_note));
	json_object_set_new(mem, "usable_bytes", json_integer((json_int_t)mm.usable));
	json_object_set_new(mem, "overhead", json_string(mm.flat ? "flat (--overhead-gb)" : "computed"));
	json_object_set_new(mem, "basis", json_string(
		mm.flat ? "the seed's rule: file size + a flat runtime overhead"
			: "forecast: file + KV cache (2 x layers x ctx x kv_heads x head_dim x kv type bytes, sliding-window "
			  "layers capped) + compute buffer (llama.cpp's measured reserve: ubatch 512 x (vocab + 2 x hidden) x 4 B) "
			  "+ runtime base (data/runtimes.json)"));
	json_object_set_new(o, "memory", mem);

	json_t *fit = json_object();
	json_object_set_new(fit, "verdict", json_string(verdict));
	json_object_set_new(fit, "ratio", json_real(round_to(ratio, 4)));
	json_object_set_new(fit, "rule", json_string(
		mm.flat ? "pass if file + overhead <= 80% of device memory, tight if <= 100%, over above"
			: "pass if total memory <= 80% of usable memory (device memory, or the platform cap when lower), "
			  "tight if <= 100%, over above"));
	json_object_set_new(o, "fit", fit);
	if (ctxj)
		json_object_set_new(o, "context", ctxj);
	if (offj)
		json_object_set_new(o, "offload", offj);

	json_t *dec = speed_json(&fc.dec, fc.decode_bound);
	json_object_set_new(dec, "bytes_per_token", json_integer((json_int_t)llround(fc.bytes_per_token)));
	json_object_set_new(dec, "depth", json_integer(DECODE_DEPTH));
	json_object_set_new(o, "decode_tps", dec);
	json_object_set_new(o, "prefill_tps", speed_json(&fc.pre, 0));
	json_t *tt = json_object();
	json_object_set_new(tt, "prompt_tokens", json_integer(TTFT_PROMPT));
	json_object_set_new(tt, "seconds", json_real(sig(TTFT_PROMPT / fc.pre.mid, 3)));
	json_object_set_new(o, "ttft_s", tt);
	json_t *cs = json_object();
	json_object_set_new(cs, "seconds", json_real(sig((double)fc.est.file_bytes / fc.dev.storage_bytes_per_s, 3)));
	json_object_set_new(cs, "storage", json_string(fc.dev.storage_kind ? fc.dev.storage_kind : "unknown"));
	json_object_set_new(cs, "basis", json_string("forecast: file size / the storage's sequential read speed (not in the tok/s rate)"));
	json_object_set_new(o, "cold_start_s", cs);

	json_t *kl = json_object();
	k_loss(ctx, &fc, kl);
	measured_k_loss(&fc, kl);
	json_object_set_new(o, "k_loss", kl);

	/* commands */
	{
		struct kolm_cmd_vars v = {0};
		v.device = &fc.dev;
		v.format = fc.fmt;
		v.base_id = fc.source_id;
		v.hf_repo = fc.base ? fc.base->hf_repo : NULL;
		v.backend = fc.backend;
		v.runtime = fc.runtime;
		v.source_kind = p->artifact ? "artifact" : !strcmp(fc.source_kind, "model") && !strcmp(fc.m.source, "gguf") ? "model" : fc.source_kind;
		v.source = p->artifact ? p->artifact : p->base_id ? p->base_id : p->config_path ? p->config_path
			   : p->model_path ? p->model_path : "config.json";
		v.out_dir = p->out_dir ? p->out_dir : ".";
		v.ctx = n_ctx;
		v.kv_type = p->kv_type;
		v.gpu_layers = fc.gpu_layers_set ? fc.gpu_layers : -1;
		v.file_bytes = fc.est.file_bytes;
		json_t *cmds = NULL;
		rc = kolm_commands_render(ctx, &v, &cmds, err);
		if (rc)
			goto out;
		json_object_set_new(o, "commands", cmds);
	}

	/* caveats */
	if (!strcmp(verdict, "over"))
		kolm_caveat_add(cav, "needs %.2f GB but %.2f GB is usable: pick a smaller format or a bigger device",
			   (double)mm.total / GB, (double)mm.usable / GB);
	if (mm.cap && mm.cap < fc.dev.mem_bytes && !mm.flat)
		kolm_caveat_add(cav, "platform cap applied: %.2f GB of %.2f GB usable (%s)", (double)mm.cap / GB,
			   (double)fc.dev.mem_bytes / GB, mm.cap_note ? mm.cap_note : "");
	if (mm.flat && mm.cap && mm.cap < fc.dev.mem_bytes)
		kolm_caveat_add(cav, "--overhead-gb follows the seed's rule against device memory; the platform cap (%.2f GB) is not applied",
			   (double)mm.cap / GB);
	if (fc.mem_unlisted)
		kolm_caveat_add(cav, "%.0f GB is not a listed memory variant of %s", (double)fc.dev.mem_bytes / GB, fc.dev.id);
	if (fc.bw_override)
		kolm_caveat_add(cav, "bandwidth overridden to %.0f GB/s", fc.dev.bw_bytes_per_s / GB);
	if (fc.runtime_unlisted)
		kolm_caveat_add(cav, "%s is not a runtime this device lists; its speed is a class default", fc.runtime);
	if (strcmp(fc.fmt->backend, "gguf"))
		kolm_caveat_add(cav, "%s sizes come from the format's published layout, not a reproduced file", fc.fmt->backend);
	if (fc.dev.power_mode && (!strcmp(fc.dev.klass, "jetson") || !strcmp(fc.dev.klass, "phone")))
		kolm_caveat_add(cav, "speeds assume %s", fc.dev.power_mode);
	if (n_ctx > fc.m.hp.n_ctx_train && fc.m.hp.n_ctx_train > 0)
		kolm_caveat_add(cav, "ctx %lld exceeds the model's trained context of %lld", (long long)n_ctx,
			   (long long)fc.m.hp.n_ctx_train);
	kolm_speed_caveats(ctx, &fc, cav);
	seed_caveat(ctx, &fc, cav);
	if (p->n_gates > 0) {
		json_t *gates = json_array();
		for (int i = 0; i < p->n_gates; i++) {
			const struct kolm_gate *g = &p->gates[i];
			double value;
			int pass;
			if (!strcmp(g->name, "min_tps")) {
				value = fc.dec.mid;
				pass = value >= g->limit;
			} else if (!strcmp(g->name, "max_mem_frac")) {
				value = ratio;
				pass = value <= g->limit;
			} else if (!strcmp(g->name, "max_k_loss")) {
				value = json_number_value(json_object_get(kl, "points"));
				pass = value <= g->limit;
			} else if (!strcmp(g->name, "max_size_gb")) {
				value = (double)fc.est.file_bytes / GB;
				pass = value <= g->limit;
			} else {
				rc = kolm_err_set(err, KOLM_E_USAGE, "unknown gate '%s'", g->name);
				json_decref(gates);
				json_decref(cav);
				goto out;
			}
			json_array_append_new(gates, json_pack("{s:s,s:f,s:f,s:b}", "name", g->name, "limit", g->limit,
							       "value", sig(value, 6), "pass", pass));
		}
		json_object_set_new(o, "gates", gates);
	}
	kolm_caveat_add(cav, "decode is a steady-state rate at short context after warm-up; long contexts, thermal state and "
			"the runtime build change it: measure with kolm bench on the device");
	json_object_set_new(o, "caveats", cav);
	*out = o;
	o = NULL;
out:
	json_decref(o);
	kolm_model_release(&fc.m);
	return rc;
}

char *kolm_forecast_dumps(const json_t *f)
{
	return json_dumps(f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
}

int kolm_forecast_matrix_doc(struct kolm_ctx *ctx, const struct kolm_pick *pick, int all_devices, json_t **out,
			 struct kolm_err *err)
{
	json_t *rows = json_array();
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	int rc = KOLM_OK;
	if (all_devices) {
		for (int i = 0; i < cat->n_devices; i++) {
			struct kolm_pick p = *pick;
			p.device_id = cat->devices[i].id;
			p.mem_gb = 0;
			p.bw_gbs = 0;
			p.tflops = 0;
			json_t *f = NULL;
			/* a tier maps per device backend; an exact format keeps its backend */
			rc = kolm_forecast_doc(ctx, &p, &f, err);
			if (rc == KOLM_E_USAGE && pick->quant) {
				/* the device's backend has no such tier: skip it, say why */
				json_t *skip = json_pack("{s:s,s:s,s:s}", "schema", "kolm.forecast/1", "skipped", err->msg,
							 "device", cat->devices[i].id);
				json_array_append_new(rows, skip);
				rc = KOLM_OK;
				continue;
			}
			if (rc)
				break;
			json_array_append_new(rows, f);
		}
	} else {
		struct kolm_pick p0 = *pick;
		p0.quant = pick->quant ? pick->quant : "int4";
		json_t *first = NULL;
		rc = kolm_forecast_doc(ctx, &p0, &first, err);
		if (rc)
			goto out;
		const char *be = json_string_value(json_object_get(json_object_get(first, "backend"), "id"));
		char backend[16];
		kolm_strlcpy(backend, be ? be : "gguf", sizeof backend);
		json_decref(first);
		for (int i = 0; i < cat->n_formats; i++) {
			const struct kolm_format *f = &cat->formats[i];
			if (strcmp(f->backend, backend))
				continue;
			struct kolm_pick p = *pick;
			p.quant = f->id;
			p.backend = backend;
			json_t *fj = NULL;
			rc = kolm_forecast_doc(ctx, &p, &fj, err);
			if (rc == KOLM_E_FORMAT) {
				/* e.g. a row length no fallback can take */
				json_array_append_new(rows, json_pack("{s:s,s:s,s:s}", "schema", "kolm.forecast/1",
								     "skipped", err->msg, "format", f->id));
				rc = KOLM_OK;
				continue;
			}
			if (rc)
				break;
			json_array_append_new(rows, fj);
		}
	}
out:
	if (rc) {
		json_decref(rows);
		return rc;
	}
	*out = json_pack("{s:s,s:o}", "schema", "kolm.matrix/1", "rows", rows);
	return KOLM_OK;
}

/* ---- pick for me ------------------------------------------------------ */

/* Across bases a K-loss ceiling keeps "larger model" from meaning "a
 * large model crushed to 2 bits": the --max-k-loss gate, else the seed's
 * int3 figure (5 points). */
#define BEST_BASE_K_CEILING 5.0

struct cand {
	json_t *f;
	int rank_fit, gates_ok;
	double k, tps;
	int64_t params;
};

static void cand_fill(struct cand *c, json_t *f)
{
	c->f = f;
	const char *v = json_string_value(json_object_get(json_object_get(f, "fit"), "verdict"));
	c->rank_fit = !strcmp(v, "pass") ? 0 : !strcmp(v, "tight") ? 1 : 2;
	c->gates_ok = 1;
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(f, "gates"), i, g)
		if (!json_is_true(json_object_get(g, "pass")))
			c->gates_ok = 0;
	c->k = json_number_value(json_object_get(json_object_get(f, "k_loss"), "points"));
	c->tps = json_number_value(json_object_get(json_object_get(f, "decode_tps"), "mid"));
	c->params = json_integer_value(json_object_get(json_object_get(f, "source"), "params"));
}

static void cand_ceiling(struct cand *c, const struct kolm_pick *p)
{
	double kmax = BEST_BASE_K_CEILING;
	for (int i = 0; i < p->n_gates; i++)
		if (!strcmp(p->gates[i].name, "max_k_loss"))
			kmax = p->gates[i].limit;
	if (c->k > kmax)
		c->gates_ok = 0;
}

static int by_base;
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int xo = x->rank_fit == 0 && x->gates_ok, yo = y->rank_fit == 0 && y->gates_ok;
	if (xo != yo)
		return yo - xo;
	if (x->rank_fit != y->rank_fit)
		return x->rank_fit - y->rank_fit;
	if (by_base && x->params != y->params)
		return x->params > y->params ? -1 : 1;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	if (x->tps != y->tps)
		return x->tps > y->tps ? -1 : 1;
	return 0;
}

static const char *cand_id(const struct cand *c, int bases)
{
	json_t *o = json_object_get(c->f, bases ? "source" : "format");
	return json_string_value(json_object_get(o, "id"));
}

int kolm_forecast_best(struct kolm_ctx *ctx, const struct kolm_pick *pick, int across_bases, json_t **out,
		       struct kolm_err *err)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	int cap = across_bases ? cat->n_bases : cat->n_formats;
	struct cand *cs = calloc((size_t)cap + 1, sizeof *cs);
	if (!cs)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int n = 0, rc = KOLM_OK;
	for (int i = 0; i < cap; i++) {
		json_t *f = NULL;
		if (across_bases) {
			/* each base's own best format on this device */
			if (cat->bases[i].calibration_only)
				continue;
			struct kolm_pick p = *pick;
			p.base_id = cat->bases[i].id;
			p.config = NULL;
			p.config_path = NULL;
			p.model_path = NULL;
			json_t *b = NULL;
			rc = kolm_forecast_best(ctx, &p, 0, &b, err);
			if (rc == KOLM_E_NO) {
				rc = KOLM_OK;
				continue;
			}
			if (rc)
				break;
			f = json_incref(json_object_get(b, "winner"));
			json_decref(b);
		} else {
			struct kolm_pick p = *pick;
			/* formats of the backend the device recommends (or the one asked for) */
			const struct kolm_format *fm = &cat->formats[i];
			if (!strcmp(fm->id, "f32"))
				continue;
			json_t *probe = NULL;
			if (!p.backend) {
				struct kolm_pick q = *pick;
				q.quant = "int4";
				q.n_gates = 0;
				if (kolm_forecast_doc(ctx, &q, &probe, err) == KOLM_OK) {
					static char be[16];
					kolm_strlcpy(be, json_string_value(json_object_get(json_object_get(probe, "backend"), "id")), sizeof be);
					p.backend = be;
				}
				json_decref(probe);
			}
			if (p.backend && strcmp(fm->backend, p.backend))
				continue;
			p.quant = fm->id;
			rc = kolm_forecast_doc(ctx, &p, &f, err);
			if (rc == KOLM_E_FORMAT || rc == KOLM_E_USAGE) {
				rc = KOLM_OK; /* this format cannot be made for this model */
				continue;
			}
			if (rc)
				break;
		}
		cand_fill(&cs[n], f);
		if (across_bases)
			cand_ceiling(&cs[n], pick);
		n++;
	}
	if (rc || n == 0) {
		for (int i = 0; i < n; i++)
			json_decref(cs[i].f);
		free(cs);
		return rc ? rc : kolm_err_set(err, KOLM_E_NO, "no candidate could be forecast");
	}
	by_base = across_bases;
	qsort(cs, (size_t)n, sizeof *cs, cand_cmp);
	json_t *rank = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(rank, json_pack("{s:s,s:s,s:b,s:f,s:f,s:I}", "id", cand_id(&cs[i], across_bases),
						      "verdict", json_string_value(json_object_get(json_object_get(cs[i].f, "fit"), "verdict")),
						      "gates_pass", cs[i].gates_ok, "k_loss_points", cs[i].k,
						      "decode_tps_mid", cs[i].tps, "params", (json_int_t)cs[i].params));
	char why[400];
	int ok = cs[0].rank_fit == 0 && cs[0].gates_ok;
	if (ok && n > 1)
		snprintf(why, sizeof why, "%s: passes the fit%s and %s than %s (%.2f vs %.2f K points, %.3g vs %.3g tok/s)",
			 cand_id(&cs[0], across_bases), pick->n_gates ? " and every gate" : "",
			 across_bases && cs[0].params != cs[1].params ? "is a larger model" : "loses less K-score or decodes faster",
			 cand_id(&cs[1], across_bases), cs[0].k, cs[1].k, cs[0].tps, cs[1].tps);
	else if (ok)
		snprintf(why, sizeof why, "%s: the only candidate", cand_id(&cs[0], across_bases));
	else
		snprintf(why, sizeof why, "no candidate passes the fit%s; the closest is %s", pick->n_gates ? " and gates" : "",
			 cand_id(&cs[0], across_bases));
	*out = json_pack("{s:s,s:s,s:s,s:O,s:o}", "schema", "kolm.best/1", "rule",
			 across_bases ? "candidates: each base's best format; order: fit 'pass', every gate met and K-score loss <= "
					"--max-k-loss (default 5 points, the seed's int3 figure) first, then the larger model "
					"(parameters), then least K-score loss, then faster decode"
				      : "candidates: every format of the backend; order: fit 'pass' and every gate met first, then "
					"least K-score loss, then faster decode",
			 "why", why, "winner", cs[0].f, "ranking", rank);
	for (int i = 0; i < n; i++)
		json_decref(cs[i].f);
	free(cs);
	return ok ? KOLM_OK : KOLM_E_NO;
}
