/* quickstart.c - per-device Markdown quickstarts (quickstart.h): the
 * template for the device (or the generated one) rendered with the live
 * forecast, so every command in it is the one `kolm plan` prints. */
#include "kolm/quickstart.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/commands.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"
#include "kolm/util.h"
#include "kolm/version.h"

#include "core/json_internal.h"

#define GB 1e9
enum { MAX_DEPTH = 4 };

static void sb_str(struct kolm_buf *b, const char *s)
{
	kolm_buf_add(b, s, strlen(s));
}

/* 3 significant digits, never exponent notation for the magnitudes we print */
static void fmt_num(char *out, size_t cap, double x)
{
	double a = x < 0 ? -x : x;
	if (a >= 100)
		snprintf(out, cap, "%.0f", x);
	else if (a >= 10)
		snprintf(out, cap, "%.1f", x);
	else
		snprintf(out, cap, "%.2f", x);
}

static json_t *lookup(json_t *vars, const char *path)
{
	char key[128];
	json_t *cur = vars;
	const char *s = path;
	while (cur && *s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n >= sizeof key)
			return NULL;
		memcpy(key, s, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		s = dot ? dot + 1 : s + n;
	}
	return cur;
}

static int render(struct kolm_ctx *ctx, const char *tpl, size_t len, json_t *vars, int depth, struct kolm_buf *out,
		  const char *name, struct kolm_err *err)
{
	const char *s = tpl, *end = tpl + len;
	while (s < end) {
		const char *open = memmem(s, (size_t)(end - s), "{{", 2);
		if (!open) {
			kolm_buf_add(out, s, (size_t)(end - s));
			break;
		}
		kolm_buf_add(out, s, (size_t)(open - s));
		const char *close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (!close)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: unclosed '{{'", name);
		char ph[160];
		const char *a = open + 2, *b = close;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if ((size_t)(b - a) >= sizeof ph)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: placeholder too long", name);
		memcpy(ph, a, (size_t)(b - a));
		ph[b - a] = '\0';
		if (ph[0] == '>') {
			const char *pn = ph + 1;
			while (*pn == ' ')
				pn++;
			if (depth >= MAX_DEPTH)
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: partials nest deeper than %d", name, MAX_DEPTH);
			char rel[200];
			snprintf(rel, sizeof rel, "data/quickstarts/_%s.md", pn);
			size_t pl;
			const uint8_t *pt = kolm_ctx_data(ctx, rel, &pl);
			if (!pt)
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: no partial '%s'", name, rel);
			int rc = render(ctx, (const char *)pt, pl, vars, depth + 1, out, rel, err);
			if (rc)
				return rc;
		} else {
			json_t *v = lookup(vars, ph);
			char num[64];
			if (json_is_string(v)) {
				sb_str(out, json_string_value(v));
			} else if (json_is_integer(v)) {
				snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
				sb_str(out, num);
			} else if (json_is_real(v)) {
				fmt_num(num, sizeof num, json_real_value(v));
				sb_str(out, num);
			} else if (json_is_boolean(v)) {
				sb_str(out, json_is_true(v) ? "yes" : "no");
			} else {
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: '{{%s}}' names no value of this forecast", name, ph);
			}
		}
		s = close + 2;
	}
	return out->oom ? kolm_err_set(err, KOLM_E_NOMEM, "out of memory") : KOLM_OK;
}

static void set_fmt(json_t *o, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_fmt(json_t *o, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_object_set_new(o, key, json_string(buf));
}

/* fmt_num into buf, for an argument list */
static const char *sig3(char *buf, size_t cap, double v)
{
	fmt_num(buf, cap, v);
	return buf;
}

/* The derived values templates use, all from the forecast itself. */
static json_t *derived(struct kolm_ctx *ctx, const struct kolm_forecast *f, const char *rule)
{
	json_t *qs = json_object();
	const struct kolm_device *d = &f->device;
	const char *base = f->source.id;
	struct kolm_cmd_vars v = {0};
	char file[256];
	v.device = d;
	v.format = f->format.fmt;
	v.base_id = base;
	if (!kolm_commands_file_name(&v, file, sizeof file))
		json_object_set_new(qs, "file", json_string(file));
	set_fmt(qs, "artifact", "%s.kolm", base);
	/* in GB, as kolm plan prints them; when one would read "0.00" (a tiny
	 * model), each in its own unit (kB, MB, GB) */
	const uint64_t by[5] = {f->size.bytes, f->memory.total, f->memory.usable, f->memory.weights, f->memory.kv_cache};
	static const char *const key[5] = {"size", "need", "usable", "weights", "kv"};
	int small = 0;
	for (int i = 0; i < 5; i++)
		small |= by[i] > 0 && by[i] < 5000000;
	for (int i = 0; i < 5; i++) {
		char nb[32];
		if (small)
			json_object_set_new(qs, key[i], json_string(kolm_fmt_bytes(nb, sizeof nb, (double)by[i])));
		else
			set_fmt(qs, key[i], "%.2f GB", (double)by[i] / GB);
	}
	set_fmt(qs, "pct", "%.0f%%", 100.0 * f->fit.ratio);
	char a[32], b[32], c[32];
	set_fmt(qs, "decode", "%s tok/s (range %s to %s)", sig3(a, sizeof a, f->decode.mid), sig3(b, sizeof b, f->decode.low),
		sig3(c, sizeof c, f->decode.high));
	set_fmt(qs, "prefill", "%s tok/s", sig3(a, sizeof a, f->prefill.mid));
	set_fmt(qs, "cold", "%s s", sig3(a, sizeof a, f->cold_start_s));
	set_fmt(qs, "k_loss", "%.2f points", f->k_loss.points);
	set_fmt(qs, "mem_gb", "%.0f GB", (double)d->mem_bytes / GB);
	set_fmt(qs, "bw", "%.0f GB/s", (double)llround(d->bw_bytes_per_s) / GB);
	json_object_set_new(qs, "pick_rule", json_string(rule));
	json_object_set_new(qs, "version", json_string(KOLM_VERSION));
	json_t *cmds = kolm_ctx_json(ctx, "data/commands.json", NULL);
	const char *about = json_string_value(lookup(cmds, "airgap.about"));
	json_object_set_new(qs, "airgap_about", json_string(about ? about : ""));
	/* the runtime's name as data/runtimes.json labels it (Core ML, MLX Swift, ...) */
	json_t *rt = kolm_json_find_id(json_object_get(kolm_ctx_json(ctx, "data/runtimes.json", NULL), "runtimes"),
				       f->backend.runtime ? f->backend.runtime : "");
	const char *rl = rt ? kolm_json_str(rt, "label") : NULL;
	json_object_set_new(qs, "runtime_label", json_string(rl ? rl : f->backend.runtime ? f->backend.runtime : ""));
	const char *ios = json_string_value(lookup(cmds, "ios.note"));
	json_object_set_new(qs, "ios_note", json_string(ios ? ios : ""));
	const char *tr = d->transfer ? d->transfer : "scp";
	int tethered = !strcmp(tr, "adb") || !strcmp(tr, "ios");
	json_object_set_new(qs, "airgap_where",
			    json_string(tethered ? "on the computer the phone is cabled to (the phone itself does not run kolm), "
						   "then push the verified file as in step 2"
						 : "on the target box, before anything runs"));
	return qs;
}

static int forecast_for(struct kolm_ctx *ctx, const struct kolm_pick *pick, const char *base, const char *quant,
			struct kolm_forecast *out, struct kolm_err *err)
{
	struct kolm_pick p = *pick;
	p.base_id = base;
	p.quant = quant;
	if (p.overhead_gb == 0)
		p.overhead_gb = -1;
	return kolm_forecast(ctx, &p, out, err);
}

int kolm_quickstart_is_full(struct kolm_ctx *ctx, const char *device_id)
{
	char rel[200];
	size_t n;
	snprintf(rel, sizeof rel, "data/quickstarts/%s.md", device_id);
	return kolm_ctx_data(ctx, rel, &n) != NULL;
}

/* The device's default pick: the first base of its class list that does
 * not come out "over" (else the last that could be forecast); rule says so. */
static int default_pick(struct kolm_ctx *ctx, const struct kolm_pick *pick, const struct kolm_device *dev, json_t *conf,
			const char *quant, struct kolm_forecast *f, char *rule, size_t cap, struct kolm_err *err)
{
	json_t *by = json_object_get(conf, "bases_by_class");
	json_t *list = json_object_get(by, dev->klass);
	if (!json_is_array(list))
		list = json_object_get(by, "default");
	int found = 0;
	size_t i;
	json_t *b;
	struct kolm_err why = {0};
	json_array_foreach(list, i, b)
	{
		struct kolm_forecast g;
		struct kolm_err e2 = {0};
		if (forecast_for(ctx, pick, json_string_value(b), quant, &g, &e2)) {
			why = e2;
			continue;
		}
		kolm_forecast_release(f);
		*f = g;
		found = 1;
		if (f->fit.verdict != KOLM_FIT_OVER)
			break;
	}
	/* no base could be forecast: the pick itself is wrong (a format the
	 * device cannot run is a usage error), so say why, not which list */
	if (!found && why.code) {
		if (err)
			*err = why;
		return why.code;
	}
	if (!found)
		return kolm_err_set(err, KOLM_E_FORMAT, "data/quickstarts/quickstarts.json: no default base for class '%s'",
				    dev->klass);
	char names[256] = "";
	json_array_foreach(list, i, b)
	{
		if (i)
			strncat(names, i + 1 == json_array_size(list) ? " or " : ", ", sizeof names - strlen(names) - 1);
		strncat(names, json_string_value(b) ? json_string_value(b) : "?", sizeof names - strlen(names) - 1);
	}
	snprintf(rule, cap,
		 "the default pick for this %s class device: the first of %s at %s that does not come out \"over\" "
		 "(data/quickstarts/quickstarts.json); choose your own with --base and --quant",
		 dev->klass, names, quant);
	return KOLM_OK;
}

/* The template's values: the forecast's kolm.forecast/1 document, with the
 * derived "qs" object and the runtime's first sanity check (itself a small
 * template) in it. */
static int vars_for(struct kolm_ctx *ctx, json_t *conf, const struct kolm_forecast *f, const char *rule, json_t **out,
		    struct kolm_err *err)
{
	json_t *vars = kolm_forecast_json(f);
	json_t *qs = derived(ctx, f, rule);
	json_object_set_new(vars, "qs", qs);
	const char *rt = f->backend.runtime;
	/* a phone is set up and checked its own way (llama.cpp's Android build
	 * pushed over adb; an app on iOS): "<key>_adb" / "<key>_ios" first */
	const char *tr = f->device.transfer ? f->device.transfer : "";
	int phone = !strcmp(tr, "adb") || !strcmp(tr, "ios");
	const char *fam = rt && !strncmp(rt, "llama.cpp", 9) ? "llama.cpp" : rt ? rt : "";
	char key[96];
	snprintf(key, sizeof key, "%s_%s", fam, tr);
	json_t *san = json_object_get(conf, "sanity_by_runtime"), *sv = phone ? json_object_get(san, key) : NULL;
	const char *st = json_string_value(sv ? sv : json_object_get(san, fam));
	struct kolm_buf sb = {0};
	int rc = st ? render(ctx, st, strlen(st), vars, MAX_DEPTH, &sb, "sanity_by_runtime", err)
		    : kolm_err_set(err, KOLM_E_FORMAT, "data/quickstarts/quickstarts.json: no sanity check for runtime '%s'",
				   rt ? rt : "?");
	if (rc == KOLM_OK)
		json_object_set_new(qs, "sanity", json_string(sb.p ? sb.p : ""));
	/* the device's set-up for its runtime (a Vulkan build for -ngl on Vulkan, ...):
	 * "<runtime>_<device id>" for a device set up its own way (SteamOS),
	 * then a phone's "<runtime>_<transfer>", then the runtime's */
	json_t *sbr = json_object_get(conf, "setup_by_runtime"), *su;
	snprintf(key, sizeof key, "%s_%s", rt ? rt : "", f->device.id ? f->device.id : "");
	su = json_object_get(sbr, key);
	snprintf(key, sizeof key, "%s_%s", rt ? rt : "", tr);
	if (!su && phone)
		su = json_object_get(sbr, key);
	const char *setup = json_string_value(su ? su : json_object_get(sbr, rt ? rt : ""));
	if (rc == KOLM_OK && !setup)
		rc = kolm_err_set(err, KOLM_E_FORMAT, "data/quickstarts/quickstarts.json: no set-up for runtime '%s'",
				  rt ? rt : "?");
	if (rc == KOLM_OK)
		json_object_set_new(qs, "setup", json_string(setup));
	free(sb.p);
	if (rc)
		json_decref(vars);
	else
		*out = vars;
	return rc;
}

int kolm_quickstart(struct kolm_ctx *ctx, const struct kolm_pick *pick, int airgap_only, char **md,
		    struct kolm_err *err)
{
	*md = NULL;
	if (!pick->device_id)
		return kolm_err_set(err, KOLM_E_USAGE, "quickstart: a device is required");
	json_t *conf = kolm_ctx_json(ctx, "data/quickstarts/quickstarts.json", err);
	if (!conf)
		return err ? err->code : KOLM_E_FORMAT;
	const struct kolm_device *dev = kolm_catalog_device_find(ctx, pick->device_id);
	struct kolm_forecast probe = {0};
	if (!dev && !strcmp(pick->device_id, "local")) {
		/* this machine, as kolm plan --device local sees it: a forecast
		 * of the default class's first base says what it is */
		const char *b0 = json_string_value(json_array_get(
			json_object_get(json_object_get(conf, "bases_by_class"), "default"), 0));
		int prc = forecast_for(ctx, pick, b0 ? b0 : "", "int4", &probe, err);
		if (prc)
			return prc;
		dev = &probe.device;
	}
	if (!dev)
		return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown device '%s' (see 'kolm devices', or 'local')",
				    pick->device_id);
	const char *quant = pick->quant ? pick->quant : json_string_value(json_object_get(conf, "default_quant"));
	struct kolm_forecast f = {0};
	json_t *vars = NULL;
	char rule[512];
	int rc;
	if (pick->base_id || pick->config || pick->config_path || pick->model_path) {
		rc = forecast_for(ctx, pick, pick->base_id, quant, &f, err);
		snprintf(rule, sizeof rule, "the pick you gave");
	} else {
		rc = default_pick(ctx, pick, dev, conf, quant, &f, rule, sizeof rule, err);
	}
	if (rc || (rc = vars_for(ctx, conf, &f, rule, &vars, err)))
		goto out;
	char rel[200];
	size_t len;
	if (airgap_only) {
		snprintf(rel, sizeof rel, "data/quickstarts/_airgap-guide.md");
	} else {
		snprintf(rel, sizeof rel, "data/quickstarts/%s.md", dev->id);
		if (!kolm_ctx_data(ctx, rel, &len))
			snprintf(rel, sizeof rel, "data/quickstarts/_generic.md");
	}
	const uint8_t *tpl = kolm_ctx_data(ctx, rel, &len);
	struct kolm_buf text = {0};
	if (!tpl)
		rc = kolm_err_set(err, KOLM_E_FORMAT, "no template '%s'", rel);
	else
		rc = render(ctx, (const char *)tpl, len, vars, 0, &text, rel, err);
	if (rc) {
		free(text.p);
	} else if (f.fit.verdict == KOLM_FIT_OVER) {
		/* a guide for a pick that cannot run says so first, and the
		 * caller exits 1 as for a missed gate */
		struct kolm_buf over = {0};
		char line[1024], dn[160];
		int n = snprintf(line, sizeof line,
				 "> **Does not fit:** %s at %s needs %.2f GB, and %s has %.2f GB usable (forecast verdict "
				 "\"over\"). The commands below are what it would take, but the model will not run there: "
				 "pick a smaller format or base (`kolm plan --device %s --best`)%s.\n\n",
				 f.source.name, f.format.fmt->label, (double)f.memory.total / GB,
				 kolm_device_name(&f.device, dn, sizeof dn),
				 (double)f.memory.usable / GB, dev->id,
				 strcmp(dev->mem_kind, "vram") ? "" : ", or split it with `--offload auto`");
		kolm_buf_add(&over, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0);
		kolm_buf_add(&over, text.p, strlen(text.p));
		free(text.p);
		if (over.oom) {
			free(over.p);
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		} else {
			*md = over.p;
			rc = kolm_err_set(err, KOLM_E_NO, "quickstart: %s at %s does not fit %s (%.2f GB needed, %.2f GB usable)",
					  f.source.id, f.format.fmt->id, dev->id, (double)f.memory.total / GB,
					  (double)f.memory.usable / GB);
		}
	} else {
		*md = text.p;
	}
out:
	json_decref(vars);
	kolm_forecast_release(&f);
	kolm_forecast_release(&probe);
	return rc;
}
