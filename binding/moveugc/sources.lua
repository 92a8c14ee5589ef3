--- Checks shared by takes and volumes: source lists (SourceInput) and sync
-- methods (SyncMethodInput), snake_case in, the API's camelCase out.
local args = require "moveugc.args"
local core = require "moveugc.core"

local M = {}

M.FORMATS = { MP4 = true, MOV = true, AVI = true, MOVE = true }

local SOURCE_KEYS = { device_label = true, file_id = true, format = true, camera_settings = true }

---@class moveugc.SourceInput
---@field device_label string a label for the device that captured the file
---@field file_id string an uploaded file (`ugc.files.create`)
---@field format string MP4, MOV, AVI or MOVE, in any case
---@field camera_settings {lens: string}? the lens, from `ugc.camera_settings.list()`

-- Names an argument the way args.fail wants it, and wraps a value so that the
-- args checkers report it under that name.
local function sub(name, v) return { [name] = v } end

local function source(fname, i, s)
  local at = ("sources[%d]"):format(i)
  if type(s) ~= "table" then args.fail(fname, at, "table expected, got " .. type(s)) end
  for k in pairs(s) do
    if not SOURCE_KEYS[k] then
      args.fail(fname, at, ("unknown key '%s' (expected camera_settings, device_label, file_id, format)")
        :format(tostring(k)))
    end
  end
  local out = {
    deviceLabel = args.string(fname, sub(at .. ".device_label", s.device_label), at .. ".device_label", true),
    fileId = args.string(fname, sub(at .. ".file_id", s.file_id), at .. ".file_id", true),
    format = args.enum(fname, sub(at .. ".format", s.format), at .. ".format", M.FORMATS, true),
  }
  local cs = args.table(fname, sub(at .. ".camera_settings", s.camera_settings), at .. ".camera_settings")
  if cs ~= nil then
    for k in pairs(cs) do
      if k ~= "lens" then
        args.fail(fname, at .. ".camera_settings", ("unknown key '%s' (expected lens)"):format(tostring(k)))
      end
    end
    local lens = at .. ".camera_settings.lens"
    out.cameraSettings = { lens = args.string(fname, sub(lens, cs.lens), lens, true) }
  end
  return out
end

--- a.sources: a non-empty list of sources -> a JSON array of SourceInput.
function M.list(fname, a)
  local v = args.table(fname, a, "sources", true)
  local n = #v
  if n == 0 or n ~= args.count(v) then args.fail(fname, "sources", "must be a non-empty list") end
  local out = core.array({})
  for i = 1, n do out[i] = source(fname, i, v[i]) end
  return out
end

--- a.sync_method: `{clap_window = {start_time, end_time}}` or
-- `{timecode_sync = {use_timecode}}` (exactly one) -> SyncMethodInput.
function M.sync_method(fname, a)
  local v = args.table(fname, a, "sync_method")
  if v == nil then return nil end
  local n = 0
  for k in pairs(v) do
    if k ~= "clap_window" and k ~= "timecode_sync" then
      args.fail(fname, "sync_method", ("unknown key '%s' (expected clap_window or timecode_sync)")
        :format(tostring(k)))
    end
    n = n + 1
  end
  if n ~= 1 then args.fail(fname, "sync_method", "needs exactly one of clap_window or timecode_sync") end
  if v.clap_window ~= nil then
    local key = "sync_method.clap_window"
    return { clapWindow = args.window(fname, sub(key, v.clap_window), key) }
  end
  local key = "sync_method.timecode_sync"
  local t = args.table(fname, sub(key, v.timecode_sync), key)
  for k in pairs(t) do
    if k ~= "use_timecode" then
      args.fail(fname, key, ("unknown key '%s' (expected use_timecode)"):format(tostring(k)))
    end
  end
  if type(t.use_timecode) ~= "boolean" then
    args.fail(fname, key .. ".use_timecode", "boolean expected, got " .. type(t.use_timecode))
  end
  return { timecodeSync = { useTimecode = t.use_timecode } }
end

return M
