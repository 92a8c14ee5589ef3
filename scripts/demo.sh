#!/bin/sh
# make demo: build, start a private sandbox, run the whole single-camera
# workflow against it with the SDK (examples/singlecam.lua: a generated sample
# video is uploaded, a take and a job are made, the job is followed to the end
# and its outputs are downloaded), then stop the sandbox. The outputs stay in
# ./demo-output (replaced on each run). A video path may be given as $1.
set -eu
cd "$(dirname "$0")/.."
make -s lua5.4
LOG=$(mktemp)
node sandbox/server.js --port 0 --job-seconds 3 >"$LOG" 2>&1 &
SB=$!
trap 'kill $SB 2>/dev/null; rm -f "$LOG"' EXIT INT TERM
i=0
until grep -q '^moveugc-sandbox listening on ' "$LOG" || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(sed -n 's/^moveugc-sandbox listening on \(.*\)$/\1/p' "$LOG" | head -n 1)
[ -n "$URL" ] || { cat "$LOG"; exit 1; }
echo "sandbox: $URL"
export MOVE_UGC_ENDPOINT_URL="$URL"
export MOVE_API_KEY=sandbox-key-0123456789
export LUA_PATH="$(pwd)/binding/?.lua;$(pwd)/binding/?/init.lua;;"
export LUA_CPATH="$(pwd)/build/lua5.4/?.so;;"
OUT=demo-output
rm -rf "$OUT"
MOVEUGC_OUT="$OUT" lua5.4 examples/singlecam.lua "$@"
echo "outputs: ./$OUT"
