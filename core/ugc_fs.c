/* ugc_fs: mkdir -p and a stat that names the kind; see ugc_fs.h. */
#define _POSIX_C_SOURCE 200809L
#include "ugc_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int ugc_fs_kind_of(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT) return UGC_FS_MISSING;
    return -errno;
  }
  if (S_ISDIR(st.st_mode)) return UGC_FS_DIR;
  if (S_ISREG(st.st_mode)) return UGC_FS_FILE;
  return UGC_FS_OTHER;
}

/* mkdir one component; 0 when it was made, 1 when a directory was already
 * there, or an errno. */
static int ugc_fs_mkdir1(const char *p) {
  struct stat st;
  if (mkdir(p, 0777) == 0) return 0;
  if (errno != EEXIST) return errno;
  /* something is there: only a directory (or a link to one) will do */
  if (stat(p, &st) != 0) return errno == ENOENT ? ENOTDIR : errno; /* dangling link */
  return S_ISDIR(st.st_mode) ? 1 : ENOTDIR;
}

/* Removes the directories p[0..first), ..., p[0..last) that one call made,
 * deepest first (each component boundary from last down to first). */
static void ugc_fs_undo(char *p, size_t first, size_t last) {
  size_t j = last;
  for (;;) {
    char saved = p[j];
    p[j] = '\0';
    (void)rmdir(p);
    p[j] = saved;
    if (j <= first) break;
    do j--; while (j > first && p[j] != '/');
    while (j > first && p[j - 1] == '/') j--; /* "a//b" */
  }
}

int ugc_fs_mkdirs(const char *path, size_t *created) {
  size_t n = path ? strlen(path) : 0, i, first = 0, last = 0;
  char *p;
  int rc = 0;
  if (created) *created = 0;
  if (n == 0) return EINVAL;
  switch (ugc_fs_kind_of(path)) { /* the common case: it is already there */
  case UGC_FS_DIR: return 0;
  case UGC_FS_FILE:
  case UGC_FS_OTHER: return ENOTDIR;
  default: break;
  }
  p = malloc(n + 1);
  if (!p) return ENOMEM;
  memcpy(p, path, n + 1);
  while (n > 1 && p[n - 1] == '/') p[--n] = '\0'; /* "out/" is "out" */
  /* each prefix ending before a '/', then the whole path */
  for (i = 1; i <= n && rc == 0; i++) {
    int r;
    if (i < n && p[i] != '/') continue;
    if (i < n && p[i - 1] == '/') continue; /* "a//b" */
    p[i] = '\0';
    r = ugc_fs_mkdir1(p);
    if (i < n) p[i] = '/';
    if (r == 0) {
      if (first == 0) first = i;
      last = i;
    } else if (r != 1) {
      rc = r;
    }
  }
  if (rc != 0 && first != 0) { /* all or nothing: a failure leaves no new directory */
    ugc_fs_undo(p, first, last);
    first = 0;
  }
  if (created) *created = first;
  free(p);
  return rc;
}

/* After open(O_NONBLOCK): refuse anything but a regular file, then make the
 * descriptor blocking again (file I/O ignores the flag, but stdio callers
 * should not meet it). */
static int ugc_fs_regular(int fd) {
  struct stat st;
  int flags;
  if (fd < 0) return -1;
  if (fstat(fd, &st) != 0) goto fail;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    goto fail;
  }
  if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) goto fail;
  return fd;
fail: {
  int e = errno;
  close(fd);
  errno = e;
  return -1;
}
}

int ugc_fs_open_upload(const char *path) {
  /* O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever */
  return ugc_fs_regular(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
}

int ugc_fs_open_part(const char *path) {
  int fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
              0666);
  return ugc_fs_regular(fd);
}

const char *ugc_fs_open_error(int err) {
  switch (err) {
    case ELOOP: return "it is a symbolic link (not followed)";
    case EINVAL:
    case ENXIO: return "it is not a regular file";
    case EEXIST: return "it appeared while it was being created";
    default: return strerror(err);
  }
}
