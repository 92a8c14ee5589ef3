#define _POSIX_C_SOURCE 200809L
/* Posts: one GraphQL request body to the endpoint, sent once (retrying is
 * the caller's policy), the response body kept in memory. A kind of request (ugc_req.h):
 * everything but ugc_post_new and the result readers runs on the worker. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ugc_req.h"

typedef struct ugc_post {
  ugc_req base;
  char *body;        /* owned, or borrowed by a blocking post */
  int body_borrowed;
  size_t body_len, send_off;
  int mutation;
  int compressed; /* asks for a compressed response (easy_tag: the handle does) */
  int resend_refused; /* libcurl wanted to send a mutation a second time */
  int want_headers;   /* UGC_POST_HEADERS: keep the header lines in hdrs */
  ugc_buf resp;
  ugc_buf hdrs;
  ugc_result res;
} ugc_post;

/* ==== libcurl callbacks: they fill C buffers only ====================== */

static size_t ugc_on_body(char *p, size_t size, size_t n, void *ud) {
  ugc_post *q = ud;
  if (ugc_buf_append(&q->resp, p, size * n) != 0) return 0; /* aborts the transfer */
  return size * n;
}

/* A header line kept as "Name: value\n" (UGC_POST_HEADERS): a status line
 * starts over (an interim 100, a redirect), the blank line ends nothing. */
static void ugc_keep_header(ugc_post *q, const char *p, size_t len) {
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    ugc_buf_reset(&q->hdrs);
    return;
  }
  while (len && (p[len - 1] == '\r' || p[len - 1] == '\n')) len--;
  if (len == 0) return;
  if (ugc_buf_append(&q->hdrs, p, len) == 0) ugc_buf_putc(&q->hdrs, '\n');
}

static size_t ugc_on_header(char *p, size_t size, size_t n, void *ud) {
  ugc_post *q = ud;
  ugc_headers_line(&q->base.hdr, p, size * n, (long)time(NULL));
  if (q->want_headers) ugc_keep_header(q, p, size * n);
  return size * n;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* The body goes out with the headers, in one send (CURLOPT_POSTFIELDS), and
 * this is called before each time it does: libcurl silently re-sends a
 * request whose reused connection died before any response byte arrived.
 * For a mutation that would run it twice, so a second send is refused; a
 * query may go again, counted as the attempt it is. */
#define UGC_POST_PREREQ 1
static int ugc_on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                         int conn_local_port) {
  ugc_post *q = ud;
  (void)conn_primary_ip, (void)conn_local_ip, (void)conn_primary_port, (void)conn_local_port;
  if (++q->res.sends > 1 && q->mutation) {
    q->resend_refused = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}
#else
/* An older libcurl: the body through a read function, so that every time it
 * goes out is seen (the headers and the body then go in two sends). */
static size_t ugc_on_read(char *p, size_t size, size_t n, void *ud) {
  ugc_post *q = ud;
  size_t want = size * n, left = q->body_len - q->send_off;
  if (want > left) want = left;
  memcpy(p, q->body + q->send_off, want);
  q->send_off += want;
  return want;
}

static int ugc_on_seek(void *ud, curl_off_t offset, int origin) {
  ugc_post *q = ud;
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_FAIL;
  if (q->send_off != 0) {
    if (q->mutation) {
      q->resend_refused = 1;
      return CURL_SEEKFUNC_FAIL;
    }
    q->res.sends++;
    q->send_off = 0;
  }
  return CURL_SEEKFUNC_OK;
}
#endif

/* ==== the ops ========================================================== */

/* What every post shares, set once per easy handle. */
static int ugc_post_configure(CURL *c, ugc_session *s) {
  const ugc_config *cfg = ugc_session_config(s);
  int rc = 0;
  rc |= curl_easy_setopt(c, CURLOPT_URL, cfg->endpoint);
  rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, ugc_session_headers(s));
  rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, cfg->user_agent);
  rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
  rc |= curl_easy_setopt(c, CURLOPT_POST, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ugc_on_body);
  rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ugc_on_header);
#ifdef UGC_POST_PREREQ
  rc |= curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, ugc_on_prereq);
#else
  rc |= curl_easy_setopt(c, CURLOPT_READFUNCTION, ugc_on_read);
  rc |= curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, ugc_on_seek);
#endif
  rc |= ugc_easy_base(c);
#if LIBCURL_VERSION_NUM >= 0x072f00
  /* HTTP/2 over TLS when the server offers it, HTTP/1.1 otherwise; a build
   * without nghttp2 refuses the option, which is fine. */
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
#endif
  if (cfg->ca_file) rc |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
  return rc;
}

static void ugc_post_fail(ugc_post *q, ugc_error e, const char *message) {
  q->res.error = e;
  q->res.reach = UGC_REACH_NONE;
  snprintf(q->res.message, sizeof q->res.message, "%s", message);
  q->res.body = "";
  q->res.body_len = 0;
}

static const struct ugc_req_ops ugc_post_ops;

static int ugc_post_start(ugc_req *r) {
  ugc_post *q = (ugc_post *)r;
  int fresh = 0, rc = 0, tag;
  CURL *c = r->easy = ugc_easy_take(r->s, r, &ugc_post_ops, &fresh);
  if (!c) {
    ugc_post_fail(q, UGC_E_NOMEM, "out of memory");
    return -1;
  }
  if (fresh) rc = ugc_post_configure(c, r->s);
  /* the handle's tag: bit 0 compressed, bit 1 a timeout of its own */
  tag = q->compressed | (r->timeout_ms > 0 ? 2 : 0);
  if (fresh || r->easy_tag != tag || r->timeout_ms > 0) {
    const ugc_config *cfg = ugc_session_config(r->s);
    /* "": every encoding this libcurl inflates */
    rc |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, q->compressed ? "" : NULL);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms > 0 ? r->timeout_ms : cfg->timeout_ms);
    r->easy_tag = tag;
  }
  /* then only what is this request's own */
  rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
  rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
  rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
#ifdef UGC_POST_PREREQ
  rc |= curl_easy_setopt(c, CURLOPT_PREREQDATA, q);
  rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body); /* not copied: q owns or borrows it */
#else
  rc |= curl_easy_setopt(c, CURLOPT_READDATA, q);
  rc |= curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
#endif
  rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)r);
  rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
  if (rc != 0) {
    ugc_post_fail(q, UGC_E_INTERNAL, "libcurl rejected an option");
    return -1;
  }
  return 0;
}

/* (Re)starts an attempt: fresh buffers. */
static void ugc_post_attempt(ugc_req *r) {
  ugc_post *q = (ugc_post *)r;
  ugc_buf_reset(&q->resp);
  ugc_buf_reset(&q->hdrs);
  q->send_off = 0;
  r->curl_err[0] = '\0';
  ugc_headers_reset(&r->hdr);
  q->res.retry_after_s = -1;
  q->res.request_id[0] = '\0';
  q->resend_refused = 0;
#ifdef UGC_POST_PREREQ
  q->res.sends = 0; /* counted as it goes out */
#else
  q->res.sends = 1;
#endif
}

/* The exchange ended: record what happened. */
static ugc_next ugc_post_finished(ugc_req *base, CURLcode rc) {
  ugc_post *q = (ugc_post *)base;
  const ugc_config *cfg = ugc_session_config(base->s);
  ugc_result *r = &q->res;
  r->status = 0;
  curl_easy_getinfo(base->easy, CURLINFO_RESPONSE_CODE, &r->status);
  r->retry_after_s = base->hdr.retry_after_s;
  memcpy(r->request_id, base->hdr.request_id, sizeof r->request_id);
  r->reach = ugc_curl_reach(base->easy, rc);
  r->message[0] = '\0';
  if (r->sends < 1) r->sends = 1; /* an attempt, even one that never got to send */
  if (q->resend_refused) {
    r->sends = 1;
    r->reach = UGC_REACH_MAYBE;
    rc = CURLE_SEND_FAIL_REWIND; /* what it amounts to: see below */
  }
  if (rc == CURLE_OK) {
    r->error = UGC_OK;
  } else if (rc == CURLE_WRITE_ERROR && q->resp.overflow) {
    r->error = UGC_E_TOO_LARGE;
    snprintf(r->message, sizeof r->message, "response body is larger than the %zu-byte limit",
             cfg->max_body);
  } else if (rc == CURLE_SEND_FAIL_REWIND) {
    r->error = UGC_E_NETWORK;
    snprintf(r->message, sizeof r->message, "connection lost after the request was sent");
  } else {
    r->error = ugc_curl_error(rc);
    snprintf(r->message, sizeof r->message, "%s",
             base->curl_err[0] ? base->curl_err : curl_easy_strerror(rc));
  }
  r->body = q->resp.data ? q->resp.data : "";
  r->body_len = q->resp.len;
  r->headers = q->want_headers ? (q->hdrs.data ? q->hdrs.data : "") : NULL;
  r->headers_len = q->hdrs.len;
  r->elapsed_ms = ugc_now_ms() - base->start_ms;
  return UGC_NEXT_DONE;
}

static void ugc_post_cancelled(ugc_req *base) {
  ugc_post *q = (ugc_post *)base;
  q->res.error = UGC_E_CANCELLED;
  q->res.reach = UGC_REACH_MAYBE;
  snprintf(q->res.message, sizeof q->res.message, "cancelled");
  q->res.body = "";
  q->res.body_len = 0;
}

static void ugc_post_release(ugc_req *base) {
  ugc_post *q = (ugc_post *)base;
  if (!q->body_borrowed) free(q->body);
  q->body = NULL;
  ugc_buf_free(&q->resp);
  ugc_buf_free(&q->hdrs);
}

static const struct ugc_req_ops ugc_post_ops = {ugc_post_start,     ugc_post_attempt,
                                                ugc_post_finished,  NULL,
                                                ugc_post_cancelled, ugc_post_release};

/* ==== the host's side ================================================== */

static ugc_req *ugc_post_make(ugc_session *s, const char *body, size_t len, int flags,
                              int borrow) {
  ugc_post *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->mutation = (flags & UGC_POST_MUTATION) != 0;
  q->compressed = (flags & UGC_POST_COMPRESSED) != 0;
  q->want_headers = (flags & UGC_POST_HEADERS) != 0;
  q->body_len = len;
  q->body_borrowed = borrow;
  q->body = borrow ? (char *)body : malloc(len + 1);
  if (!q->body) {
    free(q);
    return NULL;
  }
  if (!borrow) {
    memcpy(q->body, body, len);
    q->body[len] = '\0';
  }
  ugc_buf_init(&q->resp, ugc_session_config(s)->max_body);
  ugc_buf_init(&q->hdrs, 256 * 1024); /* beyond it, lines are dropped */
  q->res.retry_after_s = -1;
  ugc_req_init(&q->base, s, &ugc_post_ops, UGC_REQ_POST, 0);
  return &q->base;
}

ugc_req *ugc_post_new(ugc_session *s, const char *body, size_t len, int flags) {
  return ugc_post_make(s, body, len, flags, 0);
}

const ugc_result *ugc_req_result(const ugc_req *q) {
  return q->kind == UGC_REQ_POST ? &((const ugc_post *)q)->res : NULL;
}

ugc_error ugc_session_post(ugc_session *s, const char *body, size_t len, int flags, long timeout_ms,
                           ugc_result *r) {
  /* the body is borrowed: this call waits until the worker is done with it */
  ugc_req *base = ugc_post_make(s, body, len, flags, 1);
  ugc_post *q = (ugc_post *)base;
  ugc_buf *last = ugc_session_last(s), *spare = ugc_session_spare(s), old;
  if (!q) {
    memset(r, 0, sizeof *r);
    snprintf(r->message, sizeof r->message, "out of memory");
    return r->error = UGC_E_NOMEM;
  }
  if (spare->data) { /* receive into the spare buffer: no growing, no reallocating */
    size_t limit = q->resp.limit;
    q->resp = *spare;
    q->resp.limit = limit;
    q->resp.overflow = 0;
    ugc_buf_reset(&q->resp);
    ugc_buf_init(spare, 0);
  }
  base->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
  if (!ugc_session_run_here(base)) { /* the worker is busy: through it */
    if (ugc_req_submit(base) == 0) ugc_req_wait(base, -1);
    else ugc_post_fail(q, UGC_E_INTERNAL, ugc_session_start_error(s));
  }
  *r = q->res;
  /* hand the body over to the session so it outlives the request; the
   * body before it becomes the spare */
  old = *last;
  *last = q->resp;
  *spare = old;
  ugc_buf_reset(spare);
  ugc_buf_init(&q->resp, 0);
  if (spare->cap > 1024 * 1024) ugc_buf_shrink(spare, 64 * 1024);
  if (last->cap > 1024 * 1024 && last->len < 64 * 1024) ugc_buf_shrink(last, 64 * 1024);
  r->body = last->data ? last->data : "";
  r->body_len = last->len;
  if (q->want_headers) { /* the header lines outlive the request too */
    ugc_buf *lh = ugc_session_last_headers(s);
    ugc_buf_free(lh);
    *lh = q->hdrs;
    ugc_buf_init(&q->hdrs, 0);
    r->headers = lh->data ? lh->data : "";
    r->headers_len = lh->len;
  }
  ugc_req_free(base);
  return r->error;
}
