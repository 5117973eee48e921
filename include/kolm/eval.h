/*
 * eval.h - quality measurements with the built-in engine: perplexity the way
 * llama-perplexity computes it, the K-score on an eval pack, and the KL
 * divergence / top-1 agreement of a model against a reference model.
 *
 * Perplexity: the text is tokenized with BOS (as the model's metadata says),
 * cut into floor(n_tokens / n_ctx) non-overlapping chunks of n_ctx tokens;
 * each chunk's first token is replaced by BOS, the chunk is evaluated from an
 * empty cache, and the second half is scored: positions j = n_ctx/2 ..
 * n_ctx-2 predict token j+1 (n_ctx/2 - 1 predictions per chunk).
 * ppl = exp(mean negative log-likelihood).
 *
 * Eval pack (JSONL, one item per line; docs/ENGINE.md):
 *   {"id": "...", "prompt": "...", "expected": "...", "match": "exact"|"prefix"|"contains",
 *    "prompt_tokens": [ids, optional: used instead of tokenizing the prompt, BOS included],
 *    "expected_tokens": [ids, optional: their count sets the generation budget]}
 * Scoring an item: the raw prompt (no chat template), BOS as the metadata
 * says, greedy decoding of up to (expected token count + 16) tokens, stopping
 * at end of generation; output and expected are trimmed of leading/trailing
 * whitespace and compared by the match rule.  K = passed / items.
 *
 * Against a reference model (same vocabulary): for each item the reference's
 * greedy continuation is appended to the prompt, both models score that
 * sequence, and at every predicted position (last prompt token onwards) the
 * KL divergence KL(P_ref || P_model) and whether both argmaxes agree are
 * accumulated; reported as means over all positions of the pack.
 *
 * Ownership: _load returns a heap pack freed by kolm_evalpack_free; results
 * are caller-allocated structs released by kolm_eval_result_release.
 */
#ifndef KOLM_EVAL_H
#define KOLM_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_engine;

enum kolm_match { KOLM_MATCH_EXACT = 0, KOLM_MATCH_PREFIX = 1, KOLM_MATCH_CONTAINS = 2 };

struct kolm_evalpack_item {
	char *id;
	char *prompt;
	char *expected;
	int match;                 /* enum kolm_match */
	int32_t *prompt_tokens;    /* NULL if absent */
	int n_prompt_tokens;
	int32_t *expected_tokens;  /* NULL if absent */
	int n_expected_tokens;
};

struct kolm_evalpack {
	struct kolm_evalpack_item *items;
	int n;
};

/* Parse a JSONL eval pack.  KOLM_E_FORMAT names the line of a bad item. */
int kolm_evalpack_load(struct kolm_evalpack **out, const char *path, struct kolm_err *err);
int kolm_evalpack_parse(struct kolm_evalpack **out, const char *text, size_t len, const char *name,
			struct kolm_err *err);
void kolm_evalpack_free(struct kolm_evalpack *p);
const char *kolm_match_name(int match);

struct kolm_eval_item_result {
	int pass;
	char *output;              /* decoded, untrimmed (heap) */
	int n_gen;                 /* tokens generated */
	int ended_eos;
	double kl;                 /* mean over the item's positions (ref only) */
	double top1;               /* share of the item's positions (ref only) */
	int n_pos;                 /* positions compared (ref only) */
};

struct kolm_eval_result {
	int n_items;
	int n_pass;
	double k;                  /* n_pass / n_items */
	struct kolm_eval_item_result *items;
	int has_ref;
	double mean_kl;            /* over all positions */
	double max_kl;
	double top1;               /* share of positions where the argmaxes agree */
	int64_t n_positions;
};

/* Score the pack with model e (and against ref when not NULL).  Engines
 * are reset (kolm_engine_seek 0) per item. */
int kolm_eval_pack(struct kolm_engine *e, struct kolm_engine *ref, const struct kolm_evalpack *p,
		   struct kolm_eval_result *out, struct kolm_err *err);
/* An eval pack's progress: `done` of `total` items scored, `seconds` since
 * it started. */
typedef void (*kolm_eval_progress_fn)(void *user, int done, int total, double seconds);

/* The same without a reference, for the K-score alone: each item's greedy
 * run stops as soon as its match is decided (exact and prefix at the first
 * byte that differs from the expected text, prefix and contains once it is
 * all there), so pass, n_pass and k are kolm_eval_pack's, and output and
 * n_gen end at the deciding token.  progress (may be NULL) after each item. */
int kolm_eval_pack_k(struct kolm_engine *e, const struct kolm_evalpack *p, kolm_eval_progress_fn progress,
		     void *user, struct kolm_eval_result *out, struct kolm_err *err);
void kolm_eval_result_release(struct kolm_eval_result *r);

struct kolm_ppl_result {
	int n_ctx;
	int n_tokens;              /* tokens of the text, BOS included */
	int n_chunks;
	int scored;                /* predictions scored in all */
	double ppl;
	double ppl_stderr;         /* as llama-perplexity's +/- */
	double *running;           /* n_chunks: ppl after each chunk (heap) */
};

/* Perplexity of len bytes of text with chunks of n_ctx tokens (>= 8; the
 * engine's context must hold n_ctx), each run in engine calls of n_batch
 * tokens (<= 0: the whole chunk at once; 1: one token a call, the decode
 * kernels).  KOLM_E_USAGE if the text has fewer than n_ctx tokens. */
int kolm_eval_perplexity(struct kolm_engine *e, const char *text, size_t len, int n_ctx, int n_batch,
			 struct kolm_ppl_result *out, struct kolm_err *err);
void kolm_ppl_result_release(struct kolm_ppl_result *r);

/* K of a GGUF file on a JSONL eval pack in memory (kscore.c): greedy, as
 * kolm_eval_pack scores it (kolm_eval_pack_k); _progress reports each item. */
int kolm_eval_k_file(const char *gguf, const char *pack, size_t len, int threads, double *k, int *n_items,
		     struct kolm_err *err);
int kolm_eval_k_file_progress(const char *gguf, const char *pack, size_t len, int threads, double *k, int *n_items,
			      kolm_eval_progress_fn progress, void *user, struct kolm_err *err);
/* 1 if the engine runs this GGUF general.architecture. */
int kolm_engine_supports_arch(const char *arch);

#endif
