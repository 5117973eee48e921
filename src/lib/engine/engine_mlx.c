/* engine_mlx.c - an MLX model directory (mlx-lm's layout: config.json with
 * its "quantization" block, model*.safetensors holding each quantized
 * matrix as packed uint32 weights with scales and biases per group, the
 * rest as mlx-lm leaves it; the tokenizer files) as the engine's model.
 * The GGUF names, shapes and transforms are those of kolm's GGUF export
 * (model/hfdir.c: llama's q/k rows un-permuted, gemma's norms + 1); the
 * metadata is what that export writes (model/gguf_hf.c), in a GGUF of its
 * own holding the vectors as F32.  The matrices stay in the directory's
 * mapping and are multiplied group by group (quant/affine_dot.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "engine_mlx_internal.h"
#include "engine_pool_internal.h"
#include "kolm/affine.h"
#include "kolm/gguf.h"
#include "kolm/hfdir.h"
#include "kolm/model.h"
#include "kolm/quant.h"
#include "kolm/safetensors.h"
#include "kolm/tokmeta.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "quant/kernels_internal.h"

struct ek_mlx {
	struct kolm_safetensors *st;
	struct ek_mlx_tensor *t;
	int64_t n;
	int64_t params;
	uint64_t bytes;
	float *xs;       /* per-group sums of a batch's activation rows */
	size_t xs_cap;
	char format[24]; /* the catalog's id: mlx-4bit, mlx-bf16, ... */
};

struct mlx_q {
	int bits, group;
};

int ek_mlx_is_dir(const char *path)
{
	struct stat s;
	return stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

static int st_float(int dtype)
{
	return dtype == KOLM_ST_F32 || dtype == KOLM_ST_F16 || dtype == KOLM_ST_BF16;
}

/* bits and group of HF tensor `name` (".weight" stripped): mlx-lm's
 * per-layer entry in "quantization" when there is one, else its defaults */
/* a small JSON integer as an int; anything else (a float, 2^32 + 4) is
 * -1, which the layout check refuses */
static int small_int(const json_t *v)
{
	json_int_t x = json_integer_value(v);
	return json_is_integer(v) && x >= 0 && x <= 1 << 20 ? (int)x : -1;
}

static struct mlx_q quant_of(const json_t *q, const char *name)
{
	struct mlx_q r = {small_int(json_object_get(q, "bits")), small_int(json_object_get(q, "group_size"))};
	char k[600];
	size_t L = strlen(name);
	if (L > 7 && L - 7 < sizeof k) {
		snprintf(k, sizeof k, "%.*s", (int)(L - 7), name);
		const json_t *o = json_object_get(q, k);
		if (json_is_object(o)) {
			if (json_object_get(o, "bits"))
				r.bits = small_int(json_object_get(o, "bits"));
			if (json_object_get(o, "group_size"))
				r.group = small_int(json_object_get(o, "group_size"));
		}
	}
	return r;
}

static const struct kolm_st_tensor *sibling(const struct kolm_safetensors *st, const char *name, const char *part)
{
	char nm[600];
	size_t L = strlen(name);
	if (L < 7 || strcmp(name + L - 7, ".weight") || L + 1 > sizeof nm)
		return NULL;
	snprintf(nm, sizeof nm, "%.*s%s", (int)(L - 6), name, part);
	return kolm_safetensors_find(st, nm);
}

/* llama's q/k: rows (and their scales and biases) moved into GGUF's order */
static int unpermute(struct ek_mlx_tensor *t, int64_t n_head, struct kolm_err *err)
{
	uint64_t nd = (uint64_t)t->n_out * t->row_bytes, ns = (uint64_t)t->n_out * t->srow_bytes;
	t->owned = malloc(nd + 2 * ns + 1);
	if (!t->owned)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	kolm_hf_unpermute_rows(t->data, t->owned, t->n_out, t->row_bytes, n_head);
	t->data = t->owned;
	if (t->type < 0) {
		kolm_hf_unpermute_rows(t->scales, t->owned + nd, t->n_out, t->srow_bytes, n_head);
		kolm_hf_unpermute_rows(t->biases, t->owned + nd + ns, t->n_out, t->srow_bytes, n_head);
		t->scales = t->owned + nd;
		t->biases = t->owned + nd + ns;
	}
	return KOLM_OK;
}

/* One matrix of the map: affine (uint32 with scales and biases) or as stored. */
static int add_matrix(struct ek_mlx *m, const struct kolm_hf_map *mp, const json_t *q, struct kolm_err *err)
{
	const struct kolm_st_tensor *s = mp->src;
	struct ek_mlx_tensor *t = &m->t[m->n];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", mp->gguf);
	t->n_out = s->shape[0];
	t->data = s->data;
	if (s->dtype == KOLM_ST_U32) {
		const struct kolm_st_tensor *sc = sibling(m->st, s->name, "scales"), *bi = sibling(m->st, s->name, "biases");
		struct mlx_q g = quant_of(q, s->name);
		const char *mode = json_string_value(json_object_get(q, "mode"));
		if (mode && strcmp(mode, "affine"))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: quantization mode '%.40s': kolm reads mlx's affine mode only",
					    s->name, mode);
		if (!q || !sc || !bi || sc->dtype != bi->dtype || !st_float(sc->dtype))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: packed weights without F32/F16/BF16 scales and biases",
					    s->name);
		if (g.bits < 2 || g.bits > 8 || g.group < 8 || g.group % 8 || g.group > 1024)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: quantization bits %d, group %d: not mlx's affine layout",
					    s->name, g.bits, g.group);
		t->type = -1;
		t->bits = g.bits;
		t->group = g.group;
		t->stype = kolm_st_dtype_ggml(sc->dtype);
		t->n_in = s->shape[1] * 32 / g.bits;
		if (s->shape[1] * 32 % g.bits || t->n_in % g.group || sc->n_dims != 2 || bi->n_dims != 2 ||
		    sc->shape[0] != t->n_out || sc->shape[1] != t->n_in / g.group || bi->shape[0] != t->n_out ||
		    bi->shape[1] != sc->shape[1])
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: packed shape %lldx%lld does not match its scales at %d bits, "
					    "group %d", s->name, (long long)s->shape[0], (long long)s->shape[1], g.bits, g.group);
		t->row_bytes = (uint64_t)s->shape[1] * 4;
		t->srow_bytes = (uint64_t)sc->shape[1] * (uint64_t)kolm_st_dtype_size(sc->dtype);
		t->scales = sc->data;
		t->biases = bi->data;
		m->params += t->n_out * t->n_in;
		m->bytes += s->nbytes + sc->nbytes + bi->nbytes;
	} else {
		if (!st_float(s->dtype))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: dtype %s is not read by the engine", s->name,
					    kolm_st_dtype_name(s->dtype));
		t->type = kolm_st_dtype_ggml(s->dtype);
		t->n_in = s->shape[1];
		t->row_bytes = (uint64_t)t->n_in * (uint64_t)kolm_st_dtype_size(s->dtype);
		m->params += t->n_out * t->n_in;
		m->bytes += s->nbytes;
	}
	m->n++;
	if (mp->transform == KOLM_HF_UNPERMUTE) {
		if (mp->n_head <= 0 || t->n_out % (2 * mp->n_head))
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: %lld rows do not split into %lld heads", s->name,
					    (long long)t->n_out, (long long)mp->n_head);
		return unpermute(t, mp->n_head, err);
	}
	return KOLM_OK;
}

/* A vector as F32 with its transform, into the metadata GGUF being written. */
static int write_vec(struct kolm_gguf_writer *w, const struct kolm_hf_map *mp, struct kolm_err *err)
{
	const struct kolm_st_tensor *s = mp->src;
	int64_t n = s->shape[0];
	float *v = malloc(sizeof(float) * (size_t)(2 * n + 1));
	if (!v)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = kolm_row_to_f32(kolm_st_dtype_ggml(s->dtype), s->data, v, n)
			 ? kolm_err_set(err, KOLM_E_FORMAT, "%s: dtype %s is not read by the engine", s->name,
					kolm_st_dtype_name(s->dtype))
			 : KOLM_OK;
	for (int64_t i = 0; !rc && mp->transform == KOLM_HF_ADD_ONE && i < n; i++)
		v[i] += 1.0f;
	if (!rc && mp->transform == KOLM_HF_UNPERMUTE) {
		if (mp->n_head <= 0 || n % (2 * mp->n_head))
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %lld values do not split into heads", s->name, (long long)n);
		else {
			kolm_hf_unpermute_rows((const uint8_t *)v, (uint8_t *)(v + n), n, 4, mp->n_head);
			memcpy(v, v + n, sizeof(float) * (size_t)n);
		}
	}
	rc = rc ? rc : kolm_gguf_writer_data(w, v, sizeof(float) * (size_t)n, err);
	free(v);
	return rc;
}

/* The metadata GGUF: written to a temporary file, mapped, unlinked. */
static int write_meta(struct ek_mlx *m, const struct kolm_model *md, const struct kolm_hf_map *mp, int64_t nm,
		      const char *dir, struct kolm_gguf **meta, struct kolm_err *err)
{
	struct kolm_tokmeta tok = {0};
	struct kolm_files f = {.dir = dir, .label = dir};
	int rc = kolm_tokmeta_load_files(&tok, &f, err);
	if (rc)
		return rc;
	const char *tmp = getenv("TMPDIR");
	char path[4200];
	snprintf(path, sizeof path, "%s/kolm-mlx-meta.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		kolm_tokmeta_release(&tok);
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", path, strerror(errno));
	}
	close(fd);
	struct kolm_gguf_writer *w = NULL;
	if (!(rc = kolm_gguf_writer_new(&w, 32, err))) {
		const char *name = strrchr(dir, '/');
		int krc = kolm_gguf_writer_kv_str(w, "general.architecture", md->hp.arch);
		krc |= kolm_gguf_writer_kv_str(w, "general.name", name && name[1] ? name + 1 : dir);
		krc |= kolm_hf_gguf_arch_keys(w, &md->hp);
		krc |= kolm_hf_gguf_tokenizer(w, &tok);
		for (int64_t i = 0; i < nm; i++)
			if (mp[i].n_dims == 1)
				krc |= kolm_gguf_writer_tensor(w, mp[i].gguf, KOLM_T_F32, mp[i].ne, 1);
		int64_t nf = md->hp.head_dim / 2;
		if (md->hp.rope_freqs)
			krc |= kolm_gguf_writer_tensor(w, "rope_freqs.weight", KOLM_T_F32, &nf, 1);
		if (krc)
			rc = kolm_err_set(err, KOLM_E_NOMEM, "%s: cannot build the model's metadata", dir);
		rc = rc ? rc : kolm_gguf_writer_begin(w, path, err);
		for (int64_t i = 0; !rc && i < nm; i++)
			if (mp[i].n_dims == 1)
				rc = write_vec(w, &mp[i], err);
		if (!rc && md->hp.rope_freqs) {
			float *ff = malloc(sizeof(float) * (size_t)(nf + 1));
			if (!ff)
				rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			else {
				kolm_hf_llama3_rope_factors(&md->hp, ff, nf);
				rc = kolm_gguf_writer_data(w, ff, sizeof(float) * (size_t)nf, err);
				free(ff);
			}
		}
		rc = rc ? rc : kolm_gguf_writer_finish(w, NULL, err);
		kolm_gguf_writer_free(w);
	}
	kolm_tokmeta_release(&tok);
	rc = rc ? rc : kolm_gguf_open(meta, path, err);
	unlink(path);
	(void)m;
	return rc;
}

static int open_dir(struct ek_mlx *m, struct kolm_gguf **meta, const char *dir, struct kolm_err *err)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/config.json", dir);
	json_error_t je;
	json_t *cfg = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	if (!cfg)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: %s", p, je.text);
	struct kolm_model md = {0};
	struct kolm_hf_map *mp = NULL;
	int64_t nm = 0;
	const json_t *q = json_object_get(cfg, "quantization");
	int rc = kolm_model_from_config(&md, cfg, NULL, err);
	rc = rc ? rc : kolm_safetensors_open(&m->st, dir, err);
	rc = rc ? rc : kolm_hfdir_map(m->st, &md.hp, &mp, &nm, err);
	if (!rc && !(m->t = calloc((size_t)nm + 1, sizeof *m->t)))
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int64_t i = 0; !rc && i < nm; i++) {
		if (mp[i].n_dims == 2)
			rc = add_matrix(m, &mp[i], q, err);
		else if (mp[i].n_dims == 1) {
			m->params += mp[i].ne[0];
			m->bytes += mp[i].src->nbytes;
		} else
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %d dimensions", mp[i].src->name, mp[i].n_dims);
	}
	rc = rc ? rc : write_meta(m, &md, mp, nm, dir, meta, err);
	/* what kolm bench records it as: the quantization block's bits, or an
	 * unquantized directory's dtype */
	int bits = (int)json_integer_value(json_object_get(q, "bits")), st = -1;
	for (int64_t i = 0; i < m->n && st < 0; i++)
		st = m->t[i].type >= 0 ? m->t[i].type : -1;
	if (bits >= 2 && bits <= 8)
		snprintf(m->format, sizeof m->format, "mlx-%dbit", bits);
	else
		snprintf(m->format, sizeof m->format, "%s",
			 st == KOLM_T_F16 ? "mlx-fp16" : st == KOLM_T_BF16 ? "mlx-bf16" : "mlx-f32");
	free(mp);
	kolm_model_release(&md);
	json_decref(cfg);
	return rc;
}

int ek_mlx_open(struct ek_mlx **out, struct kolm_gguf **meta, const char *dir, int max_batch, struct kolm_err *err)
{
	struct ek_mlx *m = calloc(1, sizeof *m);
	if (!m)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = open_dir(m, meta, dir, err);
	int64_t ng = 1;
	for (int64_t i = 0; !rc && i < m->n; i++)
		if (m->t[i].type < 0 && m->t[i].n_in / m->t[i].group > ng)
			ng = m->t[i].n_in / m->t[i].group;
	m->xs_cap = (size_t)(max_batch > 0 ? max_batch : 1) * (size_t)ng;
	if (!rc && !(m->xs = malloc(m->xs_cap * sizeof *m->xs)))
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (rc) {
		ek_mlx_close(m);
		return rc;
	}
	*out = m;
	return KOLM_OK;
}

const char *ek_mlx_format(const struct ek_mlx *m)
{
	return m->format;
}

void ek_mlx_close(struct ek_mlx *m)
{
	if (!m)
		return;
	for (int64_t i = 0; m->t && i < m->n; i++)
		free(m->t[i].owned);
	free(m->t);
	free(m->xs);
	kolm_safetensors_close(m->st);
	free(m);
}

const struct ek_mlx_tensor *ek_mlx_find(const struct ek_mlx *m, const char *name)
{
	for (int64_t i = 0; m && i < m->n; i++)
		if (!strcmp(m->t[i].name, name))
			return &m->t[i];
	return NULL;
}

void ek_mlx_totals(const struct ek_mlx *m, int64_t *params, uint64_t *bytes)
{
	*params += m->params;
	*bytes += m->bytes;
}

/* ---- multiplication ------------------------------------------------------ */
struct mx_job {
	const struct ek_mlx_tensor *w;
	const float *x;
	int64_t ldx;
	const float *xs;
	int nb, simd;
	float *scr;     /* nb > 1: a row dequantized once per thread (n_in floats each), or NULL */
	float *y;
	int64_t ldy;
	int64_t next, chunk;
};

static void mx_task(void *ctx, int ith, int nth)
{
	struct mx_job *j = ctx;
	const struct ek_mlx_tensor *w = j->w;
	const int64_t ng = w->n_in / w->group;
	(void)nth;
	for (;;) {
		int64_t r0 = __atomic_fetch_add(&j->next, j->chunk, __ATOMIC_RELAXED);
		if (r0 >= w->n_out)
			break;
		int64_t r1 = r0 + j->chunk < w->n_out ? r0 + j->chunk : w->n_out;
		for (int64_t r = r0; r < r1; r++) {
			const uint8_t *q = w->data + (uint64_t)r * w->row_bytes;
			const uint8_t *s = w->scales + (uint64_t)r * w->srow_bytes, *b = w->biases + (uint64_t)r * w->srow_bytes;
			if (j->scr) { /* a prompt: the row unpacked once, dotted with every activation row in F32 */
				float *d = j->scr + (size_t)ith * (size_t)w->n_in;
				kolm_affine_dequantize_row_t(q, s, b, w->stype, w->n_in, w->group, w->bits, d);
				for (int c = 0; c < j->nb; c++)
					j->y[c * j->ldy + r] = kq_vec_dot_f32(d, j->x + c * j->ldx, w->n_in, j->simd);
				continue;
			}
			for (int c = 0; c < j->nb; c++)
				j->y[c * j->ldy + r] = kolm_affine_dot(q, s, b, w->stype, w->n_in, w->group, w->bits,
								      j->x + c * j->ldx, j->xs + c * ng, j->simd);
		}
	}
}

void ek_mlx_matmul(struct ek_mlx *m, struct ek_pool *pool, int simd, const struct ek_mlx_tensor *w, const float *x,
		  int64_t ldx, int nb, float *y, int64_t ldy)
{
	const int64_t ng = w->n_in / w->group;
	for (int c = 0; c < nb; c++)
		kolm_affine_xsum(x + c * ldx, w->n_in, w->group, m->xs + c * ng);
	struct mx_job j = {.w = w, .x = x, .ldx = ldx, .xs = m->xs, .nb = nb, .simd = simd, .y = y, .ldy = ldy};
	const int nth = ek_pool_threads(pool);
	j.chunk = (w->n_out + 8 * nth - 1) / (8 * nth);
	if (j.chunk < 16)
		j.chunk = 16;
	/* without the scratch (no memory) a prompt takes the decode kernel */
	j.scr = nb > 1 ? malloc((size_t)nth * (size_t)w->n_in * sizeof(float)) : NULL;
	ek_pool_run(pool, mx_task, &j);
	free(j.scr);
}

void ek_mlx_row(const struct ek_mlx_tensor *w, int64_t r, float *out)
{
	kolm_affine_dequantize_row_t(w->data + (uint64_t)r * w->row_bytes, w->scales + (uint64_t)r * w->srow_bytes,
				     w->biases + (uint64_t)r * w->srow_bytes, w->stype, w->n_in, w->group, w->bits, out);
}
