/* kolm bench - prompt-processing and generation speed of a GGUF on this
 * machine (built-in engine, or an installed llama-bench), optionally
 * recorded into the user's measurements file that calibration reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "pick.h"
#include "kolm/bench.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/forecast.h"
#include "kolm/util.h"

/* llama-bench spawned with an argument vector (never a shell string, so any
 * path is safe); its stdout (the JSON) is read through a pipe. */
static int run_llama_bench(const char *model, int p, int n, int r, int t, char **out, size_t *len,
			   struct kolm_err *err)
{
	const char *path = getenv("PATH");
	char exe[4096] = "";
	for (const char *s = path ? path : ""; *s;) {
		size_t l = strcspn(s, ":");
		snprintf(exe, sizeof exe, "%.*s/llama-bench", (int)l, s);
		if (l && access(exe, X_OK) == 0)
			break;
		exe[0] = 0;
		s += l + (s[l] == ':');
	}
	if (!exe[0])
		return kolm_err_set(err, KOLM_E_MISSING, "llama-bench is not installed (not found in PATH); "
				    "run without --via to use kolm's own engine");
	char ps[16], ns[16], rs[16], ts[16];
	snprintf(ps, sizeof ps, "%d", p);
	snprintf(ns, sizeof ns, "%d", n);
	snprintf(rs, sizeof rs, "%d", r);
	snprintf(ts, sizeof ts, "%d", t);
	char *const av[] = {exe, "-m", (char *)model, "-p", ps, "-n", ns, "-r", rs, "-t", ts, "-o", "json", NULL};
	int fd[2];
	if (pipe(fd) != 0)
		return kolm_err_set(err, KOLM_E_IO, "cannot run llama-bench: pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return kolm_err_set(err, KOLM_E_IO, "cannot run llama-bench: fork");
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		close(fd[0]);
		close(fd[1]);
		execv(exe, av);
		_exit(127);
	}
	close(fd[1]);
	struct kolm_buf b = {0};
	char chunk[65536];
	ssize_t got;
	while ((got = read(fd[0], chunk, sizeof chunk)) > 0 && b.len < (64u << 20))
		kolm_buf_add(&b, chunk, (size_t)got);
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	if (b.oom) {
		free(b.p);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(b.p);
		return kolm_err_set(err, KOLM_E_IO, "llama-bench failed (exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	*out = b.p ? b.p : strdup("");
	*len = b.len;
	return 0;
}

/* An artifact is benchmarked as a GGUF exported from it to a temporary
 * directory (removed afterwards). */
static int export_for_bench(struct kolm_ctx *ctx, const char *artifact, const char *quant, int threads, char *dir,
			    size_t dcap, char *gguf, size_t gcap, struct kolm_err *err)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, dcap, "%s/kolm-bench-XXXXXX", tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return kolm_err_set(err, KOLM_E_IO, "bench: cannot make a temporary directory");
	snprintf(gguf, gcap, "%s/model.gguf", dir);
	struct kolm_export_opts o = {0};
	o.artifact = artifact;
	o.format = quant;
	o.out_path = gguf;
	o.threads = threads;
	o.min_k = 0;
	o.no_measure = 1;
	return kolm_export_gguf(ctx, &o, NULL, err);
}

/* The forecast for what was measured: this file as stored, on --device (or
 * this machine), for the runtime that ran; non-zero if none can be made. */
static int forecast_for(struct kolm_ctx *ctx, const char *gguf, const char *device, const char *runtime,
			struct kolm_forecast *out)
{
	struct kolm_pick p = {0};
	p.model_path = gguf;
	p.device_id = device;
	p.runtime = runtime;
	p.overhead_gb = -1;
	return kolm_forecast(ctx, &p, out, NULL);
}

static double pct(double measured, double forecast)
{
	return forecast > 0 ? 100.0 * (measured - forecast) / forecast : 0;
}

static void base_from_path(const char *model, char *out, size_t cap)
{
	const char *b = strrchr(model, '/');
	b = b ? b + 1 : model;
	size_t l = strcspn(b, ".");
	const char *dash = strrchr(b, '-');
	if (dash && (size_t)(dash - b) < l)
		l = (size_t)(dash - b);
	snprintf(out, cap, "%.*s", (int)l, b);
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
}

struct args {
	long long np, ng, reps, threads;
	const char *device, *base, *via, *from, *quant, *model;
	int record, json;
};

enum { O_RECORD = 1, O_VIA, O_FROMJSON, O_JSON };

static const struct cli_opt opts[] = {
	OPT_VALUE('p', "n-prompt", "N", 'p', "prompt tokens per pp run (default 512; 0 skips pp)"),
	OPT_VALUE('n', "n-gen", "N", 'n', "tokens per tg run (default 128; 0 skips tg)"),
	OPT_VALUE('r', "repetitions", "N", 'r', "repetitions (default 5)"),
	OPT_VALUE('t', "threads", "N", 't', "threads (default: online CPUs)"),
	OPT_PICK_DEVICE,
	OPT_PICK_QUANT,
	OPT_PICK_BASE,
	OPT_FLAG(0, "record", O_RECORD, "append the result to $XDG_DATA_HOME/kolm/measurements.tsv"),
	OPT_VALUE(0, "via", "llama-bench", O_VIA, "run an installed llama-bench -o json instead of kolm's engine"),
	OPT_VALUE(0, "from-json", "FILE", O_FROMJSON, "read llama-bench -o json output from FILE instead of running anything"),
	OPT_FLAG(0, "json", O_JSON, "machine-readable output"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	switch (id) {
	case 'p':
		if (cli_parse_i64(val, &a->np) != 0 || a->np > 65536)
			return cli_usage_error("bench: -p needs a token count up to 65536, not '%s'", val);
		break;
	case 'n':
		if (cli_parse_i64(val, &a->ng) != 0 || a->ng > 65536)
			return cli_usage_error("bench: -n needs a token count up to 65536, not '%s'", val);
		break;
	case 'r':
		if (cli_parse_i64(val, &a->reps) != 0 || a->reps < 1 || a->reps > KOLM_BENCH_MAX_REPS)
			return cli_usage_error("bench: -r needs 1 to %d, not '%s'", KOLM_BENCH_MAX_REPS, val);
		break;
	case 't':
		return cli_threads(cli, val, &a->threads);
	case CLI_O_DEVICE: a->device = val; break;
	case CLI_O_QUANT: a->quant = val; break;
	case CLI_O_BASE: a->base = val; break;
	case O_RECORD: a->record = 1; break;
	case O_VIA:
		if (strcmp(val, "llama-bench") != 0)
			return cli_usage_error("bench: --via knows only 'llama-bench', not '%s'", val);
		a->via = val;
		break;
	case O_FROMJSON: a->from = val; break;
	case O_JSON: a->json = 1; break;
	}
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (!a->from && argc != 1)
		return cli_usage_error("bench: expected one MODEL.gguf, MLX_DIR or ARTIFACT.kolm (see 'kolm bench --help')");
	if (a->np == 0 && a->ng == 0)
		return cli_usage_error("bench: -p and -n are both 0: nothing to measure");
	if (a->record && !strcmp(a->device, "local"))
		return cli_usage_error("bench: --record needs --device ID: the catalog device this machine is, so the "
				       "measurement can join its forecasts (kolm devices)");
	a->model = argc > 0 ? argv[0] : "";
	if (!a->threads)
		a->threads = sysconf(_SC_NPROCESSORS_ONLN);
	/* the catalogs are for the forecast and an artifact's export */
	cli->no_ctx = a->from != NULL;
	return 0;
}

/* The measurement: kolm's engine, an installed llama-bench, or what
 * llama-bench printed, read from a file. */
static int measure(const struct args *a, const char *model, struct kolm_bench_result *r, struct kolm_err *err)
{
	if (a->from || a->via) {
		char *buf = NULL;
		size_t len = 0;
		int rc;
		if (a->from)
			rc = kolm_file_read_all(a->from, 64u << 20, &buf, &len, err);
		else
			rc = run_llama_bench(model, (int)a->np, (int)a->ng, (int)a->reps, (int)a->threads, &buf, &len, err);
		if (!rc)
			rc = kolm_bench_parse_llama_bench(buf, len, r, err);
		free(buf);
		return rc;
	}
	struct kolm_bench_opts o = {.n_prompt = (int)a->np, .n_gen = (int)a->ng, .reps = (int)a->reps,
				    .nthreads = (int)a->threads};
	return kolm_bench_run(model, &o, r, err);
}

static void print_json(const struct args *a, const struct kolm_bench_result *r, const struct kolm_forecast *fc)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:i, s:i, s:i, s:f, s:I}", "model", r->model,
			      "model_type", r->model_type, "format", r->format, "runtime", r->runtime, "model_bytes",
			      (json_int_t)r->model_bytes, "n_params", (json_int_t)r->n_params, "n_prompt",
			      r->n_prompt, "n_gen", r->n_gen, "repetitions", r->reps, "threads", r->nthreads,
			      "load_s", r->load_s, "peak_rss_bytes", (json_int_t)r->peak_rss);
	if (r->pp_tps > 0) {
		json_object_set_new(j, "pp_tps", json_real(r->pp_tps));
		json_object_set_new(j, "pp_sd", json_real(r->pp_sd));
	}
	if (r->tg_tps > 0) {
		json_object_set_new(j, "tg_tps", json_real(r->tg_tps));
		json_object_set_new(j, "tg_sd", json_real(r->tg_sd));
	}
	json_object_set_new(j, "machine", json_pack("{s:s, s:i, s:f}", "cpu_model", r->machine.cpu_model,
						     "cores", r->machine.cores, "mem_gb", r->machine.mem_gb));
	if (fc) {
		json_object_set_new(j, "forecast", json_pack("{s:s,s:s,s:o,s:o}", "device", a->device, "runtime",
							     r->runtime, "decode_tps", kolm_forecast_decode_json(fc),
							     "prefill_tps", kolm_forecast_prefill_json(fc)));
		json_t *e = json_object();
		if (r->tg_tps > 0)
			json_object_set_new(e, "decode_pct", json_real(pct(r->tg_tps, fc->decode.mid)));
		if (r->pp_tps > 0)
			json_object_set_new(e, "prefill_pct", json_real(pct(r->pp_tps, fc->prefill.mid)));
		json_object_set_new(j, "measured_vs_forecast", e);
	}
	cli_print_json(j);
	json_decref(j);
}

static void print_text(const struct args *a, const struct kolm_bench_result *r, const struct kolm_forecast *fc)
{
	printf("model    %s (%s, %.2f MB)\n", r->model, r->model_type, (double)r->model_bytes / 1e6);
	printf("machine  %s, %d core%s, %.1f GB; %s, %d thread%s\n", r->machine.cpu_model, r->machine.cores,
	       r->machine.cores == 1 ? "" : "s", r->machine.mem_gb, r->runtime, r->nthreads, r->nthreads == 1 ? "" : "s");
	if (r->pp_tps > 0)
		printf("pp%-5d  %10.2f +- %.2f tok/s\n", r->n_prompt, r->pp_tps, r->pp_sd);
	if (r->tg_tps > 0)
		printf("tg%-5d  %10.2f +- %.2f tok/s\n", r->n_gen, r->tg_tps, r->tg_sd);
	if (!a->from && !a->via)
		printf("load     %.3f s, peak RSS %.1f MB (%d repetitions after a warm-up)\n", r->load_s,
		       (double)r->peak_rss / 1e6, r->reps);
	if (fc) {
		printf("forecast for %s on %s (%s):\n", r->runtime, a->device, "not a measurement");
		char mid[32], lo[32], hi[32];
		if (r->tg_tps > 0)
			printf("  decode   %s tok/s (range %s - %s): measured %+.0f%%\n  basis    %s\n",
			       kolm_fmt_rate(mid, sizeof mid, fc->decode.mid), kolm_fmt_rate(lo, sizeof lo, fc->decode.low),
			       kolm_fmt_rate(hi, sizeof hi, fc->decode.high), pct(r->tg_tps, fc->decode.mid), fc->decode.basis);
		if (r->pp_tps > 0)
			printf("  prefill  %s tok/s: measured %+.0f%%\n", kolm_fmt_rate(mid, sizeof mid, fc->prefill.mid),
			       pct(r->pp_tps, fc->prefill.mid));
	}
}

/* --record: append to the user's measurements file that calibration reads. */
static int record(const struct args *a, const struct kolm_bench_result *r, const char *base, struct kolm_err *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char path[4096];
	if (xdg && *xdg)
		snprintf(path, sizeof path, "%s/kolm/measurements.tsv", xdg);
	else
		snprintf(path, sizeof path, "%s/.local/share/kolm/measurements.tsv", home ? home : ".");
	if (kolm_bench_record(path, r, a->device, base, err) != 0)
		return -1;
	if (!a->json)
		printf("recorded in %s\n", path);
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	struct kolm_ctx *ctx = cli->ctx;
	const char *model = a->model;
	struct kolm_err err = {0};
	int rc = 0;
	struct kolm_bench_result *r = calloc(1, sizeof *r);
	if (!r)
		return 4;
	struct kolm_forecast f = {0};
	const struct kolm_forecast *fc = NULL;
	char tdir[256] = "", tgguf[300] = "";
	size_t ml = strlen(model);
	if (!a->from && ml > 5 && !strcmp(model + ml - 5, ".kolm")) {
		if ((rc = export_for_bench(ctx, model, a->quant, (int)a->threads, tdir, sizeof tdir, tgguf, sizeof tgguf, &err))) {
			rc = cli_fail(&err);
			goto out;
		}
		model = tgguf;
	}
	if (measure(a, model, r, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	/* the forecast for the same file, device and runtime, beside the measurement */
	if (ctx && forecast_for(ctx, model, a->device, r->runtime, &f) == KOLM_OK)
		fc = &f;
	char bbuf[128];
	const char *base = a->base;
	if (!base) {
		base_from_path(r->model[0] ? r->model : model, bbuf, sizeof bbuf);
		base = bbuf;
	}
	if (a->json)
		print_json(a, r, fc);
	else
		print_text(a, r, fc);
	if (a->record && record(a, r, base, &err))
		rc = cli_fail(&err);
out:
	kolm_forecast_release(&f);
	if (tgguf[0]) {
		char rec[400];
		snprintf(rec, sizeof rec, "%s.receipt.json", tgguf);
		remove(tgguf);
		remove(rec);
		rmdir(tdir);
	}
	free(r);
	return rc;
}

static const struct args defaults = {.np = 512, .ng = 128, .reps = 5, .device = "local", .quant = "f16"};

const struct cli_cmd cmd_bench = {
	.usage = "usage: kolm bench MODEL.gguf|MLX_DIR|ARTIFACT.kolm [options]\n"
		 "Measure prompt processing (pp) and generation (tg) tok/s on this machine: mean +- sd over\n"
		 "repetitions after a warm-up, load time and peak RSS, beside the forecast for the same file,\n"
		 "device and runtime and the error between them.  An artifact is exported to a temporary\n"
		 "GGUF at --quant (default f16) first.  --device names the catalog device this machine is\n"
		 "(default: local; --record needs an id); --record files the result under --base (default:\n"
		 "from the file name).\n",
	.opts = opts,
	.flags = CLI_SEE_HELP | CLI_DASH_H,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
