/* quantplan.c - llama-quantize's per-tensor type choice (newest rules, no
 * importance matrix).  Source: llama.cpp src/llama-quant.cpp as restated in
 * shared/data/gguf-facts.md §3; checked against kquant/tensors.tsv. */
#include "quantplan_internal.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/model.h"
#include "kolm/types.h"
#include "kolm/util.h"

enum cat { C_OTHER, C_OUTPUT, C_TOKEN_EMBD, C_ATTN_V, C_ATTN_K, C_ATTN_Q, C_ATTN_OUT, C_FFN_DOWN,
	   C_FFN_GATE, C_FFN_UP };

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && memcmp(s + a - b, suf, b) == 0;
}

static enum cat category(const char *name)
{
	if (!strcmp(name, "output.weight"))
		return C_OUTPUT;
	if (!strcmp(name, "token_embd.weight"))
		return C_TOKEN_EMBD;
	if (strstr(name, "attn_v.weight") || strstr(name, "attn_qkv.weight") || strstr(name, "attn_kv_b.weight"))
		return C_ATTN_V;
	if (strstr(name, "attn_k.weight"))
		return C_ATTN_K;
	if (strstr(name, "attn_q.weight"))
		return C_ATTN_Q;
	if (strstr(name, "attn_output.weight"))
		return C_ATTN_OUT;
	if (strstr(name, "ffn_down"))
		return C_FFN_DOWN;
	if (strstr(name, "ffn_gate") && !strstr(name, "ffn_gate_inp"))
		return C_FFN_GATE;
	if (strstr(name, "ffn_up"))
		return C_FFN_UP;
	return C_OTHER;
}

/* llama.cpp: quantize only 2-D+ ".weight" tensors that are not norms or
 * routers (and a few non-llama exclusions). */
static int quantizable(const struct kolm_tensor_desc *t)
{
	if (!ends_with(t->name, "weight") || t->n_dims < 2)
		return 0;
	if (strstr(t->name, "_norm.weight") || strstr(t->name, "ffn_gate_inp.weight") ||
	    strstr(t->name, "position_embd") || strstr(t->name, "token_types") || strstr(t->name, "ssm_conv1d") ||
	    strstr(t->name, "attn_rel_b") || strstr(t->name, "rope_freqs") || strstr(t->name, "rope_factors"))
		return 0;
	return 1;
}

static int use_more_bits(int i, int n)
{
	return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

static int is_iq2_family(int ft)
{
	return ft == KOLM_FT_IQ2_XXS || ft == KOLM_FT_IQ2_XS || ft == KOLM_FT_IQ2_S || ft == KOLM_FT_IQ2_M ||
	       ft == KOLM_FT_IQ1_S || ft == KOLM_FT_IQ1_M;
}

struct qstate {
	int n_attn_wv, i_attn_wv;
	int n_ffn, i_ffn_down, i_ffn_gate, i_ffn_up;
	int has_output;
	int64_t gqa, n_expert;
	int is_70b;
};

static int layer_of(const struct kolm_tensor_desc *t, int counter)
{
	return t->layer >= 0 ? t->layer : counter;
}

/* output.weight (or token_embd.weight read as the output layer) */
static int choose_output(int ft, int nt, int64_t nx)
{
	if (nx % kolm_type_traits(nt)->blck != 0)
		return KOLM_T_Q8_0;
	if (ft == KOLM_FT_IQ2_XXS || ft == KOLM_FT_IQ2_XS || ft == KOLM_FT_IQ3_XXS || ft == KOLM_FT_IQ1_S ||
	    ft == KOLM_FT_IQ2_S || ft == KOLM_FT_IQ2_M || ft == KOLM_FT_IQ1_M)
		return KOLM_T_Q5_K;
	return nt != KOLM_T_Q8_0 ? KOLM_T_Q6_K : nt;
}

static int choose_token_embd(int ft, int nt)
{
	if (ft == KOLM_FT_IQ2_XXS || ft == KOLM_FT_IQ2_XS || ft == KOLM_FT_IQ1_S || ft == KOLM_FT_IQ1_M)
		return KOLM_T_Q2_K;
	if (ft == KOLM_FT_IQ2_S || ft == KOLM_FT_IQ2_M || ft == KOLM_FT_IQ3_XXS)
		return KOLM_T_IQ3_S;
	if (ft == KOLM_FT_TQ1_0 || ft == KOLM_FT_TQ2_0)
		return KOLM_T_Q4_K;
	return nt;
}

/* The 1- and 2-bit i-quant files keep a few tensors at more bits. */
static int choose_iq2(struct qstate *qs, const struct kolm_tensor_desc *t, enum cat c, int ft, int nt)
{
	if (c == C_ATTN_V) {
		nt = (qs->gqa >= 4 || qs->n_expert >= 4) ? KOLM_T_Q4_K
		     : (ft == KOLM_FT_IQ2_S || ft == KOLM_FT_IQ2_M) ? KOLM_T_IQ3_S : KOLM_T_Q2_K;
		qs->i_attn_wv++;
	} else if (c == C_FFN_DOWN) {
		int i = layer_of(t, qs->i_ffn_down);
		if (i < qs->n_ffn / 8)
			nt = (ft == KOLM_FT_IQ2_S || ft == KOLM_FT_IQ2_M) ? KOLM_T_IQ3_S : KOLM_T_Q2_K;
		qs->i_ffn_down++;
	} else if (c == C_ATTN_OUT) {
		if (qs->n_expert == 8)
			nt = KOLM_T_Q5_K;
		else if (ft == KOLM_FT_IQ1_S || ft == KOLM_FT_IQ1_M)
			nt = KOLM_T_IQ2_XXS;
		else if (ft == KOLM_FT_IQ2_S || ft == KOLM_FT_IQ2_M)
			nt = KOLM_T_IQ3_S;
	}
	return nt;
}

static int choose_attn_v(struct qstate *qs, int ft, int nt)
{
	if (ft == KOLM_FT_Q2_K)
		nt = qs->gqa >= 4 ? KOLM_T_Q4_K : KOLM_T_Q3_K;
	else if (ft == KOLM_FT_Q2_K_S && qs->gqa >= 4)
		nt = KOLM_T_Q4_K;
	else if (ft == KOLM_FT_IQ3_XXS && qs->gqa >= 4)
		nt = KOLM_T_Q4_K;
	else if (ft == KOLM_FT_IQ3_XXS)
		nt = KOLM_T_IQ3_S;
	else if (ft == KOLM_FT_IQ3_S && qs->gqa >= 4)
		nt = KOLM_T_Q4_K;
	else if (ft == KOLM_FT_IQ3_M)
		nt = KOLM_T_Q4_K;
	else if (ft == KOLM_FT_Q3_K_M)
		nt = qs->i_attn_wv < 2 ? KOLM_T_Q5_K : KOLM_T_Q4_K;
	else if (ft == KOLM_FT_Q3_K_L)
		nt = KOLM_T_Q5_K;
	else if ((ft == KOLM_FT_IQ4_NL || ft == KOLM_FT_IQ4_XS) && qs->gqa >= 4)
		nt = KOLM_T_Q5_K;
	else if ((ft == KOLM_FT_Q4_K_M || ft == KOLM_FT_Q5_K_M) && use_more_bits(qs->i_attn_wv, qs->n_attn_wv))
		nt = KOLM_T_Q6_K;
	else if (ft == KOLM_FT_Q4_K_S && qs->i_attn_wv < 4)
		nt = KOLM_T_Q5_K;
	if (qs->is_70b && (nt == KOLM_T_Q3_K || nt == KOLM_T_Q4_K))
		nt = KOLM_T_Q5_K;
	if (qs->n_expert == 8)
		nt = KOLM_T_Q8_0;
	qs->i_attn_wv++;
	return nt;
}

static int choose_ffn_down(struct qstate *qs, const struct kolm_tensor_desc *t, int ft, int nt)
{
	int i = layer_of(t, qs->i_ffn_down), n = qs->n_ffn;
	if (ft == KOLM_FT_Q2_K)
		nt = KOLM_T_Q3_K;
	else if (ft == KOLM_FT_Q2_K_S) {
		if (i < n / 8)
			nt = KOLM_T_Q4_K;
	} else if (ft == KOLM_FT_IQ3_XXS)
		nt = i < n / 8 ? KOLM_T_Q4_K : KOLM_T_Q3_K;
	else if (ft == KOLM_FT_Q3_K_M)
		nt = i < n / 16 ? KOLM_T_Q5_K : KOLM_T_Q4_K;
	else if (ft == KOLM_FT_IQ3_M && (i < n / 8 || (qs->n_expert == 8 && use_more_bits(i, n))))
		nt = KOLM_T_Q4_K;
	else if (ft == KOLM_FT_Q3_K_L)
		nt = KOLM_T_Q5_K;
	else if (ft == KOLM_FT_Q4_K_M) {
		if (use_more_bits(i, n))
			nt = KOLM_T_Q6_K;
	} else if (i < n / 8 && (ft == KOLM_FT_IQ4_NL || ft == KOLM_FT_IQ4_XS))
		nt = KOLM_T_Q5_K;
	else if (ft == KOLM_FT_Q5_K_M && use_more_bits(i, n))
		nt = KOLM_T_Q6_K;
	else if (ft == KOLM_FT_Q4_K_S && i < n / 8)
		nt = KOLM_T_Q5_K;
	qs->i_ffn_down++;
	return nt;
}

static int choose_attn_out(const struct qstate *qs, int ft, int nt)
{
	if (qs->n_expert == 8) {
		if (ft == KOLM_FT_Q2_K || ft == KOLM_FT_IQ3_XXS || ft == KOLM_FT_Q3_K_S || ft == KOLM_FT_Q3_K_M ||
		    ft == KOLM_FT_IQ4_NL || ft == KOLM_FT_Q4_K_S || ft == KOLM_FT_Q4_K_M || ft == KOLM_FT_IQ3_S ||
		    ft == KOLM_FT_IQ3_M || ft == KOLM_FT_IQ4_XS)
			nt = KOLM_T_Q5_K;
		return nt;
	}
	if (ft == KOLM_FT_Q2_K)
		return KOLM_T_Q3_K;
	if (ft == KOLM_FT_IQ3_XXS)
		return KOLM_T_IQ3_S;
	if (ft == KOLM_FT_Q3_K_M || ft == KOLM_FT_IQ3_M)
		return KOLM_T_Q4_K;
	if (ft == KOLM_FT_Q3_K_L)
		return KOLM_T_Q5_K;
	return nt;
}

/* IQ3_XS keeps the middle layers' ffn_gate / ffn_up at IQ3_XXS. */
static int choose_ffn_gate_up(int *counter, const struct qstate *qs, const struct kolm_tensor_desc *t, int ft, int nt)
{
	int i = layer_of(t, *counter), n = qs->n_ffn;
	if (ft == KOLM_FT_IQ3_XS && i >= n / 8 && i < 7 * n / 8)
		nt = KOLM_T_IQ3_XXS;
	(*counter)++;
	return nt;
}

/* llama_tensor_get_type: the type of one tensor in a file of type ft whose
 * default type is dflt.  The counters in qs advance as llama-quantize's do. */
static int choose(struct qstate *qs, const struct kolm_tensor_desc *t, int ft, int dflt)
{
	enum cat c = category(t->name);
	if (c == C_OUTPUT || (c == C_TOKEN_EMBD && !qs->has_output))
		return choose_output(ft, dflt, t->ne[0]);
	if (c == C_TOKEN_EMBD)
		return choose_token_embd(ft, dflt);
	if (is_iq2_family(ft))
		return choose_iq2(qs, t, c, ft, dflt);
	switch (c) {
	case C_ATTN_V:
		return choose_attn_v(qs, ft, dflt);
	case C_ATTN_K:
		if (qs->n_expert == 8)
			return KOLM_T_Q8_0;
		return ft == KOLM_FT_IQ3_XS ? KOLM_T_IQ3_XXS : dflt;
	case C_ATTN_Q:
		return ft == KOLM_FT_IQ3_XS ? KOLM_T_IQ3_XXS : dflt;
	case C_FFN_DOWN:
		return choose_ffn_down(qs, t, ft, dflt);
	case C_ATTN_OUT:
		return choose_attn_out(qs, ft, dflt);
	case C_FFN_GATE:
		return choose_ffn_gate_up(&qs->i_ffn_gate, qs, t, ft, dflt);
	case C_FFN_UP:
		return choose_ffn_gate_up(&qs->i_ffn_up, qs, t, ft, dflt);
	default:
		return dflt;
	}
}

/* Row-length fallback (newest code). Returns -1 when no fallback exists. */
static int fallback(int nt, int64_t nx)
{
	const struct kolm_type_traits *ti = kolm_type_traits(nt);
	if (nx % ti->blck == 0)
		return nt;
	switch (nt) {
	case KOLM_T_TQ1_0: case KOLM_T_TQ2_0: case KOLM_T_Q2_K: case KOLM_T_Q3_K:
		nt = KOLM_T_Q4_0;
		break;
	case KOLM_T_IQ2_XXS: case KOLM_T_IQ2_XS: case KOLM_T_IQ2_S: case KOLM_T_IQ3_XXS: case KOLM_T_IQ3_S:
	case KOLM_T_IQ1_S: case KOLM_T_IQ1_M: case KOLM_T_IQ4_XS:
		nt = KOLM_T_IQ4_NL;
		break;
	case KOLM_T_Q4_K: nt = KOLM_T_Q5_0; break;
	case KOLM_T_Q5_K: nt = KOLM_T_Q5_1; break;
	case KOLM_T_Q6_K: nt = KOLM_T_Q8_0; break;
	default:
		return -1;
	}
	if (nx % kolm_type_traits(nt)->blck != 0)
		nt = KOLM_T_F16;
	return nt;
}

int kolm_tensor_override_parse(const char *s, struct kolm_tensor_override *out, struct kolm_err *err)
{
	const char *eq = strrchr(s, '=');
	if (!eq || eq == s || !eq[1])
		return kolm_err_set(err, KOLM_E_USAGE, "--tensor-type '%s': expected NAME=TYPE", s);
	size_t n = (size_t)(eq - s);
	if (n >= sizeof out->pattern)
		return kolm_err_set(err, KOLM_E_USAGE, "--tensor-type '%s': pattern too long", s);
	memcpy(out->pattern, s, n);
	out->pattern[n] = '\0';
	out->type = kolm_type_from_name(eq + 1);
	if (out->type < 0)
		return kolm_err_set(err, KOLM_E_USAGE, "--tensor-type '%s': unknown type '%s'", s, eq + 1);
	regex_t re;
	if (regcomp(&re, out->pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return kolm_err_set(err, KOLM_E_USAGE, "--tensor-type '%s': bad pattern", s);
	regfree(&re);
	return KOLM_OK;
}

int kolm_tensor_layer(const char *name)
{
	int l = -1;
	if (sscanf(name, "blk.%d.", &l) != 1)
		l = -1;
	return l;
}

int kolm_quantize_name_cmp(const char *a, const char *b)
{
	int la = kolm_tensor_layer(a), lb = kolm_tensor_layer(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

struct visit {
	const char *name;
	int64_t i;
};

static int visit_cmp(const void *pa, const void *pb)
{
	const struct visit *a = pa, *b = pb;
	return kolm_quantize_name_cmp(a->name, b->name);
}

/* Tensors no type fallback can take: the first, and the --tensor-type
 * flags that keep every one of them F16 (a pattern per tensor kind, e.g.
 * "ffn_down", not per layer). */
struct unfit {
	const char *first;
	int64_t ne0;
	int type;
	char hint[512];
	size_t n;
};

static void unfit_hint(struct unfit *u, const char *name)
{
	char kind[128];
	const char *k = name;
	int l = -1, off = 0;
	if (sscanf(name, "blk.%d.%n", &l, &off) == 1 && off > 0)
		k = name + off;
	snprintf(kind, sizeof kind, "%s", k);
	size_t kl = strlen(kind);
	if (kl > 7 && !strcmp(kind + kl - 7, ".weight"))
		kind[kl - 7] = '\0';
	char flag[160];
	snprintf(flag, sizeof flag, " --tensor-type %s=f16", kind);
	if (!strstr(u->hint, flag) && u->n + strlen(flag) < sizeof u->hint) {
		memcpy(u->hint + u->n, flag, strlen(flag) + 1);
		u->n += strlen(flag);
	}
}

int kolm_quantplan(const struct kolm_model *m, int ftype, const struct kolm_tensor_override *ov, int n_ov,
		   int *types_out, struct kolm_err *err)
{
	const struct kolm_ftype_info *fi = kolm_ftype_info(ftype);
	if (!fi)
		return kolm_err_set(err, KOLM_E_USAGE, "unknown file type %d", ftype);
	/* Tensors are visited in llama-quantize's order whatever the caller's
	 * (its model loader's weight_name_comparer: layer number, then name):
	 * the attn_v / ffn_down counters below count in that order, and an HF
	 * or converter order puts blk.10 before blk.2. */
	struct visit *ord = malloc(sizeof *ord * (size_t)(m->n_tensors > 0 ? m->n_tensors : 1));
	if (!ord)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int64_t i = 0; i < m->n_tensors; i++)
		ord[i] = (struct visit){m->tensors[i].name, i};
	qsort(ord, (size_t)m->n_tensors, sizeof *ord, visit_cmp);
	const int dflt = fi->default_type;
	const int quantized = kolm_type_traits(dflt)->quantized;
	struct qstate qs = {0};
	qs.has_output = 0;
	for (int64_t i = 0; i < m->n_tensors; i++) {
		const char *nm = m->tensors[i].name;
		if (!strcmp(nm, "output.weight"))
			qs.has_output = 1;
		if (category(nm) == C_ATTN_V)
			qs.n_attn_wv++;
	}
	qs.n_ffn = (int)m->hp.n_layer;
	qs.gqa = m->hp.n_head_kv ? m->hp.n_head / m->hp.n_head_kv : 1;
	qs.n_expert = m->hp.n_expert;
	qs.is_70b = !strcmp(m->hp.arch, "llama") && m->hp.n_layer == 80 && m->hp.n_head != m->hp.n_head_kv;

	regex_t *res = NULL;
	if (n_ov > 0) {
		res = calloc((size_t)n_ov, sizeof *res);
		if (!res) {
			free(ord);
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		}
		for (int k = 0; k < n_ov; k++) {
			if (regcomp(&res[k], ov[k].pattern, REG_EXTENDED | REG_NOSUB) != 0) {
				for (int j = 0; j < k; j++)
					regfree(&res[j]);
				free(res);
				free(ord);
				return kolm_err_set(err, KOLM_E_USAGE, "--tensor-type: bad pattern '%s'", ov[k].pattern);
			}
		}
	}
	int rc = KOLM_OK;
	struct unfit bad = {0};
	for (int64_t v = 0; v < m->n_tensors; v++) {
		const int64_t i = ord[v].i;
		const struct kolm_tensor_desc *t = &m->tensors[i];
		int nt;
		if (!quantizable(t)) {
			nt = t->n_dims < 2 ? KOLM_T_F32 : t->type;
			if (t->n_dims >= 2 && !quantized && (t->type == KOLM_T_F32 || t->type == KOLM_T_F16 ||
							     t->type == KOLM_T_BF16) && !strstr(t->name, "ffn_gate_inp"))
				nt = dflt;
			types_out[i] = nt;
			continue;
		}
		if (!quantized) {
			nt = dflt;
		} else {
			nt = choose(&qs, t, ftype, dflt);
		}
		int overridden = 0;
		for (int k = 0; k < n_ov; k++) {
			if (regexec(&res[k], t->name, 0, NULL, 0) == 0) {
				nt = ov[k].type;
				overridden = 1;
				break;
			}
		}
		if (overridden) {
			if (t->ne[0] % kolm_type_traits(nt)->blck != 0) {
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: row length %lld is not a multiple of %s's block of %d",
						  t->name, (long long)t->ne[0], kolm_type_name(nt), kolm_type_traits(nt)->blck);
				break;
			}
		} else if (quantized) {
			int fb = fallback(nt, t->ne[0]);
			if (fb < 0) {
				/* the first such tensor is named; the hint covers
				 * every one (all layers), so following it works */
				if (!bad.first) {
					bad.first = t->name;
					bad.ne0 = t->ne[0];
					bad.type = nt;
				}
				unfit_hint(&bad, t->name);
				fb = nt;
			}
			nt = fb;
		}
		types_out[i] = nt;
	}
	if (rc == KOLM_OK && bad.first)
		rc = kolm_err_set(err, KOLM_E_FORMAT,
				  "%s: ncols %lld not divisible by %d for type %s and no tensor type fallback is "
				  "defined (use%s)",
				  bad.first, (long long)bad.ne0, kolm_type_traits(bad.type)->blck, kolm_type_name(bad.type),
				  bad.hint);
	for (int k = 0; k < n_ov; k++)
		regfree(&res[k]);
	free(res);
	free(ord);
	return rc;
}

int kolm_quantplan_needs_imatrix(const char *name, int type, int ftype)
{
	if (!strcmp(name, "token_embd.weight") || !strcmp(name, "per_layer_token_embd.weight") ||
	    !strcmp(name, "output.weight"))
		return 0;
	switch (type) {
	case KOLM_T_IQ3_XXS:
	case KOLM_T_IQ2_XXS:
	case KOLM_T_IQ2_XS:
	case KOLM_T_IQ2_S:
	case KOLM_T_IQ1_M:
	case KOLM_T_IQ1_S:
		return 1;
	case KOLM_T_Q2_K:
		return ftype == KOLM_FT_Q2_K_S;
	default:
		return 0;
	}
}
