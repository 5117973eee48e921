#!/bin/sh
# Every architecture kolm's engine claims (llama, qwen2, qwen3, phi3, gemma2),
# each as F32, Q8_0, Q4_0, Q4_K_M and Q6_K, against the real llama.cpp (make
# interop).
#
# Models: tests/interop/gen_arch.py writes tiny seeded random-weight F32 GGUFs
# with each architecture's real keys, tensor names and shapes (512 wide, 4
# layers, 4 heads of 128, 2 KV heads, FFN 768, 512-token vocabulary from
# tests/fixtures/models/kquant); the reference llama-quantize makes the Q8_0,
# Q4_0, Q4_K_M and Q6_K files.  Text: tests/interop/arch-text.txt (1,628 tokens with BOS).
#
# Per architecture and type, two checks (and for Q4_K_M and Q6_K, whose
# prompt kernels follow the reference build's float steps, max |dlogit| 0):
#   perplexity  `kolm eval --perplexity TEXT -c 256` within 0.5% of
#               `llama-perplexity -f TEXT -c 256 -b 256` (6 chunks of 256,
#               762 predictions);
#   top-1       teacher-forced logits of the text's first 256 tokens, one
#               batch in a context of 512: kolm's argmax equals llama.cpp's
#               (tests/interop/llama_logits.c, linked against libllama) at
#               >= 99% of the positions, leaving out (and printing) those
#               where llama.cpp's top two logits are within 1e-3.
# The settings make the architecture features matter: gemma2's sliding window
# (32) is far smaller than the context; phi3 rotates 96 of 128 dimensions,
# carries rope.scaling.attn_factor, and has short and long rope factors,
# which llama.cpp chooses by the context size: perplexity (context 256 =
# original_context_length) runs the short ones, the teacher-forced check
# (context 512) the long ones; phi3's sliding_window key (64), which llama.cpp
# ignores, would change every result if kolm applied it.
#
# Env (scripts/run-interop.sh): KOLM, BUILD, KOLM_FIXTURES,
# KOLM_REF_LLAMA_BIN.  A check that cannot run fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${KOLM:?}" "${BUILD:?}" "${KOLM_FIXTURES:?}" "${KOLM_REF_LLAMA_BIN:?}"
LB=$KOLM_REF_LLAMA_BIN
TEXT=$here/arch-text.txt
TOK=$KOLM_FIXTURES/models/kquant/synth-q4_0.gguf
W=$BUILD/interop/arch
PPL_CTX=256
TF_TOKENS=256
TF_CTX=512
PPL_TOL=0.5       # percent
TOP1_MIN=99       # percent
MARGIN=1e-3
ARCHS=${KOLM_ARCHS:-"llama qwen2 qwen3 phi3 gemma2"}
THREADS=2

die() {
	echo "FAIL arch: $*"
	exit 1
}

for t in llama-quantize llama-perplexity llama-logits; do
	[ -x "$LB/$t" ] || die "$LB/$t is missing (scripts/ref-toolchain.sh builds it)"
done
[ -x "$KOLM" ] || die "no kolm binary at $KOLM"
[ -f "$BUILD/libkolm.a" ] || die "no $BUILD/libkolm.a"
rm -rf "$W"
mkdir -p "$W" || die "cannot create $W"

# kolm's side of the teacher-forced check, against this build's libkolm
# shellcheck disable=SC2046
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$here/../../include" -o "$W/kolm-tf" \
	"$here/kolm/kolm_tf.c" "$BUILD/libkolm.a" \
	$(pkg-config --libs jansson libcrypto libmicrohttpd libarchive) -lm -pthread ||
	die "tests/interop/kolm/kolm_tf.c does not build against $BUILD/libkolm.a"

# shellcheck disable=SC2086
python3 "$here/gen_arch.py" --tokenizer-from "$TOK" "$W" $ARCHS >"$W/gen.log" 2>&1 ||
	{ cat "$W/gen.log"; die "gen_arch.py failed"; }
for a in $ARCHS; do
	for q in Q8_0 Q4_0 Q4_K_M Q6_K; do
		lq=$(echo $q | tr 'A-Z' 'a-z')
		"$LB/llama-quantize" "$W/$a-f32.gguf" "$W/$a-$lq.gguf" $q $THREADS >"$W/$a-$lq.quantize.log" 2>&1 ||
			{ tail -5 "$W/$a-$lq.quantize.log"; die "llama-quantize $a $q failed"; }
	done
done

# "Final estimate: PPL = X +/- Y" -> X
ppl_of() { sed -n 's/.*Final estimate: PPL = \([0-9.]*\).*/\1/p' "$1" | tail -1; }

nfail=0
for a in $ARCHS; do
	for q in F32 Q8_0 Q4_0 Q4_K_M Q6_K; do
		lq=$(echo $q | tr 'A-Z' 'a-z')
		m=$W/$a-$lq.gguf
		b=$W/$a-$lq
		# llama-perplexity's asynchronous logger now and then loses the last
		# lines at exit: run again until the final estimate is there
		lp=
		for try in 1 2 3 4 5; do
			"$LB/llama-perplexity" -m "$m" -f "$TEXT" -c $PPL_CTX -b $PPL_CTX -t $THREADS \
				</dev/null >"$b.llama-ppl.log" 2>&1
			lp=$(ppl_of "$b.llama-ppl.log")
			[ -n "$lp" ] && break
		done
		"$KOLM" eval "$m" --perplexity "$TEXT" -c $PPL_CTX -t $THREADS >"$b.kolm-ppl.log" 2>&1
		kp=$(ppl_of "$b.kolm-ppl.log")
		"$LB/llama-logits" "$m" "$TEXT" $TF_TOKENS $TF_CTX "$b.llama.bin" $THREADS >"$b.llama-tf.log" 2>&1
		tf=$("$W/kolm-tf" "$m" "$b.llama.bin" "$TEXT" $TF_CTX $THREADS $MARGIN 2>"$b.kolm-tf.log")
		if [ -z "$lp" ] || [ -z "$kp" ] || [ -z "$tf" ]; then
			echo "FAIL $a $q: could not compare (llama-perplexity: ${lp:-none}, kolm: ${kp:-none}," \
				"teacher-forced: ${tf:-none}; logs $b.*)"
			cat "$b.kolm-ppl.log" "$b.llama-tf.log" "$b.kolm-tf.log" 2>/dev/null | grep -i 'error\|kolm:\|llama-logits:' | head -5
			nfail=$((nfail + 1))
			continue
		fi
		val() { echo "$tf" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		pct=$(val pct) ex=$(val excluded)
		d=$(awk -v k="$kp" -v l="$lp" 'BEGIN { printf "%+.4f", (k - l) / l * 100 }')
		ok=$(awk -v d="$d" -v t=$PPL_TOL -v p="$pct" -v m=$TOP1_MIN \
			'BEGIN { print ((((d < 0) ? -d : d) <= t && p + 0 >= m) ? "ok  " : "FAIL") }')
		# the K-quants' prompt kernels sum as the reference build's: the
		# logits of the one 256-token batch must be llama.cpp's to the bit
		case $q in Q4_K_M | Q6_K) [ "$(val max_dlogit)" = 0 ] || ok=FAIL ;; esac
		at=
		[ "$ex" -gt 0 ] && at=" at $(val excluded_at)"
		line=$(printf '%s %-6s %-6s perplexity kolm %s / llama.cpp %s (%s%%, limit %s%%); top-1 %s%% (%s/%s, limit %s%%), %s of %s positions excluded (llama.cpp top-2 within %s)%s; max |dlogit| %s' \
			"$ok" "$a" "$q" "$kp" "$lp" "$d" "$PPL_TOL" "$pct" "$(val agree)" "$(val considered)" "$TOP1_MIN" \
			"$ex" "$(val positions)" "$MARGIN" "$at" "$(val max_dlogit)")
		echo "$line"
		case $line in ok*) ;; *) nfail=$((nfail + 1)) ;; esac
	done
done
echo "  settings: perplexity -c $PPL_CTX -b $PPL_CTX -t $THREADS on $(basename "$TEXT"); teacher-forced" \
	"$TF_TOKENS tokens, one batch, n_ctx $TF_CTX; llama.cpp ${KOLM_REF_LLAMA_COMMIT:-(commit not given)}"
[ $nfail -eq 0 ] || die "$nfail of the architecture x type checks failed"
