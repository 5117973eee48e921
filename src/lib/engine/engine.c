/* engine.c - load a llama-family GGUF and run its forward pass (see
 * include/kolm/engine.h for the graph).  Numerics follow ggml's CPU backend
 * where it matters for token-for-token agreement with llama.cpp: RMSNorm sums
 * squares in double, RoPE angles are built by repeated float multiplication
 * (ggml_rope_cache_init), Q is rounded to F16 before the dot with the F16 K
 * cache, and every weight row is dotted with activations in ggml's
 * vec_dot_type. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_mlx_internal.h"
#include "engine_pool_internal.h"
#include "kolm/engine.h"
#include "kolm/gguf.h"
#include "kolm/quant.h"
#include "kolm/tokenizer.h"
#include "kolm/types.h"
#include "quant/kernels_internal.h"
#include "vec_internal.h"

#define B_MAX 256      /* tokens per internal batch */
#define FA_TILE 64     /* llama.cpp's flash-attention tile (ggml_fa_tile_config) */
#define FA_LANES 16    /* floats per AVX-512 register */
#define ROW_TILE 32    /* weight rows kept hot while a batch streams past (16: the
                        * activations re-read twice as often; F16 pp512 -5%) */
#define ACT_PAD 64     /* bytes after each F32 activation row (matmul) */

enum { ARCH_LLAMA, ARCH_QWEN2, ARCH_QWEN3, ARCH_PHI3, ARCH_GEMMA2 };

struct wt {
	const uint8_t *data;
	int type;
	int64_t n_in, n_out;
	uint64_t row_bytes;
	const struct ek_mlx_tensor *aff;   /* an MLX directory's affine matrix, or NULL */
};

struct layer {
	float *attn_norm, *ffn_norm, *post_attn_norm, *post_ffw_norm;
	float *q_norm, *k_norm;            /* qwen3: head_dim each */
	float *bq, *bk, *bv;               /* biases (qwen2) */
	struct wt wq, wk, wv, wqkv, wo;    /* wqkv: phi3 (wq.data NULL then) */
	struct wt wgate, wup, wdown;       /* wgate.data NULL: up holds gate|up (phi3) */
	uint16_t *kc, *vc;                 /* n_ctx * n_head_kv * head_dim */
	int swa;                           /* sliding-window layer (gemma2) */
};

struct kolm_engine {
	struct kolm_gguf *g;
	struct ek_mlx *mlx;                /* an MLX directory's matrices (engine_mlx.c), or NULL */
	struct kolm_tokenizer *tok;
	struct kolm_engine_info info;
	int simd;                          /* 1: the SIMD kernels (quant/kernels.c, vec.c) */
	int exact;                         /* 1: the goldens' build's rounding (opts.exact) */
	struct ek_pool *pool;
	int arch;
	float eps;
	float rope_base, rope_scale;       /* freq_base, freq_scale (1/factor) */
	float rope_mscale;                 /* rope.scaling.attn_factor: scales cos and sin */
	float *rope_ff;                    /* n_rot/2 frequency factors or NULL */
	float q_scale;                     /* phi3, gemma2: Q scaled after RoPE (kq_scale 1) */
	float attn_softcap, final_softcap;
	int swa_window;
	float emb_scale;                   /* gemma2: sqrt(n_embd) */
	uint16_t *gelu16;                  /* gemma2: ggml's F16 GELU table (65536) */
	float kq_scale;
	struct wt tok_embd, output;
	float *out_norm;
	struct layer *L;
	int pos;
	/* work buffers, B_MAX rows each */
	float *x, *xn, *q, *k, *v, *att, *tmp, *ff1, *ff2, *cs;
	void *act;
	size_t act_cap;
	float *scratch;                    /* per thread: scr_stride floats */
	uint8_t *tws;                      /* per thread: tws_stride bytes for the tiled
	                                    * K-quant kernels' unpacked rows, or NULL */
	size_t tws_stride;
	float *kt;                         /* tiled attention: one layer's K cache widened
	                                    * to F32 and transposed, [kv head][dim][cell] */
	int64_t kt_ld;                     /* cells per kt row (n_ctx rounded up to 64) */
	size_t scr_stride;
};

/* ---- loading ---------------------------------------------------------- */
/* the type a row's activations take: its vec_dot_type, or F32 when the
 * type has no vec_dot and its rows are dequantized */
static int act_type(const struct kolm_type_traits *tt)
{
	return tt->vec_dot ? tt->vec_dot_type : KOLM_T_F32;
}

static int get_int(const struct kolm_gguf *g, const char *arch, const char *key, int64_t def, int64_t *out)
{
	char k[160];
	snprintf(k, sizeof k, "%s.%s", arch, key);
	int64_t v;
	if (kolm_gguf_get_i64(g, k, &v) != 0) {
		if (def < 0)
			return -1;
		v = def;
	}
	*out = v;
	return 0;
}

static double get_f(const struct kolm_gguf *g, const char *arch, const char *key, double def)
{
	char k[160];
	snprintf(k, sizeof k, "%s.%s", arch, key);
	double v;
	return kolm_gguf_get_f64(g, k, &v) == 0 ? v : def;
}

static const struct kolm_gguf_tensor *tfind(const struct kolm_gguf *g, int il, const char *name)
{
	char k[128];
	if (il >= 0)
		snprintf(k, sizeof k, "blk.%d.%s", il, name);
	else
		snprintf(k, sizeof k, "%s", name);
	return kolm_gguf_tensor_find(g, k);
}

/* an MLX directory's matrix (engine_mlx.c) */
static int load_mlx_wt(const struct ek_mlx_tensor *t, int64_t n_in, int64_t n_out, struct wt *w,
		       struct kolm_err *err)
{
	if (t->n_in != n_in || (n_out > 0 && t->n_out != n_out))
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%s' has shape %lldx%lld, expected %lldx%lld", t->name,
				    (long long)t->n_in, (long long)t->n_out, (long long)n_in, (long long)n_out);
	*w = (struct wt){.data = t->data, .type = t->type < 0 ? KOLM_T_F32 : t->type, .n_in = t->n_in,
			 .n_out = t->n_out, .row_bytes = t->row_bytes, .aff = t->type < 0 ? t : NULL};
	return KOLM_OK;
}

static const struct ek_mlx_tensor *mlx_find(const struct kolm_engine *e, int il, const char *name)
{
	char k[128];
	if (!e->mlx)
		return NULL;
	if (il >= 0)
		snprintf(k, sizeof k, "blk.%d.%s", il, name);
	else
		snprintf(k, sizeof k, "%s", name);
	return ek_mlx_find(e->mlx, k);
}

static int load_wt(const struct kolm_engine *e, int il, const char *name, int64_t n_in, int64_t n_out,
		   int optional, struct wt *w, struct kolm_err *err)
{
	const struct kolm_gguf_tensor *t = tfind(e->g, il, name);
	const struct ek_mlx_tensor *mt = mlx_find(e, il, name);
	if (mt)
		return load_mlx_wt(mt, n_in, n_out, w, err);
	if (!t) {
		if (optional)
			return 0;
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%s' of layer %d is missing", name, il);
	}
	if (t->ne[0] != n_in || (n_out > 0 && t->ne[1] != n_out) || t->ne[2] != 1 || t->ne[3] != 1)
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%.*s' has shape %lldx%lld, expected %lldx%lld",
				    (int)t->name.len, t->name.p, (long long)t->ne[0], (long long)t->ne[1],
				    (long long)n_in, (long long)n_out);
	if (!kolm_quant_can_dequantize(t->type))
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%.*s': type %s is not supported by the engine",
				    (int)t->name.len, t->name.p, kolm_type_name(t->type));
	/* the row must be whole blocks of its activations' type too (the
	 * vec_dot_type's block, from the type traits, as the weight's own) */
	const struct kolm_type_traits *tt = kolm_type_traits(t->type);
	if (kolm_type_row_bytes(act_type(tt), n_in) == 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%.*s': rows of %lld are not whole blocks",
				    (int)t->name.len, t->name.p, (long long)n_in);
	w->data = t->data;
	w->type = t->type;
	w->n_in = t->ne[0];
	w->n_out = t->ne[1];
	w->row_bytes = kolm_type_row_bytes(t->type, t->ne[0]);
	return 0;
}

static int load_vec(const struct kolm_gguf *g, int il, const char *name, int64_t n, int optional, float **out,
		    struct kolm_err *err)
{
	const struct kolm_gguf_tensor *t = tfind(g, il, name);
	*out = NULL;
	if (!t) {
		if (optional)
			return 0;
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%s' of layer %d is missing", name, il);
	}
	if (t->ne[0] != n || t->ne[1] != 1 || t->ne[2] != 1 || t->ne[3] != 1)
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%.*s' has %lld elements, expected %lld",
				    (int)t->name.len, t->name.p, (long long)t->ne[0], (long long)n);
	float *v = malloc((size_t)n * sizeof *v);
	if (!v)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (kolm_row_to_f32(t->type, t->data, v, n) != 0) {
		free(v);
		return kolm_err_set(err, KOLM_E_FORMAT, "tensor '%.*s': unsupported type %s", (int)t->name.len,
				    t->name.p, kolm_type_name(t->type));
	}
	*out = v;
	return 0;
}

static void *xcalloc(size_t n, size_t sz, int *fail)
{
	void *p = calloc(n ? n : 1, sz);
	if (!p)
		*fail = 1;
	return p;
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* GGUF general.architecture -> the engine's family; -1 if it has none */
static int arch_of(const char *a)
{
	static const struct {
		const char *name;
		int arch;
	} t[] = {{"llama", ARCH_LLAMA}, {"mistral", ARCH_LLAMA}, {"qwen2", ARCH_QWEN2},
		 {"qwen3", ARCH_QWEN3}, {"phi3", ARCH_PHI3},	 {"gemma2", ARCH_GEMMA2}};
	for (size_t i = 0; a && i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(a, t[i].name))
			return t[i].arch;
	return -1;
}

int kolm_engine_supports_arch(const char *arch)
{
	return arch_of(arch) >= 0;
}

/* The hyperparameters, and what the architecture makes of them: RoPE's
 * base, scaling and factors' context, Q's and the scores' scales, gemma2's
 * soft-caps, window and GELU table; the context length. */
static int read_hparams(struct kolm_engine *e, const char *path, const struct kolm_engine_opts *opts,
			struct kolm_err *err)
{
	const struct kolm_gguf *g = e->g;
	struct kolm_engine_info *in = &e->info;
	if (kolm_gguf_get_cstr(g, "general.architecture", in->arch, sizeof in->arch) != 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "'%s': no general.architecture", path);
	const char *a = in->arch;
	e->arch = arch_of(a);
	if ((int)e->arch < 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "'%s': architecture '%s' is not supported by the engine "
				    "(llama, mistral, qwen2, qwen3, phi3, gemma2)", path, a);
	int64_t n_embd, n_layer, n_head, n_head_kv, n_ff, ctx_train, hd, n_rot;
	if (get_int(g, a, "embedding_length", -1, &n_embd) || get_int(g, a, "block_count", -1, &n_layer) ||
	    get_int(g, a, "attention.head_count", -1, &n_head) || get_int(g, a, "feed_forward_length", -1, &n_ff))
		return kolm_err_set(err, KOLM_E_FORMAT, "'%s': missing %s hyperparameters", path, a);
	get_int(g, a, "attention.head_count_kv", n_head, &n_head_kv);
	get_int(g, a, "context_length", 2048, &ctx_train);
	if (n_embd <= 0 || n_embd > 65536 || n_layer <= 0 || n_layer > 1024 || n_head <= 0 || n_head > 1024 ||
	    n_head_kv <= 0 || n_head % n_head_kv || n_ff <= 0 || n_ff > 1 << 20)
		return kolm_err_set(err, KOLM_E_FORMAT, "'%s': implausible hyperparameters", path);
	get_int(g, a, "attention.key_length", n_embd / n_head, &hd);
	get_int(g, a, "rope.dimension_count", hd, &n_rot);
	if (hd <= 0 || hd > 1024 || n_rot <= 0 || n_rot > hd || n_rot % 2)
		return kolm_err_set(err, KOLM_E_FORMAT, "'%s': bad head dimension", path);
	in->n_embd = (int)n_embd;
	in->n_layer = (int)n_layer;
	in->n_head = (int)n_head;
	in->n_head_kv = (int)n_head_kv;
	in->n_ff = (int)n_ff;
	in->head_dim = (int)hd;
	in->n_rot = (int)n_rot;
	in->n_ctx_train = (int)(ctx_train > 0 && ctx_train < (1 << 24) ? ctx_train : 2048);
	in->rope_neox = e->arch != ARCH_LLAMA;
	int64_t ft;
	in->file_type = kolm_gguf_get_i64(g, "general.file_type", &ft) == 0 ? (int)ft : -1;
	e->eps = (float)get_f(g, a, "attention.layer_norm_rms_epsilon", 1e-5);
	e->rope_base = (float)get_f(g, a, "rope.freq_base", 10000.0);
	e->rope_scale = 1.0f;
	{
		/* llama.cpp: no rope.scaling.type means linear (YaRN is not
		 * implemented: its files run unscaled) */
		char st[32] = "linear";
		char k[96];
		snprintf(k, sizeof k, "%s.rope.scaling.type", a);
		kolm_gguf_get_cstr(g, k, st, sizeof st);
		double f = get_f(g, a, "rope.scaling.factor", 0.0);
		if (!(f > 0))
			f = get_f(g, a, "rope.scale_linear", 0.0);
		if (!strcmp(st, "linear") && f > 0)
			e->rope_scale = (float)(1.0 / f);
	}
	/* every cos and sin is multiplied by it (ggml_rope_ext's attn_factor;
	 * LongRoPE files such as Phi-3-128k carry sqrt(1 + ln(s)/ln(orig))) */
	e->rope_mscale = (float)get_f(g, a, "rope.scaling.attn_factor", 1.0);
	e->q_scale = 1.0f;
	if (e->arch == ARCH_GEMMA2) {
		e->attn_softcap = (float)get_f(g, a, "attn_logit_softcapping", 50.0);
		e->final_softcap = (float)get_f(g, a, "final_logit_softcapping", 30.0);
		int64_t w;
		get_int(g, a, "attention.sliding_window", 4096, &w);
		e->swa_window = (int)w;
		e->emb_scale = sqrtf((float)n_embd);
		if (!(e->gelu16 = ek_gelu_table()))
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		/* like phi3 below, Q is scaled after RoPE and attention's own
		 * scale is 1 (27B: 1/sqrt(n_embd/n_head), llama.cpp's f_attention_scale) */
		e->q_scale = n_layer == 46 ? 1.0f / sqrtf((float)(n_embd / n_head)) : 1.0f / sqrtf((float)hd);
		e->kq_scale = 1.0f;
	} else if (e->arch == ARCH_PHI3) {
		/* phi3's graph scales Q after RoPE and attends with scale 1 */
		e->q_scale = 1.0f / sqrtf((float)hd);
		e->kq_scale = 1.0f;
	} else {
		e->kq_scale = 1.0f / sqrtf((float)hd);
	}
	/* the context decides phi3's rope factors below */
	int n_ctx = opts->n_ctx > 0 ? opts->n_ctx : (in->n_ctx_train < 4096 ? in->n_ctx_train : 4096);
	if (n_ctx > (1 << 20))
		n_ctx = 1 << 20;
	in->n_ctx = n_ctx;
	return 0;
}

/* The weights, mapped in place, and the norms and biases as F32; the
 * parameter and byte counts. */
static int load_tensors(struct kolm_engine *e, const char *path, struct kolm_err *err)
{
	const struct kolm_gguf *g = e->g;
	struct kolm_engine_info *in = &e->info;
	const char *a = in->arch;
	const int64_t n_embd = in->n_embd, n_layer = in->n_layer, n_ff = in->n_ff, n_rot = in->n_rot,
		      hd = in->head_dim;
	int rc;
	const struct kolm_gguf_tensor *te = kolm_gguf_tensor_find(g, "token_embd.weight");
	const struct ek_mlx_tensor *me = mlx_find(e, -1, "token_embd.weight");
	if (!te && !me)
		return kolm_err_set(err, KOLM_E_FORMAT, "'%s': no token_embd.weight", path);
	in->n_vocab = (int)(me ? me->n_out : te->ne[1]);
	if ((rc = load_wt(e, -1, "token_embd.weight", n_embd, in->n_vocab, 0, &e->tok_embd, err)))
		return rc;
	if ((rc = load_wt(e, -1, "output.weight", n_embd, in->n_vocab, 1, &e->output, err)))
		return rc;
	if (!e->output.data)
		e->output = e->tok_embd;
	if ((rc = load_vec(g, -1, "output_norm.weight", n_embd, 0, &e->out_norm, err)))
		return rc;
	if ((rc = load_vec(g, -1, "rope_freqs.weight", n_rot / 2, 1, &e->rope_ff, err)))
		return rc;
	if (!e->rope_ff && e->arch == ARCH_PHI3) {
		/* LongRoPE: llama.cpp takes the long factors when its context
		 * (rounded up to a multiple of 256) exceeds the original one */
		int64_t orig = 0;
		get_int(g, a, "rope.scaling.original_context_length", in->n_ctx_train, &orig);
		const int64_t padded = ((int64_t)in->n_ctx + 255) / 256 * 256;
		const char *which = padded > orig ? "rope_factors_long.weight" : "rope_factors_short.weight";
		if ((rc = load_vec(g, -1, which, n_rot / 2, 1, &e->rope_ff, err)))
			return rc;
	}
	e->L = calloc((size_t)n_layer, sizeof *e->L);
	if (!e->L)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	const int64_t nq = in->n_head * hd, nkv = in->n_head_kv * hd;
	for (int il = 0; il < n_layer; il++) {
		struct layer *l = &e->L[il];
		if ((rc = load_vec(g, il, "attn_norm.weight", n_embd, 0, &l->attn_norm, err)) ||
		    (rc = load_vec(g, il, "ffn_norm.weight", n_embd, 0, &l->ffn_norm, err)) ||
		    (rc = load_vec(g, il, "attn_q.bias", nq, 1, &l->bq, err)) ||
		    (rc = load_vec(g, il, "attn_k.bias", nkv, 1, &l->bk, err)) ||
		    (rc = load_vec(g, il, "attn_v.bias", nkv, 1, &l->bv, err)) ||
		    (rc = load_wt(e, il, "attn_output.weight", nq, n_embd, 0, &l->wo, err)) ||
		    (rc = load_wt(e, il, "ffn_down.weight", n_ff, n_embd, 0, &l->wdown, err)))
			return rc;
		if (e->arch == ARCH_QWEN3 &&
		    ((rc = load_vec(g, il, "attn_q_norm.weight", hd, 0, &l->q_norm, err)) ||
		     (rc = load_vec(g, il, "attn_k_norm.weight", hd, 0, &l->k_norm, err))))
			return rc;
		if (e->arch == ARCH_GEMMA2 &&
		    ((rc = load_vec(g, il, "post_attention_norm.weight", n_embd, 0, &l->post_attn_norm, err)) ||
		     (rc = load_vec(g, il, "post_ffw_norm.weight", n_embd, 0, &l->post_ffw_norm, err))))
			return rc;
		if (tfind(g, il, "attn_qkv.weight") || mlx_find(e, il, "attn_qkv.weight")) {
			if ((rc = load_wt(e, il, "attn_qkv.weight", n_embd, nq + 2 * nkv, 0, &l->wqkv, err)))
				return rc;
		} else if ((rc = load_wt(e, il, "attn_q.weight", n_embd, nq, 0, &l->wq, err)) ||
			   (rc = load_wt(e, il, "attn_k.weight", n_embd, nkv, 0, &l->wk, err)) ||
			   (rc = load_wt(e, il, "attn_v.weight", n_embd, nkv, 0, &l->wv, err)))
			return rc;
		if (tfind(g, il, "ffn_gate.weight") || mlx_find(e, il, "ffn_gate.weight")) {
			if ((rc = load_wt(e, il, "ffn_gate.weight", n_embd, n_ff, 0, &l->wgate, err)) ||
			    (rc = load_wt(e, il, "ffn_up.weight", n_embd, n_ff, 0, &l->wup, err)))
				return rc;
		} else if ((rc = load_wt(e, il, "ffn_up.weight", n_embd, 2 * n_ff, 0, &l->wup, err)))
			return rc;
		l->swa = e->arch == ARCH_GEMMA2 && il % 2 == 0;
	}
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		in->n_params += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
		in->weight_bytes += t->nbytes;
	}
	if (e->mlx) { /* the directory's tensors as stored, not the metadata's F32 copies */
		in->n_params = 0;
		in->weight_bytes = 0;
		ek_mlx_totals(e->mlx, &in->n_params, &in->weight_bytes);
		snprintf(in->format, sizeof in->format, "%s", ek_mlx_format(e->mlx));
	}
	return 0;
}

/* The thread pool, the KV cache and the work buffers. */
static int alloc_buffers(struct kolm_engine *e, int nthreads, struct kolm_err *err)
{
	const struct kolm_engine_info *in = &e->info;
	const int64_t n_embd = in->n_embd, n_ff = in->n_ff, hd = in->head_dim;
	const int64_t nq = in->n_head * hd, nkv = in->n_head_kv * hd;
	const int n_ctx = in->n_ctx;
	if (ek_pool_new(&e->pool, nthreads) != 0)
		return kolm_err_set(err, KOLM_E_IO, "cannot start %d threads", nthreads);
	int fail = 0;
	for (int il = 0; il < in->n_layer; il++) {
		e->L[il].kc = xcalloc((size_t)n_ctx * (size_t)nkv, 2, &fail);
		e->L[il].vc = xcalloc((size_t)n_ctx * (size_t)nkv, 2, &fail);
	}
	const size_t B = B_MAX;
	size_t wide = max_sz((size_t)(nq + 2 * nkv), (size_t)(2 * n_ff));
	wide = max_sz(wide, (size_t)in->n_vocab);
	e->x = xcalloc(B * (size_t)n_embd, 4, &fail);
	e->xn = xcalloc(B * max_sz((size_t)n_embd, (size_t)nq), 4, &fail);
	e->q = xcalloc(B * (size_t)nq, 4, &fail);
	e->k = xcalloc(B * (size_t)nkv, 4, &fail);
	e->v = xcalloc(B * (size_t)nkv, 4, &fail);
	e->att = xcalloc(B * (size_t)nq, 4, &fail);
	e->tmp = xcalloc(B * wide, 4, &fail);
	e->ff1 = xcalloc(B * (size_t)n_ff, 4, &fail);
	e->ff2 = xcalloc(B * (size_t)n_ff, 4, &fail);
	e->cs = xcalloc(B * (size_t)in->n_rot, 4, &fail);
	size_t max_in = max_sz((size_t)n_embd, max_sz((size_t)n_ff, (size_t)nq));
	e->act_cap = B * (max_in * 4 + ACT_PAD);
	e->act = xcalloc(e->act_cap, 1, &fail);
	e->scr_stride = max_sz(max_in, (size_t)n_ctx + (size_t)hd) + 16;
	e->scratch = xcalloc((size_t)nthreads * e->scr_stride, 4, &fail);
	if (!e->exact && kq_tiled_ok(KOLM_T_Q4_K, kq_kernels_simd())) { /* exact mode never tiles */
		e->tws_stride = (kq_tiled_ws_bytes((int64_t)max_in) + 63) / 64 * 64;
		e->tws = xcalloc((size_t)nthreads, e->tws_stride, &fail);
	}
	if (hd % FA_LANES == 0 && n_ctx >= FA_TILE) {
		e->kt_ld = ((int64_t)n_ctx + FA_TILE - 1) / FA_TILE * FA_TILE;
		e->kt = xcalloc((size_t)e->kt_ld * (size_t)nkv, 4, &fail);
	}
	if (fail)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory for a %d-position cache", n_ctx);
	return 0;
}

int kolm_engine_open(struct kolm_engine **out, const char *path, const struct kolm_engine_opts *opts,
		     struct kolm_err *err)
{
	struct kolm_engine_opts dflt = {0};
	if (!opts)
		opts = &dflt;
	struct kolm_engine *e = calloc(1, sizeof *e);
	if (!e)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = ek_mlx_is_dir(path) ? ek_mlx_open(&e->mlx, &e->g, path, B_MAX, err) : kolm_gguf_open(&e->g, path, err);
	if (rc || (rc = read_hparams(e, path, opts, err)) || (rc = load_tensors(e, path, err)))
		goto out;
	/* tokenizer (optional: synthetic benchmark models have none) */
	if (kolm_gguf_kv_find(e->g, "tokenizer.ggml.tokens")) {
		if ((rc = kolm_tokenizer_new(&e->tok, e->g, err)))
			goto out;
	}
	e->simd = !opts->scalar && kq_kernels_simd();
	e->exact = opts->exact != 0;
	e->info.simd = e->simd ? kq_kernels_isa() : "scalar";
	int nthreads = opts->nthreads > 0 ? opts->nthreads : 1;
	if (nthreads > 256)
		nthreads = 256;
	if ((rc = alloc_buffers(e, nthreads, err)))
		goto out;
	*out = e;
	return 0;
out:
	kolm_engine_close(e);
	return rc;
}

void kolm_engine_close(struct kolm_engine *e)
{
	if (!e)
		return;
	ek_pool_free(e->pool);
	if (e->L) {
		for (int il = 0; il < e->info.n_layer; il++) {
			struct layer *l = &e->L[il];
			free(l->attn_norm);
			free(l->ffn_norm);
			free(l->post_attn_norm);
			free(l->post_ffw_norm);
			free(l->q_norm);
			free(l->k_norm);
			free(l->bq);
			free(l->bk);
			free(l->bv);
			free(l->kc);
			free(l->vc);
		}
		free(e->L);
	}
	free(e->out_norm);
	free(e->rope_ff);
	free(e->gelu16);
	free(e->x);
	free(e->xn);
	free(e->q);
	free(e->k);
	free(e->v);
	free(e->att);
	free(e->tmp);
	free(e->ff1);
	free(e->ff2);
	free(e->cs);
	free(e->act);
	free(e->scratch);
	free(e->tws);
	free(e->kt);
	kolm_tokenizer_free(e->tok);
	kolm_gguf_close(e->g);
	ek_mlx_close(e->mlx);
	free(e);
}

const struct kolm_engine_info *kolm_engine_info(const struct kolm_engine *e)
{
	return &e->info;
}

const struct kolm_tokenizer *kolm_engine_tokenizer(const struct kolm_engine *e)
{
	return e->tok;
}

int kolm_engine_pos(const struct kolm_engine *e)
{
	return e->pos;
}

void kolm_engine_seek(struct kolm_engine *e, int pos)
{
	if (pos < 0)
		pos = 0;
	if (pos < e->pos)
		e->pos = pos;
}

/* ---- matrix x batch ----------------------------------------------------- */
struct mm_job {
	struct kolm_engine *e;
	const struct wt *w;
	const uint8_t *xa;      /* activations, nb rows of abytes */
	size_t abytes;
	int nb;
	/* the type's vec_dot, or the order of llama.cpp's kernel for these
	 * rows; NULL: each row dequantized and dotted in F32 */
	kolm_vec_dot_fn dot;
	kq_vec_dot_cols_fn cols; /* a row against 8 activation rows at a time, or NULL */
	kq_vec_dot_cols2_fn cols2; /* the same for two rows at a time, or NULL */
	kq_vec_dot_cols2_fn cols8; /* the same for eight rows at a time, or NULL */
	kq_vec_dot_rows_fn rows; /* decode: 8 rows against the activation row at a time, or NULL */
	int tiled;              /* xa is a kq_tiled panel: 16 rows at a time by kq_tiled_rows */
	float *y;               /* nb rows of ldy */
	int64_t ldy;
	int64_t next;           /* next row chunk to take (atomic) */
	int64_t chunk;          /* rows per chunk */
};

/* rows r0..r1 of the job, on thread ith (its scratch row) */
static void mm_rows(const struct mm_job *j, int ith, int64_t r0, int64_t r1)
{
	const struct wt *w = j->w;
	float *scr = j->e->scratch + (size_t)ith * j->e->scr_stride;
	const int simd = j->e->simd;
	if (!j->dot) {
		for (int64_t r = r0; r < r1; r++) {
			if (kolm_dequantize_row(w->type, w->data + (uint64_t)r * w->row_bytes, scr, w->n_in) != 0)
				memset(scr, 0, (size_t)w->n_in * sizeof *scr);
			for (int b = 0; b < j->nb; b++)
				j->y[b * j->ldy + r] = kq_vec_dot_f32(scr, j->xa + b * j->abytes, w->n_in, simd);
		}
		return;
	}
	if (j->tiled) {
		uint8_t *ws = j->e->tws + (size_t)ith * j->e->tws_stride;
		for (int64_t r = r0; r < r1; r += 16)
			kq_tiled_rows(w->type, w->data + (uint64_t)r * w->row_bytes, w->row_bytes,
				      r1 - r < 16 ? (int)(r1 - r) : 16, j->xa, j->nb, w->n_in, j->y + r, j->ldy, ws, simd);
		return;
	}
	if (j->nb == 1 && j->rows) {
		for (int64_t r = r0; r < r1; r += 8)
			j->rows(w->data + (uint64_t)r * w->row_bytes, w->row_bytes, j->xa, r1 - r < 8 ? (int)(r1 - r) : 8,
				w->n_in, j->y + r, simd);
		return;
	}
	if (j->nb == 1) {
		for (int64_t r = r0; r < r1; r++)
			j->y[r] = j->dot(w->data + (uint64_t)r * w->row_bytes, j->xa, w->n_in, simd);
		return;
	}
	if (j->cols) { /* a row against 8 activation rows at a time, a tile of
			* rows against each group of 8 while both are in cache */
		for (int64_t rt = r0; rt < r1; rt += ROW_TILE) {
			const int64_t re = rt + ROW_TILE < r1 ? rt + ROW_TILE : r1;
			for (int b = 0; b < j->nb; b += 8) {
				const int nc = j->nb - b < 8 ? j->nb - b : 8;
				for (int64_t r = rt; r < re;) {
					float o[64];
					const uint8_t *wr = w->data + (uint64_t)r * w->row_bytes, *xb = j->xa + b * j->abytes;
					const int nr = j->cols8 && r + 7 < re ? 8 : j->cols2 && r + 1 < re ? 2 : 1;
					if (nr == 8)
						j->cols8(wr, w->row_bytes, xb, j->abytes, nc, w->n_in, o, simd);
					else if (nr == 2)
						j->cols2(wr, w->row_bytes, xb, j->abytes, nc, w->n_in, o, simd);
					else
						j->cols(wr, xb, j->abytes, nc, w->n_in, o, simd);
					for (int k = 0; k < nr; k++, r++)
						for (int c = 0; c < nc; c++)
							j->y[(b + c) * j->ldy + r] = o[8 * k + c];
				}
			}
		}
		return;
	}
	for (int64_t rt = r0; rt < r1; rt += ROW_TILE) {
		const int64_t re = rt + ROW_TILE < r1 ? rt + ROW_TILE : r1;
		for (int b = 0; b < j->nb; b++)
			for (int64_t r = rt; r < re; r++)
				j->y[b * j->ldy + r] = j->dot(w->data + (uint64_t)r * w->row_bytes,
							      j->xa + b * j->abytes, w->n_in, simd);
	}
}

/* Rows are taken in chunks from a shared counter, so a thread that the OS
 * holds back (another process on the core) does not hold up the others. */
static void mm_task(void *ctx, int ith, int nth)
{
	struct mm_job *j = ctx;
	(void)nth;
	for (;;) {
		int64_t r0 = __atomic_fetch_add(&j->next, j->chunk, __ATOMIC_RELAXED);
		if (r0 >= j->w->n_out)
			break;
		int64_t r1 = r0 + j->chunk < j->w->n_out ? r0 + j->chunk : j->w->n_out;
		mm_rows(j, ith, r0, r1);
	}
}

/* the activation rows of a matmul put in its weights' vec_dot_type (or,
 * from_float NULL, rounded through F16), rows ith, ith + nth, ... */
struct act_job {
	struct kolm_engine *e;
	const float *x;
	int64_t ldx, n;
	int nb;
	void *out;              /* nb rows of abytes */
	size_t abytes;
	kolm_act_from_float_fn from_float;
	int tiled;              /* out is a kq_tiled panel: bands of 16 rows */
};

static void act_task(void *ctx, int ith, int nth)
{
	const struct act_job *a = ctx;
	if (a->tiled) { /* a band of 16 rows per thread, each through Q8_K */
		uint8_t *q8k = (uint8_t *)(a->e->scratch + (size_t)ith * a->e->scr_stride);
		for (int b0 = 16 * ith; b0 < a->nb; b0 += 16 * nth)
			for (int b = b0; b < b0 + 16; b++) {
				if (b < a->nb)
					a->from_float(a->x + b * a->ldx, q8k, a->n, a->e->simd);
				kq_tiled_pack(b < a->nb ? q8k : NULL, b, a->n, a->out);
			}
		return;
	}
	for (int b = ith; b < a->nb; b += nth) {
		void *out = (uint8_t *)a->out + b * a->abytes;
		if (a->from_float)
			a->from_float(a->x + b * a->ldx, out, a->n, a->e->simd);
		else
			kq_round_f16(a->x + b * a->ldx, out, a->n, a->e->simd);
	}
}

/* y[b][0..n_out) = W x[b] for b < nb; x rows are ldx apart.  n_llama: the
 * rows llama.cpp's matmul has here (its micro-batch, or its outputs).  By
 * default each row takes its type's fastest vec_dot (F16 summed in F32),
 * except that Q4_0 and IQ4_NL keep the order of llama.cpp's repacked x86
 * kernels (below; 8 rows or 8 activation rows at a time, as fast): their
 * activations are re-quantized to Q8_0 at every matmul, so a last-bit
 * difference flips int8 roundings and grows, enough to cost the live
 * comparison's top-1 on random-weight models.  For the same reason a
 * prompt batch (16 rows or more) of Q4_K or Q6_K weights on x86 (AVX-512
 * VNNI, AVX-VNNI or AVX2) takes the tiled kernels (kq_tiled_rows), whose float steps
 * are those of the reference build's prompt kernels for these types (its
 * repacked q4_K_8x8 GEMM; ggml-cpu/tiled for Q6_K).  In exact mode the
 * summation order follows the kernel llama.cpp's x86 AVX512-FP16 build
 * picks:
 * - Q4_0 and IQ4_NL weights with a multiple of 8 rows are repacked
 *   (q4_0_8x8, iq4_nl_8x8), and their gemm and gemv sum block by block;
 * - from 2 rows on, F32/F16 weights go through llamafile's tinyBLAS, which
 *   sums in another order than ggml_vec_dot when k % 16 == 0 and
 *   rows % 4 == 0;
 * - everything else: ggml_vec_dot (tinyBLAS_Q0 sums Q8_0/Q4_0 as it does). */
static void mm_setup(struct kolm_engine *e, const struct wt *w, const float *x, int64_t ldx, int nb, int n_llama,
		     float *y, int64_t ldy, void *abuf, struct mm_job *jp)
{
	struct mm_job j = {.e = e, .w = w, .nb = nb, .y = y, .ldy = ldy};
	const struct kolm_type_traits *tt = kolm_type_traits(w->type);
	const int act = act_type(tt);
	j.dot = tt->vec_dot;
	int f32_acts = 0; /* F16 prompt batch: activations through F16, kept as F32 */
	if (w->type == KOLM_T_Q4_0 && w->n_out % 8 == 0) {
		j.dot = kq_vec_dot_q4_0_x8;
		j.cols = kq_vec_dot_q4_0_x8_cols;
		j.cols2 = kq_vec_dot_q4_0_x8_rows2_cols;
		j.cols8 = kq_vec_dot_q4_0_x8_rows8_cols;
		j.rows = kq_vec_dot_q4_0_x8_rows;
	} else if (w->type == KOLM_T_IQ4_NL && w->n_out % 8 == 0) {
		j.dot = kq_vec_dot_iq4_nl_x8;
		j.cols = kq_vec_dot_iq4_nl_x8_cols;
		j.rows = kq_vec_dot_iq4_nl_x8_rows;
	} else if (w->type == KOLM_T_Q8_0) {
		j.cols = kq_vec_dot_q8_0_cols; /* vec_dot's bits, 8 columns at a time */
		j.cols8 = kq_vec_dot_q8_0_rows8_cols;
		j.rows = kq_vec_dot_q8_0_rows;
	} else if (!e->exact && nb >= 16 && e->tws && kq_tiled_ok(w->type, e->simd) &&
		   kq_tiled_panel_bytes(nb, w->n_in) + 64 <= e->act_cap) {
		j.tiled = 1; /* a prompt batch of K-quant rows as tiles */
	} else if (!e->exact) {
		if (w->type == KOLM_T_Q4_K) { /* AVX-512: 8 columns at a time, same bits as one */
			j.dot = kq_vec_dot_q4_K_fast;
			j.cols = kq_vec_dot_q4_K_cols;
		} else if (w->type == KOLM_T_Q6_K) {
			j.dot = kq_vec_dot_q6_K_fast;
			j.cols = kq_vec_dot_q6_K_cols;
		} else if (w->type == KOLM_T_F16 && nb > 1) {
			j.cols = kq_vec_dot_f16_f32_cols;
			j.cols2 = kq_vec_dot_f16_f32_rows2_cols;
			j.cols8 = kq_vec_dot_f16_f32_rows8_cols;
			f32_acts = 1;
		} else if (w->type == KOLM_T_F16) {
			j.dot = kq_vec_dot_f16_f32;
		}
	} else if (n_llama >= 2 && (w->type == KOLM_T_F32 || w->type == KOLM_T_F16) && w->n_in % 16 == 0 &&
		   w->n_out % 4 == 0) {
		j.dot = w->type == KOLM_T_F32 ? kq_vec_dot_f32_tb : kq_vec_dot_f16_tb;
	}
	/* F32 rows one cache line longer than the row: at a power-of-two width
	 * the 8 rows a kernel streams would share L1 sets with each other and
	 * with the weight rows, and evict each other between row pairs */
	j.abytes = f32_acts ? (size_t)w->n_in * sizeof(float) + ACT_PAD : kolm_type_row_bytes(act, w->n_in);
	if (j.tiled) /* the panel's 64-byte loads on their own lines */
		abuf = (void *)(((uintptr_t)abuf + 63) & ~(uintptr_t)63);
	struct act_job aj = {.e = e, .x = x, .ldx = ldx, .nb = nb, .n = w->n_in, .out = abuf, .abytes = j.abytes,
			     .from_float = f32_acts ? NULL : kolm_type_traits(act)->from_float, .tiled = j.tiled};
	if (nb >= 8) /* a prompt batch: its rows quantized on every thread */
		ek_pool_run(e->pool, act_task, &aj);
	else
		act_task(&aj, 0, 1);
	j.xa = abuf;
	const int nth = ek_pool_threads(e->pool);
	/* ~8 chunks per thread, whole row tiles */
	j.chunk = (w->n_out + 8 * nth - 1) / (8 * nth);
	j.chunk = (j.chunk + ROW_TILE - 1) / ROW_TILE * ROW_TILE;
	if (j.chunk < ROW_TILE)
		j.chunk = ROW_TILE;
	*jp = j;
}

static void matmul(struct kolm_engine *e, const struct wt *w, const float *x, int64_t ldx, int nb, int n_llama,
		   float *y, int64_t ldy)
{
	if (w->aff) {
		ek_mlx_matmul(e->mlx, e->pool, e->simd, w->aff, x, ldx, nb, y, ldy);
		return;
	}
	struct mm_job j;
	mm_setup(e, w, x, ldx, nb, n_llama, y, ldy, e->act, &j);
	ek_pool_run(e->pool, mm_task, &j);
}

struct mm_multi {
	struct mm_job j[3];
	int n;
};

static void mm_multi_task(void *ctx, int ith, int nth)
{
	struct mm_multi *m = ctx;
	for (int k = 0; k < m->n; k++)
		mm_task(&m->j[k], ith, nth);
}

/* y[k] = W[k] x for the n (<= 3) matrices that read the same activations
 * (Q, K and V; gate and up).  A decode step runs them as one task, so the
 * threads meet once instead of n times (each a wait on the slowest thread);
 * every row is still its matrix's own dot.  Prompt batches, whose matmuls
 * are long, and MLX matrices run one by one. */
static void matmul_n(struct kolm_engine *e, int n, const struct wt *const *w, const float *x, int64_t ldx, int nb,
		     int n_llama, float *const *y, const int64_t *ldy)
{
	int fuse = nb < 8 && n <= 3;
	for (int k = 0; k < n && fuse; k++)
		fuse = !w[k]->aff;
	size_t off = 0;
	for (int k = 0; k < n && fuse; k++) /* each matrix's activations, side by side */
		off += (size_t)nb * ((size_t)w[k]->n_in * sizeof(float) + ACT_PAD);
	if (!fuse || off > e->act_cap) {
		for (int k = 0; k < n; k++)
			matmul(e, w[k], x, ldx, nb, n_llama, y[k], ldy[k]);
		return;
	}
	struct mm_multi m = {.n = n};
	off = 0;
	for (int k = 0; k < n; k++) {
		mm_setup(e, w[k], x, ldx, nb, n_llama, y[k], ldy[k], (uint8_t *)e->act + off, &m.j[k]);
		off += (size_t)nb * ((size_t)w[k]->n_in * sizeof(float) + ACT_PAD);
	}
	ek_pool_run(e->pool, mm_multi_task, &m);
}

/* ---- attention -------------------------------------------------------- */
/* llama.cpp runs attention through its CPU flash-attention op (-fa auto is
 * on for CPU), which has two kernels; kolm follows both operation by
 * operation, so the bits match the reference build the goldens come from
 * (AVX-512):
 * - tiled, for micro-batches of at least FA_TILE rows when head_dim is a
 *   multiple of the 16-float AVX-512 vector: the F16 cache widened to F32;
 *   per FA_TILE-cell tile (aligned to cell 0) each score is one fused
 *   multiply-add chain over the head dimension (simd_gemm), the tile's
 *   maximum rescales the F32 accumulator, exp is ggml_v_expf and each 16
 *   probabilities are reduced before a double sum (ggml_vec_soft_max_f32),
 *   and V is accumulated cell after cell;
 * - one-chunk otherwise (decode, short prompts, other head sizes): Q
 *   rounded to F16 for ggml_vec_dot_f16 with K, online softmax per cell
 *   with the C library's expf, the V accumulator kept in F16
 *   (ggml_vec_mad_f16) and the sum updated as fma(S, ms, vs). */

struct att_job {
	struct kolm_engine *e;
	const struct layer *l;
	int pos0, nb, b0, tiled;
};

/* the pre-softmax score of one cell (logit soft-capping as ggml applies it) */
static inline float att_score(const struct kolm_engine *e, float dot)
{
	if (e->attn_softcap > 0)
		return e->attn_softcap * tanhf(dot * (e->kq_scale / e->attn_softcap));
	return dot * e->kq_scale;
}

static void att_one_chunk(const struct kolm_engine *e, const float *q, const uint16_t *kc, const uint16_t *vc,
			  size_t stride, int t0, int t1, int hd, uint16_t *scr, float *o)
{
	uint16_t *q16 = scr, *acc = scr + hd;
	kq_from_float_f16(q, q16, hd, 0);
	memset(acc, 0, (size_t)hd * sizeof *acc);
	float M = -INFINITY, S = 0;
	for (int t = t0; t <= t1; t++) {
		const float s = att_score(e, (e->exact ? kq_vec_dot_f16 : kq_vec_dot_f16_f32)(
						     q16, kc + (size_t)t * stride, hd, e->simd));
		float ms = 1.0f, vs = 1.0f;
		if (s > M) {
			ms = expf(M - s);
			M = s;
			ek_scale_f16(acc, ms, hd, e->simd);
		} else {
			vs = expf(s - M);
		}
		ek_mad_f16(acc, vc + (size_t)t * stride, vs, hd, e->simd);
		S = fmaf(S, ms, vs);
	}
	const float inv = S == 0.0f ? 0.0f : 1.0f / S;
	for (int i = 0; i < hd; i++)
		o[i] = kolm_fp16_to_fp32(acc[i]) * inv;
}

/* kt: this kv head's widened, transposed keys (kt[d * ld + cell]) */
static void att_tiled(const struct kolm_engine *e, const float *q, const float *kt, int64_t ld,
		      const uint16_t *vc, size_t stride, int t0, int t1, int hd, float *p, float *o)
{
	memset(o, 0, (size_t)hd * sizeof *o);
	float M = -INFINITY, S = 0;
	for (int c0 = t0 / FA_TILE * FA_TILE; c0 <= t1; c0 += FA_TILE) {
		const int a = c0 > t0 ? c0 : t0, b = c0 + FA_TILE - 1 < t1 ? c0 + FA_TILE - 1 : t1;
		ek_kq_seq(q, kt + c0, ld, hd, b - c0 + 1, p, e->simd);
		float mx = -INFINITY;
		for (int k = 0; k < FA_TILE; k++) {
			const int t = c0 + k;
			p[k] = t < a || t > b ? -INFINITY : att_score(e, p[k]);
			if (p[k] > mx)
				mx = p[k];
		}
		const float mnew = fmaxf(M, mx);
		if (mnew > M) {
			const float ms = expf(M - mnew);
			for (int i = 0; i < hd; i++)
				o[i] *= ms;
			S *= ms;
		}
		M = mnew;
		S = (float)((double)S + ek_softmax16(p, p, mnew, FA_TILE, e->simd));
		for (int t = a; t <= b; t++)
			ek_axpy_f16(o, vc + (size_t)t * stride, p[t - c0], hd, e->simd);
	}
	const float inv = S == 0.0f ? 0.0f : 1.0f / S;
	for (int i = 0; i < hd; i++)
		o[i] *= inv;
}

static void att_task(void *ctx, int ith, int nth)
{
	const struct att_job *j = ctx;
	struct kolm_engine *e = j->e;
	const struct kolm_engine_info *in = &e->info;
	const int hd = in->head_dim, nh = in->n_head, nkv = in->n_head_kv, grp = nh / nkv;
	const int items = (j->nb - j->b0) * nh;
	const int per = (items + nth - 1) / nth;
	const int i0 = per * ith, i1 = i0 + per < items ? i0 + per : items;
	/* per thread: FA_TILE scores (n_ctx >= FA_TILE whenever tiled), then
	 * hd floats: F16 Q and the F16 accumulator */
	float *sc = e->scratch + (size_t)ith * e->scr_stride;
	float *tail = sc + in->n_ctx;
	const size_t stride = (size_t)nkv * hd;
	for (int it = i0; it < i1; it++) {
		const int b = j->b0 + it / nh, h = it % nh, g = h / grp;
		const int p = j->pos0 + b;
		int t0 = 0;
		if (j->l->swa && e->swa_window > 0 && p - e->swa_window + 1 > 0)
			t0 = p - e->swa_window + 1;
		const float *q = e->q + (size_t)b * nh * hd + (size_t)h * hd;
		float *o = e->att + (size_t)b * nh * hd + (size_t)h * hd;
		const uint16_t *kc = j->l->kc + (size_t)g * hd, *vc = j->l->vc + (size_t)g * hd;
		if (j->tiled)
			att_tiled(e, q, e->kt + (size_t)g * hd * e->kt_ld, e->kt_ld, vc, stride, t0, p, hd, sc, o);
		else
			att_one_chunk(e, q, kc, vc, stride, t0, p, hd, (uint16_t *)(void *)tail, o);
	}
}

struct kt_job {
	struct kolm_engine *e;
	const uint16_t *kc;
	int n_cells;
};

/* kt[(g * hd + d) * ld + cell] = K cache cell's (g, d), for cells < n_cells */
static void kt_task(void *ctx, int ith, int nth)
{
	const struct kt_job *j = ctx;
	const struct kolm_engine *e = j->e;
	const int64_t nk = (int64_t)e->info.n_head_kv * e->info.head_dim;
	for (int64_t r = ith; r < nk; r += nth) {
		float *row = e->kt + r * e->kt_ld;
		for (int c = 0; c < j->n_cells; c++)
			row[c] = kolm_fp16_to_fp32(j->kc[(int64_t)c * nk + r]);
	}
}

/* ---- forward ---------------------------------------------------------- */
static int embed(struct kolm_engine *e, int32_t tok, float *x)
{
	const struct wt *w = &e->tok_embd;
	if (w->aff)
		ek_mlx_row(w->aff, tok, x);
	else if (kolm_dequantize_row(w->type, w->data + (uint64_t)tok * w->row_bytes, x, w->n_in) != 0)
		return -1;
	if (e->emb_scale > 0)
		for (int64_t i = 0; i < w->n_in; i++)
			x[i] *= e->emb_scale;
	return 0;
}

/* ubatch: the size of the llama.cpp micro-batch these tokens would fall in
 * (it picks the attention kernel and how F32/F16 matmuls sum).  Like
 * llama.cpp, the last layer goes on past attention only for the rows whose
 * logits are wanted (all of them, the last one, or none). */
static void forward_batch(struct kolm_engine *e, const int32_t *tok, int nb, int ubatch, float *logits, int all)
{
	const struct kolm_engine_info *in = &e->info;
	const int64_t d = in->n_embd, hd = in->head_dim, nh = in->n_head, nkv = in->n_head_kv, nff = in->n_ff;
	const int64_t nq = nh * hd, nk = nkv * hd;
	const int pos0 = e->pos;
	for (int b = 0; b < nb; b++) {
		embed(e, tok[b], e->x + b * d);
		ek_rope_cache(pos0 + b, in->n_rot, e->rope_base, e->rope_scale, e->rope_mscale, e->rope_ff,
			      e->cs + (size_t)b * in->n_rot);
	}
	for (int il = 0; il < in->n_layer; il++) {
		struct layer *l = &e->L[il];
		/* rows carried past attention, and llama.cpp's row count there */
		const int b0 = il < in->n_layer - 1 || all ? 0 : logits ? nb - 1 : nb;
		const int n_out = il < in->n_layer - 1 || all ? ubatch : nb - b0;
		for (int b = 0; b < nb; b++)
			ek_rmsnorm(e->x + b * d, l->attn_norm, d, e->eps, e->xn + b * d);
		if (l->wqkv.data) {
			matmul(e, &l->wqkv, e->xn, d, nb, ubatch, e->tmp, nq + 2 * nk);
			for (int b = 0; b < nb; b++) {
				const float *r = e->tmp + b * (nq + 2 * nk);
				memcpy(e->q + b * nq, r, (size_t)nq * 4);
				memcpy(e->k + b * nk, r + nq, (size_t)nk * 4);
				memcpy(e->v + b * nk, r + nq + nk, (size_t)nk * 4);
			}
		} else {
			const struct wt *w[3] = {&l->wq, &l->wk, &l->wv};
			float *const y[3] = {e->q, e->k, e->v};
			const int64_t ld[3] = {nq, nk, nk};
			matmul_n(e, 3, w, e->xn, d, nb, ubatch, y, ld);
		}
		for (int b = 0; b < nb; b++) {
			float *q = e->q + b * nq, *k = e->k + b * nk, *v = e->v + b * nk;
			if (l->bq)
				for (int64_t i = 0; i < nq; i++)
					q[i] += l->bq[i];
			if (l->bk)
				for (int64_t i = 0; i < nk; i++)
					k[i] += l->bk[i];
			if (l->bv)
				for (int64_t i = 0; i < nk; i++)
					v[i] += l->bv[i];
			const float *cs = e->cs + (size_t)b * in->n_rot;
			for (int64_t h = 0; h < nh; h++) {
				if (l->q_norm)
					ek_rmsnorm(q + h * hd, l->q_norm, hd, e->eps, q + h * hd);
				ek_rope(q + h * hd, cs, in->n_rot, in->rope_neox);
				if (e->q_scale != 1.0f)
					for (int64_t i = 0; i < hd; i++)
						q[h * hd + i] *= e->q_scale;
			}
			for (int64_t h = 0; h < nkv; h++) {
				if (l->k_norm)
					ek_rmsnorm(k + h * hd, l->k_norm, hd, e->eps, k + h * hd);
				ek_rope(k + h * hd, cs, in->n_rot, in->rope_neox);
			}
			const size_t off = (size_t)(pos0 + b) * (size_t)nk;
			kq_from_float_f16(k, l->kc + off, nk, e->simd);
			kq_from_float_f16(v, l->vc + off, nk, e->simd);
		}
		if (b0 == nb)
			break;
		struct att_job aj = {.e = e, .l = l, .pos0 = pos0, .nb = nb, .b0 = b0,
				     .tiled = ubatch >= FA_TILE && hd % FA_LANES == 0};
		if (aj.tiled) {
			struct kt_job kj = {.e = e, .kc = l->kc, .n_cells = pos0 + nb};
			ek_pool_run(e->pool, kt_task, &kj);
		}
		ek_pool_run(e->pool, att_task, &aj);
		matmul(e, &l->wo, e->att + b0 * nq, nq, nb - b0, ubatch, e->tmp + b0 * d, d);
		for (int b = b0; b < nb; b++) {
			float *o = e->tmp + b * d, *x = e->x + b * d;
			if (l->post_attn_norm)
				ek_rmsnorm(o, l->post_attn_norm, d, e->eps, o);
			for (int64_t i = 0; i < d; i++)
				x[i] += o[i];
			ek_rmsnorm(x, l->ffn_norm, d, e->eps, e->xn + b * d);
		}
		const int nr = nb - b0;
		float *xn = e->xn + b0 * d, *ff1 = e->ff1 + b0 * nff, *ff2 = e->ff2 + b0 * nff;
		if (l->wgate.data) {
			const struct wt *w[2] = {&l->wgate, &l->wup};
			float *const y[2] = {ff1, ff2};
			const int64_t ld[2] = {nff, nff};
			matmul_n(e, 2, w, xn, d, nr, n_out, y, ld);
		} else {
			matmul(e, &l->wup, xn, d, nr, n_out, e->tmp, 2 * nff);
			for (int b = 0; b < nr; b++) {
				memcpy(ff1 + b * nff, e->tmp + b * 2 * nff, (size_t)nff * 4);
				memcpy(ff2 + b * nff, e->tmp + b * 2 * nff + nff, (size_t)nff * 4);
			}
		}
		for (int b = 0; b < nr; b++) {
			float *f1 = ff1 + b * nff;
			const float *f2 = ff2 + b * nff;
			if (e->arch == ARCH_GEMMA2) {
				ek_geglu(e->gelu16, f1, f1, f2, nff);
			} else {
				ek_swiglu(f1, f2, f1, nff, e->simd);
			}
		}
		matmul(e, &l->wdown, ff1, nff, nr, n_out, e->tmp + b0 * d, d);
		for (int b = b0; b < nb; b++) {
			float *o = e->tmp + b * d, *x = e->x + b * d;
			if (l->post_ffw_norm)
				ek_rmsnorm(o, l->post_ffw_norm, d, e->eps, o);
			for (int64_t i = 0; i < d; i++)
				x[i] += o[i];
		}
	}
	e->pos += nb;
	if (!logits)
		return;
	const int first = all ? 0 : nb - 1, cnt = all ? nb : 1;
	for (int b = 0; b < cnt; b++)
		ek_rmsnorm(e->x + (first + b) * d, e->out_norm, d, e->eps, e->xn + b * d);
	/* write straight into the caller's buffer, row by row */
	const int64_t nv = in->n_vocab;
	for (int b0 = 0; b0 < cnt; b0 += B_MAX) {
		int n = cnt - b0 < B_MAX ? cnt - b0 : B_MAX;
		matmul(e, &e->output, e->xn + (size_t)b0 * d, d, n, all ? ubatch : 1, logits + (size_t)b0 * nv, nv);
	}
	if (e->final_softcap > 0)
		for (int64_t i = 0; i < (int64_t)cnt * nv; i++)
			logits[i] = tanhf(logits[i] * (1.0f / e->final_softcap)) * e->final_softcap;
}

int kolm_engine_decode(struct kolm_engine *e, const int32_t *tokens, int n, float *logits, int all,
		       struct kolm_err *err)
{
	if (n <= 0)
		return kolm_err_set(err, KOLM_E_USAGE, "no tokens to decode");
	if (n > e->info.n_ctx - e->pos)
		return kolm_err_set(err, KOLM_E_TOOBIG, "context full: %d + %d tokens exceed %d positions", e->pos, n,
				    e->info.n_ctx);
	for (int i = 0; i < n; i++)
		if (tokens[i] < 0 || tokens[i] >= e->info.n_vocab)
			return kolm_err_set(err, KOLM_E_USAGE, "token id %d is outside the vocabulary (%d)",
					    (int)tokens[i], e->info.n_vocab);
	for (int i = 0; i < n; i += B_MAX) {
		int nb = n - i < B_MAX ? n - i : B_MAX;
		/* llama.cpp's default n_ubatch is 512 (B_MAX divides it) */
		const int u0 = i / 512 * 512, ubatch = n - u0 < 512 ? n - u0 : 512;
		float *lg = NULL;
		if (logits && all)
			lg = logits + (size_t)i * e->info.n_vocab;
		else if (logits && i + nb == n)
			lg = logits;
		forward_batch(e, tokens + i, nb, ubatch, lg, all);
	}
	return 0;
}

/* ---- kernels for tests ------------------------------------------------ */
const char *kolm_engine_simd_name(void)
{
	return kq_kernels_isa();
}

int kolm_engine_dot(int wtype, const void *w, const float *x, int64_t n, int simd, float *out)
{
	if (!kolm_quant_can_dequantize(wtype) || n <= 0 || kolm_type_row_bytes(wtype, n) == 0)
		return KOLM_E_USAGE;
	const struct kolm_type_traits *tt = kolm_type_traits(wtype);
	const int act = act_type(tt);
	const size_t abytes = kolm_type_row_bytes(act, n);
	if (abytes == 0) /* not whole blocks of the activations' type */
		return KOLM_E_USAGE;
	simd = simd && kq_kernels_simd();
	void *xa = malloc(abytes);
	float *scr = malloc((size_t)n * sizeof *scr);
	if (!xa || !scr) {
		free(xa);
		free(scr);
		return KOLM_E_NOMEM;
	}
	kolm_type_traits(act)->from_float(x, xa, n, simd);
	if (tt->vec_dot)
		*out = tt->vec_dot(w, xa, n, simd);
	else
		*out = kolm_dequantize_row(wtype, w, scr, n) == 0 ? kq_vec_dot_f32(scr, xa, n, simd) : NAN;
	free(xa);
	free(scr);
	return 0;
}
