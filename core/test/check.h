/* The core tests' one assertion: counts, and names the failed condition. */
#ifndef UGC_TEST_CHECK_H
#define UGC_TEST_CHECK_H
#include <stddef.h>
#include <stdio.h>

extern int ugc_test_passed, ugc_test_failed; /* defined in test_core.c */

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (cond) {                                                             \
      ugc_test_passed++;                                                    \
    } else {                                                                \
      ugc_test_failed++;                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
    }                                                                       \
  } while (0)

/* test_core.c, for the other test files: a session for endpoint with the
 * sandbox's key (max_body 0: the default), and a loopback port that takes
 * connections and never answers (its listening descriptor, -1 on failure). */
struct ugc_session;
struct ugc_session *make_session(const char *endpoint, size_t max_body);
int silent_server(int *port);
/* createFile's presigned PUT URL (and the file's id when id != NULL), and
 * getFile's download URL for a file that has its bytes: 0 on success. */
int upload_url(struct ugc_session *s, char *out, size_t n, char *id);
int download_url(struct ugc_session *s, const char *id, char *out, size_t n);
/* test_xfer.c: entries of a /proc directory; self: it is /proc/self/fd,
 * which lists the descriptor that reads it (not counted). */
int count_entries(const char *dir, int self);

#endif
