-- A call's own options (a table after its arguments: timeout, max_retries,
-- response, callback), the response of a call, and the log: one event per
-- HTTP exchange (GraphQL, upload, download) and MOVEUGC_LOG. Over HTTP,
-- against the sandbox.
local helper = require "helper"
local core = require "moveugc.core"

local MISSING = "job-00000000-0000-0000-0000-000000000000"

describe("call options", function()
  local sb, ugc, dir

  setup(function()
    sb = helper.sandbox("--job-seconds 0.3")
    ugc = helper.client(sb)
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
    os.execute("rm -rf " .. dir)
  end)

  local function sample(name, size) return helper.sample(dir, name, size) end

  describe("timeout", function()
    it("bounds each attempt of this call only", function()
      local c = helper.client(sb, { timeout = 30, max_retries = 0 })
      local take = helper.take(c)
      helper.fault(sb, { target = "graphql", count = 1, delay_ms = 3000 })
      local t0 = core.now()
      local got, err = c.takes.retrieve(take.id, { timeout = 0.3 })
      assert.is_nil(got)
      assert.are.equal("timeout", err.kind)
      assert.is_true(core.now() - t0 < 2.5, "took " .. (core.now() - t0) .. " s")
      -- the next call has the client's 30 s again: a 1 s delay is fine
      helper.fault(sb, { target = "graphql", count = 1, delay_ms = 1000 })
      assert.are.equal(take.id, assert(c.takes.retrieve(take.id)).id)
      c:close()
    end)
    it("is the stall time of a call's transfer", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      assert(ugc.files.upload{ file = file, path = sample("stall.mp4", 4000) })
      helper.fault(sb, { target = "download", count = 1, delay_ms = 4000 }) -- not a byte for 4 s
      local t0 = core.now()
      local done, err = ugc.files.download({ file = assert(ugc.files.retrieve(file.id)), path = dir .. "/stall.out" },
        { timeout = 1, max_retries = 0 })
      assert.is_nil(done)
      assert.are.equal("timeout", err.kind)
      assert.is_true(core.now() - t0 < 3.5, "took " .. (core.now() - t0) .. " s")
    end)
  end)

  describe("max_retries", function()
    it("overrides the client's for one call, either way", function()
      local c = helper.client(sb, { max_retries = 0 })
      helper.fault(sb, { target = "graphql", count = 2, status = 500 })
      local me, err, res = c.client.retrieve{ max_retries = 2, response = true }
      assert.is_nil(err)
      assert.matches("^client%-", me.id)
      assert.are.equal(3, res.attempts)
      helper.fault(sb, { target = "graphql", count = 1, status = 500 })
      me, err = c.client.retrieve() -- the client's own 0 again
      assert.is_nil(me)
      assert.are.equal(1, err.attempts)
      c:close()
      local patient = helper.client(sb, { max_retries = 3 })
      helper.fault(sb, { target = "graphql", count = 1, status = 503 })
      me, err = patient.client.retrieve{ max_retries = 0 }
      assert.is_nil(me)
      assert.are.equal("server", err.kind)
      assert.are.equal(1, err.attempts)
      patient:close()
    end)
  end)

  describe("response", function()
    it("gives status, request id and headers of a successful call", function()
      local take = helper.take(ugc)
      local got, err, res = ugc.takes.retrieve(take.id, { response = true })
      assert.is_nil(err)
      assert.are.equal(take.id, got.id)
      assert.are.equal("graphql", res.kind)
      assert.are.equal("GetTake", res.operation)
      assert.are.equal(200, res.status)
      assert.is_string(res.request_id)
      assert.are.equal(res.request_id, res.headers["x-amzn-requestid"])
      assert.matches("^application/json", res.headers["content-type"])
      assert.is_true(res.bytes > 0)
      assert.are.equal(1, res.attempts)
      assert.are.equal(1, res.exchanges)
      assert.is_number(res.ms)
      -- with the : form and with named arguments alike
      got, err, res = ugc.takes:retrieve({ id = take.id }, { response = true })
      assert.is_nil(err)
      assert.are.equal(take.id, got.id)
      assert.are.equal(200, res.status)
      -- and a plain call returns no response
      assert.is_nil(select(3, ugc.takes.retrieve(take.id)))
    end)
    it("is there when the call fails too", function()
      local got, err, res = ugc.jobs.retrieve(MISSING, { response = true })
      assert.is_nil(got)
      assert.are.equal("not_found", err.kind)
      assert.are.equal(err.request_id, res.request_id)
      assert.are.equal("GetJob", res.operation)
    end)
    it("tells of the last exchange of a call that makes several, and counts them", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local path = sample("resp.mp4", 5000)
      local got, err, res = ugc.files.upload({ file = file, path = path }, { response = true })
      assert.is_nil(err)
      assert.are.equal(file, got)
      assert.are.equal("upload", res.kind)
      assert.are.equal("files.upload", res.operation)
      assert.are.equal(200, res.status)
      assert.are.equal(5000, res.bytes)
      assert.is_string(res.request_id)
      local made
      made, err, res = ugc.files.upload_path({ path = path }, { response = true })
      assert.is_nil(err)
      assert.matches("^file%-", made.id)
      assert.are.equal(2, res.exchanges) -- createFile, then the PUT
      assert.are.equal("upload", res.kind)
      local job = assert(ugc.jobs.create{ take_id = helper.take(ugc).id })
      got, err, res = ugc.jobs.wait({ id = job.id, interval = 0.1 }, { response = true })
      assert.is_nil(err)
      assert.are.equal("FINISHED", got.progress.state)
      assert.is_true(res.exchanges >= 2)
      assert.are.equal("GetJob", res.operation)
    end)
    it("comes from a task too, and to a callback", function()
      local take = helper.take(ugc)
      local t = ugc:spawn(function() return ugc.takes.retrieve(take.id, { response = true }) end)
      local got, err, res = t:wait()
      assert.is_nil(err)
      assert.are.equal(take.id, got.id)
      assert.are.equal(200, res.status)
      local seen
      local task = ugc.takes.retrieve(take.id, { response = true, callback = function(tk, e, r)
        seen = { tk = tk, e = e, r = r }
      end })
      task:wait()
      assert.are.equal(take.id, seen.tk.id)
      assert.is_nil(seen.e)
      assert.are.equal("GetTake", seen.r.operation)
    end)
  end)

  describe("checking", function()
    it("raises on a bad option, naming the function and the option", function()
      assert.has_error(function() ugc.jobs.retrieve("job-1", { timout = 5 }) end,
        "jobs.retrieve: bad option 'timout' (unknown option (expected callback, max_retries, response, timeout))")
      assert.has_error(function() ugc.jobs.retrieve("job-1", { timeout = "5" }) end,
        "jobs.retrieve: bad option 'timeout' (number expected, got string)")
      assert.has_error(function() ugc.jobs.retrieve("job-1", { timeout = 0 }) end,
        "jobs.retrieve: bad option 'timeout' (seconds from 0.001 to 2e6 expected)")
      assert.has_error(function() ugc.jobs.list(nil, { max_retries = 11 }) end,
        "jobs.list: bad option 'max_retries' (an integer from 0 to 10 expected)")
      assert.has_error(function() ugc.jobs.list(nil, { max_retries = 1.5 }) end,
        "jobs.list: bad option 'max_retries' (an integer from 0 to 10 expected)")
      assert.has_error(function() ugc.files.upload_many({}, "fast") end,
        "files.upload_many: bad argument 'options' (table expected, got string)")
      assert.has_error(function() ugc.graphql("{ client { id } }", nil, { response = 1 }) end,
        "ugc.graphql: bad option 'response' (boolean expected, got number)")
      assert.has_error(function() ugc.rigs.list(5) end,
        "rigs.list: bad argument 'options' (table expected, got number)")
    end)
    it("sends nothing when an option is bad", function()
      local before = helper.stats(sb).requests.graphql
      pcall(ugc.jobs.create, { take_id = "take-1" }, { max_retries = -1 })
      assert.are.equal(before, helper.stats(sb).requests.graphql)
    end)
    it("takes options on a catalogue's list, which has no arguments", function()
      local page, err, res = ugc.rigs.list{ response = true }
      assert.is_nil(err)
      assert.is_true(#page.items > 0)
      assert.are.equal("ListRigs", res.operation)
    end)
  end)
end)

describe("the log", function()
  local sb

  setup(function() sb = helper.sandbox() end)
  teardown(function() sb.stop() end)

  local function no_secret(text)
    assert.is_nil(text:find(helper.KEY, 1, true), "the API key is in: " .. text)
    assert.is_nil(text:find("Signature=", 1, true), "a signature is in the log")
    assert.is_nil(text:find("x-amz-security-token", 1, true), "a session token is in the log")
    assert.is_nil(text:find("AWSAccessKeyId", 1, true), "an access key id is in the log")
  end

  it("has one event per HTTP exchange: GraphQL, upload and download, with the same fields", function()
    local events = {}
    local c = helper.client(sb, { log = function(e) events[#events + 1] = e end })
    local path = helper.tmpname()
    helper.write_file(path, ("x"):rep(3000))
    local file = assert(c.files.upload_path{ path = path, file_type = "mp4" })
    local back = path .. ".back"
    assert(c.files.download{ file = assert(c.files.retrieve(file.id)), path = back })
    os.remove(path)
    os.remove(back)
    local kinds = {}
    for i, e in ipairs(events) do kinds[i] = e.kind .. " " .. e.operation end
    assert.are.same({ "graphql CreateFile", "upload files.upload_path", "graphql GetFile", "download files.download" },
      kinds)
    for _, e in ipairs(events) do
      assert.are.equal(200, e.status)
      assert.is_number(e.ms)
      assert.are.equal(1, e.attempts)
      assert.is_string(e.request_id)
      assert.is_true(e.bytes > 0)
      assert.is_nil(e.error)
      for _, v in pairs(e) do no_secret(tostring(v)) end
    end
    assert.are.equal(3000, events[2].bytes)
    assert.are.equal(3000, events[4].bytes)
    assert.matches("%?<redacted>$", events[2].url)
    assert.is_nil(events[1].url)
    c:close()
  end)

  it("says what failed, and how often it was tried", function()
    local events = {}
    local c = helper.client(sb, { max_retries = 1, log = function(e) events[#events + 1] = e end })
    local file = assert(c.files.create{ file_type = "mp4" })
    local path = helper.tmpname()
    helper.write_file(path, "abc")
    helper.fault(sb, { target = "upload", count = 2, status = 500 })
    local ok, err = c.files.upload{ file = file, path = path }
    os.remove(path)
    assert.is_nil(ok)
    local e = events[#events]
    assert.are.equal("upload", e.kind)
    assert.are.equal(500, e.status)
    assert.are.equal(2, e.attempts)
    assert.are.equal(err.kind, e.error)
    c:close()
  end)

  -- runs a script with MOVEUGC_LOG set; returns its stdout and stderr
  local function run_with(level, script)
    local out, errf, src = helper.tmpname(), helper.tmpname(), helper.tmpname()
    helper.write_file(src, script)
    local lua = arg and arg[-1] or "lua5.4"
    local cmd = ("MOVEUGC_LOG=%s MOVE_API_KEY=%s MOVE_UGC_ENDPOINT_URL=%s %s %s >%s 2>%s"):format(
      level, helper.KEY, sb.url, lua, src, out, errf)
    os.execute(cmd)
    local function slurp(p)
      local f = assert(io.open(p, "rb"))
      local s = f:read("*a")
      f:close()
      os.remove(p)
      return s
    end
    os.remove(src)
    return slurp(out), slurp(errf)
  end

  local SCRIPT = [[
    local ugc = require("moveugc").new()
    local path = os.tmpname()
    local f = io.open(path, "wb") f:write(("y"):rep(1234)) f:close()
    local file = assert(ugc.files.upload_path{ path = path, file_type = "mp4" })
    os.remove(path)
    print(select(2, ugc.jobs.retrieve("job-00000000-0000-0000-0000-000000000000")).kind)
  ]]

  it("MOVEUGC_LOG=debug writes a line per exchange to stderr, with no secret", function()
    local out, err = run_with("debug", SCRIPT)
    assert.are.equal("not_found\n", out)
    local lines = {}
    for l in err:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.are.equal(3, #lines, err)
    assert.matches("^moveugc: graphql CreateFile status=200 bytes=%d+ ms=[%d.]+ attempts=1 request_id=%S+$", lines[1])
    assert.matches("^moveugc: upload files.upload_path status=200 bytes=1234 ms=[%d.]+ attempts=1 " ..
      "request_id=%S+ url=http://127%.0%.0%.1:%d+/%S+%?<redacted>$", lines[2])
    assert.matches("^moveugc: graphql GetJob status=200 .* error=not_found$", lines[3])
    no_secret(err)
  end)

  it("MOVEUGC_LOG=error writes only the failures", function()
    local _, err = run_with("error", SCRIPT)
    local n = select(2, err:gsub("\n", ""))
    assert.are.equal(1, n, err)
    assert.matches("GetJob .*error=not_found", err)
  end)

  describe("the environment and stream a client is given (getenv, stderr)", function()
    -- a stream that keeps what is written to it
    local function sink()
      local t = {}
      return setmetatable(t, { __index = { write = function(self, ...)
        for i = 1, select("#", ...) do self[#self + 1] = tostring((select(i, ...))) end
        return self
      end, text = function(self) return table.concat(self) end } })
    end

    local process_stderr = helper.process_stderr

    it("reads MOVEUGC_LOG and the other variables from getenv, and logs to stderr", function()
      local env = { MOVEUGC_LOG = "debug", MOVE_API_KEY = helper.KEY, MOVE_UGC_ENDPOINT_URL = sb.url,
        MOVE_DEFAULT_PAGE_SIZE = "7" }
      local out = sink()
      local leaked = process_stderr(function()
        local c = require("moveugc").new{ getenv = function(k) return env[k] end, stderr = out }
        assert.are.equal(sb.url, c.endpoint)
        assert.are.equal(7, c.page_size)
        assert(c.client.retrieve())
        c:close()
      end)
      assert.matches("^moveugc: graphql GetClient status=200 ", out:text())
      assert.are.equal("", leaked)
      no_secret(out:text())
    end)

    it("says a raising log function's error on the stream it is given", function()
      local out = sink()
      local leaked = process_stderr(function()
        local c = helper.client(sb, { stderr = out, log = function() error("boom") end })
        assert(c.client.retrieve())
        assert(c.client.retrieve())
        c:close()
      end)
      assert.matches("^moveugc: callback error in log: .*boom.* %(ignored; later ones are not shown%)\n$", out:text())
      assert.are.equal("", leaked)
    end)

    it("refuses an unknown MOVEUGC_LOG from getenv, whatever the process has", function()
      assert.has_error(function()
        require("moveugc").new{ api_key = helper.KEY, endpoint = sb.url,
          getenv = function(k) return k == "MOVEUGC_LOG" and "bogus" or nil end }
      end, "moveugc.new: bad environment variable MOVEUGC_LOG ('bogus': debug, error or off expected)")
    end)

    it("raises on a getenv or stderr of the wrong kind, naming the option", function()
      local moveugc = require "moveugc"
      assert.has_error(function() moveugc.new{ api_key = helper.KEY, getenv = {} } end,
        "moveugc.new: bad option 'getenv' (function expected, got table)")
      assert.has_error(function() moveugc.new{ api_key = helper.KEY, stderr = "log.txt" } end,
        "moveugc.new: bad option 'stderr' (a stream with a write method expected, got string)")
      assert.has_error(function() moveugc.new{ api_key = helper.KEY, stderr = {} } end,
        "moveugc.new: bad option 'stderr' (a stream with a write method expected, got table)")
      assert.has_error(function()
        moveugc.new{ endpoint = sb.url, getenv = function() return 42 end }
      end, "moveugc.new: bad option 'getenv' (gave a number for MOVE_API_KEY: a string or nil expected)")
    end)
  end)

  it("refuses a level it does not know, naming the variable", function()
    local out, err = run_with("verbose", "require('moveugc').new()")
    assert.are.equal("", out)
    local want = "moveugc.new: bad environment variable MOVEUGC_LOG ('verbose': debug, error or off expected)"
    assert.truthy(err:find(want, 1, true), err)
  end)
end)
