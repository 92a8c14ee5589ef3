--- moveugc.cli_files: the `moveugc files ...` commands (see moveugc.cli).
local commands = {}

local function show_file(r, file)
  if r.opts.json then return r:json(file) end
  local client = r:object(file, "client", "file")
  r:fields{
    { "id", file.id }, { "type", file.type }, { "name", file.name }, { "created", file.created },
    { "url", file.presigned_url }, { "client", client and client.id },
    { "metadata", r.json_text(file.metadata) },
  }
end

commands["files upload"] = {
  options = { "type", "name", "metadata" },
  usage = [=[
Usage: moveugc files upload PATH [--type EXT] [--name NAME] [--metadata JSON]

Creates a file (its type from the extension unless --type) and streams PATH to it, checking
the MD5. Shows a progress bar on stderr when it is a terminal. Prints the new file.]=],
  run = function(r, positional)
    if #positional ~= 1 then r.usage_error("expected one path, got %d arguments", #positional) end
    local bar, finish = r:progress_bar("upload")
    local file = r.need(r:ugc().files.upload_path{
      path = positional[1], file_type = r.opts.type, name = r.opts.name, metadata = r:metadata(),
      on_progress = bar,
    })
    if bar then
      local size = r.file_size(positional[1]) or 0
      bar(size, size)
      finish()
    end
    show_file(r, file)
  end,
}

commands["files get"] = {
  options = { "expand" },
  usage = [=[
Usage: moveugc files get FILE_ID [--expand client]

Shows one file. Its presigned URL is shown without the query string (the signature).]=],
  run = function(r, positional)
    show_file(r, r.need(r:ugc().files.retrieve{ id = r.one_id(positional, "file"), expand = r:expand() }))
  end,
}

return commands
