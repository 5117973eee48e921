/* catalog_internal.h - the catalogs as data (catalog.c): parsed from a
 * context's data files into a struct kolm_catalog, and found in it by id.
 * The context (ctx.c) loads one and answers the public lookups of ctx.h
 * with these; catalog.c itself never sees a context.
 *
 * May include: core (data files, JSON helpers), kolm/catalog.h. */
#ifndef KOLM_CATALOG_INTERNAL_H
#define KOLM_CATALOG_INTERNAL_H

#include "kolm/catalog.h"

struct kolm_data;

/* Parse the catalogs (and the user's devices.json / bases.json) into *cat;
 * the entries borrow their strings from d's parsed files.  On failure
 * *cat may hold some entries: release it. */
int kolm_cat_load(struct kolm_catalog *cat, struct kolm_data *d, struct kolm_err *err);
void kolm_cat_release(struct kolm_catalog *cat);

/* By id, ignoring case; NULL if none. */
const struct kolm_device *kolm_cat_device_find(const struct kolm_catalog *cat, const char *id);
const struct kolm_base *kolm_cat_base_find(const struct kolm_catalog *cat, const char *id);
const struct kolm_format *kolm_cat_format_find(const struct kolm_catalog *cat, const char *id);
const struct kolm_format *kolm_cat_tier_format(const struct kolm_catalog *cat, const char *tier, const char *backend);
int kolm_cat_quant_resolve(const struct kolm_catalog *cat, const char *quant, const char *backend,
			   const struct kolm_format **out, struct kolm_err *err);
int kolm_cat_not_found(const struct kolm_catalog *cat, const char *kind, const char *id, struct kolm_err *err);

#endif
