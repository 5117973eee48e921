/* llama.cpp's compute buffer, sized by the mechanism that sizes it.
 *
 * llama.cpp reserves its compute buffer by building the graph of one ubatch
 * of prompt over a full cache and handing it to ggml-alloc
 * (ggml/src/ggml-alloc.c, ggml_gallocr_reserve), which places every
 * activation at an offset of one buffer and records the largest offset
 * reached.  This file copies both halves at the reference commit:
 *
 *  - the graph, node by node, as llama.cpp's llama builder emits it
 *    (src/models/llama.cpp, llm_graph_context::build_attn and build_attn_mha
 *    in src/llama-graph.cpp; the order read with GGML_SCHED_DEBUG=2): the
 *    inputs first (tokens, the unused float-embedding input inp_embd
 *    [n_embd, ubatch] that build_inp_embd always creates, positions, the
 *    K/V row indices, the KQ mask, the output ids, the Hadamard matrices of
 *    a quantized cache), then per layer the attention (Q, V, K in that
 *    order, RoPE, rotation, flash attention or KQ/soft_max/KQV, the output
 *    projection), the residual and the feed-forward block, the last layer
 *    selecting its output rows, then the final norm and the logits;
 *  - ggml-alloc's placement: leafs first, then per node its parents and
 *    itself; a node reuses its parent's memory in place when the op allows
 *    it (ggml_op_can_inplace), the parent is the allocator's own tensor (not
 *    a view), has this node as its last child and the same size; a tensor
 *    is freed when its last child has run (a view holds its source); free
 *    memory is a list of blocks sorted by offset that merges neighbours, and
 *    an allocation takes the best-fitting block other than the last (the
 *    smallest that fits, the later one on a tie), else the end of the
 *    buffer; sizes rounded to the CPU buffer's 32-byte alignment.
 *
 * Holes are what the simple sum of live tensors misses: on the 256-wide
 * synthetic model the first layer leaves 1 MiB free beside the 1.5 MiB
 * feed-forward tensors, so the buffer reads 7.01 MiB where the largest live
 * set is 6.0.  The result does not change with the number of layers past
 * two (the placement repeats from the second layer on), so at most
 * GA_LAYERS layers are placed, the last one as the model's last. */
#include "forecast/galloc_internal.h"

#include <string.h>

#define GA_ALIGN 32u
#define GA_LAYERS 4
#define GA_MAXT 384 /* 4 layers of at most 66 tensors each, the inputs and the output */
#define GA_MAXB 256
/* what a shape outside the limits below, or a graph that outgrows the
 * tables, forecasts: more than any device has, and a few of them still sum
 * without wrapping */
#define GA_TOO_BIG (UINT64_MAX / 8)

struct ga_t {
	uint64_t size, off;
	int src[5];
	int nsrc;
	int view;  /* base tensor this one views, -1 if none */
	int n_children, n_views;
	unsigned inplace : 1, out : 1, ext : 1, input : 1, own : 1, placed : 1;
};

struct ga_block {
	uint64_t off, size;
};

struct ga {
	struct ga_t t[GA_MAXT];
	int n;
	struct ga_block fb[GA_MAXB];
	int nfb;
	uint64_t max;
	int overflow;
};

static uint64_t ga_pad(uint64_t x)
{
	return (x + GA_ALIGN - 1) / GA_ALIGN * GA_ALIGN;
}

/* ggml_dyn_tallocr_alloc: best fit among all blocks but the last, else the last */
static uint64_t ga_alloc(struct ga *g, uint64_t size)
{
	size = ga_pad(size);
	int best = -1;
	uint64_t best_size = UINT64_MAX;
	for (int i = 0; i < g->nfb - 1; i++)
		if (g->fb[i].size >= size && g->fb[i].size <= best_size) {
			best = i;
			best_size = g->fb[i].size;
		}
	if (best < 0)
		best = g->nfb - 1;
	struct ga_block *b = &g->fb[best];
	uint64_t off = b->off;
	b->off += size;
	b->size -= size;
	if (b->size == 0) {
		memmove(&g->fb[best], &g->fb[best + 1], (size_t)(g->nfb - best - 1) * sizeof *b);
		g->nfb--;
	}
	if (off + size > g->max)
		g->max = off + size;
	return off;
}

static void ga_remove(struct ga *g, int i)
{
	memmove(&g->fb[i], &g->fb[i + 1], (size_t)(g->nfb - i - 1) * sizeof g->fb[0]);
	g->nfb--;
}

/* ggml_dyn_tallocr_free_bytes: merge with the block before or after, else insert */
static void ga_free_bytes(struct ga *g, uint64_t off, uint64_t size)
{
	size = ga_pad(size);
	for (int i = 0; i < g->nfb; i++) {
		struct ga_block *b = &g->fb[i];
		if (b->off + b->size == off) {
			b->size += size;
			if (i < g->nfb - 1 && b->off + b->size == g->fb[i + 1].off) {
				b->size += g->fb[i + 1].size;
				ga_remove(g, i + 1);
			}
			return;
		}
		if (off + size == b->off) {
			b->off = off;
			b->size += size;
			if (i > 0 && g->fb[i - 1].off + g->fb[i - 1].size == b->off) {
				g->fb[i - 1].size += b->size;
				ga_remove(g, i);
			}
			return;
		}
	}
	if (g->nfb >= GA_MAXB) {
		g->overflow = 1;
		return;
	}
	int at = 0;
	while (at < g->nfb && g->fb[at].off < off)
		at++;
	memmove(&g->fb[at + 1], &g->fb[at], (size_t)(g->nfb - at) * sizeof g->fb[0]);
	g->fb[at] = (struct ga_block){off, size};
	g->nfb++;
}

/* ggml_gallocr_allocate_node */
static void ga_place(struct ga *g, int i)
{
	struct ga_t *t = &g->t[i];
	if (t->ext || t->placed || t->view >= 0)
		return;
	t->own = t->placed = 1;
	if (t->inplace)
		for (int j = 0; j < t->nsrc; j++) {
			struct ga_t *p = &g->t[t->src[j]];
			if (!p->own || p->out || p->size != t->size)
				continue;
			if (p->n_children == 1 && p->n_views == 0) {
				t->off = p->off;
				p->own = 0;
				return;
			}
		}
	t->off = ga_alloc(g, t->size);
}

static void ga_free(struct ga *g, struct ga_t *t)
{
	if (t->out)
		return;
	ga_free_bytes(g, t->off, t->size);
	t->own = 0;
}

/* ggml_gallocr_alloc_graph_impl: leafs (the inputs), the counts, then the nodes in order */
static uint64_t ga_run(struct ga *g)
{
	for (int i = 0; i < g->n; i++)
		if (g->t[i].input)
			ga_place(g, i);
	for (int i = 0; i < g->n; i++) {
		struct ga_t *t = &g->t[i];
		if (t->input)
			continue;
		if (t->view >= 0)
			g->t[t->view].n_views++;
		for (int j = 0; j < t->nsrc; j++)
			g->t[t->src[j]].n_children++;
	}
	for (int i = 0; i < g->n; i++) {
		struct ga_t *t = &g->t[i];
		if (t->input)
			continue;
		ga_place(g, i);
		for (int j = 0; j < t->nsrc; j++) {
			struct ga_t *p = &g->t[t->src[j]];
			if (--p->n_children != 0 || p->n_views != 0)
				continue;
			if (p->view >= 0) {
				struct ga_t *v = &g->t[p->view];
				if (--v->n_views == 0 && v->n_children == 0 && v->own)
					ga_free(g, v);
			} else if (p->own) {
				ga_free(g, p);
			}
		}
	}
	return g->overflow ? GA_TOO_BIG : g->max;
}

/* graph building: a tensor of size bytes with up to five parents (-1 ends the list) */
static int ga_add(struct ga *g, uint64_t size, int inplace, int a, int b, int c, int d)
{
	if (g->n >= GA_MAXT) {
		g->overflow = 1;
		return 0;
	}
	int i = g->n++;
	struct ga_t *t = &g->t[i];
	memset(t, 0, sizeof *t);
	t->size = size;
	t->view = -1;
	t->inplace = inplace ? 1 : 0;
	const int s[4] = {a, b, c, d};
	for (int j = 0; j < 4 && s[j] >= 0; j++)
		t->src[t->nsrc++] = s[j];
	return i;
}

static int ga_input(struct ga *g, uint64_t size)
{
	int i = ga_add(g, size, 0, -1, -1, -1, -1);
	g->t[i].input = 1;
	return i;
}

/* a view (reshape, permute, view) of tensor a: never placed, holds its base */
static int ga_view(struct ga *g, int a)
{
	int i = ga_add(g, g->t[a].size, 0, a, -1, -1, -1);
	g->t[i].view = g->t[a].view >= 0 ? g->t[a].view : a;
	return i;
}

/* a node written into memory ggml-alloc does not own (SET_ROWS into the cache) */
static void ga_ext(struct ga *g, int a, int b)
{
	int i = ga_add(g, 0, 0, a, b, -1, -1);
	g->t[i].ext = 1;
}

/* llama_mul_mat_hadamard: reshape, MUL_MAT by the rotation, reshape back */
static int ga_rotate(struct ga *g, int x, int rot)
{
	return ga_view(g, ga_add(g, g->t[x].size, 0, rot, ga_view(g, x), -1, -1));
}

struct ga_in {
	int pos, kid, vid, mask, mask_swa, out_ids, krot, vrot;
};

/* Q, V, K and the attention of layer il on its normed input an; returns the
 * attention output (after the output projection) */
static int ga_attention(struct ga *g, const struct kolm_galloc_shape *s, const struct ga_in *in, int an, int il)
{
	const uint64_t ub = (uint64_t)s->ubatch, hd = (uint64_t)s->head_dim;
	const uint64_t qb = (uint64_t)s->n_head * hd * ub * 4, kvb = (uint64_t)s->n_head_kv * hd * ub * 4;
	int q, k, v;
	if (s->fused_qkv) { /* phi3: one matmul, Q/K/V are views of it */
		int qkv = ga_add(g, qb + 2 * kvb, 0, an, -1, -1, -1);
		q = ga_add(g, qb, 1, ga_view(g, qkv), in->pos, -1, -1);
		v = ga_view(g, qkv);
		k = ga_add(g, kvb, 1, ga_view(g, qkv), in->pos, -1, -1);
	} else {
		q = ga_view(g, ga_add(g, qb, 0, an, -1, -1, -1));
		if (s->qk_norm) /* RMS_NORM of a view is a new tensor; the weight MUL is in place */
			q = ga_add(g, qb, 1, ga_add(g, qb, 1, q, -1, -1, -1), -1, -1, -1);
		q = ga_add(g, qb, 1, q, in->pos, -1, -1); /* ROPE */
		if (in->krot >= 0)
			q = ga_rotate(g, q, in->krot);
		v = ga_view(g, ga_add(g, kvb, 0, an, -1, -1, -1));
		if (in->vrot >= 0)
			v = ga_rotate(g, v, in->vrot);
		k = ga_view(g, ga_add(g, kvb, 0, an, -1, -1, -1));
		if (s->qk_norm)
			k = ga_add(g, kvb, 1, ga_add(g, kvb, 1, k, -1, -1, -1), -1, -1, -1);
		k = ga_add(g, kvb, 1, k, in->pos, -1, -1);
		if (in->krot >= 0)
			k = ga_rotate(g, k, in->krot);
	}
	ga_ext(g, ga_view(g, k), in->kid);
	ga_ext(g, ga_view(g, v), in->vid);
	int pat = s->swa_pattern;
	int local = s->n_kv_swa > 0 && (pat > 1 ? (il % pat) < pat - 1 : 1);
	int mask = local ? in->mask_swa : in->mask;
	int64_t n_kv = local ? s->n_kv_swa : s->n_kv;
	int qp = ga_view(g, ga_view(g, q)), cur;
	if (s->flash_attn) {
		cur = ga_add(g, qb, 0, qp, mask, -1, -1);
	} else { /* KQ [n_kv, ubatch, n_head] f32, soft_max in place, KQV, permute, cont */
		uint64_t kqb = (uint64_t)n_kv * ub * (uint64_t)s->n_head * 4;
		int kq = ga_add(g, kqb, 1, ga_add(g, kqb, 0, qp, -1, -1, -1), mask, -1, -1);
		cur = ga_add(g, qb, 0, ga_view(g, ga_add(g, qb, 0, kq, -1, -1, -1)), -1, -1, -1);
	}
	cur = ga_view(g, cur);
	if (in->vrot >= 0)
		cur = ga_rotate(g, cur, in->vrot);
	return ga_add(g, (uint64_t)s->n_embd * ub * 4, 0, cur, -1, -1, -1);
}

/* the feed-forward block on the normed residual fn (build_ffn / build_moe_ffn) */
static int ga_ffn(struct ga *g, const struct kolm_galloc_shape *s, int fn)
{
	const uint64_t ub = (uint64_t)s->ubatch, eb = (uint64_t)s->n_embd * ub * 4;
	if (s->n_expert > 0 && s->n_ff_exp > 0) {
		/* build_moe_ffn: router logits [n_expert, ubatch], soft_max in
		 * place, the top-k view of their argsort, the chosen weights
		 * [used, ubatch] normalised by their row sum (a new tensor: DIV of
		 * a view), the experts' up and gate [n_ff_exp, used, ubatch] and
		 * their product, down [n_embd, used, ubatch] weighted in place,
		 * then the sum of its used views: one new tensor, the further
		 * adds in place (one stands for all: the same memory) */
		const uint64_t used = (uint64_t)s->n_expert_used, ex = (uint64_t)s->n_expert * ub * 4;
		int probs = ga_add(g, ex, 1, ga_add(g, ex, 0, fn, -1, -1, -1), -1, -1, -1);
		int sel = ga_view(g, ga_add(g, ex, 0, probs, -1, -1, -1));
		int w = ga_view(g, ga_add(g, used * ub * 4, 0, ga_view(g, probs), sel, -1, -1));
		int wsum = ga_add(g, ub * 4, 1, ga_add(g, ub * 4, 0, w, -1, -1, -1), -1, -1, -1);
		w = ga_view(g, ga_add(g, used * ub * 4, 1, w, wsum, -1, -1));
		const uint64_t fb = (uint64_t)s->n_ff_exp * used * ub * 4;
		int xin = ga_view(g, fn);
		int up = ga_add(g, fb, 0, xin, sel, -1, -1), gate = ga_add(g, fb, 0, xin, sel, -1, -1);
		int ex_out = ga_add(g, eb * used, 0, ga_add(g, fb, 0, gate, up, -1, -1), sel, -1, -1);
		ex_out = ga_add(g, eb * used, 1, ex_out, w, -1, -1);
		int sum = ga_add(g, eb, 0, ga_view(g, ex_out), ga_view(g, ex_out), -1, -1);
		if (used > 2)
			sum = ga_add(g, eb, 1, sum, ga_view(g, ex_out), -1, -1);
		return sum;
	}
	const uint64_t fb = (uint64_t)s->n_ff * ub * 4;
	if (s->fused_qkv) { /* phi3: up [2 n_ff], SwiGLU of its halves */
		int up = ga_add(g, 2 * fb, 0, fn, -1, -1, -1);
		return ga_add(g, eb, 0, ga_add(g, fb, 0, up, -1, -1, -1), -1, -1, -1);
	}
	int gate = ga_add(g, fb, 0, fn, -1, -1, -1), up = ga_add(g, fb, 0, fn, -1, -1, -1);
	return ga_add(g, eb, 0, ga_add(g, fb, 0, gate, up, -1, -1), -1, -1, -1);
}

uint64_t kolm_galloc_compute_bytes(const struct kolm_galloc_shape *s)
{
	/* within these every tensor is below 2^52 bytes and the graph's sum
	 * below 2^61: no size here can wrap */
	if (s->n_embd < 0 || s->n_embd > (1 << 20) || s->n_ff < 0 || s->n_ff > (1 << 22) || s->n_vocab < 0 ||
	    s->n_vocab > (1 << 24) || s->n_layer < 0 || s->n_head < 0 || s->n_head > 4096 || s->n_head_kv < 0 ||
	    s->n_head_kv > 4096 || s->head_dim < 0 || s->head_dim > 4096 || s->n_expert < 0 || s->n_expert > 1024 ||
	    s->n_expert_used < 0 || s->n_expert_used > 1024 || s->n_ff_exp < 0 || s->n_ff_exp > (1 << 22) ||
	    s->n_kv < 0 || s->n_kv > (1 << 25) || s->n_kv_swa < 0 || s->n_kv_swa > (1 << 25) || s->ubatch < 0 ||
	    s->ubatch > (1 << 13) || s->rot_k < 0 || s->rot_k > 4096 || s->rot_v < 0 || s->rot_v > 4096)
		return GA_TOO_BIG;
	static const struct ga zero;
	struct ga g = zero;
	g.nfb = 1;
	g.fb[0] = (struct ga_block){0, UINT64_MAX / 2};
	const uint64_t ub = (uint64_t)s->ubatch, eb = (uint64_t)s->n_embd * ub * 4;
	const uint64_t mask_elt = s->flash_attn ? 2 : 4;
	struct ga_in in;
	int tok = ga_input(&g, ub * 4);
	ga_input(&g, eb); /* inp_embd: allocated, never read by a token batch */
	in.pos = ga_input(&g, ub * 4);
	in.kid = ga_input(&g, ub * 8);
	/* without flash attention the V cache is transposed and its row index
	 * input names every element: [n_head_kv x head_dim, ubatch] i64 */
	in.vid = ga_input(&g, s->flash_attn ? ub * 8 : (uint64_t)(s->n_head_kv * s->head_dim) * ub * 8);
	in.mask = ga_input(&g, (uint64_t)s->n_kv * ub * mask_elt);
	in.mask_swa = s->n_kv_swa > 0 ? ga_input(&g, (uint64_t)s->n_kv_swa * ub * mask_elt) : in.mask;
	in.out_ids = ga_input(&g, ub * 4);
	in.krot = s->rot_k ? ga_input(&g, (uint64_t)s->rot_k * (uint64_t)s->rot_k * 4) : -1;
	in.vrot = s->rot_v ? ga_input(&g, (uint64_t)s->rot_v * (uint64_t)s->rot_v * 4) : -1;
	int layers = s->n_layer < GA_LAYERS ? (int)s->n_layer : GA_LAYERS;
	int res = ga_add(&g, eb, 0, tok, -1, -1, -1); /* GET_ROWS of the token embeddings */
	for (int il = 0; il < layers; il++) {
		int an = ga_add(&g, eb, 1, ga_add(&g, eb, 1, res, -1, -1, -1), -1, -1, -1);
		int attn = ga_attention(&g, s, &in, an, il);
		if (il == layers - 1) { /* the output rows of attention and residual */
			attn = ga_add(&g, eb, 0, attn, in.out_ids, -1, -1);
			res = ga_add(&g, eb, 0, res, in.out_ids, -1, -1);
		}
		int ffn_inp = ga_add(&g, eb, 1, attn, res, -1, -1);
		int fn = ga_add(&g, eb, 1, ga_add(&g, eb, 1, ffn_inp, -1, -1, -1), -1, -1, -1);
		res = ga_add(&g, eb, 1, ga_ffn(&g, s, fn), ffn_inp, -1, -1);
	}
	int norm = ga_add(&g, eb, 1, ga_add(&g, eb, 1, res, -1, -1, -1), -1, -1, -1);
	g.t[norm].out = 1; /* result_norm (t_embd) is a graph output */
	int logits = ga_add(&g, (uint64_t)s->n_vocab * ub * 4, 0, norm, -1, -1, -1);
	g.t[logits].out = 1;
	return ga_run(&g);
}
