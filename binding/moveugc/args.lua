--- Argument checking: a caller's mistake raises at once, naming the function
-- and the argument, in the style of luaL_argerror.
local core = require "moveugc.core"

local M = {}

local function fail(fname, arg, problem)
  error(("%s: bad argument '%s' (%s)"):format(fname, arg, problem), 0)
end
M.fail = fail

--- Accepts `f(tbl)` or `f("id")` (for functions whose only need is an id).
function M.named(fname, a, id_key)
  if type(a) == "string" and id_key then return { [id_key] = a } end
  if type(a) ~= "table" then
    if a == nil and id_key == nil then return {} end
    error(("%s: expected a table of named arguments%s, got %s"):format(
      fname, id_key and (" or an " .. id_key .. " string") or "", type(a)), 0)
  end
  return a
end

--- Raises on keys the function does not know: a typo must not pass silently.
function M.known(fname, a, allowed)
  for k in pairs(a) do
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      error(("%s: unknown argument '%s' (expected %s)"):format(
        fname, tostring(k), table.concat(names, ", ")), 0)
    end
  end
end

function M.string(fname, a, key, required)
  local v = a[key]
  if v == nil then
    if required then error(("%s: missing required argument '%s'"):format(fname, key), 0) end
    return nil
  end
  if type(v) ~= "string" then fail(fname, key, "string expected, got " .. type(v)) end
  if required and v == "" then fail(fname, key, "must not be empty") end
  return v
end

function M.boolean(fname, a, key)
  local v = a[key]
  if v ~= nil and type(v) ~= "boolean" then fail(fname, key, "boolean expected, got " .. type(v)) end
  return v
end

function M.number(fname, a, key, required, min, max)
  local v = a[key]
  if v == nil then
    if required then error(("%s: missing required argument '%s'"):format(fname, key), 0) end
    return nil
  end
  if type(v) ~= "number" then fail(fname, key, "number expected, got " .. type(v)) end
  if v ~= v then fail(fname, key, "number expected, got NaN") end
  if (min and v < min) or (max and v > max) then
    fail(fname, key, ("must be between %s and %s, got %s"):format(min or "-inf", max or "inf", v))
  end
  return v
end

function M.integer(fname, a, key, required, min, max)
  local v = M.number(fname, a, key, required, min, max)
  if v ~= nil then
    if v ~= math.floor(v) then fail(fname, key, "integer expected, got " .. tostring(v)) end
    v = math.floor(v) -- an integer subtype on 5.3+, exact on 5.1
  end
  return v
end

function M.table(fname, a, key, required)
  local v = a[key]
  if v == nil then
    if required then error(("%s: missing required argument '%s'"):format(fname, key), 0) end
    return nil
  end
  if type(v) ~= "table" then fail(fname, key, "table expected, got " .. type(v)) end
  return v
end

function M.func(fname, a, key)
  local v = a[key]
  if v ~= nil and type(v) ~= "function" then
    fail(fname, key, "function expected, got " .. type(v))
  end
  return v
end

--- metadata: any Lua table, sent as the AWSJSON string the API expects.
function M.metadata(fname, a, key, required)
  key = key or "metadata"
  local v = M.table(fname, a, key, required)
  if v == nil then return nil end
  local s, err = core.json_encode(v)
  if not s then fail(fname, key, "cannot be encoded as JSON: " .. err) end
  return s
end

--- An enum value in any case, checked against the allowed names.
function M.enum(fname, a, key, allowed, required)
  local v = M.string(fname, a, key, required)
  if v == nil then return nil end
  local up = v:upper()
  if not allowed[up] then
    local names = {}
    for n in pairs(allowed) do names[#names + 1] = n end
    table.sort(names)
    fail(fname, key, ("'%s' is not one of %s"):format(v, table.concat(names, ", ")))
  end
  return up
end

--- A list of enum names in any case; sent as a JSON array even when empty.
function M.enum_list(fname, a, key, allowed)
  local v = M.table(fname, a, key)
  if v == nil then return nil end
  local out = core.array({})
  for i, name in ipairs(v) do
    out[i] = M.enum(fname, { [key .. "[" .. i .. "]"] = name }, key .. "[" .. i .. "]", allowed, true)
  end
  if #out ~= M.count(v) then fail(fname, key, "must be a list") end
  return out
end

function M.count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

--- Checks an expand list against the members an operation allows and returns
-- them sorted and deduplicated (they key the document cache).
function M.expand(fname, a, allowed)
  local v = a.expand
  if v == nil then return {} end
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" then fail(fname, "expand", "list of names expected, got " .. type(v)) end
  local seen, out = {}, {}
  for _, name in ipairs(v) do
    if not allowed[name] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      fail(fname, "expand", ("unknown member '%s' (expected %s)"):format(
        tostring(name), table.concat(names, ", ")))
    end
    if not seen[name] then
      seen[name] = true
      out[#out + 1] = name
    end
  end
  if #v ~= M.count(v) then fail(fname, "expand", "must be a list") end
  table.sort(out)
  return out
end

--- snake_case -> camelCase, for option keys passed through to the server.
function M.camel(k)
  return (k:gsub("_(%w)", function(c) return c:upper() end))
end

--- {start_time, end_time} (or camelCase) -> ClipWindowInput
function M.window(fname, a, key)
  local w = M.table(fname, a, key)
  if w == nil then return nil end
  local s = w.start_time or w.startTime
  local e = w.end_time or w.endTime
  local function finite(v) return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge end
  if not finite(s) or not finite(e) then
    fail(fname, key, "needs finite numbers start_time and end_time")
  end
  if s < 0 or e <= s then fail(fname, key, "start_time must be >= 0 and before end_time") end
  return { startTime = s, endTime = e }
end

return M
