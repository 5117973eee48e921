/* verify_mlx.c - check 5 of kolm verify (export binding) for an MLX model
 * directory: the directory must be, file for file, what kolm export makes
 * from this artifact with the quant and group size its kolm.json states
 * (the export is deterministic; the re-derived one measures its K-score
 * again, so the stamped K is bound too), so a stamped hash proves nothing by
 * itself and any altered, added or removed file fails. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/export.h"
#include "kolm/util.h"
#include "verify_mlx_internal.h"

/* SHA-256 in hex through core's helpers, each kind used from here only;
 * -1 when a digest cannot be made (never a pass on a hash not made) */
static int sha_hex(const uint8_t *p, uint64_t n, char out[65])
{
	return kolm_sha256_hex_range(p, n, out, NULL) ? -1 : 0;
}

static int sha_buf_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[32];
	if (kolm_sha256_buf(p, n, md, NULL))
		return -1;
	kolm_hex(md, 32, out);
	return 0;
}

static int file_sha(const char *dir, const char *name, char hex[65], uint64_t *size)
{
	char p[4200];
	struct kolm_map m;
	if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p || kolm_map_open(&m, p, NULL))
		return -1;
	int rc = sha_hex(m.data, m.size, hex);
	*size = m.size;
	kolm_map_close(&m);
	return rc;
}

static void rm_flat(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4200];
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    snprintf(p, sizeof p, "%s/%s", dir, de->d_name) < (int)sizeof p)
			unlink(p);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Every regular file of `have` has its twin in `want` with the same bytes,
 * and the other way round. */
static int same_dirs(const char *want, const char *have, char *why, size_t cap, int *n_files)
{
	DIR *d = opendir(want);
	struct dirent *de;
	int n = 0, rc = KOLM_OK;
	char a[65], b[65];
	uint64_t sa, sb;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (file_sha(want, de->d_name, a, &sa)) {
			snprintf(why, cap, "the re-derived %s cannot be hashed", de->d_name);
			rc = KOLM_E_NO;
			break;
		}
		if (file_sha(have, de->d_name, b, &sb)) {
			snprintf(why, cap, "%s lacks %s, which kolm export writes", have, de->d_name);
			rc = KOLM_E_NO;
			break;
		}
		if (strcmp(a, b)) {
			snprintf(why, cap, "%s/%s (%llu bytes, SHA-256 %.12s…) is not what kolm export makes from this artifact "
				 "(%llu bytes, %.12s…)", have, de->d_name, (unsigned long long)sb, b, (unsigned long long)sa, a);
			rc = KOLM_E_NO;
			break;
		}
	}
	if (d)
		closedir(d);
	if (rc)
		return rc;
	int m = 0;
	d = opendir(have);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			m++;
	if (d)
		closedir(d);
	if (m != n) {
		snprintf(why, cap, "%s has %d files; kolm export makes %d from this artifact", have, m, n);
		return KOLM_E_NO;
	}
	*n_files = n;
	return KOLM_OK;
}

int kolm_verify_mlx_dir(struct kolm_ctx *ctx, const struct kolm_artifact *a, const char *artifact_path,
			const char *dir, char *why, size_t cap, char *quant, size_t qcap, double *export_k)
{
	*export_k = -1;
	char p[4200];
	json_error_t je;
	if (snprintf(p, sizeof p, "%s/kolm.json", dir) >= (int)sizeof p) {
		snprintf(why, cap, "%s: path too long", dir);
		return KOLM_E_NO;
	}
	json_t *st = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	if (!st) {
		snprintf(why, cap, "%s has no readable kolm.json (%s): not a kolm MLX export", dir, je.text);
		return KOLM_E_NO;
	}
	const char *q = json_string_value(json_object_get(st, "quant"));
	const char *ms = json_string_value(json_object_get(st, "manifest_sha256"));
	json_int_t gs = json_integer_value(json_object_get(st, "group_size"));
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	char want[65];
	int rc = KOLM_E_NO;
	if (sha_buf_hex(km->data, (size_t)km->size, want)) {
		snprintf(why, cap, "the manifest's SHA-256 cannot be computed");
		goto out;
	}
	if (!q || !ms) {
		snprintf(why, cap, "%s/kolm.json states no quant or manifest_sha256", dir);
		goto out;
	}
	if (strcmp(ms, want)) {
		snprintf(why, cap, "%s was exported from manifest %.12s…, not this artifact's %.12s…", dir, ms, want);
		goto out;
	}
	snprintf(quant, qcap, "%s", q);
	/* the export made again, in a private temporary directory */
	const char *tmp = getenv("TMPDIR");
	char base[4096], out[4200];
	snprintf(base, sizeof base, "%s/kolm-verify-mlx.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base)) {
		snprintf(why, cap, "cannot make a temporary directory to re-derive the export");
		goto out;
	}
	snprintf(out, sizeof out, "%s/regen", base);
	struct kolm_export_opts eo = {0};
	struct kolm_err e = {0};
	eo.artifact = artifact_path;
	eo.format = q;
	eo.out_path = out;
	eo.group_size = (int)gs;
	eo.min_k = 0; /* the gate is check 6's business */
	int n = 0;
	if (kolm_export_mlx(ctx, &eo, NULL, &e)) {
		snprintf(why, cap, "re-deriving the %s export from this artifact failed: %s", q, e.msg);
	} else if (!(rc = same_dirs(out, dir, why, cap, &n))) {
		/* bound: kolm.json, the K included, is the re-derived one's */
		const char *ks = json_string_value(json_object_get(st, "export_k_source"));
		if (ks && !strcmp(ks, "measured"))
			*export_k = json_number_value(json_object_get(st, "export_k_score"));
		char pay[65] = "";
		uint64_t sz;
		file_sha(dir, "model.safetensors", pay, &sz);
		snprintf(why, cap, "re-derived from this artifact (%s, group %lld): all %d files identical%s%.12s%s", q,
			 (long long)gs, n, *pay ? ", model.safetensors SHA-256 " : "", pay, *pay ? "…" : "");
	}
	rm_flat(out);
	snprintf(p, sizeof p, "%s/regen.receipt.json", base);
	unlink(p);
	rmdir(base);
out:
	json_decref(st);
	return rc;
}
