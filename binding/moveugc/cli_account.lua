--- moveugc.cli_account: `moveugc client` and `moveugc webhooks verify` (see moveugc.cli).
local moveugc = require "moveugc"

local commands = {}

commands["client"] = {
  options = {},
  usage = [=[
Usage: moveugc client

Shows the account the API key belongs to.]=],
  run = function(r, positional)
    r.no_args(positional)
    local c = r.need(r:ugc().client.retrieve())
    if r.opts.json then return r:json(c) end
    r:fields{ { "id", c.id }, { "name", c.name }, { "created", c.created }, { "portal", c.portal },
      { "metadata", r.json_text(c.metadata) } }
  end,
}

commands["webhooks verify"] = {
  options = { "secret", "header", "tolerance" },
  usage = [=[
Usage: moveugc webhooks verify [BODY_FILE | -] --header 'NAME: VALUE'... [--secret whsec_...]
                               [--tolerance SECONDS]

Verifies one webhook delivery the way a receiver must: the raw body (from BODY_FILE, or stdin),
its svix-id, svix-timestamp and svix-signature headers (--header, repeated), and the endpoint's
secret (--secret, else $MOVE_WEBHOOK_SECRET). Prints the event; exits 10 when the signature does
not verify or the timestamp is more than --tolerance seconds (default 300) away. Needs no API key.]=],
  run = function(r, positional)
    if #positional > 1 then r.usage_error("expected at most one body file, got %d", #positional) end
    local secret = r.opts.secret or r.getenv("MOVE_WEBHOOK_SECRET")
    if not secret or secret == "" then r.usage_error("no secret: give --secret or set MOVE_WEBHOOK_SECRET") end
    r:secret(secret)
    local headers = {}
    for _, h in ipairs(r:list("header")) do
      local name, value = h:match("^%s*([^:%s]+)%s*:%s*(.-)%s*$")
      if not name then r.usage_error("--header: 'NAME: VALUE' expected, got '%s'", h) end
      headers[name:lower()] = value
    end
    local body
    local path = positional[1]
    if path == nil or path == "-" then
      body = r.stdin:read("*a")
    else
      local f, msg = io.open(path, "rb")
      if not f then r.usage_error("cannot read the body: %s", msg) end
      body = f:read("*a")
      f:close()
    end
    local event = r.need(moveugc.webhook_signature.verify{ secret = secret, headers = headers, body = body or "",
      tolerance = r:number("tolerance") })
    if r.opts.json then return r:json(event) end
    local data = type(event.data) == "table" and event.data or {}
    r:fields{ { "verified", event.type or "(no type)" }, { "id", headers["svix-id"] or headers["webhook-id"] },
      { "timestamp", event.timestamp }, { "job", data.job_id }, { "take", data.take_id },
      { "volume", data.volume_id }, { "state", data.state },
      { "done", data.percentage_complete ~= nil and r.percent(data.percentage_complete) or nil } }
  end,
}

return commands
