-- The rock: the release rockspec, the development one, the version the SDK
-- and the command report, the licence and the changelog all agree. (The
-- rock itself is built, installed and run by scripts/readme.sh.)
local helper = require "helper"
local moveugc = require "moveugc"

local ROOT = helper.root

-- a rockspec's fields, read as LuaRocks reads them: Lua assignments in an empty env
local function rockspec(path)
  local src = assert(helper.read_file(ROOT .. "/" .. path), path)
  local env = {}
  local chunk
  if setfenv then
    chunk = assert(loadstring(src, path)) ---@diagnostic disable-line: deprecated
    setfenv(chunk, env) ---@diagnostic disable-line: deprecated
  else
    chunk = assert(load(src, path, "t", env))
  end
  chunk()
  return env
end

local function same(a, b, where)
  if type(a) ~= "table" or type(b) ~= "table" then
    assert(a == b, ("%s: %s ~= %s"):format(where, tostring(a), tostring(b)))
    return
  end
  for k, v in pairs(a) do same(v, b[k], where .. "." .. tostring(k)) end
  for k in pairs(b) do assert(a[k] ~= nil, where .. "." .. tostring(k) .. " only in one") end
end

describe("the rock", function()
  local V = moveugc._VERSION
  local release = rockspec(("rockspec/moveugc-%s-1.rockspec"):format(V))
  local scm = rockspec("rockspec/moveugc-scm-1.rockspec")

  it("is the release of moveugc._VERSION, from its archive", function()
    assert.matches("^%d+%.%d+%.%d+$", V)
    assert.are.equal("moveugc", release.package)
    assert.are.equal(V .. "-1", release.version)
    assert.are.equal(("moveugc-%s.tar.gz"):format(V), release.source.url)
    assert.are.equal(("moveugc-%s"):format(V), release.source.dir)
  end)
  it("builds, installs and tests as the development rockspec does", function()
    for _, field in ipairs{ "rockspec_format", "package", "description", "dependencies",
      "external_dependencies", "build", "test" } do
      same(release[field], scm[field], field)
    end
    assert.are.equal("make", release.build.type)
    assert.are.equal("moveugc", release.build.install.bin.moveugc:match("^bin/(.*)$"))
    assert.is_truthy(helper.read_file(ROOT .. "/" .. release.test.script))
  end)
  it("carries the licence it names, and a changelog entry for its version", function()
    assert.are.equal("MIT", release.description.license)
    assert.matches("^MIT License\n", helper.read_file(ROOT .. "/LICENSE"))
    local changelog = helper.read_file(ROOT .. "/CHANGELOG.md")
    local heading = "\n## %[" .. V:gsub("%.", "%%.") .. "%] %- %d%d%d%d%-%d%d%-%d%d\n"
    assert.is_truthy(changelog:find(heading), "no CHANGELOG.md section for " .. V)
  end)
  it("reports the same version from the command", function()
    local p = assert(io.popen(("%s %s/bin/moveugc --version"):format(helper.flavour, ROOT)))
    local out = p:read("*a")
    p:close()
    assert.are.equal("moveugc " .. V .. "\n", out)
  end)
end)
