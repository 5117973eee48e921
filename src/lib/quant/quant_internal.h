/* quant_internal.h - shared pieces of quant.c, quant_k.c and quant_simd.c:
 * block sizes, fp16 field access and ggml's rounding helpers. */
#ifndef KOLM_QUANT_INTERNAL_H
#define KOLM_QUANT_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "kolm/types.h"

#define QK 32      /* Q4_0 .. Q8_0, IQ4_NL */
#define QK_K 256   /* k-quants, IQ4_XS */

/* Block sizes in bytes (ggml-common.h). */
#define B_Q4_0 18
#define B_Q4_1 20
#define B_Q5_0 22
#define B_Q5_1 24
#define B_Q8_0 34
#define B_Q2_K 84
#define B_Q3_K 110
#define B_Q4_K 144
#define B_Q5_K 176
#define B_Q6_K 210
#define B_IQ4_NL 18
#define B_IQ4_XS 136

/* ggml's IQ4_NL / IQ4_XS codebook (quant_k.c; the engine's dots use it too) */
extern const int8_t kvalues_iq4nl[16];

static inline void put_f16(uint8_t *p, float f)
{
	uint16_t h = kolm_fp32_to_fp16(f);
	p[0] = (uint8_t)(h & 0xff);
	p[1] = (uint8_t)(h >> 8);
}

static inline float get_f16(const uint8_t *p)
{
	return kolm_fp16_to_fp32((uint16_t)(p[0] | (p[1] << 8)));
}

/* ggml's nearest_int: round to nearest (ties to even) through the
 * 1.5 * 2^23 magic number; valid for |f| <= 4194303. */
static inline int q_nearest_int(float f)
{
	float v = f + 12582912.f;
	int32_t i;
	memcpy(&i, &v, sizeof i);
	return (i & 0x007fffff) - 0x00400000;
}

/* float -> integer as ggml's (int8_t)/(uint8_t) casts behave on x86-64
 * (cvttss2si, then keep the low byte): truncation toward zero, and 0 for
 * NaN, infinities and values beyond int32 - which a subnormal block scale
 * produces (1/d overflows).  Written without undefined behaviour. */
static inline int q_trunc(float v)
{
	if (!(v > -2147483648.0f && v < 2147483648.0f))
		return 0;
	return (int)(int8_t)(uint8_t)((uint32_t)(int32_t)v & 0xff);
}

static inline int q_min(int a, int b) { return a < b ? a : b; }
static inline int q_max(int a, int b) { return a > b ? a : b; }

/* Scalar reference kernels (quant.c, quant_k.c).  n is a multiple of the
 * block size; y/x point at whole blocks. */
void kq_quant_q4_0(const float *x, uint8_t *y, int64_t n);
void kq_quant_q4_1(const float *x, uint8_t *y, int64_t n);
void kq_quant_q5_0(const float *x, uint8_t *y, int64_t n);
void kq_quant_q5_1(const float *x, uint8_t *y, int64_t n);
void kq_quant_q8_0(const float *x, uint8_t *y, int64_t n);
void kq_quant_q2_k(const float *x, uint8_t *y, int64_t n);
void kq_quant_q3_k(const float *x, uint8_t *y, int64_t n);
void kq_quant_q4_k(const float *x, uint8_t *y, int64_t n);
void kq_quant_q5_k(const float *x, uint8_t *y, int64_t n);
void kq_quant_q6_k(const float *x, uint8_t *y, int64_t n);
void kq_quant_iq4_nl(const float *x, uint8_t *y, int64_t n);
void kq_quant_iq4_xs(const float *x, uint8_t *y, int64_t n);

void kq_deq_q4_0(const uint8_t *x, float *y, int64_t n);
void kq_deq_q4_1(const uint8_t *x, float *y, int64_t n);
void kq_deq_q5_0(const uint8_t *x, float *y, int64_t n);
void kq_deq_q5_1(const uint8_t *x, float *y, int64_t n);
void kq_deq_q8_0(const uint8_t *x, float *y, int64_t n);
void kq_deq_q2_k(const uint8_t *x, float *y, int64_t n);
void kq_deq_q3_k(const uint8_t *x, float *y, int64_t n);
void kq_deq_q4_k(const uint8_t *x, float *y, int64_t n);
void kq_deq_q5_k(const uint8_t *x, float *y, int64_t n);
void kq_deq_q6_k(const uint8_t *x, float *y, int64_t n);
void kq_deq_iq4_nl(const uint8_t *x, float *y, int64_t n);
void kq_deq_iq4_xs(const uint8_t *x, float *y, int64_t n);

/* SIMD kernels (quant_simd.c).  Return 1 when they handled the call, 0
 * when no fast path exists on this machine (caller falls back to scalar). */
int kq_simd_quant_q8_0(const float *x, uint8_t *y, int64_t n);
int kq_simd_quant_q4_0(const float *x, uint8_t *y, int64_t n);
int kq_simd_deq_q8_0(const uint8_t *x, float *y, int64_t n);
int kq_simd_deq_q4_0(const uint8_t *x, float *y, int64_t n);
const char *kq_simd_name(void);

#endif
