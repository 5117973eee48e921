/* vec_ref_internal.h - the scalar reference of the engine's vector kernels
 * (vec_ref.c), which vec_x86.c and vec_arm.c reproduce bit for bit and fall
 * back on for the lanes they leave out. */
#ifndef KOLM_VEC_REF_INTERNAL_H
#define KOLM_VEC_REF_INTERNAL_H

#include <math.h>
#include <stdint.h>

/* ggml_silu_f32: the C library's expf, for the elements past the whole
 * groups of 16 that ggml_v_expf takes */
static inline float silu_libm(float x)
{
	return x / (1.0f + expf(-x));
}

/* ggml_v_expf as the AVX-512 build evaluates it (ggml-cpu/vec.h: a
 * polynomial within 1.5 ulp of expf, 2^n applied by _mm512_scalef_ps) */
float ek_ref_v_expf(float x);
void ek_ref_swiglu(const float *x, const float *g, float *y, int64_t n);
double ek_ref_softmax16(float *p, const float *s, float m, int n);
void ek_ref_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s);
void ek_ref_axpy_f16(float *y, const uint16_t *v, float a, int64_t n);
void ek_ref_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n);
void ek_ref_scale_f16(uint16_t *acc, float a, int64_t n);

#endif
