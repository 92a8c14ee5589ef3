--- moveugc.cli_jobs: the `moveugc jobs ...` commands (see moveugc.cli).
local commands = {}

-- "RUNNING 40%"
local function state_text(r, progress)
  if not progress then return nil end
  return (r.text(progress.state) or "?") .. " " .. r.percent(progress.percentage_complete)
end

-- The job's state as jobs.wait reads it: progress.state, else state.
local function state_of(job)
  local p = job.progress
  local st = type(p) == "table" and p.state or job.state
  return type(st) == "string" and st or nil
end

-- The outputs' rows, every one checked before anything is printed.
local function output_rows(r, job)
  local rows = {}
  for i, o in ipairs(r:objects(job, "outputs", "job")) do
    local file = r:object(o, "file", ("job.outputs[%d]"):format(i))
    rows[i] = { "  " .. (r.text(o.key) or ""), o.format, file and file.id }
  end
  return rows
end

local function show_job(r, job)
  if r.opts.json then return r:json(job) end
  local progress, inputs = r:object(job, "progress", "job"), r:object(job, "inputs", "job") or {}
  local take, rig = r:object(job, "take", "job"), r:object(job, "rig", "job")
  local clip = r:object(inputs, "clip_window", "job.inputs")
  local outputs = output_rows(r, job)
  r:fields{
    { "id", job.id }, { "name", job.name }, { "state", state_text(r, progress) }, { "created", job.created },
    { "take", take and take.id }, { "rig", rig and rig.name }, { "actors", inputs.number_of_actors },
    { "clip", clip and r.window_text(clip) }, { "options", r.json_text(inputs.options) },
    { "metadata", r.json_text(job.metadata) },
  }
  if #outputs == 0 then return end
  r:out("outputs")
  r:table({ "  key", "format", "file" }, outputs)
end

commands["jobs list"] = {
  options = { "limit", "next-token", "sort", "take-id", "all", "expand" },
  usage = [=[
Usage: moveugc jobs list [--limit N] [--next-token T] [--sort asc|desc] [--take-id ID] [--all]
                         [--expand take,outputs,client,rig,inputs]

Lists jobs, newest first: one page (--limit per page, default $MOVE_DEFAULT_PAGE_SIZE or 10),
or every page with --all. --take-id keeps the jobs of one take. With --json: {items, next_token,
limit}, or a JSON array with --all.]=],
  run = function(r, positional)
    r.no_args(positional)
    local page = r:fetch_list(r:ugc().jobs, r:list_args{ take_id = r.opts["take-id"], expand = r:expand() })
    r:show_list(page, { "id", "name", "state", "done", "created" }, function(j, i)
      local p = r:object(j, "progress", ("items[%d]"):format(i)) or {}
      return { j.id, j.name, p.state, r.percent(p.percentage_complete), j.created }
    end, "jobs list")
  end,
}

commands["jobs get"] = {
  options = { "expand" },
  usage = [=[
Usage: moveugc jobs get JOB_ID [--expand take,outputs,client,rig,inputs]

Shows one job with its outputs (and what --expand adds).]=],
  run = function(r, positional)
    local id = r.one_id(positional, "job")
    show_job(r, r.need(r:ugc().jobs.retrieve{ id = id, expand = r:expand{ "outputs" } }))
  end,
}

-- --option track_fingers=true, mocap_model=M2: booleans and numbers as such
local function job_options(r)
  local o = nil
  for _, kv in ipairs(r:list("option")) do
    local k, v = kv:match("^([%w_]+)=(.*)$")
    if not k then r.usage_error("--option: KEY=VALUE expected, got '%s'", kv) end
    o = o or {}
    if v == "true" or v == "false" then
      o[k] = v == "true"
    else
      o[k] = tonumber(v) or v
    end
  end
  return o
end

commands["jobs create"] = {
  options = { "take-id", "name", "metadata", "output", "option", "clip", "multicam", "actors", "rig", "expand" },
  usage = [=[
Usage: moveugc jobs create --take-id ID [--name NAME] [--metadata JSON] [--output TYPE]...
                           [--option KEY=VALUE]... [--clip START:END]
                           [--multicam [--actors N] [--rig NAME]]

Creates a job on a take. --output names an output type (MAIN_FBX, MAIN_GLB, RENDER_VIDEO, ...;
any case, repeatable or comma-separated; none: the service's defaults). --option sets a job
option (track_fingers=true, mocap_model=M2, ...). --clip limits the job to part of the video,
in seconds. --multicam makes a multi-camera job (on a multicam take) for --actors people
(default 1) with --rig (see the rigs catalogue; default move_mo).]=],
  run = function(r, positional)
    r.no_args(positional)
    if not r.opts["take-id"] then r.usage_error("--take-id is required") end
    local a = {
      take_id = r.opts["take-id"], name = r.opts.name, metadata = r:metadata(), options = job_options(r),
      clip_window = r:window("clip"), expand = r:expand(),
    }
    local outputs = r:list("output", true)
    if #outputs > 0 then a.outputs = outputs end
    local job
    if r.opts.multicam then
      a.number_of_actors = r:number("actors", true) or 1
      a.rig = r.opts.rig
      job = r.need(r:ugc().jobs.create_multicam(a))
    else
      if r.opts.actors or r.opts.rig then r.usage_error("--actors and --rig need --multicam") end
      job = r.need(r:ugc().jobs.create(a))
    end
    show_job(r, job)
  end,
}

commands["jobs update"] = {
  options = { "name", "metadata" },
  usage = [=[
Usage: moveugc jobs update JOB_ID [--name NAME] [--metadata JSON]

Changes a job's name and/or metadata (the metadata is replaced, not merged).]=],
  run = function(r, positional)
    local id = r.one_id(positional, "job")
    if not r.opts.name and not r.opts.metadata then
      r.usage_error("nothing to update: give --name and/or --metadata")
    end
    show_job(r, r.need(r:ugc().jobs.update{ id = id, name = r.opts.name, metadata = r:metadata() }))
  end,
}

commands["jobs wait"] = {
  options = { "timeout", "interval" },
  usage = [=[
Usage: moveugc jobs wait JOB_ID [--timeout SECONDS] [--interval SECONDS]

Polls the job (every --interval seconds, default 5) until it is FINISHED with its outputs, or
FAILED; gives up after --timeout seconds (default 3600, exit 8). Shows progress on stderr: a bar
on a terminal, a line per state change otherwise. Exits 11 when the job FAILED.]=],
  run = function(r, positional)
    local id = r.one_id(positional, "job")
    local bar, finish = r:progress_bar("job")
    local last_state
    local job = r.need(r:ugc().jobs.wait{
      id = id, timeout = r:number("timeout") or 3600, interval = r:number("interval") or 5,
      on_progress = function(j) -- shows what it can: a report never stops the wait
        local p = type(j.progress) == "table" and j.progress or {}
        if bar then
          bar(tonumber(p.percentage_complete) or 0, 100, r.text(p.state))
        elseif p.state ~= last_state then
          r.stderr:write(("%s %s %s\n"):format(r.text(j.id) or "?", r.text(p.state) or "?",
            r.percent(p.percentage_complete)))
        end
        last_state = p.state
      end,
    })
    if finish then finish() end
    show_job(r, job)
    local state = state_of(job)
    if state ~= "FINISHED" then
      r.exit_error(r.EXIT.job_failed, "job %s ended %s", r.text(job.id) or "?", tostring(state))
    end
  end,
}

commands["jobs download"] = {
  options = { "dir", "output", "overwrite" },
  usage = [=[
Usage: moveugc jobs download JOB_ID [--dir DIR] [--output TYPE]... [--overwrite]

Downloads a finished job's outputs into DIR (default ./JOB_ID, created if missing) as
<key>.<format>: every output, or those named by --output. Existing files are kept unless
--overwrite; on failure no partial file is left.]=],
  run = function(r, positional)
    local id = r.one_id(positional, "job")
    local dir = r.opts.dir or id
    local wanted = r:list("output", true)
    local bars = {}
    local ok, files, err = pcall(r:ugc().jobs.download_outputs, {
      id = id, dir = dir, overwrite = r.opts.overwrite or nil, outputs = #wanted > 0 and wanted or nil,
      on_progress = r.tty and function(done, total, key)
        bars[key] = bars[key] or r:progress_bar(r.text(key) or "output")
        bars[key](done, total)
      end or nil,
    })
    if not ok then -- the SDK refuses to replace a file: say it the command line's way
      error(type(files) == "string" and (files:gsub("pass overwrite = true", "give --overwrite")) or files, 0)
    end
    r.need(files, err)
    local result = {}
    for i, f in ipairs(files) do
      result[i] = { key = f.key, format = f.format, path = f.path, bytes = r.file_size(f.path) }
    end
    if r.opts.json then return r:json(result, true) end
    local rows = {}
    for i, f in ipairs(result) do rows[i] = { f.key, f.format, tostring(f.bytes or "?"), f.path } end
    r:table({ "key", "format", "bytes", "path" }, rows)
  end,
}

return commands
