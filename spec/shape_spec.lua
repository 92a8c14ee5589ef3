-- One shape for the whole API: every resource's retrieve, retrieve_many,
-- update, list and each come from one helper (moveugc/resource.lua) and
-- behave alike; the names match the Python SDK's where they differ, and
-- nothing collides. Against the sandbox, over HTTP.
local helper = require "helper"
local moveugc = require "moveugc"

local MISSING = "00000000-0000-0000-0000-000000000000"

describe("one shape", function()
  local sb, ugc

  setup(function()
    sb = helper.sandbox()
    ugc = helper.client(sb)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)

  local function volume()
    return assert(ugc.volumes.create_human_volume{ human_height = 1.8, area_type = "NORMAL",
      sources = { helper.source(ugc, "cam1", { camera_settings = { lens = "generic-wide" } }),
        helper.source(ugc, "cam2", { camera_settings = { lens = "generic-wide" } }) } })
  end

  -- one of each resource that can be retrieved, made fresh
  local function made()
    return {
      files = helper.uploaded(ugc),
      takes = helper.take(ugc),
      jobs = assert(ugc.jobs.create{ take_id = helper.take(ugc).id }),
      volumes = volume(),
    }
  end

  describe("the shared functions", function()
    it("come from moveugc.resource for every resource, not from copies in each file", function()
      local shared = { "retrieve", "retrieve_many", "update", "list", "each" }
      local found = 0
      for _, name in ipairs{ "jobs", "takes", "volumes", "files", "rigs", "camera_settings" } do
        local impl = require("moveugc." .. name)
        for _, fn in ipairs(shared) do
          if impl[fn] then
            found = found + 1
            local src = debug.getinfo(impl[fn], "S").source
            assert.truthy(src:find("resource%.lua$"), name .. "." .. fn .. " is defined in " .. src)
          end
        end
      end
      assert.are.equal(5 + 5 + 4 + 3 + 2 + 2, found) -- jobs, takes, volumes, files, rigs, camera_settings
    end)

    it("retrieve by id string or table, with expand, for every resource", function()
      for name, item in pairs(made()) do
        local got = assert(ugc[name].retrieve(item.id))
        assert.are.equal(item.id, got.id)
        got = assert(ugc[name]:retrieve{ id = item.id, expand = "client" })
        assert.matches("^client%-", got.client.id, nil, name)
        local none, err = ugc[name].retrieve(name:sub(1, -2) .. "-" .. MISSING)
        assert.is_nil(none)
        assert.are.equal("not_found", err.kind, name)
        assert.has_error(function() ugc[name].retrieve{ id = item.id, limit = 3 } end,
          name .. ".retrieve: unknown argument 'limit' (expected expand, id)")
        assert.has_error(function() ugc[name].retrieve{ id = item.id, expand = "nope" } end)
      end
    end)

    it("retrieve_many reads many of any resource in one request, in the order asked", function()
      local a, b = made(), made()
      for name in pairs(a) do
        local before = helper.stats(sb).requests.graphql
        local got = assert(ugc[name].retrieve_many{ ids = { b[name].id, a[name].id, b[name].id },
          expand = { "client" } })
        assert.are.equal(before + 1, helper.stats(sb).requests.graphql, name)
        assert.are.same({ b[name].id, a[name].id, b[name].id }, { got[1].id, got[2].id, got[3].id })
        assert.is_string(got[1].client.id)
        assert.are.same({}, assert(ugc[name].retrieve_many{ ids = {} }))
        local missing = name:sub(1, -2) .. "-" .. MISSING
        local none, err = ugc[name].retrieve_many{ ids = { a[name].id, missing } }
        assert.is_nil(none)
        assert.are.equal("not_found", err.kind, name)
        assert.are.same({ missing }, err.ids)
        assert.truthy(err.message:find(missing, 1, true))
        assert.has_error(function() ugc[name].retrieve_many{ ids = { a[name].id, 7 } } end,
          name .. ".retrieve_many: bad argument 'ids' (item 2 must be a non-empty string)")
        assert.has_error(function() ugc[name].retrieve_many{ ids = { x = 1 } } end,
          name .. ".retrieve_many: bad argument 'ids' (must be a list)")
      end
    end)

    it("update changes name and metadata alike for jobs, takes and files", function()
      local items = made()
      for _, name in ipairs{ "jobs", "takes", "files" } do
        local u = assert(ugc[name].update{ id = items[name].id, name = "renamed", metadata = { n = name } })
        assert.are.equal("renamed", u.name)
        assert.are.same({ n = name }, u.metadata)
        assert.has_error(function() ugc[name].update{ id = items[name].id } end,
          name .. ".update: nothing to update (pass name and/or metadata)")
        assert.has_error(function() ugc[name].update{ name = "x" } end,
          name .. ".update: missing required argument 'id'")
      end
      assert.is_nil(ugc.volumes.update) -- the API cannot change a volume
    end)

    it("every list returns a page, and every list has each", function()
      made()
      for _, name in ipairs{ "jobs", "takes", "volumes", "rigs", "camera_settings" } do
        local page = assert(ugc[name].list())
        assert.is_table(page.items, name)
        assert.is_true(#page.items >= 1, name)
        for k in pairs(page) do
          assert.truthy(k == "items" or k == "next_token" or k == "limit", name .. " page has " .. tostring(k))
        end
        local n = 0
        for item in ugc[name].each() do
          n = n + 1
          assert.is_table(item)
        end
        assert.is_true(n >= #page.items, name)
      end
      local page = assert(ugc.takes.list{ limit = 1 })
      assert.are.equal(1, page.limit)
      assert.are.equal(1, #page.items)
      assert.has_error(function() ugc.volumes.list{ take_id = "take-1" } end,
        "volumes.list: unknown argument 'take_id' (expected expand, limit, next_token, sort_by)")
      assert.has_error(function() ugc.jobs.each{ take_id = 5 } end,
        "jobs.each: bad argument 'take_id' (string expected, got number)")
    end)
  end)

  describe("names", function()
    it("takes.create makes a single-camera take, as jobs.create makes a single-camera job", function()
      local src = helper.source(ugc, "cam")
      local take = assert(ugc.takes.create{ sources = { src }, name = "one camera" })
      assert.are.equal("SINGLE_CAM", take.take_type)
      assert.are.equal("one camera", take.name)
      local same = assert(ugc.takes.create_singlecam{ sources = { src } })
      assert.are.equal("SINGLE_CAM", same.take_type)
    end)

    it("each name says itself in its errors", function()
      assert.has_error(function() ugc.takes.create{} end, "takes.create: missing required argument 'sources'")
      assert.has_error(function() ugc.takes.create_singlecam{} end,
        "takes.create_singlecam: missing required argument 'sources'")
      assert.has_error(function() ugc.jobs.create{} end, "jobs.create: missing required argument 'take_id'")
      assert.has_error(function() ugc.jobs.create_singlecam{} end,
        "jobs.create_singlecam: missing required argument 'take_id'")
      assert.has_error(function() ugc.volumes.retrieve_human_volume{} end,
        "volumes.retrieve_human_volume: missing required argument 'id'")
    end)

    it("volumes.retrieve_human_volume is Python's name for volumes.retrieve", function()
      local v = volume()
      local got = assert(ugc.volumes.retrieve_human_volume{ id = v.id, expand = { "sources" } })
      assert.are.equal(v.id, got.id)
      assert.are.equal(2, #got.sources)
    end)

    it("moveugc.new takes Python's endpoint_url for endpoint", function()
      local c = moveugc.new{ api_key = helper.KEY, endpoint_url = sb.url }
      assert.are.equal(sb.url, c.endpoint)
      assert.matches("^client%-", assert(c.client.retrieve()).id)
      c:close()
      c = moveugc.new{ api_key = helper.KEY, endpoint = sb.url, endpoint_url = sb.url } -- the same: fine
      c:close()
      assert.has_error(function()
        moveugc.new{ api_key = helper.KEY, endpoint = sb.url, endpoint_url = "http://x/" }
      end,
        "moveugc.new: bad option 'endpoint_url' (names another URL than 'endpoint': pass one of them)")
      assert.has_error(function() moveugc.new{ api_key = helper.KEY, endpoint_url = "ftp://x/" } end,
        "moveugc.new: bad option 'endpoint_url' (an http:// or https:// URL expected)")
      assert.has_error(function() moveugc.new{ api_key = helper.KEY, endpoint_url = 5 } end,
        "moveugc.new: bad option 'endpoint_url' (string expected, got number)")
    end)

    it("ugc.endpoint can be read but not set", function()
      local c = helper.client(sb)
      assert.are.equal(sb.url, c.endpoint)
      assert.has_error(function() c.endpoint = "http://127.0.0.1:1/graphql" end,
        "ugc.endpoint is read-only (the session is bound to it: make another client with " ..
        "moveugc.new{endpoint = ...})")
      assert.are.equal(sb.url, c.endpoint)
      assert.is_table(assert(c.client.retrieve())) -- still talks to the sandbox
      c.page_size = 3 -- other fields are the caller's to set
      assert.are.equal(3, assert(c.takes.list()).limit)
      c.note = "mine"
      assert.are.equal("mine", c.note)
      c:close()
    end)
  end)
end)
