#!/usr/bin/env lua5.4
--[[ multicam.lua: several cameras, a calibration volume, a multi-camera job for two actors.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=http://127.0.0.1:8917/graphql \
    lua5.4 examples/multicam.lua [outdir]

A multi-camera capture needs a calibration first: a person of known height
walks through every camera's view, and the service builds a "volume" from those
clips. Then the take (the performance, filmed by the same cameras) names that
volume, and a multicam job animates it with a rig for a number of actors.

This script generates stand-in clips for three cameras (a calibration clip and
a take clip each), uploads all six at once, creates the volume and waits for
it, creates the take with each camera's lens and a clap to sync on, picks a
rig from ugc.rigs.list(), runs the job, and downloads its outputs into outdir
(the argument, else $MOVEUGC_OUT, else ./moveugc-output/<job id>).
Exits 1 with the error message when any step fails.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"

local CAMERAS = { "left", "centre", "right" }
local ACTORS = 2
local HUMAN_HEIGHT = 1.78 -- metres: the calibration walker's height
local CLAP = { start_time = 0.5, end_time = 1.5 } -- where the clap is, in seconds, in every clip
local POLL = tonumber(os.getenv("MOVEUGC_POLL_INTERVAL") or "") or 1

local function say(fmt, ...) io.write(("==> " .. fmt .. "\n"):format(...)) end

local function check(value, err)
  if value == nil then
    io.stderr:write("multicam: ", tostring(err), "\n")
    os.exit(1)
  end
  return value
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local ugc = moveugc.new{}

-- 1. six clips: create the files, then upload them concurrently
local tmpdir = os.tmpname()
os.remove(tmpdir)
os.execute("mkdir -p " .. shell_quote(tmpdir))
local uploads, calibration_files, take_files = {}, {}, {}
for i, camera in ipairs(CAMERAS) do
  for _, kind in ipairs{ "calibration", "take" } do
    local path = ("%s/%s-%s.mp4"):format(tmpdir, kind, camera)
    local f = assert(io.open(path, "wb"))
    f:write(("%s clip from the %s camera\n"):format(kind, camera):rep(8000))
    f:close()
    local file = check(ugc.files.create{ file_type = "mp4", name = kind .. "-" .. camera .. ".mp4" })
    uploads[#uploads + 1] = { file = file, path = path }
    if kind == "calibration" then calibration_files[i] = file else take_files[i] = file end
  end
end
say("uploading %d clips, up to four at a time", #uploads)
local _, summary = ugc.files.upload_many(uploads) -- one result per clip, and a summary
if not summary.ok then check(nil, summary) end -- "5 of 6 uploads succeeded; items[2]: ..."
os.execute("rm -rf " .. shell_quote(tmpdir))

-- 2. lenses and a rig from the catalogues
local lenses = check(ugc.camera_settings.list()).items
local lens = lenses[1].lens
for _, s in ipairs(lenses) do
  if s.lens == "iphone-15-wide" then lens = s.lens end
end
local rigs = check(ugc.rigs.list()).items
local rig = rigs[1].name
for _, r in ipairs(rigs) do
  if r.name == "move_ve" then rig = r.name end
end
say("lens %s on every camera (of %d known), rig %s (of %d)", lens, #lenses, rig, #rigs)

local function sources(files)
  local list = {}
  for i, camera in ipairs(CAMERAS) do
    list[i] = { device_label = camera, file_id = files[i].id, format = "mp4",
      camera_settings = { lens = lens } }
  end
  return list
end

-- 3. the calibration volume; a take may name it at once, but a job needs it finished
local volume = check(ugc.volumes.create_human_volume{
  sources = sources(calibration_files), human_height = HUMAN_HEIGHT, area_type = "normal",
  sync_method = { clap_window = CLAP }, name = "multicam example volume",
})
say("volume %s created, calibrating", volume.id)
local deadline = core.now() + 600
repeat
  core.sleep(POLL)
  volume = check(ugc.volumes.retrieve(volume.id))
  io.write(("    volume   %-11s %3d%%\n"):format(volume.progress.state, volume.progress.percentage_complete or 0))
until volume.progress.state == "FINISHED" or volume.progress.state == "FAILED" or core.now() > deadline
if volume.progress.state ~= "FINISHED" then
  io.stderr:write(("multicam: volume %s is %s\n"):format(volume.id, volume.progress.state))
  os.exit(1)
end

-- 4. the multicam take and its job
local take = check(ugc.takes.create_multicam{
  sources = sources(take_files), volume_id = volume.id, sync_method = { clap_window = CLAP },
  name = "multicam example take",
})
say("take %s created (%s cameras)", take.id, #CAMERAS)

local job = check(ugc.jobs.create_multicam{
  take_id = take.id, number_of_actors = ACTORS, rig = rig, name = "multicam example job",
  options = { track_fingers = true },
  outputs = { "MAIN_FBX", "ALL_FBX", "MOTION_DATA" },
})
say("job %s created for %d actors", job.id, ACTORS)

-- 5. wait and download
job = check(ugc.jobs.wait{ id = job.id, interval = POLL, timeout = 3600, expand = { "rig", "inputs" },
  on_progress = function(j)
    io.write(("    job      %-11s %3d%%\n"):format(j.progress.state, j.progress.percentage_complete or 0))
  end,
})
if job.progress.state ~= "FINISHED" then
  io.stderr:write(("multicam: job %s ended %s\n"):format(job.id, job.progress.state))
  os.exit(1)
end
local outdir = arg[1] or os.getenv("MOVEUGC_OUT") or ("moveugc-output/" .. job.id)
local files = check(ugc.jobs.download_outputs{ job = job, dir = outdir })
say("%d outputs (rig %s, %d actors) in %s:", #files, job.rig and job.rig.name or "?",
  job.inputs and job.inputs.number_of_actors or 0, outdir)
for _, f in ipairs(files) do
  io.write(("    %-12s %-4s %s\n"):format(f.key, f.format, f.path))
end
ugc:close()
