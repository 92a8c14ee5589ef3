/* core/ugc_fs: mkdir -p and the kind of a path, on a private temp folder. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ugc_fs.h"

void test_fs(void);


static char root[64];

static const char *at(const char *rel) {
  static char buf[4][256];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s", root, rel);
  return b;
}

static void touch(const char *p) {
  FILE *f = fopen(p, "w");
  if (f) fclose(f);
}

void test_fs(void) {
  size_t created = 99;
  char deep[512];
  strcpy(root, "/tmp/ugc-fs-XXXXXX");
  if (!mkdtemp(root)) {
    CHECK(!"mkdtemp");
    return;
  }
  CHECK(ugc_fs_kind_of(root) == UGC_FS_DIR);
  CHECK(ugc_fs_kind_of(at("none")) == UGC_FS_MISSING);
  touch(at("file"));
  CHECK(ugc_fs_kind_of(at("file")) == UGC_FS_FILE);
  CHECK(ugc_fs_kind_of("/dev/null") == UGC_FS_OTHER);
  CHECK(ugc_fs_kind_of(at("file/x")) == -ENOTDIR);

  /* an existing directory: nothing to do, nothing created */
  CHECK(ugc_fs_mkdirs(root, &created) == 0 && created == 0);
  /* one level, then three with a trailing slash and a doubled separator */
  CHECK(ugc_fs_mkdirs(at("one"), &created) == 0 && created == strlen(at("one")));
  CHECK(ugc_fs_kind_of(at("one")) == UGC_FS_DIR);
  CHECK(ugc_fs_mkdirs(at("a//b/c/"), &created) == 0 && created == strlen(at("a")));
  CHECK(ugc_fs_kind_of(at("a/b/c")) == UGC_FS_DIR);
  /* again: all there */
  CHECK(ugc_fs_mkdirs(at("a/b/c"), &created) == 0 && created == 0);
  /* only the missing tail is created */
  CHECK(ugc_fs_mkdirs(at("a/b/d/e"), &created) == 0 && created == strlen(at("a/b/d")));

  /* a file in the way, at the end or in the middle: ENOTDIR, nothing created */
  CHECK(ugc_fs_mkdirs(at("file"), &created) == ENOTDIR && created == 0);
    CHECK(ugc_fs_mkdirs(at("file/x"), &created) == ENOTDIR && created == 0);
  /* a link to a directory will do; a dangling link will not */
  CHECK(symlink(at("a"), at("link")) == 0);
  CHECK(ugc_fs_mkdirs(at("link/b/z"), &created) == 0 && ugc_fs_kind_of(at("a/b/z")) == UGC_FS_DIR);
  CHECK(symlink(at("gone"), at("dangling")) == 0);
  CHECK(ugc_fs_mkdirs(at("dangling"), &created) == ENOTDIR);
  CHECK(ugc_fs_mkdirs(at("dangling/x"), &created) != 0);
  CHECK(ugc_fs_kind_of(at("gone")) == UGC_FS_MISSING);

  /* a failure after creating parents takes them back: a name too long at the end */
  memset(deep, 'x', sizeof deep);
  snprintf(deep, sizeof deep, "%s/p/q/", root);
  memset(deep + strlen(deep), 'y', 300);
  deep[strlen(root) + 5 + 300] = '\0';
  CHECK(ugc_fs_mkdirs(deep, &created) == ENAMETOOLONG && created == 0);
  CHECK(ugc_fs_kind_of(at("p")) == UGC_FS_MISSING);

  CHECK(ugc_fs_mkdirs("", &created) == EINVAL);
  CHECK(ugc_fs_mkdirs(NULL, NULL) == EINVAL);

  {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
  }
}
