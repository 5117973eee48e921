/* handlers_internal.h - what the server answers (handlers.c): one
 * handler per route, the embedded static files, and the state they share -
 * a pool of catalog contexts (one per request in flight, never shared
 * between threads), the response cache, the upload limit and
 * /api/catalog's response. */
#ifndef KOLM_HANDLERS_INTERNAL_H
#define KOLM_HANDLERS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "cache_internal.h"
#include "http_internal.h"
#include "kolm/err.h"

struct kolm_ctx;
struct kolm_ctx_opts;

struct serve_state {
	/* context pool: one kolm_ctx per request in flight, never shared */
	pthread_mutex_t pool_mu;
	struct kolm_ctx **pool;
	int pool_n, pool_cap;
	char *data_dir, *config_dir, *user_data_dir, *rsync_over_bytes;
	uint64_t max_upload;         /* POST /api/verify: all uploaded files together */
	uint64_t upload_disk;        /* temp disk for all uploads in flight together (507 past it) */
	_Atomic uint64_t upload_used;
	int verify_slots;            /* verifies at a time (503 with Retry-After past it) */
	atomic_int verify_busy;
	/* response cache (successful GET forecasts and matrices) */
	struct resp_cache cache;
	/* /api/catalog, built on first use */
	pthread_mutex_t catalog_mu;
	struct MHD_Response *catalog;
};

/* Ready for `threads` workers on the catalogs of ctx_opts (NULL: the
 * embedded ones): the first context is made here, so bad catalogs fail
 * before the server listens.  serve_state_free undoes it (also after a
 * failure). */
int serve_state_init(struct serve_state *s, const struct kolm_ctx_opts *ctx_opts, int threads, size_t cache_bytes,
		     uint64_t max_upload, struct kolm_err *err);
void serve_state_free(struct serve_state *s);

typedef enum MHD_Result (*handler_fn)(struct serve_state *, struct MHD_Connection *, struct req *);
enum MHD_Result h_healthz(struct serve_state *s, struct MHD_Connection *c, struct req *rq);
enum MHD_Result h_catalog(struct serve_state *s, struct MHD_Connection *c, struct req *rq);
enum MHD_Result h_forecast(struct serve_state *s, struct MHD_Connection *c, struct req *rq);
enum MHD_Result h_matrix(struct serve_state *s, struct MHD_Connection *c, struct req *rq);
enum MHD_Result h_verify(struct serve_state *s, struct MHD_Connection *c, struct req *rq);
/* Any other path outside /api/: a file under web/ (embedded), or 404. */
enum MHD_Result h_static(struct MHD_Connection *c, struct req *rq, const char *url);

#endif
