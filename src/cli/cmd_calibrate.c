/* kolm calibrate --report [--json] [--rows] - the speed model's
 * leave-one-source-out accuracy over every measurement (docs/ACCURACY.md). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/calib.h"
#include "kolm/ctx.h"

static double num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void print_score(const char *label, json_t *s)
{
	printf("  %-10s %5d %9.1f%% %9.1f%% %9.1f%% %9.0f%% %9.0f%% %9.0f%%\n", label,
	       (int)json_integer_value(json_object_get(s, "rows")), num(s, "median_abs_pct_err"), num(s, "within_25_pct"),
	       num(s, "inside_range"), num(s, "median_half_width_pct"), num(s, "max_half_width_own_rows_pct"),
	       num(s, "max_half_width_pct"));
}

static void print_kind(json_t *doc, const char *kind, const char *title)
{
	json_t *k = json_object_get(doc, kind);
	printf("%s\n  %-10s %5s %10s %10s %10s %10s %10s %10s\n", title, "class", "rows", "median|e|", "within25", "in range",
	       "hw med", "hw own", "hw max");
	print_score("all", json_object_get(k, "overall"));
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(k, "classes"), i, c)
		print_score(json_string_value(json_object_get(c, "class")), c);
}

static void print_rows(json_t *doc)
{
	static const char *const kinds[] = {"decode", "prefill"};
	for (int k = 0; k < 2; k++) {
		size_t i;
		json_t *r;
		printf("\n%-7s %-24s %-17s %-15s %-9s %9s %9s %17s %7s  %s\n", kinds[k], "device", "runtime", "base", "format",
		       "measured", "forecast", "range", "level", "source");
		json_array_foreach(json_object_get(doc, "measurements"), i, r)
		{
			json_t *d = json_object_get(r, kinds[k]);
			if (!d)
				continue;
			printf("%-7s %-24s %-17s %-15s %-9s %9.4g %9.4g %8.4g-%-8.4g %7s  %s%s%s\n", kinds[k],
			       json_string_value(json_object_get(r, "device")), json_string_value(json_object_get(r, "runtime")),
			       json_string_value(json_object_get(r, "base")), json_string_value(json_object_get(r, "format")),
			       num(d, "measured"), num(d, "mid"), num(d, "low"), num(d, "high"),
			       json_string_value(json_object_get(d, "level")) ? json_string_value(json_object_get(d, "level")) : "-",
			       json_string_value(json_object_get(r, "source")), json_is_true(json_object_get(r, "weak")) ? " (weak)" : "",
			       json_is_true(json_object_get(d, "inside")) ? "" : "  OUTSIDE");
		}
	}
}

/* Rows that disagree wildly with their class: kept, listed. */
static void print_flagged(json_t *doc)
{
	int n = (int)json_integer_value(json_object_get(doc, "flagged_rows"));
	if (!n)
		return;
	printf("\nflagged: %d row%s more than 3x from %s class (kept; a row informs only picks within 4x of its "
	       "bytes per token)\n", n, n == 1 ? "" : "s", n == 1 ? "its" : "their");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(doc, "measurements"), i, r)
	{
		const char *why = json_string_value(json_object_get(r, "flag"));
		if (why)
			printf("  %s%s %s %s %s: %s\n", json_is_true(json_object_get(r, "user")) ? "yours: " : "",
			       json_string_value(json_object_get(r, "device")), json_string_value(json_object_get(r, "runtime")),
			       json_string_value(json_object_get(r, "base")), json_string_value(json_object_get(r, "format")), why);
	}
}

struct args {
	int report, json, rows;
};

enum { O_REPORT, O_JSON, O_ROWS };

static const struct cli_opt opts[] = {
	OPT_FLAG(0, "report", O_REPORT, "print the report (required; the fit itself runs on every forecast)"),
	OPT_FLAG(0, "json", O_JSON, "the report as JSON"),
	OPT_FLAG(0, "rows", O_ROWS, "also list every row, decode and prefill: measured, forecast, range, source"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	if (id == O_REPORT)
		a->report = 1;
	else if (id == O_JSON)
		a->json = 1;
	else
		a->rows = 1;
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	int rc = cli_no_operands(cli, args, argc, argv);
	if (!rc && !((struct args *)args)->report)
		return cli_usage_error("calibrate: give --report (the fit itself runs on every forecast)");
	return rc;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	struct kolm_ctx *ctx = cli->ctx;
	int rc = 0;
	struct kolm_err err = {0};
	json_t *doc = NULL;
	if (kolm_calib_report(ctx, &doc, &err))
		return cli_fail(&err);
	int skipped = 0;
	const char *why = NULL;
	kolm_calib_user_rows(kolm_calib_get(ctx, NULL), &skipped, &why);
	if (skipped)
		fprintf(stderr, "kolm: %d of your measurement rows skipped: %s\n", skipped, why ? why : "");
	if (a->json) {
		rc = cli_print_json(doc);
	} else {
		printf("leave-one-source-out over %d measurements from %d sources (%d yours)\n\n",
		       (int)json_integer_value(json_object_get(doc, "rows")),
		       (int)json_integer_value(json_object_get(doc, "sources")),
		       (int)json_integer_value(json_object_get(doc, "user_rows")));
		print_kind(doc, "decode", "decode tok/s");
		printf("\n");
		print_kind(doc, "prefill", "prefill tok/s");
		print_flagged(doc);
		if (a->rows)
			print_rows(doc);
		printf("\nhw = range half-width (med = median over the rows; own = the widest of forecasts from the device's own "
		       "rows)\n");
	}
	json_decref(doc);
	return rc;
}

static const struct args defaults;

const struct cli_cmd cmd_calibrate = {
	.usage = "usage: kolm calibrate --report [--json] [--rows]\n"
		 "Leave-one-source-out accuracy of the speed model over every measurement (data/measurements.json\n"
		 "and $XDG_DATA_HOME/kolm/measurements.tsv): median absolute error, share within +-25% and share\n"
		 "inside the forecast range, overall and per runtime class.\n",
	.opts = opts,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
