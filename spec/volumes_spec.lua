-- ugc.volumes (create_human_volume, retrieve, list, each) against the sandbox,
-- and the multicam path end to end: volume -> multicam take -> multicam job.
local helper = require "helper"

local MISSING = "volume-00000000-0000-0000-0000-000000000000"
local OTHER_KEY = helper.OTHER_KEY

describe("ugc.volumes", function()
  local sb, ugc, other

  setup(function()
    sb = helper.two_key_sandbox("--job-seconds 1")
    ugc = helper.client(sb)
    other = helper.client(sb, { api_key = OTHER_KEY })
  end)
  teardown(function()
    ugc:close()
    other:close()
    sb.stop()
  end)

  local function two(c)
    c = c or ugc
    return { helper.source(c, "cam1", { camera_settings = { lens = "generic-wide" } }),
      helper.source(c, "cam2", { format = "MOV" }) }
  end

  describe("create_human_volume", function()
    it("creates a volume with every argument", function()
      local v = assert(ugc.volumes.create_human_volume{ sources = two(), human_height = 1.78, area_type = "large",
        sync_method = { clap_window = { start_time = 0.25, end_time = 1 } },
        clip_window = { start_time = 1, end_time = 9.5 }, name = "calibration", metadata = { rig = "studio" },
        expand = { "sources", "client", "outputs" } })
      assert.matches("^volume%-", v.id)
      assert.are.equal("calibration", v.name)
      assert.are.same({ rig = "studio" }, v.metadata)
      assert.are.equal("LARGE", v.area_type)
      assert.are.equal(1.78, v.human_height)
      assert.are.equal(1, v.clip_window.start_time)
      assert.are.equal(9.5, v.clip_window.end_time)
      assert.are.equal("NOT_STARTED", v.state)
      assert.are.equal("NOT_STARTED", v.progress.state)
      assert.are.equal(0, v.progress.percentage_complete)
      assert.are.equal(2, #v.sources)
      assert.are.equal("cam1", v.sources[1].device_label)
      assert.are.equal("generic-wide", v.sources[1].camera_settings.lens)
      assert.are.equal("MOV", v.sources[2].format)
      assert.matches("^file%-", v.sources[2].file.id)
      assert.matches("^client%-", v.client.id)
      assert.are.same({}, v.outputs) -- none until it finishes
    end)
    it("accepts an integer height, any case of area_type, timecode sync", function()
      local v = assert(ugc.volumes:create_human_volume{ sources = two(), human_height = 2, area_type = "Normal",
        sync_method = { timecode_sync = { use_timecode = true } } })
      assert.are.equal(2, v.human_height)
      assert.are.equal("NORMAL", v.area_type)
      assert.is_nil(v.clip_window)
      assert.is_nil(v.name)
    end)

    local fn = "volumes.create_human_volume: "
    local function raises(extra, message)
      local a = { human_height = 1.7, area_type = "NORMAL", sources = { { device_label = "a", file_id = "f",
        format = "mp4" }, { device_label = "b", file_id = "g", format = "mp4" } } }
      for k, v in pairs(extra) do a[k] = v end
      if extra.human_height == false then a.human_height = nil end
      if extra.area_type == false then a.area_type = nil end
      assert.has_error(function() ugc.volumes.create_human_volume(a) end, fn .. message)
    end
    it("raises on caller mistakes", function()
      raises({ human_height = false }, "missing required argument 'human_height'")
      raises({ human_height = "tall" }, "bad argument 'human_height' (number expected, got string)")
      raises({ human_height = 0 }, "bad argument 'human_height' (must be positive, got 0)")
      raises({ human_height = -1.5 }, "bad argument 'human_height' (must be positive, got -1.5)")
      raises({ area_type = false }, "missing required argument 'area_type'")
      raises({ area_type = "huge" }, "bad argument 'area_type' ('huge' is not one of LARGE, NORMAL)")
      raises({ area_type = 1 }, "bad argument 'area_type' (string expected, got number)")
      raises({ sources = {} }, "bad argument 'sources' (must be a non-empty list)")
      raises({ sources = { { device_label = "a", file_id = "f", format = "mp4" }, { device_label = "b",
        format = "mp4" } } }, "missing required argument 'sources[2].file_id'")
      raises({ sources = { { device_label = "a", file_id = "f", format = "gif" } } },
        "bad argument 'sources[1].format' ('gif' is not one of AVI, MOV, MOVE, MP4)")
      raises({ sync_method = { clap_window = { start_time = -1, end_time = 1 } } },
        "bad argument 'sync_method.clap_window' (start_time must be >= 0 and before end_time)")
      raises({ sync_method = { timecode_sync = { use_timecode = 1 } } },
        "bad argument 'sync_method.timecode_sync.use_timecode' (boolean expected, got number)")
      raises({ sync_method = { clap_window = { start_time = 0, end_time = 1 }, timecode_sync = {} } },
        "bad argument 'sync_method' (needs exactly one of clap_window or timecode_sync)")
      raises({ clip_window = { start_time = 5, end_time = 5 } },
        "bad argument 'clip_window' (start_time must be >= 0 and before end_time)")
      raises({ clip_window = "0-5" }, "bad argument 'clip_window' (table expected, got string)")
      raises({ metadata = 1 }, "bad argument 'metadata' (table expected, got number)")
      raises({ volume_id = "v" }, "unknown argument 'volume_id' (expected area_type, clip_window, expand, "
        .. "human_height, metadata, name, sources, sync_method)")
      raises({ expand = { "volume" } },
        "bad argument 'expand' (unknown member 'volume' (expected client, outputs, sources))")
      assert.has_error(function() ugc.volumes.create_human_volume() end,
        fn .. "missing required argument 'human_height'")
      assert.has_error(function() ugc.volumes.create_human_volume("volume-x") end,
        fn .. "expected a table of named arguments, got string")
    end)
    it("returns not_found for unknown and foreign files", function()
      local mine = two()
      local v, err = ugc.volumes.create_human_volume{ human_height = 1.7, area_type = "NORMAL",
        sources = { mine[1], { device_label = "x", file_id = "file-00000000-0000-0000-0000-000000000000",
          format = "mp4" } } }
      assert.is_nil(v)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("CreateVolumeWithHuman", err.operation)
      v, err = ugc.volumes.create_human_volume{ human_height = 1.7, area_type = "NORMAL",
        sources = { mine[1], two(other)[1] } }
      assert.is_nil(v)
      assert.are.equal("not_found", err.kind)
    end)
    it("returns validation errors for what only the server checks", function()
      local v, err = ugc.volumes.create_human_volume{ sources = two(), human_height = 5, area_type = "NORMAL" }
      assert.is_nil(v)
      assert.are.equal("validation", err.kind)
      v, err = ugc.volumes.create_human_volume{ sources = { two()[1] }, human_height = 1.7, area_type = "NORMAL" }
      assert.is_nil(v)
      assert.are.equal("validation", err.kind)
    end)
    it("fails when a source file was never uploaded", function()
      local empty = assert(ugc.files.create{ file_type = "mp4" })
      local v = assert(ugc.volumes.create_human_volume{ human_height = 1.7, area_type = "NORMAL",
        sources = { two()[1], { device_label = "late", file_id = empty.id, format = "mp4" } } })
      helper.advance(sb, 2)
      v = assert(ugc.volumes.retrieve{ id = v.id, expand = { "outputs" } })
      assert.are.equal("FAILED", v.state)
      assert.are.same({}, v.outputs)
    end)
  end)

  describe("retrieve", function()
    local volume
    setup(function()
      volume = assert(ugc.volumes.create_human_volume{ sources = two(), human_height = 1.65, area_type = "NORMAL",
        name = "r" })
    end)

    it("takes an id string or a table", function()
      local a = assert(ugc.volumes.retrieve(volume.id))
      local b = assert(ugc.volumes:retrieve{ id = volume.id })
      assert.are.equal(volume.id, a.id)
      assert.are.equal("r", b.name)
      assert.are.equal(1.65, a.human_height)
      assert.is_nil(a.sources)
      assert.is_nil(a.outputs)
      assert.is_nil(a.client)
    end)
    for _, member in ipairs{ "client", "sources", "outputs" } do
      it("expands " .. member, function()
        local v = assert(ugc.volumes.retrieve{ id = volume.id, expand = { member } })
        assert.is_table(v[member])
        for _, m in ipairs{ "client", "sources", "outputs" } do
          if m ~= member then assert.is_nil(v[m]) end
        end
      end)
    end
    it("finishes as the clock advances, with its calibration output", function()
      helper.advance(sb, 2)
      local v = assert(ugc.volumes.retrieve{ id = volume.id, expand = { "outputs", "sources", "client" } })
      assert.are.equal("FINISHED", v.state)
      assert.are.equal("FINISHED", v.progress.state)
      assert.are.equal(100, v.progress.percentage_complete)
      assert.is_true(#v.outputs >= 1)
      for _, o in ipairs(v.outputs) do
        assert.is_string(o.key)
        assert.is_string(o.format)
        assert.matches("^https?://", o.file.presigned_url)
      end
      assert.are.equal(2, #v.sources)
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() ugc.volumes.retrieve() end,
        "volumes.retrieve: expected a table of named arguments or an id string, got nil")
      assert.has_error(function() ugc.volumes.retrieve{} end, "volumes.retrieve: missing required argument 'id'")
      assert.has_error(function() ugc.volumes.retrieve{ id = 7 } end,
        "volumes.retrieve: bad argument 'id' (string expected, got number)")
      assert.has_error(function() ugc.volumes.retrieve{ id = volume.id, expand = { "volume" } } end,
        "volumes.retrieve: bad argument 'expand' (unknown member 'volume' (expected client, outputs, sources))")
    end)
    it("returns not_found for unknown and foreign ids", function()
      local v, err = ugc.volumes.retrieve(MISSING)
      assert.is_nil(v)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("GetVolume", err.operation)
      v, err = other.volumes.retrieve(volume.id)
      assert.is_nil(v)
      assert.are.equal("not_found", err.kind)
    end)
  end)

  describe("list and each", function()
    local lsb, c, ids
    local N = 10
    setup(function()
      lsb = helper.two_key_sandbox()
      c = helper.client(lsb)
      local srcs = two(c)
      ids = {}
      for i = 1, N do
        ids[i] = assert(c.volumes.create_human_volume{ sources = srcs, human_height = 1.5 + i / 100,
          area_type = "NORMAL", name = "volume " .. i }).id
      end
    end)
    teardown(function()
      c:close()
      lsb.stop()
    end)

    helper.it_pages(it, function() return c.volumes.list, ids end)

    it("expands items of a page", function()
      local page = assert(c.volumes:list{ limit = 2, expand = { "sources", "outputs", "client" } })
      assert.are.equal(2, #page.items)
      assert.are.equal(2, #page.items[1].sources)
      assert.is_table(page.items[1].outputs)
      assert.matches("^client%-", page.items[1].client.id)
    end)
    it("iterates lazily with each, in both orders", function()
      local n = 0
      for v in c.volumes.each{ limit = 3, sort_by = "ASC" } do
        n = n + 1
        assert.are.equal(ids[n], v.id)
      end
      assert.are.equal(N, n)
      n = 0
      for v in c.volumes:each{ limit = 4, expand = { "sources" } } do
        n = n + 1
        assert.are.equal(ids[N + 1 - n], v.id)
        assert.is_table(v.sources)
      end
      assert.are.equal(N, n)
    end)
    it("lists nothing for a client without volumes", function()
      local empty = helper.client(lsb, { api_key = OTHER_KEY })
      local page = assert(empty.volumes.list())
      assert.are.same({}, page.items)
      assert.is_nil(page.next_token)
      for _ in empty.volumes.each() do error("no volume expected") end
      empty:close()
    end)
    it("raises on caller mistakes", function()
      assert.has_error(function() c.volumes.list{ limit = 101 } end,
        "volumes.list: bad argument 'limit' (must be between 1 and 100, got 101)")
      assert.has_error(function() c.volumes.list{ sort_by = 1 } end,
        "volumes.list: bad argument 'sort_by' (string expected, got number)")
      assert.has_error(function() c.volumes.each{ expand = { "take" } } end,
        "volumes.each: bad argument 'expand' (unknown member 'take' (expected client, outputs, sources))")
      assert.has_error(function() c.volumes.each{ page = 2 } end,
        "volumes.each: unknown argument 'page' (expected expand, limit, next_token, sort_by)")
    end)
    it("raises the structured error from an iterator", function()
      local ok, err, n = helper.break_iterator(lsb, function(c0) return c0.volumes.each end, { limit = 2 }, 2, 503)
      assert.is_false(ok)
      assert.are.equal(2, n)
      assert.are.equal("server", err.kind)
      assert.are.equal(503, err.status)
    end)
  end)

  describe("multicam, end to end", function()
    it("calibration volume -> multicam take -> multicam job with a rig and two actors", function()
      local lens = assert(ugc.camera_settings.list()).items[1].lens
      local cal = {}
      for i = 1, 2 do cal[i] = helper.source(ugc, "cam" .. i, { camera_settings = { lens = lens } }) end
      local volume = assert(ugc.volumes.create_human_volume{ sources = cal, human_height = 1.8,
        area_type = "NORMAL", sync_method = { clap_window = { start_time = 0, end_time = 2 } } })
      assert.are_not.equal("FINISHED", volume.state)
      helper.advance(sb, 2)
      volume = assert(ugc.volumes.retrieve{ id = volume.id, expand = { "outputs" } })
      assert.are.equal("FINISHED", volume.state)
      assert.is_true(#volume.outputs >= 1)

      local shots = {}
      for i = 1, 2 do shots[i] = helper.source(ugc, "cam" .. i, { camera_settings = { lens = lens } }) end
      local take = assert(ugc.takes.create_multicam{ sources = shots, volume_id = volume.id,
        sync_method = { clap_window = { start_time = 0.5, end_time = 1.5 } }, expand = { "volume" } })
      assert.are.equal("MULTI_CAM", take.take_type)
      assert.are.equal(volume.id, take.volume.id)
      assert.are.equal("FINISHED", take.volume.state)

      local _, err = ugc.jobs.create{ take_id = take.id }
      assert.are.equal("validation", err.kind) -- a multicam take needs a multicam job
      _, err = ugc.jobs.create_multicam{ take_id = take.id, number_of_actors = 2, rig = "no_such_rig" }
      assert.are.equal("validation", err.kind)

      local job = assert(ugc.jobs.create_multicam{ take_id = take.id, number_of_actors = 2, rig = "move_ve" })
      assert.matches("^job%-", job.id)
      helper.advance(sb, 2)
      job = assert(ugc.jobs.retrieve{ id = job.id, expand = { "rig", "inputs", "take", "outputs" } })
      assert.are.equal("FINISHED", job.progress.state)
      assert.are.equal("move_ve", job.rig.name)
      assert.are.equal(2, job.inputs.number_of_actors)
      assert.are.equal(take.id, job.take.id)
      assert.is_true(#job.outputs > 0)
    end)
  end)
end)
