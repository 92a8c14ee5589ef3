--[[ bench/queued.lua: what queued transfers cost the process.

Usage: lua5.4 bench/queued.lua MODE SERVER_URL PATH [N] [LIMIT]
  upload    N uploads (default 500) of PATH, all in tasks at once, behind
            max_transfers = LIMIT (default 4)
  download  N downloads of SERVER_URL/down into PATH.1 ... PATH.N, likewise
            (removed afterwards)
Against bench/xfer_server.c (PUT to nowhere; GET of one file). While they
run, the host's loop samples the process's threads (/proc/self/status) and
open descriptors (each /proc/self/fd/N, stat, below FDSize) and address
space (VmSize) after each step. Prints "figure: value" lines for
scripts/bench.sh: base_threads, base_fds, base_vm_kib (the client made,
idle), peak_threads, peak_fds, peak_vm_kib, seconds, ok (the transfers that
succeeded), samples.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"

local mode, url, path = arg[1], arg[2], arg[3]
assert(mode and url and path, "usage: queued.lua MODE SERVER_URL PATH [N] [LIMIT]")
local n = tonumber(arg[4]) or 500
local limit = tonumber(arg[5]) or 4
local ugc = moveugc.new{ api_key = "bench-key-0123456789", endpoint = url .. "/graphql", timeout = 600,
  max_transfers = limit }

local function status(field)
  local f = assert(io.open("/proc/self/status", "rb"))
  local text = f:read("*a")
  f:close()
  return tonumber(text:match("\n" .. field .. ":%s*(%d+)"))
end

local function threads() return status("Threads") end

local function fds()
  local count = 0
  for i = 0, status("FDSize") - 1 do
    if core.path_kind("/proc/self/fd/" .. i) ~= nil then count = count + 1 end
  end
  return count
end

local function out(k, fmt, v) print(("%s: " .. fmt):format(k, v)) end

local list = {}
local base_threads, base_fds, base_vm = threads(), fds(), status("VmSize")
local t0 = core.now()
for i = 1, n do
  list[i] = ugc:spawn(function()
    if mode == "upload" then return ugc.files.upload{ file = url .. "/up/" .. i, path = path } end
    return ugc.files.download{ url = url .. "/down", path = path .. "." .. i, overwrite = true }
  end)
end
assert(mode == "upload" or mode == "download", "unknown mode " .. mode)
local peak_threads, peak_fds, peak_vm, samples = base_threads, base_fds, base_vm, 0
while ugc:pending() > 0 do
  ugc:step(0.001)
  peak_threads = math.max(peak_threads, threads())
  peak_fds = math.max(peak_fds, fds())
  peak_vm = math.max(peak_vm, status("VmSize"))
  samples = samples + 1
end
local seconds = core.now() - t0
local ok = 0
for i, t in ipairs(list) do
  if t:result() then ok = ok + 1 end
  if mode == "download" then os.remove(path .. "." .. i) end
end
out("base_threads", "%d", base_threads)
out("base_fds", "%d", base_fds)
out("base_vm_kib", "%d", base_vm)
out("peak_threads", "%d", peak_threads)
out("peak_fds", "%d", peak_fds)
out("peak_vm_kib", "%d", peak_vm)
out("seconds", "%.3f", seconds)
out("ok", "%d", ok)
out("samples", "%d", samples)
ugc:close()
