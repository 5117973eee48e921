#!/bin/sh
# kolm bench --via llama-bench runs the real llama-bench (found in PATH) and
# reports the numbers it printed.  A wrapper first in PATH runs the reference
# llama-bench and keeps a copy of its stdout and argument vector, so the
# check is exact:
#   1. kolm passed -m MODEL -p -n -r -t -o json as asked;
#   2. kolm's --json fields are llama-bench's own: avg_ts/stddev_ts of the pp
#      and tg tests (to the 10 significant digits kolm prints reals with), n_prompt, n_gen, repetitions (samples), n_threads,
#      model_size, model_n_params, model_filename, model_type, and the format
#      (q4_k_m from "llama ?B Q4_K - Medium"); the text output prints the
#      same averages; --from-json on the saved output gives the same;
#   3. with the real llama-bench itself first in PATH (no wrapper), kolm's
#      result has the tests, model and threads of a direct llama-bench -o
#      json run, and speeds within a factor 10 of it (two runs on a shared
#      machine never agree exactly);
#   4. an artifact (.kolm) is benchmarked through its F16 export;
#   5. llama-bench missing from PATH, or failing, is exit 4 with a message.
# Models: tests/fixtures/models/kquant/synth-q4_k_m.gguf (llama-quantize's
# own Q4_K_M, 2 MB) and aidreams260K packed.  One thread: two threads spin on
# this shared 2-core machine.
. "$(dirname "$0")/llama.inc"
M=$S/models/kquant/synth-q4_k_m.gguf
[ -f "$M" ] || fail "$M is missing"
mkdir -p "$T/bin"
cat >"$T/bin/llama-bench" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/argv"
"$LB/llama-bench" "\$@" >"$T/printed.json" 2>"$T/lb.err"
rc=\$?
cat "$T/printed.json"
exit \$rc
EOF
chmod +x "$T/bin/llama-bench"
PATH0=$PATH

# compare KOLM.json LLAMA-BENCH.json MODE: MODE exact or plausible
compare() {
	"$PY" - "$1" "$2" "$3" <<'EOF' || exit 1
import json, sys
k, l, mode = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def fail(msg):
    print("FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)
pp = [e for e in l if e["n_prompt"] > 0 and e["n_gen"] == 0]
tg = [e for e in l if e["n_prompt"] == 0 and e["n_gen"] > 0]
if len(pp) != 1 or len(tg) != 1 or len(l) != 2:
    fail("llama-bench printed %d tests, not one pp and one tg" % len(l))
pp, tg = pp[0], tg[0]
want = {"n_prompt": pp["n_prompt"], "n_gen": tg["n_gen"], "repetitions": len(pp["samples_ts"]),
        "threads": pp["n_threads"], "model_bytes": pp["model_size"], "n_params": pp["model_n_params"],
        "model_type": pp["model_type"], "runtime": "llama.cpp-cpu"}
if mode == "exact":
    want["model"] = pp["model_filename"]
for f, v in want.items():
    if k.get(f) != v:
        fail("%s: kolm reports %r, llama-bench printed %r" % (f, k.get(f), v))
for kf, e in (("pp", pp), ("tg", tg)):
    got, printed = k.get(kf + "_tps"), e["avg_ts"]
    if not (isinstance(got, float) and 0 < got < 1e8):
        fail("%s_tps %r is not a plausible speed" % (kf, got))
    if mode == "exact":  # kolm prints reals with 10 significant digits (cli_print_json)
        if got != float("%.10g" % printed) or k.get(kf + "_sd") != float("%.10g" % e["stddev_ts"]):
            fail("%s: kolm reports %r +- %r t/s, llama-bench printed %r +- %r" % (kf, got, k.get(kf + "_sd"), printed, e["stddev_ts"]))
    elif not printed / 10 < got < printed * 10:
        fail("%s: kolm's run %.1f t/s, a direct llama-bench run %.1f t/s: more than a factor 10 apart" % (kf, got, printed))
print("%s %s pp%d %.1f +- %.1f t/s, tg%d %.1f +- %.1f t/s, %d repetitions, %d thread(s), %d bytes, %d parameters, format %s" % (
    mode, k["model_type"], k["n_prompt"], k["pp_tps"], k["pp_sd"], k["n_gen"], k["tg_tps"], k["tg_sd"],
    k["repetitions"], k["threads"], k["model_bytes"], k["n_params"], k["format"]))
EOF
}

# 1-2. through the wrapper: exactly what llama-bench printed
PATH="$T/bin:$PATH0" "$K" bench "$M" --via llama-bench -p 32 -n 16 -r 3 -t 1 --json >"$T/kolm.json" 2>"$T/err" ||
	fail "kolm bench --via llama-bench: exit $?: $(cat "$T/err")"
[ -s "$T/printed.json" ] || fail "kolm bench --via llama-bench did not run the llama-bench in PATH"
printf '%s\n' -m "$M" -p 32 -n 16 -r 3 -t 1 -o json >"$T/argv.want"
cmp -s "$T/argv" "$T/argv.want" || fail "kolm ran llama-bench $(tr '\n' ' ' <"$T/argv"), not $(tr '\n' ' ' <"$T/argv.want")"
echo "ok kolm ran: llama-bench $(tr '\n' ' ' <"$T/argv" | sed "s|$S/||")"
compare "$T/kolm.json" "$T/printed.json" exact >"$T/cmp" || fail "kolm bench --json vs llama-bench's own output"
fmt=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["format"])' "$T/kolm.json")
[ "$fmt" = q4_k_m ] || fail "format: kolm reports '$fmt' for a $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["model_type"])' "$T/printed.json") file, want q4_k_m"
echo "ok --json equals llama-bench's printed JSON: $(cat "$T/cmp")"
# the text output prints the same averages
PATH="$T/bin:$PATH0" "$K" bench "$M" --via llama-bench -p 32 -n 16 -r 3 -t 1 >"$T/kolm.txt" 2>"$T/err" ||
	fail "kolm bench --via llama-bench (text): exit $?: $(cat "$T/err")"
for t in pp tg; do
	want=$("$PY" -c "import json,sys; e=[e for e in json.load(open(sys.argv[1])) if (e['n_gen']==0)==('$t'=='pp')][0]; print('%s%-5d  %10.2f +- %.2f tok/s' % ('$t', e['n_prompt'] or e['n_gen'], e['avg_ts'], e['stddev_ts']))" "$T/printed.json")
	grep -qxF "$want" "$T/kolm.txt" || fail "text output lacks '$want' (llama-bench printed it): $(grep "^$t" "$T/kolm.txt")"
done
echo "ok text output prints llama-bench's averages: $(grep '^pp\|^tg' "$T/kolm.txt" | tr -s ' ' | tr '\n' ';')"
"$K" bench --from-json "$T/printed.json" --json >"$T/from.json" || fail "kolm bench --from-json: exit $?"
compare "$T/from.json" "$T/printed.json" exact >/dev/null || fail "--from-json of the same output"
echo "ok --from-json of the saved output: the same numbers"

# 3. the real llama-bench itself first in PATH, against a direct run
PATH="$LB:$PATH0" "$K" bench "$M" --via llama-bench -p 32 -n 16 -r 3 -t 1 --json >"$T/kolm2.json" 2>"$T/err" ||
	fail "kolm bench --via llama-bench (PATH=$LB): exit $?: $(cat "$T/err")"
"$LB/llama-bench" -m "$M" -p 32 -n 16 -r 3 -t 1 -o json >"$T/direct.json" 2>"$T/lb.err" ||
	fail "llama-bench -o json: exit $?: $(tail -2 "$T/lb.err")"
compare "$T/kolm2.json" "$T/direct.json" plausible >"$T/cmp" || fail "kolm bench --via llama-bench vs a direct llama-bench run"
echo "ok with $LB first in PATH: $(cat "$T/cmp"); direct llama-bench: $("$PY" -c 'import json,sys; print(", ".join("%s %.1f t/s" % ("pp%d" % e["n_prompt"] if e["n_prompt"] else "tg%d" % e["n_gen"], e["avg_ts"]) for e in json.load(open(sys.argv[1]))))' "$T/direct.json")"

# 4. an artifact: kolm exports it (F16) and runs llama-bench on the export
printf '{"id": "1", "prompt": "Once upon a time", "expected": ", pixels", "match": "prefix"}\n' >"$T/ep.jsonl"
"$K" pack "$S/models/aidreams260K-hf" --evalpack "$T/ep.jsonl" -o "$T/a.kolm" --no-measure >/dev/null 2>"$T/err" ||
	fail "kolm pack: $(cat "$T/err")"
rm -f "$T/printed.json"
PATH="$T/bin:$PATH0" "$K" bench "$T/a.kolm" --via llama-bench -p 16 -n 8 -r 2 -t 1 --json >"$T/kolm3.json" 2>"$T/err" ||
	fail "kolm bench a.kolm --via llama-bench: exit $?: $(cat "$T/err")"
compare "$T/kolm3.json" "$T/printed.json" exact >"$T/cmp" || fail "kolm bench a.kolm --via llama-bench"
grep -q 'F16.*format f16$' "$T/cmp" || fail "a.kolm: not benchmarked as its F16 export: $(cat "$T/cmp")"
echo "ok a.kolm through its F16 export: $(cat "$T/cmp")"

# 5. no llama-bench, or a failing one: exit 4 and a message
rc=0
PATH=/usr/bin:/bin "$K" bench "$M" --via llama-bench -p 8 -n 0 -r 1 -t 1 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 4 ] || fail "llama-bench not in PATH: exit $rc, want 4"
grep -q '^kolm: .*llama-bench is not installed' "$T/err" || fail "llama-bench not in PATH: $(cat "$T/err")"
rc=0
PATH="$T/bin:$PATH0" "$K" bench "$T/missing.gguf" --via llama-bench -p 8 -n 0 -r 1 -t 1 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 4 ] || fail "llama-bench failing (no such model): exit $rc, want 4"
grep -q '^kolm: llama-bench failed (exit [1-9]' "$T/err" || fail "llama-bench failing: $(cat "$T/err")"
echo "ok without llama-bench in PATH, and when it fails: exit 4, '$(head -c 70 "$T/err")'"
