/* kolm quants - quantization tiers and formats per backend. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"

static const struct cli_opt opts[] = {
	OPT_FLAG(0, "json", 0, "kolm.quants/1 JSON: the tier table and every format"),
	OPT_END(),
};

static int run(struct cli *cli, void *args)
{
	int json = ((struct cli_json_args *)args)->json, rc = 0;
	struct kolm_ctx *ctx = cli->ctx;
	static const char *tiers[] = {"fp16", "int8", "int6", "int5", "int4", "int3", "int2"};
	static const char *backends[] = {"gguf", "mlx", "onnx", "coreml", "tensorrt"};
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	if (json) {
		json_t *t = json_object();
		for (size_t i = 0; i < 7; i++) {
			json_t *row = json_object();
			for (size_t b = 0; b < 5; b++) {
				const struct kolm_format *f = kolm_catalog_tier_format(ctx, tiers[i], backends[b]);
				json_object_set_new(row, backends[b], f ? json_string(f->id) : json_null());
			}
			json_object_set_new(t, tiers[i], row);
		}
		json_t *fs = json_array();
		for (int i = 0; i < cat->n_formats; i++)
			json_array_append(fs, cat->formats[i].json);
		json_t *doc = json_pack("{s:s,s:o,s:o}", "schema", "kolm.quants/1", "tiers", t, "formats", fs);
		rc = cli_print_json(doc);
		json_decref(doc);
	} else {
		printf("%-6s", "tier");
		for (size_t b = 0; b < 5; b++)
			printf(" %-14s", backends[b]);
		putchar('\n');
		for (size_t i = 0; i < 7; i++) {
			printf("%-6s", tiers[i]);
			for (size_t b = 0; b < 5; b++) {
				const struct kolm_format *f = kolm_catalog_tier_format(ctx, tiers[i], backends[b]);
				printf(" %-14s", f ? f->id : "-");
			}
			putchar('\n');
		}
		printf("\n%-14s %-9s %-6s %s\n", "format", "backend", "tier", "label");
		for (int i = 0; i < cat->n_formats; i++) {
			const struct kolm_format *f = &cat->formats[i];
			printf("%-14s %-9s %-6s %s\n", f->id, f->backend, f->tier ? f->tier : "", f->label);
		}
		puts("\n(a dash: that backend has no such format)");
	}
	return rc;
}

static const struct cli_json_args defaults;

const struct cli_cmd cmd_quants = {
	.usage = "usage: kolm quants [--json]\n"
		 "List tiers (fp16 int8 int6 int5 int4 int3 int2) per backend and every format.\n",
	.opts = opts,
	CLI_ARGS(defaults),
	.opt = cli_json_opt,
	.check = cli_no_operands,
	.run = run,
};
