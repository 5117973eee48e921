/* export_mlx_json_internal.h - JSON text as Python's json.dump writes it
 * (export_mlx_json.c), for the native MLX export; not API. */
#ifndef KOLM_EXPORT_MLX_JSON_INTERNAL_H
#define KOLM_EXPORT_MLX_JSON_INTERNAL_H

typedef struct json_t json_t;
struct kolm_buf;

/* json.dump(v, indent=4) as Python writes it (ensure_ascii, repr floats);
 * sort_top sorts the top-level keys (mlx-lm's save_config does).  Caller
 * frees; NULL when out of memory. */
char *kolm_mlx_py_dumps(json_t *v, int sort_top);
/* repr(v) of a Python float. */
void kolm_mlx_py_float(struct kolm_buf *b, double v);

#endif
