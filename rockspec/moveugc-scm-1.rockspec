-- The development rock, built from a checkout:
--   luarocks --lua-version=5.4 make --deps-mode=none rockspec/moveugc-scm-1.rockspec
-- The release rock is rockspec/moveugc-<version>-1.rockspec (make rock).
rockspec_format = "3.0"
package = "moveugc"
version = "scm-1"
source = {
  url = "git+file://.", -- luarocks make builds the checkout it runs in; this is never fetched
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
