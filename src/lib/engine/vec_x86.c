/* vec_x86.c - the engine's vector kernels in AVX2 + FMA + F16C, compiled
 * for that target function by function and called only when the CPU has
 * it: the reference build's 16 lanes held in two registers, so every result
 * is vec_ref.c's, bit for bit (tests/simd/check_kernels.c). */
#include "quant/kernels_ref_internal.h"
#include "vec_ref_internal.h"
#include "vec_x86_internal.h"

#ifdef KQ_X86
/* ek_ref_v_expf on 8 lanes.  2^n is built from its exponent bits for
 * -126 <= n <= 127 (an exact scaling, as _mm512_scalef_ps); other lanes
 * (underflow, overflow, NaN) go to the scalar code. */
AVX2 static __m256 ek_avx2_v_expf(__m256 x)
{
	const __m256 r = _mm256_set1_ps(0x1.8p23f);
	const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
	const __m256 n = _mm256_sub_ps(z, r);
	const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
					  _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
	const __m256 u = _mm256_mul_ps(b, b);
	const __m256 j = _mm256_fmadd_ps(
		_mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
				_mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
		u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
	const __m256 ok = _mm256_and_ps(_mm256_cmp_ps(n, _mm256_set1_ps(-126.0f), _CMP_GE_OQ),
					_mm256_cmp_ps(n, _mm256_set1_ps(127.0f), _CMP_LE_OQ));
	const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
	__m256 res = _mm256_mul_ps(j, _mm256_castsi256_ps(e));
	const int m = _mm256_movemask_ps(ok);
	if (m != 0xff) {
		float xv[8], rv[8];
		_mm256_storeu_ps(xv, x);
		_mm256_storeu_ps(rv, res);
		for (int l = 0; l < 8; l++)
			if (!(m >> l & 1))
				rv[l] = ek_ref_v_expf(xv[l]);
		res = _mm256_loadu_ps(rv);
	}
	return res;
}

AVX2 void ek_avx2_swiglu(const float *x, const float *g, float *y, int64_t n)
{
	const int64_t nv = n & ~(int64_t)15;
	const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
	for (int64_t i = 0; i < nv; i += 8) {
		const __m256 v = _mm256_loadu_ps(x + i);
		const __m256 e = ek_avx2_v_expf(_mm256_sub_ps(zero, v));
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(v, _mm256_add_ps(one, e)), _mm256_loadu_ps(g + i)));
	}
	for (int64_t i = nv; i < n; i++)
		y[i] = silu_libm(x[i]) * g[i];
}

AVX2 double ek_avx2_softmax16(float *p, const float *s, float m, int n)
{
	const __m256 vm = _mm256_set1_ps(m);
	double sum = 0;
	for (int i = 0; i < n; i += 16) {
		const __m256 lo = ek_avx2_v_expf(_mm256_sub_ps(_mm256_loadu_ps(s + i), vm));
		const __m256 hi = ek_avx2_v_expf(_mm256_sub_ps(_mm256_loadu_ps(s + i + 8), vm));
		_mm256_storeu_ps(p + i, lo);
		_mm256_storeu_ps(p + i + 8, hi);
		sum += (double)red16x(lo, hi);
	}
	return sum;
}

/* eight cells per register, up to 64 cells in flight */
AVX2 void ek_avx2_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
{
	const int nv = nc / 8;
	__m256 acc[8];
	for (int v = 0; v < nv; v++)
		acc[v] = _mm256_setzero_ps();
	for (int d = 0; d < hd; d++) {
		const __m256 qd = _mm256_set1_ps(q[d]);
		const float *row = kt + (int64_t)d * ld;
		for (int v = 0; v < nv; v++)
			acc[v] = _mm256_fmadd_ps(_mm256_loadu_ps(row + 8 * v), qd, acc[v]);
	}
	for (int v = 0; v < nv; v++)
		_mm256_storeu_ps(s + 8 * v, acc[v]);
	/* the cells past the last whole register: the scalar kernel's chains */
	ek_ref_kq_seq(q, kt + 8 * nv, ld, hd, nc - 8 * nv, s + 8 * nv);
}

AVX2 void ek_avx2_axpy_f16(float *y, const uint16_t *v, float a, int64_t n)
{
	const __m256 va = _mm256_set1_ps(a);
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_fmadd_ps(avx2_ld_h8(v + i), va, _mm256_loadu_ps(y + i)));
	for (; i < n; i++)
		y[i] = fmaf(kolm_fp16_to_fp32(v[i]), a, y[i]);
}

/* Element-wise, so bit-identical to the scalar versions: each element is
 * one fused multiply-add (or multiply) rounded once to F16. */
AVX2 void ek_avx2_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	const __m256 va = _mm256_set1_ps(a), vh = _mm256_set1_ps(kolm_fp16_to_fp32(kolm_fp32_to_fp16(a)));
	int64_t i = 0;
	for (; i < np; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(avx2_h_sum(_mm256_mul_ps(avx2_ld_h8(v + i), vh), avx2_ld_h8(acc + i)),
						 _MM_FROUND_TO_NEAREST_INT));
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(_mm256_fmadd_ps(avx2_ld_h8(v + i), va, avx2_ld_h8(acc + i)), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), a, kolm_fp16_to_fp32(acc[i])));
}

AVX2 void ek_avx2_scale_f16(uint16_t *acc, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	const __m256 va = _mm256_set1_ps(a), vh = _mm256_set1_ps(kolm_fp16_to_fp32(kolm_fp32_to_fp16(a)));
	int64_t i = 0;
	for (; i < np; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(_mm256_mul_ps(avx2_ld_h8(acc + i), vh), _MM_FROUND_TO_NEAREST_INT));
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(_mm256_mul_ps(avx2_ld_h8(acc + i), va), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(kolm_fp16_to_fp32(acc[i]) * a);
}

#endif /* KQ_X86 */
