#include "pick.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum {
	O_BASE = 1000, O_CONFIG, O_MODEL, O_QUANT, O_DEVICE, O_MEM, O_BW, O_TFLOPS, O_BACKEND, O_RUNTIME, O_CTX,
	O_OVERHEAD, O_KV, O_OFFLOAD, O_HOSTMEM, O_TT, O_JSON, O_ALLQ, O_ALLD, O_MINTPS, O_MAXMEM, O_MAXK,
	O_MAXSIZE, O_BEST, O_BESTBASE, O_OUT, O_HELP, O_PREVIEW, O_NOMEASURE, O_FROMDIR, O_THREADS
};

static const struct option opts[] = {
	{"base", required_argument, 0, O_BASE},
	{"config", required_argument, 0, O_CONFIG},
	{"model", required_argument, 0, O_MODEL},
	{"quant", required_argument, 0, O_QUANT},
	{"device", required_argument, 0, O_DEVICE},
	{"mem-gb", required_argument, 0, O_MEM},
	{"bw-gbs", required_argument, 0, O_BW},
	{"tflops", required_argument, 0, O_TFLOPS},
	{"backend", required_argument, 0, O_BACKEND},
	{"runtime", required_argument, 0, O_RUNTIME},
	{"ctx", required_argument, 0, O_CTX},
	{"overhead-gb", required_argument, 0, O_OVERHEAD},
	{"kv-type", required_argument, 0, O_KV},
	{"offload", required_argument, 0, O_OFFLOAD},
	{"host-mem-gb", required_argument, 0, O_HOSTMEM},
	{"tensor-type", required_argument, 0, O_TT},
	{"json", no_argument, 0, O_JSON},
	{"all-quants", no_argument, 0, O_ALLQ},
	{"all-devices", no_argument, 0, O_ALLD},
	{"min-tps", required_argument, 0, O_MINTPS},
	{"max-mem-frac", required_argument, 0, O_MAXMEM},
	{"max-k-loss", required_argument, 0, O_MAXK},
	{"max-size-gb", required_argument, 0, O_MAXSIZE},
	{"best", no_argument, 0, O_BEST},
	{"best-base", no_argument, 0, O_BESTBASE},
	{"output", required_argument, 0, O_OUT},
	{"preview", no_argument, 0, O_PREVIEW},
	{"no-measure", no_argument, 0, O_NOMEASURE},
	{"from-dir", required_argument, 0, O_FROMDIR},
	{"threads", required_argument, 0, O_THREADS},
	{"help", no_argument, 0, O_HELP},
	{0, 0, 0, 0},
};

void cli_pick_usage(FILE *fp)
{
	fputs("source (one of):\n"
	      "  --base ID             a catalog base model (kolm bases)\n"
	      "  --config FILE         a Hugging Face config.json\n"
	      "  --model PATH          a .gguf, .safetensors, HF directory or .kolm\n"
	      "pick:\n"
	      "  --quant TIER|FORMAT   fp16 int8 int6 int5 int4 int3 int2, or a format (kolm quants)\n"
	      "  --device ID           a catalog device (kolm devices), or 'local'\n"
	      "  --mem-gb N            memory variant in GB (1 GB = 1e9 bytes); with --bw-gbs: a custom device\n"
	      "  --bw-gbs N            memory bandwidth in GB/s (overrides the device's)\n"
	      "  --tflops N            fp16 TFLOPS of the unit that runs the model\n"
	      "  --backend B           gguf mlx onnx coreml tensorrt (default: the device's)\n"
	      "  --runtime R           llama.cpp-cpu|cuda|metal|vulkan|opencl, mlx, onnxruntime, coreml, tensorrt-llm\n"
	      "  --ctx N|max           context length (default 4096)\n"
	      "  --kv-type T           KV cache type: f16 (default), q8_0, q4_0\n"
	      "  --overhead-gb X       flat runtime overhead instead of the computed one (the seed's rule: 1)\n"
	      "  --tensor-type P=T     llama-quantize per-tensor override (repeatable)\n"
	      "  --offload auto|N      partial GPU offload (discrete GPUs); --host-mem-gb N host RAM\n"
	      "views and gates:\n"
	      "  --all-quants | --all-devices   a row per format / per device\n"
	      "  --min-tps X --max-mem-frac F --max-k-loss P --max-size-gb S   exit 1 when missed\n"
	      "  --json                kolm.forecast/1 (or kolm.matrix/1) JSON\n",
	      fp);
}

static int num(const char *opt, const char *v, double *out)
{
	if (cli_parse_double(v, out) != 0)
		return cli_usage_error("%s: '%s' is not a non-negative number", opt, v);
	return 0;
}

int cli_pick_parse(int argc, char **argv, struct cli_pick *cp, const char *verb)
{
	memset(cp, 0, sizeof *cp);
	cp->p.overhead_gb = -1;
	cp->p.overrides = cp->ov;
	cp->p.gates = cp->gates;
	int c, rc;
	double v;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:", opts, NULL)) != -1) {
		switch (c) {
		case O_BASE: cp->p.base_id = optarg; break;
		case O_CONFIG: cp->p.config_path = optarg; break;
		case O_MODEL: cp->p.model_path = optarg; break;
		case O_QUANT: cp->p.quant = optarg; break;
		case O_DEVICE: cp->p.device_id = optarg; break;
		case O_MEM:
			if ((rc = num("--mem-gb", optarg, &v)))
				return rc;
			if (!(v > 0))
				return cli_usage_error("--mem-gb must be > 0");
			cp->p.mem_gb = v;
			break;
		case O_BW:
			if ((rc = num("--bw-gbs", optarg, &v)))
				return rc;
			if (!(v > 0))
				return cli_usage_error("--bw-gbs must be > 0");
			cp->p.bw_gbs = v;
			break;
		case O_TFLOPS:
			if ((rc = num("--tflops", optarg, &v)))
				return rc;
			if (!(v > 0))
				return cli_usage_error("--tflops must be > 0");
			cp->p.tflops = v;
			break;
		case O_BACKEND: cp->p.backend = optarg; break;
		case O_RUNTIME: cp->p.runtime = optarg; break;
		case O_CTX:
			if (!strcmp(optarg, "max")) {
				cp->p.ctx = KOLM_CTX_MAX;
			} else {
				long long n;
				if (cli_parse_i64(optarg, &n) || n < 1 || n > (1LL << 24))
					return cli_usage_error("--ctx: '%s' is not a context length (1..16777216 or 'max')", optarg);
				cp->p.ctx = n;
			}
			break;
		case O_OVERHEAD:
			if ((rc = num("--overhead-gb", optarg, &v)))
				return rc;
			cp->p.overhead_gb = v;
			break;
		case O_KV: cp->p.kv_type = optarg; break;
		case O_OFFLOAD: cp->p.offload = optarg; break;
		case O_HOSTMEM:
			if ((rc = num("--host-mem-gb", optarg, &v)))
				return rc;
			cp->p.host_mem_gb = v;
			break;
		case O_TT: {
			struct kolm_err err = {0};
			if (cp->p.n_overrides >= CLI_MAX_OVERRIDES)
				return cli_usage_error("too many --tensor-type overrides");
			if (kolm_tensor_override_parse(optarg, &cp->ov[cp->p.n_overrides], &err))
				return cli_fail(&err);
			cp->p.n_overrides++;
			break;
		}
		case O_JSON: cp->json = 1; break;
		case O_ALLQ: cp->all_quants = 1; break;
		case O_ALLD: cp->all_devices = 1; break;
		case O_MINTPS: case O_MAXMEM: case O_MAXK: case O_MAXSIZE: {
			static const char *names[] = {"min_tps", "max_mem_frac", "max_k_loss", "max_size_gb"};
			const char *nm = names[c - O_MINTPS];
			if ((rc = num(argv[optind - 1], optarg, &v)))
				return rc;
			if (cp->p.n_gates >= CLI_MAX_GATES)
				return cli_usage_error("too many gates");
			cp->gates[cp->p.n_gates].name = nm;
			cp->gates[cp->p.n_gates].limit = v;
			cp->p.n_gates++;
			break;
		}
		case O_BEST: cp->best = 1; break;
		case O_BESTBASE: cp->best_base = 1; break;
		case 'o': case O_OUT: cp->p.out_dir = optarg; break;
		case O_PREVIEW: cp->preview = 1; break;
		case O_NOMEASURE: cp->no_measure = 1; break;
		case O_FROMDIR: cp->from_dir = optarg; break;
		case 't': case O_THREADS: {
			long long n;
			if (cli_parse_i64(optarg, &n) || n < 1 || n > 512)
				return cli_usage_error("%s: -t: '%s' is not a thread count (1..512)", verb, optarg);
			cp->threads = (int)n;
			break;
		}
		case O_HELP: cp->help = 1; break;
		case ':':
			return cli_usage_error("%s: option '%s' needs a value", verb, argv[optind - 1]);
		default:
			return cli_usage_error("%s: unknown option '%s' (see 'kolm %s --help')", verb, argv[optind - 1], verb);
		}
	}
	if (optind < argc)
		cp->positional = argv[optind++];
	if (optind < argc)
		return cli_usage_error("%s: unexpected argument '%s'", verb, argv[optind]);
	return 0;
}

/* ---- rendering --------------------------------------------------------- */

static const char *S(const json_t *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *cur = o;
	for (char *tok = buf, *dot; cur; tok = dot + 1) {
		dot = strchr(tok, '.');
		if (dot)
			*dot = '\0';
		cur = json_object_get(cur, tok);
		if (!dot)
			break;
	}
	return json_is_string(cur) ? json_string_value(cur) : "";
}

static double N(const json_t *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *cur = o;
	for (char *tok = buf, *dot; cur; tok = dot + 1) {
		dot = strchr(tok, '.');
		if (dot)
			*dot = '\0';
		cur = json_object_get(cur, tok);
		if (!dot)
			break;
	}
	return json_is_number(cur) ? json_number_value(cur) : NAN;
}

static const char *verdict_color(const char *v, int color)
{
	if (!color)
		return "";
	if (!strcmp(v, "pass"))
		return "\033[32m";
	if (!strcmp(v, "tight"))
		return "\033[33m";
	return "\033[31m";
}

static void fmt_tps(char *buf, size_t cap, double v)
{
	if (!isfinite(v))
		snprintf(buf, cap, "-");
	else if (v >= 100)
		snprintf(buf, cap, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, cap, "%.1f", v);
	else
		snprintf(buf, cap, "%.2f", v);
}

void cli_render_forecast(FILE *fp, const json_t *f, int color)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "", *D = color ? "\033[2m" : "";
	const char *verdict = S(f, "fit.verdict");
	char lo[16], mid[16], hi[16];
	fprintf(fp, "%skolm forecast%s  %s  x  %s  x  %s\n", B, R, S(f, "source.name"), S(f, "format.label"),
		S(f, "device.name"));
	fprintf(fp, "%s(forecast: figures not read from your file name their basis)%s\n\n", D, R);
	fprintf(fp, "  size on disk   %.2f GB  (%.0f bytes, %.2f bits/weight)\n", N(f, "size.bytes") / 1e9,
		N(f, "size.bytes"), N(f, "format.bits_per_weight"));
	fprintf(fp, "                 %s%s%s\n", D, S(f, "size.basis"), R);
	fprintf(fp, "  fit            %s%s%s%s  %.2f GB needed of %.2f GB usable (%.0f%%)\n", verdict_color(verdict, color),
		B, verdict, R, N(f, "memory.total_bytes") / 1e9, N(f, "memory.usable_bytes") / 1e9,
		100 * N(f, "fit.ratio"));
	fprintf(fp, "                 weights %.2f + KV %.2f (%s, ctx %.0f) + compute %.2f + runtime %.2f GB\n",
		N(f, "memory.weights_bytes") / 1e9, N(f, "memory.kv_cache_bytes") / 1e9, S(f, "memory.kv_type"),
		N(f, "memory.ctx"), N(f, "memory.compute_buffer_bytes") / 1e9, N(f, "memory.runtime_base_bytes") / 1e9);
	if (json_is_integer(json_object_get(json_object_get(f, "memory"), "platform_cap_bytes")))
		fprintf(fp, "                 platform cap %.2f GB\n", N(f, "memory.platform_cap_bytes") / 1e9);
	fmt_tps(lo, sizeof lo, N(f, "decode_tps.low"));
	fmt_tps(mid, sizeof mid, N(f, "decode_tps.mid"));
	fmt_tps(hi, sizeof hi, N(f, "decode_tps.high"));
	fprintf(fp, "  decode         %s%s tok/s%s  (range %s - %s; bandwidth bound %.0f)\n", B, mid, R, lo, hi,
		N(f, "decode_tps.bandwidth_bound"));
	fprintf(fp, "                 %s%s%s\n", D, S(f, "decode_tps.basis"), R);
	fmt_tps(mid, sizeof mid, N(f, "prefill_tps.mid"));
	fprintf(fp, "  prefill        %s tok/s; first token after a 512-token prompt in %.2f s\n", mid,
		N(f, "ttft_s.seconds"));
	fprintf(fp, "  cold start     %.1f s from %s\n", N(f, "cold_start_s.seconds"), S(f, "cold_start_s.storage"));
	fprintf(fp, "  K-score loss   %.2f points\n", N(f, "k_loss.points"));
	fprintf(fp, "                 %s%s%s\n", D, S(f, "k_loss.basis"), R);
	fprintf(fp, "  backend        %s via %s (%s)\n", S(f, "backend.id"), S(f, "backend.runtime"), S(f, "backend.reason"));
	const json_t *cmds = json_object_get(f, "commands");
	if (json_is_object(cmds)) {
		static const char *steps[][2] = {{"export", "1 export (on the source machine)"},
						 {"transfer", "2 move it to the device"},
						 {"run", "3 run on the device"},
						 {"verify", "4 verify the artifact stayed honest"},
						 {"bench", "  measure on the device"}};
		fputc('\n', fp);
		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
			const char *c = json_string_value(json_object_get(cmds, steps[i][0]));
			if (!c)
				continue;
			fprintf(fp, "  %s%s%s\n", B, steps[i][1], R);
			const char *s = c;
			while (*s) {
				const char *nl = strchr(s, '\n');
				int n = nl ? (int)(nl - s) : (int)strlen(s);
				fprintf(fp, "    $ %.*s\n", n, s);
				s += n + (nl ? 1 : 0);
			}
		}
	}
	const json_t *gates = json_object_get(f, "gates");
	if (json_is_array(gates) && json_array_size(gates)) {
		fputs("\n  gates\n", fp);
		size_t i;
		json_t *g;
		json_array_foreach(gates, i, g)
		{
			fprintf(fp, "    %-4s %s: %.4g (limit %.4g)\n", json_is_true(json_object_get(g, "pass")) ? "OK" : "FAIL",
				S(g, "name"), N(g, "value"), N(g, "limit"));
		}
	}
	const json_t *cav = json_object_get(f, "caveats");
	if (json_array_size(cav)) {
		fputs("\n  caveats\n", fp);
		size_t i;
		json_t *c;
		json_array_foreach(cav, i, c)
			fprintf(fp, "    - %s\n", json_string_value(c));
	}
}

void cli_render_matrix(FILE *fp, const json_t *m, int all_devices, int color)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "";
	const json_t *rows = json_object_get(m, "rows");
	fprintf(fp, "%s%-24s %10s %-6s %20s %8s  %s%s\n", B, all_devices ? "device" : "format", "size GB", "fit",
		"decode tok/s", "K loss", all_devices ? "backend" : "bits/w", R);
	size_t i;
	json_t *f;
	json_array_foreach(rows, i, f)
	{
		if (json_object_get(f, "skipped")) {
			fprintf(fp, "%-24s %s\n", all_devices ? S(f, "device") : S(f, "format"), S(f, "skipped"));
			continue;
		}
		const char *v = S(f, "fit.verdict");
		char lo[16], mid[16], hi[16], rng[64];
		fmt_tps(lo, sizeof lo, N(f, "decode_tps.low"));
		fmt_tps(mid, sizeof mid, N(f, "decode_tps.mid"));
		fmt_tps(hi, sizeof hi, N(f, "decode_tps.high"));
		snprintf(rng, sizeof rng, "%s (%s-%s)", mid, lo, hi);
		char extra[64];
		if (all_devices)
			snprintf(extra, sizeof extra, "%s/%s", S(f, "backend.id"), S(f, "backend.runtime"));
		else
			snprintf(extra, sizeof extra, "%.2f", N(f, "format.bits_per_weight"));
		fprintf(fp, "%-24s %10.2f %s%-6s%s %20s %8.2f  %s\n", all_devices ? S(f, "device.id") : S(f, "format.id"),
			N(f, "size.bytes") / 1e9, verdict_color(v, color), v, color ? R : "", rng, N(f, "k_loss.points"), extra);
	}
	fputs("(forecasts: see --json for each figure's basis)\n", fp);
}
