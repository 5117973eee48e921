/* test_gguf_core.c - the GGUF reader against llama.cpp's own files and the
 * goldens it printed (tests/fixtures/models/golden/tensors.tsv, gguf-files.tsv,
 * kquant/tensors.tsv), writer round trips byte for byte, and hostile
 * headers rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kolm/gguf.h"
#include "kolm/model.h"
#include "kolm/types.h"
#include "kolm/util.h"

static char fixtures[1024];

static void path(char *buf, size_t cap, const char *rel)
{
	snprintf(buf, cap, "%s/%s", fixtures, rel);
}

/* file \t tensor \t type \t shape \t offset \t nbytes \t sha256 ... */
static void check_tsv(const char *tsv_rel, const char *dir_rel, int kquant)
{
	char p[1200];
	path(p, sizeof p, tsv_rel);
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	char line[1024], cur[256] = "";
	struct kolm_gguf *g = NULL;
	int rows = 0;
	fgets(line, sizeof line, fp); /* header */
	while (fgets(line, sizeof line, fp)) {
		char *f[10] = {0};
		int n = 0;
		for (char *s = strtok(line, "\t\n"); s && n < 10; s = strtok(NULL, "\t\n"))
			f[n++] = s;
		if (n < 7)
			continue;
		/* kquant: file ftype tensor type shape offset file_offset nbytes sha */
		const char *file = f[0], *tname = kquant ? f[2] : f[1], *type = kquant ? f[3] : f[2];
		const char *shape = kquant ? f[4] : f[3], *off = kquant ? f[5] : f[4];
		const char *nb = kquant ? f[7] : f[5], *sha = kquant ? f[8] : f[6];
		char fp2[1200];
		snprintf(fp2, sizeof fp2, "%s/%s/%s", fixtures, dir_rel, file);
		if (strcmp(cur, file)) {
			kolm_gguf_close(g);
			g = NULL;
			snprintf(cur, sizeof cur, "%s", file);
			if (access(fp2, R_OK) != 0)
				continue; /* kquant: not every output is shipped */
			struct kolm_err err = {0};
			if (kolm_gguf_open(&g, fp2, &err))
				fail_msg("%s", err.msg);
		}
		if (!g)
			continue;
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_find(g, tname);
		assert_non_null(t);
		assert_string_equal(kolm_type_name(t->type), type);
		char sh[64];
		int k = snprintf(sh, sizeof sh, "%lld", (long long)t->ne[0]);
		for (int d = 1; d < t->n_dims; d++)
			k += snprintf(sh + k, sizeof sh - (size_t)k, "x%lld", (long long)t->ne[d]);
		assert_string_equal(sh, shape);
		assert_true(t->offset == strtoull(off, NULL, 10));
		assert_true(t->nbytes == strtoull(nb, NULL, 10));
		char hex[65];
		kolm_sha256_hex_range(t->data, t->nbytes, hex, NULL);
		assert_string_equal(hex, sha);
		rows++;
	}
	kolm_gguf_close(g);
	fclose(fp);
	printf("%s: %d tensors agree\n", tsv_rel, rows);
	assert_true(rows > 100);
}

static void test_golden_tensors(void **s)
{
	(void)s;
	check_tsv("models/golden/tensors.tsv", "models/gguf", 0);
	check_tsv("models/kquant/tensors.tsv", "models/kquant", 1);
}

static void roundtrip(const char *rel)
{
	char p[1200], out[1300];
	path(p, sizeof p, rel);
	struct kolm_gguf *g;
	struct kolm_err err = {0};
	assert_int_equal(kolm_gguf_open(&g, p, &err), 0);
	struct kolm_gguf_writer *w;
	assert_int_equal(kolm_gguf_writer_new(&w, kolm_gguf_alignment(g), &err), 0);
	for (int64_t i = 0; i < kolm_gguf_kv_count(g); i++)
		assert_int_equal(kolm_gguf_writer_kv_copy(w, kolm_gguf_kv_at(g, i)), 0);
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		char name[64];
		memcpy(name, t->name.p, t->name.len);
		name[t->name.len] = '\0';
		assert_int_equal(kolm_gguf_writer_tensor(w, name, t->type, t->ne, t->n_dims), 0);
	}
	snprintf(out, sizeof out, "/tmp/kolm-rt-%d.gguf", (int)getpid());
	assert_int_equal(kolm_gguf_writer_begin(w, out, &err), 0);
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		assert_int_equal(kolm_gguf_writer_data(w, t->data, t->nbytes, &err), 0);
	}
	char sha[65], a[65], b[65];
	assert_int_equal(kolm_gguf_writer_finish(w, sha, &err), 0);
	kolm_gguf_writer_free(w);
	struct kolm_map m1, m2;
	assert_int_equal(kolm_map_open(&m1, p, NULL), 0);
	assert_int_equal(kolm_map_open(&m2, out, NULL), 0);
	assert_true(m1.size == m2.size);
	kolm_sha256_hex_range(m1.data, m1.size, a, NULL);
	kolm_sha256_hex_range(m2.data, m2.size, b, NULL);
	assert_string_equal(a, b);
	kolm_sha256_hex_range(m1.data + kolm_gguf_data_offset(g), m1.size - kolm_gguf_data_offset(g), a, NULL);
	assert_string_equal(a, sha);
	kolm_map_close(&m1);
	kolm_map_close(&m2);
	kolm_gguf_close(g);
	unlink(out);
}

static void test_roundtrip(void **s)
{
	(void)s;
	static const char *files[] = {"models/gguf/stories260K-f32.gguf", "models/gguf/stories260K-q4_0.gguf",
				      "models/gguf/aidreams260K-q8_0.gguf", "models/kquant/synth-q4_k_m.gguf",
				      "models/kquant/synth-f32.gguf", "models/vocab/ggml-vocab-gpt-2.gguf"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		roundtrip(files[i]);
}

static uint8_t *load(const char *rel, size_t *n)
{
	char p[1200];
	path(p, sizeof p, rel);
	char *buf;
	assert_int_equal(kolm_file_read_all(p, 1 << 26, &buf, n, NULL), 0);
	return (uint8_t *)buf;
}

static int opens(const uint8_t *b, size_t n, char *msg, size_t cap)
{
	struct kolm_gguf *g = NULL;
	struct kolm_err err = {0};
	int rc = kolm_gguf_open_buffer(&g, b, n, "x.gguf", &err);
	kolm_gguf_close(g);
	if (msg)
		snprintf(msg, cap, "%s", err.msg);
	return rc;
}

static void test_truncation(void **s)
{
	(void)s;
	size_t n;
	uint8_t *b = load("models/gguf/aidreams260K-q4_0.gguf", &n);
	assert_int_equal(opens(b, n, NULL, 0), 0);
	/* every prefix of the header, and sampled prefixes of the data */
	for (size_t k = 0; k < n; k += k < 20000 ? 1 : 997) {
		char msg[512];
		int rc = opens(b, k, msg, sizeof msg);
		if (rc != KOLM_E_FORMAT)
			fail_msg("prefix %zu: rc %d", k, rc);
		assert_non_null(strstr(msg, "x.gguf"));
	}
	free(b);
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Offset of tensor info i (walks the header). */
static size_t tinfo_at(const uint8_t *b, int idx)
{
	uint64_t nkv, l;
	memcpy(&nkv, b + 16, 8);
	size_t p = 24;
	static const int ss[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
	for (uint64_t i = 0; i < nkv; i++) {
		memcpy(&l, b + p, 8);
		p += 8 + l;
		uint32_t t;
		memcpy(&t, b + p, 4);
		p += 4;
		if (t == 8) {
			memcpy(&l, b + p, 8);
			p += 8 + l;
		} else if (t == 9) {
			uint32_t et;
			uint64_t cnt;
			memcpy(&et, b + p, 4);
			memcpy(&cnt, b + p + 4, 8);
			p += 12;
			for (uint64_t k = 0; k < cnt; k++) {
				if (et == 8) {
					memcpy(&l, b + p, 8);
					p += 8 + l;
				} else {
					p += (size_t)ss[et];
				}
			}
		} else {
			p += (size_t)ss[t];
		}
	}
	for (int i = 0; i < idx; i++) {
		uint32_t nd;
		memcpy(&l, b + p, 8);
		memcpy(&nd, b + p + 8 + l, 4);
		p += 8 + l + 4 + 8 * nd + 4 + 8;
	}
	return p;
}

static void test_hostile(void **s)
{
	(void)s;
	size_t n;
	uint8_t *orig = load("models/gguf/aidreams260K-f32.gguf", &n);
	uint8_t *b = malloc(n);
	char msg[512];
#define MUTATE(stmt, want)                                          \
	do {                                                        \
		memcpy(b, orig, n);                                 \
		stmt;                                               \
		int rc_ = opens(b, n, msg, sizeof msg);             \
		if (rc_ != KOLM_E_FORMAT || !strstr(msg, want))     \
			fail_msg("%s: rc %d msg '%s'", #stmt, rc_, msg); \
	} while (0)
	MUTATE(b[0] = 'X', "magic");
	MUTATE(put32(b + 4, 1), "version");
	MUTATE(put64(b + 8, 1ULL << 62), "more than the file holds");
	MUTATE(put64(b + 16, 1ULL << 62), "more than the file holds");
	MUTATE(put64(b + 24, 1ULL << 63), "too long");            /* first key length */
	size_t t0 = tinfo_at(orig, 0), t1 = tinfo_at(orig, 1);
	uint64_t l0;
	memcpy(&l0, orig + t0, 8);
	size_t nd0 = t0 + 8 + l0;                                  /* n_dims of tensor 0 */
	MUTATE(put32(b + nd0, 5), "dimensions");
	MUTATE(put32(b + nd0 + 4 + 8 * 2, 99), "unknown type");   /* type after 2 dims */
	MUTATE(put32(b + nd0 + 4 + 8 * 2, 12), "block");           /* Q4_K on a 64-wide row */
	MUTATE(put64(b + nd0 + 4 + 8 * 2 + 4, 16), "aligned");     /* offset 16 */
	MUTATE(put64(b + nd0 + 4 + 8 * 2 + 4, 1ULL << 40), "past the end");
	uint64_t l1;
	memcpy(&l1, orig + t1, 8);
	size_t off1 = t1 + 8 + l1 + 4 + 8 * 1 + 4;                 /* tensor 1 (output_norm, 1-D) offset */
	MUTATE(put64(b + off1, 0), "overlaps");
	MUTATE(put64(b + nd0 + 4, 1ULL << 40), "");               /* huge ne0 */
	free(b);
	free(orig);
}

/* GGUF v2 has v3's little-endian layout (v2 moved counts to 64 bits):
 * the same bytes with version 2 read the same. */
/* a GGUF whose hyperparameters would wrap the sizes computed from them
 * (compute buffer, KV cache) is refused as config.json's are; the same file
 * with sane ones is read */
static int model_with_vocab(uint32_t vocab, uint32_t experts_used)
{
	char out[64];
	snprintf(out, sizeof out, "/tmp/kolm-hp-%d.gguf", (int)getpid());
	struct kolm_err err = {0};
	struct kolm_gguf_writer *w;
	assert_int_equal(kolm_gguf_writer_new(&w, 32, &err), 0);
	assert_int_equal(kolm_gguf_writer_kv_str(w, "general.architecture", "llama"), 0);
	assert_int_equal(kolm_gguf_writer_kv_u32(w, "llama.embedding_length", 256), 0);
	assert_int_equal(kolm_gguf_writer_kv_u32(w, "llama.block_count", 2), 0);
	assert_int_equal(kolm_gguf_writer_kv_u32(w, "llama.attention.head_count", 4), 0);
	assert_int_equal(kolm_gguf_writer_kv_u32(w, "llama.feed_forward_length", 768), 0);
	assert_int_equal(kolm_gguf_writer_kv_u32(w, "llama.vocab_size", vocab), 0);
	assert_int_equal(kolm_gguf_writer_kv_u32(w, "llama.expert_used_count", experts_used), 0);
	char sha[65];
	assert_int_equal(kolm_gguf_writer_begin(w, out, &err), 0);
	assert_int_equal(kolm_gguf_writer_finish(w, sha, &err), 0);
	kolm_gguf_writer_free(w);
	struct kolm_gguf *g;
	assert_int_equal(kolm_gguf_open(&g, out, &err), 0);
	struct kolm_model m;
	const int rc = kolm_model_from_gguf(&m, g, &err);
	if (rc == KOLM_OK)
		kolm_model_release(&m);
	else
		assert_non_null(strstr(err.msg, "hyperparameters out of range"));
	kolm_gguf_close(g);
	unlink(out);
	return rc;
}

static void test_hostile_hparams(void **s)
{
	(void)s;
	assert_int_equal(model_with_vocab(32000, 0), KOLM_OK);
	assert_int_equal(model_with_vocab(4000000000u, 0), KOLM_E_FORMAT);
	assert_int_equal(model_with_vocab(32000, 8), KOLM_E_FORMAT); /* 8 of no experts */
}

static void test_version2(void **s)
{
	(void)s;
	size_t n;
	uint8_t *b = load("models/gguf/aidreams260K-q8_0.gguf", &n);
	put32(b + 4, 2);
	struct kolm_gguf *g = NULL;
	struct kolm_err err = {0};
	assert_int_equal(kolm_gguf_open_buffer(&g, b, n, "v2.gguf", &err), 0);
	assert_int_equal(kolm_gguf_version(g), 2);
	assert_int_equal(kolm_gguf_tensor_count(g), 39);
	kolm_gguf_close(g);
	free(b);
}

static void test_duplicates(void **s)
{
	(void)s;
	/* a file made by the writer with a duplicate tensor name is refused by the
	 * writer; build one by hand: two tensors "a" */
	uint8_t buf[256] = {0};
	size_t p = 0;
	put32(buf, 0x46554747u);
	put32(buf + 4, 3);
	put64(buf + 8, 2);
	put64(buf + 16, 0);
	p = 24;
	for (int i = 0; i < 2; i++) {
		put64(buf + p, 1);
		buf[p + 8] = 'a';
		p += 9;
		put32(buf + p, 1);
		put64(buf + p + 4, 8);
		put32(buf + p + 12, 0);
		put64(buf + p + 16, (uint64_t)i * 32);
		p += 24;
	}
	size_t data = (p + 31) / 32 * 32;
	char msg[512];
	assert_int_equal(opens(buf, data + 64, msg, sizeof msg), KOLM_E_FORMAT);
	assert_non_null(strstr(msg, "duplicate tensor"));
	buf[p - 24 - 1] = 'b'; /* rename the second: now valid */
	assert_int_equal(opens(buf, data + 64, msg, sizeof msg), 0);
}

int main(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	snprintf(fixtures, sizeof fixtures, "%s", sh ? sh : "tests/fixtures");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_tensors), cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncation), cmocka_unit_test(test_hostile), cmocka_unit_test(test_hostile_hparams),
		cmocka_unit_test(test_duplicates), cmocka_unit_test(test_version2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
