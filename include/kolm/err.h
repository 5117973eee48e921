/*
 * err.h - how errors travel through libkolm.
 *
 * Every fallible function returns 0 (KOLM_OK) or a negative enum kolm_status
 * and takes `struct kolm_err *err` as its last argument (may be NULL).  The
 * message is lowercase, has no final period, and names what failed and why;
 * front ends print it as "kolm: <msg>".  The library never prints or exits.
 *
 * Exit codes used by the CLI (kolm_status_exit_code):
 *   0 ok, 1 the answer is "no" (gate missed, check failed), 2 usage error or
 *   unknown id, 3 bad input file, 4 I/O or system error / toolchain missing.
 */
#ifndef KOLM_ERR_H
#define KOLM_ERR_H

#include <stdarg.h>

enum kolm_status {
	KOLM_OK = 0,
	KOLM_E_NO = -1,        /* the answer is "no": gate refused, check failed */
	KOLM_E_USAGE = -2,     /* bad argument or option value */
	KOLM_E_NOTFOUND = -3,  /* unknown id (device, base, format) */
	KOLM_E_FORMAT = -4,    /* malformed or hostile input file */
	KOLM_E_IO = -5,        /* read/write/system failure */
	KOLM_E_NOMEM = -6,     /* allocation failed */
	KOLM_E_MISSING = -7,   /* required external tool not installed */
	KOLM_E_TOOBIG = -8,    /* input exceeds a size limit */
};

struct kolm_err {
	int code;          /* enum kolm_status of the first error recorded */
	char msg[512];     /* "what: why" */
};

/* Record an error (printf-style) and return `code` so callers can write
 * `return kolm_err_set(err, KOLM_E_FORMAT, "'%s': bad magic", path);`.
 * err may be NULL. */
int kolm_err_set(struct kolm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kolm_err_setv(struct kolm_err *err, int code, const char *fmt, va_list ap);

/* Prefix an existing message with "what: " (keeps the code). Returns code. */
int kolm_err_prefix(struct kolm_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void kolm_err_clear(struct kolm_err *err);

/* Process exit code for a status (see table above). */
int kolm_status_exit_code(int status);

/* Short name of a status ("format", "io", ...). */
const char *kolm_status_name(int status);

#endif
