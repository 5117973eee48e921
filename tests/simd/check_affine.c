/* check_affine.c - the AVX2 / NEON affine group dot (src/lib/quant/
 * affine_dot.c, MLX's 2..8-bit layout) against its scalar reference and
 * both against the exact dot, in double, of what the row holds (each value
 * dequantized as scale * q + bias from the stored scale and bias), for
 * bits 2..8, groups 8/24/32/64/128 and F32/F16/BF16 scales: within 1e-5 of the
 * sum of |products| (float summation order is all that may differ).  Also
 * the embedding row (kolm_affine_dequantize_row_t) against affine.h's
 * float32 dequantizer, bit for bit.  A plain program, so that tests/simd/
 * run.sh runs it natively and as AArch64 NEON under qemu-user.
 * Exit 0 with one summary line, or 1 listing each failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/affine.h"
#include "kolm/fp16.h"
#include "kolm/types.h"
#include "quant/kernels_internal.h"

static int checks, fails;
static uint64_t rng = 88172645463325252ull;

static float frand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

static void expect(int ok, const char *what, int bits, int group, int stype)
{
	checks++;
	if (!ok) {
		fails++;
		printf("FAIL %s (bits %d, group %d, scales %s)\n", what, bits, group, kolm_type_name(stype));
	}
}

static void store(void *p, int stype, int64_t i, float v)
{
	if (stype == KOLM_T_F16)
		((uint16_t *)p)[i] = kolm_fp32_to_fp16(v);
	else if (stype == KOLM_T_BF16)
		((uint16_t *)p)[i] = kolm_fp32_to_bf16(v);
	else
		((float *)p)[i] = v;
}

static float load(const void *p, int stype, int64_t i)
{
	if (stype == KOLM_T_F16)
		return kolm_fp16_to_fp32(((const uint16_t *)p)[i]);
	if (stype == KOLM_T_BF16)
		return kolm_bf16_to_fp32(((const uint16_t *)p)[i]);
	return ((const float *)p)[i];
}

static void one(int bits, int group, int stype, int64_t n)
{
	float *w = malloc(sizeof(float) * (size_t)n), *x = malloc(sizeof(float) * (size_t)n);
	float *d = malloc(sizeof(float) * (size_t)n), *d2 = malloc(sizeof(float) * (size_t)n);
	int64_t ng = n / group;
	float *sc = malloc(sizeof(float) * (size_t)ng), *bi = malloc(sizeof(float) * (size_t)ng);
	float *s32 = malloc(sizeof(float) * (size_t)ng), *b32 = malloc(sizeof(float) * (size_t)ng);
	float *xs = malloc(sizeof(float) * (size_t)ng);
	uint8_t *q = malloc((size_t)(n * bits / 8));
	void *ss = malloc(4 * (size_t)ng), *bs = malloc(4 * (size_t)ng);
	for (int64_t i = 0; i < n; i++) {
		w[i] = frand() * 0.1f;
		x[i] = frand() * 3.0f;
	}
	kolm_affine_quantize_row(w, n, group, bits, q, sc, bi);
	for (int64_t g = 0; g < ng; g++) {
		store(ss, stype, g, sc[g]);
		store(bs, stype, g, bi[g]);
		s32[g] = load(ss, stype, g);
		b32[g] = load(bs, stype, g);
	}
	kolm_affine_xsum(x, n, group, xs);
	kolm_affine_dequantize_row(q, n, group, bits, s32, b32, d);
	kolm_affine_dequantize_row_t(q, ss, bs, stype, n, group, bits, d2);
	expect(!memcmp(d, d2, sizeof(float) * (size_t)n), "dequantized row", bits, group, stype);
	double exact = 0, mag = 0;
	for (int64_t i = 0; i < n; i++) {
		exact += (double)d[i] * x[i];
		mag += fabs((double)d[i] * x[i]);
	}
	float ref = kolm_affine_dot(q, ss, bs, stype, n, group, bits, x, xs, 0);
	float fast = kolm_affine_dot(q, ss, bs, stype, n, group, bits, x, xs, 1);
	expect(fabs(ref - exact) <= 1e-5 * mag, "scalar reference vs exact dot", bits, group, stype);
	expect(fabs(fast - exact) <= 1e-5 * mag, "SIMD vs exact dot", bits, group, stype);
	expect(fabs(fast - ref) <= 1e-5 * mag, "SIMD vs scalar reference", bits, group, stype);
	free(w), free(x), free(d), free(d2), free(sc), free(bi), free(s32), free(b32), free(xs), free(q), free(ss),
		free(bs);
}

int main(void)
{
	static const int stypes[] = {KOLM_T_F32, KOLM_T_F16, KOLM_T_BF16};
	static const int groups[] = {8, 24, 32, 64, 128}; /* mlx's three, and groups that end mid-vector */
	for (int bits = 2; bits <= 8; bits++)
		for (int gi = 0; gi < 5; gi++)
			for (int s = 0; s < 3; s++)
				one(bits, groups[gi], stypes[s], 3 * 256);
	printf("check_affine (%s): %d of %d checks passed\n", kq_kernels_simd() ? kq_kernels_isa() : "scalar",
	       checks - fails, checks);
	return fails ? 1 : 0;
}
