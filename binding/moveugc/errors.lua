--- One error contract for the whole SDK.
-- Caller mistakes raise at once (see moveugc.args). Runtime failures return
-- `nil, err` where err is a table made here: fields to branch on, and a
-- __tostring that reads well inside assert(...).
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
---| "cancelled" # a transfer stopped by its progress function (returning false)
---| "signature" # a webhook delivery failed verification (moveugc.webhooks.verify); see err.reason

---@class moveugc.Error
---@field kind moveugc.ErrorKind what went wrong, to branch on
---@field message string what the server or the transport said
---@field status integer? HTTP status of the last response
---@field error_type string? AppSync's errorType of the first GraphQL error
---@field errors table[]? the whole GraphQL error list
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

-- AppSync errorType -> kind; anything else from a resolver is a server error.
local by_type = {
  MoveNotFoundError = "not_found", NotFoundException = "not_found",
  UnauthorizedException = "auth", AccessDeniedException = "auth", ForbiddenException = "auth",
  MalformedHttpRequestException = "validation", BadRequestException = "validation",
  ValidationException = "validation", ValidationError = "validation",
  ThrottlingException = "rate_limited", TooManyRequestsException = "rate_limited",
  LimitExceededException = "rate_limited",
}

local function first_message(errors)
  local first = errors[1]
  local msg = type(first) == "table" and type(first.message) == "string" and first.message
    or "the server returned an error without a message"
  if #errors > 1 then msg = msg .. (" (and %d more)"):format(#errors - 1) end
  return msg, type(first) == "table" and first
end

local function kind_of_graphql_error(first)
  local et = first and (first.error_type or first.errorType)
  if type(et) == "string" then return by_type[et] or "server", et end
  local msg = first and first.message
  if type(msg) == "string" and msg:find("^Validation error") then return "validation" end
  return "server"
end

local function status_kind(status)
  if status == 401 or status == 403 then return "auth" end
  if status == 429 then return "rate_limited" end
  if status == 408 then return "timeout" end
  if status >= 500 then return "server" end
  if status == 400 or status == 422 then return "validation" end
  return "protocol"
end

-- A failure before any usable response: network, timeout, tls. (internal)
function M._transport(op, mutation, kind, message, attempts, ms, reached, status, request_id)
  local retryable = kind == "network" or kind == "timeout"
  if mutation and reached then retryable = false end
  return M.new{
    kind = kind, message = message, operation = op, attempts = attempts, ms = ms,
    status = status ~= 0 and status or nil, request_id = request_id ~= "" and request_id or nil,
    retryable = retryable,
  }
end

-- Classifies a decoded GraphQL response. Returns nil when it holds usable data. (internal)
function M._from_response(op, mutation, status, doc, problem, snippet, request_id, attempts,
                         retry_after)
  local e = {
    operation = op, status = status, attempts = attempts, retry_after = retry_after,
    request_id = request_id ~= "" and request_id or nil,
  }
  local errors = type(doc) == "table" and type(doc.errors) == "table" and doc.errors or nil
  if status >= 200 and status < 300 then
    if type(doc) ~= "table" then
      e.kind = "protocol"
      e.message = ("the response is not valid JSON (%s): %s"):format(problem, snippet or "")
    elseif errors and #errors > 0 then
      local first
      e.message, first = first_message(errors)
      e.kind, e.error_type = kind_of_graphql_error(first)
      e.errors = errors
    elseif type(doc.data) ~= "table" then
      e.kind = "protocol"
      e.message = "the response has neither data nor errors"
    else
      return nil
    end
  else
    e.kind = status_kind(status)
    if errors and #errors > 0 then
      local first
      e.message, first = first_message(errors)
      local et = first and (first.error_type or first.errorType)
      e.error_type = type(et) == "string" and et or nil
      e.errors = errors
    elseif type(doc) == "table" and type(doc.message) == "string" then
      e.message = doc.message
    else
      e.message = ("HTTP %d: %s"):format(status, snippet or problem or "")
    end
  end
  if e.kind == "rate_limited" then
    e.retryable = true -- throttled requests are refused before they run
  elseif e.kind == "server" or e.kind == "timeout" then
    e.retryable = not mutation
  end
  return M.new(e)
end

return M
