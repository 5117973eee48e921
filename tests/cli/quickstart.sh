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
"$K" quickstart rpi5-8gb -o '/tmp/my models' | grep -qF "kolm export llama-3.2-3b.kolm --quant q4_k_m --device rpi5-8gb -o '/tmp/my models'" || fail "-o"
"$K" quickstart --airgap >"$T/ag.md" || fail "--airgap"
grep -q -- '--require-signature' "$T/ag.md" || fail "airgap verify"
rc=0; "$K" quickstart rpi9 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown device exit $rc"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "^kolm: .*rpi9" "$T/err" || fail "unknown device message: $(cat "$T/err")"
rc=0; "$K" quickstart 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "no device exit $rc"
rc=0; "$K" quickstart rpi5-8gb --json 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--json exit $rc"
# a pick that does not fit: the guide says so in its first line, exit 1;
# with --offload making it fit, exit 0
rc=0; "$K" quickstart rpi5-8gb --base llama-3.1-70b >"$T/over.md" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "over guide exit $rc"
head -1 "$T/over.md" | grep -q '^> \*\*Does not fit:\*\* Llama-3.1-70B at Q4_K - Medium needs 44.29 GB' || fail "over first line: $(head -1 "$T/over.md")"
grep -q "^kolm: quickstart: llama-3.1-70b at q4_k_m does not fit rpi5-8gb" "$T/err" || fail "over message: $(cat "$T/err")"
"$K" quickstart rtx-4090 --base llama-3.1-70b --quant q4_k_m --offload auto >"$T/off.md" || fail "offload guide"
head -1 "$T/off.md" | grep -q 'Does not fit' && fail "an offloaded guide that fits says it does not"
# this machine, as plan --device local sees it
"$K" quickstart local >"$T/local.md" || fail "quickstart local"
grep -q '^# kolm quickstart: this machine$' "$T/local.md" || fail "local title"
# a Vulkan device's guide builds llama.cpp for Vulkan before it runs -ngl
"$K" quickstart steam-deck --base llama-3.2-3b --quant int8 >"$T/deck.md" || fail steam-deck
grep -q -- '-DGGML_VULKAN=ON' "$T/deck.md" || fail "no Vulkan build in the steam-deck guide"
[ "$(grep -n -- '-DGGML_VULKAN=ON' "$T/deck.md" | cut -d: -f1)" -lt "$(grep -n -- '-ngl 99' "$T/deck.md" | head -1 | cut -d: -f1)" ] ||
	fail "the Vulkan build comes after the run line"
# the air-gap introduction once
[ "$(grep -c 'carry the signed artifact\|carry the signed .kolm' "$T/ag.md")" = 1 ] || fail "air-gap intro repeated"
echo ok
