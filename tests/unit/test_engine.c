/* test_engine.c - the built-in engine against llama.cpp's goldens
 * (tests/fixtures/models/golden): greedy continuations of the three golden prompts
 * token for token and perplexity the llama-perplexity way, equal to
 * llama.cpp's after every chunk, for all eight files with the SIMD and
 * the scalar kernels; the AVX2 dot products against the scalar reference,
 * sampling, and the error paths (bad token, full context, unsupported
 * file). */
#include <float.h>
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

#include "kolm/engine.h"
#include "kolm/eval.h"
#include "kolm/gguf.h"
#include "kolm/quant.h"
#include "kolm/tokenizer.h"
#include "kolm/types.h"
#include "engine/vec_internal.h"
#include "quant/kernels_internal.h"

static char fixtures[1024];

static void model_path(char *buf, size_t cap, const char *file)
{
	snprintf(buf, cap, "%s/models/gguf/%s", fixtures, file);
}

/* The golden records, loaded once. */
static json_t *records[32];
static int n_records;

static void load_records(void)
{
	if (n_records)
		return;
	char p[1200];
	snprintf(p, sizeof p, "%s/models/golden/completions.jsonl", fixtures);
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

static int first_diff(const int32_t *a, const json_t *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != (int32_t)json_integer_value(json_array_get(b, (size_t)i)))
			return i;
	return -1;
}

/* a golden GGUF with the goldens' n_ctx (128) and thread count (2); exact:
 * the goldens' build's rounding (else the fast default kernels) */
static struct kolm_engine *open_golden(const char *file, int scalar, int exact)
{
	char mp[1400];
	model_path(mp, sizeof mp, file);
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts eo = {.nthreads = 2, .n_ctx = 128, .scalar = scalar, .exact = exact};
	struct kolm_err err = {0};
	assert_int_equal(kolm_engine_open(&e, mp, &eo, &err), 0);
	return e;
}

/* The fast default sums F16 in F32 where the goldens' build rounds to F16,
 * so it is held to tolerances, and only on the files whose model predicts:
 * aidreams260K (perplexity 246 over a 512-token vocabulary).  stories260K's
 * perplexity on the same text is 58,000, a hundred times worse than
 * uniform guessing: its scores are confidently wrong logits whose
 * rounding-level changes move perplexity by percents (its own Q8_0 file is
 * 2.5% from its F32 one) and its greedy continuations are near-ties from
 * the first token; those are printed, not checked. */
static int predicts(const char *file)
{
	return strncmp(file, "aidreams", 8) == 0;
}

/* exact: every record token for token; fast: every record of a file that
 * predicts() */
static void run_goldens(int scalar, int exact)
{
	load_records();
	int full = 0, matched = 0, total = 0;
	int ran = 0;
	for (int ri = 0; ri < n_records; ri++) {
		json_t *r = records[ri];
		const char *file = json_string_value(json_object_get(r, "file"));
		ran++;
		int prompt = (int)json_integer_value(json_object_get(r, "prompt_index"));
		const json_t *pids = json_object_get(r, "prompt_ids");
		const json_t *gids = json_object_get(r, "argmax_gen_ids");
		int np = (int)json_array_size(pids), ng = (int)json_array_size(gids);
		struct kolm_engine *e = open_golden(file, scalar, exact);
		struct kolm_err err = {0};
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
		assert_int_equal(kolm_engine_decode(e, ids, n, lg, 0, &err), 0);
		for (int i = 0; i < ng; i++) {
			gen[i] = kolm_argmax(lg, in->n_vocab);
			if (i + 1 < ng)
				assert_int_equal(kolm_engine_decode(e, &gen[i], 1, lg, 0, &err), 0);
		}
		int d = first_diff(gen, gids, ng);
		printf("%-24s p%d %-6s %s: %2d of %2d tokens as llama.cpp%s\n", file, prompt, scalar ? "scalar" : in->simd,
		       exact ? "exact" : "fast", d < 0 ? ng : d, ng,
		       d < 0 ? "" : exact || predicts(file) ? "  FAIL" : " (not checked)");
		if (!exact && !predicts(file)) {
			ran--;
		} else {
			full += d < 0;
			matched += d < 0 ? ng : d;
		}
		total += exact || predicts(file) ? ng : 0;
		free(lg);
		free(ids);
		kolm_engine_close(e);
	}
	printf("%d of %d records identical over all tokens; %d of %d leading tokens agree\n", full, ran, matched, total);
	assert_int_equal(full, ran);
}

static void test_greedy_goldens(void **s)
{
	(void)s;
	run_goldens(0, 1);
}

static void test_greedy_goldens_scalar(void **s)
{
	(void)s;
	run_goldens(1, 1);
}

/* the fast default kernels (F16 summed in F32, Q4_0 in its plain order) */
static void test_greedy_goldens_fast(void **s)
{
	(void)s;
	run_goldens(0, 0);
}

/* llama-perplexity -c 64 on ppl-input.txt (its -f drops the final
 * newline): the same token and chunk counts as golden/perplexity.tsv, and
 * every running value equal to llama.cpp's after every chunk, to the last
 * printed digit, with the SIMD kernels and with the scalar ones. */
static void test_perplexity(void **s)
{
	(void)s;
	char p[1200];
	snprintf(p, sizeof p, "%s/models/golden/ppl-input.txt", fixtures);
	FILE *fp = fopen(p, "rb");
	assert_non_null(fp);
	char text[4096];
	size_t len = fread(text, 1, sizeof text, fp);
	fclose(fp);
	if (len && text[len - 1] == '\n')
		len--;
	snprintf(p, sizeof p, "%s/models/golden/perplexity.tsv", fixtures);
	fp = fopen(p, "r");
	assert_non_null(fp);
	char line[1024];
	int rows = 0;
	assert_non_null(fgets(line, sizeof line, fp));
	while (fgets(line, sizeof line, fp)) {
		char file[128];
		int nctx, batch, ntok, nch, per;
		double ppl;
		if (sscanf(line, "%127s %d %d %d %d %d %lf", file, &nctx, &batch, &ntok, &nch, &per, &ppl) != 7)
			continue;
		/* mode 0: SIMD exact, 1: scalar exact, 2: the fast default,
		 * which must come within 0.5% of llama.cpp's after every chunk
		 * (on the files that predict()) */
		for (int mode = 0; mode <= 2; mode++) {
			const int scalar = mode == 1, exact = mode < 2;
			struct kolm_engine *e = open_golden(file, scalar, exact);
			struct kolm_err err = {0};
			struct kolm_ppl_result r = {0};
			assert_int_equal(kolm_eval_perplexity(e, text, len, nctx, 0, &r, &err), 0);
			printf("%-24s ppl %.4f llama.cpp %.4f (%+.3f%%), %d tokens, %d chunks, %d scored%s\n", file, r.ppl, ppl,
			       100 * (r.ppl - ppl) / ppl, r.n_tokens, r.n_chunks, r.scored,
			       scalar ? " (scalar)" : exact ? "" : " (fast)");
			assert_int_equal(r.n_tokens, ntok);
			assert_int_equal(r.n_chunks, nch);
			assert_int_equal(r.scored, nch * per);
			const char *c = strrchr(line, '\t');
			assert_non_null(c);
			for (int k = 0; k < nch; k++) {
				char *end;
				const double want = strtod(c + 1, &end);
				assert_true(end != c + 1);
				printf("  chunk %d: %.4f llama.cpp %.4f\n", k + 1, r.running[k], want);
				if (exact)
					assert_true(fabs(r.running[k] - want) <= 0.5e-4 + 1e-12 * want);
				else if (predicts(file))
					assert_true(fabs(r.running[k] - want) <= 0.005 * want);
				c = end;
			}
			kolm_ppl_result_release(&r);
			kolm_engine_close(e);
		}
		rows++;
	}
	fclose(fp);
	assert_int_equal(rows, 8);
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

/* ---- other architectures ------------------------------------------------
 * No small qwen2 or phi3 file exists in tests/fixtures/, so aidreams260K F32 is
 * re-rendered as each with a forward pass that is mathematically the same:
 * q/k rows permuted into the rotate-half layout NEOX RoPE expects (README
 * "The permutation relation"), zero q/k/v biases for qwen2, fused qkv and
 * gate|up for phi3.  llama.cpp's goldens for the llama file are then goldens
 * for these: the test runs the NEOX RoPE, bias and fused-weight paths. */
struct vt {
	char name[64];
	int64_t ne0, ne1;
	float *d;
};

/* rows of a [rows x cols] F32 matrix, head by head, interleaved pairs
 * (2i, 2i+1) -> halves (i, i + hd/2) */
static void permute_rows(const float *src, float *dst, int64_t rows, int64_t cols, int hd)
{
	for (int64_t h = 0; h < rows / hd; h++)
		for (int i = 0; i < hd / 2; i++)
			for (int j = 0; j < 2; j++)
				memcpy(dst + (h * hd + j * (hd / 2) + i) * cols, src + (h * hd + 2 * i + j) * cols,
				       (size_t)cols * sizeof *dst);
}

static void write_rendering(const char *src, const char *dst, const char *arch)
{
	struct kolm_err err = {0};
	struct kolm_gguf *g = NULL;
	assert_int_equal(kolm_gguf_open(&g, src, &err), 0);
	struct kolm_gguf_writer *w = NULL;
	assert_int_equal(kolm_gguf_writer_new(&w, 32, &err), 0);
	for (int64_t i = 0; i < kolm_gguf_kv_count(g); i++) {
		const struct kolm_gguf_kv *kv = kolm_gguf_kv_at(g, i);
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)kv->key.len, kv->key.p);
		if (!strcmp(key, "general.architecture")) {
			assert_int_equal(kolm_gguf_writer_kv_str(w, key, arch), 0);
		} else if (!strncmp(key, "llama.", 6)) {
			char nk[160];
			snprintf(nk, sizeof nk, "%s.%s", arch, key + 6);
			if (kv->type == KOLM_GGUF_F32) {
				float f;
				memcpy(&f, kv->val, 4);
				assert_int_equal(kolm_gguf_writer_kv_f32(w, nk, f), 0);
			} else {
				assert_int_equal(kv->type, KOLM_GGUF_U32);
				uint32_t u;
				memcpy(&u, kv->val, 4);
				assert_int_equal(kolm_gguf_writer_kv_u32(w, nk, u), 0);
			}
		} else {
			assert_int_equal(kolm_gguf_writer_kv_copy(w, kv), 0);
		}
	}
	int64_t n_head = 0, n_head_kv = 0, n_embd = 0;
	assert_int_equal(kolm_gguf_get_i64(g, "llama.attention.head_count", &n_head), 0);
	assert_int_equal(kolm_gguf_get_i64(g, "llama.attention.head_count_kv", &n_head_kv), 0);
	assert_int_equal(kolm_gguf_get_i64(g, "llama.embedding_length", &n_embd), 0);
	const int hd = (int)(n_embd / n_head);
	const int phi3 = !strcmp(arch, "phi3");
	static struct vt out[128];
	int n = 0;
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		assert_int_equal(t->type, KOLM_T_F32);
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.p);
		int layer = -1;
		char part[48] = "";
		if (sscanf(name, "blk.%d.%47s", &layer, part) != 2)
			layer = -1;
		const float *td = (const float *)(const void *)t->data;
		const int64_t ne0 = t->ne[0], ne1 = t->n_dims > 1 ? t->ne[1] : 1;
		struct vt *v = &out[n];
		int is_q = !strcmp(part, "attn_q.weight"), is_k = !strcmp(part, "attn_k.weight");
		if (phi3 && (is_q || is_k || !strcmp(part, "attn_v.weight") || !strcmp(part, "ffn_gate.weight") ||
			     !strcmp(part, "ffn_up.weight")))
			continue; /* fused below, after attn_k / ffn_gate's layer is complete */
		snprintf(v->name, sizeof v->name, "%s", name);
		v->ne0 = ne0;
		v->ne1 = ne1;
		v->d = malloc((size_t)(ne0 * ne1) * sizeof *v->d);
		assert_non_null(v->d);
		if (is_q || is_k)
			permute_rows(td, v->d, ne1, ne0, hd);
		else
			memcpy(v->d, td, (size_t)(ne0 * ne1) * sizeof *v->d);
		n++;
		if (layer >= 0 && !strcmp(part, "attn_norm.weight")) {
			/* this layer's extra tensors, next to its norm */
			char tn[64];
			if (phi3) {
				const struct kolm_gguf_tensor *q, *k, *vv, *ga, *up;
				snprintf(tn, sizeof tn, "blk.%d.attn_q.weight", layer);
				q = kolm_gguf_tensor_find(g, tn);
				snprintf(tn, sizeof tn, "blk.%d.attn_k.weight", layer);
				k = kolm_gguf_tensor_find(g, tn);
				snprintf(tn, sizeof tn, "blk.%d.attn_v.weight", layer);
				vv = kolm_gguf_tensor_find(g, tn);
				snprintf(tn, sizeof tn, "blk.%d.ffn_gate.weight", layer);
				ga = kolm_gguf_tensor_find(g, tn);
				snprintf(tn, sizeof tn, "blk.%d.ffn_up.weight", layer);
				up = kolm_gguf_tensor_find(g, tn);
				assert_true(q && k && vv && ga && up);
				struct vt *f = &out[n++];
				snprintf(f->name, sizeof f->name, "blk.%d.attn_qkv.weight", layer);
				f->ne0 = n_embd;
				f->ne1 = q->ne[1] + k->ne[1] + vv->ne[1];
				f->d = malloc((size_t)(f->ne0 * f->ne1) * sizeof *f->d);
				assert_non_null(f->d);
				permute_rows((const float *)(const void *)q->data, f->d, q->ne[1], n_embd, hd);
				permute_rows((const float *)(const void *)k->data, f->d + q->ne[1] * n_embd, k->ne[1], n_embd,
					     hd);
				memcpy(f->d + (q->ne[1] + k->ne[1]) * n_embd, vv->data, (size_t)vv->nbytes);
				f = &out[n++];
				snprintf(f->name, sizeof f->name, "blk.%d.ffn_up.weight", layer);
				f->ne0 = ga->ne[0];
				f->ne1 = ga->ne[1] + up->ne[1];
				f->d = malloc((size_t)(f->ne0 * f->ne1) * sizeof *f->d);
				assert_non_null(f->d);
				memcpy(f->d, ga->data, (size_t)ga->nbytes);
				memcpy(f->d + ga->ne[0] * ga->ne[1], up->data, (size_t)up->nbytes);
			} else {
				const char *bn[3] = {"attn_q.bias", "attn_k.bias", "attn_v.bias"};
				for (int b = 0; b < 3; b++) {
					struct vt *f = &out[n++];
					snprintf(f->name, sizeof f->name, "blk.%d.%s", layer, bn[b]);
					f->ne0 = b == 0 ? n_head * hd : n_head_kv * hd;
					f->ne1 = 1;
					f->d = calloc((size_t)f->ne0, sizeof *f->d);
					assert_non_null(f->d);
				}
			}
		}
	}
	for (int i = 0; i < n; i++) {
		const int64_t ne[2] = {out[i].ne0, out[i].ne1};
		assert_int_equal(kolm_gguf_writer_tensor(w, out[i].name, KOLM_T_F32, ne, out[i].ne1 > 1 ? 2 : 1), 0);
	}
	assert_int_equal(kolm_gguf_writer_begin(w, dst, &err), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(
			kolm_gguf_writer_data(w, out[i].d, (size_t)(out[i].ne0 * out[i].ne1) * sizeof(float), &err), 0);
		free(out[i].d);
	}
	assert_int_equal(kolm_gguf_writer_finish(w, NULL, &err), 0);
	kolm_gguf_writer_free(w);
	kolm_gguf_close(g);
}

static void test_other_architectures(void **s)
{
	(void)s;
	load_records();
	char src[1400], dir[] = "/tmp/kolm-arch-XXXXXX";
	model_path(src, sizeof src, "aidreams260K-f32.gguf");
	assert_non_null(mkdtemp(dir));
	char text[4096];
	size_t len = 0;
	{
		char p[1200];
		snprintf(p, sizeof p, "%s/models/golden/ppl-input.txt", fixtures);
		FILE *fp = fopen(p, "rb");
		assert_non_null(fp);
		len = fread(text, 1, sizeof text, fp);
		fclose(fp);
		if (len && text[len - 1] == '\n')
			len--;
	}
	static const double want_ppl = 245.9646; /* golden/perplexity.tsv, aidreams260K-f32 */
	const char *arches[] = {"qwen2", "phi3"};
	for (int a = 0; a < 2; a++) {
		char dst[1500];
		snprintf(dst, sizeof dst, "%s/aidreams260K-%s.gguf", dir, arches[a]);
		write_rendering(src, dst, arches[a]);
		struct kolm_err err = {0};
		struct kolm_engine *e = NULL;
		struct kolm_engine_opts eo = {.nthreads = 2, .n_ctx = 128, .exact = 1};
		assert_int_equal(kolm_engine_open(&e, dst, &eo, &err), 0);
		const struct kolm_engine_info *in = kolm_engine_info(e);
		assert_string_equal(in->arch, arches[a]);
		assert_true(in->rope_neox);
		int same = 0, total = 0;
		for (int prompt = 0; prompt < 3; prompt++) {
			const json_t *r = record_for("aidreams260K-f32.gguf", prompt);
			const json_t *pids = json_object_get(r, "prompt_ids"), *gids = json_object_get(r, "argmax_gen_ids");
			int32_t ids[64];
			const int np = (int)json_array_size(pids), ng = (int)json_array_size(gids);
			for (int i = 0; i < np; i++)
				ids[i] = (int32_t)json_integer_value(json_array_get(pids, (size_t)i));
			float *lg = malloc((size_t)in->n_vocab * sizeof *lg);
			kolm_engine_seek(e, 0);
			assert_int_equal(kolm_engine_decode(e, ids, np, lg, 0, &err), 0);
			for (int i = 0; i < ng; i++) {
				int32_t t = kolm_argmax(lg, in->n_vocab);
				same += t == (int32_t)json_integer_value(json_array_get(gids, (size_t)i));
				total++;
				if (i + 1 < ng)
					assert_int_equal(kolm_engine_decode(e, &t, 1, lg, 0, &err), 0);
			}
			free(lg);
		}
		kolm_engine_seek(e, 0);
		struct kolm_ppl_result pr = {0};
		assert_int_equal(kolm_eval_perplexity(e, text, len, 64, 0, &pr, &err), 0);
		printf("aidreams260K as %-6s: %d of %d greedy tokens as llama.cpp's llama file, ppl %.4f (llama.cpp %.4f, "
		       "%+.4f%%)\n",
		       arches[a], same, total, pr.ppl, want_ppl, 100 * (pr.ppl - want_ppl) / want_ppl);
		assert_int_equal(same, total);
		assert_true(fabs(pr.ppl - want_ppl) <= 1e-4 * want_ppl);
		kolm_ppl_result_release(&pr);
		kolm_engine_close(e);
		assert_int_equal(remove(dst), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* The attention and SwiGLU helpers follow one operation order in every ISA,
 * so the AVX2 (or NEON) and scalar versions must agree bit for bit:
 * - the F16 accumulator steps (llama.cpp's ggml_vec_mad_f16 is one fused
 *   multiply-add per element, rounded once to F16);
 * - the tiled attention's scores: one fused multiply-add chain per cell;
 * - ggml_v_expf-based softmax and SwiGLU, which must also stay within 2 ulp
 *   of the C library's expf (the polynomial's documented 1.5 ulp). */
static float ulp_diff(float a, float b)
{
	return fabsf(a - b) / fmaxf(fabsf(nextafterf(b, INFINITY) - b), FLT_MIN);
}

static void test_attention_kernels(void **s)
{
	(void)s;
	if (!kq_kernels_simd())
		skip();
	enum { N = 77, HD = 24, LD = 80 };
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
	const int simd = 1, ref = 0;
	const float as[] = {0.9375f, 0.31830987f, 1.0f, 6.1e-5f};
	for (size_t k = 0; k < sizeof as / sizeof as[0]; k++) {
		ek_mad_f16(acc0, v, as[k], N, simd);
		ek_mad_f16(acc1, v, as[k], N, ref);
		assert_memory_equal(acc0, acc1, sizeof acc0);
		ek_scale_f16(acc0, as[k], N, simd);
		ek_scale_f16(acc1, as[k], N, ref);
		assert_memory_equal(acc0, acc1, sizeof acc0);
	}
	/* one more step against libm's correctly rounded fmaf */
	uint16_t want[N];
	for (int i = 0; i < N; i++)
		want[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), 0.7f, kolm_fp16_to_fp32(acc0[i])));
	ek_mad_f16(acc0, v, 0.7f, N, simd);
	assert_memory_equal(acc0, want, sizeof want);

	/* scores: kt[d * LD + c], every cell count up to a full tile */
	static float kt[HD * LD];
	for (int i = 0; i < HD * LD; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		kt[i] = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5) * 3;
	}
	for (int nc = 1; nc <= 64; nc++) {
		float s0[64], s1[64];
		ek_kq_seq(q, kt + 3, LD, HD, nc, s0, simd);
		ek_kq_seq(q, kt + 3, LD, HD, nc, s1, ref);
		assert_memory_equal(s0, s1, (size_t)nc * sizeof *s0);
		float w = 0;
		for (int d = 0; d < HD; d++)
			w = fmaf(kt[d * LD + 3 + nc - 1], q[d], w);
		assert_true(s0[nc - 1] == w);
	}
	/* softmax over a tile with masked cells and a wide range */
	float sc[64], p0[64], p1[64];
	for (int i = 0; i < 64; i++)
		sc[i] = i % 7 == 3 ? -INFINITY : (float)(i - 40) * 0.73f + q[i] * 9;
	const double m0 = ek_softmax16(p0, sc, 12.5f, 64, simd), m1 = ek_softmax16(p1, sc, 12.5f, 64, ref);
	assert_memory_equal(p0, p1, sizeof p0);
	assert_true(m0 == m1);
	double sum = 0;
	for (int i = 0; i < 64; i++) {
		if (sc[i] == -INFINITY)
			assert_true(p0[i] == 0.0f);
		else
			assert_true(ulp_diff(p0[i], expf(sc[i] - 12.5f)) <= 2);
		sum += p0[i];
	}
	assert_true(fabs(m0 - sum) <= 1e-6 * sum);
	/* SwiGLU: 16-element groups through the polynomial, the tail through expf */
	float x[N], g[N], y0[N], y1[N];
	for (int i = 0; i < N; i++) {
		x[i] = q[i] * 12 - 3;
		g[i] = q[N - 1 - i] + 0.25f;
	}
	x[5] = -120.0f; /* exp(120) overflows the fast path: the scalar one takes it */
	ek_swiglu(x, g, y0, N, simd);
	ek_swiglu(x, g, y1, N, ref);
	assert_memory_equal(y0, y1, sizeof y0);
	for (int i = 0; i < N; i++) {
		const float libm = x[i] / (1.0f + expf(-x[i])) * g[i];
		if (i >= N / 16 * 16)
			assert_true(y0[i] == libm);
		else
			assert_true(ulp_diff(y0[i], libm) <= 4);
	}
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
	snprintf(vp, sizeof vp, "%s/models/vocab/ggml-vocab-gpt-2.gguf", fixtures);
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
	const char *sh = getenv("KOLM_FIXTURES");
	snprintf(fixtures, sizeof fixtures, "%s", sh ? sh : "tests/fixtures");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greedy_goldens),
		cmocka_unit_test(test_greedy_goldens_scalar),
		cmocka_unit_test(test_greedy_goldens_fast),
		cmocka_unit_test(test_perplexity),
		cmocka_unit_test(test_kernels),
		cmocka_unit_test(test_attention_kernels),
		cmocka_unit_test(test_other_architectures),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sampling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
