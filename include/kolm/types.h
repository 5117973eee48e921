/*
 * types.h - ggml tensor types and llama.cpp file types (llama_ftype).
 *
 * The type traits table is the one place that states what each tensor type
 * is, one row per type as ggml's type_traits keeps them (ggml/src/ggml.c;
 * tests/fixtures/data/gguf-facts.md section 2.1): its name, elements per
 * block, bytes per block, whether it is block-quantized, the reference
 * conversions to and from float, and for the dot product the type the
 * activations take (vec_dot_type) and the kernel (vec_dot).  The quantizer,
 * the engine, the size model, the GGUF reader and inspect all read it.
 * A tensor's byte size is ne0/blck * type_size * ne1 * ne2 * ne3.
 */
#ifndef KOLM_TYPES_H
#define KOLM_TYPES_H

#include <stdint.h>

#include "kolm/fp16.h"

enum kolm_ggml_type {
	KOLM_T_F32 = 0, KOLM_T_F16 = 1, KOLM_T_Q4_0 = 2, KOLM_T_Q4_1 = 3,
	KOLM_T_Q5_0 = 6, KOLM_T_Q5_1 = 7, KOLM_T_Q8_0 = 8, KOLM_T_Q8_1 = 9,
	KOLM_T_Q2_K = 10, KOLM_T_Q3_K = 11, KOLM_T_Q4_K = 12, KOLM_T_Q5_K = 13,
	KOLM_T_Q6_K = 14, KOLM_T_Q8_K = 15, KOLM_T_IQ2_XXS = 16, KOLM_T_IQ2_XS = 17,
	KOLM_T_IQ3_XXS = 18, KOLM_T_IQ1_S = 19, KOLM_T_IQ4_NL = 20, KOLM_T_IQ3_S = 21,
	KOLM_T_IQ2_S = 22, KOLM_T_IQ4_XS = 23, KOLM_T_I8 = 24, KOLM_T_I16 = 25,
	KOLM_T_I32 = 26, KOLM_T_I64 = 27, KOLM_T_F64 = 28, KOLM_T_IQ1_M = 29,
	KOLM_T_BF16 = 30, KOLM_T_TQ1_0 = 34, KOLM_T_TQ2_0 = 35, KOLM_T_MXFP4 = 39,
	KOLM_T_NVFP4 = 40, KOLM_T_Q1_0 = 41, KOLM_T_Q2_0 = 42,
	KOLM_T_COUNT = 43,
};

/* Row conversions of n elements (a multiple of the block) between floats and
 * whole blocks laid out as ggml-common.h's block_<t>. */
typedef void (*kolm_to_float_fn)(const void *x, float *y, int64_t n);
typedef void (*kolm_from_float_fn)(const float *x, void *y, int64_t n);
/* The dot of n weights (vx, blocks of the row's type) with n activations (vy,
 * blocks of its vec_dot_type): simd 1 for this machine's SIMD kernel, 0 for
 * the scalar reference (src/lib/quant/kernels_*.c); NULL: the engine
 * dequantizes the row to F32. */
typedef float (*kolm_vec_dot_fn)(const void *vx, const void *vy, int64_t n, int simd);
/* n activations put into blocks of this type for a dot, as ggml's CPU
 * backend makes them (its from_float: Q8_0 rounds ties to even, unlike
 * from_float_ref); simd as for vec_dot. */
typedef void (*kolm_act_from_float_fn)(const float *x, void *y, int64_t n, int simd);

struct kolm_type_traits {
	const char *name;                  /* upper case as golden/tensors.tsv: "F32", "Q4_K" */
	int blck;                          /* elements per block; 0 = removed/invalid id */
	int type_size;                     /* bytes per block */
	int quantized;                     /* 1 for block-quantized types */
	kolm_to_float_fn to_float;         /* NULL: kolm cannot read it (dequantize_row_<t>) */
	kolm_from_float_fn from_float_ref; /* NULL: kolm cannot write it (quantize_row_<t>_ref) */
	int vec_dot_type;                  /* the activations' type in a dot with this type */
	kolm_vec_dot_fn vec_dot;
	kolm_act_from_float_fn from_float; /* NULL: no type dots with activations of this one */
};

/* The row of a type; NULL for ids that are unknown or removed. */
const struct kolm_type_traits *kolm_type_traits(int type);
int kolm_type_valid(int type);
/* Parse "q4_k", "Q4_K", "f16" ... ; -1 if unknown. */
int kolm_type_from_name(const char *name);
const char *kolm_type_name(int type); /* "?" if unknown */
/* Bytes of a row of ne0 elements; 0 if ne0 is not a multiple of the block. */
uint64_t kolm_type_row_bytes(int type, int64_t ne0);
/* Bytes of a tensor, or UINT64_MAX on overflow / bad row length. */
uint64_t kolm_type_tensor_bytes(int type, const int64_t ne[4], int n_dims);

/* ---- llama_ftype (general.file_type) --------------------------------- */
enum kolm_ftype {
	KOLM_FT_ALL_F32 = 0, KOLM_FT_F16 = 1, KOLM_FT_Q4_0 = 2, KOLM_FT_Q4_1 = 3,
	KOLM_FT_Q8_0 = 7, KOLM_FT_Q5_0 = 8, KOLM_FT_Q5_1 = 9, KOLM_FT_Q2_K = 10,
	KOLM_FT_Q3_K_S = 11, KOLM_FT_Q3_K_M = 12, KOLM_FT_Q3_K_L = 13,
	KOLM_FT_Q4_K_S = 14, KOLM_FT_Q4_K_M = 15, KOLM_FT_Q5_K_S = 16,
	KOLM_FT_Q5_K_M = 17, KOLM_FT_Q6_K = 18, KOLM_FT_IQ2_XXS = 19,
	KOLM_FT_IQ2_XS = 20, KOLM_FT_Q2_K_S = 21, KOLM_FT_IQ3_XS = 22,
	KOLM_FT_IQ3_XXS = 23, KOLM_FT_IQ1_S = 24, KOLM_FT_IQ4_NL = 25,
	KOLM_FT_IQ3_S = 26, KOLM_FT_IQ3_M = 27, KOLM_FT_IQ2_S = 28,
	KOLM_FT_IQ2_M = 29, KOLM_FT_IQ4_XS = 30, KOLM_FT_IQ1_M = 31,
	KOLM_FT_BF16 = 32, KOLM_FT_TQ1_0 = 36, KOLM_FT_TQ2_0 = 37,
};

struct kolm_ftype_info {
	int id;                /* llama_ftype */
	const char *name;      /* llama-quantize name, upper case: "Q4_K_M" */
	const char *display;   /* llama_model_ftype_name: "Q4_K - Medium" */
	int default_type;      /* enum kolm_ggml_type */
};

const struct kolm_ftype_info *kolm_ftype_info(int ftype);
/* Parse "q4_k_m", "Q4_K_M", aliases "Q4_K", "Q3_K", "Q5_K"; NULL if unknown. */
const struct kolm_ftype_info *kolm_ftype_from_name(const char *name);
/* All known ftypes, for listings and suggestions. */
const struct kolm_ftype_info *kolm_ftype_all(int *count);

#endif
