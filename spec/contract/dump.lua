-- Prints every GraphQL document the SDK can send, one JSON line each:
-- {"call": ..., "operation": ..., "query": ..., "variables": {...}}.
-- The client's session is replaced by a recorder, so nothing leaves the
-- process; every call then fails with a network error, which is fine: the
-- document and its variables have been captured as the SDK built them.
-- spec/contract/contract.test.js validates the output with graphql-js.
local moveugc = require "moveugc"
local core = require "moveugc.core"
local documents = require "moveugc.documents"

local ugc = moveugc.new{ api_key = "contract-key-0123456789", endpoint = "http://127.0.0.1:9/graphql",
  max_retries = 0 }
local current = "?"
ugc._session:close()
ugc._session = {
  post = function(_, prefix, vars) -- the body's start: {"query":..,"operationName":..
    local head = assert(core.json_decode(prefix .. "}"))
    local encoded = assert(core.json_encode(vars or {}))
    io.write(core.json_encode({ call = current, operation = head.operationName or "", query = head.query })
      :sub(1, -2),
      ',"variables":', encoded, "}\n")
    return nil, { kind = "network", message = "recorded by the contract dump", reached = false, sends = 1, ms = 0 }
  end,
  -- the seam's failure (binding/lresult.c)
  upload = function() return nil, { kind = "network", message = "x", reached = false, sends = 1, ms = 0 } end,
  download = function() return nil, { kind = "network", message = "x", reached = false, sends = 1, ms = 0 } end,
  random = function() return 0.5 end,
  close = function() end,
}

local failures = 0
local function call(name, fn)
  current = name
  local ok, err = pcall(fn)
  if not ok then
    failures = failures + 1
    io.stderr:write(("dump: %s raised: %s\n"):format(name, tostring(err)))
  end
end

-- every expand member alone, then all of them together
local function expands(type_name)
  local members = {}
  for m in pairs(documents.types[type_name].expand) do members[#members + 1] = m end
  table.sort(members)
  local sets = { {} }
  for _, m in ipairs(members) do sets[#sets + 1] = { m } end
  if #members > 1 then sets[#sets + 1] = members end
  return sets
end

local ID = "00000000-0000-0000-0000-000000000000"
local META = { user = 7, nested = { list = { 1, 2.5, "x" }, empty = {} }, flag = true }
local WINDOW = { start_time = 0.5, end_time = 9.25 }
local SOURCES = { { device_label = "cam-a", file_id = "file-" .. ID, format = "mp4",
  camera_settings = { lens = "wide" } }, { device_label = "cam-b", file_id = "file-" .. ID, format = "MOV" } }
local SINGLE = { { device_label = "phone", file_id = "file-" .. ID, format = "move" } }
local SYNCS = { { clap_window = WINDOW }, { timecode_sync = { use_timecode = true } } }
local OPTIONS = { track_fingers = true, floor_plane = false, track_ball = true, track_jersey_numbers = false,
  mocap_model = "s2" }

for _, ex in ipairs(expands("job")) do
  call("jobs.create", function()
    ugc.jobs.create{ take_id = "take-" .. ID, name = "n", metadata = META, options = OPTIONS,
      clip_window = WINDOW, outputs = { "main_fbx", "RENDER_VIDEO", "MOTION_DATA" }, expand = ex }
  end)
  call("jobs.create_multicam", function()
    ugc.jobs.create_multicam{ take_id = "take-" .. ID, number_of_actors = 2, rig = "move_ve", name = "n",
      metadata = META, options = OPTIONS, clip_window = WINDOW, outputs = {}, expand = ex }
  end)
  call("jobs.retrieve", function() ugc.jobs.retrieve{ id = "job-" .. ID, expand = ex } end)
  call("jobs.list", function()
    ugc.jobs.list{ limit = 100, next_token = '{"v":1}', sort_by = "asc", take_id = "take-" .. ID, expand = ex }
  end)
  call("jobs.update", function() ugc.jobs.update{ id = "job-" .. ID, name = "n", metadata = META, expand = ex } end)
  call("jobs.retrieve_many", function() ugc.jobs.retrieve_many{ ids = { "job-1", "job-2", "job-3" }, expand = ex } end)
end
call("jobs.create (minimal)", function() ugc.jobs.create{ take_id = "take-" .. ID } end)
call("jobs.create_singlecam", function() ugc.jobs.create_singlecam{ take_id = "take-" .. ID } end)
call("jobs.list (defaults)", function() ugc.jobs.list() end)
call("jobs.each", function() pcall(function() for _ in ugc.jobs.each{ sort_by = "DESC" } do end end) end)
call("jobs.wait", function() ugc.jobs.wait{ id = "job-" .. ID, timeout = 0 } end)
call("jobs.wait_all", function() ugc.jobs.wait_all{ ids = { "job-1", "job-2" }, timeout = 0 } end)
call("jobs.download_outputs", function() ugc.jobs.download_outputs{ id = "job-" .. ID, dir = "." } end)

local function resource(name) return ugc[name] end

if resource("files") then
  for _, ex in ipairs(expands("file")) do
    call("files.create", function()
      ugc.files.create{ file_type = "mp4", name = "n", metadata = META, expand = ex }
    end)
    call("files.retrieve", function() ugc.files.retrieve{ id = "file-" .. ID, expand = ex } end)
    call("files.retrieve_many", function() ugc.files.retrieve_many{ ids = { "file-1", "file-2" }, expand = ex } end)
    call("files.update", function()
      ugc.files.update{ id = "file-" .. ID, name = "n", metadata = META, expand = ex }
    end)
  end
  call("files.generate_share_code", function() ugc.files.generate_share_code("file-" .. ID) end)
  call("files.download", function() ugc.files.download{ file = { id = "file-" .. ID }, path = "./no-such-file" } end)
end
if resource("takes") then
  for _, ex in ipairs(expands("take")) do
    call("takes.create", function()
      ugc.takes.create{ sources = SINGLE, name = "n", metadata = META, expand = ex }
    end)
    for _, sync in ipairs(SYNCS) do
      call("takes.create_multicam", function()
        ugc.takes.create_multicam{ sources = SOURCES, volume_id = "volume-" .. ID, sync_method = sync, name = "n",
          metadata = META, expand = ex }
      end)
    end
    call("takes.retrieve", function() ugc.takes.retrieve{ id = "take-" .. ID, expand = ex } end)
    call("takes.retrieve_many", function() ugc.takes.retrieve_many{ ids = { "take-1", "take-2" }, expand = ex } end)
    call("takes.update", function()
      ugc.takes.update{ id = "take-" .. ID, name = "n", metadata = META, expand = ex }
    end)
    call("takes.list", function() ugc.takes.list{ limit = 5, next_token = "{}", sort_by = "DESC", expand = ex } end)
  end
end
if resource("volumes") then
  for _, ex in ipairs(expands("volume")) do
    for _, sync in ipairs(SYNCS) do
      call("volumes.create_human_volume", function()
        ugc.volumes.create_human_volume{ sources = SOURCES, human_height = 1.8, area_type = "large",
          sync_method = sync, clip_window = WINDOW, name = "n", metadata = META, expand = ex }
      end)
    end
    call("volumes.retrieve", function() ugc.volumes.retrieve{ id = "volume-" .. ID, expand = ex } end)
    call("volumes.retrieve_many", function()
      ugc.volumes.retrieve_many{ ids = { "volume-1", "volume-2" }, expand = ex }
    end)
    call("volumes.list", function() ugc.volumes.list{ limit = 3, sort_by = "ASC", expand = ex } end)
  end
end
if resource("client") then
  call("client.retrieve", function() ugc.client.retrieve() end)
  call("client.update", function() ugc.client.update{ metadata = META } end)
end
if resource("rigs") then call("rigs.list", function() ugc.rigs.list() end) end
if resource("camera_settings") then call("camera_settings.list", function() ugc.camera_settings.list() end) end
call("webhooks.upsert", function()
  ugc.webhooks.upsert{ uid = "hook-1", url = "http://127.0.0.1:9/hooks", description = "d", metadata = META,
    events = { "ugc.job.state.completed", "ugc.job.state.failed" },
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
end)

-- the operations the SDK knows, so the test can check each one was sent
local names = {}
for name in pairs(documents.operations) do names[#names + 1] = name end
table.sort(names)
io.write(core.json_encode({ known_operations = names, failures = failures }), "\n")
