--[[ bench/percall.lua: the SDK's cost of one jobs.retrieve with take,
outputs and client expanded.

Usage: lua5.4 bench/percall.lua N URL JOB_ID
One warm-up call (connection, document cache), then N calls; prints
  calls: N
  cpu_s: <user+sys seconds of the N calls>
  wall_s: <seconds on the clock>
]]
local common = require "common"
local core = require "moveugc.core"

local n, url, id = tonumber(arg[1]), arg[2], arg[3]
assert(n and url and id, "usage: percall.lua N URL JOB_ID")
local ugc = common.client(url)
local expand = { "take", "outputs", "client" }

local job = assert(ugc.jobs.retrieve{ id = id, expand = expand })
assert(job.outputs and job.take and job.client, "the response lacks an expand")
local t0, w0 = os.clock(), core.now()
for _ = 1, n do
  assert(ugc.jobs.retrieve{ id = id, expand = expand })
end
print(("calls: %d\ncpu_s: %.6f\nwall_s: %.6f"):format(n, os.clock() - t0, core.now() - w0))
