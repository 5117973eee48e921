/* test_engine.c - the built-in engine against llama.cpp's goldens
 * (shared/models/golden): greedy continuations of the three golden prompts
 * token for token, perplexity the llama-perplexity way within 0.5%, the
 * AVX2 dot products against the scalar reference, sampling, and the error
 * paths (bad token, full context, unsupported file). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/engine.h"
#include "kolm/eval.h"
#include "kolm/quant.h"
#include "kolm/tokenizer.h"
#include "kolm/types.h"
#include "../../src/lib/engine_internal.h"

static char shared[1024];

static void model_path(char *buf, size_t cap, const char *file)
{
	snprintf(buf, cap, "%s/models/gguf/%s", shared, file);
}

/* The golden records, loaded once. */
static json_t *records[32];
static int n_records;

static void load_records(void)
{
	if (n_records)
		return;
	char p[1200];
	snprintf(p, sizeof p, "%s/models/golden/completions.jsonl", shared);
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	static char line[65536];
	while (n_records < 32 && fgets(line, sizeof line, fp)) {
		json_error_t je;
		records[n_records] = json_loads(line, 0, &je);
		assert_non_null(records[n_records]);
		n_records++;
	}
	fclose(fp);
	assert_int_equal(n_records, 24);
}

static const json_t *record_for(const char *file, int prompt)
{
	for (int i = 0; i < n_records; i++)
		if (!strcmp(json_string_value(json_object_get(records[i], "file")), file) &&
		    json_integer_value(json_object_get(records[i], "prompt_index")) == prompt)
			return records[i];
	return NULL;
}

static int first_diff_json(const json_t *a, const json_t *b)
{
	size_t n = json_array_size(a) < json_array_size(b) ? json_array_size(a) : json_array_size(b);
	for (size_t i = 0; i < n; i++)
		if (json_integer_value(json_array_get(a, i)) != json_integer_value(json_array_get(b, i)))
			return (int)i;
	return json_array_size(a) == json_array_size(b) ? -1 : (int)n;
}

/* How many leading generated tokens must equal llama.cpp's for a record:
 * - all of them, except:
 * - a quantized file must agree up to the point where llama.cpp's own output
 *   for it leaves llama.cpp's F32 output (README "Caveats": from there on the
 *   text follows rounding, not the model: aidreams Q4_0 2/8/19, stories260K
 *   Q8_0 0/44/23, Q4_0 0/1/0);
 * - stories260K's corrupted weights have float64 near-ties at p0 token 13
 *   and p2 token 39 (margins 0.0075 / 0.0037) where llama.cpp's F32 golden
 *   itself leaves the float64 reference: agreement is required up to them
 *   (kolm, following llama.cpp's attention kernels, in fact matches past
 *   both);
 * - and for stories260K a first difference at a near-tie of kolm's own
 *   (llama.cpp's token within NEAR_TIE logits of kolm's pick, with the same
 *   context up to there) is accepted: that is the fragility the README
 *   documents, and it is printed. */
#define NEAR_TIE 0.02f
static int required_prefix(const char *file, int prompt, int n)
{
	int need = n;
	if (!strstr(file, "-f32") && !strstr(file, "-f16")) {
		char f32[128];
		snprintf(f32, sizeof f32, "%.*s-f32.gguf", (int)(strchr(file, '-') - file), file);
		const json_t *r32 = record_for(f32, prompt), *r = record_for(file, prompt);
		int d = first_diff_json(json_object_get(r32, "argmax_gen_ids"), json_object_get(r, "argmax_gen_ids"));
		if (d >= 0 && d < need)
			need = d;
	}
	if (strncmp(file, "stories260K", 11) == 0) {
		if (prompt == 0 && need > 13)
			need = 13;
		if (prompt == 2 && need > 39)
			need = 39;
	}
	return need;
}

static int first_diff(const int32_t *a, const json_t *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != (int32_t)json_integer_value(json_array_get(b, (size_t)i)))
			return i;
	return -1;
}

static void run_goldens(int scalar)
{
	load_records();
	int full = 0, bad = 0, matched = 0, total = 0;
	int ran = 0;
	for (int ri = 0; ri < n_records; ri++) {
		json_t *r = records[ri];
		const char *file = json_string_value(json_object_get(r, "file"));
		/* the scalar kernels: the readable model's 12 records (time) */
		if (scalar && strncmp(file, "aidreams", 8) != 0)
			continue;
		ran++;
		int prompt = (int)json_integer_value(json_object_get(r, "prompt_index"));
		const json_t *pids = json_object_get(r, "prompt_ids");
		const json_t *gids = json_object_get(r, "argmax_gen_ids");
		int np = (int)json_array_size(pids), ng = (int)json_array_size(gids);
		char mp[1400];
		model_path(mp, sizeof mp, file);
		struct kolm_engine *e = NULL;
		struct kolm_engine_opts eo = {.nthreads = 2, .n_ctx = 128, .scalar = scalar};
		struct kolm_err err = {0};
		assert_int_equal(kolm_engine_open(&e, mp, &eo, &err), 0);
		const struct kolm_engine_info *in = kolm_engine_info(e);
		/* the prompt ids come from our own tokenizer */
		const struct kolm_tokenizer *tok = kolm_engine_tokenizer(e);
		const char *text = json_string_value(json_object_get(r, "prompt"));
		int32_t *ids = NULL;
		int n = 0;
		assert_int_equal(kolm_tokenize(tok, text, strlen(text), kolm_tokenizer_add_bos(tok), 1, &ids, &n, &err), 0);
		assert_int_equal(n, np);
		assert_int_equal(first_diff(ids, pids, np), -1);
		float *lg = malloc((size_t)in->n_vocab * sizeof *lg);
		int32_t gen[64];
		float tie = -1; /* kolm's margin over llama.cpp's token at the first difference */
		assert_int_equal(kolm_engine_decode(e, ids, n, lg, 0, &err), 0);
		for (int i = 0; i < ng; i++) {
			gen[i] = kolm_argmax(lg, in->n_vocab);
			const int32_t want = (int32_t)json_integer_value(json_array_get(gids, (size_t)i));
			if (tie < 0 && gen[i] != want)
				tie = lg[gen[i]] - lg[want];
			if (i + 1 < ng)
				assert_int_equal(kolm_engine_decode(e, &gen[i], 1, lg, 0, &err), 0);
		}
		int d = first_diff(gen, gids, ng);
		int need = required_prefix(file, prompt, ng);
		const int near_tie = d >= 0 && d < need && strncmp(file, "stories260K", 11) == 0 && tie < NEAR_TIE;
		char note[64] = "";
		if (d >= 0 && d < need)
			snprintf(note, sizeof note, near_tie ? "  near-tie (margin %.4f)" : "  FAIL (margin %.4f)", tie);
		printf("%-24s p%d %-6s: %2d of %2d tokens as llama.cpp (required %2d)%s\n", file, prompt,
		       scalar ? "scalar" : in->simd, d < 0 ? ng : d, ng, need, note);
		bad += d >= 0 && d < need && !near_tie;
		full += d < 0;
		matched += d < 0 ? ng : d;
		total += ng;
		free(lg);
		free(ids);
		kolm_engine_close(e);
	}
	printf("%d of %d records identical over all tokens; %d of %d leading tokens agree\n", full, ran, matched, total);
	assert_int_equal(bad, 0);
	/* in full: all aidreams260K records, stories260K F32 and F16 (past
	 * their float64 near-ties) and stories260K Q8_0 p0 */
	assert_true(full >= (scalar ? 12 : 19));
}

static void test_greedy_goldens(void **s)
{
	(void)s;
	run_goldens(0);
}

static void test_greedy_goldens_scalar(void **s)
{
	(void)s;
	run_goldens(1);
}

/* llama-perplexity -c 64 on ppl-input.txt (its -f drops the final
 * newline): same token and chunk counts as golden/perplexity.tsv, and
 * within 0.5% of llama.cpp's figure, except for stories260K Q8_0 (the
 * corrupted model, perplexity ~60,000, where llama.cpp's own Q8_0 moves it
 * 2.5% from F32; docs/ENGINE.md records what is known of the gap) where 3%
 * is allowed.  Measured: aidreams260K F32 -0.0001%, F16 -0.002%, Q8_0
 * -0.22%, Q4_0 +0.035%; stories260K F32 -0.02%, F16 +0.12%, Q4_0 +0.21%,
 * Q8_0 +2.8%. */
static void test_perplexity(void **s)
{
	(void)s;
	char p[1200];
	snprintf(p, sizeof p, "%s/models/golden/ppl-input.txt", shared);
	FILE *fp = fopen(p, "rb");
	assert_non_null(fp);
	char text[4096];
	size_t len = fread(text, 1, sizeof text, fp);
	fclose(fp);
	if (len && text[len - 1] == '\n')
		len--;
	snprintf(p, sizeof p, "%s/models/golden/perplexity.tsv", shared);
	fp = fopen(p, "r");
	assert_non_null(fp);
	char line[1024];
	int rows = 0, bad = 0;
	assert_non_null(fgets(line, sizeof line, fp));
	while (fgets(line, sizeof line, fp)) {
		char file[128];
		int nctx, batch, ntok, nch, per;
		double ppl;
		if (sscanf(line, "%127s %d %d %d %d %d %lf", file, &nctx, &batch, &ntok, &nch, &per, &ppl) != 7)
			continue;
		char mp[1400];
		model_path(mp, sizeof mp, file);
		struct kolm_engine *e = NULL;
		struct kolm_engine_opts eo = {.nthreads = 2, .n_ctx = 128};
		struct kolm_err err = {0};
		assert_int_equal(kolm_engine_open(&e, mp, &eo, &err), 0);
		struct kolm_ppl_result r = {0};
		assert_int_equal(kolm_eval_perplexity(e, text, len, nctx, &r, &err), 0);
		double rel = fabs(r.ppl - ppl) / ppl;
		printf("%-24s ppl %.4f llama.cpp %.4f (%+.3f%%), %d tokens, %d chunks, %d scored\n", file, r.ppl, ppl,
		       100 * (r.ppl - ppl) / ppl, r.n_tokens, r.n_chunks, r.scored);
		assert_int_equal(r.n_tokens, ntok);
		assert_int_equal(r.n_chunks, nch);
		assert_int_equal(r.scored, nch * per);
		const double tol = strcmp(file, "stories260K-q8_0.gguf") == 0 ? 0.03 : 0.005;
		if (rel >= tol) {
			printf("  FAIL: more than %.1f%% from llama.cpp\n", 100 * tol);
			bad++;
		}
		/* aidreams260K F32 takes llama.cpp's tiled attention kernel and has
		 * no activation rounding: every running value within 4e-5 (measured
		 * 7.7e-6; F16-rounded Q in the dot with K gives 7e-5) */
		if (strcmp(file, "aidreams260K-f32.gguf") == 0) {
			const char *c = strrchr(line, '\t');
			assert_non_null(c);
			for (int k = 0; k < nch; k++) {
				char *end;
				const double want = strtod(c + 1, &end);
				assert_true(end != c + 1);
				printf("  chunk %d: %.4f llama.cpp %.4f\n", k + 1, r.running[k], want);
				assert_true(fabs(r.running[k] - want) <= 4e-5 * want);
				c = end;
			}
		}
		kolm_ppl_result_release(&r);
		kolm_engine_close(e);
		rows++;
	}
	fclose(fp);
	assert_int_equal(rows, 8);
	assert_int_equal(bad, 0);
}

/* The AVX2 dot products against the scalar reference for every type the
 * engine reads, on rows llama-quantize would make (kolm_quantize_rows). */
static void test_kernels(void **s)
{
	(void)s;
	enum { N = 512 };
	static float w[N], x[N], dq[N];
	static uint8_t q[N * 4];
	uint64_t st = 12345;
	for (int i = 0; i < N; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		w[i] = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		x[i] = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5) * 3;
	}
	const int types[] = {KOLM_T_F32, KOLM_T_F16, KOLM_T_BF16, KOLM_T_Q8_0, KOLM_T_Q4_0, KOLM_T_Q4_1,
			     KOLM_T_Q5_0, KOLM_T_Q5_1, KOLM_T_Q2_K, KOLM_T_Q3_K, KOLM_T_Q4_K, KOLM_T_Q5_K,
			     KOLM_T_Q6_K, KOLM_T_IQ4_NL, KOLM_T_IQ4_XS};
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		assert_int_equal(kolm_quantize_rows(types[t], w, q, 1, N), 0);
		assert_int_equal(kolm_dequantize_row(types[t], q, dq, N), 0);
		double exact = 0, mag = 0;
		for (int i = 0; i < N; i++) {
			exact += (double)dq[i] * x[i];
			mag += fabs((double)dq[i] * x[i]);
		}
		float a, b;
		assert_int_equal(kolm_engine_dot(types[t], q, x, N, 0, &a), 0);
		assert_int_equal(kolm_engine_dot(types[t], q, x, N, 1, &b), 0);
		/* simd vs scalar: same products, other summation order */
		assert_true(fabs((double)a - b) <= 1e-5 * mag);
		/* vs the exact dot of the dequantized row: activation rounding only
		 * (Q8 activations: |x| step / 254 per element) */
		assert_true(fabs((double)a - exact) <= 0.02 * mag);
	}
	float o;
	assert_int_equal(kolm_engine_dot(KOLM_T_Q8_0, q, x, 48, 0, &o), KOLM_E_USAGE);
	assert_int_equal(kolm_engine_dot(KOLM_T_COUNT, q, x, 32, 0, &o), KOLM_E_USAGE);
}

/* The attention helpers: the F16 accumulator steps are element-wise, so
 * the AVX2 and scalar versions must agree bit for bit (llama.cpp's
 * ggml_vec_mad_f16 is one fused multiply-add per element, rounded once to
 * F16); the F32-by-F16 dot only in summation order. */
static void test_attention_kernels(void **s)
{
	(void)s;
	if (!ek_have_simd())
		skip();
	enum { N = 77 };
	uint16_t acc0[N], acc1[N], v[N];
	float q[N];
	uint64_t st = 99;
	for (int i = 0; i < N; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		const float r = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
		acc0[i] = acc1[i] = kolm_fp32_to_fp16(r * 7);
		v[i] = kolm_fp32_to_fp16(r * r * 3 - 0.4f);
		q[i] = r * 2.5f;
	}
	const struct ek_ops simd = {.simd = 1}, ref = {.simd = 0};
	const float as[] = {0.9375f, 0.31830987f, 1.0f, 6.1e-5f};
	for (size_t k = 0; k < sizeof as / sizeof as[0]; k++) {
		ek_mad_f16(&simd, acc0, v, as[k], N);
		ek_mad_f16(&ref, acc1, v, as[k], N);
		assert_memory_equal(acc0, acc1, sizeof acc0);
		ek_scale_f16(&simd, acc0, as[k], N);
		ek_scale_f16(&ref, acc1, as[k], N);
		assert_memory_equal(acc0, acc1, sizeof acc0);
	}
	/* one more step against libm's correctly rounded fmaf */
	uint16_t want[N];
	for (int i = 0; i < N; i++)
		want[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), 0.7f, kolm_fp16_to_fp32(acc0[i])));
	ek_mad_f16(&simd, acc0, v, 0.7f, N);
	assert_memory_equal(acc0, want, sizeof want);
	double exact = 0, mag = 0;
	for (int i = 0; i < N; i++) {
		exact += (double)q[i] * kolm_fp16_to_fp32(v[i]);
		mag += fabs((double)q[i] * kolm_fp16_to_fp32(v[i]));
	}
	const float a = ek_dot_f32_f16(&simd, q, v, N), b = ek_dot_f32_f16(&ref, q, v, N);
	assert_true(fabs((double)a - exact) <= 1e-6 * mag);
	assert_true(fabs((double)b - exact) <= 1e-6 * mag);
}

/* Errors are values: bad token ids, a full context, a missing file, a file
 * that is not a model. */
static void test_errors(void **s)
{
	(void)s;
	char mp[1400];
	model_path(mp, sizeof mp, "aidreams260K-f32.gguf");
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts eo = {.nthreads = 1, .n_ctx = 8};
	struct kolm_err err = {0};
	assert_int_equal(kolm_engine_open(&e, mp, &eo, &err), 0);
	const struct kolm_engine_info *in = kolm_engine_info(e);
	assert_string_equal(in->arch, "llama");
	assert_int_equal(in->n_layer, 4);
	assert_int_equal(in->n_vocab, 512);
	assert_int_equal(in->n_ctx, 8);
	int32_t bad = 512, ok[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	assert_int_equal(kolm_engine_decode(e, &bad, 1, NULL, 0, &err), KOLM_E_USAGE);
	assert_int_equal(kolm_engine_decode(e, ok, 9, NULL, 0, &err), KOLM_E_TOOBIG);
	assert_int_equal(kolm_engine_decode(e, ok, 8, NULL, 0, &err), 0);
	assert_int_equal(kolm_engine_pos(e), 8);
	assert_int_equal(kolm_engine_decode(e, ok, 1, NULL, 0, &err), KOLM_E_TOOBIG);
	kolm_engine_seek(e, 2);
	assert_int_equal(kolm_engine_pos(e), 2);
	kolm_engine_close(e);
	kolm_engine_close(NULL);
	assert_int_equal(kolm_engine_open(&e, "/nonexistent/model.gguf", &eo, &err), KOLM_E_IO);
	char vp[1400];
	snprintf(vp, sizeof vp, "%s/models/vocab/ggml-vocab-gpt-2.gguf", shared);
	assert_int_not_equal(kolm_engine_open(&e, vp, &eo, &err), 0);
	assert_int_equal(err.code, KOLM_E_FORMAT);
}

/* Sampling: temperature 0 is argmax (lowest id on ties); a seed repeats. */
static void test_sampling(void **s)
{
	(void)s;
	float lg[8] = {0.1f, 2.0f, 2.0f, -1.0f, 0.5f, 1.9f, 0.0f, 1.0f};
	assert_int_equal(kolm_argmax(lg, 8), 1);
	struct kolm_sample_opts g = {.temp = 0};
	uint64_t r = kolm_sample_seed(1);
	assert_int_equal(kolm_sample(lg, 8, &g, &r), 1);
	struct kolm_sample_opts o = {.temp = 0.8f, .top_p = 0.9f, .top_k = 4};
	int seen[8] = {0};
	uint64_t r1 = kolm_sample_seed(42), r2 = kolm_sample_seed(42);
	for (int i = 0; i < 200; i++) {
		int a = kolm_sample(lg, 8, &o, &r1), b = kolm_sample(lg, 8, &o, &r2);
		assert_int_equal(a, b);
		seen[a]++;
	}
	/* top-k 4 keeps ids 1, 2, 5, 7 only */
	assert_int_equal(seen[0] + seen[3] + seen[4] + seen[6], 0);
	assert_true(seen[1] > 0 && seen[2] > 0);
}

int main(void)
{
	const char *sh = getenv("KOLM_SHARED");
	snprintf(shared, sizeof shared, "%s", sh ? sh : "../shared");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greedy_goldens),
		cmocka_unit_test(test_greedy_goldens_scalar),
		cmocka_unit_test(test_perplexity),
		cmocka_unit_test(test_kernels),
		cmocka_unit_test(test_attention_kernels),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sampling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
