/* test_quant.c - the quantizers and dequantizers against llama.cpp's own
 * output (tests/fixtures/models/kquant, made by llama-quantize without an imatrix):
 *   - the F32 source is checked against the generator the README specifies
 *     (MT19937 + CPython gauss) and read from synth-f32.gguf by the offsets
 *     tensors.tsv records;
 *   - every (tensor, type) pair llama.cpp wrote is quantized here and its
 *     sha256 compared with tensors.tsv; Q4_0..Q8_0, F16 and BF16 must be
 *     byte-identical, k-quants and IQ4_* byte-identical or within 1% of
 *     llama.cpp's RMSE (rmse.tsv);
 *   - the five shipped quantized files are dequantized and hashed against
 *     dequant-check.tsv (llama.cpp's to_float output);
 *   - the AVX2/NEON kernels against the scalar ones, the threaded helper
 *     against the single-threaded one, and the error returns. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kolm/err.h"
#include "kolm/quant.h"
#include "kolm/types.h"
#include "kolm/util.h"

static const char *fixtures(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	return sh ? sh : "tests/fixtures";
}

/* ---- tensors.tsv ------------------------------------------------------- */
struct trow {
	char file[40], ftype[12], tensor[48], type[12], sha[65];
	int64_t ne0, ne1;
	uint64_t file_offset, nbytes;
};

static struct trow *rows;
static int n_rows;

static int load_tsv(void)
{
	if (rows)
		return 0;
	char path[1024], *buf = NULL;
	size_t n;
	snprintf(path, sizeof path, "%s/models/kquant/tensors.tsv", fixtures());
	if (kolm_file_read_all(path, 1 << 24, &buf, &n, NULL) != KOLM_OK)
		return -1;
	int cap = 1024;
	rows = calloc((size_t)cap, sizeof *rows);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct trow r;
		char shape[32];
		unsigned long long off, foff, nb;
		memset(&r, 0, sizeof r);
		if (sscanf(l, "%39s\t%11s\t%47s\t%11s\t%31s\t%llu\t%llu\t%llu\t%64s", r.file, r.ftype, r.tensor,
			   r.type, shape, &off, &foff, &nb, r.sha) != 9)
			continue; /* header */
		long long a = 0, b = 1;
		if (sscanf(shape, "%lldx%lld", &a, &b) < 1)
			continue;
		r.ne0 = a;
		r.ne1 = b;
		r.file_offset = foff;
		r.nbytes = nb;
		if (n_rows == cap) {
			cap *= 2;
			rows = realloc(rows, (size_t)cap * sizeof *rows);
		}
		rows[n_rows++] = r;
	}
	free(buf);
	return n_rows > 0 ? 0 : -1;
}

static const struct trow *find_row(const char *file, const char *tensor)
{
	for (int i = 0; i < n_rows; i++)
		if (!strcmp(rows[i].file, file) && !strcmp(rows[i].tensor, tensor))
			return &rows[i];
	return NULL;
}

/* The F32 source, mapped. */
static struct kolm_map src_map;

static const float *src_tensor(const char *name, int64_t *ne0, int64_t *ne1)
{
	if (!src_map.data) {
		char path[1024];
		snprintf(path, sizeof path, "%s/models/kquant/synth-f32.gguf", fixtures());
		if (kolm_map_open(&src_map, path, NULL) != KOLM_OK)
			return NULL;
	}
	const struct trow *r = find_row("synth-f32.gguf", name);
	if (!r || r->file_offset + r->nbytes > src_map.size)
		return NULL;
	*ne0 = r->ne0;
	*ne1 = r->ne1;
	return (const float *)(const void *)(src_map.data + r->file_offset);
}

static void sha_hex(const void *p, size_t n, char out[65])
{
	uint8_t d[32];
	kolm_sha256_buf(p, n, d, NULL);
	kolm_hex(d, 32, out);
}

static int setup(void **s)
{
	(void)s;
	return load_tsv();
}

static int teardown(void **s)
{
	(void)s;
	kolm_map_close(&src_map);
	free(rows);
	rows = NULL;
	n_rows = 0;
	return 0;
}

/* ---- the README's generator: MT19937 init_by_array({1234}) + gauss ------ */
struct mt {
	uint32_t s[624];
	int i;
	int has_gauss;
	double gauss_next;
};

static void mt_init(struct mt *m, uint32_t seed)
{
	m->s[0] = seed;
	for (int i = 1; i < 624; i++)
		m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
	m->i = 624;
}

static void mt_init_by_array(struct mt *m, const uint32_t *key, int len)
{
	mt_init(m, 19650218u);
	int i = 1, j = 0;
	for (int k = 624 > len ? 624 : len; k; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
		i++;
		j++;
		if (i >= 624) {
			m->s[0] = m->s[623];
			i = 1;
		}
		if (j >= len)
			j = 0;
	}
	for (int k = 623; k; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
		i++;
		if (i >= 624) {
			m->s[0] = m->s[623];
			i = 1;
		}
	}
	m->s[0] = 0x80000000u;
	m->has_gauss = 0;
}

static uint32_t mt_u32(struct mt *m)
{
	if (m->i >= 624) {
		for (int k = 0; k < 624; k++) {
			uint32_t y = (m->s[k] & 0x80000000u) | (m->s[(k + 1) % 624] & 0x7fffffffu);
			m->s[k] = m->s[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) ? 0x9908b0dfu : 0);
		}
		m->i = 0;
	}
	uint32_t y = m->s[m->i++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

static double mt_random(struct mt *m)
{
	uint32_t a = mt_u32(m) >> 5, b = mt_u32(m) >> 6;
	return (a * 67108864.0 + b) / 9007199254740992.0;
}

static double mt_gauss(struct mt *m, double mu, double sigma)
{
	double z;
	if (m->has_gauss) {
		z = m->gauss_next;
		m->has_gauss = 0;
	} else {
		double x2pi = mt_random(m) * 6.283185307179586;
		double g2rad = sqrt(-2.0 * log(1.0 - mt_random(m)));
		z = cos(x2pi) * g2rad;
		m->gauss_next = sin(x2pi) * g2rad;
		m->has_gauss = 1;
	}
	return mu + z * sigma;
}

static void test_generator_matches_source(void **s)
{
	(void)s;
	struct mt *m = calloc(1, sizeof *m);
	const uint32_t key = 1234;
	mt_init_by_array(m, &key, 1);
	int checked = 0;
	for (int i = 0; i < n_rows; i++) {
		const struct trow *r = &rows[i];
		if (strcmp(r->file, "synth-f32.gguf"))
			continue;
		int64_t n = r->ne0 * r->ne1;
		float *buf = malloc((size_t)n * sizeof *buf);
		for (int64_t row = 0; row < r->ne1; row++)
			for (int64_t c = 0; c < r->ne0; c++) {
				double x = 1.0;
				if (r->ne1 > 1 || strstr(r->tensor, "norm") == NULL) {
					x = mt_gauss(m, 0.0, 0.02);
					if (row % 8 == 3 && c % 37 == 0)
						x = x * 8.0;
				}
				buf[row * r->ne0 + c] = (float)x;
			}
		if (!strcmp(r->tensor, "token_embd.weight"))
			assert_true(buf[0] == (float)0.021084392838544776);
		char hex[65];
		sha_hex(buf, (size_t)n * sizeof *buf, hex);
		assert_string_equal(hex, r->sha);
		/* and the file on disk holds the same floats */
		int64_t a, b;
		const float *f = src_tensor(r->tensor, &a, &b);
		assert_non_null(f);
		assert_memory_equal(f, buf, (size_t)n * sizeof *buf);
		free(buf);
		checked++;
	}
	assert_int_equal(checked, 39);
	free(m);
}

/* ---- rmse.tsv ------------------------------------------------------------ */
static double ref_rmse(const char *file, const char *tensor)
{
	char path[1024], *buf = NULL;
	size_t n;
	snprintf(path, sizeof path, "%s/models/kquant/rmse.tsv", fixtures());
	if (kolm_file_read_all(path, 1 << 22, &buf, &n, NULL) != KOLM_OK)
		return -1;
	double out = -1;
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char f[64], t[64], ty[16];
		double rm, mx;
		if (sscanf(l, "%63s\t%63s\t%15s\t%lf\t%lf", f, t, ty, &rm, &mx) == 5 && !strcmp(f, file) &&
		    !strcmp(t, tensor)) {
			out = rm;
			break;
		}
	}
	free(buf);
	return out;
}

static double rmse_of(int type, const void *q, const float *src, int64_t ne0, int64_t ne1)
{
	float *d = malloc((size_t)ne0 * sizeof *d);
	const uint64_t rb = kolm_type_row_bytes(type, ne0);
	double acc = 0;
	for (int64_t r = 0; r < ne1; r++) {
		assert_int_equal(kolm_dequantize_row(type, (const uint8_t *)q + r * rb, d, ne0), 0);
		for (int64_t c = 0; c < ne0; c++) {
			double e = (double)d[c] - (double)src[r * ne0 + c];
			acc += e * e;
		}
	}
	free(d);
	return sqrt(acc / (double)(ne0 * ne1));
}

static int must_be_exact(int type)
{
	switch (type) {
	case KOLM_T_F32: case KOLM_T_F16: case KOLM_T_BF16: case KOLM_T_Q4_0: case KOLM_T_Q4_1:
	case KOLM_T_Q5_0: case KOLM_T_Q5_1: case KOLM_T_Q8_0:
		return 1;
	default:
		return 0;
	}
}

/* Every (tensor, type) llama-quantize wrote, in all 18 files. */
static void test_quantize_vs_llama_cpp(void **s)
{
	(void)s;
	kolm_quant_force_scalar(0);
	int exact[KOLM_T_COUNT] = {0}, total[KOLM_T_COUNT] = {0}, pairs = 0;
	/* (tensor,type) pairs are identical across files; check each once */
	char seen[1024][64];
	int n_seen = 0;
	for (int i = 0; i < n_rows; i++) {
		const struct trow *r = &rows[i];
		if (!strcmp(r->file, "synth-f32.gguf"))
			continue;
		int type = kolm_type_from_name(r->type);
		assert_true(type >= 0);
		assert_true(kolm_quant_can_quantize(type));
		char key[64];
		snprintf(key, sizeof key, "%s/%s", r->tensor, r->type);
		int dup = 0;
		for (int k = 0; k < n_seen; k++)
			dup |= !strcmp(seen[k], key);
		if (dup)
			continue;
		assert_true(n_seen < 1024);
		strcpy(seen[n_seen++], key);

		int64_t ne0, ne1;
		const float *src = src_tensor(r->tensor, &ne0, &ne1);
		assert_non_null(src);
		assert_int_equal(ne0, r->ne0);
		const uint64_t bytes = kolm_type_row_bytes(type, ne0) * (uint64_t)ne1;
		assert_int_equal(bytes, r->nbytes);
		uint8_t *q = malloc(bytes);
		assert_int_equal(kolm_quantize_tensor_mt(type, src, q, ne1, ne0, 2), 0);
		char hex[65];
		sha_hex(q, bytes, hex);
		pairs++;
		total[type]++;
		if (!strcmp(hex, r->sha)) {
			exact[type]++;
		} else {
			assert_false(must_be_exact(type));
			double mine = rmse_of(type, q, src, ne0, ne1), ref = ref_rmse(r->file, r->tensor);
			fprintf(stderr, "  %s %s: bytes differ, rmse %.9g vs llama.cpp %.9g\n", r->tensor, r->type,
				mine, ref);
			assert_true(ref > 0);
			assert_true(mine <= ref * 1.01);
		}
		free(q);
	}
	int all_exact = 0;
	for (int t = 0; t < KOLM_T_COUNT; t++) {
		if (!total[t])
			continue;
		fprintf(stderr, "  %-7s %3d/%3d tensors byte-identical to llama.cpp\n", kolm_type_name(t),
			exact[t], total[t]);
		all_exact += exact[t];
	}
	fprintf(stderr, "  all     %3d/%3d\n", all_exact, pairs);
	assert_true(pairs >= 200);
}

/* ---- dequantize llama.cpp's files ---------------------------------------- */
static void test_dequant_vs_llama_cpp(void **s)
{
	(void)s;
	char path[1024], *buf = NULL;
	size_t n;
	snprintf(path, sizeof path, "%s/models/kquant/dequant-check.tsv", fixtures());
	assert_int_equal(kolm_file_read_all(path, 1 << 22, &buf, &n, NULL), 0);
	const char *files[] = {"synth-q2_k.gguf", "synth-q3_k_m.gguf", "synth-q4_k_m.gguf", "synth-q4_0.gguf",
			       "synth-q8_0.gguf"};
	int checked = 0, types_seen[KOLM_T_COUNT] = {0};
	for (int scalar = 0; scalar < 2; scalar++) {
		kolm_quant_force_scalar(scalar);
		for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
			struct kolm_map m;
			snprintf(path, sizeof path, "%s/models/kquant/%s", fixtures(), files[fi]);
			assert_int_equal(kolm_map_open(&m, path, NULL), 0);
			char *copy = strdup(buf), *save = NULL;
			for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				char f[64], t[64], ty[16], sha[65];
				long long ne, mism;
				if (sscanf(l, "%63s\t%63s\t%15s\t%lld\t%lld\t%64s", f, t, ty, &ne, &mism, sha) != 6 ||
				    strcmp(f, files[fi]))
					continue;
				const struct trow *r = find_row(f, t);
				assert_non_null(r);
				int type = kolm_type_from_name(ty);
				assert_true(type >= 0);
				float *out = malloc((size_t)ne * sizeof *out);
				const uint64_t rb = kolm_type_row_bytes(type, r->ne0);
				for (int64_t row = 0; row < r->ne1; row++)
					assert_int_equal(kolm_dequantize_row(type, m.data + r->file_offset + row * rb,
									     out + row * r->ne0, r->ne0), 0);
				char hex[65];
				sha_hex(out, (size_t)ne * sizeof *out, hex);
				if (strcmp(hex, sha))
					fprintf(stderr, "  %s %s %s: dequant mismatch\n", f, t, ty);
				assert_string_equal(hex, sha);
				free(out);
				checked++;
				types_seen[type] = 1;
			}
			free(copy);
			kolm_map_close(&m);
		}
	}
	kolm_quant_force_scalar(0);
	free(buf);
	assert_int_equal(checked, 2 * 5 * 39);
	const int want[] = {KOLM_T_Q2_K, KOLM_T_Q3_K, KOLM_T_Q4_K, KOLM_T_Q5_K, KOLM_T_Q6_K, KOLM_T_Q4_0, KOLM_T_Q8_0};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_true(types_seen[want[i]]);
}

/* Round trips for the types the shipped files do not contain. */
static void test_dequant_roundtrip_other_types(void **s)
{
	(void)s;
	const int types[] = {KOLM_T_Q4_1, KOLM_T_Q5_0, KOLM_T_Q5_1, KOLM_T_IQ4_NL, KOLM_T_IQ4_XS, KOLM_T_F16, KOLM_T_BF16};
	/* llama.cpp's own rmse for token_embd in each type's file */
	const char *files[] = {"synth-q4_1.gguf", "synth-q5_0.gguf", "synth-q5_1.gguf", "synth-iq4_nl.gguf",
			       "synth-iq4_xs.gguf", "synth-f16.gguf", "synth-bf16.gguf"};
	int64_t ne0, ne1;
	const float *src = src_tensor("token_embd.weight", &ne0, &ne1);
	assert_non_null(src);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		const uint64_t bytes = kolm_type_row_bytes(types[i], ne0) * (uint64_t)ne1;
		uint8_t *q = malloc(bytes);
		assert_int_equal(kolm_quantize_rows(types[i], src, q, ne1, ne0), 0);
		double mine = rmse_of(types[i], q, src, ne0, ne1), ref = ref_rmse(files[i], "token_embd.weight");
		assert_true(ref > 0);
		/* same bytes -> same dequantized values -> same error to 9 digits */
		assert_true(fabs(mine - ref) <= ref * 1e-6);
		free(q);
	}
}

/* ---- SIMD against scalar --------------------------------------------------- */
static void fill_cases(float *x, int64_t n, uint32_t seed)
{
	uint32_t st = seed;
	for (int64_t i = 0; i < n; i++) {
		st = st * 1664525u + 1013904223u;
		x[i] = ((float)(st >> 8) / 16777216.0f - 0.5f) * 0.1f;
	}
	/* block 1: all zero; block 2: -0.0 and zeros; block 3: ties at .5 of
	 * the Q8_0 grid; block 4: equal magnitudes of both signs (Q4_0 takes
	 * the first); block 5: tiny subnormals; block 6: a NaN */
	for (int j = 0; j < 32; j++) {
		x[32 + j] = 0.0f;
		x[64 + j] = j % 3 ? 0.0f : -0.0f;
		x[96 + j] = (float)(j - 16) * 0.5f; /* amax 8 -> d = 8/127 */
		x[128 + j] = j % 2 ? 0.25f : -0.25f;
		x[160 + j] = (float)j * 1e-40f;
	}
	x[96 + 31] = 127.0f; /* d = 1: exact .5 ties */
	x[192 + 5] = NAN;
}

static void test_simd_matches_scalar(void **s)
{
	(void)s;
	const int64_t n = 32 * 1024 + 256;
	float *x = malloc((size_t)n * sizeof *x);
	fill_cases(x, n, 12345);
	const int types[] = {KOLM_T_Q8_0, KOLM_T_Q4_0};
	fprintf(stderr, "  fast path: %s\n", kolm_quant_simd_name());
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		const uint64_t bytes = kolm_type_row_bytes(types[t], n);
		uint8_t *a = malloc(bytes), *b = malloc(bytes);
		kolm_quant_force_scalar(1);
		assert_string_equal(kolm_quant_simd_name(), "scalar");
		assert_int_equal(kolm_quantize_rows(types[t], x, a, 1, n), 0);
		kolm_quant_force_scalar(0);
		assert_int_equal(kolm_quantize_rows(types[t], x, b, 1, n), 0);
		assert_memory_equal(a, b, bytes);
		/* dequantize: compare bit patterns (NaN blocks included) */
		float *fa = malloc((size_t)n * sizeof *fa), *fb = malloc((size_t)n * sizeof *fb);
		kolm_quant_force_scalar(1);
		assert_int_equal(kolm_dequantize_row(types[t], a, fa, n), 0);
		kolm_quant_force_scalar(0);
		assert_int_equal(kolm_dequantize_row(types[t], a, fb, n), 0);
		assert_memory_equal(fa, fb, (size_t)n * sizeof *fa);
		free(fa);
		free(fb);
		free(a);
		free(b);
	}
	/* Q8_0 of the tie block: values k/2 round away from zero */
	uint8_t blk[34];
	assert_int_equal(kolm_quantize_rows(KOLM_T_Q8_0, x + 96, blk, 1, 32), 0);
	assert_int_equal((int8_t)blk[2 + 15], -1);  /* -0.5 -> -1 */
	assert_int_equal((int8_t)blk[2 + 17], 1);   /* 0.5 -> 1 */
	assert_int_equal((int8_t)blk[2 + 31], 127);
	free(x);
}

static void test_threads_identical(void **s)
{
	(void)s;
	int64_t ne0, ne1;
	const float *src = src_tensor("blk.0.ffn_down.weight", &ne0, &ne1);
	assert_non_null(src);
	const int types[] = {KOLM_T_Q4_K, KOLM_T_Q8_0, KOLM_T_IQ4_XS};
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		const uint64_t bytes = kolm_type_row_bytes(types[t], ne0) * (uint64_t)ne1;
		uint8_t *a = malloc(bytes), *b = malloc(bytes);
		assert_int_equal(kolm_quantize_rows(types[t], src, a, ne1, ne0), 0);
		const int th[] = {0, 1, 2, 3, 7, 64, 1000};
		for (size_t k = 0; k < sizeof th / sizeof th[0]; k++) {
			memset(b, 0xAA, bytes);
			assert_int_equal(kolm_quantize_tensor_mt(types[t], src, b, ne1, ne0, th[k]), 0);
			assert_memory_equal(a, b, bytes);
		}
		free(a);
		free(b);
	}
}

static void test_errors(void **s)
{
	(void)s;
	float x[512] = {0};
	uint8_t y[1024];
	assert_int_equal(kolm_quantize_rows(KOLM_T_Q4_K, x, y, 1, 32), KOLM_E_USAGE);  /* not a multiple of 256 */
	assert_int_equal(kolm_quantize_rows(KOLM_T_Q8_0, x, y, 1, 33), KOLM_E_USAGE);
	assert_int_equal(kolm_quantize_rows(KOLM_T_IQ2_XXS, x, y, 1, 256), KOLM_E_USAGE); /* not supported */
	assert_int_equal(kolm_quantize_rows(4, x, y, 1, 256), KOLM_E_USAGE);             /* removed id */
	assert_int_equal(kolm_quantize_tensor_mt(KOLM_T_Q8_K, x, y, 1, 256, 2), KOLM_E_USAGE);
	assert_int_equal(kolm_dequantize_row(KOLM_T_Q6_K, y, x, 100), KOLM_E_USAGE);
	assert_int_equal(kolm_row_to_f32(KOLM_T_I32, y, x, 4), KOLM_E_USAGE);
	assert_false(kolm_quant_can_quantize(KOLM_T_Q8_K));
	assert_true(kolm_quant_can_dequantize(KOLM_T_IQ4_XS));
	/* zero rows is a no-op */
	assert_int_equal(kolm_quantize_tensor_mt(KOLM_T_Q4_0, x, y, 0, 32, 4), 0);
	/* an all-zero super-block quantizes to zeros and back */
	const int ks[] = {KOLM_T_Q2_K, KOLM_T_Q3_K, KOLM_T_Q4_K, KOLM_T_Q5_K, KOLM_T_Q6_K, KOLM_T_IQ4_XS, KOLM_T_IQ4_NL};
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		float z[256] = {0}, back[256];
		assert_int_equal(kolm_quantize_rows(ks[i], z, y, 1, 256), 0);
		assert_int_equal(kolm_dequantize_row(ks[i], y, back, 256), 0);
		for (int j = 0; j < 256; j++)
			assert_true(back[j] == 0.0f);
	}
	/* F16 / BF16 sources convert exactly */
	uint16_t h[4] = {0x3c00, 0xc000, 0x0001, 0x7bff};
	float f[4];
	assert_int_equal(kolm_row_to_f32(KOLM_T_F16, h, f, 4), 0);
	assert_true(f[0] == 1.0f && f[1] == -2.0f && f[2] == 0x1p-24f && f[3] == 65504.0f);
	uint16_t bh[2] = {0x3f80, 0xbf00};
	assert_int_equal(kolm_row_to_f32(KOLM_T_BF16, bh, f, 2), 0);
	assert_true(f[0] == 1.0f && f[1] == -0.5f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generator_matches_source),
		cmocka_unit_test(test_quantize_vs_llama_cpp),
		cmocka_unit_test(test_dequant_vs_llama_cpp),
		cmocka_unit_test(test_dequant_roundtrip_other_types),
		cmocka_unit_test(test_simd_matches_scalar),
		cmocka_unit_test(test_threads_identical),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
