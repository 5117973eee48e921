/* bench_calib.c - the speed model's leave-one-source-out accuracy report
 * (the same numbers as `kolm calibrate --report`; docs/ACCURACY.md).
 * usage: bench_calib [--rows]   (KOLM_DATA_DIR / XDG_DATA_HOME honoured) */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "kolm/calib.h"
#include "kolm/ctx.h"

static double num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void line(const char *label, json_t *s)
{
	printf("| %-8s | %5d | %6.1f%% | %6.1f%% | %6.1f%% | %5.0f%% | %5.0f%% |\n", label,
	       (int)json_integer_value(json_object_get(s, "rows")), num(s, "median_abs_pct_err"), num(s, "within_25_pct"),
	       num(s, "inside_range"), num(s, "max_half_width_own_rows_pct"), num(s, "max_half_width_pct"));
}

int main(int argc, char **argv)
{
	int rows = argc > 1 && !strcmp(argv[1], "--rows");
	char buf[8192];
	struct kolm_ctx_opts o;
	kolm_ctx_opts_from_env(&o, buf, sizeof buf);
	struct kolm_ctx *ctx;
	struct kolm_err err = {0};
	json_t *doc = NULL;
	if (kolm_ctx_new(&ctx, &o, &err) || kolm_calib_report(ctx, &doc, &err)) {
		fprintf(stderr, "bench_calib: %s\n", err.msg);
		return 1;
	}
	printf("leave-one-source-out: %d measurements, %d sources, %d of them yours\n",
	       (int)json_integer_value(json_object_get(doc, "rows")), (int)json_integer_value(json_object_get(doc, "sources")),
	       (int)json_integer_value(json_object_get(doc, "user_rows")));
	static const char *const kinds[] = {"decode", "prefill"};
	for (int k = 0; k < 2; k++) {
		json_t *d = json_object_get(doc, kinds[k]);
		printf("\n%s\n\n| class    |  rows | median abs err | within 25%% | inside range | half-width own rows | half-width max |\n"
		       "|---|---:|---:|---:|---:|---:|---:|\n", kinds[k]);
		line("all", json_object_get(d, "overall"));
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(d, "classes"), i, c)
			line(json_string_value(json_object_get(c, "class")), c);
	}
	if (rows) {
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(doc, "measurements"), i, r)
		{
			json_t *d = json_object_get(r, "decode");
			if (d)
				printf("%-24s %-17s %-15s %-9s %8.4g %8.4g %+6.1f%% %s\n", json_string_value(json_object_get(r, "device")),
				       json_string_value(json_object_get(r, "runtime")), json_string_value(json_object_get(r, "base")),
				       json_string_value(json_object_get(r, "format")), num(d, "measured"), num(d, "mid"),
				       num(d, "error_pct"), json_is_true(json_object_get(d, "inside")) ? "" : "OUTSIDE");
		}
	}
	json_decref(doc);
	kolm_ctx_free(ctx);
	return 0;
}
