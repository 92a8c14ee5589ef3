#!/usr/bin/env lua5.4
--[[ luv_host.lua: the SDK inside a libuv event loop (luv), which waits
instead of polling.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=... lua5.4 examples/luv_host.lua [outdir]

The client's worker thread moves every byte; the loop only watches
`ugc:fd()`, which becomes readable when a request or transfer finishes, and
keeps one timer for `ugc:timeout_ms()` (a task's sleep between polls of a job,
a progress call). On either it calls `ugc:step(0)`, which never blocks. The
loop is free the rest of the time: a ticker of the app's own runs beside the
workflow (upload a video, make a take, run a job, wait, download the outputs).
Needs luv (Debian: lua-luv).
]]
local uv = require "luv"
local moveugc = require "moveugc"

local ugc = moveugc.new{}
local outdir = arg[1] or os.tmpname() .. ".d"
os.execute(("mkdir -p %q"):format(outdir))

local task = ugc:spawn(function()
  local path = outdir .. "/capture.mp4"
  local f = assert(io.open(path, "wb"))
  f:write(("frame data\n"):rep(100000))
  f:close()
  local file = assert(ugc.files.upload_path{ path = path })
  local take = assert(ugc.takes.create_singlecam{
    sources = { { device_label = "cam", file_id = file.id, format = "mp4" } } })
  local job = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX" } })
  job = assert(ugc.jobs.wait{ id = job.id, interval = 0.25 })
  return assert(ugc.jobs.download_outputs{ job = job, dir = outdir .. "/job" })
end)

local wake = uv.new_poll(ugc:fd()) -- readable: the worker finished something
local timer = uv.new_timer()       -- a task's next timer
local ticker = uv.new_timer()      -- the app's own work, to show the loop stays free
local steps, ticks = 0, 0

local function step()
  steps = steps + 1
  if ugc:step(0) == 0 then -- every task is done: leave the loop
    wake:stop()
    timer:stop()
    ticker:stop()
    return
  end
  timer:stop()
  local ms = ugc:timeout_ms()
  if ms then timer:start(ms, 0, step) end
end

wake:start("r", function(err)
  assert(not err, err)
  step()
end)
ticker:start(0, 20, function() ticks = ticks + 1 end)
step() -- starts the task
uv.run()

local files, err = task:result()
if not files then
  io.stderr:write("luv_host: ", tostring(err), "\n")
  os.exit(1)
end
print(("%d output file(s) in %s/job; %d steps, the app's ticker ran %d times meanwhile"):format(
  #files, outdir, steps, ticks))
ugc:close()
