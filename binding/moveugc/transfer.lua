--- Streaming transfers to and from presigned URLs, around the C engine's
-- exchanges (moveugc.core session:upload/download): ETag checks, resuming,
-- `.part` files, fresh URLs when one has expired; S3's error kinds and
-- when to try again are moveugc.policy's, as for GraphQL calls.
local core = require "moveugc.core"
local errors = require "moveugc.errors"
local policy = require "moveugc.policy"

local transfer = {}

-- A presigned URL is a credential: only its scheme, host and path may show.
function transfer.redact(url)
  return (tostring(url):gsub("%?.*$", "?<redacted>"))
end

-- One exchange's outcome (the seam: binding/lresult.c) as nil or an error.
local function failure(op, status, meta)
  if status == nil then
    local f = meta
    if f.kind == "cancelled" then
      return errors.new{ kind = "cancelled", operation = op, message = "the transfer was stopped" }
    end
    return errors.new{ kind = policy.failure_kind(f), operation = op, message = f.message,
      status = f.status, request_id = f.request_id, retryable = policy.failure_retryable(f, false) }
  end
  if status < 200 or status >= 300 then
    local body = meta.error_body or ""
    local code, message = body:match("<Code>(.-)</Code>"), body:match("<Message>(.-)</Message>")
    local kind = policy.s3_kind(status, code, message)
    return errors.new{
      kind = kind, operation = op, status = status, error_type = code, request_id = meta.request_id,
      message = (message or ("HTTP " .. status)) .. (code and (" (" .. code .. ")") or ""),
      retry_after = meta.retry_after, retryable = policy.retryable(kind, false),
    }
  end
  return nil
end

-- An ETag is the MD5 of a single-part object; multipart ETags ("...-N") are not.
local function etag_mismatch(r)
  local etag = r.etag and r.etag:lower()
  return etag and etag:match("^%x+$") and #etag == 32 and etag ~= r.md5
end

--- A function that asks getFile for a fresh URL of file id (nil without an
-- id): returns the URL, or nil, err (kind protocol when there is none).
function transfer.refresher(c, id)
  if type(id) ~= "string" then return nil end
  return function()
    local f, err = c:_call("GetFile", { fileId = id })
    if not f then return nil, err end
    if type(f.presigned_url) ~= "string" then
      return nil, errors.new{ kind = "protocol", operation = "GetFile",
        message = "getFile returned no presigned URL for " .. id }
    end
    return f.presigned_url
  end
end

-- Only http and https are followed: a presigned URL is the server's word,
-- and file:// (or any other scheme) would read or write local files.
local function scheme_error(op, url)
  if type(url) ~= "string" then
    return errors.new{ kind = "protocol", operation = op, message = "the presigned URL is missing" }
  end
  local scheme = url:match("^(%a[%w+.-]*):")
  local lower = scheme and scheme:lower()
  if lower == "http" or lower == "https" then
    if url:find("[%z\1-\32\127]") then
      return errors.new{ kind = "protocol", operation = op,
        message = "the presigned URL contains a space or control character" }
    end
    return nil
  end
  return errors.new{ kind = "protocol", operation = op,
    message = ("the presigned URL's scheme is %s: only http and https are followed"):format(
      scheme and ("'" .. scheme .. "'") or "missing") }
end
transfer.scheme_error = scheme_error

local function file_size(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local n = f:seek("end")
  f:close()
  return n
end
transfer.file_size = file_size

-- PUTs a file; retries transient failures (a PUT of the same bytes is
-- idempotent). `refresh()` may return a new URL when this one has expired.
local function upload(c, op, url, path, on_progress, refresh)
  local attempts, expired = 0, nil
  while true do
    attempts = attempts + 1
    local bad = scheme_error(op, url)
    if bad then return nil, bad end
    local status, r = c:_transfer("upload", url, path, on_progress)
    local err = failure(op, status, r)
    if not err then
      if r.total and r.bytes < r.total then
        -- a 2xx before the body went out (an answer to "Expect: 100-continue"
        -- from a proxy or a store that did not wait for it): nothing says the
        -- bytes were stored, and sending them again would meet the same answer
        return nil, errors.new{ kind = "protocol", operation = op, status = status,
          message = ("the server answered %d after %d of the file's %d bytes: the upload is not complete")
            :format(status, r.bytes, r.total) }
      end
      if etag_mismatch(r) then
        return nil, errors.new{ kind = "integrity", operation = op, status = status,
          message = ("the server's ETag %s is not the MD5 of the bytes sent (%s)"):format(r.etag, r.md5) }
      end
      r.status, r.attempts = status, attempts
      return true, r
    end
    err.attempts = attempts
    if err.kind == "expired" and refresh and not expired then
      expired = err
      local fresh, rerr = refresh()
      if not fresh then return nil, rerr end
      url = fresh
    elseif expired and err.kind == "auth" then
      -- the fresh URL is refused too: most likely the file has its bytes
      -- already, and getFile gave a download URL. The expiry is the news.
      expired.message = expired.message .. "; the fresh URL from getFile was refused too (" .. err.message ..
        "): the file may already be uploaded"
      return nil, expired
    else
      local wait = policy.next_wait(c, err, attempts)
      if not wait then return nil, err end
      c:_sleep(wait)
    end
  end
end

-- A local file problem in a download (kind "file"), its .part removed.
local function file_error(op, part, message, attempts)
  os.remove(part)
  return errors.new{ kind = "file", operation = op, attempts = attempts, message = message }
end

-- GETs url into path through path..".part", resuming what a previous try
-- left, and renames into place only when length and ETag check out. A
-- cancel or a local file problem (a full disk, the folder removed) leaves no
-- .part; a cut connection keeps it, to resume.
local function download(c, op, url, path, on_progress, refresh)
  local part = path .. ".part"
  local attempts, refreshed, restarted = 0, false, false
  while true do
    attempts = attempts + 1
    local bad = scheme_error(op, url)
    if bad then return nil, bad end
    local status, r = c:_transfer("download", url, part, on_progress)
    local err = failure(op, status, r)
    if err and err.kind == "file" and r.reached then
      -- the .part was opened (never through a link) and written to: ours to
      -- remove. One that could not be opened (a link, a FIFO) stays as it is.
      os.remove(part)
      err.attempts = attempts
      return nil, err
    elseif err and status == 416 and not restarted then
      restarted = true -- the part is stale (bigger than the object): start over
      os.remove(part)
    elseif err then
      err.attempts = attempts
      if err.kind == "expired" and refresh and not refreshed then
        refreshed = true
        local fresh, rerr = refresh()
        if not fresh then return nil, rerr end
        url = fresh
      else
        local wait = policy.next_wait(c, err, attempts)
        if not wait then
          if err.kind == "cancelled" then os.remove(part) end
          return nil, err
        end
        c:_sleep(wait)
      end
    else
      local size = file_size(part)
      if size == nil then -- the .part is gone: it, or its folder, was removed while being written
        return nil, file_error(op, part, ("%s disappeared while it was being written"):format(part), attempts)
      elseif r.total and size ~= r.total then
        if attempts > c._max_retries then
          return nil, errors.new{ kind = "network", operation = op, attempts = attempts, retryable = true,
            message = ("got %d of %d bytes; call again to resume"):format(size or 0, r.total) }
        end
      elseif etag_mismatch(r) then
        os.remove(part)
        return nil, errors.new{ kind = "integrity", operation = op, status = status,
          message = ("the downloaded bytes have MD5 %s, the server's ETag is %s"):format(r.md5, r.etag) }
      else
        local ok, rerr = os.rename(part, path)
        if not ok then return nil, file_error(op, part, tostring(rerr), attempts) end
        r.status, r.attempts = status, attempts
        return path, r
      end
    end
  end
end

-- A transfer, told to the log hook and a call's response table when there
-- are any (see Client:_exchange): its status, bytes, attempts and wall time,
-- and the URL without its query (the signature).
local function told(kind, run)
  return function(c, op, url, path, on_progress, refresh)
    if not (c._log or c._response) then return run(c, op, url, path, on_progress, refresh) end
    local t0 = core.now()
    local done, r = run(c, op, url, path, on_progress, refresh)
    local meta, err = done and r or nil, not done and r or nil
    c:_exchange(kind, op, r.status, meta, err, r.attempts or 1, (core.now() - t0) * 1000, transfer.redact(url))
    return done, r
  end
end

--- Uploads path to url (see upload above): true, meta or nil, err.
transfer.upload = told("upload", upload)
--- Downloads url to path (see download above): path, meta or nil, err.
transfer.download = told("download", download)

--- Checks a download destination: raises for a directory, or for an existing
-- file unless overwrite.
function transfer.check_destination(fname, path, overwrite)
  local function bad(problem) error(("%s: bad argument 'path' (%s)"):format(fname, problem), 0) end
  if path:find("%z") then bad("contains a NUL byte") end
  if path:find("/$") or path == "" then bad("a file name expected, got a folder") end
  local kind, why = core.path_kind(path) -- stat, never open: a FIFO would block
  if kind == false then bad(("%s: %s"):format(path, why)) end
  if kind == "directory" then bad(path .. " is a directory") end
  if kind == "other" then bad(path .. " exists and is not a regular file") end
  if kind == "file" and not overwrite then
    bad(path .. " exists; pass overwrite = true to replace it")
  end
  local dir = path:match("^(.*)/[^/]*$")
  if dir and dir ~= "" and core.path_kind(dir) ~= "directory" then
    bad(("folder %s does not exist"):format(dir))
  end
end

return transfer
