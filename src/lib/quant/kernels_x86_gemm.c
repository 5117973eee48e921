/* kernels_x86_gemm.c - the AVX-512 multi-row kernels: prompt batches take
 * several weight rows against 8 activation rows at once (Q4_0 8 x 8, Q8_0
 * 4 x 8, F16 8 x 8), a Q4_0 decode step 8 rows against one: each value the
 * bits of the type's one-row kernel (F16: of its 8-column kernel) in
 * kernels_x86.c, with fewer loads, shuffles and horizontal adds per
 * multiply-add.  Called from
 * kernels.c only when the CPU has AVX-512 F/BW/VL/VNNI. */
#include <math.h>

#include "kernels_x86_internal.h"

#ifdef KQ_X86
/* [a0..a3 | b0..b3 | c0..c3 | d0..d3] per 128-bit lane of a, b, c, d ->
 * [sum a | sum b | sum c | sum d] per lane */
AVX512 static inline __m512i sum4x4(__m512i a, __m512i b, __m512i c, __m512i d)
{
	const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
	const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
	return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}

/* four rows' 16 quant bytes of one block, one row per 128-bit lane */
AVX512 static inline __m512i q4_rows4(const uint8_t *x, size_t xs)
{
	__m512i r = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(const void *)x));
	r = _mm512_inserti32x4(r, _mm_loadu_si128((const __m128i *)(const void *)(x + xs)), 1);
	r = _mm512_inserti32x4(r, _mm_loadu_si128((const __m128i *)(const void *)(x + 2 * xs)), 2);
	return _mm512_inserti32x4(r, _mm_loadu_si128((const __m128i *)(const void *)(x + 3 * xs)), 3);
}

/* kq_avx2_dot_nl_x8_rows8 for Q4_0 (a decode step: 8 rows xs bytes apart
 * against one activation row), without a hadd tree: rows 0-3 and 4-7 one
 * per 128-bit lane of two registers, each 32-bit lane 4 weights (as in the
 * 8 x 8 kernel below), the activation block broadcast; the 4 partial sums
 * of each row are added by one unpack pair and one shuffle and the 8 row
 * sums gathered in row order.  Exact integer sums and the same fused
 * multiply-add per row and block: kq_ref_dot_nl_x8's bits. */
AVX512 void kq_avx512_dot_q4_0_x8_rows8(const uint8_t *x, size_t xs, const uint8_t *y, int64_t n, float *out)
{
	const __m512i m4 = _mm512_set1_epi8(0x0F), ones = _mm512_set1_epi8(1), z = _mm512_setzero_si512();
	/* row i at lane 4i (rows 0-3) and 4i + 1 (rows 4-7) after the adds */
	const __m512i pick = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		if (!(b & 3)) /* every row's line 4 lines ahead: 8 streams, each read once */
			for (int r = 0; r < 8; r++)
				_mm_prefetch((const char *)(x + (size_t)r * xs + 256), _MM_HINT_T0);
		const __m512i r0 = q4_rows4(x + 2, xs), r1 = q4_rows4(x + 4 * xs + 2, xs);
		const __m512i lo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(y + 2)));
		const __m512i hi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(y + 18)));
		const __m512i s8 = _mm512_slli_epi32(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, ones, lo), ones, hi), 3);
		const __m512i p0 = _mm512_sub_epi32(
			_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, _mm512_and_si512(r0, m4), lo),
					    _mm512_and_si512(_mm512_srli_epi16(r0, 4), m4), hi),
			s8);
		const __m512i p1 = _mm512_sub_epi32(
			_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, _mm512_and_si512(r1, m4), lo),
					    _mm512_and_si512(_mm512_srli_epi16(r1, 4), m4), hi),
			s8);
		const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(p0, p1), _mm512_unpackhi_epi32(p0, p1));
		const __m512i t = _mm512_add_epi32(ab, _mm512_shuffle_epi32(ab, _MM_PERM_BADC));
		const __m256 f = _mm256_cvtepi32_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi32(pick, t)));
		const __m256 dw = _mm256_cvtph_ps(_mm_setr_epi16(h16(x), h16(x + xs), h16(x + 2 * xs), h16(x + 3 * xs),
								 h16(x + 4 * xs), h16(x + 5 * xs), h16(x + 6 * xs),
								 h16(x + 7 * xs)));
		acc = _mm256_fmadd_ps(f, _mm256_mul_ps(dw, _mm256_set1_ps(h2f_c(y))), acc);
	}
	_mm256_storeu_ps(out, acc);
}

/* kq_avx512_dot_q4_0_x8_cols8 for the 8 rows x + r * xs (out[8 * r + c]),
 * without horizontal adds: a register holds 4 rows (one per 128-bit lane),
 * each 32-bit lane k of it 4 of the block's 32 weights (low nibbles: weights
 * 4k..4k+3, high: 16 + 4k..), dotted by vpdpbusd with a column's matching
 * bytes broadcast to every lane; 4 columns' lanes are then summed into [row
 * lane][column] by unpacks.  Integer sums are exact and each (row, column)
 * gets fma(sum, dx * dy, acc) per block as the one-row kernel does: its bits. */
AVX512 void kq_avx512_dot_q4_0_x8_rows8_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
					      float *out)
{
	const __m512i m4 = _mm512_set1_epi8(0x0F), ones = _mm512_set1_epi8(1), z = _mm512_setzero_si512();
	/* lane (i, c) of a 4 x 4 tile: row scale 4g + i, column scale 4h + c */
	const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m512i rix = _mm512_srli_epi32(lane, 2), cix = _mm512_and_si512(lane, _mm512_set1_epi32(3));
	const __m512i four = _mm512_set1_epi32(4);
	__m512 acc[2][2] = {{_mm512_setzero_ps(), _mm512_setzero_ps()}, {_mm512_setzero_ps(), _mm512_setzero_ps()}};
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		__m512i L[2], H[2];
		_Pragma("GCC unroll 4") for (int g = 0; g < 2; g++) {
			const __m512i raw = q4_rows4(x + 4 * (size_t)g * xs + 2, xs);
			L[g] = _mm512_and_si512(raw, m4);
			H[g] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
		}
		const __m512 dw = _mm512_castps256_ps512(_mm256_cvtph_ps(
			_mm_setr_epi16(h16(x), h16(x + xs), h16(x + 2 * xs), h16(x + 3 * xs), h16(x + 4 * xs),
				       h16(x + 5 * xs), h16(x + 6 * xs), h16(x + 7 * xs))));
		const __m512 dy = _mm512_castps256_ps512(_mm256_cvtph_ps(
			_mm_setr_epi16(h16(y), h16(y + ys), h16(y + 2 * ys), h16(y + 3 * ys), h16(y + 4 * ys),
				       h16(y + 5 * ys), h16(y + 6 * ys), h16(y + 7 * ys))));
		const __m512 dwv[2] = {_mm512_permutexvar_ps(rix, dw), _mm512_permutexvar_ps(_mm512_add_epi32(rix, four), dw)};
		const __m512 dyv[2] = {_mm512_permutexvar_ps(cix, dy), _mm512_permutexvar_ps(_mm512_add_epi32(cix, four), dy)};
		_Pragma("GCC unroll 4") for (int h = 0; h < 2; h++) {
			__m512i P[2][4];
			_Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
				const uint8_t *yc = y + (size_t)(4 * h + c) * ys + 2;
				const __m512i lo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)yc));
				const __m512i hi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(yc + 16)));
				/* 8 * the column's sum (the nibbles' offset), same in every row lane */
				const __m512i s8 = _mm512_slli_epi32(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, ones, lo), ones, hi), 3);
				_Pragma("GCC unroll 4") for (int g = 0; g < 2; g++)
					P[g][c] = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, L[g], lo), H[g], hi), s8);
			}
			_Pragma("GCC unroll 4") for (int g = 0; g < 2; g++)
				acc[g][h] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum4x4(P[g][0], P[g][1], P[g][2], P[g][3])),
							    _mm512_mul_ps(dwv[g], dyv[h]), acc[g][h]);
		}
	}
	_Pragma("GCC unroll 4") for (int g = 0; g < 2; g++)
		_Pragma("GCC unroll 4") for (int h = 0; h < 2; h++) {
			float t[16];
			_mm512_storeu_ps(t, acc[g][h]);
			for (int i = 0; i < 4; i++)
				_Pragma("GCC unroll 4") for (int c = 0; c < 4; c++)
					out[8 * (4 * g + i) + 4 * h + c] = t[4 * i + c];
		}
}

/* kq_avx512_dot_q8_0_cols8 for the 4 rows x + r * xs (out[8 * r + c]):
 * each activation pair loaded and its scales permuted once for the 4 rows.
 * A row's bytes are offset by 128 (unsigned for vpdpbusd) and 128 times
 * each lane's activation sum taken off again: the same 8 integer lanes per
 * block, and the same fused multiply-add per lane, so the same bits. */
AVX512 void kq_avx512_dot_q8_0_rows4_cols8(const uint8_t *x, size_t xs, const uint8_t *y, size_t ys, int64_t n,
					   float *out)
{
	const __m512i z = _mm512_setzero_si512(), k80 = _mm512_set1_epi8((char)0x80);
	const __m512i sel0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
	__m512 acc[4][4];
	_Pragma("GCC unroll 4") for (int r = 0; r < 4; r++)
		_Pragma("GCC unroll 4") for (int p = 0; p < 4; p++)
			acc[r][p] = _mm512_setzero_ps();
	for (int64_t b = 0; b < n / 32; b++, x += 34, y += 34) {
		__m512i qx[4];
		__m512 dx[4];
		_Pragma("GCC unroll 4") for (int r = 0; r < 4; r++) {
			const uint8_t *xr = x + (size_t)r * xs;
			qx[r] = _mm512_xor_si512(
				_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)(xr + 2))), k80);
			dx[r] = _mm512_set1_ps(h2f_c(xr));
		}
		const __m512 da = _mm512_castps256_ps512(_mm256_cvtph_ps(
			_mm_setr_epi16(h16(y), h16(y + ys), h16(y + 2 * ys), h16(y + 3 * ys), h16(y + 4 * ys),
				       h16(y + 5 * ys), h16(y + 6 * ys), h16(y + 7 * ys))));
		_Pragma("GCC unroll 4") for (int p = 0; p < 4; p++) {
			const uint8_t *y0 = y + 2 * (size_t)p * ys + 2;
			const __m512i qy = _mm512_inserti64x4(
				_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)y0)),
				_mm256_loadu_si256((const __m256i *)(const void *)(y0 + ys)), 1);
			const __m512i off = _mm512_dpbusd_epi32(z, k80, qy); /* 128 x each lane's sum */
			const __m512 dp = _mm512_permutexvar_ps(_mm512_add_epi32(sel0, _mm512_set1_epi32(2 * p)), da);
			_Pragma("GCC unroll 4") for (int r = 0; r < 4; r++)
				acc[r][p] = _mm512_fmadd_ps(
					_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_dpbusd_epi32(z, qx[r], qy), off)),
					_mm512_mul_ps(dx[r], dp), acc[r][p]);
		}
	}
	_Pragma("GCC unroll 4") for (int r = 0; r < 4; r++)
		_Pragma("GCC unroll 4") for (int p = 0; p < 4; p++) {
			out[8 * r + 2 * p] = hsum8(_mm512_castps512_ps256(acc[r][p]));
			out[8 * r + 2 * p + 1] =
				hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[r][p]), 1)));
		}
}

/* kq_avx512_dot_f16_f32_rows2_cols8 for the 8 rows a + r * as (out[8 * r +
 * c]), the inner dimension in chunks of 512: the 8 rows' chunk is widened
 * to F32 once (16 KB), then 4 rows x 4 columns at a time take 16 fused
 * accumulators fed by 8 loads a step, all from L1 (the activations' chunk
 * is 16 KB too).  The accumulators carry over the chunks, so every lane
 * sees the same multiply-adds in the same order: the 8-column kernel's bits
 * (kq_avx512_dot_f16_f32_cols8; the one-row dot has 4 accumulators and
 * other bits). */
AVX512 void kq_avx512_dot_f16_f32_rows8_cols8(const uint16_t *a, size_t as, const float *y, size_t ys, int64_t n,
					      float *out)
{
	enum { KC = 512 };
	const size_t st = ys / sizeof(float), sa = as / sizeof(uint16_t);
	static _Thread_local float wf[8][KC]; /* unaligned loads: no TLS alignment assumed */
	__m512 acc[2][2][16];
	for (int g = 0; g < 2; g++)
		for (int h = 0; h < 2; h++)
			for (int k = 0; k < 16; k++)
				acc[g][h][k] = _mm512_setzero_ps();
	const int64_t nv = n / 16 * 16;
	for (int64_t k0 = 0; k0 < nv; k0 += KC) {
		const int64_t kn = k0 + KC < nv ? KC : nv - k0;
		for (int r = 0; r < 8; r++)
			for (int64_t i = 0; i < kn; i += 16)
				_mm512_storeu_ps(wf[r] + i, avx512_ld_h16(a + (size_t)r * sa + k0 + i));
		for (int g = 0; g < 2; g++)
			for (int h = 0; h < 2; h++) {
				const float *w0 = wf[4 * g], *w1 = wf[4 * g + 1], *w2 = wf[4 * g + 2], *w3 = wf[4 * g + 3];
				const float *y0 = y + (size_t)(4 * h) * st + k0, *y1 = y0 + st, *y2 = y1 + st, *y3 = y2 + st;
				__m512 *A = acc[g][h];
#define DECL(r) __m512 a##r##0 = A[4 * (r)], a##r##1 = A[4 * (r) + 1], a##r##2 = A[4 * (r) + 2], a##r##3 = A[4 * (r) + 3];
				DECL(0) DECL(1) DECL(2) DECL(3)
#undef DECL
				for (int64_t i = 0; i < kn; i += 16) {
					const __m512 x0 = _mm512_loadu_ps(w0 + i), x1 = _mm512_loadu_ps(w1 + i),
						     x2 = _mm512_loadu_ps(w2 + i), x3 = _mm512_loadu_ps(w3 + i);
#define COL(c)                                                     \
	{                                                          \
		const __m512 v = _mm512_loadu_ps(y##c + i);        \
		a0##c = _mm512_fmadd_ps(x0, v, a0##c);             \
		a1##c = _mm512_fmadd_ps(x1, v, a1##c);             \
		a2##c = _mm512_fmadd_ps(x2, v, a2##c);             \
		a3##c = _mm512_fmadd_ps(x3, v, a3##c);             \
	}
					COL(0) COL(1) COL(2) COL(3)
#undef COL
				}
#define KEEP(r) A[4 * (r)] = a##r##0, A[4 * (r) + 1] = a##r##1, A[4 * (r) + 2] = a##r##2, A[4 * (r) + 3] = a##r##3;
				KEEP(0) KEEP(1) KEEP(2) KEEP(3)
#undef KEEP
			}
	}
	for (int r = 0; r < 8; r++) {
		const uint16_t *ar = a + (size_t)r * sa;
		for (int c = 0; c < 8; c++) {
			float s = _mm512_reduce_add_ps(acc[r / 4][c / 4][4 * (r % 4) + c % 4]);
			for (int64_t i = nv; i < n; i++)
				s = fmaf(_cvtsh_ss(ar[i]), y[c * st + i], s);
			out[8 * r + c] = s;
		}
	}
}
#endif /* KQ_X86 */
