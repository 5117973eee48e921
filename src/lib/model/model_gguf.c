/* model_gguf.c - a GGUF file's hyperparameters and tensor list as a
 * kolm_model (types as stored), so `plan --model x.gguf` forecasts the file
 * itself or what re-quantizing it would produce. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/gguf.h"
#include "kolm/model.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "model_internal.h"

int64_t kolm_gguf_arch_int(const struct kolm_gguf *g, const char *arch, const char *suffix, int64_t dflt)
{
	char key[128];
	int64_t v;
	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	return kolm_gguf_get_i64(g, key, &v) == 0 ? v : dflt;
}

static double akeyf(const struct kolm_gguf *g, const char *arch, const char *suffix, double dflt)
{
	char key[128];
	double v;
	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	return kolm_gguf_get_f64(g, key, &v) == 0 ? v : dflt;
}

int kolm_model_from_gguf(struct kolm_model *m, const struct kolm_gguf *g, struct kolm_err *err)
{
	memset(m, 0, sizeof *m);
	struct kolm_hparams *hp = &m->hp;
	char arch[24] = "";
	if (kolm_gguf_get_cstr(g, "general.architecture", arch, sizeof arch) != 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "gguf: missing general.architecture");
	kolm_strlcpy(hp->arch, arch, sizeof hp->arch);
	kolm_strlcpy(hp->model_type, arch, sizeof hp->model_type);
	hp->n_embd = kolm_gguf_arch_int(g, arch, "embedding_length", 0);
	hp->n_layer = kolm_gguf_arch_int(g, arch, "block_count", 0);
	hp->n_ff = kolm_gguf_arch_int(g, arch, "feed_forward_length", 0);
	hp->n_head = kolm_gguf_arch_int(g, arch, "attention.head_count", 0);
	hp->n_head_kv = kolm_gguf_arch_int(g, arch, "attention.head_count_kv", hp->n_head);
	hp->head_dim = kolm_gguf_arch_int(g, arch, "attention.key_length", hp->n_head ? hp->n_embd / hp->n_head : 0);
	hp->n_rot = kolm_gguf_arch_int(g, arch, "rope.dimension_count", hp->head_dim);
	hp->n_ctx_train = kolm_gguf_arch_int(g, arch, "context_length", 0);
	hp->rope_theta = akeyf(g, arch, "rope.freq_base", 10000.0);
	hp->rms_eps = akeyf(g, arch, "attention.layer_norm_rms_epsilon", 1e-5);
	hp->n_expert = kolm_gguf_arch_int(g, arch, "expert_count", 0);
	hp->n_expert_used = kolm_gguf_arch_int(g, arch, "expert_used_count", 0);
	hp->sliding_window = kolm_gguf_arch_int(g, arch, "attention.sliding_window", 0);
	hp->attn_softcap = akeyf(g, arch, "attn_logit_softcapping", 0);
	hp->final_softcap = akeyf(g, arch, "final_logit_softcapping", 0);
	if (!strcmp(arch, "gemma2"))
		hp->swa_pattern = 2;
	if (!strcmp(arch, "gemma3"))
		hp->swa_pattern = 6;
	if (!strcmp(arch, "phi3"))
		hp->sliding_window = 0;
	const struct kolm_gguf_kv *tok = kolm_gguf_kv_find(g, "tokenizer.ggml.tokens");
	hp->n_vocab = kolm_gguf_arch_int(g, arch, "vocab_size", tok ? (int64_t)tok->arr_n : 0);
	int has_output = 0;
	uint64_t infos = 0;
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		char name[64];
		memcpy(name, t->name.p, t->name.len);
		name[t->name.len] = '\0';
		int layer = -1;
		if (!strncmp(name, "blk.", 4))
			layer = atoi(name + 4);
		if (!strcmp(name, "output.weight"))
			has_output = 1;
		if (strstr(name, "attn_qkv"))
			hp->fused_qkv = 1;
		if (strstr(name, "attn_q.bias"))
			hp->qkv_bias = 1;
		if (strstr(name, "attn_q_norm"))
			hp->qk_norm = 1;
		if (strstr(name, "post_ffw_norm"))
			hp->gemma_norms = 1;
		if (!strcmp(name, "rope_freqs.weight"))
			hp->rope_freqs = 1;
		if (kolm_model_add_tensor(m, name, t->type, layer, t->n_dims, t->ne[0], t->ne[1], t->ne[2])) {
			kolm_model_release(m);
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		}
		m->tensors[m->n_tensors - 1].ne[3] = t->ne[3];
		infos += 8 + t->name.len + 4 + 8 * (uint64_t)t->n_dims + 4 + 8;
	}
	hp->tied = !has_output;
	if (!hp->n_vocab) {
		const struct kolm_gguf_tensor *te = kolm_gguf_tensor_find(g, "token_embd.weight");
		hp->n_vocab = te ? te->ne[1] : 0;
	}
	/* the limits config.json's hyperparameters get (model.c), so no size
	 * computed from them (KV cache, compute buffer) can wrap; 0 = unknown */
	if (hp->n_embd < 0 || hp->n_embd > (1 << 20) || hp->n_layer < 0 || hp->n_layer > 4096 || hp->n_head < 0 ||
	    hp->n_head > 4096 || hp->n_head_kv < 0 || hp->n_head_kv > 4096 || hp->head_dim < 0 ||
	    hp->head_dim > 4096 || hp->n_rot < 0 || hp->n_rot > 4096 || hp->n_vocab < 0 || hp->n_vocab > (1 << 24) ||
	    hp->n_ff < 0 || hp->n_ff > (1 << 22) || hp->n_ctx_train < 0 || hp->n_ctx_train > (1 << 24) ||
	    hp->n_expert < 0 || hp->n_expert > 1024 || hp->n_expert_used < 0 || hp->n_expert_used > hp->n_expert ||
	    hp->sliding_window < 0 || hp->sliding_window > (1 << 24)) {
		kolm_model_release(m);
		return kolm_err_set(err, KOLM_E_FORMAT, "gguf: hyperparameters out of range");
	}
	/* the bytes before the tensor infos: header and metadata, exactly */
	uint64_t hdr = 24;
	for (int64_t i = 0; i < kolm_gguf_kv_count(g); i++) {
		const struct kolm_gguf_kv *kv = kolm_gguf_kv_at(g, i);
		hdr += 8 + kv->key.len + 4 + (kv->type == KOLM_GGUF_ARRAY ? 12 : 0) + kv->val_bytes;
	}
	m->meta_bytes = hdr;
	m->meta_exact = 1;
	(void)infos;
	m->source = "gguf";
	m->file_bytes = kolm_gguf_file_size(g);
	m->data_offset = kolm_gguf_data_offset(g);
	m->alignment = kolm_gguf_alignment(g);
	int64_t ft;
	m->ftype = kolm_gguf_get_i64(g, "general.file_type", &ft) == 0 ? (int)ft : -1;
	m->k_ref = m->k_export = -1;
	char src[16];
	if (kolm_gguf_get_cstr(g, "kolm.export_k_source", src, sizeof src) == KOLM_OK && !strcmp(src, "measured") &&
	    kolm_gguf_get_cstr(g, "kolm.k_score_source", m->k_ref_source, sizeof m->k_ref_source) == KOLM_OK &&
	    (kolm_gguf_get_f64(g, "kolm.k_score", &m->k_ref) != KOLM_OK ||
	     kolm_gguf_get_f64(g, "kolm.export_k_score", &m->k_export) != KOLM_OK))
		m->k_ref = m->k_export = -1;
	return KOLM_OK;
}
