/* affine.c - MLX affine group quantization (affine.h). */
#include "kolm/affine.h"

#include <math.h>
#include <string.h>

/* q = clamp(rint((x - bias) / scale), 0, n_bins) for one group, in a loop
 * the compiler vectorizes: values are first held within [-1, n_bins + 1]
 * (rounding anything beyond gives a bound the clamp yields anyway; NaN
 * becomes 0), where adding and taking away 1.5 * 2^23 rounds to nearest
 * even exactly, as rintf does in the default rounding mode. */
static void group_levels(const float *x, int group, float bias, float scale, float n_bins, float *t)
{
	const float magic = 12582912.0f, hi = n_bins + 1.0f;
	for (int j = 0; j < group; j++) {
		float v = (x[j] - bias) / scale;
		v = v > -1.0f ? v : -1.0f;
		v = v < hi ? v : hi;
		v = (v + magic) - magic;
		v = v < 0.0f ? 0.0f : v;
		t[j] = n_bins < v ? n_bins : v;
	}
}

void kolm_affine_quantize_row(const float *w, int64_t n, int group, int bits, uint8_t *q, float *scales,
			      float *biases)
{
	const float n_bins = (float)((1 << bits) - 1), eps = 1e-7f;
	float t[256];
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
		for (int j0 = 0; j0 < group; j0 += 256) {
			int m = group - j0 < 256 ? group - j0 : 256;
			group_levels(x + j0, m, bias, scale, n_bins, t);
			uint8_t *p = q + (bit >> 3);
			if (bits == 8) {
				for (int j = 0; j < m; j++)
					p[j] = (uint8_t)t[j];
			} else if (bits == 4) {
				for (int j = 0; j < m; j += 2)
					p[j / 2] = (uint8_t)((uint32_t)t[j] | (uint32_t)t[j + 1] << 4);
			} else {
				for (int j = 0; j < m; j++) {
					uint64_t b = bit + (uint64_t)j * (uint64_t)bits;
					uint32_t u = (uint32_t)t[j] << (b & 7);
					uint8_t *pp = q + (b >> 3);
					pp[0] |= (uint8_t)u;
					if ((b & 7) + (uint64_t)bits > 8)
						pp[1] |= (uint8_t)(u >> 8);
				}
			}
			bit += (uint64_t)m * (uint64_t)bits;
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
