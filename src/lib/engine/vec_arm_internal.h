/* vec_arm_internal.h - the engine's AArch64 NEON vector kernels
 * (vec_arm.c), what vec_ref_internal.h's ek_ref_* compute, bit for bit.
 * Empty on other ISAs. */
#ifndef KOLM_VEC_ARM_INTERNAL_H
#define KOLM_VEC_ARM_INTERNAL_H

#include "quant/kernels_arm_internal.h"

#ifdef KQ_NEON
void ek_neon_swiglu(const float *x, const float *g, float *y, int64_t n);
double ek_neon_softmax16(float *p, const float *s, float m, int n);
void ek_neon_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s);
void ek_neon_axpy_f16(float *y, const uint16_t *v, float a, int64_t n);
void ek_neon_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n);
void ek_neon_scale_f16(uint16_t *acc, float a, int64_t n);
#endif

#endif
