/* ctx.c - the context (ctx.h): its data files (core/data.c), the catalogs
 * parsed from them (catalog.c) and the models of their bases, the user's
 * measurements directory, and the cache slots the layers above fill
 * (ctx_internal.h). */
#include "ctx_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_internal.h"
#include "core/data_internal.h"
#include "kolm/model.h"
#include "kolm/util.h"

enum { MAX_SLOTS = 8 };

struct ctx_slot {
	const void *key;
	void *p;
	void (*free_fn)(void *);
};

struct kolm_ctx {
	struct kolm_data *data;
	char *user_data_dir;
	double rsync_over; /* -1: data/commands.json's */
	struct kolm_catalog cat;
	struct ctx_slot slots[MAX_SLOTS];
	int n_slots;
};

const uint8_t *kolm_embedded(const char *rel, size_t *len)
{
	return kolm_data_embedded(rel, len);
}

void kolm_ctx_opts_from_env(struct kolm_ctx_opts *o, char *buf, size_t cap)
{
	memset(o, 0, sizeof *o);
	const char *dd = getenv("KOLM_DATA_DIR");
	o->data_dir = dd && *dd ? dd : NULL;
	const char *xc = getenv("XDG_CONFIG_HOME"), *xd = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	size_t half = cap / 2;
	if (xc && *xc)
		snprintf(buf, half, "%s/kolm", xc);
	else if (home && *home)
		snprintf(buf, half, "%s/.config/kolm", home);
	else
		buf[0] = '\0';
	if (xd && *xd)
		snprintf(buf + half, cap - half, "%s/kolm", xd);
	else if (home && *home)
		snprintf(buf + half, cap - half, "%s/.local/share/kolm", home);
	else
		buf[half] = '\0';
	o->config_dir = buf[0] ? buf : NULL;
	o->user_data_dir = buf[half] ? buf + half : NULL;
	const char *ro = getenv("KOLM_RSYNC_OVER_BYTES");
	o->rsync_over_bytes = ro && *ro ? ro : NULL;
}

/* a decimal byte count (digits only, no sign, fits in 2^53) */
static int byte_count(const char *s, double *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 15)
		return -1;
	*out = strtod(s, NULL);
	return 0;
}

int kolm_ctx_new(struct kolm_ctx **out, const struct kolm_ctx_opts *opts, struct kolm_err *err)
{
	struct kolm_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	c->rsync_over = -1;
	if (opts && opts->rsync_over_bytes && byte_count(opts->rsync_over_bytes, &c->rsync_over)) {
		free(c);
		return kolm_err_set(err, KOLM_E_USAGE, "KOLM_RSYNC_OVER_BYTES: '%s' is not a byte count",
				    opts->rsync_over_bytes);
	}
	int rc = kolm_data_new(&c->data, opts ? opts->data_dir : NULL, opts ? opts->config_dir : NULL, err);
	if (rc)
		goto out;
	c->user_data_dir = kolm_strdup(opts ? opts->user_data_dir : NULL);
	if (opts && opts->user_data_dir && !c->user_data_dir) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = kolm_cat_load(&c->cat, c->data, err);
out:
	if (rc) {
		kolm_ctx_free(c);
		return rc;
	}
	*out = c;
	return KOLM_OK;
}

void kolm_ctx_free(struct kolm_ctx *c)
{
	if (!c)
		return;
	/* the cached things may borrow from the data files: free them first */
	for (int i = c->n_slots - 1; i >= 0; i--)
		c->slots[i].free_fn(c->slots[i].p);
	kolm_cat_release(&c->cat);
	kolm_data_free(c->data);
	free(c->user_data_dir);
	free(c);
}

double kolm_ctx_rsync_over_bytes(const struct kolm_ctx *c)
{
	return c->rsync_over;
}

const uint8_t *kolm_ctx_data(const struct kolm_ctx *c, const char *rel, size_t *len)
{
	return kolm_data_bytes(c->data, rel, len);
}

json_t *kolm_ctx_json(struct kolm_ctx *c, const char *rel, struct kolm_err *err)
{
	return kolm_data_json(c->data, rel, err);
}

const char *kolm_ctx_user_data_dir(const struct kolm_ctx *c)
{
	return c->user_data_dir;
}

void *kolm_ctx_cached(const struct kolm_ctx *c, const void *key)
{
	for (int i = 0; i < c->n_slots; i++)
		if (c->slots[i].key == key)
			return c->slots[i].p;
	return NULL;
}

int kolm_ctx_cache(struct kolm_ctx *c, const void *key, void *p, void (*free_fn)(void *), struct kolm_err *err)
{
	for (int i = 0; i < c->n_slots; i++) {
		if (c->slots[i].key == key) {
			c->slots[i].free_fn(c->slots[i].p);
			c->slots[i] = (struct ctx_slot){key, p, free_fn};
			return KOLM_OK;
		}
	}
	if (c->n_slots == MAX_SLOTS) {
		free_fn(p);
		return kolm_err_set(err, KOLM_E_NOMEM, "context: no free cache slot");
	}
	c->slots[c->n_slots++] = (struct ctx_slot){key, p, free_fn};
	return KOLM_OK;
}

/* ---- the catalogs --------------------------------------------------------- */

const struct kolm_catalog *kolm_catalog(const struct kolm_ctx *c)
{
	return &c->cat;
}

const struct kolm_device *kolm_catalog_device_find(const struct kolm_ctx *c, const char *id)
{
	return kolm_cat_device_find(&c->cat, id);
}

const struct kolm_base *kolm_catalog_base_find(const struct kolm_ctx *c, const char *id)
{
	return kolm_cat_base_find(&c->cat, id);
}

const struct kolm_format *kolm_catalog_format_find(const struct kolm_ctx *c, const char *id)
{
	return kolm_cat_format_find(&c->cat, id);
}

const struct kolm_format *kolm_catalog_tier_format(const struct kolm_ctx *c, const char *tier, const char *backend)
{
	return kolm_cat_tier_format(&c->cat, tier, backend);
}

int kolm_catalog_quant_resolve(const struct kolm_ctx *c, const char *quant, const char *backend,
			       const struct kolm_format **out, struct kolm_err *err)
{
	return kolm_cat_quant_resolve(&c->cat, quant, backend, out, err);
}

int kolm_catalog_not_found(const struct kolm_ctx *c, const char *kind, const char *id, struct kolm_err *err)
{
	return kolm_cat_not_found(&c->cat, kind, id, err);
}

int kolm_model_from_base(struct kolm_model *m, struct kolm_ctx *c, const char *base_id, struct kolm_err *err)
{
	const struct kolm_base *b = kolm_cat_base_find(&c->cat, base_id);
	if (!b)
		return kolm_cat_not_found(&c->cat, "base", base_id, err);
	int rc = kolm_model_from_config(m, b->config, b->tokenizer, err);
	if (rc)
		return kolm_err_prefix(err, "base '%s'", base_id);
	m->source = "catalog";
	return KOLM_OK;
}
