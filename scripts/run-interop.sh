#!/bin/sh
# make interop: live differential tests against the real reference
# toolchains (scripts/ref-toolchain.sh provides them, cached): every
# tests/interop/*.sh runs with the kolm binary of build directory $1 and the
# toolchain locations in its environment.  Each test prints what it compared
# (file type, architecture, perplexities, agreement); a test that cannot run
# its check fails: there are no skips.  Prints "N passed, N failed" last.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
. scripts/test-lib.sh
env=$(scripts/ref-toolchain.sh) || { echo "kolm: interop: the reference toolchains are not available" >&2; exit 4; }
eval "$env"
export KOLM_REF_LLAMA_BIN KOLM_REF_LLAMA_PRELOAD KOLM_REF_LLAMA_SRC KOLM_REF_LLAMA_COMMIT KOLM_REF_VENV KOLM_REF_MISSING
# llama.cpp's tools lose queued log lines at exit without it (see the shim);
# it does nothing in any other process
export LD_PRELOAD="$KOLM_REF_LLAMA_PRELOAD${LD_PRELOAD:+ $LD_PRELOAD}"
echo "reference llama.cpp $KOLM_REF_LLAMA_COMMIT: $KOLM_REF_LLAMA_BIN"
echo "reference Python toolchains: $KOLM_REF_VENV${KOLM_REF_MISSING:+ (not installable here: $KOLM_REF_MISSING)}"
mkdir -p "$B/interop"
for t in ${KOLM_INTEROP:-tests/interop/*.sh}; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	KOLM="$(pwd)/$B/kolm" BUILD="$B" KOLM_FIXTURES="$(pwd)/tests/fixtures" \
		run_test "interop/$n" "$B/interop/$n.log" sh "$t"
	# what each check compared, from its log
	grep '^ok\|^  ' "$B/interop/$n.log" | sed 's/^/    /'
done
finish
