-- Regressions of the adversarial review (issue 11): each case failed before
-- its fix. Hostile answers come from the sandbox's /_sandbox/answers control.
local helper = require "helper"
local cjson = require "cjson"
local moveugc = require "moveugc"
local core = require "moveugc.core"

local function sample(path, bytes)
  helper.write_file(path, bytes or ("hardening bytes\n"):rep(4096))
  return path
end

local function exists(path) return core.path_kind(path) ~= nil end
local function is_link(path)
  local r = os.execute(("test -L %q"):format(path))
  return r == true or r == 0
end

describe("hardening", function()
  local sb, ugc, dir

  setup(function()
    sb = helper.sandbox("--job-seconds 1")
    ugc = helper.client(sb)
    dir = helper.tmpname()
    assert(core.mkdirs(dir))
  end)
  teardown(function()
    ugc:close()
    os.execute("rm -rf " .. dir)
    sb.stop()
  end)
  before_each(function() helper.reset(sb) end)

  -- a finished job with outputs, and a client for it
  local function finished_job(c)
    c = c or ugc
    local take = helper.take(c)
    local job = assert(c.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "RENDER_VIDEO" } })
    return assert(c.jobs.wait{ id = job.id, interval = 0.1 })
  end

  describe("presigned URLs other than http(s) (1)", function()
    it("refuses a file:// upload URL from createFile before anything is read or written", function()
      local victim = sample(dir .. "/victim", "precious")
      helper.answer(sb, { operation = "createFile", data = {
        id = "file-00000000-0000-0000-0000-000000000001", type = "mp4", created = "2026-01-01T00:00:00Z",
        presigned_url = "file://" .. victim } }) -- as the server answers the SDK's aliases
      local file, err = ugc.files.upload_path{ path = sample(dir .. "/clip.mp4") }
      assert.is_nil(file)
      assert.are.equal("protocol", err.kind)
      assert.matches("scheme is 'file'", err.message)
      assert.are.equal("precious", helper.read_file(victim))
    end)

    it("refuses a file:// download URL and writes nothing", function()
      local dst = dir .. "/fetched"
      local path, err = ugc.files.download{ url = "FILE:///etc/hostname", path = dst }
      assert.is_nil(path)
      assert.are.equal("protocol", err.kind)
      assert.is_false(exists(dst) or exists(dst .. ".part"))
    end)

    it("is refused in C too: the engine speaks only http and https", function()
      local victim = sample(dir .. "/victim2", "precious")
      local status, r = ugc._session:upload("file://" .. victim, sample(dir .. "/src"))
      assert.is_nil(status)
      assert.are.equal("protocol", r.kind)
      assert.is_false(r.reached)
      assert.are.equal("precious", helper.read_file(victim))
      status, r = ugc._session:download("gopher://127.0.0.1:1/x", dir .. "/g.part")
      assert.is_nil(status)
      assert.are.equal("protocol", r.kind)
      os.remove(dir .. "/g.part")
    end)
  end)

  describe(".part files (2)", function()
    local url
    before_each(function()
      url = helper.uploaded(ugc, "mp4", ("object bytes "):rep(1000)).id
      url = assert(ugc.files.retrieve(url)).presigned_url
    end)

    it("never follow a symbolic link, and leave it in place", function()
      local victim = sample(dir .. "/target", "untouched")
      local dst = dir .. "/linked.bin"
      os.remove(dst .. ".part")
      assert(os.execute(("ln -s %q %q"):format(victim, dst .. ".part")))
      local path, err = ugc.files.download{ url = url, path = dst }
      assert.is_nil(path)
      assert.are.equal("file", err.kind)
      assert.matches("symbolic link", err.message)
      assert.are.equal("untouched", helper.read_file(victim))
      assert.is_false(exists(dst))
      assert.is_true(is_link(dst .. ".part"))
      os.remove(dst .. ".part")
    end)

    it("refuse a .part that is not a regular file, without blocking", function()
      local dst = dir .. "/fifo.bin"
      assert(os.execute(("mkfifo %q"):format(dst .. ".part")))
      local path, err = ugc.files.download{ url = url, path = dst }
      assert.is_nil(path)
      assert.are.equal("file", err.kind)
      assert.matches("not a regular file", err.message)
      os.remove(dst .. ".part")
    end)

    it("still resume a .part the SDK left", function()
      local dst = dir .. "/resumed.bin"
      local whole = ("object bytes "):rep(1000)
      helper.write_file(dst .. ".part", whole:sub(1, 100))
      assert.are.equal(dst, assert(ugc.files.download{ url = url, path = dst }))
      assert.are.equal(whole, helper.read_file(dst))
      os.remove(dst)
    end)
  end)

  describe("output names (3)", function()
    local job
    before_each(function() job = finished_job() end)

    local function hostile(outputs)
      local out = {}
      for i, o in ipairs(outputs) do
        out[i] = { key = o[1], format = o[2], file = job.outputs[i].file }
      end
      return { id = job.id, state = "FINISHED", progress = { state = "FINISHED" }, outputs = out }
    end

    it("refuses an output that would take another's .part, before writing anything", function()
      local d = dir .. "/collide1"
      local files, err = ugc.jobs.download_outputs{ dir = d,
        job = hostile{ { "A.fbx", "part" }, { "A", "fbx" } } }
      assert.is_nil(files)
      assert.are.equal("protocol", err.kind)
      assert.is_false(exists(d))
    end)

    it("refuses two outputs with one file name, also by case", function()
      local d = dir .. "/collide2"
      local files, err = ugc.jobs.download_outputs{ dir = d,
        job = hostile{ { "MAIN", "fbx" }, { "main", "FBX" } } }
      assert.is_nil(files)
      assert.are.equal("protocol", err.kind)
      assert.matches("takes already", err.message)
      assert.is_false(exists(d))
    end)

    it("keeps names that only look alike", function()
      local d = dir .. "/distinct"
      local files = assert(ugc.jobs.download_outputs{ dir = d,
        job = hostile{ { "A", "fbx" }, { "A.fbx", "bin" } } })
      assert.are.equal(d .. "/A.fbx", files[1].path)
      assert.are.equal(d .. "/A.fbx.bin", files[2].path)
      os.execute("rm -rf " .. d)
    end)
  end)

  describe("header values (4) and NUL bytes (5)", function()
    it("refuses control characters in api_key and user_agent at moveugc.new", function()
      for _, bad in ipairs{ helper.KEY .. "\r\nX-Evil: 1", helper.KEY .. "\n", helper.KEY .. "\0x" } do
        local ok, msg = pcall(moveugc.new, { api_key = bad, endpoint = sb.url })
        assert.is_false(ok)
        assert.matches("moveugc.new: bad option 'api_key' %(contains a control character", msg)
        assert.is_nil(msg:find(helper.KEY, 1, true)) -- the key is never echoed
      end
      assert.has_error(function() moveugc.new{ api_key = helper.KEY, endpoint = sb.url, user_agent = "x\r\ny: z" } end,
        "moveugc.new: bad option 'user_agent' (contains a control character (CR, LF, NUL...): not allowed in a header)")
    end)

    it("refuses them in C as well", function()
      local ok, msg = pcall(core.session, { endpoint = sb.url, api_key = "KEY\r\nX: y", user_agent = "ua" })
      assert.is_false(ok)
      assert.matches("'api_key' contains a control character", msg)
      ok, msg = pcall(core.session, { endpoint = sb.url, api_key = "KEY\0x", user_agent = "ua" })
      assert.is_false(ok)
      assert.matches("'api_key' contains a NUL byte", msg)
    end)

    it("refuses a download path with a NUL byte before anything is written", function()
      assert.has_error(function() ugc.files.download{ url = "http://127.0.0.1:1/x", path = dir .. "/a.bin\0.evil" } end,
        "files.download: bad argument 'path' (contains a NUL byte)")
      assert.is_false(exists(dir .. "/a.bin"))
      assert.has_error(function() ugc._session:download("http://127.0.0.1:1/x", dir .. "/a.bin\0.part") end,
        "session:download: bad argument 'path' (contains a NUL byte)")
      assert.has_error(function() ugc.files.upload{ file = "http://127.0.0.1:1/x", path = dir .. "/a\0b" } end,
        "files.upload: bad argument 'path' (contains a NUL byte)")
    end)
  end)

  describe("close during a blocking transfer (6)", function()
    it("cancels the transfer and frees the client once it has stopped", function()
      local c = helper.client(sb)
      local file = assert(c.files.create{ file_type = "mp4" })
      local src = sample(dir .. "/big.mp4", ("x"):rep(16 * 1024 * 1024))
      -- the server reads nothing for 3 s; libcurl stops waiting for its "100 Continue" after
      -- 1 s and sends: the upload is caught in the middle, its bytes in the socket buffers
      helper.fault(sb, { target = "upload", delay_ms = 3000 })
      local ok, err = c.files.upload{ file = file, path = src, on_progress = function() c:close() end }
      assert.is_nil(ok)
      assert.are.equal("cancelled", err.kind)
      assert.has_error(function() c.client.retrieve() end, "moveugc: the client is closed")
      c:close() -- twice is fine
    end)

    it("also for a download, which leaves no file", function()
      local c = helper.client(sb)
      local f = helper.uploaded(c, "mp4", ("y"):rep(6 * 1024 * 1024))
      local dst = dir .. "/closed.bin"
      helper.fault(sb, { target = "download", stall_ms = 1000 }) -- half, a pause, the rest
      local path, err = c.files.download{ file = assert(c.files.retrieve(f.id)), path = dst,
        on_progress = function() c:close() end }
      assert.is_nil(path)
      assert.are.equal("cancelled", err.kind)
      assert.is_false(exists(dst) or exists(dst .. ".part"))
    end)
  end)

  describe("tasks (7, 8, 10)", function()
    it("a progress function that makes SDK calls does not hang its task", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local src = sample(dir .. "/task.mp4", ("t"):rep(4 * 1024 * 1024))
      local calls = 0
      local task = ugc:spawn(function()
        return ugc.files.upload{ file = file, path = src, on_progress = function()
          calls = calls + 1
          assert(ugc.client.retrieve())
        end }
      end)
      local deadline = core.now() + 20
      while not task:done() and core.now() < deadline do ugc:step(0.01) end
      assert.is_true(task:done())
      assert.are.equal(file, (task:result()))
      assert.is_true(calls >= 1)
    end)

    it("task:wait inside a task waits for the other task", function()
      -- the waiter first, another task after it: a nested step used to drop
      -- a finished task from the list the outer step was walking
      local t2
      local t1 = ugc:spawn(function() return t2:wait() end)
      t2 = ugc:spawn(function() return assert(ugc.client.retrieve()).id end)
      local t3 = ugc:spawn(function() return "third" end)
      ugc:run()
      assert.are.equal("third", t3:result())
      assert.are.equal("done", t1.status)
      assert.are.equal((t2:result()), (t1:result()))
    end)

    it("step from inside a task fails that task with kind usage, not the host's loop", function()
      local t = ugc:spawn(function() ugc:step(0) end)
      local other = ugc:spawn(function() return "fine" end)
      ugc:run()
      local _, err = t:result()
      assert.are.equal("usage", err.kind)
      assert.matches("not re%-entrant", err.message)
      assert.are.equal("fine", other:result())
    end)

    it("a caller's mistake inside a task keeps its message, as kind usage", function()
      local t = ugc:spawn(function() return ugc.jobs.create{ take_id = 5 } end)
      ugc:run()
      local _, err = t:result()
      assert.are.equal("usage", err.kind)
      assert.are.equal("jobs.create: bad argument 'take_id' (string expected, got number)", err.message)
    end)

    it("a progress function that raises fails its task with kind callback", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local src = sample(dir .. "/raise.mp4", ("r"):rep(2 * 1024 * 1024))
      local t = ugc:spawn(function()
        return ugc.files.upload{ file = file, path = src, on_progress = function() error("mine") end }
      end)
      ugc:run()
      local _, err = t:result()
      assert.are.equal("callback", err.kind)
      assert.matches("mine", err.message)
    end)
  end)

  describe("callbacks never turn a success into a failure (9)", function()
    it("a raising log function: the create succeeds once, and the error is kept", function()
      local c = helper.client(sb, { log = function() error("logger broke") end })
      local take = helper.take(ugc)
      local job, err = c.jobs.create{ take_id = take.id }
      assert.is_nil(err)
      assert.is_string(job.id)
      assert.are.equal(1, #assert(ugc.jobs.list{ take_id = take.id }).items)
      assert.are.equal("callback", c.callback_error.kind)
      assert.matches("logger broke", c.callback_error.message)
      c:close()
    end)

    it("jobs.wait returns the finished job even if on_progress raises at the end", function()
      local take = helper.take(ugc)
      local job = assert(ugc.jobs.create{ take_id = take.id })
      local got, err = ugc.jobs.wait{ id = job.id, interval = 0.1, outputs_ready = false,
        on_progress = function(j) if j.progress.state == "FINISHED" then error("late") end end }
      assert.is_nil(err)
      assert.are.equal("FINISHED", got.progress.state)
    end)

    it("jobs.wait stops with kind callback when on_progress raises before the end", function()
      local take = helper.take(ugc)
      local job = assert(ugc.jobs.create{ take_id = take.id })
      local got, err = ugc.jobs.wait{ id = job.id, interval = 0.1, on_progress = function() error("stop") end }
      assert.is_nil(got)
      assert.are.equal("callback", err.kind)
      assert.matches("stop", err.message)
    end)
  end)

  describe("malformed answers (14, 15, 16)", function()
    it("tostring(err) never raises, whatever errorType holds", function()
      for _, et in ipairs{ "7", '{"a":1}', "true", "[1]" } do
        helper.fault(sb, { target = "graphql", count = 3, status = 500,
          body = '{"errors":[{"errorType":' .. et .. ',"message":{"x":1}}]}' })
        local _, err = ugc.client.retrieve()
        assert.are.equal("server", err.kind)
        assert.is_string(tostring(err))
      end
    end)

    it("a root field of the wrong type is a protocol error, also in wait and download_outputs", function()
      helper.answer(sb, { operation = "getJob", count = 4, data = 42 })
      local _, err = ugc.jobs.retrieve("job-x")
      assert.are.equal("protocol", err.kind)
      _, err = ugc.jobs.wait{ id = "job-x", interval = 0.01 }
      assert.are.equal("protocol", err.kind)
      _, err = ugc.jobs.wait_all{ ids = { "job-x" }, interval = 0.01 }
      assert.are.equal("protocol", err.kind)
      _, err = ugc.jobs.download_outputs{ id = "job-x", dir = dir .. "/never" }
      assert.are.equal("protocol", err.kind)
      assert.is_false(exists(dir .. "/never"))
    end)

    it("nested fields of the wrong type do not raise", function()
      helper.answer(sb, { operation = "getJob", count = 100, data = {
        id = "job-x", progress = 7, outputs = "many", state = { 1 } } })
      local job = assert(ugc.jobs.retrieve("job-x"))
      assert.are.equal(7, job.progress)
      local _, err = ugc.jobs.wait{ id = "job-x", interval = 0.01, timeout = 0.05 }
      assert.are.equal("timeout", err.kind)
      _, err = ugc.jobs.download_outputs{ id = "job-x", dir = dir .. "/never" }
      assert.are.equal("validation", err.kind)
    end)

    it("a share code of the wrong type", function()
      helper.answer(sb, { operation = "generateShareCode", data = 7 })
      local _, err = ugc.files.generate_share_code("file-x")
      assert.are.equal("protocol", err.kind)
      helper.answer(sb, { operation = "generateShareCode", data = { code = "abc", file = 7 } })
      local share = assert(ugc.files.generate_share_code("file-x"))
      assert.are.equal("abc", share.code)
      assert.is_nil(share.file_id)
    end)

    it("a page whose items is not a list", function()
      helper.answer(sb, { operation = "listJobs", data = { items = "x", first = 10 } })
      local _, err = ugc.jobs.list()
      assert.are.equal("protocol", err.kind)
      helper.answer(sb, { operation = "listJobs", data = { items = { 1 }, first = 10 } })
      _, err = ugc.jobs.list()
      assert.are.equal("protocol", err.kind)
    end)

    it("jobs.each stops on a repeated cursor instead of looping forever", function()
      helper.answer(sb, { operation = "listJobs", count = 5,
        data = { items = cjson.decode("[]"), after = "same", first = 10 } })
      local ok, err = pcall(function() for _ in ugc.jobs.each() do end end)
      assert.is_false(ok)
      assert.are.equal("protocol", err.kind)
      assert.matches("returned before", err.message)
      assert.is_true(helper.stats(sb).requests.graphql <= 2)
    end)

    it("download_outputs refreshes an expired URL through the one checked helper", function()
      local job = finished_job()
      local out = job.outputs[1]
      local stale = { id = job.id, state = "FINISHED", progress = { state = "FINISHED" }, outputs = { {
        key = out.key, format = out.format,
        file = { id = out.file.id, presigned_url = out.file.presigned_url } } } }
      helper.answer(sb, { operation = "getFile", data = { id = out.file.id, type = "fbx",
        created = "2026-01-01T00:00:00Z" } })
      helper.fault(sb, { target = "download", count = 1, status = 403,
        body = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>" })
      local files, err = ugc.jobs.download_outputs{ job = stale, dir = dir .. "/refresh" }
      assert.is_nil(files)
      assert.are.equal("protocol", err.kind)
      assert.matches("no presigned URL", err.message)
      assert.are.equal(out.key, err.output)
    end)
  end)

  describe("input checks (17 to 20)", function()
    local function refused(opts, name)
      opts.api_key, opts.endpoint = helper.KEY, sb.url
      local ok, msg = pcall(moveugc.new, opts)
      assert.is_false(ok)
      assert.matches("moveugc.new: bad option '" .. name .. "'", msg, 1, true)
    end

    it("range-checks every numeric option at moveugc.new", function()
      for _, v in ipairs{ 0 / 0, math.huge, 1e300, 0.0004, 0, -1 } do
        refused({ timeout = v }, "timeout")
        refused({ connect_timeout = v }, "connect_timeout")
      end
      for _, v in ipairs{ -1, 0, 0 / 0, 0.5, math.huge } do refused({ max_body = v }, "max_body") end
      for _, v in ipairs{ 1e300, 0 / 0, 0, 2.5 } do refused({ max_transfers = v }, "max_transfers") end
      for _, v in ipairs{ 0 / 0, -1, math.huge } do refused({ step_budget_ms = v }, "step_budget_ms") end
      local c = helper.client(sb, { timeout = 0.001, max_body = 1, max_transfers = 1024, step_budget_ms = 0 })
      c:close()
    end)

    it("retries after a Retry-After it cannot read (nan)", function()
      helper.fault(sb, { target = "graphql", count = 1, status = 503, headers = { ["Retry-After"] = "nan" } })
      local events = {}
      local c = helper.client(sb, { log = function(e) events[#events + 1] = e end })
      assert(c.client.retrieve())
      assert.are.equal(2, events[1].attempts)
      c:close()
    end)

    it("names the function and argument for a bad clip_window or options value", function()
      local window = "jobs.create: bad argument 'clip_window' (needs finite numbers start_time and end_time)"
      for _, e in ipairs{ 0 / 0, math.huge } do
        assert.has_error(function()
          ugc.jobs.create{ take_id = "take-x", clip_window = { start_time = 0, end_time = e } }
        end, window)
      end
      assert.has_error(function() ugc.jobs.create{ take_id = "take-x", options = { extra = print } } end,
        "jobs.create: bad argument 'options.extra' (cannot be encoded as JSON: " ..
        "cannot encode a function, userdata or thread value)")
    end)

    it("refuses a FIFO as an upload path without blocking", function()
      local fifo = dir .. "/pipe.mp4"
      assert(os.execute(("mkfifo %q"):format(fifo)))
      assert.has_error(function() ugc.files.upload_path{ path = fifo } end,
        "files.upload_path: bad argument 'path' (" .. fifo .. " is not a regular file)")
      local _, r = ugc._session:upload("http://127.0.0.1:1/x", fifo)
      assert.are.equal("file", r.kind)
      assert.matches("not a regular file", r.message)
      os.remove(fifo)
    end)

    it("files.upload_many checks every item's file before anything starts", function()
      local src = sample(dir .. "/many.mp4")
      assert.has_error(function() ugc.files.upload_many{ { path = src } } end,
        "files.upload_many: missing required argument 'items[1].file'")
      assert.has_error(function() ugc.files.upload_many{ { path = src, file = 3 } } end,
        "files.upload_many: bad argument 'items[1].file' (file table or presigned URL expected, got number)")
    end)
  end)

  describe("the platform (21, 22, 23)", function()
    it("says MD5 is unavailable (a FIPS-only OpenSSL) as kind unsupported, not integrity", function()
      -- an OpenSSL configuration that only accepts FIPS algorithms, with no
      -- FIPS provider: MD5 cannot be had, as on a FIPS host
      local cnf = sample(dir .. "/fips-only.cnf", table.concat({ "openssl_conf = openssl_init",
        "[openssl_init]", "alg_section = evp_properties", "[evp_properties]",
        "default_properties = fips=yes", "" }, "\n"))
      local script = sample(dir .. "/md5.lua", ([[
        local s = require("moveugc.core").session{ endpoint = %q, api_key = "k", user_agent = "ua" }
        local _, r = s:upload("http://127.0.0.1:1/x", %q)
        io.write(r.kind, "|", r.message)]]):format(sb.url, cnf))
      local p = assert(io.popen(("OPENSSL_CONF=%q %s %q 2>&1"):format(cnf, helper.flavour, script)))
      local out = p:read("*a")
      p:close()
      assert.matches("^unsupported|MD5 is not available", out)
    end)

    it("sockets() reports descriptors above 1023", function()
      local held = {}
      for i = 1, 1100 do held[i] = assert(io.open("/dev/null", "rb")) end
      local c = helper.client(sb) -- its connections open above them
      local file = assert(c.files.create{ file_type = "mp4" })
      local src = sample(dir .. "/fd.mp4", ("f"):rep(4 * 1024 * 1024))
      local task = c:spawn(function() return c.files.upload{ file = file, path = src } end)
      local high = 0
      while not task:done() do
        c:step(0.005)
        local r, w = c:sockets()
        for _, fd in ipairs(r) do high = math.max(high, fd) end
        for _, fd in ipairs(w) do high = math.max(high, fd) end
      end
      for _, f in ipairs(held) do f:close() end
      c:close()
      assert.are.equal(file, (task:result()))
      assert.is_true(high >= 1024, "highest descriptor seen: " .. high)
    end)

    it("counts a query that libcurl re-sent on a dead kept-alive connection", function()
      local events = {}
      local c = helper.client(sb, { log = function(e) events[#events + 1] = e end })
      assert(c.client.retrieve()) -- a kept-alive connection
      local before = helper.stats(sb).requests.graphql
      helper.fault(sb, { target = "graphql", count = 1, reset = "after_read" })
      assert(c.client.retrieve())
      local sent = helper.stats(sb).requests.graphql - before
      assert.are.equal(2, sent) -- the server saw the query twice...
      assert.are.equal(sent, events[2].attempts) -- ...and the SDK says so
      c:close()
    end)
  end)
end)
