/* fuzz_config: a Hugging Face config.json -> hyperparameters -> the exact
 * GGUF tensor list and a size estimate (what `kolm plan --config` does). */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kolm/ctx.h"
#include "kolm/estimate.h"
#include "kolm/model.h"

static struct kolm_ctx *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx) {
		struct kolm_ctx_opts o = {0};
		if (kolm_ctx_new(&ctx, &o, NULL))
			return 0;
	}
	json_t *cfg = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!cfg)
		return 0;
	struct kolm_model m;
	if (kolm_model_from_config(&m, cfg, NULL, ctx, NULL) == KOLM_OK) {
		(void)kolm_model_params(&m);
		kolm_model_release(&m);
	}
	json_decref(cfg);
	return 0;
}
