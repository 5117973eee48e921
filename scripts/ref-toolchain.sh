#!/bin/sh
# The reference toolchains kolm is checked against, real and pinned
# (docs/DEVELOPING.md "Reference toolchains"):
#
#   llama.cpp  built CPU-only, for this machine's CPU, from the tree that the
#              llama-cpp-python source distribution on PyPI vendors
#              (vendor/llama.cpp): llama-quantize, llama-bench, llama-cli,
#              llama-completion, llama-perplexity, llama-server, plus the
#              small programs in tests/interop/*.c linked against its libllama
#   Python     mlx, mlx-cpu, mlx-lm, gguf, huggingface-hub, onnxruntime,
#              coremltools ... pinned in requirements-ref.txt, in a virtual
#              environment of their own
#
# Everything is cached outside the work tree, under
# ${KOLM_REF_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kolm/ref}, keyed by the pinned
# versions and this CPU's feature flags, so a second run takes seconds.
#
#   scripts/ref-toolchain.sh          provide everything; print KEY=VALUE lines
#                                     (sourceable) naming where each tool is
#   scripts/ref-toolchain.sh --check  print the same, build nothing; exit 4 if
#                                     something is missing
#
# Printed keys: KOLM_REF_LLAMA_BIN (directory of the llama.cpp tools),
# KOLM_REF_LLAMA_PRELOAD (tests/interop/shim/flushlog.c, built: LD_PRELOAD it
# so the tools' asynchronous logger loses no line at exit),
# KOLM_REF_LLAMA_COMMIT, KOLM_REF_LLAMA_SRC, KOLM_REF_VENV (its bin/ holds
# python, mlx_lm.*, hf, ...), and KOLM_REF_MISSING: the Python toolchains that
# could not be installed here, each with its reason (empty when all did).
# Progress and errors go to stderr; exit 4 when a toolchain cannot be built.
set -eu
cd "$(dirname "$0")/.."
here=$(pwd)

LCP_VERSION=0.3.36
LCP_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
# the llama.cpp commit llama-cpp-python 0.3.36 vendors (its CHANGELOG:
# "update llama.cpp to ggml-org/llama.cpp@0c1e57098"; `llama-cli --version`
# of the build prints commit 0c1e570)
LLAMA_COMMIT=0c1e57098
TOOLS="llama-quantize llama-bench llama-cli llama-completion llama-perplexity llama-server"

check_only=0
[ "${1:-}" = --check ] && check_only=1

say() { echo "ref-toolchain: $*" >&2; }
die() { echo "kolm: ref-toolchain: $*" >&2; exit 4; }

cache=${KOLM_REF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kolm/ref}
# a native build runs only on CPUs with the same features: key the cache by them
cpukey=$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | sha256sum | cut -c1-12)
# -march=native on a CPU with AMX (Sapphire Rapids and later) compiles in
# ggml's AMX matmul, which then takes every Q4_0/Q8_0 weight: here it crashes
# (SIGSEGV in ggml_backend_amx_mul_mat on any Q8_0 file, llama-perplexity
# included), and kolm follows the build without it (docs/ENGINE.md: the
# goldens' llama.cpp ran with its AMX code paths disabled, Q4_0 repacked).
# Leave AMX out, keep everything else native.
noamx=
case $(uname -m) in x86_64 | amd64) noamx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" ;; esac
L="$cache/llama.cpp-$LCP_VERSION-$cpukey${noamx:+-noamx}"
src="$L/src"
bld="$L/build"
bin="$bld/bin"

# no UI download, no HTTPS, no curl: nothing is fetched at build time.
# -rdynamic: the tools export their symbols, so tests/interop/shim/flushlog.c
# can make llama.cpp's logger flush at exit (it changes no computation).
CONFIGURE="-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_CCACHE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DCMAKE_EXE_LINKER_FLAGS=-rdynamic"
SHIM=tests/interop/shim/flushlog.c

missing_tools() {
	for t in $TOOLS; do [ -x "$bin/$t" ] || echo "$t"; done
	[ "$(cat "$bld/.kolm-configure" 2>/dev/null)" = "$CONFIGURE" ] || echo "(configuration)"
	[ -f "$bin/flushlog.so" ] && [ "$(cat "$bin/flushlog.so.src-sha" 2>/dev/null)" = "$(sha256sum "$SHIM" | cut -c1-16)" ] || echo flushlog.so
	for c in tests/interop/*.c; do
		[ -f "$c" ] || continue
		n=$(basename "$c" .c | tr _ -)
		h=$(sha256sum "$c" | cut -c1-16)
		[ -x "$bin/$n" ] && [ "$(cat "$bin/$n.src-sha" 2>/dev/null)" = "$h" ] || echo "$n"
	done
}

build_llama() {
	mkdir -p "$L"
	if [ ! -f "$src/CMakeLists.txt" ]; then
		dl="$L/download"
		rm -rf "$dl" "$src.tmp"
		mkdir -p "$dl"
		say "downloading llama-cpp-python==$LCP_VERSION (source distribution) from PyPI"
		python3 -m pip download -q --no-binary :all: --no-deps "llama-cpp-python==$LCP_VERSION" -d "$dl" >&2 ||
			die "pip download llama-cpp-python==$LCP_VERSION failed"
		tgz="$dl/llama_cpp_python-$LCP_VERSION.tar.gz"
		echo "$LCP_SHA256  $tgz" | sha256sum -c --quiet - ||
			die "$tgz: sha256 is not the pinned $LCP_SHA256"
		mkdir -p "$src.tmp"
		tar -xzf "$tgz" -C "$src.tmp" --strip-components=3 "llama_cpp_python-$LCP_VERSION/vendor/llama.cpp" ||
			die "$tgz: no vendor/llama.cpp inside"
		rm -rf "$src" "$dl"
		mv "$src.tmp" "$src"
	fi
	# reconfigured (objects kept) whenever these settings change
	if [ "$(cat "$bld/.kolm-configure" 2>/dev/null)" != "$CONFIGURE" ]; then
		say "configuring llama.cpp $LLAMA_COMMIT (CPU, -march=native${noamx:+ without AMX}, static)"
		# shellcheck disable=SC2086
		cmake -S "$src" -B "$bld" $CONFIGURE -DCMAKE_C_FLAGS="$noamx" -DCMAKE_CXX_FLAGS="$noamx" \
			>"$L/cmake.log" 2>&1 || { tail -20 "$L/cmake.log" >&2; die "cmake configure failed ($L/cmake.log)"; }
		echo "$CONFIGURE" >"$bld/.kolm-configure"
	fi
	say "building $TOOLS (2 jobs; about 5 minutes the first time)"
	# shellcheck disable=SC2086
	cmake --build "$bld" -j "$(nproc)" --target $TOOLS >"$L/build.log" 2>&1 ||
		{ tail -20 "$L/build.log" >&2; die "llama.cpp build failed ($L/build.log)"; }
	say "building flushlog.so from $SHIM"
	gcc -std=c17 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$bin/flushlog.so" "$SHIM" -ldl ||
		die "$SHIM does not compile"
	sha256sum "$SHIM" | cut -c1-16 >"$bin/flushlog.so.src-sha"
	# the test programs that call libllama directly (e.g. full logits)
	for c in tests/interop/*.c; do
		[ -f "$c" ] || continue
		n=$(basename "$c" .c | tr _ -)
		h=$(sha256sum "$c" | cut -c1-16)
		[ -x "$bin/$n" ] && [ "$(cat "$bin/$n.src-sha" 2>/dev/null)" = "$h" ] && continue
		say "building $n from $c"
		gcc -std=c17 -O2 -Wall -Wextra -Werror -c -o "$bld/$n.o" "$c" -I"$src/include" -I"$src/ggml/include" ||
			die "$c does not compile"
		# the link order of llama.cpp's own static tools
		g++ -o "$bin/$n" "$bld/$n.o" "$bld/src/libllama.a" "$bld/ggml/src/libggml.a" \
			"$bld/ggml/src/libggml-cpu.a" "$bld/ggml/src/libggml-base.a" -ldl -lm -fopenmp -lpthread ||
			die "$n does not link against libllama"
		echo "$h" >"$bin/$n.src-sha"
	done
}

# one provider at a time (parallel make interop runs share the cache)
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# ---- llama.cpp
if [ -n "$(missing_tools)" ]; then
	[ $check_only = 1 ] && die "llama.cpp tools missing in $bin: $(missing_tools | tr '\n' ' ')(run scripts/ref-toolchain.sh)"
	command -v cmake >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 ||
		die "cmake and g++ are needed (apt-get install cmake g++)"
	build_llama
	[ -z "$(missing_tools)" ] || die "still missing after the build: $(missing_tools | tr '\n' ' ')"
fi

# ---- Python toolchains: one venv per pinned requirements file
req="$here/requirements-ref.txt"
PY=${KOLM_PYTHON:-python3}
rkey=$( (cat "$req"; "$PY" --version 2>&1) | sha256sum | cut -c1-12)
V="$cache/venv-$rkey"
if [ ! -f "$V/.complete" ]; then
	[ $check_only = 1 ] && die "the reference Python toolchains are not installed ($V; run scripts/ref-toolchain.sh)"
	rm -rf "$V"
	"$PY" -m venv "$V" || die "$PY -m venv failed (apt-get install python3-venv)"
	: >"$V/missing"
	say "pip install -r requirements-ref.txt (mlx, mlx-lm, gguf, huggingface-hub, onnxruntime, optimum, coremltools; a few minutes cold)"
	if ! "$V/bin/pip" install -q -r "$req" >"$V/pip.log" 2>&1; then
		# the whole set does not install here: install each toolchain alone
		# and record the ones that cannot be, with pip's reason
		say "the pinned set does not install as a whole; trying each toolchain ($V/pip.log)"
		for t in mlx mlx-cpu mlx-lm gguf huggingface_hub onnxruntime onnxruntime-genai optimum coremltools; do
			pin=$(grep -i "^$t==" "$req" || echo "$t")
			if ! "$V/bin/pip" install -q -c "$req" "$pin" >"$V/pip-$t.log" 2>&1; then
				why=$(grep -E 'ERROR|error:' "$V/pip-$t.log" | head -1 | tr -d '\r' | cut -c1-200)
				say "cannot install $t: $why"
				echo "$t: ${why:-see $V/pip-$t.log}" >>"$V/missing"
			fi
		done
	fi
	touch "$V/.complete"
fi

echo "KOLM_REF_LLAMA_BIN=$bin"
echo "KOLM_REF_LLAMA_SRC=$src"
echo "KOLM_REF_LLAMA_PRELOAD=$bin/flushlog.so"
echo "KOLM_REF_LLAMA_COMMIT=$LLAMA_COMMIT"
echo "KOLM_REF_VENV=$V"
printf "KOLM_REF_MISSING='%s'\n" "$(tr '\n' ';' <"$V/missing" | sed "s/'//g; s/;\$//")"
