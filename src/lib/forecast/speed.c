/* speed.c - decode and prefill speed for a resolved pick (speed.h), from the
 * model fitted to the measurements (calib.c; formula in kolm/calib.h). */
#include "speed.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "core/json_internal.h"
#include "calib_internal.h"

/* The calibrated prediction for the query; klass gets its runtime class. */
static int predict(const struct kolm_calib *c, struct kolm_ctx *ctx, const struct kolm_speed_query *sq, int kind,
		   char klass[16], struct kolm_calib_pred *p)
{
	struct kolm_calib_query q;
	kolm_calib_class(ctx, sq->runtime, sq->dev, klass, 16);
	memset(&q, 0, sizeof q);
	/* a custom box or an overridden bandwidth is not the measured device */
	q.device = sq->measured_device ? sq->dev->id : "";
	q.hw = sq->measured_device && sq->dev->variant_of ? sq->dev->variant_of : q.device;
	q.runtime = sq->runtime;
	q.klass = klass;
	q.format = sq->format ? sq->format : "";
	q.bytes_per_token = sq->bytes_per_token;
	q.prompt_params = sq->prompt_params;
	q.stream_bytes = sq->stream_bytes;
	q.bw = sq->dev->bw_bytes_per_s;
	q.flops = kolm_calib_compute(sq->dev, klass, q.format, NULL, &q.unit);
	q.n_layer = sq->n_layer > 0 ? sq->n_layer : 32;
	return kolm_calib_predict(c, &q, kind, p);
}

static int speed(struct kolm_ctx *ctx, const struct kolm_speed_query *q, int kind, struct kolm_speed *out)
{
	const struct kolm_calib *c = kolm_calib_get(ctx, NULL);
	if (!c)
		return -1;
	char klass[16];
	struct kolm_calib_pred p;
	if (predict(c, ctx, q, kind, klass, &p))
		return -1;
	out->low = p.low;
	out->mid = p.mid;
	out->high = p.high;
	out->rows = p.rows;
	out->bw_eff = p.bw_eff;
	snprintf(out->basis, sizeof out->basis, "%s", p.basis);
	return 0;
}

int kolm_speed_decode(struct kolm_ctx *ctx, const struct kolm_speed_query *q, struct kolm_speed *out)
{
	return speed(ctx, q, KOLM_CALIB_DECODE, out);
}

int kolm_speed_prefill(struct kolm_ctx *ctx, const struct kolm_speed_query *q, struct kolm_speed *out)
{
	return speed(ctx, q, KOLM_CALIB_PREFILL, out);
}

void kolm_speed_caveats(struct kolm_ctx *ctx, const struct kolm_speed_query *q, json_t *caveats)
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
	if (predict(c, ctx, q, KOLM_CALIB_DECODE, klass, &p))
		return;
	const struct kolm_device *dev = q->dev;
	char quote[400];
	if ((p.level == KOLM_CALIB_LEVEL_DEVICE || p.level == KOLM_CALIB_LEVEL_USER) &&
	    kolm_calib_quote(c, dev->id, dev->variant_of, q->runtime, q->model_id, q->format, q->bytes_per_token, quote, sizeof quote) == 0)
		kolm_caveat_add(caveats, "decode follows the measurements of this device: e.g. %s", quote);
	else if (p.level == KOLM_CALIB_LEVEL_CLASS)
		kolm_caveat_add(caveats, "no measurement of %s%s on %s: decode uses the %s class fit (range +-%.0f%%)",
				p.other_size ? "a model of this size on " : "", dev->id, q->runtime, klass, p.s * 100);
	else if (p.level == KOLM_CALIB_LEVEL_DEFAULT)
		kolm_caveat_add(caveats, "no measurement in the %s class: decode is the runtime's class default (range +-%.0f%%)",
				klass, p.s * 100);
	if (p.excluded)
		kolm_caveat_add(caveats,
				"%d measurement%s of this device ran more than 3x below its class (another power mode, "
				"thermal state or harness overhead) and %s scored but not fitted",
				p.excluded, p.excluded == 1 ? "" : "s", p.excluded == 1 ? "is" : "are");
	if (p.other_size && p.level != KOLM_CALIB_LEVEL_DEVICE && p.level != KOLM_CALIB_LEVEL_USER)
		kolm_caveat_add(caveats,
				"%d measurement%s of %s on %s %s of a model more than 4x larger or smaller in bytes per token: "
				"%s the per-token overhead, not this pick's efficiency",
				p.other_size, p.other_size == 1 ? "" : "s", dev->id, q->runtime, p.other_size == 1 ? "is" : "are",
				p.other_size == 1 ? "it informs" : "they inform");
	if (p.capped)
		kolm_caveat_add(caveats, "decode is compute-bound here: capped at the prefill rate");
	if (dev->klass && (!strcmp(dev->klass, "jetson") || !strcmp(dev->klass, "phone") || !strcmp(dev->klass, "handheld")))
		kolm_caveat_add(caveats,
				"power modes and thermal limits: a lower power mode or a hot device can decode 2-4x below this range");
}
