#define _POSIX_C_SOURCE 200809L
#include "ugc_transfer.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UGC_PROGRESS_INTERVAL_MS 100.0
#define UGC_CHUNK (256 * 1024)

struct ugc_xfer {
  CURLM *multi;
  CURL *easy;
  ugc_config cfg;
  char *user_agent;
  char *ca_file;
  /* per transfer */
  FILE *fp;
  EVP_MD_CTX *md5;
  ugc_xfer_result *r;
  int64_t offset;        /* download: bytes already in the file at the start */
  int64_t content_length;
  int restarted;
  size_t err_len;
  char curl_err[CURL_ERROR_SIZE];
};

/* ==== helpers ========================================================== */

static double ugc_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static char *ugc_dup(const char *p) {
  char *d;
  size_t n;
  if (!p) return NULL;
  n = strlen(p) + 1;
  if ((d = malloc(n))) memcpy(d, p, n);
  return d;
}

static void ugc_hex(const unsigned char *d, unsigned n, char *out) {
  static const char hex[] = "0123456789abcdef";
  unsigned i;
  for (i = 0; i < n; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[2 * n] = '\0';
}

static void ugc_md5_finish(EVP_MD_CTX *c, char out[33]) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(c, d, &n);
  ugc_hex(d, n, out);
}

int ugc_md5_file(const char *path, char out[33]) {
  unsigned char *buf;
  size_t n;
  int rc = -1;
  FILE *f = fopen(path, "rb");
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  buf = malloc(UGC_CHUNK);
  if (f && c && buf && EVP_DigestInit_ex(c, EVP_md5(), NULL)) {
    while ((n = fread(buf, 1, UGC_CHUNK, f)) > 0) EVP_DigestUpdate(c, buf, n);
    if (!ferror(f)) {
      ugc_md5_finish(c, out);
      rc = 0;
    }
  }
  free(buf);
  if (c) EVP_MD_CTX_free(c);
  if (f) fclose(f);
  return rc;
}

/* ==== object =========================================================== */

ugc_xfer *ugc_xfer_new(const ugc_config *cfg, char *err, size_t errlen) {
  ugc_xfer *x = calloc(1, sizeof *x);
  if (!x) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  x->cfg = *cfg;
  x->cfg.api_key = NULL; /* presigned URLs carry their own authorisation */
  x->user_agent = ugc_dup(cfg->user_agent);
  x->ca_file = ugc_dup(cfg->ca_file);
  x->multi = curl_multi_init();
  x->easy = curl_easy_init();
  x->md5 = EVP_MD_CTX_new();
  if (!x->user_agent || (cfg->ca_file && !x->ca_file) || !x->multi || !x->easy || !x->md5) {
    snprintf(err, errlen, "out of memory");
    ugc_xfer_free(x);
    return NULL;
  }
  return x;
}

void ugc_xfer_free(ugc_xfer *x) {
  if (!x) return;
  if (x->easy) curl_easy_cleanup(x->easy);
  if (x->multi) curl_multi_cleanup(x->multi);
  if (x->md5) EVP_MD_CTX_free(x->md5);
  free(x->user_agent);
  free(x->ca_file);
  free(x);
}

/* ==== libcurl callbacks: C buffers and files only ====================== */

static void ugc_header_value(char *dst, size_t dstlen, const char *v, size_t n) {
  while (n && (*v == ' ' || *v == '\t')) v++, n--;
  while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) n--;
  if (n >= 2 && v[0] == '"' && v[n - 1] == '"') v++, n -= 2; /* ETag quotes */
  if (n >= dstlen) n = dstlen - 1;
  memcpy(dst, v, n);
  dst[n] = '\0';
}

static size_t ugc_x_header(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *x = ud;
  size_t len = size * n;
  char v[96];
  if (len > 5 && memcmp(p, "HTTP/", 5) == 0) {
    x->r->etag[0] = '\0';
    x->content_length = -1;
  } else if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
    ugc_header_value(x->r->etag, sizeof x->r->etag, p + 5, len - 5);
  } else if (len > 15 && strncasecmp(p, "content-length:", 15) == 0) {
    ugc_header_value(v, sizeof v, p + 15, len - 15);
    x->content_length = strtoll(v, NULL, 10);
  } else if (len > 14 && strncasecmp(p, "content-range:", 14) == 0) {
    const char *slash;
    ugc_header_value(v, sizeof v, p + 14, len - 14);
    if ((slash = strchr(v, '/')) && slash[1] != '*') x->r->total = strtoll(slash + 1, NULL, 10);
  } else if (len > 17 && strncasecmp(p, "x-amz-request-id:", 17) == 0) {
    ugc_header_value(x->r->request_id, sizeof x->r->request_id, p + 17, len - 17);
  } else if (len > 17 && strncasecmp(p, "x-amzn-requestid:", 17) == 0) {
    ugc_header_value(x->r->request_id, sizeof x->r->request_id, p + 17, len - 17);
  }
  return len;
}

static size_t ugc_x_read(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *x = ud;
  size_t got = fread(p, 1, size * n, x->fp);
  if (got == 0 && ferror(x->fp)) return CURL_READFUNC_ABORT;
  EVP_DigestUpdate(x->md5, p, got);
  x->r->bytes += (int64_t)got;
  return got;
}

/* curl rewinds an upload to resend it (after a redirect or an auth
 * challenge): start the file and its digest over. */
static int ugc_x_seek(void *ud, curl_off_t offset, int origin) {
  ugc_xfer *x = ud;
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
  if (fseek(x->fp, 0, SEEK_SET) != 0) return CURL_SEEKFUNC_FAIL;
  EVP_DigestInit_ex(x->md5, EVP_md5(), NULL);
  x->r->bytes = 0;
  return CURL_SEEKFUNC_OK;
}

static size_t ugc_x_keep_error(ugc_xfer *x, const char *p, size_t len) {
  size_t room = sizeof x->r->error_body - 1 - x->err_len;
  size_t take = len < room ? len : room;
  memcpy(x->r->error_body + x->err_len, p, take);
  x->err_len += take;
  x->r->error_body[x->err_len] = '\0';
  return len;
}

static size_t ugc_x_write(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *x = ud;
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return ugc_x_keep_error(x, p, len);
  if (status == 200 && x->offset > 0 && !x->restarted) {
    /* the server ignored our Range: the whole object comes again */
    x->restarted = 1;
    if (fflush(x->fp) != 0 || ftruncate(fileno(x->fp), 0) != 0 || fseek(x->fp, 0, SEEK_SET) != 0)
      return 0;
    x->offset = 0;
    EVP_DigestInit_ex(x->md5, EVP_md5(), NULL);
  }
  if (fwrite(p, 1, len, x->fp) != len) return 0;
  EVP_DigestUpdate(x->md5, p, len);
  x->r->bytes += (int64_t)len;
  return len;
}

/* ==== the loop ========================================================= */

static void ugc_x_common(ugc_xfer *x, const char *url) {
  CURL *e = x->easy;
  curl_easy_reset(e);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_USERAGENT, x->user_agent);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, x->cfg.connect_timeout_ms);
  /* a multi-GB transfer has no total deadline; a stalled one fails */
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (x->cfg.timeout_ms + 999) / 1000);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ugc_x_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ugc_x_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)UGC_CHUNK);
  if (x->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, x->ca_file);
  x->curl_err[0] = '\0';
  x->err_len = 0;
  x->restarted = 0;
  x->content_length = -1;
  EVP_DigestInit_ex(x->md5, EVP_md5(), NULL);
}

static ugc_error ugc_x_classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return UGC_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE: return UGC_E_TLS;
    case CURLE_OUT_OF_MEMORY: return UGC_E_NOMEM;
    default: return UGC_E_NETWORK;
  }
}

static ugc_error ugc_x_run(ugc_xfer *x, ugc_progress_fn fn, void *ud, int upload) {
  ugc_xfer_result *r = x->r;
  int running = 1, pending;
  double last = 0;
  int64_t last_done = 0; /* no call before the first byte moves */
  CURLcode rc = CURLE_OK;
  CURLMsg *msg;
  if (curl_multi_add_handle(x->multi, x->easy) != CURLM_OK) {
    snprintf(r->message, sizeof r->message, "could not start the transfer");
    return r->error = UGC_E_INTERNAL;
  }
  while (running) {
    if (curl_multi_perform(x->multi, &running) != CURLM_OK) break;
    if (running) curl_multi_poll(x->multi, NULL, 0, 50, NULL);
    if (fn) {
      curl_off_t done = 0, total = 0;
      double now = ugc_ms();
      curl_easy_getinfo(x->easy, upload ? CURLINFO_SIZE_UPLOAD_T : CURLINFO_SIZE_DOWNLOAD_T, &done);
      curl_easy_getinfo(x->easy, upload ? CURLINFO_CONTENT_LENGTH_UPLOAD_T
                                        : CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
      done += x->offset;
      if (total >= 0 && !upload) total += x->offset;
      if ((now - last >= UGC_PROGRESS_INTERVAL_MS || !running) && done != last_done) {
        last = now;
        last_done = done;
        if (fn(ud, done, total)) {
          r->aborted = 1;
          break;
        }
      }
    }
  }
  while ((msg = curl_multi_info_read(x->multi, &pending)))
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == x->easy) rc = msg->data.result;
  curl_multi_remove_handle(x->multi, x->easy);
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
  if (r->aborted) {
    snprintf(r->message, sizeof r->message, "the transfer was stopped by its progress function");
    return r->error = UGC_E_NETWORK;
  }
  if (rc != CURLE_OK) {
    r->error = ugc_x_classify(rc);
    snprintf(r->message, sizeof r->message, "%s",
             x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc));
    return r->error;
  }
  return r->error = UGC_OK;
}

ugc_error ugc_xfer_upload(ugc_xfer *x, const char *url, const char *path, ugc_progress_fn fn,
                          void *ud, ugc_xfer_result *r) {
  struct stat st;
  memset(r, 0, sizeof *r);
  r->total = -1;
  x->r = r;
  x->offset = 0;
  if (!(x->fp = fopen(path, "rb")) || fstat(fileno(x->fp), &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(r->message, sizeof r->message, "cannot read %s: %s", path,
             x->fp ? "not a regular file" : strerror(errno));
    if (x->fp) fclose(x->fp);
    x->fp = NULL;
    return r->error = UGC_E_INTERNAL;
  }
  r->total = (int64_t)st.st_size;
  ugc_x_common(x, url);
  curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, ugc_x_read);
  curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
  curl_easy_setopt(x->easy, CURLOPT_SEEKFUNCTION, ugc_x_seek);
  curl_easy_setopt(x->easy, CURLOPT_SEEKDATA, x);
  curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
  curl_easy_setopt(x->easy, CURLOPT_UPLOAD_BUFFERSIZE, (long)UGC_CHUNK);
  ugc_x_run(x, fn, ud, 1);
  ugc_md5_finish(x->md5, r->md5_hex);
  fclose(x->fp);
  x->fp = NULL;
  return r->error;
}

ugc_error ugc_xfer_download(ugc_xfer *x, const char *url, const char *part_path,
                            ugc_progress_fn fn, void *ud, ugc_xfer_result *r) {
  struct stat st;
  char range[32];
  memset(r, 0, sizeof *r);
  r->total = -1;
  x->r = r;
  if (!(x->fp = fopen(part_path, "ab"))) {
    snprintf(r->message, sizeof r->message, "cannot write %s: %s", part_path, strerror(errno));
    return r->error = UGC_E_INTERNAL;
  }
  x->offset = (fstat(fileno(x->fp), &st) == 0) ? (int64_t)st.st_size : 0;
  r->resumed_from = x->offset;
  ugc_x_common(x, url);
  if (x->offset > 0) {
    /* the digest covers the whole file: feed it what is already there */
    FILE *old = fopen(part_path, "rb");
    unsigned char *buf = malloc(UGC_CHUNK);
    size_t n;
    if (!old || !buf) {
      free(buf);
      if (old) fclose(old);
      fclose(x->fp);
      x->fp = NULL;
      snprintf(r->message, sizeof r->message, "cannot read %s", part_path);
      return r->error = UGC_E_INTERNAL;
    }
    while ((n = fread(buf, 1, UGC_CHUNK, old)) > 0) EVP_DigestUpdate(x->md5, buf, n);
    free(buf);
    fclose(old);
    /* CURLOPT_RANGE rather than RESUME_FROM: libcurl fails a resume that a
     * server answers with 200, where we would rather start over */
    snprintf(range, sizeof range, "%lld-", (long long)x->offset);
    curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
  }
  curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
  ugc_x_run(x, fn, ud, 0);
  if (fclose(x->fp) != 0 && r->error == UGC_OK) {
    snprintf(r->message, sizeof r->message, "cannot write %s: %s", part_path, strerror(errno));
    r->error = UGC_E_INTERNAL;
  }
  x->fp = NULL;
  ugc_md5_finish(x->md5, r->md5_hex);
  if (r->status == 200 && x->content_length >= 0) r->total = x->content_length;
  if (r->status == 200) r->resumed_from = 0;
  return r->error;
}
