/* affine_dot.c - a row of MLX affine group-quantized weights (affine.h:
 * packed q, one scale and one bias per group, stored F32/F16/BF16) dotted
 * with float32 activations, as mlx's quantized matmul computes it:
 *
 *   y = sum over groups g of  scale_g * sum_i(q_i x_i) + bias_g * sum_i(x_i)
 *
 * with the per-group sums of x computed once per activation row
 * (kolm_affine_xsum) and shared by every weight row.  The scalar reference
 * sums in order; the AVX2 (x86-64, chosen at run time) and NEON kernels
 * unpack each group's q to bytes, widen them to float and sum with fused
 * multiply-adds in vector lanes, so they differ from the reference only by
 * float summation order (tests/simd/check_affine.c). */
#include <string.h>

#include "kolm/affine.h"
#include "kolm/fp16.h"
#include "kolm/types.h"
#include "kernels_internal.h"
#include "kernels_x86_internal.h"
#include "kernels_arm_internal.h"

static float stored(const void *p, int stype, int64_t i)
{
	if (stype == KOLM_T_F16)
		return kolm_fp16_to_fp32(((const uint16_t *)p)[i]);
	if (stype == KOLM_T_BF16)
		return kolm_bf16_to_fp32(((const uint16_t *)p)[i]);
	return ((const float *)p)[i];
}

void kolm_affine_xsum(const float *x, int64_t n, int group, float *xs)
{
	for (int64_t g = 0; g < n / group; g++) {
		float s = 0;
		for (int j = 0; j < group; j++)
			s += x[g * group + j];
		xs[g] = s;
	}
}

/* values i0..i0+m of the packed stream as bytes */
static void unpack(const uint8_t *q, int64_t i0, int m, int bits, uint8_t *out)
{
	if (bits == 8) {
		memcpy(out, q + i0, (size_t)m);
		return;
	}
	if (bits == 4) {
		const uint8_t *p = q + i0 / 2;
		for (int j = 0; j < m; j += 2) {
			out[j] = p[j / 2] & 15;
			out[j + 1] = p[j / 2] >> 4;
		}
		return;
	}
	if (bits == 6 && i0 % 4 == 0 && m % 4 == 0) { /* 4 values in 3 bytes */
		const uint8_t *p = q + i0 / 4 * 3;
		for (int j = 0; j < m; j += 4, p += 3) {
			uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
			out[j] = (uint8_t)(v & 63);
			out[j + 1] = (uint8_t)(v >> 6 & 63);
			out[j + 2] = (uint8_t)(v >> 12 & 63);
			out[j + 3] = (uint8_t)(v >> 18);
		}
		return;
	}
	const uint32_t mask = (1u << bits) - 1;
	uint64_t bit = (uint64_t)i0 * (uint64_t)bits;
	for (int j = 0; j < m; j++, bit += (uint64_t)bits) {
		const uint8_t *p = q + (bit >> 3);
		uint32_t u = p[0];
		if ((bit & 7) + (uint64_t)bits > 8)
			u |= (uint32_t)p[1] << 8;
		out[j] = (uint8_t)((u >> (bit & 7)) & mask);
	}
}

static float dot_ref(const uint8_t *q, const void *sc, const void *bi, int stype, int64_t n, int group, int bits,
		     const float *x, const float *xs)
{
	uint8_t u[256];
	float y = 0;
	for (int64_t g = 0; g < n / group; g++) {
		float s = 0;
		for (int j0 = 0; j0 < group; j0 += 256) {
			int m = group - j0 < 256 ? group - j0 : 256;
			unpack(q, g * group + j0, m, bits, u);
			for (int j = 0; j < m; j++)
				s += (float)u[j] * x[g * group + j0 + j];
		}
		y += stored(sc, stype, g) * s + stored(bi, stype, g) * xs[g];
	}
	return y;
}

#if defined(KQ_X86)
AVX2 static float dot_avx2(const uint8_t *q, const void *sc, const void *bi, int stype, int64_t n, int group,
			   int bits, const float *x, const float *xs)
{
	uint8_t u[256];
	__m256 acc = _mm256_setzero_ps();
	float yb = 0;
	for (int64_t g = 0; g < n / group; g++) {
		__m256 s = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(); /* two chains of fused adds */
		for (int j0 = 0; j0 < group; j0 += 256) {
			int m = group - j0 < 256 ? group - j0 : 256;
			const float *xg = x + g * group + j0;
			if (bits == 4 && m % 16 == 0) { /* 16 nibbles from 8 bytes, low nibble first */
				const uint8_t *p = q + (g * group + j0) / 2;
				for (int j = 0; j < m; j += 16) {
					__m128i b = _mm_loadl_epi64((const __m128i *)(p + j / 2));
					__m128i lo = _mm_and_si128(b, _mm_set1_epi8(15));
					__m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(15));
					__m128i v = _mm_unpacklo_epi8(lo, hi);
					__m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v));
					__m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)));
					s = _mm256_fmadd_ps(f0, _mm256_loadu_ps(xg + j), s);
					s2 = _mm256_fmadd_ps(f1, _mm256_loadu_ps(xg + j + 8), s2);
				}
				continue;
			}
			const uint8_t *p = q + g * group + j0;
			if (bits != 8) {
				unpack(q, g * group + j0, m, bits, u);
				p = u;
			}
			int j = 0;
			for (; j + 16 <= m; j += 16) {
				__m128i b = _mm_loadu_si128((const __m128i *)(p + j));
				__m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
				__m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(b, 8)));
				s = _mm256_fmadd_ps(f0, _mm256_loadu_ps(xg + j), s);
				s2 = _mm256_fmadd_ps(f1, _mm256_loadu_ps(xg + j + 8), s2);
			}
			if (j < m) { /* m % 8 == 0: one last 8 */
				__m128i b = _mm_loadl_epi64((const __m128i *)(p + j));
				s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b)), _mm256_loadu_ps(xg + j), s);
			}
		}
		acc = _mm256_fmadd_ps(_mm256_set1_ps(stored(sc, stype, g)), _mm256_add_ps(s, s2), acc);
		yb += stored(bi, stype, g) * xs[g];
	}
	return hsum8(acc) + yb;
}
#endif

#if defined(KQ_NEON)
static float dot_neon(const uint8_t *q, const void *sc, const void *bi, int stype, int64_t n, int group, int bits,
		      const float *x, const float *xs)
{
	uint8_t u[256];
	float32x4_t acc = vdupq_n_f32(0);
	float yb = 0;
	for (int64_t g = 0; g < n / group; g++) {
		float32x4_t s = vdupq_n_f32(0);
		for (int j0 = 0; j0 < group; j0 += 256) {
			int m = group - j0 < 256 ? group - j0 : 256;
			const float *xg = x + g * group + j0;
			const uint8_t *p = q + g * group + j0;
			if (bits != 8) {
				unpack(q, g * group + j0, m, bits, u);
				p = u;
			}
			for (int j = 0; j < m; j += 8) {
				uint16x8_t h = vmovl_u8(vld1_u8(p + j));
				float32x4_t f0 = vcvtq_f32_u32(vmovl_u16(vget_low_u16(h)));
				float32x4_t f1 = vcvtq_f32_u32(vmovl_u16(vget_high_u16(h)));
				s = vfmaq_f32(s, f0, vld1q_f32(xg + j));
				s = vfmaq_f32(s, f1, vld1q_f32(xg + j + 4));
			}
		}
		acc = vfmaq_f32(acc, vdupq_n_f32(stored(sc, stype, g)), s);
		yb += stored(bi, stype, g) * xs[g];
	}
	return vaddvq_f32(acc) + yb;
}
#endif

float kolm_affine_dot(const uint8_t *q, const void *scales, const void *biases, int stype, int64_t n, int group,
		      int bits, const float *x, const float *xs, int simd)
{
#if defined(KQ_X86)
	if (simd && kq_kernels_simd())
		return dot_avx2(q, scales, biases, stype, n, group, bits, x, xs);
#elif defined(KQ_NEON)
	if (simd)
		return dot_neon(q, scales, biases, stype, n, group, bits, x, xs);
#endif
	return dot_ref(q, scales, biases, stype, n, group, bits, x, xs);
}

void kolm_affine_dequantize_row_t(const uint8_t *q, const void *scales, const void *biases, int stype, int64_t n,
				  int group, int bits, float *out)
{
	uint8_t u[256];
	for (int64_t g = 0; g < n / group; g++) {
		const float s = stored(scales, stype, g), b = stored(biases, stype, g);
		for (int j0 = 0; j0 < group; j0 += 256) {
			int m = group - j0 < 256 ? group - j0 : 256;
			unpack(q, g * group + j0, m, bits, u);
			for (int j = 0; j < m; j++)
				out[g * group + j0 + j] = s * (float)u[j] + b;
		}
	}
}
