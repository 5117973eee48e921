/* kernels_ref_internal.h - the scalar reference row kernels (kernels_ref.c)
 * and what every ISA's version shares with them: ggml's F16 arithmetic
 * emulated in F32, llama.cpp's reduction trees and dot tails, and readers
 * of the K-quant and IQ4 block layouts.  Included by the three kernel files,
 * the dispatch (kernels.c) and the engine's vector kernels (engine/vec_*.c),
 * which round and sum the same ways.  Its own header: kernels_ref.c depends
 * on nothing that calls it.  Like every kernel file it takes kolm/fp16.h and
 * block_internal.h, never kolm/types.h, whose table points at the kernels. */
#ifndef KOLM_KERNELS_REF_INTERNAL_H
#define KOLM_KERNELS_REF_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "block_internal.h"
#include "kolm/fp16.h"

/* A kernel shared by two types, a flag telling them apart, is inlined into
 * each type's entry point so the flag's branches fold away. */
#define KQ_INLINE inline __attribute__((always_inline))

/* the activation blocks only these kernels make */
#define B_Q8_1 sizeof(block_q8_1)
#define B_Q8_K sizeof(block_q8_K) /* f32 d, int8 qs[256], int16 bsums[16] */

/* ---- F16 arithmetic ----------------------------------------------------
 * The goldens' CPU has AVX512-FP16, and there llama.cpp computes
 * ggml_vec_dot_f16, ggml_vec_mad_f16 and ggml_vec_scale_f16 in F16:
 * 32-lane F16 registers, 128 elements a step (the rest element by element
 * in F32 or double), each multiply-add and add rounded once to F16.
 * kolm gets the same roundings from F32 arithmetic.  A product of two F16
 * values is exact in F32.  A sum is made round-to-odd in F32 (the
 * round-to-nearest sum, moved one unit toward the exact value when it was
 * inexact and came out even); rounding that to F16 gives the correctly
 * rounded F16 sum, since F32 has at least 11 + 2 bits. */
#define KQ_H_STEP 128
#define KQ_H_EPR 32

/* a + b rounded to F16 (returned widened) */
static inline float h_sum(float a, float b)
{
	const float s = a + b, bb = s - a;
	const float e = (a - (s - bb)) + (b - bb);
	uint32_t u, ue;
	memcpy(&u, &s, 4);
	memcpy(&ue, &e, 4);
	if ((e < 0 || e > 0) && !(u & 1))
		u += (u ^ ue) >> 31 ? (uint32_t)-1 : 1u;
	float o;
	memcpy(&o, &u, 4);
	return kolm_fp16_to_fp32(kolm_fp32_to_fp16(o));
}

/* the lanes t[0..w) summed in F16, halving: t[l] += t[l + w/2], ... */
static inline float h_reduce(float *t, int w)
{
	for (w /= 2; w >= 1; w /= 2)
		for (int l = 0; l < w; l++)
			t[l] = h_sum(t[l], t[l + w]);
	return t[0];
}

/* ---- llama.cpp's summation orders --------------------------------------
 * The goldens come from llama.cpp's AVX-512 CPU build.  kolm reproduces,
 * in every ISA, the order in which that build sums F32/F16 products
 * (tests/unit/test_engine.c):
 *  - ggml_vec_dot_f32 (decode, and rows tinyBLAS does not take): four
 *    16-lane fused accumulators over 64-element steps, added pairwise,
 *    reduced the way GCC's _mm512_reduce_add_ps does, then the tail in
 *    float with the product rounded first;
 *  - ggml_vec_dot_f16: in F16 arithmetic (above);
 *  - llamafile's tinyBLAS (F32/F16 weights in a prompt batch, k % 16 == 0,
 *    rows % 4 == 0): one 16-lane fused accumulator, the same reduction.
 * The AVX2 kernels hold 16 lanes in two registers, NEON in four. */
static inline float red16(const float v[16])
{
	float t[8], u[4];
	for (int i = 0; i < 8; i++)
		t[i] = v[i + 8] + v[i];
	for (int i = 0; i < 4; i++)
		u[i] = t[i + 4] + t[i];
	return (u[0] + u[2]) + (u[1] + u[3]);
}

static inline float red4x16(float acc[4][16])
{
	for (int l = 0; l < 16; l++) {
		acc[0][l] += acc[2][l];
		acc[1][l] += acc[3][l];
	}
	for (int l = 0; l < 16; l++)
		acc[0][l] += acc[1][l];
	return red16(acc[0]);
}

/* ggml_vec_dot_f32's tail: each product rounded, then added in float */
static inline float dot_tail_f32(const float *a, const float *b, int64_t i, int64_t n, float s)
{
	for (; i < n; i++) {
		const float p = a[i] * b[i];
		s += p;
	}
	return s;
}

/* ggml_vec_dot_f16's tail: exact products added in double */
static inline float dot_tail_f16(const uint16_t *a, const uint16_t *b, int64_t i, int64_t n, double s)
{
	for (; i < n; i++)
		s += (double)(kolm_fp16_to_fp32(a[i]) * kolm_fp16_to_fp32(b[i]));
	return (float)s;
}

static inline float q8k_d(const uint8_t *y)
{
	float d;
	memcpy(&d, y, 4);
	return d;
}

static inline int q8k_bsum(const uint8_t *y, int k)
{
	int16_t v;
	memcpy(&v, y + 260 + 2 * k, 2);
	return v;
}

/* Q4_K: d, dmin (f16), 12 bytes of 6-bit scales and mins for 8 groups of 32,
 * 128 bytes of nibbles (group 2j low nibbles of qs[32j..], 2j+1 high) */
static inline void q4k_scale_min(int j, const uint8_t *q, int *sc, int *m)
{
	if (j < 4) {
		*sc = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
		*m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
	}
}

/* the min term of one Q4_K block: sum over groups of min * sum(q8) */
static inline int q4k_msum(const uint8_t *x, const uint8_t *y)
{
	int msum = 0;
	for (int g = 0; g < 8; g++) {
		int sc, m;
		q4k_scale_min(g, x + 4, &sc, &m);
		msum += m * (q8k_bsum(y, 2 * g) + q8k_bsum(y, 2 * g + 1));
	}
	return msum;
}

/* Q2_K: scales[16] (low nibble scale, high nibble min, per 16), qs[64],
 * d and dmin (f16) at 80 and 82.  Group g = 8h + 2j + t (half h, 2-bit
 * plane j, t = 0/1) holds elements 128h + 32j + 16t + l, the bits 2j..2j+1
 * of qs[32h + 16t + l].  Q3_K: hmask[32], qs[64], 12 bytes of 6-bit scales
 * (less 32), d (f16) at 108; the same planes, less 4 where bit 4h + j of
 * hmask[16t + l] is clear. */
static inline int q2k_min_term(const uint8_t *x, const uint8_t *y)
{
	int m = 0;
	for (int g = 0; g < 16; g++)
		m += (x[g] >> 4) * q8k_bsum(y, g);
	return m;
}

static inline void q3k_scales(const uint8_t *x, int8_t sc[16])
{
	uint32_t a[4];
	memcpy(a, x + 96, 12);
	const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f, t = a[2];
	a[2] = ((a[0] >> 4) & k2) | (((t >> 4) & k1) << 4);
	a[3] = ((a[1] >> 4) & k2) | (((t >> 6) & k1) << 4);
	a[0] = (a[0] & k2) | (((t >> 0) & k1) << 4);
	a[1] = (a[1] & k2) | (((t >> 2) & k1) << 4);
	memcpy(sc, a, 16);
	for (int g = 0; g < 16; g++)
		sc[g] = (int8_t)(sc[g] - 32);
}

/* shared by the Q2_K/Q3_K dots: the 16 group scales (Q3_K less 32),
 * and one block's value from its integer sum of scale * value * q8 (the
 * values taken as unsigned: Q3_K's plus 4, taken back here) */
static inline void q23k_scales(const uint8_t *x, int q3, int8_t sc[16])
{
	if (q3)
		q3k_scales(x, sc);
	else
		for (int g = 0; g < 16; g++)
			sc[g] = (int8_t)(x[g] & 0xF);
}

static inline float q23k_block(const uint8_t *x, const uint8_t *y, int q3, const int8_t sc[16], int isum)
{
	const float dy = q8k_d(y);
	if (!q3)
		return (get_f16(x + 80) * dy) * (float)isum - (get_f16(x + 82) * dy) * (float)q2k_min_term(x, y);
	int off = 0;
	for (int g = 0; g < 16; g++)
		off += sc[g] * q8k_bsum(y, g);
	return (get_f16(x + 108) * dy) * (float)(isum - 4 * off);
}

/* the -32 offset of one Q6_K block: 32 * sum over groups of scale * sum(q8) */
static inline int q6k_offset(const uint8_t *x, const uint8_t *y)
{
	int o = 0;
	for (int g = 0; g < 16; g++)
		o += (int8_t)x[192 + g] * q8k_bsum(y, g);
	return 32 * o;
}

/* IQ4_NL: d (f16), 16 bytes of codebook indices, elements j (low nibble)
 * and j + 16 (high), dotted with Q8_0 activations.  IQ4_XS: d (f16),
 * scales_h (u16), scales_l[4], qs[128]: 8 groups of 32 with 6-bit scales
 * (less 32), the same nibble order, dotted with Q8_K activations. */
static inline int iq4xs_scale(const uint8_t *x, int g)
{
	const int sh = x[2] | (x[3] << 8);
	return (((x[4 + g / 2] >> (4 * (g % 2))) & 0xF) | (((sh >> (2 * g)) & 3) << 4)) - 32;
}

/* ---- the reference kernels (kernels_ref.c) ----------------------------
 * n is a multiple of the block; x, y point at whole blocks. */
void kq_ref_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum);
void kq_ref_quant_q8_K(const float *x, uint8_t *y, int64_t n);
float kq_ref_dot_f32(const float *a, const float *b, int64_t n);
float kq_ref_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_ref_dot_f32_tb(const float *a, const float *b, int64_t n);
float kq_ref_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_ref_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n);
void kq_ref_dot_f16_f32_cols(const uint16_t *a, const float *y, size_t ys, int ncols, int64_t n, float *out);
void kq_ref_round_f16(const float *x, float *y, int64_t n);
float kq_ref_dot_bf16(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_ref_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut);
float kq_ref_dot_q4_1(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q5_0(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q5_1(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q2_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q3_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q5_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_ref_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n);

#endif
