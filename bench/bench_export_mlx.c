/* bench_export_mlx: kolm's native MLX export against mlx_lm.convert on the
 * same synthetic ~1.1 B-parameter llama-shaped F16 checkpoint (TinyLlama's
 * shape: 22 layers, 2048 wide, FFN 5632, 32 heads, 4 KV heads) to mlx-4bit,
 * group 64, on this machine, in this run: each tool's wall time (best of
 * `runs`, alternating), their ratio, and mlx_lm.convert's time net of
 * importing mlx-lm (its Python start-up, timed alone).  The two directories'
 * tensors are the same bytes (tests/interop/mlx.sh checks it on the test
 * models); here the index's total_size is compared as a sanity check.
 * usage: bench_export_mlx [layers] [runs] [threads]   (needs KOLM_REF_VENV: the
 * reference venv with mlx-lm, `eval "$(scripts/ref-toolchain.sh)"`)
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

static long long total_size(const char *dir)
{
	char p[600], *buf = NULL;
	size_t n;
	snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
	if (kolm_file_read_all(p, 1u << 26, &buf, &n, NULL))
		return -1;
	const char *t = strstr(buf, "\"total_size\": ");
	long long v = t ? atoll(t + 14) : -1;
	free(buf);
	return v;
}

int main(int argc, char **argv)
{
	int layers = argc > 1 ? atoi(argv[1]) : 22;
	int runs = argc > 2 ? atoi(argv[2]) : 2;
	int threads = argc > 3 ? atoi(argv[3]) : 2;
	const char *fixtures = getenv("KOLM_FIXTURES") ? getenv("KOLM_FIXTURES") : "tests/fixtures";
	const char *venv = getenv("KOLM_REF_VENV");
	if (!venv) {
		fprintf(stderr, "bench_export_mlx: KOLM_REF_VENV is not set (eval \"$(scripts/ref-toolchain.sh)\")\n");
		return 4;
	}
	char dir[] = "/tmp/kolm-bench-mlx-XXXXXX";
	if (!mkdtemp(dir))
		return 4;
	char hf[300], ko[320], mo[320], cmd[2000];
	snprintf(hf, sizeof hf, "%s/hf", dir);
	uint64_t wbytes = synth_hf(hf, fixtures, 2048, layers, 5632, 32, 4);
	if (!wbytes) {
		fprintf(stderr, "bench_export_mlx: cannot build the checkpoint (KOLM_FIXTURES=%s)\n", fixtures);
		return 4;
	}
	printf("input: %.3f GB F16 (%.2f B params, %d layers) -> mlx-4bit, group 64\n", (double)wbytes / 1e9,
	       (double)wbytes / 2e9, layers);
	struct kolm_ctx *ctx;
	struct kolm_ctx_opts o = {0};
	struct kolm_err err = {0};
	if (kolm_ctx_new(&ctx, &o, &err))
		return 4;
	/* mlx-lm's start-up alone: importing its convert module */
	snprintf(cmd, sizeof cmd, "'%s/bin/python' -c 'import mlx_lm.convert' >/dev/null 2>&1", venv);
	double t0 = now();
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_export_mlx: %s/bin/python cannot import mlx_lm\n", venv);
		return 4;
	}
	double timport = now() - t0, tk = 1e30, tm = 1e30;
	snprintf(ko, sizeof ko, "%s/kolm", dir);
	snprintf(mo, sizeof mo, "%s/mlx", dir);
	for (int r = 0; r < runs; r++) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.receipt.json' '%s'", ko, ko, mo);
		if (system(cmd) != 0)
			return 4;
		struct kolm_export_opts eo = {0};
		eo.hf_dir = hf;
		eo.format = "mlx-4bit";
		eo.out_path = ko;
		eo.min_k = -1;
		eo.threads = threads;
		t0 = now();
		if (kolm_export_mlx(ctx, &eo, NULL, &err)) {
			fprintf(stderr, "bench_export_mlx: kolm: %s\n", err.msg);
			return 4;
		}
		double t = now() - t0;
		tk = t < tk ? t : tk;
		snprintf(cmd, sizeof cmd,
			 "'%s/bin/mlx_lm.convert' --hf-path '%s' --mlx-path '%s' -q --q-bits 4 --q-group-size 64 >/dev/null 2>&1", venv,
			 hf, mo);
		t0 = now();
		if (system(cmd) != 0) {
			fprintf(stderr, "bench_export_mlx: mlx_lm.convert failed\n");
			return 4;
		}
		t = now() - t0;
		tm = t < tm ? t : tm;
	}
	long long sk = total_size(ko), sm = total_size(mo);
	printf("kolm export --quant mlx-4bit   %7.2f s  (%d threads)\n", tk, threads);
	printf("mlx_lm.convert -q (mlx-cpu)     %7.2f s  (of which %.2f s importing mlx-lm)\n", tm, timport);
	printf("kolm is %.2f x faster (%.2f x net of mlx-lm's import); tensor bytes %lld vs %lld (%s)\n", tm / tk,
	       (tm - timport) / tk, sk, sm, sk == sm && sk > 0 ? "equal" : "DIFFERENT");
	kolm_ctx_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 && sk == sm ? 0 : 4;
}
