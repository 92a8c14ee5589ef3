-- The engine under what embedding hosts do: finalizers that call the SDK
-- while the SDK allocates, event loops that wait on fd(), a stalled DNS
-- server, a process short of resources, steps with nothing to do. The C
-- side of the same (signals, fork, descriptors) is core/test/test_engine.c.
local helper = require "helper"
local core = require "moveugc.core"

describe("the engine in a host", function()
  local sb, dir

  setup(function()
    sb = helper.sandbox()
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  teardown(function()
    sb.stop()
    os.execute("rm -rf " .. dir)
  end)

  local function run(name, body, prefix) return helper.run_script(dir, name, body, prefix) end

  local function client_line(endpoint)
    return ("local moveugc = require 'moveugc'\nlocal core = require 'moveugc.core'\n" ..
      "local c = moveugc.new{ api_key = %q, endpoint = %q }\n"):format(helper.KEY, endpoint or sb.url)
  end

  -- In a child: the old failure was a crash. The collector runs all the
  -- time, and each finalizer leaves another behind, so that finalizers run
  -- inside the SDK's own allocations. Scripts end with os.exit, before
  -- lua_close: finalizers that call a C module while the state closes may
  -- outlive the module (LuaJIT unloads it first).
  local GARBAGE = [[
    collectgarbage("setpause", 0)
    collectgarbage("setstepmul", 100)
    local stop, calls_left = false, 0
    -- n finalizers calling fn, each leaving another behind, for `budget`
    -- calls in all (the collector would otherwise call them without end)
    local function garbage(fn, n, budget)
      if budget then calls_left = budget end
      local function again()
        if stop or calls_left <= 0 then return end
        calls_left = calls_left - 1
        fn()
        garbage(fn, 1)
      end
      for _ = 1, n do
        if newproxy then
          local p = newproxy(true)
          getmetatable(p).__gc = again
        else
          setmetatable({}, { __gc = again })
        end
      end
    end
  ]]

  describe("finalizers that call the client", function()
    it("leave a response being decoded intact (it is not the buffer they receive into)", function()
      local c = helper.client(sb)
      local take = helper.take(c)
      -- a page of over 1 MiB, which the session's buffer shrinks from
      for i = 1, 40 do
        assert(c.jobs.create{ take_id = take.id, name = ("job %d"):format(i),
          metadata = { note = ("metadata "):rep(3000) } })
      end
      c:close()
      local out, ok = run("gc_decode", client_line() .. GARBAGE .. [[
        local function ids(page)
          local out = {}
          for i, job in ipairs(page.items) do out[i] = job.id end
          return table.concat(out, ",")
        end
        local want = ids(assert(c.jobs.list{ limit = 100 }))
        local calls, wrong = 0, 0
        -- a page of the same size in the other order: other bytes
        local function fin()
          local okc, page = pcall(c.jobs.list, { limit = 100, sort_by = "ASC" })
          if okc and page then calls = calls + 1 end
        end
        garbage(fin, 4, 40)
        for _ = 1, 8 do
          local page = assert(c.jobs.list{ limit = 100 })
          if ids(page) ~= want then wrong = wrong + 1 end
          for _, job in ipairs(page.items) do
            if job.metadata.note ~= ("metadata "):rep(3000) then wrong = wrong + 1 end
          end
        end
        stop = true
        print(("calls=%d wrong=%d"):format(calls, wrong))
        os.exit(0)
      ]])
      assert.is_true(ok, out)
      local calls, wrong = out:match("calls=(%d+) wrong=(%d+)")
      assert.is_truthy(calls, out)
      assert.is_true(tonumber(calls) > 8, out)
      assert.equal("0", wrong)
    end)

    it("never swap a task's request body for their own", function()
      local c = helper.client(sb)
      local file = helper.uploaded(c)
      c:close()
      local out, ok = run("gc_task", client_line() .. GARBAGE .. ([[
        local me = assert(c.client.retrieve())
        local wrong = 0
        local function fin() pcall(c.files.retrieve, %q) end
        garbage(fin, 40, 1e6)
        for _ = 1, 1000 do
          local t = c:spawn(function() return c.client.retrieve() end)
          local got = t:wait()
          if not (got and got.id == me.id) then wrong = wrong + 1 end
        end
        stop = true
        print(("rounds=1000 wrong=%%d"):format(wrong))
        os.exit(0)
      ]]):format(file.id))
      assert.is_true(ok, out)
      assert.matches("rounds=1000 wrong=0\n", out)
    end)
  end)

  describe("a host that waits on fd() (luv)", function()
    local has_luv = pcall(require, "luv")

    -- The loop of examples/luv_host.lua, with fn(ugc) run from a timer of
    -- the app's own and a 10 s guard that ends a loop nobody wakes.
    local function loop_script(app, after)
      return client_line() .. [[
        local uv = require "luv"
        local wake, timer, guard = uv.new_poll(assert(c:fd())), uv.new_timer(), uv.new_timer()
        local tasks, stuck = {}, false
        local function stop()
          wake:stop(); timer:stop(); guard:stop()
          if not wake:is_closing() then wake:close() end
        end
        local function step()
          c:step(0)
          local open = false
          for _, t in ipairs(tasks) do if not t:done() then open = true end end
          if not open and #tasks > 0 then return stop() end
          timer:stop()
          local ms = c:timeout_ms()
          if ms then timer:start(ms, 0, step) end
        end
        wake:start("r", function() step() end)
        guard:start(10000, 0, function() stuck = true; stop() end)
      ]] .. app .. [[
        step()
        uv.run()
        ]] .. (after or "") .. [[
        for i, t in ipairs(tasks) do
          local r, err = t:result()
          print(("task %d: %s %s"):format(i, t.status, tostring(r and r.id or err)))
        end
        print(stuck and "STUCK" or "FINISHED")
      ]]
    end

    it("steps for a task spawned from the app's own callback", function()
      if not has_luv then return pending("luv is not installed") end
      local out = run("luv_spawn", loop_script([[
        local app = uv.new_timer()
        app:start(50, 0, function()
          tasks[#tasks + 1] = c:spawn(function() return c.client.retrieve() end)
          app:close()
        end)
      ]]))
      assert.matches("task 1: done", out)
      assert.matches("FINISHED", out)
    end)

    it("steps for a task whose request a blocking call collected", function()
      if not has_luv then return pending("luv is not installed") end
      -- the next API call is answered in 20 s: it keeps the worker busy, so
      -- a blocking call goes through it (and collects what it finished)
      helper.fault(sb, { target = "graphql", count = 1, delay_ms = 20000 })
      local out = run("luv_blocking", loop_script([[
        local busy = c:spawn(function() return c.client.retrieve() end)
        c:step(0)
        core.sleep(0.2) -- the sandbox holds it now
        tasks[1] = c:spawn(function() return c.client.retrieve() end)
        local app = uv.new_timer()
        app:start(0, 0, function() -- before the loop first polls fd()
          -- the task's request finishes meanwhile; this call collects it
          core.sleep(0.3)
          assert(c.client.retrieve())
          app:close()
        end)
      ]], "busy:cancel()"))
      assert.matches("task 1: done", out)
      assert.matches("FINISHED", out)
    end)
  end)

  it("cancels and closes at once while a name takes seconds to resolve", function()
    local so = dir .. "/slow_resolver.so"
    local shim = helper.root .. "/spec/fixtures/slow_resolver.c"
    local ok = os.execute(("cc -shared -fPIC -o %q %q -ldl"):format(so, shim))
    assert.is_truthy(ok == true or ok == 0, "cannot build the resolver shim")
    local port = sb.url:match(":(%d+)/")
    local out = run("slow_dns", client_line(("http://api.slow.test:%s/graphql"):format(port)) .. [[
      local t = c:spawn(function() return c.client.retrieve() end)
      c:step(0) -- the task starts
      c:step(0.3) -- and its name is being resolved
      local t0 = core.now()
      t:cancel()
      local cancel = core.now() - t0
      local t2 = c:spawn(function() return c.client.retrieve() end)
      c:step(0)
      c:step(0.3)
      t0 = core.now()
      c:close()
      print(("status=%s cancel=%.3f close=%.3f"):format(t.status, cancel, core.now() - t0))
      print(t2.status)
    ]], ("env LD_PRELOAD=%q SLOW_RESOLVER_SECONDS=6"):format(((os.getenv("LD_PRELOAD") or "") .. " " .. so)))
    local cancel, close = out:match("status=cancelled cancel=([%d.]+) close=([%d.]+)")
    assert.is_truthy(cancel, out)
    -- the lookup takes 6 s: neither call may wait for it (before: 5.7 s each)
    assert.is_true(tonumber(cancel) < 2, out)
    assert.is_true(tonumber(close) < 2, out)
  end)

  it("says why when the worker thread cannot start, and blocking calls still work", function()
    -- a 64 GiB default thread stack: the worker's cannot be mapped
    local src = dir .. "/clip.mp4"
    helper.write_file(src, ("x"):rep(1000))
    local out = run("no_thread", client_line() .. ([[
      assert(c.client.retrieve()) -- no worker needed
      local t = c:spawn(function() return c.client.retrieve() end)
      local _, err = t:wait()
      print("task: " .. tostring(err and err.kind) .. ": " .. tostring(err))
      local _, uerr = c.files.upload_path({ path = %q }, { max_retries = 0 })
      print("upload: " .. tostring(uerr and uerr.kind) .. ": " .. tostring(uerr))
    ]]):format(src), "ulimit -s 67108864 &&")
    assert.matches("task: internal: .*cannot start the worker thread: %a", out)
    assert.matches("upload: internal: .*cannot start the worker thread: %a", out)
  end)

  describe("step", function()
    it("returns at once with nothing to do, whatever its timeout", function()
      local c = helper.client(sb)
      local t0 = core.now()
      assert.equal(0, c:step(5))
      assert.is_true(core.now() - t0 < 1)
      assert.is_nil(c:timeout_ms())
      c:close()
      local out = run("step_huge", client_line() .. [[
        print("pending=" .. c:step(math.huge))
      ]], "timeout 10")
      assert.matches("pending=0", out)
    end)

    it("still sleeps for a task's timer", function()
      local c = helper.client(sb)
      local t = c:spawn(function() c:_sleep(0.3) return "woke" end)
      local t0 = core.now()
      while not t:done() do c:step(5) end
      assert.is_true(core.now() - t0 >= 0.25)
      assert.equal("woke", t:result())
      c:close()
    end)
  end)
end)
