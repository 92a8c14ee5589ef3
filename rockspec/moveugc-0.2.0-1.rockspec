-- The release rock of moveugc 0.2.0. `make rock` writes, in build/rock/:
--   moveugc-0.2.0.tar.gz        git archive of the tree (prefix moveugc-0.2.0/)
--   moveugc-0.2.0-1.rockspec    this file, with source.md5 of that archive
--   moveugc-0.2.0-1.src.rock    both, packed by luarocks pack
-- Install: luarocks --lua-version=5.4 install build/rock/moveugc-0.2.0-1.src.rock --deps-mode=none
rockspec_format = "3.0"
package = "moveugc"
version = "0.2.0-1"
-- The release archive: `make rock` makes it (git archive of the tree), then
-- packs it with a copy of this rockspec that carries its md5.
source = {
  url = "moveugc-0.2.0.tar.gz",
  dir = "moveugc-0.2.0",
}
description = {
  summary = "Lua client for Move AI's MoveUGC motion-capture API",
  detailed = [[
A Lua module over a small C core (libcurl, OpenSSL): kept-alive connections,
safe retries, streaming transfers, webhook verification, and every resource of
the MoveUGC GraphQL API as plain Lua functions, blocking or inside a frame loop.
]],
  license = "MIT",
  labels = { "http", "graphql", "motion-capture", "sdk" },
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson >= 2.1",
}
-- Debian keeps curl's headers under include/x86_64-linux-gnu, where the
-- compiler finds them on its own: only the libraries are looked for.
external_dependencies = {
  CURL = { library = "curl" },
  CRYPTO = { library = "crypto" },
}
-- The Makefile's rock-build and rock-install targets: the build happens in
-- build/rock/, so the checkout is left as it was.
build = {
  type = "make",
  build_target = "rock-build",
  install_target = "rock-install",
  build_variables = {
    CFLAGS = "$(CFLAGS)", LIBFLAG = "$(LIBFLAG)", LUA_INCDIR = "$(LUA_INCDIR)",
    CURL_INCDIR = "$(CURL_INCDIR)", CURL_LIBDIR = "$(CURL_LIBDIR)",
    CRYPTO_INCDIR = "$(CRYPTO_INCDIR)", CRYPTO_LIBDIR = "$(CRYPTO_LIBDIR)",
  },
  install_variables = { INST_LIBDIR = "$(LIBDIR)", INST_LUADIR = "$(LUADIR)" },
  -- the command; it finds the modules of the tree it is installed in
  install = { bin = { moveugc = "bin/moveugc" } },
}
-- luarocks test: the specs on this rock's Lua, against a private sandbox
test = {
  type = "command",
  script = "spec/run.lua",
}
