#!/bin/sh
# kolm export X.kolm --quant coreml-int8 and coreml-int4 run the two lines
# kolm plan prints for them, and kolm verify binds the .mlpackage bundle by its receipt.
# Line 2 is the real coremltools 9.0 (coremltools.optimize's linear
# quantization of the fp16 package, kolm's own script).  Line 1, "python3 -m
# exporters.coreml", is huggingface/exporters, which is git-only and cannot
# be installed here: tests/interop/exporters_shim stands in for it with the
# same arguments, converting with the real coremltools the part of the
# checkpoint that converts on Linux (embedding, final norm, LM head: a real
# .mlpackage with the checkpoint's weights; the whole transformer does not
# convert here, see the shim), at the target exporters converts to (none
# given: coremltools' iOS15).  Checked: the bundle's files
# (Manifest.json, Data/com.apple.CoreML/model.mlmodel, weights/weight.bin)
# are listed and signed, the quantized package's weights are smaller than
# the fp16 one's and hold int8 per-channel (iOS16) or int4 per-block (iOS18,
# re-targeted by the script) constants, verify --pubkey --require-signature
# binds it, and a flipped weight byte or a symlink swapped in for
# Manifest.json fails the binding.
. "$(dirname "$0")/../cli/common.inc"
V=${KOLM_REF_VENV:?run through make interop (scripts/run-interop.sh)}
"$V/bin/python3" -c 'import coremltools' 2>/dev/null || fail "coremltools is not in $V"
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
S=$(cd "$S" && pwd)
export PATH="$V/bin:$PATH" PYTHONPATH="$here/tests/interop/exporters_shim" TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
cd "$T"
printf '{"id": "p0", "prompt": "Once upon a time", "expected": ",", "match": "prefix"}\n' >ev.jsonl
"$K" pack "$S/models/aidreams260K-hf" --evalpack ev.jsonl -o a.kolm -t 1 >/dev/null 2>&1 || fail "pack"
"$K" keygen -o k.key >/dev/null && "$K" sign a.kolm --key k.key >/dev/null || fail "keygen/sign"
# exit 0 from verify with no --max-k-loss: the export's K is not measured
# (kolm's engine cannot run Core ML), so quality is SKIP, never a FAIL
for q in coreml-int8 coreml-int4; do
	"$K" plan --model a.kolm --quant $q --device iphone-15-pro -o out --json >plan.json || fail "$q: plan"
	grep -q "\"verify\": \"kolm verify a.kolm out/a-$q.mlpackage\"," plan.json || fail "$q: verify line: $(grep '"verify"' plan.json)"
	rm -rf out/a-coreml-fp16
	"$K" export a.kolm --quant $q --device iphone-15-pro -o out --sign k.key >log 2>&1 || fail "$q: export: $(tail -5 log)"
	P=out/a-$q.mlpackage
	[ -z "$(ls "$TMPDIR"/kolm-*/ 2>/dev/null)" ] || fail "$q: left in TMPDIR: $(ls "$TMPDIR"/kolm-*/)"
	for f in Manifest.json Data/com.apple.CoreML/model.mlmodel Data/com.apple.CoreML/weights/weight.bin; do
		grep -q "\"path\": \"$f\"" "$P.receipt.json" || fail "$q: the receipt lacks $f"
	done
	grep -q '"python3 -c ' "$P.receipt.json" || fail "$q: the receipt does not record the coremltools line"
	wq=$(wc -c <"$P/Data/com.apple.CoreML/weights/weight.bin") w16=$(wc -c <out/a-coreml-fp16/Model.mlpackage/Data/com.apple.CoreML/weights/weight.bin)
	[ "$wq" -lt "$w16" ] || fail "$q: weights $wq bytes, fp16 $w16"
	# int8: per-channel linear (iOS16's constexpr_affine_dequantize, valid
	# on exporters' default target); int4: per-block, an iOS18 op, so the
	# script re-targets the iOS15 program to iOS18 first (coremltools
	# refuses per_block below iOS18)
	case $q in coreml-int8) op=constexpr_affine_dequantize spec=7 ;; coreml-int4) op=constexpr_blockwise_shift_scale spec=9 ;; esac
	python3 -c "import sys, coremltools as ct
s = ct.utils.load_spec(sys.argv[1])
ops = {o.type for f in s.mlProgram.functions.values() for b in f.block_specializations.values() for o in b.operations}
sys.exit(0 if sys.argv[2] in ops and s.specificationVersion >= int(sys.argv[3]) else 1)" "$P" $op $spec 2>/dev/null ||
		fail "$q: the package has no $op op at spec >= $spec"
	"$K" verify a.kolm "$P" --pubkey k.key.pub --require-signature >v 2>&1 || fail "$q: verify: $(cat v)"
	grep -q "^OK    export binding  by its signed receipt (key " v || fail "$q: verify does not bind: $(cat v)"
	grep -q "^SKIP  quality .*export K not measured" v || fail "$q: quality: $(grep quality v)"
	echo "ok $q: a real .mlpackage ($wq bytes of weights with $op, fp16 $w16) bound: $(grep 'export binding' v | cut -c23-)"
done
P=out/a-coreml-int8.mlpackage
cp -R "$P" t.mlpackage && cp "$P.receipt.json" t.mlpackage.receipt.json
printf '\001' | dd of=t.mlpackage/Data/com.apple.CoreML/weights/weight.bin bs=1 seek=200 conv=notrunc 2>/dev/null
"$K" verify a.kolm t.mlpackage --pubkey k.key.pub >v 2>&1 && fail "a flipped weight byte binds"
grep -q "FAIL  export binding  t.mlpackage/Data/com.apple.CoreML/weights/weight.bin is " v || fail "flipped byte: $(grep binding v)"
rm -rf t.mlpackage && cp -R "$P" t.mlpackage && mv t.mlpackage/Manifest.json real.json && ln -s ../real.json t.mlpackage/Manifest.json
"$K" verify a.kolm t.mlpackage >v 2>&1 && fail "a symlinked Manifest.json binds"
grep -q "Manifest.json is a symbolic link" v || fail "symlink: $(grep binding v)"
echo "ok coreml-int8: a flipped weight byte and a symlinked Manifest.json fail the binding"
