/* kernels_arm_internal.h - the AArch64 NEON row kernels (kernels_arm.c;
 * NEON is always there, SDOT and FP16 arithmetic when the build targets
 * them) and the register helpers the engine's NEON vector kernels
 * (engine/vec_arm.c) share with them.  Empty on other ISAs. */
#ifndef KOLM_KERNELS_ARM_INTERNAL_H
#define KOLM_KERNELS_ARM_INTERNAL_H

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#include <stdint.h>
#define KQ_NEON 1

static inline float32x4_t ld_h4(const uint16_t *p)
{
	return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

static inline void st_h4(uint16_t *p, float32x4_t v)
{
	/* FCVTN rounds to nearest, ties to even (the default FPCR mode) */
	vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

/* 16 lanes as four registers: _mm512_reduce_add_ps's tree */
static inline float red16n(float32x4_t v0, float32x4_t v1, float32x4_t v2, float32x4_t v3)
{
	const float32x4_t u = vaddq_f32(vaddq_f32(v3, v1), vaddq_f32(v2, v0));
	return (vgetq_lane_f32(u, 0) + vgetq_lane_f32(u, 2)) + (vgetq_lane_f32(u, 1) + vgetq_lane_f32(u, 3));
}

/* h_sum on 4 lanes */
static inline float32x4_t neon_h_sum(float32x4_t a, float32x4_t b)
{
	const uint32x4_t one = vdupq_n_u32(1);
	const float32x4_t s = vaddq_f32(a, b), bb = vsubq_f32(s, a);
	const float32x4_t e = vaddq_f32(vsubq_f32(a, vsubq_f32(s, bb)), vsubq_f32(b, bb));
	const uint32x4_t u = vreinterpretq_u32_f32(s);
	const float32x4_t z = vdupq_n_f32(0);
	const uint32x4_t inexact = vorrq_u32(vcltq_f32(e, z), vcgtq_f32(e, z));
	const uint32x4_t even = vceqq_u32(vandq_u32(u, one), vdupq_n_u32(0));
	const int32x4_t sx = vreinterpretq_s32_u32(veorq_u32(u, vreinterpretq_u32_f32(e)));
	const uint32x4_t dir = vorrq_u32(vreinterpretq_u32_s32(vshrq_n_s32(sx, 31)), one);
	const uint32x4_t odd = vaddq_u32(u, vandq_u32(vandq_u32(inexact, even), dir));
	return vcvt_f32_f16(vcvt_f16_f32(vreinterpretq_f32_u32(odd)));
}

#ifdef __ARM_FEATURE_FP16_VECTOR_ARITHMETIC
/* 8 F16 values at p as a binary16 register */
static inline float16x8_t ld_h8(const uint16_t *p)
{
	return vld1q_f16((const float16_t *)(const void *)p);
}
#endif

/* the kernels: what kernels_ref_internal.h's kq_ref_* compute */
void kq_neon_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum);
void kq_neon_to_f16(const float *x, uint16_t *y, int64_t n);
float kq_neon_dot_f32(const float *a, const float *b, int64_t n);
float kq_neon_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_neon_dot_f32_tb(const float *a, const float *b, int64_t n);
float kq_neon_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_neon_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_neon_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut);
#ifdef __ARM_FEATURE_MATMUL_INT8
/* two rows (xs bytes apart) against 8 activation rows (ys apart), i8mm:
 * out[8 * r + c], each kq_neon_dot_nl_x8's bits */
void kq_neon_dot_nl_x8_rows2_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
				   const int8_t *lut, float *out);
#endif
float kq_neon_dot_q2_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_q3_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_q5_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_neon_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n);
#endif

#endif
