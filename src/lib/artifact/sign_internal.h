/* sign_internal.h - raw Ed25519 sign/check shared by pack, sign and verify. */
#ifndef KOLM_SIGN_INTERNAL_H
#define KOLM_SIGN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

int kolm_sig_make(const char *key_path, const uint8_t *msg, size_t n, uint8_t sig[64], struct kolm_err *err);
/* KOLM_OK if sig is key's signature of msg; KOLM_E_NO if not; fp: the key's fingerprint. */
int kolm_sig_check(const char *pub_path, const uint8_t *msg, size_t n, const uint8_t *sig, size_t sig_len,
		   char fp[65], struct kolm_err *err);

#endif
