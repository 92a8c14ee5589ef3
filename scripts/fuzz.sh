#!/bin/sh
# make fuzz: builds every fuzz/fuzz_<name>.c with clang's libFuzzer (ASan +
# UBSan) and runs each for FUZZ_SECONDS (default 60) seconds.
#
#   FUZZ_SECONDS=600 make fuzz            every target, 10 minutes each
#   FUZZ_TARGETS="json" make fuzz         only these targets
#   FUZZ_ARGS="-jobs=2 -workers=2" ...    more libFuzzer flags
#
# Seeds: fuzz/corpus/<name>/ and fuzz/regressions/<name>/, read only. The
# inputs the fuzzer finds go to a scratch dir (printed, removed at the end
# unless FUZZ_KEEP=1): the committed corpus never grows by itself. A crash,
# leak or timeout is saved in fuzz/regressions/<name>/ (which the test command
# replays); keep it there once it is fixed.
# Prints per target: seconds run, executions, findings; exits 1 on a finding.
set -u
cd "$(dirname "$0")/.." || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_ARGS=${FUZZ_ARGS:-}
BUILD=${BUILD:-build}

# clang and libFuzzer, with the build's own needs, from apt when missing
PKGS="clang libclang-rt-14-dev libfuzzer-14-dev pkg-config libcurl4-openssl-dev libssl-dev
liblua5.4-dev lua-cjson"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "fuzz: installing$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    { echo "fuzz: apt-get install failed"; exit 1; }
fi

if [ -n "${FUZZ_TARGETS:-}" ]; then
  targets=$FUZZ_TARGETS
else
  targets=$(for f in fuzz/fuzz_*.c; do [ -f "$f" ] && basename "$f" .c | sed 's/^fuzz_//'; done)
fi
[ -n "$targets" ] || { echo "fuzz: no fuzz/fuzz_<name>.c"; exit 1; }

bins=""
for t in $targets; do bins="$bins $BUILD/fuzz/$t"; done
# shellcheck disable=SC2086
make -s BUILD="$BUILD" $bins || { echo "fuzz: build failed"; exit 1; }

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/moveugc-fuzz.XXXXXX")
[ "${FUZZ_KEEP:-0}" = 1 ] || trap 'rm -rf "$SCRATCH"' EXIT
findings_total=0
summary=""
for t in $targets; do
  corpus=fuzz/corpus/$t
  regressions=fuzz/regressions/$t
  mkdir -p "$SCRATCH/$t/new" "$SCRATCH/$t/artifacts"
  seeds=""
  [ -d "$corpus" ] && seeds="$corpus"
  [ -d "$regressions" ] && seeds="$seeds $regressions"
  [ -n "$seeds" ] || echo "fuzz: $t has no fuzz/corpus/$t/: starting from nothing"
  dict=""
  [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
  log="$SCRATCH/$t.log"
  echo "== fuzz $t: $FUZZ_SECONDS s (seeds: ${seeds:-none})"
  start=$(date +%s)
  # the first directory gets the new inputs; the seed dirs are only read
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  "$BUILD/fuzz/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="$SCRATCH/$t/artifacts/" $dict $FUZZ_ARGS \
    "$SCRATCH/$t/new" $seeds >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  found=0
  for a in "$SCRATCH/$t/artifacts"/*; do
    [ -f "$a" ] || continue
    found=$((found + 1))
    known=""
    for r in "$regressions"/*; do
      [ -f "$r" ] && cmp -s "$a" "$r" && known=$r
    done
    if [ -n "$known" ]; then
      echo "fuzz: $t: $known still fails"
    else
      mkdir -p "$regressions"
      cp "$a" "$regressions/"
      echo "fuzz: $t: saved $regressions/$(basename "$a")"
    fi
  done
  if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then
    found=1 # failed without an artifact (the build, a setup error): show why
  fi
  if [ "$found" -ne 0 ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_|.*runtime error)' "$log" | head -n 20
    tail -n 15 "$log"
  fi
  newinputs=$(find "$SCRATCH/$t/new" -type f | wc -l)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+')
  line="$t: ${secs} s, ${execs:-0} executions, $found findings (coverage ${cov:-?} edges, $newinputs new inputs)"
  echo "fuzz: $line"
  summary="$summary
  $line"
  findings_total=$((findings_total + found))
done
echo "== fuzz summary:$summary"
[ "${FUZZ_KEEP:-0}" = 1 ] && echo "fuzz: scratch kept in $SCRATCH"
[ "$findings_total" -eq 0 ]
