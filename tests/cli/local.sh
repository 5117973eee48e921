#!/bin/sh
# --device local names this machine's CPU, cores and memory correctly,
# compared with nproc, free -b and /proc/cpuinfo (not with kolm's parser);
# and it measures bandwidth and compute instead of guessing them: the probe's
# figures are the device's, printed in the text as the basis, cached with the
# CPU model, reused, refreshed by --remeasure, and a damaged cache is
# measured again rather than trusted.
set -eu
K=${KOLM:?}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
export XDG_DATA_HOME="$D"
C="$D/kolm/local-probe.json"
out=$("$K" plan --base llama-3.2-1b --quant q4_0 --device local --json)
cores=$(printf '%s' "$out" | sed -n 's/^ *"cores": \([0-9]*\),$/\1/p')
mem=$(printf '%s' "$out" | sed -n '/"detected"/,/}/s/^ *"memory_bytes": \([0-9]*\),$/\1/p')
[ "$cores" = "$(nproc --all)" ] || { echo "cores $cores != nproc $(nproc --all)"; exit 1; }
[ "$mem" = "$(free -b | awk '/^Mem:/ {print $2}')" ] || { echo "memory $mem != free -b"; exit 1; }
model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)
if [ -n "$model" ]; then
	printf '%s' "$out" | grep -qF "\"cpu_model\": \"$model\"" || { echo "cpu model not named"; exit 1; }
fi
[ -f "$C" ] || { echo "no probe cache at $C"; exit 1; }
# the forecast's device is the probe's figures; the cache names this CPU
printf '%s' "$out" >"$D/f.json"
python3 - "$C" "$D/f.json" <<'PY' || exit 1
import json, sys
c = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2]))
d = f["device"]
p = d["detected"]["probe"]
if c["cpu_model"] != d["detected"]["cpu_model"]:
    sys.exit("cache names %r, not %r" % (c["cpu_model"], d["detected"]["cpu_model"]))
if round(c["bandwidth_bytes_per_s"]) != d["bandwidth_bytes_per_s"] or round(c["flops_fp32_fma"]) != d["flops_fp16"]:
    sys.exit("device figures %r/%r are not the probe's %r/%r" % (d["bandwidth_bytes_per_s"], d["flops_fp16"],
             c["bandwidth_bytes_per_s"], c["flops_fp32_fma"]))
if p["cached"] or not (1e8 < p["bandwidth_bytes_per_s"] < 1e14) or not (1e8 < p["flops_fp32_fma"] < 1e16):
    sys.exit("implausible first probe: %r" % p)
if "%.0f GB/s" % (c["bandwidth_bytes_per_s"] / 1e9) not in f["decode_tps"]["basis"]:
    sys.exit("decode basis %r does not use the measured bandwidth" % f["decode_tps"]["basis"])
# a machine no catalog device matches (class "custom") has only its probed
# compute: prefill must not borrow the laptop-x86 template's int8 figure
if d["class"] == "custom" and ("int8" in f["prefill_tps"]["basis"] or
        "%.1f fp16 TFLOPS" % (c["flops_fp32_fma"] / 1e12) not in f["prefill_tps"]["basis"]):
    sys.exit("prefill basis %r is not the probed %.0f GFLOPS" % (f["prefill_tps"]["basis"], c["flops_fp32_fma"] / 1e9))
print("probe: %.1f GB/s read, %.0f GFLOPS fp32 FMA, %d threads, %.2f s" % (c["bandwidth_bytes_per_s"] / 1e9,
      c["flops_fp32_fma"] / 1e9, c["threads"], c["seconds"]))
PY
# the text names the measurement as the basis
txt=$("$K" plan --base llama-3.2-1b --quant q4_0 --device local)
printf '%s\n' "$txt" | grep -q '^  this machine .*measured on .*read bandwidth [0-9.]* GB/s, fp32 FMA [0-9]* GFLOPS' ||
	{ echo "second run did not name the cached measurement:"; printf '%s\n' "$txt" | sed -n 1,6p; exit 1; }
printf '%s\n' "$txt" | grep -q 'estimated as' && { echo "the guess is still printed"; exit 1; }
[ "$(printf '%s\n' "$txt" | grep -c '^  this machine ')" = 1 ] || { echo "the 'this machine' line is printed twice"; exit 1; }
at=$(sed -n 's/^ *"measured_at": "\(.*\)",$/\1/p' "$C")
"$K" plan --base llama-3.2-1b --quant q4_0 --device local --remeasure | grep -q 'measured just now' ||
	{ echo "--remeasure did not measure again"; exit 1; }
# a damaged cache is measured again, not trusted
sed -i 's/"bandwidth_bytes_per_s": [0-9.e+]*/"bandwidth_bytes_per_s": -5/' "$C"
"$K" plan --base llama-3.2-1b --quant q4_0 --device local | grep -q 'measured just now' ||
	{ echo "a cache with a negative bandwidth was trusted"; exit 1; }
grep -q '"bandwidth_bytes_per_s": -5' "$C" && { echo "the damaged cache was not replaced"; exit 1; }
printf 'not json' >"$C"
"$K" plan --base llama-3.2-1b --quant q4_0 --device local | grep -q 'measured just now' ||
	{ echo "an unreadable cache was not measured again"; exit 1; }
# the user's figure wins over the probe
"$K" plan --base llama-3.2-1b --quant q4_0 --device local --bw-gbs 42 --json | grep -q 'of 42 GB/s' ||
	{ echo "--bw-gbs did not replace the measured bandwidth"; exit 1; }
echo "local: ok ($cores cores, $mem bytes; probe cached, reused, refreshed; first probe at $at)"
