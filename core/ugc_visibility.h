/* Inside the Lua module, core/ is an implementation detail: its symbols stay
 * hidden so only luaopen_moveugc_core is exported, whatever flags the build
 * (make, LuaRocks) uses. A C host that links core/ as a shared library of its
 * own defines UGC_SHARED_API to export them. */
#ifndef UGC_VISIBILITY_H
#define UGC_VISIBILITY_H

#if defined(__GNUC__) && !defined(UGC_SHARED_API)
#define UGC_BEGIN_HIDDEN _Pragma("GCC visibility push(hidden)")
#define UGC_END_HIDDEN _Pragma("GCC visibility pop")
#else
#define UGC_BEGIN_HIDDEN
#define UGC_END_HIDDEN
#endif

#endif
