--- ugc.rigs: the skeletons a multicam job can animate (its `rig` argument).
local rigs = {}

--- Every available rig: a list of {name}.
---@return {name: string}[]? rigs, moveugc.Error? err
function rigs.list(c)
  local page, err = c:_call("ListRigs", {})
  if err then return nil, err end
  return require("moveugc.core").array(page and page.items or {})
end

return rigs
