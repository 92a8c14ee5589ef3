/* Tests for core/ alone: linked without Lua, run under ASan and UBSan.
 * The session tests talk to a sandbox when MOVEUGC_SANDBOX_URL is set (the
 * test command starts one) and to a closed loopback port otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ugc_buf.h"
#include "ugc_req.h" /* private: the test looks at the pause bookkeeping */
#include "ugc_session.h"

int ugc_test_passed, ugc_test_failed; /* shared with the other test files */

void test_webhook(void); /* test_webhook.c */
void test_fs(void);      /* test_fs.c */
void test_headers(void); /* test_headers.c */
void test_graphql(void); /* test_graphql.c */

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

static void test_retry_policy(void) {
  ugc_config cfg;
  int i, capped = 1;
  ugc_config_defaults(&cfg);
  /* queries: transient failures and statuses */
  CHECK(ugc_should_retry(0, UGC_E_NETWORK, UGC_REACH_MAYBE, 0));
  CHECK(ugc_should_retry(0, UGC_E_TIMEOUT, UGC_REACH_MAYBE, 0));
  CHECK(ugc_should_retry(0, UGC_OK, UGC_REACH_MAYBE, 503));
  CHECK(ugc_should_retry(0, UGC_OK, UGC_REACH_MAYBE, 429));
  CHECK(ugc_should_retry(0, UGC_OK, UGC_REACH_MAYBE, 408));
  CHECK(!ugc_should_retry(0, UGC_OK, UGC_REACH_MAYBE, 200));
  CHECK(!ugc_should_retry(0, UGC_OK, UGC_REACH_MAYBE, 400));
  CHECK(!ugc_should_retry(0, UGC_OK, UGC_REACH_MAYBE, 401));
  CHECK(!ugc_should_retry(0, UGC_E_TOO_LARGE, UGC_REACH_MAYBE, 200));
  /* mutations: only when the request provably never left */
  CHECK(ugc_should_retry(1, UGC_E_NETWORK, UGC_REACH_NONE, 0));
  CHECK(ugc_should_retry(1, UGC_E_TLS, UGC_REACH_NONE, 0));
  CHECK(!ugc_should_retry(1, UGC_E_NETWORK, UGC_REACH_MAYBE, 0));
  CHECK(!ugc_should_retry(1, UGC_E_TIMEOUT, UGC_REACH_MAYBE, 0));
  CHECK(!ugc_should_retry(1, UGC_OK, UGC_REACH_MAYBE, 503));
  CHECK(!ugc_should_retry(1, UGC_OK, UGC_REACH_MAYBE, 429));
  /* backoff: 0.5 s doubling, capped at 8 s, jittered within [d/2, d] */
  CHECK(ugc_backoff_s(&cfg, 1, -1, 0.0) == 0.25);
  CHECK(ugc_backoff_s(&cfg, 1, -1, 1.0) == 0.5);
  CHECK(ugc_backoff_s(&cfg, 2, -1, 1.0) == 1.0);
  CHECK(ugc_backoff_s(&cfg, 5, -1, 1.0) == 8.0);
  for (i = 6; i < 40; i++) capped &= ugc_backoff_s(&cfg, i, -1, 1.0) == 8.0;
  CHECK(capped);
  CHECK(ugc_backoff_s(&cfg, 3, 7.0, 0.3) == 7.0); /* Retry-After wins */
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

static ugc_session *make_session(const char *endpoint, int retries, size_t max_body) {
  ugc_config cfg;
  char err[128];
  ugc_session *s;
  ugc_config_defaults(&cfg);
  cfg.endpoint = endpoint;
  cfg.api_key = "sandbox-key-0123456789";
  cfg.user_agent = "moveugc-core-test";
  cfg.max_retries = retries;
  cfg.retry_base_s = 0.01;
  if (max_body) cfg.max_body = max_body;
  s = ugc_session_new(&cfg, err, sizeof err);
  CHECK(s != NULL);
  return s;
}

static void test_session_refused(void) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  ugc_result r;
  ugc_session *s = make_session("http://127.0.0.1:1/graphql", 2, 0);
  if (!s) return;
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, &r) == UGC_E_NETWORK);
  CHECK(r.attempts == 3 && r.reach == UGC_REACH_NONE && r.status == 0);
  CHECK(strstr(r.message, "sandbox-key") == NULL);
  /* a mutation that never left is retried too */
  CHECK(ugc_session_post(s, body, sizeof body - 1, 1, &r) == UGC_E_NETWORK);
  CHECK(r.attempts == 3);
  ugc_session_free(s);
  ugc_session_free(NULL);
}

static void test_session_sandbox(const char *url) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  ugc_result r;
  int i;
  ugc_session *s = make_session(url, 2, 0);
  if (!s) return;
  for (i = 0; i < 3; i++) {
    CHECK(ugc_session_post(s, body, sizeof body - 1, i == 1, &r) == UGC_OK);
    CHECK(r.status == 200 && r.attempts == 1);
    CHECK(r.body_len > 0 && strstr(r.body, "\"client\"") != NULL);
    CHECK(r.request_id[0] != '\0');
  }
  CHECK(ugc_session_post(s, "{", 1, 0, &r) == UGC_OK && r.status == 400);
  ugc_session_free(s);

  s = make_session(url, 0, 16); /* the body cap */
  if (!s) return;
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, &r) == UGC_E_TOO_LARGE);
  CHECK(strstr(r.message, "16-byte limit") != NULL);
  ugc_session_free(s);
}

/* The non-blocking face: many posts on one multi handle, cancel, timers. */
static void test_session_async(const char *url) {
  static const char body[] = "{\"query\":\"{ client { id } }\"}";
  ugc_req *q[6];
  int i, live, steps = 0, all_ok = 1;
  ugc_session *s = make_session(url, 2, 0);
  if (!s) return;
  CHECK(ugc_session_timeout_ms(s) == -1); /* nothing to wait for */
  for (i = 0; i < 6; i++) q[i] = ugc_post_start(s, body, sizeof body - 1, i % 2);
  CHECK(q[0] && q[5] && ugc_session_live(s) == 6);
  ugc_req_cancel(q[5]);
  CHECK(ugc_req_done(q[5]) && ugc_req_result(q[5])->error == UGC_E_CANCELLED);
  do {
    live = ugc_session_step(s, 100);
  } while (live > 0 && ++steps < 1000);
  CHECK(live == 0);
  for (i = 0; i < 5; i++) {
    const ugc_result *r = ugc_req_result(q[i]);
    all_ok &= ugc_req_done(q[i]) && r->error == UGC_OK && r->status == 200 &&
              strstr(r->body, "\"client\"") != NULL;
  }
  CHECK(all_ok);
  for (i = 0; i < 6; i++) ugc_req_free(q[i]);
  CHECK(ugc_session_live(s) == 0);
  /* a request still running when its session goes is cancelled, not lost */
  q[0] = ugc_post_start(s, body, sizeof body - 1, 0);
  ugc_req_set_owned(q[0]);
  ugc_session_free(s);
  CHECK(ugc_req_done(q[0]) && ugc_req_result(q[0])->error == UGC_E_CANCELLED);
  ugc_req_free(q[0]);
}

/* A presigned upload URL from createFile, unescaped from the JSON body. */
static int upload_url(ugc_session *s, char *out, size_t n) {
  static const char body[] = "{\"query\":\"mutation { createFile(type: \\\"mp4\\\") { presignedUrl } }\"}";
  ugc_result r;
  const char *p, *e;
  size_t o = 0;
  if (ugc_session_post(s, body, sizeof body - 1, 1, &r) != UGC_OK) return -1;
  p = strstr(r.body, "\"presignedUrl\":\"");
  if (!p) return -1;
  for (p += 16, e = strchr(p, '"'); p && e && p < e && o + 1 < n; p++) {
    if (*p == '\\' && p + 1 < e) p++; /* \/ and the like */
    out[o++] = *p;
  }
  out[o] = '\0';
  return o > 0 ? 0 : -1;
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

/* step(0) stops feeding uploads at its budget: they pause, the host is told
 * to step again at once, and the next steps carry them to the end intact. */
static void test_step_budget(const char *url) {
  char put[1024], path[] = "/tmp/moveugc-budget-XXXXXX";
  ugc_req *q[3];
  int i, steps = 0, paused_seen = 0, told_now = 1, ok = 1, never = 1;
  ugc_session *s;
  CHECK(sample_file(path, 4, "budgeted bytes\n.") == 0);
  s = make_session(url, 0, 0);
  if (!s) return;
  ugc_session_set_transfer_limit(s, 3);
  ugc_session_set_step_budget(s, 0.001);
  for (i = 0; i < 3; i++) {
    CHECK(upload_url(s, put, sizeof put) == 0);
    q[i] = ugc_upload_start(s, put, path);
  }
  while (ugc_session_step(s, 0) > 0 && ++steps < 1000000) {
    if (s->paused) {
      paused_seen++;
      told_now &= ugc_session_timeout_ms(s) == 0;
    }
  }
  CHECK(paused_seen > 0 && told_now);
  for (i = 0; i < 3; i++) {
    const ugc_xfer_result *r = ugc_req_xfer(q[i]);
    ok &= r->error == UGC_OK && r->status == 200 && r->bytes == 4 * 1024 * 1024 &&
          strcmp(r->etag, r->md5_hex) == 0;
    ugc_req_free(q[i]);
  }
  CHECK(ok);
  /* a paused upload cancelled (two, so that one waits its turn), its
   * handle pooled and reused cleanly below */
  for (i = 0; i < 2; i++) {
    CHECK(upload_url(s, put, sizeof put) == 0);
    q[i] = ugc_upload_start(s, put, path);
  }
  for (i = 0; i < 100000 && !s->paused; i++) ugc_session_step(s, 0);
  CHECK(s->paused == 1);
  i = q[0]->paused ? 0 : 1;
  ugc_req_cancel(q[i]);
  CHECK(s->paused == 0 && ugc_req_xfer(q[i])->error == UGC_E_CANCELLED);
  while (ugc_session_step(s, 0) > 0) {
  }
  CHECK(ugc_req_xfer(q[1 - i])->error == UGC_OK && ugc_req_xfer(q[1 - i])->status == 200);
  ugc_req_free(q[0]);
  ugc_req_free(q[1]);
  ugc_session_set_step_budget(s, 0); /* no budget: nothing pauses */
  CHECK(upload_url(s, put, sizeof put) == 0);
  q[0] = ugc_upload_start(s, put, path);
  while (ugc_session_step(s, 0) > 0) never &= s->paused == 0;
  CHECK(never);
  CHECK(ugc_req_xfer(q[0])->error == UGC_OK && ugc_req_xfer(q[0])->status == 200);
  ugc_req_free(q[0]);
  ugc_session_free(s);
  remove(path);
}

/* When the budget is what limits uploads, it goes round: none starves while
 * the first ones finish (libcurl visits its handles in one fixed order, and
 * before this the first ones took every step's budget). */
static void test_step_fairness(const char *url) {
  char put[1024], path[] = "/tmp/moveugc-fair-XXXXXX";
  enum { N = 12 };
  ugc_req *q[N];
  int i, steps = 0, first_done = 0, all_ok = 1;
  int64_t least = -1;
  ugc_session *s;
  CHECK(sample_file(path, 4, "fairly shared.\n.") == 0);
  s = make_session(url, 0, 0);
  if (!s) return;
  ugc_session_set_transfer_limit(s, N);
  ugc_session_set_step_budget(s, 1); /* a frame loop: 1 ms, then a 4 ms frame */
  for (i = 0; i < N; i++) {
    CHECK(upload_url(s, put, sizeof put) == 0);
    q[i] = ugc_upload_start(s, put, path);
  }
  while (ugc_session_step(s, 0) > 0 && ++steps < 100000) {
    struct timespec frame = {0, 4000000};
    nanosleep(&frame, NULL);
    for (i = 0; i < N && !first_done; i++) first_done = ugc_req_done(q[i]);
    if (first_done && least < 0) { /* the moment the first one finished */
      for (i = 0; i < N; i++)
        if (least < 0 || q[i]->chunks < least) least = q[i]->chunks;
    }
  }
  /* 2 MiB is 32 chunks of 64 KiB: everyone is well on its way */
  /* every upload had moved by then. (Of 64 chunks, the least was 0 to 3
   * before uploads took turns, 5 to 10 after, and 6 to 14 with no budget at
   * all: the rest is the order in which the sandbox reads its sockets.) */
  CHECK(least > 0);
  for (i = 0; i < N; i++) {
    all_ok &= ugc_req_xfer(q[i])->error == UGC_OK && ugc_req_xfer(q[i])->status == 200;
    ugc_req_free(q[i]);
  }
  CHECK(all_ok);
  ugc_session_free(s);
  remove(path);
}

int main(void) {
  const char *url = getenv("MOVEUGC_SANDBOX_URL");
  test_buf();
  test_json_string();
  test_retry_policy();
  test_session_refused();
  test_webhook();
  test_fs();
  test_headers();
  test_graphql();
  if (url && *url) {
    test_session_sandbox(url);
    test_session_async(url);
    test_step_budget(url);
    test_step_fairness(url);
  }
  else fprintf(stderr, "note: MOVEUGC_SANDBOX_URL unset, sandbox session tests not run\n");
  fflush(stderr);
  printf("%d passed, %d failed\n", ugc_test_passed, ugc_test_failed);
  return ugc_test_failed ? 1 : 0;
}
