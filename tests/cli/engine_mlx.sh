#!/bin/sh
# kolm's engine on MLX directories (engine/engine_mlx.c) without mlx
# installed: kolm eval --perplexity on kolm's own mlx-4bit and mlx-8bit
# exports of stories260K (tensor-identical to mlx_lm.convert's,
# tests/interop/mlx.sh) is within 0.5% of the perplexity mlx-lm 0.32.2's own
# forward pass gives on the same directories (tests/interop/mlx_ppl.py,
# mlx-cpu, run here 2026-12-06: 93436.8683 and 79453.4469; make interop
# compares live, tests/interop/mlx_engine.sh); kolm run and kolm bench run
# on the directory; a directory whose packed rows do not match its stated
# bits is refused with one line and exit 3.
. "$(dirname "$0")/common.inc"
TXT=$here/tests/interop/arch-text.txt
for c in 4:93436.8683 8:79453.4469; do
	b=${c%%:*} ref=${c#*:}
	"$K" export --from-dir "$S/models/stories260K-hf" --quant "mlx-${b}bit" --device m3-pro -o "$T/e$b" >/dev/null 2>&1 ||
		fail "export mlx-${b}bit"
	D=$T/e$b/stories260K-hf-mlx-${b}bit
	"$K" eval "$D" --perplexity "$TXT" -c 128 --json >"$T/p.json" || fail "eval --perplexity on mlx-${b}bit"
	p=$(sed -n 's/^  "perplexity": \([0-9.]*\),/\1/p' "$T/p.json")
	awk -v p="$p" -v r="$ref" 'BEGIN { d = p / r - 1; exit !(d < 0.005 && d > -0.005) }' ||
		fail "mlx-${b}bit: kolm's perplexity '$p' is not within 0.5% of mlx-lm's $ref"
	echo "mlx-${b}bit: perplexity $p, mlx-lm $ref"
done
"$K" run "$D" -p "Once upon a time" -n 8 --temp 0 >"$T/run.txt" || fail "run on an MLX directory"
[ -s "$T/run.txt" ] || fail "run printed nothing"
"$K" bench "$D" -p 16 -n 8 -r 1 >"$T/b.txt" || fail "bench on an MLX directory"
grep -q '^tg8' "$T/b.txt" || fail "bench output: $(cat "$T/b.txt")"
# 8-bit rows declared as 6-bit: the shapes no longer agree
cp -r "$D" "$T/bad"
sed 's/"bits": 8/"bits": 6/' "$D/config.json" >"$T/bad/config.json"
rc=0; "$K" eval "$T/bad" --perplexity "$TXT" -c 128 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || fail "bits that do not match the packed rows: exit $rc"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q '^kolm: .*does not match its scales at 6 bits' "$T/err" ||
	fail "message: $(cat "$T/err")"
echo ok
