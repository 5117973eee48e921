/* model_internal.h - what the builders of a struct kolm_model share inside
 * model/ (model.c from a config, model_gguf.c from a GGUF, hfdir.c from a
 * checkpoint, quantize.c's view of a GGUF being re-quantized). */
#ifndef KOLM_MODEL_INTERNAL_H
#define KOLM_MODEL_INTERNAL_H

#include <stdint.h>

#include "kolm/model.h"

/* Append a tensor (unused dims are 1); returns 0 or KOLM_E_NOMEM. */
int kolm_model_add_tensor(struct kolm_model *m, const char *name, int type, int layer, int n_dims,
			  int64_t ne0, int64_t ne1, int64_t ne2);

/* The GGUF key "<arch>.<suffix>" as an integer, or dflt (model_gguf.c). */
struct kolm_gguf;
int64_t kolm_gguf_arch_int(const struct kolm_gguf *g, const char *arch, const char *suffix, int64_t dflt);

#endif
