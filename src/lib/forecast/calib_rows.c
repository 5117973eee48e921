/* calib_rows.c - the rows the speed model fits (calib_rows.h): the
 * published measurements (data/measurements.json) and the user's own
 * ($XDG_DATA_HOME/kolm/measurements.tsv), each with the bytes its model
 * reads per token and its device's bandwidth and compute; and the
 * calibration class and source key every row is grouped by. */
#include "calib_rows.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "catalog/ctx_internal.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/estimate.h"
#include "kolm/model.h"
#include "kolm/util.h"

static int contains_ci(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

void kolm_calib_source_key(const char *source, char *out, size_t cap)
{
	size_t n = source ? strcspn(source, " \t#") : 0;
	const char *s = source ? source : "";
	static const char *const prefixes[] = {"https://", "http://", "www.", "github.com/"};
	for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
		size_t pl = strlen(prefixes[k]);
		if (n >= pl && !strncasecmp(s, prefixes[k], pl))
			s += pl, n -= pl;
	}
	while (n > 0 && s[n - 1] == '/')
		n--;
	if (cap == 0)
		return;
	size_t i;
	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
	if (!out[0])
		kolm_strlcpy(out, "unknown", cap);
}

int kolm_calib_fam(const char *f)
{
	static const char *const flt[] = {"f16", "bf16", "f32", "mlx-fp16", "onnx-fp16", "coreml-fp16", "trt-fp16"};
	static const char *const q8[] = {"q8_0", "mlx-8bit", "onnx-int8", "coreml-int8", "trt-int8", "trt-fp8"};
	static const char *const legacy[] = {"q4_0", "q4_1", "q5_0", "q5_1"};
	for (size_t i = 0; i < sizeof flt / sizeof flt[0]; i++)
		if (!strcmp(f, flt[i]))
			return FAM_FLOAT;
	for (size_t i = 0; i < sizeof q8 / sizeof q8[0]; i++)
		if (!strcmp(f, q8[i]))
			return FAM_Q8;
	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
		if (!strcmp(f, legacy[i]))
			return FAM_LEGACY;
	if (!strncmp(f, "mlx-", 4))
		return FAM_MLXQ;
	if (!strncmp(f, "iq", 2))
		return FAM_IQ;
	return FAM_KQ;
}

/* Whether llama.cpp on an ARM CPU runs a prompt's matrix products of this
 * format on its repacked kernels (ggml-cpu/repack.cpp: weights interleaved
 * once at load, an int8 GEMM over several rows and columns per pass) at a
 * build of this date (YYYY-MM..., NULL: today's).  Each format from the
 * pull request that added its dotprod kernels: Q4_0 #9921 (online repacking,
 * 2024-11; the Q4_0_4_4/4_8 files before it are converted to q4_0 rows),
 * IQ4_NL #10541 (opened 2024-11-27, in the tree by the 2024-12 refactor
 * #10446), Q4_K #17494 (2025-11), Q8_0 #18096 (2025-12), Q5_K #19356 and
 * Q6_K #19360 (2026-02).  i8mm cores had Q4_K a month earlier (#16739) and
 * Q6_K from 2026-01 (#18888): the dotprod dates, one rule for both.  Q2_K,
 * Q3_K, Q4_1, Q5_0, Q5_1 and the other i-quants have no ARM repacked kernel
 * there.  A K-quant mix counts by its main type (Q4_K_M by Q4_K). */
int kolm_calib_arm_repacked(const char *format, const char *date)
{
	static const struct {
		const char *format, *since;
	} packed[] = {
		{"q4_0", "2024-11"},   {"q4_k_m", "2025-11"}, {"q4_k_s", "2025-11"}, {"q8_0", "2025-12"},
		{"q5_k_m", "2026-02"}, {"q5_k_s", "2026-02"}, {"q6_k", "2026-02"},   {"iq4_nl", "2024-12"},
	};
	for (size_t i = 0; format && i < sizeof packed / sizeof packed[0]; i++)
		if (!strcmp(format, packed[i].format))
			return !date || !*date || strncmp(date, packed[i].since, 7) >= 0;
	return 0;
}

double kolm_calib_compute(const struct kolm_device *d, const char *klass, const char *format, const char *date,
			  int *unit)
{
	int fam = kolm_calib_fam(format ? format : "");
	int quant = fam != FAM_FLOAT && fam != FAM_MLXQ;
	*unit = KOLM_UNIT_FMA;
	if (klass && !strcmp(klass, "cuda")) {
		/* int8 tensor-core MMQ landed in llama.cpp in June 2024 (PRs #7676, #7860) */
		int mmq = !date || !*date || strncmp(date, "2024-06", 7) >= 0;
		int f16 = format && (!strcmp(format, "f16") || !strcmp(format, "trt-fp16") || !strcmp(format, "onnx-fp16"));
		int bf16 = format && !strcmp(format, "bf16");
		if (quant && mmq && d->tops_int8 > 0)
			*unit = KOLM_UNIT_INT8;
		else if (quant && d->flops_tensor_fp16 > 0)
			*unit = KOLM_UNIT_DQ16;
		else if (f16 && d->flops_tensor_fp16 > 0)
			*unit = KOLM_UNIT_F16T;
		else if (bf16 && d->flops_tensor_bf16 > 0)
			*unit = KOLM_UNIT_BF16T;
	} else if (klass && !strncmp(klass, "cpu-", 4) && quant && d->cpu_tops_int8 > 0) {
		*unit = strcmp(klass, "cpu-arm") || kolm_calib_arm_repacked(format, date) ? KOLM_UNIT_INT8 : KOLM_UNIT_INT8_NOREPACK;
		return d->cpu_tops_int8;
	}
	switch (*unit) {
	case KOLM_UNIT_INT8: return d->tops_int8;
	case KOLM_UNIT_F16T:
	case KOLM_UNIT_DQ16: return d->flops_tensor_fp16;
	case KOLM_UNIT_BF16T: return d->flops_tensor_bf16;
	default: return d->flops_fp16;
	}
}

const char *kolm_calib_unit_name(int unit)
{
	static const char *const n[KOLM_UNIT_N] = {"fp16 TFLOPS",        "int8 TOPS",
						   "fp16 tensor TFLOPS", "bf16 tensor TFLOPS",
						   "fp16 tensor TFLOPS (dequantized)",
						   "int8 TOPS (no repacked kernel)"};
	return unit >= 0 && unit < KOLM_UNIT_N ? n[unit] : "?";
}

static int device_is_arm(const struct kolm_device *d)
{
	static const char *const arm_classes[] = {"sbc", "jetson", "mac", "phone"};
	static const char *const words[] = {"cortex", "oryon", "arm ", "apple", "snapdragon", "neoverse", "gb10"};
	for (size_t i = 0; i < sizeof arm_classes / sizeof arm_classes[0]; i++)
		if (d->klass && !strcmp(d->klass, arm_classes[i]))
			return 1;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains_ci(d->compute_unit, words[i]) || contains_ci(d->name, words[i]) || contains_ci(d->id, words[i]))
			return 1;
	return 0;
}

void kolm_calib_class(struct kolm_ctx *ctx, const char *runtime, const struct kolm_device *d, char *out, size_t cap)
{
	json_t *rt = kolm_json_find_id(json_object_get(kolm_ctx_json(ctx, "data/runtimes.json", NULL), "runtimes"), runtime);
	const char *c = rt ? kolm_json_str(rt, "class") : NULL;
	if (!c)
		c = "unknown";
	if (!strcmp(c, "cpu"))
		snprintf(out, cap, "cpu-%s", device_is_arm(d) ? "arm" : "x86");
	else
		kolm_strlcpy(out, c, cap);
}

/* ---- loading ---------------------------------------------------------- */

struct phys_cache {
	char base[48], format[24];
	double B, N, S, file;
	int L, ok;
};

struct loader {
	struct kolm_ctx *ctx;
	struct phys_cache *pc;
	int n_pc;
	json_t *extra_devices;
};

static int physics(struct loader *ld, const char *base, const char *format, struct phys_cache **out, struct kolm_err *err)
{
	for (int i = 0; i < ld->n_pc; i++)
		if (!strcmp(ld->pc[i].base, base) && !strcmp(ld->pc[i].format, format)) {
			*out = &ld->pc[i];
			return ld->pc[i].ok ? KOLM_OK : kolm_err_set(err, KOLM_E_NOTFOUND, "no estimate for %s %s", base, format);
		}
	struct phys_cache *np = realloc(ld->pc, sizeof *np * (size_t)(ld->n_pc + 1));
	if (!np)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	ld->pc = np;
	struct phys_cache *p = &ld->pc[ld->n_pc++];
	memset(p, 0, sizeof *p);
	kolm_strlcpy(p->base, base, sizeof p->base);
	kolm_strlcpy(p->format, format, sizeof p->format);
	*out = p;
	const struct kolm_format *f = kolm_catalog_format_find(ld->ctx, format);
	if (!f)
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown format '%s'", format);
	if (!kolm_catalog_base_find(ld->ctx, base))
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown base '%s'", base);
	struct kolm_model m;
	int rc = kolm_model_from_base(&m, ld->ctx, base, err);
	if (rc)
		return rc;
	struct kolm_estimate e;
	rc = kolm_estimate_model(ld->ctx, &m, f, NULL, 0, &e, err);
	if (rc == KOLM_OK) {
		p->B = (double)e.weights_read_bytes + (double)kolm_estimate_kv_bytes(&m, DECODE_DEPTH, "f16");
		p->N = kolm_estimate_prompt_flops(&m, &e, KOLM_PP_TOKENS) / 2.0;
		p->S = (double)e.weights_read_bytes - (double)e.output_bytes;
		p->file = (double)e.file_bytes;
		p->L = (int)m.hp.n_layer;
		p->ok = 1;
	}
	kolm_model_release(&m);
	return rc;
}

/* Device figures for a row: the catalog, else the measurement-only devices. */
static int row_device(struct loader *ld, const char *id, struct kolm_device *d)
{
	const struct kolm_device *cd = kolm_catalog_device_find(ld->ctx, id);
	if (cd) {
		*d = *cd;
		return KOLM_OK;
	}
	size_t i;
	json_t *x;
	json_array_foreach(ld->extra_devices, i, x)
	{
		if (!kolm_json_str(x, "id") || strcmp(kolm_json_str(x, "id"), id))
			continue;
		memset(d, 0, sizeof *d);
		d->id = kolm_json_str(x, "id");
		d->name = kolm_json_str(x, "name") ? kolm_json_str(x, "name") : d->id;
		d->klass = kolm_json_str(x, "class") ? kolm_json_str(x, "class") : "unknown";
		d->compute_unit = kolm_json_str(x, "compute_unit");
		d->bw_bytes_per_s = kolm_json_num(x, "bandwidth_gbs", 0) * 1e9;
		d->flops_fp16 = kolm_json_num(x, "tflops_fp16", 0) * 1e12;
		d->tops_int8 = kolm_json_num(x, "tops_int8", 0) * 1e12;
		d->flops_tensor_fp16 = kolm_json_num(x, "tflops_tensor_fp16", 0) * 1e12;
		d->flops_tensor_bf16 = kolm_json_num(x, "tflops_tensor_bf16", 0) * 1e12;
		d->cpu_tops_int8 = kolm_json_num(x, "cpu_tops_int8", 0) * 1e12;
		return d->bw_bytes_per_s > 0 ? KOLM_OK : KOLM_E_FORMAT;
	}
	return KOLM_E_NOTFOUND;
}

/* What a row's model reads per token when its base is not in the catalogs:
 * the user's own file, measured by kolm bench (model_bytes, n_params, n_layer). */
struct row_model {
	double bytes, params;
	int layers;
};

static int add_row(struct kolm_calib *c, struct loader *ld, const char *device, const char *runtime, const char *base,
		   const char *format, double tg, double pp, double file_bytes, double tflops_scale, const char *source,
		   const char *date, int weak, int user, const struct row_model *own, struct kolm_err *err)
{
	struct kolm_device d;
	if (row_device(ld, device, &d))
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown device '%s'", device);
	if (!kolm_json_find_id(json_object_get(c->rts, "runtimes"), runtime))
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown runtime '%s'", runtime);
	struct phys_cache *p = NULL, mine;
	int rc = physics(ld, base, format, &p, err);
	if (rc && own && own->bytes > 0 && own->params > 0) {
		memset(&mine, 0, sizeof mine);
		mine.B = mine.file = own->bytes;
		mine.N = own->params;
		mine.L = own->layers;
		mine.ok = 1;
		p = &mine;
		rc = KOLM_OK;
		if (err)
			kolm_err_clear(err);
	}
	if (rc)
		return rc;
	if (!(tg > 0) && !(pp > 0))
		return kolm_err_set(err, KOLM_E_FORMAT, "no tg_tps or pp_tps");
	struct cal_row *nr = realloc(c->rows, sizeof *nr * (size_t)(c->n_rows + 1));
	if (!nr)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	c->rows = nr;
	struct cal_row *r = &c->rows[c->n_rows++];
	memset(r, 0, sizeof *r);
	kolm_strlcpy(r->device, device, sizeof r->device);
	kolm_strlcpy(r->hw, d.variant_of ? d.variant_of : device, sizeof r->hw);
	kolm_strlcpy(r->runtime, runtime, sizeof r->runtime);
	kolm_strlcpy(r->base, base, sizeof r->base);
	kolm_strlcpy(r->format, format, sizeof r->format);
	kolm_strlcpy(r->source, source ? source : "unknown", sizeof r->source);
	kolm_calib_source_key(r->source, r->skey, sizeof r->skey);
	kolm_calib_class(ld->ctx, runtime, &d, r->klass, sizeof r->klass);
	r->weak = weak;
	r->user = user;
	r->tg = tg > 0 ? tg : 0;
	r->pp = pp > 0 ? pp : 0;
	/* the published file says how many bytes this build really reads */
	r->B = file_bytes > 0 ? p->B * file_bytes / p->file : p->B;
	r->S = file_bytes > 0 ? p->S * file_bytes / p->file : p->S;
	r->N = p->N;
	r->L = p->L > 0 ? p->L : 32;
	r->bw = d.bw_bytes_per_s;
	r->flops = kolm_calib_compute(&d, r->klass, format, date, &r->unit) * (tflops_scale > 0 ? tflops_scale : 1);
	r->fam = kolm_calib_fam(format);
	return KOLM_OK;
}

static int load_published(struct kolm_calib *c, struct loader *ld, struct kolm_err *err)
{
	json_t *doc = kolm_ctx_json(ld->ctx, "data/measurements.json", err);
	if (!doc)
		return err ? err->code : KOLM_E_IO;
	ld->extra_devices = json_object_get(doc, "devices");
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(doc, "measurements"), i, m)
	{
		const char *dev = kolm_json_str(m, "device"), *rt = kolm_json_str(m, "runtime");
		const char *base = kolm_json_str(m, "base"), *fmt = kolm_json_str(m, "format");
		if (!dev || !rt || !base || !fmt)
			return kolm_err_set(err, KOLM_E_FORMAT, "data/measurements.json: row %zu: missing device/runtime/base/format", i);
		int rc = add_row(c, ld, dev, rt, base, fmt, kolm_json_num(m, "tg_tps", 0), kolm_json_num(m, "pp_tps", 0),
				 kolm_json_num(m, "file_bytes", 0), kolm_json_num(m, "tflops_scale", 1),
				 kolm_json_str(m, "source"), kolm_json_str(m, "date"), json_is_true(json_object_get(m, "weak")), 0, NULL, err);
		if (rc)
			return kolm_err_prefix(err, "data/measurements.json: row %zu", i);
	}
	return KOLM_OK;
}

/* The user's TSV: a header line names the columns (device, runtime, base,
 * format, tg_tps required; pp_tps, source, date, notes optional); '#'
 * lines are comments.  Bad rows are counted and skipped, not fatal. */
static void load_user(struct kolm_calib *c, struct loader *ld)
{
	const char *dir = kolm_ctx_user_data_dir(ld->ctx);
	if (!dir)
		return;
	char path[4096];
	if (snprintf(path, sizeof path, "%s/measurements.tsv", dir) >= (int)sizeof path)
		return;
	char *buf;
	size_t len;
	if (kolm_file_read_all(path, 16u << 20, &buf, &len, NULL))
		return; /* none yet */
	enum { C_DEV, C_RT, C_BASE, C_FMT, C_TG, C_PP, C_SRC, C_MB, C_NP, C_NL, C_N };
	static const char *const names[C_N] = {"device",  "runtime",     "base",     "format",  "tg_tps",
					       "pp_tps",  "source",      "model_bytes", "n_params", "n_layer"};
	int col[C_N];
	for (int k = 0; k < C_N; k++)
		col[k] = -1;
	int have_header = 0, lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (!ll || line[0] == '#')
			continue;
		char *f[32];
		int nf = 0;
		for (char *p = line; nf < 32;) {
			f[nf++] = p;
			char *tab = strchr(p, '\t');
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		if (!have_header) {
			for (int i = 0; i < nf; i++)
				for (int k = 0; k < C_N; k++)
					if (!strcasecmp(f[i], names[k]))
						col[k] = i;
			have_header = 1;
			if (col[C_DEV] < 0 || col[C_RT] < 0 || col[C_BASE] < 0 || col[C_FMT] < 0 || col[C_TG] < 0) {
				snprintf(c->user_why, sizeof c->user_why,
					 "%.120s: header must name device, runtime, base, format and tg_tps", path);
				c->n_user_skipped++;
				break;
			}
			continue;
		}
		const char *v[C_N];
		for (int k = 0; k < C_N; k++)
			v[k] = col[k] >= 0 && col[k] < nf ? f[col[k]] : "";
		char *end;
		double tg = strtod(v[C_TG], &end);
		if (end == v[C_TG] || !(tg > 0))
			tg = 0;
		double pp = v[C_PP][0] ? strtod(v[C_PP], &end) : 0;
		if (!(pp > 0))
			pp = 0;
		char src[320];
		snprintf(src, sizeof src, "%s", v[C_SRC][0] ? v[C_SRC] : "kolm-bench (your measurements)");
		struct kolm_err e = {0};
		struct row_model own = {v[C_MB][0] ? strtod(v[C_MB], NULL) : 0, v[C_NP][0] ? strtod(v[C_NP], NULL) : 0,
					v[C_NL][0] ? atoi(v[C_NL]) : 0};
		if (add_row(c, ld, v[C_DEV], v[C_RT], v[C_BASE], v[C_FMT], tg, pp, 0, 1, src, NULL, 0, 1, &own, &e)) {
			if (!c->n_user_skipped)
				snprintf(c->user_why, sizeof c->user_why, "%.100s:%d: %.80s", path, lineno, e.msg);
			c->n_user_skipped++;
			continue;
		}
		c->n_user++;
	}
	free(buf);
}

int kolm_calib_load_rows(struct kolm_calib *c, struct kolm_ctx *ctx, struct kolm_err *err)
{
	struct loader ld = {.ctx = ctx};
	int rc = load_published(c, &ld, err);
	if (rc == KOLM_OK)
		load_user(c, &ld);
	free(ld.pc);
	return rc;
}
