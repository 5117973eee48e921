/* pack.c - `kolm pack`: a Hugging Face directory + an eval pack -> a .kolm
 * (artifact.h).  Every member is hashed before the manifest is written,
 * so kolm.json can go first; the tar is written atomically. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/eval.h"
#include "kolm/export.h"
#include "kolm/model.h"
#include "kolm/version.h"
#include "sign_internal.h"

enum { MAX_FILES = 512 };

struct pfile {
	char *name;    /* member name */
	char *path;    /* on disk */
	struct kolm_map map;
	char sha[65];
};

static int add(struct pfile *f, int *n, const char *dir, const char *name, const char *path)
{
	if (*n >= MAX_FILES)
		return -1;
	char buf[4200];
	if (!path) {
		snprintf(buf, sizeof buf, "%s/%s", dir, name);
		path = buf;
	}
	for (int i = 0; i < *n; i++)
		if (!strcmp(f[i].name, name))
			return 0;
	f[*n].name = kolm_strdup(name);
	f[*n].path = kolm_strdup(path);
	f[*n].map.fd = -1;
	f[*n].map.data = NULL;
	(*n)++;
	return f[*n - 1].name && f[*n - 1].path ? 0 : -1;
}

static int exists(const char *dir, const char *name)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *fp = fopen(p, "rb");
	if (fp)
		fclose(fp);
	return fp != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* weights: the index and its shards (sorted), or the single .safetensors */
static int add_weights(struct pfile *f, int *n, const char *dir, struct kolm_err *err)
{
	if (exists(dir, "model.safetensors.index.json")) {
		char p[4200];
		snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
		json_error_t je;
		json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
		json_t *wm = json_object_get(j, "weight_map");
		if (!json_is_object(wm)) {
			json_decref(j);
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: no weight_map", p);
		}
		const char *names[MAX_FILES];
		int k = 0;
		const char *key;
		json_t *v;
		json_object_foreach(wm, key, v)
		{
			const char *s = json_string_value(v);
			int seen = 0;
			for (int i = 0; i < k; i++)
				if (s && !strcmp(names[i], s))
					seen = 1;
			if (s && !seen && k < MAX_FILES)
				names[k++] = s;
		}
		qsort(names, (size_t)k, sizeof names[0], cmp_str);
		int rc = add(f, n, dir, "model.safetensors.index.json", NULL);
		for (int i = 0; i < k && !rc; i++)
			rc = strchr(names[i], '/') ? kolm_err_set(err, KOLM_E_FORMAT, "%s: shard %s is not in the directory", p, names[i])
						   : add(f, n, dir, names[i], NULL);
		json_decref(j);
		return rc ? (err && err->code ? err->code : KOLM_E_NOMEM) : KOLM_OK;
	}
	DIR *d = opendir(dir);
	if (!d)
		return kolm_err_set(err, KOLM_E_IO, "%s: cannot list the directory", dir);
	struct dirent *de;
	char found[256] = "";
	int cnt = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 12 && l < sizeof found && !strcmp(de->d_name + l - 12, ".safetensors")) {
			snprintf(found, sizeof found, "%s", de->d_name);
			cnt++;
		}
	}
	closedir(d);
	if (cnt != 1)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: %s", dir,
				    cnt ? "several .safetensors files and no model.safetensors.index.json" : "no .safetensors file");
	return add(f, n, dir, found, NULL) ? kolm_err_set(err, KOLM_E_NOMEM, "out of memory") : KOLM_OK;
}

static long long cfg_i(const json_t *c, const char *k)
{
	json_t *v = json_object_get(c, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* a catalog base whose published config has the same shape */
static const char *match_base(struct kolm_ctx *ctx, const json_t *cfg)
{
	static const char *keys[] = {"hidden_size", "num_hidden_layers", "vocab_size", "intermediate_size",
				     "num_attention_heads", "num_key_value_heads"};
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	const char *mt = json_string_value(json_object_get(cfg, "model_type"));
	for (int i = 0; i < cat->n_bases; i++) {
		const json_t *bc = cat->bases[i].config;
		const char *bmt = json_string_value(json_object_get(bc, "model_type"));
		if (!mt || !bmt || strcmp(mt, bmt))
			continue;
		int same = 1;
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (cfg_i(cfg, keys[k]) != cfg_i(bc, keys[k]))
				same = 0;
		if (same)
			return cat->bases[i].id;
	}
	return NULL;
}

static int measure_f16_k(struct kolm_ctx *ctx, const struct kolm_pack_opts *o, const char *pack, uint64_t len,
			 double *k, struct kolm_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char dir[300], gguf[340], rec[360];
	snprintf(dir, sizeof dir, "%s/kolm-pack-k-XXXXXX", tmp && *tmp && strlen(tmp) < 240 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return kolm_err_set(err, KOLM_E_IO, "pack: cannot make a temporary directory to measure K");
	snprintf(gguf, sizeof gguf, "%s/f16.gguf", dir);
	snprintf(rec, sizeof rec, "%s.receipt.json", gguf);
	struct kolm_export_opts eo = {0};
	eo.hf_dir = o->hf_dir;
	eo.format = "f16";
	eo.out_path = gguf;
	eo.threads = o->threads;
	eo.min_k = -1;
	int rc = kolm_export_gguf(ctx, &eo, NULL, err);
	if (!rc)
		rc = kolm_eval_k_file(gguf, pack, (size_t)len, o->threads, k, NULL, err);
	if (rc)
		kolm_err_prefix(err, "pack: measuring the fp16 K-score");
	remove(gguf);
	remove(rec);
	rmdir(dir);
	return rc;
}

int kolm_pack(struct kolm_ctx *ctx, const struct kolm_pack_opts *o, json_t **manifest_out, struct kolm_err *err)
{
	if (!o->hf_dir || !o->evalpack || !o->out_path)
		return kolm_err_set(err, KOLM_E_USAGE, "pack: needs a directory, --evalpack FILE and -o X.kolm");
	double gate = o->min_k >= 0 ? o->min_k : KOLM_DEFAULT_GATE;
	if (gate > 1 || (o->k_score > 1))
		return kolm_err_set(err, KOLM_E_USAGE, "pack: K-scores and the gate are shares in [0, 1]");
	if (o->k_score >= 0 && o->k_score < gate)
		return kolm_err_set(err, KOLM_E_NO,
				    "pack: K-score %.3f is below the gate %.2f; the compile gate refuses it (--min-k %.3f lowers "
				    "the gate, and the manifest records the lower gate)",
				    o->k_score, gate, o->k_score);
	kolm_out_clean_stale(o->out_path);
	struct pfile *f = calloc(MAX_FILES, sizeof *f);
	if (!f)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int n = 0, rc = KOLM_OK;
	struct kolm_model m = {0};
	json_t *man = NULL, *cfg = NULL;
	char *mtext = NULL;
	struct kolm_file_view *views = NULL;
	/* the directory must be exportable: config + checkpoint read and mapped */
	if ((rc = kolm_model_from_path(&m, ctx, o->hf_dir, err)))
		goto out;
	static const char *tok[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
				    "special_tokens_map.json", "generation_config.json", "added_tokens.json"};
	add(f, &n, o->hf_dir, "config.json", NULL);
	int have_tok = 0;
	for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++) {
		if (exists(o->hf_dir, tok[i])) {
			add(f, &n, o->hf_dir, tok[i], NULL);
			have_tok |= i < 2;
		}
	}
	if (!have_tok) {
		rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: no tokenizer.json or tokenizer.model", o->hf_dir);
		goto out;
	}
	add(f, &n, o->hf_dir, "evalpack.jsonl", o->evalpack);
	if ((rc = add_weights(f, &n, o->hf_dir, err)))
		goto out;
	for (int i = 0; i < n; i++) {
		if ((rc = kolm_map_open(&f[i].map, f[i].path, err)))
			goto out;
		kolm_sha256_hex_range(f[i].map.data, f[i].map.size, f[i].sha);
	}
	int64_t items = 0;
	struct kolm_map *ev = NULL;
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].name, "evalpack.jsonl"))
			ev = &f[i].map;
	if ((rc = kolm_evalpack_check(ev->data ? ev->data : (const uint8_t *)"", ev->size, o->evalpack, &items, err)))
		goto out;
	/* the fp16 reference K: the checkpoint exported to a temporary F16 GGUF,
	 * the eval pack run on it with kolm's engine */
	double k_value = o->k_score;
	const char *k_source = "declared";
	char k_method[256] = "declared with kolm pack --k-score; not measured by kolm";
	if (k_value < 0 && !o->no_measure && kolm_engine_supports_arch(m.hp.arch)) {
		if ((rc = measure_f16_k(ctx, o, (const char *)ev->data, ev->size, &k_value, err)))
			goto out;
		k_source = "measured";
		snprintf(k_method, sizeof k_method,
			 "kolm eval: greedy on evalpack.jsonl (%lld items), F16 GGUF of the checkpoint, kolm's engine",
			 (long long)items);
		if (k_value < gate) {
			rc = kolm_err_set(err, KOLM_E_NO,
					  "pack: measured K-score %.3f is below the gate %.2f; the compile gate refuses it (--min-k "
					  "%.3f lowers the gate, and the manifest records the lower gate)",
					  k_value, gate, k_value);
			goto out;
		}
	}
	cfg = json_loadb((const char *)f[0].map.data, (size_t)f[0].map.size, 0, NULL);
	const char *base = "custom";
	if (o->base) {
		if (!kolm_catalog_base_find(ctx, o->base)) {
			rc = kolm_err_set(err, KOLM_E_NOTFOUND, "unknown base '%s' (see 'kolm bases')", o->base);
			goto out;
		}
		base = o->base;
	} else if (cfg) {
		const char *b = match_base(ctx, cfg);
		if (b)
			base = b;
	}
	const char *name = o->name;
	char nbuf[256];
	if (!name) {
		kolm_strlcpy(nbuf, o->hf_dir, sizeof nbuf);
		size_t l = strlen(nbuf);
		while (l > 1 && nbuf[l - 1] == '/')
			nbuf[--l] = '\0';
		const char *s = strrchr(nbuf, '/');
		name = s ? s + 1 : nbuf;
	}
	char created[32];
	time_t now = o->created > 0 ? (time_t)o->created : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *members = json_array();
	const char *evsha = "";
	for (int i = 0; i < n; i++) {
		json_array_append_new(members, json_pack("{s:s,s:I,s:s}", "name", f[i].name, "size", (json_int_t)f[i].map.size,
							 "sha256", f[i].sha));
		if (!strcmp(f[i].name, "evalpack.jsonl"))
			evsha = f[i].sha;
	}
	json_t *k = k_value >= 0 ? json_pack("{s:f,s:s,s:s}", "value", k_value, "source", k_source, "method", k_method)
				 : json_null();
	man = json_pack("{s:s,s:s,s:s,s:s,s:o,s:{s:s,s:s,s:I},s:o,s:f,s:s,s:s}", "schema", KOLM_ARTIFACT_SCHEMA, "name", name,
			"base", base, "architecture", m.hp.arch, "members", members, "evalpack", "member", "evalpack.jsonl",
			"sha256", evsha, "items", (json_int_t)items, "k_score", k, "gate", gate, "created", created, "tool",
			"kolm " KOLM_VERSION);
	char why[512];
	if (!man || kolm_manifest_check(man, why, sizeof why)) {
		rc = kolm_err_set(err, KOLM_E_FORMAT, "pack: %s", man ? why : "cannot build the manifest");
		goto out;
	}
	char *dumped = json_dumps(man, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!dumped || !(mtext = malloc(strlen(dumped) + 2))) {
		free(dumped);
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	sprintf(mtext, "%s\n", dumped);
	free(dumped);
	uint8_t sig[64];
	if (o->sign_key && (rc = kolm_sig_make(o->sign_key, (const uint8_t *)mtext, strlen(mtext), sig, err)))
		goto out;
	views = calloc((size_t)n + 2, sizeof *views);
	if (!views) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	int nv = 0;
	views[nv++] = (struct kolm_file_view){"kolm.json", (const uint8_t *)mtext, strlen(mtext)};
	for (int i = 0; i < n; i++)
		views[nv++] = (struct kolm_file_view){f[i].name, f[i].map.data, f[i].map.size};
	if (o->sign_key)
		views[nv++] = (struct kolm_file_view){"kolm.sig", sig, 64};
	if ((rc = kolm_artifact_write(o->out_path, views, nv, (int64_t)now, err)))
		goto out;
	if (manifest_out) {
		*manifest_out = man;
		man = NULL;
	}
out:
	for (int i = 0; i < n; i++) {
		kolm_map_close(&f[i].map);
		free(f[i].name);
		free(f[i].path);
	}
	free(f);
	free(views);
	free(mtext);
	json_decref(man);
	json_decref(cfg);
	kolm_model_release(&m);
	return rc;
}
