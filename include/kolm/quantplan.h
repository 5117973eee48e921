/*
 * quantplan.h - which ggml type each tensor gets for a llama.cpp file type,
 * exactly as llama-quantize (newest code, no importance matrix) chooses it:
 * shared/data/gguf-facts.md §3.  Used by the size forecast, `kolm quantize`
 * and `kolm export`, so all three agree.
 *
 * Order of decisions per tensor: not quantizable (1-D, *_norm.weight,
 * ffn_gate_inp, non-.weight) -> keep source type (F32 for 1-D);
 * F32/F16/BF16 ftypes -> default type; output / tied token_embd rule;
 * per-ftype category rules with use_more_bits counters in layer order;
 * 70B and 8-expert modifiers; user overrides (--tensor-type NAME=TYPE, NAME
 * a substring/regex-free pattern as llama-quantize matches); row-length
 * fallback (Q2_K/Q3_K->Q4_0, Q4_K->Q5_0, Q5_K->Q5_1, Q6_K->Q8_0,
 * IQ4_XS->IQ4_NL, then F16 if ne0 % 32).
 */
#ifndef KOLM_QUANTPLAN_H
#define KOLM_QUANTPLAN_H

#include "kolm/err.h"

struct kolm_model;

struct kolm_tensor_override {
	char pattern[64];   /* matched with POSIX ERE against the tensor name, as llama-quantize --tensor-type */
	int type;           /* enum kolm_ggml_type */
};

/* llama.cpp's weights_map order, the order llama-quantize visits and writes
 * tensors in: block number (globals first), then name; <0 if a sorts
 * before b. */
int kolm_quantize_name_cmp(const char *a, const char *b);

/* types_out has m->n_tensors entries.  Fails with KOLM_E_FORMAT when a
 * tensor cannot take any type (row length not a multiple of 32 and no
 * override), naming it as llama-quantize does. */
int kolm_quantplan(const struct kolm_model *m, int ftype, const struct kolm_tensor_override *ov,
		   int n_ov, int *types_out, struct kolm_err *err);

/* 1 when llama-quantize refuses to write tensor NAME as TYPE in an FTYPE
 * file without an importance matrix (llama-quant.cpp
 * tensor_requires_imatrix: IQ1_S/IQ1_M/IQ2_XXS/IQ2_XS/IQ2_S/IQ3_XXS, and
 * Q2_K inside a Q2_K_S file; never token_embd or output). */
int kolm_quantplan_needs_imatrix(const char *name, int type, int ftype);

/* Parse "NAME=TYPE" (llama-quantize --tensor-type syntax). */
int kolm_tensor_override_parse(const char *s, struct kolm_tensor_override *out, struct kolm_err *err);

#endif
