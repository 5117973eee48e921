/* pick.c - the shared pick options: their rows and how each is read. */
#include "pick.h"

#include <string.h>

#include "kolm/commands.h"

const struct cli_opt cli_pick_source_opts[] = {
	OPT_GROUP("source (one of):"),
	OPT_PICK_BASE,
	OPT_VALUE(0, "config", "FILE", CLI_O_CONFIG, "a Hugging Face config.json"),
	OPT_VALUE(0, "model", "PATH", CLI_O_MODEL, "a .gguf, .safetensors, HF directory or .kolm"),
	OPT_END(),
};

const struct cli_opt cli_pick_opts[] = {
	OPT_GROUP("pick:"),
	OPT_PICK_QUANT,
	OPT_PICK_DEVICE,
	OPT_VALUE(0, "mem-gb", "N", CLI_O_MEM, "memory variant in GB (1 GB = 1e9 bytes); with --bw-gbs: a custom device"),
	OPT_VALUE(0, "bw-gbs", "N", CLI_O_BW, "memory bandwidth in GB/s (overrides the device's)"),
	OPT_VALUE(0, "tflops", "N", CLI_O_TFLOPS, "compute prefill runs on, in TFLOPS (TOPS for int8); replaces all of the device's"),
	OPT_VALUE(0, "backend", "B", CLI_O_BACKEND, "gguf mlx onnx coreml tensorrt (default: the device's)"),
	OPT_VALUE(0, "runtime", "R", CLI_O_RUNTIME,
		  "llama.cpp-cpu|cuda|metal|vulkan|opencl, mlx, mlx-swift, onnxruntime, coreml, tensorrt-llm"),
	OPT_VALUE(0, "ctx", "N|max", CLI_O_CTX, "context length (default 4096); max: the largest that fits (with --offload, its split)"),
	OPT_VALUE(0, "kv-type", "T", CLI_O_KV, "KV cache type: f16 (default), q8_0, q4_0"),
	OPT_VALUE(0, "at-ctx", "N", CLI_O_ATCTX, "decode speed once the context holds N tokens (JSON: decode_tps.at_ctx)"),
	OPT_VALUE(0, "mmproj", "FILE|GB", CLI_O_MMPROJ, "a vision projector loaded beside the model: its file, or its size in GB"),
	OPT_VALUE(0, "draft", "BASE|FILE", CLI_O_DRAFT,
		  "a draft model for speculative decoding (a catalog base at the pick's format, or a model file):\nits weights, KV cache and compute buffer join the memory"),
	OPT_FLAG(0, "remeasure", CLI_O_REMEASURE,
		 "--device local: probe this machine's bandwidth and compute again instead of the cached probe"),
	OPT_VALUE(0, "overhead-gb", "X", CLI_O_OVERHEAD,
		  "flat runtime overhead instead of the computed one (flat rule: file + X <= 80% of device memory; e.g. 1)"),
	OPT_TENSOR_TYPE,
	OPT_VALUE(0, "offload", "auto|N", CLI_O_OFFLOAD, "partial GPU offload (discrete GPUs): auto, or layers on the GPU"),
	OPT_VALUE(0, "host-mem-gb", "N", CLI_O_HOSTMEM, "host RAM in GB for --offload (default: the device's)"),
	OPT_VALUE('o', "output", "DIR", CLI_O_OUT, "the directory the export goes to (default .); the printed commands use it"),
	OPT_VALUE(0, "ssh", "USER@HOST[:PORT]", CLI_O_SSH,
		  "the device's ssh login for the printed transfer commands\n(default: the catalog's, e.g. pi@raspberrypi.local)"),
	OPT_END(),
};

const struct cli_opt cli_pick_view_opts[] = {
	OPT_FLAG(0, "all-quants", CLI_O_ALLQ, "a row per format of the device's backend"),
	OPT_FLAG(0, "all-devices", CLI_O_ALLD, "a row per catalog device"),
	OPT_FLAG(0, "best", CLI_O_BEST, "rank every format of the device's backend; the winner's forecast"),
	OPT_FLAG(0, "best-base", CLI_O_BESTBASE, "rank every catalog base at its own best format (give no source)"),
	OPT_FLAG(0, "json", CLI_O_JSON, "kolm.forecast/1 JSON (kolm.matrix/1 with --all-*, kolm.best/1 with --best*)"),
	OPT_END(),
};

const struct cli_opt cli_pick_gate_opts[] = {
	OPT_VALUE(0, "min-tps", "X", CLI_O_MINTPS, "decode at least X tok/s"),
	OPT_VALUE(0, "max-mem-frac", "F", CLI_O_MAXMEM, "memory needed at most F of the usable memory"),
	OPT_VALUE(0, "max-k-loss", "P", CLI_O_MAXK, "K-score loss at most P points"),
	OPT_VALUE(0, "max-size-gb", "S", CLI_O_MAXSIZE, "size on disk at most S GB"),
	OPT_END(),
};

static int num(const char *opt, const char *v, double *out)
{
	if (cli_parse_double(v, out) != 0)
		return cli_usage_error("%s: '%s' is not a non-negative number", opt, v);
	return 0;
}

/* --mem-gb, --bw-gbs, --tflops: a number > 0 */
static int positive(const char *opt, const char *v, double *out)
{
	double x;
	int rc = num(opt, v, &x);
	if (rc)
		return rc;
	if (!(x > 0))
		return cli_usage_error("%s must be > 0", opt);
	*out = x;
	return 0;
}

static int ctx_len(const char *v, int64_t *out)
{
	long long n;
	if (!strcmp(v, "max")) {
		*out = KOLM_CTX_MAX;
		return 0;
	}
	if (cli_parse_i64(v, &n) || n < 1 || n > (1LL << 24))
		return cli_usage_error("--ctx: '%s' is not a context length (1..16777216 or 'max')", v);
	*out = n;
	return 0;
}

static int tensor_type(struct cli_pick *cp, const char *v)
{
	struct kolm_err err = {0};
	if (cp->p.n_overrides >= CLI_MAX_OVERRIDES)
		return cli_usage_error("too many --tensor-type overrides");
	if (kolm_tensor_override_parse(v, &cp->ov[cp->p.n_overrides], &err))
		return cli_fail(&err);
	cp->p.overrides = cp->ov;
	cp->p.n_overrides++;
	return 0;
}

/* A gate's error names its option (cli->opt is the value when it came
 * as a separate word). */
static int gate(struct cli *cli, struct cli_pick *cp, int id, const char *v)
{
	static const char *names[] = {"min_tps", "max_mem_frac", "max_k_loss", "max_size_gb"};
	static const char *opts[] = {"--min-tps", "--max-mem-frac", "--max-k-loss", "--max-size-gb"};
	(void)cli;
	double x;
	int rc = num(opts[id - CLI_O_MINTPS], v, &x);
	if (rc)
		return rc;
	if (cp->p.n_gates >= CLI_MAX_GATES)
		return cli_usage_error("too many gates");
	cp->gates[cp->p.n_gates].name = names[id - CLI_O_MINTPS];
	cp->gates[cp->p.n_gates].limit = x;
	cp->p.gates = cp->gates;
	cp->p.n_gates++;
	return 0;
}

int cli_pick_opt(struct cli *cli, struct cli_pick *cp, int id, const char *v)
{
	struct kolm_pick *p = &cp->p;
	switch (id) {
	case CLI_O_BASE: p->base_id = v; return 0;
	case CLI_O_CONFIG: p->config_path = v; return 0;
	case CLI_O_MODEL: p->model_path = v; return 0;
	case CLI_O_QUANT: p->quant = v; return 0;
	case CLI_O_DEVICE: p->device_id = v; return 0;
	case CLI_O_MEM: return positive("--mem-gb", v, &p->mem_gb);
	case CLI_O_BW: return positive("--bw-gbs", v, &p->bw_gbs);
	case CLI_O_TFLOPS: return positive("--tflops", v, &p->tflops);
	case CLI_O_BACKEND: p->backend = v; return 0;
	case CLI_O_RUNTIME: p->runtime = v; return 0;
	case CLI_O_CTX: return ctx_len(v, &p->ctx);
	case CLI_O_MMPROJ: p->mmproj = v; return 0;
	case CLI_O_DRAFT: p->draft = v; return 0;
	case CLI_O_ATCTX: {
		long long n;
		if (cli_parse_i64(v, &n) || n < 1 || n > (1LL << 24))
			return cli_usage_error("--at-ctx: '%s' is not a context depth (1..16777216)", v);
		p->at_ctx = n;
		return 0;
	}
	case CLI_O_OVERHEAD: return num("--overhead-gb", v, &p->overhead_gb);
	case CLI_O_KV: p->kv_type = v; return 0;
	case CLI_O_REMEASURE: p->remeasure = 1; return 0;
	case CLI_O_OFFLOAD: p->offload = v; return 0;
	case CLI_O_HOSTMEM: return num("--host-mem-gb", v, &p->host_mem_gb);
	case CLI_O_TT: return tensor_type(cp, v);
	case CLI_O_OUT: p->out_dir = v; return 0;
	case CLI_O_SSH: {
		struct kolm_err err = {0};
		if (kolm_commands_ssh_check(v, &err))
			return cli_fail(&err);
		p->ssh = v;
		return 0;
	}
	case CLI_O_JSON: cp->json = 1; return 0;
	case CLI_O_ALLQ: cp->all_quants = 1; return 0;
	case CLI_O_ALLD: cp->all_devices = 1; return 0;
	case CLI_O_BEST: cp->best = 1; return 0;
	case CLI_O_BESTBASE: cp->best_base = 1; return 0;
	case CLI_O_MINTPS: case CLI_O_MAXMEM: case CLI_O_MAXK: case CLI_O_MAXSIZE: return gate(cli, cp, id, v);
	}
	return 0;
}
