/* http_internal.h - the HTTP plumbing every part of the server shares
 * (http.c): the state of one request, and the replies - the security
 * headers every response carries, JSON error bodies, library errors mapped
 * to statuses. */
#ifndef KOLM_HTTP_INTERNAL_H
#define KOLM_HTTP_INTERNAL_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

struct upload;

/* Per request, kept in MHD's con_cls. */
struct req {
	unsigned method;
	int done;          /* a response was queued */
	int too_big;       /* the body passed max_body */
	char *body;
	size_t len, cap;
	struct upload *up; /* POST /api/verify only */
	int verify_slot;   /* holds one of the server's verify slots */
	const char *retry_after; /* a Retry-After header for the reply, or NULL */
};

enum { M_GET = 1, M_HEAD = 2, M_POST = 4, M_OTHER = 8 };

/* the request's method as one of the M_ bits */
unsigned method_bit(const char *m);
void add_common_headers(struct MHD_Response *r, const char *ctype, int api);
/* Queue a response made from `buf` (mode as MHD's) and drop our reference. */
enum MHD_Result reply(struct MHD_Connection *c, struct req *rq, unsigned status, const char *ctype, int api, void *buf,
		      size_t len, enum MHD_ResponseMemoryMode mode, const char *allow);
/* A kolm.error/1 body for status, the message printf-formatted. */
enum MHD_Result reply_error(struct MHD_Connection *c, struct req *rq, unsigned status, const char *allow,
			    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The status an error from the library maps to. */
unsigned http_status(int code);
/* "<json>\n" as a malloc'd buffer, the bytes `kolm plan --json` prints. */
char *dumps_nl(const json_t *j, size_t *len);
/* Keep n more bytes of a request body (at most max_body; past it the rest
 * is counted and dropped, up to a bound, so the client gets its 413). */
enum MHD_Result req_body_add(struct req *rq, const char *data, size_t n, size_t max_body);

#endif
