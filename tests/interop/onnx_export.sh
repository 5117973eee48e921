#!/bin/sh
# kolm export X.kolm --quant onnx-* with the real ONNX Runtime GenAI model
# builder (onnxruntime-genai 0.18.0, requirements-ref.txt), and kolm verify's
# binding of the directory by its receipt.  The checkpoint is
# tests/fixtures' aidreams260K-hf (a real tiny llama: 64 wide, 4 layers;
# the builder takes it as it is).  For onnx-fp16 and onnx-int4:
#   1. kolm export runs the builder on the .kolm's own checkpoint (unpacked
#      into a private directory, gone afterwards) with the line kolm plan
#      prints, signed with the artifact's key;
#   2. kolm verify --pubkey --require-signature binds the directory;
#   3. onnxruntime-genai's Python API loads it and generates greedily from
#      the golden prompt's token ids (tests/fixtures/models/golden,
#      llama.cpp's): the fp16 export's 16 tokens must be llama.cpp's F32
#      greedy tokens exactly (a real model, the checkpoint's own weights);
#      the int4 one must generate 16 tokens;
#   4. a byte flipped in model.onnx.data, a file added, and the receipt's
#      hash edited to match fail the binding (the last only with --pubkey).
. "$(dirname "$0")/../cli/common.inc"
V=${KOLM_REF_VENV:?run through make interop (scripts/run-interop.sh)}
[ -x "$V/bin/python3" ] || fail "$V/bin/python3 is missing"
"$V/bin/python3" -c 'import onnxruntime_genai' 2>/dev/null ||
	fail "onnxruntime_genai is not in $V (requirements-ref.txt pins onnxruntime-genai==0.18.0)"
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
S=$(cd "$S" && pwd)
G=$S/models/golden
cd "$T"
# the builder is "python3 -m ..." as printed: the reference venv's python3
export PATH="$V/bin:$PATH"
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
printf '{"id": "p0", "prompt": "Once upon a time", "expected": ",", "match": "prefix"}\n' >ev.jsonl
"$K" pack "$S/models/aidreams260K-hf" --evalpack ev.jsonl -o a.kolm -t 1 >/dev/null 2>&1 || fail "pack"
"$K" keygen -o k.key >/dev/null && "$K" sign a.kolm --key k.key >/dev/null || fail "keygen/sign"

cat >gen.py <<'EOF'
import json, sys
import onnxruntime_genai as og
g = next(x for x in map(json.loads, open(sys.argv[2]))
         if x["file"] == "aidreams260K-f32.gguf" and x["prompt_index"] == 0)
m = og.Model(sys.argv[1])
p = og.GeneratorParams(m)
p.set_search_options(do_sample=False, max_length=len(g["prompt_ids"]) + 16)
gen = og.Generator(m, p)
gen.append_tokens(g["prompt_ids"])
out = []
while not gen.is_done():
    gen.generate_next_token()
    out.append(int(gen.get_next_tokens()[0]))
print(" ".join(map(str, out)))
print(" ".join(map(str, g["gen_ids"][:16])))
EOF

for q in onnx-fp16 onnx-int4; do
	"$K" plan --model a.kolm --quant "$q" --device pixel-8 -o out --json >plan.json || fail "$q: plan"
	up=$(sed -n 's/^ *"export_upstream": "\(.*\)",$/\1/p' plan.json)
	line=${up##*\\n}
	case $line in "python3 -m onnxruntime_genai.models.builder -i checkpoint -o out/a-$q "*) ;;
	*) fail "$q: the plan's builder line: $line" ;; esac
	"$K" export a.kolm --quant "$q" --device pixel-8 -o out --sign k.key >log 2>&1 || fail "$q: export: $(tail -5 log)"
	D=out/a-$q
	[ -z "$(ls "$TMPDIR"/kolm-*/ 2>/dev/null)" ] || fail "$q: left in TMPDIR: $(ls "$TMPDIR"/kolm-*/)"
	ran=$(sed -n 's/^    "\(python3 -m onnxruntime_genai[^"]*\)"$/\1/p' "$D.receipt.json")
	ck=$(echo "$ran" | sed 's/.* -i \([^ ]*\) .*/\1/')
	[ "$ran" = "$(printf '%s' "$line" | sed "s|checkpoint|$ck|g")" ] || fail "$q: ran '$ran'; the plan prints '$line'"
	for f in genai_config.json model.onnx model.onnx.data tokenizer.json; do
		grep -q "\"path\": \"$f\"" "$D.receipt.json" || fail "$q: the receipt lacks $f"
	done
	# (exit 1 for onnx-int4: its forecast K loss, scaled up for a 0.26M-parameter
	# model, is over the 3 points allowed; the binding is what this checks)
	# exit 0 with no --max-k-loss: the export's K is not measured (kolm's
	# engine cannot run ONNX), so quality is SKIP with the forecast said
	"$K" verify a.kolm "$D" --pubkey k.key.pub --require-signature >v 2>&1 || fail "$q: verify: $(cat v)"
	grep -q "^OK    export binding  by its signed receipt (key " v || fail "$q: verify does not bind: $(cat v)"
	grep -q "^SKIP  quality  .*export K not measured, .*$q is forecast to lose" v || fail "$q: quality: $(grep quality v)"
	echo "ok $q: export ran the plan's builder line on the .kolm's checkpoint; verify: $(grep 'export binding' v | cut -c23-)"
	python3 gen.py "$D" "$G/completions.jsonl" >gen.out 2>gen.err || fail "$q: onnxruntime-genai cannot run it: $(tail -3 gen.err)"
	got=$(sed -n 1p gen.out) want=$(sed -n 2p gen.out)
	[ "$(echo "$got" | wc -w)" = 16 ] || fail "$q: generated '$got'"
	if [ "$q" = onnx-fp16 ]; then
		[ "$got" = "$want" ] || fail "$q: greedy tokens $got; llama.cpp's F32: $want"
		echo "ok $q: onnxruntime-genai's greedy 16 tokens are llama.cpp's F32 ones ($got)"
	else
		echo "ok $q: onnxruntime-genai generates 16 tokens ($got; llama.cpp F32: $want)"
	fi
	# tampering
	cp -R "$D" t && cp "$D.receipt.json" t.receipt.json
	printf '\001' | dd of=t/model.onnx.data bs=1 seek=100 conv=notrunc 2>/dev/null
	"$K" verify a.kolm t --pubkey k.key.pub >v 2>&1 && fail "$q: a flipped byte binds"
	grep -q "FAIL  export binding  t/model.onnx.data is " v || fail "$q: flipped byte: $(grep binding v)"
	sha=$(sha256sum t/model.onnx.data | cut -c1-64)
	python3 -c "import json,sys; r=json.load(open('t.receipt.json'))
for f in r['files']:
    if f['path'] == 'model.onnx.data': f['sha256'] = sys.argv[1]
json.dump(r, open('t.receipt.json', 'w'), indent=2)" "$sha"
	"$K" verify a.kolm t >v 2>&1 || fail "$q: the edited receipt without --pubkey: $(cat v)"
	grep -q "^OK    export binding  by its signed receipt (onnx" v || fail "$q: the edited receipt's hashes: $(grep binding v)"
	"$K" verify a.kolm t --pubkey k.key.pub >v 2>&1 && fail "$q: an edited receipt binds with --pubkey"
	grep -q "the receipt was changed after it was signed" v || fail "$q: edited receipt: $(grep binding v)"
	rm -rf t t.receipt.json && cp -R "$D" t && cp "$D.receipt.json" t.receipt.json && echo x >t/extra.txt
	"$K" verify a.kolm t --pubkey k.key.pub >v 2>&1 && fail "$q: an added file binds"
	grep -q "t/extra.txt is not in its receipt" v || fail "$q: added file: $(grep binding v)"
	rm -rf t t.receipt.json
	echo "ok $q: a flipped byte, an edited receipt (with --pubkey) and an added file fail the binding"
done
