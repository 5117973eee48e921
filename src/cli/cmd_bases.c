/* kolm bases - the base-model catalog. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/model.h"

int cmd_bases(int argc, char **argv)
{
	static const struct option o[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int json = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'h') {
			puts("usage: kolm bases [--json]\nList catalog base models with their parameter counts (computed from the tensor list).");
			return 0;
		} else
			return cli_usage_error("bases: unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("bases: unexpected argument '%s'", argv[optind]);
	struct kolm_ctx *ctx;
	int rc = cli_ctx_open(&ctx);
	if (rc)
		return rc;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		printf("%-16s %-20s %-10s %14s %7s %8s  %s\n", "id", "name", "arch", "params", "layers", "vocab", "hf repo");
	for (int i = 0; i < cat->n_bases; i++) {
		const struct kolm_base *b = &cat->bases[i];
		if (b->calibration_only)
			continue;
		struct kolm_model m;
		struct kolm_err err = {0};
		if (kolm_model_from_base(&m, ctx, b->id, &err)) {
			rc = cli_fail(&err);
			break;
		}
		int64_t params = kolm_model_params(&m);
		if (json) {
			json_t *e = json_deep_copy(b->json);
			json_object_set_new(e, "params", json_integer(params));
			json_object_set_new(e, "arch", json_string(m.hp.arch));
			json_array_append_new(arr, e);
		} else {
			printf("%-16s %-20s %-10s %14lld %7lld %8lld  %s\n", b->id, b->name, m.hp.arch, (long long)params,
			       (long long)m.hp.n_layer, (long long)m.hp.n_vocab, b->hf_repo ? b->hf_repo : "");
		}
		kolm_model_release(&m);
	}
	if (json && !rc) {
		json_t *doc = json_pack("{s:s,s:o}", "schema", "kolm.bases/1", "bases", arr);
		rc = cli_print_json(doc);
		json_decref(doc);
	} else if (arr) {
		json_decref(arr);
	}
	kolm_ctx_free(ctx);
	return rc;
}
