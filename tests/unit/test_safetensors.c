/* test_safetensors.c - the safetensors reader on the real HF checkpoints,
 * a sharded checkpoint built from one, hostile headers; and the HF -> GGUF
 * mapping against tests/fixtures/models/golden/hf-to-gguf-map.tsv (llama.cpp's
 * converted tensors, byte-identical after the un-permutation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/hfdir.h"
#include "kolm/model.h"
#include "kolm/safetensors.h"
#include "kolm/types.h"
#include "kolm/util.h"

static char fixtures[1024];

static void test_real_files(void **s)
{
	(void)s;
	static const struct { const char *dir; int64_t tensors; uint64_t header; } want[] = {
		{"stories260K-hf", 47, 4856}, {"aidreams260K-hf", 38, 3920}};
	for (size_t i = 0; i < 2; i++) {
		char p[1200];
		snprintf(p, sizeof p, "%s/models/%s/model.safetensors", fixtures, want[i].dir);
		struct kolm_safetensors *st;
		struct kolm_err err = {0};
		if (kolm_safetensors_open(&st, p, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(kolm_safetensors_count(st), want[i].tensors);
		assert_true(kolm_safetensors_header_bytes(st) == want[i].header);
		const struct kolm_st_tensor *t = kolm_safetensors_find(st, "model.embed_tokens.weight");
		assert_non_null(t);
		assert_int_equal(t->dtype, KOLM_ST_F32);
		assert_int_equal(t->shape[0], 512);
		assert_int_equal(t->shape[1], 64);
		assert_string_equal(json_string_value(json_object_get(kolm_safetensors_metadata(st), "format")), "pt");
		kolm_safetensors_close(st);
	}
}

/* hf-to-gguf-map.tsv: model, gguf name, ne, hf name, hf shape, transform, sha256 of the GGUF bytes */
static void test_mapping(void **s)
{
	(void)s;
	char p[1200];
	snprintf(p, sizeof p, "%s/models/golden/hf-to-gguf-map.tsv", fixtures);
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	char line[1024];
	int checked = 0;
	fgets(line, sizeof line, fp);
	struct kolm_safetensors *st = NULL;
	struct kolm_hf_map *mp = NULL;
	int64_t n = 0;
	char cur[64] = "";
	struct kolm_model m = {0};
	while (fgets(line, sizeof line, fp)) {
		char *f[10] = {0};
		int k = 0;
		for (char *t = strtok(line, "\t\n"); t && k < 10; t = strtok(NULL, "\t\n"))
			f[k++] = t;
		if (k < 7)
			continue;
		if (strcmp(cur, f[0])) {
			kolm_safetensors_close(st);
			free(mp);
			kolm_model_release(&m);
			snprintf(cur, sizeof cur, "%s", f[0]);
			char dir[1200];
			snprintf(dir, sizeof dir, "%s/models/%s-hf", fixtures, f[0]);
			struct kolm_err err = {0};
			assert_int_equal(kolm_model_from_path(&m, dir, &err), 0);
			assert_int_equal(kolm_safetensors_open(&st, dir, &err), 0);
			assert_int_equal(kolm_hfdir_map(st, &m.hp, &mp, &n, &err), 0);
		}
		if (strstr(f[5], "tied"))
			continue; /* the llama2.c converter's output.weight copy: an HF export writes none */
		const struct kolm_hf_map *e = NULL;
		for (int64_t i = 0; i < n; i++)
			if (!strcmp(mp[i].gguf, f[1]))
				e = &mp[i];
		if (!e)
			fail_msg("%s: %s not mapped", f[0], f[1]);
		assert_string_equal(e->src->name, f[3]);
		char ne[64];
		int w = snprintf(ne, sizeof ne, "%lld", (long long)e->ne[0]);
		for (int d = 1; d < e->n_dims; d++)
			w += snprintf(ne + w, sizeof ne - (size_t)w, "x%lld", (long long)e->ne[d]);
		assert_string_equal(ne, f[2]);
		/* transform, and the bytes llama.cpp wrote after it */
		uint8_t *buf = malloc(e->src->nbytes);
		assert_non_null(buf);
		if (e->transform == KOLM_HF_UNPERMUTE) {
			assert_non_null(strstr(f[5], "unpermute"));
			kolm_hf_unpermute_rows(e->src->data, buf, e->ne[1], (uint64_t)e->ne[0] * 4, e->n_head);
		} else {
			assert_string_equal(f[5], "identity");
			memcpy(buf, e->src->data, e->src->nbytes);
		}
		char hex[65];
		kolm_sha256_hex_range(buf, e->src->nbytes, hex, NULL);
		assert_string_equal(hex, f[6]);
		free(buf);
		checked++;
	}
	fclose(fp);
	kolm_safetensors_close(st);
	free(mp);
	kolm_model_release(&m);
	printf("%d tensors map to llama.cpp's GGUF bytes\n", checked);
	assert_int_equal(checked, 47 - 0 + 38 - 0); /* every HF tensor of both models */
}

static void write_file(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n, fp), n);
	fclose(fp);
}

/* Split aidreams260K into two shards + an index: one model, same tensors. */
static void test_sharded(void **s)
{
	(void)s;
	char src[1200], dir[] = "/tmp/kolm-shard-XXXXXX";
	snprintf(src, sizeof src, "%s/models/aidreams260K-hf/model.safetensors", fixtures);
	assert_non_null(mkdtemp(dir));
	struct kolm_safetensors *st;
	assert_int_equal(kolm_safetensors_open(&st, src, NULL), 0);
	int64_t n = kolm_safetensors_count(st);
	json_t *wm = json_object();
	for (int part = 0; part < 2; part++) {
		json_t *h = json_object();
		uint64_t off = 0;
		for (int64_t i = part; i < n; i += 2) {
			const struct kolm_st_tensor *t = kolm_safetensors_at(st, i);
			json_t *shape = json_array();
			for (int d = 0; d < t->n_dims; d++)
				json_array_append_new(shape, json_integer(t->shape[d]));
			json_object_set_new(h, t->name, json_pack("{s:s,s:o,s:[I,I]}", "dtype", "F32", "shape", shape,
								  "data_offsets", (json_int_t)off, (json_int_t)(off + t->nbytes)));
			off += t->nbytes;
			char shard[64];
			snprintf(shard, sizeof shard, "model-%05d-of-00002.safetensors", part + 1);
			json_object_set_new(wm, t->name, json_string(shard));
		}
		char *hj = json_dumps(h, JSON_COMPACT);
		uint64_t hl = strlen(hj);
		uint8_t *buf = malloc(8 + hl + off);
		memcpy(buf, &hl, 8);
		memcpy(buf + 8, hj, hl);
		uint64_t p = 8 + hl;
		for (int64_t i = part; i < n; i += 2) {
			const struct kolm_st_tensor *t = kolm_safetensors_at(st, i);
			memcpy(buf + p, t->data, t->nbytes);
			p += t->nbytes;
		}
		char path[256];
		snprintf(path, sizeof path, "%s/model-%05d-of-00002.safetensors", dir, part + 1);
		write_file(path, buf, p);
		free(buf);
		free(hj);
		json_decref(h);
	}
	json_t *idx = json_pack("{s:{s:i},s:o}", "metadata", "total_size", 0, "weight_map", wm);
	char path[256];
	snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
	assert_int_equal(json_dump_file(idx, path, 0), 0);
	json_decref(idx);
	struct kolm_safetensors *sh;
	struct kolm_err err = {0};
	if (kolm_safetensors_open(&sh, dir, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(kolm_safetensors_count(sh), n);
	assert_int_equal(kolm_safetensors_shards(sh), 2);
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_st_tensor *a = kolm_safetensors_at(st, i), *b = kolm_safetensors_find(sh, a->name);
		assert_non_null(b);
		assert_true(a->nbytes == b->nbytes && !memcmp(a->data, b->data, a->nbytes));
	}
	kolm_safetensors_close(sh);
	kolm_safetensors_close(st);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Two shards of 40k zero-size tensors each (80k names): the index and the
 * cross-shard duplicate check are hash sets, so opening takes well under a
 * second here (comparing each name with every other took 26 s); a name in both
 * shards is still found.  The 6 s bound is loose for sanitizer builds. */
static void test_many_tensors_linear(void **s)
{
	(void)s;
	char dir[] = "/tmp/kolm-many-XXXXXX", path[256];
	assert_non_null(mkdtemp(dir));
	enum { PER = 40000 };
	for (int dup = 0; dup < 2; dup++) {
		json_t *wm = json_object();
		for (int part = 0; part < 2; part++) {
			json_t *h = json_object();
			char shard[64];
			snprintf(shard, sizeof shard, "model-%05d-of-00002.safetensors", part + 1);
			for (int i = 0; i < PER; i++) {
				char nm[48];
				/* dup: shard 2's last tensor is named like shard 1's first */
				if (dup && part == 1 && i == PER - 1)
					snprintf(nm, sizeof nm, "t0.%05d", 0);
				else
					snprintf(nm, sizeof nm, "t%d.%05d", part, i);
				json_object_set_new(h, nm, json_pack("{s:s,s:[i],s:[i,i]}", "dtype", "F32", "shape", 0,
								     "data_offsets", 0, 0));
				json_object_set_new(wm, nm, json_string(shard));
			}
			char *hj = json_dumps(h, JSON_COMPACT);
			uint64_t hl = strlen(hj);
			uint8_t *buf = malloc(8 + hl);
			memcpy(buf, &hl, 8);
			memcpy(buf + 8, hj, hl);
			snprintf(path, sizeof path, "%s/%s", dir, shard);
			write_file(path, buf, 8 + hl);
			free(buf);
			free(hj);
			json_decref(h);
		}
		json_t *idx = json_pack("{s:{s:i},s:o}", "metadata", "total_size", 0, "weight_map", wm);
		snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
		assert_int_equal(json_dump_file(idx, path, 0), 0);
		json_decref(idx);
		struct kolm_safetensors *sh = NULL;
		struct kolm_err err = {0};
		double t0 = mono();
		int rc = kolm_safetensors_open(&sh, dir, &err);
		double dt = mono() - t0;
		printf("  %d zero-size tensors in 2 shards%s: opened in %.3f s%s%s\n", 2 * PER, dup ? ", one name in both" : "",
		       dt, rc ? ": " : "", rc ? err.msg : "");
		if (dup) {
			assert_int_equal(rc, KOLM_E_FORMAT);
			assert_non_null(strstr(err.msg, "appears in two shards"));
		} else {
			if (rc)
				fail_msg("%s", err.msg);
			assert_int_equal(kolm_safetensors_count(sh), 2 * PER);
			assert_non_null(kolm_safetensors_find(sh, "t1.39999"));
			assert_null(kolm_safetensors_find(sh, "t2.00000"));
			kolm_safetensors_close(sh);
		}
		assert_true(dt < 6.0);
	}
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int open_bytes(const char *hdr, uint64_t data_len, char *msg)
{
	uint64_t hl = strlen(hdr);
	uint8_t *b = calloc(1, 8 + hl + data_len);
	memcpy(b, &hl, 8);
	memcpy(b + 8, hdr, hl);
	struct kolm_safetensors *s = NULL;
	struct kolm_err err = {0};
	int rc = kolm_safetensors_open_buffer(&s, b, 8 + hl + data_len, "x.safetensors", &err);
	kolm_safetensors_close(s);
	free(b);
	strcpy(msg, err.msg);
	return rc;
}

static void test_hostile(void **s)
{
	(void)s;
	char msg[512];
	assert_int_equal(open_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, msg), 0);
	static const struct { const char *hdr; uint64_t data; const char *want; } bad[] = {
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "past the end"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "bytes for its shape"},
		{"{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "gap"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlaps"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "duplicate"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", 8, "bad shape"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "bad shape"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "after the last tensor"},
		{"[1,2]", 0, "not a JSON object"},
		{"{\"a\":", 0, "header JSON"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = open_bytes(bad[i].hdr, bad[i].data, msg);
		if (rc != KOLM_E_FORMAT || !strstr(msg, bad[i].want))
			fail_msg("case %zu: rc %d '%s'", i, rc, msg);
	}
	/* a header length past the file, and above the limit */
	uint8_t b[16] = {0};
	uint64_t big = 1ULL << 40;
	memcpy(b, &big, 8);
	struct kolm_safetensors *st = NULL;
	struct kolm_err err = {0};
	assert_int_equal(kolm_safetensors_open_buffer(&st, b, sizeof b, "y", &err), KOLM_E_FORMAT);
	assert_non_null(strstr(err.msg, "limit"));
	big = 100;
	memcpy(b, &big, 8);
	assert_int_equal(kolm_safetensors_open_buffer(&st, b, sizeof b, "y", &err), KOLM_E_FORMAT);
}

int main(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	snprintf(fixtures, sizeof fixtures, "%s", sh ? sh : "tests/fixtures");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_files), cmocka_unit_test(test_mapping), cmocka_unit_test(test_sharded),
		cmocka_unit_test(test_hostile), cmocka_unit_test(test_many_tensors_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
