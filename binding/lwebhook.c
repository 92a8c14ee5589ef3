/* Webhook signatures for Lua: thin wrappers over core/ugc_webhook. The policy
 * (header names, the timestamp window, error tables) is in
 * binding/moveugc/webhook_signature.lua. */
#include "../core/ugc_webhook.h"
#include "lbinding.h"

/* Every string goes to C with its length: the exact bytes are signed, an
 * embedded NUL included (an id "a\0b" is not the id "a"). */

/* webhook_sign(key_bytes, id, timestamp, body) -> base64 signature */
int ugc_l_webhook_sign(lua_State *L) {
  size_t keylen, idlen, tslen, bodylen;
  const char *key = luaL_checklstring(L, 1, &keylen);
  const char *id = luaL_checklstring(L, 2, &idlen);
  const char *ts = luaL_checklstring(L, 3, &tslen);
  const char *body = luaL_checklstring(L, 4, &bodylen);
  char sig[UGC_WEBHOOK_SIG_SIZE];
  if (ugc_webhook_sign((const unsigned char *)key, keylen, id, idlen, ts, tslen, body, bodylen,
                       sig) != 0)
    return luaL_error(L, "moveugc.core.webhook_sign: HMAC-SHA256 failed");
  lua_pushstring(L, sig);
  return 1;
}

/* webhook_verify(key_bytes, id, timestamp, body, signature_header) -> boolean:
 * true when a v1 entry of the header matches, compared in constant time. */
int ugc_l_webhook_verify(lua_State *L) {
  size_t keylen, idlen, tslen, bodylen, hlen;
  const char *key = luaL_checklstring(L, 1, &keylen);
  const char *id = luaL_checklstring(L, 2, &idlen);
  const char *ts = luaL_checklstring(L, 3, &tslen);
  const char *body = luaL_checklstring(L, 4, &bodylen);
  const char *header = luaL_checklstring(L, 5, &hlen);
  int r = ugc_webhook_verify((const unsigned char *)key, keylen, id, idlen, ts, tslen, body,
                             bodylen, header, hlen);
  if (r < 0) return luaL_error(L, "moveugc.core.webhook_verify: HMAC-SHA256 failed");
  lua_pushboolean(L, r);
  return 1;
}

/* base64_decode(text) -> bytes, or nil when text is not base64 */
int ugc_l_base64_decode(lua_State *L) {
  size_t n, outlen = 0;
  const char *s = luaL_checklstring(L, 1, &n);
  /* scratch space the collector owns: nothing leaks if a push below raises */
  unsigned char *out = lua_newuserdata(L, ugc_base64_decoded_max(n));
  if (ugc_base64_decode(s, n, out, &outlen) != 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlstring(L, (const char *)out, outlen);
  return 1;
}
