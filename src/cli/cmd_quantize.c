/* kolm quantize - re-quantize an F32/F16/BF16 GGUF with llama-quantize's
 * argument order, type rules and output layout (no importance matrix). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kolm/quant.h"
#include "kolm/quantize.h"
#include "kolm/types.h"

#define MAX_OV 64

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: kolm quantize [options] IN.gguf OUT.gguf FTYPE [NTHREADS]\n"
		"Quantize a GGUF as llama-quantize does (no importance matrix): same per-tensor\n"
		"types, tensor order and metadata, byte-identical tensors.\n\n"
		"  FTYPE                    Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0\n"
		"                           IQ4_NL IQ4_XS Q3_K_L Q3_K_M Q3_K_S Q2_K F16 BF16 F32,\n"
		"                           or the llama_ftype number\n"
		"  -t, --threads N          worker threads (default 1; a 4th argument also works)\n"
		"  --tensor-type NAME=TYPE  force TYPE for tensors matching the regex NAME (repeatable)\n"
		"  --allow-requantize       accept already-quantized input tensors\n"
		"  -q, --quiet              print only errors\n");
}

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

int cmd_quantize(int argc, char **argv)
{
	static const struct option opts[] = {
		{"threads", required_argument, 0, 't'},
		{"tensor-type", required_argument, 0, 'T'},
		{"allow-requantize", no_argument, 0, 'R'},
		{"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	struct kolm_tensor_override ov[MAX_OV];
	struct kolm_quantize_opts o;
	struct prog p = {0};
	struct kolm_err err = {0};
	memset(&o, 0, sizeof o);
	o.nthreads = 1;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_threads(optarg, &o.nthreads))
				return cli_usage_error("quantize: -t needs a thread count from 1 to 1024, not '%s'", optarg);
			break;
		case 'T':
			if (o.n_ov == MAX_OV)
				return cli_usage_error("quantize: at most %d --tensor-type options", MAX_OV);
			if (kolm_tensor_override_parse(optarg, &ov[o.n_ov], &err))
				return cli_fail(&err);
			o.n_ov++;
			break;
		case 'R':
			o.allow_requantize = 1;
			break;
		case 'q':
			p.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_usage_error("quantize: unknown option '%s' (see 'kolm quantize --help')",
					       argv[optind - 1]);
		}
	}
	int npos = argc - optind;
	if (npos < 3 || npos > 4) {
		usage(stderr);
		return 2;
	}
	const char *in = argv[optind], *out = argv[optind + 1], *ft = argv[optind + 2];
	if (npos == 4 && parse_threads(argv[optind + 3], &o.nthreads))
		return cli_usage_error("quantize: NTHREADS must be a number from 1 to 1024, not '%s'", argv[optind + 3]);
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
	if (strcmp(in, out) == 0)
		return cli_usage_error("quantize: input and output are the same file");
	o.ftype = fi->id;
	o.ov = ov;
	o.progress = on_tensor;
	o.ud = &p;
	if (!p.quiet)
		printf("quantizing '%s' to '%s' as %s with %d thread%s (%s kernels)\n", in, out, fi->name, o.nthreads,
		       o.nthreads == 1 ? "" : "s", kolm_quant_simd_name());
	struct kolm_quantize_stats st;
	int rc = kolm_quantize_file(in, out, &o, &st, &err);
	if (rc)
		return cli_fail(&err);
	if (!p.quiet)
		printf("model size: %.2f MiB -> %.2f MiB (%lld of %lld tensors converted); file %llu bytes\n",
		       st.src_tensor_bytes / 1048576.0, st.dst_tensor_bytes / 1048576.0, (long long)st.n_quantized,
		       (long long)st.n_tensors, (unsigned long long)st.file_bytes);
	return 0;
}
