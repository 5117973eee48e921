#!/bin/sh
# bench/serve.sh - load on `kolm serve`'s /api/forecast with wrk over loopback.
# A benchmark, not a test: it prints requests/s and p99 latency; the target
# is >= 20,000 req/s with p99 < 5 ms with wrk and the server sharing the box.
#
# usage: bench/serve.sh [BUILD_DIR]
#   DURATION=10s  CONNECTIONS=16  WRK_THREADS=1  SERVER_THREADS=(online CPUs)
#
# Two runs, each bounded by DURATION:
#   one pick   the same forecast again and again (the response cache's case)
#   spread     every catalog base x a dozen devices x int4/int8, in turn
#              (the first visit to each pick computes the forecast)
set -eu
B=${1:-build}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-1}
KOLM="$B/kolm"
command -v wrk >/dev/null 2>&1 || { echo "bench/serve.sh: wrk not found (apt-get install wrk)" >&2; exit 4; }
[ -x "$KOLM" ] || { echo "bench/serve.sh: $KOLM not built (make BUILD=$B)" >&2; exit 4; }

tmp=$(mktemp -d)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

set -- serve --host 127.0.0.1 --port 0
[ -n "${SERVER_THREADS:-}" ] && set -- "$@" --threads "$SERVER_THREADS"
"$KOLM" "$@" >"$tmp/url" 2>"$tmp/err" &
srv_pid=$!
i=0
while ! grep -q 'http://' "$tmp/url" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "bench/serve.sh: kolm serve did not start: $(cat "$tmp/err")" >&2; exit 4; }
	sleep 0.05
done
url=$(grep -o 'http://[^ ]*' "$tmp/url")
url=${url%/}
one="$url/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb"
curl -fsS "$one" >/dev/null 2>&1 || true # warm: the first answer computes, the rest are cached

# the spread: paths for wrk's Lua script
"$KOLM" bases --json | sed -n 's/^ *"id": "\([^"]*\)".*/\1/p' >"$tmp/bases"
"$KOLM" devices --json | sed -n 's/^ *"id": "\([^"]*\)".*/\1/p' | head -n 12 >"$tmp/devices"
{
	echo 'paths = {'
	while read -r b; do
		while read -r d; do
			for q in int4 int8; do
				echo "  \"/api/forecast?base=$b&quant=$q&device=$d\","
			done
		done <"$tmp/devices"
	done <"$tmp/bases"
	echo '}'
	cat <<'EOF'
i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
EOF
} >"$tmp/spread.lua"
npaths=$(grep -c '/api/forecast' "$tmp/spread.lua")

summary() { # label file
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$2")
	p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$2")
	p50=$(sed -n 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p' "$2")
	errs=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$2")
	printf '%-10s %10s req/s   p50 %-9s p99 %-9s non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${errs:-0}"
}

echo "kolm serve at $url ($(nproc) CPUs; wrk: $WRK_THREADS thread(s), $CONNECTIONS connections, $DURATION per run)"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$one" >"$tmp/one.txt"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$tmp/spread.lua" "$url" >"$tmp/spread.txt"
summary "one pick" "$tmp/one.txt"
summary "spread" "$tmp/spread.txt"
echo "(spread: $npaths distinct picks in turn; target: >= 20000 req/s, p99 < 5 ms)"
