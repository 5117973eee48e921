/* vec_ref.c - the scalar reference of the engine's vector kernels, each as
 * the llama.cpp kernel it follows computes it on the reference build
 * (AVX-512, AVX512-FP16): SwiGLU (ggml_vec_swiglu_f32), the tiled flash
 * attention's scores (simd_gemm) and softmax (ggml_vec_soft_max_f32), and
 * the one-chunk kernel's F16 accumulators (ggml_vec_mad_f16,
 * ggml_vec_scale_f16).  The row dots they run beside are quant/kernels_*.c. */
#include "quant/kernels_ref_internal.h"
#include "vec_ref_internal.h"

float ek_ref_v_expf(float x)
{
	const float r = 0x1.8p23f;
	const float z = fmaf(x, 0x1.715476p+0f, r);
	const float n = z - r;
	const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
	const float u = b * b;
	const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
			     u, fmaf(0x1.ffffecp-1f, b, 1.0f));
	if (n != n)
		return n;
	if (fabsf(n) > 192)
		return n <= 0 ? 0.0f : INFINITY;
	return scalbnf(j, (int)n);
}

static inline float ref_silu_v(float x)
{
	return x / (1.0f + ek_ref_v_expf(0.0f - x));
}

/* ggml_vec_swiglu_f32: ggml_v_expf over whole 16-element groups, the C
 * library's expf (ggml_silu_f32) on the rest */
void ek_ref_swiglu(const float *x, const float *g, float *y, int64_t n)
{
	const int64_t nv = n & ~(int64_t)15;
	for (int64_t i = 0; i < nv; i++)
		y[i] = ref_silu_v(x[i]) * g[i];
	for (int64_t i = nv; i < n; i++)
		y[i] = silu_libm(x[i]) * g[i];
}

/* ggml_vec_soft_max_f32 on n (a multiple of 16) scores: p = v_expf(s - m),
 * each 16 reduced as _mm512_reduce_add_ps, the partial sums added in double */
double ek_ref_softmax16(float *p, const float *s, float m, int n)
{
	double sum = 0;
	for (int i = 0; i < n; i += 16) {
		for (int l = 0; l < 16; l++)
			p[i + l] = ek_ref_v_expf(s[i + l] - m);
		sum += (double)red16(p + i);
	}
	return sum;
}

/* The tiled flash-attention's scores (simd_gemm): for each cell c < nc,
 * sum over d of kt[d * ld + c] * q[d], one fused multiply-add at a time. */
void ek_ref_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
{
	for (int c = 0; c < nc; c++) {
		float acc = 0;
		for (int d = 0; d < hd; d++)
			acc = fmaf(kt[(int64_t)d * ld + c], q[d], acc);
		s[c] = acc;
	}
}

void ek_ref_axpy_f16(float *y, const uint16_t *v, float a, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = fmaf(kolm_fp16_to_fp32(v[i]), a, y[i]);
}

/* ggml_vec_mad_f16 / _scale_f16: whole steps in F16 with a rounded to F16,
 * the rest one F32 operation rounded to F16 */
void ek_ref_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	for (int64_t i = 0; i < np; i++)
		acc[i] = kolm_fp32_to_fp16(h_sum(kolm_fp16_to_fp32(v[i]) * ah, kolm_fp16_to_fp32(acc[i])));
	for (int64_t i = np; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), a, kolm_fp16_to_fp32(acc[i])));
}

void ek_ref_scale_f16(uint16_t *acc, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	for (int64_t i = 0; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(kolm_fp16_to_fp32(acc[i]) * (i < np ? ah : a));
}

