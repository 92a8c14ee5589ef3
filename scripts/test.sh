#!/bin/sh
# The whole test command: builds, lints, and runs every suite, then prints one
# line summing them all: "N passed, N failed". Exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGDIR=$(mktemp -d)
PASSED=0
FAILED=0
trap 'rm -rf "$LOGDIR"; [ -n "${SB_PID:-}" ] && kill "$SB_PID" 2>/dev/null' EXIT

count() { # suite-name passed failed
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
  printf '== %s: %s passed, %s failed\n' "$1" "$2" "$3"
}

# the "N passed, N failed" line a suite ends with -> "passed failed" ("0 1" if none)
summary_counts() {
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -z "$line" ]; then echo "0 1"; return; fi
  echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/'
}

# busted's summary line: "N successes / N failures / N errors / N pending"
busted_counts() {
  line=$(grep -E '[0-9]+ success(es)? / [0-9]+ failures? / [0-9]+ errors? / [0-9]+ pending' "$1" | tail -n 1)
  if [ -z "$line" ]; then echo "0 1"; return; fi
  ok=$(echo "$line" | grep -Eo '[0-9]+ success' | grep -Eo '[0-9]+')
  bad=$(echo "$line" | grep -Eo '[0-9]+ failure' | grep -Eo '[0-9]+')
  err=$(echo "$line" | grep -Eo '[0-9]+ error' | grep -Eo '[0-9]+')
  pend=$(echo "$line" | grep -Eo '[0-9]+ pending' | grep -Eo '[0-9]+')
  echo "$ok $((bad + err + pend))"
}

run_busted() { # name lua cpath-dir [env...]
  name=$1 lua=$2 dir=$3
  shift 3
  log="$LOGDIR/$name.log"
  env LUA_PATH="$ROOT/binding/?.lua;$ROOT/binding/?/init.lua;$ROOT/spec/?.lua;;" \
      LUA_CPATH="$ROOT/$dir/?.so;;" "$@" \
      busted --lua="$lua" -o utfTerminal spec 2>&1 | tee "$log"
  set -- $(busted_counts "$log")
  count "$name" "$1" "$2"
}

echo "== build"
if ! make -s lua5.4 lua5.3 lua5.1 luajit asan tsan core-test; then
  count build 0 1
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi

echo "== lint"
if luacheck -q binding spec examples bin bench scripts fuzz >"$LOGDIR/luacheck.log" 2>&1; then
  count luacheck 1 0
else
  cat "$LOGDIR/luacheck.log"; count luacheck 0 1
fi
if cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
    --std=c99 --inline-suppr -I core core binding 2>"$LOGDIR/cppcheck.log"; then
  count cppcheck 1 0
else
  cat "$LOGDIR/cppcheck.log"; count cppcheck 0 1
fi

echo "== sandbox (node --test)"
node --test --test-reporter=tap sandbox/test/ >"$LOGDIR/node.log" 2>&1
tail -n 12 "$LOGDIR/node.log"
np=$(grep -E '^# pass [0-9]+' "$LOGDIR/node.log" | grep -Eo '[0-9]+' | tail -n 1)
nf=$(grep -E '^# fail [0-9]+' "$LOGDIR/node.log" | grep -Eo '[0-9]+' | tail -n 1)
[ -n "$np" ] || { np=0; nf=1; grep -E '^not ok' "$LOGDIR/node.log"; }
grep -E '^\s*not ok' "$LOGDIR/node.log" | head -n 20
count sandbox "$np" "${nf:-1}"

echo "== contract (every SDK document against the published schema)"
node --test --test-reporter=tap spec/contract/ >"$LOGDIR/contract.log" 2>&1
grep -E '^(not )?ok ' "$LOGDIR/contract.log"
grep -q '^not ok' "$LOGDIR/contract.log" && grep -A30 '^not ok' "$LOGDIR/contract.log" | head -n 60
kp=$(grep -E '^# pass [0-9]+' "$LOGDIR/contract.log" | grep -Eo '[0-9]+' | tail -n 1)
kf=$(grep -E '^# fail [0-9]+' "$LOGDIR/contract.log" | grep -Eo '[0-9]+' | tail -n 1)
[ -n "$kp" ] || { kp=0; kf=1; }
count contract "$kp" "${kf:-1}"

echo "== core (C, ASan + UBSan)"
node sandbox/server.js --port 0 >"$LOGDIR/sb.log" 2>&1 &
SB_PID=$!
i=0
until grep -q '^moveugc-sandbox listening on ' "$LOGDIR/sb.log" || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(sed -n 's/^moveugc-sandbox listening on \(.*\)$/\1/p' "$LOGDIR/sb.log" | head -n 1)
MOVEUGC_SANDBOX_URL="$URL" ASAN_OPTIONS=detect_leaks=1 ./build/core-test >"$LOGDIR/core.log" 2>&1
cat "$LOGDIR/core.log"
count core $(summary_counts "$LOGDIR/core.log")

echo "== core (C, ThreadSanitizer)"
# the same tests, the worker thread and the host's checked for races; any
# report stops the run (no summary line: counted as a failure)
MOVEUGC_SANDBOX_URL="$URL" TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ./build/core-test-tsan >"$LOGDIR/core-tsan.log" 2>&1
grep -v '^FAIL' "$LOGDIR/core-tsan.log" | grep -v '^[0-9]* passed' | head -n 40
grep '^FAIL' "$LOGDIR/core-tsan.log"
count "core tsan" $(summary_counts "$LOGDIR/core-tsan.log")
kill "$SB_PID" 2>/dev/null; SB_PID=

echo "== fuzz corpora (replay under ASan+UBSan)"
# `make fuzz-replay`: every fuzz/fuzz_<name>.c built with gcc and fuzz/replay.c
# (no libFuzzer), run over fuzz/corpus/<name>/ and fuzz/regressions/<name>/
# (the inputs that once failed); each target builds and counts on its own
for src in fuzz/fuzz_*.c; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .c | sed 's/^fuzz_//')
  log="$LOGDIR/fuzz-$name.log"
  if ! make -s "build/fuzz-replay/$name" >"$log" 2>&1; then
    cat "$log"; count "fuzz $name (build)" 0 1; continue
  fi
  dirs=""
  for d in "fuzz/corpus/$name" "fuzz/regressions/$name"; do [ -d "$d" ] && dirs="$dirs $d"; done
  if [ -z "$dirs" ]; then
    echo "no fuzz/corpus/$name/"; count "fuzz $name" 0 1; continue
  fi
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1 "./build/fuzz-replay/$name" $dirs >"$log" 2>&1
  grep -E '^FAIL|^==[0-9]+==ERROR|^SUMMARY|^fuzz_|runtime error' "$log" | head -n 30
  count "fuzz $name" $(summary_counts "$log")
done

echo "== specs (busted)"
run_busted "specs lua5.4" lua5.4 build/lua5.4
run_busted "specs lua5.3" lua5.3 build/lua5.3
run_busted "specs lua5.1" lua5.1 build/lua5.1
run_busted "specs luajit" luajit build/luajit
ASAN_LIB=$(gcc -print-file-name=libasan.so)
run_busted "specs lua5.4+asan" lua5.4 build/asan \
  LD_PRELOAD="$ASAN_LIB" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
# the specs that drive the worker hardest, in a Lua 5.4 built with TSan
# (spec/tsan/lua.c: the runtime linked in, so the shells the specs start
# stay uninstrumented)
log="$LOGDIR/specs-tsan.log"
env LUA_PATH="$ROOT/binding/?.lua;$ROOT/binding/?/init.lua;$ROOT/spec/?.lua;;" \
    LUA_CPATH="$ROOT/build/tsan/?.so;;" TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ./build/tsan/lua "$(command -v busted)" -o utfTerminal \
    spec/tasks_spec.lua spec/transfer_spec.lua spec/files_spec.lua spec/sandbox_answers_spec.lua \
    2>&1 | tee "$log"
count "specs lua5.4+tsan" $(busted_counts "$log")

echo "== README and the rock (a fresh copy of the tree)"
sh scripts/readme.sh >"$LOGDIR/readme.log" 2>&1
cat "$LOGDIR/readme.log"
count readme $(summary_counts "$LOGDIR/readme.log")

if [ -x scripts/examples.sh ] || [ -f scripts/examples.sh ]; then
  echo "== examples"
  sh scripts/examples.sh >"$LOGDIR/examples.log" 2>&1
  tail -n 20 "$LOGDIR/examples.log"
  count examples $(summary_counts "$LOGDIR/examples.log")
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
