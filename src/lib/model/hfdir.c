/* hfdir.c - HF checkpoint names -> GGUF names and transforms (hfdir.h). */
#include "kolm/hfdir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kolm/model.h"
#include "kolm/safetensors.h"
#include "kolm/types.h"
#include "kolm/util.h"
#include "model_internal.h"

static int starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

void kolm_hf_unpermute_rows(const uint8_t *src, uint8_t *dst, int64_t rows, uint64_t row_bytes, int64_t n_head)
{
	int64_t hd = rows / n_head, half = hd / 2;
	for (int64_t h = 0; h < n_head; h++)
		for (int64_t i = 0; i < half; i++)
			for (int64_t j = 0; j < 2; j++)
				memcpy(dst + (uint64_t)(h * hd + 2 * i + j) * row_bytes,
				       src + (uint64_t)(h * hd + j * half + i) * row_bytes, row_bytes);
}

/* "x.scales" / "x.biases" beside a packed uint32 "x.weight": mlx-lm's
 * affine group quantization */
static int mlx_companion(const struct kolm_safetensors *st, const char *name)
{
	size_t L = strlen(name);
	char w[600];
	if (L < 7 || L >= sizeof w || (strcmp(name + L - 7, ".scales") && strcmp(name + L - 7, ".biases")))
		return 0;
	snprintf(w, sizeof w, "%.*s.weight", (int)(L - 7), name);
	const struct kolm_st_tensor *t = kolm_safetensors_find(st, w);
	return t && t->dtype == KOLM_ST_U32;
}

/* One HF layer-local suffix -> GGUF suffix. */
static const char *layer_name(const char *suffix, int gemma, int *transform, int *which_qk)
{
	static const struct { const char *hf, *gguf; } tab[] = {
		{"input_layernorm.weight", "attn_norm.weight"},
		{"self_attn.q_proj.weight", "attn_q.weight"}, {"self_attn.q_proj.bias", "attn_q.bias"},
		{"self_attn.k_proj.weight", "attn_k.weight"}, {"self_attn.k_proj.bias", "attn_k.bias"},
		{"self_attn.v_proj.weight", "attn_v.weight"}, {"self_attn.v_proj.bias", "attn_v.bias"},
		{"self_attn.o_proj.weight", "attn_output.weight"}, {"self_attn.qkv_proj.weight", "attn_qkv.weight"},
		{"self_attn.q_norm.weight", "attn_q_norm.weight"}, {"self_attn.k_norm.weight", "attn_k_norm.weight"},
		{"mlp.gate_proj.weight", "ffn_gate.weight"}, {"mlp.up_proj.weight", "ffn_up.weight"},
		{"mlp.down_proj.weight", "ffn_down.weight"}, {"mlp.gate_up_proj.weight", "ffn_up.weight"},
		{"pre_feedforward_layernorm.weight", "ffn_norm.weight"},
		{"post_feedforward_layernorm.weight", "post_ffw_norm.weight"},
	};
	*transform = KOLM_HF_IDENTITY;
	*which_qk = 0;
	if (!strcmp(suffix, "post_attention_layernorm.weight"))
		return gemma ? "post_attention_norm.weight" : "ffn_norm.weight";
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (!strcmp(suffix, tab[i].hf)) {
			if (!strcmp(tab[i].gguf, "attn_q.weight"))
				*which_qk = 1;
			if (!strcmp(tab[i].gguf, "attn_k.weight"))
				*which_qk = 2;
			return tab[i].gguf;
		}
	}
	return NULL;
}

int kolm_hfdir_map(const struct kolm_safetensors *st, const struct kolm_hparams *hp, struct kolm_hf_map **out,
		   int64_t *n_out, struct kolm_err *err)
{
	int64_t n = kolm_safetensors_count(st);
	struct kolm_hf_map *mp = calloc((size_t)(n ? n : 1), sizeof *mp);
	if (!mp)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int gemma = !strncmp(hp->arch, "gemma", 5);
	/* llama.cpp permutes q/k only for the LLAMA architecture (rope NORM) */
	int permute = !strcmp(hp->arch, "llama");
	int64_t k = 0;
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_st_tensor *t = kolm_safetensors_at(st, i);
		struct kolm_hf_map *m = &mp[k];
		const char *name = t->name;
		m->src = t;
		m->layer = -1;
		m->transform = KOLM_HF_IDENTITY;
		if (starts(name, "language_model."))
			name += strlen("language_model.");
		if (mlx_companion(st, t->name))
			continue; /* an MLX weight's scales and biases go with its packed rows */
		if (!strcmp(name, "model.embed_tokens.weight")) {
			strcpy(m->gguf, "token_embd.weight");
		} else if (!strcmp(name, "model.norm.weight")) {
			strcpy(m->gguf, "output_norm.weight");
			if (gemma)
				m->transform = KOLM_HF_ADD_ONE;
		} else if (!strcmp(name, "lm_head.weight")) {
			if (hp->tied)
				continue; /* a tied checkpoint may still carry a copy: llama.cpp drops it */
			strcpy(m->gguf, "output.weight");
		} else if (starts(name, "model.layers.")) {
			char *end;
			long layer = strtol(name + 13, &end, 10);
			if (end == name + 13 || *end != '.' || layer < 0 || layer >= hp->n_layer) {
				free(mp);
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: layer index out of range", t->name);
			}
			int tr, qk;
			const char *g = layer_name(end + 1, gemma, &tr, &qk);
			if (!g) {
				free(mp);
				return kolm_err_set(err, KOLM_E_FORMAT, "%s: no GGUF name for this tensor (architecture %s)",
						    t->name, hp->arch);
			}
			snprintf(m->gguf, sizeof m->gguf, "blk.%ld.%s", layer, g);
			m->layer = (int)layer;
			if (gemma && strstr(g, "norm.weight"))
				m->transform = KOLM_HF_ADD_ONE;
			if (permute && qk) {
				m->transform = KOLM_HF_UNPERMUTE;
				m->n_head = qk == 1 ? hp->n_head : hp->n_head_kv;
			}
		} else if (strstr(name, "rotary_emb.inv_freq")) {
			continue; /* recomputed, not stored in GGUF */
		} else {
			free(mp);
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: no GGUF name for this tensor", t->name);
		}
		if (t->n_dims < 1 || t->n_dims > 4) {
			free(mp);
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: %d dimensions", t->name, t->n_dims);
		}
		m->n_dims = t->n_dims;
		for (int d = 0; d < 4; d++)
			m->ne[d] = d < t->n_dims ? t->shape[t->n_dims - 1 - d] : 1;
		if (m->transform == KOLM_HF_UNPERMUTE && (m->n_head <= 0 || m->ne[1] % (2 * m->n_head))) {
			long long rows = (long long)m->ne[1], heads = (long long)m->n_head;
			free(mp);
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: %lld rows do not split into %lld heads", t->name, rows,
					    heads);
		}
		k++;
	}
	*out = mp;
	*n_out = k;
	return KOLM_OK;
}

int kolm_model_use_checkpoint(struct kolm_model *m, const char *dir, struct kolm_err *err)
{
	struct kolm_files f = {dir, NULL, 0, dir};
	return kolm_model_use_checkpoint_files(m, &f, err);
}

int kolm_model_use_checkpoint_files(struct kolm_model *m, const struct kolm_files *f, struct kolm_err *err)
{
	struct kolm_safetensors *st;
	int rc = kolm_safetensors_open_files(&st, f, err);
	if (rc)
		return rc;
	struct kolm_hf_map *mp;
	int64_t n;
	rc = kolm_hfdir_map(st, &m->hp, &mp, &n, err);
	if (rc) {
		kolm_safetensors_close(st);
		return rc;
	}
	struct kolm_model fresh = *m;
	fresh.tensors = NULL;
	fresh.n_tensors = 0;
	for (int64_t i = 0; i < n && !rc; i++) {
		int type = kolm_st_dtype_ggml(mp[i].src->dtype);
		if (type != KOLM_T_F32 && type != KOLM_T_F16 && type != KOLM_T_BF16)
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: dtype %s (kolm reads F32, F16 and BF16 checkpoints)",
					  mp[i].src->name, kolm_st_dtype_name(mp[i].src->dtype));
		else if (kolm_model_add_tensor(&fresh, mp[i].gguf, type, mp[i].layer, mp[i].n_dims, mp[i].ne[0],
					       mp[i].ne[1], mp[i].ne[2]))
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	/* llama-3 rope scaling: the converter adds rope_freqs */
	if (!rc && m->hp.rope_freqs &&
	    kolm_model_add_tensor(&fresh, "rope_freqs.weight", KOLM_T_F32, -1, 1, m->hp.head_dim / 2, 1, 1))
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	free(mp);
	kolm_safetensors_close(st);
	if (rc) {
		kolm_model_release(&fresh);
		return rc;
	}
	kolm_model_release(m);
	*m = fresh;
	return KOLM_OK;
}

static int has_config(const char *dir)
{
	char p[4200];
	struct stat st;
	if (snprintf(p, sizeof p, "%s/config.json", dir) >= (int)sizeof p)
		return 0;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The hub cache directory huggingface_hub uses (constants.py: HF_HUB_CACHE,
 * HF_HOME, XDG_CACHE_HOME, ~/.cache). */
static int hub_cache(char *out, size_t cap)
{
	const char *e;
	int n;
	if ((e = getenv("HF_HUB_CACHE")) && *e)
		n = snprintf(out, cap, "%s", e);
	else if ((e = getenv("HF_HOME")) && *e)
		n = snprintf(out, cap, "%s/hub", e);
	else if ((e = getenv("XDG_CACHE_HOME")) && *e)
		n = snprintf(out, cap, "%s/huggingface/hub", e);
	else if ((e = getenv("HOME")) && *e)
		n = snprintf(out, cap, "%s/.cache/huggingface/hub", e);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int kolm_hfdir_find(const char *repo, const char *local_dir, char *out, size_t cap)
{
	if (!cap)
		return -1;
	out[0] = '\0';
	if (local_dir && *local_dir && has_config(local_dir))
		return kolm_strlcpy(out, local_dir, cap);
	char hub[2048], snap[4096], rev[128] = "";
	const char *slash = repo ? strchr(repo, '/') : NULL;
	if (!slash || strchr(slash + 1, '/') || strstr(repo, "..") || hub_cache(hub, sizeof hub))
		return -1;
	if (snprintf(snap, sizeof snap, "%s/models--%.*s--%s", hub, (int)(slash - repo), repo, slash + 1) >=
	    (int)sizeof snap)
		return -1;
	char refs[4200];
	if (snprintf(refs, sizeof refs, "%s/refs/main", snap) >= (int)sizeof refs)
		return -1;
	FILE *fp = fopen(refs, "r");
	if (fp) {
		if (!fgets(rev, sizeof rev, fp))
			rev[0] = '\0';
		fclose(fp);
		rev[strcspn(rev, " \r\n")] = '\0';
		if (strchr(rev, '/') || !strcmp(rev, "..") || !strcmp(rev, "."))
			rev[0] = '\0';
	}
	kolm_strlcpy(refs, snap, sizeof refs);
	if (!rev[0]) {
		/* no refs/main: the only snapshot there is */
		char dir[4300];
		if (snprintf(dir, sizeof dir, "%s/snapshots", refs) >= (int)sizeof dir)
			return -1;
		DIR *d = opendir(dir);
		int n = 0;
		for (struct dirent *de; d && (de = readdir(d));) {
			if (de->d_name[0] == '.')
				continue;
			n++;
			kolm_strlcpy(rev, de->d_name, sizeof rev);
		}
		if (d)
			closedir(d);
		if (n != 1)
			rev[0] = '\0';
	}
	int w = snprintf(out, cap, "%s/snapshots/%s", refs, rev[0] ? rev : "REV");
	if (w < 0 || (size_t)w >= cap)
		return -1;
	return rev[0] && has_config(out) ? 0 : -1;
}
