/* kernels_internal.h - the row kernels of every weight type (kernels.c
 * picks, per call, the scalar reference in kernels_ref.c or this machine's
 * SIMD version in kernels_x86.c / kernels_arm.c): what ggml-cpu keeps in
 * quants.c and its traits table, and the engine's matmul calls.
 *
 * A weight row is dotted against an activation vector that was first put
 * into the form ggml's CPU backend uses for that weight type (its
 * vec_dot_type), so rounding follows llama.cpp:
 *   F32 weights          F32 activations
 *   F16 / BF16 weights   activations rounded to F16 / BF16
 *   Q4_0 Q5_0 Q8_0 IQ4_NL activations quantized to Q8_0 (34-byte blocks)
 *   Q4_1 Q5_1            activations quantized to Q8_1 (36-byte blocks: d, s=d*sum, qs)
 *   Q2_K..Q6_K IQ4_XS    activations quantized to Q8_K (292-byte blocks of 256:
 *                        f32 d, qs, and the sum of every 16 qs)
 *   anything else        no kernel: the caller dequantizes the row and dots in F32
 * Every kernel has a scalar reference; the AVX2 and AVX-512 (chosen at run
 * time) and NEON versions compute the same integer sums, and the F32, F16, Q8_0 and Q4_0
 * dots (and Q4_0 / IQ4_NL in the repacked kernels' order) also the same
 * float steps, so they give the same bits; the others differ only in float
 * summation order (tests/simd/check_kernels.c).
 *
 * The type traits table (kolm/types.h, types.c) points at these as each
 * type's from_float and vec_dot; the engine's matmul also takes the other
 * orders below.  Every function takes `simd` last: 1 for the SIMD kernel
 * (only when kq_kernels_simd() says this machine has them), 0 for the
 * scalar reference.  Not kolm/types.h here: its table points at this file. */
#ifndef KOLM_KERNELS_INTERNAL_H
#define KOLM_KERNELS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* 1 if this machine's SIMD kernels can run: AVX2+FMA+F16C (checked at run
 * time) on x86-64, NEON on AArch64; kq_kernels_isa() says which ("avx2",
 * "neon" or "scalar"). */
int kq_kernels_simd(void);
const char *kq_kernels_isa(void);
/* 1 if, on top of that, the CPU has AVX-512 F, BW, VL and VNNI (x86-64;
 * the kernels that have an AVX-512 version then take it); kq_kernels_isa()
 * then says "avx512" */
int kq_kernels_avx512(void);
/* tests: 1 turns the AVX-512 kernels off (kq_kernels_avx512() says 0), so
 * an AVX-512 machine checks the AVX2 ones a machine without it runs; 0 on */
void kq_kernels_avx512_off(int off);

/* from_float: n floats (a multiple of the block) put into the form of a
 * vec_dot_type as ggml's CPU backend makes it (Q8_0 and Q8_1 round ties to
 * even as its x86 quantize_row_q8_0 does, unlike quantize_row_q8_0_ref) */
void kq_from_float_f32(const float *x, void *y, int64_t n, int simd);
void kq_from_float_f16(const float *x, void *y, int64_t n, int simd);
void kq_from_float_bf16(const float *x, void *y, int64_t n, int simd);
void kq_from_float_q8_0(const float *x, void *y, int64_t n, int simd);
void kq_from_float_q8_1(const float *x, void *y, int64_t n, int simd);
void kq_from_float_q8_K(const float *x, void *y, int64_t n, int simd);

/* vec_dot: one weight row vx (n elements) dotted with activations vy in the
 * weight type's vec_dot_type */
float kq_vec_dot_f32(const void *vx, const void *vy, int64_t n, int simd);
/* ggml_vec_dot_f16 in F16 arithmetic (kernels_ref_internal.h) */
float kq_vec_dot_f16(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_bf16(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q4_0(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q4_1(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q5_0(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q5_1(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q8_0(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q2_K(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q3_K(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q4_K(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q5_K(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q6_K(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_iq4_nl(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_iq4_xs(const void *vx, const void *vy, int64_t n, int simd);

/* F16 rows in F32 arithmetic (widened, fused multiply-adds, F32 sums), as
 * llama.cpp's AVX2 and AVX-512F builds compute ggml_vec_dot_f16: the
 * engine's default for F16 weights and the K cache.  kq_vec_dot_f16 is the
 * F16-arithmetic emulation of the AVX512-FP16 build the goldens come from
 * (the engine's exact mode, struct kolm_engine_opts). */
float kq_vec_dot_f16_f32(const void *vx, const void *vy, int64_t n, int simd);

/* The same dots in the order of the other kernels llama.cpp's x86 build
 * runs on some matrices:
 * - llamafile's tinyBLAS, for F32 / F16 weights in a prompt batch
 *   (n % 16 == 0): one 16-lane fused accumulator;
 * - the gemv/gemm of the Q4_0 and IQ4_NL weights it repacks (a multiple of
 *   8 rows): one accumulator, a fused multiply-add per block. */
float kq_vec_dot_f32_tb(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_f16_tb(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q4_0_x8(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_iq4_nl_x8(const void *vx, const void *vy, int64_t n, int simd);
/* s[c] = kq_vec_dot_<type>_x8 of the row vx with the ncols activation rows
 * at vy, by bytes apart (faster for ncols == 8 in a prompt batch) */
typedef void (*kq_vec_dot_cols_fn)(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s,
				   int simd);
void kq_vec_dot_q4_0_x8_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd);
/* the same for the rows vx and vx + bx (s[8 * r + c]; ncols == 8 on an
 * AVX-512 machine: each activation block summed once for both rows) */
void kq_vec_dot_q4_0_x8_rows2_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				   float *s, int simd);
/* the same for the 8 rows vx + r * bx (s[8 * r + c]) */
void kq_vec_dot_q4_0_x8_rows8_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				   float *s, int simd);
void kq_vec_dot_iq4_nl_x8_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s,
			       int simd);
/* The engine's fast path (not exact mode) for Q4_K and Q6_K rows: on an
 * AVX-512 machine the 512-bit VNNI kernel (the reference's integer sums,
 * another float order), else kq_vec_dot_q4_K / _q6_K */
float kq_vec_dot_q4_K_fast(const void *vx, const void *vy, int64_t n, int simd);
float kq_vec_dot_q6_K_fast(const void *vx, const void *vy, int64_t n, int simd);
/* s[c] = the dot of the row vx with each of the ncols activation rows at
 * vy, by bytes apart: a prompt batch's Q8_0, Q4_K and Q6_K matmul (ncols
 * == 8 on an AVX-512 machine: each weight block decoded once for all
 * eight; otherwise column by column).  Q8_0: kq_vec_dot_q8_0's bits; Q4_K
 * and Q6_K: kq_vec_dot_<type>_fast's bits. */
void kq_vec_dot_q8_0_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd);
/* eight Q8_0 rows vx + r * bx against them (s[8 * r + c], each row's bits) */
void kq_vec_dot_q8_0_rows8_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				float *s, int simd);
void kq_vec_dot_q4_K_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd);
void kq_vec_dot_q6_K_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd);
/* A prompt batch's Q4_K / Q6_K matmul as tiles (kernels_x86_tiled.c, the
 * engine's fast path on x86 with AVX2; kq_tiled_ok says when): the nb
 * activation rows, each quantized to Q8_K, are laid out once in a panel of
 * kq_tiled_panel_bytes (kq_tiled_pack: row b, or NULL for the zeros that
 * fill the last band of 16), then kq_tiled_rows puts y[b * ldy + r] for
 * the nrows (<= 16) weight rows at w, bw bytes apart, using a thread's
 * workspace of kq_tiled_ws_bytes(n), with kq_tiled_isa(simd)'s kernels
 * ("avx512", "avxvnni", "avx2" or the "scalar" reference, all with the same
 * bits).  The reference's integer sums per block, the float steps of the
 * reference llama.cpp build's prompt kernels for these types; every column
 * computed alike.  kq_kernels_avxvnni_off(1): tests take the AVX2 kernels
 * on a CPU with AVX-VNNI. */
int kq_tiled_ok(int type, int simd);
const char *kq_tiled_isa(int simd);
size_t kq_tiled_panel_bytes(int nb, int64_t n);
void kq_tiled_pack(const uint8_t *q8k, int b, int64_t n, uint8_t *panel);
size_t kq_tiled_ws_bytes(int64_t n);
void kq_tiled_rows(int type, const void *w, size_t bw, int nrows, const void *panel, int nb, int64_t n, float *y,
		   int64_t ldy, void *ws, int simd);
void kq_kernels_avxvnni_off(int off);
/* s[r] = kq_vec_dot_<type>_x8 of the nrows rows at vx, bx bytes apart, with
 * the activation row vy (faster for nrows == 8 in a decode step) */
typedef void (*kq_vec_dot_rows_fn)(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s,
				   int simd);
void kq_vec_dot_q8_0_rows(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s, int simd);
void kq_vec_dot_q4_0_x8_rows(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s, int simd);
void kq_vec_dot_iq4_nl_x8_rows(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s,
			       int simd);

/* A prompt batch's F16 matmul in F32 arithmetic: the activations rounded
 * to F16 (llama.cpp's vec_dot_type) but kept as F32 (kq_round_f16: y = x
 * through F16), and s[c] = the F16 row vx dotted with each of the ncols
 * activation rows at vy, by bytes apart (ncols == 8: the row widened once
 * for all eight, AVX-512 or AVX2; otherwise the scalar reference, which
 * sums as kq_vec_dot_f16_f32's does). */
void kq_round_f16(const float *x, float *y, int64_t n, int simd);
void kq_vec_dot_f16_f32_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd);
/* the same for the two rows vx and vx + bx: s[8 * r + c] (an AVX-512
 * machine with ncols == 8 loads each activation vector once for both rows;
 * otherwise row by row); each value kq_vec_dot_f16_f32_cols's bits */
typedef void (*kq_vec_dot_cols2_fn)(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				    float *s, int simd);
void kq_vec_dot_f16_f32_rows2_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				   float *s, int simd);
/* the same for the 8 rows vx + r * bx (s[8 * r + c]) */
void kq_vec_dot_f16_f32_rows8_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				   float *s, int simd);

#endif
