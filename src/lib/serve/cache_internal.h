/* cache_internal.h - the server's response cache (cache.c): successful
 * GET forecasts and matrices, kept as ready libmicrohttpd responses under
 * a key made from the parsed pick, within a byte budget. */
#ifndef KOLM_CACHE_INTERNAL_H
#define KOLM_CACHE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

enum { CACHE_SLOTS = 4096, CACHE_WAYS = 4, CACHE_LOCKS = 64 };

struct cache_slot {
	uint64_t hash;
	char *key;
	size_t klen, bytes;
	uint64_t used;               /* cache_tick at the last hit (LRU within the set) */
	struct MHD_Response *resp;   /* one reference held by the cache */
};

struct resp_cache {
	struct cache_slot slots[CACHE_SLOTS];
	pthread_mutex_t mu[CACHE_LOCKS];
	atomic_size_t used;
	atomic_uint_fast64_t tick;
	size_t budget;
};

void cache_init(struct resp_cache *rc, size_t budget);
/* Every response dropped, the locks destroyed. */
void cache_free(struct resp_cache *rc);
/* The hash cache_queue and cache_put take with the key. */
uint64_t cache_hash(const char *key, size_t klen);
/* Queue the cached response for key on c, if there is one (1; *res is
 * what libmicrohttpd answered). */
int cache_queue(struct resp_cache *rc, const char *key, size_t klen, uint64_t h, struct MHD_Connection *c,
		enum MHD_Result *res);
/* Keep r for key (takes over the caller's reference); over the budget it
 * is dropped. */
void cache_put(struct resp_cache *rc, const char *key, size_t klen, uint64_t h, struct MHD_Response *r,
	       size_t bytes);

#endif
