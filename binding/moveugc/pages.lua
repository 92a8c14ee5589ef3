--- Pagination shared by every list: one page at a time, or an iterator that
-- fetches pages lazily as a loop consumes them.
local args = require "moveugc.args"
local core = require "moveugc.core"
local errors = require "moveugc.errors"

---@class moveugc.ListArgs
---@field limit integer? items per page, 1 to 100 (default: the client's page_size)
---@field next_token string? the page to fetch: a previous page's next_token
---@field sort_by "ASC"|"DESC"? by creation time (default "DESC", newest first)
---@field expand string[]?

---@class moveugc.Page
---@field items table[] this page's items
---@field next_token string? pass to list for the next page; nil on the last page
---@field limit integer? the page size asked for (a catalogue, which comes whole: the server's count)

---@class moveugc.RetrieveArgs
---@field id string
---@field expand string[]?

---@class moveugc.RetrieveManyArgs
---@field ids string[] the ids; the results follow their order (an id may come twice)
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

local function malformed(op, message)
  return nil, errors.new{ kind = "protocol", operation = op, message = message }
end

--- One page: {items = {...}, next_token = <string or nil>, limit = n}
function pages.fetch(c, op, vars, expand)
  local page, err = c:_call(op, vars, expand)
  if err then return nil, err end
  page = page or {}
  local raw, after = page.items, page.after
  if raw ~= nil and type(raw) ~= "table" then
    return malformed(op, ("the page's items is a %s, not a list"):format(type(raw)))
  end
  if after ~= nil and type(after) ~= "string" then
    return malformed(op, ("the page's next token is a %s, not a string"):format(type(after)))
  end
  local items = core.array(raw or {}) -- encodes back as [], even empty
  for i = 1, #items do
    if type(items[i]) ~= "table" then
      return malformed(op, ("item %d of the page is a %s, not an object"):format(i, type(items[i])))
    end
  end
  local limit = page.first
  if type(limit) ~= "number" then limit = vars.first end
  return { items = items, next_token = after ~= "" and after or nil, limit = limit }
end

--- An iterator over every item; raises the structured error on failure,
-- also when the server hands back a cursor it gave before (a loop that
-- would never end).
function pages.iterate(c, op, vars, expand)
  local items, i, done, seen = {}, 0, false, {}
  return function()
    i = i + 1
    while items[i] == nil do
      if done then return nil end
      local page, err = pages.fetch(c, op, vars, expand)
      if not page then error(err, 0) end
      items, i = page.items, 1
      local token = page.next_token
      if token ~= nil and (seen[token] or token == vars.after) then
        local _, perr = malformed(op, "the server returned a next token it had returned before: " ..
          "stopped, as the listing would never end")
        error(perr, 0)
      end
      if token ~= nil then seen[token] = true end
      vars.after = token
      done = token == nil
    end
    return items[i]
  end
end

return pages
