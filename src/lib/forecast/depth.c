/* depth.c - decode at depth (depth.h): what the context adds to each
 * decoded token's time, from the KV cache read and, on llama.cpp's CPU, its
 * attention loop. */
#include "depth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "kolm/catalog.h"
#include "kolm/estimate.h"
#include "kolm/model.h"

#define GB 1e9

/* Attention steps a decoded token takes at depth d: one per layer, query
 * head and cached position (a sliding-window layer holds its window). */
static double attn_steps(const struct kolm_model *m, int64_t d)
{
	const struct kolm_hparams *hp = &m->hp;
	double per_pos = (double)hp->n_head_kv * (double)hp->head_dim * 2.0 * 2.0; /* f16 K and V */
	if (!(per_pos > 0))
		return 0;
	return (double)kolm_estimate_kv_bytes(m, d, "f16") / per_pos * (double)hp->n_head;
}

/* The cost of one attention-loop step for heads of head_dim: the runtime's
 * attn_step_flops, a table of measured head sizes ({"64": F, "128": F,
 * ...}), linear in log2(head_dim) between them and the nearest one beyond
 * (0 when the runtime's attention is not such a loop). */
static double step_flops(const json_t *rt, int64_t head_dim)
{
	json_t *t = json_object_get(rt, "attn_step_flops");
	const char *k;
	json_t *v;
	double lo_d = 0, lo_f = 0, hi_d = 0, hi_f = 0, x = head_dim > 0 ? log2((double)head_dim) : 0;
	json_object_foreach(t, k, v)
	{
		double d = atof(k), f = json_number_value(v);
		if (!(d > 0) || !(f > 0))
			continue;
		double ld = log2(d);
		if (ld <= x && (lo_f == 0 || ld > lo_d))
			lo_d = ld, lo_f = f;
		if (ld >= x && (hi_f == 0 || ld < hi_d))
			hi_d = ld, hi_f = f;
	}
	if (!lo_f || !hi_f || hi_d == lo_d)
		return lo_f ? lo_f : hi_f;
	return lo_f + (hi_f - lo_f) * (x - lo_d) / (hi_d - lo_d);
}

/* The steady-state time per token plus what the context adds to it from
 * the decode depth on: the KV cache read per token at the pick's KV type,
 * at the bytes/s decode's weight reads run at (the same fitted eta, format
 * factor and bandwidth), or, where the runtime's attention is a loop rather
 * than a kernel streaming the cache (llama.cpp's CPU flash attention,
 * data/runtimes.json attn_step_flops) and the loop takes longer, one loop
 * step per layer, query head and position at the device's compute.  The
 * range keeps decode's relative width. */
int kolm_depth_curve(const struct kolm_depth_query *q, struct depth_point out[8], char *basis, size_t cap)
{
	const struct kolm_model *m = q->m;
	static const int64_t std_pts[] = {0, 4096, 8192, 16384, 32768};
	int64_t limit = m->hp.n_ctx_train > 0 ? m->hp.n_ctx_train : 131072;
	int64_t pts[8];
	int n = 0;
	for (size_t i = 0; i < sizeof std_pts / sizeof std_pts[0]; i++)
		if (std_pts[i] <= limit)
			pts[n++] = std_pts[i];
	if (q->at_ctx > 0) {
		int k = n;
		while (k > 0 && pts[k - 1] > q->at_ctx)
			k--;
		if (!(k > 0 && pts[k - 1] == q->at_ctx)) {
			memmove(pts + k + 1, pts + k, (size_t)(n - k) * sizeof pts[0]);
			pts[k] = q->at_ctx;
			n++;
		}
	}
	double bw = q->dec->bw_eff > 0 ? q->dec->bw_eff : kolm_json_num(q->rt, "eta", 0.5) * q->dev->bw_bytes_per_s;
	double step = step_flops(q->rt, m->hp.head_dim);
	int loop = step > 0 && q->dev->flops_fp16 > 0;
	double t_s = 1.0 / q->dec->mid, s = q->dec->mid > 0 ? (q->dec->mid - q->dec->low) / q->dec->mid : 0;
	double kv0 = (double)kolm_estimate_kv_bytes(m, q->decode_depth, q->kv_type);
	double a0 = attn_steps(m, q->decode_depth);
	for (int i = 0; i < n; i++) {
		double dkv = (double)kolm_estimate_kv_bytes(m, pts[i], q->kv_type) - kv0;
		double add = dkv / bw;
		if (loop) {
			double steps = (attn_steps(m, pts[i]) - a0) * step / q->dev->flops_fp16;
			if (fabs(steps) > fabs(add))
				add = steps;
		}
		double t = t_s + add;
		struct depth_point *dp = &out[i];
		dp->ctx = pts[i];
		dp->mid = t > 0 ? 1.0 / t : q->dec->mid;
		dp->low = dp->mid * (1 - s);
		dp->high = dp->mid * (1 + s);
	}
	int l = snprintf(basis, cap,
			 "forecast: decode's time per token plus the %s KV cache read per token (%.0f bytes per position) at "
			 "%.1f GB/s (decode's eta x format factor x bandwidth)",
			 q->kv_type, (double)kolm_estimate_kv_bytes(m, 1, q->kv_type), bw / GB);
	if (loop && l > 0 && (size_t)l < cap)
		snprintf(basis + l, cap - (size_t)l,
			 ", or where it takes longer, %s's attention loop: %.0f FLOP-equivalents a step (layer x query "
			 "head x position, heads of %lld; data/runtimes.json) at %.0f GFLOPS",
			 q->runtime, step, (long long)m->hp.head_dim, q->dev->flops_fp16 / 1e9);
	return n;
}
