--- ugc.volumes: calibration volumes for multi-camera takes, made from a
-- person of known height walking through every camera's view.
local args = require "moveugc.args"
local resource = require "moveugc.resource"
local sources = require "moveugc.sources"

local volumes = {}

local EXPAND = { client = true, sources = true, outputs = true }
local AREA_TYPES = { NORMAL = true, LARGE = true }
local shape = resource.define{ name = "volumes", what = "volume", expand = EXPAND, get = "GetVolume",
  list = "ListVolumes" }

---@class moveugc.Volume
---@field id string "volume-<uuid>"
---@field name string?
---@field created string AWSDateTime
---@field metadata table?
---@field area_type string? "NORMAL" or "LARGE"
---@field human_height number?
---@field state string? NOT_STARTED, RUNNING, FINISHED or FAILED
---@field progress {state: string?, percentage_complete: integer?}?
---@field clip_window {start_time: number, end_time: number}?
---@field sources moveugc.Source[]? when expanded
---@field outputs moveugc.Output[]? when expanded
---@field client moveugc.ClientInfo? when expanded

---@class moveugc.VolumeCreateArgs
---@field sources moveugc.SourceInput[] at least two cameras
---@field human_height number the person's height in metres
---@field area_type string "NORMAL" or "LARGE", any case
---@field sync_method table? {clap_window = {...}} or {timecode_sync = {use_timecode}}
---@field clip_window {start_time: number, end_time: number}?
---@field name string?
---@field metadata table?
---@field expand string[]? client, sources, outputs

local CREATE_ARGS = { sources = true, human_height = true, area_type = true, sync_method = true,
  clip_window = true, name = true, metadata = true, expand = true }

--- Creates a calibration volume from a human of known height.
---@param a moveugc.VolumeCreateArgs
---@return moveugc.Volume? volume, moveugc.Error? err
function volumes.create_human_volume(c, a)
  local fname = "volumes.create_human_volume"
  a = args.named(fname, a)
  args.known(fname, a, CREATE_ARGS)
  local height = args.number(fname, a, "human_height", true)
  if height <= 0 then args.fail(fname, "human_height", "must be positive, got " .. tostring(height)) end
  local vars = {
    sources = sources.list(fname, a),
    humanHeight = height + 0.0,
    areaType = args.enum(fname, a, "area_type", AREA_TYPES, true),
    syncMethod = sources.sync_method(fname, a),
    clipWindow = args.window(fname, a, "clip_window"),
    name = args.string(fname, a, "name"),
    metadata = args.metadata(fname, a),
  }
  return c:_call("CreateVolumeWithHuman", vars, args.expand(fname, a, EXPAND))
end

--- Retrieves a volume: `retrieve("volume-...")` or `retrieve{id, expand}`.
---@param a string|moveugc.RetrieveArgs
---@return moveugc.Volume? volume, moveugc.Error? err
volumes.retrieve = shape.retrieve

--- The Python SDK's name for `retrieve`.
---@param a string|moveugc.RetrieveArgs
---@return moveugc.Volume? volume, moveugc.Error? err
volumes.retrieve_human_volume = resource.retrieve("volumes.retrieve_human_volume", "GetVolume", EXPAND)

--- Retrieves many volumes in one HTTP request, in the order of ids.
---@param a moveugc.RetrieveManyArgs
---@return moveugc.Volume[]? volumes, moveugc.Error? err
volumes.retrieve_many = shape.retrieve_many

--- One page of volumes: `{items, next_token, limit}`.
---@param a moveugc.ListArgs?
---@return moveugc.Page? page, moveugc.Error? err
volumes.list = shape.list

--- Iterates over every volume, fetching pages lazily; a failure raises.
---@param a moveugc.ListArgs?
---@return fun(): moveugc.Volume?
volumes.each = shape.each

return volumes
