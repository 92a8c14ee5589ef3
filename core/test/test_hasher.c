/* core/ugc_hasher: an MD5 on its own thread, following a file as it grows:
 * the digest equals a one-shot MD5, a stop mid-way is clean, and a file
 * shorter than announced is an error, not a hang. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ugc_hasher.h"

void test_hasher(void);

#define SIZE (3 * 1024 * 1024 + 123)

static void md5_once(const unsigned char *p, size_t n, unsigned char out[16]) {
  unsigned len = 0;
  EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

static int wait_done(ugc_hasher *h) {
  int i;
  struct timespec ms = {0, 1000000};
  for (i = 0; i < 5000 && !ugc_hasher_done(h); i++) nanosleep(&ms, NULL);
  return ugc_hasher_done(h);
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  return write(fd, p, n) == (ssize_t)n;
}

void test_hasher(void) {
  char path[] = "/tmp/ugc-hasher-XXXXXX";
  unsigned char *data = malloc(SIZE), want[16], got[16];
  unsigned len = 0;
  size_t off, i;
  ugc_config cfg;
  char err[128];
  ugc_session *s;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  ugc_hasher *h;
  int fd = mkstemp(path);
  ugc_config_defaults(&cfg);
  cfg.endpoint = "http://127.0.0.1:1/graphql";
  cfg.api_key = "hasher-key-0123456789";
  cfg.user_agent = "moveugc-core-test";
  s = ugc_session_new(&cfg, err, sizeof err); /* the hasher wakes its worker */
  CHECK(data && c && fd >= 0 && s);
  if (!data || !c || fd < 0 || !s) return;
  for (i = 0; i < SIZE; i++) data[i] = (unsigned char)(i * 2654435761u >> 13);
  md5_once(data, SIZE, want);

  /* a resumed file: 1 MiB there already, the rest written while it hashes */
  CHECK(write_all(fd, data, 1024 * 1024));
  CHECK(EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1);
  h = ugc_hasher_start(fd, c, 1024 * 1024, s);
  CHECK(h != NULL);
  for (off = 1024 * 1024; h && off < SIZE; off += 100000) {
    size_t n = SIZE - off < 100000 ? SIZE - off : 100000;
    CHECK(write_all(fd, data + off, n));
    ugc_hasher_grow(h, (int64_t)(off + n));
  }
  if (h) {
    ugc_hasher_end(h);
    CHECK(wait_done(h));
    CHECK(ugc_hasher_join(h) == 0);
    EVP_DigestFinal_ex(c, got, &len);
    CHECK(len == 16 && memcmp(got, want, 16) == 0);
  }

  /* stopped mid-way: returns at once, the thread gone */
  CHECK(EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1);
  h = ugc_hasher_start(fd, c, SIZE, s);
  CHECK(h != NULL);
  if (h) ugc_hasher_stop(h);

  /* announced bytes the file does not have: an error, not a wait */
  CHECK(EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1);
  h = ugc_hasher_start(fd, c, SIZE + 10, s);
  CHECK(h != NULL);
  if (h) {
    ugc_hasher_end(h);
    CHECK(wait_done(h));
    CHECK(ugc_hasher_join(h) == EIO);
  }

  close(fd);
  unlink(path);
  EVP_MD_CTX_free(c);
  free(data);
  ugc_session_free(s);
}
