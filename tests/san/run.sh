#!/bin/sh
# The sanitizer canary (make san, KOLM_SAN=1): proves the build under test
# really runs AddressSanitizer and UBSan.  Passes only when
#   - BUILD/san/canary heap dies reporting "AddressSanitizer: heap-buffer-overflow",
#   - BUILD/san/canary ub dies reporting "runtime error: signed integer overflow",
#   - every object in BUILD/libkolm.a (but the embedded data) calls both
#     runtimes (scripts/check-instrumented.sh): the canary alone would not
#     notice library objects left over from a build without SAN=1.
# A build without -fsanitize runs both bugs to the end, and this fails.
# Usage: run.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
B=${1:-build-san}
C=$B/san/canary
fail() {
	echo "FAIL: $*"
	exit 1
}
[ -x "$C" ] || fail "$C missing (make BUILD=$B SAN=1 tests builds it)"
# bug pattern: the canary must exit non-zero with the pattern on stderr.
# Empty *SAN_OPTIONS: the report goes to stderr even when the caller sends
# reports to files (scripts/run-tests.sh does).
expect() {
	rc=0
	ASAN_OPTIONS= UBSAN_OPTIONS= "$C" "$1" >"$B/san/canary-$1.out" 2>"$B/san/canary-$1.err" || rc=$?
	if [ "$rc" = 0 ]; then
		fail "canary $1 ran to the end ($(cat "$B/san/canary-$1.out")): $B is not instrumented"
	fi
	grep -q "$2" "$B/san/canary-$1.err" ||
		fail "canary $1 exited $rc without '$2' on stderr: $(head -c 400 "$B/san/canary-$1.err")"
	echo "canary $1: exit $rc, '$2' reported"
}
expect heap 'ERROR: AddressSanitizer: heap-buffer-overflow'
expect ub 'runtime error: signed integer overflow'
scripts/check-instrumented.sh "$B/libkolm.a" __asan_ __ubsan_ || fail "libkolm.a is not (all) instrumented"
