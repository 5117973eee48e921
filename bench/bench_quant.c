/* bench_quant: quantizer throughput in GB/s of F32 input for Q8_0, Q4_0 and
 * Q4_K (and dequantization of Q8_0/Q4_0), scalar reference against the
 * SIMD path, single-threaded, on a ~200 MB synthetic buffer.  memcpy of
 * the same buffer is measured in the same run and every figure is also
 * printed as a fraction of it.  Also: Q4_K with N threads.
 * usage: bench_quant [MB] [threads] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kolm/quant.h"
#include "kolm/types.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* best of `reps` runs, seconds */
#define BEST(reps, expr)                                 \
	({                                               \
		double best_ = 1e30;                     \
		for (int r_ = 0; r_ < (reps); r_++) {    \
			double t0_ = now();              \
			expr;                            \
			double t_ = now() - t0_;         \
			if (t_ < best_)                  \
				best_ = t_;              \
		}                                        \
		best_;                                   \
	})

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 200;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	if (mb < 1)
		mb = 1;
	const int64_t ne0 = 4096;
	int64_t nrows = (int64_t)(mb * 1000000 / sizeof(float) / (size_t)ne0);
	if (nrows < 1)
		nrows = 1;
	const int64_t n = nrows * ne0;
	const double gb = (double)n * sizeof(float) / 1e9;
	float *x = malloc((size_t)n * sizeof *x), *back = malloc((size_t)n * sizeof *back),
	      *cpy = malloc((size_t)n * sizeof *cpy);
	uint8_t *q = malloc(kolm_type_row_bytes(KOLM_T_Q8_0, ne0) * (uint64_t)nrows);
	if (!x || !back || !cpy || !q) {
		fprintf(stderr, "bench_quant: out of memory\n");
		return 1;
	}
	uint32_t s = 1;
	for (int64_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.05f;
	}
	memcpy(cpy, x, (size_t)n * sizeof *x); /* fault the pages in */
	double t_memcpy = BEST(3, memcpy(cpy, x, (size_t)n * sizeof *x));
	double memcpy_gbs = gb / t_memcpy;
	printf("buffer: %.1f MB of F32 (%lld rows x %lld); fast path: %s\n", gb * 1000, (long long)nrows,
	       (long long)ne0, kolm_quant_simd_name());
	printf("%-22s %10s %14s\n", "kernel", "GB/s", "vs memcpy");
	printf("%-22s %10.2f %14.3f\n", "memcpy", memcpy_gbs, 1.0);

	const int types[] = {KOLM_T_Q8_0, KOLM_T_Q4_0, KOLM_T_Q4_K};
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
		int t = types[k];
		double ts[2], td[2];
		for (int simd = 0; simd < 2; simd++) {
			kolm_quant_force_scalar(!simd);
			ts[simd] = BEST(2, kolm_quantize_rows(t, x, q, nrows, ne0));
			td[simd] = BEST(2, for (int64_t r = 0; r < nrows; r++) kolm_dequantize_row(
						   t, q + (uint64_t)r * kolm_type_row_bytes(t, ne0), back + r * ne0, ne0));
		}
		for (int simd = 0; simd < 2; simd++) {
			char label[64];
			snprintf(label, sizeof label, "quantize %s %s", kolm_type_name(t), simd ? "simd" : "scalar");
			printf("%-22s %10.3f %14.4f\n", label, gb / ts[simd], (gb / ts[simd]) / memcpy_gbs);
		}
		printf("%-22s %10.2fx\n", "  simd speed-up", ts[0] / ts[1]);
		for (int simd = 0; simd < 2; simd++) {
			char label[64];
			snprintf(label, sizeof label, "dequant %s %s", kolm_type_name(t), simd ? "simd" : "scalar");
			printf("%-22s %10.3f %14.4f\n", label, gb / td[simd], (gb / td[simd]) / memcpy_gbs);
		}
	}
	kolm_quant_force_scalar(0);
	double tmt = BEST(2, kolm_quantize_tensor_mt(KOLM_T_Q4_K, x, q, nrows, ne0, threads));
	char label[64];
	snprintf(label, sizeof label, "quantize Q4_K x%d thr", threads);
	printf("%-22s %10.3f %14.4f\n", label, gb / tmt, (gb / tmt) / memcpy_gbs);
	free(x);
	free(back);
	free(cpy);
	free(q);
	return 0;
}
