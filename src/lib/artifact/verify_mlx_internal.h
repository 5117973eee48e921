/* verify_mlx_internal.h - verify's export binding for an MLX directory
 * (verify_mlx.c); not API. */
#ifndef KOLM_VERIFY_MLX_INTERNAL_H
#define KOLM_VERIFY_MLX_INTERNAL_H

#include <stddef.h>

struct kolm_ctx;
struct kolm_artifact;

/* KOLM_OK when dir is, file for file, the export kolm makes from the
 * artifact with the quant and group size its kolm.json states (quant
 * receives it, export_k its measured K or -1); KOLM_E_NO with why set
 * otherwise. */
int kolm_verify_mlx_dir(struct kolm_ctx *ctx, const struct kolm_artifact *a, const char *artifact_path,
			const char *dir, char *why, size_t cap, char *quant, size_t qcap, double *export_k);

#endif
