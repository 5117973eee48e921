/* dir_receipt_internal.h - the receipt of an export an upstream toolchain
 * made from a .kolm (an ONNX directory, a Core ML .mlpackage, a TensorRT-LLM
 * engine directory): its signed statement (export_upstream.c writes it,
 * verify_dir.c checks it); not API.  docs/ARTIFACT.md, "The receipt". */
#ifndef KOLM_DIR_RECEIPT_INTERNAL_H
#define KOLM_DIR_RECEIPT_INTERNAL_H

#include <stddef.h>

#include "kolm/err.h"

typedef struct json_t json_t;
struct kolm_artifact;

#define KOLM_DIR_RECEIPT_SCHEMA "kolm.receipt/1"
/* a receipt file larger than this is refused before it is parsed */
#define KOLM_DIR_RECEIPT_MAX_BYTES (64u << 20)

/* The statement a signed directory receipt signs, one "name value" a line:
 *   kolm.dir-receipt/1
 *   manifest_sha256 <the artifact's kolm.json>
 *   quant <id>
 *   backend <onnx | coreml | tensorrt>
 *   tool <kolm X.Y.Z>
 *   commands_sha256 <SHA-256 of the commands run, each followed by "\n">
 *   files_sha256 <SHA-256 of "<sha256> <size> <path>\n" for every file, in order>
 *   signer <the key's fingerprint>
 * built from the receipt's own fields; *out is malloc'd.  KOLM_E_NO with
 * why when a field it needs is missing or malformed. */
int kolm_dir_statement(const json_t *receipt, const char *signer, char **out, char *why, size_t cap,
		       struct kolm_err *err);

/* Check 5 of verify for such a directory (or bundle) dir: receipt_path (NULL:
 * dir + ".receipt.json") names this artifact's manifest, the files under
 * dir are exactly the ones it lists (none missing, none added, no symlink
 * or device, every size and SHA-256 equal), and with pubkey its signature
 * verifies with that key; require_signature fails an unsigned receipt.
 * KOLM_OK with why the binding's line and quant the receipt's; KOLM_E_NO
 * with why naming the first differing file or field; another code (err)
 * when SHA-256 cannot be computed. */
int kolm_verify_dir_receipt(const struct kolm_artifact *a, const char *dir, const char *receipt_path,
			    const char *pubkey, int require_signature, char *why, size_t cap, char *quant, size_t qcap,
			    struct kolm_err *err);

#endif
