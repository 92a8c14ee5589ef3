--- ugc.client: the account the API key belongs to.
local args = require "moveugc.args"

local client = {}
client._arity = { retrieve = 0 } -- ugc.client.retrieve(options?)

---@class moveugc.ClientInfo
---@field id string "client-<uuid>"
---@field name string
---@field created string AWSDateTime
---@field metadata table?
---@field portal string? the account's portal URL

--- The current client (the API key's account).
---@return moveugc.ClientInfo? client, moveugc.Error? err
function client.retrieve(c)
  return c:_call("GetClient", {})
end

--- Replaces the client's metadata.
---@param a {metadata: table}
---@return moveugc.ClientInfo? client, moveugc.Error? err
function client.update(c, a)
  local fname = "client.update"
  a = args.named(fname, a)
  args.known(fname, a, { metadata = true })
  return c:_call("UpdateClient", { metadata = args.metadata(fname, a, "metadata", true) })
end

return client
