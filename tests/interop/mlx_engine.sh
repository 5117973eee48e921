#!/bin/sh
# kolm's engine reads MLX directories: perplexity of stories260K (F32;
# FFN 172, so its down_proj stays unquantized as mlx-lm leaves it) on
# arch-text.txt in chunks of 128, kolm eval --perplexity against mlx-lm's
# own forward pass (mlx_ppl.py: mlx_lm.load, the same chunks and scoring),
# within 0.5%, as a prompt batch and with -b 1 (one token a call, so the
# affine decode kernels of quant/affine_dot.c run), on three directories that cover 4/6/8 bits and F32/F16/BF16
# scales and biases:
#   - kolm export --from-dir --quant mlx-4bit (group 64, F32 scales;
#     tensor-identical to mlx_lm.convert's, tests/interop/mlx.sh);
#   - mlx_lm.convert -q --q-bits 6 --q-group-size 64 --dtype bfloat16;
#   - mlx_lm.convert -q --q-bits 8 --q-group-size 32 --dtype float16.
# mlx-lm computes a bfloat16/float16 model in that dtype, kolm's engine in
# float32; the check is against mlx with the model's floating-point
# parameters widened to float32 (exact: the weights are the same numbers),
# and mlx's figure in the directory's own dtype is printed beside it.
# mlx_lm.convert saves the tokenizer as the fast tokenizer's tokenizer.json
# (a Metaspace BPE), which kolm's tokenizer reader does not take: its
# directories get the source's tokenizer.model copied in (the weights are
# what is compared; both sides then split the text into the same 1,432
# tokens, which is checked).
. "$(dirname "$0")/llama.inc"
ST=$S/models/stories260K-hf
TXT=$I/arch-text.txt
"$K" export --from-dir "$ST" --quant mlx-4bit --device m3-pro -o "$T/k" >"$T/exp.log" 2>&1 ||
	fail "kolm export --from-dir stories260K mlx-4bit: $(cat "$T/exp.log")"
set -- "$T/k"/*-mlx-4bit
ln -s "$1" "$T/kolm-4bit-g64"
cat >"$T/ref.cmds" <<EOC
mlx_lm.convert --hf-path $ST --mlx-path $T/mlx-6bit-g64-bf16 -q --q-bits 6 --q-group-size 64 --dtype bfloat16
mlx_lm.convert --hf-path $ST --mlx-path $T/mlx-8bit-g32-f16 -q --q-bits 8 --q-group-size 32 --dtype float16
EOC
"$PY" "$I/mlx_ref.py" <"$T/ref.cmds" >"$T/ref.log" 2>&1 || fail "mlx_lm.convert: $(tail -3 "$T/ref.log")"
DIRS="$T/kolm-4bit-g64 $T/mlx-6bit-g64-bf16 $T/mlx-8bit-g32-f16"
for d in $DIRS; do
	[ -f "$d/tokenizer.model" ] || cp "$ST/tokenizer.model" "$d/"
done
# shellcheck disable=SC2086
"$PY" "$I/mlx_ppl.py" "$TXT" 128 $DIRS >"$T/ppl.jsonl" 2>"$T/ppl.log" || fail "mlx_ppl.py: $(tail -3 "$T/ppl.log")"
for d in $DIRS; do
	n=$(basename "$d")
	# as a prompt batch, and with -b 1: one token a call, the affine decode kernels
	for bo in "" "-b 1"; do
	# shellcheck disable=SC2086
	"$K" eval "$d" --perplexity "$TXT" -c 128 $bo --json >"$T/k.json" 2>"$T/k.err" || fail "kolm eval $bo $n: $(cat "$T/k.err")"
	"$PY" - "$T/k.json" "$T/ppl.jsonl" "$d" <<'EOP' >"$T/cmp.txt" 2>&1 || fail "$n ${bo:-batch}: $(cat "$T/cmp.txt")"
import json, sys
k = json.load(open(sys.argv[1]))
m = [json.loads(l) for l in open(sys.argv[2]) if json.loads(l)["dir"] == sys.argv[3]][0]
rel = k["perplexity"] / m["ppl_f32"] - 1
line = "kolm %.4f, mlx-lm %.4f (float32; %.4f in its dtype): %+.3f%%, %d tokens" % (
    k["perplexity"], m["ppl_f32"], m["ppl"], 100 * rel, k["n_tokens"])
if k["n_tokens"] != m["n_tokens"] or k["scored"] != m["scored"]:
    sys.exit("tokens differ: kolm %d (%d scored), mlx-lm %d (%d)" % (k["n_tokens"], k["scored"], m["n_tokens"], m["scored"]))
if abs(rel) > 0.005:
    sys.exit("perplexity beyond 0.5%: " + line)
print(line)
EOP
	echo "ok $n ${bo:-batch}: $(cat "$T/cmp.txt")"
	done
	"$K" run "$d" -p "Once upon a time" -n 16 --temp 0 >"$T/run.txt" 2>&1 || fail "kolm run $n: $(cat "$T/run.txt")"
	echo "ok $n: kolm run greedy (non-ASCII as ?): '$(head -c 40 "$T/run.txt" | LC_ALL=C tr -c ' -~' '?')'"
done
