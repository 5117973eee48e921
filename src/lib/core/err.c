#include "kolm/err.h"

#include <stdio.h>
#include <string.h>

int kolm_err_setv(struct kolm_err *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

int kolm_err_set(struct kolm_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kolm_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int kolm_err_prefix(struct kolm_err *err, const char *fmt, ...)
{
	if (!err)
		return KOLM_E_IO;
	char pre[256], old[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	size_t pl = strlen(pre);
	if (pl > sizeof err->msg - 3)
		pl = sizeof err->msg - 3;
	memcpy(err->msg, pre, pl);
	memcpy(err->msg + pl, ": ", 2);
	size_t rest = sizeof err->msg - pl - 3;
	size_t ol = strnlen(old, rest);
	memcpy(err->msg + pl + 2, old, ol);
	err->msg[pl + 2 + ol] = '\0';
	return err->code;
}

void kolm_err_clear(struct kolm_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

int kolm_status_exit_code(int status)
{
	switch (status) {
	case KOLM_OK: return 0;
	case KOLM_E_NO: return 1;
	case KOLM_E_USAGE:
	case KOLM_E_NOTFOUND: return 2;
	case KOLM_E_FORMAT:
	case KOLM_E_TOOBIG: return 3;
	default: return 4;
	}
}

const char *kolm_status_name(int status)
{
	switch (status) {
	case KOLM_OK: return "ok";
	case KOLM_E_NO: return "no";
	case KOLM_E_USAGE: return "usage";
	case KOLM_E_NOTFOUND: return "not-found";
	case KOLM_E_FORMAT: return "format";
	case KOLM_E_IO: return "io";
	case KOLM_E_NOMEM: return "nomem";
	case KOLM_E_MISSING: return "missing";
	case KOLM_E_TOOBIG: return "too-big";
	}
	return "unknown";
}
