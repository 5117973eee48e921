/* test_dir_receipt.c - an export an upstream toolchain makes from a .kolm
 * (ONNX directory, .mlpackage bundle, TensorRT-LLM engine directory) and its
 * receipt: the checkpoint unpacked hash-checked into a private directory
 * that is gone after, every output file listed with size and SHA-256, the
 * receipt signed with the artifact's key; and kolm verify's binding of it,
 * with every tamper case failing check 5 with the first differing file or
 * field named.  The "toolchain" is cp(1) copying the unpacked checkpoint (a
 * stand-in: tests/interop/onnx_export.sh runs the real ONNX builder).
 * Fixture: tests/fixtures/models/stories260K-hf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/toolchain.h"
#include "kolm/util.h"

#include "signed_fixture.h"

static char art2[300], unsig[300];

static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The upstream export of artifact a into out (cp -R of the unpacked
 * checkpoint), sealed with sign_key; the unpacked directory must be gone
 * after.  Returns the library's code. */
static int upstream_export(const char *a, const char *out, const char *sign_key, struct kolm_err *e)
{
	struct kolm_upstream *u = NULL;
	int rc = kolm_upstream_open(&u, a, sign_key, e);
	if (rc)
		return rc;
	char ck[4200], cmd[8600];
	snprintf(ck, sizeof ck, "%s", kolm_upstream_dir(u));
	struct stat sb;
	assert_int_equal(stat(ck, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0); /* private */
	char p[4300];
	snprintf(p, sizeof p, "%s/config.json", ck);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/evalpack.jsonl", ck); /* the eval pack is not part of the checkpoint */
	assert_int_not_equal(access(p, F_OK), 0);
	snprintf(cmd, sizeof cmd, "# a note line is not run\ncp -R %s %s", ck, out);
	const struct kolm_format *fmt = kolm_catalog_format_find(ctx, "onnx-int4");
	assert_non_null(fmt);
	json_t *r = NULL;
	rc = kolm_toolchain_export(cmd, NULL, fmt, out, &r, e);
	if (!rc)
		rc = kolm_upstream_seal(u, r, out, e);
	json_decref(r);
	kolm_upstream_close(u);
	assert_int_not_equal(stat(ck, &sb), 0); /* removed */
	return rc;
}

static int setup(void **s)
{
	(void)s;
	if (fixture_open("/tmp/kolm-dirrec-XXXXXX"))
		return -1;
	snprintf(art2, sizeof art2, "%s/t.kolm", dir);
	snprintf(unsig, sizeof unsig, "%s/u.kolm", dir);
	struct kolm_err e = {0};
	struct kolm_pack_opts po = {hf, evp, art, key, NULL, "stories", 0.9, -1, 0, 0, 0, NULL, NULL};
	struct kolm_pack_opts p2 = {hf, evp, art2, key, NULL, "other-name", 0.9, -1, 0, 0, 0, NULL, NULL};
	struct kolm_pack_opts p3 = {hf, evp, unsig, NULL, NULL, "stories", 0.9, -1, 0, 0, 0, NULL, NULL};
	if (kolm_pack(ctx, &po, NULL, &e) || kolm_pack(ctx, &p2, NULL, &e) || kolm_pack(ctx, &p3, NULL, &e)) {
		fprintf(stderr, "pack: %s\n", e.msg);
		return -1;
	}
	if (upstream_export(art, path("signed"), key, &e) || upstream_export(art, path("plain"), NULL, &e)) {
		fprintf(stderr, "export: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	return fixture_close();
}

/* verify a against e; check 5's status and line */
static int binding(const char *a, const char *e, const char *pk, int require, char why[600])
{
	struct kolm_verify_opts o = {.artifact = a, .export_path = e, .pubkey = pk, .require_signature = require, .max_k_loss = 100};
	json_t *rep = NULL;
	struct kolm_err err = {0};
	kolm_verify(ctx, &o, &rep, &err);
	if (!rep)
		fail_msg("verify %s %s: %s", a, e, err.msg);
	json_t *c = json_array_get(json_object_get(rep, "checks"), 4);
	snprintf(why, 600, "%s", json_string_value(json_object_get(c, "why")));
	int ok = !strcmp(json_string_value(json_object_get(c, "status")), "OK");
	json_decref(rep);
	return ok;
}

static void expect_bound(const char *a, const char *e, const char *pk, int require, const char *says)
{
	char why[600];
	if (!binding(a, e, pk, require, why) || !strstr(why, says))
		fail_msg("%s: expected OK with \"%s\", got: %s", e, says, why);
}

static void expect_unbound(const char *what, const char *a, const char *e, const char *pk, int require, const char *says)
{
	char why[600];
	if (binding(a, e, pk, require, why) || !strstr(why, says))
		fail_msg("%s: expected FAIL with \"%s\", got: %s", what, says, why);
	printf("  %-36s -> FAIL: %s\n", what, why);
}

/* a fresh copy of the signed (or unsigned) export and its receipt as NAME */
static const char *copy(const char *from, const char *name)
{
	const char *d = path(name);
	sh("rm -rf '%s' '%s.receipt.json' && cp -R '%s/%s' '%s' && cp '%s/%s.receipt.json' '%s.receipt.json'", d, d, dir,
	   from, d, dir, from, d);
	return d;
}

static void test_bound_signed_and_unsigned(void **s)
{
	(void)s;
	const char *sg = path("signed"), *pl = path("plain");
	expect_bound(art, sg, pub, 1, "by its signed receipt (key ");
	expect_bound(art, sg, NULL, 0, "its signature was not checked (no --pubkey)");
	expect_bound(art, pl, NULL, 0, "unsigned, it is a claim of origin");
	char slash[600];
	snprintf(slash, sizeof slash, "%s/", sg); /* the receipt is beside the directory, however it is named */
	expect_bound(art, slash, pub, 1, "by its signed receipt");
}

static void test_receipt_lists_every_file(void **s)
{
	(void)s;
	json_error_t je;
	char rp[600];
	snprintf(rp, sizeof rp, "%s.receipt.json", path("signed"));
	json_t *r = json_load_file(rp, 0, &je);
	assert_non_null(r);
	json_t *files = json_object_get(r, "files"), *have = NULL;
	char why[600];
	struct kolm_err e = {0};
	assert_int_equal(kolm_tree_files(path("signed"), &have, why, sizeof why, &e), 0);
	assert_true(json_equal(files, have));
	assert_true(json_array_size(files) >= 4);
	const char *prev = "";
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		const char *p = json_string_value(json_object_get(f, "path"));
		assert_true(strcmp(prev, p) < 0);
		prev = p;
	}
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(r, "commands"), 0)), "cp -R "));
	assert_int_equal(json_array_size(json_object_get(r, "commands")), 1); /* the note did not run */
	assert_int_equal(strlen(json_string_value(json_object_get(r, "manifest_sha256"))), 64);
	assert_non_null(json_object_get(json_object_get(r, "signature"), "statement"));
	json_decref(have);
	json_decref(r);
}

static void test_tampered_files(void **s)
{
	(void)s;
	const char *d = copy("signed", "t1");
	sh("printf x | dd of='%s/config.json' bs=1 seek=3 conv=notrunc 2>/dev/null", d);
	expect_unbound("a flipped byte in one file", art, d, pub, 1, "config.json is ");
	d = copy("signed", "t2");
	sh("echo extra >'%s/extra.bin'", d);
	expect_unbound("an added file", art, d, pub, 1, "extra.bin is not in its receipt");
	d = copy("signed", "t3");
	sh("rm '%s/tokenizer.model'", d);
	expect_unbound("a removed file", art, d, pub, 1, "tokenizer.model is missing");
	d = copy("signed", "t4");
	sh("mv '%s/config.json' '%s/config2.json'", d, d);
	expect_unbound("a renamed file", art, d, pub, 1, "config.json is missing");
	d = copy("signed", "t5");
	sh("mv '%s/config.json' '%s/../real-config.json' && ln -s ../real-config.json '%s/config.json'", d, d, d);
	expect_unbound("a symlink swapped in", art, d, pub, 1, "config.json is a symbolic link");
	expect_unbound("  (without --pubkey too)", art, d, NULL, 0, "symbolic link");
	d = copy("signed", "t6");
	sh("rm '%s.receipt.json'", d);
	expect_unbound("no receipt beside it", art, d, NULL, 0, "no receipt");
}

static void test_other_artifact_and_signatures(void **s)
{
	(void)s;
	expect_unbound("a receipt naming another artifact", art2, path("signed"), pub, 1, "was exported from manifest ");
	expect_unbound("unsigned receipt, --require-signature", art, path("plain"), NULL, 1, "its receipt is unsigned");
	expect_unbound("unsigned receipt, --pubkey", art, path("plain"), pub, 0, "its receipt is unsigned");
	expect_unbound("signed receipt, another --pubkey", art, path("signed"), pub2, 0, "names key ");
	/* the receipt edited to match an edited file: the hashes agree, the signature does not */
	const char *d = copy("signed", "e1");
	char rp[600], sha[65] = "", cmd[1400];
	snprintf(rp, sizeof rp, "%s.receipt.json", d);
	sh("printf x | dd of='%s/config.json' bs=1 seek=3 conv=notrunc 2>/dev/null", d);
	snprintf(cmd, sizeof cmd, "sha256sum '%s/config.json'", d);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", sha), 1);
	pclose(p);
	json_error_t je;
	json_t *r = json_load_file(rp, 0, &je);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(r, "files"), i, f)
	{
		if (!strcmp(json_string_value(json_object_get(f, "path")), "config.json"))
			json_object_set_new(f, "sha256", json_string(sha));
	}
	json_dump_file(r, rp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(r);
	expect_bound(art, d, NULL, 0, "its signature was not checked"); /* hashes alone agree */
	expect_unbound("an edited receipt with --pubkey", art, d, pub, 1, "the receipt was changed after it was signed");
}

/* receipt text replacing the signed one's; the binding must fail naming why */
static void hostile(const char *what, const char *text, const char *says)
{
	const char *d = copy("plain", "h");
	char rp[600];
	snprintf(rp, sizeof rp, "%s.receipt.json", d);
	FILE *f = fopen(rp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	expect_unbound(what, art, d, NULL, 0, says);
}

static char *receipt_with(const char *files_json)
{
	char rp[600];
	snprintf(rp, sizeof rp, "%s.receipt.json", path("plain"));
	json_error_t je;
	json_t *r = json_load_file(rp, 0, &je);
	json_object_set_new(r, "files", json_loads(files_json, 0, &je));
	char *s = json_dumps(r, 0);
	json_decref(r);
	return s;
}

static void test_malformed_receipts(void **s)
{
	(void)s;
	hostile("not JSON", "{\"schema\": ", "not JSON");
	hostile("another schema", "{\"schema\": \"kolm.receipt/2\"}", "not a kolm.receipt/1 receipt");
	hostile("duplicate keys", "{\"schema\": \"kolm.receipt/1\", \"schema\": \"kolm.receipt/1\"}", "not JSON");
	hostile("an array", "[]", "not a kolm.receipt/1");
	static const struct {
		const char *what, *files, *says;
	} bad[] = {
		{"files not an array", "{}", "no \"files\" array"},
		{"size a string", "[{\"path\": \"a\", \"size\": \"1\", \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] is not"},
		{"negative size", "[{\"path\": \"a\", \"size\": -1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] is not"},
		{"non-hex hash", "[{\"path\": \"a\", \"size\": 1, \"sha256\": \"" "zz00000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] is not"},
		{"upper-case hash", "[{\"path\": \"a\", \"size\": 1, \"sha256\": \"" "AA00000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] is not"},
		{"an extra field", "[{\"path\": \"a\", \"size\": 1, \"x\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] is not"},
		{"a '..' path", "[{\"path\": \"../a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] path"},
		{"an absolute path", "[{\"path\": \"/etc/passwd\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] path"},
		{"an empty component", "[{\"path\": \"a//b\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] path"},
		{"a control character", "[{\"path\": \"a\\nb\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "files[0] path"},
		{"a duplicate path", "[{\"path\": \"a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}, {\"path\": \"a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "lists a twice"},
		{"paths out of order", "[{\"path\": \"b\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}, {\"path\": \"a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000\"}]", "out of sorted order"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *t = receipt_with(bad[i].files);
		assert_non_null(t);
		hostile(bad[i].what, t, bad[i].says);
		free(t);
	}
	/* a huge array: refused by its count, not walked */
	struct kolm_buf b = {0};
	kolm_buf_add(&b, "[", 1);
	for (int i = 0; i < 100001; i++)
		kolm_buf_add(&b, i ? ",0" : "0", i ? 2 : 1);
	kolm_buf_add(&b, "]", 2);
	char *t = receipt_with(b.p);
	hostile("100,001 files", t, "more than 100000");
	free(t);
	free(b.p);
	/* a receipt past the size limit is not parsed */
	const char *d = copy("plain", "big");
	sh("truncate -s 70M '%s.receipt.json'", d);
	expect_unbound("a 70 MB receipt", art, d, NULL, 0, "more than a receipt's");
}

static void test_sign_refusals(void **s)
{
	(void)s;
	struct kolm_err e = {0};
	assert_int_equal(upstream_export(art, path("x1"), key2, &e), KOLM_E_NO);
	assert_non_null(strstr(e.msg, "is not signed with"));
	assert_int_not_equal(access(path("x1"), F_OK), 0);
	assert_int_equal(upstream_export(unsig, path("x2"), key, &e), KOLM_E_NO);
	assert_non_null(strstr(e.msg, "is unsigned"));
	/* a symlink in the toolchain's output is refused at export */
	struct kolm_upstream *u = NULL;
	assert_int_equal(kolm_upstream_open(&u, art, NULL, &e), 0);
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "cp -R %s %s\nln -s /etc/passwd %s/pw", kolm_upstream_dir(u), path("x3"), path("x3"));
	json_t *r = NULL;
	int rc = kolm_toolchain_export(cmd, NULL, kolm_catalog_format_find(ctx, "onnx-int4"), path("x3"), &r, &e);
	kolm_upstream_close(u);
	assert_int_equal(rc, KOLM_E_IO);
	assert_non_null(strstr(e.msg, "pw is a symbolic link"));
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_signed_and_unsigned),
		cmocka_unit_test(test_receipt_lists_every_file),
		cmocka_unit_test(test_tampered_files),
		cmocka_unit_test(test_other_artifact_and_signatures),
		cmocka_unit_test(test_malformed_receipts),
		cmocka_unit_test(test_sign_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
