#!/bin/sh
# The length limits (scripts/check-lengths.py): no file in src/ over 1,200
# lines, no function over 150, but for the exceptions docs/ARCHITECTURE.md
# names.  The real tree passes; then, so the check provably fires, scratch
# copies (src/ and the doc) must fail with a 151-line function, a 1,201-line
# file and an exception that no longer exceeds its limit, and pass with a
# 150-line function and with the long function named as an exception.
. "$(dirname "$0")/common.inc"
CL="$here/scripts/check-lengths.py"
python3 "$CL" >"$T/real.txt" 2>&1 || { cat "$T/real.txt" >&2; fail "the tree breaks its length limits"; }
grep -q "^ok: no file over 1200 lines, no function over 150 lines" "$T/real.txt" || fail "check-lengths printed no verdict"

scratch() {
	rm -rf "$T/s" && mkdir -p "$T/s/docs"
	cp -R "$here/src" "$T/s/"
	cp "$here/docs/ARCHITECTURE.md" "$T/s/docs/"
}
# body N: a function whose braces are N lines apart, both included
body() {
	printf 'static int planted_long(int n,\n\t\t\tint m)\n{\n'
	i=2
	while [ "$i" -lt "$1" ]; do printf '\tn += m;\n'; i=$((i + 1)); done
	printf '}\n'
}
run() { python3 "$CL" --root "$T/s" >"$T/out.txt" 2>&1; }
expect_fail() { # WHAT PATTERN
	if run; then cat "$T/out.txt" >&2; fail "$1: check-lengths passed"; fi
	grep -q "$2" "$T/out.txt" || { cat "$T/out.txt" >&2; fail "$1: no '$2' in its report"; }
}

scratch
body 150 >"$T/s/src/lib/core/planted.c"
run || { cat "$T/out.txt" >&2; fail "a 150-line function failed the check"; }
body 151 >"$T/s/src/lib/core/planted.c"
expect_fail "151-line function" 'too long: src/lib/core/planted.c planted_long: 151 lines (limit 150)'
printf '| src/lib/core/planted.c | planted_long | planted by tests/cli/lengths.sh |\n' >>"$T/s/docs/ARCHITECTURE.md"
run || { cat "$T/out.txt" >&2; fail "a named exception still failed the check"; }
grep -q 'excepted: src/lib/core/planted.c planted_long: 151 lines' "$T/out.txt" || fail "the exception was not reported"
body 150 >"$T/s/src/lib/core/planted.c"
expect_fail "stale exception" 'stale exception: src/lib/core/planted.c planted_long'

scratch
seq 1201 | sed 's|.*|/* line */|' >"$T/s/src/lib/core/planted.h"
expect_fail "1,201-line file" 'too long: src/lib/core/planted.h (file): 1201 lines (limit 1200)'
echo "ok: lengths hold; a 151-line function, a 1,201-line file and a stale exception are each caught"
