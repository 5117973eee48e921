/* serve.c - `kolm serve`: the picker page and the JSON API on GNU
 * libmicrohttpd (see serve.h for the endpoints, docs/SERVE.md for the
 * contract).  This file listens, takes each request in as libmicrohttpd
 * hands it over (limits first), and routes it to handlers.c. */
#include "kolm/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "handlers_internal.h"
#include "http_internal.h"
#include "request_internal.h"
#include "upload_internal.h"

struct kolm_server {
	struct MHD_Daemon *daemon;
	uint16_t port;
	size_t max_body, max_url;
	struct serve_state st;       /* what the handlers share */
};

/* ---- routing ---------------------------------------------------------- */

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
	 * web/verify.html, served as /verify (and /verify-prod, its earlier name) */
	{"/api/verify", M_POST, "POST", h_verify},
};

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
		return rt->fn(&s->st, c, rq);
	}
	if (!strncmp(url, "/api/", 5))
		return reply_error(c, rq, 404, NULL, "no such endpoint '%s' (/api/catalog, /api/forecast, /api/matrix, /api/verify)", url);
	return h_static(c, rq, url);
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
		uint64_t limit = upload ? s->st.max_upload : s->max_body;
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
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return up_feed(rq->up, upload_data, n, s->st.max_upload);
	}
	if (rq->done) {
		*upload_data_size = 0; /* a body we no longer need */
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return req_body_add(rq, upload_data, n, s->max_body);
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
	serve_state_free(&s->st);
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
	s->max_body = o.max_body_bytes ? o.max_body_bytes : KOLM_SERVE_MAX_BODY;
	s->max_url = o.max_url_bytes ? o.max_url_bytes : KOLM_SERVE_MAX_URL;
	int rc = serve_state_init(&s->st, o.ctx_opts, threads, o.cache_bytes,
				  o.max_upload_bytes ? o.max_upload_bytes : KOLM_SERVE_MAX_UPLOAD, err);
	if (rc) {
		server_free(s);
		return rc;
	}
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
