#!/bin/sh
# Install what kolm needs to build and test, if any of it is missing:
#   - Debian packages: as root it runs apt-get; otherwise it prints the exact
#     command and exits 2;
#   - the pinned Python test packages (requirements-dev.txt: Playwright for
#     the browser tests, jsonschema for the manifest schema test) into .venv/
#     (git-ignored), created with python3 (KOLM_PYTHON overrides).
# Everything comes from Debian or PyPI.  Set KOLM_NO_BROWSER=1 to skip the
# browser-test packages.  The reference toolchains (llama.cpp, mlx-lm, ...)
# are scripts/ref-toolchain.sh's, used by make interop and make e2e (which
# also needs openssh-server, rsync, util-linux's unshare and iproute2's ip).
set -eu
cd "$(dirname "$0")/.."
pkgs="gcc g++ make cmake curl pkg-config openssl libjansson-dev libssl-dev libmicrohttpd-dev libarchive-dev libcmocka-dev clang libclang-rt-14-dev valgrind wrk python3 python3-venv openssh-server openssh-client rsync util-linux iproute2"
if [ "${KOLM_NO_BROWSER:-0}" != 1 ]; then
	pkgs="$pkgs chromium"
fi
# the AArch64 (Raspberry Pi) NEON kernels are checked under qemu-user
# (tests/simd/run.sh)
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
	pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
fi
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
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
# The Python test packages, pinned; reinstalled when requirements-dev.txt
# changes (its hash is kept in the venv).
PY=${KOLM_PYTHON:-python3}
want=$(sha256sum requirements-dev.txt | cut -c1-64)
if [ "$(cat .venv/.requirements-dev.sha256 2>/dev/null)" != "$want" ]; then
	rm -rf .venv
	"$PY" -m venv .venv || { echo "kolm: $PY -m venv .venv failed" >&2; exit 4; }
	.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt >.venv/pip.log 2>&1 ||
		{ tail -5 .venv/pip.log >&2; echo "kolm: pip install -r requirements-dev.txt failed (.venv/pip.log)" >&2; exit 4; }
	echo "$want" >.venv/.requirements-dev.sha256
fi
exit 0
