/* data_internal.h - where libkolm's data files come from (library-internal).
 *
 * A data file is named by its path in the source tree ("data/devices.json").
 * It is read from the override directory when one is set (--data-dir,
 * KOLM_DATA_DIR; "data/" is dropped from the name there), else from the copy
 * embedded at build time.  The user's own files (devices.json, bases.json
 * in $XDG_CONFIG_HOME/kolm) are read from the config directory.  Every file
 * is read once and its parsed JSON cached; all of it is borrowed from the
 * store and lives until kolm_data_free.  Not thread-safe: a store belongs to
 * one context, which belongs to one thread at a time.
 *
 * May include: core only.  The context (catalog/ctx.c), the catalogs and
 * the speed model read their files through here. */
#ifndef KOLM_DATA_INTERNAL_H
#define KOLM_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kolm/err.h"

struct kolm_data;

/* data_dir: override for data/ (NULL: embedded only); config_dir: the
 * user's catalog extensions (NULL: none).  Both are copied. */
int kolm_data_new(struct kolm_data **out, const char *data_dir, const char *config_dir, struct kolm_err *err);
void kolm_data_free(struct kolm_data *d); /* NULL ok */

/* The bytes of a data file; NULL if it is nowhere. */
const uint8_t *kolm_data_bytes(struct kolm_data *d, const char *rel, size_t *len);
/* The parsed data file; NULL + err (KOLM_E_IO absent, KOLM_E_FORMAT bad JSON). */
json_t *kolm_data_json(struct kolm_data *d, const char *rel, struct kolm_err *err);
/* The user's file `name` in the config directory, parsed: *out is NULL when
 * there is no config directory or no such file; a file that is not JSON is
 * an error (KOLM_E_FORMAT, "path: line N: why"). */
int kolm_data_user_json(struct kolm_data *d, const char *name, json_t **out, struct kolm_err *err);

/* A file embedded at build time (no store needed); NULL if not embedded. */
const uint8_t *kolm_data_embedded(const char *rel, size_t *len);

#endif
