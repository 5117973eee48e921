#!/bin/sh
# kolm quantize: byte-identical to llama-quantize's own files (kquant/files.tsv
# whole-file sha256, models/golden/SHA256SUMS), llama-quantize's argument
# order, and the exit codes for bad input.
set -u
: "${KOLM:?set KOLM to the kolm binary}" "${BUILD:?set BUILD to the build directory}"
SH=${KOLM_FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/tests/fixtures}
KQ=$SH/models/kquant
T=$(mktemp -d "${TMPDIR:-/tmp}/kolm-cli-quantize.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# 1. The synthetic model to every file type llama-quantize made (18), with
#    the 4th positional NTHREADS argument and with -t.
n=0
while IFS='	' read -r file ftype llft size doff tbytes want inc; do
	[ "$file" = file ] && continue
	[ "$llft" = 0 ] && continue
	n=$((n + 1))
	if [ $((n % 2)) = 0 ]; then
		"$KOLM" quantize -q "$KQ/synth-f32.gguf" "$T/o.gguf" "$ftype" 2 || { fail "$ftype: exit $?"; continue; }
	else
		"$KOLM" quantize -q -t 3 "$KQ/synth-f32.gguf" "$T/o.gguf" "$(echo "$ftype" | tr 'A-Z' 'a-z')" ||
			{ fail "$ftype: exit $?"; continue; }
	fi
	got=$(sha "$T/o.gguf")
	[ "$got" = "$want" ] || fail "$ftype: sha256 $got, llama-quantize $want"
	[ "$(wc -c <"$T/o.gguf" | tr -d ' ')" = "$size" ] || fail "$ftype: size differs from $size"
done <"$KQ/files.tsv"
[ "$n" = 18 ] || fail "expected 18 file types in files.tsv, read $n"

# numeric llama_ftype (15 = Q4_K_M) and the progress output
"$KOLM" quantize "$KQ/synth-f32.gguf" "$T/o.gguf" 15 >"$T/log" || fail "ftype 15: exit $?"
[ "$(sha "$T/o.gguf")" = "$(awk -F'\t' '$2 == "Q4_K_M" {print $7}' "$KQ/files.tsv")" ] || fail "ftype 15 != Q4_K_M"
grep -q "output.weight" "$T/log" && grep -q "Q6_K" "$T/log" || fail "progress lines missing: $(head -3 "$T/log")"

# 2. The 260K models, made by llama-quantize with --tensor-type ffn_down=f16.
for m in aidreams260K stories260K; do
	for ft in q8_0 q4_0; do
		want=$(grep " gguf/$m-$ft.gguf\$" "$SH/models/golden/SHA256SUMS" | cut -d' ' -f1)
		"$KOLM" quantize -q "$SH/models/gguf/$m-f32.gguf" "$T/t.gguf" "$ft" --tensor-type ffn_down=f16 ||
			fail "$m $ft: exit $?"
		[ "$(sha "$T/t.gguf")" = "$want" ] || fail "$m $ft: not byte-identical to llama-quantize"
		# without the override llama-quantize refuses (172 % 32): so do we
		rm -f "$T/u.gguf"
		"$KOLM" quantize -q "$SH/models/gguf/$m-f32.gguf" "$T/u.gguf" "$ft" 2>"$T/err"
		rc=$?
		[ "$rc" = 3 ] || fail "$m $ft without override: exit $rc, want 3"
		grep -q "ffn_down" "$T/err" || fail "$m $ft: error does not name ffn_down: $(cat "$T/err")"
		[ ! -e "$T/u.gguf" ] || fail "$m $ft: output left behind after an error"
	done
	want=$(grep " gguf/$m-f16.gguf\$" "$SH/models/golden/SHA256SUMS" | cut -d' ' -f1)
	"$KOLM" quantize -q "$SH/models/gguf/$m-f32.gguf" "$T/t.gguf" F16 || fail "$m f16: exit $?"
	[ "$(sha "$T/t.gguf")" = "$want" ] || fail "$m f16: not byte-identical to llama-quantize"
done

# F16 input: re-running llama-quantize's own F16 output as F16 gives it back
# byte for byte (tensors copied, metadata order kept); to Q8_0 it converts
# F16 -> F32 first and lays the file out exactly like the F32-made one.
for m in aidreams260K stories260K; do
	"$KOLM" quantize -q "$SH/models/gguf/$m-f16.gguf" "$T/t.gguf" F16 || fail "$m f16 -> f16: exit $?"
	cmp -s "$T/t.gguf" "$SH/models/gguf/$m-f16.gguf" || fail "$m f16 -> f16: not identical"
	"$KOLM" quantize -q "$SH/models/gguf/$m-f16.gguf" "$T/t.gguf" Q8_0 --tensor-type ffn_down=f16 ||
		fail "$m f16 -> q8_0: exit $?"
	[ "$(wc -c <"$T/t.gguf" | tr -d ' ')" = "$(wc -c <"$SH/models/gguf/$m-q8_0.gguf" | tr -d ' ')" ] ||
		fail "$m f16 -> q8_0: size differs from llama-quantize's Q8_0 file"
done

# 3. Already-quantized input needs --allow-requantize.
"$KOLM" quantize -q "$KQ/synth-q8_0.gguf" "$T/r.gguf" Q4_0 2>"$T/err"
rc=$?
[ "$rc" = 3 ] || fail "requantize without flag: exit $rc, want 3"
grep -q "allow-requantize" "$T/err" || fail "requantize error does not mention --allow-requantize"
"$KOLM" quantize -q --allow-requantize "$KQ/synth-q8_0.gguf" "$T/r.gguf" Q4_0 || fail "--allow-requantize: exit $?"
[ -s "$T/r.gguf" ] || fail "--allow-requantize wrote nothing"

# 4. Usage errors exit 2; a missing input is not a usage error.
"$KOLM" quantize -q "$KQ/synth-f32.gguf" "$T/x.gguf" Q9_9 2>/dev/null
[ $? = 2 ] || fail "unknown ftype: want exit 2"
"$KOLM" quantize -q "$KQ/synth-f32.gguf" "$T/x.gguf" 2>/dev/null
[ $? = 2 ] || fail "missing FTYPE: want exit 2"
"$KOLM" quantize -q -t 0 "$KQ/synth-f32.gguf" "$T/x.gguf" Q8_0 2>/dev/null
[ $? = 2 ] || fail "-t 0: want exit 2"
"$KOLM" quantize -q "$KQ/synth-f32.gguf" "$T/x.gguf" Q8_0 --tensor-type nonsense 2>/dev/null
[ $? = 2 ] || fail "bad --tensor-type: want exit 2"
"$KOLM" quantize -q "$KQ/synth-f32.gguf" "$T/x.gguf" IQ2_XXS 2>/dev/null
[ $? = 2 ] || fail "IQ2_XXS (needs an imatrix): want exit 2"
# Q2_K_S: llama-quantize (0c1e57098, tensor_requires_imatrix) refuses its Q2_K
# tensors without an importance matrix, naming one; so does kolm
"$KOLM" quantize -q "$KQ/synth-f32.gguf" "$T/x.gguf" Q2_K_S 2>"$T/err"
[ $? = 2 ] || fail "Q2_K_S without an imatrix: want exit 2"
grep -q "blk\..*Q2_K in a Q2_K_S file needs an importance matrix" "$T/err" || fail "Q2_K_S error: $(cat "$T/err")"
"$KOLM" quantize -q "$T/missing.gguf" "$T/x.gguf" Q8_0 2>/dev/null
rc=$?
[ "$rc" -ge 3 ] || fail "missing input: exit $rc, want 3 or 4"
[ ! -e "$T/x.gguf" ] || fail "output created despite errors"
"$KOLM" quantize --help | grep -q "usage: kolm quantize" || fail "--help"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "quantize: all checks passed"
