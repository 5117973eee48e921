/* vec_internal.h - the engine's vector kernels (vec.c: some have one
 * version on every ISA; for the others it picks, per call, the scalar
 * reference in vec_ref.c or this machine's SIMD version in vec_x86.c /
 * vec_arm.c): what llama.cpp's attention and FFN run between the matmuls,
 * each in the operation order of the reference build, so SIMD and scalar
 * agree bit for bit.  The row dots are quant/kernels_internal.h's.  Every
 * kernel with a SIMD version takes `simd` last: 1 for it (only when
 * kq_kernels_simd() says this machine has them), 0 for the reference. */
#ifndef KOLM_VEC_INTERNAL_H
#define KOLM_VEC_INTERNAL_H

#include <stdint.h>

/* y = silu(x) * g as ggml_vec_swiglu_f32 computes it (ggml_v_expf on whole
 * groups of 16, the C library's expf on the rest). */
void ek_swiglu(const float *x, const float *g, float *y, int64_t n, int simd);
/* p[i] = exp(s[i] - m) for n (a multiple of 16) scores, -inf giving 0, and
 * their sum, as ggml_vec_soft_max_f32 forms them. */
double ek_softmax16(float *p, const float *s, float m, int n, int simd);
/* s[c] = sum over d < hd of kt[d * ld + c] * q[d] for c < nc (nc <= 64), one
 * fused multiply-add at a time (the tiled flash attention's simd_gemm). */
void ek_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s, int simd);
/* y[i] = fma(f16(v[i]), a, y[i]) */
void ek_axpy_f16(float *y, const uint16_t *v, float a, int64_t n, int simd);
/* F16 accumulators, rounded once per element and step (llama.cpp's
 * ggml_vec_mad_f16 / ggml_vec_scale_f16); SIMD and scalar agree bit for bit.
 * Whole steps of 128 elements in F16 arithmetic, with a rounded to F16:
 *   acc[i] = f16(v[i] * f16(a) + acc[i])        acc[i] = f16(acc[i] * f16(a))
 * the rest in F32, rounded to F16:
 *   acc[i] = f16(fma(v[i], a, acc[i]))          acc[i] = f16(acc[i] * a) */
void ek_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n, int simd);
void ek_scale_f16(uint16_t *acc, float a, int64_t n, int simd);

/* ---- one version on every ISA ---------------------------------------- */
/* y = x * (1 / sqrt(mean(x^2) + eps)) * w, the squares summed in double */
void ek_rmsnorm(const float *x, const float *w, int64_t n, float eps, float *y);
/* cos/sin for one position: cs[2i], cs[2i+1] for pair i < n_rot/2
 * (ggml_rope_cache_init with ext_factor 0: both times attn_factor, mscale);
 * ff: n_rot/2 frequency factors or NULL, scale: freq_scale */
void ek_rope_cache(int pos, int n_rot, float base, float scale, float mscale, const float *ff, float *cs);
/* x's first n_rot dimensions rotated by cs: pairs (2i, 2i+1), or with neox
 * (i, i + n_rot/2) */
void ek_rope(float *x, const float *cs, int n_rot, int neox);
/* ggml's F16 GELU table (65536 entries, malloc'd; NULL when out of memory) */
uint16_t *ek_gelu_table(void);
/* y = gelu(x) * g as ggml_vec_geglu_f32 (GGML_GELU_FP16) computes it: x
 * rounded to F16 and looked up, except beyond +-10 */
void ek_geglu(const uint16_t *tab, float *y, const float *x, const float *g, int64_t n);

#endif
