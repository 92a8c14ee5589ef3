--- One policy for every request the SDK sends, GraphQL posts and transfers
-- alike: what kind of error an outcome is, whether sending the same request
-- again is safe and may help, and how long to wait first.
--
-- The C engine sends each request once and reports the facts (see
-- binding/lresult.c): the HTTP status and body, or a transport failure and
-- whether any byte may have reached the server, and the Retry-After value.
-- Everything that decides is here.
local policy = {}

policy.BASE_DELAY = 0.5 -- seconds before the first retry; doubles per attempt
policy.MAX_DELAY = 8 -- the longest computed wait
policy.MAX_RETRY_AFTER = 120 -- a server asking for longer is not waited for

-- ==== kinds ===============================================================

-- The transport's words (lresult.c) that are not already an error kind.
local FAILURE_KIND = { certificate = "tls", too_large = "protocol" }

--- The error kind of a transport failure (a table from the C seam).
---@param failure table
---@return string kind
function policy.failure_kind(failure)
  return FAILURE_KIND[failure.kind] or failure.kind
end

-- AppSync's errorType -> kind; any other type from a resolver is "server".
local BY_TYPE = {
  MoveNotFoundError = "not_found", NotFoundException = "not_found",
  UnauthorizedException = "auth", AccessDeniedException = "auth", ForbiddenException = "auth",
  MalformedHttpRequestException = "validation", BadRequestException = "validation",
  ValidationException = "validation", ValidationError = "validation",
  ThrottlingException = "rate_limited", TooManyRequestsException = "rate_limited",
  LimitExceededException = "rate_limited",
}

--- The kind of a GraphQL error object (the first of a response's list).
---@param first table? the error object
---@return string kind, string? error_type
function policy.graphql_kind(first)
  local et = type(first) == "table" and (first.error_type or first.errorType) or nil
  if type(et) == "string" then return BY_TYPE[et] or "server", et end
  local msg = type(first) == "table" and first.message
  if type(msg) == "string" and msg:find("^Validation error") then return "validation" end
  return "server"
end

--- The kind of a non-2xx answer from the GraphQL endpoint.
---@param status integer
---@return string kind
function policy.status_kind(status)
  if status == 401 or status == 403 then return "auth" end
  if status == 429 then return "rate_limited" end
  if status == 408 then return "timeout" end
  if status >= 500 then return "server" end
  if status == 400 or status == 422 then return "validation" end
  return "protocol"
end

--- The kind of a non-2xx answer from S3 (a presigned URL), from its status
-- and the <Code> and <Message> of its XML error.
---@param status integer
---@param code string?
---@param message string?
---@return string kind
function policy.s3_kind(status, code, message)
  if status == 403 and ((message or ""):lower():find("expired") or code == "ExpiredToken") then
    return "expired"
  end
  if status == 401 or status == 403 then return "auth" end
  if status == 404 then return "not_found" end
  if status == 429 or code == "SlowDown" then return "rate_limited" end
  if status == 408 then return "timeout" end
  if status >= 500 then return "server" end
  return "protocol"
end

-- ==== retryability ========================================================

--- Whether a request that failed without a response may be sent again:
-- after a dropped connection or a timeout, unless it is a mutation that may
-- have reached the server (it may have run; there are no idempotency keys);
-- after a failed TLS handshake, since nothing was sent. Never after a
-- refused certificate, a local file problem, a cancel, or a body too large.
---@param failure table from the C seam
---@param mutation boolean
---@return boolean
function policy.failure_retryable(failure, mutation)
  local k = failure.kind
  if k == "network" or k == "timeout" then return not (mutation and failure.reached) end
  if k == "tls" then return not failure.reached end
  return false
end

--- Whether an answer of this kind may be sent again: a throttled request
-- was refused before it ran; a 5xx or 408 only for what may run twice (a
-- query, a transfer). A resolver's error inside a 2xx answer (`answered`)
-- is the server's considered reply: only throttling is worth another try.
---@param kind string
---@param mutation boolean
---@param answered boolean? the status was 2xx
---@return boolean
function policy.retryable(kind, mutation, answered)
  if kind == "rate_limited" then return true end
  if answered then return false end
  if kind == "server" or kind == "timeout" then return not mutation end
  return false
end

-- ==== waiting =============================================================

--- Seconds to wait before attempt number `attempt + 1`: the server's
-- Retry-After when it gave one (nil, do not retry, when that is over
-- MAX_RETRY_AFTER), else BASE_DELAY doubling per attempt up to MAX_DELAY,
-- with "equal jitter" (half fixed, half random) so clients spread out.
---@param attempt integer the attempts made so far, 1 or more
---@param retry_after number? seconds the server asked for
---@param random number a number in [0, 1)
---@return number? seconds
function policy.delay(attempt, retry_after, random)
  if retry_after then
    if retry_after > policy.MAX_RETRY_AFTER then return nil end
    return retry_after
  end
  local d = math.min(policy.MAX_DELAY, policy.BASE_DELAY * 2 ^ (attempt - 1))
  return d / 2 + d / 2 * random
end

--- After a failed attempt: seconds to wait before sending again, or nil
-- to give up (not retryable, retries used up, or too long a Retry-After).
---@param client moveugc.Client
---@param err moveugc.Error
---@param attempts integer sends so far
---@return number? seconds
function policy.next_wait(client, err, attempts)
  if not err.retryable or attempts > client._max_retries then return nil end
  return policy.delay(attempts, err.retry_after, client._session:random())
end

return policy
