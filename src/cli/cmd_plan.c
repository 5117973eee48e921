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

static int run(struct cli *cli, void *args)
{
	const struct cli_pick *cp = args;
	struct kolm_ctx *ctx = cli->ctx;
	int rc;
	struct kolm_err err = {0};
	json_t *out = NULL;
	int exit_code = 0;
	if (cp->best || cp->best_base) {
		rc = kolm_forecast_best(ctx, &cp->p, cp->best_base, &out, &err);
		if (rc && rc != KOLM_E_NO) {
			exit_code = cli_fail(&err);
			goto done;
		}
		if (cp->json) {
			exit_code = cli_print_json(out);
		} else {
			printf("rule: %s\n", json_string_value(json_object_get(out, "rule")));
			size_t i;
			json_t *r;
			json_array_foreach(json_object_get(out, "ranking"), i, r)
				printf("  %2zu. %-16s %-6s gates %-4s K loss %6.2f  %8.3g tok/s\n", i + 1,
				       json_string_value(json_object_get(r, "id")), json_string_value(json_object_get(r, "verdict")),
				       json_is_true(json_object_get(r, "gates_pass")) ? "ok" : "FAIL",
				       json_number_value(json_object_get(r, "k_loss_points")),
				       json_number_value(json_object_get(r, "decode_tps_mid")));
			printf("winner: %s\n\n", json_string_value(json_object_get(out, "why")));
			cli_render_forecast(stdout, json_object_get(out, "winner"), cli_color());
		}
		if (rc == KOLM_E_NO) {
			fprintf(stderr, "kolm: plan: %s\n", json_string_value(json_object_get(out, "why")));
			exit_code = 1;
		}
		goto done;
	}
	if (cp->all_quants || cp->all_devices) {
		rc = kolm_forecast_matrix_doc(ctx, &cp->p, cp->all_devices, &out, &err);
		if (rc) {
			exit_code = cli_fail(&err);
			goto done;
		}
		if (cp->json)
			exit_code = cli_print_json(out);
		else
			cli_render_matrix(stdout, out, cp->all_devices, cli_color());
	} else {
		rc = kolm_forecast_doc(ctx, &cp->p, &out, &err);
		if (rc) {
			exit_code = cli_fail(&err);
			goto done;
		}
		if (cp->json) {
			char *s = kolm_forecast_dumps(out);
			if (!s) {
				exit_code = 4;
				goto done;
			}
			fputs(s, stdout);
			fputc('\n', stdout);
			free(s);
		} else {
			cli_render_forecast(stdout, out, cli_color());
		}
		json_t *gates = json_object_get(out, "gates");
		size_t i;
		json_t *g;
		json_array_foreach(gates, i, g)
		{
			if (!json_is_true(json_object_get(g, "pass"))) {
				if (!exit_code)
					fprintf(stderr, "kolm: plan: gate failed:");
				fprintf(stderr, " %s", json_string_value(json_object_get(g, "name")));
				exit_code = 1;
			}
		}
		if (exit_code)
			fputc('\n', stderr);
	}
done:
	json_decref(out);
	return exit_code;
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
