/* cache.c - the response cache: 4-way set associative over CACHE_SLOTS
 * slots, one lock per group of sets, least recently used out, a byte
 * budget over all of it. */
#include "cache_internal.h"

#include <stdlib.h>
#include <string.h>

void cache_init(struct resp_cache *rc, size_t budget)
{
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_init(&rc->mu[i], NULL);
	atomic_init(&rc->used, 0);
	atomic_init(&rc->tick, 1);
	rc->budget = budget;
}

/* FNV-1a */
uint64_t cache_hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

/* The cache is 4-way set associative: a key lives in one of the WAYS slots
 * of its set, and a new key replaces the least recently used of them, so
 * two hot picks whose hashes meet do not evict each other forever. */
static struct cache_slot *cache_set(struct resp_cache *rc, uint64_t h, pthread_mutex_t **mu)
{
	size_t set = (size_t)(h % (CACHE_SLOTS / CACHE_WAYS));
	*mu = &rc->mu[set % CACHE_LOCKS];
	return &rc->slots[set * CACHE_WAYS];
}

static int slot_is(const struct cache_slot *sl, const char *key, size_t klen, uint64_t h)
{
	return sl->resp && sl->hash == h && sl->klen == klen && !memcmp(sl->key, key, klen);
}

/* Queue the cached response for key, if there is one. */
int cache_queue(struct resp_cache *rc, const char *key, size_t klen, uint64_t h, struct MHD_Connection *c,
		enum MHD_Result *res)
{
	pthread_mutex_t *mu;
	struct cache_slot *set = cache_set(rc, h, &mu);
	int hit = 0;
	pthread_mutex_lock(mu);
	for (int w = 0; w < CACHE_WAYS && !hit; w++) {
		if (slot_is(&set[w], key, klen, h)) {
			/* queue under the lock: an eviction cannot drop the last
			 * reference before MHD has taken its own */
			*res = MHD_queue_response(c, MHD_HTTP_OK, set[w].resp);
			set[w].used = atomic_fetch_add_explicit(&rc->tick, 1, memory_order_relaxed);
			hit = 1;
		}
	}
	pthread_mutex_unlock(mu);
	return hit;
}

/* Keep r for key (takes over the caller's reference), in the slot that
 * already holds the key, else an empty one, else the least recently used.
 * Over the byte budget: not kept. */
void cache_put(struct resp_cache *rc, const char *key, size_t klen, uint64_t h, struct MHD_Response *r,
	       size_t bytes)
{
	char *k = malloc(klen ? klen : 1);
	if (!k) {
		MHD_destroy_response(r);
		return;
	}
	memcpy(k, key, klen);
	pthread_mutex_t *mu;
	struct cache_slot *set = cache_set(rc, h, &mu);
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
	atomic_fetch_sub(&rc->used, oldbytes);
	if (atomic_fetch_add(&rc->used, bytes) + bytes <= rc->budget) {
		sl->hash = h;
		sl->key = k;
		sl->klen = klen;
		sl->bytes = bytes;
		sl->resp = r;
		sl->used = atomic_fetch_add_explicit(&rc->tick, 1, memory_order_relaxed);
		k = NULL;
		r = NULL;
	} else {
		atomic_fetch_sub(&rc->used, bytes);
	}
	pthread_mutex_unlock(mu);
	if (old)
		MHD_destroy_response(old);
	free(oldkey);
	free(k);
	if (r)
		MHD_destroy_response(r);
}

void cache_free(struct resp_cache *rc)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (rc->slots[i].resp)
			MHD_destroy_response(rc->slots[i].resp);
		free(rc->slots[i].key);
		rc->slots[i].resp = NULL;
		rc->slots[i].key = NULL;
	}
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_destroy(&rc->mu[i]);
}
