/* The seam between the C engine and Lua: what every request gives back,
 * whether its call blocked (session:post, :upload, :download) or it was
 * collected (req:result()). C reports what happened; what it means (the
 * error's kind, whether to send again, how long to wait) is decided in Lua,
 * in one place: moveugc/policy.lua.
 *
 *   post      -> status, doc, meta   an HTTP response arrived, of any status
 *   transfer  -> status, meta        (a non-2xx one included)
 *   either    -> nil, failure        no usable response
 *
 * meta, a table (fields absent when unknown):
 *   request_id   x-amzn-RequestId, or S3's x-amz-request-id
 *   retry_after  seconds, from the response's Retry-After
 *   ms           how long the exchange took
 *   sends        times the request went out: 2 when libcurl re-sent a query
 *                whose kept-alive connection it found dead
 *   posts:       problem, snippet: why doc is nil (the decoder's message, or
 *                "empty response body") and the body's start, control
 *                characters blanked
 *   transfers:   bytes (moved by this exchange), total (the object's size),
 *                resumed_from, etag, md5 (hex, when computed), error_body
 *                (the start of a non-2xx body: S3's XML error)
 *
 * failure, a table:
 *   kind         what the transport saw: network, timeout, tls (handshake),
 *                certificate, too_large (the response passed max_body),
 *                protocol (a scheme other than http/https), file, cancelled,
 *                unsupported (no MD5 on this machine), internal
 *   message      libcurl's or the system's words: never a URL, never the key
 *   reached      false when no byte of the request can have reached the
 *                server, so even a mutation may be sent again
 *   ms, sends, status (when a response had begun), request_id */
#include <string.h>

#include "../core/ugc_session.h"
#include "../core/ugc_transfer.h"
#include "lbinding.h"

static const char *ugc_failure_name(ugc_error e) {
  switch (e) {
    case UGC_E_TIMEOUT: return "timeout";
    case UGC_E_TLS: return "tls";
    case UGC_E_CERTIFICATE: return "certificate";
    case UGC_E_TOO_LARGE: return "too_large";
    case UGC_E_CANCELLED: return "cancelled";
    case UGC_E_PROTOCOL: return "protocol";
    case UGC_E_FILE: return "file";
    case UGC_E_UNSUPPORTED: return "unsupported";
    case UGC_E_NOMEM:
    case UGC_E_INTERNAL: return "internal";
    default: return "network";
  }
}

static void ugc_set_num(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void ugc_set_int(lua_State *L, const char *k, int64_t v) {
#if LUA_VERSION_NUM >= 503
  lua_pushinteger(L, (lua_Integer)v);
#else
  lua_pushnumber(L, (lua_Number)v);
#endif
  lua_setfield(L, -2, k);
}

static void ugc_set_str(lua_State *L, const char *k, const char *v) {
  if (!v[0]) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* The fields every result has; the table is on top. */
static void ugc_set_common(lua_State *L, const char *request_id, double retry_after, double ms,
                           int sends) {
  ugc_set_str(L, "request_id", request_id);
  if (retry_after >= 0) ugc_set_num(L, "retry_after", retry_after);
  ugc_set_num(L, "ms", ms);
  ugc_set_int(L, "sends", sends);
}

static int ugc_push_failure(lua_State *L, ugc_error e, const char *message, int reached,
                            long status, const char *request_id, double ms, int sends) {
  lua_pushnil(L);
  lua_createtable(L, 0, 7);
  lua_pushstring(L, ugc_failure_name(e));
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  lua_pushboolean(L, reached);
  lua_setfield(L, -2, "reached");
  if (status > 0) ugc_set_int(L, "status", status);
  ugc_set_common(L, request_id, -1, ms, sends);
  return 2;
}

static void ugc_push_snippet(lua_State *L, const char *s, size_t n) {
  char out[161];
  size_t i;
  if (n > sizeof out - 1) n = sizeof out - 1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
  }
  lua_pushlstring(L, out, n);
}

/* meta.headers from "Name: value\n" lines: names lower-cased, values
 * trimmed, a name given twice gets its values joined with ", " (RFC 9110). */
static void ugc_set_headers(lua_State *L, const char *p, size_t n) {
  const char *end = p + n;
  luaL_Buffer name;
  lua_newtable(L);
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *colon, *v, *ve;
    const char *line_end = nl ? nl : end;
    colon = memchr(p, ':', (size_t)(line_end - p));
    if (colon && colon > p) {
      const char *c;
      luaL_buffinit(L, &name);
      for (c = p; c < colon; c++) luaL_addchar(&name, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
      luaL_pushresult(&name);
      for (v = colon + 1; v < line_end && (*v == ' ' || *v == '\t'); v++) {
      }
      for (ve = line_end; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--) {
      }
      lua_pushvalue(L, -1);
      lua_rawget(L, -3); /* a value already there? */
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      } else {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      }
      lua_rawset(L, -3);
    }
    p = line_end + 1;
  }
  lua_setfield(L, -2, "headers");
}

int ugc_push_post_result(lua_State *L, const ugc_result *r, int mode) {
  int doc;
  if (r->error != UGC_OK)
    return ugc_push_failure(L, r->error, r->message, r->reach != UGC_REACH_NONE, r->status,
                            r->request_id, r->elapsed_ms, r->sends);
  lua_pushinteger(L, r->status);
  if (r->body_len == 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "empty response body");
    doc = 0;
  } else {
    doc = mode == UGC_JSON_CJSON ? ugc_json_decode_cjson(L, r->body, r->body_len)
                                 : ugc_json_decode(L, r->body, r->body_len, mode);
    if (!doc) { /* the decoder's message is on top: doc = nil below it */
      lua_pushnil(L);
      lua_insert(L, -2);
    }
  }
  /* stack: status, doc, [problem] */
  lua_createtable(L, 0, doc ? 5 : 7);
  ugc_set_common(L, r->request_id, r->retry_after_s, r->elapsed_ms, r->sends);
  ugc_set_int(L, "bytes", (lua_Integer)r->body_len);
  if (r->headers) ugc_set_headers(L, r->headers, r->headers_len);
  if (!doc) {
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "problem");
    ugc_push_snippet(L, r->body, r->body_len);
    lua_setfield(L, -2, "snippet");
    lua_remove(L, -2); /* the problem's copy on the stack */
  }
  return 3;
}

int ugc_push_xfer_result(lua_State *L, const ugc_xfer_result *r) {
  if (r->error != UGC_OK || r->aborted)
    return ugc_push_failure(L, r->aborted ? UGC_E_CANCELLED : r->error, r->message,
                            r->reach != UGC_REACH_NONE, r->status, r->request_id, r->elapsed_ms, 1);
  lua_pushinteger(L, r->status);
  lua_createtable(L, 0, 10);
  ugc_set_common(L, r->request_id, r->retry_after_s, r->elapsed_ms, 1);
  ugc_set_int(L, "bytes", r->bytes);
  if (r->total >= 0) ugc_set_int(L, "total", r->total);
  ugc_set_int(L, "resumed_from", r->resumed_from);
  ugc_set_str(L, "etag", r->etag);
  ugc_set_str(L, "md5", r->md5_hex);
  ugc_set_str(L, "error_body", r->error_body);
  return 2;
}
