--- The shape every resource shares. `resource.define` builds retrieve,
-- retrieve_many, update, list and each from a resource's operations, so
-- that each resource file states only what is its own (its creates, its
-- waits, its transfers) and every resource lists, pages and fails alike.
local args = require "moveugc.args"
local core = require "moveugc.core"
local documents = require "moveugc.documents"
local errors = require "moveugc.errors"
local pages = require "moveugc.pages"

local M = {}

local RETRIEVE_ARGS = { id = true, expand = true }
local MANY_ARGS = { ids = true, expand = true }
local UPDATE_ARGS = { id = true, name = true, metadata = true, expand = true }
local NO_ARGS = {}

-- The name of an operation's first variable: the id of a get (`jobId`).
local function id_var(op_name)
  local op = assert(documents.operations[op_name], op_name)
  return (op.vars[1]:match("^(%w+):"))
end

local function retrieve(fname, op_name, expand)
  local var = id_var(op_name)
  return function(c, a)
    a = args.named(fname, a, "id")
    args.known(fname, a, RETRIEVE_ARGS)
    local id = args.string(fname, a, "id", true)
    return c:_call(op_name, { [var] = id }, args.expand(fname, a, expand))
  end
end

-- Errors of a batch carry their alias (r<i>) in their path: name the ids.
local function name_missing(err, ids)
  if not err.errors then return end
  local missing = {}
  for _, e in ipairs(err.errors) do
    local alias = type(e.path) == "table" and e.path[1]
    local i = type(alias) == "string" and tonumber(alias:match("^r(%d+)$"))
    if i and ids[i] then missing[#missing + 1] = ids[i] end
  end
  if #missing > 0 then
    err.ids = missing
    err.message = err.message .. " (" .. table.concat(missing, ", ") .. ")"
  end
end

local function retrieve_many(fname, op_name, expand, what)
  return function(c, a)
    a = args.named(fname, a)
    args.known(fname, a, MANY_ARGS)
    local ids = args.table(fname, a, "ids", true)
    local n = #ids
    if n ~= args.count(ids) then args.fail(fname, "ids", "must be a list") end
    local vars = {}
    for i = 1, n do
      if type(ids[i]) ~= "string" or ids[i] == "" then
        args.fail(fname, "ids", ("item %d must be a non-empty string"):format(i))
      end
      vars["id" .. i] = ids[i]
    end
    local ex = args.expand(fname, a, expand)
    local out = core.array({})
    if n == 0 then return out end
    local _, prefix = documents.batch(op_name, n, ex)
    local batch = op_name .. "Batch"
    local data, err = c:_send(batch, prefix, vars, false, true, true)
    if not data then
      name_missing(err, ids)
      return nil, err
    end
    for i = 1, n do
      local item = data["r" .. i]
      if type(item) ~= "table" then
        return nil, errors.new{ kind = "protocol", operation = batch,
          message = ("the response has no %s for %s"):format(what, ids[i]) }
      end
      out[i] = item
    end
    return out
  end
end

local function update(fname, op_name, expand)
  return function(c, a)
    a = args.named(fname, a)
    args.known(fname, a, UPDATE_ARGS)
    local vars = {
      id = args.string(fname, a, "id", true),
      name = args.string(fname, a, "name"),
      metadata = args.metadata(fname, a),
    }
    if vars.name == nil and vars.metadata == nil then
      error(fname .. ": nothing to update (pass name and/or metadata)", 0)
    end
    return c:_call(op_name, vars, args.expand(fname, a, expand))
  end
end

-- A list's variables: the page (limit, next_token, sort_by) and the
-- resource's filters (argument name -> GraphQL variable). A catalogue (an
-- operation without variables) takes no arguments and comes in one page.
local function list_vars(op_name, filters)
  local op = documents.operations[op_name]
  if not op.vars then
    return function(fname, a)
      args.known(fname, args.named(fname, a), NO_ARGS)
      return {}
    end
  end
  local allowed = { limit = true, next_token = true, sort_by = true, expand = true }
  for name in pairs(filters or NO_ARGS) do allowed[name] = true end
  return function(fname, a, c)
    a = args.named(fname, a)
    args.known(fname, a, allowed)
    local vars = pages.vars(c, fname, a)
    for name, var in pairs(filters or NO_ARGS) do vars[var] = args.string(fname, a, name) end
    return vars, a
  end
end

-- list and each: how is pages.fetch (one page) or pages.iterate (every item).
local function listing(how, fname, op_name, expand, filters)
  local vars_of = list_vars(op_name, filters)
  return function(c, a)
    local vars, named = vars_of(fname, a, c)
    return how(c, op_name, vars, named and args.expand(fname, named, expand))
  end
end

-- spec: name (the resource's name in calls and errors, "jobs"); what (one
-- item, in messages: "job"); expand (the members its operations allow); get
-- (the operation reading one by id, "GetJob": retrieve and retrieve_many);
-- update ("UpdateJob"); list ("ListJobs": list and each; a catalogue when
-- the operation takes no variables); filters (list arguments beyond the
-- page's, to their variables: {take_id = "takeId"}).
-- The functions a resource shares with the others, each `fn(client, a)`,
-- for the resource file to name and document.
function M.define(spec)
  local name, expand, r = spec.name, spec.expand or NO_ARGS, {}
  if spec.get then
    r.retrieve = retrieve(name .. ".retrieve", spec.get, expand)
    r.retrieve_many = retrieve_many(name .. ".retrieve_many", spec.get, expand, spec.what or "item")
  end
  if spec.update then r.update = update(name .. ".update", spec.update, expand) end
  if spec.list then
    r.list = listing(pages.fetch, name .. ".list", spec.list, expand, spec.filters)
    r.each = listing(pages.iterate, name .. ".each", spec.list, expand, spec.filters)
  end
  return r
end

--- One retrieve under a name of its own (an alias that names itself in errors).
---@param fname string
---@param op_name string
---@param expand table<string, true>?
M.retrieve = function(fname, op_name, expand) return retrieve(fname, op_name, expand or NO_ARGS) end

return M
