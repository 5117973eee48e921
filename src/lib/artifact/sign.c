/* sign.c - Ed25519 keys and the artifact signature (artifact.h), through
 * OpenSSL libcrypto.  kolm.sig holds the 64 raw signature bytes over the
 * exact bytes of kolm.json, so `openssl pkeyutl -verify -rawin` checks it
 * too (docs/ARTIFACT.md). */
#include "kolm/artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sign_internal.h"

static const char *ossl_why(void)
{
	unsigned long e = ERR_get_error();
	static __thread char buf[160];
	if (!e)
		return "unknown OpenSSL error";
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

/* A BIO's bytes into fd (made with O_EXCL), synced. */
static int write_bio(BIO *b, int fd, const char *path, struct kolm_err *err)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	for (long off = 0; off < n;) {
		ssize_t w = write(fd, p + off, (size_t)(n - off));
		if (w <= 0)
			return kolm_err_set(err, KOLM_E_IO, "%s: write: %s", path, strerror(w < 0 ? errno : EIO));
		off += w;
	}
	if (fsync(fd) != 0)
		return kolm_err_set(err, KOLM_E_IO, "%s: fsync: %s", path, strerror(errno));
	return KOLM_OK;
}

static int fingerprint(EVP_PKEY *k, char out[65], struct kolm_err *err)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	if (n <= 0)
		return kolm_err_set(err, KOLM_E_FORMAT, "public key: %s", ossl_why());
	uint8_t md[32];
	int rc = kolm_sha256_buf(der, (size_t)n, md, err);
	OPENSSL_free(der);
	if (rc)
		return rc;
	kolm_hex(md, 32, out);
	return KOLM_OK;
}

int kolm_keygen(const char *key_path, char fp[65], struct kolm_err *err)
{
	char pub[4200];
	if (snprintf(pub, sizeof pub, "%s.pub", key_path) >= (int)sizeof pub)
		return kolm_err_set(err, KOLM_E_USAGE, "%s: path too long", key_path);
	/* both files are created with O_EXCL: an existing key or .pub is never
	 * overwritten, even by a race; what this call created is removed on failure */
	int fk = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fk < 0)
		return errno == EEXIST ? kolm_err_set(err, KOLM_E_USAGE, "%s: exists; kolm keygen never overwrites a key", key_path)
				       : kolm_err_set(err, KOLM_E_IO, "%s: %s", key_path, strerror(errno));
	int fq = open(pub, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fq < 0) {
		int e = errno;
		close(fk);
		unlink(key_path);
		return e == EEXIST ? kolm_err_set(err, KOLM_E_USAGE, "%s: exists; kolm keygen never overwrites a key", pub)
				   : kolm_err_set(err, KOLM_E_IO, "%s: %s", pub, strerror(e));
	}
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	/* the private key's PEM in secure memory, wiped when freed */
	BIO *bp = BIO_new(BIO_s_secmem()), *bq = BIO_new(BIO_s_mem());
	int rc = KOLM_OK;
	if (!k || !bp || !bq || PEM_write_bio_PrivateKey(bp, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PUBKEY(bq, k) != 1)
		rc = kolm_err_set(err, KOLM_E_IO, "keygen: %s", ossl_why());
	if (!rc)
		rc = write_bio(bp, fk, key_path, err);
	if (!rc)
		rc = write_bio(bq, fq, pub, err);
	if (!rc)
		rc = fingerprint(k, fp, err);
	if (close(fk) != 0 && !rc)
		rc = kolm_err_set(err, KOLM_E_IO, "%s: %s", key_path, strerror(errno));
	if (close(fq) != 0 && !rc)
		rc = kolm_err_set(err, KOLM_E_IO, "%s: %s", pub, strerror(errno));
	if (rc) {
		unlink(key_path);
		unlink(pub);
	}
	BIO_free(bp);
	BIO_free(bq);
	EVP_PKEY_free(k);
	return rc;
}

/* private_key: KOLM_KEY_PUBLIC, KOLM_KEY_PRIVATE or KOLM_KEY_PRIVATE_ANY_MODE */
static EVP_PKEY *load_key(const char *path, int private_key, struct kolm_err *err)
{
	char *buf;
	size_t n;
	struct stat st;
	/* a private key others can read is not private: refused, as ssh does,
	 * unless the caller was told to accept it (kolm sign --force) */
	if (private_key == KOLM_KEY_PRIVATE && stat(path, &st) == 0 && (st.st_mode & 077)) {
		kolm_err_set(err, KOLM_E_FORMAT,
			     "%s: private key readable by group or others (mode %04o); chmod 600 %s", path,
			     (unsigned)(st.st_mode & 07777), path);
		return NULL;
	}
	if (kolm_file_read_all(path, 1u << 16, &buf, &n, err))
		return NULL;
	BIO *b = BIO_new_mem_buf(buf, (int)n);
	EVP_PKEY *k = b ? (private_key ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(b, NULL, NULL, NULL))
			: NULL;
	BIO_free(b);
	OPENSSL_cleanse(buf, n); /* the PEM of a private key is a secret */
	free(buf);
	if (!k) {
		kolm_err_set(err, KOLM_E_FORMAT, "%s: not a PEM %s key", path, private_key ? "private" : "public");
		ERR_clear_error();
		return NULL;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		kolm_err_set(err, KOLM_E_FORMAT, "%s: not an Ed25519 key", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

struct kolm_sigkey {
	EVP_PKEY *k;
	char fp[65];
};

int kolm_sigkey_load(struct kolm_sigkey **out, const char *key_path, int mode, struct kolm_err *err)
{
	*out = NULL;
	struct kolm_sigkey *sk = calloc(1, sizeof *sk);
	if (!sk)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = (sk->k = load_key(key_path, mode, err)) ? fingerprint(sk->k, sk->fp, err) : (err ? err->code : KOLM_E_FORMAT);
	if (rc) {
		kolm_sigkey_free(sk);
		return rc;
	}
	*out = sk;
	return KOLM_OK;
}

void kolm_sigkey_free(struct kolm_sigkey *sk)
{
	if (sk)
		EVP_PKEY_free(sk->k);
	free(sk);
}

const char *kolm_sigkey_fingerprint(const struct kolm_sigkey *sk)
{
	return sk->fp;
}

int kolm_sigkey_sign(const struct kolm_sigkey *sk, const uint8_t *msg, size_t n, uint8_t sig[64], struct kolm_err *err)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t sl = 64;
	int rc = KOLM_OK;
	if (!c || EVP_DigestSignInit(c, NULL, NULL, NULL, sk->k) != 1 || EVP_DigestSign(c, sig, &sl, msg, n) != 1 || sl != 64)
		rc = kolm_err_set(err, KOLM_E_IO, "sign: %s", ossl_why());
	EVP_MD_CTX_free(c);
	return rc;
}

int kolm_sigkey_check(const struct kolm_sigkey *sk, const uint8_t *msg, size_t n, const uint8_t *sig, size_t sig_len,
		      struct kolm_err *err)
{
	int rc = KOLM_OK;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestVerifyInit(c, NULL, NULL, NULL, sk->k) != 1)
		rc = kolm_err_set(err, KOLM_E_IO, "verify: %s", ossl_why());
	else if (sig_len != 64 || EVP_DigestVerify(c, sig, sig_len, msg, n) != 1)
		rc = kolm_err_set(err, KOLM_E_NO, "signature does not match for key %.16s…", sk->fp);
	ERR_clear_error();
	EVP_MD_CTX_free(c);
	return rc;
}

int kolm_sig_make(const char *key_path, int mode, const uint8_t *msg, size_t n, uint8_t sig[64], struct kolm_err *err)
{
	struct kolm_sigkey *sk;
	int rc = kolm_sigkey_load(&sk, key_path, mode, err);
	if (!rc)
		rc = kolm_sigkey_sign(sk, msg, n, sig, err);
	kolm_sigkey_free(sk);
	return rc;
}

int kolm_sig_check(const char *key_path, int mode, const uint8_t *msg, size_t n, const uint8_t *sig, size_t sig_len,
		   char fp[65], struct kolm_err *err)
{
	struct kolm_sigkey *sk;
	int rc = kolm_sigkey_load(&sk, key_path, mode, err);
	if (rc)
		return rc;
	memcpy(fp, sk->fp, 65);
	rc = kolm_sigkey_check(sk, msg, n, sig, sig_len, err);
	kolm_sigkey_free(sk);
	return rc;
}

int kolm_sign(const char *path, const char *key_path, int force, struct kolm_err *err)
{
	/* a symlink's target is signed in place; the link stays a link */
	char real[PATH_MAX];
	const char *artifact = realpath(path, real) ? real : path;
	struct kolm_artifact *a;
	int rc = kolm_artifact_open(&a, artifact, err);
	if (rc)
		return rc;
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	uint8_t sig[64];
	rc = kolm_sig_make(key_path, force ? KOLM_KEY_PRIVATE_ANY_MODE : KOLM_KEY_PRIVATE, km->data, (size_t)km->size, sig,
			   err);
	if (rc == KOLM_E_FORMAT && err && strstr(err->msg, "readable by group or others")) {
		size_t at = strlen(err->msg);
		snprintf(err->msg + at, sizeof err->msg - at, " (or kolm sign --force)");
	}
	if (!rc) {
		struct kolm_file_view *v = calloc((size_t)a->n + 1, sizeof *v);
		int n = 0;
		if (!v) {
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		} else {
			for (int i = 0; i < a->n; i++)
				if (strcmp(a->m[i].name, "kolm.sig"))
					v[n++] = a->views[i];
			v[n].name = "kolm.sig";
			v[n].data = sig;
			v[n].size = 64;
			n++;
			/* the new tar is written from the old mapping, then renamed over it */
			rc = kolm_artifact_write(artifact, v, n, (int64_t)time(NULL), err);
			free(v);
		}
	}
	kolm_artifact_close(a);
	return rc;
}

int kolm_export_statement(char out[KOLM_EXPORT_STATEMENT_MAX], const char *manifest_hex, const char *payload_hex,
			  const char *header_hex, const char *quant, const char *tool, const char *signer,
			  struct kolm_err *err)
{
	/* values are single tokens or the tool's "kolm X.Y": no line breaks */
	const char *v[] = {quant, tool};
	for (int i = 0; i < 2; i++)
		if (strpbrk(v[i], "\n\r"))
			return kolm_err_set(err, KOLM_E_FORMAT, "export receipt: a value holds a line break");
	int n = snprintf(out, KOLM_EXPORT_STATEMENT_MAX,
			 "kolm.export-receipt/1\nmanifest_sha256 %s\npayload_sha256 %s\nheader_sha256 %s\nquant %s\ntool %s\nsigner %s\n",
			 manifest_hex, payload_hex, header_hex, quant, tool, signer);
	if (n < 0 || n >= KOLM_EXPORT_STATEMENT_MAX)
		return kolm_err_set(err, KOLM_E_FORMAT, "export receipt: statement too long");
	return KOLM_OK;
}

int kolm_export_header_sha(const uint8_t *base, uint64_t data_off, uint64_t sig_off, uint64_t sig_len, char hex[65],
			   struct kolm_err *err)
{
	if (sig_off > data_off || sig_len > data_off - sig_off)
		return kolm_err_set(err, KOLM_E_FORMAT, "export receipt: the signature lies outside the header");
	char zeros[128];
	memset(zeros, '0', sizeof zeros);
	struct kolm_sha256 s;
	int rc = kolm_sha256_init(&s, err);
	if (rc)
		return rc;
	kolm_sha256_update(&s, base, (size_t)sig_off);
	for (uint64_t left = sig_len; left > 0;) {
		size_t k = left > sizeof zeros ? sizeof zeros : (size_t)left;
		kolm_sha256_update(&s, zeros, k);
		left -= k;
	}
	kolm_sha256_update(&s, base + sig_off + sig_len, (size_t)(data_off - sig_off - sig_len));
	uint8_t md[32];
	if ((rc = kolm_sha256_final(&s, md, err)))
		return rc;
	kolm_hex(md, 32, hex);
	return KOLM_OK;
}

int kolm_export_receipt_check(const char *pub_path, const uint8_t *base, uint64_t data_off, const char *sig_hex,
			      uint64_t sig_len, const char *manifest_hex, const char *payload_hex, const char *quant,
			      const char *tool, const char *signer, char fp[65], struct kolm_err *err)
{
	uint8_t sig[64];
	char hx[129], hhex[65], st[KOLM_EXPORT_STATEMENT_MAX];
	size_t n = 0;
	/* exactly as written: lowercase, so no other spelling of the same
	 * signature (the value is outside what it signs) is accepted */
	if (sig_len != 128)
		return kolm_err_set(err, KOLM_E_NO, "%s is not 128 lowercase hex digits", KOLM_EXPORT_SIG_KEY);
	memcpy(hx, sig_hex, 128);
	hx[128] = '\0';
	if (strspn(hx, "0123456789abcdef") != 128 || OPENSSL_hexstr2buf_ex(sig, sizeof sig, &n, hx, '\0') != 1 || n != 64) {
		ERR_clear_error();
		return kolm_err_set(err, KOLM_E_NO, "%s is not 128 lowercase hex digits", KOLM_EXPORT_SIG_KEY);
	}
	int rc = kolm_export_header_sha(base, data_off, (uint64_t)((const uint8_t *)sig_hex - base), sig_len, hhex, err);
	if (rc || (rc = kolm_export_statement(st, manifest_hex, payload_hex, hhex, quant, tool, signer, err)))
		return rc == KOLM_E_FORMAT ? KOLM_E_NO : rc;
	rc = kolm_sig_check(pub_path, KOLM_KEY_PUBLIC, (const uint8_t *)st, strlen(st), sig, 64, fp, err);
	if (rc == KOLM_E_NO && !strcmp(fp, signer))
		return kolm_err_set(err, KOLM_E_NO,
				    "its signed receipt does not verify with key %.16s…: the export was changed after it "
				    "was signed",
				    fp);
	if (rc == KOLM_E_NO)
		return kolm_err_set(err, KOLM_E_NO,
				    "its signed receipt does not verify with key %.16s…: it names key %.16s… as its signer",
				    fp, signer);
	if (!rc && strcmp(fp, signer))
		return kolm_err_set(err, KOLM_E_NO, "its receipt names key %.16s…, but key %.16s… signed it", signer, fp);
	return rc;
}

int kolm_artifact_signer_key(const struct kolm_artifact *a, const char *key_path, struct kolm_sigkey **key,
			     struct kolm_err *err)
{
	const struct kolm_member *s = kolm_artifact_member(a, "kolm.sig");
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	*key = NULL;
	if (!s)
		return kolm_err_set(err, KOLM_E_NO,
				    "export: --sign: %s is unsigned; a signed export binds to an artifact signed with the same "
				    "key (kolm sign %s --key %s)",
				    a->path, a->path, key_path);
	int rc = kolm_sigkey_load(key, key_path, KOLM_KEY_PRIVATE, err);
	if (rc)
		return kolm_err_prefix(err, "export: --sign");
	const char *fp = kolm_sigkey_fingerprint(*key);
	rc = kolm_sigkey_check(*key, km->data, (size_t)km->size, s->data, (size_t)s->size, err);
	if (rc == KOLM_E_NO)
		rc = kolm_err_set(err, KOLM_E_NO,
				  "export: --sign: %s is not signed with %s (key %.16s…); an export's receipt is signed "
				  "with its artifact's key",
				  a->path, key_path, fp);
	else if (rc)
		rc = kolm_err_prefix(err, "export: --sign");
	if (rc) {
		kolm_sigkey_free(*key);
		*key = NULL;
	}
	return rc;
}
