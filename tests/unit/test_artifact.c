/* test_artifact.c - the .kolm artifact: pack, sign, export from it in
 * place, and the tamper matrix of `kolm verify` — every kind of damage is
 * caught by the check that owns it, and a signed artifact with its export
 * passes all six with OK.  Fixture: tests/fixtures/models/stories260K-hf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/ctx.h"
#include "kolm/eval.h"
#include "kolm/export.h"
#include "kolm/quantplan.h"
#include "kolm/gguf.h"

#include "signed_fixture.h"

static char exp_[300];

static int setup(void **s)
{
	(void)s;
	if (fixture_open("/tmp/kolm-art-XXXXXX"))
		return -1;
	snprintf(exp_, sizeof exp_, "%s/s-f16.gguf", dir);
	struct kolm_err e = {0};
	struct kolm_pack_opts po = {hf, evp, art, key, NULL, "stories", 0.9, -1, 0, 0, 0, NULL, NULL};
	if (kolm_pack(ctx, &po, NULL, &e)) {
		fprintf(stderr, "pack: %s\n", e.msg);
		return -1;
	}
	struct kolm_export_opts eo = {0};
	eo.artifact = art;
	eo.format = "f16";
	eo.out_path = exp_;
	eo.threads = 2;
	eo.min_k = -1;
	eo.no_measure = 1; /* the declared-K fixture; test_measured_k measures */
	if (kolm_export_gguf(ctx, &eo, NULL, &e)) {
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

/* Run verify (o's max_k_loss and the rest as given); all statuses into st[6]. */
static int verify_o(const struct kolm_verify_opts *op, char st[6][8], char whys[6][600])
{
	struct kolm_verify_opts o = *op;
	const char *a = o.artifact;
	json_t *rep = NULL;
	struct kolm_err err = {0};
	int rc = kolm_verify(ctx, &o, &rep, &err);
	if (!rep)
		fail_msg("verify %s: %s", a, err.msg);
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(rep, "checks"), i, x)
	{
		snprintf(st[i], 8, "%s", json_string_value(json_object_get(x, "status")));
		if (whys)
			snprintf(whys[i], 600, "%s", json_string_value(json_object_get(x, "why")));
	}
	json_decref(rep);
	return rc;
}

static int verify(const char *a, const char *e, const char *pk, int require, char st[6][8], char whys[6][600])
{
	struct kolm_verify_opts o = {.artifact = a, .export_path = e, .pubkey = pk, .require_signature = require, .max_k_loss = -1};
	return verify_o(&o, st, whys);
}

static void expect_fail(const char *what, const char *a, const char *e, const char *pk, int check)
{
	char st[6][8], why[6][600];
	int rc = verify(a, e, pk, 1, st, why);
	if (rc != KOLM_E_NO || strcmp(st[check], "FAIL"))
		fail_msg("%s: check %d is %s (rc %d), expected FAIL", what, check + 1, st[check], rc);
	/* the earlier checks it does not own still pass (damage is attributed, not smeared) */
	for (int i = 0; i < check; i++)
		if (strcmp(st[i], "OK"))
			fail_msg("%s: check %d is %s before the owning check %d (%s)", what, i + 1, st[i], check + 1, why[i]);
	printf("  %-34s -> check %d FAIL: %s\n", what, check + 1, why[check]);
}

static void test_signed_artifact_and_export_all_ok(void **s)
{
	(void)s;
	char st[6][8], why[6][600];
	assert_int_equal(verify(art, exp_, pub, 1, st, why), KOLM_OK);
	for (int i = 0; i < 5; i++)
		if (strcmp(st[i], "OK"))
			fail_msg("check %d is %s: %s", i + 1, st[i], why[i]);
	/* the export's K was not measured: a forecast is stated, never a
	 * verdict (SKIP, not OK, not FAIL) */
	assert_string_equal(st[5], "SKIP");
	assert_non_null(strstr(why[5], "export K not measured, so not checked against the 3.00-point limit (f16 is forecast to lose"));
	/* without an export or key: SKIP, never OK, for what was not checked */
	assert_int_equal(verify(art, NULL, NULL, 0, st, NULL), KOLM_OK);
	assert_string_equal(st[3], "SKIP");
	assert_string_equal(st[4], "SKIP");
}

/* The members as written, for building damaged copies. */
struct copy {
	struct kolm_artifact *a;
	struct kolm_file_view v[16];
	uint8_t *buf[16];
	int n;
};

static void copy_open(struct copy *c)
{
	memset(c, 0, sizeof *c);
	assert_int_equal(kolm_artifact_open(&c->a, art, NULL), 0);
	c->n = c->a->n;
	for (int i = 0; i < c->n; i++) {
		c->buf[i] = malloc(c->a->m[i].size + 1);
		memcpy(c->buf[i], c->a->m[i].data, c->a->m[i].size);
		c->v[i] = (struct kolm_file_view){c->a->m[i].name, c->buf[i], c->a->m[i].size};
	}
}

static void copy_close(struct copy *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->buf[i]);
	kolm_artifact_close(c->a);
}

static void test_flip_one_byte_in_each_member(void **s)
{
	(void)s;
	struct copy c;
	copy_open(&c);
	for (int i = 0; i < c.n; i++) {
		const char *nm = c.v[i].name;
		uint64_t at = c.v[i].size / 2;
		if (!strcmp(nm, "kolm.json")) {
			/* inside the "name" value, so the JSON stays valid: only the signature can tell */
			char *p = strstr((char *)c.buf[i], "\"stories\"");
			assert_non_null(p);
			at = (uint64_t)(p + 2 - (char *)c.buf[i]);
		}
		c.buf[i][at] ^= 0x01;
		char label[64];
		snprintf(label, sizeof label, "flip-%s.kolm", nm);
		assert_int_equal(kolm_artifact_write(path(label), c.v, c.n, 0, NULL), 0);
		char what[96];
		snprintf(what, sizeof what, "one byte flipped in %s", nm);
		int owner = !strcmp(nm, "kolm.json") || !strcmp(nm, "kolm.sig") ? 3 : 2;
		expect_fail(what, path(label), NULL, pub, owner);
		if (owner == 2) {
			/* export checks the members' hashes before converting: refused,
			 * the member named, nothing written (issue 19, attack 1) */
			struct kolm_export_opts eo = {0};
			struct kolm_err e = {0};
			eo.artifact = path(label);
			eo.format = "f16";
			eo.out_path = path("flip-export.gguf");
			eo.min_k = -1;
			eo.no_measure = 1;
			assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, &e), KOLM_E_NO);
			if (!strstr(e.msg, nm) || !strstr(e.msg, "nothing exported"))
				fail_msg("export of %s: '%s' does not name the member", label, e.msg);
			assert_int_not_equal(access(path("flip-export.gguf"), F_OK), 0);
			assert_int_not_equal(access(path("flip-export.gguf.receipt.json"), F_OK), 0);
		}
		c.buf[i][at] ^= 0x01;
	}
	copy_close(&c);
}

static void test_truncated_reordered_extra(void **s)
{
	(void)s;
	/* truncated: the tar cut inside the weights */
	struct kolm_map m;
	assert_int_equal(kolm_map_open(&m, art, NULL), 0);
	FILE *fp = fopen(path("trunc.kolm"), "wb");
	fwrite(m.data, 1, (size_t)(m.size - 300000), fp);
	fclose(fp);
	kolm_map_close(&m);
	expect_fail("truncated tar", path("trunc.kolm"), NULL, pub, 0);

	struct copy c;
	copy_open(&c);
	/* reordered: evalpack.jsonl before config.json */
	struct kolm_file_view r[16];
	memcpy(r, c.v, sizeof r);
	int ev = -1;
	for (int i = 0; i < c.n; i++)
		if (!strcmp(r[i].name, "evalpack.jsonl"))
			ev = i;
	struct kolm_file_view t = r[1];
	r[1] = r[ev];
	r[ev] = t;
	assert_int_equal(kolm_artifact_write(path("reorder.kolm"), r, c.n, 0, NULL), 0);
	expect_fail("members reordered", path("reorder.kolm"), NULL, pub, 0);
	/* an extra member of an unknown kind: the container refuses it */
	memcpy(r, c.v, sizeof r);
	r[c.n] = r[c.n - 1];
	r[c.n - 1] = (struct kolm_file_view){"notes.txt", (const uint8_t *)"hi\n", 3};
	assert_int_equal(kolm_artifact_write(path("extra.kolm"), r, c.n + 1, 0, NULL), 0);
	expect_fail("extra member notes.txt", path("extra.kolm"), NULL, pub, 0);
	/* an extra weights shard the manifest does not list: integrity */
	memcpy(r, c.v, sizeof r);
	r[c.n] = r[c.n - 1];
	r[c.n - 1] = (struct kolm_file_view){"extra.safetensors", (const uint8_t *)"x", 1};
	assert_int_equal(kolm_artifact_write(path("extra2.kolm"), r, c.n + 1, 0, NULL), 0);
	expect_fail("extra unlisted shard", path("extra2.kolm"), NULL, pub, 2);
	/* a duplicate member */
	memcpy(r, c.v, sizeof r);
	r[c.n] = r[c.n - 1];
	r[c.n - 1] = r[c.n - 2];
	assert_int_equal(kolm_artifact_write(path("dup.kolm"), r, c.n + 1, 0, NULL), 0);
	expect_fail("duplicate member", path("dup.kolm"), NULL, pub, 0);
	/* the edited manifest: a higher K, still valid JSON and schema */
	char *k = strstr((char *)c.buf[0], "\"value\": 0.9");
	assert_non_null(k);
	k[11] = '8';
	assert_int_equal(kolm_artifact_write(path("edited.kolm"), c.v, c.n, 0, NULL), 0);
	expect_fail("edited manifest (K 0.9 -> 0.98)", path("edited.kolm"), NULL, pub, 3);
	copy_close(&c);
}

/* Hostile entries libarchive will happily write: symlink, '..', absolute. */
static void write_hostile(const char *out, const char *name, int symlink)
{
	struct copy c;
	copy_open(&c);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, out), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	for (int i = 0; i <= c.n; i++) {
		archive_entry_clear(e);
		if (i == c.n - 1) {
			archive_entry_set_pathname(e, name);
			archive_entry_set_perm(e, 0644);
			if (symlink) {
				archive_entry_set_filetype(e, AE_IFLNK);
				archive_entry_set_symlink(e, "/etc/passwd");
				archive_entry_set_size(e, 0);
				archive_write_header(a, e);
			} else {
				archive_entry_set_filetype(e, AE_IFREG);
				archive_entry_set_size(e, 3);
				archive_write_header(a, e);
				archive_write_data(a, "hi\n", 3);
			}
			continue;
		}
		int k = i < c.n - 1 ? i : c.n - 1;
		archive_entry_set_pathname(e, c.v[k].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)c.v[k].size);
		archive_write_header(a, e);
		archive_write_data(a, c.v[k].data, c.v[k].size);
	}
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	copy_close(&c);
}

static void test_links_and_paths(void **s)
{
	(void)s;
	write_hostile(path("link.kolm"), "model-00002.safetensors", 1);
	expect_fail("symlink member", path("link.kolm"), NULL, pub, 0);
	write_hostile(path("dotdot.kolm"), "../evil.safetensors", 0);
	expect_fail("'../' path", path("dotdot.kolm"), NULL, pub, 0);
	write_hostile(path("abs.kolm"), "/tmp/evil.safetensors", 0);
	expect_fail("absolute path", path("abs.kolm"), NULL, pub, 0);
}

static void test_wrong_key_and_other_export(void **s)
{
	(void)s;
	expect_fail("wrong public key", art, NULL, pub2, 3);
	/* an export made from a different artifact (same model, other manifest) */
	struct kolm_pack_opts po = {hf, evp, path("other.kolm"), key, NULL, "other", 0.9, -1, 0, 0, 0, NULL, NULL};
	assert_int_equal(kolm_pack(ctx, &po, NULL, NULL), 0);
	struct kolm_export_opts eo = {0};
	eo.artifact = path("other.kolm");
	eo.format = "f16";
	eo.out_path = path("other-f16.gguf");
	eo.min_k = -1;
	eo.no_measure = 1;
	assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, NULL), 0);
	expect_fail("export from a different artifact", art, path("other-f16.gguf"), pub, 4);
	/* the export's tensor data changed after export: payload hash */
	struct kolm_map m;
	assert_int_equal(kolm_map_open(&m, exp_, NULL), 0);
	uint8_t *b = malloc(m.size);
	memcpy(b, m.data, m.size);
	b[m.size - 5] ^= 0x40;
	FILE *fp = fopen(path("tampered-f16.gguf"), "wb");
	fwrite(b, 1, m.size, fp);
	fclose(fp);
	free(b);
	kolm_map_close(&m);
	expect_fail("export tensor data flipped", art, path("tampered-f16.gguf"), pub, 4);
	/* unsigned + --require-signature */
	po.sign_key = NULL;
	po.out_path = path("unsigned.kolm");
	assert_int_equal(kolm_pack(ctx, &po, NULL, NULL), 0);
	expect_fail("unsigned with --require-signature", path("unsigned.kolm"), NULL, pub, 3);
}


static uint8_t *slurp(const char *p, size_t *n)
{
	struct kolm_map m;
	assert_int_equal(kolm_map_open(&m, p, NULL), 0);
	uint8_t *b = malloc(m.size + 1);
	memcpy(b, m.data, m.size);
	*n = m.size;
	kolm_map_close(&m);
	return b;
}

static void spit(const char *p, const void *b, size_t n)
{
	FILE *fp = fopen(p, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n, fp), n);
	fclose(fp);
}

/* Replace the first `from` after offset `at` by `to` (same length). */
static void patch(uint8_t *b, size_t n, size_t at, const char *from, const char *to)
{
	size_t l = strlen(from);
	assert_int_equal(l, strlen(to));
	for (size_t i = at; i + l <= n; i++)
		if (!memcmp(b + i, from, l)) {
			memcpy(b + i, to, l);
			return;
		}
	fail_msg("'%s' not found", from);
}

static size_t find(const uint8_t *b, size_t n, const char *s)
{
	size_t l = strlen(s);
	for (size_t i = 0; i + l <= n; i++)
		if (!memcmp(b + i, s, l))
			return i;
	fail_msg("'%s' not found", s);
	return 0;
}

/* The forged export of issue 19: 100 bytes of tensor data inverted and
 * kolm.payload_sha256 rewritten to the new hash, so every value the GGUF
 * states about itself agrees.  Only re-deriving it from the artifact tells. */
static void forge_payload(const char *in, const char *out)
{
	size_t n;
	uint8_t *b = slurp(in, &n);
	struct kolm_gguf *g;
	assert_int_equal(kolm_gguf_open(&g, in, NULL), 0);
	uint64_t off = kolm_gguf_data_offset(g);
	char old[130], fresh[65];
	assert_int_equal(kolm_gguf_get_cstr(g, "kolm.payload_sha256", old, sizeof old), 0);
	kolm_gguf_close(g);
	for (int i = 0; i < 100; i++)
		b[off + 1000 + (size_t)i] ^= 0xff;
	assert_int_equal(kolm_sha256_hex_range(b + off, n - off, fresh, NULL), 0);
	patch(b, n, 0, old, fresh);
	spit(out, b, n);
	free(b);
}

static void test_forged_payload_fails_binding(void **s)
{
	(void)s;
	forge_payload(exp_, path("forged-f16.gguf"));
	char st[6][8], why[6][600];
	expect_fail("forged payload + rewritten hash", art, path("forged-f16.gguf"), pub, 4);
	verify(art, path("forged-f16.gguf"), pub, 1, st, why);
	if (!strstr(why[4], "payload hash does not match"))
		fail_msg("binding line: %s", why[4]);
	/* the honest export binds, and the line says how */
	assert_int_equal(verify(art, exp_, pub, 1, st, why), KOLM_OK);
	assert_non_null(strstr(why[4], "re-derived from this artifact"));
}

/* Every binding field of the export, altered in place: never passes. */
static void test_binding_fields(void **s)
{
	(void)s;
	size_t n;
	uint8_t *b = slurp(exp_, &n);
	struct kolm_gguf *g;
	char mh[130];
	assert_int_equal(kolm_gguf_open(&g, exp_, NULL), 0);
	assert_int_equal(kolm_gguf_get_cstr(g, "kolm.manifest_sha256", mh, sizeof mh), 0);
	kolm_gguf_close(g);
	/* kolm.manifest_sha256: one hex digit changed */
	uint8_t *c = malloc(n);
	memcpy(c, b, n);
	char mh2[65];
	memcpy(mh2, mh, 65);
	mh2[10] = mh2[10] == '0' ? '1' : '0';
	patch(c, n, 0, mh, mh2);
	spit(path("bf-mh.gguf"), c, n);
	expect_fail("kolm.manifest_sha256 altered", art, path("bf-mh.gguf"), pub, 4);
	/* kolm.manifest: the carried copy's name changed (same length) */
	memcpy(c, b, n);
	patch(c, n, find(c, n, "kolm.manifest"), "\"name\": \"stories\"", "\"name\": \"storiez\"");
	spit(path("bf-man.gguf"), c, n);
	expect_fail("kolm.manifest copy altered", art, path("bf-man.gguf"), pub, 4);
	/* kolm.quant: f16 -> f32 (the file type no longer matches) */
	memcpy(c, b, n);
	patch(c, n, find(c, n, "kolm.quant"), "f16", "f32");
	spit(path("bf-quant.gguf"), c, n);
	expect_fail("kolm.quant altered", art, path("bf-quant.gguf"), pub, 4);
	/* general.file_type: 1 (F16) -> 0 (F32) */
	memcpy(c, b, n);
	size_t ft = find(c, n, "general.file_type") + strlen("general.file_type") + 4;
	assert_int_equal(c[ft], 1);
	c[ft] = 0;
	spit(path("bf-ft.gguf"), c, n);
	expect_fail("general.file_type altered", art, path("bf-ft.gguf"), pub, 4);
	/* a model setting edited in place: the RMSNorm epsilon (f32) */
	memcpy(c, b, n);
	size_t eps = find(c, n, "llama.attention.layer_norm_rms_epsilon") +
		     strlen("llama.attention.layer_norm_rms_epsilon") + 4;
	float f = 1234.0f;
	memcpy(c + eps, &f, 4);
	spit(path("bf-eps.gguf"), c, n);
	expect_fail("layer_norm_rms_epsilon altered", art, path("bf-eps.gguf"), pub, 4);
	/* a byte in the alignment padding after the tensor records */
	memcpy(c, b, n);
	assert_int_equal(kolm_gguf_open(&g, exp_, NULL), 0);
	uint64_t he = kolm_gguf_header_end(g), doff = kolm_gguf_data_offset(g);
	kolm_gguf_close(g);
	assert_true(doff > he); /* the fixture's export has padding to put a byte in */
	c[he] = 'X';
	spit(path("bf-pad.gguf"), c, n);
	expect_fail("a byte in the header's padding", art, path("bf-pad.gguf"), pub, 4);
	/* the tool's name is not bound (another kolm build may verify) */
	memcpy(c, b, n);
	patch(c, n, find(c, n, "kolm.tool"), "kolm ", "kolN ");
	spit(path("bf-tool.gguf"), c, n);
	char st[6][8], why[6][600];
	assert_int_equal(verify(art, path("bf-tool.gguf"), pub, 1, st, why), KOLM_OK);
	free(c);
	free(b);
}

/* --pubkey given: a signature is required; no silent SKIP (issue 19, attack 2) */
static void test_pubkey_requires_signature(void **s)
{
	(void)s;
	struct kolm_pack_opts po = {hf, evp, path("nosig.kolm"), NULL, NULL, "stories", 0.9, -1, 0, 0, 0, NULL, NULL};
	assert_int_equal(kolm_pack(ctx, &po, NULL, NULL), 0);
	char st[6][8], why[6][600];
	assert_int_equal(verify(path("nosig.kolm"), NULL, pub, 0, st, why), KOLM_E_NO);
	assert_string_equal(st[3], "FAIL");
	assert_non_null(strstr(why[3], "--pubkey"));
	/* without a key it stays a SKIP */
	assert_int_equal(verify(path("nosig.kolm"), NULL, NULL, 0, st, why), KOLM_OK);
	assert_string_equal(st[3], "SKIP");
}

/* Data after the tar's end-of-archive marker (issue 19, attack 3): a
 * second, tampered archive appended is refused; zero padding is not. */
static void test_trailing_tar_data(void **s)
{
	(void)s;
	size_t n, m;
	uint8_t *a = slurp(art, &n);
	struct copy c;
	copy_open(&c);
	for (int i = 0; i < c.n; i++)
		if (!strcmp(c.v[i].name, "model.safetensors"))
			c.buf[i][c.v[i].size / 2] ^= 1;
	assert_int_equal(kolm_artifact_write(path("tampered.kolm"), c.v, c.n, 0, NULL), 0);
	copy_close(&c);
	uint8_t *t = slurp(path("tampered.kolm"), &m);
	uint8_t *both = malloc(n + m + 10240);
	memcpy(both, a, n);
	memcpy(both + n, t, m);
	spit(path("appended.kolm"), both, n + m);
	expect_fail("tampered tar appended", path("appended.kolm"), NULL, pub, 0);
	char st[6][8], why[6][600];
	verify(path("appended.kolm"), NULL, pub, 1, st, why);
	assert_non_null(strstr(why[0], "end-of-archive"));
	/* zero blocks after the end (a tar padded to 10 KiB records) still pass */
	memset(both + n, 0, 10240);
	spit(path("padded.kolm"), both, n + 10240);
	assert_int_equal(verify(path("padded.kolm"), NULL, pub, 1, st, why), KOLM_OK);
	free(both);
	free(t);
	free(a);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A 40k-entry manifest is checked in linear time (it took 21 s when each
 * name was compared with every earlier one).  The bound is loose for
 * sanitizer builds and a busy machine; the quadratic check misses it by 10x. */
static void test_huge_manifest_linear(void **s)
{
	(void)s;
	struct copy c;
	copy_open(&c);
	json_t *man = json_deep_copy(c.a->manifest);
	json_t *mem = json_object_get(man, "members");
	for (int i = 0; i < 40000; i++) {
		char nm[40];
		snprintf(nm, sizeof nm, "w%05d.safetensors", i);
		json_array_append_new(mem, json_pack("{s:s,s:i,s:s}", "name", nm, "size", 0, "sha256",
						     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	}
	char *txt = json_dumps(man, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(man);
	c.v[0].data = (const uint8_t *)txt;
	c.v[0].size = strlen(txt);
	assert_int_equal(kolm_artifact_write(path("huge.kolm"), c.v, c.n - 1, 0, NULL), 0); /* no kolm.sig */
	copy_close(&c);
	double t0 = mono();
	char st[6][8], why[6][600];
	assert_int_equal(verify(path("huge.kolm"), NULL, NULL, 0, st, why), KOLM_E_NO);
	double dt = mono() - t0;
	printf("  40k-entry manifest (%zu bytes): verify answers in %.3f s: %s\n", strlen(txt), dt, why[2]);
	free(txt);
	assert_string_equal(st[1], "OK");
	assert_string_equal(st[2], "FAIL");
	assert_true(dt < 2.0);
}

static void test_quality_gate(void **s)
{
	(void)s;
	/* K below the gate: pack refuses unless --min-k lowers the gate */
	struct kolm_pack_opts po = {hf, evp, path("low.kolm"), NULL, NULL, "low", 0.8, -1, 0, 0, 0, NULL, NULL};
	struct kolm_err e = {0};
	assert_int_equal(kolm_pack(ctx, &po, NULL, &e), KOLM_E_NO);
	assert_non_null(strstr(e.msg, "below the gate"));
	assert_int_not_equal(access(path("low.kolm"), F_OK), 0);
	po.min_k = 0.75;
	assert_int_equal(kolm_pack(ctx, &po, NULL, NULL), 0);
	char st[6][8];
	assert_int_equal(verify(path("low.kolm"), NULL, NULL, 0, st, NULL), KOLM_OK);
	assert_string_equal(st[5], "OK");
	/* no K at all: SKIP, never OK */
	po.k_score = -1;
	po.no_measure = 1;
	po.out_path = path("nok.kolm");
	assert_int_equal(kolm_pack(ctx, &po, NULL, NULL), 0);
	assert_int_equal(verify(path("nok.kolm"), NULL, NULL, 0, st, NULL), KOLM_OK);
	assert_string_equal(st[5], "SKIP");
}

static void test_evalpack_errors_name_the_line(void **s)
{
	(void)s;
	static const char *bad[] = {
		"{\"id\": \"a\", \"prompt\": \"p\", \"expected\": \"e\", \"match\": \"exact\"}\n{\"id\": \"b\", \"prompt\": \"p\"}\n",
		"{\"id\": \"a\", \"prompt\": \"p\", \"expected\": \"e\", \"match\": \"fuzzy\"}\n",
		"{\"id\": \"a\", \"prompt\": \"p\", \"expected\": \"e\", \"match\": \"exact\"}\n{\"id\": \"a\", \"prompt\": \"q\", \"expected\": \"e\", \"match\": \"exact\"}\n",
		"{\"id\": \"a\", \"prompt\": \"p\", \"expected\": \"e\", \"match\": \"exact\", \"prompt_tokens\": [1, -2]}\n",
		"not json\n",
		"",
	};
	static const char *line[] = {"line 2", "line 1", "line 2", "line 1", "line 1", "no items"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct kolm_err e = {0};
		int64_t n;
		assert_int_equal(kolm_evalpack_check((const uint8_t *)bad[i], strlen(bad[i]), "ep.jsonl", &n, &e), KOLM_E_FORMAT);
		if (!strstr(e.msg, line[i]))
			fail_msg("evalpack %zu: '%s' lacks '%s'", i, e.msg, line[i]);
	}
}

/* kolm.sig is a plain Ed25519 signature: OpenSSL's own CLI agrees with kolm. */
static void test_openssl_cli_verifies_signature(void **s)
{
	(void)s;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		fail_msg("openssl CLI not installed (Debian package openssl)");
	struct kolm_artifact *a;
	assert_int_equal(kolm_artifact_open(&a, art, NULL), 0);
	const struct kolm_member *j = kolm_artifact_member(a, "kolm.json"), *g = kolm_artifact_member(a, "kolm.sig");
	assert_non_null(g);
	FILE *fp = fopen(path("m.json"), "wb");
	fwrite(j->data, 1, j->size, fp);
	fclose(fp);
	fp = fopen(path("m.sig"), "wb");
	fwrite(g->data, 1, g->size, fp);
	fclose(fp);
	kolm_artifact_close(a);
	char cmd[1600];
	snprintf(cmd, sizeof cmd, "openssl pkeyutl -verify -pubin -inkey '%s' -rawin -in '%s' -sigfile '%s' >/dev/null", pub,
		 path("m.json"), path("m.sig"));
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "openssl pkeyutl -verify -pubin -inkey '%s' -rawin -in '%s' -sigfile '%s' >/dev/null 2>&1",
		 pub2, path("m.json"), path("m.sig"));
	assert_int_not_equal(system(cmd), 0);
	/* the private key file is 0600 */
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* The measured path: pack measures the fp16 K of the readable tiny model
 * (aidreams260K) on its eval pack, each export measures its own, and check
 * 6 weighs the measured loss: F16 keeps K, Q4_0 (ffn_down kept F16, 172
 * columns) loses more than 3 points and fails. */
static void test_measured_k(void **s)
{
	(void)s;
	const char *sh = getenv("KOLM_FIXTURES");
	char ahf[1024], tiny[1024];
	snprintf(ahf, sizeof ahf, "%s/models/aidreams260K-hf", sh ? sh : "tests/fixtures");
	snprintf(tiny, sizeof tiny, "%s/tests/data/evalpack-tiny.jsonl", getenv("KOLM_SRC") ? getenv("KOLM_SRC") : ".");
	struct kolm_pack_opts po = {ahf, tiny, path("a.kolm"), NULL, NULL, "aidreams", -1, -1, 0, 2, 0, NULL, NULL};
	struct kolm_err e = {0};
	/* measured K is below the default gate 0.85: refused, with the number */
	assert_int_equal(kolm_pack(ctx, &po, NULL, &e), KOLM_E_NO);
	assert_non_null(strstr(e.msg, "measured K-score"));
	po.min_k = 0.5;
	json_t *man = NULL;
	assert_int_equal(kolm_pack(ctx, &po, &man, &e), 0);
	json_t *k = json_object_get(man, "k_score");
	assert_string_equal(json_string_value(json_object_get(k, "source")), "measured");
	double kref = json_number_value(json_object_get(k, "value"));
	json_decref(man);
	/* the same number as the engine gives an F16 export of the checkpoint */
	struct kolm_export_opts eo = {0};
	eo.hf_dir = ahf;
	eo.format = "f16";
	eo.out_path = path("dir-f16.gguf");
	eo.min_k = -1;
	assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, &e), 0);
	struct kolm_map pm;
	assert_int_equal(kolm_map_open(&pm, tiny, NULL), 0);
	double kdirect;
	assert_int_equal(kolm_eval_k_file(path("dir-f16.gguf"), (const char *)pm.data, pm.size, 1, &kdirect, NULL, &e), 0);
	kolm_map_close(&pm);
	assert_true(fabs(kdirect - kref) < 1e-9);
	/* F16 export: measured, no loss, all OK */
	memset(&eo, 0, sizeof eo);
	eo.artifact = path("a.kolm");
	eo.format = "f16";
	eo.out_path = path("a-f16.gguf");
	eo.min_k = -1;
	assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, &e), 0);
	char st[6][8], why[6][600];
	assert_int_equal(verify(path("a.kolm"), path("a-f16.gguf"), NULL, 0, st, why), KOLM_OK);
	assert_string_equal(st[4], "OK");
	assert_string_equal(st[5], "OK");
	assert_non_null(strstr(why[5], "(measured)"));
	/* Q4_0: the measured drop fails check 6 */
	struct kolm_tensor_override ov;
	assert_int_equal(kolm_tensor_override_parse("ffn_down=f16", &ov, &e), 0);
	eo.format = "q4_0";
	eo.out_path = path("a-q4_0.gguf");
	eo.overrides = &ov;
	eo.n_overrides = 1;
	assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, &e), 0);
	struct kolm_gguf *g;
	assert_int_equal(kolm_gguf_open(&g, path("a-q4_0.gguf"), NULL), 0);
	double kq;
	assert_int_equal(kolm_gguf_get_f64(g, "kolm.export_k_score", &kq), 0);
	kolm_gguf_close(g);
	printf("  K on evalpack-tiny: fp16 reference %.4f, Q4_0 export %.4f: %.2f points lost\n", kref, kq,
	       100 * (kref - kq));
	assert_true(kq < kref - 0.03);
	assert_int_equal(verify(path("a.kolm"), path("a-q4_0.gguf"), NULL, 0, st, why), KOLM_E_NO);
	assert_string_equal(st[4], "OK"); /* the override was recorded and honoured */
	assert_string_equal(st[5], "FAIL");
	assert_non_null(strstr(why[5], "(measured)"));
	/* the stated K overwritten in place with the reference's: verify
	 * measures the export's K again, so check 6 still fails */
	size_t n;
	uint8_t *c = slurp(path("a-q4_0.gguf"), &n);
	size_t at = find(c, n, "kolm.export_k_score") + strlen("kolm.export_k_score") + 4;
	float kf = (float)kref;
	memcpy(c + at, &kf, 4);
	spit(path("a-q4_0-k.gguf"), c, n);
	assert_int_equal(kolm_gguf_open(&g, path("a-q4_0-k.gguf"), NULL), 0);
	assert_int_equal(kolm_gguf_get_f64(g, "kolm.export_k_score", &kq), 0);
	kolm_gguf_close(g);
	assert_true(fabs(kq - kref) < 1e-6);
	assert_int_equal(verify(path("a.kolm"), path("a-q4_0-k.gguf"), NULL, 0, st, why), KOLM_E_NO);
	assert_string_equal(st[5], "FAIL");
	printf("  K stamped to %.4f in place: check 6 %s: %s\n", kq, st[5], why[5]);
	free(c);
}

/* kolm export --sign: the receipt signed with the artifact's key and
 * embedded in the GGUF binds the export without re-deriving it; every
 * byte of the file is covered (header by its hash, tensor data by the
 * payload), so nothing altered binds; the wrong key or an unsigned
 * artifact is refused before anything is written. */
static void test_signed_export(void **s)
{
	(void)s;
	struct kolm_export_opts eo = {0};
	eo.artifact = art;
	eo.format = "f16";
	eo.out_path = path("sg-f16.gguf");
	eo.threads = 2;
	eo.min_k = -1;
	eo.no_measure = 1;
	eo.sign_key = key;
	json_t *rec = NULL;
	struct kolm_err e = {0};
	assert_int_equal(kolm_export_gguf(ctx, &eo, &rec, &e), 0);
	json_t *sg = json_object_get(rec, "signature");
	assert_non_null(sg);
	const char *stmt = json_string_value(json_object_get(sg, "statement"));
	assert_non_null(stmt);
	assert_non_null(strstr(stmt, json_string_value(json_object_get(rec, "payload_sha256"))));
	assert_non_null(strstr(stmt, json_string_value(json_object_get(rec, "manifest_sha256"))));
	json_decref(rec);
	char st[6][8], why[6][600];
	/* bound by the signature alone: no re-derivation */
	assert_int_equal(verify(art, path("sg-f16.gguf"), pub, 1, st, why), KOLM_OK);
	if (!strstr(why[4], "by its signed receipt") || strstr(why[4], "re-derived"))
		fail_msg("signed binding line: %s", why[4]);
	/* --regenerate: both, and the line says so */
	struct kolm_verify_opts o = {.artifact = art, .export_path = path("sg-f16.gguf"), .pubkey = pub, .regenerate = 1,
				     .max_k_loss = -1};
	assert_int_equal(verify_o(&o, st, why), KOLM_OK);
	if (!strstr(why[4], "re-derived from this artifact") || !strstr(why[4], "signed receipt is valid"))
		fail_msg("--regenerate line: %s", why[4]);
	/* no key to check the receipt with: re-derived, and said */
	assert_int_equal(verify(art, path("sg-f16.gguf"), NULL, 0, st, why), KOLM_OK);
	if (!strstr(why[4], "re-derived") || !strstr(why[4], "not checked (no --pubkey)"))
		fail_msg("no --pubkey line: %s", why[4]);
	/* another key's public half: the artifact's signature and the receipt both fail */
	assert_int_equal(verify(art, path("sg-f16.gguf"), pub2, 0, st, why), KOLM_E_NO);
	assert_string_equal(st[3], "FAIL");
	assert_string_equal(st[4], "FAIL");
	assert_non_null(strstr(why[4], "does not verify"));

	/* forged: tensor data changed and kolm.payload_sha256 rewritten */
	forge_payload(path("sg-f16.gguf"), path("sg-forged.gguf"));
	expect_fail("signed export: payload forged", art, path("sg-forged.gguf"), pub, 4);
	size_t n;
	uint8_t *b = slurp(path("sg-f16.gguf"), &n), *c = malloc(n);
	struct kolm_gguf *g;
	assert_int_equal(kolm_gguf_open(&g, path("sg-f16.gguf"), NULL), 0);
	uint64_t off = kolm_gguf_data_offset(g);
	kolm_gguf_close(g);
	/* the tool's name is signed too (unbound only when re-deriving) */
	memcpy(c, b, n);
	patch(c, n, find(c, n, "kolm.tool"), "kolm ", "kolN ");
	spit(path("sg-tool.gguf"), c, n);
	expect_fail("signed export: kolm.tool edited", art, path("sg-tool.gguf"), pub, 4);
	/* a receipt key alone (the signature's renamed): refused, with a key or without */
	memcpy(c, b, n);
	patch(c, n, 0, "kolm.export_signature", "kolm.export_signaturf");
	spit(path("sg-half.gguf"), c, n);
	expect_fail("signed export: signature key renamed", art, path("sg-half.gguf"), pub, 4);
	assert_int_equal(verify(art, path("sg-half.gguf"), NULL, 0, st, why), KOLM_E_NO);
	if (strcmp(st[4], "FAIL") || !strstr(why[4], "partial or malformed export receipt"))
		fail_msg("a lone receipt key without --pubkey: %s %s", st[4], why[4]);
	/* every 97th byte of the header and 64 bytes of tensor data, one at a
	 * time: nothing altered binds */
	int tried = 0;
	for (size_t i = 0; i < n; i += i < off ? 97 : (n - off) / 64 + 1) {
		memcpy(c, b, n);
		c[i] ^= 0x20;
		spit(path("sg-flip.gguf"), c, n);
		if (verify(art, path("sg-flip.gguf"), pub, 1, st, why) == KOLM_OK)
			fail_msg("byte %zu of the signed export flipped: verify passed (%s)", i, why[4]);
		tried++;
	}
	/* the receipt's own values: a hex digit's case flipped in the signature
	 * (outside what it signs) or the signer, one every 5th byte */
	const char *keys[] = {"kolm.export_signature", "kolm.export_signer"};
	for (int k = 0; k < 2; k++) {
		size_t at = find(b, n, keys[k]) + strlen(keys[k]) + 4 + 8, len = k ? 64 : 128;
		for (size_t i = at; i < at + len; i += 5) {
			memcpy(c, b, n);
			c[i] ^= 0x20;
			spit(path("sg-flip.gguf"), c, n);
			if (verify(art, path("sg-flip.gguf"), pub, 1, st, why) == KOLM_OK)
				fail_msg("%s byte %zu flipped: verify passed (%s)", keys[k], i - at, why[4]);
			tried++;
		}
	}
	printf("  signed export: %d single-byte flips (header every 97th, 64 in the data, receipt values every 5th): none binds\n",
	       tried);
	free(c);
	free(b);

	/* export --sign with a key that did not sign the artifact, or from an
	 * unsigned one: KOLM_E_NO, nothing written */
	eo.sign_key = key2;
	eo.out_path = path("sg-other.gguf");
	assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, &e), KOLM_E_NO);
	assert_non_null(strstr(e.msg, "is not signed with"));
	struct kolm_pack_opts po = {hf, evp, path("us.kolm"), NULL, NULL, "stories", 0.9, -1, 0, 0, 0, NULL, NULL};
	assert_int_equal(kolm_pack(ctx, &po, NULL, NULL), 0);
	eo.artifact = path("us.kolm");
	eo.sign_key = key;
	assert_int_equal(kolm_export_gguf(ctx, &eo, NULL, &e), KOLM_E_NO);
	assert_non_null(strstr(e.msg, "unsigned"));
	struct stat sb;
	assert_int_equal(stat(path("sg-other.gguf"), &sb), -1);
	assert_int_equal(stat(path("sg-other.gguf.receipt.json"), &sb), -1);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_signed_artifact_and_export_all_ok),
		cmocka_unit_test(test_flip_one_byte_in_each_member),
		cmocka_unit_test(test_truncated_reordered_extra),
		cmocka_unit_test(test_links_and_paths),
		cmocka_unit_test(test_wrong_key_and_other_export),
		cmocka_unit_test(test_forged_payload_fails_binding),
		cmocka_unit_test(test_signed_export),
		cmocka_unit_test(test_binding_fields),
		cmocka_unit_test(test_pubkey_requires_signature),
		cmocka_unit_test(test_trailing_tar_data),
		cmocka_unit_test(test_huge_manifest_linear),
		cmocka_unit_test(test_quality_gate),
		cmocka_unit_test(test_evalpack_errors_name_the_line),
		cmocka_unit_test(test_openssl_cli_verifies_signature),
		cmocka_unit_test(test_measured_k),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}
