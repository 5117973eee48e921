#!/bin/sh
# --device local names this machine's CPU, cores and memory correctly,
# compared with nproc, free -b and /proc/cpuinfo (not with kolm's parser).
set -eu
K=${KOLM:?}
out=$("$K" plan --base llama-3.2-1b --quant q4_0 --device local --json)
cores=$(printf '%s' "$out" | sed -n 's/^ *"cores": \([0-9]*\),$/\1/p')
mem=$(printf '%s' "$out" | sed -n '/"detected"/,/}/s/^ *"memory_bytes": \([0-9]*\),$/\1/p')
[ "$cores" = "$(nproc --all)" ] || { echo "cores $cores != nproc $(nproc --all)"; exit 1; }
[ "$mem" = "$(free -b | awk '/^Mem:/ {print $2}')" ] || { echo "memory $mem != free -b"; exit 1; }
model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)
if [ -n "$model" ]; then
	printf '%s' "$out" | grep -qF "\"cpu_model\": \"$model\"" || { echo "cpu model not named"; exit 1; }
fi
echo "local: ok ($cores cores, $mem bytes)"
