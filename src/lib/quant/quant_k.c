/* quant_k.c - k-quants (Q2_K .. Q6_K) and the 4-bit non-linear types
 * (IQ4_NL, IQ4_XS), as llama-quantize produces them without an importance
 * matrix: quantize_row_q{2..6}_K_ref with make_qkx2_quants /
 * make_q3_quants / make_qx_quants, and quantize_iq4_{nl,xs} with the
 * 15-step best-scale search (ntry = 7).  Every float expression keeps
 * ggml's operand order so results are bit-identical; no FP contraction. */
#include "quant_k_internal.h"

#include <math.h>
#include <string.h>

#include "block_internal.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define GROUP_MAX_EPS 1e-15f

/* ---- scale search helpers ----------------------------------------------- */

/* Symmetric levels in [-nmax, nmax-1] (stored + nmax) with the rmse_type 1
 * weights x^2; 18 trial scales around nmax/max.  Returns the scale. */
static float make_qx_quants(int n, int nmax, const float *x, int8_t *L)
{
	float max = 0, amax = 0;
	for (int i = 0; i < n; i++) {
		float ax = fabsf(x[i]);
		if (ax > amax) {
			amax = ax;
			max = x[i];
		}
	}
	if (amax < GROUP_MAX_EPS) {
		for (int i = 0; i < n; i++)
			L[i] = 0;
		return 0.f;
	}
	float iscale = -nmax / max;
	float sumlx = 0, suml2 = 0;
	for (int i = 0; i < n; i++) {
		int l = q_nearest_int(iscale * x[i]);
		l = q_max(-nmax, q_min(nmax - 1, l));
		L[i] = (int8_t)(l + nmax);
		float w = x[i] * x[i];
		sumlx += w * x[i] * l;
		suml2 += w * l * l;
	}
	float scale = suml2 ? sumlx / suml2 : 0.0f;
	float best = scale * sumlx;
	for (int is = -9; is <= 9; is++) {
		if (is == 0)
			continue;
		iscale = -(nmax + 0.1f * is) / max;
		sumlx = suml2 = 0;
		for (int i = 0; i < n; i++) {
			int l = q_nearest_int(iscale * x[i]);
			l = q_max(-nmax, q_min(nmax - 1, l));
			float w = x[i] * x[i];
			sumlx += w * x[i] * l;
			suml2 += w * l * l;
		}
		if (suml2 > 0 && sumlx * sumlx > best * suml2) {
			for (int i = 0; i < n; i++) {
				int l = q_nearest_int(iscale * x[i]);
				L[i] = (int8_t)(nmax + q_max(-nmax, q_min(nmax - 1, l)));
			}
			scale = sumlx / suml2;
			best = scale * sumlx;
		}
	}
	return scale;
}

/* Q3_K sub-block levels with the iterative per-element refinement. */
static float make_q3_quants(int n, int nmax, const float *x, int8_t *L)
{
	float max = 0, amax = 0;
	for (int i = 0; i < n; i++) {
		float ax = fabsf(x[i]);
		if (ax > amax) {
			amax = ax;
			max = x[i];
		}
	}
	if (amax < GROUP_MAX_EPS) {
		for (int i = 0; i < n; i++)
			L[i] = 0;
		return 0.f;
	}
	float iscale = -nmax / max;
	float sumlx = 0, suml2 = 0;
	for (int i = 0; i < n; i++) {
		int l = q_nearest_int(iscale * x[i]);
		l = q_max(-nmax, q_min(nmax - 1, l));
		L[i] = (int8_t)l;
		float w = x[i] * x[i];
		sumlx += w * x[i] * l;
		suml2 += w * l * l;
	}
	for (int itry = 0; itry < 5; itry++) {
		int n_changed = 0;
		for (int i = 0; i < n; i++) {
			float w = x[i] * x[i];
			float slx = sumlx - w * x[i] * L[i];
			if (slx > 0) {
				float sl2 = suml2 - w * L[i] * L[i];
				int new_l = q_nearest_int(x[i] * sl2 / slx);
				new_l = q_max(-nmax, q_min(nmax - 1, new_l));
				if (new_l != L[i]) {
					slx += w * x[i] * new_l;
					sl2 += w * new_l * new_l;
					if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
						L[i] = (int8_t)new_l;
						sumlx = slx;
						suml2 = sl2;
						n_changed++;
					}
				}
			}
		}
		if (!n_changed)
			break;
	}
	for (int i = 0; i < n; i++)
		L[i] = (int8_t)(L[i] + nmax);
	return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* Asymmetric levels [0, nmax] with a min: weighted least squares over
 * nstep+1 trial scales.  *the_min receives -min (>= 0). */
static float make_qkx2_quants(int n, int nmax, const float *x, const float *weights, uint8_t *L,
			      float *the_min, uint8_t *Laux, float rmin, float rdelta, int nstep,
			      int use_mad)
{
	float min = x[0], max = x[0];
	float sum_w = weights[0];
	float sum_x = sum_w * x[0];
	for (int i = 1; i < n; i++) {
		if (x[i] < min)
			min = x[i];
		if (x[i] > max)
			max = x[i];
		float w = weights[i];
		sum_w += w;
		sum_x += w * x[i];
	}
	if (min > 0)
		min = 0;
	if (max == min) {
		for (int i = 0; i < n; i++)
			L[i] = 0;
		*the_min = -min;
		return 0.f;
	}
	float iscale = nmax / (max - min);
	float scale = 1 / iscale;
	float best_error = 0;
	for (int i = 0; i < n; i++) {
		int l = q_nearest_int(iscale * (x[i] - min));
		L[i] = (uint8_t)q_max(0, q_min(nmax, l));
		float diff = scale * L[i] + min - x[i];
		diff = use_mad ? fabsf(diff) : diff * diff;
		float w = weights[i];
		best_error += w * diff;
	}
	if (nstep < 1) {
		*the_min = -min;
		return scale;
	}
	for (int is = 0; is <= nstep; is++) {
		iscale = (rmin + rdelta * is + nmax) / (max - min);
		float sum_l = 0, sum_l2 = 0, sum_xl = 0;
		for (int i = 0; i < n; i++) {
			int l = q_nearest_int(iscale * (x[i] - min));
			l = q_max(0, q_min(nmax, l));
			Laux[i] = (uint8_t)l;
			float w = weights[i];
			sum_l += w * l;
			sum_l2 += w * l * l;
			sum_xl += w * l * x[i];
		}
		float D = sum_w * sum_l2 - sum_l * sum_l;
		if (D > 0) {
			float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
			float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
			if (this_min > 0) {
				this_min = 0;
				this_scale = sum_xl / sum_l2;
			}
			float cur_error = 0;
			for (int i = 0; i < n; i++) {
				float diff = this_scale * Laux[i] + this_min - x[i];
				diff = use_mad ? fabsf(diff) : diff * diff;
				float w = weights[i];
				cur_error += w * diff;
			}
			if (cur_error < best_error) {
				for (int i = 0; i < n; i++)
					L[i] = Laux[i];
				best_error = cur_error;
				scale = this_scale;
				min = this_min;
			}
		}
	}
	*the_min = -min;
	return scale;
}

/* 6-bit scale and min j of the 12-byte Q4_K/Q5_K scales field. */
static void get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m)
{
	if (j < 4) {
		*d = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
		*m = (uint8_t)((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
	}
}

/* ---- Q2_K: scales[16] @0, qs[64] @16, d @80, dmin @82 ------------------- */
void kq_quant_q2_k(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	uint8_t L[QK_K], Laux[16];
	float weights[16], mins[QK_K / 16], scales[QK_K / 16];
	const float q4scale = 15.f;

	for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += B_Q2_K) {
		uint8_t *sc = y, *qs = y + 16;
		float max_scale = 0, max_min = 0;
		for (int j = 0; j < QK_K / 16; j++) {
			for (int l = 0; l < 16; l++)
				weights[l] = fabsf(x[16 * j + l]);
			scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux,
						     -0.5f, 0.1f, 15, 1);
			if (scales[j] > max_scale)
				max_scale = scales[j];
			if (mins[j] > max_min)
				max_min = mins[j];
		}
		if (max_scale > 0) {
			float iscale = q4scale / max_scale;
			for (int j = 0; j < QK_K / 16; j++)
				sc[j] = (uint8_t)q_nearest_int(iscale * scales[j]);
			put_f16(y + 80, max_scale / q4scale);
		} else {
			for (int j = 0; j < QK_K / 16; j++)
				sc[j] = 0;
			put_f16(y + 80, 0.f);
		}
		if (max_min > 0) {
			float iscale = q4scale / max_min;
			for (int j = 0; j < QK_K / 16; j++) {
				int l = q_nearest_int(iscale * mins[j]);
				sc[j] = (uint8_t)(sc[j] | (l << 4));
			}
			put_f16(y + 82, max_min / q4scale);
		} else {
			put_f16(y + 82, 0.f);
		}
		for (int j = 0; j < QK_K / 16; j++) {
			const float d = get_f16(y + 80) * (sc[j] & 0xF);
			if (!d)
				continue;
			const float dm = get_f16(y + 82) * (sc[j] >> 4);
			for (int ii = 0; ii < 16; ii++) {
				int l = q_nearest_int((x[16 * j + ii] + dm) / d);
				L[16 * j + ii] = (uint8_t)q_max(0, q_min(3, l));
			}
		}
		for (int j = 0; j < QK_K; j += 128)
			for (int l = 0; l < 32; l++)
				qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) |
							  (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
	}
}

void kq_deq_q2_k(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK_K; i++, x += B_Q2_K) {
		const float d = get_f16(x + 80), min = get_f16(x + 82);
		const uint8_t *q = x + 16;
		int is = 0;
		for (int nn = 0; nn < QK_K; nn += 128) {
			int shift = 0;
			for (int j = 0; j < 4; j++) {
				uint8_t sc = x[is++];
				float dl = d * (sc & 0xF), ml = min * (sc >> 4);
				for (int l = 0; l < 16; l++)
					*y++ = dl * ((int8_t)((q[l] >> shift) & 3)) - ml;
				sc = x[is++];
				dl = d * (sc & 0xF);
				ml = min * (sc >> 4);
				for (int l = 0; l < 16; l++)
					*y++ = dl * ((int8_t)((q[l + 16] >> shift) & 3)) - ml;
				shift += 2;
			}
			q += 32;
		}
	}
}

/* ---- Q3_K: hmask[32] @0, qs[64] @32, scales[12] @96, d @108 -------------- */
void kq_quant_q3_k(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	int8_t L[QK_K];
	float scales[QK_K / 16];

	for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += B_Q3_K) {
		uint8_t *hmask = y, *qs = y + 32, *sc = y + 96;
		float max_scale = 0, amax = 0;
		for (int j = 0; j < QK_K / 16; j++) {
			scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
			float scale = fabsf(scales[j]);
			if (scale > amax) {
				amax = scale;
				max_scale = scales[j];
			}
		}
		memset(sc, 0, 12);
		if (max_scale) {
			float iscale = -32.f / max_scale;
			for (int j = 0; j < QK_K / 16; j++) {
				int8_t l = (int8_t)q_nearest_int(iscale * scales[j]);
				l = (int8_t)(q_max(-32, q_min(31, l)) + 32);
				if (j < 8)
					sc[j] = (uint8_t)(l & 0xF);
				else
					sc[j - 8] = (uint8_t)(sc[j - 8] | ((l & 0xF) << 4));
				l = (int8_t)(l >> 4);
				sc[j % 4 + 8] = (uint8_t)(sc[j % 4 + 8] | (l << (2 * (j / 4))));
			}
			put_f16(y + 108, 1 / iscale);
		} else {
			put_f16(y + 108, 0.f);
		}
		for (int j = 0; j < QK_K / 16; j++) {
			int8_t s = (int8_t)(j < 8 ? sc[j] & 0xF : sc[j - 8] >> 4);
			s = (int8_t)((s | (((sc[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
			float d = get_f16(y + 108) * s;
			if (!d)
				continue;
			for (int ii = 0; ii < 16; ii++) {
				int l = q_nearest_int(x[16 * j + ii] / d);
				l = q_max(-4, q_min(3, l));
				L[16 * j + ii] = (int8_t)(l + 4);
			}
		}
		memset(hmask, 0, QK_K / 8);
		int m = 0;
		uint8_t hm = 1;
		for (int j = 0; j < QK_K; j++) {
			if (L[j] > 3) {
				hmask[m] |= hm;
				L[j] = (int8_t)(L[j] - 4);
			}
			if (++m == QK_K / 8) {
				m = 0;
				hm = (uint8_t)(hm << 1);
			}
		}
		for (int j = 0; j < QK_K; j += 128)
			for (int l = 0; l < 32; l++)
				qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) |
							  (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
	}
}

void kq_deq_q3_k(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
	for (int64_t i = 0; i < n / QK_K; i++, x += B_Q3_K) {
		const float d_all = get_f16(x + 108);
		const uint8_t *q = x + 32, *hm = x;
		uint8_t m = 1;
		uint32_t aux[4];
		for (int k = 0; k < 3; k++)
			aux[k] = (uint32_t)x[96 + 4 * k] | ((uint32_t)x[97 + 4 * k] << 8) |
				 ((uint32_t)x[98 + 4 * k] << 16) | ((uint32_t)x[99 + 4 * k] << 24);
		uint32_t tmp = aux[2];
		aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
		aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
		aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
		aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
		int8_t scales[16];
		for (int k = 0; k < 16; k++)
			scales[k] = (int8_t)(aux[k / 4] >> (8 * (k % 4)));
		int is = 0;
		for (int nn = 0; nn < QK_K; nn += 128) {
			int shift = 0;
			for (int j = 0; j < 4; j++) {
				float dl = d_all * (scales[is++] - 32);
				for (int l = 0; l < 16; l++)
					*y++ = dl * ((int8_t)((q[l + 0] >> shift) & 3) - ((hm[l + 0] & m) ? 0 : 4));
				dl = d_all * (scales[is++] - 32);
				for (int l = 0; l < 16; l++)
					*y++ = dl * ((int8_t)((q[l + 16] >> shift) & 3) - ((hm[l + 16] & m) ? 0 : 4));
				shift += 2;
				m = (uint8_t)(m << 1);
			}
			q += 32;
		}
	}
}

/* ---- Q4_K / Q5_K shared scale packing ------------------------------------ */
static void pack_scales_k4(uint8_t *s, const float *scales, const float *mins, float max_scale,
			   float max_min)
{
	float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
	float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
	for (int j = 0; j < QK_K / 32; j++) {
		uint8_t ls = (uint8_t)q_nearest_int(inv_scale * scales[j]);
		uint8_t lm = (uint8_t)q_nearest_int(inv_min * mins[j]);
		ls = ls < 63 ? ls : 63;
		lm = lm < 63 ? lm : 63;
		if (j < 4) {
			s[j] = ls;
			s[j + 4] = lm;
		} else {
			s[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
			s[j - 4] = (uint8_t)(s[j - 4] | ((ls >> 4) << 6));
			s[j - 0] = (uint8_t)(s[j - 0] | ((lm >> 4) << 6));
		}
	}
}

/* Levels of one Q4_K/Q5_K super-block from the stored scales (nmax 15/31). */
static void requant_k4(const float *x, const uint8_t *y, uint8_t *L, int nmax)
{
	uint8_t sc, m;
	for (int j = 0; j < QK_K / 32; j++) {
		get_scale_min_k4(j, y + 4, &sc, &m);
		const float d = get_f16(y) * sc;
		if (!d)
			continue;
		const float dm = get_f16(y + 2) * m;
		for (int ii = 0; ii < 32; ii++) {
			int l = q_nearest_int((x[32 * j + ii] + dm) / d);
			L[32 * j + ii] = (uint8_t)q_max(0, q_min(nmax, l));
		}
	}
}

/* Sub-block scales/mins of one Q4_K/Q5_K super-block. */
static void search_k4(const float *x, uint8_t *L, float *scales, float *mins, float *max_scale,
		      float *max_min, int nmax, float rmin, float rdelta, int nstep)
{
	uint8_t Laux[32];
	float weights[32];
	*max_scale = 0;
	*max_min = 0;
	for (int j = 0; j < QK_K / 32; j++) {
		float sum_x2 = 0;
		for (int l = 0; l < 32; l++)
			sum_x2 += x[32 * j + l] * x[32 * j + l];
		float av_x = sqrtf(sum_x2 / 32);
		for (int l = 0; l < 32; l++)
			weights[l] = av_x + fabsf(x[32 * j + l]);
		scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin,
					     rdelta, nstep, 0);
		if (scales[j] > *max_scale)
			*max_scale = scales[j];
		if (mins[j] > *max_min)
			*max_min = mins[j];
	}
}

/* ---- Q4_K: d @0, dmin @2, scales[12] @4, qs[128] @16 --------------------- */
void kq_quant_q4_k(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	uint8_t L[QK_K];
	float mins[QK_K / 32], scales[QK_K / 32];
	for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += B_Q4_K) {
		float max_scale, max_min;
		search_k4(x, L, scales, mins, &max_scale, &max_min, 15, -1.f, 0.1f, 20);
		pack_scales_k4(y + 4, scales, mins, max_scale, max_min);
		put_f16(y, max_scale / 63.f);
		put_f16(y + 2, max_min / 63.f);
		requant_k4(x, y, L, 15);
		uint8_t *q = y + 16;
		for (int j = 0; j < QK_K; j += 64) {
			for (int l = 0; l < 32; l++)
				q[l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
			q += 32;
		}
	}
}

void kq_deq_q4_k(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK_K; i++, x += B_Q4_K) {
		const uint8_t *q = x + 16;
		const float d = get_f16(x), min = get_f16(x + 2);
		int is = 0;
		uint8_t sc, m;
		for (int j = 0; j < QK_K; j += 64) {
			get_scale_min_k4(is + 0, x + 4, &sc, &m);
			const float d1 = d * sc, m1 = min * m;
			get_scale_min_k4(is + 1, x + 4, &sc, &m);
			const float d2 = d * sc, m2 = min * m;
			for (int l = 0; l < 32; l++)
				*y++ = d1 * (q[l] & 0xF) - m1;
			for (int l = 0; l < 32; l++)
				*y++ = d2 * (q[l] >> 4) - m2;
			q += 32;
			is += 2;
		}
	}
}

/* ---- Q5_K: d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48 --------- */
void kq_quant_q5_k(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	uint8_t L[QK_K];
	float mins[QK_K / 32], scales[QK_K / 32];
	for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += B_Q5_K) {
		float max_scale, max_min;
		search_k4(x, L, scales, mins, &max_scale, &max_min, 31, -0.5f, 0.1f, 15);
		pack_scales_k4(y + 4, scales, mins, max_scale, max_min);
		put_f16(y, max_scale / 63.f);
		put_f16(y + 2, max_min / 63.f);
		requant_k4(x, y, L, 31);
		uint8_t *qh = y + 16, *ql = y + 48;
		memset(qh, 0, QK_K / 8);
		uint8_t m1 = 1, m2 = 2;
		for (int nn = 0; nn < QK_K; nn += 64) {
			for (int j = 0; j < 32; j++) {
				int l1 = L[nn + j];
				if (l1 > 15) {
					l1 -= 16;
					qh[j] |= m1;
				}
				int l2 = L[nn + j + 32];
				if (l2 > 15) {
					l2 -= 16;
					qh[j] |= m2;
				}
				ql[j] = (uint8_t)(l1 | (l2 << 4));
			}
			m1 = (uint8_t)(m1 << 2);
			m2 = (uint8_t)(m2 << 2);
			ql += 32;
		}
	}
}

void kq_deq_q5_k(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK_K; i++, x += B_Q5_K) {
		const uint8_t *ql = x + 48, *qh = x + 16;
		const float d = get_f16(x), min = get_f16(x + 2);
		int is = 0;
		uint8_t sc, m, u1 = 1, u2 = 2;
		for (int j = 0; j < QK_K; j += 64) {
			get_scale_min_k4(is + 0, x + 4, &sc, &m);
			const float d1 = d * sc, m1 = min * m;
			get_scale_min_k4(is + 1, x + 4, &sc, &m);
			const float d2 = d * sc, m2 = min * m;
			for (int l = 0; l < 32; l++)
				*y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
			for (int l = 0; l < 32; l++)
				*y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
			ql += 32;
			is += 2;
			u1 = (uint8_t)(u1 << 2);
			u2 = (uint8_t)(u2 << 2);
		}
	}
}

/* ---- Q6_K: ql[128] @0, qh[64] @128, scales[16] (int8) @192, d @208 ------- */
void kq_quant_q6_k(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	int8_t L[QK_K];
	float scales[QK_K / 16];
	for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += B_Q6_K) {
		float max_scale = 0, max_abs_scale = 0;
		for (int ib = 0; ib < QK_K / 16; ib++) {
			const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
			scales[ib] = scale;
			const float abs_scale = fabsf(scale);
			if (abs_scale > max_abs_scale) {
				max_abs_scale = abs_scale;
				max_scale = scale;
			}
		}
		if (max_abs_scale < GROUP_MAX_EPS) {
			memset(y, 0, B_Q6_K);
			put_f16(y + 208, 0.f);
			continue;
		}
		int8_t *sc = (int8_t *)(y + 192);
		float iscale = -128.f / max_scale;
		put_f16(y + 208, 1 / iscale);
		for (int ib = 0; ib < QK_K / 16; ib++)
			sc[ib] = (int8_t)q_min(127, q_nearest_int(iscale * scales[ib]));
		for (int j = 0; j < QK_K / 16; j++) {
			float d = get_f16(y + 208) * sc[j];
			if (!d)
				continue;
			for (int ii = 0; ii < 16; ii++) {
				int l = q_nearest_int(x[16 * j + ii] / d);
				l = q_max(-32, q_min(31, l));
				L[16 * j + ii] = (int8_t)(l + 32);
			}
		}
		uint8_t *ql = y, *qh = y + 128;
		for (int j = 0; j < QK_K; j += 128) {
			for (int l = 0; l < 32; l++) {
				const uint8_t q1 = L[j + l + 0] & 0xF;
				const uint8_t q2 = L[j + l + 32] & 0xF;
				const uint8_t q3 = L[j + l + 64] & 0xF;
				const uint8_t q4 = L[j + l + 96] & 0xF;
				ql[l + 0] = (uint8_t)(q1 | (q3 << 4));
				ql[l + 32] = (uint8_t)(q2 | (q4 << 4));
				qh[l] = (uint8_t)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
						  ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
			}
			ql += 64;
			qh += 32;
		}
	}
}

void kq_deq_q6_k(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK_K; i++, x += B_Q6_K) {
		const float d = get_f16(x + 208);
		const uint8_t *ql = x, *qh = x + 128;
		const int8_t *sc = (const int8_t *)(x + 192);
		for (int nn = 0; nn < QK_K; nn += 128) {
			for (int l = 0; l < 32; l++) {
				int is = l / 16;
				const int8_t q1 = (int8_t)(((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
				const int8_t q2 = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
				const int8_t q3 = (int8_t)(((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
				const int8_t q4 = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
				y[l + 0] = d * sc[is + 0] * q1;
				y[l + 32] = d * sc[is + 2] * q2;
				y[l + 64] = d * sc[is + 4] * q3;
				y[l + 96] = d * sc[is + 6] * q4;
			}
			y += 128;
			ql += 64;
			qh += 32;
			sc += 8;
		}
	}
}

/* ---- IQ4_NL / IQ4_XS ---------------------------------------------------- */
const int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* Index of the codebook value nearest to x (ties to the upper value). */
static inline int best_index_iq4(float x)
{
	const int8_t *val = kvalues_iq4nl;
	if (x <= val[0])
		return 0;
	if (x >= val[15])
		return 15;
	int ml = 0, mu = 15;
	while (mu - ml > 1) {
		int mav = (ml + mu) / 2;
		if (x < val[mav])
			mu = mav;
		else
			ml = mav;
	}
	return x - val[mu - 1] < val[mu] - x ? mu - 1 : mu;
}

/* One super-block of `sbs` elements in blocks of 32 (sbs 32: IQ4_NL, 256:
 * IQ4_XS) - quantize_row_iq4_nl_impl with no importance weights, ntry 7.
 * dh: f16 scale; q4: sbs/2 nibble bytes; scales_h/scales_l only for XS. */
static void iq4_impl(int sbs, const float *x, uint8_t *dh, uint8_t *q4, uint16_t *scales_h,
		     uint8_t *scales_l)
{
	const int ntry = 7;
	const int8_t *values = kvalues_iq4nl;
	float scales[QK_K / 32] = {0}, weight[32];
	uint8_t L[QK_K];

	memset(q4, 0, (size_t)sbs / 2);
	put_f16(dh, 0.f);
	float max_scale = 0, amax_scale = 0;
	for (int ib = 0; ib < sbs / 32; ib++) {
		const float *xb = x + ib * 32;
		uint8_t *Lb = L + ib * 32;
		for (int j = 0; j < 32; j++)
			weight[j] = xb[j] * xb[j];
		float amax = 0, max = 0;
		for (int j = 0; j < 32; j++) {
			float ax = fabsf(xb[j]);
			if (ax > amax) {
				amax = ax;
				max = xb[j];
			}
		}
		if (amax < GROUP_MAX_EPS) {
			scales[ib] = 0;
			memset(Lb, 0, 32);
			continue;
		}
		float d = -max / values[0];
		float id = 1 / d;
		float sumqx = 0, sumq2 = 0;
		for (int j = 0; j < 32; j++) {
			float al = id * xb[j];
			int l = best_index_iq4(al);
			Lb[j] = (uint8_t)l;
			float q = values[l];
			float w = weight[j];
			sumqx += w * q * xb[j];
			sumq2 += w * q * q;
		}
		d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
		float best = d * sumqx;
		for (int itry = -ntry; itry <= ntry; itry++) {
			id = (itry + values[0]) / max;
			sumqx = sumq2 = 0;
			for (int j = 0; j < 32; j++) {
				float al = id * xb[j];
				int l = best_index_iq4(al);
				float q = values[l];
				float w = weight[j];
				sumqx += w * q * xb[j];
				sumq2 += w * q * q;
			}
			if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
				d = sumqx / sumq2;
				best = d * sumqx;
			}
		}
		scales[ib] = d;
		float abs_d = fabsf(d);
		if (abs_d > amax_scale) {
			amax_scale = abs_d;
			max_scale = d;
		}
	}
	if (sbs / 32 > 1) {
		*scales_h = 0;
		float d = -max_scale / 32;
		put_f16(dh, d);
		float id = d ? 1 / d : 0.f;
		for (int ib = 0; ib < sbs / 32; ib++) {
			int l = q_nearest_int(id * scales[ib]);
			l = q_max(-32, q_min(31, l));
			float dl = d * l;
			float idl = dl ? 1 / dl : 0.f;
			uint8_t *Lb = L + ib * 32;
			const float *xb = x + ib * 32;
			for (int j = 0; j < 32; j++)
				Lb[j] = (uint8_t)best_index_iq4(idl * xb[j]);
			l += 32;
			uint8_t l_l = (uint8_t)(l & 0xf), l_h = (uint8_t)(l >> 4);
			if (ib % 2 == 0)
				scales_l[ib / 2] = l_l;
			else
				scales_l[ib / 2] = (uint8_t)(scales_l[ib / 2] | (l_l << 4));
			*scales_h = (uint16_t)(*scales_h | (l_h << 2 * (ib % 8)));
		}
	} else {
		put_f16(dh, scales[0]);
		float id = scales[0] ? 1 / scales[0] : 0;
		for (int j = 0; j < sbs; j++)
			L[j] = (uint8_t)best_index_iq4(id * x[j]);
	}
	for (int i = 0; i < sbs / 32; i++)
		for (int j = 0; j < 16; j++)
			q4[16 * i + j] = (uint8_t)(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

/* IQ4_NL: d @0, qs[16] @2 */
void kq_quant_iq4_nl(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK; i++, x += QK, y += B_IQ4_NL)
		iq4_impl(QK, x, y, y + 2, NULL, NULL);
}

void kq_deq_iq4_nl(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK; i++, x += B_IQ4_NL, y += QK) {
		const uint8_t *qs = x + 2;
		const float d = get_f16(x);
		for (int j = 0; j < QK / 2; j++) {
			y[j + 0] = d * kvalues_iq4nl[qs[j] & 0xf];
			y[j + QK / 2] = d * kvalues_iq4nl[qs[j] >> 4];
		}
	}
}

/* IQ4_XS: d @0, scales_h (u16) @2, scales_l[4] @4, qs[128] @8 */
void kq_quant_iq4_xs(const float *x, void *vy, int64_t n)
{
	uint8_t *y = vy;
	for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += B_IQ4_XS) {
		uint16_t sh = 0;
		iq4_impl(QK_K, x, y, y + 8, &sh, y + 4);
		y[2] = (uint8_t)(sh & 0xff);
		y[3] = (uint8_t)(sh >> 8);
	}
}

void kq_deq_iq4_xs(const void *vx, float *y, int64_t n)
{
	const uint8_t *x = vx;
	for (int64_t i = 0; i < n / QK_K; i++, x += B_IQ4_XS) {
		const uint8_t *qs = x + 8;
		const float d = get_f16(x);
		const unsigned scales_h = (unsigned)(x[2] | (x[3] << 8));
		for (int ib = 0; ib < QK_K / 32; ib++) {
			const int ls = ((x[4 + ib / 2] >> 4 * (ib % 2)) & 0xf) | (((scales_h >> 2 * ib) & 3) << 4);
			const float dl = d * (ls - 32);
			for (int j = 0; j < 16; j++) {
				y[j + 0] = dl * kvalues_iq4nl[qs[j] & 0xf];
				y[j + 16] = dl * kvalues_iq4nl[qs[j] >> 4];
			}
			y += 32;
			qs += 16;
		}
	}
}
