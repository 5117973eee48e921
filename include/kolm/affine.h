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

/* Reading an MLX model (affine_dot.c): scales and biases as stored, stype
 * KOLM_T_F32, KOLM_T_F16 or KOLM_T_BF16 (types.h); n % group == 0, group
 * % 8 == 0, bits in 2..8.  xs: the per-group sums of x (n / group floats,
 * kolm_affine_xsum), shared by every row of a matrix.  The dot is
 *   sum_g scale_g * sum_i(q_i x_i) + bias_g * xs_g
 * in float32, mlx's quantized matmul's formula; simd 1 takes this CPU's
 * AVX2 or NEON kernel, which may differ from the scalar reference (simd 0)
 * by summation order only. */
void kolm_affine_xsum(const float *x, int64_t n, int group, float *xs);
float kolm_affine_dot(const uint8_t *q, const void *scales, const void *biases, int stype, int64_t n, int group,
		      int bits, const float *x, const float *xs, int simd);
/* w = scale * q + bias per element, in float32 (an embedding row). */
void kolm_affine_dequantize_row_t(const uint8_t *q, const void *scales, const void *biases, int stype, int64_t n,
				  int group, int bits, float *out);

#endif
