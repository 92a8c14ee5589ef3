#!/usr/bin/env lua5.4
--[[ game_loop.lua: three complete workflows inside a 60 Hz frame loop.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=... lua5.4 examples/game_loop.lua [outdir]

A game engine cannot stop its frame loop for an upload or a poll. Here each
workflow (upload a video, make a take, run a job, wait, download the outputs)
is written as straight-line Lua inside an SDK task; the loop calls
`ugc:step(0)` once per frame, which never blocks, and prints one progress
line per task a few times a second. It ends when every task is done.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"

local ugc = moveugc.new{ on_task_error = function(err) io.stderr:write("task failed: ", tostring(err), "\n") end }
local outdir = arg[1] or os.tmpname() .. ".d"
os.execute(("mkdir -p %q"):format(outdir)) -- before the loop: the sample videos go here

local status = {} -- what each task is doing, for the HUD

local function sample_video(i)
  local path = ("%s/capture%d.mp4"):format(outdir, i)
  local f = assert(io.open(path, "wb"))
  f:write(("frame data %d\n"):format(i):rep(20000 * i))
  f:close()
  return path
end

local function workflow(i)
  local function say(fmt, ...) status[i] = fmt:format(...) end
  local path = sample_video(i)
  say("uploading")
  local file = assert(ugc.files.upload_path{ path = path, on_progress = function(sent, total)
    say("uploading %3d%%", math.floor(sent * 100 / total))
  end })
  local take = assert(ugc.takes.create_singlecam{
    sources = { { device_label = "cam" .. i, file_id = file.id, format = "mp4" } } })
  local job = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "MAIN_GLB" } })
  job = assert(ugc.jobs.wait{ id = job.id, interval = 0.25, on_progress = function(j)
    say("%-11s %3d%%", j.progress.state, j.progress.percentage_complete or 0)
  end })
  local dir = ("%s/job%d"):format(outdir, i)
  say("downloading")
  local files = assert(ugc.jobs.download_outputs{ job = job, dir = dir })
  say("done: %d files", #files)
  return files
end

local tasks = {}
for i = 1, 3 do
  status[i] = "waiting"
  tasks[i] = ugc:spawn(workflow, i)
end

local FRAME = 1 / 60
local frame, worst = 0, 0
while ugc:pending() > 0 do
  local t0 = core.now()
  ugc:step(0) -- never blocks
  local spent = core.now() - t0
  if spent > worst then worst = spent end
  frame = frame + 1
  if frame % 15 == 0 then -- four HUD updates a second
    for i = 1, 3 do io.write(("frame %5d  task %d  %s\n"):format(frame, i, status[i])) end
  end
  local rest = FRAME - (core.now() - t0)
  if rest > 0 then core.sleep(rest) end
end

local failed = 0
for i = 1, 3 do
  local files, err = tasks[i]:result()
  if files then
    print(("task %d: %d outputs in %s/job%d"):format(i, #files, outdir, i))
  else
    failed = failed + 1
    print(("task %d failed: %s"):format(i, tostring(err)))
  end
end
print(("%d frames, slowest step %.2f ms"):format(frame, worst * 1000))
ugc:close()
os.exit(failed == 0 and 0 or 1)
