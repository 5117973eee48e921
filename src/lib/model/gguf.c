/* gguf.c - validated GGUF v2/v3 reader (mmap) and streaming writer.
 * Layout and rules: include/kolm/gguf.h, shared/data/gguf-facts.md §1. */
#include "kolm/gguf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/types.h"
#include "kolm/util.h"

#define GGUF_MAGIC 0x46554747u
#define MAX_NAME 63           /* GGML_MAX_NAME - 1 */
#define MAX_KEY 65535
#define MAX_DIMS 4

struct kolm_gguf {
	struct kolm_map map;       /* owned when opened from a path */
	const uint8_t *base;
	uint64_t size;
	uint32_t version;
	uint64_t alignment;
	uint64_t data_offset;
	uint64_t header_end;    /* the end of the tensor records, before the padding */
	int64_t n_kv, n_tensors;
	struct kolm_gguf_kv *kv;
	struct kolm_gguf_tensor *tensors;
	char name[256];
};

static const int scalar_size[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

struct rd {
	const uint8_t *p, *end, *base;
	const char *name;
	struct kolm_err *err;
};

static int need(struct rd *r, uint64_t n, const char *what)
{
	if ((uint64_t)(r->end - r->p) < n)
		return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: truncated %s at byte %llu", r->name, what,
				    (unsigned long long)(r->p - r->base));
	return KOLM_OK;
}

static int rd_u32(struct rd *r, uint32_t *v, const char *what)
{
	int rc = need(r, 4, what);
	if (rc)
		return rc;
	memcpy(v, r->p, 4);
	r->p += 4;
	return KOLM_OK;
}

static int rd_u64(struct rd *r, uint64_t *v, const char *what)
{
	int rc = need(r, 8, what);
	if (rc)
		return rc;
	memcpy(v, r->p, 8);
	r->p += 8;
	return KOLM_OK;
}

static int rd_str(struct rd *r, struct kolm_gguf_str *s, uint64_t max, const char *what)
{
	uint64_t n;
	int rc = rd_u64(r, &n, what);
	if (rc)
		return rc;
	if (n > max)
		return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: %s of %llu bytes is too long", r->name, what,
				    (unsigned long long)n);
	if ((rc = need(r, n, what)))
		return rc;
	s->p = (const char *)r->p;
	s->len = n;
	r->p += n;
	return KOLM_OK;
}

static int str_eq(const struct kolm_gguf_str *s, const char *c)
{
	size_t n = strlen(c);
	return s->len == n && memcmp(s->p, c, n) == 0;
}

/* Walk (and bounds-check) one value of type t. */
static int rd_value(struct rd *r, int t, struct kolm_gguf_kv *kv)
{
	if (t < 0 || t > KOLM_GGUF_F64)
		return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: unknown metadata value type %d", r->name, t);
	const uint8_t *start = r->p;
	int rc;
	if (t == KOLM_GGUF_STRING) {
		struct kolm_gguf_str s;
		if ((rc = rd_str(r, &s, (uint64_t)1 << 40, "string value")))
			return rc;
		kv->val = start;
		kv->val_bytes = (uint64_t)(r->p - start);
		return KOLM_OK;
	}
	if (t == KOLM_GGUF_ARRAY) {
		uint32_t et;
		uint64_t n;
		if ((rc = rd_u32(r, &et, "array type")) || (rc = rd_u64(r, &n, "array length")))
			return rc;
		if (et > KOLM_GGUF_F64)
			return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: unknown array element type %u", r->name, et);
		if (et == KOLM_GGUF_ARRAY)
			return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: nested arrays are not allowed", r->name);
		kv->arr_type = (int)et;
		kv->arr_n = n;
		const uint8_t *first = r->p;
		if (et == KOLM_GGUF_STRING) {
			/* each string needs >= 8 bytes: reject absurd counts before looping */
			if (n > (uint64_t)(r->end - r->p) / 8)
				return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: array of %llu strings exceeds the file",
						    r->name, (unsigned long long)n);
			for (uint64_t i = 0; i < n; i++) {
				struct kolm_gguf_str s;
				if ((rc = rd_str(r, &s, (uint64_t)1 << 32, "array string")))
					return rc;
			}
		} else {
			uint64_t bytes;
			if (kolm_mul_u64(n, (uint64_t)scalar_size[et], &bytes))
				return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: array length overflows", r->name);
			if ((rc = need(r, bytes, "array data")))
				return rc;
			r->p += bytes;
		}
		kv->val = first;
		kv->val_bytes = (uint64_t)(r->p - first);
		return KOLM_OK;
	}
	if ((rc = need(r, (uint64_t)scalar_size[t], "value")))
		return rc;
	if (t == KOLM_GGUF_BOOL && *r->p > 1)
		return kolm_err_set(r->err, KOLM_E_FORMAT, "%s: bool value %u is neither 0 nor 1", r->name, *r->p);
	kv->val = r->p;
	kv->val_bytes = (uint64_t)scalar_size[t];
	r->p += scalar_size[t];
	return KOLM_OK;
}

static int cmp_off(const void *a, const void *b)
{
	const struct kolm_gguf_tensor *x = *(struct kolm_gguf_tensor *const *)a, *y = *(struct kolm_gguf_tensor *const *)b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_name(const void *a, const void *b)
{
	const struct kolm_gguf_str *x = a, *y = b;
	uint64_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

static int dup_names(const struct kolm_gguf_str *names, int64_t n)
{
	struct kolm_gguf_str *s = malloc(sizeof *s * (size_t)(n ? n : 1));
	if (!s)
		return -1;
	memcpy(s, names, sizeof *s * (size_t)n);
	qsort(s, (size_t)n, sizeof *s, cmp_name);
	int64_t dup = -1;
	for (int64_t i = 1; i < n && dup < 0; i++)
		if (!cmp_name(&s[i - 1], &s[i]))
			dup = i;
	free(s);
	return dup >= 0;
}

static int parse(struct kolm_gguf *g, struct kolm_err *err)
{
	struct rd r = {g->base, g->base + g->size, g->base, g->name, err};
	uint32_t magic;
	uint64_t nt, nkv;
	int rc;
	if ((rc = rd_u32(&r, &magic, "magic")))
		return rc;
	if (magic != GGUF_MAGIC)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: not a GGUF file (bad magic)", g->name);
	if ((rc = rd_u32(&r, &g->version, "version")))
		return rc;
	if (g->version != 2 && g->version != 3)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: GGUF version %u is not supported (2 or 3)", g->name,
				    g->version);
	if ((rc = rd_u64(&r, &nt, "tensor count")) || (rc = rd_u64(&r, &nkv, "metadata count")))
		return rc;
	/* every kv needs >= 13 bytes and every tensor info >= 28: bound the counts */
	uint64_t left = (uint64_t)(r.end - r.p);
	if (nkv > left / 13 || nt > left / 28)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: header claims %llu tensors and %llu keys, more than the file holds",
				    g->name, (unsigned long long)nt, (unsigned long long)nkv);
	g->kv = calloc((size_t)nkv + 1, sizeof *g->kv);
	g->tensors = calloc((size_t)nt + 1, sizeof *g->tensors);
	if (!g->kv || !g->tensors)
		return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", g->name);
	g->alignment = 32;
	for (uint64_t i = 0; i < nkv; i++) {
		struct kolm_gguf_kv *kv = &g->kv[i];
		uint32_t t;
		if ((rc = rd_str(&r, &kv->key, MAX_KEY, "key")) || (rc = rd_u32(&r, &t, "value type")))
			return rc;
		kv->type = (int)t;
		if ((rc = rd_value(&r, (int)t, kv)))
			return rc;
		g->n_kv++;
		if (str_eq(&kv->key, "general.alignment")) {
			uint32_t a;
			if (kv->type != KOLM_GGUF_U32)
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: general.alignment must be a u32", g->name);
			memcpy(&a, kv->val, 4);
			if (a == 0 || (a & (a - 1)) || a % 8)
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: general.alignment %u is not a power of two >= 8",
						    g->name, a);
			g->alignment = a;
		}
	}
	{
		struct kolm_gguf_str *keys = malloc(sizeof *keys * (size_t)(nkv ? nkv : 1));
		if (!keys)
			return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", g->name);
		for (uint64_t i = 0; i < nkv; i++)
			keys[i] = g->kv[i].key;
		int d = dup_names(keys, (int64_t)nkv);
		free(keys);
		if (d)
			return kolm_err_set(err, d < 0 ? KOLM_E_NOMEM : KOLM_E_FORMAT, "%s: duplicate metadata key", g->name);
	}
	for (uint64_t i = 0; i < nt; i++) {
		struct kolm_gguf_tensor *t = &g->tensors[i];
		uint32_t nd, ty;
		if ((rc = rd_str(&r, &t->name, MAX_NAME, "tensor name")))
			return rc;
		if ((rc = rd_u32(&r, &nd, "tensor dims")))
			return rc;
		if (nd < 1 || nd > MAX_DIMS)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s has %u dimensions (1..4)", g->name,
					    (int)t->name.len, t->name.p, nd);
		t->n_dims = (int)nd;
		for (int d = 0; d < MAX_DIMS; d++)
			t->ne[d] = 1;
		uint64_t nel = 1;
		for (uint32_t d = 0; d < nd; d++) {
			uint64_t v;
			if ((rc = rd_u64(&r, &v, "tensor shape")))
				return rc;
			if (v > (uint64_t)INT64_MAX || kolm_mul_u64(nel, v, &nel) || nel > (uint64_t)INT64_MAX)
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s: element count overflows", g->name,
						    (int)t->name.len, t->name.p);
			t->ne[d] = (int64_t)v;
		}
		if ((rc = rd_u32(&r, &ty, "tensor type")) || (rc = rd_u64(&r, &t->offset, "tensor offset")))
			return rc;
		t->type = (int)ty;
		if (!kolm_type_valid(t->type))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s has unknown type %u", g->name,
					    (int)t->name.len, t->name.p, ty);
		if (t->ne[0] % kolm_type_traits(t->type)->blck)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s: row of %lld is not a multiple of %s's block",
					    g->name, (int)t->name.len, t->name.p, (long long)t->ne[0], kolm_type_name(t->type));
		t->nbytes = kolm_type_tensor_bytes(t->type, t->ne, MAX_DIMS);
		if (t->nbytes == UINT64_MAX)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s: size overflows", g->name,
					    (int)t->name.len, t->name.p);
		g->n_tensors++;
	}
	{
		struct kolm_gguf_str *names = malloc(sizeof *names * (size_t)(nt ? nt : 1));
		if (!names)
			return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", g->name);
		for (uint64_t i = 0; i < nt; i++)
			names[i] = g->tensors[i].name;
		int d = dup_names(names, (int64_t)nt);
		free(names);
		if (d)
			return kolm_err_set(err, d < 0 ? KOLM_E_NOMEM : KOLM_E_FORMAT, "%s: duplicate tensor name", g->name);
	}
	uint64_t hdr = (uint64_t)(r.p - g->base);
	g->header_end = hdr;
	g->data_offset = kolm_align_up(hdr, g->alignment);
	if (nt == 0 && g->data_offset > g->size)
		g->data_offset = g->size; /* metadata-only files (vocabularies) end unpadded */
	if (nt > 0 && g->data_offset > g->size)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: data section starts past the end of the file", g->name);
	/* each tensor aligned, inside the file, no overlaps */
	struct kolm_gguf_tensor **ord = malloc(sizeof *ord * (size_t)(nt ? nt : 1));
	if (!ord)
		return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", g->name);
	for (uint64_t i = 0; i < nt; i++)
		ord[i] = &g->tensors[i];
	qsort(ord, (size_t)nt, sizeof *ord, cmp_off);
	uint64_t data_size = g->size - (nt ? g->data_offset : 0), prev_end = 0;
	rc = KOLM_OK;
	for (uint64_t i = 0; i < nt && !rc; i++) {
		struct kolm_gguf_tensor *t = ord[i];
		uint64_t end;
		if (t->offset % g->alignment)
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s: offset %llu is not aligned to %llu", g->name,
					  (int)t->name.len, t->name.p, (unsigned long long)t->offset,
					  (unsigned long long)g->alignment);
		else if (kolm_add_u64(t->offset, t->nbytes, &end) || end > data_size)
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s: data runs past the end of the file", g->name,
					  (int)t->name.len, t->name.p);
		else if (i > 0 && t->offset < prev_end)
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor %.*s overlaps the previous tensor", g->name,
					  (int)t->name.len, t->name.p);
		else {
			t->data = g->base + g->data_offset + t->offset;
			prev_end = end;
		}
	}
	free(ord);
	return rc;
}

static int open_common(struct kolm_gguf *g, struct kolm_gguf **out, struct kolm_err *err)
{
	int rc = parse(g, err);
	if (rc) {
		kolm_gguf_close(g);
		return rc;
	}
	*out = g;
	return KOLM_OK;
}

int kolm_gguf_open(struct kolm_gguf **out, const char *path, struct kolm_err *err)
{
	struct kolm_gguf *g = calloc(1, sizeof *g);
	if (!g)
		return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", path);
	g->map.fd = -1;
	kolm_strlcpy(g->name, path, sizeof g->name);
	int rc = kolm_map_open(&g->map, path, err);
	if (rc) {
		free(g);
		return rc;
	}
	g->base = g->map.data;
	g->size = g->map.size;
	return open_common(g, out, err);
}

int kolm_gguf_open_buffer(struct kolm_gguf **out, const uint8_t *buf, uint64_t n, const char *name,
			  struct kolm_err *err)
{
	struct kolm_gguf *g = calloc(1, sizeof *g);
	if (!g)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	g->map.fd = -1;
	kolm_strlcpy(g->name, name ? name : "buffer", sizeof g->name);
	g->base = buf;
	g->size = n;
	return open_common(g, out, err);
}

void kolm_gguf_close(struct kolm_gguf *g)
{
	if (!g)
		return;
	kolm_map_close(&g->map);
	free(g->kv);
	free(g->tensors);
	free(g);
}

uint32_t kolm_gguf_version(const struct kolm_gguf *g) { return g->version; }
uint64_t kolm_gguf_file_size(const struct kolm_gguf *g) { return g->size; }
uint64_t kolm_gguf_alignment(const struct kolm_gguf *g) { return g->alignment; }
uint64_t kolm_gguf_data_offset(const struct kolm_gguf *g) { return g->data_offset; }
uint64_t kolm_gguf_header_end(const struct kolm_gguf *g) { return g->header_end; }
const uint8_t *kolm_gguf_base(const struct kolm_gguf *g) { return g->base; }
int64_t kolm_gguf_kv_count(const struct kolm_gguf *g) { return g->n_kv; }
int64_t kolm_gguf_tensor_count(const struct kolm_gguf *g) { return g->n_tensors; }

const struct kolm_gguf_kv *kolm_gguf_kv_at(const struct kolm_gguf *g, int64_t i)
{
	return i >= 0 && i < g->n_kv ? &g->kv[i] : NULL;
}

const struct kolm_gguf_kv *kolm_gguf_kv_find(const struct kolm_gguf *g, const char *key)
{
	for (int64_t i = 0; i < g->n_kv; i++)
		if (str_eq(&g->kv[i].key, key))
			return &g->kv[i];
	return NULL;
}

const struct kolm_gguf_tensor *kolm_gguf_tensor_at(const struct kolm_gguf *g, int64_t i)
{
	return i >= 0 && i < g->n_tensors ? &g->tensors[i] : NULL;
}

const struct kolm_gguf_tensor *kolm_gguf_tensor_find(const struct kolm_gguf *g, const char *name)
{
	for (int64_t i = 0; i < g->n_tensors; i++)
		if (str_eq(&g->tensors[i].name, name))
			return &g->tensors[i];
	return NULL;
}

static int num_of(int t, const uint8_t *v, double *d, int64_t *i, uint64_t *u, int *is_int)
{
	*is_int = 1;
	switch (t) {
	case KOLM_GGUF_U8: *u = v[0]; *i = (int64_t)*u; break;
	case KOLM_GGUF_I8: *i = (int8_t)v[0]; *u = (uint64_t)*i; break;
	case KOLM_GGUF_U16: { uint16_t x; memcpy(&x, v, 2); *u = x; *i = x; break; }
	case KOLM_GGUF_I16: { int16_t x; memcpy(&x, v, 2); *i = x; *u = (uint64_t)x; break; }
	case KOLM_GGUF_U32: { uint32_t x; memcpy(&x, v, 4); *u = x; *i = x; break; }
	case KOLM_GGUF_I32: { int32_t x; memcpy(&x, v, 4); *i = x; *u = (uint64_t)x; break; }
	case KOLM_GGUF_U64: { uint64_t x; memcpy(&x, v, 8); *u = x; *i = (int64_t)x; break; }
	case KOLM_GGUF_I64: { int64_t x; memcpy(&x, v, 8); *i = x; *u = (uint64_t)x; break; }
	case KOLM_GGUF_BOOL: *u = v[0]; *i = v[0]; break;
	case KOLM_GGUF_F32: { float x; memcpy(&x, v, 4); *d = x; *is_int = 0; return 0; }
	case KOLM_GGUF_F64: { double x; memcpy(&x, v, 8); *d = x; *is_int = 0; return 0; }
	default: return -1;
	}
	*d = t == KOLM_GGUF_U64 ? (double)*u : (double)*i;
	return 0;
}

static int signed_type(int t)
{
	return t == KOLM_GGUF_I8 || t == KOLM_GGUF_I16 || t == KOLM_GGUF_I32 || t == KOLM_GGUF_I64;
}

int kolm_gguf_get_u64(const struct kolm_gguf *g, const char *key, uint64_t *out)
{
	const struct kolm_gguf_kv *kv = kolm_gguf_kv_find(g, key);
	double d;
	int64_t i;
	uint64_t u;
	int isint;
	if (!kv || num_of(kv->type, kv->val, &d, &i, &u, &isint) || !isint || (signed_type(kv->type) && i < 0))
		return KOLM_E_NOTFOUND;
	*out = u;
	return KOLM_OK;
}

int kolm_gguf_get_i64(const struct kolm_gguf *g, const char *key, int64_t *out)
{
	const struct kolm_gguf_kv *kv = kolm_gguf_kv_find(g, key);
	double d;
	int64_t i;
	uint64_t u;
	int isint;
	if (!kv || num_of(kv->type, kv->val, &d, &i, &u, &isint) || !isint ||
	    (kv->type == KOLM_GGUF_U64 && u > (uint64_t)INT64_MAX))
		return KOLM_E_NOTFOUND;
	*out = i;
	return KOLM_OK;
}

int kolm_gguf_get_f64(const struct kolm_gguf *g, const char *key, double *out)
{
	const struct kolm_gguf_kv *kv = kolm_gguf_kv_find(g, key);
	double d;
	int64_t i;
	uint64_t u;
	int isint;
	if (!kv || num_of(kv->type, kv->val, &d, &i, &u, &isint))
		return KOLM_E_NOTFOUND;
	*out = d;
	return KOLM_OK;
}

int kolm_gguf_get_bool(const struct kolm_gguf *g, const char *key, int *out)
{
	const struct kolm_gguf_kv *kv = kolm_gguf_kv_find(g, key);
	if (!kv || kv->type != KOLM_GGUF_BOOL)
		return KOLM_E_NOTFOUND;
	*out = kv->val[0] != 0;
	return KOLM_OK;
}

int kolm_gguf_get_str(const struct kolm_gguf *g, const char *key, struct kolm_gguf_str *out)
{
	const struct kolm_gguf_kv *kv = kolm_gguf_kv_find(g, key);
	if (!kv || kv->type != KOLM_GGUF_STRING)
		return KOLM_E_NOTFOUND;
	memcpy(&out->len, kv->val, 8);
	out->p = (const char *)kv->val + 8;
	return KOLM_OK;
}

int kolm_gguf_get_cstr(const struct kolm_gguf *g, const char *key, char *buf, size_t cap)
{
	struct kolm_gguf_str s;
	int rc = kolm_gguf_get_str(g, key, &s);
	if (rc)
		return rc;
	if (s.len >= cap)
		return KOLM_E_TOOBIG;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return KOLM_OK;
}

int kolm_gguf_arr_str(const struct kolm_gguf_kv *kv, uint64_t i, struct kolm_gguf_str *out)
{
	if (kv->type != KOLM_GGUF_ARRAY || kv->arr_type != KOLM_GGUF_STRING || i >= kv->arr_n)
		return KOLM_E_NOTFOUND;
	/* strings are variable length: walk (validated at open) */
	const uint8_t *p = kv->val;
	for (uint64_t k = 0;; k++) {
		uint64_t n;
		memcpy(&n, p, 8);
		if (k == i) {
			out->p = (const char *)p + 8;
			out->len = n;
			return KOLM_OK;
		}
		p += 8 + n;
	}
}

double kolm_gguf_arr_num(const struct kolm_gguf_kv *kv, uint64_t i)
{
	if (kv->type != KOLM_GGUF_ARRAY || kv->arr_type == KOLM_GGUF_STRING || i >= kv->arr_n)
		return 0;
	double d = 0;
	int64_t x;
	uint64_t u;
	int isint;
	num_of(kv->arr_type, kv->val + i * (uint64_t)scalar_size[kv->arr_type], &d, &x, &u, &isint);
	return d;
}

/* ---- writer ------------------------------------------------------------ */

struct wkv {
	char *key;
	int type, arr_type;
	uint64_t arr_n;
	uint8_t *val;       /* serialized value bytes (without key and type) */
	uint64_t val_bytes;
};

struct wtensor {
	char name[64];
	int type, n_dims;
	int64_t ne[4];
	uint64_t offset, nbytes;
};

struct kolm_gguf_writer {
	uint64_t alignment;
	struct wkv *kv;
	int64_t n_kv;
	struct wtensor *t;
	int64_t n_t;
	uint64_t data_bytes;
	struct kolm_out out;
	int begun, finished, completed;
	char sha_hex[65];     /* of the data section, once complete */
	int64_t cur;          /* tensor being written */
	uint64_t cur_written;
	struct kolm_sha256 sha;
};

int kolm_gguf_writer_new(struct kolm_gguf_writer **out, uint64_t alignment, struct kolm_err *err)
{
	if (alignment == 0)
		alignment = 32;
	if (alignment & (alignment - 1))
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: alignment %llu is not a power of two",
				    (unsigned long long)alignment);
	struct kolm_gguf_writer *w = calloc(1, sizeof *w);
	if (!w)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	w->alignment = alignment;
	*out = w;
	return KOLM_OK;
}

/* Abandon a begun file: remove the temp file. */
static void writer_abort(struct kolm_gguf_writer *w)
{
	if (w && w->begun && !w->finished) {
		kolm_out_abort(&w->out);
		kolm_sha256_release(&w->sha);
		w->finished = 1;
	}
}

void kolm_gguf_writer_free(struct kolm_gguf_writer *w)
{
	if (!w)
		return;
	writer_abort(w);
	for (int64_t i = 0; i < w->n_kv; i++) {
		free(w->kv[i].key);
		free(w->kv[i].val);
	}
	free(w->kv);
	free(w->t);
	free(w);
}

static int kv_add(struct kolm_gguf_writer *w, const char *key, int type, int arr_type, uint64_t arr_n,
		  const void *val, uint64_t n)
{
	if (w->begun || strlen(key) > MAX_KEY)
		return KOLM_E_USAGE;
	for (int64_t i = 0; i < w->n_kv; i++)
		if (!strcmp(w->kv[i].key, key))
			return KOLM_E_USAGE; /* duplicate keys are invalid GGUF */
	struct wkv *nk = realloc(w->kv, sizeof *nk * (size_t)(w->n_kv + 1));
	if (!nk)
		return KOLM_E_NOMEM;
	w->kv = nk;
	struct wkv *kv = &w->kv[w->n_kv];
	memset(kv, 0, sizeof *kv);
	kv->key = kolm_strdup(key);
	kv->val = malloc(n ? n : 1);
	if (!kv->key || !kv->val) {
		free(kv->key);
		free(kv->val);
		return KOLM_E_NOMEM;
	}
	memcpy(kv->val, val, n);
	kv->val_bytes = n;
	kv->type = type;
	kv->arr_type = arr_type;
	kv->arr_n = arr_n;
	w->n_kv++;
	return KOLM_OK;
}

int kolm_gguf_writer_kv_u32(struct kolm_gguf_writer *w, const char *key, uint32_t v)
{ return kv_add(w, key, KOLM_GGUF_U32, 0, 0, &v, 4); }
int kolm_gguf_writer_kv_f32(struct kolm_gguf_writer *w, const char *key, float v)
{ return kv_add(w, key, KOLM_GGUF_F32, 0, 0, &v, 4); }
int kolm_gguf_writer_kv_bool(struct kolm_gguf_writer *w, const char *key, int v)
{ uint8_t b = v ? 1 : 0; return kv_add(w, key, KOLM_GGUF_BOOL, 0, 0, &b, 1); }

int kolm_gguf_writer_kv_str(struct kolm_gguf_writer *w, const char *key, const char *v)
{
	uint64_t n = strlen(v);
	uint8_t *b = malloc(8 + n);
	if (!b)
		return KOLM_E_NOMEM;
	memcpy(b, &n, 8);
	memcpy(b + 8, v, n);
	int rc = kv_add(w, key, KOLM_GGUF_STRING, 0, 0, b, 8 + n);
	free(b);
	return rc;
}

int kolm_gguf_writer_kv_copy(struct kolm_gguf_writer *w, const struct kolm_gguf_kv *kv)
{
	char key[MAX_KEY + 1];
	memcpy(key, kv->key.p, kv->key.len);
	key[kv->key.len] = '\0';
	if (kv->type == KOLM_GGUF_ARRAY)
		return kv_add(w, key, KOLM_GGUF_ARRAY, kv->arr_type, kv->arr_n, kv->val, kv->val_bytes);
	return kv_add(w, key, kv->type, 0, 0, kv->val, kv->val_bytes);
}

int kolm_gguf_writer_kv_arr_str(struct kolm_gguf_writer *w, const char *key, const char *const *v, uint64_t n)
{
	uint64_t bytes = 0;
	for (uint64_t i = 0; i < n; i++)
		bytes += 8 + strlen(v[i]);
	uint8_t *b = malloc(bytes ? bytes : 1), *p = b;
	if (!b)
		return KOLM_E_NOMEM;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t l = strlen(v[i]);
		memcpy(p, &l, 8);
		memcpy(p + 8, v[i], l);
		p += 8 + l;
	}
	int rc = kv_add(w, key, KOLM_GGUF_ARRAY, KOLM_GGUF_STRING, n, b, bytes);
	free(b);
	return rc;
}

int kolm_gguf_writer_kv_arr_raw(struct kolm_gguf_writer *w, const char *key, int et, const void *v, uint64_t n)
{
	if (et < 0 || et > KOLM_GGUF_F64 || et == KOLM_GGUF_STRING || et == KOLM_GGUF_ARRAY)
		return KOLM_E_USAGE;
	uint64_t bytes;
	if (kolm_mul_u64(n, (uint64_t)scalar_size[et], &bytes))
		return KOLM_E_USAGE;
	return kv_add(w, key, KOLM_GGUF_ARRAY, et, n, v, bytes);
}

int kolm_gguf_writer_tensor(struct kolm_gguf_writer *w, const char *name, int type, const int64_t *ne, int n_dims)
{
	if (w->begun || n_dims < 1 || n_dims > MAX_DIMS || strlen(name) > MAX_NAME || !kolm_type_valid(type))
		return KOLM_E_USAGE;
	for (int64_t i = 0; i < w->n_t; i++)
		if (!strcmp(w->t[i].name, name))
			return KOLM_E_USAGE;
	struct wtensor *nt = realloc(w->t, sizeof *nt * (size_t)(w->n_t + 1));
	if (!nt)
		return KOLM_E_NOMEM;
	w->t = nt;
	struct wtensor *t = &w->t[w->n_t];
	memset(t, 0, sizeof *t);
	kolm_strlcpy(t->name, name, sizeof t->name);
	t->type = type;
	t->n_dims = n_dims;
	for (int d = 0; d < MAX_DIMS; d++)
		t->ne[d] = d < n_dims ? ne[d] : 1;
	t->nbytes = kolm_type_tensor_bytes(type, t->ne, MAX_DIMS);
	if (t->nbytes == UINT64_MAX)
		return KOLM_E_USAGE;
	t->offset = w->data_bytes;
	w->data_bytes += kolm_align_up(t->nbytes, w->alignment);
	w->n_t++;
	return KOLM_OK;
}

static int wr(struct kolm_gguf_writer *w, const void *p, size_t n, struct kolm_err *err)
{
	return kolm_out_write(&w->out, p, n, err);
}

int kolm_gguf_writer_begin(struct kolm_gguf_writer *w, const char *path, struct kolm_err *err)
{
	if (w->begun)
		return kolm_err_set(err, KOLM_E_USAGE, "%s: writer already started", path);
	int rc = kolm_out_open(&w->out, path, err);
	if (rc)
		return rc;
	w->begun = 1;
	if ((rc = kolm_sha256_init(&w->sha, err))) {
		kolm_out_abort(&w->out);
		w->finished = 1;
		return rc;
	}
	uint32_t magic = GGUF_MAGIC, ver = 3;
	uint64_t nt = (uint64_t)w->n_t, nkv = (uint64_t)w->n_kv;
	rc = wr(w, &magic, 4, err);
	if (!rc) rc = wr(w, &ver, 4, err);
	if (!rc) rc = wr(w, &nt, 8, err);
	if (!rc) rc = wr(w, &nkv, 8, err);
	for (int64_t i = 0; i < w->n_kv && !rc; i++) {
		const struct wkv *kv = &w->kv[i];
		uint64_t kl = strlen(kv->key);
		uint32_t ty = (uint32_t)kv->type;
		rc = wr(w, &kl, 8, err);
		if (!rc) rc = wr(w, kv->key, kl, err);
		if (!rc) rc = wr(w, &ty, 4, err);
		if (!rc && kv->type == KOLM_GGUF_ARRAY) {
			uint32_t et = (uint32_t)kv->arr_type;
			rc = wr(w, &et, 4, err);
			if (!rc) rc = wr(w, &kv->arr_n, 8, err);
		}
		if (!rc) rc = wr(w, kv->val, kv->val_bytes, err);
	}
	for (int64_t i = 0; i < w->n_t && !rc; i++) {
		const struct wtensor *t = &w->t[i];
		uint64_t nl = strlen(t->name);
		uint32_t nd = (uint32_t)t->n_dims, ty = (uint32_t)t->type;
		rc = wr(w, &nl, 8, err);
		if (!rc) rc = wr(w, t->name, nl, err);
		if (!rc) rc = wr(w, &nd, 4, err);
		for (int d = 0; d < t->n_dims && !rc; d++)
			rc = wr(w, &t->ne[d], 8, err);
		if (!rc) rc = wr(w, &ty, 4, err);
		if (!rc) rc = wr(w, &t->offset, 8, err);
	}
	/* the data section starts aligned; a file without tensors ends here */
	if (!rc && w->n_t > 0)
		rc = kolm_out_pad(&w->out, (size_t)(kolm_align_up(w->out.written, w->alignment) - w->out.written), err);
	if (rc) {
		writer_abort(w);
		return rc;
	}
	w->cur = 0;
	w->cur_written = 0;
	return KOLM_OK;
}

int kolm_gguf_writer_data(struct kolm_gguf_writer *w, const void *buf, size_t n, struct kolm_err *err)
{
	const uint8_t *p = buf;
	while (n) {
		if (!w->begun || w->finished || w->cur >= w->n_t)
			return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: more data than the declared tensors");
		struct wtensor *t = &w->t[w->cur];
		uint64_t room = t->nbytes - w->cur_written;
		size_t k = n < room ? n : (size_t)room;
		int rc = wr(w, p, k, err);
		if (rc) {
			writer_abort(w);
			return rc;
		}
		kolm_sha256_update(&w->sha, p, k);
		w->cur_written += k;
		p += k;
		n -= k;
		if (w->cur_written == t->nbytes) {
			static const uint8_t zeros[256];
			uint64_t pad = kolm_align_up(t->nbytes, w->alignment) - t->nbytes;
			while (pad) {
				size_t z = pad < sizeof zeros ? (size_t)pad : sizeof zeros;
				if ((rc = wr(w, zeros, z, err))) {
					writer_abort(w);
					return rc;
				}
				kolm_sha256_update(&w->sha, zeros, z);
				pad -= z;
			}
			w->cur++;
			w->cur_written = 0;
		}
	}
	return KOLM_OK;
}

int kolm_gguf_writer_finish(struct kolm_gguf_writer *w, char sha_out[65], struct kolm_err *err)
{
	if (!w->begun || w->finished)
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: not started");
	/* zero-sized tensors complete immediately */
	while (w->cur < w->n_t && w->t[w->cur].nbytes == 0)
		w->cur++;
	if (w->cur != w->n_t) {
		char name[64];
		kolm_strlcpy(name, w->t[w->cur].name, sizeof name);
		writer_abort(w);
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: tensor %s is incomplete", name);
	}
	uint8_t d[32];
	int rc = kolm_sha256_final(&w->sha, d, err);
	if (rc) {
		writer_abort(w);
		return rc;
	}
	if (sha_out)
		kolm_hex(d, 32, sha_out);
	w->finished = 1;
	return kolm_out_commit(&w->out, err);
}

/* Offset of the value of `key` in the header; the kv's index in *k. */
static int value_offset(const struct kolm_gguf_writer *w, const char *key, int64_t *k, uint64_t *off)
{
	*off = 24;
	for (*k = 0; *k < w->n_kv; (*k)++) {
		const struct wkv *kv = &w->kv[*k];
		uint64_t head = 8 + strlen(kv->key) + 4;
		if (!strcmp(kv->key, key)) {
			*off += head + (kv->type == KOLM_GGUF_STRING ? 8 : 0);
			return 0;
		}
		*off += head + (kv->type == KOLM_GGUF_ARRAY ? 12 : 0) + kv->val_bytes;
	}
	return -1;
}

int kolm_gguf_writer_complete(struct kolm_gguf_writer *w, char sha_out[65], struct kolm_err *err)
{
	if (!w->begun || w->finished)
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: not started");
	while (w->cur < w->n_t && w->t[w->cur].nbytes == 0)
		w->cur++;
	if (w->cur != w->n_t) {
		writer_abort(w);
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: data incomplete");
	}
	uint8_t d[32];
	int rc = kolm_sha256_final(&w->sha, d, err);
	if (rc) {
		writer_abort(w);
		return rc;
	}
	kolm_hex(d, 32, w->sha_hex);
	if (sha_out)
		memcpy(sha_out, w->sha_hex, 65);
	if (fflush(w->out.fp) != 0) {
		writer_abort(w);
		return kolm_err_set(err, KOLM_E_IO, "%s: write: %s", w->out.path, strerror(errno));
	}
	w->completed = 1;
	return KOLM_OK;
}

const char *kolm_gguf_writer_temp_path(const struct kolm_gguf_writer *w)
{
	return w->completed && !w->finished ? w->out.tmp_path : NULL;
}

int kolm_gguf_writer_patch(struct kolm_gguf_writer *w, const char *key, const void *value, size_t n,
			   struct kolm_err *err)
{
	int64_t k;
	uint64_t off;
	if (!w->completed || w->finished)
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: patch '%s' before the data is complete", key);
	if (value_offset(w, key, &k, &off) ||
	    (w->kv[k].type == KOLM_GGUF_STRING ? w->kv[k].val_bytes != 8 + n : w->kv[k].val_bytes != n) ||
	    w->kv[k].type == KOLM_GGUF_ARRAY) {
		writer_abort(w);
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: no key '%s' with a %zu-byte value to patch", key, n);
	}
	if (fseeko(w->out.fp, (off_t)off, SEEK_SET) != 0 || fwrite(value, 1, n, w->out.fp) != n ||
	    fseeko(w->out.fp, 0, SEEK_END) != 0 || fflush(w->out.fp) != 0) {
		writer_abort(w);
		return kolm_err_set(err, KOLM_E_IO, "gguf writer: cannot patch '%s'", key);
	}
	memcpy(w->kv[k].val + (w->kv[k].type == KOLM_GGUF_STRING ? 8 : 0), value, n);
	return KOLM_OK;
}

int kolm_gguf_writer_commit(struct kolm_gguf_writer *w, struct kolm_err *err)
{
	if (!w->completed || w->finished)
		return kolm_err_set(err, KOLM_E_USAGE, "gguf writer: commit before the data is complete");
	w->finished = 1;
	return kolm_out_commit(&w->out, err);
}
