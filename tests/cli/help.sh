#!/bin/sh
# Every verb's --help against its parser, through the binary, so the two
# cannot drift: each option the help lists is accepted (the parser neither
# calls it unknown nor misses its value), and each option it does not list is
# refused as unknown.  The options tried as not listed are every option any
# verb lists, every option docs/kolm.1 names, and --bogus.  --help (and -h
# where a verb takes it) prints the help and is the one option not listed;
# the global --data-dir goes with every command (kolm --help), and
# getopt_long takes an unambiguous abbreviation of a listed option.
# Then docs/kolm.1: each verb's section lists the same options, with the
# same words, as its --help.
# Operands after the options are five junk words, which every verb refuses
# after reading its options, so no option here starts any work.
set -eu
K=${KOLM:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)
man="$root/docs/kolm.1"
# Under make valgrind the ~1,300 refusals run without valgrind (a
# refusal is getopt and one line of stderr; valgrind would take an hour).
KU=$K
[ "${KOLM_VALGRIND:-0}" = 1 ] && KU=${BUILD:?}/kolm
case $K in /*) ;; *) K=$(pwd)/$K ;; esac
case $KU in /*) ;; *) KU=$(pwd)/$KU ;; esac
cd "$T"
JUNK="j1 j2 j3 j4 j5"

verbs=$("$K" --help | sed -n 's/^  \([a-z][a-z]*\)  *.*/\1/p')
# global options (kolm --help's usage line) go with every command
global=$("$K" --help | sed -n '1s/^usage: kolm \(.*\)<command>.*/\1/p' | grep -o -- '--[a-z-]*' | sed 's/^--//')
[ -n "$global" ] || fail "no global option in kolm --help's usage line"
[ "$(echo "$verbs" | wc -l)" -ge 17 ] || fail "kolm --help lists $(echo "$verbs" | wc -l) commands"

# An option row as "long<TAB>short<TAB>value<TAB>text" from its spec
# ("-s, --long VALUE") and text, "-" for a missing part (awk, shared by the
# help and the man page).
SPEC='
function row(spec, text,   n, w, k, long, short, val) {
	gsub(/^ +| +$/, "", text); gsub(/  +/, " ", text)
	n = split(spec, w, " ")
	for (k = 1; k <= n; k++) {
		if (w[k] ~ /^--/) long = substr(w[k], 3)
		else if (w[k] ~ /^-[A-Za-z],?$/) short = substr(w[k], 2, 1)
		else val = w[k]
	}
	print (long == "" ? "-" : long) "\t" (short == "" ? "-" : short) "\t" (val == "" ? "-" : val) "\t" (text == "" ? "-" : text)
}'
# A help's rows: "  -s, --long VALUE  text", the text continued on deeper
# indented lines (and put there whole when the spec is long).
rows() {
	awk "$SPEC"'
	function flush() { if (spec != "") row(spec, text); spec = "" }
	/^  -/ {
		flush()
		line = substr($0, 3)
		i = index(line, "  ")
		if (i) { spec = substr(line, 1, i - 1); text = substr(line, i) } else { spec = line; text = "" }
		next
	}
	/^    / && spec != "" { text = text " " $0; next }
	{ flush() }
	END { flush() }'
}
# docs/kolm.1's rows for verb $1: in the section .SS "kolm VERB", each option
# entry is .TP, a tag line (.B/.BI/.BR, roff \- for -), then its text.
man_rows() {
	sed 's/\\-/-/g; s/\\(en/-/g' "$man" | awk -v want=".SS \"kolm $1\"" "$SPEC"'
	function flush() { if (tag != "") row(tag, text); tag = ""; text = "" }
	/^\.S[SH] / { flush(); insec = ($0 == want); next }
	!insec { next }
	/^\.TP/ { flush(); want_tag = 1; next }
	want_tag { tag = $0; sub(/^\.[A-Z]+ /, "", tag); gsub(/"/, "", tag); want_tag = 0; next }
	/^\./ { flush(); next }
	tag != "" { text = text " " $0 }
	END { flush() }'
}

for v in $verbs; do
	"$K" "$v" --help >"$T/$v.help" || fail "$v --help exit $?"
	head -1 "$T/$v.help" | grep -q "^usage: kolm $v" || fail "$v --help: first line $(head -1 "$T/$v.help")"
	rows <"$T/$v.help" >"$T/$v.rows"
	[ -s "$T/$v.rows" ] || fail "$v --help lists no option"
done
cut -f1 "$T"/*.rows | grep -vx -- - | sort -u >"$T/all-long"
# the options the man page names anywhere (\-\-name)
grep -o '\\-\\-[a-z0-9][a-z0-9]*\(\\-[a-z0-9][a-z0-9]*\)*' "$man" | sed 's/\\-/-/g; s/^--//' >>"$T/all-long"
echo bogus >>"$T/all-long"
sort -u -o "$T/all-long" "$T/all-long"

# try KOLM VERB OPTION [VALUE]: the parser's verdict, on stderr in $T/err
try() {
	_k=$1
	_v=$2
	shift 2
	# shellcheck disable=SC2086
	"$_k" "$_v" "$@" $JUNK >/dev/null 2>"$T/err" </dev/null || true
}

n=0
for v in $verbs; do
	while IFS='	' read -r long short val text; do
		[ "$text" != - ] || fail "$v: --$long -$short has no help text"
		forms=""
		[ "$long" = - ] || forms="--$long"
		[ "$short" = - ] || forms="$forms -$short"
		for form in $forms; do
			if [ "$val" != - ]; then try "$K" "$v" "$form" 1; else try "$K" "$v" "$form"; fi
			if grep -q "unknown option\|needs a value" "$T/err"; then
				fail "$v --help lists $form but the parser says: $(cat "$T/err")"
			fi
			n=$((n + 1))
		done
	done <"$T/$v.rows"
	cut -f1 "$T/$v.rows" | sort -u >"$T/$v.long"
	for opt in $(comm -23 "$T/all-long" "$T/$v.long"); do
		case " help $global " in *" $opt "*) continue ;; esac
		# getopt_long takes an unambiguous abbreviation of a listed option
		[ "$(grep -c "^$opt" "$T/$v.long")" = 1 ] && continue
		try "$KU" "$v" "--$opt"
		grep -q "unknown option '--$opt'" "$T/err" ||
			fail "$v --help does not list --$opt but the parser does not refuse it: $(cat "$T/err")"
		n=$((n + 1))
	done
done

# docs/kolm.1 lists each verb's options as its --help does: the same rows,
# value names and words, in the same order
for v in $verbs; do
	man_rows "$v" >"$T/$v.man"
	grep -q . "$T/$v.man" || fail "docs/kolm.1 has no section .SS \"kolm $v\" with option entries"
	diff "$T/$v.rows" "$T/$v.man" >"$T/diff" ||
		fail "docs/kolm.1 'kolm $v' differs from 'kolm $v --help' (< help, > man):
$(cat "$T/diff")"
done
echo "ok: $n option checks over $(echo "$verbs" | wc -w) verbs; docs/kolm.1 agrees"
