/* calib_internal.h - the speed model's query interface for speed.c
 * (library-internal; the public side is kolm/calib.h). */
#ifndef KOLM_CALIB_INTERNAL_H
#define KOLM_CALIB_INTERNAL_H

#include <stddef.h>

#include "kolm/calib.h"
#include "calib_rows.h" /* KOLM_UNIT_*, kolm_calib_compute */

struct kolm_device;

enum { KOLM_CALIB_DECODE = 0, KOLM_CALIB_PREFILL = 1 };
enum { KOLM_CALIB_LEVEL_USER, KOLM_CALIB_LEVEL_DEVICE, KOLM_CALIB_LEVEL_CLASS, KOLM_CALIB_LEVEL_DEFAULT };

struct kolm_calib_query {
	const char *device;      /* catalog id */
	const char *runtime;     /* runtime id */
	const char *klass;       /* calibration class (kolm_calib_class) */
	const char *format;      /* format id */
	double bytes_per_token;  /* weights read + KV at the decode depth */
	double prompt_params;    /* half the FLOPs per prompt token (kolm_estimate_prompt_flops / 2) */
	double bw;               /* bytes/s */
	double flops;            /* OP/s of the unit prefill runs on (kolm_calib_compute) */
	int n_layer;
	int unit;                /* KOLM_UNIT_* */
	const char *hw;          /* the device whose measurements apply: device, or the one it
				    is a memory variant of; NULL = device */
	double stream_bytes;     /* the prompt's matrices' bytes (0: unknown) */
};

struct kolm_calib_pred {
	double low, mid, high;   /* tokens/s */
	double s;                /* relative half-width */
	int rows;                /* measurements behind the figure */
	int level;               /* KOLM_CALIB_LEVEL_* */
	int capped;              /* decode capped at the prefill rate */
	int excluded;            /* this device's rows left out as >3x below the class */
	int other_size;          /* this device's rows of models more than 4x apart in bytes
				    per token: they inform the per-token overhead only */
	double bw_eff;           /* decode: eta x phi x bandwidth, the bytes/s a token's reads run at */
	char basis[480];
};

/* Calibration class of a runtime on a device: the runtime's class in
 * data/runtimes.json, CPU split by architecture ("cpu-arm", "cpu-x86"). */
void kolm_calib_class(struct kolm_ctx *ctx, const char *runtime, const struct kolm_device *d, char *out, size_t cap);

/* The half-width that covers a new error with probability q (0 < q < 1),
 * from n held-out errors: the ceil((n + 1) q)-th smallest (split conformal
 * prediction; Lei et al., "Distribution-free predictive inference for
 * regression", JASA 2018).  The k-th smallest of n exchangeable errors
 * exceeds a new one with probability k / (n + 1), so the plain q-quantile
 * of a few errors covers less often than q.  Below q / (1 - q) errors (9 at
 * 0.9) no rank covers: the result is the larger of dflt (the caller's
 * default for too little data) and the largest error, never narrower than
 * an error seen.  No errors (or q outside (0, 1)): -1.  Sorts v in place. */
double kolm_calib_conformal(double *v, int n, double q, double dflt);

int kolm_calib_predict(const struct kolm_calib *c, const struct kolm_calib_query *q, int kind,
		       struct kolm_calib_pred *out);

/* A measurement of this device on this runtime to quote in a caveat: the
 * same base and format if there is one, else a fitted row of comparable
 * size (within 4x of bytes_per_token, the rule the fit follows).  hw: the
 * device it is a memory variant of (NULL = none): that silicon's rows count,
 * and a row of another memory size names its device.  Returns 0 and fills
 * the strings, or -1. */
int kolm_calib_quote(const struct kolm_calib *c, const char *device, const char *hw, const char *runtime,
		     const char *base, const char *format, double bytes_per_token, char *out, size_t cap);

#endif
