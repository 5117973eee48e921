/* serve.c - `kolm serve`: the picker page and the JSON API on GNU
 * libmicrohttpd (see serve.h for the endpoints, docs/SERVE.md for the
 * contract).  Every forecast goes through kolm_forecast_doc() and
 * kolm_forecast_dumps(), the calls `kolm plan --json` makes, so the bytes
 * agree. */
#include "kolm/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"
#include "kolm/util.h"
#include "kolm/version.h"

/* ---- limits and fixed texts ------------------------------------------- */

enum { MAX_PARAMS = 16, CACHE_SLOTS = 4096, CACHE_WAYS = 4, CACHE_LOCKS = 64, MAX_STATIC_PATH = 200 };

#define CACHE_DEFAULT_BYTES ((size_t)64 << 20)

/* Same-origin everything: the page loads nothing from elsewhere. */
#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " \
	    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* ---- the server ------------------------------------------------------- */

struct cache_slot {
	uint64_t hash;
	char *key;
	size_t klen, bytes;
	uint64_t used;               /* cache_tick at the last hit (LRU within the set) */
	struct MHD_Response *resp;   /* one reference held by the cache */
};

struct kolm_server {
	struct MHD_Daemon *daemon;
	uint16_t port;
	size_t max_body, max_url;
	uint64_t max_upload;         /* POST /api/verify: all uploaded files together */
	/* context pool: one kolm_ctx per request in flight, never shared */
	pthread_mutex_t pool_mu;
	struct kolm_ctx **pool;
	int pool_n, pool_cap;
	char *data_dir, *config_dir, *user_data_dir;
	/* response cache (successful GET forecasts and matrices) */
	struct cache_slot slots[CACHE_SLOTS];
	pthread_mutex_t cache_mu[CACHE_LOCKS];
	atomic_size_t cache_used;
	atomic_uint_fast64_t cache_tick;
	size_t cache_budget;
	/* /api/catalog, built on first use */
	pthread_mutex_t catalog_mu;
	struct MHD_Response *catalog;
};

/* POST /api/verify: multipart/form-data streamed to files in a private
 * temporary directory (never held in memory), removed when the request ends. */
enum { UP_ARTIFACT, UP_EXPORT, UP_PUBKEY, UP_FILES };
static const char *const up_fields[UP_FILES] = {"artifact", "export", "pubkey"};

struct upload {
	char dir[256];
	struct MHD_PostProcessor *pp;
	FILE *fp;
	int cur;                     /* field being written, -1 none */
	char path[UP_FILES][300];
	char name[UP_FILES][128];    /* the client's file name, for the report */
	int have[UP_FILES];
	char require_sig[8], max_k_loss[32];
	uint64_t total;
	int too_big, bad;
	char why[200];
};

/* Per request, kept in MHD's con_cls. */
struct req {
	unsigned method;
	int done;          /* a response was queued */
	int too_big;       /* the body passed max_body */
	char *body;
	size_t len, cap;
	struct upload *up; /* POST /api/verify only */
};

enum { M_GET = 1, M_HEAD = 2, M_POST = 4, M_OTHER = 8 };

/* ---- replies ---------------------------------------------------------- */

static void add_common_headers(struct MHD_Response *r, const char *ctype, int api)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, api ? "no-store" : "no-cache");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

/* Queue a response made from `buf` (mode as MHD's) and drop our reference. */
static enum MHD_Result reply(struct MHD_Connection *c, struct req *rq, unsigned status, const char *ctype, int api,
			     void *buf, size_t len, enum MHD_ResponseMemoryMode mode, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(buf);
		return MHD_NO;
	}
	add_common_headers(r, ctype, api);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	if (rq)
		rq->done = 1;
	return ok;
}

static const char *status_name(unsigned status)
{
	switch (status) {
	case 400: return "bad request";
	case 404: return "not found";
	case 405: return "method not allowed";
	case 413: return "payload too large";
	case 414: return "uri too long";
	default: return "internal error";
	}
}

static enum MHD_Result reply_error(struct MHD_Connection *c, struct req *rq, unsigned status, const char *allow,
				   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum MHD_Result reply_error(struct MHD_Connection *c, struct req *rq, unsigned status, const char *allow,
				   const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *e = json_pack("{s:s,s:i,s:s,s:s}", "schema", "kolm.error/1", "status", (int)status, "error",
			      status_name(status), "message", msg);
	char *s = e ? json_dumps(e, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(e);
	if (!s)
		return MHD_NO;
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return MHD_NO;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return reply(c, rq, status, "application/json", 1, t, n + 1, MHD_RESPMEM_MUST_FREE, allow);
}

/* The status an error from the library maps to. */
static unsigned http_status(int code)
{
	switch (code) {
	case KOLM_E_USAGE: case KOLM_E_FORMAT: return 400;
	case KOLM_E_NOTFOUND: return 404;
	case KOLM_E_TOOBIG: return 413;
	default: return 500;
	}
}

/* "<json>\n" as a malloc'd buffer, the bytes `kolm plan --json` prints. */
static char *dumps_nl(const json_t *j, size_t *len)
{
	char *s = kolm_forecast_dumps(j);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	*len = n + 1;
	return t;
}

/* ---- context pool ----------------------------------------------------- */

static int ctx_create(struct kolm_server *s, struct kolm_ctx **out, struct kolm_err *err)
{
	struct kolm_ctx_opts o = {s->data_dir, s->config_dir, s->user_data_dir};
	return kolm_ctx_new(out, &o, err);
}

static struct kolm_ctx *pool_get(struct kolm_server *s, struct kolm_err *err)
{
	struct kolm_ctx *ctx = NULL;
	pthread_mutex_lock(&s->pool_mu);
	if (s->pool_n > 0)
		ctx = s->pool[--s->pool_n];
	pthread_mutex_unlock(&s->pool_mu);
	if (!ctx && ctx_create(s, &ctx, err) != KOLM_OK)
		return NULL;
	return ctx;
}

static void pool_put(struct kolm_server *s, struct kolm_ctx *ctx)
{
	if (!ctx)
		return;
	pthread_mutex_lock(&s->pool_mu);
	if (s->pool_n < s->pool_cap) {
		s->pool[s->pool_n++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&s->pool_mu);
	kolm_ctx_free(ctx);
}

/* ---- response cache --------------------------------------------------- */

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

/* The cache is 4-way set associative: a key lives in one of the WAYS slots
 * of its set, and a new key replaces the least recently used of them, so
 * two hot picks whose hashes meet do not evict each other forever. */
static struct cache_slot *cache_set(struct kolm_server *s, uint64_t h, pthread_mutex_t **mu)
{
	size_t set = (size_t)(h % (CACHE_SLOTS / CACHE_WAYS));
	*mu = &s->cache_mu[set % CACHE_LOCKS];
	return &s->slots[set * CACHE_WAYS];
}

static int slot_is(const struct cache_slot *sl, const char *key, size_t klen, uint64_t h)
{
	return sl->resp && sl->hash == h && sl->klen == klen && !memcmp(sl->key, key, klen);
}

/* Queue the cached response for key, if there is one. */
static int cache_queue(struct kolm_server *s, const char *key, size_t klen, uint64_t h, struct MHD_Connection *c,
		       enum MHD_Result *res)
{
	pthread_mutex_t *mu;
	struct cache_slot *set = cache_set(s, h, &mu);
	int hit = 0;
	pthread_mutex_lock(mu);
	for (int w = 0; w < CACHE_WAYS && !hit; w++) {
		if (slot_is(&set[w], key, klen, h)) {
			/* queue under the lock: an eviction cannot drop the last
			 * reference before MHD has taken its own */
			*res = MHD_queue_response(c, MHD_HTTP_OK, set[w].resp);
			set[w].used = atomic_fetch_add_explicit(&s->cache_tick, 1, memory_order_relaxed);
			hit = 1;
		}
	}
	pthread_mutex_unlock(mu);
	return hit;
}

/* Keep r for key (takes over the caller's reference), in the slot that
 * already holds the key, else an empty one, else the least recently used.
 * Over the byte budget: not kept. */
static void cache_put(struct kolm_server *s, const char *key, size_t klen, uint64_t h, struct MHD_Response *r,
		      size_t bytes)
{
	char *k = malloc(klen ? klen : 1);
	if (!k) {
		MHD_destroy_response(r);
		return;
	}
	memcpy(k, key, klen);
	pthread_mutex_t *mu;
	struct cache_slot *set = cache_set(s, h, &mu);
	pthread_mutex_lock(mu);
	struct cache_slot *sl = NULL;
	for (int w = 0; w < CACHE_WAYS && !sl; w++)
		if (slot_is(&set[w], key, klen, h))
			sl = &set[w];
	for (int w = 0; w < CACHE_WAYS && !sl; w++)
		if (!set[w].resp)
			sl = &set[w];
	if (!sl) {
		sl = &set[0];
		for (int w = 1; w < CACHE_WAYS; w++)
			if (set[w].used < sl->used)
				sl = &set[w];
	}
	struct MHD_Response *old = sl->resp;
	char *oldkey = sl->key;
	size_t oldbytes = old ? sl->bytes : 0;
	sl->resp = NULL;
	sl->key = NULL;
	atomic_fetch_sub(&s->cache_used, oldbytes);
	if (atomic_fetch_add(&s->cache_used, bytes) + bytes <= s->cache_budget) {
		sl->hash = h;
		sl->key = k;
		sl->klen = klen;
		sl->bytes = bytes;
		sl->resp = r;
		sl->used = atomic_fetch_add_explicit(&s->cache_tick, 1, memory_order_relaxed);
		k = NULL;
		r = NULL;
	} else {
		atomic_fetch_sub(&s->cache_used, bytes);
	}
	pthread_mutex_unlock(mu);
	if (old)
		MHD_destroy_response(old);
	free(oldkey);
	free(k);
	if (r)
		MHD_destroy_response(r);
}

static void cache_release(struct kolm_server *s)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (s->slots[i].resp)
			MHD_destroy_response(s->slots[i].resp);
		free(s->slots[i].key);
		s->slots[i].resp = NULL;
		s->slots[i].key = NULL;
	}
}

/* ---- the pick from a query or a body ---------------------------------- */

struct api_pick {
	const char *base, *quant, *device, *backend, *runtime, *all;
	int64_t ctx;
	int has_ctx;
	const json_t *config;   /* POST only; borrowed from the parsed body */
};

struct perr {
	unsigned status;
	char msg[512];
};

static int perr_set(struct perr *e, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
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
			matrix ? "all, base, quant, device, ctx, backend, runtime" : "base, quant, device, ctx, backend, runtime");
}

struct query_walk {
	struct api_pick *p;
	struct perr *e;
	int matrix, n;
	size_t bytes;
};

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
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

/* A POST body: {"config": {...} | "base": ID, "quant", "device", "ctx", "backend", "runtime"[, "all"]}. */
static int pick_from_body(struct api_pick *p, const json_t *body, int matrix, struct perr *e)
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

/* Checks shared by GET and POST, before any catalog lookup. */
static int pick_check(const struct api_pick *p, int matrix, int *all_devices, struct perr *e)
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

/* A tier name (some catalog format has it) or an exact format id. */
static int quant_known(const struct kolm_ctx *ctx, const char *q)
{
	if (kolm_catalog_format_find(ctx, q))
		return 1;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	for (int i = 0; i < cat->n_formats; i++)
		if (cat->formats[i].tier && !strcasecmp(cat->formats[i].tier, q))
			return 1;
	return 0;
}

/* Cache key: the parsed pick, each field length-prefixed so no two picks
 * share a key. */
static size_t pick_key(const struct api_pick *p, int matrix, char *buf, size_t cap)
{
	const char *f[] = {p->base, p->quant, p->device, p->backend, p->runtime, p->all};
	size_t n = (size_t)snprintf(buf, cap, "%c%lld|%d", matrix ? 'm' : 'f', (long long)p->ctx, p->has_ctx);
	for (size_t i = 0; i < sizeof f / sizeof f[0] && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "|%zu:%s", f[i] ? strlen(f[i]) : (size_t)0, f[i] ? f[i] : "");
	return n < cap ? n : 0;
}

/* Forecast (or matrix) for a pick, replying on c. */
static enum MHD_Result answer_pick(struct kolm_server *s, struct MHD_Connection *c, struct req *rq,
				   const struct api_pick *ap, int matrix, int cacheable)
{
	struct perr e = {0};
	int all_devices;
	if (pick_check(ap, matrix, &all_devices, &e))
		return reply_error(c, rq, e.status, NULL, "%s", e.msg);
	if (ap->device && !strcmp(ap->device, "local"))
		cacheable = 0; /* this machine's memory, read now */
	char key[2048];
	size_t klen = cacheable ? pick_key(ap, matrix, key, sizeof key) : 0;
	uint64_t h = klen ? fnv1a(key, klen) : 0;
	enum MHD_Result res;
	if (klen && cache_queue(s, key, klen, h, c, &res)) {
		rq->done = 1;
		return res;
	}
	struct kolm_err err = {0};
	struct kolm_ctx *ctx = pool_get(s, &err);
	if (!ctx)
		return reply_error(c, rq, 500, NULL, "%s", err.msg);
	if (ap->quant && !quant_known(ctx, ap->quant)) {
		/* not a tier or a format: a bad value (400), with suggestions */
		kolm_catalog_not_found(ctx, "quant", ap->quant, &err);
		pool_put(s, ctx);
		return reply_error(c, rq, 400, NULL, "%s", err.msg);
	}
	struct kolm_pick p = {0};
	p.base_id = ap->base;
	p.config = ap->config;
	p.quant = ap->quant;
	p.device_id = ap->device;
	p.backend = ap->backend;
	p.runtime = ap->runtime;
	p.ctx = ap->has_ctx ? ap->ctx : 0;
	p.overhead_gb = -1;
	json_t *out = NULL;
	int rc = matrix ? kolm_forecast_matrix_doc(ctx, &p, all_devices, &out, &err) : kolm_forecast_doc(ctx, &p, &out, &err);
	pool_put(s, ctx);
	if (rc) {
		json_decref(out);
		return reply_error(c, rq, http_status(rc), NULL, "%s", err.msg[0] ? err.msg : kolm_status_name(rc));
	}
	size_t len;
	char *body = dumps_nl(out, &len);
	json_decref(out);
	if (!body)
		return reply_error(c, rq, 500, NULL, "cannot encode JSON");
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	add_common_headers(r, "application/json", 1);
	res = MHD_queue_response(c, MHD_HTTP_OK, r);
	rq->done = 1;
	if (klen)
		cache_put(s, key, klen, h, r, len + klen);
	else
		MHD_destroy_response(r);
	return res;
}

/* ---- handlers --------------------------------------------------------- */

static enum MHD_Result h_pick(struct kolm_server *s, struct MHD_Connection *c, struct req *rq, int matrix)
{
	struct api_pick p = {0};
	struct perr e = {0};
	if (rq->method != M_POST) {
		struct query_walk w = {&p, &e, matrix, 0, 0};
		MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, query_arg, &w);
		if (e.status)
			return reply_error(c, rq, e.status, NULL, "%s", e.msg);
		return answer_pick(s, c, rq, &p, matrix, 1);
	}
	if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
		return reply_error(c, rq, 400, NULL, "POST takes its parameters in the JSON body, not the query");
	json_error_t je;
	json_t *body = json_loadb(rq->body ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES, &je);
	if (!body)
		return reply_error(c, rq, 400, NULL, "body: line %d: %s", je.line, je.text);
	enum MHD_Result res;
	if (pick_from_body(&p, body, matrix, &e))
		res = reply_error(c, rq, e.status, NULL, "%s", e.msg);
	else
		res = answer_pick(s, c, rq, &p, matrix, 0);
	json_decref(body);
	return res;
}

static enum MHD_Result h_forecast(struct kolm_server *s, struct MHD_Connection *c, struct req *rq)
{
	return h_pick(s, c, rq, 0);
}

static enum MHD_Result h_matrix(struct kolm_server *s, struct MHD_Connection *c, struct req *rq)
{
	return h_pick(s, c, rq, 1);
}

static enum MHD_Result h_healthz(struct kolm_server *s, struct MHD_Connection *c, struct req *rq)
{
	static const char ok[] = "{\n  \"status\": \"ok\",\n  \"version\": \"" KOLM_VERSION "\"\n}\n";
	return reply(c, rq, MHD_HTTP_OK, "application/json", 1, (void *)ok, sizeof ok - 1, MHD_RESPMEM_PERSISTENT, NULL);
}

/* The reference tables the page shows, computed by the same forecasts:
 * sizes per base at each GGUF tier, and the seed page's throughput rows
 * beside kolm's forecast for the catalog base closest to each row's size. */
static json_t *catalog_reference(struct kolm_ctx *ctx, const json_t *tiers)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	json_t *fmts = json_array(), *rows = json_array();
	size_t ti;
	json_t *t;
	json_array_foreach(tiers, ti, t)
	{
		const struct kolm_format *f = kolm_catalog_tier_format(ctx, json_string_value(t), "gguf");
		json_array_append_new(fmts, f ? json_string(f->id) : json_null());
	}
	for (int b = 0; b < cat->n_bases; b++) {
		if (cat->bases[b].calibration_only)
			continue;
		json_t *bytes = json_array();
		json_int_t params = 0;
		json_t *fid;
		json_array_foreach(fmts, ti, fid)
		{
			json_t *f = NULL;
			struct kolm_pick p = {0};
			p.base_id = cat->bases[b].id;
			p.quant = json_string_value(fid);
			p.mem_gb = 1000; /* a custom device: the size does not depend on it */
			p.bw_gbs = 1000;
			p.overhead_gb = -1;
			if (p.quant && kolm_forecast_doc(ctx, &p, &f, NULL) == KOLM_OK) {
				json_t *sz = json_object_get(json_object_get(f, "size"), "bytes");
				json_array_append_new(bytes, json_is_integer(sz) ? json_incref(sz) : json_null());
				params = json_integer_value(json_object_get(json_object_get(f, "source"), "params"));
			} else {
				json_array_append_new(bytes, json_null());
			}
			json_decref(f);
		}
		json_array_append_new(rows, json_pack("{s:s,s:s,s:I,s:o}", "base", cat->bases[b].id, "name",
						      cat->bases[b].name, "params", params, "bytes", bytes));
	}
	json_t *sizes = json_pack("{s:s,s:O,s:o,s:o}", "basis",
				  "forecast: exact tensor list x llama-quantize type rules (the same size `kolm plan` prints)",
				  "tiers", tiers, "formats", fmts, "rows", rows);

	json_t *seed = kolm_ctx_json(ctx, "data/seed.json", NULL);
	json_t *srows = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(seed, "throughput"), i, x)
	{
		const char *dev = json_string_value(json_object_get(x, "device"));
		const struct kolm_device *d = kolm_catalog_device_find(ctx, dev);
		double want = json_number_value(json_object_get(x, "params_b")) * 1e9, best = -1;
		const char *bid = NULL;
		size_t k;
		json_t *r;
		json_array_foreach(rows, k, r)
		{
			double pb = (double)json_integer_value(json_object_get(r, "params"));
			double dist = pb > want ? pb - want : want - pb;
			if (pb > 0 && (best < 0 || dist < best))
				best = dist, bid = json_string_value(json_object_get(r, "base"));
		}
		json_t *kolm = json_null();
		if (d && bid) {
			struct kolm_pick p = {0};
			p.base_id = bid;
			p.quant = "int4";
			p.device_id = d->id;
			p.overhead_gb = -1;
			json_t *f = NULL;
			if (kolm_forecast_doc(ctx, &p, &f, NULL) == KOLM_OK) {
				json_t *dt = json_object_get(f, "decode_tps");
				kolm = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O}", "base", bid, "format",
						 json_string_value(json_object_get(json_object_get(f, "format"), "id")), "low",
						 json_object_get(dt, "low"), "mid", json_object_get(dt, "mid"), "high",
						 json_object_get(dt, "high"), "verdict",
						 json_object_get(json_object_get(f, "fit"), "verdict"));
			}
			json_decref(f);
		}
		json_t *row = json_deep_copy(x);
		json_object_set_new(row, "device_name", json_string(d ? d->name : dev));
		json_object_set_new(row, "kolm", kolm ? kolm : json_null());
		json_array_append_new(srows, row);
	}
	json_t *st = json_pack("{s:O?,s:O?,s:o}", "about", json_object_get(seed, "about"), "source",
			       json_object_get(seed, "source"), "rows", srows);
	return json_pack("{s:o,s:o}", "sizes", sizes, "seed_throughput", st);
}

static json_t *catalog_build(struct kolm_ctx *ctx, struct kolm_err *err)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	json_t *fj = kolm_ctx_json(ctx, "data/formats.json", err);
	json_t *rj = kolm_ctx_json(ctx, "data/runtimes.json", err);
	if (!fj || !rj)
		return NULL;
	json_t *tiers = json_object_get(fj, "tiers");
	json_t *backends = json_array();
	for (int i = 0; i < cat->n_formats; i++) {
		int seen = 0;
		size_t k;
		json_t *b;
		json_array_foreach(backends, k, b)
			if (!strcmp(json_string_value(b), cat->formats[i].backend))
				seen = 1;
		if (!seen)
			json_array_append_new(backends, json_string(cat->formats[i].backend));
	}
	json_t *tf = json_object();
	size_t ti;
	json_t *t;
	json_array_foreach(tiers, ti, t)
	{
		json_t *row = json_object();
		size_t k;
		json_t *b;
		json_array_foreach(backends, k, b)
		{
			const struct kolm_format *f = kolm_catalog_tier_format(ctx, json_string_value(t), json_string_value(b));
			json_object_set_new(row, json_string_value(b), f ? json_string(f->id) : json_null());
		}
		json_object_set_new(tf, json_string_value(t), row);
	}
	json_t *bases = json_array();
	for (int i = 0; i < cat->n_bases; i++) {
		const struct kolm_base *b = &cat->bases[i];
		if (b->calibration_only)
			continue;
		json_array_append_new(bases, json_pack("{s:s,s:s,s:s?,s:s?}", "id", b->id, "name", b->name, "hf_repo",
						       b->hf_repo, "tokenizer", b->tokenizer));
	}
	json_t *devices = json_array();
	for (int i = 0; i < cat->n_devices; i++) {
		const struct kolm_device *d = &cat->devices[i];
		json_t *rts = json_array(), *mem = json_array();
		for (int k = 0; k < d->n_runtimes; k++)
			json_array_append_new(rts, json_string(d->runtimes[k]));
		for (int k = 0; k < d->n_mem_options; k++)
			json_array_append_new(mem, json_real(d->mem_options_gb[k]));
		json_array_append_new(devices,
				      json_pack("{s:s,s:s,s:s,s:I,s:o,s:s,s:f,s:f,s:s?,s:f,s:s?,s:s,s:s?,s:o,s:s?,s:s?}", "id",
						d->id, "name", d->name, "class", d->klass, "memory_bytes",
						(json_int_t)d->mem_bytes, "memory_options_gb", mem, "memory_kind", d->mem_kind,
						"bandwidth_bytes_per_s", d->bw_bytes_per_s, "flops_fp16", d->flops_fp16,
						"compute_unit", d->compute_unit, "storage_bytes_per_s", d->storage_bytes_per_s,
						"storage_kind", d->storage_kind, "backend", d->backend, "backend_reason",
						d->backend_reason, "runtimes", rts, "transfer", d->transfer, "power_mode",
						d->power_mode));
	}
	json_t *formats = json_array();
	for (int i = 0; i < cat->n_formats; i++) {
		const struct kolm_format *f = &cat->formats[i];
		json_array_append_new(formats, json_pack("{s:s,s:s,s:s?,s:s,s:o,s:f}", "id", f->id, "backend", f->backend,
							 "tier", f->tier, "label", f->label, "ftype",
							 f->ftype >= 0 ? json_integer(f->ftype) : json_null(), "kld",
							 f->kld_equiv));
	}
	json_t *runtimes = json_array();
	size_t k;
	json_t *r;
	json_array_foreach(json_object_get(rj, "runtimes"), k, r)
		json_array_append_new(runtimes, json_pack("{s:O,s:O}", "id", json_object_get(r, "id"), "backend",
							  json_object_get(r, "backend")));
	json_t *ref = catalog_reference(ctx, tiers);
	return json_pack("{s:s,s:s,s:O,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "schema", "kolm.catalog/1", "version", KOLM_VERSION,
			 "tiers", tiers, "backends", backends, "tier_formats", tf, "bases", bases, "devices", devices,
			 "formats", formats, "runtimes", runtimes, "reference", ref);
}

static enum MHD_Result h_catalog(struct kolm_server *s, struct MHD_Connection *c, struct req *rq)
{
	pthread_mutex_lock(&s->catalog_mu);
	if (!s->catalog) {
		struct kolm_err err = {0};
		struct kolm_ctx *ctx = pool_get(s, &err);
		json_t *j = ctx ? catalog_build(ctx, &err) : NULL;
		pool_put(s, ctx);
		size_t len;
		char *body = j ? dumps_nl(j, &len) : NULL;
		json_decref(j);
		if (body) {
			s->catalog = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
			if (s->catalog)
				add_common_headers(s->catalog, "application/json", 1);
			else
				free(body);
		}
		if (!s->catalog) {
			pthread_mutex_unlock(&s->catalog_mu);
			return reply_error(c, rq, 500, NULL, "catalog: %s", err.msg[0] ? err.msg : "cannot build");
		}
	}
	enum MHD_Result res = MHD_queue_response(c, MHD_HTTP_OK, s->catalog);
	pthread_mutex_unlock(&s->catalog_mu);
	rq->done = 1;
	return res;
}

/* ---- static files (embedded web/ only) -------------------------------- */

static const char *content_type(const char *path)
{
	static const char *types[][2] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
		{".json", "application/json"},         {".txt", "text/plain; charset=utf-8"},
		{".png", "image/png"},                 {".ico", "image/x-icon"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

/* Only [A-Za-z0-9._-] segments, none starting with '.', no empty ones:
 * "..", hidden files, "//" and anything percent-decoded into '/' or '\'
 * never reach the lookup, and the lookup is in the embedded table, never
 * the file system. */
static int static_path_ok(const char *url)
{
	size_t n = strlen(url);
	if (url[0] != '/' || n > MAX_STATIC_PATH)
		return 0;
	for (const char *p = url; *p; p++) {
		char ch = *p;
		if (ch == '/') {
			if (p[1] == '/' || p[1] == '.')
				return 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

static const uint8_t *static_find(const char *url, char *rel, size_t cap, size_t *len)
{
	if (!strcmp(url, "/"))
		url = "/index.html";
	else if (!strcmp(url, "/verify-prod"))
		url = "/verify.html"; /* the seed's name for the reviewer's page */
	if (!static_path_ok(url) || url[strlen(url) - 1] == '/')
		return NULL;
	snprintf(rel, cap, "web%s", url);
	const uint8_t *d = kolm_embedded(rel, len);
	if (!d && !strchr(strrchr(url, '/'), '.')) {
		/* "/verify" -> web/verify.html */
		snprintf(rel, cap, "web%s.html", url);
		d = kolm_embedded(rel, len);
	}
	return d;
}

/* ---- POST /api/verify -------------------------------------------------- */

static void up_close_file(struct upload *u)
{
	if (u->fp && fclose(u->fp) != 0 && !u->bad) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "cannot store the upload: %s", strerror(errno));
	}
	u->fp = NULL;
	u->cur = -1;
}

static void up_value(char *dst, size_t cap, const char *data, uint64_t off, size_t size)
{
	if (off >= cap - 1)
		return;
	size_t n = size < cap - 1 - off ? size : (size_t)(cap - 1 - off);
	memcpy(dst + off, data, n);
	dst[off + n] = '\0';
}

static enum MHD_Result up_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct upload *u = cls;
	if (u->bad || u->too_big)
		return MHD_NO;
	int f = -1;
	for (int i = 0; i < UP_FILES; i++)
		if (key && !strcmp(key, up_fields[i]))
			f = i;
	if (f < 0) {
		if (key && !strcmp(key, "require_signature"))
			up_value(u->require_sig, sizeof u->require_sig, data, off, size);
		else if (key && !strcmp(key, "max_k_loss"))
			up_value(u->max_k_loss, sizeof u->max_k_loss, data, off, size);
		return MHD_YES; /* other fields are dropped */
	}
	if (u->cur != f) {
		up_close_file(u);
		if (u->have[f]) {
			u->bad = 1;
			snprintf(u->why, sizeof u->why, "field '%s' given twice", key);
			return MHD_NO;
		}
		char path[sizeof u->path[f]];
		snprintf(path, sizeof path, "%s/%s", u->dir, up_fields[f]);
		memcpy(u->path[f], path, sizeof path);
		u->fp = fopen(u->path[f], "wbx");
		if (!u->fp) {
			u->bad = 1;
			snprintf(u->why, sizeof u->why, "cannot store the upload: %s", strerror(errno));
			return MHD_NO;
		}
		u->cur = f;
		u->have[f] = 1;
		/* the client's name for the report: its last path component, printable only */
		const char *b = filename ? strrchr(filename, '/') : NULL;
		b = b ? b + 1 : filename ? filename : up_fields[f];
		size_t k = 0;
		for (; *b && k + 1 < sizeof u->name[f]; b++)
			u->name[f][k++] = (*b >= 0x20 && *b != 0x7f && *b != '"' && *b != '\\') ? *b : '_';
		u->name[f][k] = '\0';
	}
	if (size && fwrite(data, 1, size, u->fp) != size) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "cannot store the upload: %s", strerror(errno));
		return MHD_NO;
	}
	return MHD_YES;
}

static struct upload *up_new(struct MHD_Connection *c)
{
	struct upload *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->cur = -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(u->dir, sizeof u->dir, "%s/kolm-verify-XXXXXX", tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
	if (!mkdtemp(u->dir)) {
		u->dir[0] = '\0';
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "cannot make a temporary directory: %s", strerror(errno));
		return u;
	}
	u->pp = MHD_create_post_processor(c, 64 * 1024, up_iter, u);
	if (!u->pp) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "send the files as multipart/form-data (fields artifact, export, pubkey)");
	}
	return u;
}

static void up_free(struct upload *u)
{
	if (!u)
		return;
	if (u->pp)
		MHD_destroy_post_processor(u->pp);
	if (u->fp)
		fclose(u->fp);
	for (int i = 0; i < UP_FILES; i++)
		if (u->have[i])
			unlink(u->path[i]);
	if (u->dir[0])
		rmdir(u->dir);
	free(u);
}

/* replace every "<tmpdir>/<field>" in s by the client's file name */
static char *up_unpath(const struct upload *u, const char *s)
{
	struct kolm_buf b = {0};
	size_t dl = strlen(u->dir);
	while (*s) {
		const char *hit = strstr(s, u->dir);
		if (!hit) {
			kolm_buf_add(&b, s, strlen(s));
			break;
		}
		kolm_buf_add(&b, s, (size_t)(hit - s));
		s = hit + dl;
		int f = -1;
		for (int i = 0; i < UP_FILES; i++) {
			size_t fl = strlen(up_fields[i]);
			if (s[0] == '/' && !strncmp(s + 1, up_fields[i], fl))
				f = i, s += 1 + fl;
		}
		if (f >= 0)
			kolm_buf_add(&b, u->name[f], strlen(u->name[f]));
	}
	if (!b.p && !b.oom)
		kolm_buf_add(&b, "", 0);
	return b.p;
}

static enum MHD_Result h_verify(struct kolm_server *s, struct MHD_Connection *c, struct req *rq)
{
	struct upload *u = rq->up;
	if (!u)
		return reply_error(c, rq, 400, NULL, "send the files as multipart/form-data (fields artifact, export, pubkey)");
	if (u->too_big)
		return reply_error(c, rq, 413, NULL, "upload over %llu bytes", (unsigned long long)s->max_upload);
	if (u->pp && MHD_destroy_post_processor(u->pp) != MHD_YES && !u->bad) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "malformed multipart body");
	}
	u->pp = NULL;
	up_close_file(u);
	if (u->bad)
		return reply_error(c, rq, 400, NULL, "%s", u->why);
	if (!u->have[UP_ARTIFACT])
		return reply_error(c, rq, 400, NULL, "no 'artifact' file in the upload");
	struct kolm_verify_opts o = {0};
	o.artifact = u->path[UP_ARTIFACT];
	o.export_path = u->have[UP_EXPORT] ? u->path[UP_EXPORT] : NULL;
	o.pubkey = u->have[UP_PUBKEY] ? u->path[UP_PUBKEY] : NULL;
	o.require_signature = !strcmp(u->require_sig, "1") || !strcmp(u->require_sig, "on") || !strcmp(u->require_sig, "true");
	o.max_k_loss = -1;
	if (u->max_k_loss[0]) {
		char *end;
		double v = strtod(u->max_k_loss, &end);
		if (end == u->max_k_loss || *end || !(v >= 0 && v <= 100))
			return reply_error(c, rq, 400, NULL, "max_k_loss: '%s' is not a number of points in 0..100", u->max_k_loss);
		o.max_k_loss = v;
	}
	struct kolm_err err = {0};
	struct kolm_ctx *ctx = pool_get(s, &err);
	if (!ctx)
		return reply_error(c, rq, 500, NULL, "%s", err.msg);
	json_t *rep = NULL;
	int rc = kolm_verify(ctx, &o, &rep, &err);
	pool_put(s, ctx);
	if (!rep)
		return reply_error(c, rq, http_status(rc), NULL, "%s", err.msg);
	/* the report names the client's files, never the server's temp paths */
	json_object_set_new(rep, "artifact", json_string(u->name[UP_ARTIFACT]));
	if (u->have[UP_EXPORT])
		json_object_set_new(rep, "export", json_string(u->name[UP_EXPORT]));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(rep, "checks"), i, x)
	{
		char *w = up_unpath(u, json_string_value(json_object_get(x, "why")));
		if (w)
			json_object_set_new(x, "why", json_string(w));
		free(w);
	}
	size_t len;
	char *body = dumps_nl(rep, &len);
	json_decref(rep);
	if (!body)
		return reply_error(c, rq, 500, NULL, "out of memory");
	return reply(c, rq, MHD_HTTP_OK, "application/json", 1, body, len, MHD_RESPMEM_MUST_FREE, NULL);
}

/* ---- routing ---------------------------------------------------------- */

typedef enum MHD_Result (*handler_fn)(struct kolm_server *, struct MHD_Connection *, struct req *);

static const struct route {
	const char *path;
	unsigned methods;
	const char *allow;
	handler_fn fn;
} routes[] = {
	{"/healthz", M_GET | M_HEAD, "GET, HEAD", h_healthz},
	{"/api/catalog", M_GET | M_HEAD, "GET, HEAD", h_catalog},
	{"/api/forecast", M_GET | M_HEAD | M_POST, "GET, HEAD, POST", h_forecast},
	{"/api/matrix", M_GET | M_HEAD | M_POST, "GET, HEAD, POST", h_matrix},
	/* the six checks of `kolm verify` on uploaded files; the page is
	 * web/verify.html, served as /verify (and /verify-prod, the seed's name) */
	{"/api/verify", M_POST, "POST", h_verify},
};

static unsigned method_bit(const char *m)
{
	if (!strcmp(m, MHD_HTTP_METHOD_GET))
		return M_GET;
	if (!strcmp(m, MHD_HTTP_METHOD_HEAD))
		return M_HEAD;
	if (!strcmp(m, MHD_HTTP_METHOD_POST))
		return M_POST;
	return M_OTHER;
}

static const struct route *route_find(const char *url)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(url, routes[i].path))
			return &routes[i];
	return NULL;
}

/* Route a complete request (headers, and the body for POST). */
static enum MHD_Result on_complete(struct kolm_server *s, struct MHD_Connection *c, struct req *rq, const char *url)
{
	/* 414 first: path + decoded query */
	struct api_pick scratch = {0};
	struct perr e = {0};
	struct query_walk w = {&scratch, &e, 1, 0, 0};
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, query_arg, &w);
	if (strlen(url) + w.bytes > s->max_url)
		return reply_error(c, rq, 414, NULL, "request target over %zu bytes", s->max_url);
	const struct route *rt = route_find(url);
	if (rt) {
		if (!(rt->methods & rq->method))
			return reply_error(c, rq, 405, rt->allow, "%s takes %s", rt->path, rt->allow);
		if (rq->too_big)
			return reply_error(c, rq, 413, NULL, "body over %zu bytes", s->max_body);
		return rt->fn(s, c, rq);
	}
	if (!strncmp(url, "/api/", 5))
		return reply_error(c, rq, 404, NULL, "no such endpoint '%s' (/api/catalog, /api/forecast, /api/matrix, /api/verify)", url);
	char rel[MAX_STATIC_PATH + 16];
	size_t len = 0;
	const uint8_t *d = static_find(url, rel, sizeof rel, &len);
	if (!d)
		return reply_error(c, rq, 404, NULL, "not found");
	if (!(rq->method & (M_GET | M_HEAD)))
		return reply_error(c, rq, 405, "GET, HEAD", "static files take GET, HEAD");
	return reply(c, rq, MHD_HTTP_OK, content_type(rel), 0, (void *)d, len, MHD_RESPMEM_PERSISTENT, NULL);
}

/* libmicrohttpd calls this once when the headers are in, once per piece
 * of body, and once more when the request is complete.  Answers go out on
 * that last call (a response queued earlier makes libmicrohttpd close the
 * connection, losing keep-alive), except a 413 for a declared
 * Content-Length over the limit, which must not wait for the body. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct kolm_server *s = cls;
	struct req *rq = *con_cls;
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		rq->method = method_bit(method);
		int upload = rq->method == M_POST && !strcmp(url, "/api/verify");
		uint64_t limit = upload ? s->max_upload : s->max_body;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(cl, &end, 10);
			if (errno || end == cl || *end || n > limit)
				return reply_error(c, rq, 413, NULL, "body over %llu bytes", (unsigned long long)limit);
		}
		if (upload && !(rq->up = up_new(c)))
			return MHD_NO;
		return MHD_YES;
	}
	if (rq->up && *upload_data_size) {
		/* streamed to files as it arrives; over the limit: drop the rest, then 413 */
		struct upload *u = rq->up;
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		u->total += n;
		if (u->total > s->max_upload)
			u->too_big = 1;
		if (!u->too_big && !u->bad && u->pp && MHD_post_process(u->pp, upload_data, n) != MHD_YES && !u->bad) {
			u->bad = 1;
			snprintf(u->why, sizeof u->why, "malformed multipart body");
		}
		return u->total > s->max_upload + (64u << 20) ? MHD_NO : MHD_YES;
	}
	if (rq->done) {
		*upload_data_size = 0; /* a body we no longer need */
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (rq->too_big || rq->len + n > s->max_body) {
			/* keep reading (and dropping) up to a bound so the client
			 * gets its 413; past that, hang up */
			rq->too_big = 1;
			rq->len += n;
			return rq->len > 4 * s->max_body + (1u << 20) ? MHD_NO : MHD_YES;
		}
		if (rq->len + n + 1 > rq->cap) {
			size_t cap = rq->cap ? rq->cap : 4096;
			while (cap < rq->len + n + 1)
				cap *= 2;
			char *b = realloc(rq->body, cap);
			if (!b)
				return MHD_NO;
			rq->body = b;
			rq->cap = cap;
		}
		memcpy(rq->body + rq->len, upload_data, n);
		rq->len += n;
		return MHD_YES;
	}
	enum MHD_Result res = on_complete(s, c, rq, url);
	return rq->done ? res : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;
	if (rq) {
		up_free(rq->up);
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* ---- start / stop ----------------------------------------------------- */

static int listen_on(const char *host, uint16_t port, int *fd_out, uint16_t *port_out, struct kolm_err *err)
{
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	char ps[8];
	snprintf(ps, sizeof ps, "%u", (unsigned)port);
	int gr = getaddrinfo(host, ps, &hints, &res);
	if (gr)
		return kolm_err_set(err, KOLM_E_USAGE, "serve: host '%s': %s", host, gai_strerror(gr));
	int fd = -1, saved = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return kolm_err_set(err, KOLM_E_IO, "serve: cannot listen on %s port %u: %s", host, (unsigned)port,
				    strerror(saved ? saved : EADDRNOTAVAIL));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		saved = errno;
		close(fd);
		return kolm_err_set(err, KOLM_E_IO, "serve: getsockname: %s", strerror(saved));
	}
	*port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						    : ((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	return KOLM_OK;
}

static void server_free(struct kolm_server *s)
{
	for (int i = 0; i < s->pool_n; i++)
		kolm_ctx_free(s->pool[i]);
	free(s->pool);
	cache_release(s);
	if (s->catalog)
		MHD_destroy_response(s->catalog);
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_destroy(&s->cache_mu[i]);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_mutex_destroy(&s->catalog_mu);
	free(s->data_dir);
	free(s->config_dir);
	free(s->user_data_dir);
	free(s);
}

int kolm_server_start(const struct kolm_serve_opts *opts, struct kolm_server **out, struct kolm_err *err)
{
	struct kolm_serve_opts o = {0};
	if (opts)
		o = *opts;
	const char *host = o.host && *o.host ? o.host : "127.0.0.1";
	int threads = o.threads;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 2 ? 2 : n > 64 ? 64 : (int)n;
	}
	struct kolm_server *s = calloc(1, sizeof *s);
	if (!s)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_mutex_init(&s->catalog_mu, NULL);
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_init(&s->cache_mu[i], NULL);
	atomic_init(&s->cache_used, 0);
	atomic_init(&s->cache_tick, 1);
	s->cache_budget = o.cache_bytes ? o.cache_bytes : CACHE_DEFAULT_BYTES;
	s->max_body = o.max_body_bytes ? o.max_body_bytes : KOLM_SERVE_MAX_BODY;
	s->max_url = o.max_url_bytes ? o.max_url_bytes : KOLM_SERVE_MAX_URL;
	s->max_upload = o.max_upload_bytes ? o.max_upload_bytes : KOLM_SERVE_MAX_UPLOAD;
	if (o.ctx_opts) {
		s->data_dir = kolm_strdup(o.ctx_opts->data_dir);
		s->config_dir = kolm_strdup(o.ctx_opts->config_dir);
		s->user_data_dir = kolm_strdup(o.ctx_opts->user_data_dir);
	}
	s->pool_cap = threads + 2;
	s->pool = calloc((size_t)s->pool_cap, sizeof *s->pool);
	if (!s->pool) {
		server_free(s);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	/* the first context proves the catalogs load before we listen */
	int rc = ctx_create(s, &s->pool[0], err);
	if (rc) {
		server_free(s);
		return rc;
	}
	s->pool_n = 1;
	int fd = -1;
	rc = listen_on(host, o.port, &fd, &s->port, err);
	if (rc) {
		server_free(s);
		return rc;
	}
	size_t mem = o.conn_memory_bytes ? o.conn_memory_bytes : KOLM_SERVE_CONN_MEMORY;
	s->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
		(MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)(o.max_connections ? o.max_connections : KOLM_SERVE_MAX_CONNECTIONS),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(o.timeout_s ? o.timeout_s : KOLM_SERVE_TIMEOUT_S),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (!s->daemon) {
		/* fd: not closed here, libmicrohttpd may already have */
		server_free(s);
		return kolm_err_set(err, KOLM_E_IO, "serve: libmicrohttpd could not start on %s port %u", host,
				    (unsigned)o.port);
	}
	*out = s;
	return KOLM_OK;
}

uint16_t kolm_server_port(const struct kolm_server *s)
{
	return s ? s->port : 0;
}

void kolm_server_stop(struct kolm_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	server_free(s);
}
