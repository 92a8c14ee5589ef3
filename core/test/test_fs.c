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

/* .part files: never through a link, only regular files, new ones made
 * exclusively; uploads: only regular files, and a FIFO never blocks. */
static void test_fs_open(void) {
  int fd;
  char buf[8];
  FILE *f = fopen(at("target"), "w");
  if (f) {
    fputs("keep", f);
    fclose(f);
  }
  CHECK(symlink(at("target"), at("link.part")) == 0);
  errno = 0;
  CHECK(ugc_fs_open_part(at("link.part")) == -1 && errno == ELOOP);
  CHECK(strstr(ugc_fs_open_error(ELOOP), "symbolic link") != NULL);
  CHECK(symlink(at("nowhere"), at("dangling.part")) == 0); /* O_CREAT|O_EXCL: no new file */
  CHECK(ugc_fs_open_part(at("dangling.part")) == -1 && errno == ELOOP);
  CHECK(ugc_fs_kind_of(at("nowhere")) == UGC_FS_MISSING);
  CHECK(mkfifo(at("fifo.part"), 0600) == 0);
  CHECK(ugc_fs_open_part(at("fifo.part")) == -1 && (errno == EINVAL || errno == ENXIO));
  CHECK(ugc_fs_open_upload(at("fifo.part")) == -1 && errno == EINVAL);
  CHECK(ugc_fs_open_part(root) == -1);
  CHECK(ugc_fs_open_upload(root) == -1 && errno == EINVAL);
  /* a new .part, then the same one again, appended to */
  fd = ugc_fs_open_part(at("new.part"));
  CHECK(fd >= 0 && write(fd, "ab", 2) == 2);
  if (fd >= 0) close(fd);
  fd = ugc_fs_open_part(at("new.part"));
  CHECK(fd >= 0 && write(fd, "cd", 2) == 2);
  if (fd >= 0) close(fd);
  fd = ugc_fs_open_upload(at("new.part"));
  CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 4 && memcmp(buf, "abcd", 4) == 0);
  if (fd >= 0) close(fd);
  fd = ugc_fs_open_upload(at("link.part")); /* an upload may be a link: the caller named it */
  CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 4 && memcmp(buf, "keep", 4) == 0);
  if (fd >= 0) close(fd);
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

  test_fs_open();

  {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
  }
}
