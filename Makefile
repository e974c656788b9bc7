# Sluice: one non-recursive Makefile. Outputs go under $(BUILD) (default
# build/); `make SAN=1 BUILD=build/san` is the ASan+UBSan build that
# `make check` also runs. Quiet lines unless V=1.
#
# Sources are discovered, not listed:
#   common/ runtime/ orchestrator/ store/ server/ cli/  -> $(BUILD)/libsluice.a
#     (every .c except the three program entry points below)
#   server/main.c -> sluiced, cli/main.c -> sluice,
#   runtime/worker_main.c -> sluice-worker (the clean worker image)
#   tests/test_*.c            -> one Check runner; a suite is any function
#                                 named `NAME_suite(void)` at line start
#   tests/hostile/*.c, tests/fixtures/*.c, functions/*.c -> handler .so files
#   tests/bench/*.c           -> benchmark programs run by `make bench`
#     (linked with tests/bench/lib/*.c, what they share)
#   web/*.{html,js,css,svg,png} -> $(BUILD)/web/ (the console sluiced serves),
#     plus the npm packages of web/package-lock.json in $(BUILD)/web-node/
#     whose browser files are copied to $(BUILD)/web/vendor/ (when npm exists)

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
V	?= 0
SAN	?= 0

CC	?= cc
PKGS	:= libwebsockets libcjson libseccomp sqlite3 libcurl libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN	:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Werror
OPT	?= -O2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -Iinclude -I. $(PKG_CFLAGS) \
	   -DSL_PREFIX='"$(PREFIX)"'
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
ifeq ($(SAN),1)
OPT	:= -O1
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(SAN_FLAGS)
LDFLAGS_ALL := $(SAN_FLAGS)
# The worker and handler .so files run under RLIMIT_AS, which AddressSanitizer's
# shadow memory cannot live with: they get UBSan only.
WORKER_SAN := -fsanitize=undefined -fno-sanitize-recover=undefined
else
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT)
LDFLAGS_ALL :=
WORKER_SAN :=
endif
CFLAGS_ALL += $(CFLAGS)
LDLIBS_ALL := -Wl,--as-needed $(PKG_LIBS) -ldl -lm -lpthread $(LDLIBS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

MODULE_DIRS := common runtime orchestrator store server cli
MAINS	:= server/main.c cli/main.c runtime/worker_main.c
LIB_SRC	:= $(filter-out $(MAINS),$(wildcard $(addsuffix /*.c,$(MODULE_DIRS))))
LIB_OBJ	:= $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB	:= $(BUILD)/libsluice.a

SLUICED	:= $(BUILD)/sluiced
SLUICE	:= $(BUILD)/sluice
WORKER	:= $(BUILD)/sluice-worker
# A program is built once its entry point exists.
PROGS	:= $(if $(wildcard server/main.c),$(SLUICED)) \
	   $(if $(wildcard cli/main.c),$(SLUICE)) \
	   $(if $(wildcard runtime/worker_main.c),$(WORKER))

TEST_SRC := $(wildcard tests/test_*.c) tests/check_main.c
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
TEST_RUNNER := $(BUILD)/tests/unit

HANDLER_SRC := $(wildcard tests/hostile/*.c tests/fixtures/*.c functions/*.c)
HANDLERS := $(HANDLER_SRC:%.c=$(BUILD)/%.so)
FN_CONF	:= $(patsubst %,$(BUILD)/%,$(wildcard functions/*.json tests/fixtures/*.json tests/hostile/*.json))

BENCH_SRC := $(wildcard tests/bench/*.c)
# What several benchmark programs share (no main of its own).
BENCH_LIB_SRC := $(wildcard tests/bench/lib/*.c)
BENCH_LIB_OBJ := $(BENCH_LIB_SRC:%.c=$(BUILD)/obj/%.o)
BENCHES	:= $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

DEPS	:= $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) \
	   $(patsubst %.c,$(BUILD)/obj/%.d,$(MAINS) $(BENCH_SRC) $(BENCH_LIB_SRC))

.PHONY: all check test unit integration demo bench conformance install \
	uninstall clean deps format web
.DEFAULT_GOAL := all

all: $(PROGS) $(HANDLERS) $(FN_CONF) $(BUILD)/sluice.pc web

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The worker is a separate image with a smaller sanitizer set (see above).
$(BUILD)/obj/worker/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (worker)")
	$(Q)$(CC) $(BASE_CFLAGS) $(OPT) $(CFLAGS) $(WORKER_SAN) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(SLUICED): $(BUILD)/obj/server/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(SLUICE): $(BUILD)/obj/cli/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# The worker exports its sl_* symbols to the handler it loads (-rdynamic).
WORKER_OBJ := $(patsubst %.c,$(BUILD)/obj/worker/%.o,runtime/worker_main.c \
	$(filter runtime/worker_%.c runtime/frame.c runtime/sandbox%.c common/%.c,$(LIB_SRC)))
$(WORKER): $(WORKER_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(WORKER_SAN) -rdynamic -o $@ $^ -Wl,--as-needed \
		$(shell pkg-config --libs libcjson libseccomp) -ldl

$(BUILD)/%.so: %.c include/sluice.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  SO      $@")
	$(Q)$(CC) $(BASE_CFLAGS) $(OPT) $(WORKER_SAN) -fPIC -shared -o $@ $< \
		-Wl,--as-needed $(PKG_LIBS)

$(BUILD)/%.json: %.json
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(BUILD)/tests/suites.inc: $(wildcard tests/test_*.c)
	@mkdir -p $(dir $@)
	$(Q)cat /dev/null $^ | sed -n 's/^\([a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' > $@

$(BUILD)/obj/tests/check_main.o: $(BUILD)/tests/suites.inc
$(BUILD)/obj/tests/check_main.o: CFLAGS_ALL += -I$(BUILD)/tests $(CHECK_CFLAGS)
$(BUILD)/obj/tests/%.o: CFLAGS_ALL += $(CHECK_CFLAGS) -Wno-missing-prototypes

$(TEST_RUNNER): $(TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BENCH_LIB_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/sluice.pc: scripts/sluice.pc.in
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

# --- the web console ---------------------------------------------------------
# Static files are copied as they are. The graph layout library comes from npm
# at build time (never at run time): `npm ci` installs web/package-lock.json
# into $(BUILD)/web-node/, and its browser bundle goes to $(BUILD)/web/vendor/.
# Without npm, or when the registry cannot be reached, the console is built
# without it and says so where it would draw a graph.
WEB_SRC	:= $(wildcard web/*.html web/*.js web/*.css web/*.svg web/*.png)
WEB_OUT	:= $(WEB_SRC:web/%=$(BUILD)/web/%)
WEB_NODE := $(BUILD)/web-node
WEB_VENDOR := $(BUILD)/web/vendor/elk.bundled.js
NPM	:= $(shell command -v npm 2>/dev/null)

web: $(WEB_OUT) $(if $(NPM),$(WEB_VENDOR))

$(BUILD)/web/%: web/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(WEB_NODE)/.installed: web/package.json web/package-lock.json
	@mkdir -p $(WEB_NODE)
	@$(if $(Q),echo "  NPM     $(WEB_NODE)")
	$(Q)cp web/package.json web/package-lock.json $(WEB_NODE)/
	$(Q)if (cd $(WEB_NODE) && npm ci --no-audit --no-fund \
	    --loglevel=error >npm.log 2>&1); then touch $@; else \
	    echo "web: npm ci failed (see $(WEB_NODE)/npm.log); the console" \
	    "is built without its graph library" >&2; fi

$(WEB_VENDOR): $(WEB_NODE)/.installed
	@mkdir -p $(dir $@)
	$(Q)if [ -f $< ]; then \
	    cp $(WEB_NODE)/node_modules/elkjs/lib/elk.bundled.js $@; fi

# --- what users run ----------------------------------------------------------

deps:
	$(Q)scripts/deps.sh

# The README's test command: dependencies, the normal build, then the
# sanitizer build, each running every test.
check: deps
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory SAN=1 BUILD=$(BUILD)/san test

test: all $(TEST_RUNNER)
	$(Q)SLUICE_BUILD=$(abspath $(BUILD)) SAN=$(SAN) scripts/test.sh

demo: deps all
	$(Q)SLUICE_BUILD=$(abspath $(BUILD)) scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCHES)
	$(Q)SLUICE_BUILD=$(abspath $(BUILD)) scripts/bench.sh

conformance: all
	$(Q)SLUICE_BUILD=$(abspath $(BUILD)) scripts/conformance.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/sluice \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(SLUICED) $(SLUICE) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(WORKER) $(DESTDIR)$(PREFIX)/libexec/sluice/
	install -m 644 include/sluice.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/sluice.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -d $(DESTDIR)$(PREFIX)/share/sluice/web
	cp -R $(BUILD)/web/. $(DESTDIR)$(PREFIX)/share/sluice/web/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sluiced $(DESTDIR)$(PREFIX)/bin/sluice \
		$(DESTDIR)$(PREFIX)/include/sluice.h \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/sluice.pc
	rm -rf $(DESTDIR)$(PREFIX)/libexec/sluice \
		$(DESTDIR)$(PREFIX)/share/sluice

format:
	$(Q)scripts/format.sh

clean:
	rm -rf $(BUILD)

-include $(DEPS) $(WORKER_OBJ:.o=.d)

# The example functions share a header-only helper.
$(patsubst %.c,$(BUILD)/%.so,$(wildcard functions/*.c)): functions/signup.h
