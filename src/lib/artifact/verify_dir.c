/* verify_dir.c - check 5 of kolm verify (export binding) for an export an
 * upstream toolchain made from the .kolm (an ONNX directory, a Core ML
 * .mlpackage bundle, a TensorRT-LLM engine directory): kolm cannot make it
 * again, so it is bound by its receipt, NAME.receipt.json, which lists
 * every file with its size and SHA-256 and, signed at export (kolm export
 * --sign), is the key holder's statement.  The files are hashed again here:
 * a listed hash proves nothing until the bytes under the directory have it.
 * dir_receipt_internal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/util.h"
#include "dir_receipt_internal.h"
#include "sign_internal.h"

#define MAX_FILES 100000

static int is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* one line's value: a non-empty string without control characters */
static int is_token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* A relative path inside the directory: no leading '/', no empty, '.' or
 * '..' component, no control character. */
static int path_ok(const char *p)
{
	if (!is_token(p) || p[0] == '/' || strlen(p) >= 4096)
		return 0;
	for (const char *c = p;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[n])
			return 1;
		c += n + 1;
	}
}

/* The receipt's "files": well-formed, strictly sorted (so no duplicate).
 * 0, or 1 with why. */
static int files_bad(const json_t *files, char *why, size_t cap)
{
	if (!json_is_array(files)) {
		snprintf(why, cap, "its receipt has no \"files\" array");
		return 1;
	}
	if (json_array_size(files) > MAX_FILES) {
		snprintf(why, cap, "its receipt lists %zu files, more than %d", json_array_size(files), MAX_FILES);
		return 1;
	}
	const char *prev = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		const char *p = json_string_value(json_object_get(f, "path"));
		json_t *sz = json_object_get(f, "size");
		if (!json_is_object(f) || json_object_size(f) != 3 || !p || !json_is_integer(sz) ||
		    json_integer_value(sz) < 0 || !is_hex(json_string_value(json_object_get(f, "sha256")), 64)) {
			snprintf(why, cap, "its receipt's files[%zu] is not {\"path\", \"size\", \"sha256\"} (a string, a "
				 "size, 64 lowercase hex digits)", i);
			return 1;
		}
		if (!path_ok(p)) {
			snprintf(why, cap, "its receipt's files[%zu] path is absolute, has a '.', '..' or empty component, or a "
				 "control character", i);
			return 1;
		}
		int c = prev ? strcmp(prev, p) : -1;
		if (c >= 0) {
			snprintf(why, cap, "its receipt lists %.200s %s", p, c == 0 ? "twice" : "out of sorted order");
			return 1;
		}
		prev = p;
	}
	return 0;
}

static int digest_lines(const json_t *arr, int files, char hex[65], struct kolm_err *err)
{
	struct kolm_sha256 s;
	int rc = kolm_sha256_init(&s, err);
	if (rc)
		return rc;
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		char line[4300];
		int n = files ? snprintf(line, sizeof line, "%s %lld %s\n", json_string_value(json_object_get(x, "sha256")),
					 (long long)json_integer_value(json_object_get(x, "size")),
					 json_string_value(json_object_get(x, "path")))
			      : 0;
		if (files) {
			kolm_sha256_update(&s, line, (size_t)n);
		} else {
			kolm_sha256_update(&s, json_string_value(x), strlen(json_string_value(x)));
			kolm_sha256_update(&s, "\n", 1);
		}
	}
	uint8_t md[32];
	if ((rc = kolm_sha256_final(&s, md, err)))
		return rc;
	kolm_hex(md, 32, hex);
	return KOLM_OK;
}

int kolm_dir_statement(const json_t *receipt, const char *signer, char **out, char *why, size_t cap,
		       struct kolm_err *err)
{
	*out = NULL;
	const char *m = json_string_value(json_object_get(receipt, "manifest_sha256"));
	const char *q = json_string_value(json_object_get(receipt, "quant"));
	const char *be = json_string_value(json_object_get(receipt, "backend"));
	const char *tool = json_string_value(json_object_get(receipt, "tool"));
	const json_t *cmds = json_object_get(receipt, "commands");
	if (!is_hex(m, 64) || !is_token(q) || !is_token(be) || !is_token(tool) || !is_hex(signer, 64)) {
		snprintf(why, cap, "its receipt lacks manifest_sha256 (64 hex digits), quant, backend or tool");
		return KOLM_E_NO;
	}
	size_t i;
	json_t *c;
	if (!json_is_array(cmds) || json_array_size(cmds) > 64) {
		snprintf(why, cap, "its receipt's \"commands\" is not an array of at most 64 lines");
		return KOLM_E_NO;
	}
	json_array_foreach(cmds, i, c)
	{
		if (!is_token(json_string_value(c))) {
			snprintf(why, cap, "its receipt's commands[%zu] is not one line of text", i);
			return KOLM_E_NO;
		}
	}
	if (files_bad(json_object_get(receipt, "files"), why, cap))
		return KOLM_E_NO;
	char ch[65], fh[65];
	int rc = digest_lines(cmds, 0, ch, err);
	if (rc || (rc = digest_lines(json_object_get(receipt, "files"), 1, fh, err)))
		return rc;
	char *st = malloc(1024 + strlen(q) + strlen(be) + strlen(tool));
	if (!st)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	sprintf(st,
		"kolm.dir-receipt/1\nmanifest_sha256 %s\nquant %s\nbackend %s\ntool %s\ncommands_sha256 %s\nfiles_sha256 %s\n"
		"signer %s\n",
		m, q, be, tool, ch, fh, signer);
	*out = st;
	return KOLM_OK;
}

/* The files under dir against the receipt's list, both sorted: 0, or 1
 * with why naming the first difference. */
static int files_differ(const json_t *want, const json_t *have, const char *dir, char *why, size_t cap)
{
	size_t i = 0, j = 0, nw = json_array_size(want), nh = json_array_size(have);
	while (i < nw || j < nh) {
		const json_t *w = json_array_get(want, i), *h = json_array_get(have, j);
		const char *wp = json_string_value(json_object_get(w, "path"));
		const char *hp = json_string_value(json_object_get(h, "path"));
		int c = !wp ? 1 : !hp ? -1 : strcmp(wp, hp);
		if (c < 0) {
			snprintf(why, cap, "%s/%.200s is missing: its receipt lists it (%lld bytes)", dir, wp,
				 (long long)json_integer_value(json_object_get(w, "size")));
			return 1;
		}
		if (c > 0) {
			snprintf(why, cap, "%s/%.200s is not in its receipt (a file added after the export)", dir, hp);
			return 1;
		}
		json_int_t ws = json_integer_value(json_object_get(w, "size")), hs = json_integer_value(json_object_get(h, "size"));
		const char *wh = json_string_value(json_object_get(w, "sha256")), *hh = json_string_value(json_object_get(h, "sha256"));
		if (ws != hs || strcmp(wh, hh)) {
			snprintf(why, cap, "%s/%.200s is %lld bytes, SHA-256 %.12s…; its receipt lists %lld bytes, %.12s…", dir,
				 wp, (long long)hs, hh, (long long)ws, wh);
			return 1;
		}
		i++;
		j++;
	}
	return 0;
}

/* --pubkey: the receipt's signature over its statement, by that key.
 * 0 with fp its fingerprint, 1 with why, or another code (err). */
static int signature_bad(const json_t *r, const char *pubkey, char fp[65], char *why, size_t cap, struct kolm_err *err)
{
	const json_t *sg = json_object_get(r, "signature");
	const char *sig = json_string_value(json_object_get(sg, "signature"));
	const char *signer = json_string_value(json_object_get(sg, "signer"));
	if (!is_hex(sig, 128) || !is_hex(signer, 64)) {
		snprintf(why, cap, "its receipt's signature is not {\"signer\": 64 hex digits, \"signature\": 128}");
		return 1;
	}
	char *st = NULL;
	int rc = kolm_dir_statement(r, signer, &st, why, cap, err);
	if (rc)
		return rc == KOLM_E_NO ? 1 : rc;
	uint8_t raw[64];
	for (int i = 0; i < 64; i++) {
		unsigned v;
		sscanf(sig + 2 * i, "%2x", &v);
		raw[i] = (uint8_t)v;
	}
	struct kolm_err e = {0};
	rc = kolm_sig_check(pubkey, KOLM_KEY_PUBLIC, (const uint8_t *)st, strlen(st), raw, 64, fp, &e);
	free(st);
	if (rc == KOLM_E_NO && !strcmp(fp, signer))
		snprintf(why, cap, "its signed receipt does not verify with key %.16s…: the receipt was changed after it was "
			 "signed", fp);
	else if (rc == KOLM_E_NO)
		snprintf(why, cap, "its signed receipt names key %.16s… as its signer, not --pubkey's %.16s…", signer, fp);
	else if (rc)
		snprintf(why, cap, "%s", e.msg);
	else if (strcmp(fp, signer))
		snprintf(why, cap, "its receipt names key %.16s…, but key %.16s… signed it", signer, fp);
	else
		return 0;
	return 1;
}

static json_t *load_receipt(const char *path, char *why, size_t cap)
{
	struct stat sb;
	json_error_t je;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, cap, "%s: no receipt (kolm export writes it beside the export; it binds an ONNX, Core ML or "
			 "TensorRT-LLM export)", path);
		return NULL;
	}
	if ((uint64_t)sb.st_size > KOLM_DIR_RECEIPT_MAX_BYTES) {
		snprintf(why, cap, "%s: %lld bytes, more than a receipt's %u", path, (long long)sb.st_size,
			 KOLM_DIR_RECEIPT_MAX_BYTES);
		return NULL;
	}
	json_t *r = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!r)
		snprintf(why, cap, "%s: not JSON (line %d: %s)", path, je.line, je.text);
	else if (!json_is_object(r) || !json_is_string(json_object_get(r, "schema")) ||
		 strcmp(json_string_value(json_object_get(r, "schema")), KOLM_DIR_RECEIPT_SCHEMA)) {
		snprintf(why, cap, "%s: not a %s receipt", path, KOLM_DIR_RECEIPT_SCHEMA);
		json_decref(r);
		r = NULL;
	}
	return r;
}

int kolm_verify_dir_receipt(const struct kolm_artifact *a, const char *dir, const char *receipt_path,
			    const char *pubkey, int require_signature, char *why, size_t cap, char *quant, size_t qcap,
			    struct kolm_err *err)
{
	char rp[4200], want[65], fp[65] = "";
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (!receipt_path && snprintf(rp, sizeof rp, "%.*s.receipt.json", (int)dl, dir) >= (int)sizeof rp) {
		snprintf(why, cap, "%s: path too long", dir);
		return KOLM_E_NO;
	}
	const char *rpath = receipt_path ? receipt_path : rp;
	json_t *r = load_receipt(rpath, why, cap), *have = NULL;
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	uint8_t md[32];
	int rc = KOLM_E_NO;
	if (!r)
		goto out;
	if ((rc = kolm_sha256_buf(km->data, (size_t)km->size, md, err)))
		goto out;
	rc = KOLM_E_NO;
	kolm_hex(md, 32, want);
	const char *ms = json_string_value(json_object_get(r, "manifest_sha256"));
	const char *q = json_string_value(json_object_get(r, "quant"));
	if (!is_hex(ms, 64)) {
		snprintf(why, cap, "%s names no manifest_sha256: not an export made from a .kolm", rpath);
		goto out;
	}
	if (strcmp(ms, want)) {
		snprintf(why, cap, "%.*s was exported from manifest %.12s…, not this artifact's %.12s…", (int)dl, dir, ms, want);
		goto out;
	}
	if (!is_token(q) || files_bad(json_object_get(r, "files"), why, cap)) {
		if (!is_token(q))
			snprintf(why, cap, "%s states no quant", rpath);
		goto out;
	}
	int signed_r = json_object_get(r, "signature") != NULL;
	if (!signed_r && (pubkey || require_signature)) {
		snprintf(why, cap, "its receipt is unsigned, but %s asks for a signed one (kolm export X.kolm --sign KEY)",
			 pubkey ? "--pubkey" : "--require-signature");
		goto out;
	}
	/* the bytes under the directory, hashed now */
	char twhy[600];
	int tr = kolm_tree_files(dir, &have, twhy, sizeof twhy, err);
	if (tr == KOLM_E_NO) {
		snprintf(why, cap, "%.*s: %s", (int)dl, dir, twhy);
		goto out;
	}
	if (tr) {
		rc = tr;
		goto out;
	}
	char d[4200];
	snprintf(d, sizeof d, "%.*s", (int)dl, dir);
	if (files_differ(json_object_get(r, "files"), have, d, why, cap))
		goto out;
	if (pubkey && (tr = signature_bad(r, pubkey, fp, why, cap, err))) {
		if (tr != 1)
			rc = tr;
		goto out;
	}
	size_t n = json_array_size(have);
	snprintf(quant, qcap, "%s", q);
	if (pubkey)
		snprintf(why, cap, "by its signed receipt (key %.16s…): manifest %.12s…, all %zu files' sizes and SHA-256 as "
			 "signed (%s)", fp, want, n, q);
	else
		snprintf(why, cap, "by its %s receipt (%s): all %zu files' sizes and SHA-256 as it lists, manifest %.12s…; %s",
			 signed_r ? "signed" : "unsigned", q, n, want,
			 signed_r ? "its signature was not checked (no --pubkey)"
				  : "unsigned, it is a claim of origin: the files are proven equal to what it lists, not who made them");
	rc = KOLM_OK;
out:
	json_decref(have);
	json_decref(r);
	return rc;
}
