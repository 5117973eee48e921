/* extras.h - what loads beside the model (library-internal): the bytes of
 * a vision projector, --mmproj FILE or a size in GB, and a draft model,
 * --draft BASE (a catalog base estimated at the pick's format) or FILE
 * (kolm_model_from_path; its file's size).  kolm_forecast adds the draft's
 * KV cache and compute buffer per context. */
#ifndef KOLM_EXTRAS_H
#define KOLM_EXTRAS_H

#include <stdint.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_format;
struct kolm_model;

/* mmproj, draft: NULL when not given.  On return *draft_loaded says whether
 * draft_m holds a model (release it then, also after an error). */
int kolm_forecast_extras(struct kolm_ctx *ctx, const char *mmproj, const char *draft, const struct kolm_format *fmt,
			 uint64_t *mmproj_bytes, struct kolm_model *draft_m, int *draft_loaded, uint64_t *draft_bytes,
			 struct kolm_err *err);

#endif
