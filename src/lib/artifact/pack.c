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
	int borrowed;  /* map.data is the built-in eval pack, not a mapping */
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
	/* under the per-user temp directory: a killed run's f16.gguf is removed
	 * by the next run's kolm_tmpdir_make */
	char dir[4200], gguf[4300];
	int rc = kolm_tmpdir_make(dir, sizeof dir, "kolm-pack-k", err);
	if (rc)
		return kolm_err_prefix(err, "pack: cannot make a temporary directory to measure K");
	snprintf(gguf, sizeof gguf, "%s/f16.gguf", dir);
	struct kolm_export_opts eo = {0};
	eo.hf_dir = o->hf_dir;
	eo.format = "f16";
	eo.out_path = gguf;
	eo.threads = o->threads;
	eo.min_k = -1;
	eo.no_receipt = 1;
	rc = kolm_export_gguf(ctx, &eo, NULL, err);
	if (!rc)
		rc = kolm_eval_k_file_progress(gguf, pack, (size_t)len, o->threads, k, NULL, o->k_progress,
					       o->k_progress_user, err);
	if (rc)
		kolm_err_prefix(err, "pack: measuring the fp16 K-score");
	kolm_tmpdir_remove(dir);
	return rc;
}

/* One pack in flight: the member files (mapped and hashed), the model read
 * from them, what the manifest says of them; released by pack_release. */
struct pack {
	const struct kolm_pack_opts *o;
	struct pfile *f;
	int n;
	struct kolm_model m;
	const struct kolm_map *ev;    /* evalpack.jsonl's member */
	int64_t items;
	double gate, k_value;
	const char *k_source;
	char k_method[256];
	time_t now;                   /* the manifest's "created", the tar's mtimes */
	json_t *man, *cfg;
	char *mtext;                  /* the manifest as written, with its newline */
};

/* The directory must be exportable (config + checkpoint read and mapped);
 * its config, tokenizer files, the eval pack and the weights, each mapped
 * and hashed; the eval pack checked. */
static int pack_collect(struct kolm_ctx *ctx, struct pack *p, struct kolm_err *err)
{
	const struct kolm_pack_opts *o = p->o;
	int rc;
	if ((rc = kolm_model_from_path(&p->m, o->hf_dir, err)))
		return rc;
	static const char *tok[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
				    "special_tokens_map.json", "generation_config.json", "added_tokens.json"};
	add(p->f, &p->n, o->hf_dir, "config.json", NULL);
	int have_tok = 0;
	for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++) {
		if (exists(o->hf_dir, tok[i])) {
			add(p->f, &p->n, o->hf_dir, tok[i], NULL);
			have_tok |= i < 2;
		}
	}
	if (!have_tok)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: no tokenizer.json or tokenizer.model", o->hf_dir);
	/* the user's eval pack, else the built-in one (data/evalpack.jsonl) */
	const uint8_t *builtin = NULL;
	size_t builtin_len = 0;
	if (!o->evalpack && !(builtin = kolm_ctx_data(ctx, KOLM_BUILTIN_EVALPACK, &builtin_len)))
		return kolm_err_set(err, KOLM_E_IO, "pack: the built-in eval pack %s is missing", KOLM_BUILTIN_EVALPACK);
	add(p->f, &p->n, o->hf_dir, "evalpack.jsonl", o->evalpack ? o->evalpack : KOLM_BUILTIN_EVALPACK);
	if (builtin)
		p->f[p->n - 1].borrowed = 1;
	if ((rc = add_weights(p->f, &p->n, o->hf_dir, err)))
		return rc;
	for (int i = 0; i < p->n; i++) {
		if (p->f[i].borrowed)
			p->f[i].map = (struct kolm_map){builtin_len ? builtin : NULL, builtin_len, -1};
		else if ((rc = kolm_map_open(&p->f[i].map, p->f[i].path, err)))
			return rc;
		if ((rc = kolm_sha256_hex_range(p->f[i].map.data, p->f[i].map.size, p->f[i].sha, err)))
			return kolm_err_prefix(err, "pack: %s", p->f[i].name);
	}
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->f[i].name, "evalpack.jsonl"))
			p->ev = &p->f[i].map;
	return kolm_evalpack_check(p->ev->data ? p->ev->data : (const uint8_t *)"", p->ev->size,
				   o->evalpack ? o->evalpack : KOLM_BUILTIN_EVALPACK, &p->items, err);
}

/* The fp16 reference K: declared, or the checkpoint exported to a
 * temporary F16 GGUF and the eval pack run on it with kolm's engine; below
 * the gate the compile gate refuses the pack. */
static int pack_k(struct kolm_ctx *ctx, struct pack *p, struct kolm_err *err)
{
	const struct kolm_pack_opts *o = p->o;
	p->k_value = o->k_score;
	p->k_source = "declared";
	snprintf(p->k_method, sizeof p->k_method, "declared with kolm pack --k-score; not measured by kolm");
	if (p->k_value < 0 && !o->no_measure && kolm_engine_supports_arch(p->m.hp.arch)) {
		int rc = measure_f16_k(ctx, o, (const char *)p->ev->data, p->ev->size, &p->k_value, err);
		if (rc)
			return rc;
		p->k_source = "measured";
		snprintf(p->k_method, sizeof p->k_method,
			 "kolm eval: greedy on evalpack.jsonl (%lld items), F16 GGUF of the checkpoint, kolm's engine",
			 (long long)p->items);
		if (p->k_value < p->gate)
			return kolm_err_set(err, KOLM_E_NO,
					    "pack: measured K-score %.3f is below the gate %.2f; the compile gate refuses it (--min-k "
					    "%.3f lowers the gate, and the manifest records the lower gate)",
					    p->k_value, p->gate, p->k_value);
	}
	return KOLM_OK;
}

/* The base: the one asked for, else a catalog base of the same shape, else
 * "custom". */
static int pack_base(struct kolm_ctx *ctx, struct pack *p, const char **base, struct kolm_err *err)
{
	const struct kolm_pack_opts *o = p->o;
	p->cfg = json_loadb((const char *)p->f[0].map.data, (size_t)p->f[0].map.size, 0, NULL);
	*base = "custom";
	if (o->base) {
		if (!kolm_catalog_base_find(ctx, o->base))
			return kolm_err_set(err, KOLM_E_NOTFOUND, "unknown base '%s' (see 'kolm bases')", o->base);
		*base = o->base;
	} else if (p->cfg) {
		const char *b = match_base(ctx, p->cfg);
		if (b)
			*base = b;
	}
	return KOLM_OK;
}

/* kolm.json: what the artifact is, every member's size and hash, the eval
 * pack, the K-score and the gate; checked against the schema. */
static int pack_manifest(struct kolm_ctx *ctx, struct pack *p, struct kolm_err *err)
{
	const struct kolm_pack_opts *o = p->o;
	const char *base;
	int rc = pack_base(ctx, p, &base, err);
	if (rc)
		return rc;
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
	p->now = o->created > 0 ? (time_t)o->created : time(NULL);
	struct tm tm;
	gmtime_r(&p->now, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *members = json_array();
	const char *evsha = "";
	for (int i = 0; i < p->n; i++) {
		json_array_append_new(members, json_pack("{s:s,s:I,s:s}", "name", p->f[i].name, "size",
							 (json_int_t)p->f[i].map.size, "sha256", p->f[i].sha));
		if (!strcmp(p->f[i].name, "evalpack.jsonl"))
			evsha = p->f[i].sha;
	}
	json_t *k = p->k_value >= 0 ? json_pack("{s:f,s:s,s:s}", "value", p->k_value, "source", p->k_source, "method",
						p->k_method)
				    : json_null();
	p->man = json_pack("{s:s,s:s,s:s,s:s,s:o,s:{s:s,s:s,s:I},s:o,s:f,s:s,s:s}", "schema", KOLM_ARTIFACT_SCHEMA,
			   "name", name, "base", base, "architecture", p->m.hp.arch, "members", members, "evalpack",
			   "member", "evalpack.jsonl", "sha256", evsha, "items", (json_int_t)p->items, "k_score", k, "gate",
			   p->gate, "created", created, "tool", "kolm " KOLM_VERSION);
	char why[512];
	if (!p->man || kolm_manifest_check(p->man, why, sizeof why))
		return kolm_err_set(err, KOLM_E_FORMAT, "pack: %s", p->man ? why : "cannot build the manifest");
	return KOLM_OK;
}

/* The tar, atomically: kolm.json first, the members, kolm.sig last when
 * signing. */
static int pack_write(struct pack *p, struct kolm_err *err)
{
	const struct kolm_pack_opts *o = p->o;
	char *dumped = json_dumps(p->man, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!dumped || !(p->mtext = malloc(strlen(dumped) + 2))) {
		free(dumped);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	sprintf(p->mtext, "%s\n", dumped);
	free(dumped);
	uint8_t sig[64];
	int rc;
	if (o->sign_key && (rc = kolm_sig_make(o->sign_key, KOLM_KEY_PRIVATE, (const uint8_t *)p->mtext, strlen(p->mtext), sig, err)))
		return rc;
	struct kolm_file_view *views = calloc((size_t)p->n + 2, sizeof *views);
	if (!views)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int nv = 0;
	views[nv++] = (struct kolm_file_view){"kolm.json", (const uint8_t *)p->mtext, strlen(p->mtext)};
	for (int i = 0; i < p->n; i++)
		views[nv++] = (struct kolm_file_view){p->f[i].name, p->f[i].map.data, p->f[i].map.size};
	if (o->sign_key)
		views[nv++] = (struct kolm_file_view){"kolm.sig", sig, 64};
	rc = kolm_artifact_write(o->out_path, views, nv, (int64_t)p->now, err);
	free(views);
	return rc;
}

static void pack_release(struct pack *p)
{
	for (int i = 0; i < p->n; i++) {
		if (!p->f[i].borrowed)
			kolm_map_close(&p->f[i].map);
		free(p->f[i].name);
		free(p->f[i].path);
	}
	free(p->f);
	free(p->mtext);
	json_decref(p->man);
	json_decref(p->cfg);
	kolm_model_release(&p->m);
}

int kolm_pack(struct kolm_ctx *ctx, const struct kolm_pack_opts *o, json_t **manifest_out, struct kolm_err *err)
{
	if (!o->hf_dir || !o->out_path)
		return kolm_err_set(err, KOLM_E_USAGE, "pack: needs a directory and -o X.kolm");
	/* the built-in pack measures drift from the fp16 reference, not fitness
	 * for the user's task: no compile gate unless --min-k asks for one */
	double gate = o->min_k >= 0 ? o->min_k : o->evalpack ? KOLM_DEFAULT_GATE : 0;
	if (gate > 1 || (o->k_score > 1))
		return kolm_err_set(err, KOLM_E_USAGE, "pack: K-scores and the gate are shares in [0, 1]");
	if (o->k_score >= 0 && o->k_score < gate)
		return kolm_err_set(err, KOLM_E_NO,
				    "pack: K-score %.3f is below the gate %.2f; the compile gate refuses it (--min-k %.3f lowers "
				    "the gate, and the manifest records the lower gate)",
				    o->k_score, gate, o->k_score);
	kolm_out_clean_stale(o->out_path);
	struct pack p = {.o = o, .gate = gate};
	p.f = calloc(MAX_FILES, sizeof *p.f);
	if (!p.f)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc;
	if (!(rc = pack_collect(ctx, &p, err)) && !(rc = pack_k(ctx, &p, err)) && !(rc = pack_manifest(ctx, &p, err)) &&
	    !(rc = pack_write(&p, err)) && manifest_out) {
		*manifest_out = p.man;
		p.man = NULL;
	}
	pack_release(&p);
	return rc;
}
