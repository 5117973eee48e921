#!/bin/sh
# kolm's native MLX export writes what mlx_lm.convert writes.  For
# stories260K (F32, FFN 172: its down_proj cannot be grouped and stays
# F32, as mlx-lm leaves it) and the synthetic F16 llama of synth_hf.py,
# at 4-bit and 8-bit with group 64 and 4-bit with group 32:
#   1. kolm export --from-dir DIR --quant mlx-Nbit [--group-size G] and the
#      real mlx_lm.convert --hf-path DIR -q --q-bits N --q-group-size G
#      (mlx-lm and mlx-cpu from PyPI, the reference venv) have the same
#      tensors - names, dtypes, shapes, bytes - and the same config.json and
#      model.safetensors.index.json bytes (mlx_compare.py; the safetensors
#      files themselves differ only in where each tensor's bytes sit: mlx
#      lays them out in its C++ hash map's order, kolm in mlx-lm's
#      parameter order, and kolm's __metadata__ adds the stamp);
#   2. mlx_lm.generate greedy (--temp 0, its default) on kolm's directory
#      prints the same text, with as many tokens, as on mlx-lm's;
#   3. from a .kolm (kolm pack of the synthetic checkpoint), kolm export
#      X.kolm writes the same tensors as mlx_lm.convert, with the
#      artifact's manifest hash in kolm.json and in the metadata.
# What mlx computes here is mlx's CPU quantizer (mlx-cpu on Linux); Apple's
# Metal kernel implements the same formula in float32 but is not run here.
. "$(dirname "$0")/llama.inc"
H=$T/syn
synth_hf "$H"
ST=$S/models/stories260K-hf
CMP=$I/mlx_compare.py
: >"$T/ref.cmds"
for m in stories syn; do
	case $m in stories) d=$ST ;; syn) d=$H ;; esac
	for c in 4:64 8:64 4:32; do
		b=${c%%:*} g=${c#*:}
		"$K" export --from-dir "$d" --quant "mlx-${b}bit" --group-size "$g" --device m3-pro -o "$T/k-$m-$b-$g" \
			>"$T/exp.log" 2>&1 || fail "kolm export --from-dir $m mlx-${b}bit g$g: $(cat "$T/exp.log")"
		set -- "$T/k-$m-$b-$g"/*-mlx-"${b}bit"
		[ -d "$1" ] || fail "kolm export $m mlx-${b}bit: no directory in $T/k-$m-$b-$g"
		ln -s "$1" "$T/kd-$m-$b-$g"
		echo "mlx_lm.convert --hf-path $d --mlx-path $T/ml-$m-$b-$g -q --q-bits $b --q-group-size $g" >>"$T/ref.cmds"
		for w in kd ml; do
			echo "mlx_lm.generate --model $T/$w-$m-$b-$g --prompt 'Once upon a time' --max-tokens 24 --ignore-chat-template > $T/gen-$w-$m-$b-$g.txt" >>"$T/ref.cmds"
		done
	done
done
# the .kolm route
printf '{"id": "p0", "prompt": "Once upon a time", "expected": ", pixels", "match": "prefix"}\n' >"$T/evalpack.jsonl"
"$K" pack "$H" --evalpack "$T/evalpack.jsonl" -o "$T/a.kolm" -t 2 >"$T/pack.log" 2>&1 || fail "kolm pack: $(cat "$T/pack.log")"
"$K" export "$T/a.kolm" --quant mlx-4bit --device m3-pro -o "$T/ka" >"$T/exp.log" 2>&1 ||
	fail "kolm export X.kolm mlx-4bit: $(cat "$T/exp.log")"
"$PY" "$I/mlx_ref.py" <"$T/ref.cmds" >"$T/ref.log" 2>&1 || fail "mlx-lm: $(tail -3 "$T/ref.log")"

# text TXT: the generated text (between mlx_lm.generate's ===== rules) and
# its token count
text() {
	awk '/^==========$/ { n++; next } n == 1' "$1"
}
count() {
	sed -n 's/^Generation: \([0-9]*\) tokens.*/\1/p' "$1"
}
for m in stories syn; do
	for c in 4:64 8:64 4:32; do
		b=${c%%:*} g=${c#*:}
		"$PY" "$CMP" "$T/kd-$m-$b-$g" "$T/ml-$m-$b-$g" >"$T/cmp.log" 2>&1 ||
			fail "$m mlx-${b}bit g$g: kolm's export differs from mlx_lm.convert's: $(head -4 "$T/cmp.log" | tr '\n' ' ')"
		summary=$(tail -1 "$T/cmp.log")
		kt=$(text "$T/gen-kd-$m-$b-$g.txt") mt=$(text "$T/gen-ml-$m-$b-$g.txt")
		kn=$(count "$T/gen-kd-$m-$b-$g.txt") mn=$(count "$T/gen-ml-$m-$b-$g.txt")
		[ -n "$mt" ] && [ -n "$mn" ] || fail "$m mlx-${b}bit g$g: mlx_lm.generate printed no text on mlx-lm's directory"
		[ "$kt" = "$mt" ] && [ "$kn" = "$mn" ] ||
			fail "$m mlx-${b}bit g$g: mlx_lm.generate on kolm's directory says '$kt' ($kn tokens), on mlx-lm's '$mt' ($mn)"
		echo "ok $m mlx-${b}bit group $g: $summary as mlx_lm.convert's, config.json and index identical; mlx_lm.generate greedy text equal ($mn tokens: '$(echo "$mt" | head -c 40)')"
		[ "$g" = 64 ] || continue
		# the size forecast: tensor bytes (also from config.json alone) are
		# mlx-lm's index total_size, the directory's bytes kolm's export's
		case $m in stories) d=$ST ;; syn) d=$H ;; esac
		"$K" plan --model "$d" --quant "mlx-${b}bit" --device m3-pro --json >"$T/plan.json" || fail "kolm plan --model $m mlx-${b}bit"
		"$K" plan --config "$d/config.json" --quant "mlx-${b}bit" --device m3-pro --json >"$T/planc.json" || fail "kolm plan --config $m"
		pb=$(sed -n 's/^    "bytes": \([0-9]*\),/\1/p' "$T/plan.json" | head -1)
		pt=$(sed -n 's/^    "tensor_bytes": \([0-9]*\),/\1/p' "$T/plan.json")
		pc=$(sed -n 's/^    "tensor_bytes": \([0-9]*\),/\1/p' "$T/planc.json")
		mlt=$(sed -n 's/^ *"total_size": \([0-9]*\),/\1/p' "$T/ml-$m-$b-$g/model.safetensors.index.json")
		kb=$(find "$T/kd-$m-$b-$g/" -type f -exec cat {} + | wc -c | tr -d ' ')
		[ "$pt" = "$mlt" ] && [ "$pc" = "$mlt" ] ||
			fail "$m mlx-${b}bit: kolm plan forecasts $pt tensor bytes (--config: $pc), mlx-lm's index says $mlt"
		[ "$pb" = "$kb" ] || fail "$m mlx-${b}bit: kolm plan forecasts a $pb-byte directory, kolm export wrote $kb"
		echo "ok $m mlx-${b}bit size: kolm plan's $pt tensor bytes (from config.json alone too) = mlx-lm's total_size; directory $pb bytes exactly"
	done
done
set -- "$T/ka"/*-mlx-4bit
"$PY" "$CMP" "$1" "$T/ml-syn-4-64" >"$T/cmp.log" 2>&1 ||
	fail "X.kolm mlx-4bit: kolm's export differs from mlx_lm.convert's: $(head -4 "$T/cmp.log" | tr '\n' ' ')"
msha=$(tar -xOf "$T/a.kolm" kolm.json | "$PY" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
grep -q "\"manifest_sha256\": \"$msha\"" "$1/kolm.json" || fail "X.kolm mlx-4bit: kolm.json does not carry the artifact's manifest hash $msha"
"$PY" -c 'import sys; from safetensors import safe_open; m = safe_open(sys.argv[1], "numpy").metadata(); sys.exit(m.get("kolm.manifest_sha256") != sys.argv[2])' \
	"$1/model.safetensors" "$msha" || fail "X.kolm mlx-4bit: the safetensors metadata lacks the manifest hash"
# the export's own K (kolm's engine on its weights) against mlx-lm's greedy
# text on the same directory for the eval pack's one item
kk=$(sed -n 's/^  "export_k_score": \([0-9.]*\),*/\1/p' "$1/kolm.json")
pass=0
text "$T/gen-kd-syn-4-64.txt" | head -c 8 | grep -q '^, pixels' && pass=1
[ -n "$kk" ] && awk -v a="$kk" -v b="$pass" 'BEGIN { exit !(a + 0 == b + 0) }' ||
	fail "X.kolm mlx-4bit: kolm.json's export_k_score '$kk', but mlx_lm.generate's greedy text passes $pass of 1 eval-pack items"
"$K" verify "$T/a.kolm" "$1" >"$T/verify.log" 2>&1 || fail "kolm verify X.kolm on its MLX export: $(cat "$T/verify.log")"
echo "ok X.kolm -> mlx-4bit: $(tail -1 "$T/cmp.log") as mlx_lm.convert's; the manifest hash in kolm.json and the metadata; export K $kk = mlx-lm's greedy text passes $pass of 1; kolm verify passes"
