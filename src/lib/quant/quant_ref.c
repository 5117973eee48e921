/* quant_ref.c - the scalar reference conversions of the plain and
 * 32-element block formats: F32, F16, BF16 rows and Q4_0, Q4_1, Q5_0, Q5_1,
 * Q8_0 blocks (quant_ref_internal.h).  The kernels follow ggml's
 * quantize_row_<t>_ref / dequantize_row_<t> operation for operation (same
 * float expressions in the same order), so the bytes match
 * llama-quantize's.  The type traits table (types.c) points at them. */
#include "quant_ref_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "block_internal.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- plain rows ---------------------------------------------------------- */
void kq_quant_f32(const float *x, void *y, int64_t n)
{
	memcpy(y, x, (size_t)n * sizeof(float));
}

void kq_quant_f16(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n; i++)
		put_f16(y + 2 * i, x[i]);
}

void kq_quant_bf16(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n; i++) {
		uint16_t h = kolm_fp32_to_bf16(x[i]);
		y[2 * i] = (uint8_t)(h & 0xff);
		y[2 * i + 1] = (uint8_t)(h >> 8);
	}
}

void kq_deq_f32(const void *x, float *y, int64_t n)
{
	memcpy(y, x, (size_t)n * sizeof(float));
}

void kq_deq_f16(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n; i++)
		y[i] = get_f16(x + 2 * i);
}

void kq_deq_bf16(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n; i++)
		y[i] = kolm_bf16_to_fp32((uint16_t)(x[2 * i] | (x[2 * i + 1] << 8)));
}

/* ---- Q4_0: d (f16), qs[16]; x = (q - 8) * d ----------------------------- */
void kq_quant_q4_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q4_0) {
		float amax = 0.0f, max = 0.0f;
		for (int j = 0; j < QK; j++) {
			const float v = x[j];
			if (amax < fabsf(v)) {
				amax = fabsf(v);
				max = v;
			}
		}
		const float d = max / -8;
		const float id = d ? 1.0f / d : 0.0f;
		put_f16(y, d);
		for (int j = 0; j < QK / 2; j++) {
			const float x0 = x[j] * id;
			const float x1 = x[QK / 2 + j] * id;
			const uint8_t q0 = (uint8_t)q_min(15, q_trunc(x0 + 8.5f));
			const uint8_t q1 = (uint8_t)q_min(15, q_trunc(x1 + 8.5f));
			y[2 + j] = (uint8_t)(q0 | (q1 << 4));
		}
	}
}

void kq_deq_q4_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q4_0, y += QK) {
		const float d = get_f16(x);
		for (int j = 0; j < QK / 2; j++) {
			const int x0 = (x[2 + j] & 0x0F) - 8;
			const int x1 = (x[2 + j] >> 4) - 8;
			y[j] = x0 * d;
			y[j + QK / 2] = x1 * d;
		}
	}
}

/* ---- Q4_1: d, m (f16), qs[16]; x = q * d + m ---------------------------- */
void kq_quant_q4_1(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q4_1) {
		float min = FLT_MAX, max = -FLT_MAX;
		for (int j = 0; j < QK; j++) {
			const float v = x[j];
			if (v < min)
				min = v;
			if (v > max)
				max = v;
		}
		const float d = (max - min) / ((1 << 4) - 1);
		const float id = d ? 1.0f / d : 0.0f;
		put_f16(y, d);
		put_f16(y + 2, min);
		for (int j = 0; j < QK / 2; j++) {
			const float x0 = (x[j] - min) * id;
			const float x1 = (x[QK / 2 + j] - min) * id;
			const uint8_t q0 = (uint8_t)q_min(15, q_trunc(x0 + 0.5f));
			const uint8_t q1 = (uint8_t)q_min(15, q_trunc(x1 + 0.5f));
			y[4 + j] = (uint8_t)(q0 | (q1 << 4));
		}
	}
}

void kq_deq_q4_1(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q4_1, y += QK) {
		const float d = get_f16(x), m = get_f16(x + 2);
		for (int j = 0; j < QK / 2; j++) {
			const int x0 = x[4 + j] & 0x0F;
			const int x1 = x[4 + j] >> 4;
			y[j] = x0 * d + m;
			y[j + QK / 2] = x1 * d + m;
		}
	}
}

/* ---- Q5_0: d, qh[4], qs[16]; x = (q - 16) * d -------------------------- */
void kq_quant_q5_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q5_0) {
		float amax = 0.0f, max = 0.0f;
		for (int j = 0; j < QK; j++) {
			const float v = x[j];
			if (amax < fabsf(v)) {
				amax = fabsf(v);
				max = v;
			}
		}
		const float d = max / -16;
		const float id = d ? 1.0f / d : 0.0f;
		put_f16(y, d);
		uint32_t qh = 0;
		for (int j = 0; j < QK / 2; j++) {
			const float x0 = x[j] * id;
			const float x1 = x[QK / 2 + j] * id;
			const uint8_t q0 = (uint8_t)q_min(31, q_trunc(x0 + 16.5f));
			const uint8_t q1 = (uint8_t)q_min(31, q_trunc(x1 + 16.5f));
			y[6 + j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
			qh |= ((q0 & 0x10u) >> 4) << (j + 0);
			qh |= ((q1 & 0x10u) >> 4) << (j + QK / 2);
		}
		for (int b = 0; b < 4; b++)
			y[2 + b] = (uint8_t)(qh >> (8 * b));
	}
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void kq_deq_q5_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q5_0, y += QK) {
		const float d = get_f16(x);
		const uint32_t qh = get_u32(x + 2);
		for (int j = 0; j < QK / 2; j++) {
			const uint8_t h0 = (uint8_t)(((qh >> (j + 0)) << 4) & 0x10);
			const uint8_t h1 = (uint8_t)((qh >> (j + 12)) & 0x10);
			const int32_t x0 = ((x[6 + j] & 0x0F) | h0) - 16;
			const int32_t x1 = ((x[6 + j] >> 4) | h1) - 16;
			y[j] = x0 * d;
			y[j + QK / 2] = x1 * d;
		}
	}
}

/* ---- Q5_1: d, m, qh[4], qs[16]; x = q * d + m --------------------------- */
void kq_quant_q5_1(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q5_1) {
		float min = FLT_MAX, max = -FLT_MAX;
		for (int j = 0; j < QK; j++) {
			const float v = x[j];
			if (v < min)
				min = v;
			if (v > max)
				max = v;
		}
		const float d = (max - min) / ((1 << 5) - 1);
		const float id = d ? 1.0f / d : 0.0f;
		put_f16(y, d);
		put_f16(y + 2, min);
		uint32_t qh = 0;
		for (int j = 0; j < QK / 2; j++) {
			const float x0 = (x[j] - min) * id;
			const float x1 = (x[QK / 2 + j] - min) * id;
			const uint8_t q0 = (uint8_t)q_trunc(x0 + 0.5f);
			const uint8_t q1 = (uint8_t)q_trunc(x1 + 0.5f);
			y[8 + j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
			qh |= ((q0 & 0x10u) >> 4) << (j + 0);
			qh |= ((q1 & 0x10u) >> 4) << (j + QK / 2);
		}
		for (int b = 0; b < 4; b++)
			y[4 + b] = (uint8_t)(qh >> (8 * b));
	}
}

void kq_deq_q5_1(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q5_1, y += QK) {
		const float d = get_f16(x), m = get_f16(x + 2);
		const uint32_t qh = get_u32(x + 4);
		for (int j = 0; j < QK / 2; j++) {
			const uint8_t h0 = (uint8_t)(((qh >> (j + 0)) << 4) & 0x10);
			const uint8_t h1 = (uint8_t)((qh >> (j + 12)) & 0x10);
			const int x0 = (x[8 + j] & 0x0F) | h0;
			const int x1 = (x[8 + j] >> 4) | h1;
			y[j] = x0 * d + m;
			y[j + QK / 2] = x1 * d + m;
		}
	}
}

/* ---- Q8_0: d, qs[32] int8; x = q * d ----------------------------------- */
void kq_quant_q8_0(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_Q8_0) {
		float amax = 0.0f;
		for (int j = 0; j < QK; j++) {
			const float a = fabsf(x[j]);
			amax = amax > a ? amax : a;
		}
		const float d = amax / ((1 << 7) - 1);
		const float id = d ? 1.0f / d : 0.0f;
		put_f16(y, d);
		for (int j = 0; j < QK; j++) {
			const float x0 = x[j] * id;
			y[2 + j] = (uint8_t)q_trunc(roundf(x0));
		}
	}
}

void kq_deq_q8_0(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_Q8_0, y += QK) {
		const float d = get_f16(x);
		for (int j = 0; j < QK; j++)
			y[j] = (int8_t)x[2 + j] * d;
	}
}
