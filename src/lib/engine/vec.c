/* vec.c - the engine's vector kernels' dispatch: the scalar reference
 * (vec_ref.c) or this machine's SIMD version (vec_x86.c, vec_arm.c),
 * chosen per call. */
#include "vec_internal.h"
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
