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
BASE_CFLAGS = -std=c99 -fPIC -fvisibility=hidden $(WARN) $(CURL_CFLAGS) $(SSL_CFLAGS)
SAN_FLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

CORE_SRC    = $(wildcard core/*.c)
BINDING_SRC = $(wildcard binding/*.c)
HEADERS     = $(wildcard core/*.h binding/*.h)

# Lua flavours: name -> include flags
INC_lua5.4  ?= $(shell $(PKG) --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
INC_lua5.1  ?= $(shell $(PKG) --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
INC_luajit  ?= $(shell $(PKG) --cflags luajit 2>/dev/null || echo -I/usr/include/luajit-2.1)

.PHONY: all lua5.4 lua5.1 luajit asan core-test deps test demo sandbox lint bench examples clean

all: lua5.4

lua5.4: $(BUILD)/lua5.4/moveugc/core.so
lua5.1: $(BUILD)/lua5.1/moveugc/core.so
luajit: $(BUILD)/luajit/moveugc/core.so
asan: $(BUILD)/asan/moveugc/core.so

$(BUILD)/%/moveugc/core.so: $(CORE_SRC) $(BINDING_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(INC_$*) -shared -o $@ $(CORE_SRC) $(BINDING_SRC) $(CURL_LIBS) $(SSL_LIBS)

$(BUILD)/asan/moveugc/core.so: $(CORE_SRC) $(BINDING_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) $(INC_lua5.4) -shared -o $@ $(CORE_SRC) $(BINDING_SRC) $(CURL_LIBS) $(SSL_LIBS)

# core/ alone, linked without Lua, under the sanitizers
$(BUILD)/core-test: $(CORE_SRC) $(wildcard core/test/*.c) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -Icore -o $@ $(CORE_SRC) $(wildcard core/test/*.c) $(CURL_LIBS) $(SSL_LIBS)

core-test: $(BUILD)/core-test

# Everything a fresh Debian 12 machine lacks (root or sudo), then the sandbox's npm packages.
deps:
	sh scripts/deps.sh

test: deps
	sh scripts/test.sh

demo: deps
	sh scripts/demo.sh

sandbox: sandbox/node_modules/.package-lock.json
	node sandbox/server.js

sandbox/node_modules/.package-lock.json: sandbox/package-lock.json
	npm ci --prefix sandbox --no-audit --no-fund

lint:
	sh scripts/lint.sh

bench: deps lua5.4
	sh scripts/bench.sh

# examples/embed/host.c: a C host embedding Lua 5.4 that drives ugc:step
examples: $(BUILD)/examples/host
$(BUILD)/examples/host: examples/embed/host.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) $(CFLAGS) $(INC_lua5.4) -o $@ examples/embed/host.c \
	  $(shell $(PKG) --libs lua5.4 2>/dev/null || echo -llua5.4) -lm

clean:
	rm -rf $(BUILD)
