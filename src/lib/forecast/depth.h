/* depth.h - decode at depth for a resolved pick (library-internal): the
 * curve kolm_forecast publishes as decode_tps.at_ctx (forecast.h).
 *
 *   time(N) = time(depth) + max(KV(N) - KV(depth)) / (eta x phi x bandwidth),
 *                               (steps(N) - steps(depth)) x attn_step_flops / compute)
 *
 * steps: one per layer, query head and cached position (a sliding-window
 * layer holds its window); attn_step_flops (by head size) from the runtime's
 * data/runtimes.json entry (llama.cpp's CPU flash-attention loop), absent
 * for runtimes whose attention streams the cache. */
#ifndef KOLM_DEPTH_H
#define KOLM_DEPTH_H

#include <stddef.h>
#include <stdint.h>

#include "speed.h"

struct kolm_model;
struct kolm_device;

/* tokens/s once the context holds ctx tokens (published as forecast.h's
 * struct kolm_depth_point, rounded) */
struct depth_point {
	int64_t ctx;
	double low, mid, high;
};

struct kolm_depth_query {
	const struct kolm_model *m;
	const char *kv_type;
	const json_t *rt;              /* the runtime's data/runtimes.json entry */
	const struct kolm_device *dev; /* as resolved */
	const char *runtime;
	const struct kolm_speed *dec;  /* decode at decode_depth, unrounded */
	int64_t at_ctx;                /* the pick's depth, 0 = none */
	int64_t decode_depth;          /* the depth dec is at */
};

/* Fill out (ascending: 0, 4k, 8k, 16k, 32k up to the model's trained
 * context, and at_ctx) and basis; returns the number of points. */
int kolm_depth_curve(const struct kolm_depth_query *q, struct depth_point out[8], char *basis, size_t cap);

#endif
