/* types.c - the type traits table and the llama_ftype table (types.h). */
#include "kolm/types.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "block_internal.h"
#include "kernels_internal.h"
#include "kolm/util.h"
#include "quant_k_internal.h"
#include "quant_ref_internal.h"

/* The type traits table: one row per ggml type.  Bytes per block come from
 * the block layouts (block_internal.h) for the types kolm has kernels for,
 * and are ggml's figures (ggml-common.h) for the others.  to_float and
 * from_float_ref are the scalar references, bit-identical to ggml's
 * dequantize_row_<t> and quantize_row_<t>_ref; quant.c may use a faster
 * kernel that gives the same bytes (quant_simd.c).  vec_dot_type is ggml's
 * (ggml-cpu.c type_traits_cpu) for the types the engine dots directly;
 * the others keep F32 (the engine dequantizes their rows).  vec_dot and
 * from_float are the row kernels of kernels.c (scalar or SIMD, as the
 * caller asks): a dot for every type the engine runs, and the activations'
 * forms for the types that are some row's vec_dot_type (the kernel files
 * must not include kolm/types.h, which would make a circle: they take
 * fp16.h and block_internal.h). */
#define ROW(nm, bl, sz, q) .name = nm, .blck = bl, .type_size = (int)(sz), .quantized = q
static const struct kolm_type_traits traits[KOLM_T_COUNT] = {
	[KOLM_T_F32] = {ROW("F32", 1, 4, 0), kq_deq_f32, kq_quant_f32, KOLM_T_F32,
			kq_vec_dot_f32, kq_from_float_f32},
	[KOLM_T_F16] = {ROW("F16", 1, 2, 0), kq_deq_f16, kq_quant_f16, KOLM_T_F16,
			kq_vec_dot_f16, kq_from_float_f16},
	[KOLM_T_BF16] = {ROW("BF16", 1, 2, 0), kq_deq_bf16, kq_quant_bf16, KOLM_T_BF16,
			kq_vec_dot_bf16, kq_from_float_bf16},
	[KOLM_T_Q4_0] = {ROW("Q4_0", QK, sizeof(block_q4_0), 1), kq_deq_q4_0, kq_quant_q4_0, KOLM_T_Q8_0,
			kq_vec_dot_q4_0, NULL},
	[KOLM_T_Q4_1] = {ROW("Q4_1", QK, sizeof(block_q4_1), 1), kq_deq_q4_1, kq_quant_q4_1, KOLM_T_Q8_1,
			kq_vec_dot_q4_1, NULL},
	[KOLM_T_Q5_0] = {ROW("Q5_0", QK, sizeof(block_q5_0), 1), kq_deq_q5_0, kq_quant_q5_0, KOLM_T_Q8_0,
			kq_vec_dot_q5_0, NULL},
	[KOLM_T_Q5_1] = {ROW("Q5_1", QK, sizeof(block_q5_1), 1), kq_deq_q5_1, kq_quant_q5_1, KOLM_T_Q8_1,
			kq_vec_dot_q5_1, NULL},
	[KOLM_T_Q8_0] = {ROW("Q8_0", QK, sizeof(block_q8_0), 1), kq_deq_q8_0, kq_quant_q8_0, KOLM_T_Q8_0,
			kq_vec_dot_q8_0, kq_from_float_q8_0},
	[KOLM_T_Q8_1] = {ROW("Q8_1", QK, sizeof(block_q8_1), 1), NULL, NULL, KOLM_T_Q8_1,
			NULL, kq_from_float_q8_1},
	[KOLM_T_Q2_K] = {ROW("Q2_K", QK_K, sizeof(block_q2_K), 1), kq_deq_q2_k, kq_quant_q2_k, KOLM_T_Q8_K,
			kq_vec_dot_q2_K, NULL},
	[KOLM_T_Q3_K] = {ROW("Q3_K", QK_K, sizeof(block_q3_K), 1), kq_deq_q3_k, kq_quant_q3_k, KOLM_T_Q8_K,
			kq_vec_dot_q3_K, NULL},
	[KOLM_T_Q4_K] = {ROW("Q4_K", QK_K, sizeof(block_q4_K), 1), kq_deq_q4_k, kq_quant_q4_k, KOLM_T_Q8_K,
			kq_vec_dot_q4_K, NULL},
	[KOLM_T_Q5_K] = {ROW("Q5_K", QK_K, sizeof(block_q5_K), 1), kq_deq_q5_k, kq_quant_q5_k, KOLM_T_Q8_K,
			kq_vec_dot_q5_K, NULL},
	[KOLM_T_Q6_K] = {ROW("Q6_K", QK_K, sizeof(block_q6_K), 1), kq_deq_q6_k, kq_quant_q6_k, KOLM_T_Q8_K,
			kq_vec_dot_q6_K, NULL},
	[KOLM_T_Q8_K] = {ROW("Q8_K", QK_K, sizeof(block_q8_K), 1), NULL, NULL, KOLM_T_Q8_K,
			NULL, kq_from_float_q8_K},
	[KOLM_T_IQ4_NL] = {ROW("IQ4_NL", QK, sizeof(block_iq4_nl), 1), kq_deq_iq4_nl, kq_quant_iq4_nl, KOLM_T_Q8_0,
			kq_vec_dot_iq4_nl, NULL},
	[KOLM_T_IQ4_XS] = {ROW("IQ4_XS", QK_K, sizeof(block_iq4_xs), 1), kq_deq_iq4_xs, kq_quant_iq4_xs, KOLM_T_Q8_K,
			kq_vec_dot_iq4_xs, NULL},
	/* no kernels in kolm: sizes only (ggml-common.h) */
	[KOLM_T_IQ2_XXS] = {ROW("IQ2_XXS", 256, 66, 1)},
	[KOLM_T_IQ2_XS] = {ROW("IQ2_XS", 256, 74, 1)},
	[KOLM_T_IQ3_XXS] = {ROW("IQ3_XXS", 256, 98, 1)},
	[KOLM_T_IQ1_S] = {ROW("IQ1_S", 256, 50, 1)},
	[KOLM_T_IQ3_S] = {ROW("IQ3_S", 256, 110, 1)},
	[KOLM_T_IQ2_S] = {ROW("IQ2_S", 256, 82, 1)},
	[KOLM_T_IQ1_M] = {ROW("IQ1_M", 256, 56, 1)},
	[KOLM_T_TQ1_0] = {ROW("TQ1_0", 256, 54, 1)},
	[KOLM_T_TQ2_0] = {ROW("TQ2_0", 256, 66, 1)},
	[KOLM_T_MXFP4] = {ROW("MXFP4", 32, 17, 1)},
	[KOLM_T_NVFP4] = {ROW("NVFP4", 64, 36, 1)},
	[KOLM_T_Q1_0] = {ROW("Q1_0", 128, 18, 1)},
	[KOLM_T_Q2_0] = {ROW("Q2_0", 64, 18, 1)},
	[KOLM_T_I8] = {ROW("I8", 1, 1, 0)},
	[KOLM_T_I16] = {ROW("I16", 1, 2, 0)},
	[KOLM_T_I32] = {ROW("I32", 1, 4, 0)},
	[KOLM_T_I64] = {ROW("I64", 1, 8, 0)},
	[KOLM_T_F64] = {ROW("F64", 1, 8, 0)},
};
#undef ROW

const struct kolm_type_traits *kolm_type_traits(int type)
{
	if (type < 0 || type >= KOLM_T_COUNT || traits[type].blck == 0)
		return NULL;
	return &traits[type];
}

int kolm_type_valid(int type)
{
	return kolm_type_traits(type) != NULL;
}

int kolm_type_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int t = 0; t < KOLM_T_COUNT; t++)
		if (traits[t].blck && strcasecmp(traits[t].name, name) == 0)
			return t;
	return -1;
}

const char *kolm_type_name(int type)
{
	const struct kolm_type_traits *tt = kolm_type_traits(type);
	return tt ? tt->name : "?";
}

uint64_t kolm_type_row_bytes(int type, int64_t ne0)
{
	const struct kolm_type_traits *tt = kolm_type_traits(type);
	if (!tt || ne0 < 0 || ne0 % tt->blck)
		return 0;
	return (uint64_t)(ne0 / tt->blck) * (uint64_t)tt->type_size;
}

uint64_t kolm_type_tensor_bytes(int type, const int64_t ne[4], int n_dims)
{
	const struct kolm_type_traits *tt = kolm_type_traits(type);
	if (!tt || n_dims < 1 || n_dims > 4 || ne[0] < 0 || ne[0] % tt->blck)
		return UINT64_MAX;
	uint64_t b = (uint64_t)(ne[0] / tt->blck) * (uint64_t)tt->type_size;
	for (int i = 1; i < n_dims; i++) {
		if (ne[i] < 0 || kolm_mul_u64(b, (uint64_t)ne[i], &b))
			return UINT64_MAX;
	}
	return b;
}

static const struct kolm_ftype_info ftypes[] = {
	{KOLM_FT_ALL_F32, "F32", "all F32", KOLM_T_F32},
	{KOLM_FT_F16, "F16", "F16", KOLM_T_F16},
	{KOLM_FT_BF16, "BF16", "BF16", KOLM_T_BF16},
	{KOLM_FT_Q8_0, "Q8_0", "Q8_0", KOLM_T_Q8_0},
	{KOLM_FT_Q6_K, "Q6_K", "Q6_K", KOLM_T_Q6_K},
	{KOLM_FT_Q5_K_M, "Q5_K_M", "Q5_K - Medium", KOLM_T_Q5_K},
	{KOLM_FT_Q5_K_S, "Q5_K_S", "Q5_K - Small", KOLM_T_Q5_K},
	{KOLM_FT_Q5_1, "Q5_1", "Q5_1", KOLM_T_Q5_1},
	{KOLM_FT_Q5_0, "Q5_0", "Q5_0", KOLM_T_Q5_0},
	{KOLM_FT_Q4_K_M, "Q4_K_M", "Q4_K - Medium", KOLM_T_Q4_K},
	{KOLM_FT_Q4_K_S, "Q4_K_S", "Q4_K - Small", KOLM_T_Q4_K},
	{KOLM_FT_Q4_1, "Q4_1", "Q4_1", KOLM_T_Q4_1},
	{KOLM_FT_Q4_0, "Q4_0", "Q4_0", KOLM_T_Q4_0},
	{KOLM_FT_IQ4_NL, "IQ4_NL", "IQ4_NL - 4.5 bpw", KOLM_T_IQ4_NL},
	{KOLM_FT_IQ4_XS, "IQ4_XS", "IQ4_XS - 4.25 bpw", KOLM_T_IQ4_XS},
	{KOLM_FT_Q3_K_L, "Q3_K_L", "Q3_K - Large", KOLM_T_Q3_K},
	{KOLM_FT_Q3_K_M, "Q3_K_M", "Q3_K - Medium", KOLM_T_Q3_K},
	{KOLM_FT_Q3_K_S, "Q3_K_S", "Q3_K - Small", KOLM_T_Q3_K},
	{KOLM_FT_IQ3_M, "IQ3_M", "IQ3_S mix - 3.66 bpw", KOLM_T_IQ3_S},
	{KOLM_FT_IQ3_S, "IQ3_S", "IQ3_S - 3.4375 bpw", KOLM_T_IQ3_S},
	{KOLM_FT_IQ3_XS, "IQ3_XS", "IQ3_XS - 3.3 bpw", KOLM_T_IQ3_S},
	{KOLM_FT_IQ3_XXS, "IQ3_XXS", "IQ3_XXS - 3.0625 bpw", KOLM_T_IQ3_XXS},
	{KOLM_FT_Q2_K, "Q2_K", "Q2_K - Medium", KOLM_T_Q2_K},
	{KOLM_FT_Q2_K_S, "Q2_K_S", "Q2_K - Small", KOLM_T_Q2_K},
	{KOLM_FT_IQ2_M, "IQ2_M", "IQ2_M - 2.7 bpw", KOLM_T_IQ2_S},
	{KOLM_FT_IQ2_S, "IQ2_S", "IQ2_S - 2.5 bpw", KOLM_T_IQ2_XS},
	{KOLM_FT_IQ2_XS, "IQ2_XS", "IQ2_XS - 2.3125 bpw", KOLM_T_IQ2_XS},
	{KOLM_FT_IQ2_XXS, "IQ2_XXS", "IQ2_XXS - 2.0625 bpw", KOLM_T_IQ2_XXS},
	{KOLM_FT_IQ1_M, "IQ1_M", "IQ1_M - 1.75 bpw", KOLM_T_IQ1_M},
	{KOLM_FT_IQ1_S, "IQ1_S", "IQ1_S - 1.5625 bpw", KOLM_T_IQ1_S},
	{KOLM_FT_TQ2_0, "TQ2_0", "TQ2_0 - 2.06 bpw ternary", KOLM_T_TQ2_0},
	{KOLM_FT_TQ1_0, "TQ1_0", "TQ1_0 - 1.69 bpw ternary", KOLM_T_TQ1_0},
};

const struct kolm_ftype_info *kolm_ftype_info(int ftype)
{
	for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
		if (ftypes[i].id == ftype)
			return &ftypes[i];
	return NULL;
}

const struct kolm_ftype_info *kolm_ftype_from_name(const char *name)
{
	if (!name)
		return NULL;
	if (strcasecmp(name, "Q4_K") == 0)
		return kolm_ftype_info(KOLM_FT_Q4_K_M);
	if (strcasecmp(name, "Q3_K") == 0)
		return kolm_ftype_info(KOLM_FT_Q3_K_M);
	if (strcasecmp(name, "Q5_K") == 0)
		return kolm_ftype_info(KOLM_FT_Q5_K_M);
	for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
		if (strcasecmp(ftypes[i].name, name) == 0)
			return &ftypes[i];
	return NULL;
}

const struct kolm_ftype_info *kolm_ftype_all(int *count)
{
	*count = (int)(sizeof ftypes / sizeof ftypes[0]);
	return ftypes;
}
