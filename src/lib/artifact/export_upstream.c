/* export_upstream.c - an export by an upstream toolchain (ONNX Runtime
 * GenAI's model builder, Core ML, TensorRT-LLM) made from a .kolm, and its
 * receipt (export.h kolm_upstream_*): the checkpoint the .kolm holds is
 * unpacked, every member hash-checked as it is written, into a private
 * temporary directory the upstream commands read in place of the hub repo;
 * the receipt beside the output lists every file it wrote with its size and
 * SHA-256, the artifact's manifest hash and the commands run, signed with
 * the artifact's key on --sign (dir_receipt_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/export.h"
#include "kolm/util.h"
#include "kolm/version.h"
#include "artifact_internal.h"
#include "dir_receipt_internal.h"
#include "sign_internal.h"

struct kolm_upstream {
	struct kolm_export_source src;
	char dir[4200];           /* the unpacked checkpoint ("" until made) */
	char mhex[65];            /* the artifact's kolm.json SHA-256 */
	struct kolm_sigkey *key;  /* --sign */
};

/* One member written to dir/name (a new file, 0600), hashed as written and
 * compared with the manifest's SHA-256. */
static int unpack_member(const char *dir, const struct kolm_member *m, const char *sha, struct kolm_err *err)
{
	char p[4400];
	if (snprintf(p, sizeof p, "%s/%s", dir, m->name) >= (int)sizeof p)
		return kolm_err_set(err, KOLM_E_IO, "%s: path too long", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", p, strerror(errno));
	struct kolm_sha256 s;
	int rc = kolm_sha256_init(&s, err), hashing = !rc;
	for (uint64_t off = 0; !rc && off < m->size;) {
		size_t n = m->size - off > (1u << 24) ? 1u << 24 : (size_t)(m->size - off);
		kolm_sha256_update(&s, m->data + off, n);
		for (size_t done = 0; !rc && done < n;) {
			ssize_t w = write(fd, m->data + off + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				rc = kolm_err_set(err, KOLM_E_IO, "%s: write: %s", p, strerror(w < 0 ? errno : EIO));
			else
				done += (size_t)w;
		}
		off += n;
	}
	if (close(fd) != 0 && !rc)
		rc = kolm_err_set(err, KOLM_E_IO, "%s: close: %s", p, strerror(errno));
	if (rc && hashing)
		kolm_sha256_release(&s);
	uint8_t md[32];
	char hex[65];
	if (rc || (rc = kolm_sha256_final(&s, md, err)))
		return rc;
	kolm_hex(md, 32, hex);
	if (strcmp(hex, sha))
		return kolm_err_set(err, KOLM_E_NO, "export: member %s changed while it was unpacked (SHA-256 %.12s…, the "
				    "manifest states %.12s…)", m->name, hex, sha);
	return KOLM_OK;
}

/* Every member kolm.json lists but the eval pack: the Hugging Face
 * directory it was packed from. */
static int unpack(struct kolm_upstream *u, struct kolm_err *err)
{
	const json_t *man = u->src.art->manifest;
	const char *ep = json_string_value(json_object_get(json_object_get(man, "evalpack"), "member"));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(man, "members"), i, x)
	{
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *sha = json_string_value(json_object_get(x, "sha256"));
		const struct kolm_member *m = name ? kolm_artifact_member(u->src.art, name) : NULL;
		if (!m || !sha || strchr(name, '/'))
			return kolm_err_set(err, KOLM_E_FORMAT, "export: %s: manifest member %zu is not a member", u->src.art->path,
					    i);
		if (ep && !strcmp(name, ep))
			continue;
		int rc = unpack_member(u->dir, m, sha, err);
		if (rc)
			return rc;
	}
	return KOLM_OK;
}

int kolm_upstream_open(struct kolm_upstream **out, const char *artifact, const char *sign_key, struct kolm_err *err)
{
	*out = NULL;
	struct kolm_upstream *u = calloc(1, sizeof *u);
	if (!u)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	struct kolm_export_source init = KOLM_EXPORT_SOURCE_INIT;
	u->src = init;
	struct kolm_files files;
	uint8_t md[32];
	int rc = kolm_export_source_open(&u->src, artifact, -1, &files, err);
	if (!rc && sign_key)
		rc = kolm_artifact_signer_key(u->src.art, sign_key, &u->key, err);
	if (!rc && !(rc = kolm_sha256_buf(u->src.manifest, strlen(u->src.manifest), md, err)))
		kolm_hex(md, 32, u->mhex);
	if (!rc && !(rc = kolm_tmpdir_make(u->dir, sizeof u->dir, "kolm-export-ckpt", err)))
		rc = unpack(u, err);
	if (rc) {
		kolm_upstream_close(u);
		return rc;
	}
	*out = u;
	return KOLM_OK;
}

const char *kolm_upstream_dir(const struct kolm_upstream *u)
{
	return u->dir;
}

void kolm_upstream_close(struct kolm_upstream *u)
{
	if (!u)
		return;
	if (u->dir[0])
		kolm_tmpdir_remove(u->dir);
	kolm_sigkey_free(u->key);
	kolm_artifact_close(u->src.art);
	free(u->src.manifest);
	free(u);
}

/* --sign: the statement over the receipt's fields, signed with the
 * artifact's key, as "signature": {"statement", "signature", "signer"}. */
static int seal_sign(struct kolm_upstream *u, json_t *receipt, struct kolm_err *err)
{
	const char *fp = kolm_sigkey_fingerprint(u->key);
	char *st = NULL, why[600], hex[129];
	uint8_t sig[64];
	int rc = kolm_dir_statement(receipt, fp, &st, why, sizeof why, err);
	if (rc == KOLM_E_NO)
		return kolm_err_set(err, KOLM_E_IO, "export: the receipt cannot be signed: %s", why);
	if (rc || (rc = kolm_sigkey_sign(u->key, (const uint8_t *)st, strlen(st), sig, err))) {
		free(st);
		return rc;
	}
	kolm_hex(sig, 64, hex);
	rc = json_object_set_new(receipt, "signature", json_pack("{s:s,s:s,s:s}", "statement", st, "signature", hex, "signer", fp));
	free(st);
	return rc ? kolm_err_set(err, KOLM_E_NOMEM, "out of memory") : KOLM_OK;
}

int kolm_upstream_seal(struct kolm_upstream *u, json_t *receipt, const char *out_path, struct kolm_err *err)
{
	if (json_object_set_new(receipt, "tool", json_string("kolm " KOLM_VERSION)))
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (u && (json_object_set_new(receipt, "manifest_sha256", json_string(u->mhex)) ||
		  json_object_set_new(receipt, "base", json_string(u->src.base_id ? u->src.base_id : "custom"))))
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = u && u->key ? seal_sign(u, receipt, err) : KOLM_OK;
	if (rc)
		return rc;
	char rpath[4300];
	size_t n = strlen(out_path);
	while (n > 1 && out_path[n - 1] == '/')
		n--;
	if (snprintf(rpath, sizeof rpath, "%.*s.receipt.json", (int)n, out_path) >= (int)sizeof rpath)
		return kolm_err_set(err, KOLM_E_IO, "%s: path too long", out_path);
	char *s = json_dumps(receipt, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	rc = kolm_file_write_atomic(rpath, s, strlen(s), err);
	free(s);
	return rc;
}
