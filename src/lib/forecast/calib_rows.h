/* calib_rows.h - the measurements the speed model fits (library-internal,
 * shared by calib.c, which fits them, and calib_rows.c, which loads them:
 * data/measurements.json and the user's measurements.tsv, each row with the
 * physics of its model and the figures of its device). */
#ifndef KOLM_CALIB_ROWS_H
#define KOLM_CALIB_ROWS_H

#include <stddef.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_device;
typedef struct json_t json_t;

enum { FAM_FLOAT, FAM_Q8, FAM_KQ, FAM_LEGACY, FAM_IQ, FAM_MLXQ, FAM_N };
enum { MAX_CLASS = 16, DECODE_DEPTH = 64 };

struct cal_row {
	char device[48], runtime[24], base[48], format[24], klass[16];
	char source[320], skey[96];
	int weak, user;
	double tg, pp;        /* tokens/s; 0 = not measured */
	double B;             /* bytes read per decoded token */
	double N;             /* active parameters */
	double bw, flops;     /* bytes/s, FLOP/s of the device (bin-adjusted) */
	int L, fam;
};

struct cal_cls {
	char name[16];
	double t0;            /* ms per token per 32 layers */
	double eta[2];        /* decode, prefill: median of the devices' medians */
	int n_dev[2], n_rows[2];
	double s_dev[2], s_cls[2]; /* held-out spreads; < 0 when unknown */
};

struct cal_grp {
	int row;              /* a member row (names) */
	int cls;
	int user;             /* the user's own rows (they outrank published ones) */
	double eta[2];
	int n[2];             /* fitted rows */
	int n_all[2];         /* member rows before the outlier rule */
	double s_own[2];      /* own held-out spread (user groups with >= 3 rows), < 0 unknown */
};

struct cal_fit {
	struct cal_cls cls[MAX_CLASS];
	int n_cls;
	double phi[FAM_N];
	struct cal_grp *grp;
	int n_grp;
	int *member;          /* row -> group, -1 when not fitted */
	int *fitted;          /* row passes the outlier rule (decode) */
	double shrink_k[2];   /* prior strength in rows: a device's efficiency from n rows
				 is weighted n / (n + k) against its class's (log scale) */
};

struct kolm_calib {
	struct cal_row *rows;
	int n_rows, n_user, n_user_skipped;
	char user_why[200];
	json_t *rts;          /* data/runtimes.json (borrowed from ctx) */
	struct cal_fit fit;   /* on every row */
};

/* Defined here, declared for their users in kolm/calib.h and
 * calib_internal.h: the source key of a source text, the calibration class
 * of a runtime on a device. */
void kolm_calib_source_key(const char *source, char *out, size_t cap);
void kolm_calib_class(struct kolm_ctx *ctx, const char *runtime, const struct kolm_device *d, char *out, size_t cap);

/* The format family of a format id (FAM_*). */
int kolm_calib_fam(const char *format);

/* Every published row (an unknown id or a missing field is an error) and
 * the user's rows (bad ones counted and skipped) into c->rows. */
int kolm_calib_load_rows(struct kolm_calib *c, struct kolm_ctx *ctx, struct kolm_err *err);

#endif
