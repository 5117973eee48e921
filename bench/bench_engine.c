/* bench_engine.c - decode speed of kolm's engine on a synthetic ~1B-parameter
 * llama-shaped model (Llama-3.2-1B-like: 16 layers, 2048 wide, 8192 FFN,
 * 32/8 heads, 32000 vocabulary, untied output) in Q8_0 and Q4_0, against
 * this machine's memory read bandwidth measured in the same run (a
 * read-only AVX2 sum over a 1 GiB buffer, 2 threads).
 *
 * Decode is memory bound: every token reads every weight once, so the
 * bound is bandwidth / bytes-per-token.  The program prints, per type, the
 * tok/s measured with 2 threads and the fraction of that bound reached
 * (targets: >= 50% for Q8_0, >= 35% for Q4_0).  A Q4_K_M-shaped model
 * (Q4_K, with Q6_K for attn_v, ffn_down and the output, as llama.cpp's
 * Q4_K_M recipe does for most layers) is reported too, without a target.
 *
 * The models are generated here (random blocks with small scales, written
 * with kolm's GGUF writer) into $TMPDIR (default /tmp) and removed after.
 * usage: bench_engine [-t THREADS] [-n TOKENS] [--keep] [--bandwidth]
 * (--bandwidth: print the engine's kernel ISA and the read bandwidth only,
 * for bench/vs-llama)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kolm/engine.h"
#include "kolm/gguf.h"
#include "kolm/types.h"

enum { N_EMBD = 2048, N_LAYER = 16, N_HEAD = 32, N_KV = 8, N_FF = 8192, N_VOCAB = 32000 };

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static inline uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* fill n bytes of `type` blocks: random quants, small fp16 scales (where
 * the block keeps them: d first, then dmin for Q4_K; d last for Q6_K) */
static void fill_blocks(int type, uint8_t *p, size_t n)
{
	const size_t bs = (size_t)kolm_type_traits(type)->type_size;
	const uint16_t d = kolm_fp32_to_fp16(type == KOLM_T_Q8_0 ? 0.0004f : type == KOLM_T_Q4_0 ? 0.006f : 0.0002f);
	for (size_t i = 0; i + bs <= n; i += bs) {
		for (size_t k = 0; k < bs; k += 8) {
			uint64_t v = next();
			memcpy(p + i + k, &v, bs - k < 8 ? bs - k : 8);
		}
		const size_t at[2] = {type == KOLM_T_Q6_K ? bs - 2 : 0, type == KOLM_T_Q4_K ? 2 : (size_t)-1};
		for (int j = 0; j < 2; j++)
			if (at[j] != (size_t)-1) {
				p[i + at[j]] = (uint8_t)(d & 0xff);
				p[i + at[j] + 1] = (uint8_t)(d >> 8);
			}
	}
}

/* the type of a weight in a model of `wtype` (Q4_K: a Q4_K_M mix) */
static int type_for(int wtype, const char *name)
{
	if (wtype == KOLM_T_Q4_K && (strstr(name, "attn_v") || strstr(name, "ffn_down") || !strcmp(name, "output.weight")))
		return KOLM_T_Q6_K;
	return wtype;
}

struct tdesc {
	char name[64];
	int type;
	int64_t ne[2];
	int nd;
};

static int make_model(const char *path, int wtype, uint64_t *bytes_per_token)
{
	struct kolm_err err = {0};
	struct kolm_gguf_writer *w = NULL;
	if (kolm_gguf_writer_new(&w, 32, &err))
		return -1;
	kolm_gguf_writer_kv_str(w, "general.architecture", "llama");
	kolm_gguf_writer_kv_str(w, "general.name", "kolm-synthetic-1b");
	kolm_gguf_writer_kv_u32(w, "general.file_type", wtype == KOLM_T_Q8_0 ? 7 : wtype == KOLM_T_Q4_0 ? 2 : 15);
	kolm_gguf_writer_kv_u32(w, "llama.context_length", 2048);
	kolm_gguf_writer_kv_u32(w, "llama.embedding_length", N_EMBD);
	kolm_gguf_writer_kv_u32(w, "llama.block_count", N_LAYER);
	kolm_gguf_writer_kv_u32(w, "llama.feed_forward_length", N_FF);
	kolm_gguf_writer_kv_u32(w, "llama.attention.head_count", N_HEAD);
	kolm_gguf_writer_kv_u32(w, "llama.attention.head_count_kv", N_KV);
	kolm_gguf_writer_kv_u32(w, "llama.rope.dimension_count", N_EMBD / N_HEAD);
	kolm_gguf_writer_kv_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
	kolm_gguf_writer_kv_f32(w, "llama.rope.freq_base", 500000.0f);
	static struct tdesc t[3 + N_LAYER * 9];
	int nt = 0;
	const int64_t nkv = N_KV * (N_EMBD / N_HEAD);
#define T(nm, ty, a, b, d) do { snprintf(t[nt].name, sizeof t[nt].name, "%s", nm); \
	t[nt].type = ty == KOLM_T_F32 ? ty : type_for(ty, nm); \
	t[nt].ne[0] = a; t[nt].ne[1] = b; t[nt].nd = d; nt++; } while (0)
	T("token_embd.weight", wtype, N_EMBD, N_VOCAB, 2);
	T("output_norm.weight", KOLM_T_F32, N_EMBD, 1, 1);
	T("output.weight", wtype, N_EMBD, N_VOCAB, 2);
	for (int l = 0; l < N_LAYER; l++) {
		char nm[64];
#define L(s, ty, a, b, d) do { snprintf(nm, sizeof nm, "blk.%d.%s", l, s); T(nm, ty, a, b, d); } while (0)
		L("attn_norm.weight", KOLM_T_F32, N_EMBD, 1, 1);
		L("attn_q.weight", wtype, N_EMBD, N_EMBD, 2);
		L("attn_k.weight", wtype, N_EMBD, nkv, 2);
		L("attn_v.weight", wtype, N_EMBD, nkv, 2);
		L("attn_output.weight", wtype, N_EMBD, N_EMBD, 2);
		L("ffn_norm.weight", KOLM_T_F32, N_EMBD, 1, 1);
		L("ffn_gate.weight", wtype, N_EMBD, N_FF, 2);
		L("ffn_up.weight", wtype, N_EMBD, N_FF, 2);
		L("ffn_down.weight", wtype, N_FF, N_EMBD, 2);
	}
	*bytes_per_token = 0;
	for (int i = 0; i < nt; i++) {
		int64_t ne[4] = {t[i].ne[0], t[i].ne[1], 1, 1};
		if (kolm_gguf_writer_tensor(w, t[i].name, t[i].type, ne, t[i].nd))
			return -1;
		if (strcmp(t[i].name, "token_embd.weight") != 0)
			*bytes_per_token += kolm_type_tensor_bytes(t[i].type, ne, t[i].nd);
	}
	if (kolm_gguf_writer_begin(w, path, &err)) {
		fprintf(stderr, "bench_engine: %s\n", err.msg);
		kolm_gguf_writer_free(w);
		return -1;
	}
	const size_t chunk = 16u << 20;
	uint8_t *buf = malloc(chunk);
	for (int i = 0; i < nt; i++) {
		int64_t ne[4] = {t[i].ne[0], t[i].ne[1], 1, 1};
		uint64_t left = kolm_type_tensor_bytes(t[i].type, ne, t[i].nd);
		const uint64_t rb = kolm_type_row_bytes(t[i].type, t[i].ne[0]);
		while (left) {
			size_t n = left < chunk ? (size_t)left : (size_t)(chunk / rb * rb);
			if (t[i].type == KOLM_T_F32)
				for (size_t k = 0; k < n / 4; k++)
					((float *)(void *)buf)[k] = 1.0f;
			else
				fill_blocks(t[i].type, buf, n);
			if (kolm_gguf_writer_data(w, buf, n, &err)) {
				fprintf(stderr, "bench_engine: %s\n", err.msg);
				free(buf);
				kolm_gguf_writer_free(w);
				return -1;
			}
			left -= n;
		}
	}
	free(buf);
	int rc = kolm_gguf_writer_finish(w, NULL, &err);
	kolm_gguf_writer_free(w);
	if (rc)
		fprintf(stderr, "bench_engine: %s\n", err.msg);
	return rc;
}

/* ---- read bandwidth ------------------------------------------------------ */
struct bw_arg {
	const uint8_t *p;
	size_t n;
	uint64_t sum;
};

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint8_t *p, size_t n)
{
	__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
	for (size_t i = 0; i + 128 <= n; i += 128) {
		a0 = _mm256_add_epi64(a0, _mm256_load_si256((const __m256i *)(const void *)(p + i)));
		a1 = _mm256_add_epi64(a1, _mm256_load_si256((const __m256i *)(const void *)(p + i + 32)));
		a2 = _mm256_add_epi64(a2, _mm256_load_si256((const __m256i *)(const void *)(p + i + 64)));
		a3 = _mm256_add_epi64(a3, _mm256_load_si256((const __m256i *)(const void *)(p + i + 96)));
	}
	a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
	uint64_t o[4];
	_mm256_storeu_si256((__m256i *)(void *)o, a0);
	return o[0] + o[1] + o[2] + o[3];
}
#endif

static void *bw_worker(void *arg)
{
	struct bw_arg *a = arg;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2")) {
		a->sum = sum_avx2(a->p, a->n);
		return NULL;
	}
#endif
	const uint64_t *q = (const uint64_t *)(const void *)a->p;
	uint64_t s = 0;
	for (size_t i = 0; i < a->n / 8; i++)
		s += q[i];
	a->sum = s;
	return NULL;
}

static double read_bandwidth(int threads)
{
	const size_t n = 1u << 30;
	uint8_t *buf = aligned_alloc(64, n);
	if (!buf)
		return 0;
	for (size_t i = 0; i < n; i += 4096)
		memset(buf + i, (int)(i >> 12), 4096);
	double best = 0;
	for (int rep = 0; rep < 5; rep++) {
		pthread_t th[16];
		struct bw_arg a[16];
		double t0 = now_s();
		for (int i = 0; i < threads; i++) {
			a[i] = (struct bw_arg){buf + n / threads * i, n / threads, 0};
			pthread_create(&th[i], NULL, bw_worker, &a[i]);
		}
		uint64_t s = 0;
		for (int i = 0; i < threads; i++) {
			pthread_join(th[i], NULL);
			s += a[i].sum;
		}
		double bw = (double)n / (now_s() - t0);
		if (bw > best)
			best = bw;
		if (s == 42)
			printf(" ");
	}
	free(buf);
	return best;
}

static double decode_tps(const char *path, int threads, int ntok)
{
	struct kolm_err err = {0};
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts o = {.nthreads = threads, .n_ctx = ntok + 8};
	if (kolm_engine_open(&e, path, &o, &err)) {
		fprintf(stderr, "bench_engine: %s\n", err.msg);
		return 0;
	}
	float *lg = malloc(N_VOCAB * sizeof *lg);
	int32_t tok = 1;
	for (int i = 0; i < 4; i++) { /* warm-up: page the weights in */
		kolm_engine_decode(e, &tok, 1, lg, 0, &err);
		tok = kolm_argmax(lg, N_VOCAB);
	}
	double t0 = now_s();
	for (int i = 0; i < ntok; i++) {
		kolm_engine_decode(e, &tok, 1, lg, 0, &err);
		tok = kolm_argmax(lg, N_VOCAB);
	}
	double tps = ntok / (now_s() - t0);
	free(lg);
	kolm_engine_close(e);
	return tps;
}

int main(int argc, char **argv)
{
	int threads = 2, ntok = 16, keep = 0, bw_only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bandwidth"))
			bw_only = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			ntok = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--keep"))
			keep = 1;
		else {
			fprintf(stderr, "usage: bench_engine [-t THREADS] [-n TOKENS] [--keep] [--bandwidth]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 16 || ntok < 1)
		return 2;
	if (bw_only) { /* bench/vs-llama: the engine's ISA and the bound, nothing else */
		printf("isa %s\nread_bandwidth_gbs %.2f\n", kolm_engine_simd_name(), read_bandwidth(threads) / 1e9);
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	printf("kolm engine decode vs memory read bandwidth (%s, %d threads)\n", kolm_engine_simd_name(), threads);
	double bw = read_bandwidth(threads);
	printf("read bandwidth: %.2f GB/s (AVX2 sum over 1 GiB, %d threads, best of 5)\n", bw / 1e9, threads);
	const int types[3] = {KOLM_T_Q8_0, KOLM_T_Q4_0, KOLM_T_Q4_K};
	const double target[3] = {0.50, 0.35, 0};
	int ok = 1;
	for (int k = 0; k < 3; k++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/kolm-synth-1b-%s.%d.gguf", tmp, kolm_type_name(types[k]), (int)getpid());
		uint64_t bpt = 0;
		double t0 = now_s();
		if (make_model(path, types[k], &bpt)) {
			fprintf(stderr, "bench_engine: cannot write %s\n", path);
			return 4;
		}
		double gen_s = now_s() - t0;
		double tps = decode_tps(path, threads, ntok);
		double bound = bw / (double)bpt;
		double frac = tps / bound;
		char tgt[48] = "no target";
		if (target[k] > 0)
			snprintf(tgt, sizeof tgt, "target >= %.0f%%", 100 * target[k]);
		printf("%-6s %.2f GB read per token (file made in %.1f s): %.2f tok/s, bound %.2f tok/s -> %.1f%% of "
		       "bandwidth (%s)%s\n", types[k] == KOLM_T_Q4_K ? "Q4_K_M" : kolm_type_name(types[k]),
		       (double)bpt / 1e9, gen_s, tps, bound, 100 * frac, tgt, frac >= target[k] ? "" : "  BELOW TARGET");
		ok &= frac >= target[k];
		if (!keep)
			unlink(path);
		else
			printf("      kept %s\n", path);
	}
	return ok ? 0 : 1;
}
