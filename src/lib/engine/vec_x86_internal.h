/* vec_x86_internal.h - the engine's AVX2 + FMA + F16C vector kernels
 * (vec_x86.c), what vec_ref_internal.h's ek_ref_* compute, bit for bit.
 * Empty on other ISAs. */
#ifndef KOLM_VEC_X86_INTERNAL_H
#define KOLM_VEC_X86_INTERNAL_H

#include "quant/kernels_x86_internal.h"

#ifdef KQ_X86
void ek_avx2_swiglu(const float *x, const float *g, float *y, int64_t n);
double ek_avx2_softmax16(float *p, const float *s, float m, int n);
void ek_avx2_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s);
void ek_avx2_axpy_f16(float *y, const uint16_t *v, float a, int64_t n);
void ek_avx2_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n);
void ek_avx2_scale_f16(uint16_t *acc, float a, int64_t n);
#endif

#endif
