/* estimate.c - exact size, bytes read per token, KV bytes (estimate.h). */
#include "kolm/estimate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "forecast/galloc_internal.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/model.h"
#include "kolm/quantplan.h"
#include "kolm/types.h"
#include "kolm/util.h"

static int64_t nelem(const struct kolm_tensor_desc *t)
{
	return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}

static int is_expert(const struct kolm_tensor_desc *t)
{
	return strstr(t->name, "_exps.") != NULL;
}

/* Per-token read fraction of a tensor: the embedding table is a lookup
 * (one row) unless it doubles as the output layer; experts are read only
 * for the active ones. */
static double read_fraction(const struct kolm_model *m, const struct kolm_tensor_desc *t)
{
	if (!strcmp(t->name, "token_embd.weight"))
		return m->hp.tied ? 1.0 : 1.0 / (double)t->ne[1];
	if (is_expert(t) && m->hp.n_expert > 0)
		return (double)m->hp.n_expert_used / (double)m->hp.n_expert;
	return 1.0;
}

/* Bytes of a tensor in a non-GGUF layout (MLX, ORT, Core ML, TensorRT). */
static double layout_bytes(const struct kolm_format *f, const struct kolm_tensor_desc *t, int quantize_embd)
{
	int64_t n = nelem(t);
	int weight2d = t->n_dims >= 2 && !strstr(t->name, "_norm") && !strstr(t->name, "ffn_gate_inp");
	int embd = !strcmp(t->name, "token_embd.weight") || !strcmp(t->name, "output.weight");
	if (!weight2d || f->bits >= 16 || (embd && !quantize_embd))
		return 2.0 * (double)n; /* fp16 */
	double b = (double)n * f->bits / 8.0;
	int64_t groups = f->group > 0 ? (n + f->group - 1) / f->group : t->ne[1] * t->ne[2];
	b += (double)groups * (f->scale_bytes + f->zero_bytes);
	json_t *lut = json_object_get(f->json, "lut_entries");
	if (json_is_integer(lut))
		b += 2.0 * (double)json_integer_value(lut);
	return ceil(b);
}

/* Bytes of a tensor in mlx-lm's layout (mlx_lm.convert, and kolm's native
 * MLX export, export_mlx.c): floating tensors in the conversion dtype
 * (config.json's torch_dtype when float16, bfloat16 or float32, else as
 * stored, 16-bit for a config without one; mlx-fp16: float16); Linear and
 * Embedding weights whose rows are a multiple of the group packed at bits/8
 * bytes per weight plus a scale and a bias per group in that dtype (MoE
 * experts and routers too; qwen3_moe's routers at 8 bits, group 64, as its
 * quant_predicate says).  rope_freqs is GGUF's, not an MLX tensor: 0. */
static uint64_t mlx_bytes(const struct kolm_model *m, const struct kolm_format *f, const struct kolm_tensor_desc *t)
{
	if (!strcmp(t->name, "rope_freqs.weight"))
		return 0;
	const char *d = m->hp.torch_dtype;
	/* a config's tensor types are GGUF's placeholders (F32 norms): without
	 * a torch_dtype its checkpoint counts as 16-bit, as published ones are */
	int placeholder = m->source && (!strcmp(m->source, "config") || !strcmp(m->source, "catalog"));
	uint64_t es = t->type == KOLM_T_F32 && !placeholder ? 4 : 2;
	if (f->bits >= 16 || !strcmp(d, "float16") || !strcmp(d, "bfloat16"))
		es = 2;
	else if (!strcmp(d, "float32"))
		es = 4;
	uint64_t n = (uint64_t)nelem(t);
	int weight2d = t->n_dims >= 2 && !strstr(t->name, "_norm");
	uint64_t bits = (uint64_t)f->bits, group = (uint64_t)f->group;
	/* qwen3_moe's quant_predicate: the router at 8 bits, group 64 */
	if (strstr(t->name, "ffn_gate_inp") && !strcmp(m->hp.model_type, "qwen3_moe"))
		bits = 8, group = 64;
	if (f->bits >= 16 || f->group <= 0 || !weight2d || (uint64_t)t->ne[0] % group)
		return n * es;
	return n * bits / 8 + 2 * (n / group) * es;
}

/* GGUF bytes before the tensor infos: as read from the file, else the
 * 24-byte header and the tokenizer family's key-value bytes
 * (data/tokenizers.json, measured or estimated), 4096 when no family is
 * known. */
static uint64_t meta_bytes(struct kolm_ctx *ctx, const struct kolm_model *m)
{
	if (m->meta_exact)
		return m->meta_bytes;
	uint64_t kv = 4096;
	if (ctx && m->hp.tokenizer[0]) {
		json_t *tk = kolm_ctx_json(ctx, "data/tokenizers.json", NULL);
		json_t *fam = kolm_json_find_id(json_object_get(tk, "tokenizers"), m->hp.tokenizer);
		if (fam)
			kv = (uint64_t)kolm_json_int(fam, "kv_bytes", 4096);
	}
	return 24 + kv;
}

/* What every estimate sums tensor by tensor, in file order: bytes by type,
 * bytes read per decoded token, parameters (all, and those a token uses). */
struct tally {
	uint64_t raw;
	double read, active;
	int64_t params, output;
	uint64_t output_bytes;
};

/* type < 0: a non-GGUF layout (no per-type counts) */
static void tally_add(struct tally *s, struct kolm_estimate *out, const struct kolm_model *m,
		      const struct kolm_tensor_desc *t, int type, uint64_t nb)
{
	if (type >= 0 && type < 64) {
		out->type_count[type]++;
		out->type_bytes[type] += nb;
	}
	s->raw += nb;
	double fr = read_fraction(m, t);
	s->read += fr * (double)nb;
	if (kolm_tensor_is_param(t)) {
		s->params += nelem(t);
		s->active += fr * (double)nelem(t);
		if (!strcmp(t->name, "output.weight") || (m->hp.tied && !strcmp(t->name, "token_embd.weight"))) {
			s->output += nelem(t);
			s->output_bytes += nb;
		}
	}
}

static void tally_done(const struct tally *s, struct kolm_estimate *out)
{
	out->weights_read_bytes = (uint64_t)llround(s->read);
	out->params = s->params;
	out->active_params = (int64_t)llround(s->active);
	out->output_params = s->output;
	out->output_bytes = s->output_bytes;
	out->bpw = s->params ? 8.0 * (double)s->raw / (double)s->params : 0;
}

/* The GGUF header a file of this model takes: its metadata and tensor
 * infos, aligned (safetensors layouts: ~100 B per tensor plus the
 * tokenizer and config files). */
static uint64_t header_bytes(struct kolm_ctx *ctx, const struct kolm_model *m, int gguf, uint64_t align)
{
	uint64_t meta = meta_bytes(ctx, m);
	if (!gguf)
		return (uint64_t)m->n_tensors * 100 + (meta > 24 ? meta - 24 : 0);
	uint64_t header = meta + kolm_model_tensor_info_bytes(m);
	/* llama-quantize always writes general.quantization_version; an
	 * unquantized source (converter output) does not have it yet */
	if (m->meta_exact &&
	    (m->ftype < 0 || m->ftype == KOLM_FT_ALL_F32 || m->ftype == KOLM_FT_F16 || m->ftype == KOLM_FT_BF16))
		header += 8 + strlen("general.quantization_version") + 4 + 4; /* llama-quantize adds it */
	if (m->meta_exact && m->ftype < 0)
		header += 8 + strlen("general.file_type") + 4 + 4;
	return kolm_align_up(header, align);
}

int kolm_estimate_model(struct kolm_ctx *ctx, const struct kolm_model *m, const struct kolm_format *f,
			const struct kolm_tensor_override *ov, int n_ov, struct kolm_estimate *out,
			struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	const uint64_t A = m->alignment ? m->alignment : 32;
	int *types = calloc((size_t)(m->n_tensors ? m->n_tensors : 1), sizeof *types);
	if (!types)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = KOLM_OK;
	int gguf = !strcmp(f->backend, "gguf");
	if (gguf) {
		rc = kolm_quantplan(m, f->ftype, ov, n_ov, types, err);
		if (rc)
			goto out;
	}
	int quantize_embd = json_is_true(json_object_get(f->json, "quantize_embeddings"));
	int mlx = !strcmp(f->backend, "mlx");
	struct tally s = {0};
	uint64_t data = 0, layer_bytes = 0, cur_bytes = 0;
	int64_t cur_layer = -2;
	for (int64_t i = 0; i < m->n_tensors; i++) {
		const struct kolm_tensor_desc *t = &m->tensors[i];
		uint64_t nb;
		if (gguf) {
			nb = kolm_type_tensor_bytes(types[i], t->ne, t->n_dims);
			if (nb == UINT64_MAX) {
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: shape does not fit type %s", t->name,
						  kolm_type_name(types[i]));
				goto out;
			}
		} else if (mlx) {
			if (!strcmp(t->name, "rope_freqs.weight"))
				continue;
			nb = mlx_bytes(m, f, t);
		} else {
			nb = (uint64_t)layout_bytes(f, t, quantize_embd);
		}
		tally_add(&s, out, m, t, gguf ? types[i] : -1, nb);
		const uint64_t stored = gguf ? kolm_align_up(nb, A) : nb;
		data += stored;
		/* the largest repeating block, for the offload split */
		if (t->layer != cur_layer) {
			if (cur_layer >= 0 && cur_bytes > layer_bytes)
				layer_bytes = cur_bytes;
			cur_layer = t->layer;
			cur_bytes = 0;
		}
		if (t->layer >= 0)
			cur_bytes += stored;
		else
			out->nonlayer_bytes += stored;
	}
	if (cur_layer >= 0 && cur_bytes > layer_bytes)
		layer_bytes = cur_bytes;
	out->layer_bytes = layer_bytes;
	out->header_bytes = header_bytes(ctx, m, gguf, A);
	out->tensor_bytes = data;
	out->file_bytes = out->header_bytes + data;
	tally_done(&s, out);
	out->meta_exact = m->meta_exact;
out:
	free(types);
	return rc;
}

/* Bytes per cached element of a KV type llama.cpp offers (--cache-type-k/v),
 * from the type traits table; any other name counts as F16. */
static double kv_type_bytes(const char *kv)
{
	static const char *const cache_types[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"};
	for (size_t i = 0; kv && i < sizeof cache_types / sizeof cache_types[0]; i++) {
		if (strcmp(kv, cache_types[i]) == 0) {
			const struct kolm_type_traits *tt = kolm_type_traits(kolm_type_from_name(kv));
			return (double)tt->type_size / (double)tt->blck;
		}
	}
	return 2.0;
}

/* Mean positions a query attends over a causal prompt of n tokens with a
 * window of w (0: none): the mean over i = 1..n of min(i, w). */
static double mean_attended(int64_t n, int64_t w)
{
	if (w <= 0 || w >= n)
		return (double)(n + 1) / 2.0;
	return ((double)w * (double)(w + 1) / 2.0 + (double)(n - w) * (double)w) / (double)n;
}

double kolm_estimate_prompt_flops(const struct kolm_model *m, const struct kolm_estimate *e, int64_t n_prompt)
{
	if (n_prompt < 1)
		n_prompt = 1;
	double out = (double)e->output_params;
	double f = 2.0 * ((double)e->active_params - out) + 2.0 * out / (double)n_prompt;
	int64_t hd = m->hp.head_dim > 0 ? m->hp.head_dim : m->hp.n_head > 0 ? m->hp.n_embd / m->hp.n_head : 0;
	for (int64_t l = 0; l < m->hp.n_layer && hd > 0; l++) {
		/* as kolm_estimate_kv_bytes: every swa_pattern-th layer global */
		int global = m->hp.sliding_window <= 0 || (m->hp.swa_pattern > 1 && l % m->hp.swa_pattern == m->hp.swa_pattern - 1);
		f += 4.0 * (double)hd * (double)m->hp.n_head * mean_attended(n_prompt, global ? 0 : m->hp.sliding_window);
	}
	return f;
}

uint64_t kolm_estimate_kv_bytes(const struct kolm_model *m, int64_t n_ctx, const char *kv_type)
{
	const struct kolm_hparams *hp = &m->hp;
	double per_pos = (double)hp->n_head_kv * (double)hp->head_dim * kv_type_bytes(kv_type) * 2.0;
	/* llama.cpp sizes the SWA cache to the window plus one ubatch, padded to 256 */
	int64_t swa_cells = n_ctx;
	if (hp->sliding_window > 0) {
		int64_t w = (int64_t)kolm_align_up((uint64_t)hp->sliding_window + 512, 256);
		swa_cells = w < n_ctx ? w : n_ctx;
	}
	double total = 0;
	for (int64_t il = 0; il < hp->n_layer; il++) {
		int local = 0;
		if (hp->sliding_window > 0) {
			int p = hp->swa_pattern;
			local = p > 1 ? (il % p) < p - 1 : 1;
		}
		total += per_pos * (double)(local ? swa_cells : n_ctx);
	}
	return (uint64_t)llround(total);
}

int kolm_estimate_base(struct kolm_ctx *ctx, const char *base_id, const char *format_id, struct kolm_estimate *out,
		       struct kolm_err *err)
{
	const struct kolm_format *f = kolm_catalog_format_find(ctx, format_id);
	if (!f)
		return kolm_catalog_not_found(ctx, "quant", format_id, err);
	struct kolm_model m;
	int rc = kolm_model_from_base(&m, ctx, base_id, err);
	if (rc)
		return rc;
	rc = kolm_estimate_model(ctx, &m, f, NULL, 0, out, err);
	kolm_model_release(&m);
	return rc;
}

int kolm_estimate_stored(const struct kolm_model *m, struct kolm_estimate *out, struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	struct tally s = {0};
	for (int64_t i = 0; i < m->n_tensors; i++) {
		const struct kolm_tensor_desc *t = &m->tensors[i];
		uint64_t nb = kolm_type_tensor_bytes(t->type, t->ne, t->n_dims);
		if (nb == UINT64_MAX)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: shape does not fit type %s", t->name,
					    kolm_type_name(t->type));
		tally_add(&s, out, m, t, t->type, nb);
	}
	out->file_bytes = m->file_bytes;
	out->header_bytes = m->data_offset;
	out->tensor_bytes = m->file_bytes > m->data_offset ? m->file_bytes - m->data_offset : 0;
	tally_done(&s, out);
	out->meta_exact = 1;
	return KOLM_OK;
}

/* A quantized cache makes llama.cpp rotate Q, K and V by Hadamard matrices
 * when the head size is a multiple of 64 (llama-kv-cache.cpp attn_rot_k/v):
 * K's is the largest power of two from 64 up that divides the head size,
 * V's is 64. */
static int kv_rot(const char *kv_type, int64_t head_dim, int k)
{
	if (!kv_type || kv_type_bytes(kv_type) >= 2.0 || head_dim <= 0 || head_dim % 64)
		return 0;
	int64_t n = 64;
	while (k && head_dim % (n * 2) == 0)
		n *= 2;
	return (int)n;
}

/* llama.cpp's compute buffer: the scheduler reserves the graph of one
 * ubatch of prompt over a full cache and ggml-alloc places it; galloc.c
 * builds that graph and places it by ggml-alloc's rules (the holes its
 * placement leaves included).  The output buffer (logits of one token,
 * n_vocab x 4 B) is added. */
uint64_t kolm_estimate_compute_buffer(const struct kolm_model *m, int64_t n_ctx, const char *kv_type, int flash_attn)
{
	const struct kolm_hparams *hp = &m->hp;
	if (n_ctx < 0)
		n_ctx = 0;
	struct kolm_galloc_shape s = {
		.n_embd = hp->n_embd,
		.n_ff = hp->n_ff,
		.n_vocab = hp->n_vocab,
		.n_layer = hp->n_layer,
		.n_head = hp->n_head,
		.n_head_kv = hp->n_head_kv,
		.head_dim = hp->head_dim,
		.n_expert = hp->n_expert,
		.n_expert_used = hp->n_expert_used,
		.n_ff_exp = hp->n_ff_exp ? hp->n_ff_exp : hp->n_ff, /* a GGUF's experts: feed_forward_length */
		.n_kv = (int64_t)kolm_align_up((uint64_t)n_ctx, 256), /* llama.cpp pads the context to 256 cells */
		.swa_pattern = hp->swa_pattern,
		.ubatch = n_ctx < 512 ? n_ctx : 512,
		.flash_attn = flash_attn,
		.rot_k = kv_rot(kv_type, hp->head_dim, 1),
		.rot_v = kv_rot(kv_type, hp->head_dim, 0),
		.qk_norm = hp->qk_norm,
		.fused_qkv = hp->fused_qkv,
	};
	if (hp->sliding_window > 0) {
		/* the SWA cache: the window plus one ubatch, padded to 256 */
		int64_t w = (int64_t)kolm_align_up((uint64_t)hp->sliding_window + 512, 256);
		s.n_kv_swa = w < s.n_kv ? w : s.n_kv;
	}
	return kolm_galloc_compute_bytes(&s) + (uint64_t)hp->n_vocab * 4;
}
