#!/bin/sh
# Install the Debian packages kolm needs to build and test, if any are
# missing.  As root it runs apt-get; otherwise it prints the exact command
# and exits 2.  Set KOLM_NO_BROWSER=1 to skip the browser-test packages.
set -eu
pkgs="gcc make pkg-config openssl libjansson-dev libssl-dev libmicrohttpd-dev libarchive-dev libcmocka-dev clang libclang-rt-14-dev valgrind wrk"
if [ "${KOLM_NO_BROWSER:-0}" != 1 ]; then
	pkgs="$pkgs chromium nodejs npm"
fi
# the AArch64 (Raspberry Pi) NEON kernels are checked under qemu-user
# (tests/simd/run.sh)
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
	pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
fi
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		# nodejs/npm may come from outside Debian (already on PATH): accept that
		case "$p" in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		esac
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "kolm: installing:$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "kolm: missing packages; run:" >&2
		echo "  sudo apt-get install -y$missing" >&2
		exit 2
	fi
fi
# Browser test: pinned playwright-core from the npm registry (no browser download).
if [ "${KOLM_NO_BROWSER:-0}" != 1 ] && [ -f tests/browser/package.json ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
	(cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null 2>&1) ||
		{ echo "kolm: npm ci in tests/browser failed" >&2; exit 4; }
fi
# Manifest schema test: pinned ajv from the npm registry.
if [ -f tests/schema/package.json ] && [ ! -d tests/schema/node_modules/ajv ]; then
	(cd tests/schema && npm ci --silent --no-audit --no-fund >/dev/null 2>&1) ||
		{ echo "kolm: npm ci in tests/schema failed" >&2; exit 4; }
fi
exit 0
