#!/bin/sh
# Build the libFuzzer targets (clang, ASan+UBSan, libkolm instrumented as
# the harnesses are) and run each for SECONDS.
#   scripts/run-fuzz.sh SECONDS [target...]     (targets: config gguf http kolm manifest safetensors tokenizer)
# Corpora live in build-fuzz/corpus/<target>, seeded from tests/fixtures/models and
# the tests; a crash is saved under build-fuzz/crashes/<target>/ and the
# script exits 1 — copy the input into tests/fuzz/regress/<target>/ once fixed
# (make check replays that directory).  Stats go to build-fuzz/fuzz-<target>.log.
# A seed file that is missing is an error (exit 4), not an empty corpus.
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-60}
shift || true
S=${KOLM_FIXTURES:-$(pwd)/tests/fixtures}
B=build-fuzz
make --no-print-directory BUILD=$B CC=clang SAN=1 OPT=-O1 CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" all >/dev/null
# the library itself must carry ASan, UBSan and the coverage libFuzzer
# steers by, not only the harness linked against it
scripts/check-instrumented.sh $B/libkolm.a __asan_ __ubsan_ __sanitizer_cov_ >/dev/null || exit 1
LIBS="$(pkg-config --libs jansson libcrypto libmicrohttpd libarchive) -lm -pthread"
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/fuzz_||; s|\.c$||')}
mkdir -p $B/fuzz $B/corpus $B/crashes
seed() { # target files...
	t=$1
	shift
	mkdir -p "$B/corpus/$t"
	for f in "$@"; do
		[ -f "$f" ] || {
			echo "kolm: $f: fuzz seed missing" >&2
			exit 4
		}
		cp "$f" "$B/corpus/$t/seed-$(basename "$f")"
	done
	[ -d "tests/fuzz/regress/$t" ] && cp tests/fuzz/regress/$t/* "$B/corpus/$t/" 2>/dev/null || true
}
prefix() { # byte file out
	printf "$1" >"$3"
	cat "$2" >>"$3"
}
kolm_seed() { # a packed stories260K artifact, seed of fuzz_kolm and (its manifest) fuzz_manifest
	mkdir -p "$B/corpus/kolm"
	[ -f "$B/corpus/kolm/seed-stories.kolm" ] ||
		$B/kolm pack "$S/models/stories260K-hf" --evalpack tests/data/evalpack-stories.jsonl \
			-o "$B/corpus/kolm/seed-stories.kolm" --k-score 0.9 >/dev/null
}
rc=0
npass=0
nfail=0
for t in $targets; do
	clang -std=c17 -D_GNU_SOURCE -O1 -g -Iinclude -Isrc/lib -fsanitize=fuzzer,address,undefined,float-cast-overflow -fno-sanitize-recover=all \
		-o $B/fuzz/fuzz_$t tests/fuzz/fuzz_$t.c $B/libkolm.a $LIBS
	case $t in
	gguf) seed gguf "$S"/models/gguf/*q4_0.gguf "$S"/models/gguf/*q8_0.gguf ;;
	safetensors) seed safetensors "$S"/models/stories260K-hf/model.safetensors ;;
	config) seed config "$S"/models/*-hf/config.json ;;
	kolm)
		kolm_seed
		seed kolm ;;
	manifest)
		kolm_seed
		mkdir -p "$B/corpus/manifest"
		prefix '\002' tests/data/evalpack-stories.jsonl "$B/corpus/manifest/seed-evalpack"
		tar -xOf "$B/corpus/kolm/seed-stories.kolm" kolm.json >"$B/m.json"
		prefix '\001' "$B/m.json" "$B/corpus/manifest/seed-manifest"
		seed manifest ;;
	tokenizer)
		mkdir -p "$B/corpus/tokenizer"
		prefix '\002' "$S/models/stories260K-hf/tokenizer.model" "$B/corpus/tokenizer/seed-spm"
		prefix '\001' "$S/models/stories260K-hf/tokenizer.json" "$B/corpus/tokenizer/seed-json"
		seed tokenizer ;;
	*) seed "$t" tests/fuzz/seeds/$t/* ;;
	esac
	mkdir -p $B/crashes/$t
	# inputs up to 400 kB, or the largest seed: libFuzzer cuts longer ones
	# to -max_len, and a cut safetensors file or .kolm never opens
	maxlen=$(find $B/corpus/$t -type f -printf '%s\n' | sort -n | tail -1)
	[ "${maxlen:-0}" -gt 400000 ] || maxlen=400000
	t0=$(date +%s)
	if ! $B/fuzz/fuzz_$t -max_total_time="$SECS" -max_len="$maxlen" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$B/crashes/$t/ $B/corpus/$t >$B/fuzz-$t.log 2>&1; then
		echo "FUZZ $t: crash, see $B/crashes/$t/ and $B/fuzz-$t.log"
		rc=1
		nfail=$((nfail + 1))
	else
		npass=$((npass + 1))
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' $B/fuzz-$t.log | tail -1)
	echo "fuzz_$t: ${runs:-?} executions in $(($(date +%s) - t0))s, corpus $(ls $B/corpus/$t | wc -l) inputs"
done
echo "$npass passed, $nfail failed"
exit $rc
