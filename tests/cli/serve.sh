#!/bin/sh
# kolm serve as a process: prints its URL, answers /api/forecast with the
# bytes `kolm plan --json` prints (also with a user catalog from
# XDG_CONFIG_HOME, which both read), exits 0 on SIGTERM; usage errors exit 2,
# a port already taken exits 4.
set -eu
K=${KOLM:?}
T=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || { echo "serve.sh: curl not found, skipped"; exit 0; }
mkdir -p "$T/cfg/kolm"
cat >"$T/cfg/kolm/devices.json" <<'J'
{"schema": "kolm.devices/1", "devices": [
 {"id": "orange-pi-5", "name": "Orange Pi 5 (16 GB)", "class": "sbc", "memory_gb": 16, "memory_kind": "ram",
  "bandwidth_gbs": 34, "bandwidth_source": "user: LPDDR4X-4224 x 64-bit", "tflops_fp16": 0.4,
  "runtimes": ["llama.cpp-cpu"], "backend": "gguf"}]}
J
export XDG_CONFIG_HOME="$T/cfg"
"$K" serve --port 0 >"$T/url" 2>"$T/err" &
pid=$!
i=0
while ! grep -q '^kolm serve: http://127.0.0.1:[0-9]*/$' "$T/url" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "no URL printed: $(cat "$T/url" "$T/err")"
	sleep 0.05
done
url=$(sed -n 's/^kolm serve: //p' "$T/url")
for pick in "base=llama-3.2-3b&quant=int4&device=rpi5-8gb:--base llama-3.2-3b --quant int4 --device rpi5-8gb" \
	"base=mistral-7b&quant=q5_k_m&device=orange-pi-5&ctx=8192:--base mistral-7b --quant q5_k_m --device orange-pi-5 --ctx 8192" \
	"base=llama-3.1-70b&quant=q4_k_m&device=rtx-4090&offload=auto&kv_type=q8_0&ctx=max:--base llama-3.1-70b --quant q4_k_m --device rtx-4090 --offload auto --kv-type q8_0 --ctx max"; do
	q=${pick%%:*}
	args=${pick#*:}
	curl -fsS "${url}api/forecast?$q" >"$T/api" || fail "GET $q"
	# shellcheck disable=SC2086
	"$K" plan $args --json >"$T/cli"
	cmp -s "$T/api" "$T/cli" || fail "API differs from kolm plan --json for $q"
done
# as the CLI refuses them: an offload beyond the model's layers, a bad KV type
for q in "base=llama-3.1-70b&quant=q4_k_m&device=rtx-4090&offload=200" "base=llama-3.2-3b&device=rpi5-8gb&kv_type=q5"; do
	code=$(curl -s -o "$T/e" -w '%{http_code}' "${url}api/forecast?$q")
	[ "$code" = 400 ] || fail "$q: $code"
done
code=$(curl -s -o "$T/e" -w '%{http_code}' "${url}api/forecast?base=llama-3.2-3b&device=nope")
[ "$code" = 404 ] || fail "unknown device: $code"
grep -q '"schema": "kolm.error/1"' "$T/e" || fail "error body"
# a second server on the same port: exit 4, one line
port=$(echo "$url" | sed 's/.*:\([0-9]*\)\/$/\1/')
set +e
"$K" serve --port "$port" >/dev/null 2>"$T/busy"
rc=$?
set -e
[ $rc = 4 ] || fail "busy port: exit $rc"
[ "$(wc -l <"$T/busy")" = 1 ] || fail "busy port: not one line"
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
set +e
"$K" serve --port 70000 2>/dev/null; [ $? = 2 ] || fail "--port 70000 not a usage error"
"$K" serve --bogus 2>/dev/null; [ $? = 2 ] || fail "--bogus not a usage error"
"$K" serve extra 2>/dev/null; [ $? = 2 ] || fail "extra argument not a usage error"
set -e
"$K" serve --help | grep -q '^usage: kolm serve' || fail "--help"
echo "serve: ok"
