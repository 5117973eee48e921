/* quant.c - 32-element block quantizers (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0),
 * F16/BF16 conversion, the type dispatch and the threaded tensor helper.
 * The kernels follow ggml's quantize_row_<t>_ref / dequantize_row_<t>
 * operation for operation (same float expressions in the same order), so the
 * bytes match llama-quantize's. */
#include "kolm/quant.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "kolm/err.h"
#include "quant_internal.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

static int force_scalar;

void kolm_quant_force_scalar(int on)
{
	__atomic_store_n(&force_scalar, on ? 1 : 0, __ATOMIC_RELAXED);
}

static int use_simd(void)
{
	return !__atomic_load_n(&force_scalar, __ATOMIC_RELAXED);
}

const char *kolm_quant_simd_name(void)
{
	return use_simd() ? kq_simd_name() : "scalar";
}

/* ---- Q4_0: d (f16), qs[16]; x = (q - 8) * d ----------------------------- */
void kq_quant_q4_0(const float *x, uint8_t *y, int64_t n)
{
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

void kq_deq_q4_0(const uint8_t *x, float *y, int64_t n)
{
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
void kq_quant_q4_1(const float *x, uint8_t *y, int64_t n)
{
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

void kq_deq_q4_1(const uint8_t *x, float *y, int64_t n)
{
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
void kq_quant_q5_0(const float *x, uint8_t *y, int64_t n)
{
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

void kq_deq_q5_0(const uint8_t *x, float *y, int64_t n)
{
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
void kq_quant_q5_1(const float *x, uint8_t *y, int64_t n)
{
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

void kq_deq_q5_1(const uint8_t *x, float *y, int64_t n)
{
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
void kq_quant_q8_0(const float *x, uint8_t *y, int64_t n)
{
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

void kq_deq_q8_0(const uint8_t *x, float *y, int64_t n)
{
	for (int64_t i = 0; i < n / QK; i++, x += B_Q8_0, y += QK) {
		const float d = get_f16(x);
		for (int j = 0; j < QK; j++)
			y[j] = (int8_t)x[2 + j] * d;
	}
}

/* ---- dispatch ---------------------------------------------------------- */
typedef void (*quant_fn)(const float *, uint8_t *, int64_t);
typedef void (*deq_fn)(const uint8_t *, float *, int64_t);

static void quant_f32(const float *x, uint8_t *y, int64_t n)
{
	memcpy(y, x, (size_t)n * sizeof(float));
}

static void quant_f16(const float *x, uint8_t *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		put_f16(y + 2 * i, x[i]);
}

static void quant_bf16(const float *x, uint8_t *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		uint16_t h = kolm_fp32_to_bf16(x[i]);
		y[2 * i] = (uint8_t)(h & 0xff);
		y[2 * i + 1] = (uint8_t)(h >> 8);
	}
}

static void deq_f32(const uint8_t *x, float *y, int64_t n)
{
	memcpy(y, x, (size_t)n * sizeof(float));
}

static void deq_f16(const uint8_t *x, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = get_f16(x + 2 * i);
}

static void deq_bf16(const uint8_t *x, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = kolm_bf16_to_fp32((uint16_t)(x[2 * i] | (x[2 * i + 1] << 8)));
}

static void quant_q8_0_fast(const float *x, uint8_t *y, int64_t n)
{
	if (!use_simd() || !kq_simd_quant_q8_0(x, y, n))
		kq_quant_q8_0(x, y, n);
}

static void quant_q4_0_fast(const float *x, uint8_t *y, int64_t n)
{
	if (!use_simd() || !kq_simd_quant_q4_0(x, y, n))
		kq_quant_q4_0(x, y, n);
}

static void deq_q8_0_fast(const uint8_t *x, float *y, int64_t n)
{
	if (!use_simd() || !kq_simd_deq_q8_0(x, y, n))
		kq_deq_q8_0(x, y, n);
}

static void deq_q4_0_fast(const uint8_t *x, float *y, int64_t n)
{
	if (!use_simd() || !kq_simd_deq_q4_0(x, y, n))
		kq_deq_q4_0(x, y, n);
}

static quant_fn quant_for(int type)
{
	switch (type) {
	case KOLM_T_F32: return quant_f32;
	case KOLM_T_F16: return quant_f16;
	case KOLM_T_BF16: return quant_bf16;
	case KOLM_T_Q4_0: return quant_q4_0_fast;
	case KOLM_T_Q4_1: return kq_quant_q4_1;
	case KOLM_T_Q5_0: return kq_quant_q5_0;
	case KOLM_T_Q5_1: return kq_quant_q5_1;
	case KOLM_T_Q8_0: return quant_q8_0_fast;
	case KOLM_T_Q2_K: return kq_quant_q2_k;
	case KOLM_T_Q3_K: return kq_quant_q3_k;
	case KOLM_T_Q4_K: return kq_quant_q4_k;
	case KOLM_T_Q5_K: return kq_quant_q5_k;
	case KOLM_T_Q6_K: return kq_quant_q6_k;
	case KOLM_T_IQ4_NL: return kq_quant_iq4_nl;
	case KOLM_T_IQ4_XS: return kq_quant_iq4_xs;
	default: return NULL;
	}
}

static deq_fn deq_for(int type)
{
	switch (type) {
	case KOLM_T_F32: return deq_f32;
	case KOLM_T_F16: return deq_f16;
	case KOLM_T_BF16: return deq_bf16;
	case KOLM_T_Q4_0: return deq_q4_0_fast;
	case KOLM_T_Q4_1: return kq_deq_q4_1;
	case KOLM_T_Q5_0: return kq_deq_q5_0;
	case KOLM_T_Q5_1: return kq_deq_q5_1;
	case KOLM_T_Q8_0: return deq_q8_0_fast;
	case KOLM_T_Q2_K: return kq_deq_q2_k;
	case KOLM_T_Q3_K: return kq_deq_q3_k;
	case KOLM_T_Q4_K: return kq_deq_q4_k;
	case KOLM_T_Q5_K: return kq_deq_q5_k;
	case KOLM_T_Q6_K: return kq_deq_q6_k;
	case KOLM_T_IQ4_NL: return kq_deq_iq4_nl;
	case KOLM_T_IQ4_XS: return kq_deq_iq4_xs;
	default: return NULL;
	}
}

int kolm_quant_can_quantize(int type)
{
	return quant_for(type) != NULL;
}

int kolm_quant_can_dequantize(int type)
{
	return deq_for(type) != NULL;
}

int kolm_quantize_rows(int type, const float *src, void *dst, int64_t nrows, int64_t ne0)
{
	quant_fn f = quant_for(type);
	if (!f || nrows < 0 || ne0 <= 0 || kolm_type_row_bytes(type, ne0) == 0)
		return KOLM_E_USAGE;
	const uint64_t rb = kolm_type_row_bytes(type, ne0);
	uint8_t *out = dst;
	/* Rows are independent and blocks never straddle rows, so a run of
	 * whole rows is one flat call, as in ggml_quantize_chunk. */
	for (int64_t r = 0; r < nrows; r++)
		f(src + r * ne0, out + (uint64_t)r * rb, ne0);
	return 0;
}

int kolm_dequantize_row(int type, const void *src, float *dst, int64_t ne0)
{
	deq_fn f = deq_for(type);
	if (!f || ne0 < 0 || (ne0 > 0 && kolm_type_row_bytes(type, ne0) == 0))
		return KOLM_E_USAGE;
	f(src, dst, ne0);
	return 0;
}

int kolm_row_to_f32(int src_type, const void *src, float *dst, int64_t n)
{
	return kolm_dequantize_row(src_type, src, dst, n);
}

/* ---- threads ----------------------------------------------------------- */
struct qjob {
	int type;
	const float *src;
	uint8_t *dst;
	int64_t r0, r1, ne0;
	int rc;
};

static void *qjob_run(void *arg)
{
	struct qjob *j = arg;
	const uint64_t rb = kolm_type_row_bytes(j->type, j->ne0);
	j->rc = kolm_quantize_rows(j->type, j->src + j->r0 * j->ne0, j->dst + (uint64_t)j->r0 * rb,
				   j->r1 - j->r0, j->ne0);
	return NULL;
}

int kolm_quantize_tensor_mt(int type, const float *src, void *dst, int64_t nrows, int64_t ne0,
			    int nthreads)
{
	if (!quant_for(type) || nrows < 0 || ne0 <= 0 || kolm_type_row_bytes(type, ne0) == 0)
		return KOLM_E_USAGE;
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > 256)
		nthreads = 256;
	if (nthreads > nrows)
		nthreads = nrows > 0 ? (int)nrows : 1;
	if (nthreads == 1)
		return kolm_quantize_rows(type, src, dst, nrows, ne0);
	struct qjob *jobs = calloc((size_t)nthreads, sizeof *jobs);
	pthread_t *th = calloc((size_t)nthreads, sizeof *th);
	if (!jobs || !th) {
		free(jobs);
		free(th);
		return KOLM_E_NOMEM;
	}
	int started = 0, rc = 0;
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (struct qjob){type, src, dst, nrows * t / nthreads, nrows * (t + 1) / nthreads, ne0, 0};
		if (t == 0)
			continue; /* run on this thread below */
		if (pthread_create(&th[t], NULL, qjob_run, &jobs[t]) != 0) {
			/* do the remaining ranges here instead */
			for (int u = t; u < nthreads; u++) {
				jobs[u] = (struct qjob){type, src, dst, nrows * u / nthreads,
							nrows * (u + 1) / nthreads, ne0, 0};
				qjob_run(&jobs[u]);
			}
			break;
		}
		started = t;
	}
	qjob_run(&jobs[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < nthreads; t++)
		if (jobs[t].rc && !rc)
			rc = jobs[t].rc;
	free(jobs);
	free(th);
	return rc;
}
