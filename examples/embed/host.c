/* host.c: a C program that embeds Lua 5.4, loads moveugc, and drives
 * ugc:step from its own loop, as a game engine or an app would.
 *
 * Build: make examples   (or: cc host.c $(pkg-config --cflags --libs lua5.4))
 * Run:   MOVE_API_KEY=... MOVE_UGC_ENDPOINT_URL=... build/examples/host
 *
 * Built by make, the host looks for the SDK in the checkout it was built from
 * (MOVEUGC_PATH, MOVEUGC_CPATH) before Lua's usual places, as an engine sets
 * its own search path to where it ships its scripts; LUA_PATH and LUA_CPATH,
 * when set, still come first.
 *
 * The script below spawns one SDK task (list jobs, then read the client);
 * the host's loop calls step(0) every frame. Between frames it waits on
 * ugc:fd(), the descriptor the SDK's worker thread makes readable when a
 * step has work, for as long as ugc:timeout_ms() allows, never longer than
 * a frame: an engine with its own event loop adds the descriptor to it. */
#define _POSIX_C_SOURCE 200809L
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef MOVEUGC_PATH
#define MOVEUGC_PATH ""
#endif
#ifndef MOVEUGC_CPATH
#define MOVEUGC_CPATH ""
#endif

/* package.path/cpath: LUA_PATH/LUA_CPATH if set, then the SDK's own places,
 * then the defaults Lua started with. */
static void set_search_path(lua_State *L, const char *field, const char *env, const char *ours) {
  const char *given = getenv(env);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, field);
  if (given && *given) lua_pushfstring(L, "%s;%s", lua_tostring(L, -1), ours);
  else lua_pushfstring(L, "%s;%s", ours, lua_tostring(L, -1));
  lua_setfield(L, -3, field);
  lua_pop(L, 2);
}

static const char *script =
    "local moveugc = require 'moveugc'\n"
    "ugc = moveugc.new{}\n"
    "task = ugc:spawn(function()\n"
    "  local page = assert(ugc.jobs.list{ limit = 5 })\n"
    "  local client = assert(ugc.client.retrieve())\n"
    "  return ('%d jobs on this page, client %s'):format(#page.items, client.id)\n"
    "end)\n";

static int call_method(lua_State *L, const char *global, const char *method, int nres) {
  lua_getglobal(L, global);
  lua_getfield(L, -1, method);
  lua_insert(L, -2); /* method, self */
  if (lua_pcall(L, 1, nres, 0) != LUA_OK) {
    fprintf(stderr, "host: %s:%s failed: %s\n", global, method, lua_tostring(L, -1));
    return -1;
  }
  return 0;
}

int main(void) {
  lua_State *L = luaL_newstate();
  struct pollfd wake;
  long frames = 0;
  int rc = 1;
  luaL_openlibs(L);
  if (*MOVEUGC_PATH) set_search_path(L, "path", "LUA_PATH", MOVEUGC_PATH);
  if (*MOVEUGC_CPATH) set_search_path(L, "cpath", "LUA_CPATH", MOVEUGC_CPATH);
  if (luaL_dostring(L, script) != LUA_OK) {
    fprintf(stderr, "host: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  if (call_method(L, "ugc", "fd", 1) != 0) {
    lua_close(L);
    return 1;
  }
  wake.fd = (int)lua_tointeger(L, -1);
  wake.events = POLLIN;
  lua_pop(L, 1);
  for (;;) {
    int wait_ms = 16; /* one frame at 60 Hz */
    long pending;
    lua_getglobal(L, "ugc");
    lua_getfield(L, -1, "step");
    lua_insert(L, -2);
    lua_pushnumber(L, 0);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
      fprintf(stderr, "host: step failed: %s\n", lua_tostring(L, -1));
      break;
    }
    pending = (long)lua_tointeger(L, -1);
    lua_pop(L, 1);
    frames++;
    if (pending == 0) {
      if (call_method(L, "task", "result", 2) == 0) {
        if (lua_isstring(L, -2)) {
          printf("host: after %ld frames: %s\n", frames, lua_tostring(L, -2));
          rc = 0;
        } else {
          fprintf(stderr, "host: task failed: %s\n", luaL_tolstring(L, -1, NULL));
        }
      }
      break;
    }
    /* wait no longer than the SDK asks, and never more than a frame; the
     * descriptor cuts the wait short when a request finishes */
    if (call_method(L, "ugc", "timeout_ms", 1) == 0) {
      if (lua_isnumber(L, -1) && lua_tointeger(L, -1) < wait_ms) wait_ms = (int)lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    poll(&wake, 1, wait_ms);
  }
  call_method(L, "ugc", "close", 0);
  lua_close(L);
  return rc;
}
