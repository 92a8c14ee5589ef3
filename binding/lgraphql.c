/* The operation type of a GraphQL document for Lua: a thin wrapper over
 * core/ugc_graphql. The policy (what is retried) is in Client:graphql. */
#include "../core/ugc_graphql.h"
#include "lbinding.h"

/* operation_type(doc [, operation_name]) -> "query" | "mutation" |
 * "subscription" | nil when it cannot be told (treat it as a mutation) */
int ugc_l_operation_type(lua_State *L) {
  size_t n, on = 0;
  const char *doc = luaL_checklstring(L, 1, &n);
  const char *name = luaL_optlstring(L, 2, NULL, &on);
  switch (ugc_graphql_operation_type(doc, n, name, on)) {
  case UGC_OP_QUERY: lua_pushliteral(L, "query"); break;
  case UGC_OP_MUTATION: lua_pushliteral(L, "mutation"); break;
  case UGC_OP_SUBSCRIPTION: lua_pushliteral(L, "subscription"); break;
  default: lua_pushnil(L); break;
  }
  return 1;
}
