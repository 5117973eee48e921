/* kolm bench - prompt-processing and generation speed of a GGUF on this
 * machine (built-in engine, or an installed llama-bench), optionally
 * recorded into the user's measurements file that calibration reads. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/bench.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/forecast.h"
#include "kolm/util.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: kolm bench MODEL.gguf|ARTIFACT.kolm [options]\n"
		"Measure prompt processing (pp) and generation (tg) tok/s on this machine: mean +- sd over\n"
		"repetitions after a warm-up, load time and peak RSS, beside the forecast for the same file,\n"
		"device and runtime and the error between them.  An artifact is exported to a temporary\n"
		"GGUF at --quant (default f16) first.\n\n"
		"  -p, --n-prompt N     prompt tokens per pp run (default 512; 0 skips pp)\n"
		"  -n, --n-gen N        tokens per tg run (default 128; 0 skips tg)\n"
		"  -r, --repetitions N  repetitions (default 5)\n"
		"  -t, --threads N      threads (default: online CPUs)\n"
		"  --device ID          the catalog device this machine is (default: local; --record needs an id)\n"
		"  --quant Q            the format an artifact is exported to (default f16)\n"
		"  --base ID            catalog base id for --record (default: from the file name)\n"
		"  --record             append the result to $XDG_DATA_HOME/kolm/measurements.tsv\n"
		"  --via llama-bench    run an installed llama-bench -o json instead of kolm's engine\n"
		"  --from-json FILE     read llama-bench -o json output from FILE instead of running anything\n"
		"  --json               machine-readable output\n");
}

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
 * this machine), for the runtime that ran.  NULL if none can be made. */
static json_t *forecast_for(struct kolm_ctx *ctx, const char *gguf, const char *device, const char *runtime)
{
	struct kolm_pick p = {0};
	p.model_path = gguf;
	p.device_id = device;
	p.runtime = runtime;
	p.overhead_gb = -1;
	json_t *f = NULL;
	if (kolm_forecast_doc(ctx, &p, &f, NULL))
		f = NULL;
	return f;
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

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{"n-prompt", required_argument, 0, 'p'}, {"n-gen", required_argument, 0, 'n'},
		{"repetitions", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'},
		{"device", required_argument, 0, 'D'},  {"base", required_argument, 0, 'B'},
		{"record", no_argument, 0, 'R'},         {"via", required_argument, 0, 'V'},
		{"from-json", required_argument, 0, 'F'}, {"json", no_argument, 0, 'J'},
		{"quant", required_argument, 0, 'Q'},
		{"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
	};
	long long np = 512, ng = 128, reps = 5, threads = sysconf(_SC_NPROCESSORS_ONLN);
	const char *device = "local", *base = NULL, *via = NULL, *from = NULL, *quant = "f16";
	int record = 0, json = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:n:r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_i64(optarg, &np) != 0 || np > 65536)
				return cli_usage_error("bench: -p needs a token count up to 65536, not '%s'", optarg);
			break;
		case 'n':
			if (cli_parse_i64(optarg, &ng) != 0 || ng > 65536)
				return cli_usage_error("bench: -n needs a token count up to 65536, not '%s'", optarg);
			break;
		case 'r':
			if (cli_parse_i64(optarg, &reps) != 0 || reps < 1 || reps > KOLM_BENCH_MAX_REPS)
				return cli_usage_error("bench: -r needs 1 to %d, not '%s'", KOLM_BENCH_MAX_REPS, optarg);
			break;
		case 't':
			if (cli_parse_i64(optarg, &threads) != 0 || threads < 1 || threads > 256)
				return cli_usage_error("bench: -t needs a thread count from 1 to 256, not '%s'", optarg);
			break;
		case 'D': device = optarg; break;
		case 'B': base = optarg; break;
		case 'R': record = 1; break;
		case 'V':
			if (strcmp(optarg, "llama-bench") != 0)
				return cli_usage_error("bench: --via knows only 'llama-bench', not '%s'", optarg);
			via = optarg;
			break;
		case 'F': from = optarg; break;
		case 'J': json = 1; break;
		case 'Q': quant = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			return cli_usage_error("bench: unknown option '%s' (see 'kolm bench --help')", argv[optind - 1]);
		}
	}
	if (!from && optind + 1 != argc)
		return cli_usage_error("bench: expected one MODEL.gguf or ARTIFACT.kolm (see 'kolm bench --help')");
	if (np == 0 && ng == 0)
		return cli_usage_error("bench: -p and -n are both 0: nothing to measure");
	if (record && !strcmp(device, "local"))
		return cli_usage_error("bench: --record needs --device ID: the catalog device this machine is, so the "
				       "measurement can join its forecasts (kolm devices)");
	const char *model = optind < argc ? argv[optind] : "";
	struct kolm_err err = {0};
	struct kolm_ctx *ctx = NULL;
	int rc = from ? 0 : cli_ctx_open(&ctx); /* the catalogs: for the forecast and an artifact's export */
	if (rc)
		return rc;
	struct kolm_bench_result *r = calloc(1, sizeof *r);
	if (!r) {
		kolm_ctx_free(ctx);
		return 4;
	}
	json_t *fc = NULL, *fdec = NULL, *fpre = NULL;
	char tdir[256] = "", tgguf[300] = "";
	size_t ml = strlen(model);
	if (!from && ml > 5 && !strcmp(model + ml - 5, ".kolm")) {
		if ((rc = export_for_bench(ctx, model, quant, (int)threads, tdir, sizeof tdir, tgguf, sizeof tgguf, &err))) {
			rc = cli_fail(&err);
			goto out;
		}
		model = tgguf;
	}
	if (from || via) {
		char *buf = NULL;
		size_t len = 0;
		if (from)
			rc = kolm_file_read_all(from, 64u << 20, &buf, &len, &err);
		else
			rc = run_llama_bench(model, (int)np, (int)ng, (int)reps, (int)threads, &buf, &len, &err);
		if (!rc)
			rc = kolm_bench_parse_llama_bench(buf, len, r, &err);
		free(buf);
	} else {
		struct kolm_bench_opts o = {.n_prompt = (int)np, .n_gen = (int)ng, .reps = (int)reps,
					    .nthreads = (int)threads};
		rc = kolm_bench_run(model, &o, r, &err);
	}
	if (rc) {
		rc = cli_fail(&err);
		goto out;
	}
	/* the forecast for the same file, device and runtime, beside the measurement */
	fc = ctx ? forecast_for(ctx, model, device, r->runtime) : NULL;
	fdec = json_object_get(fc, "decode_tps");
	fpre = json_object_get(fc, "prefill_tps");
	char bbuf[128];
	if (!base) {
		base_from_path(r->model[0] ? r->model : model, bbuf, sizeof bbuf);
		base = bbuf;
	}
	if (json) {
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
			json_object_set_new(j, "forecast", json_pack("{s:s,s:s,s:O,s:O}", "device", device, "runtime",
								     r->runtime, "decode_tps", fdec, "prefill_tps", fpre));
			json_t *e = json_object();
			if (r->tg_tps > 0)
				json_object_set_new(e, "decode_pct", json_real(pct(r->tg_tps, json_number_value(json_object_get(fdec, "mid")))));
			if (r->pp_tps > 0)
				json_object_set_new(e, "prefill_pct", json_real(pct(r->pp_tps, json_number_value(json_object_get(fpre, "mid")))));
			json_object_set_new(j, "measured_vs_forecast", e);
		}
		cli_print_json(j);
		json_decref(j);
	} else {
		printf("model    %s (%s, %.2f MB)\n", r->model, r->model_type, (double)r->model_bytes / 1e6);
		printf("machine  %s, %d cores, %.1f GB; %s, %d threads\n", r->machine.cpu_model, r->machine.cores,
		       r->machine.mem_gb, r->runtime, r->nthreads);
		if (r->pp_tps > 0)
			printf("pp%-5d  %10.2f +- %.2f tok/s\n", r->n_prompt, r->pp_tps, r->pp_sd);
		if (r->tg_tps > 0)
			printf("tg%-5d  %10.2f +- %.2f tok/s\n", r->n_gen, r->tg_tps, r->tg_sd);
		if (!from && !via)
			printf("load     %.3f s, peak RSS %.1f MB (%d repetitions after a warm-up)\n", r->load_s,
			       (double)r->peak_rss / 1e6, r->reps);
		if (fc) {
			printf("forecast for %s on %s (%s):\n", r->runtime, device, "not a measurement");
			if (r->tg_tps > 0)
				printf("  decode   %.3g tok/s (range %.3g - %.3g): measured %+.0f%%\n  basis    %s\n",
				       json_number_value(json_object_get(fdec, "mid")), json_number_value(json_object_get(fdec, "low")),
				       json_number_value(json_object_get(fdec, "high")),
				       pct(r->tg_tps, json_number_value(json_object_get(fdec, "mid"))),
				       json_string_value(json_object_get(fdec, "basis")));
			if (r->pp_tps > 0)
				printf("  prefill  %.3g tok/s: measured %+.0f%%\n", json_number_value(json_object_get(fpre, "mid")),
				       pct(r->pp_tps, json_number_value(json_object_get(fpre, "mid"))));
		}
	}
	if (record) {
		const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
		char path[4096];
		if (xdg && *xdg)
			snprintf(path, sizeof path, "%s/kolm/measurements.tsv", xdg);
		else
			snprintf(path, sizeof path, "%s/.local/share/kolm/measurements.tsv", home ? home : ".");
		if (kolm_bench_record(path, r, device, base, &err) != 0) {
			rc = cli_fail(&err);
			goto out;
		}
		if (!json)
			printf("recorded in %s\n", path);
	}
out:
	json_decref(fc);
	kolm_ctx_free(ctx);
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
