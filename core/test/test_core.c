/* Tests for core/ alone: linked without Lua, run under ASan and UBSan.
 * The session tests talk to a sandbox when MOVEUGC_SANDBOX_URL is set (the
 * test command starts one) and to a closed loopback port otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ugc_buf.h"
#include "ugc_headers.h"
#include "ugc_session.h"
#include "ugc_transfer.h"

int ugc_test_passed, ugc_test_failed; /* shared with the other test files */

void test_webhook(void); /* test_webhook.c */
void test_fs(void);      /* test_fs.c */
void test_headers(void); /* test_headers.c */
void test_hasher(void);  /* test_hasher.c */
void test_graphql(void); /* test_graphql.c */
void test_engine(const char *url); /* test_engine.c: signals, fork, wake-ups */
void test_xfer(const char *url); /* test_xfer.c */

static void test_buf(void) {
  ugc_buf b;
  int i, ok = 1;
  ugc_buf_init(&b, 0);
  for (i = 0; i < 10000; i++) ok &= ugc_buf_putc(&b, 'x') == 0;
  CHECK(ok);
  CHECK(b.len == 10000 && b.data[10000] == '\0');
  ugc_buf_reset(&b);
  CHECK(b.len == 0 && b.data[0] == '\0');
  ugc_buf_shrink(&b, 16);
  CHECK(b.cap == 16);
  ugc_buf_free(&b);
  ugc_buf_free(&b); /* twice is safe */

  ugc_buf_init(&b, 8);
  CHECK(ugc_buf_puts(&b, "12345678") == 0);
  CHECK(ugc_buf_putc(&b, '9') == -1);
  CHECK(b.overflow == 1 && b.len == 8);
  ugc_buf_free(&b);
}

static void test_json_string(void) {
  ugc_buf b;
  const char in[] = "a\"b\\c\n\t\x01\x7f\xc3\xa9";
  ugc_buf_init(&b, 0);
  CHECK(ugc_buf_json_string(&b, in, sizeof in - 1) == 0);
  CHECK(strcmp(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\xc3\xa9\"") == 0);
  ugc_buf_reset(&b);
  CHECK(ugc_buf_json_string(&b, "", 0) == 0 && strcmp(b.data, "\"\"") == 0);
  ugc_buf_free(&b);
}

static void test_retry_after(void) {
  /* Retry-After: seconds or an HTTP date */
  CHECK(ugc_parse_retry_after("3", 0) == 3.0);
  CHECK(ugc_parse_retry_after(" 120 ", 0) == 120.0);
  CHECK(ugc_parse_retry_after("garbage", 0) < 0);
  CHECK(ugc_parse_retry_after("0.25", 0) == 0.25);
  /* what strtod would take but HTTP does not say: none of it is a delay */
  CHECK(ugc_parse_retry_after("nan", 0) < 0);
  CHECK(ugc_parse_retry_after("inf", 0) < 0);
  CHECK(ugc_parse_retry_after("-5", 0) < 0);
  CHECK(ugc_parse_retry_after("0x10", 0) < 0);
  CHECK(ugc_parse_retry_after("1e3", 0) < 0);
  CHECK(ugc_parse_retry_after("5 s", 0) < 0);
  CHECK(ugc_parse_retry_after("99999999999999999999999", 0) >= 1e9); /* huge: finite, not waited for */
  CHECK(ugc_parse_retry_after("", 0) < 0);
  CHECK(ugc_parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 40) == 60.0);
  CHECK(ugc_parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 500) == 0.0);
}

ugc_session *make_session(const char *endpoint, size_t max_body) {
  ugc_config cfg;
  char err[128];
  ugc_session *s;
  ugc_config_defaults(&cfg);
  cfg.endpoint = endpoint;
  cfg.api_key = "sandbox-key-0123456789";
  cfg.user_agent = "moveugc-core-test";
  if (max_body) cfg.max_body = max_body;
  s = ugc_session_new(&cfg, err, sizeof err);
  CHECK(s != NULL);
  return s;
}

static void test_session_refused(void) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  ugc_result r;
  ugc_session *s = make_session("http://127.0.0.1:1/graphql", 0);
  if (!s) return;
  /* sent once: retrying is the caller's policy, told that nothing left */
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_E_NETWORK);
  CHECK(r.sends == 1 && r.reach == UGC_REACH_NONE && r.status == 0);
  CHECK(strstr(r.message, "sandbox-key") == NULL);
  CHECK(ugc_session_post(s, body, sizeof body - 1, 1, 0, &r) == UGC_E_NETWORK);
  CHECK(r.sends == 1 && r.reach == UGC_REACH_NONE);
  ugc_session_free(s);
  ugc_session_free(NULL);
}

static void test_session_sandbox(const char *url) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  ugc_result r;
  int i;
  ugc_session *s = make_session(url, 0);
  if (!s) return;
  for (i = 0; i < 3; i++) {
    CHECK(ugc_session_post(s, body, sizeof body - 1, i == 1, 0, &r) == UGC_OK);
    CHECK(r.status == 200 && r.sends == 1 && r.reach == UGC_REACH_MAYBE);
    CHECK(r.body_len > 0 && strstr(r.body, "\"client\"") != NULL);
    CHECK(r.request_id[0] != '\0');
  }
  CHECK(ugc_session_post(s, "{", 1, 0, 0, &r) == UGC_OK && r.status == 400);
  ugc_session_free(s);

  /* a 503 asking for a wait: reported once, with the facts; no retry here */
  {
    static const char fault[] =
        "{\"target\":\"graphql\",\"count\":1,\"status\":503,\"headers\":{\"Retry-After\":\"7\"}}";
    char control[512];
    const char *end = strstr(url, "/graphql");
    snprintf(control, sizeof control, "%.*s/_sandbox/faults", (int)(end ? end - url : 0), url);
    s = make_session(control, 0);
    if (!s) return;
    CHECK(ugc_session_post(s, fault, sizeof fault - 1, 0, 0, &r) == UGC_OK && r.status < 300);
    ugc_session_free(s);
    s = make_session(url, 0);
    if (!s) return;
    CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK);
    CHECK(r.status == 503 && r.sends == 1 && r.retry_after_s == 7.0);
    CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK && r.status == 200);
    CHECK(r.retry_after_s == -1);
    CHECK(r.headers == NULL); /* kept only when asked for */
    /* the header lines, when asked: the last response's, one per line */
    CHECK(ugc_session_post(s, body, sizeof body - 1, UGC_POST_HEADERS, 0, &r) == UGC_OK && r.status == 200);
    CHECK(r.headers != NULL && r.headers_len == strlen(r.headers));
    CHECK(r.headers && strstr(r.headers, "x-amzn-RequestId: ") != NULL);
    CHECK(r.headers && r.headers[r.headers_len - 1] == '\n' && strstr(r.headers, "HTTP/") == NULL);
    CHECK(r.headers && strchr(r.headers, '\r') == NULL);
    ugc_session_free(s);
    /* a post's own timeout, shorter than the session's 30 s: a 3 s delay fails in about 0.3 s */
    {
      static const char slow[] = "{\"target\":\"graphql\",\"count\":1,\"delay_ms\":3000}";
      double t0;
      s = make_session(control, 0);
      if (!s) return;
      CHECK(ugc_session_post(s, slow, sizeof slow - 1, 0, 0, &r) == UGC_OK && r.status < 300);
      ugc_session_free(s);
      s = make_session(url, 0);
      if (!s) return;
      t0 = ugc_now_ms();
      CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 300, &r) == UGC_E_TIMEOUT);
      CHECK(ugc_now_ms() - t0 < 2500);
      /* and the next post on the same handle has the session's timeout again */
      CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK && r.status == 200);
      ugc_session_free(s);
    }
  }

  s = make_session(url, 16); /* the body cap */
  if (!s) return;
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_E_TOO_LARGE);
  CHECK(strstr(r.message, "16-byte limit") != NULL);
  ugc_session_free(s);
}

/* A listening socket that never accepts or answers: requests to it stay in
 * flight until cancelled. Returns the socket, port in *port. */
int silent_server(int *port) {
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &n) != 0)
    return -1;
  *port = ntohs(a.sin_port);
  return fd;
}

static int wait_readable(int fd, int ms) {
  struct pollfd p;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* The non-blocking face: many posts at once on the worker, the wake-up
 * descriptor, collecting. */
static void test_session_async(const char *url) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  ugc_req *q[6];
  int i, live, steps = 0, all_ok = 1;
  double t0;
  ugc_session *s = make_session(url, 0);
  if (!s) return;
  CHECK(ugc_session_timeout_ms(s) == -1); /* nothing to wait for */
  CHECK(!wait_readable(ugc_session_fd(s), 0));
  for (i = 0; i < 6; i++) {
    q[i] = ugc_post_new(s, body, sizeof body - 1, i % 2);
    CHECK(q[i] != NULL && !ugc_req_done(q[i]));
    ugc_req_submit(q[i]);
  }
  CHECK(ugc_session_live(s) == 6);
  /* the descriptor wakes a host that waits instead of polling */
  CHECK(wait_readable(ugc_session_fd(s), 5000));
  CHECK(ugc_session_timeout_ms(s) == 0);
  do {
    live = ugc_session_step(s, 100);
  } while (live > 0 && ++steps < 1000);
  CHECK(live == 0);
  CHECK(!wait_readable(ugc_session_fd(s), 0)); /* collected: quiet again */
  for (i = 0; i < 6; i++) {
    const ugc_result *r = ugc_req_result(q[i]);
    all_ok &= ugc_req_done(q[i]) && r->error == UGC_OK && r->status == 200 &&
              strstr(r->body, "\"client\"") != NULL;
  }
  CHECK(all_ok);
  for (i = 0; i < 6; i++) ugc_req_free(q[i]);
  CHECK(ugc_session_live(s) == 0);
  /* step with a timeout and nothing in flight is a sleep, not a spin */
  t0 = ugc_now_ms();
  CHECK(ugc_session_step(s, 30) == 0);
  CHECK(ugc_now_ms() - t0 >= 25);

  /* a blocking post runs on this thread while the worker is parked, and
   * through the worker while it has work: the same result either way */
  {
    ugc_result r;
    int port = 0, srv = silent_server(&port);
    char stalled[64], part[] = "/tmp/moveugc-busy-XXXXXX";
    int fd = mkstemp(part);
    ugc_req *busy;
    CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK && r.status == 200);
    snprintf(stalled, sizeof stalled, "http://127.0.0.1:%d/x", port);
    busy = ugc_download_new(s, stalled, part); /* never answered: the worker stays busy */
    ugc_req_submit(busy);
    CHECK(ugc_session_post(s, body, sizeof body - 1, 1, 0, &r) == UGC_OK && r.status == 200);
    CHECK(r.sends == 1 && strstr(r.body, "\"client\"") != NULL);
    CHECK(!ugc_req_done(busy));
    ugc_req_cancel(busy);
    CHECK(ugc_req_done(busy) && ugc_req_xfer(busy)->error == UGC_E_CANCELLED);
    ugc_req_free(busy);
    CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK && r.status == 200);
    if (srv >= 0) close(srv);
    if (fd >= 0) close(fd);
    unlink(part);
  }
  ugc_session_free(s);
}

/* A string field of a JSON body, unescaped (enough for URLs and ids). */
static int json_field(const char *body, const char *key, char *out, size_t n) {
  char pat[64];
  const char *p, *e;
  size_t o = 0;
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  if (!(p = strstr(body, pat))) return -1;
  for (p += strlen(pat), e = strchr(p, '"'); e && p < e && o + 1 < n; p++) {
    if (*p == '\\' && p + 1 < e) p++; /* \/ and the like */
    out[o++] = *p;
  }
  out[o] = '\0';
  return o > 0 ? 0 : -1;
}

/* A presigned upload URL from createFile, and the file's id if id != NULL. */
int upload_url(ugc_session *s, char *out, size_t n, char *id) {
  static const char body[] =
      "{\"query\":\"mutation { createFile(type: \\\"mp4\\\") { id presignedUrl } }\"}";
  ugc_result r;
  if (ugc_session_post(s, body, sizeof body - 1, 1, 0, &r) != UGC_OK) return -1;
  if (id && json_field(r.body, "id", id, 64) != 0) return -1;
  return json_field(r.body, "presignedUrl", out, n);
}

/* The download URL getFile gives for a file that has its bytes. */
int download_url(ugc_session *s, const char *id, char *out, size_t n) {
  char body[256];
  ugc_result r;
  snprintf(body, sizeof body, "{\"query\":\"{ getFile(fileId: \\\"%s\\\") { presignedUrl } }\"}", id);
  if (ugc_session_post(s, body, strlen(body), 0, 0, &r) != UGC_OK) return -1;
  return json_field(r.body, "presignedUrl", out, n);
}

/* A temporary file of mib MiB of one 16-byte line repeated; path is a
 * mkstemp template, filled in. 0 on success. */
static int sample_file(char *path, int mib, const char line[17]) {
  int i, fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f) return -1;
  for (i = 0; i < mib * 1024 * 1024 / 16; i++) fputs(line, f);
  return fclose(f) == 0 ? 0 : -1;
}

/* Requests that never finish on their own: cancelled, freed while the worker
 * has them, and cancelled by the session's end. */
static void test_session_cancel(void) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  char url[64], path[] = "/tmp/moveugc-cancel-XXXXXX", part[64];
  int port = 0, i, srv = silent_server(&port);
  ugc_req *q[4];
  ugc_session *s;
  CHECK(srv >= 0);
  if (srv < 0) return;
  snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", port);
  s = make_session(url, 0);
  if (!s) return;
  q[0] = ugc_post_new(s, body, sizeof body - 1, 1);
  ugc_req_submit(q[0]);
  CHECK(ugc_req_wait(q[0], 50) == -1 && !ugc_req_done(q[0])); /* no answer comes */
  ugc_req_cancel(q[0]);
  CHECK(ugc_req_done(q[0]) && ugc_req_result(q[0])->error == UGC_E_CANCELLED);
  CHECK(ugc_session_live(s) == 0);
  ugc_req_free(q[0]);

  /* a transfer cancelled in flight: done (its file closed) when cancel returns */
  CHECK(sample_file(path, 1, "cancelled bytes\n") == 0);
  q[0] = ugc_upload_new(s, url, path);
  ugc_req_submit(q[0]);
  ugc_req_wait(q[0], 50);
  ugc_req_cancel(q[0]);
  CHECK(ugc_req_done(q[0]) && ugc_req_xfer(q[0])->error == UGC_E_CANCELLED &&
        ugc_req_xfer(q[0])->aborted);
  ugc_req_free(q[0]);

  /* freed while the worker has them (the worker frees them: no leak under
   * LeakSanitizer), and one cancelled before the worker took it */
  for (i = 0; i < 3; i++) {
    q[i] = i == 1 ? ugc_upload_new(s, url, path) : ugc_post_new(s, body, sizeof body - 1, 0);
    ugc_req_submit(q[i]);
  }
  ugc_req_wait(q[0], 20);
  for (i = 0; i < 3; i++) ugc_req_free(q[i]);
  CHECK(ugc_session_live(s) == 0);
  q[3] = ugc_post_new(s, body, sizeof body - 1, 0);
  ugc_req_submit(q[3]);
  ugc_req_cancel(q[3]);
  CHECK(ugc_req_done(q[3]) && ugc_req_result(q[3])->error == UGC_E_CANCELLED);
  ugc_req_free(q[3]);

  /* requests still running when their session goes are cancelled, not lost */
  snprintf(part, sizeof part, "%s.part", path);
  q[0] = ugc_post_new(s, body, sizeof body - 1, 0);
  q[1] = ugc_download_new(s, url, part);
  ugc_req_submit(q[0]);
  ugc_req_submit(q[1]);
  ugc_req_wait(q[0], 20);
  ugc_session_free(s);
  CHECK(ugc_req_done(q[0]) && ugc_req_result(q[0])->error == UGC_E_CANCELLED);
  CHECK(ugc_req_done(q[1]) && ugc_req_xfer(q[1])->error == UGC_E_CANCELLED);
  ugc_req_free(q[0]);
  ugc_req_free(q[1]);
  remove(part);
  remove(path);
  close(srv);
}

/* Transfers on the worker: more than the limit at once, each checked
 * against its ETag; the same bytes back, hashed because the ETag is an MD5. */
static void test_transfers(const char *url) {
  enum { N = 5 };
  char put[N][1024], path[] = "/tmp/moveugc-xfer-XXXXXX", part[64], err[128], id[64] = "";
  ugc_req *q[N];
  int i, ok = 1, moved = 0;
  ugc_session *s;
  ugc_config cfg;
  CHECK(sample_file(path, 4, "worker's bytes.\n") == 0);
  ugc_config_defaults(&cfg);
  cfg.endpoint = url;
  cfg.api_key = "sandbox-key-0123456789";
  cfg.user_agent = "moveugc-core-test";
  cfg.transfer_limit = 2;
  s = ugc_session_new(&cfg, err, sizeof err);
  CHECK(s != NULL);
  if (!s) return;
  for (i = 0; i < N; i++) CHECK(upload_url(s, put[i], sizeof put[i], i == 0 ? id : NULL) == 0);
  for (i = 0; i < N; i++) {
    q[i] = ugc_upload_new(s, put[i], path);
    ugc_req_submit(q[i]);
  }
  while (ugc_session_step(s, 1000) > 0) {
    for (i = 0; i < N; i++) {
      int64_t d, t;
      ugc_req_progress(q[i], &d, &t);
      moved |= d > 0 && t == 4 * 1024 * 1024;
    }
  }
  for (i = 0; i < N; i++) {
    const ugc_xfer_result *r = ugc_req_xfer(q[i]);
    ok &= r->error == UGC_OK && r->status == 200 && r->bytes == 4 * 1024 * 1024 &&
          strlen(r->md5_hex) == 32 && strcmp(r->etag, r->md5_hex) == 0;
    ugc_req_free(q[i]);
  }
  CHECK(ok);
  CHECK(moved);
  snprintf(part, sizeof part, "%s.part", path);
  CHECK(download_url(s, id, put[0], sizeof put[0]) == 0);
  q[0] = ugc_download_new(s, put[0], part);
  ugc_req_submit(q[0]);
  CHECK(ugc_req_wait(q[0], 30000) == 0);
  CHECK(ugc_req_xfer(q[0])->error == UGC_OK && ugc_req_xfer(q[0])->status == 200);
  CHECK(ugc_req_xfer(q[0])->bytes == 4 * 1024 * 1024);
  CHECK(strcmp(ugc_req_xfer(q[0])->md5_hex, ugc_req_xfer(q[0])->etag) == 0);
  ugc_req_free(q[0]);
  ugc_session_free(s);
  remove(part);
  remove(path);
}

static void test_etag_is_md5(void) {
  CHECK(ugc_etag_is_md5("d41d8cd98f00b204e9800998ecf8427e"));
  CHECK(ugc_etag_is_md5("D41D8CD98F00B204E9800998ECF8427E"));
  CHECK(!ugc_etag_is_md5("d41d8cd98f00b204e9800998ecf8427e-2")); /* multipart */
  CHECK(!ugc_etag_is_md5("d41d8cd98f00b204e9800998ecf8427"));
  CHECK(!ugc_etag_is_md5("g41d8cd98f00b204e9800998ecf8427e"));
  CHECK(!ugc_etag_is_md5(""));
}

int main(void) {
  const char *url = getenv("MOVEUGC_SANDBOX_URL");
  test_buf();
  test_json_string();
  test_retry_after();
  test_session_refused();
  test_session_cancel();
  test_etag_is_md5();
  test_hasher();
  test_webhook();
  test_fs();
  test_headers();
  test_graphql();
  test_engine(url);
  if (url && *url) {
    test_session_sandbox(url);
    test_session_async(url);
    test_transfers(url);
    test_xfer(url);
  }
  else fprintf(stderr, "note: MOVEUGC_SANDBOX_URL unset, sandbox session tests not run\n");
  fflush(stderr);
  printf("%d passed, %d failed\n", ugc_test_passed, ugc_test_failed);
  return ugc_test_failed ? 1 : 0;
}
