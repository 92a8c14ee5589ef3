--- ugc.jobs: create, retrieve, list, update and follow animation jobs.
local args = require "moveugc.args"
local core = require "moveugc.core"
local errors = require "moveugc.errors"
local resource = require "moveugc.resource"
local transfer = require "moveugc.transfer"

---@class moveugc.Progress
---@field state string "RUNNING", "FINISHED", "FAILED", ...
---@field percentage_complete integer? 0 to 100

---@class moveugc.Output
---@field key string the output's name, e.g. "MAIN_FBX"
---@field format string the file format, e.g. "fbx"
---@field file moveugc.File the output's file; file.presigned_url downloads it

---@class moveugc.Job
---@field id string "job-<uuid>"
---@field name string?
---@field created string AWSDateTime
---@field metadata table?
---@field state string? the job's state as the service reports it
---@field progress moveugc.Progress?
---@field take table? when expanded: the take the job runs on
---@field outputs moveugc.Output[]? when expanded: one per requested output
---@field client moveugc.ClientInfo? when expanded
---@field rig {name: string}? when expanded (multicam)
---@field inputs table? when expanded: clip_window, number_of_actors, options

---@class moveugc.JobCreateArgs
---@field take_id string the take to animate
---@field name string?
---@field metadata table?
---@field options table? floor_plane, track_ball, track_fingers, track_jersey_numbers (booleans),
--- mocap_model ("M1", "M2", "S1", "S2"); other keys are passed on camelCased
---@field clip_window {start_time: number, end_time: number}?
---@field outputs string[]? output types, e.g. {"MAIN_FBX", "MAIN_GLB", "RENDER_VIDEO"}
---@field expand string[]? "take", "outputs", "client", "rig", "inputs"

---@class moveugc.JobCreateMulticamArgs: moveugc.JobCreateArgs
---@field number_of_actors integer 1 to 100
---@field rig string? a rig name from ugc.rigs.list()

---@class moveugc.JobListArgs: moveugc.ListArgs
---@field take_id string? only the jobs of this take

---@class moveugc.WaitArgs
---@field id string the job to wait for
---@field timeout number? seconds before giving up with kind "timeout" (default 3600)
---@field interval number? seconds between polls (default 5)
---@field on_progress fun(job: moveugc.Job)? called when the progress changes
---@field outputs_ready boolean? also wait until every output has a URL (default true)
---@field expand string[]?

---@class moveugc.WaitAllArgs
---@field ids string[] the jobs to wait for
---@field timeout number? seconds before giving up with kind "timeout" (default 3600)
---@field interval number? seconds between polls (default 5)
---@field on_progress fun(job: moveugc.Job)? called when a job's progress changes
---@field outputs_ready boolean? also wait until every output has a URL (default true)
---@field expand string[]?

---@class moveugc.DownloadOutputsArgs
---@field job moveugc.Job? a job retrieved with its outputs (or give id)
---@field id string? the job's id: its outputs are fetched
---@field dir string the folder to write into; created (with its parents) when missing
---@field outputs string[]? only these output keys
---@field on_progress fun(received: number, total: number?, key: string)? per output, as bytes arrive
---@field overwrite boolean? replace existing files (default false)

---@class moveugc.DownloadedOutput
---@field key string
---@field format string
---@field path string where the file was written

local jobs = {}

local EXPAND = { take = true, outputs = true, client = true, rig = true, inputs = true }
local shape = resource.define{ name = "jobs", what = "job", expand = EXPAND, get = "GetJob",
  update = "UpdateJob", list = "ListJobs", filters = { take_id = "takeId" } }

local OUTPUT_TYPES = {}
for name in ([[ALL_BLEND ALL_BVH ALL_C3D ALL_FBX ALL_GLB ALL_USDC ALL_USDZ MAIN_BLEND MAIN_FBX
  MAIN_GLB MAIN_USDC MAIN_USDZ MOTION_DATA RENDER_OVERLAY_VIDEO RENDER_VIDEO SYNC_DATA]]):gmatch("%S+") do
  OUTPUT_TYPES[name] = true
end
jobs._OUTPUT_TYPES = OUTPUT_TYPES

local MOCAP_MODELS = { M1 = true, M2 = true, S1 = true, S2 = true }
local BOOLEAN_OPTIONS = { floorPlane = true, trackBall = true, trackFingers = true,
  trackJerseyNumbers = true }

-- options: snake_case or camelCase keys; unknown keys pass on (camelCased) so
-- options the server adds later work without a new SDK.
local function options(fname, a)
  local o = args.table(fname, a, "options")
  if o == nil then return nil end
  local out = {}
  for k, v in pairs(o) do
    if type(k) ~= "string" then args.fail(fname, "options", "keys must be strings") end
    local ck = args.camel(k)
    if BOOLEAN_OPTIONS[ck] and type(v) ~= "boolean" then
      args.fail(fname, "options." .. k, "boolean expected, got " .. type(v))
    elseif ck == "mocapModel" then
      v = args.enum(fname, { ["options." .. k] = v }, "options." .. k, MOCAP_MODELS, true)
    else -- passed on as it is: it must be something JSON can say
      local ok, why = core.json_encode(v)
      if not ok then args.fail(fname, "options." .. k, "cannot be encoded as JSON: " .. tostring(why)) end
    end
    out[ck] = v
  end
  return out
end

local CREATE_ARGS = { take_id = true, name = true, metadata = true, options = true,
  clip_window = true, outputs = true, expand = true }
local MULTICAM_ARGS = { number_of_actors = true, rig = true }
for k in pairs(CREATE_ARGS) do MULTICAM_ARGS[k] = true end

local function create_vars(fname, a)
  return {
    takeId = args.string(fname, a, "take_id", true),
    name = args.string(fname, a, "name"),
    metadata = args.metadata(fname, a),
    options = options(fname, a),
    clipWindow = args.window(fname, a, "clip_window"),
    outputs = args.enum_list(fname, a, "outputs", OUTPUT_TYPES),
  }
end

local function create_singlecam(fname, c, a)
  a = args.named(fname, a)
  args.known(fname, a, CREATE_ARGS)
  local vars = create_vars(fname, a)
  return c:_call("CreateSingleCamJob", vars, args.expand(fname, a, EXPAND))
end

--- Creates a single-camera job on a take.
---@param a moveugc.JobCreateArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.create(c, a) return create_singlecam("jobs.create", c, a) end

--- Creates a single-camera job: `create` under the Python SDK's name.
---@param a moveugc.JobCreateArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.create_singlecam(c, a) return create_singlecam("jobs.create_singlecam", c, a) end

--- Creates a multi-camera job on a multicam take.
---@param a moveugc.JobCreateMulticamArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.create_multicam(c, a)
  local fname = "jobs.create_multicam"
  a = args.named(fname, a)
  args.known(fname, a, MULTICAM_ARGS)
  local vars = create_vars(fname, a)
  vars.numberOfActors = args.integer(fname, a, "number_of_actors", true, 1, 100)
  vars.rig = args.string(fname, a, "rig")
  return c:_call("CreateMultiCamJob", vars, args.expand(fname, a, EXPAND))
end

--- Retrieves a job by id: `retrieve("job-...")` or `retrieve{id, expand}`.
---@param a string|moveugc.RetrieveArgs
---@return moveugc.Job? job, moveugc.Error? err
jobs.retrieve = shape.retrieve

--- Retrieves many jobs in one HTTP request; results follow the order of ids.
-- An id that does not exist makes the whole call fail with kind not_found,
-- naming that id (err.ids).
---@param a moveugc.RetrieveManyArgs
---@return moveugc.Job[]? jobs, moveugc.Error? err
jobs.retrieve_many = shape.retrieve_many

--- One page of jobs: `{items, next_token, limit}`; next_token is nil on the last page.
---@param a moveugc.JobListArgs?
---@return moveugc.Page? page, moveugc.Error? err
jobs.list = shape.list

--- Iterates over every job, fetching pages as the loop needs them.
-- `for job in ugc.jobs.each{take_id = ...} do ... end`; a failure raises.
---@param a moveugc.JobListArgs?
---@return fun(): moveugc.Job?
jobs.each = shape.each

--- Updates a job's name and/or metadata (metadata is replaced, not merged).
---@param a moveugc.UpdateArgs
---@return moveugc.Job? job, moveugc.Error? err
jobs.update = shape.update

-- ==== waiting ===========================================================

local TERMINAL = { FINISHED = true, FAILED = true, CANCELLED = true }

-- The server's answers are read defensively: a field of the wrong type is
-- "not there", never an error raised into the caller.
local function state_of(job)
  local p = job.progress
  local st = type(p) == "table" and p.state or job.state
  return type(st) == "string" and st or nil
end

local function output_url(o)
  local f = type(o) == "table" and o.file
  local url = type(f) == "table" and f.presigned_url
  return type(url) == "string" and url or nil
end

local function outputs_ready(job)
  local outs = job.outputs
  if type(outs) ~= "table" or #outs == 0 then return false end
  for _, o in ipairs(outs) do
    if not output_url(o) then return false end
  end
  return true
end

local function done(job, want_outputs)
  local st = state_of(job)
  if not TERMINAL[st] then return false end
  return st ~= "FINISHED" or not want_outputs or outputs_ready(job)
end

local WAIT_ARGS = { id = true, ids = true, timeout = true, interval = true, on_progress = true,
  outputs_ready = true, expand = true }

local function wait_options(fname, a)
  local o = {
    timeout = args.number(fname, a, "timeout", false, 0) or 3600,
    interval = args.number(fname, a, "interval", false, 0) or 5,
    on_progress = args.func(fname, a, "on_progress"),
    outputs_ready = args.boolean(fname, a, "outputs_ready"),
    expand = args.expand(fname, a, EXPAND),
  }
  if o.outputs_ready == nil then o.outputs_ready = true end
  if o.outputs_ready then
    local has = false
    for _, m in ipairs(o.expand) do has = has or m == "outputs" end
    if not has then
      o.expand[#o.expand + 1] = "outputs"
      table.sort(o.expand)
    end
  end
  return o
end

local function progress_key(job)
  local p = type(job.progress) == "table" and job.progress or {}
  return tostring(state_of(job)) .. ":" .. tostring(p.percentage_complete)
end

-- Tells on_progress about a job. A raising function stops the wait with
-- kind "callback", unless the job is done: a result is never lost to it.
local function notify(c, fname, o, job, last)
  local key = progress_key(job)
  if not o.on_progress or key == last then return key end
  local ok, e = pcall(o.on_progress, job)
  if ok then return key end
  local err = errors.new{ kind = "callback", operation = fname, job = job,
    message = "on_progress raised: " .. tostring(e) }
  if done(job, o.outputs_ready) then
    c:_callback_failed(fname .. " on_progress", e)
    return key
  end
  return key, err
end

local function timeout_error(op, what, seconds)
  return errors.new{ kind = "timeout", operation = op, retryable = true,
    message = ("%s did not finish within %g s"):format(what, seconds) }
end

--- Polls a job until it is FINISHED (with every output's URL, unless
-- outputs_ready = false) or FAILED; returns the job, or nil, err (kind timeout).
---@param a string|moveugc.WaitArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.wait(c, a)
  local fname = "jobs.wait"
  a = args.named(fname, a, "id")
  args.known(fname, a, WAIT_ARGS)
  local id = args.string(fname, a, "id", true)
  local o = wait_options(fname, a)
  local deadline, last = core.now() + o.timeout, nil
  while true do
    local job, err = jobs.retrieve(c, { id = id, expand = o.expand })
    if not job and not err.retryable then return nil, err end
    if job then
      local cerr
      last, cerr = notify(c, fname, o, job, last)
      if cerr then return nil, cerr end
      if done(job, o.outputs_ready) then return job end
    end
    if core.now() + o.interval > deadline then return nil, timeout_error("jobs.wait", id, o.timeout) end
    c:_sleep(o.interval)
  end
end

--- Waits for many jobs with one batched request per poll; returns the jobs
-- in the order of ids once every one is done.
---@param a moveugc.WaitAllArgs
---@return moveugc.Job[]? jobs, moveugc.Error? err
function jobs.wait_all(c, a)
  local fname = "jobs.wait_all"
  a = args.named(fname, a)
  args.known(fname, a, WAIT_ARGS)
  local ids = args.table(fname, a, "ids", true)
  local o = wait_options(fname, a)
  local result, pending, last = core.array({}), {}, {}
  for i, id in ipairs(ids) do
    if type(id) ~= "string" then args.fail(fname, "ids", ("item %d must be a string"):format(i)) end
    pending[#pending + 1] = i
  end
  local deadline = core.now() + o.timeout
  while #pending > 0 do
    local ask = {}
    for k, i in ipairs(pending) do ask[k] = ids[i] end
    local got, err = jobs.retrieve_many(c, { ids = ask, expand = o.expand })
    if not got and not err.retryable then return nil, err end
    if got then
      local still = {}
      for k, i in ipairs(pending) do
        local job = got[k]
        local key, cerr = notify(c, fname, o, job, last[i])
        last[i] = key
        if cerr then return nil, cerr end
        result[i] = job
        if not done(job, o.outputs_ready) then still[#still + 1] = i end
      end
      pending = still
    end
    if #pending == 0 then break end
    if core.now() + o.interval > deadline then
      return nil, timeout_error("jobs.wait_all", #pending .. " of " .. #ids .. " jobs", o.timeout)
    end
    c:_sleep(o.interval)
  end
  return result
end

-- ==== outputs ===========================================================

-- Names from the server are untrusted: keep [A-Za-z0-9_-] and single dots
-- inside a name; nothing can climb out of dir, hide, or hold a control byte.
local function safe_name(s, fallback)
  s = tostring(s or ""):gsub("[^%w_%-%.]", "_"):gsub("%.%.+", "_"):gsub("^[%._]+", "")
  if s == "" then s = fallback end
  return s:sub(1, 100)
end
jobs._safe_name = safe_name

local DOWNLOAD_ARGS = { job = true, id = true, dir = true, outputs = true, on_progress = true,
  overwrite = true }

--- Downloads a finished job's outputs into dir: all of them, or a clear
-- error and no file left behind. Returns a list of {key, format, path}.
---@param a moveugc.DownloadOutputsArgs
---@return moveugc.DownloadedOutput[]? files, moveugc.Error? err
function jobs.download_outputs(c, a)
  local fname = "jobs.download_outputs"
  a = args.named(fname, a)
  args.known(fname, a, DOWNLOAD_ARGS)
  local dir = args.string(fname, a, "dir", true)
  local on_progress = args.func(fname, a, "on_progress")
  local overwrite = args.boolean(fname, a, "overwrite")
  local job = args.table(fname, a, "job")
  local id = args.string(fname, a, "id") or (job and job.id)
  if not id then error(fname .. ": missing required argument 'job' or 'id'", 0) end
  if type(id) ~= "string" then args.fail(fname, "job", "a job table with an id expected") end
  local want
  if a.outputs ~= nil then
    want = {}
    for _, k in ipairs(args.table(fname, a, "outputs")) do want[tostring(k):upper()] = true end
  end
  if dir:find("\0", 1, true) then args.fail(fname, "dir", "contains a NUL byte") end
  local kind, why = core.path_kind(dir)
  if kind == false then args.fail(fname, "dir", ("%s: %s"):format(dir, why)) end
  if kind and kind ~= "directory" then args.fail(fname, "dir", dir .. " exists and is not a directory") end
  if not (job and outputs_ready(job)) then
    local err
    job, err = jobs.retrieve(c, { id = id, expand = { "outputs" } })
    if not job then return nil, err end
  end
  if state_of(job) ~= "FINISHED" or not outputs_ready(job) then
    return nil, errors.new{ kind = "validation", operation = fname,
      message = ("job %s has no outputs to download yet (state %s)"):format(id, tostring(state_of(job))) }
  end
  -- plan every destination first: names, collisions, existing files. Names
  -- come from the server: two outputs must never share a file (or one take
  -- the other's .part), compared as a case-insensitive file system would.
  local plan, used = {}, {}
  for _, o in ipairs(job.outputs) do
    if not want or want[tostring(o.key):upper()] then
      local file = safe_name(o.key, "output") .. "." .. safe_name(o.format, "bin")
      local clash = used[file:lower()] or used[(file .. ".part"):lower()]
      if file:lower():find("%.part$") or clash then
        return nil, errors.new{ kind = "protocol", operation = fname, output = o.key,
          message = ("job %s's output %s (format %s) would be written as %s, which %s"):format(
            id, tostring(o.key), tostring(o.format), file,
            clash and ("output " .. tostring(clash) .. " takes already") or "names a partial download") }
      end
      used[file:lower()], used[(file .. ".part"):lower()] = tostring(o.key), tostring(o.key)
      local path = dir .. "/" .. file
      plan[#plan + 1] = { key = o.key, format = o.format, path = path, output = o }
    end
  end
  if kind == "directory" then -- (in a folder about to be made, nothing is in the way)
    for _, p in ipairs(plan) do transfer.check_destination(fname, p.path, overwrite) end
  end
  -- like mkdir -p, once the job is known to have outputs; undone if a download fails
  local made, created = core.mkdirs(dir) -- on failure, created is the reason
  if not made then args.fail(fname, "dir", ("cannot create %s: %s"):format(dir, created)) end
  local function unmake() -- the folders this call created, deepest first (rmdir: only if empty)
    local p = created and dir:gsub("/+$", "")
    while p and #p >= #created do
      os.remove(p)
      p = p:match("^(.*[^/])/+[^/]+$")
    end
  end
  local out = core.array({})
  for i, p in ipairs(plan) do
    local o = p.output
    local refresh = transfer.refresher(c, o.file.id)
    local progress = on_progress and function(done_bytes, total)
      return on_progress(done_bytes, total, p.key)
    end
    local ok, err = transfer.download(c, fname, o.file.presigned_url, p.path, progress, refresh)
    if not ok then
      for j = 1, i - 1 do os.remove(plan[j].path) end -- all or nothing
      unmake()
      err.output = p.key
      return nil, err
    end
    out[i] = { key = p.key, format = p.format, path = p.path }
  end
  return out
end

return jobs
