#!/bin/sh
# Behaviour snapshot: run every line of tests/regress/commands.txt with the
# kolm of build directory $1 and compare its stdout, stderr and exit code
# with tests/regress/expected/NNN.txt, byte for byte (after replacing the
# scratch directory with @T@ and the fixtures directory with @FX@).  The
# exports' sha256 and the kolm serve API answers are recorded the same way.
#   tests/regress/run.sh BUILD            compare (exit 1 on any difference)
#   tests/regress/run.sh BUILD --record   rewrite expected/ (a deliberate change)
# SOURCE_DATE_EPOCH pins pack's timestamps; --device local is never used.
set -u
cd "$(dirname "$0")/../.."
B=${1:-build}
record=0
[ "${2:-}" = --record ] && record=1
K=${KOLM:-"$(pwd)/$B/kolm"}
FX=tests/fixtures
E=tests/regress/expected
T=$(mktemp -d /tmp/kolm-regress.XXXXXX)
O=$T/out
mkdir -p "$O"
spid=""
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$T"' EXIT
export SOURCE_DATE_EPOCH=1764979200 TZ=UTC LC_ALL=C NO_COLOR=1
unset KOLM_DATA_DIR
export XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/data" XDG_CACHE_HOME="$T/cache"
norm() { sed "s|$T|@T@|g; s|$(pwd)/$FX|@FX@|g; s|$FX|@FX@|g"; }
n=0
while IFS= read -r line; do
	case "$line" in '#'* | '') continue ;; esac
	cmd=$(printf '%s' "$line" | sed "s|@T@|$T|g; s|@FX@|$FX|g")
	case "$line" in
	'!'*) sh -c "${cmd#!}" >/dev/null 2>&1; continue ;;
	esac
	n=$((n + 1))
	f=$(printf '%s/%03d.txt' "$O" "$n")
	{
		printf '$ kolm %s\n' "$line"
		# shellcheck disable=SC2086
		set -f; "$K" $cmd >"$T/o" 2>"$T/e"; rc=$?; set +f
		norm <"$T/o"
		printf -- '--- stderr\n'
		norm <"$T/e"
		printf -- '--- exit %d\n' "$rc"
	} >"$f"
done <tests/regress/commands.txt
n=$((n + 1))
{ echo '$ sha256 of the exports'; norm <"$T/exports.sha256"; } >"$(printf '%s/%03d.txt' "$O" "$n")"
# the HTTP API, byte for byte
"$K" serve --port 0 >"$T/url" 2>"$T/serve.err" &
spid=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url=$(head -1 "$T/url" | grep -o 'http://[^ ]*' | sed 's|/$||')
for q in '/healthz' '/api/catalog' \
	'/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb' \
	'/api/forecast?base=llama-3.1-8b&quant=q4_k_m&device=rtx-4090' \
	'/api/forecast?base=phi-3-mini&quant=int4&device=iphone-15-pro' \
	'/api/forecast?base=nonexistent&quant=int4&device=rpi5-8gb' \
	'/api/matrix?all=devices&base=llama-3.2-1b&quant=int4' \
	'/api/matrix?all=quants&base=qwen2.5-7b&device=jetson-orin-nano' \
	'/api/nothing'; do
	n=$((n + 1))
	{ printf '$ GET %s\n' "$q"; curl -s -i "$url$q" | tr -d '\r' | grep -iv '^date:'; } >"$(printf '%s/%03d.txt' "$O" "$n")"
done
kill "$spid"
wait "$spid" 2>/dev/null
spid=""
if [ $record = 1 ]; then
	rm -rf "$E"
	mkdir -p "$E"
	cp "$O"/*.txt "$E"/
	echo "recorded $n outputs in $E"
	exit 0
fi
bad=0
for f in "$O"/*.txt; do
	g="$E/$(basename "$f")"
	if ! cmp -s "$f" "$g"; then
		bad=$((bad + 1))
		echo "differs: $(head -1 "$f")"
		diff "$g" "$f" | head -20
	fi
done
[ "$(ls "$E" | wc -l)" = "$(ls "$O" | wc -l)" ] || { echo "expected $(ls "$E" | wc -l) outputs, made $(ls "$O" | wc -l)"; bad=$((bad + 1)); }
[ $bad = 0 ] || { echo "FAIL: $bad of $n outputs differ from tests/regress/expected"; exit 1; }
echo "ok: $n outputs identical to tests/regress/expected"
