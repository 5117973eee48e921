/* test_calib.c - the speed model against the shipped measurements (issue 4):
 * leave-one-source-out accuracy, honest ranges, every row scored, the
 * source-key rule, the user's own rows outranking published ones, and the
 * basis of every speed figure in the forecast JSON.  Deterministic: the
 * report is a pure function of data/ (no user directory, no timing). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/calib.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "forecast/calib_internal.h"
#include "kolm/estimate.h"
#include "kolm/forecast.h"
#include "kolm/model.h"

static struct kolm_ctx *ctx;
static json_t *report;

static int setup(void **state)
{
	(void)state;
	struct kolm_ctx_opts o = {0}; /* embedded data only: no user rows */
	struct kolm_err err = {0};
	if (kolm_ctx_new(&ctx, &o, &err) || kolm_calib_report(ctx, &report, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(report);
	kolm_ctx_free(ctx);
	return 0;
}

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void test_loso_decode_acceptance(void **state)
{
	(void)state;
	json_t *d = json_object_get(report, "decode"), *all = json_object_get(d, "overall");
	printf("decode LOSO: %d rows, median |err| %.1f%%, within 25%% %.1f%%, inside range %.1f%%, "
	       "max half-width %.0f%% (own rows %.0f%%)\n",
	       (int)num(all, "rows"), num(all, "median_abs_pct_err"), num(all, "within_25_pct"), num(all, "inside_range"),
	       num(all, "max_half_width_pct"), num(all, "max_half_width_own_rows_pct"));
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(d, "classes"), i, c)
		printf("  %-8s %3d rows  median |err| %5.1f%%  inside %5.1f%%\n",
		       json_string_value(json_object_get(c, "class")), (int)num(c, "rows"), num(c, "median_abs_pct_err"),
		       num(c, "inside_range"));
	assert_true(num(all, "median_abs_pct_err") <= 15.0);
	assert_true(num(all, "inside_range") >= 80.0);
	assert_true(num(all, "max_half_width_own_rows_pct") <= 35.0);
	assert_true(num(all, "max_half_width_pct") <= 50.0);
	/* clearly better than one bandwidth-only median per class (~16-17%) */
	assert_true(num(all, "median_abs_pct_err") <= 12.0);
	/* issue 22 (comparable-size rule, weighing against the class, spreads
	 * from other sources' rows): 8.9% median, 82.0% inside, median
	 * half-width 34% on the shipped data; then a forecast from 1-2 of a
	 * device's rows takes the spread of single rows of two sources, and a
	 * class borrowed from the sibling CPU class the widest range: 82.7%
	 * inside, half-width still 34%.  Eight rows of four more sources (RTX
	 * 3080, RTX 3060, Pi 5, Strix Halo) and one more of normiebench (M1
	 * Max): 152 rows, 18 sources, 7.2% median, 86.4% inside (the issue's
	 * 85% met), median half-width 34%.  Six Q8_0 rows of a Pi 5
	 * leaderboard (19 sources): 158 rows, 7.0%, 86.9%, 34%.  Two sources of
	 * current-build Pi 5 rows (edge-ai-study's nine, a CM5 node's one; 21
	 * sources, 163 rows) and the 16 GB Pi pooled with the 8 GB one: 7.4%,
	 * 82.8% inside (the 85% no longer met: edge-ai-study decodes its
	 * small models 15-38% below the other five Pi sources, whose agreement
	 * had set the Pi's range to +-10-15%), median half-width 30%.  Ranges
	 * set by the conformal rank of the held-out errors, not their
	 * interpolated 0.9 quantile (test_conformal_spread): 87.7% inside (the
	 * issue's 85% met again), median half-width 34% (the baseline;
	 * the Pi's range +-34%, Macs' on MLX +-48% from their class). */
	printf("decode median half-width %.0f%%; prefill median |err| %.1f%%\n", num(all, "median_half_width_pct"),
	       num(json_object_get(json_object_get(report, "prefill"), "overall"), "median_abs_pct_err"));
	assert_true(num(all, "median_abs_pct_err") <= 7.5);
	assert_true(num(all, "inside_range") >= 85.0);
	assert_true(num(all, "median_half_width_pct") <= 34.0 + 0.5);
	assert_true(num(json_object_get(json_object_get(report, "prefill"), "overall"), "median_abs_pct_err") <= 19.0);
}

static json_t *plan(struct kolm_ctx *c, const char *base, const char *quant, const char *device);

static json_t *class_score(const char *kind, const char *klass)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(report, kind), "classes"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "class")), klass))
			return c;
	fail_msg("no %s class %s in the report", kind, klass);
	return NULL;
}

/* issue 22, prefill from the compute it runs on (int8 tensor cores for
 * quantized CUDA, fp16 tensor for F16 and, dequantized, for quantized rows
 * before int8 MMQ, int8 dot products on CPUs): LOSO median |err| 13.4%
 * overall (18.8% on tflops_fp16), cuda 26.9% (80.4%), cpu-arm 36.0%
 * (86.5%), metal 8.8% (9.0%) on the shipped data.  Regressing the unit
 * (back to tflops_fp16) fails every bound.  With the rows of four more
 * sources (Strix Halo's and the M1 Max's are decode only): 14.6% overall, cuda 24.6% (the 25% met: the RTX 3080's
 * rows of another source), metal 9.0%, cpu-arm 72.2% (a Pi 5 Q4_0 row of
 * llama.cpp runs 3-4x the efficiency of the Pi's llamafile Q8_0 rows, and
 * each forecasts the other).  Six Q8_0 rows of a 2024 Pi 5 leaderboard
 * (one build, six models, with their published file sizes): cpu-arm 30.1%
 * on 13 rows, overall 13.5%, cuda 24.6%, metal 9.0%.  FLOPs per prompt
 * token instead of 2 x active parameters (the output projection once per
 * prompt, attention), the 16 GB Pi's rows pooled with the 8 GB one's, an
 * ARM format's prompt on the repacked kernels only from the build that
 * added them (the pull requests' 2.25x A/B before), and ten rows of current
 * Pi 5 builds: overall 13.7%, cuda 23.0%, metal 9.5%, cpu-arm 13.1% on 23
 * rows (the 25% met).  Without the build rule the current rows and
 * the 2024 ones forecast each other 2x off (cpu-arm 50.6%).  An ARM
 * repacked GEMM's prompt capped by its weights streaming once per 4 tokens
 * at decode's bandwidth: overall 13.3%, cpu-arm 9.8% (today's Llama 3.1 8B
 * Q8_0 on a Pi 5: +89% -> +9%). */
static void test_loso_prefill_acceptance(void **state)
{
	(void)state;
	json_t *all = json_object_get(json_object_get(report, "prefill"), "overall");
	json_t *cuda = class_score("prefill", "cuda"), *arm = class_score("prefill", "cpu-arm"),
	       *metal = class_score("prefill", "metal");
	printf("prefill LOSO: %d rows, median |err| %.1f%%; cuda %d rows %.1f%%, cpu-arm %d rows %.1f%%, metal %d rows %.1f%%\n",
	       (int)num(all, "rows"), num(all, "median_abs_pct_err"), (int)num(cuda, "rows"), num(cuda, "median_abs_pct_err"),
	       (int)num(arm, "rows"), num(arm, "median_abs_pct_err"), (int)num(metal, "rows"), num(metal, "median_abs_pct_err"));
	assert_true(num(all, "median_abs_pct_err") <= 13.3);
	assert_true(num(cuda, "median_abs_pct_err") <= 23.0);
	assert_true(num(arm, "median_abs_pct_err") <= 9.8);
	assert_true(num(metal, "median_abs_pct_err") <= 9.5);
	/* the bounds: 15% overall, 25% for every class with >= 5 rows */
	assert_true(num(all, "median_abs_pct_err") <= 15.0);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(report, "prefill"), "classes"), i, c)
		if (num(c, "rows") >= 5)
			assert_true(num(c, "median_abs_pct_err") <= 25.0);
}

/* A range from n held-out errors covers a new one with probability >= 0.9
 * (the ceil((n + 1) 0.9)-th smallest); below 9 errors no rank does, and the
 * range is no narrower than the default or the largest error.  Checked by
 * drawing Exp(1) errors: the plain interpolated 0.9 quantile of 9 covers
 * ~83%. */
static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double draw(void)
{
	rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
	return -log((double)((rng_state >> 11) + 1) / 9007199254740993.0); /* |error| ~ Exp(1) */
}

static void test_conformal_spread(void **state)
{
	(void)state;
	double v[32];
	for (int i = 0; i < 32; i++)
		v[i] = 32 - i; /* 32, 31, ..., 1 */
	assert_true(kolm_calib_conformal(v, 0, 0.9, 0.25) < 0);
	assert_true(kolm_calib_conformal(v, 5, 0.0, 0.25) < 0);
	assert_true(kolm_calib_conformal(v, 8, 0.9, 0.25) == 32); /* 32 ... 25: no rank, the largest */
	for (int i = 0; i < 32; i++)
		v[i] = (32 - i) / 100.0;
	assert_true(kolm_calib_conformal(v + 24, 8, 0.9, 0.25) == 0.25); /* 0.08 ... 0.01: the default */
	for (int i = 0; i < 32; i++)
		v[i] = 32 - i;
	assert_true(kolm_calib_conformal(v, 9, 0.9, 100) == 32); /* the 9th of 9, whatever the default */
	for (int i = 0; i < 32; i++)
		v[i] = i + 1;
	assert_true(kolm_calib_conformal(v, 19, 0.9, 100) == 18); /* ceil(20 x 0.9) = 18th */
	static const int ns[] = {9, 12, 20, 30};
	for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		int n = ns[t], hit = 0, hit_q = 0, trials = 20000;
		for (int k = 0; k < trials; k++) {
			double e[32], w[32];
			for (int i = 0; i < n; i++)
				w[i] = e[i] = draw();
			double next = draw(), s = kolm_calib_conformal(e, n, 0.9, 0);
			/* the plain quantile, interpolated as the old code did */
			qsort(w, (size_t)n, sizeof *w, cmp_dbl);
			double pos = 0.9 * (n - 1), q = w[(int)pos] + (w[(int)pos + 1 < n ? (int)pos + 1 : n - 1] - w[(int)pos]) * (pos - (int)pos);
			hit += next <= s;
			hit_q += next <= q;
		}
		printf("n = %2d: conformal covers %.1f%%, plain 0.9 quantile %.1f%%\n", n, 100.0 * hit / trials,
		       100.0 * hit_q / trials);
		assert_true(hit >= 0.89 * trials);
		if (n == 9)
			assert_true(hit_q < 0.86 * trials);
	}
}

/* The unit rule: what each format's prefill runs on, per class. */
static void test_prefill_unit(void **state)
{
	(void)state;
	const struct kolm_device *g = kolm_catalog_device_find(ctx, "rtx-4090"), *pi = kolm_catalog_device_find(ctx, "rpi5-8gb"),
				 *pi4 = kolm_catalog_device_find(ctx, "rpi4-8gb"), *m = kolm_catalog_device_find(ctx, "m2-ultra");
	assert_non_null(g);
	assert_non_null(pi);
	assert_non_null(pi4);
	assert_non_null(m);
	int u;
	/* Ada whitepaper: 660.6 INT8 TOPS, 330.3 FP16 (fp16 acc), 165.2 (fp32 acc), dense */
	assert_true(fabs(kolm_calib_compute(g, "cuda", "q4_k_m", NULL, &u) - 660.6e12) < 1e9 && u == KOLM_UNIT_INT8);
	assert_true(fabs(kolm_calib_compute(g, "cuda", "f16", NULL, &u) - 330.3e12) < 1e9 && u == KOLM_UNIT_F16T);
	assert_true(fabs(kolm_calib_compute(g, "cuda", "bf16", NULL, &u) - 165.2e12) < 1e9 && u == KOLM_UNIT_BF16T);
	/* before int8 MMQ (June 2024) llama.cpp dequantized to fp16 for cuBLAS */
	assert_true(fabs(kolm_calib_compute(g, "cuda", "q4_0", "2024-05", &u) - 330.3e12) < 1e9 && u == KOLM_UNIT_DQ16);
	assert_true(kolm_calib_compute(g, "cuda", "q4_0", "2024-06-22", &u) > 600e12 && u == KOLM_UNIT_INT8);
	assert_true(fabs(kolm_calib_compute(g, "cuda", "f32", NULL, &u) - g->flops_fp16) < 1 && u == KOLM_UNIT_FMA);
	/* Cortex-A76 SDOT vs its fp16 FMA; the A72 has no dotprod figure */
	assert_true(fabs(kolm_calib_compute(pi, "cpu-arm", "q8_0", NULL, &u) - 0.61e12) < 1e9 && u == KOLM_UNIT_INT8);
	assert_true(fabs(kolm_calib_compute(pi, "cpu-arm", "f16", NULL, &u) - pi->flops_fp16) < 1 && u == KOLM_UNIT_FMA);
	assert_true(fabs(kolm_calib_compute(pi4, "cpu-arm", "q8_0", NULL, &u) - pi4->flops_fp16) < 1 && u == KOLM_UNIT_FMA);
	/* Apple's GPU: tflops_fp16 for every format */
	assert_true(fabs(kolm_calib_compute(m, "metal", "q4_0", NULL, &u) - m->flops_fp16) < 1 && u == KOLM_UNIT_FMA);
	/* an ARM CPU: the repacked kernels from their pull requests' months on,
	 * the same int8 peak either way (the unit's factor says the difference) */
	static const struct {
		const char *format, *date;
		int repacked;
	} arm[] = {
		{"q4_k_m", "2025-08-29", 0}, {"q4_k_m", "2025-11", 1}, {"q4_k_m", NULL, 1},  {"q8_0", "2024-03-31", 0},
		{"q8_0", "2025-12-16", 1},   {"q4_0", "2024-10", 0},   {"q4_0", "2024-11-30", 1}, {"q6_k", "2026-01", 0},
		{"q6_k", "2026-02", 1},      {"q3_k_m", NULL, 0},      {"q2_k", NULL, 0},     {"q5_0", NULL, 0},
		{"iq4_nl", NULL, 1},         {"iq4_nl", "2024-11", 0}, {"iq4_nl", "2024-12-07", 1}, {"iq4_xs", NULL, 0},
	};
	for (size_t i = 0; i < sizeof arm / sizeof arm[0]; i++) {
		assert_int_equal(kolm_calib_arm_repacked(arm[i].format, arm[i].date), arm[i].repacked);
		assert_true(fabs(kolm_calib_compute(pi, "cpu-arm", arm[i].format, arm[i].date, &u) - 0.61e12) < 1e9);
		assert_int_equal(u, arm[i].repacked ? KOLM_UNIT_INT8 : KOLM_UNIT_INT8_NOREPACK);
	}
	/* x86 is not split (its repacking is not modelled) */
	assert_true(kolm_calib_compute(kolm_catalog_device_find(ctx, "laptop-x86"), "cpu-x86", "q3_k_m", "2024-01", &u) > 0 &&
		    u == KOLM_UNIT_INT8);
	/* the unit's factor is the pull requests' A/B on a Pi 5, not a fit */
	json_t *unitf = json_object_get(json_object_get(report, "model"), "prefill_unit_factor");
	char *js = json_dumps(unitf, JSON_COMPACT);
	printf("prefill unit factors: %s\n", js ? js : "?");
	free(js);
	assert_true(fabs(num(unitf, kolm_calib_unit_name(KOLM_UNIT_INT8_NOREPACK)) - 0.44) < 0.005);
	/* the forecast's basis names the unit */
	json_t *f = plan(ctx, "llama-3.1-8b", "int4", "rtx-3080");
	const char *b = json_string_value(json_object_get(json_object_get(f, "prefill_tps"), "basis"));
	printf("rtx-3080 8B int4 prefill: %s\n", b);
	assert_non_null(strstr(b, "238.0 int8 TOPS"));
	json_decref(f);
}

/* FLOPs per prompt token from the config, counted here independently of
 * the estimator's tensor walk: Llama-3.2-1B (hidden 2048, 16 layers, 32
 * query heads of 64, 8 KV heads, FFN 8192, 128256-token vocabulary tied to
 * the output) runs 2 x its matrix parameters per token, the output
 * projection once per prompt, and 4 x 64 x 32 per layer and attended
 * position; Gemma-3-1B's local layers attend at most their 512-token window. */
static void test_prompt_flops(void **state)
{
	(void)state;
	struct kolm_model m;
	struct kolm_estimate e;
	assert_int_equal(kolm_model_from_base(&m, ctx, "llama-3.2-1b", NULL), 0);
	assert_int_equal(kolm_estimate_model(ctx, &m, kolm_catalog_format_find(ctx, "q4_k_m"), NULL, 0, &e, NULL), 0);
	double layer = 2048.0 * 2048 * 2 + 2048.0 * 512 * 2 + 3 * 2048.0 * 8192, out = 128256.0 * 2048;
	assert_int_equal(e.output_params, (int64_t)out);
	for (int n = 1; n <= 4096; n *= 8) {
		double want = 2 * 16 * layer + 2 * out / n + 16 * 4.0 * 64 * 32 * (n + 1) / 2.0;
		double got = kolm_estimate_prompt_flops(&m, &e, n);
		printf("llama-3.2-1b prompt of %4d: %.4g FLOPs per token (config: %.4g)\n", n, got, want);
		assert_true(fabs(got / want - 1) < 1e-3); /* the norms' few thousand weights */
	}
	kolm_model_release(&m);
	assert_int_equal(kolm_model_from_base(&m, ctx, "gemma-3-1b", NULL), 0);
	assert_int_equal(kolm_estimate_model(ctx, &m, kolm_catalog_format_find(ctx, "q4_k_m"), NULL, 0, &e, NULL), 0);
	assert_int_equal(m.hp.sliding_window, 512);
	double unit = 4.0 * (double)m.hp.head_dim * (double)m.hp.n_head, n_global = (double)(m.hp.n_layer / m.hp.swa_pattern);
	double local = (512.0 * 513 / 2 + (4096.0 - 512) * 512) / 4096; /* mean positions in the window */
	double grow = kolm_estimate_prompt_flops(&m, &e, 4096) - kolm_estimate_prompt_flops(&m, &e, 512);
	double want = n_global * unit * (4097.0 / 2 - 513.0 / 2) + ((double)m.hp.n_layer - n_global) * unit * (local - 513.0 / 2) +
		      2.0 * (double)e.output_params * (1.0 / 4096 - 1.0 / 512);
	printf("gemma-3-1b 512 -> 4096: +%.4g FLOPs per token (window: %.4g)\n", grow, want);
	assert_true(fabs(grow / want - 1) < 1e-9);
	kolm_model_release(&m);
}

/* An ARM CPU's repacked GEMM streams the prompt's matrices once per 4
 * tokens: on a Pi 5 a large model's prefill is bound by that, at the
 * bandwidth its decode reaches (edge-ai-study's Llama 3.1 8B Q8_0, b9307:
 * 4.86 tok/s, half its Q4_K_M's 9.12); a format without repacked kernels,
 * another class, or a model whose compute binds first is not capped. */
static void test_bandwidth_cap(void **state)
{
	(void)state;
	static const struct {
		const char *base, *quant, *device;
		int capped;
	} picks[] = {
		{"llama-3.1-8b", "q8_0", "rpi5-16gb", 1}, {"llama-3.1-8b", "q3_k_m", "rpi5-16gb", 0},
		{"llama-3.1-8b", "q8_0", "rtx-3080", 0},  {"llama-3.1-8b", "q8_0", "laptop-x86", 0},
	};
	double q8 = 0, q4 = 0;
	for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
		json_t *f = plan(ctx, picks[i].base, picks[i].quant, picks[i].device);
		json_t *p = json_object_get(f, "prefill_tps");
		const char *b = json_string_value(json_object_get(p, "basis"));
		printf("%s %s on %s: %.3g tok/s [%s]\n", picks[i].base, picks[i].quant, picks[i].device, num(p, "mid"), b);
		assert_int_equal(strstr(b, "bandwidth-bound") != NULL, picks[i].capped);
		if (i == 0) {
			q8 = num(p, "mid");
			assert_true(num(p, "low") <= 4.86 && 4.86 <= num(p, "high"));
		}
		json_decref(f);
	}
	json_t *f = plan(ctx, "llama-3.1-8b", "q4_k_m", "rpi5-16gb");
	q4 = num(json_object_get(f, "prefill_tps"), "mid");
	json_decref(f);
	/* the same pass over twice the bytes: about half the Q4_K_M rate */
	printf("Pi 5 8B prefill: Q8_0 %.3g, Q4_K_M %.3g tok/s\n", q8, q4);
	assert_true(q8 < 0.7 * q4);
}

/* Every published row is scored: none skipped, each with a forecast. */
static void test_every_row_scored(void **state)
{
	(void)state;
	json_t *doc = kolm_ctx_json(ctx, "data/measurements.json", NULL);
	assert_non_null(doc);
	size_t n = json_array_size(json_object_get(doc, "measurements")), i, tg = 0, pp = 0;
	json_t *m;
	json_array_foreach(json_object_get(doc, "measurements"), i, m)
	{
		tg += json_number_value(json_object_get(m, "tg_tps")) > 0;
		pp += json_number_value(json_object_get(m, "pp_tps")) > 0;
	}
	assert_true(n >= 158);
	assert_int_equal((size_t)num(report, "rows"), n);
	assert_int_equal((size_t)num(json_object_get(json_object_get(report, "decode"), "overall"), "rows"), tg);
	assert_int_equal((size_t)num(json_object_get(json_object_get(report, "prefill"), "overall"), "rows"), pp);
	json_t *r;
	json_array_foreach(json_object_get(report, "measurements"), i, r)
	{
		json_t *d = json_object_get(r, "decode");
		if (!d)
			continue;
		assert_true(json_is_number(json_object_get(d, "mid")));
		double lo = num(d, "low"), mid = num(d, "mid"), hi = num(d, "high");
		/* never narrower than +-10% */
		assert_true(hi - mid >= 0.0999 * mid && mid - lo >= 0.0999 * mid);
		const char *lvl = json_string_value(json_object_get(d, "level"));
		double hw = (hi - mid) / mid;
		assert_true(hw <= 0.50 + 1e-9);
		if (!strcmp(lvl, "device") || !strcmp(lvl, "user"))
			assert_true(hw <= 0.35 + 1e-9);
	}
}

/* Weak rows keep their reason; every row names a source. */
static void test_measurements_normalised(void **state)
{
	(void)state;
	json_t *doc = kolm_ctx_json(ctx, "data/measurements.json", NULL);
	size_t i;
	json_t *m;
	int weak = 0;
	json_array_foreach(json_object_get(doc, "measurements"), i, m)
	{
		assert_non_null(json_string_value(json_object_get(m, "source")));
		if (json_is_true(json_object_get(m, "weak"))) {
			weak++;
			assert_non_null(json_string_value(json_object_get(m, "weak_reason")));
		}
	}
	assert_true(weak > 0);
	/* the README's "4.58 GB" is GiB: the 4.92e9-byte Llama-3-8B Q4_K_M file */
	json_t *first = json_array_get(json_object_get(doc, "measurements"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "base")), "llama-3-8b");
	assert_true(fabs(num(first, "file_bytes") - 4.92e9) < 0.01e9);
}

static void test_source_key(void **state)
{
	(void)state;
	char k[96];
	kolm_calib_source_key("github.com/XiongjieDai/GPU-Benchmarks-on-LLM-Inference README.md (commit 00dd2bd)", k, sizeof k);
	assert_string_equal(k, "xiongjiedai/gpu-benchmarks-on-llm-inference");
	kolm_calib_source_key("ggml-org/llama.cpp discussion #4167 (x)", k, sizeof k);
	assert_string_equal(k, "ggml-org/llama.cpp");
	kolm_calib_source_key("github.com/ggml-org/llama.cpp PR #19840", k, sizeof k);
	assert_string_equal(k, "ggml-org/llama.cpp");
	kolm_calib_source_key("ggml-org/llama.cpp#4508", k, sizeof k);
	assert_string_equal(k, "ggml-org/llama.cpp");
	kolm_calib_source_key("justine.lol/matmul ('LLaMA Now Goes Faster')", k, sizeof k);
	assert_string_equal(k, "justine.lol/matmul");
}

static json_t *plan(struct kolm_ctx *c, const char *base, const char *quant, const char *device)
{
	struct kolm_pick p = {0};
	p.base_id = base;
	p.quant = quant;
	p.device_id = device;
	p.overhead_gb = -1;
	json_t *f = NULL;
	struct kolm_err err = {0};
	int rc = kolm_forecast_doc(c, &p, &f, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	return f;
}

/* Every speed figure names its basis and row count. */
static void test_plan_basis_rows(void **state)
{
	(void)state;
	json_t *f = plan(ctx, "llama-3.2-3b", "int4", "rpi5-8gb");
	static const char *const keys[] = {"decode_tps", "prefill_tps"};
	for (int k = 0; k < 2; k++) {
		json_t *s = json_object_get(f, keys[k]);
		assert_true(json_is_string(json_object_get(s, "basis")));
		assert_true(json_is_integer(json_object_get(s, "rows")));
	}
	/* the Pi 5 has its own measurements */
	assert_true(json_integer_value(json_object_get(json_object_get(f, "decode_tps"), "rows")) >= 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(f, "decode_tps"), "basis")), "rpi5-8gb"));
	json_decref(f);
}

/* The reference throughput table's devices: where the device's own sourced
 * measurements disagree with the table's range, the forecast follows them and
 * a caveat quotes one. */
static void test_reference_devices_follow_measurements(void **state)
{
	(void)state;
	json_t *f = plan(ctx, "mistral-7b", "int4", "rtx-4090");
	json_t *d = json_object_get(f, "decode_tps");
	assert_true(json_integer_value(json_object_get(d, "rows")) >= 1);
	int quoted = 0;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(f, "caveats"), i, c)
		if (strstr(json_string_value(c), "follows the measurements of this device"))
			quoted = 1;
	assert_true(quoted);
	json_decref(f);
}

/* The reference throughput table's ten devices with their typical artifact:
 * the range overlaps the table's, or a caveat says why kolm does not follow
 * the table (the device's measurements, or the bandwidth bound). */
static void test_reference_ten_devices(void **state)
{
	(void)state;
	json_t *seed = kolm_ctx_json(ctx, "data/seed.json", NULL);
	size_t i, k;
	json_t *row, *c;
	int n = 0;
	json_array_foreach(json_object_get(seed, "throughput"), i, row)
	{
		double pb = num(row, "params_b");
		const char *base = pb < 5 ? "llama-3.2-3b" : "mistral-7b";
		json_t *f = plan(ctx, base, "int4", json_string_value(json_object_get(row, "device")));
		json_t *d = json_object_get(f, "decode_tps");
		double lo = num(d, "low"), hi = num(d, "high");
		int ok = lo <= num(row, "high") && hi >= num(row, "low");
		int said = 0;
		json_array_foreach(json_object_get(f, "caveats"), k, c)
			if (strstr(json_string_value(c), "reference throughput table lists"))
				said = 1;
		printf("%-20s table %3.0f-%-3.0f kolm %6.1f-%-6.1f %s\n", json_string_value(json_object_get(row, "device")),
		       num(row, "low"), num(row, "high"), lo, hi, ok ? "overlap" : "caveat");
		assert_true(ok || said);
		n++;
		json_decref(f);
	}
	assert_int_equal(n, 10);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* The user's own rows join the fit and outrank published ones. */
static void test_user_rows_outrank(void **state)
{
	(void)state;
	char dir[] = "/tmp/kolm-calib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/measurements.tsv", dir);
	write_file(path, "# kolm bench --record\n"
			 "device\truntime\tbase\tformat\ttg_tps\tpp_tps\tsource\tdate\tnotes\n"
			 "rpi5-8gb\tllama.cpp-cpu\tllama-3.2-3b\tq4_k_m\t2.50\t12\tkolm-bench host pi\t2026-01-01\t\n"
			 "rpi5-8gb\tllama.cpp-cpu\tllama-3.2-1b\tq4_k_m\t6.00\t\tkolm-bench host pi\t2026-01-01\t\n"
			 "nosuch-device\tllama.cpp-cpu\tllama-3.2-1b\tq4_k_m\t6.00\t\tkolm-bench\t\t\n");
	struct kolm_ctx_opts o = {0};
	o.user_data_dir = dir;
	struct kolm_ctx *uc;
	struct kolm_err err = {0};
	assert_int_equal(kolm_ctx_new(&uc, &o, &err), 0);
	int skipped = 0;
	const char *why = NULL;
	assert_int_equal(kolm_calib_user_rows(kolm_calib_get(uc, &err), &skipped, &why), 2);
	assert_int_equal(skipped, 1);
	assert_non_null(strstr(why, "nosuch-device"));
	json_t *f = plan(uc, "llama-3.2-3b", "int4", "rpi5-8gb");
	json_t *d = json_object_get(f, "decode_tps");
	double mid = json_number_value(json_object_get(d, "mid"));
	printf("with the user's 2.5 tok/s row: mid %.2f [%s]\n", mid, json_string_value(json_object_get(d, "basis")));
	assert_true(mid > 2.0 && mid < 3.0); /* published rows say ~4.6-5 */
	assert_int_equal(json_integer_value(json_object_get(d, "rows")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(d, "basis")), "your own"));
	json_decref(f);
	json_t *rep = NULL;
	assert_int_equal(kolm_calib_report(uc, &rep, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "user_rows")), 2);
	json_decref(rep);
	kolm_ctx_free(uc);
	unlink(path);
	rmdir(dir);
}

/* The user's own range: each of their rows predicted by the median of
 * their others (the same model and format, so the forecast of a row is the
 * others' median measurement); 10 rows set it by the conformal rank (the
 * 10th of 10 held-out errors); 8 rows too few, and the range is no narrower
 * than the largest of theirs (here past the 34% cap), not the class's. */
static double user_range(const char *device, const char *base, const double *tg, int n, double *mid)
{
	char dir[] = "/tmp/kolm-calib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], text[4096];
	snprintf(path, sizeof path, "%s/measurements.tsv", dir);
	int l = snprintf(text, sizeof text, "device\truntime\tbase\tformat\ttg_tps\tpp_tps\tsource\tdate\tnotes\n");
	for (int i = 0; i < n; i++)
		l += snprintf(text + l, sizeof text - (size_t)l, "%s\t%s\t%s\tq4_k_m\t%.2f\t\tkolm-bench host\t2026-01-01\t\n",
			      device, strncmp(device, "m1", 2) ? "llama.cpp-cpu" : "llama.cpp-metal", base, tg[i]);
	write_file(path, text);
	struct kolm_ctx_opts o = {0};
	o.user_data_dir = dir;
	struct kolm_ctx *uc;
	struct kolm_err err = {0};
	assert_int_equal(kolm_ctx_new(&uc, &o, &err), 0);
	json_t *f = plan(uc, base, "q4_k_m", device);
	json_t *d = json_object_get(f, "decode_tps");
	assert_int_equal(json_integer_value(json_object_get(d, "rows")), n);
	*mid = num(d, "mid");
	double s = num(d, "high") / *mid - 1;
	printf("%d rows of yours on %s: mid %.2f, range +-%.1f%% [%s]\n", n, device, *mid, s * 100,
	       json_string_value(json_object_get(d, "basis")));
	json_decref(f);
	kolm_ctx_free(uc);
	unlink(path);
	rmdir(dir);
	return s;
}

static void test_user_spread(void **state)
{
	(void)state;
	static const double ten[] = {4.0, 4.2, 4.4, 4.5, 4.6, 4.7, 4.8, 5.0, 5.2, 5.6};
	double worst = 0, mid;
	for (int k = 0; k < 10; k++) {
		double o[9];
		int m = 0;
		for (int j = 0; j < 10; j++)
			if (j != k)
				o[m++] = ten[j];
		qsort(o, 9, sizeof *o, cmp_dbl);
		double e = fabs(o[4] / ten[k] - 1);
		worst = e > worst ? e : worst;
	}
	double s = user_range("rpi5-8gb", "llama-3.2-3b", ten, 10, &mid);
	printf("the largest of the 10 held-out errors: %.1f%%\n", worst * 100);
	assert_true(worst > 0.10 && worst < 0.34);
	assert_true(fabs(s - worst) < 0.002);
	static const double eight[] = {20, 25, 30, 35, 40, 45, 50, 55};
	s = user_range("m1-max", "llama-3.1-8b", eight, 8, &mid);
	assert_true(s > 0.339); /* the class's own-rows spread is ~0.21 */
}

/* Issue 22: a toy model's row recorded as the device cannot poison the
 * forecast of an 8 B model on it (the row is 30,000x smaller in bytes per
 * token): the forecast stays inside its old range, the range does not
 * narrow, and the report flags the row. */
static void test_toy_row_cannot_poison(void **state)
{
	(void)state;
	json_t *f0 = plan(ctx, "llama-3.1-8b", "q4_k_m", "laptop-x86");
	json_t *d0 = json_object_get(f0, "decode_tps"), *p0 = json_object_get(f0, "prefill_tps");
	double lo = num(d0, "low"), hi = num(d0, "high"), mid0 = num(d0, "mid"), pp0 = num(p0, "mid");
	char dir[] = "/tmp/kolm-calib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/measurements.tsv", dir);
	/* what kolm bench --record wrote for stories260K Q4_0 on this machine */
	write_file(path, "device\truntime\tbase\tformat\ttg_tps\tpp_tps\tsource\tdate\tnotes\tcpu_model\tcores\tmem_gb"
			 "\tn_prompt\tn_gen\tthreads\tmodel_bytes\tn_params\tn_layer\n"
			 "laptop-x86\tllama.cpp-cpu\tstories260k\tq4_0\t1391.412\t578.379\tkolm-bench\t2026-12-06\t\t"
			 "x\t2\t25.3\t512\t128\t1\t262624\t292800\t5\n");
	struct kolm_ctx_opts o = {0};
	o.user_data_dir = dir;
	struct kolm_ctx *uc;
	struct kolm_err err = {0};
	assert_int_equal(kolm_ctx_new(&uc, &o, &err), 0);
	assert_int_equal(kolm_calib_user_rows(kolm_calib_get(uc, &err), NULL, NULL), 1);
	json_t *f = plan(uc, "llama-3.1-8b", "q4_k_m", "laptop-x86");
	json_t *d = json_object_get(f, "decode_tps");
	double mid = num(d, "mid"), pp = num(json_object_get(f, "prefill_tps"), "mid");
	printf("8B q4_k_m on laptop-x86: %.2f tok/s (%.2f-%.2f) before the toy row, %.2f (%.2f-%.2f) after; prefill "
	       "%.1f -> %.1f\n", mid0, lo, hi, mid, num(d, "low"), num(d, "high"), pp0, pp);
	assert_true(mid >= lo && mid <= hi);
	assert_true(num(d, "high") - num(d, "low") >= (hi - lo) * 0.999); /* never narrower */
	assert_true(pp >= pp0 * 0.5 && pp <= pp0 * 2);
	assert_null(strstr(json_string_value(json_object_get(d, "basis")), "your own"));
	int said = 0;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(f, "caveats"), i, c)
		if (strstr(json_string_value(c), "more than 4x larger or smaller"))
			said = 1;
	assert_true(said);
	json_decref(f);
	json_t *rep = NULL;
	assert_int_equal(kolm_calib_report(uc, &rep, &err), 0);
	int flagged = 0;
	json_t *r;
	json_array_foreach(json_object_get(rep, "measurements"), i, r)
		if (json_is_true(json_object_get(r, "user"))) {
			const char *why = json_string_value(json_object_get(r, "flag"));
			assert_non_null(why);
			printf("flagged: %s\n", why);
			flagged = 1;
		}
	assert_true(flagged);
	assert_true(json_integer_value(json_object_get(rep, "flagged_rows")) >= 1);
	json_decref(rep);
	json_decref(f0);
	kolm_ctx_free(uc);
	unlink(path);
	rmdir(dir);
}

/* A memory variant is the same silicon: the 16 GB Pi 5's rows and the 8 GB
 * board's are one fit (catalog variant_of), so both get the same figures and
 * the basis names the other board; a variant_of that names a device with
 * other bandwidth or compute figures, or no device, is refused at load. */
static void test_memory_variant_shares_rows(void **state)
{
	(void)state;
	json_t *a = plan(ctx, "llama-3.2-3b", "int4", "rpi5-16gb"), *b = plan(ctx, "llama-3.2-3b", "int4", "rpi5-8gb");
	static const char *const keys[] = {"decode_tps", "prefill_tps"};
	for (int k = 0; k < 2; k++) {
		json_t *x = json_object_get(a, keys[k]), *y = json_object_get(b, keys[k]);
		printf("rpi5-16gb %s %.3f [%s]\nrpi5-8gb  %s %.3f [%s]\n", keys[k], num(x, "mid"),
		       json_string_value(json_object_get(x, "basis")), keys[k], num(y, "mid"),
		       json_string_value(json_object_get(y, "basis")));
		assert_true(fabs(num(x, "mid") - num(y, "mid")) <= 1e-9 * num(y, "mid"));
		assert_int_equal(json_integer_value(json_object_get(x, "rows")), json_integer_value(json_object_get(y, "rows")));
	}
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(a, "decode_tps"), "basis")),
			       "of rpi5-16gb and rpi5-8gb (the same chip and memory bus)"));
	json_decref(a);
	json_decref(b);
	static const char *const bad[][2] = {
		{"\"variant_of\": \"no-such-board\", \"bandwidth_gbs\": 17", "is not a device"},
		{"\"variant_of\": \"rpi5-16gb\", \"bandwidth_gbs\": 17", "is itself a variant"},
		{"\"variant_of\": \"my-pi\", \"bandwidth_gbs\": 17", "names itself"},
		/* other figures: a board of its own, not pooled */
		{"\"variant_of\": \"rpi5-8gb\", \"bandwidth_gbs\": 34", NULL},
	};
	for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
		char dir[] = "/tmp/kolm-calib-XXXXXX";
		assert_non_null(mkdtemp(dir));
		char path[256], text[1024];
		snprintf(path, sizeof path, "%s/devices.json", dir);
		snprintf(text, sizeof text,
			 "{\"devices\": [{\"id\": \"my-pi\", \"name\": \"my Pi\", \"class\": \"sbc\", \"memory_gb\": 4, "
			 "\"memory_kind\": \"ram\", \"tflops_fp16\": 0.31, \"cpu_tops_int8\": 0.61, \"backend\": \"gguf\", "
			 "\"runtimes\": [\"llama.cpp-cpu\"], %s}]}\n",
			 bad[t][0]);
		write_file(path, text);
		struct kolm_ctx_opts o = {0};
		o.config_dir = dir; /* the user catalog extensions (devices.json) */
		struct kolm_ctx *uc = NULL;
		struct kolm_err err = {0};
		int rc = kolm_ctx_new(&uc, &o, &err);
		printf("variant_of case %zu: rc %d: %s\n", t, rc, err.msg);
		if (bad[t][1]) {
			assert_int_not_equal(rc, 0);
			assert_null(uc);
			assert_non_null(strstr(err.msg, bad[t][1]));
		} else {
			assert_int_equal(rc, 0);
			json_t *f = plan(uc, "llama-3.2-3b", "int4", "my-pi");
			const char *basis = json_string_value(json_object_get(json_object_get(f, "decode_tps"), "basis"));
			printf("  %s\n", basis);
			assert_null(strstr(basis, "rpi5-8gb"));
			json_decref(f);
			kolm_ctx_free(uc);
		}
		unlink(path);
		rmdir(dir);
	}
}

/* Issue 22: within one runtime class, a device with more bandwidth (decode)
 * or compute (prefill) is never forecast slower for the same pick unless a
 * device's own measurements say so (its basis names them, with the class
 * figure they are weighed against) or decode is capped by compute.  Walks
 * every pair of catalog devices for a small and a mid-size pick. */
struct mono {
	const char *dev, *runtime;
	char klass[16];
	double bw, flops, v[2];
	char basis[2][400];
};

static int own_rows(const struct mono *m, int kind)
{
	char want[96];
	snprintf(want, sizeof want, "measurement of %s on", m->dev);
	char want2[96];
	snprintf(want2, sizeof want2, "measurements of %s on", m->dev);
	char want3[96]; /* a memory variant's rows: "measurements of rpi5-16gb and rpi5-8gb (...)" */
	snprintf(want3, sizeof want3, "measurements of %s and", m->dev);
	return strstr(m->basis[kind], "fitted on") &&
	       (strstr(m->basis[kind], want) || strstr(m->basis[kind], want2) || strstr(m->basis[kind], want3)) &&
	       strstr(m->basis[kind], "class's");
}

static void test_monotone_between_devices(void **state)
{
	(void)state;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	static const char *const picks[][2] = {{"llama-3.2-1b", "int4"}, {"llama-3.1-8b", "int4"}, {"qwen2.5-7b", "int8"}};
	struct mono *m = calloc((size_t)cat->n_devices, sizeof *m);
	assert_non_null(m);
	int checked = 0, shown = 0;
	for (size_t p = 0; p < sizeof picks / sizeof picks[0]; p++) {
		int n = 0;
		for (int d = 0; d < cat->n_devices; d++) {
			json_t *f = plan(ctx, picks[p][0], picks[p][1], cat->devices[d].id);
			json_t *dec = json_object_get(f, "decode_tps"), *pre = json_object_get(f, "prefill_tps");
			struct mono *x = &m[n];
			x->dev = cat->devices[d].id;
			x->runtime = json_string_value(json_object_get(json_object_get(f, "backend"), "runtime"));
			if (!x->runtime || !dec || !pre || !json_is_number(json_object_get(dec, "mid"))) {
				json_decref(f);
				continue;
			}
			x->runtime = kolm_catalog_device_find(ctx, x->dev)->runtimes[0];
			for (int r = 0; r < kolm_catalog_device_find(ctx, x->dev)->n_runtimes; r++)
				if (!strcmp(kolm_catalog_device_find(ctx, x->dev)->runtimes[r],
					    json_string_value(json_object_get(json_object_get(f, "backend"), "runtime"))))
					x->runtime = kolm_catalog_device_find(ctx, x->dev)->runtimes[r];
			kolm_calib_class(ctx, x->runtime, &cat->devices[d], x->klass, sizeof x->klass);
			x->bw = cat->devices[d].bw_bytes_per_s;
			/* prefill's compute is the unit it runs on for this format
			 * (int8 tensor cores, fp16 tensor, int8 dot products, FMA) */
			const char *fmt = json_string_value(json_object_get(json_object_get(f, "format"), "id"));
			int unit;
			x->flops = kolm_calib_compute(&cat->devices[d], x->klass, fmt ? fmt : "", NULL, &unit);
			x->v[0] = num(dec, "mid");
			x->v[1] = num(pre, "mid");
			snprintf(x->basis[0], sizeof x->basis[0], "%s", json_string_value(json_object_get(dec, "basis")));
			snprintf(x->basis[1], sizeof x->basis[1], "%s", json_string_value(json_object_get(pre, "basis")));
			n++;
			json_decref(f);
		}
		int bad = 0;
		for (int a = 0; a < n; a++)
			for (int b = 0; b < n; b++) {
				if (a == b || strcmp(m[a].runtime, m[b].runtime) || strcmp(m[a].klass, m[b].klass))
					continue;
				for (int kind = 0; kind < 2; kind++) {
					double ra = kind ? m[a].flops : m[a].bw, rb = kind ? m[b].flops : m[b].bw;
					if (!(ra > rb * 1.001))
						continue;
					checked++;
					if (!(m[a].v[kind] < m[b].v[kind] * 0.999))
						continue;
					int why = own_rows(&m[a], kind) || own_rows(&m[b], kind) ||
						  (!kind && strstr(m[a].basis[0], "compute-bound")) ||
						  (kind && strstr(m[a].basis[1], "bandwidth-bound"));
					if (shown++ < 12 || !why)
						printf("%s %s %s: %s (%.3g) > %s (%.3g) in %s but forecast %.3g < %.3g: %s\n",
						       picks[p][0], picks[p][1], kind ? "prefill" : "decode", m[a].dev, ra / 1e9,
						       m[b].dev, rb / 1e9, kind ? "G(FL)OPS" : "GB/s", m[a].v[kind], m[b].v[kind],
						       why ? "a device's own measurements say so" : "VIOLATION");
					bad += !why;
				}
			}
		assert_int_equal(bad, 0);
	}
	printf("monotone: %d same-class device pairs checked (decode by bandwidth, prefill by compute)\n", checked);
	assert_true(checked > 500);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loso_decode_acceptance),
		cmocka_unit_test(test_loso_prefill_acceptance),
		cmocka_unit_test(test_conformal_spread),
		cmocka_unit_test(test_prefill_unit),
		cmocka_unit_test(test_prompt_flops),
		cmocka_unit_test(test_bandwidth_cap),
		cmocka_unit_test(test_every_row_scored),
		cmocka_unit_test(test_measurements_normalised),
		cmocka_unit_test(test_source_key),
		cmocka_unit_test(test_plan_basis_rows),
		cmocka_unit_test(test_reference_devices_follow_measurements),
		cmocka_unit_test(test_reference_ten_devices),
		cmocka_unit_test(test_user_rows_outrank),
		cmocka_unit_test(test_user_spread),
		cmocka_unit_test(test_toy_row_cannot_poison),
		cmocka_unit_test(test_monotone_between_devices),
		cmocka_unit_test(test_memory_variant_shares_rows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
