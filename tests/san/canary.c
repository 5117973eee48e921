/* The sanitizer canary: two deliberate bugs that `make san` must catch.
 *   canary heap   reads one byte past a heap block (AddressSanitizer)
 *   canary ub     overflows a signed int (UBSan, fatal under
 *                 -fno-sanitize-recover=undefined)
 * Built with the same flags as libkolm and the tests (ALL_CFLAGS); run by
 * tests/san/run.sh, which passes only when each bug is reported.  A build
 * without the sanitizers runs both to the end and exits 0, which fails it.
 * volatile keeps the compiler from proving the bugs and folding them away. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: canary heap|ub\n", stderr);
		return 2;
	}
	if (!strcmp(argv[1], "heap")) {
		volatile size_t n = 16;
		char *p = malloc(n);
		if (!p)
			return 2;
		memset(p, 'k', n);
		volatile char c = p[n]; /* one past the end */
		printf("heap: read %d past the end, not caught\n", c);
		free(p);
		return 0;
	}
	if (!strcmp(argv[1], "ub")) {
		volatile int big = INT_MAX;
		int r = big + 1; /* signed overflow */
		printf("ub: INT_MAX + 1 = %d, not caught\n", r);
		return 0;
	}
	fprintf(stderr, "canary: unknown bug '%s'\n", argv[1]);
	return 2;
}
