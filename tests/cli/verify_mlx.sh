#!/bin/sh
# kolm verify X.kolm MLX_DIR: the export (its K-score measured by kolm's
# engine) passes all checks; the export binding re-derives the MLX export
# from the artifact and passes only on the directory kolm export wrote;
# appending a byte to any one of its files, adding a file or removing one
# fails it (exit 1, the file named).
set -eu
K=${KOLM:?}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
S=${KOLM_FIXTURES:-tests/fixtures}
S=$(cd "$S" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf '{"id": "p0", "prompt": "Once upon a time", "expected": ",", "match": "prefix"}\n' >"$T/ev.jsonl"
"$K" pack "$S/models/aidreams260K-hf" --evalpack "$T/ev.jsonl" -o "$T/a.kolm" -t 1 >/dev/null 2>&1 || fail "pack"
"$K" export "$T/a.kolm" --quant mlx-8bit --device m3-pro -o "$T/out" >/dev/null || fail "export X.kolm --quant mlx-8bit"
D=$T/out/a-mlx-8bit
grep -q '"export_k_source": "measured"' "$D/kolm.json" || fail "the export's K-score was not measured"
"$K" verify "$T/a.kolm" "$D" >"$T/v" 2>&1 || fail "verify of the untouched directory: exit $?: $(cat "$T/v")"
grep -q '^OK    export binding  re-derived from this artifact (mlx-8bit, group 64): all 7 files identical' "$T/v" ||
	fail "binding of the untouched directory: $(cat "$T/v")"
grep -q '^OK    quality .*export K [0-9.]* (measured)' "$T/v" || fail "quality does not use the measured export K: $(cat "$T/v")"
n=0
for f in $(ls "$D"); do
	rm -rf "$T/t" && cp -r "$D" "$T/t"
	printf 'x' >>"$T/t/$f"
	set +e
	"$K" verify "$T/a.kolm" "$T/t" >"$T/v" 2>&1; rc=$?
	set -e
	[ "$rc" = 1 ] && grep -q '^FAIL  export binding' "$T/v" || fail "$f altered: exit $rc, $(grep binding "$T/v")"
	n=$((n + 1))
done
[ "$n" = 7 ] || fail "$n files in the export, 7 expected"
rm -rf "$T/t" && cp -r "$D" "$T/t" && : >"$T/t/extra.txt"
"$K" verify "$T/a.kolm" "$T/t" 2>&1 | grep -q '^FAIL  export binding.*has 8 files' || fail "an added file passes"
rm -rf "$T/t" && cp -r "$D" "$T/t" && rm "$T/t/tokenizer.model"
"$K" verify "$T/a.kolm" "$T/t" 2>&1 | grep -q '^FAIL  export binding.*lacks tokenizer.model' || fail "a removed file passes"
echo "verify_mlx: ok"
