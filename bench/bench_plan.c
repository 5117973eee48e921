/* bench_plan: how long `kolm plan` takes to answer (target < 20 ms).
 * Measures, in the same run: spawning /bin/true (the process floor), the
 * whole `kolm plan` command, and kolm_forecast_doc() in-process (context
 * reused, and context created per call).  Prints medians and ratios.
 * usage: bench_plan [path/to/kolm] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/ctx.h"
#include "kolm/forecast.h"

extern char **environ;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

static double spawn_ms(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	double t = now();
	pid_t pid;
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		return -1;
	int st;
	waitpid(pid, &st, 0);
	posix_spawn_file_actions_destroy(&fa);
	return (now() - t) * 1e3;
}

int main(int argc, char **argv)
{
	const char *kolm = argc > 1 ? argv[1] : "build/kolm";
	enum { N = 40 };
	double a[N], b[N], c[N], d[N];
	char *tv[] = {"/bin/true", NULL};
	char *pv[] = {(char *)kolm, "plan", "--base", "llama-3.1-8b", "--quant", "q4_k_m", "--device", "rtx-4090",
		      "--json", NULL};
	for (int i = 0; i < N; i++) {
		a[i] = spawn_ms(tv);
		b[i] = spawn_ms(pv);
	}
	struct kolm_ctx *ctx;
	struct kolm_ctx_opts o = {0};
	if (kolm_ctx_new(&ctx, &o, NULL))
		return 1;
	struct kolm_pick p = {0};
	p.base_id = "llama-3.1-8b";
	p.quant = "q4_k_m";
	p.device_id = "rtx-4090";
	p.overhead_gb = -1;
	for (int i = 0; i < N; i++) {
		double t = now();
		json_t *f = NULL;
		kolm_forecast_doc(ctx, &p, &f, NULL);
		char *s = kolm_forecast_dumps(f);
		free(s);
		json_decref(f);
		c[i] = (now() - t) * 1e3;
		t = now();
		struct kolm_ctx *c2;
		kolm_ctx_new(&c2, &o, NULL);
		kolm_forecast_doc(c2, &p, &f, NULL);
		json_decref(f);
		kolm_ctx_free(c2);
		d[i] = (now() - t) * 1e3;
	}
	kolm_ctx_free(ctx);
	double ta = median(a, N), tb = median(b, N), tc = median(c, N), td = median(d, N);
	printf("median over %d runs (target: kolm plan < 20 ms)\n", N);
	printf("  /bin/true spawn (floor)          %7.3f ms\n", ta);
	printf("  kolm plan ... --json (process)   %7.3f ms  = %.1fx the floor, %.2f of the 20 ms target\n", tb, tb / ta,
	       tb / 20.0);
	printf("  kolm_forecast, warm context      %7.3f ms\n", tc);
	printf("  kolm_forecast, new context       %7.3f ms\n", td);
	return 0;
}
