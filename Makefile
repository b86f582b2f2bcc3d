# tiktokfs — plain Makefile.
#
#   make                 build ./tiktokfs (objects in build/)
#   make SANITIZE=1      the same with ASan and UBSan (objects in build-san/)
#   make deps            install the Debian packages that are missing
#   make check           deps, build, C unit tests, sandbox and mounted tests
#   make unit            C unit tests only
#   make media           the test videos (ffmpeg), cached in build/media-cache
#   make fuzz            libFuzzer targets, FUZZ_SECONDS each (clang)
#   make demo            post a sample video through a real mount to the sandbox
#   make bench           ratios measured side by side
#   make container-check build the NAS container (contrib/container/) with podman
#                        and post through it to the sandbox; not part of check
#   make install         PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
DESTDIR  ?=
PKGS     := fuse3 libcurl jansson openssl sqlite3
CC       ?= cc
PYTHON   ?= /usr/bin/python3
FUZZ_SECONDS ?= 30
# check builds with one job per processor unless `make -jN check` said otherwise
NPROC    := $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

VERSION  := 0.1.0

ifeq ($(SANITIZE),1)
BUILD    ?= build-san
OPT      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDOPT    := -fsanitize=address,undefined
else
BUILD    ?= build
OPT      := -O2 -g -D_FORTIFY_SOURCE=2
LDOPT    :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?=
CFLAGS   += -std=c11 -D_GNU_SOURCE -DFUSE_USE_VERSION=314 -DTIKTOKFS_VERSION='"$(VERSION)"' \
	    -Wall -Wextra -Werror -Wshadow -Wformat=2 -fstack-protector-strong \
	    $(OPT) -MMD -MP -I. $(PKG_CFLAGS)
LDFLAGS  += $(LDOPT)
LDLIBS   += $(PKG_LIBS) -lpthread

LIB_SRC  := $(sort $(wildcard util/*.c meta/*.c meta/*/*.c net/*.c fs/*.c cmd/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libtiktokfs.a
MAIN_OBJ := $(BUILD)/main.o

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

.PHONY: all tiktokfs deps check unit media fuzz demo bench install uninstall clean sandbox-check \
	container-check

all: tiktokfs

# ./tiktokfs always points at the binary of the current build flavour.
tiktokfs: $(BUILD)/tiktokfs
	@ln -sfn $(BUILD)/tiktokfs tiktokfs

# Linked from the objects, not the archive, so that every object is in.
$(BUILD)/tiktokfs: $(MAIN_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB_OBJ) $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Every unit test is linked with the shared set-up (tests/unit/fixture.h).
UNIT_FIXTURE := $(BUILD)/tests/unit/fixture.o
.SECONDARY: $(UNIT_FIXTURE)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(UNIT_FIXTURE) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(UNIT_FIXTURE) $(LIB) $(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BIN)
	@$(PYTHON) tests/tools/run_unit.py -j $(NPROC) $(UNIT_BIN)

deps:
	@sh tests/tools/deps.sh

# The test videos, made once into the cache (tests/tools/mediafiles.py);
# a second run finds them there and takes a fraction of a second.
media:
	@$(PYTHON) tests/tools/mediafiles.py --warm

# A sub-make builds the binary and the test videos, in parallel: -j$(NPROC),
# or the caller's -j (its job server then reaches the sub-make through
# MAKEFLAGS, and so does SANITIZE=1).  MAKEFLAGS holds -j only while a
# recipe runs, hence the test here and not at parse time.  The videos are
# one job of it, named first so that ffmpeg starts at once and runs beside
# the compiler: on a fresh clone the tests then find them made.  The unit
# tests are built by run_check.py once the mounted tests run (they need
# only the binary and mostly wait, so the compiler has the cores).
# run_check.py times the phases from $$start.
CHECK_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC))
check: deps
	@start=$$(date +%s.%N) && \
	$(MAKE) --no-print-directory $(CHECK_J) media tiktokfs && \
	$(PYTHON) tests/tools/run_check.py --build $(BUILD) --started $$start \
		--make-units "$(MAKE) --no-print-directory $(CHECK_J)" $(UNIT_BIN)

# libFuzzer: clang only; each target is linked with the library sources
# rebuilt for fuzzing (coverage + ASan + UBSan), not the normal build.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -DFUSE_USE_VERSION=314 -DTIKTOKFS_VERSION='"$(VERSION)"' \
	       -g -O1 -I. $(PKG_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build-fuzz/%.o)

build-fuzz/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

build-fuzz/libtiktokfs.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libtiktokfs.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libtiktokfs.a $(PKG_LIBS) -lpthread

fuzz: deps $(FUZZ_BIN)
	@$(PYTHON) tests/tools/run_fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_BIN)

demo: deps
	@$(MAKE) --no-print-directory tiktokfs
	@$(PYTHON) tests/tools/demo.py

bench: deps
	@$(MAKE) --no-print-directory tiktokfs
	@$(PYTHON) tests/bench/bench.py $(BENCH_ARGS)

# The container of contrib/container/, built and run for real with rootful
# podman (tests/container/container_check.py says what it covers).  Not
# in `check`: a build takes minutes and needs a Debian mirror.
container-check:
	@$(PYTHON) tests/container/container_check.py $(CONTAINER_ARGS)

# Installed layout.  The units name the binary by its installed path, so
# install fills @BINDIR@ in as it copies them from dist/.  install does not
# touch the ./tiktokfs link of the source tree.
BINDIR      := $(PREFIX)/bin
MAN1DIR     := $(PREFIX)/share/man/man1
UNITDIR     := $(PREFIX)/lib/systemd/system
USERUNITDIR := $(PREFIX)/lib/systemd/user
DOCDIR      := $(PREFIX)/share/doc/tiktokfs
SYS_UNITS   := tiktokfs.service tiktokfs-watch@.service

install: $(BUILD)/tiktokfs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/tiktokfs $(DESTDIR)$(BINDIR)/tiktokfs
	install -m 0644 tiktokfs.1 $(DESTDIR)$(MAN1DIR)/tiktokfs.1
	for u in $(SYS_UNITS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' dist/$$u > '$(DESTDIR)$(UNITDIR)'/$$u && \
		chmod 0644 '$(DESTDIR)$(UNITDIR)'/$$u || exit 1; \
	done
	sed 's|@BINDIR@|$(BINDIR)|g' dist/tiktokfs-user.service > $(DESTDIR)$(USERUNITDIR)/tiktokfs.service
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/tiktokfs.service
	install -m 0644 tiktokfs.conf.example README.md docs/contract.md docs/tiktok.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tiktokfs
	rm -f $(DESTDIR)$(MAN1DIR)/tiktokfs.1
	rm -f $(SYS_UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	rm -f $(DESTDIR)$(USERUNITDIR)/tiktokfs.service
	rm -f $(DESTDIR)$(DOCDIR)/tiktokfs.conf.example $(DESTDIR)$(DOCDIR)/README.md \
		$(DESTDIR)$(DOCDIR)/contract.md $(DESTDIR)$(DOCDIR)/tiktok.md
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

clean:
	rm -rf build build-san build-fuzz tiktokfs

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_FIXTURE:.o=.d) $(FUZZ_LIB_OBJ:.o=.d)
