/* kolm pack - a Hugging Face directory + eval pack -> X.kolm (artifact.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/artifact.h"
#include "kolm/ctx.h"

struct args {
	struct kolm_pack_opts o;
	int json;
};

enum { O_EVALPACK = 1, O_SIGN, O_KSCORE, O_MINK, O_BASE, O_NAME, O_JSON, O_NOMEASURE };

static const struct cli_opt opts[] = {
	OPT_VALUE(0, "evalpack", "FILE", O_EVALPACK, "the eval pack, JSONL items {id, prompt, expected, match} (default: the built-in pack)"),
	OPT_VALUE('o', NULL, "X.kolm", 'o', "the artifact to write (required)"),
	OPT_VALUE(0, "sign", "KEY", O_SIGN, "sign the manifest with this Ed25519 private key (kolm keygen)"),
	OPT_VALUE(0, "k-score", "K", O_KSCORE, "declare the fp16 reference K-score (0..1) instead of measuring it"),
	OPT_FLAG(0, "no-measure", O_NOMEASURE, "leave the K-score out"),
	OPT_VALUE(0, "min-k", "K", O_MINK, "the compile gate: the least K accepted (default 0.85)"),
	OPT_VALUE(0, "base", "ID", O_BASE, "the catalog base (default: matched from config.json, else custom)"),
	OPT_VALUE(0, "name", "NAME", O_NAME, "the artifact's name in its manifest"),
	OPT_VALUE('t', "threads", "N", 't', "threads for the temporary export and the eval pack (1..256, default 1)"),
	OPT_FLAG(0, "json", O_JSON, "print the manifest as JSON"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	switch (id) {
	case O_EVALPACK: a->o.evalpack = val; break;
	case O_SIGN: a->o.sign_key = val; break;
	case 'o': a->o.out_path = val; break;
	case O_BASE: a->o.base = val; break;
	case O_NAME: a->o.name = val; break;
	case O_JSON: a->json = 1; break;
	case O_NOMEASURE: a->o.no_measure = 1; break;
	case 't': {
		long long n;
		if (cli_parse_i64(val, &n) || n < 1 || n > 256)
			return cli_usage_error("pack: -t wants a thread count 1..256, not '%s'", val);
		a->o.threads = (int)n;
		break;
	}
	case O_KSCORE:
		if (cli_parse_double(val, &a->o.k_score) || a->o.k_score > 1)
			return cli_usage_error("pack: --k-score wants a share in [0, 1], not '%s'", val);
		break;
	case O_MINK:
		if (cli_parse_double(val, &a->o.min_k) || a->o.min_k > 1)
			return cli_usage_error("pack: --min-k wants a share in [0, 1], not '%s'", val);
		break;
	}
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (argc != 1)
		return cli_usage_error("pack: give exactly one HF_DIR (kolm pack HF_DIR -o X.kolm)");
	a->o.hf_dir = argv[0];
	if (!a->o.out_path)
		return cli_usage_error("pack: -o X.kolm is required");
	if (cli_out_file_check("pack", a->o.out_path))
		return 2;
	/* reproducible packs: the manifest's "created" and the members' mtime
	 * from SOURCE_DATE_EPOCH (the reproducible-builds.org convention) */
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		long long t;
		if (cli_parse_i64(sde, &t) || t < 1 || t > 253402300799LL)
			return cli_usage_error("pack: SOURCE_DATE_EPOCH wants seconds since 1970 (1..253402300799), not '%s'", sde);
		a->o.created = (int64_t)t;
	}
	return 0;
}

/* the fp16 K measurement's eval pack, on a TTY only: items done, seconds,
 * and at the end the time it took */
static void k_progress(void *user, int done, int total, double seconds)
{
	(void)user;
	fprintf(stderr, "\rK-score (fp16 reference): %d/%d items, %.1f s%s", done, total, seconds,
		done == total ? "\n" : "");
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	int rc = 0;
	struct kolm_err err = {0};
	json_t *man = NULL;
	struct kolm_pack_opts o = a->o;
	if (isatty(STDERR_FILENO))
		o.k_progress = k_progress;
	if (kolm_pack(cli->ctx, &o, &man, &err)) {
		rc = cli_fail(&err);
	} else if (a->json) {
		rc = cli_print_json(man);
	} else {
		json_t *k = json_object_get(man, "k_score");
		printf("wrote %s: %zu members, base %s, eval pack %lld items, K %s, gate %.2f%s\n", a->o.out_path,
		       json_array_size(json_object_get(man, "members")), json_string_value(json_object_get(man, "base")),
		       (long long)json_integer_value(json_object_get(json_object_get(man, "evalpack"), "items")),
		       json_is_object(k) ? json_string_value(json_object_get(k, "source")) : "none",
		       json_number_value(json_object_get(man, "gate")), a->o.sign_key ? ", signed" : "");
	}
	json_decref(man);
	return rc;
}

static const struct args defaults = {.o.k_score = -1, .o.min_k = -1};

const struct cli_cmd cmd_pack = {
	.usage = "usage: kolm pack HF_DIR -o X.kolm [--evalpack FILE] [--sign KEY] [--k-score K | --no-measure]\n"
		 "                 [--min-k K] [--base ID] [--name NAME] [-t N] [--json]\n"
		 "Pack config.json, the tokenizer files, the eval pack and the safetensors weights into a\n"
		 ".kolm artifact (kolm/1, docs/ARTIFACT.md) with a manifest of every member's size and\n"
		 "SHA-256.  K, the fp16 reference K-score, is measured: the checkpoint is exported to a\n"
		 "temporary F16 GGUF under $TMPDIR and the eval pack run on it with kolm's engine (-t N\n"
		 "threads; for a large model this takes a while: on a terminal it shows the items done and\n"
		 "its time; each item stops once its match is decided).  --k-score declares K instead (recorded as\n"
		 "declared); --no-measure leaves it out.  The compile gate refuses K below 0.85 unless\n"
		 "--min-k lowers it.  Without --evalpack the built-in pack is used (106 general-knowledge,\n"
		 "language and arithmetic completions written for kolm): it measures drift from the fp16\n"
		 "reference, not fitness for your task, so no compile gate applies unless --min-k sets one.\n"
		 "SOURCE_DATE_EPOCH, when set, is the manifest's creation time.\n",
	.opts = opts,
	.tail = "Exit: 0 packed, 1 the gate refused, 2 usage, 3 bad input, 4 I/O.\n",
	.flags = CLI_NEEDS_PLAIN,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
