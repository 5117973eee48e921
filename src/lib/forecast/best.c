/* best.c - pick for me (forecast.h): forecast every format of the device's
 * backend, or every catalog base at its own best format, and rank them by
 * the rule the result states.  Ranks read the published figures, the ones
 * the report shows beside the ranking. */
#include "kolm/forecast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/util.h"

/* Across bases a K-loss ceiling keeps "larger model" from meaning "a
 * large model crushed to 2 bits": the --max-k-loss gate, else the int3
 * anchor of data/quality.json (5 points). */
#define BEST_BASE_K_CEILING 5.0

static const char RULE_FORMATS[] =
	"candidates: every format of the backend; order: fit 'pass' and every gate met first, then "
	"least K-score loss, then faster decode; when none passes, one that fits (tight) before one that is "
	"over, then the smallest overshoot first: the sum, over every check it fails, of how far it misses "
	"relative to the limit (the fit: memory needed / 80% of usable - 1; --min-tps: limit / forecast - 1; "
	"the other gates: forecast / limit - 1)";
static const char RULE_BASES[] =
	"candidates: each base's best format; order: fit 'pass', every gate met and K-score loss <= "
	"--max-k-loss (default 5 points, the int3 anchor of data/quality.json) first, then the larger model "
	"(parameters), then least K-score loss, then faster decode";

struct cand {
	struct kolm_forecast f;
	struct kolm_best_row row;
	int order;                  /* position among the candidates: ties keep it */
	double overshoot;           /* how far its failed checks miss, summed (RULE_FORMATS) */
};

/* How far a gate's figure misses its limit, relative to the limit; 0 if met. */
static double gate_miss(const char *name, double value, double limit)
{
	if (!strcmp(name, "min_tps"))
		return value >= limit ? 0 : value > 0 ? limit / value - 1 : INFINITY;
	return value <= limit ? 0 : limit > 0 ? value / limit - 1 : INFINITY;
}

static void cand_fill(struct cand *c, int across_bases, const struct kolm_pick *p)
{
	const struct kolm_forecast *f = &c->f;
	kolm_strlcpy(c->row.id, across_bases ? f->source.id : f->format.fmt->id, sizeof c->row.id);
	c->row.verdict = f->fit.verdict;
	c->row.gates_pass = kolm_forecast_gates_pass(f);
	c->row.k_loss_points = f->k_loss.points;
	c->row.decode_tps_mid = f->decode.mid;
	c->row.params = f->source.params;
	/* the fit passes at 80% of usable memory */
	c->overshoot = f->fit.verdict == KOLM_FIT_PASS ? 0 : f->fit.ratio / 0.8 - 1;
	for (int i = 0; i < f->n_gates; i++)
		c->overshoot += gate_miss(f->gates[i].name, f->gates[i].value, f->gates[i].limit);
	if (!across_bases)
		return;
	double kmax = BEST_BASE_K_CEILING;
	for (int i = 0; i < p->n_gates; i++)
		if (!strcmp(p->gates[i].name, "max_k_loss"))
			kmax = p->gates[i].limit;
	if (c->row.k_loss_points > kmax) {
		c->row.gates_pass = 0;
		c->overshoot += gate_miss("max_k_loss", c->row.k_loss_points, kmax);
	}
}

static int row_ok(const struct kolm_best_row *r)
{
	return r->verdict == KOLM_FIT_PASS && r->gates_pass;
}

static int cand_cmp(const struct cand *a, const struct cand *b, int by_base)
{
	const struct kolm_best_row *x = &a->row, *y = &b->row;
	if (row_ok(x) != row_ok(y))
		return row_ok(y) - row_ok(x);
	/* neither passes: one that runs before one that does not, then the
	 * closest, the smallest overshoot of the checks each fails */
	if (!row_ok(x) && (x->verdict == KOLM_FIT_OVER) != (y->verdict == KOLM_FIT_OVER))
		return x->verdict == KOLM_FIT_OVER ? 1 : -1;
	if (!row_ok(x) && a->overshoot != b->overshoot)
		return a->overshoot < b->overshoot ? -1 : 1;
	if (x->verdict != y->verdict)
		return (int)x->verdict - (int)y->verdict;
	if (by_base && x->params != y->params)
		return x->params > y->params ? -1 : 1;
	if (x->k_loss_points != y->k_loss_points)
		return x->k_loss_points < y->k_loss_points ? -1 : 1;
	if (x->decode_tps_mid != y->decode_tps_mid)
		return x->decode_tps_mid > y->decode_tps_mid ? -1 : 1;
	return a->order - b->order;
}

static int cmp_formats(const void *a, const void *b)
{
	return cand_cmp(a, b, 0);
}

static int cmp_bases(const void *a, const void *b)
{
	return cand_cmp(a, b, 1);
}

/* Each base's own best format on this device; a base with none that
 * passes is left out. */
static int cands_bases(struct kolm_ctx *ctx, const struct kolm_pick *pick, struct cand *cs, int *n,
		       struct kolm_err *err)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	for (int i = 0; i < cat->n_bases; i++) {
		if (cat->bases[i].calibration_only)
			continue;
		struct kolm_pick p = *pick;
		p.base_id = cat->bases[i].id;
		p.config = NULL;
		p.config_path = NULL;
		p.model_path = NULL;
		struct kolm_forecast_best b;
		int rc = kolm_forecast_best(ctx, &p, 0, &b, err);
		if (rc == KOLM_OK) {
			cs[*n].f = b.winner;
			memset(&b.winner, 0, sizeof b.winner);
			cs[*n].order = *n;
			cand_fill(&cs[*n], 1, pick);
			(*n)++;
		}
		kolm_forecast_best_release(&b);
		if (rc && rc != KOLM_E_NO)
			return rc;
	}
	return KOLM_OK;
}

/* Every format of the backend asked for, or of the one the device runs the
 * pick on at int4; a format this model cannot be made in is left out. */
static int cands_formats(struct kolm_ctx *ctx, const struct kolm_pick *pick, struct cand *cs, int *n,
			 struct kolm_err *err)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	char backend[16] = "";
	const char *be = pick->backend;
	if (!be) {
		struct kolm_pick q = *pick;
		q.quant = "int4";
		q.n_gates = 0;
		struct kolm_forecast probe;
		if (kolm_forecast(ctx, &q, &probe, err) == KOLM_OK) {
			kolm_strlcpy(backend, probe.backend.id, sizeof backend);
			be = backend;
		}
		kolm_forecast_release(&probe);
	}
	for (int i = 0; i < cat->n_formats; i++) {
		const struct kolm_format *fm = &cat->formats[i];
		if (!strcmp(fm->id, "f32") || (be && strcmp(fm->backend, be)))
			continue;
		/* an exact format brings its backend: --backend stays what the
		 * user gave, so the winner's reason does not claim it */
		struct kolm_pick p = *pick;
		p.quant = fm->id;
		int rc = kolm_forecast(ctx, &p, &cs[*n].f, err);
		if (rc == KOLM_E_FORMAT || rc == KOLM_E_USAGE)
			continue;
		if (rc)
			return rc;
		cs[*n].order = *n;
		cand_fill(&cs[*n], 0, pick);
		(*n)++;
	}
	return KOLM_OK;
}

/* None passes: the closest, with the checks it fails and by how much. */
static void closest_why(struct kolm_forecast_best *b, const struct kolm_pick *pick)
{
	const struct kolm_forecast *w = &b->winner;
	char miss[300] = "";
	size_t at = 0;
	if (w->fit.verdict != KOLM_FIT_PASS)
		at += (size_t)snprintf(miss, sizeof miss, "fit %s: %.2f GB needed of %.2f GB usable", kolm_fit_name(w->fit.verdict),
				       (double)w->memory.total / 1e9, (double)w->memory.usable / 1e9);
	for (int i = 0; i < w->n_gates && at < sizeof miss; i++) {
		const struct kolm_gate_result *g = &w->gates[i];
		if (!g->pass)
			at += (size_t)snprintf(miss + at, sizeof miss - at, "%s--%s %.3g, limit %.3g", at ? "; " : "",
					       !strcmp(g->name, "min_tps")	  ? "min-tps"
					       : !strcmp(g->name, "max_mem_frac") ? "max-mem-frac"
					       : !strcmp(g->name, "max_k_loss")	  ? "max-k-loss"
										  : "max-size-gb",
					       g->value, g->limit);
	}
	snprintf(b->why, sizeof b->why, "no candidate passes the fit%s; the closest is %.40s (the smallest overshoot: %.250s)",
		 pick->n_gates ? " and gates" : "", b->ranking[0].id, miss);
}

/* Why the winner won, in one sentence. */
static void best_why(struct kolm_forecast_best *b, const struct kolm_pick *pick)
{
	char *why = b->why;
	size_t cap = sizeof b->why;
	const struct kolm_best_row *r = b->ranking;
	int ok = row_ok(&r[0]);
	const char *gates = pick->n_gates ? " and every gate" : "";
	/* the comparison with the runner-up is the first rule key that
	 * separates them, so it is true by construction */
	char a[32], c[32];
	if (ok && b->n_ranking > 1 && !row_ok(&r[1]))
		snprintf(why, cap, "%s: passes the fit%s; the next, %s, does not", r[0].id, gates, r[1].id);
	else if (ok && b->n_ranking > 1 && b->across_bases && r[0].params != r[1].params)
		snprintf(why, cap, "%s: passes the fit%s and is a larger model than %s (%s vs %s parameters)", r[0].id,
			 gates, r[1].id, kolm_fmt_count(a, sizeof a, (double)r[0].params),
			 kolm_fmt_count(c, sizeof c, (double)r[1].params));
	else if (ok && b->n_ranking > 1 && r[0].k_loss_points != r[1].k_loss_points)
		snprintf(why, cap, "%s: passes the fit%s and loses less K-score than %s (%.2f vs %.2f points)", r[0].id, gates,
			 r[1].id, r[0].k_loss_points, r[1].k_loss_points);
	else if (ok && b->n_ranking > 1)
		snprintf(why, cap, "%s: passes the fit%s, loses the same K-score as %s (%.2f points) and decodes faster "
			 "(%s vs %s tok/s)", r[0].id, gates, r[1].id, r[0].k_loss_points,
			 kolm_fmt_rate(a, sizeof a, r[0].decode_tps_mid), kolm_fmt_rate(c, sizeof c, r[1].decode_tps_mid));
	else if (ok)
		snprintf(why, cap, "%s: the only candidate", r[0].id);
	else
		closest_why(b, pick);
}

int kolm_forecast_best(struct kolm_ctx *ctx, const struct kolm_pick *pick, int across_bases,
		       struct kolm_forecast_best *out, struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	out->across_bases = across_bases;
	out->rule = across_bases ? RULE_BASES : RULE_FORMATS;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	int cap = across_bases ? cat->n_bases : cat->n_formats, n = 0;
	struct cand *cs = calloc((size_t)cap + 1, sizeof *cs);
	out->ranking = calloc((size_t)cap + 1, sizeof *out->ranking);
	int rc = !cs || !out->ranking ? kolm_err_set(err, KOLM_E_NOMEM, "out of memory")
		 : across_bases	      ? cands_bases(ctx, pick, cs, &n, err)
				      : cands_formats(ctx, pick, cs, &n, err);
	if (rc == KOLM_OK && n == 0 && across_bases)
		rc = kolm_err_set(err, KOLM_E_NO, "no base has a format that passes the fit%s on this device",
				  pick->n_gates ? " and gates" : "");
	else if (rc == KOLM_OK && n == 0)
		rc = kolm_err_set(err, KOLM_E_NO, "no candidate could be forecast");
	if (rc == KOLM_OK) {
		qsort(cs, (size_t)n, sizeof *cs, across_bases ? cmp_bases : cmp_formats);
		for (int i = 0; i < n; i++)
			out->ranking[i] = cs[i].row;
		out->n_ranking = n;
		out->winner = cs[0].f;
		memset(&cs[0].f, 0, sizeof cs[0].f);
		best_why(out, pick);
		if (!row_ok(&out->ranking[0]))
			rc = KOLM_E_NO;
	}
	for (int i = 0; cs && i < n; i++)
		kolm_forecast_release(&cs[i].f);
	free(cs);
	if (rc && out->n_ranking == 0)
		kolm_forecast_best_release(out);
	return rc;
}

void kolm_forecast_best_release(struct kolm_forecast_best *b)
{
	if (!b)
		return;
	kolm_forecast_release(&b->winner);
	free(b->ranking);
	memset(b, 0, sizeof *b);
}
