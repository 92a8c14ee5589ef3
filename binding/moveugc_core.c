/* luaopen_moveugc_core: the only exported symbol of the C module. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <time.h>

#include "../core/ugc_session.h"
#include "lbinding.h"

/* core.sleep(seconds): blocking mode's waits (backoff, polling) */
static int ugc_l_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  struct timespec ts;
  if (s > 0) {
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (lua_Number)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  return 0;
}

/* core.now(): a monotonic clock in seconds, for deadlines */
static int ugc_l_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

static int ugc_l_curl_version(lua_State *L) {
  lua_pushstring(L, ugc_curl_version());
  return 1;
}

UGC_EXPORT int luaopen_moveugc_core(lua_State *L);

int luaopen_moveugc_core(lua_State *L) {
  static const luaL_Reg funcs[] = {{"session", ugc_l_session_new},
                                   {"json_encode", ugc_l_json_encode},
                                   {"json_decode", ugc_l_json_decode},
                                   {"array", ugc_l_array},
                                   {"curl_version", ugc_l_curl_version},
                                   {"sleep", ugc_l_sleep},
                                   {"now", ugc_l_now},
                                   {"webhook_sign", ugc_l_webhook_sign},
                                   {"webhook_verify", ugc_l_webhook_verify},
                                   {"base64_decode", ugc_l_base64_decode},
                                   {"path_kind", ugc_l_path_kind},
                                   {"mkdirs", ugc_l_mkdirs},
                                   {"operation_type", ugc_l_operation_type},
                                   {NULL, NULL}};
  lua_newtable(L); /* context: shared by every function as upvalue 1 */
  ugc_json_setup(L);
  ugc_session_open(L);
  lua_newtable(L);
  lua_pushvalue(L, -2);
  ugc_setfuncs(L, funcs, 1);
  lua_rawgeti(L, -2, UGC_CTX_ARRAY_MT);
  lua_setfield(L, -2, "array_mt");
  return 1;
}
