/* affine.c - MLX affine group quantization (affine.h). */
#include "kolm/affine.h"

#include <math.h>
#include <string.h>

void kolm_affine_quantize_row(const float *w, int64_t n, int group, int bits, uint8_t *q, float *scales,
			      float *biases)
{
	const float n_bins = (float)((1 << bits) - 1), eps = 1e-7f;
	memset(q, 0, (size_t)(n * bits / 8));
	uint64_t bit = 0;
	for (int64_t g = 0; g < n / group; g++) {
		const float *x = w + g * group;
		float w_min = INFINITY, w_max = -INFINITY;
		for (int j = 0; j < group; j++) {
			/* std::max / std::min, as mlx's kernel */
			w_max = w_max < x[j] ? x[j] : w_max;
			w_min = x[j] < w_min ? x[j] : w_min;
		}
		int mask = fabsf(w_min) > fabsf(w_max);
		float scale = (w_max - w_min) / n_bins;
		scale = scale < eps ? eps : scale;
		scale = mask ? scale : -scale;
		float edge = mask ? w_min : w_max;
		float q0 = rintf(edge / scale), bias = 0;
		if (q0 != 0) {
			scale = edge / q0;
			bias = edge;
		}
		for (int j = 0; j < group; j++, bit += (uint64_t)bits) {
			float v = rintf((x[j] - bias) / scale);
			v = v < 0.0f ? 0.0f : v;
			v = n_bins < v ? n_bins : v;
			uint32_t u = (uint32_t)v << (bit & 7);
			uint8_t *p = q + (bit >> 3);
			p[0] |= (uint8_t)u;
			if ((bit & 7) + (uint64_t)bits > 8)
				p[1] |= (uint8_t)(u >> 8);
		}
		scales[g] = scale;
		biases[g] = bias;
	}
}

void kolm_affine_dequantize_row(const uint8_t *q, int64_t n, int group, int bits, const float *scales,
				const float *biases, float *out)
{
	const uint32_t m = (1u << bits) - 1;
	uint64_t bit = 0;
	for (int64_t i = 0; i < n; i++, bit += (uint64_t)bits) {
		const uint8_t *p = q + (bit >> 3);
		uint32_t u = p[0];
		if ((bit & 7) + (uint64_t)bits > 8)
			u |= (uint32_t)p[1] << 8;
		u = (u >> (bit & 7)) & m;
		out[i] = scales[i / group] * (float)u + biases[i / group];
	}
}
