/* Tests for core/ugc_webhook: base64 both ways, the published Svix test
 * vector, and the signature header rules. Counters are test_core.c's. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ugc_webhook.h"

void test_webhook(void);


/* The vector published by Svix (and quoted in API-NOTES.md). */
static const char VEC_SECRET[] = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"; /* after whsec_ */
static const char VEC_ID[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char VEC_TS[] = "1614265330";
static const char VEC_BODY[] = "{\"test\": 2432232314}";
static const char VEC_SIG[] = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

static int decodes_to(const char *in, const char *want, size_t wantlen) {
  unsigned char out[64];
  size_t n = 0;
  if (ugc_base64_decoded_max(strlen(in)) > sizeof out) return 0;
  if (ugc_base64_decode(in, strlen(in), out, &n) != 0) return 0;
  return n == wantlen && memcmp(out, want, n) == 0;
}

static int refused(const char *in) {
  unsigned char out[64];
  size_t n = 0;
  return ugc_base64_decode(in, strlen(in), out, &n) == -1;
}

static void test_base64(void) {
  /* RFC 4648 section 10 */
  static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  static const char plain[] = "foobar";
  char out[16];
  size_t i;
  int ok = 1;
  for (i = 0; i < 7; i++) {
    ok &= ugc_base64_encode((const unsigned char *)plain, i, out) == strlen(enc[i]);
    ok &= strcmp(out, enc[i]) == 0;
    ok &= ugc_base64_encoded_len(i) == strlen(enc[i]);
    ok &= decodes_to(enc[i], plain, i);
  }
  CHECK(ok);
  CHECK(decodes_to("Zg", "f", 1)); /* padding may be left off */
  CHECK(decodes_to("Zm8", "fo", 2));
  CHECK(decodes_to("+/+/", "\xfb\xff\xbf", 3));
  CHECK(refused("Zg="));    /* padding that does not reach a multiple of four */
  CHECK(refused("Z"));      /* a lone character is six bits */
  CHECK(refused("Zm9v\n")); /* whitespace */
  CHECK(refused("Zm-v"));   /* the URL-safe alphabet is not base64 */
  CHECK(refused("Z==="));
  CHECK(refused("Zh=="));   /* non-zero leftover bits */
  CHECK(refused("Zm=v"));   /* padding in the middle */
}

static void test_vector(void) {
  unsigned char key[64];
  size_t keylen = 0;
  char sig[UGC_WEBHOOK_SIG_SIZE];
  CHECK(ugc_base64_decode(VEC_SECRET, strlen(VEC_SECRET), key, &keylen) == 0 && keylen == 24);
  CHECK(ugc_webhook_sign(key, keylen, VEC_ID, strlen(VEC_ID), VEC_TS, strlen(VEC_TS), VEC_BODY,
                         strlen(VEC_BODY), sig) == 0);
  CHECK(strcmp(sig, VEC_SIG) == 0);
  CHECK(strlen(sig) == UGC_WEBHOOK_SIG_SIZE - 1);
  /* one byte of the body changed: another signature */
  CHECK(ugc_webhook_sign(key, keylen, VEC_ID, strlen(VEC_ID), VEC_TS, strlen(VEC_TS),
                         "{\"test\": 2432232315}", strlen(VEC_BODY), sig) == 0);
  CHECK(strcmp(sig, VEC_SIG) != 0);
  /* an empty body still signs "<id>.<timestamp>." */
  CHECK(ugc_webhook_sign(key, keylen, VEC_ID, strlen(VEC_ID), VEC_TS, strlen(VEC_TS), "", 0,
                         sig) == 0 &&
        strlen(sig) == 44);
}

static int verify(const char *header, const char *body) {
  unsigned char key[64];
  size_t keylen = 0;
  if (ugc_base64_decode(VEC_SECRET, strlen(VEC_SECRET), key, &keylen) != 0) return -2;
  return ugc_webhook_verify(key, keylen, VEC_ID, strlen(VEC_ID), VEC_TS, strlen(VEC_TS), body,
                            strlen(body), header, strlen(header));
}

static void test_verify(void) {
  char many[256];
  CHECK(ugc_webhook_equal("abc", 3, "abc", 3));
  CHECK(!ugc_webhook_equal("abc", 3, "abd", 3));
  CHECK(!ugc_webhook_equal("abc", 3, "abcd", 4));
  CHECK(ugc_webhook_equal("", 0, "", 0));

  CHECK(verify("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", VEC_BODY) == 1);
  snprintf(many, sizeof many, "v1,bm90IGl0 v2,%s  v1,%s v1a,x", VEC_SIG, VEC_SIG);
  CHECK(verify(many, VEC_BODY) == 1);                 /* one valid among several */
  snprintf(many, sizeof many, "v2,%s v1a,%s", VEC_SIG, VEC_SIG);
  CHECK(verify(many, VEC_BODY) == 0);                 /* other versions never count */
  snprintf(many, sizeof many, "v1,%s", VEC_SIG);
  CHECK(verify(many, "{\"test\": 2432232315}") == 0); /* tampered body */
  CHECK(verify("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", VEC_BODY) == 0); /* cut */
  CHECK(verify("v1,", VEC_BODY) == 0);
  CHECK(verify("", VEC_BODY) == 0);
  CHECK(verify("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", VEC_BODY) == 0); /* no version */
}

/* Ids, timestamps and bodies are signed as the exact bytes given: a NUL is
 * one more byte, never the end of the string. */
static void test_exact_bytes(void) {
  static const char cut_id[] = "msg_1\0anything"; /* 14 bytes */
  unsigned char key[64];
  size_t keylen = 0, idlen = sizeof cut_id - 1;
  char base[UGC_WEBHOOK_SIG_SIZE], sig[UGC_WEBHOOK_SIG_SIZE], header[64];
  CHECK(ugc_base64_decode(VEC_SECRET, strlen(VEC_SECRET), key, &keylen) == 0);
  CHECK(ugc_webhook_sign(key, keylen, "msg_1", 5, VEC_TS, strlen(VEC_TS), VEC_BODY,
                         strlen(VEC_BODY), base) == 0);
  CHECK(ugc_webhook_sign(key, keylen, cut_id, idlen, VEC_TS, strlen(VEC_TS), VEC_BODY,
                         strlen(VEC_BODY), sig) == 0);
  CHECK(strcmp(base, sig) != 0);
  snprintf(header, sizeof header, "v1,%s", base);
  CHECK(ugc_webhook_verify(key, keylen, cut_id, idlen, VEC_TS, strlen(VEC_TS), VEC_BODY,
                           strlen(VEC_BODY), header, strlen(header)) == 0);
  CHECK(ugc_webhook_verify(key, keylen, "msg_1", 5, VEC_TS, strlen(VEC_TS), VEC_BODY,
                           strlen(VEC_BODY), header, strlen(header)) == 1);
  snprintf(header, sizeof header, "v1,%s", sig);
  CHECK(ugc_webhook_verify(key, keylen, cut_id, idlen, VEC_TS, strlen(VEC_TS), VEC_BODY,
                           strlen(VEC_BODY), header, strlen(header)) == 1);
  /* a NUL after the timestamp, or in the body, changes the signature too */
  CHECK(ugc_webhook_sign(key, keylen, "msg_1", 5, "1614265330\0" "9", 12, VEC_BODY,
                         strlen(VEC_BODY), sig) == 0);
  CHECK(strcmp(base, sig) != 0);
  CHECK(ugc_webhook_sign(key, keylen, "msg_1", 5, VEC_TS, strlen(VEC_TS),
                         "{\"test\": 2432232314}\0", strlen(VEC_BODY) + 1, sig) == 0);
  CHECK(strcmp(base, sig) != 0);
  /* the lengths say where a part ends, not a NUL: the same bytes in a longer buffer */
  CHECK(ugc_webhook_sign(key, keylen, "msg_1xyz", 5, "1614265330abc", 10, VEC_BODY,
                         strlen(VEC_BODY), sig) == 0);
  CHECK(strcmp(base, sig) == 0);
  /* empty parts and an empty key are fine, and NULL with a zero length too */
  CHECK(ugc_webhook_sign(NULL, 0, NULL, 0, NULL, 0, NULL, 0, sig) == 0 && strlen(sig) == 44);
  CHECK(ugc_webhook_sign(key, keylen, "", 0, "", 0, "", 0, sig) == 0 && strlen(sig) == 44);
  /* lengths whose sum overflows are refused, not wrapped */
  CHECK(ugc_webhook_sign(key, keylen, "a", (size_t)-1, "b", 1, "c", 1, sig) == -1);
  CHECK(ugc_webhook_sign(key, keylen, "a", 1, "b", (size_t)-1 - 2, "c", 1, sig) == -1);
  CHECK(ugc_webhook_sign(key, keylen, "a", 1, "b", 1, "c", (size_t)-1 - 3, sig) == -1);
}

void test_webhook(void) {
  test_base64();
  test_vector();
  test_verify();
  test_exact_bytes();
}
