/* data.c - the data files of a context: the override directory, the copy
 * embedded at build time, the user's config files; read once, parsed once
 * (data_internal.h). */
#include "data_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/util.h"

struct kolm_embedded_file {
	const char *path;
	const unsigned char *data;
	size_t size;
};
extern const struct kolm_embedded_file kolm_embedded_files[]; /* generated: build/gen/embedded.c */

/* one file read (or found absent) */
struct data_file {
	char *rel;            /* "data/devices.json", or the user's "devices.json" */
	char *owned;          /* heap copy when read from a directory */
	const uint8_t *data;  /* NULL when absent */
	size_t len;
	json_t *json;         /* parsed on first use */
};

struct kolm_data {
	char *data_dir, *config_dir;
	struct data_file *files;
	int n_files;
};

const uint8_t *kolm_data_embedded(const char *rel, size_t *len)
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

int kolm_data_new(struct kolm_data **out, const char *data_dir, const char *config_dir, struct kolm_err *err)
{
	struct kolm_data *d = calloc(1, sizeof *d);
	if (!d)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	d->data_dir = kolm_strdup(data_dir);
	d->config_dir = kolm_strdup(config_dir);
	if ((data_dir && !d->data_dir) || (config_dir && !d->config_dir)) {
		kolm_data_free(d);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	*out = d;
	return KOLM_OK;
}

void kolm_data_free(struct kolm_data *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n_files; i++) {
		free(d->files[i].rel);
		free(d->files[i].owned);
		json_decref(d->files[i].json);
	}
	free(d->files);
	free(d->data_dir);
	free(d->config_dir);
	free(d);
}

/* Append f to the store; NULL (f's memory released) when out of memory. */
static struct data_file *data_keep(struct kolm_data *d, struct data_file f)
{
	struct data_file *nf = realloc(d->files, sizeof *nf * (size_t)(d->n_files + 1));
	if (!nf) {
		free(f.rel);
		free(f.owned);
		json_decref(f.json);
		return NULL;
	}
	d->files = nf;
	d->files[d->n_files] = f;
	return &d->files[d->n_files++];
}

static struct data_file *data_file(struct kolm_data *d, const char *rel)
{
	for (int i = 0; i < d->n_files; i++)
		if (strcmp(d->files[i].rel, rel) == 0)
			return &d->files[i];
	struct data_file f = {0};
	f.rel = kolm_strdup(rel);
	if (!f.rel)
		return NULL;
	if (d->data_dir) {
		char path[4096];
		const char *r = strncmp(rel, "data/", 5) == 0 ? rel + 5 : rel;
		if (snprintf(path, sizeof path, "%s/%s", d->data_dir, r) < (int)sizeof path) {
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
		f.data = kolm_data_embedded(rel, &f.len);
	return data_keep(d, f);
}

const uint8_t *kolm_data_bytes(struct kolm_data *d, const char *rel, size_t *len)
{
	struct data_file *f = data_file(d, rel);
	if (!f || !f->data)
		return NULL;
	if (len)
		*len = f->len;
	return f->data;
}

json_t *kolm_data_json(struct kolm_data *d, const char *rel, struct kolm_err *err)
{
	struct data_file *f = data_file(d, rel);
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

int kolm_data_user_json(struct kolm_data *d, const char *name, json_t **out, struct kolm_err *err)
{
	*out = NULL;
	if (!d->config_dir)
		return KOLM_OK;
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", d->config_dir, name) >= (int)sizeof path)
		return KOLM_OK;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return KOLM_OK; /* optional */
	fclose(fp);
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: line %d: %s", path, je.line, je.text);
	/* kept with the store: the catalogs borrow its strings */
	struct data_file f = {0};
	f.rel = kolm_strdup(name);
	f.json = j;
	if (!f.rel || !data_keep(d, f)) {
		if (!f.rel)
			json_decref(j);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	*out = j;
	return KOLM_OK;
}
