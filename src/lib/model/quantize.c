/* quantize.c - GGUF -> GGUF re-quantization in llama-quantize's layout
 * (see quantize.h for the rules reproduced). */
#include "kolm/quantize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kolm/gguf.h"
#include "kolm/model.h"
#include "kolm/quant.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "model_internal.h"
#include "quantplan_internal.h"

#define QUANT_VERSION 2 /* GGML_QNT_VERSION */

struct tref {
	char name[64];
	const struct kolm_gguf_tensor *t;
};

static int tref_cmp(const void *pa, const void *pb)
{
	const struct tref *a = pa, *b = pb;
	return kolm_quantize_name_cmp(a->name, b->name);
}

static int key_is(const struct kolm_gguf_kv *kv, const char *k)
{
	size_t n = strlen(k);
	return kv->key.len == n && memcmp(kv->key.p, k, n) == 0;
}

static int key_has_prefix(const struct kolm_gguf_kv *kv, const char *p)
{
	size_t n = strlen(p);
	return kv->key.len >= n && memcmp(kv->key.p, p, n) == 0;
}

/* The model view kolm_quantplan needs: hparams and tensors in output order. */
static int build_model(const struct kolm_gguf *g, const struct tref *refs, int64_t n, struct kolm_model *m,
		       struct kolm_err *err)
{
	memset(m, 0, sizeof *m);
	char arch[sizeof m->hp.arch] = "";
	if (kolm_gguf_get_cstr(g, "general.architecture", arch, sizeof arch) != 0)
		arch[0] = '\0';
	kolm_strlcpy(m->hp.arch, arch, sizeof m->hp.arch);
	m->hp.n_layer = kolm_gguf_arch_int(g, arch, "block_count", 0);
	m->hp.n_head = kolm_gguf_arch_int(g, arch, "attention.head_count", 0);
	m->hp.n_head_kv = kolm_gguf_arch_int(g, arch, "attention.head_count_kv", m->hp.n_head);
	m->hp.n_expert = kolm_gguf_arch_int(g, arch, "expert_count", 0);
	m->hp.n_expert_used = kolm_gguf_arch_int(g, arch, "expert_used_count", 0);
	m->hp.n_embd = kolm_gguf_arch_int(g, arch, "embedding_length", 0);
	m->source = "gguf";
	m->ftype = -1;
	m->alignment = kolm_gguf_alignment(g);
	m->data_offset = kolm_gguf_data_offset(g);
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_gguf_tensor *t = refs[i].t;
		if (kolm_model_add_tensor(m, refs[i].name, t->type, kolm_tensor_layer(refs[i].name), t->n_dims, t->ne[0],
					  t->ne[1], t->ne[2]) != 0) {
			kolm_model_release(m);
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		}
		m->tensors[m->n_tensors - 1].ne[3] = t->ne[3];
	}
	return 0;
}

/* Convert + quantize one tensor in chunks of whole rows and stream it. */
static int write_converted(struct kolm_gguf_writer *w, const struct kolm_gguf_tensor *t, int dst_type,
			   int nthreads, struct kolm_err *err)
{
	const int64_t ne0 = t->ne[0];
	const int64_t nrows = t->ne[1] * t->ne[2] * t->ne[3];
	const uint64_t src_rb = kolm_type_row_bytes(t->type, ne0);
	const uint64_t dst_rb = kolm_type_row_bytes(dst_type, ne0);
	if (!src_rb || !dst_rb)
		return kolm_err_set(err, KOLM_E_FORMAT, "%.*s: row length %lld does not fit %s", (int)t->name.len,
				    t->name.p, (long long)ne0, kolm_type_name(dst_type));
	int64_t chunk = (int64_t)(((int64_t)1 << 22) / ne0);
	if (chunk < 1)
		chunk = 1;
	if (chunk > nrows)
		chunk = nrows;
	float *f = malloc((size_t)(chunk * ne0) * sizeof *f);
	uint8_t *q = malloc((size_t)chunk * dst_rb);
	int rc = 0;
	if (!f || !q) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory for a %lld-row chunk", (long long)chunk);
		goto out;
	}
	for (int64_t r0 = 0; r0 < nrows; r0 += chunk) {
		int64_t nr = nrows - r0 < chunk ? nrows - r0 : chunk;
		for (int64_t r = 0; r < nr; r++) {
			rc = kolm_row_to_f32(t->type, t->data + (uint64_t)(r0 + r) * src_rb, f + r * ne0, ne0);
			if (rc) {
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%.*s: cannot convert %s to F32", (int)t->name.len,
						  t->name.p, kolm_type_name(t->type));
				goto out;
			}
		}
		rc = kolm_quantize_tensor_mt(dst_type, f, q, nr, ne0, nthreads);
		if (rc) {
			rc = kolm_err_set(err, rc, "%.*s: quantizing to %s failed", (int)t->name.len, t->name.p,
					  kolm_type_name(dst_type));
			goto out;
		}
		rc = kolm_gguf_writer_data(w, q, (size_t)((uint64_t)nr * dst_rb), err);
		if (rc)
			goto out;
	}
out:
	free(f);
	free(q);
	return rc;
}

int kolm_quantize_file(const char *in, const char *out, const struct kolm_quantize_opts *o,
		       struct kolm_quantize_stats *st, struct kolm_err *err)
{
	const struct kolm_ftype_info *fi = kolm_ftype_info(o->ftype);
	if (!fi)
		return kolm_err_set(err, KOLM_E_USAGE, "unknown file type %d", o->ftype);
	struct kolm_gguf *g = NULL;
	int rc = kolm_gguf_open(&g, in, err);
	if (rc)
		return rc;
	const int64_t n = kolm_gguf_tensor_count(g);
	struct tref *refs = calloc(n > 0 ? (size_t)n : 1, sizeof *refs);
	int *types = calloc(n > 0 ? (size_t)n : 1, sizeof *types);
	struct kolm_model m;
	memset(&m, 0, sizeof m);
	struct kolm_gguf_writer *w = NULL;
	struct kolm_quantize_stats s;
	memset(&s, 0, sizeof s);
	if (!refs || !types) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < n; i++) {
		refs[i].t = kolm_gguf_tensor_at(g, i);
		if (refs[i].t->name.len >= sizeof refs[i].name) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: tensor name too long", in);
			goto out;
		}
		memcpy(refs[i].name, refs[i].t->name.p, refs[i].t->name.len);
		refs[i].name[refs[i].t->name.len] = '\0';
	}
	qsort(refs, (size_t)n, sizeof *refs, tref_cmp);
	rc = build_model(g, refs, n, &m, err);
	if (rc)
		goto out;
	rc = kolm_quantplan(&m, o->ftype, o->ov, o->n_ov, types, err);
	if (rc)
		goto out;

	/* Check every conversion before writing anything. */
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_gguf_tensor *t = refs[i].t;
		if (kolm_quantplan_needs_imatrix(refs[i].name, types[i], o->ftype)) {
			rc = kolm_err_set(err, KOLM_E_USAGE,
					  "%s: %s in a %s file needs an importance matrix (llama-quantize refuses it without "
					  "one; kolm has none)",
					  refs[i].name, kolm_type_name(types[i]), kolm_ftype_info(o->ftype)->name);
			goto out;
		}
		if (types[i] == t->type)
			continue;
		if (!kolm_quant_can_quantize(types[i])) {
			rc = kolm_err_set(err, KOLM_E_USAGE, "%s: kolm cannot quantize to %s", refs[i].name,
					  kolm_type_name(types[i]));
			goto out;
		}
		const struct kolm_type_traits *ti = kolm_type_traits(t->type);
		if (ti && ti->quantized && !o->allow_requantize) {
			rc = kolm_err_set(err, KOLM_E_FORMAT,
					  "%s: requantizing from type %s is disabled (use --allow-requantize)",
					  refs[i].name, kolm_type_name(t->type));
			goto out;
		}
		if (!kolm_quant_can_dequantize(t->type)) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: cannot read tensors of type %s", refs[i].name,
					  kolm_type_name(t->type));
			goto out;
		}
	}

	rc = kolm_gguf_writer_new(&w, kolm_gguf_alignment(g), err);
	if (rc)
		goto out;
	for (int64_t k = 0; k < kolm_gguf_kv_count(g) && !rc; k++) {
		const struct kolm_gguf_kv *kv = kolm_gguf_kv_at(g, k);
		if (key_is(kv, "general.quantization_version") || key_is(kv, "general.file_type") ||
		    key_has_prefix(kv, "split."))
			continue;
		rc = kolm_gguf_writer_kv_copy(w, kv);
	}
	if (!rc)
		rc = kolm_gguf_writer_kv_u32(w, "general.quantization_version", QUANT_VERSION);
	if (!rc)
		rc = kolm_gguf_writer_kv_u32(w, "general.file_type", (uint32_t)o->ftype);
	for (int64_t i = 0; i < n && !rc; i++)
		rc = kolm_gguf_writer_tensor(w, refs[i].name, types[i], refs[i].t->ne, refs[i].t->n_dims);
	if (rc) {
		rc = kolm_err_set(err, rc, "%s: cannot lay out the output metadata", out);
		goto out;
	}
	rc = kolm_gguf_writer_begin(w, out, err);
	if (rc)
		goto out;
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_gguf_tensor *t = refs[i].t;
		const uint64_t dst_bytes = kolm_type_tensor_bytes(types[i], t->ne, 4);
		if (types[i] == t->type) {
			rc = kolm_gguf_writer_data(w, t->data, (size_t)t->nbytes, err);
		} else {
			rc = write_converted(w, t, types[i], o->nthreads, err);
			s.n_quantized++;
		}
		if (rc)
			goto out;
		s.src_tensor_bytes += t->nbytes;
		s.dst_tensor_bytes += dst_bytes;
		if (o->progress)
			o->progress(o->ud, i, n, refs[i].name, t->ne, t->type, types[i], t->nbytes, dst_bytes);
	}
	rc = kolm_gguf_writer_finish(w, s.data_sha256, err);
	if (rc)
		goto out;
	s.n_tensors = n;
	struct stat sb;
	if (stat(out, &sb) == 0)
		s.file_bytes = (uint64_t)sb.st_size;
	if (st)
		*st = s;
out:
	if (w)
		kolm_gguf_writer_free(w);
	kolm_model_release(&m);
	free(refs);
	free(types);
	kolm_gguf_close(g);
	return rc;
}
