#!/bin/sh
# The CLI tests (tests/cli/*.sh) against build directory $1; with
# KOLM_VALGRIND=1 every kolm invocation runs under
# `valgrind --error-exitcode --leak-check=full` (make valgrind), so a memory
# error or a definite leak fails the test that caused it.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
S_DIR="${KOLM_FIXTURES:-$(pwd)/tests/fixtures}"
. scripts/test-lib.sh
K="$(pwd)/$B/kolm"
if [ "${KOLM_VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || { echo "kolm: valgrind is not installed (make deps)" >&2; exit 4; }
	K="$(pwd)/$B/kolm-valgrind"
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "%s" "$@"\n' \
		"$(pwd)/$B/kolm" >"$K"
	chmod +x "$K"
fi
mkdir -p "$B/tests"
run_cli_tests "$K" "$B/tests"
finish
