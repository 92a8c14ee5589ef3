/* ugc_fs: the few file-system operations the SDK needs beyond stdio, done
 * with system calls (never a shell: inside a task a subprocess would stall the
 * host's frame loop). */
#ifndef UGC_FS_H
#define UGC_FS_H

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

#include <stddef.h>

typedef enum {
  UGC_FS_MISSING = 0, /* nothing at the path (or a dangling link) */
  UGC_FS_DIR = 1,
  UGC_FS_FILE = 2, /* a regular file */
  UGC_FS_OTHER = 3 /* a device, socket, FIFO... */
} ugc_fs_kind;

/* What is at path, following links. Returns the kind, or -errno when it
 * cannot be told (EACCES on a parent, ENOTDIR on a parent, ENAMETOOLONG...). */
int ugc_fs_kind_of(const char *path);

/* mkdir -p: creates path and any missing parent (mode 0777, less the umask).
 * An existing directory, or a link to one, is success. Returns 0, or an errno:
 * ENOTDIR when path or a parent exists and is not a directory, EINVAL for an
 * empty path, ENAMETOOLONG, or what mkdir(2) gave. *created (may be NULL) is
 * set to the length of the prefix of path naming the first directory this
 * call created, or 0 when it created none: removing path, then each parent,
 * up to that prefix, undoes the call. */
int ugc_fs_mkdirs(const char *path, size_t *created);

/* Opens a file to upload: read-only, and only a regular file (a link to one
 * is followed: the caller named it). A FIFO or device is refused without
 * blocking. Returns a descriptor, or -1 with errno (EINVAL: not a regular
 * file). */
int ugc_fs_open_upload(const char *path);

/* Opens a download's `.part` file to append to, never through a symbolic
 * link: an existing regular file is opened (O_NOFOLLOW), a missing one is
 * created (O_CREAT | O_EXCL, so nobody else's file is taken over). Returns a
 * descriptor, or -1 with errno (ELOOP: a link; EINVAL: not a regular file;
 * EEXIST: something appeared at the path while opening). */
int ugc_fs_open_part(const char *path);

/* A message for an open failure above: the errno's text, or a clearer one. */
const char *ugc_fs_open_error(int err);

UGC_END_HIDDEN
#endif
