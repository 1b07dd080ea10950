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
LDLIBS   := $(PKG_LIBS) -fopenmp -lm -lpthread
SHARED   ?= $(abspath ../shared)
export SHARED

# Tool directory -> binary name.
TOOLS := tokenize:tok collate:collate metrics:glue-metric msgpack2json:msgpack2json \
         json2msgpack:json2msgpack train:train predict:predict
tool_bin = $(foreach t,$(TOOLS),$(if $(wildcard tools/$(word 1,$(subst :, ,$(t)))/main.c),$(BINDIR)/$(word 2,$(subst :, ,$(t)))))
BINS := $(call tool_bin)

LIB_SRC := $(wildcard lib/*.c lib/cpu/*.c)
LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC))
LIB     := $(O)/libpipetune.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))

.PHONY: all check check-fast units deps demo bench install clean check-cuda
all: $(BINS)

# Objects are written to a temporary name first so that concurrent or
# interrupted builds never leave a torn .o behind.
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -c $< -o $@.tmp && mv $@.tmp $@

$(LIB): $(LIB_OBJ)
	@rm -f $@.tmp
	ar rcs $@.tmp $^ && mv $@.tmp $@

define tool_rule
$(BINDIR)/$(2): $(O)/tools/$(1)/main.o $(LIB)
	@mkdir -p $(BINDIR)
	$$(CC) $$(ALL_CFLAGS) $$^ -o $$@ $$(LDLIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(word 1,$(subst :, ,$(t))),$(word 2,$(subst :, ,$(t))))))

$(O)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(O)/tests
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS) -lcmocka

deps:
	@tests/install-deps.sh

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The whole suite twice: the normal -O2 build, then an ASan+UBSan build of
# every tool and test (build-san/), so CI runs the sanitizers too.
check: deps
	$(MAKE) all units
	@O=$(O) BINDIR=$(BINDIR) tests/run.sh
	$(MAKE) O=build-san BINDIR=build-san/bin CFLAGS="$(SAN_FLAGS)" all units
	@PT_SANITIZE=1 O=build-san BINDIR=build-san/bin tests/run.sh

# Quick loop for development: normal build and tests only.
check-fast: all units
	@O=$(O) BINDIR=$(BINDIR) tests/run.sh

units: $(UNIT_BIN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/ 2>/dev/null || true

clean:
	rm -rf build build-san bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)
