std = "lua54+lua51+luajit"
max_line_length = 120
files["spec/"] = { std = "+busted" }
exclude_files = { "build/", "sandbox/node_modules/" }
-- bin/moveugc has no .lua extension: without this, `luacheck bin` checks nothing
include_files = { "**/*.lua", "bin/*" }
