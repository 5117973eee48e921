/* tokmeta.c - tokenizer metadata for GGUF export (tokmeta.h). */
#include "kolm/tokmeta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/util.h"

void kolm_tokmeta_release(struct kolm_tokmeta *t)
{
	if (!t)
		return;
	for (int64_t i = 0; t->tokens && i < t->n_tokens; i++)
		free(t->tokens[i]);
	for (int64_t i = 0; t->merges && i < t->n_merges; i++)
		free(t->merges[i]);
	free(t->tokens);
	free(t->scores);
	free(t->types);
	free(t->merges);
	free(t->chat_template);
	memset(t, 0, sizeof *t);
}

/* ---- protobuf (just enough of the wire format) ------------------------ */

static int pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Skip a field of wire type wt; -1 on malformed input. */
static int pb_skip(const uint8_t **p, const uint8_t *end, int wt)
{
	uint64_t v;
	switch (wt) {
	case 0: return pb_varint(p, end, &v);
	case 1: if (end - *p < 8) return -1; *p += 8; return 0;
	case 5: if (end - *p < 4) return -1; *p += 4; return 0;
	case 2:
		if (pb_varint(p, end, &v) || v > (uint64_t)(end - *p))
			return -1;
		*p += v;
		return 0;
	}
	return -1;
}

int kolm_tokmeta_parse_spm(struct kolm_tokmeta *t, const uint8_t *buf, uint64_t n, struct kolm_err *err)
{
	const uint8_t *p = buf, *end = buf + n;
	int64_t cap = 0;
	while (p < end) {
		uint64_t key;
		if (pb_varint(&p, end, &key))
			goto bad;
		int field = (int)(key >> 3), wt = (int)(key & 7);
		if (field != 1 || wt != 2) {
			if (pb_skip(&p, end, wt))
				goto bad;
			continue;
		}
		uint64_t len;
		if (pb_varint(&p, end, &len) || len > (uint64_t)(end - p))
			goto bad;
		const uint8_t *q = p, *qe = p + len;
		p = qe;
		char *piece = NULL;
		float score = 0;
		int type = 1; /* NORMAL is the proto default */
		while (q < qe) {
			uint64_t k2;
			if (pb_varint(&q, qe, &k2)) {
				free(piece);
				goto bad;
			}
			int f2 = (int)(k2 >> 3), w2 = (int)(k2 & 7);
			if (f2 == 1 && w2 == 2) {
				uint64_t sl;
				if (pb_varint(&q, qe, &sl) || sl > (uint64_t)(qe - q) || sl > 4096) {
					free(piece);
					goto bad;
				}
				free(piece);
				piece = malloc(sl + 1);
				if (!piece)
					return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
				memcpy(piece, q, sl);
				piece[sl] = '\0';
				q += sl;
			} else if (f2 == 2 && w2 == 5) {
				if (qe - q < 4) {
					free(piece);
					goto bad;
				}
				memcpy(&score, q, 4); /* little-endian float, bit pattern kept */
				q += 4;
			} else if (f2 == 3 && w2 == 0) {
				uint64_t tv;
				if (pb_varint(&q, qe, &tv)) {
					free(piece);
					goto bad;
				}
				type = (int)tv;
			} else if (pb_skip(&q, qe, w2)) {
				free(piece);
				goto bad;
			}
		}
		if (!piece)
			goto bad;
		if (t->n_tokens == cap) {
			int64_t nc = cap ? cap * 2 : 1024;
			char **nt = realloc(t->tokens, sizeof *nt * (size_t)nc);
			float *ns = nt ? realloc(t->scores, sizeof *ns * (size_t)nc) : NULL;
			int32_t *ny = ns ? realloc(t->types, sizeof *ny * (size_t)nc) : NULL;
			if (nt)
				t->tokens = nt;
			if (ns)
				t->scores = ns;
			if (ny)
				t->types = ny;
			if (!nt || !ns || !ny) {
				free(piece);
				return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			}
			cap = nc;
		}
		t->tokens[t->n_tokens] = piece;
		t->scores[t->n_tokens] = score;
		/* sentencepiece types: 1 normal 2 unknown 3 control 4 user-defined 5 unused 6 byte */
		t->types[t->n_tokens] = type;
		t->n_tokens++;
	}
	if (t->n_tokens == 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.model: no pieces");
	kolm_strlcpy(t->model, "llama", sizeof t->model);
	kolm_strlcpy(t->pre, "default", sizeof t->pre);
	return KOLM_OK;
bad:
	return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.model: malformed protobuf");
}

/* ---- tokenizer.json ---------------------------------------------------- */

/* llama.cpp names pre-tokenizers by checking the tokenizer's behaviour; the
 * split regex identifies the common ones exactly. */
static const struct {
	const char *pre;
	const char *regex;
} pre_regexes[] = {
	{"llama-bpe", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
	{"qwen2", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
};

static void find_split_regex(json_t *pt, const char **out)
{
	if (!json_is_object(pt))
		return;
	json_t *pat = json_object_get(pt, "pattern");
	json_t *re = json_object_get(pat, "Regex");
	if (json_is_string(re) && !*out)
		*out = json_string_value(re);
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(pt, "pretokenizers"), i, x)
		find_split_regex(x, out);
}

static const char *detect_pre(json_t *tj)
{
	json_t *pt = json_object_get(tj, "pre_tokenizer");
	const char *re = NULL;
	find_split_regex(pt, &re);
	if (re) {
		for (size_t i = 0; i < sizeof pre_regexes / sizeof pre_regexes[0]; i++)
			if (!strcmp(re, pre_regexes[i].regex))
				return pre_regexes[i].pre;
		return NULL;
	}
	const char *ty = json_string_value(json_object_get(pt, "type"));
	if (ty && !strcmp(ty, "ByteLevel"))
		return "gpt-2";
	return NULL;
}

static int load_bpe(struct kolm_tokmeta *t, json_t *tj, struct kolm_err *err)
{
	json_t *model = json_object_get(tj, "model");
	json_t *vocab = json_object_get(model, "vocab");
	if (!json_is_object(vocab))
		return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.json: no model.vocab");
	int64_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(vocab, k, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (1 << 24))
			return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.json: bad id for '%s'", k);
		if (json_integer_value(v) + 1 > n)
			n = json_integer_value(v) + 1;
	}
	size_t i;
	json_t *x;
	json_t *added = json_object_get(tj, "added_tokens");
	json_array_foreach(added, i, x)
	{
		json_int_t id = json_integer_value(json_object_get(x, "id"));
		if (id < 0 || id > (1 << 24))
			return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.json: bad added token id");
		if (id + 1 > n)
			n = id + 1;
	}
	t->tokens = calloc((size_t)n, sizeof *t->tokens);
	t->types = calloc((size_t)n, sizeof *t->types);
	if (!t->tokens || !t->types)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	t->n_tokens = n;
	json_object_foreach(vocab, k, v)
	{
		int64_t id = json_integer_value(v);
		free(t->tokens[id]);
		t->tokens[id] = kolm_strdup(k);
		t->types[id] = 1;
	}
	json_array_foreach(added, i, x)
	{
		int64_t id = json_integer_value(json_object_get(x, "id"));
		const char *c = json_string_value(json_object_get(x, "content"));
		if (!c)
			continue;
		free(t->tokens[id]);
		t->tokens[id] = kolm_strdup(c);
		t->types[id] = json_is_true(json_object_get(x, "special")) ? 3 : 4;
	}
	for (int64_t id = 0; id < n; id++) {
		if (!t->tokens[id]) { /* holes: llama.cpp pads with [PAD<id>] */
			char buf[32];
			snprintf(buf, sizeof buf, "[PAD%lld]", (long long)id);
			t->tokens[id] = kolm_strdup(buf);
			t->types[id] = 5;
		}
		if (!t->tokens[id])
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	json_t *merges = json_object_get(model, "merges");
	t->n_merges = (int64_t)json_array_size(merges);
	t->merges = calloc((size_t)t->n_merges + 1, sizeof *t->merges);
	if (!t->merges)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	json_array_foreach(merges, i, x)
	{
		if (json_is_string(x)) {
			t->merges[i] = kolm_strdup(json_string_value(x));
		} else if (json_is_array(x) && json_array_size(x) == 2) {
			const char *a = json_string_value(json_array_get(x, 0)), *b = json_string_value(json_array_get(x, 1));
			if (!a || !b)
				return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.json: bad merge %zu", i);
			size_t la = strlen(a), lb = strlen(b);
			t->merges[i] = malloc(la + lb + 2);
			if (t->merges[i]) {
				memcpy(t->merges[i], a, la);
				t->merges[i][la] = ' ';
				memcpy(t->merges[i] + la + 1, b, lb + 1);
			}
		} else {
			return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.json: bad merge %zu", i);
		}
		if (!t->merges[i])
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	kolm_strlcpy(t->model, "gpt2", sizeof t->model);
	const char *pre = detect_pre(tj);
	if (!pre)
		return kolm_err_set(err, KOLM_E_FORMAT,
				    "tokenizer.json: pre-tokenizer not recognised (kolm knows llama-bpe, qwen2, gpt-2)");
	kolm_strlcpy(t->pre, pre, sizeof t->pre);
	return KOLM_OK;
}

static int64_t token_id(const struct kolm_tokmeta *t, json_t *v)
{
	if (json_is_object(v))
		v = json_object_get(v, "content");
	if (json_is_integer(v))
		return json_integer_value(v);
	if (!json_is_string(v))
		return -1;
	for (int64_t i = 0; i < t->n_tokens; i++)
		if (!strcmp(t->tokens[i], json_string_value(v)))
			return i;
	return -1;
}

static json_t *load_json(const struct kolm_files *f, const char *name)
{
	struct kolm_map m;
	if (kolm_files_get(f, name, &m, NULL))
		return NULL;
	json_t *j = m.data ? json_loadb((const char *)m.data, (size_t)m.size, JSON_REJECT_DUPLICATES, NULL) : NULL;
	kolm_files_put(f, &m);
	return j;
}

int kolm_tokmeta_load_files(struct kolm_tokmeta *t, const struct kolm_files *f, struct kolm_err *err)
{
	memset(t, 0, sizeof *t);
	t->bos = t->eos = t->unk = t->pad = -1;
	t->add_bos = t->add_eos = -1;
	int rc;
	struct kolm_map m;
	if (kolm_files_get(f, "tokenizer.model", &m, NULL) == KOLM_OK) {
		rc = kolm_tokmeta_parse_spm(t, m.data, m.size, err);
		kolm_files_put(f, &m);
	} else {
		json_t *tj = load_json(f, "tokenizer.json");
		if (!tj) {
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: neither tokenizer.model nor a readable tokenizer.json",
					    f->label ? f->label : "model");
		}
		rc = load_bpe(t, tj, err);
		json_decref(tj);
	}
	if (rc) {
		kolm_tokmeta_release(t);
		return rc;
	}
	json_t *tc = load_json(f, "tokenizer_config.json");
	json_t *cfg = load_json(f, "config.json");
	if (json_is_object(tc)) {
		t->bos = token_id(t, json_object_get(tc, "bos_token"));
		t->eos = token_id(t, json_object_get(tc, "eos_token"));
		t->unk = token_id(t, json_object_get(tc, "unk_token"));
		t->pad = token_id(t, json_object_get(tc, "pad_token"));
		json_t *ab = json_object_get(tc, "add_bos_token"), *ae = json_object_get(tc, "add_eos_token");
		if (json_is_boolean(ab))
			t->add_bos = json_is_true(ab);
		if (json_is_boolean(ae))
			t->add_eos = json_is_true(ae);
		const char *ct = json_string_value(json_object_get(tc, "chat_template"));
		if (ct)
			t->chat_template = kolm_strdup(ct);
	}
	if (json_is_object(cfg)) {
		if (t->bos < 0 && json_is_integer(json_object_get(cfg, "bos_token_id")))
			t->bos = json_integer_value(json_object_get(cfg, "bos_token_id"));
		json_t *e = json_object_get(cfg, "eos_token_id");
		if (t->eos < 0 && json_is_integer(e))
			t->eos = json_integer_value(e);
		if (t->eos < 0 && json_is_array(e))
			t->eos = json_integer_value(json_array_get(e, 0));
	}
	/* SentencePiece: the model's own special pieces when the configs are silent */
	for (int64_t i = 0; i < t->n_tokens && !strcmp(t->model, "llama"); i++) {
		if (t->unk < 0 && t->types[i] == 2)
			t->unk = i;
	}
	json_decref(tc);
	json_decref(cfg);
	for (int64_t *id = &t->bos; id <= &t->pad; id++)
		if (*id >= t->n_tokens)
			*id = -1;
	return KOLM_OK;
}
