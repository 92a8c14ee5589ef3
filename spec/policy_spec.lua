-- One retry policy (moveugc.policy) for posts and transfers, and the seam it
-- reads: what the C engine reports for one exchange (binding/lresult.c).
local helper = require "helper"
local policy = require "moveugc.policy"
local core = require "moveugc.core"

describe("moveugc.policy", function()
  describe("delay", function()
    it("doubles from 0.5 s to 8 s with equal jitter", function()
      assert.are.equal(0.25, policy.delay(1, nil, 0))
      assert.are.equal(0.375, policy.delay(1, nil, 0.5))
      assert.are.equal(0.5, policy.delay(2, nil, 0))
      assert.are.equal(1, policy.delay(3, nil, 0))
      assert.are.equal(4, policy.delay(5, nil, 0))
      for attempt = 5, 40 do
        assert.are.equal(4, policy.delay(attempt, nil, 0))
        assert.is_true(policy.delay(attempt, nil, 0.999) < 8)
      end
      for _ = 1, 200 do -- within [d/2, d) for any random number
        local r = math.random()
        local d = policy.delay(2, nil, r)
        assert.is_true(d >= 0.5 and d < 1, tostring(d))
      end
    end)
    it("waits what Retry-After asks, and not at all beyond two minutes", function()
      assert.are.equal(7, policy.delay(3, 7, 0.3))
      assert.are.equal(0, policy.delay(1, 0, 0.3))
      assert.are.equal(120, policy.delay(1, 120, 0.3))
      assert.is_nil(policy.delay(1, 121, 0.3))
    end)
  end)

  describe("retryable", function()
    it("after a transport failure: only what cannot run twice, or never left", function()
      local function r(kind, mutation, reached)
        return policy.failure_retryable({ kind = kind, reached = reached }, mutation)
      end
      assert.is_true(r("network", false, true))
      assert.is_true(r("timeout", false, true))
      assert.is_true(r("network", true, false)) -- a mutation that never left
      assert.is_false(r("network", true, true)) -- it may have run
      assert.is_false(r("timeout", true, true))
      assert.is_true(r("tls", true, false))
      assert.is_false(r("tls", false, true))
      for _, kind in ipairs{ "certificate", "too_large", "protocol", "file", "cancelled", "unsupported",
        "internal" } do
        assert.is_false(r(kind, false, false), kind)
      end
    end)
    it("after an answer: throttling always, 5xx and 408 for queries, a 2xx's errors never", function()
      assert.is_true(policy.retryable("rate_limited", true))
      assert.is_true(policy.retryable("rate_limited", false, true))
      assert.is_true(policy.retryable("server", false))
      assert.is_false(policy.retryable("server", true))
      assert.is_true(policy.retryable("timeout", false))
      assert.is_false(policy.retryable("server", false, true)) -- a resolver's considered reply
      for _, kind in ipairs{ "auth", "not_found", "validation", "protocol", "expired" } do
        assert.is_false(policy.retryable(kind, false), kind)
      end
    end)
  end)

  describe("kinds", function()
    it("names transport failures, GraphQL errors and statuses of both services", function()
      assert.are.equal("tls", policy.failure_kind{ kind = "certificate" })
      assert.are.equal("protocol", policy.failure_kind{ kind = "too_large" })
      assert.are.equal("network", policy.failure_kind{ kind = "network" })
      assert.are.same({ "rate_limited", "ThrottlingException" },
        { policy.graphql_kind{ errorType = "ThrottlingException" } })
      assert.are.same({ "server", "Lambda:Unhandled" }, { policy.graphql_kind{ errorType = "Lambda:Unhandled" } })
      assert.are.equal("validation", policy.graphql_kind{ message = "Validation error of type X" })
      assert.are.equal("server", policy.graphql_kind(nil))
      assert.are.equal("auth", policy.status_kind(401))
      assert.are.equal("rate_limited", policy.status_kind(429))
      assert.are.equal("server", policy.status_kind(503))
      assert.are.equal("expired", policy.s3_kind(403, "AccessDenied", "Request has expired"))
      assert.are.equal("auth", policy.s3_kind(403, "AccessDenied", "Access Denied"))
      assert.are.equal("rate_limited", policy.s3_kind(503, "SlowDown"))
      assert.are.equal("server", policy.s3_kind(500, "InternalError"))
    end)
  end)
end)

describe("the policy at work", function()
  local sb, ugc, dir
  setup(function()
    sb = helper.sandbox("--url-seconds 600")
    ugc = helper.client(sb)
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
    os.execute("rm -rf " .. dir)
  end)
  before_each(function() helper.reset(sb) end)

  describe("the seam", function()
    it("gives status, doc, meta for an answer and nil, failure for none", function()
      local prefix = require("moveugc.documents").prefix("{ client { id } }")
      local status, doc, meta = ugc._session:post(prefix, nil, false, false, true)
      assert.are.equal(200, status)
      assert.is_string(doc.data.client.id)
      assert.are.equal(1, meta.sends)
      assert.is_string(meta.request_id)
      assert.is_number(meta.ms)
      assert.is_nil(meta.retry_after)
      helper.fault(sb, { target = "graphql", count = 1, status = 503, body = "<oops>",
        headers = { ["Retry-After"] = "3" } })
      status, doc, meta = ugc._session:post(prefix, nil, false, false, true)
      assert.are.equal(503, status) -- sent once: retrying is Lua's
      assert.is_nil(doc)
      assert.are.equal(3, meta.retry_after)
      assert.is_string(meta.problem)
      assert.are.equal("<oops>", meta.snippet)
      local s = core.session{ endpoint = "http://127.0.0.1:1/graphql", api_key = helper.KEY, user_agent = "ua" }
      local none, failure = s:post(prefix, nil, true, false, true)
      assert.is_nil(none)
      assert.are.equal("network", failure.kind)
      assert.is_false(failure.reached)
      assert.are.equal(1, failure.sends)
      assert.is_string(failure.message)
      s:close()
    end)
    it("gives status, meta for a transfer's answer", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local src = dir .. "/seam.mp4"
      helper.write_file(src, ("x"):rep(1000))
      helper.fault(sb, { target = "upload", count = 1, status = 503, headers = { ["Retry-After"] = "2" } })
      local status, meta = ugc._session:upload(file.presigned_url, src)
      assert.are.equal(503, status)
      assert.are.equal(2, meta.retry_after)
      assert.matches("<Code>SlowDown</Code>", meta.error_body)
      status, meta = ugc._session:upload(file.presigned_url, src)
      assert.are.equal(200, status)
      assert.are.equal(1000, meta.bytes)
      assert.are.equal(meta.md5, meta.etag)
    end)
  end)

  it("waits for S3's Retry-After before sending an upload again", function()
    local file = assert(ugc.files.create{ file_type = "mp4" })
    local src = dir .. "/later.mp4"
    helper.write_file(src, ("y"):rep(5000))
    helper.fault(sb, { target = "upload", count = 1, status = 503, headers = { ["Retry-After"] = "1" } })
    local t0 = core.now()
    assert.are.equal(file, ugc.files.upload{ file = file, path = src })
    assert.is_true(core.now() - t0 >= 0.95, "waited only " .. (core.now() - t0) .. " s")
    assert.are.equal(2, helper.stats(sb).requests.upload)
  end)

  it("waits for S3's Retry-After inside a task too, without blocking", function()
    local file = assert(ugc.files.create{ file_type = "mp4" })
    local src = dir .. "/task.mp4"
    helper.write_file(src, ("z"):rep(5000))
    helper.fault(sb, { target = "download", count = 1, status = 503, headers = { ["Retry-After"] = "1" } })
    assert.are.equal(file, ugc.files.upload{ file = file, path = src })
    local got = assert(ugc.files.retrieve(file.id))
    local t0, steps = core.now(), 0
    local task = ugc:spawn(function()
      return ugc.files.download{ url = got.presigned_url, path = dir .. "/back.mp4" }
    end)
    while not task:done() do
      ugc:step(0.01)
      steps = steps + 1
    end
    assert(task:result())
    assert.is_true(core.now() - t0 >= 0.95)
    assert.is_true(steps >= 20, "the host got " .. steps .. " steps in a second") -- never blocked
    assert.are.equal("zzzzz", helper.read_file(dir .. "/back.mp4"):sub(1, 5))
  end)

  it("retries a query throttled inside a 200 answer, as its error says", function()
    helper.answer(sb, { operation = "client", count = 1, response = {
      errors = { { errorType = "ThrottlingException", message = "Rate exceeded" } } } })
    local events = {}
    local c = helper.client(sb, { log = function(e) events[#events + 1] = e end })
    assert(c.client.retrieve())
    assert.are.equal(2, events[1].attempts)
    c:close()
  end)

  it("does not retry a resolver's error inside a 200 answer", function()
    helper.answer(sb, { operation = "client", count = 1, response = {
      errors = { { errorType = "Lambda:Unhandled", message = "boom" } } } })
    local _, err = ugc.client.retrieve()
    assert.are.equal("server", err.kind)
    assert.is_false(err.retryable)
    assert.are.equal(1, err.attempts)
    assert.are.equal(1, helper.stats(sb).requests.graphql)
  end)
end)
