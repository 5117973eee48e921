/* sign_internal.h - raw Ed25519 sign/check shared by pack, sign, export and
 * verify, and the statement a signed export's receipt signs. */
#ifndef KOLM_SIGN_INTERNAL_H
#define KOLM_SIGN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

/* How a key file is read: a public key; a private key, refused when group
 * or others can read it; a private key whatever its mode (sign --force). */
enum { KOLM_KEY_PUBLIC, KOLM_KEY_PRIVATE, KOLM_KEY_PRIVATE_ANY_MODE };

int kolm_sig_make(const char *key_path, int mode, const uint8_t *msg, size_t n, uint8_t sig[64], struct kolm_err *err);
/* KOLM_OK if sig is the key's signature of msg; KOLM_E_NO if not; fp: the
 * key's fingerprint (SHA-256 of its public DER, hex).  A private key checks
 * with its public half. */
int kolm_sig_check(const char *key_path, int mode, const uint8_t *msg, size_t n, const uint8_t *sig, size_t sig_len,
		   char fp[65], struct kolm_err *err);
/* A key loaded once and used for several operations (export --sign checks
 * the artifact's signature and signs the receipt with the same key, even if
 * the file is replaced meanwhile). */
struct kolm_sigkey;
int kolm_sigkey_load(struct kolm_sigkey **out, const char *key_path, int mode, struct kolm_err *err);
void kolm_sigkey_free(struct kolm_sigkey *sk);
const char *kolm_sigkey_fingerprint(const struct kolm_sigkey *sk);
int kolm_sigkey_sign(const struct kolm_sigkey *sk, const uint8_t *msg, size_t n, uint8_t sig[64], struct kolm_err *err);
/* KOLM_OK; KOLM_E_NO when sig is not the key's signature of msg */
int kolm_sigkey_check(const struct kolm_sigkey *sk, const uint8_t *msg, size_t n, const uint8_t *sig, size_t sig_len,
		      struct kolm_err *err);

/* export --sign KEY: KEY's private key loaded into *key, refused (KOLM_E_NO,
 * nothing loaded) unless the artifact a carries a kolm.sig that KEY's public
 * half verifies: an export's receipt is signed with its artifact's key. */
struct kolm_artifact;
int kolm_artifact_signer_key(const struct kolm_artifact *a, const char *key_path, struct kolm_sigkey **key,
			     struct kolm_err *err);

/* A signed GGUF export (kolm export --sign KEY) carries two metadata keys:
 * kolm.export_signer, the key's fingerprint, and kolm.export_signature, the
 * Ed25519 signature (hex) of this statement, one "name value" per line:
 *   kolm.export-receipt/1
 *   manifest_sha256 <the artifact's kolm.json>
 *   payload_sha256  <the tensor data, as written>
 *   header_sha256   <the bytes before the tensor data, the signature's
 *                    value read as 128 '0's>
 *   quant <id>
 *   tool <kolm.tool>
 *   signer <fingerprint>
 * The header covers every metadata value (the K-scores, the tokenizer, the
 * gate) and tensor record; the payload every tensor byte. */
#define KOLM_EXPORT_SIG_KEY "kolm.export_signature"
#define KOLM_EXPORT_SIGNER_KEY "kolm.export_signer"
#define KOLM_EXPORT_STATEMENT_MAX 512
int kolm_export_statement(char out[KOLM_EXPORT_STATEMENT_MAX], const char *manifest_hex, const char *payload_hex,
			  const char *header_hex, const char *quant, const char *tool, const char *signer,
			  struct kolm_err *err);
/* header_sha256 of a GGUF mapped at base: SHA-256 of [0, data_off) with the
 * sig_len bytes at sig_off (the signature's value) read as '0'. */
int kolm_export_header_sha(const uint8_t *base, uint64_t data_off, uint64_t sig_off, uint64_t sig_len, char hex[65],
			   struct kolm_err *err);
/* A signed export's receipt checked with the public key pub_path: the
 * statement rebuilt from what the file states (manifest, quant, tool,
 * signer), its payload hash as computed and its header as mapped at base;
 * sig_hex points at kolm.export_signature's value inside the mapping.
 * KOLM_OK; KOLM_E_NO with err saying why; another code when a key or a
 * digest cannot be used.  fp: pub_path's fingerprint. */
int kolm_export_receipt_check(const char *pub_path, const uint8_t *base, uint64_t data_off, const char *sig_hex,
			      uint64_t sig_len, const char *manifest_hex, const char *payload_hex, const char *quant,
			      const char *tool, const char *signer, char fp[65], struct kolm_err *err);

#endif
