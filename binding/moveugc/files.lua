--- ugc.files: files, their presigned URLs, and streaming transfers.
local args = require "moveugc.args"
local core = require "moveugc.core"
local errors = require "moveugc.errors"
local resource = require "moveugc.resource"
local tasks = require "moveugc.tasks"
local transfer = require "moveugc.transfer"

local files = {}

local EXPAND = { client = true }
local shape = resource.define{ name = "files", what = "file", expand = EXPAND, get = "GetFile",
  update = "UpdateFile" }

---@class moveugc.File
---@field id string "file-<uuid>"
---@field type string the extension, e.g. "mp4"
---@field name string?
---@field created string AWSDateTime
---@field metadata table?
---@field presigned_url string? upload URL when created, download URL afterwards
---@field thumbnail_url string?
---@field client moveugc.ClientInfo? when expanded

---@class moveugc.FileCreateArgs
---@field file_type string the extension of the file to upload, e.g. "mp4", "mov", "move"
---@field name string?
---@field metadata table?
---@field expand string[]? "client"

local CREATE_ARGS = { file_type = true, name = true, metadata = true, expand = true }

--- Creates a file; its presigned_url is where to upload the bytes.
---@param a moveugc.FileCreateArgs
---@return moveugc.File? file, moveugc.Error? err
function files.create(c, a)
  local fname = "files.create"
  a = args.named(fname, a)
  args.known(fname, a, CREATE_ARGS)
  local vars = {
    type = args.string(fname, a, "file_type", true),
    name = args.string(fname, a, "name"),
    metadata = args.metadata(fname, a),
  }
  return c:_call("CreateFile", vars, args.expand(fname, a, EXPAND))
end

--- Retrieves a file by id; its presigned_url is a fresh download URL.
---@param a string|moveugc.RetrieveArgs
---@return moveugc.File? file, moveugc.Error? err
files.retrieve = shape.retrieve

--- Retrieves many files in one HTTP request, in the order of ids.
---@param a moveugc.RetrieveManyArgs
---@return moveugc.File[]? files, moveugc.Error? err
files.retrieve_many = shape.retrieve_many

--- Updates a file's name and/or metadata (metadata is replaced).
---@param a moveugc.UpdateArgs
---@return moveugc.File? file, moveugc.Error? err
files.update = shape.update

---@class moveugc.ShareCode
---@field code string
---@field url string? a link that downloads the file
---@field created string?
---@field expires string?
---@field file_id string?

local SHARE_ARGS = { id = true, file_id = true }

--- Makes a share code for a file (typically a job output) for other people:
-- `generate_share_code("file-...")`, `{id = ...}`, or Python's `{file_id = ...}`.
---@param a string|{id: string?, file_id: string?}
---@return moveugc.ShareCode? share, moveugc.Error? err
function files.generate_share_code(c, a)
  local fname = "files.generate_share_code"
  a = args.named(fname, a, "id")
  args.known(fname, a, SHARE_ARGS)
  local id = args.string(fname, a, "id") or args.string(fname, a, "file_id")
  if a.id and a.file_id and a.id ~= a.file_id then
    args.fail(fname, "file_id", "names another file than 'id': pass one of them")
  end
  if id == nil or id == "" then
    if id == "" then args.fail(fname, a.id and "id" or "file_id", "must not be empty") end
    error(fname .. ": missing required argument 'id'", 0)
  end
  local share, err = c:_call("GenerateShareCode", { fileId = id })
  if not share then return nil, err end
  share.file_id = type(share.file) == "table" and share.file.id or nil
  share.file = nil
  return share
end

-- ==== transfers =========================================================

local function check_readable(fname, path)
  if path:find("%z") then args.fail(fname, "path", "contains a NUL byte") end
  -- only a regular file: opening a FIFO would block until a writer came
  local kind, why = core.path_kind(path)
  if kind == "directory" then args.fail(fname, "path", path .. " is a directory") end
  if kind == "other" then args.fail(fname, "path", path .. " is not a regular file") end
  if kind == false then args.fail(fname, "path", ("cannot read %s: %s"):format(path, why)) end
  local f, msg = io.open(path, "rb")
  if not f then args.fail(fname, "path", "cannot read " .. tostring(msg)) end
  local ok, rmsg, code = f:read(0)
  f:close()
  if ok == nil and code == 21 then args.fail(fname, "path", path .. " is a directory") end
  if ok == nil and rmsg then args.fail(fname, "path", "cannot read " .. path .. ": " .. rmsg) end
end

local refresher = transfer.refresher

---@class moveugc.UploadArgs
---@field file moveugc.File|string the table files.create returned, or a presigned URL
---@field path string the file on disk
---@field on_progress fun(sent: number, total: number): boolean?|nil every 100 ms at most as bytes move; false stops

local UPLOAD_ARGS = { file = true, path = true, on_progress = true }

--- Streams a file from disk to a file's presigned URL (constant memory), then
-- checks the status and that the returned ETag is the MD5 of what was sent.
-- Given a file table, an expired URL is replaced once by the one getFile
-- returns (an upload URL while the file has no bytes yet). Returns the file
-- it was given: the table, or the URL.
---@param a moveugc.UploadArgs
---@return (moveugc.File|string)? file, moveugc.Error? err
function files.upload(c, a)
  local fname = "files.upload"
  a = args.named(fname, a)
  args.known(fname, a, UPLOAD_ARGS)
  local path = args.string(fname, a, "path", true)
  local on_progress = args.func(fname, a, "on_progress")
  local url = a.file
  if type(url) == "table" then
    url = url.presigned_url
    if type(url) ~= "string" then
      args.fail(fname, "file", "has no presigned_url: pass the table files.create returned, or a URL")
    end
  elseif type(url) ~= "string" then
    if url == nil then error(fname .. ": missing required argument 'file'", 0) end
    args.fail(fname, "file", "file table or presigned URL expected, got " .. type(url))
  end
  check_readable(fname, path)
  -- a file table names its file: an expired URL is replaced by a fresh one
  local refresh = type(a.file) == "table" and refresher(c, a.file.id) or nil
  local ok, err = transfer.upload(c, fname, url, path, on_progress, refresh)
  if not ok then return nil, err end
  return a.file
end

---@class moveugc.UploadPathArgs
---@field path string the file on disk
---@field file_type string? default: the path's extension, lower-cased
---@field name string? default: the path's base name
---@field metadata table?
---@field on_progress fun(sent: number, total: number): boolean?|nil

local UPLOAD_PATH_ARGS = { path = true, file_type = true, name = true, metadata = true,
  on_progress = true }

--- Creates a file (its type from the path's extension unless given) and
-- uploads the path to it: one call. Nothing is created when the path is bad.
---@param a moveugc.UploadPathArgs
---@return moveugc.File? file, moveugc.Error? err
function files.upload_path(c, a)
  local fname = "files.upload_path"
  a = args.named(fname, a)
  args.known(fname, a, UPLOAD_PATH_ARGS)
  local path = args.string(fname, a, "path", true)
  local on_progress = args.func(fname, a, "on_progress")
  local file_type = args.string(fname, a, "file_type")
  local name = args.string(fname, a, "name") or path:match("([^/]+)$")
  check_readable(fname, path)
  if not file_type then
    file_type = path:match("%.(%w+)$")
    if not file_type then
      args.fail(fname, "file_type", "the path has no extension to take the type from; pass file_type")
    end
    file_type = file_type:lower()
  end
  local file, err = files.create(c, { file_type = file_type, metadata = a.metadata, name = name })
  if not file then return nil, err end
  local ok
  ok, err = transfer.upload(c, fname, file.presigned_url, path, on_progress, refresher(c, file.id))
  if not ok then
    err.file_id = file.id
    return nil, err
  end
  return file
end

---@class moveugc.UploadSummary
---@field ok boolean every upload succeeded
---@field total integer how many items
---@field succeeded integer
---@field failed integer
---@field errors table<integer, moveugc.Error> each failed item's error, by its index
---@field first_error moveugc.Error? the failure of the lowest-numbered item

local Summary = { __name = "moveugc.UploadSummary" }
Summary.__tostring = function(s)
  local text = ("%d of %d uploads succeeded"):format(s.succeeded, s.total)
  if s.first_error then
    for i = 1, s.total do
      if s.errors[i] then return ("%s; items[%d]: %s"):format(text, i, tostring(s.errors[i])) end
    end
  end
  return text
end

--- Uploads many files at once over the client's connections (at most
-- max_transfers at a time; the rest wait their turn). Items are the
-- arguments of files.upload, all checked before any upload starts. Returns
-- one result per item, in order (what files.upload returns, or the item's
-- error), and a summary: `summary.ok` is false when any failed.
---@param items moveugc.UploadArgs[]
---@return (moveugc.File|string|moveugc.Error)[] results, moveugc.UploadSummary summary
function files.upload_many(c, items)
  local fname = "files.upload_many"
  if type(items) ~= "table" then
    error(fname .. ": bad argument 'items' (list of upload arguments expected, got " .. type(items) .. ")", 0)
  end
  if #items ~= args.count(items) then args.fail(fname, "items", "must be a list") end
  for i, item in ipairs(items) do -- check everything before anything starts
    local at = ("items[%d]"):format(i)
    if type(item) ~= "table" then args.fail(fname, at, "table expected, got " .. type(item)) end
    args.known(fname .. " " .. at, item, UPLOAD_ARGS)
    args.string(fname .. " " .. at, item, "path", true)
    local file = item.file
    if file == nil then error(("%s: missing required argument '%s.file'"):format(fname, at), 0) end
    if type(file) == "table" and type(file.presigned_url) ~= "string" then
      args.fail(fname, at .. ".file", "has no presigned_url: pass the table files.create returned, or a URL")
    elseif type(file) ~= "table" and type(file) ~= "string" then
      args.fail(fname, at .. ".file", "file table or presigned URL expected, got " .. type(file))
    end
    args.func(fname .. " " .. at, item, "on_progress")
    check_readable(fname .. " " .. at, item.path)
  end
  local list = {}
  for i, item in ipairs(items) do list[i] = c:spawn(files.upload, c, item) end
  tasks.join(c, list)
  local results = core.array({})
  local summary = setmetatable({ ok = true, total = #items, succeeded = 0, failed = 0, errors = {} }, Summary)
  for i, t in ipairs(list) do
    local file, err = t:result()
    if file then
      results[i], summary.succeeded = file, summary.succeeded + 1
    else
      if not errors.is(err) then err = errors._from_raised(err, "internal") end
      results[i], summary.errors[i], summary.failed, summary.ok = err, err, summary.failed + 1, false
      summary.first_error = summary.first_error or err
    end
  end
  return results, summary
end

---@class moveugc.DownloadArgs
---@field url string? a presigned URL
---@field file moveugc.File? a file (a fresh URL is fetched if its URL has expired)
---@field output moveugc.Output? a job output (likewise)
---@field path string where to write; path..".part" while downloading
---@field overwrite boolean? replace an existing path (default false)
---@field on_progress fun(received: number, total: number?): boolean?|nil

local DOWNLOAD_ARGS = { url = true, file = true, output = true, path = true, on_progress = true,
  overwrite = true }

--- Downloads a presigned URL, a file or a job output to path, through
-- path..".part" (resumed if present); renames into place only when the
-- length and ETag check out. Refuses an existing path unless overwrite.
---@param a moveugc.DownloadArgs
---@return string? path, moveugc.Error? err
function files.download(c, a)
  local fname = "files.download"
  a = args.named(fname, a)
  args.known(fname, a, DOWNLOAD_ARGS)
  local path = args.string(fname, a, "path", true)
  local on_progress = args.func(fname, a, "on_progress")
  local overwrite = args.boolean(fname, a, "overwrite")
  local url, refresh
  if a.url ~= nil then
    url = args.string(fname, a, "url", true)
  elseif a.file ~= nil then
    local f = args.table(fname, a, "file")
    url, refresh = f.presigned_url, refresher(c, f.id)
  elseif a.output ~= nil then
    local o = args.table(fname, a, "output")
    local f = type(o.file) == "table" and o.file or {}
    url, refresh = f.presigned_url, refresher(c, f.id)
  else
    error(fname .. ": missing required argument 'url', 'file' or 'output'", 0)
  end
  if type(url) ~= "string" and not refresh then
    args.fail(fname, a.file and "file" or "output", "has neither presigned_url nor id")
  end
  transfer.check_destination(fname, path, overwrite)
  if type(url) ~= "string" then
    local err
    url, err = refresh()
    if not url then return nil, err end
  end
  local done, err = transfer.download(c, fname, url, path, on_progress, refresh)
  if not done then return nil, err end
  return done
end

return files
