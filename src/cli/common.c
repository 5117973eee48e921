/* common.c - the helpers every verb uses (cli.h): errors, colour, JSON output, numbers. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

int cli_fail(const struct kolm_err *err)
{
	fprintf(stderr, "kolm: %s\n", err->msg[0] ? err->msg : kolm_status_name(err->code));
	return kolm_status_exit_code(err->code);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kolm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 2;
}

int cli_color(void)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	return isatty(STDOUT_FILENO);
}

int cli_print_json(const void *json)
{
	char *s = json_dumps((const json_t *)json, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (!s) {
		fprintf(stderr, "kolm: cannot encode JSON\n");
		return 4;
	}
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "kolm: stdout: %s\n", strerror(errno));
		return 4;
	}
	return 0;
}

int cli_parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e18)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_i64(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

int cli_out_file_check(const char *verb, const char *path)
{
	struct stat st;
	size_t n = strlen(path);
	if ((n && path[n - 1] == '/') || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return cli_usage_error("%s: %s is a directory; give the output file's name", verb, path);
	return 0;
}

const char *cli_cut(char *buf, size_t cap, const char *s, int width)
{
	size_t n = strlen(s);
	if (width < 4 || n <= (size_t)width || cap < (size_t)width + 1)
		snprintf(buf, cap, "%s", s);
	else
		snprintf(buf, cap, "%.*s...", width - 3, s);
	return buf;
}
