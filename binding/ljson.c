/* JSON for the binding: requests are encoded here; the SDK's own responses
 * are decoded by ldecode.c, ugc.graphql's by a private lua-cjson instance
 * normalised here, so Lua code never sees cjson's quirks (null sentinels,
 * integral floats): null fields of an object are removed, null members of a
 * list dropped (the rest moved down, so the list has no holes), integral
 * floats made integers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lbinding.h"

#define UGC_JSON_MAX_DEPTH 64

/* ==== encoding ========================================================= */

static int ugc_is_array_marked(lua_State *L, int idx) {
  int marked;
  if (!lua_getmetatable(L, idx)) return 0;
  lua_rawgeti(L, UGC_CTX, UGC_CTX_ARRAY_MT);
  marked = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return marked;
}

/* 1: array of n items, 0: object, -1: keys that JSON cannot express */
static int ugc_table_shape(lua_State *L, int idx, size_t *n) {
  size_t count = 0, max = 0;
  int strings = 0, numbers = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      strings = 1;
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
      lua_Number k = lua_tonumber(L, -1);
      if (k < 1 || k != floor(k) || k > 1e15) {
        lua_pop(L, 1);
        return -1;
      }
      numbers = 1;
      count++;
      if ((size_t)k > max) max = (size_t)k;
    } else {
      lua_pop(L, 1);
      return -1;
    }
  }
  if (strings && numbers) return -1;
  if (numbers && max != count) return -1; /* sparse: nil holes */
  *n = count;
  return numbers;
}

static const char *ugc_encode_at(lua_State *L, int idx, ugc_buf *b, int depth);

static const char *ugc_encode_table(lua_State *L, int idx, ugc_buf *b, int depth) {
  size_t n = 0, i;
  int shape;
  const char *err;
  if (depth > UGC_JSON_MAX_DEPTH) return "table nested too deeply (or a cycle)";
  luaL_checkstack(L, 4, "json encode");
  if (ugc_is_array_marked(L, idx)) {
    shape = 1;
    n = ugc_rawlen(L, idx);
  } else {
    shape = ugc_table_shape(L, idx, &n);
  }
  if (shape < 0) return "table mixes array and object keys, has holes, or non-string keys";
  if (shape == 1) {
    if (ugc_buf_putc(b, '[')) return "out of memory";
    for (i = 1; i <= n; i++) {
      if (i > 1 && ugc_buf_putc(b, ',')) return "out of memory";
      lua_rawgeti(L, idx, (int)i);
      err = ugc_encode_at(L, lua_gettop(L), b, depth + 1);
      lua_pop(L, 1);
      if (err) return err;
    }
    return ugc_buf_putc(b, ']') ? "out of memory" : NULL;
  }
  if (ugc_buf_putc(b, '{')) return "out of memory";
  i = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t kl;
    const char *k = lua_tolstring(L, -2, &kl); /* keys are strings: checked above */
    if ((i++ && ugc_buf_putc(b, ',')) || ugc_buf_json_string(b, k, kl) || ugc_buf_putc(b, ':')) {
      lua_pop(L, 2);
      return "out of memory";
    }
    err = ugc_encode_at(L, lua_gettop(L), b, depth + 1);
    lua_pop(L, 1);
    if (err) {
      lua_pop(L, 1);
      return err;
    }
  }
  return ugc_buf_putc(b, '}') ? "out of memory" : NULL;
}

static const char *ugc_encode_number(lua_State *L, int idx, ugc_buf *b) {
  char num[40];
  lua_Number x;
#if LUA_VERSION_NUM >= 503
  if (lua_isinteger(L, idx)) {
    snprintf(num, sizeof num, LUA_INTEGER_FMT, lua_tointeger(L, idx));
    return ugc_buf_puts(b, num) ? "out of memory" : NULL;
  }
#endif
  x = lua_tonumber(L, idx);
  if (x != x || x == HUGE_VAL || x == -HUGE_VAL) return "cannot encode NaN or infinity";
  if (x == floor(x) && fabs(x) < 1e15) {
    snprintf(num, sizeof num, "%.0f", x);
  } else {
    snprintf(num, sizeof num, "%.14g", x);
    if (strtod(num, NULL) != x) snprintf(num, sizeof num, "%.17g", x);
  }
  {
    char *comma = strchr(num, ','); /* a host that set a locale with a decimal comma */
    if (comma) *comma = '.';
  }
  return ugc_buf_puts(b, num) ? "out of memory" : NULL;
}

static const char *ugc_encode_at(lua_State *L, int idx, ugc_buf *b, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      return ugc_buf_puts(b, "null") ? "out of memory" : NULL;
    case LUA_TBOOLEAN:
      return ugc_buf_puts(b, lua_toboolean(L, idx) ? "true" : "false") ? "out of memory" : NULL;
    case LUA_TNUMBER:
      return ugc_encode_number(L, idx, b);
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      return ugc_buf_json_string(b, s, n) ? "out of memory" : NULL;
    }
    case LUA_TTABLE:
      return ugc_encode_table(L, idx, b, depth);
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) /* cjson.null, from a user who kept it */
        return ugc_buf_puts(b, "null") ? "out of memory" : NULL;
      /* fall through */
    default:
      return "cannot encode a function, userdata or thread value";
  }
}

const char *ugc_json_encode(lua_State *L, int idx, ugc_buf *b) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  return ugc_encode_at(L, idx, b, 0);
}

/* ==== lua-cjson, for ugc.graphql ======================================== */

/* The escape hatch decodes with lua-cjson (its answers have any shape, the
 * SDK's own responses go through ldecode.c), then normalises in one walk:
 * null fields removed, null members of a list dropped and the rest moved
 * down, integral floats made integers. Keys and metadata as the server sent
 * them. */

static int ugc_is_null(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

static void ugc_normalise_table(lua_State *L, int t, int depth);

/* Normalises the value on top of the stack, possibly replacing it. */
static void ugc_normalise_top(lua_State *L, int depth) {
  int top = lua_gettop(L);
  if (lua_type(L, top) == LUA_TTABLE) {
    ugc_normalise_table(L, top, depth + 1);
  } else if (ugc_is_null(L, top)) {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
#if LUA_VERSION_NUM >= 503
  else if (lua_type(L, top) == LUA_TNUMBER && !lua_isinteger(L, top)) {
    lua_Number x = lua_tonumber(L, top);
    lua_Integer i;
    if (x == floor(x) && lua_numbertointeger(x, &i)) {
      lua_pop(L, 1);
      lua_pushinteger(L, i);
    }
  }
#endif
}

/* A JSON array (cjson gives it keys 1..n, null members included, so there is
 * no hole yet): null members are dropped and the rest moved down, in order. */
static void ugc_normalise_array(lua_State *L, int t, size_t n, int depth) {
  size_t i, j = 0;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, t, (int)i);
    if (ugc_is_null(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    j++;
    ugc_normalise_top(L, depth);
    if (j == i && lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1); /* in place already */
    } else {
      lua_rawseti(L, t, (int)j);
    }
  }
  for (i = n; i > j; i--) { /* from the end: the table stays a sequence */
    lua_pushnil(L);
    lua_rawseti(L, t, (int)i);
  }
}

/* A JSON object: null fields cleared, values normalised in place (clearing
 * or assigning an existing field during traversal is allowed). */
static void ugc_normalise_object(lua_State *L, int t, int depth) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int vt = lua_type(L, -1);
    if (vt == LUA_TLIGHTUSERDATA && ugc_is_null(L, -1)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_pushnil(L);
      lua_rawset(L, t);
    } else if (vt == LUA_TTABLE) {
      ugc_normalise_table(L, lua_gettop(L), depth + 1);
      lua_pop(L, 1);
    }
#if LUA_VERSION_NUM >= 503
    else if (vt == LUA_TNUMBER && !lua_isinteger(L, -1)) {
      ugc_normalise_top(L, depth);
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, t);
    }
#endif
    else {
      lua_pop(L, 1);
    }
  }
}

static void ugc_normalise_table(lua_State *L, int t, int depth) {
  size_t n;
  if (depth > 1100) luaL_error(L, "moveugc: JSON nested too deeply");
  luaL_checkstack(L, 8, "json normalise");
  /* cjson gives objects string keys only, arrays keys 1..n only */
  n = ugc_rawlen(L, t);
  if (n > 0) {
    ugc_normalise_array(L, t, n, depth);
  } else {
    ugc_normalise_object(L, t, depth);
  }
}

int ugc_json_decode_cjson(lua_State *L, const char *s, size_t n) {
  luaL_checkstack(L, 4, "json decode");
  lua_rawgeti(L, UGC_CTX, UGC_CTX_DECODE);
  lua_pushlstring(L, s, n);
  if (lua_pcall(L, 1, 1, 0) != 0) {
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      lua_pushliteral(L, "invalid JSON");
    }
    return 0;
  }
  ugc_normalise_top(L, 0);
  return 1;
}

/* ==== Lua functions ==================================================== */

int ugc_l_json_encode(lua_State *L) {
  ugc_buf b;
  const char *err;
  luaL_checkany(L, 1);
  ugc_buf_init(&b, 0);
  err = ugc_json_encode(L, 1, &b);
  if (err) {
    ugc_buf_free(&b);
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  ugc_buf_free(&b);
  return 1;
}

/* core.json_decode(text, mode): mode true for API mode (metadata decoded),
 * "cjson" for ugc.graphql's decoder, anything else raw. */
int ugc_l_json_decode(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int ok;
  if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "cjson") == 0)
    ok = ugc_json_decode_cjson(L, s, n);
  else
    ok = ugc_json_decode(L, s, n, lua_toboolean(L, 2) ? UGC_JSON_API : UGC_JSON_RAW);
  if (ok) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int ugc_l_array(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_rawgeti(L, UGC_CTX, UGC_CTX_ARRAY_MT);
  lua_setmetatable(L, 1);
  return 1;
}

int ugc_json_setup(lua_State *L) {
  int ctx = lua_gettop(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "cjson");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "new"); /* a private instance: the user's settings stay theirs */
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "decode_invalid_numbers");
  lua_pushboolean(L, 0);
  lua_call(L, 1, 0);
  lua_getfield(L, -1, "decode");
  lua_rawseti(L, ctx, UGC_CTX_DECODE);
  lua_pop(L, 2);
  lua_newtable(L); /* the array marker */
  lua_pushliteral(L, "moveugc.array");
  lua_setfield(L, -2, "__name");
  lua_rawseti(L, ctx, UGC_CTX_ARRAY_MT);
  ugc_json_decode_setup(L, ctx);
  return 0;
}
