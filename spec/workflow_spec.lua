-- Waiting for jobs and downloading their outputs, against the sandbox.
local helper = require "helper"

-- The sandbox's output bytes: "moveugc-sandbox <job id> <key>\n" repeated,
-- cut at the output's size.
local function expected_bytes(job_id, key, size)
  local line = ("moveugc-sandbox %s %s\n"):format(job_id, key)
  return line:rep(math.ceil(size / #line)):sub(1, size)
end

describe("job workflows", function()
  local sb, ugc, take, dir

  setup(function()
    sb = helper.sandbox("--job-seconds 0.6")
    ugc = helper.client(sb)
    take = helper.take(ugc)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)
  before_each(function()
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  describe("jobs.wait", function()
    it("returns the finished job with its outputs, reporting progress", function()
      local job = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "MAIN_GLB" } })
      local seen = {}
      local done = assert(ugc.jobs.wait{ id = job.id, interval = 0.1, timeout = 30,
        on_progress = function(j) seen[#seen + 1] = j.progress.state end })
      assert.are.equal("FINISHED", done.progress.state)
      assert.are.equal(2, #done.outputs)
      assert.are.equal("FINISHED", seen[#seen])
      assert.is_true(#seen >= 2)
    end)
    it("returns a failed job as it is", function()
      local job = assert(ugc.jobs.create{ take_id = take.id })
      helper.set_job(sb, job.id, { state = "FAILED" })
      local done = assert(ugc.jobs.wait{ id = job.id, interval = 0.1 })
      assert.are.equal("FAILED", done.progress.state)
    end)
    it("times out with kind timeout", function()
      local job = assert(ugc.jobs.create{ take_id = take.id })
      helper.set_job(sb, job.id, { percentage_complete = 50 })
      local slow = helper.sandbox("--job-seconds 3600")
      local c = helper.client(slow)
      local t = helper.take(c)
      local j = assert(c.jobs.create{ take_id = t.id })
      local got, err = c.jobs.wait{ id = j.id, interval = 0.1, timeout = 0.3 }
      assert.is_nil(got)
      assert.are.equal("timeout", err.kind)
      c:close()
      slow.stop()
    end)
    it("raises on bad arguments", function()
      assert.has_error(function() ugc.jobs.wait{} end, "jobs.wait: missing required argument 'id'")
      assert.has_error(function() ugc.jobs.wait{ id = "job-x", interval = -1 } end)
      assert.has_error(function() ugc.jobs.wait{ id = "job-x", on_progress = 3 } end,
        "jobs.wait: bad argument 'on_progress' (function expected, got number)")
    end)
  end)

  describe("jobs.wait_all", function()
    it("waits on many jobs with one request per poll", function()
      local ids = {}
      for i = 1, 5 do ids[i] = assert(ugc.jobs.create{ take_id = take.id }).id end
      local events = {}
      local c = helper.client(sb, { log = function(e) events[#events + 1] = e.operation end })
      local jobs = assert(c.jobs.wait_all{ ids = ids, interval = 0.2, timeout = 30 })
      for i = 1, 5 do
        assert.are.equal(ids[i], jobs[i].id)
        assert.are.equal("FINISHED", jobs[i].progress.state)
      end
      for _, op in ipairs(events) do assert.are.equal("GetJobBatch", op) end
      c:close()
    end)
  end)

  describe("jobs.download_outputs", function()
    local job
    setup(function()
      job = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "RENDER_VIDEO" } })
      job = assert(ugc.jobs.wait{ id = job.id, interval = 0.1 })
    end)

    it("downloads every output with the sandbox's bytes", function()
      local files = assert(ugc.jobs.download_outputs{ job = job, dir = dir })
      assert.are.equal(2, #files)
      for _, f in ipairs(files) do
        assert.are.equal(dir .. "/" .. f.key .. "." .. f.format, f.path)
        local bytes = helper.read_file(f.path)
        assert.are.equal(expected_bytes(job.id, f.key, #bytes), bytes)
        assert.is_true(#bytes > 0)
        assert.is_nil(helper.read_file(f.path .. ".part"))
      end
    end)
    it("takes an id and a filter, and reports progress", function()
      local calls = 0
      local files = assert(ugc.jobs.download_outputs{ id = job.id, dir = dir, outputs = { "main_fbx" },
        on_progress = function(done, total, key)
          calls = calls + 1
          assert.are.equal("MAIN_FBX", key)
          assert.is_true(done <= total)
        end })
      assert.are.equal(1, #files)
      assert.is_true(calls >= 1)
    end)
    it("refuses to replace files unless overwrite, and leaves nothing on refusal", function()
      assert(ugc.jobs.download_outputs{ job = job, dir = dir, outputs = { "MAIN_FBX" } })
      assert.has_error(function() ugc.jobs.download_outputs{ job = job, dir = dir } end)
      assert.is_nil(helper.read_file(dir .. "/RENDER_VIDEO.mp4"))
      assert(ugc.jobs.download_outputs{ job = job, dir = dir, overwrite = true })
    end)
    it("keeps hostile output names inside dir", function()
      local j = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "MAIN_GLB", "MAIN_BLEND" } })
      j = assert(ugc.jobs.wait{ id = j.id, interval = 0.1 })
      helper.set_job(sb, j.id, { outputs = {
        { key = "../../escape", format = "fbx/../../x" },
        { key = "/etc/passwd", format = "\1\n" },
        { key = "..", format = ".." },
      } })
      local files = assert(ugc.jobs.download_outputs{ id = j.id, dir = dir })
      assert.are.equal(3, #files)
      for _, f in ipairs(files) do
        local name = f.path:sub(#dir + 2)
        assert.is_nil(name:find("/", 1, true))
        assert.is_nil(name:find("..", 1, true))
        assert.is_nil(name:find("%c"))
        assert.is_truthy(helper.read_file(f.path))
      end
    end)
    it("gets a fresh URL when the one it holds has expired", function()
      helper.advance(sb, 100000)
      local files = assert(ugc.jobs.download_outputs{ job = job, dir = dir, outputs = { "MAIN_FBX" } })
      local bytes = helper.read_file(files[1].path)
      assert.are.equal(expected_bytes(job.id, "MAIN_FBX", #bytes), bytes)
    end)
    it("resumes an interrupted download with identical bytes", function()
      helper.fault(sb, { target = "download", count = 1, truncate = true })
      local files = assert(ugc.jobs.download_outputs{ id = job.id, dir = dir, outputs = { "RENDER_VIDEO" } })
      local bytes = helper.read_file(files[1].path)
      assert.are.equal(expected_bytes(job.id, "RENDER_VIDEO", #bytes), bytes)
    end)
    it("creates a missing dir with its parents, and takes a trailing slash", function()
      local deep = dir .. "/a/b/c/"
      local files = assert(ugc.jobs.download_outputs{ job = job, dir = deep, outputs = { "MAIN_FBX" } })
      assert.are.equal(1, #files)
      local bytes = assert(helper.read_file(files[1].path))
      assert.are.equal(expected_bytes(job.id, "MAIN_FBX", #bytes), bytes)
      assert.is_truthy(files[1].path:find(dir .. "/a/b/c/", 1, true))
      -- and again into the folder that now exists
      assert(ugc.jobs.download_outputs{ job = job, dir = dir .. "/a/b/c", outputs = { "RENDER_VIDEO" } })
    end)
    it("raises for a dir that is a file, and creates nothing for a job without outputs", function()
      helper.write_file(dir .. "/plain", "x")
      assert.has_error(function() ugc.jobs.download_outputs{ job = job, dir = dir .. "/plain" } end,
        "jobs.download_outputs: bad argument 'dir' (" .. dir .. "/plain exists and is not a directory)")
      assert.has_error(function() ugc.jobs.download_outputs{ job = job, dir = dir .. "/plain/sub" } end)
      assert.has_error(function() ugc.jobs.download_outputs{ job = job, dir = "out\0x" } end,
        "jobs.download_outputs: bad argument 'dir' (contains a NUL byte)")
      local pending = assert(ugc.jobs.create{ take_id = take.id })
      local files, err = ugc.jobs.download_outputs{ id = pending.id, dir = dir .. "/never" }
      assert.is_nil(files)
      assert.are.equal("validation", err.kind)
      assert.is_nil(require("moveugc.core").path_kind(dir .. "/never"))
    end)
    it("takes back the folders it created when a download fails", function()
      local c = helper.client(sb, { max_retries = 0 })
      helper.fault(sb, { target = "download", count = 1, etag = '"0123456789abcdef0123456789abcdef"' })
      local files, err = c.jobs.download_outputs{ id = job.id, dir = dir .. "/x/y", outputs = { "MAIN_FBX" } }
      assert.is_nil(files)
      assert.are.equal("integrity", err.kind)
      assert.is_nil(require("moveugc.core").path_kind(dir .. "/x"))
      assert.are.equal("directory", require("moveugc.core").path_kind(dir))
      c:close()
    end)
    it("reports a wrong ETag and leaves no file", function()
      local c = helper.client(sb, { max_retries = 0 })
      helper.fault(sb, { target = "download", count = 1, etag = '"0123456789abcdef0123456789abcdef"' })
      -- by id: fresh URLs, so the fault meets the download itself
      local files, err = c.jobs.download_outputs{ id = job.id, dir = dir, outputs = { "MAIN_FBX" } }
      assert.is_nil(files)
      assert.are.equal("integrity", err.kind)
      assert.is_nil(helper.read_file(dir .. "/MAIN_FBX.fbx"))
      assert.is_nil(helper.read_file(dir .. "/MAIN_FBX.fbx.part"))
      c:close()
    end)
  end)
end)
