#!/bin/sh
# kolm export: --preview prints exactly what `kolm plan --json` prints and
# touches nothing; a native GGUF export from an HF directory; the upstream
# toolchain for other backends, exercised with a STAND-IN executable placed
# first on PATH (mlx_lm cannot be installed here) that records its argument
# vector and writes the output directory; a missing toolchain is exit 4.
set -eu
K=${KOLM:?}
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
S=${KOLM_FIXTURES:-tests/fixtures}
S=$(cd "$S" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$T/cwd" && cd "$T/cwd"
"$K" plan --base llama-3.2-3b --quant q4_k_m --device rpi5-8gb --json >"$T/plan.json"
"$K" export --base llama-3.2-3b --quant q4_k_m --device rpi5-8gb --preview --json >"$T/preview.json"
cmp -s "$T/plan.json" "$T/preview.json" || fail "--preview differs from plan --json"
[ -z "$(ls -A "$T/cwd")" ] || fail "--preview created files"
grep -q '"export": "kolm export llama-3.2-3b.kolm --quant q4_k_m --device rpi5-8gb -o ."' "$T/preview.json" || fail "export command"

# native GGUF export, named <base>-<format>.gguf, with a receipt
"$K" export --from-dir "$S/models/aidreams260K-hf" --quant q8_0 --tensor-type ffn_down=f16 --device rpi5-8gb -o "$T/out" >/dev/null ||
	fail "native export"
[ -f "$T/out/aidreams260K-hf-q8_0.gguf" ] || fail "export file name"
[ -f "$T/out/aidreams260K-hf-q8_0.gguf.receipt.json" ] || fail "receipt"
"$K" inspect "$T/out/aidreams260K-hf-q8_0.gguf" | grep -q 'kolm.payload_sha256' || fail "kolm.* metadata"
ls "$T/out" | grep -q kolm-tmp && fail "temp file left"

# stand-in toolchain: records argv, writes the output directory
mkdir "$T/bin"
cat >"$T/bin/mlx_lm.convert" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >"$STANDIN_LOG"
out=""; while [ $# -gt 0 ]; do [ "$1" = --mlx-path ] && out=$2; shift; done
mkdir -p "$out" && echo weights >"$out/model.safetensors"
SH
chmod +x "$T/bin/mlx_lm.convert"
STANDIN_LOG="$T/argv" PATH="$T/bin:$PATH" "$K" export --base llama-3.2-3b --quant int4 --device m3-pro -o "$T/mlx" >/dev/null ||
	fail "toolchain export"
printf '%s\n' --hf-path meta-llama/Llama-3.2-3B --mlx-path "$T/mlx/llama-3.2-3b-mlx-4bit" -q --q-bits 4 --q-group-size 64 >"$T/want"
cmp -s "$T/argv" "$T/want" || { diff "$T/argv" "$T/want" >&2; fail "argument vector"; }
grep -q '"sha256"' "$T/mlx/llama-3.2-3b-mlx-4bit.receipt.json" || fail "toolchain receipt"

# the toolchain missing: exit 4, the install line and the command
set +e
PATH=/usr/bin:/bin "$K" export --base llama-3.2-3b --quant int4 --device m3-pro -o "$T/mlx2" 2>"$T/err"; rc=$?
set -e
[ "$rc" = 4 ] || fail "missing toolchain exit $rc"
grep -q "pip install mlx-lm" "$T/err" || fail "no install line"
grep -q "mlx_lm.convert --hf-path" "$T/err" || fail "no command line"

# native MLX export (interop/mlx.sh checks it against the real mlx_lm.convert):
# the directory, kolm.json's hashes true, the plan's size exact, refusals
A=$S/models/aidreams260K-hf
"$K" export --from-dir "$A" --quant mlx-4bit --group-size 32 --device m3-pro -o "$T/mx" >/dev/null || fail "native mlx export"
D=$T/mx/aidreams260K-hf-mlx-4bit
for f in config.json model.safetensors model.safetensors.index.json tokenizer.json kolm.json; do
	[ -f "$D/$f" ] || fail "mlx export: no $f"
done
grep -q '"group_size": 32,' "$D/config.json" || fail "mlx export: config.json lacks the group size"
cmp -s "$A/tokenizer.model" "$D/tokenizer.model" || fail "mlx export: tokenizer.model not copied"
sha256sum "$D/model.safetensors" | grep -q "$(sed -n '/"model.safetensors": {/,/}/s/.*"sha256": "\([0-9a-f]*\)".*/\1/p' "$D/kolm.json")" ||
	fail "mlx export: kolm.json's model.safetensors hash is not the file's"
ls "$T/mx" | grep -q kolm-tmp && fail "mlx export: temp directory left"
"$K" export --from-dir "$A" --quant mlx-8bit --device m3-pro -o "$T/mx8" >/dev/null || fail "native mlx-8bit export"
bytes=$("$K" plan --model "$A" --quant mlx-8bit --device m3-pro --json | sed -n 's/^    "bytes": \([0-9]*\),/\1/p' | head -1)
have=$(find "$T/mx8/aidreams260K-hf-mlx-8bit" -type f -exec cat {} + | wc -c | tr -d ' ')
[ -n "$bytes" ] && [ "$bytes" = "$have" ] || fail "mlx plan: forecast $bytes bytes, the export's directory has $have"
tb=$("$K" plan --config "$A/config.json" --quant mlx-8bit --device m3-pro --json | sed -n 's/^    "tensor_bytes": \([0-9]*\),/\1/p')
grep -q "\"total_size\": $tb," "$T/mx8/aidreams260K-hf-mlx-8bit/model.safetensors.index.json" ||
	fail "mlx plan --config: $tb tensor bytes, not the export's total_size"
set +e
"$K" export --from-dir "$A" --quant mlx-4bit --group-size 32 --device m3-pro -o "$T/mx" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 4 ] && grep -q 'exists and is not an empty directory' "$T/err" || fail "mlx export over a directory: exit $rc $(cat "$T/err")"
"$K" export --from-dir "$A" --quant mlx-4bit --group-size 48 --device m3-pro -o "$T/mx3" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 2 ] || fail "--group-size 48: exit $rc"
"$K" export --base llama-3.2-3b --quant q4_k_m --group-size 32 --device m3-pro -o "$T/mx3" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 2 ] || fail "--group-size on a GGUF format: exit $rc"
set -e
[ ! -e "$T/mx3" ] || [ -z "$(ls -A "$T/mx3")" ] || fail "a refused export wrote files"
# --tensor-type sets GGUF tensor types: an MLX export (which has none to
# set) refuses it, and so does the plan whose export line would carry it
set +e
"$K" export --from-dir "$S/models/stories260K-hf" --quant mlx-4bit --tensor-type ffn_down=q8_0 --device m3-pro \
	-o "$T/mx4" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 2 ] || fail "--tensor-type on an MLX export: exit $rc"
grep -q '^kolm: --tensor-type sets GGUF tensor types; mlx-4bit is an mlx format$' "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e "$T/mx4" ] || [ -z "$(ls -A "$T/mx4")" ] || fail "a refused MLX export wrote files"
"$K" plan --base llama-3.2-1b --quant mlx-4bit --tensor-type ffn_down=q8_0 --device m3-pro >"$T/pout" 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && [ ! -s "$T/pout" ] || fail "plan --quant mlx-4bit --tensor-type: exit $rc, printed $(head -3 "$T/pout")"
set -e
echo "export: ok"
