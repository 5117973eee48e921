/*
 * calib.h - the speed model fitted to measurements, and its accuracy report.
 *
 * Decode (ESTIMATOR.md section 4), per token:
 *
 *   time = bytes_per_token / (eta x phi_family x bandwidth) + t0 x n_layer / 32
 *   tok/s = 1 / time, never above the prefill rate (compute-bound decode)
 *
 *   eta        efficiency: the median over the device's own rows on the runtime
 *              within 4x of the pick's bytes per token (your rows in
 *              $XDG_DATA_HOME/kolm/measurements.tsv outrank published ones;
 *              rows of other sizes inform t0 only), weighed n / (n + k)
 *              against the class's on log scale (k = within- over
 *              between-device variance of log efficiency), else the median of the devices of the runtime
 *              class (cpu-arm, cpu-x86, cuda, metal, vulkan, opencl, mlx, ...),
 *              else the class default in data/runtimes.json
 *   t0         per-token overhead (kernel launches, sync, sampling) in ms per
 *              32 layers, fitted per class from rows of one device that differ
 *              in model size or format
 *   phi        format-family factor (float, q8, k-quants, legacy, i-quants,
 *              mlx-quant) relative to k-quants; 1 unless the data supports
 *              another value
 *
 * Prefill: tok/s = eta_pp x psi_unit x OP/s of the unit prefill runs on
 * (kolm_calib_compute: int8 or fp16 tensor cores, the GPU, int8 dot products
 * on CPUs) / FLOPs per prompt token (kolm_estimate_prompt_flops), eta_pp
 * fitted the same way; on an ARM CPU's repacked GEMM, never above 4 prompt
 * tokens per pass of the prompt's matrices at decode's bandwidth.
 *
 * Each figure is a range mid x (1 +- s): s covers 90% of the class's
 * held-out relative residuals at the level used (a device's rows from other
 * sources predicting it; devices predicting another device) by the
 * split-conformal rank, the ceil((n + 1) x 0.9)-th smallest of n (below 9,
 * the wider of the default and the largest error), never below
 * 10%, at most 35% with the device's own rows and 50% otherwise.  Rows whose
 * efficiency is more than 3x below their class (another power mode or
 * thermal state, a harness's overhead) are scored but not fitted.
 *
 * Measurements: data/measurements.json (published, with sources; 'weak' rows
 * say why) plus the user's TSV (docs/ACCURACY.md lists its columns).
 */
#ifndef KOLM_CALIB_H
#define KOLM_CALIB_H

#include <stddef.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_calib;
typedef struct json_t json_t;

/* The fitted model for ctx, built on first use from every measurement and
 * cached in ctx (borrowed; lives until kolm_ctx_free).  NULL + err when the
 * measurements cannot be read. */
const struct kolm_calib *kolm_calib_get(struct kolm_ctx *ctx, struct kolm_err *err);

/* User rows loaded and skipped (unknown ids, bad numbers), with the first
 * reason. */
int kolm_calib_user_rows(const struct kolm_calib *c, int *skipped, const char **why);

/* Leave-one-source-out cross-validation over every measurement: for each
 * source (the source text up to the first space or '#', without a leading
 * "github.com/"), refit without it and forecast its rows.  *out receives a
 * new kolm.calibration/1 document (caller json_decref's):
 *   decode / prefill: { overall: {rows, median_abs_pct_err, within_25_pct,
 *     inside_range, max_half_width_pct, max_half_width_own_rows_pct},
 *     classes: [{class, ...same}] }
 *   model: the fit on all rows (t0, phi, prefill_unit_factor, class
 *     efficiencies, spreads)
 *   measurements: every row with its forecast, error and whether inside,
 *     and "flag" when its efficiency is more than 3x from its class's
 *     (flagged_rows counts them; such rows are kept). */
int kolm_calib_report(struct kolm_ctx *ctx, json_t **out, struct kolm_err *err);

/* The source key of a source text ("github.com/a/b README (x)" -> "a/b"). */
void kolm_calib_source_key(const char *source, char *out, size_t cap);

#endif
