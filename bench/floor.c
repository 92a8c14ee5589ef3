/* bench/floor.c: the floor for one API call. The same POST the SDK sends
 * (same body, same headers), on one kept-alive libcurl easy handle, with the
 * response body counted and thrown away: no encoding, no decoding.
 *
 * Usage: floor URL REQUEST_BODY_FILE N [USER_AGENT [ACCEPT_ENCODING]]
 * USER_AGENT and ACCEPT_ENCODING are the SDK's (none: no Accept-Encoding,
 * "gzip": ask for a compressed answer, which libcurl inflates), so that the
 * wire is the SDK's byte for byte and only the client's own work differs.
 * Sends one warm-up request (the connection), then N more; prints
 *   calls: N
 *   cpu_s: <user+sys seconds for the N calls>
 *   wall_s: <seconds on the clock>
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static size_t discard(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  *(size_t *)ud += size * n;
  return size * n;
}

static double wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
  double t0, w0;
  FILE *f;
  CURL *c;
  if (argc < 4 || argc > 6 || !(f = fopen(argv[2], "rb"))) {
    fprintf(stderr, "usage: floor URL REQUEST_BODY_FILE N [USER_AGENT [ACCEPT_ENCODING]]\n");
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
  curl_easy_setopt(c, CURLOPT_USERAGENT, argc > 4 ? argv[4] : "floor/1");
  if (argc > 5 && strcmp(argv[5], "none") != 0) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, argv[5]);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
  t0 = w0 = 0;
  for (i = -1; i < n; i++) { /* i == -1: the warm-up */
    if (i == 0) {
      t0 = cpu_seconds();
      w0 = wall_seconds();
    }
    if (curl_easy_perform(c) != CURLE_OK) return 1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || got == 0) return 1;
  }
  printf("calls: %ld\ncpu_s: %.6f\nwall_s: %.6f\n", n, cpu_seconds() - t0, wall_seconds() - w0);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  curl_global_cleanup();
  return 0;
}
