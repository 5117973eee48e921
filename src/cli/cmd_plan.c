/* kolm plan - the forecast for one pick, or a matrix of picks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"
#include "pick.h"
#include "render.h"

static const struct cli_opt opts[] = {
	OPT_INCLUDE(cli_pick_source_opts),
	OPT_INCLUDE(cli_pick_opts),
	OPT_GROUP("views:"),
	OPT_INCLUDE(cli_pick_view_opts),
	OPT_GROUP("gates (exit 1 when one is missed; --best and --best-base rank only what passes):"),
	OPT_INCLUDE(cli_pick_gate_opts),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	return cli_pick_opt(cli, args, id, val);
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	const struct cli_pick *cp = args;
	int rc = cli_operands_at_most(cli, argc, argv, 1);
	if (rc)
		return rc;
	if (argc == 1)
		return cli_usage_error("plan: unexpected argument '%s' (use --model PATH for a file)", argv[0]);
	if (cp->best_base && (cp->p.base_id || cp->p.config_path || cp->p.model_path))
		return cli_usage_error("plan: --best-base ranks catalog bases; drop --base/--config/--model");
	if (!cp->p.base_id && !cp->p.config_path && !cp->p.model_path && !cp->best_base)
		return cli_usage_error("plan: give a source: --base ID, --config FILE or --model PATH (see 'kolm bases')");
	if (!cp->p.device_id && !cp->all_devices && !(cp->p.mem_gb > 0 && cp->p.bw_gbs > 0))
		return cli_usage_error("plan: give --device ID (see 'kolm devices') or a custom device with --mem-gb and --bw-gbs");
	if (!cp->best && !cp->best_base && cp->all_quants && cp->all_devices)
		return cli_usage_error("plan: --all-quants and --all-devices are separate views");
	return 0;
}

/* Print a document made for printing, and drop it. */
static int print_doc(json_t *doc)
{
	int rc = cli_print_json(doc);
	json_decref(doc);
	return rc;
}

/* --best / --best-base: the ranking, then the winner; exit 1 when no
 * candidate passes. */
static int plan_best(struct kolm_ctx *ctx, const struct cli_pick *cp, struct kolm_err *err)
{
	struct kolm_forecast_best b;
	int rc = kolm_forecast_best(ctx, &cp->p, cp->best_base, &b, err);
	if (rc && (rc != KOLM_E_NO || b.n_ranking == 0))
		return cli_fail(err);
	int exit_code = 0;
	if (cp->json)
		exit_code = print_doc(kolm_forecast_best_json(&b));
	else
		cli_render_best(stdout, &b, cli_color());
	if (rc == KOLM_E_NO) {
		fprintf(stderr, "kolm: plan: %s\n", b.why);
		exit_code = 1;
	}
	kolm_forecast_best_release(&b);
	return exit_code;
}

/* --all-quants / --all-devices: a row per format or per device. */
static int plan_matrix(struct kolm_ctx *ctx, const struct cli_pick *cp, struct kolm_err *err)
{
	struct kolm_forecast_matrix m;
	if (kolm_forecast_matrix(ctx, &cp->p, cp->all_devices, &m, err))
		return cli_fail(err);
	int exit_code = 0;
	if (cp->json)
		exit_code = print_doc(kolm_forecast_matrix_json(&m));
	else
		cli_render_matrix(stdout, &m, cli_color());
	kolm_forecast_matrix_release(&m);
	return exit_code;
}

/* One forecast; exit 1 (after printing it) when a gate is missed. */
static int plan_one(struct kolm_ctx *ctx, const struct cli_pick *cp, struct kolm_err *err)
{
	struct kolm_forecast f;
	if (kolm_forecast(ctx, &cp->p, &f, err))
		return cli_fail(err);
	int exit_code = 0;
	if (cp->json) {
		json_t *doc = kolm_forecast_json(&f);
		char *s = doc ? kolm_forecast_dumps(doc) : NULL;
		json_decref(doc);
		if (s) {
			fputs(s, stdout);
			fputc('\n', stdout);
			free(s);
		} else {
			exit_code = 4;
		}
	} else {
		cli_render_forecast(stdout, &f, cli_color());
	}
	if (exit_code == 0 && !kolm_forecast_gates_pass(&f)) {
		fprintf(stderr, "kolm: plan: gate failed:");
		for (int i = 0; i < f.n_gates; i++)
			if (!f.gates[i].pass)
				fprintf(stderr, " %s", f.gates[i].name);
		fputc('\n', stderr);
		exit_code = 1;
	}
	kolm_forecast_release(&f);
	return exit_code;
}

static int run(struct cli *cli, void *args)
{
	const struct cli_pick *cp = args;
	struct kolm_err err = {0};
	if (cp->best || cp->best_base)
		return plan_best(cli->ctx, cp, &err);
	if (cp->all_quants || cp->all_devices)
		return plan_matrix(cli->ctx, cp, &err);
	return plan_one(cli->ctx, cp, &err);
}

static const struct cli_pick defaults = CLI_PICK_INIT;

const struct cli_cmd cmd_plan = {
	.usage = "usage: kolm plan (--base ID | --config FILE | --model PATH) --quant TIER|FORMAT --device ID [options]\n"
		 "       kolm plan --device ID --best-base [options]\n"
		 "Forecast size on disk, fit, decode and prefill speed, K-score loss, backend and commands.\n",
	.opts = opts,
	.tail = "Exit: 0 a forecast was made (whatever the verdict), 1 a gate was missed, 2 usage, 3 bad input file.\n",
	.flags = CLI_SEE_HELP | CLI_NEEDS_OPTION,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
