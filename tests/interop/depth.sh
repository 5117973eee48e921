#!/bin/sh
# Decode at depth (kolm plan --at-ctx, decode_tps.at_ctx) against the real
# llama-bench -d on this machine: the synthetic model
# (tests/fixtures/models/kquant/synth-q4_0.gguf: 4 layers, 4 query heads of
# 64, 2 KV heads) decoding after 0, 512 and 4096 tokens of context, with 1
# and 2 threads.
#
# What is scored is what the context adds: the time per token at depth 4096
# minus that at 512, per position.  kolm's is the larger of the f16 KV cache
# read at decode's fitted bytes/s and llama.cpp's CPU attention loop (one
# step per layer, query head and position at data/runtimes.json's
# attn_step_flops, measured on two other models: 4 heads of 128 and 8 heads
# of 64, 512 wide) at this machine's compute.  The short-context rate under it is decode's
# own forecast, whose error on this 3.4 M-parameter toy is the per-token
# overhead's (ACCURACY.md): printed, not scored here.
#
# The machine is shared (other builds and benches run beside this test), so
# llama-bench's side is its CPU time, not its wall time: for each depth two
# runs, 8 and 72 generated tokens (same context fill, no warm-up), whose
# difference in the process's CPU time is 64 decoded tokens at that depth.
# kolm is given this machine's probed bandwidth and compute (best of three
# runs: what an idle core does), the compute scaled to the threads
# llama-bench runs.  Tolerance: within a factor of 2, scored at 1 thread.
# attn_step_flops is measured per head size (data/runtimes.json) on other
# models (512 wide: heads of 64, 128 and 256) with the probe idle; on the
# idle machine this model reads -1..-8% from heads of 64's figure.  The
# factor of 2 leaves room for a machine under other load (the CPU time of a
# shared core, the probe's best-of runs); it fails when the loop is not
# modelled (the KV read alone: -79%, 0.21x) and when one figure stands for
# every head size (the old 3600, heads of 128's order: -68%).  The depth
# effect itself is 7x from 512 to 4096.  A pair outside it is measured once
# more, probe included, and fails
# if outside again.  With 2
# threads llama.cpp's workers spin while they wait, so neither the CPU time
# nor, on a shared 2-core machine, the wall time (best of 10 runs) is the
# work: that comparison is printed, not scored.
. "$(dirname "$0")/llama.inc"
M=$S/models/kquant/synth-q4_0.gguf
[ -f "$M" ] || fail "$M is missing"
XDG_DATA_HOME=$T/data
export XDG_DATA_HOME
TOL=2

cat >"$T/score.py" <<'EOF'
import json, os, resource, subprocess, sys
lb, model, t, tdir, tol, bw, tf = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6], sys.argv[7]
def cpu(d, n):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([lb, "-m", model, "-p", "0", "-n", str(n), "-d", str(d), "-t", t, "-r", "1", "--no-warmup", "-o", "json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode:
        print("FAIL: llama-bench -d %d -n %d -t %s: %s" % (d, n, t, p.stderr.decode()[-300:]), file=sys.stderr)
        sys.exit(1)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
per_tok = {}
for d in (512, 4096):
    if t == "1":
        per_tok[d] = (cpu(d, 72) - cpu(d, 8)) / 64
    else:
        p = subprocess.run([lb, "-m", model, "-p", "0", "-n", "8", "-d", str(d), "-t", t, "-r", "10", "-o", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode:
            print("FAIL: llama-bench -d %d -t %s: %s" % (d, t, p.stderr.decode()[-300:]), file=sys.stderr)
            sys.exit(1)
        per_tok[d] = 1 / max(json.loads(p.stdout)[0]["samples_ts"])
km = {}
for d in (512, 4096):
    pts = [p for p in json.load(open("%s/k%d.json" % (tdir, d)))["decode_tps"]["at_ctx"] if p["ctx"] == d]
    if len(pts) != 1:
        print("FAIL: kolm's decode_tps.at_ctx has no point at %d" % d, file=sys.stderr)
        sys.exit(1)
    km[d] = pts[0]["mid"]
meas = (per_tok[4096] - per_tok[512]) / 3584 * 1e6
kol = (1 / km[4096] - 1 / km[512]) / 3584 * 1e6
err = kol / meas - 1
print("  %s thread(s): probe %s GB/s, %.1f GFLOPS for %s thread(s)" % (t, bw, float(tf) * 1e3, t))
for d in (512, 4096):
    print("    depth %4d: llama-bench %7.1f tok/s (%s), kolm %7.1f tok/s" % (d, 1 / per_tok[d], "CPU time" if t == "1" else "wall, best of 10", km[d]))
line = "%s thread(s): time the context adds per position %.3f us (llama-bench) vs %.3f us (kolm): %+.0f%% (tolerance: within a factor of %g)" % (t, meas, kol, 100 * err, tol)
if t != "1":
    print("  printed, not scored: " + line)
    sys.exit(0)
if 1 / tol <= kol / meas <= tol:
    print("ok " + line)
    sys.exit(0)
print("FAIL: " + line, file=sys.stderr)
sys.exit(1)
EOF

# run THREADS: probe, kolm at depths 512 and 4096, then llama-bench
run() {
	# the best of three probes: a core another process holds for a moment
	# halves one probe's compute (2 threads on 2 cores), not the work
	for i in 1 2 3; do
		"$K" plan --model "$M" --device local --remeasure --json >"$T/probe$i.json" 2>"$T/err" ||
			fail "kolm plan --device local --remeasure: $(cat "$T/err")"
	done
	set -- "$1" $("$PY" -c 'import json,sys
p=[json.load(open(f))["device"]["detected"]["probe"] for f in sys.argv[1:]]
print(max(x["bandwidth_bytes_per_s"] for x in p)/1e9, max(x["flops_fp32_fma"] for x in p), p[0]["threads"])' "$T/probe1.json" "$T/probe2.json" "$T/probe3.json")
	[ $# = 4 ] || fail "kolm plan --device local --json has no probe"
	bw=$2
	tf=$(awk -v f="$3" -v t="$1" -v p="$4" 'BEGIN { printf "%.6g", f * t / p / 1e12 }')
	for d in 512 4096; do
		"$K" plan --model "$M" --device local --bw-gbs "$bw" --tflops "$tf" --at-ctx $d --json >"$T/k$d.json" 2>"$T/err" ||
			fail "kolm plan --at-ctx $d: $(cat "$T/err")"
	done
	"$PY" "$T/score.py" "$LB/llama-bench" "$M" "$1" "$T" "$TOL" "$bw" "$tf"
}

run 1 || run 1 || exit 1
run 2
