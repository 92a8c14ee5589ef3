--[[ bench/setup.lua: a finished job to retrieve, on the sandbox.

Usage: lua5.4 bench/setup.lua SANDBOX_GRAPHQL_URL WORKDIR
Uploads a small video, makes a take and a job, waits for it, writes
WORKDIR/request.json (the exact body the SDK posts for
jobs.retrieve{id, expand = {"take", "outputs", "client"}}) and prints the job id.
]]
local common = require "common"
local cjson = require "cjson"
local documents = require "moveugc.documents"

local url, work = assert(arg[1], "usage: setup.lua URL WORKDIR"), assert(arg[2], "usage: setup.lua URL WORKDIR")
local ugc = common.client(url)

local video = work .. "/setup.mp4"
common.write_file(video, ("fake video bytes "):rep(4096))
local file = assert(ugc.files.upload_path{ path = video, metadata = { camera = "A", fps = 60 } })
os.remove(video)
local take = assert(ugc.takes.create_singlecam{ name = "bench take", metadata = { scene = "walk" },
  sources = { { device_label = "cam", file_id = file.id, format = "mp4" } } })
local job = assert(ugc.jobs.create{ take_id = take.id, name = "bench job",
  metadata = { project = "bench", user = 42, tags = { "a", "b" } } })
assert(ugc.jobs.wait{ id = job.id, interval = 0.2 })

local expand = { "client", "outputs", "take" } -- sorted, as the SDK sends them
common.write_file(work .. "/request.json", ('{"query":%s,"operationName":"GetJob","variables":{"jobId":%s}}')
  :format(cjson.encode(documents.get("GetJob", expand)), cjson.encode(job.id)))
print(job.id)
