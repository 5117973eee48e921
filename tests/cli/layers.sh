#!/bin/sh
# libkolm's import graph (scripts/check-layers.py, src/lib/LAYERS): the real
# tree and the objects of $BUILD have no circle and every include and call
# runs down the layers.  Then, so the check provably fires, scratch copies of
# the tree that each break one rule must fail it: an upward include (core
# including serve's header), an upward call (a core object calling serve),
# two objects of one folder calling each other (a circle no header shows),
# and two modules of one folder including each other's headers.
. "$(dirname "$0")/common.inc"
B=$(cd "$here/${BUILD:?}" && pwd)
CL="$here/scripts/check-layers.py"
python3 "$CL" --build "$B" >"$T/real.txt" 2>&1 || { cat "$T/real.txt" >&2; fail "the tree breaks its layers"; }
grep -q "ok: no circles" "$T/real.txt" || fail "check-layers printed no verdict"

# a scratch tree (sources, public headers, LAYERS) with the real objects
scratch() {
	rm -rf "$T/s" && mkdir -p "$T/s/b/obj/src"
	cp -R "$here/src" "$here/include" "$T/s/"
	cp -R "$B/obj/src/lib" "$T/s/b/obj/src/"
}
# expect_fail WHAT PATTERN: check-layers on the scratch tree must exit 1
# and print PATTERN
expect_fail() {
	if python3 "$CL" --root "$T/s" --build "$T/s/b" >"$T/out.txt" 2>&1; then
		cat "$T/out.txt" >&2
		fail "$1: check-layers passed"
	fi
	grep -q "$2" "$T/out.txt" || { cat "$T/out.txt" >&2; fail "$1: no '$2' in its report"; }
}
plant() { # plant NAME C-SOURCE: src/lib/core/NAME.c and its object
	printf '%s\n' "$2" >"$T/s/src/lib/core/$1.c"
	${CC:-cc} -c -o "$T/s/b/obj/src/lib/core/$1.o" "$T/s/src/lib/core/$1.c" || fail "cannot compile $1.c"
}

scratch
printf '#include "kolm/serve.h"\n' >>"$T/s/src/lib/core/util.c"
expect_fail "upward include" 'core/util.c (core) includes "kolm/serve.h" (serve): against the direction'

scratch
plant planted 'void kolm_server_stop(void *s); void planted(void *s) { kolm_server_stop(s); }'
expect_fail "upward call" 'core/planted calls into serve/serve: against the direction'

scratch
plant planted_a 'int planted_b(int); int planted_a(int n) { return n ? planted_b(n - 1) : 0; }'
plant planted_b 'int planted_a(int); int planted_b(int n) { return n ? planted_a(n - 1) : 1; }'
expect_fail "call circle" 'module circle: core/planted_a -> core/planted_b -> core/planted_a'

scratch
printf '#include "data_internal.h"\n' >>"$T/s/src/lib/core/util.c"
expect_fail "include circle" 'module circle: core/data -> core/util -> core/data'
echo "ok: layers hold; an upward include, an upward call, a circle of calls and a circle of includes are each caught"
