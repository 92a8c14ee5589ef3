--- ugc.jobs: create, retrieve, list, update and follow animation jobs.
local args = require "moveugc.args"
local core = require "moveugc.core"
local documents = require "moveugc.documents"
local errors = require "moveugc.errors"
local pages = require "moveugc.pages"

local jobs = {}

local EXPAND = { take = true, outputs = true, client = true, rig = true, inputs = true }

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

--- Creates a single-camera job on a take.
---@param a moveugc.JobCreateArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.create(c, a)
  local fname = "jobs.create"
  a = args.named(fname, a)
  args.known(fname, a, CREATE_ARGS)
  local vars = create_vars(fname, a)
  return c:_call("CreateSingleCamJob", vars, args.expand(fname, a, EXPAND))
end
jobs.create_singlecam = jobs.create

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

local RETRIEVE_ARGS = { id = true, expand = true }

--- Retrieves a job by id: `retrieve("job-...")` or `retrieve{id, expand}`.
---@param a string|moveugc.RetrieveArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.retrieve(c, a)
  local fname = "jobs.retrieve"
  a = args.named(fname, a, "id")
  args.known(fname, a, RETRIEVE_ARGS)
  local id = args.string(fname, a, "id", true)
  return c:_call("GetJob", { jobId = id }, args.expand(fname, a, EXPAND))
end

local LIST_ARGS = { limit = true, next_token = true, sort_by = true, take_id = true, expand = true }

--- One page of jobs: `{items, next_token, limit}`; next_token is nil on the last page.
---@param a moveugc.JobListArgs?
---@return moveugc.Page? page, moveugc.Error? err
function jobs.list(c, a)
  local fname = "jobs.list"
  a = args.named(fname, a)
  args.known(fname, a, LIST_ARGS)
  local vars = pages.vars(c, fname, a)
  vars.takeId = args.string(fname, a, "take_id")
  return pages.fetch(c, "ListJobs", vars, args.expand(fname, a, EXPAND))
end

--- Iterates over every job, fetching pages as the loop needs them.
-- `for job in ugc.jobs.each{take_id = ...} do ... end`; a failure raises.
function jobs.each(c, a)
  local fname = "jobs.each"
  a = args.named(fname, a)
  args.known(fname, a, LIST_ARGS)
  local vars = pages.vars(c, fname, a)
  vars.takeId = args.string(fname, a, "take_id")
  return pages.iterate(c, "ListJobs", vars, args.expand(fname, a, EXPAND))
end

local UPDATE_ARGS = { id = true, name = true, metadata = true, expand = true }

--- Updates a job's name and/or metadata (metadata is replaced, not merged).
---@param a moveugc.UpdateArgs
---@return moveugc.Job? job, moveugc.Error? err
function jobs.update(c, a)
  local fname = "jobs.update"
  a = args.named(fname, a)
  args.known(fname, a, UPDATE_ARGS)
  local vars = {
    id = args.string(fname, a, "id", true),
    name = args.string(fname, a, "name"),
    metadata = args.metadata(fname, a),
  }
  if vars.name == nil and vars.metadata == nil then
    error(fname .. ": nothing to update (pass name and/or metadata)", 0)
  end
  return c:_call("UpdateJob", vars, args.expand(fname, a, EXPAND))
end

local MANY_ARGS = { ids = true, expand = true }

--- Retrieves many jobs in one HTTP request; results follow the order of ids.
-- An id that does not exist makes the whole call fail with kind not_found,
-- naming that id.
---@param a moveugc.RetrieveManyArgs
---@return moveugc.Job[]? jobs, moveugc.Error? err
function jobs.retrieve_many(c, a)
  local fname = "jobs.retrieve_many"
  a = args.named(fname, a)
  args.known(fname, a, MANY_ARGS)
  local ids = args.table(fname, a, "ids", true)
  local n = #ids
  if n ~= args.count(ids) then args.fail(fname, "ids", "must be a list") end
  local vars = {}
  for i = 1, n do
    if type(ids[i]) ~= "string" or ids[i] == "" then
      args.fail(fname, "ids", ("item %d must be a non-empty string"):format(i))
    end
    vars["id" .. i] = ids[i]
  end
  local out = core.array({})
  if n == 0 then return out end
  local expand = args.expand(fname, a, EXPAND)
  local data, err = c:_send("GetJobBatch", documents.batch("GetJob", n, expand), vars, false, true,
    "GetJobBatch")
  if not data then
    -- name the ids that failed: errors carry the alias (r<i>) in their path
    if err.errors then
      local missing = {}
      for _, e in ipairs(err.errors) do
        local alias = type(e.path) == "table" and e.path[1]
        local i = type(alias) == "string" and tonumber(alias:match("^r(%d+)$"))
        if i and ids[i] then missing[#missing + 1] = ids[i] end
      end
      if #missing > 0 then
        err.ids = missing
        err.message = err.message .. " (" .. table.concat(missing, ", ") .. ")"
      end
    end
    return nil, err
  end
  for i = 1, n do
    local job = data["r" .. i]
    if job == nil then
      return nil, errors.new{ kind = "protocol", operation = "GetJobBatch",
        message = "the response has no job for " .. ids[i] }
    end
    out[i] = job
  end
  return out
end

return jobs
