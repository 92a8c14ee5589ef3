--- apidoc: docs/API.md and the LuaLS meta file library/moveugc.lua, generated from the one source of
-- truth, the annotations in binding/moveugc/*.lua. Plain Lua 5.4, standard library only.
--   lua5.4 scripts/apidoc.lua          -- writes both files
--   lua5.4 scripts/apidoc.lua --check  -- exits 1 on drift, or on a public function without a summary,
--                                      -- a ---@return (when it returns a value) or a ---@param
local ROOT = (arg and arg[0] or ""):match("^(.-)/?scripts/apidoc%.lua$") or ""
if ROOT == "" then ROOT = "." end
local SRC, API_MD, META = "binding/moveugc", "docs/API.md", "library/moveugc.lua"
local TYPE = "moveugc%.[%w_.]+" -- a type name of ours

local function read(path) -- the file's text, or nil
  local f = io.open(ROOT .. "/" .. path, "rb")
  return f and f:read("a"), f and f:close()
end

local function push(t, ...)
  for i = 1, select("#", ...) do t[#t + 1] = select(i, ...) end
  return t
end

local function camel(s) return (s:gsub("^%l", string.upper):gsub("_(%w)", string.upper)) end

-- ==== annotations ========================================================

-- Reads one LuaLS type off the front of s ("fun(a: T): R", "{k: T}[]?",
-- "table<K, V>", `"a"|"b"`); returns it and the rest of s.
local function read_type(s)
  local i, depth = 1, 0
  while i <= #s do
    local ch = s:sub(i, i)
    if ch == '"' or ch == "'" then i = s:find(ch, i + 1, true) or #s
    elseif ch:find("[{(<]") then depth = depth + 1
    elseif ch:find("[})>]") then
      depth = depth - 1
      i = i + #(depth == 0 and ch == ")" and s:match("^%s*:%s*", i + 1) or "") -- fun(...): R goes on
    elseif depth == 0 and ch:find("[%s,]") then break end
    i = i + 1
  end
  return s:sub(1, i - 1), s:sub(i):match("^%s*(.-)%s*$")
end

-- A comment block -> {text = {lines}, params = {name = {type, desc}}, returns = {{type, name, desc}}}
local function read_doc(block)
  local d = { text = {}, params = {}, order = {}, returns = {}, raw = block or {} }
  for _, l in ipairs(d.raw) do
    local tag, rest = l:match("^%-%-%-@(%w+)%s*(.*)$")
    if tag == "param" then
      local name, opt, r = rest:match("^([%w_.]+)(%??)%s*(.*)$")
      local ty, desc = read_type(r or "")
      if name then d.params[name] = push(d.order, name) and { type = ty .. opt, desc = desc } end
    elseif tag == "deprecated" then
      d.deprecated = rest
    elseif tag == "return" then -- "T1 name1 desc, T2 name2"
      d.has_return = true
      while rest ~= "" do
        local ty, after = read_type(rest)
        if ty == "" then break end
        local name, tail = after:match("^([%a_][%w_]*)%f[^%w_]%s*(.*)$")
        local desc, more = (tail or after):match("^(.-)%s*,%s*(.*)$")
        push(d.returns, { type = ty, name = name, desc = desc or tail or after })
        rest = more or ""
      end
    elseif not tag then
      push(d.text, l:match("^%-%-%-?%s?(.*)$"))
    end
  end
  while d.text[#d.text] == "" do d.text[#d.text] = nil end
  d.summary = d.text[1] ~= "" and d.text[1] or nil
  d.brief = (table.concat(d.text, " ") .. "  "):match("^(.-)%s%s") -- the first paragraph, on one line
  return d
end

-- ==== sources ============================================================

-- Does this line return a value? (`return` alone and `return end` do not.)
local function returns_value(line)
  local v = line:gsub("%-%-.*", ""):match("%f[%w]return%s+(.*)$")
  return v ~= nil and v ~= "" and not v:find("^end%f[^%w_]")
end

-- One file: its public functions, classes and aliases, constants, sub-modules,
-- the locals its classes are bound to, and (init.lua) the RESOURCES table.
local function parse(mod)
  local path = SRC .. "/" .. mod .. ".lua"
  local f = { mod = mod, path = path, funcs = {}, classes = {}, consts = {}, submods = {}, locals = {},
    bound = {}, resources = {}, refs = {} }
  local lines, block, class, in_resources, block_start = {}, {}, nil, false, 0
  for l in assert(read(path), path):gmatch("([^\n]*)\n?") do push(lines, l) end
  for i, l in ipairs(lines) do
    if l:find("^%-%-") then
      for name in (l:find("^%-%-%-@") and l or ""):gmatch("moveugc%.%u[%w_]*") do push(f.refs, { name, i }) end
      local kind, cname = l:match("^%-%-%-@(%a+)%s+([%w_.]+)")
      if kind == "class" or kind == "alias" then
        class, block = { name = cname, kind = kind, raw = {}, fields = {}, desc = read_doc(block) }, {}
        push(f.classes, class)
      elseif class and l:find("^%-%-%-@field") then
        local name, r = l:match("^%-%-%-@field%s+([%w_]+%??)%s*(.*)$")
        local ty, desc = read_type(r or "")
        push(class.fields, { name = name, type = ty, desc = desc })
      elseif class and l:find("^%-%-%-%s?[^%s@|]") and class.fields[1] then -- a field's next line
        class.fields[#class.fields].desc = class.fields[#class.fields].desc .. " " .. l:match("^%-%-%-%s?(.*)$")
      elseif class and not l:find("^%-%-%-|") then
        class, block, block_start = nil, { l }, i
      elseif not class then
        if #block == 0 then block_start = i end
        push(block, l)
      end
      if class then push(class.raw, l) end
    else
      local doc, loc = #block > 0 and read_doc(block) or nil, l:match("^local ([%w_]+)%s*=")
      if block_start == 1 and doc then f.summary = f.summary or doc end
      if class and loc then f.bound[loc] = class end
      block, class = {}, nil
      local tbl, sep, name, params = l:match("^function ([%w_]+)([.:])([%w_]+)%s*%((.*)$")
      local lhs, key, rhs = l:gsub("%s+%-%-%s.*$", ""):match("^([%w_]+)%.([%w_]+)%s*=%s*(.-)%s*$")
      if tbl and name:sub(1, 1) ~= "_" then
        local j = i
        while not params:find(")", 1, true) and lines[j + 1] do j = j + 1; params = params .. lines[j] end
        local plist, rest = params:match("^([^)]*)%)(.*)$")
        local fn = push(f.funcs, { tbl = tbl, method = sep == ":", name = name, params = {}, line = i,
          doc = doc or read_doc(), has_return = returns_value(rest) })[#f.funcs]
        for p in plist:gmatch("[%w_.]+") do push(fn.params, p) end
        for k = j + 1, rest:find("end%s*$") and 0 or #lines do -- the body: to the first "end" in column 1
          if lines[k]:find("^end") then break end
          fn.has_return = fn.has_return or returns_value(lines[k])
        end
      elseif lhs then -- a constant, another name for a function (ours or C's), or a sub-module
        local rt, rk = rhs:match("^([%w_]+)%.([%w_]+)$")
        local built = rhs:find("^[%w_.]+%s*%(") and doc and doc.summary -- a function a call returns
        local req, public = rhs:match("^require%s*%(?%s*[\"']moveugc%.([%w_]+)[\"']%s*%)?$"), key:sub(1, 1) ~= "_"
        local const, target = rhs:find("^[\"'%d]") and rhs or rt == lhs and f.consts[rk], nil
        for _, fn in ipairs(rt == lhs and f.funcs or {}) do if fn.name == rk then target = fn end end
        if const then
          f.consts[key] = push(f.consts, { tbl = lhs, name = key, value = const }) and const
        elseif (rt and not f.locals[rhs] or built) and public then
          -- another name for one of ours, or a function built elsewhere: its ---@param lines name its parameters
          local own = not target and doc and #doc.order > 0 and doc.order
          push(f.funcs, { tbl = lhs, name = key, line = i, target = target, doc = doc or target and target.doc
            or read_doc(), has_return = not target or target.has_return,
            params = target and target.params or own or { "..." }, own_params = own and true })
        elseif (req or f.locals[rhs]) and public then
          push(f.submods, { key = key, mod = req or f.locals[rhs], doc = doc })
        end
      end
      local lname, lmod = l:match("^local ([%w_]+)%s*=%s*require%s*%(?%s*[\"']moveugc%.([%w_]+)")
      if lname then f.locals[lname] = lmod end
      local field, rmod = l:match("^%s*([%w_]+)%s*=%s*[\"']moveugc%.([%w_]+)[\"']")
      if l:find("^local RESOURCES%s*=%s*{") then in_resources = true
      elseif l:find("^}") then in_resources = false
      elseif in_resources and field then push(f.resources, { field = field, mod = rmod }) end
      f.table = l:match("^return ([%w_]+)%s*$") or f.table
    end
  end
  return f
end

-- ==== the model: sections of functions and types =========================

local function build()
  local m = { files = {}, classes = {}, order = {}, sections = {}, deprecated = {} }
  local p = assert(io.popen('LC_ALL=C ls "' .. ROOT .. "/" .. SRC .. '"'))
  for mod in p:read("a"):gmatch("([%w_]+)%.lua\n") do push(m.order, parse(mod)) end
  p:close()
  for _, f in ipairs(m.order) do
    m.files[f.mod] = f
    for _, c in ipairs(f.classes) do m.classes[c.name] = c end
  end
  local init, owner = assert(m.files.init, "no init.lua"), {}
  m.init = init
  -- s: title, prefix (how calls read), meta (its LuaLS class); the functions of tbl in file f
  local function section(s, f, tbl, method, drop_first)
    s.file, s.funcs, s.types = f, {}, {}
    for _, fn in ipairs(f and f.funcs or {}) do
      if fn.tbl == tbl and (fn.method or false) == method then
        push(s.funcs, { fn = fn, s = s, file = f,
          params = { table.unpack(fn.params, drop_first and not fn.own_params and 2 or 1) } })
      end
    end
    if s.class and #s.funcs == 0 then return end
    if f then owner[f.mod] = owner[f.mod] or s end
    push(m.sections, s)
  end
  section({ title = "moveugc", prefix = "moveugc.", meta = "moveugc" }, init, init.table, false)
  for _, sm in ipairs(init.submods) do
    local f = m.files[sm.mod] or {}
    if sm.doc and sm.doc.deprecated then -- an old name: listed as such, not a section of its own
      for _, other in ipairs(init.submods) do if other.mod == sm.mod and other ~= sm then sm.now = other.key end end
      push(m.deprecated, sm)
    else
      section({ title = "moveugc." .. sm.key, prefix = "moveugc." .. sm.key .. ".", key = sm.key,
        meta = "moveugc." .. camel(sm.mod) }, f, f.table, false)
    end
  end
  local bound = {} -- classes with methods: ugc (moveugc.Client) before the resources, the others after
  for _, f in ipairs(m.order) do
    for loc, c in pairs(f.bound) do
      local inst = c.name == "moveugc.Client" and "ugc" or c.name:match("[%w_]+$"):lower()
      push(bound, { title = inst .. " (" .. c.name .. ")", prefix = inst .. ":", class = c, loc = loc, f = f })
    end
  end
  table.sort(bound, function(a, b) return a.class.name < b.class.name end)
  local function methods(client)
    for _, b in ipairs(bound) do if (b.prefix == "ugc:") == client then section(b, b.f, b.loc, true) end end
  end
  methods(true)
  for _, r in ipairs(init.resources) do
    local f = m.files[r.mod]
    section({ title = "ugc." .. r.field, prefix = "ugc." .. r.field .. ".", key = r.field,
      meta = "moveugc." .. camel(r.mod) }, f, f and f.table, false, true)
  end
  methods(false)
  local command = m.files.cli -- the command as a module: require("moveugc.cli")
  if command then section({ title = "moveugc.cli", prefix = "cli." }, command, command.table, false) end
  section({ title = "Shared types" })
  m.sections_by_key = {}
  for _, s in ipairs(m.sections) do if s.key then m.sections_by_key[s.key] = s end end
  for _, f in ipairs(m.order) do
    for _, c in ipairs(f.classes) do
      if #c.fields > 0 or c.kind == "alias" then push((owner[f.mod] or m.sections[#m.sections]).types, c) end
    end
  end
  return m
end

-- ==== problems ===========================================================

-- The failures (undocumented functions) and warnings (types declared nowhere).
local function problems(m)
  local bad, warn, seen = {}, {}, {}
  for _, s in ipairs(m.sections) do
    for _, e in ipairs(s.funcs) do
      local d, where = e.fn.doc, ("%s:%d: %s%s"):format(e.file.path, e.fn.line, s.prefix, e.fn.name)
      if not d.summary then push(bad, where .. ": no summary line (a --- comment above it)") end
      if e.fn.has_return and not d.has_return then push(bad, where .. ": no ---@return") end
      for _, p in ipairs(e.params) do
        if p ~= "..." and not d.params[p] then push(bad, where .. ": no ---@param " .. p) end
      end
    end
  end
  for _, f in ipairs(m.order) do
    for _, r in ipairs(f.refs) do
      if not m.classes[r[1]] and not seen[r[1]] then
        seen[r[1]] = push(warn, ("%s:%d: type %s is not declared (---@class)"):format(f.path, r[2], r[1]))
      end
    end
  end
  return bad, warn
end

-- ==== docs/API.md ========================================================

-- `ugc.jobs.create{...}` when the one argument is a table, else `ugc.jobs.wait(a)`
local function signature(e)
  local d = #e.params == 1 and e.fn.doc.params[e.params[1]]
  local tabular = d and (d.type:find("[{]") or d.type:find("moveugc%.") or d.type:find("table"))
  return e.s.prefix .. e.fn.name .. (tabular and "{...}" or "(" .. table.concat(e.params, ", ") .. ")")
end

-- Comment text -> markdown: lines indented two spaces or more are Lua code.
local function prose(lines, out)
  local code = false
  for _, l in ipairs(lines) do
    local was = code
    code = l:find("^  ") ~= nil
    if code ~= was then push(out, code and "```lua" or "```") end
    push(out, code and l:sub(3) or l)
  end
  push(out, code and "```" or nil, "")
end

local function api_md(m)
  local out, anchor, used = {}, {}, {}
  local function slug(key, heading) -- GitHub's heading anchors
    local s = heading:lower():gsub("[^%w%- _]", ""):gsub(" ", "-")
    anchor[key], used[s] = used[s] and (s .. "-" .. used[s]) or s, (used[s] or 0) + 1
  end
  local function link(key, text) return ("[%s](#%s)"):format(text or key, anchor[key]) end
  local function see(ty)
    local l, seen = {}, {}
    for name in ty:gmatch(TYPE) do seen[name] = seen[name] or anchor[name] and push(l, link(name)) end
    return #l > 0 and " (see " .. table.concat(l, ", ") .. ")" or ""
  end
  local function fields(c, title)
    push(out, title, title and "", "| field | type | description |", "|---|---|---|")
    for _, fl in ipairs(c.fields) do
      push(out, ("| `%s` | `%s` | %s |"):format(fl.name, fl.type:gsub("|", "\\|"), (fl.desc:gsub("|", "\\|"))))
    end
    push(out, "")
  end
  for _, s in ipairs(m.sections) do
    slug(s, s.title)
    for _, e in ipairs(s.funcs) do e.head = "`" .. signature(e) .. "`"; slug(e.fn, e.head) end
    for _, c in ipairs(s.types) do slug(c.name, "`" .. c.name .. "`") end
  end
  push(out, "# moveugc API reference", "",
    "Generated by `scripts/apidoc.lua` from the annotations in `binding/moveugc/*.lua`; do not edit.",
    "Change the annotations, then run `lua5.4 scripts/apidoc.lua`. Runtime failures return `nil, err`;",
    "caller mistakes raise. `ugc.<resource>.<fn>(a)` may also be called as `ugc.<resource>:<fn>(a)`.",
    "Every `ugc.<resource>.<fn>` and `ugc.graphql` also take a table of options after their arguments",
    "(see `moveugc.CallOptions`): `ugc.jobs.retrieve(id, { timeout = 5, response = true })`.", "")
  for _, s in ipairs(m.sections) do
    local items = {}
    for _, e in ipairs(s.funcs) do push(items, link(e.fn, e.fn.name)) end
    for _, c in ipairs(s.types) do push(items, link(c.name)) end
    push(out, ("- %s: %s"):format(link(s, s.title), table.concat(items, ", ")))
  end
  push(out, "")
  for _, s in ipairs(m.sections) do
    push(out, "## " .. s.title, "")
    if s.file and s.file.summary and s.prefix ~= "ugc:" then prose(s.file.summary.text, out) end
    if s.class and #s.class.desc.text > 0 then prose(s.class.desc.text, out) end
    for _, e in ipairs(s.funcs) do
      local d, t = e.fn.doc, e.fn.target
      push(out, "### " .. e.head, "")
      if t then push(out, "Another name for " .. link(t, s.prefix .. t.name) .. ".", "") end
      prose(#d.text > 0 and d.text or { "*Undocumented.*" }, out)
      for _, p in ipairs(e.params) do
        local pd = d.params[p] or { type = "any", desc = "" }
        push(out, ("- `%s`: `%s`%s%s"):format(p, pd.type, pd.desc ~= "" and " " .. pd.desc or "", see(pd.type)))
      end
      for _, r in ipairs(d.returns) do
        push(out, ("- returns `%s`%s%s%s"):format(r.type, r.name and " " .. r.name or "",
          r.desc ~= "" and ": " .. r.desc or "", see(r.type)))
      end
      if #e.params + #d.returns > 0 then push(out, "") end
      for _, p in ipairs(e.params) do -- the argument table's fields, inline
        for name in (d.params[p] or { type = "" }).type:gmatch(TYPE) do
          local c = m.classes[name]
          if c and name:find("Args$") and #c.fields > 0 then fields(c, ("Fields of `%s`:"):format(name)) end
        end
      end
    end
    if s == m.sections[1] and #m.deprecated > 0 then -- the module's old names
      push(out, "### Deprecated names", "")
      for _, d in ipairs(m.deprecated) do
        push(out, ("- `moveugc.%s`: deprecated, another name for %s (%s). %s"):format(d.key,
          link(d.now and m.sections_by_key[d.now] or d, "moveugc." .. tostring(d.now)), d.doc.deprecated,
          table.concat(d.doc.text, " ")))
      end
      push(out, "")
    end
    for _, c in ipairs(s.types) do
      push(out, "### `" .. c.name .. "`", "")
      if #c.desc.text > 0 then prose(c.desc.text, out) end
      if c.kind == "alias" then push(push(out, "```lua", table.unpack(c.raw)), "```", "") else fields(c) end
    end
  end
  while out[#out] == "" do out[#out] = nil end
  return table.concat(out, "\n") .. "\n"
end

-- ==== library/moveugc.lua (LuaLS) ========================================

-- A function's LuaLS type; a resource's (call) also takes the call options
-- and may return the response.
local function fun_type(e, call)
  local ps, rs = {}, {}
  for _, p in ipairs(e.params) do
    push(ps, p == "..." and p or p .. ": " .. (e.fn.doc.params[p] or { type = "any" }).type)
  end
  for _, r in ipairs(e.fn.doc.returns) do push(rs, r.type) end
  if call then
    push(ps, "options: moveugc.CallOptions?")
    if #rs == 2 then push(rs, "moveugc.Response?") end
  end
  return "fun(" .. table.concat(ps, ", ") .. ")" .. (#rs > 0 and ": " .. table.concat(rs, ", ") or "")
end

local function meta_lua(m)
  local out = { "---@meta moveugc", "-- Generated by scripts/apidoc.lua from binding/moveugc/*.lua; do not edit.",
    "-- Editors: .luarc.json puts this folder in workspace.library.", "" }
  local function declare(e, owner) -- a function with its comment block, for hover docs
    for _, l in ipairs(e.fn.doc.raw) do push(out, (l:gsub("^%-%-%f[^-]", "---"))) end
    push(out, ("function %s%s%s(%s) end"):format(owner, e.fn.method and ":" or ".", e.fn.name,
      table.concat(e.params, ", ")), "")
  end
  local by_class, client_fields, module_fields = {}, {}, {}
  for _, s in ipairs(m.sections) do if s.class then by_class[s.class.name] = s end end
  for _, f in ipairs(m.order) do
    for _, c in ipairs(f.classes) do
      local s = by_class[c.name]
      if c.name ~= "moveugc.Client" then -- copied; with its methods when it has some (moveugc.Task)
        push(push(out, table.unpack(c.raw)), s and ("local %s = {}"):format(s.loc), "")
        for _, e in ipairs(s and s.funcs or {}) do declare(e, s.loc) end
      end
    end
  end
  for _, s in ipairs(m.sections) do
    if s.key then -- a resource or a sub-module: a table of functions
      push(out, "---@class " .. s.meta)
      for _, e in ipairs(s.funcs) do
        push(out, ("---@field %s %s %s"):format(e.fn.name, fun_type(e, s.prefix:find("^ugc%.") ~= nil), e.fn.doc.brief))
      end
      push(out, "")
      push(s.prefix:find("^ugc") and client_fields or module_fields,
        ("---@field %s %s %s"):format(s.key, s.meta, s.file and s.file.summary and s.file.summary.brief or ""))
    end
  end
  push(push(out, "---@class moveugc.Client", table.unpack(client_fields)), "local Client = {}", "")
  for _, e in ipairs(by_class["moveugc.Client"] and by_class["moveugc.Client"].funcs or {}) do declare(e, "Client") end
  push(out, "---@class moveugc", table.unpack(module_fields)) -- the module
  for _, k in ipairs(m.init.consts) do
    local v = load("return " .. k.value)()
    if k.tbl == m.init.table then push(out, ("---@field %s %s %s"):format(k.name, math.type(v) or type(v), k.value)) end
  end
  push(out, "local moveugc = {}", "")
  for _, d in ipairs(m.deprecated) do -- old names: LuaLS strikes them through
    push(out, "---@deprecated " .. d.doc.deprecated, ("moveugc.%s = moveugc.%s"):format(d.key, d.now), "")
  end
  for _, e in ipairs(m.sections[1].funcs) do declare(e, "moveugc") end
  return table.concat(push(out, "return moveugc"), "\n") .. "\n"
end

-- ==== main ===============================================================

local check, model = arg and arg[1] == "--check", build()
local bad, warnings = problems(model)
for _, w in ipairs(warnings) do io.stderr:write("warning: ", w, "\n") end
for _, o in ipairs({ { path = API_MD, text = api_md(model) }, { path = META, text = meta_lua(model) } }) do
  local disk = read(o.path)
  if check and disk ~= o.text then
    push(bad, o.path .. (disk and " is out of date" or " is missing") .. ": run lua5.4 scripts/apidoc.lua")
  elseif disk ~= o.text then
    os.execute('mkdir -p "' .. ROOT .. "/" .. o.path:match("^(.*)/") .. '"')
    assert(assert(io.open(ROOT .. "/" .. o.path, "wb")):write(o.text)):close()
    print("wrote " .. o.path)
  end
end
for _, p in ipairs(bad) do print(p) end
if #bad > 0 then
  print(("%d problem(s)%s"):format(#bad, check and "" or "; the files were written all the same"))
  os.exit(1)
end
if check then print("docs are up to date; every public function is documented") end
