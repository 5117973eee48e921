/* render.c - the forecast and the matrix as text for a terminal (kolm plan,
 * kolm export --preview). */
#include "render.h"

#include <math.h>
#include <string.h>

#include <jansson.h>

/* The value at a dotted path ("fit.verdict"), or NULL. */
static const json_t *at(const json_t *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *cur = o;
	for (char *tok = buf, *dot; cur; tok = dot + 1) {
		dot = strchr(tok, '.');
		if (dot)
			*dot = '\0';
		cur = json_object_get(cur, tok);
		if (!dot)
			break;
	}
	return cur;
}

static const char *S(const json_t *o, const char *path)
{
	const json_t *v = at(o, path);
	return json_is_string(v) ? json_string_value(v) : "";
}

static double N(const json_t *o, const char *path)
{
	const json_t *v = at(o, path);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *verdict_color(const char *v, int color)
{
	if (!color)
		return "";
	if (!strcmp(v, "pass"))
		return "\033[32m";
	if (!strcmp(v, "tight"))
		return "\033[33m";
	return "\033[31m";
}

static void fmt_tps(char *buf, size_t cap, double v)
{
	if (!isfinite(v))
		snprintf(buf, cap, "-");
	else if (v >= 100)
		snprintf(buf, cap, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, cap, "%.1f", v);
	else
		snprintf(buf, cap, "%.2f", v);
}

void cli_render_forecast(FILE *fp, const json_t *f, int color)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "", *D = color ? "\033[2m" : "";
	const char *verdict = S(f, "fit.verdict");
	char lo[16], mid[16], hi[16];
	fprintf(fp, "%skolm forecast%s  %s  x  %s  x  %s\n", B, R, S(f, "source.name"), S(f, "format.label"),
		S(f, "device.name"));
	fprintf(fp, "%s(forecast: figures not read from your file name their basis)%s\n\n", D, R);
	fprintf(fp, "  size on disk   %.2f GB  (%.0f bytes, %.2f bits/weight)\n", N(f, "size.bytes") / 1e9,
		N(f, "size.bytes"), N(f, "format.bits_per_weight"));
	fprintf(fp, "                 %s%s%s\n", D, S(f, "size.basis"), R);
	fprintf(fp, "  fit            %s%s%s%s  %.2f GB needed of %.2f GB usable (%.0f%%)\n", verdict_color(verdict, color),
		B, verdict, R, N(f, "memory.total_bytes") / 1e9, N(f, "memory.usable_bytes") / 1e9,
		100 * N(f, "fit.ratio"));
	fprintf(fp, "                 weights %.2f + KV %.2f (%s, ctx %.0f) + compute %.2f + runtime %.2f GB\n",
		N(f, "memory.weights_bytes") / 1e9, N(f, "memory.kv_cache_bytes") / 1e9, S(f, "memory.kv_type"),
		N(f, "memory.ctx"), N(f, "memory.compute_buffer_bytes") / 1e9, N(f, "memory.runtime_base_bytes") / 1e9);
	if (json_is_integer(json_object_get(json_object_get(f, "memory"), "platform_cap_bytes")))
		fprintf(fp, "                 platform cap %.2f GB\n", N(f, "memory.platform_cap_bytes") / 1e9);
	fmt_tps(lo, sizeof lo, N(f, "decode_tps.low"));
	fmt_tps(mid, sizeof mid, N(f, "decode_tps.mid"));
	fmt_tps(hi, sizeof hi, N(f, "decode_tps.high"));
	fprintf(fp, "  decode         %s%s tok/s%s  (range %s - %s; bandwidth bound %.0f)\n", B, mid, R, lo, hi,
		N(f, "decode_tps.bandwidth_bound"));
	fprintf(fp, "                 %s%s%s\n", D, S(f, "decode_tps.basis"), R);
	fmt_tps(mid, sizeof mid, N(f, "prefill_tps.mid"));
	fprintf(fp, "  prefill        %s tok/s; first token after a 512-token prompt in %.2f s\n", mid,
		N(f, "ttft_s.seconds"));
	fprintf(fp, "  cold start     %.1f s from %s\n", N(f, "cold_start_s.seconds"), S(f, "cold_start_s.storage"));
	fprintf(fp, "  K-score loss   %.2f points\n", N(f, "k_loss.points"));
	fprintf(fp, "                 %s%s%s\n", D, S(f, "k_loss.basis"), R);
	fprintf(fp, "  backend        %s via %s (%s)\n", S(f, "backend.id"), S(f, "backend.runtime"), S(f, "backend.reason"));
	const json_t *cmds = json_object_get(f, "commands");
	if (json_is_object(cmds)) {
		static const char *steps[][2] = {{"export", "1 export (on the source machine)"},
						 {"transfer", "2 move it to the device"},
						 {"run", "3 run on the device"},
						 {"verify", "4 verify the artifact stayed honest"},
						 {"bench", "  measure on the device"}};
		fputc('\n', fp);
		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
			const char *c = json_string_value(json_object_get(cmds, steps[i][0]));
			if (!c)
				continue;
			fprintf(fp, "  %s%s%s\n", B, steps[i][1], R);
			const char *s = c;
			while (*s) {
				const char *nl = strchr(s, '\n');
				int n = nl ? (int)(nl - s) : (int)strlen(s);
				fprintf(fp, "    $ %.*s\n", n, s);
				s += n + (nl ? 1 : 0);
			}
		}
	}
	const json_t *gates = json_object_get(f, "gates");
	if (json_is_array(gates) && json_array_size(gates)) {
		fputs("\n  gates\n", fp);
		size_t i;
		json_t *g;
		json_array_foreach(gates, i, g)
		{
			fprintf(fp, "    %-4s %s: %.4g (limit %.4g)\n", json_is_true(json_object_get(g, "pass")) ? "OK" : "FAIL",
				S(g, "name"), N(g, "value"), N(g, "limit"));
		}
	}
	const json_t *cav = json_object_get(f, "caveats");
	if (json_array_size(cav)) {
		fputs("\n  caveats\n", fp);
		size_t i;
		json_t *c;
		json_array_foreach(cav, i, c)
			fprintf(fp, "    - %s\n", json_string_value(c));
	}
}

void cli_render_matrix(FILE *fp, const json_t *m, int all_devices, int color)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "";
	const json_t *rows = json_object_get(m, "rows");
	fprintf(fp, "%s%-24s %10s %-6s %20s %8s  %s%s\n", B, all_devices ? "device" : "format", "size GB", "fit",
		"decode tok/s", "K loss", all_devices ? "backend" : "bits/w", R);
	size_t i;
	json_t *f;
	json_array_foreach(rows, i, f)
	{
		if (json_object_get(f, "skipped")) {
			fprintf(fp, "%-24s %s\n", all_devices ? S(f, "device") : S(f, "format"), S(f, "skipped"));
			continue;
		}
		const char *v = S(f, "fit.verdict");
		char lo[16], mid[16], hi[16], rng[64];
		fmt_tps(lo, sizeof lo, N(f, "decode_tps.low"));
		fmt_tps(mid, sizeof mid, N(f, "decode_tps.mid"));
		fmt_tps(hi, sizeof hi, N(f, "decode_tps.high"));
		snprintf(rng, sizeof rng, "%s (%s-%s)", mid, lo, hi);
		char extra[64];
		if (all_devices)
			snprintf(extra, sizeof extra, "%s/%s", S(f, "backend.id"), S(f, "backend.runtime"));
		else
			snprintf(extra, sizeof extra, "%.2f", N(f, "format.bits_per_weight"));
		fprintf(fp, "%-24s %10.2f %s%-6s%s %20s %8.2f  %s\n", all_devices ? S(f, "device.id") : S(f, "format.id"),
			N(f, "size.bytes") / 1e9, verdict_color(v, color), v, color ? R : "", rng, N(f, "k_loss.points"), extra);
	}
	fputs("(forecasts: see --json for each figure's basis)\n", fp);
}
