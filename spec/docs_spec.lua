-- The API reference: generated from the annotations (scripts/apidoc.lua), up
-- to date, and covering exactly the functions a client exposes at runtime.
-- Runs on every Lua version; the generator itself runs on lua5.4.
local moveugc = require "moveugc"

local root = (debug.getinfo(1, "S").source:match("^@(.*)/spec/docs_spec%.lua$")) or "."
if root:sub(1, 1) ~= "/" and root ~= "." then root = "./" .. root end

local function read(path)
  local f = assert(io.open(root .. "/" .. path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- name -> true for every public function of t, as prefix .. name
local function functions_of(prefix, t, out)
  for k, v in pairs(t) do
    if type(k) == "string" and k:sub(1, 1) ~= "_" and type(v) == "function" then out[prefix .. k] = true end
  end
end

-- The tables of t, each walked once: a second name for a table already
-- walked (a deprecated one) goes into aliases instead.
local function tables_of(prefix, t, out, aliases)
  local seen = {}
  for _, k in ipairs(sorted_keys(t)) do
    local v = t[k]
    if type(k) == "string" and k:sub(1, 1) ~= "_" and type(v) == "table" then
      if seen[v] then
        aliases[prefix .. k] = seen[v]
      else
        seen[v] = prefix .. k
        functions_of(prefix .. k .. ".", v, out)
      end
    end
  end
end

describe("docs", function()
  it("are generated from the current sources and document every public function", function()
    local p = assert(io.popen('cd "' .. root .. '" && lua5.4 scripts/apidoc.lua --check 2>&1; echo "status=$?"'))
    local out = p:read("*a")
    p:close()
    assert(out:match("status=(%d+)%s*$") == "0", "lua5.4 scripts/apidoc.lua --check failed:\n" .. out)
  end)

  describe("docs/API.md and the runtime", function()
    local ugc, task, documented, runtime, aliases

    setup(function()
      ugc = moveugc.new{ api_key = "sandbox-key-0123456789", endpoint = "http://127.0.0.1:9/graphql" }
      task = ugc:spawn(function() end) -- starts at the next step: never, here
      documented = {}
      for name in read("docs/API.md"):gmatch("\n### `([%w_.:]+)[({]") do
        documented[(name:gsub(":", "."))] = true
      end
      runtime, aliases = {}, {}
      functions_of("cli.", require("moveugc.cli"), runtime)
      functions_of("moveugc.", moveugc, runtime)
      tables_of("moveugc.", moveugc, runtime, aliases)
      functions_of("ugc.", ugc, runtime)
      tables_of("ugc.", ugc, runtime, aliases)
      -- a client's own metatable reads its read-only fields, then the methods
      local fields = getmetatable(ugc).__index
      functions_of("ugc.", fields, runtime)
      functions_of("ugc.", getmetatable(fields).__index, runtime)
      functions_of("task.", getmetatable(task).__index, runtime)
    end)

    teardown(function()
      task:cancel()
      ugc:close()
    end)

    it("finds functions to compare", function()
      assert.is_true(documented["ugc.jobs.create"])
      assert.is_true(runtime["ugc.jobs.create"])
      assert.is_true(runtime["ugc.close"])
      assert.is_true(runtime["moveugc.webhook_signature.verify"])
      assert.are.equal("moveugc.webhook_signature", aliases["moveugc.webhooks"])
    end)

    it("lists every other name of a module as deprecated, with the name to use", function()
      local text = read("docs/API.md")
      for _, name in ipairs(sorted_keys(aliases)) do
        local line = text:match("\n%- `" .. name:gsub("%p", "%%%0") .. "`[^\n]*")
        assert(line, "docs/API.md lists no deprecated name " .. name)
        assert.truthy(line:find("deprecated", 1, true), line)
        assert.truthy(line:find(aliases[name], 1, true), line)
      end
    end)

    it("documents every function reachable on moveugc, a client and a task", function()
      local missing = {}
      for _, name in ipairs(sorted_keys(runtime)) do
        if not documented[name] then missing[#missing + 1] = name end
      end
      assert(#missing == 0, "not in docs/API.md (run lua5.4 scripts/apidoc.lua): " .. table.concat(missing, ", "))
    end)

    it("documents no function that does not exist", function()
      local roots, ghosts = { moveugc = moveugc, ugc = ugc, task = task, cli = require("moveugc.cli") }, {}
      for _, name in ipairs(sorted_keys(documented)) do
        local v = roots[name:match("^[%w_]+")]
        for part in name:gmatch("%.([%w_]+)") do v = type(v) == "table" and v[part] or nil end
        if type(v) ~= "function" then ghosts[#ghosts + 1] = name end
      end
      assert(#ghosts == 0, "in docs/API.md but not at runtime: " .. table.concat(ghosts, ", "))
    end)
  end)
end)
