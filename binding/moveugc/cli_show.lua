--- moveugc.cli_show: how the command shows what the server answered (see
-- moveugc.cli). Any field of an answer may hold any JSON value, so nothing
-- here assumes a type: a value is shown as it came (a table as compact JSON,
-- a number JSON cannot hold, such as 1e400, as absent), and JSON output is
-- valid JSON in valid UTF-8 whatever bytes arrived.
local core = require "moveugc.core"

local show = {}

-- ==== UTF-8 =============================================================

-- The length of the well-formed UTF-8 sequence at i (RFC 3629: no overlong
-- forms, no surrogates, nothing past U+10FFFF), or nil.
local function sequence_length(s, i)
  local b = s:byte(i)
  if b < 0x80 then return 1 end
  local more, lo, hi -- continuation bytes, and the range of the first of them
  if b >= 0xC2 and b <= 0xDF then more, lo, hi = 1, 0x80, 0xBF
  elseif b == 0xE0 then more, lo, hi = 2, 0xA0, 0xBF
  elseif b == 0xED then more, lo, hi = 2, 0x80, 0x9F
  elseif b >= 0xE1 and b <= 0xEF then more, lo, hi = 2, 0x80, 0xBF
  elseif b == 0xF0 then more, lo, hi = 3, 0x90, 0xBF
  elseif b >= 0xF1 and b <= 0xF3 then more, lo, hi = 3, 0x80, 0xBF
  elseif b == 0xF4 then more, lo, hi = 3, 0x80, 0x8F
  else return nil end
  local c = s:byte(i + 1)
  if not c or c < lo or c > hi then return nil end
  for j = i + 2, i + more do
    c = s:byte(j)
    if not c or c < 0x80 or c > 0xBF then return nil end
  end
  return more + 1
end

--- s with each byte that is not part of well-formed UTF-8 replaced by U+FFFD.
---@param s string
---@return string
function show.utf8(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, kept = {}, 1, 1 -- kept: where the bytes not yet copied start
  while i <= #s do
    local n = sequence_length(s, i)
    if n then
      i = i + n
    else
      out[#out + 1] = s:sub(kept, i - 1) .. "\239\191\189"
      i = i + 1
      kept = i
    end
  end
  if kept == 1 then return s end
  out[#out + 1] = s:sub(kept)
  return table.concat(out)
end

-- ==== values ============================================================

local function finite(n) return n == n and n ~= math.huge and n ~= -math.huge end

local function number_text(n)
  if not finite(n) then return nil end
  if math.type and math.type(n) == "integer" then return tostring(n) end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then return ("%.0f"):format(n) end
  return ("%.14g"):format(n)
end

local LIST_KEYS = { items = true, outputs = true, sources = true, events = true }

-- A copy of v that json_encode takes and that reads back as valid UTF-8:
-- strings and keys with invalid bytes replaced, then scrubbed; numbers JSON
-- cannot hold left out, as the SDK leaves out a null (a list closes up); an
-- empty table kept as [] where a list belongs (a list, a LIST_KEYS field, or
-- the top level when key is true).
local function jsonable(v, scrub, key)
  local t = type(v)
  if t == "string" then return scrub(show.utf8(v)) end
  if t == "number" then return finite(v) and v or nil end
  if t ~= "table" then return v end
  local out = {}
  if #v > 0 then
    for i = 1, #v do out[#out + 1] = jsonable(v[i], scrub) end
    return core.array(out)
  end
  for k, x in pairs(v) do
    if type(k) == "string" then out[scrub(show.utf8(k))] = jsonable(x, scrub, k) end
  end
  if next(out) == nil and (getmetatable(v) == core.array_mt or LIST_KEYS[key] or key == true) then
    out = core.array(out)
  end
  return out
end

local function same(s) return s end

--- v as JSON text (see jsonable), each string passed through scrub; nil and
-- the reason when it cannot be written (nested deeper than the encoder goes).
---@param v any
---@param scrub (fun(s: string): string)?
---@param list boolean? an empty v is a list: []
---@return string? text, string? problem
function show.json(v, scrub, list)
  return core.json_encode(jsonable(v, scrub or same, list or nil))
end

--- A value as text: strings as they are, numbers without a needless ".0",
-- booleans as words, tables as compact JSON; nil when there is nothing to
-- show (nil, a number such as 1e400).
---@param v any
---@return string?
function show.text(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return number_text(v) end
  if t == "boolean" then return tostring(v) end
  if t == "table" then return (show.json(v)) end
  return nil
end

--- "12.5%" from a percentage; "0%" when there is none, "?%" when it cannot be shown.
---@param v any
---@return string
function show.percent(v)
  if v == nil then return "0%" end
  return (show.text(v) or "?") .. "%"
end

--- "START:END" from a {start_time, end_time} window.
---@param w table
---@return string
function show.window(w)
  return ("%s:%s"):format(show.text(w.start_time) or "?", show.text(w.end_time) or "?")
end

return show
