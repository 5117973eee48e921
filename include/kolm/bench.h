/*
 * bench.h - speed measurements on this machine: prompt processing (pp) and
 * token generation (tg) with the built-in engine the way llama-bench runs
 * them, a parser for `llama-bench -o json` output, and the user's
 * measurements file that calibration reads.
 *
 * Runs (as llama-bench): one warm-up run, then `reps` repetitions of
 *   pp: n_prompt random tokens as one batch from an empty cache,
 *   tg: n_gen tokens decoded one at a time from an empty cache;
 * tok/s per repetition, reported as mean and sample standard deviation.
 * Also: load time (open + first touch of the weights), peak RSS.
 *
 * Measurements file ($XDG_DATA_HOME/kolm/measurements.tsv, docs/ACCURACY.md):
 * tab-separated with a header naming the columns; kolm_bench_record appends
 * one row, writing the header first when the file is new, and fills the
 * columns an existing header names (unknown names are left empty).
 */
#ifndef KOLM_BENCH_H
#define KOLM_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

#define KOLM_BENCH_MAX_REPS 100

struct kolm_bench_opts {
	int n_prompt;   /* pp tokens (0: skip pp) */
	int n_gen;      /* tg tokens (0: skip tg) */
	int reps;       /* repetitions after the warm-up, 1..KOLM_BENCH_MAX_REPS */
	int nthreads;
};

struct kolm_machine {
	char cpu_model[128];
	int cores;            /* online logical CPUs */
	double mem_gb;        /* MemTotal, 10^9 bytes */
};

struct kolm_bench_result {
	char model[512];       /* path or llama-bench model_filename */
	char model_type[128];  /* "llama 260K Q4_0" style description */
	char format[32];       /* file type, lower case ("q4_0", "f16") */
	uint64_t model_bytes;
	int64_t n_params;
	int n_layer;           /* 0 when not known (llama-bench JSON) */
	int n_prompt, n_gen, reps, nthreads;
	double load_s;
	double pp_tps, pp_sd;  /* 0 when not measured */
	double tg_tps, tg_sd;
	double pp_samples[KOLM_BENCH_MAX_REPS];
	double tg_samples[KOLM_BENCH_MAX_REPS];
	uint64_t peak_rss;     /* bytes */
	char runtime[32];      /* "kolm-cpu" or "llama.cpp-cpu" */
	struct kolm_machine machine;
};

int kolm_bench_run(const char *path, const struct kolm_bench_opts *o, struct kolm_bench_result *r,
		   struct kolm_err *err);

/* Parse `llama-bench -o json` output: the pp (n_gen 0) and tg (n_prompt 0)
 * entries fill pp_* and tg_* (the first of each).  KOLM_E_FORMAT if it is
 * not llama-bench JSON. */
int kolm_bench_parse_llama_bench(const char *json, size_t len, struct kolm_bench_result *r, struct kolm_err *err);

/* Append r to the TSV at path (created with its directory if missing).
 * device and base are catalog ids (may be empty). */
int kolm_bench_record(const char *path, const struct kolm_bench_result *r, const char *device, const char *base,
		      struct kolm_err *err);

#endif
