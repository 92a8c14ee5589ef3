-- What transfers cost the process: 500 of them queued behind max_transfers
-- hold no descriptor and no thread until their turn, so they all succeed
-- under limits far below 500 (a child process under prlimit); and a digest
-- whose thread cannot start says so, as an internal error.
--
-- RLIMIT_NPROC counts every task (thread) of the user, machine-wide, and
-- binds no process of root: as root the child runs as nobody, its limit set
-- from the count of nobody's tasks just before.
local helper = require "helper"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- The system's tools (ps, id, prlimit, setpriv) run without the sanitizer's
-- preload of the ASan spec run (ps hangs under it); the child's interpreter
-- gets it back, for the ASan build of moveugc.core.
local function plain(cmd) return "env -u LD_PRELOAD -u ASAN_OPTIONS sh -c " .. q(cmd) end
local PRELOAD, ASAN_OPTIONS = os.getenv("LD_PRELOAD"), os.getenv("ASAN_OPTIONS")
local function interpreter()
  if not PRELOAD or PRELOAD == "" then return helper.flavour end
  return ("env LD_PRELOAD=%s ASAN_OPTIONS=%s %s"):format(q(PRELOAD), q(ASAN_OPTIONS or ""), helper.flavour)
end

local function capture(cmd)
  local p = assert(io.popen(plain(cmd)))
  local out = p:read("*a")
  p:close()
  return out
end

local function is_root() return capture("id -u"):match("^%s*(%d+)") == "0" end

-- The command prefix that runs the child as someone the thread limit binds
-- (nobody, when we are root), and how many tasks that user has now.
local function limited_user()
  if is_root() then
    local uid, gid = capture("id -u nobody"):match("%d+"), capture("id -g nobody"):match("%d+")
    assert(uid and gid, "no user nobody to run the child as")
    local tasks = tonumber(capture("ps -L -u " .. uid .. " --no-headers | wc -l"):match("%d+"))
    return ("setpriv --reuid=%s --regid=%s --clear-groups "):format(uid, gid), tasks
  end
  return "", tonumber(capture("ps -L -u \"$(id -u)\" --no-headers | wc -l"):match("%d+"))
end

describe("transfers under the process's limits", function()
  local sb, dir, src

  setup(function()
    sb = helper.sandbox("--url-seconds 3600")
    dir = helper.tmpname()
    assert(os.execute("mkdir -p " .. q(dir) .. " && chmod 0777 " .. q(dir)))
    -- above the size hashed inline: each running upload has a digest thread
    src = helper.sample(dir, "src.mp4", 100 * 1024)
  end)
  teardown(function()
    sb.stop()
    os.execute("rm -rf " .. q(dir))
  end)

  -- Runs a script in a fresh interpreter of the flavour under test, behind
  -- prefix (prlimit, setpriv); returns its output and whether it exited 0.
  local function run(prefix, name, body)
    local path = dir .. "/" .. name .. ".lua"
    helper.write_file(path, body)
    local out = capture(("%s%s %s 2>&1; echo \"exit=$?\""):format(prefix, interpreter(), q(path)))
    return out, out:match("exit=0\n$") ~= nil
  end

  -- 500 uploads (upload_many), then 500 downloads of the first file, with
  -- max_transfers = 4; prints how many of each succeeded.
  local function many(name)
    local out = dir .. "/" .. name
    return ([[
      local moveugc = require "moveugc"
      local N, out = 500, %q
      assert(os.execute("mkdir -p " .. out))
      local ugc = moveugc.new{ api_key = %q, endpoint = %q, max_transfers = 4 }
      local items = {}
      for i = 1, N do items[i] = { file = assert(ugc.files.create{ file_type = "mp4" }), path = %q } end
      local _, summary = ugc.files.upload_many(items)
      io.write("uploaded ", summary.succeeded, " of ", N, "\n")
      if summary.first_error then io.write("first error: ", tostring(summary.first_error), "\n") end
      local file = assert(ugc.files.retrieve(items[1].file.id))
      local list = {}
      for i = 1, N do
        list[i] = ugc:spawn(function() return ugc.files.download{ file = file, path = out .. "/" .. i } end)
      end
      ugc:run()
      local ok, first = 0, nil
      for _, t in ipairs(list) do
        local path, err = t:result()
        if path then ok = ok + 1 else first = first or err end
      end
      io.write("downloaded ", ok, " of ", N, "\n")
      if first then io.write("first error: ", tostring(first), "\n") end
      ugc:close()
    ]]):format(out, helper.KEY, sb.url, src)
  end

  it("runs 500 queued uploads and 500 downloads with 256 descriptors", function()
    local out, ok = run("prlimit --nofile=256:256 ", "nofile", many("nofile"))
    assert.is_true(ok, out)
    assert.matches("uploaded 500 of 500\n", out, 1, true)
    assert.matches("downloaded 500 of 500\n", out, 1, true)
  end)

  it("runs 500 queued uploads and 500 downloads with room for a few threads", function()
    local as, tasks = limited_user()
    -- the interpreter, the client's worker, a digest per running transfer
    -- (4), and a few to spare: far below one per queued transfer
    local limit = tasks + 2 + 4 + 6
    local out, ok = run(("prlimit --nproc=%d:%d %s"):format(limit, limit, as), "nproc", many("nproc"))
    assert.is_true(ok, out)
    assert.matches("uploaded 500 of 500\n", out, 1, true)
    assert.matches("downloaded 500 of 500\n", out, 1, true)
  end)

  it("says a download's digest thread that cannot start is an internal error, with the errno", function()
    local ugc = helper.client(sb)
    local file = assert(ugc.files.upload_path{ path = src })
    file = assert(ugc.files.retrieve(file.id))
    ugc:close()
    local as, tasks = limited_user()
    -- the interpreter and the client's worker: no room for a digest's thread
    local limit = tasks + 2
    local before = helper.stats(sb).requests.download
    local out, ok = run(("prlimit --nproc=%d:%d %s"):format(limit, limit, as), "digest", ([[
      local moveugc = require "moveugc"
      local ugc = moveugc.new{ api_key = %q, endpoint = %q }
      local path, err = ugc.files.download{ url = %q, path = %q }
      io.write(tostring(path), "|", err.kind, "|", err.message, "|", tostring(err.retryable), "\n")
      ugc:close()
    ]]):format(helper.KEY, sb.url, file.presigned_url, dir .. "/digest.out"))
    assert.is_true(ok, out)
    assert.matches("nil|internal|cannot start the digest's thread: Resource temporarily unavailable|false\n",
      out, 1, true)
    assert.are.equal(before + 1, helper.stats(sb).requests.download) -- not retried
  end)
end)
