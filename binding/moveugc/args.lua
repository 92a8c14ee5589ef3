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
  local k = next(a)
  while k ~= nil do -- a plain loop: no iterator call per key
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      error(("%s: unknown argument '%s' (expected %s)"):format(
        fname, tostring(k), table.concat(names, ", ")), 0)
    end
    k = next(a, k)
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

-- Expand lists, one table per set of members: the same list (sorted, no
-- duplicates) comes back for the same members, built once, so the documents
-- are found by the list itself. No sorting per call. Members are bits (2^i,
-- with arithmetic: Lua 5.1 has no bit operators).
local EMPTY = {}
local canon = setmetatable({}, { __mode = "k" }) -- an allowed set -> its names, bits and lists

local function members(allowed)
  local c = canon[allowed]
  if c then return c end
  local names, bits = {}, {}
  for n in pairs(allowed) do names[#names + 1] = n end
  table.sort(names)
  for i, n in ipairs(names) do bits[n] = 2 ^ (i - 1) end
  c = { names = names, bits = bits, lists = { [0] = EMPTY } }
  canon[allowed] = c
  return c
end

local function has(mask, bit) return mask % (bit * 2) >= bit end

local function list_of(c, mask)
  local out = {}
  for _, n in ipairs(c.names) do
    if has(mask, c.bits[n]) then out[#out + 1] = n end
  end
  c.lists[mask] = out
  return out
end

local function unknown_member(fname, name, c)
  fail(fname, "expand", ("unknown member '%s' (expected %s)"):format(tostring(name), table.concat(c.names, ", ")))
end

--- Checks an expand list (or one name) against the members an operation
-- allows and returns its canonical list: sorted, without duplicates, shared
-- (never change it).
function M.expand(fname, a, allowed)
  local v = a.expand
  if v == nil then return EMPTY end
  local c = canon[allowed] or members(allowed)
  local mask = 0
  if type(v) == "string" then
    mask = c.bits[v] or unknown_member(fname, v, c)
  elseif type(v) == "table" then
    local n, bits = #v, c.bits
    -- a list: nothing after its last item (a hole or a named key is refused)
    if next(v, n > 0 and n or nil) ~= nil then fail(fname, "expand", "must be a list") end
    for i = 1, n do
      local name = v[i]
      if name == nil then fail(fname, "expand", "must be a list") end
      local bit = bits[name] or unknown_member(fname, name, c)
      if not has(mask, bit) then mask = mask + bit end
    end
  else
    fail(fname, "expand", "list of names expected, got " .. type(v))
  end
  return c.lists[mask] or list_of(c, mask)
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
