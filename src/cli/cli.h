/* cli.h - shared pieces of the `kolm` front end.
 *
 * A verb is a `struct cli_cmd` in src/cli/cmd_<verb>.c, listed in the
 * command table of src/cli/main.c with what it needs (NEEDS_*).  Its option
 * table (struct cli_opt rows) is the only description of its options: main
 * builds the getopt_long parser from it and prints --help from it, so the
 * help lists exactly what the parser accepts.  For one run, main
 *   1. parses the options, calling opt() for each as it comes (--help
 *      prints the help and exits 0 where it stands),
 *   2. calls check() with the operands (usage errors end here, before
 *      anything is opened),
 *   3. opens what the verb's row needs (the library context: catalogs from
 *      --data-dir / KOLM_DATA_DIR and the XDG directories),
 *   4. calls run(), and frees the context afterwards.
 * Each returns 0 or the process exit code (0 ok, 1 the answer is no,
 * 2 usage, 3 bad input file, 4 I/O or missing tool) after printing the
 * error. */
#ifndef KOLM_CLI_H
#define KOLM_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_ctx_opts;

/* ---- option tables ------------------------------------------------------ */

enum cli_opt_kind { CLI_OPT_END, CLI_OPT_FLAG, CLI_OPT_VALUE, CLI_OPT_GROUP, CLI_OPT_INCLUDE };

struct cli_opt {
	enum cli_opt_kind kind;
	int short_name;             /* 'o' for -o, or 0 */
	const char *name;           /* long name without "--", or NULL (short only) */
	const char *arg;            /* CLI_OPT_VALUE: the value's name in --help ("N", "FILE") */
	const char *help;           /* the help line ('\n' continues it); a group's heading */
	int id;                     /* what the verb's opt() receives */
	const struct cli_opt *more; /* CLI_OPT_INCLUDE: another table, listed in place */
};

#define OPT_FLAG(s, l, i, h) {CLI_OPT_FLAG, (s), (l), NULL, (h), (i), NULL}
#define OPT_VALUE(s, l, a, i, h) {CLI_OPT_VALUE, (s), (l), (a), (h), (i), NULL}
#define OPT_GROUP(h) {CLI_OPT_GROUP, 0, NULL, NULL, (h), 0, NULL}
#define OPT_INCLUDE(t) {CLI_OPT_INCLUDE, 0, NULL, NULL, NULL, 0, (t)}
#define OPT_END() {CLI_OPT_END, 0, NULL, NULL, NULL, 0, NULL}

/* ---- verbs ------------------------------------------------------------- */

/* How a verb's parse errors are worded (each keeps the words it always
 * printed): */
enum {
	CLI_SEE_HELP = 1 << 0,     /* "V: unknown option 'X' (see 'kolm V --help')", else without the hint */
	CLI_NEEDS_OPTION = 1 << 1, /* a missing value: "V: option 'X' needs a value" */
	CLI_NEEDS_PLAIN = 1 << 2,  /* a missing value: "V: X needs a value" (neither: an unknown option) */
	CLI_DASH_H = 1 << 3,       /* -h prints the help too */
};

struct cli;

struct cli_cmd {
	const char *usage;          /* "usage: kolm V ..." lines and what V does */
	const struct cli_opt *opts; /* the option table */
	const char *tail;           /* after the options (exit codes), or NULL */
	unsigned flags;             /* CLI_SEE_HELP ... */
	size_t size;                /* the verb's arguments struct, */
	const void *defaults;       /* copied from here before parsing */
	int (*opt)(struct cli *cli, void *args, int id, const char *val);
	int (*check)(struct cli *cli, void *args, int argc, char **argv);
	int (*run)(struct cli *cli, void *args);
};

/* In a struct cli_cmd: the verb's arguments struct, by its defaults. */
#define CLI_ARGS(defaults) .size = sizeof(defaults), .defaults = &(defaults)

/* What main hands a verb. */
struct cli {
	const char *verb;              /* "plan" */
	const struct cli_cmd *cmd;
	const char *opt;               /* in opt(): the argument getopt consumed last */
	struct kolm_ctx *ctx;          /* NEEDS_CTX: open in run(), owned by main */
	const struct kolm_ctx_opts *ctx_opts; /* NEEDS_CTX, NEEDS_CTX_OPTS: where the catalogs are */
	int no_ctx;                    /* set by check(): this run needs no context */
};

/* The command table's "needs" column (src/cli/main.c). */
enum {
	NEEDS_CTX = 1 << 0,      /* the library context, opened between check() and run() */
	NEEDS_CTX_OPTS = 1 << 1, /* only where the context's files are (serve opens its own) */
};

#define CLI_VERBS(X) \
	X(bases) X(bench) X(calibrate) X(devices) X(eval) X(export) X(inspect) \
	X(keygen) X(pack) X(plan) X(quantize) X(quants) X(quickstart) X(run) \
	X(serve) X(sign) X(verify)

#define CLI_DECL(v) extern const struct cli_cmd cmd_##v;
CLI_VERBS(CLI_DECL)
#undef CLI_DECL

/* Parse argv (argv[0] is the verb) with cli->cmd's table.  Returns 0 with
 * the operands in *argc_out and *argv_out, CLI_HELPED after printing --help, or
 * an exit code after printing the error. */
enum { CLI_HELPED = -1 };
int cli_parse(struct cli *cli, void *args, int argc, char **argv, int *argc_out, char ***argv_out);
/* The verb's help, from its usage text, option table and tail. */
void cli_help(const struct cli_cmd *cmd, FILE *fp);
/* More than max operands: "V: unexpected argument 'X'" (exit 2). */
int cli_operands_at_most(const struct cli *cli, int argc, char **argv, int max);
/* check() for a verb without operands. */
int cli_no_operands(struct cli *cli, void *args, int argc, char **argv);
/* -t N of the engine verbs (bench, eval, run): 1..256, else
 * "V: -t needs a thread count from 1 to 256, not 'X'". */
int cli_threads(const struct cli *cli, const char *val, long long *out);

/* The arguments of a verb whose one option is --json (bases, devices,
 * quants); cli_json_opt() sets json. */
struct cli_json_args {
	int json;
};
int cli_json_opt(struct cli *cli, void *args, int id, const char *val);

/* ---- helpers ----------------------------------------------------------- */

/* Print "kolm: <msg>" to stderr and return the exit code for err->code. */
int cli_fail(const struct kolm_err *err);
/* Print "kolm: <fmt...>" and return 2 (usage error). */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Colour on stdout? (a TTY and NO_COLOR unset) */
int cli_color(void);
/* Write a JSON value (jansson json_t*) to stdout with the project's
 * canonical flags, followed by a newline. */
int cli_print_json(const void *json);
/* Parse a non-negative number; returns -1 if not valid. */
int cli_parse_double(const char *s, double *out);
int cli_parse_i64(const char *s, long long *out);
/* An output FILE that names a directory is a usage error (exit 2), said
 * before any work, not at the final rename. */
int cli_out_file_check(const char *verb, const char *path);
/* s, or its first width-3 bytes and "..." when longer than width (a
 * table column); returns buf. */
const char *cli_cut(char *buf, size_t cap, const char *s, int width);

#endif
