--- One error contract for the whole SDK.
-- Caller mistakes raise at once (see moveugc.args). Runtime failures return
-- `nil, err` where err is a table made here: fields to branch on, and a
-- __tostring that reads well inside assert(...).
local policy = require "moveugc.policy"

local M = {}

---@alias moveugc.ErrorKind
---| "auth" | "not_found" | "validation" | "rate_limited" | "server" | "network"
---| "timeout" | "tls" | "protocol" | "internal"
---| "usage" # a caller's mistake (bad argument) raised inside a task or callback, message kept
---| "callback" # a function the caller passed (on_progress, a task callback) raised
---| "file" # a local file could not be opened, read or written (also: a `.part` that is a link)
---| "unsupported" # this machine lacks something the SDK needs (MD5 on a FIPS-only OpenSSL)
---| "expired" # a presigned URL's time ran out (S3's 403 "Request has expired")
---| "integrity" # a transfer's bytes do not match the server's ETag (MD5)
---| "cancelled" # a task or transfer stopped: its progress function returned false, task:cancel(), ugc:close()
---| "signature" # a webhook delivery failed verification (moveugc.webhook_signature.verify); see err.reason

---@class moveugc.Error
---@field kind moveugc.ErrorKind what went wrong, to branch on
---@field message string what the server or the transport said
---@field status integer? HTTP status of the last response
---@field error_type string? AppSync's errorType of the first GraphQL error
---@field errors table[]? the whole GraphQL error list, the server's own names (errorType, path...)
---@field request_id string? x-amzn-RequestId of the last response
---@field operation string? the GraphQL operation (or transfer) that failed
---@field retryable boolean true when trying the same call again is safe and may succeed
---@field attempts integer? how many times the request was sent
---@field retry_after number? seconds the server asked us to wait
---@field reason string? for kind "signature": missing_header, bad_secret, bad_timestamp,
---timestamp_too_old, timestamp_in_future or no_match

local Error = {}
Error.__index = Error
Error.__name = "moveugc.Error"

-- Never raises, whatever the fields hold (they may come from a server).
function Error.__tostring(e)
  local parts = {}
  local function num(v) return type(v) == "number" and v == v end
  if num(e.status) and e.status > 0 then parts[#parts + 1] = ("HTTP %d"):format(e.status) end
  if e.error_type ~= nil then parts[#parts + 1] = tostring(e.error_type) end
  if e.request_id and e.request_id ~= "" then parts[#parts + 1] = "request " .. tostring(e.request_id) end
  if num(e.attempts) and e.attempts > 1 then parts[#parts + 1] = ("%d attempts"):format(e.attempts) end
  local where = e.operation and (" in " .. tostring(e.operation)) or ""
  local extra = #parts > 0 and (" [" .. table.concat(parts, ", ") .. "]") or ""
  return ("moveugc: %s error%s: %s%s"):format(tostring(e.kind), where, tostring(e.message), extra)
end

M.Error = Error

--- Builds an error table. `fields.kind` and `fields.message` are required.
---@param fields table kind, message and any other field of moveugc.Error
---@return moveugc.Error
function M.new(fields)
  if fields.retryable == nil then fields.retryable = false end
  return setmetatable(fields, Error)
end

-- The phrases every caller-mistake error of the SDK starts with, after
-- "<function>: " (see moveugc.args).
local USAGE = { "bad argument", "bad option", "missing required argument", "unknown argument",
  "expected a table", "nothing to update", "no API key", "the client is closed", "not re-entrant",
  "the task is not done" }

-- An error raised inside a task or callback, as an error table: the SDK's
-- own errors as they are, a caller's mistake as kind "usage" (its message
-- names the function and argument), anything else as kind `kind` (default
-- "internal").
function M._from_raised(v, kind, traceback)
  if getmetatable(v) == Error then return v end
  local message = tostring(v)
  if type(v) == "string" then
    local head = message:match("^[%w_%.:]+: (.*)$") or message:match("^moveugc: (.*)$") or ""
    for _, phrase in ipairs(USAGE) do
      if head:sub(1, #phrase) == phrase then
        return M.new{ kind = "usage", message = message, traceback = traceback }
      end
    end
  end
  return M.new{ kind = kind or "internal", message = message, traceback = traceback }
end

--- True when v is an error made by this module.
---@param v any
---@return boolean
function M.is(v) return getmetatable(v) == Error end

local function first_message(list)
  local first = list[1]
  local msg = type(first) == "table" and type(first.message) == "string" and first.message
    or "the server returned an error without a message"
  if #list > 1 then msg = msg .. (" (and %d more)"):format(#list - 1) end
  return msg, type(first) == "table" and first or nil
end

-- A request that got no usable response; `failure` is the C seam's table
-- (binding/lresult.c). (internal)
function M._failure(op, mutation, failure, attempts, ms)
  return M.new{
    kind = policy.failure_kind(failure), message = failure.message, operation = op,
    attempts = attempts, ms = ms, status = failure.status, request_id = failure.request_id,
    retryable = policy.failure_retryable(failure, mutation),
  }
end

-- Classifies a GraphQL answer (status, decoded doc, the seam's meta).
-- Returns nil when it holds usable data. (internal)
function M._from_response(op, mutation, status, doc, meta, attempts, ms)
  if status >= 200 and status < 300 and type(doc) == "table" and type(doc.data) == "table" then
    local list = doc.errors -- the common case first, with nothing allocated
    if list == nil or (type(list) == "table" and #list == 0) then return nil end
  end
  local e = {
    operation = op, status = status, attempts = attempts, ms = ms, retry_after = meta.retry_after,
    request_id = meta.request_id,
  }
  local list = type(doc) == "table" and type(doc.errors) == "table" and doc.errors or nil
  local answered = status >= 200 and status < 300
  if answered then
    if type(doc) ~= "table" then
      e.kind = "protocol"
      e.message = ("the response is not valid JSON (%s): %s"):format(meta.problem, meta.snippet or "")
    elseif list and #list > 0 then
      local first
      e.message, first = first_message(list)
      e.kind, e.error_type = policy.graphql_kind(first)
      e.errors = list
    elseif type(doc.data) ~= "table" then
      e.kind = "protocol"
      e.message = "the response has neither data nor errors"
    else
      return nil
    end
  else
    e.kind = policy.status_kind(status)
    if list and #list > 0 then
      local first
      e.message, first = first_message(list)
      e.error_type = select(2, policy.graphql_kind(first))
      e.errors = list
    elseif type(doc) == "table" and type(doc.message) == "string" then
      e.message = doc.message
    else
      e.message = ("HTTP %d: %s"):format(status, meta.snippet or meta.problem or "")
    end
  end
  e.retryable = policy.retryable(e.kind, mutation, answered)
  return M.new(e)
end

return M
