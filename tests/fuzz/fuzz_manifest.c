/* fuzz_manifest: the manifest structure check and the eval pack parser
 * (the first byte picks which one sees the rest). */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kolm/artifact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		json_t *m = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
		char why[512];
		if (m)
			(void)kolm_manifest_check(m, why, sizeof why);
		json_decref(m);
	} else {
		int64_t items;
		(void)kolm_evalpack_check(data + 1, size - 1, "fuzz.jsonl", &items, NULL);
	}
	return 0;
}
