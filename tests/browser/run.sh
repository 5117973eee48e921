#!/bin/sh
# Browser tests of the picker page and the verify page (scripts/run-tests.sh
# runs this file).  Needs Debian's chromium and the pinned Python Playwright
# in .venv/ (requirements-dev.txt), both installed by scripts/install-deps.sh;
# no browser is downloaded.  Missing either is a failure, not a skip, unless
# KOLM_NO_BROWSER=1.  Screenshots: BUILD_DIR/tests/browser/*.png.
# usage: sh tests/browser/run.sh BUILD_DIR
set -eu
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "${KOLM_NO_BROWSER:-0}" = 1 ]; then
	echo "browser: skipped (KOLM_NO_BROWSER=1)"
	exit 0
fi
chromium=${KOLM_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "browser: $chromium not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
py=$root/.venv/bin/python
[ -x "$py" ] || { echo "browser: $py missing: run scripts/install-deps.sh (creates .venv from requirements-dev.txt)" >&2; exit 1; }
"$py" -c 'import playwright.sync_api' 2>/dev/null ||
	{ echo "browser: playwright not importable by $py: run scripts/install-deps.sh" >&2; exit 1; }
[ -x "$B/kolm" ] || { echo "browser: $B/kolm not built" >&2; exit 1; }
# nothing is written into the source tree (no __pycache__ beside common.py)
export PYTHONDONTWRITEBYTECODE=1
rm -f "$B"/tests/browser/*.png
# bounded: a hung browser must not hang the test run (SIGTERM unwinds the
# test's cleanup; SIGKILL 10 s later if it does not); both run, either fails
rc=0
timeout -k 10 180 "$py" "$here/picker_test.py" "$B" || rc=1
timeout -k 10 120 "$py" "$here/verify_test.py" "$B" || rc=1
n=$(ls "$B"/tests/browser/*.png 2>/dev/null | wc -l)
[ "$n" -eq 7 ] || { echo "browser: $n screenshots in $B/tests/browser, want 7 (5 pages, 2 elements at 390 px)" >&2; rc=1; }
[ "$rc" -ne 0 ] || echo "browser: screenshots in $B/tests/browser"
exit "$rc"
