/* ugc_headers: see ugc_headers.h. */
#define _POSIX_C_SOURCE 200809L
#include "ugc_headers.h"

#include <curl/curl.h> /* curl_getdate: an HTTP-date parser that needs no handle */
#include <string.h>
#include <strings.h>
#include <time.h>

void ugc_headers_reset(ugc_headers *h) {
  h->etag[0] = '\0';
  h->request_id[0] = '\0';
  h->content_length = -1;
  h->range_total = -1;
  h->retry_after_s = -1;
}

static int ugc_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void ugc_header_value(char *dst, size_t dstlen, const char *v, size_t n) {
  size_t i;
  while (n && ugc_blank(*v)) v++, n--;
  while (n && ugc_blank(v[n - 1])) n--;
  if (n >= dstlen) n = dstlen - 1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  dst[n] = '\0';
}

int64_t ugc_parse_length(const char *v) {
  int64_t n = 0;
  int digits = 0;
  while (ugc_blank(*v)) v++;
  for (; *v >= '0' && *v <= '9'; v++, digits++) {
    int d = *v - '0';
    if (n > (INT64_MAX - d) / 10) return -1;
    n = n * 10 + d;
  }
  while (ugc_blank(*v)) v++;
  return digits && *v == '\0' ? n : -1;
}

double ugc_parse_retry_after(const char *v, long now_unix) {
  double secs = 0, scale = 1;
  int digits = 0;
  const char *p;
  time_t t;
  while (*v == ' ' || *v == '\t') v++;
  if (!*v) return -1;
  for (p = v; *p >= '0' && *p <= '9'; p++, digits++) {
    if (secs < 1e9) secs = secs * 10 + (*p - '0');
  }
  if (digits && *p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++) secs += (*p - '0') * (scale /= 10);
  }
  if (digits) {
    while (ugc_blank(*p)) p++;
    if (*p == '\0') return secs;
  }
  t = curl_getdate(v, NULL);
  if (t == (time_t)-1) return -1;
  return t > now_unix ? (double)(t - now_unix) : 0;
}

/* The value of line when it is the header name (case-insensitive), else NULL. */
static const char *ugc_header_is(const char *line, size_t len, const char *name, size_t *vlen) {
  size_t n = strlen(name);
  if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0) return NULL;
  *vlen = len - n - 1;
  return line + n + 1;
}

void ugc_headers_line(ugc_headers *h, const char *p, size_t len, long now_unix) {
  const char *v;
  size_t n;
  char buf[128];
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    ugc_headers_reset(h);
  } else if ((v = ugc_header_is(p, len, "etag", &n))) {
    ugc_header_value(h->etag, sizeof h->etag, v, n);
    n = strlen(h->etag);
    if (n >= 2 && h->etag[0] == '"' && h->etag[n - 1] == '"') {
      memmove(h->etag, h->etag + 1, n - 2);
      h->etag[n - 2] = '\0';
    }
  } else if ((v = ugc_header_is(p, len, "content-length", &n))) {
    ugc_header_value(buf, sizeof buf, v, n);
    h->content_length = ugc_parse_length(buf);
  } else if ((v = ugc_header_is(p, len, "content-range", &n))) {
    const char *slash;
    ugc_header_value(buf, sizeof buf, v, n);
    slash = strchr(buf, '/');
    h->range_total = slash ? ugc_parse_length(slash + 1) : -1;
  } else if ((v = ugc_header_is(p, len, "x-amzn-requestid", &n)) ||
             (v = ugc_header_is(p, len, "x-amz-request-id", &n))) {
    ugc_header_value(h->request_id, sizeof h->request_id, v, n);
  } else if ((v = ugc_header_is(p, len, "retry-after", &n))) {
    ugc_header_value(buf, sizeof buf, v, n);
    h->retry_after_s = ugc_parse_retry_after(buf, now_unix);
  }
}
