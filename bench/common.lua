--- bench/common.lua: what the bench programs share: a client for a URL, the
-- sandbox's controls (through the curl command), and the process's memory.
local moveugc = require "moveugc"
local cjson = require "cjson"

local M = {}

M.KEY = "sandbox-key-0123456789"

function M.client(url, opts)
  local o = { api_key = M.KEY, endpoint = url }
  for k, v in pairs(opts or {}) do o[k] = v end
  return moveugc.new(o)
end

-- GET or POST a /_sandbox/ control; returns the decoded answer.
function M.control(graphql_url, path, body)
  local base = graphql_url:gsub("/graphql$", "")
  local data = body and ("-X POST -H 'Content-Type: application/json' -d '%s' "):format(cjson.encode(body)) or ""
  local p = assert(io.popen(("curl -sS %s%s"):format(data, base .. path)))
  local text = p:read("a")
  p:close()
  return cjson.decode(text)
end

-- A line of /proc/self/status in KiB: "VmRSS", "VmHWM".
function M.status_kib(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s*(%d+)")
    if v then return tonumber(v) end
  end
end

function M.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

return M
