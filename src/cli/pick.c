#include "pick.h"

#include <getopt.h>
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
