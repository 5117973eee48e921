/*
 * tokmeta.h - the GGUF tokenizer metadata an export writes, read from a
 * Hugging Face directory the way llama.cpp's convert_hf_to_gguf.py does:
 *
 *   tokenizer.model (SentencePiece ModelProto)  -> tokenizer.ggml.model "llama",
 *       tokens (pieces), scores, token_type (1 normal, 2 unknown, 3 control,
 *       4 user-defined, 5 unused, 6 byte)
 *   tokenizer.json (BPE, no tokenizer.model)     -> "gpt2": tokens by id, merges
 *       ("a b"), token_type (added special -> 3 control, other added -> 4),
 *       and tokenizer.ggml.pre named from the pre-tokenizer's split regex
 *       (llama-bpe, qwen2, gpt-2, ...)
 *   special ids from tokenizer_config.json / config.json; add_bos/add_eos
 *   from tokenizer_config.json; chat template when present.
 *
 * kolm_tokmeta_load_files fills a caller-allocated struct; kolm_tokmeta_release
 * frees it (zeroed struct ok).
 */
#ifndef KOLM_TOKMETA_H
#define KOLM_TOKMETA_H

#include <stdint.h>

#include "kolm/err.h"

struct kolm_tokmeta {
	char model[16];          /* "llama" | "gpt2" */
	char pre[32];            /* "default" | "llama-bpe" | "qwen2" | "gpt-2" | ... */
	int64_t n_tokens;
	char **tokens;           /* UTF-8, NUL-terminated */
	float *scores;           /* SentencePiece only (NULL for gpt2) */
	int32_t *types;
	int64_t n_merges;
	char **merges;           /* "left right" */
	int64_t bos, eos, unk, pad; /* -1 = none */
	int add_bos, add_eos;    /* -1 = not stated */
	char *chat_template;     /* NULL if none */
};

/* From an HF directory or a .kolm's members (util.h kolm_files):
 * tokenizer.model or tokenizer.json required. */
struct kolm_files;
int kolm_tokmeta_load_files(struct kolm_tokmeta *t, const struct kolm_files *f, struct kolm_err *err);
/* Parse a SentencePiece ModelProto buffer (tokens, scores, types only).
 * t must be zeroed (or freshly released) and is released by the caller
 * whatever the result. */
int kolm_tokmeta_parse_spm(struct kolm_tokmeta *t, const uint8_t *buf, uint64_t n, struct kolm_err *err);
void kolm_tokmeta_release(struct kolm_tokmeta *t);

#endif
