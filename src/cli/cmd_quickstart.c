/* kolm quickstart - the per-device Markdown quickstart (quickstart.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/quickstart.h"
#include "pick.h"

static void usage(FILE *fp)
{
	fputs("usage: kolm quickstart DEVICE [--base ID --quant TIER|FORMAT] [--airgap] [plan options]\n"
	      "       kolm quickstart --airgap [DEVICE]\n"
	      "Print a Markdown install-and-run guide for DEVICE with the exact commands for its default pick\n"
	      "(or the one given).  Hand-written guides: rpi5-8gb, jetson-orin-nano, m3-pro, iphone-15-pro,\n"
	      "rtx-4090; every other catalog device gets a generated one.  --airgap prints only the signed,\n"
	      "removable-media transfer (default device rpi5-8gb).  The plan options (kolm plan --help)\n"
	      "apply: -o DIR, --ctx, --kv-type, --runtime, ...\n"
	      "\nExit: 0 ok, 2 usage or unknown device/base, 3 bad input file.\n",
	      fp);
}

int cmd_quickstart(int argc, char **argv)
{
	int airgap = 0, w = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--airgap")) {
			airgap = 1;
			continue;
		}
		argv[w++] = argv[i];
	}
	argc = w;
	argv[argc] = NULL;
	struct cli_pick cp;
	int rc = cli_pick_parse(argc, argv, &cp, "quickstart");
	if (rc)
		return rc;
	if (cp.help) {
		usage(stdout);
		return 0;
	}
	if (cp.positional && cp.p.device_id)
		return cli_usage_error("quickstart: give the device once (DEVICE or --device)");
	if (cp.positional)
		cp.p.device_id = cp.positional;
	if (!cp.p.device_id && airgap)
		cp.p.device_id = "rpi5-8gb";
	if (!cp.p.device_id)
		return cli_usage_error("quickstart: give a DEVICE (see 'kolm devices')");
	if (cp.json || cp.all_quants || cp.all_devices || cp.best || cp.best_base || cp.preview)
		return cli_usage_error("quickstart: --json, --all-*, --best and --preview belong to 'kolm plan'");
	struct kolm_ctx *ctx;
	if ((rc = cli_ctx_open(&ctx)))
		return rc;
	struct kolm_err err = {0};
	char *md = NULL;
	if (kolm_quickstart(ctx, &cp.p, airgap, &md, &err))
		rc = cli_fail(&err);
	else if (fputs(md, stdout) == EOF || fflush(stdout) == EOF)
		rc = 4;
	free(md);
	kolm_ctx_free(ctx);
	return rc;
}
