/*
 * ctx.h - the library context: the data files and the catalogs (devices,
 * bases, formats) read from them, loaded once, and what upper layers cache
 * per context (the speed model).
 *
 * Data files are looked up by relative path ("data/devices.json"): first in
 * opts.data_dir (--data-dir / KOLM_DATA_DIR) when set, else in the copy
 * embedded at build time.  Devices and bases are then extended by the user's
 * own files $XDG_CONFIG_HOME/kolm/devices.json and bases.json (same schema,
 * same parser; a user entry with an existing id replaces it).  The user's
 * measurements ($XDG_DATA_HOME/kolm/measurements.tsv) join calibration.
 *
 * kolm_ctx_new allocates and loads the catalogs (a catalog that cannot be
 * parsed fails it); kolm_ctx_free releases (NULL ok).  Everything a getter
 * returns is borrowed and lives until kolm_ctx_free.  A context is used by
 * one thread at a time.
 */
#ifndef KOLM_CTX_H
#define KOLM_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/catalog.h"
#include "kolm/err.h"

struct kolm_ctx;
struct kolm_model;
typedef struct json_t json_t;

struct kolm_ctx_opts {
	const char *data_dir;       /* override for data/ (NULL: embedded) */
	const char *config_dir;     /* user catalog extensions (NULL: none) */
	const char *user_data_dir;  /* user measurements dir (NULL: none) */
	/* KOLM_RSYNC_OVER_BYTES: a single file larger than this many bytes is
	 * moved with rsync --partial, else scp (NULL: data/commands.json's
	 * rsync_over_bytes, 2 GB); a decimal byte count, else kolm_ctx_new
	 * fails with KOLM_E_USAGE */
	const char *rsync_over_bytes;
};

/* Fill opts from KOLM_DATA_DIR, XDG_CONFIG_HOME/kolm (or ~/.config/kolm),
 * XDG_DATA_HOME/kolm (or ~/.local/share/kolm) and KOLM_RSYNC_OVER_BYTES.  Pointers are borrowed
 * from the environment. */
void kolm_ctx_opts_from_env(struct kolm_ctx_opts *o, char *buf, size_t cap);

int kolm_ctx_new(struct kolm_ctx **out, const struct kolm_ctx_opts *opts, struct kolm_err *err);
void kolm_ctx_free(struct kolm_ctx *ctx);

/* Raw data file (override dir first, then embedded).  Borrowed; NULL if absent. */
const uint8_t *kolm_ctx_data(const struct kolm_ctx *ctx, const char *rel, size_t *len);
/* Parsed JSON data file (cached in ctx; borrowed). NULL + err if absent/bad. */
json_t *kolm_ctx_json(struct kolm_ctx *ctx, const char *rel, struct kolm_err *err);
const char *kolm_ctx_user_data_dir(const struct kolm_ctx *ctx);

/* Embedded file lookup (no ctx): NULL if not embedded. */
const uint8_t *kolm_embedded(const char *rel, size_t *len);

/* ---- the catalogs (kolm/catalog.h) ------------------------------------ */
const struct kolm_catalog *kolm_catalog(const struct kolm_ctx *ctx);
/* By id, ignoring case; NULL if none. */
const struct kolm_device *kolm_catalog_device_find(const struct kolm_ctx *ctx, const char *id);
const struct kolm_base *kolm_catalog_base_find(const struct kolm_ctx *ctx, const char *id);
const struct kolm_format *kolm_catalog_format_find(const struct kolm_ctx *ctx, const char *id);
/* Tier ("int4") + backend ("gguf") -> format; NULL if the backend has none. */
const struct kolm_format *kolm_catalog_tier_format(const struct kolm_ctx *ctx, const char *tier,
						   const char *backend);
/* Resolve a user's --quant: a tier name for `backend`, or an exact format
 * id.  Unknown -> KOLM_E_NOTFOUND with "did you mean" in err. */
int kolm_catalog_quant_resolve(const struct kolm_ctx *ctx, const char *quant, const char *backend,
			       const struct kolm_format **out, struct kolm_err *err);
/* Error for an unknown id of `kind` ("device", "base", "quant") with the
 * closest known ids suggested. Returns KOLM_E_NOTFOUND. */
int kolm_catalog_not_found(const struct kolm_ctx *ctx, const char *kind, const char *id,
			   struct kolm_err *err);
/* The model of a catalog base (its config.json; model.h), source "catalog". */
int kolm_model_from_base(struct kolm_model *m, struct kolm_ctx *ctx, const char *base_id,
			 struct kolm_err *err);

#endif
