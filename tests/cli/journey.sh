#!/bin/sh
# The printed journey's steps run as printed, and what cannot run is not
# printed (issue 20):
# - a GGUF format kolm cannot export (needs an importance matrix: q2_k_s,
#   iq2_xs; no quantizer: iq3_s) is refused by plan (exit 2, one line, the
#   formats that can be made), skipped in --all-quants, never a --best winner;
# - plan --model X.gguf: its own type is used as stored (no step 1, the
#   user's file is what moves); another type prints a kolm quantize line with
#   --allow-requantize / --tensor-type as needed, and that line runs;
# - plan --model X.kolm --tensor-type keeps the override on the export line;
# - export's "no fallback" hint, followed, gives an export that works;
# - kolm export X.gguf points to kolm quantize; export --base finds the
#   checkpoint in ./NAME or the Hugging Face cache (HF_HUB_CACHE layout), or
#   fails with the exact download and pack commands; -o DIR/ is not DIR//;
# - kolm verify lines for an ONNX / Core ML export check the .kolm alone
#   (the export is the upstream toolchain's, from the checkpoint), and run;
# - text: small sizes not "0.00 GB"/"0.00B", no scientific notation, long
#   names cut with "...", inspect's member count and --sha256, quantize/pack
#   -o DIR refused before any work, a missing Python module in one line.
. "$(dirname "$0")/common.inc"
K=$(cd "$(dirname "$K")" && pwd)/$(basename "$K")
S=$(cd "$S" && pwd)
G=$S/models/gguf
mkdir "$T/w" && cd "$T/w"

# --- formats kolm cannot export ---
for q in q2_k_s iq2_xs iq3_s; do
	set +e; "$K" plan --base llama-3.2-3b --quant "$q" --device rpi5-8gb >"$T/out" 2>"$T/err"; rc=$?; set -e
	[ "$rc" = 2 ] || fail "plan --quant $q: exit $rc, not 2"
	[ "$(wc -l <"$T/err")" = 1 ] && grep -q "^kolm: --quant $q: kolm cannot export it (.*); the GGUF formats it exports: .*q2_k" "$T/err" ||
		fail "plan --quant $q: $(cat "$T/err")"
	[ -s "$T/out" ] && fail "plan --quant $q printed a forecast"
done
"$K" plan --base llama-3.2-3b --device rpi5-8gb --all-quants >"$T/m"
grep -q '^iq2_xs .*kolm cannot export it (it needs an importance matrix' "$T/m" || fail "--all-quants: iq2_xs row"
grep -q '^q2_k  .* pass ' "$T/m" || fail "--all-quants: q2_k row"
# no row claims a --backend the user did not give
"$K" plan --base qwen2.5-7b --device jetson-orin-nano --all-quants --json | grep -q 'chosen with --backend' &&
	fail "--all-quants rows say 'chosen with --backend' without --backend"
"$K" plan --base qwen2.5-7b --device jetson-orin-nano --all-quants --backend gguf --json | grep -q 'chosen with --backend' ||
	fail "--all-quants --backend gguf: the reason"
set +e; "$K" plan --base llama-3.1-70b --device rpi5-8gb --best >"$T/b" 2>&1; set -e
grep -q 'the closest is q2_k ' "$T/b" || fail "--best closest: $(grep closest "$T/b")"
grep -q 'kolm export llama-3.1-70b.kolm --quant q2_k ' "$T/b" || fail "--best winner's export line"
# a gate every candidate misses: the closest is the one nearest the gate
set +e; "$K" plan --base llama-3.2-3b --device rpi5-8gb --best --min-tps 50 >"$T/b" 2>&1; rc=$?; set -e
[ "$rc" = 1 ] && grep -Eq '^winner: no candidate passes the fit and gates; the closest is q2_k \(the smallest overshoot: --min-tps [0-9]+(\.[0-9]+)?, limit 50\)$' "$T/b" ||
	fail "--best --min-tps 50: exit $rc, $(grep closest "$T/b")"
# the overshoot is q2_k's decode figure: a 1.3 GB file on the Pi's 17 GB/s, 5-10 tok/s
awk '/^winner:/ { sub(/.*--min-tps /, ""); v = $0 + 0; exit !(v > 5 && v < 10) }' "$T/b" ||
	fail "--best --min-tps 50: q2_k's overshoot $(grep closest "$T/b") is not a Pi 5 decode figure"

# --ctx max with --offload: the largest context whose split fits (the host
# side passing), as plan --ctx N --offload auto evaluates it; one token more
# does not pass; with no offload nothing fits and a caveat says 4096
"$K" plan --base llama-3.1-70b --device rtx-4090 --offload auto --ctx max --json >"$T/cm.json"
n=$(grep -o '"max_pass": [0-9]*' "$T/cm.json" | head -1 | cut -d' ' -f2)
f=$(grep -o '"max_fit": [0-9]*' "$T/cm.json" | head -1 | cut -d' ' -f2)
[ "$n" -gt 4096 ] && [ "$f" -ge 32768 ] || fail "--ctx max --offload auto: max_pass $n, max_fit $f"
grep -q "\"ctx\": $n," "$T/cm.json" && grep -q "llama-server .* -c $n -ngl " "$T/cm.json" || fail "--ctx max --offload: not run at $n"
grep -q 'whose --offload split still fits' "$T/cm.json" || fail "--ctx max --offload: the rule"
"$K" plan --base llama-3.1-70b --device rtx-4090 --offload auto --ctx "$n" | grep -q 'in host RAM: .* (pass)' || fail "ctx $n: host side does not pass"
"$K" plan --base llama-3.1-70b --device rtx-4090 --offload auto --ctx $((n + 1)) | grep -q 'in host RAM: .* (tight)' || fail "ctx $n+1 still passes"
"$K" plan --base llama-3.1-70b --device rtx-4090 --offload auto --ctx "$f" | grep -q 'in host RAM: .* (tight)' || fail "ctx $f does not fit"
"$K" plan --base llama-3.1-70b --device rtx-4090 --offload auto --ctx $((f + 1)) | grep -q 'in host RAM: .* (over)' || fail "ctx $f+1 still fits"
"$K" plan --base llama-3.1-70b --device rtx-4090 --ctx max | grep -q -- '- --ctx max: no context fits in usable memory, so the forecast uses the default 4096 tokens$' ||
	fail "--ctx max, nothing fits: no caveat"

# --- a GGUF the user has ---
"$K" plan --model "$G/stories260K-q8_0.gguf" --quant q8_0 --device rpi5-8gb >"$T/p"
grep -q 'kolm quantize' "$T/p" && fail "same-type requantize printed"
grep -q "\$ scp $G/stories260K-q8_0.gguf pi@raspberrypi.local:models/" "$T/p" || fail "as stored: the user's file moves"
grep -q '\$ llama-server -m models/stories260K-q8_0.gguf ' "$T/p" || fail "as stored: run line"
"$K" plan --model "$G/stories260K-q8_0.gguf" --quant q4_k_m --device rpi5-8gb --json >"$T/p.json"
line=$(sed -n 's/^    "export": "\(.*\)",$/\1/p' "$T/p.json")
case $line in "kolm quantize --allow-requantize $G/stories260K-q8_0.gguf ./stories260K-q8_0-q4_k_m.gguf Q4_K_M") ;;
*) fail "requantize line: $line" ;; esac
(PATH=$(dirname "$K"):$PATH; eval "$line") >/dev/null || fail "the printed requantize failed: $line"
"$K" inspect stories260K-q8_0-q4_k_m.gguf | grep -q 'file type       Q4_K - Medium' || fail "requantized file type"
"$K" plan --model "$G/stories260K-f16.gguf" --quant q8_0 --tensor-type ffn_down=f16 --device rpi5-8gb --json >"$T/p.json"
line=$(sed -n 's/^    "export": "\(.*\)",$/\1/p' "$T/p.json")
case $line in "kolm quantize --tensor-type ffn_down=f16 $G/stories260K-f16.gguf ./stories260K-f16-q8_0.gguf Q8_0") ;;
*) fail "quantize line with the override: $line" ;; esac
(PATH=$(dirname "$K"):$PATH; eval "$line") >/dev/null || fail "the printed quantize failed: $line"

# --- the .kolm: the override stays on the export line; the hint works ---
"$K" pack "$S/models/aidreams260K-hf" -o aid.kolm >/dev/null
"$K" plan --model aid.kolm --quant q8_0 --tensor-type ffn_down=f16 --device rpi5-8gb >"$T/p"
grep -q '\$ kolm export aid.kolm --quant q8_0 --device rpi5-8gb --tensor-type ffn_down=f16 -o \.$' "$T/p" ||
	fail "override dropped from the export line: $(grep 'kolm export' "$T/p")"
# an ONNX / Core ML export is made by its upstream toolchain from the .kolm's
# checkpoint, and bound by its receipt: the verify lines name the export,
# the air-gap lines sign it and carry NAME.receipt.json beside it
# (tests/cli/export_upstream.sh runs such an export and its verify)
for pick in "onnx-int4 pixel-8" "coreml-int4 iphone-15-pro" "onnx-int4 snapdragon-x-elite"; do
	set -- $pick
	"$K" plan --model aid.kolm --quant "$1" --device "$2" --json >"$T/p.json"
	for key in verify airgap_target; do
		sed -n "s/^    \"$key\": \"\(.*\)\",\{0,1\}$/\1/p" "$T/p.json" | sed 's/\\n/\n/g' | grep '^kolm verify' >"$T/v" ||
			fail "$1 on $2: no $key line"
		grep -q "aid-$1" "$T/v" || fail "$1 on $2: $key does not bind the export: $(cat "$T/v")"
	done
	grep -q -- '--pubkey kolm-signing.key.pub --require-signature' "$T/v" || fail "$1 on $2: air-gap verify unsigned: $(cat "$T/v")"
	grep -q "aid-$1[.a-z]*.receipt.json" "$T/p.json" || fail "$1 on $2: the air-gap lines do not carry the receipt"
	grep -q -- "--device $2 --sign kolm-signing.key -o" "$T/p.json" || fail "$1 on $2: the air-gap export is not signed"
done
# the MLX route on the iPhone (issue 23): the printed export and verify run
# as printed and bind; the transfer copies the directory the export wrote;
# the run step is a note naming MLX Swift's call, no mlx_lm command
"$K" plan --model aid.kolm --quant mlx-4bit --device iphone-15-pro --json >"$T/p.json"
for key in export verify; do
	line=$(sed -n "s/^    \"$key\": \"\(.*\)\",$/\1/p" "$T/p.json")
	case "$key:$line" in
	"export:kolm export aid.kolm --quant mlx-4bit --device iphone-15-pro -o ." | "verify:kolm verify aid.kolm ./aid-mlx-4bit") ;;
	*) fail "MLX on iphone-15-pro: $key line '$line'" ;;
	esac
	(PATH=$(dirname "$K"):$PATH; eval "$line") >"$T/out" || fail "MLX on iphone-15-pro: the printed $key failed: $(cat "$T/out")"
done
grep -q '^OK    export binding' "$T/out" || fail "MLX on iphone-15-pro: verify does not bind: $(cat "$T/out")"
grep -q '"transfer": "xcrun devicectl device copy to .* --source ./aid-mlx-4bit --destination Documents/aid-mlx-4bit ' "$T/p.json" &&
	[ -f aid-mlx-4bit/config.json ] || fail "MLX on iphone-15-pro: the transfer does not copy the exported directory"
grep -q '"run": "# on the phone: your iOS app loads Documents/aid-mlx-4bit .*ModelConfiguration(directory: URL)' "$T/p.json" ||
	fail "MLX on iphone-15-pro: run note"
grep -q 'mlx_lm\.[a-z]* --model' "$T/p.json" && fail "MLX on iphone-15-pro: an mlx_lm command for a phone"
rm -rf aid-mlx-4bit aid-mlx-4bit.receipt.json
set +e; "$K" export aid.kolm --quant q8_0 --device rpi5-8gb --no-measure -o o1 2>"$T/err"; rc=$?; set -e
[ "$rc" = 3 ] || fail "q8_0 with no fallback: exit $rc"
hint=$(sed -n 's/.*(use \(--tensor-type .*\))$/\1/p' "$T/err")
[ "$hint" = "--tensor-type ffn_down=f16" ] || fail "hint: $(cat "$T/err")"
# shellcheck disable=SC2086 # the hint is flags
"$K" export aid.kolm --quant q8_0 --device rpi5-8gb --no-measure -o o1/ $hint >"$T/out" || fail "following the hint failed"
grep -qx 'wrote o1/aid-q8_0.gguf (receipt: o1/aid-q8_0.gguf.receipt.json)' "$T/out" || fail "export path: $(cat "$T/out")"
# a measured K far below the artifact's is said, loudly (stories260K scores
# 0 on its 3-item pack; the .kolm declares 0.9)
"$K" pack "$S/models/stories260K-hf" --evalpack "$here/tests/data/evalpack-stories.jsonl" --k-score 0.9 -o st.kolm >/dev/null
"$K" export st.kolm --quant q4_k_m --device rpi5-8gb -o o2 >"$T/out"
grep -q "^K-score 0.000 measured on the artifact's eval pack (the .kolm's 0.900: -90.0 points)$" "$T/out" &&
	grep -q "^warning: the export loses 90.0 K-score points against its artifact" "$T/out" ||
	fail "export says nothing of the K drop it measured: $(cat "$T/out")"
# one rule for a K drop: export warns exactly when kolm verify's quality
# check fails it (more than the default --max-k-loss, 3 points): 4 points
# do both, 2 points neither
for k in 0.04 0.02; do
	"$K" pack "$S/models/stories260K-hf" --evalpack "$here/tests/data/evalpack-stories.jsonl" --k-score $k --min-k $k -o k$k.kolm >/dev/null
	"$K" export k$k.kolm --quant q4_k_m --device rpi5-8gb -o ok$k >"$T/out"
	set +e; "$K" verify k$k.kolm ok$k/k0-q4_k_m.gguf >"$T/v"; rc=$?; set -e
	w=$(grep -c '^warning: the export loses .* more than the 3 kolm verify allows by default' "$T/out" || true)
	case "$k:$w:$rc" in 0.04:1:1) grep -q '^FAIL  quality  .* loses 4.00 points .* more than 3.00$' "$T/v" || fail "verify at 4 points: $(cat "$T/v")" ;;
	0.02:0:0) grep -q '^OK    quality  .* loss 2.00 points <= 3.00$' "$T/v" || fail "verify at 2 points: $(cat "$T/v")" ;;
	*) fail "K drop of ${k#0.0} points: export warned $w time(s), verify exit $rc: $(cat "$T/out" "$T/v")" ;;
	esac
done
set +e; "$K" export "$G/stories260K-f16.gguf" --quant q8_0 --device rpi5-8gb 2>"$T/err"; rc=$?; set -e
[ "$rc" = 2 ] && grep -q 'kolm quantize IN.gguf OUT.gguf TYPE' "$T/err" || fail "export X.gguf: $rc $(cat "$T/err")"

# --- export --base: ./NAME, the Hugging Face cache, or the exact commands ---
mkdir -p "$T/config/kolm" "$T/hub/models--kolm-test--tiny/refs" "$T/hub/models--kolm-test--tiny/snapshots/abc"
printf abc >"$T/hub/models--kolm-test--tiny/refs/main"
cp "$S/models/aidreams260K-hf/"* "$T/hub/models--kolm-test--tiny/snapshots/abc/"
{ printf '{"schema": "kolm.bases/1", "bases": [{"id": "tiny", "name": "tiny", "hf_repo": "kolm-test/tiny", '
  printf '"tokenizer": "llama-spm", "config": '; cat "$S/models/aidreams260K-hf/config.json"; printf '}]}\n'; } \
	>"$T/config/kolm/bases.json"
export XDG_CONFIG_HOME=$T/config
HF_HUB_CACHE=$T/hub "$K" export --base tiny --quant q4_k_m --device rpi5-8gb --no-measure -o c1 >"$T/out" 2>"$T/err" ||
	fail "export --base from the hub cache: $(cat "$T/err")"
[ -f c1/tiny-q4_k_m.gguf ] || fail "export --base wrote no file"
grep -q "snapshots/abc" "$T/err" || fail "export --base does not say where it read"
unset HF_HUB_CACHE HF_HOME
set +e; HOME=$T/nohome XDG_CACHE_HOME= "$K" export --base tiny --quant q4_k_m --device rpi5-8gb -o c2 2>"$T/err"; rc=$?; set -e
[ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] || fail "export --base, nothing on disk: exit $rc $(cat "$T/err")"
grep -q 'hf download kolm-test/tiny --local-dir tiny && kolm pack tiny -o tiny.kolm$' "$T/err" ||
	fail "export --base: the download and pack commands: $(cat "$T/err")"
[ -e c2 ] && fail "export --base wrote something before failing"
cp -r "$S/models/aidreams260K-hf" tiny
HOME=$T/nohome "$K" export --base tiny --quant q4_k_m --device rpi5-8gb --no-measure -o c3 >/dev/null 2>&1 ||
	fail "export --base from ./tiny (hf download --local-dir)"
[ -f c3/tiny-q4_k_m.gguf ] || fail "export --base ./tiny wrote no file"
# a tiny model's guide gives its sizes in kB/MB, as plan does, not 0.00 GB
for d in rpi5-8gb laptop-x86; do
	"$K" quickstart $d --base tiny --quant q4_k_m >"$T/qs.md" || fail "quickstart $d --base tiny"
	grep -q '0\.00 GB' "$T/qs.md" && fail "quickstart $d of a tiny model: $(grep -m2 '0\.00 GB' "$T/qs.md")"
	grep -q '[0-9] kB' "$T/qs.md" || fail "quickstart $d of a tiny model has no size in kB"
done
unset XDG_CONFIG_HOME

# --- text ---
"$K" plan --model "$G/stories260K-f16.gguf" --quant q4_k_m --device rpi5-8gb >"$T/p"
grep -q '^  size on disk   304.2 kB  (304160 bytes' "$T/p" || fail "small size: $(grep 'size on disk' "$T/p")"
grep -q 'for a base of 293K parameters' "$T/p" || fail "small base: $(grep -o 'for a base of [^ ]*' "$T/p")"
grep -q '0\.00 GB\|0\.00B\|cold start     0\.0 s' "$T/p" && fail "a small figure reads as zero"
grep -q 'weights 0\.00 \|KV 0\.00 \|in 0\.00 s' "$T/p" && fail "a tiny model's memory or first token reads as zero: $(grep 'weights\|first token' "$T/p")"
grep -q '^                 weights 304\.2 kB + KV [0-9.]* [kM]B (f16, ctx 4096) + compute [0-9.]* MB + runtime 150\.0 MB$' "$T/p" ||
	fail "a tiny model's memory parts: $(grep 'weights' "$T/p")"
# one thread is "1 thread"
"$K" bench "$G/stories260K-q8_0.gguf" -r 1 -n 8 -p 8 -t 1 | grep -q '^machine  .*, 1 thread$' || fail "bench says '1 threads'"
# --mem-gb picks another memory variant: the titles name it, not the default's
"$K" quickstart rpi5-8gb --mem-gb 4 >"$T/q4"
head -1 "$T/q4" | grep -qx '# kolm quickstart: Raspberry Pi 5 (4 GB)' || fail "quickstart --mem-gb 4 title: $(head -1 "$T/q4")"
grep -q '^| forecast for .* on Raspberry Pi 5 (4 GB) | |$' "$T/q4" || fail "quickstart --mem-gb 4: forecast header"
grep -q 'Pi 5 (8 GB)' "$T/q4" && fail "quickstart --mem-gb 4 still names the 8 GB board"
"$K" plan --base llama-3.2-1b --device rpi5-8gb --mem-gb 4 | head -1 | grep -q 'x  Raspberry Pi 5 (4 GB)$' || fail "plan --mem-gb 4 header"
"$K" quickstart rpi5-8gb | head -1 | grep -qx '# kolm quickstart: Raspberry Pi 5 (8 GB)' || fail "quickstart default title"
# a format whose KLD is borrowed from a GGUF type says which (data/formats.json kld_source)
for pick in "trt-fp8 h100-sxm q8_0" "mlx-4bit m3-pro q4_1" "onnx-int4 pixel-8 q4_0" "coreml-int4 iphone-15-pro q4_0" "trt-int4-awq h100-sxm q4_k_m"; do
	set -- $pick
	"$K" plan --base llama-3.2-3b --quant "$1" --device "$2" >"$T/kl"
	grep -q "^                 forecast: $1 has no published KLD of its own, taken as $3's: $3's mean KLD " "$T/kl" ||
		fail "K-loss basis of $1: $(grep -A1 'K-score loss' "$T/kl" | tail -1)"
done
"$K" plan --base llama-3.2-3b --quant q8_0 --device rpi5-8gb | grep -q "^                 forecast: q8_0's mean KLD 0.001355 " || fail "K-loss basis of q8_0"
# the bench line runs with the run line's -ngl (llama-bench's default is every layer)
for pick in "llama-3.1-70b --offload auto" "llama-3.1-8b"; do
	# shellcheck disable=SC2086
	"$K" plan --base $pick --device rtx-4090 --host-mem-gb 32 >"$T/o"
	run=$(sed -n 's/.*\$ llama-server .* \(-ngl [0-9]*\).*/\1/p' "$T/o")
	bench=$(sed -n 's/.*\$ llama-bench .* \(-ngl [0-9]*\) .*/\1/p' "$T/o")
	[ -n "$run" ] && [ "$run" = "$bench" ] || fail "$pick: run '$run', bench '$bench'"
done
"$K" plan --base llama-3.1-70b --offload auto --device rtx-4090 | grep -q '\$ llama-bench .* -ngl 43 -o json$' || fail "offload bench -ngl 43"
"$K" quickstart rtx-4090 >"$T/q"
"$K" bench "$G/stories260K-q8_0.gguf" -r 1 -n 8 -p 8 >"$T/bench" 2>&1
grep -q '[0-9]e[+-][0-9]' "$T/q" "$T/bench" && fail "scientific notation: $(grep -h '[0-9]e[+-][0-9]' "$T/q" "$T/bench")"
"$K" devices | grep -q '^jetson-orin-nano  *NVIDIA Jetson Orin Nano 8GB (original clo\.\.\. ' || fail "cut name without an ellipsis"
"$K" inspect aid.kolm >"$T/i"
grep -q '^  members         7 in the tar: kolm.json and the 6 it hashes (unsigned)$' "$T/i" || fail "inspect member count"
[ "$(grep -c '^    [a-z]' "$T/i")" = 7 ] || fail "inspect lists other than 7 members"
"$K" inspect aid.kolm --sha256 | grep -q '^    model.safetensors .* [0-9a-f]\{64\}$' || fail "inspect --sha256 (.kolm) without --json"
"$K" inspect "$G/stories260K-q8_0.gguf" --sha256 | grep -q '^  tensor data     sha256 [0-9a-f]\{64\}$' ||
	fail "inspect --sha256 (GGUF) without --json"
mkdir adir
for cmd in "quantize $G/stories260K-f32.gguf adir Q8_0" "pack $S/models/aidreams260K-hf -o adir"; do
	set +e
	# shellcheck disable=SC2086
	"$K" $cmd >"$T/out" 2>"$T/err"; rc=$?
	set -e
	[ "$rc" = 2 ] && grep -q "^kolm: [a-z]*: adir is a directory; give the output file's name$" "$T/err" || fail "$cmd: $rc $(cat "$T/err")"
	[ -s "$T/out" ] && fail "$cmd did work before refusing: $(cat "$T/out")"
done
[ -z "$(ls -A adir)" ] || fail "-o DIR left files"
# a Python module the Core ML export needs is missing: one line, no traceback
mkdir bin
cat >bin/python3 <<'EOF'
#!/bin/sh
echo 'Traceback (most recent call last):' >&2
echo "ModuleNotFoundError: No module named 'exporters'" >&2
exit 1
EOF
chmod +x bin/python3
set +e; PATH=$T/w/bin:$PATH "$K" export --base llama-3.2-1b --quant coreml-int4 --device iphone-15-pro -o cm 2>"$T/err"; rc=$?; set -e
[ "$rc" = 4 ] && [ "$(wc -l <"$T/err")" = 1 ] || fail "Core ML, module missing: exit $rc $(cat "$T/err")"
grep -q "cannot import the Python module 'exporters.coreml'; install it with: pip install coremltools scikit-learn git+https://github.com/huggingface/exporters;" "$T/err" || fail "Core ML message: $(cat "$T/err")"
# install lines run as printed (no "(Apple Silicon)" tail): MLX on this
# Linux CPU is mlx-lm with mlx-cpu
set +e; PATH=/usr/bin:/bin HF_HOME=$T/nohf "$K" export --base llama-3.2-1b --quant mlx-4bit --device m3-pro -o mx 2>"$T/err"; rc=$?; set -e
[ "$rc" = 4 ] && grep -q "^kolm: export: 'mlx_lm.convert' is not installed; install it with: pip install mlx-lm mlx-cpu; then run: mlx_lm.convert " "$T/err" ||
	fail "MLX install line: exit $rc $(cat "$T/err")"
grep -q Traceback "$T/err" && fail "a Python traceback leaked"
echo "journey: ok"
