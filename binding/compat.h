/* One source for Lua 5.1, LuaJIT 2.1 and Lua 5.2-5.4: the few lauxlib calls
 * this binding uses, under names that never clash with a host's own shims. */
#ifndef MOVEUGC_COMPAT_H
#define MOVEUGC_COMPAT_H

#include <lauxlib.h>
#include <lua.h>

#if defined(__GNUC__)
#define UGC_HIDDEN __attribute__((visibility("hidden")))
#define UGC_EXPORT __attribute__((visibility("default")))
#else
#define UGC_HIDDEN
#define UGC_EXPORT
#endif

#if LUA_VERSION_NUM >= 502
#define ugc_rawlen(L, i) lua_rawlen(L, (i))
#define ugc_setfuncs(L, l, n) luaL_setfuncs(L, (l), (n))
#define ugc_testudata(L, i, t) luaL_testudata(L, (i), (t))
#else
#define ugc_rawlen(L, i) lua_objlen(L, (i))
UGC_HIDDEN void ugc_setfuncs(lua_State *L, const luaL_Reg *l, int nup);
UGC_HIDDEN void *ugc_testudata(lua_State *L, int i, const char *tname);
#endif

#if LUA_VERSION_NUM >= 503
#define ugc_isinteger(L, i) lua_isinteger(L, (i))
#else
#define ugc_isinteger(L, i) 0
#endif

#endif
