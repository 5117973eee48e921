#!/bin/sh
# Browser test of the picker page (scripts/run-tests.sh runs it when this
# file exists).  Needs Debian's chromium and the pinned playwright-core that
# scripts/install-deps.sh installs with `npm ci`; no browser is downloaded.
# usage: sh tests/browser/run.sh BUILD_DIR
set -eu
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
if [ "${KOLM_NO_BROWSER:-0}" = 1 ]; then
	echo "browser: skipped (KOLM_NO_BROWSER=1)"
	exit 0
fi
chromium=${KOLM_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "browser: $chromium not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "browser: node not found" >&2; exit 1; }
[ -d "$here/node_modules/playwright-core" ] ||
	{ echo "browser: tests/browser/node_modules missing: run scripts/install-deps.sh (npm ci)" >&2; exit 1; }
[ -x "$B/kolm" ] || { echo "browser: $B/kolm not built" >&2; exit 1; }
# bounded: a hung browser must not hang the test run
timeout 180 node "$here/picker.test.mjs" "$B"
exec timeout 120 node "$here/verify.test.mjs" "$B"
