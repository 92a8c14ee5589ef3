--- moveugc.cli_takes: the `moveugc takes ...` commands (see moveugc.cli).
local commands = {}

-- "clap 0.5:1.5", "timecode" or nil
local function sync_text(r, take)
  local sync = r:object(take, "sync_method", "take")
  if not sync then return nil end
  local clap = r:object(sync, "clap_window", "take.sync_method")
  if clap then return "clap " .. r.window_text(clap) end
  return sync.timecode_sync and "timecode" or nil
end

-- The sources' rows, every one checked before anything is printed.
local function source_rows(r, take)
  local rows = {}
  for i, s in ipairs(r:objects(take, "sources", "take")) do
    local where = ("take.sources[%d]"):format(i)
    local file, camera = r:object(s, "file", where), r:object(s, "camera_settings", where)
    rows[i] = { "  " .. (r.text(s.device_label) or ""), s.format, file and file.id, camera and camera.lens }
  end
  return rows
end

local function show_take(r, take)
  if r.opts.json then return r:json(take) end
  local volume, sync, sources = r:object(take, "volume", "take"), sync_text(r, take), source_rows(r, take)
  r:fields{
    { "id", take.id }, { "name", take.name }, { "type", take.take_type }, { "created", take.created },
    { "volume", volume and volume.id }, { "sync", sync }, { "metadata", r.json_text(take.metadata) },
  }
  if #sources == 0 then return end
  r:out("sources")
  r:table({ "  label", "format", "file", "lens" }, sources)
end

-- A page or a whole list, as a table or JSON.
commands["takes create"] = {
  options = { "file-id", "label", "format", "lens", "volume-id", "clap", "timecode", "name", "metadata" },
  usage = [=[
Usage: moveugc takes create --file-id ID [--label NAME] [--format mp4|mov|avi|move] [--lens LENS]
                            [--name NAME] [--metadata JSON]
       moveugc takes create --volume-id ID --file-id ID --file-id ID... [--label NAME]...
                            [--lens LENS]... [--clap START:END | --timecode] [...]

Creates a single-camera take from one uploaded file, or with --volume-id a multi-camera take
from several (one --file-id per camera, in order; --label and --lens once for all or once per
camera; labels default to cam1, cam2...). --format is the videos' format (default mp4).
--clap or --timecode say how the cameras are synchronised.]=],
  run = function(r, positional)
    r.no_args(positional)
    local ids, labels, lenses = r:list("file-id", true), r:list("label"), r:list("lens")
    if #ids == 0 then r.usage_error("--file-id is required") end
    for _, pair in ipairs{ { "label", labels }, { "lens", lenses } } do
      if #pair[2] > 1 and #pair[2] ~= #ids then
        r.usage_error("--%s: give one for all cameras or one per --file-id (%d)", pair[1], #ids)
      end
    end
    local sources = {}
    for i, id in ipairs(ids) do
      local lens = lenses[i] or lenses[1]
      sources[i] = { device_label = labels[i] or labels[1] or ("cam" .. i), file_id = id,
        format = r.opts.format or "mp4", camera_settings = lens and { lens = lens } or nil }
    end
    local a = { sources = sources, name = r.opts.name, metadata = r:metadata(), expand = { "sources" } }
    local take
    if r.opts["volume-id"] then
      a.volume_id = r.opts["volume-id"]
      if r.opts.clap and r.opts.timecode then r.usage_error("--clap and --timecode exclude each other") end
      if r.opts.clap then a.sync_method = { clap_window = r:window("clap") } end
      if r.opts.timecode then a.sync_method = { timecode_sync = { use_timecode = true } } end
      a.expand[#a.expand + 1] = "volume"
      take = r.need(r:ugc().takes.create_multicam(a))
    else
      if #ids > 1 then r.usage_error("several --file-id make a multi-camera take: give --volume-id") end
      if r.opts.clap or r.opts.timecode then r.usage_error("--clap and --timecode need --volume-id") end
      take = r.need(r:ugc().takes.create_singlecam(a))
    end
    show_take(r, take)
  end,
}

commands["takes list"] = {
  options = { "limit", "next-token", "sort", "all", "expand" },
  usage = [=[
Usage: moveugc takes list [--limit N] [--next-token T] [--sort asc|desc] [--all]
                          [--expand client,sources,volume]

Lists takes, newest first: one page, or every page with --all.]=],
  run = function(r, positional)
    r.no_args(positional)
    local page = r:fetch_list(r:ugc().takes, r:list_args{ expand = r:expand() })
    r:show_list(page, { "id", "name", "type", "created" }, function(t)
      return { t.id, t.name, t.take_type, t.created }
    end, "takes list")
  end,
}

commands["takes get"] = {
  options = { "expand" },
  usage = [=[
Usage: moveugc takes get TAKE_ID [--expand client,sources,volume]

Shows one take with its sources (and what --expand adds).]=],
  run = function(r, positional)
    show_take(r, r.need(r:ugc().takes.retrieve{ id = r.one_id(positional, "take"), expand = r:expand{ "sources" } }))
  end,
}

return commands
