#!/bin/sh
# kolm's engine on MLX directories (engine/engine_mlx.c) without mlx
# installed: kolm eval --perplexity on kolm's own mlx-4bit and mlx-8bit
# exports of stories260K at group 64 and mlx-4bit at group 32 (two groups a
# row: the per-row scale stride; tensor-identical to mlx_lm.convert's,
# tests/interop/mlx.sh) is within 0.5% of the perplexity mlx-lm 0.32.2's own
# forward pass gives on the same directories (tests/interop/mlx_ppl.py,
# mlx-cpu, run here 2026-12-06: 93436.8683, 79453.4469 and 67338.6889; make
# interop compares live, tests/interop/mlx_engine.sh), both as a prompt
# batch (rows dequantized, F32 dots) and with -b 1, one token a call
# through the affine decode kernels (quant/affine_dot.c); kolm run and kolm
# bench run on the directory and bench records it as mlx-Nbit; a directory
# whose packed rows do not match its stated bits is refused with one line
# and exit 3.
. "$(dirname "$0")/common.inc"
TXT=$here/tests/interop/arch-text.txt
for c in 4:64:93436.8683 8:64:79453.4469 4:32:67338.6889; do
	b=${c%%:*} ref=${c##*:} g=${c#*:}
	g=${g%%:*}
	"$K" export --from-dir "$S/models/stories260K-hf" --quant "mlx-${b}bit" --group-size "$g" --device m3-pro -o "$T/e$b-$g" >/dev/null 2>&1 ||
		fail "export mlx-${b}bit g$g"
	D=$T/e$b-$g/stories260K-hf-mlx-${b}bit
	for bo in "" "-b 1"; do
		# shellcheck disable=SC2086
		"$K" eval "$D" --perplexity "$TXT" -c 128 $bo --json >"$T/p.json" || fail "eval --perplexity $bo on mlx-${b}bit g$g"
		p=$(sed -n 's/^  "perplexity": \([0-9.]*\),/\1/p' "$T/p.json")
		awk -v p="$p" -v r="$ref" 'BEGIN { d = p / r - 1; exit !(d < 0.005 && d > -0.005) }' ||
			fail "mlx-${b}bit g$g ${bo:-batch}: kolm's perplexity '$p' is not within 0.5% of mlx-lm's $ref"
		echo "mlx-${b}bit g$g ${bo:-batch}: perplexity $p, mlx-lm $ref"
	done
	[ "$g" = 64 ] && [ "$b" = 8 ] && D8=$D
done
D=$D8
"$K" run "$D" -p "Once upon a time" -n 8 --temp 0 >"$T/run.txt" || fail "run on an MLX directory"
[ -s "$T/run.txt" ] || fail "run printed nothing"
"$K" bench "$D" -p 16 -n 8 -r 1 >"$T/b.txt" || fail "bench on an MLX directory"
grep -q '^tg8' "$T/b.txt" || fail "bench output: $(cat "$T/b.txt")"
"$K" bench "$D" -p 16 -n 8 -r 1 --json >"$T/b.json" || fail "bench --json on an MLX directory"
grep -q '"format": "mlx-8bit"' "$T/b.json" || fail "bench records the MLX directory as: $(grep format "$T/b.json")"
# 8-bit rows declared as 6-bit: the shapes no longer agree
cp -r "$D" "$T/bad"
sed 's/"bits": 8/"bits": 6/' "$D/config.json" >"$T/bad/config.json"
rc=0; "$K" eval "$T/bad" --perplexity "$TXT" -c 128 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || fail "bits that do not match the packed rows: exit $rc"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q '^kolm: .*does not match its scales at 6 bits' "$T/err" ||
	fail "message: $(cat "$T/err")"
# bits that do not fit an int (2^32 + 8 once read as 8) and a mode other than affine: refused
for edit in 's/"bits": 8/"bits": 4294967304/' 's/"mode": "affine"/"mode": "mxfp4"/'; do
	sed "$edit" "$D/config.json" >"$T/bad/config.json"
	rc=0; "$K" eval "$T/bad" --perplexity "$TXT" -c 128 >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" = 3 ] && [ "$(wc -l <"$T/err")" = 1 ] || fail "config edited ($edit): exit $rc: $(cat "$T/err")"
done
grep -q "mode 'mxfp4'" "$T/err" || fail "the mode is not named: $(cat "$T/err")"
echo ok
