/*
 * engine.h - kolm's built-in CPU inference engine for llama-family GGUF
 * files (architectures llama, mistral, qwen2, qwen3, phi3, gemma2).
 *
 * Model: the GGUF is mmap'd (kolm_gguf_open) and weights are used in place
 * in their stored type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
 * Q2_K..Q6_K, IQ4_NL, IQ4_XS.  The forward pass follows llama.cpp's graph
 * (llama-model.cpp) and ggml's CPU rounding:
 *
 *   x = token_embd[tok]                      (gemma2: * sqrt(n_embd))
 *   per layer:  h = rmsnorm(x) * attn_norm
 *               q,k,v = Wq h, Wk h, Wv h      (+ bias: qwen2; fused qkv: phi3)
 *               q,k = rmsnorm per head        (qwen3)
 *               q,k = rope(q,k, pos)          (NORM pairs: llama/mistral;
 *                                             NEOX halves: qwen2/qwen3/phi3/gemma2;
 *                                             rope_freqs.weight = llama-3 scaling;
 *                                             phi3: LongRoPE short/long factors by
 *                                             context, cos and sin * attn_factor)
 *               q *= 1/sqrt(d)                (phi3, gemma2; the others scale q k^T instead)
 *               a = softmax(q k^T / sqrt(d)) v  over the f16 KV cache (GQA;
 *                                             gemma2: tanh soft-cap, sliding window)
 *               x += Wo a                     (gemma2: rmsnorm(Wo a) * post_attention_norm)
 *               h = rmsnorm(x) * ffn_norm
 *               x += Wdown (act(Wgate h) * Wup h)   act = SiLU, gemma2: GELU(tanh) (ggml's F16 table)
 *   logits = Woutput (rmsnorm(x) * output_norm)     (gemma2: final soft-cap)
 *
 * Matrix-vector products are split by rows over a pthread pool.  Each row is
 * dotted with the activations in ggml's vec_dot_type for that weight type
 * (Q8_0-quantized activations for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K
 * for the k-quants, F16 for F16 ...), with integer dot products for the
 * quantized types and F32 sums for F16 (opts.exact: one llama.cpp build's
 * rounding instead).
 *
 * Ownership: kolm_engine_open returns a heap object freed by
 * kolm_engine_close (accepts NULL).  The tokenizer and info returned are
 * borrowed and live until close.  An engine is not thread-safe: one caller
 * at a time (it runs its own threads inside).
 */
#ifndef KOLM_ENGINE_H
#define KOLM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_tokenizer;
struct kolm_engine;

struct kolm_engine_opts {
	int nthreads;   /* worker threads including the caller; <= 0: 1 */
	int n_ctx;      /* KV cache positions; <= 0: the model's context length, capped at 4096 */
	int scalar;     /* 1: scalar reference kernels only (tests) */
	int exact;      /* 1: the rounding of the llama.cpp build the frozen goldens
	                 * come from (x86 AVX512-FP16), bit for bit: F16 dots in F16
	                 * arithmetic, Q4_0/IQ4_NL in its repacked order, F32/F16
	                 * prompts in tinyBLAS's order.  Slower; for the goldens'
	                 * tests.  0 (default): the fastest kernels of this CPU,
	                 * F16 summed in F32 as llama.cpp's AVX2/AVX-512F builds do */
};

struct kolm_engine_info {
	char arch[32];         /* general.architecture */
	int n_vocab;
	int n_embd;
	int n_layer;
	int n_head;
	int n_head_kv;
	int head_dim;
	int n_ff;
	int n_rot;             /* rotated dimensions per head */
	int rope_neox;         /* 1: NEOX (halves) rotation, 0: NORM (adjacent pairs) */
	int n_ctx_train;       /* <arch>.context_length */
	int n_ctx;             /* KV cache positions */
	int file_type;         /* general.file_type, -1 if absent */
	char format[24];       /* an MLX directory's format id (mlx-4bit, ...); "" for a GGUF */
	int64_t n_params;      /* elements of all tensors */
	uint64_t weight_bytes; /* bytes of all tensors */
	const char *simd;      /* "avx512", "avx2", "neon" or "scalar" */
};

int kolm_engine_open(struct kolm_engine **out, const char *path, const struct kolm_engine_opts *opts,
		     struct kolm_err *err);
void kolm_engine_close(struct kolm_engine *e);

const struct kolm_engine_info *kolm_engine_info(const struct kolm_engine *e);
/* The model's tokenizer (borrowed). */
const struct kolm_tokenizer *kolm_engine_tokenizer(const struct kolm_engine *e);

/* Positions currently in the KV cache. */
int kolm_engine_pos(const struct kolm_engine *e);
/* Forget cache positions >= pos (0 starts a new sequence). */
void kolm_engine_seek(struct kolm_engine *e, int pos);

/* Run n tokens at positions pos..pos+n-1 (pos = kolm_engine_pos) as one
 * batch and append them to the cache.  logits: n_vocab floats for the last
 * token, or n * n_vocab (row-major) when all != 0; may be NULL.
 * KOLM_E_TOOBIG when the cache would overflow, KOLM_E_USAGE for a token id
 * outside the vocabulary. */
int kolm_engine_decode(struct kolm_engine *e, const int32_t *tokens, int n, float *logits, int all,
		       struct kolm_err *err);

/* ---- sampling --------------------------------------------------------- */
struct kolm_sample_opts {
	float temp;     /* <= 0: greedy (lowest id among equal maxima) */
	float top_p;    /* 0 < top_p <= 1 (1: off) */
	int top_k;      /* <= 0: off */
	uint64_t seed;
};

/* Lowest index of the largest value. */
int kolm_argmax(const float *x, int n);
/* Sample one token; *rng is the xorshift state (seed it with
 * kolm_sample_seed).  scratch: 2*n floats-sized area (NULL: allocated). */
int kolm_sample(const float *logits, int n, const struct kolm_sample_opts *o, uint64_t *rng);
uint64_t kolm_sample_seed(uint64_t seed);

/* ---- kernels (tests, benchmarks) --------------------------------------- */
/* One weight row of `wtype` (n elements) dotted with x the way the engine
 * does it (x converted to the type's activation format first), with the
 * scalar reference (simd = 0) or the fast path (simd = 1, if present).
 * KOLM_E_USAGE for an unsupported type or bad n. */
int kolm_engine_dot(int wtype, const void *w, const float *x, int64_t n, int simd, float *out);
/* "avx2", "neon" or "scalar": the fast path this machine would use. */
const char *kolm_engine_simd_name(void);

#endif
