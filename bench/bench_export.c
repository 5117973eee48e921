/* bench_export: native export throughput (input GB/s) from a synthetic
 * ~1B-parameter llama-shaped F16 checkpoint to Q8_0, Q4_0 and Q4_K_M, next
 * to the I/O floor measured in the same run: the time to merely read the
 * same input (a sum over every byte of the warm, mapped safetensors).
 * usage: bench_export [layers] [threads]   (20 layers: ~0.89 B params, 1.8 GB)
 * Needs tests/fixtures (KOLM_FIXTURES) for the tokenizer; writes under /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/util.h"
#include "synth_hf.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int layers = argc > 1 ? atoi(argv[1]) : 20;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	const char *fixtures = getenv("KOLM_FIXTURES") ? getenv("KOLM_FIXTURES") : "tests/fixtures";
	char dir[] = "/tmp/kolm-bench-export-XXXXXX";
	if (!mkdtemp(dir))
		return 4;
	char hf[300], st[320], out[320], cmd[400];
	snprintf(hf, sizeof hf, "%s/hf", dir);
	uint64_t wbytes = synth_hf(hf, fixtures, 2048, layers, 5632, 32, 4);
	if (!wbytes) {
		fprintf(stderr, "bench_export: cannot build the checkpoint (KOLM_FIXTURES=%s)\n", fixtures);
		return 4;
	}
	snprintf(st, sizeof st, "%s/model.safetensors", hf);
	struct kolm_map m;
	if (kolm_map_open(&m, st, NULL))
		return 4;
	double gb = (double)m.size / 1e9;
	/* the I/O floor: read every byte of the input (warm page cache), best of 3 */
	double tio = 1e30;
	volatile uint64_t sink = 0;
	for (int r = 0; r < 3; r++) {
		double t0 = now();
		const uint64_t *p = (const uint64_t *)m.data;
		uint64_t s = 0;
		for (uint64_t i = 0; i < m.size / 8; i++)
			s += p[i];
		sink += s;
		double t = now() - t0;
		tio = t < tio ? t : tio;
	}
	kolm_map_close(&m);
	printf("input: %.3f GB F16 (%.2f B params, %d layers); read floor %.2f GB/s (%.2f s)\n", gb, (double)wbytes / 2e9,
	       layers, gb / tio, tio);
	struct kolm_ctx *ctx;
	struct kolm_ctx_opts o = {0};
	struct kolm_err err = {0};
	if (kolm_ctx_new(&ctx, &o, &err))
		return 4;
	static const char *fmts[] = {"q8_0", "q4_0", "q4_k_m"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(out, sizeof out, "%s/out-%s.gguf", dir, fmts[i]);
		struct kolm_export_opts eo = {0};
		eo.hf_dir = hf;
		eo.format = fmts[i];
		eo.out_path = out;
		eo.threads = threads;
		eo.min_k = -1;
		double t0 = now();
		if (kolm_export_gguf(ctx, &eo, NULL, &err)) {
			fprintf(stderr, "bench_export: %s: %s\n", fmts[i], err.msg);
			return 4;
		}
		double t = now() - t0;
		printf("F16 -> %-7s %6.2f s  %.3f GB/s of input  = %.2f x the read floor  (%d threads)\n", fmts[i], t, gb / t,
		       tio / t, threads);
		remove(out);
		snprintf(cmd, sizeof cmd, "%s.receipt.json", out);
		remove(cmd);
	}
	kolm_ctx_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	(void)sink;
	return system(cmd) == 0 ? 0 : 4;
}
