/* vec.c - the engine's vector kernels: the ones with one version on every
 * ISA (RMSNorm, RoPE, GeGLU through ggml's F16 GELU table), each computed
 * as the reference build computes it, and the dispatch of the others to
 * the scalar reference (vec_ref.c) or this machine's SIMD version
 * (vec_x86.c, vec_arm.c), chosen per call. */
#include "vec_internal.h"

#include <math.h>
#include <stdlib.h>

#include "kolm/fp16.h"
#include "vec_arm_internal.h"
#include "vec_ref_internal.h"
#include "vec_x86_internal.h"

/* the SIMD kernel `name` when simd, else its scalar reference */
#if defined(KQ_X86)
#define PICK(name) (simd ? ek_avx2_##name : ek_ref_##name)
#elif defined(KQ_NEON)
#define PICK(name) (simd ? ek_neon_##name : ek_ref_##name)
#else
#define PICK(name) ((void)simd, ek_ref_##name)
#endif

void ek_swiglu(const float *x, const float *g, float *y, int64_t n, int simd)
{
	PICK(swiglu)(x, g, y, n);
}

double ek_softmax16(float *p, const float *s, float m, int n, int simd)
{
	return PICK(softmax16)(p, s, m, n);
}

void ek_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s, int simd)
{
	PICK(kq_seq)(q, kt, ld, hd, nc, s);
}

void ek_axpy_f16(float *y, const uint16_t *v, float a, int64_t n, int simd)
{
	PICK(axpy_f16)(y, v, a, n);
}

void ek_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n, int simd)
{
	PICK(mad_f16)(acc, v, a, n);
}

void ek_scale_f16(uint16_t *acc, float a, int64_t n, int simd)
{
	PICK(scale_f16)(acc, a, n);
}

/* ---- one version on every ISA --------------------------------------- */
/* ggml_gelu_f32 as the reference build's compiler contracts it (its
 * 1 + a*x*x fused), which ggml evaluates once per F16 input into a table */
static inline float gelu(float x)
{
	const float c = 0.79788456080286535587989211986876f, a = 0.044715f;
	return 0.5f * x * (1.0f + tanhf(c * x * fmaf(a * x, x, 1.0f)));
}

uint16_t *ek_gelu_table(void)
{
	uint16_t *t = malloc(65536 * sizeof *t);
	for (uint32_t i = 0; t && i < 65536; i++)
		t[i] = kolm_fp32_to_fp16(gelu(kolm_fp16_to_fp32((uint16_t)i)));
	return t;
}

void ek_geglu(const uint16_t *tab, float *y, const float *x, const float *g, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		if (x[i] <= -10.0f)
			y[i] = 0.0f;
		else if (x[i] >= 10.0f)
			y[i] = x[i] * g[i];
		else
			y[i] = kolm_fp16_to_fp32(tab[kolm_fp32_to_fp16(x[i])]) * g[i];
	}
}

void ek_rmsnorm(const float *x, const float *w, int64_t n, float eps, float *y)
{
	double s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (double)(x[i] * x[i]);
	const float mean = (float)(s / (double)n);
	const float scale = 1.0f / sqrtf(mean + eps);
	for (int64_t i = 0; i < n; i++)
		y[i] = (x[i] * scale) * w[i];
}

void ek_rope_cache(int pos, int n_rot, float base, float scale, float mscale, const float *ff, float *cs)
{
	const float theta_scale = powf(base, -2.0f / (float)n_rot);
	float theta = (float)pos;
	for (int i0 = 0; i0 < n_rot; i0 += 2) {
		const float f = ff ? ff[i0 / 2] : 1.0f;
		const float t = scale * (theta / f);
		cs[i0] = cosf(t) * mscale;
		cs[i0 + 1] = sinf(t) * mscale;
		theta *= theta_scale;
	}
}

/* ggml's rotate_pairs, as the reference build's compiler contracts it:
 * x0*c - x1*s and x0*s + x1*c each fuse their first product. */
static inline void rope_pair(float *a, float *b, float c, float s)
{
	const float x0 = *a, x1 = *b;
	*a = fmaf(x0, c, -(x1 * s));
	*b = fmaf(x0, s, x1 * c);
}

void ek_rope(float *x, const float *cs, int n_rot, int neox)
{
	if (neox) {
		const int h = n_rot / 2;
		for (int i = 0; i < h; i++)
			rope_pair(x + i, x + i + h, cs[2 * i], cs[2 * i + 1]);
	} else {
		for (int i0 = 0; i0 < n_rot; i0 += 2)
			rope_pair(x + i0, x + i0 + 1, cs[i0], cs[i0 + 1]);
	}
}
