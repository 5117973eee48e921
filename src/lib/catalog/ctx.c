#include "kolm/ctx.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "forecast/calib_internal.h"
#include "ctx_internal.h"
#include "kolm/util.h"

struct kolm_embedded_file {
	const char *path;
	const unsigned char *data;
	size_t size;
};
extern const struct kolm_embedded_file kolm_embedded_files[];

const uint8_t *kolm_embedded(const char *rel, size_t *len)
{
	for (const struct kolm_embedded_file *f = kolm_embedded_files; f->path; f++) {
		if (strcmp(f->path, rel) == 0) {
			if (len)
				*len = f->size;
			return f->data;
		}
	}
	return NULL;
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
}

int kolm_ctx_new(struct kolm_ctx **out, const struct kolm_ctx_opts *opts, struct kolm_err *err)
{
	struct kolm_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (opts) {
		c->data_dir = kolm_strdup(opts->data_dir);
		c->config_dir = kolm_strdup(opts->config_dir);
		c->user_data_dir = kolm_strdup(opts->user_data_dir);
	}
	int rc = kolm_catalog_load(c, err);
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
	for (int i = 0; i < c->n_files; i++) {
		free(c->files[i].rel);
		free(c->files[i].owned);
		json_decref(c->files[i].json);
	}
	free(c->files);
	kolm_calib_free(c->calib);
	kolm_catalog_release(c);
	free(c->data_dir);
	free(c->config_dir);
	free(c->user_data_dir);
	free(c);
}

static struct ctx_file *ctx_file_get(const struct kolm_ctx *cc, const char *rel)
{
	struct kolm_ctx *c = (struct kolm_ctx *)cc; /* cache is logically const */
	for (int i = 0; i < c->n_files; i++)
		if (strcmp(c->files[i].rel, rel) == 0)
			return &c->files[i];
	struct ctx_file f = {0};
	f.rel = kolm_strdup(rel);
	if (!f.rel)
		return NULL;
	if (c->data_dir) {
		char path[4096];
		const char *r = strncmp(rel, "data/", 5) == 0 ? rel + 5 : rel;
		if (snprintf(path, sizeof path, "%s/%s", c->data_dir, r) < (int)sizeof path) {
			char *buf;
			size_t n;
			if (kolm_file_read_all(path, 64u << 20, &buf, &n, NULL) == KOLM_OK) {
				f.owned = buf;
				f.data = (const uint8_t *)buf;
				f.len = n;
			}
		}
	}
	if (!f.data)
		f.data = kolm_embedded(rel, &f.len);
	struct ctx_file *nf = realloc(c->files, sizeof *nf * (size_t)(c->n_files + 1));
	if (!nf) {
		free(f.rel);
		free(f.owned);
		return NULL;
	}
	c->files = nf;
	c->files[c->n_files] = f;
	return &c->files[c->n_files++];
}

const uint8_t *kolm_ctx_data(const struct kolm_ctx *c, const char *rel, size_t *len)
{
	struct ctx_file *f = ctx_file_get(c, rel);
	if (!f || !f->data)
		return NULL;
	if (len)
		*len = f->len;
	return f->data;
}

json_t *kolm_ctx_json(struct kolm_ctx *c, const char *rel, struct kolm_err *err)
{
	struct ctx_file *f = ctx_file_get(c, rel);
	if (!f || !f->data) {
		kolm_err_set(err, KOLM_E_IO, "%s: data file not found", rel);
		return NULL;
	}
	if (!f->json) {
		json_error_t je;
		f->json = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &je);
		if (!f->json) {
			kolm_err_set(err, KOLM_E_FORMAT, "%s: line %d: %s", rel, je.line, je.text);
			return NULL;
		}
	}
	return f->json;
}

const char *kolm_ctx_user_data_dir(const struct kolm_ctx *c)
{
	return c->user_data_dir;
}
