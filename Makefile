# moveugc: build, test, demo. Every setting can be overridden: make CC=clang.
CC       ?= cc
PKG      ?= pkg-config
LUA      ?= lua5.4
BUILD    ?= build
CURL_CFLAGS ?= $(shell $(PKG) --cflags libcurl 2>/dev/null)
CURL_LIBS   ?= $(shell $(PKG) --libs libcurl 2>/dev/null || echo -lcurl)
SSL_CFLAGS  ?= $(shell $(PKG) --cflags libcrypto 2>/dev/null)
SSL_LIBS    ?= $(shell $(PKG) --libs libcrypto 2>/dev/null || echo -lcrypto)
WARN     ?= -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Werror
CFLAGS   ?= -O2 -g
BASE_CFLAGS = -std=c99 -fPIC -fvisibility=hidden -pthread $(WARN) $(CURL_CFLAGS) $(SSL_CFLAGS)
SAN_FLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# ThreadSanitizer: the worker thread and the host's, their queues and atomics
TSAN_FLAGS = -O1 -g -fsanitize=thread -fno-omit-frame-pointer

CORE_SRC    = $(wildcard core/*.c)
BINDING_SRC = $(wildcard binding/*.c)
HEADERS     = $(wildcard core/*.h binding/*.h)

LUA54_LIBS ?= $(shell $(PKG) --libs lua5.4 2>/dev/null || echo -llua5.4)

# Lua flavours: name -> include flags
INC_lua5.4  ?= $(shell $(PKG) --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
INC_lua5.1  ?= $(shell $(PKG) --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
INC_lua5.3  ?= $(shell $(PKG) --cflags lua5.3 2>/dev/null || echo -I/usr/include/lua5.3)
INC_luajit  ?= $(shell $(PKG) --cflags luajit 2>/dev/null || echo -I/usr/include/luajit-2.1)

.PHONY: all lua5.4 lua5.3 lua5.1 luajit asan tsan core-test deps test demo sandbox sandbox-deps lint bench \
	examples rock rock-build rock-install clean fuzz fuzz-build fuzz-replay

all: lua5.4

lua5.4: $(BUILD)/lua5.4/moveugc/core.so
lua5.3: $(BUILD)/lua5.3/moveugc/core.so
lua5.1: $(BUILD)/lua5.1/moveugc/core.so
luajit: $(BUILD)/luajit/moveugc/core.so
asan: $(BUILD)/asan/moveugc/core.so
tsan: $(BUILD)/tsan/moveugc/core.so $(BUILD)/core-test-tsan $(BUILD)/tsan/lua

$(BUILD)/%/moveugc/core.so: $(CORE_SRC) $(BINDING_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(INC_$*) -shared -o $@ $(CORE_SRC) $(BINDING_SRC) $(CURL_LIBS) $(SSL_LIBS)

$(BUILD)/asan/moveugc/core.so: $(CORE_SRC) $(BINDING_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) $(INC_lua5.4) -shared -o $@ $(CORE_SRC) $(BINDING_SRC) $(CURL_LIBS) $(SSL_LIBS)

$(BUILD)/tsan/moveugc/core.so: $(CORE_SRC) $(BINDING_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TSAN_FLAGS) $(INC_lua5.4) -shared -o $@ $(CORE_SRC) $(BINDING_SRC) $(CURL_LIBS) $(SSL_LIBS)

$(BUILD)/tsan/lua: spec/tsan/lua.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) $(TSAN_FLAGS) $(INC_lua5.4) -o $@ $< $(LUA54_LIBS) -lm

$(BUILD)/core-test-tsan: $(CORE_SRC) $(wildcard core/test/*.c) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CC) $(BASE_CFLAGS) $(TSAN_FLAGS) -Icore -o $@ $(CORE_SRC) $(wildcard core/test/*.c) $(CURL_LIBS) $(SSL_LIBS)

# core/ alone, linked without Lua, under the sanitizers
$(BUILD)/core-test: $(CORE_SRC) $(wildcard core/test/*.c) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -Icore -o $@ $(CORE_SRC) $(wildcard core/test/*.c) $(CURL_LIBS) $(SSL_LIBS)

core-test: $(BUILD)/core-test

# Fuzzing: every fuzz/fuzz_<name>.c is a target (LLVMFuzzerTestOneInput), its
# seeds in fuzz/corpus/<name>/, the inputs that once failed in fuzz/regressions/<name>/.
# Each target is linked with core/ and binding/ (and Lua 5.4), like the asan build.
# `make fuzz` (scripts/fuzz.sh) builds them with clang's libFuzzer and runs each for
# FUZZ_SECONDS; fuzz-replay builds them with gcc's sanitizers and fuzz/replay.c's
# main(), which the test command runs over the corpora and the regressions.
FUZZ_NAMES    = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_CC      ?= clang
FUZZ_FLAGS   ?= -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_LIBS     = $(shell $(PKG) --libs lua5.4 2>/dev/null || echo -llua5.4) $(CURL_LIBS) $(SSL_LIBS) -lm
FUZZ_DEPS     = $(CORE_SRC) $(BINDING_SRC) $(HEADERS)

fuzz:
	sh scripts/fuzz.sh

fuzz-build: $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
$(BUILD)/fuzz/%: fuzz/fuzz_%.c $(FUZZ_DEPS) fuzz/json_oracle.lua
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_FLAGS) $(INC_lua5.4) -Icore -Ibinding -DMOVEUGC_ROOT='"$(CURDIR)"' -o $@ $< \
	  $(CORE_SRC) $(BINDING_SRC) $(FUZZ_LIBS)

fuzz-replay: $(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_NAMES))
$(BUILD)/fuzz-replay/%: fuzz/fuzz_%.c fuzz/replay.c $(FUZZ_DEPS) fuzz/json_oracle.lua
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) $(INC_lua5.4) -Icore -Ibinding -DMOVEUGC_ROOT='"$(CURDIR)"' -o $@ $< fuzz/replay.c \
	  $(CORE_SRC) $(BINDING_SRC) $(FUZZ_LIBS)

# Everything a fresh Debian 12 machine lacks (root or sudo), then the sandbox's npm packages.
deps:
	sh scripts/deps.sh

test: deps
	sh scripts/test.sh

demo: deps
	sh scripts/demo.sh

# The local API on http://127.0.0.1:8917/graphql (SANDBOX_FLAGS="--port 0 ..." to change it).
sandbox: sandbox-deps
	node sandbox/server.js $(SANDBOX_FLAGS)

sandbox-deps: sandbox/node_modules/.package-lock.json
sandbox/node_modules/.package-lock.json: sandbox/package-lock.json
	npm ci --prefix sandbox --no-audit --no-fund --loglevel=error

lint:
	sh scripts/lint.sh

bench: deps lua5.4
	sh scripts/bench.sh

# examples/embed/host.c: a C host embedding Lua 5.4 that drives ugc:step
# (it finds the SDK in this checkout: binding/ and $(BUILD)/lua5.4/)
examples: lua5.4 $(BUILD)/examples/host
$(BUILD)/examples/host: examples/embed/host.c Makefile
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) $(CFLAGS) $(INC_lua5.4) -o $@ examples/embed/host.c \
	  -DMOVEUGC_PATH='"$(CURDIR)/binding/?.lua;$(CURDIR)/binding/?/init.lua"' \
	  -DMOVEUGC_CPATH='"$(abspath $(BUILD))/lua5.4/?.so"' \
	  $(shell $(PKG) --libs lua5.4 2>/dev/null || echo -llua5.4) -lm

# The release: build/rock/moveugc-<version>.tar.gz (a git archive of the
# tree), the rockspec with its MD5, and the .src.rock holding both. Offline.
rock:
	sh scripts/rock.sh

# What LuaRocks runs (build.type = "make" in the rockspecs): everything is
# built in $(BUILD)/rock, so `luarocks make` leaves the checkout as it was.
# LuaRocks passes LUA_INCDIR, CURL_*/CRYPTO_* dirs, CFLAGS, LIBFLAG and INST_*.
ROCK_OUT = $(BUILD)/rock/lib
rock-build:
	@mkdir -p $(ROCK_OUT)/moveugc
	$(CC) -std=c99 -fPIC -fvisibility=hidden -pthread $(CFLAGS) $(addprefix -I,$(LUA_INCDIR) $(CURL_INCDIR) \
	  $(CRYPTO_INCDIR)) $(LIBFLAG) -o $(ROCK_OUT)/moveugc/core.so $(CORE_SRC) $(BINDING_SRC) \
	  $(addprefix -L,$(CURL_LIBDIR) $(CRYPTO_LIBDIR)) -lcurl -lcrypto -pthread

rock-install:
	mkdir -p $(INST_LIBDIR)/moveugc $(INST_LUADIR)/moveugc
	cp $(ROCK_OUT)/moveugc/core.so $(INST_LIBDIR)/moveugc/core.so
	cp binding/moveugc/*.lua $(INST_LUADIR)/moveugc/

clean:
	rm -rf $(BUILD)
