# SOSO - build, test and demo.
#
#   make            build/libsoso.a, build/soso.pc and the CLI (build/soso)
#   make run        train on the bundled WordNet sample, print topics and evaluation, write a report
#   make test       C tests, Swift tests, CLI tests, the C example, use as a dependency
#   make bench      SOSO against numpy/scipy/scikit-learn; writes bench/RESULTS.md
#   make install PREFIX=/usr/local
#
# `make run` and `make test` first install the Debian packages they need when missing.

PREFIX ?= /usr/local
CC ?= cc
BUILD := build
VERSION := $(shell sed -n 's/^\#define SOSO_VERSION_STRING "\(.*\)"/\1/p' include/soso.h)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# -ftree-vectorize: GCC 12 vectorises little at -O2 (the block maxima of the Hebbian
# update run ~1.3x faster with it); clang does this at -O2 already. No reassociation.
CFLAGS ?= -O2 -g -ftree-vectorize
SOSO_CFLAGS := -std=c99 $(WARN) -fPIC -fopenmp -Iinclude -Icsrc
SOSO_LIBS := -lopenblas -lm
SWIFT_CONFIG ?= release

SRC := $(wildcard csrc/*.c)
CSRC_HEADERS := $(wildcard csrc/*.h)
OBJ := $(SRC:csrc/%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard Tests/c/*.c)

.PHONY: all lib cli deps run test test-c test-swift test-cli test-readme test-example test-dependency test-bench test-asan test-swift-asan \
	fuzz test-fuzz valgrind bench install install-lib clean FORCE

all: lib cli

lib: $(BUILD)/libsoso.a $(BUILD)/soso.pc

$(BUILD)/obj/%.o: csrc/%.c $(CSRC_HEADERS) include/soso.h
	@mkdir -p $(@D)
	$(CC) $(SOSO_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libsoso.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

# The pkg-config file for PREFIX (remade every time: PREFIX may change); Libs carries
# everything a static link needs.
$(BUILD)/soso.pc: soso.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

cli:
	swift build -c $(SWIFT_CONFIG) --product soso
	@mkdir -p $(BUILD)
	cp "$$(swift build -c $(SWIFT_CONFIG) --show-bin-path)/soso" $(BUILD)/soso.tmp && mv $(BUILD)/soso.tmp $(BUILD)/soso

deps:
	@scripts/ensure-deps

run: deps all
	$(BUILD)/soso train data/wn6-1k.tsv -o $(BUILD)/wn6-1k.soso --method osc --units 24
	$(BUILD)/soso topics $(BUILD)/wn6-1k.soso --top 8
	$(BUILD)/soso eval $(BUILD)/wn6-1k.soso data/wn6-1k.tsv
	$(BUILD)/soso report $(BUILD)/wn6-1k.soso data/wn6-1k.tsv -o $(BUILD)/report.html
	@echo "open $(CURDIR)/$(BUILD)/report.html"

# ---- tests ----------------------------------------------------------------------------

test: deps
	@scripts/run-tests test-c test-asan test-fuzz test-swift test-cli test-readme test-example test-bench test-dependency

$(BUILD)/test_c: $(TEST_SRC) Tests/c/harness.h $(BUILD)/libsoso.a
	$(CC) $(SOSO_CFLAGS) $(CFLAGS) -DSOSO_SOURCE_DIR='"$(CURDIR)"' $(TEST_SRC) $(BUILD)/libsoso.a $(SOSO_LIBS) -pthread -o $@

test-c: $(BUILD)/test_c
	OMP_NUM_THREADS=2 $(BUILD)/test_c

test-swift:
	swift build --build-tests
	swift test --skip-build

# The CLI end to end (debug build, shared with test-swift).
test-cli:
	swift build --product soso
	Tests/cli/test_cli.sh "$$(swift build --show-bin-path)/soso"

# Every transcript in README.md ("$ soso ..." and its output) run and compared.
test-readme:
	swift build --product soso
	Tests/cli/test_readme.py "$$(swift build --show-bin-path)/soso"

# Install into a scratch prefix, then build and run the README's C example with
# pkg-config against a model trained by the CLI.
test-example:
	Tests/cli/test_example.sh "$$(swift build --show-bin-path)/soso"

# The benchmark at a toy size: it runs and writes well-formed results (no timing checked).
test-bench: $(BUILD)/bench_kernels $(BUILD)/barrier_cost
	swift build --product soso
	Tests/cli/test_bench.sh "$$(swift build --show-bin-path)/soso"

# ---- sanitizers and fuzzing ---------------------------------------------------------------
# clang from the Swift toolchain carries the ASan, UBSan, LSan and libFuzzer runtimes.

SAN_CC ?= clang
# -fopenmp only when compiling: at link time it asks for -lomp, which Debian names omp5.
SAN_LINK := -std=c99 -g -fsanitize=address,undefined
SAN_FLAGS := $(SAN_LINK) -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined -fopenmp -Iinclude -Icsrc
SAN_LIBS := -lomp5 -lopenblas -lm -pthread
SAN_OBJ := $(SRC:csrc/%.c=$(BUILD)/asan/%.o)
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 OMP_NUM_THREADS=2

$(BUILD)/asan/%.o: csrc/%.c $(CSRC_HEADERS) include/soso.h
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/test_c_asan: $(TEST_SRC) Tests/c/harness.h $(SAN_OBJ)
	$(SAN_CC) $(SAN_FLAGS) -DSOSO_SOURCE_DIR='"$(CURDIR)"' -c $(TEST_SRC)
	@mkdir -p $(BUILD)/asan/tests && mv $(notdir $(TEST_SRC:.c=.o)) $(BUILD)/asan/tests/
	$(SAN_CC) $(SAN_LINK) $(TEST_SRC:Tests/c/%.c=$(BUILD)/asan/tests/%.o) $(SAN_OBJ) $(SAN_LIBS) -o $@

# The C tests under AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer.
test-asan: $(BUILD)/test_c_asan
	$(SAN_ENV) $(BUILD)/test_c_asan

# The Swift tests under AddressSanitizer, in a separate build folder that is made afresh
# (SwiftPM 6.3 fails to reuse a sanitized build: "unknown build description"). Leak
# checking is off: XCTest itself leaks a few weak references at exit.
test-swift-asan:
	rm -rf .build-asan
	ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --scratch-path .build-asan

# The C tests under valgrind memcheck (slow: by hand).
# The C tests under memcheck, but for the long training runs (under valgrind hours, not
# seconds), which make test-asan covers; VALGRIND_SKIP= runs them all.
VALGRIND_SKIP ?= osc_recovers,osc_stays,osc_threads,stream_pieces,hebbian_planted,tsne_,shared_model,lsa_matches,soft_inhibitor
valgrind: $(BUILD)/test_c
	SOSO_TEST_SKIP=$(VALGRIND_SKIP) OMP_NUM_THREADS=2 valgrind --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite $(BUILD)/test_c

FUZZ_SECONDS ?= 30
FUZZ_TARGETS := model memory corpus vocab
FUZZ_OBJ := $(SRC:csrc/%.c=$(BUILD)/fuzz/lib/%.o)
.SECONDARY: $(FUZZ_OBJ) $(SAN_OBJ)

# The library with coverage for libFuzzer; the harness brings libFuzzer's main.
$(BUILD)/fuzz/lib/%.o: csrc/%.c $(CSRC_HEADERS) include/soso.h
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: Tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(SAN_CC) $(SAN_FLAGS) -fsanitize=fuzzer -c $< -o $@.o
	$(SAN_CC) $(SAN_LINK) -fsanitize=fuzzer $@.o $(FUZZ_OBJ) $(SAN_LIBS) -o $@

# Each fuzz target for FUZZ_SECONDS from a seed corpus of valid and broken files.
fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	Tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The brief fuzzing run of `make test` and CI.
test-fuzz:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

# ---- benchmarks (bench/RESULTS.md) ------------------------------------------------------

BENCH_VENV := bench/.venv

$(BUILD)/bench_kernels: bench/bench_kernels.c bench/ceiling.c bench/ceiling.h $(BUILD)/libsoso.a
	$(CC) $(SOSO_CFLAGS) $(CFLAGS) bench/bench_kernels.c bench/ceiling.c $(BUILD)/libsoso.a $(SOSO_LIBS) -o $@

# The training loops' barrier against OpenMP's (by hand: ./build/barrier_cost [THREADS]).
$(BUILD)/barrier_cost: bench/barrier_cost.c bench/ceiling.c bench/ceiling.h $(BUILD)/libsoso.a
	$(CC) $(SOSO_CFLAGS) $(CFLAGS) bench/barrier_cost.c bench/ceiling.c $(BUILD)/libsoso.a $(SOSO_LIBS) -o $@

# The peers (numpy, scipy, scikit-learn) come from PyPI into a virtual environment.
$(BENCH_VENV)/bin/python:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q numpy scipy scikit-learn

bench: deps all $(BUILD)/bench_kernels $(BENCH_VENV)/bin/python
	$(BENCH_VENV)/bin/python bench/run_bench.py

# Another package depends on SOSO by path and by version tag (the committed tree).
test-dependency:
	Tests/cli/test_dependency.sh

install: install-lib cli
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/soso $(DESTDIR)$(PREFIX)/bin/soso

# Header, static library and pkg-config file: what a C program needs.
install-lib: $(BUILD)/libsoso.a
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/soso.h $(DESTDIR)$(PREFIX)/include/soso.h
	install -m 644 $(BUILD)/libsoso.a $(DESTDIR)$(PREFIX)/lib/libsoso.a
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' soso.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/soso.pc

clean:
	rm -rf $(BUILD) .build
