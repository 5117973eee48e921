/* kolm pack - a Hugging Face directory + eval pack -> X.kolm (artifact.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/artifact.h"
#include "kolm/ctx.h"

static void usage(FILE *fp)
{
	fputs("usage: kolm pack HF_DIR --evalpack FILE -o X.kolm [--sign KEY] [--k-score K | --no-measure]\n"
	      "                 [--min-k K] [--base ID] [--name NAME] [-t N] [--json]\n"
	      "Pack config.json, the tokenizer files, the eval pack and the safetensors weights into a\n"
	      ".kolm artifact (kolm/1, docs/ARTIFACT.md) with a manifest of every member's size and\n"
	      "SHA-256.  K, the fp16 reference K-score, is measured: the checkpoint is exported to a\n"
	      "temporary F16 GGUF under $TMPDIR and the eval pack run on it with kolm's engine (-t N\n"
	      "threads; for a large model this takes a while).  --k-score declares K instead (recorded as\n"
	      "declared); --no-measure leaves it out.  The compile gate refuses K below 0.85 unless\n"
	      "--min-k lowers it.  --sign KEY signs the manifest (kolm keygen).  --base names the catalog\n"
	      "base (default: matched from config.json, else custom).\n"
	      "Exit: 0 packed, 1 the gate refused, 2 usage, 3 bad input, 4 I/O.\n",
	      fp);
}

int cmd_pack(int argc, char **argv)
{
	static const struct option lo[] = {{"evalpack", required_argument, 0, 'e'}, {"sign", required_argument, 0, 's'},
					   {"k-score", required_argument, 0, 'k'},  {"min-k", required_argument, 0, 'm'},
					   {"base", required_argument, 0, 'b'},	    {"name", required_argument, 0, 'n'},
					   {"json", no_argument, 0, 'j'},	    {"help", no_argument, 0, 'h'},
					   {"no-measure", no_argument, 0, 'M'},     {"threads", required_argument, 0, 't'},
					   {0, 0, 0, 0}};
	struct kolm_pack_opts o = {0};
	o.k_score = -1;
	o.min_k = -1;
	int json = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:", lo, NULL)) != -1) {
		switch (c) {
		case 'e': o.evalpack = optarg; break;
		case 's': o.sign_key = optarg; break;
		case 'o': o.out_path = optarg; break;
		case 'b': o.base = optarg; break;
		case 'n': o.name = optarg; break;
		case 'j': json = 1; break;
		case 'M': o.no_measure = 1; break;
		case 't': {
			long long n;
			if (cli_parse_i64(optarg, &n) || n < 1 || n > 256)
				return cli_usage_error("pack: -t wants a thread count 1..256, not '%s'", optarg);
			o.threads = (int)n;
			break;
		}
		case 'k':
			if (cli_parse_double(optarg, &o.k_score) || o.k_score > 1)
				return cli_usage_error("pack: --k-score wants a share in [0, 1], not '%s'", optarg);
			break;
		case 'm':
			if (cli_parse_double(optarg, &o.min_k) || o.min_k > 1)
				return cli_usage_error("pack: --min-k wants a share in [0, 1], not '%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		case ':': return cli_usage_error("pack: %s needs a value", argv[optind - 1]);
		default: return cli_usage_error("pack: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("pack: give exactly one HF_DIR (kolm pack HF_DIR --evalpack FILE -o X.kolm)");
	o.hf_dir = argv[optind];
	if (!o.evalpack || !o.out_path)
		return cli_usage_error("pack: --evalpack FILE and -o X.kolm are required");
	/* reproducible packs: the manifest's "created" and the members' mtime
	 * from SOURCE_DATE_EPOCH (the reproducible-builds.org convention) */
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		long long t;
		if (cli_parse_i64(sde, &t) || t < 1 || t > 253402300799LL)
			return cli_usage_error("pack: SOURCE_DATE_EPOCH wants seconds since 1970 (1..253402300799), not '%s'", sde);
		o.created = (int64_t)t;
	}
	struct kolm_ctx *ctx;
	int rc = cli_ctx_open(&ctx);
	if (rc)
		return rc;
	struct kolm_err err = {0};
	json_t *man = NULL;
	if (kolm_pack(ctx, &o, &man, &err)) {
		rc = cli_fail(&err);
	} else if (json) {
		rc = cli_print_json(man);
	} else {
		json_t *k = json_object_get(man, "k_score");
		printf("wrote %s: %zu members, base %s, eval pack %lld items, K %s, gate %.2f%s\n", o.out_path,
		       json_array_size(json_object_get(man, "members")), json_string_value(json_object_get(man, "base")),
		       (long long)json_integer_value(json_object_get(json_object_get(man, "evalpack"), "items")),
		       json_is_object(k) ? json_string_value(json_object_get(k, "source")) : "none",
		       json_number_value(json_object_get(man, "gate")), o.sign_key ? ", signed" : "");
	}
	json_decref(man);
	kolm_ctx_free(ctx);
	return rc;
}
