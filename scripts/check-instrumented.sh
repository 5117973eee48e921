#!/bin/sh
# Check that every object in a static library calls each named runtime, i.e.
# was compiled with the instrumentation: __asan_ (AddressSanitizer),
# __ubsan_ (UBSan), __sanitizer_cov_ (libFuzzer's coverage).  Make does not
# rebuild an object when only the flags change, so a build directory made
# before SAN=1 worked kept plain objects; this notices.  Objects that define
# no function of their own are exempt: the embedded data (embedded.o), and an
# ISA's kernel file built for another ISA (kernels_arm.o on x86-64), whose
# only code is the sanitizer's module constructor.
#   scripts/check-instrumented.sh LIB.a PREFIX...    exit 0 all, 1 some missing
set -u
lib=$1
shift
syms=$(nm -A "$lib" 2>/dev/null) || {
	echo "kolm: $lib: cannot read its symbols" >&2
	exit 4
}
[ -n "$syms" ] || {
	echo "kolm: $lib: no symbols" >&2
	exit 1
}
rc=0
for p in "$@"; do
	missing=$(printf '%s\n' "$syms" | awk -F: -v p=" U $p" '
		{ seen[$2] = 1 }
		$3 ~ / T / { code[$2] = 1 }
		index($0, p) { has[$2] = 1 }
		END { for (o in seen) if (o != "embedded.o" && code[o] && !has[o]) print o }' | sort | tr '\n' ' ')
	if [ -n "$missing" ]; then
		echo "kolm: $lib: not instrumented ($p): ${missing}(rm -r its obj/ directory and rebuild)" >&2
		rc=1
	fi
done
[ $rc = 0 ] && echo "$lib: $(ar t "$lib" | grep -vc '^embedded\.o$') objects call $*"
exit $rc
