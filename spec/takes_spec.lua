-- ugc.takes (single and multi camera, retrieve, update, list, each) against the sandbox.
local helper = require "helper"

local MISSING = "take-00000000-0000-0000-0000-000000000000"
local OTHER_KEY = helper.OTHER_KEY

describe("ugc.takes", function()
  local sb, ugc, other, volume

  setup(function()
    sb = helper.two_key_sandbox("--job-seconds 1")
    ugc = helper.client(sb)
    other = helper.client(sb, { api_key = OTHER_KEY })
    volume = assert(ugc.volumes.create_human_volume{ human_height = 1.7, area_type = "NORMAL",
      sources = { helper.source(ugc, "v1"), helper.source(ugc, "v2") } })
  end)
  teardown(function()
    ugc:close()
    other:close()
    sb.stop()
  end)

  describe("create_singlecam", function()
    it("creates a take with every argument", function()
      local f = helper.uploaded(ugc)
      local t = assert(ugc.takes.create_singlecam{
        sources = { { device_label = "phone", file_id = f.id, format = "mp4" } },
        name = "single", metadata = { scene = 1 }, expand = { "sources", "client" } })
      assert.matches("^take%-", t.id)
      assert.are.equal("single", t.name)
      assert.are.same({ scene = 1 }, t.metadata)
      assert.are.equal("SINGLE_CAM", t.take_type)
      assert.is_nil(t.sync_method)
      assert.is_string(t.created)
      assert.are.equal(1, #t.sources)
      assert.are.equal("phone", t.sources[1].device_label)
      assert.are.equal("MP4", t.sources[1].format)
      assert.are.equal(f.id, t.sources[1].file.id)
      assert.is_nil(t.sources[1].camera_settings)
      assert.matches("^client%-", t.client.id)
    end)
    for _, format in ipairs{ "mp4", "Mov", "AVI", "move" } do
      it("upper-cases format " .. format, function()
        local t = assert(ugc.takes:create_singlecam{ sources = { helper.source(ugc, "c", { format = format }) },
          expand = { "sources" } })
        assert.are.equal(format:upper(), t.sources[1].format)
      end)
    end
    it("sends camera_settings when a source carries them", function()
      local t = assert(ugc.takes.create_singlecam{ expand = { "sources" },
        sources = { helper.source(ugc, "c", { camera_settings = { lens = "generic-wide" } }) } })
      assert.are.equal("generic-wide", t.sources[1].camera_settings.lens)
    end)

    local fn = "takes.create_singlecam: "
    local function src(extra)
      local s = { device_label = "d", file_id = "file-x", format = "mp4" }
      for k, v in pairs(extra) do s[k] = v end
      return { sources = { s } }
    end
    local function raises(a, message)
      assert.has_error(function() ugc.takes.create_singlecam(a) end, fn .. message)
    end
    it("raises on caller mistakes, naming the source and field", function()
      raises({}, "missing required argument 'sources'")
      raises({ sources = "file-x" }, "bad argument 'sources' (table expected, got string)")
      raises({ sources = {} }, "bad argument 'sources' (must be a non-empty list)")
      raises({ sources = { device_label = "d", file_id = "f", format = "mp4" } },
        "bad argument 'sources' (must be a non-empty list)")
      raises({ sources = { "file-x" } }, "bad argument 'sources[1]' (table expected, got string)")
      raises(src{ lens = "x" },
        "bad argument 'sources[1]' (unknown key 'lens' (expected camera_settings, device_label, file_id, format))")
      raises(src{ device_label = false }, "bad argument 'sources[1].device_label' (string expected, got boolean)")
      raises({ sources = { { file_id = "f", format = "mp4" } } }, "missing required argument 'sources[1].device_label'")
      raises({ sources = { { device_label = "d", format = "mp4" } } }, "missing required argument 'sources[1].file_id'")
      raises(src{ file_id = 12 }, "bad argument 'sources[1].file_id' (string expected, got number)")
      raises(src{ file_id = "" }, "bad argument 'sources[1].file_id' (must not be empty)")
      raises({ sources = { { device_label = "d", file_id = "f" } } }, "missing required argument 'sources[1].format'")
      raises(src{ format = "mkv" }, "bad argument 'sources[1].format' ('mkv' is not one of AVI, MOV, MOVE, MP4)")
      raises(src{ camera_settings = "wide" },
        "bad argument 'sources[1].camera_settings' (table expected, got string)")
      raises(src{ camera_settings = {} }, "missing required argument 'sources[1].camera_settings.lens'")
      raises(src{ camera_settings = { lens = 35 } },
        "bad argument 'sources[1].camera_settings.lens' (string expected, got number)")
      raises(src{ camera_settings = { focal = 35 } },
        "bad argument 'sources[1].camera_settings' (unknown key 'focal' (expected lens))")
      raises({ sources = src{}.sources, volume_id = "v" },
        "unknown argument 'volume_id' (expected expand, metadata, name, sources)")
      raises({ sources = src{}.sources, metadata = "{}" }, "bad argument 'metadata' (table expected, got string)")
      raises({ sources = src{}.sources, expand = { "outputs" } },
        "bad argument 'expand' (unknown member 'outputs' (expected client, sources, volume))")
      local two = { src{}.sources[1], { device_label = "e", file_id = "f", format = "wmv" } }
      raises({ sources = two }, "bad argument 'sources[2].format' ('wmv' is not one of AVI, MOV, MOVE, MP4)")
    end)
    it("returns not_found for unknown and foreign files", function()
      local t, err = ugc.takes.create_singlecam{ sources = { { device_label = "d",
        file_id = "file-00000000-0000-0000-0000-000000000000", format = "mp4" } } }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("CreateSingleCamTake", err.operation)
      local foreign = helper.uploaded(other)
      t, err = ugc.takes.create_singlecam{ sources = { { device_label = "d", file_id = foreign.id, format = "mp4" } } }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
    end)
    it("returns a validation error when the server wants one source", function()
      local t, err = ugc.takes.create_singlecam{ sources = { helper.source(ugc, "a"), helper.source(ugc, "b") } }
      assert.is_nil(t)
      assert.are.equal("validation", err.kind)
    end)
  end)

  describe("create_multicam", function()
    it("creates a take with a clap window and every argument", function()
      local t = assert(ugc.takes.create_multicam{
        sources = { helper.source(ugc, "left", { camera_settings = { lens = "iphone-15-wide" } }),
          helper.source(ugc, "right", { format = "MOV", camera_settings = { lens = "generic-normal" } }) },
        volume_id = volume.id, name = "multi", metadata = { n = 2 },
        sync_method = { clap_window = { start_time = 0.5, end_time = 1.25 } },
        expand = { "sources", "volume", "client" } })
      assert.are.equal("MULTI_CAM", t.take_type)
      assert.are.equal("multi", t.name)
      assert.are.same({ n = 2 }, t.metadata)
      assert.are.equal(0.5, t.sync_method.clap_window.start_time)
      assert.are.equal(1.25, t.sync_method.clap_window.end_time)
      assert.is_nil(t.sync_method.timecode_sync)
      assert.are.equal(volume.id, t.volume.id)
      assert.are.equal("NORMAL", t.volume.area_type)
      assert.are.equal(2, #t.sources)
      assert.are.equal("iphone-15-wide", t.sources[1].camera_settings.lens)
      assert.are.equal("MOV", t.sources[2].format)
      assert.matches("^client%-", t.client.id)
    end)
    it("creates a take with timecode sync, or with none", function()
      local t = assert(ugc.takes:create_multicam{ volume_id = volume.id,
        sources = { helper.source(ugc, "a"), helper.source(ugc, "b") },
        sync_method = { timecode_sync = { use_timecode = false } } })
      assert.is_false(t.sync_method.timecode_sync.use_timecode)
      assert.is_nil(t.sync_method.clap_window)
      local u = assert(ugc.takes.create_multicam{ volume_id = volume.id,
        sources = { helper.source(ugc, "a"), helper.source(ugc, "b") } })
      assert.is_nil(u.sync_method)
    end)

    local fn = "takes.create_multicam: "
    local function raises(extra, message)
      local a = { volume_id = "volume-x", sources = { { device_label = "a", file_id = "f", format = "mp4" },
        { device_label = "b", file_id = "g", format = "mp4" } } }
      for k, v in pairs(extra) do a[k] = v end
      assert.has_error(function() ugc.takes.create_multicam(a) end, fn .. message)
    end
    it("raises on caller mistakes", function()
      raises({ volume_id = false }, "bad argument 'volume_id' (string expected, got boolean)")
      raises({ volume_id = "" }, "bad argument 'volume_id' (must not be empty)")
      raises({ sources = { { device_label = "a", file_id = "f", format = "mp4" }, 7 } },
        "bad argument 'sources[2]' (table expected, got number)")
      raises({ sync_method = "clap" }, "bad argument 'sync_method' (table expected, got string)")
      raises({ sync_method = {} }, "bad argument 'sync_method' (needs exactly one of clap_window or timecode_sync)")
      raises({ sync_method = { clap_window = { start_time = 0, end_time = 1 },
        timecode_sync = { use_timecode = true } } },
        "bad argument 'sync_method' (needs exactly one of clap_window or timecode_sync)")
      raises({ sync_method = { clapWindow = { start_time = 0, end_time = 1 } } },
        "bad argument 'sync_method' (unknown key 'clapWindow' (expected clap_window or timecode_sync))")
      raises({ sync_method = { clap_window = 3 } },
        "bad argument 'sync_method.clap_window' (table expected, got number)")
      raises({ sync_method = { clap_window = { start_time = 0 } } },
        "bad argument 'sync_method.clap_window' (needs finite numbers start_time and end_time)")
      raises({ sync_method = { clap_window = { start_time = 2, end_time = 1 } } },
        "bad argument 'sync_method.clap_window' (start_time must be >= 0 and before end_time)")
      raises({ sync_method = { timecode_sync = true } },
        "bad argument 'sync_method.timecode_sync' (table expected, got boolean)")
      raises({ sync_method = { timecode_sync = {} } },
        "bad argument 'sync_method.timecode_sync.use_timecode' (boolean expected, got nil)")
      raises({ sync_method = { timecode_sync = { use_timecode = "yes" } } },
        "bad argument 'sync_method.timecode_sync.use_timecode' (boolean expected, got string)")
      raises({ sync_method = { timecode_sync = { use_timecode = true, fps = 30 } } },
        "bad argument 'sync_method.timecode_sync' (unknown key 'fps' (expected use_timecode))")
      raises({ clip_window = { start_time = 0, end_time = 1 } },
        "unknown argument 'clip_window' (expected expand, metadata, name, sources, sync_method, volume_id)")
      assert.has_error(function() ugc.takes.create_multicam{ sources = { { device_label = "x",
        file_id = "f", format = "mp4" } } } end, fn .. "missing required argument 'volume_id'")
    end)
    it("returns not_found for unknown and foreign volumes and files", function()
      local two = { helper.source(ugc, "a"), helper.source(ugc, "b") }
      local t, err = ugc.takes.create_multicam{ sources = two,
        volume_id = "volume-00000000-0000-0000-0000-000000000000" }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("CreateMultiCamTake", err.operation)
      local theirs = assert(other.volumes.create_human_volume{ human_height = 1.6, area_type = "large",
        sources = { helper.source(other, "a"), helper.source(other, "b") } })
      t, err = ugc.takes.create_multicam{ sources = two, volume_id = theirs.id }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
      t, err = ugc.takes.create_multicam{ volume_id = volume.id,
        sources = { two[1], helper.source(other, "foreign") } }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
    end)
    it("returns a validation error for a single source", function()
      local t, err = ugc.takes.create_multicam{ volume_id = volume.id, sources = { helper.source(ugc, "a") } }
      assert.is_nil(t)
      assert.are.equal("validation", err.kind)
    end)
  end)

  describe("retrieve", function()
    local take
    setup(function()
      take = assert(ugc.takes.create_singlecam{ name = "r", sources = { helper.source(ugc, "r") } })
    end)

    it("takes an id string or a table", function()
      local a = assert(ugc.takes.retrieve(take.id))
      local b = assert(ugc.takes:retrieve{ id = take.id })
      assert.are.equal(take.id, a.id)
      assert.are.equal("r", b.name)
      assert.is_nil(a.sources)
      assert.is_nil(a.client)
    end)
    for _, member in ipairs{ "client", "sources", "volume" } do
      it("expands " .. member, function()
        local multi = assert(ugc.takes.create_multicam{ volume_id = volume.id,
          sources = { helper.source(ugc, "a"), helper.source(ugc, "b") } })
        local t = assert(ugc.takes.retrieve{ id = multi.id, expand = { member } })
        assert.is_table(t[member])
        for _, m in ipairs{ "client", "sources", "volume" } do
          if m ~= member then assert.is_nil(t[m]) end
        end
      end)
    end
    it("has no volume on a single-camera take", function()
      local t = assert(ugc.takes.retrieve{ id = take.id, expand = { "volume", "sources" } })
      assert.is_nil(t.volume)
      assert.are.equal("r", t.sources[1].device_label)
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() ugc.takes.retrieve() end,
        "takes.retrieve: expected a table of named arguments or an id string, got nil")
      assert.has_error(function() ugc.takes.retrieve{} end, "takes.retrieve: missing required argument 'id'")
      assert.has_error(function() ugc.takes.retrieve{ id = take.id, expand = { "take" } } end,
        "takes.retrieve: bad argument 'expand' (unknown member 'take' (expected client, sources, volume))")
      assert.has_error(function() ugc.takes.retrieve{ id = take.id, limit = 1 } end,
        "takes.retrieve: unknown argument 'limit' (expected expand, id)")
    end)
    it("returns not_found for unknown and foreign ids", function()
      local t, err = ugc.takes.retrieve(MISSING)
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("GetTake", err.operation)
      t, err = other.takes.retrieve(take.id)
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
    end)
  end)

  describe("update", function()
    it("changes the name and replaces the metadata", function()
      local t = assert(ugc.takes.create_singlecam{ name = "a", metadata = { x = 1, y = 2 },
        sources = { helper.source(ugc) } })
      local u = assert(ugc.takes.update{ id = t.id, metadata = { z = 3 }, expand = { "sources" } })
      assert.are.same({ z = 3 }, u.metadata)
      assert.are.equal("a", u.name)
      assert.is_table(u.sources)
      local n = assert(ugc.takes:update{ id = t.id, name = "b" })
      assert.are.equal("b", n.name)
      assert.are.same({ z = 3 }, assert(ugc.takes.retrieve(t.id)).metadata)
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() ugc.takes.update{ id = "take-x" } end,
        "takes.update: nothing to update (pass name and/or metadata)")
      assert.has_error(function() ugc.takes.update{ name = "x" } end, "takes.update: missing required argument 'id'")
      assert.has_error(function() ugc.takes.update{ id = "take-x", name = 3 } end,
        "takes.update: bad argument 'name' (string expected, got number)")
      assert.has_error(function() ugc.takes.update{ id = "take-x", name = "x", sources = {} } end,
        "takes.update: unknown argument 'sources' (expected expand, id, metadata, name)")
    end)
    it("returns not_found for unknown and foreign ids", function()
      local t, err = ugc.takes.update{ id = MISSING, name = "x" }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("UpdateTake", err.operation)
      local theirs = assert(other.takes.create_singlecam{ name = "theirs", sources = { helper.source(other) } })
      t, err = ugc.takes.update{ id = theirs.id, name = "mine" }
      assert.is_nil(t)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("theirs", assert(other.takes.retrieve(theirs.id)).name)
    end)
  end)

  describe("list and each", function()
    -- A sandbox of its own, so that the listing holds exactly these takes.
    local lsb, c, ids
    local N = 11
    setup(function()
      lsb = helper.two_key_sandbox()
      c = helper.client(lsb)
      local file = helper.uploaded(c)
      ids = {}
      for i = 1, N do
        ids[i] = assert(c.takes.create_singlecam{ name = "take " .. i,
          sources = { { device_label = "d", file_id = file.id, format = "mp4" } } }).id
      end
    end)
    teardown(function()
      c:close()
      lsb.stop()
    end)

    helper.it_pages(it, function() return c.takes.list, ids end)

    it("uses the client's page size and expands items", function()
      local page = assert(c.takes:list{ expand = { "sources", "client" } })
      assert.are.equal(10, #page.items)
      assert.is_string(page.next_token)
      assert.are.equal("d", page.items[1].sources[1].device_label)
      assert.matches("^client%-", page.items[1].client.id)
    end)
    it("iterates lazily with each, in both orders", function()
      local before = helper.stats(lsb).requests.graphql
      local n = 0
      for t in c.takes.each{ limit = 4, sort_by = "asc", expand = { "sources" } } do
        n = n + 1
        assert.are.equal(ids[n], t.id)
        assert.is_table(t.sources)
      end
      assert.are.equal(N, n)
      assert.are.equal(before + 3, helper.stats(lsb).requests.graphql)
      n = 0
      for t in c.takes:each{ limit = 5 } do
        n = n + 1
        assert.are.equal(ids[N + 1 - n], t.id)
      end
      assert.are.equal(N, n)
    end)
    it("stops fetching when the loop breaks", function()
      local before = helper.stats(lsb).requests.graphql
      local first = c.takes.each{ limit = 2 }()
      assert.are.equal(ids[N], first.id)
      assert.are.equal(before + 1, helper.stats(lsb).requests.graphql)
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() c.takes.list{ limit = 0 } end,
        "takes.list: bad argument 'limit' (must be between 1 and 100, got 0)")
      assert.has_error(function() c.takes.list{ limit = 1.5 } end,
        "takes.list: bad argument 'limit' (integer expected, got 1.5)")
      assert.has_error(function() c.takes.list{ sort_by = "up" } end,
        "takes.list: bad argument 'sort_by' ('up' is not one of ASC, DESC)")
      assert.has_error(function() c.takes.list{ take_id = "take-x" } end,
        "takes.list: unknown argument 'take_id' (expected expand, limit, next_token, sort_by)")
      assert.has_error(function() c.takes.each{ expand = { "outputs" } } end,
        "takes.each: bad argument 'expand' (unknown member 'outputs' (expected client, sources, volume))")
      assert.has_error(function() c.takes.each{ next_token = 5 } end,
        "takes.each: bad argument 'next_token' (string expected, got number)")
    end)
    it("returns a validation error for a cursor from another listing", function()
      local jobs_page = assert(c.takes.list{ limit = 3, sort_by = "ASC" })
      local page, err = c.takes.list{ limit = 3, sort_by = "DESC", next_token = jobs_page.next_token }
      assert.is_nil(page)
      assert.are.equal("validation", err.kind)
      assert.are.equal("ListTakes", err.operation)
    end)
    it("raises the structured error from an iterator", function()
      local ok, err, n = helper.break_iterator(lsb, function(c0) return c0.takes.each end, { limit = 3 }, 3, 500)
      assert.is_false(ok)
      assert.are.equal(3, n)
      assert.are.equal("server", err.kind)
      assert.are.equal(500, err.status)
    end)
    it("lists nothing for a client without takes", function()
      local empty = helper.client(lsb, { api_key = OTHER_KEY })
      local page = assert(empty.takes.list())
      assert.are.same({}, page.items)
      assert.is_nil(page.next_token)
      -- an empty page still encodes its items as a JSON array
      assert.truthy(require("moveugc.core").json_encode(page):find('"items":[]', 1, true))
      local n = 0
      for _ in empty.takes.each() do n = n + 1 end
      assert.are.equal(0, n)
      empty:close()
    end)
  end)
end)
