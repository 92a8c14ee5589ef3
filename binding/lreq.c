/* Requests in flight, for the non-blocking mode: session:post_start(...),
 * :upload_start(url, path) and :download_start(url, part) return one. A
 * request keeps its session alive; closing the session cancels it. */
#include "../core/ugc_session.h"
#include "../core/ugc_transfer.h"
#include "lbinding.h"

#define UGC_REQ_MT "moveugc.request"

typedef struct ugc_lreq {
  ugc_req *q;
} ugc_lreq;

static ugc_lreq *ugc_check_req(lua_State *L) { return luaL_checkudata(L, 1, UGC_REQ_MT); }

/* Pushes an empty request userdata that references the session at index 1
 * (made first: a Lua memory error cannot then leak a request). */
static ugc_lreq *ugc_new_lreq(lua_State *L) {
  ugc_lreq *lr = lua_newuserdata(L, sizeof *lr);
  lr->q = NULL;
  luaL_getmetatable(L, UGC_REQ_MT);
  lua_setmetatable(L, -2);
  lua_createtable(L, 1, 0); /* uservalue: keeps the session from collection */
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
#if LUA_VERSION_NUM >= 502
  lua_setuservalue(L, -2);
#else
  lua_setfenv(L, -2);
#endif
  return lr;
}

/* Fills the userdata on top with q and hands q to the worker: the worker's
 * until it is done, or freed by __gc. */
static int ugc_submit_lreq(lua_State *L, ugc_lreq *lr, ugc_req *q) {
  if (!q) return luaL_error(L, "moveugc: out of memory");
  lr->q = q;
  if (ugc_req_submit(q) != 0)
    return luaL_error(L, "moveugc: %s", ugc_session_start_error(ugc_check_session(L, 1)->s));
  return 1;
}

/* A post of the body built from the arguments at 2 and 3 (see
 * ugc_build_body), into the empty request userdata lr: the userdata is
 * made first, since making it may run a finalizer that calls the SDK. */
static ugc_req *ugc_lreq_post(lua_State *L, ugc_lsession *ls, int flags, long timeout_ms) {
  ugc_buf body = ugc_body_take(ls);
  ugc_req *q;
  ugc_build_body(L, ls, &body);
  q = ugc_post_new(ls->s, body.data, body.len, flags);
  ugc_body_give(ls, &body);
  if (q) ugc_req_set_timeout(q, timeout_ms);
  return q;
}

/* session:post_start(prefix, variables, is_mutation, compressed, timeout_ms, headers):
 * a post in flight (the arguments as session:post's) */
int ugc_l_req_post(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  long timeout_ms = ugc_opt_timeout_ms(L, 6);
  int flags = ugc_post_flags(L, 4) | (lua_toboolean(L, 7) ? UGC_POST_HEADERS : 0);
  ugc_lreq *lr = ugc_new_lreq(L);
  return ugc_submit_lreq(L, lr, ugc_lreq_post(L, ls, flags, timeout_ms));
}

int ugc_post_nested(lua_State *L, ugc_lsession *ls, int flags, int mode, long timeout_ms) {
  ugc_lreq *lr = ugc_new_lreq(L); /* frees the request if a decode raises */
  int n;
  ugc_submit_lreq(L, lr, ugc_lreq_post(L, ls, flags, timeout_ms));
  ugc_req_wait(lr->q, -1);
  n = ugc_push_post_result(L, ugc_req_result(lr->q), mode);
  ugc_req_free(lr->q);
  lr->q = NULL;
  return n;
}

int ugc_l_req_upload(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  const char *url = ugc_check_cstring(L, 2, "session:upload_start", "url");
  const char *path = ugc_check_cstring(L, 3, "session:upload_start", "path");
  long timeout_ms = ugc_opt_timeout_ms(L, 4);
  ugc_lreq *lr = ugc_new_lreq(L);
  ugc_req *q = ugc_upload_new(ls->s, url, path);
  ugc_req_set_timeout(q, timeout_ms);
  return ugc_submit_lreq(L, lr, q);
}

int ugc_l_req_download(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  const char *url = ugc_check_cstring(L, 2, "session:download_start", "url");
  const char *part = ugc_check_cstring(L, 3, "session:download_start", "part");
  long timeout_ms = ugc_opt_timeout_ms(L, 4);
  ugc_lreq *lr = ugc_new_lreq(L);
  ugc_req *q = ugc_download_new(ls->s, url, part);
  ugc_req_set_timeout(q, timeout_ms);
  return ugc_submit_lreq(L, lr, q);
}

static int ugc_l_req_done(lua_State *L) {
  ugc_lreq *lr = ugc_check_req(L);
  lua_pushboolean(L, !lr->q || ugc_req_done(lr->q));
  return 1;
}

/* req:result(api) -> what session:post or session:upload/download return
 * (the seam: binding/lresult.c) */
static int ugc_l_req_result(lua_State *L) {
  ugc_lreq *lr = ugc_check_req(L);
  if (!lr->q) return luaL_error(L, "moveugc: the request was freed");
  if (!ugc_req_done(lr->q)) return luaL_error(L, "moveugc: the request is not done");
  if (ugc_req_kind_of(lr->q) == UGC_REQ_POST)
    return ugc_push_post_result(L, ugc_req_result(lr->q),
                                lua_toboolean(L, 2) ? UGC_JSON_API : UGC_JSON_CJSON);
  return ugc_push_xfer_result(L, ugc_req_xfer(lr->q));
}

/* req:progress() -> done, total (nil when unknown) */
static int ugc_l_req_progress(lua_State *L) {
  ugc_lreq *lr = ugc_check_req(L);
  int64_t done = 0, total = -1;
  if (lr->q) ugc_req_progress(lr->q, &done, &total);
  lua_pushnumber(L, (lua_Number)done);
  if (total >= 0) lua_pushnumber(L, (lua_Number)total);
  else lua_pushnil(L);
  return 2;
}

static int ugc_l_req_cancel(lua_State *L) {
  ugc_lreq *lr = ugc_check_req(L);
  if (lr->q) ugc_req_cancel(lr->q);
  return 0;
}

static int ugc_l_req_free(lua_State *L) {
  ugc_lreq *lr = ugc_check_req(L);
  if (lr->q) {
    ugc_req_free(lr->q);
    lr->q = NULL;
  }
  return 0;
}

int ugc_req_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"done", ugc_l_req_done},     {"result", ugc_l_req_result},
                                     {"progress", ugc_l_req_progress}, {"cancel", ugc_l_req_cancel},
                                     {"free", ugc_l_req_free},     {NULL, NULL}};
  static const luaL_Reg meta[] = {{"__gc", ugc_l_req_free}, {"__close", ugc_l_req_free}, {NULL, NULL}};
  luaL_newmetatable(L, UGC_REQ_MT);
  lua_pushvalue(L, -2);
  ugc_setfuncs(L, meta, 1);
  lua_newtable(L);
  lua_pushvalue(L, -3);
  ugc_setfuncs(L, methods, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, UGC_REQ_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  return 0;
}
