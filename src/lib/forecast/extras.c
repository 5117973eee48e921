/* extras.c - what loads beside the model (extras.h): a vision projector
 * (--mmproj) and a draft model (--draft). */
#include "extras.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/estimate.h"
#include "kolm/model.h"

#define GB 1e9

/* --mmproj FILE|GB and --draft BASE|FILE: what loads beside the model. */
int kolm_forecast_extras(struct kolm_ctx *ctx, const char *mmproj, const char *draft, const struct kolm_format *fmt,
			 uint64_t *mmproj_bytes, struct kolm_model *draft_m, int *draft_loaded, uint64_t *draft_bytes,
			 struct kolm_err *err)
{
	if (mmproj) {
		struct stat sb;
		char *end;
		double gb = strtod(mmproj, &end);
		if (end != mmproj && !*end && isfinite(gb) && gb >= 0 && gb < 1e4)
			*mmproj_bytes = (uint64_t)llround(gb * GB);
		else if (!stat(mmproj, &sb) && S_ISREG(sb.st_mode))
			*mmproj_bytes = (uint64_t)sb.st_size;
		else
			return kolm_err_set(err, KOLM_E_IO, "--mmproj %s: not a file and not a size in GB", mmproj);
	}
	if (!draft)
		return KOLM_OK;
	int rc;
	if (kolm_catalog_base_find(ctx, draft)) {
		struct kolm_estimate e;
		if ((rc = kolm_model_from_base(draft_m, ctx, draft, err)))
			return rc;
		*draft_loaded = 1;
		if ((rc = kolm_estimate_model(ctx, draft_m, fmt, NULL, 0, &e, err)))
			return kolm_err_prefix(err, "--draft %s", draft);
		*draft_bytes = e.file_bytes;
		return KOLM_OK;
	}
	struct stat sb;
	if (stat(draft, &sb))
		return kolm_err_set(err, KOLM_E_IO, "--draft %s: not a catalog base (kolm bases) and not a file", draft);
	if ((rc = kolm_model_from_path(draft_m, draft, err)))
		return kolm_err_prefix(err, "--draft %s", draft);
	*draft_loaded = 1;
	*draft_bytes = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : draft_m->file_bytes;
	return KOLM_OK;
}
