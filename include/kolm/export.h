/*
 * export.h - native GGUF export: a .kolm artifact or a Hugging Face
 * directory (safetensors F32/F16/BF16, sharded or not) -> one GGUF file,
 * converted and quantized in C the way convert_hf_to_gguf.py + llama-quantize
 * would, stamped with the kolm.* metadata (docs/ARTIFACT.md), written
 * atomically, with a receipt JSON beside it.
 *
 * Pipeline per tensor, in output order: read the HF tensor(s) (mmap) ->
 * F32 -> transform (q/k un-permutation for llama-family rotate-half
 * checkpoints, fused or stacked tensors) -> quantize to the type
 * kolm_quantplan chose (N worker threads over rows) -> write.  Peak memory
 * stays near one tensor's F32 copy plus its output, whatever the model size.
 *
 * The library never prints: progress goes to an optional callback.
 */
#ifndef KOLM_EXPORT_H
#define KOLM_EXPORT_H

#include <stdint.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_tensor_override;
typedef struct json_t json_t;

struct kolm_export_progress {
	int64_t tensor;            /* index of the tensor being written (0-based) */
	int64_t n_tensors;
	const char *name;          /* its GGUF name */
	uint64_t in_done, in_total;/* source bytes processed / total */
	double seconds;            /* since the export started */
};

struct kolm_export_opts {
	const char *artifact;      /* .kolm path, or NULL */
	const char *hf_dir;        /* a Hugging Face directory (--from-dir), or NULL */
	const char *format;        /* gguf format id or tier ("q4_k_m", "int4", "f32") */
	const char *out_path;      /* the output .gguf */
	int threads;               /* worker threads (0 = online CPUs) */
	const struct kolm_tensor_override *overrides;
	int n_overrides;
	double min_k;              /* compile gate override (< 0: the manifest's gate) */
	int no_measure;            /* 1: do not measure the export's K on the artifact's eval pack */
	int no_receipt;            /* 1: no receipt file beside the output (*receipt is still filled) */
	/* GGUF from an artifact: the Ed25519 private key the artifact is signed
	 * with; the receipt is then signed with it and embedded in the GGUF
	 * (kolm.export_signer, kolm.export_signature; docs/ARTIFACT.md), so
	 * kolm verify --pubkey can bind the export without re-deriving it */
	const char *sign_key;
	int64_t chunk_elems;       /* rows are processed in chunks of about this many elements (0 = 16 Mi) */
	int group_size;            /* MLX: the affine group size (0 = the format's, 64) */
	void (*progress)(void *user, const struct kolm_export_progress *p);
	void *progress_user;
};

/* On success *receipt (new reference, may be NULL if not wanted) holds the
 * receipt also written to "<out_path>.receipt.json".  KOLM_E_NO when the
 * compile gate refuses the artifact's K-score. */
int kolm_export_gguf(struct kolm_ctx *ctx, const struct kolm_export_opts *o, json_t **receipt,
		     struct kolm_err *err);

/* The native MLX export (export_mlx.c): out_path becomes the directory
 * mlx_lm.convert writes for the same checkpoint, format (an mlx-* id or a
 * tier) and group size: config.json with mlx-lm's "quantization" block,
 * model.safetensors (packed uint32 weights, scales and biases per group in
 * the model's dtype; sharded above 5 GiB as mlx-lm does) with its index,
 * the tokenizer files copied, and kolm.json, the manifest stamp with every
 * file's sha256; from a .kolm, the export's own K-score measured by kolm's
 * engine on the written weights (dequantized from the stored scales and
 * biases) unless no_measure.  Built in "<out>.kolm-tmp.<pid>" and renamed into place;
 * an existing non-empty out_path is refused.  The receipt is written
 * beside it as "<out_path>.receipt.json". */
int kolm_export_mlx(struct kolm_ctx *ctx, const struct kolm_export_opts *o, json_t **receipt,
		    struct kolm_err *err);

/* What kolm_export_mlx would write for the same options, computed from the
 * source's tensor list and files without converting anything: the
 * directory's total bytes (every file in it), the tensor data bytes (the
 * index's total_size), tensors written, shards, tensors quantized. */
struct kolm_mlx_plan {
	uint64_t dir_bytes, tensor_bytes;
	int n_tensors, n_shards, n_quantized;
	int k_digits;   /* 1: kolm.json will hold a measured K whose digits are not known yet (counted as "1.0") */
};
int kolm_export_mlx_plan(struct kolm_ctx *ctx, const struct kolm_export_opts *o, struct kolm_mlx_plan *plan,
			 struct kolm_err *err);

/* An export by an upstream toolchain (ONNX, Core ML, TensorRT-LLM) from a
 * .kolm (export_upstream.c).  kolm_upstream_open checks the artifact as the
 * native exports do (integrity, the compile gate; with sign_key, that the
 * key signed it: KOLM_E_NO otherwise) and unpacks the members kolm.json
 * lists, but the eval pack, into a private temporary directory
 * (kolm_upstream_dir: $TMPDIR/kolm-<uid>/kolm-export-ckpt-<pid>-XXXXXX),
 * each hash-checked as it is written; the caller runs the upstream commands
 * on that directory (kolm_cmd_vars.ckpt_dir, kolm_toolchain_export), then
 * kolm_upstream_seal adds "tool", the artifact's "manifest_sha256" and
 * "base" (u NULL: a --from-dir export, bound to no .kolm) and with the key
 * the "signature" over its statement (dir_receipt_internal.h) to the
 * toolchain's receipt and writes it atomically as "<out_path>.receipt.json";
 * kolm_upstream_close removes the directory (call it on every path). */
struct kolm_upstream;
int kolm_upstream_open(struct kolm_upstream **u, const char *artifact, const char *sign_key, struct kolm_err *err);
const char *kolm_upstream_dir(const struct kolm_upstream *u);
int kolm_upstream_seal(struct kolm_upstream *u, json_t *receipt, const char *out_path, struct kolm_err *err);
void kolm_upstream_close(struct kolm_upstream *u);

#endif
