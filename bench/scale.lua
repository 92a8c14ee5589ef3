--[[ bench/scale.lua: the scale of a workflow. N jobs are created on one take,
waited on, and their outputs downloaded; counts the GraphQL requests the
sandbox served (/_sandbox/stats) and the wall time.

Usage: lua5.4 bench/scale.lua URL WORKDIR MODE [N=500] [INTERVAL=0.5]
MODE wait_all: ugc.jobs.wait_all{ids, interval}, one batched request per poll;
MODE retrieve: one ugc.jobs.retrieve per unfinished job per poll, same interval.
Prints jobs, requests (all GraphQL requests), poll_requests, downloads, seconds.
]]
local common = require "common"
local core = require "moveugc.core"

local url, work, mode = arg[1], arg[2], arg[3]
local n, interval = tonumber(arg[4]) or 500, tonumber(arg[5]) or 0.5
assert(url and work and (mode == "wait_all" or mode == "retrieve"), "usage: scale.lua URL WORKDIR MODE [N]")
local ugc = common.client(url)

local function graphql_requests() return common.control(url, "/_sandbox/stats").requests.graphql end

local video = work .. "/scale.mp4"
common.write_file(video, ("fake video bytes "):rep(4096))
local file = assert(ugc.files.upload_path{ path = video })
os.remove(video)
local take = assert(ugc.takes.create_singlecam{
  sources = { { device_label = "cam", file_id = file.id, format = "mp4" } } })

local before, t0 = graphql_requests(), core.now()
local ids = {}
for i = 1, n do ids[i] = assert(ugc.jobs.create{ take_id = take.id }).id end

local polls_from = graphql_requests()
local jobs
if mode == "wait_all" then
  jobs = assert(ugc.jobs.wait_all{ ids = ids, interval = interval, timeout = 600 })
else
  jobs = {}
  local pending = ids
  while #pending > 0 do
    local still = {}
    for _, id in ipairs(pending) do
      local job = assert(ugc.jobs.retrieve{ id = id, expand = { "outputs" } })
      local outs = job.outputs or {}
      if job.progress.state == "FINISHED" and #outs > 0 then
        jobs[#jobs + 1] = job
      else
        still[#still + 1] = id
      end
    end
    pending = still
    if #pending > 0 then core.sleep(interval) end
  end
end
local poll_requests = graphql_requests() - polls_from

local downloads = 0
for i, job in ipairs(jobs) do
  local dir = ("%s/out-%d"):format(work, i)
  assert(os.execute("mkdir -p " .. dir))
  for _, f in ipairs(assert(ugc.jobs.download_outputs{ job = job, dir = dir })) do
    os.remove(f.path)
    downloads = downloads + 1
  end
  os.remove(dir)
end
local seconds = core.now() - t0
print(("jobs: %d\nrequests: %d\npoll_requests: %d\ndownloads: %d\nseconds: %.2f"):format(
  n, graphql_requests() - before, poll_requests, downloads, seconds))
