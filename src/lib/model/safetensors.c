/* safetensors.c - validated safetensors reader (safetensors.h). */
#include "kolm/safetensors.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "kolm/types.h"
#include "kolm/util.h"

#define MAX_HEADER 100000000ULL /* the reference implementation's MAX_HEADER_SIZE */

static const struct {
	const char *name;
	int size;
} dtypes[KOLM_ST_COUNT] = {
	[KOLM_ST_BOOL] = {"BOOL", 1}, [KOLM_ST_U8] = {"U8", 1}, [KOLM_ST_I8] = {"I8", 1},
	[KOLM_ST_I16] = {"I16", 2}, [KOLM_ST_U16] = {"U16", 2}, [KOLM_ST_F16] = {"F16", 2},
	[KOLM_ST_BF16] = {"BF16", 2}, [KOLM_ST_I32] = {"I32", 4}, [KOLM_ST_U32] = {"U32", 4},
	[KOLM_ST_F32] = {"F32", 4}, [KOLM_ST_F64] = {"F64", 8}, [KOLM_ST_I64] = {"I64", 8},
	[KOLM_ST_U64] = {"U64", 8}, [KOLM_ST_F8_E5M2] = {"F8_E5M2", 1}, [KOLM_ST_F8_E4M3] = {"F8_E4M3", 1},
	[KOLM_ST_F8_E8M0] = {"F8_E8M0", 1}, [KOLM_ST_F8_E4M3FNUZ] = {"F8_E4M3FNUZ", 1},
	[KOLM_ST_F8_E5M2FNUZ] = {"F8_E5M2FNUZ", 1},
};

const char *kolm_st_dtype_name(int d)
{
	return d >= 0 && d < KOLM_ST_COUNT ? dtypes[d].name : "?";
}

int kolm_st_dtype_size(int d)
{
	return d >= 0 && d < KOLM_ST_COUNT ? dtypes[d].size : 0;
}

int kolm_st_dtype_ggml(int d)
{
	switch (d) {
	case KOLM_ST_F32: return KOLM_T_F32;
	case KOLM_ST_F16: return KOLM_T_F16;
	case KOLM_ST_BF16: return KOLM_T_BF16;
	case KOLM_ST_F64: return KOLM_T_F64;
	case KOLM_ST_I8: return KOLM_T_I8;
	case KOLM_ST_I16: return KOLM_T_I16;
	case KOLM_ST_I32: return KOLM_T_I32;
	case KOLM_ST_I64: return KOLM_T_I64;
	}
	return -1;
}

struct shard {
	struct kolm_map map;
	const uint8_t *base;
	uint64_t size;
	char *path;
	json_t *header;
};

struct kolm_safetensors {
	struct shard *sh;
	int n_sh;
	struct kolm_st_tensor *t;
	int64_t n_t;
	char **names;
	json_t *by_name;   /* tensor name -> index: lookups and the duplicate check in O(1) */
};

void kolm_safetensors_close(struct kolm_safetensors *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_sh; i++) {
		kolm_map_close(&s->sh[i].map);
		free(s->sh[i].path);
		json_decref(s->sh[i].header);
	}
	for (int64_t i = 0; i < s->n_t; i++)
		free(s->names[i]);
	free(s->names);
	json_decref(s->by_name);
	free(s->sh);
	free(s->t);
	free(s);
}

struct span {
	uint64_t b, e;
	int64_t idx;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->b < y->b ? -1 : x->b > y->b ? 1 : (x->e < y->e ? -1 : x->e > y->e);
}

/* Parse shard k (already mapped) and append its tensors. */
static int parse_shard(struct kolm_safetensors *s, int k, struct kolm_err *err)
{
	struct shard *sh = &s->sh[k];
	const char *nm = sh->path;
	if (sh->size < 8)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: too short for a safetensors header", nm);
	uint64_t n;
	memcpy(&n, sh->base, 8);
	if (n > MAX_HEADER)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: header of %llu bytes exceeds the %llu-byte limit", nm,
				    (unsigned long long)n, (unsigned long long)MAX_HEADER);
	if (n > sh->size - 8)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: header of %llu bytes runs past the end of the file", nm,
				    (unsigned long long)n);
	json_error_t je;
	json_t *h = json_loadb((const char *)sh->base + 8, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (!h)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: header JSON: %s", nm, je.text);
	sh->header = h;
	if (!json_is_object(h))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: header is not a JSON object", nm);
	json_t *meta = json_object_get(h, "__metadata__");
	if (meta) {
		const char *mk;
		json_t *mv;
		if (!json_is_object(meta))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: __metadata__ is not an object", nm);
		json_object_foreach(meta, mk, mv)
			if (!json_is_string(mv))
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: __metadata__ value '%s' is not a string", nm, mk);
	}
	size_t count = json_object_size(h) - (meta ? 1 : 0);
	struct kolm_st_tensor *nt = realloc(s->t, sizeof *nt * (size_t)(s->n_t + (int64_t)count + 1));
	char **nn = nt ? realloc(s->names, sizeof *nn * (size_t)(s->n_t + (int64_t)count + 1)) : NULL;
	if (nt)
		s->t = nt;
	if (nn)
		s->names = nn;
	struct span *spans = calloc(count + 1, sizeof *spans);
	if (!nt || !nn || !spans) {
		free(spans);
		return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", nm);
	}
	uint64_t buf_len = sh->size - 8 - n;
	const uint8_t *buf = sh->base + 8 + n;
	const char *key;
	json_t *v;
	size_t i = 0;
	int rc = KOLM_OK;
	json_object_foreach(h, key, v)
	{
		if (!strcmp(key, "__metadata__"))
			continue;
		struct kolm_st_tensor *t = &s->t[s->n_t];
		memset(t, 0, sizeof *t);
		const char *dt = json_string_value(json_object_get(v, "dtype"));
		json_t *shape = json_object_get(v, "shape"), *offs = json_object_get(v, "data_offsets");
		if (!json_is_object(v) || !dt || !json_is_array(shape) || !json_is_array(offs) || json_array_size(offs) != 2) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' needs dtype, shape and data_offsets", nm, key);
			break;
		}
		t->dtype = -1;
		for (int d = 0; d < KOLM_ST_COUNT; d++)
			if (!strcmp(dtypes[d].name, dt))
				t->dtype = d;
		if (t->dtype < 0) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' has unknown dtype '%s'", nm, key, dt);
			break;
		}
		if (json_array_size(shape) > KOLM_ST_MAX_DIMS) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' has %zu dimensions", nm, key, json_array_size(shape));
			break;
		}
		uint64_t el = 1;
		size_t d;
		json_t *x;
		json_array_foreach(shape, d, x)
		{
			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    kolm_mul_u64(el, (uint64_t)json_integer_value(x), &el)) {
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' has a bad shape", nm, key);
				break;
			}
			t->shape[d] = json_integer_value(x);
		}
		if (rc)
			break;
		t->n_dims = (int)json_array_size(shape);
		json_t *b0 = json_array_get(offs, 0), *b1 = json_array_get(offs, 1);
		if (!json_is_integer(b0) || !json_is_integer(b1) || json_integer_value(b0) < 0 ||
		    json_integer_value(b1) < json_integer_value(b0)) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' has bad data_offsets", nm, key);
			break;
		}
		uint64_t b = (uint64_t)json_integer_value(b0), e = (uint64_t)json_integer_value(b1), bytes;
		if (kolm_mul_u64(el, (uint64_t)dtypes[t->dtype].size, &bytes) || bytes != e - b) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s': %llu bytes for its shape, %llu in data_offsets",
					  nm, key, (unsigned long long)bytes, (unsigned long long)(e - b));
			break;
		}
		if (e > buf_len) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' runs past the end of the file", nm, key);
			break;
		}
		s->names[s->n_t] = kolm_strdup(key);
		if (!s->names[s->n_t]) {
			rc = kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", nm);
			break;
		}
		t->name = s->names[s->n_t];
		t->nbytes = bytes;
		t->data = buf + b;
		t->file = sh->path;
		spans[i].b = b;
		spans[i].e = e;
		spans[i].idx = s->n_t;
		i++;
		s->n_t++;
	}
	if (!rc) {
		/* contiguous from 0, no gaps or overlaps, ending at the file's end */
		qsort(spans, i, sizeof *spans, cmp_span);
		uint64_t pos = 0;
		for (size_t k2 = 0; k2 < i && !rc; k2++) {
			if (spans[k2].b != pos)
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' %s", nm, s->t[spans[k2].idx].name,
						  spans[k2].b < pos ? "overlaps the previous one" : "leaves a gap before it");
			pos = spans[k2].e;
		}
		if (!rc && pos != buf_len)
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %llu bytes after the last tensor", nm,
					  (unsigned long long)(buf_len - pos));
	}
	free(spans);
	return rc;
}

static int add_shard(struct kolm_safetensors *s, const char *path, const uint8_t *buf, uint64_t n,
		     struct kolm_err *err)
{
	struct shard *ns = realloc(s->sh, sizeof *ns * (size_t)(s->n_sh + 1));
	if (!ns)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	s->sh = ns;
	struct shard *sh = &s->sh[s->n_sh];
	memset(sh, 0, sizeof *sh);
	sh->map.fd = -1;
	sh->path = kolm_strdup(path);
	s->n_sh++;
	if (!sh->path)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (buf) {
		sh->base = buf;
		sh->size = n;
	} else {
		int rc = kolm_map_open(&sh->map, path, err);
		if (rc)
			return rc;
		sh->base = sh->map.data;
		sh->size = sh->map.size;
	}
	return parse_shard(s, s->n_sh - 1, err);
}

/* The name index, which also finds a tensor named in two shards: a hash
 * set, linear in the tensor count (80k names are no slower than 80). */
static int check_unique(struct kolm_safetensors *s, struct kolm_err *err)
{
	json_decref(s->by_name);
	s->by_name = json_object();
	if (!s->by_name)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int64_t j = 0; j < s->n_t; j++) {
		if (json_object_get(s->by_name, s->t[j].name))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' appears in two shards", s->t[j].file,
					    s->t[j].name);
		if (json_object_set_new_nocheck(s->by_name, s->t[j].name, json_integer(j)))
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	return KOLM_OK;
}

/* weight_map -> shards: from dir (files) or from the views (members). */
static int open_index_json(struct kolm_safetensors *s, json_t *j, const char *index, const char *dir,
			   const struct kolm_files *views, struct kolm_err *err)
{
	json_t *wm = json_object_get(j, "weight_map");
	if (!json_is_object(wm) || json_object_size(wm) == 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: no weight_map", index);
	const char *name;
	json_t *v;
	int rc = KOLM_OK;
	json_t *shards = json_object();
	if (!shards)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	json_object_foreach(wm, name, v)
	{
		const char *file = json_string_value(v);
		if (!file || strchr(file, '/') || !strcmp(file, "..")) {
			rc = kolm_err_set(err, KOLM_E_FORMAT,
					  "%s: weight_map entry '%s' is not a file name in the directory", index, name);
			break;
		}
		char path[4096 + 256];
		if (dir)
			snprintf(path, sizeof path, "%s/%s", dir, file);
		else
			snprintf(path, sizeof path, "%s", file);
		if (json_object_get(shards, path))
			continue; /* a hash set of the shards opened: linear in the entries */
		json_object_set_new_nocheck(shards, path, json_true());
		if (dir) {
			rc = add_shard(s, path, NULL, 0, err);
		} else {
			struct kolm_map m;
			/* an empty member cannot be a shard: parse_shard says why */
			static const uint8_t empty[1];
			if (kolm_files_get(views, file, &m, NULL))
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %s names shard %s, which is not a member",
						  views->label, index, file);
			else
				rc = add_shard(s, path, m.data ? m.data : empty, m.size, err);
		}
		if (rc)
			break;
	}
	json_decref(shards);
	if (rc || (rc = check_unique(s, err)))
		return rc;
	json_object_foreach(wm, name, v)
	{
		const struct kolm_st_tensor *t = kolm_safetensors_find(s, name);
		if (!t || !strstr(t->file, json_string_value(v)))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor '%s' is not in %s", index, name,
					    json_string_value(v));
	}
	return KOLM_OK;
}

static int open_index(struct kolm_safetensors *s, const char *index, struct kolm_err *err)
{
	json_error_t je;
	json_t *j = json_load_file(index, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: line %d: %s", index, je.line, je.text);
	char dir[4096];
	kolm_strlcpy(dir, index, sizeof dir);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int rc = open_index_json(s, j, index, dir, NULL, err);
	json_decref(j);
	return rc;
}

int kolm_safetensors_open_files(struct kolm_safetensors **out, const struct kolm_files *f, struct kolm_err *err)
{
	if (f->dir)
		return kolm_safetensors_open(out, f->dir, err);
	struct kolm_safetensors *s = calloc(1, sizeof *s);
	if (!s)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc;
	struct kolm_map m;
	if (kolm_files_get(f, "model.safetensors.index.json", &m, NULL) == KOLM_OK) {
		json_error_t je;
		json_t *j = m.data ? json_loadb((const char *)m.data, (size_t)m.size, JSON_REJECT_DUPLICATES, &je) : NULL;
		if (!j)
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: model.safetensors.index.json: line %d: %s", f->label,
					  m.data ? je.line : 0, m.data ? je.text : "empty");
		else
			rc = open_index_json(s, j, "model.safetensors.index.json", NULL, f, err);
		json_decref(j);
	} else {
		int found = -1, n = 0;
		for (int i = 0; i < f->n_views; i++) {
			size_t l = strlen(f->views[i].name);
			if (l > 12 && !strcmp(f->views[i].name + l - 12, ".safetensors")) {
				found = i;
				n++;
			}
		}
		static const uint8_t empty[1];
		if (n == 1)
			rc = add_shard(s, f->views[found].name, f->views[found].data ? f->views[found].data : empty,
				       f->views[found].size, err);
		else
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %s", f->label,
					  n ? "several .safetensors members and no model.safetensors.index.json"
					    : "no .safetensors member");
	}
	if (!rc && !s->by_name)
		rc = check_unique(s, err);
	if (rc) {
		kolm_safetensors_close(s);
		return rc;
	}
	*out = s;
	return KOLM_OK;
}

int kolm_safetensors_open(struct kolm_safetensors **out, const char *path, struct kolm_err *err)
{
	struct kolm_safetensors *s = calloc(1, sizeof *s);
	if (!s)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	struct stat st;
	int rc;
	if (stat(path, &st) != 0) {
		rc = kolm_err_set(err, KOLM_E_IO, "%s: no such file or directory", path);
	} else if (S_ISDIR(st.st_mode)) {
		char p[4096];
		snprintf(p, sizeof p, "%s/model.safetensors.index.json", path);
		if (stat(p, &st) == 0) {
			rc = open_index(s, p, err);
		} else {
			snprintf(p, sizeof p, "%s/model.safetensors", path);
			if (stat(p, &st) == 0) {
				rc = add_shard(s, p, NULL, 0, err);
			} else {
				/* any single *.safetensors */
				DIR *d = opendir(path);
				struct dirent *de;
				char found[4096] = "";
				int n = 0;
				while (d && (de = readdir(d))) {
					size_t l = strlen(de->d_name);
					if (l > 12 && !strcmp(de->d_name + l - 12, ".safetensors")) {
						snprintf(found, sizeof found, "%s/%s", path, de->d_name);
						n++;
					}
				}
				if (d)
					closedir(d);
				if (n == 1)
					rc = add_shard(s, found, NULL, 0, err);
				else
					rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %s", path,
							  n ? "several .safetensors files and no model.safetensors.index.json"
							    : "no .safetensors file");
			}
		}
	} else {
		size_t l = strlen(path);
		if (l > 5 && !strcmp(path + l - 5, ".json"))
			rc = open_index(s, path, err);
		else
			rc = add_shard(s, path, NULL, 0, err);
	}
	if (!rc && !s->by_name)
		rc = check_unique(s, err);
	if (rc) {
		kolm_safetensors_close(s);
		return rc;
	}
	*out = s;
	return KOLM_OK;
}

int kolm_safetensors_open_buffer(struct kolm_safetensors **out, const uint8_t *buf, uint64_t n, const char *name,
				 struct kolm_err *err)
{
	struct kolm_safetensors *s = calloc(1, sizeof *s);
	if (!s)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = add_shard(s, name ? name : "buffer", buf, n, err);
	if (!rc && !s->by_name)
		rc = check_unique(s, err);
	if (rc) {
		kolm_safetensors_close(s);
		return rc;
	}
	*out = s;
	return KOLM_OK;
}

int64_t kolm_safetensors_count(const struct kolm_safetensors *s) { return s->n_t; }

const struct kolm_st_tensor *kolm_safetensors_at(const struct kolm_safetensors *s, int64_t i)
{
	return i >= 0 && i < s->n_t ? &s->t[i] : NULL;
}

const struct kolm_st_tensor *kolm_safetensors_find(const struct kolm_safetensors *s, const char *name)
{
	if (s->by_name) {
		json_t *i = json_object_get(s->by_name, name);
		return i ? &s->t[json_integer_value(i)] : NULL;
	}
	for (int64_t i = 0; i < s->n_t; i++)
		if (!strcmp(s->t[i].name, name))
			return &s->t[i];
	return NULL;
}

json_t *kolm_safetensors_metadata(const struct kolm_safetensors *s)
{
	return s->n_sh ? json_object_get(s->sh[0].header, "__metadata__") : NULL;
}

int kolm_safetensors_shards(const struct kolm_safetensors *s) { return s->n_sh; }

uint64_t kolm_safetensors_header_bytes(const struct kolm_safetensors *s)
{
	uint64_t n = 0;
	if (s->n_sh && s->sh[0].size >= 8)
		memcpy(&n, s->sh[0].base, 8);
	return n;
}
