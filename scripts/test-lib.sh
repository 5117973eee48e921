# Sourced by run-tests.sh and run-cli-tests.sh: one test run, counted.
# run_test NAME LOG COMMAND...  runs COMMAND with its output in LOG, prints
# PASS/FAIL NAME (and the log's tail on failure), and counts it.
pass=0
fail=0
failed=""
run_test() {
	_name=$1
	_log=$2
	shift 2
	if "$@" >"$_log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $_name"
	else
		fail=$((fail + 1))
		failed="$failed $_name"
		echo "FAIL $_name"
		tail -n 30 "$_log"
	fi
}
# the CLI tests (tests/cli/*.sh) with kolm binary $1, logs under $2
run_cli_tests() {
	for _t in tests/cli/*.sh; do
		[ -f "$_t" ] || continue
		_n=$(basename "$_t" .sh)
		KOLM="$1" BUILD="$B" KOLM_FIXTURES="$S_DIR" run_test "cli/$_n" "$2/cli-$_n.log" sh "$_t"
	done
}
finish() {
	[ -n "$failed" ] && echo "failed:$failed"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
