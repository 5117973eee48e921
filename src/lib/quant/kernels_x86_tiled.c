/* kernels_x86_tiled.c - a prompt batch's Q4_K and Q6_K matmul as tiles
 * (the engine's fast path from 16 activation rows on; AVX-512 VNNI, else
 * AVX-VNNI or AVX2 on 256-bit registers, kernels_x86_tiled_ymm.h; and a
 * scalar reference with the same bits for the tests), the scheme of
 * llama.cpp's ggml-cpu/tiled kernels:
 * - the activations (Q8_K) are laid out once per matmul in bands of 16
 *   rows ("columns" of the output), 4 bytes of each of the 16 side by side
 *   (one 64-byte register: what vpdpbusd multiplies), with each row's
 *   16-element sums as int32 and its scale;
 * - 16 weight rows at a time are unpacked once to their unsigned codes
 *   (Q6_K: 0..63, Q4_K: 0..15), integer scales and mins, and F32 d;
 * - the kernel takes 8 weight rows against a band (256-bit: 4 rows
 *   against 8 columns): 4 weight bytes broadcast, one vpdpbusd per row
 *   gives 16 columns' partial sums, so no horizontal add is left; each sub-block's sum times its scale
 *   (Q6_K: less 32 x the activations' sum, the code offset) is exact in
 *   int32.
 * The integer sums are the reference's; the float steps are those of the
 * kernels the reference llama.cpp x86 build runs on a prompt batch, at no
 * cost (the same number of operations), so on its batches (tests/interop/
 * arch.sh: 256 tokens) its logits and kolm's agree to the bit instead of
 * drifting through the next layer's int8 roundings:
 * - Q6_K (ggml-cpu/tiled, which llama.cpp takes from 8 rows on): per
 *   256-element block, acc = fma(float(sum) * d_w, d_a, acc);
 * - Q4_K (its repacked q4_K_8x8 GEMM): per pair of 32-element sub-blocks,
 *   acc = fma(float(sum), d_w * d_a, acc) and the same for the min term
 *   with dmin_w, the two subtracted at the end.
 * Every column of a batch is computed alike, so a token's values do not
 * depend on its place in the batch.  tests/simd/check_kernels.c holds them
 * to the scalar reference. */
#include "kernels_internal.h"
#include "kolm/types.h"
#include "kernels_ref_internal.h"
#include "kernels_x86_internal.h"

/* one 256-element block of a 16-row band: codes (64 groups of 16 x 4
 * bytes), the 16 sums of 16 codes as int32 per row, the rows' d */
enum { TB_CODES = 0, TB_SUMS = 4096, TB_D = 5120, TB_BLK = 5184 };

size_t kq_tiled_panel_bytes(int nb, int64_t n)
{
	return (size_t)((nb + 15) / 16) * (size_t)(n / 256) * TB_BLK;
}

/* activation row b (a Q8_K row of n elements, or NULL: a row of zeros past
 * the batch) into its band of the panel */
void kq_tiled_pack(const uint8_t *q8k, int b, int64_t n, uint8_t *panel)
{
	const int64_t nblk = n / 256;
	const int c = b % 16;
	uint8_t *band = panel + (size_t)(b / 16) * (size_t)nblk * TB_BLK;
	for (int64_t k = 0; k < nblk; k++) {
		uint8_t *dst = band + (size_t)k * TB_BLK;
		const uint8_t *src = q8k ? q8k + (size_t)k * B_Q8_K : NULL;
		for (int g = 0; g < 64; g++)
			if (src)
				memcpy(dst + TB_CODES + 64 * g + 4 * c, src + 4 + 4 * g, 4);
			else
				memset(dst + TB_CODES + 64 * g + 4 * c, 0, 4);
		for (int s = 0; s < 16; s++) {
			const int32_t v = src ? q8k_bsum(src, s) : 0;
			memcpy(dst + TB_SUMS + 64 * s + 4 * c, &v, 4);
		}
		const float d = src ? q8k_d(src) : 0.0f;
		memcpy(dst + TB_D + 4 * c, &d, 4);
	}
}

/* a thread's unpacked rows for n elements: codes 16 x n, scales 16 x n/16,
 * mins 16 x n/32 (int32), d and dmin 16 x n/256 */
size_t kq_tiled_ws_bytes(int64_t n)
{
	return (size_t)(16 * n + 16 * (n / 16) * 4 + 16 * (n / 32) * 4 + 2 * 16 * (n / 256) * 4) + 64;
}

struct tw {
	uint8_t *q;
	int32_t *sc, *mn;
	float *d, *dm;
	int64_t n;
};

static struct tw tw_at(uint8_t *ws, int64_t n)
{
	struct tw t;
	t.n = n;
	t.q = (uint8_t *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
	t.sc = (int32_t *)(void *)(t.q + 16 * n);
	t.mn = t.sc + 16 * (n / 16);
	t.d = (float *)(void *)(t.mn + 16 * (n / 32));
	t.dm = t.d + 16 * (n / 256);
	return t;
}

static inline int32_t ld32(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---- the scalar reference: the same integer sums and float steps, one
 * value at a time (what every SIMD version must equal bit for bit) ---- */

/* row r of the tile from the row x of `type` (NULL: zeros): codes, scales
 * (Q6_K: 16 a block, Q4_K: 8), mins (Q4_K), d, dmin */
static void unpack_ref(int type, const uint8_t *x, const struct tw *t, int r)
{
	const int64_t nblk = t->n / 256;
	const int q6 = type == KOLM_T_Q6_K, nsb = q6 ? 16 : 8;
	for (int64_t k = 0; k < nblk; k++, x = x ? x + (q6 ? 210 : 144) : NULL) {
		uint8_t *q = t->q + (size_t)r * (size_t)t->n + 256 * k;
		int32_t *sc = t->sc + r * (t->n / 256 * nsb) + nsb * k, *mn = t->mn + r * (t->n / 32) + 8 * k;
		if (!x) {
			memset(q, 0, 256);
			memset(sc, 0, 4 * (size_t)nsb);
			if (!q6)
				memset(mn, 0, 32);
			t->d[r * nblk + k] = t->dm[r * nblk + k] = 0;
			continue;
		}
		if (q6) {
			for (int h = 0; h < 2; h++) {
				const uint8_t *ql = x + 64 * h, *qh = x + 128 + 32 * h;
				for (int l = 0; l < 32; l++) {
					q[128 * h + l] = (uint8_t)((ql[l] & 15) | (qh[l] & 3) << 4);
					q[128 * h + l + 32] = (uint8_t)((ql[l + 32] & 15) | (qh[l] >> 2 & 3) << 4);
					q[128 * h + l + 64] = (uint8_t)(ql[l] >> 4 | (qh[l] >> 4 & 3) << 4);
					q[128 * h + l + 96] = (uint8_t)(ql[l + 32] >> 4 | (qh[l] >> 6 & 3) << 4);
				}
			}
			for (int j = 0; j < 16; j++)
				sc[j] = (int8_t)x[192 + j];
			t->d[r * nblk + k] = kolm_fp16_to_fp32((uint16_t)(x[208] | x[209] << 8));
			continue;
		}
		for (int j = 0; j < 4; j++)
			for (int l = 0; l < 32; l++) {
				q[64 * j + l] = x[16 + 32 * j + l] & 15;
				q[64 * j + 32 + l] = x[16 + 32 * j + l] >> 4;
			}
		for (int j = 0; j < 8; j++) {
			int a, m;
			q4k_scale_min(j, x + 4, &a, &m);
			sc[j] = a;
			mn[j] = m;
		}
		t->d[r * nblk + k] = kolm_fp16_to_fp32((uint16_t)(x[0] | x[1] << 8));
		t->dm[r * nblk + k] = kolm_fp16_to_fp32((uint16_t)(x[2] | x[3] << 8));
	}
}

/* row r of the tile against column c of the band */
static float tile_ref(int type, const struct tw *w, int r, const uint8_t *band, int c)
{
	const int64_t n = w->n, nblk = n / 256;
	const int q6 = type == KOLM_T_Q6_K, nsb = q6 ? 16 : 8;
	float acc = 0, accm = 0;
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		const uint8_t *q = w->q + (size_t)r * (size_t)n + 256 * k;
		const int32_t *sc = w->sc + r * (n / 256 * nsb) + nsb * k, *mn = w->mn + r * (n / 32) + 8 * k;
		int32_t bs[16], raw[16] = {0};
		float da;
		for (int s = 0; s < 16; s++)
			bs[s] = ld32(band + TB_SUMS + 64 * s + 4 * c);
		memcpy(&da, band + TB_D + 4 * c, 4);
		for (int e = 0; e < 256; e++)
			raw[e / (256 / nsb)] += q[e] * (int8_t)band[TB_CODES + 64 * (e / 4) + 4 * c + e % 4];
		const float dw = w->d[r * nblk + k];
		if (q6) {
			int32_t s1 = 0;
			for (int s = 0; s < 16; s++)
				s1 += sc[s] * (raw[s] - 32 * bs[s]);
			acc = fmaf((float)s1 * dw, da, acc);
			continue;
		}
		for (int sp = 0; sp < 4; sp++)
			acc = fmaf((float)(sc[2 * sp] * raw[2 * sp] + sc[2 * sp + 1] * raw[2 * sp + 1]), dw * da, acc);
		for (int sp = 0; sp < 4; sp++)
			accm = fmaf((float)(mn[2 * sp] * (bs[4 * sp] + bs[4 * sp + 1]) + mn[2 * sp + 1] * (bs[4 * sp + 2] + bs[4 * sp + 3])),
				    w->dm[r * nblk + k] * da, accm);
	}
	return acc - accm;
}

#ifdef KQ_X86
/* row r of the tile from the Q6_K row x (NULL: zeros) */
AVX2 static void unpack_q6_K(const uint8_t *x, const struct tw *t, int r)
{
	const int64_t nblk = t->n / 256;
	for (int64_t k = 0; k < nblk; k++, x = x ? x + 210 : NULL) {
		if (!x) {
			unpack_ref(KOLM_T_Q6_K, NULL, t, r); /* a row past nrows: zeros */
			return;
		}
		uint8_t *q = t->q + (size_t)r * (size_t)t->n + 256 * k;
		for (int h = 0; h < 2; h++) {
			__m256i v[4];
			avx2_q6k_codes(x, h, v);
			for (int i = 0; i < 4; i++)
				_mm256_store_si256((__m256i *)(void *)(q + 128 * h + 32 * i), v[i]);
		}
		const __m128i s8 = _mm_loadu_si128((const __m128i *)(const void *)(x + 192));
		int32_t *sc = t->sc + r * (t->n / 16) + 16 * k;
		_mm256_storeu_si256((__m256i *)(void *)sc, _mm256_cvtepi8_epi32(s8));
		_mm256_storeu_si256((__m256i *)(void *)(sc + 8), _mm256_cvtepi8_epi32(_mm_srli_si128(s8, 8)));
		t->d[r * nblk + k] = h2f_c(x + 208);
	}
}

/* row r of the tile from the Q4_K row x (NULL: zeros) */
AVX2 static void unpack_q4_K(const uint8_t *x, const struct tw *t, int r)
{
	const int64_t nblk = t->n / 256;
	const __m256i lo4 = _mm256_set1_epi8(0x0F);
	for (int64_t k = 0; k < nblk; k++, x = x ? x + 144 : NULL) {
		if (!x) {
			unpack_ref(KOLM_T_Q4_K, NULL, t, r); /* a row past nrows: zeros */
			return;
		}
		uint8_t *q = t->q + (size_t)r * (size_t)t->n + 256 * k;
		/* elements 64j..64j+31: the low nibbles of qs[32j..], 64j+32..: the high */
		for (int j = 0; j < 4; j++) {
			const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(x + 16 + 32 * j));
			_mm256_store_si256((__m256i *)(void *)(q + 64 * j), _mm256_and_si256(v, lo4));
			_mm256_store_si256((__m256i *)(void *)(q + 64 * j + 32), _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4));
		}
		uint8_t s8[8], m8[8];
		q4k_scales8(x + 4, s8, m8);
		int32_t *sc = t->sc + r * (t->n / 32) + 8 * k, *mn = t->mn + r * (t->n / 32) + 8 * k;
		for (int s = 0; s < 8; s++) {
			sc[s] = s8[s];
			mn[s] = m8[s];
		}
		t->d[r * nblk + k] = h2f_c(x);
		t->dm[r * nblk + k] = h2f_c(x + 2);
	}
}

/* rows r0..r0+7 of the tile against one band: out[16 * t + c] */
AVX512 static void q6_K_8x16(const struct tw *w, int r0, const uint8_t *band, float *out)
{
	const int64_t n = w->n, nblk = n / 256, ns = n / 16;
	const uint8_t *wq = w->q + (size_t)r0 * (size_t)n;
	const int32_t *sc = w->sc + r0 * ns;
	const float *dw = w->d + r0 * nblk;
	__m512 acc[8];
	for (int t = 0; t < 8; t++)
		acc[t] = _mm512_setzero_ps();
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		__m512i s1[8];
		for (int t = 0; t < 8; t++)
			s1[t] = _mm512_setzero_si512();
		for (int s = 0; s < 16; s++) {
			/* the codes are the values + 32: start from -32 x the sum */
			const __m512i off = _mm512_sub_epi32(_mm512_setzero_si512(),
				_mm512_slli_epi32(_mm512_loadu_si512((const void *)(band + TB_SUMS + 64 * s)), 5));
			__m512i a[8];
			for (int t = 0; t < 8; t++)
				a[t] = off;
			const uint8_t *wp = wq + 256 * k + 16 * s;
#pragma GCC unroll 4
			for (int g = 0; g < 4; g++) {
				const __m512i c = _mm512_loadu_si512((const void *)(band + TB_CODES + 64 * (4 * s + g)));
#pragma GCC unroll 8
				for (int t = 0; t < 8; t++)
					a[t] = _mm512_dpbusd_epi32(a[t], _mm512_set1_epi32(ld32(wp + (size_t)t * (size_t)n + 4 * g)), c);
			}
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++)
				s1[t] = _mm512_add_epi32(s1[t], _mm512_mullo_epi32(a[t], _mm512_set1_epi32(sc[t * ns + 16 * k + s])));
		}
		const __m512 da = _mm512_loadu_ps((const void *)(band + TB_D));
#pragma GCC unroll 8
		for (int t = 0; t < 8; t++)
			acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s1[t]), _mm512_set1_ps(dw[t * nblk + k])), da, acc[t]);
	}
	for (int t = 0; t < 8; t++)
		_mm512_storeu_ps(out + 16 * t, acc[t]);
}

/* Q4_K: d_w d_a x the codes' sums times their scales, less dmin_w d_a x
 * the activations' sums times the mins, each added in per pair of 32-element
 * sub-blocks (as llama.cpp's repacked q4_K_8x8 GEMM does) into two
 * accumulators that are subtracted at the end */
AVX512 static void q4_K_8x16(const struct tw *w, int r0, const uint8_t *band, float *out)
{
	const int64_t n = w->n, nblk = n / 256, ns = n / 32;
	const uint8_t *wq = w->q + (size_t)r0 * (size_t)n;
	const int32_t *sc = w->sc + r0 * ns, *mn = w->mn + r0 * ns;
	const float *dw = w->d + r0 * nblk, *dm = w->dm + r0 * nblk;
	__m512 acc[8], accm[8];
	for (int t = 0; t < 8; t++)
		acc[t] = accm[t] = _mm512_setzero_ps();
	for (int64_t k = 0; k < nblk; k++, band += TB_BLK) {
		const __m512 da = _mm512_loadu_ps((const void *)(band + TB_D));
		for (int sp = 0; sp < 4; sp++) {
			__m512i p[8];
			for (int h = 0; h < 2; h++) {
				const int s = 2 * sp + h;
				__m512i a[8];
				for (int t = 0; t < 8; t++)
					a[t] = _mm512_setzero_si512();
				const uint8_t *wp = wq + 256 * k + 32 * s;
#pragma GCC unroll 8
				for (int g = 0; g < 8; g++) {
					const __m512i c = _mm512_loadu_si512((const void *)(band + TB_CODES + 64 * (8 * s + g)));
#pragma GCC unroll 8
					for (int t = 0; t < 8; t++)
						a[t] = _mm512_dpbusd_epi32(a[t], _mm512_set1_epi32(ld32(wp + (size_t)t * (size_t)n + 4 * g)), c);
				}
#pragma GCC unroll 8
				for (int t = 0; t < 8; t++) {
					a[t] = _mm512_mullo_epi32(a[t], _mm512_set1_epi32(sc[t * ns + 8 * k + s]));
					p[t] = h ? _mm512_add_epi32(p[t], a[t]) : a[t];
				}
			}
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++)
				acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p[t]), _mm512_mul_ps(_mm512_set1_ps(dw[t * nblk + k]), da), acc[t]);
		}
		/* the min term: each 32-element sub-block's activation sum times its min */
		for (int sp = 0; sp < 4; sp++) {
			const __m512i b0 = _mm512_add_epi32(_mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp)),
							    _mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp + 64)));
			const __m512i b1 = _mm512_add_epi32(_mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp + 128)),
							    _mm512_loadu_si512((const void *)(band + TB_SUMS + 256 * sp + 192)));
#pragma GCC unroll 8
			for (int t = 0; t < 8; t++) {
				const int32_t *m = mn + t * ns + 8 * k + 2 * sp;
				const __m512i s2 = _mm512_add_epi32(_mm512_mullo_epi32(b0, _mm512_set1_epi32(m[0])),
								    _mm512_mullo_epi32(b1, _mm512_set1_epi32(m[1])));
				accm[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s2), _mm512_mul_ps(_mm512_set1_ps(dm[t * nblk + k]), da), accm[t]);
			}
		}
	}
	for (int t = 0; t < 8; t++)
		_mm512_storeu_ps(out + 16 * t, _mm512_sub_ps(acc[t], accm[t]));
}


/* the 4-row x 8-column kernels on 256-bit registers, with AVX-VNNI's
 * vpdpbusd or AVX2's vpmaddubsw + vpmaddwd (pair sums of codes <= 63 times
 * int8 fit int16: exact), the same steps per value as the AVX-512 ones */
#define AVXVNNI __attribute__((target("avx2,fma,f16c,avxvnni")))
#define TY_NAME(t) t##_4x8_vnni
#define TY_ATTR AVXVNNI
#define TY_DOT(a, w, c) _mm256_dpbusd_avx_epi32(a, w, c)
#include "kernels_x86_tiled_ymm.h"
#undef TY_NAME
#undef TY_ATTR
#undef TY_DOT
#define TY_NAME(t) t##_4x8_avx2
#define TY_ATTR AVX2
#define TY_DOT(a, w, c) _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(w, c), _mm256_set1_epi16(1)))
#include "kernels_x86_tiled_ymm.h"
#undef TY_NAME
#undef TY_ATTR
#undef TY_DOT

/* 1 if the CPU has AVX-VNNI (CPUID leaf 7 subleaf 1, EAX bit 4), unless a
 * test turned it off */
static int avxvnni_off;

void kq_kernels_avxvnni_off(int off)
{
	__atomic_store_n(&avxvnni_off, off, __ATOMIC_RELAXED);
}

static int has_avxvnni(void)
{
	if (__atomic_load_n(&avxvnni_off, __ATOMIC_RELAXED))
		return 0;
	static int cached = -1; /* CPUID once: a VM may trap it */
	int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (c < 0) {
		unsigned ea, eb, ec, ed;
		c = __get_cpuid_count(7, 1, &ea, &eb, &ec, &ed) && (ea >> 4 & 1);
		__atomic_store_n(&cached, c, __ATOMIC_RELAXED);
	}
	return c;
}
#else
void kq_kernels_avxvnni_off(int off)
{
	(void)off;
}
#endif

int kq_tiled_ok(int type, int simd)
{
#ifdef KQ_X86
	return simd && kq_kernels_simd() && (type == KOLM_T_Q4_K || type == KOLM_T_Q6_K);
#else
	(void)type, (void)simd;
	return 0;
#endif
}

/* the kernels kq_tiled_rows takes on this machine */
enum { TL_SCALAR, TL_AVX2, TL_AVXVNNI, TL_AVX512 };

static int tiled_level(int simd)
{
#ifdef KQ_X86
	if (simd && kq_kernels_avx512())
		return TL_AVX512;
	if (simd && kq_kernels_simd())
		return has_avxvnni() ? TL_AVXVNNI : TL_AVX2;
#else
	(void)simd;
#endif
	return TL_SCALAR;
}

const char *kq_tiled_isa(int simd)
{
	static const char *const name[] = {"scalar", "avx2", "avxvnni", "avx512"};
	return name[tiled_level(simd)];
}

void kq_tiled_rows(int type, const void *w, size_t bw, int nrows, const void *panel, int nb, int64_t n, float *y,
		   int64_t ldy, void *ws, int simd)
{
	const struct tw t = tw_at(ws, n);
	const uint8_t *wr = w, *pa = panel;
	const size_t band_bytes = (size_t)(n / 256) * TB_BLK;
#ifdef KQ_X86
	const int q6 = type == KOLM_T_Q6_K, lv = tiled_level(simd);
	if (lv != TL_SCALAR) {
		/* AVX-512: 8 rows x the band's 16 columns a call; else 4 rows x 8 */
		void (*kern)(const struct tw *, int, const uint8_t *, float *) =
			lv == TL_AVX512	  ? (q6 ? q6_K_8x16 : q4_K_8x16)
			: lv == TL_AVXVNNI ? (q6 ? q6_K_4x8_vnni : q4_K_4x8_vnni)
					   : (q6 ? q6_K_4x8_avx2 : q4_K_4x8_avx2);
		const int rstep = lv == TL_AVX512 ? 8 : 4, cw = lv == TL_AVX512 ? 16 : 8;
		const int nr_pad = (nrows + rstep - 1) / rstep * rstep;
		for (int r = 0; r < nr_pad; r++)
			(q6 ? unpack_q6_K : unpack_q4_K)(r < nrows ? wr + (size_t)r * bw : NULL, &t, r);
		for (int b0 = 0; b0 < nb; b0 += 16) {
			const uint8_t *band = pa + (size_t)(b0 / 16) * band_bytes;
			const int nc = nb - b0 < 16 ? nb - b0 : 16;
			for (int c0 = 0; c0 < nc; c0 += cw) /* the band, or its 8-column halves */
				for (int r0 = 0; r0 < nrows; r0 += rstep) {
					float o[128];
					kern(&t, r0, band + 4 * c0, o);
					const int nr = nrows - r0 < rstep ? nrows - r0 : rstep;
					for (int c = 0; c < cw && c0 + c < nc; c++)
						for (int r = 0; r < nr; r++)
							y[(int64_t)(b0 + c0 + c) * ldy + r0 + r] = o[cw * r + c];
				}
		}
		return;
	}
#endif
	for (int r = 0; r < nrows; r++)
		unpack_ref(type, wr + (size_t)r * bw, &t, r);
	for (int b = 0; b < nb; b++)
		for (int r = 0; r < nrows; r++)
			y[(int64_t)b * ldy + r] = tile_ref(type, &t, r, pa + (size_t)(b / 16) * band_bytes, b % 16);
}
