/* Tests for core/ugc_graphql: the operation type of a GraphQL document, told
 * from its tokens. Counters are test_core.c's. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ugc_graphql.h"

void test_graphql(void);

#define Q UGC_OP_QUERY
#define M UGC_OP_MUTATION
#define S UGC_OP_SUBSCRIPTION
#define U UGC_OP_UNKNOWN

/* The type of a NUL-terminated document, without or with an operationName. */
static int op(const char *doc) { return ugc_graphql_operation_type(doc, strlen(doc), NULL, 0); }

static int op_named(const char *doc, const char *name) {
  return ugc_graphql_operation_type(doc, strlen(doc), name, strlen(name));
}

/* Exact lengths: n bytes of doc, NULs included. */
static int op_bytes(const char *doc, size_t n) { return ugc_graphql_operation_type(doc, n, NULL, 0); }

static void test_graphql_basics(void) {
  CHECK(op("query { a }") == Q);
  CHECK(op("mutation { a }") == M);
  CHECK(op("subscription { a }") == S);
  CHECK(op("{ a }") == Q);                           /* shorthand */
  CHECK(op("{a}") == Q);
  CHECK(op("query Q { a }") == Q);
  CHECK(op("mutation CreateJob($t: ID!) { createJob(takeId: $t) { id } }") == M);
  CHECK(op("mutation($t: ID!){createJob(takeId:$t){id}}") == M);
  CHECK(op("mutation{a}") == M);
  CHECK(op("mutation @dir { a }") == M);
  CHECK(op("mutation M @a @b(x: 1) { a }") == M);
  CHECK(op("subscription S { a }") == S);
  CHECK(op("query\n{\n  a\n}\n") == Q);
  CHECK(op("\t\r\n, ,query{a},,\r\n") == Q);          /* every ignored character */
  CHECK(op("query query { query }") == Q);          /* keywords as names */
  CHECK(op("query mutation { mutation }") == Q);
  CHECK(op("mutation query { query }") == M);
  CHECK(op("mutation fragment { a }") == M);
  CHECK(op("query on { a }") == Q);
  CHECK(op("query { a(x: \"mutation { b }\") }") == Q);
  /* variable definitions: default values hold braces and brackets */
  CHECK(op("mutation M($i: In = {a: {b: [1, 2]}}, $l: [Int!]! = [1]) { a(i: $i) }") == M);
  CHECK(op("query ($o: O = {x: \"}\"}) @d(a: {b: 1}) { a }") == Q);
  /* values of every kind in arguments */
  CHECK(op("mutation { a(i: -1, f: 1.5e-3, g: 0.0, h: 2E+10, b: true, n: null, e: ENUM, "
           "l: [1, \"s\", {k: $v}], s: \"\"\"x\"\"\") { ...F ... on T { b } ... @include(if: $x) { c } } }") == M);
}

static void test_graphql_ignored(void) {
  CHECK(op("# c\nmutation { a }") == M);             /* the review's case */
  CHECK(op("# a comment\n# another\r\nmutation M { a }") == M);
  CHECK(op("#c\rmutation { a }") == M);              /* a lone CR ends a comment */
  CHECK(op("# mutation\nquery { a }") == Q);         /* a keyword in a comment */
  CHECK(op("# {\nquery { a # }\n}") == Q);           /* braces in comments do not count */
  CHECK(op("query { a # } mutation { b }\n}") == Q);
  CHECK(op("#") == U);
  CHECK(op("# only a comment\n") == U);
  CHECK(op("\xEF\xBB\xBFmutation { a }") == M);      /* a byte order mark */
  CHECK(op("\xEF\xBB\xBF# c\n\xEF\xBB\xBF mutation { \xEF\xBB\xBF a }") == M); /* anywhere */
  CHECK(op("\xEF\xBB mutation { a }") == U);         /* a broken one */
  CHECK(op("# caf\xC3\xA9\nmutation { a }") == M);   /* UTF-8 in a comment */
  CHECK(op("\xC3\xA9 mutation { a }") == U);         /* ...but not outside */
  CHECK(op("\xC2\xA0mutation { a }") == U);          /* NBSP is not white space */
  CHECK(op("\vmutation { a }") == U);                /* nor is a vertical tab */
  CHECK(op("# a\x01\nmutation { a }") == U);         /* a control character in a comment */
  CHECK(op("# tab\there\nmutation { a }") == M);
}

static void test_graphql_fragments(void) {
  CHECK(op("fragment F on Job { id } mutation { createJob { ...F } }") == M);
  CHECK(op("fragment F on Job { id }\nquery Q { job { ...F } }") == Q);
  CHECK(op("mutation M { a { ...F } } fragment F on T { b }") == M); /* after */
  CHECK(op("fragment A on T { a } fragment B on T @d { b { c } } mutation { x { ...A ...B } } "
           "fragment C on T { c }") == M);
  CHECK(op("fragment F on T { a }") == U);           /* no operation */
  CHECK(op("fragment F on T { a } { ...F }") == Q);
  CHECK(op("fragment F on T { a(x: \"mutation\") }\n# mutation\nquery { ...F }") == Q);
  CHECK(op("fragment on on T { a } query { a }") == U);
  CHECK(op("fragment F T { a } query { a }") == U);  /* no `on` */
  CHECK(op("fragment F on { a } query { a }") == U);
  CHECK(op("fragment { a } mutation { b }") == U);
}

static void test_graphql_selection(void) {
  const char *two = "query A { a } mutation B { b } subscription C { c }";
  CHECK(op(two) == U);                                /* several, no name */
  CHECK(op_named(two, "A") == Q);
  CHECK(op_named(two, "B") == M);
  CHECK(op_named(two, "C") == S);
  CHECK(op_named(two, "D") == U);                     /* unknown name */
  CHECK(op_named(two, "a") == U);                     /* case-sensitive */
  CHECK(op_named(two, "query") == U);
  CHECK(op_named("query A { a } mutation A { b }", "A") == U); /* ambiguous */
  CHECK(op_named("query A { a } { b }", "A") == U);   /* an anonymous one must be alone */
  CHECK(op_named("{ a }", "A") == U);
  CHECK(op_named("mutation { a }", "A") == U);
  CHECK(op_named("mutation A { a }", "A") == M);
  CHECK(op_named("mutation AB { a }", "A") == U);
  CHECK(op_named("mutation A { a }", "AB") == U);
  CHECK(op("mutation A { a }") == M);                 /* a name is not needed for one */
  CHECK(op("{ a } { b }") == U);
  CHECK(op("query A { a } query B { b }") == U);
  CHECK(op_named("# A\nfragment A on T { a } query B { ...A } mutation A { b }", "A") == M);
  /* an empty name is no name (op_len 0) */
  CHECK(ugc_graphql_operation_type("mutation { a }", 14, "", 0) == M);
  CHECK(ugc_graphql_operation_type("mutation { a }", 14, "X", 0) == M);
  CHECK(ugc_graphql_operation_type("mutation A { a }", 16, NULL, 0) == M);
  /* a name holding a NUL never matches */
  CHECK(ugc_graphql_operation_type("mutation A { a }", 16, "A\0", 2) == U);
  /* the name is compared over its length only */
  CHECK(ugc_graphql_operation_type("query AB { a } mutation A { b }", 31, "ABC", 1) == M);
}

static void test_graphql_strings(void) {
  CHECK(op("query { a(s: \"}\") }") == Q);
  CHECK(op("query { a(s: \"{\") } mutation { b }") == U); /* two operations */
  CHECK(op("query { a(s: \"} mutation { b }\") }") == Q);
  CHECK(op("query { a(s: \"#\") }") == Q);
  CHECK(op("query { a(s: \"\\\"}\") }") == Q);      /* an escaped quote */
  CHECK(op("query { a(s: \"\\\\\") }") == Q);       /* an escaped backslash */
  CHECK(op("query { a(s: \"\\u00e9\\u{1F600}\\/\\b\\f\\n\\r\\t\") }") == Q);
  CHECK(op("query { a(s: \"\") }") == Q);
  CHECK(op("query { a(s: \"caf\xC3\xA9\") }") == Q);
  CHECK(op("query { a(s: \"\\x\") }") == U);        /* a bad escape */
  CHECK(op("query { a(s: \"\\u12\") }") == U);
  CHECK(op("query { a(s: \"\\u{}\") }") == U);
  CHECK(op("query { a(s: \"\\u{12\") }") == U);
  CHECK(op("query { a(s: \"abc) }") == U);          /* unterminated */
  CHECK(op("query { a(s: \"a\nb\") }") == U);       /* a line ends a string */
  CHECK(op("query { a(s: \"a\x01\") }") == U);
  CHECK(op("query { a(s: \"a\\") == U);             /* a backslash at the very end */
  CHECK(op("query { a(s: \"") == U);
  /* block strings */
  CHECK(op("query { a(s: \"\"\"}\n{ mutation \"\" \" # \"\"\") }") == Q);
  CHECK(op("query { a(s: \"\"\"x \\\"\"\" } mutation { b } \"\"\") }") == Q); /* \""" inside */
  CHECK(op("query { a(s: \"\"\"\\\\\"\"\" } mutation { b } \"\"\") }") == Q); /* \\""" too */
  CHECK(op("query { a(s: \"\"\"\"\"\") }") == Q);     /* empty */
  CHECK(op("query { a(s: \"\"\"a\"\"\"\"\") }") == Q); /* """a""" then "" */
  CHECK(op("query { a(s: \"\"\"\tx\r\ny\"\"\") }") == Q);
  CHECK(op("query { a(s: \"\"\"abc) }") == U);      /* unterminated */
  CHECK(op("query { a(s: \"\"\"abc\\\"\"\") }") == U); /* the only close is escaped */
  CHECK(op("query { a(s: \"\"\"a\x02\"\"\") }") == U);
  CHECK(op("\"\"\"") == U);
  CHECK(op("\"") == U);
  /* descriptions: newer drafts allow them on operations and fragments */
  CHECK(op("\"desc\" mutation { a }") == M);
  CHECK(op("\"\"\"desc\"\"\"\nfragment F on T { a } \"d\" query { ...F }") == Q);
  CHECK(op("\"desc\" { a }") == U);
  CHECK(op("\"a\" \"b\" query { a }") == U);
  CHECK(op("query { a } \"dangling\"") == U);
}

static void test_graphql_numbers(void) {
  CHECK(op("query { a(x: 0, y: -0, z: 10, w: 1.0e5, v: -3.25E-2) }") == Q);
  CHECK(op("query { a(x: 01) }") == U);               /* leading zero */
  CHECK(op("query { a(x: 1.) }") == U);
  CHECK(op("query { a(x: .5) }") == U);
  CHECK(op("query { a(x: 1e) }") == U);
  CHECK(op("query { a(x: 1e+) }") == U);
  CHECK(op("query { a(x: -) }") == U);
  CHECK(op("query { a(x: 1a) }") == U);               /* a name right after a number */
  CHECK(op("query { a(x: 1.2.3) }") == U);
  CHECK(op("query { a(x: 0x1F) }") == U);
}

static void test_graphql_errors(void) {
  static const char nul_mid[] = "mutation { a }\0query { b }";
  static const char nul_str[] = "query { a(s: \"x\0y\") }";
  static const char nul_comment[] = "# x\0y\nquery { a }";
  static const char nul_end[] = "query { a }\0";
  static const char nul_block[] = "query { a(s: \"\"\"x\0y\"\"\") }";
  CHECK(op("") == U);
  CHECK(op(" \n\t,") == U);
  CHECK(ugc_graphql_operation_type(NULL, 0, NULL, 0) == U);
  CHECK(ugc_graphql_operation_type(NULL, 5, "A", 1) == U);
  /* exact lengths: a NUL never ends the document, it is an error */
  CHECK(op_bytes(nul_mid, sizeof nul_mid - 1) == U);
  CHECK(op_bytes(nul_mid, 14) == M);                   /* the bytes before it alone */
  CHECK(op_bytes(nul_str, sizeof nul_str - 1) == U);
  CHECK(op_bytes(nul_comment, sizeof nul_comment - 1) == U);
  CHECK(op_bytes(nul_end, sizeof nul_end - 1) == U);
  CHECK(op_bytes(nul_block, sizeof nul_block - 1) == U);
  CHECK(op_bytes("query { a }", 10) == U);             /* cut before the last brace */
  CHECK(op_bytes("mutation { a }", 8) == U);
  /* structure */
  CHECK(op("mutation") == U);
  CHECK(op("mutation M") == U);
  CHECK(op("mutation M(") == U);
  CHECK(op("mutation { a ") == U);
  CHECK(op("mutation { a } }") == U);
  CHECK(op("mutation { a ) }") == U);
  CHECK(op("mutation { a ] }") == U);
  CHECK(op("mutation { a( }") == U);
  CHECK(op("mutation { a [ }") == U);
  CHECK(op("mutation ) { a }") == U);
  CHECK(op("} mutation { a }") == U);
  CHECK(op("query { a } 42") == U);
  CHECK(op("query { a } :") == U);
  CHECK(op("Mutation { a }") == U);                   /* keywords are case-sensitive */
  CHECK(op("mutations { a }") == U);
  CHECK(op("type T { a: Int } query { a }") == U);  /* not executable */
  CHECK(op("schema { query: Q } query { a }") == U);
  CHECK(op("extend type T { b: Int } query { a }") == U);
  CHECK(op("query { a.b }") == U);                    /* '.' is only "..." */
  CHECK(op("query { ..F }") == U);
  CHECK(op("query { a } ;") == U);
  CHECK(op("query { a ? }") == U);
  CHECK(op("query { a \x7f }") == U);
}

/* Long and deep documents: linear work, no depth limit. */
static void test_graphql_large(void) {
  size_t depth = 100000, i, n = 0;
  char *doc = malloc(20 + 2 * depth + 40);
  if (!doc) {
    CHECK(doc != NULL);
    return;
  }
  memcpy(doc, "# deep\nmutation ", 16);
  n = 16;
  for (i = 0; i < depth; i++) doc[n++] = '{';
  for (i = 0; i < depth; i++) doc[n++] = '}';
  CHECK(op_bytes(doc, n) == M);
  CHECK(op_bytes(doc, n - 1) == U);
  doc[n++] = '}';
  CHECK(op_bytes(doc, n) == U);
  /* a mutation after a long block string */
  memcpy(doc, "query Q{a(s: \"\"\"", 16);
  for (i = 16; i < 16 + 2 * depth; i++) doc[i] = (i & 1) ? '{' : '"';
  n = 16 + 2 * depth;
  memcpy(doc + n, "\"\"\") } mutation M { b }", 23);
  n += 23;
  CHECK(op_bytes(doc, n) == U);
  CHECK(ugc_graphql_operation_type(doc, n, "M", 1) == M);
  free(doc);
}

void test_graphql(void) {
  test_graphql_basics();
  test_graphql_ignored();
  test_graphql_fragments();
  test_graphql_selection();
  test_graphql_strings();
  test_graphql_numbers();
  test_graphql_errors();
  test_graphql_large();
}
