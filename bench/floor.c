/* bench/floor.c: the floor for one API call. The same POST the SDK sends
 * (same body, same headers), on one kept-alive libcurl easy handle, with the
 * response body counted and thrown away: no encoding, no decoding.
 *
 * Usage: floor URL REQUEST_BODY_FILE N
 * Sends one warm-up request (the connection), then N more; prints
 *   calls: N
 *   cpu_s: <user+sys seconds for the N calls>
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static size_t discard(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  *(size_t *)ud += size * n;
  return size * n;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
  static char body[1 << 16];
  struct curl_slist *h = NULL;
  size_t got = 0, len;
  long i, n, status = 0;
  double t0;
  FILE *f;
  CURL *c;
  if (argc != 4 || !(f = fopen(argv[2], "rb"))) {
    fprintf(stderr, "usage: floor URL REQUEST_BODY_FILE N\n");
    return 2;
  }
  len = fread(body, 1, sizeof body, f);
  fclose(f);
  n = atol(argv[3]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  c = curl_easy_init();
  h = curl_slist_append(h, "Content-Type: application/json");
  h = curl_slist_append(h, "Accept: application/json");
  h = curl_slist_append(h, "Expect:");
  h = curl_slist_append(h, "Authorization: sandbox-key-0123456789");
  curl_easy_setopt(c, CURLOPT_URL, argv[1]);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "floor/1");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
  t0 = 0;
  for (i = -1; i < n; i++) { /* i == -1: the warm-up */
    if (i == 0) t0 = cpu_seconds();
    if (curl_easy_perform(c) != CURLE_OK) return 1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || got == 0) return 1;
  }
  printf("calls: %ld\ncpu_s: %.6f\n", n, cpu_seconds() - t0);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  curl_global_cleanup();
  return 0;
}
