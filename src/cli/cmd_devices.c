/* kolm devices - the device catalog. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"

static const struct cli_opt opts[] = {
	OPT_FLAG(0, "json", 0, "kolm.devices/1 JSON: the catalog entries"),
	OPT_END(),
};

static int run(struct cli *cli, void *args)
{
	int json = ((struct cli_json_args *)args)->json, rc = 0;
	struct kolm_ctx *ctx = cli->ctx;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	if (json) {
		json_t *arr = json_array();
		for (int i = 0; i < cat->n_devices; i++)
			json_array_append(arr, cat->devices[i].json);
		json_t *doc = json_pack("{s:s,s:o}", "schema", "kolm.devices/1", "devices", arr);
		rc = cli_print_json(doc);
		json_decref(doc);
	} else {
		printf("%-24s %-44s %8s %-8s %9s %8s  %s\n", "id", "name", "mem GB", "kind", "BW GB/s", "TFLOPS", "backend / runtimes");
		for (int i = 0; i < cat->n_devices; i++) {
			const struct kolm_device *d = &cat->devices[i];
			char rts[160] = "";
			size_t len = 0;
			for (int k = 0; k < d->n_runtimes && len < sizeof rts; k++)
				len += (size_t)snprintf(rts + len, sizeof rts - len, "%s%s", k ? "," : "", d->runtimes[k]);
			char name[64];
			printf("%-24s %-44s %8.0f %-8s %9.1f %8.2f  %s / %s\n", d->id, cli_cut(name, sizeof name, d->name, 44),
			       (double)d->mem_bytes / 1e9,
			       d->mem_kind, d->bw_bytes_per_s / 1e9, d->flops_fp16 / 1e12, d->backend, rts);
		}
	}
	return rc;
}

static const struct cli_json_args defaults;

const struct cli_cmd cmd_devices = {
	.usage = "usage: kolm devices [--json]\n"
		 "List catalog devices: memory (GB = 1e9 bytes), bandwidth, compute, backend.\n",
	.opts = opts,
	CLI_ARGS(defaults),
	.opt = cli_json_opt,
	.check = cli_no_operands,
	.run = run,
};
