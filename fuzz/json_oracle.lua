--[[ fuzz/json_oracle.lua: what moveugc.core.json_decode must return, told
by lua-cjson. Used by fuzz/fuzz_json.c (libFuzzer) and spec/json_decode_spec.lua.

The documented normalisation, applied to lua-cjson's decode of the same text:
  - null: an absent key in an object; in an array, dropped, the rest moving
    down (no holes);
  - a number whose value is integral and fits 64 bits is an integer (5.3+);
  - in API mode, the value of every "metadata" key is the user's JSON: a
    string that decodes is its (raw-mode) value, one that does not stays the
    string; an object or array is normalised in raw mode (no metadata
    decoded inside it);
  - keys are never renamed.
Two deliberate differences from lua-cjson, both stricter or more exact:
  - a text holding a NUL byte is invalid (lua-cjson stops reading at it);
  - an integer literal is exact on 5.3+ (lua-cjson rounds it to a double):
    beyond 2^53 the decoder's integer must round to lua-cjson's double.
Errors are compared by outcome only: both decoders refuse, or both accept.

  local oracle = dofile("fuzz/json_oracle.lua")
  local ok, why = oracle.check(core.json_decode, text, api)   -- api: boolean
]]
local cjson = require "cjson"

local M = {}

local dec = cjson.new()
dec.decode_invalid_numbers(false)
dec.decode_max_depth(1000)
local null = cjson.null
local mtype = math.type
local floor = math.floor

local function number(x)
  if mtype and x == floor(x) and x >= -2 ^ 63 and x < 2 ^ 63 then return math.tointeger(x) end
  return x
end

local normalise

local function metadata(v)
  if type(v) == "string" then
    if v:find("%z") then return v end
    local ok, inner = pcall(dec.decode, v)
    if not ok then return v end
    return normalise(inner, false)
  end
  return normalise(v, false)
end

-- lua-cjson's arrays have keys 1..n (null members included), its objects
-- string keys only; an empty one is {} either way.
normalise = function(v, api)
  if v == null then return nil end
  local t = type(v)
  if t == "number" then return number(v) end
  if t ~= "table" then return v end
  local out = {}
  if type(next(v)) == "number" then
    for i = 1, #v do
      local x = normalise(v[i], api)
      if x ~= nil then out[#out + 1] = x end
    end
    return out
  end
  for k, x in pairs(v) do
    if api and k == "metadata" then out[k] = metadata(x) else out[k] = normalise(x, api) end
  end
  return out
end

--- What json_decode(text, api) must give: true, value or false, message.
function M.expect(text, api)
  if text:find("%z") then return false, "a NUL byte" end
  local ok, v = pcall(dec.decode, text)
  if not ok then return false, v end
  return true, normalise(v, api)
end

local function same_number(a, b)
  if a == b then
    if a == 0 and b == 0 and 1 / a ~= 1 / b then return false end -- -0.0 and 0.0 (floats)
    return not mtype or mtype(a) == mtype(b)
  end
  -- an integer literal past 2^53: ours exact, lua-cjson's rounded to a double
  if mtype and mtype(a) == "integer" and (a >= 2 ^ 53 or a <= -2 ^ 53) then return a + 0.0 == b + 0.0 end
  return false
end

--- nil when a (ours) and b (expected) are the same value; else a path and why.
function M.diff(a, b, path)
  path = path or "$"
  if type(a) ~= type(b) then return path, ("a %s where %s expected"):format(type(a), type(b)) end
  if type(a) == "number" then
    if same_number(a, b) then return nil end
    return path, ("%s (%s) where %s (%s) expected"):format(("%.17g"):format(a), mtype and mtype(a) or "number",
      ("%.17g"):format(b), mtype and mtype(b) or "number")
  end
  if type(a) ~= "table" then
    if a == b then return nil end
    return path, ("%q where %q expected"):format(tostring(a):sub(1, 80), tostring(b):sub(1, 80))
  end
  if getmetatable(a) ~= nil then return path, "a table with a metatable" end
  for k, x in pairs(b) do
    local p, why = M.diff(a[k], x, path .. "[" .. ("%q"):format(k) .. "]")
    if p then return p, why end
  end
  for k in pairs(a) do
    if b[k] == nil then return path, ("key %s is not expected"):format(("%q"):format(tostring(k))) end
  end
  return nil
end

--- Decodes text with decode(text, api) and compares with the oracle:
-- true, or false and what differs.
function M.check(decode, text, api)
  local want_ok, want = M.expect(text, api)
  local got, err = decode(text, api)
  local got_ok = got ~= nil or err == nil
  if got_ok ~= want_ok then
    if want_ok then return false, "refused a text lua-cjson accepts: " .. tostring(err) end
    return false, "accepted a text lua-cjson refuses (" .. tostring(want) .. ")"
  end
  if not got_ok then
    if type(err) ~= "string" then return false, "an error that is not a string" end
    return true
  end
  local path, why = M.diff(got, want)
  if path then return false, path .. ": " .. why end
  return true
end

return M
