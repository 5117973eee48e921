/* kolm bench - prompt-processing and generation speed of a GGUF on this
 * machine (built-in engine, or an installed llama-bench), optionally
 * recorded into the user's measurements file that calibration reads. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/bench.h"
#include "kolm/util.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: kolm bench MODEL.gguf [options]\n"
		"Measure prompt processing (pp) and generation (tg) tok/s on this machine: mean +- sd over\n"
		"repetitions after a warm-up, load time and peak RSS.\n\n"
		"  -p, --n-prompt N     prompt tokens per pp run (default 512; 0 skips pp)\n"
		"  -n, --n-gen N        tokens per tg run (default 128; 0 skips tg)\n"
		"  -r, --repetitions N  repetitions (default 5)\n"
		"  -t, --threads N      threads (default: online CPUs)\n"
		"  --device ID          catalog device id for --record (default: local)\n"
		"  --base ID            catalog base id for --record (default: from the file name)\n"
		"  --record             append the result to $XDG_DATA_HOME/kolm/measurements.tsv\n"
		"  --via llama-bench    run an installed llama-bench -o json instead of kolm's engine\n"
		"  --from-json FILE     read llama-bench -o json output from FILE instead of running anything\n"
		"  --json               machine-readable output\n");
}

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
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' -m '%s' -p %d -n %d -r %d -t %d -o json 2>/dev/null", exe, model, p, n, r, t);
	FILE *fp = popen(cmd, "r");
	if (!fp)
		return kolm_err_set(err, KOLM_E_IO, "cannot run llama-bench");
	size_t cap = 65536, k = 0;
	char *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + k, 1, cap - k - 1, fp)) > 0) {
		k += got;
		if (k + 1 == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	int st = pclose(fp);
	if (!b)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(b);
		return kolm_err_set(err, KOLM_E_IO, "llama-bench failed (exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	b[k] = 0;
	*out = b;
	*len = k;
	return 0;
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
		{"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
	};
	long long np = 512, ng = 128, reps = 5, threads = sysconf(_SC_NPROCESSORS_ONLN);
	const char *device = "local", *base = NULL, *via = NULL, *from = NULL;
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
		case 'h': usage(stdout); return 0;
		default:
			return cli_usage_error("bench: unknown option '%s' (see 'kolm bench --help')", argv[optind - 1]);
		}
	}
	if (!from && optind + 1 != argc)
		return cli_usage_error("bench: expected one MODEL.gguf (see 'kolm bench --help')");
	if (np == 0 && ng == 0)
		return cli_usage_error("bench: -p and -n are both 0: nothing to measure");
	const char *model = optind < argc ? argv[optind] : "";
	struct kolm_err err = {0};
	struct kolm_bench_result *r = calloc(1, sizeof *r);
	if (!r)
		return 4;
	int rc = 0;
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
	free(r);
	return rc;
}
