/* engine_internal.h - the engine's kernels (engine_kernels.c), shared
 * with engine.c.
 *
 * A weight row is dotted against an activation vector that was first put
 * into the form ggml's CPU backend uses for that weight type (its
 * vec_dot_type), so rounding follows llama.cpp:
 *   F32 weights          F32 activations
 *   F16 / BF16 weights   activations rounded to F16 / BF16
 *   Q4_0 Q5_0 Q8_0 IQ4_NL activations quantized to Q8_0 (34-byte blocks)
 *   Q4_1 Q5_1            activations quantized to Q8_1 (36-byte blocks: d, s=d*sum, qs)
 *   Q2_K..Q6_K IQ4_XS    activations quantized to Q8_K (292-byte blocks of 256:
 *                        f32 d, qs, and the sum of every 16 qs)
 *   anything else        the weight row is dequantized and dotted in F32
 * Every kernel has a scalar reference; the AVX2 (chosen at run time) and NEON
 * versions compute the same integer sums, and the F32, F16, Q8_0 and Q4_0
 * dots (and IQ4_NL in ek_dot_x8's order) also the same float steps, so
 * they give the same bits; the others differ only in float summation order
 * (tests/simd/check_kernels.c). */
#ifndef KOLM_ENGINE_INTERNAL_H
#define KOLM_ENGINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

enum ek_act { EK_ACT_F32, EK_ACT_F16, EK_ACT_BF16, EK_ACT_Q8_0, EK_ACT_Q8_1, EK_ACT_Q8_K, EK_ACT_DEQ };

#define EK_B_Q8_0 34
#define EK_B_Q8_1 36
#define EK_B_Q8_K 292 /* f32 d, int8 qs[256], int16 bsums[16] */

struct ek_ops {
	int simd; /* 1: the AVX2 or NEON kernels in use */
};

int ek_act_for(int wtype);
/* Bytes of n activations in form `act` (F32 for EK_ACT_DEQ). */
size_t ek_act_bytes(int act, int64_t n);
/* Put n floats into form `act`. */
void ek_act_make(const struct ek_ops *ops, int act, const float *x, void *out, int64_t n);
/* Dot of one weight row (type wtype, n elements) with activations xa in the
 * form ek_act_for(wtype).  scratch: n floats (used by EK_ACT_DEQ types). */
float ek_dot(const struct ek_ops *ops, int wtype, const void *w, const void *xa, int64_t n,
	     float *scratch);
/* ek_dot in the order llama.cpp's tinyBLAS uses for F32 / F16 weights in a
 * prompt batch (n % 16 == 0; other types: ek_dot). */
float ek_dot_tb(const struct ek_ops *ops, int wtype, const void *w, const void *xa, int64_t n,
		float *scratch);
/* ek_dot in the order of the x86 kernels llama.cpp runs on weights it
 * repacks (Q4_0 and IQ4_NL with a multiple of 8 rows: one accumulator, a
 * fused multiply-add per block; other types: ek_dot). */
float ek_dot_x8(const struct ek_ops *ops, int wtype, const void *w, const void *xa, int64_t n,
		float *scratch);
/* out[c] = ek_dot_x8 of one row with the ncols activation rows at xa,
 * abytes apart (faster for ncols == 8 in a prompt batch). */
void ek_dot_x8_cols(const struct ek_ops *ops, int wtype, const void *w, const void *xa, size_t abytes, int ncols,
		    int64_t n, float *scratch, float *out);
/* F32 and F16 dots as ggml_vec_dot_f32 / _f16 compute them (the F16 one
 * in F16 arithmetic, engine_kernels.c), and the F16-KV helpers used by
 * attention. */
float ek_dot_f32(const struct ek_ops *ops, const float *a, const float *b, int64_t n);
float ek_dot_f16(const struct ek_ops *ops, const uint16_t *a, const uint16_t *b, int64_t n);
/* y[i] = fma(f16(v[i]), a, y[i]) */
void ek_axpy_f16(const struct ek_ops *ops, float *y, const uint16_t *v, float a, int64_t n);
/* y = silu(x) * g as ggml_vec_swiglu_f32 computes it (ggml_v_expf on whole
 * groups of 16, the C library's expf on the rest). */
void ek_swiglu(const struct ek_ops *ops, const float *x, const float *g, float *y, int64_t n);
/* p[i] = exp(s[i] - m) for n (a multiple of 16) scores, -inf giving 0, and
 * their sum, as ggml_vec_soft_max_f32 forms them. */
double ek_softmax16(const struct ek_ops *ops, float *p, const float *s, float m, int n);
/* s[c] = sum over d < hd of kt[d * ld + c] * q[d] for c < nc (nc <= 64), one
 * fused multiply-add at a time (the tiled flash attention's simd_gemm). */
void ek_kq_seq(const struct ek_ops *ops, const float *q, const float *kt, int64_t ld, int hd, int nc, float *s);
/* F16 accumulators, rounded once per element and step (llama.cpp's
 * ggml_vec_mad_f16 / ggml_vec_scale_f16); SIMD and scalar agree bit for bit.
 * Whole steps of 128 elements in F16 arithmetic, with a rounded to F16:
 *   acc[i] = f16(v[i] * f16(a) + acc[i])        acc[i] = f16(acc[i] * f16(a))
 * the rest in F32, rounded to F16:
 *   acc[i] = f16(fma(v[i], a, acc[i]))          acc[i] = f16(acc[i] * a) */
void ek_mad_f16(const struct ek_ops *ops, uint16_t *acc, const uint16_t *v, float a, int64_t n);
void ek_scale_f16(const struct ek_ops *ops, uint16_t *acc, float a, int64_t n);
void ek_to_f16(const float *x, uint16_t *y, int64_t n);
/* 1 if this machine's SIMD kernels can run: AVX2+FMA+F16C (checked at run
 * time) on x86-64, NEON on AArch64; ek_simd_name() says which ("avx2",
 * "neon" or "scalar"). */
int ek_have_simd(void);
const char *ek_simd_name(void);

#endif
