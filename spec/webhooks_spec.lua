-- moveugc.webhook_signature (verify, sign: no client) and ugc.webhooks (endpoints).
local helper = require "helper"
local moveugc = require "moveugc"
local socket = require "socket"

local webhooks = moveugc.webhook_signature

-- The vector Svix publishes (quoted in API-NOTES.md).
local SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
local ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
local TS = "1614265330"
local BODY = '{"test": 2432232314}'
local SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
local NOW = 1614265330

local function svix(sig, id, ts)
  return { ["svix-id"] = id or ID, ["svix-timestamp"] = ts or TS, ["svix-signature"] = sig or SIG }
end

describe("moveugc.webhook_signature", function()
  it("is still reachable under its deprecated name, moveugc.webhooks", function()
    assert.are.equal(moveugc.webhook_signature, moveugc.webhooks)
    assert.are.equal(SIG, moveugc.webhooks.sign{ secret = SECRET, id = ID, timestamp = TS, body = BODY })
  end)

  describe("sign", function()
    it("reproduces the published test vector", function()
      assert.are.equal(SIG, webhooks.sign{ secret = SECRET, id = ID, timestamp = TS, body = BODY })
      assert.are.equal(SIG, webhooks.sign{ secret = SECRET, id = ID, timestamp = NOW, body = BODY })
      -- the prefix is optional for the key itself
      assert.are.equal(SIG, webhooks.sign{ secret = SECRET:sub(7), id = ID, timestamp = TS, body = BODY })
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() webhooks.sign{ id = ID, timestamp = TS, body = BODY } end,
        "webhooks.sign: missing required argument 'secret'")
      assert.has_error(function() webhooks.sign{ secret = SECRET, id = ID, timestamp = 1.5, body = BODY } end,
        "webhooks.sign: bad argument 'timestamp' (non-negative integer expected, got 1.5)")
      assert.has_error(function() webhooks.sign{ secret = "whsec_!!", id = ID, timestamp = TS, body = BODY } end,
        "webhooks.sign: bad argument 'secret' ('whsec_' followed by base64 expected)")
      assert.has_error(function() webhooks.sign{ secret = SECRET, id = ID, timestamp = TS } end,
        "webhooks.sign: missing required argument 'body'")
    end)
  end)

  describe("verify", function()
    it("accepts the published test vector and decodes the body", function()
      local event, err = webhooks.verify{ secret = SECRET, headers = svix(), body = BODY, now = NOW }
      assert.is_nil(err)
      assert.are.equal(2432232314, event.test)
    end)
    it("uses a 5-minute tolerance both ways by default", function()
      assert.is_table(webhooks.verify{ secret = SECRET, headers = svix(), body = BODY, now = NOW + 300 })
      assert.is_table(webhooks.verify{ secret = SECRET, headers = svix(), body = BODY, now = NOW - 300 })
      assert.is_nil(webhooks.verify{ secret = SECRET, headers = svix(), body = BODY, now = NOW + 301 })
      assert.is_nil(webhooks.verify{ secret = SECRET, headers = svix(), body = BODY, now = NOW - 301 })
      assert.is_table(webhooks.verify{ secret = SECRET, headers = svix(), body = BODY, now = NOW + 3000,
        tolerance = 3600 })
    end)

    local many = "v1,bm90IHRoaXMgb25l v2," .. SIG:sub(4) .. " " .. SIG .. " v1a,xyz"
    local accepted = {
      { "mixed-case header names", { ["Svix-Id"] = ID, ["SVIX-TIMESTAMP"] = TS, ["svix-Signature"] = SIG } },
      { "webhook-* fallback", { ["webhook-id"] = ID, ["Webhook-Timestamp"] = TS, ["webhook-signature"] = SIG } },
      { "svix-* preferred over webhook-*", { ["svix-id"] = ID, ["svix-timestamp"] = TS, ["svix-signature"] = SIG,
        ["webhook-id"] = "msg_other", ["webhook-signature"] = "v1,bm9wZQ==" } },
      { "several signatures, one valid", svix(many) },
      { "extra spaces between entries", svix("  v2,abc   " .. SIG .. "  ") },
    }
    for _, case in ipairs(accepted) do
      it("accepts " .. case[1], function()
        local event, err = webhooks.verify{ secret = SECRET, headers = case[2], body = BODY, now = NOW }
        assert.is_nil(err)
        assert.are.equal(2432232314, event.test)
      end)
    end

    local rejected = {
      { "only v2 entries", {}, "no_match", "no matching signature", { headers = svix("v2," .. SIG:sub(4)) } },
      { "a signature without a version", {}, "no_match", nil, { headers = svix(SIG:sub(4)) } },
      { "a tampered body", {}, "no_match", nil, { body = '{"test": 2432232315}' } },
      { "a wrong secret", {}, "no_match", nil, { secret = "whsec_" .. ("A"):rep(32) } },
      { "a wrong id", {}, "no_match", nil, { headers = svix(nil, "msg_other") } },
      { "a stale timestamp", {}, "timestamp_too_old", "timestamp too old", { now = NOW + 301 } },
      { "a future timestamp", {}, "timestamp_in_future", "timestamp in the future", { now = NOW - 301 } },
      { "a non-numeric timestamp", {}, "bad_timestamp", "not Unix seconds",
        { headers = svix(nil, nil, "16142x5330") } },
      { "a negative timestamp", {}, "bad_timestamp", nil, { headers = svix(nil, nil, "-1614265330") } },
      { "a timestamp in milliseconds far away", {}, "timestamp_in_future", nil,
        { headers = svix(nil, nil, TS .. "000") } },
      { "a malformed base64 secret", {}, "bad_secret", "bad secret", { secret = "whsec_not*base64" } },
      { "a secret with nothing after whsec_", {}, "bad_secret", nil, { secret = "whsec_" } },
      { "a secret with a lone trailing character", {}, "bad_secret", nil, { secret = SECRET .. "A" } },
      { "a missing svix-id", { id = true }, "missing_header", "missing header 'svix-id' (or 'webhook-id')", {} },
      { "a missing svix-timestamp", { ts = true }, "missing_header", "missing header 'svix-timestamp'", {} },
      { "a missing svix-signature", { sig = true }, "missing_header", "missing header 'svix-signature'", {} },
      { "an empty signature header", {}, "missing_header", nil, { headers = svix("") } },
    }
    for _, case in ipairs(rejected) do
      local name, drop, reason, message, over = case[1], case[2], case[3], case[4], case[5]
      it("rejects " .. name, function()
        local a = { secret = SECRET, headers = svix(), body = BODY, now = NOW }
        for k, v in pairs(over) do a[k] = v end
        if drop.id then a.headers["svix-id"] = nil end
        if drop.ts then a.headers["svix-timestamp"] = nil end
        if drop.sig then a.headers["svix-signature"] = nil end
        local event, err = webhooks.verify(a)
        assert.is_nil(event)
        assert.are.equal("signature", err.kind)
        assert.are.equal(reason, err.reason)
        assert.is_false(err.retryable)
        assert.is_true(moveugc.errors.is(err))
        if message then assert.matches(message, err.message, 1, true) end
        assert.matches("^moveugc: signature error in webhooks.verify: ", tostring(err))
      end)
    end

    it("checks the signature against the raw bytes, not a re-encoding", function()
      local body = '{ "type":"x",  "data": {"a": 1.50} }\n'
      local sig = webhooks.sign{ secret = SECRET, id = ID, timestamp = TS, body = body }
      local event = assert(webhooks.verify{ secret = SECRET, headers = svix(sig), body = body, now = NOW })
      assert.are.equal(1.5, event.data.a)
    end)
    it("returns a protocol error for a signed body that is not a JSON object", function()
      for _, body in ipairs{ "not json", "", "42" } do
        local sig = webhooks.sign{ secret = SECRET, id = ID, timestamp = TS, body = body }
        local event, err = webhooks.verify{ secret = SECRET, headers = svix(sig), body = body, now = NOW }
        assert.is_nil(event)
        assert.are.equal("protocol", err.kind)
      end
    end)
    it("decodes null as nil and keeps the sender's key names", function()
      local body = '{"type":"ugc.job.state.completed","data":{"jobId":null,"percentage_complete":100}}'
      local sig = webhooks.sign{ secret = SECRET, id = ID, timestamp = TS, body = body }
      local event = assert(webhooks.verify{ secret = SECRET, headers = svix(sig), body = body, now = NOW })
      assert.is_nil(event.data.jobId)
      assert.are.equal(100, event.data.percentage_complete)
    end)
    it("defaults now to the current time", function()
      local ts = tostring(os.time())
      local sig = webhooks.sign{ secret = SECRET, id = ID, timestamp = ts, body = BODY }
      assert.is_table(webhooks.verify{ secret = SECRET, headers = svix(sig, nil, ts), body = BODY })
      assert.is_nil(webhooks.verify{ secret = SECRET, headers = svix(), body = BODY }) -- 2021
    end)
    it("raises on caller mistakes, naming the argument", function()
      local h = svix()
      assert.has_error(function() webhooks.verify{ headers = h, body = BODY } end,
        "webhooks.verify: missing required argument 'secret'")
      assert.has_error(function() webhooks.verify{ secret = SECRET, body = BODY } end,
        "webhooks.verify: missing required argument 'headers'")
      assert.has_error(function() webhooks.verify{ secret = SECRET, headers = h } end,
        "webhooks.verify: missing required argument 'body'")
      assert.has_error(function() webhooks.verify{ secret = 1, headers = h, body = BODY } end,
        "webhooks.verify: bad argument 'secret' (string expected, got number)")
      assert.has_error(function() webhooks.verify{ secret = SECRET, headers = "x", body = BODY } end,
        "webhooks.verify: bad argument 'headers' (table expected, got string)")
      assert.has_error(function() webhooks.verify{ secret = SECRET, headers = h, body = {} } end,
        "webhooks.verify: bad argument 'body' (string expected, got table)")
      assert.has_error(function() webhooks.verify{ secret = SECRET, headers = h, body = BODY, tolerance = -1 } end)
      assert.has_error(function() webhooks.verify{ secret = SECRET, headers = h, body = BODY, now = "x" } end)
      assert.has_error(function() webhooks.verify{ secret = SECRET, headers = h, body = BODY, tolerence = 1 } end)
      assert.has_error(function()
        webhooks.verify{ secret = SECRET, headers = { ["svix-id"] = { ID } }, body = BODY }
      end, "webhooks.verify: bad argument 'headers' (header 'svix-id' must be a string, got table)")
      assert.has_error(function() webhooks.verify("x") end)
    end)
    it("signs the exact bytes: a NUL inside the id, timestamp or body is not the end", function()
      local base = webhooks.sign{ secret = SECRET, id = "msg_1", timestamp = TS, body = BODY }
      local cut = "msg_1\0anything"
      assert.are_not.equal(base, webhooks.sign{ secret = SECRET, id = cut, timestamp = TS, body = BODY })
      assert.are_not.equal(base, webhooks.sign{ secret = SECRET, id = "msg_1", timestamp = TS .. "\0",
        body = BODY })
      assert.are_not.equal(base, webhooks.sign{ secret = SECRET, id = "msg_1", timestamp = TS,
        body = BODY .. "\0" })
      -- msg_1's signature does not pass for an id that only starts with msg_1 and a NUL
      local event, err = webhooks.verify{ secret = SECRET, headers = svix(base, cut), body = BODY, now = NOW }
      assert.is_nil(event)
      assert.are.equal("no_match", err.reason)
      -- while the id's own signature does, NUL and all
      local own = webhooks.sign{ secret = SECRET, id = cut, timestamp = TS, body = BODY }
      assert.is_table(webhooks.verify{ secret = SECRET, headers = svix(own, cut), body = BODY, now = NOW })
      assert.is_nil((webhooks.verify{ secret = SECRET, headers = svix(own), body = BODY, now = NOW }))
      -- a signature header cut by a NUL does not match either
      assert.is_nil((webhooks.verify{ secret = SECRET, headers = svix(SIG .. "\0junk"), body = BODY, now = NOW }))
      assert.is_table(webhooks.verify{ secret = SECRET, headers = svix(SIG .. " v1,\0junk"), body = BODY,
        now = NOW })
    end)
    it("raises a clear error for a now or tolerance that is not a finite number", function()
      local h = svix()
      for _, key in ipairs{ "now", "tolerance" } do
        for _, bad in ipairs{ math.huge, -math.huge, 0 / 0 } do
          local a = { secret = SECRET, headers = h, body = BODY, now = NOW }
          a[key] = bad
          local ok, err = pcall(webhooks.verify, a)
          assert.is_false(ok)
          assert.matches("^webhooks%.verify: bad argument '" .. key .. "' %(must be a finite number, got ",
            err)
        end
      end
      -- finite but far: a plain signature error, no format error
      for _, now in ipairs{ 1e300, -1e300, 2 ^ 63 } do
        local event, err = webhooks.verify{ secret = SECRET, headers = h, body = BODY, now = now }
        assert.is_nil(event)
        assert.are.equal("signature", err.kind)
        assert.matches("^timestamp_", err.reason)
      end
      assert.is_table(webhooks.verify{ secret = SECRET, headers = h, body = BODY, now = NOW, tolerance = 1e300 })
    end)
    it("raises a clear error for a sign timestamp that is not a finite integer", function()
      for _, bad in ipairs{ math.huge, -math.huge, 0 / 0 } do
        local ok, err = pcall(webhooks.sign, { secret = SECRET, id = ID, timestamp = bad, body = BODY })
        assert.is_false(ok)
        assert.matches("^webhooks%.sign: bad argument 'timestamp' %(must be a finite number, got ", err)
      end
      assert.has_error(function() webhooks.sign{ secret = SECRET, id = ID, timestamp = 2 ^ 60, body = BODY } end,
        "webhooks.sign: bad argument 'timestamp' (must be below 2^53, got " .. tostring(2 ^ 60) .. ")")
      assert.has_error(function() webhooks.sign{ secret = SECRET, id = ID, timestamp = -1, body = BODY } end,
        "webhooks.sign: bad argument 'timestamp' (non-negative integer expected, got -1)")
      assert.are.equal(SIG, webhooks.sign{ secret = SECRET, id = ID, timestamp = NOW + 0.0, body = BODY })
    end)
    it("is not a client method", function()
      local sb = helper.sandbox()
      local ugc = helper.client(sb)
      assert.is_nil(ugc.webhooks.verify)
      assert.is_nil(ugc.webhooks.sign)
      assert.is_function(ugc.webhooks.upsert)
      ugc:close()
      sb.stop()
    end)
  end)
end)

-- Reads one HTTP request from a LuaSocket connection; returns headers, body.
local function read_request(conn)
  local line = assert(conn:receive("*l"))
  assert.matches("^POST /hook HTTP/1%.1$", line)
  local headers = {}
  while true do
    local h = assert(conn:receive("*l"))
    if h == "" then break end
    local k, v = h:match("^([^:]+):%s*(.-)%s*$")
    headers[k] = v -- names exactly as sent: verify must not care about case
  end
  local len
  for k, v in pairs(headers) do
    if k:lower() == "content-length" then len = tonumber(v) end
  end
  local body = assert(conn:receive(len))
  return headers, body
end

describe("ugc.webhooks", function()
  local sb, ugc

  setup(function()
    sb = helper.sandbox("--job-seconds 1")
    ugc = helper.client(sb)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)

  describe("upsert", function()
    it("returns the secret on creation only", function()
      local ep = assert(ugc.webhooks.upsert{
        uid = "main", url = "http://127.0.0.1:9/hook", events = { "ugc.job.state.completed" },
        description = "first", metadata = { team = "mocap", n = 3 },
      })
      assert.are.equal("main", ep.uid)
      assert.are.equal("http://127.0.0.1:9/hook", ep.url)
      assert.are.same({ "ugc.job.state.completed" }, ep.events)
      assert.are.equal("first", ep.description)
      assert.are.same({ team = "mocap", n = 3 }, ep.metadata)
      assert.matches("^whsec_[%w+/]+=*$", ep.secret)

      local again = assert(ugc.webhooks:upsert{
        uid = "main", url = "http://127.0.0.1:9/other",
        events = { "ugc.job.state.completed", "ugc.job.state.failed" },
      })
      assert.is_nil(again.secret)
      assert.are.equal("http://127.0.0.1:9/other", again.url)
      assert.are.same({ "ugc.job.state.completed", "ugc.job.state.failed" }, again.events)
    end)
    it("keeps a secret the caller chose", function()
      local ep = assert(ugc.webhooks.upsert{ uid = "mine", url = "http://localhost:9/", events = { "*" },
        secret = SECRET })
      assert.are.equal(SECRET, ep.secret)
    end)
    it("returns the server's validation error for a refused URL", function()
      local ep, err = ugc.webhooks.upsert{ uid = "far", url = "http://example.com/hook", events = { "*" } }
      assert.is_nil(ep)
      assert.are.equal("validation", err.kind)
      assert.are.equal("UpsertWebhookEndpoint", err.operation)
    end)
    it("raises on caller mistakes", function()
      local url = "http://127.0.0.1:9/"
      assert.has_error(function() ugc.webhooks.upsert{ url = url, events = { "*" } } end,
        "webhooks.upsert: missing required argument 'uid'")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", events = { "*" } } end,
        "webhooks.upsert: missing required argument 'url'")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url } end,
        "webhooks.upsert: missing required argument 'events'")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url, events = {} } end,
        "webhooks.upsert: bad argument 'events' (must name at least one event)")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url, events = { 1 } } end,
        "webhooks.upsert: bad argument 'events' (item 1 must be a non-empty string)")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url, events = { a = "b" } } end,
        "webhooks.upsert: bad argument 'events' (must be a list)")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url, events = "*" } end)
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url, events = { "*" }, secret = "abc" } end,
        "webhooks.upsert: bad argument 'secret' ('whsec_' followed by base64 expected)")
      assert.has_error(function() ugc.webhooks.upsert{ uid = "x", url = url, events = { "*" }, evnts = 1 } end)
    end)
  end)

  it("delivers a signed event that moveugc.webhook_signature.verify accepts", function()
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, port = server:getsockname()
    server:settimeout(15)
    local ep = assert(ugc.webhooks.upsert{ uid = "receiver", url = ("http://127.0.0.1:%d/hook"):format(port),
      events = { "ugc.job.state.completed" } })
    local take = helper.take(ugc)
    local job = assert(ugc.jobs.create{ take_id = take.id })
    helper.advance(sb, 5)

    local conn = assert(server:accept())
    conn:settimeout(10)
    local headers, body = read_request(conn)
    assert(conn:send("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
    conn:close()
    server:close()

    local event, err = webhooks.verify{ secret = ep.secret, headers = headers, body = body }
    assert.is_nil(err)
    assert.are.equal("ugc.job.state.completed", event.type)
    assert.are.equal(job.id, event.data.job_id)
    assert.are.equal(take.id, event.data.take_id)
    assert.are.equal("FINISHED", event.data.state)
    assert.are.equal(100, event.data.percentage_complete)
    assert.is_string(event.timestamp)

    -- the same delivery with another secret, or a byte changed, is refused
    local _, bad = webhooks.verify{ secret = SECRET, headers = headers, body = body }
    assert.are.equal("no_match", bad.reason)
    _, bad = webhooks.verify{ secret = ep.secret, headers = headers, body = body .. " " }
    assert.are.equal("no_match", bad.reason)

    -- the sandbox records the 2xx once it has read our response: poll briefly
    local state
    for _ = 1, 100 do
      for _, d in ipairs(helper.control(sb, "GET", "/_sandbox/webhooks").deliveries) do
        if d.endpoint == "receiver" then state = d.state end
      end
      if state == "delivered" then break end
      helper.sleep(0.05)
    end
    assert.are.equal("delivered", state)
  end)
end)
