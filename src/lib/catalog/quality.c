/* quality.c - the forecast K-score loss of a format (quality.h), from the
 * format's KLD and data/quality.json's anchors. */
#include "kolm/quality.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/util.h"

void kolm_k_loss_forecast(struct kolm_ctx *ctx, const struct kolm_format *fmt, int64_t params,
			  struct kolm_k_loss *out)
{
	json_t *q = kolm_ctx_json(ctx, "data/quality.json", NULL);
	json_t *fmts = json_object_get(kolm_ctx_json(ctx, "data/formats.json", NULL), "formats");
	double kld = fmt->kld_equiv;
	json_t *anchors = json_object_get(q, "anchors");
	double k1 = -1, p1 = 0, k2 = -1, p2 = 0;
	json_t *a0 = json_array_get(anchors, 0), *a1 = json_array_get(anchors, 1);
	const char *fa0 = kolm_json_str(a0, "format"), *fa1 = kolm_json_str(a1, "format");
	json_t *f0 = kolm_json_find_id(fmts, fa0 ? fa0 : ""), *f1 = kolm_json_find_id(fmts, fa1 ? fa1 : "");
	if (f0 && f1) {
		k1 = kolm_json_num(f0, "kld", -1), p1 = kolm_json_num(a0, "points", 0);
		k2 = kolm_json_num(f1, "kld", -1), p2 = kolm_json_num(a1, "points", 0);
	}
	double points = 0;
	if (kld > 0 && k1 > 0 && k2 > 0) {
		double b = log(p2 / p1) / log(k2 / k1), c = p1 / pow(k1, b);
		double ref = kolm_json_num(q, "reference_params", 8.03e9), e = kolm_json_num(q, "size_exponent", 0.3);
		double scale = pow(ref / (double)(params > 0 ? params : 1), e);
		char pn[32], own[96];
		points = c * pow(kld, b) * scale;
		/* a format with no published KLD of its own borrows a GGUF type's
		 * (data/formats.json's kld_source): the scoreboard figure is that
		 * type's, and the text says so */
		const char *proxy = fmt->id;
		own[0] = '\0';
		if (strcmp(fmt->backend, "gguf")) {
			size_t i;
			json_t *g;
			json_array_foreach(fmts, i, g)
				if (!strcmp(kolm_json_str(g, "backend") ? kolm_json_str(g, "backend") : "", "gguf") &&
				    kolm_json_num(g, "kld", -1) == kld) {
					proxy = kolm_json_str(g, "id");
					snprintf(own, sizeof own, "%s has no published KLD of its own, taken as %s's: ", fmt->id,
						 proxy);
					break;
				}
		}
		snprintf(out->basis, sizeof out->basis,
			 "forecast: %s%s's mean KLD %.4g vs FP16 on Llama-3-8B (%s) mapped to points by the "
			 "K-score anchors of data/quality.json (int8 0.5, int3 5 points), x%.2f for a base of %s "
			 "parameters",
			 own, proxy, kld, "llama.cpp perplexity scoreboard", scale, kolm_fmt_count(pn, sizeof pn, (double)params));
	} else {
		snprintf(out->basis, sizeof out->basis, "%s is the fp16/lossless reference: no loss", fmt->id);
	}
	out->points = kolm_round_sig(points, 3);
	out->kld = kld;
}
