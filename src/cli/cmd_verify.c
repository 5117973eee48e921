/* kolm verify - the six checks on an artifact and its export. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/artifact.h"
#include "kolm/ctx.h"
#include "kolm/export.h"

struct args {
	struct kolm_verify_opts o;
	int json;
};

enum { O_PUBKEY, O_REQSIG, O_MAXK, O_JSON, O_THREADS, O_REGEN };

/* The re-derived export's progress, on a TTY only. */
static void progress(void *user, const struct kolm_export_progress *p)
{
	(void)user;
	int width = 30, fill = p->in_total ? (int)(width * (double)p->in_done / (double)p->in_total) : width;
	fprintf(stderr, "\rre-deriving the export [%-*.*s] %lld/%lld %5.1f s", width, fill, "##############################",
		(long long)p->tensor + 1, (long long)p->n_tensors, p->seconds);
	if (p->tensor + 1 == p->n_tensors)
		fputc('\n', stderr);
}

static const struct cli_opt opts[] = {
	OPT_VALUE(0, "pubkey", "KEY.pub", O_PUBKEY, "the Ed25519 public key the signature must verify with; an unsigned artifact then fails the signature check"),
	OPT_FLAG(0, "require-signature", O_REQSIG, "a missing signature fails the signature check"),
	OPT_FLAG(0, "regenerate", O_REGEN, "re-derive the export from the artifact and compare, even when its signed receipt binds it (the default for an unsigned export)"),
	OPT_VALUE(0, "max-k-loss", "P", O_MAXK, "the export's K loss allowed, in points (default 3)"),
	OPT_VALUE('t', "threads", "N", O_THREADS, "threads for re-deriving the export (1..512, default: online CPUs)"),
	OPT_FLAG(0, "json", O_JSON, "the checks as JSON"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	switch (id) {
	case O_PUBKEY: a->o.pubkey = val; break;
	case O_REQSIG: a->o.require_signature = 1; break;
	case O_REGEN: a->o.regenerate = 1; break;
	case O_JSON: a->json = 1; break;
	case O_THREADS: {
		long long n;
		if (cli_parse_i64(val, &n) || n < 1 || n > 512)
			return cli_usage_error("verify: -t: '%s' is not a thread count (1..512)", val);
		a->o.threads = (int)n;
		break;
	}
	case O_MAXK:
		if (cli_parse_double(val, &a->o.max_k_loss))
			return cli_usage_error("verify: --max-k-loss wants points (e.g. 3), not '%s'", val);
		break;
	}
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (argc < 1 || argc > 2)
		return cli_usage_error("verify: usage: kolm verify X.kolm [EXPORT] [options]");
	a->o.artifact = argv[0];
	a->o.export_path = argc == 2 ? argv[1] : NULL;
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	struct kolm_err err = {0};
	json_t *rep = NULL;
	struct kolm_verify_opts o = a->o;
	if (isatty(STDERR_FILENO))
		o.progress = progress;
	int rc = kolm_verify(cli->ctx, &o, &rep, &err);
	if (rc && rc != KOLM_E_NO) {
		rc = cli_fail(&err);
	} else if (a->json) {
		int prc = cli_print_json(rep);
		rc = prc ? prc : rc == KOLM_E_NO ? 1 : 0;
	} else {
		int color = cli_color();
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(rep, "checks"), i, x)
		{
			const char *st = json_string_value(json_object_get(x, "status"));
			const char *col = !color ? "" : !strcmp(st, "OK") ? "\033[32m" : !strcmp(st, "FAIL") ? "\033[31m" : "\033[33m";
			printf("%s%-4s%s  %-15s %s\n", col, st, color ? "\033[0m" : "", json_string_value(json_object_get(x, "name")),
			       json_string_value(json_object_get(x, "why")));
		}
		rc = rc == KOLM_E_NO ? 1 : 0;
	}
	json_decref(rep);
	return rc;
}

static const struct args defaults = {.o.max_k_loss = -1};

const struct cli_cmd cmd_verify = {
	.usage = "usage: kolm verify X.kolm [EXPORT] [--pubkey KEY.pub] [--require-signature] [--regenerate]\n"
		 "                   [--max-k-loss P] [-t N] [--json]\n"
		 "Six checks, one line each, OK / FAIL / SKIP with the reason:\n"
		 "  container       a well-formed uncompressed tar, members in kolm/1 order, regular files only,\n"
		 "                  no absolute or '..' paths, no duplicates, nothing after the end-of-archive marker\n"
		 "  manifest        kolm.json valid against docs/kolm-manifest.schema.json\n"
		 "  integrity       every member's size and SHA-256 as the manifest states\n"
		 "  signature       kolm.sig valid for --pubkey (required with --pubkey or --require-signature)\n"
		 "  export binding  EXPORT names this manifest and carries it, its tensor types are its stated\n"
		 "                  tier's, its payload SHA-256 is computed from its bytes, and then either its\n"
		 "                  receipt, signed at export (kolm export --sign), verifies with --pubkey, or\n"
		 "                  (unsigned, no --pubkey, or --regenerate) its tensor data and metadata are byte\n"
		 "                  for byte the export re-derived from this artifact with the recorded quant and\n"
		 "                  overrides (as long as an export takes); the line says which bound it.  An\n"
		 "                  MLX directory is re-derived file for file; an ONNX, Core ML (.mlpackage) or\n"
		 "                  TensorRT-LLM directory is bound by EXPORT.receipt.json beside it: this\n"
		 "                  manifest, exactly its files (none missing or added, no symlink) with their\n"
		 "                  sizes and SHA-256 hashed again, its signature valid for --pubkey (required\n"
		 "                  with --pubkey or --require-signature)\n"
		 "  quality         K >= the gate, and the export's K loss within P points (default 3)\n",
	.opts = opts,
	.tail = "Exit: 0 no check failed, 1 a check failed, 2 usage, 4 I/O or SHA-256 unavailable.\n",
	.flags = CLI_NEEDS_PLAIN,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
