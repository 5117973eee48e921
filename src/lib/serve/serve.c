/* serve.c - `kolm serve`: the picker page and the JSON API on GNU
 * libmicrohttpd (see serve.h for the endpoints, docs/SERVE.md for the
 * contract).  This file listens, takes each request in as libmicrohttpd
 * hands it over (limits first), and routes it to handlers.c. */
#include "kolm/serve.h"
#include "kolm/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "handlers_internal.h"
#include "http_internal.h"
#include "request_internal.h"
#include "upload_internal.h"

/* An open connection, for the header deadline (the watchdog). */
struct conn {
	int fd;
	double since;                /* opened, or its last request ended */
	int busy;                    /* a request's headers are in */
	struct conn *prev, *next;
};

struct kolm_server {
	struct MHD_Daemon *daemon;
	uint16_t port;
	size_t max_body, max_url;
	char *host;                  /* the name or address it was asked to listen on */
	struct serve_state st;       /* what the handlers share */
	/* the header deadline: a thread shuts down connections whose request
	 * headers are not complete header_timeout seconds after they opened
	 * (or after their last request): slow-header clients cannot hold the
	 * connection slots, which the idle timeout (reset by every byte) allows */
	unsigned header_timeout;
	pthread_mutex_t conn_mu;
	pthread_cond_t conn_cv;
	struct conn *conns;
	int stopping, watchdog_on;
	pthread_t watchdog;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct kolm_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *k = calloc(1, sizeof *k);
		if (!k || !ci) {
			free(k);
			return;
		}
		k->fd = ci->connect_fd;
		k->since = mono_now();
		pthread_mutex_lock(&s->conn_mu);
		k->next = s->conns;
		if (s->conns)
			s->conns->prev = k;
		s->conns = k;
		pthread_mutex_unlock(&s->conn_mu);
		*socket_context = k;
	} else if (*socket_context) {
		/* before libmicrohttpd closes the socket: the fd is never reused under us */
		struct conn *k = *socket_context;
		pthread_mutex_lock(&s->conn_mu);
		if (k->prev)
			k->prev->next = k->next;
		else
			s->conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&s->conn_mu);
		free(k);
		*socket_context = NULL;
	}
}

static void conn_mark(struct kolm_server *s, struct MHD_Connection *c, int busy)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;
	if (!k)
		return;
	pthread_mutex_lock(&s->conn_mu);
	k->busy = busy;
	k->since = mono_now();
	pthread_mutex_unlock(&s->conn_mu);
}

static void *watchdog(void *arg)
{
	struct kolm_server *s = arg;
	pthread_mutex_lock(&s->conn_mu);
	while (!s->stopping) {
		double now = mono_now();
		for (struct conn *k = s->conns; k; k = k->next)
			if (!k->busy && now - k->since > s->header_timeout) {
				shutdown(k->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
				k->since = now + 1e9;
			}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->conn_cv, &s->conn_mu, &ts);
	}
	pthread_mutex_unlock(&s->conn_mu);
	return NULL;
}

/* ---- who may ask ------------------------------------------------------- */

/* The Host header names this server: a loopback or numeric address, or the
 * name it was asked to listen on, and its port when a port is given.  Any
 * other name is a DNS-rebinding page's (attacker.example resolving to
 * 127.0.0.1). */
static int host_ok(const struct kolm_server *s, const char *h)
{
	char name[256];
	const char *port = NULL;
	if (h[0] == '[') {
		const char *e = strchr(h, ']');
		if (!e || (size_t)(e - h - 1) >= sizeof name)
			return 0;
		memcpy(name, h + 1, (size_t)(e - h - 1));
		name[e - h - 1] = '\0';
		if (e[1] == ':')
			port = e + 2;
		else if (e[1])
			return 0;
	} else {
		const char *colon = strchr(h, ':');
		size_t n = colon ? (size_t)(colon - h) : strlen(h);
		if (n >= sizeof name || (colon && strchr(colon + 1, ':')))
			return 0;
		memcpy(name, h, n);
		name[n] = '\0';
		port = colon ? colon + 1 : NULL;
	}
	if (port) {
		char *end;
		errno = 0;
		unsigned long p = strtoul(port, &end, 10);
		if (!*port || *end || errno || p != s->port || *port < '0' || *port > '9')
			return 0;
	}
	unsigned char buf[16];
	if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1)
		return 1; /* a numeric address cannot be rebound */
	size_t nl = strlen(name);
	if (nl && name[nl - 1] == '.')
		name[--nl] = '\0';
	return !strcasecmp(name, "localhost") || (s->host && !strcasecmp(name, s->host));
}

struct hdr_count {
	int content_length;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct hdr_count *n = cls;
	if (key && !strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		n->content_length++;
	return MHD_YES;
}

/* Host, Origin and Content-Length checked before anything else: a status
 * to refuse with (and the reply sent), or 0. */
static unsigned gatekeep(struct kolm_server *s, struct MHD_Connection *c, struct req *rq, const char *version)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!host) {
		if (version && !strcmp(version, MHD_HTTP_VERSION_1_0))
			host = NULL; /* HTTP/1.0 may leave it out */
		else
			return reply_error(c, rq, 400, NULL, "no Host header (HTTP/1.1 requires one)"), 400;
	}
	if (host && !host_ok(s, host))
		return reply_error(c, rq, 403, NULL,
				   "Host '%.200s' is not this server (it answers to localhost, numeric addresses and the name it listens on, port %u)",
				   host, (unsigned)s->port),
		       403;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ORIGIN);
	if (origin) {
		/* a browser says which page sent the request: only this server's own */
		char own[300];
		int same = host && snprintf(own, sizeof own, "http://%s", host) < (int)sizeof own && !strcasecmp(origin, own);
		if (!same)
			return reply_error(c, rq, 403, NULL, "cross-origin request from '%.200s' refused", origin), 403;
	}
	struct hdr_count n = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &n);
	if (n.content_length > 1)
		return reply_error(c, rq, 400, NULL, "Content-Length given %d times", n.content_length), 400;
	return 0;
}

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
		conn_mark(s, c, 1);
		if (gatekeep(s, c, rq, version))
			return MHD_YES;
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
		if (upload) {
			/* the page asks with this header, which a cross-site form cannot
			 * send (and a cross-site script cannot without a preflight the
			 * server never grants) */
			if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Kolm-Request"))
				return reply_error(c, rq, 403, NULL, "POST /api/verify needs the header X-Kolm-Request: 1 (the verify page sends it)");
			/* a bounded number of verifies at a time, so forecasts stay fast */
			if (atomic_fetch_add(&s->st.verify_busy, 1) >= s->st.verify_slots) {
				atomic_fetch_sub(&s->st.verify_busy, 1);
				rq->retry_after = "5";
				return reply_error(c, rq, 503, NULL, "%d verifies are running; try again in a few seconds",
						   s->st.verify_slots);
			}
			rq->verify_slot = 1;
			if (!(rq->up = up_new(c, &s->st.upload_used, s->st.upload_disk)))
				return MHD_NO;
		}
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
	struct kolm_server *s = cls;
	struct req *rq = *con_cls;
	conn_mark(s, c, 0);
	if (rq) {
		if (rq->verify_slot)
			atomic_fetch_sub(&s->st.verify_busy, 1);
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
	if (s->watchdog_on) {
		pthread_mutex_lock(&s->conn_mu);
		s->stopping = 1;
		pthread_cond_signal(&s->conn_cv);
		pthread_mutex_unlock(&s->conn_mu);
		pthread_join(s->watchdog, NULL);
	}
	pthread_mutex_destroy(&s->conn_mu);
	pthread_cond_destroy(&s->conn_cv);
	serve_state_free(&s->st);
	free(s->host);
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
	pthread_mutex_init(&s->conn_mu, NULL);
	pthread_cond_init(&s->conn_cv, NULL);
	s->host = kolm_strdup(host);
	s->header_timeout = o.header_timeout_s ? o.header_timeout_s : KOLM_SERVE_HEADER_TIMEOUT_S;
	s->max_body = o.max_body_bytes ? o.max_body_bytes : KOLM_SERVE_MAX_BODY;
	s->max_url = o.max_url_bytes ? o.max_url_bytes : KOLM_SERVE_MAX_URL;
	int rc = serve_state_init(&s->st, o.ctx_opts, threads, o.cache_bytes,
				  o.max_upload_bytes ? o.max_upload_bytes : KOLM_SERVE_MAX_UPLOAD, err);
	if (rc) {
		server_free(s);
		return rc;
	}
	s->st.upload_disk = o.upload_disk_bytes ? o.upload_disk_bytes : 2 * s->st.max_upload;
	s->st.verify_slots = o.verify_slots > 0 ? o.verify_slots : KOLM_SERVE_VERIFY_SLOTS;
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
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)(o.per_ip_connections ? o.per_ip_connections : KOLM_SERVE_PER_IP_CONNECTIONS), MHD_OPTION_END);
	if (!s->daemon) {
		/* fd: not closed here, libmicrohttpd may already have */
		server_free(s);
		return kolm_err_set(err, KOLM_E_IO, "serve: libmicrohttpd could not start on %s port %u", host,
				    (unsigned)o.port);
	}
	if (pthread_create(&s->watchdog, NULL, watchdog, s) != 0) {
		MHD_stop_daemon(s->daemon);
		server_free(s);
		return kolm_err_set(err, KOLM_E_IO, "serve: cannot start the header-deadline thread");
	}
	s->watchdog_on = 1;
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
	s->daemon = NULL;
	server_free(s);
}
