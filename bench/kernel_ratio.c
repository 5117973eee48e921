/* kernel_ratio.c - the row kernels' SIMD dispatch against the scalar
 * reference: one row of 4096 weights dotted with one activation row, per
 * type, timed both ways (best of 5 runs of enough dots to last ~50 ms),
 * printed as the ratio scalar / SIMD.  bench/kernel-ratio builds it for
 * this machine and, with aarch64-linux-gnu-gcc, for NEON under
 * qemu-aarch64-static: under qemu the ratio is a sanity figure (instructions
 * are emulated one by one), not a speed.  A benchmark: it asserts nothing
 * but that both results agree within the check's tolerance. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kolm/quant.h"
#include "kolm/types.h"
#include "quant/kernels_internal.h"

enum { N = 4096 };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static volatile float sink;

/* seconds per dot, best of 5 */
static double time_dot(const struct kolm_type_traits *tt, const void *w, const void *a, int simd)
{
	int reps = 1;
	for (;;) { /* enough dots for ~50 ms */
		const double t0 = now();
		for (int i = 0; i < reps; i++)
			sink = tt->vec_dot(w, a, N, simd);
		if (now() - t0 > 0.05 || reps > (1 << 24))
			break;
		reps *= 2;
	}
	double best = 1e30;
	for (int k = 0; k < 5; k++) {
		const double t0 = now();
		for (int i = 0; i < reps; i++)
			sink = tt->vec_dot(w, a, N, simd);
		const double t = (now() - t0) / reps;
		best = t < best ? t : best;
	}
	return best;
}

int main(void)
{
	static const int types[] = {KOLM_T_F16, KOLM_T_Q8_0, KOLM_T_Q4_0, KOLM_T_Q4_K, KOLM_T_Q6_K};
	static float w[N], x[N];
	static uint8_t q[N * 4], act[N * 4];
	srand(1);
	for (int i = 0; i < N; i++) {
		w[i] = (float)((double)rand() / RAND_MAX) - 0.5f;
		x[i] = (float)((double)rand() / RAND_MAX) - 0.5f;
	}
	printf("kernels: %s; one dot of %d weights, ns scalar / SIMD (ratio)\n", kq_kernels_isa(), N);
	int bad = 0;
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		const struct kolm_type_traits *tt = kolm_type_traits(types[t]);
		if (kolm_quantize_rows(types[t], w, q, 1, N) != 0)
			return 1;
		kolm_type_traits(tt->vec_dot_type)->from_float(x, act, N, 0);
		const float r = tt->vec_dot(q, act, N, 0), s = tt->vec_dot(q, act, N, 1);
		if (fabsf(r - s) > 1e-3f * (fabsf(r) + 1)) {
			printf("%-6s SIMD %g differs from scalar %g\n", kolm_type_name(types[t]), s, r);
			bad = 1;
		}
		const double ts = time_dot(tt, q, act, 0), tv = time_dot(tt, q, act, 1);
		printf("%-6s %9.0f / %7.0f  (%.1fx)\n", kolm_type_name(types[t]), ts * 1e9, tv * 1e9, ts / tv);
	}
	return bad;
}
