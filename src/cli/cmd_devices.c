/* kolm devices - the device catalog. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"

int cmd_devices(int argc, char **argv)
{
	static const struct option o[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int json = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'h') {
			puts("usage: kolm devices [--json]\nList catalog devices: memory (GB = 1e9 bytes), bandwidth, compute, backend.");
			return 0;
		} else
			return cli_usage_error("devices: unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("devices: unexpected argument '%s'", argv[optind]);
	struct kolm_ctx *ctx;
	int rc = cli_ctx_open(&ctx);
	if (rc)
		return rc;
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
			printf("%-24s %-44.44s %8.0f %-8s %9.1f %8.2f  %s / %s\n", d->id, d->name, (double)d->mem_bytes / 1e9,
			       d->mem_kind, d->bw_bytes_per_s / 1e9, d->flops_fp16 / 1e12, d->backend, rts);
		}
	}
	kolm_ctx_free(ctx);
	return rc;
}
