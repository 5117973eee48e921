/*
 * tokenizer.h - llama.cpp-compatible tokenizers built from GGUF metadata
 * (tokenizer.ggml.*): no other files are read.
 *
 *   model "llama"  SentencePiece BPE (llm_tokenizer_spm): a space prefix
 *                  (unless tokenizer.ggml.add_space_prefix is false), spaces
 *                  written as U+2581, adjacent pieces merged by highest
 *                  score, byte fallback to <0xNN> tokens.
 *   model "gpt2"   byte-level BPE (llm_tokenizer_bpe): text split by the
 *                  pre-tokenizer named in tokenizer.ggml.pre ("gpt-2" and
 *                  unknown names: the GPT-2 rule; "llama-bpe"/"llama3":
 *                  Llama 3's rule, digits in groups of up to 3; "qwen2":
 *                  Llama 3's rule with single digits), bytes mapped to
 *                  GPT-2's printable code points, merges by rank.
 *
 * Special tokens: user-defined tokens are always matched in the text;
 * control tokens (<s>, <|eot_id|> ...) only when parse_special is set.
 *
 * Ownership: kolm_tokenizer_new borrows token strings from the GGUF reader,
 * which must outlive the tokenizer; kolm_tokenizer_free accepts NULL.
 * All functions are read-only on the tokenizer and thread-safe.
 */
#ifndef KOLM_TOKENIZER_H
#define KOLM_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_gguf;
struct kolm_tokenizer;

enum kolm_tok_kind { KOLM_TOK_SPM = 1, KOLM_TOK_BPE = 2 };

int kolm_tokenizer_new(struct kolm_tokenizer **out, const struct kolm_gguf *g, struct kolm_err *err);
void kolm_tokenizer_free(struct kolm_tokenizer *t);

int kolm_tokenizer_kind(const struct kolm_tokenizer *t);
int32_t kolm_tokenizer_bos(const struct kolm_tokenizer *t); /* -1 if none */
int32_t kolm_tokenizer_eos(const struct kolm_tokenizer *t); /* -1 if none */
/* 1 if a BOS token should be added (tokenizer.ggml.add_bos_token, or the
 * llama.cpp default: yes for SPM, no for gpt2 BPE). */
int kolm_tokenizer_add_bos(const struct kolm_tokenizer *t);
/* 1 for end-of-generation tokens: eos, eot, eom. */
int kolm_tokenizer_is_eog(const struct kolm_tokenizer *t, int32_t id);

/* Tokenize len bytes of text.  *out (heap, caller frees) receives *n ids. */
int kolm_tokenize(const struct kolm_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special,
		  int32_t **out, int *n, struct kolm_err *err);

/* The bytes a token stands for in generated text (llama_token_to_piece with
 * special = 0: control tokens give nothing).  Writes at most cap bytes
 * (no NUL) and returns the full length. */
size_t kolm_token_to_piece(const struct kolm_tokenizer *t, int32_t id, char *buf, size_t cap);

#endif
