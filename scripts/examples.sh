#!/bin/sh
# Runs every example against one private sandbox; ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
make -s lua5.4 examples || { echo "0 passed, 1 failed"; exit 1; }
LOG=$(mktemp)
OUT=$(mktemp -d)
node sandbox/server.js --port 0 --job-seconds 1 >"$LOG" 2>&1 &
SB=$!
trap 'kill $SB 2>/dev/null; rm -rf "$LOG" "$OUT"' EXIT INT TERM
i=0
until grep -q '^moveugc-sandbox listening on ' "$LOG" || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
export MOVE_UGC_ENDPOINT_URL=$(sed -n 's/^moveugc-sandbox listening on \(.*\)$/\1/p' "$LOG" | head -n 1)
export MOVE_API_KEY=sandbox-key-0123456789
export LUA_PATH="$ROOT/binding/?.lua;$ROOT/binding/?/init.lua;;"
export LUA_CPATH="$ROOT/build/lua5.4/?.so;;"
passed=0
failed=0
run() { # name command...
  name=$1
  shift
  if timeout 180 "$@" >"$OUT/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    tail -n 20 "$OUT/$name.log"
  fi
}
for ex in examples/*.lua; do
  run "$(basename "$ex" .lua)" sh -c "cd '$OUT' && lua5.4 '$ROOT/$ex'"
done
run embed-host ./build/examples/host
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
