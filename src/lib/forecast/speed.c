/* speed.c - decode and prefill speed for a resolved pick, from the model
 * fitted to the measurements (calib.c; formula in kolm/calib.h).  A non-zero
 * return lets forecast.c fall back to the runtime class default. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "calib_internal.h"
#include "forecast_internal.h"

static void query_of(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_calib_query *q, char *klass, size_t cap)
{
	kolm_calib_class(ctx, fc->runtime, &fc->dev, klass, cap);
	memset(q, 0, sizeof *q);
	q->device = fc->dev.id;
	q->runtime = fc->runtime;
	q->klass = klass;
	q->format = fc->fmt ? fc->fmt->id : "";
	q->bytes_per_token = fc->bytes_per_token;
	q->active_params = (double)fc->est.active_params;
	q->bw = fc->dev.bw_bytes_per_s;
	q->flops = fc->dev.flops_fp16;
	q->n_layer = fc->m.hp.n_layer > 0 ? (int)fc->m.hp.n_layer : 32;
}

/* The calibrated prediction for the pick; klass gets its runtime class. */
static int predict(const struct kolm_calib *c, struct kolm_ctx *ctx, const struct fc *fc, int kind, char klass[16],
		   struct kolm_calib_pred *p)
{
	struct kolm_calib_query q;
	query_of(ctx, fc, &q, klass, 16);
	/* a custom box or an overridden bandwidth is not the measured device */
	if (fc->custom || fc->bw_override || fc->is_local)
		q.device = "";
	return kolm_calib_predict(c, &q, kind, p);
}

static int speed(struct kolm_ctx *ctx, const struct fc *fc, int kind, struct kolm_speed *out)
{
	const struct kolm_calib *c = kolm_calib_get(ctx, NULL);
	if (!c)
		return -1;
	char klass[16];
	struct kolm_calib_pred p;
	if (predict(c, ctx, fc, kind, klass, &p))
		return -1;
	out->low = p.low;
	out->mid = p.mid;
	out->high = p.high;
	out->rows = p.rows;
	snprintf(out->basis, sizeof out->basis, "%s", p.basis);
	return 0;
}

int kolm_speed_decode(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_speed *out)
{
	return speed(ctx, fc, KOLM_CALIB_DECODE, out);
}

int kolm_speed_prefill(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_speed *out)
{
	return speed(ctx, fc, KOLM_CALIB_PREFILL, out);
}


void kolm_speed_caveats(struct kolm_ctx *ctx, const struct fc *fc, json_t *caveats)
{
	const struct kolm_calib *c = kolm_calib_get(ctx, NULL);
	if (!c || !caveats)
		return;
	int skipped = 0;
	const char *why = NULL;
	kolm_calib_user_rows(c, &skipped, &why);
	if (skipped)
		kolm_caveat_add(caveats, "%d of your measurement rows were skipped: %s", skipped, why ? why : "?");
	char klass[16];
	struct kolm_calib_pred p;
	if (predict(c, ctx, fc, KOLM_CALIB_DECODE, klass, &p))
		return;
	char quote[400];
	if ((p.level == KOLM_CALIB_LEVEL_DEVICE || p.level == KOLM_CALIB_LEVEL_USER) &&
	    kolm_calib_quote(c, fc->dev.id, fc->runtime, fc->base ? fc->base->id : fc->source_id, fc->fmt->id, quote,
			     sizeof quote) == 0)
		kolm_caveat_add(caveats, "decode follows the measurements of this device: e.g. %s", quote);
	else if (p.level == KOLM_CALIB_LEVEL_CLASS)
		kolm_caveat_add(caveats, "no measurement of %s on %s: decode uses the %s class fit (range +-%.0f%%)", fc->dev.id,
		       fc->runtime, klass, p.s * 100);
	else if (p.level == KOLM_CALIB_LEVEL_DEFAULT)
		kolm_caveat_add(caveats, "no measurement in the %s class: decode is the runtime's class default (range +-%.0f%%)", klass,
		       p.s * 100);
	if (p.excluded)
		kolm_caveat_add(caveats, "%d measurement%s of this device ran more than 3x below its class (another power mode, "
				"thermal state or harness overhead) and %s scored but not fitted",
		       p.excluded, p.excluded == 1 ? "" : "s", p.excluded == 1 ? "is" : "are");
	if (p.capped)
		kolm_caveat_add(caveats, "decode is compute-bound here: capped at the prefill rate");
	if (fc->dev.klass && (!strcmp(fc->dev.klass, "jetson") || !strcmp(fc->dev.klass, "phone") ||
			      !strcmp(fc->dev.klass, "handheld")))
		kolm_caveat_add(caveats, "power modes and thermal limits: a lower power mode or a hot device can decode 2-4x below this range");
}
