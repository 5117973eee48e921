#!/bin/sh
# The CLI tests (tests/cli/*.sh) against build directory $1; with
# KOLM_VALGRIND=1 every kolm invocation runs under
# `valgrind --error-exitcode=1 --leak-check=full` (make valgrind), so a
# memory error or a leak fails the test that caused it.
set -u
B=${1:-build}
K="$B/kolm"
if [ "${KOLM_VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || { echo "kolm: valgrind is not installed (make deps)" >&2; exit 4; }
	W="$B/kolm-valgrind"
	cat >"$W" <<EOW
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$(pwd)/$B/kolm" "\$@"
EOW
	chmod +x "$W"
	K="$W"
fi
mkdir -p "$B/tests"
pass=0
fail=0
failed=""
for t in tests/cli/*.sh; do
	name=$(basename "$t" .sh)
	if KOLM="$K" BUILD="$B" KOLM_SHARED="${KOLM_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}" sh "$t" >"$B/tests/cli-$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS cli/$name"
	else
		fail=$((fail + 1))
		failed="$failed cli/$name"
		echo "FAIL cli/$name"
		tail -n 30 "$B/tests/cli-$name.log"
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
