/* Transfers against the sandbox: what the engine costs the process and what
 * it sends, whatever the server answers and whatever the file does. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ugc_session.h"
#include "ugc_transfer.h"

void test_xfer(const char *url);

#define KEY "sandbox-key-0123456789"

static ugc_session *session(const char *endpoint, int limit) {
  ugc_config cfg;
  char err[128];
  ugc_session *s;
  ugc_config_defaults(&cfg);
  cfg.endpoint = endpoint;
  cfg.api_key = KEY;
  cfg.user_agent = "moveugc-core-test";
  if (limit) cfg.transfer_limit = limit;
  s = ugc_session_new(&cfg, err, sizeof err);
  CHECK(s != NULL);
  return s;
}

/* A string field of a JSON body, unescaped (enough for URLs and ids). */
static int field(const char *body, const char *key, char *out, size_t n) {
  char pat[64];
  const char *p, *e;
  size_t o = 0;
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  if (!(p = strstr(body, pat))) return -1;
  for (p += strlen(pat), e = strchr(p, '"'); e && p < e && o + 1 < n; p++) {
    if (*p == '\\' && p + 1 < e) p++;
    out[o++] = *p;
  }
  out[o] = '\0';
  return o > 0 ? 0 : -1;
}

/* createFile's presigned PUT URL, and the file's id when id != NULL. */
static int create_file(ugc_session *s, char *url, size_t n, char id[64]) {
  static const char body[] =
      "{\"query\":\"mutation { createFile(type: \\\"mp4\\\") { id presignedUrl } }\"}";
  ugc_result r;
  if (ugc_session_post(s, body, sizeof body - 1, UGC_POST_MUTATION, 0, &r) != UGC_OK) return -1;
  if (id && field(r.body, "id", id, 64) != 0) return -1;
  return field(r.body, "presignedUrl", url, n);
}

/* POSTs json to the sandbox's control path (/_sandbox/<what>). */
static int control(const char *url, const char *what, const char *json) {
  char at[512];
  const char *end = strstr(url, "/graphql");
  ugc_result r;
  ugc_session *s;
  int ok;
  snprintf(at, sizeof at, "%.*s/_sandbox/%s", (int)(end ? end - url : 0), url, what);
  if (!(s = session(at, 0))) return -1;
  ok = ugc_session_post(s, json, strlen(json), 0, 0, &r) == UGC_OK && r.status == 200;
  ugc_session_free(s);
  return ok ? 0 : -1;
}

/* A temporary file (path: a mkstemp template) of size bytes of a pattern. */
static int sample(char *path, size_t size) {
  int fd = mkstemp(path);
  char block[65536];
  size_t i, done = 0;
  if (fd < 0) return -1;
  for (i = 0; i < sizeof block; i++) block[i] = (char)('a' + (i * 7 + i / 251) % 26);
  while (done < size) {
    size_t n = size - done < sizeof block ? size - done : sizeof block;
    if (write(fd, block, n) != (ssize_t)n) break;
    done += n;
  }
  close(fd);
  return done == size ? 0 : -1;
}

/* The MD5 (hex) of a file. */
static int md5_file(const char *path, char hex[33]) {
  unsigned char buf[65536], d[16];
  unsigned len = 0, i;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  FILE *f = fopen(path, "rb");
  size_t n;
  if (!c || !f || EVP_DigestInit_ex(c, EVP_md5(), NULL) != 1) {
    if (f) fclose(f);
    EVP_MD_CTX_free(c);
    return -1;
  }
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(c, buf, n);
  fclose(f);
  EVP_DigestFinal_ex(c, d, &len);
  EVP_MD_CTX_free(c);
  for (i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", d[i]);
  return 0;
}

/* ==== a file that changes while it uploads ============================= */

#define MID_SIZE (32 * 1024 * 1024 + 100001) /* not a multiple of any buffer */

/* Starts an upload of path that the sandbox does not read for a while
 * (delay_ms: it takes the body after the pause), waits until bytes have
 * left the file, then calls change(path) while the rest waits. */
static ugc_req *upload_changed(ugc_session *s, const char *url, const char *put, const char *path,
                               void (*change)(const char *)) {
  ugc_req *q = ugc_upload_new(s, put, path);
  int64_t done = 0, total = -1;
  int i;
  CHECK(control(url, "faults", "{\"target\":\"upload\",\"delay_ms\":3000}") == 0);
  ugc_req_set_timeout(q, 8000);
  ugc_req_submit(q);
  for (i = 0; i < 20000 && done == 0 && !ugc_req_done(q); i++) {
    ugc_req_wait(q, 1);
    ugc_req_progress(q, &done, &total);
  }
  CHECK(done > 0 && done < MID_SIZE); /* under way, far from its end */
  change(path);
  ugc_req_wait(q, -1);
  return q;
}

static void grow(const char *path) {
  int fd = open(path, O_WRONLY | O_APPEND);
  static char more[2 * 1024 * 1024];
  memset(more, 'G', sizeof more);
  CHECK(fd >= 0 && write(fd, more, sizeof more) == (ssize_t)sizeof more);
  if (fd >= 0) close(fd);
}

static void cut(const char *path) { CHECK(truncate(path, 1024 * 1024) == 0); }

/* Grown: the declared size is sent, and hashed, not a byte more. */
static void grown_file(const char *url) {
  char put[1024], path[] = "/tmp/moveugc-grow-XXXXXX", want[33];
  const ugc_xfer_result *r;
  ugc_req *q;
  ugc_session *s = session(url, 0);
  if (!s) return;
  CHECK(sample(path, MID_SIZE) == 0);
  CHECK(md5_file(path, want) == 0);
  CHECK(create_file(s, put, sizeof put, NULL) == 0);
  q = upload_changed(s, url, put, path, grow);
  r = ugc_req_xfer(q);
  CHECK(r->error == UGC_OK && r->status == 200);
  if (r->error != UGC_OK || r->status != 200)
    fprintf(stderr, "grown: %d %ld %lld %s\n", r->error, r->status, (long long)r->bytes, r->message);
  CHECK(r->bytes == MID_SIZE && r->total == MID_SIZE);
  CHECK(strcmp(r->md5_hex, want) == 0 && strcmp(r->etag, want) == 0);
  ugc_req_free(q);
  ugc_session_free(s);
  remove(path);
}

/* Cut: a file error, said at once, not a stall that ends in a timeout. */
static void cut_file(const char *url) {
  char put[1024], path[] = "/tmp/moveugc-cut-XXXXXX";
  const ugc_xfer_result *r;
  ugc_req *q;
  ugc_session *s = session(url, 0);
  if (!s) return;
  CHECK(sample(path, MID_SIZE) == 0);
  CHECK(create_file(s, put, sizeof put, NULL) == 0);
  q = upload_changed(s, url, put, path, cut);
  r = ugc_req_xfer(q);
  CHECK(r->error == UGC_E_FILE);
  CHECK(strstr(r->message, "became shorter while it was uploaded") != NULL);
  CHECK(strstr(r->message, path) != NULL);
  if (r->error != UGC_E_FILE) fprintf(stderr, "cut: %d %s\n", r->error, r->message);
  ugc_req_free(q);
  ugc_session_free(s);
  remove(path);
}

/* ==== an upload's answer =============================================== */

/* An upload answered 200 with a body: the body never goes into the file. A
 * cut answer is a network failure (retryable), a whole one a success. */
static void answered_uploads(const char *url) {
  char put[1024], path[] = "/tmp/moveugc-answer-XXXXXX", before[33], after[33];
  ugc_xfer_result r;
  ugc_session *s = session(url, 0);
  if (!s) return;
  CHECK(sample(path, 300 * 1024) == 0);
  CHECK(md5_file(path, before) == 0);
  CHECK(create_file(s, put, sizeof put, NULL) == 0);

  /* 200, "Content-Length: 64", 32 bytes, closed */
  CHECK(control(url, "faults", "{\"target\":\"upload\",\"truncate\":true}") == 0);
  ugc_xfer_upload(s, put, path, NULL, NULL, &r);
  CHECK(r.error == UGC_E_NETWORK && r.status == 200 && r.reach == UGC_REACH_MAYBE);
  CHECK(r.bytes == 300 * 1024); /* sent whole: the answer was what broke */
  if (r.error != UGC_E_NETWORK) fprintf(stderr, "truncated answer: %d %s\n", r.error, r.message);

  /* 200 with a body of its own, before the body was sent (the answer to
   * "Expect: 100-continue"): libcurl sends no more */
  CHECK(control(url, "faults", "{\"target\":\"upload\",\"status\":200,\"body\":\"<ok>stored</ok>\"}") == 0);
  CHECK(ugc_xfer_upload(s, put, path, NULL, NULL, &r) == UGC_OK && r.status == 200);
  CHECK(r.error_body[0] == '\0'); /* the start of a non-2xx body only */

  /* a refusal keeps its body's start, for the error */
  CHECK(control(url, "faults", "{\"target\":\"upload\",\"status\":503}") == 0);
  CHECK(ugc_xfer_upload(s, put, path, NULL, NULL, &r) == UGC_OK && r.status == 503);
  CHECK(strstr(r.error_body, "<Code>SlowDown</Code>") != NULL);

  CHECK(md5_file(path, after) == 0 && strcmp(before, after) == 0);
  ugc_session_free(s);
  remove(path);
}

void test_xfer(const char *url) {
  grown_file(url);
  cut_file(url);
  answered_uploads(url);
}
