#!/usr/bin/env lua5.4
--[[ singlecam.lua: a video in, animation files out: the whole single-camera workflow.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=http://127.0.0.1:8917/graphql \
    lua5.4 examples/singlecam.lua [video.mp4] [outdir]

Uploads the video (a generated sample when none is given) with a progress bar,
makes a single-camera take and a job asking for three outputs, follows the job
to the end, downloads its outputs and prints a summary.

  outdir   where the outputs go: the second argument, else $MOVEUGC_OUT, else
           ./moveugc-output/<job id>. Created if missing; existing files in it
           are never replaced.
  $MOVEUGC_POLL_INTERVAL   seconds between two looks at the job (default 1)

Progress bars are drawn only when stdout is a terminal; otherwise a few plain
lines are printed. Exits 1 with the error message when any step fails.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"

local OUTPUTS = { "MAIN_FBX", "MAIN_BLEND", "MAIN_GLB", "MAIN_USDC", "RENDER_VIDEO", "MOTION_DATA" }

local started = core.now()

local function is_terminal(fd)
  local ok = os.execute("test -t " .. fd)
  return ok == true or ok == 0
end
local TTY = is_terminal(1)

local function say(fmt, ...) io.write(("==> " .. fmt .. "\n"):format(...)) end

-- Runtime failures arrive as nil, err: stop with the error's message.
local function check(value, err)
  if value == nil then
    io.stderr:write("singlecam: ", tostring(err), "\n")
    os.exit(1)
  end
  return value
end

local function file_size(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local n = f:seek("end")
  f:close()
  return n
end

-- A progress display for one task: a redrawn bar on a terminal, otherwise one
-- line each time another quarter is done (so logs stay short). `note` is
-- shown after the bar (the job's state). Calls after 100% are ignored.
local function progress(label)
  local last_quarter, last_note, finished = -1, nil, false
  return function(done, total, note)
    if finished then return end
    local fraction = (total and total > 0) and math.min(done / total, 1) or 0
    if TTY then
      local width = 30
      local filled = math.floor(fraction * width + 0.5)
      io.write(("\r    %-12s [%s%s] %3d%% %-11s"):format(label, ("#"):rep(filled),
        ("."):rep(width - filled), math.floor(fraction * 100), note or ""))
      if fraction >= 1 then io.write("\n") end
    else
      local quarter = math.floor(fraction * 4)
      if quarter > last_quarter or note ~= last_note then
        last_quarter, last_note = quarter, note
        local text = ("    %-12s %3d%% %s"):format(label, math.floor(fraction * 100), note or "")
        io.write((text:gsub("%s+$", "")), "\n")
      end
    end
    finished = fraction >= 1
    io.flush()
  end
end

-- A few MB of stand-in bytes: the sandbox does not look inside videos.
local function sample_video()
  local base = os.tmpname() -- an empty file: keep its unique name, not the file
  os.remove(base)
  local path = base .. ".mp4"
  local f = assert(io.open(path, "wb"))
  local line = "moveugc sample video frame\n"
  f:write(line:rep(math.floor(4 * 1024 * 1024 / #line)))
  f:close()
  return path, true
end

local video, generated = arg[1], false
if not video then video, generated = sample_video() end

local ugc = moveugc.new{} -- api_key and endpoint from MOVE_API_KEY / MOVE_UGC_ENDPOINT_URL

-- 1. create a file and stream the video to it
local size = file_size(video) or 0
say("uploading %s (%.1f MB)%s", video, size / 1e6, generated and ", a generated sample" or "")
local bar = progress("upload")
local file = check(ugc.files.upload_path{ path = video, on_progress = bar })
bar(size, size) -- the last call may come before the final bytes: finish the bar
if generated then os.remove(video) end
say("file %s uploaded", file.id)

-- 2. a take from the file, 3. a job on the take
local take = check(ugc.takes.create_singlecam{
  sources = { { device_label = "camera", file_id = file.id, format = "mp4" } },
  name = "singlecam example",
})
say("take %s created", take.id)

local job = check(ugc.jobs.create{
  take_id = take.id, name = "singlecam example", outputs = OUTPUTS,
  metadata = { source = "examples/singlecam.lua" },
})
say("job %s created", job.id)

-- 4. wait, printing each change of state or percentage
local interval = tonumber(os.getenv("MOVEUGC_POLL_INTERVAL") or "") or 1
local job_bar = progress("job")
job = check(ugc.jobs.wait{ id = job.id, interval = interval, timeout = 3600, on_progress = function(j)
  job_bar(j.progress.percentage_complete or 0, 100, j.progress.state)
end })
if job.progress.state ~= "FINISHED" then
  if TTY then io.write("\n") end
  io.stderr:write(("singlecam: job %s ended %s\n"):format(job.id, job.progress.state))
  os.exit(1)
end

-- 5. download every output
local outdir = arg[2] or os.getenv("MOVEUGC_OUT") or ("moveugc-output/" .. job.id)
say("downloading %d outputs into %s", #job.outputs, outdir)
local bars = {}
local files = check(ugc.jobs.download_outputs{ job = job, dir = outdir,
  on_progress = function(done, total, key)
    bars[key] = bars[key] or progress(key:sub(1, 12))
    bars[key](done, total)
  end })

-- 6. the summary
print()
print(("%-8s %s"):format("file", file.id))
print(("%-8s %s"):format("take", take.id))
print(("%-8s %s (%s)"):format("job", job.id, job.progress.state))
print("outputs")
local rows, widths = {}, { #"key", #"format", #"bytes" }
for _, f in ipairs(files) do
  local row = { f.key, f.format, tostring(file_size(f.path) or "?"), f.path }
  for i = 1, 3 do widths[i] = math.max(widths[i], #row[i]) end
  rows[#rows + 1] = row
end
local line = ("  %%-%ds  %%-%ds  %%%ds  %%s"):format(widths[1], widths[2], widths[3])
print(line:format("key", "format", "bytes", "path"))
for _, row in ipairs(rows) do print(line:format(row[1], row[2], row[3], row[4])) end
print(("%-8s %.1f s"):format("elapsed", core.now() - started))
ugc:close()
