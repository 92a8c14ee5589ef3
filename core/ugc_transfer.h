/* ugc_transfer: streaming uploads and downloads to presigned URLs.
 *
 * Bytes go between disk and socket in fixed-size chunks, on the session's
 * worker thread: memory stays constant whatever the file's size, and the
 * host's thread never reads, writes or hashes a byte. An upload's MD5 covers
 * the bytes as they are read, a download's the bytes as they are written,
 * and only when the server's ETag is one (32 hex digits: a multipart or
 * SSE-KMS ETag is not). The digest runs on a thread of its own that follows
 * the transfer through the page cache (ugc_hasher.h), so it does not cap the
 * transfer's speed; a file of 64 KiB or less is hashed on the worker as its
 * bytes move. An upload sends the size it declared, never more, and a file
 * that ends before it fails at once (UGC_E_FILE). Transfers are requests of
 * the session: they share its connections, and at most its transfer limit
 * run at once; the others wait their turn holding no file, no thread. */
#ifndef UGC_TRANSFER_H
#define UGC_TRANSFER_H

#include <stdint.h>

#include "ugc_session.h"
#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

/* Returns non-zero to abort the transfer. */
typedef int (*ugc_progress_fn)(void *ud, int64_t done, int64_t total);

typedef struct ugc_xfer_result {
  long status;
  ugc_error error;
  int64_t bytes;         /* body bytes sent or received in this transfer */
  int64_t total;         /* the object's full size when known, else -1 */
  int64_t resumed_from;  /* a download's starting offset */
  int aborted;           /* stopped: by the progress function or a cancel */
  ugc_reach reach;       /* whether any byte may have reached the server */
  double retry_after_s;  /* the response's Retry-After, -1 when absent */
  double elapsed_ms;
  char etag[80];         /* the ETag header, quotes removed */
  char md5_hex[33];      /* MD5 of the whole object (for downloads: the whole
                          * file), "" when not computed (see above) */
  char request_id[96];   /* x-amz-request-id or x-amzn-RequestId */
  char message[320];     /* never holds the URL: presigned URLs carry secrets */
  char error_body[1024]; /* the start of a non-2xx body (S3's XML error) */
} ugc_xfer_result;

/* A PUT of the file at path to url (no Content-Type, no Content-MD5), or a
 * GET of url into part_path resuming from its bytes (Range); submit it with
 * ugc_req_submit. NULL only when out of memory: a file that cannot be opened
 * gives a finished request whose result says why. */
ugc_req *ugc_upload_new(ugc_session *s, const char *url, const char *path);
ugc_req *ugc_download_new(ugc_session *s, const char *url, const char *part_path);
/* A transfer's outcome once done (NULL for a post). */
const ugc_xfer_result *ugc_req_xfer(const ugc_req *q);
/* Bytes done so far and the total when known (else -1); any time. */
void ugc_req_progress(const ugc_req *q, int64_t *done, int64_t *total);

/* Blocking forms: submit, then wait, calling fn on the caller's thread at
 * most every 100 ms while bytes move. */
ugc_error ugc_xfer_upload(ugc_session *s, const char *url, const char *path, ugc_progress_fn fn,
                          void *ud, ugc_xfer_result *r);
ugc_error ugc_xfer_download(ugc_session *s, const char *url, const char *part_path,
                            ugc_progress_fn fn, void *ud, ugc_xfer_result *r);
/* The same for a transfer made with ugc_upload_new or ugc_download_new (say,
 * with a timeout of its own): submits q, waits, frees it. */
ugc_error ugc_xfer_run(ugc_req *q, ugc_progress_fn fn, void *ud, ugc_xfer_result *r);

/* Whether an ETag (quotes removed) is a plain MD5: 32 hex digits. */
int ugc_etag_is_md5(const char *etag);

UGC_END_HIDDEN

#endif
