#!/bin/sh
# Run every test against build directory $1: cmocka unit tests, then the CLI
# tests (tests/cli/*.sh), then the browser tests when Chromium is present.
# Prints "N passed, N failed" last and exits non-zero on any failure.
set -u
B=${1:-build}
pass=0
fail=0
failed=""
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if KOLM_BIN="$B/kolm" KOLM_SHARED="${KOLM_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}" "$t" >"$B/tests/$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		tail -n 30 "$B/tests/$name.log"
	fi
done
for t in tests/cli/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	if KOLM="$B/kolm" BUILD="$B" KOLM_SHARED="${KOLM_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}" sh "$t" >"$B/tests/cli-$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS cli/$name"
	else
		fail=$((fail + 1))
		failed="$failed cli/$name"
		echo "FAIL cli/$name"
		tail -n 30 "$B/tests/cli-$name.log"
	fi
done
# fuzz targets without libFuzzer: seeds, the shared models and every input
# that once crashed (tests/fuzz/regress/<target>/) must run clean
S_DIR="${KOLM_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}"
for r in "$B"/fuzz-replay/fuzz_*; do
	[ -x "$r" ] || continue
	t=$(basename "$r" | sed 's/^fuzz_//')
	case $t in
	gguf) extra="$S_DIR/models/gguf/stories260K-q4_0.gguf $S_DIR/models/gguf/aidreams260K-q8_0.gguf" ;;
	safetensors) extra="$S_DIR/models/stories260K-hf/model.safetensors" ;;
	config) extra="$S_DIR/models/stories260K-hf/config.json $S_DIR/models/aidreams260K-hf/config.json" ;;
	*) extra="" ;;
	esac
	# shellcheck disable=SC2086
	if "$r" $(ls tests/fuzz/seeds/"$t"/* tests/fuzz/regress/"$t"/* 2>/dev/null) $extra >"$B/tests/fuzz-$t.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS fuzz-replay/$t"
	else
		fail=$((fail + 1))
		failed="$failed fuzz-replay/$t"
		echo "FAIL fuzz-replay/$t"
		tail -n 30 "$B/tests/fuzz-$t.log"
	fi
done
if [ "${KOLM_SAN:-0}" != 1 ] && [ -f tests/browser/run.sh ]; then
	if sh tests/browser/run.sh "$B" >"$B/tests/browser.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS browser"
	else
		fail=$((fail + 1))
		failed="$failed browser"
		echo "FAIL browser"
		tail -n 30 "$B/tests/browser.log"
	fi
fi
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
