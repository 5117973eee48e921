/* verify.c - the six checks of `kolm verify` (artifact.h): container,
 * manifest, integrity, signature, export binding, quality.  Each ends OK,
 * FAIL or SKIP with one reason; hashing streams the mapped members
 * through OpenSSL, so memory stays bounded whatever the artifact's size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/gguf.h"
#include "kolm/model.h"
#include "kolm/quality.h"
#include "kolm/quantplan.h"
#include "kolm/types.h"
#include "artifact_internal.h"
#include "verify_mlx_internal.h"
#include "dir_receipt_internal.h"
#include "sign_internal.h"

enum { C_OK, C_FAIL, C_SKIP };

struct check {
	const char *name;
	int st;
	char why[600];
};

__attribute__((format(printf, 3, 4)))
static void set(struct check *c, int st, const char *fmt, ...)
{
	c->st = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
}

/* 3: a digest that cannot be computed stops verify (returned), never a pass */
static int integrity(const struct kolm_artifact *a, struct check *c, struct kolm_err *err)
{
	uint64_t bytes = 0;
	int rc = kolm_artifact_integrity(a, c->why, sizeof c->why, &bytes, err);
	if (rc == KOLM_E_NO)
		c->st = C_FAIL;
	else if (!rc)
		set(c, C_OK, "%zu members, %llu bytes, SHA-256 as the manifest states",
		    json_array_size(json_object_get(a->manifest, "members")), (unsigned long long)bytes);
	return rc == KOLM_E_NO ? KOLM_OK : rc;
}

/* 4 */
static void signature(const struct kolm_artifact *a, const struct kolm_verify_opts *o, struct check *c)
{
	const struct kolm_member *s = kolm_artifact_member(a, "kolm.sig");
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	if (!s) {
		if (o->require_signature)
			set(c, C_FAIL, "unsigned, and --require-signature was given");
		else if (o->pubkey)
			set(c, C_FAIL, "unsigned, but --pubkey was given: a key asks for a signature to check");
		else
			set(c, C_SKIP, "unsigned (kolm sign X.kolm --key KEY)");
		return;
	}
	if (!o->pubkey) {
		if (o->require_signature)
			set(c, C_FAIL, "signed, but --require-signature needs --pubkey to check it against");
		else
			set(c, C_SKIP, "signed, but no --pubkey given to check it against");
		return;
	}
	char fp[65] = "";
	struct kolm_err e = {0};
	int rc = kolm_sig_check(o->pubkey, KOLM_KEY_PUBLIC, km->data, (size_t)km->size, s->data, (size_t)s->size, fp, &e);
	if (rc == KOLM_OK)
		set(c, C_OK, "Ed25519 signature over kolm.json valid for key %.16s…", fp);
	else if (rc == KOLM_E_NO)
		set(c, C_FAIL, "signature does not match kolm.json for key %.16s…", fp);
	else
		set(c, C_FAIL, "%s", e.msg);
}

struct binding {
	int have;           /* an export was read */
	double export_k;    /* its measured K, < 0 if unmeasured */
	char quant[32];
	int64_t params;
};

static int gguf_str(const struct kolm_gguf *g, const char *key, char *buf, size_t cap)
{
	return kolm_gguf_get_cstr(g, key, buf, cap) == KOLM_OK;
}

/* 5 */
/* The export made again from the artifact (its own K measured when measure)
 * into dir, a private temporary directory the caller removes: the file's
 * path in out, its payload SHA-256 in hex, its measured K in *k (-1 when
 * not measured). */
static int regenerate(struct kolm_ctx *ctx, const struct kolm_verify_opts *o, const char *quant,
		      const struct kolm_tensor_override *ov, int n_ov, int measure, double gate, char dir[4200],
		      char out[4300], char hex[65], double *k, struct kolm_err *err)
{
	int rc = kolm_tmpdir_make(dir, 4200, "kolm-verify-regen", err);
	if (rc)
		return rc;
	snprintf(out, 4300, "%s/regen.gguf", dir);
	struct kolm_export_opts eo = {0};
	eo.artifact = o->artifact;
	eo.format = quant;
	eo.out_path = out;
	eo.threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	eo.overrides = ov;
	eo.n_overrides = n_ov;
	/* the gate the export states it was made under, so that kolm.gate is
	 * re-derived too (a K below it could not have been exported) */
	eo.min_k = gate;
	eo.no_measure = !measure;
	eo.no_receipt = 1;
	eo.progress = o->progress;
	eo.progress_user = o->progress_user;
	json_t *rec = NULL;
	rc = kolm_export_gguf(ctx, &eo, &rec, err);
	if (!rc) {
		const char *p = json_string_value(json_object_get(rec, "payload_sha256"));
		json_t *kv = json_object_get(rec, "export_k_score");
		*k = json_is_number(kv) ? json_number_value(kv) : -1;
		if (!p || strlen(p) != 64)
			rc = kolm_err_set(err, KOLM_E_IO, "the re-derived export has no payload hash");
		else
			memcpy(hex, p, 65);
	}
	json_decref(rec);
	return rc;
}

static int key_is(const struct kolm_gguf_str *k, const char *name)
{
	return k->len == strlen(name) && !memcmp(k->p, name, (size_t)k->len);
}

/* A string value of exactly n lowercase hex digits. */
static int is_hex_str(const struct kolm_gguf_kv *kv, uint64_t n)
{
	if (kv->type != KOLM_GGUF_STRING || kv->val_bytes != 8 + n)
		return 0;
	for (uint64_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", kv->val[8 + i]) || !kv->val[8 + i])
			return 0;
	return 1;
}

/* A signed export's receipt keys in the one form kolm export --sign writes
 * them: the last two keys, kolm.export_signer then kolm.export_signature,
 * strings of 64 and 128 lowercase hex digits.  1 for that form, 0 when the
 * export has neither key, -1 (why set) for anything else: a receipt key
 * alone, elsewhere, or malformed is not kolm's, and nothing lets it pass. */
static int receipt_form(const struct kolm_gguf *g, char *why, size_t cap)
{
	int64_t n = kolm_gguf_kv_count(g), found = 0;
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_gguf_kv *x = kolm_gguf_kv_at(g, i);
		found += key_is(&x->key, KOLM_EXPORT_SIGNER_KEY) || key_is(&x->key, KOLM_EXPORT_SIG_KEY);
	}
	if (!found)
		return 0;
	const struct kolm_gguf_kv *s = n >= 2 ? kolm_gguf_kv_at(g, n - 2) : NULL, *v = n >= 2 ? kolm_gguf_kv_at(g, n - 1) : NULL;
	if (found == 2 && key_is(&s->key, KOLM_EXPORT_SIGNER_KEY) && key_is(&v->key, KOLM_EXPORT_SIG_KEY) &&
	    is_hex_str(s, 64) && is_hex_str(v, 128))
		return 1;
	snprintf(why, cap,
		 "a partial or malformed export receipt: %s and %s must be its last two metadata keys, strings of 64 and "
		 "128 lowercase hex digits (kolm export --sign)",
		 KOLM_EXPORT_SIGNER_KEY, KOLM_EXPORT_SIG_KEY);
	return -1;
}

/* Every metadata value and tensor record of the export g equals the
 * re-derived export r's, but the tool that wrote it (kolm.tool), the
 * export's own K (kolm.export_k_score, measured again by the caller) and,
 * for a signed export (signed: receipt_form's 1), its two receipt keys at
 * the end, whose bytes alone may make its header longer; the alignment
 * padding is zeros.  A value edited in place (a rope or norm setting, the
 * tokenizer, the chat template, a stated K) or a byte added anywhere is
 * not what this artifact exports.  0, or 1 with why naming the first
 * difference. */
static int header_differs(const struct kolm_gguf *g, const struct kolm_gguf *r, int signed_export, char *why, size_t cap)
{
	int64_t n = kolm_gguf_kv_count(g) - (signed_export ? 2 : 0);
	if (n != kolm_gguf_kv_count(r)) {
		snprintf(why, cap, "it has %lld metadata keys, the export re-derived from this artifact %lld", (long long)n,
			 (long long)kolm_gguf_kv_count(r));
		return 1;
	}
	for (int64_t i = 0; i < n; i++) {
		const struct kolm_gguf_kv *x = kolm_gguf_kv_at(g, i), *y = kolm_gguf_kv_at(r, i);
		int same_key = x->key.len == y->key.len && !memcmp(x->key.p, y->key.p, (size_t)x->key.len);
		if (same_key && (key_is(&x->key, "kolm.tool") || key_is(&x->key, "kolm.export_k_score")))
			continue;
		if (!same_key || x->type != y->type || x->arr_type != y->arr_type || x->arr_n != y->arr_n ||
		    x->val_bytes != y->val_bytes || memcmp(x->val, y->val, (size_t)x->val_bytes)) {
			snprintf(why, cap, "metadata key %.*s is not what the export re-derived from this artifact states",
				 (int)(x->key.len > 200 ? 200 : x->key.len), x->key.p);
			return 1;
		}
	}
	int64_t nt = kolm_gguf_tensor_count(g);
	if (nt != kolm_gguf_tensor_count(r)) {
		snprintf(why, cap, "it has %lld tensors, the export re-derived from this artifact %lld", (long long)nt,
			 (long long)kolm_gguf_tensor_count(r));
		return 1;
	}
	for (int64_t i = 0; i < nt; i++) {
		const struct kolm_gguf_tensor *x = kolm_gguf_tensor_at(g, i), *y = kolm_gguf_tensor_at(r, i);
		if (x->name.len != y->name.len || memcmp(x->name.p, y->name.p, (size_t)x->name.len) || x->type != y->type ||
		    x->n_dims != y->n_dims || memcmp(x->ne, y->ne, sizeof x->ne) || x->offset != y->offset) {
			snprintf(why, cap, "tensor record %.*s is not the export re-derived from this artifact's",
				 (int)(x->name.len > 200 ? 200 : x->name.len), x->name.p);
			return 1;
		}
	}
	/* the header is as long as the re-derived one plus the receipt keys'
	 * entries (key length, key, type, value), and nothing but zeros pads it */
	uint64_t extra = 0;
	for (int64_t i = n; i < kolm_gguf_kv_count(g); i++) {
		const struct kolm_gguf_kv *x = kolm_gguf_kv_at(g, i);
		extra += 8 + x->key.len + 4 + x->val_bytes;
	}
	uint64_t he = kolm_gguf_header_end(g), off = kolm_gguf_data_offset(g);
	const uint8_t *base = kolm_gguf_base(g);
	int pad_zero = 1;
	for (uint64_t i = he; i < off; i++)
		pad_zero &= base[i] == 0;
	if (kolm_gguf_alignment(g) != kolm_gguf_alignment(r) || he != kolm_gguf_header_end(r) + extra || !pad_zero) {
		snprintf(why, cap, "its layout (alignment, header length, padding) is not the re-derived export's");
		return 1;
	}
	return 0;
}

/* The binding itself: the export re-derived from this artifact with the
 * recorded quant, overrides and gate (kolm's export is deterministic) must
 * have this very payload (hex) and every metadata value and tensor record
 * but the tool's name and the stated K, which is measured again when the
 * export states a measured K: check 6 uses verify's figure, never the
 * stamped one.  0 when bound (b filled), 1 with c set otherwise. */
static int rederive(struct kolm_ctx *ctx, const struct kolm_verify_opts *o, const struct kolm_gguf *g, const char *quant,
		    const struct kolm_tensor_override *ov, int n_ov, const char *hex, int signed_export, struct check *c,
		    struct binding *b)
{
	const char *path = o->export_path;
	struct kolm_err e = {0};
	int bound = 0;
	char src[32], regen[65], rdir[4200] = "", rpath[4300];
	int measured = gguf_str(g, "kolm.export_k_source", src, sizeof src) && !strcmp(src, "measured");
	double rk = -1, gate = 0;
	struct kolm_gguf *r = NULL;
	if (kolm_gguf_get_f64(g, "kolm.gate", &gate) != KOLM_OK || !(gate >= 0 && gate <= 1)) {
		set(c, C_FAIL, "%s states no compile gate (kolm.gate) in [0, 1]", path);
		goto done;
	}
	if (regenerate(ctx, o, quant, ov, n_ov, measured, gate, rdir, rpath, regen, &rk, &e) ||
	    kolm_gguf_open(&r, rpath, &e)) {
		set(c, C_FAIL, "re-deriving the export from this artifact failed: %s", e.msg);
		goto done;
	}
	if (strcmp(regen, hex)) {
		set(c, C_FAIL, "the payload hash does not match: %s's tensor data is %.12s…, the %s export re-derived from this artifact is %.12s…",
		    path, hex, quant, regen);
		goto done;
	}
	char why[400];
	if (header_differs(g, r, signed_export, why, sizeof why)) {
		set(c, C_FAIL, "%s: %s", path, why);
		goto done;
	}
	bound = 1;
	b->have = 1;
	kolm_strlcpy(b->quant, quant, sizeof b->quant);
	b->export_k = measured ? rk : -1;
	set(c, C_OK, "re-derived from this artifact (%s%s): payload SHA-256 %.12s… and every metadata value identical; per-tensor types as llama-quantize chooses them",
	    quant, n_ov ? ", with the recorded --tensor-type overrides" : "", hex);
done:
	kolm_gguf_close(r);
	if (rdir[0])
		kolm_tmpdir_remove(rdir);
	return !bound;
}

/* A signed export's receipt (sign_internal.h) checked with --pubkey: 0 with
 * fp the key's fingerprint, or 1 with c set. */
static int receipt_signed(const struct kolm_gguf *g, const struct kolm_verify_opts *o, const char *mhex,
			  const char *phex, const char *quant, char fp[65], struct check *c)
{
	struct kolm_gguf_str sv;
	char tool[128], signer[65];
	struct kolm_err e = {0};
	if (kolm_gguf_get_str(g, KOLM_EXPORT_SIG_KEY, &sv) || !gguf_str(g, KOLM_EXPORT_SIGNER_KEY, signer, sizeof signer) ||
	    strlen(signer) != 64 || !gguf_str(g, "kolm.tool", tool, sizeof tool)) {
		set(c, C_FAIL, "%s: a signed receipt needs %s (64 hex digits), %s and kolm.tool as strings", o->export_path,
		    KOLM_EXPORT_SIGNER_KEY, KOLM_EXPORT_SIG_KEY);
		return 1;
	}
	if (kolm_export_receipt_check(o->pubkey, kolm_gguf_base(g), kolm_gguf_data_offset(g), sv.p, sv.len, mhex, phex,
				      quant, tool, signer, fp, &e)) {
		set(c, C_FAIL, "%s: %s", o->export_path, e.msg);
		return 1;
	}
	return 0;
}

/* Bound by the signed receipt alone: the stated K is part of the signed
 * header, so check 6 may use it. */
static void bound_by_receipt(const struct kolm_gguf *g, const char *quant, const char *fp, const char *mhex,
			     const char *phex, struct check *c, struct binding *b)
{
	char src[32];
	double k = -1;
	b->have = 1;
	kolm_strlcpy(b->quant, quant, sizeof b->quant);
	if (gguf_str(g, "kolm.export_k_source", src, sizeof src) && !strcmp(src, "measured") &&
	    kolm_gguf_get_f64(g, "kolm.export_k_score", &k) == KOLM_OK && k >= 0 && k <= 1)
		b->export_k = k;
	set(c, C_OK, "by its signed receipt (key %.16s…): manifest %.12s…, payload SHA-256 %.12s… as computed, every metadata value as signed (--regenerate re-derives it too)",
	    fp, mhex, phex);
}

/* The --tensor-type overrides an export recorded (kolm.tensor_overrides,
 * one PATTERN=TYPE a line, at most 64): 0, or 1 with c set. */
static int read_overrides(const struct kolm_gguf *g, struct kolm_tensor_override ov[64], int *n_ov, struct check *c)
{
	struct kolm_gguf_str os;
	struct kolm_err e = {0};
	*n_ov = 0;
	if (kolm_gguf_get_str(g, "kolm.tensor_overrides", &os) != KOLM_OK || os.len == 0)
		return 0;
	char *txt = strndup(os.p, (size_t)os.len);
	int bad = 0;
	for (char *line = txt ? strtok(txt, "\n") : NULL; line && *n_ov < 64 && !bad; line = strtok(NULL, "\n")) {
		if ((bad = kolm_tensor_override_parse(line, &ov[*n_ov], &e) != 0))
			set(c, C_FAIL, "kolm.tensor_overrides: %s", e.msg);
		else
			(*n_ov)++;
	}
	free(txt);
	return bad;
}

/* A directory: kolm's MLX export carries kolm.json (verify_mlx.c, re-derived);
 * an upstream toolchain's directory or .mlpackage bundle its receipt
 * (verify_dir.c, hashed). */
static void bind_dir(struct kolm_ctx *ctx, const struct kolm_artifact *a, const struct kolm_verify_opts *o,
		     int integrity_failed, struct check *c, struct binding *b)
{
	const char *path = o->export_path;
	struct kolm_err e = {0};
	char kj[4200];
	struct stat ks;
	int mlx = snprintf(kj, sizeof kj, "%s/kolm.json", path) < (int)sizeof kj && !lstat(kj, &ks) && S_ISREG(ks.st_mode);
	int brc = mlx ? kolm_verify_mlx_dir(ctx, a, a->path, path, c->why, sizeof c->why, b->quant, sizeof b->quant,
					    &b->export_k)
		      : kolm_verify_dir_receipt(a, path, NULL, o->pubkey, o->require_signature, c->why, sizeof c->why,
						b->quant, sizeof b->quant, &e);
	if (!mlx && brc == KOLM_OK && !kolm_catalog_format_find(ctx, b->quant)) {
		set(c, C_FAIL, "%s: its receipt states quant '%s', which is not a format kolm knows", path, b->quant);
		return;
	}
	if (brc && brc != KOLM_E_NO)
		set(c, C_FAIL, "%s", e.msg);
	if (brc) {
		c->st = C_FAIL;
		return;
	}
	if (integrity_failed) {
		set(c, C_SKIP, "the integrity check failed: nothing trustworthy to bind the export to");
		return;
	}
	c->st = C_OK;
	struct kolm_model am;
	if (!kolm_model_of_artifact(&am, a, &e)) {
		b->params = kolm_model_params(&am);
		kolm_model_release(&am);
	}
	b->have = 1;
}

static void export_binding(struct kolm_ctx *ctx, const struct kolm_artifact *a, const struct kolm_verify_opts *o,
			   int integrity_failed, struct check *c, struct binding *b)
{
	const char *path = o->export_path;
	if (!path) {
		set(c, C_SKIP, "no export given (kolm verify X.kolm EXPORT)");
		return;
	}
	struct kolm_gguf *g;
	struct kolm_err e = {0};
	struct stat sb;
	if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		bind_dir(ctx, a, o, integrity_failed, c, b);
		return;
	}
	if (kolm_gguf_open(&g, path, &e)) {
		set(c, C_FAIL, "%s", e.msg);
		return;
	}
	char want[65], got[130], quant[64];
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	uint8_t md[32];
	struct kolm_model m = {0};
	int *types = NULL;
	if (kolm_sha256_buf(km->data, (size_t)km->size, md, &e)) {
		set(c, C_FAIL, "%s", e.msg);
		goto out;
	}
	kolm_hex(md, 32, want);
	if (!gguf_str(g, "kolm.manifest_sha256", got, sizeof got)) {
		set(c, C_FAIL, "%s has no kolm.manifest_sha256: not a kolm export", path);
		goto out;
	}
	if (strcmp(got, want)) {
		set(c, C_FAIL, "%s was exported from manifest %.12s…, not this artifact's %.12s…", path, got, want);
		goto out;
	}
	/* the manifest copy it carries is this artifact's kolm.json, byte for byte */
	struct kolm_gguf_str em;
	if (kolm_gguf_get_str(g, "kolm.manifest", &em) || em.len != km->size ||
	    memcmp(em.p, km->data, (size_t)km->size)) {
		set(c, C_FAIL, "%s: the kolm.manifest it carries is not this artifact's kolm.json", path);
		goto out;
	}
	if (!gguf_str(g, "kolm.quant", quant, sizeof quant)) {
		set(c, C_FAIL, "%s states no kolm.quant", path);
		goto out;
	}
	const struct kolm_format *fmt = kolm_catalog_format_find(ctx, quant);
	if (!fmt || fmt->ftype < 0) {
		set(c, C_FAIL, "%s states quant '%s', which is not a GGUF file type", path, quant);
		goto out;
	}
	uint64_t ft = 0;
	if (kolm_gguf_get_u64(g, "general.file_type", &ft) || (int)ft != fmt->ftype) {
		set(c, C_FAIL, "general.file_type %llu does not match the stated %s", (unsigned long long)ft, quant);
		goto out;
	}
	/* the stated tier's per-tensor types, re-derived with llama-quantize's rules */
	if (kolm_model_from_gguf(&m, g, &e)) {
		set(c, C_FAIL, "%s", e.msg);
		goto out;
	}
	/* with the --tensor-type overrides the export recorded */
	struct kolm_tensor_override ov[64];
	int n_ov = 0;
	if (read_overrides(g, ov, &n_ov, c))
		goto out;
	types = calloc((size_t)m.n_tensors + 1, sizeof *types);
	if (!types || kolm_quantplan(&m, fmt->ftype, ov, n_ov, types, &e)) {
		set(c, C_FAIL, "%s: %s", path, types ? e.msg : "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < m.n_tensors; i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_find(g, m.tensors[i].name);
		if (!t || t->type != types[i]) {
			set(c, C_FAIL, "tensor %s is %s; %s puts it in %s", m.tensors[i].name, t ? kolm_type_name(t->type) : "missing",
			    quant, kolm_type_name(types[i]));
			goto out;
		}
	}
	if (!gguf_str(g, "kolm.payload_sha256", got, sizeof got)) {
		set(c, C_FAIL, "%s states no kolm.payload_sha256", path);
		goto out;
	}
	/* the payload hash of the export's actual bytes: a stamped value proves nothing */
	uint64_t off = kolm_gguf_data_offset(g), size = kolm_gguf_file_size(g);
	char hex[65];
	if (kolm_sha256_hex_range(kolm_gguf_base(g) + off, size - off, hex, &e)) {
		set(c, C_FAIL, "%s", e.msg);
		goto out;
	}
	if (strcmp(hex, got)) {
		set(c, C_FAIL, "tensor data SHA-256 %.12s… does not match the stated payload %.12s…", hex, got);
		goto out;
	}
	/* the binding itself: by the export's signed receipt when it has one
	 * and a key is given to check it; by re-deriving the export from this
	 * artifact (kolm's export is deterministic) otherwise, or also when
	 * --regenerate asks.  A damaged artifact is bound to nothing. */
	char fp[65] = "", rwhy[300];
	int form = receipt_form(g, rwhy, sizeof rwhy);
	if (form < 0) {
		set(c, C_FAIL, "%s: %s", path, rwhy);
		goto out;
	}
	if (integrity_failed) {
		set(c, C_SKIP, "the integrity check failed: nothing trustworthy to bind the export to");
		goto out;
	}
	if (form && o->pubkey) {
		if (receipt_signed(g, o, want, hex, quant, fp, c))
			goto out;
		if (!o->regenerate) {
			bound_by_receipt(g, quant, fp, want, hex, c, b);
			b->params = kolm_model_params(&m);
			goto out;
		}
	}
	if (rederive(ctx, o, g, quant, ov, n_ov, hex, form, c, b))
		goto out;
	b->params = kolm_model_params(&m);
	size_t at = strlen(c->why);
	if (form)
		snprintf(c->why + at, sizeof c->why - at, "%s%.16s%s",
			 fp[0] ? "; and its signed receipt is valid for key " : "; its signed receipt was not checked (no --pubkey)",
			 fp, fp[0] ? "…" : "");
out:
	free(types);
	kolm_model_release(&m);
	kolm_gguf_close(g);
}

/* 6 */
static void quality(struct kolm_ctx *ctx, const struct kolm_artifact *a, const struct kolm_verify_opts *o,
		    const struct binding *b, struct check *c)
{
	json_t *k = json_object_get(a->manifest, "k_score");
	double gate = json_number_value(json_object_get(a->manifest, "gate"));
	double tol = o->max_k_loss >= 0 ? o->max_k_loss : KOLM_DEFAULT_MAX_K_LOSS;
	if (!json_is_object(k)) {
		set(c, C_SKIP, "no K-score in the manifest (kolm eval measures one; kolm pack --k-score declares one)");
		return;
	}
	double kv = json_number_value(json_object_get(k, "value"));
	const char *src = json_string_value(json_object_get(k, "source"));
	if (kv < gate) {
		set(c, C_FAIL, "K %.3f (%s) is below the gate %.2f", kv, src, gate);
		return;
	}
	if (!b->have) {
		set(c, C_OK, "K %.3f (%s) >= gate %.2f; no export to compare", kv, src, gate);
		return;
	}
	if (b->export_k >= 0) {
		double loss = 100.0 * (kv - b->export_k);
		if (fabs(loss) < 0.005)
			loss = 0; /* no "-0.00" */
		if (loss > tol)
			set(c, C_FAIL, "export K %.3f (measured) loses %.2f points against %.3f (%s): more than %.2f", b->export_k,
			    loss, kv, src, tol);
		else
			set(c, C_OK, "K %.3f (%s) >= gate %.2f; export K %.3f (measured), loss %.2f points <= %.2f", kv, src,
			    gate, b->export_k, loss, tol);
		return;
	}
	/* The export's K was not measured (an ONNX, Core ML or TensorRT export:
	 * kolm's engine cannot run it; or a GGUF exported without measuring):
	 * a forecast is no evidence against a correct export, so the check is
	 * SKIP and states the forecast as one.  FAIL stays for a measured drop. */
	const struct kolm_format *fmt = kolm_catalog_format_find(ctx, b->quant);
	struct kolm_k_loss kl;
	kolm_k_loss_forecast(ctx, fmt, b->params, &kl);
	set(c, C_SKIP,
	    "K %.3f (%s) >= gate %.2f; export K not measured, so not checked against the %.2f-point limit "
	    "(%s is forecast to lose %.2f points)",
	    kv, src, gate, tol, b->quant, kl.points);
}

int kolm_verify(struct kolm_ctx *ctx, const struct kolm_verify_opts *o, json_t **report, struct kolm_err *err)
{
	*report = NULL;
	struct kolm_artifact *a;
	int rc = kolm_artifact_scan(&a, o->artifact, err);
	if (rc)
		return rc;
	struct check c[6] = {{"container", C_SKIP, ""}, {"manifest", C_SKIP, ""},	 {"integrity", C_SKIP, ""},
			     {"signature", C_SKIP, ""}, {"export binding", C_SKIP, ""}, {"quality", C_SKIP, ""}};
	struct binding b = {0};
	b.export_k = -1;
	if (a->container_why[0])
		set(&c[0], C_FAIL, "%s", a->container_why);
	else
		set(&c[0], C_OK, "uncompressed tar, %d members in kolm/1 order, regular files only", a->n);
	int ok_so_far = c[0].st == C_OK;
	if (!ok_so_far)
		set(&c[1], C_SKIP, "container failed");
	else if (a->manifest_why[0])
		set(&c[1], C_FAIL, "%s", a->manifest_why);
	else
		set(&c[1], C_OK, "kolm/1 manifest: %s, base %s, %s", json_string_value(json_object_get(a->manifest, "name")),
		    json_string_value(json_object_get(a->manifest, "base")),
		    json_string_value(json_object_get(a->manifest, "architecture")));
	ok_so_far = ok_so_far && c[1].st == C_OK;
	if (ok_so_far) {
		if ((rc = integrity(a, &c[2], err))) {
			kolm_artifact_close(a);
			return kolm_err_prefix(err, "verify: %s", o->artifact);
		}
		signature(a, o, &c[3]);
		export_binding(ctx, a, o, c[2].st == C_FAIL, &c[4], &b);
		quality(ctx, a, o, &b, &c[5]);
	} else {
		for (int i = 2; i < 6; i++)
			set(&c[i], C_SKIP, "the %s check failed", c[0].st == C_FAIL ? "container" : "manifest");
		if (o->require_signature)
			set(&c[3], C_FAIL, "--require-signature: nothing trustworthy to check (%s failed)",
			    c[0].st == C_FAIL ? "container" : "manifest");
	}
	static const char *names[] = {"OK", "FAIL", "SKIP"};
	json_t *arr = json_array();
	int any_fail = 0;
	for (int i = 0; i < 6; i++) {
		any_fail |= c[i].st == C_FAIL;
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "name", c[i].name, "status", names[c[i].st], "why", c[i].why));
	}
	*report = json_pack("{s:s,s:s,s:s?,s:o,s:b}", "schema", "kolm.verify/1", "artifact", o->artifact, "export",
			    o->export_path, "checks", arr, "ok", !any_fail);
	kolm_artifact_close(a);
	if (!*report)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	return any_fail ? KOLM_E_NO : KOLM_OK;
}
