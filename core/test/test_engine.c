/* The engine under what hosts do to it: signals that interrupt its waits,
 * fork(), hosts that wait on the descriptor, a session made and never used,
 * descriptors running short, programs the host starts. Run under ASan and
 * TSan like the rest of core/test. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ugc_session.h"
#include "ugc_transfer.h"

static const char body[] = "{\"query\":\"{ client { id } }\"}";

/* A silent server's URL in url: the port answers nothing. */
static int mute_server(char *url, size_t n) {
  int port = 0, fd = silent_server(&port);
  if (fd >= 0) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    snprintf(url, n, "http://127.0.0.1:%d/graphql", port);
  }
  return fd;
}

static int readable(int fd) {
  struct pollfd p;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* ==== signals ========================================================== */

static volatile sig_atomic_t ticks;
static void on_tick(int sig) {
  (void)sig;
  ticks++;
}

/* An interval timer firing every millisecond, as a profiler's does; its
 * handler without SA_RESTART, so each one interrupts whatever waits. */
static void ticking(int on) {
  struct itimerval it;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on ? on_tick : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  if (on) sigaction(SIGALRM, &sa, NULL);
  memset(&it, 0, sizeof it);
  it.it_interval.tv_usec = on ? 1000 : 0;
  it.it_value.tv_usec = on ? 1000 : 0;
  setitimer(ITIMER_REAL, &it, NULL);
  if (!on) sigaction(SIGALRM, &sa, NULL);
}

/* Timed waits end on time while signals keep interrupting them: a wait for
 * a request that is not answered, a step with it in flight, a step with
 * nothing in flight (a host's sleep). Each asks for 200 ms; before, each
 * restarted its full timeout after every signal and never returned while
 * the timer ran (the request's own 4 s timeout ended the first two). */
static void test_signals(void) {
  char url[64];
  int srv = mute_server(url, sizeof url), rc;
  ugc_session *s = srv >= 0 ? make_session(url, 0) : NULL;
  ugc_req *q;
  double t0, waited[3];
  if (!s) return;
  q = ugc_post_new(s, body, sizeof body - 1, 0);
  ugc_req_set_timeout(q, 4000);
  CHECK(ugc_req_submit(q) == 0);
  ticking(1);
  t0 = ugc_now_ms();
  rc = ugc_req_wait(q, 200);
  waited[0] = ugc_now_ms() - t0;
  t0 = ugc_now_ms();
  ugc_session_step(s, 200);
  waited[1] = ugc_now_ms() - t0;
  ugc_req_cancel(q);
  ugc_req_free(q);
  t0 = ugc_now_ms();
  ugc_session_step(s, 200);
  waited[2] = ugc_now_ms() - t0;
  ticking(0);
  CHECK(ticks > 50); /* the signals did come */
  CHECK(rc == -1);
  CHECK(waited[0] >= 190 && waited[0] < 2000);
  CHECK(waited[1] >= 190 && waited[1] < 2000);
  CHECK(waited[2] >= 190 && waited[2] < 2000);
  ugc_session_free(s);
  close(srv);
}

/* ==== the descriptor =================================================== */

/* Work for step that a blocking call came across stays announced: a host
 * that waits on the descriptor (luv) is woken for it. Before, a blocking
 * wait (or a cancel) collected a task's finished request and drained the
 * descriptor, and such a host never stepped again. */
static void test_wakeups(const char *url) {
  char mute[64];
  int srv = mute_server(mute, sizeof mute), fd;
  ugc_session *s = make_session(url, 0);
  ugc_req *task, *blocking;
  ugc_result r;
  if (!s || srv < 0) return;
  fd = ugc_session_fd(s);
  CHECK(fd >= 0 && !readable(fd) && ugc_session_timeout_ms(s) == -1);

  /* a task's post finishes, then a blocking wait collects it on the way */
  task = ugc_post_new(s, body, sizeof body - 1, 0);
  CHECK(ugc_req_submit(task) == 0);
  while (!readable(fd)) usleep(1000);
  blocking = ugc_post_new(s, body, sizeof body - 1, 0);
  CHECK(ugc_req_submit(blocking) == 0);
  CHECK(ugc_req_wait(blocking, 10000) == 0);
  CHECK(ugc_req_done(task));
  CHECK(readable(fd) && ugc_session_timeout_ms(s) == 0);
  ugc_session_step(s, 0); /* the host's step takes it */
  CHECK(!readable(fd) && ugc_session_timeout_ms(s) == -1);
  ugc_req_free(task);
  ugc_req_free(blocking);

  /* the same through a cancel, which waits for the worker too: a download
   * that is never answered, at the worker, then a task's post finishes */
  {
    char part[] = "/tmp/moveugc-engine-XXXXXX";
    int pfd = mkstemp(part);
    ugc_req *stuck = ugc_download_new(s, mute, part);
    CHECK(pfd >= 0 && ugc_req_submit(stuck) == 0);
    CHECK(ugc_req_wait(stuck, 100) == -1); /* the worker has it; nothing else yet */
    task = ugc_post_new(s, body, sizeof body - 1, 0);
    CHECK(ugc_req_submit(task) == 0);
    while (!readable(fd)) usleep(1000);
    ugc_req_cancel(stuck);
    CHECK(ugc_req_done(stuck) && ugc_req_done(task));
    CHECK(readable(fd) && ugc_session_timeout_ms(s) == 0);
    ugc_session_step(s, 0);
    CHECK(!readable(fd));
    ugc_req_free(stuck);
    ugc_req_free(task);
    if (pfd >= 0) close(pfd);
    unlink(part);
  }

  /* a blocking post that collects nothing leaves the descriptor quiet */
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK);
  CHECK(!readable(fd) && ugc_session_timeout_ms(s) == -1);

  /* the caller's own news (a task spawned) */
  ugc_session_notify(s);
  CHECK(readable(fd) && ugc_session_timeout_ms(s) == 0);
  ugc_session_step(s, 1000); /* returns at once: there is work */
  CHECK(!readable(fd) && ugc_session_timeout_ms(s) == -1);
  ugc_session_free(s);
  close(srv);
}

/* ==== first use, and fork ============================================== */

/* Made, not used: no thread, no descriptor. Blocking posts alone never
 * start the worker; the first request handed to it does. */
static void test_lazy_start(const char *url) {
  int threads = count_entries("/proc/self/task", 0), fds = count_entries("/proc/self/fd", 1);
  ugc_session *s = make_session(url, 0);
  ugc_result r;
  ugc_req *q;
  if (!s) return;
  CHECK(count_entries("/proc/self/task", 0) == threads);
  CHECK(count_entries("/proc/self/fd", 1) == fds);
  CHECK(ugc_session_timeout_ms(s) == -1 && ugc_session_step(s, 0) == 0);
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK && r.status == 200);
  CHECK(count_entries("/proc/self/task", 0) == threads);
  q = ugc_post_new(s, body, sizeof body - 1, 0);
  CHECK(ugc_req_submit(q) == 0);
  CHECK(count_entries("/proc/self/task", 0) == threads + 1);
  CHECK(ugc_req_wait(q, 10000) == 0 && ugc_req_result(q)->status == 200);
  ugc_req_free(q);
  ugc_session_free(s);
  CHECK(count_entries("/proc/self/task", 0) == threads);
}

/* In the child, with an alarm so that a hang fails the test instead of
 * stopping it: 0 when fn's checks passed. */
static int in_child(int (*fn)(void *), void *arg) {
  int status = -1;
  pid_t pid;
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    alarm(20);
    _exit(fn(arg));
  }
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int child_uses_fresh(void *arg) {
  ugc_session *s = arg;
  ugc_result r;
  ugc_req *q = ugc_post_new(s, body, sizeof body - 1, 0);
  if (ugc_session_forked(s)) return 2;
  if (ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) != UGC_OK || r.status != 200) return 3;
  if (ugc_req_submit(q) != 0 || ugc_req_wait(q, 10000) != 0) return 4;
  if (ugc_req_result(q)->status != 200) return 5;
  ugc_req_free(q);
  ugc_session_free(s);
  return 0;
}

struct forked_use {
  ugc_session *s;
  ugc_req *running, *finished;
};

/* A child of a session in use: every entry point returns at once, touching
 * neither the parent's lock nor its descriptor. */
static int child_of_used(void *arg) {
  struct forked_use *u = arg;
  ugc_result r;
  ugc_req *q;
  if (!ugc_session_forked(u->s)) return 2;
  ugc_req_cancel(u->running); /* before: waited for a worker that is not here */
  ugc_req_free(u->running);   /* before: could hang on the lock the worker held */
  ugc_req_free(u->finished);
  if (ugc_session_step(u->s, 100) < 0 || ugc_session_timeout_ms(u->s) != -1) return 3;
  if (ugc_session_fd(u->s) != -1) return 4; /* before: the parent's own */
  q = ugc_post_new(u->s, body, sizeof body - 1, 0);
  if (ugc_req_submit(q) != -1) return 5;
  if (ugc_req_wait(q, 100) != -1) return 6;
  ugc_req_free(q);
  if (ugc_session_post(u->s, body, sizeof body - 1, 0, 0, &r) != UGC_E_INTERNAL) return 7;
  if (!strstr(r.message, "fork")) return 8;
  ugc_session_cancel_all(u->s);
  ugc_session_free(u->s); /* abandoned */
  return 0;
}

static void test_fork(const char *url) {
  char mute[64];
  int srv = mute_server(mute, sizeof mute), i, fd;
  ugc_session *s = make_session(url, 0), *m;
  struct forked_use u;
  ugc_result r;
  if (!s || srv < 0) return;
  /* made before the fork, first used after it: the child's, and still the
   * parent's too */
  CHECK(in_child(child_uses_fresh, s) == 0);
  CHECK(!ugc_session_forked(s));
  CHECK(ugc_session_post(s, body, sizeof body - 1, 0, 0, &r) == UGC_OK && r.status == 200);
  ugc_session_free(s);

  /* in use when the child is made: many times, to catch the worker in the
   * middle of its loop (holding its lock) */
  m = make_session(mute, 0);
  s = make_session(url, 0);
  if (!m || !s) return;
  fd = ugc_session_fd(s);
  u.s = s;
  u.finished = ugc_post_new(s, body, sizeof body - 1, 0);
  CHECK(ugc_req_submit(u.finished) == 0);
  while (!readable(fd)) usleep(1000);
  for (i = 0; i < 40; i++) {
    int rc;
    u.running = ugc_post_new(s, body, sizeof body - 1, 0);
    ugc_req_submit(u.running);
    rc = in_child(child_of_used, &u);
    if (rc != 0) fprintf(stderr, "fork round %d: child ended %d\n", i, rc);
    CHECK(rc == 0);
    if (rc != 0) break;
    CHECK(readable(fd)); /* the child did not read the parent's wake-up */
    ugc_req_wait(u.running, 10000);
    ugc_req_free(u.running);
  }
  CHECK(ugc_req_wait(u.finished, 10000) == 0 && ugc_req_result(u.finished)->status == 200);
  ugc_req_free(u.finished);
  ugc_session_free(s);
  ugc_session_free(m);
  close(srv);
}

/* ==== descriptors ====================================================== */

/* Everything the session opens is close-on-exec: a program the host starts
 * does not inherit its connections or its wake-up descriptors. */
static void test_cloexec(const char *url) {
  char seen[1024] = {0};
  int fd, bad = 0, fresh = 0;
  ugc_session *s;
  ugc_req *q;
  for (fd = 0; fd < 1024; fd++) seen[fd] = fcntl(fd, F_GETFD) >= 0;
  s = make_session(url, 0);
  if (!s) return;
  CHECK(ugc_session_fd(s) >= 0);
  q = ugc_post_new(s, body, sizeof body - 1, 0); /* the worker, libcurl's pair, a connection */
  CHECK(ugc_req_submit(q) == 0 && ugc_req_wait(q, 10000) == 0);
  for (fd = 0; fd < 1024; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (seen[fd] || flags < 0) continue;
    fresh++;
    if (!(flags & FD_CLOEXEC)) {
      fprintf(stderr, "descriptor %d is inherited by exec\n", fd);
      bad++;
    }
  }
  CHECK(fresh >= 3); /* the wake descriptor, libcurl's pair, the connection */
  CHECK(bad == 0);
  ugc_req_free(q);
  ugc_session_free(s);
}

/* With so few descriptors left that libcurl cannot make its wake-up pair,
 * the worker still answers a cancel at once (before: only when its next
 * timer came, up to its 1 s idle tick). In a child: its descriptor limit is
 * its own. */
static int child_short_of_fds(void *arg) {
  const char *mute = arg;
  ugc_session *s = make_session(mute, 0);
  struct rlimit rl;
  int fd, last = -1, i;
  double t0, spent;
  if (!s || ugc_session_fd(s) < 0) return 2;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = 256;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 3;
  while ((fd = open("/dev/null", O_RDONLY)) >= 0) last = fd; /* every one taken */
  if (last < 0) return 4;
  close(last); /* one left: for the connection, none for libcurl's pair */
  for (i = 0, spent = 0; i < 5; i++) {
    ugc_req *q = ugc_post_new(s, body, sizeof body - 1, 0);
    if (ugc_req_submit(q) != 0) return 5;
    ugc_req_wait(q, 20);
    t0 = ugc_now_ms();
    ugc_req_cancel(q);
    spent += ugc_now_ms() - t0;
    if (!ugc_req_done(q) || ugc_req_result(q)->error != UGC_E_CANCELLED) return 6;
    ugc_req_free(q);
  }
  ugc_session_free(s);
  if (spent > 500) { /* each waited for a libcurl timer, 200 ms or more */
    fprintf(stderr, "5 cancels took %.0f ms\n", spent);
    return 7;
  }
  return 0;
}

static void test_short_of_fds(void) {
  char mute[64];
  int srv = mute_server(mute, sizeof mute);
  CHECK(srv >= 0);
  if (srv < 0) return;
  CHECK(in_child(child_short_of_fds, mute) == 0);
  close(srv);
}

void test_engine(const char *url); /* called by test_core.c */
void test_engine(const char *url) {
  test_signals();
  test_short_of_fds();
  if (!url || !*url) return;
  test_lazy_start(url);
  test_wakeups(url);
  test_fork(url);
  test_cloexec(url);
}
