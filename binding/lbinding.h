/* Internal interface between the binding's C files. Only these files include
 * Lua headers; core/ stays a plain C library. */
#ifndef MOVEUGC_LBINDING_H
#define MOVEUGC_LBINDING_H

#include "../core/ugc_buf.h"
#include "compat.h"

/* The module's context table is the first upvalue of every C function:
 * slots hold the private cjson decoder, cjson.null and the array marker. */
#define UGC_CTX lua_upvalueindex(1)
#define UGC_CTX_DECODE 1
#define UGC_CTX_ARRAY_MT 2
#define UGC_CTX_SCRATCH 3     /* ldecode.c: its scratch area, */
#define UGC_CTX_KEYS 4        /* its key cache's slots */
#define UGC_CTX_KEY_STRINGS 5 /* and the strings they point to */

/* How a response is decoded. */
#define UGC_JSON_RAW 0   /* ldecode.c: nulls dropped, integers */
#define UGC_JSON_API 1   /* the same, and every metadata value the user's JSON */
#define UGC_JSON_CJSON 2 /* lua-cjson, normalised as RAW (ugc.graphql) */

UGC_HIDDEN int ugc_json_setup(lua_State *L); /* fills the context table at -1 */
/* Appends the JSON for the value at idx; NULL or an error message. */
UGC_HIDDEN const char *ugc_json_encode(lua_State *L, int idx, ugc_buf *b);
/* Decode s (s[n] must be NUL) in mode UGC_JSON_RAW or _API (ldecode.c), or
 * with lua-cjson (ljson.c): push the value and return 1, or push an error
 * message and return 0. */
UGC_HIDDEN int ugc_json_decode(lua_State *L, const char *s, size_t n, int mode);
UGC_HIDDEN int ugc_json_decode_cjson(lua_State *L, const char *s, size_t n);
UGC_HIDDEN void ugc_json_decode_setup(lua_State *L, int ctx); /* ldecode.c's context slots */
UGC_HIDDEN int ugc_l_json_encode(lua_State *L);
UGC_HIDDEN int ugc_l_json_decode(lua_State *L);
UGC_HIDDEN int ugc_l_array(lua_State *L);

/* lsession.c: the session userdata */
#define UGC_SESSION_MT "moveugc.session"
struct ugc_session;
struct ugc_result;
struct ugc_xfer_result;
typedef struct ugc_lsession {
  struct ugc_session *s;
  ugc_buf req;  /* the request body, reused from call to call */
  int busy;     /* blocking calls running (a progress function may call in) */
  int decoding; /* a blocking post's response is being decoded from the
                 * session's buffer: a post meanwhile is nested */
  int closing;  /* closed while busy: freed when the last blocking call ends */
} ugc_lsession;

UGC_HIDDEN int ugc_session_open(lua_State *L); /* registers the session and request types */
UGC_HIDDEN int ugc_l_session_new(lua_State *L);
UGC_HIDDEN ugc_lsession *ugc_check_session(lua_State *L, int idx);
UGC_HIDDEN void ugc_build_body(lua_State *L, ugc_lsession *ls, ugc_buf *b);
UGC_HIDDEN ugc_buf ugc_body_take(ugc_lsession *ls);
UGC_HIDDEN void ugc_body_give(ugc_lsession *ls, ugc_buf *b);
UGC_HIDDEN int ugc_post_flags(lua_State *L, int idx);
UGC_HIDDEN long ugc_opt_timeout_ms(lua_State *L, int idx);
/* lresult.c: the results every request gives Lua, described there */
UGC_HIDDEN int ugc_push_post_result(lua_State *L, const struct ugc_result *r, int mode);
UGC_HIDDEN int ugc_push_xfer_result(lua_State *L, const struct ugc_xfer_result *r);

/* lreq.c: requests in flight (non-blocking mode) */
UGC_HIDDEN int ugc_req_open(lua_State *L);
UGC_HIDDEN int ugc_l_req_post(lua_State *L);
UGC_HIDDEN int ugc_l_req_upload(lua_State *L);
UGC_HIDDEN int ugc_l_req_download(lua_State *L);
/* session:post's form while another post's response is decoded: a request
 * of its own, waited for (arguments as session:post's) */
UGC_HIDDEN int ugc_post_nested(lua_State *L, ugc_lsession *ls, int flags, int mode, long timeout_ms);

UGC_HIDDEN int ugc_l_webhook_sign(lua_State *L);   /* lwebhook.c */
UGC_HIDDEN int ugc_l_webhook_verify(lua_State *L);
UGC_HIDDEN int ugc_l_base64_decode(lua_State *L);

/* lfs.c. A string argument that C will read up to its first NUL: raises
 * "<fname>: bad argument '<what>' (contains a NUL byte)" rather than let C
 * see a shorter string than Lua passed. */
UGC_HIDDEN const char *ugc_check_cstring(lua_State *L, int idx, const char *fname,
                                         const char *what);
UGC_HIDDEN int ugc_l_path_kind(lua_State *L);
UGC_HIDDEN int ugc_l_mkdirs(lua_State *L);

UGC_HIDDEN int ugc_l_operation_type(lua_State *L); /* lgraphql.c */

#endif
