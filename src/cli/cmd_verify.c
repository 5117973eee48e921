/* kolm verify - the six checks on an artifact and its export. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/artifact.h"
#include "kolm/ctx.h"

static void usage(FILE *fp)
{
	fputs("usage: kolm verify X.kolm [EXPORT] [--pubkey KEY.pub] [--require-signature] [--max-k-loss P] [--json]\n"
	      "Six checks, one line each, OK / FAIL / SKIP with the reason:\n"
	      "  container       a well-formed uncompressed tar, members in kolm/1 order, regular files only,\n"
	      "                  no absolute or '..' paths, no duplicates\n"
	      "  manifest        kolm.json valid against docs/kolm-manifest.schema.json\n"
	      "  integrity       every member's size and SHA-256 as the manifest states\n"
	      "  signature       kolm.sig valid for --pubkey (required with --require-signature)\n"
	      "  export binding  EXPORT names this manifest, its tensor types are its stated tier's, and its\n"
	      "                  payload SHA-256 matches\n"
	      "  quality         K >= the gate, and the export's K loss within P points (default 3)\n"
	      "Exit: 0 no check failed, 1 a check failed, 2 usage, 4 I/O.\n",
	      fp);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option lo[] = {{"pubkey", required_argument, 0, 'p'},
					   {"require-signature", no_argument, 0, 'r'},
					   {"max-k-loss", required_argument, 0, 'l'},
					   {"json", no_argument, 0, 'j'},
					   {"help", no_argument, 0, 'h'},
					   {0, 0, 0, 0}};
	struct kolm_verify_opts o = {0};
	o.max_k_loss = -1;
	int json = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o.pubkey = optarg; break;
		case 'r': o.require_signature = 1; break;
		case 'j': json = 1; break;
		case 'l':
			if (cli_parse_double(optarg, &o.max_k_loss))
				return cli_usage_error("verify: --max-k-loss wants points (e.g. 3), not '%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		case ':': return cli_usage_error("verify: %s needs a value", argv[optind - 1]);
		default: return cli_usage_error("verify: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error("verify: usage: kolm verify X.kolm [EXPORT] [options]");
	o.artifact = argv[optind];
	o.export_path = argc - optind == 2 ? argv[optind + 1] : NULL;
	struct kolm_ctx *ctx;
	int rc = cli_ctx_open(&ctx);
	if (rc)
		return rc;
	struct kolm_err err = {0};
	json_t *rep = NULL;
	rc = kolm_verify(ctx, &o, &rep, &err);
	if (rc && rc != KOLM_E_NO) {
		rc = cli_fail(&err);
	} else if (json) {
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
	kolm_ctx_free(ctx);
	return rc;
}
