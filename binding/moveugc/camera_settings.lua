--- ugc.camera_settings: the lenses a multicam source may name
-- (sources[i].camera_settings.lens).
local resource = require "moveugc.resource"

local camera_settings = {}
camera_settings._arity = { list = 0, each = 0 } -- no arguments: a table is the options

local shape = resource.define{ name = "camera_settings", list = "ListCameraSettings" }

--- Every known camera setting, in one page: `{items = {{lens}, ...}}`.
---@return moveugc.Page? page, moveugc.Error? err
camera_settings.list = shape.list

--- Iterates over every camera setting; a failure raises.
---@return fun(): {lens: string}?
camera_settings.each = shape.each

return camera_settings
