/* libFuzzer harness for core/ugc_headers: the response headers the SDK acts
 * on (ETag, Content-Length, Content-Range, Retry-After, request ids). The
 * input is a header block, split into lines at LF as libcurl would hand them
 * over (NUL bytes and all). Besides memory errors, it checks what every
 * caller relies on:
 *   - the strings are terminated within their buffers and hold no control byte;
 *   - lengths and totals are -1 or non-negative;
 *   - Retry-After is -1 or a finite number of seconds, never NaN;
 *   - parsing the same block twice gives the same result. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ugc_headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) abort();                                                                          \
  } while (0)

static void check_text(const char *s, size_t cap) {
  size_t n = strnlen(s, cap), i;
  CHECK(n < cap);
  for (i = 0; i < n; i++) CHECK((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] != 0x7f);
}

static void parse(ugc_headers *h, const uint8_t *data, size_t size) {
  size_t start = 0, i;
  ugc_headers_reset(h);
  for (i = 0; i <= size; i++) {
    if (i == size || data[i] == '\n') {
      size_t end = i < size ? i + 1 : i;
      if (end > start) ugc_headers_line(h, (const char *)data + start, end - start, 1000000000L);
      start = end;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ugc_headers a, b;
  char *copy;
  double ra;
  parse(&a, data, size);
  check_text(a.etag, sizeof a.etag);
  check_text(a.request_id, sizeof a.request_id);
  CHECK(a.content_length >= -1 && a.range_total >= -1);
  CHECK(a.retry_after_s == -1 || (isfinite(a.retry_after_s) && a.retry_after_s >= 0));
  parse(&b, data, size);
  CHECK(strcmp(a.etag, b.etag) == 0 && strcmp(a.request_id, b.request_id) == 0);
  CHECK(a.content_length == b.content_length && a.range_total == b.range_total);
  CHECK(a.retry_after_s == b.retry_after_s);
  /* the value parsers alone, on the whole input as a C string */
  copy = malloc(size + 1);
  if (!copy) return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  ra = ugc_parse_retry_after(copy, 1000000000L);
  CHECK(ra == -1 || (isfinite(ra) && ra >= 0));
  CHECK(ugc_parse_length(copy) >= -1);
  free(copy);
  return 0;
}
