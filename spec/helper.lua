-- Shared by every spec: starts a private sandbox on a free loopback port,
-- makes clients for it, and drives its /_sandbox/ controls.
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local helper = {}

helper.KEY = "sandbox-key-0123456789"
helper.OTHER_KEY = "other-key-0123456789" -- a second client, to check that data stays apart
helper.root = (debug.getinfo(1, "S").source:match("^@(.*)/spec/helper%.lua$")) or "."
-- the Lua running the specs, named as its interpreter and its build folder
helper.flavour = type(jit) == "table" and "luajit" or (_VERSION:gsub("Lua ", "lua"))

local function sleep(s) os.execute("sleep " .. s) end
helper.sleep = sleep

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end
helper.read_file = read_file

function helper.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

--- A file of size bytes (a repeated pattern) named name in dir; returns its path.
function helper.sample(dir, name, size)
  local path = dir .. "/" .. name
  helper.write_file(path, ("0123456789abcdef"):rep(math.ceil(size / 16)):sub(1, size))
  return path
end

function helper.tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p
end

local function shell_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
helper.shell_quote = shell_quote

--- Runs the moveugc command in process (moveugc.cli), against sandbox sb;
-- returns {out, err, code}. o.env: variables to set (false unsets one);
-- o.stdin: a file to read from; o.tty: stderr is a terminal.
function helper.cli_run(sb, args, o)
  o = o or {}
  local env = { MOVE_API_KEY = helper.KEY, MOVE_UGC_ENDPOINT_URL = sb.url }
  for k, v in pairs(o.env or {}) do env[k] = v or nil end
  local out, err = {}, {}
  local function sink(t)
    return { write = function(_, ...)
      for i = 1, select("#", ...) do t[#t + 1] = tostring((select(i, ...))) end
    end }
  end
  local stdin = o.stdin and assert(io.open(o.stdin, "rb"))
  local code = require("moveugc.cli").run(args, { stdout = sink(out), stderr = sink(err), tty = o.tty or false,
    stdin = stdin or { read = function() return nil end }, getenv = function(k) return env[k] end })
  if stdin then stdin:close() end
  assert(type(code) == "number", "cli.run returned a " .. type(code))
  return { out = table.concat(out), err = table.concat(err), code = code }
end

-- this Lua's build of moveugc.core; the ASan build when this run uses it (LD_PRELOAD stays then)
local ASAN = (os.getenv("LUA_CPATH") or ""):find("/build/asan/", 1, true) ~= nil
local CDIR = ASAN and "build/asan" or "build/" .. helper.flavour

--- The same as a subprocess: bin/moveugc as a shell runs it, on the Lua
-- that runs the specs (its name is the interpreter's); returns {out, err, code}.
function helper.cli_bin(sb, args, o)
  o = o or {}
  local root = helper.root
  local env = {
    LUA_PATH = root .. "/binding/?.lua;" .. root .. "/binding/?/init.lua;;",
    LUA_CPATH = root .. "/" .. CDIR .. "/?.so;;",
    MOVE_API_KEY = helper.KEY, MOVE_UGC_ENDPOINT_URL = sb.url,
    MOVE_WEBHOOK_SECRET = false, MOVE_DEFAULT_PAGE_SIZE = false,
  }
  if not ASAN then env.LD_PRELOAD = false end
  for k, v in pairs(o.env or {}) do env[k] = v end
  local unset, set = {}, {} -- env takes its -u options before the assignments
  for k, v in pairs(env) do
    if v == false then unset[#unset + 1] = "-u " .. k else set[#set + 1] = k .. "=" .. shell_quote(v) end
  end
  local parts = { "env", table.concat(unset, " "), table.concat(set, " ") }
  local quoted = {}
  for i, a in ipairs(args) do quoted[i] = shell_quote(a) end
  local errfile = helper.tmpname()
  local cmd = ('%s %s %s %s <%s 2>%s; echo "rc=$?"'):format(table.concat(parts, " "), helper.flavour,
    shell_quote(root .. "/bin/moveugc"), table.concat(quoted, " "), shell_quote(o.stdin or "/dev/null"),
    shell_quote(errfile))
  local p = assert(io.popen(cmd))
  local all = p:read("*a")
  p:close()
  local err = read_file(errfile) or ""
  os.remove(errfile)
  local out, code = all:match("^(.*)rc=(%d+)\n$")
  assert(code, "no exit status in: " .. all)
  return { out = out, err = err, code = tonumber(code) }
end

--- Runs fn with io.stderr replaced by a stream that keeps what is written to
-- it; returns that text. What fn raises is raised again, io.stderr restored.
function helper.process_stderr(fn)
  local real, kept = io.stderr, {}
  rawset(io, "stderr", { write = function(self, ...)
    for i = 1, select("#", ...) do kept[#kept + 1] = tostring((select(i, ...))) end
    return self
  end })
  local ok, err = pcall(fn)
  rawset(io, "stderr", real)
  if not ok then error(err, 0) end
  return table.concat(kept)
end

--- Starts `node sandbox/server.js --port 0 <args>`; returns a handle with
-- url (the GraphQL endpoint), base (scheme://host:port) and stop().
function helper.sandbox(extra)
  local log = helper.tmpname()
  local cmd = ("cd %q && env -u LD_PRELOAD -u ASAN_OPTIONS node sandbox/server.js --port 0 %s >%q 2>&1 & echo $!")
    :format(helper.root, extra or "", log)
  local p = assert(io.popen(cmd))
  local pid = assert(tonumber(p:read("*l")), "could not start the sandbox")
  p:close()
  local url
  for _ = 1, 200 do
    local out = read_file(log) or ""
    url = out:match("^moveugc%-sandbox listening on (%S+)\n")
    if url then break end
    sleep(0.05)
  end
  if not url then
    os.execute("kill " .. pid .. " 2>/dev/null")
    error("sandbox did not start: " .. (read_file(log) or ""))
  end
  local sb = { url = url, base = url:gsub("/graphql$", ""), pid = pid, log = log }
  function sb.stop()
    os.execute("kill " .. pid .. " 2>/dev/null")
    os.remove(log)
  end
  return sb
end

--- A sandbox that knows helper.KEY and helper.OTHER_KEY, each its own client.
function helper.two_key_sandbox(extra)
  return helper.sandbox(("%s --api-key %s --api-key %s"):format(extra or "", helper.KEY, helper.OTHER_KEY))
end

--- Walks every page of list{limit, next_token, sort_by}, checking each
-- page's limit and token; returns the ids seen, in order, and the page count.
function helper.all_pages(list, limit, sort_by)
  local seen, token, n = {}, nil, 0
  repeat
    local page = assert(list{ limit = limit, next_token = token, sort_by = sort_by })
    assert(page.limit == limit, "page.limit is " .. tostring(page.limit))
    n = n + 1
    for _, item in ipairs(page.items) do seen[#seen + 1] = item.id end
    token = page.next_token
    assert(token == nil or type(token) == "string", "next_token must be a string or nil")
  until token == nil
  return seen, n
end

--- The paging contract of a list, as busted cases (pass busted's `it`):
-- pages of 3, newest first by default and with "desc", oldest first with
-- "ASC"/"asc". get() returns the list function and the ids in creation order.
function helper.it_pages(it, get)
  local function check(sort_by, oldest_first)
    local list, ids = get()
    local seen, n = helper.all_pages(list, 3, sort_by)
    assert(n == math.ceil(#ids / 3), ("%d pages for %d items"):format(n, #ids))
    assert(#seen == #ids, ("%d items seen of %d"):format(#seen, #ids))
    for i = 1, #ids do
      local want = oldest_first and ids[i] or ids[#ids + 1 - i]
      assert(seen[i] == want, ("item %d is %s, expected %s"):format(i, tostring(seen[i]), want))
    end
  end
  it("pages newest first by default", function() check(nil, false) end)
  it("pages newest first with sort_by desc", function() check("desc", false) end)
  it("pages oldest first with sort_by ASC", function() check("ASC", true) end)
  it("pages oldest first with sort_by asc", function() check("asc", true) end)
end

--- Loops over each(args) with a client that does not retry, and makes the
-- sandbox answer `status` once after `at` items; returns pcall's ok and
-- error, and how many items the loop saw.
function helper.break_iterator(sb, each_of, args, at, status)
  local c0 = helper.client(sb, { max_retries = 0 })
  local n = 0
  local ok, err = pcall(function()
    for _ in each_of(c0)(args) do
      n = n + 1
      if n == at then helper.fault(sb, { target = "graphql", count = 1, status = status }) end
    end
  end)
  c0:close()
  return ok, err, n
end

--- Runs a Lua script (body, written to dir/name.lua) in a fresh interpreter
-- of the flavour under test, with the specs' module paths; prefix goes
-- before the command (env, ulimit, timeout). Returns its output (stdout and
-- stderr) and whether it exited with status 0.
function helper.run_script(dir, name, body, prefix)
  local path = dir .. "/" .. name .. ".lua"
  helper.write_file(path, body)
  local p = assert(io.popen(("%s %s %q 2>&1; echo \"exit=$?\""):format(prefix or "", helper.flavour, path)))
  local out = p:read("*a")
  p:close()
  return out, out:match("exit=0\n$") ~= nil
end

--- A client for the sandbox; opts override the defaults.
function helper.client(sb, opts)
  local moveugc = require "moveugc"
  local o = { api_key = helper.KEY, endpoint = sb.url }
  for k, v in pairs(opts or {}) do o[k] = v end
  return moveugc.new(o)
end

--- POST/GET to the sandbox's test controls; returns the decoded JSON body.
function helper.control(sb, method, path, body)
  local out = {}
  local data = body and cjson.encode(body) or nil
  local _, code = http.request{
    url = sb.base .. path, method = method,
    headers = data and { ["content-type"] = "application/json", ["content-length"] = #data } or nil,
    source = data and ltn12.source.string(data) or nil,
    sink = ltn12.sink.table(out),
  }
  local text = table.concat(out)
  assert(code == 200, ("control %s %s failed: %s %s"):format(method, path, tostring(code), text))
  return text ~= "" and cjson.decode(text) or nil
end

function helper.stats(sb) return helper.control(sb, "GET", "/_sandbox/stats") end
function helper.fault(sb, f) return helper.control(sb, "POST", "/_sandbox/faults", f) end
--- Queues a canned answer for a GraphQL operation (see sandbox/README.md):
-- { operation = "getJob", count = n, data = ... | response = ... | body = "..." |
--   body_base64 = "..." (raw bytes: require("mime").b64(bytes)), status = n, headers = {...} };
-- use cjson.null for JSON null inside data.
function helper.answer(sb, spec) return helper.control(sb, "POST", "/_sandbox/answers", spec) end
function helper.reset(sb) return helper.control(sb, "POST", "/_sandbox/reset", {}) end
function helper.advance(sb, seconds)
  return helper.control(sb, "POST", "/_sandbox/clock", { advance_seconds = seconds })
end
function helper.set_job(sb, id, fields)
  return helper.control(sb, "POST", "/_sandbox/jobs/" .. id, fields)
end

--- PUT raw bytes to a presigned URL (the upload helpers come later).
function helper.put(url, bytes)
  local out = {}
  local _, code = http.request{
    url = url, method = "PUT", headers = { ["content-length"] = #bytes },
    source = ltn12.source.string(bytes), sink = ltn12.sink.table(out),
  }
  return code, table.concat(out)
end

--- file -> uploaded -> single-camera take; returns the take.
function helper.take(ugc)
  local file = assert(ugc.graphql([[mutation { createFile(type: "mp4") { id presignedUrl } }]]))
    .createFile
  local code = helper.put(file.presignedUrl, ("fake video bytes "):rep(64))
  assert(code == 200, "upload failed: " .. tostring(code))
  local data = assert(ugc.graphql([[mutation($f: String!) {
    createSingleCamTake(sources: [{deviceLabel: "cam", fileId: $f, format: MP4}]) { id } }]],
    { f = file.id }))
  return data.createSingleCamTake
end

--- A file of the given type (default "mp4") with bytes uploaded through
-- helper.put; returns the file as files.create returned it.
function helper.uploaded(ugc, file_type, bytes)
  local file = assert(ugc.files.create{ file_type = file_type or "mp4" })
  local code = helper.put(file.presigned_url, bytes or ("fake video bytes "):rep(64))
  assert(code == 200, "upload failed: " .. tostring(code))
  return file
end

--- A source table for takes and volumes over a fresh uploaded file.
function helper.source(ugc, label, extra)
  local s = { device_label = label or "cam", file_id = helper.uploaded(ugc).id, format = "mp4" }
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
end

return helper
