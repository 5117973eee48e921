/*
 * quant.h - ggml block quantizers and dequantizers, bit-identical to
 * llama.cpp's reference code as llama-quantize runs it without an importance
 * matrix (ggml_quantize_chunk -> quantize_<type>(..., imatrix = NULL)).
 *
 * Supported types (enum kolm_ggml_type):
 *   F32, F16, BF16                 plain conversions (fp16/bf16 round to nearest even)
 *   Q4_0, Q4_1, Q5_0, Q5_1, Q8_0   32-element blocks, quantize_row_<t>_ref
 *   Q2_K, Q3_K, Q4_K, Q5_K, Q6_K   256-element super-blocks, quantize_row_<t>_ref
 *                                  (make_qkx2_quants, make_q3_quants, make_qx_quants)
 *   IQ4_NL, IQ4_XS                 kvalues_iq4nl codebook with the best-scale search
 *                                  of quantize_iq4_nl / quantize_iq4_xs (ntry = 7)
 * Dequantization reproduces ggml's dequantize_row_<t> (to_float) bit for bit.
 *
 * Data layout: a row of ne0 elements occupies kolm_type_row_bytes(type, ne0)
 * bytes (little-endian blocks exactly as in ggml-common.h); rows are contiguous.
 * ne0 must be a multiple of the type's block size (32 or 256).
 *
 * Fast paths: Q8_0 and Q4_0 quantize and Q8_0/Q4_0 dequantize have AVX2
 * versions chosen at run time (__builtin_cpu_supports("avx2")) and NEON
 * versions on ARM; they produce exactly the scalar reference's bytes/floats.
 * kolm_quant_force_scalar(1) turns them off (tests, benchmarks).
 *
 * Errors: functions return 0 or a negative enum kolm_status (KOLM_E_USAGE for
 * an unsupported type or a bad row length, KOLM_E_NOMEM, KOLM_E_IO for a
 * thread that failed to start).  They never print.  All functions are
 * thread-safe: no global state besides the read-only dispatch choice.
 */
#ifndef KOLM_QUANT_H
#define KOLM_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* 1 if kolm can quantize F32 rows to `type` (the list above). */
int kolm_quant_can_quantize(int type);
/* 1 if kolm can convert rows of `type` back to F32 (the list above). */
int kolm_quant_can_dequantize(int type);

/* Quantize nrows rows of ne0 floats (src, row-major) into dst, which must
 * hold nrows * kolm_type_row_bytes(type, ne0) bytes. */
int kolm_quantize_rows(int type, const float *src, void *dst, int64_t nrows, int64_t ne0);

/* The same, split over nthreads pthreads by ranges of whole rows.  The
 * output is identical for every thread count (each row is independent).
 * nthreads <= 0 means 1. */
int kolm_quantize_tensor_mt(int type, const float *src, void *dst, int64_t nrows, int64_t ne0,
			    int nthreads);

/* Dequantize one row (or any multiple of the block size) of ne0 elements. */
int kolm_dequantize_row(int type, const void *src, float *dst, int64_t ne0);

/* Convert n elements of F32/F16/BF16 (or any dequantizable type, n a
 * multiple of its block) to F32. */
int kolm_row_to_f32(int src_type, const void *src, float *dst, int64_t n);

/* 1: use only the scalar reference kernels (process-wide; for tests and
 * benchmarks).  0: use SIMD where available (the default). */
void kolm_quant_force_scalar(int on);
/* Name of the active fast path: "avx2", "neon" or "scalar". */
const char *kolm_quant_simd_name(void);

#endif
