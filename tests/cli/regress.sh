#!/bin/sh
# Behaviour snapshot (tests/regress/run.sh): 94 kolm commands and API
# requests give byte for byte the outputs recorded in tests/regress/expected.
. "$(dirname "$0")/common.inc"
KOLM="$K" sh "$here/tests/regress/run.sh" "$BUILD" || fail "outputs differ from tests/regress/expected (re-record with tests/regress/run.sh BUILD --record when the change is deliberate)"
