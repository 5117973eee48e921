/* fuzz_tokenizer: tokenizer metadata as the export reads it — a
 * SentencePiece tokenizer.model (protobuf) or a tokenizer.json (BPE) —
 * the first byte picks which. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kolm/tokmeta.h"
#include "kolm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct kolm_tokmeta t;
	if (data[0] & 1) {
		struct kolm_file_view v = {"tokenizer.json", data + 1, size - 1};
		struct kolm_files f = {NULL, &v, 1, "fuzz"};
		if (kolm_tokmeta_load_files(&t, &f, NULL) == KOLM_OK)
			kolm_tokmeta_release(&t);
	} else {
		/* the contract: a zeroed struct in, released whatever the result */
		memset(&t, 0, sizeof t);
		(void)kolm_tokmeta_parse_spm(&t, data + 1, size - 1, NULL);
		kolm_tokmeta_release(&t);
	}
	return 0;
}
