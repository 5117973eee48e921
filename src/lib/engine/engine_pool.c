/* engine_pool.c - a small persistent thread pool for the engine.  Workers
 * spin briefly on a generation counter (a decode step dispatches a few
 * hundred short tasks, too many for a condition-variable wake-up each), then
 * sleep on a condition variable.  The caller runs task 0 itself. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "engine_pool_internal.h"

struct ek_pool {
	int n;                  /* threads including the caller */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ek_task_fn fn;
	void *ctx;
	unsigned gen;           /* bumped for every task (atomic) */
	int pending;            /* workers still running the current task (atomic) */
	int quit;
};

struct worker_arg {
	struct ek_pool *p;
	int ith;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct ek_pool *p = wa->p;
	const int ith = wa->ith;
	free(wa);
	unsigned seen = 0;
	for (;;) {
		unsigned g;
		int spins = 0;
		while ((g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE)) == seen) {
			if (++spins < 20000) {
				cpu_relax();
				continue;
			}
			pthread_mutex_lock(&p->mu);
			while (__atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) == seen && !p->quit)
				pthread_cond_wait(&p->cv, &p->mu);
			pthread_mutex_unlock(&p->mu);
			spins = 0;
			if (p->quit)
				return NULL;
		}
		seen = g;
		if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
			return NULL;
		p->fn(p->ctx, ith, p->n);
		__atomic_sub_fetch(&p->pending, 1, __ATOMIC_ACQ_REL);
	}
}

int ek_pool_new(struct ek_pool **out, int nthreads)
{
	if (nthreads < 1)
		nthreads = 1;
	struct ek_pool *p = calloc(1, sizeof *p);
	if (!p)
		return -1;
	p->n = nthreads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (nthreads > 1) {
		p->th = calloc((size_t)nthreads, sizeof *p->th);
		if (!p->th) {
			ek_pool_free(p);
			return -1;
		}
		for (int i = 1; i < nthreads; i++) {
			struct worker_arg *wa = malloc(sizeof *wa);
			if (!wa || pthread_create(&p->th[i], NULL, worker, (wa->p = p, wa->ith = i, wa)) != 0) {
				free(wa);
				p->n = i; /* threads 1..i-1 exist */
				ek_pool_free(p);
				return -1;
			}
		}
	}
	*out = p;
	return 0;
}

void ek_pool_free(struct ek_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	__atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&p->gen, 1, __ATOMIC_ACQ_REL);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->th)
		for (int i = 1; i < p->n; i++)
			pthread_join(p->th[i], NULL);
	free(p->th);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

int ek_pool_threads(const struct ek_pool *p)
{
	return p->n;
}

void ek_pool_run(struct ek_pool *p, ek_task_fn fn, void *ctx)
{
	if (p->n == 1) {
		fn(ctx, 0, 1);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	__atomic_store_n(&p->pending, p->n - 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&p->mu);
	__atomic_add_fetch(&p->gen, 1, __ATOMIC_ACQ_REL);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	fn(ctx, 0, p->n);
	int spins = 0;
	while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) > 0) {
		if (++spins < 100000)
			cpu_relax();
		else
			sched_yield();
	}
}
