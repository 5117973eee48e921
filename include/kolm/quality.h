/*
 * quality.h - the K-score loss a quantization format is forecast to cost a
 * base model, before anything is measured.
 *
 *   points = c * kld^b * (reference_params / params)^size_exponent
 *
 * kld is the format's mean KL divergence against F16 on Llama-3-8B (the
 * llama.cpp perplexity scoreboard, data/formats.json); b and c put the two
 * anchors of data/quality.json (int8 0.5 points, int3 5 points) on that
 * curve; smaller bases lose more.  A format without a KLD (fp16, the
 * lossless reference) loses nothing.  The forecast (forecast.h) shows it
 * beside a measured loss when there is one; verify (artifact.h) checks an
 * export whose K was not measured against it.
 */
#ifndef KOLM_QUALITY_H
#define KOLM_QUALITY_H

#include <stdint.h>

struct kolm_ctx;
struct kolm_format;

struct kolm_k_loss {
	double points;     /* forecast loss in K-score points, 3 significant figures */
	double kld;        /* the format's mean KLD vs F16; < 0: none (no loss) */
	char basis[400];   /* how the figure was made */
};

void kolm_k_loss_forecast(struct kolm_ctx *ctx, const struct kolm_format *fmt, int64_t params,
			  struct kolm_k_loss *out);

#endif
