#define _POSIX_C_SOURCE 200809L
/* curl_multi_socket_all is marked deprecated (for curl_multi_socket_action)
 * but stays in libcurl's ABI; see ugc_perform. */
#define CURL_DISABLE_DEPRECATION 1
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ugc_req.h"

/* ==== small helpers ==================================================== */

double ugc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double ugc_random(ugc_session *s) { /* xorshift64*: jitter, not crypto */
  s->rng ^= s->rng >> 12;
  s->rng ^= s->rng << 25;
  s->rng ^= s->rng >> 27;
  return (double)((s->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static char *ugc_strdup(const char *p) {
  size_t n;
  char *d;
  if (!p) return NULL;
  n = strlen(p) + 1;
  d = malloc(n);
  if (d) memcpy(d, p, n);
  return d;
}

const char *ugc_curl_version(void) {
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  return v && v->version ? v->version : "unknown";
}

/* ==== retry policy ===================================================== */

int ugc_retry_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

int ugc_should_retry(int is_mutation, ugc_error err, ugc_reach reach, long status) {
  if (err == UGC_E_CANCELLED || err == UGC_E_NOMEM || err == UGC_E_INTERNAL) return 0;
  if (is_mutation) {
    /* No idempotency keys: a create that reached the server may have run. */
    return err != UGC_OK && err != UGC_E_TOO_LARGE && reach == UGC_REACH_NONE;
  }
  if (err == UGC_E_NETWORK || err == UGC_E_TIMEOUT) return 1;
  if (err == UGC_E_TLS) return reach == UGC_REACH_NONE;
  if (err != UGC_OK) return 0;
  return ugc_retry_status(status);
}

double ugc_backoff_s(const ugc_config *cfg, int attempt, double retry_after_s, double unit_random) {
  double d = cfg->retry_base_s;
  int i;
  if (retry_after_s >= 0) return retry_after_s;
  for (i = 1; i < attempt && d < cfg->retry_cap_s; i++) d *= 2;
  if (d > cfg->retry_cap_s) d = cfg->retry_cap_s;
  /* "equal jitter": half fixed, half random, so clients spread out */
  return d / 2 + d / 2 * unit_random;
}

/* ==== post callbacks: they fill C buffers only ========================= */

static size_t ugc_on_body(char *p, size_t size, size_t n, void *ud) {
  ugc_req *q = ud;
  if (ugc_buf_append(&q->resp, p, size * n) != 0) return 0; /* aborts the transfer */
  return size * n;
}

static size_t ugc_on_header(char *p, size_t size, size_t n, void *ud) {
  ugc_req *q = ud;
  ugc_headers_line(&q->hdr, p, size * n, (long)time(NULL));
  return size * n;
}

static size_t ugc_on_read(char *p, size_t size, size_t n, void *ud) {
  ugc_req *q = ud;
  size_t want = size * n, left = q->body_len - q->send_off;
  if (want > left) want = left;
  memcpy(p, q->body + q->send_off, want);
  q->send_off += want;
  return want;
}

/* libcurl silently re-sends a request whose reused connection died before any
 * response byte arrived. For a mutation whose body already went out that
 * would run it twice, so rewinding is refused once a byte has been read. A
 * query may go again: it is counted as the attempt it is. */
static int ugc_on_seek(void *ud, curl_off_t offset, int origin) {
  ugc_req *q = ud;
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_FAIL;
  if (q->send_off != 0) {
    if (q->mutation) return CURL_SEEKFUNC_FAIL;
    q->res.attempts++;
    q->send_off = 0;
  }
  return CURL_SEEKFUNC_OK;
}

/* ==== session ========================================================== */

void ugc_config_defaults(ugc_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->connect_timeout_ms = UGC_DEFAULT_CONNECT_TIMEOUT_MS;
  cfg->timeout_ms = UGC_DEFAULT_TIMEOUT_MS;
  cfg->max_retries = UGC_DEFAULT_MAX_RETRIES;
  cfg->max_body = UGC_DEFAULT_MAX_BODY;
  cfg->retry_base_s = UGC_RETRY_BASE_S;
  cfg->retry_cap_s = UGC_RETRY_CAP_S;
  cfg->retry_after_max_s = UGC_RETRY_AFTER_MAX_S;
}

static int ugc_global_ready(void) {
  static int done = 0;
  if (!done) done = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : -1;
  return done == 1;
}

static struct curl_slist *ugc_build_headers(const char *api_key) {
  struct curl_slist *h = NULL, *t;
  static const char *fixed[] = {"Content-Type: application/json", "Accept: application/json",
                                "Expect:", NULL};
  const char **f;
  char *auth;
  size_t n = strlen(api_key) + sizeof "Authorization: ";
  for (f = fixed; *f; f++) {
    if (!(t = curl_slist_append(h, *f))) goto fail;
    h = t;
  }
  if (!(auth = malloc(n))) goto fail;
  snprintf(auth, n, "Authorization: %s", api_key);
  t = curl_slist_append(h, auth);
  memset(auth, 0, n);
  free(auth);
  if (!t) goto fail;
  return t;
fail:
  curl_slist_free_all(h);
  return NULL;
}

/* libcurl says which sockets it waits on, and for what: the set a host's
 * event loop watches (no fd_set, so no limit at descriptor 1024). */
static int ugc_on_socket(CURL *e, curl_socket_t fd, int what, void *ud, void *sockp) {
  ugc_session *s = ud;
  int i, w = 0;
  (void)e;
  (void)sockp;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) w |= UGC_SOCK_READ;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) w |= UGC_SOCK_WRITE;
  for (i = 0; i < s->nsocks && s->socks[i].fd != fd; i++) {
  }
  if (what == CURL_POLL_REMOVE) {
    if (i < s->nsocks) s->socks[i] = s->socks[--s->nsocks];
    return 0;
  }
  if (i == s->nsocks) {
    if (s->nsocks == s->capsocks) {
      int cap = s->capsocks ? s->capsocks * 2 : 8;
      ugc_sock *n = realloc(s->socks, (size_t)cap * sizeof *n);
      if (!n) return -1; /* libcurl fails the transfer: out of memory */
      s->socks = n;
      s->capsocks = cap;
    }
    s->socks[s->nsocks++].fd = fd;
  }
  s->socks[i].what = w;
  return 0;
}

int ugc_session_socket_count(const ugc_session *s) { return s->nsocks; }

int ugc_session_socket_at(const ugc_session *s, int i, int *fd, int *what) {
  if (i < 0 || i >= s->nsocks) return -1;
  *fd = (int)s->socks[i].fd;
  *what = s->socks[i].what;
  return 0;
}

void ugc_session_cancel_all(ugc_session *s) {
  ugc_req *q;
  for (q = s->live; q; q = q->next) ugc_req_cancel(q);
}

ugc_session *ugc_session_new(const ugc_config *cfg, char *err, size_t errlen) {
  ugc_session *s;
  if (!cfg->endpoint || !cfg->api_key || !cfg->user_agent) {
    snprintf(err, errlen, "endpoint, api_key and user_agent are required");
    return NULL;
  }
  if (!ugc_global_ready()) {
    snprintf(err, errlen, "libcurl failed to initialise");
    return NULL;
  }
  s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->cfg = *cfg;
  ugc_buf_init(&s->last, 0);
  s->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)s << 16) ^ (uint64_t)getpid();
  if (!s->rng) s->rng = 0x9e3779b97f4a7c15ULL;
  s->endpoint = ugc_strdup(cfg->endpoint);
  s->ca_file = ugc_strdup(cfg->ca_file);
  s->user_agent = ugc_strdup(cfg->user_agent);
  s->cfg.endpoint = s->endpoint;
  s->cfg.ca_file = s->ca_file;
  s->cfg.user_agent = s->user_agent;
  s->cfg.api_key = NULL; /* kept only inside the header list */
  s->headers = cfg->api_key[0] ? ugc_build_headers(cfg->api_key) : NULL;
  s->multi = curl_multi_init();
  if (s->multi) {
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, ugc_on_socket);
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
  }
  if (!s->endpoint || !s->user_agent || (cfg->ca_file && !s->ca_file) ||
      (cfg->api_key[0] && !s->headers) || !s->multi) {
    snprintf(err, errlen, "out of memory");
    ugc_session_free(s);
    return NULL;
  }
  ugc_session_set_transfer_limit(s, UGC_DEFAULT_TRANSFER_LIMIT);
  return s;
}

void ugc_session_free(ugc_session *s) {
  int i;
  if (!s) return;
  while (s->live) {
    ugc_req *q = s->live;
    if (q->handle_owned) {
      ugc_req_cancel(q); /* releases its curl handle and file */
      s->live = q->next;
      q->prev = q->next = NULL;
      q->s = NULL;       /* the handle frees it later */
    } else {
      ugc_req_free(q);
    }
  }
  for (i = 0; i < s->npool; i++) curl_easy_cleanup(s->pool[i]);
  if (s->multi) curl_multi_cleanup(s->multi);
  free(s->socks);
  curl_slist_free_all(s->headers);
  ugc_buf_free(&s->last);
  free(s->endpoint);
  free(s->ca_file);
  free(s->user_agent);
  free(s);
}

/* Many tasks at once must not mean many connections: past the transfers'
 * slots and a few for API calls, libcurl queues requests and reuses the
 * connections it has. */
void ugc_session_set_transfer_limit(ugc_session *s, int n) {
  s->transfer_limit = n > 0 ? n : 1;
  curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)(s->transfer_limit + 4));
}

void ugc_session_set_step_budget(ugc_session *s, double ms) { s->step_budget_ms = ms > 0 ? ms : 0; }

int ugc_session_live(const ugc_session *s) {
  int n = 0;
  const ugc_req *q;
  for (q = s->live; q; q = q->next)
    if (q->state != UGC_RS_DONE) n++;
  return n;
}

/* Easy handles are pooled: creating one per call costs more than the call. */
CURL *ugc_easy_take(ugc_session *s) {
  CURL *e = s->npool ? s->pool[--s->npool] : curl_easy_init();
  if (e) curl_easy_reset(e);
  return e;
}

void ugc_easy_give(ugc_session *s, CURL *e) {
  if (!e) return;
  if (s && s->npool < UGC_EASY_POOL) s->pool[s->npool++] = e;
  else curl_easy_cleanup(e);
}

int ugc_easy_web_only(CURL *e) {
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0: the _STR forms */
  if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK)
    return -1;
#else
  long web = CURLPROTO_HTTP | CURLPROTO_HTTPS;
  if (curl_easy_setopt(e, CURLOPT_PROTOCOLS, web) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, web) != CURLE_OK)
    return -1;
#endif
  return 0;
}

void ugc_req_link(ugc_session *s, ugc_req *q) {
  q->s = s;
  q->next = s->live;
  if (s->live) s->live->prev = q;
  s->live = q;
}

static void ugc_req_unlink(ugc_req *q) {
  if (!q->s) return;
  if (q->prev) q->prev->next = q->next;
  else q->s->live = q->next;
  if (q->next) q->next->prev = q->prev;
  q->prev = q->next = NULL;
}

int ugc_req_run(ugc_req *q) {
  if (curl_multi_add_handle(q->s->multi, q->easy) != CURLM_OK) return -1;
  q->state = UGC_RS_RUNNING;
  if (q->kind != UGC_REQ_POST) q->s->transfers_running++;
  return 0;
}

static void ugc_req_stop(ugc_req *q) { /* out of the multi handle, if in it */
  if (q->paused) { /* unpaused while it still has its connection, so that
                     * the pooled handle does not keep the pause */
    q->paused = 0;
    if (q->s && q->s->paused > 0) q->s->paused--;
    curl_easy_pause(q->easy, CURLPAUSE_CONT);
  }
  if (q->state == UGC_RS_RUNNING && q->s) {
    curl_multi_remove_handle(q->s->multi, q->easy);
    if (q->kind != UGC_REQ_POST) q->s->transfers_running--;
  }
}

/* Uploads that the last budgeted step paused go on in this step; the
 * fewest chunks among them sets how far ahead the others may be. */
static void ugc_resume_paused(ugc_session *s) {
  ugc_req *q;
  s->min_chunks = -1;
  for (q = s->live; q; q = q->next) {
    if (q->paused) {
      q->paused = 0;
      curl_easy_pause(q->easy, CURLPAUSE_CONT);
      if (s->min_chunks < 0 || q->chunks < s->min_chunks) s->min_chunks = q->chunks;
    }
  }
  s->paused = 0;
}

/* ==== posts ============================================================ */

static int ugc_post_setup(ugc_req *q) {
  ugc_session *s = q->s;
  CURL *c = q->easy;
  int rc = 0;
  rc |= curl_easy_setopt(c, CURLOPT_URL, s->endpoint);
  rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
  rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, s->user_agent);
  rc |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->cfg.connect_timeout_ms);
  rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->cfg.timeout_ms);
  rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->curl_err);
  rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ugc_on_body);
  rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
  rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ugc_on_header);
  rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
  rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)q);
  rc |= curl_easy_setopt(c, CURLOPT_POST, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
  /* the body through a read function, so that every time it goes out is seen */
  rc |= curl_easy_setopt(c, CURLOPT_READFUNCTION, ugc_on_read);
  rc |= curl_easy_setopt(c, CURLOPT_READDATA, q);
  rc |= curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, ugc_on_seek);
  rc |= curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
  rc |= ugc_easy_web_only(c);
#if LIBCURL_VERSION_NUM >= 0x072f00
  /* HTTP/2 over TLS when the server offers it, HTTP/1.1 otherwise; a build
   * without nghttp2 refuses the option, which is fine. */
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
#endif
  if (s->ca_file) rc |= curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
  return rc;
}

/* (Re)starts an attempt: fresh buffers, then into the multi handle. */
static void ugc_post_attempt(ugc_req *q) {
  ugc_buf_reset(&q->resp);
  q->send_off = 0;
  q->curl_err[0] = '\0';
  ugc_headers_reset(&q->hdr);
  q->res.retry_after_s = -1;
  q->res.request_id[0] = '\0';
  q->res.attempts++;
  if (ugc_req_run(q) != 0) {
    q->res.error = UGC_E_INTERNAL;
    snprintf(q->res.message, sizeof q->res.message, "could not start the request");
    q->state = UGC_RS_DONE;
  }
}

static ugc_req *ugc_post_new(ugc_session *s, const char *body, size_t len, int mutation,
                             int borrow) {
  ugc_req *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->kind = UGC_REQ_POST;
  q->mutation = mutation;
  q->body_len = len;
  q->body_borrowed = borrow;
  q->body = borrow ? (char *)body : malloc(len + 1);
  ugc_buf_init(&q->resp, s->cfg.max_body);
  q->easy = ugc_easy_take(s);
  if (!q->body || !q->easy) {
    if (!borrow) free(q->body);
    ugc_easy_give(s, q->easy);
    free(q);
    return NULL;
  }
  if (!borrow) {
    memcpy(q->body, body, len);
    q->body[len] = '\0';
  }
  ugc_req_link(s, q);
  q->start_ms = ugc_now_ms();
  if (ugc_post_setup(q) != 0) {
    q->res.error = UGC_E_INTERNAL;
    snprintf(q->res.message, sizeof q->res.message, "libcurl rejected an option");
    q->state = UGC_RS_DONE;
    return q;
  }
  ugc_post_attempt(q);
  return q;
}

ugc_req *ugc_post_start(ugc_session *s, const char *body, size_t len, int is_mutation) {
  return ugc_post_new(s, body, len, is_mutation, 0);
}

static ugc_error ugc_classify(CURLcode rc, ugc_reach *reach, int *permanent) {
  *reach = UGC_REACH_MAYBE;
  *permanent = 0;
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
      *reach = UGC_REACH_NONE;
      *permanent = 1;
      return UGC_E_PROTOCOL;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      *reach = UGC_REACH_NONE;
      return UGC_E_NETWORK;
    case CURLE_SSL_CONNECT_ERROR:
      *reach = UGC_REACH_NONE;
      return UGC_E_TLS;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      *reach = UGC_REACH_NONE;
      *permanent = 1; /* a wrong certificate stays wrong */
      return UGC_E_TLS;
    case CURLE_OPERATION_TIMEDOUT:
      return UGC_E_TIMEOUT;
    case CURLE_OUT_OF_MEMORY:
      *permanent = 1;
      return UGC_E_NOMEM;
    default:
      return UGC_E_NETWORK;
  }
}

/* An attempt ended: record it, then retry after a backoff or finish. */
static void ugc_post_finished(ugc_req *q, CURLcode rc) {
  ugc_session *s = q->s;
  ugc_result *r = &q->res;
  int permanent = 0;
  curl_off_t pretransfer = 0;
  r->status = 0;
  curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &r->status);
  r->retry_after_s = q->hdr.retry_after_s;
  memcpy(r->request_id, q->hdr.request_id, sizeof r->request_id);
  r->reach = UGC_REACH_MAYBE;
  r->message[0] = '\0';
  if (rc == CURLE_OK) {
    r->error = UGC_OK;
  } else if (rc == CURLE_WRITE_ERROR && q->resp.overflow) {
    r->error = UGC_E_TOO_LARGE;
    permanent = 1;
    snprintf(r->message, sizeof r->message, "response body is larger than the %zu-byte limit",
             s->cfg.max_body);
  } else {
    r->error = ugc_classify(rc, &r->reach, &permanent);
    /* nothing left the machine if the transfer never got past connecting */
    curl_easy_getinfo(q->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    if (pretransfer == 0 && rc != CURLE_SEND_FAIL_REWIND) r->reach = UGC_REACH_NONE;
    if (rc == CURLE_SEND_FAIL_REWIND) {
      snprintf(r->message, sizeof r->message,
               "connection lost after the request was sent; not retried because the "
               "operation may already have been applied");
    } else {
      snprintf(r->message, sizeof r->message, "%s",
               q->curl_err[0] ? q->curl_err : curl_easy_strerror(rc));
    }
  }
  if (!permanent && r->attempts <= s->cfg.max_retries &&
      ugc_should_retry(q->mutation, r->error, r->reach, r->status) &&
      r->retry_after_s <= s->cfg.retry_after_max_s) {
    double wait = ugc_backoff_s(&s->cfg, r->attempts, r->retry_after_s, ugc_random(s));
    q->state = UGC_RS_BACKOFF;
    q->wake_ms = ugc_now_ms() + wait * 1000.0;
    return;
  }
  q->state = UGC_RS_DONE;
  r->body = q->resp.data ? q->resp.data : "";
  r->body_len = q->resp.len;
  r->elapsed_ms = ugc_now_ms() - q->start_ms;
}

/* ==== the step loop ==================================================== */

static void ugc_collect(ugc_session *s) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(s->multi, &left))) {
    ugc_req *q = NULL;
    if (msg->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
    if (!q) continue;
    {
      CURLcode rc = msg->data.result;
      ugc_req_stop(q); /* msg is invalid after this */
      if (q->kind == UGC_REQ_POST) ugc_post_finished(q, rc);
      else ugc_transfer_finished(q, rc);
    }
  }
}

static void ugc_wake(ugc_session *s, double now) {
  ugc_req *q;
  for (q = s->live; q; q = q->next) {
    if (q->state == UGC_RS_BACKOFF && now >= q->wake_ms) ugc_post_attempt(q);
  }
  for (q = s->live; q && s->transfers_running < s->transfer_limit; q = q->next) {
    if (q->state == UGC_RS_QUEUED && ugc_req_run(q) != 0) {
      q->xres.error = UGC_E_INTERNAL;
      q->state = UGC_RS_DONE;
    }
  }
}

/* Milliseconds until the next backoff timer, or -1. */
static long ugc_next_timer(ugc_session *s, double now) {
  ugc_req *q;
  double best = -1;
  for (q = s->live; q; q = q->next) {
    if (q->state == UGC_RS_BACKOFF) {
      double d = q->wake_ms - now;
      if (d < 0) d = 0;
      if (best < 0 || d < best) best = d;
    }
  }
  return best < 0 ? -1 : (long)(best + 1);
}

long ugc_session_timeout_ms(ugc_session *s) {
  long curl_ms = -1, timer = ugc_next_timer(s, ugc_now_ms());
  int running = 0;
  ugc_req *q;
  if (s->paused) return 0; /* uploads wait for the next step: now */
  for (q = s->live; q; q = q->next) running |= q->state == UGC_RS_RUNNING;
  if (running) curl_multi_timeout(s->multi, &curl_ms);
  if (curl_ms < 0) return timer;
  if (timer < 0) return curl_ms;
  return curl_ms < timer ? curl_ms : timer;
}

int ugc_session_step(ugc_session *s, long timeout_ms) {
  return ugc_session_step_budgeted(s, timeout_ms, timeout_ms == 0);
}

/* curl_multi_perform, which also tells the socket callback what every
 * transfer now waits on (perform alone never calls it): that keeps the set
 * sockets() reports exact, with no fd_set and its limit at 1024. */
static void ugc_perform(ugc_session *s, int *running) {
  if (curl_multi_socket_all(s->multi, running) != CURLM_OK) curl_multi_perform(s->multi, running);
}

int ugc_session_step_budgeted(ugc_session *s, long timeout_ms, int budgeted) {
  int running = 0;
  double now = ugc_now_ms();
  ugc_wake(s, now);
  s->contended = s->paused > 0;
  if (s->contended) ugc_resume_paused(s);
  s->step_deadline_ms = budgeted && s->step_budget_ms > 0 ? now + s->step_budget_ms : 0;
  s->step_fed = 0;
  ugc_perform(s, &running);
  s->step_deadline_ms = 0;
  ugc_collect(s);
  if (timeout_ms > 0) {
    long timer = ugc_next_timer(s, now);
    long wait = timeout_ms;
    if (timer >= 0 && timer < wait) wait = timer;
    if (running) {
      curl_multi_poll(s->multi, NULL, 0, (int)wait, NULL);
    } else if (wait > 0 && ugc_session_live(s) > 0) {
      struct timespec ts; /* only timers pending: sleep until the next one */
      ts.tv_sec = wait / 1000;
      ts.tv_nsec = (wait % 1000) * 1000000L;
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
    }
    ugc_wake(s, ugc_now_ms());
    ugc_perform(s, &running);
    ugc_collect(s);
  }
  return ugc_session_live(s);
}

/* ==== requests ========================================================= */

int ugc_req_done(const ugc_req *q) { return q->state == UGC_RS_DONE; }
ugc_req_kind ugc_req_kind_of(const ugc_req *q) { return q->kind; }
const ugc_result *ugc_req_result(const ugc_req *q) { return &q->res; }
void ugc_req_set_owned(ugc_req *q) { q->handle_owned = 1; }

void ugc_req_cancel(ugc_req *q) {
  if (q->state == UGC_RS_DONE) return;
  ugc_req_stop(q);
  q->cancelled = 1;
  q->state = UGC_RS_DONE;
  if (q->kind == UGC_REQ_POST) {
    q->res.error = UGC_E_CANCELLED;
    q->res.reach = UGC_REACH_MAYBE;
    snprintf(q->res.message, sizeof q->res.message, "cancelled");
    q->res.body = "";
    q->res.body_len = 0;
  } else {
    ugc_transfer_release(q);
    q->xres.error = UGC_E_CANCELLED;
    q->xres.aborted = 1;
    snprintf(q->xres.message, sizeof q->xres.message, "cancelled");
  }
}

void ugc_req_free(ugc_req *q) {
  if (!q) return;
  ugc_req_stop(q);
  ugc_req_unlink(q);
  if (q->kind != UGC_REQ_POST) ugc_transfer_release(q);
  if (q->easy) {
    curl_easy_setopt(q->easy, CURLOPT_PRIVATE, (void *)NULL);
    ugc_easy_give(q->s, q->easy);
  }
  if (!q->body_borrowed) free(q->body);
  ugc_buf_free(&q->resp);
  free(q);
}

/* ==== blocking ========================================================= */

ugc_error ugc_session_post(ugc_session *s, const char *body, size_t len, int is_mutation,
                           ugc_result *r) {
  ugc_req *q = ugc_post_new(s, body, len, is_mutation, 1);
  ugc_buf swap;
  if (!q) {
    memset(r, 0, sizeof *r);
    snprintf(r->message, sizeof r->message, "out of memory");
    return r->error = UGC_E_NOMEM;
  }
  while (!ugc_req_done(q)) ugc_session_step(s, 1000);
  *r = q->res;
  /* hand the body over to the session so it outlives the request */
  swap = s->last;
  s->last = q->resp;
  q->resp = swap;
  ugc_buf_reset(&q->resp);
  if (s->last.cap > 1024 * 1024 && s->last.len < 64 * 1024) ugc_buf_shrink(&s->last, 64 * 1024);
  r->body = s->last.data ? s->last.data : "";
  r->body_len = s->last.len;
  ugc_req_free(q);
  return r->error;
}
