/* fuzz_config: a Hugging Face config.json -> hyperparameters -> the exact
 * GGUF tensor list and a size estimate (what `kolm plan --config` does). */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kolm/catalog.h"
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
	if (kolm_model_from_config(&m, cfg, NULL, NULL) == KOLM_OK) {
		(void)kolm_model_params(&m);
		/* the sizes kolm plan --config prints: a GGUF k-quant plan, an MLX
		 * layout, and the KV cache at the trained context */
		static const char *const formats[] = {"q4_k_m", "mlx-4bit"};
		for (int i = 0; i < 2; i++) {
			const struct kolm_format *f = kolm_catalog_format_find(ctx, formats[i]);
			struct kolm_estimate e;
			if (f)
				(void)kolm_estimate_model(ctx, &m, f, NULL, 0, &e, NULL);
		}
		(void)kolm_estimate_kv_bytes(&m, m.hp.n_ctx_train, "q8_0");
		kolm_model_release(&m);
	}
	json_decref(cfg);
	return 0;
}
