/* fuzz_gguf: the validated GGUF reader on arbitrary bytes, then everything
 * a caller may do with what it accepted. */
#include <stddef.h>
#include <stdint.h>

#include "kolm/gguf.h"
#include "kolm/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* touched bytes end here, so the reads cannot be optimised away */
volatile uint64_t sink;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kolm_gguf *g;
	if (kolm_gguf_open_buffer(&g, data, size, "fuzz", NULL) != KOLM_OK)
		return 0;
	for (int64_t i = 0; i < kolm_gguf_kv_count(g); i++) {
		const struct kolm_gguf_kv *kv = kolm_gguf_kv_at(g, i);
		(void)kolm_gguf_kv_find(g, "general.architecture");
		if (kv->type == KOLM_GGUF_ARRAY && kv->arr_n > 0) {
			struct kolm_gguf_str s;
			if (kv->arr_type == KOLM_GGUF_STRING) {
				(void)kolm_gguf_arr_str(kv, 0, &s);
				(void)kolm_gguf_arr_str(kv, kv->arr_n - 1, &s);
			} else {
				(void)kolm_gguf_arr_num(kv, kv->arr_n - 1);
			}
		}
	}
	uint64_t sum = 0;
	for (int64_t i = 0; i < kolm_gguf_tensor_count(g); i++) {
		const struct kolm_gguf_tensor *t = kolm_gguf_tensor_at(g, i);
		if (t->nbytes)
			sum += t->data[0] + t->data[t->nbytes - 1];
	}
	sink = sum;
	char buf[64];
	(void)kolm_gguf_get_cstr(g, "general.name", buf, sizeof buf);
	struct kolm_model m;
	if (kolm_model_from_gguf(&m, g, NULL) == KOLM_OK)
		kolm_model_release(&m);
	kolm_gguf_close(g);
	return 0;
}
