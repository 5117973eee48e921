/*
 * estimate.h - the physics under a forecast, for one model x format:
 * exact file size, bytes read per decoded token, KV-cache bytes, active
 * parameters.  kolm_forecast (forecast.h) builds on these; the calibration
 * fit (calib.h) uses them to turn each published measurement into an
 * efficiency.
 *
 *   file bytes      = align(meta + tensor infos, 32) + sum align(nbytes_i, 32)
 *   weights/token   = sum bytes of matrices read per token: every 2-D weight
 *                     except token_embd (one row) -- unless tied, when the
 *                     table is read in full as the output layer; MoE expert
 *                     tensors count n_expert_used / n_expert of their bytes
 *   kv bytes        = 2 * sum_layers min(n_ctx, window_l) * Hkv * hd * kv_type_bytes
 *   flops/token     = 2 * active params (+ attention 4 * n_layer * n_ctx * H * hd)
 */
#ifndef KOLM_ESTIMATE_H
#define KOLM_ESTIMATE_H

#include <stdint.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_model;
struct kolm_format;
struct kolm_tensor_override;

struct kolm_estimate {
	uint64_t file_bytes;        /* whole file */
	uint64_t tensor_bytes;      /* data section: aligned start to EOF, padding included */
	uint64_t header_bytes;      /* everything before the data section */
	uint64_t weights_read_bytes;/* bytes read per decoded token (weights only) */
	int64_t params;             /* all parameters */
	int64_t active_params;      /* parameters used per token (MoE: active experts) */
	int64_t output_params;      /* the output projection's (output.weight, or token_embd when
				       tied): a prompt computes it for its last token only */
	uint64_t output_bytes;      /* its bytes */
	double bpw;                 /* bits per weight over all tensor data */
	int type_count[64];         /* tensors per ggml type (index = enum kolm_ggml_type) */
	uint64_t type_bytes[64];    /* bytes per ggml type */
	int n_layers_gpu_split;     /* unused here (offload lives in forecast) */
	uint64_t layer_bytes;       /* bytes of one repeating block (max over layers) */
	uint64_t nonlayer_bytes;    /* token_embd + output + norms */
	int meta_exact;             /* header size read from a file */
};

/* types: per-tensor ggml types chosen for the format (kolm_quantplan for
 * gguf; for other backends the estimator derives them). */
int kolm_estimate_model(struct kolm_ctx *ctx, const struct kolm_model *m, const struct kolm_format *f,
			const struct kolm_tensor_override *ov, int n_ov, struct kolm_estimate *out,
			struct kolm_err *err);

/* FLOPs per token of an n_prompt-token prompt from an empty cache, as
 * llama.cpp runs it (llama-bench pp512, a chat turn): 2 x the active
 * parameters' multiply-adds, except the output projection, which only the
 * last token computes; plus attention, 4 x head_dim x query heads per
 * layer for each earlier position attended (QK^T and the weighted sum of V),
 * a sliding-window layer attending at most its window. */
enum { KOLM_PP_TOKENS = 512 }; /* the prompt a prefill rate is quoted at (llama-bench pp512) */
double kolm_estimate_prompt_flops(const struct kolm_model *m, const struct kolm_estimate *e, int64_t n_prompt);

/* KV-cache bytes for n_ctx positions at kv type "f16" | "q8_0" | "q4_0" | "f32". */
uint64_t kolm_estimate_kv_bytes(const struct kolm_model *m, int64_t n_ctx, const char *kv_type);

/* llama.cpp's compute buffer for n_ctx positions at kv_type (one 512-token
 * ubatch placed by ggml-alloc's rules; flash_attn: the runtime's default
 * attention) plus its output buffer. */
uint64_t kolm_estimate_compute_buffer(const struct kolm_model *m, int64_t n_ctx, const char *kv_type, int flash_attn);

/* The same for a GGUF as it is (the stored types, the file's own header
 * and size): kolm plan --model x.gguf without --quant. */
int kolm_estimate_stored(const struct kolm_model *m, struct kolm_estimate *out, struct kolm_err *err);

/* Convenience for calibration: catalog base x format id -> estimate. */
int kolm_estimate_base(struct kolm_ctx *ctx, const char *base_id, const char *format_id,
		       struct kolm_estimate *out, struct kolm_err *err);

#endif
