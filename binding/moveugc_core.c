/* luaopen_moveugc_core: the only exported symbol of the C module. */
#include "../core/ugc_session.h"
#include "lbinding.h"

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
