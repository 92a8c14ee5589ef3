--- ugc.rigs: the skeletons a multicam job can animate (its `rig` argument).
local resource = require "moveugc.resource"

local rigs = {}
rigs._arity = { list = 0, each = 0 } -- no arguments: a table is the options

local shape = resource.define{ name = "rigs", list = "ListRigs" }

--- Every available rig, in one page: `{items = {{name}, ...}}`.
---@return moveugc.Page? page, moveugc.Error? err
rigs.list = shape.list

--- Iterates over every rig: `for rig in ugc.rigs.each() do ... end`; a failure raises.
---@return fun(): {name: string}?
rigs.each = shape.each

return rigs
