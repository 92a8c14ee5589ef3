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

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* ==== what queued transfers cost ======================================= */

int count_entries(const char *dir, int self) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return self ? n - 1 : n;
}

typedef struct sampler {
  pthread_t thread;
  int stop; /* atomics */
  int threads, fds;
} sampler;

static void *sample_main(void *arg) {
  sampler *m = arg;
  while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE)) {
    int t = count_entries("/proc/self/task", 0), f = count_entries("/proc/self/fd", 1);
    if (t > m->threads) m->threads = t;
    if (f > m->fds) m->fds = f;
    sleep_ms(1);
  }
  return NULL;
}

/* 500 transfers queued behind a limit of 4: while they run, at most 4
 * digests' threads and 2 descriptors per running transfer (its file, its
 * connection) above the idle session, with room for libcurl's own. */
static void queued(const char *url, int download) {
  enum { N = 500, LIMIT = 4 };
  static char urls[N][1024];
  static ugc_req *q[N];
  char path[] = "/tmp/moveugc-queued-XXXXXX", parts[N][64], id[64], want[33];
  int i, ok = 1, base_threads, base_fds, started;
  sampler m;
  ugc_session *s = session(url, LIMIT);
  if (!s) return;
  CHECK(sample(path, 256 * 1024) == 0); /* above the size hashed inline: a thread each */
  CHECK(md5_file(path, want) == 0);
  if (!download) {
    for (i = 0; i < N && ok; i++) ok = upload_url(s, urls[i], sizeof urls[i], NULL) == 0;
  } else {
    ugc_xfer_result r;
    ok = upload_url(s, urls[0], sizeof urls[0], id) == 0 &&
         ugc_xfer_upload(s, urls[0], path, NULL, NULL, &r) == UGC_OK && r.status == 200 &&
         download_url(s, id, urls[0], sizeof urls[0]) == 0;
  }
  CHECK(ok);
  if (!ok) goto out;
  /* the idle session, a request made through its worker (blocking posts
   * alone run on this thread and never start it): its worker and its
   * connection */
  {
    static const char client[] = "{\"query\":\"{ client { id } }\"}";
    ugc_req *w = ugc_post_new(s, client, sizeof client - 1, 0);
    CHECK(ugc_req_submit(w) == 0 && ugc_req_wait(w, 10000) == 0);
    ugc_req_free(w);
  }
  base_threads = count_entries("/proc/self/task", 0);
  base_fds = count_entries("/proc/self/fd", 1);
  memset(&m, 0, sizeof m);
  m.threads = base_threads;
  m.fds = base_fds;
  started = pthread_create(&m.thread, NULL, sample_main, &m) == 0;
  CHECK(started);
  for (i = 0; i < N; i++) {
    snprintf(parts[i], sizeof parts[i], "%s.%d.part", path, i);
    q[i] = download ? ugc_download_new(s, urls[0], parts[i]) : ugc_upload_new(s, urls[i], path);
    ugc_req_submit(q[i]);
  }
  while (ugc_session_step(s, 1000) > 0) {
  }
  if (started) {
    __atomic_store_n(&m.stop, 1, __ATOMIC_RELEASE);
    pthread_join(m.thread, NULL);
  }
  for (i = 0; i < N; i++) {
    const ugc_xfer_result *r = ugc_req_xfer(q[i]);
    if (!(r->error == UGC_OK && r->status == 200 && r->bytes == 256 * 1024 && strcmp(r->md5_hex, want) == 0)) {
      if (ok) fprintf(stderr, "%s %d: %d %ld %s\n", download ? "download" : "upload", i, r->error, r->status,
                      r->message);
      ok = 0;
    }
    ugc_req_free(q[i]);
    remove(parts[i]);
  }
  CHECK(ok);
  /* the sampler's own thread is one of the peak's */
  fprintf(stderr, "note: %d queued %ss, limit %d: peak %d threads and %d descriptors above idle\n", N,
          download ? "download" : "upload", LIMIT, m.threads - base_threads - 1, m.fds - base_fds);
  CHECK(m.threads - base_threads - 1 <= LIMIT);
  CHECK(m.fds - base_fds <= 2 * LIMIT + 16);
out:
  ugc_session_free(s);
  remove(path);
}

/* A queued transfer cancelled before its turn ends as cancelled; one that
 * cannot start when its turn comes frees the slot for the next. */
static void queue_order(const char *url) {
  char put[1024], path[] = "/tmp/moveugc-order-XXXXXX", missing[64];
  ugc_req *q[4];
  int i;
  ugc_session *s = session(url, 1);
  if (!s) return;
  CHECK(sample(path, 100 * 1024) == 0);
  CHECK(upload_url(s, put, sizeof put, NULL) == 0);
  snprintf(missing, sizeof missing, "%s.missing", path);
  q[0] = ugc_upload_new(s, put, path);    /* the slot's, answered after 300 ms */
  q[1] = ugc_upload_new(s, put, path);    /* cancelled while it waits */
  q[2] = ugc_upload_new(s, put, missing); /* fails when its turn comes */
  q[3] = ugc_upload_new(s, put, path);    /* runs after it */
  CHECK(control(url, "faults", "{\"target\":\"upload\",\"delay_ms\":300}") == 0);
  for (i = 0; i < 4; i++) ugc_req_submit(q[i]);
  CHECK(ugc_req_wait(q[0], 50) == -1);
  ugc_req_cancel(q[1]);
  CHECK(ugc_req_done(q[1]) && ugc_req_xfer(q[1])->error == UGC_E_CANCELLED && ugc_req_xfer(q[1])->aborted);
  CHECK(!ugc_req_done(q[0]));
  CHECK(ugc_req_wait(q[3], 30000) == 0);
  CHECK(ugc_req_done(q[0]) && ugc_req_xfer(q[0])->error == UGC_OK && ugc_req_xfer(q[0])->status == 200);
  CHECK(ugc_req_done(q[2]) && ugc_req_xfer(q[2])->error == UGC_E_FILE);
  CHECK(strstr(ugc_req_xfer(q[2])->message, "cannot read") != NULL);
  CHECK(ugc_req_xfer(q[3])->error == UGC_OK && ugc_req_xfer(q[3])->status == 200);
  for (i = 0; i < 4; i++) ugc_req_free(q[i]);
  ugc_session_free(s);
  remove(path);
}

/* Small files are hashed on the worker as their bytes move (no thread): the
 * same digest, a resumed download's bytes already on disk included. */
static void small_files(const char *url) {
  char put[1024], get[1024], id[64], path[] = "/tmp/moveugc-small-XXXXXX", part[64], want[33];
  ugc_xfer_result r;
  FILE *f;
  char *head = malloc(10000);
  ugc_session *s = session(url, 0);
  if (!s || !head) goto out;
  CHECK(sample(path, 40 * 1024) == 0);
  CHECK(md5_file(path, want) == 0);
  CHECK(upload_url(s, put, sizeof put, id) == 0);
  CHECK(ugc_xfer_upload(s, put, path, NULL, NULL, &r) == UGC_OK && r.status == 200);
  CHECK(r.bytes == 40 * 1024 && strcmp(r.md5_hex, want) == 0 && strcmp(r.etag, want) == 0);
  snprintf(part, sizeof part, "%s.part", path);
  f = fopen(path, "rb");
  CHECK(f && fread(head, 1, 10000, f) == 10000);
  if (f) fclose(f);
  f = fopen(part, "wb");
  CHECK(f && fwrite(head, 1, 10000, f) == 10000);
  if (f) fclose(f);
  CHECK(download_url(s, id, get, sizeof get) == 0);
  CHECK(ugc_xfer_download(s, get, part, NULL, NULL, &r) == UGC_OK && r.status == 206);
  CHECK(r.resumed_from == 10000 && r.bytes == 40 * 1024 - 10000);
  CHECK(strcmp(r.md5_hex, want) == 0 && strcmp(r.etag, want) == 0);
  remove(part);
  remove(path);
out:
  free(head);
  ugc_session_free(s);
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
  CHECK(upload_url(s, put, sizeof put, NULL) == 0);
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
  CHECK(upload_url(s, put, sizeof put, NULL) == 0);
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
  CHECK(upload_url(s, put, sizeof put, NULL) == 0);

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
  queued(url, 0);
  queued(url, 1);
  queue_order(url);
  small_files(url);
  grown_file(url);
  cut_file(url);
  answered_uploads(url);
}
