--- ugc.takes: a take is a set of video sources to animate (one camera or many).
local args = require "moveugc.args"
local resource = require "moveugc.resource"
local sources = require "moveugc.sources"

local takes = {}

local EXPAND = { client = true, sources = true, volume = true }
local shape = resource.define{ name = "takes", what = "take", expand = EXPAND, get = "GetTake",
  update = "UpdateTake", list = "ListTakes" }

---@class moveugc.Source
---@field device_label string
---@field format string MP4, MOV, AVI or MOVE
---@field camera_settings {lens: string}?
---@field file moveugc.File?

---@class moveugc.Take
---@field id string "take-<uuid>"
---@field name string?
---@field created string AWSDateTime
---@field metadata table?
---@field take_type string? "SINGLE_CAM" or "MULTI_CAM"
---@field sync_method {clap_window: {start_time: number, end_time: number}?, timecode_sync: {use_timecode: boolean}?}?
---@field sources moveugc.Source[]? when expanded
---@field volume moveugc.Volume? when expanded (multicam)
---@field client moveugc.ClientInfo? when expanded

---@class moveugc.TakeCreateSinglecamArgs
---@field sources moveugc.SourceInput[] one source: {device_label, file_id, format}
---@field name string?
---@field metadata table?
---@field expand string[]? client, sources, volume

---@class moveugc.TakeCreateMulticamArgs
---@field sources moveugc.SourceInput[] the cameras, each with camera_settings = {lens}
---@field volume_id string a calibration volume (ugc.volumes.create_human_volume)
---@field sync_method table? {clap_window = {start_time, end_time}} or {timecode_sync = {use_timecode}}
---@field name string?
---@field metadata table?
---@field expand string[]?

local SINGLE_ARGS = { sources = true, name = true, metadata = true, expand = true }
local MULTI_ARGS = { sources = true, volume_id = true, sync_method = true, name = true, metadata = true,
  expand = true }

local function create_singlecam(fname, c, a)
  a = args.named(fname, a)
  args.known(fname, a, SINGLE_ARGS)
  local vars = {
    sources = sources.list(fname, a),
    name = args.string(fname, a, "name"),
    metadata = args.metadata(fname, a),
  }
  return c:_call("CreateSingleCamTake", vars, args.expand(fname, a, EXPAND))
end

--- Creates a single-camera take from an uploaded file, as `jobs.create` makes a single-camera job.
---@param a moveugc.TakeCreateSinglecamArgs
---@return moveugc.Take? take, moveugc.Error? err
function takes.create(c, a) return create_singlecam("takes.create", c, a) end

--- Creates a single-camera take: `create` under the Python SDK's name.
---@param a moveugc.TakeCreateSinglecamArgs
---@return moveugc.Take? take, moveugc.Error? err
function takes.create_singlecam(c, a) return create_singlecam("takes.create_singlecam", c, a) end

--- Creates a multi-camera take on a calibration volume.
---@param a moveugc.TakeCreateMulticamArgs
---@return moveugc.Take? take, moveugc.Error? err
function takes.create_multicam(c, a)
  local fname = "takes.create_multicam"
  a = args.named(fname, a)
  args.known(fname, a, MULTI_ARGS)
  local vars = {
    sources = sources.list(fname, a),
    volumeId = args.string(fname, a, "volume_id", true),
    syncMethod = sources.sync_method(fname, a),
    name = args.string(fname, a, "name"),
    metadata = args.metadata(fname, a),
  }
  return c:_call("CreateMultiCamTake", vars, args.expand(fname, a, EXPAND))
end

--- Retrieves a take: `retrieve("take-...")` or `retrieve{id, expand}`.
---@param a string|moveugc.RetrieveArgs
---@return moveugc.Take? take, moveugc.Error? err
takes.retrieve = shape.retrieve

--- Retrieves many takes in one HTTP request, in the order of ids.
---@param a moveugc.RetrieveManyArgs
---@return moveugc.Take[]? takes, moveugc.Error? err
takes.retrieve_many = shape.retrieve_many

--- Updates a take's name and/or metadata (metadata is replaced).
---@param a moveugc.UpdateArgs
---@return moveugc.Take? take, moveugc.Error? err
takes.update = shape.update

--- One page of takes: `{items, next_token, limit}`.
---@param a moveugc.ListArgs?
---@return moveugc.Page? page, moveugc.Error? err
takes.list = shape.list

--- Iterates over every take, fetching pages lazily; a failure raises.
---@param a moveugc.ListArgs?
---@return fun(): moveugc.Take?
takes.each = shape.each

return takes
