/* ugc_webhook: the signature half of webhook verification (Svix / Standard
 * Webhooks), plus the base64 it needs.
 *
 * A signature is base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")). Header
 * lookup and the timestamp window are policy and live in Lua; what must not
 * leak timing (the comparison) and what needs OpenSSL (the HMAC) live here. */
#ifndef UGC_WEBHOOK_H
#define UGC_WEBHOOK_H

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

#include <stddef.h>

/* base64 of a 32-byte digest is 44 characters; one more for the NUL. */
#define UGC_WEBHOOK_SIG_SIZE 45

/* Characters ugc_base64_encode writes for n bytes, without the NUL. */
size_t ugc_base64_encoded_len(size_t n);
/* Bytes ugc_base64_decode may write for an n-character input (an upper bound). */
size_t ugc_base64_decoded_max(size_t n);

/* Standard alphabet, padded. out holds ugc_base64_encoded_len(n) + 1 bytes;
 * it is NUL-terminated. Returns the length written. */
size_t ugc_base64_encode(const unsigned char *in, size_t n, char *out);

/* Standard alphabet; the '=' padding is optional but, when present, must be
 * right. Anything else (other characters, whitespace, a lone trailing
 * character) is refused. out holds ugc_base64_decoded_max(n) bytes. Returns 0
 * and sets *outlen, or -1. */
int ugc_base64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen);

/* Signs "<id>.<timestamp>.<body>": every part is the exact bytes given by
 * its pointer and length (a NUL inside one is signed like any other byte;
 * nothing is read as a C string). out_b64 (UGC_WEBHOOK_SIG_SIZE bytes)
 * receives the base64 signature, NUL-terminated. 0 on success, -1 if
 * OpenSSL fails or the lengths are too big. */
int ugc_webhook_sign(const unsigned char *key, size_t keylen, const char *id, size_t idlen,
                     const char *timestamp, size_t tslen, const char *body, size_t bodylen,
                     char *out_b64);

/* 1 when a and b hold the same bytes. Time depends on the lengths only,
 * never on where the contents differ. */
int ugc_webhook_equal(const char *a, size_t alen, const char *b, size_t blen);

/* Checks a signature header: space-separated "<version>,<base64>" entries,
 * of which only v1 counts; id, timestamp and body are signed as
 * ugc_webhook_sign does, exact bytes. Every v1 entry is compared (in constant time), so
 * the time taken does not tell which one matched.
 * Returns 1 on a match, 0 on none, -1 if signing failed. */
int ugc_webhook_verify(const unsigned char *key, size_t keylen, const char *id, size_t idlen,
                       const char *timestamp, size_t tslen, const char *body, size_t bodylen,
                       const char *header, size_t headerlen);

UGC_END_HIDDEN

#endif
