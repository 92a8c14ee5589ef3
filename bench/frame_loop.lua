--[[ bench/frame_loop.lua: the two figures of the non-blocking mode.

Usage: lua5.4 bench/frame_loop.lua <sandbox graphql url> [workdir]

1. p50 and p99 time of ugc:step(0) while 50 transfers are in flight
   (target: p99 under 1 ms);
2. wall time of 8 concurrent 128 MiB uploads against one (target: under 2x).
Prints one "figure: value" line per result, for scripts/bench.sh.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"

local url = assert(arg[1], "usage: frame_loop.lua <sandbox url> [workdir]")
local work = arg[2] or "/tmp"
local ugc = moveugc.new{ api_key = "sandbox-key-0123456789", endpoint = url, max_transfers = 50 }

local function make_file(path, mib)
  assert(os.execute(("head -c %d /dev/zero | tr '\\0' 'b' > %q"):format(mib * 1024 * 1024, path)))
  return path
end

local function percentile(sorted, p)
  return sorted[math.max(1, math.ceil(#sorted * p))]
end

-- 1. step(0) under load
local src = make_file(work .. "/frame-src.bin", 8)
local files = {}
for i = 1, 50 do files[i] = assert(ugc.files.create{ file_type = "mp4" }) end
for i = 1, 50 do
  ugc:spawn(function() return assert(ugc.files.upload{ file = files[i], path = src }) end)
end
ugc:step(0) -- the tasks start their transfers
local samples = {}
while ugc:pending() == 50 do -- all fifty still in flight
  local t0 = core.now()
  ugc:step(0)
  samples[#samples + 1] = core.now() - t0
end
ugc:run()
table.sort(samples)
print(("step_samples: %d"):format(#samples))
print(("step_p50_ms: %.4f"):format((percentile(samples, 0.50) or 0) * 1000))
print(("step_p99_ms: %.4f"):format((percentile(samples, 0.99) or 0) * 1000))
os.remove(src)

-- 2. eight 128 MiB uploads at once against one
local big = make_file(work .. "/frame-big.bin", 128)
local function uploads(n)
  local list = {}
  for i = 1, n do list[i] = assert(ugc.files.create{ file_type = "mp4" }) end
  local t0 = core.now()
  for i = 1, n do ugc:spawn(function() return assert(ugc.files.upload{ file = list[i], path = big }) end) end
  ugc:run()
  return core.now() - t0
end
local one = uploads(1)
local eight = uploads(8)
print(("upload_1x128_s: %.3f"):format(one))
print(("upload_8x128_s: %.3f"):format(eight))
print(("upload_ratio: %.3f"):format(eight / one))
os.remove(big)
ugc:close()
