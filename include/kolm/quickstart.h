/*
 * quickstart.h - a per-device Markdown quickstart rendered from the
 * templates in data/quickstarts/ with the live forecast for one pick.
 *
 * Templates are Markdown with two kinds of placeholder:
 *   {{a.b.c}}    a value from the pick's kolm.forecast/1 JSON (strings
 *                verbatim, numbers to 3 significant digits) or from the
 *                derived "qs" object (qs.size, qs.need, qs.decode, ...);
 *   {{> name}}   the template data/quickstarts/_name.md, rendered in place.
 * An unknown placeholder is an error, never an empty string, so a template
 * typo cannot ship.  data/quickstarts/quickstarts.json names the default
 * pick per device class and which devices have a hand-written template.
 */
#ifndef KOLM_QUICKSTART_H
#define KOLM_QUICKSTART_H

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_pick;

/* Render the quickstart for pick->device_id (required).  pick->base_id and
 * pick->quant may be NULL: the device's default pick is used (the first
 * base of its class list that does not come out "over").  airgap_only
 * renders just the air-gapped transfer guide.  *md is malloc'd.  A pick
 * that does not fit (verdict "over") still gets its guide, which says so in
 * its first line, and KOLM_E_NO (the CLI exits 1, as for a missed gate). */
int kolm_quickstart(struct kolm_ctx *ctx, const struct kolm_pick *pick, int airgap_only, char **md,
		    struct kolm_err *err);

/* 1 if the device has a hand-written quickstart, 0 if it gets the generated one. */
int kolm_quickstart_is_full(struct kolm_ctx *ctx, const char *device_id);

#endif
