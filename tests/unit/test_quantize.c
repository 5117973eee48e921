/* test_quantize.c - kolm_quantize_file against files llama-quantize made:
 *   - synth-f32.gguf to all 18 file types: whole-file sha256 and size from
 *     kquant/files.tsv, and per tensor type/offset/sha256 from tensors.tsv;
 *   - the 260K models to F16, and to Q8_0/Q4_0 with --tensor-type
 *     ffn_down=f16 (how llama.cpp made them): byte-identical to
 *     models/gguf (SHA256SUMS);
 *   - --allow-requantize ... F32 reproduces llama.cpp's to_float output
 *     (dequant-check.tsv), and is refused without the flag;
 *   - llama.cpp's weights_map name order. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kolm/err.h"
#include "kolm/gguf.h"
#include "kolm/quantize.h"
#include "kolm/types.h"
#include "kolm/util.h"

static char tmpdir[256];

static const char *fixtures(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	return sh ? sh : "tests/fixtures";
}

static int setup(void **s)
{
	(void)s;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/kolm-test-quantize-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char p[512];
			snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	return 0;
}

static void file_sha(const char *path, char out[65], uint64_t *size)
{
	struct kolm_map m;
	assert_int_equal(kolm_map_open(&m, path, NULL), 0);
	kolm_sha256_hex_range(m.data, m.size, out, NULL);
	*size = m.size;
	kolm_map_close(&m);
}

static char *read_text(const char *rel)
{
	char path[1024], *buf = NULL;
	size_t n;
	snprintf(path, sizeof path, "%s/%s", fixtures(), rel);
	assert_int_equal(kolm_file_read_all(path, 1 << 24, &buf, &n, NULL), 0);
	return buf;
}

/* Check every tensor of `out` against the tensors.tsv rows of `file`. */
static void check_tensors(const char *out, const char *file, const char *tsv)
{
	struct kolm_gguf *g;
	struct kolm_err err = {0};
	int rc = kolm_gguf_open(&g, out, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(rc, 0);
	int64_t idx = 0;
	const char *l = tsv;
	while ((l = strchr(l, '\n'))) {
		l++;
		char f[64], ft[16], name[64], type[16], shape[32], sha[65];
		unsigned long long off, foff, nb;
		if (sscanf(l, "%63s\t%15s\t%63s\t%15s\t%31s\t%llu\t%llu\t%llu\t%64s", f, ft, name, type, shape, &off,
			   &foff, &nb, sha) != 9 ||
		    strcmp(f, file))
			continue;
		assert_true(idx < kolm_gguf_tensor_count(g));
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, idx++);
		char tn[64];
		snprintf(tn, sizeof tn, "%.*s", (int)t->name.len, t->name.p);
		assert_string_equal(tn, name);
		assert_string_equal(kolm_type_name(t->type), type);
		assert_int_equal(t->offset, off);
		assert_int_equal(kolm_gguf_data_offset(g) + t->offset, foff);
		assert_int_equal(t->nbytes, nb);
		char hex[65];
		kolm_sha256_hex_range(t->data, t->nbytes, hex, NULL);
		if (strcmp(hex, sha))
			fprintf(stderr, "  %s %s %s: tensor bytes differ\n", file, name, type);
		assert_string_equal(hex, sha);
	}
	assert_int_equal(idx, kolm_gguf_tensor_count(g));
	/* metadata: general.quantization_version then general.file_type last */
	int64_t nkv = kolm_gguf_kv_count(g);
	const struct kolm_gguf_kv *a = kolm_gguf_kv_at(g, nkv - 2), *b = kolm_gguf_kv_at(g, nkv - 1);
	assert_int_equal(a->key.len, strlen("general.quantization_version"));
	assert_memory_equal(a->key.p, "general.quantization_version", a->key.len);
	assert_int_equal(b->key.len, strlen("general.file_type"));
	assert_memory_equal(b->key.p, "general.file_type", b->key.len);
	kolm_gguf_close(g);
}

static void test_synth_all_ftypes(void **s)
{
	(void)s;
	char *files = read_text("models/kquant/files.tsv");
	char *tsv = read_text("models/kquant/tensors.tsv");
	char in[1024], out[512];
	snprintf(in, sizeof in, "%s/models/kquant/synth-f32.gguf", fixtures());
	int done = 0, nthreads = 1;
	const char *l = files;
	while ((l = strchr(l, '\n'))) {
		l++;
		char file[64], ftname[16], sha[65], inc[8];
		int llft;
		unsigned long long size, doff, tb;
		if (sscanf(l, "%63s\t%15s\t%d\t%llu\t%llu\t%llu\t%64s\t%7s", file, ftname, &llft, &size, &doff, &tb, sha,
			   inc) != 8 ||
		    llft == 0)
			continue;
		const struct kolm_ftype_info *fi = kolm_ftype_from_name(ftname);
		assert_non_null(fi);
		assert_int_equal(fi->id, llft);
		struct kolm_quantize_opts o;
		memset(&o, 0, sizeof o);
		o.ftype = fi->id;
		o.nthreads = nthreads;
		nthreads = nthreads % 3 + 1; /* 1, 2, 3 threads in turn: same bytes */
		snprintf(out, sizeof out, "%s/%s", tmpdir, file);
		struct kolm_quantize_stats st;
		struct kolm_err err = {0};
		int rc = kolm_quantize_file(in, out, &o, &st, &err);
		if (rc)
			fprintf(stderr, "%s: %s\n", ftname, err.msg);
		assert_int_equal(rc, 0);
		assert_int_equal(st.n_tensors, 39);
		assert_int_equal(st.dst_tensor_bytes, tb);
		check_tensors(out, file, tsv);
		char got[65];
		uint64_t got_size;
		file_sha(out, got, &got_size);
		assert_int_equal(got_size, size);
		assert_int_equal(st.file_bytes, size);
		if (strcmp(got, sha))
			fprintf(stderr, "  %s: file sha256 %s, llama-quantize %s\n", ftname, got, sha);
		assert_string_equal(got, sha);
		fprintf(stderr, "  %-7s byte-identical to llama-quantize (%llu bytes)\n", ftname, size);
		unlink(out);
		done++;
	}
	assert_int_equal(done, 18);
	free(files);
	free(tsv);
}

static const char *sum_of(const char *sums, const char *name, char out[65])
{
	const char *p = strstr(sums, name);
	assert_non_null(p);
	assert_true(p - sums >= 66);
	memcpy(out, p - 66, 64);
	out[64] = '\0';
	return out;
}

static void test_tiny_models(void **s)
{
	(void)s;
	char *sums = read_text("models/golden/SHA256SUMS");
	const char *models[] = {"aidreams260K", "stories260K"};
	const char *ft[] = {"F16", "Q8_0", "Q4_0"}, *ftl[] = {"f16", "q8_0", "q4_0"};
	for (int mi = 0; mi < 2; mi++) {
		for (int k = 0; k < 3; k++) {
			char in[1024], out[512], gold[128], want[65], got[65];
			snprintf(in, sizeof in, "%s/models/gguf/%s-f32.gguf", fixtures(), models[mi]);
			snprintf(out, sizeof out, "%s/tiny.gguf", tmpdir);
			struct kolm_tensor_override ov;
			struct kolm_err err = {0};
			assert_int_equal(kolm_tensor_override_parse("ffn_down=f16", &ov, &err), 0);
			struct kolm_quantize_opts o;
			memset(&o, 0, sizeof o);
			o.ftype = kolm_ftype_from_name(ft[k])->id;
			o.nthreads = 2;
			if (k > 0) {
				/* without the override llama.cpp refuses: 172 % 32 */
				int rc = kolm_quantize_file(in, out, &o, NULL, &err);
				assert_int_equal(rc, KOLM_E_FORMAT);
				assert_non_null(strstr(err.msg, "ffn_down"));
				assert_int_equal(access(out, F_OK), -1);
				o.ov = &ov;
				o.n_ov = 1;
			}
			int rc = kolm_quantize_file(in, out, &o, NULL, &err);
			if (rc)
				fprintf(stderr, "%s %s: %s\n", models[mi], ft[k], err.msg);
			assert_int_equal(rc, 0);
			uint64_t size;
			file_sha(out, got, &size);
			snprintf(gold, sizeof gold, "gguf/%s-%s.gguf", models[mi], ftl[k]);
			sum_of(sums, gold, want);
			if (strcmp(got, want))
				fprintf(stderr, "  %s: sha256 %s, llama.cpp %s\n", gold, got, want);
			assert_string_equal(got, want);
			unlink(out);
		}
	}
	free(sums);
}

static void test_requantize_to_f32(void **s)
{
	(void)s;
	char *chk = read_text("models/kquant/dequant-check.tsv");
	const char *files[] = {"synth-q4_k_m.gguf", "synth-q2_k.gguf"};
	for (int fi = 0; fi < 2; fi++) {
		char in[1024], out[512];
		snprintf(in, sizeof in, "%s/models/kquant/%s", fixtures(), files[fi]);
		snprintf(out, sizeof out, "%s/f32.gguf", tmpdir);
		struct kolm_quantize_opts o;
		memset(&o, 0, sizeof o);
		o.ftype = KOLM_FT_ALL_F32;
		o.nthreads = 2;
		struct kolm_err err = {0};
		/* refused without --allow-requantize */
		assert_int_equal(kolm_quantize_file(in, out, &o, NULL, &err), KOLM_E_FORMAT);
		assert_non_null(strstr(err.msg, "requantiz"));
		o.allow_requantize = 1;
		assert_int_equal(kolm_quantize_file(in, out, &o, NULL, &err), 0);
		struct kolm_gguf *g;
		assert_int_equal(kolm_gguf_open(&g, out, &err), 0);
		int checked = 0;
		const char *l = chk;
		while ((l = strchr(l, '\n'))) {
			l++;
			char f[64], t[64], ty[16], sha[65];
			long long ne, mism;
			if (sscanf(l, "%63s\t%63s\t%15s\t%lld\t%lld\t%64s", f, t, ty, &ne, &mism, sha) != 6 ||
			    strcmp(f, files[fi]))
				continue;
			const struct kolm_gguf_tensor *tt = kolm_gguf_tensor_find(g, t);
			assert_non_null(tt);
			assert_int_equal(tt->type, KOLM_T_F32);
			char hex[65];
			kolm_sha256_hex_range(tt->data, tt->nbytes, hex, NULL);
			assert_string_equal(hex, sha);
			checked++;
		}
		assert_int_equal(checked, 39);
		kolm_gguf_close(g);
		unlink(out);
	}
	free(chk);
}

static void test_name_order(void **s)
{
	(void)s;
	assert_true(kolm_quantize_name_cmp("output.weight", "output_norm.weight") < 0);
	assert_true(kolm_quantize_name_cmp("token_embd.weight", "blk.0.attn_k.weight") < 0);
	assert_true(kolm_quantize_name_cmp("blk.2.ffn_up.weight", "blk.10.attn_k.weight") < 0);
	assert_true(kolm_quantize_name_cmp("blk.3.attn_norm.weight", "blk.3.attn_k.weight") > 0);
	assert_int_equal(kolm_quantize_name_cmp("blk.1.x", "blk.1.x"), 0);
}

static void test_errors(void **s)
{
	(void)s;
	struct kolm_quantize_opts o;
	memset(&o, 0, sizeof o);
	struct kolm_err err = {0};
	char in[1024], out[512];
	snprintf(in, sizeof in, "%s/models/kquant/synth-f32.gguf", fixtures());
	snprintf(out, sizeof out, "%s/x.gguf", tmpdir);
	o.ftype = 4; /* removed id */
	assert_int_equal(kolm_quantize_file(in, out, &o, NULL, &err), KOLM_E_USAGE);
	o.ftype = KOLM_FT_IQ2_XXS; /* needs an importance matrix: not produced */
	assert_int_equal(kolm_quantize_file(in, out, &o, NULL, &err), KOLM_E_USAGE);
	assert_int_equal(access(out, F_OK), -1);
	o.ftype = KOLM_FT_Q8_0;
	snprintf(in, sizeof in, "%s/nonexistent.gguf", tmpdir);
	assert_true(kolm_quantize_file(in, out, &o, NULL, &err) < 0);
	assert_int_equal(access(out, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_order),
		cmocka_unit_test(test_synth_all_ftypes),
		cmocka_unit_test(test_tiny_models),
		cmocka_unit_test(test_requantize_to_f32),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
