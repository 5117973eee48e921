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

/* The compute a prefill runs on (kolm_calib_compute): the device's fp16/fp32
 * FMA figure (tflops_fp16), int8 tensor cores or int8 dot products, fp16
 * tensor cores with fp16 accumulate, bf16 with fp32 accumulate, and fp16
 * tensor cores after dequantizing a quantized matrix to fp16 (CUDA before
 * int8 MMQ), and an ARM CPU's int8 dot products for a format that build of
 * llama.cpp had no repacked (interleaved) kernel for (kolm_calib_arm_repacked). */
enum { KOLM_UNIT_FMA, KOLM_UNIT_INT8, KOLM_UNIT_F16T, KOLM_UNIT_BF16T, KOLM_UNIT_DQ16, KOLM_UNIT_INT8_NOREPACK, KOLM_UNIT_N };
enum { FAM_FLOAT, FAM_Q8, FAM_KQ, FAM_LEGACY, FAM_IQ, FAM_MLXQ, FAM_N };
enum { MAX_CLASS = 16, DECODE_DEPTH = 64 };

struct cal_row {
	char device[48], runtime[24], base[48], format[24], klass[16];
	char hw[48];          /* the silicon its measurements inform: the device, or the
				 device it is a memory variant of (catalog variant_of) */
	char source[320], skey[96];
	int weak, user;
	double tg, pp;        /* tokens/s; 0 = not measured */
	double B;             /* bytes read per decoded token */
	double N;             /* half the FLOPs per token of a 512-token prompt (kolm_estimate_prompt_flops):
				 the active parameters but the output projection, plus attention; a
				 user's own row: its file's parameters */
	double S;             /* bytes of the prompt's matrices: weights read per token but the
				 output projection (a GEMM streams them once per pass) */
	double bw, flops;     /* bytes/s, OP/s of the unit its prefill ran on (bin-adjusted) */
	int L, fam, unit;     /* unit: KOLM_UNIT_* (kolm_calib_compute) */
};

struct cal_cls {
	char name[16];
	double t0;            /* ms per token per 32 layers */
	double eta[2];        /* decode, prefill: median of the devices' medians */
	int n_dev[2], n_rows[2];
	double s_dev[2], s_cls[2]; /* held-out spreads; < 0 when unknown */
	double s_dev1[2];     /* a device's single row of another source predicting
				 each of its rows (forecasts from 1-2 rows); < 0 unknown */
};

struct cal_grp {
	int row;              /* a member row (names) */
	int cls;
	int user;             /* the user's own rows (they outrank published ones) */
	double eta[2];
	int n[2];             /* fitted rows */
	int n_all[2];         /* member rows before the outlier rule */
	double s_own[2];      /* own held-out spread (user groups with >= 2 rows: kolm_calib_conformal), < 0 unknown */
};

struct cal_fit {
	struct cal_cls cls[MAX_CLASS];
	int n_cls;
	double phi[FAM_N];
	double psi[KOLM_UNIT_N];      /* prefill: a unit's efficiency over int8's (KOLM_UNIT_*) */
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

/* llama.cpp on an ARM CPU runs this format's prompt on its repacked
 * (interleaved) int8 kernels (1) or not (0) at a build of this date (NULL:
 * today's); calib_rows.c. */
int kolm_calib_arm_repacked(const char *format, const char *date);
/* The compute a prefill of format runs on with this device and class:
 * CUDA runs quantized formats on int8 tensor cores (llama.cpp's MMQ, since
 * June 2024: a row dated earlier ran them dequantized through cuBLAS fp16)
 * and F16 on fp16 tensor cores (cuBLAS, fp16 accumulate), BF16 with fp32
 * accumulate; a CPU runs quantized formats on int8 dot products (on ARM,
 * a format the build had not repacked on KOLM_UNIT_INT8_NOREPACK); anything
 * else, or a device without the figure, on its tflops_fp16.  date: the
 * measurement's (YYYY-MM...), NULL for today.  Returns OP/s, sets *unit. */
double kolm_calib_compute(const struct kolm_device *d, const char *klass, const char *format, const char *date,
			  int *unit);
/* "int8 tensor TOPS" and the like, for a basis. */
const char *kolm_calib_unit_name(int unit);

/* The format family of a format id (FAM_*). */
int kolm_calib_fam(const char *format);

/* Every published row (an unknown id or a missing field is an error) and
 * the user's rows (bad ones counted and skipped) into c->rows. */
int kolm_calib_load_rows(struct kolm_calib *c, struct kolm_ctx *ctx, struct kolm_err *err);

#endif
