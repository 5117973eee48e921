#!/bin/sh
# kolm plan --model on a real GGUF: for each of the 18 file types llama.cpp's
# llama-quantize made from kquant/synth-f32.gguf (kquant/files.tsv), the
# forecast's size.tensor_bytes equals the real output's data section to the
# byte and size.bytes is within 0.5% of the real file.  And the file as
# stored: its own size.
set -eu
K=${KOLM:?}
S=${KOLM_FIXTURES:-tests/fixtures}
F=$S/models/kquant/synth-f32.gguf
n=0
tail -n +2 "$S/models/kquant/files.tsv" | while IFS='	' read -r file ftype id size off tbytes sha inc; do
	[ "$ftype" = F32 ] && continue
	q=$(echo "$ftype" | tr 'A-Z' 'a-z')
	out=$("$K" plan --model "$F" --quant "$q" --device rpi5-8gb --json)
	b=$(printf '%s\n' "$out" | sed -n 's/^    "bytes": \([0-9]*\),$/\1/p' | head -1)
	t=$(printf '%s\n' "$out" | sed -n 's/^    "tensor_bytes": \([0-9]*\),$/\1/p' | head -1)
	want_t=$((size - off))
	[ "$t" = "$want_t" ] || { echo "FAIL $ftype: tensor_bytes $t, llama.cpp's data section $want_t"; exit 1; }
	awk -v a="$b" -v b="$size" 'BEGIN { e = (a - b) / b; if (e < 0) e = -e; exit !(e <= 0.005) }' ||
		{ echo "FAIL $ftype: size $b vs $size"; exit 1; }
	echo "$ftype: tensor_bytes $t = llama.cpp; size $b vs $size"
done
# as stored: the file's own size and types
out=$("$K" plan --model "$S/models/kquant/synth-q4_k_m.gguf" --device rpi5-8gb --json)
printf '%s\n' "$out" | grep -q '"bytes": 2092064,' || { echo "FAIL: as-stored size"; exit 1; }
printf '%s\n' "$out" | grep -q '"exact": true' || { echo "FAIL: as-stored not exact"; exit 1; }
printf '%s\n' "$out" | grep -q '"Q6_K": 5' || { echo "FAIL: as-stored types"; exit 1; }
# as stored, every file type is named by its own format (with its '_'), not mistaken for F32
tail -n +2 "$S/models/kquant/files.tsv" | while IFS='	' read -r file ftype id size off tbytes sha inc; do
	[ "$inc" = yes ] || continue
	q=$(echo "$ftype" | tr 'A-Z' 'a-z')
	"$K" plan --model "$S/models/kquant/$file" --device rpi5-8gb --json | grep -q "^    \"id\": \"$q\",$" ||
		{ echo "FAIL: $file as stored is not format $q"; exit 1; }
done
# a corrupt GGUF is a bad input file: exit 3, one line
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
head -c 5000 "$F" >"$T/cut.gguf"
set +e; "$K" plan --model "$T/cut.gguf" --quant q4_0 --device rpi5-8gb >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" = 3 ] || { echo "FAIL: truncated gguf exit $rc"; cat "$T/err"; exit 1; }
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "^kolm: .*cut.gguf: truncated" "$T/err" || { echo "FAIL: message"; cat "$T/err"; exit 1; }
echo "plan --model: ok"
