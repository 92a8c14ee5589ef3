-- ugc.client, ugc.rigs and ugc.camera_settings against the sandbox.
local helper = require "helper"

local OTHER_KEY = helper.OTHER_KEY

describe("ugc.client, ugc.rigs, ugc.camera_settings", function()
  local sb, ugc, other

  setup(function()
    sb = helper.two_key_sandbox()
    ugc = helper.client(sb)
    other = helper.client(sb, { api_key = OTHER_KEY })
  end)
  teardown(function()
    ugc:close()
    other:close()
    sb.stop()
  end)

  describe("client", function()
    it("retrieves the key's account", function()
      local me = assert(ugc.client.retrieve())
      assert.matches("^client%-", me.id)
      assert.is_string(me.name)
      assert.is_string(me.created)
      assert.matches("^https?://", me.portal)
      assert.is_nil(me.metadata)
      local again = assert(ugc.client:retrieve())
      assert.are.equal(me.id, again.id)
    end)
    it("is another account for another key", function()
      local a = assert(ugc.client.retrieve())
      local b = assert(other.client.retrieve())
      assert.are_not.equal(a.id, b.id)
    end)
    it("replaces the metadata, and only this account's", function()
      local u = assert(ugc.client.update{ metadata = { plan = "studio", seats = 3, tags = { "a", "b" } } })
      assert.are.same({ plan = "studio", seats = 3, tags = { "a", "b" } }, u.metadata)
      local v = assert(ugc.client:update{ metadata = { plan = "indie" } })
      assert.are.same({ plan = "indie" }, v.metadata)
      assert.are.same({ plan = "indie" }, assert(ugc.client.retrieve()).metadata)
      assert.is_nil(assert(other.client.retrieve()).metadata)
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() ugc.client.update() end, "client.update: missing required argument 'metadata'")
      assert.has_error(function() ugc.client.update{} end, "client.update: missing required argument 'metadata'")
      assert.has_error(function() ugc.client.update{ metadata = "{}" } end,
        "client.update: bad argument 'metadata' (table expected, got string)")
      assert.has_error(function() ugc.client.update{ metadata = {}, name = "x" } end,
        "client.update: unknown argument 'name' (expected metadata)")
      assert.has_error(function() ugc.client.update("x") end,
        "client.update: expected a table of named arguments, got string")
      assert.has_error(function() ugc.client.update{ metadata = { f = function() end } } end)
    end)
    it("returns an auth error for a key the server does not know", function()
      local stranger = helper.client(sb, { api_key = "unknown-key-0123456789" })
      local me, err = stranger.client.retrieve()
      assert.is_nil(me)
      assert.are.equal("auth", err.kind)
      assert.are.equal(401, err.status)
      assert.are.equal("GetClient", err.operation)
      me, err = stranger.client.update{ metadata = { a = 1 } }
      assert.is_nil(me)
      assert.are.equal("auth", err.kind)
      stranger:close()
    end)
  end)

  describe("rigs", function()
    it("lists every rig as {name}, in one page like every list", function()
      local page = assert(ugc.rigs.list())
      local rigs = page.items
      assert.is_true(#rigs >= 2)
      assert.is_nil(page.next_token)
      assert.is_true(page.limit == nil or page.limit == #rigs) -- the server's own count, if it says one
      assert.are.equal("[", require("moveugc.core").json_encode(rigs):sub(1, 1))
      local names = {}
      for _, r in ipairs(rigs) do
        assert.is_string(r.name)
        names[r.name] = true
      end
      assert.is_true(names.move_mo)
      assert.is_true(names.move_ve)
      assert.are.same(page, assert(ugc.rigs:list()))
      local seen = {}
      for r in ugc.rigs.each() do seen[#seen + 1] = r.name end
      local want = {}
      for i, r in ipairs(rigs) do want[i] = r.name end
      assert.are.same(want, seen)
    end)
    it("takes no arguments: a table is the call's options", function()
      assert.has_error(function() ugc.rigs.list{ limit = 5 } end,
        "rigs.list: bad option 'limit' (unknown option (expected callback, max_retries, response, timeout))")
      assert.has_error(function() ugc.rigs.each("x") end,
        "rigs.each: bad argument 'options' (table expected, got string)")
    end)
    it("returns the structured error when the server fails", function()
      local c = helper.client(sb, { max_retries = 0 })
      helper.fault(sb, { target = "graphql", count = 1, status = 500 })
      local rigs, err = c.rigs.list()
      assert.is_nil(rigs)
      assert.are.equal("server", err.kind)
      assert.are.equal("ListRigs", err.operation)
      c:close()
    end)
  end)

  describe("camera_settings", function()
    it("lists every lens as {lens}, in one page", function()
      local page = assert(ugc.camera_settings.list())
      local settings = page.items
      assert.is_true(#settings > 0)
      assert.is_nil(page.next_token)
      local lenses = {}
      for _, s in ipairs(settings) do
        assert.is_string(s.lens)
        lenses[s.lens] = true
      end
      assert.is_true(lenses["generic-wide"])
      assert.are.same(page, assert(ugc.camera_settings:list()))
      local n = 0
      for s in ugc.camera_settings.each() do
        n = n + 1
        assert.are.equal(settings[n].lens, s.lens)
      end
      assert.are.equal(#settings, n)
    end)
    it("returns the structured error when the server fails", function()
      local c = helper.client(sb, { max_retries = 0 })
      helper.fault(sb, { target = "graphql", count = 1, status = 503 })
      local settings, err = c.camera_settings.list()
      assert.is_nil(settings)
      assert.are.equal("server", err.kind)
      assert.are.equal("ListCameraSettings", err.operation)
      c:close()
    end)
  end)
end)
