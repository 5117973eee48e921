/* engine_sample.c - token selection: greedy argmax and temperature / top-k /
 * top-p sampling with a seeded xorshift64* generator (no global state). */
#include <math.h>
#include <stdlib.h>

#include "kolm/engine.h"

int kolm_argmax(const float *x, int n)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

uint64_t kolm_sample_seed(uint64_t seed)
{
	/* splitmix64 so that small seeds give well-mixed states */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 1;
}

static double rng_uniform(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (double)((x * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

struct cand {
	float p;
	int id;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? 1 : -1;
	return x->id - y->id;
}

int kolm_sample(const float *logits, int n, const struct kolm_sample_opts *o, uint64_t *rng)
{
	if (!o || o->temp <= 0 || n <= 1)
		return kolm_argmax(logits, n);
	struct cand *c = malloc((size_t)n * sizeof *c);
	if (!c)
		return kolm_argmax(logits, n);
	for (int i = 0; i < n; i++) {
		c[i].p = logits[i];
		c[i].id = i;
	}
	int m = n;
	if (o->top_k > 0 && o->top_k < n) {
		/* partial selection: keep the top_k largest in front */
		int k = o->top_k;
		for (int i = 0; i < k; i++) {
			int best = i;
			for (int j = i + 1; j < n; j++)
				if (c[j].p > c[best].p || (c[j].p == c[best].p && c[j].id < c[best].id))
					best = j;
			struct cand t = c[i];
			c[i] = c[best];
			c[best] = t;
		}
		m = k;
	} else {
		qsort(c, (size_t)n, sizeof *c, cand_cmp);
	}
	const float mx = c[0].p;
	double sum = 0;
	for (int i = 0; i < m; i++) {
		c[i].p = expf((c[i].p - mx) / o->temp);
		sum += c[i].p;
	}
	if (o->top_p > 0 && o->top_p < 1) {
		double acc = 0;
		for (int i = 0; i < m; i++) {
			acc += c[i].p / sum;
			if (acc >= o->top_p) {
				m = i + 1;
				break;
			}
		}
		sum = 0;
		for (int i = 0; i < m; i++)
			sum += c[i].p;
	}
	double r = rng_uniform(rng) * sum, acc = 0;
	int id = c[m - 1].id;
	for (int i = 0; i < m; i++) {
		acc += c[i].p;
		if (r < acc) {
			id = c[i].id;
			break;
		}
	}
	free(c);
	return id;
}
