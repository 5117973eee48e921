#!/bin/sh
# Build tests/simd/check_kernels.c for this machine and run it (its AVX2 or
# NEON kernels against the scalar reference).  On x86-64 also build it for
# AArch64 with the Debian cross compiler and run it under qemu-user, plain
# NEON, with the dot-product extension, with that and FP16 arithmetic, and
# with those and the i8mm matrix instructions,
# so the kernels a Raspberry Pi runs are checked here too (scripts/install-deps.sh installs
# gcc-aarch64-linux-gnu and qemu-user-static).  Usage: run.sh BUILD_DIR
set -eu
cd "$(dirname "$0")/../.."
B=${1:-build}
mkdir -p "$B/simd"
SRC="tests/simd/check_kernels.c src/lib/quant/kernels.c src/lib/quant/kernels_ref.c src/lib/quant/kernels_x86.c src/lib/quant/kernels_x86_gemm.c src/lib/quant/kernels_x86_tiled.c src/lib/quant/kernels_arm.c src/lib/engine/vec.c src/lib/engine/vec_ref.c src/lib/engine/vec_x86.c src/lib/engine/vec_arm.c src/lib/quant/types.c src/lib/quant/fp16.c src/lib/quant/quant_ref.c src/lib/quant/quant.c src/lib/quant/quant_k.c src/lib/quant/quant_simd.c src/lib/core/err.c"
FLAGS="-std=c17 -D_GNU_SOURCE -ffp-contract=off -O2 -Wall -Wextra -Wno-unused-parameter -Werror -Iinclude -Isrc/lib"
# under make san (KOLM_SAN=1) the native check runs under ASan+UBSan, with the
# Makefile's SAN_FLAGS (the static qemu builds below cannot)
NATIVE=""
[ "${KOLM_SAN:-0}" = 1 ] && NATIVE="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all"
# shellcheck disable=SC2086
${CC:-cc} $FLAGS $NATIVE -o "$B/simd/check_kernels" $SRC -lm -pthread
"$B/simd/check_kernels"
# the MLX affine group dot (quant/affine_dot.c), natively and as NEON below
ASRC="tests/simd/check_affine.c src/lib/quant/affine_dot.c src/lib/quant/affine.c $SRC"
ASRC=$(echo "$ASRC" | sed 's# tests/simd/check_kernels.c##')
# shellcheck disable=SC2086
${CC:-cc} $FLAGS $NATIVE -o "$B/simd/check_affine" $ASRC -lm -pthread
"$B/simd/check_affine"
case "$(uname -m)" in
aarch64 | arm64) exit 0 ;; # the native run above was the NEON check
esac
for t in aarch64-linux-gnu-gcc qemu-aarch64-static; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "kolm: $t missing: the NEON kernels cannot be checked (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $FLAGS -static -o "$B/simd/check_kernels-aarch64" $SRC -lm -pthread
qemu-aarch64-static "$B/simd/check_kernels-aarch64"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $FLAGS -static -o "$B/simd/check_affine-aarch64" $ASRC -lm -pthread
qemu-aarch64-static "$B/simd/check_affine-aarch64"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $FLAGS -march=armv8.2-a+dotprod -static -o "$B/simd/check_kernels-aarch64-dotprod" $SRC -lm -pthread
qemu-aarch64-static -cpu max "$B/simd/check_kernels-aarch64-dotprod"
# and with ARMv8.2 FP16 arithmetic (a Pi 5), where the F16 kernels run natively
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $FLAGS -march=armv8.2-a+fp16+dotprod -static -o "$B/simd/check_kernels-aarch64-fp16" $SRC -lm -pthread
qemu-aarch64-static -cpu max "$B/simd/check_kernels-aarch64-fp16"
# and with the i8mm matrix instructions (Graviton 3/4, Apple M2+, Snapdragon 8 Gen 2+)
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $FLAGS -march=armv8.2-a+fp16+dotprod+i8mm -static -o "$B/simd/check_kernels-aarch64-i8mm" $SRC -lm -pthread
qemu-aarch64-static -cpu max "$B/simd/check_kernels-aarch64-i8mm"
