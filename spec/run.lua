-- `luarocks test` runs this with the rock's Lua: it builds moveugc.core for
-- that Lua (make <lua>), installs the sandbox's npm packages if missing, and
-- runs every spec on it with busted. Arguments, if any, replace `spec` on
-- busted's command line (luarocks test -- spec/json_spec.lua).
local root = (debug.getinfo(1, "S").source:match("^@(.*)/spec/run%.lua$")) or "."
local lua = arg and arg[-1] or "lua"
local flavour = type(jit) == "table" and "luajit" or _VERSION:gsub("Lua ", "lua")

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
local function run(cmd)
  local ok, how, code = os.execute(cmd)
  if type(ok) == "number" then return ok == 0, ok end -- Lua 5.1
  return ok == true, code or how
end

local extra = {}
for i = 1, #arg do extra[i] = q(arg[i]) end
if #extra == 0 then extra[1] = "spec" end
if not run(("make -s -C %s sandbox-deps %s"):format(q(root), flavour)) then
  io.stderr:write("spec/run.lua: make ", flavour, " failed\n")
  os.exit(1)
end
local ok = run(("cd %s && env LUA_PATH=%s LUA_CPATH=%s busted --lua=%s -o utfTerminal %s"):format(q(root),
  q(root .. "/binding/?.lua;" .. root .. "/binding/?/init.lua;" .. root .. "/spec/?.lua;;"),
  q(root .. "/build/" .. flavour .. "/?.so;;"), q(lua), table.concat(extra, " ")))
os.exit(ok and 0 or 1)
