#!/bin/sh
# The README's words, run as written on a fresh copy of the tree (a clone of
# this checkout plus its uncommitted changes): the LuaRocks install and
# `luarocks path`, the command on every Lua, a checkout that stays clean, `make
# sandbox` on a tree without node_modules, the quick start, the embedding host,
# `make rock` installed into an empty tree, and `luarocks test`.
# One line per check; ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
W=$(mktemp -d)
SRC="$W/src"
SB_PGID=
cleanup() {
  [ -n "$SB_PGID" ] && kill -TERM "-$SB_PGID" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
passed=0
failed=0
VERSION=$(sed -n 's/^M._VERSION = "\(.*\)"$/\1/p' binding/moveugc/init.lua)

# check NAME SCRIPT: runs SCRIPT with sh -eu (cwd $SRC); its output is shown on failure
check() {
  name=$1
  log="$W/log.$passed.$failed"
  if (cd "$SRC" && sh -eu -c "$2") >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    tail -n 25 "$log" | sed 's/^/     /'
  fi
}

# ---- the fresh tree ----------------------------------------------------
git clone -q "$ROOT" "$SRC"
git ls-files -z -m -o --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$SRC"
git ls-files -z -d | (cd "$SRC" && xargs -0 rm -f --)
BEFORE=$(cd "$SRC" && git status --porcelain --ignored)
export W VERSION BEFORE
unset LUA_PATH LUA_CPATH LUA_PATH_5_4 LUA_CPATH_5_4 LUA_PATH_5_3 LUA_CPATH_5_3

check "the project reads nothing beside it: only the drift check names the shared folder" '
  found=$(grep -rln "\.\.""/shared" --exclude-dir=node_modules --exclude-dir=.git . || true)
  echo "$found"
  [ "$found" = "./sandbox/test/reference.test.js" ]'

check "luarocks --lua-version=5.4 make --deps-mode=none into a private tree" '
  luarocks --lua-version=5.4 --tree="$W/tree54" make --deps-mode=none rockspec/moveugc-scm-1.rockspec'

check "luarocks make leaves the checkout as it was (git status; it builds in ignored build/)" '
  after=$(git status --porcelain --ignored | grep -vx "!! build/" || true)
  [ "$after" = "$BEFORE" ] || { echo "before:"; echo "$BEFORE"; echo "after:"; echo "$after"; exit 1; }'

check "eval \"\$(luarocks path)\", then moveugc --help and --version" '
  eval "$(luarocks --lua-version=5.4 --tree="$W/tree54" path)"
  [ "$(command -v moveugc)" = "$W/tree54/bin/moveugc" ]
  cd "$W" && moveugc --help >help.out 2>&1
  cat help.out
  grep -q "jobs list" help.out
  ! grep -q "not found" help.out
  [ "$(moveugc --version)" = "moveugc $VERSION" ]
  lua5.4 -e "assert(require(\"moveugc\")._VERSION == \"$VERSION\")"'

check "the installed moveugc finds its own tree without luarocks path" '
  cd "$W" && [ "$("$W/tree54/bin/moveugc" --version)" = "moveugc $VERSION" ]'

for v in 5.1 5.3; do
  check "luarocks --lua-version=$v make, and moveugc on Lua $v" "
    luarocks --lua-version=$v --tree=\"\$W/tree$v\" make --deps-mode=none rockspec/moveugc-scm-1.rockspec
    cd \"\$W\" && [ \"\$(\"\$W/tree$v/bin/moveugc\" --version)\" = \"moveugc \$VERSION\" ]
    head -n 3 \"\$W/tree$v/bin/moveugc\" | grep -q lua$v"
done

check "bin/moveugc from a checkout loads the checkout's build for its Lua (5.1, LuaJIT)" '
  make -s lua5.4 lua5.1 luajit
  mkdir -p moveugc && cp build/lua5.4/moveugc/core.so moveugc/ # a stray 5.4 build on ./?.so
  [ "$(lua5.1 bin/moveugc --version)" = "moveugc $VERSION" ]
  [ "$(luajit bin/moveugc --version)" = "moveugc $VERSION" ]
  rm -rf moveugc build/lua5.3
  if lua5.3 bin/moveugc --version 2>"$W/err.out"; then exit 1; fi # not built: a short, clear message
  cat "$W/err.out"
  [ "$(wc -l <"$W/err.out")" -le 3 ] && grep -q "make lua5.3" "$W/err.out"'

# make sandbox as written (port 8917) when that port is free, else on a free one
PORT_FLAGS=
if lua5.4 -e 'os.exit(require("socket").connect("127.0.0.1", 8917) and 0 or 1)' 2>/dev/null; then
  PORT_FLAGS="--port 0" # taken (a sandbox of yours?): the same command on a free port
fi
(cd "$SRC" && exec setsid make sandbox SANDBOX_FLAGS="$PORT_FLAGS --job-seconds 1" >"$W/sandbox.log" 2>&1) &
i=0
until grep -q '^moveugc-sandbox listening on ' "$W/sandbox.log" 2>/dev/null || [ $i -gt 600 ]; do
  sleep 0.1; i=$((i + 1))
done
SB_PGID=$(ps -o pgid= -p $! 2>/dev/null | tr -d ' ')
URL=$(sed -n 's/^moveugc-sandbox listening on \(.*\)$/\1/p' "$W/sandbox.log" | head -n 1)
export URL
check "make sandbox on a fresh tree installs its npm packages and serves" '
  cat "$W/sandbox.log"; [ -n "$URL" ] && [ -f sandbox/node_modules/.package-lock.json ]'

# the README's `export` line, with the sandbox's address when it is not 8917
EXPORTS=$(sed -n '/^## Quick start/,/^## /p' "$SRC/README.md" | grep '^export MOVE_API_KEY=')
export EXPORTS
check "the quick start runs as written against the sandbox" '
  eval "$EXPORTS"
  [ -n "$URL" ] && export MOVE_UGC_ENDPOINT_URL="$URL"
  sed -n "/^## Quick start/,/^## /p" README.md | awk "/^\`\`\`lua/{f=1;next} /^\`\`\`/{f=0} f" >"$W/quickstart.lua"
  grep -q "ugc.jobs.create" "$W/quickstart.lua"
  eval "$(luarocks --lua-version=5.4 --tree="$W/tree54" path)"
  mkdir -p "$W/qs" && cd "$W/qs"
  head -c 200000 /dev/urandom >capture.mp4
  lua5.4 "$W/quickstart.lua" | tee out.txt
  grep -Eq "^job-[0-9a-f-]+[[:space:]]+NOT_STARTED" out.txt
  grep -q "^MAIN_FBX[[:space:]]out/MAIN_FBX.fbx" out.txt
  [ -s out/MAIN_FBX.fbx ]'

check "make examples && ./build/examples/host (no LUA_PATH)" '
  eval "$EXPORTS"
  [ -n "$URL" ] && export MOVE_UGC_ENDPOINT_URL="$URL"
  make -s examples && ./build/examples/host | tee host.out
  grep -q "^host: after [0-9]* frames" host.out; rm -f host.out'

check "make rock, installed from the .src.rock into an empty tree: --version and SDK calls" '
  make -s rock
  rock="$PWD/build/rock/moveugc-$VERSION-1.src.rock"
  grep -q "^version = \"$VERSION-1\"" "rockspec/moveugc-$VERSION-1.rockspec"
  unzip -l "$rock" | grep -q "moveugc-$VERSION.tar.gz"
  cd "$W" && luarocks --lua-version=5.4 --tree="$W/rocktree" install "$rock" --deps-mode=none
  [ "$("$W/rocktree/bin/moveugc" --version)" = "moveugc $VERSION" ]
  eval "$EXPORTS"
  [ -n "$URL" ] && export MOVE_UGC_ENDPOINT_URL="$URL"
  "$W/rocktree/bin/moveugc" --json client | grep -q "\"id\":\"client-"
  eval "$(luarocks --lua-version=5.4 --tree="$W/rocktree" path)"
  lua5.4 -e "
    local m = require \"moveugc\"
    assert(m._VERSION == \"$VERSION\")
    assert(package.searchpath(\"moveugc.core\", package.cpath):find(\"$W/rocktree/\", 1, true))
    local c = assert(m.new{}.client.retrieve())
    print(\"client\", c.id)"'

check "luarocks test runs the specs (one spec file here)" '
  luarocks --lua-version=5.4 test rockspec/moveugc-scm-1.rockspec -- spec/json_spec.lua | tee test.out
  grep -Eq "^[1-9][0-9]* successes / 0 failures / 0 errors" test.out; rm -f test.out'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
