/* kolm bases - the base-model catalog. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/model.h"

static const struct cli_opt opts[] = {
	OPT_FLAG(0, "json", 0, "kolm.bases/1 JSON: each catalog entry with its params and arch"),
	OPT_END(),
};

static int run(struct cli *cli, void *args)
{
	int json = ((struct cli_json_args *)args)->json, rc = 0;
	struct kolm_ctx *ctx = cli->ctx;
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
	return rc;
}

static const struct cli_json_args defaults;

const struct cli_cmd cmd_bases = {
	.usage = "usage: kolm bases [--json]\n"
		 "List catalog base models with their parameter counts (computed from the tensor list).\n",
	.opts = opts,
	CLI_ARGS(defaults),
	.opt = cli_json_opt,
	.check = cli_no_operands,
	.run = run,
};
