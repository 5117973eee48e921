/* inspect.c - a model file described from its own bytes (inspect.h). */
#include "kolm/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "kolm/gguf.h"
#include "kolm/model.h"
#include "kolm/safetensors.h"
#include "kolm/artifact.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "artifact_internal.h"

static json_t *str_json(const struct kolm_gguf_str *s)
{
	return json_stringn_nocheck(s->p, (size_t)s->len);
}

static json_t *scalar_json(int t, const uint8_t *v)
{
	switch (t) {
	case KOLM_GGUF_U8: return json_integer(v[0]);
	case KOLM_GGUF_I8: return json_integer((int8_t)v[0]);
	case KOLM_GGUF_U16: { uint16_t x; memcpy(&x, v, 2); return json_integer(x); }
	case KOLM_GGUF_I16: { int16_t x; memcpy(&x, v, 2); return json_integer(x); }
	case KOLM_GGUF_U32: { uint32_t x; memcpy(&x, v, 4); return json_integer(x); }
	case KOLM_GGUF_I32: { int32_t x; memcpy(&x, v, 4); return json_integer(x); }
	case KOLM_GGUF_U64: { uint64_t x; memcpy(&x, v, 8); return json_integer((json_int_t)x); }
	case KOLM_GGUF_I64: { int64_t x; memcpy(&x, v, 8); return json_integer(x); }
	case KOLM_GGUF_F32: { float x; memcpy(&x, v, 4); return json_real(x); }
	case KOLM_GGUF_F64: { double x; memcpy(&x, v, 8); return json_real(x); }
	case KOLM_GGUF_BOOL: return json_boolean(v[0]);
	}
	return json_null();
}

static const char *vtype_name(int t)
{
	static const char *n[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
	return t >= 0 && t <= 12 ? n[t] : "?";
}

/* Metadata values: arrays of more than 16 elements are summarised. */
static json_t *kv_json(const struct kolm_gguf_kv *kv)
{
	if (kv->type == KOLM_GGUF_STRING) {
		struct kolm_gguf_str s;
		memcpy(&s.len, kv->val, 8);
		s.p = (const char *)kv->val + 8;
		if (s.len > 512) {
			char buf[96];
			snprintf(buf, sizeof buf, "[string of %llu bytes]", (unsigned long long)s.len);
			return json_string(buf);
		}
		return str_json(&s);
	}
	if (kv->type == KOLM_GGUF_ARRAY) {
		if (kv->arr_n > 16) {
			char buf[96];
			snprintf(buf, sizeof buf, "[array of %llu %s]", (unsigned long long)kv->arr_n, vtype_name(kv->arr_type));
			return json_string(buf);
		}
		json_t *a = json_array();
		for (uint64_t i = 0; i < kv->arr_n; i++) {
			if (kv->arr_type == KOLM_GGUF_STRING) {
				struct kolm_gguf_str s;
				kolm_gguf_arr_str(kv, i, &s);
				json_array_append_new(a, str_json(&s));
			} else {
				static const int ss[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
				json_array_append_new(a, scalar_json(kv->arr_type, kv->val + i * (uint64_t)ss[kv->arr_type]));
			}
		}
		return a;
	}
	return scalar_json(kv->type, kv->val);
}

static json_t *types_summary(const int64_t *count, const uint64_t *bytes)
{
	json_t *o = json_object();
	for (int t = 0; t < KOLM_T_COUNT; t++)
		if (count[t])
			json_object_set_new(o, kolm_type_name(t),
					    json_pack("{s:I,s:I}", "tensors", (json_int_t)count[t], "bytes", (json_int_t)bytes[t]));
	return o;
}

static int inspect_gguf(const char *path, const struct kolm_inspect_opts *o, json_t **out, struct kolm_err *err)
{
	struct kolm_gguf *g;
	int rc = kolm_gguf_open(&g, path, err);
	if (rc)
		return rc;
	struct kolm_model m;
	rc = kolm_model_from_gguf(&m, g, err);
	if (rc) {
		kolm_gguf_close(g);
		return kolm_err_prefix(err, "%s", path);
	}
	json_t *j = json_object();
	json_object_set_new(j, "schema", json_string("kolm.inspect/1"));
	json_object_set_new(j, "path", json_string(path));
	json_object_set_new(j, "format", json_string("gguf"));
	json_object_set_new(j, "version", json_integer(kolm_gguf_version(g)));
	json_object_set_new(j, "file_bytes", json_integer((json_int_t)kolm_gguf_file_size(g)));
	json_object_set_new(j, "alignment", json_integer((json_int_t)kolm_gguf_alignment(g)));
	json_object_set_new(j, "data_offset", json_integer((json_int_t)kolm_gguf_data_offset(g)));
	json_object_set_new(j, "architecture", json_string(m.hp.arch));
	json_object_set_new(j, "params", json_integer(kolm_model_params(&m)));
	const struct kolm_ftype_info *fi = m.ftype >= 0 ? kolm_ftype_info(m.ftype) : NULL;
	json_object_set_new(j, "file_type", m.ftype >= 0 ? json_integer(m.ftype) : json_null());
	json_object_set_new(j, "file_type_name", json_string(fi ? fi->display : m.ftype < 0 ? "(not stated)" : "unknown"));
	int64_t count[KOLM_T_COUNT] = {0};
	uint64_t bytes[KOLM_T_COUNT] = {0}, total = 0;
	int64_t nel = 0;
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		count[t->type]++;
		bytes[t->type] += t->nbytes;
		total += t->nbytes;
		nel += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
	}
	json_object_set_new(j, "tensor_count", json_integer(kolm_gguf_tensor_count(g)));
	json_object_set_new(j, "tensor_types", types_summary(count, bytes));
	/* a kolm export: the artifact's manifest, parsed */
	struct kolm_gguf_str ms;
	if (kolm_gguf_get_str(g, "kolm.manifest", &ms) == KOLM_OK) {
		json_t *man = json_loadb(ms.p, (size_t)ms.len, JSON_REJECT_DUPLICATES, NULL);
		if (man)
			json_object_set_new(j, "kolm_manifest", man);
	}
	json_object_set_new(j, "bits_per_weight", json_real(nel ? 8.0 * (double)total / (double)nel : 0));
	json_t *hp = json_object();
	json_object_set_new(hp, "layers", json_integer(m.hp.n_layer));
	json_object_set_new(hp, "hidden", json_integer(m.hp.n_embd));
	json_object_set_new(hp, "ffn", json_integer(m.hp.n_ff));
	json_object_set_new(hp, "heads", json_integer(m.hp.n_head));
	json_object_set_new(hp, "kv_heads", json_integer(m.hp.n_head_kv));
	json_object_set_new(hp, "head_dim", json_integer(m.hp.head_dim));
	json_object_set_new(hp, "vocab", json_integer(m.hp.n_vocab));
	json_object_set_new(hp, "context_length", json_integer(m.hp.n_ctx_train));
	json_object_set_new(hp, "tied_embeddings", json_boolean(m.hp.tied));
	json_object_set_new(j, "hparams", hp);
	char tk[32] = "";
	kolm_gguf_get_cstr(g, "tokenizer.ggml.model", tk, sizeof tk);
	const struct kolm_gguf_kv *toks = kolm_gguf_kv_find(g, "tokenizer.ggml.tokens");
	const struct kolm_gguf_kv *merges = kolm_gguf_kv_find(g, "tokenizer.ggml.merges");
	json_object_set_new(j, "tokenizer", json_pack("{s:s,s:I,s:I}", "model", tk, "tokens",
						       (json_int_t)(toks ? toks->arr_n : 0), "merges",
						       (json_int_t)(merges ? merges->arr_n : 0)));
	json_t *kvs = json_object();
	for (int64_t i = 0; i < kolm_gguf_kv_count(g); i++) {
		const struct kolm_gguf_kv *kv = kolm_gguf_kv_at(g, i);
		char key[512];
		snprintf(key, sizeof key, "%.*s", (int)(kv->key.len < 500 ? kv->key.len : 500), kv->key.p);
		json_object_set_new(kvs, key, kv_json(kv));
	}
	json_object_set_new(j, "kv", kvs);
	if (o->sha256) {
		char hex[65];
		uint64_t off = kolm_gguf_data_offset(g);
		/* a digest OpenSSL could not compute is null, never a made-up value */
		int hr = kolm_sha256_hex_range(kolm_gguf_base(g) + off, kolm_gguf_file_size(g) - off, hex, NULL);
		json_object_set_new(j, "tensor_data_sha256", hr ? json_null() : json_string(hex));
	}
	if (o->tensors) {
		json_t *arr = json_array();
		for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
			const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
			json_t *shape = json_array();
			for (int d = 0; d < t->n_dims; d++)
				json_array_append_new(shape, json_integer(t->ne[d]));
			json_t *e = json_pack("{s:o,s:s,s:o,s:I,s:I}", "name", str_json(&t->name), "type",
					      kolm_type_name(t->type), "shape", shape, "offset", (json_int_t)t->offset,
					      "bytes", (json_int_t)t->nbytes);
			if (o->sha256) {
				char hex[65];
				int hr = kolm_sha256_hex_range(t->data, t->nbytes, hex, NULL);
				json_object_set_new(e, "sha256", hr ? json_null() : json_string(hex));
			}
			json_array_append_new(arr, e);
		}
		json_object_set_new(j, "tensors", arr);
	}
	kolm_model_release(&m);
	kolm_gguf_close(g);
	*out = j;
	return KOLM_OK;
}

static int inspect_st(struct kolm_ctx *ctx, const char *path, const struct kolm_inspect_opts *o, json_t **out,
		      struct kolm_err *err)
{
	struct kolm_safetensors *st;
	int rc = kolm_safetensors_open(&st, path, err);
	if (rc)
		return rc;
	json_t *j = json_object();
	json_object_set_new(j, "schema", json_string("kolm.inspect/1"));
	json_object_set_new(j, "path", json_string(path));
	json_object_set_new(j, "format", json_string("safetensors"));
	json_object_set_new(j, "shards", json_integer(kolm_safetensors_shards(st)));
	json_t *md = kolm_safetensors_metadata(st);
	if (md)
		json_object_set(j, "metadata", md);
	int64_t count[KOLM_ST_COUNT] = {0}, params = 0;
	uint64_t bytes[KOLM_ST_COUNT] = {0}, total = 0;
	json_t *arr = o->tensors ? json_array() : NULL;
	for (int64_t i = 0; i < kolm_safetensors_count(st); i++) {
		const struct kolm_st_tensor *t = kolm_safetensors_at(st, i);
		int64_t n = 1;
		for (int d = 0; d < t->n_dims; d++)
			n *= t->shape[d];
		params += n;
		count[t->dtype]++;
		bytes[t->dtype] += t->nbytes;
		total += t->nbytes;
		if (arr) {
			json_t *shape = json_array();
			for (int d = 0; d < t->n_dims; d++)
				json_array_append_new(shape, json_integer(t->shape[d]));
			json_t *e = json_pack("{s:s,s:s,s:o,s:I}", "name", t->name, "type", kolm_st_dtype_name(t->dtype),
					      "shape", shape, "bytes", (json_int_t)t->nbytes);
			if (o->sha256) {
				char hex[65];
				int hr = kolm_sha256_hex_range(t->data, t->nbytes, hex, NULL);
				json_object_set_new(e, "sha256", hr ? json_null() : json_string(hex));
			}
			json_array_append_new(arr, e);
		}
	}
	json_t *types = json_object();
	for (int d = 0; d < KOLM_ST_COUNT; d++)
		if (count[d])
			json_object_set_new(types, kolm_st_dtype_name(d),
					    json_pack("{s:I,s:I}", "tensors", (json_int_t)count[d], "bytes", (json_int_t)bytes[d]));
	json_object_set_new(j, "params", json_integer(params));
	json_object_set_new(j, "tensor_count", json_integer(kolm_safetensors_count(st)));
	json_object_set_new(j, "tensor_types", types);
	json_object_set_new(j, "bits_per_weight", json_real(params ? 8.0 * (double)total / (double)params : 0));
	/* a directory: the architecture and the GGUF names an export would write */
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		struct kolm_model m;
		struct kolm_err e2 = {0};
		if (kolm_model_from_path(&m, path, &e2) == KOLM_OK) {
			json_object_set_new(j, "architecture", json_string(m.hp.arch));
			json_object_set_new(j, "model_type", json_string(m.hp.model_type));
			json_object_set_new(j, "gguf_tensors", json_integer(m.n_tensors));
			kolm_model_release(&m);
		} else {
			json_object_set_new(j, "architecture_error", json_string(e2.msg));
		}
		static const char *files[] = {"config.json", "tokenizer.model", "tokenizer.json", "tokenizer_config.json",
					      "special_tokens_map.json", "generation_config.json"};
		json_t *present = json_array();
		for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", path, files[k]);
			if (stat(p, &sb) == 0)
				json_array_append_new(present, json_string(files[k]));
		}
		json_object_set_new(j, "files", present);
	}
	if (arr)
		json_object_set_new(j, "tensors", arr);
	kolm_safetensors_close(st);
	*out = j;
	return KOLM_OK;
}

/* a .kolm: the manifest, the members where they sit, and the model */
static int inspect_kolm(struct kolm_ctx *ctx, const char *path, json_t **out, struct kolm_err *err)
{
	struct kolm_artifact *a;
	int rc = kolm_artifact_open(&a, path, err);
	if (rc)
		return rc;
	struct kolm_model m = {0};
	rc = kolm_model_of_artifact(&m, a, err);
	if (rc) {
		kolm_artifact_close(a);
		return rc;
	}
	json_t *mem = json_array();
	for (int i = 0; i < a->n; i++)
		json_array_append_new(mem, json_pack("{s:s,s:I,s:I}", "name", a->m[i].name, "offset", (json_int_t)a->m[i].offset,
						     "size", (json_int_t)a->m[i].size));
	*out = json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:O,s:o,s:b}", "schema", "kolm.inspect/1", "path", path, "format", "kolm",
			 "file_bytes", (json_int_t)a->map.size, "architecture", m.hp.arch, "params",
			 (json_int_t)kolm_model_params(&m), "tensor_count", (json_int_t)m.n_tensors, "kolm_manifest",
			 a->manifest, "members", mem, "signed", kolm_artifact_member(a, "kolm.sig") != NULL);
	kolm_model_release(&m);
	kolm_artifact_close(a);
	return *out ? KOLM_OK : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

int kolm_inspect_path(struct kolm_ctx *ctx, const char *path, const struct kolm_inspect_opts *o, json_t **out,
		      struct kolm_err *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return kolm_err_set(err, KOLM_E_IO, "%s: no such file or directory", path);
	if (S_ISDIR(sb.st_mode) || ends_with(path, ".safetensors") || ends_with(path, ".index.json"))
		return inspect_st(ctx, path, o, out, err);
	if (ends_with(path, ".json")) {
		struct kolm_model m;
		int rc = kolm_model_from_path(&m, path, err);
		if (rc)
			return rc;
		json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "schema", "kolm.inspect/1",
				      "path", path, "format", "config.json", "architecture", m.hp.arch, "model_type",
				      m.hp.model_type, "params", (json_int_t)kolm_model_params(&m), "layers",
				      (json_int_t)m.hp.n_layer, "hidden", (json_int_t)m.hp.n_embd, "heads",
				      (json_int_t)m.hp.n_head, "kv_heads", (json_int_t)m.hp.n_head_kv, "vocab",
				      (json_int_t)m.hp.n_vocab, "tied_embeddings", m.hp.tied);
		json_object_set_new(j, "gguf_tensors", json_integer(m.n_tensors));
		kolm_model_release(&m);
		*out = j;
		return KOLM_OK;
	}
	if (ends_with(path, ".kolm"))
		return inspect_kolm(ctx, path, out, err);
	return inspect_gguf(path, o, out, err);
}
