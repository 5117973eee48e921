/* kernels.c - the row kernels' dispatch: each weight type's vec_dot (and
 * the other orders llama.cpp sums some matrices in) and the activation
 * formats, as the scalar reference (kernels_ref.c) or this machine's SIMD
 * version (kernels_x86.c, kernels_arm.c), chosen per call. */
#include "kernels_internal.h"
#include "kernels_arm_internal.h"
#include "kernels_ref_internal.h"
#include "kernels_x86_internal.h"
#include "quant_ref_internal.h"

int kq_kernels_simd(void)
{
#ifdef KQ_NEON
	return 1;
#elif defined(KQ_X86)
	static int cached = -1;
	int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (c < 0) {
		__builtin_cpu_init();
		/* F16C has no __builtin_cpu_supports name in clang 14: every CPU
		 * with AVX2 and FMA also has it */
		c = (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
		__atomic_store_n(&cached, c, __ATOMIC_RELAXED);
	}
	return c;
#else
	return 0;
#endif
}

/* tests: 1 turns the AVX-512 kernels off, so this machine runs what an
 * AVX2-only one does */
static int avx512_off;

void kq_kernels_avx512_off(int off)
{
	__atomic_store_n(&avx512_off, off, __ATOMIC_RELAXED);
}

int kq_kernels_avx512(void)
{
#if defined(KQ_X86)
	if (__atomic_load_n(&avx512_off, __ATOMIC_RELAXED))
		return 0;
	static int cached = -1;
	int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (c < 0) {
		__builtin_cpu_init();
		c = kq_kernels_simd() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
		__atomic_store_n(&cached, c, __ATOMIC_RELAXED);
	}
	return c;
#else
	return 0;
#endif
}

const char *kq_kernels_isa(void)
{
#ifdef KQ_NEON
	return "neon";
#else
	return kq_kernels_avx512() ? "avx512" : kq_kernels_simd() ? "avx2" : "scalar";
#endif
}

/* the SIMD kernel `name` when simd, else its scalar reference */
#if defined(KQ_X86)
#define PICK(name) (simd ? kq_avx2_##name : kq_ref_##name)
#elif defined(KQ_NEON)
#define PICK(name) (simd ? kq_neon_##name : kq_ref_##name)
#else
#define PICK(name) ((void)simd, kq_ref_##name)
#endif

/* quant_ref.c's F16 conversion, typed as the SIMD ones are */
static void kq_ref_to_f16(const float *x, uint16_t *y, int64_t n)
{
	kq_quant_f16(x, y, n);
}

#define FROM_FLOAT(type, call)                                                            \
	void kq_from_float_##type(const float *x, void *y, int64_t n, int simd) \
	{                                                                                 \
		call;                                                                     \
	}

FROM_FLOAT(f32, ((void)simd, memcpy(y, x, (size_t)n * sizeof *x)))
FROM_FLOAT(f16, PICK(to_f16)(x, y, n))
FROM_FLOAT(bf16, ((void)simd, kq_quant_bf16(x, y, n)))
FROM_FLOAT(q8_0, PICK(quant_q8)(x, y, n, 0))
FROM_FLOAT(q8_1, PICK(quant_q8)(x, y, n, 1))
#if defined(KQ_X86)
FROM_FLOAT(q8_K, PICK(quant_q8_K)(x, y, n))
#else
FROM_FLOAT(q8_K, ((void)simd, kq_ref_quant_q8_K(x, y, n)))
#endif
#undef FROM_FLOAT

/* one weight type's vec_dot: a call of its kernel, or of the kernel it
 * shares with another type */
#define VEC_DOT(type, call)                                                                  \
	float kq_vec_dot_##type(const void *vx, const void *vy, int64_t n, int simd) \
	{                                                                                    \
		return call;                                                                 \
	}

VEC_DOT(f32, PICK(dot_f32)(vx, vy, n))
VEC_DOT(f16, PICK(dot_f16)(vx, vy, n))
VEC_DOT(bf16, ((void)simd, kq_ref_dot_bf16(vx, vy, n)))
VEC_DOT(q4_0, PICK(dot_q4_0)(vx, vy, n))
VEC_DOT(q4_1, ((void)simd, kq_ref_dot_q4_1(vx, vy, n)))
VEC_DOT(q5_0, ((void)simd, kq_ref_dot_q5_0(vx, vy, n)))
VEC_DOT(q5_1, ((void)simd, kq_ref_dot_q5_1(vx, vy, n)))
VEC_DOT(q8_0, PICK(dot_q8_0)(vx, vy, n))
VEC_DOT(q2_K, PICK(dot_q2_K)(vx, vy, n))
VEC_DOT(q3_K, PICK(dot_q3_K)(vx, vy, n))
VEC_DOT(q4_K, PICK(dot_q4_K)(vx, vy, n))
VEC_DOT(q5_K, PICK(dot_q5_K)(vx, vy, n))
VEC_DOT(q6_K, PICK(dot_q6_K)(vx, vy, n))
VEC_DOT(iq4_nl, PICK(dot_iq4_nl)(vx, vy, n))
VEC_DOT(iq4_xs, PICK(dot_iq4_xs)(vx, vy, n))
VEC_DOT(f32_tb, PICK(dot_f32_tb)(vx, vy, n))
VEC_DOT(f16_tb, PICK(dot_f16_tb)(vx, vy, n))

float kq_vec_dot_f16_f32(const void *vx, const void *vy, int64_t n, int simd)
{
#if defined(KQ_X86)
	if (simd && kq_kernels_avx512())
		return kq_avx512_dot_f16_f32(vx, vy, n);
#endif
	return PICK(dot_f16_f32)(vx, vy, n);
}

/* Q4_0's nibble values, for the kernels that take a codebook (IQ4_NL's is
 * kvalues_iq4nl) */
static const int8_t q4_0_values[16] = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};

VEC_DOT(q4_0_x8, PICK(dot_nl_x8)(vx, vy, n, q4_0_values))
VEC_DOT(iq4_nl_x8, PICK(dot_nl_x8)(vx, vy, n, kvalues_iq4nl))
#undef VEC_DOT

static void dot_x8_cols(const int8_t *lut, float (*dot)(const void *, const void *, int64_t, int), const void *vx,
			const void *vy, size_t by, int ncols, int64_t n, float *s, int simd)
{
#if defined(KQ_X86)
	if (ncols == 8 && simd && lut == q4_0_values && kq_kernels_avx512()) {
		kq_avx512_dot_q4_0_x8_cols8(vx, vy, by, n, s);
		return;
	}
	if (ncols == 8 && simd) {
		kq_avx2_dot_nl_x8_cols8(vx, vy, by, n, lut, s);
		return;
	}
#else
	(void)lut;
#endif
	for (int c = 0; c < ncols; c++)
		s[c] = dot(vx, (const uint8_t *)vy + (size_t)c * by, n, simd);
}

void kq_round_f16(const float *x, float *y, int64_t n, int simd)
{
#if defined(KQ_X86)
	if (simd) {
		kq_avx2_round_f16(x, y, n);
		return;
	}
#endif
	(void)simd;
	kq_ref_round_f16(x, y, n);
}

void kq_vec_dot_f16_f32_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd)
{
#if defined(KQ_X86)
	if (simd && ncols == 8) {
		if (kq_kernels_avx512())
			kq_avx512_dot_f16_f32_cols8(vx, vy, by, n, s);
		else
			kq_avx2_dot_f16_f32_cols8(vx, vy, by, n, s);
		return;
	}
#endif
	(void)simd;
	kq_ref_dot_f16_f32_cols(vx, vy, by, ncols, n, s);
}

/* two rows against the ncols activation rows: the AVX-512 kernel `fn2`
 * when this machine has it and ncols == 8, else `cols` row by row */
#if defined(KQ_X86)
#define ROWS2_COLS(type, fn2, cols)                                                                           \
	void kq_vec_dot_##type##_rows2_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols,   \
					    int64_t n, float *s, int simd)                                     \
	{                                                                                                     \
		if (simd && ncols == 8 && kq_kernels_avx512()) {                                              \
			fn2(vx, bx, vy, by, n, s);                                                            \
			return;                                                                               \
		}                                                                                             \
		cols(vx, vy, by, ncols, n, s, simd);                                                          \
		cols((const uint8_t *)vx + bx, vy, by, ncols, n, s + 8, simd);                                \
	}
#else
#define ROWS2_COLS(type, fn2, cols)                                                                           \
	void kq_vec_dot_##type##_rows2_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols,   \
					    int64_t n, float *s, int simd)                                     \
	{                                                                                                     \
		cols(vx, vy, by, ncols, n, s, simd);                                                          \
		cols((const uint8_t *)vx + bx, vy, by, ncols, n, s + 8, simd);                                \
	}
#endif
ROWS2_COLS(f16_f32, kq_avx512_dot_f16_f32_rows2_cols8, kq_vec_dot_f16_f32_cols)
#if defined(KQ_NEON) && defined(__ARM_FEATURE_MATMUL_INT8)
/* on an ARM build with i8mm: both rows against 8 columns by SMMLA */
void kq_vec_dot_q4_0_x8_rows2_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				   float *s, int simd)
{
	if (simd && ncols == 8) {
		kq_neon_dot_nl_x8_rows2_cols8(vx, bx, vy, by, n, q4_0_values, s);
		return;
	}
	kq_vec_dot_q4_0_x8_cols(vx, vy, by, ncols, n, s, simd);
	kq_vec_dot_q4_0_x8_cols((const uint8_t *)vx + bx, vy, by, ncols, n, s + 8, simd);
}
#else
ROWS2_COLS(q4_0_x8, kq_avx512_dot_q4_0_x8_rows2_cols8, kq_vec_dot_q4_0_x8_cols)
#endif
#undef ROWS2_COLS

/* s[r] = kq_vec_dot_q8_0 of the nrows rows vx + r * bx with one activation
 * row (a decode step), on x86 four rows at a time */
void kq_vec_dot_q8_0_rows(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s, int simd)
{
	int r = 0;
#if defined(KQ_X86)
	if (simd)
		for (; r + 4 <= nrows; r += 4)
			kq_avx2_dot_q8_0_rows4((const uint8_t *)vx + (size_t)r * bx, bx, vy, n, s + r);
#endif
	for (; r < nrows; r++)
		s[r] = kq_vec_dot_q8_0((const uint8_t *)vx + (size_t)r * bx, vy, n, simd);
}

/* eight Q8_0 rows against the ncols activation rows (s[8 * r + c]): the
 * AVX-512 kernel four rows at a time when this machine has it and ncols ==
 * 8, else row by row */
void kq_vec_dot_q8_0_rows8_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols, int64_t n,
				float *s, int simd)
{
#if defined(KQ_X86)
	if (simd && ncols == 8 && kq_kernels_avx512()) {
		kq_avx512_dot_q8_0_rows4_cols8(vx, bx, vy, by, n, s);
		kq_avx512_dot_q8_0_rows4_cols8((const uint8_t *)vx + 4 * bx, bx, vy, by, n, s + 32);
		return;
	}
#endif
	for (int r = 0; r < 8; r++)
		kq_vec_dot_q8_0_cols((const uint8_t *)vx + (size_t)r * bx, vy, by, ncols, n, s + 8 * r, simd);
}

/* eight rows against the ncols activation rows (s[8 * r + c]): the AVX-512
 * kernel `fn8` when this machine has it and ncols == 8, else two rows at a
 * time; each value the type's 8-column kernel's bits */
#if defined(KQ_X86)
#define ROWS8_COLS(type, fn8)                                                                                 \
	void kq_vec_dot_##type##_rows8_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols,   \
					    int64_t n, float *s, int simd)                                     \
	{                                                                                                     \
		if (simd && ncols == 8 && kq_kernels_avx512()) {                                              \
			fn8(vx, bx, vy, by, n, s);                                                            \
			return;                                                                               \
		}                                                                                             \
		for (int r = 0; r < 8; r += 2)                                                                \
			kq_vec_dot_##type##_rows2_cols((const uint8_t *)vx + (size_t)r * bx, bx, vy, by, ncols, n, \
						       s + 8 * r, simd);                                      \
	}
#else
#define ROWS8_COLS(type, fn8)                                                                                 \
	void kq_vec_dot_##type##_rows8_cols(const void *vx, size_t bx, const void *vy, size_t by, int ncols,   \
					    int64_t n, float *s, int simd)                                     \
	{                                                                                                     \
		for (int r = 0; r < 8; r += 2)                                                                \
			kq_vec_dot_##type##_rows2_cols((const uint8_t *)vx + (size_t)r * bx, bx, vy, by, ncols, n, \
						       s + 8 * r, simd);                                      \
	}
#endif
ROWS8_COLS(f16_f32, kq_avx512_dot_f16_f32_rows8_cols8)
ROWS8_COLS(q4_0_x8, kq_avx512_dot_q4_0_x8_rows8_cols8)
#undef ROWS8_COLS

void kq_vec_dot_q4_0_x8_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, int simd)
{
	dot_x8_cols(q4_0_values, kq_vec_dot_q4_0_x8, vx, vy, by, ncols, n, s, simd);
}

void kq_vec_dot_iq4_nl_x8_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s,
			       int simd)
{
	dot_x8_cols(kvalues_iq4nl, kq_vec_dot_iq4_nl_x8, vx, vy, by, ncols, n, s, simd);
}

static void dot_x8_rows(const int8_t *lut, float (*dot)(const void *, const void *, int64_t, int), const void *vx,
			size_t bx, const void *vy, int nrows, int64_t n, float *s, int simd)
{
#if defined(KQ_X86)
	if (nrows == 8 && simd && lut == q4_0_values && kq_kernels_avx512()) {
		kq_avx512_dot_q4_0_x8_rows8(vx, bx, vy, n, s);
		return;
	}
	if (nrows == 8 && simd) {
		kq_avx2_dot_nl_x8_rows8(vx, bx, vy, n, lut, s);
		return;
	}
#else
	(void)lut;
#endif
	for (int r = 0; r < nrows; r++)
		s[r] = dot((const uint8_t *)vx + (size_t)r * bx, vy, n, simd);
}

void kq_vec_dot_q4_0_x8_rows(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s, int simd)
{
	dot_x8_rows(q4_0_values, kq_vec_dot_q4_0_x8, vx, bx, vy, nrows, n, s, simd);
}

void kq_vec_dot_iq4_nl_x8_rows(const void *vx, size_t bx, const void *vy, int nrows, int64_t n, float *s,
			       int simd)
{
	dot_x8_rows(kvalues_iq4nl, kq_vec_dot_iq4_nl_x8, vx, bx, vy, nrows, n, s, simd);
}

/* The fast path's Q4_K and Q6_K dot (the engine's default, not its exact
 * mode): on an AVX-512 machine one row of the 8-column kernel, so a token
 * gets the same bits in a batch of fewer than 16 rows, in its tail and in a
 * decode step (batches of 16 or more take kq_tiled_rows); else the type's
 * vec_dot. */
float kq_vec_dot_q4_K_fast(const void *vx, const void *vy, int64_t n, int simd)
{
#if defined(KQ_X86)
	if (simd && kq_kernels_avx512())
		return kq_avx512_dot_q4_K(vx, vy, n);
#endif
	return kq_vec_dot_q4_K(vx, vy, n, simd);
}

float kq_vec_dot_q6_K_fast(const void *vx, const void *vy, int64_t n, int simd)
{
#if defined(KQ_X86)
	if (simd && kq_kernels_avx512())
		return kq_avx512_dot_q6_K(vx, vy, n);
#endif
	return kq_vec_dot_q6_K(vx, vy, n, simd);
}

/* a prompt batch's row against 8 columns: the AVX-512 kernel when this
 * machine has it, else the AVX2 one, else `dot` column by column */
#if defined(KQ_X86)
#define COLS8(type)                                                                                 \
	(ncols == 8 && simd ? ((kq_kernels_avx512() ? kq_avx512_dot_##type##_cols8 : kq_avx2_dot_##type##_cols8)( \
				      vx, vy, by, n, s), 1)                                                \
			    : 0)
#else
#define COLS8(type) 0
#endif
#define VEC_DOT_COLS(type, dot)                                                                          \
	void kq_vec_dot_##type##_cols(const void *vx, const void *vy, size_t by, int ncols, int64_t n, float *s, \
				      int simd)                                                          \
	{                                                                                                \
		if (COLS8(type))                                                                         \
			return;                                                                          \
		for (int c = 0; c < ncols; c++)                                                          \
			s[c] = dot(vx, (const uint8_t *)vy + (size_t)c * by, n, simd);                   \
	}
VEC_DOT_COLS(q8_0, kq_vec_dot_q8_0)
VEC_DOT_COLS(q4_K, kq_vec_dot_q4_K_fast)
VEC_DOT_COLS(q6_K, kq_vec_dot_q6_K_fast)
#undef VEC_DOT_COLS
#undef COLS8
