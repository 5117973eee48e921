#!/bin/sh
# The C manifest check and the JSON Schema (docs/kolm-manifest.schema.json)
# agree: ajv (npm, pinned in tests/schema) validates each sample manifest,
# kolm verify judges the same manifest inside an artifact, and the verdicts
# must match each other and the expected one.
. "$(dirname "$0")/common.inc"
[ -d "$here/tests/schema/node_modules/ajv" ] || fail "ajv not installed: run make deps (npm ci in tests/schema)"
"$K" pack "$S/models/stories260K-hf" --evalpack "$here/tests/data/evalpack-stories.jsonl" -o "$T/a.kolm" --k-score 0.9 >/dev/null
mkdir "$T/m" "$T/v"
(cd "$T/m" && tar -xf "$T/a.kolm")
node "$here/tests/schema/check.js" "$here/docs/kolm-manifest.schema.json" "$T/m/kolm.json" "$T/v" >"$T/ajv.txt" ||
	{ cat "$T/ajv.txt"; fail "ajv disagrees with the expected verdicts"; }
order="config.json tokenizer.json tokenizer.model tokenizer_config.json evalpack.jsonl model.safetensors"
n=0
while read -r i expect ajv label; do
	cp "$T/v/$i.json" "$T/m/kolm.json"
	(cd "$T/m" && tar --format=pax -cf "$T/x.kolm" kolm.json $order)
	st=$("$K" verify "$T/x.kolm" --json | sed -n '/"name": "manifest"/,/}/p' | sed -n 's/.*"status": "\([A-Z]*\)".*/\1/p')
	c=invalid
	[ "$st" = OK ] && c=valid
	[ "$c" = "$ajv" ] || fail "sample $i ($label): ajv says $ajv, kolm says $c ($st)"
	n=$((n + 1))
done <"$T/ajv.txt"
[ "$n" -ge 20 ] || fail "only $n samples"
echo "ok: $n sample manifests, ajv and kolm agree"
