#!/bin/sh
# kolm quickstart: Markdown on stdout, usage errors exit 2 with one line.
set -eu
K=${KOLM:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$K" quickstart rpi5-8gb >"$T/qs.md" || fail "quickstart rpi5-8gb"
head -1 "$T/qs.md" | grep -qx '# kolm quickstart: Raspberry Pi 5 (8 GB)' || fail "title"
# the run line of the plan for the same pick is in it, verbatim
"$K" plan --base llama-3.2-3b --quant int4 --device rpi5-8gb >"$T/plan.txt"
run=$(grep -A1 '3 run on the device' "$T/plan.txt" | tail -1 | sed 's/^ *\$ //')
grep -qxF "$run" "$T/qs.md" || fail "run line '$run' not in quickstart"
# -o DIR flows into the commands
"$K" quickstart rpi5-8gb -o '/tmp/my models' | grep -qF "kolm export --base llama-3.2-3b --quant q4_k_m --device rpi5-8gb -o '/tmp/my models'" || fail "-o"
"$K" quickstart --airgap >"$T/ag.md" || fail "--airgap"
grep -q -- '--require-signature' "$T/ag.md" || fail "airgap verify"
rc=0; "$K" quickstart rpi9 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown device exit $rc"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "^kolm: .*rpi9" "$T/err" || fail "unknown device message: $(cat "$T/err")"
rc=0; "$K" quickstart 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "no device exit $rc"
rc=0; "$K" quickstart rpi5-8gb --json 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--json exit $rc"
echo ok
