--- ugc.webhooks: the endpoints MoveUGC posts events to. Verifying a delivery
-- needs no client: see moveugc.webhook_signature.verify (moveugc/webhook_signature.lua).
local args = require "moveugc.args"
local core = require "moveugc.core"
local signature = require "moveugc.webhook_signature"

local webhooks = {}

---@class moveugc.WebhookEndpoint
---@field uid string the caller-chosen endpoint id
---@field url string where events are posted
---@field events string[] subscribed event types
---@field description string?
---@field metadata table? free JSON kept with the endpoint
---@field secret string? the signing secret: only in the answer that created the endpoint

---@class moveugc.WebhookUpsertArgs
---@field uid string your id for the endpoint; the same uid updates it
---@field url string where to post events
---@field events string[] event types, e.g. {"ugc.job.state.completed", "ugc.job.state.failed"}
---@field description string?
---@field secret string? "whsec_<base64>"; the server makes one when absent
---@field metadata table?

local UPSERT_ARGS = { uid = true, url = true, events = true, description = true, secret = true,
  metadata = true }

--- Creates the endpoint with this uid, or changes it. Keep the returned
-- secret: it is returned only when the endpoint is created.
---@param a moveugc.WebhookUpsertArgs
---@return moveugc.WebhookEndpoint? endpoint, moveugc.Error? err
function webhooks.upsert(c, a)
  local fname = "webhooks.upsert"
  a = args.named(fname, a)
  args.known(fname, a, UPSERT_ARGS)
  local list = args.table(fname, a, "events", true)
  local events = core.array({})
  for i, name in ipairs(list) do
    if type(name) ~= "string" or name == "" then
      args.fail(fname, "events", ("item %d must be a non-empty string"):format(i))
    end
    events[i] = name
  end
  if #events ~= args.count(list) then args.fail(fname, "events", "must be a list") end
  if #events == 0 then args.fail(fname, "events", "must name at least one event") end
  local secret = args.string(fname, a, "secret")
  if secret ~= nil and (not secret:find("^whsec_") or not signature._key_of(secret)) then
    args.fail(fname, "secret", "'whsec_' followed by base64 expected")
  end
  return c:_call("UpsertWebhookEndpoint", {
    uid = args.string(fname, a, "uid", true),
    url = args.string(fname, a, "url", true),
    events = events,
    description = args.string(fname, a, "description"),
    secret = secret,
    metadata = args.metadata(fname, a),
  })
end

return webhooks
