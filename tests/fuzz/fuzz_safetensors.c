/* fuzz_safetensors: the safetensors header parser and validator. */
#include <stddef.h>
#include <stdint.h>

#include "kolm/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* touched bytes end here, so the reads cannot be optimised away */
volatile uint64_t sink;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kolm_safetensors *s;
	if (kolm_safetensors_open_buffer(&s, data, size, "fuzz.safetensors", NULL) != KOLM_OK)
		return 0;
	uint64_t sum = 0;
	for (int64_t i = 0; i < kolm_safetensors_count(s); i++) {
		const struct kolm_st_tensor *t = kolm_safetensors_at(s, i);
		(void)kolm_safetensors_find(s, t->name);
		(void)kolm_st_dtype_name(t->dtype);
		if (t->nbytes)
			sum += t->data[0] + t->data[t->nbytes - 1];
	}
	sink = sum;
	(void)kolm_safetensors_metadata(s);
	kolm_safetensors_close(s);
	return 0;
}
