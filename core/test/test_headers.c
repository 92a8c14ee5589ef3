/* core/ugc_headers: the response headers the SDK acts on. */
#include <string.h>

#include "check.h"
#include "ugc_headers.h"

void test_headers(void);

static void line(ugc_headers *h, const char *s) { ugc_headers_line(h, s, strlen(s), 1000); }

void test_headers(void) {
  ugc_headers h;
  ugc_headers_reset(&h);
  line(&h, "HTTP/1.1 206 Partial Content\r\n");
  line(&h, "ETag: \"9e107d9d372bb6826bd81d3542a419d6\"\r\n");
  line(&h, "content-range: bytes 100-999/1000\r\n");
  line(&h, "Content-Length:  900 \r\n");
  line(&h, "x-amz-request-id: ABC\r\n");
  CHECK(strcmp(h.etag, "9e107d9d372bb6826bd81d3542a419d6") == 0);
  CHECK(h.range_total == 1000 && h.content_length == 900);
  CHECK(strcmp(h.request_id, "ABC") == 0);
  line(&h, "Content-Range: bytes */1000\r\n");
  CHECK(h.range_total == 1000);
  line(&h, "Content-Range: bytes 0-1/*\r\n");
  CHECK(h.range_total == -1);
  /* lengths: digits only, no sign, no overflow */
  line(&h, "Content-Length: -1\r\n");
  CHECK(h.content_length == -1);
  line(&h, "Content-Length: 18446744073709551616\r\n");
  CHECK(h.content_length == -1);
  line(&h, "Content-Length: 12abc\r\n");
  CHECK(h.content_length == -1);
  CHECK(ugc_parse_length("9223372036854775807") == INT64_MAX);
  CHECK(ugc_parse_length("9223372036854775808") == -1);
  /* a value shown in messages holds no control byte */
  line(&h, "x-amzn-RequestId: a\x01" "b\r\n");
  CHECK(strcmp(h.request_id, "a?b") == 0);
  /* an ETag name that only starts the same is not an ETag */
  line(&h, "ETagged: x\r\n");
  CHECK(strcmp(h.etag, "9e107d9d372bb6826bd81d3542a419d6") == 0);
  /* a new response forgets the last one's */
  line(&h, "Retry-After: 7\r\n");
  CHECK(h.retry_after_s == 7.0);
  line(&h, "HTTP/1.1 200 OK\r\n");
  CHECK(h.retry_after_s == -1 && h.etag[0] == '\0' && h.request_id[0] == '\0');
  CHECK(h.content_length == -1 && h.range_total == -1);
  line(&h, "Retry-After: nan\r\n");
  CHECK(h.retry_after_s == -1);
}
