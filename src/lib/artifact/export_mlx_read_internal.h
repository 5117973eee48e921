/* export_mlx_read_internal.h - an MLX directory as an F32 checkpoint
 * (export_mlx_read.c); not API. */
#ifndef KOLM_EXPORT_MLX_READ_INTERNAL_H
#define KOLM_EXPORT_MLX_READ_INTERNAL_H

#include "kolm/err.h"

/* out_dir (existing, empty): config.json and the other side files of
 * mlx_dir copied, and one F32 model.safetensors holding every tensor of
 * mlx_dir under its own name, the quantized ones dequantized from their
 * stored scales and biases. */
int kolm_mlx_to_f32_checkpoint(const char *mlx_dir, const char *out_dir, struct kolm_err *err);

#endif
