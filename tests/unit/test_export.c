/* test_export.c - the native export against llama.cpp's converted files:
 * every tensor of an F32 export of the tiny HF models is byte-identical to
 * the same-named tensor of llama.cpp's F32 GGUF (golden/tensors.tsv; the
 * llama2.c converter's extra output.weight copy excepted), a Q8_0 export
 * with ffn_down=f16 (as the golden Q8_0 files were made) matches llama.cpp's
 * Q8_0 tensors, the tokenizer arrays equal the golden GGUF's, and the
 * payload hash the file records is the hash of its data section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/gguf.h"
#include "kolm/quantplan.h"
#include "kolm/util.h"

static char fixtures[1024];
static struct kolm_ctx *ctx;

static int golden_sha(const char *file, const char *tensor, char out[65])
{
	char p[1200], line[1024];
	snprintf(p, sizeof p, "%s/models/golden/tensors.tsv", fixtures);
	FILE *fp = fopen(p, "r");
	if (!fp)
		return -1;
	int found = -1;
	while (fgets(line, sizeof line, fp)) {
		char f[128], t[128], ty[16], sh[32], sha[80];
		long long off, nb;
		if (sscanf(line, "%127s %127s %15s %31s %lld %lld %79s", f, t, ty, sh, &off, &nb, sha) == 7 &&
		    !strcmp(f, file) && !strcmp(t, tensor)) {
			memcpy(out, sha, 65);
			found = 0;
		}
	}
	fclose(fp);
	return found;
}

static int64_t chunk_elems;

static void export_and_check(const char *model, const char *quant, const char *golden_file, int override_ffn)
{
	char dir[1200], out[256];
	snprintf(dir, sizeof dir, "%s/models/%s-hf", fixtures, model);
	snprintf(out, sizeof out, "/tmp/kolm-export-%d-%s-%s.gguf", (int)getpid(), model, quant);
	struct kolm_tensor_override ov;
	assert_int_equal(kolm_tensor_override_parse("ffn_down=f16", &ov, NULL), 0);
	struct kolm_export_opts o = {0};
	o.hf_dir = dir;
	o.format = quant;
	o.out_path = out;
	o.threads = 2;
	o.chunk_elems = chunk_elems;
	o.overrides = override_ffn ? &ov : NULL;
	o.n_overrides = override_ffn ? 1 : 0;
	json_t *rec = NULL;
	struct kolm_err err = {0};
	if (kolm_export_gguf(ctx, &o, &rec, &err))
		fail_msg("%s", err.msg);
	struct kolm_gguf *g, *gold;
	assert_int_equal(kolm_gguf_open(&g, out, &err), 0);
	char gp[1300];
	snprintf(gp, sizeof gp, "%s/models/gguf/%s", fixtures, golden_file);
	assert_int_equal(kolm_gguf_open(&gold, gp, &err), 0);
	int same = 0;
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		char name[64], hex[65], want[65];
		snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.p);
		kolm_sha256_hex_range(t->data, t->nbytes, hex, NULL);
		if (golden_sha(golden_file, name, want))
			fail_msg("%s: no golden tensor %s", golden_file, name);
		if (strcmp(hex, want))
			fail_msg("%s %s: %s differs from llama.cpp's", model, quant, name);
		same++;
	}
	assert_int_equal(same, kolm_gguf_tensor_count(gold) - 1); /* all but the converter's output.weight copy */
	/* tokenizer arrays: tokens, scores, token types equal llama.cpp's */
	static const char *keys[] = {"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"};
	for (size_t k = 0; k < 3; k++) {
		const struct kolm_gguf_kv *a = kolm_gguf_kv_find(g, keys[k]), *b = kolm_gguf_kv_find(gold, keys[k]);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(a->arr_n == b->arr_n && a->arr_type == b->arr_type && a->val_bytes == b->val_bytes);
		assert_memory_equal(a->val, b->val, (size_t)a->val_bytes);
	}
	/* the recorded payload hash is the data section's */
	char rec_sha[80], real[65];
	assert_int_equal(kolm_gguf_get_cstr(g, "kolm.payload_sha256", rec_sha, sizeof rec_sha), 0);
	uint64_t off = kolm_gguf_data_offset(g);
	kolm_sha256_hex_range(kolm_gguf_base(g) + off, kolm_gguf_file_size(g) - off, real, NULL);
	assert_string_equal(rec_sha, real);
	assert_string_equal(json_string_value(json_object_get(rec, "payload_sha256")), real);
	printf("%s %s: %d tensors byte-identical to llama.cpp's %s; tokenizer equal; payload %.12s...\n", model, quant,
	       same, golden_file, real);
	kolm_gguf_close(g);
	kolm_gguf_close(gold);
	json_decref(rec);
	unlink(out);
	char r[300];
	snprintf(r, sizeof r, "%s.receipt.json", out);
	unlink(r);
}

static void test_f32_exports(void **s)
{
	(void)s;
	export_and_check("stories260K", "f32", "stories260K-f32.gguf", 0);
	export_and_check("aidreams260K", "f32", "aidreams260K-f32.gguf", 0);
}

static void test_q8_0_export(void **s)
{
	(void)s;
	export_and_check("aidreams260K", "q8_0", "aidreams260K-q8_0.gguf", 1);
	export_and_check("stories260K", "q8_0", "stories260K-q8_0.gguf", 1);
	/* the same bytes when every tensor streams through in one-row chunks */
	chunk_elems = 100;
	export_and_check("aidreams260K", "q8_0", "aidreams260K-q8_0.gguf", 1);
	export_and_check("stories260K", "f32", "stories260K-f32.gguf", 0);
	chunk_elems = 0;
}

static void test_no_partial_output(void **s)
{
	(void)s;
	/* a failing export (Q8_0 without the ffn_down override: 172-wide rows
	 * have no fallback) leaves nothing at the output path */
	char dir[1200], out[256];
	snprintf(dir, sizeof dir, "%s/models/aidreams260K-hf", fixtures);
	snprintf(out, sizeof out, "/tmp/kolm-export-fail-%d.gguf", (int)getpid());
	struct kolm_export_opts o = {0};
	o.hf_dir = dir;
	o.format = "q8_0";
	o.out_path = out;
	struct kolm_err err = {0};
	assert_int_equal(kolm_export_gguf(ctx, &o, NULL, &err), KOLM_E_FORMAT);
	assert_non_null(strstr(err.msg, "ffn_down"));
	assert_int_equal(access(out, F_OK), -1);
}

int main(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	snprintf(fixtures, sizeof fixtures, "%s", sh ? sh : "tests/fixtures");
	struct kolm_ctx_opts co = {0};
	if (kolm_ctx_new(&ctx, &co, NULL))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f32_exports),
		cmocka_unit_test(test_q8_0_export),
		cmocka_unit_test(test_no_partial_output),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	kolm_ctx_free(ctx);
	return rc;
}
