-- The SDK's decoder (binding/ldecode.c) against its oracle, lua-cjson plus the
-- documented normalisation (fuzz/json_oracle.lua): every corpus input, hand-
-- picked edges, and thousands of generated texts, valid and broken, in raw and
-- API mode. Any difference is a failure. Runs on every Lua flavour.
local core = require "moveugc.core"
local cjson = require "cjson"

local function here()
  local src = debug.getinfo(1, "S").source:sub(2)
  return (src:match("^(.*)/spec/[^/]*$") or ".")
end
local ROOT = here()
local oracle = dofile(ROOT .. "/fuzz/json_oracle.lua")

local function agree(text, label)
  for _, api in ipairs{ false, true } do
    local ok, why = oracle.check(core.json_decode, text, api)
    if not ok then
      error(("%s (%s mode): %s\n  text: %q"):format(label, api and "API" or "raw", why, text:sub(1, 300)), 0)
    end
  end
end

local function files(dir)
  local out = {}
  local p = io.popen('ls "' .. dir .. '" 2>/dev/null')
  if p then
    for name in p:lines() do out[#out + 1] = dir .. "/" .. name end
    p:close()
  end
  return out
end

-- A small deterministic generator (a 31-bit LCG: the same texts on every
-- Lua, so a failure can be replayed from its seed).
local function rng(seed)
  local s = seed
  return function(n)
    s = (s * 1103515245 + 12345) % 2147483648
    return s % n + 1
  end
end

local KEYS = { "id", "name", "metadata", "state", "presigned_url", "a", "", "créé", "metadata",
  "key with space", "x\"y", "percentageComplete", "items" }
local NUMBERS = { "0", "-0", "1", "-1", "42", "1.5", "-0.25", "1e2", "1E-2", "2.0", "1.", "-.5", "1.e3",
  "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808",
  "9223372036854775808", "18446744073709551616", "123456789012345678901234567890", "1e400", "-1e400",
  "4.9e-324", "1e-400", "0.1", "0.30000000000000004", "100000000000000000000000", "1.7976931348623157e308",
  "0.000001", "123.456e-7", "5e22", "5e23", "9007199254740992.5" }
local STRINGS = { "", "plain", "with \\\"quotes\\\"", "tab\\there", "\\u00e9t\\u00e9", "\\ud83d\\ude00",
  "raw\tcontrol\1", "back\\\\slash", "\\/", "\\b\\f\\n\\r", "caf\195\169", "\\u0000nul", "https://x/y?a=1&b=%2F",
  "a long string that is longer than sixteen bytes, and longer than forty too, for the scanner" }

local function generate(r, depth)
  local pick = r(depth > 4 and 6 or 9)
  if pick == 1 then return "null" end
  if pick == 2 then return r(2) == 1 and "true" or "false" end
  if pick == 3 or pick == 4 then return NUMBERS[r(#NUMBERS)] end
  if pick == 5 or pick == 6 then return '"' .. STRINGS[r(#STRINGS)] .. '"' end
  if pick == 7 then
    local n, parts = r(6) - 1, {}
    for i = 1, n do parts[i] = generate(r, depth + 1) end
    return "[" .. table.concat(parts, r(3) == 1 and " , " or ",") .. "]"
  end
  local n, parts = r(7) - 1, {}
  for i = 1, n do
    local key = KEYS[r(#KEYS)]
    local value
    if key == "metadata" and r(2) == 1 then -- AWSJSON: JSON inside a string
      local inner = generate(r, depth + 1)
      if r(4) == 1 then inner = inner:sub(1, r(#inner)) end -- cut short: not JSON any more
      value = cjson.encode(inner) -- a string whose content is that text
    else
      value = generate(r, depth + 1)
    end
    parts[i] = '"' .. key:gsub('"', '\\"') .. '"' .. (r(4) == 1 and " : " or ":") .. value
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Breaks a valid text: a byte changed, dropped or doubled, or the text cut.
local function mutate(r, text)
  local n = #text
  if n == 0 then return "x" end
  local i = r(n)
  local k = r(5)
  if k == 1 then return text:sub(1, i - 1) end
  if k == 2 then return text:sub(1, i - 1) .. text:sub(i + 1) end
  if k == 3 then return text:sub(1, i) .. text:sub(i) end
  local bytes = { "{", "}", "[", "]", ",", ":", '"', "\\", "0", "-", "e", ".", " ", "\0", "n", "t" }
  return text:sub(1, i - 1) .. bytes[r(#bytes)] .. text:sub(i + 1)
end

describe("core.json_decode against lua-cjson and the documented normalisation", function()
  it("agrees on every fuzz corpus and regression input", function()
    local inputs = {}
    for _, dir in ipairs{ ROOT .. "/fuzz/corpus/json", ROOT .. "/fuzz/regressions/json" } do
      for _, f in ipairs(files(dir)) do inputs[#inputs + 1] = f end
    end
    assert.is_true(#inputs >= 30, "the corpus is missing")
    for _, path in ipairs(inputs) do
      local fh = assert(io.open(path, "rb"))
      local text = fh:read("*a")
      fh:close()
      agree(text, path)
    end
  end)

  it("agrees on the edges of the grammar", function()
    local edges = { "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "-0x1", "1E2", "-0", "  1  ",
      '"\\ud800"', '"\\udc00x"', '"\\ud800\\u0041"', '"\\U0041"', '"\\x"', "[1,]", '{"a":1,}', "[1 2]",
      '{"a" 1}', "nul", "truex", "[true false]", "123abc", "[]", "{}", '""', "", "  ", "null", "[1]\0",
      "\0[1]", '"a\0b"', '{"a":1}{}', "-.", "-.e5", "Infinity", "NaN", "-inf", "[" .. ("1,"):rep(5000) .. "1]",
      ("["):rep(1000) .. ("]"):rep(1000), ("["):rep(1001) .. ("]"):rep(1001),
      ('{"a":'):rep(999) .. "1" .. ("}"):rep(999), '{"a":null,"a":1}', '{"a":1,"a":null}', '{"a":1,"a":2}',
      '{"metadata":"null"}', '{"metadata":"{\\"a\\":[1,null,2.0]}"}', '{"metadata":"oops"}',
      '{"metadata":{"metadata":"{}"}}', '{"metadata":"\\"text\\""}', '{"metadata":"  7 "}',
      '{"metadata":"' .. ("["):rep(1000) .. ("]"):rep(1000) .. '"}', '{"metadata":[{"metadata":"1"}]}',
      '{"metadata":"{\\"a\\":1}\\u0000"}', '"\\uDBFF\\uDFFF"', '"' .. ("x"):rep(100) .. '\\n"' }
    for _, text in ipairs(edges) do agree(text, "edge") end
  end)

  it("agrees on objects and arrays wider than the decoder's stack chunk", function()
    local parts, nulls = {}, {}
    for i = 1, 10000 do
      parts[i] = ('"k%d":%d'):format(i % 9000, i) -- keys given twice past 9000
      nulls[i] = i % 3 == 0 and "null" or tostring(i)
    end
    agree("{" .. table.concat(parts, ",") .. "}", "wide object")
    agree("[" .. table.concat(nulls, ",") .. "]", "wide array")
    local t = assert(core.json_decode("[" .. table.concat(nulls, ",") .. "]"))
    assert.are.equal(6667, #t)
  end)

  it("agrees on 4,000 generated texts and 4,000 broken ones", function()
    local seed = tonumber(os.getenv("JSON_DIFF_SEED") or "") or 20261201
    local r = rng(seed)
    for i = 1, 4000 do
      local text = generate(r, 0)
      agree(text, ("generated #%d (JSON_DIFF_SEED=%d)"):format(i, seed))
      agree(mutate(r, text), ("broken #%d (JSON_DIFF_SEED=%d)"):format(i, seed))
    end
  end)

  it("keeps integer literals exact where Lua has integers", function()
    local t = assert(core.json_decode("[9007199254740993,-9223372036854775808,9223372036854775807,2.0,1e2]"))
    if math.type then
      assert.are.equal(math.tointeger(9007199254740993), t[1]) -- not 9007199254740992
      assert.are.equal(math.mininteger, t[2])
      assert.are.equal(math.maxinteger, t[3])
      for i = 1, 5 do assert.are.equal("integer", math.type(t[i])) end
    else -- doubles: 2^53 + 1 rounds, as lua-cjson's does
      assert.are.equal(9007199254740992, t[1])
    end
  end)

  it("reads numbers the same when the host's locale has a decimal comma", function()
    -- a de_DE locale built for this run (localedef, from Debian's `locales`),
    -- and a Lua of this flavour that sets it before decoding
    local helper = require "helper"
    local dir = helper.tmpname()
    assert(os.execute(("mkdir -p %s && localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1"):format(dir, dir)))
    finally(function() os.execute("rm -rf " .. dir) end)
    local lua = helper.flavour == "lua5.1" and "lua5.1" or helper.flavour
    local script = [[
      assert(os.setlocale("de_DE.UTF-8", "numeric"), "no de_DE locale")
      assert(jit or tostring(1.5) == "1,5", "the locale did not take") -- LuaJIT prints its own way
      local core = require "moveugc.core"
      local t = assert(core.json_decode("[1.5, 0.30000000000000004, 1.7976931348623157e308, 123.456e-7, 5e-324]"))
      local want = { 1.5, 0.30000000000000004, 1.7976931348623157e308, 123.456e-7, 5e-324 }
      for i = 1, #want do
        if t[i] ~= want[i] then error(i .. ": " .. string.format("%.17g", t[i])) end
      end
      print("ok")
    ]]
    local p = io.popen(("LOCPATH=%s %s -e '%s' 2>&1"):format(dir, lua, script:gsub("'", "'\\''")))
    local out = p:read("*a")
    p:close()
    assert.are.equal("ok\n", out)
  end)
end)
