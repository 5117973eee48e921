/* render.c - forecasts, matrices and rankings as text for a terminal (kolm
 * plan, kolm export --preview), from the typed results (kolm/forecast.h). */
#include "render.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "kolm/forecast.h"
#include "kolm/util.h"

static const char *verdict_color(enum kolm_fit v, int color)
{
	if (!color)
		return "";
	if (v == KOLM_FIT_PASS)
		return "\033[32m";
	if (v == KOLM_FIT_TIGHT)
		return "\033[33m";
	return "\033[31m";
}

static void fmt_tps(char *buf, size_t cap, double v)
{
	kolm_fmt_rate(buf, cap, v);
}

/* Each step's commands, one "$ " line per command. */
static void render_commands(FILE *fp, const struct kolm_commands *c, const char *B, const char *R)
{
	const char *steps[][2] = {{c->download, "0 get the checkpoint (on the source machine)"},
				  {c->pack, "1a pack it into a .kolm (measures the fp16 reference K)"},
				  {c->export, c->requantize ? "1b re-quantize your GGUF for the device"
							    : "1b export for the device (from the .kolm)"},
				  {c->transfer, "2 move it to the device"},
				  {c->run, "3 run on the device"},
				  {c->verify, c->verify && c->verify[0] == '#' ? "4 verify the .kolm (on the source machine)"
									       : "4 verify the export against its .kolm (on the source machine)"},
				  {c->bench, "5 measure on the device"}};
	fputc('\n', fp);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const char *s = steps[i][0];
		if (!s)
			continue;
		fprintf(fp, "  %s%s%s\n", B, steps[i][1], R);
		while (*s) {
			const char *nl = strchr(s, '\n');
			int n = nl ? (int)(nl - s) : (int)strlen(s);
			/* a note (a step no shell command does) is not shown as a command */
			fprintf(fp, "    %s%.*s\n", *s == '#' ? "" : "$ ", n, s);
			s += n + (nl ? 1 : 0);
		}
	}
}

static void render_gates_caveats(FILE *fp, const struct kolm_forecast *f)
{
	if (f->n_gates > 0) {
		fputs("\n  gates\n", fp);
		for (int i = 0; i < f->n_gates; i++)
			fprintf(fp, "    %-4s %s: %.4g (limit %.4g)\n", f->gates[i].pass ? "OK" : "FAIL", f->gates[i].name,
				f->gates[i].value, f->gates[i].limit);
	}
	if (json_array_size(f->caveats)) {
		fputs("\n  caveats\n", fp);
		size_t i;
		json_t *c;
		json_array_foreach(f->caveats, i, c)
			fprintf(fp, "    - %s\n", json_string_value(c));
	}
}

/* The memory's parts in GB; when one would read "0.00" (a tiny model),
 * each in its own unit (kB, MB, GB) instead. */
static void mem_parts(FILE *fp, const struct kolm_memory *m)
{
	const uint64_t part[4] = {m->weights, m->kv_cache, m->compute_buffer, m->runtime_base};
	int small = 0;
	for (int i = 0; i < 4; i++)
		small |= part[i] > 0 && part[i] < 5000000;
	if (!small) {
		fprintf(fp, "                 weights %.2f + KV %.2f (%s, ctx %.0f) + compute %.2f + runtime %.2f GB\n",
			(double)m->weights / 1e9, (double)m->kv_cache / 1e9, m->kv_type, (double)m->ctx,
			(double)m->compute_buffer / 1e9, (double)m->runtime_base / 1e9);
		return;
	}
	char s[4][32];
	for (int i = 0; i < 4; i++)
		kolm_fmt_bytes(s[i], sizeof s[i], (double)part[i]);
	fprintf(fp, "                 weights %s + KV %s (%s, ctx %.0f) + compute %s + runtime %s\n", s[0], s[1],
		m->kv_type, (double)m->ctx, s[2], s[3]);
}

void cli_render_forecast(FILE *fp, const struct kolm_forecast *f, int color)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "", *D = color ? "\033[2m" : "";
	const struct kolm_memory *m = &f->memory;
	char lo[16], mid[16], hi[16], dn[160];
	fprintf(fp, "%skolm forecast%s  %s  x  %s  x  %s\n", B, R, f->source.name, f->format.fmt->label,
		kolm_device_name(&f->device, dn, sizeof dn));
	fprintf(fp, "%s(forecast: figures not read from your file name their basis)%s\n\n", D, R);
	if (f->device_is_local)
		fprintf(fp, "  this machine   %s\n", f->local_why);
	char sz[32];
	fprintf(fp, "  size on disk   %s  (%.0f bytes, %.2f bits/weight)\n", kolm_fmt_bytes(sz, sizeof sz, (double)f->size.bytes),
		(double)f->size.bytes, f->format.bits_per_weight);
	fprintf(fp, "                 %s%s%s\n", D, f->size.basis, R);
	if (f->has_offload)
		fprintf(fp, "  fit            %s%s%s%s  %.2f GB in all, split between the GPU and host RAM (offload)\n",
			verdict_color(f->fit.verdict, color), B, kolm_fit_name(f->fit.verdict), R, (double)m->total / 1e9);
	else
		fprintf(fp, "  fit            %s%s%s%s  %.2f GB needed of %.2f GB usable (%.0f%%)\n",
			verdict_color(f->fit.verdict, color), B, kolm_fit_name(f->fit.verdict), R, (double)m->total / 1e9,
			(double)m->usable / 1e9, 100 * f->fit.ratio);
	mem_parts(fp, m);
	if (m->mmproj || m->draft)
		fprintf(fp, "                 + vision projector %.2f + draft model %.2f GB (weights, KV and compute)\n",
			(double)m->mmproj / 1e9, (double)m->draft / 1e9);
	if (m->platform_cap)
		fprintf(fp, "                 platform cap %.2f GB\n", (double)m->platform_cap / 1e9);
	if (f->has_offload) {
		const struct kolm_offload *o = &f->offload;
		fprintf(fp, "  offload        %d of %d layers on the GPU: %.2f GB of %.2f GB usable (%s)\n", o->gpu_layers,
			o->n_layer, (double)o->gpu_bytes / 1e9, (double)o->gpu_usable / 1e9, kolm_fit_name(o->gpu_verdict));
		fprintf(fp, "                 %d in host RAM: %.2f GB of %.2f GB (%s); llama.cpp -ngl %d\n", o->host_layers,
			(double)o->host_bytes / 1e9, (double)o->host_memory / 1e9, kolm_fit_name(o->host_verdict), o->ngl);
	}
	fmt_tps(lo, sizeof lo, f->decode.low);
	fmt_tps(mid, sizeof mid, f->decode.mid);
	fmt_tps(hi, sizeof hi, f->decode.high);
	fprintf(fp, "  decode         %s%s tok/s%s  (range %s - %s; bandwidth bound %.0f)%s\n", B, mid, R, lo, hi,
		f->bandwidth_bound, f->fit.verdict == KOLM_FIT_OVER ? "; only if it fit, which it does not" : "");
	fprintf(fp, "                 %s%s%s\n", D, f->decode.basis, R);
	for (int i = 0; i < f->n_at_ctx; i++) {
		if (!f->at_ctx_asked || f->at_ctx[i].ctx != f->at_ctx_asked)
			continue;
		fmt_tps(lo, sizeof lo, f->at_ctx[i].low);
		fmt_tps(mid, sizeof mid, f->at_ctx[i].mid);
		fmt_tps(hi, sizeof hi, f->at_ctx[i].high);
		fprintf(fp, "  at ctx %-7lld %s%s tok/s%s  (range %s - %s) once the context holds %lld tokens\n",
			(long long)f->at_ctx_asked, B, mid, R, lo, hi, (long long)f->at_ctx_asked);
		fprintf(fp, "                 %s%s%s\n", D, f->at_ctx_basis, R);
	}
	fmt_tps(lo, sizeof lo, f->prefill.low);
	fmt_tps(mid, sizeof mid, f->prefill.mid);
	fmt_tps(hi, sizeof hi, f->prefill.high);
	/* a tiny model's first token comes in milliseconds: not "0.00 s" */
	char tt[32];
	if (f->ttft_s < 0.1)
		kolm_fmt_rate(tt, sizeof tt, f->ttft_s);
	else
		snprintf(tt, sizeof tt, "%.2f", f->ttft_s);
	fprintf(fp, "  prefill        %s tok/s  (range %s - %s); first token after a %d-token prompt in %s s\n", mid, lo,
		hi, f->ttft_prompt_tokens, tt);
	fprintf(fp, "                 %s%s%s\n", D, f->prefill.basis, R);
	fprintf(fp, "  cold start     %s s from %s\n", kolm_fmt_rate(sz, sizeof sz, f->cold_start_s), f->storage);
	fprintf(fp, "                 %sforecast: file size / the storage's sequential read speed (%.0f MB/s)%s\n", D,
		f->device.storage_bytes_per_s / 1e6, R);
	fprintf(fp, "  K-score loss   %.2f points\n", f->k_loss.points);
	fprintf(fp, "                 %s%s%s\n", D, f->k_loss.basis, R);
	fprintf(fp, "  backend        %s via %s (%s)\n", f->backend.id, f->backend.runtime, f->backend.reason);
	render_commands(fp, &f->commands, B, R);
	render_gates_caveats(fp, f);
}

void cli_render_matrix(FILE *fp, const struct kolm_forecast_matrix *m, int color)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "";
	int all_devices = m->all_devices;
	fprintf(fp, "%s%-24s %10s %-6s %20s %8s  %s%s\n", B, all_devices ? "device" : "format", "size GB", "fit",
		"decode tok/s", "K loss", all_devices ? "backend" : "bits/w", R);
	for (int i = 0; i < m->n_rows; i++) {
		const struct kolm_matrix_row *row = &m->rows[i];
		if (row->skipped) {
			fprintf(fp, "%-24s %s\n", row->id, row->why);
			continue;
		}
		const struct kolm_forecast *f = &row->f;
		char lo[16], mid[16], hi[16], rng[64];
		fmt_tps(lo, sizeof lo, f->decode.low);
		fmt_tps(mid, sizeof mid, f->decode.mid);
		fmt_tps(hi, sizeof hi, f->decode.high);
		snprintf(rng, sizeof rng, "%s (%s-%s)", mid, lo, hi);
		char extra[64];
		if (all_devices)
			snprintf(extra, sizeof extra, "%s/%s", f->backend.id, f->backend.runtime);
		else
			snprintf(extra, sizeof extra, "%.2f", f->format.bits_per_weight);
		fprintf(fp, "%-24s %10.2f %s%-6s%s %20s %8.2f  %s\n", all_devices ? f->device.id : f->format.fmt->id,
			(double)f->size.bytes / 1e9, verdict_color(f->fit.verdict, color), kolm_fit_name(f->fit.verdict),
			color ? R : "", rng, f->k_loss.points, extra);
	}
	fputs("(forecasts: see --json for each figure's basis)\n", fp);
}

void cli_render_best(FILE *fp, const struct kolm_forecast_best *b, int color)
{
	fprintf(fp, "rule: %s\n", b->rule);
	for (int i = 0; i < b->n_ranking; i++) {
		const struct kolm_best_row *r = &b->ranking[i];
		char tps[16];
		fmt_tps(tps, sizeof tps, r->decode_tps_mid);
		fprintf(fp, "  %2d. %-16s %-6s gates %-4s K loss %6.2f  %8s tok/s\n", i + 1, r->id,
			kolm_fit_name(r->verdict), r->gates_pass ? "ok" : "FAIL", r->k_loss_points, tps);
	}
	fprintf(fp, "winner: %s\n\n", b->why);
	cli_render_forecast(fp, &b->winner, color);
}
