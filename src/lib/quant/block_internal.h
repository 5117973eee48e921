/* block_internal.h - the byte layout of every block format kolm reads or
 * writes, as ggml-common.h defines it, and the scalar helpers all their
 * kernels share (quant_ref.c, quant_k.c, quant_simd.c, the dot kernels).
 *
 * The structs are layouts only: kernels read blocks as little-endian bytes
 * (get_f16 at the field's offset), and step from block to block by
 * sizeof(block_x), which is also the bytes-per-block column of the type
 * traits table (types.c) - the one place each size is stated.  A block
 * holds QK (32) or QK_K (256) elements; F16 scales are stored as uint16_t.
 *
 * May include: kolm/fp16.h.  Nothing here calls back into a kernel. */
#ifndef KOLM_BLOCK_INTERNAL_H
#define KOLM_BLOCK_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "kolm/fp16.h"

#define QK 32      /* Q4_0 .. Q8_1, IQ4_NL */
#define QK_K 256   /* k-quants, Q8_K, IQ4_XS */
#define K_SCALE_SIZE 12

/* ---- 32-element blocks ------------------------------------------------- */
typedef struct { uint16_t d; uint8_t qs[QK / 2]; } block_q4_0;             /* x = (q - 8) d */
typedef struct { uint16_t d, m; uint8_t qs[QK / 2]; } block_q4_1;          /* x = q d + m */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_0;
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_1;
typedef struct { uint16_t d; int8_t qs[QK]; } block_q8_0;                  /* x = q d */
typedef struct { uint16_t d, s; int8_t qs[QK]; } block_q8_1;               /* s = d * sum(qs) */
typedef struct { uint16_t d; uint8_t qs[QK / 2]; } block_iq4_nl;           /* x = kvalues_iq4nl[q] d */

/* ---- 256-element super-blocks ----------------------------------------- */
typedef struct { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; uint16_t d, dmin; } block_q2_K;
typedef struct { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; uint16_t d; } block_q3_K;
typedef struct { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K; /* activations only */
typedef struct { uint16_t d, scales_h; uint8_t scales_l[QK_K / 64]; uint8_t qs[QK_K / 2]; } block_iq4_xs;

/* no padding anywhere: a block is exactly the bytes ggml writes */
_Static_assert(sizeof(block_q4_0) == 2 + QK / 2, "block_q4_0 padded");
_Static_assert(sizeof(block_q4_1) == 4 + QK / 2, "block_q4_1 padded");
_Static_assert(sizeof(block_q5_0) == 2 + 4 + QK / 2, "block_q5_0 padded");
_Static_assert(sizeof(block_q5_1) == 4 + 4 + QK / 2, "block_q5_1 padded");
_Static_assert(sizeof(block_q8_0) == 2 + QK, "block_q8_0 padded");
_Static_assert(sizeof(block_q8_1) == 4 + QK, "block_q8_1 padded");
_Static_assert(sizeof(block_iq4_nl) == 2 + QK / 2, "block_iq4_nl padded");
_Static_assert(sizeof(block_q2_K) == QK_K / 16 + QK_K / 4 + 4, "block_q2_K padded");
_Static_assert(sizeof(block_q3_K) == QK_K / 8 + QK_K / 4 + 12 + 2, "block_q3_K padded");
_Static_assert(sizeof(block_q4_K) == 4 + K_SCALE_SIZE + QK_K / 2, "block_q4_K padded");
_Static_assert(sizeof(block_q5_K) == 4 + K_SCALE_SIZE + QK_K / 8 + QK_K / 2, "block_q5_K padded");
_Static_assert(sizeof(block_q6_K) == QK_K / 2 + QK_K / 4 + QK_K / 16 + 2, "block_q6_K padded");
_Static_assert(sizeof(block_q8_K) == 4 + QK_K + 2 * QK_K / 16, "block_q8_K padded");
_Static_assert(sizeof(block_iq4_xs) == 4 + QK_K / 64 + QK_K / 2, "block_iq4_xs padded");

/* Bytes per block, for kernels that step through raw bytes. */
#define B_Q4_0 sizeof(block_q4_0)
#define B_Q4_1 sizeof(block_q4_1)
#define B_Q5_0 sizeof(block_q5_0)
#define B_Q5_1 sizeof(block_q5_1)
#define B_Q8_0 sizeof(block_q8_0)
#define B_Q2_K sizeof(block_q2_K)
#define B_Q3_K sizeof(block_q3_K)
#define B_Q4_K sizeof(block_q4_K)
#define B_Q5_K sizeof(block_q5_K)
#define B_Q6_K sizeof(block_q6_K)
#define B_IQ4_NL sizeof(block_iq4_nl)
#define B_IQ4_XS sizeof(block_iq4_xs)

/* ggml's IQ4_NL / IQ4_XS codebook (defined in quant_k.c; the dots use it too) */
extern const int8_t kvalues_iq4nl[16];

static inline void put_f16(uint8_t *p, float f)
{
	uint16_t h = kolm_fp32_to_fp16(f);
	p[0] = (uint8_t)(h & 0xff);
	p[1] = (uint8_t)(h >> 8);
}

static inline float get_f16(const uint8_t *p)
{
	return kolm_fp16_to_fp32((uint16_t)(p[0] | (p[1] << 8)));
}

/* ggml's nearest_int: round to nearest (ties to even) through the
 * 1.5 * 2^23 magic number; valid for |f| <= 4194303. */
static inline int q_nearest_int(float f)
{
	float v = f + 12582912.f;
	int32_t i;
	memcpy(&i, &v, sizeof i);
	return (i & 0x007fffff) - 0x00400000;
}

/* float -> integer as ggml's (int8_t)/(uint8_t) casts behave on x86-64
 * (cvttss2si, then keep the low byte): truncation toward zero, and 0 for
 * NaN, infinities and values beyond int32 - which a subnormal block scale
 * produces (1/d overflows).  Written without undefined behaviour. */
static inline int q_trunc(float v)
{
	if (!(v > -2147483648.0f && v < 2147483648.0f))
		return 0;
	return (int)(int8_t)(uint8_t)((uint32_t)(int32_t)v & 0xff);
}

static inline int q_min(int a, int b) { return a < b ? a : b; }
static inline int q_max(int a, int b) { return a > b ? a : b; }

#endif
