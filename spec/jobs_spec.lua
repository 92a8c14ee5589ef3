-- ugc.jobs end to end against the sandbox.
local helper = require "helper"

local function is_integer(v)
  if math.type then return math.type(v) == "integer" end
  return v == math.floor(v)
end

describe("ugc.jobs", function()
  local sb, ugc, take

  setup(function()
    sb = helper.sandbox("--job-seconds 1")
    ugc = helper.client(sb)
    take = helper.take(ugc)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)

  describe("create", function()
    it("creates a single-camera job with every argument", function()
      local job = assert(ugc.jobs.create{
        take_id = take.id, name = "first", metadata = { user = 7, tags = { "a", "b" } },
        options = { track_fingers = true, floorPlane = false, mocap_model = "m2" },
        clip_window = { start_time = 0.5, end_time = 2 },
        outputs = { "main_fbx", "RENDER_VIDEO" },
        expand = { "inputs", "take" },
      })
      assert.matches("^job%-%x+%-", job.id)
      assert.are.equal("first", job.name)
      assert.are.same({ user = 7, tags = { "a", "b" } }, job.metadata)
      assert.are.equal(take.id, job.take.id)
      assert.is_true(job.inputs.options.track_fingers)
      assert.is_false(job.inputs.options.floor_plane)
      assert.are.equal("M2", job.inputs.options.mocap_model)
      assert.are.equal(0.5, job.inputs.clip_window.start_time)
      assert.is_string(job.created)
      assert.is_table(job.progress)
    end)
    it("is also create_singlecam, called with a colon", function()
      local job = assert(ugc.jobs:create_singlecam{ take_id = take.id })
      assert.matches("^job%-", job.id)
    end)
    it("raises on caller mistakes, naming the function and argument", function()
      assert.has_error(function() ugc.jobs.create{} end, "jobs.create: missing required argument 'take_id'")
      assert.has_error(function() ugc.jobs.create{ take_id = 5 } end,
        "jobs.create: bad argument 'take_id' (string expected, got number)")
      assert.has_error(function() ugc.jobs.create{ take_id = take.id, outputs = { "MP4" } } end)
      assert.has_error(function() ugc.jobs.create{ take_id = take.id, expand = { "nope" } } end,
        "jobs.create: bad argument 'expand' (unknown member 'nope' "
          .. "(expected client, inputs, outputs, rig, take))")
      assert.has_error(function() ugc.jobs.create{ take_id = take.id, tak = 1 } end)
      assert.has_error(function() ugc.jobs.create{ take_id = take.id, options = { track_ball = "yes" } } end,
        "jobs.create: bad argument 'options.track_ball' (boolean expected, got string)")
      assert.has_error(function() ugc.jobs.create{ take_id = take.id, metadata = "{}" } end,
        "jobs.create: bad argument 'metadata' (table expected, got string)")
      assert.has_error(function()
        ugc.jobs.create{ take_id = take.id, clip_window = { start_time = 3, end_time = 1 } }
      end, "jobs.create: bad argument 'clip_window' (start_time must be >= 0 and before end_time)")
      assert.has_error(function() ugc.jobs.create("take-x") end)
    end)
    it("returns not_found for a take that does not exist", function()
      local job, err = ugc.jobs.create{ take_id = "take-00000000-0000-0000-0000-000000000000" }
      assert.is_nil(job)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("CreateSingleCamJob", err.operation)
    end)
    it("passes unknown options on to the server", function()
      local job, err = ugc.jobs.create{ take_id = take.id, options = { track_everything = true } }
      assert.is_nil(job)
      assert.are.equal("validation", err.kind) -- the server knows no such option yet
      assert.matches("trackEverything", err.message)
    end)
  end)

  describe("retrieve", function()
    local job
    setup(function()
      job = assert(ugc.jobs.create{ take_id = take.id, outputs = { "MAIN_FBX", "MAIN_GLB" } })
    end)

    it("takes an id string or a table", function()
      local a = assert(ugc.jobs.retrieve(job.id))
      local b = assert(ugc.jobs:retrieve{ id = job.id })
      assert.are.equal(job.id, a.id)
      assert.are.equal(a.created, b.created)
      assert.is_nil(a.take)
    end)
    for _, member in ipairs{ "take", "outputs", "client", "rig", "inputs" } do
      it("expands " .. member, function()
        local j = assert(ugc.jobs.retrieve{ id = job.id, expand = { member } })
        if member == "outputs" then
          assert.is_table(j.outputs) -- empty until the job finishes
        else
          assert.is_table(j[member])
        end
      end)
    end
    it("expands several members and follows the job to FINISHED with outputs", function()
      helper.advance(sb, 5)
      local j = assert(ugc.jobs.retrieve{ id = job.id, expand = { "take", "outputs", "client", "rig" } })
      assert.are.equal("FINISHED", j.progress.state)
      assert.are.equal("FINISHED", j.state)
      assert.are.equal(100, j.progress.percentage_complete)
      assert.is_true(is_integer(j.progress.percentage_complete))
      assert.are.equal("move_mo", j.rig.name)
      assert.matches("^client%-", j.client.id)
      assert.are.equal(2, #j.outputs)
      for _, o in ipairs(j.outputs) do
        assert.is_string(o.key)
        assert.is_string(o.format)
        assert.matches("^https?://", o.file.presigned_url)
      end
    end)
    it("returns not_found for an unknown id", function()
      local j, err = ugc.jobs.retrieve("job-00000000-0000-0000-0000-000000000000")
      assert.is_nil(j)
      assert.are.equal("not_found", err.kind)
      assert.are.equal("GetJob", err.operation)
    end)
  end)

  describe("list", function()
    local lt, ids
    setup(function()
      lt = helper.take(ugc)
      ids = {}
      for i = 1, 11 do
        ids[i] = assert(ugc.jobs.create{ take_id = lt.id, name = "job " .. i }).id
      end
    end)

    local function all_pages(sort_by)
      local seen, token, pages = {}, nil, 0
      repeat
        local page = assert(ugc.jobs.list{ take_id = lt.id, limit = 3, next_token = token, sort_by = sort_by })
        assert.are.equal(3, page.limit)
        pages = pages + 1
        for _, j in ipairs(page.items) do seen[#seen + 1] = j.id end
        token = page.next_token
        if token then assert.is_string(token) end
      until token == nil
      return seen, pages
    end

    it("pages newest first by default", function()
      local seen, pages = all_pages()
      assert.are.equal(4, pages)
      assert.are.equal(11, #seen)
      for i = 1, 11 do assert.are.equal(ids[12 - i], seen[i]) end
    end)
    it("pages oldest first with sort_by ASC, any case", function()
      local seen, pages = all_pages("asc")
      assert.are.equal(4, pages)
      assert.are.same(ids, seen)
    end)
    it("uses the client's page size and expands items", function()
      local page = assert(ugc.jobs.list{ take_id = lt.id, expand = { "take" } })
      assert.are.equal(10, #page.items)
      assert.are.equal(lt.id, page.items[1].take.id)
    end)
    it("iterates lazily with each", function()
      local n = 0
      for job in ugc.jobs.each{ take_id = lt.id, limit = 4, sort_by = "ASC" } do
        n = n + 1
        assert.are.equal(ids[n], job.id)
      end
      assert.are.equal(11, n)
    end)
    it("raises on limits out of range and bad sort orders", function()
      assert.has_error(function() ugc.jobs.list{ limit = 0 } end,
        "jobs.list: bad argument 'limit' (must be between 1 and 100, got 0)")
      assert.has_error(function() ugc.jobs.list{ limit = 101 } end)
      assert.has_error(function() ugc.jobs.list{ limit = 2.5 } end)
      assert.has_error(function() ugc.jobs.list{ sort_by = "sideways" } end)
    end)
    it("raises the structured error from an iterator", function()
      local ok, err, n = helper.break_iterator(sb, function(c) return c.jobs.each end,
        { take_id = lt.id, limit = 5 }, 5, 500)
      assert.is_false(ok)
      assert.are.equal(5, n) -- the first page was served, the second failed
      assert.are.equal("server", err.kind)
      assert.are.equal(500, err.status)
    end)
  end)

  describe("update", function()
    it("round-trips metadata: nesting, unicode, integers, floats", function()
      local job = assert(ugc.jobs.create{ take_id = take.id })
      local meta = {
        user = { id = 42, name = "Zo\195\171", tags = { "x", "y" } },
        ratio = 0.75, big = 123456789012, flag = false, empty = {},
        emoji = "\240\159\142\172",
      }
      local updated = assert(ugc.jobs.update{ id = job.id, metadata = meta, name = "renamed" })
      assert.are.equal("renamed", updated.name)
      local back = assert(ugc.jobs.retrieve(job.id)).metadata
      assert.are.same(meta, back)
      assert.is_true(is_integer(back.user.id))
      assert.is_true(is_integer(back.big))
      assert.are.equal(0.75, back.ratio)
    end)
    it("raises when there is nothing to update", function()
      assert.has_error(function() ugc.jobs.update{ id = "job-x" } end,
        "jobs.update: nothing to update (pass name and/or metadata)")
    end)
    it("returns not_found for an unknown id", function()
      local _, err = ugc.jobs.update{ id = "job-00000000-0000-0000-0000-000000000000", name = "x" }
      assert.are.equal("not_found", err.kind)
    end)
  end)

  describe("create_multicam", function()
    it("refuses a single-camera take and checks its arguments", function()
      assert.has_error(function() ugc.jobs.create_multicam{ take_id = take.id } end,
        "jobs.create_multicam: missing required argument 'number_of_actors'")
      assert.has_error(function() ugc.jobs.create_multicam{ take_id = take.id, number_of_actors = 0 } end)
      local job, err = ugc.jobs.create_multicam{ take_id = take.id, number_of_actors = 2 }
      assert.is_nil(job)
      assert.is_string(err.kind)
    end)
  end)

  describe("retrieve_many", function()
    it("fetches jobs in one request, in the order asked", function()
      local a = assert(ugc.jobs.create{ take_id = take.id })
      local b = assert(ugc.jobs.create{ take_id = take.id })
      local before = helper.stats(sb).requests.graphql
      local got = assert(ugc.jobs.retrieve_many{ ids = { b.id, a.id, b.id }, expand = { "outputs" } })
      assert.are.equal(before + 1, helper.stats(sb).requests.graphql)
      assert.are.same({ b.id, a.id, b.id }, { got[1].id, got[2].id, got[3].id })
    end)
    it("names the id that does not exist", function()
      local a = assert(ugc.jobs.create{ take_id = take.id })
      local missing = "job-00000000-0000-0000-0000-000000000000"
      local got, err = ugc.jobs.retrieve_many{ ids = { a.id, missing } }
      assert.is_nil(got)
      assert.are.equal("not_found", err.kind)
      assert.are.same({ missing }, err.ids)
      assert.matches(missing, err.message, 1, true)
    end)
    it("returns an empty list for no ids", function()
      assert.are.same({}, ugc.jobs.retrieve_many{ ids = {} })
    end)
  end)
end)
