/* catalog.c - parse data/devices.json, data/bases.json, data/formats.json
 * (embedded or --data-dir) plus the user's $XDG_CONFIG_HOME/kolm extensions
 * into a struct kolm_catalog, and find entries in it (catalog_internal.h).
 * The context (ctx.c) holds the catalog; nothing here knows the context. */
#include "catalog_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/data_internal.h"
#include "core/json_internal.h"
#include "kolm/util.h"

static int need_str(json_t *o, const char *k, const char **out, const char *what,
		    struct kolm_err *err)
{
	*out = kolm_json_str(o, k);
	if (!*out)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: missing string '%s'", what, k);
	return KOLM_OK;
}

static int need_num(json_t *o, const char *k, double *out, const char *what, struct kolm_err *err)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_number(v) || !(json_number_value(v) >= 0))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: missing non-negative number '%s'", what, k);
	*out = json_number_value(v);
	return KOLM_OK;
}

static int parse_device(json_t *o, struct kolm_device *d, const char *file, struct kolm_err *err)
{
	char what[160];
	memset(d, 0, sizeof *d);
	d->json = o;
	if (!json_is_object(o))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: device entry is not an object", file);
	const char *id = kolm_json_str(o, "id");
	snprintf(what, sizeof what, "%s: device '%s'", file, id ? id : "?");
	int rc;
	double v;
	if ((rc = need_str(o, "id", &d->id, what, err)) || (rc = need_str(o, "name", &d->name, what, err)) ||
	    (rc = need_str(o, "class", &d->klass, what, err)) ||
	    (rc = need_str(o, "memory_kind", &d->mem_kind, what, err)) ||
	    (rc = need_str(o, "backend", &d->backend, what, err)))
		return rc;
	if ((rc = need_num(o, "memory_gb", &v, what, err)))
		return rc;
	d->mem_bytes = (uint64_t)llround(v * 1e9);
	if ((rc = need_num(o, "bandwidth_gbs", &v, what, err)))
		return rc;
	d->bw_bytes_per_s = v * 1e9;
	if (!(v > 0))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: bandwidth_gbs must be > 0", what);
	if ((rc = need_num(o, "tflops_fp16", &v, what, err)))
		return rc;
	d->flops_fp16 = v * 1e12;
	d->tops_int8 = kolm_json_num(o, "tops_int8", 0) * 1e12;
	d->flops_tensor_fp16 = kolm_json_num(o, "tflops_tensor_fp16", 0) * 1e12;
	d->flops_tensor_bf16 = kolm_json_num(o, "tflops_tensor_bf16", 0) * 1e12;
	d->cpu_tops_int8 = kolm_json_num(o, "cpu_tops_int8", 0) * 1e12;
	d->compute_unit = kolm_json_str(o, "compute_unit");
	d->variant_of = kolm_json_str(o, "variant_of");
	d->storage_bytes_per_s = kolm_json_num(o, "storage_read_mbs", 500) * 1e6;
	d->storage_kind = kolm_json_str(o, "storage_kind");
	json_t *cap = json_object_get(o, "platform_cap");
	if (json_is_object(cap)) {
		d->cap_frac = kolm_json_num(cap, "fraction", 0);
		d->cap_bytes = (uint64_t)llround(kolm_json_num(cap, "gb", 0) * 1e9);
		d->cap_note = kolm_json_str(cap, "note");
	}
	json_t *rt = json_object_get(o, "runtimes");
	size_t i;
	json_t *x;
	json_array_foreach(rt, i, x)
	{
		if (json_is_string(x) && d->n_runtimes < KOLM_MAX_RUNTIMES)
			d->runtimes[d->n_runtimes++] = json_string_value(x);
	}
	if (d->n_runtimes == 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: needs at least one runtime", what);
	json_t *mo = json_object_get(o, "memory_options_gb");
	json_array_foreach(mo, i, x)
	{
		if (json_is_number(x) && d->n_mem_options < KOLM_MAX_MEM_OPTIONS)
			d->mem_options_gb[d->n_mem_options++] = json_number_value(x);
	}
	d->backend_reason = kolm_json_str(o, "backend_reason");
	d->cpu_cores = (int)kolm_json_num(o, "cpu_cores", 0);
	d->host_bw_bytes_per_s = kolm_json_num(o, "host_bandwidth_gbs", 0) * 1e9;
	d->host_mem_bytes = (uint64_t)llround(kolm_json_num(o, "host_memory_gb", 0) * 1e9);
	d->power_mode = kolm_json_str(o, "power_mode");
	d->transfer = kolm_json_str(o, "transfer");
	if (!d->transfer)
		d->transfer = "scp";
	d->user = kolm_json_str(o, "ssh_user");
	d->host = kolm_json_str(o, "ssh_host");
	return KOLM_OK;
}

static int parse_base(json_t *o, struct kolm_base *b, const char *file, struct kolm_err *err)
{
	char what[160];
	memset(b, 0, sizeof *b);
	b->json = o;
	const char *id = kolm_json_str(o, "id");
	snprintf(what, sizeof what, "%s: base '%s'", file, id ? id : "?");
	int rc;
	if ((rc = need_str(o, "id", &b->id, what, err)) || (rc = need_str(o, "name", &b->name, what, err)) ||
	    (rc = need_str(o, "tokenizer", &b->tokenizer, what, err)))
		return rc;
	b->hf_repo = kolm_json_str(o, "hf_repo");
	b->gated = json_is_true(json_object_get(o, "gated"));
	b->config = json_object_get(o, "config");
	if (!json_is_object(b->config))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: missing object 'config'", what);
	b->published_params = (int64_t)kolm_json_num(o, "published_params", 0);
	b->calibration_only = json_is_true(json_object_get(o, "calibration_only"));
	return KOLM_OK;
}

static int parse_format(json_t *o, struct kolm_format *f, const char *file, struct kolm_err *err)
{
	char what[160];
	memset(f, 0, sizeof *f);
	f->json = o;
	const char *id = kolm_json_str(o, "id");
	snprintf(what, sizeof what, "%s: format '%s'", file, id ? id : "?");
	int rc;
	if ((rc = need_str(o, "id", &f->id, what, err)) ||
	    (rc = need_str(o, "backend", &f->backend, what, err)) ||
	    (rc = need_str(o, "label", &f->label, what, err)))
		return rc;
	f->tier = kolm_json_str(o, "tier");
	f->ftype = (int)kolm_json_num(o, "ftype", -1);
	f->bits = (int)kolm_json_num(o, "bits", 0);
	f->group = (int)kolm_json_num(o, "group", 0);
	f->scale_bytes = kolm_json_num(o, "scale_bytes", 0);
	f->zero_bytes = kolm_json_num(o, "zero_bytes", 0);
	f->kld_equiv = kolm_json_num(o, "kld", -1);
	f->ext = kolm_json_str(o, "ext");
	if (!f->ext)
		f->ext = "gguf";
	if (strcmp(f->backend, "gguf") == 0 && f->ftype < 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: gguf format needs 'ftype'", what);
	if (strcmp(f->backend, "gguf") != 0 && f->bits <= 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: needs 'bits'", what);
	return KOLM_OK;
}

typedef int (*parse_fn)(json_t *, void *, const char *, struct kolm_err *);

/* Append the entries of `arr` to (*items, *n) of element size sz, replacing
 * an existing entry with the same id. */
static int merge_entries(json_t *arr, void **items, int *n, size_t sz, parse_fn fn,
			 const char *file, struct kolm_err *err)
{
	if (!json_is_array(arr))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: expected an array of entries", file);
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		uint8_t tmp[sizeof(struct kolm_device) > sizeof(struct kolm_format)
				    ? (sizeof(struct kolm_device) > sizeof(struct kolm_base)
					       ? sizeof(struct kolm_device)
					       : sizeof(struct kolm_base))
				    : sizeof(struct kolm_format)];
		int rc = fn(x, tmp, file, err);
		if (rc)
			return rc;
		const char *id = *(const char **)tmp; /* every struct starts with id */
		int slot = -1;
		for (int k = 0; k < *n; k++)
			if (strcmp(*(const char **)((uint8_t *)*items + (size_t)k * sz), id) == 0)
				slot = k;
		if (slot < 0) {
			void *ni = realloc(*items, sz * (size_t)(*n + 1));
			if (!ni)
				return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			*items = ni;
			slot = (*n)++;
		}
		memcpy((uint8_t *)*items + (size_t)slot * sz, tmp, sz);
	}
	return KOLM_OK;
}

/* One catalog file: the entries of its array `key`, merged by id into the
 * catalog's list at off_items/off_n. */
struct cat_spec {
	const char *file, *key;
	const char *user;     /* the user's file of the same schema, or NULL */
	int optional;         /* models the picker does not list (calibration only) */
	size_t sz;
	parse_fn fn;
	size_t off_items, off_n;
};

static const struct cat_spec cat_specs[] = {
	{"data/devices.json", "devices", "devices.json", 0, sizeof(struct kolm_device), (parse_fn)parse_device,
	 offsetof(struct kolm_catalog, devices), offsetof(struct kolm_catalog, n_devices)},
	{"data/bases.json", "bases", "bases.json", 0, sizeof(struct kolm_base), (parse_fn)parse_base,
	 offsetof(struct kolm_catalog, bases), offsetof(struct kolm_catalog, n_bases)},
	/* models that published measurements use but the picker does not list */
	{"data/bases-calibration.json", "bases", NULL, 1, sizeof(struct kolm_base), (parse_fn)parse_base,
	 offsetof(struct kolm_catalog, bases), offsetof(struct kolm_catalog, n_bases)},
	{"data/formats.json", "formats", NULL, 0, sizeof(struct kolm_format), (parse_fn)parse_format,
	 offsetof(struct kolm_catalog, formats), offsetof(struct kolm_catalog, n_formats)},
};

static int cat_load_spec(struct kolm_catalog *cat, struct kolm_data *d, const struct cat_spec *s,
			 struct kolm_err *err)
{
	json_t *j = kolm_data_json(d, s->file, err);
	if (!j && s->optional) {
		kolm_err_clear(err);
		return KOLM_OK;
	}
	if (!j)
		return err ? err->code : KOLM_E_IO;
	void **items = (void **)((uint8_t *)cat + s->off_items);
	int *n = (int *)((uint8_t *)cat + s->off_n);
	int rc = merge_entries(json_object_get(j, s->key), items, n, s->sz, s->fn, s->file, err);
	if (rc)
		return rc;
	if (s->optional) {
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(j, s->key), i, x)
		{
			const char *id = kolm_json_str(x, "id");
			for (int k = 0; id && k < cat->n_bases; k++)
				if (!strcmp(cat->bases[k].id, id))
					cat->bases[k].calibration_only = 1;
		}
	}
	if (!s->user)
		return KOLM_OK;
	json_t *u;
	rc = kolm_data_user_json(d, s->user, &u, err);
	if (rc || !u)
		return rc;
	return merge_entries(json_object_get(u, s->key), items, n, s->sz, s->fn, s->user, err);
}

/* A memory variant is the same silicon: it names another device that is not
 * itself a variant (else the catalog is wrong: every link is checked before
 * any is dropped).  When the two no longer carry the same class, bandwidth
 * and compute figures (a user's devices.json overrode one of them), they
 * are not pooled: the link is dropped. */
static const struct kolm_device *variant_target(const struct kolm_catalog *cat, int i)
{
	for (int k = 0; k < cat->n_devices; k++)
		if (k != i && !strcmp(cat->devices[k].id, cat->devices[i].variant_of))
			return &cat->devices[k];
	return NULL;
}

static int check_variants(struct kolm_catalog *cat, struct kolm_err *err)
{
	for (int i = 0; i < cat->n_devices; i++) {
		const struct kolm_device *d = &cat->devices[i], *o;
		if (!d->variant_of)
			continue;
		if (!strcmp(d->variant_of, d->id))
			return kolm_err_set(err, KOLM_E_FORMAT, "devices.json: device '%s': variant_of names itself", d->id);
		if (!(o = variant_target(cat, i)) || o->variant_of)
			return kolm_err_set(err, KOLM_E_FORMAT, "devices.json: device '%s': variant_of '%s' %s", d->id,
					    d->variant_of, o ? "is itself a variant (name the device it varies)" : "is not a device");
	}
	for (int i = 0; i < cat->n_devices; i++) {
		struct kolm_device *d = &cat->devices[i];
		const struct kolm_device *o = d->variant_of ? variant_target(cat, i) : NULL;
		if (o && (strcmp(o->klass, d->klass) || o->bw_bytes_per_s != d->bw_bytes_per_s ||
			  o->flops_fp16 != d->flops_fp16 || o->cpu_tops_int8 != d->cpu_tops_int8 ||
			  o->tops_int8 != d->tops_int8 || o->flops_tensor_fp16 != d->flops_tensor_fp16 ||
			  o->flops_tensor_bf16 != d->flops_tensor_bf16 ||
			  (o->compute_unit && d->compute_unit && strcmp(o->compute_unit, d->compute_unit))))
			d->variant_of = NULL;
	}
	return KOLM_OK;
}

int kolm_cat_load(struct kolm_catalog *cat, struct kolm_data *d, struct kolm_err *err)
{
	memset(cat, 0, sizeof *cat);
	for (size_t s = 0; s < sizeof cat_specs / sizeof cat_specs[0]; s++) {
		int rc = cat_load_spec(cat, d, &cat_specs[s], err);
		if (rc)
			return rc;
	}
	return check_variants(cat, err);
}

void kolm_cat_release(struct kolm_catalog *cat)
{
	free(cat->devices);
	free(cat->bases);
	free(cat->formats);
	memset(cat, 0, sizeof *cat);
}

const struct kolm_device *kolm_cat_device_find(const struct kolm_catalog *cat, const char *id)
{
	for (int i = 0; id && i < cat->n_devices; i++)
		if (strcasecmp(cat->devices[i].id, id) == 0)
			return &cat->devices[i];
	return NULL;
}

const struct kolm_base *kolm_cat_base_find(const struct kolm_catalog *cat, const char *id)
{
	for (int i = 0; id && i < cat->n_bases; i++)
		if (strcasecmp(cat->bases[i].id, id) == 0)
			return &cat->bases[i];
	return NULL;
}

const struct kolm_format *kolm_cat_format_find(const struct kolm_catalog *cat, const char *id)
{
	for (int i = 0; id && i < cat->n_formats; i++)
		if (strcasecmp(cat->formats[i].id, id) == 0)
			return &cat->formats[i];
	return NULL;
}

const struct kolm_format *kolm_cat_tier_format(const struct kolm_catalog *cat, const char *tier, const char *backend)
{
	for (int i = 0; tier && backend && i < cat->n_formats; i++) {
		const struct kolm_format *f = &cat->formats[i];
		if (f->tier && strcasecmp(f->tier, tier) == 0 && strcasecmp(f->backend, backend) == 0)
			return f;
	}
	return NULL;
}

static const char *const tiers[] = {"fp16", "int8", "int6", "int5", "int4", "int3", "int2"};
enum { N_TIERS = sizeof tiers / sizeof tiers[0] };

static int is_tier(const char *q)
{
	for (size_t i = 0; i < N_TIERS; i++)
		if (strcasecmp(q, tiers[i]) == 0)
			return 1;
	return 0;
}

int kolm_cat_quant_resolve(const struct kolm_catalog *cat, const char *quant, const char *backend,
			   const struct kolm_format **out, struct kolm_err *err)
{
	if (is_tier(quant)) {
		const struct kolm_format *f = kolm_cat_tier_format(cat, quant, backend);
		if (!f) {
			char offer[512] = "";
			size_t len = 0;
			for (int i = 0; i < cat->n_formats; i++) {
				const struct kolm_format *g = &cat->formats[i];
				if (g->tier && strcasecmp(g->backend, backend) == 0 && len + 16 < sizeof offer)
					len += (size_t)snprintf(offer + len, sizeof offer - len, "%s%s",
								len ? ", " : "", g->tier);
			}
			return kolm_err_set(err, KOLM_E_USAGE,
					    "tier '%s': backend %s has no such format (it offers %s)", quant,
					    backend, len ? offer : "none");
		}
		*out = f;
		return KOLM_OK;
	}
	const struct kolm_format *f = kolm_cat_format_find(cat, quant);
	if (!f)
		return kolm_cat_not_found(cat, "quant", quant, err);
	*out = f;
	return KOLM_OK;
}

/* The ids of `kind` a user may type: devices, bases, or formats and tiers. */
static const char **known_ids(const struct kolm_catalog *cat, const char *kind, int *n)
{
	if (strcmp(kind, "device") == 0)
		*n = cat->n_devices;
	else if (strcmp(kind, "base") == 0)
		*n = cat->n_bases;
	else
		*n = cat->n_formats + N_TIERS;
	const char **ids = calloc((size_t)*n + 1, sizeof *ids);
	for (int i = 0; ids && i < *n; i++) {
		if (strcmp(kind, "device") == 0)
			ids[i] = cat->devices[i].id;
		else if (strcmp(kind, "base") == 0)
			ids[i] = cat->bases[i].id;
		else
			ids[i] = i < cat->n_formats ? cat->formats[i].id : tiers[i - cat->n_formats];
	}
	return ids;
}

int kolm_cat_not_found(const struct kolm_catalog *cat, const char *kind, const char *id, struct kolm_err *err)
{
	const char *best[3] = {0};
	int bd[3] = {1000, 1000, 1000};
	int n;
	const char **ids = known_ids(cat, kind, &n);
	if (!ids)
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown %s '%s'", kind, id);
	for (int i = 0; i < n; i++) {
		int d = kolm_edit_distance(id, ids[i]);
		if (strstr(ids[i], id) || strstr(id, ids[i]))
			d = d < 2 ? d : 2;
		for (int k = 0; k < 3; k++) {
			if (d < bd[k]) {
				for (int m = 2; m > k; m--) {
					bd[m] = bd[m - 1];
					best[m] = best[m - 1];
				}
				bd[k] = d;
				best[k] = ids[i];
				break;
			}
		}
	}
	free(ids);
	if (best[0] && bd[0] <= 4)
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown %s '%s'; did you mean %s%s%s%s%s?", kind,
				    id, best[0], best[1] && bd[1] <= 4 ? ", " : "",
				    best[1] && bd[1] <= 4 ? best[1] : "", best[2] && bd[2] <= 4 ? ", " : "",
				    best[2] && bd[2] <= 4 ? best[2] : "");
	return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown %s '%s' (see 'kolm %ss')", kind, id,
			    strcmp(kind, "quant") == 0 ? "quant" : kind);
}

/* --mem-gb picks another memory variant of a catalog device: its name says
 * the memory it has ("Raspberry Pi 5 (4 GB)"), not the default's. */
const char *kolm_device_name(const struct kolm_device *d, char *buf, size_t cap)
{
	double def = kolm_json_num(d->json, "memory_gb", 0), now = (double)d->mem_bytes / 1e9;
	if (!(def > 0) || fabs(now - def) < 1e-6 || !cap)
		return d->name;
	char dn[32], nn[32];
	snprintf(dn, sizeof dn, "%g", def);
	snprintf(nn, sizeof nn, "%g", now);
	size_t dl = strlen(dn);
	for (const char *s = strstr(d->name, dn); s; s = strstr(s + 1, dn)) {
		const char *e = s + dl;
		int word = (s == d->name || !strchr("0123456789.", s[-1])) && (!strncmp(e, " GB", 3) || !strncmp(e, "GB", 2));
		if (word) {
			snprintf(buf, cap, "%.*s%s%s", (int)(s - d->name), d->name, nn, e);
			return buf;
		}
	}
	snprintf(buf, cap, "%s (%s GB)", d->name, nn);
	return buf;
}
