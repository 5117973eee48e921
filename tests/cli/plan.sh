#!/bin/sh
# CLI behaviour of `kolm plan` and the catalog verbs: exit codes, one-line
# errors, JSON shape, units, matrix views.  $KOLM is the binary under test.
set -eu
K=${KOLM:?}
S=${KOLM_FIXTURES:?}
export S
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >$T/out 2>$T/err; got=$?; set -e
	[ "$got" = "$want" ] || { cat $T/err >&2; fail "exit $got, want $want: $*"; }; }

# the default forecast prints and exits 0
expect_exit 0 "$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb
grep -q 'Q4_K - Medium' $T/out || fail "no format label"
grep -q 'pass' $T/out || fail "no verdict"

# JSON: the acceptance anchor, within 1% of the real 4,920,739,168-byte file
"$K" plan --base llama-3.1-8b --quant q4_k_m --device rtx-4090 --json >$T/8b
b=$(sed -n 's/^    "bytes": \([0-9]*\),$/\1/p' $T/8b | head -1)
[ -n "$b" ] || fail "no size.bytes"
awk -v b="$b" 'BEGIN { e = (b - 4920739168) / 4920739168; if (e < 0) e = -e; exit !(e < 0.01) }' || fail "size $b"

# --config with that model's config.json gives the same answer
cfg=$T/config.json
cat >"$cfg" <<'J'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256, "hidden_size": 4096,
 "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
 "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false,
 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
 "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "torch_dtype": "bfloat16"}
J
"$K" plan --config "$cfg" --quant q4_k_m --device rtx-4090 --json >$T/8bc
b2=$(sed -n 's/^    "bytes": \([0-9]*\),$/\1/p' $T/8bc | head -1)
[ "$b" = "$b2" ] || fail "--config gives $b2, --base gives $b"

# unknown ids: exit 2 with a suggestion
expect_exit 2 "$K" plan --base llama-3.2-3 --quant int4 --device rpi5-8gb
grep -q "did you mean llama-3.2-3b" $T/err || fail "no suggestion for base"
expect_exit 2 "$K" plan --base llama-3.2-3b --quant int4 --device rtx4090
grep -q "rtx-4090" $T/err || fail "no suggestion for device"
expect_exit 2 "$K" plan --base llama-3.2-3b --quant q4_k_n --device rpi5-8gb
[ "$(wc -l <$T/err)" = 1 ] || fail "error is not one line"
grep -q '^kolm: ' $T/err || fail "error lacks kolm: prefix"
expect_exit 2 "$K" plan --base llama-3.2-3b --quant int4
expect_exit 2 "$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb --mem-gb abc
expect_exit 2 "$K" plan --bogus
expect_exit 2 "$K" plna

# a bad config file: exit 3
echo '{"model_type": "llama", "hidden_size": ' >"$cfg"
expect_exit 3 "$K" plan --config "$cfg" --quant int4 --device rpi5-8gb
echo '{"model_type": "rwkv"}' >"$cfg"
expect_exit 3 "$K" plan --config "$cfg" --quant int4 --device rpi5-8gb

# GB = 1e9 bytes: --mem-gb 8 is 8,000,000,000 bytes
"$K" plan --base llama-3.2-1b --quant int4 --device rpi5-8gb --mem-gb 8 --json | grep -q '"device_memory_bytes": 8000000000,' || fail "--mem-gb 8"
# --bw-gbs overrides a catalog device's bandwidth (the 30-core M3 Max)
"$K" plan --base llama-3.1-8b --quant int4 --device m3-max --bw-gbs 300 --json | grep -q '"bandwidth_bytes_per_s": 300000000000' || fail "--bw-gbs"

# matrix views
"$K" plan --base llama-3.2-3b --device rpi5-8gb --all-quants --json | grep -q '"schema": "kolm.matrix/1"' || fail "all-quants json"
n=$("$K" plan --base llama-3.2-1b --quant int4 --all-devices | grep -c ' pass \| tight \| over ')
[ "$n" -ge 40 ] || fail "all-devices rows: $n"

# gates: exit 1 with the failed gate named
expect_exit 1 "$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb --min-tps 1000
grep -q 'min_tps' $T/err || fail "gate not named"
expect_exit 0 "$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb --max-size-gb 3

# catalogs
"$K" devices --json | grep -q '"id": "strix-halo"' || fail "devices json"
[ "$("$K" devices | wc -l)" = 46 ] || fail "45 devices + header"
"$K" bases | grep -q 'qwen3-30b-a3b' || fail "bases"
"$K" quants | grep -q 'int6   q6_k' || fail "quants"

# colour never when NO_COLOR is set or stdout is not a TTY
"$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb | grep -q "$(printf '\033')" && fail "colour on a pipe"
# --ssh: the transfer lines' login and port; a bad target is a usage error
expect_exit 0 "$K" plan --base qwen3-4b --quant q4_k_m --device rpi5-8gb --ssh pi@10.1.2.3:2222
grep -q '^    \$ ssh -p 2222 pi@10.1.2.3 mkdir -p models$' $T/out || fail "--ssh port: $(grep ssh $T/out)"
expect_exit 2 "$K" plan --base qwen3-4b --quant q4_k_m --device rpi5-8gb --ssh '-oProxyCommand=x@h'
expect_exit 2 "$K" plan --base qwen3-4b --quant q4_k_m --device rpi5-8gb --ssh pi@h:99999
# the journey from a base, in order: download, pack, export from the .kolm, ..., verify against it
expect_exit 0 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rpi5-8gb
grep '^  [0-9]' $T/out | cut -c3-4 | tr -d ' \n' >$T/order
[ "$(cat $T/order)" = "01a1b2345" ] || fail "step order $(cat $T/order)"
grep -q '^    \$ kolm export llama-3.2-3b.kolm --quant q4_k_m --device rpi5-8gb -o .$' $T/out || fail "export not from the .kolm"
# impossible picks: a backend or runtime the device does not run is exit 2,
# naming the device's runtimes (from data/devices.json and runtimes.json)
expect_exit 2 "$K" plan --base llama-3.2-3b --quant trt-fp8 --device rpi5-8gb
grep -q "^kolm: rpi5-8gb: cannot run tensorrt; its runtimes are llama.cpp-cpu (--backend gguf)$" $T/err ||
	fail "TensorRT on a Pi: $(cat $T/err)"
[ ! -s $T/out ] || fail "a refused pick printed a forecast"
expect_exit 2 "$K" plan --base llama-3.2-3b --quant mlx-4bit --device rpi5-8gb
expect_exit 2 "$K" plan --base llama-3.2-3b --quant coreml-int4 --device pixel-8
grep -q "onnxruntime (--backend onnx)" $T/err || fail "no valid choices: $(cat $T/err)"
expect_exit 2 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rpi5-8gb --runtime llama.cpp-cuda
# what the device lists still works; a custom device describes its own hardware
expect_exit 0 "$K" plan --base llama-3.2-3b --quant mlx-4bit --device m3-pro
# the iPhone 15 Pro runs MLX through MLX Swift inside an app (issue 23): the
# mlx backend, speed from the mlx-swift class prior said as its basis (no
# published iPhone MLX measurement), the per-app memory cap applied; Core ML
# stays its default
expect_exit 0 "$K" plan --base llama-3.2-3b --quant mlx-4bit --device iphone-15-pro
grep -q '^  backend        mlx via mlx-swift ' $T/out || fail "iPhone MLX backend: $(grep backend $T/out)"
grep -q 'class default for mlx-swift (data/runtimes.json); no measurements in the class' $T/out ||
	fail "iPhone MLX decode basis: $(grep -A1 decode $T/out)"
grep -q '^                 platform cap 6.00 GB$' $T/out || fail "iPhone MLX: per-app cap not applied"
# a row of your own for it (runtime mlx-swift, as the guide says) replaces the prior
mkdir -p $T/xdg/kolm
printf 'device\truntime\tbase\tformat\ttg_tps\niphone-15-pro\tmlx-swift\tllama-3.2-3b\tmlx-4bit\t15.0\n' >$T/xdg/kolm/measurements.tsv
expect_exit 0 env XDG_DATA_HOME=$T/xdg "$K" plan --base llama-3.2-3b --quant mlx-4bit --device iphone-15-pro
grep -q 'fitted on 1 of your own measurement of iphone-15-pro on mlx-swift' $T/out || fail "iPhone MLX row not used: $(grep -A1 decode $T/out)"
expect_exit 0 "$K" plan --base llama-3.2-3b --device iphone-15-pro
grep -q '^  backend        coreml via coreml ' $T/out || fail "iPhone default backend: $(grep backend $T/out)"
expect_exit 0 "$K" plan --base llama-3.2-3b --quant mlx-4bit --device iphone-16-pro
expect_exit 2 "$K" plan --base llama-3.2-3b --quant mlx-4bit --device pixel-8
expect_exit 0 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4090 --runtime llama.cpp-cuda
expect_exit 0 "$K" plan --base llama-3.2-3b --quant int4 --mem-gb 8 --bw-gbs 50 --backend mlx
# a runtime of the same backend and class as one the device lists runs there (kolm's own CPU engine)
expect_exit 0 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rpi5-8gb --runtime kolm-cpu
# across all devices, an exact MLX format is skipped (with the reason) where it cannot run
expect_exit 0 "$K" plan --base llama-3.2-3b --quant mlx-4bit --all-devices
grep -q "^rpi5-8gb .*cannot run mlx" $T/out || fail "--all-devices row for the Pi: $(grep rpi5 $T/out)"
grep -q "^m3-pro .*mlx/mlx" $T/out || fail "--all-devices row for the M3 Pro"
# offload in the text view: the split, each side's memory; an "over" pick
# says --offload auto would fit and at what speed; a count beyond the layers is usage
expect_exit 0 "$K" plan --base llama-3.1-70b --quant q4_k_m --device rtx-4090 --offload auto
grep -q '^  offload        43 of 80 layers on the GPU: 23.46 GB of 24.00 GB usable (tight)$' $T/out || fail "offload GPU line: $(cat $T/out)"
grep -q '^                 37 in host RAM: 21.09 GB of 32.00 GB (pass); llama.cpp -ngl 43$' $T/out || fail "offload host line"
tps=$("$K" plan --base llama-3.1-70b --quant q4_k_m --device rtx-4090 --offload auto --json | sed -n '/"decode_tps"/,/}/s/^ *"mid": \(.*\),$/\1/p' | head -1)
expect_exit 0 "$K" plan --base llama-3.1-70b --quant q4_k_m --device rtx-4090
grep -q "only if it fit, which it does not" $T/out || fail "an over pick's decode line reads as if it ran"
grep -q -- "--offload auto fits, with 43 of 80 layers on the GPU and 37 in host RAM, at $tps tok/s" $T/out ||
	fail "over caveat without --offload auto at $tps: $(grep over $T/out)"
expect_exit 2 "$K" plan --base llama-3.1-70b --quant q4_k_m --device rtx-4090 --offload 200
grep -q "^kolm: --offload: 200 layers, but the model has 80 (0..80, or auto)$" $T/err || fail "--offload 200: $(cat $T/err)"
expect_exit 2 "$K" plan --base llama-3.1-70b --quant q4_k_m --device rtx-4090 --offload ''
# --tensor-type reaches the printed export line (the file the forecast is for)
expect_exit 0 "$K" plan --base llama-3.2-3b --quant q8_0 --device rpi5-8gb --tensor-type ffn_down=f16 --tensor-type 'attn_.*=q4_0'
grep -qF "kolm export llama-3.2-3b.kolm --quant q8_0 --device rpi5-8gb --tensor-type ffn_down=f16 --tensor-type 'attn_.*=q4_0' -o ." $T/out ||
	fail "export line drops --tensor-type: $(grep 'kolm export' $T/out)"
# errors name the option, not the value; a missing --data-dir is an error
expect_exit 2 "$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb --min-tps abc
grep -q "^kolm: --min-tps: 'abc' is not a non-negative number$" $T/err || fail "--min-tps abc: $(cat $T/err)"
expect_exit 2 "$K" --data-dir "$T/nonexistent" devices
grep -q "^kolm: --data-dir $T/nonexistent: No such file or directory$" $T/err || fail "--data-dir: $(cat $T/err)"
# kolm export of a GGUF points to kolm quantize
expect_exit 2 "$K" export "$T/x.gguf" --quant q4_0 --device rpi5-8gb
grep -q "kolm quantize IN.gguf OUT.gguf TYPE" $T/err || fail "export of a GGUF: $(cat $T/err)"
# no exponent in a guide's figures (the rtx-4090 prefill was 6.76e+03)
"$K" quickstart rtx-4090 >$T/qs.md
grep -q '[0-9]e[+-][0-9]' $T/qs.md && fail "scientific notation in the rtx-4090 guide: $(grep '[0-9]e[+-][0-9]' $T/qs.md)"
# every figure has its basis: prefill its range and basis, cold start its
# rule; a local device says how it was guessed
expect_exit 0 "$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb
grep -A1 '^  prefill        .* tok/s  (range .* - .*); first token' $T/out | tail -1 | grep -q 'measurements of rpi5-8gb' || fail "prefill basis: $(grep -A1 prefill $T/out)"
grep -A1 '^  cold start' $T/out | tail -1 | grep -q "forecast: file size / the storage's sequential read speed (90 MB/s)" || fail "cold start basis"
expect_exit 0 "$K" plan --base llama-3.2-3b --quant int4 --device local
grep -q '^  this machine   ' $T/out || fail "--device local does not say how it was guessed"
# decode at depth: the curve falls with context, stops at the model's
# trained context, a q4_0 cache reads a quarter of f16's so it falls less on
# a GPU, the CPU's attention loop makes depth cost more than the read, and
# --at-ctx adds its point and a text line; a bad depth is a usage error
for pick in "--device rtx-4090" "--device rtx-4090 --kv-type q4_0" "--device rpi5-8gb" "--device rpi5-8gb --bw-gbs 1000"; do
	"$K" plan --base llama-3.1-8b --quant q4_k_m $pick --at-ctx 20000 --json >"$T/d.json" || fail "plan $pick --at-ctx 20000"
	python3 - "$T/d.json" "$pick" >>"$T/depth" <<'EOF' || fail "decode_tps.at_ctx for $pick: $(cat "$T/depth")"
import json, sys
d = json.load(open(sys.argv[1]))["decode_tps"]
c = [p["ctx"] for p in d["at_ctx"]]
assert c == [0, 4096, 8192, 16384, 20000, 32768], c
m = [p["mid"] for p in d["at_ctx"]]
assert all(a > b for a, b in zip(m, m[1:])), m
assert all(p["low"] < p["mid"] < p["high"] for p in d["at_ctx"])
print(sys.argv[2], m[-1] / m[0])
EOF
done
awk '/rtx-4090 --kv-type/ { q = $NF } /rtx-4090$/ { f = $NF } END { exit !(q > f) }' "$T/depth" ||
	fail "a q4_0 KV cache falls as much as f16's: $(cat "$T/depth")"
# rpi5 at 1000 GB/s: the KV read is nothing, the CPU's attention loop remains
awk '/bw-gbs 1000/ { b = $NF } END { exit !(b < 0.9) }' "$T/depth" || fail "no attention-loop cost on a CPU: $(cat "$T/depth")"
"$K" plan --base llama-3.2-1b --quant q4_0 --device rtx-4090 --json | python3 -c '
import json, sys
c = [p["ctx"] for p in json.load(sys.stdin)["decode_tps"]["at_ctx"]]
assert c == [0, 4096, 8192, 16384, 32768], c' || fail "the standard depth curve"
"$K" plan --model "$S/models/kquant/synth-q4_0.gguf" --device rpi5-8gb --json | python3 -c '
import json, sys
c = [p["ctx"] for p in json.load(sys.stdin)["decode_tps"]["at_ctx"]]
assert c == [0], c' || fail "the curve goes past the trained context of 128"
expect_exit 0 "$K" plan --base llama-3.2-1b --quant q4_0 --device rtx-4090 --at-ctx 8000
grep -q '^  at ctx 8000    .* tok/s  (range .* - .*) once the context holds 8000 tokens$' $T/out || fail "--at-ctx text: $(cat $T/out)"
grep -A1 '^  at ctx 8000' $T/out | tail -1 | grep -q 'KV cache read per token' || fail "--at-ctx basis"
# llama.cpp's CPU attention loop costs what data/runtimes.json measured for
# the model's head size: heads of 64, 128 and 256 are measured sizes, 96
# (Phi-3-mini) lies between 64 and 128 (linear in log2 of the head size)
for bh in llama-3.2-1b:64 llama-3.1-8b:128 gemma-2-2b:256 phi-3-mini:96; do
	b=${bh%:*} h=${bh#*:}
	sw=$(python3 -c '
import json, math, sys
t = {int(k): v for k, v in [r for r in json.load(open(sys.argv[1]))["runtimes"] if r["id"] == "llama.cpp-cpu"][0]["attn_step_flops"].items()}
h = int(sys.argv[2]); x = math.log2(h)
lo = max([d for d in t if d <= h], default=None); hi = min([d for d in t if d >= h], default=None)
f = t[lo] if hi is None or lo == hi else t[hi] if lo is None else t[lo] + (t[hi] - t[lo]) * (x - math.log2(lo)) / (math.log2(hi) - math.log2(lo))
print("%.0f" % f)' "$(dirname "$0")/../../data/runtimes.json" $h)
	expect_exit 0 "$K" plan --base $b --quant q4_0 --device rpi5-8gb --at-ctx 8192
	grep -q "attention loop: $sw FLOP-equivalents a step (layer x query head x position, heads of $h;" $T/out ||
		fail "$b: the attention step for heads of $h is not data/runtimes.json's $sw: $(grep -o 'attention loop: [^;]*' $T/out)"
done
expect_exit 0 "$K" plan --model "$S/models/kquant/synth-q4_0.gguf" --device rpi5-8gb --at-ctx 4096
grep -q "decode at 4096 tokens of context is past the model's trained context of 128" $T/out || fail "--at-ctx past the trained context: no caveat"
expect_exit 2 "$K" plan --base llama-3.2-1b --quant q4_0 --device rtx-4090 --at-ctx 0
grep -q "^kolm: --at-ctx: '0' is not a context depth (1..16777216)$" $T/err || fail "--at-ctx 0: $(cat $T/err)"
# --mmproj and --draft join the memory, the fit and the --ctx max budget
"$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --json >"$T/m0.json"
"$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --mmproj 0.6 --draft llama-3.2-1b --json >"$T/m1.json"
"$K" plan --base llama-3.2-1b --quant q4_k_m --device rtx-4060 --json >"$T/d.json"
"$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --mmproj "$S/models/kquant/synth-q4_0.gguf" --json >"$T/m2.json"
"$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --ctx max --json >"$T/c0.json"
"$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --ctx max --draft llama-3.2-1b --json >"$T/c1.json"
python3 - "$T" <<'EOF' || fail "--mmproj/--draft memory"
import json, os, sys
T = sys.argv[1]
m0, m1, d, m2 = (json.load(open("%s/%s.json" % (T, n)))["memory"] for n in ("m0", "m1", "d", "m2"))
assert "mmproj_bytes" not in m0 and "draft_bytes" not in m0
assert m1["mmproj_bytes"] == 600000000, m1
# the draft: its own file, KV cache at the same ctx and compute buffer
assert m1["draft_bytes"] == d["weights_bytes"] + d["kv_cache_bytes"] + d["compute_buffer_bytes"], (m1, d)
assert m1["total_bytes"] == m0["total_bytes"] + m1["mmproj_bytes"] + m1["draft_bytes"]
assert m2["mmproj_bytes"] == os.path.getsize(os.environ["S"] + "/models/kquant/synth-q4_0.gguf")
c0, c1 = (json.load(open("%s/%s.json" % (T, n)))["context"]["max_pass"] for n in ("c0", "c1"))
assert 0 < c1 < c0, (c0, c1)
EOF
expect_exit 0 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --mmproj 0.6 --draft llama-3.2-1b
grep -q '^                 + vision projector 0.60 + draft model .* GB (weights, KV and compute)$' $T/out || fail "--mmproj/--draft text"
expect_exit 4 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --mmproj "$T/none"
grep -q "^kolm: --mmproj $T/none: not a file and not a size in GB$" $T/err || fail "--mmproj missing: $(cat $T/err)"
expect_exit 4 "$K" plan --base llama-3.2-3b --quant q4_k_m --device rtx-4060 --draft "$T/none"
grep -q "^kolm: --draft $T/none: not a catalog base (kolm bases) and not a file$" $T/err || fail "--draft missing: $(cat $T/err)"
echo "plan CLI: ok"
