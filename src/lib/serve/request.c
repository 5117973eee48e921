/* request.c - an API request's pick: the query string's arguments or a
 * JSON body's members, each named once, checked as `kolm plan` checks its
 * options, and the cache key made from it. */
#include "request_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"

enum { MAX_PARAMS = 16 };

__attribute__((format(printf, 3, 4)))
static int perr_set(struct perr *e, unsigned status, const char *fmt, ...)
{
	if (e->status)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->status = status;
	return -1;
}

/* Context length: 1..16777216 or "max", as `kolm plan --ctx`. */
static int parse_ctx(const char *v, int64_t *out)
{
	if (!strcmp(v, "max")) {
		*out = KOLM_CTX_MAX;
		return 0;
	}
	long long n;
	char *end;
	errno = 0;
	if (*v < '0' || *v > '9')
		return -1;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < 1 || n > (1LL << 24))
		return -1;
	*out = n;
	return 0;
}

/* Store one named value; `matrix` admits the "all" parameter. */
static int pick_set(struct api_pick *p, const char *key, const char *val, int matrix, struct perr *e)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"base", offsetof(struct api_pick, base)},       {"quant", offsetof(struct api_pick, quant)},
		{"device", offsetof(struct api_pick, device)},   {"backend", offsetof(struct api_pick, backend)},
		{"runtime", offsetof(struct api_pick, runtime)}, {"all", offsetof(struct api_pick, all)},
		{"kv_type", offsetof(struct api_pick, kv_type)}, {"offload", offsetof(struct api_pick, offload)},
	};
	if (!val || !*val)
		return perr_set(e, 400, "parameter '%s' is empty", key);
	if (!strcmp(key, "ctx")) {
		if (p->has_ctx)
			return perr_set(e, 400, "parameter 'ctx' given twice");
		if (parse_ctx(val, &p->ctx))
			return perr_set(e, 400, "ctx: '%s' is not a context length (1..16777216 or 'max')", val);
		p->has_ctx = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strcmp(key, fields[i].name) || (!matrix && !strcmp(key, "all")))
			continue;
		const char **slot = (const char **)((char *)p + fields[i].off);
		if (*slot)
			return perr_set(e, 400, "parameter '%s' given twice", key);
		*slot = val;
		return 0;
	}
	return perr_set(e, 400, "unknown parameter '%s' (%s)", key,
			matrix ? "all, base, quant, device, ctx, backend, runtime, kv_type, offload"
			       : "base, quant, device, ctx, backend, runtime, kv_type, offload");
}

enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
			  const char *value, size_t value_size)
{
	struct query_walk *w = cls;
	w->bytes += key_size + value_size + 2;
	if (w->e->status)
		return MHD_YES; /* keep counting bytes for the 414 check */
	if (++w->n > MAX_PARAMS) {
		perr_set(w->e, 400, "too many parameters (at most %d)", MAX_PARAMS);
		return MHD_YES;
	}
	if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
		perr_set(w->e, 400, "a parameter contains a NUL byte");
		return MHD_YES;
	}
	pick_set(w->p, key, value, w->matrix, w->e);
	return MHD_YES;
}

int pick_from_body(struct api_pick *p, const json_t *body, int matrix, struct perr *e)
{
	if (!json_is_object(body))
		return perr_set(e, 400, "the body must be a JSON object");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)body, k, v)
	{
		if (!strcmp(k, "config")) {
			if (!json_is_object(v))
				return perr_set(e, 400, "'config' must be a JSON object (a Hugging Face config.json)");
			p->config = v;
			continue;
		}
		if (!strcmp(k, "ctx") && json_is_integer(v)) {
			json_int_t n = json_integer_value(v);
			if (n < 1 || n > (1LL << 24))
				return perr_set(e, 400, "ctx: %lld is not a context length (1..16777216 or 'max')", (long long)n);
			p->ctx = n;
			p->has_ctx = 1;
			continue;
		}
		if (!json_is_string(v))
			return perr_set(e, 400, "'%s' must be a string", k);
		if (pick_set(p, k, json_string_value(v), matrix, e))
			return -1;
	}
	return 0;
}

int pick_check(const struct api_pick *p, int matrix, int *all_devices, struct perr *e)
{
	if (p->base && p->config)
		return perr_set(e, 400, "give either 'base' or 'config', not both");
	if (!p->base && !p->config)
		return perr_set(e, 400, "missing parameter 'base' (a catalog base id; see /api/catalog)");
	*all_devices = 0;
	if (matrix) {
		if (!p->all)
			return perr_set(e, 400, "missing parameter 'all' (devices or quants)");
		if (!strcmp(p->all, "devices"))
			*all_devices = 1;
		else if (strcmp(p->all, "quants"))
			return perr_set(e, 400, "all: '%s' is not a view (devices or quants)", p->all);
	}
	if (!p->device && !*all_devices)
		return perr_set(e, 400, "missing parameter 'device' (a catalog device id; see /api/catalog)");
	return 0;
}

int quant_known(const struct kolm_ctx *ctx, const char *q)
{
	if (kolm_catalog_format_find(ctx, q))
		return 1;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	for (int i = 0; i < cat->n_formats; i++)
		if (cat->formats[i].tier && !strcasecmp(cat->formats[i].tier, q))
			return 1;
	return 0;
}

size_t pick_key(const struct api_pick *p, int matrix, char *buf, size_t cap)
{
	const char *f[] = {p->base, p->quant, p->device, p->backend, p->runtime, p->all, p->kv_type, p->offload};
	size_t n = (size_t)snprintf(buf, cap, "%c%lld|%d", matrix ? 'm' : 'f', (long long)p->ctx, p->has_ctx);
	for (size_t i = 0; i < sizeof f / sizeof f[0] && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "|%zu:%s", f[i] ? strlen(f[i]) : (size_t)0, f[i] ? f[i] : "");
	return n < cap ? n : 0;
}

