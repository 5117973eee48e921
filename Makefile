# kolm - build, test, run.  GNU make; dependencies via pkg-config.
#   make            build build/kolm and build/libkolm.a
#   make run        install missing packages, build, print the default forecast
#   make check      install missing packages, build, run every test
#   make san        the unit + CLI tests under ASan+UBSan (build-san/)
#   make fuzz       libFuzzer targets (clang) for FUZZ_SECONDS each
#   make interop    live differential tests against the reference toolchains
#                   (llama.cpp, mlx-lm, ...: scripts/ref-toolchain.sh)
#   make e2e        the printed journey run verbatim (tests/e2e/run.sh)
#   make install    install kolm and kolm(1) under PREFIX
# BUILD=dir selects the build directory (parallel work uses separate ones).

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
PKGS    := jansson libcrypto libmicrohttpd libarchive
WERROR  ?= 1
OPT     ?= -O2

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS  ?= $(OPT) -g
# SAN=1: AddressSanitizer + UBSan on libkolm, the CLI, the tests and the
# benches alike (defined before ALL_CFLAGS expands it).  gcc leaves
# float-cast-overflow out of "undefined" and recovers from it unless told.
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# -ffp-contract=off: a*b+c is never fused behind the code's back (clang's
# default would), so the engine's float operation order is the one written
# (docs/ENGINE.md: bit-exact with llama.cpp on F32 models)
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE -pthread -ffp-contract=off $(WARN) $(CFLAGS) -Iinclude -Isrc/lib -I$(BUILD)/gen $(PKG_CFLAGS) $(SAN_FLAGS)
LDLIBS  := $(PKG_LIBS) -lm -pthread

LIB_SRC  := $(sort $(wildcard src/lib/*/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
EMBED_FILES := $(sort $(shell find data web -type f ! -name '*~' 2>/dev/null))

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FIXTURES_GEN := tests/fixtures/models/kquant/synth-f32.gguf

.PHONY: all run check deps tests san valgrind fuzz interop e2e bench install clean FORCE
all: $(BUILD)/kolm $(BUILD)/libkolm.a

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/kolm plan --base llama-3.2-3b --quant int4 --device rpi5-8gb

check: deps
	@$(MAKE) --no-print-directory all tests
	@scripts/run-tests.sh $(BUILD)

tests: $(TESTS) $(BENCHES) $(FUZZ_REPLAY) $(FIXTURES_GEN) $(BUILD)/san/canary

# Test fixtures made by a script in the repository rather than stored: the
# 13.6 MB F32 source of the k-quant goldens, regenerated bit for bit (seeded;
# tests/fixtures/README.md) and checked against its recorded sha256.
tests/fixtures/models/kquant/synth-f32.gguf: tests/fixtures/models/kquant/gen_synth.py tests/fixtures/models/kquant/synth-q4_k_m.gguf
	cd $(dir $@) && python3 gen_synth.py --tokenizer-from synth-q4_k_m.gguf $(notdir $@).tmp.$$$$ >/dev/null && \
	  echo "3b53560e65265224080b23d3d156791fd09e423749d5c1127eed936c16421c0e  $(notdir $@).tmp.$$$$" | sha256sum -c --quiet - && \
	  mv -f $(notdir $@).tmp.$$$$ $(notdir $@)

san:
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 OPT=-O1 all tests
	@KOLM_SAN=1 scripts/run-tests.sh build-san

interop: deps
	@$(MAKE) --no-print-directory all tests
	@scripts/run-interop.sh $(BUILD)

e2e: deps
	@$(MAKE) --no-print-directory all
	@tests/e2e/run.sh $(BUILD)

valgrind: all $(FIXTURES_GEN)
	@KOLM_VALGRIND=1 scripts/run-cli-tests.sh $(BUILD)

bench: all $(BENCHES)

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O1 -Wall -Wextra -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/embed $(EMBED_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ $(EMBED_FILES)

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 $(OPT) -c -o $@ $<

# Objects depend on the flags they were compiled with, not only on their
# sources: SAN=1, CC or CFLAGS changing rebuilds them (a build-san/ made before
# SAN_FLAGS took effect kept plain objects, and make san linked them as they were)
$(BUILD)/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' >$@
FORCE:

$(BUILD)/obj/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libkolm.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/kolm: $(CLI_OBJ) $(BUILD)/libkolm.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libkolm.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libkolm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libkolm.a $(LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libkolm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libkolm.a $(LDLIBS)

# the sanitizer canary (tests/san/run.sh, run by make san): two deliberate
# bugs, built with the flags of everything else
$(BUILD)/san/canary: tests/san/canary.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libkolm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libkolm.a $(LDLIBS)

FUZZ_SECONDS ?= 60
fuzz:
	@scripts/run-fuzz.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BUILD)/kolm $(DESTDIR)$(PREFIX)/bin/kolm
	install -m 0644 docs/kolm.1 $(DESTDIR)$(PREFIX)/share/man/man1/kolm.1

clean:
	rm -rf build build-*

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
