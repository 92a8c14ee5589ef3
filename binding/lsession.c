/* The session userdata: a Lua face on core/ugc_session (blocking calls and
 * the step loop). Requests in flight are userdata of their own: lreq.c. */
#include <math.h>
#include <string.h>

#include "../core/ugc_session.h"
#include "../core/ugc_transfer.h"
#include "lbinding.h"

ugc_lsession *ugc_check_session(lua_State *L, int idx) {
  ugc_lsession *ls = luaL_checkudata(L, idx, UGC_SESSION_MT);
  if (!ls->s || ls->closing) luaL_error(L, "moveugc: the client is closed");
  if (ugc_session_forked(ls->s))
    luaL_error(L, "moveugc: this client was made before fork(), in the parent process: "
                  "make a new client in this one");
  return ls;
}

/* ==== creation ========================================================= */

/* An option that C reads as a C string: no NUL byte, and when it becomes
 * a header value (header != 0), no control character either: CR or LF would
 * start a header of the caller's (or an attacker's) choosing. */
static const char *ugc_opt_string(lua_State *L, int t, const char *name, int required, int header) {
  const char *v;
  size_t n, i;
  lua_getfield(L, t, name);
  if (lua_isnil(L, -1) && !required) {
    lua_pop(L, 1);
    return NULL;
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "moveugc.core.session: '%s' must be a string", name);
  v = lua_tolstring(L, -1, &n);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c == 0 || (header && (c < 0x20 || c == 0x7f)))
      luaL_error(L, "moveugc.core.session: '%s' contains a %s", name,
                 c == 0 ? "NUL byte" : "control character");
  }
  lua_pop(L, 1); /* the string stays referenced by the options table */
  return v;
}

/* A number in [lo, hi]; NaN and infinities are refused (a cast of them to
 * an integer is undefined behaviour). */
static double ugc_opt_number(lua_State *L, int t, const char *name, double dflt, double lo,
                             double hi) {
  double v = dflt;
  lua_getfield(L, t, name);
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "moveugc.core.session: '%s' must be a number", name);
    v = lua_tonumber(L, -1);
    if (!(v >= lo && v <= hi))
      luaL_error(L, "moveugc.core.session: '%s' must be from %f to %f", name, lo, hi);
  }
  lua_pop(L, 1);
  return v;
}

int ugc_l_session_new(lua_State *L) {
  ugc_config cfg;
  ugc_lsession *ls;
  char err[256];
  luaL_checktype(L, 1, LUA_TTABLE);
  ugc_config_defaults(&cfg);
  cfg.endpoint = ugc_opt_string(L, 1, "endpoint", 1, 1);
  cfg.api_key = ugc_opt_string(L, 1, "api_key", 1, 1);
  cfg.user_agent = ugc_opt_string(L, 1, "user_agent", 1, 1);
  cfg.ca_file = ugc_opt_string(L, 1, "ca_file", 0, 0);
  /* whole milliseconds, at least 1: libcurl reads 0 as "no timeout" */
  cfg.timeout_ms =
      (long)ceil(ugc_opt_number(L, 1, "timeout", cfg.timeout_ms / 1000.0, 0.001, 2e6) * 1000);
  cfg.connect_timeout_ms = (long)ceil(
      ugc_opt_number(L, 1, "connect_timeout", cfg.connect_timeout_ms / 1000.0, 0.001, 2e6) * 1000);
  cfg.max_body = (size_t)ugc_opt_number(L, 1, "max_body", (double)cfg.max_body, 1, 9007199254740992.0);
  cfg.transfer_limit = (int)ugc_opt_number(L, 1, "max_transfers", cfg.transfer_limit, 1, 1024);
  /* a valid empty object first, so a failure below leaves nothing dangling */
  ls = lua_newuserdata(L, sizeof *ls);
  ls->s = NULL;
  ls->busy = ls->closing = ls->decoding = 0;
  ugc_buf_init(&ls->req, 0);
  luaL_getmetatable(L, UGC_SESSION_MT);
  lua_setmetatable(L, -2);
  ls->s = ugc_session_new(&cfg, err, sizeof err);
  if (!ls->s) return luaL_error(L, "moveugc: cannot create a session: %s", err);
  return 1;
}

static void ugc_lsession_free(ugc_lsession *ls) {
  ugc_session_free(ls->s); /* requests held by Lua are cancelled and detached */
  ls->s = NULL;
  ugc_buf_free(&ls->req);
}

/* A blocking call runs: a close from inside it (a progress function, a
 * finalizer) only cancels, and the call frees the session once it has
 * stopped using it. */
static void ugc_lsession_enter(ugc_lsession *ls) { ls->busy++; }

static void ugc_lsession_leave(ugc_lsession *ls) {
  if (--ls->busy == 0 && ls->closing) {
    ls->closing = 0;
    ugc_lsession_free(ls);
  }
}

static int ugc_l_session_close(lua_State *L) {
  ugc_lsession *ls = luaL_checkudata(L, 1, UGC_SESSION_MT);
  if (!ls->s || ls->closing) return 0;
  if (ls->busy) {
    ls->closing = 1;
    ugc_session_cancel_all(ls->s);
  } else {
    ugc_lsession_free(ls);
  }
  return 0;
}

/* The request body into b (the session's reusable buffer, taken out of it
 * by ugc_body_take): the prefix at 2 (the JSON object's start,
 * `{"query":"...","operationName":"..."`, which Lua builds once per
 * document), then `,"variables":` and the table at 3 when there is one,
 * then `}`. */
void ugc_build_body(lua_State *L, ugc_lsession *ls, ugc_buf *b) {
  size_t pn;
  const char *prefix = luaL_checklstring(L, 2, &pn), *err;
  int fail;
  if (!lua_isnil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  ugc_buf_reset(b);
  fail = ugc_buf_append(b, prefix, pn);
  if (!fail && !lua_isnil(L, 3)) {
    fail = ugc_buf_puts(b, ",\"variables\":");
    if (!fail && (err = ugc_json_encode(L, 3, b)) != NULL) {
      ugc_body_give(ls, b);
      luaL_error(L, "moveugc: cannot encode the variables: %s", err);
    }
  }
  if (fail || ugc_buf_putc(b, '}')) {
    ugc_body_give(ls, b);
    luaL_error(L, "moveugc: out of memory");
  }
}

/* The reusable body buffer is taken while a body is built and sent, and
 * given back after: a finalizer that runs meanwhile (Lua allocates) and
 * calls the SDK on this client builds into a buffer of its own. */
ugc_buf ugc_body_take(ugc_lsession *ls) {
  ugc_buf b = ls->req;
  ugc_buf_init(&ls->req, 0);
  return b;
}

void ugc_body_give(ugc_lsession *ls, ugc_buf *b) {
  if (ls->req.data || !ls->s) { /* one came back first, or the session is gone */
    ugc_buf_free(b);
    return;
  }
  if (b->cap > 1024 * 1024) ugc_buf_shrink(b, 64 * 1024);
  ls->req = *b;
  ugc_buf_init(b, 0);
}

/* Post flags from the booleans at idx (mutation) and idx + 1 (compressed). */
int ugc_post_flags(lua_State *L, int idx) {
  return (lua_toboolean(L, idx) ? UGC_POST_MUTATION : 0) |
         (lua_toboolean(L, idx + 1) ? UGC_POST_COMPRESSED : 0);
}

/* A request's own timeout at idx: whole milliseconds; nil, false or 0 for
 * the session's. */
long ugc_opt_timeout_ms(lua_State *L, int idx) {
  lua_Number ms;
  if (!lua_toboolean(L, idx)) return 0;
  ms = luaL_checknumber(L, idx);
  if (!(ms >= 0 && ms <= 2e9)) luaL_argerror(L, idx, "milliseconds from 0 to 2e9 expected");
  return (long)ceil(ms);
}

/* ==== blocking calls =================================================== */

/* session:post(prefix, variables, is_mutation, compressed, api, timeout_ms, headers)
 * -> status, doc, meta or nil, failure (binding/lresult.c): one exchange.
 * api: the SDK's own decoder in API mode; else lua-cjson (ugc.graphql).
 * timeout_ms: this post's own (nil: the session's); headers: keep the
 * response's headers (meta.headers). */
static int ugc_l_session_post(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  int flags = ugc_post_flags(L, 4), mode = lua_toboolean(L, 6) ? UGC_JSON_API : UGC_JSON_CJSON, n;
  long timeout_ms = ugc_opt_timeout_ms(L, 7);
  ugc_result r;
  ugc_buf body;
  if (lua_toboolean(L, 8)) flags |= UGC_POST_HEADERS;
  if (ls->decoding) return ugc_post_nested(L, ls, flags, mode, timeout_ms);
  body = ugc_body_take(ls);
  ugc_build_body(L, ls, &body);
  ugc_lsession_enter(ls); /* until the decode is done: a close meanwhile waits */
  ugc_session_post(ls->s, body.data, body.len, flags, timeout_ms, &r);
  ugc_body_give(ls, &body);
  /* the decode reads the session's buffer (r.body) while it allocates, and
   * an allocation may run a finalizer that posts on this client: such a
   * post goes around that buffer (ugc_post_nested) */
  ls->decoding = 1;
  n = ugc_push_post_result(L, &r, mode);
  ls->decoding = 0;
  ugc_lsession_leave(ls);
  return n;
}

typedef struct ugc_lprogress {
  lua_State *L;
  int fn;     /* stack index of the Lua progress function, 0 for none */
  int failed; /* the function raised: its error is on top of the stack */
} ugc_lprogress;

/* Called between session steps, never from inside libcurl: a Lua error is
 * caught here and re-raised once the transfer has stopped. Returning false
 * from the function stops the transfer (kind "cancelled"). */
static int ugc_call_progress(void *ud, int64_t done, int64_t total) {
  ugc_lprogress *p = ud;
  lua_State *L = p->L;
  lua_pushvalue(L, p->fn);
  lua_pushnumber(L, (lua_Number)done);
  if (total >= 0) lua_pushnumber(L, (lua_Number)total);
  else lua_pushnil(L);
  if (lua_pcall(L, 2, 1, 0) != 0) {
    p->failed = 1;
    return 1;
  }
  if (lua_toboolean(L, -1) == 0 && !lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 1;
  }
  lua_pop(L, 1);
  return 0;
}

/* session:upload(url, path, progress?, timeout_ms?) / session:download(url, part, progress?, timeout_ms?)
 * -> status, meta or nil, failure (binding/lresult.c); timeout_ms: the stall
 * time of this transfer (nil: the session's timeout) */
static int ugc_l_session_transfer(lua_State *L, int upload) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  const char *fname = upload ? "session:upload" : "session:download";
  const char *url = ugc_check_cstring(L, 2, fname, "url");
  const char *path = ugc_check_cstring(L, 3, fname, "path");
  long timeout_ms = ugc_opt_timeout_ms(L, 5);
  ugc_lprogress p;
  ugc_xfer_result r;
  ugc_req *q;
  p.L = L;
  p.fn = 0;
  p.failed = 0;
  if (!lua_isnoneornil(L, 4)) {
    luaL_checktype(L, 4, LUA_TFUNCTION);
    p.fn = 4;
  }
  lua_settop(L, 4);
  ugc_lsession_enter(ls);
  q = upload ? ugc_upload_new(ls->s, url, path) : ugc_download_new(ls->s, url, path);
  ugc_req_set_timeout(q, timeout_ms);
  ugc_xfer_run(q, p.fn ? ugc_call_progress : NULL, &p, &r);
  ugc_lsession_leave(ls);
  if (p.failed) return lua_error(L);
  return ugc_push_xfer_result(L, &r);
}

static int ugc_l_session_upload(lua_State *L) { return ugc_l_session_transfer(L, 1); }
static int ugc_l_session_download(lua_State *L) { return ugc_l_session_transfer(L, 0); }

/* ==== the step loop ==================================================== */

/* session:step(timeout_s?) -> requests not collected yet. Collects what
 * the worker finished; with a timeout, waits up to it when nothing has. */
static int ugc_l_session_step(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  lua_Number t = luaL_optnumber(L, 2, 0);
  long ms = t > 0 ? (long)(t * 1000.0 + 0.5) : 0;
  if (t > 0 && ms == 0) ms = 1;
  if (t > 2e6) ms = 2000000000L;
  lua_pushinteger(L, ugc_session_step(ls->s, ms));
  return 1;
}

/* session:timeout_ms() -> milliseconds, or nil when nothing runs */
static int ugc_l_session_timeout_ms(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  long ms = ugc_session_timeout_ms(ls->s);
  if (ms < 0) lua_pushnil(L);
  else lua_pushinteger(L, ms);
  return 1;
}

/* session:random() -> a number in [0, 1) for jitter, not for secrets */
static int ugc_l_session_random(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  lua_pushnumber(L, ugc_session_random(ls->s));
  return 1;
}

/* session:fd() -> the descriptor that is readable when step has work, or
 * nil, message when it cannot be made (descriptors exhausted) */
static int ugc_l_session_fd(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  int fd = ugc_session_fd(ls->s);
  if (fd < 0) {
    lua_pushnil(L);
    lua_pushstring(L, ugc_session_start_error(ls->s));
    return 2;
  }
  lua_pushinteger(L, fd);
  return 1;
}

/* session:notify(): work for step that no request brought (a task made
 * ready): fd() becomes readable and timeout_ms() 0 until the next step */
static int ugc_l_session_notify(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  ugc_session_notify(ls->s);
  return 0;
}

/* session:sockets() -> {fd()}, {}: what a host watched before the worker
 * thread (libcurl's sockets); the wake descriptor now stands for them all. */
static int ugc_l_session_sockets(lua_State *L) {
  ugc_lsession *ls = ugc_check_session(L, 1);
  int fd = ugc_session_fd(ls->s);
  lua_createtable(L, 1, 0);
  if (fd >= 0) {
    lua_pushinteger(L, fd);
    lua_rawseti(L, -2, 1);
  }
  lua_createtable(L, 0, 0);
  return 2;
}

static int ugc_l_session_gc(lua_State *L) {
  ugc_lsession *ls = luaL_checkudata(L, 1, UGC_SESSION_MT);
  if (ls->s) ugc_lsession_free(ls); /* no call can be running any more */
  return 0;
}

static int ugc_l_session_tostring(lua_State *L) {
  ugc_lsession *ls = luaL_checkudata(L, 1, UGC_SESSION_MT);
  lua_pushfstring(L, "moveugc.session (%s)", ls->s ? "open" : "closed");
  return 1;
}

int ugc_session_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"post", ugc_l_session_post},
                                     {"upload", ugc_l_session_upload},
                                     {"download", ugc_l_session_download},
                                     {"post_start", ugc_l_req_post},
                                     {"upload_start", ugc_l_req_upload},
                                     {"download_start", ugc_l_req_download},
                                     {"step", ugc_l_session_step},
                                     {"timeout_ms", ugc_l_session_timeout_ms},
                                     {"sockets", ugc_l_session_sockets},
                                     {"fd", ugc_l_session_fd},
                                     {"notify", ugc_l_session_notify},
                                     {"random", ugc_l_session_random},
                                     {"close", ugc_l_session_close},
                                     {NULL, NULL}};
  static const luaL_Reg meta[] = {{"__gc", ugc_l_session_gc},
                                  {"__close", ugc_l_session_close},
                                  {"__tostring", ugc_l_session_tostring},
                                  {NULL, NULL}};
  /* context table at -1 becomes every method's upvalue */
  luaL_newmetatable(L, UGC_SESSION_MT);
  lua_pushvalue(L, -2);
  ugc_setfuncs(L, meta, 1);
  lua_newtable(L);
  lua_pushvalue(L, -3);
  ugc_setfuncs(L, methods, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, UGC_SESSION_MT);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  return ugc_req_open(L);
}
