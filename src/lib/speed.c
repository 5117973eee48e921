/* speed.c - decode and prefill speed for a resolved pick.  The calibrated
 * model (calib.c, fitted to data/measurements.json and the user's own
 * kolm bench records) answers when it is linked in; otherwise forecast.c
 * uses the runtime class default from data/runtimes.json and says so. */
#include <jansson.h>

#include "forecast_internal.h"

int kolm_speed_decode(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_speed *out)
{
	(void)ctx;
	(void)fc;
	(void)out;
	return -1;
}

int kolm_speed_prefill(struct kolm_ctx *ctx, const struct fc *fc, struct kolm_speed *out)
{
	(void)ctx;
	(void)fc;
	(void)out;
	return -1;
}

void kolm_speed_caveats(struct kolm_ctx *ctx, const struct fc *fc, json_t *caveats)
{
	(void)ctx;
	(void)fc;
	(void)caveats;
}
