/* ugc_graphql: what kind of operation a GraphQL document runs, told from its
 * tokens (the GraphQL spec's lexical grammar), so the retry policy can tell
 * a mutation, which must never be sent twice, from a query.
 *
 * Only an answer the server would agree with counts: anything that cannot be
 * told for sure (a lexical error, an unterminated string, no operation,
 * several operations and no name to choose one, an unknown name...) is
 * UGC_OP_UNKNOWN, which the SDK treats as a mutation. A document the server
 * rejects runs nothing, so being strict costs a retry at worst. */
#ifndef UGC_GRAPHQL_H
#define UGC_GRAPHQL_H

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

#include <stddef.h>

typedef enum {
  UGC_OP_UNKNOWN = 0, /* cannot be told: treat as a mutation */
  UGC_OP_QUERY = 1,   /* `query ...` or the shorthand `{ ... }` */
  UGC_OP_MUTATION = 2,
  UGC_OP_SUBSCRIPTION = 3
} ugc_op_type;

/* The type of the operation a server would run for doc[0..len) and the
 * operationName op_name[0..op_len). With no name (op_name NULL or op_len 0)
 * the document must hold exactly one operation; with one, exactly one
 * operation must carry that name. Fragment definitions are skipped; type
 * system definitions, which cannot be executed, make the answer unknown.
 *
 * Exact lengths: a NUL byte is not an end but a lexical error, as is any
 * other control character but tab, LF and CR (also inside strings and
 * comments), and any non-ASCII byte outside strings and comments except a
 * UTF-8 byte order mark. Bytes of strings and comments are not checked as
 * UTF-8. Allocates nothing, recurses nowhere, reads each byte a bounded
 * number of times. Returns a ugc_op_type. */
int ugc_graphql_operation_type(const char *doc, size_t len, const char *op_name, size_t op_len);

UGC_END_HIDDEN
#endif
