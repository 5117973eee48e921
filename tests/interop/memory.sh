#!/bin/sh
# kolm's memory forecast against what the reference llama.cpp allocates, term
# by term, on four model shapes:
#   synth  tests/fixtures/models/kquant/synth-q4_0.gguf: 4 layers, 256 wide,
#          n_ff 768, 4 heads of 64 (2 KV), vocab 512, Q4_0;
#   wide   512 wide, n_ff 2048, 8 heads of 64 (2 KV), vocab 2048, 2 layers;
#   h128   768 wide, n_ff 2048, 6 heads of 128 (2 KV: a quantized cache's K
#          rotation is 128), vocab 8192 (the logits, 16 MiB, outweigh the
#          feed-forward block at small contexts), 2 layers;
#   moe    512 wide, 8 experts of 768 (2 used per token, Mixtral's layout),
#          8 heads of 64 (2 KV), vocab 2048, 2 layers;
# the last three F16 files of zeros written by gen_shape.py (the buffers
# depend on shapes only).  llama-completion loads each with -c 512, 4096, 32768 and
# -ctk/-ctv f16, q8_0, q4_0 (flash attention: its default, auto, on here) and
# its load log's buffers are set beside `kolm plan --model ... --device local
# --ctx N --kv-type T --json`'s terms:
#   weights  the CPU_Mapped model buffer of a --no-repack load (all the
#            tensor data; the default load's CPU_REPACK copy is printed) vs
#            kolm's tensor bytes;
#   KV       the KV buffer vs kv_cache_bytes;
#   compute  the compute buffer (its exact figure: the "compute buffer size
#            is X MiB" debug line) plus the output buffer vs
#            compute_buffer_bytes (ggml-alloc's placement of llama.cpp's
#            graph, src/lib/forecast/galloc.c);
#   total    their sum vs kolm's total less its runtime base (the process
#            itself, which no buffer line counts).
# Asserted at every context and KV type on every shape: each term within 5%,
# the total within 3%.  Then without flash attention (-fa off; f16, as
# llama.cpp needs flash attention for a quantized V cache) the compute
# buffer vs kolm's for a runtime whose default is off (llama.cpp-opencl on
# snapdragon-x-elite; the graph, not the device, sets it): within 5%.  And
# the compute buffer of gen_arch.py's qwen2 (Q/K/V biases), qwen3 (per-head
# Q/K norms), phi3 (fused QKV and up projections) and gemma2 (a sliding
# window of 32) at ctx 512 and 4096, KV f16 and q8_0: within 5%.
. "$(dirname "$0")/llama.inc"
SY=$S/models/kquant/synth-q4_0.gguf
[ -f "$SY" ] || fail "$SY is missing"
"$PY" "$I/gen_shape.py" "$SY" "$T/wide.gguf" 512 2048 8 2 2 2048 >"$T/gen.log" 2>&1 || fail "gen_shape.py: $(tail -3 "$T/gen.log")"
"$PY" "$I/gen_shape.py" "$SY" "$T/h128.gguf" 768 2048 6 2 2 8192 >"$T/gen.log" 2>&1 || fail "gen_shape.py: $(tail -3 "$T/gen.log")"
"$PY" "$I/gen_shape.py" "$SY" "$T/moe.gguf" 512 768 8 2 2 2048 8 2 >"$T/gen.log" 2>&1 || fail "gen_shape.py: $(tail -3 "$T/gen.log")"
XDG_DATA_HOME=$T/data
export XDG_DATA_HOME
# lc NAME LOG ARGS...: llama-completion on model NAME, its log to LOG
lc() {
	m=$1 log=$2
	shift 2
	"$LB/llama-completion" -m "$m" "$@" -n 1 -p hello -t 1 --no-warmup -v >"$log" 2>&1 </dev/null ||
		fail "llama-completion $m $*: $(tail -3 "$log")"
}
mkdir -p "$T/arch"
python3 "$I/gen_arch.py" --tokenizer-from "$SY" "$T/arch" qwen2 qwen3 phi3 gemma2 >"$T/gen.log" 2>&1 ||
	fail "gen_arch.py: $(tail -3 "$T/gen.log")"
for a in qwen2 qwen3 phi3 gemma2; do
	for c in 512 4096; do
		for kv in f16 q8_0; do
			lc "$T/arch/$a-f32.gguf" "$T/l-$a-$kv-$c.log" -c $c -ctk $kv -ctv $kv
			"$K" plan --model "$T/arch/$a-f32.gguf" --device local --ctx $c --kv-type $kv --json >"$T/k-$a-$kv-$c.json" 2>"$T/err" ||
				fail "kolm plan $a --ctx $c --kv-type $kv: $(cat "$T/err")"
		done
	done
done
for name in synth wide h128 moe; do
	case $name in synth) M=$SY ;; *) M=$T/$name.gguf ;; esac
	lc "$M" "$T/l-$name-norepack.log" -c 512 --no-repack
	for c in 512 4096 32768; do
		for kv in f16 q8_0 q4_0; do
			lc "$M" "$T/l-$name-$kv-$c.log" -c $c -ctk $kv -ctv $kv
			"$K" plan --model "$M" --device local --ctx $c --kv-type $kv --json >"$T/k-$name-$kv-$c.json" 2>"$T/err" ||
				fail "kolm plan $name --ctx $c --kv-type $kv: $(cat "$T/err")"
		done
		lc "$M" "$T/l-$name-nofa-$c.log" -c $c -fa off
		"$K" plan --model "$M" --device snapdragon-x-elite --runtime llama.cpp-opencl --ctx $c --json \
			>"$T/k-$name-nofa-$c.json" 2>"$T/err" || fail "kolm plan $name --runtime llama.cpp-opencl: $(cat "$T/err")"
	done
done
"$PY" - "$T" <<'EOF' || exit 1
import json, re, sys
T = sys.argv[1]
MiB = 1024.0 * 1024.0
bad = []
def last(pat, text, what):
    m = re.findall(pat, text)
    if not m:
        print("FAIL: llama.cpp's log has no %s line" % what, file=sys.stderr)
        sys.exit(1)
    return float(m[-1]) * MiB
def pct(k, l):
    return 100.0 * (k / l - 1.0)
# MiB printed with 2 decimals (4 for the compute buffer): 0.005 MiB of rounding
def off(k, l, tol):
    return abs(k - l) > tol * l + 0.005 * MiB
def compute(log):
    return (last(r"CPU compute buffer size is +([0-9.]+) MiB", log, "compute buffer size is") +
            last(r"CPU +output buffer size = +([0-9.]+) MiB", log, "output buffer"))
n = 0
for name in ("synth", "wide", "h128", "moe"):
    nr = open("%s/l-%s-norepack.log" % (T, name), errors="replace").read()
    mapped = last(r"CPU_Mapped model buffer size = +([0-9.]+) MiB", nr, "CPU_Mapped model buffer (--no-repack)")
    print("  %s (llama.cpp / kolm, MiB):" % name)
    for c in (512, 4096, 32768):
        for kv in ("f16", "q8_0", "q4_0"):
            log = open("%s/l-%s-%s-%d.log" % (T, name, kv, c), errors="replace").read()
            repack = re.findall(r"CPU_REPACK model buffer size = +([0-9.]+) MiB", log)
            kvb = last(r"llama_kv_cache: +CPU KV buffer size = +([0-9.]+) MiB", log, "KV buffer")
            comp = compute(log)
            k = json.load(open("%s/k-%s-%s-%d.json" % (T, name, kv, c)))
            m = k["memory"]
            kw, kk, kc = k["size"]["tensor_bytes"], m["kv_cache_bytes"], m["compute_buffer_bytes"]
            kt = m["total_bytes"] - m["runtime_base_bytes"]
            lt = mapped + kvb + comp
            print("    %-4s ctx %5d  weights %6.2f / %6.2f%s  KV %6.2f / %6.2f  compute %7.2f / %7.2f (%+5.2f%%)  total %7.2f / %7.2f (%+5.2f%%)" % (
                kv, c, mapped / MiB, kw / MiB, " (default load: +%s repacked)" % repack[-1] if repack else "",
                kvb / MiB, kk / MiB, comp / MiB, kc / MiB, pct(kc, comp), lt / MiB, kt / MiB, pct(kt, lt)))
            where = "%s %s ctx %d" % (name, kv, c)
            for what, kx, lx, tol in (("weights", kw, mapped, 0.05), ("KV", kk, kvb, 0.05),
                                      ("compute", kc, comp, 0.05), ("total", kt, lt, 0.03)):
                if off(kx, lx, tol):
                    bad.append("%s: %s %.4f MiB, llama.cpp %.4f (%+.2f%%)" % (where, what, kx / MiB, lx / MiB, pct(kx, lx)))
            n += 1
    for c in (512, 4096, 32768):
        comp = compute(open("%s/l-%s-nofa-%d.log" % (T, name, c), errors="replace").read())
        kc = json.load(open("%s/k-%s-nofa-%d.json" % (T, name, c)))["memory"]["compute_buffer_bytes"]
        print("    f16  ctx %5d  without flash attention: compute %7.2f / %7.2f (%+5.2f%%)" % (c, comp / MiB, kc / MiB, pct(kc, comp)))
        if off(kc, comp, 0.05):
            bad.append("%s -fa off ctx %d: compute %.4f MiB, llama.cpp %.4f" % (name, c, kc / MiB, comp / MiB))
print("  other architectures (compute + output, llama.cpp / kolm, MiB):")
for a in ("qwen2", "qwen3", "phi3", "gemma2"):
    for c in (512, 4096):
        for kv in ("f16", "q8_0"):
            comp = compute(open("%s/l-%s-%s-%d.log" % (T, a, kv, c), errors="replace").read())
            kc = json.load(open("%s/k-%s-%s-%d.json" % (T, a, kv, c)))["memory"]["compute_buffer_bytes"]
            print("    %-6s %-4s ctx %4d  compute %6.2f / %6.2f (%+5.2f%%)" % (a, kv, c, comp / MiB, kc / MiB, pct(kc, comp)))
            if off(kc, comp, 0.05):
                bad.append("%s %s ctx %d: compute %.4f MiB, llama.cpp %.4f" % (a, kv, c, kc / MiB, comp / MiB))
if bad:
    for b in bad:
        print("FAIL: " + b, file=sys.stderr)
    sys.exit(1)
print("ok memory vs llama.cpp's allocator: weights, KV and compute each within 5%% and the total within 3%% at %d settings (4 shapes x ctx 512/4096/32768 x KV f16/q8_0/q4_0); the compute buffer without flash attention within 5%% at 12, and of qwen2, qwen3, phi3 and gemma2 at 16" % n)
EOF
