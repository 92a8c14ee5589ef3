/* A minimal Lua 5.4 interpreter built with ThreadSanitizer, for the test
 * command's TSan run of the task specs: `lua SCRIPT ARGS...` with `arg` set as
 * the standard interpreter sets it. Linking the sanitizer into the program
 * (rather than LD_PRELOAD into lua5.4) keeps it out of the shells and the
 * sandbox the specs start: shells crash under a preloaded TSan runtime. */
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static int traceback(lua_State *L) {
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L;
  int i, rc;
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRIPT [ARGS...]\n", argv[0]);
    return 2;
  }
  L = luaL_newstate();
  luaL_openlibs(L);
  lua_createtable(L, argc, 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - 1); /* arg[0] is the script, arg[-1] the interpreter */
  }
  lua_setglobal(L, "arg");
  lua_pushcfunction(L, traceback);
  rc = luaL_loadfile(L, argv[1]);
  if (rc == LUA_OK) {
    for (i = 2; i < argc; i++) lua_pushstring(L, argv[i]);
    rc = lua_pcall(L, argc - 2, 0, 1);
  }
  if (rc != LUA_OK) fprintf(stderr, "%s\n", lua_tostring(L, -1));
  lua_close(L); /* runs every __gc: sessions join their workers here */
  return rc == LUA_OK ? 0 : 1;
}
