#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ugc_fs.h"
#include "ugc_req.h"

#define UGC_PROGRESS_INTERVAL_MS 100.0
#define UGC_CHUNK (256 * 1024)
/* smaller than the download buffer: one step sends at most this much per
 * upload, which keeps a frame loop's step short with many uploads in flight */
#define UGC_UPLOAD_CHUNK (64 * 1024)

/* ==== digests ========================================================== */

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

/* Starts (or restarts) an MD5: 0 on success, -1 where MD5 is unavailable
 * (OpenSSL in FIPS mode refuses it). */
static int ugc_md5_init(EVP_MD_CTX *c) { return EVP_DigestInit_ex(c, EVP_md5(), NULL) ? 0 : -1; }

#define UGC_MD5_UNAVAILABLE "MD5 is not available in this OpenSSL (a FIPS-only configuration?): " \
  "transfers need it to check their bytes against the ETag"

/* Feeds the first size bytes of an open file to an MD5 context; 0 on success. */
static int ugc_md5_update_fd(EVP_MD_CTX *c, int fd, int64_t size) {
  unsigned char *buf = malloc(UGC_CHUNK);
  int64_t off = 0;
  int rc = buf ? 0 : -1;
  while (rc == 0 && off < size) {
    size_t want = size - off < UGC_CHUNK ? (size_t)(size - off) : UGC_CHUNK;
    ssize_t n = pread(fd, buf, want, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) rc = -1;
    else {
      EVP_DigestUpdate(c, buf, (size_t)n);
      off += n;
    }
  }
  free(buf);
  return rc;
}

int ugc_md5_file(const char *path, char out[33]) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int fd = ugc_fs_open_upload(path);
  struct stat st;
  int rc = -1;
  if (c && fd >= 0 && fstat(fd, &st) == 0 && ugc_md5_init(c) == 0 &&
      ugc_md5_update_fd(c, fd, (int64_t)st.st_size) == 0) {
    ugc_md5_finish(c, out);
    rc = 0;
  }
  if (fd >= 0) close(fd);
  if (c) EVP_MD_CTX_free(c);
  return rc;
}

/* ==== libcurl callbacks: C buffers and files only ====================== */

static size_t ugc_x_header(char *p, size_t size, size_t n, void *ud) {
  ugc_req *q = ud;
  ugc_headers_line(&q->hdr, p, size * n, 0);
  return size * n;
}

static size_t ugc_x_read(char *p, size_t size, size_t n, void *ud) {
  ugc_req *q = ud;
  size_t got;
  ugc_session *s = q->s;
  /* A budgeted step (a frame loop's step(0)): past the deadline an upload
   * waits for the next step instead of reading and hashing one more chunk,
   * except the step's first chunk, so that uploads always move. Uploads far
   * ahead of those the last step paused wait, so that these go first. */
  if (s && s->step_deadline_ms > 0) {
    int late = s->step_fed > 0 && ugc_now_ms() >= s->step_deadline_ms;
    int ahead = s->contended && q->chunks > s->min_chunks + UGC_FAIR_AHEAD;
    if (late || ahead) {
      q->paused = 1;
      s->paused++;
      return CURL_READFUNC_PAUSE;
    }
    s->step_fed++;
  }
  got = fread(p, 1, size * n, q->fp);
  q->chunks++;
  if (got == 0 && ferror(q->fp)) {
    q->file_errno = errno ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  EVP_DigestUpdate(q->md5, p, got);
  q->xres.bytes += (int64_t)got;
  return got;
}

/* curl rewinds an upload to resend it (after a redirect, an auth challenge,
 * or a dead kept-alive connection): start the file and its digest over. A
 * PUT of the same bytes to the same object is idempotent. */
static int ugc_x_seek(void *ud, curl_off_t offset, int origin) {
  ugc_req *q = ud;
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
  if (fseek(q->fp, 0, SEEK_SET) != 0 || ugc_md5_init(q->md5) != 0) return CURL_SEEKFUNC_FAIL;
  q->xres.bytes = 0;
  return CURL_SEEKFUNC_OK;
}

static size_t ugc_x_keep_error(ugc_req *q, const char *p, size_t len) {
  size_t room = sizeof q->xres.error_body - 1 - q->err_len;
  size_t take = len < room ? len : room;
  memcpy(q->xres.error_body + q->err_len, p, take);
  q->err_len += take;
  q->xres.error_body[q->err_len] = '\0';
  return len;
}

static size_t ugc_x_write(char *p, size_t size, size_t n, void *ud) {
  ugc_req *q = ud;
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return ugc_x_keep_error(q, p, len);
  if (status == 200 && q->offset > 0 && !q->restarted) {
    /* the server ignored our Range: the whole object comes again */
    q->restarted = 1;
    if (fflush(q->fp) != 0 || ftruncate(fileno(q->fp), 0) != 0 || fseek(q->fp, 0, SEEK_SET) != 0 ||
        ugc_md5_init(q->md5) != 0) {
      q->file_errno = errno ? errno : EIO;
      return 0;
    }
    q->offset = 0;
  }
  if (fwrite(p, 1, len, q->fp) != len) {
    q->file_errno = errno ? errno : EIO;
    return 0;
  }
  EVP_DigestUpdate(q->md5, p, len);
  q->xres.bytes += (int64_t)len;
  return len;
}

/* ==== requests ========================================================= */

static char *ugc_x_dup(const char *p) {
  size_t n = strlen(p) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, p, n);
  return d;
}

static int ugc_x_setup(ugc_req *q) {
  ugc_session *s = q->s;
  CURL *e = q->easy;
  if (ugc_easy_web_only(e) != 0 || curl_easy_setopt(e, CURLOPT_URL, q->url) != CURLE_OK) return -1;
  curl_easy_setopt(e, CURLOPT_USERAGENT, s->user_agent);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->cfg.connect_timeout_ms);
  /* a multi-GB transfer has no total deadline; a stalled one fails */
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (s->cfg.timeout_ms + 999) / 1000);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->curl_err);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ugc_x_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ugc_x_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
  curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)q);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)UGC_CHUNK);
  if (s->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
  return 0;
}

static ugc_req *ugc_x_fail(ugc_req *q, ugc_error e, const char *message) {
  snprintf(q->xres.message, sizeof q->xres.message, "%s", message);
  q->xres.error = e;
  ugc_transfer_release(q);
  q->state = UGC_RS_DONE;
  return q;
}

static ugc_req *ugc_x_new(ugc_session *s, ugc_req_kind kind, const char *url, const char *path) {
  ugc_req *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->kind = kind;
  q->xres.total = -1;
  ugc_headers_reset(&q->hdr);
  q->url = ugc_x_dup(url);
  q->path = ugc_x_dup(path);
  q->md5 = EVP_MD_CTX_new();
  q->easy = ugc_easy_take(s);
  if (!q->url || !q->path || !q->md5 || !q->easy) {
    free(q->url);
    free(q->path);
    if (q->md5) EVP_MD_CTX_free(q->md5);
    ugc_easy_give(s, q->easy);
    free(q);
    return NULL;
  }
  ugc_buf_init(&q->resp, 0);
  ugc_req_link(s, q);
  q->start_ms = ugc_now_ms();
  if (ugc_md5_init(q->md5) != 0) return ugc_x_fail(q, UGC_E_UNSUPPORTED, UGC_MD5_UNAVAILABLE);
  if (ugc_x_setup(q) != 0)
    return ugc_x_fail(q, UGC_E_INTERNAL, "libcurl rejected an option (http/https only?)");
  return q;
}

/* The local file could not be opened or read: kind "file", saying why. */
static ugc_req *ugc_x_failed(ugc_req *q, const char *what, int err) {
  char message[sizeof q->xres.message];
  snprintf(message, sizeof message, "cannot %s %s: %s", what, q->path, ugc_fs_open_error(err));
  return ugc_x_fail(q, UGC_E_FILE, message);
}

/* Into the multi handle now, or into the queue behind the transfer limit. */
static ugc_req *ugc_x_enqueue(ugc_req *q) {
  ugc_session *s = q->s;
  q->state = UGC_RS_QUEUED;
  if (s->transfers_running < s->transfer_limit && ugc_req_run(q) != 0) {
    q->xres.error = UGC_E_INTERNAL;
    snprintf(q->xres.message, sizeof q->xres.message, "could not start the transfer");
    ugc_transfer_release(q);
    q->state = UGC_RS_DONE;
  }
  return q;
}

ugc_req *ugc_upload_start(ugc_session *s, const char *url, const char *path) {
  struct stat st;
  int fd;
  ugc_req *q = ugc_x_new(s, UGC_REQ_UPLOAD, url, path);
  if (!q || q->state == UGC_RS_DONE) return q;
  if ((fd = ugc_fs_open_upload(path)) < 0) return ugc_x_failed(q, "read", errno);
  if (fstat(fd, &st) != 0 || !(q->fp = fdopen(fd, "rb"))) {
    int e = errno;
    close(fd);
    return ugc_x_failed(q, "read", e);
  }
  q->file_size = (int64_t)st.st_size;
  q->xres.total = q->file_size;
  curl_easy_setopt(q->easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(q->easy, CURLOPT_READFUNCTION, ugc_x_read);
  curl_easy_setopt(q->easy, CURLOPT_READDATA, q);
  curl_easy_setopt(q->easy, CURLOPT_SEEKFUNCTION, ugc_x_seek);
  curl_easy_setopt(q->easy, CURLOPT_SEEKDATA, q);
  curl_easy_setopt(q->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
  curl_easy_setopt(q->easy, CURLOPT_UPLOAD_BUFFERSIZE, (long)UGC_UPLOAD_CHUNK);
  return ugc_x_enqueue(q);
}

ugc_req *ugc_download_start(ugc_session *s, const char *url, const char *part_path) {
  struct stat st;
  char range[32];
  int fd;
  ugc_req *q = ugc_x_new(s, UGC_REQ_DOWNLOAD, url, part_path);
  if (!q || q->state == UGC_RS_DONE) return q;
  /* never through a link, never someone else's file: see ugc_fs_open_part */
  if ((fd = ugc_fs_open_part(part_path)) < 0) return ugc_x_failed(q, "write", errno);
  if (fstat(fd, &st) != 0 || !(q->fp = fdopen(fd, "ab"))) {
    int e = errno;
    close(fd);
    return ugc_x_failed(q, "write", e);
  }
  q->offset = (int64_t)st.st_size;
  q->xres.resumed_from = q->offset;
  if (q->offset > 0) {
    /* the digest covers the whole file: feed it what is already there,
     * read through the descriptor just opened, not the path again */
    if (ugc_md5_update_fd(q->md5, fd, q->offset) != 0) return ugc_x_failed(q, "read", errno);
    /* CURLOPT_RANGE rather than RESUME_FROM: libcurl fails a resume that a
     * server answers with 200, where we would rather start over */
    snprintf(range, sizeof range, "%lld-", (long long)q->offset);
    curl_easy_setopt(q->easy, CURLOPT_RANGE, range);
  }
  curl_easy_setopt(q->easy, CURLOPT_HTTPGET, 1L);
  return ugc_x_enqueue(q);
}

void ugc_transfer_release(ugc_req *q) {
  if (q->fp) {
    fclose(q->fp);
    q->fp = NULL;
  }
  if (q->md5) {
    EVP_MD_CTX_free(q->md5);
    q->md5 = NULL;
  }
  free(q->url); /* a presigned URL is a credential: do not keep it around */
  q->url = NULL;
  free(q->path);
  q->path = NULL;
}

static ugc_error ugc_x_classify(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL: return UGC_E_PROTOCOL;
    case CURLE_OPERATION_TIMEDOUT: return UGC_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE: return UGC_E_TLS;
    case CURLE_OUT_OF_MEMORY: return UGC_E_NOMEM;
    default: return UGC_E_NETWORK;
  }
}

void ugc_transfer_finished(ugc_req *q, CURLcode rc) {
  ugc_xfer_result *r = &q->xres;
  curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &r->status);
  if (rc != CURLE_OK && q->file_errno) {
    r->error = UGC_E_FILE;
    snprintf(r->message, sizeof r->message, "cannot %s %s: %s",
             q->kind == UGC_REQ_UPLOAD ? "read" : "write", q->path ? q->path : "the file",
             strerror(q->file_errno));
  } else if (rc != CURLE_OK) {
    r->error = ugc_x_classify(rc);
    snprintf(r->message, sizeof r->message, "%s",
             q->curl_err[0] ? q->curl_err : curl_easy_strerror(rc));
  }
  if (q->fp && fclose(q->fp) != 0 && r->error == UGC_OK) {
    r->error = UGC_E_FILE;
    snprintf(r->message, sizeof r->message, "cannot write the file: %s", strerror(errno));
  }
  q->fp = NULL;
  if (q->md5) ugc_md5_finish(q->md5, r->md5_hex);
  memcpy(r->etag, q->hdr.etag, sizeof r->etag);
  memcpy(r->request_id, q->hdr.request_id, sizeof r->request_id);
  if (q->kind == UGC_REQ_DOWNLOAD) {
    if (r->status == 200 && q->hdr.content_length >= 0) r->total = q->hdr.content_length;
    else if (r->status == 206 && q->hdr.range_total >= 0) r->total = q->hdr.range_total;
    if (r->status == 200) r->resumed_from = 0;
  }
  ugc_transfer_release(q);
  q->state = UGC_RS_DONE;
}

const ugc_xfer_result *ugc_req_xfer(const ugc_req *q) { return &q->xres; }

void ugc_req_progress(const ugc_req *q, int64_t *done, int64_t *total) {
  curl_off_t d = 0, t = -1;
  if (q->state == UGC_RS_RUNNING && q->easy) {
    int up = q->kind == UGC_REQ_UPLOAD;
    curl_easy_getinfo(q->easy, up ? CURLINFO_SIZE_UPLOAD_T : CURLINFO_SIZE_DOWNLOAD_T, &d);
    if (!up) {
      curl_easy_getinfo(q->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &t);
      if (t >= 0) t += q->offset;
      d += q->offset;
    } else {
      t = q->file_size;
    }
  } else if (q->state == UGC_RS_DONE) {
    d = q->kind == UGC_REQ_UPLOAD ? q->xres.bytes : q->xres.resumed_from + q->xres.bytes;
    t = q->xres.total;
  } else {
    d = q->offset;
    t = q->kind == UGC_REQ_UPLOAD ? q->file_size : -1;
  }
  *done = (int64_t)d;
  *total = (int64_t)t;
}

/* ==== blocking ========================================================= */

static ugc_error ugc_x_wait(ugc_session *s, ugc_req *q, ugc_progress_fn fn, void *ud,
                            ugc_xfer_result *r) {
  double last = 0;
  int64_t last_done = 0; /* no call before the first byte moves */
  if (!q) {
    memset(r, 0, sizeof *r);
    snprintf(r->message, sizeof r->message, "out of memory");
    return r->error = UGC_E_NOMEM;
  }
  while (!ugc_req_done(q)) {
    ugc_session_step(s, 50);
    if (fn) {
      int64_t done, total;
      double now = ugc_now_ms();
      ugc_req_progress(q, &done, &total);
      if ((now - last >= UGC_PROGRESS_INTERVAL_MS || ugc_req_done(q)) && done != last_done) {
        last = now;
        last_done = done;
        if (fn(ud, done, total)) {
          ugc_req_cancel(q);
          break;
        }
      }
    }
  }
  *r = q->xres;
  ugc_req_free(q);
  return r->error;
}

ugc_error ugc_xfer_upload(ugc_session *s, const char *url, const char *path, ugc_progress_fn fn,
                          void *ud, ugc_xfer_result *r) {
  return ugc_x_wait(s, ugc_upload_start(s, url, path), fn, ud, r);
}

ugc_error ugc_xfer_download(ugc_session *s, const char *url, const char *part_path,
                            ugc_progress_fn fn, void *ud, ugc_xfer_result *r) {
  return ugc_x_wait(s, ugc_download_start(s, url, part_path), fn, ud, r);
}
