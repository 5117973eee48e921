/* kernels_x86.c - the AVX2 + FMA + F16C versions of the row kernels in
 * kernels_ref.c (F32, F16, Q8_0, Q4_0, the K-quants, IQ4, activation
 * quantization), compiled for that target function by function and called
 * only when the CPU has it.  The F32, F16, Q8_0 and Q4_0 dots and the
 * repacked Q4_0 / IQ4_NL order hold the reference build's 16 or 32 lanes in
 * several registers and give the scalar reference's bits; the other
 * quantized dots sum the same integer products per block in another float
 * order (tests/simd/check_kernels.c). */
#include "kernels_ref_internal.h"
#include "kernels_x86_internal.h"

#ifdef KQ_X86
AVX2 static inline int hsum8i(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
	return _mm_cvtsi128_si32(s);
}

AVX2 void kq_avx2_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum)
{
	const size_t bs = with_sum ? B_Q8_1 : B_Q8_0;
	const __m256 sign = _mm256_set1_ps(-0.0f);
	for (int64_t b = 0; b < n / 32; b++, x += 32, y += bs) {
		__m256 v[4];
		__m256 m = _mm256_setzero_ps();
		for (int k = 0; k < 4; k++) {
			v[k] = _mm256_loadu_ps(x + 8 * k);
			m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[k]));
		}
		__m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
		m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
		m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
		const float amax = _mm_cvtss_f32(m4);
		if (amax != amax) { /* NaN: leave it to the scalar code */
			kq_ref_quant_q8(x, y, 32, with_sum);
			continue;
		}
		const float d = amax / 127.f;
		const float id = amax != 0.0f ? 127.f / amax : 0.0f;
		const __m256 vid = _mm256_set1_ps(id);
		__m256i q[4];
		for (int k = 0; k < 4; k++)
			q[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], vid),
								  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
		put_f16(y, d);
		if (with_sum) {
			__m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
			put_f16(y + 2, d * (float)hsum8i(s));
		}
		__m256i p01 = _mm256_packs_epi32(q[0], q[1]);
		__m256i p23 = _mm256_packs_epi32(q[2], q[3]);
		__m256i p = _mm256_packs_epi16(p01, p23);
		p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)(void *)(y + (with_sum ? 4 : 2)), p);
	}
}

/* kq_ref_quant_q8_K (the K-quants' activations), the same bytes: the
 * first element of largest magnitude sets the scale (-127 / it), values
 * rounded to nearest even as the reference's magic-number rounding does
 * below 2^22, clamped at 127; a block with a NaN, an infinity or a largest
 * magnitude below 2^-120 goes to the reference */
AVX2 void kq_avx2_quant_q8_K(const float *x, uint8_t *y, int64_t n)
{
	const __m256 sign = _mm256_set1_ps(-0.0f);
	for (int64_t b = 0; b < n / 256; b++, x += 256, y += B_Q8_K) {
		__m256 m = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
		for (int k = 0; k < 32; k++) {
			const __m256 v = _mm256_loadu_ps(x + 8 * k);
			m = _mm256_max_ps(_mm256_andnot_ps(sign, v), m);
			bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
		}
		__m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
		m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
		m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
		const float amax = _mm_cvtss_f32(m4);
		/* below 2^-120 the reference's -127 / max overflows to an infinity
		 * its magic-number rounding turns into 0s and this conversion would
		 * not: the reference takes those blocks too */
		if (_mm256_movemask_ps(bad) || !(amax <= 3.4e38f) || (amax > 0 && amax < 0x1p-120f)) {
			kq_ref_quant_q8_K(x, y, 256);
			continue;
		}
		int8_t *qs = (int8_t *)(y + 4);
		int16_t bs[16];
		float d = 0;
		if (amax == 0) {
			memset(qs, 0, 256);
			memset(bs, 0, sizeof bs);
		} else {
			int j = 0;
			while (fabsf(x[j]) != amax)
				j++;
			const float iscale = -127.f / x[j];
			const __m256 vi = _mm256_set1_ps(iscale);
			const __m256i top = _mm256_set1_epi32(127);
			for (int k = 0; k < 32; k += 4) {
				__m256i q[4];
				for (int i = 0; i < 4; i++)
					q[i] = _mm256_min_epi32(
						_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * (k + i)), vi)), top);
				bs[k / 2] = (int16_t)hsum8i(_mm256_add_epi32(q[0], q[1]));
				bs[k / 2 + 1] = (int16_t)hsum8i(_mm256_add_epi32(q[2], q[3]));
				__m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
				p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
				_mm256_storeu_si256((__m256i *)(void *)(qs + 8 * k), p);
			}
			d = 1 / iscale;
		}
		memcpy(y, &d, 4);
		memcpy(y + 260, bs, sizeof bs);
	}
}

/* 32 signed bytes x . 32 signed bytes y -> 8 int32 lanes */
AVX2 static inline __m256i dot_i8(__m256i x, __m256i y)
{
	const __m256i ax = _mm256_sign_epi8(x, x);
	const __m256i sy = _mm256_sign_epi8(y, x);
	const __m256i p16 = _mm256_maddubs_epi16(ax, sy);
	return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

AVX2 float kq_avx2_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const int64_t nb = n / 32;
	for (int64_t b = 0; b < nb; b++, x += 34, y += 34) {
		const __m256 d = _mm256_set1_ps(h2f_c(x) * h2f_c(y));
		__m256i qx = _mm256_loadu_si256((const __m256i *)(const void *)(x + 2));
		__m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + 2));
		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(qx, qy)), acc);
	}
	return hsum8(acc);
}

/* kq_avx2_dot_q8_0 of the 4 rows x + r * xs with one activation row (a
 * decode step): each activation block loaded once, and 4 independent
 * accumulator chains instead of one (the chain's fused multiply-add latency
 * bounds the one-row loop); each row's operations and order unchanged, so
 * its bits */
AVX2 void kq_avx2_dot_q8_0_rows4(const uint8_t *x, size_t xs, const uint8_t *y, int64_t n, float *out)
{
	__m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
	const int64_t nb = n / 32;
	for (int64_t b = 0; b < nb; b++, x += 34, y += 34) {
		const float dy = h2f_c(y);
		const __m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + 2));
		_Pragma("GCC unroll 4") for (int r = 0; r < 4; r++) {
			const uint8_t *xr = x + (size_t)r * xs;
			_mm_prefetch((const char *)(xr + 34 * 8), _MM_HINT_T0);
			const __m256 d = _mm256_set1_ps(h2f_c(xr) * dy);
			const __m256i qx = _mm256_loadu_si256((const __m256i *)(const void *)(xr + 2));
			acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(qx, qy)), acc[r]);
		}
	}
	for (int r = 0; r < 4; r++)
		out[r] = hsum8(acc[r]);
}

AVX2 float kq_avx2_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m256i lo4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
	const int64_t nb = n / 32;
	for (int64_t b = 0; b < nb; b++, x += 18, y += 34) {
		const __m256 d = _mm256_set1_ps(h2f_c(x) * h2f_c(y));
		__m128i raw = _mm_loadu_si128((const __m128i *)(const void *)(x + 2));
		__m256i q = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
		q = _mm256_sub_epi8(_mm256_and_si256(q, lo4), eight);
		__m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + 2));
		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(q, qy)), acc);
	}
	return hsum8(acc);
}

/* 32 codebook values of 16 index bytes: low nibbles then high nibbles */
AVX2 static inline __m256i iq4_values(const uint8_t *q, __m128i table)
{
	const __m128i raw = _mm_loadu_si128((const __m128i *)(const void *)q), m4 = _mm_set1_epi8(0x0F);
	return _mm256_set_m128i(_mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(raw, 4), m4)),
				_mm_shuffle_epi8(table, _mm_and_si128(raw, m4)));
}

/* a 4-bit block (x) whose nibbles index `table` (kq_ref_dot_nl_x8) . a Q8_0
 * block (y), as 8 int32 lanes of 4-product sums */
AVX2 static inline __m256i dot_nl_blk(const uint8_t *x, const uint8_t *y, __m128i table)
{
	return dot_i8(iq4_values(x + 2, table), _mm256_loadu_si256((const __m256i *)(const void *)(y + 2)));
}

/* acc = fma(f[l], d[l], acc) for the 4 lanes l of f and d, in lane order */
AVX2 static inline __m128 fma4_ss(__m128 f, __m128 d, __m128 acc)
{
	acc = _mm_fmadd_ss(f, d, acc);
	acc = _mm_fmadd_ss(_mm_movehdup_ps(f), _mm_movehdup_ps(d), acc);
	acc = _mm_fmadd_ss(_mm_movehl_ps(f, f), _mm_movehl_ps(d, d), acc);
	return _mm_fmadd_ss(_mm_shuffle_ps(f, f, 3), _mm_shuffle_ps(d, d, 3), acc);
}

/* kq_ref_dot_nl_x8, eight blocks at a time, all in registers: their integer
 * sums by one transposing hadd tree, their d_w * d_a as one vector, then
 * the fused multiply-adds one block after the other */
AVX2 float kq_avx2_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut)
{
	const __m128i table = _mm_loadu_si128((const __m128i *)(const void *)lut);
	__m128 acc = _mm_setzero_ps();
	const int64_t nb = n / 32;
	int64_t b = 0;
	for (; b + 8 <= nb; b += 8, x += 8 * 18, y += 8 * 34) {
#define BLK(k) dot_nl_blk(x + 18 * (k), y + 34 * (k), table)
		const __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(BLK(0), BLK(1)), _mm256_hadd_epi32(BLK(2), BLK(3)));
		const __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(BLK(4), BLK(5)), _mm256_hadd_epi32(BLK(6), BLK(7)));
#undef BLK
		/* lane k: block k's sum (halves 0-3 / 4-7 of each block added) */
		const __m256 f = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20),
								     _mm256_permute2x128_si256(h0, h1, 0x31)));
		const __m256 dw = _mm256_cvtph_ps(_mm_setr_epi16(h16(x), h16(x + 18), h16(x + 36), h16(x + 54), h16(x + 72),
								 h16(x + 90), h16(x + 108), h16(x + 126)));
		const __m256 da = _mm256_cvtph_ps(_mm_setr_epi16(h16(y), h16(y + 34), h16(y + 68), h16(y + 102),
								 h16(y + 136), h16(y + 170), h16(y + 204), h16(y + 238)));
		const __m256 d = _mm256_mul_ps(dw, da);
		acc = fma4_ss(_mm256_castps256_ps128(f), _mm256_castps256_ps128(d), acc);
		acc = fma4_ss(_mm256_extractf128_ps(f, 1), _mm256_extractf128_ps(d, 1), acc);
	}
	for (; b < nb; b++, x += 18, y += 34)
		acc = _mm_fmadd_ss(_mm_set_ss((float)hsum8i(dot_nl_blk(x, y, table))), _mm_set_ss(h2f_c(x) * h2f_c(y)), acc);
	return _mm_cvtss_f32(acc);
}

/* kq_ref_dot_nl_x8 of one row against 8 activation rows ys bytes apart (a
 * prompt batch): each weight block is decoded once, the 8 columns' block
 * sums come out of one hadd tree, and their 8 fused multiply-add chains
 * are the lanes of one vector, each still one rounding per block */
AVX2 void kq_avx2_dot_nl_x8_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, const int8_t *lut,
				      float *out)
{
	const __m128i table = _mm_loadu_si128((const __m128i *)(const void *)lut);
	const __m256i ones = _mm256_set1_epi16(1);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const __m256i q = iq4_values(x + 2, table);
		const __m256i ax = _mm256_sign_epi8(q, q);
#define COL(c)                                                                                              \
	_mm256_madd_epi16(_mm256_maddubs_epi16(                                                             \
				  ax, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(y + (c) * ys + 2)), q)), \
			  ones)
		const __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(COL(0), COL(1)), _mm256_hadd_epi32(COL(2), COL(3)));
		const __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(COL(4), COL(5)), _mm256_hadd_epi32(COL(6), COL(7)));
#undef COL
		const __m256 f = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20),
								     _mm256_permute2x128_si256(h0, h1, 0x31)));
		const __m256 da = _mm256_cvtph_ps(_mm_setr_epi16(h16(y), h16(y + ys), h16(y + 2 * ys), h16(y + 3 * ys),
								 h16(y + 4 * ys), h16(y + 5 * ys), h16(y + 6 * ys),
								 h16(y + 7 * ys)));
		acc = _mm256_fmadd_ps(f, _mm256_mul_ps(_mm256_set1_ps(h2f_c(x)), da), acc);
	}
	_mm256_storeu_ps(out, acc);
}

/* ggml_vec_dot_f32/_f16's main loop: LA/LB load 8 elements as floats */
#define AVX2_DOT4X16(LA, LB)                                                                 \
	__m256 l0 = _mm256_setzero_ps(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0; \
	const int64_t np = n & ~(int64_t)63;                                                 \
	for (int64_t i = 0; i < np; i += 64) {                                               \
		l0 = _mm256_fmadd_ps(LA(a + i), LB(b + i), l0);                              \
		h0 = _mm256_fmadd_ps(LA(a + i + 8), LB(b + i + 8), h0);                      \
		l1 = _mm256_fmadd_ps(LA(a + i + 16), LB(b + i + 16), l1);                    \
		h1 = _mm256_fmadd_ps(LA(a + i + 24), LB(b + i + 24), h1);                    \
		l2 = _mm256_fmadd_ps(LA(a + i + 32), LB(b + i + 32), l2);                    \
		h2 = _mm256_fmadd_ps(LA(a + i + 40), LB(b + i + 40), h2);                    \
		l3 = _mm256_fmadd_ps(LA(a + i + 48), LB(b + i + 48), l3);                    \
		h3 = _mm256_fmadd_ps(LA(a + i + 56), LB(b + i + 56), h3);                    \
	}                                                                                    \
	l0 = _mm256_add_ps(l0, l2);                                                          \
	h0 = _mm256_add_ps(h0, h2);                                                          \
	l1 = _mm256_add_ps(l1, l3);                                                          \
	h1 = _mm256_add_ps(h1, h3);                                                          \
	const float red = red16x(_mm256_add_ps(l0, l1), _mm256_add_ps(h0, h1))

AVX2 float kq_avx2_dot_f32(const float *a, const float *b, int64_t n)
{
	AVX2_DOT4X16(_mm256_loadu_ps, _mm256_loadu_ps);
	return dot_tail_f32(a, b, np, n, red);
}

#undef AVX2_DOT4X16

/* kq_ref_dot_f16 with acc[4j + q] holding lanes 8q..8q+7 of accumulator j */
AVX2 float kq_avx2_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	__m256 acc[16];
	for (int r = 0; r < 16; r++)
		acc[r] = _mm256_setzero_ps();
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	for (int64_t i = 0; i < np; i += KQ_H_STEP)
		for (int r = 0; r < 16; r++)
			acc[r] = avx2_h_sum(_mm256_mul_ps(avx2_ld_h8(a + i + 8 * r), avx2_ld_h8(b + i + 8 * r)), acc[r]);
	for (int q = 0; q < 4; q++) {
		acc[q] = avx2_h_sum(acc[q], acc[8 + q]);
		acc[4 + q] = avx2_h_sum(acc[4 + q], acc[12 + q]);
		acc[q] = avx2_h_sum(acc[q], acc[4 + q]);
	}
	float t[8];
	_mm256_storeu_ps(t, avx2_h_sum(avx2_h_sum(acc[0], acc[2]), avx2_h_sum(acc[1], acc[3])));
	return dot_tail_f16(a, b, np, n, h_reduce(t, 8));
}

/* tinyBLAS's order: one 16-lane accumulator, n a multiple of 16 */
#define AVX2_DOT_TB(LA, LB)                                                          \
	__m256 lo = _mm256_setzero_ps(), hi = lo;                                    \
	for (int64_t i = 0; i < n; i += 16) {                                        \
		lo = _mm256_fmadd_ps(LA(a + i), LB(b + i), lo);                      \
		hi = _mm256_fmadd_ps(LA(a + i + 8), LB(b + i + 8), hi);              \
	}                                                                            \
	return red16x(lo, hi)

AVX2 float kq_avx2_dot_f32_tb(const float *a, const float *b, int64_t n)
{
	AVX2_DOT_TB(_mm256_loadu_ps, _mm256_loadu_ps);
}

AVX2 float kq_avx2_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n)
{
	AVX2_DOT_TB(avx2_ld_h8, avx2_ld_h8);
}
#undef AVX2_DOT_TB

AVX2 void kq_avx2_to_f16(const float *x, uint16_t *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(y + i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		y[i] = kolm_fp32_to_fp16(x[i]);
}
AVX2 static KQ_INLINE float dot_q45_K(const uint8_t *x, const uint8_t *y, int64_t n, int q5)
{
	const __m256i lo4 = _mm256_set1_epi8(0x0F), b4 = _mm256_set1_epi8(0x10);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q5 ? 176 : 144, y += B_Q8_K) {
		const __m256i qh = _mm256_loadu_si256((const __m256i *)(const void *)(x + 16));
		uint8_t sc[8], mn[8];
		q4k_scales8(x + 4, sc, mn);
		/* the min term: mn[g] * (bsum[2g] + bsum[2g + 1]), as one madd */
		const __m128i m16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)mn));
		const __m256i mm = _mm256_set_m128i(_mm_unpackhi_epi16(m16, m16), _mm_unpacklo_epi16(m16, m16));
		const int msum =
			hsum8i(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(const void *)(y + 260)), mm));
		__m256i acc = _mm256_setzero_si256();
		for (int j = 0; j < 4; j++) {
			const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(x + (q5 ? 48 : 16) + 32 * j));
			__m256i lo = _mm256_and_si256(v, lo4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4);
			if (q5) { /* the fifth bit: 0x10 where bit g of qh[l] is set */
				const __m256i bl = _mm256_set1_epi8((char)(1 << (2 * j)));
				const __m256i bh = _mm256_set1_epi8((char)(1 << (2 * j + 1)));
				lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bl), bl), b4));
				hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bh), bh), b4));
			}
			const __m256i q8l = _mm256_loadu_si256((const __m256i *)(const void *)(y + 4 + 64 * j));
			const __m256i q8h = _mm256_loadu_si256((const __m256i *)(const void *)(y + 36 + 64 * j));
			const int sc0 = sc[2 * j], sc1 = sc[2 * j + 1];
			/* u8 x s8 pairs <= 2*31*127: no int16 saturation */
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(lo, q8l),
								      _mm256_set1_epi16((short)sc0)));
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(hi, q8h),
								      _mm256_set1_epi16((short)sc1)));
		}
		const float dy = q8k_d(y);
		s += (h2f_c(x) * dy) * (float)hsum8i(acc) - (h2f_c(x + 2) * dy) * (float)msum;
	}
	return s;
}

AVX2 float kq_avx2_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q45_K(x, y, n, 0);
}

AVX2 float kq_avx2_dot_q5_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q45_K(x, y, n, 1);
}

AVX2 float kq_avx2_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += B_Q8_K) {
		__m256i acc = _mm256_setzero_si256();
		for (int h = 0; h < 2; h++) {
			__m256i e[4];
			avx2_q6k_codes(x, h, e);
			for (int k = 0; k < 4; k++) {
				const int g = 8 * h + 2 * k; /* scale groups of 16: g (low half), g + 1 */
				const __m256i q8 = _mm256_loadu_si256((const __m256i *)(const void *)(y + 4 + 128 * h + 32 * k));
				const __m256i sc = _mm256_set_m128i(_mm_set1_epi16((int8_t)x[192 + g + 1]),
								    _mm_set1_epi16((int8_t)x[192 + g]));
				/* u8 x s8 pairs <= 2*63*127: no int16 saturation */
				acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(e[k], q8), sc));
			}
		}
		/* q6k_offset: 32 * sum of scale[g] * bsum[g], as one madd */
		const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(x + 192)));
		const int off = 32 * hsum8i(_mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)(const void *)(y + 260))));
		s += (h2f_c(x + 208) * q8k_d(y)) * (float)(hsum8i(acc) - off);
	}
	return s;
}

/* Q2_K and Q3_K: per half, the four 2-bit planes of 32 bytes; values as
 * unsigned bytes (Q3_K: plus 4, corrected by 4 * scale * bsum) */
AVX2 static KQ_INLINE float dot_q23_K(const uint8_t *x, const uint8_t *y, int64_t n, int q3)
{
	const __m256i m3 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
	const size_t bsz = q3 ? 110 : 84;
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += bsz, y += B_Q8_K) {
		int8_t sc[16];
		q23k_scales(x, q3, sc);
		const uint8_t *qs = x + (q3 ? 32 : 16);
		const __m256i hm = q3 ? _mm256_loadu_si256((const __m256i *)(const void *)x) : _mm256_setzero_si256();
		__m256i acc = _mm256_setzero_si256();
		for (int h = 0; h < 2; h++) {
			const __m256i qv = _mm256_loadu_si256((const __m256i *)(const void *)(qs + 32 * h));
			for (int j = 0; j < 4; j++) {
				const int g = 8 * h + 2 * j;
				__m256i e = _mm256_and_si256(_mm256_srli_epi16(qv, 2 * j), m3);
				if (q3) {
					const __m256i bit = _mm256_set1_epi8((char)(1 << (4 * h + j)));
					e = _mm256_or_si256(e, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit), four));
				}
				const __m256i q8 = _mm256_loadu_si256((const __m256i *)(const void *)(y + 4 + 128 * h + 32 * j));
				const __m256i scv = _mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]));
				acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(e, q8), scv));
			}
		}
		s += q23k_block(x, y, q3, sc, hsum8i(acc));
	}
	return s;
}

AVX2 float kq_avx2_dot_q2_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q23_K(x, y, n, 0);
}

AVX2 float kq_avx2_dot_q3_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q23_K(x, y, n, 1);
}

AVX2 float kq_avx2_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const __m128i table = _mm_loadu_si128((const __m128i *)(const void *)kvalues_iq4nl);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const __m256 d = _mm256_set1_ps(h2f_c(x) * h2f_c(y));
		const __m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + 2));
		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(iq4_values(x + 2, table), qy)), acc);
	}
	return hsum8(acc);
}

AVX2 float kq_avx2_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const __m128i table = _mm_loadu_si128((const __m128i *)(const void *)kvalues_iq4nl);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 136, y += B_Q8_K) {
		__m256i acc = _mm256_setzero_si256();
		for (int g = 0; g < 8; g++) {
			const __m256i q8 = _mm256_loadu_si256((const __m256i *)(const void *)(y + 4 + 32 * g));
			acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_i8(iq4_values(x + 8 + 16 * g, table), q8),
								      _mm256_set1_epi32(iq4xs_scale(x, g))));
		}
		s += (h2f_c(x) * q8k_d(y)) * (float)hsum8i(acc);
	}
	return s;
}
#endif /* KQ_X86 */

#ifdef KQ_X86
/* kq_ref_dot_f16_f32 (F32 arithmetic): four 8-lane fused accumulators */
AVX2 float kq_avx2_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		s0 = _mm256_fmadd_ps(avx2_ld_h8(a + i), avx2_ld_h8(b + i), s0);
		s1 = _mm256_fmadd_ps(avx2_ld_h8(a + i + 8), avx2_ld_h8(b + i + 8), s1);
		s2 = _mm256_fmadd_ps(avx2_ld_h8(a + i + 16), avx2_ld_h8(b + i + 16), s2);
		s3 = _mm256_fmadd_ps(avx2_ld_h8(a + i + 24), avx2_ld_h8(b + i + 24), s3);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(avx2_ld_h8(a + i), avx2_ld_h8(b + i), s0);
	float s = hsum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
	for (; i < n; i++)
		s = fmaf(_cvtsh_ss(a[i]), _cvtsh_ss(b[i]), s);
	return s;
}

/* the same with four 16-lane accumulators (AVX-512F) */
AVX512 float kq_avx512_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n)
{
	__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	int64_t i = 0;
	for (; i + 64 <= n; i += 64) {
		s0 = _mm512_fmadd_ps(avx512_ld_h16(a + i), avx512_ld_h16(b + i), s0);
		s1 = _mm512_fmadd_ps(avx512_ld_h16(a + i + 16), avx512_ld_h16(b + i + 16), s1);
		s2 = _mm512_fmadd_ps(avx512_ld_h16(a + i + 32), avx512_ld_h16(b + i + 32), s2);
		s3 = _mm512_fmadd_ps(avx512_ld_h16(a + i + 48), avx512_ld_h16(b + i + 48), s3);
	}
	for (; i + 16 <= n; i += 16)
		s0 = _mm512_fmadd_ps(avx512_ld_h16(a + i), avx512_ld_h16(b + i), s0);
	float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
	for (; i < n; i++)
		s = fmaf(_cvtsh_ss(a[i]), _cvtsh_ss(b[i]), s);
	return s;
}
#endif /* KQ_X86 */

#ifdef KQ_X86
/* y = x rounded to F16 and widened back */
AVX2 void kq_avx2_round_f16(const float *x, float *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
	for (; i < n; i++)
		y[i] = kolm_fp16_to_fp32(kolm_fp32_to_fp16(x[i]));
}

/* kq_ref_dot_f16_f32_cols8: one F16 row widened once per 8 elements for
 * the 8 F32 activation rows (8 fused accumulators) */
AVX2 void kq_avx2_dot_f16_f32_cols8(const uint16_t *a, const float *y, size_t ys, int64_t n, float *out)
{
	const size_t st = ys / sizeof(float);
	__m256 acc[8];
	for (int c = 0; c < 8; c++)
		acc[c] = _mm256_setzero_ps();
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		const __m256 w = avx2_ld_h8(a + i);
		for (int c = 0; c < 8; c++)
			acc[c] = _mm256_fmadd_ps(w, _mm256_loadu_ps(y + c * st + i), acc[c]);
	}
	for (int c = 0; c < 8; c++) {
		float s = hsum8(acc[c]);
		for (int64_t k = i; k < n; k++)
			s = fmaf(_cvtsh_ss(a[k]), y[c * st + k], s);
		out[c] = s;
	}
}

/* the same with 16-lane accumulators */
AVX512 void kq_avx512_dot_f16_f32_cols8(const uint16_t *a, const float *y, size_t ys, int64_t n, float *out)
{
	const size_t st = ys / sizeof(float);
	__m512 acc[8];
	for (int c = 0; c < 8; c++)
		acc[c] = _mm512_setzero_ps();
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		const __m512 w = avx512_ld_h16(a + i);
		for (int c = 0; c < 8; c++)
			acc[c] = _mm512_fmadd_ps(w, _mm512_loadu_ps(y + c * st + i), acc[c]);
	}
	for (int c = 0; c < 8; c++) {
		float s = _mm512_reduce_add_ps(acc[c]);
		for (int64_t k = i; k < n; k++)
			s = fmaf(_cvtsh_ss(a[k]), y[c * st + k], s);
		out[c] = s;
	}
}

/* two F16 rows (as bytes apart) against the 8 activation rows: each
 * activation vector loaded once for 16 fused accumulators (the 8-column
 * kernel's 8 loads per 8 multiply-adds are what bound it, the activations
 * being in L2); every output the 8-column kernel's bits.  out: row 0's 8
 * columns, then row 1's */
AVX512 void kq_avx512_dot_f16_f32_rows2_cols8(const uint16_t *a, size_t as, const float *y, size_t ys, int64_t n,
					      float *out)
{
	const size_t st = ys / sizeof(float);
	const uint16_t *a1 = (const uint16_t *)(const void *)((const uint8_t *)a + as);
#define DECL(c) __m512 p##c = _mm512_setzero_ps(), q##c = p##c;
	DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5) DECL(6) DECL(7)
#undef DECL
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		const __m512 w0 = avx512_ld_h16(a + i), w1 = avx512_ld_h16(a1 + i);
#define COL(c)                                                       \
	{                                                            \
		const __m512 v = _mm512_loadu_ps(y + (c) * st + i); \
		p##c = _mm512_fmadd_ps(w0, v, p##c);                 \
		q##c = _mm512_fmadd_ps(w1, v, q##c);                 \
	}
		COL(0) COL(1) COL(2) COL(3) COL(4) COL(5) COL(6) COL(7)
#undef COL
	}
#define OUT(c)                                                            \
	{                                                                 \
		float s0 = _mm512_reduce_add_ps(p##c), s1 = _mm512_reduce_add_ps(q##c); \
		for (int64_t k = i; k < n; k++) {                         \
			s0 = fmaf(_cvtsh_ss(a[k]), y[(c) * st + k], s0);  \
			s1 = fmaf(_cvtsh_ss(a1[k]), y[(c) * st + k], s1); \
		}                                                         \
		out[c] = s0;                                              \
		out[8 + (c)] = s1;                                        \
	}
	OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7)
#undef OUT
}
#endif /* KQ_X86 */

#ifdef KQ_X86
/* kq_ref_dot_nl_x8 of 8 rows xs bytes apart against one activation row (a
 * decode step, as llama.cpp's repacked gemv runs it): each activation block
 * is loaded once, the 8 rows' block sums come out of one hadd tree, and the
 * rows' fused multiply-add chains are the lanes of one vector, each still
 * one rounding per block, so every row gets kq_ref_dot_nl_x8's bits */
AVX2 void kq_avx2_dot_nl_x8_rows8(const uint8_t *x, size_t xs, const uint8_t *y, int64_t n, const int8_t *lut,
				      float *out)
{
	const __m128i table = _mm_loadu_si128((const __m128i *)(const void *)lut);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const __m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + 2));
#define ROW(r) dot_i8(iq4_values(x + (r) * xs + 2, table), qy)
		const __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(ROW(0), ROW(1)), _mm256_hadd_epi32(ROW(2), ROW(3)));
		const __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(ROW(4), ROW(5)), _mm256_hadd_epi32(ROW(6), ROW(7)));
#undef ROW
		const __m256 f = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20),
								     _mm256_permute2x128_si256(h0, h1, 0x31)));
		const __m256 dw = _mm256_cvtph_ps(_mm_setr_epi16(h16(x), h16(x + xs), h16(x + 2 * xs), h16(x + 3 * xs),
								 h16(x + 4 * xs), h16(x + 5 * xs), h16(x + 6 * xs),
								 h16(x + 7 * xs)));
		acc = _mm256_fmadd_ps(f, _mm256_mul_ps(dw, _mm256_set1_ps(h2f_c(y))), acc);
	}
	_mm256_storeu_ps(out, acc);
}
#endif /* KQ_X86 */

#ifdef KQ_X86
/* Q4_0 with VNNI: the nibbles as unsigned bytes (0..15) dotted with the
 * signed activations by vpdpbusd, and 8 * (sum of the activation block)
 * taken off once per block: the same integer sums as kq_ref_dot_nl_x8 with
 * q4_0's values, so the same bits */
AVX512 static inline __m256i q4_nibbles(const uint8_t *q)
{
	const __m128i raw = _mm_loadu_si128((const __m128i *)(const void *)q);
	return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0F));
}


/* kq_avx2_dot_nl_x8_cols8 for Q4_0 */
AVX512 void kq_avx512_dot_q4_0_x8_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
	const __m256i ones = _mm256_set1_epi8(1), z = _mm256_setzero_si256();
	__m256 acc = _mm256_setzero_ps();
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const __m256i q = q4_nibbles(x + 2);
#define COL(c)                                                                                        \
	__extension__({                                                                               \
		const __m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + (c) * ys + 2)); \
		_mm256_sub_epi32(_mm256_dpbusd_epi32(z, q, qy),                                      \
				 _mm256_slli_epi32(_mm256_dpbusd_epi32(z, ones, qy), 3));            \
	})
		const __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(COL(0), COL(1)), _mm256_hadd_epi32(COL(2), COL(3)));
		const __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(COL(4), COL(5)), _mm256_hadd_epi32(COL(6), COL(7)));
#undef COL
		const __m256 f = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20),
								     _mm256_permute2x128_si256(h0, h1, 0x31)));
		const __m256 da = _mm256_cvtph_ps(_mm_setr_epi16(h16(y), h16(y + ys), h16(y + 2 * ys), h16(y + 3 * ys),
								 h16(y + 4 * ys), h16(y + 5 * ys), h16(y + 6 * ys),
								 h16(y + 7 * ys)));
		acc = _mm256_fmadd_ps(f, _mm256_mul_ps(_mm256_set1_ps(h2f_c(x)), da), acc);
	}
	_mm256_storeu_ps(out, acc);
}
#endif /* KQ_X86 */

#ifdef KQ_X86
/* kq_avx512_dot_q4_0_x8_cols8 for the two rows x and x + xs (out[8 * r +
 * c]): each activation block loaded, summed and its scales gathered once
 * for both rows; each row the one-row kernel's bits */
AVX512 void kq_avx512_dot_q4_0_x8_rows2_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
					      float *out)
{
	const __m256i ones = _mm256_set1_epi8(1), z = _mm256_setzero_si256();
	__m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const __m256i q0 = q4_nibbles(x + 2), q1 = q4_nibbles(x + xs + 2);
		__m256i p0[8], p1[8];
		for (int c = 0; c < 8; c++) {
			const __m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + c * ys + 2));
			const __m256i sy8 = _mm256_slli_epi32(_mm256_dpbusd_epi32(z, ones, qy), 3);
			p0[c] = _mm256_sub_epi32(_mm256_dpbusd_epi32(z, q0, qy), sy8);
			p1[c] = _mm256_sub_epi32(_mm256_dpbusd_epi32(z, q1, qy), sy8);
		}
		const __m256 da = _mm256_cvtph_ps(_mm_setr_epi16(h16(y), h16(y + ys), h16(y + 2 * ys), h16(y + 3 * ys),
								 h16(y + 4 * ys), h16(y + 5 * ys), h16(y + 6 * ys),
								 h16(y + 7 * ys)));
#define SUMS(p)                                                                                                 \
	_mm256_cvtepi32_ps(_mm256_add_epi32(                                                                    \
		_mm256_permute2x128_si256(_mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3])), \
					  _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7])), \
					  0x20),                                                                \
		_mm256_permute2x128_si256(_mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3])), \
					  _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7])), \
					  0x31)))
		acc0 = _mm256_fmadd_ps(SUMS(p0), _mm256_mul_ps(_mm256_set1_ps(h2f_c(x)), da), acc0);
		acc1 = _mm256_fmadd_ps(SUMS(p1), _mm256_mul_ps(_mm256_set1_ps(h2f_c(x + xs)), da), acc1);
#undef SUMS
	}
	_mm256_storeu_ps(out, acc0);
	_mm256_storeu_ps(out + 8, acc1);
}
#endif /* KQ_X86 */

#ifdef KQ_X86
/* ---- prompt batches: one weight row against 8 activation rows ----------
 * Each weight block is decoded once for the 8 columns (activation rows, ys
 * bytes apart); the integer products run on 512-bit VNNI instructions. */

/* kq_ref_dot_q8_0 of one row with 8 activation rows, two columns per
 * 512-bit register (lanes 0-7 column c, 8-15 column c + 1): the same 8
 * integer lanes of 4 products per block and the same fused multiply-add
 * per lane and block as the reference, so every column gets its bits */
AVX512 void kq_avx512_dot_q8_0_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
	const __m512i z = _mm512_setzero_si512();
	/* lanes 0-7 take d of column 2p, lanes 8-15 of column 2p + 1 */
	const __m512i sel0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
	const __m512i sel1 = _mm512_add_epi32(sel0, _mm512_set1_epi32(2));
	const __m512i sel2 = _mm512_add_epi32(sel0, _mm512_set1_epi32(4));
	const __m512i sel3 = _mm512_add_epi32(sel0, _mm512_set1_epi32(6));
	__m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
	for (int64_t b = 0; b < n / 32; b++, x += 34, y += 34) {
		const __m512i qx = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)(x + 2)));
		const __m512i ax = _mm512_abs_epi8(qx);
		const __mmask64 neg = _mm512_movepi8_mask(qx);
		const __m256 da = _mm256_cvtph_ps(_mm_setr_epi16(h16(y), h16(y + ys), h16(y + 2 * ys), h16(y + 3 * ys),
								 h16(y + 4 * ys), h16(y + 5 * ys), h16(y + 6 * ys),
								 h16(y + 7 * ys)));
		const __m512 d = _mm512_castps256_ps512(_mm256_mul_ps(_mm256_set1_ps(h2f_c(x)), da));
		/* (unrolled by hand, so the accumulators stay in registers) */
#define PAIR(p)                                                                                               \
	do {                                                                                                  \
		const uint8_t *y0 = y + 2 * (p) * ys + 2;                                                     \
		__m512i qy = _mm512_inserti64x4(                                                              \
			_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)y0)),        \
			_mm256_loadu_si256((const __m256i *)(const void *)(y0 + ys)), 1);                    \
		qy = _mm512_mask_sub_epi8(qy, neg, z, qy); /* y with the sign of x */                        \
		acc##p = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, ax, qy)),                 \
					 _mm512_permutexvar_ps(sel##p, d), acc##p);                           \
	} while (0)
		PAIR(0);
		PAIR(1);
		PAIR(2);
		PAIR(3);
#undef PAIR
	}
	/* each column's 8 lanes by the reference's tree (hsum8) */
#define OUT(p)                                                                                             \
	out[2 * (p)] = hsum8(_mm512_castps512_ps256(acc##p));                                                \
	out[2 * (p) + 1] = hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc##p), 1)));
	OUT(0)
	OUT(1)
	OUT(2)
	OUT(3)
#undef OUT
}

/* kq_ref_dot_q4_K of one row with 8 Q8_K activation rows: per block, the
 * nibbles of groups 2j and 2j + 1 as one 64-byte register, their pair
 * products (vpmaddubsw) times the groups' scales added in (vpdpwssd); the
 * min term by one vpmaddwd with the activations' 16-element sums.  The
 * same integer sums per block as the reference, another float order; each
 * column computed alike, so a column's bits do not depend on the others.
 * (Unrolled by hand: the weight registers and accumulators stay in
 * registers.) */
struct q4k_blk {
	__m512i q0, q1, q2, q3, s0, s1, s2, s3;
	__m256i mm;
	float dw, mw;
};

AVX512 static KQ_INLINE void q4k_prep(const uint8_t *x, struct q4k_blk *k)
{
	const __m512i lo4 = _mm512_set1_epi8(0x0F);
	uint8_t sc[8], mn[8];
	q4k_scales8(x + 4, sc, mn);
	const __m512i s16 = _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)sc)));
	const __m128i m16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)mn));
	k->mm = _mm256_set_m128i(_mm_unpackhi_epi16(m16, m16), _mm_unpacklo_epi16(m16, m16));
	/* q: groups 2j (low nibbles) and 2j + 1 (high); s: int16 lanes 0-15
	 * the scale of group 2j, 16-31 of group 2j + 1 */
#define Q4K_PREP(j)                                                                                              \
	do {                                                                                                     \
		const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(x + 16 + 32 * (j)));        \
		k->q##j = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1), \
					  lo4);                                                                  \
		k->s##j = _mm512_mask_permutexvar_epi16(_mm512_permutexvar_epi16(_mm512_set1_epi16(2 * (j)), s16),    \
							0xFFFF0000u, _mm512_set1_epi16(2 * (j) + 1), s16);       \
	} while (0)
	Q4K_PREP(0);
	Q4K_PREP(1);
	Q4K_PREP(2);
	Q4K_PREP(3);
#undef Q4K_PREP
	k->dw = h2f_c(x);
	k->mw = h2f_c(x + 2);
}

/* one column's block: acc += isum * (d * dy), accm += msum * (dmin * dy) */
AVX512 static KQ_INLINE void q4k_col(const struct q4k_blk *k, const uint8_t *yc, __m512 *acc, __m256 *accm)
{
	__m512i is = _mm512_dpwssd_epi32(_mm512_setzero_si512(),
					 _mm512_maddubs_epi16(k->q0, _mm512_loadu_si512((const void *)(yc + 4))), k->s0);
	is = _mm512_dpwssd_epi32(is, _mm512_maddubs_epi16(k->q1, _mm512_loadu_si512((const void *)(yc + 68))), k->s1);
	is = _mm512_dpwssd_epi32(is, _mm512_maddubs_epi16(k->q2, _mm512_loadu_si512((const void *)(yc + 132))), k->s2);
	is = _mm512_dpwssd_epi32(is, _mm512_maddubs_epi16(k->q3, _mm512_loadu_si512((const void *)(yc + 196))), k->s3);
	const __m256i ms = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(const void *)(yc + 260)), k->mm);
	const float dy = q8k_d(yc);
	*acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), _mm512_set1_ps(k->dw * dy), *acc);
	*accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ms), _mm256_set1_ps(k->mw * dy), *accm);
}

/* Q6_K: the 6-bit values of 64 consecutive elements as one register (4 of
 * them), their pair products times the 16-element groups' scales added
 * in, and the -32 offset by one vpmaddwd with the activations' group sums */
struct q6k_blk {
	__m512i q0, q1, q2, q3, s0, s1, s2, s3;
	__m256i sc16;
	float dw;
};

AVX512 static KQ_INLINE void q6k_prep(const uint8_t *x, struct q6k_blk *k)
{
	k->sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(x + 192)));
	const __m512i s16 = _mm512_castsi256_si512(k->sc16);
	__m512i q[4];
	q6k_codes(x, q);
	k->q0 = q[0];
	k->q1 = q[1];
	k->q2 = q[2];
	k->q3 = q[3];
	/* int16 lane i of chunk c: the scale of group 4c + i / 8 */
	const __m512i g = _mm512_srli_epi16(_mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15,
							     14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
					    3);
	k->s0 = _mm512_permutexvar_epi16(g, s16);
	k->s1 = _mm512_permutexvar_epi16(_mm512_add_epi16(g, _mm512_set1_epi16(4)), s16);
	k->s2 = _mm512_permutexvar_epi16(_mm512_add_epi16(g, _mm512_set1_epi16(8)), s16);
	k->s3 = _mm512_permutexvar_epi16(_mm512_add_epi16(g, _mm512_set1_epi16(12)), s16);
	k->dw = h2f_c(x + 208);
}

AVX512 static KQ_INLINE void q6k_col(const struct q6k_blk *k, const uint8_t *yc, __m512 *acc)
{
	__m512i is = _mm512_dpwssd_epi32(_mm512_setzero_si512(),
					 _mm512_maddubs_epi16(k->q0, _mm512_loadu_si512((const void *)(yc + 4))), k->s0);
	is = _mm512_dpwssd_epi32(is, _mm512_maddubs_epi16(k->q1, _mm512_loadu_si512((const void *)(yc + 68))), k->s1);
	is = _mm512_dpwssd_epi32(is, _mm512_maddubs_epi16(k->q2, _mm512_loadu_si512((const void *)(yc + 132))), k->s2);
	is = _mm512_dpwssd_epi32(is, _mm512_maddubs_epi16(k->q3, _mm512_loadu_si512((const void *)(yc + 196))), k->s3);
	const __m256i off = _mm256_slli_epi32(
		_mm256_madd_epi16(k->sc16, _mm256_loadu_si256((const __m256i *)(const void *)(yc + 260))), 5);
	is = _mm512_sub_epi32(is, _mm512_zextsi256_si512(off));
	*acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), _mm512_set1_ps(k->dw * q8k_d(yc)), *acc);
}

#define EIGHT(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
AVX512 void kq_avx512_dot_q4_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
#define DECL(c) __m512 a##c = _mm512_setzero_ps(); __m256 m##c = _mm256_setzero_ps();
	EIGHT(DECL)
#undef DECL
	for (int64_t b = 0; b < n / 256; b++, x += 144, y += B_Q8_K) {
		struct q4k_blk k;
		/* the block 6 ahead: one row's weights stream past once, and the
		 * scales' scalar unpacking stalls on a line not yet there */
		for (int l = 0; l < 3; l++)
			_mm_prefetch((const char *)(x + 144 * 6 + 64 * l), _MM_HINT_T0);
		q4k_prep(x, &k);
#define COL(c) q4k_col(&k, y + (c) * ys, &a##c, &m##c);
		EIGHT(COL)
#undef COL
	}
#define OUT(c) out[c] = _mm512_reduce_add_ps(a##c) - hsum8(m##c);
	EIGHT(OUT)
#undef OUT
}

AVX512 void kq_avx512_dot_q6_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
#define DECL(c) __m512 a##c = _mm512_setzero_ps();
	EIGHT(DECL)
#undef DECL
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += B_Q8_K) {
		struct q6k_blk k;
		for (int l = 0; l < 4; l++)
			_mm_prefetch((const char *)(x + 210 * 6 + 64 * l), _MM_HINT_T0);
		q6k_prep(x, &k);
#define COL(c) q6k_col(&k, y + (c) * ys, &a##c);
		EIGHT(COL)
#undef COL
	}
#define OUT(c) out[c] = _mm512_reduce_add_ps(a##c);
	EIGHT(OUT)
#undef OUT
}

/* ---- the same on AVX2 (no AVX-512): each column gets the AVX2 vec_dot's
 * bits, since every block's integer sums are exact in any order and the
 * float steps per block and column are the vec_dot's own; the 8 columns'
 * integer accumulators stay in registers while one weight register is
 * decoded once for all of them */

/* kq_avx2_dot_q8_0 for 8 columns */
AVX2 void kq_avx2_dot_q8_0_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
	const __m256i one = _mm256_set1_epi16(1);
#define DECL(c) __m256 a##c = _mm256_setzero_ps();
	EIGHT(DECL)
#undef DECL
	for (int64_t b = 0; b < n / 32; b++, x += 34, y += 34) {
		const __m256i qx = _mm256_loadu_si256((const __m256i *)(const void *)(x + 2));
		const __m256i ax = _mm256_sign_epi8(qx, qx);
		const float dx = h2f_c(x);
#define COL(c)                                                                                                    \
	{                                                                                                         \
		const __m256i qy = _mm256_loadu_si256((const __m256i *)(const void *)(y + (c) * ys + 2));         \
		const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(qy, qx)), one);     \
		a##c = _mm256_fmadd_ps(_mm256_set1_ps(dx * h2f_c(y + (c) * ys)), _mm256_cvtepi32_ps(p), a##c);    \
	}
		EIGHT(COL)
#undef COL
	}
#define OUT(c) out[c] = hsum8(a##c);
	EIGHT(OUT)
#undef OUT
}

/* kq_avx2_dot_q4_K for 8 columns */
AVX2 void kq_avx2_dot_q4_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
	const __m256i lo4 = _mm256_set1_epi8(0x0F);
	float s[8] = {0};
	for (int64_t b = 0; b < n / 256; b++, x += 144, y += B_Q8_K) {
		uint8_t sc[8], mn[8];
		q4k_scales8(x + 4, sc, mn);
		const __m128i m16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)mn));
		const __m256i mm = _mm256_set_m128i(_mm_unpackhi_epi16(m16, m16), _mm_unpacklo_epi16(m16, m16));
#define DECL(c) __m256i i##c = _mm256_setzero_si256();
		EIGHT(DECL)
#undef DECL
		for (int j = 0; j < 4; j++) {
			const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(x + 16 + 32 * j));
			const __m256i lo = _mm256_and_si256(v, lo4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4);
			const __m256i s0 = _mm256_set1_epi16((short)sc[2 * j]), s1 = _mm256_set1_epi16((short)sc[2 * j + 1]);
#define COL(c)                                                                                                      \
	{                                                                                                           \
		const uint8_t *yc = y + (c) * ys + 64 * j;                                                          \
		i##c = _mm256_add_epi32(i##c, _mm256_madd_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256(        \
								  (const __m256i *)(const void *)(yc + 4))), s0));  \
		i##c = _mm256_add_epi32(i##c, _mm256_madd_epi16(_mm256_maddubs_epi16(hi, _mm256_loadu_si256(        \
								  (const __m256i *)(const void *)(yc + 36))), s1)); \
	}
			EIGHT(COL)
#undef COL
		}
		const float dw = h2f_c(x), mw = h2f_c(x + 2);
#define OUT(c)                                                                                                        \
	{                                                                                                             \
		const uint8_t *yc = y + (c) * ys;                                                                     \
		const int msum = hsum8i(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(const void *)(yc + 260)), mm)); \
		const float dy = q8k_d(yc);                                                                           \
		s[c] += (dw * dy) * (float)hsum8i(i##c) - (mw * dy) * (float)msum;                                     \
	}
		EIGHT(OUT)
#undef OUT
	}
	memcpy(out, s, sizeof s);
}

/* kq_avx2_dot_q6_K for 8 columns */
AVX2 void kq_avx2_dot_q6_K_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, float *out)
{
	float s[8] = {0};
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += B_Q8_K) {
#define DECL(c) __m256i i##c = _mm256_setzero_si256();
		EIGHT(DECL)
#undef DECL
		for (int h = 0; h < 2; h++) {
			__m256i ek[4];
			avx2_q6k_codes(x, h, ek);
			for (int k = 0; k < 4; k++) {
				const __m256i e = ek[k]; /* the 6-bit values of elements 128h + 32k + l */
				const int g = 8 * h + 2 * k;
				const __m256i sc = _mm256_set_m128i(_mm_set1_epi16((int8_t)x[192 + g + 1]),
								    _mm_set1_epi16((int8_t)x[192 + g]));
#define COL(c)                                                                                                      \
	i##c = _mm256_add_epi32(                                                                                    \
		i##c, _mm256_madd_epi16(_mm256_maddubs_epi16(e, _mm256_loadu_si256((const __m256i *)(const void *)( \
									   y + (c) * ys + 4 + 128 * h + 32 * k))), \
					sc));
				EIGHT(COL)
#undef COL
			}
		}
		const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(x + 192)));
		const float dw = h2f_c(x + 208);
#define OUT(c)                                                                                                     \
	{                                                                                                          \
		const uint8_t *yc = y + (c) * ys;                                                                  \
		const int off = 32 * hsum8i(_mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)(const void *)(yc + 260)))); \
		s[c] += (dw * q8k_d(yc)) * (float)(hsum8i(i##c) - off);                                            \
	}
		EIGHT(OUT)
#undef OUT
	}
	memcpy(out, s, sizeof s);
}
#undef EIGHT

/* the same for one activation row (a decode step): each column of the
 * 8-column kernels gets these bits */
AVX512 float kq_avx512_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	__m512 a = _mm512_setzero_ps();
	__m256 m = _mm256_setzero_ps();
	for (int64_t b = 0; b < n / 256; b++, x += 144, y += B_Q8_K) {
		struct q4k_blk k;
		/* the block 6 ahead: one row's weights stream past once, and the
		 * scales' scalar unpacking stalls on a line not yet there */
		for (int l = 0; l < 3; l++)
			_mm_prefetch((const char *)(x + 144 * 6 + 64 * l), _MM_HINT_T0);
		q4k_prep(x, &k);
		q4k_col(&k, y, &a, &m);
	}
	return _mm512_reduce_add_ps(a) - hsum8(m);
}

AVX512 float kq_avx512_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	__m512 a = _mm512_setzero_ps();
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += B_Q8_K) {
		struct q6k_blk k;
		for (int l = 0; l < 4; l++)
			_mm_prefetch((const char *)(x + 210 * 6 + 64 * l), _MM_HINT_T0);
		q6k_prep(x, &k);
		q6k_col(&k, y, &a);
	}
	return _mm512_reduce_add_ps(a);
}
#endif /* KQ_X86 */
