/* ugc_headers: reading the response headers the SDK acts on, one line at a
 * time, as libcurl's header callback hands them over. Pure functions over
 * bytes (no libcurl, no allocation): the header values come from the
 * network, so this is a fuzz target of its own (fuzz/fuzz_headers.c). */
#ifndef UGC_HEADERS_H
#define UGC_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

typedef struct ugc_headers {
  char etag[80];          /* ETag, quotes removed; "" when absent */
  char request_id[96];    /* x-amzn-RequestId or x-amz-request-id; "" when absent */
  int64_t content_length; /* -1 when absent or not a number */
  int64_t range_total;    /* the "/total" of Content-Range; -1 when absent or "*" */
  double retry_after_s;   /* Retry-After in seconds; -1 when absent or unreadable */
} ugc_headers;

/* Everything absent: at the start, and at each new response (a status line). */
void ugc_headers_reset(ugc_headers *h);

/* One header line (with or without its CRLF, not NUL-terminated). A status
 * line ("HTTP/...") starts a new response and resets h. now_unix dates an
 * HTTP-date Retry-After. Lines it does not know are ignored. */
void ugc_headers_line(ugc_headers *h, const char *line, size_t len, long now_unix);

/* A header value: blanks and line ends trimmed, at most dstlen - 1 bytes,
 * control bytes replaced by '?' (a value is later shown in messages). */
void ugc_header_value(char *dst, size_t dstlen, const char *v, size_t n);

/* Retry-After: delay-seconds (digits, a fraction allowed) or an HTTP-date;
 * -1 for anything else (NaN, inf, a sign, hex, trailing junk). */
double ugc_parse_retry_after(const char *value, long now_unix);

/* A non-negative decimal integer filling the whole string (blanks around
 * allowed); -1 otherwise, also on overflow. */
int64_t ugc_parse_length(const char *value);

UGC_END_HIDDEN

#endif
