/*
 * util.h - small shared helpers: mapped files, atomic output files, SHA-256
 * (OpenSSL EVP), checked arithmetic and string helpers.
 *
 * Ownership: kolm_map_open fills a caller-allocated struct; kolm_map_close
 * releases it (accepts a zeroed struct).  kolm_out_* writes to
 * "<path>.kolm-tmp.<pid>.<n>" beside the target, fsyncs, and renames over the
 * target only in kolm_out_commit; kolm_out_abort (or a crash) never leaves a
 * file at the target path.
 */
#ifndef KOLM_UTIL_H
#define KOLM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kolm/err.h"

/* ---- read-only mapped file ------------------------------------------- */
struct kolm_map {
	const uint8_t *data;   /* NULL for an empty file */
	uint64_t size;         /* bytes */
	int fd;                /* -1 when closed */
};

int kolm_map_open(struct kolm_map *m, const char *path, struct kolm_err *err);
void kolm_map_close(struct kolm_map *m);

/* Read a whole (small) file into a NUL-terminated heap buffer, refusing files
 * larger than max_bytes.  Caller frees *out. */
int kolm_file_read_all(const char *path, uint64_t max_bytes, char **out,
		       size_t *out_len, struct kolm_err *err);

/* ---- a set of named files: a directory, or members read in place ----- */
struct kolm_file_view {
	const char *name;          /* member name ("config.json") */
	const uint8_t *data;       /* borrowed */
	uint64_t size;
};

/* Where readers find "config.json", "tokenizer.json", shards...: under dir,
 * or among views (a .kolm's members, mapped in place; never extracted). */
struct kolm_files {
	const char *dir;
	const struct kolm_file_view *views;
	int n_views;
	const char *label;         /* for messages: the directory or artifact path */
};

/* Borrow one file: from views, or mapped from dir.  KOLM_E_IO (quietly, err
 * may be NULL) when absent.  Release with kolm_map_close (a view's map has
 * fd -1 and is not unmapped: kolm_files_get marks it). */
int kolm_files_get(const struct kolm_files *f, const char *name, struct kolm_map *m, struct kolm_err *err);
void kolm_files_put(const struct kolm_files *f, struct kolm_map *m);

/* ---- a growing NUL-terminated string ------------------------------------ */
struct kolm_buf {
	char *p;        /* NULL until something is added; caller frees */
	size_t len, cap;
	int oom;        /* set once an allocation failed; later adds do nothing */
};
void kolm_buf_add(struct kolm_buf *b, const char *s, size_t n);

/* ---- atomic output file ---------------------------------------------- */
struct kolm_out {
	FILE *fp;
	char *path;      /* final path */
	char *tmp_path;  /* temporary path in the same directory */
	uint64_t written;
	int failed;
};

int kolm_out_open(struct kolm_out *o, const char *path, struct kolm_err *err);
int kolm_out_write(struct kolm_out *o, const void *buf, size_t n, struct kolm_err *err);
int kolm_out_pad(struct kolm_out *o, size_t n, struct kolm_err *err); /* n zero bytes */
/* flush + fsync + rename + fsync(dir).  Frees the struct's resources. */
int kolm_out_commit(struct kolm_out *o, struct kolm_err *err);
/* remove the temp file and free resources; accepts an unopened struct */
void kolm_out_abort(struct kolm_out *o);

/* Write a whole buffer atomically. */
int kolm_file_write_atomic(const char *path, const void *buf, size_t n, struct kolm_err *err);

/* Remove stale "<name>.kolm-tmp.*" files left beside path by killed runs
 * whose pid no longer exists.  Returns the number removed. */
int kolm_out_clean_stale(const char *path);

/* ---- per-user temporary work ----------------------------------------
 * Temporary work (pack's K measurement, verify's re-derived export, the
 * server's uploads) lives in "$TMPDIR/kolm-<uid>/" (mode 0700, owned by the
 * user: refused otherwise), one "<what>-<pid>-XXXXXX" directory per job.
 * Making one first removes the entries of processes that no longer exist,
 * so a kill -9 leaves nothing behind past the next run.  KOLM_E_IO when
 * the path does not fit in cap bytes. */
int kolm_tmpdir_make(char *dir, size_t cap, const char *what, struct kolm_err *err);
/* Remove a directory made by kolm_tmpdir_make and everything in it. */
void kolm_tmpdir_remove(const char *dir);
/* An export's output directory may be written: KOLM_OK when path does not
 * exist or is an empty directory; KOLM_E_IO "PATH: exists and is not an
 * empty directory (remove it first)" otherwise. */
int kolm_out_dir_free(const char *path, struct kolm_err *err);

/* ---- a directory's files ----------------------------------------------
 * Every regular file under root (recursively, nothing followed) as a JSON
 * array of {"path" (relative, '/'-separated), "size", "sha256"} sorted by
 * path bytewise (tree.c).  KOLM_E_NO with why (cap bytes) naming the first
 * entry that is not a regular file or directory (a symlink, device, FIFO,
 * socket), a name with a control character, more than 100,000 files or 32
 * levels, or a root that is not a directory; KOLM_E_IO / KOLM_E_NOMEM in
 * err when a file cannot be read. */
typedef struct json_t json_t;
int kolm_tree_files(const char *root, json_t **files, char *why, size_t cap, struct kolm_err *err);

/* ---- SHA-256 ----------------------------------------------------------
 * Fails closed: when OpenSSL cannot compute the digest (no provider offers
 * SHA-256, an EVP call fails) final/buf/hex_range return KOLM_E_IO with the
 * reason and the output is all zeros, never a plausible hash to compare. */
struct kolm_sha256 { void *ctx; int bad; };
int kolm_sha256_init(struct kolm_sha256 *s, struct kolm_err *err);
void kolm_sha256_update(struct kolm_sha256 *s, const void *buf, size_t n); /* a failure is kept for final */
int kolm_sha256_final(struct kolm_sha256 *s, uint8_t out[32], struct kolm_err *err); /* frees ctx */
void kolm_sha256_release(struct kolm_sha256 *s); /* free without a digest */
int kolm_sha256_buf(const void *buf, size_t n, uint8_t out[32], struct kolm_err *err);
void kolm_hex(const uint8_t *in, size_t n, char *out); /* out: 2n+1 bytes */
/* Hash a byte range of a mapped buffer in large chunks (madvise sequential). */
int kolm_sha256_hex_range(const uint8_t *p, uint64_t n, char out[65], struct kolm_err *err);

/* ---- arithmetic ------------------------------------------------------- */
static inline int kolm_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{ return __builtin_mul_overflow(a, b, r) ? -1 : 0; }
static inline int kolm_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{ return __builtin_add_overflow(a, b, r) ? -1 : 0; }
static inline uint64_t kolm_align_up(uint64_t x, uint64_t a)
{ return x + (a - x % a) % a; }

/* ---- strings ---------------------------------------------------------- */
/* snprintf into a fixed buffer; returns -1 if truncated. */
int kolm_strlcpy(char *dst, const char *src, size_t cap);
char *kolm_strdup(const char *s); /* NULL-safe */
/* Levenshtein distance (for "did you mean" suggestions). */
int kolm_edit_distance(const char *a, const char *b);
/* POSIX-shell single-quote `s` when needed; caller frees. */
char *kolm_shell_quote(const char *s);

/* Human figures that never read "0.00" for something small and never use
 * scientific notation: bytes as "1.27 GB", "968.7 kB", "512 B" (1e9/1e6/1e3,
 * as the catalogs count); a count as "8.03B", "231.0M", "231K", "12";
 * a rate as "6760", "20.1", "3.84", "0.0123".  Return buf. */
const char *kolm_fmt_bytes(char *buf, size_t cap, double bytes);
const char *kolm_fmt_count(char *buf, size_t cap, double n);
const char *kolm_fmt_rate(char *buf, size_t cap, double v);

#endif
