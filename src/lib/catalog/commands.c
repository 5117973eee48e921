/* commands.c - the exact commands for each transfer step, rendered from
 * data/commands.json (commands.h).  Every substituted value is shell-quoted;
 * {raw:...} fragments are built here from validated parts only. */
#include "kolm/commands.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/quantplan.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "core/json_internal.h"
#include "ctx_internal.h"

enum { NVARS = 56 };

struct vars {
	const char *name[NVARS];
	char *val[NVARS];
	int n;
};

static void var_set(struct vars *vs, const char *name, const char *val)
{
	for (int i = 0; i < vs->n; i++) {
		if (!strcmp(vs->name[i], name)) {
			free(vs->val[i]);
			vs->val[i] = kolm_strdup(val);
			return;
		}
	}
	if (vs->n < NVARS) {
		vs->name[vs->n] = name;
		vs->val[vs->n++] = kolm_strdup(val);
	}
}

static const char *var_get(const struct vars *vs, const char *name)
{
	for (int i = 0; i < vs->n; i++)
		if (!strcmp(vs->name[i], name))
			return vs->val[i];
	return NULL;
}

static void vars_free(struct vars *vs)
{
	for (int i = 0; i < vs->n; i++)
		free(vs->val[i]);
	vs->n = 0;
}

/* One template line -> the rendered line, or NULL when a value it needs is
 * empty (the line is then dropped). *oom set on allocation failure. */
static char *render_line(const char *tpl, const struct vars *vs, int *oom)
{
	struct kolm_buf b = {0};
	for (const char *s = tpl; *s;) {
		const char *open = strchr(s, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			kolm_buf_add(&b, s, strlen(s));
			break;
		}
		kolm_buf_add(&b, s, (size_t)(open - s));
		char name[64];
		size_t nl = (size_t)(close - open - 1);
		if (nl >= sizeof name)
			nl = sizeof name - 1;
		memcpy(name, open + 1, nl);
		name[nl] = '\0';
		int raw = !strncmp(name, "raw:", 4);
		const char *v = var_get(vs, raw ? name + 4 : name);
		if (!v || (!raw && !*v)) {
			free(b.p);
			return NULL;
		}
		if (raw) {
			kolm_buf_add(&b, v, strlen(v));
		} else {
			char *q = kolm_shell_quote(v);
			if (!q) {
				b.oom = 1;
			} else {
				kolm_buf_add(&b, q, strlen(q));
				free(q);
			}
		}
		s = close + 1;
	}
	if (b.oom) {
		free(b.p);
		*oom = 1;
		return NULL;
	}
	return b.p ? b.p : kolm_strdup("");
}

/* Render an array of lines; joined by newlines. NULL if no line survives. */
static char *render_lines(json_t *arr, const struct vars *vs, int *oom)
{
	struct kolm_buf b = {0};
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		if (!json_is_string(x))
			continue;
		char *line = render_line(json_string_value(x), vs, oom);
		if (!line)
			continue;
		if (b.len)
			kolm_buf_add(&b, "\n", 1);
		kolm_buf_add(&b, line, strlen(line));
		free(line);
	}
	if (b.oom) {
		*oom = 1;
		free(b.p);
		return NULL;
	}
	return b.p;
}

static int is_dir_format(const struct kolm_format *f)
{
	return !strcmp(f->ext, "mlx") || !strcmp(f->ext, "onnx") || !strcmp(f->ext, "engine");
}

int kolm_commands_file_name(const struct kolm_cmd_vars *v, char *buf, size_t cap)
{
	if (v->gguf_as_stored && v->source) {
		const char *b = strrchr(v->source, '/');
		return kolm_strlcpy(buf, b ? b + 1 : v->source, cap) ? -1 : 0;
	}
	int n = is_dir_format(v->format) ? snprintf(buf, cap, "%s-%s", v->base_id, v->format->id)
					 : snprintf(buf, cap, "%s-%s.%s", v->base_id, v->format->id, v->format->ext);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* dir/name (one slash however dir ends); an over-long result is cut (paths
 * this long are refused later by the OS) */
static int join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	int n = dl == 1 && dir[0] == '/' ? snprintf(out, cap, "/%s", name)
					 : snprintf(out, cap, "%.*s/%s", (int)dl, dir, name);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The source as the user gave it ({source_arg}) and the Hugging Face
 * checkpoint the upstream toolchains read ({hf_repo}, {hf_dir}). */
static int vars_source(struct vars *vs, const struct kolm_cmd_vars *v, const char *sk, struct kolm_err *err)
{
	char arg[8192];
	char *qs = kolm_shell_quote(v->source ? v->source : v->base_id);
	if (!qs)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int sn;
	if (!strcmp(sk, "artifact"))
		sn = snprintf(arg, sizeof arg, "%s", qs);
	else if (!strcmp(sk, "config"))
		sn = snprintf(arg, sizeof arg, "--config %s", qs);
	else if (!strcmp(sk, "model"))
		sn = snprintf(arg, sizeof arg, "--from-dir %s", qs);
	else
		sn = snprintf(arg, sizeof arg, "--base %s", qs);
	free(qs);
	if (sn < 0 || (size_t)sn >= sizeof arg)
		return kolm_err_set(err, KOLM_E_USAGE, "source path too long");
	var_set(vs, "source_arg", arg);
	const char *repo = v->hf_repo;
	char hf_dir[1024] = "";
	if (!strcmp(sk, "model") && v->source && !ends_with(v->source, ".gguf")) {
		kolm_strlcpy(hf_dir, v->source, sizeof hf_dir);
	} else if (!strcmp(sk, "config") && v->source) {
		kolm_strlcpy(hf_dir, v->source, sizeof hf_dir);
		char *slash = strrchr(hf_dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(hf_dir, ".");
	} else if (repo) {
		const char *b = strrchr(repo, '/');
		kolm_strlcpy(hf_dir, b ? b + 1 : repo, sizeof hf_dir);
	}
	/* a .kolm's checkpoint: the directory kolm export unpacks it into
	 * (ckpt_dir), or a name the note before the upstream lines explains */
	if (!strcmp(sk, "artifact") && !hf_dir[0])
		kolm_strlcpy(hf_dir, "checkpoint", sizeof hf_dir);
	if (v->ckpt_dir)
		kolm_strlcpy(hf_dir, v->ckpt_dir, sizeof hf_dir);
	var_set(vs, "hf_repo", repo ? repo : hf_dir);
	var_set(vs, "hf_dir", hf_dir);
	return KOLM_OK;
}

/* What the upstream converters take: llama.cpp's F16 intermediate and file
 * type name, MLX bits and group, ONNX Runtime's precision and execution
 * provider, Core ML's script, TensorRT-LLM's qformat. */
static void vars_upstream(struct vars *vs, json_t *t, const struct kolm_cmd_vars *v, const char *out_dir)
{
	char path[8192], tmp[1024], model[8192];
	const struct kolm_format *f = v->format;
	snprintf(tmp, sizeof tmp, "%s-f16.gguf", v->base_id);
	join(path, sizeof path, out_dir, tmp);
	var_set(vs, "f16_path", path);
	const struct kolm_ftype_info *fi = f->ftype >= 0 ? kolm_ftype_info(f->ftype) : NULL;
	var_set(vs, "ftype_name", fi ? fi->name : "");
	var_set(vs, "outtype", f->id);
	snprintf(tmp, sizeof tmp, "%d", f->bits);
	var_set(vs, "bits", tmp);
	snprintf(tmp, sizeof tmp, "%d", f->group);
	var_set(vs, "group", tmp);
	var_set(vs, "ort_precision", f->bits >= 16 ? "fp16" : f->bits == 8 ? "int8" : "int4");
	var_set(vs, "ort_ep", v->runtime && strstr(v->runtime, "cuda") ? "cuda" : "cpu");
	/* the builder's download/scratch cache (default ./cache_dir), kept
	 * inside the checkpoint directory it reads */
	const char *hd = var_get(vs, "hf_dir");
	join(path, sizeof path, hd && *hd ? hd : ".", ".ort-cache");
	var_set(vs, "ort_cache", path);
	snprintf(tmp, sizeof tmp, "%s-coreml-fp16", v->base_id);
	join(path, sizeof path, out_dir, tmp);
	var_set(vs, "coreml_fp16", path);
	if (snprintf(model, sizeof model, "%s/Model.mlpackage", path) >= (int)sizeof model)
		model[0] = '\0';
	var_set(vs, "coreml_fp16_model", model);
	json_t *cpy = json_object_get(t, "coreml_py");
	var_set(vs, "coreml_extra", "");
	if (strstr(f->id, "int8"))
		var_set(vs, "coreml_py", kolm_json_str(cpy, "int8"));
	else if (strstr(f->id, "int4"))
		var_set(vs, "coreml_py", kolm_json_str(cpy, "int4"));
	else {
		var_set(vs, "coreml_py", kolm_json_str(cpy, "palettize"));
		snprintf(tmp, sizeof tmp, " %d", f->bits);
		var_set(vs, "coreml_extra", tmp);
	}
	var_set(vs, "qformat", strstr(f->id, "awq") ? "int4_awq" : strstr(f->id, "fp8") ? "fp8" : strstr(f->id, "int8") ? "int8_wo" : "full_prec");
}

/* How the file reaches the device, where it lands and how it runs there.
 * Returns the key of the transfer template: adb, ios, local, rsync_dir,
 * rsync or scp.  over: the rsync threshold in bytes (KOLM_RSYNC_OVER_BYTES),
 * or -1 for data/commands.json's rsync_over_bytes. */
static const char *vars_device(struct vars *vs, json_t *t, const struct kolm_cmd_vars *v, const char *file,
			       double over)
{
	char tmp[1024], target[256];
	const char *tr = v->device->transfer ? v->device->transfer : "scp";
	const char *colon = v->ssh ? strchr(v->ssh, ':') : NULL;
	if (v->ssh)
		snprintf(target, sizeof target, "%.*s", colon ? (int)(colon - v->ssh) : (int)strlen(v->ssh), v->ssh);
	else
		snprintf(target, sizeof target, "%s@%s", v->device->user ? v->device->user : "user",
			 v->device->host ? v->device->host : "device.local");
	var_set(vs, "target", target);
	/* a port other than 22: each tool's own flag (ssh -p, scp -P, rsync -e) */
	const char *port = colon ? colon + 1 : "";
	snprintf(tmp, sizeof tmp, "%s%s", *port ? " -p " : "", port);
	var_set(vs, "ssh_port", tmp);
	snprintf(tmp, sizeof tmp, "%s%s", *port ? " -P " : "", port);
	var_set(vs, "scp_port", tmp);
	if (*port)
		snprintf(tmp, sizeof tmp, " -e 'ssh -p %s'", port);
	else
		tmp[0] = '\0';
	var_set(vs, "rsync_ssh", tmp);
	json_t *ios = json_object_get(t, "ios");
	var_set(vs, "ios_device", kolm_json_str(ios, "device"));
	var_set(vs, "ios_bundle", kolm_json_str(ios, "bundle"));
	snprintf(tmp, sizeof tmp, "Documents/%s", file);
	var_set(vs, "ios_dest", tmp);
	const char *tkey;
	if (!strcmp(tr, "adb")) {
		tkey = "adb";
		snprintf(tmp, sizeof tmp, "/data/local/tmp/%s", file);
	} else if (!strcmp(tr, "ios")) {
		tkey = "ios";
		snprintf(tmp, sizeof tmp, "Documents/%s", file);
	} else if (!strcmp(tr, "local")) {
		tkey = "local";
		snprintf(tmp, sizeof tmp, "models/%s", file);
	} else {
		double limit = over >= 0 ? over : json_number_value(json_object_get(t, "rsync_over_bytes"));
		tkey = is_dir_format(v->format) || !strcmp(v->format->ext, "mlpackage") ? "rsync_dir"
		       : (double)v->file_bytes > limit                                    ? "rsync"
											 : "scp";
		snprintf(tmp, sizeof tmp, "models/%s", file);
	}
	var_set(vs, "remote_path", tmp);
	snprintf(tmp, sizeof tmp, "%lld", (long long)(v->ctx > 0 ? v->ctx : 4096));
	var_set(vs, "ctx", tmp);
	const char *rt = v->runtime ? v->runtime : "llama.cpp-cpu";
	if (!strncmp(rt, "llama.cpp-", 10) && strcmp(rt, "llama.cpp-cpu")) {
		if (v->gpu_layers >= 0)
			snprintf(tmp, sizeof tmp, " -ngl %d", v->gpu_layers);
		else
			snprintf(tmp, sizeof tmp, " -ngl 99");
	} else {
		tmp[0] = '\0';
	}
	var_set(vs, "ngl_flags", tmp);
	if (v->kv_type && strcmp(v->kv_type, "f16")) {
		/* a quantized V cache needs flash attention in llama.cpp */
		snprintf(tmp, sizeof tmp, " -fa on -ctk %s -ctv %s", v->kv_type, v->kv_type);
		var_set(vs, "kv_flags", tmp);
	} else {
		var_set(vs, "kv_flags", "");
	}
	return tkey;
}

/* --tensor-type NAME=TYPE for each override, so the printed export makes
 * the file the forecast is for. */
static void vars_overrides(struct vars *vs, const struct kolm_cmd_vars *v, int *oom)
{
	struct kolm_buf b = {0};
	for (int i = 0; i < v->n_overrides; i++) {
		char kv[128];
		snprintf(kv, sizeof kv, "%s=%s", v->overrides[i].pattern, kolm_type_name(v->overrides[i].type));
		for (char *c = strchr(kv, '='); c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		char *q = kolm_shell_quote(kv);
		if (!q) {
			*oom = 1;
			break;
		}
		kolm_buf_add(&b, " --tensor-type ", 15);
		kolm_buf_add(&b, q, strlen(q));
		free(q);
	}
	if (b.oom)
		*oom = 1;
	var_set(vs, "tt_flags", b.p ? b.p : "");
	free(b.p);
}

/* An export made by its upstream toolchain (ONNX, Core ML, TensorRT-LLM):
 * kolm verify binds it by NAME.receipt.json, which lists every file's
 * SHA-256 (signed with kolm export --sign); GGUF and MLX are kolm's own. */
static int has_dir_receipt(const char *be)
{
	return strcmp(be, "gguf") && strcmp(be, "mlx");
}

/* The .kolm the steps pack or read, and the removable medium. */
static void vars_artifact(struct vars *vs, json_t *t, const struct kolm_cmd_vars *v, const char *sk)
{
	char tmp[1024];
	if (!strcmp(sk, "artifact") && v->source) {
		var_set(vs, "artifact", v->source);
	} else {
		snprintf(tmp, sizeof tmp, "%s.kolm", v->base_id);
		var_set(vs, "artifact", tmp);
	}
	const char *an = var_get(vs, "artifact"), *aslash = an ? strrchr(an, '/') : NULL;
	var_set(vs, "artifact_name", aslash ? aslash + 1 : an ? an : "");
	var_set(vs, "media", kolm_json_str(json_object_get(t, "airgap"), "media"));
	/* the air-gapped GGUF export signs its receipt, so verify on the
	 * target binds it by hashing instead of exporting it again there */
	const char *be = v->backend ? v->backend : v->format->backend;
	var_set(vs, "airgap_sign", !strcmp(be, "gguf") || has_dir_receipt(be) ? " --sign kolm-signing.key" : "");
}

static int is_gguf_source(const struct kolm_cmd_vars *v, const char *sk)
{
	return !strcmp(sk, "model") && v->source && ends_with(v->source, ".gguf");
}

/* A GGUF the user already has, re-quantized by TOOL (kolm quantize, or
 * llama-quantize, whose argument order it shares): its --tensor-type
 * overrides, --allow-requantize for quantized tensors. */
static char *requantize_line(const char *tool, const struct kolm_cmd_vars *v, const struct vars *vs, int *oom)
{
	const struct kolm_ftype_info *fi = v->format->ftype >= 0 ? kolm_ftype_info(v->format->ftype) : NULL;
	char *a = kolm_shell_quote(v->source), *b = kolm_shell_quote(var_get(vs, "path"));
	const char *tt = var_get(vs, "tt_flags");
	struct kolm_buf line = {0};
	const char *parts[] = {tool, v->gguf_quantized ? " --allow-requantize" : "", tt ? tt : "", " ",
			       a ? a : "", " ", b ? b : "", " ", fi ? fi->name : "F16"};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		kolm_buf_add(&line, parts[i], strlen(parts[i]));
	if (!a || !b || line.oom) {
		*oom = 1;
		free(line.p);
		line.p = NULL;
	}
	free(a);
	free(b);
	return line.p;
}

/* export: kolm's own command, from the .kolm; a GGUF the user already has
 * is re-quantized, not exported, and not even that when it is used as
 * stored. */
static char *step_export(json_t *t, const struct kolm_cmd_vars *v, const struct vars *vs, const char *sk, int *oom,
			 int *requantize)
{
	if (!is_gguf_source(v, sk))
		return render_lines(json_object_get(t, "export"), vs, oom);
	if (v->gguf_as_stored)
		return NULL;
	char *line = requantize_line("kolm quantize", v, vs, oom);
	*requantize = line != NULL;
	return line;
}

/* Every step from its template, each chosen by backend, runtime, source
 * kind and transfer. */
static void steps_render(json_t *t, const struct kolm_cmd_vars *v, const struct vars *vs, const char *sk,
			 const char *tkey, struct kolm_commands *o, int *oom)
{
	const char *be = v->backend ? v->backend : v->format->backend, *fid = v->format->id;
	const char *rt = v->runtime ? v->runtime : "llama.cpp-cpu";
	int gguf_src = is_gguf_source(v, sk);
	/* 0 the checkpoint, only when the user starts from a catalog base; 1a
	 * the .kolm, unless the user has one (or only a GGUF) */
	if (!strcmp(sk, "base") && v->hf_repo)
		o->download = render_lines(json_object_get(json_object_get(t, "download"), v->hf_gated ? "gated" : "public"),
					   vs, oom);
	if (strcmp(sk, "artifact") && !gguf_src)
		o->pack = render_lines(json_object_get(t, "pack"), vs, oom);
	o->export = step_export(t, v, vs, sk, oom, &o->requantize);
	const char *up = be;
	if (!strcmp(be, "gguf") && (!strcmp(fid, "f32") || !strcmp(fid, "f16") || !strcmp(fid, "bf16") || !strcmp(fid, "q8_0")))
		up = "gguf_direct";
	else if (!strcmp(be, "mlx") && v->format->bits >= 16)
		up = "mlx_fp16";
	else if (!strcmp(be, "coreml") && v->format->bits < 16)
		up = "coreml_quant";
	/* a GGUF used as stored has nothing to export, upstream either; one
	 * re-quantized is llama-quantize's, not a conversion from a checkpoint;
	 * from a .kolm, kolm export runs the upstream lines itself on the
	 * checkpoint it unpacks (ckpt_dir), and the plan says so first */
	if (gguf_src && !v->gguf_as_stored)
		o->export_upstream = requantize_line("llama-quantize", v, vs, oom);
	else if (!gguf_src)
		o->export_upstream = render_lines(json_object_get(json_object_get(t, "export_upstream"), up), vs, oom);
	if (o->export_upstream && has_dir_receipt(be) && !strcmp(sk, "artifact") && !v->ckpt_dir) {
		char *note = render_line(kolm_json_str(t, "export_upstream_artifact_note"), vs, oom);
		struct kolm_buf b = {0};
		if (note) {
			kolm_buf_add(&b, note, strlen(note));
			kolm_buf_add(&b, "\n", 1);
			kolm_buf_add(&b, o->export_upstream, strlen(o->export_upstream));
			*oom |= b.oom;
			if (!b.oom) {
				free(o->export_upstream);
				o->export_upstream = b.p;
				b.p = NULL;
			}
		}
		free(b.p);
		free(note);
	}
	o->transfer = render_lines(json_object_get(json_object_get(t, "transfer"), tkey), vs, oom);
	/* a phone has no shell of its own: ONNX Runtime runs inside an app,
	 * llama.cpp inside an iOS app or as its Android build over adb shell */
	int adb = !strcmp(tkey, "adb"), ios = !strcmp(tkey, "ios"), lcpp = !strncmp(rt, "llama.cpp", 9);
	const char *rkey = lcpp && adb	   ? "llama.cpp_adb"
			   : lcpp && ios   ? "llama.cpp_ios"
			   : lcpp	   ? "llama.cpp"
			   : !strcmp(rt, "onnxruntime") && adb ? "onnxruntime_phone"
							   : rt;
	o->run = render_lines(json_object_get(json_object_get(t, "run"), rkey), vs, oom);
	/* a GGUF the user brought has no .kolm to bind it to; every export kolm
	 * makes from the .kolm is bound: GGUF and MLX by their own stamps, the
	 * upstream toolchains' directories by their receipt */
	if (!gguf_src)
		o->verify = render_lines(json_object_get(t, "verify"), vs, oom);
	/* kolm bench and llama-bench run GGUF; kolm bench and mlx_lm.benchmark
	 * MLX directories; the rest say how to time it, as a note, and so does
	 * a runtime with its own entry (MLX inside an iOS app: no shell) */
	json_t *bt = json_object_get(t, "bench"), *brt = json_object_get(bt, lcpp && (adb || ios) ? rkey : rt);
	o->bench = render_lines(brt ? brt : json_object_get(bt, be), vs, oom);
	/* air-gapped transfer: sign, carry on removable media, verify first;
	 * it signs and verifies against a .kolm, which a GGUF alone has not */
	if (gguf_src)
		return;
	json_t *ag = json_object_get(t, "airgap");
	/* a receipt beside the export travels with it */
	const char *rs = has_dir_receipt(be) ? "_receipt" : "";
	char akey[40];
	snprintf(akey, sizeof akey, "%s%s", !strcmp(sk, "artifact") ? "source_artifact" : "source", rs);
	o->airgap_source = render_lines(json_object_get(ag, akey), vs, oom);
	snprintf(akey, sizeof akey, "%s%s", !strcmp(tkey, "adb") || !strcmp(tkey, "ios") ? "target_tethered" : "target", rs);
	o->airgap_target = render_lines(json_object_get(ag, akey), vs, oom);
}

void kolm_commands_release(struct kolm_commands *c)
{
	if (!c)
		return;
	free(c->download);
	free(c->pack);
	free(c->export);
	free(c->export_upstream);
	free(c->transfer);
	free(c->run);
	free(c->verify);
	free(c->bench);
	free(c->airgap_source);
	free(c->airgap_target);
	memset(c, 0, sizeof *c);
}

static int ssh_word(const char *s, size_t n)
{
	if (n == 0 || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) || !s[i])
			return 0;
	return 1;
}

int kolm_commands_ssh_check(const char *target, struct kolm_err *err)
{
	const char *at = strchr(target, '@');
	const char *colon = at ? strchr(at, ':') : NULL;
	size_t hl = colon ? (size_t)(colon - at - 1) : at ? strlen(at + 1) : 0;
	if (!at || !ssh_word(target, (size_t)(at - target)) || !ssh_word(at + 1, hl))
		return kolm_err_set(err, KOLM_E_USAGE,
				    "--ssh: '%s' is not USER@HOST[:PORT] (letters, digits, '.', '_', '-')", target);
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || colon[1] == '+' || colon[1] == '-' || port < 1 || port > 65535)
			return kolm_err_set(err, KOLM_E_USAGE, "--ssh: port '%s' is not 1..65535", colon + 1);
	}
	return KOLM_OK;
}

int kolm_commands_render(struct kolm_ctx *ctx, const struct kolm_cmd_vars *v, struct kolm_commands *out,
			 struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	if (v->ssh) {
		const char *tr = v->device->transfer ? v->device->transfer : "scp";
		if (kolm_commands_ssh_check(v->ssh, err))
			return KOLM_E_USAGE;
		if (!strcmp(tr, "adb") || !strcmp(tr, "ios") || !strcmp(tr, "local"))
			return kolm_err_set(err, KOLM_E_USAGE, "--ssh: %s is reached by %s, not ssh", v->device->id, tr);
	}
	json_t *t = kolm_ctx_json(ctx, "data/commands.json", err);
	if (!t)
		return err ? err->code : KOLM_E_IO;
	struct vars vs = {0};
	char file[256], path[8192];
	const char *out_dir = v->out_dir && *v->out_dir ? v->out_dir : ".";
	if (kolm_commands_file_name(v, file, sizeof file))
		return kolm_err_set(err, KOLM_E_USAGE, "export file name too long");
	if (v->gguf_as_stored && v->source)
		kolm_strlcpy(path, v->source, sizeof path);
	else
		join(path, sizeof path, out_dir, file);
	var_set(&vs, "file", file);
	var_set(&vs, "path", path);
	char rfile[300], rpath[8300];
	snprintf(rfile, sizeof rfile, "%s.receipt.json", file);
	snprintf(rpath, sizeof rpath, "%s.receipt.json", path);
	var_set(&vs, "receipt_file", rfile);
	var_set(&vs, "receipt", rpath);
	var_set(&vs, "out_dir", out_dir);
	var_set(&vs, "quant", v->format->id);
	var_set(&vs, "device", v->device->id);
	var_set(&vs, "backend", v->backend ? v->backend : v->format->backend);
	const char *sk = v->source_kind ? v->source_kind : "base";
	int rc = vars_source(&vs, v, sk, err);
	if (rc) {
		vars_free(&vs);
		return rc;
	}
	vars_upstream(&vs, t, v, out_dir);
	const char *tkey = vars_device(&vs, t, v, file, kolm_ctx_rsync_over_bytes(ctx));
	vars_artifact(&vs, t, v, sk);
	int oom = 0;
	vars_overrides(&vs, v, &oom);
	steps_render(t, v, &vs, sk, tkey, out, &oom);
	vars_free(&vs);
	if (oom) {
		kolm_commands_release(out);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	return KOLM_OK;
}
