/* tokenizer.c - SentencePiece-style and byte-level BPE tokenizers from GGUF
 * metadata, following llama.cpp's llm_tokenizer_spm / llm_tokenizer_bpe
 * (llama-vocab.cpp) and its custom pre-tokenizer splitters (unicode.cpp).
 * See include/kolm/tokenizer.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/gguf.h"
#include "kolm/tokenizer.h"
#include "kolm/util.h"
#include "tokenizer_unicode_internal.h"

enum { PRE_GPT2, PRE_LLAMA3, PRE_QWEN2 };
enum { TT_NORMAL = 1, TT_UNKNOWN = 2, TT_CONTROL = 3, TT_USER = 4, TT_UNUSED = 5, TT_BYTE = 6 };

/* ---- string -> value hash map (keys borrowed) ---------------------------- */
struct smap_ent {
	const char *p;
	uint32_t len;
	int64_t val;   /* -1: empty slot */
};

struct smap {
	struct smap_ent *e;
	uint64_t cap;  /* power of two */
};

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	return h;
}

static int smap_init(struct smap *m, uint64_t n)
{
	m->cap = 16;
	while (m->cap < n * 2)
		m->cap <<= 1;
	m->e = malloc(m->cap * sizeof *m->e);
	if (!m->e)
		return -1;
	for (uint64_t i = 0; i < m->cap; i++)
		m->e[i].val = -1;
	return 0;
}

static void smap_release(struct smap *m)
{
	free(m->e);
	m->e = NULL;
}

static struct smap_ent *smap_slot(const struct smap *m, const char *p, size_t n)
{
	uint64_t i = fnv(p, n) & (m->cap - 1);
	for (;;) {
		struct smap_ent *s = &m->e[i];
		if (s->val < 0 || (s->len == n && memcmp(s->p, p, n) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static int64_t smap_get(const struct smap *m, const char *p, size_t n)
{
	return smap_slot(m, p, n)->val;
}

/* first insertion wins when keep_first, else the last */
static void smap_put(struct smap *m, const char *p, size_t n, int64_t v, int keep_first)
{
	struct smap_ent *s = smap_slot(m, p, n);
	if (s->val >= 0 && keep_first)
		return;
	s->p = p;
	s->len = (uint32_t)n;
	s->val = v;
}

/* ---- tokenizer --------------------------------------------------------- */
struct kolm_tokenizer {
	int kind;
	int pre;
	int n;
	struct kolm_gguf_str *tok;
	float *score;
	int32_t *type;
	struct smap vocab;
	struct smap merges;   /* "left right" -> rank */
	int32_t byte_tok[256];
	int32_t bos, eos, eot, eom, unk;
	int add_bos, add_space_prefix, ignore_merges;
	int32_t *special;     /* control / user-defined / unknown, longest text first */
	int n_special;
	/* BPE byte <-> code point maps */
	uint16_t b2u[256];
	int16_t u2b[324];
};

/* Next string of a string array, walking from *p (the reader validated the
 * layout: u64 length + bytes per element); kolm_gguf_arr_str would start
 * over from element 0 each time.  -1 if it would run past the value. */
static int str_next(const struct kolm_gguf_kv *kv, const uint8_t **p, struct kolm_gguf_str *out)
{
	const uint8_t *end = kv->val + kv->val_bytes;
	uint64_t n;
	if ((uint64_t)(end - *p) < 8)
		return -1;
	memcpy(&n, *p, 8);
	if (n > (uint64_t)(end - *p) - 8)
		return -1;
	out->p = (const char *)*p + 8;
	out->len = n;
	*p += 8 + n;
	return 0;
}

static int64_t kv_i64(const struct kolm_gguf *g, const char *k, int64_t def)
{
	int64_t v;
	return kolm_gguf_get_i64(g, k, &v) == 0 ? v : def;
}

static int special_cmp(const void *a, const void *b, void *ctx)
{
	const struct kolm_tokenizer *t = ctx;
	const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	if (t->tok[x].len != t->tok[y].len)
		return t->tok[x].len > t->tok[y].len ? -1 : 1;
	return x - y;
}

int kolm_tokenizer_new(struct kolm_tokenizer **out, const struct kolm_gguf *g, struct kolm_err *err)
{
	char model[32] = "";
	if (kolm_gguf_get_cstr(g, "tokenizer.ggml.model", model, sizeof model) != 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "no tokenizer.ggml.model in the file");
	int kind;
	if (!strcmp(model, "llama"))
		kind = KOLM_TOK_SPM;
	else if (!strcmp(model, "gpt2"))
		kind = KOLM_TOK_BPE;
	else
		return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer model '%s' is not supported (llama, gpt2)", model);
	const struct kolm_gguf_kv *kt = kolm_gguf_kv_find(g, "tokenizer.ggml.tokens");
	if (!kt || kt->type != KOLM_GGUF_ARRAY || kt->arr_type != KOLM_GGUF_STRING || kt->arr_n == 0 ||
	    kt->arr_n > (1u << 24))
		return kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.ggml.tokens is missing or not a string array");
	struct kolm_tokenizer *t = calloc(1, sizeof *t);
	if (!t)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = 0;
	t->kind = kind;
	t->n = (int)kt->arr_n;
	t->tok = calloc((size_t)t->n, sizeof *t->tok);
	t->score = calloc((size_t)t->n, sizeof *t->score);
	t->type = calloc((size_t)t->n, sizeof *t->type);
	t->special = calloc((size_t)t->n, sizeof *t->special);
	if (!t->tok || !t->score || !t->type || !t->special || smap_init(&t->vocab, (uint64_t)t->n) != 0) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	const struct kolm_gguf_kv *ks = kolm_gguf_kv_find(g, "tokenizer.ggml.scores");
	const struct kolm_gguf_kv *ky = kolm_gguf_kv_find(g, "tokenizer.ggml.token_type");
	if (ks && (ks->type != KOLM_GGUF_ARRAY || ks->arr_n != kt->arr_n))
		ks = NULL;
	if (ky && (ky->type != KOLM_GGUF_ARRAY || ky->arr_n != kt->arr_n))
		ky = NULL;
	const uint8_t *walk = kt->val;
	for (int i = 0; i < t->n; i++) {
		if (str_next(kt, &walk, &t->tok[i]) != 0) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "bad token string %d", i);
			goto out;
		}
		t->score[i] = ks ? (float)kolm_gguf_arr_num(ks, (uint64_t)i) : 0.0f;
		t->type[i] = ky ? (int32_t)kolm_gguf_arr_num(ky, (uint64_t)i) : TT_NORMAL;
		smap_put(&t->vocab, t->tok[i].p, t->tok[i].len, i, 0);
		if (t->type[i] == TT_CONTROL || t->type[i] == TT_USER || t->type[i] == TT_UNKNOWN)
			if (t->tok[i].len > 0)
				t->special[t->n_special++] = i;
	}
	qsort_r(t->special, (size_t)t->n_special, sizeof *t->special, special_cmp, t);

	t->bos = (int32_t)kv_i64(g, "tokenizer.ggml.bos_token_id", kind == KOLM_TOK_SPM ? 1 : 11);
	t->eos = (int32_t)kv_i64(g, "tokenizer.ggml.eos_token_id", kind == KOLM_TOK_SPM ? 2 : 11);
	t->unk = (int32_t)kv_i64(g, "tokenizer.ggml.unknown_token_id", kind == KOLM_TOK_SPM ? 0 : -1);
	t->eot = (int32_t)kv_i64(g, "tokenizer.ggml.eot_token_id", -1);
	t->eom = (int32_t)kv_i64(g, "tokenizer.ggml.eom_token_id", -1);
	if (t->bos >= t->n)
		t->bos = -1;
	if (t->eos >= t->n)
		t->eos = -1;
	if (t->unk >= t->n)
		t->unk = -1;
	int b;
	t->add_bos = kolm_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b) == 0 ? b : kind == KOLM_TOK_SPM;
	t->add_space_prefix = kolm_gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b) == 0 ? b : kind == KOLM_TOK_SPM;

	if (kind == KOLM_TOK_SPM) {
		for (int c = 0; c < 256; c++) {
			char buf[8];
			snprintf(buf, sizeof buf, "<0x%02X>", c);
			int64_t id = smap_get(&t->vocab, buf, 6);
			if (id < 0) {
				buf[0] = (char)c;
				id = smap_get(&t->vocab, buf, 1);
			}
			t->byte_tok[c] = (int32_t)(id >= 0 ? id : t->unk);
		}
	} else {
		char pre[40] = "gpt-2";
		kolm_gguf_get_cstr(g, "tokenizer.ggml.pre", pre, sizeof pre);
		if (!strcmp(pre, "llama-bpe") || !strcmp(pre, "llama3") || !strcmp(pre, "llama-v3") ||
		    !strcmp(pre, "smaug-bpe")) {
			t->pre = PRE_LLAMA3;
			t->ignore_merges = 1;
		} else if (!strcmp(pre, "qwen2") || !strcmp(pre, "deepseek-r1-qwen")) {
			t->pre = PRE_QWEN2;
		} else {
			t->pre = PRE_GPT2;
		}
		const struct kolm_gguf_kv *km = kolm_gguf_kv_find(g, "tokenizer.ggml.merges");
		if (!km || km->type != KOLM_GGUF_ARRAY || km->arr_type != KOLM_GGUF_STRING) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "tokenizer.ggml.merges is missing for a gpt2 tokenizer");
			goto out;
		}
		if (smap_init(&t->merges, km->arr_n) != 0) {
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			goto out;
		}
		const uint8_t *mw = km->val;
		for (uint64_t i = 0; i < km->arr_n; i++) {
			struct kolm_gguf_str s;
			if (str_next(km, &mw, &s) != 0) {
				rc = kolm_err_set(err, KOLM_E_FORMAT, "bad merge string %llu", (unsigned long long)i);
				goto out;
			}
			smap_put(&t->merges, s.p, s.len, (int64_t)i, 1);
		}
		/* GPT-2 bytes_to_unicode */
		int nxt = 256;
		for (int i = 0; i < 324; i++)
			t->u2b[i] = -1;
		for (int c = 0; c < 256; c++) {
			int keep = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
			t->b2u[c] = (uint16_t)(keep ? c : nxt++);
			t->u2b[t->b2u[c]] = (int16_t)c;
		}
	}
	*out = t;
	return 0;
out:
	kolm_tokenizer_free(t);
	return rc;
}

void kolm_tokenizer_free(struct kolm_tokenizer *t)
{
	if (!t)
		return;
	smap_release(&t->vocab);
	smap_release(&t->merges);
	free(t->tok);
	free(t->score);
	free(t->type);
	free(t->special);
	free(t);
}

int kolm_tokenizer_kind(const struct kolm_tokenizer *t) { return t->kind; }
int32_t kolm_tokenizer_bos(const struct kolm_tokenizer *t) { return t->bos; }
int32_t kolm_tokenizer_eos(const struct kolm_tokenizer *t) { return t->eos; }
int kolm_tokenizer_add_bos(const struct kolm_tokenizer *t) { return t->add_bos && t->bos >= 0; }

int kolm_tokenizer_is_eog(const struct kolm_tokenizer *t, int32_t id)
{
	return id >= 0 && (id == t->eos || id == t->eot || id == t->eom);
}

/* ---- growable buffers ------------------------------------------------- */
struct ids {
	int32_t *v;
	int n, cap;
	int oom;
};

static void ids_push(struct ids *a, int32_t id)
{
	if (a->n == a->cap) {
		int nc = a->cap ? a->cap * 2 : 64;
		int32_t *p = realloc(a->v, (size_t)nc * sizeof *p);
		if (!p) {
			a->oom = 1;
			return;
		}
		a->v = p;
		a->cap = nc;
	}
	a->v[a->n++] = id;
}

static size_t utf8_len(uint8_t c)
{
	static const size_t lut[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
	return lut[c >> 4];
}

/* ---- symbol merging shared by SPM and BPE ----------------------------- */
struct sym {
	const char *text;
	int n, prev, next;
};

struct bigram {
	int left, right;
	float score;     /* SPM: higher first; BPE: -rank */
	int size;
};

struct heap {
	struct bigram *v;
	int n, cap;
	int oom;
};

/* a before b? highest score, then lowest left (llama.cpp comparators) */
static int bg_before(const struct bigram *a, const struct bigram *b)
{
	return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(struct heap *h, struct bigram b)
{
	if (h->n == h->cap) {
		int nc = h->cap ? h->cap * 2 : 64;
		struct bigram *p = realloc(h->v, (size_t)nc * sizeof *p);
		if (!p) {
			h->oom = 1;
			return;
		}
		h->v = p;
		h->cap = nc;
	}
	int i = h->n++;
	h->v[i] = b;
	while (i > 0) {
		int par = (i - 1) / 2;
		if (!bg_before(&h->v[i], &h->v[par]))
			break;
		struct bigram t = h->v[i];
		h->v[i] = h->v[par];
		h->v[par] = t;
		i = par;
	}
}

static struct bigram heap_pop(struct heap *h)
{
	struct bigram top = h->v[0];
	h->v[0] = h->v[--h->n];
	int i = 0;
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && bg_before(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && bg_before(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		struct bigram t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
	return top;
}

struct session {
	const struct kolm_tokenizer *t;
	struct sym *s;
	int ns, caps;
	struct heap h;
	struct kolm_buf tmp;
	int oom;
};

static void add_bigram(struct session *ss, int left, int right)
{
	if (left < 0 || right < 0)
		return;
	const struct kolm_tokenizer *t = ss->t;
	const struct sym *a = &ss->s[left], *b = &ss->s[right];
	struct bigram bg = {.left = left, .right = right, .size = a->n + b->n};
	if (t->kind == KOLM_TOK_SPM) {
		int64_t id = smap_get(&t->vocab, a->text, (size_t)(a->n + b->n));
		if (id < 0)
			return;
		bg.score = t->score[id];
	} else {
		ss->tmp.len = 0;
		kolm_buf_add(&ss->tmp, a->text, (size_t)a->n);
		kolm_buf_add(&ss->tmp, " ", 1);
		kolm_buf_add(&ss->tmp, b->text, (size_t)b->n);
		if (ss->tmp.oom) {
			ss->oom = 1;
			return;
		}
		int64_t rank = smap_get(&t->merges, ss->tmp.p, ss->tmp.len);
		if (rank < 0)
			return;
		bg.score = -(float)rank;
	}
	heap_push(&ss->h, bg);
}

/* Split text into UTF-8 symbols and merge them; leaves the symbol list. */
static int merge_word(struct session *ss, const char *text, size_t len)
{
	ss->ns = 0;
	ss->h.n = 0;
	if ((int)len > ss->caps) {
		struct sym *p = realloc(ss->s, len * sizeof *p);
		if (!p)
			return -1;
		ss->s = p;
		ss->caps = (int)len;
	}
	size_t off = 0;
	while (off < len) {
		struct sym *y = &ss->s[ss->ns];
		size_t l = utf8_len((uint8_t)text[off]);
		y->text = text + off;
		y->n = (int)(l < len - off ? l : len - off);
		off += (size_t)y->n;
		y->prev = ss->ns - 1;
		y->next = off == len ? -1 : ss->ns + 1;
		ss->ns++;
	}
	for (int i = 1; i < ss->ns; i++)
		add_bigram(ss, i - 1, i);
	while (ss->h.n > 0) {
		struct bigram bg = heap_pop(&ss->h);
		struct sym *l = &ss->s[bg.left], *r = &ss->s[bg.right];
		if (l->n == 0 || r->n == 0 || l->n + r->n != bg.size)
			continue;
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			ss->s[r->next].prev = bg.left;
		add_bigram(ss, l->prev, bg.left);
		add_bigram(ss, bg.left, l->next);
	}
	return ss->h.oom || ss->oom ? -1 : 0;
}

static void spm_fragment(struct session *ss, const char *text, size_t len, int prefix, struct ids *out)
{
	const struct kolm_tokenizer *t = ss->t;
	struct kolm_buf b = {0};
	if (prefix)
		kolm_buf_add(&b, "\xe2\x96\x81", 3);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ')
			kolm_buf_add(&b, "\xe2\x96\x81", 3);
		else
			kolm_buf_add(&b, text + i, 1);
	}
	if (b.oom || !b.len || merge_word(ss, b.p, b.len) != 0) {
		out->oom |= b.oom || (b.len && 1);
		free(b.p);
		return;
	}
	for (int i = 0; i >= 0 && i < ss->ns; i = ss->s[i].next) {
		const struct sym *y = &ss->s[i];
		if (y->n == 0)
			continue;
		int64_t id = smap_get(&t->vocab, y->text, (size_t)y->n);
		if (id >= 0) {
			ids_push(out, (int32_t)id);
			continue;
		}
		for (int j = 0; j < y->n; j++)
			ids_push(out, t->byte_tok[(uint8_t)y->text[j]]);
	}
	free(b.p);
}

/* ---- BPE pre-tokenizer --------------------------------------------------- */
#define OOR 0xFFFFFFFFu

static uint32_t *utf8_to_cpts(const char *s, size_t n, size_t *nc)
{
	uint32_t *c = malloc((n + 1) * sizeof *c);
	if (!c)
		return NULL;
	size_t k = 0, i = 0;
	const uint8_t *u = (const uint8_t *)s;
	while (i < n) {
		uint32_t cp = 0xFFFD;
		size_t l = 1;
		if (u[i] < 0x80) {
			cp = u[i];
		} else if ((u[i] & 0xE0) == 0xC0 && i + 1 < n && (u[i + 1] & 0xC0) == 0x80) {
			cp = ((u[i] & 0x1Fu) << 6) | (u[i + 1] & 0x3Fu);
			l = 2;
		} else if ((u[i] & 0xF0) == 0xE0 && i + 2 < n && (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80) {
			cp = ((u[i] & 0x0Fu) << 12) | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
			l = 3;
		} else if ((u[i] & 0xF8) == 0xF0 && i + 3 < n && (u[i + 1] & 0xC0) == 0x80 &&
			   (u[i + 2] & 0xC0) == 0x80 && (u[i + 3] & 0xC0) == 0x80) {
			cp = ((u[i] & 0x07u) << 18) | ((u[i + 1] & 0x3Fu) << 12) | ((u[i + 2] & 0x3Fu) << 6) |
			     (u[i + 3] & 0x3Fu);
			l = 4;
		}
		c[k++] = cp;
		i += l;
	}
	*nc = k;
	return c;
}

static size_t cpt_to_utf8(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

struct splitter {
	const uint32_t *c;
	size_t n;
	size_t prev_end;
	size_t *ends;   /* word end offsets (code points) */
	size_t ne;
};

static uint32_t sp_cpt(const struct splitter *s, size_t p)
{
	return p < s->n ? s->c[p] : OOR;
}

/* flags, with bit 8 = "in range" (llama.cpp's as_uint() != 0) */
static int sp_flags(const struct splitter *s, size_t p)
{
	return p < s->n ? (tk_cpt_flags(s->c[p]) | 0x100) : 0;
}

static size_t sp_add(struct splitter *s, size_t end)
{
	size_t len = end - s->prev_end;
	if (len > 0)
		s->ends[s->ne++] = end;
	s->prev_end = end;
	return len;
}

static uint32_t lower_ascii(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

#define IS_L(f) ((f) & TK_LETTER)
#define IS_N(f) ((f) & TK_NUMBER)
#define IS_S(f) ((f) & TK_SPACE)

/* unicode_regex_split_custom_gpt2 */
static void split_gpt2(struct splitter *s)
{
	for (size_t pos = 0; pos < s->n;) {
		const uint32_t cpt = sp_cpt(s, pos);
		const int flags = sp_flags(s, pos);
		if (cpt == '\'' && pos + 1 < s->n) {
			uint32_t nx = sp_cpt(s, pos + 1);
			if (nx == 's' || nx == 't' || nx == 'm' || nx == 'd') {
				pos += sp_add(s, pos + 2);
				continue;
			}
			if (pos + 2 < s->n) {
				uint32_t nn = sp_cpt(s, pos + 2);
				if ((nx == 'r' && nn == 'e') || (nx == 'v' && nn == 'e') || (nx == 'l' && nn == 'l')) {
					pos += sp_add(s, pos + 3);
					continue;
				}
			}
		}
		int f2 = cpt == ' ' ? sp_flags(s, pos + 1) : flags;
		if (IS_L(f2)) {
			pos += cpt == ' ';
			while (IS_L(f2))
				f2 = sp_flags(s, ++pos);
			sp_add(s, pos);
			continue;
		}
		if (IS_N(f2)) {
			pos += cpt == ' ';
			while (IS_N(f2))
				f2 = sp_flags(s, ++pos);
			sp_add(s, pos);
			continue;
		}
		if (!(IS_S(f2) || IS_L(f2) || IS_N(f2)) && f2) {
			pos += cpt == ' ';
			while (!(IS_S(f2) || IS_L(f2) || IS_N(f2)) && f2)
				f2 = sp_flags(s, ++pos);
			sp_add(s, pos);
			continue;
		}
		size_t nws = 0;
		while (IS_S(sp_flags(s, pos + nws)))
			nws++;
		if (nws > 1 && sp_cpt(s, pos + nws) != OOR) {
			pos += nws - 1;
			sp_add(s, pos);
			continue;
		}
		if (nws > 0) {
			pos += nws;
			sp_add(s, pos);
			continue;
		}
		sp_add(s, ++pos);
	}
}

/* unicode_regex_split_custom_llama3; max_digits 3 (llama3) or 1 (qwen2) */
static void split_llama3(struct splitter *s, size_t max_digits)
{
	for (size_t pos = 0; pos < s->n;) {
		const uint32_t cpt = sp_cpt(s, pos);
		const int flags = sp_flags(s, pos);
		if (cpt == '\'' && pos + 1 < s->n) {
			uint32_t nx = lower_ascii(sp_cpt(s, pos + 1));
			if (nx == 's' || nx == 't' || nx == 'm' || nx == 'd') {
				pos += sp_add(s, pos + 2);
				continue;
			}
			if (pos + 2 < s->n) {
				uint32_t nn = lower_ascii(sp_cpt(s, pos + 2));
				if ((nx == 'r' && nn == 'e') || (nx == 'v' && nn == 'e') || (nx == 'l' && nn == 'l')) {
					pos += sp_add(s, pos + 3);
					continue;
				}
			}
		}
		if (!(cpt == '\r' || cpt == '\n' || IS_N(flags))) {
			if (IS_L(flags) || IS_L(sp_flags(s, pos + 1))) {
				pos++;
				while (IS_L(sp_flags(s, pos)))
					pos++;
				sp_add(s, pos);
				continue;
			}
		}
		if (IS_N(flags)) {
			size_t ini = pos;
			while (IS_N(sp_flags(s, pos))) {
				if (++pos - ini >= max_digits) {
					sp_add(s, pos);
					ini = pos;
				}
			}
			sp_add(s, pos);
			continue;
		}
		int f2 = cpt == ' ' ? sp_flags(s, pos + 1) : flags;
		if (!(IS_S(f2) || IS_L(f2) || IS_N(f2)) && flags) {
			pos += cpt == ' ';
			while (!(IS_S(f2) || IS_L(f2) || IS_N(f2)) && f2)
				f2 = sp_flags(s, ++pos);
			uint32_t c2 = sp_cpt(s, pos);
			while (c2 == '\r' || c2 == '\n')
				c2 = sp_cpt(s, ++pos);
			sp_add(s, pos);
			continue;
		}
		size_t nws = 0, last_rn = 0;
		while (IS_S(sp_flags(s, pos + nws))) {
			uint32_t c2 = sp_cpt(s, pos + nws);
			if (c2 == '\r' || c2 == '\n')
				last_rn = pos + nws + 1;
			nws++;
		}
		if (last_rn > 0) {
			pos = last_rn;
			sp_add(s, pos);
			continue;
		}
		if (nws > 1 && sp_cpt(s, pos + nws) != OOR) {
			pos += nws - 1;
			sp_add(s, pos);
			continue;
		}
		if (nws > 0) {
			pos += nws;
			sp_add(s, pos);
			continue;
		}
		sp_add(s, ++pos);
	}
}

static void bpe_fragment(struct session *ss, const char *text, size_t len, struct ids *out)
{
	const struct kolm_tokenizer *t = ss->t;
	size_t nc;
	uint32_t *c = utf8_to_cpts(text, len, &nc);
	struct splitter sp = {.c = c, .n = nc};
	sp.ends = malloc((nc + 1) * sizeof *sp.ends);
	if (!c || !sp.ends) {
		out->oom = 1;
		goto done;
	}
	if (t->pre == PRE_LLAMA3)
		split_llama3(&sp, 3);
	else if (t->pre == PRE_QWEN2)
		split_llama3(&sp, 1);
	else
		split_gpt2(&sp);
	size_t start = 0;
	struct kolm_buf w = {0};
	for (size_t k = 0; k < sp.ne; k++) {
		w.len = 0;
		for (size_t i = start; i < sp.ends[k]; i++) {
			char u8[4];
			size_t l = cpt_to_utf8(c[i], u8);
			for (size_t j = 0; j < l; j++) {
				char e[4];
				size_t el = cpt_to_utf8(t->b2u[(uint8_t)u8[j]], e);
				kolm_buf_add(&w, e, el);
			}
		}
		start = sp.ends[k];
		if (w.oom) {
			out->oom = 1;
			break;
		}
		if (t->ignore_merges) {
			int64_t id = smap_get(&t->vocab, w.p, w.len);
			if (id >= 0) {
				ids_push(out, (int32_t)id);
				continue;
			}
		}
		if (merge_word(ss, w.p, w.len) != 0) {
			out->oom = 1;
			break;
		}
		for (int i = 0; i < ss->ns; i++) {
			const struct sym *y = &ss->s[i];
			if (y->n == 0)
				continue;
			int64_t id = smap_get(&t->vocab, y->text, (size_t)y->n);
			if (id >= 0) {
				ids_push(out, (int32_t)id);
				continue;
			}
			for (int j = 0; j < y->n; j++) {
				int64_t bid = smap_get(&t->vocab, y->text + j, 1);
				if (bid >= 0)
					ids_push(out, (int32_t)bid);
			}
		}
	}
	free(w.p);
done:
	free(c);
	free(sp.ends);
}

/* ---- special-token partition and the entry point ----------------------- */
struct frag {
	size_t off, len;   /* raw text when tok < 0 */
	int32_t tok;
};

int kolm_tokenize(const struct kolm_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special,
		  int32_t **out, int *n, struct kolm_err *err)
{
	struct frag *fr = malloc(sizeof *fr);
	int nf = 0;
	struct ids res = {0};
	struct session ss = {.t = t};
	int rc = 0;
	if (!fr)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (len > 0)
		fr[nf++] = (struct frag){0, len, -1};
	for (int si = 0; si < t->n_special; si++) {
		const int32_t id = t->special[si];
		if (!parse_special && t->type[id] != TT_USER)
			continue;
		const char *sp = t->tok[id].p;
		const size_t sl = t->tok[id].len;
		/* rebuild the list with every occurrence of this token split out */
		int cnt = 0;
		for (int f = 0; f < nf; f++)
			if (fr[f].tok < 0 && fr[f].len >= sl)
				for (const char *h = text + fr[f].off, *e = h + fr[f].len;
				     (h = memmem(h, (size_t)(e - h), sp, sl)) != NULL; h += sl)
					cnt++;
		if (!cnt)
			continue;
		struct frag *nfr = malloc(sizeof *nfr * (size_t)(nf + 2 * cnt));
		if (!nfr) {
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			goto out;
		}
		int k = 0;
		for (int f = 0; f < nf; f++) {
			if (fr[f].tok >= 0 || fr[f].len < sl) {
				nfr[k++] = fr[f];
				continue;
			}
			size_t off = fr[f].off, end = fr[f].off + fr[f].len;
			const char *h;
			while (off < end && (h = memmem(text + off, end - off, sp, sl)) != NULL) {
				size_t at = (size_t)(h - text);
				if (at > off)
					nfr[k++] = (struct frag){off, at - off, -1};
				nfr[k++] = (struct frag){0, 0, id};
				off = at + sl;
			}
			if (off < end)
				nfr[k++] = (struct frag){off, end - off, -1};
		}
		free(fr);
		fr = nfr;
		nf = k;
	}
	if (add_bos && t->bos >= 0)
		ids_push(&res, t->bos);
	int prev_special = 1;
	for (int f = 0; f < nf; f++) {
		if (fr[f].tok >= 0) {
			ids_push(&res, fr[f].tok);
			prev_special = 1;
			continue;
		}
		if (t->kind == KOLM_TOK_SPM)
			spm_fragment(&ss, text + fr[f].off, fr[f].len, t->add_space_prefix && prev_special, &res);
		else
			bpe_fragment(&ss, text + fr[f].off, fr[f].len, &res);
		prev_special = 0;
	}
	if (res.oom || ss.oom || ss.h.oom) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory while tokenizing");
		goto out;
	}
	*out = res.v;
	*n = res.n;
	res.v = NULL;
out:
	free(res.v);
	free(fr);
	free(ss.s);
	free(ss.h.v);
	free(ss.tmp.p);
	return rc;
}

/* ---- decoding ------------------------------------------------------------ */
static size_t put(char *buf, size_t cap, size_t at, const char *p, size_t n)
{
	if (at < cap)
		memcpy(buf + at, p, n <= cap - at ? n : cap - at);
	return at + n;
}

size_t kolm_token_to_piece(const struct kolm_tokenizer *t, int32_t id, char *buf, size_t cap)
{
	if (id < 0 || id >= t->n)
		return 0;
	const int ty = t->type[id];
	const char *p = t->tok[id].p;
	const size_t n = t->tok[id].len;
	/* control, unknown and unused tokens are suppressed (special = 0) */
	if (ty == TT_CONTROL || ty == TT_UNUSED || ty == TT_UNKNOWN)
		return 0;
	if (ty == TT_USER)
		return put(buf, cap, 0, p, n);
	size_t at = 0;
	if (t->kind == KOLM_TOK_SPM) {
		if (ty == TT_BYTE && n == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x') {
			char b = (char)strtol((char[]){p[3], p[4], 0}, NULL, 16);
			return put(buf, cap, 0, &b, 1);
		}
		for (size_t i = 0; i < n;) {
			if (i + 3 <= n && memcmp(p + i, "\xe2\x96\x81", 3) == 0) {
				at = put(buf, cap, at, " ", 1);
				i += 3;
			} else {
				at = put(buf, cap, at, p + i, 1);
				i++;
			}
		}
		return at;
	}
	size_t nc;
	uint32_t *c = utf8_to_cpts(p, n, &nc);
	if (!c)
		return 0;
	for (size_t i = 0; i < nc; i++) {
		if (c[i] < 324 && t->u2b[c[i]] >= 0) {
			char b = (char)t->u2b[c[i]];
			at = put(buf, cap, at, &b, 1);
		} else {
			char u8[4];
			at = put(buf, cap, at, u8, cpt_to_utf8(c[i], u8));
		}
	}
	free(c);
	return at;
}
