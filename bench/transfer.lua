--[[ bench/transfer.lua: the SDK's streaming transfers, timed, with memory.

Usage: lua5.4 bench/transfer.lua create   URL           -> prints a fresh PUT URL
       lua5.4 bench/transfer.lua url      URL FILE_ID   -> prints the file's GET URL
       lua5.4 bench/transfer.lua upload   URL PATH      -> files.upload to a new file
       lua5.4 bench/transfer.lua download URL FILE_ID PATH -> files.download{file}
upload and download print
  seconds: <wall time of the transfer>
  baseline_kib: <VmRSS once the SDK is loaded and the client made>
  hwm_kib: <VmHWM at the end: the process's peak>
  file_id: <id> (upload only)
]]
local common = require "common"
local core = require "moveugc.core"

local mode, url = arg[1], arg[2]
assert(mode and url, "usage: transfer.lua create|url|upload|download URL ...")
local ugc = common.client(url, { timeout = 600 })
local baseline = common.status_kib("VmRSS")

if mode == "create" then
  print(assert(ugc.files.create{ file_type = "bin" }).presigned_url)
elseif mode == "url" then
  print(assert(ugc.files.retrieve(arg[3])).presigned_url)
else
  local t0, file
  if mode == "upload" then
    file = assert(ugc.files.create{ file_type = "bin" })
    t0 = core.now()
    assert(ugc.files.upload{ file = file, path = arg[3] })
  elseif mode == "download" then
    file = assert(ugc.files.retrieve(arg[3]))
    t0 = core.now()
    assert(ugc.files.download{ file = file, path = arg[4] })
  else
    error("unknown mode " .. mode)
  end
  print(("seconds: %.3f\nbaseline_kib: %d\nhwm_kib: %d"):format(core.now() - t0, baseline,
    common.status_kib("VmHWM")))
  if mode == "upload" then print("file_id: " .. file.id) end
end
