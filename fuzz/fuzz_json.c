/* Fuzz target: the response decoders of the binding, through moveugc.core
 * in a real Lua 5.4 state:
 *   - core.json_decode (binding/ldecode.c, the SDK's own responses) in raw
 *     and API mode, each checked against fuzz/json_oracle.lua: lua-cjson's
 *     decode followed by the documented normalisation. Any difference (a
 *     value, a type, an integer, a key, one side refusing what the other
 *     accepts) aborts;
 *   - ugc.graphql's decoder (lua-cjson + ljson.c's normalisation), against
 *     the same oracle in raw mode;
 *   - json_encode of every decoded value, decoded again: the same value back
 *     (unless it nests more than 64 deep or holds an infinity).
 * Besides that, the sanitizers. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#ifndef MOVEUGC_ROOT
#define MOVEUGC_ROOT "."
#endif

int luaopen_moveugc_core(lua_State *L);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DRIVER[] =
    "local core, oracle = ...\n"
    "local decode, encode = core.json_decode, core.json_encode\n"
    "local function fail(fmt, ...) error('ORACLE: ' .. fmt:format(...), 0) end\n"
    "local function cjson_path(s) return decode(s, 'cjson') end\n"
    "local function round_trip(v)\n"
    "  local out, eerr = encode(v)\n"
    "  if out == nil then\n"
    "    if eerr:find('nested too deeply', 1, true) or eerr:find('NaN or infinity', 1, true) then return end\n"
    "    fail('json_encode refused a decoded value: %s', eerr)\n"
    "  end\n"
    "  local back, derr = decode(out, false)\n"
    "  if back == nil and derr then fail('json_decode refused json_encode output %q: %s', out:sub(1, 300), derr) end\n"
    "  local path, why = oracle.diff(back, v)\n"
    "  if path then fail('the round trip changed %s: %s', path, why) end\n"
    "end\n"
    "return function(s)\n"
    "  for _, api in ipairs{ false, true } do\n"
    "    local ok, why = oracle.check(decode, s, api)\n"
    "    if not ok then fail('%s mode: %s', api and 'API' or 'raw', why) end\n"
    "    local v = decode(s, api)\n"
    "    if v ~= nil then round_trip(v) end\n"
    "  end\n"
    "  local ok, why = oracle.check(cjson_path, s, false)\n"
    "  if not ok and not s:find('%z') then fail('ugc.graphql decoder: %s', why) end\n"
    "end\n";

static lua_State *L;

/* In protected mode: moveugc.core and the driver at indexes 1 and 2. */
static int setup(lua_State *S) {
  luaL_openlibs(S);
  luaL_requiref(S, "moveugc.core", luaopen_moveugc_core, 0);
  if (luaL_loadbuffer(S, DRIVER, sizeof DRIVER - 1, "=fuzz_json driver") != LUA_OK)
    return lua_error(S);
  lua_pushvalue(S, -2);
  if (luaL_dofile(S, MOVEUGC_ROOT "/fuzz/json_oracle.lua") != LUA_OK) return lua_error(S);
  lua_call(S, 2, 1);
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
    fprintf(stderr, "fuzz_json: cannot load moveugc.core or the oracle (lua-cjson?): %s\n",
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
