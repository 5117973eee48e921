#!/bin/sh
# Catalog overrides: --data-dir / KOLM_DATA_DIR replace a data file; the
# user's $XDG_CONFIG_HOME/kolm/devices.json and bases.json extend the
# catalogs through the same parser; a malformed user file is exit 3.
set -eu
K=${KOLM:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$T/cfg/kolm" "$T/data"
cat >"$T/cfg/kolm/devices.json" <<'J'
{"schema": "kolm.devices/1", "devices": [
 {"id": "orange-pi-5", "name": "Orange Pi 5 (16 GB)", "class": "sbc", "memory_gb": 16, "memory_kind": "ram",
  "bandwidth_gbs": 34, "bandwidth_source": "user: LPDDR4X-4224 x 64-bit", "tflops_fp16": 0.4,
  "runtimes": ["llama.cpp-cpu"], "backend": "gguf"}]}
J
cat >"$T/cfg/kolm/bases.json" <<'J'
{"schema": "kolm.bases/1", "bases": [
 {"id": "my-tiny", "name": "My tiny llama", "tokenizer": "llama-spm",
  "config": {"model_type": "llama", "vocab_size": 32000, "hidden_size": 512, "intermediate_size": 1536,
             "num_hidden_layers": 8, "num_attention_heads": 8, "num_key_value_heads": 8}}]}
J
XDG_CONFIG_HOME="$T/cfg" "$K" plan --base my-tiny --quant q8_0 --device orange-pi-5 --json >"$T/out" || fail "user catalog"
grep -q '"id": "orange-pi-5"' "$T/out" || fail "user device not used"
grep -q '"memory_bytes": 16000000000' "$T/out" || fail "user device memory"
XDG_CONFIG_HOME="$T/cfg" "$K" devices | grep -q '^orange-pi-5' || fail "devices lists user device"
# an existing id is replaced by the user's entry
sed 's/"orange-pi-5"/"rpi5-8gb"/' "$T/cfg/kolm/devices.json" >"$T/d.json" && mv "$T/d.json" "$T/cfg/kolm/devices.json"
XDG_CONFIG_HOME="$T/cfg" "$K" plan --base my-tiny --quant q8_0 --device rpi5-8gb --json | grep -q '"bandwidth_bytes_per_s": 34000000000' || fail "override by id"
# malformed user file: exit 3, one line naming it
echo '{"devices": [' >"$T/cfg/kolm/devices.json"
set +e; XDG_CONFIG_HOME="$T/cfg" "$K" devices >/dev/null 2>"$T/err"; rc=$?; set -e
[ "$rc" = 3 ] || fail "malformed user catalog exit $rc"
grep -q "devices.json" "$T/err" || fail "message does not name the file"
# --data-dir replaces a whole data file (here: one device only)
cat >"$T/data/devices.json" <<'J'
{"schema": "kolm.devices/1", "devices": [
 {"id": "lab-box", "name": "Lab box", "class": "custom", "memory_gb": 64, "memory_kind": "ram",
  "bandwidth_gbs": 100, "tflops_fp16": 2, "runtimes": ["llama.cpp-cpu"], "backend": "gguf"}]}
J
[ "$("$K" --data-dir "$T/data" devices | wc -l)" = 2 ] || fail "--data-dir"
[ "$(KOLM_DATA_DIR="$T/data" "$K" devices | wc -l)" = 2 ] || fail "KOLM_DATA_DIR"
"$K" plan --data-dir "$T/data" --base llama-3.2-1b --quant int4 --device lab-box >/dev/null || fail "plan with --data-dir"
echo "catalog overrides: ok"
