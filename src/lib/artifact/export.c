/* export.c - native GGUF export from a Hugging Face checkpoint (export.h). */
#include "kolm/export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/eval.h"
#include "kolm/ctx.h"
#include "kolm/gguf.h"
#include "kolm/hfdir.h"
#include "kolm/model.h"
#include "kolm/quant.h"
#include "kolm/quantplan.h"
#include "kolm/quantize.h"
#include "kolm/safetensors.h"
#include "kolm/tokmeta.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "kolm/version.h"
#include "artifact_internal.h"
#include "sign_internal.h"

/* rows are converted and quantized in chunks of about 64 MB of F32 */
#define CHUNK_ELEMS (16ULL << 20)
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* Tensor write order sort key: llama-quantize's (layer number, then name). */
struct worder {
	const char *name;
	int64_t i;
};

static int worder_cmp(const void *pa, const void *pb)
{
	return kolm_quantize_name_cmp(((const struct worder *)pa)->name, ((const struct worder *)pb)->name);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Rows of a source tensor -> F32 (with the tensor's transform applied to a
 * whole-tensor buffer when rows move). */
static int source_f32(const struct kolm_hf_map *mp, float *dst, struct kolm_err *err)
{
	int st = kolm_st_dtype_ggml(mp->src->dtype);
	int64_t n = (int64_t)(mp->src->nbytes / (uint64_t)kolm_st_dtype_size(mp->src->dtype));
	if (mp->transform == KOLM_HF_UNPERMUTE) {
		float *tmp = malloc(sizeof *tmp * (size_t)n);
		if (!tmp)
			return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", mp->gguf);
		if (kolm_row_to_f32(st, mp->src->data, tmp, n)) {
			free(tmp);
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: cannot read dtype %s", mp->src->name,
					    kolm_st_dtype_name(mp->src->dtype));
		}
		kolm_hf_unpermute_rows((const uint8_t *)tmp, (uint8_t *)dst, mp->ne[1], (uint64_t)mp->ne[0] * 4, mp->n_head);
		free(tmp);
		return KOLM_OK;
	}
	if (kolm_row_to_f32(st, mp->src->data, dst, n))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: cannot read dtype %s", mp->src->name,
				    kolm_st_dtype_name(mp->src->dtype));
	if (mp->transform == KOLM_HF_ADD_ONE)
		for (int64_t i = 0; i < n; i++)
			dst[i] += 1.0f;
	return KOLM_OK;
}

/* One export in flight: the source, its plan, the writer and the buffers,
 * released together by job_release. */
struct job {
	const struct kolm_export_opts *o;
	const struct kolm_format *fmt;
	const struct kolm_ftype_info *fi;
	struct kolm_export_source src; /* the .kolm, its manifest, base, K and gate */
	char mhex[65];                /* its sha256 */
	char signer[65];              /* o->sign_key's fingerprint */
	struct kolm_sigkey *key;      /* o->sign_key, loaded once */
	json_t *signature;            /* the signed receipt's statement, signature, signer */
	int measure;                  /* the export's own K-score is measured */
	struct kolm_model m;
	struct kolm_safetensors *st;
	struct kolm_hf_map *mp;       /* m's first nmap tensors come from here */
	int64_t nmap;
	struct kolm_tokmeta tok;
	int *types;                   /* per tensor of m */
	struct worder *wo;            /* the write order */
	struct kolm_gguf_writer *w;
	float *f32;                   /* buf_el floats, and as many 4-byte quantized values */
	uint8_t *q;
	int64_t chunk_elems;
	uint64_t in_total, in_done;
	int64_t type_count[KOLM_T_COUNT];
	double t0;
};

/* The format asked for, if kolm can write it as GGUF. */
static int export_format(struct kolm_ctx *ctx, struct job *x, struct kolm_err *err)
{
	const struct kolm_export_opts *o = x->o;
	int rc = kolm_catalog_quant_resolve(ctx, o->format ? o->format : "int4", "gguf", &x->fmt, err);
	if (rc)
		return rc;
	if (strcmp(x->fmt->backend, "gguf"))
		return kolm_err_set(err, KOLM_E_USAGE, "export: %s is a %s format; the native export writes GGUF",
				    x->fmt->id, x->fmt->backend);
	x->fi = kolm_ftype_info(x->fmt->ftype);
	if (!x->fi || !kolm_quant_can_quantize(x->fi->default_type))
		return kolm_err_set(err, KOLM_E_USAGE, "export: kolm cannot produce %s (%s)", x->fmt->id,
				    x->fi && kolm_quantplan_needs_imatrix("", x->fi->default_type, x->fi->id)
					    ? "it needs an importance matrix"
					    : "no quantizer for it");
	return KOLM_OK;
}

/* --sign KEY: the receipt is signed with the artifact's own key
 * (kolm_artifact_signer_key refuses another or an unsigned artifact). */
static int export_check_signer(struct job *x, struct kolm_err *err)
{
	int rc = kolm_artifact_signer_key(x->src.art, x->o->sign_key, &x->key, err);
	if (!rc)
		memcpy(x->signer, kolm_sigkey_fingerprint(x->key), 65);
	return rc;
}

/* An artifact's manifest, K-score and compile gate (refused below the gate),
 * and its model. */
static int export_artifact(struct kolm_ctx *ctx, struct job *x, struct kolm_files *files, struct kolm_err *err)
{
	int rc = kolm_export_source_open(&x->src, x->o->artifact, x->o->min_k, files, err);
	if (!rc && x->o->sign_key)
		rc = export_check_signer(x, err);
	return rc ? rc : kolm_model_of_artifact(&x->m, x->src.art, err);
}

/* The model, its tensors' sources and tokenizer, and each tensor's type. */
static int export_source(struct kolm_ctx *ctx, struct job *x, struct kolm_err *err)
{
	const struct kolm_export_opts *o = x->o;
	struct kolm_files files = {o->hf_dir, NULL, 0, o->hf_dir};
	int rc;
	if (o->artifact) {
		if ((rc = export_artifact(ctx, x, &files, err)))
			return rc;
	} else if ((rc = kolm_model_from_path(&x->m, o->hf_dir, err))) {
		return rc;
	}
	if ((rc = kolm_safetensors_open_files(&x->st, &files, err)) ||
	    (rc = kolm_hfdir_map(x->st, &x->m.hp, &x->mp, &x->nmap, err)))
		return rc;
	if ((rc = kolm_tokmeta_load_files(&x->tok, &files, err)))
		return rc;
	x->types = calloc((size_t)x->m.n_tensors + 1, sizeof *x->types);
	if (!x->types)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	/* m's tensors are the mapped ones in order, then rope_freqs when present */
	if ((rc = kolm_quantplan(&x->m, x->fmt->ftype, o->overrides, o->n_overrides, x->types, err)))
		return rc;
	for (int64_t i = 0; i < x->m.n_tensors; i++)
		if (kolm_quantplan_needs_imatrix(x->m.tensors[i].name, x->types[i], x->fmt->ftype))
			return kolm_err_set(err, KOLM_E_USAGE,
					    "export: %s: %s in a %s file needs an importance matrix (llama-quantize refuses it "
					    "without one; kolm has none)",
					    x->m.tensors[i].name, kolm_type_name(x->types[i]), x->fi->name);
	return KOLM_OK;
}

/* --tensor-type overrides, one "PATTERN=TYPE" per line: verify re-derives
 * the types with them */
static int put_overrides(struct kolm_gguf_writer *w, const struct kolm_export_opts *o)
{
	struct kolm_buf ov = {0};
	for (int i = 0; i < o->n_overrides; i++) {
		if (i)
			kolm_buf_add(&ov, "\n", 1);
		kolm_buf_add(&ov, o->overrides[i].pattern, strlen(o->overrides[i].pattern));
		kolm_buf_add(&ov, "=", 1);
		const char *tn = kolm_type_name(o->overrides[i].type);
		kolm_buf_add(&ov, tn, strlen(tn));
	}
	int krc = kolm_gguf_writer_kv_str(w, "kolm.tensor_overrides", ov.p ? ov.p : "");
	krc |= ov.oom;
	free(ov.p);
	return krc;
}

/* The header's key-value pairs: llama.cpp's, then kolm's (the payload hash
 * and the export's K-score are patched in when known). */
static int export_metadata(struct job *x, struct kolm_err *err)
{
	const struct kolm_export_opts *o = x->o;
	const struct kolm_format *fmt = x->fmt;
	struct kolm_gguf_writer *w;
	int rc = kolm_gguf_writer_new(&x->w, 32, err);
	if (rc)
		return rc;
	w = x->w;
	const char *name = x->src.art ? json_string_value(json_object_get(x->src.art->manifest, "name"))
				      : strrchr(o->hf_dir, '/');
	if (!x->src.art)
		name = name && name[1] ? name + 1 : o->hf_dir;
	if (!x->src.manifest)
		x->src.manifest = kolm_strdup("{}"); /* a directory export has no artifact behind it */
	uint8_t md[32];
	if ((rc = kolm_sha256_buf(x->src.manifest, strlen(x->src.manifest), md, err)))
		return rc;
	kolm_hex(md, 32, x->mhex);
	int krc = kolm_gguf_writer_kv_str(w, "general.architecture", x->m.hp.arch);
	krc |= kolm_gguf_writer_kv_str(w, "general.name", name);
	krc |= kolm_hf_gguf_arch_keys(w, &x->m.hp);
	krc |= kolm_gguf_writer_kv_u32(w, "general.file_type", (uint32_t)fmt->ftype);
	krc |= kolm_hf_gguf_tokenizer(w, &x->tok);
	/* convert_hf_to_gguf.py and llama-quantize write it whatever the type */
	krc |= kolm_gguf_writer_kv_u32(w, "general.quantization_version", 2);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.manifest", x->src.manifest);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.manifest_sha256", x->mhex);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.base", x->src.base_id);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.quant", fmt->id);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.tier", fmt->tier ? fmt->tier : fmt->id);
	krc |= kolm_gguf_writer_kv_u32(w, "kolm.file_type", (uint32_t)fmt->ftype);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.k_score_source", x->src.k_source);
	if (x->src.k_value >= 0)
		krc |= kolm_gguf_writer_kv_f32(w, "kolm.k_score", (float)x->src.k_value);
	krc |= kolm_gguf_writer_kv_f32(w, "kolm.gate", (float)x->src.gate);
	/* the export's own K: measured on the written file when the artifact's
	 * eval pack and the engine allow it (decided now: the header's size is fixed) */
	x->measure = x->src.art && !o->no_measure && kolm_engine_supports_arch(x->m.hp.arch);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.export_k_source", x->measure ? "measured" : "unmeasured");
	krc |= kolm_gguf_writer_kv_f32(w, "kolm.export_k_score", -1.0f);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.tool", "kolm " KOLM_VERSION);
	krc |= put_overrides(w, o);
	krc |= kolm_gguf_writer_kv_str(w, "kolm.payload_sha256", ZERO64);
	if (o->sign_key) { /* the signature's value is written last (export_sign) */
		krc |= kolm_gguf_writer_kv_str(w, KOLM_EXPORT_SIGNER_KEY, x->signer);
		krc |= kolm_gguf_writer_kv_str(w, KOLM_EXPORT_SIG_KEY, ZERO64 ZERO64);
	}
	if (krc)
		return kolm_err_set(err, KOLM_E_NOMEM, "export: cannot build metadata");
	return KOLM_OK;
}

/* Every tensor declared, in the order llama.cpp's pipeline writes them:
 * convert_hf_to_gguf.py's (the mapping's) for the types it writes itself
 * (F32, F16, BF16, Q8_0: the upstream command, commands.c), llama-quantize's
 * for the others; and the conversion buffers. */
static int export_declare(struct job *x, struct kolm_err *err)
{
	const struct kolm_model *m = &x->m;
	const int ftype = x->fmt->ftype;
	int rc;
	x->wo = malloc(sizeof *x->wo * (size_t)(m->n_tensors > 0 ? m->n_tensors : 1));
	if (!x->wo)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int64_t i = 0; i < m->n_tensors; i++)
		x->wo[i] = (struct worder){m->tensors[i].name, i};
	if (ftype != KOLM_FT_ALL_F32 && ftype != KOLM_FT_F16 && ftype != KOLM_FT_BF16 && ftype != KOLM_FT_Q8_0)
		qsort(x->wo, (size_t)m->n_tensors, sizeof *x->wo, worder_cmp);
	uint64_t max_el = 0;
	for (int64_t k = 0; k < m->n_tensors; k++) {
		const int64_t i = x->wo[k].i;
		const struct kolm_tensor_desc *t = &m->tensors[i];
		if ((rc = kolm_gguf_writer_tensor(x->w, t->name, x->types[i], t->ne, t->n_dims)))
			return kolm_err_set(err, KOLM_E_FORMAT, "export: tensor %s cannot be declared", t->name);
		uint64_t el = (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
		if (el > max_el)
			max_el = el;
	}
	for (int64_t i = 0; i < x->nmap; i++)
		x->in_total += x->mp[i].src->nbytes;
	/* buffers: one chunk, or the largest tensor whose rows move */
	x->chunk_elems = x->o->chunk_elems > 0 ? x->o->chunk_elems : (int64_t)CHUNK_ELEMS;
	uint64_t buf_el = (uint64_t)x->chunk_elems;
	for (int64_t i = 0; i < x->nmap; i++) {
		const struct kolm_hf_map *mp = &x->mp[i];
		uint64_t el = mp->src->nbytes / (uint64_t)kolm_st_dtype_size(mp->src->dtype);
		if (mp->transform == KOLM_HF_UNPERMUTE && el > buf_el)
			buf_el = el;
		if ((uint64_t)mp->ne[0] > buf_el)
			buf_el = (uint64_t)mp->ne[0];
	}
	if (m->hp.head_dim > 0 && (uint64_t)m->hp.head_dim > buf_el)
		buf_el = (uint64_t)m->hp.head_dim;
	x->f32 = malloc(sizeof *x->f32 * (size_t)buf_el);
	x->q = malloc((size_t)buf_el * 4);
	if (!x->f32 || !x->q)
		return kolm_err_set(err, KOLM_E_NOMEM, "export: out of memory for a %llu-element tensor",
				    (unsigned long long)max_el);
	return KOLM_OK;
}

/* Rows r0 .. r0+nr of tensor i as F32 in x->f32 (the whole tensor when
 * `whole`). */
static int export_rows_f32(struct job *x, int64_t i, int whole, int64_t r0, int64_t nr, struct kolm_err *err)
{
	const struct kolm_tensor_desc *t = &x->m.tensors[i];
	if (i < x->nmap && whole)
		return source_f32(&x->mp[i], x->f32, err);
	if (i < x->nmap) {
		struct kolm_hf_map part = x->mp[i];
		struct kolm_st_tensor src = *x->mp[i].src;
		uint64_t es = (uint64_t)kolm_st_dtype_size(src.dtype);
		src.data += (uint64_t)r0 * (uint64_t)t->ne[0] * es;
		src.nbytes = (uint64_t)(nr * t->ne[0]) * es;
		part.src = &src;
		return source_f32(&part, x->f32, err);
	}
	if (!strcmp(t->name, "rope_freqs.weight")) {
		kolm_hf_llama3_rope_factors(&x->m.hp, x->f32, t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
		return KOLM_OK;
	}
	return kolm_err_set(err, KOLM_E_FORMAT, "export: no source for %s", t->name);
}

/* Tensor i converted, quantized and written, in bounded chunks of rows. */
static int export_tensor(struct job *x, int64_t i, struct kolm_err *err)
{
	const struct kolm_tensor_desc *t = &x->m.tensors[i];
	const int type = x->types[i];
	int64_t n = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
	int64_t rows = n / t->ne[0];
	/* whole tensor only when rows move (q/k un-permutation) or it is
	 * generated; otherwise bounded chunks of rows */
	int whole = i >= x->nmap || x->mp[i].transform == KOLM_HF_UNPERMUTE;
	int64_t per = x->chunk_elems / t->ne[0];
	int64_t chunk = whole ? rows : (per > 0 ? per : 1);
	int rc;
	for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
		int64_t nr = rows - r0 < chunk ? rows - r0 : chunk, ne = nr * t->ne[0];
		if ((rc = export_rows_f32(x, i, whole, r0, nr, err)))
			return rc;
		const void *data = x->f32;
		uint64_t bytes = (uint64_t)ne * 4;
		if (type != KOLM_T_F32) {
			if (kolm_quantize_tensor_mt(type, x->f32, x->q, nr, t->ne[0], x->o->threads > 0 ? x->o->threads : 1))
				return kolm_err_set(err, KOLM_E_FORMAT, "export: %s cannot be quantized to %s", t->name,
						    kolm_type_name(type));
			data = x->q;
			bytes = kolm_type_row_bytes(type, t->ne[0]) * (uint64_t)nr;
		}
		if ((rc = kolm_gguf_writer_data(x->w, data, (size_t)bytes, err)))
			return rc;
	}
	if (i < x->nmap)
		x->in_done += x->mp[i].src->nbytes;
	x->type_count[type]++;
	return KOLM_OK;
}

/* The written file's K-score on the artifact's eval pack, patched in. */
static int export_measure(struct job *x, double *export_k, struct kolm_err *err)
{
	const struct kolm_member *ev = kolm_artifact_member(x->src.art, "evalpack.jsonl");
	int items = 0;
	int rc = kolm_eval_k_file(kolm_gguf_writer_temp_path(x->w), (const char *)ev->data, (size_t)ev->size,
				  x->o->threads > 0 ? x->o->threads : 1, export_k, &items, err);
	if (rc) {
		kolm_err_prefix(err, "export: measuring the export's K-score");
		return rc;
	}
	float kf = (float)*export_k;
	return kolm_gguf_writer_patch(x->w, "kolm.export_k_score", &kf, sizeof kf, err);
}

/* --sign: the receipt's statement (sign_internal.h) over the file as it
 * will be committed, its signature patched into kolm.export_signature. */
static int export_sign(struct job *x, const char *sha, struct kolm_err *err)
{
	const char *tmp = kolm_gguf_writer_temp_path(x->w);
	struct kolm_gguf *g = NULL;
	struct kolm_gguf_str sv;
	char hhex[65], st[KOLM_EXPORT_STATEMENT_MAX], shex[129];
	uint8_t sig[64];
	int rc = tmp ? kolm_gguf_open(&g, tmp, err) : kolm_err_set(err, KOLM_E_USAGE, "export: sign before the data is complete");
	if (rc)
		return rc;
	if (kolm_gguf_get_str(g, KOLM_EXPORT_SIG_KEY, &sv) || sv.len != 128)
		rc = kolm_err_set(err, KOLM_E_IO, "export: %s: no signature placeholder", tmp);
	if (!rc)
		rc = kolm_export_header_sha(kolm_gguf_base(g), kolm_gguf_data_offset(g),
					    (uint64_t)((const uint8_t *)sv.p - kolm_gguf_base(g)), sv.len, hhex, err);
	kolm_gguf_close(g);
	if (rc || (rc = kolm_export_statement(st, x->mhex, sha, hhex, x->fmt->id, "kolm " KOLM_VERSION, x->signer, err)) ||
	    (rc = kolm_sigkey_sign(x->key, (const uint8_t *)st, strlen(st), sig, err)))
		return rc;
	kolm_hex(sig, 64, shex);
	x->signature = json_pack("{s:s,s:s,s:s,s:s}", "statement", st, "signature", shex, "signer", x->signer,
				 "header_sha256", hhex);
	if (!x->signature)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	return kolm_gguf_writer_patch(x->w, KOLM_EXPORT_SIG_KEY, shex, 128, err);
}

static void export_progress(const struct job *x, int64_t k, const char *name, uint64_t done)
{
	const struct kolm_export_opts *o = x->o;
	if (o->progress) {
		struct kolm_export_progress pr = {k, x->m.n_tensors, name, done, x->in_total, now_s() - x->t0};
		o->progress(o->progress_user, &pr);
	}
}

/* The receipt (OUT.receipt.json, also returned), written before the GGUF
 * is renamed into place: of the file as it will be committed (its
 * temporary name), so a kill between the two never leaves a GGUF without
 * its receipt. */
static int export_receipt(struct job *x, const char *sha, double export_k, json_t **rec, struct kolm_err *err)
{
	const struct kolm_export_opts *o = x->o;
	struct kolm_map fm;
	char whole[65] = "";
	uint64_t fsize = 0;
	const char *tmp = kolm_gguf_writer_temp_path(x->w);
	if (!tmp)
		return kolm_err_set(err, KOLM_E_USAGE, "export: receipt before the data is complete");
	int rc = kolm_map_open(&fm, tmp, err);
	if (rc)
		return rc;
	rc = kolm_sha256_hex_range(fm.data, fm.size, whole, err);
	fsize = fm.size;
	kolm_map_close(&fm);
	if (rc)
		return rc;
	json_t *tc = json_object();
	for (int t = 0; t < KOLM_T_COUNT; t++)
		if (x->type_count[t])
			json_object_set_new(tc, kolm_type_name(t), json_integer(x->type_count[t]));
	*rec = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:s}", "schema", "kolm.receipt/1", "file",
			 o->out_path, "source", o->hf_dir ? o->hf_dir : o->artifact, "quant", x->fmt->id, "file_type",
			 x->fmt->ftype, "file_bytes", (json_int_t)fsize, "file_sha256", whole, "payload_sha256", sha,
			 "manifest_sha256", x->mhex, "tensor_types", tc, "base", x->src.base_id, "export_k_source",
			 x->measure ? "measured" : "unmeasured", "tool", "kolm " KOLM_VERSION);
	if (*rec && x->measure)
		json_object_set_new(*rec, "export_k_score", json_real(export_k));
	if (*rec && x->src.k_value >= 0)
		json_object_set_new(*rec, "k_score", json_real(x->src.k_value));
	if (*rec && x->signature)
		json_object_set(*rec, "signature", x->signature);
	if (!*rec)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (o->no_receipt)
		return KOLM_OK;
	char rpath[4200];
	if (snprintf(rpath, sizeof rpath, "%s.receipt.json", o->out_path) >= (int)sizeof rpath)
		return kolm_err_set(err, KOLM_E_USAGE, "%s: path too long", o->out_path);
	char *rs = json_dumps(*rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	rc = rs ? kolm_file_write_atomic(rpath, rs, strlen(rs), err) : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	free(rs);
	return rc;
}

static void job_release(struct job *x)
{
	kolm_gguf_writer_free(x->w); /* removes the temp file when not finished */
	json_decref(x->signature);
	kolm_sigkey_free(x->key);
	free(x->src.manifest);
	free(x->types);
	free(x->wo);
	free(x->f32);
	free(x->q);
	free(x->mp);
	kolm_tokmeta_release(&x->tok);
	kolm_safetensors_close(x->st);
	kolm_model_release(&x->m);
	kolm_artifact_close(x->src.art);
}

int kolm_export_gguf(struct kolm_ctx *ctx, const struct kolm_export_opts *o, json_t **receipt, struct kolm_err *err)
{
	if (!o->hf_dir == !o->artifact)
		return kolm_err_set(err, KOLM_E_USAGE, "export: give an artifact (X.kolm) or a Hugging Face directory (--from-dir)");
	if (!o->out_path)
		return kolm_err_set(err, KOLM_E_USAGE, "export: no output path");
	if (o->sign_key && !o->artifact)
		return kolm_err_set(err, KOLM_E_USAGE, "export: --sign binds an export to a signed artifact: export from X.kolm");
	struct job x = {.o = o, .src = KOLM_EXPORT_SOURCE_INIT};
	int rc = export_format(ctx, &x, err);
	if (rc)
		return rc;
	kolm_out_clean_stale(o->out_path);
	json_t *rec = NULL;
	if ((rc = export_source(ctx, &x, err)) || (rc = export_metadata(&x, err)) || (rc = export_declare(&x, err)) ||
	    (rc = kolm_gguf_writer_begin(x.w, o->out_path, err)))
		goto out;
	x.t0 = now_s();
	for (int64_t k = 0; k < x.m.n_tensors; k++) {
		if ((rc = export_tensor(&x, x.wo[k].i, err)))
			goto out;
		export_progress(&x, k, x.m.tensors[x.wo[k].i].name, x.in_done);
	}
	char sha[65];
	double export_k = -1;
	if ((rc = kolm_gguf_writer_complete(x.w, sha, err)) ||
	    (rc = kolm_gguf_writer_patch(x.w, "kolm.payload_sha256", sha, 64, err)))
		goto out;
	if (x.measure) {
		if ((rc = export_measure(&x, &export_k, err)))
			goto out;
		export_progress(&x, x.m.n_tensors, "K-score", x.in_total);
	}
	if (o->sign_key && (rc = export_sign(&x, sha, err)))
		goto out;
	if ((rc = export_receipt(&x, sha, export_k, &rec, err)))
		goto out;
	if ((rc = kolm_gguf_writer_commit(x.w, err))) {
		/* the GGUF did not land: a receipt must not describe it */
		char rpath[4200];
		if (!o->no_receipt && snprintf(rpath, sizeof rpath, "%s.receipt.json", o->out_path) < (int)sizeof rpath)
			unlink(rpath);
		goto out;
	}
	if (receipt) {
		*receipt = rec;
		rec = NULL;
	}
out:
	json_decref(rec);
	job_release(&x);
	return rc;
}
