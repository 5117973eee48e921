/*
 * affine.h - MLX's affine group quantization (mx.quantize, mode "affine"),
 * bit for bit as mlx's CPU kernel computes it:
 *
 *   per group of `group` values (float32 arithmetic throughout):
 *     max, min; mask = |min| > |max|
 *     scale = max((max - min) / (2^bits - 1), 1e-7), negated unless mask
 *     edge = mask ? min : max;  q0 = rint(edge / scale)
 *     if q0 != 0: scale = edge / q0, bias = edge   else bias = 0
 *     q_i = clamp(rint((w_i - bias) / scale), 0, 2^bits - 1)
 *
 * The q_i are packed as one little-endian bit stream (value i at bit
 * i*bits), which is mlx's uint32 layout for 2/4/8 bits and its byte
 * layout for 3/5/6 bits; a row of n values takes n*bits/8 bytes.  Scales
 * and biases are returned in float32; an export stores them in the model's
 * dtype (F16/BF16/F32), and dequantization uses the stored values:
 * w = scale * q + bias.
 */
#ifndef KOLM_AFFINE_H
#define KOLM_AFFINE_H

#include <stdint.h>

/* n % group == 0, group % 8 == 0, bits in 2..8. */
void kolm_affine_quantize_row(const float *w, int64_t n, int group, int bits, uint8_t *q, float *scales,
			      float *biases);
void kolm_affine_dequantize_row(const uint8_t *q, int64_t n, int group, int bits, const float *scales,
				const float *biases, float *out);

#endif
