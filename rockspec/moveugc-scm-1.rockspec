rockspec_format = "3.0"
package = "moveugc"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "Lua client for Move AI's MoveUGC motion-capture API",
  detailed = [[
A Lua module over a small C core (libcurl, OpenSSL): kept-alive connections,
safe retries, streaming transfers, webhook verification, and every resource of
the MoveUGC GraphQL API as plain Lua functions.
]],
  license = "MIT",
  labels = { "http", "graphql", "motion-capture", "sdk" },
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson >= 2.1",
}
-- Debian keeps curl's headers under include/x86_64-linux-gnu, where the
-- compiler finds them on its own: only the library is looked for here.
external_dependencies = {
  CURL = { library = "curl" },
  CRYPTO = { library = "crypto" },
}
build = {
  type = "builtin",
  modules = {
    ["moveugc.core"] = {
      sources = {
        "core/ugc_buf.c", "core/ugc_fs.c", "core/ugc_session.c", "core/ugc_transfer.c", "core/ugc_webhook.c",
        "binding/compat.c", "binding/lfs.c", "binding/ljson.c", "binding/lreq.c", "binding/lsession.c", "binding/lwebhook.c",
        "binding/moveugc_core.c",
      },
      libraries = { "curl", "crypto" },
      incdirs = { "$(CURL_INCDIR)", "$(CRYPTO_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)", "$(CRYPTO_LIBDIR)" },
    },
    ["moveugc"] = "binding/moveugc/init.lua",
    ["moveugc.args"] = "binding/moveugc/args.lua",
    ["moveugc.documents"] = "binding/moveugc/documents.lua",
    ["moveugc.errors"] = "binding/moveugc/errors.lua",
    ["moveugc.jobs"] = "binding/moveugc/jobs.lua",
    ["moveugc.pages"] = "binding/moveugc/pages.lua",
    ["moveugc.transfer"] = "binding/moveugc/transfer.lua",
    ["moveugc.tasks"] = "binding/moveugc/tasks.lua",
    ["moveugc.sources"] = "binding/moveugc/sources.lua",
    ["moveugc.camera_settings"] = "binding/moveugc/camera_settings.lua",
    ["moveugc.rigs"] = "binding/moveugc/rigs.lua",
    ["moveugc.client_resource"] = "binding/moveugc/client_resource.lua",
    ["moveugc.volumes"] = "binding/moveugc/volumes.lua",
    ["moveugc.takes"] = "binding/moveugc/takes.lua",
    ["moveugc.files"] = "binding/moveugc/files.lua",
    ["moveugc.webhook_signature"] = "binding/moveugc/webhook_signature.lua",
    ["moveugc.webhooks"] = "binding/moveugc/webhooks.lua",
  },
  -- the command: luarocks wraps it so it finds the modules of its own tree
  install = {
    bin = { moveugc = "bin/moveugc" },
  },
}
