/* vec_arm.c - the engine's vector kernels in AArch64 NEON (native F16
 * arithmetic for the F16 accumulators when the build targets it): the
 * reference build's 16 lanes held in four registers, so every result is
 * vec_ref.c's, bit for bit (tests/simd/run.sh checks them under
 * qemu-aarch64). */
#include "quant/kernels_ref_internal.h"
#include "vec_ref_internal.h"
#include "vec_arm_internal.h"

#ifdef KQ_NEON
/* ek_ref_v_expf on 4 lanes (see ek_avx2_v_expf) */
static float32x4_t ek_neon_v_expf(float32x4_t x)
{
	const float32x4_t r = vdupq_n_f32(0x1.8p23f);
	const float32x4_t z = vfmaq_f32(r, x, vdupq_n_f32(0x1.715476p+0f));
	const float32x4_t n = vsubq_f32(z, r);
	const float32x4_t b = vfmsq_f32(vfmsq_f32(x, n, vdupq_n_f32(0x1.62e4p-1f)), n, vdupq_n_f32(0x1.7f7d1cp-20f));
	const float32x4_t u = vmulq_f32(b, b);
	const float32x4_t j = vfmaq_f32(
		vfmaq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(0x1.ffffecp-1f), b),
		vfmaq_f32(vfmaq_f32(vdupq_n_f32(0x1.fffdb6p-2f), vdupq_n_f32(0x1.555e66p-3f), b),
			  vfmaq_f32(vdupq_n_f32(0x1.573e2ep-5f), vdupq_n_f32(0x1.0e4020p-7f), b), u),
		u);
	const uint32x4_t ok = vandq_u32(vcgeq_f32(n, vdupq_n_f32(-126.0f)), vcleq_f32(n, vdupq_n_f32(127.0f)));
	const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
	float32x4_t res = vmulq_f32(j, vreinterpretq_f32_s32(e));
	if (vminvq_u32(ok) == 0) {
		float xv[4], rv[4];
		uint32_t okv[4];
		vst1q_f32(xv, x);
		vst1q_f32(rv, res);
		vst1q_u32(okv, ok);
		for (int l = 0; l < 4; l++)
			if (!okv[l])
				rv[l] = ek_ref_v_expf(xv[l]);
		res = vld1q_f32(rv);
	}
	return res;
}

void ek_neon_swiglu(const float *x, const float *g, float *y, int64_t n)
{
	const int64_t nv = n & ~(int64_t)15;
	const float32x4_t one = vdupq_n_f32(1.0f), zero = vdupq_n_f32(0.0f);
	for (int64_t i = 0; i < nv; i += 4) {
		const float32x4_t v = vld1q_f32(x + i);
		const float32x4_t e = ek_neon_v_expf(vsubq_f32(zero, v));
		vst1q_f32(y + i, vmulq_f32(vdivq_f32(v, vaddq_f32(one, e)), vld1q_f32(g + i)));
	}
	for (int64_t i = nv; i < n; i++)
		y[i] = silu_libm(x[i]) * g[i];
}

double ek_neon_softmax16(float *p, const float *s, float m, int n)
{
	const float32x4_t vm = vdupq_n_f32(m);
	double sum = 0;
	for (int i = 0; i < n; i += 16) {
		float32x4_t v[4];
		for (int k = 0; k < 4; k++) {
			v[k] = ek_neon_v_expf(vsubq_f32(vld1q_f32(s + i + 4 * k), vm));
			vst1q_f32(p + i + 4 * k, v[k]);
		}
		sum += (double)red16n(v[0], v[1], v[2], v[3]);
	}
	return sum;
}

/* four cells per register, 32 cells per pass */
void ek_neon_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
{
	int c0 = 0;
	for (; c0 + 4 <= nc; c0 += 32) {
		const int nv = (nc - c0 < 32 ? nc - c0 : 32) / 4;
		float32x4_t acc[8];
		for (int v = 0; v < nv; v++)
			acc[v] = vdupq_n_f32(0);
		for (int d = 0; d < hd; d++) {
			const float *row = kt + (int64_t)d * ld + c0;
			for (int v = 0; v < nv; v++)
				acc[v] = vfmaq_n_f32(acc[v], vld1q_f32(row + 4 * v), q[d]);
		}
		for (int v = 0; v < nv; v++)
			vst1q_f32(s + c0 + 4 * v, acc[v]);
		if (nv < 8) {
			c0 += 4 * nv;
			break;
		}
	}
	/* the cells past the last whole register: the scalar kernel's chains */
	ek_ref_kq_seq(q, kt + c0, ld, hd, nc - c0, s + c0);
}

void ek_neon_axpy_f16(float *y, const uint16_t *v, float a, int64_t n)
{
	int64_t i = 0;
	for (; i + 4 <= n; i += 4)
		vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), ld_h4(v + i), a));
	for (; i < n; i++)
		y[i] = fmaf(kolm_fp16_to_fp32(v[i]), a, y[i]);
}

void ek_neon_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	int64_t i = 0;
#ifdef __ARM_FEATURE_FP16_VECTOR_ARITHMETIC
	const float16x8_t vh = vdupq_n_f16((float16_t)ah);
	for (; i < np; i += 8)
		vst1q_f16((float16_t *)(void *)(acc + i), vfmaq_f16(ld_h8(acc + i), ld_h8(v + i), vh));
#else
	for (; i < np; i += 4)
		st_h4(acc + i, neon_h_sum(vmulq_n_f32(ld_h4(v + i), ah), ld_h4(acc + i)));
#endif
	for (; i + 4 <= n; i += 4)
		st_h4(acc + i, vfmaq_n_f32(ld_h4(acc + i), ld_h4(v + i), a));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), a, kolm_fp16_to_fp32(acc[i])));
}

void ek_neon_scale_f16(uint16_t *acc, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	int64_t i = 0;
	for (; i < np; i += 4)
		st_h4(acc + i, vmulq_n_f32(ld_h4(acc + i), ah));
	for (; i + 4 <= n; i += 4)
		st_h4(acc + i, vmulq_n_f32(ld_h4(acc + i), a));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(kolm_fp16_to_fp32(acc[i]) * a);
}

#endif /* KQ_NEON */
