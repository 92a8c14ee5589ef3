--[[ bench/decode_response.lua: decodes one saved API response N times, to
count (under callgrind) what decoding alone costs per call.

Usage: lua5.4 bench/decode_response.lua N FILE cjson|sdk
cjson: bare cjson.decode; sdk: moveugc.core.json_decode(text, true), the
SDK's one-pass decoder (binding/ldecode.c) in API mode.
]]
local cjson = require "cjson"
local core = require "moveugc.core"

local n, path, mode = tonumber(arg[1]), arg[2], arg[3]
assert(n and path and (mode == "cjson" or mode == "sdk"), "usage: decode_response.lua N FILE cjson|sdk")
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()
local decode = mode == "cjson" and cjson.decode or function(s) return assert(core.json_decode(s, true)) end
for _ = 1, n do decode(text) end
