/* cli.h - shared pieces of the `kolm` front end.  Each verb lives in
 * src/cli/cmd_<verb>.c as `int cmd_<verb>(int argc, char **argv)` with its
 * own getopt_long; it returns the process exit code. */
#ifndef KOLM_CLI_H
#define KOLM_CLI_H

#include <stdio.h>

#include "kolm/err.h"

struct kolm_ctx;

/* Print "kolm: <msg>" to stderr and return the exit code for err->code. */
int cli_fail(const struct kolm_err *err);
/* Print "kolm: <fmt...>" and return 2 (usage error). */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Create the library context from the environment (KOLM_DATA_DIR,
 * XDG_CONFIG_HOME, XDG_DATA_HOME).  Prints and returns an exit code != 0 on
 * failure. */
int cli_ctx_open(struct kolm_ctx **out);
/* Colour on stdout? (a TTY and NO_COLOR unset) */
int cli_color(void);
/* Write a JSON value (jansson json_t*) to stdout with the project's
 * canonical flags, followed by a newline. */
int cli_print_json(const void *json);
/* Parse a non-negative number; returns -1 if not valid. */
int cli_parse_double(const char *s, double *out);
int cli_parse_i64(const char *s, long long *out);

#define CLI_VERBS(X) \
	X(bases) X(bench) X(calibrate) X(devices) X(eval) X(export) X(inspect) \
	X(keygen) X(pack) X(plan) X(quantize) X(quants) X(quickstart) X(run) \
	X(serve) X(sign) X(verify)

#define CLI_DECL(v) int cmd_##v(int argc, char **argv) __attribute__((weak));
CLI_VERBS(CLI_DECL)
#undef CLI_DECL

#endif
