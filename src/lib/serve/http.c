/* http.c - the replies every handler sends (the security headers, JSON
 * errors, library errors mapped to statuses) and a request's body kept as
 * it arrives.  Nothing here knows an endpoint. */
#include "http_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/err.h"
#include "kolm/forecast.h"

/* Same-origin everything: the page loads nothing from elsewhere. */
#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " \
	    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

unsigned method_bit(const char *m)
{
	if (!strcmp(m, MHD_HTTP_METHOD_GET))
		return M_GET;
	if (!strcmp(m, MHD_HTTP_METHOD_HEAD))
		return M_HEAD;
	if (!strcmp(m, MHD_HTTP_METHOD_POST))
		return M_POST;
	return M_OTHER;
}

void add_common_headers(struct MHD_Response *r, const char *ctype, int api)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, api ? "no-store" : "no-cache");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

enum MHD_Result reply(struct MHD_Connection *c, struct req *rq, unsigned status, const char *ctype, int api,
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
	if (rq && rq->retry_after)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, rq->retry_after);
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
	case 403: return "forbidden";
	case 404: return "not found";
	case 405: return "method not allowed";
	case 413: return "payload too large";
	case 414: return "uri too long";
	case 503: return "service unavailable";
	case 507: return "insufficient storage";
	default: return "internal error";
	}
}

/* s made valid UTF-8 in place: every byte that does not start a complete,
 * well-formed sequence (a value cut mid-character by the buffer, %ff in a
 * parameter) becomes '?', so the JSON error can always be built. */
static void utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0;
		for (int i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (ok && n > 1) {
			uint32_t cp = n == 2 ? (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
				      : n == 3 ? (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f)
					       : (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
							 (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
			ok = cp >= min[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
		}
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

enum MHD_Result reply_error(struct MHD_Connection *c, struct req *rq, unsigned status, const char *allow,
			    const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_scrub(msg);
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

unsigned http_status(int code)
{
	switch (code) {
	case KOLM_E_USAGE: case KOLM_E_FORMAT: return 400;
	case KOLM_E_NOTFOUND: return 404;
	case KOLM_E_TOOBIG: return 413;
	default: return 500;
	}
}

char *dumps_nl(const json_t *j, size_t *len)
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

enum MHD_Result req_body_add(struct req *rq, const char *data, size_t n, size_t max_body)
{
	if (rq->too_big || rq->len + n > max_body) {
		/* keep reading (and dropping) up to a bound so the client
		 * gets its 413; past that, hang up */
		rq->too_big = 1;
		rq->len += n;
		return rq->len > 4 * max_body + (1u << 20) ? MHD_NO : MHD_YES;
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
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
	return MHD_YES;
}
