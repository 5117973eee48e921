/*
 * quantize.h - re-quantize a GGUF file the way llama-quantize does (no
 * importance matrix), so that the output is byte-identical to llama.cpp's:
 *
 *   - per-tensor types from kolm_quantplan() (llama.cpp's rules, overrides,
 *     row-length fallbacks);
 *   - tensors written in llama.cpp's weights_map order: names without a
 *     "blk.N." prefix first, then by block number, each group sorted by
 *     name (strcmp) - e.g. output.weight, output_norm.weight,
 *     token_embd.weight, blk.0.attn_k.weight, blk.0.attn_norm.weight, ...;
 *   - metadata copied in order, except that general.quantization_version
 *     (= 2, u32) and then general.file_type (= the llama_ftype, u32) are
 *     moved to / appended at the end, and split.* keys are dropped;
 *   - a tensor whose type does not change is copied byte for byte; F32 /
 *     F16 / BF16 sources are converted to F32 and quantized with
 *     kolm_quantize_tensor_mt (identical for any thread count); an already
 *     quantized tensor that needs a new type is refused unless
 *     allow_requantize is set, then it is dequantized first.
 *
 * The input is read through the mmap'ed GGUF reader and the output streamed
 * tensor by tensor through the GGUF writer (temp file + fsync + rename), so
 * memory stays at one tensor-chunk of F32 plus its quantized bytes.
 */
#ifndef KOLM_QUANTIZE_H
#define KOLM_QUANTIZE_H

#include <stdint.h>

#include "kolm/err.h"
#include "kolm/quantplan.h"

struct kolm_quantize_opts {
	int ftype;                                /* llama_ftype (enum kolm_ftype) */
	int nthreads;                             /* <= 0: 1 */
	int allow_requantize;                     /* accept quantized input tensors */
	const struct kolm_tensor_override *ov;    /* --tensor-type NAME=TYPE, in order */
	int n_ov;
	/* Called after each tensor is written (may be NULL): index in output
	 * order, count, name, source type, output type, source/output bytes. */
	void (*progress)(void *ud, int64_t i, int64_t n, const char *name, const int64_t ne[4],
			 int src_type, int dst_type, uint64_t src_bytes, uint64_t dst_bytes);
	void *ud;
};

struct kolm_quantize_stats {
	int64_t n_tensors;
	int64_t n_quantized;       /* tensors whose type changed */
	uint64_t src_tensor_bytes; /* sum of unpadded input tensor sizes */
	uint64_t dst_tensor_bytes; /* sum of unpadded output tensor sizes */
	uint64_t file_bytes;       /* size of the output file */
	char data_sha256[65];      /* SHA-256 hex of the output data section */
};

/* Quantize GGUF `in` to `out` (written atomically).  Errors: KOLM_E_USAGE
 * (unknown ftype, unsupported target type), KOLM_E_FORMAT (bad input, a row
 * length no type fits, quantized input without allow_requantize),
 * KOLM_E_IO, KOLM_E_NOMEM.  st may be NULL. */
int kolm_quantize_file(const char *in, const char *out, const struct kolm_quantize_opts *o,
		       struct kolm_quantize_stats *st, struct kolm_err *err);

#endif
