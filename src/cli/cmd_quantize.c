/* kolm quantize - re-quantize an F32/F16/BF16 GGUF with llama-quantize's
 * argument order, type rules and output layout (no importance matrix). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pick.h"
#include "kolm/quant.h"
#include "kolm/quantize.h"
#include "kolm/types.h"

#define MAX_OV 64

struct prog {
	int quiet;
};

static void on_tensor(void *ud, int64_t i, int64_t n, const char *name, const int64_t ne[4], int src_type,
		      int dst_type, uint64_t src_bytes, uint64_t dst_bytes)
{
	const struct prog *p = ud;
	if (p->quiet)
		return;
	char shape[80];
	snprintf(shape, sizeof shape, "[%lld, %lld, %lld, %lld]", (long long)ne[0], (long long)ne[1],
		 (long long)ne[2], (long long)ne[3]);
	if (src_type == dst_type)
		printf("[%4lld/%4lld] %-36s %-24s %-6s  %9.3f MiB (copied)\n", (long long)i + 1, (long long)n, name,
		       shape, kolm_type_name(src_type), src_bytes / 1048576.0);
	else
		printf("[%4lld/%4lld] %-36s %-24s %-6s -> %-6s  %9.3f MiB -> %9.3f MiB\n", (long long)i + 1,
		       (long long)n, name, shape, kolm_type_name(src_type), kolm_type_name(dst_type),
		       src_bytes / 1048576.0, dst_bytes / 1048576.0);
	fflush(stdout);
}

static int parse_threads(const char *s, int *out)
{
	long long v;
	if (cli_parse_i64(s, &v) != 0 || v < 1 || v > 1024)
		return -1;
	*out = (int)v;
	return 0;
}

struct args {
	struct kolm_tensor_override ov[MAX_OV];
	struct kolm_quantize_opts o;
	struct prog p;
	const char *in, *out;
	const struct kolm_ftype_info *fi;
};

enum { O_ALLOWREQ = 1 };

static const struct cli_opt opts[] = {
	OPT_VALUE('t', "threads", "N", 't', "worker threads (default 1; a 4th argument also works)"),
	OPT_TENSOR_TYPE,
	OPT_FLAG(0, "allow-requantize", O_ALLOWREQ, "accept already-quantized input tensors"),
	OPT_FLAG('q', "quiet", 'q', "print only errors"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	struct kolm_err err = {0};
	switch (id) {
	case 't':
		if (parse_threads(val, &a->o.nthreads))
			return cli_usage_error("quantize: -t needs a thread count from 1 to 1024, not '%s'", val);
		break;
	case CLI_O_TT:
		if (a->o.n_ov == MAX_OV)
			return cli_usage_error("quantize: at most %d --tensor-type options", MAX_OV);
		if (kolm_tensor_override_parse(val, &a->ov[a->o.n_ov], &err))
			return cli_fail(&err);
		a->o.n_ov++;
		break;
	case O_ALLOWREQ: a->o.allow_requantize = 1; break;
	case 'q': a->p.quiet = 1; break;
	}
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (argc < 3 || argc > 4) {
		cli_help(cli->cmd, stderr);
		return 2;
	}
	a->in = argv[0];
	a->out = argv[1];
	const char *ft = argv[2];
	if (argc == 4 && parse_threads(argv[3], &a->o.nthreads))
		return cli_usage_error("quantize: NTHREADS must be a number from 1 to 1024, not '%s'", argv[3]);
	const struct kolm_ftype_info *fi = kolm_ftype_from_name(ft);
	long long id;
	if (!fi && cli_parse_i64(ft, &id) == 0 && id <= 1000)
		fi = kolm_ftype_info((int)id);
	if (!fi)
		return cli_usage_error("quantize: unknown file type '%s' (see 'kolm quantize --help')", ft);
	if (!kolm_quant_can_quantize(fi->default_type))
		return cli_usage_error("quantize: %s needs %s, which kolm cannot produce (%s)", fi->name,
				       kolm_type_name(fi->default_type),
				       kolm_quantplan_needs_imatrix("", fi->default_type, fi->id)
					       ? "it needs an importance matrix"
					       : "no quantizer for it");
	if (strcmp(a->in, a->out) == 0)
		return cli_usage_error("quantize: input and output are the same file");
	if (cli_out_file_check("quantize", a->out))
		return 2;
	a->fi = fi;
	return 0;
}

static int run(struct cli *cli, void *args)
{
	struct args *a = args;
	struct kolm_quantize_opts *o = &a->o;
	const struct kolm_ftype_info *fi = a->fi;
	struct kolm_err err = {0};
	o->ftype = fi->id;
	o->ov = a->ov;
	o->progress = on_tensor;
	o->ud = &a->p;
	if (!a->p.quiet)
		printf("quantizing '%s' to '%s' as %s with %d thread%s (%s kernels)\n", a->in, a->out, fi->name, o->nthreads,
		       o->nthreads == 1 ? "" : "s", kolm_quant_simd_name());
	struct kolm_quantize_stats st;
	int rc = kolm_quantize_file(a->in, a->out, o, &st, &err);
	if (rc)
		return cli_fail(&err);
	if (!a->p.quiet)
		printf("model size: %.2f MiB -> %.2f MiB (%lld of %lld tensors converted); file %llu bytes\n",
		       st.src_tensor_bytes / 1048576.0, st.dst_tensor_bytes / 1048576.0, (long long)st.n_quantized,
		       (long long)st.n_tensors, (unsigned long long)st.file_bytes);
	return 0;
}

static const struct args defaults = {.o.nthreads = 1};

const struct cli_cmd cmd_quantize = {
	.usage = "usage: kolm quantize [options] IN.gguf OUT.gguf FTYPE [NTHREADS]\n"
		 "Quantize a GGUF as llama-quantize does (no importance matrix): same per-tensor\n"
		 "types, tensor order and metadata, byte-identical tensors.  FTYPE is one of\n"
		 "Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_NL IQ4_XS Q3_K_L Q3_K_M\n"
		 "Q3_K_S Q2_K F16 BF16 F32, or the llama_ftype number.\n",
	.opts = opts,
	.flags = CLI_SEE_HELP | CLI_DASH_H,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
