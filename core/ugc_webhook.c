/* ugc_webhook: HMAC-SHA256 signatures for webhook deliveries, base64, and a
 * comparison that does not leak timing. See ugc_webhook.h. */
#include "ugc_webhook.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* ---- base64 ------------------------------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ugc_base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }

size_t ugc_base64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

size_t ugc_base64_encode(const unsigned char *in, size_t n, char *out) {
  size_t i, o = 0;
  for (i = 0; i + 2 < n; i += 3) {
    unsigned long v = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8) | in[i + 2];
    out[o++] = B64[(v >> 18) & 63];
    out[o++] = B64[(v >> 12) & 63];
    out[o++] = B64[(v >> 6) & 63];
    out[o++] = B64[v & 63];
  }
  if (i < n) {
    unsigned long v = (unsigned long)in[i] << 16;
    if (i + 1 < n) v |= (unsigned long)in[i + 1] << 8;
    out[o++] = B64[(v >> 18) & 63];
    out[o++] = B64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  out[o] = '\0';
  return o;
}

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int ugc_base64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen) {
  size_t i, o = 0, pad = 0;
  unsigned long acc = 0;
  int bits = 0;
  /* padding only at the end, at most two, and only to a multiple of four */
  while (pad < n && pad < 2 && in[n - 1 - pad] == '=') pad++;
  if (pad && n % 4 != 0) return -1;
  n -= pad;
  if (n % 4 == 1) return -1; /* six bits cannot make a byte */
  for (i = 0; i < n; i++) {
    int v = b64_value((unsigned char)in[i]);
    if (v < 0) return -1;
    acc = ((acc << 6) | (unsigned long)v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)((acc >> bits) & 0xff);
    }
  }
  /* the bits left over must be zero, or the text is not canonical */
  if (bits && (acc & ((1ul << bits) - 1)) != 0) return -1;
  *outlen = o;
  return 0;
}

/* ---- signatures -------------------------------------------------------- */

int ugc_webhook_sign(const unsigned char *key, size_t keylen, const char *id, size_t idlen,
                     const char *timestamp, size_t tslen, const char *body, size_t bodylen,
                     char *out_b64) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  const size_t max = (size_t)-1;
  size_t n;
  unsigned char *msg, *ok;
  out_b64[0] = '\0';
  if (keylen > 0x7fffffff || idlen > max - 2 || tslen > max - 2 - idlen ||
      bodylen > max - 2 - idlen - tslen)
    return -1;
  n = idlen + tslen + bodylen + 2;
  msg = malloc(n);
  if (!msg) return -1;
  if (idlen) memcpy(msg, id, idlen);
  msg[idlen] = '.';
  if (tslen) memcpy(msg + idlen + 1, timestamp, tslen);
  msg[idlen + 1 + tslen] = '.';
  if (bodylen) memcpy(msg + idlen + tslen + 2, body, bodylen);
  /* HMAC wants a key pointer even for an empty key */
  ok = HMAC(EVP_sha256(), keylen ? (const void *)key : (const void *)"", (int)keylen, msg, n, mac,
            &maclen);
  free(msg);
  if (!ok || maclen != 32) return -1;
  ugc_base64_encode(mac, maclen, out_b64);
  OPENSSL_cleanse(mac, sizeof mac);
  return 0;
}

int ugc_webhook_equal(const char *a, size_t alen, const char *b, size_t blen) {
  if (alen != blen) return 0; /* lengths are public: a v1 signature is 44 characters */
  return CRYPTO_memcmp(a, b, alen) == 0;
}

int ugc_webhook_verify(const unsigned char *key, size_t keylen, const char *id, size_t idlen,
                       const char *timestamp, size_t tslen, const char *body, size_t bodylen,
                       const char *header, size_t headerlen) {
  char expected[UGC_WEBHOOK_SIG_SIZE];
  size_t i = 0, explen;
  int found = 0;
  if (ugc_webhook_sign(key, keylen, id, idlen, timestamp, tslen, body, bodylen, expected) != 0)
    return -1;
  explen = strlen(expected);
  while (i < headerlen) {
    size_t start, end;
    while (i < headerlen && header[i] == ' ') i++;
    start = i;
    while (i < headerlen && header[i] != ' ') i++;
    end = i;
    if (end - start > 3 && memcmp(header + start, "v1,", 3) == 0)
      found |= ugc_webhook_equal(header + start + 3, end - start - 3, expected, explen);
  }
  return found;
}
