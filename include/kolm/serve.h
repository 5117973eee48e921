/*
 * serve.h - the HTTP front end: the picker page and a JSON API on GNU
 * libmicrohttpd (docs/SERVE.md lists every endpoint).
 *
 *   GET  /                     the picker page (web/index.html, embedded)
 *   GET  /<file>               other files under web/ (embedded; nothing else)
 *   GET  /healthz              {"status": "ok", "version": ...}
 *   GET  /api/catalog          bases, devices, tiers, formats, runtimes and the
 *                              reference tables (kolm.catalog/1)
 *   GET  /api/forecast?base=&quant=&device=&ctx=&backend=&runtime=
 *   POST /api/forecast         {"config": {...} | "base": ID, "quant", "device", ...}
 *                              kolm.forecast/1, byte for byte what `kolm plan
 *                              --json` prints for the same pick (newline included)
 *   POST /api/verify           multipart/form-data: artifact (a .kolm), optional export,
 *                              pubkey, require_signature=1, max_k_loss; streamed to a
 *                              private temp directory (removed afterwards) with a size
 *                              limit; answers kolm.verify/1, the six checks of `kolm
 *                              verify --json` (file names as the client sent them)
 *   GET  /verify, /verify-prod the verify page (web/verify.html)
 *   GET  /api/matrix?all=devices|quants&...   (and POST with "all" in the body)
 *                              kolm.matrix/1, what `kolm plan --all-devices
 *                              --json` / `--all-quants --json` prints
 *
 * Errors are JSON {"schema": "kolm.error/1", "status", "error", "message"}:
 * 400 a missing/empty/unknown/duplicate parameter, a value that is not a
 * tier or format name, a bad context length, a malformed body; 404 an unknown
 * base or device id, an unknown path; 405 a method the path does not take
 * (with Allow); 413 a body over max_body_bytes; 414 a request target over
 * max_url_bytes; 500 anything else.  Before any of that (docs/SECURITY.md):
 * 403 a Host that is not this server's (a name other than localhost or the
 * one it listens on: DNS rebinding), an Origin that is not its own, a POST
 * /api/verify without "X-Kolm-Request: 1"; 400 HTTP/1.1 without Host, a
 * doubled Content-Length; 503 (Retry-After) all verify slots busy; 507 the
 * uploads in flight past upload_disk_bytes or the disk full.  Invalid UTF-8
 * in a request is shown as '?' in the error message, never a dropped
 * connection.  Requests libmicrohttpd rejects before
 * routing (a malformed request line, headers over the connection memory)
 * get its own short 400/414/431 answer.
 *
 * Threads: a pool of `threads` workers (epoll).  The catalogs live in
 * kolm_ctx objects the server keeps in a small pool, one per request in
 * flight, so no context is ever shared between threads.  Successful GET
 * forecasts and matrices are kept in a bounded cache (a forecast depends
 * only on the pick and the catalogs; --device local is never cached).
 *
 * Ownership: kolm_server_start allocates the server and starts serving
 * before it returns; kolm_server_stop stops the threads, closes the socket
 * and frees everything (NULL ok).  The library never prints.
 */
#ifndef KOLM_SERVE_H
#define KOLM_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_ctx_opts;
struct kolm_server;

struct kolm_serve_opts {
	const char *host;               /* numeric IPv4/IPv6 or a host name; NULL: "127.0.0.1" */
	uint16_t port;                  /* 0: an ephemeral port (kolm_server_port says which) */
	int threads;                    /* worker threads; 0: online CPUs (at least 2) */
	unsigned max_connections;       /* open connections; 0: 512 */
	unsigned timeout_s;             /* idle connection timeout in seconds; 0: 10 */
	size_t max_body_bytes;          /* POST body limit; 0: 256 KiB */
	size_t max_url_bytes;           /* path + query limit; 0: 4096 */
	size_t conn_memory_bytes;       /* per-connection memory (request line, headers, parsed
	                                 * arguments, the reply's headers); 0: 256 KiB, room for a
	                                 * 4096-byte target of 2000 arguments */
	size_t cache_bytes;             /* response cache budget; 0: 64 MB */
	uint64_t max_upload_bytes;      /* POST /api/verify upload limit; 0: KOLM_SERVE_MAX_UPLOAD */
	uint64_t upload_disk_bytes;     /* temp disk for all uploads in flight together; 0: twice the upload limit */
	int verify_slots;               /* POST /api/verify at a time; 0: 2 */
	unsigned header_timeout_s;      /* a request's headers must be complete this long after the
	                                 * connection opens or the last request ends; 0: 10 */
	unsigned per_ip_connections;    /* open connections from one client address; 0: 64 */
	const struct kolm_ctx_opts *ctx_opts; /* catalogs: data dir, user files (NULL: embedded only) */
};

/* Default limits, for documentation and tests. */
enum {
	KOLM_SERVE_MAX_CONNECTIONS = 512,
	KOLM_SERVE_TIMEOUT_S = 10,
	KOLM_SERVE_MAX_BODY = 256 * 1024,
	KOLM_SERVE_MAX_URL = 4096,
	KOLM_SERVE_CONN_MEMORY = 256 * 1024,
	KOLM_SERVE_VERIFY_SLOTS = 2,
	KOLM_SERVE_HEADER_TIMEOUT_S = 10,
	KOLM_SERVE_PER_IP_CONNECTIONS = 64,
};
#define KOLM_SERVE_MAX_UPLOAD ((uint64_t)4 << 30) /* 4 GiB */

/* Bind, listen and start the worker threads.  Errors: KOLM_E_USAGE (bad
 * host), KOLM_E_IO (cannot bind/listen: the message names the address and
 * the reason), whatever kolm_ctx_new returns for bad catalogs. */
int kolm_server_start(const struct kolm_serve_opts *opts, struct kolm_server **out, struct kolm_err *err);

/* The bound TCP port (the ephemeral one when opts.port was 0). */
uint16_t kolm_server_port(const struct kolm_server *s);

/* Stop serving and free the server.  NULL ok. */
void kolm_server_stop(struct kolm_server *s);

#endif
