/*
 * json_internal.h - the one set of jansson helpers every part of libkolm
 * uses to read the catalogs, configs and measurements it parses, and to add
 * a caveat to a forecast (library-internal; jansson is not part of the API).
 *
 * Readers never fail: a key that is absent or of another JSON type gives
 * the default (NULL for strings), so callers write
 * `kolm_json_num(dev, "bandwidth_gbs", 0)` and check the value.
 */
#ifndef KOLM_JSON_INTERNAL_H
#define KOLM_JSON_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

/* o[key] when it is a string, else NULL (o may be NULL or not an object). */
const char *kolm_json_str(const json_t *o, const char *key);
/* o[key] when it is a number (integer or real), else dflt. */
double kolm_json_num(const json_t *o, const char *key, double dflt);
/* o[key] when it is an integer, or a real converted toward zero (4096.0 is
 * 4096; a real outside int64_t saturates to INT64_MIN/INT64_MAX, so range
 * checks refuse it as they would the integer), else dflt. */
int64_t kolm_json_int(const json_t *o, const char *key, int64_t dflt);
/* The first object of array arr whose "id" equals id, ignoring case (catalog
 * ids are matched so everywhere); NULL when none, or when id is NULL. */
json_t *kolm_json_find_id(const json_t *arr, const char *id);

/* v rounded to n significant figures (0 for 0, NaN and infinities): what
 * kolm's JSON documents print, so they stay stable and readable. */
double kolm_round_sig(double v, int n);

/* Append one caveat, printf-style, to a JSON array of strings (a caveat is
 * a sentence a forecast carries; longer ones are cut at 599 bytes). */
void kolm_caveat_add(json_t *caveats, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
