/* kernels_ref.c - the scalar reference of every row kernel: activations
 * put into ggml's vec_dot_type for a weight type (F16, BF16, Q8_0, Q8_1,
 * Q8_K, made as ggml's CPU backend makes them) and each weight type's row
 * dotted with them.  The F32, F16, Q8_0 and Q4_0 dots (and Q4_0 / IQ4_NL
 * in the repacked kernels' order) follow the operation order of llama.cpp's
 * AVX-512 (and AVX512-FP16) build; the others sum the same integer
 * products per block in an order of their own.  kernels_x86.c and
 * kernels_arm.c compute the same things faster; kernels.c picks. */
#include "kernels_ref_internal.h"

/* ggml quantize_row_q8_0 (x86 path): d = amax/127, id = 127/amax, round to
 * nearest even.  Q8_1 adds s = d * sum(qs).  q_nearest_int rounds ties to
 * even, what _mm256_round_ps(_MM_ROUND_NEAREST) does; |x * id| <= 127.5 here. */
void kq_ref_quant_q8(const float *x, uint8_t *y, int64_t n, int with_sum)
{
	const size_t bs = with_sum ? B_Q8_1 : B_Q8_0;
	for (int64_t b = 0; b < n / 32; b++, x += 32, y += bs) {
		float amax = 0;
		for (int j = 0; j < 32; j++)
			amax = fmaxf(amax, fabsf(x[j]));
		const float d = amax / 127.f;
		const float id = amax != 0.0f ? 127.f / amax : 0.0f;
		int8_t *qs = (int8_t *)(y + (with_sum ? 4 : 2));
		int sum = 0;
		for (int j = 0; j < 32; j++) {
			qs[j] = (int8_t)q_nearest_int(x[j] * id);
			sum += qs[j];
		}
		put_f16(y, d);
		if (with_sum)
			put_f16(y + 2, d * (float)sum);
	}
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
float kq_ref_dot_f32(const float *a, const float *b, int64_t n)
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
float kq_ref_dot_f16(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float acc[4][KQ_H_EPR] = {{0}};
	const int64_t np = n & ~(int64_t)(KQ_H_STEP - 1);
	for (int64_t i = 0; i < np; i += KQ_H_STEP)
		for (int j = 0; j < 4; j++)
			for (int l = 0; l < KQ_H_EPR; l++) {
				const int64_t k = i + KQ_H_EPR * j + l;
				acc[j][l] = h_sum(kolm_fp16_to_fp32(a[k]) * kolm_fp16_to_fp32(b[k]), acc[j][l]);
			}
	for (int l = 0; l < KQ_H_EPR; l++) {
		acc[0][l] = h_sum(acc[0][l], acc[2][l]);
		acc[1][l] = h_sum(acc[1][l], acc[3][l]);
		acc[0][l] = h_sum(acc[0][l], acc[1][l]);
	}
	return dot_tail_f16(a, b, np, n, h_reduce(acc[0], KQ_H_EPR));
}

/* F16 rows in F32 arithmetic (the fast default: llama.cpp's AVX2 and
 * AVX-512F builds widen F16 and accumulate in F32 with FMA); the SIMD
 * versions sum in other orders, so they agree within float rounding */
float kq_ref_dot_f16_f32(const uint16_t *a, const uint16_t *b, int64_t n)
{
	float s = 0;
	for (int64_t i = 0; i < n; i++)
		s = fmaf(kolm_fp16_to_fp32(a[i]), kolm_fp16_to_fp32(b[i]), s);
	return s;
}

/* one F16 row against ncols F32 activation rows ys bytes apart, each as
 * kq_ref_dot_f16_f32 sums */
void kq_ref_dot_f16_f32_cols(const uint16_t *a, const float *y, size_t ys, int ncols, int64_t n, float *out)
{
	for (int c = 0; c < ncols; c++) {
		const float *yc = (const float *)(const void *)((const uint8_t *)y + (size_t)c * ys);
		float s = 0;
		for (int64_t i = 0; i < n; i++)
			s = fmaf(kolm_fp16_to_fp32(a[i]), yc[i], s);
		out[c] = s;
	}
}

void kq_ref_round_f16(const float *x, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = kolm_fp16_to_fp32(kolm_fp32_to_fp16(x[i]));
}

float kq_ref_dot_f32_tb(const float *a, const float *b, int64_t n)
{
	REF_DOT_TB(f32_same, f32_same);
}

float kq_ref_dot_f16_tb(const uint16_t *a, const uint16_t *b, int64_t n)
{
	REF_DOT_TB(kolm_fp16_to_fp32, kolm_fp16_to_fp32);
}
#undef REF_DOT_TB

float kq_ref_dot_bf16(const uint16_t *a, const uint16_t *b, int64_t n)
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
		const float d = get_f16(x) * get_f16(y);
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

float kq_ref_dot_q8_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return ref_dot_q0(x, 34, y, n, 0);
}

/* ggml_gemv/gemm_q4_0_8x8_q8_0 and _iq4_nl_8x8_q8_0, the x86 kernels for
 * the Q4_0 and IQ4_NL weights llama.cpp repacks (rows in groups of 8):
 * one accumulator, each block's whole integer sum fused-multiply-added with
 * d_w * d_a, no lanes.  lut: the value of each nibble (element j of a
 * block is byte j's low nibble, element j + 16 its high one). */
float kq_ref_dot_nl_x8(const uint8_t *x, const uint8_t *y, int64_t n, const int8_t *lut)
{
	float acc = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const int8_t *yq = (const int8_t *)(y + 2);
		int si = 0;
		for (int j = 0; j < 16; j++)
			si += lut[x[2 + j] & 0x0f] * yq[j] + lut[x[2 + j] >> 4] * yq[j + 16];
		acc = fmaf((float)si, get_f16(x) * get_f16(y), acc);
	}
	return acc;
}

float kq_ref_dot_q4_0(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return ref_dot_q0(x, 18, y, n, 1);
}

float kq_ref_dot_q4_1(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 20, y += 36) {
		const int8_t *yq = (const int8_t *)(y + 4);
		int si = 0;
		for (int j = 0; j < 16; j++) {
			si += (x[4 + j] & 0x0f) * yq[j];
			si += (x[4 + j] >> 4) * yq[j + 16];
		}
		s += (get_f16(x) * get_f16(y)) * (float)si + get_f16(x + 2) * get_f16(y + 2);
	}
	return s;
}

float kq_ref_dot_q5_0(const uint8_t *x, const uint8_t *y, int64_t n)
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
		s += (float)si * (get_f16(x) * get_f16(y));
	}
	return s;
}

float kq_ref_dot_q5_1(const uint8_t *x, const uint8_t *y, int64_t n)
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
		s += (get_f16(x) * get_f16(y)) * (float)si + get_f16(x + 2) * get_f16(y + 2);
	}
	return s;
}

/* ggml quantize_row_q8_K_ref (what x86 and ARM builds use): per 256, the
 * signed value of largest magnitude maps to -127, d = 1/iscale as f32, and
 * bsums[k] = the sum of qs[16k..16k+15]. */
void kq_ref_quant_q8_K(const float *x, uint8_t *y, int64_t n)
{
	for (int64_t b = 0; b < n / 256; b++, x += 256, y += B_Q8_K) {
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
				const int v = q_nearest_int(iscale * x[j]);
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

/* Q4_K and Q5_K (the Q4_K layout with qh[32] before qs: element l of group
 * g takes bit g of qh[l] as its fifth bit, values 0..31) */
static KQ_INLINE float dot_q45_K(const uint8_t *x, const uint8_t *y, int64_t n, int q5)
{
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q5 ? 176 : 144, y += B_Q8_K) {
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
		s += (get_f16(x) * dy) * (float)isum - (get_f16(x + 2) * dy) * (float)q4k_msum(x, y);
	}
	return s;
}

float kq_ref_dot_q4_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q45_K(x, y, n, 0);
}

float kq_ref_dot_q5_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q45_K(x, y, n, 1);
}

/* element e of group g = 8h + 2j + t, as an unsigned value (Q3_K: plus 4) */
static inline int q23k_at(const uint8_t *x, int q3, int h, int j, int t, int l)
{
	const int v = (x[(q3 ? 32 : 16) + 32 * h + 16 * t + l] >> (2 * j)) & 3;
	return q3 ? v + ((x[16 * t + l] >> (4 * h + j)) & 1 ? 4 : 0) : v;
}

static KQ_INLINE float dot_q23_K(const uint8_t *x, const uint8_t *y, int64_t n, int q3)
{
	float s = 0;
	for (int64_t b = 0; b < n / 256; b++, x += q3 ? 110 : 84, y += B_Q8_K) {
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

float kq_ref_dot_q2_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q23_K(x, y, n, 0);
}

float kq_ref_dot_q3_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	return dot_q23_K(x, y, n, 1);
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
	for (int64_t b = 0; b < n / 256; b++, x += L->bytes, y += B_Q8_K) {
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
	return get_f16(x + 208);
}

float kq_ref_dot_q6_K(const uint8_t *x, const uint8_t *y, int64_t n)
{
	static const struct sb_layout L = {210, 16, q6k_at, q6k_scale, q6k_d};
	return ref_dot_sb(&L, x, y, n);
}

float kq_ref_dot_iq4_nl(const uint8_t *x, const uint8_t *y, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / 32; b++, x += 18, y += 34) {
		const int8_t *yq = (const int8_t *)(y + 2);
		int si = 0;
		for (int j = 0; j < 16; j++)
			si += kvalues_iq4nl[x[2 + j] & 0xF] * yq[j] + kvalues_iq4nl[x[2 + j] >> 4] * yq[j + 16];
		s += (float)si * (get_f16(x) * get_f16(y));
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
	return get_f16(x);
}

float kq_ref_dot_iq4_xs(const uint8_t *x, const uint8_t *y, int64_t n)
{
	static const struct sb_layout L = {136, 8, iq4xs_at, iq4xs_scale, iq4xs_d};
	return ref_dot_sb(&L, x, y, n);
}

