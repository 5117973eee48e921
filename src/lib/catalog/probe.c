/* probe.c - `--device local` measures this machine instead of guessing it
 * (local.h): a read-bandwidth probe and an FMA-throughput probe, about a
 * second together, cached in the user's data directory with the CPU model
 * and thread count they were taken with. */
#include "kolm/local.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "kolm/util.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__ARM_NEON)
#include <arm_neon.h>
#endif

enum { PROBE_MAX_THREADS = 64 };
#define PROBE_BYTES ((size_t)128 << 20) /* four regions, together larger than the last-level cache */
#define PROBE_REGION (PROBE_BYTES / 4)    /* one timed pass: short, so some pass runs uncontended */
#define PROBE_BW_S 0.35                 /* read passes for this long; the best one counts */
#define PROBE_FMA_S 0.20

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- read bandwidth ---------------------------------------------------- */

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint8_t *p, size_t n)
{
	__m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
	for (size_t i = 0; i + 128 <= n; i += 128) {
		a = _mm256_add_epi64(a, _mm256_load_si256((const __m256i *)(p + i)));
		b = _mm256_add_epi64(b, _mm256_load_si256((const __m256i *)(p + i + 32)));
		c = _mm256_add_epi64(c, _mm256_load_si256((const __m256i *)(p + i + 64)));
		d = _mm256_add_epi64(d, _mm256_load_si256((const __m256i *)(p + i + 96)));
	}
	__m256i s = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
	uint64_t v[4];
	_mm256_storeu_si256((__m256i *)v, s);
	return v[0] + v[1] + v[2] + v[3];
}
#endif

static uint64_t sum_scalar(const uint8_t *p, size_t n)
{
	const uint64_t *q = (const uint64_t *)(const void *)p;
	uint64_t a = 0, b = 0, c = 0, d = 0;
	for (size_t i = 0; i + 4 <= n / 8; i += 4)
		a += q[i], b += q[i + 1], c += q[i + 2], d += q[i + 3];
	return a + b + c + d;
}

static uint64_t sum_bytes(const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2"))
		return sum_avx2(p, n);
#endif
	return sum_scalar(p, n);
}

struct bw_job {
	uint8_t *p;
	size_t n;
	int fill;
	uint64_t sink;
};

static void *bw_thread(void *arg)
{
	struct bw_job *j = arg;
	if (j->fill)
		memset(j->p, 1, j->n); /* first touch: each thread's pages near it */
	else
		j->sink += sum_bytes(j->p, j->n);
	return NULL;
}

/* One pass over the buffer with nt threads (fill or read): seconds from
 * the first thread's start to the last one's end, or -1. */
static double bw_pass(uint8_t *buf, size_t bytes, int nt, int fill, uint64_t *sink)
{
	pthread_t th[PROBE_MAX_THREADS];
	struct bw_job jobs[PROBE_MAX_THREADS];
	size_t slice = bytes / (size_t)nt / 128 * 128;
	int started = 0;
	double t0 = now_s();
	for (int t = 0; t < nt; t++) {
		jobs[t] = (struct bw_job){buf + (size_t)t * slice, slice, fill, 0};
		if (pthread_create(&th[t], NULL, bw_thread, &jobs[t]) != 0)
			break;
		started++;
	}
	for (int t = 0; t < started; t++) {
		pthread_join(th[t], NULL);
		*sink += jobs[t].sink;
	}
	double dt = now_s() - t0;
	return started == nt ? dt : -1;
}

/* ---- FMA throughput ---------------------------------------------------- */

struct fma_job {
	long iters;
	double flops;
	float sink;
};

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float fma_avx2(long iters, double *flops)
{
	__m256 m = _mm256_set1_ps(0.999999f), k = _mm256_set1_ps(1e-7f);
	__m256 a0 = _mm256_set1_ps(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
	for (long i = 0; i < iters; i++) {
		a0 = _mm256_fmadd_ps(a0, m, k), a1 = _mm256_fmadd_ps(a1, m, k), a2 = _mm256_fmadd_ps(a2, m, k);
		a3 = _mm256_fmadd_ps(a3, m, k), a4 = _mm256_fmadd_ps(a4, m, k), a5 = _mm256_fmadd_ps(a5, m, k);
		a6 = _mm256_fmadd_ps(a6, m, k), a7 = _mm256_fmadd_ps(a7, m, k), a8 = _mm256_fmadd_ps(a8, m, k);
		a9 = _mm256_fmadd_ps(a9, m, k);
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
				 _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(_mm256_add_ps(a6, a7), _mm256_add_ps(a8, a9))));
	float v[8];
	_mm256_storeu_ps(v, s);
	*flops = (double)iters * 10 * 8 * 2;
	return v[0] + v[7];
}
#endif

static float fma_portable(long iters, double *flops)
{
#if defined(__ARM_NEON) && defined(__aarch64__)
	float32x4_t m = vdupq_n_f32(0.999999f), k = vdupq_n_f32(1e-7f);
	float32x4_t a0 = vdupq_n_f32(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
	for (long i = 0; i < iters; i++) {
		a0 = vfmaq_f32(k, a0, m), a1 = vfmaq_f32(k, a1, m), a2 = vfmaq_f32(k, a2, m), a3 = vfmaq_f32(k, a3, m);
		a4 = vfmaq_f32(k, a4, m), a5 = vfmaq_f32(k, a5, m), a6 = vfmaq_f32(k, a6, m), a7 = vfmaq_f32(k, a7, m);
	}
	float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)), vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7)));
	*flops = (double)iters * 8 * 4 * 2;
	return vgetq_lane_f32(s, 0);
#else
	float a[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	for (long i = 0; i < iters; i++)
		for (int j = 0; j < 8; j++)
			a[j] = fmaf(a[j], 0.999999f, 1e-7f);
	*flops = (double)iters * 8 * 2;
	return a[0] + a[7];
#endif
}

static void *fma_thread(void *arg)
{
	struct fma_job *j = arg;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		j->sink = fma_avx2(j->iters, &j->flops);
		return NULL;
	}
#endif
	j->sink = fma_portable(j->iters, &j->flops);
	return NULL;
}

/* FLOP/s of nt threads running independent FMA chains for iters each. */
static double fma_run(int nt, long iters, double *secs)
{
	pthread_t th[PROBE_MAX_THREADS];
	struct fma_job jobs[PROBE_MAX_THREADS];
	double t0 = now_s(), flops = 0;
	int started = 0;
	for (int t = 0; t < nt; t++) {
		jobs[t] = (struct fma_job){iters, 0, 0};
		if (pthread_create(&th[t], NULL, fma_thread, &jobs[t]) != 0)
			break;
		started++;
	}
	float sink = 0;
	for (int t = 0; t < started; t++) {
		pthread_join(th[t], NULL);
		flops += jobs[t].flops;
		sink += jobs[t].sink;
	}
	*secs = now_s() - t0;
	return sink != sink || !(*secs > 0) ? 0 : flops / *secs; /* sink: keep the work */
}

/* ---- the cache ------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char p[512];
	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
		return -1;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* The cache if it was taken on this CPU with this many threads and every
 * figure in it is a plausible number; else 0 (measure again). */
static int cache_read(const char *path, const struct kolm_local *l, int nt, struct kolm_local_probe *out)
{
	json_t *doc = json_load_file(path, 0, NULL);
	if (!doc)
		return 0;
	const char *cpu = json_string_value(json_object_get(doc, "cpu_model"));
	const char *at = json_string_value(json_object_get(doc, "measured_at"));
	json_t *bw = json_object_get(doc, "bandwidth_bytes_per_s"), *fl = json_object_get(doc, "flops_fp32_fma");
	json_t *th = json_object_get(doc, "threads"), *sec = json_object_get(doc, "seconds");
	int ok = cpu && at && json_is_number(bw) && json_is_number(fl) && json_is_integer(th) && json_is_number(sec) &&
		 !strcmp(cpu, l->cpu_model) && json_integer_value(th) == nt && json_number_value(bw) > 1e8 &&
		 json_number_value(bw) < 1e14 && json_number_value(fl) > 1e8 && json_number_value(fl) < 1e16;
	if (ok) {
		out->bw_bytes_per_s = json_number_value(bw);
		out->flops = json_number_value(fl);
		out->threads = nt;
		out->seconds = json_number_value(sec);
		out->cached = 1;
		kolm_strlcpy(out->measured_at, at, sizeof out->measured_at);
	}
	json_decref(doc);
	return ok;
}

static void cache_write(const char *dir, const char *path, const struct kolm_local *l, const struct kolm_local_probe *p)
{
	if (mkdir_p(dir) != 0)
		return;
	json_t *doc = json_pack("{s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:s}", "schema", "kolm.local-probe/1", "cpu_model",
				l->cpu_model, "measured_at", p->measured_at, "threads", p->threads, "bandwidth_bytes_per_s",
				p->bw_bytes_per_s, "flops_fp32_fma", p->flops, "seconds", p->seconds, "method",
				"read: AVX2/scalar sum of 32 MiB regions of a 128 MiB buffer split across the threads, best pass of ~0.35 s; "
				"compute: independent fp32 FMA chains on every thread, best ~20 ms run of ~0.2 s");
	char *s = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	if (s)
		kolm_file_write_atomic(path, s, strlen(s), NULL); /* a cache: failing to write it is not an error */
	free(s);
	json_decref(doc);
}

/* ---- the probe ------------------------------------------------------- */

static int measure(int nt, struct kolm_local_probe *out, struct kolm_err *err)
{
	double t_begin = now_s();
	uint8_t *buf = NULL;
	if (posix_memalign((void **)&buf, 64, PROBE_BYTES) != 0 || !buf)
		return kolm_err_set(err, KOLM_E_NOMEM, "--device local: cannot allocate the %zu MiB probe buffer",
				    PROBE_BYTES >> 20);
	uint64_t sink = 0;
	if (bw_pass(buf, PROBE_BYTES, nt, 1, &sink) < 0) {
		free(buf);
		return kolm_err_set(err, KOLM_E_IO, "--device local: cannot start the probe threads");
	}
	double best = INFINITY, t_bw = now_s();
	int passes = 0;
	while (passes < 8 || (now_s() - t_bw < PROBE_BW_S && passes < 400)) {
		double dt = bw_pass(buf + (size_t)(passes % 4) * PROBE_REGION, PROBE_REGION, nt, 0, &sink);
		if (dt < 0) {
			free(buf);
			return kolm_err_set(err, KOLM_E_IO, "--device local: cannot start the probe threads");
		}
		if (dt > 0 && dt < best)
			best = dt;
		passes++;
	}
	free(buf);
	size_t slice = PROBE_REGION / (size_t)nt / 128 * 128;
	out->bw_bytes_per_s = (double)(slice * (size_t)nt) / best;
	/* FMA: runs of about 20 ms for PROBE_FMA_S, the best one counts (a
	 * shared machine's other work only ever slows a run down) */
	double secs = 0, t_fma = now_s();
	long iters = 1 << 14;
	out->flops = 0;
	for (int runs = 0; runs < 3 || (now_s() - t_fma < PROBE_FMA_S && runs < 200); runs++) {
		double r = fma_run(nt, iters, &secs);
		if (r > out->flops)
			out->flops = r;
		if (secs > 0 && secs < 0.01)
			iters = (long)fmin(1e9, iters * 0.02 / secs);
	}
	out->threads = nt;
	out->seconds = now_s() - t_begin;
	out->cached = 0;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out->measured_at, sizeof out->measured_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	out->sink = sink; /* the sums are used, so the reads happen */
	if (!(out->bw_bytes_per_s > 0) || !(out->flops > 0))
		return kolm_err_set(err, KOLM_E_IO, "--device local: the probe measured nothing");
	return KOLM_OK;
}

int kolm_local_probe(const char *dir, const struct kolm_local *l, int remeasure, struct kolm_local_probe *out,
		     struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	int nt = l->cores > 0 ? l->cores : 1;
	if (nt > PROBE_MAX_THREADS)
		nt = PROBE_MAX_THREADS;
	if (dir && snprintf(out->cache_path, sizeof out->cache_path, "%s/local-probe.json", dir) >= (int)sizeof out->cache_path)
		out->cache_path[0] = '\0';
	if (!remeasure && out->cache_path[0] && cache_read(out->cache_path, l, nt, out))
		return KOLM_OK;
	char path[sizeof out->cache_path];
	memcpy(path, out->cache_path, sizeof path);
	int rc = measure(nt, out, err);
	memcpy(out->cache_path, path, sizeof path);
	if (rc == KOLM_OK && path[0])
		cache_write(dir, path, l, out);
	return rc;
}
