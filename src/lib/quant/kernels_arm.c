/* kernels_arm.c - the AArch64 NEON versions of the row kernels in
 * kernels_ref.c (Raspberry Pi 4/5, Jetson, Apple silicon under Linux), with
 * the SDOT dot-product instructions, native F16 arithmetic and the i8mm
 * SMMLA matrix instruction (a prompt's repacked-order Q4_0, two rows by
 * two columns) when the build targets them (e.g.
 * -march=armv8.2-a+fp16+dotprod for a Pi 5, +i8mm for Graviton 3/4, Apple
 * M2 and later, Snapdragon 8 Gen 2/3).  As
 * on x86, the F32, F16, Q8_0 and Q4_0 dots and the repacked Q4_0 / IQ4_NL
 * order give the scalar reference's bits, the other quantized dots the same
 * integer sums in another float order (tests/simd/run.sh checks them under
 * qemu-aarch64, plain, with dotprod, with dotprod and FP16, and with those
 * and i8mm). */
#include "kernels_ref_internal.h"
#include "kernels_arm_internal.h"

#ifdef KQ_NEON
void kq_neon_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum)
{
	const size_t bs = with_sum ? B_Q8_1 : B_Q8_0;
	for (int64_t b = 0; b < n / 32; b++, x += 32, y += bs) {
		float32x4_t v[8];
		float32x4_t m = vdupq_n_f32(0);
		for (int k = 0; k < 8; k++) {
			v[k] = vld1q_f32(x + 4 * k);
			m = vmaxq_f32(m, vabsq_f32(v[k]));
		}
		const float amax = vmaxvq_f32(m);
		if (amax != amax) { /* NaN: leave it to the scalar code */
			kq_ref_quant_q8(x, y, 32, with_sum);
			continue;
		}
		const float d = amax / 127.f;
		const float id = amax != 0.0f ? 127.f / amax : 0.0f;
		int8_t *qs = (int8_t *)(y + (with_sum ? 4 : 2));
		int32x4_t sum = vdupq_n_s32(0);
		for (int k = 0; k < 8; k += 2) {
			/* FCVTNS: round to nearest, ties to even, as q_nearest_int() */
			const int32x4_t q0 = vcvtnq_s32_f32(vmulq_n_f32(v[k], id));
			const int32x4_t q1 = vcvtnq_s32_f32(vmulq_n_f32(v[k + 1], id));
			sum = vaddq_s32(sum, vaddq_s32(q0, q1));
			vst1_s8(qs + 4 * k, vmovn_s16(vcombine_s16(vmovn_s32(q0), vmovn_s32(q1))));
		}
		put_f16(y, d);
		if (with_sum)
			put_f16(y + 2, d * (float)vaddvq_s32(sum));
	}
}

/* ggml_vec_dot_f32/_f16's main loop: LA/LB load 4 elements as floats */
#define NEON_DOT4X16(LA, LB)                                                                   \
	float32x4_t acc[4][4];                                                                 \
	for (int j = 0; j < 4; j++)                                                            \
		for (int k = 0; k < 4; k++)                                                    \
			acc[j][k] = vdupq_n_f32(0);                                            \
	const int64_t np = n & ~(int64_t)63;                                                   \
	for (int64_t i = 0; i < np; i += 64)                                                   \
		for (int j = 0; j < 4; j++)                                                    \
			for (int k = 0; k < 4; k++)                                            \
				acc[j][k] = vfmaq_f32(acc[j][k], LA(a + i + 16 * j + 4 * k),   \
						      LB(b + i + 16 * j + 4 * k));             \
	for (int k = 0; k < 4; k++) {                                                          \
		acc[0][k] = vaddq_f32(acc[0][k], acc[2][k]);                                   \
		acc[1][k] = vaddq_f32(acc[1][k], acc[3][k]);                                   \
		acc[0][k] = vaddq_f32(acc[0][k], acc[1][k]);                                   \
	}                                                                                      \
	const float red = red16n(acc[0][0], acc[0][1], acc[0][2], acc[0][3])

float kq_neon_dot_f32(const float *a, const float *b, int64_t n)
{
	NEON_DOT4X16(vld1q_f32, vld1q_f32);
	return dot_tail_f32(a, b, np, n, red);
}

#undef NEON_DOT4X16

#ifdef __ARM_FEATURE_FP16_VECTOR_ARITHMETIC
/* ARMv8.2 FP16 arithmetic (a Pi 5, Apple silicon): vfmaq_f16 and vaddq_f16
 * are binary16 with one rounding, so kq_ref_dot_f16's steps run natively;
 * acc[4j + q] holds lanes 8q..8q+7 of accumulator j */
float kq_neon_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float16x8_t acc[16];
	for (int r = 0; r < 16; r++)
		acc[r] = vdupq_n_f16(0);
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	for (int64_t i = 0; i < np; i += KQ_H_STEP)
		for (int r = 0; r < 16; r++)
			acc[r] = vfmaq_f16(acc[r], ld_h8(a + i + 8 * r), ld_h8(b + i + 8 * r));
	for (int q = 0; q < 4; q++) {
		acc[q] = vaddq_f16(acc[q], acc[8 + q]);
		acc[4 + q] = vaddq_f16(acc[4 + q], acc[12 + q]);
		acc[q] = vaddq_f16(acc[q], acc[4 + q]);
	}
	const float16x8_t u = vaddq_f16(vaddq_f16(acc[0], acc[2]), vaddq_f16(acc[1], acc[3]));
	float t[8];
	vst1q_f32(t, vcvt_f32_f16(vget_low_f16(u)));
	vst1q_f32(t + 4, vcvt_f32_f16(vget_high_f16(u)));
	return dot_tail_f16(a, b, np, n, h_reduce(t, 8));
}
#else
/* kq_ref_dot_f16 with acc[8j + q] holding lanes 4q..4q+3 of accumulator j */
float kq_neon_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float32x4_t acc[32];
	for (int r = 0; r < 32; r++)
		acc[r] = vdupq_n_f32(0);
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	for (int64_t i = 0; i < np; i += KQ_H_STEP)
		for (int r = 0; r < 32; r++)
			acc[r] = neon_h_sum(vmulq_f32(ld_h4(a + i + 4 * r), ld_h4(b + i + 4 * r)), acc[r]);
	for (int q = 0; q < 8; q++) {
		acc[q] = neon_h_sum(acc[q], acc[16 + q]);
		acc[8 + q] = neon_h_sum(acc[8 + q], acc[24 + q]);
		acc[q] = neon_h_sum(acc[q], acc[8 + q]);
	}
	float t[16];
	for (int q = 0; q < 4; q++)
		vst1q_f32(t + 4 * q, neon_h_sum(acc[q], acc[4 + q]));
	return dot_tail_f16(a, b, np, n, h_reduce(t, 16));
}
#endif

#define NEON_DOT_TB(LA, LB)                                                                    \
	float32x4_t v0 = vdupq_n_f32(0), v1 = v0, v2 = v0, v3 = v0;                            \
	for (int64_t i = 0; i < n; i += 16) {                                                  \
		v0 = vfmaq_f32(v0, LA(a + i), LB(b + i));                                      \
		v1 = vfmaq_f32(v1, LA(a + i + 4), LB(b + i + 4));                              \
		v2 = vfmaq_f32(v2, LA(a + i + 8), LB(b + i + 8));                              \
		v3 = vfmaq_f32(v3, LA(a + i + 12), LB(b + i + 12));                            \
	}                                                                                      \
	return red16n(v0, v1, v2, v3)

float kq_neon_dot_f32_tb(const float *a, const float *b, int64_t n)
{
	NEON_DOT_TB(vld1q_f32, vld1q_f32);
}

float kq_neon_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n)
{
	NEON_DOT_TB(ld_h4, ld_h4);
}
#undef NEON_DOT_TB

void kq_neon_to_f16(const float *x, uint16_t *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 4 <= n; i += 4)
		st_h4(y + i, vld1q_f32(x + i));
	for (; i < n; i++)
		y[i] = kolm_fp32_to_fp16(x[i]);
}

/* 32 int8 products of one block, summed exactly in int32 lanes */
static inline int32x4_t dot_i8x32(int8x16_t x0, int8x16_t x1, int8x16_t y0, int8x16_t y1)
{
#ifdef __ARM_FEATURE_DOTPROD
	return vdotq_s32(vdotq_s32(vdupq_n_s32(0), x0, y0), x1, y1);
#else
	int16x8_t p = vmull_s8(vget_low_s8(x0), vget_low_s8(y0));
	p = vmlal_s8(p, vget_high_s8(x0), vget_high_s8(y0)); /* |sum of 2| <= 32258 */
	int16x8_t r = vmull_s8(vget_low_s8(x1), vget_low_s8(y1));
	r = vmlal_s8(r, vget_high_s8(x1), vget_high_s8(y1));
	return vaddq_s32(vpaddlq_s16(p), vpaddlq_s16(r));
#endif
}

/* x . y as 4 lanes, lane l the sum of products 4l..4l+3 */
static inline int32x4_t dot_i8x16_c4(int8x16_t x, int8x16_t y)
{
#ifdef __ARM_FEATURE_DOTPROD
	return vdotq_s32(vdupq_n_s32(0), x, y);
#else
	const int32x4_t lo = vpaddlq_s16(vmull_s8(vget_low_s8(x), vget_low_s8(y)));
	const int32x4_t hi = vpaddlq_s16(vmull_s8(vget_high_s8(x), vget_high_s8(y)));
	return vpaddq_s32(lo, hi);
#endif
}

/* ref_dot_q0 with lanes 0-3 in a0, 4-7 in a1 */
static inline float neon_red8(float32x4_t a0, float32x4_t a1)
{
	float t[4];
	vst1q_f32(t, vaddq_f32(a0, a1));
	return (t[0] + t[2]) + (t[1] + t[3]);
}

float kq_neon_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float32x4_t a0 = vdupq_n_f32(0), a1 = a0;
	for (int64_t b = 0; b < n / 32; b++, x += 34, y += 34) {
		const float d = get_f16(x) * get_f16(y);
		const int8_t *xq = (const int8_t *)(x + 2), *yq = (const int8_t *)(y + 2);
		a0 = vfmaq_n_f32(a0, vcvtq_f32_s32(dot_i8x16_c4(vld1q_s8(xq), vld1q_s8(yq))), d);
		a1 = vfmaq_n_f32(a1, vcvtq_f32_s32(dot_i8x16_c4(vld1q_s8(xq + 16), vld1q_s8(yq + 16))), d);
	}
	return neon_red8(a0, a1);
}

float kq_neon_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float32x4_t a0 = vdupq_n_f32(0), a1 = a0;
	const uint8x16_t lo4 = vdupq_n_u8(0x0F);
	const int8x16_t eight = vdupq_n_s8(8);
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const float d = get_f16(x) * get_f16(y);
		const uint8x16_t raw = vld1q_u8(x + 2);
		const int8x16_t q0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, lo4)), eight);
		const int8x16_t q1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), eight);
		const int8_t *yq = (const int8_t *)(y + 2);
		a0 = vfmaq_n_f32(a0, vcvtq_f32_s32(dot_i8x16_c4(q0, vld1q_s8(yq))), d);
		a1 = vfmaq_n_f32(a1, vcvtq_f32_s32(dot_i8x16_c4(q1, vld1q_s8(yq + 16))), d);
	}
	return neon_red8(a0, a1);
}

static inline void iq4_values_neon(const uint8_t *q, int8x16_t table, int8x16_t *lo, int8x16_t *hi)
{
	const uint8x16_t raw = vld1q_u8(q);
	*lo = vqtbl1q_s8(table, vandq_u8(raw, vdupq_n_u8(0x0F)));
	*hi = vqtbl1q_s8(table, vshrq_n_u8(raw, 4));
}

float kq_neon_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut)
{
	float acc = 0;
	const int8x16_t table = vld1q_s8(lut);
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		int8x16_t q0, q1;
		iq4_values_neon(x + 2, table, &q0, &q1);
		const int8_t *yq = (const int8_t *)(y + 2);
		const int32x4_t p = vaddq_s32(dot_i8x16_c4(q0, vld1q_s8(yq)), dot_i8x16_c4(q1, vld1q_s8(yq + 16)));
		acc = fmaf((float)vaddvq_s32(p), get_f16(x) * get_f16(y), acc);
	}
	return acc;
}

#ifdef __ARM_FEATURE_MATMUL_INT8
/* the 8-byte halves of a and b side by side: [a lo | b lo] (hi: [a hi | b hi]) */
static inline int8x16_t zip_lo(int8x16_t a, int8x16_t b)
{
	return vreinterpretq_s8_s64(vzip1q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}

static inline int8x16_t zip_hi(int8x16_t a, int8x16_t b)
{
	return vreinterpretq_s8_s64(vzip2q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}

/* kq_neon_dot_nl_x8 of the rows x and x + xs against the 8 activation rows
 * y + c * ys (out[8 * r + c]) with the i8mm SMMLA instruction: each takes 8
 * elements of both rows and of two columns and adds the 4 dot products
 * (rows x columns) to int32 lanes; a block's 4 slices sum exactly, then
 * one fused multiply-add with d_w * d_a per row and column: the one-row
 * kernel's bits. */
void kq_neon_dot_nl_x8_rows2_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
				   const int8_t *lut, float *out)
{
	const int8x16_t table = vld1q_s8(lut);
	float32x4_t acc[4]; /* columns 2p, 2p + 1: [r0 c0, r0 c1, r1 c0, r1 c1] */
	for (int p = 0; p < 4; p++)
		acc[p] = vdupq_n_f32(0);
	for (int64_t b = 0; b < n / 32; b++) {
		const uint8_t *x0 = x + 18 * b, *x1 = x0 + xs;
		int8x16_t r0lo, r0hi, r1lo, r1hi; /* elements 0-15 and 16-31 of each row */
		iq4_values_neon(x0 + 2, table, &r0lo, &r0hi);
		iq4_values_neon(x1 + 2, table, &r1lo, &r1hi);
		const int8x16_t w0 = zip_lo(r0lo, r1lo), w1 = zip_hi(r0lo, r1lo), w2 = zip_lo(r0hi, r1hi),
				w3 = zip_hi(r0hi, r1hi);
		const float dw0 = get_f16(x0), dw1 = get_f16(x1);
		for (int p = 0; p < 4; p++) {
			const uint8_t *c0 = y + (size_t)(2 * p) * ys + 34 * b, *c1 = c0 + ys;
			const int8x16_t a0 = vld1q_s8((const int8_t *)(c0 + 2)), a1 = vld1q_s8((const int8_t *)(c1 + 2));
			const int8x16_t b0 = vld1q_s8((const int8_t *)(c0 + 18)), b1 = vld1q_s8((const int8_t *)(c1 + 18));
			int32x4_t s4 = vmmlaq_s32(vdupq_n_s32(0), w0, zip_lo(a0, a1));
			s4 = vmmlaq_s32(s4, w1, zip_hi(a0, a1));
			s4 = vmmlaq_s32(s4, w2, zip_lo(b0, b1));
			s4 = vmmlaq_s32(s4, w3, zip_hi(b0, b1));
			const float da0 = get_f16(c0), da1 = get_f16(c1);
			const float d[4] = {dw0 * da0, dw0 * da1, dw1 * da0, dw1 * da1};
			acc[p] = vfmaq_f32(acc[p], vcvtq_f32_s32(s4), vld1q_f32(d));
		}
	}
	for (int p = 0; p < 4; p++) {
		float t[4];
		vst1q_f32(t, acc[p]);
		out[2 * p] = t[0];
		out[2 * p + 1] = t[1];
		out[8 + 2 * p] = t[2];
		out[8 + 2 * p + 1] = t[3];
	}
}
#endif

static inline int32x4_t dot_i8x16(int8x16_t x, int8x16_t y)
{
#ifdef __ARM_FEATURE_DOTPROD
	return vdotq_s32(vdupq_n_s32(0), x, y);
#else
	const int16x8_t p = vmlal_s8(vmull_s8(vget_low_s8(x), vget_low_s8(y)), vget_high_s8(x), vget_high_s8(y));
	return vpaddlq_s16(p); /* pairs of products <= 2*63*127 here */
#endif
}

static KQ_INLINE float dot_q45_K(const uint8_t *x, const uint8_t *y, int64_t n, int q5)
{
	const uint8x16_t m4 = vdupq_n_u8(0x0F), b4 = vdupq_n_u8(0x10);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q5 ? 176 : 144, y += B_Q8_K) {
		const uint8x16_t qh0 = vld1q_u8(x + 16), qh1 = vld1q_u8(x + 32);
		const uint8_t *qs = x + (q5 ? 48 : 16);
		int isum = 0;
		for (int j = 0; j < 4; j++) {
			const uint8x16_t v0 = vld1q_u8(qs + 32 * j), v1 = vld1q_u8(qs + 16 + 32 * j);
			uint8x16_t l0 = vandq_u8(v0, m4), l1 = vandq_u8(v1, m4), h0 = vshrq_n_u8(v0, 4), h1 = vshrq_n_u8(v1, 4);
			if (q5) { /* VTST: all ones where bit g of qh[l] is set */
				const uint8x16_t bl = vdupq_n_u8((uint8_t)(1 << (2 * j))), bh = vdupq_n_u8((uint8_t)(1 << (2 * j + 1)));
				l0 = vorrq_u8(l0, vandq_u8(vtstq_u8(qh0, bl), b4));
				l1 = vorrq_u8(l1, vandq_u8(vtstq_u8(qh1, bl), b4));
				h0 = vorrq_u8(h0, vandq_u8(vtstq_u8(qh0, bh), b4));
				h1 = vorrq_u8(h1, vandq_u8(vtstq_u8(qh1, bh), b4));
			}
			const int8_t *q8 = (const int8_t *)(y + 4 + 64 * j);
			int sc0, sc1, m;
			q4k_scale_min(2 * j, x + 4, &sc0, &m);
			q4k_scale_min(2 * j + 1, x + 4, &sc1, &m);
			const int32x4_t lo = dot_i8x32(vreinterpretq_s8_u8(l0), vreinterpretq_s8_u8(l1), vld1q_s8(q8),
						       vld1q_s8(q8 + 16));
			const int32x4_t hi = dot_i8x32(vreinterpretq_s8_u8(h0), vreinterpretq_s8_u8(h1), vld1q_s8(q8 + 32),
						       vld1q_s8(q8 + 48));
			isum += sc0 * vaddvq_s32(lo) + sc1 * vaddvq_s32(hi);
		}
		const float dy = q8k_d(y);
		s += (get_f16(x) * dy) * (float)isum - (get_f16(x + 2) * dy) * (float)q4k_msum(x, y);
	}
	return s;
}

float kq_neon_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q45_K(x, y, n, 0);
}

float kq_neon_dot_q5_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q45_K(x, y, n, 1);
}

float kq_neon_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(3), m30 = vdupq_n_u8(0x30);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += B_Q8_K) {
		int isum = 0;
		for (int h = 0; h < 2; h++)
			for (int o = 0; o < 32; o += 16) {
				const uint8x16_t l0 = vld1q_u8(x + 64 * h + o), l1 = vld1q_u8(x + 64 * h + 32 + o);
				const uint8x16_t hb = vld1q_u8(x + 128 + 32 * h + o);
				const uint8x16_t e[4] = {
					vorrq_u8(vandq_u8(l0, m4), vshlq_n_u8(vandq_u8(hb, m3), 4)),
					vorrq_u8(vandq_u8(l1, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), m3), 4)),
					vorrq_u8(vshrq_n_u8(l0, 4), vandq_u8(hb, m30)),
					vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)),
				};
				for (int k = 0; k < 4; k++) {
					const int g = 8 * h + 2 * k + o / 16;
					const int8x16_t q8 = vld1q_s8((const int8_t *)(y + 4 + 128 * h + 32 * k + o));
					isum += (int8_t)x[192 + g] * vaddvq_s32(dot_i8x16(vreinterpretq_s8_u8(e[k]), q8));
				}
			}
		s += (get_f16(x + 208) * q8k_d(y)) * (float)(isum - q6k_offset(x, y));
	}
	return s;
}

static KQ_INLINE float dot_q23_K(const uint8_t *x, const uint8_t *y, int64_t n, int q3)
{
	const uint8x16_t m3 = vdupq_n_u8(3), four = vdupq_n_u8(4);
	const size_t bsz = q3 ? 110 : 84;
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += bsz, y += B_Q8_K) {
		int8_t sc[16];
		q23k_scales(x, q3, sc);
		const uint8_t *qs = x + (q3 ? 32 : 16);
		int isum = 0;
		for (int h = 0; h < 2; h++)
			for (int t = 0; t < 2; t++) {
				const uint8x16_t qv = vld1q_u8(qs + 32 * h + 16 * t);
				const uint8x16_t hm = q3 ? vld1q_u8(x + 16 * t) : vdupq_n_u8(0);
				for (int j = 0; j < 4; j++) {
					uint8x16_t e = vandq_u8(vshlq_u8(qv, vdupq_n_s8((int8_t)(-2 * j))), m3);
					if (q3)
						e = vorrq_u8(e, vandq_u8(vtstq_u8(hm, vdupq_n_u8((uint8_t)(1 << (4 * h + j)))), four));
					const int8x16_t q8 = vld1q_s8((const int8_t *)(y + 4 + 128 * h + 32 * j + 16 * t));
					isum += sc[8 * h + 2 * j + t] * vaddvq_s32(dot_i8x16(vreinterpretq_s8_u8(e), q8));
				}
			}
		s += q23k_block(x, y, q3, sc, isum);
	}
	return s;
}

float kq_neon_dot_q2_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q23_K(x, y, n, 0);
}

float kq_neon_dot_q3_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q23_K(x, y, n, 1);
}

float kq_neon_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const int8x16_t table = vld1q_s8(kvalues_iq4nl);
	float32x4_t acc = vdupq_n_f32(0);
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		int8x16_t lo, hi;
		iq4_values_neon(x + 2, table, &lo, &hi);
		const int8_t *yq = (const int8_t *)(y + 2);
		acc = vfmaq_n_f32(acc, vcvtq_f32_s32(dot_i8x32(lo, hi, vld1q_s8(yq), vld1q_s8(yq + 16))), get_f16(x) * get_f16(y));
	}
	return vaddvq_f32(acc);
}

float kq_neon_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const int8x16_t table = vld1q_s8(kvalues_iq4nl);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 136, y += B_Q8_K) {
		int isum = 0;
		for (int g = 0; g < 8; g++) {
			int8x16_t lo, hi;
			iq4_values_neon(x + 8 + 16 * g, table, &lo, &hi);
			const int8_t *q8 = (const int8_t *)(y + 4 + 32 * g);
			isum += iq4xs_scale(x, g) * vaddvq_s32(dot_i8x32(lo, hi, vld1q_s8(q8), vld1q_s8(q8 + 16)));
		}
		s += (get_f16(x) * q8k_d(y)) * (float)isum;
	}
	return s;
}

/* kq_ref_dot_f16_f32 (F32 arithmetic): four 4-lane fused accumulators */
float kq_neon_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = vfmaq_f32(s0, ld_h4(a + i), ld_h4(b + i));
		s1 = vfmaq_f32(s1, ld_h4(a + i + 4), ld_h4(b + i + 4));
		s2 = vfmaq_f32(s2, ld_h4(a + i + 8), ld_h4(b + i + 8));
		s3 = vfmaq_f32(s3, ld_h4(a + i + 12), ld_h4(b + i + 12));
	}
	float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
	for (; i < n; i++)
		s = fmaf(kolm_fp16_to_fp32(a[i]), kolm_fp16_to_fp32(b[i]), s);
	return s;
}
#endif /* KQ_NEON */
