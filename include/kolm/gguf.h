/*
 * gguf.h - GGUF v2/v3 reader (mmap, fully validated) and streaming writer.
 *
 * File layout (little-endian; shared/data/gguf-facts.md §1):
 *   0   magic "GGUF"            u32 0x46554747
 *   4   version                 u32 (2 or 3; 1 rejected)
 *   8   tensor_count            u64
 *   16  metadata_kv_count       u64
 *   24  kv pairs                key: gguf string (u64 len + bytes), u32 type, value
 *       tensor infos            name (string, <= 63 bytes), u32 n_dims (<= 4),
 *                               u64 ne[n_dims] (ne0 = row length), u32 ggml type,
 *                               u64 offset (relative to the data section)
 *       padding                 zeros to general.alignment (default 32)
 *   data_offset tensor data     each tensor aligned, zero-padded to alignment
 *
 * Reader: kolm_gguf_open maps the file and validates everything before any
 * view is handed out (counts against file size, string/array lengths, nested
 * arrays, dims <= 4, element counts without overflow, known types, row length
 * a multiple of the block, aligned offsets, data inside the file, no
 * overlaps, no duplicate tensor names or keys, general.alignment a power of
 * two of type u32).  All returned pointers/strings are borrowed views into the
 * mapping and stay valid until kolm_gguf_close.
 *
 * Writer: kolm_gguf_writer_* writes header + metadata + tensor infos, then
 * tensor data in the declared order as it is produced (nothing held in
 * memory), to a temp file that is fsynced and renamed on finish.
 */
#ifndef KOLM_GGUF_H
#define KOLM_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

enum kolm_gguf_vtype {
	KOLM_GGUF_U8 = 0, KOLM_GGUF_I8 = 1, KOLM_GGUF_U16 = 2, KOLM_GGUF_I16 = 3,
	KOLM_GGUF_U32 = 4, KOLM_GGUF_I32 = 5, KOLM_GGUF_F32 = 6, KOLM_GGUF_BOOL = 7,
	KOLM_GGUF_STRING = 8, KOLM_GGUF_ARRAY = 9, KOLM_GGUF_U64 = 10,
	KOLM_GGUF_I64 = 11, KOLM_GGUF_F64 = 12,
};

struct kolm_gguf_str {
	const char *p;   /* NOT NUL-terminated; borrowed */
	uint64_t len;
};

struct kolm_gguf_kv {
	struct kolm_gguf_str key;
	int type;              /* enum kolm_gguf_vtype */
	int arr_type;          /* element type when type == ARRAY */
	uint64_t arr_n;        /* element count when type == ARRAY */
	const uint8_t *val;    /* raw little-endian value bytes (array: first element) */
	uint64_t val_bytes;    /* bytes of the value as stored */
};

struct kolm_gguf_tensor {
	struct kolm_gguf_str name;
	int n_dims;
	int64_t ne[4];         /* unused dims are 1 */
	int type;              /* enum kolm_ggml_type */
	uint64_t offset;       /* relative to data section */
	uint64_t nbytes;       /* exact, without padding */
	const uint8_t *data;   /* borrowed view into the mapping */
};

struct kolm_gguf;          /* opaque reader */

int kolm_gguf_open(struct kolm_gguf **out, const char *path, struct kolm_err *err);
/* Parse an in-memory buffer (fuzzing, tests); buf must outlive the reader. */
int kolm_gguf_open_buffer(struct kolm_gguf **out, const uint8_t *buf, uint64_t n,
			  const char *name, struct kolm_err *err);
void kolm_gguf_close(struct kolm_gguf *g);

uint32_t kolm_gguf_version(const struct kolm_gguf *g);
uint64_t kolm_gguf_file_size(const struct kolm_gguf *g);
uint64_t kolm_gguf_alignment(const struct kolm_gguf *g);
uint64_t kolm_gguf_data_offset(const struct kolm_gguf *g);
/* where the metadata and tensor records end: [header_end, data_offset) is
 * the alignment padding */
uint64_t kolm_gguf_header_end(const struct kolm_gguf *g);
const uint8_t *kolm_gguf_base(const struct kolm_gguf *g); /* start of the file mapping */

int64_t kolm_gguf_kv_count(const struct kolm_gguf *g);
const struct kolm_gguf_kv *kolm_gguf_kv_at(const struct kolm_gguf *g, int64_t i);
const struct kolm_gguf_kv *kolm_gguf_kv_find(const struct kolm_gguf *g, const char *key);

int64_t kolm_gguf_tensor_count(const struct kolm_gguf *g);
const struct kolm_gguf_tensor *kolm_gguf_tensor_at(const struct kolm_gguf *g, int64_t i);
const struct kolm_gguf_tensor *kolm_gguf_tensor_find(const struct kolm_gguf *g, const char *name);

/* Typed getters: return 0 and set *out, or a negative status if the key is
 * missing or of an incompatible type.  Integer getters accept any integer
 * width that fits. */
int kolm_gguf_get_u64(const struct kolm_gguf *g, const char *key, uint64_t *out);
int kolm_gguf_get_i64(const struct kolm_gguf *g, const char *key, int64_t *out);
int kolm_gguf_get_f64(const struct kolm_gguf *g, const char *key, double *out); /* f32/f64/ints */
int kolm_gguf_get_bool(const struct kolm_gguf *g, const char *key, int *out);
/* Borrowed, NOT NUL-terminated. */
int kolm_gguf_get_str(const struct kolm_gguf *g, const char *key, struct kolm_gguf_str *out);
/* Copy a string value into buf (NUL-terminated, truncation is an error). */
int kolm_gguf_get_cstr(const struct kolm_gguf *g, const char *key, char *buf, size_t cap);

/* Array element access (kv->type == ARRAY).  Strings: borrowed views. */
int kolm_gguf_arr_str(const struct kolm_gguf_kv *kv, uint64_t i, struct kolm_gguf_str *out);
double kolm_gguf_arr_num(const struct kolm_gguf_kv *kv, uint64_t i);

/* ---- writer ---------------------------------------------------------- */
struct kolm_gguf_writer; /* opaque */

int kolm_gguf_writer_new(struct kolm_gguf_writer **out, uint64_t alignment, struct kolm_err *err);
/* Frees; a file begun but not finished is removed (its temp file). */
void kolm_gguf_writer_free(struct kolm_gguf_writer *w);
/* Metadata, in call order.  Keys and strings are copied. */
int kolm_gguf_writer_kv_u32(struct kolm_gguf_writer *w, const char *key, uint32_t v);
int kolm_gguf_writer_kv_f32(struct kolm_gguf_writer *w, const char *key, float v);
int kolm_gguf_writer_kv_bool(struct kolm_gguf_writer *w, const char *key, int v);
int kolm_gguf_writer_kv_str(struct kolm_gguf_writer *w, const char *key, const char *v);
/* Copy a kv verbatim from a reader (any type, arrays included). */
int kolm_gguf_writer_kv_copy(struct kolm_gguf_writer *w, const struct kolm_gguf_kv *kv);
/* Arrays: strings (n views) and numbers of element type et. */
int kolm_gguf_writer_kv_arr_str(struct kolm_gguf_writer *w, const char *key,
				const char *const *v, uint64_t n);
int kolm_gguf_writer_kv_arr_raw(struct kolm_gguf_writer *w, const char *key, int et,
				const void *v, uint64_t n);
/* Declare tensors in file order; offsets are computed. */
int kolm_gguf_writer_tensor(struct kolm_gguf_writer *w, const char *name, int type,
			    const int64_t *ne, int n_dims);
/* Open the output (temp file) and write the header; after this only
 * tensor data may be written, in declaration order. */
int kolm_gguf_writer_begin(struct kolm_gguf_writer *w, const char *path, struct kolm_err *err);
/* Append data for the current tensor; a tensor may be written in pieces.
 * Padding is added automatically when a tensor's bytes are complete. */
int kolm_gguf_writer_data(struct kolm_gguf_writer *w, const void *buf, size_t n,
			  struct kolm_err *err);
/* Verify all tensor bytes were written, fsync, rename.  On error the temp
 * file is removed. sha_out (optional): SHA-256 hex of the data section. */
int kolm_gguf_writer_finish(struct kolm_gguf_writer *w, char sha_out[65], struct kolm_err *err);
/* The same in steps, for an output that must be examined before it is
 * published (the export measures its own K-score): _complete checks every
 * tensor byte was written and hashes the data section; the temp file is
 * then a whole GGUF at kolm_gguf_writer_temp_path(); _patch overwrites the
 * value of a declared key in place with one of equal size (a string's
 * bytes, or a scalar's); _commit fsyncs and renames. */
int kolm_gguf_writer_complete(struct kolm_gguf_writer *w, char sha_out[65], struct kolm_err *err);
const char *kolm_gguf_writer_temp_path(const struct kolm_gguf_writer *w);
int kolm_gguf_writer_patch(struct kolm_gguf_writer *w, const char *key, const void *value, size_t n,
			   struct kolm_err *err);
int kolm_gguf_writer_commit(struct kolm_gguf_writer *w, struct kolm_err *err);

#endif
