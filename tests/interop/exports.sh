#!/bin/sh
# The real llama.cpp loads and runs every kind of GGUF kolm exports, and
# they are the files llama.cpp's own pipeline makes.  The checkpoint is
# tests/interop/synth_hf.py's: aidreams260K (a real tiny llama) embedded in
# a 256-wide, 12-layer, GQA-4, tied-embedding llama in F16, so every quant
# type applies without fallback and the greedy text is readable.
#
# Reference pipeline, the commands kolm itself prints as export_upstream:
# convert_hf_to_gguf.py --outtype f16, then llama-quantize TYPE (2 threads,
# no imatrix); F32, BF16 and Q8_0 straight from convert_hf_to_gguf.py
# --outtype.  kolm's files: kolm export --from-dir, and kolm pack + kolm
# export X.kolm.  For F16, Q8_0, Q4_0, Q4_K_M and Q6_K, each kolm file must
# have
#   1. the same tensors as the reference file of that type: names, order,
#      types, shapes and data (sha256), read by gguf-py; Q8_0 also the same
#      set as llama-quantize's Q8_0 (which orders them its own way);
#   2. the same metadata wherever both have a key (general.name aside);
#      llama.cpp's keys kolm leaves out only from a stated list of ones that
#      change nothing here, and kolm's extra keys only kolm.*;
#   3. llama-completion's greedy continuation (--temp 0, 48 tokens) of the
#      three golden prompts identical to the one it gives on llama-quantize's
#      file of that type (F16: the converter's), with as many prompt and
#      generated tokens;
#   4. (.kolm exports) a kolm.export_k_score equal to the share of eval-pack
#      items llama.cpp's own greedy text passes.
# Every other type kolm exports is checked by 1 from --from-dir.  The
# checkpoint has 12 layers: llama-quantize's per-layer mix rules count
# layers in numeric order, an HF checkpoint lists blk.10 before blk.2.
# First, the checkpoint itself: llama.cpp's F16 conversion must generate
# aidreams260K's golden llama.cpp text (tests/fixtures/models/golden).
. "$(dirname "$0")/llama.inc"
LC_ALL=C
export LC_ALL # sort and join agree
H=$T/aidreams256
synth_hf "$H"
convert "$H" "$T/ll-f16.gguf" f16
G=$S/models/golden

# gen FILE OUT: greedy continuations of the three golden prompts -> OUT.p<i>,
# and OUT.counts (prompt and generated tokens of each).  llama.cpp's logger
# thread can lose the last lines of a run at exit, text included, with exit
# status 0 (ggml-org/llama.cpp#22142; here about 1 run in 7): it writes in
# order, so a run is complete when stderr has common_perf_print's last line,
# and one that is not is run again.  One thread: the text does not depend on
# it (each dot product is one thread's), and two threads spin-waiting on a
# shared 2-core machine made a 48-token run take 3 to 30 s instead of 0.1.
gen() {
	: >"$2.counts"
	for i in 0 1 2; do
		p=$(awk -F'\t' -v id="p$i" '$1 == id { print $2 }' "$G/prompts.txt")
		[ -n "$p" ] || fail "no prompt p$i in $G/prompts.txt"
		try=0
		while :; do
			"$LB/llama-completion" -m "$1" -p "$p" -n 48 --temp 0 --seed 42 -no-cnv -t 1 -c 128 --no-display-prompt \
				>"$2.p$i" 2>"$2.err" </dev/null || fail "llama-completion $1 (p$i): exit $?: $(tail -2 "$2.err")"
			grep -q 'common_perf_print: *graphs reused' "$2.err" && break
			try=$((try + 1))
			[ $try -lt 8 ] || fail "llama-completion $1 (p$i): output cut short 8 times in a row"
		done
		pt=$(sed -n 's|.*prompt eval time = .*/ *\([0-9]*\) tokens.*|\1|p' "$2.err")
		ev=$(sed -n 's|.* eval time = .*/ *\([0-9]*\) runs.*|\1|p' "$2.err" | tail -1)
		[ -n "$pt" ] && [ -n "$ev" ] || fail "llama-completion $1 (p$i): no token counts on stderr"
		[ -s "$2.p$i" ] || fail "llama-completion $1 (p$i): no text"
		echo "$pt $((ev + 1))" >>"$2.counts"
	done
}

gen "$T/ll-f16.gguf" "$T/ll-f16"
for i in 0 1 2; do
	cmp -s "$T/ll-f16.p$i" "$G/completions/aidreams260K-f16.p$i.txt" ||
		fail "the checkpoint: llama.cpp's F16 conversion says '$(head -c 60 "$T/ll-f16.p$i")' for p$i, aidreams260K-f16's golden text is '$(head -c 60 "$G/completions/aidreams260K-f16.p$i.txt")'"
done
echo "ok the checkpoint: llama.cpp's F16 conversion of it generates aidreams260K's golden text on 3 prompts ($(tr '\n' ' ' <"$T/ll-f16.counts")prompt/generated tokens)"

# an eval pack from the golden F16 text (pack measures K on it)
{
	printf '{"id": "p0", "prompt": "Once upon a time", "expected": ", pixels unfolding like petals.", "match": "prefix"}\n'
	printf '{"id": "p1", "prompt": "The", "expected": "dissolve within me", "match": "prefix"}\n'
	printf '{"id": "p2", "prompt": "Lily said, \\"I have 2 pets!\\" Grüße", "expected": "ctor features.", "match": "prefix"}\n'
} >"$T/evalpack.jsonl"
"$K" pack "$H" --evalpack "$T/evalpack.jsonl" -o "$T/a.kolm" -t 2 >"$T/pack.log" 2>&1 || fail "kolm pack: $(cat "$T/pack.log")"

# the metadata keys llama.cpp writes that kolm's export leaves out, and why
# that changes nothing: general.type/size_label are informational,
# tokenizer.ggml.pre is read only for BPE vocabularies ("default" here),
# add_sep_token is false, attention.key_length/value_length equal
# head_dim, the loader's default
OMIT='general.type general.size_label tokenizer.ggml.pre tokenizer.ggml.add_sep_token llama.attention.key_length llama.attention.value_length'
"$PY" "$I/gguf_tensors.py" --kv "$T/ll-f16.gguf" >"$T/ll.kv" || fail "gguf-py cannot read llama.cpp's F16 file"
for k in $OMIT; do
	grep -q "^$k	" "$T/ll.kv" || fail "llama.cpp's conversion no longer writes $k: update OMIT"
done

# kvcheck KOLMFILE LLFILE LABEL
kvcheck() {
	"$PY" "$I/gguf_tensors.py" --kv "$1" >"$T/k.kv0" || fail "$3: gguf-py cannot read the metadata"
	"$PY" "$I/gguf_tensors.py" --kv "$2" >"$T/l.kv0" || fail "$3: gguf-py cannot read llama.cpp's metadata"
	sort "$T/k.kv0" >"$T/k.kv"
	sort "$T/l.kv0" >"$T/l.kv"
	# same key, other value
	join -t '	' "$T/k.kv" "$T/l.kv" | awk -F'\t' '$1 != "general.name" && $2 != $3' >"$T/kv.diff"
	[ ! -s "$T/kv.diff" ] || fail "$3: metadata differs from llama.cpp's: $(head -3 "$T/kv.diff" | tr '\t\n' '= ')"
	for k in $(join -t '	' -v 2 "$T/k.kv" "$T/l.kv" | cut -f1); do
		case " $OMIT " in *" $k "*) ;; *) fail "$3: kolm's export lacks $k, which llama.cpp writes" ;; esac
	done
	extra=$(join -t '	' -v 1 "$T/k.kv" "$T/l.kv" | cut -f1 | grep -v '^kolm\.' | tr '\n' ' ')
	[ -z "$extra" ] || fail "$3: kolm's export has keys llama.cpp's lacks, outside kolm.*: $extra"
	nk=$(join -t '	' "$T/k.kv" "$T/l.kv" | wc -l | tr -d ' ')
	nx=$(grep -c '^kolm\.' "$T/k.kv")
}

# same_tensors KOLMFILE REFFILE LABEL [set]: tensor tables identical, order
# included (with "set": as sets)
same_tensors() {
	tensors "$1" >"$T/k.tsv"
	tensors "$2" >"$T/l.tsv"
	if [ "${4:-}" = set ]; then
		sort -o "$T/k.tsv" "$T/k.tsv"
		sort -o "$T/l.tsv" "$T/l.tsv"
	fi
	if ! cmp -s "$T/k.tsv" "$T/l.tsv"; then
		fail "$3: tensors differ from $(basename "$2"): $(diff "$T/l.tsv" "$T/k.tsv" | awk '/^[<>]/ {print $1 $2 "(" $3 ")"}' | head -6 | tr '\n' ' ')"
	fi
	nt=$(wc -l <"$T/k.tsv" | tr -d ' ')
	mix=$(cut -f2 "$T/k.tsv" | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep = ", "}')
}

for q in f16 q8_0 q4_0 q4_k_m q6_k; do
	Q=$(echo "$q" | tr a-z A-Z)
	case $q in
	f16) ll=$T/ll-f16.gguf ref=$ll ;;
	q8_0)
		ll=$T/ll-$q.gguf ref=$T/cv-$q.gguf
		convert "$H" "$ref" "$q"
		llq "$T/ll-f16.gguf" "$ll" "$Q"
		gen "$ll" "$T/ll-$q"
		;;
	*) ll=$T/ll-$q.gguf ref=$ll; llq "$T/ll-f16.gguf" "$ll" "$Q"; gen "$ll" "$T/ll-$q" ;;
	esac
	"$K" export --from-dir "$H" --quant "$q" --device rpi5-8gb -t 2 -o "$T/dir" >"$T/exp.log" 2>&1 ||
		fail "kolm export --from-dir --quant $q: $(cat "$T/exp.log")"
	"$K" export "$T/a.kolm" --quant "$q" --device rpi5-8gb -t 2 -o "$T/art" >"$T/exp.log" 2>&1 ||
		fail "kolm export a.kolm --quant $q: $(cat "$T/exp.log")"
	for kind in dir art; do
		f=$T/$kind/$(ls "$T/$kind" | grep -- "-$q.gguf\$")
		[ -f "$f" ] || fail "kolm export ($kind) $q: no -$q.gguf in $T/$kind"
		label="$Q $([ $kind = dir ] && echo 'export --from-dir' || echo 'export a.kolm')"
		if [ "$ref" != "$ll" ]; then
			same_tensors "$f" "$ll" "$label" set
			also="the same set as llama-quantize's $Q; "
		else
			also=
		fi
		same_tensors "$f" "$ref" "$label"
		kvcheck "$f" "$ll" "$label"
		gen "$f" "$T/$kind-$q"
		for i in 0 1 2; do
			cmp -s "$T/$kind-$q.p$i" "$T/ll-$q.p$i" ||
				fail "$label: llama.cpp generates '$(head -c 60 "$T/$kind-$q.p$i")' for p$i, and '$(head -c 60 "$T/ll-$q.p$i")' from llama-quantize's $Q"
		done
		cmp -s "$T/$kind-$q.counts" "$T/ll-$q.counts" || fail "$label: token counts differ"
		echo "ok $label: $(wc -c <"$f" | tr -d ' ') bytes; $nt tensors ($mix) identical to $(basename "$ref")'s in order, type, shape and data; $also$nk shared metadata keys equal, +$nx kolm.* keys"
		echo "  $label: llama-completion greedy text identical to llama-quantize's $Q on 3 prompts ($(tr '\n' ' ' <"$T/$kind-$q.counts")prompt/generated tokens): '$(head -c 40 "$T/$kind-$q.p0" | tr '\n' ' ')...'"
		if [ $kind = art ]; then
			# the export's own K (kolm's engine) against llama.cpp's text on the same pack
			pass=0
			for i in 0 1 2; do
				e=$(sed -n "$((i + 1))p" "$T/evalpack.jsonl" | sed 's/.*"expected": "\([^"]*\)".*/\1/')
				sed 's/^[[:space:]]*//' "$T/ll-$q.p$i" | head -c ${#e} | grep -qxF -- "$e" && pass=$((pass + 1))
			done
			kk=$(awk -F'\t' '$1 == "kolm.export_k_score" { print $2 }' "$T/k.kv")
			want=$(awk -v p=$pass 'BEGIN { printf "%.4f", p / 3 }')
			got=$(awk -v k="$kk" 'BEGIN { printf "%.4f", k }')
			[ "$got" = "$want" ] || fail "$label: kolm.export_k_score $kk, but llama.cpp's greedy text passes $pass of 3 items"
			echo "  $label: kolm.export_k_score $got = llama.cpp's greedy text passes $pass of 3 eval-pack items"
		fi
	done
done

# every other type kolm exports: the same tensors as the upstream command's file
for q in f32 bf16 q5_k_m q5_k_s q5_1 q5_0 q4_k_s q4_1 iq4_nl iq4_xs q3_k_l q3_k_m q3_k_s q2_k; do
	Q=$(echo "$q" | tr a-z A-Z)
	case $q in
	f32 | bf16) convert "$H" "$T/ref.gguf" "$q"; how="convert_hf_to_gguf.py --outtype $q" ;;
	*) llq "$T/ll-f16.gguf" "$T/ref.gguf" "$Q"; how="llama-quantize's $Q" ;;
	esac
	"$K" export --from-dir "$H" --quant "$q" --device rpi5-8gb -t 2 -o "$T/dir" >"$T/exp.log" 2>&1 ||
		fail "kolm export --from-dir --quant $q: $(cat "$T/exp.log")"
	same_tensors "$T/dir/aidreams256-$q.gguf" "$T/ref.gguf" "$Q export --from-dir"
	echo "ok $Q export --from-dir: $nt tensors ($mix) identical to $how in order, type, shape and data"
done
