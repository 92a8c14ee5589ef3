-- The engine: a worker thread per client owns every transfer. What a host
-- sees of it: the process exits cleanly with transfers in flight, and a
-- client closed or collected mid-transfer lets go of everything.
local helper = require "helper"

describe("the worker thread", function()
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

  local function script(ending)
    return ([[
      local moveugc = require "moveugc"
      local ugc = moveugc.new{ api_key = %q, endpoint = %q }
      local src = %q
      local f = assert(io.open(src, "wb"))
      f:write(("x"):rep(1024 * 1024):rep(16))
      f:close()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local moved = false
      local t = ugc:spawn(function()
        return ugc.files.upload{ file = file, path = src, on_progress = function(d) moved = d > 0 end }
      end)
      while not moved and not t:done() do ugc:step(0.01) end
      io.write("in flight\n")
      io.flush()
      %s
    ]]):format(helper.KEY, sb.url, dir .. "/src-" .. tostring(ending):gsub("%W", ""), ending)
  end

  it("lets the process exit with a transfer in flight (os.exit, no close)", function()
    local out, ok = run("exit", script("os.exit(0)"))
    assert.is_true(ok, out)
    assert.matches("in flight", out)
  end)

  it("lets the process exit with a transfer in flight (the state closed, __gc)", function()
    local out, ok = run("exit_close", script("os.exit(0, true)"))
    assert.is_true(ok, out)
  end)

  it("cancels and joins on close(), and the client says it is closed", function()
    local out, ok = run("close", script([[
      ugc:close()
      ugc:close() -- twice is fine
      assert(t:done() or ugc:pending() >= 0)
      local good, err = pcall(function() return ugc.client.retrieve() end)
      assert(not good and tostring(err):find("closed"), tostring(err))
      io.write("closed\n")]]))
    assert.is_true(ok, out)
    assert.matches("closed", out)
  end)

  it("frees a client dropped mid-transfer (garbage collected)", function()
    local out, ok = run("gc", script([[
      ugc, t = nil, nil
      collectgarbage()
      collectgarbage()
      io.write("collected\n")]]))
    assert.is_true(ok, out)
    assert.matches("collected", out)
  end)
end)
