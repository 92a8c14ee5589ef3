/* Fuzz target: the response path of the binding, JSON decode + normalise
 * (binding/ljson.c over the private lua-cjson), through moveugc.core in a
 * real Lua 5.4 state, then json_encode of what came out.
 *
 * Each input is decoded twice, as ugc.graphql does (server names, keys raw)
 * and as the resource calls do (snake_case keys, metadata strings decoded),
 * and each result is encoded and decoded again.
 * Errors are fine: malformed JSON must come back as nil, message. Besides
 * the sanitizers, the oracle below aborts when a decoded value breaks what the
 * README promises:
 *   - no cjson.null (or any userdata) anywhere;
 *   - every list a sequence 1..n (null members dropped, no holes), no table
 *     mixing list and object keys;
 *   - no integral float that fits an integer;
 *   - in snake_case mode no capital letter in a key, except inside metadata;
 *   - json_encode takes every decoded value (unless it is nested more than
 *     64 deep or holds an infinity), and decoding its output gives the same
 *     value back (keys, types, integers and bytes);
 *   - the snake_case result is the raw one with each key renamed, except
 *     metadata, which is exactly the raw metadata string decoded (or the
 *     string, when it is not JSON): the user's keys, never renamed. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_moveugc_core(lua_State *L);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ORACLE[] =
    "local core = ...\n"
    "local decode, encode = core.json_decode, core.json_encode\n"
    "local mtype, floor, pairs, type = math.type, math.floor, pairs, type\n"
    "local function fail(fmt, ...) error('ORACLE: ' .. fmt:format(...), 0) end\n"
    "local function walk(v, snake)\n"
    "  local tv = type(v)\n"
    "  if tv == 'userdata' then fail('a userdata (cjson.null?) reached the user') end\n"
    "  if tv == 'number' and mtype(v) == 'float' and v == floor(v)\n"
    "      and v >= -2^63 and v < 2^63 then\n"
    "    fail('the integral float %.17g was not made an integer', v)\n"
    "  end\n"
    "  if tv ~= 'table' then return end\n"
    "  local n, ints, strs = #v, 0, 0\n"
    "  for k, x in pairs(v) do\n"
    "    if mtype(k) == 'integer' then\n"
    "      ints = ints + 1\n"
    "      if k < 1 or k > n then fail('list key %d outside 1..#t (%d): a hole', k, n) end\n"
    "    elseif type(k) == 'string' then\n"
    "      strs = strs + 1\n"
    "      if snake and k:find('%u') then fail('key %q keeps a capital letter', k) end\n"
    "    else\n"
    "      fail('a key of type %s', type(k))\n"
    "    end\n"
    "    walk(x, snake and k ~= 'metadata')\n"
    "  end\n"
    "  if ints ~= n then fail('%d list keys for #t == %d', ints, n) end\n"
    "  if ints > 0 and strs > 0 then fail('a table with list and object keys') end\n"
    "end\n"
    "local function same(a, b)\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return a == b and mtype(a) == mtype(b) end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, x in pairs(a) do\n"
    "    if not same(x, b[k]) then return false end\n"
    "  end\n"
    "  for k in pairs(b) do\n"
    "    if a[k] == nil then return false end\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "local function snake_of(k)\n"
    "  return (k:gsub('()(%u)', function(i, c) return (i > 1 and '_' or '') .. c:lower() end))\n"
    "end\n"
    "-- the snake_case decode is the raw one with keys renamed, metadata aside\n"
    "local function mirror(raw, snk, path)\n"
    "  if type(raw) ~= 'table' then\n"
    "    if not same(raw, snk) then fail('%s: the two modes disagree', path) end\n"
    "    return\n"
    "  end\n"
    "  if type(snk) ~= 'table' then fail('%s: a table in raw mode only', path) end\n"
    "  local names, n = {}, 0\n"
    "  for k in pairs(raw) do\n"
    "    if type(k) == 'string' then\n"
    "      local s = snake_of(k)\n"
    "      if names[s] then return end -- fooBar and foo_bar: one wins, either\n"
    "      names[s] = true\n"
    "    end\n"
    "  end\n"
    "  for k, v in pairs(raw) do\n"
    "    if type(k) ~= 'string' then\n"
    "      n = n + 1\n"
    "      mirror(v, snk[k], path .. '[' .. k .. ']')\n"
    "    elseif k == 'metadata' then\n"
    "      local want = v\n"
    "      if type(v) == 'string' then\n"
    "        local d, err = decode(v, false)\n"
    "        if d ~= nil or err == nil then want = d end\n"
    "      end\n"
    "      if want ~= nil then n = n + 1 end\n"
    "      if not same(want, snk.metadata) then\n"
    "        fail('%s.metadata: not the user\\'s own keys and values', path)\n"
    "      end\n"
    "    else\n"
    "      n = n + 1\n"
    "      mirror(v, snk[snake_of(k)], path .. '.' .. snake_of(k))\n"
    "    end\n"
    "  end\n"
    "  local m = 0\n"
    "  for _ in pairs(snk) do m = m + 1 end\n"
    "  if m ~= n then fail('%s: %d keys in snake_case mode for %d', path, m, n) end\n"
    "end\n"
    "local function one(s, snake)\n"
    "  local v, err = decode(s, snake)\n"
    "  if v == nil then\n"
    "    if err ~= nil and type(err) ~= 'string' then fail('an error that is not a string') end\n"
    "    return v, err\n"
    "  end\n"
    "  walk(v, snake)\n"
    "  local out, eerr = encode(v)\n"
    "  if out == nil then\n"
    "    if not (eerr:find('nested too deeply', 1, true) or eerr:find('NaN or infinity', 1, true))"
    " then\n"
    "      fail('json_encode refused a decoded value: %s', eerr)\n"
    "    end\n"
    "    return v\n"
    "  end\n"
    "  local back, derr = decode(out, false)\n"
    "  if back == nil then fail('json_decode refused json_encode output %q: %s',"
    " out:sub(1, 300), tostring(derr)) end\n"
    "  if not same(v, back) then\n"
    "    fail('the round trip changed the value: %q', out:sub(1, 300))\n"
    "  end\n"
    "  return v\n"
    "end\n"
    "return function(s)\n"
    "  local raw, rerr = one(s, false)\n"
    "  local snk, serr = one(s, true)\n"
    "  if (raw == nil) ~= (snk == nil) or (rerr == nil) ~= (serr == nil) then\n"
    "    fail('one mode decodes, the other does not')\n"
    "  end\n"
    "  mirror(raw, snk, '$')\n"
    "end\n";

static lua_State *L;

/* In protected mode: moveugc.core and the oracle at indexes 1 and 2. */
static int setup(lua_State *S) {
  luaL_openlibs(S);
  luaL_requiref(S, "moveugc.core", luaopen_moveugc_core, 0);
  if (luaL_loadbuffer(S, ORACLE, sizeof ORACLE - 1, "=fuzz_json oracle") != LUA_OK)
    return lua_error(S);
  lua_pushvalue(S, -2);
  lua_call(S, 1, 1);
  return 2;
}

static void start(void) {
  L = luaL_newstate();
  if (!L) abort();
  /* Under fuzz/replay.c (FUZZ_REPLAY set), or with FUZZ_JSON_GC_STRESS=1,
   * the collector steps at almost every allocation, so a C pointer into a
   * string the normaliser no longer anchors is freed under it and ASan
   * reports the use after free. Too slow for fuzzing, fine for a replay. */
  if (getenv("FUZZ_REPLAY") || getenv("FUZZ_JSON_GC_STRESS"))
    lua_gc(L, LUA_GCINC, 100, 1000, 1); /* pause 100 %, step x10, every 2 bytes */
  lua_pushcfunction(L, setup);
  if (lua_pcall(L, 0, 2, 0) != LUA_OK) {
    fprintf(stderr, "fuzz_json: cannot load moveugc.core (is lua-cjson installed?): %s\n",
            lua_tostring(L, -1));
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!L) start();
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg && strncmp(msg, "ORACLE: ", 8) == 0) {
      fprintf(stderr, "fuzz_json: %s\n", msg);
      abort();
    }
    /* any other error (out of memory, say) is an answer, not a bug */
  }
  /* Nothing stays from one input to the next: what the input allocated is
   * freed before returning, so libFuzzer sees as many frees as mallocs and
   * need not run a leak check after every input. */
  lua_settop(L, 2);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}
