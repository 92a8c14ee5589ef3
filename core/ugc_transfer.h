/* ugc_transfer: streaming uploads and downloads to presigned URLs.
 *
 * Bytes go between disk and socket in fixed-size chunks: memory stays
 * constant whatever the file's size. The MD5 is computed as the bytes pass,
 * so the server's ETag can be checked without reading the file twice. The
 * transfer runs on a libcurl multi handle driven by this code, which calls
 * the progress function between curl steps, never from inside libcurl. */
#ifndef UGC_TRANSFER_H
#define UGC_TRANSFER_H

#include <stdint.h>

#include "ugc_session.h"
#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

typedef struct ugc_xfer ugc_xfer;

/* Returns non-zero to abort the transfer. */
typedef int (*ugc_progress_fn)(void *ud, int64_t done, int64_t total);

typedef struct ugc_xfer_result {
  long status;
  ugc_error error;
  int64_t bytes;         /* body bytes sent or received in this transfer */
  int64_t total;         /* the object's full size when known, else -1 */
  int64_t resumed_from;  /* a download's starting offset */
  int aborted;           /* the progress function asked to stop */
  char etag[80];         /* the ETag header, quotes removed */
  char md5_hex[33];      /* MD5 of the whole object (for downloads: the whole file) */
  char request_id[96];   /* x-amz-request-id or x-amzn-RequestId */
  char message[320];     /* never holds the URL: presigned URLs carry secrets */
  char error_body[1024]; /* the start of a non-2xx body (S3's XML error) */
} ugc_xfer_result;

ugc_xfer *ugc_xfer_new(const ugc_config *cfg, char *err, size_t errlen);
void ugc_xfer_free(ugc_xfer *x);

/* PUT the file at path to url, sending no Content-Type or Content-MD5. */
ugc_error ugc_xfer_upload(ugc_xfer *x, const char *url, const char *path, ugc_progress_fn fn,
                          void *ud, ugc_xfer_result *r);

/* GET url into part_path, resuming from the bytes already in it (Range).
 * A server that ignores the range makes the file start over. */
ugc_error ugc_xfer_download(ugc_xfer *x, const char *url, const char *part_path,
                            ugc_progress_fn fn, void *ud, ugc_xfer_result *r);

/* MD5 of a file as lowercase hex; 0 on success. */
int ugc_md5_file(const char *path, char out_hex[33]);

UGC_END_HIDDEN

#endif
