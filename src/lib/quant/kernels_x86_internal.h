/* kernels_x86_internal.h - the AVX2 + FMA + F16C row kernels (kernels_x86.c;
 * kernels.c calls them when the CPU has those extensions) and the register
 * helpers the engine's AVX2 vector kernels (engine/vec_x86.c) share with
 * them.  Empty on other ISAs. */
#ifndef KOLM_KERNELS_X86_INTERNAL_H
#define KOLM_KERNELS_X86_INTERNAL_H

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#define KQ_X86 1

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

/* fp16 -> fp32 with the F16C instruction (exact, like kolm_fp16_to_fp32) */
AVX2 static inline float h2f_c(const uint8_t *p)
{
	uint16_t h;
	memcpy(&h, p, 2);
	return _cvtsh_ss(h);
}

/* the F16 at p, for _mm_setr_epi16 */
static inline short h16(const uint8_t *p)
{
	int16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* 16 F16 values at p, widened to F32 */
AVX512 static inline __m512 avx512_ld_h16(const uint16_t *p)
{
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)p));
}

AVX2 static inline float hsum8(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/* 16 lanes as lo (0-7) and hi (8-15): _mm512_reduce_add_ps's tree */
AVX2 static inline float red16x(__m256 lo, __m256 hi)
{
	return hsum8(_mm256_add_ps(hi, lo));
}

/* 8 F16 values at p, widened to F32 */
AVX2 static inline __m256 avx2_ld_h8(const void *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/* h_sum on 8 lanes */
AVX2 static inline __m256 avx2_h_sum(__m256 a, __m256 b)
{
	const __m256i one = _mm256_set1_epi32(1);
	const __m256 s = _mm256_add_ps(a, b), bb = _mm256_sub_ps(s, a);
	const __m256 e = _mm256_add_ps(_mm256_sub_ps(a, _mm256_sub_ps(s, bb)), _mm256_sub_ps(b, bb));
	const __m256i u = _mm256_castps_si256(s);
	const __m256i inexact = _mm256_castps_si256(_mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_NEQ_OQ));
	const __m256i even = _mm256_cmpeq_epi32(_mm256_and_si256(u, one), _mm256_setzero_si256());
	/* +1 when e has the sign of s (away from zero), else -1 */
	const __m256i dir = _mm256_or_si256(_mm256_srai_epi32(_mm256_xor_si256(u, _mm256_castps_si256(e)), 31), one);
	const __m256i odd = _mm256_add_epi32(u, _mm256_and_si256(_mm256_and_si256(inexact, even), dir));
	return _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_castsi256_ps(odd), _MM_FROUND_TO_NEAREST_INT));
}

/* a Q4_K/Q5_K block's 8 six-bit scales and mins (q4k_scale_min for
 * j = 0..7), unpacked four at a time from the 12 bytes at q */
static inline void q4k_scales8(const uint8_t *q, uint8_t sc[8], uint8_t mn[8])
{
	uint32_t u[3];
	memcpy(u, q, 12);
	const uint32_t k6 = 0x3f3f3f3f, k4 = 0x0f0f0f0f, k2 = 0x03030303;
	const uint32_t s0 = u[0] & k6, m0 = u[1] & k6;
	const uint32_t s1 = (u[2] & k4) | (((u[0] >> 6) & k2) << 4);
	const uint32_t m1 = ((u[2] >> 4) & k4) | (((u[1] >> 6) & k2) << 4);
	memcpy(sc, &s0, 4);
	memcpy(sc + 4, &s1, 4);
	memcpy(mn, &m0, 4);
	memcpy(mn + 4, &m1, 4);
}

/* half h of a Q6_K block (elements 128h..128h+127) as its 6-bit values
 * 0..63: e[k] holds elements 128h + 32k + l, from ql's nibbles and qh's bit
 * pairs */
AVX2 static inline void avx2_q6k_codes(const uint8_t *x, int h, __m256i e[4])
{
	const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
	const __m256i l0 = _mm256_loadu_si256((const __m256i *)(const void *)(x + 64 * h));
	const __m256i l1 = _mm256_loadu_si256((const __m256i *)(const void *)(x + 64 * h + 32));
	const __m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)(x + 128 + 32 * h));
	e[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30));
	e[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30));
	e[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hb, m30));
	e[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30));
}

/* a Q6_K block's 256 six-bit values (0..63, the stored value + 32) in
 * element order, 64 per register: elements 128h + 0..63 from ql[64h..]'s
 * low nibbles and qh's bits 0-1 and 2-3, 128h + 64..127 from the high
 * nibbles and bits 4-5 and 6-7 */
AVX512 static inline void q6k_codes(const uint8_t *x, __m512i q[4])
{
	const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
	for (int h = 0; h < 2; h++) {
		const __m512i l01 = _mm512_loadu_si512((const void *)(x + 64 * h));
		const __m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)(x + 128 + 32 * h));
		const __m512i h0 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_slli_epi16(hb, 4)),
						      _mm256_slli_epi16(hb, 2), 1);
		const __m512i h1 = _mm512_inserti64x4(_mm512_castsi256_si512(hb), _mm256_srli_epi16(hb, 2), 1);
		q[2 * h] = _mm512_or_si512(_mm512_and_si512(l01, m4), _mm512_and_si512(h0, m30));
		q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l01, 4), m4), _mm512_and_si512(h1, m30));
	}
}

/* the kernels: what kernels_ref_internal.h's kq_ref_* compute */
void kq_avx2_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum);
void kq_avx2_to_f16(const float *x, uint16_t *y, int64_t n);
float kq_avx2_dot_f32(const float *a, const float *b, int64_t n);
float kq_avx2_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_avx2_dot_f32_tb(const float *a, const float *b, int64_t n);
float kq_avx2_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n);
void kq_avx2_quant_q8_K(const float *x, uint8_t *y, int64_t n);
float kq_avx2_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n);
void kq_avx2_dot_q8_0_rows4(const uint8_t *x, size_t xs, const uint8_t *y, int64_t n, float *out);
float kq_avx2_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut);
void kq_avx2_dot_nl_x8_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, const int8_t *lut,
			     float *out);
void kq_avx2_dot_nl_x8_rows8(const uint8_t *x, size_t xs, const uint8_t *y, int64_t n, const int8_t *lut,
			     float *out);
float kq_avx2_dot_q2_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_q3_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_q5_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx2_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n);
void kq_avx2_round_f16(const float *x, float *y, int64_t n);
void kq_avx2_dot_f16_f32_cols8(const uint16_t *a, const float *y, size_t ys, int64_t n, float *out);
/* prompt batches on AVX2: one Q8_0 / Q4_K / Q6_K row against 8 activation
 * rows ys bytes apart, each column the AVX2 vec_dot's bits */
void kq_avx2_dot_q8_0_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
void kq_avx2_dot_q4_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
void kq_avx2_dot_q6_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
/* AVX-512 (F, BW, VL, VNNI; kq_kernels_avx512() says when the CPU has them) */
float kq_avx2_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n);
float kq_avx512_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n);
void kq_avx512_dot_q4_0_x8_rows8(const uint8_t *x, size_t xs, const uint8_t *y, int64_t n, float *out);
void kq_avx512_dot_q4_0_x8_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
void kq_avx512_dot_q4_0_x8_rows2_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
				       float *out);
/* eight Q4_0 rows xs bytes apart against 8 activation rows: out[8 * r + c],
 * each the 8-column kernel's bits */
void kq_avx512_dot_q4_0_x8_rows8_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
				       float *out);
void kq_avx512_dot_f16_f32_cols8(const uint16_t *a, const float *y, size_t ys, int64_t n, float *out);
/* two F16 rows as bytes apart against 8 F32 activation rows: out[8 * r + c],
 * each the 8-column kernel's bits */
void kq_avx512_dot_f16_f32_rows2_cols8(const uint16_t *a, size_t as, const float *y, size_t ys, int64_t n,
				       float *out);
/* the same for eight rows (out[8 * r + c]) */
void kq_avx512_dot_f16_f32_rows8_cols8(const uint16_t *a, size_t as, const float *y, size_t ys, int64_t n,
				       float *out);
/* prompt batches: one Q8_0 / Q4_K / Q6_K row against 8 activation rows ys
 * bytes apart (Q8_0: kq_ref_dot_q8_0's bits; the K-quants: the reference's
 * integer sums, another float order) */
void kq_avx512_dot_q8_0_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
/* four Q8_0 rows xs bytes apart against 8 activation rows: out[8 * r + c],
 * each the 8-column kernel's bits */
void kq_avx512_dot_q8_0_rows4_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
				    float *out);
void kq_avx512_dot_q4_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
void kq_avx512_dot_q6_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out);
/* one row and one activation row: the same per column, as the fast
 * path's decode dot (each column of the 8-column kernel gets these bits) */
float kq_avx512_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n);
float kq_avx512_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n);
#endif

#endif
