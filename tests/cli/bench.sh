#!/bin/sh
# kolm bench: the measurement beside the forecast for the same file, device
# and runtime; --record feeds the user's measurements file, which the next
# forecast for that device and runtime is fitted on; artifacts are
# benchmarked through a temporary export; llama-bench missing is exit 4.
. "$(dirname "$0")/common.inc"
M="$S/models/gguf/stories260K-q8_0.gguf"
"$K" bench "$M" -p 16 -n 8 -r 1 --json >"$T/b.json" || fail "bench --json"
for k in '"tg_tps"' '"pp_tps"' '"forecast"' '"measured_vs_forecast"' '"decode_pct"' '"runtime": "kolm-cpu"'; do
	grep -q "$k" "$T/b.json" || fail "bench --json lacks $k"
done
rc=0; "$K" bench "$M" -p 16 -n 8 -r 1 --record 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--record without --device: exit $rc"
grep -q '^kolm: bench: --record needs --device' "$T/err" || fail "--record message"
# no measurement of laptop-x86 on kolm-cpu yet: a class fit
XDG_DATA_HOME="$T/xdg" "$K" plan --model "$M" --device laptop-x86 --runtime kolm-cpu --json >"$T/p0.json"
grep -q '"rows": 0' "$T/p0.json" && fail "expected class rows before recording"
XDG_DATA_HOME="$T/xdg" "$K" bench "$M" -p 16 -n 8 -r 1 --device laptop-x86 --record >/dev/null || fail "bench --record"
row=$(sed -n 2p "$T/xdg/kolm/measurements.tsv")
echo "$row" | grep -q "^laptop-x86	kolm-cpu	" || fail "recorded row: $row"
XDG_DATA_HOME="$T/xdg" "$K" plan --model "$M" --device laptop-x86 --runtime kolm-cpu --json >"$T/p1.json"
grep -q 'your own measurement of laptop-x86 on kolm-cpu' "$T/p1.json" || fail "plan does not use the recorded row: $(grep basis "$T/p1.json" | head -2)"
# an artifact: exported to a temporary GGUF, benchmarked, removed
"$K" pack "$S/models/stories260K-hf" --evalpack "$here/tests/data/evalpack-stories.jsonl" -o "$T/s.kolm" --no-measure >/dev/null
TMPDIR="$T/tmp" && mkdir -p "$TMPDIR" && export TMPDIR
"$K" bench "$T/s.kolm" --quant f16 -p 8 -n 4 -r 1 >"$T/ab" || fail "bench X.kolm"
grep -q '^tg4' "$T/ab" || fail "bench X.kolm output"
[ -z "$(ls "$TMPDIR")" ] || fail "temporary export left behind: $(ls "$TMPDIR")"
# an Android phone's bench step, as kolm plan prints it: llama-bench of
# llama.cpp's Android build over adb shell into llama-bench.json (a real
# llama-bench output stands in for the phone's), then the printed kolm line
"$K" plan --base llama-3.2-1b --quant q4_k_m --device pixel-8 --runtime llama.cpp-cpu --json >"$T/ph.json"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commands"]["bench"])' "$T/ph.json" >"$T/ph.bench"
grep -q '^adb shell "cd /data/local/tmp/llama.cpp && LD_LIBRARY_PATH=lib ./bin/llama-bench -m /data/local/tmp/llama-3.2-1b-q4_k_m.gguf -p 512 -n 128 -o json" > llama-bench.json$' "$T/ph.bench" ||
	fail "pixel-8 bench step: $(cat "$T/ph.bench")"
line=$(sed -n 2p "$T/ph.bench")
mkdir -p "$T/ph" && cp "$S/models/golden/llama-bench/bench-stories260K-q8_0.json" "$T/ph/llama-bench.json"
mkdir -p "$T/bin" && ln -sf "$(realpath "$K")" "$T/bin/kolm"
(cd "$T/ph" && PATH="$T/bin:$PATH" sh -c "$line") >"$T/ph.out" 2>&1 ||
	fail "the printed line '$line' failed: $(cat "$T/ph.out")"
grep -q '^tg32 .* 8136.37 +- ' "$T/ph.out" || fail "printed bench line output: $(cat "$T/ph.out")"
# llama-bench is not installed here: exit 4, one line
rc=0; PATH=/usr/bin:/bin "$K" bench "$M" --via llama-bench 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 4 ] || fail "--via llama-bench missing: exit $rc"
[ "$(wc -l <"$T/err")" = 1 ] || fail "llama-bench message: $(cat "$T/err")"
echo ok
