/* The core tests' one assertion: counts, and names the failed condition. */
#ifndef UGC_TEST_CHECK_H
#define UGC_TEST_CHECK_H
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

#endif
