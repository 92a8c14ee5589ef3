-- The non-blocking mode: tasks, step, callbacks and concurrent transfers,
-- against the sandbox. Runs on Lua 5.4, 5.1 and LuaJIT alike.
local helper = require "helper"
local moveugc = require "moveugc"

-- busted's assert turns an error table into a string: inside tasks, raise
-- the SDK's error as it is
local function must(v, err)
  if v == nil then error(err, 0) end
  return v
end

describe("tasks", function()
  local sb, ugc, take, dir

  setup(function()
    sb = helper.sandbox("--job-seconds 0.5")
    ugc = helper.client(sb)
    take = helper.take(ugc)
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
    os.execute("rm -rf " .. dir)
  end)

  local function sample(name, size)
    local path = dir .. "/" .. name
    assert(os.execute(("head -c %d /dev/zero | tr '\\0' 'v' > %q"):format(size, path)))
    return path
  end

  -- a frame loop: step(0) until every task is done; returns the frame count
  local function frames(c, limit)
    local n = 0
    while c:pending() > 0 do
      c:step(0)
      n = n + 1
      if n % 50 == 0 then helper.sleep(0.001) end
      assert(n < (limit or 1e7), "tasks never finished")
    end
    return n
  end

  it("runs a call as a task that yields while the loop keeps ticking", function()
    local job = assert(ugc.jobs.create{ take_id = take.id })
    local task = ugc:spawn(function(id)
      return assert(ugc.jobs.wait{ id = id, interval = 0.05 })
    end, job.id)
    assert.is_false(task:done())
    assert.are.equal(1, ugc:pending())
    local n = frames(ugc)
    assert.is_true(n > 10, "the loop ticked only " .. n .. " times")
    local done = assert(task:result())
    assert.are.equal("FINISHED", done.progress.state)
    assert.are.equal(0, ugc:pending())
  end)

  it("mixes blocking calls and task calls on one client", function()
    local t1 = ugc:spawn(function() return assert(ugc.jobs.create{ take_id = take.id }).id end)
    ugc:step(0) -- t1 starts its request
    local blocking = assert(ugc.jobs.list{ take_id = take.id, limit = 1 }) -- drives t1 too
    assert.is_table(blocking.items)
    frames(ugc)
    local id = assert(t1:result())
    assert.are.equal(id, assert(ugc.jobs.retrieve(id)).id)
  end)

  it("runs three complete workflows at once", function()
    local function workflow(i)
      local file = assert(ugc.files.upload_path{ path = sample("w" .. i .. ".mp4", 300000 * i) })
      local t = assert(ugc.takes.create_singlecam{
        sources = { { device_label = "cam" .. i, file_id = file.id, format = "mp4" } } })
      local job = assert(ugc.jobs.create{ take_id = t.id, outputs = { "MAIN_FBX" } })
      job = assert(ugc.jobs.wait{ id = job.id, interval = 0.05 })
      local out = dir .. "/out" .. i
      os.execute("mkdir -p " .. out)
      return assert(ugc.jobs.download_outputs{ job = job, dir = out })
    end
    local list = {}
    for i = 1, 3 do list[i] = ugc:spawn(workflow, i) end
    local n = frames(ugc)
    assert.is_true(n > 10)
    for i = 1, 3 do
      local files = assert(list[i]:result())
      assert.are.equal(1, #files)
      assert.is_truthy(helper.read_file(files[1].path))
    end
  end)

  it("keeps an error inside its task and tells on_task_error", function()
    local seen = {}
    local c = helper.client(sb, { on_task_error = function(err, task) seen[#seen + 1] = { err, task } end })
    local bad = c:spawn(function() error("boom") end)
    local good = c:spawn(function() return assert(c.jobs.list{ limit = 1 }) end)
    local also_bad = c:spawn(function() must(c.jobs.retrieve("job-00000000-0000-0000-0000-000000000000")) end)
    frames(c)
    local _, err = bad:result()
    assert.are.equal("internal", err.kind)
    assert.matches("boom", err.message)
    assert.is_table(assert(good:result()).items)
    local _, err2 = also_bad:result()
    assert.are.equal("not_found", err2.kind)
    assert.are.equal(2, #seen)
    c:close()
  end)

  it("raises when result is read too early, and waits with task:wait()", function()
    local t = ugc:spawn(function() return 42 end)
    assert.has_error(function() t:result() end)
    assert.are.equal(42, t:wait())
  end)

  it("calls back from step when a call's options name a callback", function()
    local got, got_err
    local t = ugc.jobs.retrieve("job-00000000-0000-0000-0000-000000000000", { callback = function(job, err)
      got, got_err = job, err
    end })
    assert.are.equal("moveugc.Task", getmetatable(t).__name)
    assert.is_nil(got_err)
    frames(ugc)
    assert.is_nil(got)
    assert.are.equal("not_found", got_err.kind)
    assert.is_true(t:done())
    local called, data_seen, me_seen = false, nil, nil
    ugc.jobs:list({ limit = 2 }, { callback = function(page) called = page ~= nil end })
    ugc.graphql("{ client { id } }", nil, { callback = function(data) data_seen = data end })
    ugc.client.retrieve{ callback = function(me) me_seen = me end }
    frames(ugc)
    assert.is_true(called)
    assert.is_string(data_seen.client.id)
    assert.matches("^client%-", me_seen.id)
  end)

  it("no longer guesses a callback from a trailing function: it raises and says where it goes", function()
    local cb = function() end
    assert.has_error(function() ugc.jobs.retrieve("job-1", cb) end,
      "jobs.retrieve: bad argument 'options' (table expected, got function): a callback goes in the options, " ..
      "{callback = fn}")
    assert.has_error(function() ugc.jobs:list({ limit = 2 }, cb) end,
      "jobs.list: bad argument 'options' (table expected, got function): a callback goes in the options, " ..
      "{callback = fn}")
    assert.has_error(function() ugc.graphql("{ client { id } }", nil, cb) end,
      "ugc.graphql: bad argument 'options' (table expected, got function): a callback goes in the options, " ..
      "{callback = fn}")
    assert.are.equal(0, ugc:pending())
  end)

  it("sleeps without blocking and reports how long the host may wait", function()
    assert.is_nil(ugc:timeout_ms())
    local t = ugc:spawn(function() ugc:_sleep(0.5) return "woke" end)
    ugc:step(0)
    local ms = ugc:timeout_ms()
    assert.is_true(ms > 300 and ms <= 500, "timeout_ms " .. tostring(ms))
    assert.are.equal("woke", t:wait())
  end)

  -- CPU time this process spent while fn ran, against the wall time it took
  local function cpu_during(fn)
    local core = require "moveugc.core"
    local cpu0, wall0 = os.clock(), core.now()
    fn()
    return os.clock() - cpu0, core.now() - wall0
  end

  it("resumes a task that waits for another only once that one is done: step really sleeps", function()
    local c = helper.client(sb)
    local sleeper = c:spawn(function() c:_sleep(1) return "slept" end)
    local waiter = c:spawn(function() return sleeper:wait() end)
    c:step(0) -- both start: one sleeps, the other waits for it
    local ms = c:timeout_ms()
    assert.is_true(ms ~= nil and ms > 500, "timeout_ms is " .. tostring(ms) .. ", not the sleeper's deadline")
    local steps = 0
    local cpu, wall = cpu_during(function()
      while c:pending() > 0 do
        c:step(0.5)
        steps = steps + 1
        assert(steps < 1000, "step never slept")
      end
    end)
    assert.are.equal("slept", waiter:result())
    assert.is_true(steps <= 10, steps .. " steps for one second of waiting")
    assert.is_true(cpu < 0.2 * wall, ("%.3f s of CPU in %.3f s of waiting"):format(cpu, wall))
    c:close()
  end)

  it("runs upload_many inside a task without spinning while the uploads are on their way", function()
    local c = helper.client(sb)
    local items = {}
    for i = 1, 2 do items[i] = { file = assert(c.files.create{ file_type = "mp4" }), path = sample("j" .. i, 4096) } end
    helper.fault(sb, { target = "upload", count = 2, delay_ms = 1000 })
    local t = c:spawn(function() return c.files.upload_many(items) end)
    c:step(0) -- t starts its two upload tasks and waits for them
    c:step(0) -- they start their uploads
    assert.is_nil(c:timeout_ms(), "only the worker can bring news now")
    local cpu, wall = cpu_during(function()
      while c:pending() > 0 do c:step(0.5) end
    end)
    local results, summary = t:result()
    assert.is_true(summary.ok, tostring(summary))
    assert.are.equal(items[2].file, results[2])
    assert.is_true(wall >= 0.9, "the uploads were not delayed") -- what the CPU bound is about
    assert.is_true(cpu < 0.2 * wall, ("%.3f s of CPU in %.3f s of waiting"):format(cpu, wall))
    c:close()
  end)

  it("fails a task whose {callback = fn} raises with kind callback, its message kept", function()
    local seen
    local c = helper.client(sb, { on_task_error = function(err) seen = err end })
    local t = c.client.retrieve{ callback = function(me) error("the callback broke on " .. me.id, 0) end }
    frames(c)
    local me, err = t:result()
    assert.is_nil(me)
    assert.are.equal("callback", err.kind)
    assert.matches("^the callback broke on client%-", err.message)
    assert.are.equal(err, seen)
    c:close()
  end)

  describe("closing", function()
    local file, src
    setup(function()
      src = sample("close-src.mp4", 400000)
      file = assert(ugc.files.retrieve(assert(ugc.files.upload_path{ path = src }).id))
    end)
    -- a stall no download took (one cancelled before it reached the server) must not slow later ones
    after_each(function() helper.control(sb, "DELETE", "/_sandbox/faults") end)

    local size = require("moveugc.transfer").file_size -- nil when there is no file

    local function cancelled(t, what)
      assert.are.equal("cancelled", t.status, what)
      local r, err = t:wait()
      assert.is_nil(r, what)
      assert.are.equal("cancelled", err.kind, what)
    end

    it("ends every task as cancelled: callbacks run once, no .part stays, wait() returns", function()
      local c = helper.client(sb, { max_transfers = 1 })
      local dst = dir .. "/closing.bin"
      helper.fault(sb, { target = "download", stall_ms = 20000 }) -- half the bytes, then a long pause
      local down = c:spawn(function() return c.files.download{ file = file, path = dst } end)
      local n = 0
      while (size(dst .. ".part") or 0) == 0 do -- the download holds the one slot, half written
        c:step(0.01)
        n = n + 1
        assert(n < 5000, "the download never started")
      end
      local calls, got, ups = {}, {}, {}
      for i = 1, 4 do -- queued behind it
        local f = assert(c.files.create{ file_type = "mp4" })
        ups[i] = c.files.upload({ file = f, path = sample("close-up" .. i, 100000) }, { callback = function(r, err)
          calls[i], got[i] = (calls[i] or 0) + 1, { r, err }
        end })
      end
      local sleeper = c:spawn(function() c:_sleep(60) return "woke" end)
      local waiter = c:spawn(function() return down:wait() end)
      for _ = 1, 3 do c:step(0) end
      local unstarted = c.client.retrieve{ callback = function(me, err)
        calls.unstarted, got.unstarted = (calls.unstarted or 0) + 1, { me, err }
      end }
      for i = 1, 4 do assert.are.equal("running", ups[i].status) end
      c:close()
      for i = 1, 4 do
        cancelled(ups[i], "upload " .. i)
        assert.are.equal(1, calls[i], "upload " .. i .. "'s callback")
        assert.is_nil(got[i][1])
        assert.are.equal("cancelled", got[i][2].kind)
      end
      cancelled(down, "the download")
      cancelled(sleeper, "the sleeper")
      cancelled(waiter, "the task waiting for the download")
      cancelled(unstarted, "the task that never started")
      assert.are.equal(1, calls.unstarted)
      assert.is_nil(got.unstarted[1])
      assert.are.equal("cancelled", got.unstarted[2].kind)
      assert.is_nil(size(dst .. ".part"), "the download left its .part")
      assert.is_nil(size(dst))
      assert.are.equal(0, c:pending())
      assert.are.equal(0, c:step(0)) -- stepping a closed client does nothing, and does not raise
      assert.is_nil(c:timeout_ms())
      assert.has_error(function() c.client.retrieve() end, "moveugc: the client is closed")
      c:close() -- twice is fine
    end)

    it("from inside a task, a callback or a progress function, ends everything without raising", function()
      local c = helper.client(sb)
      local other = c:spawn(function() c:_sleep(60) end)
      local closer = c:spawn(function()
        assert(c.client.retrieve())
        c:close()
        return "after close"
      end)
      frames(c)
      cancelled(other, "the other task")
      cancelled(closer, "the task that closed")

      local c2 = helper.client(sb)
      local dst2 = dir .. "/closed-by-callback.bin"
      helper.fault(sb, { target = "download", stall_ms = 20000 })
      local down = c2:spawn(function() return c2.files.download{ file = file, path = dst2 } end)
      local called = 0
      local t2 = c2.client.retrieve{ callback = function()
        called = called + 1
        c2:close()
      end }
      frames(c2)
      assert.are.equal(1, called)
      cancelled(down, "the download")
      cancelled(t2, "the task whose callback closed")
      assert.is_nil(size(dst2 .. ".part"))
      assert.is_nil(size(dst2))

      local c3 = helper.client(sb)
      local dst3 = dir .. "/closed-by-progress.bin"
      helper.fault(sb, { target = "download", stall_ms = 20000 })
      local t3 = c3:spawn(function()
        return c3.files.download{ file = file, path = dst3, on_progress = function(got)
          if got > 0 then c3:close() end
        end }
      end)
      frames(c3)
      cancelled(t3, "the task whose progress function closed")
      assert.is_nil(size(dst3 .. ".part"))
      assert.is_nil(size(dst3))
    end)
  end)

  it("runs 1,000 small tasks in bounded memory", function()
    local job = assert(ugc.jobs.create{ take_id = take.id })
    local function batch()
      local list = {}
      for i = 1, 1000 do
        list[i] = ugc:spawn(function() return assert(ugc.jobs.retrieve(job.id)).id end)
      end
      frames(ugc)
      for i = 1, 1000 do assert.are.equal(job.id, (list[i]:result())) end
    end
    batch()
    collectgarbage("collect")
    local before = collectgarbage("count")
    batch()
    collectgarbage("collect")
    local growth = collectgarbage("count") - before
    assert.is_true(growth < 256, ("memory grew by %.0f KiB"):format(growth))
    assert.is_true(helper.stats(sb).connections <= 40)
  end)

  describe("transfers", function()
    local big
    setup(function() big = sample("big.bin", 64 * 1024 * 1024) end)

    it("cancels an upload mid-way", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local task
      task = ugc:spawn(function()
        return ugc.files.upload{ file = file, path = big, on_progress = function(sent)
          if sent > 0 then task:cancel() end
        end }
      end)
      frames(ugc)
      local ok, err = task:result()
      assert.is_nil(ok)
      assert.are.equal("cancelled", err.kind)
    end)

    it("cancels a download mid-way and leaves no file behind", function()
      local file = assert(ugc.files.upload_path{ path = big })
      file = assert(ugc.files.retrieve(file.id))
      local dst = dir .. "/cancelled.bin"
      local task
      task = ugc:spawn(function()
        return ugc.files.download{ file = file, path = dst, on_progress = function(got)
          if got > 0 then task:cancel() end
        end }
      end)
      frames(ugc)
      assert.are.equal("cancelled", select(2, task:result()).kind)
      assert.is_nil(helper.read_file(dst))
      assert.is_nil(helper.read_file(dst .. ".part"))
    end)

    it("runs uploads concurrently; sockets() names the wake-up descriptor", function()
      local files, list = {}, {}
      for i = 1, 6 do files[i] = assert(ugc.files.create{ file_type = "mp4" }) end
      for i = 1, 6 do
        list[i] = ugc:spawn(function()
          return assert(ugc.files.upload{ file = files[i], path = sample("c" .. i, 4 * 1024 * 1024) })
        end)
      end
      while ugc:pending() > 0 do ugc:step(0.01) end
      for i = 1, 6 do local got, e = list[i]:result(); assert.are.equal(files[i], got, tostring(e)) end
      local r, w = ugc:sockets() -- kept for hosts written before the worker thread
      assert.are.same({ ugc:fd() }, r)
      assert.are.same({}, w)
    end)

    it("moves bytes on the worker: the host steps only when the descriptor wakes it", function()
      local socket = require "socket"
      local c = helper.client(sb, { max_transfers = 8 })
      local fd = c:fd()
      assert.is_true(math.type == nil or math.type(fd) == "integer")
      local waker = { getfd = function() return fd end } -- what socket.select watches
      local files, list, srcs = {}, {}, {}
      for i = 1, 8 do
        files[i] = assert(c.files.create{ file_type = "mp4" })
        srcs[i] = dir .. "/worker" .. i
        helper.write_file(srcs[i], ("%d bytes the host never touches\n"):format(i):rep(60000))
      end
      for i = 1, 8 do
        list[i] = c:spawn(function() return must(c.files.upload{ file = files[i], path = srcs[i] }) end)
      end
      c:step(0) -- the tasks start: their uploads go to the worker
      local steps = 0
      while c:pending() > 0 do
        local ready = socket.select({ waker }, nil, 30)
        assert.are.equal(1, #ready, "the descriptor never became readable")
        c:step(0)
        steps = steps + 1
      end
      for i = 1, 8 do assert.are.equal(files[i], (list[i]:result())) end
      -- one wake-up per finished upload at most (the engine before this one
      -- needed a step for every 64 KiB of every upload: 230 here)
      assert.is_true(steps <= 8, "steps " .. steps)
      for i = 1, 8 do -- what arrived is what was sent (the ETag was checked too)
        local back = dir .. "/worker-back" .. i
        assert(c.files.download{ file = assert(c.files.retrieve(files[i].id)), path = back })
        assert.are.equal(helper.read_file(srcs[i]), helper.read_file(back))
      end
      -- an upload in flight can be cancelled like any other
      local large = sample("worker-big", 64 * 1024 * 1024)
      local f = assert(c.files.create{ file_type = "mp4" })
      local t = c:spawn(function() return must(c.files.upload{ file = f, path = large }) end)
      c:step(0)
      t:cancel()
      while c:pending() > 0 do c:step(0.01) end
      assert.are.equal("cancelled", select(2, t:result()).kind)
      c:close()
    end)

    it("uploads many files at once with upload_many", function()
      local items = {}
      for i = 1, 5 do
        items[i] = { file = assert(ugc.files.create{ file_type = "mp4" }), path = sample("m" .. i, 1024 * 1024) }
      end
      local results, summary = ugc.files.upload_many(items)
      assert.are.equal(5, #results)
      for i = 1, 5 do assert.are.equal(items[i].file, results[i]) end
      assert.are.same({ ok = true, total = 5, succeeded = 5, failed = 0, errors = {} },
        { ok = summary.ok, total = summary.total, succeeded = summary.succeeded, failed = summary.failed,
          errors = summary.errors })
      assert.is_nil(summary.first_error)
      assert.are.equal("5 of 5 uploads succeeded", tostring(summary))
    end)

    it("gives every item its own result when some uploads fail", function()
      local good = assert(ugc.files.create{ file_type = "mp4" })
      local late = assert(ugc.files.create{ file_type = "mp4" })
      local items = {
        { file = good, path = sample("g1", 2048) },
        { file = late.presigned_url, path = sample("g2", 2048) }, -- a bare URL: nothing to refresh it
        { file = assert(ugc.files.create{ file_type = "mp4" }).presigned_url, path = sample("g3", 2048) },
      }
      helper.advance(sb, 3600) -- every URL has expired; only the file table can get a fresh one
      local results, summary = ugc.files.upload_many(items)
      assert.are.equal(3, #results)
      assert.are.equal(good, results[1])
      for i = 2, 3 do
        assert.is_true(moveugc.errors.is(results[i]))
        assert.are.equal("expired", results[i].kind)
        assert.are.equal(results[i], summary.errors[i])
      end
      assert.is_false(summary.ok)
      assert.are.equal(1, summary.succeeded)
      assert.are.equal(2, summary.failed)
      assert.are.equal(results[2], summary.first_error)
      local text = tostring(summary)
      assert.matches("^1 of 3 uploads succeeded; items%[2%]: ", text)
      assert.is_nil(text:find("Signature=", 1, true))
      -- the one that worked is really there
      local back = assert(ugc.files.retrieve(good.id))
      assert.is_string(back.presigned_url)
    end)

    it("returns an empty list and a clean summary for no items", function()
      local results, summary = ugc.files.upload_many({})
      assert.are.same({}, results)
      assert.is_true(summary.ok)
      assert.are.equal(0, summary.total)
      assert.has_error(function() ugc.files.upload_many({ [2] = {} }) end,
        "files.upload_many: bad argument 'items' (must be a list)")
    end)
  end)

  it("is reachable from moveugc.new options", function()
    assert.has_error(function() moveugc.new{ api_key = helper.KEY, max_transfers = 0 } end,
      "moveugc.new: bad option 'max_transfers' (an integer from 1 to 1024 expected)")
    assert.has_error(function() moveugc.new{ api_key = helper.KEY, step_budget_ms = -1 } end,
      "moveugc.new: bad option 'step_budget_ms' (milliseconds from 0 to 1e6 expected)")
    assert.has_error(function() moveugc.new{ api_key = helper.KEY, step_budget_ms = "1" } end,
      "moveugc.new: bad option 'step_budget_ms' (number expected, got string)")
  end)
end)
