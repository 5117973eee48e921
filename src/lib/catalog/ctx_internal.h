/* ctx_internal.h - what the context keeps for the layers above it
 * (library-internal).  A module that computes something once per context
 * (the speed model, calib.c) stores it in a cache slot with the function
 * that frees it; the context frees it with itself, so the context needs no
 * knowledge of what it holds.  key: the address of a static object of the
 * owning module, unique in the process. */
#ifndef KOLM_CTX_INTERNAL_H
#define KOLM_CTX_INTERNAL_H

#include "kolm/ctx.h"

/* What was stored under key, or NULL. */
void *kolm_ctx_cached(const struct kolm_ctx *ctx, const void *key);
/* Store p under key (replacing and freeing what was there).  On failure
 * (KOLM_E_NOMEM) p is freed with free_fn. */
int kolm_ctx_cache(struct kolm_ctx *ctx, const void *key, void *p, void (*free_fn)(void *),
		   struct kolm_err *err);

/* The size above which one file is moved with rsync --partial rather than
 * scp: KOLM_RSYNC_OVER_BYTES (kolm_ctx_opts), or -1 for data/commands.json's. */
double kolm_ctx_rsync_over_bytes(const struct kolm_ctx *ctx);

#endif
