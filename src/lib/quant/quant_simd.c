/* quant_simd.c - AVX2 (x86-64, chosen at run time) and NEON (AArch64)
 * versions of the hot Q8_0/Q4_0 kernels.  Each one computes exactly what
 * the scalar reference in quant_ref.c computes: the same float operations per
 * element (one multiply by the same inverse scale), roundf emulated exactly
 * (ties away from zero), the first element of largest magnitude for Q4_0,
 * and a block containing NaN (or a subnormal scale) handed to the scalar
 * code.  No FMA is used, so there is no contraction to worry about.
 * tests/unit/test_quant.c compares them with the scalar kernels byte for
 * byte; the NEON kernels were checked the same way under qemu-aarch64 (gcc
 * and clang builds, outputs also equal to x86-64's for every type). */
#include "quant_simd_internal.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "block_internal.h"
#include "quant_ref_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KQ_X86 1
#endif
#if defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define KQ_NEON 1
#endif

#ifdef KQ_X86
static int have_avx2(void)
{
	static int cached = -1;
	int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (c < 0) {
		__builtin_cpu_init();
		c = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&cached, c, __ATOMIC_RELAXED);
	}
	return c;
}

__attribute__((target("avx2"))) static float hmax8(__m256 v)
{
	__m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	m = _mm_max_ps(m, _mm_movehl_ps(m, m));
	m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
	return _mm_cvtss_f32(m);
}

/* Loads one 32-float block; returns 0 if it holds a NaN. */
__attribute__((target("avx2"))) static int load_block(const float *x, __m256 v[4], __m256 a[4],
						      float *amax)
{
	const __m256 sign = _mm256_set1_ps(-0.0f);
	int nan = 0;
	for (int k = 0; k < 4; k++) {
		v[k] = _mm256_loadu_ps(x + 8 * k);
		a[k] = _mm256_andnot_ps(sign, v[k]);
		nan |= _mm256_movemask_ps(_mm256_cmp_ps(v[k], v[k], _CMP_UNORD_Q));
	}
	if (nan)
		return 0;
	*amax = hmax8(_mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3])));
	return 1;
}

/* roundf(): truncate, then step away from zero when the dropped part is >= 0.5
 * (x - trunc(x) is exact). */
__attribute__((target("avx2"))) static __m256i round_away(__m256 x)
{
	const __m256 sign = _mm256_set1_ps(-0.0f);
	__m256 t = _mm256_round_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
	__m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(x, t));
	__m256 ge = _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
	__m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(sign, x));
	t = _mm256_add_ps(t, _mm256_and_ps(ge, one));
	return _mm256_cvttps_epi32(t);
}

__attribute__((target("avx2"))) static void avx2_quant_q8_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q8_0) {
		__m256 v[4], a[4];
		float amax;
		if (!load_block(x, v, a, &amax)) {
			kq_quant_q8_0(x, y, QK);
			continue;
		}
		const float d = amax / ((1 << 7) - 1);
		const float id = d ? 1.0f / d : 0.0f;
		if (isinf(id)) { /* subnormal scale: use the scalar cast rules */
			kq_quant_q8_0(x, y, QK);
			continue;
		}
		put_f16(y, d);
		const __m256 vid = _mm256_set1_ps(id);
		__m256i q[4];
		for (int k = 0; k < 4; k++)
			q[k] = round_away(_mm256_mul_ps(v[k], vid));
		__m256i p01 = _mm256_packs_epi32(q[0], q[1]);
		__m256i p23 = _mm256_packs_epi32(q[2], q[3]);
		__m256i p = _mm256_packs_epi16(p01, p23);
		p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)(void *)(y + 2), p);
	}
}

__attribute__((target("avx2"))) static void avx2_quant_q4_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q4_0) {
		__m256 v[4], a[4];
		float amax;
		if (!load_block(x, v, a, &amax)) {
			kq_quant_q4_0(x, y, QK);
			continue;
		}
		/* the first element whose magnitude is the maximum, as the
		 * scalar loop's strict '<' keeps it */
		float max = 0.0f;
		if (amax > 0) {
			const __m256 vm = _mm256_set1_ps(amax);
			for (int k = 0; k < 4; k++) {
				int m = _mm256_movemask_ps(_mm256_cmp_ps(a[k], vm, _CMP_EQ_OQ));
				if (m) {
					max = x[8 * k + __builtin_ctz((unsigned)m)];
					break;
				}
			}
		}
		const float d = max / -8;
		const float id = d ? 1.0f / d : 0.0f;
		if (isinf(id)) {
			kq_quant_q4_0(x, y, QK);
			continue;
		}
		put_f16(y, d);
		const __m256 vid = _mm256_set1_ps(id), half = _mm256_set1_ps(8.5f);
		const __m256i fifteen = _mm256_set1_epi32(15);
		__m256i q[4];
		for (int k = 0; k < 4; k++) {
			__m256 t = _mm256_add_ps(_mm256_mul_ps(v[k], vid), half);
			q[k] = _mm256_min_epi32(_mm256_cvttps_epi32(t), fifteen);
		}
		__m256i r0 = _mm256_or_si256(q[0], _mm256_slli_epi32(q[2], 4));
		__m256i r1 = _mm256_or_si256(q[1], _mm256_slli_epi32(q[3], 4));
		__m256i p = _mm256_packus_epi32(r0, r1);
		p = _mm256_permute4x64_epi64(p, 0xD8);
		__m128i b = _mm_packus_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
		_mm_storeu_si128((__m128i *)(void *)(y + 2), b);
	}
}

__attribute__((target("avx2"))) static void avx2_deq_q8_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q8_0, y += QK) {
		const __m256 d = _mm256_set1_ps(get_f16(x));
		for (int k = 0; k < 4; k++) {
			__m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(x + 2 + 8 * k));
			__m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
			_mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(f, d));
		}
	}
}

__attribute__((target("avx2"))) static void avx2_deq_q4_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	const __m128i lo4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
	for (int64_t i = 0; i < n / QK; i++, x += B_Q4_0, y += QK) {
		const __m256 d = _mm256_set1_ps(get_f16(x));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(x + 2));
		__m128i lo = _mm_sub_epi8(_mm_and_si128(b, lo4), eight);
		__m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(b, 4), lo4), eight);
		const __m128i part[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
		for (int k = 0; k < 4; k++) {
			__m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(part[k]));
			_mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(f, d));
		}
	}
}
#endif /* KQ_X86 */

#ifdef KQ_NEON
static void neon_quant_q8_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q8_0) {
		float32x4_t v[8];
		uint32x4_t nan = vdupq_n_u32(0);
		float32x4_t m = vdupq_n_f32(0.0f);
		for (int k = 0; k < 8; k++) {
			v[k] = vld1q_f32(x + 4 * k);
			nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v[k], v[k])));
			m = vmaxq_f32(m, vabsq_f32(v[k]));
		}
		if (vmaxvq_u32(nan)) {
			kq_quant_q8_0(x, y, QK);
			continue;
		}
		const float amax = vmaxvq_f32(m);
		const float d = amax / ((1 << 7) - 1);
		const float id = d ? 1.0f / d : 0.0f;
		if (isinf(id)) {
			kq_quant_q8_0(x, y, QK);
			continue;
		}
		put_f16(y, d);
		for (int k = 0; k < 8; k++) {
			int32x4_t q = vcvtq_s32_f32(vrndaq_f32(vmulq_n_f32(v[k], id)));
			int16x4_t h = vmovn_s32(q);
			int8x8_t b = vmovn_s16(vcombine_s16(h, h));
			int8_t tmp[8];
			vst1_s8(tmp, b);
			memcpy(y + 2 + 4 * k, tmp, 4);
		}
	}
}

static void neon_quant_q4_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q4_0) {
		float32x4_t v[8];
		uint32x4_t nan = vdupq_n_u32(0);
		float32x4_t m = vdupq_n_f32(0.0f);
		for (int k = 0; k < 8; k++) {
			v[k] = vld1q_f32(x + 4 * k);
			nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v[k], v[k])));
			m = vmaxq_f32(m, vabsq_f32(v[k]));
		}
		if (vmaxvq_u32(nan)) {
			kq_quant_q4_0(x, y, QK);
			continue;
		}
		const float amax = vmaxvq_f32(m);
		float max = 0.0f;
		for (int j = 0; amax > 0 && j < QK; j++) {
			if (fabsf(x[j]) == amax) { /* the first, as the scalar '<' keeps */
				max = x[j];
				break;
			}
		}
		const float d = max / -8;
		const float id = d ? 1.0f / d : 0.0f;
		if (isinf(id)) {
			kq_quant_q4_0(x, y, QK);
			continue;
		}
		put_f16(y, d);
		int32x4_t q[8];
		for (int k = 0; k < 8; k++)
			q[k] = vminq_s32(vcvtq_s32_f32(vaddq_f32(vmulq_n_f32(v[k], id), vdupq_n_f32(8.5f))),
					 vdupq_n_s32(15));
		int32x4_t r[4];
		for (int k = 0; k < 4; k++)
			r[k] = vorrq_s32(q[k], vshlq_n_s32(q[k + 4], 4));
		int16x8_t h0 = vcombine_s16(vmovn_s32(r[0]), vmovn_s32(r[1]));
		int16x8_t h1 = vcombine_s16(vmovn_s32(r[2]), vmovn_s32(r[3]));
		uint8x16_t b = vcombine_u8(vmovn_u16(vreinterpretq_u16_s16(h0)), vmovn_u16(vreinterpretq_u16_s16(h1)));
		vst1q_u8(y + 2, b);
	}
}

static void neon_deq_q8_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q8_0, y += QK) {
		const float d = get_f16(x);
		for (int k = 0; k < 4; k++) {
			int16x8_t h = vmovl_s8(vld1_s8((const int8_t *)(x + 2 + 8 * k)));
			float32x4_t f0 = vcvtq_f32_s32(vmovl_s16(vget_low_s16(h)));
			float32x4_t f1 = vcvtq_f32_s32(vmovl_s16(vget_high_s16(h)));
			vst1q_f32(y + 8 * k, vmulq_n_f32(f0, d));
			vst1q_f32(y + 8 * k + 4, vmulq_n_f32(f1, d));
		}
	}
}

static void neon_deq_q4_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q4_0, y += QK) {
		const float d = get_f16(x);
		uint8x16_t b = vld1q_u8(x + 2);
		int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(b, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
		int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(b, 4)), vdupq_n_s8(8));
		const int8x16_t part[2] = {lo, hi};
		for (int k = 0; k < 2; k++) {
			int16x8_t h0 = vmovl_s8(vget_low_s8(part[k]));
			int16x8_t h1 = vmovl_s8(vget_high_s8(part[k]));
			float *o = y + 16 * k;
			vst1q_f32(o + 0, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h0))), d));
			vst1q_f32(o + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(h0))), d));
			vst1q_f32(o + 8, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h1))), d));
			vst1q_f32(o + 12, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(h1))), d));
		}
	}
}
#endif /* KQ_NEON */

/* The kernels each instruction set has, by type. */
struct simd_row {
	int type;
	kolm_from_float_fn from_float;
	kolm_to_float_fn to_float;
};

static const struct simd_row *simd_row(int type)
{
#ifdef KQ_X86
	static const struct simd_row avx2[] = {
		{KOLM_T_Q8_0, avx2_quant_q8_0, avx2_deq_q8_0},
		{KOLM_T_Q4_0, avx2_quant_q4_0, avx2_deq_q4_0},
	};
	if (have_avx2())
		for (size_t i = 0; i < sizeof avx2 / sizeof avx2[0]; i++)
			if (avx2[i].type == type)
				return &avx2[i];
#endif
#ifdef KQ_NEON
	static const struct simd_row neon[] = {
		{KOLM_T_Q8_0, neon_quant_q8_0, neon_deq_q8_0},
		{KOLM_T_Q4_0, neon_quant_q4_0, neon_deq_q4_0},
	};
	for (size_t i = 0; i < sizeof neon / sizeof neon[0]; i++)
		if (neon[i].type == type)
			return &neon[i];
#endif
	(void)type;
	return NULL;
}

const char *kq_simd_name(void)
{
#ifdef KQ_X86
	if (have_avx2())
		return "avx2";
#endif
#ifdef KQ_NEON
	return "neon";
#endif
	return "scalar";
}

kolm_from_float_fn kq_simd_from_float(int type)
{
	const struct simd_row *r = simd_row(type);
	return r ? r->from_float : NULL;
}

kolm_to_float_fn kq_simd_to_float(int type)
{
	const struct simd_row *r = simd_row(type);
	return r ? r->to_float : NULL;
}
