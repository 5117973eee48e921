#!/bin/sh
# kolm quantize against the real llama-quantize, live: every file type that
# llama-quantize --help lists is either
#   - compared: both tools quantize the same input with 2 threads and no
#     importance matrix, and the files must be byte-identical;
#   - excluded because llama-quantize --dry-run says it "will require an
#     imatrix" for this input: kolm must refuse it too (exit 2, no file);
#   - or not produced by kolm (not in kolm quantize --help): kolm must refuse
#     it with exit 2 and write nothing.
# Every type kolm quantize --help lists must be compared.  Inputs: the
# seeded synthetic model tests/fixtures/models/kquant/synth-f32.gguf (4
# layers, GQA 2, untied output), then llama.cpp's own F32 and F16
# conversions (convert_hf_to_gguf.py) of tests/interop/synth_hf.py's
# checkpoint (12 layers, GQA 4, tied embeddings: other branches of the
# k-quant mix rules, and converter metadata kolm must carry over in order).
. "$(dirname "$0")/llama.inc"
IN=$S/models/kquant/synth-f32.gguf
[ -f "$IN" ] || fail "$IN is missing (make tests regenerates it)"

# the file types each tool offers
"$LB/llama-quantize" --help >"$T/llhelp" 2>&1 || : # usage() exits 1
awk '/allowed quantization types/ { on = 1; next }
     on && / : / { split($0, a, " : "); n = split(a[1], w, " "); d = a[2]; sub(/^ +/, "", d)
                   print w[n] "\t" d }' "$T/llhelp" >"$T/lltypes"
# kolm lists its types in the help text, from "FTYPE" to "llama_ftype number"
"$K" quantize --help | awk '/^(usage|Quantize)/ { next } /FTYPE/ { on = 1 } on { for (i = 1; i <= NF; i++) { w = $i; sub(/,$/, "", w)
                   if (w ~ /^[A-Z][A-Z0-9_]+$/ && w != "FTYPE") print w } } /llama_ftype number/ { on = 0 }' >"$T/ktypes"
[ "$(wc -l <"$T/lltypes")" -ge 30 ] || fail "llama-quantize --help: read only $(wc -l <"$T/lltypes") types"
[ "$(wc -l <"$T/ktypes")" -ge 19 ] || fail "kolm quantize --help: read only $(wc -l <"$T/ktypes") types"
while read -r t; do
	grep -q "^$t	" "$T/lltypes" || fail "kolm quantize offers $t, which llama-quantize does not list"
done <"$T/ktypes"

# same IN TYPE LABEL: both tools, byte-identical or FAIL naming the tensors
same() {
	rm -f "$T/ll.gguf" "$T/k.gguf"
	llq "$1" "$T/ll.gguf" "$2"
	"$K" quantize -q -t 2 "$1" "$T/k.gguf" "$2" 2>"$T/kerr" </dev/null || fail "$2 ($3): kolm quantize exit $?: $(cat "$T/kerr")"
	if ! cmp -s "$T/ll.gguf" "$T/k.gguf"; then
		tensors "$T/ll.gguf" >"$T/ll.tsv"
		tensors "$T/k.gguf" >"$T/k.tsv"
		fail "$2 ($3): not byte-identical to llama-quantize ($(wc -c <"$T/ll.gguf") vs $(wc -c <"$T/k.gguf") bytes, first difference at byte $(cmp "$T/ll.gguf" "$T/k.gguf" | awk '{sub(/,$/, "", $5); print $5}'); tensors that differ: $(diff "$T/ll.tsv" "$T/k.tsv" | awk '/^[<>]/ {print $2 "(" $3 ")"}' | sort -u | head -6 | tr '\n' ' ')"
	fi
	echo "ok $2 $(wc -c <"$T/k.gguf" | tr -d ' ') byte-identical ($3)"
}

# refuse IN TYPE: kolm exits 2 and writes nothing
refuse() {
	rm -f "$T/k.gguf"
	rc=0
	"$K" quantize -q -t 2 "$1" "$T/k.gguf" "$2" 2>"$T/kerr" </dev/null || rc=$?
	[ "$rc" = 2 ] || fail "$2: kolm quantize exit $rc, want 2 (refused)"
	[ ! -e "$T/k.gguf" ] || fail "$2: kolm quantize left a file behind"
}

n=0
while IFS='	' read -r t desc; do
	[ "$t" = COPY ] && { echo "  not compared COPY: llama-quantize's copy-only mode, not a file type"; continue; }
	case $desc in
	"alias for "*)
		a=${desc#alias for }
		grep -qx "$a" "$T/ktypes" || fail "$t is an alias of $a, which kolm does not offer"
		same "$IN" "$t" "alias of $a, synth-f32.gguf"
		continue
		;;
	esac
	"$LB/llama-quantize" --dry-run "$IN" "$t" >"$T/dry" 2>&1 || fail "llama-quantize --dry-run $t: $(tail -2 "$T/dry")"
	if grep -q "will require an imatrix" "$T/dry"; then
		refuse "$IN" "$t"
		echo "  excluded $t: llama-quantize --dry-run says it will require an imatrix (this test uses none); kolm refuses it too: $(cat "$T/kerr")"
	elif grep -qx "$t" "$T/ktypes"; then
		same "$IN" "$t" "synth-f32.gguf"
		n=$((n + 1))
	else
		refuse "$IN" "$t"
		echo "  not compared $t: kolm has no quantizer for it (exit 2: $(cat "$T/kerr"))"
	fi
done <"$T/lltypes"
[ "$n" = "$(wc -l <"$T/ktypes" | tr -d ' ')" ] || fail "compared $n types, kolm offers $(wc -l <"$T/ktypes")"

# llama.cpp's own conversions of a second shape
synth_hf "$T/aidreams256"
for ot in f32 f16; do
	convert "$T/aidreams256" "$T/conv-$ot.gguf" "$ot"
	m=0
	while read -r t; do
		"$LB/llama-quantize" --dry-run "$T/conv-$ot.gguf" "$t" >"$T/dry" 2>&1 || fail "--dry-run $t: $(tail -2 "$T/dry")"
		if grep -q "will require an imatrix" "$T/dry"; then
			refuse "$T/conv-$ot.gguf" "$t"
			echo "  excluded $t (aidreams256 $ot): needs an imatrix; kolm refuses it too"
			continue
		fi
		same "$T/conv-$ot.gguf" "$t" "aidreams256 $(echo "$ot" | tr a-z A-Z) by convert_hf_to_gguf.py"
		m=$((m + 1))
	done <"$T/ktypes"
	[ "$m" = "$n" ] || fail "aidreams256 $ot: compared $m types, want $n"
done

# kolm plan --model X.gguf --quant Q prints the re-quantization two ways:
# its export step (kolm quantize) and, in --json, commands.export_upstream
# (llama-quantize, the same argument order). Both run verbatim, each in its
# own directory, with the real tools on PATH: the same bytes. F32 in, and a
# quantized file in (--allow-requantize on both lines).
mkdir -p "$T/bin" && ln -sf "$(realpath "$K")" "$T/bin/kolm" && ln -sf "$LB/llama-quantize" "$T/bin/llama-quantize"
llq "$IN" "$T/in-q8.gguf" Q8_0
for pair in "$IN q4_k_m" "$IN q6_k" "$T/in-q8.gguf q4_0"; do
	set -- $pair
	"$K" plan --model "$1" --quant "$2" --device rpi5-8gb --json >"$T/pm.json" || fail "plan --model $1 --quant $2"
	for k in export export_upstream; do
		line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commands"].get(sys.argv[2]) or "")' "$T/pm.json" $k)
		case "$k:$line" in
		export:"kolm quantize "*|export_upstream:"llama-quantize "*) ;;
		*) fail "$2 from $(basename "$1"): commands.$k is '$line'" ;;
		esac
		rm -rf "$T/run-$k" && mkdir "$T/run-$k"
		(cd "$T/run-$k" && PATH="$T/bin:$PATH" sh -c "$line") >"$T/run.log" 2>&1 </dev/null || fail "'$line': $(tail -3 "$T/run.log")"
	done
	a=$(ls "$T/run-export") b=$(ls "$T/run-export_upstream")
	[ "$a" = "$b" ] && cmp -s "$T/run-export/$a" "$T/run-export_upstream/$b" ||
		fail "$2 from $(basename "$1"): the printed kolm quantize and llama-quantize lines wrote different files ($a, $b)"
	echo "ok printed re-quantization of $(basename "$1") to $2: kolm quantize and llama-quantize lines byte-identical ($a)"
done
echo "quantize: $n file types byte-identical to llama-quantize $KOLM_REF_LLAMA_COMMIT on 3 inputs"
