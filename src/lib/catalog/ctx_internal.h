/* ctx_internal.h - the context's private layout (library-internal). */
#ifndef KOLM_CTX_INTERNAL_H
#define KOLM_CTX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"

struct ctx_file {
	char *rel;
	char *owned;          /* heap copy when read from data_dir */
	const uint8_t *data;
	size_t len;
	json_t *json;         /* parsed lazily */
};

struct kolm_ctx {
	char *data_dir, *config_dir, *user_data_dir;
	struct ctx_file *files;
	int n_files;
	struct kolm_catalog cat;
	struct kolm_calib *calib; /* speed model, fitted on first use (calib.c) */
};

int kolm_catalog_load(struct kolm_ctx *c, struct kolm_err *err);
void kolm_catalog_release(struct kolm_ctx *c);

#endif
