/* bench_engine_mlx: kolm's engine on an MLX directory (quant/affine_dot.c
 * through engine/engine_mlx.c) against the same engine on a GGUF of the
 * same checkpoint at the same size, in this run: a synthetic TinyLlama-
 * shaped F16 checkpoint (2048 wide, FFN 5632, 32 heads, 4 KV heads; bench/
 * synth_hf.h) exported by kolm to mlx-4bit (group 64: 4.5 bits a weight)
 * and to Q4_0 (4.5 bits a weight, llama.cpp's repacked kernel order), then
 * kolm_bench_run on each, alternating, best of `runs`: pp and tg tok/s and
 * the ratio MLX / Q4_0.  mlx_lm.benchmark itself is not the reference here:
 * on mlx-cpu it needs minutes for one small run on this machine.
 * usage: bench_engine_mlx [layers] [runs] [threads] [bits]
 * Needs tests/fixtures (KOLM_FIXTURES) for the tokenizer; writes under /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/bench.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "synth_hf.h"

static int bench(const char *path, int threads, double *pp, double *tg)
{
	struct kolm_bench_opts o = {.n_prompt = 128, .n_gen = 32, .reps = 1, .nthreads = threads};
	struct kolm_bench_result r;
	struct kolm_err err = {0};
	if (kolm_bench_run(path, &o, &r, &err)) {
		fprintf(stderr, "bench_engine_mlx: %s: %s\n", path, err.msg);
		return -1;
	}
	*pp = r.pp_tps > *pp ? r.pp_tps : *pp;
	*tg = r.tg_tps > *tg ? r.tg_tps : *tg;
	return 0;
}

int main(int argc, char **argv)
{
	int layers = argc > 1 ? atoi(argv[1]) : 4;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	int threads = argc > 3 ? atoi(argv[3]) : 2;
	int bits = argc > 4 ? atoi(argv[4]) : 4;
	const char *fixtures = getenv("KOLM_FIXTURES") ? getenv("KOLM_FIXTURES") : "tests/fixtures";
	char dir[] = "/tmp/kolm-bench-engine-mlx-XXXXXX";
	if (!mkdtemp(dir))
		return 4;
	char hf[300], mx[320], gg[320], fmt[16], cmd[400];
	snprintf(hf, sizeof hf, "%s/hf", dir);
	snprintf(mx, sizeof mx, "%s/mlx", dir);
	snprintf(gg, sizeof gg, "%s/q.gguf", dir);
	snprintf(fmt, sizeof fmt, "mlx-%dbit", bits);
	uint64_t wbytes = synth_hf(hf, fixtures, 2048, layers, 5632, 32, 4);
	struct kolm_ctx *ctx;
	struct kolm_ctx_opts co = {0};
	struct kolm_err err = {0};
	if (!wbytes || kolm_ctx_new(&ctx, &co, &err)) {
		fprintf(stderr, "bench_engine_mlx: cannot build the checkpoint (KOLM_FIXTURES=%s)\n", fixtures);
		return 4;
	}
	struct kolm_export_opts eo = {.hf_dir = hf, .format = fmt, .out_path = mx, .min_k = -1, .threads = threads};
	struct kolm_export_opts go = {.hf_dir = hf, .format = bits == 8 ? "q8_0" : "q4_0", .out_path = gg, .min_k = -1,
				      .threads = threads};
	if (kolm_export_mlx(ctx, &eo, NULL, &err) || kolm_export_gguf(ctx, &go, NULL, &err)) {
		fprintf(stderr, "bench_engine_mlx: export: %s\n", err.msg);
		return 4;
	}
	printf("%.2f B params (%d layers, 2048 wide), %d threads, pp128 / tg32, best of %d alternating runs\n",
	       (double)wbytes / 2e9, layers, threads, runs);
	double mpp = 0, mtg = 0, gpp = 0, gtg = 0;
	for (int r = 0; r < runs; r++)
		if (bench(mx, threads, &mpp, &mtg) || bench(gg, threads, &gpp, &gtg))
			return 4;
	printf("%-10s pp %8.2f tok/s  tg %7.2f tok/s\n", fmt, mpp, mtg);
	printf("%-10s pp %8.2f tok/s  tg %7.2f tok/s\n", go.format, gpp, gtg);
	printf("MLX / GGUF: pp %.2f x, tg %.2f x\n", mpp / gpp, mtg / gtg);
	kolm_ctx_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 4;
}
