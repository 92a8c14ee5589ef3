#include "ugc_buf.h"

#include <stdlib.h>
#include <string.h>

void ugc_buf_init(ugc_buf *b, size_t limit) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->limit = limit;
  b->overflow = 0;
}

void ugc_buf_free(ugc_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void ugc_buf_reset(ugc_buf *b) {
  b->len = 0;
  b->overflow = 0;
  if (b->data) b->data[0] = '\0';
}

void ugc_buf_shrink(ugc_buf *b, size_t keep) {
  if (b->cap > keep && b->len <= keep) {
    char *p = realloc(b->data, keep + 1);
    if (p) {
      b->data = p;
      b->cap = keep;
    }
  }
}

static int ugc_buf_reserve(ugc_buf *b, size_t extra) {
  size_t need, ncap;
  char *p;
  if (extra > (size_t)-1 / 2 - b->len) return -1;
  need = b->len + extra;
  if (b->limit && need > b->limit) {
    b->overflow = 1;
    return -1;
  }
  if (need <= b->cap) return 0;
  ncap = b->cap ? b->cap : 256;
  while (ncap < need) ncap *= 2;
  if (b->limit && ncap > b->limit) ncap = b->limit;
  p = realloc(b->data, ncap + 1);
  if (!p) return -1;
  b->data = p;
  b->cap = ncap;
  return 0;
}

int ugc_buf_append(ugc_buf *b, const void *p, size_t n) {
  if (ugc_buf_reserve(b, n) != 0) return -1;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int ugc_buf_putc(ugc_buf *b, char c) { return ugc_buf_append(b, &c, 1); }

int ugc_buf_puts(ugc_buf *b, const char *s) { return ugc_buf_append(b, s, strlen(s)); }

int ugc_buf_json_string(ugc_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i, start = 0;
  if (ugc_buf_putc(b, '"') != 0) return -1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[7];
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    if (ugc_buf_append(b, s + start, i - start) != 0) return -1;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      default:
        u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
        u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
        esc = u;
    }
    if (ugc_buf_puts(b, esc) != 0) return -1;
    start = i + 1;
  }
  if (ugc_buf_append(b, s + start, n - start) != 0) return -1;
  return ugc_buf_putc(b, '"');
}
