--- moveugc.webhook_signature: verify the webhook deliveries MoveUGC sends (through
-- Svix, by the Standard Webhooks recipe), and sign messages to test a receiver.
-- Needs no client:
--
--   local moveugc = require "moveugc"
--   local event, err = moveugc.webhook_signature.verify{
--     secret = os.getenv("MOVE_WEBHOOK_SECRET"), headers = request_headers, body = raw_body }
--   if not event then return respond(400, tostring(err)) end
--
-- The HMAC and the constant-time comparison are in C (core/ugc_webhook.c);
-- header lookup and the timestamp window are here.
local args = require "moveugc.args"
local core = require "moveugc.core"
local errors = require "moveugc.errors"

local M = {}

--- Seconds a delivery's timestamp may be away from now, either way.
M.DEFAULT_TOLERANCE = 300

---@class moveugc.WebhookEventData
---@field job_id string? the job whose state changed (ugc.job.* events)
---@field take_id string? that job's take
---@field volume_id string? the volume whose state changed (ugc.volume.* events)
---@field client_id string? the owning client
---@field state string? the new state, e.g. "FINISHED"
---@field percentage_complete number?

---@class moveugc.WebhookEvent
---@field type string the event type, e.g. "ugc.job.state.completed"
---@field timestamp string? when the event happened (ISO 8601)
---@field data moveugc.WebhookEventData|table? what the event is about

---@class moveugc.WebhookVerifyArgs
---@field secret string the endpoint's signing secret, "whsec_<base64>"
---@field headers table<string, string> the request's headers; names in any case
---@field body string the raw request body, byte for byte as received
---@field tolerance number? seconds of clock skew allowed either way (default 300)
---@field now number? the current Unix time (default os.time())

---@class moveugc.WebhookSignArgs
---@field secret string "whsec_<base64>"
---@field id string the message id (the svix-id header)
---@field timestamp integer|string Unix seconds (the svix-timestamp header)
---@field body string the exact body to send

-- Header names, first choice then fallback (the Standard Webhooks names).
local ID = { "svix-id", "webhook-id" }
local TIMESTAMP = { "svix-timestamp", "webhook-timestamp" }
local SIGNATURE = { "svix-signature", "webhook-signature" }

local function signature_error(reason, message)
  return nil, errors.new{ kind = "signature", reason = reason, message = message,
    operation = "webhooks.verify" }
end

--- The HMAC key of a secret: base64 after an optional "whsec_" prefix; nil if malformed.
local function key_of(secret)
  local key = core.base64_decode((secret:gsub("^whsec_", "", 1)))
  if key == nil or key == "" then return nil end
  return key
end
M._key_of = key_of

-- Header values by lower-case name; a caller mistake raises.
local function lower_headers(fname, headers)
  local out = {}
  for k, v in pairs(headers) do
    if type(k) == "string" then
      if type(v) ~= "string" then
        args.fail(fname, "headers", ("header '%s' must be a string, got %s"):format(k, type(v)))
      end
      out[k:lower()] = v
    end
  end
  return out
end

local function header(h, names)
  for _, name in ipairs(names) do
    local v = h[name]
    if v ~= nil then return v end
  end
  return nil
end

-- A number argument that must be finite: NaN would pass every comparison of
-- the timestamp window and infinity cannot be printed as seconds.
local function finite(fname, a, key, min)
  local v = a[key]
  if type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then
    args.fail(fname, key, "must be a finite number, got " .. tostring(v))
  end
  return args.number(fname, a, key, false, min)
end

local function required_body(fname, a)
  if a.body == nil then error(("%s: missing required argument 'body'"):format(fname), 0) end
  return args.string(fname, a, "body") -- an empty body is allowed: it is signed too
end

local VERIFY_ARGS = { secret = true, headers = true, body = true, tolerance = true, now = true }

--- Verifies a webhook delivery and returns its decoded event.
-- Fails with kind "signature" (err.reason: "missing_header", "bad_secret",
-- "bad_timestamp", "timestamp_too_old", "timestamp_in_future", "no_match"),
-- or kind "protocol" when a correctly signed body is not a JSON object.
-- Caller mistakes (missing or mistyped arguments) raise.
---@param a moveugc.WebhookVerifyArgs
---@return moveugc.WebhookEvent? event, moveugc.Error? err
function M.verify(a)
  local fname = "webhooks.verify"
  a = args.named(fname, a)
  args.known(fname, a, VERIFY_ARGS)
  local secret = args.string(fname, a, "secret", true)
  local headers = args.table(fname, a, "headers", true)
  local body = required_body(fname, a)
  local tolerance = finite(fname, a, "tolerance", 0) or M.DEFAULT_TOLERANCE
  local now = finite(fname, a, "now") or os.time()

  local h = lower_headers(fname, headers)
  local id, ts, sig = header(h, ID), header(h, TIMESTAMP), header(h, SIGNATURE)
  for _, pair in ipairs{ { id, ID }, { ts, TIMESTAMP }, { sig, SIGNATURE } } do
    if pair[1] == nil or pair[1] == "" then
      return signature_error("missing_header", ("missing header '%s' (or '%s')"):format(
        pair[2][1], pair[2][2]))
    end
  end

  local key = key_of(secret)
  if not key then
    return signature_error("bad_secret", "bad secret: expected 'whsec_' followed by base64")
  end

  if not ts:find("^%d+$") or #ts > 15 then
    return signature_error("bad_timestamp",
      ("the timestamp header is not Unix seconds: '%s'"):format(ts:sub(1, 40)))
  end
  local age = now - tonumber(ts)
  if age > tolerance then
    return signature_error("timestamp_too_old",
      ("timestamp too old: %.0f s ago, more than the %g s tolerance"):format(math.floor(age),
        tolerance))
  elseif -age > tolerance then
    return signature_error("timestamp_in_future",
      ("timestamp in the future: %.0f s ahead, more than the %g s tolerance"):format(
        math.floor(-age), tolerance))
  end

  if not core.webhook_verify(key, id, ts, body, sig) then
    return signature_error("no_match", "no matching signature: no v1 entry of the signature "
      .. "header matches this body and secret")
  end

  local event, problem = core.json_decode(body, false)
  if type(event) ~= "table" then
    return nil, errors.new{ kind = "protocol", operation = "webhooks.verify",
      message = "the signed body is not a JSON object" .. (problem and (": " .. problem) or "") }
  end
  return event
end

local SIGN_ARGS = { secret = true, id = true, timestamp = true, body = true }

--- Signs a message as the webhook sender does; returns the signature header
-- value "v1,<base64>". For testing receivers.
---@param a moveugc.WebhookSignArgs
---@return string signature
function M.sign(a)
  local fname = "webhooks.sign"
  a = args.named(fname, a)
  args.known(fname, a, SIGN_ARGS)
  local secret = args.string(fname, a, "secret", true)
  local id = args.string(fname, a, "id", true)
  local ts = a.timestamp
  if type(ts) == "number" then
    finite(fname, a, "timestamp")
    if ts ~= math.floor(ts) or ts < 0 then
      args.fail(fname, "timestamp", "non-negative integer expected, got " .. tostring(ts))
    elseif ts >= 2 ^ 53 then -- past that, a float has no exact integer to print
      args.fail(fname, "timestamp", "must be below 2^53, got " .. tostring(ts))
    end
    ts = ("%d"):format(ts)
  else
    ts = args.string(fname, a, "timestamp", true)
  end
  local body = required_body(fname, a)
  local key = key_of(secret)
  if not key then args.fail(fname, "secret", "'whsec_' followed by base64 expected") end
  return "v1," .. core.webhook_sign(key, id, ts, body)
end

return M
