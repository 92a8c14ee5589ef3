--- Pagination shared by every list: one page at a time, or an iterator that
-- fetches pages lazily as a loop consumes them.
local args = require "moveugc.args"
local core = require "moveugc.core"

---@class moveugc.ListArgs
---@field limit integer? items per page, 1 to 100 (default: the client's page_size)
---@field next_token string? the page to fetch: a previous page's next_token
---@field sort_by "ASC"|"DESC"? by creation time (default "DESC", newest first)
---@field expand string[]?

---@class moveugc.Page
---@field items table[] this page's items
---@field next_token string? pass to list for the next page; nil on the last page
---@field limit integer the page size asked for

---@class moveugc.RetrieveArgs
---@field id string
---@field expand string[]?

---@class moveugc.UpdateArgs
---@field id string
---@field name string?
---@field metadata table? replaces the whole metadata
---@field expand string[]?

local pages = {}

local SORT = { ASC = true, DESC = true }

--- Checks limit, next_token and sort_by and returns the GraphQL variables.
function pages.vars(c, fname, a)
  return {
    first = args.integer(fname, a, "limit", false, 1, require("moveugc").MAX_PAGE_SIZE) or c.page_size,
    after = args.string(fname, a, "next_token"),
    sortDirection = args.enum(fname, a, "sort_by", SORT),
  }
end

--- One page: {items = {...}, next_token = <string or nil>, limit = n}
function pages.fetch(c, op, vars, expand)
  local page, err = c:_call(op, vars, expand)
  if err then return nil, err end
  page = page or {}
  local items = core.array(page.items or {}) -- encodes back as [], even empty
  local n = 0
  for i = 1, #items do -- a null item in the list arrives as a hole: close it
    if items[i] ~= nil then
      n = n + 1
      items[n] = items[i]
    end
  end
  for i = n + 1, #items do items[i] = nil end
  return { items = items, next_token = page.after, limit = page.first or vars.first }
end

--- An iterator over every item; raises the structured error on failure.
function pages.iterate(c, op, vars, expand)
  local items, i, done = {}, 0, false
  return function()
    i = i + 1
    while items[i] == nil do
      if done then return nil end
      local page, err = pages.fetch(c, op, vars, expand)
      if not page then error(err, 0) end
      items, i = page.items, 1
      vars.after = page.next_token
      done = page.next_token == nil
    end
    return items[i]
  end
end

return pages
