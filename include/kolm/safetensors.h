/*
 * safetensors.h - safetensors reader (single file, or a sharded checkpoint
 * through model.safetensors.index.json), memory-mapped, validated:
 *
 *   bytes 0..7    N, little-endian u64: header length (<= 100,000,000)
 *   bytes 8..8+N  JSON object: name -> {"dtype", "shape", "data_offsets": [b, e]},
 *                 optional "__metadata__": {string: string}; space padded
 *   rest          the byte buffer; offsets relative to its start
 *
 * Checks: header length within the file and the limit, valid UTF-8 JSON
 * object without duplicate keys, known dtypes, shapes of non-negative
 * integers whose byte size (elements x dtype size, overflow-checked) equals
 * end - begin, tensors contiguous from 0 with no gaps or overlaps, and
 * 8 + N + last end == file size.  Views are borrowed until close.
 */
#ifndef KOLM_SAFETENSORS_H
#define KOLM_SAFETENSORS_H

#include <stdint.h>

#include "kolm/err.h"

typedef struct json_t json_t;

enum kolm_st_dtype {
	KOLM_ST_BOOL, KOLM_ST_U8, KOLM_ST_I8, KOLM_ST_I16, KOLM_ST_U16, KOLM_ST_F16, KOLM_ST_BF16,
	KOLM_ST_I32, KOLM_ST_U32, KOLM_ST_F32, KOLM_ST_F64, KOLM_ST_I64, KOLM_ST_U64,
	KOLM_ST_F8_E5M2, KOLM_ST_F8_E4M3, KOLM_ST_F8_E8M0, KOLM_ST_F8_E4M3FNUZ, KOLM_ST_F8_E5M2FNUZ,
	KOLM_ST_COUNT
};

enum { KOLM_ST_MAX_DIMS = 8 };

struct kolm_st_tensor {
	const char *name;          /* NUL-terminated, owned by the reader */
	int dtype;                 /* enum kolm_st_dtype */
	int n_dims;
	int64_t shape[KOLM_ST_MAX_DIMS]; /* outermost first (PyTorch order) */
	uint64_t nbytes;
	const uint8_t *data;       /* borrowed view into the mapping */
	const char *file;          /* the shard it lives in */
};

struct kolm_safetensors;

/* path: a .safetensors file, a model.safetensors.index.json, or a directory
 * holding either. */
int kolm_safetensors_open(struct kolm_safetensors **out, const char *path, struct kolm_err *err);
/* One file already in memory (fuzzing, tests); buf must outlive the reader. */
int kolm_safetensors_open_buffer(struct kolm_safetensors **out, const uint8_t *buf, uint64_t n, const char *name,
				 struct kolm_err *err);
/* A directory, or a .kolm's members in place (index + shards, or one file). */
struct kolm_files;
int kolm_safetensors_open_files(struct kolm_safetensors **out, const struct kolm_files *f, struct kolm_err *err);
void kolm_safetensors_close(struct kolm_safetensors *s);

int64_t kolm_safetensors_count(const struct kolm_safetensors *s);
const struct kolm_st_tensor *kolm_safetensors_at(const struct kolm_safetensors *s, int64_t i);
const struct kolm_st_tensor *kolm_safetensors_find(const struct kolm_safetensors *s, const char *name);
/* The __metadata__ object of the first shard (borrowed; NULL if none). */
json_t *kolm_safetensors_metadata(const struct kolm_safetensors *s);
int kolm_safetensors_shards(const struct kolm_safetensors *s);
uint64_t kolm_safetensors_header_bytes(const struct kolm_safetensors *s); /* N of the first shard */

const char *kolm_st_dtype_name(int dtype);  /* "F32", "BF16", "F8_E4M3" ... */
int kolm_st_dtype_size(int dtype);          /* bytes per element */
/* The ggml type for F32/F16/BF16 (and F64/I8... -1 when ggml has none). */
int kolm_st_dtype_ggml(int dtype);

#endif
