-- JSON through the C binding: what users get back, whatever lua-cjson build.
local core = require "moveugc.core"
local cjson = require "cjson"

local function is_integer(v)
  if math.type then return math.type(v) == "integer" end
  return v == math.floor(v)
end

describe("moveugc.core JSON", function()
  describe("decode and normalise", function()
    local cases = {
      { "null becomes an absent key", [[{"a":null,"b":1}]], function(t)
        assert.is_nil(t.a)
        assert.are.equal(1, t.b)
        for _, v in pairs(t) do assert.are_not.equal(cjson.null, v) end
      end },
      { "integers are integers", [[{"n":100,"m":-7,"big":9007199254740993}]], function(t)
        assert.is_true(is_integer(t.n))
        assert.is_true(is_integer(t.m))
        assert.are.equal(100, t.n)
      end },
      { "floats stay floats", [[{"x":1.5,"y":-0.25}]], function(t)
        assert.are.equal(1.5, t.x)
        assert.are.equal(-0.25, t.y)
      end },
      { "keys stay as the server sent them (the documents alias every field in snake_case)",
        [[{"percentageComplete":5,"presigned_url":"u"}]], function(t)
          assert.are.equal(5, t.percentageComplete)
          assert.are.equal("u", t.presigned_url)
          assert.is_nil(t.percentage_complete)
        end, true },
      { "metadata strings become tables with the user's own keys",
        [[{"job":{"metadata":"{\"userId\":7,\"tags\":[\"a\",null]}"}}]], function(t)
          assert.are.equal(7, t.job.metadata.userId)
          assert.is_true(is_integer(t.job.metadata.userId))
          assert.are.equal("a", t.job.metadata.tags[1])
        end, true },
      { "metadata that is not JSON stays a string", [[{"metadata":"{oops"}]], function(t)
        assert.are.equal("{oops", t.metadata)
      end, true },
      { "raw mode keeps the server's names and metadata strings", [[{"getJob":{"metadata":"{}"}}]],
        function(t)
          assert.are.equal("{}", t.getJob.metadata)
        end },
      { "nested lists of objects", [[{"items":[{"clip_window":{"start_time":0,"end_time":2.5}}]}]],
        function(t)
          assert.are.equal(2.5, t.items[1].clip_window.end_time)
          assert.are.equal(0, t.items[1].clip_window.start_time)
        end, true },
      { "an object with many keys", (function()
        local parts = {}
        for i = 1, 40 do parts[#parts + 1] = ('"key_number%d":%d'):format(i, i) end
        return "{" .. table.concat(parts, ",") .. "}"
      end)(), function(t)
        for i = 1, 40 do assert.are.equal(i, t["key_number" .. i]) end
      end, true },
    }
    for _, case in ipairs(cases) do
      it(case[1], function()
        local t = assert(core.json_decode(case[2], case[4] or false))
        case[3](t)
      end)
    end

    describe("null members of a list", function()
      it("are dropped, the rest kept in order with no holes", function()
        local t = assert(core.json_decode("[1,null,null,null,5]"))
        assert.are.equal(2, #t)
        assert.are.same({ 1, 5 }, t)
        local seen = {}
        for _, v in ipairs(t) do seen[#seen + 1] = v end
        assert.are.same({ 1, 5 }, seen)
      end)
      it("leave a page of jobs whole for ipairs and pagination", function()
        local t = assert(core.json_decode(
          [[{"list_jobs":{"items":[{"id":"a"},null,{"id":"b"},null,null,{"id":"c"}],"next_token":"n"}}]],
          true))
        local ids = {}
        for _, job in ipairs(t.list_jobs.items) do ids[#ids + 1] = job.id end
        assert.are.same({ "a", "b", "c" }, ids)
        assert.are.equal(3, #t.list_jobs.items)
        assert.are.equal("n", t.list_jobs.next_token)
      end)
      it("leave an empty table when every member is null, and nest", function()
        assert.are.same({}, assert(core.json_decode("[null,null]")))
        local t = assert(core.json_decode('[[null,1],null,[2,null,3],{"a":null}]'))
        assert.are.same({ { 1 }, { 2, 3 }, {} }, t)
        for k in pairs(t) do assert.is_true(k >= 1 and k <= 3) end
      end)
      it("are dropped inside metadata too", function()
        local t = assert(core.json_decode([[{"metadata":"{\"tags\":[null,\"a\",null,\"b\"]}"}]], true))
        assert.are.same({ "a", "b" }, t.metadata.tags)
      end)
    end)

    describe("metadata keys are the user's", function()
      local function object_with(n, extra)
        local parts = {}
        for i = 1, n do parts[#parts + 1] = ('"field_number%d":%d'):format(i, i) end
        parts[#parts + 1] = extra
        return "{" .. table.concat(parts, ",") .. "}"
      end
      local META = [["{\"userId\":7,\"camelCase\":{\"innerKey\":[{\"deepKey\":1}]},\"tagList\":[\"x\"]}"]]
      for _, n in ipairs{ 0, 31, 32, 33, 40, 100 } do
        it("even next to " .. n .. " other keys", function()
          local t = assert(core.json_decode(object_with(n, '"metadata":' .. META), true))
          for i = 1, n do assert.are.equal(i, t["field_number" .. i]) end
          assert.are.same({ userId = 7, camelCase = { innerKey = { { deepKey = 1 } } }, tagList = { "x" } },
            t.metadata)
        end)
      end
      it("when nested objects each have many keys", function()
        local inner = object_with(40, '"metadata":' .. META)
        local t = assert(core.json_decode(object_with(40, '"job_list":[' .. inner .. "," .. inner .. "]"), true))
        assert.are.equal(2, #t.job_list)
        for _, job in ipairs(t.job_list) do
          assert.are.equal(40, job.field_number40)
          assert.are.equal(7, job.metadata.userId)
          assert.are.same({ innerKey = { { deepKey = 1 } } }, job.metadata.camelCase)
        end
      end)
      it("when metadata arrives as an object rather than a string", function()
        local t = assert(core.json_decode(object_with(40, '"metadata":{"userId":7,"subTable":{"keyName":null,"b":2}}'),
          true))
        assert.are.same({ userId = 7, subTable = { b = 2 } }, t.metadata)
      end)
    end)

    it("returns nil and a message for malformed JSON", function()
      for _, bad in ipairs{ "{", "[1,", "nul", "", "{\"a\":NaN}" } do
        local v, err = core.json_decode(bad)
        assert.is_nil(v)
        assert.is_string(err)
      end
    end)
  end)

  describe("encode", function()
    it("encodes empty lists marked as arrays as []", function()
      assert.are.equal("[]", core.json_encode(core.array({})))
      assert.are.equal('{"l":[]}', core.json_encode({ l = core.array() }))
    end)
    it("encodes plain empty tables as objects", function()
      assert.are.equal("{}", core.json_encode({}))
    end)
    it("encodes sequences as arrays and integers exactly", function()
      assert.are.equal("[1,2,3]", core.json_encode({ 1, 2, 3 }))
      if math.tointeger then -- 5.3+: 64-bit integers go out digit for digit
        assert.are.equal("[9007199254740993]", core.json_encode({ math.tointeger(9007199254740993) }))
      end
      assert.are.equal("[-42,1e+300]", core.json_encode({ -42, 1e300 }))
    end)
    it("round-trips unicode, escapes and floats", function()
      local v = { s = "h\195\169llo \226\156\147 \"q\" \\ \n\t\1", f = 0.1, g = 1e300, n = -3 }
      local back = core.json_decode(core.json_encode(v))
      assert.are.same(v, back)
    end)
    it("refuses what JSON cannot carry", function()
      for _, bad in ipairs{ { f = print }, { [1] = 1, x = 2 }, { [1] = 1, [3] = 3 }, { [true] = 1 },
        { x = 0 / 0 }, { x = math.huge } } do
        local s, err = core.json_encode(bad)
        assert.is_nil(s)
        assert.is_string(err)
      end
      local cyc = {}
      cyc.self = cyc
      assert.is_nil((core.json_encode(cyc)))
    end)
  end)
end)

describe("GraphQL documents", function()
  local documents = require "moveugc.documents"

  it("select every camelCase field under its snake_case alias", function()
    local names = {}
    for name in pairs(documents.operations) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      local op = documents.operations[name]
      local all = {}
      for member in pairs(documents.types[op.type].expand) do all[#all + 1] = member end
      table.sort(all)
      local doc = documents.get(name, all)
      local body = doc:match("^.-{.-{(.*)}%s*}$")
      for field in body:gmatch("%f[%w_](%l[%w_]-%u[%w_]*)") do
        local alias = field:gsub("%u", function(c) return "_" .. c:lower() end)
        assert(body:find(alias .. ": " .. field, 1, true),
          ("%s selects %s without the alias %s"):format(name, field, alias))
      end
    end
    assert.truthy(documents.get("GetFile"):find("presigned_url: presignedUrl", 1, true))
    assert.truthy(documents.get("ListVolumes"):find("... on HumanVolume {", 1, true))
  end)

  it("bring snake_case keys straight from the sandbox", function()
    local helper = require "helper"
    local sb = helper.sandbox()
    finally(sb.stop)
    local ugc = helper.client(sb)
    local file = assert(ugc.files.create{ file_type = "mp4" })
    assert.is_string(file.presigned_url)
    local raw = assert(ugc.graphql(documents.get("GetFile"), { fileId = file.id }))
    assert.is_string(raw.get_file.presigned_url) -- the aliases, as the server sent them
    assert.is_nil(raw.get_file.presignedUrl)
    ugc:close()
  end)
end)
