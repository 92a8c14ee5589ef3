--[[ bench/decode.lua: decoding a page of 1,000 jobs with every expand, the
SDK's one-pass decoder (binding/ldecode.c) against bare cjson.decode of the
same bytes.

Usage: lua5.4 bench/decode.lua [RUNS=15]
Prints bytes, then the best (least) CPU seconds of RUNS runs of each:
  bytes: N
  cjson_s: X
  sdk_s: Y
  sdk_raw_s: Z   (json_decode(text, false): raw mode, metadata left as strings)
  cjson_meta_s: W (cjson.decode, then cjson.decode of every metadata string: the
                   tables a user would get by hand, the same work the SDK does)
]]
local cjson = require "cjson"
local core = require "moveugc.core"

local runs = tonumber(arg[1]) or 15
local URL = "http://127.0.0.1:8917/s3/bucket/%s?AWSAccessKeyId=ASIAEXAMPLE&Expires=1700000000"
  .. "&Signature=abcdefghijklmnopqrstuvwxyz0123456789%%2B%%2F%%3D&x-amz-security-token=token"

local function uuid(kind, i) return ("%s-%08x-1111-4222-8333-%012x"):format(kind, i, i * 7919) end
local function meta(t) return cjson.encode(t) end -- AWSJSON: a string holding JSON
local DATE = "2024-05-01T10:00:03.123456Z"

local function file(i, k, format)
  local id = uuid("file", i * 10 + k)
  return { id = id, type = format, name = "MAIN." .. format, created = DATE,
    metadata = meta{ source = "job", index = k }, presignedUrl = URL:format(id), thumbnailUrl = cjson.null }
end

local OUTPUTS = { { "MAIN_FBX", "fbx" }, { "MAIN_BLEND", "blend" }, { "MAIN_GLB", "glb" },
  { "MAIN_USDC", "usdc" }, { "MAIN_USDZ", "usdz" }, { "RENDER_VIDEO", "mp4" }, { "MOTION_DATA", "zip" } }

local function job(i)
  local outputs = {}
  for k, o in ipairs(OUTPUTS) do outputs[k] = { key = o[1], format = o[2], file = file(i, k, o[2]) } end
  return {
    id = uuid("job", i), name = "job " .. i, created = DATE, state = "FINISHED",
    metadata = meta{ project = "bench", user = i, tags = { "walk", "run" } },
    progress = { state = "FINISHED", percentageComplete = 100 },
    take = { id = uuid("take", i), name = "take " .. i, created = DATE, metadata = meta{ scene = i },
      takeType = "SINGLE_CAM", syncMethod = { clapWindow = { startTime = 0.5, endTime = 2.25 },
        timecodeSync = { useTimecode = false } } },
    outputs = outputs,
    client = { id = uuid("client", 1), name = "Sandbox client", created = DATE,
      metadata = meta{ team = "anim" }, portal = "http://127.0.0.1:8917/portal/" .. uuid("client", 1) },
    rig = { name = "move_mo" },
    inputs = { clipWindow = { startTime = 1.5, endTime = 12 }, numberOfActors = 1,
      options = { floorPlane = true, mocapModel = "M2", trackBall = false, trackFingers = true,
        trackJerseyNumbers = cjson.null } },
  }
end

-- The SDK selects camelCase fields under snake_case aliases, so the server
-- answers with snake_case keys: rename the items' keys the same way.
local function aliased(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    if type(k) == "string" then k = k:gsub("%u", function(c) return "_" .. c:lower() end) end
    out[k] = aliased(x)
  end
  return out
end

local function page()
  local items = {}
  for i = 1, 1000 do items[i] = aliased(job(i)) end
  return cjson.encode{ data = { list_jobs = { first = 1000, after = meta{ v = 1, list = "jobs" }, items = items } } }
end
local text = page()

local function best(f)
  local least = math.huge
  for _ = 1, runs do
    collectgarbage("collect")
    local t0 = os.clock()
    local decoded = f(text)
    least = math.min(least, os.clock() - t0)
    assert(#decoded.data[next(decoded.data)].items == 1000)
  end
  return least
end

local sdk_decode = function(s) return assert(core.json_decode(s, true)) end
assert(sdk_decode(text).data.list_jobs.items[1].outputs[1].file.presigned_url, "not normalised")
print(("bytes: %d"):format(#text))
-- interleave, so that a slow moment of the machine hits both
local raw_decode = function(s) return assert(core.json_decode(s, false)) end
-- by hand with cjson: decode, then every metadata string inside
local function with_metadata(v)
  for k, x in pairs(v) do
    if type(x) == "table" then with_metadata(x)
    elseif k == "metadata" and type(x) == "string" then v[k] = cjson.decode(x) end
  end
  return v
end
local by_hand = function(s) return with_metadata(cjson.decode(s)) end
local c1, s1, r1, m1 = best(cjson.decode), best(sdk_decode), best(raw_decode), best(by_hand)
local c2, s2, r2, m2 = best(cjson.decode), best(sdk_decode), best(raw_decode), best(by_hand)
print(("cjson_s: %.6f\nsdk_s: %.6f\nsdk_raw_s: %.6f\ncjson_meta_s: %.6f"):format(math.min(c1, c2),
  math.min(s1, s2), math.min(r1, r2), math.min(m1, m2)))
