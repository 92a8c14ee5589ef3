--- Non-blocking mode: SDK tasks for game engines and Lua hosts.
--
--   local task = ugc:spawn(function() return assert(ugc.jobs.wait(id)) end)
--   -- every frame:
--   ugc:step(0)
--   if task:done() then local job, err = task:result() end
--
-- Inside a task every SDK call (API calls, transfers, waits and their
-- sleeps) yields instead of blocking; the client's worker thread moves the
-- bytes, and `step` collects what it finished and resumes those tasks.
-- Outside tasks the same calls block as before.
local core = require "moveugc.core"
local errors = require "moveugc.errors"

local tasks = {}

local unpack = table.unpack or unpack ---@diagnostic disable-line: deprecated
local function pack(...) return { n = select("#", ...), ... } end

local PROGRESS_INTERVAL = 0.1

---@class moveugc.Task
---@field status "new"|"running"|"done"|"failed"|"cancelled"
local Task = {}
Task.__index = Task
Task.__name = "moveugc.Task"

--- True once the task has returned, failed or been cancelled.
---@return boolean
function Task:done() return self.status == "done" or self.status == "failed" or self.status == "cancelled" end

--- The function's return values; nil, err if it failed or was cancelled.
-- Raises when the task is not done yet (see task:done() and task:wait()).
---@return any ... the function's results, or nil, moveugc.Error
function Task:result()
  if not self:done() then
    error("task:result: the task is not done yet (check task:done(), or call task:wait())", 2)
  end
  if self.status ~= "done" then return nil, self.error end
  return unpack(self.results, 1, self.results.n)
end

--- Steps the client until this task is done, then returns its result. For
-- scripts: a frame loop checks task:done() instead.
---@return any ... the function's results, or nil, moveugc.Error
function Task:wait()
  local me = tasks.current(self.client)
  if me then -- inside another task: yield until this one is done (step runs us)
    if me == self then error("task:wait: bad argument 'task' (a task cannot wait for itself)", 2) end
    tasks.join(self.client, { self })
  else
    while not self:done() do self.client:step(0.05) end
  end
  return self:result()
end

--- Stops the task: its transfer in flight is cancelled (a download leaves no
-- file at its destination), and it ends with an error of kind "cancelled". A
-- call's {callback = fn} that has not run yet runs once, with nil and that error.
function Task:cancel()
  tasks.cancel(self, "the task was cancelled")
end

-- ==== inside a task =====================================================

local function current(client)
  local co = coroutine.running()
  return co and client._by_co[co] or nil
end
tasks.current = current

-- pcall for callbacks run inside a task: they may make SDK calls, which
-- yield. PUC Lua 5.1 cannot yield across pcall, so there the callback runs in
-- a coroutine of its own whose yields are passed up to the scheduler.
local callback_pcall
if _VERSION == "Lua 5.1" and type(jit) ~= "table" then
  callback_pcall = function(task, fn, ...)
    local co = coroutine.create(fn)
    local by_co = task.client._by_co
    by_co[co] = task -- SDK calls inside it belong to the task
    local res = pack(coroutine.resume(co, ...))
    while res[1] and coroutine.status(co) ~= "dead" do
      local back = pack(coroutine.yield(unpack(res, 2, res.n)))
      res = pack(coroutine.resume(co, unpack(back, 1, back.n)))
    end
    by_co[co] = nil
    return unpack(res, 1, res.n)
  end
else
  local plain = pcall
  callback_pcall = function(_, fn, ...) return plain(fn, ...) end
end

local function check_cancelled(task)
  if task.cancelled then error(errors.new{ kind = "cancelled", message = "the task was cancelled" }, 0) end
end

-- Yields until req is done; returns nothing (read req:result()). The
-- progress function may itself make SDK calls (they await in turn): what the
-- task waits on is set again before every yield and restored at the end.
local function await(task, req, on_progress)
  local outer_req, outer_watch = task.req, task.watch
  local last_done, last_t = -1, 0
  while not req:done() do
    task.req, task.watch = req, on_progress ~= nil
    coroutine.yield()
    if on_progress and not task.cancelled then
      local now = core.now()
      local d, t = req:progress()
      if d ~= last_done and d > 0 and (now - last_t >= PROGRESS_INTERVAL or req:done()) then
        last_done, last_t = d, now
        local ok, keep = callback_pcall(task, on_progress, d, t)
        if not ok then
          req:cancel()
          task.req, task.watch = outer_req, outer_watch
          task.callback_error = keep -- the task fails with kind "callback"
          error(keep, 0)
        elseif keep == false then
          req:cancel()
        end
      end
    end
  end
  task.req, task.watch = outer_req, outer_watch
end

--- session:post, yielding inside a task: one exchange, its result as the
-- seam gives it (binding/lresult.c). A call's options (moveugc.CallOptions)
-- come through the client it was given: its timeout, and whether the
-- response's headers are wanted.
function tasks.post(client, prefix, vars, mutation, api, compressed)
  local task = current(client)
  if not task then
    return client._session:post(prefix, vars, mutation, compressed, api, client._timeout_ms, client._response)
  end
  check_cancelled(task)
  local req = client._session:post_start(prefix, vars, mutation, compressed, client._timeout_ms, client._response)
  await(task, req)
  local results = pack(req:result(api))
  req:free()
  return unpack(results, 1, results.n)
end

--- session:upload / session:download, yielding inside a task: status,
-- meta or nil, failure (binding/lresult.c).
function tasks.transfer(client, kind, url, path, on_progress)
  local task = current(client)
  if not task then return client._session[kind](client._session, url, path, on_progress, client._timeout_ms) end
  check_cancelled(task)
  local req = client._session[kind .. "_start"](client._session, url, path, client._timeout_ms)
  await(task, req, on_progress)
  local status, meta = req:result()
  req:free()
  return status, meta
end

--- Sleeps; inside a task, yields until the time has passed.
function tasks.sleep(client, seconds)
  local task = current(client)
  if not task then return core.sleep(seconds) end
  check_cancelled(task)
  task.wake = core.now() + seconds
  coroutine.yield()
  task.wake = nil
  check_cancelled(task)
end

--- Waits for other tasks (used by upload_many): yields inside a task,
-- steps the client outside one. Inside a task it waits for one unfinished
-- task at a time (task.joining), and step resumes it only once that one is
-- done: a waiting task costs nothing until then.
function tasks.join(client, list)
  local task = current(client)
  local i = 1
  while true do
    while list[i] and list[i]:done() do i = i + 1 end
    local other = list[i]
    if not other then return end
    if task then
      task.joining = other
      coroutine.yield()
      task.joining = nil
      check_cancelled(task)
    else
      client:step(0.05)
    end
  end
end

-- ==== the client's side =================================================

-- What a task waits on, innermost first: a sleep or a join inside a progress
-- function comes before the transfer that function watches. A joining task
-- is runnable once the task it waits for is done; a watched transfer's task
-- runs every step (its progress function is called at most every 100 ms).
local function runnable(task, now)
  if task.status == "new" then return true end
  if task.wake then return now >= task.wake end
  if task.joining then return task.joining:done() end
  if task.req then return task.req:done() or task.watch end
  return false
end

-- The same, in time: seconds until the task may run (0: now), or nil when
-- only the worker's news or another task's end can make it runnable.
local function wait_of(task, now)
  if task.status == "new" then return 0 end
  if task.wake then return math.max(0, task.wake - now) end
  if task.joining then return task.joining:done() and 0 or nil end
  if task.req and task.req:done() then return 0 end
  return nil
end

--- Runs a call's {callback = fn} (moveugc.CallOptions) once, with the call's
-- results: inside its task, so its SDK calls yield too. An error it raises
-- fails the task with kind "callback".
function tasks.deliver(task, ...)
  if task.delivered then return end
  task.delivered, task.in_callback = true, true
  task.callback(...)
  task.in_callback = false
end

-- A cancelled task's callback that has not run yet runs now, once, with nil
-- and the task's error; an error it raises goes to ugc.callback_error.
local function deliver_cancelled(task)
  if not task.callback or task.delivered then return end
  local ok, err = pcall(tasks.deliver, task, nil, task.error, task.response)
  task.in_callback = false
  if not ok then task.client:_callback_failed("callback", err) end
end

local function finish(client, task, co, ok, ...)
  if coroutine.status(co) ~= "dead" then return end
  client._by_co[co] = nil
  if task.cancelled then
    task.status = "cancelled" -- task.error says so, whatever the function returned
    deliver_cancelled(task)
    return
  end
  if ok then
    task.status, task.results = "done", pack(...)
    return
  end
  local err = ...
  if not errors.is(err) then
    local callback = (err == task.callback_error and err ~= nil) or task.in_callback
    err = errors._from_raised(err, callback and "callback" or nil, debug.traceback(co))
  end
  task.status, task.error = "failed", err
  local observer = client._on_task_error
  if observer then pcall(observer, err, task) end
end

local function resume(client, task)
  local co = task.co -- (a close inside the task may clear task.co)
  if task.status == "new" then
    task.status = "running"
    finish(client, task, co, coroutine.resume(co, unpack(task.args, 1, task.args.n)))
  else
    finish(client, task, co, coroutine.resume(co))
  end
  if task.status ~= "running" then task.co = nil end
end

--- Ends a task with an error of kind "cancelled" saying why: its transfer in
-- flight is cancelled, one last resume lets the interrupted call clean up (a
-- download removes its .part), and a call's callback that has not run yet
-- runs once with nil and that error.
function tasks.cancel(task, message)
  if task:done() or task.cancelled then return end
  task.cancelled = true
  if task.req then task.req:cancel() end -- done when this returns
  task.error = errors.new{ kind = "cancelled", message = message }
  local co, client = task.co, task.client
  if co and (coroutine.running() == co or current(client) == task) then
    return -- cancelled from inside (its code, a progress function): it unwinds as it returns
  end
  -- any further SDK call in the task raises, so it ends there
  if task.status ~= "new" and co and coroutine.status(co) == "suspended" then
    local ok, err = coroutine.resume(co)
    if not ok and task.in_callback then client:_callback_failed("callback", err) end
  end
  task.status = "cancelled"
  if co then client._by_co[co] = nil end
  task.co, task.req = nil, nil
  deliver_cancelled(task)
end

--- The client is closing (or closed): every unfinished task ends as
-- cancelled, "the client was closed". Called before the session closes, so
-- each interrupted call cleans up; step drops them from the list.
function tasks.close(client)
  local list, i = client._tasks, 1
  while list[i] do -- a callback run here may spawn: that task ends too
    tasks.cancel(list[i], "the client was closed")
    i = i + 1
  end
end

--- Runs fn(...) as an SDK task, starting at the next step.
---@param fn function
---@return moveugc.Task
function tasks.spawn(client, fn, ...)
  if type(fn) ~= "function" then error("ugc:spawn: bad argument 'fn' (function expected)", 3) end
  local task = setmetatable({ client = client, status = "new", args = pack(...) }, Task)
  task.co = coroutine.create(fn)
  client._by_co[task.co] = task
  client._tasks[#client._tasks + 1] = task
  -- a host waiting on fd() steps, and the task starts (on a closed client,
  -- the next step ends it as cancelled)
  if not client._closed then client._session:notify() end
  return task
end

--- Advances transfers and resumes tasks whose work is done; returns within
-- timeout seconds (0: never waits). Returns how many tasks are unfinished.
function tasks.step(client, timeout)
  if client._stepping then
    error("ugc:step: not re-entrant: called from a task or a callback that step is running " ..
      "(inside a task, SDK calls and task:wait() already wait without blocking)", 0)
  end
  timeout = timeout or 0
  local list, now = client._tasks, core.now()
  if client._closed then
    tasks.close(client) -- tasks spawned since: they end cancelled too
  else
    local wait, pending = timeout, false
    for _, task in ipairs(list) do
      if not task:done() then pending = true end
      local s = task.co and wait_of(task, now)
      if s then
        wait = math.max(0, math.min(wait, s))
        if wait == 0 then break end
      end
    end
    if not pending then wait = 0 end -- nothing would ever end the wait
    client._session:step(wait)
    now = core.now()
    local n = #list
    client._stepping = true
    for i = 1, n do
      local task = list[i]
      if task.co and runnable(task, now) then resume(client, task) end
    end
    client._stepping = false
  end
  local kept = 0 -- drop finished tasks: their handles keep their results
  for i = 1, #list do
    local task = list[i]
    list[i] = nil
    if not task:done() then
      kept = kept + 1
      list[kept] = task
    end
  end
  return kept
end

--- How many tasks are not finished.
function tasks.pending(client)
  local n = 0
  for _, task in ipairs(client._tasks) do if not task:done() then n = n + 1 end end
  return n
end

--- Steps until no task is left.
function tasks.run(client)
  while tasks.step(client, 0.05) > 0 do end
end

--- How long the host may sleep before the next step, in milliseconds; nil
-- when nothing is waiting (no task and no transfer).
function tasks.timeout_ms(client)
  if client._closed then return tasks.pending(client) > 0 and 0 or nil end
  local best = client._session:timeout_ms()
  local now = core.now()
  for _, task in ipairs(client._tasks) do
    local s = task.co and wait_of(task, now)
    local ms = s and math.ceil(s * 1000)
    if not s and task.co and task.watch and task.req and not task.joining then ms = PROGRESS_INTERVAL * 1000 end
    if ms and (best == nil or ms < best) then best = ms end
  end
  return best
end

return tasks
