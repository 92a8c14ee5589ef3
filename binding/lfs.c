/* File-system helpers for Lua: thin wrappers over core/ugc_fs (no shell). */
#include <errno.h>
#include <string.h>

#include "../core/ugc_fs.h"
#include "lbinding.h"

const char *ugc_check_cstring(lua_State *L, int idx, const char *fname, const char *what) {
  size_t n;
  const char *p = luaL_checklstring(L, idx, &n);
  if (strlen(p) != n) luaL_error(L, "%s: bad argument '%s' (contains a NUL byte)", fname, what);
  return p;
}

/* A path argument: a string without NUL bytes (C would cut it short). */
static const char *ugc_check_path(lua_State *L, int idx) {
  size_t n;
  const char *p = luaL_checklstring(L, idx, &n);
  if (strlen(p) != n) luaL_argerror(L, idx, "path contains a NUL byte");
  return p;
}

/* path_kind(path) -> "directory" | "file" | "other" | nil (missing),
 * or false, message when it cannot be told */
int ugc_l_path_kind(lua_State *L) {
  int k = ugc_fs_kind_of(ugc_check_path(L, 1));
  switch (k) {
  case UGC_FS_MISSING: lua_pushnil(L); return 1;
  case UGC_FS_DIR: lua_pushliteral(L, "directory"); return 1;
  case UGC_FS_FILE: lua_pushliteral(L, "file"); return 1;
  case UGC_FS_OTHER: lua_pushliteral(L, "other"); return 1;
  default:
    lua_pushboolean(L, 0);
    lua_pushstring(L, strerror(-k));
    return 2;
  }
}

/* mkdirs(path) -> true, created (the first directory made, or nil) | nil, message */
int ugc_l_mkdirs(lua_State *L) {
  size_t created = 0;
  const char *p = ugc_check_path(L, 1);
  int rc = ugc_fs_mkdirs(p, &created);
  if (rc != 0) {
    lua_pushnil(L);
    lua_pushstring(L, rc == ENOTDIR ? "exists and is not a directory" : strerror(rc));
    return 2;
  }
  lua_pushboolean(L, 1);
  if (created) lua_pushlstring(L, p, created);
  else lua_pushnil(L);
  return 2;
}
