/* kernels_x86_tiled_ymm.h - the tiled Q6_K and Q4_K kernels on 256-bit
 * registers, included twice by kernels_x86_tiled.c: TY_NAME(t) names them,
 * TY_ATTR is their target, TY_DOT(acc, w, c) adds to each int32 lane of acc
 * the 4 products of the unsigned bytes of w with the signed bytes of c
 * (AVX-VNNI's vpdpbusd, or AVX2's vpmaddubsw + vpmaddwd).  Rows r0..r0+3
 * of the tile against 8 columns of a band (band points at the first of
 * them): out[8 * t + c]; per value the steps of q6_K_8x16 / q4_K_8x16. */

TY_ATTR static void TY_NAME(q6_K)(const struct tw *w, int r0, const uint8_t *band, float *out)
{
	const int64_t n = w->n, nblk = n / 256, ns = n / 16;
	const uint8_t *wq = w->q + (size_t)r0 * (size_t)n;
	const int32_t *sc = w->sc + r0 * ns;
	const float *dw = w->d + r0 * nblk;
	__m256 acc[4];
	for (int t = 0; t < 4; t++)
		acc[t] = _mm256_setzero_ps();
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		__m256i s1[4];
		for (int t = 0; t < 4; t++)
			s1[t] = _mm256_setzero_si256();
		for (int s = 0; s < 16; s++) {
			const __m256i off = _mm256_sub_epi32(_mm256_setzero_si256(),
				_mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(band + TB_SUMS + 64 * s)), 5));
			__m256i a[4];
			for (int t = 0; t < 4; t++)
				a[t] = off;
			const uint8_t *wp = wq + 256 * k + 16 * s;
#pragma GCC unroll 4
			for (int g = 0; g < 4; g++) {
				const __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(band + TB_CODES + 64 * (4 * s + g)));
#pragma GCC unroll 4
				for (int t = 0; t < 4; t++)
					a[t] = TY_DOT(a[t], _mm256_set1_epi32(ld32(wp + (size_t)t * (size_t)n + 4 * g)), c);
			}
#pragma GCC unroll 4
			for (int t = 0; t < 4; t++)
				s1[t] = _mm256_add_epi32(s1[t], _mm256_mullo_epi32(a[t], _mm256_set1_epi32(sc[t * ns + 16 * k + s])));
		}
		const __m256 da = _mm256_loadu_ps((const float *)(const void *)(band + TB_D));
		for (int t = 0; t < 4; t++)
			acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s1[t]), _mm256_set1_ps(dw[t * nblk + k])), da, acc[t]);
	}
	for (int t = 0; t < 4; t++)
		_mm256_storeu_ps(out + 8 * t, acc[t]);
}

TY_ATTR static void TY_NAME(q4_K)(const struct tw *w, int r0, const uint8_t *band, float *out)
{
	const int64_t n = w->n, nblk = n / 256, ns = n / 32;
	const uint8_t *wq = w->q + (size_t)r0 * (size_t)n;
	const int32_t *sc = w->sc + r0 * ns, *mn = w->mn + r0 * ns;
	const float *dw = w->d + r0 * nblk, *dm = w->dm + r0 * nblk;
	__m256 acc[4], accm[4];
	for (int t = 0; t < 4; t++)
		acc[t] = accm[t] = _mm256_setzero_ps();
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		const __m256 da = _mm256_loadu_ps((const float *)(const void *)(band + TB_D));
		for (int sp = 0; sp < 4; sp++) {
			__m256i p[4];
			for (int h = 0; h < 2; h++) {
				const int s = 2 * sp + h;
				__m256i a[4];
				for (int t = 0; t < 4; t++)
					a[t] = _mm256_setzero_si256();
				const uint8_t *wp = wq + 256 * k + 32 * s;
#pragma GCC unroll 8
				for (int g = 0; g < 8; g++) {
					const __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(band + TB_CODES + 64 * (8 * s + g)));
#pragma GCC unroll 4
					for (int t = 0; t < 4; t++)
						a[t] = TY_DOT(a[t], _mm256_set1_epi32(ld32(wp + (size_t)t * (size_t)n + 4 * g)), c);
				}
				for (int t = 0; t < 4; t++) {
					a[t] = _mm256_mullo_epi32(a[t], _mm256_set1_epi32(sc[t * ns + 8 * k + s]));
					p[t] = h ? _mm256_add_epi32(p[t], a[t]) : a[t];
				}
			}
			for (int t = 0; t < 4; t++)
				acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p[t]), _mm256_mul_ps(_mm256_set1_ps(dw[t * nblk + k]), da), acc[t]);
		}
		for (int sp = 0; sp < 4; sp++) {
			const __m256i b0 = _mm256_add_epi32(
				_mm256_loadu_si256((const __m256i *)(const void *)(band + TB_SUMS + 256 * sp)),
				_mm256_loadu_si256((const __m256i *)(const void *)(band + TB_SUMS + 256 * sp + 64)));
			const __m256i b1 = _mm256_add_epi32(
				_mm256_loadu_si256((const __m256i *)(const void *)(band + TB_SUMS + 256 * sp + 128)),
				_mm256_loadu_si256((const __m256i *)(const void *)(band + TB_SUMS + 256 * sp + 192)));
			for (int t = 0; t < 4; t++) {
				const int32_t *m = mn + t * ns + 8 * k + 2 * sp;
				const __m256i s2 = _mm256_add_epi32(_mm256_mullo_epi32(b0, _mm256_set1_epi32(m[0])),
								    _mm256_mullo_epi32(b1, _mm256_set1_epi32(m[1])));
				accm[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s2), _mm256_mul_ps(_mm256_set1_ps(dm[t * nblk + k]), da), accm[t]);
			}
		}
	}
	for (int t = 0; t < 4; t++)
		_mm256_storeu_ps(out + 8 * t, _mm256_sub_ps(acc[t], accm[t]));
}
