#!/bin/sh
# make bench: runs every program in bench/ against a private sandbox (and, for
# the per-call cost, a static-response C server) and writes bench/RESULTS.md:
# machine, versions, and a table of figure | ours | baseline | ratio | target | met?.
# Not a test: it always exits 0. Cleans up its temporary files (1 GiB ones
# included) and stops every server it started.
set -u
cd "$(dirname "$0")/.." || exit 0
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/moveugc-bench.XXXXXX)
OUT=$ROOT/bench/RESULTS.md
ROWS=$WORK/rows
CAUSES=$WORK/causes
SB_PID=
SS_PID=
: >"$ROWS"
: >"$CAUSES"

cleanup() {
  [ -n "$SS_PID" ] && kill "$SS_PID" 2>/dev/null
  [ -n "$SB_PID" ] && kill "$SB_PID" 2>/dev/null
  [ -n "$SB_PID$SS_PID" ] && wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

export LUA_PATH="$ROOT/bench/?.lua;$ROOT/binding/?.lua;$ROOT/binding/?/init.lua;;"
export LUA_CPATH="$ROOT/build/lua5.4/?.so;;"
LUA=${LUA:-lua5.4}
KEY=sandbox-key-0123456789
CALLS=2000              # calls per CPU-time run
CG_SMALL=200            # the two call counts under callgrind
CG_BIG=1200
GIB=1073741824

say() { printf '== %s\n' "$*" >&2; }
val() { sed -n "s/^$2: //p" "$1" | head -n 1; }                 # file key -> value
calc() { awk "BEGIN { x = $1; if (x == int(x)) printf \"%d\", x; else printf \"%.${2:-2}f\", x }"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 > b + 0) ? a : b }'; }
ok() { awk "BEGIN { exit !($1) }" && echo yes || echo "**no**"; }   # condition -> yes/no
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@" >>"$ROWS"; }   # figure ours base ratio target met
cause() { printf -- '- **%s**: %s\n' "$1" "$2" >>"$CAUSES"; }

start_sandbox() { # node sandbox/server.js on a free port; sets SB_URL
  env -u LD_PRELOAD node sandbox/server.js --port 0 --job-seconds 2 >"$WORK/sandbox.log" 2>&1 &
  SB_PID=$!
  for _ in $(seq 100); do
    SB_URL=$(sed -n '1s/^moveugc-sandbox listening on //p' "$WORK/sandbox.log")
    [ -n "$SB_URL" ] && return 0
    sleep 0.1
  done
  say "the sandbox did not start: $(cat "$WORK/sandbox.log")"
  return 1
}
sandbox_reset() { curl -sS -X POST -H 'Content-Type: application/json' -d '{}' "${SB_URL%/graphql}/_sandbox/reset" >/dev/null; }

instr() { sed -n 's/^summary: //p' "$1"; }                     # callgrind total Ir
callgrind() { # out-file command...
  f=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>&1
}

if ! start_sandbox; then exit 0; fi
say "sandbox at $SB_URL"

# ==== 1. per-call cost =======================================================
percall() {
  say "1. per-call cost of jobs.retrieve{take, outputs, client}"
  curl_cflags=$(pkg-config --cflags libcurl 2>/dev/null)
  curl_libs=$(pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
  # shellcheck disable=SC2086 # the flags are lists of words
  cc -std=c99 -O2 -Wall -Wextra -o "$WORK/static_server" bench/static_server.c &&
    cc -std=c99 -O2 -Wall -Wextra $curl_cflags -o "$WORK/floor" bench/floor.c $curl_libs || return 1
  job=$($LUA bench/setup.lua "$SB_URL" "$WORK") || return 1
  curl -sS -H "Authorization: $KEY" -H 'Content-Type: application/json' --data-binary @"$WORK/request.json" \
    "$SB_URL" >"$WORK/response.json"
  grep -q '"getJob"' "$WORK/response.json" || { say "no getJob response"; return 1; }
  RESPONSE_BYTES=$(wc -c <"$WORK/response.json")
  "$WORK/static_server" "$WORK/response.json" >"$WORK/static.log" 2>&1 &
  SS_PID=$!
  sleep 0.3
  url=$(sed -n 's/^listening on //p' "$WORK/static.log")
  [ -n "$url" ] || { say "the static server did not start"; return 1; }

  if command -v valgrind >/dev/null; then
    for n in $CG_SMALL $CG_BIG; do
      callgrind "$WORK/cg.sdk.$n" "$LUA" bench/percall.lua "$n" "$url" "$job"
      callgrind "$WORK/cg.floor.$n" "$WORK/floor" "$url" "$WORK/request.json" "$n"
      callgrind "$WORK/cg.cjson.$n" "$LUA" bench/decode_response.lua "$n" "$WORK/response.json" cjson
      callgrind "$WORK/cg.decode.$n" "$LUA" bench/decode_response.lua "$n" "$WORK/response.json" sdk
    done
    per() { calc "($(instr "$WORK/cg.$1.$CG_BIG") - $(instr "$WORK/cg.$1.$CG_SMALL")) / ($CG_BIG - $CG_SMALL)" 0; }
    sdk_i=$(per sdk) floor_i=$(per floor) cjson_i=$(per cjson) decode_i=$(per decode)
    r=$(calc "$sdk_i / $floor_i")
    met=$(ok "$r <= 1.5")
    row "1a. instructions per call (callgrind)" "$sdk_i" "$floor_i (C floor)" "$r" "<= 1.5x" "$met"
    row "1a'. of which: decoding the ${RESPONSE_BYTES}-byte response (SDK decode+normalise / bare cjson)" \
      "$decode_i" "$cjson_i (cjson.decode)" "$(calc "$decode_i / $cjson_i")" "info" "-"
    if [ "$met" != yes ]; then
      cause "1a. instructions" "the floor does no decoding at all, and bare \`cjson.decode\` of the same \
${RESPONSE_BYTES}-byte response alone costs $cjson_i instructions, $(calc "$cjson_i / $floor_i")x the floor's \
whole call (the top self-cost function of the profile below is inside liblua5.4-cjson, which has no \
symbols). The SDK's decode+normalise is $decode_i; the rest, $(calc "$sdk_i - $decode_i" 0) per call \
(libcurl through the multi handle, the request encoding, argument checks, Lua and its GC), is \
$(calc "($sdk_i - $decode_i) / $floor_i")x the floor. With lua-cjson as the decoder the target is out of \
reach whatever the SDK does (the keys already arrive in snake_case, through aliases); meeting it would need a decoder faster than lua-cjson."
      {
        echo "Profile of \`lua5.4 bench/percall.lua $CG_BIG\` (callgrind_annotate, self cost, top 15):"
        echo
        echo '```'
        callgrind_annotate "$WORK/cg.sdk.$CG_BIG" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -n '2,16p' | cut -c1-130
        echo '```'
        echo
      } >"$WORK/profile"
    fi
  else
    row "1a. instructions per call" "not measured: valgrind missing" "" "" "<= 1.5x" "-"
  fi

  sdk_c='' floor_c='' py_c=''
  for _ in 1 2 3; do # interleaved, best of three: noise of a shared machine hits all three
    sdk_c=$(min "$($LUA bench/percall.lua $CALLS "$url" "$job" | sed -n 's/^cpu_s: //p')" "$sdk_c")
    floor_c=$(min "$("$WORK/floor" "$url" "$WORK/request.json" $CALLS | sed -n 's/^cpu_s: //p')" "$floor_c")
    py_c=$(min "$(python3 bench/percall.py $CALLS "$url" "$WORK/request.json" | sed -n 's/^cpu_s: //p')" "$py_c")
  done
  us() { calc "$1 * 1000000 / $CALLS" 1; }
  r=$(calc "$sdk_c / $floor_c")
  met=$(ok "$r <= 1.5")
  row "1b. client CPU per call, µs (user+sys, best of 3 x $CALLS calls)" "$(us "$sdk_c")" \
    "$(us "$floor_c") (C floor)" "$r" "<= 1.5x" "$met"
  [ "$met" = yes ] || cause "1b. CPU" "the causes of 1a: the floor neither encodes nor decodes, and decoding \
the response alone (cjson) costs more than the floor's whole call. Much of the floor's CPU is the kernel's loopback \
TCP (sys time), which the SDK pays too, so the CPU ratio is lower than the instruction ratio; this figure \
is noisy on a shared 2-core VM (the floor ranged from 18 to 70 µs per call in trial runs)."
  r=$(calc "$py_c / $sdk_c")
  row "1c. Python requests.Session + .json(), CPU per call, µs" "$(us "$sdk_c")" "$(us "$py_c") (Python)" \
    "$r (Python / ours)" ">= 5x" "$(ok "$r >= 5")"
  kill "$SS_PID" 2>/dev/null
  wait "$SS_PID" 2>/dev/null
  SS_PID=
}

# ==== 2. decoding a page =====================================================
decode() {
  say "2. decoding a page of 1,000 jobs with every expand"
  $LUA bench/decode.lua 15 >"$WORK/decode.out" || return 1
  c=$(val "$WORK/decode.out" cjson_s) s=$(val "$WORK/decode.out" sdk_s) raw=$(val "$WORK/decode.out" sdk_raw_s)
  mib=$(calc "$(val "$WORK/decode.out" bytes) / 1048576" 1)
  r=$(calc "$s / $c")
  met=$(ok "$r <= 1.3")
  row "2. decode + normalise a page of 1,000 jobs ($mib MiB), ms (best of 30)" "$(calc "$s * 1000" 1)" \
    "$(calc "$c * 1000" 1) (cjson.decode)" "$r" "<= 1.3x" "$met"
  m=$(val "$WORK/decode.out" cjson_meta_s)
  row "2'. the same page: SDK against cjson.decode plus cjson.decode of each metadata string (equal work), ms" \
    "$(calc "$s * 1000" 1)" "$(calc "$m * 1000" 1) (cjson by hand)" "$(calc "$s / $m")" "info" "-"
  [ "$met" = yes ] || cause "2. decode" "the SDK does more than the baseline: each of the ~10 \
\`metadata\` AWSJSON strings per job is decoded into a table (one more cjson call per string, which the bare \
decode leaves as a string), and a second walk over every table drops nulls and turns integral floats into \
integers. Keys need no renaming: the documents select camelCase fields under snake_case aliases. The walk \
alone (\`json_decode(text, false)\`, no metadata) takes $(calc "$raw * 1000" 1) ms, $(calc "$raw / $c")x cjson; \
the metadata is the rest. Against the same work done by hand with cjson (2'), the SDK is $(calc "$s / $m")x."
}

# ==== 3. transfers ===========================================================
transfers() {
  say "3. 1 GiB upload and download (sdk and curl, 3 rounds)"
  head -c $GIB /dev/urandom >"$WORK/big.bin" || return 1
  timer=
  [ -x /usr/bin/time ] && timer="/usr/bin/time -f maxrss_kib:%M -o $WORK/time.out"
  up='' cup='' down='' cdown='' up_mem='' down_mem=''
  for _ in 1 2 3; do
    # the SDK, then curl, each on a fresh createFile URL; downloads of the uploaded file
    $timer $LUA bench/transfer.lua upload "$SB_URL" "$WORK/big.bin" >"$WORK/up.out" || return 1
    id=$(val "$WORK/up.out" file_id)
    peak=$( [ -n "$timer" ] && sed -n 's/^maxrss_kib://p' "$WORK/time.out" || val "$WORK/up.out" hwm_kib)
    up=$(min "$(val "$WORK/up.out" seconds)" "$up")
    up_mem=$(max "$(calc "($peak - $(val "$WORK/up.out" baseline_kib)) / 1024" 1)" "$up_mem")
    put=$($LUA bench/transfer.lua create "$SB_URL")
    t=$(curl -sS -T "$WORK/big.bin" -o /dev/null -w '%{http_code} %{time_total}' "$put")
    [ "${t% *}" = 200 ] || { say "curl -T: $t"; return 1; }
    cup=$(min "${t#* }" "$cup")

    $timer $LUA bench/transfer.lua download "$SB_URL" "$id" "$WORK/down.bin" >"$WORK/down.out" || return 1
    peak=$( [ -n "$timer" ] && sed -n 's/^maxrss_kib://p' "$WORK/time.out" || val "$WORK/down.out" hwm_kib)
    down=$(min "$(val "$WORK/down.out" seconds)" "$down")
    down_mem=$(max "$(calc "($peak - $(val "$WORK/down.out" baseline_kib)) / 1024" 1)" "$down_mem")
    get=$($LUA bench/transfer.lua url "$SB_URL" "$id")
    t=$(curl -sS -o "$WORK/curl.bin" -w '%{http_code} %{time_total}' "$get")
    [ "${t% *}" = 200 ] || { say "curl -o: $t"; return 1; }
    cdown=$(min "${t#* }" "$cdown")
    cmp -s "$WORK/down.bin" "$WORK/big.bin" || say "the SDK's download differs from the file"
    rm -f "$WORK/down.bin" "$WORK/curl.bin"
    sandbox_reset # drops the sandbox's copies of the uploads
  done
  rm -f "$WORK/big.bin"
  mbs() { calc "1024 / $1" 0; }
  r=$(calc "$cup / $up")
  row "3a. 1 GiB upload, MiB/s (best of 3)" "$(mbs "$up")" "$(mbs "$cup") (curl -T)" "$r" ">= 0.95x" \
    "$(ok "$r >= 0.95")"
  r=$(calc "$cdown / $down")
  row "3b. 1 GiB download, MiB/s (best of 3)" "$(mbs "$down")" "$(mbs "$cdown") (curl -o)" "$r" ">= 0.95x" \
    "$(ok "$r >= 0.95")"
  [ "$(ok "$(calc "$cup / $up") >= 0.95 && $(calc "$cdown / $down") >= 0.95")" = yes ] ||
    cause "3. throughput" "likely (measured with /usr/bin/time, not profiled): both clients share the \
machine's $(nproc) cores with the sandbox, one Node.js process that reads or writes every byte. The SDK \
computes the MD5 of every byte as it passes, to check the ETag: in trial runs a 1 GiB download took 1.8-2.0 s \
of user CPU in the SDK against 0.05-0.07 s in curl, which hashes nothing (\`openssl speed md5\`: ~600 MB/s \
here). The figures are also noisy: the same SDK download took from 3.1 to 6.7 s in trial runs."
  row "3c. peak RSS above baseline, 1 GiB upload, MiB" "$up_mem" "baseline after loading the SDK" "-" \
    "<= 32 MiB" "$(ok "$up_mem <= 32")"
  row "3d. peak RSS above baseline, 1 GiB download, MiB" "$down_mem" "baseline after loading the SDK" "-" \
    "<= 32 MiB" "$(ok "$down_mem <= 32")"
}

# ==== 4. concurrency and the frame loop ======================================
frame_loop() {
  say "4. concurrency and the frame loop (bench/frame_loop.lua)"
  if ! $LUA bench/frame_loop.lua "$SB_URL" "$WORK" >"$WORK/frame.out" 2>"$WORK/frame.err"; then
    row "4. concurrency and the frame loop" "not measured: $(tail -n 1 "$WORK/frame.err")" "" "" "" "-"
    return 0
  fi
  p99=$(val "$WORK/frame.out" step_p99_ms) p50=$(val "$WORK/frame.out" step_p50_ms)
  met=$(ok "$p99 < 1")
  row "4a. ugc:step(0) with 50 uploads in flight, p99 ms" "$p99 (p50 $p50)" "-" "-" "< 1 ms" "$met"
  [ "$met" = yes ] || cause "4a. step p99" "a step(0) stops feeding uploads new 64 KiB chunks (each read \
from disk and MD5-hashed) after step_budget_ms, 1 ms by default; before that budget every writable upload \
took a chunk in the same step, up to 50 x 64 KiB = 3.2 MiB of hashing, and the p99 was 6.7 ms. What the \
budget cannot bound is libcurl's own work in curl_multi_perform for 50 live handles: in 7.88 a poll() per \
handle, and the send() of chunks already read (libcurl keeps the unsent part of a chunk and sends it without \
asking for more). With a 0.1 ms budget the p99 was still 1.36 ms; across runs on this shared 2-core machine \
the 1 ms budget gave a p99 from 1.2 to 4.2 ms, the high end when the sandbox drains the sockets fastest and \
every step has data to send. A host with fewer transfers (max_transfers defaults to 4) stays well under it."
  one=$(val "$WORK/frame.out" upload_1x128_s) eight=$(val "$WORK/frame.out" upload_8x128_s)
  r=$(val "$WORK/frame.out" upload_ratio)
  met=$(ok "$r < 2")
  row "4b. 8 concurrent 128 MiB uploads, wall s" "$eight" "$one (one upload)" "$r" "< 2x" "$met"
  [ "$met" = yes ] || cause "4b. concurrent uploads" "likely (not profiled): eight uploads carry 8x the bytes into one single-threaded \
Node.js sandbox on a $(nproc)-core machine that the client shares: the server, not the client, is the \
bottleneck (8 x 128 MiB in ${eight} s is $(calc "1024 / $eight" 0) MiB/s against $(calc "128 / $one" 0) MiB/s \
for one). The target assumes a server that scales, as S3 does."
}

# ==== 5. scale ===============================================================
scale() {
  say "5. 500 jobs: wait_all vs one retrieve per job per poll"
  # two rounds, the modes interleaved, best wall time of each: the first run
  # also warms the sandbox's JIT, which would favour whichever mode runs second
  sa= sb=
  for _ in 1 2; do
    sandbox_reset
    $LUA bench/scale.lua "$SB_URL" "$WORK" wait_all 500 0.5 >"$WORK/scale.all" || return 1
    sa=$(min "$(val "$WORK/scale.all" seconds)" "$sa")
    sandbox_reset
    $LUA bench/scale.lua "$SB_URL" "$WORK" retrieve 500 0.5 >"$WORK/scale.one" || return 1
    sb=$(min "$(val "$WORK/scale.one" seconds)" "$sb")
  done
  sandbox_reset
  a=$(val "$WORK/scale.all" requests) b=$(val "$WORK/scale.one" requests)
  pa=$(val "$WORK/scale.all" poll_requests) pb=$(val "$WORK/scale.one" poll_requests)
  row "5a. GraphQL requests per job (create + wait + $(val "$WORK/scale.all" downloads) downloads)" \
    "$(calc "$a / 500")" "$(calc "$b / 500") (retrieve per job)" "$(calc "$a / $b" 3)" "fewer" "$(ok "$a < $b")"
  row "5b. of which polling, requests per job" "$(calc "$pa / 500" 3)" "$(calc "$pb / 500") (retrieve per job)" \
    "$(calc "$pa / $pb" 3)" "fewer" "$(ok "$pa < $pb")"
  row "5c. wall time of the 500-job workflow, s (best of 2)" "$sa" "$sb (retrieve per job)" "$(calc "$sa / $sb")" \
    "not slower" "$(ok "$sa <= $sb * 1.05")"
  awk "BEGIN { exit !($sa <= $sb * 1.05) }" || cause "5c. wall time" "both modes create 500 jobs and download \
every output one after another; polling, the only part that differs, is a few seconds of the total (each mode \
ends its wait about one interval after the last job finishes), so the figure follows the machine's noise \
during the 3,500 downloads. The requests (5a, 5b) are what polling controls."
}

# ==== the sandbox's own speed ================================================
sandbox_rps() {
  say "sandbox requests/second (bench/sandbox_rps.js)"
  [ -f bench/sandbox_rps.js ] || return 0
  node bench/sandbox_rps.js >"$WORK/rps.out" 2>&1
  rps=$(sed -n 's/^sandbox: \([0-9]*\) requests\/second.*/\1/p' "$WORK/rps.out")
  [ -n "$rps" ] || { row "sandbox requests/s" "not measured: $(tail -n 1 "$WORK/rps.out")" "" "" "" "-"; return 0; }
  row "sandbox: GraphQL requests/s on one kept-alive connection" "$rps" "-" "-" ">= 2000" "$(ok "$rps >= 2000")"
}

T0=$(date +%s)
percall || row "1. per-call cost" "failed (see the bench output)" "" "" "" "-"
decode || row "2. decoding" "failed (see the bench output)" "" "" "" "-"
transfers || row "3. transfers" "failed (see the bench output)" "" "" "" "-"
frame_loop
scale || row "5. scale" "failed (see the bench output)" "" "" "" "-"
sandbox_rps
SECONDS_TAKEN=$(($(date +%s) - T0))

{
  echo "# moveugc benchmarks"
  echo
  echo "Written by \`make bench\` (\`sh scripts/bench.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC') in ${SECONDS_TAKEN} s."
  echo "Every figure and its baseline come from this one run on this machine."
  echo
  echo "## Machine"
  echo
  echo "- CPUs: $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "- kernel: $(uname -sr)"
  echo "- $($LUA -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
  echo "- libcurl: $($LUA -e 'print(require("moveugc.core").curl_version())' 2>/dev/null)"
  echo "- lua-cjson: $($LUA -e 'print(require("cjson")._VERSION)' 2>/dev/null)"
  echo "- node: $(node --version 2>/dev/null)"
  echo "- python: $(python3 --version 2>&1 | cut -d' ' -f2), requests $(python3 -c 'import requests; print(requests.__version__)' 2>/dev/null)"
  echo "- curl: $(curl --version | head -n 1 | cut -d' ' -f1-2)"
  echo "- valgrind: $(valgrind --version 2>/dev/null || echo missing)"
  echo
  echo "## Results"
  echo
  echo "| figure | ours | baseline | ratio | target | met? |"
  echo "|---|---|---|---|---|---|"
  cat "$ROWS"
  echo
  echo "How: 1. \`bench/percall.lua\` (the SDK), \`bench/floor.c\` (libcurl, one kept-alive easy handle, no"
  echo "decoding) and \`bench/percall.py\` (requests.Session + .json()) POST the same body to"
  echo "\`bench/static_server.c\`, which answers a getJob response captured from the sandbox; instructions are"
  echo "the difference of two callgrind runs ($CG_BIG and $CG_SMALL calls) / $((CG_BIG - CG_SMALL)). 2. \`bench/decode.lua\`."
  echo "3. \`bench/transfer.lua\` and the curl command on fresh presigned URLs of the sandbox; peak RSS from"
  echo "\`/usr/bin/time -f %M\` (else VmHWM) minus VmRSS after loading the SDK. 4. \`bench/frame_loop.lua\`."
  echo "5. \`bench/scale.lua\` (sandbox \`--job-seconds 2\`, interval 0.5 s, requests from \`/_sandbox/stats\`)."
  if [ -s "$CAUSES" ]; then
    echo
    echo "## Why the missed targets are missed"
    echo
    cat "$CAUSES"
  fi
  if [ -s "$WORK/profile" ]; then
    echo
    cat "$WORK/profile"
  fi
} >"$OUT"
say "wrote $OUT in ${SECONDS_TAKEN} s"

# the same table in the README, between its bench markers
if grep -q '^<!-- bench:start -->$' README.md && grep -q '^<!-- bench:end -->$' README.md; then
  {
    echo "| figure | ours | baseline | ratio | target | met? |"
    echo "|---|---|---|---|---|---|"
    cat "$ROWS"
  } >"$WORK/table"
  awk -v table="$WORK/table" -v when="$(date -u '+%Y-%m-%d')" '
    /^<!-- bench:start -->$/ { print; print ""; print "Measured by `make bench` on " when ":"; print "";
                               while ((getline l < table) > 0) print l; print ""; skip = 1; next }
    /^<!-- bench:end -->$/ { skip = 0 }
    !skip { print }' README.md >"$WORK/README.md" && cat "$WORK/README.md" >README.md
  say "updated the table in README.md"
fi
cat "$ROWS" >&2
exit 0
