#!/bin/sh
# Run every test against build directory $1: cmocka unit tests, the CLI
# tests (tests/cli/*.sh), the fuzz targets' replays, then the browser test.
# Prints "N passed, N failed" last and exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
S_DIR="${KOLM_FIXTURES:-$(pwd)/tests/fixtures}"
. scripts/test-lib.sh
mkdir -p "$B/tests"
# make san (KOLM_SAN=1): first the canary, proof that this build really runs
# ASan and UBSan.  Then a process the sanitizers stop exits 86, a status no
# kolm command has (their default, 1, is kolm's "no"), and every ASan/LSan
# report also goes to a file, so one from a kolm whose stderr a test discards
# still fails the run (san/reports).  gcc's UBSan ignores log_path beside ASan:
# its reports reach stderr and the exit status only.
if [ "${KOLM_SAN:-0}" = 1 ]; then
	run_test san/canary "$B/tests/san-canary.log" sh tests/san/run.sh "$B"
	R="$(pwd)/$B/san/reports"
	rm -rf "$R" && mkdir -p "$R"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$R/report:exitcode=86"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$R/report:exitcode=86"
fi
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.log) continue ;; esac
	name=$(basename "$t")
	KOLM_BIN="$B/kolm" KOLM_FIXTURES="$S_DIR" run_test "$name" "$B/tests/$name.log" "$t"
done
run_cli_tests "$B/kolm" "$B/tests"
# the engine's SIMD kernels against the scalar reference, natively and (on
# x86-64) as AArch64 NEON under qemu-user
run_test simd "$B/tests/simd.log" sh tests/simd/run.sh "$B"
# fuzz targets without libFuzzer: seeds, the shared models and every input
# that once crashed (tests/fuzz/regress/<target>/) must run clean
for r in "$B"/fuzz-replay/fuzz_*; do
	[ -x "$r" ] || continue
	t=$(basename "$r" | sed 's/^fuzz_//')
	case $t in
	gguf) extra="$S_DIR/models/gguf/stories260K-q4_0.gguf $S_DIR/models/gguf/aidreams260K-q8_0.gguf" ;;
	safetensors) extra="$S_DIR/models/stories260K-hf/model.safetensors" ;;
	config) extra="$S_DIR/models/stories260K-hf/config.json $S_DIR/models/aidreams260K-hf/config.json" ;;
	*) extra="" ;;
	esac
	# shellcheck disable=SC2046,SC2086
	run_test "fuzz-replay/$t" "$B/tests/fuzz-$t.log" "$r" $(ls tests/fuzz/seeds/"$t"/* tests/fuzz/regress/"$t"/* 2>/dev/null) $extra
done
if [ "${KOLM_SAN:-0}" = 1 ]; then
	run_test san/reports "$B/tests/san-reports.log" sh -c '! ls "$1"/* >/dev/null 2>&1 || { head -n 60 "$1"/*; exit 1; }' sh "$R"
fi
if [ "${KOLM_SAN:-0}" != 1 ] && [ -f tests/browser/run.sh ]; then
	run_test browser "$B/tests/browser.log" sh tests/browser/run.sh "$B"
fi
finish
