-- A full disk, for real: a 64 KiB tmpfs mounted for this spec, which needs
-- root (without it, each case prints a SKIP line saying so). What the
-- README promises there: kind "file", and no file, `.part` or folder left.
local helper = require "helper"
local cli = require "moveugc.cli"

-- a shell command; LD_PRELOAD (the ASan run's) stays out of mount and umount
local function sh(cmd)
  local ok = os.execute("env -u LD_PRELOAD " .. cmd)
  return ok == true or ok == 0
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function output_of(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

describe("a full disk", function()
  local sb, ugc, mnt, job, file, mounted

  setup(function()
    sb = helper.sandbox("--job-seconds 0.1")
    ugc = helper.client(sb)
    local take = helper.take(ugc)
    job = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "RENDER_VIDEO" } })
    -- the first output fits in 64 KiB, the second does not
    helper.set_job(sb, job.id, { output_bytes = 40000 })
    job = assert(ugc.jobs.wait{ id = job.id, interval = 0.05 })
    file = assert(ugc.files.retrieve(helper.uploaded(ugc, "mp4", ("full disk "):rep(20000)).id))
    mnt = helper.tmpname()
    assert(sh("mkdir -p " .. q(mnt)))
    if output_of("id -u"):match("^(%d+)") == "0" then
      mounted = sh(("mount -t tmpfs -o size=64k tmpfs %s"):format(q(mnt)))
      assert(mounted, "running as root, but mount -t tmpfs failed")
    end
  end)
  teardown(function()
    if mounted then sh("umount " .. q(mnt)) end
    os.execute("rm -rf " .. q(mnt))
    ugc:close()
    sb.stop()
  end)
  after_each(function()
    if mounted then os.execute("rm -rf " .. q(mnt) .. "/*") end
  end)

  -- true when the full disk is there; else says why the case does not run
  local function full_disk(case)
    if mounted then return true end
    print(("\nSKIP full_disk_spec: %s: mounting a tmpfs needs root"):format(case))
    return false
  end

  -- what is left on the disk, one path a line ("" when nothing)
  local function left()
    return output_of(("cd %s && find . -mindepth 1 | sort"):format(q(mnt)))
  end

  it("download_outputs: kind file, and neither outputs nor .part nor the folders it made are left", function()
    if not full_disk("download_outputs") then return end
    local files, err = ugc.jobs.download_outputs{ job = job, dir = mnt .. "/new/sub" }
    assert.is_nil(files)
    assert.are.equal("file", err.kind)
    assert.are.equal("RENDER_VIDEO", err.output)
    assert.matches("No space left on device", err.message)
    assert.are.equal("", left())
    -- in a folder that was there already: it stays, empty
    assert(sh("mkdir " .. q(mnt .. "/out")))
    files, err = ugc.jobs.download_outputs{ job = job, dir = mnt .. "/out" }
    assert.is_nil(files)
    assert.are.equal("file", err.kind)
    assert.are.equal("./out\n", left())
  end)

  it("files.download: kind file and no .part, blocking or in a task", function()
    if not full_disk("files.download") then return end
    local path, err = ugc.files.download{ file = file, path = mnt .. "/clip.mp4" }
    assert.is_nil(path)
    assert.are.equal("file", err.kind)
    assert.is_false(err.retryable)
    assert.are.equal("", left())
    local t = ugc:spawn(function() return ugc.files.download{ file = file, path = mnt .. "/task.mp4" } end)
    path, err = t:wait()
    assert.is_nil(path)
    assert.are.equal("file", err.kind)
    assert.are.equal("", left())
  end)

  it("moveugc jobs download --dir: exit status 1, the reason said, nothing left", function()
    if not full_disk("moveugc jobs download") then return end
    local out, errs = {}, {}
    local function sink(t) return { write = function(_, ...) for _, s in ipairs{ ... } do t[#t + 1] = s end end } end
    local env = { MOVE_API_KEY = helper.KEY, MOVE_UGC_ENDPOINT_URL = sb.url }
    local code = cli.run({ "jobs", "download", job.id, "--dir", mnt .. "/cli/out" }, {
      stdout = sink(out), stderr = sink(errs), tty = false, stdin = { read = function() return nil end },
      getenv = function(k) return env[k] end })
    assert.are.equal(1, code)
    assert.matches("No space left on device", table.concat(errs))
    assert.are.equal("", left())
  end)
end)
