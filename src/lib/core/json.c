/* json.c - jansson helpers shared by every reader of JSON in libkolm
 * (json_internal.h). */
#include "json_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

const char *kolm_json_str(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

double kolm_json_num(const json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

int64_t kolm_json_int(const json_t *o, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v)) {
		/* converting a real outside int64_t is undefined: saturate */
		double r = json_real_value(v);
		if (!(r < 0x1p63))
			return INT64_MAX;
		return r < -0x1p63 ? INT64_MIN : (int64_t)r;
	}
	return dflt;
}

json_t *kolm_json_find_id(const json_t *arr, const char *id)
{
	size_t i;
	json_t *x;
	if (!id)
		return NULL;
	json_array_foreach(arr, i, x)
	{
		const char *xid = kolm_json_str(x, "id");
		if (xid && !strcasecmp(xid, id))
			return x;
	}
	return NULL;
}

double kolm_round_sig(double v, int n)
{
	if (v == 0 || !isfinite(v))
		return 0;
	int d = n - 1 - (int)floor(log10(fabs(v)));
	double p = pow(10, d < 0 ? 0 : d);
	return round(v * p) / p;
}

void kolm_caveat_add(json_t *caveats, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(caveats, json_string(buf));
}
