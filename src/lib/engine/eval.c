/* eval.c - perplexity (llama-perplexity's chunking and scoring), eval packs
 * and the K-score, KL divergence against a reference model.  See
 * include/kolm/eval.h. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "kolm/engine.h"
#include "kolm/eval.h"
#include "kolm/tokenizer.h"
#include "kolm/util.h"

#define PACK_MAX_BYTES (64u << 20)

const char *kolm_match_name(int m)
{
	switch (m) {
	case KOLM_MATCH_PREFIX: return "prefix";
	case KOLM_MATCH_CONTAINS: return "contains";
	default: return "exact";
	}
}

/* ---- eval pack ------------------------------------------------------------ */
static void item_release(struct kolm_evalpack_item *it)
{
	free(it->id);
	free(it->prompt);
	free(it->expected);
	free(it->prompt_tokens);
	free(it->expected_tokens);
}

void kolm_evalpack_free(struct kolm_evalpack *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		item_release(&p->items[i]);
	free(p->items);
	free(p);
}

static int ids_from_json(const json_t *a, int32_t **out, int *n)
{
	if (!a)
		return 0;
	if (!json_is_array(a))
		return -1;
	size_t k = json_array_size(a);
	int32_t *v = malloc((k ? k : 1) * sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < k; i++) {
		const json_t *x = json_array_get(a, i);
		if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > INT32_MAX) {
			free(v);
			return -1;
		}
		v[i] = (int32_t)json_integer_value(x);
	}
	*out = v;
	*n = (int)k;
	return 0;
}

int kolm_evalpack_parse(struct kolm_evalpack **out, const char *text, size_t len, const char *name,
			struct kolm_err *err)
{
	struct kolm_evalpack *p = calloc(1, sizeof *p);
	if (!p)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int cap = 0, rc = 0, lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *ls = text + pos;
		const char *nl = memchr(ls, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - ls) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		size_t k = 0;
		while (k < ll && isspace((unsigned char)ls[k]))
			k++;
		if (k == ll)
			continue;
		json_error_t je;
		json_t *j = json_loadb(ls, ll, 0, &je);
		if (!j || !json_is_object(j)) {
			json_decref(j);
			rc = kolm_err_set(err, KOLM_E_FORMAT, "'%s' line %d: not a JSON object", name, lineno);
			goto out;
		}
		const char *id = json_string_value(json_object_get(j, "id"));
		const char *pr = json_string_value(json_object_get(j, "prompt"));
		const char *ex = json_string_value(json_object_get(j, "expected"));
		const char *m = json_string_value(json_object_get(j, "match"));
		int match = KOLM_MATCH_EXACT;
		if (m && !strcmp(m, "prefix"))
			match = KOLM_MATCH_PREFIX;
		else if (m && !strcmp(m, "contains"))
			match = KOLM_MATCH_CONTAINS;
		else if (m && strcmp(m, "exact") != 0) {
			json_decref(j);
			rc = kolm_err_set(err, KOLM_E_FORMAT, "'%s' line %d: match must be exact, prefix or contains", name,
					  lineno);
			goto out;
		}
		if (!id || !pr || !ex) {
			json_decref(j);
			rc = kolm_err_set(err, KOLM_E_FORMAT, "'%s' line %d: id, prompt and expected must be strings",
					  name, lineno);
			goto out;
		}
		if (p->n == cap) {
			int nc = cap ? cap * 2 : 16;
			struct kolm_evalpack_item *ni = realloc(p->items, (size_t)nc * sizeof *ni);
			if (!ni) {
				json_decref(j);
				rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
				goto out;
			}
			p->items = ni;
			cap = nc;
		}
		struct kolm_evalpack_item *it = &p->items[p->n];
		memset(it, 0, sizeof *it);
		it->id = strdup(id);
		it->prompt = strdup(pr);
		it->expected = strdup(ex);
		it->match = match;
		p->n++;
		int bad = !it->id || !it->prompt || !it->expected;
		bad |= ids_from_json(json_object_get(j, "prompt_tokens"), &it->prompt_tokens, &it->n_prompt_tokens);
		bad |= ids_from_json(json_object_get(j, "expected_tokens"), &it->expected_tokens,
				     &it->n_expected_tokens);
		json_decref(j);
		if (bad) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "'%s' line %d: bad token id list", name, lineno);
			goto out;
		}
	}
	if (p->n == 0) {
		rc = kolm_err_set(err, KOLM_E_FORMAT, "'%s': no items", name);
		goto out;
	}
	*out = p;
	return 0;
out:
	kolm_evalpack_free(p);
	return rc;
}

int kolm_evalpack_load(struct kolm_evalpack **out, const char *path, struct kolm_err *err)
{
	char *buf = NULL;
	size_t n = 0;
	int rc = kolm_file_read_all(path, PACK_MAX_BYTES, &buf, &n, err);
	if (rc)
		return rc;
	rc = kolm_evalpack_parse(out, buf, n, path, err);
	free(buf);
	return rc;
}

/* ---- scoring ---------------------------------------------------------------- */
static void trim(const char *s, size_t n, const char **o, size_t *on)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*o = s;
	*on = n;
}

static int matches(int rule, const char *out, size_t on, const char *exp, size_t en)
{
	const char *a, *b;
	size_t an, bn;
	trim(out, on, &a, &an);
	trim(exp, en, &b, &bn);
	switch (rule) {
	case KOLM_MATCH_PREFIX: return an >= bn && memcmp(a, b, bn) == 0;
	case KOLM_MATCH_CONTAINS: return bn == 0 || (an >= bn && memmem(a, an, b, bn) != NULL);
	default: return an == bn && memcmp(a, b, an) == 0;
	}
}

static int prompt_ids(struct kolm_engine *e, const struct kolm_evalpack_item *it, int32_t **ids, int *n,
		      struct kolm_err *err)
{
	if (it->prompt_tokens) {
		*ids = malloc((size_t)(it->n_prompt_tokens ? it->n_prompt_tokens : 1) * sizeof **ids);
		if (!*ids)
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		memcpy(*ids, it->prompt_tokens, (size_t)it->n_prompt_tokens * sizeof **ids);
		*n = it->n_prompt_tokens;
		return 0;
	}
	const struct kolm_tokenizer *t = kolm_engine_tokenizer(e);
	if (!t)
		return kolm_err_set(err, KOLM_E_FORMAT, "the model has no tokenizer");
	return kolm_tokenize(t, it->prompt, strlen(it->prompt), kolm_tokenizer_add_bos(t), 0, ids, n, err);
}

static int budget(struct kolm_engine *e, const struct kolm_evalpack_item *it)
{
	if (it->expected_tokens)
		return it->n_expected_tokens + 16;
	const struct kolm_tokenizer *t = kolm_engine_tokenizer(e);
	int32_t *ids = NULL;
	int n = 0;
	if (t && kolm_tokenize(t, it->expected, strlen(it->expected), 0, 0, &ids, &n, NULL) == 0) {
		free(ids);
		return n + 16;
	}
	return 16 + (int)strlen(it->expected);
}

/* the generated text so far (tokens' pieces, EOG tokens left out) */
struct gen_text {
	char *s;
	size_t len, cap;
};

static int text_add(struct gen_text *b, const struct kolm_tokenizer *t, int32_t id)
{
	char pc[256];
	size_t pl = t ? kolm_token_to_piece(t, id, pc, sizeof pc) : 0;
	if (pl > sizeof pc)
		pl = sizeof pc;
	if (b->len + pl + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (b->len + pl + 1 > cap)
			cap *= 2;
		char *q = realloc(b->s, cap);
		if (!q)
			return -1;
		b->s = q;
		b->cap = cap;
	}
	memcpy(b->s + b->len, pc, pl);
	b->len += pl;
	b->s[b->len] = 0;
	return 0;
}

/* What more tokens can no longer change for the text so far (out, on), as
 * matches() will judge the whole: 1 passes, 0 fails, -1 not decided yet.
 * The final text is this one plus more bytes, so once it has content, its
 * trimmed form starts with out's trimmed form: exact and prefix fail at the
 * first byte that differs from the expected text's; prefix passes once the
 * expected text is all there, contains once it is found. */
static int decided(int rule, const char *out, size_t on, const char *exp, size_t en)
{
	const char *a, *b;
	size_t an, bn;
	trim(out, on, &a, &an);
	trim(exp, en, &b, &bn);
	if (an == 0)
		return -1;
	const size_t m = an < bn ? an : bn;
	switch (rule) {
	case KOLM_MATCH_CONTAINS: return bn == 0 || (an >= bn && memmem(a, an, b, bn) != NULL) ? 1 : -1;
	case KOLM_MATCH_PREFIX:
		if (memcmp(a, b, m) != 0)
			return 0;
		return an >= bn ? 1 : -1;
	default: return an > bn || memcmp(a, b, m) != 0 ? 0 : -1;
	}
}

/* Greedy continuation of ids[0..n) for up to max tokens; gen receives the
 * tokens (EOS included when it ended the run), txt (when not NULL) their
 * text.  With stop, the run ends as soon as decided() settles stop's match
 * on the text (*dec: 1 or 0; -1 when it ran to its end). */
static int greedy(struct kolm_engine *e, const int32_t *ids, int n, int max, int32_t *gen, int *ng, int *eos,
		  float *lg, struct gen_text *txt, const struct kolm_evalpack_item *stop, int *dec, struct kolm_err *err)
{
	const struct kolm_engine_info *in = kolm_engine_info(e);
	const struct kolm_tokenizer *t = kolm_engine_tokenizer(e);
	kolm_engine_seek(e, 0);
	*ng = 0;
	*eos = 0;
	if (dec)
		*dec = -1;
	if (n <= 0)
		return kolm_err_set(err, KOLM_E_USAGE, "an item has an empty prompt");
	if (n > in->n_ctx)
		return kolm_err_set(err, KOLM_E_TOOBIG, "a prompt of %d tokens exceeds the context (%d)", n, in->n_ctx);
	int rc = kolm_engine_decode(e, ids, n, lg, 0, err);
	if (rc)
		return rc;
	for (int i = 0; i < max; i++) {
		int32_t id = kolm_argmax(lg, in->n_vocab);
		gen[(*ng)++] = id;
		if (t && kolm_tokenizer_is_eog(t, id)) {
			*eos = 1;
			break;
		}
		if (txt && text_add(txt, t, id) != 0)
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		if (stop && txt &&
		    (*dec = decided(stop->match, txt->s, txt->len, stop->expected, strlen(stop->expected))) >= 0)
			break;
		if (i + 1 == max || kolm_engine_pos(e) >= in->n_ctx)
			break;
		if ((rc = kolm_engine_decode(e, &id, 1, lg, 0, err)))
			return rc;
	}
	return 0;
}

static double log_softmax_at(const float *x, int n, int id, float *mx_out, double *sum_out)
{
	float mx = x[0];
	for (int i = 1; i < n; i++)
		if (x[i] > mx)
			mx = x[i];
	/* as llama-perplexity: float differences, expf, a double sum */
	double s = 0;
	for (int i = 0; i < n; i++)
		s += expf(x[i] - mx);
	if (mx_out)
		*mx_out = mx;
	if (sum_out)
		*sum_out = s;
	return (double)(x[id] - mx) - log(s);
}

/* KL(P || Q) for logits p (reference) and q (model) */
static double kl_div(const float *p, const float *q, int n)
{
	float mp, mq;
	double sp, sq;
	log_softmax_at(p, n, 0, &mp, &sp);
	log_softmax_at(q, n, 0, &mq, &sq);
	const double lsp = log(sp), lsq = log(sq);
	double kl = 0;
	for (int i = 0; i < n; i++) {
		double lp = (double)p[i] - mp - lsp, lq = (double)q[i] - mq - lsq;
		kl += exp(lp) * (lp - lq);
	}
	return kl > 0 ? kl : 0;
}

void kolm_eval_result_release(struct kolm_eval_result *r)
{
	if (!r)
		return;
	if (r->items)
		for (int i = 0; i < r->n_items; i++)
			free(r->items[i].output);
	free(r->items);
	memset(r, 0, sizeof *r);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int eval_pack(struct kolm_engine *e, struct kolm_engine *ref, const struct kolm_evalpack *p, int early,
		     kolm_eval_progress_fn progress, void *user, struct kolm_eval_result *out, struct kolm_err *err)
{
	const double t0 = now_s();
	const struct kolm_engine_info *in = kolm_engine_info(e);
	const int nv = in->n_vocab;
	if (ref && kolm_engine_info(ref)->n_vocab != nv)
		return kolm_err_set(err, KOLM_E_USAGE, "the reference model's vocabulary (%d) differs from the model's (%d)",
				    kolm_engine_info(ref)->n_vocab, nv);
	struct kolm_eval_result r = {0};
	r.n_items = p->n;
	r.has_ref = ref != NULL;
	r.items = calloc((size_t)p->n, sizeof *r.items);
	int ctx = in->n_ctx;
	if (ref && kolm_engine_info(ref)->n_ctx < ctx)
		ctx = kolm_engine_info(ref)->n_ctx;
	float *lg = malloc((size_t)nv * sizeof *lg);
	float *la = malloc((size_t)ctx * (size_t)nv * sizeof *la);
	float *lb = ref ? malloc((size_t)ctx * (size_t)nv * sizeof *lb) : NULL;
	int32_t *gen = malloc((size_t)(ctx + 1) * sizeof *gen), *seq = malloc((size_t)(ctx + 1) * sizeof *seq);
	int rc = 0;
	double kl_sum = 0;
	int64_t agree = 0;
	if (!r.items || !lg || !la || !gen || !seq || (ref && !lb)) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < p->n; i++) {
		const struct kolm_evalpack_item *it = &p->items[i];
		struct kolm_eval_item_result *ir = &r.items[i];
		int32_t *ids = NULL;
		int n = 0, ng = 0, eos = 0;
		if ((rc = prompt_ids(e, it, &ids, &n, err)))
			goto item_fail;
		int max = budget(e, it);
		if (max > ctx - n)
			max = ctx - n;
		if (max < 1)
			max = 1;
		struct gen_text txt = {0};
		int dec = -1;
		rc = greedy(e, ids, n, max, gen, &ng, &eos, lg, &txt, early ? it : NULL, &dec, err);
		if (!rc && !txt.s && text_add(&txt, NULL, 0) != 0) /* "" */
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		if (rc) {
			free(txt.s);
			goto item_fail;
		}
		ir->output = txt.s;
		ir->n_gen = ng;
		ir->ended_eos = eos;
		ir->pass = dec >= 0 ? dec : matches(it->match, txt.s, txt.len, it->expected, strlen(it->expected));
		r.n_pass += ir->pass;
		if (ref) {
			/* the reference's continuation, scored by both models */
			int rg = 0, reos = 0;
			if ((rc = greedy(ref, ids, n, max, gen, &rg, &reos, lg, NULL, NULL, NULL, err)))
				goto item_fail;
			int len = n + rg;
			if (len > ctx)
				len = ctx;
			memcpy(seq, ids, (size_t)n * sizeof *seq);
			memcpy(seq + n, gen, (size_t)(len - n) * sizeof *seq);
			kolm_engine_seek(e, 0);
			if ((rc = kolm_engine_decode(e, seq, len, la, 1, err)))
				goto item_fail;
			kolm_engine_seek(ref, 0); /* ref may be e itself */
			if ((rc = kolm_engine_decode(ref, seq, len, lb, 1, err)))
				goto item_fail;
			double ks = 0;
			int ag = 0, np = 0;
			for (int k = n - 1; k < len; k++) {
				const float *pa = la + (size_t)k * nv, *pb = lb + (size_t)k * nv;
				double kl = kl_div(pb, pa, nv);
				ks += kl;
				if (kl > r.max_kl)
					r.max_kl = kl;
				ag += kolm_argmax(pa, nv) == kolm_argmax(pb, nv);
				np++;
			}
			ir->kl = np ? ks / np : 0;
			ir->top1 = np ? (double)ag / np : 0;
			ir->n_pos = np;
			kl_sum += ks;
			agree += ag;
			r.n_positions += np;
		}
		free(ids);
		if (progress)
			progress(user, i + 1, p->n, now_s() - t0);
		continue;
item_fail:
		free(ids);
		kolm_err_prefix(err, "item '%s'", it->id);
		goto out;
	}
	r.k = r.n_items ? (double)r.n_pass / r.n_items : 0;
	if (ref && r.n_positions) {
		r.mean_kl = kl_sum / (double)r.n_positions;
		r.top1 = (double)agree / (double)r.n_positions;
	}
	*out = r;
	r.items = NULL;
out:
	kolm_eval_result_release(&r);
	free(lg);
	free(la);
	free(lb);
	free(gen);
	free(seq);
	return rc;
}

int kolm_eval_pack(struct kolm_engine *e, struct kolm_engine *ref, const struct kolm_evalpack *p,
		   struct kolm_eval_result *out, struct kolm_err *err)
{
	return eval_pack(e, ref, p, 0, NULL, NULL, out, err);
}

int kolm_eval_pack_k(struct kolm_engine *e, const struct kolm_evalpack *p, kolm_eval_progress_fn progress,
		     void *user, struct kolm_eval_result *out, struct kolm_err *err)
{
	return eval_pack(e, NULL, p, 1, progress, user, out, err);
}

/* ---- perplexity ---------------------------------------------------------- */
void kolm_ppl_result_release(struct kolm_ppl_result *r)
{
	if (!r)
		return;
	free(r->running);
	memset(r, 0, sizeof *r);
}

int kolm_eval_perplexity(struct kolm_engine *e, const char *text, size_t len, int n_ctx, int n_batch,
			 struct kolm_ppl_result *out, struct kolm_err *err)
{
	const struct kolm_engine_info *in = kolm_engine_info(e);
	const struct kolm_tokenizer *t = kolm_engine_tokenizer(e);
	if (!t)
		return kolm_err_set(err, KOLM_E_FORMAT, "the model has no tokenizer");
	if (n_ctx < 8 || n_ctx > in->n_ctx)
		return kolm_err_set(err, KOLM_E_USAGE, "chunk size %d must be from 8 to the context size %d", n_ctx,
				    in->n_ctx);
	const int add_bos = kolm_tokenizer_add_bos(t);
	int32_t *ids = NULL;
	int n = 0;
	int rc = kolm_tokenize(t, text, len, add_bos, 0, &ids, &n, err);
	if (rc)
		return rc;
	const int n_chunks = n / n_ctx;
	if (n_chunks < 1) {
		free(ids);
		return kolm_err_set(err, KOLM_E_USAGE, "the text has %d tokens, fewer than one chunk of %d", n, n_ctx);
	}
	const int nv = in->n_vocab, first = n_ctx / 2;
	float *lg = malloc((size_t)n_ctx * (size_t)nv * sizeof *lg);
	int32_t *chunk = malloc((size_t)n_ctx * sizeof *chunk);
	double *running = calloc((size_t)n_chunks, sizeof *running);
	if (!lg || !chunk || !running) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	double nll = 0, nll2 = 0;
	int count = 0;
	for (int c = 0; c < n_chunks; c++) {
		const int start = c * n_ctx;
		memcpy(chunk, ids + start, (size_t)n_ctx * sizeof *chunk);
		if (add_bos)
			chunk[0] = kolm_tokenizer_bos(t);
		kolm_engine_seek(e, 0);
		/* in engine calls of n_batch tokens (1: the decode kernels) */
		const int nb = n_batch > 0 && n_batch < n_ctx ? n_batch : n_ctx;
		for (int p = 0; p < n_ctx; p += nb) {
			const int m = n_ctx - p < nb ? n_ctx - p : nb;
			if ((rc = kolm_engine_decode(e, chunk + p, m, lg + (size_t)p * nv, 1, err)))
				goto out;
		}
		for (int j = first; j < n_ctx - 1; j++) {
			double lp = log_softmax_at(lg + (size_t)j * nv, nv, ids[start + j + 1], NULL, NULL);
			nll -= lp;
			nll2 += lp * lp;
			count++;
		}
		running[c] = exp(nll / count);
	}
	out->n_ctx = n_ctx;
	out->n_tokens = n;
	out->n_chunks = n_chunks;
	out->scored = count;
	out->ppl = exp(nll / count);
	{
		double m = nll / count, m2 = nll2 / count - m * m;
		out->ppl_stderr = count > 1 && m2 > 0 ? sqrt(m2 / (count - 1)) * out->ppl : 0;
	}
	out->running = running;
	running = NULL;
out:
	free(ids);
	free(lg);
	free(chunk);
	free(running);
	return rc;
}
