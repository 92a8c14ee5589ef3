#define _POSIX_C_SOURCE 200809L
/* Transfers: a kind of request (ugc_req.h). Everything but the *_new
 * functions, the result readers and the blocking forms runs on the worker. */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ugc_fs.h"
#include "ugc_hasher.h"
#include "ugc_req.h"
#include "ugc_transfer.h"

#define UGC_PROGRESS_INTERVAL_MS 100.0
/* libcurl's largest receive buffer (CURL_MAX_READ_SIZE), and an upload
 * buffer as big: fewer, larger reads and digest updates */
#define UGC_CHUNK (512 * 1024)
/* A file this small is hashed on the worker as its bytes move, not on a
 * thread of its own: starting and joining a thread (about 50-70 us here)
 * costs as much as the MD5 of 32-64 KiB (about 1.5 us per KiB). */
#define UGC_INLINE_HASH_MAX (64 * 1024)

enum { UGC_HASH_NONE = 0, UGC_HASH_INLINE, UGC_HASH_THREAD };

typedef struct ugc_xfer {
  ugc_req base;
  int fd;              /* the local file, -1 when closed */
  char *path;
  char *url;           /* a presigned URL is a credential: freed once used */
  EVP_MD_CTX *md5;
  int hashing;         /* how the digest runs: UGC_HASH_NONE, _INLINE (the
                        * worker updates it as the bytes move) or _THREAD */
  ugc_hasher *hasher;  /* the digest, on its own thread: follows the reads
                        * of an upload, the writes of a download */
  int decided;         /* a download has decided whether to hash */
  int64_t offset;      /* a download's bytes already on disk */
  int64_t file_size;   /* an upload's size: what it declares, and all it sends */
  int restarted;       /* a download's Range was ignored: the file started over */
  int file_errno;      /* a read or write of the local file failed */
  int shrunk;          /* an upload's file ended before its declared size */
  int thread_errno;    /* the digest's thread could not start */
  int md5_missing;     /* MD5 was needed and OpenSSL refused it */
  size_t err_len;
  ugc_xfer_result xres;
} ugc_xfer;

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

/* Starts (or restarts) an MD5: 0 on success, -1 where MD5 is unavailable
 * (OpenSSL in FIPS mode refuses it). */
static int ugc_md5_init(EVP_MD_CTX *c) { return EVP_DigestInit_ex(c, EVP_md5(), NULL) ? 0 : -1; }

#define UGC_MD5_UNAVAILABLE "MD5 is not available in this OpenSSL (a FIPS-only configuration?): " \
  "transfers need it to check their bytes against the ETag"

int ugc_etag_is_md5(const char *etag) {
  int i;
  for (i = 0; i < 32; i++) {
    char c = etag[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
  }
  return etag[32] == '\0';
}

/* The first `have` bytes of the file, into the digest, on the worker (a
 * small file's). 0, or -1 with the errno noted. */
static int ugc_x_hash_back(ugc_xfer *q, int64_t have) {
  char buf[16384];
  int64_t at = 0;
  while (at < have) {
    size_t want = have - at < (int64_t)sizeof buf ? (size_t)(have - at) : sizeof buf;
    ssize_t n = pread(q->fd, buf, want, (off_t)at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      q->file_errno = n < 0 && errno ? errno : EIO;
      return -1;
    }
    EVP_DigestUpdate(q->md5, buf, (size_t)n);
    at += n;
  }
  return 0;
}

/* Starts the digest of a file that will hold `size` bytes (-1: unknown), of
 * which `have` are there already: on the worker as the bytes move when it is
 * small, else on a thread of its own (ugc_hasher.h) that reads back what the
 * worker reads or writes. 0, or -1 with the reason noted. */
static int ugc_x_hash_start(ugc_xfer *q, int64_t size, int64_t have) {
  if (ugc_md5_init(q->md5) != 0) {
    q->md5_missing = 1;
    return -1;
  }
  if (size >= 0 && size <= UGC_INLINE_HASH_MAX) {
    q->hashing = UGC_HASH_INLINE;
    return ugc_x_hash_back(q, have);
  }
  q->hasher = ugc_hasher_start(q->fd, q->md5, have, q->base.s);
  if (!q->hasher) {
    q->thread_errno = errno ? errno : EAGAIN;
    return -1;
  }
  q->hashing = UGC_HASH_THREAD;
  return 0;
}

/* The file now holds `written` bytes, the last of them p[0..len). */
static void ugc_x_hashed(ugc_xfer *q, const char *p, size_t len, int64_t written) {
  if (q->hashing == UGC_HASH_INLINE) EVP_DigestUpdate(q->md5, p, len);
  else if (q->hasher) ugc_hasher_grow(q->hasher, written);
}

/* The object's full size from a 2xx answer's headers, -1 when unknown. */
static int64_t ugc_dl_total(const ugc_xfer *q, long status) {
  const ugc_headers *h = &q->base.hdr;
  if (status == 206) return h->range_total;
  return h->content_length >= 0 ? h->content_length + q->offset : -1;
}

/* A download hashes only what can be checked: when the ETag is an MD5. The
 * digest covers the whole file, the bytes a resumed download already has
 * included. */
static int ugc_dl_decide(ugc_xfer *q, int64_t total) {
  q->decided = 1;
  if (!ugc_etag_is_md5(q->base.hdr.etag)) return 0;
  return ugc_x_hash_start(q, total, q->offset);
}

static void ugc_x_digest(ugc_xfer *q) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(q->md5, d, &n);
  ugc_hex(d, n, q->xres.md5_hex);
}

/* ==== libcurl callbacks: C buffers and files only ====================== */

static size_t ugc_x_header(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *q = ud;
  ugc_headers_line(&q->base.hdr, p, size * n, 0);
  return size * n;
}

/* An upload sends the size it declared (Content-Length), never more: bytes
 * past it would go out on the kept-alive connection as the start of another
 * request. A file that grew meanwhile is read up to that size, and a file cut
 * short fails at once (kind "file"), not after a stall. */
static size_t ugc_x_read(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *q = ud;
  int64_t left = q->file_size - q->xres.bytes;
  size_t want = size * n;
  ssize_t got;
  if (left <= 0) return 0;
  if ((int64_t)want > left) want = (size_t)left;
  do got = read(q->fd, p, want);
  while (got < 0 && errno == EINTR);
  if (got < 0) {
    q->file_errno = errno ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  if (got == 0) { /* the end of the file, before the declared end */
    q->shrunk = 1;
    return CURL_READFUNC_ABORT;
  }
  q->xres.bytes += (int64_t)got;
  ugc_x_hashed(q, p, (size_t)got, q->xres.bytes); /* only what is sent */
  ugc_req_set_progress(&q->base, q->xres.bytes, q->file_size);
  return (size_t)got;
}

/* curl rewinds an upload to resend it (after a redirect, an auth challenge,
 * or a dead kept-alive connection): start the file and its digest over. A
 * PUT of the same bytes to the same object is idempotent. */
static int ugc_x_seek(void *ud, curl_off_t offset, int origin) {
  ugc_xfer *q = ud;
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
  if (q->hasher) ugc_hasher_stop(q->hasher);
  q->hasher = NULL;
  q->hashing = UGC_HASH_NONE;
  if (lseek(q->fd, 0, SEEK_SET) != 0) {
    q->file_errno = errno ? errno : EIO;
    return CURL_SEEKFUNC_FAIL;
  }
  if (ugc_x_hash_start(q, q->file_size, 0) != 0) return CURL_SEEKFUNC_FAIL;
  q->xres.bytes = 0;
  return CURL_SEEKFUNC_OK;
}

static size_t ugc_x_keep_error(ugc_xfer *q, const char *p, size_t len) {
  size_t room = sizeof q->xres.error_body - 1 - q->err_len;
  size_t take = len < room ? len : room;
  memcpy(q->xres.error_body + q->err_len, p, take);
  q->err_len += take;
  q->xres.error_body[q->err_len] = '\0';
  return len;
}

static int ugc_write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* An upload's answer: the start of a refusal's body is kept (S3's XML
 * error), a 2xx answer's body dropped. Nothing is ever written: the
 * request's descriptor is the file it sends. */
static size_t ugc_up_write(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *q = ud;
  long status = 0;
  curl_easy_getinfo(q->base.easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return ugc_x_keep_error(q, p, size * n);
  return size * n;
}

/* A download's body, into its .part file (and the digest). */
static size_t ugc_dl_write(char *p, size_t size, size_t n, void *ud) {
  ugc_xfer *q = ud;
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(q->base.easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return ugc_x_keep_error(q, p, len);
  if (status == 200 && q->offset > 0 && !q->restarted) {
    /* the server ignored our Range: the whole object comes again */
    q->restarted = 1;
    if (ftruncate(q->fd, 0) != 0) {
      q->file_errno = errno ? errno : EIO;
      return 0;
    }
    q->offset = 0;
  }
  if (!q->decided) {
    int64_t total = ugc_dl_total(q, status);
    if (ugc_dl_decide(q, total) != 0) return 0;
    ugc_req_set_progress(&q->base, q->offset, total);
  }
  if (ugc_write_all(q->fd, p, len) != 0) {
    q->file_errno = errno ? errno : EIO;
    return 0;
  }
  q->xres.bytes += (int64_t)len;
  ugc_x_hashed(q, p, len, q->offset + q->xres.bytes);
  ugc_req_set_progress(&q->base, q->offset + q->xres.bytes,
                       __atomic_load_n(&q->base.progress_total, __ATOMIC_RELAXED));
  return len;
}

/* ==== the ops ========================================================== */

static const struct ugc_req_ops ugc_upload_ops, ugc_download_ops;

/* Closes what the transfer holds open; the URL goes as soon as it is used. */
static void ugc_x_close(ugc_xfer *q) {
  if (q->hasher) ugc_hasher_stop(q->hasher); /* before its descriptor closes */
  q->hasher = NULL;
  if (q->fd >= 0) close(q->fd);
  q->fd = -1;
  if (q->md5) EVP_MD_CTX_free(q->md5);
  q->md5 = NULL;
  free(q->url);
  q->url = NULL;
}

static int ugc_x_fail(ugc_xfer *q, ugc_error e, const char *message) {
  snprintf(q->xres.message, sizeof q->xres.message, "%s", message);
  q->xres.error = e;
  ugc_x_close(q);
  return -1;
}

/* A failure on this side of the exchange, if any, into the result: 1 if so.
 * A digest's thread that cannot start is the machine's limit (threads,
 * memory): kind "internal" with its errno, never the file's fault. */
static int ugc_x_own_error(ugc_xfer *q) {
  ugc_xfer_result *r = &q->xres;
  const char *what = q->base.kind == UGC_REQ_DOWNLOAD ? "write" : "read";
  if (q->md5_missing) {
    r->error = UGC_E_UNSUPPORTED;
    snprintf(r->message, sizeof r->message, "%s", UGC_MD5_UNAVAILABLE);
  } else if (q->thread_errno) {
    r->error = UGC_E_INTERNAL;
    snprintf(r->message, sizeof r->message, "cannot start the digest's thread: %s",
             strerror(q->thread_errno));
  } else if (q->shrunk) {
    r->error = UGC_E_FILE;
    snprintf(r->message, sizeof r->message,
             "%s became shorter while it was uploaded (it ended after %lld of its %lld bytes)", q->path,
             (long long)r->bytes, (long long)q->file_size);
  } else if (q->file_errno) {
    r->error = UGC_E_FILE;
    snprintf(r->message, sizeof r->message, "cannot %s %s: %s", what, q->path, strerror(q->file_errno));
  } else {
    return 0;
  }
  return 1;
}

/* The local file could not be opened or read: kind "file", saying why. */
static int ugc_x_file_failed(ugc_xfer *q, const char *what, int err) {
  char message[sizeof q->xres.message];
  snprintf(message, sizeof message, "cannot %s %s: %s", what, q->path, ugc_fs_open_error(err));
  return ugc_x_fail(q, UGC_E_FILE, message);
}

/* Opens the file (an upload's to read, a download's .part to append to:
 * see ugc_fs.h), returning its size, or -1 (the request failed). */
static int64_t ugc_x_open(ugc_xfer *q, int upload) {
  struct stat st;
  const char *what = upload ? "read" : "write";
  q->fd = upload ? ugc_fs_open_upload(q->path) : ugc_fs_open_part(q->path);
  if (q->fd < 0) return ugc_x_file_failed(q, what, errno);
  if (fstat(q->fd, &st) != 0) return ugc_x_file_failed(q, what, errno);
  return (int64_t)st.st_size;
}

/* Everything but the direction: a fresh easy handle, configured. */
static int ugc_x_setup(ugc_xfer *q, const ugc_req_ops *ops, curl_write_callback write) {
  const ugc_config *cfg = ugc_session_config(q->base.s);
  int fresh, rc = 0;
  CURL *e = q->base.easy = ugc_easy_take(q->base.s, &q->base, ops, &fresh);
  if (!e) return ugc_x_fail(q, UGC_E_NOMEM, "out of memory");
  if (!fresh) curl_easy_reset(e); /* a transfer's options are all its own */
  if (ugc_easy_base(e) != 0 || curl_easy_setopt(e, CURLOPT_URL, q->url) != CURLE_OK)
    return ugc_x_fail(q, UGC_E_INTERNAL, "libcurl rejected an option (http/https only?)");
  rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
  rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
  /* a multi-GB transfer has no total deadline; a stalled one fails */
  rc |= curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  rc |= curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                         ((q->base.timeout_ms > 0 ? q->base.timeout_ms : cfg->timeout_ms) + 999) / 1000);
  rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->base.curl_err);
  rc |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ugc_x_header);
  rc |= curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
  rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
  rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)&q->base);
  /* a hint: libcurl 7.88 refuses it on a reused handle, whose buffer it keeps */
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)UGC_CHUNK);
  if (cfg->ca_file) rc |= curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
  if (rc != 0) return ugc_x_fail(q, UGC_E_INTERNAL, "libcurl rejected an option");
  return 0;
}

static int ugc_upload_start(ugc_req *base) {
  ugc_xfer *q = (ugc_xfer *)base;
  CURL *e;
  if ((q->file_size = ugc_x_open(q, 1)) < 0) return -1;
  q->xres.total = q->file_size;
  ugc_req_set_progress(base, 0, q->file_size);
  if (ugc_x_hash_start(q, q->file_size, 0) != 0) {
    ugc_x_own_error(q);
    ugc_x_close(q);
    return -1;
  }
  if (ugc_x_setup(q, &ugc_upload_ops, ugc_up_write) != 0) return -1;
  e = base->easy;
  if (curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_READFUNCTION, ugc_x_read) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_READDATA, q) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, ugc_x_seek) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_SEEKDATA, q) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->file_size) != CURLE_OK)
    return ugc_x_fail(q, UGC_E_INTERNAL, "libcurl rejected an option");
  curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)UGC_CHUNK); /* a hint */
  return 0;
}

static int ugc_download_start(ugc_req *base) {
  ugc_xfer *q = (ugc_xfer *)base;
  char range[32];
  /* never through a link, never someone else's file: see ugc_fs_open_part */
  if ((q->offset = ugc_x_open(q, 0)) < 0) return -1;
  q->xres.resumed_from = q->offset;
  ugc_req_set_progress(base, q->offset, -1);
  if (ugc_x_setup(q, &ugc_download_ops, ugc_dl_write) != 0) return -1;
  if (q->offset > 0) {
    /* CURLOPT_RANGE rather than RESUME_FROM: libcurl fails a resume that a
     * server answers with 200, where we would rather start over */
    snprintf(range, sizeof range, "%lld-", (long long)q->offset);
    curl_easy_setopt(base->easy, CURLOPT_RANGE, range);
  }
  curl_easy_setopt(base->easy, CURLOPT_HTTPGET, 1L);
  return 0;
}

static void ugc_x_attempt(ugc_req *base) { (void)base; } /* transfers are retried by the caller */

static ugc_next ugc_x_finished(ugc_req *base, CURLcode rc) {
  ugc_xfer *q = (ugc_xfer *)base;
  ugc_xfer_result *r = &q->xres;
  int download = base->kind == UGC_REQ_DOWNLOAD;
  curl_easy_getinfo(base->easy, CURLINFO_RESPONSE_CODE, &r->status);
  if (download && !q->decided && r->status >= 200 && r->status < 300 && rc == CURLE_OK)
    ugc_dl_decide(q, ugc_dl_total(q, r->status)); /* an empty body never reached the write function */
  if (!ugc_x_own_error(q) && rc != CURLE_OK) {
    r->error = ugc_curl_error(rc);
    snprintf(r->message, sizeof r->message, "%s",
             base->curl_err[0] ? base->curl_err : curl_easy_strerror(rc));
  }
  memcpy(r->etag, base->hdr.etag, sizeof r->etag);
  memcpy(r->request_id, base->hdr.request_id, sizeof r->request_id);
  if (download && r->error == UGC_OK && r->status >= 200 && r->status < 300) {
    if (r->status == 200 && base->hdr.content_length >= 0) r->total = base->hdr.content_length;
    else if (r->status == 206 && base->hdr.range_total >= 0) r->total = base->hdr.range_total;
    if (r->status == 200) r->resumed_from = 0;
  }
  r->reach = ugc_curl_reach(base->easy, rc);
  r->retry_after_s = base->hdr.retry_after_s;
  r->elapsed_ms = ugc_now_ms() - base->start_ms;
  if (q->hasher && r->error == UGC_OK) {
    ugc_hasher_end(q->hasher); /* ugc_x_ready finishes once it has caught up */
    return UGC_NEXT_LATER;
  }
  if (q->hashing == UGC_HASH_INLINE && r->error == UGC_OK) ugc_x_digest(q);
  ugc_x_close(q);
  return UGC_NEXT_DONE;
}

/* A transfer whose digest was still catching up: done once it has. */
static int ugc_x_ready(ugc_req *base) {
  ugc_xfer *q = (ugc_xfer *)base;
  int err;
  if (!ugc_hasher_done(q->hasher)) return 0;
  err = ugc_hasher_join(q->hasher);
  q->hasher = NULL;
  if (err) {
    q->xres.error = UGC_E_FILE;
    snprintf(q->xres.message, sizeof q->xres.message, "cannot read back %s: %s", q->path,
             strerror(err));
  } else {
    ugc_x_digest(q);
  }
  q->xres.elapsed_ms = ugc_now_ms() - base->start_ms;
  ugc_x_close(q);
  return 1;
}

static void ugc_x_cancelled(ugc_req *base) {
  ugc_xfer *q = (ugc_xfer *)base;
  ugc_x_close(q);
  q->xres.error = UGC_E_CANCELLED;
  q->xres.aborted = 1;
  q->xres.reach = UGC_REACH_MAYBE;
  snprintf(q->xres.message, sizeof q->xres.message, "cancelled");
}

static void ugc_x_release(ugc_req *base) {
  ugc_xfer *q = (ugc_xfer *)base;
  ugc_x_close(q);
  free(q->path);
  q->path = NULL;
}

static const struct ugc_req_ops ugc_upload_ops = {ugc_upload_start, ugc_x_attempt,
                                                  ugc_x_finished,   ugc_x_ready,
                                                  ugc_x_cancelled,  ugc_x_release};
static const struct ugc_req_ops ugc_download_ops = {ugc_download_start, ugc_x_attempt,
                                                    ugc_x_finished,     ugc_x_ready,
                                                    ugc_x_cancelled,    ugc_x_release};

/* ==== the host's side ================================================== */

static char *ugc_x_dup(const char *p) {
  size_t n = strlen(p) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, p, n);
  return d;
}

static ugc_req *ugc_x_new(ugc_session *s, ugc_req_kind kind, const char *url, const char *path) {
  ugc_xfer *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->fd = -1;
  q->xres.total = -1;
  q->xres.retry_after_s = -1;
  q->url = ugc_x_dup(url);
  q->path = ugc_x_dup(path);
  q->md5 = EVP_MD_CTX_new();
  if (!q->url || !q->path || !q->md5) {
    free(q->url);
    free(q->path);
    if (q->md5) EVP_MD_CTX_free(q->md5);
    free(q);
    return NULL;
  }
  ugc_req_init(&q->base, s, kind == UGC_REQ_UPLOAD ? &ugc_upload_ops : &ugc_download_ops, kind, 1);
  return &q->base;
}

ugc_req *ugc_upload_new(ugc_session *s, const char *url, const char *path) {
  return ugc_x_new(s, UGC_REQ_UPLOAD, url, path);
}

ugc_req *ugc_download_new(ugc_session *s, const char *url, const char *part_path) {
  return ugc_x_new(s, UGC_REQ_DOWNLOAD, url, part_path);
}

const ugc_xfer_result *ugc_req_xfer(const ugc_req *q) {
  return q->kind == UGC_REQ_POST ? NULL : &((const ugc_xfer *)q)->xres;
}

void ugc_req_progress(const ugc_req *q, int64_t *done, int64_t *total) {
  const ugc_xfer_result *r = ugc_req_xfer(q);
  if (!r) {
    *done = 0;
    *total = -1;
  } else if (ugc_req_done(q)) {
    *done = q->kind == UGC_REQ_UPLOAD ? r->bytes : r->resumed_from + r->bytes;
    *total = r->total;
  } else {
    ugc_req_get_progress(q, done, total);
  }
}

/* ==== blocking ========================================================= */

ugc_error ugc_xfer_run(ugc_req *q, ugc_progress_fn fn, void *ud, ugc_xfer_result *r) {
  double last = 0;
  int64_t last_done = 0; /* no call before the first byte moves */
  if (!q) {
    memset(r, 0, sizeof *r);
    snprintf(r->message, sizeof r->message, "out of memory");
    return r->error = UGC_E_NOMEM;
  }
  if (ugc_req_submit(q) != 0) {
    memset(r, 0, sizeof *r);
    snprintf(r->message, sizeof r->message, "%s", ugc_session_start_error(q->s));
    ugc_req_free(q);
    return r->error = UGC_E_INTERNAL;
  }
  while (!ugc_req_done(q)) {
    ugc_req_wait(q, fn ? (long)UGC_PROGRESS_INTERVAL_MS : -1);
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
  *r = *ugc_req_xfer(q);
  ugc_req_free(q);
  return r->error;
}

ugc_error ugc_xfer_upload(ugc_session *s, const char *url, const char *path, ugc_progress_fn fn,
                          void *ud, ugc_xfer_result *r) {
  return ugc_xfer_run(ugc_upload_new(s, url, path), fn, ud, r);
}

ugc_error ugc_xfer_download(ugc_session *s, const char *url, const char *part_path,
                            ugc_progress_fn fn, void *ud, ugc_xfer_result *r) {
  return ugc_xfer_run(ugc_download_new(s, url, part_path), fn, ud, r);
}
