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
head -1 "$T/over.md" | grep -q '^> \*\*Does not fit:\*\* Llama-3.1-70B at Q4_K - Medium needs 44.31 GB' || fail "over first line: $(head -1 "$T/over.md")"
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
# SteamOS is Arch-based with a read-only root: its set-up is a distrobox
# container, never apt-get on the host (no apt-get there); another Vulkan
# device keeps the Debian/Ubuntu line
for d in steam-deck steam-deck-oled; do
	"$K" quickstart "$d" >"$T/deck.md" || fail "quickstart $d"
	grep -qx 'distrobox create --name llama --image ubuntu:24.04' "$T/deck.md" || fail "$d: no distrobox container"
	[ "$(grep -n 'distrobox enter llama' "$T/deck.md" | head -1 | cut -d: -f1)" -lt "$(grep -n 'apt-get' "$T/deck.md" | head -1 | cut -d: -f1)" ] ||
		fail "$d: apt-get before entering the container"
	grep -q 'on Debian/Ubuntu sudo apt-get' "$T/deck.md" && fail "$d: the Debian set-up line"
done
"$K" quickstart strix-halo >"$T/strix.md" 2>/dev/null || true
grep -q 'distrobox' "$T/strix.md" && fail "strix-halo: SteamOS's set-up"
grep -q 'on Debian/Ubuntu sudo apt-get install libvulkan-dev' "$T/strix.md" || fail "strix-halo: lost the Vulkan set-up"
# the air-gap introduction once: in --airgap, and in every device's guide
# (the hand-written ones and the generated one; exit 1 is a guide that says
# its pick does not fit)
[ "$(grep -c 'carry the signed artifact\|carry the signed .kolm' "$T/ag.md")" = 1 ] || fail "air-gap intro repeated"
"$K" devices --json >"$T/devs.json" || fail "kolm devices --json"
n=0
for d in $(sed -n 's/^ *"id": "\([^"]*\)",*$/\1/p' "$T/devs.json"); do
	rc=0; "$K" quickstart "$d" >"$T/dev.md" 2>/dev/null || rc=$?
	[ "$rc" -le 1 ] || fail "quickstart $d: exit $rc"
	[ "$(grep -c 'carry the signed artifact\|carry the signed .kolm' "$T/dev.md")" = 1 ] &&
		[ "$(grep -c '^## Air-gapped transfer' "$T/dev.md")" = 1 ] || fail "quickstart $d: the air-gap intro is not there exactly once"
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n devices' guides checked"
# the iPhone guide's MLX route (issue 23): kolm's own MLX export, the
# directory copied into the app's container, a note (not a shell command)
# naming the MLX Swift call, verify binding the directory; the default stays
# Core ML; a device that cannot run MLX says so, not "no default base"
"$K" quickstart iphone-15-pro --quant mlx-4bit >"$T/ip.md" || fail "quickstart iphone-15-pro --quant mlx-4bit"
grep -qx 'kolm export llama-3.2-3b.kolm --quant mlx-4bit --device iphone-15-pro -o .' "$T/ip.md" || fail "iPhone MLX export line"
grep -q '^xcrun devicectl device copy to .* --source ./llama-3.2-3b-mlx-4bit --destination Documents/llama-3.2-3b-mlx-4bit ' "$T/ip.md" ||
	fail "iPhone MLX transfer"
grep -q '^# on the phone: .*MLX Swift.*ModelConfiguration(directory: URL)' "$T/ip.md" || fail "iPhone MLX run note"
grep -qx 'kolm verify llama-3.2-3b.kolm ./llama-3.2-3b-mlx-4bit' "$T/ip.md" || fail "iPhone MLX verify"
grep -q '^mlx_lm\.\(server\|benchmark\)\|^kolm bench' "$T/ip.md" && fail "a shell command for the phone: $(grep '^mlx_lm\.\(server\|benchmark\)\|^kolm bench' "$T/ip.md")"
grep -q 'runs it with MLX Swift' "$T/ip.md" && grep -q '^## The MLX route (MLX Swift)$' "$T/ip.md" || fail "iPhone MLX guide text"
"$K" quickstart iphone-15-pro >"$T/ipd.md" || fail "quickstart iphone-15-pro"
grep -q 'kolm export llama-3.2-3b.kolm --quant coreml-int4 --device iphone-15-pro' "$T/ipd.md" || fail "iPhone default is not Core ML"
rc=0; "$K" quickstart pixel-8 --quant mlx-4bit >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^kolm: pixel-8: cannot run mlx; its runtimes are ' "$T/err" ||
	fail "a device without MLX: exit $rc $(cat "$T/err")"
# a guide walks the journey from a catalog base; a file of one's own is
# refused in one line that names the plan command for it (it used to fail
# with exit 3 on the template's missing download step)
F=${KOLM_FIXTURES:?}
for src in "--model $F/models/gguf/stories260K-q8_0.gguf" "--config $F/models/stories260K-hf/config.json"; do
	rc=0; "$K" quickstart laptop-x86 $src >"$T/o" 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/o" ] &&
		grep -q "^kolm: quickstart: guides start from a catalog base (--base ID); for .*, 'kolm plan ${src%% *} .* --device laptop-x86' prints the steps that apply to it$" "$T/err" ||
		fail "quickstart $src: exit $rc $(cat "$T/err")"
done
echo ok
