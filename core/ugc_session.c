#define _GNU_SOURCE
/* A session, the host's side: making and freeing one, the wake descriptor,
 * submitting requests and collecting them. The worker's loop is in
 * ugc_worker.c; ugc_session.h says who owns what, ugc_req.h the kinds. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "ugc_engine.h"

/* ==== small helpers ==================================================== */

double ugc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

double ugc_session_random(ugc_session *s) { /* xorshift64*: jitter, not crypto */
  s->rng ^= s->rng >> 12;
  s->rng ^= s->rng << 25;
  s->rng ^= s->rng >> 27;
  return (double)((s->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static char *ugc_strdup(const char *p) {
  size_t n;
  char *d;
  if (!p) return NULL;
  n = strlen(p) + 1;
  d = malloc(n);
  if (d) memcpy(d, p, n);
  return d;
}

const char *ugc_curl_version(void) {
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  return v && v->version ? v->version : "unknown";
}

const ugc_config *ugc_session_config(const ugc_session *s) { return &s->cfg; }
struct curl_slist *ugc_session_headers(const ugc_session *s) { return s->headers; }
int ugc_session_live(const ugc_session *s) { return s->live_count; }
int ugc_session_forked(const ugc_session *s) { return s->pid != 0 && s->pid != getpid(); }

void ugc_req_set_progress(ugc_req *q, int64_t done, int64_t total) {
  __atomic_store_n(&q->progress_done, done, __ATOMIC_RELAXED);
  __atomic_store_n(&q->progress_total, total, __ATOMIC_RELAXED);
}

void ugc_req_get_progress(const ugc_req *q, int64_t *done, int64_t *total) {
  *done = __atomic_load_n(&q->progress_done, __ATOMIC_RELAXED);
  *total = __atomic_load_n(&q->progress_total, __ATOMIC_RELAXED);
}

/* ==== the wake descriptor ============================================== */

static int ugc_wake_open(ugc_session *s) {
#ifdef __linux__
  s->wake_rd = s->wake_wr = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return s->wake_rd >= 0 ? 0 : -1;
#else
  int fds[2], i;
  if (pipe(fds) != 0) return -1;
  for (i = 0; i < 2; i++) {
    fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    fcntl(fds[i], F_SETFD, FD_CLOEXEC);
  }
  s->wake_rd = fds[0];
  s->wake_wr = fds[1];
  return 0;
#endif
}

static void ugc_wake_close(ugc_session *s) {
  if (s->wake_rd >= 0) close(s->wake_rd);
  if (s->wake_wr >= 0 && s->wake_wr != s->wake_rd) close(s->wake_wr);
  s->wake_rd = s->wake_wr = -1;
}

/* The worker: "something to collect". A full pipe or counter already says it. */
void ugc_wake_host(ugc_session *s) {
  uint64_t one = 1;
  ssize_t n;
  if (s->wake_wr < 0) return; /* none made yet: no host waits on it */
  do n = write(s->wake_wr, &one, s->wake_wr == s->wake_rd ? sizeof one : 1);
  while (n < 0 && errno == EINTR);
}

/* The host, as it collects, under the lock: the descriptor goes quiet until
 * the worker finishes something more (the worker writes it after adding to
 * the outbox and letting go of the lock, so no finish is ever missed; at
 * worst one wake-up finds nothing). */
static void ugc_wake_clear(ugc_session *s) {
  char buf[64];
  if (s->wake_rd < 0) return;
  while (read(s->wake_rd, buf, s->wake_rd == s->wake_wr ? 8 : sizeof buf) > 0) {
  }
}

/* Waits for the descriptor (just for the time when there is none yet);
 * timeout -1: without limit. A signal (a profiler's timer, the host's
 * SIGALRM) interrupts poll: it goes on for what is left, never for the whole
 * timeout again, so that a timed wait ends on time whatever the signals. */
static void ugc_wake_wait(ugc_session *s, long timeout_ms) {
  struct pollfd p;
  double deadline = ugc_now_ms() + (double)timeout_ms;
  long left = timeout_ms;
  p.fd = s->wake_rd;
  p.events = POLLIN;
  p.revents = 0;
  for (;;) {
    if (left > INT32_MAX) left = INT32_MAX;
    if (poll(&p, s->wake_rd >= 0 ? 1 : 0, (int)left) >= 0 || errno != EINTR) return;
    if (timeout_ms >= 0) {
      double d = deadline - ugc_now_ms();
      if (d <= 0) return;
      left = (long)d + 1;
    }
  }
}

/* Under the lock: gets the worker going, parked or polling. */
static void ugc_poke_locked(ugc_session *s) {
  if (s->parked) pthread_cond_signal(&s->idle);
  else if (s->multi) curl_multi_wakeup(s->multi);
}

/* ==== sessions ========================================================= */

void ugc_config_defaults(ugc_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->connect_timeout_ms = UGC_DEFAULT_CONNECT_TIMEOUT_MS;
  cfg->timeout_ms = UGC_DEFAULT_TIMEOUT_MS;
  cfg->max_body = UGC_DEFAULT_MAX_BODY;
  cfg->transfer_limit = UGC_DEFAULT_TRANSFER_LIMIT;
}

/* Every session of the process, so that exit() stops their workers before
 * the libraries they use (OpenSSL registers its own exit handler) go away. */
static pthread_mutex_t ugc_all_lock = PTHREAD_MUTEX_INITIALIZER;
extern void *__dso_handle; /* this shared object's, from the C runtime */
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
static ugc_session *ugc_all;
static void ugc_stop_worker(ugc_session *s);

static void ugc_at_exit(void *unused) {
  ugc_session *s;
  (void)unused;
  pthread_mutex_lock(&ugc_all_lock);
  for (s = ugc_all; s; s = s->gnext)
    if (!ugc_session_forked(s)) ugc_stop_worker(s);
  pthread_mutex_unlock(&ugc_all_lock);
}

static int ugc_global_ready(void) {
  static int done = 0;
  static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&once);
  if (!done) {
    done = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : -1;
    /* after curl (and OpenSSL) set theirs up, so this one runs first; tied
     * to this library (__dso_handle), so that it also runs, and is gone,
     * when a host unloads it (Lua's lua_close does) */
    if (done == 1) __cxa_atexit(ugc_at_exit, NULL, &__dso_handle);
  }
  pthread_mutex_unlock(&once);
  return done == 1;
}

static struct curl_slist *ugc_build_headers(const char *api_key) {
  struct curl_slist *h = NULL, *t;
  static const char *fixed[] = {"Content-Type: application/json", "Accept: application/json",
                                "Expect:", NULL};
  const char **f;
  char *auth;
  size_t n = strlen(api_key) + sizeof "Authorization: ";
  for (f = fixed; *f; f++) {
    if (!(t = curl_slist_append(h, *f))) goto fail;
    h = t;
  }
  if (!(auth = malloc(n))) goto fail;
  snprintf(auth, n, "Authorization: %s", api_key);
  t = curl_slist_append(h, auth);
  memset(auth, 0, n);
  free(auth);
  if (!t) goto fail;
  return t;
fail:
  curl_slist_free_all(h);
  return NULL;
}

static void ugc_session_release(ugc_session *s) { /* the memory of a session whose worker is gone */
  /* the handles of blocking posts when no worker ever ran (a worker cleans
   * up its own) */
  while (s->npool > 0) curl_easy_cleanup(s->pool[--s->npool].easy);
  if (s->multi) curl_multi_cleanup(s->multi);
  curl_slist_free_all(s->headers);
  ugc_buf_free(&s->last);
  ugc_buf_free(&s->spare);
  ugc_buf_free(&s->last_headers);
  ugc_wake_close(s);
  free(s->endpoint);
  free(s->ca_file);
  free(s->user_agent);
  pthread_cond_destroy(&s->idle);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

/* Makes nothing that a fork() would share: no thread, no descriptor, no
 * libcurl handle. They come on first use (ugc_session_claim), so that a
 * client made before a fork (a preforking server's master, OpenResty's
 * init_by_lua) works in each child. */
ugc_session *ugc_session_new(const ugc_config *cfg, char *err, size_t errlen) {
  ugc_session *s;
  if (!cfg->endpoint || !cfg->api_key || !cfg->user_agent) {
    snprintf(err, errlen, "endpoint, api_key and user_agent are required");
    return NULL;
  }
  if (!ugc_global_ready()) {
    snprintf(err, errlen, "libcurl failed to initialise");
    return NULL;
  }
  s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->cfg = *cfg;
  if (s->cfg.transfer_limit < 1) s->cfg.transfer_limit = 1;
  s->wake_rd = s->wake_wr = -1;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->idle, NULL);
  ugc_buf_init(&s->last, 0);
  ugc_buf_init(&s->spare, 0);
  ugc_buf_init(&s->last_headers, 0);
  s->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)s << 16) ^ (uint64_t)getpid();
  if (!s->rng) s->rng = 0x9e3779b97f4a7c15ULL;
  s->endpoint = ugc_strdup(cfg->endpoint);
  s->ca_file = ugc_strdup(cfg->ca_file);
  s->user_agent = ugc_strdup(cfg->user_agent);
  s->cfg.endpoint = s->endpoint;
  s->cfg.ca_file = s->ca_file;
  s->cfg.user_agent = s->user_agent;
  s->cfg.api_key = NULL; /* kept only inside the header list */
  s->headers = cfg->api_key[0] ? ugc_build_headers(cfg->api_key) : NULL;
  if (!s->endpoint || !s->user_agent || (cfg->ca_file && !s->ca_file) ||
      (cfg->api_key[0] && !s->headers)) {
    snprintf(err, errlen, "out of memory");
    ugc_session_release(s);
    return NULL;
  }
  pthread_mutex_lock(&ugc_all_lock);
  s->gnext = ugc_all;
  if (ugc_all) ugc_all->gprev = s;
  ugc_all = s;
  pthread_mutex_unlock(&ugc_all_lock);
  return s;
}

/* ==== on first use ===================================================== */

/* From the first thing made on, the session belongs to this process. */
static void ugc_session_claim(ugc_session *s) {
  if (!s->pid) s->pid = getpid();
}

static int ugc_start_failed(ugc_session *s, const char *what, int err) {
  snprintf(s->start_err, sizeof s->start_err, "%s: %s", what, strerror(err));
  return -1;
}

#ifdef __linux__
/* The two lowest free descriptors, which libcurl's wake-up socket pair is
 * about to take: -1 when they cannot be told. */
static void ugc_lowest_free(int out[2]) {
  int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int b = a >= 0 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
  out[0] = b >= 0 ? a : -1;
  out[1] = b;
  if (a >= 0) close(a);
  if (b >= 0) close(b);
}
#endif

/* The libcurl engine: a multi handle whose descriptors a program that the
 * host starts (io.popen, os.execute) does not inherit. libcurl opens its
 * wake-up pair without close-on-exec: it takes the lowest free descriptors,
 * which are marked here. Without that pair (descriptors short) the worker
 * cannot be woken through libcurl: it then polls on a short tick instead. */
int ugc_session_engine(ugc_session *s) {
  int low[2] = {-1, -1}, i;
  if (s->multi) return 0;
  ugc_session_claim(s);
#ifdef __linux__
  ugc_lowest_free(low);
#endif
  s->multi = curl_multi_init();
  if (!s->multi) return ugc_start_failed(s, "cannot start libcurl", ENOMEM);
  for (i = 0; i < 2; i++) {
    struct stat st;
    if (low[i] >= 0 && fstat(low[i], &st) == 0 && S_ISSOCK(st.st_mode))
      fcntl(low[i], F_SETFD, fcntl(low[i], F_GETFD) | FD_CLOEXEC);
  }
  /* a test wake-up, read by the first poll: fails when there is no pair */
  s->no_wakeup = curl_multi_wakeup(s->multi) != CURLM_OK;
  /* many tasks at once must not mean many connections: past the transfers'
   * slots and a few for API calls, libcurl queues and reuses */
  curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)(s->cfg.transfer_limit + 4));
  return 0;
}

/* The host's descriptor. */
static int ugc_session_wake_ready(ugc_session *s) {
  if (s->wake_rd >= 0) return 0;
  ugc_session_claim(s);
  if (ugc_wake_open(s) != 0) return ugc_start_failed(s, "cannot make the wake-up descriptor", errno);
  return 0;
}

/* The worker never takes the process's signals: they stay the host's. */
static int ugc_start_worker(ugc_session *s) {
  sigset_t all, old;
  int rc;
  if (s->started) return 0;
  if (ugc_session_wake_ready(s) != 0 || ugc_session_engine(s) != 0) return -1;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&s->thread, NULL, ugc_worker, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) return ugc_start_failed(s, "cannot start the worker thread", rc);
  s->started = 1;
  return 0;
}

const char *ugc_session_start_error(const ugc_session *s) {
  return s->start_err[0] ? s->start_err : "the session could not start";
}

/* Asks the worker to cancel everything and end, and joins it (once). */
static void ugc_stop_worker(ugc_session *s) {
  int join;
  if (!s->started) return;
  pthread_mutex_lock(&s->lock);
  join = !s->stopping;
  s->stopping = 1;
  ugc_poke_locked(s);
  pthread_mutex_unlock(&s->lock);
  if (join) pthread_join(s->thread, NULL);
}

static int ugc_collect(ugc_session *s, int never_wait);

void ugc_session_free(ugc_session *s) {
  ugc_req *q;
  if (!s) return;
  pthread_mutex_lock(&ugc_all_lock);
  if (s->gprev) s->gprev->gnext = s->gnext;
  else ugc_all = s->gnext;
  if (s->gnext) s->gnext->gprev = s->gprev;
  pthread_mutex_unlock(&ugc_all_lock);
  if (ugc_session_forked(s)) return; /* the parent's: abandoned, see the header */
  ugc_stop_worker(s);
  ugc_collect(s, 0); /* every request is done now (cancelled at worst) */
  for (q = s->held; q; q = q->hnext) q->s = NULL;
  ugc_session_release(s);
}

void ugc_session_cancel_all(ugc_session *s) {
  if (ugc_session_forked(s)) return;
  pthread_mutex_lock(&s->lock);
  s->cancel_all = 1;
  ugc_poke_locked(s);
  pthread_mutex_unlock(&s->lock);
}

/* ==== the host's side ================================================== */

void ugc_req_init(ugc_req *q, ugc_session *s, const ugc_req_ops *ops, ugc_req_kind kind, int slot) {
  q->ops = ops;
  q->s = s;
  q->kind = kind;
  q->slot = slot;
  q->where = UGC_AT_HOST;
  q->progress_total = -1;
  ugc_headers_reset(&q->hdr);
  q->hprev = NULL;
  q->hnext = s->held;
  if (s->held) s->held->hprev = q;
  s->held = q;
}

static void ugc_unhold(ugc_req *q) {
  if (!q->s) return;
  if (q->hprev) q->hprev->hnext = q->hnext;
  else q->s->held = q->hnext;
  if (q->hnext) q->hnext->hprev = q->hprev;
  q->hprev = q->hnext = NULL;
}

int ugc_req_submit(ugc_req *q) {
  ugc_session *s = q->s;
  if (!s || q->submitted) return 0;
  if (ugc_session_forked(s)) {
    snprintf(s->start_err, sizeof s->start_err, "the session was made before fork(), in the parent");
    return -1;
  }
  if (ugc_start_worker(s) != 0) return -1;
  q->submitted = 1;
  pthread_mutex_lock(&s->lock);
  q->where = UGC_AT_INBOX;
  ugc_queue_append(&s->inbox, &s->inbox_tail, q);
  ugc_poke_locked(s);
  pthread_mutex_unlock(&s->lock);
  s->live_count++;
  return 0;
}

/* Takes the outbox: its requests are the host's again. Returns how many. */
static int ugc_collect(ugc_session *s, int never_wait) {
  ugc_req *q, *next;
  int n = 0;
  if (never_wait) {
    /* a frame's step(0) never waits for the worker's lock: busy now, the
     * descriptor stays readable and the next step collects */
    if (pthread_mutex_trylock(&s->lock) != 0) return 0;
  } else {
    pthread_mutex_lock(&s->lock);
  }
  ugc_wake_clear(s); /* under the lock: the worker writes it after the outbox */
  q = s->outbox;
  s->outbox = s->outbox_tail = NULL;
  for (next = q; next; next = next->next) next->where = UGC_AT_HOST;
  pthread_mutex_unlock(&s->lock);
  for (; q; q = next) {
    next = q->next;
    q->next = q->prev = NULL;
    q->done = 1;
    s->live_count--;
    n++;
  }
  return n;
}

/* Collects, waiting up to timeout_ms when nothing has finished yet (with
 * nothing in flight and a timeout, just for the time: a host's sleep).
 * Returns how many were collected. */
static int ugc_collect_wait(ugc_session *s, long timeout_ms) {
  int n = ugc_collect(s, timeout_ms == 0);
  if (n == 0 && timeout_ms != 0 && (timeout_ms > 0 || s->live_count > 0)) {
    ugc_wake_wait(s, timeout_ms);
    n = ugc_collect(s, 0);
  }
  return n;
}

int ugc_session_step(ugc_session *s, long timeout_ms) {
  if (ugc_session_forked(s)) return s->live_count;
  if (s->unstepped) timeout_ms = 0; /* work is waiting already */
  s->unstepped = 0;
  ugc_collect_wait(s, timeout_ms);
  return s->live_count;
}

/* Work for the host's step that it has not been told of through the
 * descriptor: the descriptor is made readable again (level-triggered: a
 * host that waits on it then steps), and timeout_ms says 0 until a step. */
static void ugc_session_signal(ugc_session *s) {
  s->unstepped = 1;
  ugc_wake_host(s);
}

void ugc_session_notify(ugc_session *s) {
  if (!ugc_session_forked(s)) ugc_session_signal(s);
}

/* Collects until q is done. What else it collected (a task's request
 * finished meanwhile) is work left for step: the host is told again, since
 * collecting drained the descriptor it may wait on. */
int ugc_req_wait(ugc_req *q, long timeout_ms) {
  double deadline = timeout_ms < 0 ? 0 : ugc_now_ms() + (double)timeout_ms;
  int others = 0, rc = 0;
  while (!q->done) {
    long left = -1;
    int n;
    if (!q->s || !q->submitted || ugc_session_forked(q->s)) return -1; /* nothing would ever finish it */
    if (timeout_ms >= 0) {
      double d = deadline - ugc_now_ms();
      if (d <= 0) {
        rc = -1;
        break;
      }
      left = (long)d + 1;
    }
    n = ugc_collect_wait(q->s, left);
    others += q->done ? n - 1 : n;
  }
  /* collecting drained the descriptor: still readable while work waits */
  if (others > 0 || q->s->unstepped) ugc_session_signal(q->s);
  return rc;
}

long ugc_session_timeout_ms(ugc_session *s) {
  long ms;
  if (ugc_session_forked(s)) return -1;
  if (s->unstepped) return 0;
  pthread_mutex_lock(&s->lock);
  ms = s->outbox ? 0 : -1;
  pthread_mutex_unlock(&s->lock);
  return ms;
}

int ugc_session_fd(ugc_session *s) {
  if (ugc_session_forked(s) || ugc_session_wake_ready(s) != 0) return -1;
  return s->wake_rd;
}

int ugc_req_done(const ugc_req *q) { return q->done; }
ugc_req_kind ugc_req_kind_of(const ugc_req *q) { return q->kind; }
ugc_buf *ugc_session_last(ugc_session *s) { return &s->last; }
ugc_buf *ugc_session_spare(ugc_session *s) { return &s->spare; }
ugc_buf *ugc_session_last_headers(ugc_session *s) { return &s->last_headers; }

void ugc_req_set_timeout(ugc_req *q, long timeout_ms) {
  if (q && !q->submitted) q->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

/* Takes q out of the inbox or the outbox if it is there (1), or asks the
 * worker to stop it (0). Under the lock. */
static int ugc_take_back(ugc_session *s, ugc_req *q) {
  if (q->where == UGC_AT_INBOX) {
    ugc_queue_remove(&s->inbox, &s->inbox_tail, q);
  } else if (q->where == UGC_AT_OUTBOX) {
    ugc_queue_remove(&s->outbox, &s->outbox_tail, q);
  } else {
    if (!q->cancel) {
      q->cancel = 1;
      s->cancels++;
    }
    return 0;
  }
  q->where = UGC_AT_HOST;
  return 1;
}

void ugc_req_cancel(ugc_req *q) {
  ugc_session *s = q->s;
  int taken, never_ran;
  /* in a child after fork() the worker and its lock are the parent's */
  if (!s || q->done || !q->submitted || ugc_session_forked(s)) return;
  pthread_mutex_lock(&s->lock);
  never_ran = q->where == UGC_AT_INBOX;
  taken = ugc_take_back(s, q);
  if (!taken) ugc_poke_locked(s);
  pthread_mutex_unlock(&s->lock);
  if (taken) { /* the worker never saw it, or is done with it */
    q->done = 1;
    s->live_count--;
    if (never_ran) q->ops->cancelled(q);
    return;
  }
  ugc_req_wait(q, -1); /* the worker answers within one pass of its loop */
}

void ugc_req_free(ugc_req *q) {
  ugc_session *s;
  if (!q) return;
  s = q->s;
  if (s && ugc_session_forked(s)) {
    /* a child's copy: one the parent's worker had is forgotten (its
     * memory may be mid-change); one that was the host's is freed */
    if (q->submitted && !q->done) return;
    ugc_unhold(q);
    ugc_free_req(q);
    return;
  }
  ugc_unhold(q);
  if (s && q->submitted && !q->done) {
    int taken;
    pthread_mutex_lock(&s->lock);
    taken = ugc_take_back(s, q);
    if (!taken) {
      q->orphan = 1; /* the worker frees it when it lets go */
      ugc_poke_locked(s);
    }
    pthread_mutex_unlock(&s->lock);
    s->live_count--;
    if (!taken) return;
  }
  ugc_free_req(q);
}
