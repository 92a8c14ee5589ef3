#define _POSIX_C_SOURCE 200809L
#include "ugc_session.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct ugc_session {
  CURL *curl;
  struct curl_slist *headers; /* holds the Authorization header: never logged */
  ugc_config cfg;
  char *endpoint;
  char *ca_file;
  ugc_buf body;
  uint64_t rng;
  /* per attempt */
  long hdr_status;
  double retry_after_s;
  char request_id[96];
  /* mutation body, fed by a read callback that refuses to rewind */
  const char *send_p;
  size_t send_len, send_off;
  char curl_err[CURL_ERROR_SIZE];
};

/* ==== small helpers ==================================================== */

static double ugc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void ugc_sleep_s(double s) {
  struct timespec ts;
  if (s <= 0) return;
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
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
  if (is_mutation) {
    /* No idempotency keys: a create that reached the server may have run. */
    return err != UGC_OK && err != UGC_E_TOO_LARGE && reach == UGC_REACH_NONE &&
           err != UGC_E_NOMEM && err != UGC_E_INTERNAL;
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

double ugc_parse_retry_after(const char *v, long now_unix) {
  char *end;
  double secs;
  time_t t;
  while (*v == ' ' || *v == '\t') v++;
  if (!*v) return -1;
  secs = strtod(v, &end);
  if (end != v) {
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    if (*end == '\0') return secs < 0 ? 0 : secs;
  }
  t = curl_getdate(v, NULL);
  if (t == (time_t)-1) return -1;
  return t > now_unix ? (double)(t - now_unix) : 0;
}

/* ==== libcurl callbacks: they fill C buffers only ====================== */

static size_t ugc_on_body(char *p, size_t size, size_t n, void *ud) {
  ugc_session *s = ud;
  if (ugc_buf_append(&s->body, p, size * n) != 0) return 0; /* aborts the transfer */
  return size * n;
}

static void ugc_copy_header_value(char *dst, size_t dstlen, const char *v, size_t n) {
  while (n && (*v == ' ' || *v == '\t')) v++, n--;
  while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) n--;
  if (n >= dstlen) n = dstlen - 1;
  memcpy(dst, v, n);
  dst[n] = '\0';
}

static size_t ugc_on_header(char *p, size_t size, size_t n, void *ud) {
  ugc_session *s = ud;
  size_t len = size * n;
  if (len > 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response (after 100, or a retry) */
    s->retry_after_s = -1;
    s->request_id[0] = '\0';
  } else if (len > 17 && strncasecmp(p, "x-amzn-requestid:", 17) == 0) {
    ugc_copy_header_value(s->request_id, sizeof s->request_id, p + 17, len - 17);
  } else if (len > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
    char v[64];
    ugc_copy_header_value(v, sizeof v, p + 12, len - 12);
    s->retry_after_s = ugc_parse_retry_after(v, (long)time(NULL));
  }
  return len;
}

static size_t ugc_on_read(char *p, size_t size, size_t n, void *ud) {
  ugc_session *s = ud;
  size_t want = size * n, left = s->send_len - s->send_off;
  if (want > left) want = left;
  memcpy(p, s->send_p + s->send_off, want);
  s->send_off += want;
  return want;
}

/* libcurl silently re-sends a request whose reused connection died before any
 * response byte arrived. For a mutation whose body already went out that
 * would run it twice, so rewinding is refused once a byte has been read. */
static int ugc_on_seek(void *ud, curl_off_t offset, int origin) {
  ugc_session *s = ud;
  if (origin != SEEK_SET || offset != 0 || s->send_off != 0) return CURL_SEEKFUNC_FAIL;
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

static int ugc_session_setup(ugc_session *s) {
  CURL *c = s->curl;
  int rc = 0;
  rc |= curl_easy_setopt(c, CURLOPT_URL, s->endpoint);
  rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
  rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, s->cfg.user_agent);
  rc |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->cfg.connect_timeout_ms);
  rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->cfg.timeout_ms);
  rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
  rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ugc_on_body);
  rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ugc_on_header);
  rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
  rc |= curl_easy_setopt(c, CURLOPT_READDATA, s);
  rc |= curl_easy_setopt(c, CURLOPT_SEEKDATA, s);
  rc |= curl_easy_setopt(c, CURLOPT_POST, 1L);
#if LIBCURL_VERSION_NUM >= 0x072f00
  /* HTTP/2 over TLS when the server offers it, HTTP/1.1 otherwise; a build
   * without nghttp2 refuses the option, which is fine. */
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
#endif
  if (s->ca_file) rc |= curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
  return rc;
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
  ugc_buf_init(&s->body, cfg->max_body);
  s->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)s << 16) ^ (uint64_t)getpid();
  if (!s->rng) s->rng = 0x9e3779b97f4a7c15ULL;
  s->endpoint = ugc_strdup(cfg->endpoint);
  s->ca_file = ugc_strdup(cfg->ca_file);
  s->cfg.user_agent = ugc_strdup(cfg->user_agent);
  s->cfg.endpoint = s->endpoint;
  s->cfg.ca_file = s->ca_file;
  s->cfg.api_key = NULL; /* kept only inside the header list */
  s->headers = ugc_build_headers(cfg->api_key);
  s->curl = curl_easy_init();
  if (!s->endpoint || !s->cfg.user_agent || (cfg->ca_file && !s->ca_file) || !s->headers ||
      !s->curl) {
    snprintf(err, errlen, "out of memory");
    ugc_session_free(s);
    return NULL;
  }
  if (ugc_session_setup(s) != 0) {
    snprintf(err, errlen, "libcurl rejected an option");
    ugc_session_free(s);
    return NULL;
  }
  return s;
}

void ugc_session_free(ugc_session *s) {
  if (!s) return;
  if (s->curl) curl_easy_cleanup(s->curl);
  curl_slist_free_all(s->headers);
  ugc_buf_free(&s->body);
  free(s->endpoint);
  free(s->ca_file);
  free((char *)s->cfg.user_agent);
  free(s);
}

/* ==== one attempt ====================================================== */

static ugc_error ugc_classify(CURLcode rc, ugc_reach *reach) {
  *reach = UGC_REACH_MAYBE;
  switch (rc) {
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
      *reach = UGC_REACH_NONE; /* but permanent: see ugc_should_retry */
      return UGC_E_TLS;
    case CURLE_OPERATION_TIMEDOUT:
      return UGC_E_TIMEOUT;
    case CURLE_OUT_OF_MEMORY:
      return UGC_E_NOMEM;
    default:
      return UGC_E_NETWORK;
  }
}

static int ugc_tls_permanent(CURLcode rc) {
  return rc != CURLE_SSL_CONNECT_ERROR && rc != CURLE_OK;
}

static ugc_error ugc_attempt(ugc_session *s, const char *body, size_t len, int is_mutation,
                             ugc_result *r, int *permanent) {
  CURLcode rc;
  curl_off_t pretransfer = 0;
  ugc_buf_reset(&s->body);
  s->retry_after_s = -1;
  s->request_id[0] = '\0';
  s->curl_err[0] = '\0';
  *permanent = 0;
  if (is_mutation) {
    s->send_p = body;
    s->send_len = len;
    s->send_off = 0;
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, (char *)NULL);
    curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, ugc_on_read);
    curl_easy_setopt(s->curl, CURLOPT_SEEKFUNCTION, ugc_on_seek);
  } else {
    curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, (curl_read_callback)NULL);
    curl_easy_setopt(s->curl, CURLOPT_SEEKFUNCTION, (curl_seek_callback)NULL);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
  }
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  rc = curl_easy_perform(s->curl);
  r->status = 0;
  curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &r->status);
  r->retry_after_s = s->retry_after_s;
  memcpy(r->request_id, s->request_id, sizeof r->request_id);
  r->body = s->body.data ? s->body.data : "";
  r->body_len = s->body.len;
  if (rc == CURLE_OK) {
    r->reach = UGC_REACH_MAYBE;
    r->message[0] = '\0';
    return UGC_OK;
  }
  if (rc == CURLE_WRITE_ERROR && s->body.overflow) {
    snprintf(r->message, sizeof r->message, "response body is larger than the %zu-byte limit",
             s->cfg.max_body);
    r->reach = UGC_REACH_MAYBE;
    *permanent = 1;
    return UGC_E_TOO_LARGE;
  }
  r->error = ugc_classify(rc, &r->reach);
  if (r->error == UGC_E_TLS && ugc_tls_permanent(rc)) *permanent = 1;
  /* nothing left the machine if the transfer never got past connecting */
  curl_easy_getinfo(s->curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  if (pretransfer == 0 && rc != CURLE_SEND_FAIL_REWIND) r->reach = UGC_REACH_NONE;
  if (rc == CURLE_SEND_FAIL_REWIND) {
    snprintf(r->message, sizeof r->message,
             "connection lost after the request was sent; not retried because the "
             "operation may already have been applied");
  } else {
    snprintf(r->message, sizeof r->message, "%s", s->curl_err[0] ? s->curl_err
                                                                 : curl_easy_strerror(rc));
  }
  return r->error;
}

ugc_error ugc_session_post(ugc_session *s, const char *body, size_t len, int is_mutation,
                           ugc_result *r) {
  double start = ugc_now_ms();
  int permanent;
  memset(r, 0, sizeof *r);
  for (;;) {
    double wait;
    r->attempts++;
    r->error = ugc_attempt(s, body, len, is_mutation, r, &permanent);
    if (permanent || r->attempts > s->cfg.max_retries) break;
    if (!ugc_should_retry(is_mutation, r->error, r->reach, r->status)) break;
    if (r->retry_after_s > s->cfg.retry_after_max_s) break;
    wait = ugc_backoff_s(&s->cfg, r->attempts, r->retry_after_s, ugc_random(s));
    ugc_sleep_s(wait);
  }
  if (s->body.cap > 1024 * 1024 && s->body.len < 64 * 1024) ugc_buf_shrink(&s->body, 64 * 1024);
  r->body = s->body.data ? s->body.data : "";
  r->body_len = s->body.len;
  r->elapsed_ms = ugc_now_ms() - start;
  return r->error;
}
