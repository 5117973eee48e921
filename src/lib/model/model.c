/* model.c - build the exact GGUF tensor list of a model from its HF
 * config.json (catalog bases use the same path).  See model.h for the list. */
#include "kolm/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/types.h"
#include "kolm/util.h"

void kolm_model_release(struct kolm_model *m)
{
	if (!m)
		return;
	free(m->tensors);
	m->tensors = NULL;
	m->n_tensors = 0;
}

int kolm_model_add_tensor(struct kolm_model *m, const char *name, int type, int layer, int n_dims,
			  int64_t ne0, int64_t ne1, int64_t ne2)
{
	if ((m->n_tensors & 63) == 0) {
		struct kolm_tensor_desc *nt =
			realloc(m->tensors, sizeof *nt * (size_t)(m->n_tensors + 64));
		if (!nt)
			return KOLM_E_NOMEM;
		m->tensors = nt;
	}
	struct kolm_tensor_desc *t = &m->tensors[m->n_tensors++];
	memset(t, 0, sizeof *t);
	kolm_strlcpy(t->name, name, sizeof t->name);
	t->type = type;
	t->layer = layer;
	t->n_dims = n_dims;
	t->ne[0] = ne0;
	t->ne[1] = n_dims > 1 ? ne1 : 1;
	t->ne[2] = n_dims > 2 ? ne2 : 1;
	t->ne[3] = 1;
	return KOLM_OK;
}

int64_t kolm_model_params(const struct kolm_model *m)
{
	int64_t n = 0;
	for (int64_t i = 0; i < m->n_tensors; i++) {
		const struct kolm_tensor_desc *t = &m->tensors[i];
		if (strcmp(t->name, "rope_freqs.weight") == 0 || strstr(t->name, "rope_factors"))
			continue; /* not parameters */
		n += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
	}
	return n;
}

uint64_t kolm_model_tensor_info_bytes(const struct kolm_model *m)
{
	uint64_t b = 0;
	for (int64_t i = 0; i < m->n_tensors; i++)
		b += 8 + strlen(m->tensors[i].name) + 4 + 8 * (uint64_t)m->tensors[i].n_dims + 4 + 8;
	return b;
}

/* Guess a tokenizer family from the vocabulary size when none is given. */
static const char *guess_tokenizer(const struct kolm_hparams *hp)
{
	int64_t v = hp->n_vocab;
	if (v >= 128000 && v <= 128512)
		return "llama3-bpe";
	if (v >= 151000 && v <= 152100)
		return "qwen2-bpe";
	if (v == 32064)
		return "phi3-spm";
	if (v == 32768)
		return "mistral-v3-spm";
	if (v >= 31990 && v <= 32010)
		return "llama-spm";
	if (v == 256000)
		return "gemma2-spm";
	if (v >= 262144 && v <= 262208)
		return "gemma3-spm";
	if (v == 49152)
		return "smollm2-bpe";
	if (v >= 200000 && v <= 200100)
		return "gpt4o-bpe";
	return "";
}

static int add(struct kolm_model *m, int layer, int n_dims, int64_t ne0, int64_t ne1, int64_t ne2,
	       int type, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static int add(struct kolm_model *m, int layer, int n_dims, int64_t ne0, int64_t ne1, int64_t ne2,
	       int type, const char *fmt, ...)
{
	char name[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return kolm_model_add_tensor(m, name, type, layer, n_dims, ne0, ne1, ne2);
}

int kolm_model_from_config(struct kolm_model *m, const json_t *config, const char *tokenizer,
			   struct kolm_ctx *ctx, struct kolm_err *err)
{
	memset(m, 0, sizeof *m);
	m->ftype = -1;
	m->alignment = 32;
	m->source = "config";
	if (!json_is_object(config))
		return kolm_err_set(err, KOLM_E_FORMAT, "config: not a JSON object");
	/* multimodal wrappers keep the language model in text_config */
	const json_t *c = config;
	json_t *tc = json_object_get(config, "text_config");
	const char *mt = kolm_json_str(config, "model_type");
	if (json_is_object(tc) && (!mt || strcmp(mt, "gemma3") == 0 || kolm_json_str(tc, "model_type")))
		c = tc;
	mt = kolm_json_str(c, "model_type");
	if (!mt && c != config)
		mt = kolm_json_str(config, "model_type");
	if (!mt)
		return kolm_err_set(err, KOLM_E_FORMAT, "config: missing \"model_type\"");
	struct kolm_hparams *hp = &m->hp;
	kolm_strlcpy(hp->model_type, mt, sizeof hp->model_type);
	int gemma3 = 0;
	if (!strcmp(mt, "llama") || !strcmp(mt, "mistral") || !strcmp(mt, "mixtral")) {
		strcpy(hp->arch, "llama");
	} else if (!strcmp(mt, "qwen2")) {
		strcpy(hp->arch, "qwen2");
		hp->qkv_bias = 1;
		hp->neox_rope = 1;
	} else if (!strcmp(mt, "qwen3")) {
		strcpy(hp->arch, "qwen3");
		hp->qk_norm = 1;
		hp->neox_rope = 1;
	} else if (!strcmp(mt, "qwen3_moe")) {
		strcpy(hp->arch, "qwen3moe");
		hp->qk_norm = 1;
		hp->neox_rope = 1;
	} else if (!strcmp(mt, "phi3")) {
		strcpy(hp->arch, "phi3");
		hp->fused_qkv = 1;
		hp->neox_rope = 1;
	} else if (!strcmp(mt, "gemma2")) {
		strcpy(hp->arch, "gemma2");
		hp->gemma_norms = 1;
		hp->neox_rope = 1;
		hp->act_gelu = 1;
		hp->swa_pattern = 2;
	} else if (!strcmp(mt, "gemma3") || !strcmp(mt, "gemma3_text")) {
		strcpy(hp->arch, "gemma3");
		hp->gemma_norms = 1;
		hp->qk_norm = 1;
		hp->neox_rope = 1;
		hp->act_gelu = 1;
		gemma3 = 1;
	} else {
		return kolm_err_set(err, KOLM_E_FORMAT,
				    "config: model_type '%s' is not supported (llama, mistral, mixtral, qwen2, qwen3, "
				    "qwen3_moe, phi3, gemma2, gemma3)", mt);
	}
	/* gemma3 multimodal configs omit text defaults (transformers Gemma3TextConfig) */
	hp->n_vocab = kolm_json_int(c, "vocab_size", gemma3 ? 262208 : 0);
	hp->n_embd = kolm_json_int(c, "hidden_size", 0);
	hp->n_ff = kolm_json_int(c, "intermediate_size", 0);
	hp->n_layer = kolm_json_int(c, "num_hidden_layers", 0);
	hp->n_head = kolm_json_int(c, "num_attention_heads", gemma3 ? 8 : 0);
	hp->n_head_kv = kolm_json_int(c, "num_key_value_heads", hp->n_head);
	if (hp->n_embd <= 0 || hp->n_layer <= 0 || hp->n_head <= 0 || hp->n_vocab <= 0 || hp->n_ff <= 0 ||
	    hp->n_head_kv <= 0)
		return kolm_err_set(err, KOLM_E_FORMAT,
				    "config: vocab_size, hidden_size, intermediate_size, num_hidden_layers and "
				    "num_attention_heads must be positive integers");
	if (hp->n_embd > (1 << 20) || hp->n_layer > 4096 || hp->n_head > 4096 || hp->n_vocab > (1 << 24) ||
	    hp->n_ff > (1 << 22) || hp->n_head_kv > hp->n_head || hp->n_head % hp->n_head_kv)
		return kolm_err_set(err, KOLM_E_FORMAT, "config: hyperparameters out of range");
	hp->head_dim = kolm_json_int(c, "head_dim", gemma3 ? 256 : hp->n_embd / hp->n_head);
	if (hp->head_dim <= 0 || hp->head_dim > 4096)
		return kolm_err_set(err, KOLM_E_FORMAT, "config: bad head_dim");
	hp->n_rot = (int64_t)llround((double)hp->head_dim * kolm_json_num(c, "partial_rotary_factor", 1.0));
	hp->n_ctx_train = kolm_json_int(c, "max_position_embeddings", gemma3 ? 131072 : 4096);
	hp->rope_theta = kolm_json_num(c, "rope_theta", gemma3 ? 1e6 : 10000.0);
	hp->rope_theta_local = kolm_json_num(c, "rope_local_base_freq", 0);
	hp->rms_eps = kolm_json_num(c, "rms_norm_eps", 1e-5);
	json_t *tie = json_object_get(c, "tie_word_embeddings");
	if (!tie && c != config)
		tie = json_object_get(config, "tie_word_embeddings");
	hp->tied = tie ? json_is_true(tie) : (hp->gemma_norms ? 1 : 0);
	if (json_is_boolean(json_object_get(c, "attention_bias")))
		hp->qkv_bias = json_is_true(json_object_get(c, "attention_bias")) ? 1 : hp->qkv_bias;
	json_t *rs = json_object_get(c, "rope_scaling");
	if (json_is_object(rs)) {
		const char *rt = kolm_json_str(rs, "rope_type");
		if (!rt)
			rt = kolm_json_str(rs, "type");
		if (rt && !strcmp(rt, "llama3")) {
			hp->rope_freqs = 1;
			hp->rope_scale_factor = kolm_json_num(rs, "factor", 8);
			hp->rope_low_freq = kolm_json_num(rs, "low_freq_factor", 1);
			hp->rope_high_freq = kolm_json_num(rs, "high_freq_factor", 4);
			hp->rope_orig_ctx = kolm_json_int(rs, "original_max_position_embeddings", 8192);
		} else if (rt && !strcmp(rt, "longrope")) {
			hp->rope_factors = 1;
		} else if (rt && !strcmp(rt, "linear")) {
			hp->rope_scale_factor = kolm_json_num(rs, "factor", 1);
		}
	}
	hp->sliding_window = kolm_json_int(c, "sliding_window", 0);
	if (json_is_false(json_object_get(c, "use_sliding_window")))
		hp->sliding_window = 0;
	if (!strcmp(hp->arch, "phi3") || (hp->sliding_window && hp->sliding_window >= hp->n_ctx_train))
		hp->sliding_window = 0; /* llama.cpp keeps a full cache for these */
	if (gemma3) {
		hp->swa_pattern = (int)kolm_json_int(c, "sliding_window_pattern", 6);
		if (!hp->sliding_window)
			hp->sliding_window = 1024;
	}
	hp->attn_softcap = kolm_json_num(c, "attn_logit_softcapping", 0);
	hp->final_softcap = kolm_json_num(c, "final_logit_softcapping", 0);
	hp->query_scale = kolm_json_num(c, "query_pre_attn_scalar", 0);
	hp->n_expert = kolm_json_int(c, "num_local_experts", kolm_json_int(c, "num_experts", 0));
	hp->n_expert_used = kolm_json_int(c, "num_experts_per_tok", 0);
	hp->n_ff_exp = kolm_json_int(c, "moe_intermediate_size", hp->n_ff);
	if (hp->n_expert < 0 || hp->n_expert > 1024 || hp->n_expert_used > hp->n_expert)
		return kolm_err_set(err, KOLM_E_FORMAT, "config: bad expert counts");
	if (hp->n_expert && !hp->n_expert_used)
		hp->n_expert_used = 2;
	if (tokenizer)
		kolm_strlcpy(hp->tokenizer, tokenizer, sizeof hp->tokenizer);
	else
		kolm_strlcpy(hp->tokenizer, guess_tokenizer(hp), sizeof hp->tokenizer);

	/* the tensor list convert_hf_to_gguf.py --outtype f16 writes */
	const int64_t d = hp->n_embd, V = hp->n_vocab, hd = hp->head_dim, H = hp->n_head,
		      Hkv = hp->n_head_kv, F = hp->n_ff;
	const int W = KOLM_T_F16, N = KOLM_T_F32;
	int rc = 0;
	rc |= add(m, -1, 2, d, V, 1, W, "token_embd.weight");
	rc |= add(m, -1, 1, d, 1, 1, N, "output_norm.weight");
	if (!hp->tied)
		rc |= add(m, -1, 2, d, V, 1, W, "output.weight");
	if (hp->rope_freqs)
		rc |= add(m, -1, 1, hd / 2, 1, 1, N, "rope_freqs.weight");
	if (hp->rope_factors) {
		rc |= add(m, -1, 1, hp->n_rot / 2, 1, 1, N, "rope_factors_long.weight");
		rc |= add(m, -1, 1, hp->n_rot / 2, 1, 1, N, "rope_factors_short.weight");
	}
	for (int i = 0; i < hp->n_layer && rc == 0; i++) {
		rc |= add(m, i, 1, d, 1, 1, N, "blk.%d.attn_norm.weight", i);
		if (hp->fused_qkv) {
			rc |= add(m, i, 2, d, (H + 2 * Hkv) * hd, 1, W, "blk.%d.attn_qkv.weight", i);
		} else {
			rc |= add(m, i, 2, d, H * hd, 1, W, "blk.%d.attn_q.weight", i);
			rc |= add(m, i, 2, d, Hkv * hd, 1, W, "blk.%d.attn_k.weight", i);
			rc |= add(m, i, 2, d, Hkv * hd, 1, W, "blk.%d.attn_v.weight", i);
			if (hp->qkv_bias) {
				rc |= add(m, i, 1, H * hd, 1, 1, N, "blk.%d.attn_q.bias", i);
				rc |= add(m, i, 1, Hkv * hd, 1, 1, N, "blk.%d.attn_k.bias", i);
				rc |= add(m, i, 1, Hkv * hd, 1, 1, N, "blk.%d.attn_v.bias", i);
			}
		}
		if (hp->qk_norm) {
			rc |= add(m, i, 1, hd, 1, 1, N, "blk.%d.attn_q_norm.weight", i);
			rc |= add(m, i, 1, hd, 1, 1, N, "blk.%d.attn_k_norm.weight", i);
		}
		rc |= add(m, i, 2, H * hd, d, 1, W, "blk.%d.attn_output.weight", i);
		if (hp->gemma_norms)
			rc |= add(m, i, 1, d, 1, 1, N, "blk.%d.post_attention_norm.weight", i);
		rc |= add(m, i, 1, d, 1, 1, N, "blk.%d.ffn_norm.weight", i);
		if (hp->n_expert) {
			const int64_t E = hp->n_expert, Fe = hp->n_ff_exp;
			rc |= add(m, i, 2, d, E, 1, N, "blk.%d.ffn_gate_inp.weight", i);
			rc |= add(m, i, 3, d, Fe, E, W, "blk.%d.ffn_gate_exps.weight", i);
			rc |= add(m, i, 3, Fe, d, E, W, "blk.%d.ffn_down_exps.weight", i);
			rc |= add(m, i, 3, d, Fe, E, W, "blk.%d.ffn_up_exps.weight", i);
		} else if (hp->fused_qkv) {
			rc |= add(m, i, 2, d, 2 * F, 1, W, "blk.%d.ffn_up.weight", i);
			rc |= add(m, i, 2, F, d, 1, W, "blk.%d.ffn_down.weight", i);
		} else {
			rc |= add(m, i, 2, d, F, 1, W, "blk.%d.ffn_gate.weight", i);
			rc |= add(m, i, 2, d, F, 1, W, "blk.%d.ffn_up.weight", i);
			rc |= add(m, i, 2, F, d, 1, W, "blk.%d.ffn_down.weight", i);
		}
		if (hp->gemma_norms)
			rc |= add(m, i, 1, d, 1, 1, N, "blk.%d.post_ffw_norm.weight", i);
	}
	if (rc) {
		kolm_model_release(m);
		return kolm_err_set(err, KOLM_E_NOMEM, "config: out of memory");
	}
	/* metadata forecast: tokenizer family's measured/estimated KV bytes */
	m->meta_bytes = 24 + 4096; /* header + architecture keys when no family is known */
	if (ctx && hp->tokenizer[0]) {
		json_t *tk = kolm_ctx_json(ctx, "data/tokenizers.json", NULL);
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(tk, "tokenizers"), i, x)
		{
			if (json_is_string(json_object_get(x, "id")) &&
			    strcmp(json_string_value(json_object_get(x, "id")), hp->tokenizer) == 0)
				m->meta_bytes = 24 + (uint64_t)kolm_json_int(x, "kv_bytes", 4096);
		}
	}
	return KOLM_OK;
}

int kolm_model_from_base(struct kolm_model *m, struct kolm_ctx *ctx, const char *base_id,
			 struct kolm_err *err)
{
	const struct kolm_base *b = kolm_catalog_base_find(ctx, base_id);
	if (!b)
		return kolm_catalog_not_found(ctx, "base", base_id, err);
	int rc = kolm_model_from_config(m, b->config, b->tokenizer, ctx, err);
	if (rc)
		return kolm_err_prefix(err, "base '%s'", base_id);
	m->source = "catalog";
	return KOLM_OK;
}
