--[[ bench/xfer.lua: the SDK's transfers against bench/xfer_server.c (a fast
local server: PUT, GET with Range, an optional per-connection rate cap).

Usage: lua5.4 bench/xfer.lua MODE SERVER_URL PATH [N] [FRAMES]
  upload      one blocking upload of PATH
  frame       the same upload inside a task, ugc:step(0) once per 16.7 ms frame
  spin        the same upload inside a task, ugc:step(0) in a tight loop
  download    one blocking download into PATH (ETag checked, MD5 when it is one)
  steps       N uploads (default 50) of PATH in flight during FRAMES frames
              (default 10,000) of ugc:step(0), 1 ms apart: the step's times
  concurrent  N uploads of PATH at once, in tasks
Prints "figure: value" lines for scripts/bench.sh:
  seconds, host_s (time spent inside step(0), the host thread's share),
  steps, baseline_kib (VmRSS with the client made), hwm_kib (VmHWM),
  step_p50_ms, step_p99_ms, step_max_ms, step_samples.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"

local mode, url, path = arg[1], arg[2], arg[3]
assert(mode and url and path, "usage: xfer.lua MODE SERVER_URL PATH [N] [FRAMES]")
local n = tonumber(arg[4]) or 50
local frames = tonumber(arg[5]) or 10000
-- no GraphQL call is made: the endpoint is only needed to make a client
local ugc = moveugc.new{ api_key = "bench-key-0123456789", endpoint = url .. "/graphql", timeout = 600,
  max_transfers = math.max(4, n) }

local function status_kib(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s*(%d+)")
    if v then return tonumber(v) end
  end
end
local baseline = status_kib("VmRSS")

local function out(k, fmt, v) print(("%s: " .. fmt):format(k, v)) end

local function upload(i) return assert(ugc.files.upload{ file = url .. "/up/" .. i, path = path }) end

-- Steps until every task is done; frame_s: the time from one step's start to
-- the next (0: a tight loop). Returns wall seconds, seconds inside step, steps.
local function loop(frame_s)
  local t0, host, steps = core.now(), 0, 0
  while ugc:pending() > 0 do
    local s = core.now()
    ugc:step(0)
    local e = core.now()
    host, steps = host + (e - s), steps + 1
    if frame_s > 0 then
      local rest = frame_s - (e - s)
      if rest > 0 then core.sleep(rest) end
    end
  end
  return core.now() - t0, host, steps
end

if mode == "upload" then
  local t0 = core.now()
  upload(1)
  out("seconds", "%.4f", core.now() - t0)
elseif mode == "frame" or mode == "spin" then
  ugc:spawn(upload, 1)
  local wall, host, steps = loop(mode == "frame" and 1 / 60 or 0)
  out("seconds", "%.4f", wall)
  out("host_s", "%.6f", host)
  out("steps", "%d", steps)
elseif mode == "download" then
  local t0 = core.now()
  assert(ugc.files.download{ url = url .. "/down", path = path, overwrite = true })
  out("seconds", "%.4f", core.now() - t0)
elseif mode == "concurrent" then
  for i = 1, n do ugc:spawn(upload, i) end
  out("seconds", "%.4f", (loop(0.001)))
elseif mode == "steps" then
  -- FRAMES frames while all N uploads are in flight (PATH big enough that
  -- none finishes first), then every upload is cancelled
  local list = {}
  for i = 1, n do list[i] = ugc:spawn(upload, i) end
  ugc:step(0) -- every task starts its upload
  core.sleep(0.2)
  local samples = {}
  while #samples < frames and ugc:pending() == n do
    local s = core.now()
    ugc:step(0)
    samples[#samples + 1] = (core.now() - s) * 1000
    core.sleep(0.001)
  end
  local in_flight = ugc:pending()
  for _, task in ipairs(list) do task:cancel() end
  assert(in_flight == n, ("only %d of %d uploads were in flight at the end"):format(in_flight, n))
  table.sort(samples)
  local function pct(p) return samples[math.max(1, math.ceil(#samples * p))] end
  out("step_samples", "%d", #samples)
  out("step_p50_ms", "%.4f", pct(0.5))
  out("step_p99_ms", "%.4f", pct(0.99))
  out("step_max_ms", "%.4f", samples[#samples])
else
  error("unknown mode " .. mode)
end
out("baseline_kib", "%d", baseline)
out("hwm_kib", "%d", status_kib("VmHWM"))
ugc:close()
