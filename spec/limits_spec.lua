-- What transfers cost the process, in a child process under prlimit: a
-- digest whose thread cannot start says so, as an internal error.
--
-- RLIMIT_NPROC counts every task (thread) of the user, machine-wide, and
-- binds no process of root: as root the child runs as nobody, its limit set
-- from the count of nobody's tasks just before.
local helper = require "helper"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function capture(cmd)
  local p = assert(io.popen(cmd))
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
    local out = capture(("%s%s %s 2>&1; echo \"exit=$?\""):format(prefix, helper.flavour, q(path)))
    return out, out:match("exit=0\n$") ~= nil
  end

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
