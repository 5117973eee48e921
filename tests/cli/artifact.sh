#!/bin/sh
# kolm keygen / pack / sign / verify / export X.kolm from the command line:
# exit codes, one-line errors, no half-written files, preview == plan.
. "$(dirname "$0")/common.inc"
HF="$S/models/stories260K-hf"
EP="$here/tests/data/evalpack-stories.jsonl"
one_line() { [ "$(wc -l <"$1")" = 1 ] && grep -q '^kolm: ' "$1" || fail "$2: not one 'kolm:' line: $(cat "$1")"; }
code() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; echo "$rc"; }

"$K" keygen -o "$T/k" >"$T/kg" || fail keygen
grep -q '^fingerprint SHA256:[0-9a-f]\{64\}$' "$T/kg" || fail "keygen fingerprint"
[ "$(stat -c %a "$T/k")" = 600 ] || fail "private key mode"
[ "$(code "$K" keygen -o "$T/k")" = 2 ] || fail "keygen over an existing key"
one_line "$T/err" "keygen exists"
"$K" keygen -o "$T/other" >/dev/null
# an existing .pub is not overwritten either (both files are created O_EXCL)
echo mine >"$T/kx.pub"
[ "$(code "$K" keygen -o "$T/kx")" = 2 ] || fail "keygen over an existing .pub"
one_line "$T/err" "keygen .pub exists"
[ "$(cat "$T/kx.pub")" = mine ] || fail "keygen overwrote kx.pub"
[ ! -e "$T/kx" ] || fail "keygen left a private key beside a .pub it did not write"

# pack refuses K below the gate; nothing is left at the output path
[ "$(code "$K" pack "$HF" --evalpack "$EP" -o "$T/low.kolm" --k-score 0.5)" = 1 ] || fail "gate exit"
one_line "$T/err" "gate"
grep -q 'below the gate 0.85' "$T/err" || fail "gate message"
ls "$T" | grep -q 'low.kolm' && fail "pack left a file behind"
# a malformed eval pack: exit 3, the line named
printf '{"id": "a", "prompt": "p", "expected": "e", "match": "exact"}\n{"id": "b"\n' >"$T/bad.jsonl"
[ "$(code "$K" pack "$HF" --evalpack "$T/bad.jsonl" -o "$T/b.kolm")" = 3 ] || fail "bad evalpack exit"
one_line "$T/err" "bad evalpack"
grep -q 'line 2' "$T/err" || fail "bad evalpack line"
# without --evalpack: the built-in pack (data/evalpack.jsonl, byte for byte),
# measured, with no compile gate; --min-k still sets one
"$K" pack "$HF" -o "$T/builtin.kolm" >"$T/out" 2>"$T/err" || fail "pack without --evalpack: $(cat "$T/err")"
grep -q 'eval pack 106 items, K measured, gate 0.00' "$T/out" || fail "built-in pack: $(cat "$T/out")"
[ -s "$T/err" ] && fail "pack printed progress off a TTY: $(cat "$T/err")"
# on a TTY (script(1) gives it one) the K measurement's progress and its time
command -v script >/dev/null || fail "script (util-linux) missing: the TTY progress cannot be checked"
script -qec "'$K' pack '$HF' -o '$T/tty.kolm'" /dev/null >"$T/tty" 2>&1 || fail "pack on a TTY: $(cat "$T/tty")"
tr '\r' '\n' <"$T/tty" | grep -q '^K-score (fp16 reference): 106/106 items, [0-9.]* s$' ||
	fail "pack on a TTY: no progress line: $(cat "$T/tty")"
tr '\r' '\n' <"$T/tty" | grep -q '^K-score (fp16 reference): 1/106 items' || fail "pack on a TTY: no first item"
tar -xOf "$T/builtin.kolm" evalpack.jsonl | cmp -s - "$here/data/evalpack.jsonl" || fail "the member is not the built-in pack"
"$K" verify "$T/builtin.kolm" >"$T/out" || fail "verify the built-in pack's artifact: $(cat "$T/out")"
[ "$(code "$K" pack "$HF" -o "$T/builtin-gated.kolm" --min-k 0.5)" = 1 ] || fail "--min-k with the built-in pack"
grep -q 'below the gate 0.50' "$T/err" || fail "built-in pack gate message: $(cat "$T/err")"
[ ! -e "$T/builtin-gated.kolm" ] || fail "a refused pack left its file"

"$K" pack "$HF" --evalpack "$EP" -o "$T/s.kolm" --k-score 0.9 >/dev/null || fail pack
# SOURCE_DATE_EPOCH makes a pack reproducible byte for byte: the manifest's
# "created" and every member's mtime are that time (tar itself shows it)
SOURCE_DATE_EPOCH=1700000000 "$K" pack "$HF" --evalpack "$EP" -o "$T/r1.kolm" --k-score 0.9 >/dev/null || fail "pack r1"
sleep 1
SOURCE_DATE_EPOCH=1700000000 "$K" pack "$HF" --evalpack "$EP" -o "$T/r2.kolm" --k-score 0.9 >/dev/null || fail "pack r2"
cmp -s "$T/r1.kolm" "$T/r2.kolm" || fail "two packs with one SOURCE_DATE_EPOCH differ"
tar -xOf "$T/r1.kolm" kolm.json | grep -q '"created": "2023-11-14T22:13:20Z"' || fail "created is not SOURCE_DATE_EPOCH"
TZ=UTC tar -tvf "$T/r1.kolm" | grep -q ' 2023-11-14 22:13 model.safetensors$' || fail "member mtime is not SOURCE_DATE_EPOCH"
[ "$(SOURCE_DATE_EPOCH=yesterday code "$K" pack "$HF" --evalpack "$EP" -o "$T/r3.kolm" --k-score 0.9)" = 2 ] || fail "bad SOURCE_DATE_EPOCH"
one_line "$T/err" "bad SOURCE_DATE_EPOCH"
tar tf "$T/s.kolm" | head -1 | grep -qx kolm.json || fail "kolm.json first (tar tf)"
"$K" sign "$T/s.kolm" --key "$T/k" >/dev/null || fail sign
# a private key others can read is refused; a symlink's target is signed in place
cp "$T/k" "$T/k644" && chmod 644 "$T/k644"
[ "$(code "$K" sign "$T/s.kolm" --key "$T/k644")" = 3 ] || fail "sign with a world-readable key"
one_line "$T/err" "world-readable key"
grep -q 'readable by group or others.*--force' "$T/err" || fail "world-readable key message: $(cat "$T/err")"
"$K" sign "$T/r2.kolm" --key "$T/k644" --force >/dev/null || fail "sign --force with a world-readable key"
"$K" verify "$T/r2.kolm" --pubkey "$T/k.pub" >/dev/null || fail "sign --force did not sign"
cp "$T/r1.kolm" "$T/target.kolm" && ln -s target.kolm "$T/link.kolm"
"$K" sign "$T/link.kolm" --key "$T/k" >/dev/null || fail "sign through a symlink"
[ -L "$T/link.kolm" ] || fail "sign replaced the symlink with a file"
"$K" verify "$T/target.kolm" --pubkey "$T/k.pub" >/dev/null || fail "the symlink's target is not signed"
tar tf "$T/s.kolm" | tail -1 | grep -qx kolm.sig || fail "kolm.sig last"
# preview == plan for the artifact, and no file appears
"$K" export "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T/outdir" --preview --json >"$T/preview.json"
"$K" plan --model "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T/outdir" --json >"$T/plan.json"
cmp -s "$T/preview.json" "$T/plan.json" || fail "export X.kolm --preview differs from plan"
[ ! -e "$T/outdir" ] || fail "--preview created the output directory"
"$K" export "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T" --no-measure >/dev/null 2>"$T/err" || fail "export: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "export printed a progress bar when stderr is not a TTY: $(cat "$T/err")"
# the binding re-derives the export under $TMPDIR/kolm-<uid>/, removes it after,
# and first clears what a killed run (a pid that no longer exists) left there
mkdir -p "$T/tmp/kolm-$(id -u)/kolm-pack-k-999999999-AbCdEf" && chmod 700 "$T/tmp/kolm-$(id -u)"
echo stale >"$T/tmp/kolm-$(id -u)/kolm-pack-k-999999999-AbCdEf/f16.gguf"
TMPDIR="$T/tmp" "$K" verify "$T/s.kolm" "$T/s-f16.gguf" --pubkey "$T/k.pub" --require-signature >"$T/v" || fail "verify: $(cat "$T/v")"
# five OK lines; quality SKIP: the export's K was not measured (--no-measure),
# and a forecast is no verdict
[ "$(grep -c '^OK ' "$T/v")" = 5 ] && grep -q '^SKIP  quality         K 0.900 (declared) >= gate 0.85; export K not measured' "$T/v" ||
	fail "five OK lines and quality SKIP: $(cat "$T/v")"
grep -q '^OK    export binding  re-derived from this artifact (f16): payload' "$T/v" || fail "binding line: $(cat "$T/v")"
[ -z "$(ls -A "$T/tmp/kolm-$(id -u)")" ] || fail "temp work left behind: $(ls -A "$T/tmp/kolm-$(id -u)")"
"$K" inspect "$T/s-f16.gguf" | grep -q 'kolm manifest   stories260K-hf (kolm/1)' || fail "inspect shows the manifest"
# export --sign: the receipt is signed with the artifact's key and embedded;
# verify --pubkey binds the export by it (no re-derivation, nothing in TMPDIR),
# --regenerate re-derives too, and openssl alone checks the receipt file
"$K" export "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T/sg" --no-measure --sign "$T/k" >"$T/out" 2>"$T/err" || fail "export --sign: $(cat "$T/err")"
grep -q "^wrote $T/sg/s.*-f16.gguf (receipt: .*, signed by key [0-9a-f]\{16\}…)$" "$T/out" || fail "export --sign line: $(cat "$T/out")"
SG=$(ls "$T"/sg/*-f16.gguf)
mkdir -p "$T/tmp2"
TMPDIR="$T/tmp2" "$K" verify "$T/s.kolm" "$SG" --pubkey "$T/k.pub" --require-signature >"$T/v" || fail "verify signed export: $(cat "$T/v")"
grep -q '^OK    export binding  by its signed receipt (key [0-9a-f]\{16\}…)' "$T/v" || fail "signed binding line: $(cat "$T/v")"
[ -z "$(ls -A "$T/tmp2")" ] || fail "the signed binding re-derived the export: $(ls -A "$T/tmp2")"
"$K" verify "$T/s.kolm" "$SG" --pubkey "$T/k.pub" --regenerate >"$T/v" || fail "verify --regenerate: $(cat "$T/v")"
grep -q '^OK    export binding  re-derived from this artifact (f16).*and its signed receipt is valid for key' "$T/v" || fail "--regenerate line: $(cat "$T/v")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["signature"]; open(sys.argv[2],"w").write(r["statement"]); open(sys.argv[3],"wb").write(bytes.fromhex(r["signature"]))' \
	"$SG.receipt.json" "$T/st.txt" "$T/st.sig" || fail "receipt has no signature"
openssl pkeyutl -verify -pubin -inkey "$T/k.pub" -rawin -in "$T/st.txt" -sigfile "$T/st.sig" >/dev/null || fail "openssl does not verify the receipt"
grep -q "^payload_sha256 $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["payload_sha256"])' "$SG.receipt.json")$" "$T/st.txt" || fail "the statement does not name the payload"
# the signed export's tensor data changed: the binding fails, exit 1
cp "$SG" "$T/sg-bad.gguf"
printf '\001' | dd of="$T/sg-bad.gguf" bs=1 seek=$(( $(stat -c %s "$SG") - 100 )) conv=notrunc 2>/dev/null
[ "$(code "$K" verify "$T/s.kolm" "$T/sg-bad.gguf" --pubkey "$T/k.pub")" = 1 ] || fail "tampered signed export"
grep -q '^FAIL  export binding' "$T/out" || fail "tampered signed export line: $(cat "$T/out")"
# --sign with a key that did not sign the artifact: exit 1, one line, nothing written
[ "$(code "$K" export "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T/sg2" --no-measure --sign "$T/other")" = 1 ] || fail "export --sign other key"
one_line "$T/err" "export --sign other key"
[ -z "$(ls "$T/sg2" 2>/dev/null)" ] || fail "export --sign other key wrote: $(ls "$T/sg2")"
# --sign with a key others can read: exit 3, one line, and no --force to suggest (only kolm sign has it)
[ "$(code "$K" export "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T/sg4" --no-measure --sign "$T/k644")" = 3 ] || fail "export --sign k644"
one_line "$T/err" "export --sign k644"
grep -q -- '--force' "$T/err" && fail "export suggests --force, which it does not have: $(cat "$T/err")"
# the GGUF cannot be renamed into place (a directory is there): exit 4 and no receipt describes it
mkdir -p "$T/sg5/$(basename "$SG")"
[ "$(code "$K" export "$T/s.kolm" --quant f16 --device rpi5-8gb -o "$T/sg5" --no-measure --sign "$T/k")" = 4 ] || fail "export over a directory"
[ ! -e "$T/sg5/$(basename "$SG").receipt.json" ] || fail "a failed export left its receipt"
# --sign on an MLX format: usage
[ "$(code "$K" export "$T/s.kolm" --quant mlx-4bit --device m3-pro -o "$T/sg3" --no-measure --sign "$T/k")" = 2 ] || fail "export --sign mlx"
one_line "$T/err" "export --sign mlx"
# wrong key: exit 1, the signature line says FAIL
[ "$(code "$K" verify "$T/s.kolm" --pubkey "$T/other.pub")" = 1 ] || fail "wrong key exit"
grep -q '^FAIL  signature' "$T/out" || fail "wrong key line"
# not a tar at all: container FAIL, exit 1; a missing file: exit 4, one line
head -c 5000 /dev/urandom >"$T/junk.kolm"
[ "$(code "$K" verify "$T/junk.kolm")" = 1 ] || fail "junk exit"
grep -q '^FAIL  container' "$T/out" || fail "junk container"
[ "$(code "$K" verify "$T/missing.kolm")" = 4 ] || fail "missing exit"
one_line "$T/err" "missing"
# --pubkey on an unsigned artifact: exit 1, the signature line says why (no SKIP)
"$K" pack "$HF" --evalpack "$EP" -o "$T/u.kolm" --k-score 0.9 >/dev/null || fail "pack unsigned"
[ "$(code "$K" verify "$T/u.kolm" --pubkey "$T/k.pub")" = 1 ] || fail "--pubkey on an unsigned artifact"
grep -q '^FAIL  signature *unsigned, but --pubkey was given' "$T/out" || fail "unsigned --pubkey line: $(cat "$T/out")"
# export from an artifact with a flipped weight byte (signed manifest kept):
# exit 1, one line naming the member, nothing written
cp "$T/s.kolm" "$T/flip.kolm"
off=$(( $(grep -abo 'kolm.sig' "$T/s.kolm" | tail -1 | cut -d: -f1) - 2000 ))  # in the weights' tensor data
printf '\377' | dd of="$T/flip.kolm" bs=1 seek="$off" conv=notrunc 2>/dev/null
[ "$(code "$K" export "$T/flip.kolm" --quant f16 --device rpi5-8gb -o "$T/fx" --no-measure)" = 1 ] || fail "tampered export exit"
one_line "$T/err" "tampered export"
grep -q 'model.safetensors' "$T/err" || fail "tampered export names the member: $(cat "$T/err")"
[ -z "$(ls "$T/fx" 2>/dev/null)" ] || fail "tampered export left files: $(ls "$T/fx")"
# SHA-256 fails closed: an OpenSSL config loading only the null provider
# makes pack and verify stop with one line (exit 4), never all-zero hashes
printf 'openssl_conf = oi\n[oi]\nproviders = ps\n[ps]\nnull = ns\n[ns]\nactivate = 1\n' >"$T/null.cnf"
[ "$(OPENSSL_CONF="$T/null.cnf" code "$K" pack "$HF" --evalpack "$EP" -o "$T/n.kolm" --k-score 0.9)" = 4 ] || fail "null provider pack"
one_line "$T/err" "null provider pack"
grep -q 'SHA-256 unavailable' "$T/err" || fail "null provider pack message"
[ ! -e "$T/n.kolm" ] || fail "null provider pack wrote a file"
[ "$(OPENSSL_CONF="$T/null.cnf" code "$K" verify "$T/u.kolm")" = 4 ] || fail "null provider verify"
one_line "$T/err" "null provider verify"
# --json: the six checks under fixed names
"$K" verify "$T/s.kolm" --json >"$T/v.json"
for n in container manifest integrity signature "export binding" quality; do
	grep -q "\"name\": \"$n\"" "$T/v.json" || fail "json check $n"
done
# the progress bar appears on a TTY (script(1) gives the export one)
if command -v script >/dev/null 2>&1; then
	script -qec "'$K' export '$T/s.kolm' --quant f32 --device rpi5-8gb -o '$T' --no-measure" /dev/null >"$T/tty" 2>&1 || fail "export on a tty"
	grep -q 'ETA' "$T/tty" || fail "no progress bar on a TTY: $(cat "$T/tty")"
	# and verify's re-derivation shows its progress too
	script -qec "'$K' verify '$T/s.kolm' '$T/s-f16.gguf' --regenerate" /dev/null >"$T/tty" 2>&1 || fail "verify on a tty"
	grep -q 're-deriving the export \[' "$T/tty" || fail "no re-derivation progress on a TTY: $(cat "$T/tty")"
fi
echo ok
