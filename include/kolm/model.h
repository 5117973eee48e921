/*
 * model.h - a model as kolm sees it: architecture hyperparameters plus the
 * exact list of tensors the GGUF file holds (names, shapes in GGUF ne order,
 * stored types).  Every forecast, export and inspection goes through this
 * list, so a catalog id, a config.json, a safetensors checkpoint and a GGUF
 * of the same model agree.
 *
 * Tensor list for the llama family (shared/ESTIMATOR.md §1; gguf-facts §3.8):
 *   token_embd.weight          [d, V]
 *   output_norm.weight         [d]
 *   output.weight              [d, V]        absent when embeddings are tied
 *   rope_freqs.weight          [hd/2]        llama-3 rope scaling only
 *   blk.i.attn_norm.weight     [d]
 *   blk.i.attn_q.weight        [d, H*hd]     (+ .bias [H*hd] for qwen2)
 *   blk.i.attn_k.weight        [d, Hkv*hd]   (+ .bias)
 *   blk.i.attn_v.weight        [d, Hkv*hd]   (+ .bias)
 *   blk.i.attn_qkv.weight      [d, (H+2Hkv)*hd]   phi3 (replaces q/k/v)
 *   blk.i.attn_q_norm/attn_k_norm.weight [hd]     qwen3, gemma3
 *   blk.i.attn_output.weight   [H*hd, d]
 *   blk.i.post_attention_norm.weight [d]          gemma2/3
 *   blk.i.ffn_norm.weight      [d]
 *   blk.i.ffn_gate.weight      [d, F]        (phi3: none; ffn_up is [d, 2F])
 *   blk.i.ffn_up.weight        [d, F]
 *   blk.i.ffn_down.weight      [F, d]
 *   blk.i.post_ffw_norm.weight [d]                gemma2/3
 *   MoE: blk.i.ffn_gate_inp.weight [d, E]; ffn_{gate,up}_exps [d, Fe, E];
 *        ffn_down_exps [Fe, d, E]
 *
 * Ownership: kolm_model_* fill a caller-allocated struct; kolm_model_release
 * frees what they allocated (accepts a zeroed struct).
 */
#ifndef KOLM_MODEL_H
#define KOLM_MODEL_H

#include <stdint.h>

#include "kolm/err.h"

typedef struct json_t json_t;

struct kolm_hparams {
	char arch[24];          /* GGUF general.architecture: llama, qwen2, qwen3, qwen3moe, phi3, gemma2, gemma3 */
	char model_type[24];    /* HF model_type: llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, phi3, gemma2, gemma3(_text) */
	char torch_dtype[16];   /* config.json's torch_dtype (else text_config.dtype): mlx-lm's conversion dtype; "" if none */
	int64_t n_vocab;
	int64_t n_embd;         /* hidden_size */
	int64_t n_ff;           /* intermediate_size (dense) */
	int64_t n_layer;
	int64_t n_head;
	int64_t n_head_kv;
	int64_t head_dim;       /* head_dim or n_embd / n_head */
	int64_t n_rot;          /* rotary dims (phi-4-mini: partial) */
	int64_t n_ctx_train;
	double rope_theta;
	double rope_theta_local;/* gemma3 local layers (0 = same) */
	double rms_eps;
	int tied;               /* 1: no output.weight; token_embd is read as the output layer */
	int qkv_bias;           /* qwen2: q/k/v biases */
	int qk_norm;            /* qwen3, gemma3: per-head q/k RMSNorm */
	int fused_qkv;          /* phi3: attn_qkv, ffn_up = [d, 2F] */
	int gemma_norms;        /* gemma2/3: post_attention_norm, post_ffw_norm */
	int rope_freqs;         /* llama-3 rope scaling: rope_freqs.weight [hd/2] */
	int rope_factors;       /* phi3 longrope: rope_factors_long/short [n_rot/2] */
	double rope_scale_factor;   /* llama3 / linear factor (0 = none) */
	double rope_low_freq, rope_high_freq; /* llama3 scaling params */
	int64_t rope_orig_ctx;
	int neox_rope;          /* 1: neox ordering (qwen2/3, phi3, gemma) */
	int64_t n_expert;       /* 0 = dense */
	int64_t n_expert_used;
	int64_t n_ff_exp;       /* per-expert intermediate size */
	int64_t sliding_window; /* 0 = none */
	int swa_pattern;        /* every swa_pattern-th layer is global (gemma2: 2, gemma3: 6); 0 = all local if window */
	double attn_softcap, final_softcap; /* gemma2 */
	double query_scale;     /* gemma query_pre_attn_scalar (0 = head_dim) */
	int act_gelu;           /* 1: GeGLU (gemma), 0: SwiGLU */
	char tokenizer[32];     /* tokenizer family id (data/tokenizers.json) or "" */
};

struct kolm_tensor_desc {
	char name[64];
	int n_dims;
	int64_t ne[4];          /* unused dims are 1 */
	int type;               /* stored/source enum kolm_ggml_type (F32 for a config) */
	int layer;              /* block index, -1 for global tensors */
};

struct kolm_model {
	struct kolm_hparams hp;
	struct kolm_tensor_desc *tensors;
	int64_t n_tensors;
	uint64_t meta_bytes;    /* GGUF bytes before the tensor infos (header + KV),
	                           read from a GGUF; 0 otherwise (the size model
	                           forecasts them from the tokenizer family) */
	int meta_exact;         /* 1 when meta_bytes was read from a file */
	const char *source;     /* "catalog", "config", "gguf", "safetensors", "hf-dir", "kolm" */
	uint64_t file_bytes;    /* size of the source file, 0 if none */
	int ftype;              /* GGUF general.file_type, -1 if none */
	uint64_t data_offset;   /* GGUF: start of the data section, 0 otherwise */
	uint64_t alignment;     /* GGUF alignment (32 default) */
	/* a kolm export's measured K-scores (GGUF kolm.k_score / kolm.export_k_score
	 * when kolm.export_k_source is "measured"); -1 otherwise */
	double k_ref, k_export;
	char k_ref_source[16];  /* "measured" | "declared" */
};

/* From an HF config.json object (any model_type kolm knows).  tokenizer:
 * family id (data/tokenizers.json; the size model forecasts the metadata
 * from it), or NULL to guess from vocab.  A catalog base id: ctx.h. */
int kolm_model_from_config(struct kolm_model *m, const json_t *config, const char *tokenizer,
			   struct kolm_err *err);
/* The tensors of an open GGUF as stored (model_gguf.c).  From any file or
 * directory, a .kolm included: kolm_model_from_path (artifact.h). */
struct kolm_gguf;
int kolm_model_from_gguf(struct kolm_model *m, const struct kolm_gguf *g, struct kolm_err *err);
void kolm_model_release(struct kolm_model *m);

/* Parameters: every tensor's elements but the rope frequency tables
 * (rope_freqs, rope_factors_*), which are not weights. */
int64_t kolm_model_params(const struct kolm_model *m);
int kolm_tensor_is_param(const struct kolm_tensor_desc *t);
/* Exact GGUF bytes of the tensor-info records for the current names/dims. */
uint64_t kolm_model_tensor_info_bytes(const struct kolm_model *m);

#endif
