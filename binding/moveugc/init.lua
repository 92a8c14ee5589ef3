--- moveugc: the Lua client for Move AI's MoveUGC API.
--
--   local moveugc = require "moveugc"
--   local ugc = moveugc.new{ api_key = os.getenv("MOVE_API_KEY") }
--   local job = assert(ugc.jobs.retrieve("job-..."))
local core = require "moveugc.core"
local errors = require "moveugc.errors"
local documents = require "moveugc.documents"
local tasks = require "moveugc.tasks"
local policy = require "moveugc.policy"

local M = {}

local unpack = table.unpack or unpack ---@diagnostic disable-line: deprecated
local function pack(...) return { n = select("#", ...), ... } end

M._VERSION = "0.2.0"
M.version = M._VERSION
M.DEFAULT_ENDPOINT = "https://api.move.ai/ugc/graphql"
M.MAX_PAGE_SIZE = 100
M.errors = errors
local webhook_signature = require "moveugc.webhook_signature"
M.webhook_signature = webhook_signature -- verify and sign deliveries: no client needed
--- The old name of moveugc.webhook_signature, easy to confuse with the
-- ugc.webhooks resource; kept for one release.
---@deprecated use moveugc.webhook_signature
M.webhooks = webhook_signature
--- Marks a table as a JSON array, so an empty one is sent as `[]`, not `{}`.
-- Lists the SDK returns are marked already.
---@param t table
---@return table t
M.array = core.array

-- Resource modules, each one short Lua file named after its resource.
local RESOURCES = {
  jobs = "moveugc.jobs",
  files = "moveugc.files",
  takes = "moveugc.takes",
  volumes = "moveugc.volumes",
  client = "moveugc.client_resource",
  rigs = "moveugc.rigs",
  camera_settings = "moveugc.camera_settings",
  webhooks = "moveugc.webhooks",
}

local OPTIONS = {
  api_key = "string", endpoint = "string", endpoint_url = "string", timeout = "number", connect_timeout = "number",
  max_retries = "number", page_size = "number", user_agent = "string", ca_file = "string",
  log = "function", max_body = "number", on_task_error = "function", max_transfers = "number",
  step_budget_ms = "number", getenv = "function", stderr = "stream",
}

local function option_error(name, problem)
  error(("moveugc.new: bad option '%s' (%s)"):format(name, problem), 0)
end

local function lua_version()
  if type(jit) == "table" and jit.version then return jit.version end
  return _VERSION
end

--- The User-Agent sent with every request:
-- `moveugc-lua/<version> (<Lua version>; libcurl <version>)`, after extra if given.
---@param extra string? a product token to put first, e.g. "my-tool/1.2"
---@return string
function M.user_agent(extra)
  local ua = ("moveugc-lua/%s (%s; libcurl %s)"):format(M._VERSION, lua_version(),
    core.curl_version())
  if extra and extra ~= "" then ua = extra .. " " .. ua end
  return ua
end

-- MOVEUGC_LOG=debug writes a line per HTTP exchange to stderr, =error only
-- the failed ones: diagnosis without a line of code. The event is the log
-- hook's (Client:_exchange): no key, no URL query, no signature in it.
local LOG_LEVELS = { debug = true, error = true, off = true }

local function stderr_logger(level, stderr)
  return function(e)
    if level == "error" and not e.error then return end
    local line = { "moveugc:", e.kind, e.operation }
    line[#line + 1] = "status=" .. tostring(e.status or "-")
    if e.bytes then line[#line + 1] = "bytes=" .. e.bytes end
    line[#line + 1] = ("ms=%.1f"):format(e.ms or 0)
    line[#line + 1] = "attempts=" .. tostring(e.attempts)
    if e.request_id then line[#line + 1] = "request_id=" .. e.request_id end
    if e.error then line[#line + 1] = "error=" .. e.error end
    if e.url then line[#line + 1] = "url=" .. e.url end
    stderr:write(table.concat(line, " "), "\n")
  end
end

local function log_option(opts, getenv, stderr)
  local level = getenv("MOVEUGC_LOG")
  if level == nil or level == "" or level == "off" then return opts.log end
  if not LOG_LEVELS[level] then
    error(("moveugc.new: bad environment variable MOVEUGC_LOG ('%s': debug, error or off expected)"):format(level), 0)
  end
  local env, own = stderr_logger(level, stderr), opts.log
  if not own then return env end
  return function(e) -- both: stderr first, then the caller's (which may raise)
    env(e)
    return own(e)
  end
end

-- A stream: io.stderr, or anything with a write method.
local function is_stream(v)
  if type(v) ~= "table" and type(v) ~= "userdata" then return false end
  local ok, write = pcall(function() return v.write end)
  return ok and write ~= nil
end

-- The environment the client reads its variables from: getenv, else the process's.
local function environment(getenv)
  getenv = getenv or os.getenv
  return function(name)
    local v = getenv(name)
    if v ~= nil and type(v) ~= "string" then
      option_error("getenv", ("gave a %s for %s: a string or nil expected"):format(type(v), name))
    end
    return v
  end
end

local function check_types(opts)
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then option_error(tostring(k), "unknown option") end
    if want == "stream" then
      if not is_stream(v) then option_error(k, "a stream with a write method expected, got " .. type(v)) end
    elseif type(v) ~= want then
      option_error(k, want .. " expected, got " .. type(v))
    end
  end
end

local function check_options(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    error("moveugc.new: expected a table of options, got " .. type(opts), 0)
  end
  check_types(opts)
  local getenv = environment(opts.getenv)
  local o = { stderr = opts.stderr or io.stderr }
  o.api_key = opts.api_key or getenv("MOVE_API_KEY")
  if o.api_key == nil or o.api_key == "" then
    error("moveugc.new: no API key: pass api_key or set MOVE_API_KEY", 0)
  end
  if #o.api_key < 12 then option_error("api_key", "too short: an API key has at least 12 characters") end
  -- endpoint_url: the Python SDK's name for it
  if opts.endpoint and opts.endpoint_url and opts.endpoint ~= opts.endpoint_url then
    option_error("endpoint_url", "names another URL than 'endpoint': pass one of them")
  end
  local endpoint_option = opts.endpoint_url and not opts.endpoint and "endpoint_url" or "endpoint"
  o.endpoint = opts.endpoint or opts.endpoint_url or getenv("MOVE_UGC_ENDPOINT_URL") or M.DEFAULT_ENDPOINT
  if not o.endpoint:find("^https?://[^/]") then
    option_error(endpoint_option, "an http:// or https:// URL expected")
  end
  -- finite, and at least a millisecond: libcurl reads 0 ms as "no timeout"
  local function seconds(name, v)
    if not (v >= 0.001 and v <= 2e6) then option_error(name, "seconds from 0.001 to 2e6 expected") end
    return v
  end
  o.timeout = seconds("timeout", opts.timeout or 60)
  o.connect_timeout = seconds("connect_timeout", opts.connect_timeout or 10)
  o.max_retries = opts.max_retries or 2
  if o.max_retries < 0 or o.max_retries > 10 or o.max_retries % 1 ~= 0 then
    option_error("max_retries", "an integer from 0 to 10 expected")
  end
  local page = opts.page_size
  if page == nil then
    local env = getenv("MOVE_DEFAULT_PAGE_SIZE")
    page = env and tonumber(env) or 10
    if env and not tonumber(env) then
      option_error("page_size", "MOVE_DEFAULT_PAGE_SIZE is not a number")
    end
  end
  if page < 1 or page > M.MAX_PAGE_SIZE or page % 1 ~= 0 then
    option_error("page_size", ("an integer from 1 to %d expected"):format(M.MAX_PAGE_SIZE))
  end
  o.page_size = math.floor(page)
  o.user_agent = M.user_agent(opts.user_agent)
  -- header values: a CR or LF would start a header of someone else's choosing
  local function header_value(name, v)
    if v and v:find("[%z\1-\31\127]") then
      option_error(name, "contains a control character (CR, LF, NUL...): not allowed in a header")
    end
  end
  header_value("api_key", o.api_key)
  header_value("user_agent", opts.user_agent)
  if o.endpoint:find("[%z\1-\32\127]") then option_error(endpoint_option, "contains a space or control character") end
  o.ca_file = opts.ca_file
  if o.ca_file and o.ca_file:find("%z") then option_error("ca_file", "contains a NUL byte") end
  o.log = log_option(opts, getenv, o.stderr)
  o.max_body = opts.max_body
  if o.max_body ~= nil and not (o.max_body >= 1 and o.max_body <= 2 ^ 53 and o.max_body % 1 == 0) then
    option_error("max_body", "a whole number of bytes, 1 or more, expected")
  end
  o.on_task_error = opts.on_task_error
  o.max_transfers = opts.max_transfers or 4
  if not (o.max_transfers >= 1 and o.max_transfers <= 1024 and o.max_transfers % 1 == 0) then
    option_error("max_transfers", "an integer from 1 to 1024 expected")
  end
  o.step_budget_ms = opts.step_budget_ms or 1
  if not (o.step_budget_ms >= 0 and o.step_budget_ms <= 1e6) then
    option_error("step_budget_ms", "milliseconds from 0 to 1e6 expected")
  end
  return o
end

---@class moveugc.Client
---@field endpoint string the API's URL, read-only (another endpoint needs another client)
---@field page_size integer items per list page when a list gives no limit
---@field callback_error moveugc.Error? the last error a log function (or a finished wait's on_progress) raised
local Client = {}
Client.__index = Client
Client.__name = "moveugc.Client"

-- Fields a script may read but not set: a new value would change nothing.
local READ_ONLY = {
  endpoint = "the session is bound to it: make another client with moveugc.new{endpoint = ...}",
}

-- Each client's metatable: its read-only fields come from a table of its
-- own (then Client's methods), and __newindex refuses to shadow them.
local function client_metatable(o)
  return {
    __index = setmetatable({ endpoint = o.endpoint }, Client),
    __newindex = function(t, k, v)
      if READ_ONLY[k] then error(("ugc.%s is read-only (%s)"):format(k, READ_ONLY[k]), 2) end
      rawset(t, k, v)
    end,
    __name = Client.__name,
    __close = function(t) return t:close() end,
  }
end

-- Sends one operation, again while moveugc.policy says so; returns the
-- decoded response data or nil, err. `name` labels logs and errors; `prefix`
-- is the body's start (moveugc.documents); `api`: the SDK's own decoder
-- (metadata decoded), else lua-cjson; `compressed`: ask for a compressed
-- answer. Nothing is allocated on success but what the caller gets.
function Client:_send(name, prefix, vars, mutation, api, compressed)
  local attempts, ms = 0, 0
  local status, doc, meta, err
  while true do
    status, doc, meta = tasks.post(self, prefix, vars, mutation, api, compressed)
    local facts = status and meta or doc -- doc: the seam's failure table when status is nil
    attempts, ms = attempts + facts.sends, ms + facts.ms
    if status == nil then
      err = errors._failure(name, mutation, doc, attempts)
    else
      err = errors._from_response(name, mutation, status, doc, meta, attempts)
    end
    if not err then break end
    local wait = policy.next_wait(self, err, attempts)
    if not wait then break end
    self:_sleep(wait)
    ms = ms + wait * 1000
  end
  if err then err.ms = ms end
  if self._log or self._response then
    self:_exchange("graphql", name, err and err.status or status, status and meta or nil, err, attempts, ms)
  end
  if err then return nil, err end
  return doc.data
end

-- One HTTP exchange is over (a GraphQL call with its retries, an upload, a
-- download): the log hook hears of it, and so does the response table of a
-- call made with {response = true}. meta: the seam's (nil when there was no
-- answer). Nothing here holds a key, a URL's query or a signature.
function Client:_exchange(kind, operation, status, meta, err, attempts, ms, url)
  local request_id = err and err.request_id or (meta and meta.request_id)
  local bytes = meta and meta.bytes
  local response = self._response
  if response then
    response.kind, response.operation, response.status, response.request_id = kind, operation, status, request_id
    response.headers, response.bytes, response.attempts, response.ms = meta and meta.headers, bytes, attempts, ms
    response.exchanges = response.exchanges + 1
  end
  local log = self._log
  if log then
    -- a logger that raises must not turn a done call into a failed one
    -- (the caller would retry, and a create would run twice)
    local ok, lerr = pcall(log, {
      kind = kind, operation = operation, status = status, bytes = bytes, attempts = attempts, ms = ms,
      request_id = request_id, error = err and err.kind or nil, url = url,
    })
    if not ok then self:_callback_failed("log", lerr) end
  end
end

-- A caller's callback raised where the SDK cannot let it change the outcome
-- (log): said once per client on stderr, and kept in ugc.callback_error.
function Client:_callback_failed(what, err)
  self.callback_error = errors.new{ kind = "callback", operation = what,
    message = tostring(err) }
  if not self._warned then
    self._warned = true
    -- the caller's stream may raise too: that must not fail the call either
    pcall(self._stderr.write, self._stderr, tostring(self.callback_error), " (ignored; later ones are not shown)\n")
  end
end

--- Runs a documented operation and returns the root field's value (snake_case).
function Client:_call(name, vars, expand)
  local op = documents.operations[name]
  local data, err = self:_send(name, documents.body_prefix(name, expand), vars, op.mutation, true,
    op.compressed)
  if not data then return nil, err end
  local value = data[op.root]
  if value == nil and not op.page then
    return nil, errors.new{ kind = "protocol", operation = name,
      message = "the response has no " .. op.field }
  end
  if value ~= nil and type(value) ~= "table" then -- every root field is an object
    return nil, errors.new{ kind = "protocol", operation = name,
      message = ("the response's %s is a %s, not an object"):format(op.field, type(value)) }
  end
  return value
end

-- Waits block, or yield inside a task.
function Client:_sleep(seconds)
  tasks.sleep(self, seconds)
end

-- A transfer ("upload" or "download"): blocks, or yields inside a task.
function Client:_transfer(kind, url, path, on_progress)
  return tasks.transfer(self, kind, url, path, on_progress)
end

-- ==== non-blocking mode (moveugc/tasks.lua) ============================

--- Runs fn(...) as an SDK task: inside it every SDK call yields instead of
-- blocking. The task starts at the next step.
---@param fn function
---@return moveugc.Task
function Client:spawn(fn, ...) return tasks.spawn(self, fn, ...) end

--- Collects what the client's worker thread finished, runs progress
-- callbacks and resumes the tasks whose work is done. No network, file or
-- hashing work happens here: that all runs on the worker. With timeout > 0
-- it waits up to that many seconds when nothing is ready (default 0: never
-- waits; a signal does not lengthen the wait); with no unfinished task it
-- returns at once, whatever the timeout. Returns the unfinished task count.
---@param timeout number?
---@return integer pending
function Client:step(timeout) return tasks.step(self, timeout) end

--- Steps until no task is left; returns nothing.
---@return nil
function Client:run() return tasks.run(self) end

--- How many tasks are unfinished.
---@return integer
function Client:pending() return tasks.pending(self) end

--- How long a host that watches `fd()` may sleep before the next step, in
-- ms: 0 when something is ready, the time to a task's next timer (a sleep, a
-- progress call), nil when only the descriptor can bring news.
---@return integer?
function Client:timeout_ms() return tasks.timeout_ms(self) end

--- A file descriptor that is readable while `step` has something to do (a
-- request or transfer finished, a task was spawned): for hosts that wait
-- instead of polling (luv, cqueues, epoll, a C engine). Level-triggered: it
-- stays readable until a step. Only ever read by the client; watch it for
-- reading, call `step(0)` when it fires, and also after `timeout_ms()`.
-- Made on the first call; nil and a message when it cannot be (no
-- descriptor left).
---@return integer? fd
---@return string? message
function Client:fd() return self._session:fd() end

--- Deprecated: `{ fd() }, {}`. Before the worker thread this listed
-- libcurl's sockets; a host that watches these lists still works.
---@return integer[] read, integer[] write
function Client:sockets() return self._session:sockets() end

-- ugc.graphql's work (documented at Client:graphql below).
local function graphql(self, query, variables)
  if type(query) ~= "string" or query == "" then
    error("ugc.graphql: bad argument 'query' (GraphQL document string expected)", 0)
  end
  if variables ~= nil and type(variables) ~= "table" then
    error("ugc.graphql: bad argument 'variables' (table expected, got " .. type(variables) .. ")", 0)
  end
  -- the name of a leading operation, sent as operationName (not a fragment's)
  local keyword, op_name = query:match("^%s*(%a+)%s+([%a_][%w_]*)")
  if keyword ~= "query" and keyword ~= "mutation" and keyword ~= "subscription" then op_name = nil end
  -- what the server runs for this operationName, told in C from the tokens
  -- (comments, fragments, strings); nil when unsure, and unsure is a mutation
  local kind = core.operation_type(query, op_name)
  local mutation = kind ~= "query" and kind ~= "subscription"
  -- its answer's size is anyone's guess: asked compressed, as lists are
  return self:_send(op_name or "graphql", documents.prefix(query, op_name), variables, mutation, false, true)
end

--- Closes the client's connection; later calls raise (but step returns 0,
-- and timeout_ms nil). Every unfinished task ends as cancelled first (its
-- transfer stopped, a download's `.part` removed, a call's callback run once
-- with nil, err): `task:wait()` gives nil, err of kind "cancelled". Safe to
-- call twice, and from inside a task or a callback.
function Client:close()
  if self._closed then return end
  self._closed = true
  tasks.close(self)
  self._session:close()
end
Client.__close = Client.close

---@class moveugc.CallOptions
---@field timeout number? seconds for each attempt of this call's API requests, and the stall time of its transfers
---@field max_retries integer? retries of this call's failed requests, 0 to 10
---@field response boolean? also return the last HTTP exchange's moveugc.Response (headers included)
---@field callback fun(result: any, err: moveugc.Error?, response: moveugc.Response?)? run as a task:
--- the call returns the moveugc.Task, and step calls callback once with its results (nil and an
--- error of kind "cancelled" when the task is cancelled or the client closed first; an error it
--- raises fails the task with kind "callback")

---@class moveugc.Response
---@field kind "graphql"|"upload"|"download" the last HTTP exchange of the call
---@field operation string the GraphQL operation (GetJob), or the function for a transfer
---@field status integer? its HTTP status (nil when no answer came)
---@field request_id string? the server's request id (x-amzn-RequestId, x-amz-request-id)
---@field headers table<string, string>? a GraphQL answer's headers, names lower-cased
---@field bytes integer? the answer's body size; a transfer's bytes moved
---@field attempts integer attempts of that exchange
---@field ms number its time, waits between attempts included
---@field exchanges integer how many exchanges the call made

local CALL_OPTIONS = { timeout = "number", max_retries = "number", response = "boolean", callback = "function" }

local function call_option_error(fname, name, problem)
  error(("%s: bad option '%s' (%s)"):format(fname, name, problem), 0)
end

-- The client a call with options runs on: the client's fields, with the
-- options' own in front. Writes go to the client. Everything the call does
-- (its retries, its polls, its transfers, its tasks) sees the options.
local function with_options(client, fname, opts)
  if type(opts) ~= "table" then
    local hint = type(opts) == "function" and ": a callback goes in the options, {callback = fn}" or ""
    error(("%s: bad argument 'options' (table expected, got %s)%s"):format(fname, type(opts), hint), 0)
  end
  for k, v in pairs(opts) do
    local want = CALL_OPTIONS[k]
    if not want then
      call_option_error(fname, tostring(k), "unknown option (expected callback, max_retries, response, timeout)")
    end
    if type(v) ~= want then call_option_error(fname, k, want .. " expected, got " .. type(v)) end
  end
  local timeout, retries = opts.timeout, opts.max_retries
  if timeout and not (timeout >= 0.001 and timeout <= 2e6) then
    call_option_error(fname, "timeout", "seconds from 0.001 to 2e6 expected")
  end
  if retries and not (retries >= 0 and retries <= 10 and retries % 1 == 0) then
    call_option_error(fname, "max_retries", "an integer from 0 to 10 expected")
  end
  local view = {
    _timeout_ms = timeout and math.ceil(timeout * 1000) or client._timeout_ms,
    _max_retries = retries or client._max_retries,
    _response = opts.response and { exchanges = 0 } or client._response,
  }
  return setmetatable(view, { __index = client, __newindex = client })
end

-- Runs fn on the client with the options: returns its results (and the
-- response, when asked for), or the task that runs it (callback).
local function call_with(client, fname, fn, opts, ...)
  local c = with_options(client, fname, opts)
  local response = opts.response and c._response or nil
  if opts.callback then
    local args, task = pack(...), nil
    task = client:spawn(function()
      local result, err = fn(c, unpack(args, 1, args.n))
      tasks.deliver(task, result, err, response) -- once: a cancel before this delivers nil, err
      return result, err, response
    end)
    task.callback, task.response = opts.callback, response
    return task
  end
  local result, err = fn(c, ...)
  if response then return result, err, response end
  return result, err
end

-- How many arguments a resource function takes before its options (1 unless
-- the module says otherwise in its _arity table).
local function wrap(client, resource, fname, fn, arity)
  if arity == 0 then
    return function(o, o2)
      if o == resource then o = o2 end
      if o == nil then return fn(client) end
      return call_with(client, fname, fn, o)
    end
  elseif arity == 1 then
    return function(a, o, o2)
      if a == resource then a, o = o, o2 end
      if o == nil then return fn(client, a) end
      return call_with(client, fname, fn, o, a)
    end
  end
  return function(a, b, o, o2) -- two arguments (ugc.graphql)
    if a == resource then a, b, o = b, o, o2 end
    if o == nil then return fn(client, a, b) end
    return call_with(client, fname, fn, o, a, b)
  end
end

--- The escape hatch: any GraphQL document, the server's own field names back.
-- Retried like the SDK's own calls: the operation the server will run is read
-- from the document's tokens, and one whose type cannot be told counts as a
-- mutation (never resent once it may have reached the server).
---@param query string a GraphQL document
---@param variables table? its variables
---@param options moveugc.CallOptions? this call's timeout, max_retries, response, callback
---@return table? data, moveugc.Error? err, moveugc.Response? response
function Client:graphql(query, variables, options)
  if options == nil then return graphql(self, query, variables) end
  return call_with(self, "ugc.graphql", graphql, options, query, variables)
end

-- `ugc.x.f(...)` and `ugc.x:f(...)` both work: the resource arriving as
-- self is dropped. A table after the arguments is the call's options.
local function bind(client, resource, impl, prefix)
  local arity = impl._arity or {}
  for name, fn in pairs(impl) do
    if type(fn) == "function" and name:sub(1, 1) ~= "_" then
      resource[name] = wrap(client, resource, prefix .. name, fn, arity[name] or 1)
    end
  end
  return resource
end

---@class moveugc.ClientOptions
---@field api_key string? default $MOVE_API_KEY; at least 12 characters, no control characters
---@field endpoint string? default $MOVE_UGC_ENDPOINT_URL or the production URL
---@field timeout number? seconds for a whole request, 0.001 to 2e6 (default 60)
---@field connect_timeout number? seconds to connect, 0.001 to 2e6 (default 10)
---@field max_retries integer? retries of a failed query (default 2)
---@field page_size integer? items per list page ($MOVE_DEFAULT_PAGE_SIZE or 10)
---@field user_agent string? a product token put before the SDK's own (no control characters)
---@field ca_file string? CA bundle to verify TLS with
---@field log fun(event: table)? per HTTP exchange: kind, operation, status, bytes, ms, attempts, request_id, error, url
--- (a transfer's, without its query); MOVEUGC_LOG=debug|error also logs to stderr
---@field getenv (fun(name: string): string?)? the environment MOVE_API_KEY, MOVE_UGC_ENDPOINT_URL,
--- MOVE_DEFAULT_PAGE_SIZE and MOVEUGC_LOG are read from (default os.getenv)
---@field stderr {write: function}? where MOVEUGC_LOG's lines and the warning about a raising callback go
--- (default io.stderr)
---@field max_body integer? the largest response body accepted, in bytes, 1 or more (default 64 MiB)
---@field max_transfers integer? concurrent uploads and downloads, 1 to 1024 (default 4)
---@field step_budget_ms number? deprecated and ignored: transfers run on the worker thread, a step does no I/O
---@field on_task_error fun(err: any, task: moveugc.Task)? sees errors raised in tasks

--- Creates a client. Options: api_key (default $MOVE_API_KEY), endpoint
-- (default $MOVE_UGC_ENDPOINT_URL or the production URL), timeout (60 s),
-- connect_timeout (10 s), max_retries (2), page_size ($MOVE_DEFAULT_PAGE_SIZE
-- or 10), user_agent (prepended to the SDK's own), ca_file, log, max_body;
-- getenv and stderr, the environment and the stream it uses instead of the process's.
---@param opts moveugc.ClientOptions?
---@return moveugc.Client
function M.new(opts)
  local o = check_options(opts)
  local client = setmetatable({
    _session = core.session{
      endpoint = o.endpoint, api_key = o.api_key, user_agent = o.user_agent,
      timeout = o.timeout, connect_timeout = o.connect_timeout,
      ca_file = o.ca_file, max_body = o.max_body, max_transfers = o.max_transfers,
    },
    _log = o.log,
    _stderr = o.stderr,
    _on_task_error = o.on_task_error,
    _tasks = {},
    _by_co = setmetatable({}, { __mode = "k" }),
    _max_retries = o.max_retries,
    _timeout_ms = false, -- a call's own options (see with_options); here so lookups hit
    _response = false,
    page_size = o.page_size,
  }, client_metatable(o))
  for field, modname in pairs(RESOURCES) do
    client[field] = bind(client, {}, require(modname), field .. ".")
  end
  -- ugc.graphql(...) and ugc:graphql(...) alike: the client is the resource
  client.graphql = wrap(client, client, "ugc.graphql", graphql, 2)
  return client
end

return M
