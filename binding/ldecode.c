/* The SDK's JSON decoder: one pass over a response, straight into the Lua
 * values users get. No intermediate table and no second walk:
 *
 *   - a null member of an object is an absent key, a null member of an array
 *     is dropped and the rest move down (the list stays a sequence);
 *   - a number is an integer when it is one: an integer literal that fits 64
 *     bits exactly (on 5.3+; doubles on 5.1 and LuaJIT), and any other number
 *     whose value is integral and fits (2.0 and 1e2 arrive as 2 and 100);
 *   - in API mode (the SDK's own responses), the value of every "metadata"
 *     key is the user's: an AWSJSON string holding JSON is decoded in raw
 *     mode (a string that is not JSON stays the string), an object or array
 *     is decoded in raw mode; keys are never renamed (the SDK's documents
 *     select every field under its snake_case alias).
 *
 * It accepts what lua-cjson 2.1 accepts (lua-cjson plus the normalisation
 * in fuzz/json_oracle.lua is its test oracle, input by input), with one
 * deliberate difference: a NUL byte outside a string is an error, where
 * lua-cjson ends the text there. So, as lua-cjson: RFC 8259 JSON, plus raw
 * control characters inside strings, "1." and "-.5" as numbers, numbers
 * past a double's range as infinities; nesting deeper than 1000 is an error.
 *
 * Speed: every table is created at its final size (its members wait on the
 * Lua stack until the container closes), a string without escapes is pushed
 * straight from the input, and numbers take a fast exact path (Clinger's)
 * before strtod. The input must be followed by a NUL byte (Lua strings and
 * response buffers are). */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lbinding.h"

#define UGC_DEC_MAX_DEPTH 1000
/* members held on the Lua stack before they are moved into their table (a
 * wider container is created at this size and grows), or fewer when the
 * stack is short: Lua 5.1 gives a C function 8,000 slots */
#define UGC_DEC_CHUNK 2048

/* Keys repeat from object to object and call to call: a direct-mapped cache
 * of recent ones gives the Lua string without hashing it into Lua's string
 * table again. The strings live in a table of the context (so `str` stays
 * valid), the slots in a userdata there. */
#define UGC_KEY_SLOTS 512
#define UGC_KEY_MAX 40 /* longer keys are rare: not cached */
typedef struct ugc_key_slot {
  const char *str;     /* the cached Lua string's bytes, NULL when empty */
  uint64_t head, tail; /* its first and last 8 bytes (a shorter one: its bytes, 0) */
  uint32_t len;
} ugc_key_slot;

typedef struct ugc_dec {
  lua_State *L;
  const char *s;   /* the text, for error positions */
  const char *p;   /* the next byte */
  const char *end; /* s + n, where a NUL byte is */
  char *scratch;   /* unescaped strings, or NULL until one needs it */
  size_t half;     /* where a metadata string goes in it */
  int depth;
  int api;           /* metadata decoded */
  ugc_key_slot *keys;
  int key_strings; /* stack index of the table anchoring the cached keys */
  const char *error; /* what went wrong, at p */
} ugc_dec;

/* bytes that end the plain run of a string */
static const unsigned char ugc_str_stop[256] = {['"'] = 1, ['\\'] = 1, [0] = 1};

/* The first '"', '\\' or NUL byte at or after q; end is the text's NUL.
 * Sixteen bytes at a time with SSE2 (every x86-64), else eight with a word
 * trick where a byte b of word w is flagged when it is zero in w, w ^ 0x22..
 * or w ^ 0x5c.. (the lowest flag is always a real one). */
static const char *ugc_str_scan(const char *q, const char *end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), zero = _mm_setzero_si128();
  while (end - q >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
    int m = _mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                     _mm_cmpeq_epi8(v, zero)));
    if (m) return q + __builtin_ctz((unsigned)m);
    q += 16;
  }
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  while (end - q >= 8) {
    uint64_t w, a, b, m;
    memcpy(&w, q, 8);
    a = w ^ (ones * '"');
    b = w ^ (ones * '\\');
    m = ((w - ones) & ~w) | ((a - ones) & ~a) | ((b - ones) & ~b);
    m &= highs;
    if (m) return q + (__builtin_ctzll(m) >> 3);
    q += 8;
  }
#else
  (void)end;
#endif
  while (!ugc_str_stop[(unsigned char)*q]) q++;
  return q;
}

static int ugc_dec_fail(ugc_dec *d, const char *what) {
  d->error = what;
  return -1;
}

static void ugc_dec_ws(ugc_dec *d) {
  const char *p = d->p;
  if ((unsigned char)*p > ' ') return; /* compact JSON: the usual case */
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
  d->p = p;
}

/* ==== strings ========================================================== */

static int ugc_hex4(const char *h) {
  int v = 0, i;
  for (i = 0; i < 4; i++) {
    int c = (unsigned char)h[i], x;
    if (c >= '0' && c <= '9') x = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') x = (c | 0x20) - 'a' + 10;
    else return -1; /* the terminating NUL included */
    v = v << 4 | x;
  }
  return v;
}

static char *ugc_put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | cp >> 12);
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | cp >> 18);
    *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* The scratch area: 2 (n + 1) bytes for an n-byte text. Unescaped text is
 * never longer than its JSON, so strings go to the first half, and a
 * metadata string being decoded to the second. Kept in the context table
 * between calls (a large one only until a call that needs far less); never
 * replaced while a decode holds a pointer into it. */
static char *ugc_dec_scratch(ugc_dec *d) {
  lua_State *L = d->L;
  size_t need = 2 * ((size_t)(d->end - d->s) + 1), have = 0;
  if (d->scratch) return d->scratch;
  lua_rawgeti(L, UGC_CTX, UGC_CTX_SCRATCH);
  if (lua_type(L, -1) == LUA_TUSERDATA) have = ugc_rawlen(L, -1);
  if (have < need || (have > 1024 * 1024 && have > 4 * need)) {
    lua_pop(L, 1);
    lua_newuserdata(L, need < 4096 ? 4096 : need);
    lua_pushvalue(L, -1);
    lua_rawseti(L, UGC_CTX, UGC_CTX_SCRATCH);
  }
  d->scratch = lua_touserdata(L, -1);
  d->half = (size_t)(d->end - d->s) + 1;
  lua_pop(L, 1); /* the context table keeps it */
  return d->scratch;
}

/* Reads the string at p (just past its opening quote). Plain strings are
 * given as a pointer into the text; ones with escapes are unescaped into
 * out (the scratch area when NULL). Returns 0 or -1. */
static int ugc_dec_string(ugc_dec *d, char *out, const char **str, size_t *len) {
  const char *p = d->p, *q = ugc_str_scan(p, d->end);
  char *o;
  if (*q == '"') {
    *str = p;
    *len = (size_t)(q - p);
    d->p = q + 1;
    return 0;
  }
  if (!out) out = ugc_dec_scratch(d);
  o = out;
  for (;;) { /* q: the end of a plain run that starts at p */
    if (q - p < 16) { /* escapes every few bytes (AWSJSON): no call per run */
      while (p < q) *o++ = *p++;
    } else {
      memcpy(o, p, (size_t)(q - p));
      o += q - p;
    }
    if (*q == '"') break;
    if (*q == '\0') {
      d->p = q;
      return ugc_dec_fail(d, q == d->end ? "unexpected end of string" : "a NUL byte in a string");
    }
    switch (q[1]) { /* a backslash */
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        int cp = ugc_hex4(q + 2), lo;
        if (cp < 0) goto bad_unicode;
        if ((cp & 0xF800) == 0xD800) { /* a surrogate: a high one, then its low one */
          if (cp & 0x400 || q[6] != '\\' || q[7] != 'u') goto bad_unicode;
          lo = ugc_hex4(q + 8);
          if (lo < 0 || (lo & 0xFC00) != 0xDC00) goto bad_unicode;
          cp = (((cp & 0x3FF) << 10) | (lo & 0x3FF)) + 0x10000;
          q += 6;
        }
        o = ugc_put_utf8(o, (unsigned)cp);
        q += 4;
        break;
      bad_unicode:
        d->p = q;
        return ugc_dec_fail(d, "invalid unicode escape");
      }
      default:
        d->p = q;
        return ugc_dec_fail(d, "invalid escape");
    }
    p = q + 2;
    q = ugc_str_scan(p, d->end);
  }
  *str = out;
  *len = (size_t)(o - out);
  d->p = q + 1;
  return 0;
}

/* ==== numbers ========================================================== */

static const double ugc_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod of the token [p, q), whatever the host's locale says a decimal
 * point is */
static double ugc_strtod(lua_State *L, const char *p, const char *q) {
  char small[64], *buf = small, *dot;
  size_t n = (size_t)(q - p);
  const char *point = localeconv()->decimal_point;
  double x;
  if (n + 1 > sizeof small) buf = lua_newuserdata(L, n + 1);
  memcpy(buf, p, n);
  buf[n] = '\0';
  if (point && point[0] != '.' && point[0] && !point[1] && (dot = strchr(buf, '.')) != NULL)
    *dot = point[0];
  x = strtod(buf, NULL);
  if (buf != small) lua_pop(L, 1);
  return x;
}

static void ugc_push_double(lua_State *L, double x) {
#if LUA_VERSION_NUM >= 503
  lua_Integer i;
  if (x == floor(x) && lua_numbertointeger(x, &i)) { /* -0.0 too: it becomes 0 */
    lua_pushinteger(L, i);
    return;
  }
#endif
  lua_pushnumber(L, x);
}

static int ugc_dec_number(ugc_dec *d) {
  const char *p = d->p, *start = p;
  uint64_t mant = 0;
  int neg = 0, digits = 0, dropped = 0, exp10 = 0, integer = 1;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  if (*p == '0') {
    p++;
    if (*p == 'x' || *p == 'X' || (*p >= '0' && *p <= '9')) return ugc_dec_fail(d, "invalid number");
  } else if (*p >= '1' && *p <= '9') {
    for (; *p >= '0' && *p <= '9'; p++) {
      if (digits < 19) {
        mant = mant * 10 + (uint64_t)(*p - '0');
        digits++;
      } else {
        dropped++; /* past 19 digits: strtod decides */
      }
    }
  } else if (!(neg && *p == '.' && p[1] >= '0' && p[1] <= '9')) { /* "-.5": strtod takes it */
    return ugc_dec_fail(d, "invalid number");
  }
  if (*p == '.') {
    integer = 0;
    for (p++; *p >= '0' && *p <= '9'; p++) {
      if (digits >= 19) {
        dropped++;
      } else {
        exp10--;
        if (mant || *p != '0') { /* leading zeros are not significant digits */
          mant = mant * 10 + (uint64_t)(*p - '0');
          digits++;
        }
      }
    }
  }
  if (*p == 'e' || *p == 'E') {
    int eneg = 0, e = 0;
    integer = 0;
    p++;
    if (*p == '+' || *p == '-') eneg = *p++ == '-';
    if (!(*p >= '0' && *p <= '9')) {
      d->p = p;
      return ugc_dec_fail(d, "invalid number");
    }
    for (; *p >= '0' && *p <= '9'; p++)
      if (e < 100000) e = e * 10 + (*p - '0');
    exp10 += eneg ? -e : e;
  }
  d->p = p;
#if LUA_VERSION_NUM >= 503
  if (integer && !dropped) { /* an integer literal: exact when it fits 64 bits */
    if (!neg && mant <= (uint64_t)LUA_MAXINTEGER) {
      lua_pushinteger(d->L, (lua_Integer)mant);
      return 1;
    }
    if (neg && mant <= (uint64_t)LUA_MAXINTEGER + 1) {
      lua_pushinteger(d->L, (lua_Integer)(0 - mant));
      return 1;
    }
  }
#else
  (void)integer; /* doubles only */
#endif
  if (!dropped && mant <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
    /* both exact doubles: one rounding, the correct one */
    double x = (double)mant;
    x = exp10 < 0 ? x / ugc_pow10[-exp10] : x * ugc_pow10[exp10];
    ugc_push_double(d->L, neg ? -x : x);
    return 1;
  }
  ugc_push_double(d->L, ugc_strtod(d->L, start, p));
  return 1;
}

/* ==== values =========================================================== */

static int ugc_dec_value(ugc_dec *d);

static int ugc_dec_descend(ugc_dec *d) {
  if (++d->depth > UGC_DEC_MAX_DEPTH) return ugc_dec_fail(d, "nested too deeply (over 1000)");
  if (!lua_checkstack(d->L, 24)) return ugc_dec_fail(d, "out of Lua stack");
  lua_pushnil(d->L); /* the container's place, until it is made */
  return lua_gettop(d->L);
}

/* After a member: 1 at a comma (the next member follows), 0 at the closing
 * bracket, -1 on anything else. */
static int ugc_dec_next(ugc_dec *d, char close) {
  ugc_dec_ws(d);
  if (*d->p == ',') {
    d->p++;
    ugc_dec_ws(d);
    return 1;
  }
  if (*d->p == close) return 0;
  return ugc_dec_fail(d, close == ']' ? "expected ',' or ']' in an array" : "expected ',' or '}' in an object");
}

/* Moves the array members waiting above t (indexes stored+1..n) into it. */
static void ugc_dec_store_array(lua_State *L, int t, int n, int *stored) {
  int i;
  if (lua_isnil(L, t)) {
    lua_createtable(L, n, 0);
    lua_replace(L, t);
  }
  for (i = n; i > *stored; i--) lua_rawseti(L, t, i);
  *stored = n;
}

/* [ ... ]. Returns 1 (the table pushed) or -1. */
static int ugc_dec_array(ugc_dec *d) {
  lua_State *L = d->L;
  int t, n = 0, stored = 0, r;
  if ((t = ugc_dec_descend(d)) < 0) return -1;
  d->p++;
  ugc_dec_ws(d);
  if (*d->p != ']') {
    for (;;) {
      if ((r = ugc_dec_value(d)) < 0) return -1;
      n += r; /* a null pushed nothing: dropped, the rest move down */
      if ((n & 7) == 0 && (n - stored >= UGC_DEC_CHUNK || !lua_checkstack(L, 24))) {
        ugc_dec_store_array(L, t, n, &stored);
        if (!lua_checkstack(L, 24)) return ugc_dec_fail(d, "out of Lua stack");
      }
      if ((r = ugc_dec_next(d, ']')) <= 0) break;
    }
    if (r < 0) return -1;
  }
  d->p++;
  ugc_dec_store_array(L, t, n, &stored);
  d->depth--;
  return 1;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UGC_LITTLE_ENDIAN 1
#endif

/* Pushes a key; returns its cache slot, or -1 when it is not cached. A key
 * is known by its length and its first and last 8 bytes (all of it up to
 * 16 bytes; the middle of a longer one is compared too). */
static int ugc_dec_key(ugc_dec *d, const char *k, size_t kl) {
  lua_State *L = d->L;
  uint64_t head = 0, tail = 0;
  size_t i;
  ugc_key_slot *slot;
  if (kl > UGC_KEY_MAX) {
    lua_pushlstring(L, k, kl);
    return -1;
  }
  if (kl >= 8) {
    memcpy(&head, k, 8);
    memcpy(&tail, k + kl - 8, 8);
#ifdef UGC_LITTLE_ENDIAN
  } else if (kl > 0 && k >= d->s && k + 8 <= d->end + 1) { /* 8 bytes readable: the text's NUL at most */
    memcpy(&head, k, 8);
    head &= ~(uint64_t)0 >> (64 - 8 * kl);
#endif
  } else {
    for (i = 0; i < kl; i++) head |= (uint64_t)(unsigned char)k[i] << (8 * i);
  }
  i = (size_t)(((head ^ (tail >> 7) ^ kl) * 0x9E3779B97F4A7C15u) >> 40) & (UGC_KEY_SLOTS - 1);
  slot = &d->keys[i];
  if (slot->str && slot->head == head && slot->tail == tail && slot->len == kl &&
      (kl <= 16 || memcmp(slot->str + 8, k + 8, kl - 16) == 0)) {
    lua_rawgeti(L, d->key_strings, (int)i + 1);
    return (int)i;
  }
  lua_pushlstring(L, k, kl);
  lua_pushvalue(L, -1);
  lua_rawseti(L, d->key_strings, (int)i + 1); /* the slot's old string may go */
  slot->str = lua_tostring(L, -1);
  slot->len = (uint32_t)kl;
  slot->head = head;
  slot->tail = tail;
  return (int)i;
}

/* Moves the pairs waiting above t into it. Without a key given twice they go
 * from the top down, nulls dropped; otherwise in their order (a key given
 * twice keeps its last value), a null clearing a key set before. */
static void ugc_dec_store_object(lua_State *L, int t, int pairs, int nulls, int twice) {
  int i, top = t + 2 * pairs;
  if (lua_isnil(L, t)) {
    lua_createtable(L, 0, pairs - nulls);
    lua_replace(L, t);
  }
  if (!twice) {
    if (!nulls) {
      for (i = 0; i < pairs; i++) lua_rawset(L, t);
      return;
    }
    for (i = 0; i < pairs; i++) {
      if (lua_isnil(L, -1)) lua_pop(L, 2);
      else lua_rawset(L, t);
    }
    return;
  }
  for (i = t + 1; i < top; i += 2) {
    lua_pushvalue(L, i);
    if (lua_isnil(L, i + 1)) { /* absent, unless the key came before */
      lua_rawget(L, t);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        continue;
      }
      lua_pop(L, 1);
      lua_pushvalue(L, i);
    }
    lua_pushvalue(L, i + 1);
    lua_rawset(L, t);
  }
  lua_settop(L, t);
}

static int ugc_dec_metadata(ugc_dec *d);

/* { ... }. Returns 1 (the table pushed) or -1. */
static int ugc_dec_object(ugc_dec *d) {
  lua_State *L = d->L;
  uint64_t seen[UGC_KEY_SLOTS / 64] = {0}; /* the key slots this object used */
  int t, pairs = 0, nulls = 0, twice = 0, r;
  if ((t = ugc_dec_descend(d)) < 0) return -1;
  d->p++;
  ugc_dec_ws(d);
  if (*d->p != '}') {
    for (;;) {
      const char *k;
      size_t kl;
      int meta, slot;
      if (*d->p != '"') return ugc_dec_fail(d, "expected a string key in an object");
      d->p++;
      if (ugc_dec_string(d, NULL, &k, &kl)) return -1;
      slot = ugc_dec_key(d, k, kl);
      if (slot < 0 || seen[slot >> 6] >> (slot & 63) & 1) {
        twice = 1; /* maybe: two keys in one slot, or one not cached */
      } else {
        seen[slot >> 6] |= (uint64_t)1 << (slot & 63);
      }
      meta = d->api && kl == 8 && memcmp(k, "metadata", 8) == 0;
      ugc_dec_ws(d);
      if (*d->p != ':') return ugc_dec_fail(d, "expected ':' after a key");
      d->p++;
      ugc_dec_ws(d);
      if ((r = meta ? ugc_dec_metadata(d) : ugc_dec_value(d)) < 0) return -1;
      if (r == 0) {
        lua_pushnil(L);
        nulls++;
      }
      if ((++pairs & 7) == 0 && (pairs >= UGC_DEC_CHUNK / 2 || !lua_checkstack(L, 24))) {
        ugc_dec_store_object(L, t, pairs, nulls, twice);
        pairs = nulls = 0;
        if (!lua_checkstack(L, 24)) return ugc_dec_fail(d, "out of Lua stack");
      }
      if ((r = ugc_dec_next(d, '}')) <= 0) break;
    }
    if (r < 0) return -1;
  }
  d->p++;
  ugc_dec_store_object(L, t, pairs, nulls, twice);
  d->depth--;
  return 1;
}

/* A value: pushes it and returns 1, returns 0 for null (nothing pushed), or
 * -1 on an error. */
static int ugc_dec_value(ugc_dec *d) {
  const char *p = d->p;
  switch (*p) {
    case '{':
      return ugc_dec_object(d);
    case '[':
      return ugc_dec_array(d);
    case '"': {
      const char *str;
      size_t len;
      d->p++;
      if (ugc_dec_string(d, NULL, &str, &len)) return -1;
      lua_pushlstring(d->L, str, len);
      return 1;
    }
    case 't':
      if (strncmp(p, "true", 4)) break;
      d->p += 4;
      lua_pushboolean(d->L, 1);
      return 1;
    case 'f':
      if (strncmp(p, "false", 5)) break;
      d->p += 5;
      lua_pushboolean(d->L, 0);
      return 1;
    case 'n':
      if (strncmp(p, "null", 4)) break;
      d->p += 4;
      return 0;
    case '-': case '0': case '1': case '2': case '3': case '4': /* NOLINT */
    case '5': case '6': case '7': case '8': case '9':
      return ugc_dec_number(d);
    default:
      break;
  }
  return ugc_dec_fail(d, *p ? "expected a value" : "unexpected end of the text");
}

/* A whole text: the value, then nothing but whitespace. */
static int ugc_dec_text(ugc_dec *d) {
  int r;
  ugc_dec_ws(d);
  if ((r = ugc_dec_value(d)) < 0) return -1;
  ugc_dec_ws(d);
  if (d->p != d->end)
    return ugc_dec_fail(d, *d->p ? "more after the value" : "a NUL byte after the value");
  return r;
}

/* The value of a "metadata" key in API mode: the user's own JSON. */
static int ugc_dec_metadata(ugc_dec *d) {
  int r;
  if (*d->p == '"') { /* AWSJSON: a string holding JSON */
    char *text = ugc_dec_scratch(d) + d->half;
    const char *str;
    size_t len;
    int top = lua_gettop(d->L);
    ugc_dec inner;
    d->p++;
    if (ugc_dec_string(d, text, &str, &len)) return -1;
    if (str != text) memcpy(text, str, len);
    text[len] = '\0';
    memset(&inner, 0, sizeof inner);
    inner.L = d->L;
    inner.s = inner.p = text;
    inner.end = text + len;
    inner.scratch = d->scratch; /* its first half: len + 1 bytes are enough */
    inner.half = d->half;
    inner.keys = d->keys;
    inner.key_strings = d->key_strings;
    r = ugc_dec_text(&inner);
    if (r >= 0) return r;
    lua_settop(d->L, top); /* not JSON after all: the server's string as it is */
    lua_pushlstring(d->L, text, len);
    return 1;
  }
  if (*d->p == '{' || *d->p == '[') { /* sent as JSON itself: raw inside */
    d->api = 0;
    r = ugc_dec_value(d);
    d->api = 1;
    return r;
  }
  return ugc_dec_value(d);
}

int ugc_json_decode(lua_State *L, const char *s, size_t n, int mode) {
  ugc_dec d;
  int top = lua_gettop(L), r;
  memset(&d, 0, sizeof d);
  d.L = L;
  d.s = d.p = s;
  d.end = s + n;
  d.api = mode == UGC_JSON_API;
  luaL_checkstack(L, 24, "json decode");
  lua_rawgeti(L, UGC_CTX, UGC_CTX_KEYS);
  d.keys = lua_touserdata(L, -1);
  lua_pop(L, 1); /* the context keeps it */
  lua_rawgeti(L, UGC_CTX, UGC_CTX_KEY_STRINGS);
  d.key_strings = lua_gettop(L);
  r = ugc_dec_text(&d);
  if (r < 0) {
    lua_settop(L, top);
    lua_pushfstring(L, "invalid JSON: %s at byte %d", d.error, (int)(d.p - s) + 1);
    return 0;
  }
  if (r == 0) lua_pushnil(L); /* the text is null */
  lua_remove(L, d.key_strings);
  return 1;
}

void ugc_json_decode_setup(lua_State *L, int ctx) {
  ugc_key_slot *keys = lua_newuserdata(L, UGC_KEY_SLOTS * sizeof *keys);
  memset(keys, 0, UGC_KEY_SLOTS * sizeof *keys);
  lua_rawseti(L, ctx, UGC_CTX_KEYS);
  lua_createtable(L, UGC_KEY_SLOTS, 0);
  lua_rawseti(L, ctx, UGC_CTX_KEY_STRINGS);
}
