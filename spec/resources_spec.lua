-- ugc.files, takes, volumes, client, rigs, camera_settings against the sandbox,
-- and the multicam path end to end.
local helper = require "helper"

local MISSING = "00000000-0000-0000-0000-000000000000"

describe("resources", function()
  local sb, ugc, dir

  setup(function()
    sb = helper.sandbox("--job-seconds 0.5")
    ugc = helper.client(sb)
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
    os.execute("rm -rf " .. dir)
  end)

  local function uploaded(name)
    local path = dir .. "/" .. name
    helper.write_file(path, ("bytes of " .. name .. "\n"):rep(100))
    return assert(ugc.files.upload_path{ path = path })
  end

  describe("files", function()
    it("creates, retrieves with client, updates and shares", function()
      local f = assert(ugc.files.create{ file_type = "mp4", name = "a.mp4", metadata = { k = 1 } })
      assert.matches("^file%-", f.id)
      assert.are.equal("mp4", f.type)
      assert.matches("^http", f.presigned_url)
      local g = assert(ugc.files.retrieve{ id = f.id, expand = { "client" } })
      assert.matches("^client%-", g.client.id)
      assert.are.same({ k = 1 }, g.metadata)
      local u = assert(ugc.files:update{ id = f.id, name = "b.mp4", metadata = { k = 2 } })
      assert.are.equal("b.mp4", u.name)
      assert.are.same({ k = 2 }, u.metadata)
      local share = assert(ugc.files.generate_share_code(uploaded("s.mp4").id))
      assert.is_string(share.code)
      assert.is_string(share.file_id)
      assert.is_nil(share.file)
    end)
    it("reports not_found and raises on mistakes", function()
      assert.are.equal("not_found", select(2, ugc.files.retrieve("file-" .. MISSING)).kind)
      assert.are.equal("not_found", select(2, ugc.files.update{ id = "file-" .. MISSING, name = "x" }).kind)
      assert.has_error(function() ugc.files.create{} end, "files.create: missing required argument 'file_type'")
      assert.has_error(function() ugc.files.update{ id = "file-x" } end,
        "files.update: nothing to update (pass name and/or metadata)")
      assert.has_error(function() ugc.files.retrieve{ id = "file-x", expand = { "take" } } end,
        "files.retrieve: bad argument 'expand' (unknown member 'take' (expected client))")
    end)
  end)

  describe("takes", function()
    it("creates a single-camera take and reads it back with every expand member", function()
      local f = uploaded("take.mp4")
      local t = assert(ugc.takes.create_singlecam{
        sources = { { device_label = "phone", file_id = f.id, format = "mp4" } },
        name = "t", metadata = { scene = 3 } })
      assert.matches("^take%-", t.id)
      assert.are.equal("SINGLE_CAM", t.take_type)
      for _, m in ipairs{ "client", "sources" } do
        local got = assert(ugc.takes.retrieve{ id = t.id, expand = { m } })
        assert.is_table(got[m])
      end
      local got = assert(ugc.takes.retrieve{ id = t.id, expand = { "sources", "client", "volume" } })
      assert.are.equal(f.id, got.sources[1].file.id)
      assert.are.equal("MP4", got.sources[1].format)
      assert.are.equal("phone", got.sources[1].device_label)
      local u = assert(ugc.takes.update{ id = t.id, metadata = { scene = 4 } })
      assert.are.same({ scene = 4 }, u.metadata)
    end)
    it("checks sources before sending anything", function()
      assert.has_error(function() ugc.takes.create_singlecam{ sources = {} } end,
        "takes.create_singlecam: bad argument 'sources' (must be a non-empty list)")
      assert.has_error(function()
        ugc.takes.create_singlecam{ sources = { { device_label = "x", file_id = "file-x", format = "mkv" } } }
      end)
      assert.has_error(function()
        ugc.takes.create_singlecam{ sources = { { device_label = "x", format = "mp4" } } }
      end, "takes.create_singlecam: missing required argument 'sources[1].file_id'")
      assert.has_error(function() ugc.takes.create_multicam{ sources = { { device_label = "x",
        file_id = "f", format = "mp4" } } } end, "takes.create_multicam: missing required argument 'volume_id'")
      assert.has_error(function() ugc.takes.create_multicam{ volume_id = "v", sources = { { device_label = "x",
        file_id = "f", format = "mp4" } }, sync_method = { clap_window = { start_time = 1, end_time = 2 },
        timecode_sync = { use_timecode = true } } } end)
    end)
    it("reports a file of nobody's as not_found", function()
      local _, err = ugc.takes.create_singlecam{
        sources = { { device_label = "x", file_id = "file-" .. MISSING, format = "mp4" } } }
      assert.are.equal("not_found", err.kind)
    end)
    it("pages through takes in both orders and iterates", function()
      local c = helper.client(sb)
      helper.reset(sb)
      local ids = {}
      for i = 1, 7 do
        ids[i] = assert(c.takes.create_singlecam{
          sources = { { device_label = "d", file_id = uploaded("p" .. i .. ".mp4").id, format = "MP4" } } }).id
      end
      for _, order in ipairs{ "ASC", "DESC" } do
        local seen, token, pages = {}, nil, 0
        repeat
          local page = assert(c.takes.list{ limit = 2, next_token = token, sort_by = order })
          pages = pages + 1
          for _, t in ipairs(page.items) do seen[#seen + 1] = t.id end
          token = page.next_token
        until not token
        assert.are.equal(4, pages)
        for i = 1, 7 do assert.are.equal(ids[order == "ASC" and i or 8 - i], seen[i]) end
      end
      local n = 0
      for t in c.takes.each{ limit = 3, expand = { "sources" } } do
        n = n + 1
        assert.is_table(t.sources)
      end
      assert.are.equal(7, n)
      c:close()
    end)
  end)

  describe("client, rigs and camera settings", function()
    it("reads and updates the client", function()
      local me = assert(ugc.client.retrieve())
      assert.matches("^client%-", me.id)
      assert.is_string(me.name)
      local u = assert(ugc.client:update{ metadata = { plan = "studio", seats = 3 } })
      assert.are.same({ plan = "studio", seats = 3 }, u.metadata)
      assert.has_error(function() ugc.client.update{} end, "client.update: missing required argument 'metadata'")
    end)
    it("lists rigs and camera settings", function()
      local rigs = assert(ugc.rigs.list()).items
      local names = {}
      for _, r in ipairs(rigs) do names[r.name] = true end
      assert.is_true(names.move_mo and names.move_ve)
      local lenses = assert(ugc.camera_settings.list()).items
      assert.is_true(#lenses > 0)
      assert.is_string(lenses[1].lens)
    end)
  end)

  describe("multicam, end to end", function()
    it("calibration volume -> multicam take -> multicam job with a rig and two actors", function()
      local lens = assert(ugc.camera_settings.list()).items[1].lens
      local cams = {}
      for i = 1, 2 do
        cams[i] = { device_label = "cam" .. i, file_id = uploaded("cal" .. i .. ".mp4").id, format = "mp4",
          camera_settings = { lens = lens } }
      end
      local vol = assert(ugc.volumes.create_human_volume{ sources = cams, human_height = 1.78, area_type = "normal",
        sync_method = { clap_window = { start_time = 0, end_time = 1.5 } }, name = "calibration",
        expand = { "sources" } })
      assert.matches("^volume%-", vol.id)
      assert.are.equal(2, #vol.sources)
      helper.advance(sb, 10)
      vol = assert(ugc.volumes.retrieve{ id = vol.id, expand = { "outputs", "client" } })
      assert.are.equal("FINISHED", vol.state)
      assert.is_true(#vol.outputs >= 1)
      assert.are.equal("NORMAL", vol.area_type)
      local found = false
      for v in ugc.volumes.each{ sort_by = "DESC" } do found = found or v.id == vol.id end
      assert.is_true(found)

      local shots = {}
      for i = 1, 2 do
        shots[i] = { device_label = "cam" .. i, file_id = uploaded("shot" .. i .. ".mp4").id, format = "MOV",
          camera_settings = { lens = lens } }
      end
      local take = assert(ugc.takes.create_multicam{ sources = shots, volume_id = vol.id,
        sync_method = { timecode_sync = { use_timecode = true } }, expand = { "volume", "sources" } })
      assert.are.equal("MULTI_CAM", take.take_type)
      assert.are.equal(vol.id, take.volume.id)
      assert.is_true(take.sync_method.timecode_sync.use_timecode)

      local job = assert(ugc.jobs.create_multicam{ take_id = take.id, number_of_actors = 2, rig = "move_ve",
        outputs = { "MAIN_FBX", "ALL_FBX" }, options = { track_fingers = true } })
      job = assert(ugc.jobs.wait{ id = job.id, interval = 0.1, expand = { "rig", "inputs" } })
      assert.are.equal("FINISHED", job.progress.state)
      assert.are.equal("move_ve", job.rig.name)
      assert.are.equal(2, job.inputs.number_of_actors)
      assert.are.equal(2, #job.outputs)
    end)
    it("checks volume arguments", function()
      assert.has_error(function() ugc.volumes.create_human_volume{ sources = { { device_label = "a",
        file_id = "f", format = "mp4" } }, human_height = 0, area_type = "NORMAL" } end,
        "volumes.create_human_volume: bad argument 'human_height' (must be positive, got 0)")
      assert.has_error(function() ugc.volumes.create_human_volume{ sources = { { device_label = "a",
        file_id = "f", format = "mp4" } }, human_height = 1.7, area_type = "huge" } end)
      assert.are.equal("not_found", select(2, ugc.volumes.retrieve("volume-" .. MISSING)).kind)
    end)
  end)
end)
