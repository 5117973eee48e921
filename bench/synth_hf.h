/* synth_hf.h - a synthetic llama-shaped Hugging Face checkpoint for the
 * bench programs: config.json, the stories260K tokenizer (vocab 512, so
 * the weights are almost all transformer layers) and one F16
 * model.safetensors of pseudo-random weights, written tensor by tensor. */
#ifndef KOLM_BENCH_SYNTH_HF_H
#define KOLM_BENCH_SYNTH_HF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "kolm/types.h"

struct synth_t {
	char name[96];
	int64_t rows, cols; /* cols = 0: a vector of `rows` */
};

static int synth_copy(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
	if (!a || !b) {
		if (a)
			fclose(a);
		return -1;
	}
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		fwrite(buf, 1, n, b);
	fclose(a);
	return fclose(b);
}

/* hidden h, layers L, ffn f, heads nh, kv heads nkv; returns total bytes of weights */
static uint64_t synth_hf(const char *dir, const char *fixtures, int64_t h, int L, int64_t f, int nh, int nkv)
{
	const int64_t vocab = 512, hd = h / nh;
	mkdir(dir, 0755);
	char p[4096];
	snprintf(p, sizeof p, "%s/config.json", dir);
	json_t *c = json_pack("{s:s,s:[s],s:I,s:I,s:I,s:i,s:i,s:i,s:f,s:f,s:I,s:b,s:s}", "model_type", "llama", "architectures",
			      "LlamaForCausalLM", "vocab_size", (json_int_t)vocab, "hidden_size", (json_int_t)h,
			      "intermediate_size", (json_int_t)f, "num_hidden_layers", L, "num_attention_heads", nh,
			      "num_key_value_heads", nkv, "rms_norm_eps", 1e-5, "rope_theta", 10000.0,
			      "max_position_embeddings", (json_int_t)2048, "tie_word_embeddings", 0, "torch_dtype", "float16");
	json_dump_file(c, p, JSON_INDENT(1));
	json_decref(c);
	static const char *tok[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json"};
	for (int i = 0; i < 3; i++) {
		char from[4096];
		snprintf(from, sizeof from, "%s/models/stories260K-hf/%s", fixtures, tok[i]);
		snprintf(p, sizeof p, "%s/%s", dir, tok[i]);
		if (synth_copy(from, p))
			return 0;
	}
	int nt = 3 + L * 9;
	struct synth_t *t = calloc((size_t)nt, sizeof *t);
	int k = 0;
	snprintf(t[k].name, sizeof t[k].name, "model.embed_tokens.weight"), t[k].rows = vocab, t[k++].cols = h;
	for (int l = 0; l < L; l++) {
		const struct {
			const char *n;
			int64_t r, c;
		} d[] = {{"input_layernorm.weight", h, 0},	  {"self_attn.q_proj.weight", h, h},
			 {"self_attn.k_proj.weight", nkv * hd, h}, {"self_attn.v_proj.weight", nkv * hd, h},
			 {"self_attn.o_proj.weight", h, h},	  {"post_attention_layernorm.weight", h, 0},
			 {"mlp.gate_proj.weight", f, h},	  {"mlp.up_proj.weight", f, h},
			 {"mlp.down_proj.weight", h, f}};
		for (int i = 0; i < 9; i++) {
			snprintf(t[k].name, sizeof t[k].name, "model.layers.%d.%s", l, d[i].n);
			t[k].rows = d[i].r;
			t[k++].cols = d[i].c;
		}
	}
	snprintf(t[k].name, sizeof t[k].name, "model.norm.weight"), t[k].rows = h, t[k++].cols = 0;
	snprintf(t[k].name, sizeof t[k].name, "lm_head.weight"), t[k].rows = vocab, t[k++].cols = h;
	json_t *hdr = json_object();
	uint64_t off = 0;
	for (int i = 0; i < k; i++) {
		uint64_t n = (uint64_t)t[i].rows * (uint64_t)(t[i].cols ? t[i].cols : 1) * 2;
		json_t *shape = t[i].cols ? json_pack("[I,I]", (json_int_t)t[i].rows, (json_int_t)t[i].cols)
					  : json_pack("[I]", (json_int_t)t[i].rows);
		json_object_set_new(hdr, t[i].name, json_pack("{s:s,s:o,s:[I,I]}", "dtype", "F16", "shape", shape,
							      "data_offsets", (json_int_t)off, (json_int_t)(off + n)));
		off += n;
	}
	char *hs = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(hdr);
	size_t hl = strlen(hs), pad = (8 - hl % 8) % 8;
	snprintf(p, sizeof p, "%s/model.safetensors", dir);
	FILE *fp = fopen(p, "wb");
	uint64_t n8 = hl + pad;
	fwrite(&n8, 8, 1, fp);
	fwrite(hs, 1, hl, fp);
	fwrite("        ", 1, pad, fp);
	free(hs);
	/* weights ~ N(0, 0.02)-ish from a xorshift, written in 8 MB blocks */
	enum { BLK = 4 << 20 };
	uint16_t *buf = malloc(BLK * sizeof *buf);
	uint64_t s = 0x9E3779B97F4A7C15ull, left = off;
	while (left) {
		size_t n = left / 2 > BLK ? BLK : (size_t)(left / 2);
		for (size_t i = 0; i < n; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			float x = ((float)(s >> 40) / (float)(1u << 24) - 0.5f) * 0.07f;
			buf[i] = kolm_fp32_to_fp16(x);
		}
		fwrite(buf, 2, n, fp);
		left -= (uint64_t)n * 2;
	}
	free(buf);
	free(t);
	fclose(fp);
	return off;
}

#endif
