/* export_mlx_internal.h - helpers of the native MLX export (export_mlx.c)
 * kept in their own file; not API. */
#ifndef KOLM_EXPORT_MLX_INTERNAL_H
#define KOLM_EXPORT_MLX_INTERNAL_H

#include <stddef.h>

typedef struct json_t json_t;
struct kolm_buf;

/* json.dump(v, indent=4) as Python writes it (ensure_ascii, repr floats);
 * sort_top sorts the top-level keys (mlx-lm's save_config does).  Caller
 * frees; NULL when out of memory. */
char *kolm_mlx_py_dumps(json_t *v, int sort_top);
/* repr(v) of a Python float. */
void kolm_mlx_py_float(struct kolm_buf *b, double v);

struct kolm_ctx;
struct kolm_artifact;
/* verify's export binding for an MLX directory (verify_mlx.c): KOLM_OK when
 * dir is, file for file, the export kolm makes from the artifact with the
 * quant and group size its kolm.json states (quant receives it, export_k
 * its measured K or -1); KOLM_E_NO with why set otherwise. */
int kolm_verify_mlx_dir(struct kolm_ctx *ctx, const struct kolm_artifact *a, const char *artifact_path,
			const char *dir, char *why, size_t cap, char *quant, size_t qcap, double *export_k);

#endif
