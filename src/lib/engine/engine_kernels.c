/* engine_kernels.c - row dot products for the engine: activation formats
 * (F32, F16, BF16, Q8_0, Q8_1) made the way ggml's CPU backend makes them,
 * scalar reference dots for every weight type, and AVX2 (x86-64, chosen at
 * run time) and NEON (AArch64) versions of the hot ones (F32, F16, Q8_0,
 * Q4_0, K-quants, IQ4, activation quantization, SwiGLU, the attention
 * helpers).  The F32/F16/Q8_0/Q4_0 dots (and IQ4_NL in the repacked
 * kernels' order), SwiGLU and attention helpers follow the operation order
 * of llama.cpp's AVX-512 (and AVX512-FP16) build in every ISA and are
 * bit-identical, as are the
 * element-wise kernels (activation quantization, F16 accumulators); the
 * other quantized dots sum exactly the same integer products per block and
 * differ only in the order of the float accumulation
 * (tests/unit/test_engine.c, tests/simd/check_kernels.c, which also runs
 * under qemu-aarch64). */
#include <math.h>
#include <string.h>

#include "engine_internal.h"
#include "kolm/quant.h"
#include "quant/quant_internal.h"
#include "kolm/types.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EK_X86 1
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define EK_NEON 1
#endif

static inline float h2f(const uint8_t *p)
{
	return kolm_fp16_to_fp32((uint16_t)(p[0] | (p[1] << 8)));
}

static inline void f2h(uint8_t *p, float f)
{
	uint16_t h = kolm_fp32_to_fp16(f);
	p[0] = (uint8_t)(h & 0xff);
	p[1] = (uint8_t)(h >> 8);
}

/* round to nearest, ties to even (what _mm256_round_ps(_MM_ROUND_NEAREST)
 * does); |f| <= 127.5 here */
static inline int near_int(float f)
{
	float v = f + 12582912.f;
	int32_t i;
	memcpy(&i, &v, sizeof i);
	return (i & 0x007fffff) - 0x00400000;
}

int ek_have_simd(void)
{
#ifdef EK_NEON
	return 1;
#elif defined(EK_X86)
	static int cached = -1;
	int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (c < 0) {
		__builtin_cpu_init();
		/* F16C has no __builtin_cpu_supports name in clang 14: every CPU
		 * with AVX2 and FMA also has it */
		c = (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
		__atomic_store_n(&cached, c, __ATOMIC_RELAXED);
	}
	return c;
#else
	return 0;
#endif
}

const char *ek_simd_name(void)
{
#ifdef EK_NEON
	return "neon";
#else
	return ek_have_simd() ? "avx2" : "scalar";
#endif
}

int ek_act_for(int wtype)
{
	switch (wtype) {
	case KOLM_T_F32: return EK_ACT_F32;
	case KOLM_T_F16: return EK_ACT_F16;
	case KOLM_T_BF16: return EK_ACT_BF16;
	case KOLM_T_Q4_0: case KOLM_T_Q5_0: case KOLM_T_Q8_0: case KOLM_T_IQ4_NL: return EK_ACT_Q8_0;
	case KOLM_T_Q4_1: case KOLM_T_Q5_1: return EK_ACT_Q8_1;
	case KOLM_T_Q2_K: case KOLM_T_Q3_K: case KOLM_T_Q4_K: case KOLM_T_Q5_K: case KOLM_T_Q6_K:
	case KOLM_T_IQ4_XS:
		return EK_ACT_Q8_K;
	default: return EK_ACT_DEQ;
	}
}

size_t ek_act_bytes(int act, int64_t n)
{
	switch (act) {
	case EK_ACT_F16: case EK_ACT_BF16: return (size_t)n * 2;
	case EK_ACT_Q8_0: return (size_t)(n / 32) * EK_B_Q8_0;
	case EK_ACT_Q8_1: return (size_t)(n / 32) * EK_B_Q8_1;
	case EK_ACT_Q8_K: return (size_t)(n / 256) * EK_B_Q8_K;
	default: return (size_t)n * 4;
	}
}

void ek_to_f16(const float *x, uint16_t *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = kolm_fp32_to_fp16(x[i]);
}

/* ---- scalar reference ------------------------------------------------ */
/* ggml quantize_row_q8_0 (x86 path): d = amax/127, id = 127/amax, round to
 * nearest even.  Q8_1 adds s = d * sum(qs). */
static void ref_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum)
{
	const size_t bs = with_sum ? EK_B_Q8_1 : EK_B_Q8_0;
	for (int64_t b = 0; b < n / 32; b++, x += 32, y += bs) {
		float amax = 0;
		for (int j = 0; j < 32; j++)
			amax = fmaxf(amax, fabsf(x[j]));
		const float d = amax / 127.f;
		const float id = amax != 0.0f ? 127.f / amax : 0.0f;
		int8_t *qs = (int8_t *)(y + (with_sum ? 4 : 2));
		int sum = 0;
		for (int j = 0; j < 32; j++) {
			qs[j] = (int8_t)near_int(x[j] * id);
			sum += qs[j];
		}
		f2h(y, d);
		if (with_sum)
			f2h(y + 2, d * (float)sum);
	}
}

/* ---- F16 arithmetic ----------------------------------------------------
 * The goldens' CPU has AVX512-FP16, and there llama.cpp computes
 * ggml_vec_dot_f16, ggml_vec_mad_f16 and ggml_vec_scale_f16 in F16:
 * 32-lane F16 registers, 128 elements a step (the rest element by element
 * in F32 or double), each multiply-add and add rounded once to F16.
 * kolm gets the same roundings from F32 arithmetic.  A product of two F16
 * values is exact in F32.  A sum is made round-to-odd in F32 (the
 * round-to-nearest sum, moved one unit toward the exact value when it was
 * inexact and came out even); rounding that to F16 gives the correctly
 * rounded F16 sum, since F32 has at least 11 + 2 bits. */
#define EK_H_STEP 128
#define EK_H_EPR 32

/* a + b rounded to F16 (returned widened) */
static inline float h_sum(float a, float b)
{
	const float s = a + b, bb = s - a;
	const float e = (a - (s - bb)) + (b - bb);
	uint32_t u, ue;
	memcpy(&u, &s, 4);
	memcpy(&ue, &e, 4);
	if ((e < 0 || e > 0) && !(u & 1))
		u += (u ^ ue) >> 31 ? (uint32_t)-1 : 1u;
	float o;
	memcpy(&o, &u, 4);
	return kolm_fp16_to_fp32(kolm_fp32_to_fp16(o));
}

/* the lanes t[0..w) summed in F16, halving: t[l] += t[l + w/2], ... */
static inline float h_reduce(float *t, int w)
{
	for (w /= 2; w >= 1; w /= 2)
		for (int l = 0; l < w; l++)
			t[l] = h_sum(t[l], t[l + w]);
	return t[0];
}

/* ---- llama.cpp's summation orders --------------------------------------
 * The goldens come from llama.cpp's AVX-512 CPU build.  kolm reproduces,
 * in every ISA, the order in which that build sums F32/F16 products
 * (tests/unit/test_engine.c):
 *  - ggml_vec_dot_f32 (decode, and rows tinyBLAS does not take): four
 *    16-lane fused accumulators over 64-element steps, added pairwise,
 *    reduced the way GCC's _mm512_reduce_add_ps does, then the tail in
 *    float with the product rounded first;
 *  - ggml_vec_dot_f16: in F16 arithmetic (above);
 *  - llamafile's tinyBLAS (F32/F16 weights in a prompt batch, k % 16 == 0,
 *    rows % 4 == 0): one 16-lane fused accumulator, the same reduction.
 * The AVX2 kernels hold 16 lanes in two registers, NEON in four. */
static inline float red16(const float v[16])
{
	float t[8], u[4];
	for (int i = 0; i < 8; i++)
		t[i] = v[i + 8] + v[i];
	for (int i = 0; i < 4; i++)
		u[i] = t[i + 4] + t[i];
	return (u[0] + u[2]) + (u[1] + u[3]);
}

static inline float red4x16(float acc[4][16])
{
	for (int l = 0; l < 16; l++) {
		acc[0][l] += acc[2][l];
		acc[1][l] += acc[3][l];
	}
	for (int l = 0; l < 16; l++)
		acc[0][l] += acc[1][l];
	return red16(acc[0]);
}

/* ggml_vec_dot_f32's tail: each product rounded, then added in float */
static inline float dot_tail_f32(const float *a, const float *b, int64_t i, int64_t n, float s)
{
	for (; i < n; i++) {
		const float p = a[i] * b[i];
		s += p;
	}
	return s;
}

/* ggml_vec_dot_f16's tail: exact products added in double */
static inline float dot_tail_f16(const uint16_t *a, const uint16_t *b, int64_t i, int64_t n, double s)
{
	for (; i < n; i++)
		s += (double)(kolm_fp16_to_fp32(a[i]) * kolm_fp16_to_fp32(b[i]));
	return (float)s;
}

static inline float f32_same(float f)
{
	return f;
}

/* tinyBLAS's: one 16-lane accumulator, n a multiple of 16 */
#define REF_DOT_TB(CA, CB)                                                                        \
	float acc[16] = {0};                                                                      \
	for (int64_t i = 0; i < n; i += 16)                                                       \
		for (int l = 0; l < 16; l++)                                                      \
			acc[l] = fmaf(CA(a[i + l]), CB(b[i + l]), acc[l]);                        \
	return red16(acc)

/* ggml_vec_dot_f32: 4 accumulators of 16 lanes */
static float ref_dot_f32(const float *a, const float *b, int64_t n)
{
	float acc[4][16] = {{0}};
	const int64_t np = n & ~(int64_t)63;
	for (int64_t i = 0; i < np; i += 64)
		for (int j = 0; j < 4; j++)
			for (int l = 0; l < 16; l++)
				acc[j][l] = fmaf(a[i + 16 * j + l], b[i + 16 * j + l], acc[j][l]);
	return dot_tail_f32(a, b, np, n, red4x16(acc));
}

/* ggml_vec_dot_f16 in F16: 4 accumulators of 32 F16 lanes, reduced
 * (0+2, 1+3, then 0+1) and summed across lanes as GCC's
 * _mm512_reduce_add_ph does (halves 16, 8, 4, 2, 1), each add in F16 */
static float ref_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float acc[4][EK_H_EPR] = {{0}};
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	for (int64_t i = 0; i < np; i += EK_H_STEP)
		for (int j = 0; j < 4; j++)
			for (int l = 0; l < EK_H_EPR; l++) {
				const int64_t k = i + EK_H_EPR * j + l;
				acc[j][l] = h_sum(kolm_fp16_to_fp32(a[k]) * kolm_fp16_to_fp32(b[k]), acc[j][l]);
			}
	for (int l = 0; l < EK_H_EPR; l++) {
		acc[0][l] = h_sum(acc[0][l], acc[2][l]);
		acc[1][l] = h_sum(acc[1][l], acc[3][l]);
		acc[0][l] = h_sum(acc[0][l], acc[1][l]);
	}
	return dot_tail_f16(a, b, np, n, h_reduce(acc[0], EK_H_EPR));
}

static float ref_dot_f32_tb(const float *a, const float *b, int64_t n)
{
	REF_DOT_TB(f32_same, f32_same);
}

static float ref_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n)
{
	REF_DOT_TB(kolm_fp16_to_fp32, kolm_fp16_to_fp32);
}
#undef REF_DOT_TB

/* ggml_v_expf as the AVX-512 build evaluates it (ggml-cpu/vec.h: a
 * polynomial within 1.5 ulp of expf, 2^n applied by _mm512_scalef_ps) */
static float ref_v_expf(float x)
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
	return x / (1.0f + ref_v_expf(0.0f - x));
}

static inline float silu_libm(float x)
{
	return x / (1.0f + expf(-x));
}

/* ggml_vec_swiglu_f32: ggml_v_expf over whole 16-element groups, the C
 * library's expf (ggml_silu_f32) on the rest */
static void ref_swiglu(const float *x, const float *g, float *y, int64_t n)
{
	const int64_t nv = n & ~(int64_t)15;
	for (int64_t i = 0; i < nv; i++)
		y[i] = ref_silu_v(x[i]) * g[i];
	for (int64_t i = nv; i < n; i++)
		y[i] = silu_libm(x[i]) * g[i];
}

/* ggml_vec_soft_max_f32 on n (a multiple of 16) scores: p = v_expf(s - m),
 * each 16 reduced as _mm512_reduce_add_ps, the partial sums added in double */
static double ref_softmax16(float *p, const float *s, float m, int n)
{
	double sum = 0;
	for (int i = 0; i < n; i += 16) {
		for (int l = 0; l < 16; l++)
			p[i + l] = ref_v_expf(s[i + l] - m);
		sum += (double)red16(p + i);
	}
	return sum;
}

/* The tiled flash-attention's scores (simd_gemm): for each cell c < nc,
 * sum over d of kt[d * ld + c] * q[d], one fused multiply-add at a time. */
static void ref_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
{
	for (int c = 0; c < nc; c++) {
		float acc = 0;
		for (int d = 0; d < hd; d++)
			acc = fmaf(kt[(int64_t)d * ld + c], q[d], acc);
		s[c] = acc;
	}
}

static float ref_dot_bf16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	double s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (double)(kolm_bf16_to_fp32(a[i]) * kolm_bf16_to_fp32(b[i]));
	return (float)s;
}

/* ggml_vec_dot_q8_0_q8_0 / _q4_0_q8_0 (x86, and tinyBLAS_Q0 on prompt
 * rows): per 32-block, 8 lanes of integer sums of 4 neighbouring products
 * (lane l: block elements 4l..4l+3), each lane fused-multiply-added with
 * d_w * d_a into its own accumulator; hsum_float_8's tree at the end.
 * Q4_0 elements 0..15 are the low nibbles, 16..31 the high ones. */
static inline float red8(const float v[8])
{
	return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

static float ref_dot_q0(const uint8_t *x, size_t xb, const uint8_t *y, int64_t n, int q4)
{
	float acc[8] = {0};
	for (int64_t b = 0; b < n / 32; b++, x += xb, y += 34) {
		const float d = h2f(x) * h2f(y);
		const int8_t *xq = (const int8_t *)(x + 2), *yq = (const int8_t *)(y + 2);
		for (int l = 0; l < 8; l++) {
			int si = 0;
			for (int k = 4 * l; k < 4 * l + 4; k++)
				si += (q4 ? (k < 16 ? x[2 + k] & 0x0f : x[2 + k - 16] >> 4) - 8 : xq[k]) * yq[k];
			acc[l] = fmaf((float)si, d, acc[l]);
		}
	}
	return red8(acc);
}

static float ref_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return ref_dot_q0(x, 34, y, n, 0);
}

/* ggml_gemv/gemm_q4_0_8x8_q8_0 and _iq4_nl_8x8_q8_0, the x86 kernels for
 * the Q4_0 and IQ4_NL weights llama.cpp repacks (rows in groups of 8):
 * one accumulator, each block's whole integer sum fused-multiply-added with
 * d_w * d_a, no lanes.  lut: the value of each nibble (element j of a
 * block is byte j's low nibble, element j + 16 its high one). */
static const int8_t q4_0_values[16] = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};

static float ref_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut)
{
	float acc = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const int8_t *yq = (const int8_t *)(y + 2);
		int si = 0;
		for (int j = 0; j < 16; j++)
			si += lut[x[2 + j] & 0x0f] * yq[j] + lut[x[2 + j] >> 4] * yq[j + 16];
		acc = fmaf((float)si, h2f(x) * h2f(y), acc);
	}
	return acc;
}

static float ref_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return ref_dot_q0(x, 18, y, n, 1);
}

static float ref_dot_q4_1(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 20, y += 36) {
		const int8_t *yq = (const int8_t *)(y + 4);
		int si = 0;
		for (int j = 0; j < 16; j++) {
			si += (x[4 + j] & 0x0f) * yq[j];
			si += (x[4 + j] >> 4) * yq[j + 16];
		}
		s += (h2f(x) * h2f(y)) * (float)si + h2f(x + 2) * h2f(y + 2);
	}
	return s;
}

static float ref_dot_q5_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 22, y += 34) {
		const int8_t *yq = (const int8_t *)(y + 2);
		uint32_t qh;
		memcpy(&qh, x + 2, 4);
		int si = 0;
		for (int j = 0; j < 16; j++) {
			int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
			si += (((x[6 + j] & 0x0f) | h0) - 16) * yq[j];
			si += (((x[6 + j] >> 4) | h1) - 16) * yq[j + 16];
		}
		s += (float)si * (h2f(x) * h2f(y));
	}
	return s;
}

static float ref_dot_q5_1(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 24, y += 36) {
		const int8_t *yq = (const int8_t *)(y + 4);
		uint32_t qh;
		memcpy(&qh, x + 4, 4);
		int si = 0;
		for (int j = 0; j < 16; j++) {
			int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
			si += ((x[8 + j] & 0x0f) | h0) * yq[j];
			si += ((x[8 + j] >> 4) | h1) * yq[j + 16];
		}
		s += (h2f(x) * h2f(y)) * (float)si + h2f(x + 2) * h2f(y + 2);
	}
	return s;
}

/* ggml quantize_row_q8_K_ref (what x86 and ARM builds use): per 256, the
 * signed value of largest magnitude maps to -127, d = 1/iscale as f32, and
 * bsums[k] = the sum of qs[16k..16k+15]. */
static void ref_quant_q8_K(const float *x, uint8_t *y, int64_t n)
{
	for (int64_t b = 0; b < n / 256; b++, x += 256, y += EK_B_Q8_K) {
		float amax = 0, max = 0;
		for (int j = 0; j < 256; j++)
			if (fabsf(x[j]) > amax) {
				amax = fabsf(x[j]);
				max = x[j];
			}
		int8_t *qs = (int8_t *)(y + 4);
		int16_t bs[16];
		float d = 0;
		if (amax == 0) {
			memset(qs, 0, 256);
		} else {
			const float iscale = -127.f / max;
			for (int j = 0; j < 256; j++) {
				const int v = near_int(iscale * x[j]);
				qs[j] = (int8_t)(v < 127 ? v : 127);
			}
			d = 1 / iscale;
		}
		for (int k = 0; k < 16; k++) {
			int sum = 0;
			for (int j = 0; j < 16; j++)
				sum += qs[16 * k + j];
			bs[k] = (int16_t)sum;
		}
		memcpy(y, &d, 4);
		memcpy(y + 260, bs, sizeof bs);
	}
}

static inline float q8k_d(const uint8_t *y)
{
	float d;
	memcpy(&d, y, 4);
	return d;
}

static inline int q8k_bsum(const uint8_t *y, int k)
{
	int16_t v;
	memcpy(&v, y + 260 + 2 * k, 2);
	return v;
}

/* Q4_K: d, dmin (f16), 12 bytes of 6-bit scales and mins for 8 groups of 32,
 * 128 bytes of nibbles (group 2j low nibbles of qs[32j..], 2j+1 high) */
static inline void q4k_scale_min(int j, const uint8_t *q, int *sc, int *m)
{
	if (j < 4) {
		*sc = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
		*m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
	}
}

/* the min term of one Q4_K block: sum over groups of min * sum(q8) */
static inline int q4k_msum(const uint8_t *x, const uint8_t *y)
{
	int msum = 0;
	for (int g = 0; g < 8; g++) {
		int sc, m;
		q4k_scale_min(g, x + 4, &sc, &m);
		msum += m * (q8k_bsum(y, 2 * g) + q8k_bsum(y, 2 * g + 1));
	}
	return msum;
}

/* Q4_K and Q5_K (the Q4_K layout with qh[32] before qs: element l of group
 * g takes bit g of qh[l] as its fifth bit, values 0..31) */
static float ref_dot_q45_K(const uint8_t *x, const uint8_t *y, int64_t n, int q5)
{
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q5 ? 176 : 144, y += EK_B_Q8_K) {
		const int8_t *q8 = (const int8_t *)(y + 4);
		const uint8_t *qh = x + 16;
		int isum = 0;
		for (int g = 0; g < 8; g++) {
			int sc, m, si = 0;
			q4k_scale_min(g, x + 4, &sc, &m);
			const uint8_t *q = x + (q5 ? 48 : 16) + 32 * (g / 2);
			for (int l = 0; l < 32; l++)
				si += ((g % 2 ? q[l] >> 4 : q[l] & 0xF) | (q5 ? ((qh[l] >> g) & 1) << 4 : 0)) * q8[32 * g + l];
			isum += sc * si;
		}
		const float dy = q8k_d(y);
		s += (h2f(x) * dy) * (float)isum - (h2f(x + 2) * dy) * (float)q4k_msum(x, y);
	}
	return s;
}

/* Q2_K: scales[16] (low nibble scale, high nibble min, per 16), qs[64],
 * d and dmin (f16) at 80 and 82.  Group g = 8h + 2j + t (half h, 2-bit
 * plane j, t = 0/1) holds elements 128h + 32j + 16t + l, the bits 2j..2j+1
 * of qs[32h + 16t + l].  Q3_K: hmask[32], qs[64], 12 bytes of 6-bit scales
 * (less 32), d (f16) at 108; the same planes, less 4 where bit 4h + j of
 * hmask[16t + l] is clear. */
static inline int q2k_min_term(const uint8_t *x, const uint8_t *y)
{
	int m = 0;
	for (int g = 0; g < 16; g++)
		m += (x[g] >> 4) * q8k_bsum(y, g);
	return m;
}

static inline void q3k_scales(const uint8_t *x, int8_t sc[16])
{
	uint32_t a[4];
	memcpy(a, x + 96, 12);
	const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f, t = a[2];
	a[2] = ((a[0] >> 4) & k2) | (((t >> 4) & k1) << 4);
	a[3] = ((a[1] >> 4) & k2) | (((t >> 6) & k1) << 4);
	a[0] = (a[0] & k2) | (((t >> 0) & k1) << 4);
	a[1] = (a[1] & k2) | (((t >> 2) & k1) << 4);
	memcpy(sc, a, 16);
	for (int g = 0; g < 16; g++)
		sc[g] = (int8_t)(sc[g] - 32);
}

/* shared by the Q2_K/Q3_K dots: the 16 group scales (Q3_K less 32),
 * and one block's value from its integer sum of scale * value * q8 (the
 * values taken as unsigned: Q3_K's plus 4, taken back here) */
static inline void q23k_scales(const uint8_t *x, int q3, int8_t sc[16])
{
	if (q3)
		q3k_scales(x, sc);
	else
		for (int g = 0; g < 16; g++)
			sc[g] = (int8_t)(x[g] & 0xF);
}

static inline float q23k_block(const uint8_t *x, const uint8_t *y, int q3, const int8_t sc[16], int isum)
{
	const float dy = q8k_d(y);
	if (!q3)
		return (h2f(x + 80) * dy) * (float)isum - (h2f(x + 82) * dy) * (float)q2k_min_term(x, y);
	int off = 0;
	for (int g = 0; g < 16; g++)
		off += sc[g] * q8k_bsum(y, g);
	return (h2f(x + 108) * dy) * (float)(isum - 4 * off);
}

/* element e of group g = 8h + 2j + t, as an unsigned value (Q3_K: plus 4) */
static inline int q23k_at(const uint8_t *x, int q3, int h, int j, int t, int l)
{
	const int v = (x[(q3 ? 32 : 16) + 32 * h + 16 * t + l] >> (2 * j)) & 3;
	return q3 ? v + ((x[16 * t + l] >> (4 * h + j)) & 1 ? 4 : 0) : v;
}

static float ref_dot_q23_K(const uint8_t *x, const uint8_t *y, int64_t n, int q3)
{
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q3 ? 110 : 84, y += EK_B_Q8_K) {
		const int8_t *q8 = (const int8_t *)(y + 4);
		int8_t sc[16];
		q23k_scales(x, q3, sc);
		int isum = 0;
		for (int g = 0; g < 16; g++) {
			const int h = g / 8, j = (g % 8) / 2, t = g % 2;
			int si = 0;
			for (int l = 0; l < 16; l++)
				si += q23k_at(x, q3, h, j, t, l) * q8[128 * h + 32 * j + 16 * t + l];
			isum += sc[g] * si;
		}
		s += q23k_block(x, y, q3, sc, isum);
	}
	return s;
}

/* Q6_K: ql[128], qh[64], int8 scales[16] (one per 16), d (f16) at 208;
 * element values 0..63, less 32 */
static inline int q6k_at(const uint8_t *x, int e)
{
	const int h = e / 128, r = e % 128, l = r % 32, k = r / 32;
	const uint8_t *ql = x + 64 * h, *qh = x + 128 + 32 * h;
	const int lo = k % 2 ? ql[l + 32] : ql[l];
	return ((k < 2 ? lo & 0xF : lo >> 4) | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
}

/* A Q8_K-activated super-block type whose 256 elements fall in ng groups,
 * each with an integer scale: sum over blocks of d * sum_g scale_g * dot_g. */
struct sb_layout {
	int bytes, ng;
	int (*at)(const uint8_t *x, int e);
	int (*scale)(const uint8_t *x, int g);
	float (*d)(const uint8_t *x);
};

static float ref_dot_sb(const struct sb_layout *L, const uint8_t *x, const uint8_t *y, int64_t n)
{
	const int gs = 256 / L->ng;
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += L->bytes, y += EK_B_Q8_K) {
		const int8_t *q8 = (const int8_t *)(y + 4);
		int isum = 0;
		for (int g = 0; g < L->ng; g++) {
			int si = 0;
			for (int l = 0; l < gs; l++)
				si += L->at(x, gs * g + l) * q8[gs * g + l];
			isum += L->scale(x, g) * si;
		}
		s += (L->d(x) * q8k_d(y)) * (float)isum;
	}
	return s;
}

static int q6k_scale(const uint8_t *x, int g)
{
	return (int8_t)x[192 + g];
}

static float q6k_d(const uint8_t *x)
{
	return h2f(x + 208);
}

static float ref_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	static const struct sb_layout L = {210, 16, q6k_at, q6k_scale, q6k_d};
	return ref_dot_sb(&L, x, y, n);
}

/* the -32 offset of one Q6_K block: 32 * sum over groups of scale * sum(q8) */
static inline int q6k_offset(const uint8_t *x, const uint8_t *y)
{
	int o = 0;
	for (int g = 0; g < 16; g++)
		o += (int8_t)x[192 + g] * q8k_bsum(y, g);
	return 32 * o;
}

/* IQ4_NL: d (f16), 16 bytes of codebook indices, elements j (low nibble)
 * and j + 16 (high), dotted with Q8_0 activations.  IQ4_XS: d (f16),
 * scales_h (u16), scales_l[4], qs[128]: 8 groups of 32 with 6-bit scales
 * (less 32), the same nibble order, dotted with Q8_K activations. */
static inline int iq4xs_scale(const uint8_t *x, int g)
{
	const int sh = x[2] | (x[3] << 8);
	return (((x[4 + g / 2] >> (4 * (g % 2))) & 0xF) | (((sh >> (2 * g)) & 3) << 4)) - 32;
}

static float ref_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const int8_t *yq = (const int8_t *)(y + 2);
		int si = 0;
		for (int j = 0; j < 16; j++)
			si += kvalues_iq4nl[x[2 + j] & 0xF] * yq[j] + kvalues_iq4nl[x[2 + j] >> 4] * yq[j + 16];
		s += (float)si * (h2f(x) * h2f(y));
	}
	return s;
}

/* element e of an IQ4_XS block: group e / 32 holds 16 bytes, low nibbles
 * first */
static int iq4xs_at(const uint8_t *x, int e)
{
	const uint8_t *q = x + 8 + 16 * (e / 32);
	const int j = e % 32;
	return kvalues_iq4nl[j < 16 ? q[j] & 0xF : q[j - 16] >> 4];
}

static float iq4xs_d(const uint8_t *x)
{
	return h2f(x);
}

static float ref_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n)
{
	static const struct sb_layout L = {136, 8, iq4xs_at, iq4xs_scale, iq4xs_d};
	return ref_dot_sb(&L, x, y, n);
}

/* ---- AVX2 ------------------------------------------------------------- */
#ifdef EK_X86
#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* fp16 -> fp32 with the F16C instruction (exact, like kolm_fp16_to_fp32) */
AVX2 static inline float h2f_c(const uint8_t *p)
{
	uint16_t h;
	memcpy(&h, p, 2);
	return _cvtsh_ss(h);
}

AVX2 static inline float hsum8(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

AVX2 static inline int hsum8i(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
	return _mm_cvtsi128_si32(s);
}

AVX2 static void avx2_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum)
{
	const size_t bs = with_sum ? EK_B_Q8_1 : EK_B_Q8_0;
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
			ref_quant_q8(x, y, 32, with_sum);
			continue;
		}
		const float d = amax / 127.f;
		const float id = amax != 0.0f ? 127.f / amax : 0.0f;
		const __m256 vid = _mm256_set1_ps(id);
		__m256i q[4];
		for (int k = 0; k < 4; k++)
			q[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], vid),
								  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
		f2h(y, d);
		if (with_sum) {
			__m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
			f2h(y + 2, d * (float)hsum8i(s));
		}
		__m256i p01 = _mm256_packs_epi32(q[0], q[1]);
		__m256i p23 = _mm256_packs_epi32(q[2], q[3]);
		__m256i p = _mm256_packs_epi16(p01, p23);
		p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)(void *)(y + (with_sum ? 4 : 2)), p);
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

AVX2 static float avx2_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n)
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

AVX2 static float avx2_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n)
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

/* a 4-bit block (x) whose nibbles index `table` (ref_dot_nl_x8) . a Q8_0
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

/* the F16 at p, for _mm_setr_epi16 */
static inline short h16(const uint8_t *p)
{
	int16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* ref_dot_nl_x8, eight blocks at a time, all in registers: their integer
 * sums by one transposing hadd tree, their d_w * d_a as one vector, then
 * the fused multiply-adds one block after the other */
AVX2 static float avx2_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut)
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

/* ref_dot_nl_x8 of one row against 8 activation rows ys bytes apart (a
 * prompt batch): each weight block is decoded once, the 8 columns' block
 * sums come out of one hadd tree, and their 8 fused multiply-add chains
 * are the lanes of one vector, each still one rounding per block */
AVX2 static void avx2_dot_nl_x8_cols8(const uint8_t *x, const uint8_t *y, size_t ys, int64_t n, const int8_t *lut,
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

/* 16 lanes as lo (0-7) and hi (8-15): _mm512_reduce_add_ps's tree */
AVX2 static inline float red16x(__m256 lo, __m256 hi)
{
	return hsum8(_mm256_add_ps(hi, lo));
}

#define LD(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p)))
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

AVX2 static float avx2_dot_f32(const float *a, const float *b, int64_t n)
{
	AVX2_DOT4X16(_mm256_loadu_ps, _mm256_loadu_ps);
	return dot_tail_f32(a, b, np, n, red);
}

#undef AVX2_DOT4X16

/* h_sum on 8 lanes */
AVX2 static inline __m256 avx2_h_sum(__m256 a, __m256 b)
{
	const __m256i one = _mm256_set1_epi32(1);
	const __m256 s = _mm256_add_ps(a, b), bb = _mm256_sub_ps(s, a);
	const __m256 e = _mm256_add_ps(_mm256_sub_ps(a, _mm256_sub_ps(s, bb)), _mm256_sub_ps(b, bb));
	const __m256i u = _mm256_castps_si256(s);
	const __m256i inexact = _mm256_castps_si256(_mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_NEQ_OQ));
	const __m256i even = _mm256_cmpeq_epi32(_mm256_and_si256(u, one), _mm256_setzero_si256());
	/* +1 when e has the sign of s (away from zero), else -1 */
	const __m256i dir = _mm256_or_si256(_mm256_srai_epi32(_mm256_xor_si256(u, _mm256_castps_si256(e)), 31), one);
	const __m256i odd = _mm256_add_epi32(u, _mm256_and_si256(_mm256_and_si256(inexact, even), dir));
	return _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_castsi256_ps(odd), _MM_FROUND_TO_NEAREST_INT));
}

/* ref_dot_f16 with acc[4j + q] holding lanes 8q..8q+7 of accumulator j */
AVX2 static float avx2_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	__m256 acc[16];
	for (int r = 0; r < 16; r++)
		acc[r] = _mm256_setzero_ps();
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	for (int64_t i = 0; i < np; i += EK_H_STEP)
		for (int r = 0; r < 16; r++)
			acc[r] = avx2_h_sum(_mm256_mul_ps(LD(a + i + 8 * r), LD(b + i + 8 * r)), acc[r]);
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

AVX2 static float avx2_dot_f32_tb(const float *a, const float *b, int64_t n)
{
	AVX2_DOT_TB(_mm256_loadu_ps, _mm256_loadu_ps);
}

AVX2 static float avx2_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n)
{
	AVX2_DOT_TB(LD, LD);
}
#undef AVX2_DOT_TB

/* ref_v_expf on 8 lanes.  2^n is built from its exponent bits for
 * -126 <= n <= 127 (an exact scaling, as _mm512_scalef_ps); other lanes
 * (underflow, overflow, NaN) go to the scalar code. */
AVX2 static __m256 avx2_v_expf(__m256 x)
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
				rv[l] = ref_v_expf(xv[l]);
		res = _mm256_loadu_ps(rv);
	}
	return res;
}

AVX2 static void avx2_swiglu(const float *x, const float *g, float *y, int64_t n)
{
	const int64_t nv = n & ~(int64_t)15;
	const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
	for (int64_t i = 0; i < nv; i += 8) {
		const __m256 v = _mm256_loadu_ps(x + i);
		const __m256 e = avx2_v_expf(_mm256_sub_ps(zero, v));
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(v, _mm256_add_ps(one, e)), _mm256_loadu_ps(g + i)));
	}
	for (int64_t i = nv; i < n; i++)
		y[i] = silu_libm(x[i]) * g[i];
}

AVX2 static double avx2_softmax16(float *p, const float *s, float m, int n)
{
	const __m256 vm = _mm256_set1_ps(m);
	double sum = 0;
	for (int i = 0; i < n; i += 16) {
		const __m256 lo = avx2_v_expf(_mm256_sub_ps(_mm256_loadu_ps(s + i), vm));
		const __m256 hi = avx2_v_expf(_mm256_sub_ps(_mm256_loadu_ps(s + i + 8), vm));
		_mm256_storeu_ps(p + i, lo);
		_mm256_storeu_ps(p + i + 8, hi);
		sum += (double)red16x(lo, hi);
	}
	return sum;
}

/* eight cells per register, up to 64 cells in flight */
AVX2 static void avx2_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
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
	for (int c = 8 * nv; c < nc; c++) {
		float a = 0;
		for (int d = 0; d < hd; d++)
			a = fmaf(kt[(int64_t)d * ld + c], q[d], a);
		s[c] = a;
	}
}

AVX2 static void avx2_axpy_f16(float *y, const uint16_t *v, float a, int64_t n)
{
	const __m256 va = _mm256_set1_ps(a);
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_fmadd_ps(LD(v + i), va, _mm256_loadu_ps(y + i)));
	for (; i < n; i++)
		y[i] = fmaf(kolm_fp16_to_fp32(v[i]), a, y[i]);
}

/* Element-wise, so bit-identical to the scalar versions: each element is
 * one fused multiply-add (or multiply) rounded once to F16. */
AVX2 static void avx2_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	const __m256 va = _mm256_set1_ps(a), vh = _mm256_set1_ps(kolm_fp16_to_fp32(kolm_fp32_to_fp16(a)));
	int64_t i = 0;
	for (; i < np; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(avx2_h_sum(_mm256_mul_ps(LD(v + i), vh), LD(acc + i)),
						 _MM_FROUND_TO_NEAREST_INT));
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(_mm256_fmadd_ps(LD(v + i), va, LD(acc + i)), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), a, kolm_fp16_to_fp32(acc[i])));
}

AVX2 static void avx2_scale_f16(uint16_t *acc, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	const __m256 va = _mm256_set1_ps(a), vh = _mm256_set1_ps(kolm_fp16_to_fp32(kolm_fp32_to_fp16(a)));
	int64_t i = 0;
	for (; i < np; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(_mm256_mul_ps(LD(acc + i), vh), _MM_FROUND_TO_NEAREST_INT));
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(acc + i),
				 _mm256_cvtps_ph(_mm256_mul_ps(LD(acc + i), va), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(kolm_fp16_to_fp32(acc[i]) * a);
}

AVX2 static void avx2_to_f16(const float *x, uint16_t *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(y + i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		y[i] = kolm_fp32_to_fp16(x[i]);
}
#undef LD
AVX2 static float avx2_dot_q45_K(const uint8_t *x, const uint8_t *y, int64_t n, int q5)
{
	const __m256i lo4 = _mm256_set1_epi8(0x0F), b4 = _mm256_set1_epi8(0x10);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q5 ? 176 : 144, y += EK_B_Q8_K) {
		const __m256i qh = _mm256_loadu_si256((const __m256i *)(const void *)(x + 16));
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
			int sc0, sc1, m;
			q4k_scale_min(2 * j, x + 4, &sc0, &m);
			q4k_scale_min(2 * j + 1, x + 4, &sc1, &m);
			/* u8 x s8 pairs <= 2*31*127: no int16 saturation */
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(lo, q8l),
								      _mm256_set1_epi16((short)sc0)));
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(hi, q8h),
								      _mm256_set1_epi16((short)sc1)));
		}
		const float dy = q8k_d(y);
		s += (h2f_c(x) * dy) * (float)hsum8i(acc) - (h2f_c(x + 2) * dy) * (float)q4k_msum(x, y);
	}
	return s;
}

AVX2 static float avx2_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += EK_B_Q8_K) {
		__m256i acc = _mm256_setzero_si256();
		for (int h = 0; h < 2; h++) {
			const __m256i l0 = _mm256_loadu_si256((const __m256i *)(const void *)(x + 64 * h));
			const __m256i l1 = _mm256_loadu_si256((const __m256i *)(const void *)(x + 64 * h + 32));
			const __m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)(x + 128 + 32 * h));
			/* the 6-bit values 0..63 of elements 128h + 32k + l */
			const __m256i e[4] = {
				_mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30)),
				_mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30)),
				_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hb, m30)),
				_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
						_mm256_and_si256(_mm256_srli_epi16(hb, 2), m30)),
			};
			for (int k = 0; k < 4; k++) {
				const int g = 8 * h + 2 * k; /* scale groups of 16: g (low half), g + 1 */
				const __m256i q8 = _mm256_loadu_si256((const __m256i *)(const void *)(y + 4 + 128 * h + 32 * k));
				const __m256i sc = _mm256_set_m128i(_mm_set1_epi16((int8_t)x[192 + g + 1]),
								    _mm_set1_epi16((int8_t)x[192 + g]));
				/* u8 x s8 pairs <= 2*63*127: no int16 saturation */
				acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(e[k], q8), sc));
			}
		}
		s += (h2f_c(x + 208) * q8k_d(y)) * (float)(hsum8i(acc) - q6k_offset(x, y));
	}
	return s;
}

/* Q2_K and Q3_K: per half, the four 2-bit planes of 32 bytes; values as
 * unsigned bytes (Q3_K: plus 4, corrected by 4 * scale * bsum) */
AVX2 static float avx2_dot_q23_K(const uint8_t *x, const uint8_t *y, int64_t n, int q3)
{
	const __m256i m3 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
	const size_t bsz = q3 ? 110 : 84;
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += bsz, y += EK_B_Q8_K) {
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

AVX2 static float avx2_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n)
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

AVX2 static float avx2_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const __m128i table = _mm_loadu_si128((const __m128i *)(const void *)kvalues_iq4nl);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 136, y += EK_B_Q8_K) {
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
#endif /* EK_X86 */

/* ---- NEON (AArch64: always present) ----------------------------------- */
#ifdef EK_NEON
static inline float32x4_t ld_h4(const uint16_t *p)
{
	return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

static inline void st_h4(uint16_t *p, float32x4_t v)
{
	/* FCVTN rounds to nearest, ties to even (the default FPCR mode) */
	vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

static void neon_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum)
{
	const size_t bs = with_sum ? EK_B_Q8_1 : EK_B_Q8_0;
	for (int64_t b = 0; b < n / 32; b++, x += 32, y += bs) {
		float32x4_t v[8];
		float32x4_t m = vdupq_n_f32(0);
		for (int k = 0; k < 8; k++) {
			v[k] = vld1q_f32(x + 4 * k);
			m = vmaxq_f32(m, vabsq_f32(v[k]));
		}
		const float amax = vmaxvq_f32(m);
		if (amax != amax) { /* NaN: leave it to the scalar code */
			ref_quant_q8(x, y, 32, with_sum);
			continue;
		}
		const float d = amax / 127.f;
		const float id = amax != 0.0f ? 127.f / amax : 0.0f;
		int8_t *qs = (int8_t *)(y + (with_sum ? 4 : 2));
		int32x4_t sum = vdupq_n_s32(0);
		for (int k = 0; k < 8; k += 2) {
			/* FCVTNS: round to nearest, ties to even, as near_int() */
			const int32x4_t q0 = vcvtnq_s32_f32(vmulq_n_f32(v[k], id));
			const int32x4_t q1 = vcvtnq_s32_f32(vmulq_n_f32(v[k + 1], id));
			sum = vaddq_s32(sum, vaddq_s32(q0, q1));
			vst1_s8(qs + 4 * k, vmovn_s16(vcombine_s16(vmovn_s32(q0), vmovn_s32(q1))));
		}
		f2h(y, d);
		if (with_sum)
			f2h(y + 2, d * (float)vaddvq_s32(sum));
	}
}

/* 16 lanes as four registers: _mm512_reduce_add_ps's tree */
static inline float red16n(float32x4_t v0, float32x4_t v1, float32x4_t v2, float32x4_t v3)
{
	const float32x4_t u = vaddq_f32(vaddq_f32(v3, v1), vaddq_f32(v2, v0));
	return (vgetq_lane_f32(u, 0) + vgetq_lane_f32(u, 2)) + (vgetq_lane_f32(u, 1) + vgetq_lane_f32(u, 3));
}

/* ggml_vec_dot_f32/_f16's main loop: LA/LB load 4 elements as floats */
#define NEON_DOT4X16(LA, LB)                                                                   \
	float32x4_t acc[4][4];                                                                 \
	for (int j = 0; j < 4; j++)                                                            \
		for (int k = 0; k < 4; k++)                                                    \
			acc[j][k] = vdupq_n_f32(0);                                            \
	const int64_t np = n & ~(int64_t)63;                                                   \
	for (int64_t i = 0; i < np; i += 64)                                                   \
		for (int j = 0; j < 4; j++)                                                    \
			for (int k = 0; k < 4; k++)                                            \
				acc[j][k] = vfmaq_f32(acc[j][k], LA(a + i + 16 * j + 4 * k),   \
						      LB(b + i + 16 * j + 4 * k));             \
	for (int k = 0; k < 4; k++) {                                                          \
		acc[0][k] = vaddq_f32(acc[0][k], acc[2][k]);                                   \
		acc[1][k] = vaddq_f32(acc[1][k], acc[3][k]);                                   \
		acc[0][k] = vaddq_f32(acc[0][k], acc[1][k]);                                   \
	}                                                                                      \
	const float red = red16n(acc[0][0], acc[0][1], acc[0][2], acc[0][3])

static float neon_dot_f32(const float *a, const float *b, int64_t n)
{
	NEON_DOT4X16(vld1q_f32, vld1q_f32);
	return dot_tail_f32(a, b, np, n, red);
}

#undef NEON_DOT4X16

/* h_sum on 4 lanes */
static inline float32x4_t neon_h_sum(float32x4_t a, float32x4_t b)
{
	const uint32x4_t one = vdupq_n_u32(1);
	const float32x4_t s = vaddq_f32(a, b), bb = vsubq_f32(s, a);
	const float32x4_t e = vaddq_f32(vsubq_f32(a, vsubq_f32(s, bb)), vsubq_f32(b, bb));
	const uint32x4_t u = vreinterpretq_u32_f32(s);
	const float32x4_t z = vdupq_n_f32(0);
	const uint32x4_t inexact = vorrq_u32(vcltq_f32(e, z), vcgtq_f32(e, z));
	const uint32x4_t even = vceqq_u32(vandq_u32(u, one), vdupq_n_u32(0));
	const int32x4_t sx = vreinterpretq_s32_u32(veorq_u32(u, vreinterpretq_u32_f32(e)));
	const uint32x4_t dir = vorrq_u32(vreinterpretq_u32_s32(vshrq_n_s32(sx, 31)), one);
	const uint32x4_t odd = vaddq_u32(u, vandq_u32(vandq_u32(inexact, even), dir));
	return vcvt_f32_f16(vcvt_f16_f32(vreinterpretq_f32_u32(odd)));
}

#ifdef __ARM_FEATURE_FP16_VECTOR_ARITHMETIC
/* ARMv8.2 FP16 arithmetic (a Pi 5, Apple silicon): vfmaq_f16 and vaddq_f16
 * are binary16 with one rounding, so ref_dot_f16's steps run natively;
 * acc[4j + q] holds lanes 8q..8q+7 of accumulator j */
static inline float16x8_t ld_h8(const uint16_t *p)
{
	return vld1q_f16((const float16_t *)(const void *)p);
}

static float neon_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float16x8_t acc[16];
	for (int r = 0; r < 16; r++)
		acc[r] = vdupq_n_f16(0);
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	for (int64_t i = 0; i < np; i += EK_H_STEP)
		for (int r = 0; r < 16; r++)
			acc[r] = vfmaq_f16(acc[r], ld_h8(a + i + 8 * r), ld_h8(b + i + 8 * r));
	for (int q = 0; q < 4; q++) {
		acc[q] = vaddq_f16(acc[q], acc[8 + q]);
		acc[4 + q] = vaddq_f16(acc[4 + q], acc[12 + q]);
		acc[q] = vaddq_f16(acc[q], acc[4 + q]);
	}
	const float16x8_t u = vaddq_f16(vaddq_f16(acc[0], acc[2]), vaddq_f16(acc[1], acc[3]));
	float t[8];
	vst1q_f32(t, vcvt_f32_f16(vget_low_f16(u)));
	vst1q_f32(t + 4, vcvt_f32_f16(vget_high_f16(u)));
	return dot_tail_f16(a, b, np, n, h_reduce(t, 8));
}
#else
/* ref_dot_f16 with acc[8j + q] holding lanes 4q..4q+3 of accumulator j */
static float neon_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float32x4_t acc[32];
	for (int r = 0; r < 32; r++)
		acc[r] = vdupq_n_f32(0);
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	for (int64_t i = 0; i < np; i += EK_H_STEP)
		for (int r = 0; r < 32; r++)
			acc[r] = neon_h_sum(vmulq_f32(ld_h4(a + i + 4 * r), ld_h4(b + i + 4 * r)), acc[r]);
	for (int q = 0; q < 8; q++) {
		acc[q] = neon_h_sum(acc[q], acc[16 + q]);
		acc[8 + q] = neon_h_sum(acc[8 + q], acc[24 + q]);
		acc[q] = neon_h_sum(acc[q], acc[8 + q]);
	}
	float t[16];
	for (int q = 0; q < 4; q++)
		vst1q_f32(t + 4 * q, neon_h_sum(acc[q], acc[4 + q]));
	return dot_tail_f16(a, b, np, n, h_reduce(t, 16));
}
#endif

#define NEON_DOT_TB(LA, LB)                                                                    \
	float32x4_t v0 = vdupq_n_f32(0), v1 = v0, v2 = v0, v3 = v0;                            \
	for (int64_t i = 0; i < n; i += 16) {                                                  \
		v0 = vfmaq_f32(v0, LA(a + i), LB(b + i));                                      \
		v1 = vfmaq_f32(v1, LA(a + i + 4), LB(b + i + 4));                              \
		v2 = vfmaq_f32(v2, LA(a + i + 8), LB(b + i + 8));                              \
		v3 = vfmaq_f32(v3, LA(a + i + 12), LB(b + i + 12));                            \
	}                                                                                      \
	return red16n(v0, v1, v2, v3)

static float neon_dot_f32_tb(const float *a, const float *b, int64_t n)
{
	NEON_DOT_TB(vld1q_f32, vld1q_f32);
}

static float neon_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n)
{
	NEON_DOT_TB(ld_h4, ld_h4);
}
#undef NEON_DOT_TB

/* ref_v_expf on 4 lanes (see avx2_v_expf) */
static float32x4_t neon_v_expf(float32x4_t x)
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
				rv[l] = ref_v_expf(xv[l]);
		res = vld1q_f32(rv);
	}
	return res;
}

static void neon_swiglu(const float *x, const float *g, float *y, int64_t n)
{
	const int64_t nv = n & ~(int64_t)15;
	const float32x4_t one = vdupq_n_f32(1.0f), zero = vdupq_n_f32(0.0f);
	for (int64_t i = 0; i < nv; i += 4) {
		const float32x4_t v = vld1q_f32(x + i);
		const float32x4_t e = neon_v_expf(vsubq_f32(zero, v));
		vst1q_f32(y + i, vmulq_f32(vdivq_f32(v, vaddq_f32(one, e)), vld1q_f32(g + i)));
	}
	for (int64_t i = nv; i < n; i++)
		y[i] = silu_libm(x[i]) * g[i];
}

static double neon_softmax16(float *p, const float *s, float m, int n)
{
	const float32x4_t vm = vdupq_n_f32(m);
	double sum = 0;
	for (int i = 0; i < n; i += 16) {
		float32x4_t v[4];
		for (int k = 0; k < 4; k++) {
			v[k] = neon_v_expf(vsubq_f32(vld1q_f32(s + i + 4 * k), vm));
			vst1q_f32(p + i + 4 * k, v[k]);
		}
		sum += (double)red16n(v[0], v[1], v[2], v[3]);
	}
	return sum;
}

/* four cells per register, 32 cells per pass */
static void neon_kq_seq(const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
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
	for (int c = c0; c < nc; c++) {
		float a = 0;
		for (int d = 0; d < hd; d++)
			a = fmaf(kt[(int64_t)d * ld + c], q[d], a);
		s[c] = a;
	}
}

static void neon_axpy_f16(float *y, const uint16_t *v, float a, int64_t n)
{
	int64_t i = 0;
	for (; i + 4 <= n; i += 4)
		vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), ld_h4(v + i), a));
	for (; i < n; i++)
		y[i] = fmaf(kolm_fp16_to_fp32(v[i]), a, y[i]);
}

static void neon_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
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

static void neon_scale_f16(uint16_t *acc, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	int64_t i = 0;
	for (; i < np; i += 4)
		st_h4(acc + i, vmulq_n_f32(ld_h4(acc + i), ah));
	for (; i + 4 <= n; i += 4)
		st_h4(acc + i, vmulq_n_f32(ld_h4(acc + i), a));
	for (; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(kolm_fp16_to_fp32(acc[i]) * a);
}

static void neon_to_f16(const float *x, uint16_t *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 4 <= n; i += 4)
		st_h4(y + i, vld1q_f32(x + i));
	for (; i < n; i++)
		y[i] = kolm_fp32_to_fp16(x[i]);
}

/* 32 int8 products of one block, summed exactly in int32 lanes */
static inline int32x4_t dot_i8x32(int8x16_t x0, int8x16_t x1, int8x16_t y0, int8x16_t y1)
{
#ifdef __ARM_FEATURE_DOTPROD
	return vdotq_s32(vdotq_s32(vdupq_n_s32(0), x0, y0), x1, y1);
#else
	int16x8_t p = vmull_s8(vget_low_s8(x0), vget_low_s8(y0));
	p = vmlal_s8(p, vget_high_s8(x0), vget_high_s8(y0)); /* |sum of 2| <= 32258 */
	int16x8_t r = vmull_s8(vget_low_s8(x1), vget_low_s8(y1));
	r = vmlal_s8(r, vget_high_s8(x1), vget_high_s8(y1));
	return vaddq_s32(vpaddlq_s16(p), vpaddlq_s16(r));
#endif
}

/* x . y as 4 lanes, lane l the sum of products 4l..4l+3 */
static inline int32x4_t dot_i8x16_c4(int8x16_t x, int8x16_t y)
{
#ifdef __ARM_FEATURE_DOTPROD
	return vdotq_s32(vdupq_n_s32(0), x, y);
#else
	const int32x4_t lo = vpaddlq_s16(vmull_s8(vget_low_s8(x), vget_low_s8(y)));
	const int32x4_t hi = vpaddlq_s16(vmull_s8(vget_high_s8(x), vget_high_s8(y)));
	return vpaddq_s32(lo, hi);
#endif
}

/* ref_dot_q0 with lanes 0-3 in a0, 4-7 in a1 */
static inline float neon_red8(float32x4_t a0, float32x4_t a1)
{
	float t[4];
	vst1q_f32(t, vaddq_f32(a0, a1));
	return (t[0] + t[2]) + (t[1] + t[3]);
}

static float neon_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float32x4_t a0 = vdupq_n_f32(0), a1 = a0;
	for (int64_t b = 0; b < n / 32; b++, x += 34, y += 34) {
		const float d = h2f(x) * h2f(y);
		const int8_t *xq = (const int8_t *)(x + 2), *yq = (const int8_t *)(y + 2);
		a0 = vfmaq_n_f32(a0, vcvtq_f32_s32(dot_i8x16_c4(vld1q_s8(xq), vld1q_s8(yq))), d);
		a1 = vfmaq_n_f32(a1, vcvtq_f32_s32(dot_i8x16_c4(vld1q_s8(xq + 16), vld1q_s8(yq + 16))), d);
	}
	return neon_red8(a0, a1);
}

static float neon_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float32x4_t a0 = vdupq_n_f32(0), a1 = a0;
	const uint8x16_t lo4 = vdupq_n_u8(0x0F);
	const int8x16_t eight = vdupq_n_s8(8);
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const float d = h2f(x) * h2f(y);
		const uint8x16_t raw = vld1q_u8(x + 2);
		const int8x16_t q0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, lo4)), eight);
		const int8x16_t q1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), eight);
		const int8_t *yq = (const int8_t *)(y + 2);
		a0 = vfmaq_n_f32(a0, vcvtq_f32_s32(dot_i8x16_c4(q0, vld1q_s8(yq))), d);
		a1 = vfmaq_n_f32(a1, vcvtq_f32_s32(dot_i8x16_c4(q1, vld1q_s8(yq + 16))), d);
	}
	return neon_red8(a0, a1);
}

static inline void iq4_values_neon(const uint8_t *q, int8x16_t table, int8x16_t *lo, int8x16_t *hi)
{
	const uint8x16_t raw = vld1q_u8(q);
	*lo = vqtbl1q_s8(table, vandq_u8(raw, vdupq_n_u8(0x0F)));
	*hi = vqtbl1q_s8(table, vshrq_n_u8(raw, 4));
}

static float neon_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut)
{
	float acc = 0;
	const int8x16_t table = vld1q_s8(lut);
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		int8x16_t q0, q1;
		iq4_values_neon(x + 2, table, &q0, &q1);
		const int8_t *yq = (const int8_t *)(y + 2);
		const int32x4_t p = vaddq_s32(dot_i8x16_c4(q0, vld1q_s8(yq)), dot_i8x16_c4(q1, vld1q_s8(yq + 16)));
		acc = fmaf((float)vaddvq_s32(p), h2f(x) * h2f(y), acc);
	}
	return acc;
}

static inline int32x4_t dot_i8x16(int8x16_t x, int8x16_t y)
{
#ifdef __ARM_FEATURE_DOTPROD
	return vdotq_s32(vdupq_n_s32(0), x, y);
#else
	const int16x8_t p = vmlal_s8(vmull_s8(vget_low_s8(x), vget_low_s8(y)), vget_high_s8(x), vget_high_s8(y));
	return vpaddlq_s16(p); /* pairs of products <= 2*63*127 here */
#endif
}

static float neon_dot_q45_K(const uint8_t *x, const uint8_t *y, int64_t n, int q5)
{
	const uint8x16_t m4 = vdupq_n_u8(0x0F), b4 = vdupq_n_u8(0x10);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q5 ? 176 : 144, y += EK_B_Q8_K) {
		const uint8x16_t qh0 = vld1q_u8(x + 16), qh1 = vld1q_u8(x + 32);
		const uint8_t *qs = x + (q5 ? 48 : 16);
		int isum = 0;
		for (int j = 0; j < 4; j++) {
			const uint8x16_t v0 = vld1q_u8(qs + 32 * j), v1 = vld1q_u8(qs + 16 + 32 * j);
			uint8x16_t l0 = vandq_u8(v0, m4), l1 = vandq_u8(v1, m4), h0 = vshrq_n_u8(v0, 4), h1 = vshrq_n_u8(v1, 4);
			if (q5) { /* VTST: all ones where bit g of qh[l] is set */
				const uint8x16_t bl = vdupq_n_u8((uint8_t)(1 << (2 * j))), bh = vdupq_n_u8((uint8_t)(1 << (2 * j + 1)));
				l0 = vorrq_u8(l0, vandq_u8(vtstq_u8(qh0, bl), b4));
				l1 = vorrq_u8(l1, vandq_u8(vtstq_u8(qh1, bl), b4));
				h0 = vorrq_u8(h0, vandq_u8(vtstq_u8(qh0, bh), b4));
				h1 = vorrq_u8(h1, vandq_u8(vtstq_u8(qh1, bh), b4));
			}
			const int8_t *q8 = (const int8_t *)(y + 4 + 64 * j);
			int sc0, sc1, m;
			q4k_scale_min(2 * j, x + 4, &sc0, &m);
			q4k_scale_min(2 * j + 1, x + 4, &sc1, &m);
			const int32x4_t lo = dot_i8x32(vreinterpretq_s8_u8(l0), vreinterpretq_s8_u8(l1), vld1q_s8(q8),
						       vld1q_s8(q8 + 16));
			const int32x4_t hi = dot_i8x32(vreinterpretq_s8_u8(h0), vreinterpretq_s8_u8(h1), vld1q_s8(q8 + 32),
						       vld1q_s8(q8 + 48));
			isum += sc0 * vaddvq_s32(lo) + sc1 * vaddvq_s32(hi);
		}
		const float dy = q8k_d(y);
		s += (h2f(x) * dy) * (float)isum - (h2f(x + 2) * dy) * (float)q4k_msum(x, y);
	}
	return s;
}

static float neon_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(3), m30 = vdupq_n_u8(0x30);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 210, y += EK_B_Q8_K) {
		int isum = 0;
		for (int h = 0; h < 2; h++)
			for (int o = 0; o < 32; o += 16) {
				const uint8x16_t l0 = vld1q_u8(x + 64 * h + o), l1 = vld1q_u8(x + 64 * h + 32 + o);
				const uint8x16_t hb = vld1q_u8(x + 128 + 32 * h + o);
				const uint8x16_t e[4] = {
					vorrq_u8(vandq_u8(l0, m4), vshlq_n_u8(vandq_u8(hb, m3), 4)),
					vorrq_u8(vandq_u8(l1, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), m3), 4)),
					vorrq_u8(vshrq_n_u8(l0, 4), vandq_u8(hb, m30)),
					vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)),
				};
				for (int k = 0; k < 4; k++) {
					const int g = 8 * h + 2 * k + o / 16;
					const int8x16_t q8 = vld1q_s8((const int8_t *)(y + 4 + 128 * h + 32 * k + o));
					isum += (int8_t)x[192 + g] * vaddvq_s32(dot_i8x16(vreinterpretq_s8_u8(e[k]), q8));
				}
			}
		s += (h2f(x + 208) * q8k_d(y)) * (float)(isum - q6k_offset(x, y));
	}
	return s;
}

static float neon_dot_q23_K(const uint8_t *x, const uint8_t *y, int64_t n, int q3)
{
	const uint8x16_t m3 = vdupq_n_u8(3), four = vdupq_n_u8(4);
	const size_t bsz = q3 ? 110 : 84;
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += bsz, y += EK_B_Q8_K) {
		int8_t sc[16];
		q23k_scales(x, q3, sc);
		const uint8_t *qs = x + (q3 ? 32 : 16);
		int isum = 0;
		for (int h = 0; h < 2; h++)
			for (int t = 0; t < 2; t++) {
				const uint8x16_t qv = vld1q_u8(qs + 32 * h + 16 * t);
				const uint8x16_t hm = q3 ? vld1q_u8(x + 16 * t) : vdupq_n_u8(0);
				for (int j = 0; j < 4; j++) {
					uint8x16_t e = vandq_u8(vshlq_u8(qv, vdupq_n_s8((int8_t)(-2 * j))), m3);
					if (q3)
						e = vorrq_u8(e, vandq_u8(vtstq_u8(hm, vdupq_n_u8((uint8_t)(1 << (4 * h + j)))), four));
					const int8x16_t q8 = vld1q_s8((const int8_t *)(y + 4 + 128 * h + 32 * j + 16 * t));
					isum += sc[8 * h + 2 * j + t] * vaddvq_s32(dot_i8x16(vreinterpretq_s8_u8(e), q8));
				}
			}
		s += q23k_block(x, y, q3, sc, isum);
	}
	return s;
}

static float neon_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const int8x16_t table = vld1q_s8(kvalues_iq4nl);
	float32x4_t acc = vdupq_n_f32(0);
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		int8x16_t lo, hi;
		iq4_values_neon(x + 2, table, &lo, &hi);
		const int8_t *yq = (const int8_t *)(y + 2);
		acc = vfmaq_n_f32(acc, vcvtq_f32_s32(dot_i8x32(lo, hi, vld1q_s8(yq), vld1q_s8(yq + 16))), h2f(x) * h2f(y));
	}
	return vaddvq_f32(acc);
}

static float neon_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n)
{
	const int8x16_t table = vld1q_s8(kvalues_iq4nl);
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += 136, y += EK_B_Q8_K) {
		int isum = 0;
		for (int g = 0; g < 8; g++) {
			int8x16_t lo, hi;
			iq4_values_neon(x + 8 + 16 * g, table, &lo, &hi);
			const int8_t *q8 = (const int8_t *)(y + 4 + 32 * g);
			isum += iq4xs_scale(x, g) * vaddvq_s32(dot_i8x32(lo, hi, vld1q_s8(q8), vld1q_s8(q8 + 16)));
		}
		s += (h2f(x) * q8k_d(y)) * (float)isum;
	}
	return s;
}
#endif /* EK_NEON */

/* ---- dispatch --------------------------------------------------------- */
static void ref_to_f16(const float *x, uint16_t *y, int64_t n)
{
	ek_to_f16(x, y, n);
}

static void ref_axpy_f16(float *y, const uint16_t *v, float a, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = fmaf(kolm_fp16_to_fp32(v[i]), a, y[i]);
}

/* ggml_vec_mad_f16 / _scale_f16: whole steps in F16 with a rounded to F16,
 * the rest one F32 operation rounded to F16 */
static void ref_mad_f16(uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	for (int64_t i = 0; i < np; i++)
		acc[i] = kolm_fp32_to_fp16(h_sum(kolm_fp16_to_fp32(v[i]) * ah, kolm_fp16_to_fp32(acc[i])));
	for (int64_t i = np; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(fmaf(kolm_fp16_to_fp32(v[i]), a, kolm_fp16_to_fp32(acc[i])));
}

static void ref_scale_f16(uint16_t *acc, float a, int64_t n)
{
	const int64_t np = n & ~(int64_t)(EK_H_STEP - 1);
	const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(a));
	for (int64_t i = 0; i < n; i++)
		acc[i] = kolm_fp32_to_fp16(kolm_fp16_to_fp32(acc[i]) * (i < np ? ah : a));
}

/* the SIMD kernel `name` when ops->simd, else its scalar reference */
#if defined(EK_X86)
#define PICK(name) (ops->simd ? avx2_##name : ref_##name)
#elif defined(EK_NEON)
#define PICK(name) (ops->simd ? neon_##name : ref_##name)
#else
#define PICK(name) ((void)ops, ref_##name)
#endif

void ek_act_make(const struct ek_ops *ops, int act, const float *x, void *out, int64_t n)
{
	switch (act) {
	case EK_ACT_F16:
		PICK(to_f16)(x, out, n);
		return;
	case EK_ACT_BF16: {
		uint16_t *y = out;
		for (int64_t i = 0; i < n; i++)
			y[i] = kolm_fp32_to_bf16(x[i]);
		return;
	}
	case EK_ACT_Q8_0:
	case EK_ACT_Q8_1:
		PICK(quant_q8)(x, out, n, act == EK_ACT_Q8_1);
		return;
	case EK_ACT_Q8_K:
		ref_quant_q8_K(x, out, n);
		return;
	default:
		memcpy(out, x, (size_t)n * sizeof *x);
	}
}

float ek_dot_f32(const struct ek_ops *ops, const float *a, const float *b, int64_t n)
{
	return PICK(dot_f32)(a, b, n);
}

float ek_dot_f16(const struct ek_ops *ops, const uint16_t *a, const uint16_t *b, int64_t n)
{
	return PICK(dot_f16)(a, b, n);
}

void ek_axpy_f16(const struct ek_ops *ops, float *y, const uint16_t *v, float a, int64_t n)
{
	PICK(axpy_f16)(y, v, a, n);
}

float ek_dot_tb(const struct ek_ops *ops, int wtype, const void *w, const void *xa, int64_t n, float *scratch)
{
	if (wtype == KOLM_T_F32)
		return PICK(dot_f32_tb)(w, xa, n);
	if (wtype == KOLM_T_F16)
		return PICK(dot_f16_tb)(w, xa, n);
	return ek_dot(ops, wtype, w, xa, n, scratch);
}

float ek_dot_x8(const struct ek_ops *ops, int wtype, const void *w, const void *xa, int64_t n, float *scratch)
{
	if (wtype == KOLM_T_Q4_0)
		return PICK(dot_nl_x8)(w, xa, n, q4_0_values);
	if (wtype == KOLM_T_IQ4_NL)
		return PICK(dot_nl_x8)(w, xa, n, kvalues_iq4nl);
	return ek_dot(ops, wtype, w, xa, n, scratch);
}

void ek_dot_x8_cols(const struct ek_ops *ops, int wtype, const void *w, const void *xa, size_t abytes, int ncols,
		    int64_t n, float *scratch, float *out)
{
#if defined(EK_X86)
	if (ncols == 8 && ops->simd && (wtype == KOLM_T_Q4_0 || wtype == KOLM_T_IQ4_NL)) {
		avx2_dot_nl_x8_cols8(w, xa, abytes, n, wtype == KOLM_T_Q4_0 ? q4_0_values : kvalues_iq4nl, out);
		return;
	}
#endif
	for (int c = 0; c < ncols; c++)
		out[c] = ek_dot_x8(ops, wtype, w, (const uint8_t *)xa + (size_t)c * abytes, n, scratch);
}

void ek_swiglu(const struct ek_ops *ops, const float *x, const float *g, float *y, int64_t n)
{
	PICK(swiglu)(x, g, y, n);
}

double ek_softmax16(const struct ek_ops *ops, float *p, const float *s, float m, int n)
{
	return PICK(softmax16)(p, s, m, n);
}

void ek_kq_seq(const struct ek_ops *ops, const float *q, const float *kt, int64_t ld, int hd, int nc, float *s)
{
	PICK(kq_seq)(q, kt, ld, hd, nc, s);
}

void ek_mad_f16(const struct ek_ops *ops, uint16_t *acc, const uint16_t *v, float a, int64_t n)
{
	PICK(mad_f16)(acc, v, a, n);
}

void ek_scale_f16(const struct ek_ops *ops, uint16_t *acc, float a, int64_t n)
{
	PICK(scale_f16)(acc, a, n);
}

float ek_dot(const struct ek_ops *ops, int wtype, const void *w, const void *xa, int64_t n, float *scratch)
{
	switch (wtype) {
	case KOLM_T_F32: return ek_dot_f32(ops, w, xa, n);
	case KOLM_T_F16: return ek_dot_f16(ops, w, xa, n);
	case KOLM_T_BF16: return ref_dot_bf16(w, xa, n);
	case KOLM_T_Q8_0: return PICK(dot_q8_0)(w, xa, n);
	case KOLM_T_Q4_0: return PICK(dot_q4_0)(w, xa, n);
	case KOLM_T_IQ4_NL: return PICK(dot_iq4_nl)(w, xa, n);
	case KOLM_T_IQ4_XS: return PICK(dot_iq4_xs)(w, xa, n);
	case KOLM_T_Q2_K: return PICK(dot_q23_K)(w, xa, n, 0);
	case KOLM_T_Q3_K: return PICK(dot_q23_K)(w, xa, n, 1);
	case KOLM_T_Q4_K: return PICK(dot_q45_K)(w, xa, n, 0);
	case KOLM_T_Q5_K: return PICK(dot_q45_K)(w, xa, n, 1);
	case KOLM_T_Q6_K: return PICK(dot_q6_K)(w, xa, n);
	case KOLM_T_Q4_1: return ref_dot_q4_1(w, xa, n);
	case KOLM_T_Q5_0: return ref_dot_q5_0(w, xa, n);
	case KOLM_T_Q5_1: return ref_dot_q5_1(w, xa, n);
	default:
		if (kolm_dequantize_row(wtype, w, scratch, n) != 0)
			return NAN;
		return ek_dot_f32(ops, scratch, xa, n);
	}
}
