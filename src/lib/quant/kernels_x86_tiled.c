/* kernels_x86_tiled.c - a prompt batch's Q4_K and Q6_K matmul as tiles
 * (the engine's fast path from 16 activation rows on, AVX-512 VNNI), the
 * scheme of llama.cpp's ggml-cpu/tiled kernels:
 * - the activations (Q8_K) are laid out once per matmul in bands of 16
 *   rows ("columns" of the output), 4 bytes of each of the 16 side by side
 *   (one 64-byte register: what vpdpbusd multiplies), with each row's
 *   16-element sums as int32 and its scale;
 * - 16 weight rows at a time are unpacked once to their unsigned codes
 *   (Q6_K: 0..63, Q4_K: 0..15), integer scales and mins, and F32 d;
 * - the kernel takes 8 weight rows against a band: 4 weight bytes
 *   broadcast, one vpdpbusd per row gives 16 columns' partial sums, so no
 *   horizontal add is left; each sub-block's sum times its scale
 *   (Q6_K: less 32 x the activations' sum, the code offset) is exact in
 *   int32.
 * The integer sums are the reference's; the float steps are those of the
 * kernels the reference llama.cpp x86 build runs on a prompt batch, at no
 * cost (the same number of operations), so its logits and kolm's agree to
 * the bit (tests/interop/arch.sh) instead of drifting through the next
 * layer's int8 roundings:
 * - Q6_K (ggml-cpu/tiled, which llama.cpp takes from 8 rows on): per
 *   256-element block, acc = fma(float(sum) * d_w, d_a, acc);
 * - Q4_K (its repacked q4_K_8x8 GEMM): per pair of 32-element sub-blocks,
 *   acc = fma(float(sum), d_w * d_a, acc) and the same for the min term
 *   with dmin_w, the two subtracted at the end.
 * Every column of a batch is computed alike, so a token's values do not
 * depend on its place in the batch.  tests/simd/check_kernels.c holds them
 * to the scalar reference. */
#include "kernels_internal.h"
#include "kolm/types.h"
#include "kernels_ref_internal.h"
#include "kernels_x86_internal.h"

/* one 256-element block of a 16-row band: codes (64 groups of 16 x 4
 * bytes), the 16 sums of 16 codes as int32 per row, the rows' d */
enum { TB_CODES = 0, TB_SUMS = 4096, TB_D = 5120, TB_BLK = 5184 };

size_t kq_tiled_panel_bytes(int nb, int64_t n)
{
	return (size_t)((nb + 15) / 16) * (size_t)(n / 256) * TB_BLK;
}

/* activation row b (a Q8_K row of n elements, or NULL: a row of zeros past
 * the batch) into its band of the panel */
void kq_tiled_pack(const uint8_t *q8k, int b, int64_t n, uint8_t *panel)
{
	const int64_t nblk = n / 256;
	const int c = b % 16;
	uint8_t *band = panel + (size_t)(b / 16) * (size_t)nblk * TB_BLK;
	for (int64_t k = 0; k < nblk; k++) {
		uint8_t *dst = band + (size_t)k * TB_BLK;
		const uint8_t *src = q8k ? q8k + (size_t)k * B_Q8_K : NULL;
		for (int g = 0; g < 64; g++)
			if (src)
				memcpy(dst + TB_CODES + 64 * g + 4 * c, src + 4 + 4 * g, 4);
			else
				memset(dst + TB_CODES + 64 * g + 4 * c, 0, 4);
		for (int s = 0; s < 16; s++) {
			const int32_t v = src ? q8k_bsum(src, s) : 0;
			memcpy(dst + TB_SUMS + 64 * s + 4 * c, &v, 4);
		}
		const float d = src ? q8k_d(src) : 0.0f;
		memcpy(dst + TB_D + 4 * c, &d, 4);
	}
}

/* a thread's unpacked rows for n elements: codes 16 x n, scales 16 x n/16,
 * mins 16 x n/32 (int32), d and dmin 16 x n/256 */
size_t kq_tiled_ws_bytes(int64_t n)
{
	return (size_t)(16 * n + 16 * (n / 16) * 4 + 16 * (n / 32) * 4 + 2 * 16 * (n / 256) * 4) + 64;
}

#ifdef KQ_X86
struct tw {
	uint8_t *q;
	int32_t *sc, *mn;
	float *d, *dm;
	int64_t n;
};

static struct tw tw_at(uint8_t *ws, int64_t n)
{
	struct tw t;
	t.n = n;
	t.q = (uint8_t *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
	t.sc = (int32_t *)(void *)(t.q + 16 * n);
	t.mn = t.sc + 16 * (n / 16);
	t.d = (float *)(void *)(t.mn + 16 * (n / 32));
	t.dm = t.d + 16 * (n / 256);
	return t;
}

/* row r of the tile from the Q6_K row x (NULL: zeros) */
AVX512 static void unpack_q6_K(const uint8_t *x, const struct tw *t, int r)
{
	const int64_t nblk = t->n / 256;
	for (int64_t k = 0; k < nblk; k++, x = x ? x + 210 : NULL) {
		uint8_t *q = t->q + (size_t)r * (size_t)t->n + 256 * k;
		int32_t *sc = t->sc + r * (t->n / 16) + 16 * k;
		if (!x) {
			memset(q, 0, 256);
			memset(sc, 0, 64);
			t->d[r * nblk + k] = 0;
			continue;
		}
		__m512i v[4];
		q6k_codes(x, v);
		for (int i = 0; i < 4; i++)
			_mm512_store_si512((void *)(q + 64 * i), v[i]);
		_mm512_storeu_si512((void *)sc, _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x + 192))));
		t->d[r * nblk + k] = h2f_c(x + 208);
	}
}

/* row r of the tile from the Q4_K row x (NULL: zeros) */
AVX512 static void unpack_q4_K(const uint8_t *x, const struct tw *t, int r)
{
	const int64_t nblk = t->n / 256;
	const __m512i lo4 = _mm512_set1_epi8(0x0F);
	for (int64_t k = 0; k < nblk; k++, x = x ? x + 144 : NULL) {
		uint8_t *q = t->q + (size_t)r * (size_t)t->n + 256 * k;
		int32_t *sc = t->sc + r * (t->n / 32) + 8 * k, *mn = t->mn + r * (t->n / 32) + 8 * k;
		if (!x) {
			memset(q, 0, 256);
			memset(sc, 0, 32);
			memset(mn, 0, 32);
			t->d[r * nblk + k] = t->dm[r * nblk + k] = 0;
			continue;
		}
		/* elements 64j..64j+31: the low nibbles of qs[32j..], 64j+32..: the high */
		for (int j = 0; j < 4; j++) {
			const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(x + 16 + 32 * j));
			_mm512_store_si512((void *)(q + 64 * j),
					   _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1), lo4));
		}
		uint8_t s8[8], m8[8];
		q4k_scales8(x + 4, s8, m8);
		for (int s = 0; s < 8; s++) {
			sc[s] = s8[s];
			mn[s] = m8[s];
		}
		t->d[r * nblk + k] = h2f_c(x);
		t->dm[r * nblk + k] = h2f_c(x + 2);
	}
}

static inline int32_t ld32(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* rows r0..r0+7 of the tile against one band: out[16 * t + c] */
AVX512 static void q6_K_8x16(const struct tw *w, int r0, const uint8_t *band, float *out)
{
	const int64_t n = w->n, nblk = n / 256, ns = n / 16;
	const uint8_t *wq = w->q + (size_t)r0 * (size_t)n;
	const int32_t *sc = w->sc + r0 * ns;
	const float *dw = w->d + r0 * nblk;
	__m512 acc[8];
	for (int t = 0; t < 8; t++)
		acc[t] = _mm512_setzero_ps();
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		__m512i s1[8];
		for (int t = 0; t < 8; t++)
			s1[t] = _mm512_setzero_si512();
		for (int s = 0; s < 16; s++) {
			/* the codes are the values + 32: start from -32 x the sum */
			const __m512i off = _mm512_sub_epi32(_mm512_setzero_si512(),
				_mm512_slli_epi32(_mm512_loadu_si512((const void *)(band + TB_SUMS + 64 * s)), 5));
			__m512i a[8];
			for (int t = 0; t < 8; t++)
				a[t] = off;
			const uint8_t *wp = wq + 256 * k + 16 * s;
#pragma GCC unroll 4
			for (int g = 0; g < 4; g++) {
				const __m512i c = _mm512_loadu_si512((const void *)(band + TB_CODES + 64 * (4 * s + g)));
#pragma GCC unroll 8
				for (int t = 0; t < 8; t++)
					a[t] = _mm512_dpbusd_epi32(a[t], _mm512_set1_epi32(ld32(wp + (size_t)t * (size_t)n + 4 * g)), c);
			}
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++)
				s1[t] = _mm512_add_epi32(s1[t], _mm512_mullo_epi32(a[t], _mm512_set1_epi32(sc[t * ns + 16 * k + s])));
		}
		const __m512 da = _mm512_loadu_ps((const void *)(band + TB_D));
#pragma GCC unroll 8
		for (int t = 0; t < 8; t++)
			acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s1[t]), _mm512_set1_ps(dw[t * nblk + k])), da, acc[t]);
	}
	for (int t = 0; t < 8; t++)
		_mm512_storeu_ps(out + 16 * t, acc[t]);
}

/* Q4_K: d_w d_a x the codes' sums times their scales, less dmin_w d_a x
 * the activations' sums times the mins, each added in per pair of 32-element
 * sub-blocks (as llama.cpp's repacked q4_K_8x8 GEMM does) into two
 * accumulators that are subtracted at the end */
AVX512 static void q4_K_8x16(const struct tw *w, int r0, const uint8_t *band, float *out)
{
	const int64_t n = w->n, nblk = n / 256, ns = n / 32;
	const uint8_t *wq = w->q + (size_t)r0 * (size_t)n;
	const int32_t *sc = w->sc + r0 * ns, *mn = w->mn + r0 * ns;
	const float *dw = w->d + r0 * nblk, *dm = w->dm + r0 * nblk;
	__m512 acc[8], accm[8];
	for (int t = 0; t < 8; t++)
		acc[t] = accm[t] = _mm512_setzero_ps();
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		const __m512 da = _mm512_loadu_ps((const void *)(band + TB_D));
		for (int sp = 0; sp < 4; sp++) {
			__m512i p[8];
			for (int h = 0; h < 2; h++) {
				const int s = 2 * sp + h;
				__m512i a[8];
				for (int t = 0; t < 8; t++)
					a[t] = _mm512_setzero_si512();
				const uint8_t *wp = wq + 256 * k + 32 * s;
#pragma GCC unroll 8
				for (int g = 0; g < 8; g++) {
					const __m512i c = _mm512_loadu_si512((const void *)(band + TB_CODES + 64 * (8 * s + g)));
#pragma GCC unroll 8
					for (int t = 0; t < 8; t++)
						a[t] = _mm512_dpbusd_epi32(a[t], _mm512_set1_epi32(ld32(wp + (size_t)t * (size_t)n + 4 * g)), c);
				}
#pragma GCC unroll 8
				for (int t = 0; t < 8; t++) {
					a[t] = _mm512_mullo_epi32(a[t], _mm512_set1_epi32(sc[t * ns + 8 * k + s]));
					p[t] = h ? _mm512_add_epi32(p[t], a[t]) : a[t];
				}
			}
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++)
				acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p[t]), _mm512_mul_ps(_mm512_set1_ps(dw[t * nblk + k]), da), acc[t]);
		}
		/* the min term: each 32-element sub-block's activation sum times its min */
		for (int sp = 0; sp < 4; sp++) {
			const __m512i b0 = _mm512_add_epi32(_mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp)),
							    _mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp + 64)));
			const __m512i b1 = _mm512_add_epi32(_mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp + 128)),
							    _mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp + 192)));
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++) {
				const int32_t *m = mn + t * ns + 8 * k + 2 * sp;
				const __m512i s2 = _mm512_add_epi32(_mm512_mullo_epi32(b0, _mm512_set1_epi32(m[0])),
								    _mm512_mullo_epi32(b1, _mm512_set1_epi32(m[1])));
				accm[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s2), _mm512_mul_ps(_mm512_set1_ps(dm[t * nblk + k]), da), accm[t]);
			}
		}
	}
	for (int t = 0; t < 8; t++)
		_mm512_storeu_ps(out + 16 * t, _mm512_sub_ps(acc[t], accm[t]));
}

/* y[b * ldy + r] for the nrows (<= 16) rows at w, bw bytes apart, and the
 * nb activation rows of the panel */
void kq_avx512_tiled_rows16(int type, const uint8_t *w, size_t bw, int nrows, const uint8_t *panel, int nb, int64_t n,
			    float *y, int64_t ldy, uint8_t *ws)
{
	const struct tw t = tw_at(ws, n);
	const int nh = nrows > 8 ? 2 : 1;
	for (int r = 0; r < 8 * nh; r++)
		(type == KOLM_T_Q6_K ? unpack_q6_K : unpack_q4_K)(r < nrows ? w + (size_t)r * bw : NULL, &t, r);
	const size_t band_bytes = (size_t)(n / 256) * TB_BLK;
	for (int b0 = 0; b0 < nb; b0 += 16) {
		const uint8_t *band = panel + (size_t)(b0 / 16) * band_bytes;
		const int nc = nb - b0 < 16 ? nb - b0 : 16;
		for (int h = 0; h < nh; h++) {
			float o[128];
			(type == KOLM_T_Q6_K ? q6_K_8x16 : q4_K_8x16)(&t, 8 * h, band, o);
			const int nr = nrows - 8 * h < 8 ? nrows - 8 * h : 8;
			for (int c = 0; c < nc; c++)
				for (int r = 0; r < nr; r++)
					y[(int64_t)(b0 + c) * ldy + 8 * h + r] = o[16 * r + c];
		}
	}
}
#endif

int kq_tiled_ok(int type, int simd)
{
#ifdef KQ_X86
	return simd && kq_kernels_avx512() && (type == KOLM_T_Q4_K || type == KOLM_T_Q6_K);
#else
	(void)type, (void)simd;
	return 0;
#endif
}

/* only called when kq_tiled_ok said yes (x86 with AVX-512 VNNI) */
void kq_tiled_rows(int type, const void *w, size_t bw, int nrows, const void *panel, int nb, int64_t n, float *y,
		   int64_t ldy, void *ws)
{
#ifdef KQ_X86
	kq_avx512_tiled_rows16(type, w, bw, nrows, panel, nb, n, y, ldy, ws);
#else
	(void)type, (void)w, (void)bw, (void)nrows, (void)panel, (void)nb, (void)n, (void)y, (void)ldy, (void)ws;
#endif
}
