--- GraphQL documents, composed from one field selection per type.
-- Every document the SDK sends is built here, once per operation and expand
-- set, and then served from a cache. No schema download, ever.
local M = {}

local FILE = "id type name created metadata presignedUrl thumbnailUrl"
local CLIENT = "id name created metadata portal"
local PROGRESS = "progress { state percentageComplete }"
local WINDOW = "{ startTime endTime }"
local TAKE = "id name created metadata takeType syncMethod { clapWindow " .. WINDOW ..
  " timecodeSync { useTimecode } }"
local JOB = "id name created metadata state " .. PROGRESS
local VOLUME = "id name created metadata areaType humanHeight state " .. PROGRESS ..
  " clipWindow " .. WINDOW
local SOURCES = "sources { deviceLabel format cameraSettings { lens } file { " .. FILE .. " } }"
local OUTPUTS = "outputs { key format file { " .. FILE .. " } }"
local EXPAND_CLIENT = "client { " .. CLIENT .. " }"

--- Each type: its base selection and the selections its expand members add.
M.types = {
  client = { base = CLIENT, expand = {} },
  file = { base = FILE, expand = { client = EXPAND_CLIENT } },
  job = {
    base = JOB,
    expand = {
      take = "take { " .. TAKE .. " }",
      outputs = OUTPUTS,
      client = EXPAND_CLIENT,
      rig = "rig { name }",
      inputs = "inputs { clipWindow " .. WINDOW .. " numberOfActors options { floorPlane" ..
        " mocapModel trackBall trackFingers trackJerseyNumbers } }",
    },
  },
  take = {
    base = TAKE,
    expand = {
      client = EXPAND_CLIENT,
      sources = SOURCES,
      volume = "volume { ... on HumanVolume { " .. VOLUME .. " } }",
    },
  },
  volume = { base = VOLUME, expand = { client = EXPAND_CLIENT, sources = SOURCES, outputs = OUTPUTS } },
  share_code = { base = "code url created expires file { id }", expand = {} },
  webhook = { base = "uid url description events metadata secret", expand = {} },
  rig = { base = "name", expand = {} },
  camera_settings = { base = "lens", expand = {} },
}

--- Operations: kind, root field (answered under its snake_case alias, `root`), variable
-- declarations, arguments, result type.
-- `page` wraps the selection in the connection's `after first items`;
-- `union` wraps it in an inline fragment.
M.operations = {
  GetClient = { kind = "query", field = "client", type = "client" },
  UpdateClient = { kind = "mutation", field = "updateClient", type = "client",
    vars = { "metadata: AWSJSON!" } },
  GetFile = { kind = "query", field = "getFile", type = "file", vars = { "fileId: ID!" } },
  CreateFile = { kind = "mutation", field = "createFile", type = "file",
    vars = { "type: String!", "name: String", "metadata: AWSJSON" } },
  UpdateFile = { kind = "mutation", field = "updateFile", type = "file",
    vars = { "id: String!", "name: String", "metadata: AWSJSON" } },
  GenerateShareCode = { kind = "mutation", field = "generateShareCode", type = "share_code",
    vars = { "fileId: String!" } },
  GetTake = { kind = "query", field = "getTake", type = "take", vars = { "takeId: ID!" } },
  ListTakes = { kind = "query", field = "listTakes", type = "take", page = true,
    vars = { "first: Int", "after: AWSJSON", "sortDirection: SortDirection" } },
  CreateSingleCamTake = { kind = "mutation", field = "createSingleCamTake", type = "take",
    vars = { "sources: [SourceInput!]", "name: String", "metadata: AWSJSON" } },
  CreateMultiCamTake = { kind = "mutation", field = "createMultiCamTake", type = "take",
    vars = { "sources: [SourceInput!]", "volumeId: String!", "syncMethod: SyncMethodInput",
      "name: String", "metadata: AWSJSON" } },
  UpdateTake = { kind = "mutation", field = "updateTake", type = "take",
    vars = { "id: String!", "name: String", "metadata: AWSJSON" } },
  GetJob = { kind = "query", field = "getJob", type = "job", vars = { "jobId: ID!" } },
  ListJobs = { kind = "query", field = "listJobs", type = "job", page = true,
    vars = { "first: Int", "after: AWSJSON", "sortDirection: SortDirection", "takeId: String" } },
  CreateSingleCamJob = { kind = "mutation", field = "createSingleCamJob", type = "job",
    vars = { "takeId: String!", "name: String", "metadata: AWSJSON", "options: OptionsInput",
      "clipWindow: ClipWindowInput", "outputs: [OutputType]" } },
  CreateMultiCamJob = { kind = "mutation", field = "createMultiCamJob", type = "job",
    vars = { "takeId: String!", "numberOfActors: Int", "rig: String", "name: String",
      "metadata: AWSJSON", "options: OptionsInput", "clipWindow: ClipWindowInput",
      "outputs: [OutputType]" } },
  UpdateJob = { kind = "mutation", field = "updateJob", type = "job",
    vars = { "id: String!", "name: String", "metadata: AWSJSON" } },
  GetVolume = { kind = "query", field = "getVolume", type = "volume", union = "HumanVolume",
    vars = { "id: ID!" } },
  ListVolumes = { kind = "query", field = "listVolumes", type = "volume", page = true,
    union = "HumanVolume",
    vars = { "first: Int", "after: AWSJSON", "sortDirection: SortDirection" } },
  CreateVolumeWithHuman = { kind = "mutation", field = "createVolumeWithHuman", type = "volume",
    vars = { "sources: [SourceInput!]", "humanHeight: Float!", "areaType: AreaType!",
      "syncMethod: SyncMethodInput", "clipWindow: ClipWindowInput", "name: String",
      "metadata: AWSJSON" } },
  ListRigs = { kind = "query", field = "listRigs", type = "rig", page = true },
  ListCameraSettings = { kind = "query", field = "listCameraSettings", type = "camera_settings",
    page = true },
  UpsertWebhookEndpoint = { kind = "mutation", field = "upsertWebhookEndpoint", type = "webhook",
    vars = { "uid: String!", "url: String!", "events: [String!]", "description: String",
      "secret: String", "metadata: AWSJSON" } },
}

local function snake(name)
  return (name:gsub("%u", function(c) return "_" .. c:lower() end))
end

-- Every camelCase field is selected under a snake_case alias
-- (`presigned_url: presignedUrl`): the server answers in the SDK's own key
-- names, so decoding renames nothing. Type names (`... on HumanVolume`)
-- start with a capital and are left alone.
local function snake_aliases(sel)
  return (sel:gsub("%f[%w_](%l[%w_]-%u[%w_]*)", function(name) return snake(name) .. ": " .. name end))
end
M._snake_aliases = snake_aliases

-- The root field too: `get_job: getJob(...)` answers as data.get_job. Lists
-- (pages) ask for a compressed answer: large ones are worth inflating, a
-- single object is not.
for _, op in pairs(M.operations) do
  op.root = snake(op.field)
  op.mutation = op.kind == "mutation"
  op.compressed = op.page or false
end

--- The selection for a type with the given (sorted, checked) expand members.
function M.selection(type_name, expand)
  local t = M.types[type_name]
  local parts = { t.base }
  for _, name in ipairs(expand or {}) do parts[#parts + 1] = t.expand[name] end
  return snake_aliases(table.concat(parts, " "))
end

local function declare(op)
  if not op.vars or #op.vars == 0 then return "", "" end
  local decl, args = {}, {}
  for i, v in ipairs(op.vars) do
    local name = v:match("^(%w+):")
    decl[i] = "$" .. v
    args[i] = name .. ": $" .. name
  end
  return "(" .. table.concat(decl, ", ") .. ")", "(" .. table.concat(args, ", ") .. ")"
end

local function body(op, sel)
  if op.union then sel = "... on " .. op.union .. " { " .. sel .. " }" end
  if op.page then sel = "after first items { " .. sel .. " }" end
  return sel
end

local core = require "moveugc.core"

-- Documents by their content key, and by the expand list itself: the lists
-- moveugc.args hands out are the same table for the same members, so a call
-- finds its document without building a key (a caller's own list works
-- too, through the key; weak, it goes when the caller's table does).
local by_key = {}
local by_list = {}
local NONE = {}

local function lookup(name, expand)
  local lists = by_list[name]
  if not lists then
    lists = setmetatable({}, { __mode = "k" })
    by_list[name] = lists
  end
  local entry = lists[expand or NONE]
  if entry then return entry end
  local key = name
  if expand and #expand > 0 then key = name .. "|" .. table.concat(expand, ",") end
  entry = by_key[key]
  if not entry then
    local op = assert(M.operations[name], name)
    local decl, args = declare(op)
    local doc = ("%s %s%s { %s: %s%s { %s } }"):format(op.kind, name, decl, op.root, op.field, args,
      body(op, M.selection(op.type, expand)))
    -- the request body's start, escaped once: {"query":"...","operationName":"GetJob"
    entry = { doc = doc, prefix = M.prefix(doc, name) }
    by_key[key] = entry
  end
  lists[expand or NONE] = entry
  return entry
end

--- The document for an operation and expand list, built once and cached.
function M.get(name, expand) return lookup(name, expand).doc end

--- The request body's start for a document and its operation name: the
-- session appends the variables and the closing brace.
---@param doc string
---@param op_name string?
function M.prefix(doc, op_name)
  local p = '{"query":' .. core.json_encode(doc)
  if op_name then p = p .. ',"operationName":' .. core.json_encode(op_name) end
  return p
end

--- The body prefix of an operation with its expand list, cached like the document.
function M.body_prefix(name, expand) return lookup(name, expand).prefix end

--- A query reading n objects in one request through aliases r1..rn:
-- `query GetJobBatch($id1: ID!, ...) { r1: getJob(jobId: $id1) { ... } ... }`.
function M.batch(name, n, expand)
  local key = ("%s*%d|%s"):format(name, n, table.concat(expand or {}, ","))
  local entry = by_key[key]
  if entry then return entry.doc, entry.prefix end
  local op = assert(M.operations[name], name)
  local arg_name, arg_type = op.vars[1]:match("^(%w+): (.+)$")
  local sel = body(op, M.selection(op.type, expand))
  local decl, fields = {}, {}
  for i = 1, n do
    decl[i] = ("$id%d: %s"):format(i, arg_type)
    fields[i] = ("r%d: %s(%s: $id%d) { %s }"):format(i, op.field, arg_name, i, sel)
  end
  local doc = ("query %sBatch(%s) { %s }"):format(name, table.concat(decl, ", "), table.concat(fields, " "))
  entry = { doc = doc, prefix = M.prefix(doc, name .. "Batch") }
  by_key[key] = entry
  return doc, entry.prefix
end

return M
