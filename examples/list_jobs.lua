#!/usr/bin/env lua5.4
--[[ list_jobs.lua: listing jobs: the iterator, filters, sorting and paging by hand.

Usage:
  MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=http://127.0.0.1:8917/graphql \
    lua5.4 examples/list_jobs.lua [count]

Creates a take and `count` jobs on it (default 5) so there is something to
list, then:
  1. ugc.jobs.each{take_id, sort_by = "ASC", limit = 2}: every job of that take,
     oldest first; `limit` is the page size, the iterator fetches pages as the
     loop needs them (the request count shows it);
  2. ugc.jobs.list with next_token: the same jobs a page at a time, newest first;
  3. ugc.jobs.list{limit = 5, expand = {"take"}}: the account's five newest jobs.
]]
local moveugc = require "moveugc"

local COUNT = tonumber(arg[1] or "") or 5

local requests = 0 -- counted through the client's log hook: one event per HTTP request
local ugc = moveugc.new{ log = function() requests = requests + 1 end }

local function check(value, err)
  if value == nil then
    io.stderr:write("list_jobs: ", tostring(err), "\n")
    os.exit(1)
  end
  return value
end

-- Prints rows (lists of strings) under headers, each column as wide as its widest cell.
local function print_table(headers, rows)
  local widths = {}
  for i, h in ipairs(headers) do widths[i] = #h end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i], #cell) end
  end
  local function line(cells)
    local out = {}
    for i, cell in ipairs(cells) do
      out[i] = i == #cells and cell or cell .. (" "):rep(widths[i] - #cell)
    end
    print("  " .. table.concat(out, "  "))
  end
  line(headers)
  local rule = {}
  for i, w in ipairs(widths) do rule[i] = ("-"):rep(w) end
  line(rule)
  for _, row in ipairs(rows) do line(row) end
end

local function job_row(j, n)
  local p = j.progress or {}
  return { tostring(n), j.id, j.name or "", p.state or "?", ("%d%%"):format(p.percentage_complete or 0),
    (j.created or ""):sub(1, 19) }
end
local HEADERS = { "#", "id", "name", "state", "done", "created" }

-- something to list: a take and a few jobs on it
local video = os.tmpname() -- an empty file with a unique name: use the name, with .mp4
os.remove(video)
video = video .. ".mp4"
local f = assert(io.open(video, "wb")) -- the sandbox needs bytes, not a real video
f:write(("not really a video\n"):rep(1000))
f:close()
local uploaded = check(ugc.files.upload_path{ path = video })
os.remove(video)
local take = check(ugc.takes.create_singlecam{
  sources = { { device_label = "cam", file_id = uploaded.id, format = "mp4" } }, name = "list example" })
for i = 1, COUNT do
  check(ugc.jobs.create{ take_id = take.id, name = ("list example %d of %d"):format(i, COUNT),
    outputs = { "MAIN_FBX" } })
end
print(("created take %s and %d jobs on it"):format(take.id, COUNT))

-- 1. the iterator: filters and sort, pages fetched lazily; a failure raises
print("\n1. every job of the take, oldest first, two per request (jobs.each):")
local rows, before = {}, requests
local ok, err = pcall(function()
  for job in ugc.jobs.each{ take_id = take.id, sort_by = "ASC", limit = 2 } do
    rows[#rows + 1] = job_row(job, #rows + 1)
  end
end)
if not ok then check(nil, err) end
print_table(HEADERS, rows)
print(("  (%d jobs in %d requests)"):format(#rows, requests - before))

-- 2. the same, a page at a time: the caller holds the cursor
print("\n2. the same jobs, newest first, three per page (jobs.list + next_token):")
local token, page_no = nil, 0
repeat
  local page = check(ugc.jobs.list{ take_id = take.id, limit = 3, next_token = token })
  page_no = page_no + 1
  print(("  page %d: %d jobs%s"):format(page_no, #page.items, page.next_token and ", more to come" or ", the last"))
  rows = {}
  for i, job in ipairs(page.items) do rows[i] = job_row(job, i) end
  print_table(HEADERS, rows)
  token = page.next_token
until token == nil

-- 3. the newest jobs of the whole account, with their takes
print("\n3. the account's five newest jobs, any take (jobs.list{limit = 5, expand = {\"take\"}}):")
local newest = check(ugc.jobs.list{ limit = 5, expand = { "take" } })
rows = {}
for i, job in ipairs(newest.items) do
  local row = job_row(job, i)
  row[#row + 1] = job.take and job.take.id or ""
  rows[i] = row
end
local with_take = { table.unpack(HEADERS) }
with_take[#with_take + 1] = "take"
print_table(with_take, rows)
ugc:close()
