#!/bin/sh
# The C manifest check and the JSON Schema (docs/kolm-manifest.schema.json)
# agree: Python jsonschema (Draft 2020-12, pinned in requirements-dev.txt,
# installed into .venv/ by scripts/install-deps.sh) validates each sample
# manifest (tests/schema/check.py, which first checks the schema itself), kolm
# verify judges the same manifest inside an artifact, and the verdicts must
# match each other and the expected one.
. "$(dirname "$0")/common.inc"
py="$here/.venv/bin/python"
"$py" -c 'import jsonschema' 2>/dev/null || fail "jsonschema not installed in .venv: run scripts/install-deps.sh (make deps)"
"$K" pack "$S/models/stories260K-hf" --evalpack "$here/tests/data/evalpack-stories.jsonl" -o "$T/a.kolm" --k-score 0.9 >/dev/null
mkdir "$T/m" "$T/v"
(cd "$T/m" && tar -xf "$T/a.kolm")
"$py" "$here/tests/schema/check.py" "$here/docs/kolm-manifest.schema.json" "$T/m/kolm.json" "$T/v" >"$T/schema.txt" ||
	{ cat "$T/schema.txt"; fail "jsonschema disagrees with the expected verdicts, or refused the schema"; }
order="config.json tokenizer.json tokenizer.model tokenizer_config.json evalpack.jsonl model.safetensors"
n=0
while read -r i expect js label; do
	cp "$T/v/$i.json" "$T/m/kolm.json"
	(cd "$T/m" && tar --format=pax -cf "$T/x.kolm" kolm.json $order)
	st=$("$K" verify "$T/x.kolm" --json | sed -n '/"name": "manifest"/,/}/p' | sed -n 's/.*"status": "\([A-Z]*\)".*/\1/p')
	c=invalid
	[ "$st" = OK ] && c=valid
	[ "$c" = "$js" ] || fail "sample $i ($label): jsonschema says $js, kolm says $c ($st)"
	n=$((n + 1))
done <"$T/schema.txt"
[ "$n" -ge 20 ] || fail "only $n samples"
echo "ok: $n sample manifests, jsonschema and kolm agree"
