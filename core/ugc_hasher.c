#define _POSIX_C_SOURCE 200809L
/* An MD5 on its own thread, following a growing file: see ugc_hasher.h. */
#include "ugc_hasher.h"

#include <errno.h>
#include <limits.h> /* PTHREAD_STACK_MIN */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "ugc_req.h"

#define UGC_HASH_CHUNK (512 * 1024)
/* The thread's stack: it calls pread and the digest, nothing deep (its chunk
 * is on the heap). The default (8 MiB of address space each) made 500
 * queued transfers reserve 4 GB. */
#define UGC_HASH_STACK (64 * 1024)

struct ugc_hasher {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t more;
  ugc_session *s;
  int fd;
  EVP_MD_CTX *md5;
  unsigned char *buf;
  /* under the lock */
  int64_t written, hashed;
  int ended, stop, done, err;
};

/* The next stretch to hash, waiting for one; 0 when there is none left. */
static size_t ugc_hasher_next(ugc_hasher *h) {
  int64_t left;
  pthread_mutex_lock(&h->lock);
  while (!h->stop && h->hashed == h->written && !h->ended) pthread_cond_wait(&h->more, &h->lock);
  left = h->stop ? 0 : h->written - h->hashed;
  pthread_mutex_unlock(&h->lock);
  return left > UGC_HASH_CHUNK ? UGC_HASH_CHUNK : (size_t)left;
}

static void *ugc_hasher_main(void *arg) {
  ugc_hasher *h = arg;
  size_t want;
  int err = 0;
  ugc_thread_background();
  while ((want = ugc_hasher_next(h)) > 0) {
    int64_t at = h->hashed; /* only this thread changes it */
    ssize_t n = pread(h->fd, h->buf, want, (off_t)at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO; /* a file shorter than written: someone cut it */
      break;
    }
    EVP_DigestUpdate(h->md5, h->buf, (size_t)n);
    pthread_mutex_lock(&h->lock);
    h->hashed = at + n;
    pthread_mutex_unlock(&h->lock);
  }
  pthread_mutex_lock(&h->lock);
  h->err = err;
  h->done = 1;
  pthread_mutex_unlock(&h->lock);
  ugc_session_wake(h->s);
  return NULL;
}

/* A small stack, never below the system's least (PTHREAD_STACK_MIN); 0 on
 * success, else an errno. */
static int ugc_hasher_attr(pthread_attr_t *attr) {
  size_t size = UGC_HASH_STACK;
  long least = sysconf(_SC_THREAD_STACK_MIN); /* -1 when it has no say */
  int rc = pthread_attr_init(attr);
  if (rc != 0) return rc;
#ifdef PTHREAD_STACK_MIN
  if (least < (long)PTHREAD_STACK_MIN) least = (long)PTHREAD_STACK_MIN;
#endif
  if (least > 0 && size < (size_t)least) size = (size_t)least;
  if ((rc = pthread_attr_setstacksize(attr, size)) != 0) pthread_attr_destroy(attr);
  return rc;
}

ugc_hasher *ugc_hasher_start(int fd, EVP_MD_CTX *md5, int64_t written, ugc_session *s) {
  pthread_attr_t attr;
  int rc = ENOMEM;
  ugc_hasher *h = calloc(1, sizeof *h);
  if (!h) goto fail;
  h->buf = malloc(UGC_HASH_CHUNK);
  h->fd = fd;
  h->md5 = md5;
  h->s = s;
  h->written = written;
  if (!h->buf) goto fail_buf;
  if ((rc = pthread_mutex_init(&h->lock, NULL)) != 0) goto fail_buf;
  if ((rc = pthread_cond_init(&h->more, NULL)) != 0) goto fail_cond;
  if ((rc = ugc_hasher_attr(&attr)) != 0) goto fail_thread;
  rc = pthread_create(&h->thread, &attr, ugc_hasher_main, h);
  pthread_attr_destroy(&attr);
  if (rc != 0) goto fail_thread;
  return h;
fail_thread:
  pthread_cond_destroy(&h->more);
fail_cond:
  pthread_mutex_destroy(&h->lock);
fail_buf:
  free(h->buf);
  free(h);
fail:
  errno = rc;
  return NULL;
}

void ugc_hasher_grow(ugc_hasher *h, int64_t written) {
  pthread_mutex_lock(&h->lock);
  h->written = written;
  pthread_cond_signal(&h->more);
  pthread_mutex_unlock(&h->lock);
}

void ugc_hasher_end(ugc_hasher *h) {
  pthread_mutex_lock(&h->lock);
  h->ended = 1;
  pthread_cond_signal(&h->more);
  pthread_mutex_unlock(&h->lock);
}

int ugc_hasher_done(ugc_hasher *h) {
  int done;
  pthread_mutex_lock(&h->lock);
  done = h->done;
  pthread_mutex_unlock(&h->lock);
  return done;
}

int ugc_hasher_join(ugc_hasher *h) {
  int err;
  pthread_join(h->thread, NULL);
  err = h->err;
  pthread_cond_destroy(&h->more);
  pthread_mutex_destroy(&h->lock);
  free(h->buf);
  free(h);
  return err;
}

void ugc_hasher_stop(ugc_hasher *h) {
  pthread_mutex_lock(&h->lock);
  h->stop = 1;
  pthread_cond_signal(&h->more);
  pthread_mutex_unlock(&h->lock);
  ugc_hasher_join(h);
}
