/* handlers.c - what `kolm serve` answers: forecasts and matrices (through
 * kolm_forecast_doc() and kolm_forecast_dumps(), the calls `kolm plan
 * --json` makes, so the bytes agree), the catalog, health, the verify
 * upload's six checks and the embedded page; and the state they share. */
#include "handlers_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"
#include "kolm/util.h"
#include "kolm/version.h"
#include "request_internal.h"
#include "upload_internal.h"

enum { MAX_STATIC_PATH = 200 };

#define CACHE_DEFAULT_BYTES ((size_t)64 << 20)

/* ---- context pool ----------------------------------------------------- */

static int ctx_create(struct serve_state *s, struct kolm_ctx **out, struct kolm_err *err)
{
	struct kolm_ctx_opts o = {s->data_dir, s->config_dir, s->user_data_dir, s->rsync_over_bytes};
	return kolm_ctx_new(out, &o, err);
}

static struct kolm_ctx *pool_get(struct serve_state *s, struct kolm_err *err)
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

static void pool_put(struct serve_state *s, struct kolm_ctx *ctx)
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

int serve_state_init(struct serve_state *s, const struct kolm_ctx_opts *ctx_opts, int threads, size_t cache_bytes,
		     uint64_t max_upload, struct kolm_err *err)
{
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_mutex_init(&s->catalog_mu, NULL);
	cache_init(&s->cache, cache_bytes ? cache_bytes : CACHE_DEFAULT_BYTES);
	s->max_upload = max_upload;
	if (ctx_opts) {
		s->data_dir = kolm_strdup(ctx_opts->data_dir);
		s->config_dir = kolm_strdup(ctx_opts->config_dir);
		s->user_data_dir = kolm_strdup(ctx_opts->user_data_dir);
		s->rsync_over_bytes = kolm_strdup(ctx_opts->rsync_over_bytes);
	}
	s->pool_cap = threads + 2;
	s->pool = calloc((size_t)s->pool_cap, sizeof *s->pool);
	if (!s->pool)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	/* the first context proves the catalogs load before we listen */
	int rc = ctx_create(s, &s->pool[0], err);
	if (rc)
		return rc;
	s->pool_n = 1;
	return KOLM_OK;
}

void serve_state_free(struct serve_state *s)
{
	for (int i = 0; i < s->pool_n; i++)
		kolm_ctx_free(s->pool[i]);
	free(s->pool);
	cache_free(&s->cache);
	if (s->catalog)
		MHD_destroy_response(s->catalog);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_mutex_destroy(&s->catalog_mu);
	free(s->data_dir);
	free(s->config_dir);
	free(s->user_data_dir);
	free(s->rsync_over_bytes);
}

static enum MHD_Result answer_pick(struct serve_state *s, struct MHD_Connection *c, struct req *rq,
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
	uint64_t h = klen ? cache_hash(key, klen) : 0;
	enum MHD_Result res;
	if (klen && cache_queue(&s->cache, key, klen, h, c, &res)) {
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
	p.kv_type = ap->kv_type;
	p.offload = ap->offload;
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
		cache_put(&s->cache, key, klen, h, r, len + klen);
	else
		MHD_destroy_response(r);
	return res;
}

/* ---- handlers --------------------------------------------------------- */

static enum MHD_Result h_pick(struct serve_state *s, struct MHD_Connection *c, struct req *rq, int matrix)
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

enum MHD_Result h_forecast(struct serve_state *s, struct MHD_Connection *c, struct req *rq)
{
	return h_pick(s, c, rq, 0);
}

enum MHD_Result h_matrix(struct serve_state *s, struct MHD_Connection *c, struct req *rq)
{
	return h_pick(s, c, rq, 1);
}

enum MHD_Result h_healthz(struct serve_state *s, struct MHD_Connection *c, struct req *rq)
{
	static const char ok[] = "{\n  \"status\": \"ok\",\n  \"version\": \"" KOLM_VERSION "\"\n}\n";
	return reply(c, rq, MHD_HTTP_OK, "application/json", 1, (void *)ok, sizeof ok - 1, MHD_RESPMEM_PERSISTENT, NULL);
}

/* The reference tables the page shows, computed by the same forecasts:
 * sizes per base at each GGUF tier, and the reference throughput table's rows (data/seed.json)
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
			struct kolm_forecast f;
			struct kolm_pick p = {0};
			p.base_id = cat->bases[b].id;
			p.quant = json_string_value(fid);
			p.mem_gb = 1000; /* a custom device: the size does not depend on it */
			p.bw_gbs = 1000;
			p.overhead_gb = -1;
			if (p.quant && kolm_forecast(ctx, &p, &f, NULL) == KOLM_OK) {
				json_array_append_new(bytes, json_integer((json_int_t)f.size.bytes));
				params = f.source.params;
				kolm_forecast_release(&f);
			} else {
				json_array_append_new(bytes, json_null());
			}
		}
		json_array_append_new(rows, json_pack("{s:s,s:s,s:I,s:o}", "base", cat->bases[b].id, "name",
						      cat->bases[b].name, "params", params, "bytes", bytes));
	}
	json_t *sizes = json_pack("{s:s,s:O,s:o,s:o}", "basis",
				  "forecast: exact tensor list x llama-quantize type rules (the same size kolm plan prints)",
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
			struct kolm_forecast f;
			if (kolm_forecast(ctx, &p, &f, NULL) == KOLM_OK) {
				kolm = json_pack("{s:s,s:s,s:f,s:f,s:f,s:s}", "base", bid, "format", f.format.fmt->id, "low",
						 f.decode.low, "mid", f.decode.mid, "high", f.decode.high, "verdict",
						 kolm_fit_name(f.fit.verdict));
				kolm_forecast_release(&f);
			}
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

enum MHD_Result h_catalog(struct serve_state *s, struct MHD_Connection *c, struct req *rq)
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
		url = "/verify.html"; /* the earlier name of the reviewer's page */
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

enum MHD_Result h_static(struct MHD_Connection *c, struct req *rq, const char *url)
{
	char rel[MAX_STATIC_PATH + 16];
	size_t len = 0;
	const uint8_t *d = static_find(url, rel, sizeof rel, &len);
	if (!d)
		return reply_error(c, rq, 404, NULL, "not found");
	if (!(rq->method & (M_GET | M_HEAD)))
		return reply_error(c, rq, 405, "GET, HEAD", "static files take GET, HEAD");
	return reply(c, rq, MHD_HTTP_OK, content_type(rel), 0, (void *)d, len, MHD_RESPMEM_PERSISTENT, NULL);
}

enum MHD_Result h_verify(struct serve_state *s, struct MHD_Connection *c, struct req *rq)
{
	struct upload *u = rq->up;
	if (!u)
		return reply_error(c, rq, 400, NULL, "send the files as multipart/form-data (fields artifact, export, pubkey)");
	if (u->too_big)
		return reply_error(c, rq, 413, NULL, "upload over %llu bytes", (unsigned long long)s->max_upload);
	if (u->disk_full)
		return reply_error(c, rq, 507, NULL, "the uploads in flight would pass the server's %llu-byte temporary disk budget; try again later",
				   (unsigned long long)s->upload_disk);
	if (up_finish(u))
		return reply_error(c, rq, u->status, NULL, "%s", u->why);
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
