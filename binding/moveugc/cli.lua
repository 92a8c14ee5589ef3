--- moveugc.cli: the `moveugc` command as a module. bin/moveugc runs
-- `os.exit(require("moveugc.cli").main(arg))`; a test or a host runs it in
-- process with `cli.run(argv, streams)`: argv in, exit status out, stdout
-- and stderr written through streams. The commands are in moveugc.cli_jobs,
-- cli_files, cli_takes and cli_account, on top of the public SDK.
--
-- Readable tables by default, JSON with --json. Progress bars go to stderr,
-- only when it is a terminal. Errors go to stderr as "moveugc: <message>",
-- and the exit status tells the kinds of failure apart (EXIT). The API key
-- is never printed; presigned URLs are printed without their query string.
local moveugc = require "moveugc"
local core = require "moveugc.core"
local show = require "moveugc.cli_show"

local cli = {}

-- ==== exit statuses =====================================================

local EXIT = {
  ok = 0, other = 1, usage = 2, auth = 3, not_found = 4, validation = 5, rate_limited = 6, server = 7,
  network = 8, timeout = 8, tls = 8, expired = 9, integrity = 9, signature = 10, job_failed = 11,
}
cli.EXIT = EXIT

local EXIT_HELP = [[
Exit status:
  0   success
  1   any other failure (protocol, internal, cancelled)
  2   usage: unknown command or option, bad or missing argument
  3   auth: no API key, or the service refused it
  4   not_found: no such id for this account
  5   validation: the service refused the input
  6   rate_limited: throttled; try again later
  7   server: the service failed
  8   network, timeout or tls: the service could not be reached in time
  9   expired or integrity: a transfer's URL ran out, or its bytes did not match
  10  signature: a webhook delivery failed verification
  11  jobs wait: the job ended FAILED]]

-- ==== the commands ======================================================

-- name ("jobs list") -> {options = {...}, usage = "...", run = function(r, positional)}
local commands = {}
for _, group in ipairs{ "cli_jobs", "cli_files", "cli_takes", "cli_account" } do
  for name, command in pairs(require("moveugc." .. group)) do commands[name] = command end
end

-- Every option, with what follows it: "flag" (nothing), "value" (one), "list"
-- (repeatable; also comma-separated for --expand and --output).
local OPTIONS = {
  help = "flag", json = "flag", endpoint = "value", ["api-key"] = "value", version = "flag",
  limit = "value", ["next-token"] = "value", sort = "value", ["take-id"] = "value", all = "flag",
  expand = "list", name = "value", metadata = "value", output = "list", option = "list", clip = "value",
  multicam = "flag", actors = "value", rig = "value", timeout = "value", interval = "value",
  dir = "value", overwrite = "flag", type = "value", ["file-id"] = "list", label = "list",
  format = "value", lens = "list", ["volume-id"] = "value", clap = "value", timecode = "flag",
  secret = "value", header = "list", tolerance = "value",
}
local SHORT = { h = "help" }
local GLOBAL = { help = true, json = true, endpoint = true, ["api-key"] = true }

-- ==== one run ===========================================================

-- A run: its options, its client, its output. Commands get it as `r`.
local Run = {}
Run.__index = Run
Run.EXIT = EXIT

-- Failures travel as errors: an SDK error table (err.kind), or one of these.
function Run.usage_error(fmt, ...) error({ usage = fmt:format(...) }, 0) end
function Run.exit_error(code, fmt, ...) error({ exit = code, message = fmt:format(...) }, 0) end

-- A runtime failure (nil, err) stops the command with that error.
function Run.need(value, err)
  if value == nil then error(err, 0) end
  return value
end

-- Presigned URLs are credentials: keep scheme, host and path only. Also hides
-- any secret value that would reach the output.
function Run:scrub(s)
  s = s:gsub("(https?://[^%s?\"]*)%?[^%s\"]*", "%1?<redacted>")
  for _, v in ipairs(self.secrets) do
    local at = s:find(v, 1, true)
    while at do
      s = s:sub(1, at - 1) .. "<redacted>" .. s:sub(at + #v)
      at = s:find(v, at + 10, true)
    end
  end
  return s
end

--- A value that must never be printed (a key, a secret): hidden wherever it shows.
function Run:secret(v)
  if type(v) == "string" and #v >= 8 then self.secrets[#self.secrets + 1] = v end
end

function Run:out(s) self.stdout:write(self:scrub(s), "\n") end

-- ==== the server's answers ==============================================

-- Answers come from the network: any field may hold anything. Values are
-- shown as they came (moveugc.cli_show); where a command must look inside an
-- object or a list and finds something else, the answer is the server's
-- mistake: a protocol error naming the field, before anything is printed.

Run.text, Run.percent, Run.window_text = show.text, show.percent, show.window

--- Stops the command: the answer cannot be shown (kind protocol).
function Run:malformed(fmt, ...)
  error(moveugc.errors.new{ kind = "protocol", operation = self.command, message = fmt:format(...) }, 0)
end

local function field_name(where, key)
  if type(key) == "number" then return ("%s[%d]"):format(where, key) end
  return where .. "." .. key
end

local function what_is(v)
  if type(v) == "table" then return #v > 0 and "a list" or "an object" end
  return (type(v):find("^[aeiou]") and "an " or "a ") .. type(v)
end

--- The object at t[key] of an answer, nil when absent; `where` names t in the error.
function Run:object(t, key, where)
  local v = t[key]
  if v == nil or (type(v) == "table" and #v == 0) then return v end
  self:malformed("%s is %s, not an object", field_name(where, key), what_is(v))
end

--- The list of objects at t[key] of an answer, empty when absent.
function Run:objects(t, key, where)
  local list = t[key]
  if list == nil then return {} end
  if type(list) ~= "table" or (#list == 0 and next(list) ~= nil) then
    self:malformed("%s is %s, not a list", field_name(where, key), what_is(list))
  end
  for i = 1, #list do self:object(list, i, field_name(where, key)) end
  return list
end

function Run:json(value, is_list)
  local text, problem = show.json(value, function(s) return self:scrub(s) end, is_list)
  if not text then self:malformed("the answer cannot be written as JSON: %s", tostring(problem)) end
  self.stdout:write(text, "\n")
end

-- Rows of strings under headers, each column as wide as its widest cell.
function Run:table(headers, rows)
  local widths, cells = {}, {}
  for i, h in ipairs(headers) do widths[i] = #h end
  for r, row in ipairs(rows) do
    cells[r] = {}
    for i = 1, #headers do
      cells[r][i] = show.text(row[i]) or ""
      widths[i] = math.max(widths[i], #cells[r][i])
    end
  end
  local function line(texts)
    local parts = {}
    for i = 1, #headers do
      local cell = texts[i]
      parts[i] = cell .. (" "):rep(widths[i] - #cell)
    end
    self:out((table.concat(parts, "  "):gsub("%s+$", "")))
  end
  line(headers)
  for _, texts in ipairs(cells) do line(texts) end
end

-- "label  value" lines for one object; values with nothing to show are skipped.
function Run:fields(list)
  local lines, width = {}, 0
  for _, f in ipairs(list) do
    local text = show.text(f[2])
    if text then
      lines[#lines + 1] = { f[1], text }
      width = math.max(width, #f[1])
    end
  end
  for _, l in ipairs(lines) do self:out(("%-" .. width .. "s  %s"):format(l[1], l[2])) end
end

-- A JSON value (metadata, options) as JSON text, whatever it is.
function Run.json_text(v)
  if v == nil then return nil end
  return (show.json(v))
end

-- A bar redrawn in place on stderr; nil when stderr is not a terminal. The
-- second function ends the line if the bar stopped short.
function Run:progress_bar(label)
  if not self.tty then return nil end
  local err, done_drawing = self.stderr, false
  return function(done, total, note)
    if done_drawing then return end
    local fraction = (total and total > 0) and math.min(done / total, 1) or 0
    if fraction ~= fraction or fraction < 0 then fraction = 0 end -- a server's percentage may be anything
    local filled = math.floor(fraction * 30 + 0.5)
    err:write(("\r%-12s [%s%s] %3d%% %-11s"):format(label:sub(1, 12), ("#"):rep(filled),
      ("."):rep(30 - filled), math.floor(fraction * 100), note or ""))
    if fraction >= 1 then
      err:write("\n")
      done_drawing = true
    end
  end, function()
    if not done_drawing then err:write("\n") end
    done_drawing = true
  end
end

-- ==== arguments =========================================================

local function parse(argv)
  local o, positional = { list = {} }, {}
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, #argv do positional[#positional + 1] = argv[j] end
      break
    end
    local name, value = a:match("^%-%-([%w%-]+)=(.*)$")
    name = name or a:match("^%-%-([%w%-]+)$") or SHORT[a:match("^%-(%a)$") or ""]
    if name then
      local kind = OPTIONS[name]
      if not kind then Run.usage_error("unknown option '%s'", a) end
      if kind == "flag" then
        if value then Run.usage_error("option --%s takes no value", name) end
        o[name] = true
      else
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then Run.usage_error("option --%s needs a value", name) end
        end
        if kind == "list" then
          o.list[name] = o.list[name] or {}
          table.insert(o.list[name], value)
        else
          o[name] = value
        end
      end
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      Run.usage_error("unknown option '%s'", a)
    else
      positional[#positional + 1] = a
    end
    i = i + 1
  end
  return o, positional
end

-- The values of a list option; "a,b" counts as two where commas make sense.
function Run:list(name, split)
  local values = {}
  for _, v in ipairs(self.opts.list[name] or {}) do
    if split then
      for part in v:gmatch("[^,%s]+") do values[#values + 1] = part end
    else
      values[#values + 1] = v
    end
  end
  return values
end

function Run:number(name, integer)
  local v = self.opts[name]
  if v == nil then return nil end
  local n = tonumber(v)
  if not n or (integer and n ~= math.floor(n)) then
    Run.usage_error("--%s: %s expected, got '%s'", name, integer and "an integer" or "a number", v)
  end
  return integer and math.floor(n) or n
end

function Run:metadata()
  if self.opts.metadata == nil then return nil end
  local v, problem = core.json_decode(self.opts.metadata, false)
  if type(v) ~= "table" then
    Run.usage_error("--metadata: a JSON object expected (%s)", problem or "not an object")
  end
  return v
end

-- "1.5:12" -> {start_time = 1.5, end_time = 12}
function Run:window(name)
  local v = self.opts[name]
  if v == nil then return nil end
  local s, e = v:match("^%s*([%d.]+)%s*:%s*([%d.]+)%s*$")
  if not (tonumber(s) and tonumber(e)) then
    Run.usage_error("--%s: START:END in seconds expected, got '%s'", name, v)
  end
  return { start_time = tonumber(s), end_time = tonumber(e) }
end

function Run:expand(default)
  local e = self:list("expand", true)
  for _, d in ipairs(default or {}) do e[#e + 1] = d end
  return #e > 0 and e or nil
end

-- ==== the client ========================================================

-- The client, made on first use from --api-key/--endpoint or the environment.
function Run:ugc()
  if self.client then return self.client end
  local key = self.opts["api-key"] or self.getenv("MOVE_API_KEY")
  if key == nil or key == "" then
    Run.exit_error(EXIT.auth, "no API key: set MOVE_API_KEY (or give --api-key)")
  end
  self:secret(key)
  -- everything from this run's environment (getenv), nothing from the process's;
  -- the SDK's own lines (MOVEUGC_LOG) go to this run's stderr
  local o = { api_key = key, page_size = 10, getenv = self.getenv, stderr = self.stderr,
    endpoint = self.opts.endpoint or self.getenv("MOVE_UGC_ENDPOINT_URL") or moveugc.DEFAULT_ENDPOINT }
  local page = self.getenv("MOVE_DEFAULT_PAGE_SIZE")
  if page and page ~= "" then
    o.page_size = tonumber(page)
    if not o.page_size then Run.usage_error("MOVE_DEFAULT_PAGE_SIZE is not a number: '%s'", page) end
  end
  local ok, c = pcall(moveugc.new, o)
  if not ok then
    local msg = tostring(c):gsub("^moveugc%.new: ", "")
    if msg:find("'api_key'", 1, true) then Run.exit_error(EXIT.auth, "the API key is not valid: %s", msg) end
    Run.usage_error("%s", msg)
  end
  self.client = c
  return c
end

-- ==== lists =============================================================

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

function Run:list_args(extra)
  local sort = self.opts.sort
  if sort ~= nil then
    sort = sort:upper()
    if sort ~= "ASC" and sort ~= "DESC" then
      Run.usage_error("--sort: asc or desc expected, got '%s'", self.opts.sort)
    end
  end
  local a = { limit = self:number("limit", true), next_token = self.opts["next-token"], sort_by = sort }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

-- Every item (--all, through the iterator) or one page.
function Run:fetch_list(resource, args)
  if not self.opts.all then return Run.need(resource.list(args)) end
  args.next_token = nil
  local items = {}
  for item in resource.each(args) do items[#items + 1] = item end -- a failure raises err
  return { items = items }
end

-- A page or a whole list, as a table or JSON.
function Run:show_list(page, columns, row_of, command)
  if self.opts.json then
    if self.opts.all then return self:json(page.items, true) end
    return self:json({ items = page.items, next_token = page.next_token, limit = page.limit })
  end
  local rows = {}
  for i, item in ipairs(page.items) do rows[i] = row_of(item, i) end
  self:table(columns, rows)
  if page.next_token then
    self:out(("more: moveugc %s --next-token %s"):format(command, shell_quote(page.next_token)))
  end
end

function Run.one_id(positional, what)
  if #positional ~= 1 then Run.usage_error("expected one %s id, got %d arguments", what, #positional) end
  return positional[1]
end

function Run.no_args(positional)
  if #positional > 0 then Run.usage_error("unexpected argument '%s'", positional[1]) end
end

Run.file_size = require("moveugc.transfer").file_size -- bytes, or nil

-- ==== help ==============================================================

local GROUPS = { jobs = "list, get, create, update, wait, download", files = "upload, get",
  takes = "create, list, get", webhooks = "verify" }

local HELP = [[
Usage: moveugc [--json] [--endpoint URL] [--api-key KEY] <command> [options]

The MoveUGC API (Move AI's motion capture from video) from the shell.

Commands:
  jobs list       list jobs (a page, or --all)
  jobs get        show a job and its outputs
  jobs create     create a job on a take
  jobs update     change a job's name or metadata
  jobs wait       wait until a job is finished (progress on stderr)
  jobs download   download a finished job's outputs
  files upload    create a file and upload a video to it
  files get       show a file
  takes create    create a single- or multi-camera take
  takes list      list takes
  takes get       show a take and its sources
  client          show the account
  webhooks verify verify a webhook delivery's signature
  completion      print a bash or zsh completion script

  moveugc <command> --help   shows a command's options.

Options for every command:
  --json          print JSON (for scripts) instead of tables
  --endpoint URL  the GraphQL endpoint (default $MOVE_UGC_ENDPOINT_URL, else the service)
  --api-key KEY   the API key (default $MOVE_API_KEY; prefer the variable: a command line
                  is visible to other users of the machine)
  -h, --help      this help
  --version       the SDK version

Environment:
  MOVE_API_KEY            the API key (never printed)
  MOVE_UGC_ENDPOINT_URL   the endpoint, e.g. http://127.0.0.1:8917/graphql for the sandbox
  MOVE_DEFAULT_PAGE_SIZE  page size of lists (default 10)
  MOVE_WEBHOOK_SECRET     the secret for webhooks verify
  MOVEUGC_LOG             debug: a line per HTTP exchange on stderr; error: the failed ones

Errors go to stderr as "moveugc: <message>".

]] .. EXIT_HELP

local function command_help(name)
  return commands[name].usage .. "\n\nAlso: --json, --endpoint URL, --api-key KEY, -h/--help (see moveugc --help)."
end

-- ==== completion ========================================================

-- Values some options take, offered by the completion scripts.
local VALUES = {
  sort = "asc desc", format = "mp4 mov avi move",
  output = "MAIN_FBX MAIN_GLB MAIN_BLEND MAIN_USDC MAIN_USDZ ALL_FBX ALL_GLB ALL_BLEND ALL_BVH ALL_C3D " ..
    "ALL_USDC ALL_USDZ MOTION_DATA RENDER_VIDEO RENDER_OVERLAY_VIDEO SYNC_DATA",
}

local function sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- A bash function that completes groups, commands, each command's options
-- and the values of a few; zsh runs the same through bashcompinit.
local function bash_completion()
  local lines = {
    "# moveugc completion for bash: source it, or put it in ~/.local/share/bash-completion/completions/moveugc",
    "_moveugc_reply() { # COMPREPLY from compgen \"$@\", a word per line: never split on spaces nor globbed",
    "  local w",
    "  COMPREPLY=()",
    "  while IFS= read -r w; do COMPREPLY+=(\"$w\"); done < <(compgen \"$@\")",
    "}",
    "_moveugc() {",
    "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"",
    "  local i w cmd=\"\" skip=0",
    "  for ((i = 1; i < COMP_CWORD; i++)); do # the command so far: words that are not options",
    "    w=\"${COMP_WORDS[i]}\"",
    "    if [[ $skip == 1 ]]; then skip=0; continue; fi",
    "    case \"$w\" in",
    "      --endpoint|--api-key) skip=1 ;;",
    "      -*) ;;",
    "      *) cmd=\"${cmd:+$cmd }$w\" ;;",
    "    esac",
    "  done",
    "  case \"$prev\" in",
  }
  for _, name in ipairs(sorted(VALUES)) do
    lines[#lines + 1] = ("    --%s) _moveugc_reply -W %q -- \"$cur\"; return ;;"):format(name, VALUES[name])
  end
  lines[#lines + 1] = "    --dir) _moveugc_reply -d -- \"$cur\"; return ;;"
  local takes_value = {} -- an id, a name, a number: nothing to offer
  for _, name in ipairs(sorted(OPTIONS)) do
    if OPTIONS[name] ~= "flag" and not VALUES[name] and name ~= "dir" then
      takes_value[#takes_value + 1] = "--" .. name
    end
  end
  lines[#lines + 1] = ("    %s) COMPREPLY=(); return ;;"):format(table.concat(takes_value, "|"))
  lines[#lines + 1] = "  esac"
  lines[#lines + 1] = "  local words"
  lines[#lines + 1] = "  case \"$cmd\" in"
  local groups = {}
  for g in pairs(GROUPS) do groups[#groups + 1] = g end
  for name in pairs(commands) do
    if not name:find(" ") then groups[#groups + 1] = name end
  end
  table.sort(groups)
  lines[#lines + 1] = ("    \"\") words=%q ;;"):format(table.concat(groups, " ") ..
    " --json --endpoint --api-key --help --version")
  for _, g in ipairs(sorted(GROUPS)) do
    lines[#lines + 1] = ("    %s) words=%q ;;"):format(g, (GROUPS[g]:gsub(",", "")) .. " --help")
  end
  lines[#lines + 1] = "    completion) words=\"bash zsh\" ;;"
  for _, name in ipairs(sorted(commands)) do
    local o = {}
    for i, opt in ipairs(commands[name].options) do o[i] = "--" .. opt end
    o[#o + 1] = "--json --help"
    lines[#lines + 1] = ("    %q) words=%q ;;"):format(name, table.concat(o, " "))
  end
  lines[#lines + 1] = "    *) words=\"\" ;;"
  lines[#lines + 1] = "  esac"
  lines[#lines + 1] = "  if [[ $cur != -* && $cmd == *\" \"* ]]; then # a command's argument: a file or an id"
  lines[#lines + 1] = "    _moveugc_reply -f -- \"$cur\""
  lines[#lines + 1] = "  else"
  lines[#lines + 1] = "    _moveugc_reply -W \"$words\" -- \"$cur\""
  lines[#lines + 1] = "  fi"
  lines[#lines + 1] = "}"
  lines[#lines + 1] = "complete -o filenames -F _moveugc moveugc"
  return table.concat(lines, "\n")
end

local function zsh_completion()
  return "#compdef moveugc\n# moveugc completion for zsh: source it, or save it as _moveugc in a folder of $fpath\n" ..
    "autoload -U +X bashcompinit && bashcompinit\n" .. bash_completion():gsub("^[^\n]*\n", "")
end

commands.completion = {
  options = {},
  usage = [=[
Usage: moveugc completion bash|zsh

Prints a completion script for the shell: commands, options and some of their values.
  source <(moveugc completion bash)      # bash, this session; or save it in
                                         # ~/.local/share/bash-completion/completions/moveugc
  source <(moveugc completion zsh)       # zsh]=],
  run = function(r, positional)
    if #positional ~= 1 or (positional[1] ~= "bash" and positional[1] ~= "zsh") then
      Run.usage_error("completion: bash or zsh expected")
    end
    r.stdout:write(positional[1] == "bash" and bash_completion() or zsh_completion(), "\n")
  end,
}

-- ==== the run ===========================================================

local function resolve(positional)
  local two = positional[1] and positional[2] and (positional[1] .. " " .. positional[2])
  if two and commands[two] then return two, 3 end
  if positional[1] and commands[positional[1]] then return positional[1], 2 end
  return nil
end

local function dispatch(r, argv)
  local positional
  r.opts, positional = parse(argv)
  local opts = r.opts
  if opts.version then
    r:out("moveugc " .. moveugc._VERSION)
    return EXIT.ok
  end
  if positional[1] == "help" then
    table.remove(positional, 1)
    opts.help = true
  end
  local name, first_arg = resolve(positional)
  if not name then
    local group = positional[1]
    if group == nil then
      if opts.help then
        r:out(HELP)
        return EXIT.ok
      end
      Run.usage_error("no command given (moveugc --help lists them)")
    end
    if GROUPS[group] and positional[2] == nil then
      if opts.help then
        r:out(("Usage: moveugc %s <%s> [options]\n\nmoveugc %s <command> --help for each."):format(
          group, GROUPS[group]:gsub(", ", "|"), group))
        return EXIT.ok
      end
      Run.usage_error("'%s' needs a command: %s", group, GROUPS[group])
    end
    if GROUPS[group] then Run.usage_error("unknown command '%s %s' (%s)", group, positional[2], GROUPS[group]) end
    Run.usage_error("unknown command '%s' (moveugc --help lists them)", group)
  end
  local command = commands[name]
  r.command = name
  if opts.help then
    r:out(command_help(name))
    return EXIT.ok
  end
  local allowed = {}
  for _, o in ipairs(command.options) do allowed[o] = true end
  for o in pairs(OPTIONS) do
    if (opts[o] ~= nil or opts.list[o] ~= nil) and not allowed[o] and not GLOBAL[o] then
      Run.usage_error("'%s' has no option --%s (moveugc %s --help)", name, o, name)
    end
  end
  local rest = {}
  for i = first_arg, #positional do rest[#rest + 1] = positional[i] end
  return command.run(r, rest) or EXIT.ok
end

-- Maps whatever stopped the command to a message and an exit status.
local function report(e)
  if moveugc.errors.is(e) then
    return tostring(e):gsub("^moveugc: ", ""), EXIT[e.kind] or EXIT.other
  elseif type(e) == "table" and e.usage then
    return e.usage, EXIT.usage
  elseif type(e) == "table" and e.exit then
    return e.message, e.exit
  end
  local msg = tostring(e)
  -- the SDK raises caller mistakes without a position ("jobs.list: bad argument ...");
  -- anything with "file:line:" is a bug here
  if msg:find("^[^%s:]+:%d+: ") then return "internal error: " .. msg, EXIT.other end
  return msg, EXIT.usage
end

local function is_terminal(fd)
  local ok = os.execute("test -t " .. fd)
  return ok == true or ok == 0
end

---@class moveugc.CliIO
---@field stdout {write: function}? where output goes (default io.stdout)
---@field stderr {write: function}? where errors, progress and MOVEUGC_LOG's lines go (default io.stderr)
---@field stdin {read: function}? where `webhooks verify -` reads (default io.stdin)
---@field getenv (fun(name: string): string?)? the environment, MOVEUGC_LOG included (default os.getenv)
---@field tty boolean? stderr is a terminal: progress bars (default: asked of the system)

--- Runs the command on argv (the words after `moveugc`) and returns its exit
-- status; never exits. Output, errors and progress go through streams.
---@param argv string[]
---@param streams moveugc.CliIO?
---@return integer status
function cli.run(argv, streams)
  streams = streams or {}
  local r = setmetatable({
    stdout = streams.stdout or io.stdout, stderr = streams.stderr or io.stderr, stdin = streams.stdin or io.stdin,
    getenv = streams.getenv or os.getenv, secrets = {}, opts = { list = {} },
  }, Run)
  if streams.tty ~= nil then r.tty = streams.tty else r.tty = is_terminal(2) end
  -- (Lua 5.1's xpcall passes no arguments to the function: a closure does)
  local ok, result = xpcall(function() return dispatch(r, argv) end, function(e)
    if type(e) == "string" and e:find("^[^%s:]+:%d+: ") then return debug.traceback(e, 2) end
    return e
  end)
  local status = result
  if not ok then
    local message
    message, status = report(result)
    r.stderr:write("moveugc: ", r:scrub(message), "\n")
  end
  if r.client then r.client:close() end
  return status
end

--- The command's entry point for bin/moveugc: runs argv on the process's own
-- standard streams and returns the exit status for os.exit.
---@param argv string[]
---@return integer status
function cli.main(argv)
  local status = cli.run(argv or {})
  io.stdout:flush()
  return status
end

return cli
