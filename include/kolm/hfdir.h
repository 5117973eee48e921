/*
 * hfdir.h - a Hugging Face checkpoint directory: config.json, safetensors
 * shard(s), tokenizer files; and the mapping from its tensor names to the
 * GGUF names (and transforms) an export writes, as llama.cpp's
 * convert_hf_to_gguf.py does:
 *
 *   model.embed_tokens.weight              -> token_embd.weight
 *   model.norm.weight                      -> output_norm.weight
 *   lm_head.weight                         -> output.weight (absent when tied)
 *   model.layers.N.input_layernorm         -> blk.N.attn_norm
 *   ...post_attention_layernorm            -> blk.N.ffn_norm (gemma: post_attention_norm)
 *   ...pre_feedforward_layernorm           -> blk.N.ffn_norm (gemma)
 *   ...post_feedforward_layernorm          -> blk.N.post_ffw_norm (gemma)
 *   ...self_attn.{q,k,v,o}_proj            -> blk.N.attn_{q,k,v,output}
 *   ...self_attn.qkv_proj                  -> blk.N.attn_qkv (phi3)
 *   ...self_attn.{q,k}_norm                -> blk.N.attn_{q,k}_norm (qwen3, gemma3)
 *   ...mlp.{gate,up,down}_proj             -> blk.N.ffn_{gate,up,down}
 *   ...mlp.gate_up_proj                    -> blk.N.ffn_up (phi3, [d, 2F])
 *
 * Transforms: llama-architecture q_proj / k_proj rows are un-permuted from
 * HF's rotate-half order to GGUF's interleaved pairs (n_head for q,
 * n_head_kv for k: GGUF row h*hd + 2i + j <- HF row h*hd + j*hd/2 + i);
 * gemma norm weights get +1 (HF stores w - 1).  GGUF ne is the HF shape
 * reversed.
 */
#ifndef KOLM_HFDIR_H
#define KOLM_HFDIR_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_safetensors;
struct kolm_st_tensor;
struct kolm_hparams;
struct kolm_model;

enum kolm_hf_transform { KOLM_HF_IDENTITY, KOLM_HF_UNPERMUTE, KOLM_HF_ADD_ONE };

struct kolm_hf_map {
	char gguf[64];                      /* GGUF tensor name */
	const struct kolm_st_tensor *src;   /* borrowed from the reader */
	int transform;                      /* enum kolm_hf_transform */
	int64_t n_head;                     /* heads for KOLM_HF_UNPERMUTE */
	int n_dims;
	int64_t ne[4];                      /* GGUF order (HF shape reversed) */
	int layer;                          /* -1 for global tensors */
};

/* Map every tensor of the checkpoint (caller frees *out).  Unknown names
 * are an error naming the tensor (KOLM_E_FORMAT). */
int kolm_hfdir_map(const struct kolm_safetensors *st, const struct kolm_hparams *hp, struct kolm_hf_map **out,
		   int64_t *n, struct kolm_err *err);

/* Replace a config-built tensor list by the checkpoint's own tensors (GGUF
 * names, shapes, source dtypes).  Used by kolm_model_from_path. */
int kolm_model_use_checkpoint(struct kolm_model *m, const char *dir, struct kolm_err *err);
struct kolm_files;
int kolm_model_use_checkpoint_files(struct kolm_model *m, const struct kolm_files *f, struct kolm_err *err);

/* Un-permute rows (count rows of row_bytes each) from HF rotate-half order
 * to GGUF interleaved order for n_head heads; src and dst must not overlap. */
void kolm_hf_unpermute_rows(const uint8_t *src, uint8_t *dst, int64_t rows, uint64_t row_bytes, int64_t n_head);

/* Where a Hugging Face checkpoint of REPO ("org/name") already is on disk:
 * LOCAL_DIR (what `hf download REPO --local-dir LOCAL_DIR` wrote; may be
 * NULL), else the hub cache as huggingface_hub lays it out:
 * $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
 * else ~/.cache/huggingface/hub; there models--ORG--NAME/snapshots/REV with
 * REV from refs/main (or the only snapshot).  A directory counts when it
 * holds config.json.  0 and the directory in out, or -1 when none is found
 * (out then names where it looked last). */
int kolm_hfdir_find(const char *repo, const char *local_dir, char *out, size_t cap);

/* The GGUF metadata of a checkpoint (gguf_hf.c), as convert_hf_to_gguf.py
 * writes it: <arch>.* hyperparameter keys; the tokenizer.ggml.* keys; and
 * Llama-3's rope frequency factors (rope_freqs.weight, n = head_dim / 2).
 * The writers return nonzero when a key could not be added. */
struct kolm_gguf_writer;
struct kolm_tokmeta;
int kolm_hf_gguf_arch_keys(struct kolm_gguf_writer *w, const struct kolm_hparams *hp);
int kolm_hf_gguf_tokenizer(struct kolm_gguf_writer *w, const struct kolm_tokmeta *t);
void kolm_hf_llama3_rope_factors(const struct kolm_hparams *hp, float *out, int64_t n);

#endif
