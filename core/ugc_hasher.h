/* ugc_hasher: an MD5 that follows a file as it grows, on a thread of its own.
 *
 * A download's bytes are written by the worker as they arrive; checking them
 * against the ETag needs their MD5, which costs more per byte than receiving
 * and writing them. The hasher reads back what the worker wrote (from the
 * page cache, through the same descriptor) on another core, so the digest
 * no longer caps the download's speed, and the worker goes on moving the
 * other requests' bytes meanwhile.
 *
 * The worker owns the hasher: it starts it, tells it how far the file has
 * grown, says when it ends, and joins it. The digest context belongs to the
 * hasher's thread from start to join. */
#ifndef UGC_HASHER_H
#define UGC_HASHER_H

#include <openssl/evp.h>
#include <stdint.h>

#include "ugc_session.h"
#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

typedef struct ugc_hasher ugc_hasher;

/* Starts hashing fd (readable with pread) into md5 (initialised) from byte
 * 0, where `written` bytes are already. When it has hashed everything after
 * ugc_hasher_end, it wakes s's worker. NULL when out of memory or threads,
 * errno saying which (EAGAIN: no thread could be made). Its thread has a
 * small stack (64 KiB): a running transfer costs one, a queued one none. */
ugc_hasher *ugc_hasher_start(int fd, EVP_MD_CTX *md5, int64_t written, ugc_session *s);
/* The file now holds `written` bytes. */
void ugc_hasher_grow(ugc_hasher *h, int64_t written);
/* Nothing more will be written. */
void ugc_hasher_end(ugc_hasher *h);
/* Non-zero once it has hashed everything up to the end (or a read failed). */
int ugc_hasher_done(ugc_hasher *h);
/* Waits for the thread, frees the hasher: 0 with the digest complete in
 * md5, or the errno of a read that failed. */
int ugc_hasher_join(ugc_hasher *h);
/* Stops it between two chunks, waits for the thread, frees the hasher. */
void ugc_hasher_stop(ugc_hasher *h);

UGC_END_HIDDEN

#endif
