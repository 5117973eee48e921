#ifndef KOLM_FORECAST_GALLOC_INTERNAL_H
#define KOLM_FORECAST_GALLOC_INTERNAL_H
/* llama.cpp's compute buffer by the mechanism that sizes it: the graph
 * llama.cpp reserves for one ubatch of prompt over a full cache, placed by a
 * copy of ggml-alloc's rules (galloc.c). */
#include <stdint.h>

struct kolm_galloc_shape {
	int64_t n_embd, n_ff, n_vocab, n_layer;
	int64_t n_head, n_head_kv, head_dim;
	int64_t n_expert, n_expert_used, n_ff_exp; /* 0 experts: dense */
	int64_t n_kv;        /* cache cells the mask spans (the context) */
	int64_t n_kv_swa;    /* sliding-window layers' cells (0: none) */
	int swa_pattern;     /* every swa_pattern-th layer is global (0: all local) */
	int64_t ubatch;      /* tokens in the reserved graph (512) */
	int flash_attn;      /* f16 mask and FLASH_ATTN_EXT, else f32 mask and soft_max */
	int rot_k, rot_v;    /* Hadamard rotation sizes (quantized K / V cache), 0 = none */
	int qk_norm;         /* per-head Q/K RMSNorm (qwen3, gemma3) */
	int fused_qkv;       /* phi3: one QKV matmul, one [2 n_ff] up */
};

/* Bytes of the largest offset ggml-alloc reaches for that graph (the
 * scheduler's compute buffer, without the separate output buffer). */
uint64_t kolm_galloc_compute_bytes(const struct kolm_galloc_shape *s);

#endif
