--- ugc.camera_settings: the lenses a multicam source may name
-- (sources[i].camera_settings.lens).
local camera_settings = {}

--- Every known camera setting: a list of {lens}.
---@return {lens: string}[]? settings, moveugc.Error? err
function camera_settings.list(c)
  local page, err = c:_call("ListCameraSettings", {})
  if err then return nil, err end
  return require("moveugc.core").array(page and page.items or {})
end

return camera_settings
