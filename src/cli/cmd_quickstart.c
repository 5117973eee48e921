/* kolm quickstart - the per-device Markdown quickstart (quickstart.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/quickstart.h"
#include "pick.h"

struct args {
	struct cli_pick cp;
	int airgap, preview;
};

enum { O_AIRGAP = 1 };

static const struct cli_opt opts[] = {
	OPT_GROUP("source:"),
	OPT_PICK_BASE,
	OPT_INCLUDE(cli_pick_opts),
	OPT_GROUP("quickstart:"),
	OPT_FLAG(0, "airgap", O_AIRGAP, "only the signed, removable-media transfer (default device rpi5-8gb)"),
	OPT_GROUP("refused here (they belong to 'kolm plan' and 'kolm export'):"),
	OPT_VALUE(0, "config", "FILE", CLI_O_CONFIG, "a Hugging Face config.json"),
	OPT_VALUE(0, "model", "PATH", CLI_O_MODEL, "a .gguf, .safetensors, HF directory or .kolm"),
	OPT_INCLUDE(cli_pick_view_opts),
	OPT_PREVIEW,
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	if (id == O_AIRGAP)
		a->airgap = 1;
	else if (id == CLI_O_PREVIEW)
		a->preview = 1;
	else
		return cli_pick_opt(cli, &a->cp, id, val);
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	const struct cli_pick *cp = &a->cp;
	int rc = cli_operands_at_most(cli, argc, argv, 1);
	if (rc)
		return rc;
	if (argc == 1 && cp->p.device_id)
		return cli_usage_error("quickstart: give the device once (DEVICE or --device)");
	if (argc == 1)
		a->cp.p.device_id = argv[0];
	if (!cp->p.device_id && a->airgap)
		a->cp.p.device_id = "rpi5-8gb";
	if (!cp->p.device_id)
		return cli_usage_error("quickstart: give a DEVICE (see 'kolm devices')");
	if (cp->json || cp->all_quants || cp->all_devices || cp->best || cp->best_base || a->preview)
		return cli_usage_error("quickstart: --json, --all-*, --best and --preview belong to 'kolm plan'");
	/* a guide walks the journey from a catalog base (download, pack,
	 * export); for a file of one's own, plan prints the steps that apply */
	if (cp->p.model_path || cp->p.config_path)
		return cli_usage_error("quickstart: guides start from a catalog base (--base ID); for %s, "
				       "'kolm plan %s %s --device %s' prints the steps that apply to it",
				       cp->p.model_path ? cp->p.model_path : cp->p.config_path,
				       cp->p.model_path ? "--model" : "--config",
				       cp->p.model_path ? cp->p.model_path : cp->p.config_path, cp->p.device_id);
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	int rc = 0;
	struct kolm_err err = {0};
	char *md = NULL;
	int qrc = kolm_quickstart(cli->ctx, &a->cp.p, a->airgap, &md, &err);
	if (qrc && !(qrc == KOLM_E_NO && md))
		rc = cli_fail(&err);
	else if (fputs(md, stdout) == EOF || fflush(stdout) == EOF)
		rc = 4;
	else if (qrc)
		rc = cli_fail(&err); /* the guide is printed; it does not fit: exit 1 */
	free(md);
	return rc;
}

static const struct args defaults = {.cp = CLI_PICK_INIT};

const struct cli_cmd cmd_quickstart = {
	.usage = "usage: kolm quickstart DEVICE [--base ID --quant TIER|FORMAT] [--airgap] [options]\n"
		 "       kolm quickstart --airgap [DEVICE]\n"
		 "Print a Markdown install-and-run guide for DEVICE with the exact commands for its default pick\n"
		 "(or the one given).  Hand-written guides: rpi5-8gb, jetson-orin-nano, m3-pro, iphone-15-pro,\n"
		 "rtx-4090; every other catalog device gets a generated one.\n",
	.opts = opts,
	.tail = "Exit: 0 ok, 1 the pick does not fit the device (the guide says so first), 2 usage or unknown\n"
		 "device/base, 3 bad input file.\n",
	.flags = CLI_SEE_HELP | CLI_NEEDS_OPTION,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
