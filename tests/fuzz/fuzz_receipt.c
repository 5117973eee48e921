/* fuzz_receipt: an upstream export's receipt (NAME.receipt.json) -> the
 * checks kolm verify runs on it before hashing any file, and the statement
 * its signature covers (artifact/verify_dir.c): types, sizes, paths,
 * order, hex, the commands. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "artifact/dir_receipt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *r = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!r)
		return 0;
	char *st = NULL, why[600];
	struct kolm_err e = {0};
	static const char signer[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	(void)kolm_dir_statement(r, signer, &st, why, sizeof why, &e);
	free(st);
	json_decref(r);
	return 0;
}
