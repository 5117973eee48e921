/* engine_mlx_internal.h - an MLX model directory as the engine's model
 * (engine_mlx.c): its own header, so engine.c's hooks stay small. */
#ifndef KOLM_ENGINE_MLX_INTERNAL_H
#define KOLM_ENGINE_MLX_INTERNAL_H

#include <stdint.h>

#include "kolm/err.h"

struct kolm_gguf;
struct ek_pool;

/* One weight matrix of the directory under its GGUF name: affine
 * group-quantized (type -1: packed q rows, scales and biases per group of
 * stype) or as stored (type KOLM_T_F32/F16/BF16).  Rows are the GGUF's:
 * llama's q/k rows un-permuted (copies), everything else mapped in place. */
struct ek_mlx_tensor {
	char name[64];
	int type;
	int stype, bits, group;
	int64_t n_in, n_out;
	const uint8_t *data, *scales, *biases;
	uint64_t row_bytes, srow_bytes;
	uint8_t *owned;           /* the un-permuted copy (data, scales, biases), or NULL */
};

struct ek_mlx;

/* dir: config.json (with or without mlx-lm's "quantization" block),
 * model*.safetensors, tokenizer files.  *meta: a GGUF holding what
 * convert_hf_to_gguf.py would write for the architecture and the tokenizer,
 * and the vectors (norms, biases, rope factors) as F32; every matrix is
 * found with ek_mlx_find instead.  KOLM_E_FORMAT for a directory that is
 * not such a model.  max_batch: rows ek_mlx_matmul is given at most. */
int ek_mlx_is_dir(const char *path);
int ek_mlx_open(struct ek_mlx **out, struct kolm_gguf **meta, const char *dir, int max_batch, struct kolm_err *err);
void ek_mlx_close(struct ek_mlx *m);
const struct ek_mlx_tensor *ek_mlx_find(const struct ek_mlx *m, const char *name);
/* The catalog format id it is (mlx-4bit, mlx-8bit, mlx-bf16, mlx-fp16, or
 * mlx-f32 for an F32 directory). */
const char *ek_mlx_format(const struct ek_mlx *m);
/* Parameters and bytes of every tensor as stored. */
void ek_mlx_totals(const struct ek_mlx *m, int64_t *params, uint64_t *bytes);
/* y[b][r] = row r of w . x[b] for b < nb <= max_batch (affine w only),
 * rows over the pool. */
void ek_mlx_matmul(struct ek_mlx *m, struct ek_pool *pool, int simd, const struct ek_mlx_tensor *w, const float *x,
		  int64_t ldx, int nb, float *y, int64_t ldy);
/* Row r of an affine w dequantized (an embedding). */
void ek_mlx_row(const struct ek_mlx_tensor *w, int64_t r, float *out);

#endif
