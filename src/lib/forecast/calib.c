/* calib.c - the speed model fitted to measurements (see kolm/calib.h for the
 * formula) and its leave-one-source-out accuracy report; the rows it fits
 * are calib_rows.c's. */
#include "kolm/calib.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "calib_internal.h"
#include "calib_rows.h"
#include "core/json_internal.h"
#include "catalog/ctx_internal.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/estimate.h"
#include "kolm/model.h"
#include "kolm/util.h"

static const char *const fam_names[FAM_N] = {"float", "q8", "k-quant", "legacy", "i-quant", "mlx-quant"};
#define OUTLIER_RATIO 3.0 /* rows this far below their class are scored, not fitted */
#define SIZE_RATIO 4.0    /* a row informs a pick's efficiency only within 4x in bytes per token */
#define SPREAD_Q 0.9 /* a range covers a new measurement with this probability */
#define S_MIN 0.10
#define S_OWN_DEFAULT 0.25 /* a device's own rows with no spread measured */
#define S_MAX_OWN 0.34 /* 0.35 and 0.50 less room for 3-digit rounding in the JSON */
#define S_MAX 0.48
#define GEMM_ROWS 4 /* prompt rows per pass of an ARM repacked GEMM */

/* ---- small helpers ---------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Quantile with linear interpolation; sorts v in place.  NAN when n == 0. */
static double quantile(double *v, int n, double q)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	double i = q * (n - 1);
	int lo = (int)floor(i), hi = lo + 1 < n ? lo + 1 : n - 1;
	return v[lo] + (v[hi] - v[lo]) * (i - lo);
}

/* kolm_calib_conformal: see calib_internal.h */
double kolm_calib_conformal(double *v, int n, double q, double dflt)
{
	if (n <= 0 || !(q > 0 && q < 1))
		return -1;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	int k = (int)ceil((n + 1) * q - 1e-9);
	if (k > n) /* no rank covers: no narrower than the default or any error */
		return v[n - 1] > dflt ? v[n - 1] : dflt;
	return v[k - 1];
}

static double median(double *v, int n)
{
	return quantile(v, n, 0.5);
}

/* ---- fitting ---------------------------------------------------------- */

static double implied_eta(const struct cal_row *r, double t0, double phi)
{
	double t = 1.0 / r->tg, over = t0 * r->L / 32.0 / 1e3;
	double tm = t - over;
	if (tm < 0.15 * t)
		tm = 0.15 * t; /* the overhead cannot be the whole token */
	return r->B / (phi * r->bw * tm);
}

/* Prefill efficiency on the int8 scale: of the unit's compute, over the
 * unit's factor psi (the efficiency it reaches relative to int8). */
static double implied_eta_pp(const struct cal_fit *f, const struct cal_row *r)
{
	return r->pp * 2.0 * r->N / (r->flops * f->psi[r->unit]);
}

/* Prefill tokens/s at efficiency e (int8 scale): never above the unit's peak. */
static double prefill_tps(double e, double psi, double flops, double n_params)
{
	double u = e * psi;
	return (u > 1 ? 1 : u) * flops / (2.0 * n_params);
}

static double decode_tps(const struct cal_row *r, double eta, double t0, double phi)
{
	if (eta > 1)
		eta = 1; /* never above the bandwidth bound */
	return 1.0 / (r->B / (eta * phi * r->bw) + t0 * r->L / 32.0 / 1e3);
}

/* A row measured on a model of comparable size: within SIZE_RATIO of the
 * pick's bytes per token.  A 0.3 M-parameter toy decodes at a rate set by
 * the per-token overhead, an 8 B model at one set by bandwidth: the toy's
 * efficiency says nothing of the 8 B model's (it still informs t0, which
 * is fitted from contrasts between a device's rows). */
static int comparable(double row_B, double pick_B)
{
	return row_B > 0 && pick_B > 0 && row_B <= pick_B * SIZE_RATIO && pick_B <= row_B * SIZE_RATIO;
}

static int cls_index(const struct cal_fit *f, const char *name)
{
	for (int i = 0; i < f->n_cls; i++)
		if (!strcmp(f->cls[i].name, name))
			return i;
	return -1;
}

/* Sum of |log(pred/measured)| over every row of a multi-row group of class
 * ci, each row predicted from the median of its group's other rows. */
static double contrast_error(const struct kolm_calib *c, const struct cal_fit *f, int ci, double t0, const double *phi,
			     double *scratch, double *others)
{
	double sum = 0;
	for (int g = 0; g < f->n_grp; g++) {
		if (f->grp[g].cls != ci)
			continue;
		int n = 0;
		int idx[256];
		for (int i = 0; i < c->n_rows && n < 256; i++)
			if (f->member[i] == g && c->rows[i].tg > 0)
				idx[n++] = i;
		if (n < 2)
			continue;
		for (int k = 0; k < n; k++)
			scratch[k] = implied_eta(&c->rows[idx[k]], t0, phi[c->rows[idx[k]].fam]);
		for (int k = 0; k < n; k++) {
			int m = 0;
			for (int j = 0; j < n; j++)
				if (j != k)
					others[m++] = scratch[j];
			const struct cal_row *r = &c->rows[idx[k]];
			double e = median(others, m);
			sum += fabs(log(decode_tps(r, e, t0, phi[r->fam]) / r->tg));
		}
	}
	return sum;
}

static void fit_release(struct cal_fit *f)
{
	free(f->grp);
	free(f->member);
	free(f->fitted);
	memset(f, 0, sizeof *f);
}

/* Group and class medians of kind (decode/prefill) over rows passing
 * 'keep' (NULL: every member). */
static void medians(const struct kolm_calib *c, struct cal_fit *f, int kind, const int *keep, double *buf)
{
	for (int g = 0; g < f->n_grp; g++) {
		struct cal_grp *gr = &f->grp[g];
		int n = 0;
		for (int i = 0; i < c->n_rows; i++) {
			const struct cal_row *r = &c->rows[i];
			if (f->member[i] != g || (kind ? !(r->pp > 0) : !(r->tg > 0)) || (keep && !keep[i]))
				continue;
			buf[n++] = kind ? implied_eta_pp(f, r) : implied_eta(r, f->cls[gr->cls].t0, f->phi[r->fam]);
		}
		gr->n[kind] = n;
		gr->eta[kind] = n ? median(buf, n) : NAN;
	}
	for (int ci = 0; ci < f->n_cls; ci++) {
		struct cal_cls *cl = &f->cls[ci];
		int n = 0, rows = 0;
		for (int g = 0; g < f->n_grp; g++)
			if (f->grp[g].cls == ci && f->grp[g].n[kind] > 0 && !f->grp[g].user) {
				buf[n++] = f->grp[g].eta[kind];
				rows += f->grp[g].n[kind];
			}
		cl->n_dev[kind] = n;
		cl->n_rows[kind] = rows;
		cl->eta[kind] = n ? median(buf, n) : NAN;
	}
}

static double row_eta(const struct cal_fit *f, const struct cal_row *r, int g, int kind)
{
	return kind ? implied_eta_pp(f, r) : implied_eta(r, f->cls[f->grp[g].cls].t0, f->phi[r->fam]);
}

/* A row's relative error when forecast at efficiency eta in class ci. */
static double row_err(const struct cal_fit *f, const struct cal_row *r, int ci, int kind, double eta)
{
	double p = kind ? prefill_tps(eta, f->psi[r->unit], r->flops, r->N) : decode_tps(r, eta, f->cls[ci].t0, f->phi[r->fam]);
	return fabs(p / (kind ? r->pp : r->tg) - 1);
}

/* A group's rows with a figure of this kind (at most 256) into idx, their
 * implied efficiencies into e; returns how many. */
static int group_rows(const struct kolm_calib *c, const struct cal_fit *f, int g, int kind, int *idx, double *e)
{
	int n = 0;
	for (int i = 0; i < c->n_rows && n < 256; i++)
		if (f->member[i] == g && (kind ? c->rows[i].pp > 0 : c->rows[i].tg > 0)) {
			e[n] = row_eta(f, &c->rows[i], g, kind);
			idx[n++] = i;
		}
	return n;
}

/* Each of n rows forecast at the median efficiency of the others (by_source:
 * of the others from another source), its error appended to out; returns
 * how many.  buf: n doubles of scratch. */
static int held_out_errors(const struct kolm_calib *c, const struct cal_fit *f, int ci, int kind, const int *idx,
			   const double *e, int n, int by_source, double *buf, double *out)
{
	int m_out = 0;
	for (int k = 0; n >= 2 && k < n; k++) {
		const struct cal_row *r = &c->rows[idx[k]];
		int m = 0;
		for (int j = 0; j < n; j++)
			if (j != k && !(by_source && !strcmp(c->rows[idx[j]].skey, r->skey)))
				buf[m++] = e[j];
		if (m)
			out[m_out++] = row_err(f, r, ci, kind, median(buf, m));
	}
	return m_out;
}

/* Held-out spreads per class: a device's rows predicting each other
 * (s_dev) and the other devices predicting a device (s_cls). */
static void spreads(const struct kolm_calib *c, struct cal_fit *f, int kind, double *buf, double *res)
{
	enum { MAX_PAIRS = 1 << 16 };
	double *rp = malloc(sizeof *rp * MAX_PAIRS); /* NULL: no one-row spread, s_dev stands */
	for (int ci = 0; ci < f->n_cls; ci++) {
		int nd = 0, nc = 0, np = 0;
		double *rd = res, *rc = res + c->n_rows;
		for (int g = 0; g < f->n_grp; g++) {
			if (f->grp[g].cls != ci)
				continue;
			int idx[256];
			double e_all[256];
			int n = group_rows(c, f, g, kind, idx, e_all);
			/* the device's rows from other sources predict it, as a
			 * forecast from published rows predicts the user's */
			nd += held_out_errors(c, f, ci, kind, idx, e_all, n, 1, buf, rd + nd);
			/* and each of them alone, as one published row predicts */
			for (int k = 0; rp && k < n; k++)
				for (int j = 0; j < n && np < MAX_PAIRS; j++)
					if (j != k && strcmp(c->rows[idx[j]].skey, c->rows[idx[k]].skey))
						rp[np++] = row_err(f, &c->rows[idx[k]], ci, kind, e_all[j]);
			/* the class without this device */
			int m = 0;
			for (int h = 0; h < f->n_grp; h++)
				if (h != g && f->grp[h].cls == ci && f->grp[h].n_all[kind] > 0 && !f->grp[h].user) {
					double v = f->grp[h].eta[kind];
					if (isfinite(v))
						buf[m++] = v;
				}
			if (!m)
				continue;
			double e = median(buf, m);
			for (int k = 0; k < n; k++)
				rc[nc++] = row_err(f, &c->rows[idx[k]], ci, kind, e);
		}
		/* too few held-out errors set no narrower than the default (a
		 * single pair at +5% once set a class's ranges to +-10%) */
		f->cls[ci].s_dev[kind] = kolm_calib_conformal(rd, nd, SPREAD_Q, S_OWN_DEFAULT);
		f->cls[ci].s_cls[kind] = kolm_calib_conformal(rc, nc, SPREAD_Q, S_MAX);
		f->cls[ci].s_dev1[kind] = kolm_calib_conformal(rp, np, SPREAD_Q, S_OWN_DEFAULT);
	}
	free(rp);
}

/* How many rows a device needs before its own efficiency outweighs its
 * class's: k = within-device variance / between-device variance of log
 * efficiency (the empirical-Bayes weight n / (n + k)), from the published
 * groups.  A device fitted on 1-2 rows is pulled toward its class as far as
 * the data says one row is less reliable than the class is uniform. */
static double shrink_strength(const struct kolm_calib *c, const struct cal_fit *f, int kind)
{
	double sw = 0, sb = 0, inv_n = 0;
	int dfw = 0, nb = 0;
	for (int g = 0; g < f->n_grp; g++) {
		const struct cal_grp *gr = &f->grp[g];
		double ce = f->cls[gr->cls].eta[kind];
		if (gr->user || !(gr->n[kind] > 0) || !isfinite(gr->eta[kind]) || !isfinite(ce) || !(ce > 0))
			continue;
		double sum = 0, sq = 0;
		int n = 0;
		for (int i = 0; i < c->n_rows; i++) {
			const struct cal_row *r = &c->rows[i];
			if (f->member[i] != g || !((kind ? r->pp : r->tg) > 0) || !(f->fitted[i] >> kind & 1))
				continue;
			double l = log(row_eta(f, r, g, kind));
			sum += l, sq += l * l, n++;
		}
		if (n >= 2) {
			sw += sq - sum * sum / n;
			dfw += n - 1;
		}
		if (f->cls[gr->cls].n_dev[kind] >= 2) {
			double d = log(gr->eta[kind] / ce);
			sb += d * d;
			inv_n += 1.0 / gr->n[kind];
			nb++;
		}
	}
	if (dfw < 2 || nb < 2)
		return 1.0;
	double vw = sw / dfw, vb = sb / nb - vw * inv_n / nb;
	if (!(vb > 1e-4))
		vb = 1e-4;
	return vw / vb;
}

/* The median over devices of the ratio of their median prefill efficiency
 * on unit u to that on unit v (raw, of each unit's peak); 0 when no device
 * has rows of both. */
static double unit_ratio(const struct kolm_calib *c, const struct cal_fit *f, int u, int v, double *a, double *b,
			 double *ratios)
{
	int nr = 0;
	for (int g = 0; g < f->n_grp; g++) {
		int na = 0, nb = 0;
		for (int i = 0; i < c->n_rows; i++) {
			const struct cal_row *r = &c->rows[i];
			if (f->member[i] != g || f->grp[g].user || !(r->pp > 0))
				continue;
			if (r->unit == u)
				a[na++] = r->pp * 2.0 * r->N / r->flops;
			else if (r->unit == v)
				b[nb++] = r->pp * 2.0 * r->N / r->flops;
		}
		if (na && nb)
			ratios[nr++] = median(a, na) / median(b, nb);
	}
	return nr ? median(ratios, nr) : 0;
}

/* psi: the efficiency prefill reaches on a unit relative to int8 on the
 * same device.  fp16/bf16 tensor: the ratio of their rows to int8 rows; 2
 * where no device has both (the int8 peak is twice the fp16 one on every
 * NVIDIA part in data/, and llama.cpp's int8 MMQ replaced cuBLAS fp16 at
 * about its throughput, PR #7676).  Dequantized fp16 (quantized formats
 * before MMQ): fp16's psi times its rows' ratio to F16 rows on the same
 * device (the dequantization pass costs what it writes and reads), 1 where
 * none.  FMA and int8 are 1. */
static void fit_psi(const struct kolm_calib *c, struct cal_fit *f, double *a, double *b, double *ratios)
{
	for (int u = 0; u < KOLM_UNIT_N; u++)
		f->psi[u] = u == KOLM_UNIT_F16T || u == KOLM_UNIT_BF16T ? 2.0 : 1.0;
	for (int u = KOLM_UNIT_F16T; u <= KOLM_UNIT_BF16T; u++) {
		double r = unit_ratio(c, f, u, KOLM_UNIT_INT8, a, b, ratios);
		if (r > 0)
			f->psi[u] = r;
	}
	double r = unit_ratio(c, f, KOLM_UNIT_DQ16, KOLM_UNIT_F16T, a, b, ratios);
	f->psi[KOLM_UNIT_DQ16] = f->psi[KOLM_UNIT_F16T] * (r > 0 ? r : 1);
	/* an ARM CPU's prompt of a format that build had not repacked: the pull
	 * requests that added the repacked kernels measured them against the
	 * kernels before, same build, same Pi 5 (pp512): #19356 Q5_K 1.86/1.91x,
	 * #19360 Q6_K 2.60/2.65x, median 2.25.  Not fitted on the rows: between
	 * builds, the kernel is not the only thing that changed */
	f->psi[KOLM_UNIT_INT8_NOREPACK] = 1 / 2.25;
}

/* Fit on every row whose source key is not 'skip' (NULL: every row). */
static int fit_run(const struct kolm_calib *c, const char *skip, struct cal_fit *f)
{
	memset(f, 0, sizeof *f);
	int n = c->n_rows;
	f->member = malloc(sizeof *f->member * (size_t)(n ? n : 1));
	f->fitted = malloc(sizeof *f->fitted * (size_t)(n ? n : 1));
	f->grp = calloc((size_t)(n ? n : 1), sizeof *f->grp);
	double *buf = malloc(sizeof *buf * (size_t)(n + 1) * 4);
	if (!f->member || !f->fitted || !f->grp || !buf) {
		free(buf);
		fit_release(f);
		return KOLM_E_NOMEM;
	}
	double *scratch = buf + n + 1, *res = buf + 2 * (n + 1);
	for (int k = 0; k < FAM_N; k++)
		f->phi[k] = 1.0;
	/* groups: device x runtime; the user's rows outrank published ones */
	for (int i = 0; i < n; i++) {
		const struct cal_row *r = &c->rows[i];
		f->member[i] = -1;
		f->fitted[i] = 3; /* bit 0 decode, bit 1 prefill */
		if (skip && !strcmp(r->skey, skip))
			continue;
		int ci = cls_index(f, r->klass);
		if (ci < 0) {
			if (f->n_cls == MAX_CLASS)
				continue;
			ci = f->n_cls++;
			kolm_strlcpy(f->cls[ci].name, r->klass, sizeof f->cls[ci].name);
		}
		/* the user's rows form their own group beside the published one */
		int g;
		for (g = 0; g < f->n_grp; g++) {
			const struct cal_row *o = &c->rows[f->grp[g].row];
			if (!strcmp(o->hw, r->hw) && !strcmp(o->runtime, r->runtime) && f->grp[g].user == r->user)
				break;
		}
		if (g == f->n_grp) {
			f->grp[g].row = i;
			f->grp[g].cls = ci;
			f->grp[g].user = r->user;
			f->n_grp++;
		}
		f->member[i] = g;
	}
	for (int g = 0; g < f->n_grp; g++)
		for (int i = 0; i < n; i++)
			if (f->member[i] == g) {
				f->grp[g].n_all[0] += c->rows[i].tg > 0;
				f->grp[g].n_all[1] += c->rows[i].pp > 0;
			}
	/* t0 per class and phi per family: grid search on within-device contrasts */
	for (int it = 0; it < 3; it++) {
		for (int ci = 0; ci < f->n_cls; ci++) {
			double best = INFINITY, bt = 0;
			for (int k = 0; k <= 24; k++) {
				double e = contrast_error(c, f, ci, k * 0.5, f->phi, scratch, res);
				if (e < best - 1e-9)
					best = e, bt = k * 0.5;
			}
			f->cls[ci].t0 = bt;
		}
		static const int tuned[] = {FAM_FLOAT, FAM_Q8, FAM_LEGACY, FAM_IQ, FAM_MLXQ};
		for (size_t t = 0; t < sizeof tuned / sizeof tuned[0]; t++) {
			int fam = tuned[t];
			double best = INFINITY, bp = 1.0, keep = f->phi[fam];
			for (int k = 0; k <= 9; k++) {
				double p = 0.6 + 0.1 * k;
				f->phi[fam] = p;
				double e = 0;
				for (int ci = 0; ci < f->n_cls; ci++)
					e += contrast_error(c, f, ci, f->cls[ci].t0, f->phi, scratch, res);
				if (e < best - 1e-9 || (fabs(e - best) <= 1e-9 && fabs(p - 1) < fabs(bp - 1)))
					best = e, bp = p;
			}
			f->phi[fam] = isfinite(best) ? bp : keep;
		}
	}
	int *keep = malloc(sizeof *keep * (size_t)(n ? n : 1));
	if (!keep) {
		free(buf);
		fit_release(f);
		return KOLM_E_NOMEM;
	}
	fit_psi(c, f, buf, scratch, res);
	for (int kind = 0; kind < 2; kind++) {
		medians(c, f, kind, NULL, buf);
		spreads(c, f, kind, buf, res);
		/* another power mode, thermal state or a harness: score, do not fit */
		for (int i = 0; i < n; i++) {
			int g = f->member[i];
			const struct cal_row *r = &c->rows[i];
			keep[i] = 1;
			if (g < 0 || f->grp[g].user || !((kind ? r->pp : r->tg) > 0))
				continue;
			const struct cal_cls *cl = &f->cls[f->grp[g].cls];
			double e = kind ? implied_eta_pp(f, r) : implied_eta(r, cl->t0, f->phi[r->fam]);
			if (isfinite(cl->eta[kind]) && e < cl->eta[kind] / OUTLIER_RATIO)
				keep[i] = 0;
		}
		medians(c, f, kind, keep, buf);
		for (int i = 0; i < n; i++)
			if (!keep[i])
				f->fitted[i] &= ~(1 << kind);
	}
	free(keep);
	for (int kind = 0; kind < 2; kind++)
		f->shrink_k[kind] = shrink_strength(c, f, kind);
	/* the user's own spread: each of their rows predicted by the median of
	 * their others (held out, as the class spreads are) */
	for (int g = 0; g < f->n_grp; g++) {
		f->grp[g].s_own[0] = f->grp[g].s_own[1] = -1;
		if (!f->grp[g].user)
			continue;
		const struct cal_cls *gc = &f->cls[f->grp[g].cls];
		for (int kind = 0; kind < 2; kind++) {
			int idx[256];
			int nr = group_rows(c, f, g, kind, idx, scratch);
			int m = held_out_errors(c, f, f->grp[g].cls, kind, idx, scratch, nr, 0, buf, res);
			/* too few: no narrower than the class's spread or any of theirs */
			f->grp[g].s_own[kind] =
			    kolm_calib_conformal(res, m, SPREAD_Q, gc->s_dev[kind] >= 0 ? gc->s_dev[kind] : S_OWN_DEFAULT);
		}
	}
	free(buf);
	return KOLM_OK;
}

/* ---- prediction ------------------------------------------------------- */

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static const char *short_name(const char *s, char *buf, size_t cap)
{
	kolm_strlcpy(buf, s, cap);
	return buf;
}

static int predict_fit(const struct kolm_calib *c, const struct cal_fit *f, const struct kolm_calib_query *q, int kind,
		       struct kolm_calib_pred *out)
{
	memset(out, 0, sizeof *out);
	if (!(q->bw > 0) || !(q->bytes_per_token > 0) || (kind && (!(q->flops > 0) || !(q->prompt_params > 0))))
		return -1;
	int ci = cls_index(f, q->klass ? q->klass : "");
	/* the device's own rows of comparable size: the user's, else published */
	int g = -1, ng = 0;
	double geta = NAN;
	const char *hw = q->hw ? q->hw : q->device ? q->device : "";
	const char *variant = NULL; /* another memory size among the rows fitted */
	for (int user = 1; user >= 0 && g < 0; user--)
		for (int k = 0; k < f->n_grp && g < 0; k++) {
			const struct cal_row *o = &c->rows[f->grp[k].row];
			if (f->grp[k].user != user || strcmp(o->hw, hw) ||
			    strcmp(o->runtime, q->runtime ? q->runtime : ""))
				continue;
			int n = 0, other = 0;
			double v[256];
			for (int i = 0; i < c->n_rows && n < 256; i++) {
				const struct cal_row *r = &c->rows[i];
				if (f->member[i] != k || !((kind ? r->pp : r->tg) > 0) || !(f->fitted[i] >> kind & 1))
					continue;
				if (!comparable(r->B, q->bytes_per_token)) {
					other++;
					continue;
				}
				v[n++] = kind ? implied_eta_pp(f, r) : implied_eta(r, f->cls[f->grp[k].cls].t0, f->phi[r->fam]);
				if (q->device && strcmp(r->device, q->device))
					variant = r->device;
			}
			out->other_size += other;
			if (n)
				g = k, ng = n, geta = median(v, n);
		}
	json_t *rt = kolm_json_find_id(json_object_get(c->rts, "runtimes"), q->runtime);
	double t0 = ci >= 0 ? f->cls[ci].t0 : kolm_json_num(rt, "t0_ms", 1.5);
	int cu = ci;
	double eta, s;
	char why[400], nb[48];
	if (g >= 0) {
		const struct cal_grp *gr = &f->grp[g];
		eta = geta;
		double ce = f->cls[gr->cls].eta[kind];
		char pull[96] = "";
		if (isfinite(ce) && ce > 0 && geta > 0) {
			/* toward the class by data count (shrink_strength) */
			double w = ng / (ng + f->shrink_k[kind]);
			eta = exp(w * log(geta) + (1 - w) * log(ce));
			snprintf(pull, sizeof pull, " (their %.2f weighted %.0f%% against the %s class's %.2f)", geta,
				 w * 100, f->cls[gr->cls].name, ce);
		}
		out->rows = ng;
		out->level = gr->user ? KOLM_CALIB_LEVEL_USER : KOLM_CALIB_LEVEL_DEVICE;
		/* one or two rows carry their source's harness and version whole:
		 * they predict as far apart as single rows of two sources do */
		const struct cal_cls *gc = &f->cls[gr->cls];
		double sd = gr->s_own[kind] >= 0 && ng >= 3 ? gr->s_own[kind]
			    : ng < 3 && gc->s_dev1[kind] > gc->s_dev[kind] ? gc->s_dev1[kind]
								    : gc->s_dev[kind];
		s = clampd(sd >= 0 ? sd : S_OWN_DEFAULT, S_MIN, S_MAX_OWN);
		char also[96] = "";
		if (variant)
			snprintf(also, sizeof also, " and %.40s (the same chip and memory bus)", variant);
		snprintf(why, sizeof why, "fitted on %d %s measurement%s of %s%s on %s%s", ng,
			 gr->user ? "of your own" : "published", ng == 1 ? "" : "s", short_name(q->device, nb, sizeof nb),
			 also, q->runtime, pull);
		for (int i = 0; i < c->n_rows; i++)
			if (f->member[i] == g && !(f->fitted[i] >> kind & 1) && comparable(c->rows[i].B, q->bytes_per_token))
				out->excluded++;
	} else {
		if (ci < 0 || !(f->cls[ci].n_dev[kind] > 0)) {
			/* the sibling CPU class, else the runtime default */
			const char *sib = !q->klass ? NULL : !strcmp(q->klass, "cpu-x86") ? "cpu-arm" : !strcmp(q->klass, "cpu-arm") ? "cpu-x86" : NULL;
			cu = sib ? cls_index(f, sib) : -1;
			if (cu >= 0 && !(f->cls[cu].n_dev[kind] > 0))
				cu = -1;
		}
		if (cu >= 0) {
			const struct cal_cls *cl = &f->cls[cu];
			eta = cl->eta[kind];
			if (cu != ci)
				t0 = cl->t0;
			out->rows = cl->n_rows[kind];
			out->level = KOLM_CALIB_LEVEL_CLASS;
			/* the sibling CPU class's spread says nothing of this class's */
			s = cu != ci ? S_MAX : clampd(cl->s_cls[kind] >= 0 ? cl->s_cls[kind] : S_MAX, S_MIN, S_MAX);
			snprintf(why, sizeof why, "%s class: median of %d device%s (%d measurements); none for %s",
				 cl->name, cl->n_dev[kind], cl->n_dev[kind] == 1 ? "" : "s", cl->n_rows[kind],
				 short_name(q->device && *q->device ? q->device : "this device", nb, sizeof nb));
		} else {
			eta = kolm_json_num(rt, kind ? "eta_pp" : "eta", kind ? 0.3 : 0.5);
			out->rows = 0;
			out->level = KOLM_CALIB_LEVEL_DEFAULT;
			s = S_MAX;
			snprintf(why, sizeof why, "class default for %s (data/runtimes.json); no measurements in the class",
				 q->klass ? q->klass : "?");
		}
	}
	if (!isfinite(eta) || !(eta > 0))
		return -1;
	double phi = 1.0;
	if (kind == KOLM_CALIB_DECODE) {
		phi = f->phi[kolm_calib_fam(q->format ? q->format : "")];
		double e = eta > 1 ? 1 : eta;
		out->bw_eff = e * phi * q->bw;
		out->mid = 1.0 / (q->bytes_per_token / out->bw_eff + t0 * q->n_layer / 32.0 / 1e3);
		snprintf(out->basis, sizeof out->basis,
			 "%.260s: eta %.2f x %s factor %.2f of %.0f GB/s + %.1f ms/token per 32 layers; range +-%.0f%%", why, e,
			 fam_names[kolm_calib_fam(q->format ? q->format : "")], phi, q->bw / 1e9, t0, s * 100);
	} else {
		int un = q->unit >= 0 && q->unit < KOLM_UNIT_N ? q->unit : KOLM_UNIT_FMA;
		double psi = f->psi[un], e = eta * psi > 1 ? 1 : eta * psi;
		char scale[64] = "";
		if (psi != 1)
			snprintf(scale, sizeof scale, " (%.2f x this unit's factor %.2f over int8)", eta, psi);
		out->mid = prefill_tps(eta, psi, q->flops, q->prompt_params);
		snprintf(out->basis, sizeof out->basis, "%.260s: eta %.2f%s of %.1f %s / FLOPs per prompt token; range +-%.0f%%",
			 why, e, scale, q->flops / 1e12, kolm_calib_unit_name(un), s * 100);
	}
	out->s = s;
	out->low = out->mid * (1 - s);
	out->high = out->mid * (1 + s);
	return 0;
}

/* Decode never runs faster than the same unit's batched prefill. */
static int predict_both(const struct kolm_calib *c, const struct cal_fit *f, const struct kolm_calib_query *q, int kind,
			struct kolm_calib_pred *out)
{
	int rc = predict_fit(c, f, q, kind, out);
	if (rc)
		return rc;
	if (kind == KOLM_CALIB_PREFILL) {
		/* An ARM CPU's repacked GEMM (ggml-cpu/repack.cpp) takes 4 prompt
		 * rows (block_q8_0x4, block_q8_Kx4) past every weight per pass:
		 * the prompt's matrices stream once per 4 tokens, at the bandwidth
		 * the device's decode reaches.  On a Pi 5 that, not int8
		 * compute, sets pp512 (docs/ACCURACY.md) */
		struct kolm_calib_pred dec;
		if (q->unit != KOLM_UNIT_INT8 || !q->klass || strcmp(q->klass, "cpu-arm") || !(q->stream_bytes > 0) ||
		    predict_fit(c, f, q, KOLM_CALIB_DECODE, &dec) || !(dec.bw_eff > 0))
			return 0;
		double cap = GEMM_ROWS * dec.bw_eff / q->stream_bytes;
		if (cap < out->mid) {
			out->mid = cap;
			out->low = cap * (1 - out->s);
			out->high = cap * (1 + out->s);
			out->capped = 1;
			size_t l = strlen(out->basis);
			snprintf(out->basis + l, sizeof out->basis - l,
				 "; bandwidth-bound: %d prompt tokens per pass over %.2f GB at decode's %.1f GB/s", GEMM_ROWS,
				 q->stream_bytes / 1e9, dec.bw_eff / 1e9);
		}
		return 0;
	}
	struct kolm_calib_pred pp;
	if (predict_fit(c, f, q, KOLM_CALIB_PREFILL, &pp) == 0 && pp.mid < out->mid) {
		out->mid = pp.mid;
		out->low = out->mid * (1 - out->s);
		out->high = out->mid * (1 + out->s);
		out->capped = 1;
		size_t l = strlen(out->basis);
		snprintf(out->basis + l, sizeof out->basis - l, "; compute-bound: capped at the prefill rate");
	}
	return 0;
}

int kolm_calib_predict(const struct kolm_calib *c, const struct kolm_calib_query *q, int kind,
		       struct kolm_calib_pred *out)
{
	return predict_both(c, &c->fit, q, kind, out);
}

/* ---- lifecycle -------------------------------------------------------- */

/* (a cache slot's free function: void *) */
static void calib_free(void *p)
{
	struct kolm_calib *c = p;
	if (!c)
		return;
	fit_release(&c->fit);
	free(c->rows);
	free(c);
}

static int calib_build(struct kolm_ctx *ctx, struct kolm_calib **out, struct kolm_err *err)
{
	struct kolm_calib *c = calloc(1, sizeof *c);
	if (!c)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc;
	c->rts = kolm_ctx_json(ctx, "data/runtimes.json", err);
	if (!c->rts) {
		rc = err ? err->code : KOLM_E_IO;
		goto out;
	}
	rc = kolm_calib_load_rows(c, ctx, err);
	if (rc)
		goto out;
	rc = fit_run(c, NULL, &c->fit);
	if (rc)
		kolm_err_set(err, rc, "out of memory");
out:
	if (rc) {
		calib_free(c);
		return rc;
	}
	*out = c;
	return KOLM_OK;
}

/* The context's cache slot for its speed model: this object's address. */
static const char calib_slot = 0;

const struct kolm_calib *kolm_calib_get(struct kolm_ctx *ctx, struct kolm_err *err)
{
	struct kolm_calib *c = kolm_ctx_cached(ctx, &calib_slot);
	if (c)
		return c;
	if (calib_build(ctx, &c, err) || kolm_ctx_cache(ctx, &calib_slot, c, calib_free, err))
		return NULL;
	return c;
}

int kolm_calib_user_rows(const struct kolm_calib *c, int *skipped, const char **why)
{
	if (skipped)
		*skipped = c ? c->n_user_skipped : 0;
	if (why)
		*why = c && c->user_why[0] ? c->user_why : NULL;
	return c ? c->n_user : 0;
}

static double row_size_distance(const struct cal_row *r, const char *base, const char *format)
{
	return (strcmp(r->base, base) ? 2 : 0) + (strcmp(r->format, format) ? 1 : 0);
}

int kolm_calib_quote(const struct kolm_calib *c, const char *device, const char *hw, const char *runtime,
		     const char *base, const char *format, double bytes_per_token, char *out, size_t cap)
{
	int best = -1;
	double bd = INFINITY;
	for (int i = 0; c && i < c->n_rows; i++) {
		const struct cal_row *r = &c->rows[i];
		if (!(r->tg > 0) || strcmp(r->hw, hw ? hw : device) || strcmp(r->runtime, runtime) || c->fit.member[i] < 0 ||
		    !(c->fit.fitted[i] & 1) || !comparable(r->B, bytes_per_token))
			continue;
		/* the device's own row before a memory variant's, a sound one before a weak one */
		double d = row_size_distance(r, base ? base : "", format ? format : "") + (r->weak ? 0.5 : 0) +
			   (strcmp(r->device, device) ? 0.25 : 0);
		if (d < bd)
			bd = d, best = i;
	}
	if (best < 0)
		return -1;
	const struct cal_row *r = &c->rows[best];
	int other = strcmp(r->device, device) != 0; /* a memory variant's row */
	snprintf(out, cap, "%s%s%s %s measured at %.3g tok/s (%s%s)", other ? r->device : "", other ? " " : "", r->base,
		 r->format, r->tg, r->source, r->weak ? "; weak row" : "");
	return 0;
}

/* ---- leave-one-source-out report -------------------------------------- */

/* A row that disagrees wildly with its class: its implied efficiency more
 * than OUTLIER_RATIO from the class median of the fit on every row.  It is
 * kept (a published one is scored, a user's one informs picks of its size)
 * and the report names it.  Returns 1 and fills why. */
static int row_flag(const struct kolm_calib *c, int i, char *why, size_t cap)
{
	const struct cal_fit *f = &c->fit;
	const struct cal_row *r = &c->rows[i];
	int ci = cls_index(f, r->klass);
	if (ci < 0)
		return 0;
	static const char *const what[2] = {"decode", "prefill"};
	for (int kind = 0; kind < 2; kind++) {
		double cl = f->cls[ci].eta[kind];
		if (!((kind ? r->pp : r->tg) > 0) || !isfinite(cl) || !(cl > 0))
			continue;
		double e = kind ? implied_eta_pp(f, r) : implied_eta(r, f->cls[ci].t0, f->phi[r->fam]);
		double ratio = e > cl ? e / cl : cl / e;
		if (!(ratio > OUTLIER_RATIO))
			continue;
		snprintf(why, cap, "%s efficiency %.3g is %.0fx %s the %s class's %.3g", what[kind], e, ratio,
			 e < cl ? "below" : "above", r->klass, cl);
		return 1;
	}
	return 0;
}

struct score {
	int n, inside, w25, own;
	double *err, *hw;
	double max_hw, max_hw_own;
};

static void score_add(struct score *s, double pred, double meas, double hw, int inside, int own)
{
	double e = fabs(pred / meas - 1);
	s->hw[s->n] = hw;
	s->err[s->n++] = e;
	s->w25 += e <= 0.25;
	s->inside += inside;
	if (hw > s->max_hw)
		s->max_hw = hw;
	if (own) {
		s->own++;
		if (hw > s->max_hw_own)
			s->max_hw_own = hw;
	}
}

static json_t *score_json(struct score *s)
{
	double med = s->n ? median(s->err, s->n) : 0, mhw = s->n ? median(s->hw, s->n) : 0;
	return json_pack("{s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:i}", "rows", s->n, "median_abs_pct_err", round(med * 1000) / 10,
			 "median_half_width_pct", round(mhw * 1000) / 10,
			 "within_25_pct", s->n ? round(1000.0 * s->w25 / s->n) / 10 : 0.0, "inside_range",
			 s->n ? round(1000.0 * s->inside / s->n) / 10 : 0.0, "max_half_width_pct",
			 round(s->max_hw * 1000) / 10, "max_half_width_own_rows_pct", round(s->max_hw_own * 1000) / 10,
			 "own_rows_level", s->own);
}

static const char *level_name(int l)
{
	static const char *const n[] = {"user", "device", "class", "default"};
	return l >= 0 && l <= 3 ? n[l] : "?";
}

static json_t *model_json(const struct cal_fit *f)
{
	json_t *cls = json_array();
	for (int i = 0; i < f->n_cls; i++) {
		const struct cal_cls *cl = &f->cls[i];
		json_array_append_new(
			cls, json_pack("{s:s,s:f,s:f,s:i,s:i,s:f,s:f,s:f,s:i,s:f,s:f}", "class", cl->name, "t0_ms_per_32_layers",
				       cl->t0, "eta", isfinite(cl->eta[0]) ? round(cl->eta[0] * 1000) / 1000 : 0.0, "devices",
				       cl->n_dev[0], "rows", cl->n_rows[0], "spread_own_rows",
				       cl->s_dev[0] >= 0 ? round(cl->s_dev[0] * 1000) / 1000 : -1.0, "spread_class",
				       cl->s_cls[0] >= 0 ? round(cl->s_cls[0] * 1000) / 1000 : -1.0, "eta_prefill",
				       isfinite(cl->eta[1]) ? round(cl->eta[1] * 1000) / 1000 : 0.0, "prefill_devices",
				       cl->n_dev[1], "spread_prefill_own_rows",
				       cl->s_dev[1] >= 0 ? round(cl->s_dev[1] * 1000) / 1000 : -1.0, "spread_prefill_class",
				       cl->s_cls[1] >= 0 ? round(cl->s_cls[1] * 1000) / 1000 : -1.0));
	}
	json_t *phi = json_object();
	for (int k = 0; k < FAM_N; k++)
		json_object_set_new(phi, fam_names[k], json_real(round(f->phi[k] * 100) / 100));
	json_t *psi = json_object();
	for (int u = 0; u < KOLM_UNIT_N; u++)
		json_object_set_new(psi, kolm_calib_unit_name(u), json_real(round(f->psi[u] * 100) / 100));
	return json_pack("{s:o,s:o,s:o,s:f,s:f,s:f,s:f}", "classes", cls, "format_factor", phi, "prefill_unit_factor", psi,
			 "outlier_ratio", OUTLIER_RATIO,
			 "size_ratio", SIZE_RATIO, "prior_rows_decode", round(f->shrink_k[0] * 100) / 100,
			 "prior_rows_prefill", round(f->shrink_k[1] * 100) / 100);
}

int kolm_calib_report(struct kolm_ctx *ctx, json_t **out, struct kolm_err *err)
{
	const struct kolm_calib *c = kolm_calib_get(ctx, err);
	if (!c)
		return err ? err->code : KOLM_E_IO;
	int n = c->n_rows;
	/* sources in first-seen order */
	int *src_of = malloc(sizeof *src_of * (size_t)(n ? n : 1));
	double *errs = malloc(sizeof *errs * (size_t)(n ? n : 1) * 4 * (MAX_CLASS + 1));
	if (!src_of || !errs) {
		free(src_of);
		free(errs);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	int n_src = 0;
	for (int i = 0; i < n; i++) {
		src_of[i] = -1;
		for (int j = 0; j < i; j++)
			if (!strcmp(c->rows[j].skey, c->rows[i].skey)) {
				src_of[i] = src_of[j];
				break;
			}
		if (src_of[i] < 0)
			src_of[i] = n_src++;
	}
	/* scores: [kind][0 = overall, 1 + class index] */
	struct score sc[2][MAX_CLASS + 1];
	memset(sc, 0, sizeof sc);
	for (int k = 0; k < 2; k++)
		for (int j = 0; j <= MAX_CLASS; j++)
			sc[k][j].err = errs + (size_t)n * (size_t)(k * (MAX_CLASS + 1) + j),
			sc[k][j].hw = errs + (size_t)n * (size_t)((2 + k) * (MAX_CLASS + 1) + j);
	char cls_names[MAX_CLASS][16];
	int n_cls = 0, n_flag = 0;
	json_t *rows = json_array();
	struct kolm_calib_pred *pd = calloc((size_t)(n ? n : 1) * 2, sizeof *pd);
	int *done = calloc((size_t)(n ? n : 1) * 2, sizeof *done);
	int rc = KOLM_OK;
	if (!pd || !done) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	for (int s = 0; s < n_src; s++) {
		int first = -1;
		for (int i = 0; i < n && first < 0; i++)
			if (src_of[i] == s)
				first = i;
		struct cal_fit f;
		if (fit_run(c, c->rows[first].skey, &f)) {
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (src_of[i] != s)
				continue;
			const struct cal_row *r = &c->rows[i];
			struct kolm_calib_query q = {r->device, r->runtime, r->klass, r->format, r->B,  r->N,
							    r->bw,     r->flops,   r->L,      r->unit,   r->hw, r->S};
			for (int kind = 0; kind < 2; kind++)
				if ((kind ? r->pp : r->tg) > 0 && predict_both(c, &f, &q, kind, &pd[2 * i + kind]) == 0)
					done[2 * i + kind] = 1;
		}
		fit_release(&f);
	}
	for (int i = 0; i < n; i++) {
		const struct cal_row *r = &c->rows[i];
		int ci;
		for (ci = 0; ci < n_cls; ci++)
			if (!strcmp(cls_names[ci], r->klass))
				break;
		if (ci == n_cls && n_cls < MAX_CLASS)
			kolm_strlcpy(cls_names[n_cls++], r->klass, sizeof cls_names[0]);
		json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "device", r->device, "runtime", r->runtime,
					"class", r->klass, "base", r->base, "format", r->format, "source", r->skey, "weak",
					r->weak, "user", r->user);
		char why[160];
		if (row_flag(c, i, why, sizeof why)) {
			json_object_set_new(row, "flag", json_string(why));
			n_flag++;
		}
		for (int kind = 0; kind < 2; kind++) {
			double meas = kind ? r->pp : r->tg;
			if (!(meas > 0))
				continue;
			json_t *o;
			if (done[2 * i + kind]) {
				const struct kolm_calib_pred *p = &pd[2 * i + kind];
				int inside = meas >= p->low && meas <= p->high;
				int own = p->level == KOLM_CALIB_LEVEL_DEVICE || p->level == KOLM_CALIB_LEVEL_USER;
				score_add(&sc[kind][0], p->mid, meas, p->s, inside, own);
				if (ci < MAX_CLASS)
					score_add(&sc[kind][1 + ci], p->mid, meas, p->s, inside, own);
				o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:b,s:s,s:i}", "measured", meas, "low", p->low, "mid", p->mid,
					      "high", p->high, "error_pct", round((p->mid / meas - 1) * 1000) / 10, "inside",
					      inside, "level", level_name(p->level), "rows", p->rows);
			} else {
				/* scored as a miss: no forecast could be made */
				score_add(&sc[kind][0], 0, meas, 1, 0, 0);
				if (ci < MAX_CLASS)
					score_add(&sc[kind][1 + ci], 0, meas, 1, 0, 0);
				o = json_pack("{s:f,s:n}", "measured", meas, "mid");
			}
			json_object_set_new(row, kind ? "prefill" : "decode", o);
		}
		json_array_append_new(rows, row);
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "schema", json_string("kolm.calibration/1"));
	json_object_set_new(doc, "method", json_string(
		"leave-one-source-out: for each source (the source text up to the first space or '#'), the model is "
		"refitted without its rows and forecasts them; every row is scored"));
	json_object_set_new(doc, "rows", json_integer(n));
	json_object_set_new(doc, "sources", json_integer(n_src));
	json_object_set_new(doc, "user_rows", json_integer(c->n_user));
	json_object_set_new(doc, "flagged_rows", json_integer(n_flag));
	for (int kind = 0; kind < 2; kind++) {
		json_t *k = json_object(), *cl = json_array();
		json_object_set_new(k, "overall", score_json(&sc[kind][0]));
		for (int ci = 0; ci < n_cls; ci++) {
			if (!sc[kind][1 + ci].n)
				continue;
			json_t *e = score_json(&sc[kind][1 + ci]);
			json_object_set_new(e, "class", json_string(cls_names[ci]));
			json_array_append_new(cl, e);
		}
		json_object_set_new(k, "classes", cl);
		json_object_set_new(doc, kind ? "prefill" : "decode", k);
	}
	json_object_set_new(doc, "model", model_json(&c->fit));
	json_object_set_new(doc, "measurements", rows);
	rows = NULL;
	*out = doc;
out:
	json_decref(rows);
	free(pd);
	free(done);
	free(src_of);
	free(errs);
	return rc;
}
