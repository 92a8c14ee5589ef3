-- The moveugc command against answers of the wrong shape. For each command
-- and each field it shows, the sandbox answers (its canned answers, sent as
-- raw bytes) with a wrong type there, a number JSON cannot hold (1e400) or
-- bytes that are not UTF-8. The command shows what it can (exit 0) or says
-- that the answer is malformed (a protocol error, exit 1, nothing on
-- stdout); never a Lua error or a traceback. With --json, stdout is JSON that
-- lua-cjson decodes, in valid UTF-8. In process, and the binary for a few.
local helper = require "helper"
local cjson = require "cjson"
local mime = require "mime"

local SHOWN, PROTOCOL = 0, 1

-- ==== answers as JSON text ==============================================

-- Raw JSON text, written as it is: what a Lua table cannot hold.
local RAW = {}
local function raw(text) return setmetatable({ text = text }, RAW) end
-- A list, even an empty one.
local LIST = {}
local function list(t) return setmetatable(t, LIST) end

local INF, NEG_INF = raw("1e400"), raw("-1e400")
-- a stray byte, an overlong "/", a surrogate, a cut sequence: none of them UTF-8
local BAD_UTF8 = raw('"bad \255 \192\175 \237\160\128 \226\130"')
local URL = "http://127.0.0.1:9/s3/bucket/key?AWSAccessKeyId=ASIAX&Signature=SIGNED&x-amz-security-token=TOKEN"

local function encode(v)
  if getmetatable(v) == RAW then return v.text end
  if type(v) ~= "table" then return cjson.encode(v) end
  local parts = {}
  if getmetatable(v) == LIST or #v > 0 then
    for i, x in ipairs(v) do parts[i] = encode(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  for k, x in pairs(v) do parts[#parts + 1] = cjson.encode(k) .. ":" .. encode(x) end
  table.sort(parts)
  return "{" .. table.concat(parts, ",") .. "}"
end

local function copy(v)
  if type(v) ~= "table" or getmetatable(v) == RAW then return v end
  local out = setmetatable({}, getmetatable(v))
  for k, x in pairs(v) do out[k] = copy(x) end
  return out
end

-- A copy of base with value at path ("progress.percentage_complete", "outputs.1.file").
local function with(base, path, value)
  local out = copy(base)
  local t, last = out, nil
  for part in path:gmatch("[^.]+") do
    local key = tonumber(part) or part
    if last ~= nil then t = t[last] end
    last = key
  end
  t[last] = value
  return out
end

-- ==== well-formed answers, and the fields to spoil ======================

local function job()
  return {
    id = "job-w", name = "wrong types", created = "2024-05-01T10:00:00.000000Z", metadata = { n = 1 },
    state = "FINISHED", progress = { state = "FINISHED", percentage_complete = 100 },
    take = { id = "take-w" }, rig = { name = "move_ve" },
    inputs = { number_of_actors = 2, clip_window = { start_time = 0.5, end_time = 2 },
      options = { track_fingers = true } },
    outputs = { { key = "MAIN_FBX", format = "fbx", file = { id = "file-o", presigned_url = URL } } },
  }
end

-- { path, value, what the job's view does } and, where they differ, what
-- `jobs list` (which shows id, name, progress and created) and `jobs wait` do
local JOB_FIELDS = {
  { "progress.percentage_complete", 12.5, SHOWN },
  { "progress.percentage_complete", "50", SHOWN },
  { "progress.percentage_complete", INF, SHOWN },
  { "progress.percentage_complete", NEG_INF, SHOWN },
  { "progress.percentage_complete", { done = 1 }, SHOWN },
  { "progress.state", 7, SHOWN },
  { "progress.state", BAD_UTF8, SHOWN },
  { "progress", "FINISHED", PROTOCOL },
  { "progress", 100, PROTOCOL },
  { "progress", list{ "FINISHED" }, PROTOCOL },
  { "take", "take-w", PROTOCOL, list = SHOWN },
  { "take", 5, PROTOCOL, list = SHOWN },
  { "take.id", { x = 1 }, SHOWN },
  { "rig", "move_ve", PROTOCOL, list = SHOWN },
  { "rig.name", INF, SHOWN },
  { "inputs", 5, PROTOCOL, list = SHOWN },
  { "inputs", "clip", PROTOCOL, list = SHOWN },
  { "inputs.number_of_actors", 2.5, SHOWN },
  { "inputs.options", "fingers", SHOWN },
  { "inputs.clip_window", "0.5:2", PROTOCOL, list = SHOWN },
  { "inputs.clip_window", list{ 0.5, 2 }, PROTOCOL, list = SHOWN },
  { "inputs.clip_window.start_time", "soon", SHOWN },
  { "inputs.clip_window.end_time", INF, SHOWN },
  -- outputs without a URL are not ready: jobs.wait polls on, and shows the good job that follows
  { "outputs", "MAIN_FBX", PROTOCOL, list = SHOWN, wait = SHOWN },
  { "outputs", { key = "MAIN_FBX" }, PROTOCOL, list = SHOWN, wait = SHOWN },
  { "outputs.1", 1, PROTOCOL, list = SHOWN, wait = SHOWN },
  { "outputs.1.file", "file-o", PROTOCOL, list = SHOWN, wait = SHOWN },
  { "outputs.1.file.presigned_url", list{ URL }, SHOWN },
  { "outputs.1.key", list{ 1 }, SHOWN },
  { "outputs.1.format", false, SHOWN },
  { "id", 5, SHOWN },
  { "name", BAD_UTF8, SHOWN },
  { "created", true, SHOWN },
  { "metadata", { deep = list{ INF, NEG_INF, 1 }, text = BAD_UTF8, [BAD_UTF8.text:sub(2, -2)] = 1 }, SHOWN },
  { "metadata", "not an object", SHOWN },
}

local function take()
  return {
    id = "take-w", name = "wrong types", created = "2024-05-01T10:00:00.000000Z", metadata = { n = 1 },
    take_type = "MULTI_CAM", sync_method = { clap_window = { start_time = 0.5, end_time = 1.5 } },
    volume = { id = "volume-w" },
    sources = { { device_label = "cam1", format = "MP4", camera_settings = { lens = "generic-wide" },
      file = { id = "file-s", presigned_url = URL } } },
  }
end

-- `takes list` shows id, name, type and created: it shows every one of these
local TAKE_FIELDS = {
  { "sync_method", "clap", PROTOCOL },
  { "sync_method", list{ 0.5, 1.5 }, PROTOCOL },
  { "sync_method.clap_window", "0.5:1.5", PROTOCOL },
  { "sync_method.clap_window.start_time", "soon", SHOWN },
  { "sync_method.clap_window.end_time", INF, SHOWN },
  { "sync_method", { timecode_sync = 5 }, SHOWN },
  { "volume", "volume-w", PROTOCOL },
  { "volume", 5, PROTOCOL },
  { "volume.id", list{ 1 }, SHOWN },
  { "sources", "cam1", PROTOCOL },
  { "sources", { device_label = "cam1" }, PROTOCOL },
  { "sources.1", 5, PROTOCOL },
  { "sources.1.file", "file-s", PROTOCOL },
  { "sources.1.camera_settings", "generic-wide", PROTOCOL },
  { "sources.1.camera_settings.lens", INF, SHOWN },
  { "sources.1.device_label", { x = 1 }, SHOWN },
  { "sources.1.format", 3, SHOWN },
  { "take_type", 3.5, SHOWN },
  { "name", BAD_UTF8, SHOWN },
  { "metadata", { x = INF, y = BAD_UTF8 }, SHOWN },
}

local function file()
  return {
    id = "file-w", type = "mp4", name = "wrong types", created = "2024-05-01T10:00:00.000000Z",
    metadata = { n = 1 }, presigned_url = URL, client = { id = "client-w", name = "c" },
  }
end

local FILE_FIELDS = {
  { "client", "client-w", PROTOCOL },
  { "client", list{ 1 }, PROTOCOL },
  { "client.id", 5, SHOWN },
  { "presigned_url", 5, SHOWN },
  { "presigned_url", list{ URL }, SHOWN },
  { "type", { ext = "mp4" }, SHOWN },
  { "name", BAD_UTF8, SHOWN },
  { "metadata", { x = INF }, SHOWN },
}

local function client()
  return { id = "client-w", name = "c", created = "2024-05-01T10:00:00.000000Z", metadata = { n = 1 }, portal = "p" }
end

local CLIENT_FIELDS = {
  { "portal", 5, SHOWN },
  { "name", BAD_UTF8, SHOWN },
  { "id", list{ 1 }, SHOWN },
  { "created", false, SHOWN },
  { "metadata", { x = NEG_INF }, SHOWN },
}

-- ==== what every run must be ============================================

local UTF8_CHAR = { "^[%z\1-\127]", "^[\194-\223][\128-\191]", "^\224[\160-\191][\128-\191]",
  "^[\225-\236\238\239][\128-\191][\128-\191]", "^\237[\128-\159][\128-\191]",
  "^\240[\144-\191][\128-\191][\128-\191]", "^[\241-\243][\128-\191][\128-\191][\128-\191]",
  "^\244[\128-\143][\128-\191][\128-\191]" }

-- nil, or the position of the first byte that is not well-formed UTF-8
local function bad_utf8_at(s)
  local i = 1
  while i <= #s do
    local stop
    for _, p in ipairs(UTF8_CHAR) do
      stop = select(2, s:find(p, i))
      if stop then break end
    end
    if not stop then return i end
    i = stop + 1
  end
  return nil
end

local function check(r, want, label, is_json)
  local said = label .. "\nstdout: " .. r.out .. "\nstderr: " .. r.err
  assert.is_nil(r.err:find("internal error", 1, true), said)
  assert.is_nil(r.err:find("traceback", 1, true), said)
  for _, secret in ipairs{ helper.KEY, "SIGNED", "TOKEN" } do
    assert.is_nil((r.out .. r.err):find(secret, 1, true), "a secret in " .. said)
  end
  if want == PROTOCOL then
    assert.are.equal(1, r.code, said)
    assert.are.equal("", r.out, said)
    assert(r.err:find("moveugc: protocol error in [^\n]+\n$"), said)
    return
  end
  assert.are.equal(0, r.code, said)
  if is_json then
    assert.is_nil(bad_utf8_at(r.out), "not UTF-8: " .. said)
    local ok, v = pcall(cjson.decode, r.out)
    assert(ok and type(v) == "table", "not JSON: " .. said)
  end
end

-- ==== the runs ===========================================================

describe("the moveugc command against answers of the wrong shape", function()
  local sb

  setup(function() sb = helper.sandbox() end)
  teardown(function() sb.stop() end)
  before_each(function() helper.control(sb, "DELETE", "/_sandbox/answers") end)

  -- The next count answers to operation (a root field) are {"data": {root: value}}, as bytes.
  local function answer(operation, root, value, count)
    helper.answer(sb, { operation = operation, count = count or 1,
      body_base64 = mime.b64('{"data":{"' .. root .. '":' .. encode(value) .. "}}") })
  end

  local function run(args, o) return helper.cli_run(sb, args, o) end

  -- Each field spoiled in turn, shown each way (a table, then --json on a
  -- terminal): a case per command. command: {name, args, answer = function(value)
  -- that queues the answers, want = the fields' column to expect (default the
  -- third), or always = what to expect of every field}
  local function cases(fields, base, commands)
    for _, command in ipairs(commands) do
      it(command.name .. ": every field of the wrong type", function()
        for _, f in ipairs(fields) do
          local path, value = f[1], f[2]
          local want = command.always or f[command.want] or f[3]
          for _, json in ipairs{ false, true } do
            helper.control(sb, "DELETE", "/_sandbox/answers")
            command.answer(with(base(), path, value))
            local args = copy(command.args)
            if json then args[#args + 1] = "--json" end
            local label = ("%s, %s = %s"):format(table.concat(args, " "), path, encode(value))
            -- JSON shows every value: none of these answers fails it
            check(run(args, { tty = json }), json and SHOWN or want, label, json)
          end
        end
      end)
    end
  end

  -- jobs.wait sees the job running (a progress report), then finished; polls
  -- after that get a job with nothing wrong
  local function wait_answers(j)
    local running = copy(j)
    running.state = "RUNNING"
    if type(running.progress) == "table" and getmetatable(running.progress) ~= LIST then
      running.progress.state = "RUNNING"
    end
    answer("getJob", "get_job", running)
    answer("getJob", "get_job", j)
    answer("getJob", "get_job", job(), 10)
  end

  cases(JOB_FIELDS, job, {
    { name = "jobs get", args = { "jobs", "get", "job-w" }, answer = function(j) answer("getJob", "get_job", j) end },
    { name = "jobs list", args = { "jobs", "list" }, want = "list",
      answer = function(j) answer("listJobs", "list_jobs", { items = list{ job(), j } }) end },
    { name = "jobs wait", args = { "jobs", "wait", "job-w", "--interval", "0.01", "--timeout", "30" }, want = "wait",
      answer = wait_answers },
    { name = "jobs update", args = { "jobs", "update", "job-w", "--name", "n" },
      answer = function(j) answer("updateJob", "update_job", j) end },
    { name = "jobs create", args = { "jobs", "create", "--take-id", "take-w" },
      answer = function(j) answer("createSingleCamJob", "create_single_cam_job", j) end },
  })

  cases(TAKE_FIELDS, take, {
    { name = "takes get", args = { "takes", "get", "take-w" },
      answer = function(t) answer("getTake", "get_take", t) end },
    { name = "takes list", args = { "takes", "list" }, always = SHOWN,
      answer = function(t) answer("listTakes", "list_takes", { items = list{ t } }) end },
    { name = "takes create", args = { "takes", "create", "--file-id", "file-s" },
      answer = function(t) answer("createSingleCamTake", "create_single_cam_take", t) end },
  })

  cases(FILE_FIELDS, file, {
    { name = "files get", args = { "files", "get", "file-w", "--expand", "client" },
      answer = function(f) answer("getFile", "get_file", f) end },
  })

  cases(CLIENT_FIELDS, client, {
    { name = "client", args = { "client" }, answer = function(c) answer("client", "client", c) end },
  })

  it("jobs list: a page the SDK refuses is a protocol error, --json too", function()
    local pages = {
      { items = "job-w" }, { items = list{ 5 } }, { items = list{ job() }, after = 5 },
    }
    for _, page in ipairs(pages) do
      for _, json in ipairs{ false, true } do
        answer("listJobs", "list_jobs", page)
        check(run{ "jobs", "list", json and "--json" or nil }, PROTOCOL, encode(page))
      end
    end
    answer("listJobs", "list_jobs", { items = list{ job() }, first = INF })
    check(run{ "jobs", "list", "--json" }, SHOWN, "first = 1e400", true)
  end)

  it("shows what it can: 12.5%, a table as JSON, nothing for 1e400", function()
    answer("getJob", "get_job", with(with(job(), "progress.percentage_complete", 12.5), "take.id", { x = 1 }))
    local r = run{ "jobs", "get", "job-w" }
    assert.are.equal(0, r.code, r.err)
    assert.matches("\nstate +FINISHED 12%.5%%\n", r.out)
    assert.matches('\ntake +{"x":1}\n', r.out)
    answer("getJob", "get_job", with(job(), "inputs.number_of_actors", INF))
    r = run{ "jobs", "get", "job-w" }
    assert.are.equal(0, r.code, r.err)
    assert.is_nil(r.out:find("actors", 1, true))
    answer("getJob", "get_job", with(job(), "take", 5))
    r = run{ "jobs", "get", "job-w" }
    assert.are.equal("moveugc: protocol error in jobs get: job.take is a number, not an object\n", r.err)
    answer("getTake", "get_take", with(take(), "sources.1", 5))
    r = run{ "takes", "get", "take-w" }
    assert.are.equal("moveugc: protocol error in takes get: take.sources[1] is a number, not an object\n", r.err)
  end)

  it("--json: invalid bytes become U+FFFD, numbers JSON cannot hold are left out", function()
    local j = with(job(), "name", BAD_UTF8)
    j.metadata = { deep = list{ INF, NEG_INF, 1 }, n = INF }
    answer("getJob", "get_job", j)
    local r = run{ "jobs", "get", "job-w", "--json" }
    check(r, SHOWN, "jobs get --json", true)
    local got = cjson.decode(r.out)
    local R = "\239\191\189"
    assert.are.equal(("bad %s %s%s %s%s%s %s%s"):format(R, R, R, R, R, R, R, R), got.name)
    assert.are.same({ deep = { 1 } }, got.metadata)
    assert.matches("%?<redacted>$", got.outputs[1].file.presigned_url)
  end)

  it("metadata nested deeper than the JSON encoder goes (64): left out of the table, --json refused", function()
    local deep = raw(("["):rep(70) .. ("]"):rep(70))
    answer("getJob", "get_job", with(job(), "metadata", deep))
    local r = run{ "jobs", "get", "job-w" }
    check(r, SHOWN, "jobs get, deep metadata")
    assert.is_nil(r.out:find("metadata", 1, true))
    answer("getJob", "get_job", with(job(), "metadata", deep))
    r = run{ "jobs", "get", "job-w", "--json" }
    check(r, PROTOCOL, "jobs get --json, deep metadata")
    assert.matches("cannot be written as JSON: table nested too deeply", r.err)
  end)

  it("jobs wait: a progress bar or a line per state, whatever the percentage", function()
    for _, pc in ipairs{ 12.5, "50", { 1 }, INF, NEG_INF } do
      for _, tty in ipairs{ true, false } do
        helper.control(sb, "DELETE", "/_sandbox/answers")
        wait_answers(with(job(), "progress.percentage_complete", pc))
        local r = run({ "jobs", "wait", "job-w", "--interval", "0.01" }, { tty = tty })
        check(r, SHOWN, "jobs wait, percentage_complete = " .. encode(pc) .. (tty and " on a terminal" or ""))
        assert.matches(tty and "job +%[" or "job%-w RUNNING ", r.err)
      end
    end
  end)

  it("the binary: shows 12.5%, writes --json, and says a protocol error", function()
    answer("getJob", "get_job", with(job(), "progress.percentage_complete", 12.5))
    local r = helper.cli_bin(sb, { "jobs", "get", "job-w" })
    check(r, SHOWN, "bin: jobs get")
    assert.matches("\nstate +FINISHED 12%.5%%\n", r.out)
    local j = with(job(), "name", BAD_UTF8)
    j.metadata = { n = INF }
    answer("getJob", "get_job", j)
    check(helper.cli_bin(sb, { "--json", "jobs", "get", "job-w" }), SHOWN, "bin: jobs get --json", true)
    answer("getJob", "get_job", with(job(), "progress", "FINISHED"))
    check(helper.cli_bin(sb, { "jobs", "get", "job-w" }), PROTOCOL, "bin: jobs get, progress a string")
  end)
end)
