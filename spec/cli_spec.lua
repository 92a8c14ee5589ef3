-- The moveugc command against the sandbox: output, JSON, exit statuses. Run
-- in process through moveugc.cli (argv in; exit status, stdout and stderr
-- out), and end to end as bin/moveugc, a subprocess, on the Lua that runs
-- this spec (5.1, 5.3, 5.4 or LuaJIT).
local helper = require "helper"
local cjson = require "cjson"
local moveugc = require "moveugc"

local SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
local OTHER_SECRET = "whsec_QUJDREVGR0hBQUJDREVGR0hB"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

describe("the moveugc command", function()
  local sb, ugc, dir

  local function no_key(r)
    assert.is_nil((r.out .. r.err):find(helper.KEY, 1, true), "the API key was printed")
    return r
  end

  -- Runs the command in process (helper.cli_run) or as bin/moveugc, a
  -- subprocess (helper.cli_bin); returns {out, err, code}. No run may print the API key.
  local function run(args, o) return no_key(helper.cli_run(sb, args, o)) end
  local function run_bin(args, o) return no_key(helper.cli_bin(sb, args, o)) end

  local function json(r)
    assert.are.equal(0, r.code, r.err)
    local ok, v = pcall(cjson.decode, r.out)
    assert(ok, "not JSON: " .. r.out)
    return v
  end

  local function upload(name, bytes)
    local path = dir .. "/" .. (name or "clip.mp4")
    helper.write_file(path, bytes or ("fake video bytes\n"):rep(500))
    return json(run{ "--json", "files", "upload", path })
  end

  local function new_take()
    local file = upload()
    return json(run{ "takes", "create", "--file-id", file.id, "--json" })
  end

  setup(function()
    sb = helper.sandbox("--job-seconds 0.5")
    ugc = helper.client(sb)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)
  before_each(function()
    dir = helper.tmpname()
    os.execute("mkdir -p " .. q(dir))
  end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  describe("help", function()
    it("prints the commands, options and exit statuses with --help and -h", function()
      for _, flag in ipairs{ "--help", "-h" } do
        local r = run{ flag }
        assert.are.equal(0, r.code)
        assert.are.equal("", r.err)
        assert.matches("^Usage: moveugc", r.out)
        for _, c in ipairs{ "jobs list", "jobs download", "files upload", "takes create", "client",
          "webhooks verify", "--json", "MOVE_API_KEY", "MOVE_UGC_ENDPOINT_URL" } do
          assert.is_truthy(r.out:find(c, 1, true), c)
        end
        assert.matches("Exit status:", r.out)
        assert.matches("\n  3 +auth", r.out)
        assert.matches("\n  10 +signature", r.out)
      end
    end)
    it("prints each command's usage and exits 0", function()
      for _, c in ipairs{ "jobs list", "jobs get", "jobs create", "jobs update", "jobs wait", "jobs download",
        "files upload", "files get", "takes create", "takes list", "takes get", "client", "webhooks verify" } do
        local args = {}
        for w in c:gmatch("%S+") do args[#args + 1] = w end
        args[#args + 1] = "--help"
        local r = run(args)
        assert.are.equal(0, r.code, c)
        assert.is_truthy(r.out:find("Usage: moveugc " .. c, 1, true), c)
      end
      local r = run{ "help", "jobs", "wait" }
      assert.are.equal(0, r.code)
      assert.matches("%-%-timeout", r.out)
      r = run{ "jobs", "--help" }
      assert.are.equal(0, r.code)
      assert.matches("list|get|create", r.out)
    end)
    it("needs no API key for help", function()
      assert.are.equal(0, run({ "--help" }, { env = { MOVE_API_KEY = false } }).code)
    end)
  end)

  describe("usage errors exit 2", function()
    local cases = {
      { {}, "no command" },
      { { "jobs" }, "needs a command" },
      { { "jobs", "frob" }, "unknown command 'jobs frob'" },
      { { "frob" }, "unknown command 'frob'" },
      { { "jobs", "list", "--bogus" }, "unknown option '%-%-bogus'" },
      { { "jobs", "get", "--limit", "3", "job-1" }, "has no option %-%-limit" },
      { { "jobs", "get" }, "expected one job id" },
      { { "jobs", "list", "--limit" }, "needs a value" },
      { { "jobs", "list", "--limit", "x" }, "an integer expected" },
      { { "jobs", "list", "--limit", "0" }, "jobs.list: bad argument 'limit'" },
      { { "jobs", "list", "--sort", "up" }, "asc or desc" },
      { { "jobs", "create" }, "%-%-take%-id is required" },
      { { "jobs", "create", "--take-id", "t", "--metadata", "[1" }, "JSON object expected" },
      { { "jobs", "create", "--take-id", "t", "--output", "NOPE" }, "'NOPE' is not one of" },
      { { "jobs", "update", "job-1" }, "nothing to update" },
      { { "takes", "create", "--file-id", "a", "--file-id", "b" }, "give %-%-volume%-id" },
      { { "webhooks", "verify" }, "no secret" },
    }
    for _, case in ipairs(cases) do
      it(table.concat(case[1], " ") .. " -> " .. case[2], function()
        local r = run(case[1])
        assert.are.equal(2, r.code, r.err)
        assert.are.equal("", r.out)
        assert.matches("^moveugc: ", r.err)
        assert.matches(case[2], r.err)
      end)
    end
  end)

  describe("files", function()
    it("uploads a file and shows it, never with the URL's signature", function()
      local f = upload("capture.mov", ("x"):rep(100000))
      assert.matches("^file%-", f.id)
      assert.are.equal("mov", f.type)
      assert.are.equal("capture.mov", f.name)
      assert.matches("%?<redacted>$", f.presigned_url)
      local r = run{ "files", "get", f.id }
      assert.are.equal(0, r.code)
      assert.matches("id%s+" .. f.id:gsub("%-", "%%-"), r.out)
      assert.matches("type%s+mov", r.out)
      local got = json(run{ "files", "get", f.id, "--json" })
      assert.are.equal(f.id, got.id)
      for _, text in ipairs{ r.out, cjson.encode(got) } do
        assert.is_nil(text:find("Signature", 1, true))
        assert.is_nil(text:find("x-amz-security-token", 1, true))
        assert.is_nil(text:find("AWSAccessKeyId", 1, true))
      end
      -- the bytes really arrived
      local file = assert(ugc.files.retrieve(f.id))
      local copy = dir .. "/copy"
      assert(ugc.files.download{ file = file, path = copy })
      assert.are.equal(100000, #helper.read_file(copy))
    end)
    it("takes --type, --name and --metadata", function()
      helper.write_file(dir .. "/noext", "bytes")
      local f = json(run{ "files", "upload", dir .. "/noext", "--type", "mp4", "--name", "n",
        "--metadata", '{"camera":"A"}', "--json" })
      assert.are.equal("mp4", f.type)
      assert.are.equal("n", f.name)
      assert.are.same({ camera = "A" }, f.metadata)
    end)
    it("fails on a missing path with a usage error", function()
      local r = run{ "files", "upload", dir .. "/nope.mp4" }
      assert.are.equal(2, r.code)
      assert.matches("cannot read", r.err)
    end)
  end)

  describe("takes", function()
    it("creates, lists and shows a single-camera take", function()
      local file = upload()
      local take = json(run{ "--json", "takes", "create", "--file-id", file.id, "--label", "phone", "--name", "t1" })
      assert.matches("^take%-", take.id)
      assert.are.equal("SINGLE_CAM", take.take_type)
      assert.are.equal("phone", take.sources[1].device_label)
      assert.are.equal(file.id, take.sources[1].file.id)
      local page = json(run{ "takes", "list", "--json", "--limit", "100" })
      local found = false
      for _, t in ipairs(page.items) do found = found or t.id == take.id end
      assert.is_true(found)
      local r = run{ "takes", "get", take.id }
      assert.are.equal(0, r.code)
      assert.matches("SINGLE_CAM", r.out)
      assert.matches("phone%s+MP4%s+" .. file.id:gsub("%-", "%%-"), r.out)
    end)
    it("creates a multi-camera take on a volume", function()
      local a, b = upload("a.mp4"), upload("b.mp4")
      local volume = assert(ugc.volumes.create_human_volume{ human_height = 1.8, area_type = "NORMAL",
        sources = { helper.source(ugc, "l"), helper.source(ugc, "r") } })
      local take = json(run{ "takes", "create", "--json", "--volume-id", volume.id, "--file-id", a.id,
        "--file-id", b.id, "--label", "left", "--label", "right", "--lens", "generic-wide", "--clap", "0.5:1.5" })
      assert.are.equal("MULTI_CAM", take.take_type)
      assert.are.equal(volume.id, take.volume.id)
      assert.are.equal("right", take.sources[2].device_label)
      assert.are.equal("generic-wide", take.sources[2].camera_settings.lens)
      assert.are.equal(0.5, take.sync_method.clap_window.start_time)
    end)
    it("exits 4 for an unknown take or file", function()
      local r = run{ "takes", "get", "take-00000000-0000-4000-8000-000000000000" }
      assert.are.equal(4, r.code)
      assert.matches("^moveugc: not_found error", r.err)
      assert.are.equal(4, run{ "takes", "create", "--file-id", "file-00000000-0000-4000-8000-000000000000" }.code)
    end)
  end)

  describe("jobs", function()
    it("creates, shows, lists and updates jobs", function()
      local take = new_take()
      local job = json(run{ "jobs", "create", "--take-id", take.id, "--name", "cli job", "--json",
        "--output", "main_fbx,render_video", "--option", "track_fingers=true", "--option", "mocap_model=m2",
        "--clip", "0.5:2", "--metadata", '{"n":1}', "--expand", "inputs" })
      assert.matches("^job%-", job.id)
      assert.are.equal("cli job", job.name)
      assert.are.same({ n = 1 }, job.metadata)
      assert.is_true(job.inputs.options.track_fingers)
      assert.are.equal("M2", job.inputs.options.mocap_model)
      assert.are.equal(2, job.inputs.clip_window.end_time)

      local got = json(run{ "jobs", "get", job.id, "--json" })
      assert.are.equal(job.id, got.id)
      local r = run{ "jobs", "get", job.id }
      assert.are.equal(0, r.code)
      assert.matches("name%s+cli job", r.out)

      local second = json(run{ "jobs", "create", "--take-id", take.id, "--json" })
      local page = json(run{ "jobs", "list", "--take-id", take.id, "--json", "--sort", "asc" })
      assert.are.equal(2, #page.items)
      assert.are.equal(job.id, page.items[1].id)
      assert.are.equal(second.id, page.items[2].id)
      page = json(run{ "jobs", "list", "--take-id", take.id, "--json", "--limit", "1" })
      assert.are.equal(1, #page.items)
      assert.are.equal(second.id, page.items[1].id)
      assert.is_string(page.next_token)
      page = json(run{ "jobs", "list", "--take-id", take.id, "--json", "--limit", "1",
        "--next-token", page.next_token })
      assert.are.equal(job.id, page.items[1].id)
      local all = json(run{ "jobs", "list", "--take-id", take.id, "--json", "--limit", "1", "--all" })
      assert.are.equal(2, #all)

      r = run{ "jobs", "list", "--take-id", take.id, "--limit", "1" }
      assert.are.equal(0, r.code)
      assert.matches("^id%s+name%s+state%s+done%s+created\n", r.out)
      assert.matches("more: moveugc jobs list %-%-next%-token '", r.out)

      local updated = json(run{ "jobs", "update", job.id, "--name", "renamed", "--metadata", '{"n":2}', "--json" })
      assert.are.equal("renamed", updated.name)
      assert.are.same({ n = 2 }, updated.metadata)
    end)
    it("keeps [] for an empty list in JSON", function()
      local take = new_take()
      local r = run{ "jobs", "list", "--take-id", take.id, "--json" }
      assert.are.equal(0, r.code)
      assert.matches('"items":%[%]', r.out)
      assert.are.equal("[]\n", run{ "jobs", "list", "--take-id", take.id, "--json", "--all" }.out)
    end)
    it("creates a multicam job with a rig and actors", function()
      local volume = assert(ugc.volumes.create_human_volume{ human_height = 1.8, area_type = "NORMAL",
        sources = { helper.source(ugc, "l"), helper.source(ugc, "r") } })
      local take = assert(ugc.takes.create_multicam{ volume_id = volume.id,
        sources = { helper.source(ugc, "l"), helper.source(ugc, "r") } })
      local job = json(run{ "jobs", "create", "--multicam", "--take-id", take.id, "--actors", "2",
        "--rig", "move_ve", "--expand", "rig,inputs", "--json" })
      assert.are.equal("move_ve", job.rig.name)
      assert.are.equal(2, job.inputs.number_of_actors)
      assert.are.equal(2, run{ "jobs", "create", "--take-id", take.id, "--actors", "2" }.code)
    end)
    it("waits for a job and downloads its outputs", function()
      local take = new_take()
      local job = json(run{ "jobs", "create", "--take-id", take.id, "--output", "MAIN_FBX", "--output", "MAIN_GLB",
        "--json" })
      local r = run{ "jobs", "wait", job.id, "--interval", "0.1", "--timeout", "30" }
      assert.are.equal(0, r.code, r.err)
      assert.matches("state%s+FINISHED 100%%", r.out)
      assert.matches("MAIN_GLB%s+glb", r.out)
      assert.matches("FINISHED", r.err) -- a line per state change: stderr is not a terminal
      assert.is_nil(r.err:find("[", 1, true)) -- and no bar
      local finished = json(run{ "jobs", "get", job.id, "--json" })
      assert.matches("^http://127%.0%.0%.1:%d+/s3/[^?]+%?<redacted>$", finished.outputs[1].file.presigned_url)

      local out = dir .. "/outputs/nested" -- created, parents too
      local files = json(run{ "jobs", "download", job.id, "--dir", out, "--json" })
      assert.are.equal(2, #files)
      assert.are.equal("MAIN_FBX", files[1].key)
      assert.are.equal(out .. "/MAIN_FBX.fbx", files[1].path)
      assert.are.equal(65536, files[1].bytes)
      assert.are.equal(65536, #helper.read_file(out .. "/MAIN_GLB.glb"))

      r = run{ "jobs", "download", job.id, "--dir", out }
      assert.are.equal(2, r.code)
      assert.matches("give %-%-overwrite", r.err)
      r = run{ "jobs", "download", job.id, "--dir", out, "--overwrite", "--output", "main_glb" }
      assert.are.equal(0, r.code, r.err)
      assert.matches("^key%s+format%s+bytes%s+path\nMAIN_GLB%s+glb%s+65536%s+", r.out)
      r = run{ "jobs", "download", job.id, "--dir", out .. "/MAIN_GLB.glb" }
      assert.are.equal(2, r.code)
      assert.matches("exists and is not a directory", r.err)
    end)
    it("exits 11 when the job FAILED and 8 when the wait times out", function()
      local take = new_take()
      local failed = json(run{ "jobs", "create", "--take-id", take.id, "--json" })
      helper.set_job(sb, failed.id, { state = "FAILED" })
      local r = run{ "jobs", "wait", failed.id, "--interval", "0.1" }
      assert.are.equal(11, r.code)
      assert.matches("ended FAILED", r.err)
      local stuck = json(run{ "jobs", "create", "--take-id", take.id, "--json" })
      helper.set_job(sb, stuck.id, { percentage_complete = 50 })
      r = run{ "jobs", "wait", stuck.id, "--interval", "0.1", "--timeout", "0.3" }
      assert.are.equal(8, r.code)
      assert.matches("timeout error", r.err)
    end)
    it("refuses to download a job that is not finished (exit 5)", function()
      local take = new_take()
      local job = json(run{ "jobs", "create", "--take-id", take.id, "--json" })
      helper.set_job(sb, job.id, { state = "RUNNING" })
      local r = run{ "jobs", "download", job.id, "--dir", dir }
      assert.are.equal(5, r.code)
      assert.matches("no outputs to download yet", r.err)
    end)
  end)

  describe("client", function()
    it("shows the account, as a table or JSON", function()
      local r = run{ "client" }
      assert.are.equal(0, r.code)
      assert.matches("^id%s+client%-", r.out)
      local c = json(run{ "--json", "client" })
      assert.are.equal(assert(ugc.client.retrieve()).id, c.id)
    end)
  end)

  describe("exit statuses by error kind", function()
    it("3 for a missing, short or refused key, which is never printed", function()
      local r = run({ "client" }, { env = { MOVE_API_KEY = false } })
      assert.are.equal(3, r.code)
      assert.matches("no API key", r.err)
      assert.are.equal(3, run({ "client" }, { env = { MOVE_API_KEY = "short" } }).code)
      local wrong = "not-the-key-0123456789"
      for _, o in ipairs{ { args = { "client" }, env = { MOVE_API_KEY = wrong } },
        { args = { "--api-key", wrong, "client" }, env = { MOVE_API_KEY = false } } } do
        r = run(o.args, { env = o.env })
        assert.are.equal(3, r.code)
        assert.matches("^moveugc: auth error", r.err)
        assert.is_nil((r.out .. r.err):find(wrong, 1, true))
      end
    end)
    it("4 for an unknown id", function()
      local r = run{ "jobs", "get", "job-00000000-0000-4000-8000-000000000000" }
      assert.are.equal(4, r.code)
      assert.matches("^moveugc: not_found error in GetJob", r.err)
      assert.are.equal(4, run{ "files", "get", "file-00000000-0000-4000-8000-000000000000" }.code)
    end)
    it("5 when the service refuses the input", function()
      local r = run{ "jobs", "list", "--next-token", "not-a-cursor" }
      assert.are.equal(5, r.code)
      assert.matches("validation error", r.err)
    end)
    it("6 when throttled, 7 when the server fails", function()
      helper.fault(sb, { target = "graphql", count = 3, status = 429, headers = { ["Retry-After"] = "0" } })
      assert.are.equal(6, run{ "client" }.code)
      helper.fault(sb, { target = "graphql", count = 3, status = 503 })
      local r = run{ "client" }
      assert.are.equal(7, r.code)
      assert.matches("server error", r.err)
      helper.control(sb, "DELETE", "/_sandbox/faults")
    end)
    it("8 when nothing answers", function()
      local socket = require "socket"
      local s = assert(socket.bind("127.0.0.1", 0))
      local _, port = s:getsockname()
      s:close()
      local r = run({ "client" }, { env = { MOVE_UGC_ENDPOINT_URL = ("http://127.0.0.1:%d/graphql"):format(port) } })
      assert.are.equal(8, r.code)
      assert.matches("network error", r.err)
    end)
    it("1 when the answer is not the API's", function()
      helper.fault(sb, { target = "graphql", count = 1, body = "<not json>" })
      local r = run{ "client" }
      assert.are.equal(1, r.code)
      assert.matches("protocol error", r.err)
    end)
  end)

  describe("webhooks verify", function()
    local body = '{"type":"ugc.job.state.completed","timestamp":"2024-05-01T10:00:03.123456Z",'
      .. '"data":{"job_id":"job-1","take_id":"take-1","state":"FINISHED","percentage_complete":100}}'

    local function headers(secret, ts)
      ts = ts or tostring(os.time())
      local sig = moveugc.webhook_signature.sign{ secret = secret or SECRET, id = "msg_cli", timestamp = ts,
        body = body }
      return { "--header", "svix-id: msg_cli", "--header", "Svix-Timestamp: " .. ts,
        "--header", "svix-signature: " .. sig }
    end

    local function args(list, extra)
      local a = { "webhooks", "verify" }
      for _, v in ipairs(extra) do a[#a + 1] = v end
      for _, v in ipairs(list) do a[#a + 1] = v end
      return a
    end

    it("accepts a delivery signed with the secret, from a file or stdin, with no API key", function()
      local path = dir .. "/body.json"
      helper.write_file(path, body)
      local r = run(args(headers(), { path, "--secret", SECRET }), { env = { MOVE_API_KEY = false } })
      assert.are.equal(0, r.code, r.err)
      assert.matches("^verified%s+ugc.job.state.completed\n", r.out)
      assert.matches("job%s+job%-1", r.out)
      assert.is_nil(r.out:find(SECRET, 1, true))
      local event = json(run(args(headers(), { "--json" }), { stdin = path,
        env = { MOVE_WEBHOOK_SECRET = SECRET } }))
      assert.are.equal("ugc.job.state.completed", event.type)
      assert.are.equal("job-1", event.data.job_id)
    end)
    it("exits 10 for a wrong signature, an old timestamp or a missing header", function()
      local path = dir .. "/body.json"
      helper.write_file(path, body)
      local r = run(args(headers(OTHER_SECRET), { path, "--secret", SECRET }))
      assert.are.equal(10, r.code)
      assert.matches("^moveugc: signature error in webhooks.verify: no matching signature", r.err)
      assert.are.equal("", r.out)
      r = run(args(headers(SECRET, tostring(os.time() - 600)), { path, "--secret", SECRET }))
      assert.are.equal(10, r.code)
      assert.matches("too old", r.err)
      assert.are.equal(0, run(args(headers(SECRET, tostring(os.time() - 600)), { path, "--secret", SECRET,
        "--tolerance", "900" })).code)
      r = run{ "webhooks", "verify", path, "--secret", SECRET, "--header", "svix-id: msg_cli" }
      assert.are.equal(10, r.code)
      assert.matches("missing header", r.err)
      helper.write_file(path, body .. " ")
      assert.are.equal(10, run(args(headers(), { path, "--secret", SECRET })).code)
    end)
    it("exits 2 for a malformed --header", function()
      local r = run{ "webhooks", "verify", "--secret", SECRET, "--header", "no colon" }
      assert.are.equal(2, r.code)
      assert.matches("NAME: VALUE", r.err)
    end)
  end)
  describe("completion", function()
    -- What bash offers for the words typed so far (the last one being completed),
    -- run in `cwd` (default: the spec's folder).
    local function offers_in(cwd, shell_script, ...)
      local path = dir .. "/completion.bash"
      helper.write_file(path, shell_script)
      local words = {}
      for i, w in ipairs{ "moveugc", ... } do words[i] = q(w) end
      local p = assert(io.popen(("cd %s && bash -c %s 2>&1"):format(q(cwd), q(
        "source " .. q(path) .. "; COMP_WORDS=(" .. table.concat(words, " ") .. "); " ..
        "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _moveugc; printf '%s\\n' \"${COMPREPLY[@]}\""))))
      local text = p:read("*a")
      p:close()
      local got = {}
      for w in text:gmatch("[^\n]+") do got[#got + 1] = w end
      return got
    end
    local function offers(...) return offers_in(dir, ...) end

    it("prints a bash script that completes commands, options and values", function()
      local r = run{ "completion", "bash" }
      assert.are.equal(0, r.code, r.err)
      local script = r.out
      assert.matches("complete %-o filenames %-F _moveugc moveugc", script)
      assert.are.same({ "jobs" }, offers(script, "jo"))
      assert.are.same({ "list", "get", "create", "update", "wait", "download", "--help" }, offers(script, "jobs", ""))
      assert.are.same({ "list" }, offers(script, "--json", "jobs", "l"))
      assert.are.same({ "list" }, offers(script, "--endpoint", "http://x", "jobs", "l"))
      assert.are.same({ "asc", "desc" }, offers(script, "jobs", "list", "--sort", ""))
      assert.are.same({ "--take-id" }, offers(script, "jobs", "list", "--ta"))
      assert.are.same({ "MAIN_FBX" }, offers(script, "jobs", "create", "--output", "MAIN_F"))
      assert.are.same({ "bash", "zsh" }, offers(script, "completion", ""))
      assert.are.same({}, offers(script, "jobs", "get", "--expand", "x", "--take-id", ""))
      local top = offers(script, "")
      for _, w in ipairs{ "jobs", "files", "takes", "client", "webhooks", "completion", "--json" } do
        local seen = false
        for _, t in ipairs(top) do seen = seen or t == w end
        assert.is_true(seen, w)
      end
      -- every command's options, exactly
      for _, name in ipairs{ "jobs wait", "files upload", "takes create", "webhooks verify" } do
        local g, c = name:match("^(%S+) (%S+)$")
        local got = offers(script, g, c, "--")
        local want = {}
        for o in run{ g, c, "--help" }.out:gmatch("%-%-([%w-]+)") do want[o] = true end
        for _, o in ipairs(got) do
          assert.is_true(want[o:sub(3)] or o == "--json" or o == "--help", name .. " " .. o)
        end
      end
    end)
    it("offers file names whole: no splitting on spaces, no globbing", function()
      local script = run{ "completion", "bash" }.out
      local files = dir .. "/files"
      os.execute("mkdir -p " .. q(files))
      local names = { "my video.mp4", "[a].mp4", "a.mp4", "b.mp4", "*.mp4", "?.mp4", "x.mp4" }
      for _, name in ipairs(names) do helper.write_file(files .. "/" .. name, "") end
      local function sorted(t)
        local copy = {}
        for i, v in ipairs(t) do copy[i] = v end
        table.sort(copy)
        return copy
      end
      local cases = {
        { "my", { "my video.mp4" } }, -- not "my" and "video.mp4"
        { "[", { "[a].mp4" } }, -- not a.mp4, which the glob [a].mp4 matches
        { "*", { "*.mp4" } }, -- not every .mp4
        { "?", { "?.mp4" } }, -- not a.mp4, b.mp4 and x.mp4
        { "b", { "b.mp4" } },
        { "", sorted(names) },
      }
      for _, case in ipairs(cases) do
        assert.are.same(case[2], sorted(offers_in(files, script, "files", "upload", case[1])), case[1])
      end
      -- a folder for --dir, whole too
      os.execute("mkdir -p " .. q(files .. "/out dir"))
      assert.are.same({ "out dir" }, offers_in(files, script, "jobs", "download", "job-1", "--dir", "out"))
    end)
    it("prints a zsh script that runs the same through bashcompinit", function()
      local r = run{ "completion", "zsh" }
      assert.are.equal(0, r.code)
      assert.matches("^#compdef moveugc\n", r.out)
      assert.matches("bashcompinit", r.out)
      assert.truthy(r.out:find("_moveugc() {", 1, true))
      -- zsh is not on every test machine: what keeps names whole in bash (the spec above) is
      -- there, and no word list is split or globbed on the way into COMPREPLY
      assert.truthy(r.out:find("done < <(compgen \"$@\")", 1, true))
      assert.is_nil(r.out:find("=($(", 1, true))
    end)
    it("needs bash or zsh", function()
      for _, a in ipairs{ {}, { "fish" }, { "bash", "zsh" } } do
        local args = { "completion" }
        for _, w in ipairs(a) do args[#args + 1] = w end
        local r = run(args)
        assert.are.equal(2, r.code)
        assert.matches("completion: bash or zsh expected", r.err)
      end
    end)
  end)

  describe("in process", function()
    it("reads its environment through the getenv it is given, not the process's", function()
      new_take()
      local page = json(run({ "--json", "takes", "list" }, { env = { MOVE_DEFAULT_PAGE_SIZE = "1" } }))
      assert.are.equal(1, page.limit)
      assert.are.equal(1, #page.items)
      local r = run({ "takes", "list" }, { env = { MOVE_DEFAULT_PAGE_SIZE = "many" } })
      assert.are.equal(2, r.code)
      assert.matches("MOVE_DEFAULT_PAGE_SIZE is not a number: 'many'", r.err)
      r = run({ "client" }, { env = { MOVE_UGC_ENDPOINT_URL = "http://127.0.0.1:1/graphql" } })
      assert.are.equal(8, r.code) -- nothing listens there
    end)
    it("takes MOVEUGC_LOG from its getenv and logs to its own stderr, as the binary does", function()
      local bogus, logged
      local leaked = helper.process_stderr(function()
        bogus = run({ "client" }, { env = { MOVEUGC_LOG = "bogus" } })
        logged = run({ "client" }, { env = { MOVEUGC_LOG = "debug" } })
      end)
      assert.are.equal(2, bogus.code)
      assert.are.equal("", bogus.out)
      assert.matches("^moveugc: bad environment variable MOVEUGC_LOG %('bogus'", bogus.err)
      assert.are.equal(0, logged.code, logged.err)
      assert.matches("^moveugc: graphql GetClient status=200 ", logged.err)
      assert.are.equal("", leaked)
      -- the binary, for comparison
      local bin = run_bin({ "client" }, { env = { MOVEUGC_LOG = "bogus" } })
      assert.are.equal(2, bin.code)
      assert.are.equal(bogus.err, bin.err)
    end)
  end)

  describe("on a terminal", function()
    it("draws an upload's progress bar on stderr, never on stdout", function()
      local path = dir .. "/bar.mp4"
      helper.write_file(path, ("x"):rep(200000))
      local r = run({ "files", "upload", path, "--json" }, { tty = true })
      assert.are.equal(0, r.code, r.err)
      assert.matches("upload%s+%[#+%] 100%%", r.err)
      assert.matches("^{", r.out)
    end)
  end)

  describe("the real binary, end to end", function()
    it("prints its version and help, and exits 2 on a usage error", function()
      local r = run_bin{ "--version" }
      assert.are.equal(0, r.code)
      assert.are.equal("moveugc " .. moveugc._VERSION .. "\n", r.out)
      r = run_bin{ "--help" }
      assert.are.equal(0, r.code)
      assert.matches("^Usage: moveugc", r.out)
      r = run_bin{ "jobs", "frob" }
      assert.are.equal(2, r.code)
      assert.matches("^moveugc: unknown command 'jobs frob'", r.err)
    end)
    it("runs a whole job: upload, take, job, wait, download", function()
      local path = dir .. "/e2e.mp4"
      helper.write_file(path, ("fake video bytes\n"):rep(500))
      local file = json(run_bin{ "--json", "files", "upload", path })
      local take = json(run_bin{ "takes", "create", "--file-id", file.id, "--json" })
      local job = json(run_bin{ "jobs", "create", "--take-id", take.id, "--output", "MAIN_FBX", "--json" })
      local r = run_bin{ "jobs", "wait", job.id, "--interval", "0.1", "--timeout", "30" }
      assert.are.equal(0, r.code, r.err)
      local files = json(run_bin{ "jobs", "download", job.id, "--dir", dir .. "/out", "--json" })
      assert.are.equal(65536, #helper.read_file(files[1].path))
    end)
    it("exits 3 without a key and 10 for a bad webhook signature read from stdin", function()
      local r = run_bin({ "client" }, { env = { MOVE_API_KEY = false } })
      assert.are.equal(3, r.code)
      assert.matches("no API key", r.err)
      local path = dir .. "/body.json"
      helper.write_file(path, "{}")
      r = run_bin({ "webhooks", "verify", "-", "--secret", SECRET, "--header", "svix-id: m",
        "--header", "svix-timestamp: " .. os.time(), "--header", "svix-signature: v1,AAAA" }, { stdin = path })
      assert.are.equal(10, r.code)
      assert.matches("signature", r.err)
    end)
    it("logs each exchange to stderr with MOVEUGC_LOG=debug, with no secret", function()
      local r = run_bin({ "client" }, { env = { MOVEUGC_LOG = "debug" } })
      assert.are.equal(0, r.code, r.err)
      assert.matches("^moveugc: graphql GetClient status=200 ", r.err)
    end)
  end)
end)
