/* export_mlx.c - native MLX-LM export (export.h): a Hugging Face checkpoint
 * or a .kolm -> the model directory mlx_lm.convert writes, the same tensors
 * bit for bit (mlx_lm 0.32 convert.py / utils.py read for every rule). */
#include "kolm/export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/affine.h"
#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/eval.h"
#include "kolm/fp16.h"
#include "kolm/quant.h"
#include "kolm/safetensors.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "kolm/version.h"
#include "artifact_internal.h"
#include "export_mlx_json_internal.h"

/* mlx_lm.utils.MAX_FILE_SIZE_GB = 5, shifted by 30 in make_shards */
#define SHARD_MAX (5ULL << 30)
/* rows are converted in chunks of about this many elements */
#define CHUNK_ELEMS (4LL << 20)
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

enum { PART_W, PART_S, PART_B };

/* One tensor of the output: a source tensor (packed when quantized), or the
 * scales or biases of a quantized one. */
struct ent {
	int src;
	int part;
	char *name;
	int dtype;
	int n_dims;
	int64_t shape[KOLM_ST_MAX_DIMS];
	uint64_t nbytes;
	int shard;
	uint64_t off;
};

struct src {
	const struct kolm_st_tensor *t;
	int quant;
	int dtype;          /* the output dtype of its float data */
	int64_t rows, cols; /* cols: last dimension */
	uint8_t *sb;        /* a quantized tensor's scales then biases (dtype), kept until written */
	int key[4];         /* mlx-lm's parameter order (module tree), then the name */
};

struct shard {
	char name[64];
	uint64_t data_bytes;
	char payload[65];
	char file_sha[65];
	uint64_t file_bytes;
};

struct mjob {
	const struct kolm_export_opts *o;
	const struct kolm_format *fmt;
	int bits, group;            /* bits 16: no quantization (mlx-fp16) */
	struct kolm_export_source src; /* the .kolm, its manifest, base, K and gate */
	struct kolm_files files;
	char mhex[65];
	json_t *cfg;
	const char *dtype_name;     /* the conversion dtype, NULL when none */
	struct kolm_safetensors *st;
	struct src *s;
	int ns;
	struct ent *e;
	int ne;
	struct shard *sh;
	int nsh;
	char *tmpdir;
	float *f32;
	uint8_t *q;
	float *qs, *qb;
	uint64_t in_total, in_done;
	int64_t params;
	double t0;
	double export_k;            /* the export's K measured by the engine, < 0 when not */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* SHA-256 in hex through core's helpers, each kind used from here only */
static int sha_hex(const uint8_t *p, uint64_t n, char out[65], struct kolm_err *err)
{
	return kolm_sha256_hex_range(p, n, out, err);
}

static int sha_buf_hex(const void *p, size_t n, char out[65], struct kolm_err *err)
{
	uint8_t md[32];
	int rc = kolm_sha256_buf(p, n, md, err);
	if (!rc)
		kolm_hex(md, 32, out);
	return rc;
}

static int sha_final_hex(struct kolm_sha256 *h, char out[65], struct kolm_err *err)
{
	uint8_t md[32];
	int rc = kolm_sha256_final(h, md, err);
	if (!rc)
		kolm_hex(md, 32, out);
	return rc;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* ---- the source ------------------------------------------------------ */

static int mlx_artifact(struct mjob *x, struct kolm_err *err)
{
	/* as the GGUF export: the members' hashes before anything is converted */
	return kolm_export_source_open(&x->src, x->o->artifact, x->o->min_k, &x->files, err);
}

static json_t *load_json_file(const struct kolm_files *f, const char *name, struct kolm_err *err)
{
	struct kolm_map m = {0};
	if (kolm_files_get(f, name, &m, NULL))
		return NULL;
	json_error_t je;
	json_t *v = json_loadb((const char *)m.data, (size_t)m.size, JSON_REJECT_DUPLICATES, &je);
	kolm_files_put(f, &m);
	if (!v && err)
		kolm_err_set(err, KOLM_E_FORMAT, "%s/%s: %s (line %d)", f->label, name, je.text, je.line);
	return v;
}

static const char *const ARCHS[] = {"llama", "mistral", "qwen2", "qwen3", "phi3", "gemma2", NULL};

/* config.json as mlx-lm's load_config reads it (generation_config.json's
 * eos_token_id wins), and the conversion dtype convert() takes from it. */
static int mlx_config(struct mjob *x, struct kolm_err *err)
{
	struct kolm_err e2 = {0};
	if (!(x->cfg = load_json_file(&x->files, "config.json", &e2))) {
		if (e2.code)
			*err = e2;
		else
			kolm_err_set(err, KOLM_E_FORMAT, "%s: no config.json", x->files.label);
		return err->code;
	}
	if (!json_is_object(x->cfg))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s/config.json: not a JSON object", x->files.label);
	const char *mt = json_string_value(json_object_get(x->cfg, "model_type"));
	int known = 0;
	for (int i = 0; mt && ARCHS[i]; i++)
		known |= !strcmp(mt, ARCHS[i]);
	if (!known)
		return kolm_err_set(err, KOLM_E_USAGE,
				    "export: model_type '%s': kolm knows mlx-lm's conversion rules for llama, mistral, qwen2, "
				    "qwen3, phi3 and gemma2 only",
				    mt ? mt : "(none)");
	if (json_object_get(x->cfg, "quantization") || json_object_get(x->cfg, "quantization_config"))
		return kolm_err_set(err, KOLM_E_USAGE, "export: %s is already quantized (config.json has a quantization block)",
				    x->files.label);
	json_t *gen = load_json_file(&x->files, "generation_config.json", NULL);
	json_t *eos = gen ? json_object_get(gen, "eos_token_id") : NULL;
	/* Python truthiness: 0, [] and null do not override */
	if (eos && !json_is_null(eos) && !(json_is_integer(eos) && json_integer_value(eos) == 0) &&
	    !(json_is_array(eos) && json_array_size(eos) == 0) && !json_is_false(eos))
		json_object_set(x->cfg, "eos_token_id", eos);
	json_decref(gen);
	json_object_del(x->cfg, "_name_or_path");
	json_object_del(x->cfg, "vision_config");
	if (x->bits == 16) {
		x->dtype_name = "float16"; /* the upstream command: --dtype float16 */
		return KOLM_OK;
	}
	const char *d = json_string_value(json_object_get(x->cfg, "torch_dtype"));
	json_t *tc = json_object_get(x->cfg, "text_config");
	if (!d && json_is_object(tc))
		d = json_string_value(json_object_get(tc, "dtype"));
	if (d && (!strcmp(d, "float16") || !strcmp(d, "bfloat16") || !strcmp(d, "float32")))
		x->dtype_name = d;
	return KOLM_OK;
}

/* Rank of a tensor in mlx-lm's module tree (model.parameters() order),
 * which decides where make_shards cuts. */
static void order_key(const char *name, int key[4])
{
	static const char *const in_layer[] = {
		"self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj.", "self_attn.o_proj.",
		"self_attn.qkv_proj.", "self_attn.q_norm.", "self_attn.k_norm.", "mlp.gate_proj.",
		"mlp.down_proj.", "mlp.up_proj.", "mlp.gate_up_proj.", "input_layernorm.",
		"post_attention_layernorm.", "pre_feedforward_layernorm.", "post_feedforward_layernorm.", NULL};
	key[0] = 2;
	key[1] = key[2] = 0;
	key[3] = ends_with(name, ".bias");
	if (!strncmp(name, "model.embed_tokens.", 19)) {
		key[0] = 0;
	} else if (!strncmp(name, "model.layers.", 13)) {
		key[0] = 1;
		char *end;
		key[1] = (int)strtol(name + 13, &end, 10);
		key[2] = 99;
		for (int i = 0; in_layer[i]; i++)
			if (*end == '.' && !strncmp(end + 1, in_layer[i], strlen(in_layer[i])))
				key[2] = i;
	} else if (!strncmp(name, "lm_head.", 8)) {
		key[0] = 3;
	}
}

static int src_cmp(const void *pa, const void *pb)
{
	const struct src *a = pa, *b = pb;
	for (int i = 0; i < 4; i++)
		if (a->key[i] != b->key[i])
			return a->key[i] < b->key[i] ? -1 : 1;
	return strcmp(a->t->name, b->t->name);
}

static int st_dtype_of(const char *d)
{
	return !strcmp(d, "float16") ? KOLM_ST_F16 : !strcmp(d, "bfloat16") ? KOLM_ST_BF16 : KOLM_ST_F32;
}

/* The tensors mlx-lm keeps (its sanitize), their output dtype (the
 * conversion dtype casts floating tensors) and which are quantized
 * (nn.quantize: Linear and Embedding weights, mlx-lm's predicate: the last
 * dimension a multiple of the group size). */
static int mlx_tensors(struct mjob *x, struct kolm_err *err)
{
	const char *mt = json_string_value(json_object_get(x->cfg, "model_type"));
	json_t *tie = json_object_get(x->cfg, "tie_word_embeddings");
	/* ModelArgs defaults: True for llama (mistral) and qwen2; qwen3 has no
	 * default; phi3 and gemma2 have no sanitize */
	int drop_head = json_is_boolean(tie) ? json_is_true(tie)
					     : (!strcmp(mt, "llama") || !strcmp(mt, "mistral") || !strcmp(mt, "qwen2"));
	if (!strcmp(mt, "phi3") || !strcmp(mt, "gemma2"))
		drop_head = 0;
	int64_t n = kolm_safetensors_count(x->st);
	x->s = calloc((size_t)(n > 0 ? n : 1), sizeof *x->s);
	if (!x->s)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_st_tensor *t = kolm_safetensors_at(x->st, i);
		if (strstr(t->name, "self_attn.rotary_emb.inv_freq") || (drop_head && !strcmp(t->name, "lm_head.weight")))
			continue;
		if (t->dtype != KOLM_ST_F32 && t->dtype != KOLM_ST_F16 && t->dtype != KOLM_ST_BF16)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: dtype %s: the MLX export reads F32, F16 and BF16 tensors",
					    t->name, kolm_st_dtype_name(t->dtype));
		struct src *s = &x->s[x->ns++];
		s->t = t;
		s->dtype = x->dtype_name ? st_dtype_of(x->dtype_name) : t->dtype;
		s->cols = t->n_dims ? t->shape[t->n_dims - 1] : 1;
		int64_t el = (int64_t)(t->nbytes / (uint64_t)kolm_st_dtype_size(t->dtype));
		s->rows = s->cols ? el / s->cols : 0;
		s->quant = x->bits < 16 && t->n_dims == 2 && ends_with(t->name, ".weight") && s->cols % x->group == 0;
		order_key(t->name, s->key);
		x->in_total += t->nbytes;
		x->params += el;
	}
	qsort(x->s, (size_t)x->ns, sizeof *x->s, src_cmp);
	return KOLM_OK;
}

static int add_ent(struct mjob *x, int si, int part, const char *suffix, int dtype, int n_dims, const int64_t *shape,
		   struct kolm_err *err)
{
	struct ent *e = &x->e[x->ne++];
	const char *nm = x->s[si].t->name;
	size_t L = strlen(nm);
	e->src = si;
	e->part = part;
	e->dtype = dtype;
	e->n_dims = n_dims;
	e->nbytes = (uint64_t)kolm_st_dtype_size(dtype);
	for (int d = 0; d < n_dims; d++) {
		e->shape[d] = shape[d];
		e->nbytes *= (uint64_t)shape[d];
	}
	if (suffix) {
		e->name = malloc(L + strlen(suffix) + 1);
		if (e->name) {
			memcpy(e->name, nm, L - 6); /* "weight" */
			strcpy(e->name + L - 6, suffix);
		}
	} else {
		e->name = kolm_strdup(nm);
	}
	return e->name ? KOLM_OK : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
}

/* The output tensors in parameter order, cut into shards as make_shards
 * does (a new shard when the next tensor would pass 5 GiB). */
static int mlx_layout(struct mjob *x, struct kolm_err *err)
{
	int rc;
	x->e = calloc((size_t)x->ns * 3 + 1, sizeof *x->e);
	if (!x->e)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int i = 0; i < x->ns; i++) {
		const struct src *s = &x->s[i];
		if (!s->quant) {
			rc = add_ent(x, i, PART_W, NULL, s->dtype, s->t->n_dims, s->t->shape, err);
		} else {
			int64_t wsh[2] = {s->rows, s->cols * x->bits / 32}, gsh[2] = {s->rows, s->cols / x->group};
			rc = add_ent(x, i, PART_W, NULL, KOLM_ST_U32, 2, wsh, err);
			rc = rc ? rc : add_ent(x, i, PART_S, "scales", s->dtype, 2, gsh, err);
			rc = rc ? rc : add_ent(x, i, PART_B, "biases", s->dtype, 2, gsh, err);
		}
		if (rc)
			return rc;
	}
	uint64_t size = 0;
	x->sh = calloc((size_t)x->ne + 1, sizeof *x->sh);
	if (!x->sh)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int i = 0; i < x->ne; i++) {
		struct ent *e = &x->e[i];
		if (!x->nsh || size + e->nbytes > SHARD_MAX) {
			x->nsh++;
			size = 0;
		}
		e->shard = x->nsh - 1;
		e->off = size;
		size += e->nbytes;
		x->sh[e->shard].data_bytes = size;
	}
	for (int k = 0; k < x->nsh; k++)
		if (x->nsh > 1)
			snprintf(x->sh[k].name, sizeof x->sh[k].name, "model-%05d-of-%05d.safetensors", k + 1, x->nsh);
		else
			snprintf(x->sh[k].name, sizeof x->sh[k].name, "model.safetensors");
	return KOLM_OK;
}

/* ---- writing ----------------------------------------------------------- */

static void to_dtype(const float *in, int64_t n, int dtype, uint8_t *out)
{
	if (dtype == KOLM_ST_F32) {
		memcpy(out, in, (size_t)n * 4);
		return;
	}
	uint16_t *o = (uint16_t *)out;
	for (int64_t i = 0; i < n; i++)
		o[i] = dtype == KOLM_ST_F16 ? kolm_fp32_to_fp16(in[i]) : kolm_fp32_to_bf16(in[i]);
}

/* rows r0 .. r0+nr of s as float32 in dst, after the cast to its output
 * dtype; -1 when the dtype cannot be read */
static int convert_rows(const struct src *s, int64_t r0, int64_t nr, float *dst)
{
	uint64_t es = (uint64_t)kolm_st_dtype_size(s->t->dtype);
	int64_t n = nr * s->cols;
	if (kolm_row_to_f32(kolm_st_dtype_ggml(s->t->dtype), s->t->data + (uint64_t)(r0 * s->cols) * es, dst, n))
		return -1;
	if (s->dtype == s->t->dtype)
		return 0; /* the cast is the identity */
	if (s->dtype == KOLM_ST_F16)
		for (int64_t i = 0; i < n; i++)
			dst[i] = kolm_fp16_to_fp32(kolm_fp32_to_fp16(dst[i]));
	else if (s->dtype == KOLM_ST_BF16)
		for (int64_t i = 0; i < n; i++)
			dst[i] = kolm_bf16_to_fp32(kolm_fp32_to_bf16(dst[i]));
	return 0;
}

static int rows_f32(struct mjob *x, const struct src *s, int64_t r0, int64_t nr, struct kolm_err *err)
{
	if (convert_rows(s, r0, nr, x->f32))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: cannot read dtype %s", s->t->name,
				    kolm_st_dtype_name(s->t->dtype));
	return KOLM_OK;
}

/* Rows r0 .. r0+nr of s converted into x->f32 and quantized into x->q,
 * x->qs, x->qb by up to o->threads workers over disjoint rows (a row's
 * result does not depend on the split). */
struct qwork {
	const struct mjob *x;
	const struct src *s;
	int64_t base, r0, r1;
	int rc;
};

static void *quantize_some(void *arg)
{
	struct qwork *w = arg;
	const struct mjob *x = w->x;
	int64_t cols = w->s->cols, gpr = cols / x->group;
	size_t rb = (size_t)(cols * x->bits / 8);
	if (convert_rows(w->s, w->base + w->r0, w->r1 - w->r0, x->f32 + w->r0 * cols)) {
		w->rc = -1;
		return NULL;
	}
	for (int64_t r = w->r0; r < w->r1; r++)
		kolm_affine_quantize_row(x->f32 + r * cols, cols, x->group, x->bits, x->q + (size_t)r * rb, x->qs + r * gpr,
					 x->qb + r * gpr);
	return NULL;
}

static int quantize_rows(struct mjob *x, const struct src *s, int64_t r0, int64_t nr, struct kolm_err *err)
{
	enum { MAXT = 64 };
	pthread_t th[MAXT];
	int made[MAXT] = {0};
	struct qwork w[MAXT];
	int nt = x->o->threads > 1 ? x->o->threads : 1;
	nt = nt > MAXT ? MAXT : nt;
	if (nr < 2 * nt)
		nt = 1;
	for (int i = 0; i < nt; i++)
		w[i] = (struct qwork){x, s, r0, nr * i / nt, nr * (i + 1) / nt, 0};
	for (int i = 1; i < nt; i++)
		made[i] = pthread_create(&th[i], NULL, quantize_some, &w[i]) == 0;
	quantize_some(&w[0]);
	int bad = w[0].rc;
	for (int i = 1; i < nt; i++) {
		if (made[i])
			pthread_join(th[i], NULL);
		else
			quantize_some(&w[i]); /* no thread: done here */
		bad |= w[i].rc;
	}
	return bad ? kolm_err_set(err, KOLM_E_FORMAT, "%s: cannot read dtype %s", s->t->name,
				  kolm_st_dtype_name(s->t->dtype))
		   : KOLM_OK;
}

static int write_ent(struct mjob *x, struct kolm_out *out, struct kolm_sha256 *h, const struct ent *e,
		     struct kolm_err *err)
{
	struct src *s = &x->s[e->src];
	int rc;
	if (e->part != PART_W) {
		uint64_t half = e->nbytes;
		const uint8_t *p = s->sb + (e->part == PART_B ? half : 0);
		kolm_sha256_update(h, p, (size_t)half);
		rc = kolm_out_write(out, p, (size_t)half, err);
		if (e->part == PART_B) {
			free(s->sb);
			s->sb = NULL;
		}
		return rc;
	}
	int64_t per = s->cols ? CHUNK_ELEMS / s->cols : 1;
	per = per > 0 ? per : 1;
	int es = kolm_st_dtype_size(s->dtype), gpr = s->quant ? (int)(s->cols / x->group) : 0;
	if (s->quant && !(s->sb = malloc((size_t)(s->rows * gpr * es) * 2)))
		return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", s->t->name);
	for (int64_t r0 = 0; r0 < s->rows; r0 += per) {
		int64_t nr = s->rows - r0 < per ? s->rows - r0 : per;
		const void *data;
		size_t bytes;
		if (!s->quant && s->dtype == s->t->dtype) { /* no cast: the source bytes */
			data = s->t->data + (uint64_t)(r0 * s->cols * es);
			bytes = (size_t)(nr * s->cols * es);
		} else if (!s->quant) {
			if ((rc = rows_f32(x, s, r0, nr, err)))
				return rc;
			to_dtype(x->f32, nr * s->cols, s->dtype, x->q);
			data = x->q;
			bytes = (size_t)(nr * s->cols * es);
		} else {
			size_t rb = (size_t)(s->cols * x->bits / 8);
			if ((rc = quantize_rows(x, s, r0, nr, err)))
				return rc;
			uint8_t *sc = s->sb + (size_t)(r0 * gpr * es), *bi = s->sb + (size_t)((s->rows + r0) * gpr * es);
			to_dtype(x->qs, nr * gpr, s->dtype, sc);
			to_dtype(x->qb, nr * gpr, s->dtype, bi);
			data = x->q;
			bytes = rb * (size_t)nr;
		}
		kolm_sha256_update(h, data, bytes);
		if ((rc = kolm_out_write(out, data, bytes, err)))
			return rc;
	}
	x->in_done += s->t->nbytes;
	return KOLM_OK;
}

static int ent_name_cmp(const void *pa, const void *pb)
{
	return strcmp((*(const struct ent *const *)pa)->name, (*(const struct ent *const *)pb)->name);
}

/* The shard's header as mx.save_safetensors writes it (compact JSON, keys
 * sorted, "__metadata__" among them), then spaces to a multiple of 8. */
static char *shard_header(struct mjob *x, int k, size_t *len)
{
	struct kolm_buf b = {0};
	char tmp[160];
	struct ent **v = malloc(sizeof *v * (size_t)(x->ne + 1));
	int n = 0;
	if (!v)
		return NULL;
	for (int i = 0; i < x->ne; i++)
		if (x->e[i].shard == k)
			v[n++] = &x->e[i];
	qsort(v, (size_t)n, sizeof *v, ent_name_cmp);
	json_t *md = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "format", "mlx", "kolm.base", x->src.base_id,
			       "kolm.manifest_sha256", x->mhex, "kolm.payload_sha256", ZERO64, "kolm.quant", x->fmt->id, "kolm.tool",
			       "kolm " KOLM_VERSION);
	char *mds = md ? json_dumps(md, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(md);
	kolm_buf_add(&b, "{", 1);
	int meta_done = 0;
	for (int i = 0; i <= n; i++) {
		if (!meta_done && (i == n || strcmp("__metadata__", v[i]->name) < 0)) {
			kolm_buf_add(&b, "\"__metadata__\":", 15);
			kolm_buf_add(&b, mds ? mds : "{}", mds ? strlen(mds) : 2);
			meta_done = 1;
			if (i < n)
				kolm_buf_add(&b, ",", 1);
		}
		if (i == n)
			break;
		json_t *nm = json_string(v[i]->name);
		char *q = nm ? json_dumps(nm, JSON_ENCODE_ANY) : NULL;
		json_decref(nm);
		if (!q) {
			b.oom = 1;
			break;
		}
		kolm_buf_add(&b, q, strlen(q));
		free(q);
		snprintf(tmp, sizeof tmp, ":{\"data_offsets\":[%llu,%llu],\"dtype\":\"%s\",\"shape\":[",
			 (unsigned long long)v[i]->off, (unsigned long long)(v[i]->off + v[i]->nbytes),
			 kolm_st_dtype_name(v[i]->dtype));
		kolm_buf_add(&b, tmp, strlen(tmp));
		for (int d = 0; d < v[i]->n_dims; d++) {
			snprintf(tmp, sizeof tmp, "%s%lld", d ? "," : "", (long long)v[i]->shape[d]);
			kolm_buf_add(&b, tmp, strlen(tmp));
		}
		kolm_buf_add(&b, i + 1 < n ? "]}," : "]}", i + 1 < n ? 3 : 2);
	}
	kolm_buf_add(&b, "}", 1);
	while (!b.oom && b.len % 8)
		kolm_buf_add(&b, " ", 1);
	free(mds);
	free(v);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

static void progress(struct mjob *x, int k, const char *name)
{
	const struct kolm_export_opts *o = x->o;
	if (o->progress) {
		struct kolm_export_progress pr = {k, x->ne, name, x->in_done, x->in_total, now_s() - x->t0};
		o->progress(o->progress_user, &pr);
	}
}

static int path_in(char *dst, size_t cap, const char *dir, const char *name, struct kolm_err *err)
{
	if (snprintf(dst, cap, "%s/%s", dir, name) >= (int)cap)
		return kolm_err_set(err, KOLM_E_USAGE, "%s/%s: path too long", dir, name);
	return KOLM_OK;
}

static int write_shard(struct mjob *x, int k, struct kolm_err *err)
{
	struct shard *sh = &x->sh[k];
	char path[4200];
	size_t hlen = 0;
	int rc = path_in(path, sizeof path, x->tmpdir, sh->name, err);
	if (rc)
		return rc;
	char *hdr = shard_header(x, k, &hlen);
	if (!hdr)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	char *zp = strstr(hdr, ZERO64);
	long zoff = 8 + (long)(zp - hdr);
	struct kolm_out out;
	struct kolm_sha256 h = {0};
	uint8_t n8[8];
	for (int i = 0; i < 8; i++)
		n8[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
	if ((rc = kolm_out_open(&out, path, err))) {
		free(hdr);
		return rc;
	}
	if ((rc = kolm_sha256_init(&h, err)) || (rc = kolm_out_write(&out, n8, 8, err)) ||
	    (rc = kolm_out_write(&out, hdr, hlen, err)))
		goto fail;
	for (int i = 0; i < x->ne; i++) {
		if (x->e[i].shard != k)
			continue;
		if ((rc = write_ent(x, &out, &h, &x->e[i], err)))
			goto fail;
		progress(x, i, x->e[i].name);
	}
	if ((rc = sha_final_hex(&h, sh->payload, err)))
		goto fail;
	if (fflush(out.fp) || fseek(out.fp, zoff, SEEK_SET) || fwrite(sh->payload, 1, 64, out.fp) != 64 ||
	    fseek(out.fp, 0, SEEK_END)) {
		rc = kolm_err_set(err, KOLM_E_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(hdr);
	if ((rc = kolm_out_commit(&out, err)))
		return rc;
	struct kolm_map m;
	if ((rc = kolm_map_open(&m, path, err)))
		return rc;
	rc = sha_hex(m.data, m.size, sh->file_sha, err);
	sh->file_bytes = m.size;
	kolm_map_close(&m);
	return rc;
fail:
	kolm_sha256_release(&h);
	kolm_out_abort(&out);
	free(hdr);
	return rc;
}

static int write_text(struct mjob *x, const char *name, char *text, struct kolm_err *err)
{
	char path[4200];
	int rc = text ? path_in(path, sizeof path, x->tmpdir, name, err) : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (!rc)
		rc = kolm_file_write_atomic(path, text, strlen(text), err);
	free(text);
	return rc;
}

/* model.safetensors.index.json as mlx-lm writes it (even for one shard). */
static char *index_text(struct mjob *x)
{
	uint64_t total = 0;
	json_t *wm = json_object(), *idx;
	struct ent **v = malloc(sizeof *v * (size_t)(x->ne + 1));
	if (!wm || !v) {
		json_decref(wm);
		free(v);
		return NULL;
	}
	for (int i = 0; i < x->ne; i++) {
		v[i] = &x->e[i];
		total += x->e[i].nbytes;
	}
	qsort(v, (size_t)x->ne, sizeof *v, ent_name_cmp);
	for (int i = 0; i < x->ne; i++)
		json_object_set_new(wm, v[i]->name, json_string(x->sh[v[i]->shard].name));
	free(v);
	idx = json_pack("{s:{s:I,s:I},s:o}", "metadata", "total_size", (json_int_t)total, "total_parameters",
			(json_int_t)x->params, "weight_map", wm);
	char *t = idx ? kolm_mlx_py_dumps(idx, 0) : NULL;
	json_decref(idx);
	return t;
}

/* config.json as save_config writes it: the quantization block twice, keys
 * sorted. */
static char *config_text(struct mjob *x)
{
	if (x->bits < 16) {
		json_t *q = json_pack("{s:i,s:i,s:s}", "group_size", x->group, "bits", x->bits, "mode", "affine");
		json_object_set_new(x->cfg, "quantization", q);
		json_object_set_new(x->cfg, "quantization_config", json_deep_copy(q));
	}
	return kolm_mlx_py_dumps(x->cfg, 1);
}

static int write_json_files(struct mjob *x, struct kolm_err *err)
{
	int rc = write_text(x, "model.safetensors.index.json", index_text(x), err);
	return rc ? rc : write_text(x, "config.json", config_text(x), err);
}

/* The tokenizer and generation files, copied as they are. */
static const char *const COPIED[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
				     "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt",
				     "generation_config.json", "chat_template.jinja", "chat_template.json", NULL};

static int copy_files(struct mjob *x, json_t *files, struct kolm_err *err)
{
	for (int i = 0; COPIED[i]; i++) {
		struct kolm_map m = {0};
		char path[4200], hex[65];
		if (kolm_files_get(&x->files, COPIED[i], &m, NULL))
			continue;
		int rc = path_in(path, sizeof path, x->tmpdir, COPIED[i], err);
		if (!rc)
			rc = kolm_file_write_atomic(path, m.data, (size_t)m.size, err);
		if (!rc)
			rc = sha_hex(m.data, m.size, hex, err);
		if (!rc)
			json_object_set_new(files, COPIED[i], json_pack("{s:I,s:s}", "bytes", (json_int_t)m.size, "sha256", hex));
		kolm_files_put(&x->files, &m);
		if (rc)
			return rc;
	}
	return KOLM_OK;
}

static int hash_file(struct mjob *x, const char *name, json_t *files, struct kolm_err *err)
{
	char path[4200], hex[65];
	struct kolm_map m;
	int rc = path_in(path, sizeof path, x->tmpdir, name, err);
	if (rc || (rc = kolm_map_open(&m, path, err)))
		return rc;
	rc = sha_hex(m.data, m.size, hex, err);
	if (!rc)
		json_object_set_new(files, name, json_pack("{s:I,s:s}", "bytes", (json_int_t)m.size, "sha256", hex));
	kolm_map_close(&m);
	return rc;
}

/* kolm.json: the manifest stamp and every file's hash (what verify binds). */
static json_t *stamp(struct mjob *x, json_t *files)
{
	/* no gate: the manifest (bound by its hash) has it */
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:s?,s:s,s:s,s:s,s:o,s:s}", "schema", "kolm.mlx-export/1",
			      "base", x->src.base_id, "quant", x->fmt->id, "mode", "affine", "bits", x->bits < 16 ? x->bits : 16,
			      "group_size", x->bits < 16 ? x->group : 0, "dtype", x->dtype_name, "manifest_sha256", x->mhex,
			      "k_score_source", x->src.k_source, "export_k_source", x->export_k >= 0 ? "measured" : "unmeasured",
			      "files", files, "tool", "kolm " KOLM_VERSION);
	if (j && x->src.k_value >= 0)
		json_object_set_new(j, "k_score", json_real(x->src.k_value));
	if (j && x->export_k >= 0)
		json_object_set_new(j, "export_k_score", json_real(x->export_k));
	json_t *pay = json_object();
	for (int k = 0; j && pay && k < x->nsh; k++)
		json_object_set_new(pay, x->sh[k].name, json_string(x->sh[k].payload));
	if (j)
		json_object_set_new(j, "payload_sha256", pay);
	else
		json_decref(pay);
	return j;
}

static char *stamp_text(json_t *st)
{
	return st ? json_dumps(st, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
}

static void rm_tmpdir(const char *dir)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;
	char p[4200];
	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    snprintf(p, sizeof p, "%s/%s", dir, de->d_name) < (int)sizeof p)
			unlink(p);
	closedir(d);
	rmdir(dir);
}

static int fsync_path(const char *p)
{
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

/* The finished temporary directory renamed to the output, both fsynced. */
static int mlx_commit(struct mjob *x, struct kolm_err *err)
{
	const char *out = x->o->out_path;
	if (fsync_path(x->tmpdir))
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", x->tmpdir, strerror(errno));
	if (rename(x->tmpdir, out))
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", out,
				    errno == ENOTEMPTY || errno == EEXIST ? "exists and is not empty (remove it first)"
									  : strerror(errno));
	free(x->tmpdir);
	x->tmpdir = NULL;
	char *parent = kolm_strdup(out), *sl = parent ? strrchr(parent, '/') : NULL;
	if (sl)
		*sl = '\0';
	fsync_path(sl ? (*parent ? parent : "/") : ".");
	free(parent);
	return KOLM_OK;
}

static int mlx_begin(struct mjob *x, struct kolm_err *err)
{
	const char *out = x->o->out_path;
	int rc = kolm_out_dir_free(out, err);
	if (rc)
		return rc;
	size_t n = strlen(out) + 40;
	if (!(x->tmpdir = malloc(n)))
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	snprintf(x->tmpdir, n, "%s.kolm-tmp.%ld", out, (long)getpid());
	rm_tmpdir(x->tmpdir); /* one left by an earlier run of this pid number */
	if (mkdir(x->tmpdir, 0755)) {
		int e = errno;
		free(x->tmpdir);
		x->tmpdir = NULL;
		return kolm_err_set(err, KOLM_E_IO, "%s.kolm-tmp: %s", out, strerror(e));
	}
	int64_t maxc = 1;
	for (int i = 0; i < x->ns; i++)
		maxc = x->s[i].cols > maxc ? x->s[i].cols : maxc;
	int64_t buf = CHUNK_ELEMS > maxc ? CHUNK_ELEMS : maxc;
	x->f32 = malloc(sizeof *x->f32 * (size_t)buf);
	x->q = malloc((size_t)buf * 4);
	x->qs = malloc(sizeof *x->qs * (size_t)(buf / 8 + 1));
	x->qb = malloc(sizeof *x->qb * (size_t)(buf / 8 + 1));
	if (!x->f32 || !x->q || !x->qs || !x->qb)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	return KOLM_OK;
}

static int receipt(struct mjob *x, json_t *st, json_t **rec, struct kolm_err *err)
{
	const struct kolm_export_opts *o = x->o;
	*rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:s,s:s,s:s,s:O}", "schema", "kolm.receipt/1", "file",
			 o->out_path, "source", o->hf_dir ? o->hf_dir : o->artifact, "quant", x->fmt->id, "backend", "mlx",
			 "bits", x->bits, "group_size", x->bits < 16 ? x->group : 0, "tensors", (json_int_t)x->ne, "base",
			 x->src.base_id, "manifest_sha256", x->mhex, "export_k_source",
			 x->export_k >= 0 ? "measured" : "unmeasured", "files",
			 json_object_get(st, "files"));
	if (!*rec)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	json_object_set_new(*rec, "tool", json_string("kolm " KOLM_VERSION));
	if (x->src.k_value >= 0)
		json_object_set_new(*rec, "k_score", json_real(x->src.k_value));
	if (x->export_k >= 0)
		json_object_set_new(*rec, "export_k_score", json_real(x->export_k));
	char rpath[4200];
	if (snprintf(rpath, sizeof rpath, "%s.receipt.json", o->out_path) >= (int)sizeof rpath)
		return kolm_err_set(err, KOLM_E_USAGE, "%s: path too long", o->out_path);
	char *rs = json_dumps(*rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc = rs ? kolm_file_write_atomic(rpath, rs, strlen(rs), err) : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	free(rs);
	return rc;
}


/* ---- the export's own K-score ------------------------------------------ */

/* The written export's K on the artifact's eval pack: kolm's engine reads
 * the directory as written (engine/engine_mlx.c: the packed weights with
 * their stored scales and biases, nothing re-quantized or converted). */
static int export_measure(struct kolm_ctx *ctx, struct mjob *x, struct kolm_err *err)
{
	(void)ctx;
	const struct kolm_member *ev = kolm_artifact_member(x->src.art, "evalpack.jsonl");
	int items = 0;
	int rc = kolm_eval_k_file(x->tmpdir, (const char *)ev->data, (size_t)ev->size,
				  x->o->threads > 0 ? x->o->threads : 1, &x->export_k, &items, err);
	if (rc)
		kolm_err_prefix(err, "export: measuring the export's K-score");
	return rc;
}

static void mjob_release(struct mjob *x)
{
	if (x->tmpdir)
		rm_tmpdir(x->tmpdir);
	free(x->tmpdir);
	for (int i = 0; x->s && i < x->ns; i++)
		free(x->s[i].sb);
	for (int i = 0; x->e && i < x->ne; i++)
		free(x->e[i].name);
	free(x->s);
	free(x->e);
	free(x->sh);
	free(x->f32);
	free(x->q);
	free(x->qs);
	free(x->qb);
	free(x->src.manifest);
	json_decref(x->cfg);
	kolm_safetensors_close(x->st);
	kolm_artifact_close(x->src.art);
}

static int mlx_format(struct kolm_ctx *ctx, struct mjob *x, struct kolm_err *err)
{
	const struct kolm_export_opts *o = x->o;
	int rc = kolm_catalog_quant_resolve(ctx, o->format ? o->format : "int4", "mlx", &x->fmt, err);
	if (rc)
		return rc;
	if (strcmp(x->fmt->backend, "mlx"))
		return kolm_err_set(err, KOLM_E_USAGE, "export: %s is a %s format, not an MLX one", x->fmt->id,
				    x->fmt->backend);
	x->bits = x->fmt->bits;
	x->group = o->group_size > 0 ? o->group_size : x->fmt->group;
	if (x->bits < 16 && (x->bits < 2 || x->bits > 8 || x->bits == 7))
		return kolm_err_set(err, KOLM_E_USAGE, "export: %s: mlx quantizes to 2, 3, 4, 5, 6 or 8 bits", x->fmt->id);
	if (x->bits < 16 && x->group != 32 && x->group != 64 && x->group != 128)
		return kolm_err_set(err, KOLM_E_USAGE, "export: group size %d: mlx's affine groups are 32, 64 or 128",
				    x->group);
	return KOLM_OK;
}

int kolm_export_mlx(struct kolm_ctx *ctx, const struct kolm_export_opts *o, json_t **rec_out, struct kolm_err *err)
{
	if (!o->hf_dir == !o->artifact)
		return kolm_err_set(err, KOLM_E_USAGE, "export: give an artifact (X.kolm) or a Hugging Face directory (--from-dir)");
	if (!o->out_path)
		return kolm_err_set(err, KOLM_E_USAGE, "export: no output path");
	if (o->sign_key)
		return kolm_err_set(err, KOLM_E_USAGE,
				    "export: --sign writes a signed receipt into a GGUF export; an MLX directory is bound by "
				    "re-deriving it (kolm verify X.kolm DIR)");
	struct mjob x = {.o = o, .src = KOLM_EXPORT_SOURCE_INIT,
			 .export_k = -1};
	x.files = (struct kolm_files){o->hf_dir, NULL, 0, o->hf_dir};
	json_t *files = NULL, *st = NULL, *rec = NULL;
	int rc = mlx_format(ctx, &x, err);
	if (!rc && o->artifact)
		rc = mlx_artifact(&x, err);
	if (rc)
		goto out;
	if (!x.src.manifest && !(x.src.manifest = kolm_strdup("{}")))
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (!rc)
		rc = sha_buf_hex(x.src.manifest, strlen(x.src.manifest), x.mhex, err);
	if (rc || (rc = mlx_config(&x, err)) || (rc = kolm_safetensors_open_files(&x.st, &x.files, err)) ||
	    (rc = mlx_tensors(&x, err)) || (rc = mlx_layout(&x, err)) || (rc = mlx_begin(&x, err)))
		goto out;
	x.t0 = now_s();
	for (int k = 0; k < x.nsh; k++)
		if ((rc = write_shard(&x, k, err)))
			goto out;
	if (!(files = json_object())) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_json_files(&x, err)) || (rc = copy_files(&x, files, err)) ||
	    (rc = hash_file(&x, "config.json", files, err)) || (rc = hash_file(&x, "model.safetensors.index.json", files, err)))
		goto out;
	/* the export's own K, on the directory as written (kolm.json aside) */
	const char *mt = json_string_value(json_object_get(x.cfg, "model_type"));
	if (x.src.art && !o->no_measure && kolm_engine_supports_arch(!strcmp(mt, "mistral") ? "llama" : mt)) {
		if ((rc = export_measure(ctx, &x, err)))
			goto out;
		progress(&x, x.ne - 1, "K-score");
	}
	for (int k = 0; k < x.nsh; k++)
		json_object_set_new(files, x.sh[k].name, json_pack("{s:I,s:s}", "bytes", (json_int_t)x.sh[k].file_bytes,
								   "sha256", x.sh[k].file_sha));
	st = stamp(&x, files);
	files = NULL;
	char *sts = stamp_text(st);
	if (!sts) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_text(&x, "kolm.json", sts, err)) || (rc = mlx_commit(&x, err)) || (rc = receipt(&x, st, &rec, err)))
		goto out;
	if (rec_out) {
		*rec_out = rec;
		rec = NULL;
	}
out:
	json_decref(files);
	json_decref(st);
	json_decref(rec);
	mjob_release(&x);
	return rc;
}

static json_t *size_entry(uint64_t n)
{
	return json_pack("{s:I,s:s}", "bytes", (json_int_t)n, "sha256", ZERO64);
}

/* The directory's bytes, file by file, without writing it: the shards'
 * headers and data, the JSON files' text, the copied files, kolm.json (its
 * hashes have a fixed length). */
static int plan_sizes(struct mjob *x, uint64_t *dir_bytes, struct kolm_err *err)
{
	json_t *files = json_object(), *st;
	uint64_t total = 0;
	int rc = KOLM_OK;
	if (!files)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int i = 0; COPIED[i]; i++) {
		struct kolm_map m = {0};
		if (kolm_files_get(&x->files, COPIED[i], &m, NULL))
			continue;
		json_object_set_new(files, COPIED[i], size_entry(m.size));
		total += m.size;
		kolm_files_put(&x->files, &m);
	}
	char *ix = index_text(x), *cf = config_text(x);
	if (ix && cf) {
		json_object_set_new(files, "config.json", size_entry(strlen(cf)));
		json_object_set_new(files, "model.safetensors.index.json", size_entry(strlen(ix)));
		total += strlen(cf) + strlen(ix);
	} else {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	free(ix);
	free(cf);
	for (int k = 0; !rc && k < x->nsh; k++) {
		size_t hlen = 0;
		char *hdr = shard_header(x, k, &hlen);
		if (!hdr) {
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			break;
		}
		free(hdr);
		x->sh[k].file_bytes = 8 + hlen + x->sh[k].data_bytes;
		memcpy(x->sh[k].payload, ZERO64, 65);
		json_object_set_new(files, x->sh[k].name, size_entry(x->sh[k].file_bytes));
		total += x->sh[k].file_bytes;
	}
	if (rc) {
		json_decref(files);
		return rc;
	}
	st = stamp(x, files);
	char *sts = stamp_text(st);
	json_decref(st);
	if (!sts)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	total += strlen(sts);
	free(sts);
	*dir_bytes = total;
	return KOLM_OK;
}

int kolm_export_mlx_plan(struct kolm_ctx *ctx, const struct kolm_export_opts *o, struct kolm_mlx_plan *plan,
			 struct kolm_err *err)
{
	memset(plan, 0, sizeof *plan);
	if (!o->hf_dir == !o->artifact)
		return kolm_err_set(err, KOLM_E_USAGE, "export: give an artifact (X.kolm) or a Hugging Face directory");
	struct mjob x = {.o = o, .src = KOLM_EXPORT_SOURCE_INIT,
			 .export_k = -1};
	x.files = (struct kolm_files){o->hf_dir, NULL, 0, o->hf_dir};
	int rc = mlx_format(ctx, &x, err);
	if (!rc && o->artifact)
		rc = mlx_artifact(&x, err);
	if (!rc && !x.src.manifest && !(x.src.manifest = kolm_strdup("{}")))
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (!rc) {
		memcpy(x.mhex, ZERO64, 65);
		rc = mlx_config(&x, err);
	}
	/* a .kolm's export stamps its measured K (digits unknown until measured) */
	const char *mt = x.cfg ? json_string_value(json_object_get(x.cfg, "model_type")) : NULL;
	if (!rc && x.src.art && !o->no_measure && mt && kolm_engine_supports_arch(!strcmp(mt, "mistral") ? "llama" : mt)) {
		x.export_k = 1.0;
		plan->k_digits = 1;
	}
	if (!rc && !(rc = kolm_safetensors_open_files(&x.st, &x.files, err)) && !(rc = mlx_tensors(&x, err)) &&
	    !(rc = mlx_layout(&x, err)) && !(rc = plan_sizes(&x, &plan->dir_bytes, err))) {
		for (int i = 0; i < x.ne; i++)
			plan->tensor_bytes += x.e[i].nbytes;
		plan->n_tensors = x.ne;
		plan->n_shards = x.nsh;
		for (int i = 0; i < x.ns; i++)
			plan->n_quantized += x.s[i].quant;
	}
	mjob_release(&x);
	return rc;
}
