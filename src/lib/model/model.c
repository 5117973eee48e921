/* model.c - build the exact GGUF tensor list of a model from its HF
 * config.json (catalog bases use the same path, ctx.c).  See model.h for
 * the list. */
#include "kolm/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json_internal.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "model_internal.h"

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

int kolm_tensor_is_param(const struct kolm_tensor_desc *t)
{
	return strcmp(t->name, "rope_freqs.weight") != 0 && !strstr(t->name, "rope_factors");
}

int64_t kolm_model_params(const struct kolm_model *m)
{
	int64_t n = 0;
	for (int64_t i = 0; i < m->n_tensors; i++) {
		const struct kolm_tensor_desc *t = &m->tensors[i];
		if (kolm_tensor_is_param(t))
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

/* What each model_type kolm knows implies, before config.json's numbers. */
struct arch_row {
	const char *model_type, *arch;
	int qkv_bias, qk_norm, fused_qkv, gemma_norms, act_gelu, swa_pattern;
	int gemma3;             /* the text defaults of Gemma3TextConfig apply */
};

static const struct arch_row arch_rows[] = {
	{"llama", "llama", 0, 0, 0, 0, 0, 0, 0},
	{"mistral", "llama", 0, 0, 0, 0, 0, 0, 0},
	{"mixtral", "llama", 0, 0, 0, 0, 0, 0, 0},
	{"qwen2", "qwen2", 1, 0, 0, 0, 0, 0, 0},
	{"qwen3", "qwen3", 0, 1, 0, 0, 0, 0, 0},
	{"qwen3_moe", "qwen3moe", 0, 1, 0, 0, 0, 0, 0},
	{"phi3", "phi3", 0, 0, 1, 0, 0, 0, 0},
	{"gemma2", "gemma2", 0, 0, 0, 1, 1, 2, 0},
	{"gemma3", "gemma3", 0, 1, 0, 1, 1, 0, 1},
	{"gemma3_text", "gemma3", 0, 1, 0, 1, 1, 0, 1},
};

/* The object holding the language model's numbers (multimodal wrappers keep
 * it in text_config) and its model_type; NULL + err when there is none. */
static const json_t *config_text(const json_t *config, const char **mt, struct kolm_err *err)
{
	const json_t *c = config;
	json_t *tc = json_object_get(config, "text_config");
	*mt = kolm_json_str(config, "model_type");
	if (json_is_object(tc) && (!*mt || strcmp(*mt, "gemma3") == 0 || kolm_json_str(tc, "model_type")))
		c = tc;
	*mt = kolm_json_str(c, "model_type");
	if (!*mt && c != config)
		*mt = kolm_json_str(config, "model_type");
	if (!*mt) {
		kolm_err_set(err, KOLM_E_FORMAT, "config: missing \"model_type\"");
		return NULL;
	}
	return c;
}

static const struct arch_row *config_arch(struct kolm_hparams *hp, const char *mt, struct kolm_err *err)
{
	for (size_t i = 0; i < sizeof arch_rows / sizeof arch_rows[0]; i++) {
		const struct arch_row *r = &arch_rows[i];
		if (strcmp(mt, r->model_type))
			continue;
		kolm_strlcpy(hp->model_type, mt, sizeof hp->model_type);
		kolm_strlcpy(hp->arch, r->arch, sizeof hp->arch);
		hp->qkv_bias = r->qkv_bias;
		hp->qk_norm = r->qk_norm;
		hp->fused_qkv = r->fused_qkv;
		hp->gemma_norms = r->gemma_norms;
		hp->act_gelu = r->act_gelu;
		hp->swa_pattern = r->swa_pattern;
		hp->neox_rope = strcmp(r->arch, "llama") != 0;
		return r;
	}
	kolm_err_set(err, KOLM_E_FORMAT,
		     "config: model_type '%s' is not supported (llama, mistral, mixtral, qwen2, qwen3, "
		     "qwen3_moe, phi3, gemma2, gemma3)", mt);
	return NULL;
}

/* The sizes every architecture has, checked against what kolm can hold.
 * gemma3 multimodal configs omit text defaults (transformers Gemma3TextConfig). */
static int config_sizes(struct kolm_hparams *hp, const json_t *c, int gemma3, struct kolm_err *err)
{
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
	return KOLM_OK;
}

/* Positions: rotary dims, trained context, rope bases and scaling, the
 * sliding window. */
static void config_positions(struct kolm_hparams *hp, const json_t *c, int gemma3)
{
	hp->n_rot = (int64_t)llround((double)hp->head_dim * kolm_json_num(c, "partial_rotary_factor", 1.0));
	hp->n_ctx_train = kolm_json_int(c, "max_position_embeddings", gemma3 ? 131072 : 4096);
	hp->rope_theta = kolm_json_num(c, "rope_theta", gemma3 ? 1e6 : 10000.0);
	hp->rope_theta_local = kolm_json_num(c, "rope_local_base_freq", 0);
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
}

/* Norms, biases, soft-caps and experts: the rest of the hyperparameters. */
static int config_rest(struct kolm_hparams *hp, const json_t *c, const json_t *config, struct kolm_err *err)
{
	hp->rms_eps = kolm_json_num(c, "rms_norm_eps", 1e-5);
	json_t *tie = json_object_get(c, "tie_word_embeddings");
	if (!tie && c != config)
		tie = json_object_get(config, "tie_word_embeddings");
	hp->tied = tie ? json_is_true(tie) : (hp->gemma_norms ? 1 : 0);
	if (json_is_boolean(json_object_get(c, "attention_bias")))
		hp->qkv_bias = json_is_true(json_object_get(c, "attention_bias")) ? 1 : hp->qkv_bias;
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
	return KOLM_OK;
}

/* The tensors of one block, as convert_hf_to_gguf.py --outtype f16 writes them. */
static int block_tensors(struct kolm_model *m, int i)
{
	const struct kolm_hparams *hp = &m->hp;
	const int64_t d = hp->n_embd, hd = hp->head_dim, H = hp->n_head, Hkv = hp->n_head_kv, F = hp->n_ff;
	const int W = KOLM_T_F16, N = KOLM_T_F32;
	int rc = add(m, i, 1, d, 1, 1, N, "blk.%d.attn_norm.weight", i);
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
	return rc;
}

/* The whole tensor list convert_hf_to_gguf.py --outtype f16 writes. */
static int config_tensors(struct kolm_model *m)
{
	const struct kolm_hparams *hp = &m->hp;
	const int64_t d = hp->n_embd, V = hp->n_vocab;
	const int W = KOLM_T_F16, N = KOLM_T_F32;
	int rc = 0;
	rc |= add(m, -1, 2, d, V, 1, W, "token_embd.weight");
	rc |= add(m, -1, 1, d, 1, 1, N, "output_norm.weight");
	if (!hp->tied)
		rc |= add(m, -1, 2, d, V, 1, W, "output.weight");
	if (hp->rope_freqs)
		rc |= add(m, -1, 1, hp->head_dim / 2, 1, 1, N, "rope_freqs.weight");
	if (hp->rope_factors) {
		rc |= add(m, -1, 1, hp->n_rot / 2, 1, 1, N, "rope_factors_long.weight");
		rc |= add(m, -1, 1, hp->n_rot / 2, 1, 1, N, "rope_factors_short.weight");
	}
	for (int i = 0; i < hp->n_layer && rc == 0; i++)
		rc |= block_tensors(m, i);
	return rc;
}

int kolm_model_from_config(struct kolm_model *m, const json_t *config, const char *tokenizer,
			   struct kolm_err *err)
{
	memset(m, 0, sizeof *m);
	m->ftype = -1;
	m->alignment = 32;
	m->source = "config";
	if (!json_is_object(config))
		return kolm_err_set(err, KOLM_E_FORMAT, "config: not a JSON object");
	const char *mt;
	const json_t *c = config_text(config, &mt, err);
	if (!c)
		return KOLM_E_FORMAT;
	struct kolm_hparams *hp = &m->hp;
	const struct arch_row *arch = config_arch(hp, mt, err);
	if (!arch)
		return KOLM_E_FORMAT;
	int rc = config_sizes(hp, c, arch->gemma3, err);
	if (rc)
		return rc;
	config_positions(hp, c, arch->gemma3);
	if ((rc = config_rest(hp, c, config, err)))
		return rc;
	kolm_strlcpy(hp->tokenizer, tokenizer ? tokenizer : guess_tokenizer(hp), sizeof hp->tokenizer);
	/* where mlx_lm.convert looks for the dtype it converts to */
	const char *td = kolm_json_str(config, "torch_dtype");
	json_t *tc = json_object_get(config, "text_config");
	if (!td && json_is_object(tc))
		td = kolm_json_str(tc, "dtype");
	kolm_strlcpy(hp->torch_dtype, td ? td : "", sizeof hp->torch_dtype);
	if (config_tensors(m)) {
		kolm_model_release(m);
		return kolm_err_set(err, KOLM_E_NOMEM, "config: out of memory");
	}
	return KOLM_OK;
}
