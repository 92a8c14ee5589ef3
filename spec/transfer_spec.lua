-- Streaming uploads and downloads through presigned URLs, against the sandbox.
local helper = require "helper"

local function md5sum(path)
  local p = io.popen("md5sum " .. ("%q"):format(path))
  local out = p:read("*a")
  p:close()
  return out:match("^(%x+)")
end

describe("file transfers", function()
  local sb, ugc, dir

  setup(function()
    sb = helper.sandbox("--job-seconds 0.5 --url-seconds 600")
    ugc = helper.client(sb)
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)
  before_each(function()
    dir = helper.tmpname()
    os.execute("mkdir -p " .. dir)
  end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  local function sample(name, size) return helper.sample(dir, name, size) end

  describe("files.upload", function()
    it("streams a file to a file table's URL and checks the ETag", function()
      local path = sample("clip.mp4", 300000)
      local file = assert(ugc.files.create{ file_type = "mp4" })
      local calls, last = 0, 0
      assert.are.equal(file, ugc.files.upload{ file = file, path = path, on_progress = function(sent, total)
        calls = calls + 1
        assert.are.equal(300000, total)
        assert.is_true(sent >= last)
        last = sent
      end })
      assert.is_true(calls >= 1)
      assert.are.equal(300000, last)
      local back = dir .. "/back.mp4"
      assert.are.equal(back, ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = back })
      assert.are.equal(md5sum(path), md5sum(back))
    end)
    it("accepts a bare presigned URL", function()
      local file = assert(ugc.files.create{ file_type = "mov" })
      assert.are.equal(file.presigned_url, ugc.files:upload{ file = file.presigned_url, path = sample("a.mov", 10) })
    end)
    it("reports an expired bare URL with kind expired", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      helper.advance(sb, 3600)
      local ok, err = ugc.files.upload{ file = file.presigned_url, path = sample("late.mp4", 100) }
      assert.is_nil(ok)
      assert.are.equal("expired", err.kind)
      assert.are.equal(403, err.status)
      assert.is_nil(tostring(err):find("Signature=", 1, true))
    end)
    it("uploads through a fresh URL when the file table's one has expired", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      helper.advance(sb, 3600)
      local path = sample("late2.mp4", 5000)
      assert.are.equal(file, assert(ugc.files.upload{ file = file, path = path }))
      local back = dir .. "/late2.back"
      assert(ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = back })
      assert.are.equal(md5sum(path), md5sum(back))
    end)
    it("says expired, not auth, when the file already has its bytes", function()
      local path = sample("twice.mp4", 3000)
      local file = assert(ugc.files.upload_path{ path = path })
      helper.advance(sb, 3600) -- getFile now gives a download URL: a PUT to it is refused
      local ok, err = ugc.files.upload{ file = file, path = path }
      assert.is_nil(ok)
      assert.are.equal("expired", err.kind)
      assert.truthy(err.message:find("may already be uploaded", 1, true))
      assert.is_nil(tostring(err):find("Signature=", 1, true))
    end)
    it("fails with kind protocol when getFile gives no URL to retry with", function()
      local c = helper.client(sb)
      local file = assert(c.files.create{ file_type = "mp4" })
      helper.advance(sb, 3600)
      local call = c._call
      c._call = function(self, op, ...) -- a server whose getFile has no presignedUrl
        if op == "GetFile" then return { id = file.id } end
        return call(self, op, ...)
      end
      local ok, err = c.files.upload{ file = file, path = sample("nourl.mp4", 100) }
      assert.is_nil(ok)
      assert.are.equal("protocol", err.kind)
      assert.truthy(err.message:find("no presigned URL", 1, true))
      c:close()
    end)
    it("reports an ETag that is not the MD5 of what was sent", function()
      local file = assert(ugc.files.create{ file_type = "mp4" })
      helper.fault(sb, { target = "upload", count = 1, etag = '"00000000000000000000000000000000"' })
      local ok, err = ugc.files.upload{ file = file, path = sample("x.mp4", 1000) }
      assert.is_nil(ok)
      assert.are.equal("integrity", err.kind)
    end)
    -- A file that changes while it uploads: the sandbox takes the body only
    -- after a pause (delay_ms), and the progress function changes the file
    -- once bytes have left it, long before its end. Not a multiple of any
    -- buffer's size, so a read past the end is asked for.
    local MID = 32 * 1024 * 1024 + 100001
    local function upload_changing(path, change, opts)
      local file = assert(ugc.files.create{ file_type = "mp4" })
      helper.fault(sb, { target = "upload", delay_ms = 3000 })
      local changed_at
      local done, err = ugc.files.upload({ file = file, path = path, on_progress = function(sent)
        if not changed_at then
          changed_at = sent
          change(path)
        end
      end }, opts)
      assert.is_true(changed_at ~= nil and changed_at > 0 and changed_at < MID, tostring(changed_at))
      return done, err, file
    end

    it("sends the size it declared when the file grows meanwhile, and checks those bytes", function()
      local path = sample("growing.mp4", MID)
      local want = md5sum(path)
      local done, err, file = upload_changing(path, function(p)
        local f = assert(io.open(p, "ab"))
        f:write(("G"):rep(2 * 1024 * 1024))
        f:close()
      end)
      assert.are.equal(file, done, tostring(err))
      local back = dir .. "/growing.back"
      assert(ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = back })
      assert.are.equal(want, md5sum(back))
    end)

    it("fails at once with kind file, not retried, when the file is cut while it uploads", function()
      local path = sample("cut.mp4", MID)
      local before = helper.stats(sb).requests.upload
      local done, err = upload_changing(path, function(p) assert(io.open(p, "wb")):close() end, { timeout = 8 })
      assert.is_nil(done)
      assert.are.equal("file", err.kind)
      assert.truthy(err.message:find(path .. " became shorter while it was uploaded", 1, true), err.message)
      assert.is_false(err.retryable)
      assert.are.equal(before + 1, helper.stats(sb).requests.upload)
    end)

    it("takes an upload's answer body as the answer, never into the file", function()
      local path = sample("answered.mp4", 300000)
      local want = md5sum(path)
      local file = assert(ugc.files.create{ file_type = "mp4" })
      -- 200, "Content-Length: 64", 32 bytes, closed: a broken answer, sent again
      helper.fault(sb, { target = "upload", truncate = true })
      assert.are.equal(file, ugc.files.upload{ file = file, path = path })
      -- 200 with a body of its own, before the file went out: not an upload
      helper.fault(sb, { target = "upload", status = 200, body = "<ok>stored</ok>" })
      local before = helper.stats(sb).requests.upload
      local ok, err = ugc.files.upload{ file = file, path = path }
      assert.is_nil(ok)
      assert.are.equal("protocol", err.kind)
      assert.truthy(err.message:find("the server answered 200 after 0 of the file's 300000 bytes", 1, true),
        err.message)
      assert.are.equal(before + 1, helper.stats(sb).requests.upload) -- not sent again
      assert.are.equal(want, md5sum(path))
      local back = dir .. "/answered.back"
      assert(ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = back })
      assert.are.equal(want, md5sum(back))
    end)

    it("raises on bad input and creates nothing on the server", function()
      local before = helper.stats(sb).requests.graphql
      assert.has_error(function() ugc.files.upload_path{ path = dir .. "/missing.mp4" } end)
      assert.has_error(function() ugc.files.upload_path{ path = dir } end,
        "files.upload_path: bad argument 'path' (" .. dir .. " is a directory)")
      assert.has_error(function() ugc.files.upload_path{ path = sample("noext", 5) } end)
      assert.has_error(function() ugc.files.upload{ path = sample("a.mp4", 5) } end,
        "files.upload: missing required argument 'file'")
      assert.has_error(function() ugc.files.upload{ file = {}, path = sample("b.mp4", 5) } end)
      assert.are.equal(before, helper.stats(sb).requests.graphql)
    end)
  end)

  describe("files.upload_path", function()
    it("creates the file with the type from the extension and uploads it", function()
      local path = sample("Take01.MOV", 5000)
      local file = assert(ugc.files.upload_path{ path = path, metadata = { camera = "A" } })
      assert.are.equal("mov", file.type)
      assert.are.equal("Take01.MOV", file.name)
      assert.are.same({ camera = "A" }, file.metadata)
      local back = assert(ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = dir .. "/b" })
      assert.are.equal(md5sum(path), md5sum(back))
    end)
  end)

  describe("files.download", function()
    local file, src
    before_each(function()
      src = sample("src.mp4", 200000)
      file = assert(ugc.files.upload_path{ path = src })
      file = assert(ugc.files.retrieve(file.id))
    end)

    it("refuses an existing destination unless overwrite", function()
      local dst = sample("exists.bin", 3)
      assert.has_error(function() ugc.files.download{ file = file, path = dst } end)
      assert.are.equal("012", helper.read_file(dst))
      assert.are.equal(dst, ugc.files.download{ file = file, path = dst, overwrite = true })
      assert.are.equal(md5sum(src), md5sum(dst))
    end)
    it("raises for a directory or a missing folder", function()
      assert.has_error(function() ugc.files.download{ file = file, path = dir } end)
      assert.has_error(function() ugc.files.download{ file = file, path = dir .. "/no/such/x" } end)
      assert.has_error(function() ugc.files.download{ path = dir .. "/x" } end,
        "files.download: missing required argument 'url', 'file' or 'output'")
    end)
    it("resumes a .part left by an interrupted download, with identical bytes", function()
      local dst = dir .. "/resumed.mp4"
      helper.write_file(dst .. ".part", helper.read_file(src):sub(1, 12345))
      local before = helper.stats(sb).requests.download
      assert(ugc.files.download{ file = file, path = dst })
      assert.are.equal(before + 1, helper.stats(sb).requests.download)
      assert.are.equal(md5sum(src), md5sum(dst))
      assert.is_nil(helper.read_file(dst .. ".part"))
    end)
    it("survives a truncated response by resuming", function()
      local dst = dir .. "/t.mp4"
      helper.fault(sb, { target = "download", count = 1, truncate = true })
      assert(ugc.files.download{ url = file.presigned_url, path = dst })
      assert.are.equal(md5sum(src), md5sum(dst))
    end)
    it("reports a folder removed mid-way as kind file, not as a cut to resume", function()
      local c0 = helper.client(sb, { max_retries = 0 })
      local sub = dir .. "/gone"
      assert(os.execute("mkdir -p " .. sub))
      helper.fault(sb, { target = "download", stall_ms = 300 }) -- half the bytes, a pause, the rest
      local removed = false
      local path, err = c0.files.download{ file = file, path = sub .. "/x.mp4", on_progress = function(got)
        if got > 0 and not removed then
          removed = true
          os.execute(("rm -rf %q"):format(sub))
        end
      end }
      c0:close()
      assert.is_true(removed)
      assert.is_nil(path)
      assert.are.equal("file", err.kind)
      assert.is_false(err.retryable)
      assert.matches("x%.mp4%.part disappeared", err.message)
      assert.is_nil(helper.read_file(sub))
    end)
    it("refreshes an expired URL when it knows the file", function()
      helper.advance(sb, 3600)
      local dst = dir .. "/fresh.mp4"
      assert(ugc.files.download{ file = file, path = dst })
      assert.are.equal(md5sum(src), md5sum(dst))
      local _, err = ugc.files.download{ url = file.presigned_url, path = dir .. "/stale.mp4" }
      assert.are.equal("expired", err.kind)
      assert.is_nil(helper.read_file(dir .. "/stale.mp4"))
    end)
  end)

  describe("1 GiB", function()
    it("uploads and downloads a GiB streamed, with identical bytes", function()
      local big = dir .. "/big.bin"
      assert(os.execute(("head -c 1073741824 /dev/zero | tr '\\0' 'm' > %q"):format(big)))
      local file = assert(ugc.files.upload_path{ path = big, file_type = "mp4" })
      local back = dir .. "/big.back"
      assert(ugc.files.download{ file = assert(ugc.files.retrieve(file.id)), path = back })
      assert.are.equal(md5sum(big), md5sum(back))
      os.remove(big)
      os.remove(back)
    end)
  end)
end)
