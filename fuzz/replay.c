/* A main() for the fuzz targets without libFuzzer: replays saved inputs
 * through LLVMFuzzerTestOneInput, so the corpora and the regression inputs
 * run as a test under gcc's ASan + UBSan on a machine with no clang.
 *
 *   build/fuzz-replay/<name> [-v] FILE_OR_DIR...
 *
 * Every file named, and every regular file in a directory named (not
 * recursively, dot files skipped), is one input, run in a child process of
 * its own: a crash or a sanitizer report fails that input only and the
 * others still run. Ends with the line "N passed, N failed"; exits 1 if any
 * input failed (or none was found). REPLAY_TIMEOUT (seconds, default 60)
 * bounds each input. FUZZ_REPLAY=1 is set in the environment: a target may
 * check more slowly here than under libFuzzer. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* optional in a target, as with libFuzzer */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned passed, failed, timeout_s = 60;
static int verbose;

/* Reads the whole file; NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  uint8_t *data = NULL;
  size_t cap = 0, n = 0;
  if (!f) return NULL;
  for (;;) {
    size_t got;
    if (n == cap) {
      uint8_t *more;
      cap = cap ? cap * 2 : 4096;
      more = realloc(data, cap);
      if (!more) {
        free(data);
        fclose(f);
        errno = ENOMEM;
        return NULL;
      }
      data = more;
    }
    got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    free(data);
    fclose(f);
    errno = EIO;
    return NULL;
  }
  fclose(f);
  *size = n;
  return data;
}

static void run_one(const char *path) {
  size_t size = 0;
  uint8_t *data = read_file(path, &size);
  pid_t pid;
  int status = 0;
  if (!data) {
    fprintf(stderr, "FAIL %s: cannot read: %s\n", path, strerror(errno));
    failed++;
    return;
  }
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    fprintf(stderr, "FAIL %s: fork: %s\n", path, strerror(errno));
    free(data);
    failed++;
    return;
  }
  if (pid == 0) {
    /* the target gets a buffer of exactly the input's size, as under libFuzzer */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) _exit(3);
    if (size) memcpy(copy, data, size);
    free(data);
    alarm(timeout_s);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    exit(0); /* exit, not _exit: LeakSanitizer runs at exit */
  }
  free(data);
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "FAIL %s: waitpid: %s\n", path, strerror(errno));
      failed++;
      return;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    passed++;
    if (verbose) printf("ok   %s\n", path);
  } else {
    failed++;
    if (WIFSIGNALED(status))
      printf("FAIL %s (signal %d%s)\n", path, WTERMSIG(status),
             WTERMSIG(status) == SIGALRM ? ": timed out" : "");
    else
      printf("FAIL %s (exit status %d)\n", path, WEXITSTATUS(status));
  }
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a directory, in name order (runs are repeatable). */
static void run_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  if (!d) {
    fprintf(stderr, "FAIL %s: cannot open: %s\n", dir, strerror(errno));
    failed++;
    return;
  }
  while ((e = readdir(d)) != NULL) {
    size_t len;
    char *path;
    struct stat st;
    if (e->d_name[0] == '.') continue;
    len = strlen(dir) + strlen(e->d_name) + 2;
    path = malloc(len);
    if (!path) break;
    snprintf(path, len, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(path);
      continue;
    }
    if (n == cap) {
      char **more;
      cap = cap ? cap * 2 : 64;
      more = realloc(names, cap * sizeof *names);
      if (!more) {
        free(path);
        break;
      }
      names = more;
    }
    names[n++] = path;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (i = 0; i < n; i++) {
    run_one(names[i]);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  int i;
  const char *t = getenv("REPLAY_TIMEOUT");
  if (t && atoi(t) > 0) timeout_s = (unsigned)atoi(t);
  setenv("FUZZ_REPLAY", "1", 1);
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (i = 1; i < argc; i++) {
    struct stat st;
    if (strcmp(argv[i], "-v") == 0) {
      verbose = 1;
      continue;
    }
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "FAIL %s: %s\n", argv[i], strerror(errno));
      failed++;
    } else if (S_ISDIR(st.st_mode)) {
      run_dir(argv[i]);
    } else {
      run_one(argv[i]);
    }
  }
  printf("%u passed, %u failed\n", passed, failed);
  return failed || !passed ? 1 : 0;
}
