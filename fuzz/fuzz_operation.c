/* libFuzzer harness for core/ugc_graphql: the operation type of a GraphQL
 * document. The input's first line is the operationName (empty: none), the
 * rest the document, NUL bytes and all. Besides memory errors (run it under
 * ASan/UBSan), it checks invariants that hold for every input:
 *   - the answer is a ugc_op_type;
 *   - a known answer survives a comment, a byte order mark or a fragment
 *     put around the document;
 *   - a known answer for a name is, without the name, the same or unknown;
 *   - a NUL byte anywhere makes the answer unknown.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore
 *          fuzz/fuzz_operation.c core/ugc_graphql.c -o fuzz_operation */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ugc_graphql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) abort();                                                                          \
  } while (0)

static int detect(const char *doc, size_t n, const char *name, size_t name_len) {
  int r = ugc_graphql_operation_type(doc, n, name, name_len);
  CHECK(r == UGC_OP_UNKNOWN || r == UGC_OP_QUERY || r == UGC_OP_MUTATION ||
        r == UGC_OP_SUBSCRIPTION);
  return r;
}

/* The answer for head + doc + tail, in a fresh allocation so ASan sees its
 * exact end. */
static int detect_wrapped(const char *head, const char *doc, size_t n, const char *tail,
                          const char *name, size_t name_len) {
  size_t hn = strlen(head), tn = strlen(tail);
  char *buf = malloc(hn + n + tn + 1);
  int r;
  if (!buf) return -1;
  memcpy(buf, head, hn);
  if (n) memcpy(buf + hn, doc, n);
  memcpy(buf + hn + n, tail, tn);
  r = detect(buf, hn + n + tn, name, name_len);
  free(buf);
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  const char *nl = size ? memchr(in, '\n', size) : NULL;
  size_t name_len = nl ? (size_t)(nl - in) : 0;
  const char *doc_start = nl ? nl + 1 : in;
  size_t n = size - (size_t)(doc_start - in);
  char *doc = malloc(n ? n : 1), *name = malloc(name_len ? name_len : 1);
  int r, r_none;
  if (!doc || !name) {
    free(doc);
    free(name);
    return 0;
  }
  /* copies of their own: a read past either end is caught */
  if (n) memcpy(doc, doc_start, n);
  if (name_len) memcpy(name, in, name_len);

  r = detect(doc, n, name_len ? name : NULL, name_len);
  CHECK(detect(doc, n, name_len ? name : NULL, name_len) == r); /* no hidden state */
  r_none = name_len ? detect(doc, n, NULL, 0) : r;
  if (r != UGC_OP_UNKNOWN) {
    int w;
    /* around a document that parsed to its end, ignored tokens change nothing */
    w = detect_wrapped("", doc, n, "\n# comment", name_len ? name : NULL, name_len);
    CHECK(w == -1 || w == r);
    w = detect_wrapped("# comment\n\xEF\xBB\xBF,", doc, n, "\r", name_len ? name : NULL, name_len);
    CHECK(w == -1 || w == r);
    /* nor does a fragment, which is not an operation */
    w = detect_wrapped("fragment ZzF on T { a(s: \"}\") }\n", doc, n, "\nfragment ZzG on T { b }",
                       name_len ? name : NULL, name_len);
    CHECK(w == -1 || w == r);
    /* a name that picks an operation: without it, the only one or unsure */
    if (name_len) CHECK(r_none == r || r_none == UGC_OP_UNKNOWN);
  }
  if (n) { /* a NUL byte is an error wherever it is */
    char saved = doc[n / 2];
    doc[n / 2] = '\0';
    CHECK(detect(doc, n, name_len ? name : NULL, name_len) == UGC_OP_UNKNOWN);
    doc[n / 2] = saved;
  }
  free(doc);
  free(name);
  return 0;
}
