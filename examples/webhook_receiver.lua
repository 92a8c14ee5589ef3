#!/usr/bin/env lua5.4
--[[ webhook_receiver.lua: receive MoveUGC's webhook deliveries and verify their signatures.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=http://127.0.0.1:8917/graphql \
    lua5.4 examples/webhook_receiver.lua [timeout-seconds]

A tiny HTTP server (LuaSocket) on 127.0.0.1 and a free port. The script
registers it as a webhook endpoint for job events (with a secret it makes, or
$MOVE_WEBHOOK_SECRET), creates a job to cause some, and answers each delivery:
200 when moveugc.webhook_signature.verify accepts its signature, 400 otherwise. It also
sends itself one forged delivery, to show it refused. It stops once the job's
"running" and "completed" events have arrived (exit 0), or at the timeout
(default 20 s; exit 1).

The sandbox posts only to loopback addresses. A real receiver sits behind a
public HTTPS URL, answers quickly and does the work afterwards, and expects
the same message again (same svix-id) when its answer was lost.
]]
local moveugc = require "moveugc"
local core = require "moveugc.core"
local socket = require "socket"
local mime = require "mime" -- LuaSocket's base64

local TIMEOUT = tonumber(arg[1] or "") or 20
local EVENTS = { "ugc.job.state.running", "ugc.job.state.completed", "ugc.job.state.failed" }
local MAX_BODY = 1024 * 1024

local function check(value, err)
  if value == nil then
    io.stderr:write("webhook_receiver: ", tostring(err), "\n")
    os.exit(1)
  end
  return value
end

-- A signing secret: "whsec_" and the base64 of 24 random bytes.
local function new_secret()
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(24)
  f:close()
  return "whsec_" .. mime.b64(bytes)
end

-- ==== a minimal HTTP/1.1 server: one request per connection =============

-- Reads the request line, the headers (names lower-cased) and a
-- Content-Length body. Returns nil, reason for anything else.
local function read_request(conn)
  conn:settimeout(5)
  local line, err = conn:receive("*l")
  if not line then return nil, err end
  local method, target = line:match("^(%u+) (%S+) HTTP/1%.[01]$")
  if not method then return nil, "not an HTTP request" end
  local headers = {}
  while true do
    local h = conn:receive("*l")
    if h == nil then return nil, "connection closed in the headers" end
    if h == "" then break end
    local name, value = h:match("^([^:%s]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  local length = tonumber(headers["content-length"] or "0")
  if not length or length > MAX_BODY then return nil, "bad or too large Content-Length" end
  local body = ""
  if length > 0 then
    body, err = conn:receive(length)
    if not body then return nil, "body: " .. tostring(err) end
  end
  return { method = method, target = target, headers = headers, body = body }
end

local REASONS = { [200] = "OK", [400] = "Bad Request", [405] = "Method Not Allowed" }

local function respond(conn, status, text)
  conn:send(("HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s")
    :format(status, REASONS[status], #text, text))
  conn:close()
end

-- ==== set up ============================================================

local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
server:settimeout(0.2) -- accept() returns now and then, to check the clock
local url = ("http://127.0.0.1:%d/moveugc/events"):format(port)

local secret = os.getenv("MOVE_WEBHOOK_SECRET") or new_secret()
local ugc = moveugc.new{}
local endpoint = check(ugc.webhooks.upsert{
  uid = "examples-webhook-receiver", url = url, events = EVENTS, secret = secret,
  description = "examples/webhook_receiver.lua",
})
print(("listening on %s, registered as endpoint '%s' for %s"):format(url, endpoint.uid,
  table.concat(endpoint.events, ", ")))

-- a forged delivery, signed with another secret: the receiver must refuse it
local forged_body = '{"type":"ugc.job.state.completed","data":{"job_id":"job-forged"}}'
local forger = assert(socket.connect("127.0.0.1", port))
local ts = tostring(os.time())
forger:send(("POST /moveugc/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
  .. "svix-id: msg_forged\r\nsvix-timestamp: %s\r\nsvix-signature: %s\r\nContent-Length: %d\r\n\r\n%s"):format(
  ts, moveugc.webhook_signature.sign{ secret = new_secret(), id = "msg_forged", timestamp = ts, body = forged_body },
  #forged_body, forged_body))

-- something to hear about: a take and a job on it
local video = os.tmpname()
local f = assert(io.open(video, "wb"))
f:write(("not really a video\n"):rep(1000))
f:close()
local file = check(ugc.files.upload_path{ path = video, file_type = "mp4" })
os.remove(video)
local take = check(ugc.takes.create_singlecam{
  sources = { { device_label = "cam", file_id = file.id, format = "mp4" } } })
local job = check(ugc.jobs.create{ take_id = take.id, name = "webhook example", outputs = { "MAIN_FBX" } })
print(("job %s created; waiting up to %g s for its events"):format(job.id, TIMEOUT))

-- ==== serve =============================================================

local seen = {}         -- svix-id -> true: a retried message is acknowledged, not handled twice
local heard = {}        -- event type -> true, for this job
local refused = 0
local deadline = core.now() + TIMEOUT

local function handle(conn)
  local req = read_request(conn)
  if not req then return conn:close() end -- not HTTP we understand: hang up
  if req.method ~= "POST" then return respond(conn, 405, "POST only\n") end
  local event, err = moveugc.webhook_signature.verify{ secret = secret, headers = req.headers, body = req.body }
  if not event then
    refused = refused + 1
    print(("  refused  %-14s %s"):format(req.headers["svix-id"] or "?", err.reason or err.kind))
    return respond(conn, 400, tostring(err.message) .. "\n")
  end
  local id = req.headers["svix-id"] or req.headers["webhook-id"]
  respond(conn, 200, "ok\n") -- answer first, work after: the sender waits for the answer
  if seen[id] then return end
  seen[id] = true
  local data = event.data or {}
  print(("  verified %-26s %-26s %s %s"):format(id, event.type, data.job_id or data.volume_id or "?",
    data.state or ""))
  if data.job_id == job.id then heard[event.type] = true end
end

while core.now() < deadline do
  local conn = server:accept()
  if conn then handle(conn) end
  if heard["ugc.job.state.failed"] then break end
  if heard["ugc.job.state.running"] and heard["ugc.job.state.completed"] then break end
end
server:close()

-- what did the forger get?
forger:settimeout(1)
local answer = forger:receive("*l")
forger:close()
print(("forged delivery answered: %s"):format(answer or "nothing"))

ugc:close()
if heard["ugc.job.state.running"] and heard["ugc.job.state.completed"] and refused == 1 then
  print("done: both events verified, the forgery refused")
  os.exit(0)
end
io.stderr:write(("webhook_receiver: %s\n"):format(heard["ugc.job.state.failed"] and "the job failed"
  or "timed out before the job's events arrived"))
os.exit(1)
