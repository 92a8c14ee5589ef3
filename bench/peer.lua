--[[ bench/peer.lua: the hand-written peer for one API call: what a Lua user
would write without the SDK, with Debian's lua-curl (Lua 5.1/5.2 only) and
lua-cjson. The same POST on one kept-alive easy handle, with the SDK's headers
(User-Agent, no Accept-Encoding unless given), the body gathered in a table
and decoded with cjson.decode. It does less than the SDK: no nulls removed,
no integers, no metadata decoded, no status or error checks beyond the body.

Usage: lua5.1 bench/peer.lua N URL REQUEST_BODY_FILE USER_AGENT [ACCEPT_ENCODING]
One warm-up call, then N calls; prints "calls: N" and "cpu_s: <seconds>".
]]
local curl = require "curl"
local cjson = require "cjson"

local n, url, body_file, ua, ae = tonumber(arg[1]), arg[2], arg[3], arg[4], arg[5]
assert(n and url and body_file and ua, "usage: peer.lua N URL REQUEST_BODY_FILE USER_AGENT [ACCEPT_ENCODING]")
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()

local easy = curl.easy_init()
easy:setopt(curl.OPT_URL, url)
easy:setopt(curl.OPT_POSTFIELDS, body)
easy:setopt(curl.OPT_HTTPHEADER, { "Content-Type: application/json", "Accept: application/json", "Expect:",
  "Authorization: sandbox-key-0123456789" })
easy:setopt(curl.OPT_USERAGENT, ua)
easy:setopt(curl.OPT_NOSIGNAL, 1)
easy:setopt(curl.OPT_TCP_NODELAY, 1)
if ae and ae ~= "none" then easy:setopt(curl.OPT_ACCEPT_ENCODING, ae) end
local chunks
easy:setopt(curl.OPT_WRITEFUNCTION, function(s)
  chunks[#chunks + 1] = s
  return #s
end)

local function call()
  chunks = {}
  easy:perform()
  return cjson.decode(table.concat(chunks))
end

assert(call().data.get_job.outputs, "the response lacks outputs")
local t0 = os.clock()
for _ = 1, n do call() end
print(("calls: %d\ncpu_s: %.6f"):format(n, os.clock() - t0))
