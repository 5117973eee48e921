/* gguf_hf.c - the GGUF metadata a Hugging Face checkpoint gives (hfdir.h):
 * the architecture's keys, the tokenizer's, and Llama-3's rope factors.
 * kolm's GGUF export writes them (artifact/export.c) and the engine builds
 * an MLX directory's metadata from them (engine/engine_mlx.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kolm/gguf.h"
#include "kolm/hfdir.h"
#include "kolm/model.h"
#include "kolm/tokmeta.h"

/* Llama-3 rope scaling factors, as convert_hf_to_gguf.py's LlamaModel
 * generate_extra_tensors computes them for rope_type "llama3". */
void kolm_hf_llama3_rope_factors(const struct kolm_hparams *hp, float *out, int64_t n)
{
	double base = hp->rope_theta, factor = hp->rope_scale_factor;
	double low = hp->rope_low_freq, high = hp->rope_high_freq, old = (double)hp->rope_orig_ctx;
	double low_wl = old / low, high_wl = old / high;
	for (int64_t i = 0; i < n; i++) {
		float exponent = (float)(2 * i) / (float)hp->head_dim; /* torch.arange(0, dim, 2) / dim in float32 */
		double freq = 1.0 / pow(base, (double)exponent);
		double wl = 2 * M_PI / freq;
		if (wl < high_wl)
			out[i] = 1.0f;
		else if (wl > low_wl)
			out[i] = (float)factor;
		else {
			double smooth = (old / wl - low) / (high - low);
			out[i] = (float)(1.0 / ((1 - smooth) / factor + smooth));
		}
	}
}

int kolm_hf_gguf_arch_keys(struct kolm_gguf_writer *w, const struct kolm_hparams *hp)
{
	char k[96];
	const char *a = hp->arch;
	int rc = 0;
#define U32(suffix, v)                                        \
	do {                                                  \
		snprintf(k, sizeof k, "%s." suffix, a);       \
		rc |= kolm_gguf_writer_kv_u32(w, k, (uint32_t)(v)); \
	} while (0)
#define F32(suffix, v)                                        \
	do {                                                  \
		snprintf(k, sizeof k, "%s." suffix, a);       \
		rc |= kolm_gguf_writer_kv_f32(w, k, (float)(v)); \
	} while (0)
	U32("context_length", hp->n_ctx_train);
	U32("embedding_length", hp->n_embd);
	U32("block_count", hp->n_layer);
	U32("feed_forward_length", hp->n_ff);
	U32("attention.head_count", hp->n_head);
	U32("attention.head_count_kv", hp->n_head_kv);
	F32("rope.freq_base", hp->rope_theta);
	F32("attention.layer_norm_rms_epsilon", hp->rms_eps);
	if (hp->head_dim != hp->n_embd / hp->n_head || !strcmp(a, "gemma2") || !strcmp(a, "qwen3")) {
		U32("attention.key_length", hp->head_dim);
		U32("attention.value_length", hp->head_dim);
	}
	U32("rope.dimension_count", hp->n_rot ? hp->n_rot : hp->head_dim);
	U32("vocab_size", hp->n_vocab);
	if (!strcmp(a, "gemma2")) {
		F32("attn_logit_softcapping", hp->attn_softcap);
		F32("final_logit_softcapping", hp->final_softcap);
		U32("attention.sliding_window", hp->sliding_window);
	}
#undef U32
#undef F32
	return rc;
}

int kolm_hf_gguf_tokenizer(struct kolm_gguf_writer *w, const struct kolm_tokmeta *t)
{
	int rc = kolm_gguf_writer_kv_str(w, "tokenizer.ggml.model", t->model);
	if (!strcmp(t->model, "gpt2"))
		rc |= kolm_gguf_writer_kv_str(w, "tokenizer.ggml.pre", t->pre);
	rc |= kolm_gguf_writer_kv_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)t->tokens, (uint64_t)t->n_tokens);
	if (t->scores)
		rc |= kolm_gguf_writer_kv_arr_raw(w, "tokenizer.ggml.scores", KOLM_GGUF_F32, t->scores, (uint64_t)t->n_tokens);
	rc |= kolm_gguf_writer_kv_arr_raw(w, "tokenizer.ggml.token_type", KOLM_GGUF_I32, t->types, (uint64_t)t->n_tokens);
	if (t->n_merges)
		rc |= kolm_gguf_writer_kv_arr_str(w, "tokenizer.ggml.merges", (const char *const *)t->merges,
						  (uint64_t)t->n_merges);
	if (t->bos >= 0)
		rc |= kolm_gguf_writer_kv_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)t->bos);
	if (t->eos >= 0)
		rc |= kolm_gguf_writer_kv_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)t->eos);
	if (t->unk >= 0)
		rc |= kolm_gguf_writer_kv_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)t->unk);
	if (t->pad >= 0)
		rc |= kolm_gguf_writer_kv_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)t->pad);
	if (t->add_bos >= 0)
		rc |= kolm_gguf_writer_kv_bool(w, "tokenizer.ggml.add_bos_token", t->add_bos);
	if (t->add_eos >= 0)
		rc |= kolm_gguf_writer_kv_bool(w, "tokenizer.ggml.add_eos_token", t->add_eos);
	if (t->chat_template)
		rc |= kolm_gguf_writer_kv_str(w, "tokenizer.chat_template", t->chat_template);
	return rc;
}
