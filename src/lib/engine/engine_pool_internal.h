/* engine_pool_internal.h - the engine's persistent thread pool
 * (engine_pool.c): its own header, so the pool depends on nothing of the
 * engine that runs tasks on it. */
#ifndef KOLM_ENGINE_POOL_INTERNAL_H
#define KOLM_ENGINE_POOL_INTERNAL_H

struct ek_pool;
typedef void (*ek_task_fn)(void *ctx, int ith, int nth);
int ek_pool_new(struct ek_pool **out, int nthreads);
void ek_pool_free(struct ek_pool *p);
int ek_pool_threads(const struct ek_pool *p);
/* Run fn(ctx, ith, nth) on every thread (the caller is ith 0) and wait. */
void ek_pool_run(struct ek_pool *p, ek_task_fn fn, void *ctx);

#endif
