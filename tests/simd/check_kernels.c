/* check_kernels.c - the SIMD row kernels (src/lib/quant/kernels_*.c) and
 * the engine's SIMD vector kernels (src/lib/engine/vec_*.c) against their
 * scalar reference, as a plain program so that it also runs on AArch64
 * under qemu-user (tests/simd/run.sh builds it for the host and, with
 * aarch64-linux-gnu-gcc and qemu-aarch64-static, for NEON).
 *
 * - activation formats (F16, BF16, Q8_0, Q8_1), the element-wise kernels
 *   (F16 accumulator steps, F32 += a*F16) and everything that follows
 *   llama.cpp's operation order (F32/F16 dots in ggml_vec_dot's and
 *   tinyBLAS's order, the tiled attention's scores and softmax, SwiGLU) must
 *   agree bit for bit; the F16 dot and multiply-add must also equal an
 *   independent binary16 model of llama.cpp's AVX512-FP16 arithmetic;
 * - Q8_0 and Q4_0 dots (ggml_vec_dot's lanes) and Q4_0 / IQ4_NL dots in
 *   the repacked kernels' block order must agree bit for bit too; other quantized dots may differ
 *   only by float summation order: within 1e-5 of the sum of |products|
 *   from each other and from the exact dot of what the weight and
 *   activation rows hold (2e-3 for Q8_1 activations, whose d*sum is stored
 *   in F16).
 * Exit 0 with one summary line, or 1 listing each failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/vec_internal.h"
#include "kolm/quant.h"
#include "kolm/types.h"
#include "quant/kernels_internal.h"
#include "quant/kernels_x86_internal.h"

static int checks, fails;

static void expect(int ok, const char *what, int n)
{
	checks++;
	if (!ok) {
		fails++;
		printf("FAIL %s (n=%d)\n", what, n);
	}
}

static uint64_t st = 0x2545F4914F6CDD1Dull;
static float rnd(void)
{
	st = st * 6364136223846793005ull + 1442695040888963407ull;
	return (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
}

enum { SIMD = 1, REF = 0 }; /* the kernels' last argument */

/* IEEE binary16 rounding of x + y, written independently of the engine's
 * round-to-odd F32 trick: the double sum scaled to the F16 unit in the
 * last place and rounded to nearest even, except that a tie the double
 * sum reached inexactly goes the way its error points.  x, y: values
 * F16 arithmetic adds (F16 values, or products of two) */
static double f16_add(double x, double y)
{
	const double s = x + y, bb = s - x, e = (x - (s - bb)) + (y - bb);
	if (s == 0)
		return s;
	int ex;
	frexp(s, &ex);
	const int ue = ex - 11 < -24 ? -24 : ex - 11; /* subnormals: units of 2^-24 */
	const double q = ldexp(s, -ue);
	double r = nearbyint(q);
	if (fabs(q - trunc(q)) == 0.5 && e != 0)
		r = e > 0 ? floor(q) + 1 : floor(q);
	r = ldexp(r, ue);
	return fabs(r) > 65504 ? copysign(INFINITY, r) : r;
}

/* ggml_vec_dot_f16 as llama.cpp's AVX512-FP16 build computes it: 128
 * elements a step into 4 x 32 F16 lanes, (0+2), (1+3), (0+1), the lanes
 * halved 16, 8, 4, 2, 1, the rest added in double */
static float f16_dot_oracle(const uint16_t *a, const uint16_t *b, int n)
{
	double acc[4][32] = {{0}};
	const int np = n & ~127;
	for (int i = 0; i < np; i += 128)
		for (int j = 0; j < 4; j++)
			for (int l = 0; l < 32; l++) {
				const int k = i + 32 * j + l;
				acc[j][l] = f16_add((double)kolm_fp16_to_fp32(a[k]) * kolm_fp16_to_fp32(b[k]), acc[j][l]);
			}
	for (int l = 0; l < 32; l++) {
		acc[0][l] = f16_add(acc[0][l], acc[2][l]);
		acc[1][l] = f16_add(acc[1][l], acc[3][l]);
		acc[0][l] = f16_add(acc[0][l], acc[1][l]);
	}
	for (int w = 16; w >= 1; w /= 2)
		for (int l = 0; l < w; l++)
			acc[0][l] = f16_add(acc[0][l], acc[0][l + w]);
	double s = acc[0][0];
	for (int i = np; i < n; i++)
		s += (double)kolm_fp16_to_fp32(a[i]) * kolm_fp16_to_fp32(b[i]);
	return (float)s;
}

/* a weight row dotted as the engine dots it: the type's vec_dot, or (no
 * kernel) the row dequantized and dotted in F32 */
static float row_dot(int ty, const void *w, const void *a, int n, float *scr, int simd)
{
	const struct kolm_type_traits *tt = kolm_type_traits(ty);
	if (tt->vec_dot)
		return tt->vec_dot(w, a, n, simd);
	return kolm_dequantize_row(ty, w, scr, n) == 0 ? kq_vec_dot_f32(scr, a, n, simd) : NAN;
}

/* every weight type the engine dots, at lengths its blocks allow */
static void check_dots(void)
{
	static const int types[] = {KOLM_T_F32, KOLM_T_F16, KOLM_T_BF16, KOLM_T_Q8_0, KOLM_T_Q4_0, KOLM_T_Q4_1,
				    KOLM_T_Q5_0, KOLM_T_Q5_1, KOLM_T_Q2_K, KOLM_T_Q3_K, KOLM_T_Q4_K, KOLM_T_Q5_K,
				    KOLM_T_Q6_K, KOLM_T_IQ4_NL, KOLM_T_IQ4_XS};
	static const int lens[] = {256, 512, 1024, 2048};
	enum { NMAX = 2048 };
	static float w[NMAX], x[NMAX], dq[NMAX], scr[NMAX], xr[NMAX];
	static uint8_t q[NMAX * 4], a0[NMAX * 4], a1[NMAX * 4];
	for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		const int n = lens[li];
		for (int i = 0; i < n; i++) {
			w[i] = rnd();
			x[i] = rnd() * 3 + (i % 97 == 0 ? 20 : 0); /* an outlier per block or so */
		}
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
			const int ty = types[t];
			char what[64];
			if (kolm_quantize_rows(ty, w, q, 1, n) != 0 || kolm_dequantize_row(ty, q, dq, n) != 0) {
				snprintf(what, sizeof what, "quantize %s", kolm_type_name(ty));
				expect(0, what, n);
				continue;
			}
			const struct kolm_type_traits *tt = kolm_type_traits(ty);
			const int act = tt->vec_dot ? tt->vec_dot_type : KOLM_T_F32, mk = act;
			const size_t ab = kolm_type_row_bytes(mk, n);
			kolm_type_traits(mk)->from_float(x, a0, n, SIMD);
			kolm_type_traits(mk)->from_float(x, a1, n, REF);
			snprintf(what, sizeof what, "activations for %s", kolm_type_name(ty));
			expect(memcmp(a0, a1, ab) == 0, what, n);
			/* what the activation row holds, as floats */
			if (mk == KOLM_T_F32)
				memcpy(xr, x, (size_t)n * sizeof *x);
			else if (mk == KOLM_T_F16 || mk == KOLM_T_BF16)
				for (int i = 0; i < n; i++) {
					uint16_t h;
					memcpy(&h, a1 + 2 * i, 2);
					xr[i] = mk == KOLM_T_F16 ? kolm_fp16_to_fp32(h) : kolm_bf16_to_fp32(h);
				}
			else if (mk == KOLM_T_Q8_K) /* f32 d, qs[256], bsums */
				for (int b = 0; b < n / 256; b++) {
					const uint8_t *blk = a1 + (size_t)b * kolm_type_traits(KOLM_T_Q8_K)->type_size;
					float d;
					memcpy(&d, blk, 4);
					const int8_t *qs = (const int8_t *)(blk + 4);
					for (int j = 0; j < 256; j++)
						xr[b * 256 + j] = d * qs[j];
					for (int k = 0; k < 16; k++) {
						int16_t bs;
						int sum = 0;
						memcpy(&bs, blk + 260 + 2 * k, 2);
						for (int j = 0; j < 16; j++)
							sum += qs[16 * k + j];
						snprintf(what, sizeof what, "Q8_K bsums for %s", kolm_type_name(ty));
						expect(bs == sum, what, n);
					}
				}
			else /* Q8_0: d, qs[32]; Q8_1: d, s, qs[32] */
				for (int b = 0; b < n / 32; b++) {
					const uint8_t *blk = a1 + (size_t)b * kolm_type_traits(mk)->type_size;
					uint16_t d;
					memcpy(&d, blk, 2);
					const int8_t *qs = (const int8_t *)(blk + (mk == KOLM_T_Q8_0 ? 2 : 4));
					for (int j = 0; j < 32; j++)
						xr[b * 32 + j] = kolm_fp16_to_fp32(d) * qs[j];
				}
			double exact = 0, mag = 0;
			for (int i = 0; i < n; i++) {
				exact += (double)dq[i] * xr[i];
				mag += fabs((double)dq[i] * xr[i]);
			}
			const float s = row_dot(ty, q, a0, n, scr, SIMD), r = row_dot(ty, q, a1, n, scr, REF);
			snprintf(what, sizeof what, "dot %s simd vs scalar", kolm_type_name(ty));
			if (ty == KOLM_T_F32 || ty == KOLM_T_F16 || ty == KOLM_T_Q8_0 || ty == KOLM_T_Q4_0)
				expect(s == r, what, n);
			else
				expect(fabs((double)s - r) <= 1e-5 * mag, what, n);
			if (ty == KOLM_T_Q4_0 || ty == KOLM_T_IQ4_NL) { /* and in the repacked kernels' order */
				const kolm_vec_dot_fn x8 = ty == KOLM_T_Q4_0 ? kq_vec_dot_q4_0_x8 : kq_vec_dot_iq4_nl_x8;
				const kq_vec_dot_cols_fn x8_cols =
					ty == KOLM_T_Q4_0 ? kq_vec_dot_q4_0_x8_cols : kq_vec_dot_iq4_nl_x8_cols;
				const float s8 = x8(q, a0, n, SIMD), r8 = x8(q, a1, n, REF);
				snprintf(what, sizeof what, "dot %s x8 simd vs scalar", kolm_type_name(ty));
				expect(s8 == r8, what, n);
				snprintf(what, sizeof what, "dot %s x8 vs exact", kolm_type_name(ty));
				expect(fabs((double)r8 - exact) <= 1e-5 * mag, what, n);
				/* row prefixes of 3, 10, 17... blocks: the kernels' loop over
				 * blocks left after the groups of 8 */
				for (int m = 96; m < n; m += 224) {
					snprintf(what, sizeof what, "dot %s x8 simd vs scalar, %d blocks", kolm_type_name(ty), m / 32);
					expect(x8(q, a0, m, SIMD) == x8(q, a1, m, REF), what, m);
				}
				/* a prompt batch: one row against 8 activation rows at once
				 * must give each row's own dot */
				static float xc[NMAX];
				static uint8_t cols[8][NMAX * 4];
				const size_t ab = kolm_type_row_bytes(act, n);
				for (int c = 0; c < 8; c++) {
					for (int i = 0; i < n; i++)
						xc[i] = x[(i + 37 * c) % n] * (1.0f + 0.3f * (float)c) - (c == 5 ? 40.0f : 0.0f);
					kolm_type_traits(act)->from_float(xc, cols[c], n, REF);
				}
				static uint8_t packed[8 * NMAX * 4];
				for (int c = 0; c < 8; c++)
					memcpy(packed + (size_t)c * ab, cols[c], ab);
				float o[8];
				x8_cols(q, packed, ab, 8, n, o, SIMD);
				int same = 1;
				for (int c = 0; c < 8; c++)
					same &= o[c] == x8(q, cols[c], n, REF);
				snprintf(what, sizeof what, "dot %s x8, 8 columns at once, bit for bit", kolm_type_name(ty));
				expect(same, what, n);
				/* a decode step: 8 weight rows against one activation row */
				{
					const kq_vec_dot_rows_fn x8_rows =
						ty == KOLM_T_Q4_0 ? kq_vec_dot_q4_0_x8_rows : kq_vec_dot_iq4_nl_x8_rows;
					const size_t rb = kolm_type_row_bytes(ty, n);
					static float wr[NMAX];
					static uint8_t rows[8 * NMAX * 4];
					for (int r = 0; r < 8; r++) {
						for (int i = 0; i < n; i++)
							wr[i] = w[(i + 53 * r) % n] * (1.0f + 0.2f * (float)r);
						kolm_quantize_rows(ty, wr, rows + (size_t)r * rb, 1, n);
					}
					x8_rows(rows, rb, a1, 8, n, o, SIMD);
					same = 1;
					for (int r = 0; r < 8; r++)
						same &= o[r] == x8(rows + (size_t)r * rb, a1, n, REF);
					snprintf(what, sizeof what, "dot %s x8, 8 rows at once, bit for bit", kolm_type_name(ty));
					expect(same, what, n);
					/* a prompt batch two and eight rows at a time, and eight
					 * against a batch's tail of 5 columns */
					for (int v = 0; ty == KOLM_T_Q4_0 && v < 3; v++) {
						const int nr = v ? 8 : 2, nc = v == 2 ? 5 : 8;
						float o64[64];
						(nr == 2 ? kq_vec_dot_q4_0_x8_rows2_cols : kq_vec_dot_q4_0_x8_rows8_cols)(
							rows, rb, packed, ab, nc, n, o64, SIMD);
						same = 1;
						for (int r = 0; r < nr; r++)
							for (int c = 0; c < nc; c++)
								same &= o64[8 * r + c] == x8(rows + (size_t)r * rb, cols[c], n, REF);
						snprintf(what, sizeof what, "dot q4_0 x8, %d rows x %d columns at once, bit for bit", nr, nc);
						expect(same, what, n);
					}
#ifdef KQ_X86
					/* the AVX2 versions, which an AVX-512 machine's dispatch skips for Q4_0 */
					static const int8_t q4_0_lut[16] = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};
					static const int8_t iq4nl_lut[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
					const int8_t *lut = ty == KOLM_T_Q4_0 ? q4_0_lut : iq4nl_lut;
					kq_avx2_dot_nl_x8_rows8(rows, rb, a1, n, lut, o);
					same = 1;
					for (int r = 0; r < 8; r++)
						same &= o[r] == x8(rows + (size_t)r * rb, a1, n, REF);
					snprintf(what, sizeof what, "dot %s x8 avx2, 8 rows at once, bit for bit", kolm_type_name(ty));
					expect(same, what, n);
					kq_avx2_dot_nl_x8_cols8(q, packed, ab, n, lut, o);
					same = 1;
					for (int c = 0; c < 8; c++)
						same &= o[c] == x8(q, cols[c], n, REF);
					snprintf(what, sizeof what, "dot %s x8 avx2, 8 columns at once, bit for bit", kolm_type_name(ty));
					expect(same, what, n);
#endif
				}
			}
			/* the reference is exact up to float rounding, except that a Q8_1
			 * block carries d*sum(qs) rounded to F16 (as ggml's does) */
			snprintf(what, sizeof what, "dot %s vs exact", kolm_type_name(ty));
			/* F16 rows sum in F16 (f16_dot_oracle, checked exactly below):
			 * each of the n/128 + 7 additions a lane sees may be off by
			 * half a unit of 2^-10 */
			const double tol = ty == KOLM_T_F16 ? ldexp(n / 128 + 7, -11) : act == KOLM_T_Q8_1 ? 2e-3 : 1e-5;
			expect(fabs((double)r - exact) <= tol * mag, what, n);
		}
	}
}

/* F32/F16 dots and the attention helpers, at lengths with every tail */
static void check_vectors(void)
{
	enum { NMAX = 300 };
	static float a[NMAX], b[NMAX], y0[NMAX], y1[NMAX];
	static uint16_t h[NMAX], g[NMAX], acc0[NMAX], acc1[NMAX], want[NMAX];
	for (int n = 1; n <= NMAX; n += n < 40 ? 1 : 37) {
		for (int i = 0; i < n; i++) {
			a[i] = rnd() * 4;
			b[i] = rnd();
			h[i] = kolm_fp32_to_fp16(rnd() * 2);
			g[i] = kolm_fp32_to_fp16(rnd() * 8);
			y0[i] = y1[i] = rnd();
			acc0[i] = acc1[i] = kolm_fp32_to_fp16(rnd() * 3);
		}
		double m32 = 0, m16 = 0, e32 = 0, e16 = 0;
		for (int i = 0; i < n; i++) {
			const double fh = kolm_fp16_to_fp32(h[i]), fg = kolm_fp16_to_fp32(g[i]);
			e32 += (double)a[i] * b[i], m32 += fabs((double)a[i] * b[i]);
			e16 += fh * fg, m16 += fabs(fh * fg);
		}
		const float d32 = kq_vec_dot_f32(a, b, n, SIMD), d16 = kq_vec_dot_f16(h, g, n, SIMD);
		expect(fabs(d32 - e32) <= 1e-6 * m32 + 1e-30, "dot_f32", n);
		expect(d16 == f16_dot_oracle(h, g, n), "dot_f16 = binary16 arithmetic", n);
		expect(d32 == kq_vec_dot_f32(a, b, n, REF), "dot_f32 bit for bit", n);
		expect(d16 == kq_vec_dot_f16(h, g, n, REF), "dot_f16 bit for bit", n);
		{
			/* the fast default's F16 dot (F32 sums; AVX-512 where the CPU
			 * has it, so the AVX2 one directly too): within n units of
			 * F32 rounding of the sum of |products| */
			const double tol = ldexp(n, -24) * m16 + 1e-30;
			expect(fabs(kq_vec_dot_f16_f32(h, g, n, SIMD) - e16) <= tol, "dot_f16_f32 vs exact", n);
			expect(fabs(kq_vec_dot_f16_f32(h, g, n, REF) - e16) <= tol, "dot_f16_f32 scalar vs exact", n);
#ifdef KQ_X86
			expect(fabs(kq_avx2_dot_f16_f32(h, g, n) - e16) <= tol, "dot_f16_f32 avx2 vs exact", n);
#endif
		}
		if (n % 16 == 0) {
			const float t32 = kq_vec_dot_f32_tb(a, b, n, SIMD);
			const float t16 = kq_vec_dot_f16_tb(h, g, n, SIMD);
			expect(fabs(t32 - e32) <= 1e-6 * m32 + 1e-30, "dot_tb F32", n);
			expect(fabs(t16 - e16) <= 1e-6 * m16 + 1e-30, "dot_tb F16", n);
			expect(t32 == kq_vec_dot_f32_tb(a, b, n, REF), "dot_tb F32 bit for bit", n);
			expect(t16 == kq_vec_dot_f16_tb(h, g, n, REF), "dot_tb F16 bit for bit", n);
		}
		{
			/* SwiGLU over n, a tile's softmax and scores */
			static float x[NMAX], sw0[NMAX], sw1[NMAX];
			for (int i = 0; i < n; i++)
				x[i] = a[i] * 6 - (i % 11 == 0 ? 110 : 0); /* some beyond the fast exp range */
			ek_swiglu(x, b, sw0, n, SIMD);
			ek_swiglu(x, b, sw1, n, REF);
			expect(memcmp(sw0, sw1, (size_t)n * sizeof *sw0) == 0, "swiglu bit for bit", n);
			if (n >= 64) {
				float sc[64], p0[64], p1[64], k0[64], k1[64];
				for (int i = 0; i < 64; i++)
					sc[i] = i % 5 == 2 ? -INFINITY : a[i] * 30;
				const double s0 = ek_softmax16(p0, sc, 20.0f, 64, SIMD);
				const double s1 = ek_softmax16(p1, sc, 20.0f, 64, REF);
				expect(memcmp(p0, p1, sizeof p0) == 0 && s0 == s1, "softmax16 bit for bit", n);
				/* kt[d * 72 + c], head dims 1..48, every cell count */
				static float kt[48 * 72];
				for (int i = 0; i < 48 * 72; i++)
					kt[i] = rnd() * 2;
				const int hd = 1 + n % 48;
				for (int nc = 1; nc <= 64; nc++) {
					ek_kq_seq(b, kt + 5, 72, hd, nc, k0, SIMD);
					ek_kq_seq(b, kt + 5, 72, hd, nc, k1, REF);
					expect(memcmp(k0, k1, (size_t)nc * sizeof *k0) == 0, "kq_seq bit for bit", n);
				}
			}
		}
		ek_axpy_f16(y0, h, 0.37f, n, SIMD);
		ek_axpy_f16(y1, h, 0.37f, n, REF);
		expect(memcmp(y0, y1, (size_t)n * sizeof *y0) == 0, "axpy_f16 bit for bit", n);
		kq_from_float_f16(a, want, n, REF);
		kq_from_float_f16(a, acc0, n, SIMD);
		expect(memcmp(acc0, want, (size_t)n * 2) == 0, "to_f16 bit for bit", n);
		for (int i = 0; i < n; i++)
			acc0[i] = acc1[i];
		for (int step = 0; step < 6; step++) {
			const float s = step % 2 ? expf(-0.3f * (float)step) : 1.0f / (float)(step + 1);
			ek_mad_f16(acc0, h, s, n, SIMD);
			ek_mad_f16(acc1, h, s, n, REF);
			expect(memcmp(acc0, acc1, (size_t)n * 2) == 0, "mad_f16 bit for bit", n);
			ek_scale_f16(acc0, 0.93f, n, SIMD);
			ek_scale_f16(acc1, 0.93f, n, REF);
			expect(memcmp(acc0, acc1, (size_t)n * 2) == 0, "scale_f16 bit for bit", n);
		}
		/* the formula itself: whole steps of 128 in binary16 with a
		 * rounded to F16, the rest libm's correctly rounded fmaf */
		const float ah = kolm_fp16_to_fp32(kolm_fp32_to_fp16(0.61f));
		for (int i = 0; i < n; i++)
			want[i] = kolm_fp32_to_fp16(
				i < (n & ~127) ? (float)f16_add((double)kolm_fp16_to_fp32(h[i]) * ah, kolm_fp16_to_fp32(acc0[i]))
					       : fmaf(kolm_fp16_to_fp32(h[i]), 0.61f, kolm_fp16_to_fp32(acc0[i])));
		ek_mad_f16(acc0, h, 0.61f, n, SIMD);
		expect(memcmp(acc0, want, (size_t)n * 2) == 0, "mad_f16 = llama.cpp's formula", n);
	}
}

/* A sum that double rounding gets wrong: lane 0 holds 1 + 2^-10 and adds
 * (1 + 2^-10)(1 - 2^-10) 2^-11 = 2^-11 - 2^-31.  F32 rounds the sum to
 * the F16 tie 1 + 2^-10 + 2^-11, which ties-to-even would take up to
 * 1 + 2^-9; the exact sum is below the tie, so binary16 gives 1 + 2^-10. */
static void check_f16_rounding(void)
{
	static uint16_t a[256], b[256];
	a[0] = a[128] = kolm_fp32_to_fp16(1.0f + 0x1p-10f);
	b[0] = kolm_fp32_to_fp16(1.0f);
	b[128] = kolm_fp32_to_fp16((1.0f - 0x1p-10f) * 0x1p-11f);
	const float want = 1.0f + 0x1p-10f;
	expect(kq_vec_dot_f16(a, b, 256, SIMD) == want, "dot_f16 rounds each sum once", 256);
	expect(kq_vec_dot_f16(a, b, 256, REF) == want, "dot_f16 rounds each sum once (scalar)", 256);
	expect(f16_dot_oracle(a, b, 256) == want, "binary16 oracle rounds each sum once", 256);
	/* the same with the product negative: the F32 sum lands on a tie from
	 * below the exact value, so the nudge must go up */
	a[128] = kolm_fp32_to_fp16(-(1.0f + 0x1p-10f));
	expect(kq_vec_dot_f16(a, b, 256, SIMD) == want, "dot_f16 rounds each sum once (upward)", 256);
	expect(kq_vec_dot_f16(a, b, 256, REF) == want, "dot_f16 rounds each sum once (upward, scalar)", 256);

	/* Sums around F16 ties, through ggml_vec_mad_f16's F16 steps: acc = 1 +
	 * m 2^-10 (odd and even m) plus v * a = +-(1 + i 2^-10)(1 - i 2^-10)
	 * 2^-11 = +-(2^-11 - i^2 2^-31).  For i <= 11 F32 rounds the sum onto
	 * the tie (the nudge decides, up or down); for i = 12, 13 it rounds to
	 * the odd F32 value next to it, which must not move. */
	static uint16_t acc0[128], acc1[128], v[128], want16[128];
	for (int i = 1; i <= 13; i++) {
		const float ai = (1.0f - (float)i * 0x1p-10f) * 0x1p-11f;
		for (int k = 0; k < 128; k++) {
			acc0[k] = acc1[k] = kolm_fp32_to_fp16(1.0f + (float)(k % 16) * 0x1p-10f);
			v[k] = kolm_fp32_to_fp16((k & 16 ? -1.0f : 1.0f) * (1.0f + (float)i * 0x1p-10f));
			want16[k] = kolm_fp32_to_fp16((float)f16_add(
				(double)kolm_fp16_to_fp32(v[k]) * ai, kolm_fp16_to_fp32(acc0[k])));
		}
		ek_mad_f16(acc0, v, ai, 128, SIMD);
		ek_mad_f16(acc1, v, ai, 128, REF);
		expect(memcmp(acc0, want16, sizeof want16) == 0, "mad_f16 at F16 ties = binary16", i);
		expect(memcmp(acc1, want16, sizeof want16) == 0, "mad_f16 at F16 ties = binary16 (scalar)", i);
	}
	/* and random F16 multiply-adds, subnormal to large */
	uint64_t r = 0x9E3779B97F4A7C15ull;
	int same = 1;
	for (int rep = 0; rep < 2000; rep++) {
		const float ai = kolm_fp16_to_fp32(kolm_fp32_to_fp16(ldexpf(rnd(), (int)(rep % 24) - 12)));
		for (int k = 0; k < 128; k++) {
			r = r * 6364136223846793005ull + 1442695040888963407ull;
			v[k] = (uint16_t)(r >> 48) & 0x7bff;  /* finite, both signs below */
			v[k] |= (uint16_t)((r >> 20) & 0x8000);
			acc0[k] = acc1[k] = (uint16_t)((r >> 32) & 0xfbff);
			want16[k] = kolm_fp32_to_fp16((float)f16_add(
				(double)kolm_fp16_to_fp32(v[k]) * ai, kolm_fp16_to_fp32(acc0[k])));
		}
		ek_mad_f16(acc0, v, ai, 128, SIMD);
		ek_mad_f16(acc1, v, ai, 128, REF);
		same &= memcmp(acc0, want16, sizeof want16) == 0 && memcmp(acc1, want16, sizeof want16) == 0;
	}
	expect(same, "mad_f16 on 256000 random F16 multiply-adds = binary16", 128);
}

/* the fast path's F16 prompt batch: activations rounded through F16 bit
 * for bit, and one row against 8 activation rows at once within F32
 * rounding of each row's exact dot (AVX-512 and AVX2 versions) */
static void check_f16_cols(void)
{
	enum { NMAX = 300 };
	static uint16_t w[NMAX];
	static float x[8][NMAX], y0[NMAX], y1[NMAX];
	for (int n = 1; n <= NMAX; n += n < 40 ? 1 : 37) {
		for (int i = 0; i < n; i++)
			w[i] = kolm_fp32_to_fp16(rnd() * 2);
		for (int c = 0; c < 8; c++) {
			for (int i = 0; i < n; i++)
				y0[i] = rnd() * (1 + c) + (i % 29 == 0 ? 50 : 0);
			kq_round_f16(y0, x[c], n, SIMD);
			kq_round_f16(y0, y1, n, REF);
			expect(memcmp(x[c], y1, (size_t)n * sizeof *y1) == 0, "round_f16 bit for bit", n);
		}
		float o[8], r[8], o2r[16], w1o[8];
		kq_vec_dot_f16_f32_cols(w, x[0], sizeof x[0], 8, n, o, SIMD);
		/* two rows at once (w and w reversed): each the 8-column kernel's bits */
		static uint16_t ww[2][NMAX];
		for (int i = 0; i < n; i++) {
			ww[0][i] = w[i];
			ww[1][i] = w[n - 1 - i];
		}
		kq_vec_dot_f16_f32_rows2_cols(ww[0], sizeof ww[0], x[0], sizeof x[0], 8, n, o2r, SIMD);
		kq_vec_dot_f16_f32_cols(ww[1], x[0], sizeof x[0], 8, n, w1o, SIMD);
		expect(memcmp(o2r, o, sizeof o) == 0 && memcmp(o2r + 8, w1o, sizeof w1o) == 0,
		       "dot_f16_f32 2 rows x 8 columns = 8 columns row by row", n);
		kq_vec_dot_f16_f32_cols(w, x[0], sizeof x[0], 8, n, r, REF);
#ifdef KQ_X86
		float o2[8];
		kq_avx2_dot_f16_f32_cols8(w, x[0], sizeof x[0], n, o2);
#endif
		for (int c = 0; c < 8; c++) {
			double e = 0, m = 0;
			for (int i = 0; i < n; i++) {
				e += (double)kolm_fp16_to_fp32(w[i]) * x[c][i];
				m += fabs((double)kolm_fp16_to_fp32(w[i]) * x[c][i]);
			}
			const double tol = ldexp(n, -24) * m + 1e-30;
			expect(fabs(o[c] - e) <= tol, "dot_f16_f32 8 columns vs exact", n);
			expect(fabs(r[c] - e) <= tol, "dot_f16_f32 8 columns scalar vs exact", n);
#ifdef KQ_X86
			expect(fabs(o2[c] - e) <= tol, "dot_f16_f32 8 columns avx2 vs exact", n);
#endif
		}
	}
}

/* the K-quants' activation quantizer, byte for byte with the reference on
 * the blocks where it could differ: a tie for the largest magnitude (the
 * first, negative, sets the scale), halves that round to even, zeros, a
 * NaN or an infinity, and magnitudes so small that -127 / max overflows
 * (the last three left to the reference) */
static void check_q8_K_quant(void)
{
	static float x[6 * 256];
	static uint8_t a0[6 * 300], a1[6 * 300];
	for (int i = 0; i < 6 * 256; i++)
		x[i] = rnd() * 3;
	x[5] = -9.0f, x[200] = 9.0f;                     /* block 0: a tie, the negative first */
	x[256 + 7] = -127.0f;                              /* block 1: scale 1, halves */
	for (int i = 0; i < 64; i++)
		x[256 + 20 + i] = (float)(i - 32) + 0.5f;
	for (int i = 0; i < 256; i++)                      /* block 2: zeros */
		x[512 + i] = 0.0f;
	x[768 + 3] = NAN;                                  /* block 3: a NaN */
	x[1024 + 9] = INFINITY;                            /* block 4: an infinity */
	for (int i = 0; i < 256; i++)                      /* block 5: -127 / max overflows */
		x[1280 + i] = (i % 3 ? 1e-38f : -2e-38f) * (float)(i % 7);
	const struct kolm_type_traits *tt = kolm_type_traits(KOLM_T_Q8_K);
	tt->from_float(x, a0, 6 * 256, SIMD);
	tt->from_float(x, a1, 6 * 256, REF);
	for (int b = 0; b < 6; b++) {
		const size_t bb = kolm_type_row_bytes(KOLM_T_Q8_K, 256);
		expect(memcmp(a0 + b * bb, a1 + b * bb, bb) == 0, "q8_K activations, special blocks, byte for byte", b);
	}
}

/* eight F16 rows against 8 activation rows at once (the AVX-512 kernel
 * takes the inner dimension in chunks of 512, across which each lane's
 * accumulation must carry on): every value the 8-column kernel's bits, for
 * lengths around and across the chunk boundaries */
static void check_f16_rows8(void)
{
	enum { NMAX = 1201 };
	static uint16_t w[8][NMAX];
	static float x[8][NMAX];
	static const int ns[] = {16, 37, 511, 512, 527, 1024, 1040, 1201};
	for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		const int n = ns[t];
		for (int r = 0; r < 8; r++)
			for (int i = 0; i < n; i++)
				w[r][i] = kolm_fp32_to_fp16(rnd() * (1.0f + 0.25f * (float)r));
		for (int c = 0; c < 8; c++) {
			static float y0[NMAX];
			for (int i = 0; i < n; i++)
				y0[i] = rnd() * (1 + c) + (i % 31 == 0 ? 20 : 0);
			kq_round_f16(y0, x[c], n, REF);
		}
		int same = 1;
		for (int nc = 8; nc >= 5; nc -= 3) { /* and a batch's tail of 5 columns */
			float o64[64], o[8];
			kq_vec_dot_f16_f32_rows8_cols(w[0], sizeof w[0], x[0], sizeof x[0], nc, n, o64, SIMD);
			for (int r = 0; r < 8; r++) {
				kq_vec_dot_f16_f32_cols(w[r], x[0], sizeof x[0], nc, n, o, SIMD);
				same &= memcmp(o64 + 8 * r, o, (size_t)nc * sizeof o[0]) == 0;
			}
		}
		expect(same, "dot_f16_f32 8 rows x 8 and 5 columns = row by row", n);
	}
}

/* a prompt batch's Q8_0, Q4_K and Q6_K matmul: one row against 8
 * activation rows at once (the AVX-512 or AVX2 kernels) must give each row's own dot: Q8_0 vec_dot's bits, the K-quants
 * the fast path's one-row dot's bits, which must be within 1e-5 of the
 * sum of |products| from the scalar reference (another float order); and
 * with 5 columns (the batch's tail, column by column) the same */
static void check_cols(void)
{
	static const int types[] = {KOLM_T_Q8_0, KOLM_T_Q4_K, KOLM_T_Q6_K};
	static const kq_vec_dot_cols_fn fns[] = {kq_vec_dot_q8_0_cols, kq_vec_dot_q4_K_cols, kq_vec_dot_q6_K_cols};
	enum { NMAX = 2048 };
	static float w[NMAX], dq[NMAX], xc[8][NMAX];
	static uint8_t q[NMAX * 2], packed[8 * NMAX * 2];
	for (int n = 256; n <= NMAX; n *= 8) {
		for (int i = 0; i < n; i++)
			w[i] = rnd() + (i % 301 == 0 ? 4.0f : 0.0f);
		for (int c = 0; c < 8; c++)
			for (int i = 0; i < n; i++) /* column 5: an outlier that sets its scale */
				xc[c][i] = rnd() * (1.0f + 0.3f * (float)c) + (c == 5 && i % 97 == 3 ? 40.0f : 0.0f);
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
			const int ty = types[t], act = kolm_type_traits(ty)->vec_dot_type;
			const size_t ab = kolm_type_row_bytes(act, n);
			char what[80];
			if (kolm_quantize_rows(ty, w, q, 1, n) != 0 || kolm_dequantize_row(ty, q, dq, n) != 0) {
				expect(0, "quantize for the columns check", n);
				continue;
			}
			for (int c = 0; c < 8; c++)
				kolm_type_traits(act)->from_float(xc[c], packed + (size_t)c * ab, n, REF);
			for (int nc = 8; nc >= 5; nc -= 3) {
				float o[8];
				fns[t](q, packed, ab, nc, n, o, SIMD);
				int ok = 1;
				for (int c = 0; c < nc; c++) {
					const uint8_t *a = packed + (size_t)c * ab;
					const float r = kolm_type_traits(ty)->vec_dot(q, a, n, REF);
					double mag = 0;
					for (int i = 0; i < n; i++)
						mag += fabs((double)dq[i] * xc[c][i]);
					if (ty == KOLM_T_Q8_0) {
						ok &= o[c] == r;
					} else { /* the fast path's one-row dot: its bits, near the reference */
						const float f = (ty == KOLM_T_Q4_K ? kq_vec_dot_q4_K_fast : kq_vec_dot_q6_K_fast)(q, a, n, SIMD);
						ok &= o[c] == f && fabs((double)f - r) <= 1e-5 * mag;
					}
				}
				snprintf(what, sizeof what, "dot %s, %d columns at once vs scalar", kolm_type_name(ty), nc);
				expect(ok, what, n);
			}
			if (ty == KOLM_T_Q8_0) { /* 8 rows x 8 columns at once: each row's vec_dot bits */
				static uint8_t rows[8][NMAX * 2];
				static float wr[NMAX];
				for (int r = 0; r < 8; r++) {
					for (int i = 0; i < n; i++) /* row 3 has a -127 at every 53rd weight */
						wr[i] = w[(i + 29 * r) % n] * (1.0f + 0.2f * (float)r) - (r == 3 && i % 53 == 0 ? 30.0f : 0.0f);
					kolm_quantize_rows(ty, wr, rows[r], 1, n);
				}
				int ok = 1;
				for (int nc = 8; nc >= 5; nc -= 3) { /* and a batch's tail of 5 columns */
					float o64[64];
					kq_vec_dot_q8_0_rows8_cols(rows[0], sizeof rows[0], packed, ab, nc, n, o64, SIMD);
					for (int r = 0; r < 8; r++)
						for (int c = 0; c < nc; c++)
							ok &= o64[8 * r + c] ==
							      kolm_type_traits(ty)->vec_dot(rows[r], packed + (size_t)c * ab, n, REF);
				}
				expect(ok, "dot q8_0, 8 rows x 8 and 5 columns at once vs scalar", n);
				/* a decode step: 7 rows (4 at once, then 3) against one activation row */
				float o7[7];
				kq_vec_dot_q8_0_rows(rows[0], sizeof rows[0], packed + 5 * ab, 7, n, o7, SIMD);
				ok = 1;
				for (int r = 0; r < 7; r++)
					ok &= o7[r] == kolm_type_traits(ty)->vec_dot(rows[r], packed + 5 * ab, n, REF);
				expect(ok, "dot q8_0, 7 rows against one activation row vs scalar", n);
			}
		}
	}
}

/* a prompt batch's Q4_K / Q6_K matmul as tiles (kq_tiled_*): 16, 13 and 5
 * weight rows against 16, 21 and 27 activation rows (a last band of 5 or
 * 11: the rest zeros, the 256-bit kernels' second half partly filled).  This machine's kernels (AVX-512, AVX-VNNI, and with
 * AVX-VNNI off the AVX2 ones) must give the scalar reference's bits, and
 * that reference must be within 1e-5 of the sum of |products| from the
 * scalar vec_dot; nothing is written past the rows and the batch; an
 * activation row repeated at places 3 and 26 (another lane of the second,
 * padded band) gets the same bits. */
static void tiled_case(int ty, int n, int nr, int nb, const uint8_t *rows, size_t rb, uint8_t *pa, uint8_t *ws,
		       int simd, float *y)
{
	for (int i = 0; i < 27 * 16; i++)
		y[i] = -1e30f;
	kq_tiled_rows(ty, rows, rb, nr, pa, nb, n, y, 16, ws, simd);
}

static void check_tiled(void)
{
	enum { NMAX = 2048, NB = 27 };
	static const int types[] = {KOLM_T_Q4_K, KOLM_T_Q6_K};
	static float w[16][NMAX], dq[16][NMAX], xc[NB][NMAX], y[NB * 16], yr[NB * 16];
	static uint8_t rows[16][NMAX], acts[NB][NMAX * 2], ws[23 * NMAX + 64];
	static uint8_t panel[2 * (NMAX / 256) * 5184 + 64];
	uint8_t *pa = (uint8_t *)(((uintptr_t)panel + 63) & ~(uintptr_t)63);
	for (int n = 256; n <= NMAX; n *= 8)
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
			const int ty = types[t];
			if (!kq_tiled_ok(ty, SIMD))
				continue;
			expect(kq_tiled_ws_bytes(n) <= sizeof ws && kq_tiled_panel_bytes(NB, n) + 64 <= sizeof panel,
			       "tiled buffers fit", n);
			for (int r = 0; r < 16; r++) {
				for (int i = 0; i < n; i++) /* row 6: a large weight every 61st */
					w[r][i] = rnd() * (1.0f + 0.1f * (float)r) + (r == 6 && i % 61 == 0 ? 9.0f : 0.0f);
				kolm_quantize_rows(ty, w[r], rows[r], 1, n);
				kolm_dequantize_row(ty, rows[r], dq[r], n);
			}
			for (int b = 0; b < NB; b++) {
				for (int i = 0; i < n; i++) /* row 9: an outlier that sets its scale */
					xc[b][i] = b == 26 ? xc[3][i] : rnd() * (1.0f + 0.2f * (float)b) + (b == 9 && i % 89 == 1 ? 30.0f : 0.0f);
				kolm_type_traits(KOLM_T_Q8_K)->from_float(xc[b], acts[b], n, REF);
			}
			for (int v = 0; v < 9; v++) {
				const int nr = v % 3 == 0 ? 16 : v % 3 == 1 ? 13 : 5, nb = v < 3 ? 16 : v < 6 ? 21 : NB;
				for (int b = 0; b < (nb + 15) / 16 * 16; b++)
					kq_tiled_pack(b < nb ? acts[b] : NULL, b, n, pa);
				tiled_case(ty, n, nr, nb, rows[0], sizeof rows[0], pa, ws, REF, yr);
				int ok = 1, kept = 1;
				for (int b = 0; b < nb; b++)
					for (int r = 0; r < nr; r++) {
						double mag = 0;
						for (int i = 0; i < n; i++)
							mag += fabs((double)dq[r][i] * xc[b][i]);
						const float ref = kolm_type_traits(ty)->vec_dot(rows[r], acts[b], n, REF);
						ok &= fabs((double)yr[16 * b + r] - ref) <= 1e-5 * mag;
					}
				char what[112];
				snprintf(what, sizeof what, "tiled %s reference, %d rows x %d columns vs vec_dot", kolm_type_name(ty),
					 nr, nb);
				expect(ok, what, n);
				/* this machine's kernels, and with AVX-VNNI off the AVX2 ones */
				for (int off = 0; off < 2; off++) {
					kq_kernels_avxvnni_off(off);
					if (off && strcmp(kq_tiled_isa(SIMD), "avx2") != 0)
						break;
					tiled_case(ty, n, nr, nb, rows[0], sizeof rows[0], pa, ws, SIMD, y);
					int same = 1;
					kept = 1;
					for (int b = 0; b < NB; b++)
						for (int r = 0; r < 16; r++)
							if (b >= nb || r >= nr) /* nothing written past the rows and the batch */
								kept &= y[16 * b + r] == -1e30f;
							else
								same &= y[16 * b + r] == yr[16 * b + r];
					snprintf(what, sizeof what, "tiled %s %s, %d rows x %d columns: the reference's bits",
						 kolm_type_name(ty), kq_tiled_isa(SIMD), nr, nb);
					expect(same, what, n);
					snprintf(what, sizeof what, "tiled %s %s, %d rows x %d columns: nothing else written",
						 kolm_type_name(ty), kq_tiled_isa(SIMD), nr, nb);
					expect(kept, what, n);
					if (nb == NB) {
						same = 1;
						for (int r = 0; r < nr; r++)
							same &= y[16 * 26 + r] == y[16 * 3 + r];
						snprintf(what, sizeof what, "tiled %s %s: a row's bits do not depend on its place",
							 kolm_type_name(ty), kq_tiled_isa(SIMD));
						expect(same, what, n);
					}
				}
				kq_kernels_avxvnni_off(0);
			}
		}
}

int main(void)
{
	if (!kq_kernels_simd()) {
		printf("check_kernels: no SIMD kernels on this machine (%s): nothing to compare\n", kq_kernels_isa());
		return 0;
	}
	const char *isa = kq_kernels_isa();
	/* on an AVX-512 machine everything again with the AVX-512 kernels off:
	 * the AVX2 dispatch (8-column kernels included) an AVX2-only CPU takes */
	for (int pass = 0; pass < (kq_kernels_avx512() ? 2 : 1); pass++) {
		kq_kernels_avx512_off(pass);
		const int before = checks;
		check_dots();
		check_vectors();
		check_f16_rounding();
		check_f16_cols();
		check_cols();
		check_f16_rows8();
		check_q8_K_quant();
		check_tiled();
		printf("check_kernels: %d checks with the %s kernels (tiled K-quants: %s%s)\n", checks - before,
		       kq_kernels_isa(), kq_tiled_isa(SIMD), strcmp(kq_tiled_isa(SIMD), "avxvnni") ? "" : " and avx2");
	}
	kq_kernels_avx512_off(0);
#ifdef KQ_X86
	if (!kq_kernels_avx512())
		printf("check_kernels: this CPU has no AVX-512 (F, BW, VL, VNNI): the AVX-512 kernels were not checked\n");
#endif
	printf("check_kernels (%s): %d of %d checks passed\n", isa, checks - fails, checks);
	return fails ? 1 : 0;
}
