#include "kolm/types.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "kolm/util.h"

static const struct kolm_type_info types[KOLM_T_COUNT] = {
	[KOLM_T_F32] = {"F32", 1, 4, 0},
	[KOLM_T_F16] = {"F16", 1, 2, 0},
	[KOLM_T_Q4_0] = {"Q4_0", 32, 18, 1},
	[KOLM_T_Q4_1] = {"Q4_1", 32, 20, 1},
	[KOLM_T_Q5_0] = {"Q5_0", 32, 22, 1},
	[KOLM_T_Q5_1] = {"Q5_1", 32, 24, 1},
	[KOLM_T_Q8_0] = {"Q8_0", 32, 34, 1},
	[KOLM_T_Q8_1] = {"Q8_1", 32, 36, 1},
	[KOLM_T_Q2_K] = {"Q2_K", 256, 84, 1},
	[KOLM_T_Q3_K] = {"Q3_K", 256, 110, 1},
	[KOLM_T_Q4_K] = {"Q4_K", 256, 144, 1},
	[KOLM_T_Q5_K] = {"Q5_K", 256, 176, 1},
	[KOLM_T_Q6_K] = {"Q6_K", 256, 210, 1},
	[KOLM_T_Q8_K] = {"Q8_K", 256, 292, 1},
	[KOLM_T_IQ2_XXS] = {"IQ2_XXS", 256, 66, 1},
	[KOLM_T_IQ2_XS] = {"IQ2_XS", 256, 74, 1},
	[KOLM_T_IQ3_XXS] = {"IQ3_XXS", 256, 98, 1},
	[KOLM_T_IQ1_S] = {"IQ1_S", 256, 50, 1},
	[KOLM_T_IQ4_NL] = {"IQ4_NL", 32, 18, 1},
	[KOLM_T_IQ3_S] = {"IQ3_S", 256, 110, 1},
	[KOLM_T_IQ2_S] = {"IQ2_S", 256, 82, 1},
	[KOLM_T_IQ4_XS] = {"IQ4_XS", 256, 136, 1},
	[KOLM_T_I8] = {"I8", 1, 1, 0},
	[KOLM_T_I16] = {"I16", 1, 2, 0},
	[KOLM_T_I32] = {"I32", 1, 4, 0},
	[KOLM_T_I64] = {"I64", 1, 8, 0},
	[KOLM_T_F64] = {"F64", 1, 8, 0},
	[KOLM_T_IQ1_M] = {"IQ1_M", 256, 56, 1},
	[KOLM_T_BF16] = {"BF16", 1, 2, 0},
	[KOLM_T_TQ1_0] = {"TQ1_0", 256, 54, 1},
	[KOLM_T_TQ2_0] = {"TQ2_0", 256, 66, 1},
	[KOLM_T_MXFP4] = {"MXFP4", 32, 17, 1},
	[KOLM_T_NVFP4] = {"NVFP4", 64, 36, 1},
	[KOLM_T_Q1_0] = {"Q1_0", 128, 18, 1},
	[KOLM_T_Q2_0] = {"Q2_0", 64, 18, 1},
};

const struct kolm_type_info *kolm_type_info(int type)
{
	if (type < 0 || type >= KOLM_T_COUNT || types[type].blck == 0)
		return NULL;
	return &types[type];
}

int kolm_type_valid(int type)
{
	return kolm_type_info(type) != NULL;
}

int kolm_type_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int t = 0; t < KOLM_T_COUNT; t++)
		if (types[t].blck && strcasecmp(types[t].name, name) == 0)
			return t;
	return -1;
}

const char *kolm_type_name(int type)
{
	const struct kolm_type_info *ti = kolm_type_info(type);
	return ti ? ti->name : "?";
}

uint64_t kolm_type_row_bytes(int type, int64_t ne0)
{
	const struct kolm_type_info *ti = kolm_type_info(type);
	if (!ti || ne0 < 0 || ne0 % ti->blck)
		return 0;
	return (uint64_t)(ne0 / ti->blck) * (uint64_t)ti->type_size;
}

uint64_t kolm_type_tensor_bytes(int type, const int64_t ne[4], int n_dims)
{
	const struct kolm_type_info *ti = kolm_type_info(type);
	if (!ti || n_dims < 1 || n_dims > 4 || ne[0] < 0 || ne[0] % ti->blck)
		return UINT64_MAX;
	uint64_t b = (uint64_t)(ne[0] / ti->blck) * (uint64_t)ti->type_size;
	for (int i = 1; i < n_dims; i++) {
		if (ne[i] < 0 || kolm_mul_u64(b, (uint64_t)ne[i], &b))
			return UINT64_MAX;
	}
	return b;
}

double kolm_type_bpw(int type)
{
	const struct kolm_type_info *ti = kolm_type_info(type);
	return ti ? 8.0 * ti->type_size / ti->blck : 0.0;
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

/* fp16 <-> fp32, exact bit manipulation (round to nearest even). */
float kolm_fp16_to_fp32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else {
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400));
			bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
		}
	} else if (exp == 31) {
		bits = sign | 0x7f800000u | (man << 13);
	} else {
		bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t kolm_fp32_to_fp16(float f)
{
	/* Same algorithm as ggml's fp32_to_fp16 (Maratyszcza FP16). */
	const float scale_to_inf = 0x1.0p+112f;
	const float scale_to_zero = 0x1.0p-110f;
	float base = (fabsf(f) * scale_to_inf) * scale_to_zero;
	uint32_t w;
	memcpy(&w, &f, 4);
	const uint32_t shl1_w = w + w;
	const uint32_t sign = w & 0x80000000u;
	uint32_t bias = shl1_w & 0xFF000000u;
	if (bias < 0x71000000u)
		bias = 0x71000000u;
	uint32_t bb = (bias >> 1) + 0x07800000u;
	float fb;
	memcpy(&fb, &bb, 4);
	base = fb + base;
	uint32_t bits;
	memcpy(&bits, &base, 4);
	const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
	const uint32_t mantissa_bits = bits & 0x00000FFFu;
	const uint32_t nonsign = exp_bits + mantissa_bits;
	return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

float kolm_bf16_to_fp32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t kolm_fp32_to_bf16(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffff) > 0x7f800000) /* nan */
		return (uint16_t)((u >> 16) | 64);
	return (uint16_t)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}
