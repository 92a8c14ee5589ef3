/* ugc_buf: a growable byte buffer with a hard cap.
 *
 * Response bodies land here. The cap protects a client from a server (or a
 * proxy) that streams without end: once it is reached, appends fail and the
 * owner reports a clear error instead of eating the machine's memory. */
#ifndef UGC_BUF_H
#define UGC_BUF_H

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

#include <stddef.h>

typedef struct ugc_buf {
  char *data;     /* always NUL-terminated when non-NULL */
  size_t len;
  size_t cap;     /* bytes allocated, excluding the terminator */
  size_t limit;   /* appends past this many bytes fail; 0 means no limit */
  int overflow;   /* set once an append was refused by the limit */
} ugc_buf;

void ugc_buf_init(ugc_buf *b, size_t limit);
void ugc_buf_free(ugc_buf *b);
/* Empties the buffer but keeps its memory for the next use. */
void ugc_buf_reset(ugc_buf *b);
/* 0 on success, -1 on allocation failure or when the limit is reached. */
int ugc_buf_append(ugc_buf *b, const void *p, size_t n);
int ugc_buf_putc(ugc_buf *b, char c);
int ugc_buf_puts(ugc_buf *b, const char *s);
/* Appends s as a JSON string literal, quotes included. */
int ugc_buf_json_string(ugc_buf *b, const char *s, size_t n);
/* Gives memory back when a large response left a large allocation behind. */
void ugc_buf_shrink(ugc_buf *b, size_t keep);

UGC_END_HIDDEN

#endif
