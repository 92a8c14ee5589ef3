/* Fuzz target: core/ugc_webhook (base64 both ways, sign, verify), called
 * directly as the binding does, with every part passed by pointer and length.
 *
 * The input is split on its first four newlines:
 *   secret '\n' id '\n' timestamp '\n' signature-header '\n' body
 * (missing parts are empty; the body is the rest, newlines and all). The
 * secret is base64-decoded as the Lua side does after "whsec_"; when that is
 * refused its raw bytes are the key. Every part sits in a heap block of its
 * exact size, so ASan sees any read past a length.
 *
 * Oracle, besides the sanitizers:
 *   - base64: an accepted text re-encodes to itself (padding aside);
 *     decoding stays within ugc_base64_decoded_max;
 *   - sign never fails on these sizes and gives 44 base64 characters;
 *   - verify answers exactly what a plain reference answers: 1 when some
 *     space-separated entry of the header is "v1," + the signature, else 0;
 *   - the signature just made, with or without other entries around it,
 *     verifies; one byte more on the id does not. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ugc_webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "fuzz_webhook: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                            \
      abort();                                                                   \
    }                                                                            \
  } while (0)

/* A heap copy of exactly n bytes (ASan catches a read at p[n]). */
static char *dup_exact(const uint8_t *p, size_t n) {
  char *c = malloc(n ? n : 1);
  if (!c) abort();
  if (n) memcpy(c, p, n);
  return c;
}

/* The reference: is "v1,<sig>" one of the space-separated entries? */
static int reference_verify(const char *h, size_t hn, const char *sig, size_t siglen) {
  size_t i = 0;
  while (i < hn) {
    size_t start;
    while (i < hn && h[i] == ' ') i++;
    start = i;
    while (i < hn && h[i] != ' ') i++;
    if (i - start == siglen + 3 && memcmp(h + start, "v1,", 3) == 0 &&
        memcmp(h + start + 3, sig, siglen) == 0)
      return 1;
  }
  return 0;
}

static void check_base64(const char *s, size_t n, unsigned char **key, size_t *keylen) {
  size_t max = ugc_base64_decoded_max(n), outlen = 0;
  unsigned char *out = malloc(max ? max : 1);
  if (!out) abort();
  *key = NULL;
  *keylen = 0;
  if (ugc_base64_decode(s, n, out, &outlen) == 0) {
    char *again = malloc(ugc_base64_encoded_len(outlen) + 1);
    size_t m, a, b;
    if (!again) abort();
    CHECK(outlen <= max);
    m = ugc_base64_encode(out, outlen, again);
    CHECK(m == ugc_base64_encoded_len(outlen) && again[m] == '\0');
    for (a = n; a > 0 && s[a - 1] == '='; a--) {
    }
    for (b = m; b > 0 && again[b - 1] == '='; b--) {
    }
    CHECK(a == b && memcmp(s, again, a) == 0); /* one text per byte string */
    free(again);
    *key = out;
    *keylen = outlen;
    return;
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *part[5];
  size_t len[5], i, at = 0;
  char *secret, *id, *ts, *header, *body, *longer_id, *built;
  unsigned char *key;
  size_t keylen, siglen, builtlen;
  char sig[UGC_WEBHOOK_SIG_SIZE], other[UGC_WEBHOOK_SIG_SIZE];
  int r;

  if (!data) data = (const uint8_t *)""; /* size is 0 then */
  for (i = 0; i < 4; i++) {
    const uint8_t *nl = at < size ? memchr(data + at, '\n', size - at) : NULL;
    size_t end = nl ? (size_t)(nl - data) : size;
    part[i] = data + at;
    len[i] = end - at;
    at = nl ? end + 1 : size;
  }
  part[4] = data + at;
  len[4] = size - at;
  secret = dup_exact(part[0], len[0]);
  id = dup_exact(part[1], len[1]);
  ts = dup_exact(part[2], len[2]);
  header = dup_exact(part[3], len[3]);
  body = dup_exact(part[4], len[4]);

  check_base64(secret, len[0], &key, &keylen);
  if (!key) { /* not base64: the raw bytes */
    key = (unsigned char *)dup_exact(part[0], len[0]);
    keylen = len[0];
  }

  CHECK(ugc_webhook_sign(key, keylen, id, len[1], ts, len[2], body, len[4], sig) == 0);
  siglen = strlen(sig);
  CHECK(siglen == UGC_WEBHOOK_SIG_SIZE - 1);

  r = ugc_webhook_verify(key, keylen, id, len[1], ts, len[2], body, len[4], header, len[3]);
  CHECK(r == reference_verify(header, len[3], sig, siglen));

  /* "<header> v1,<sig> <header>" always verifies */
  builtlen = len[3] * 2 + siglen + 5;
  built = malloc(builtlen);
  if (!built) abort();
  memcpy(built, header, len[3]);
  memcpy(built + len[3], " v1,", 4);
  memcpy(built + len[3] + 4, sig, siglen);
  built[len[3] + 4 + siglen] = ' ';
  memcpy(built + len[3] + 5 + siglen, header, len[3]);
  CHECK(ugc_webhook_verify(key, keylen, id, len[1], ts, len[2], body, len[4], built, builtlen) ==
        1);
  CHECK(ugc_webhook_verify(key, keylen, id, len[1], ts, len[2], body, len[4], built + len[3] + 1,
                           siglen + 3) == 1);
  free(built);

  /* the id with one byte more (a NUL: what a C string would cut) signs differently */
  longer_id = malloc(len[1] + 1);
  if (!longer_id) abort();
  if (len[1]) memcpy(longer_id, id, len[1]);
  longer_id[len[1]] = '\0';
  CHECK(ugc_webhook_sign(key, keylen, longer_id, len[1] + 1, ts, len[2], body, len[4], other) == 0);
  CHECK(strcmp(sig, other) != 0);
  free(longer_id);

  /* base64 over arbitrary bytes: the whole input as a text */
  {
    unsigned char *k2;
    size_t k2len;
    check_base64((const char *)data, size, &k2, &k2len);
    free(k2);
  }

  free(key);
  free(secret);
  free(id);
  free(ts);
  free(header);
  free(body);
  return 0;
}
