#!/usr/bin/env lua5.4
--[[ errors.lua: every kind of failure, provoked for real, and what a careful script does about it.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=http://127.0.0.1:8917/graphql \
    lua5.4 examples/errors.lua

Two kinds of failure, two behaviours:
  - a mistake in the calling code (a missing or mistyped argument) raises at
    once: fix the code; pcall only where input comes from outside;
  - a runtime failure (server, network, transfer) returns nil, err: branch on
    err.kind. handle(err) below is the decision table.

Most failures are provoked against the sandbox through its /_sandbox/ test
controls (faults, clock), so this needs the sandbox: it moves the sandbox clock
15 minutes forward (to expire a URL) and clears the faults it queued.
Exits 1 if a failure arrives with a kind other than the one expected.
]]
local moveugc = require "moveugc"
local http = require "socket.http"
local ltn12 = require "ltn12"
local socket = require "socket"

local ENDPOINT = os.getenv("MOVE_UGC_ENDPOINT_URL") or moveugc.DEFAULT_ENDPOINT
local SANDBOX = ENDPOINT:gsub("/graphql$", "")

-- What to do about a runtime failure: one line per kind.
local function handle(err)
  local kind = err.kind
  if kind == "auth" then
    return "re-authenticate: the key is missing, wrong or revoked; retrying cannot help"
  elseif kind == "not_found" then
    return "drop the id: it does not exist, or belongs to another account"
  elseif kind == "validation" then
    return "fix the input (err.message says what); the same call fails the same way"
  elseif kind == "rate_limited" then
    return ("slow down, retry after %s s"):format(err.retry_after or "a few")
  elseif kind == "server" or kind == "network" or kind == "timeout" then
    if err.retryable then
      local n = err.attempts or 1
      return ("transient: retry later with backoff (the SDK tried %d time%s)"):format(n, n == 1 and "" or "s")
    end
    return "a write may have happened: look (list/retrieve) before doing it again"
  elseif kind == "tls" then
    return "fix the endpoint or ca_file: a certificate problem does not go away by retrying"
  elseif kind == "protocol" then
    return "not the API answering (a proxy? a wrong endpoint?): check MOVE_UGC_ENDPOINT_URL"
  elseif kind == "expired" then
    return "fetch a fresh presigned URL (files.retrieve) and transfer again"
  elseif kind == "integrity" then
    return "the bytes arrived damaged: transfer again"
  elseif kind == "cancelled" then
    return "stopped on purpose (on_progress returned false): nothing to do"
  elseif kind == "signature" then
    return "answer 400 and ignore the delivery: it is not from MoveUGC"
  end
  return "a bug (kind " .. tostring(kind) .. "): report it with tostring(err)"
end

-- ==== the sandbox's test controls =======================================

local function control(method, path, body)
  local out = {}
  local _, code = http.request{
    url = SANDBOX .. path, method = method, sink = ltn12.sink.table(out),
    headers = body and { ["content-type"] = "application/json", ["content-length"] = #body } or nil,
    source = body and ltn12.source.string(body) or nil,
  }
  return code == 200, table.concat(out)
end
local function fault(json) assert(control("POST", "/_sandbox/faults", json)) end
local function clear_faults() control("DELETE", "/_sandbox/faults") end

if not control("GET", "/_sandbox/stats") then
  io.stderr:write("errors.lua needs the sandbox: no /_sandbox/ controls at ", SANDBOX, "\n")
  os.exit(1)
end

-- ==== fixtures ==========================================================

local ugc = moveugc.new{}
local quick = moveugc.new{ max_retries = 1 } -- fewer retries, so the faults show sooner

local video = os.tmpname()
do
  local f = assert(io.open(video, "wb"))
  f:write(("not really a video\n"):rep(20000))
  f:close()
end
local file = assert(ugc.files.upload_path{ path = video, file_type = "mp4" })
local take = assert(ugc.takes.create_singlecam{
  sources = { { device_label = "cam", file_id = file.id, format = "mp4" } } })

local function free_port() -- a loopback port where nothing listens
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return port
end

-- ==== 1. caller mistakes raise ==========================================

print("1. mistakes in the calling code raise (a string naming the function and argument):")
for _, call in ipairs{
  function() return ugc.jobs.list{ limit = 0 } end,
  function() return ugc.jobs.create{ name = "no take" } end,
  function() return ugc.jobs.retrieve{ id = "job-1", expand = { "nope" } } end,
  function() return moveugc.new{ timeout = "10" } end,
} do
  local ok, msg = pcall(call)
  print(("   %s  %s"):format(ok and "(did not raise!)" or "raised", tostring(msg)))
end
-- an iterator has no second return value: a runtime failure inside a loop raises the err table
local ok, err = pcall(function()
  for _ in ugc.jobs.each{ next_token = "not-a-cursor" } do end
end)
print(("   %s  an error table from jobs.each, kind %s"):format(ok and "(did not raise!)" or "raised",
  type(err) == "table" and err.kind or "?"))

-- ==== 2. runtime failures return nil, err ===============================

local cases = {
  { "auth", "an unknown API key", function()
    return moveugc.new{ api_key = "not-a-real-key-0123456789" }.client.retrieve()
  end },
  { "not_found", "an id that does not exist", function()
    return ugc.jobs.retrieve("job-00000000-0000-4000-8000-000000000000")
  end },
  { "validation", "a multicam job on a single-camera take", function()
    return ugc.jobs.create_multicam{ take_id = take.id, number_of_actors = 2 }
  end },
  { "rate_limited", "429 with Retry-After: 1, twice", function()
    fault('{"target":"graphql","count":2,"status":429,"headers":{"Retry-After":"1"}}')
    return quick.client.retrieve()
  end },
  { "server", "503, twice", function()
    fault('{"target":"graphql","count":2,"status":503}')
    return quick.client.retrieve()
  end },
  { "server", "a load balancer's HTML 502 page, for a mutation", function()
    fault('{"target":"graphql","count":1,"html":true}')
    return quick.jobs.create{ take_id = take.id } -- a mutation is never sent twice
  end },
  { "protocol", "a 200 whose body is not JSON", function()
    fault('{"target":"graphql","count":1,"body":"<not json>"}')
    return quick.client.retrieve()
  end },
  { "network", "nothing listening", function()
    return moveugc.new{ endpoint = ("http://127.0.0.1:%d/graphql"):format(free_port()), max_retries = 0 }
      .client.retrieve()
  end },
  { "network", "a response cut off halfway", function()
    fault('{"target":"graphql","count":2,"truncate":true}')
    return quick.client.retrieve()
  end },
  { "timeout", "an answer slower than the client's 0.5 s timeout", function()
    fault('{"target":"graphql","count":1,"delay_ms":1500}')
    return moveugc.new{ timeout = 0.5, max_retries = 0 }.client.retrieve()
  end },
  { "tls", "https:// to a server that speaks plain HTTP", function()
    return moveugc.new{ endpoint = ENDPOINT:gsub("^http:", "https:"), max_retries = 0 }.client.retrieve()
  end },
  { "integrity", "an upload answered with the wrong ETag", function()
    fault('{"target":"upload","count":1,"etag":"\\"00000000000000000000000000000000\\""}')
    return ugc.files.upload_path{ path = video, file_type = "mp4" }
  end },
  { "cancelled", "a download whose on_progress returns false", function()
    -- half the bytes, then a pause: the transfer is caught in the middle
    fault('{"target":"download","count":1,"stall_ms":500}')
    local dest = os.tmpname()
    os.remove(dest)
    return ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = dest,
      on_progress = function() return false end }
  end },
  { "expired", "an upload URL used after its 15 minutes", function()
    local f = assert(ugc.files.create{ file_type = "mp4" })
    assert(control("POST", "/_sandbox/clock", '{"advance_seconds":901}'))
    local done, e = ugc.files.upload{ file = f.presigned_url, path = video }
    if e and e.kind == "expired" then -- the recovery handle() suggests
      local fresh = assert(ugc.files.retrieve(f.id))
      assert(ugc.files.upload{ file = fresh.presigned_url, path = video })
      e.message = e.message .. "; a fresh URL from files.retrieve worked"
    end
    return done, e
  end },
  { "signature", "a webhook delivery signed with another secret", function()
    local body = '{"type":"ugc.job.state.completed"}'
    local now = tostring(os.time())
    local sig = moveugc.webhook_signature.sign{ secret = "whsec_" .. ("QUJD"):rep(8), id = "msg_1", timestamp = now,
      body = body }
    return moveugc.webhook_signature.verify{ secret = "whsec_" .. ("WFla"):rep(8), body = body,
      headers = { ["svix-id"] = "msg_1", ["svix-timestamp"] = now, ["svix-signature"] = sig } }
  end },
}

print("\n2. runtime failures return nil, err: branch on err.kind")
local wrong = 0
for _, case in ipairs(cases) do
  local want, what, provoke = case[1], case[2], case[3]
  local result, e = provoke()
  clear_faults() -- whatever happened, leave no fault behind for the next case
  if result ~= nil then
    wrong = wrong + 1
    print(("   %-12s %s: succeeded?!"):format(want, what))
  else
    if e.kind ~= want then wrong = wrong + 1 end
    print(("   %-12s %s%s\n   %-12s -> %s\n   %-12s    %s"):format(e.kind, what,
      e.kind ~= want and (" (expected " .. want .. ")") or "", "", handle(e), "", tostring(e)))
  end
end
print("   internal     (a failure inside the SDK itself: not provoked here)")
print(("   %-12s -> %s"):format("", handle{ kind = "internal" }))

os.remove(video)
ugc:close()
quick:close()
if wrong > 0 then
  io.stderr:write(("errors.lua: %d case(s) did not fail the way expected\n"):format(wrong))
  os.exit(1)
end
