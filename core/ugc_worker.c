#define _GNU_SOURCE /* syscall(SYS_gettid) */
/* The worker: the loop that owns a session's libcurl engine (its multi
 * handle, easy handles, connections) and every request from the moment the
 * host hands it over until it is finished. The host's side of the queues is
 * ugc_session.c; ugc_session.h says who owns what. */
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ugc_engine.h"

/* ==== easy handles ===================================================== */

/* Every socket libcurl opens is close-on-exec: a program the host starts
 * (io.popen) must not hold the session's connections open. */
static curl_socket_t ugc_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a) {
  (void)ud;
  (void)purpose;
#ifdef SOCK_CLOEXEC
  return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
#else
  {
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd != CURL_SOCKET_BAD) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
  }
#endif
}

int ugc_easy_base(CURL *e) {
  if (curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, ugc_open_socket) != CURLE_OK) return -1;
#if LIBCURL_VERSION_NUM >= 0x075700 /* 7.87.0 */
  /* A request stopped while its name is being resolved leaves the resolver
   * thread to end on its own rather than wait for it: a cancel or a close
   * never blocks on DNS (libcurl otherwise joins that thread). */
  curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
#endif
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0: the _STR forms */
  if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK)
    return -1;
#else
  long web = CURLPROTO_HTTP | CURLPROTO_HTTPS;
  if (curl_easy_setopt(e, CURLOPT_PROTOCOLS, web) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, web) != CURLE_OK)
    return -1;
#endif
  return 0;
}

/* Pooled per kind: a post's handle keeps its options from call to call (only
 * the request's own pointers change), creating and configuring one per call
 * would cost more than the call. */
CURL *ugc_easy_take(ugc_session *s, ugc_req *q, const ugc_req_ops *ops, int *fresh) {
  int i;
  CURL *e;
  for (i = s->npool - 1; i >= 0; i--) {
    if (s->pool[i].ops == ops) {
      e = s->pool[i].easy;
      q->easy_tag = s->pool[i].tag;
      s->pool[i] = s->pool[--s->npool];
      *fresh = 0;
      return e;
    }
  }
  *fresh = 1;
  q->easy_tag = 0;
  if (s->npool > 0) {
    e = s->pool[--s->npool].easy;
    curl_easy_reset(e);
    return e;
  }
  return curl_easy_init();
}

static void ugc_easy_give(ugc_session *s, CURL *e, const ugc_req_ops *ops, int tag) {
  if (!e) return;
  curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)NULL);
  if (s->npool == UGC_EASY_POOL) { /* make room: the oldest goes */
    curl_easy_cleanup(s->pool[0].easy);
    memmove(s->pool, s->pool + 1, (UGC_EASY_POOL - 1) * sizeof s->pool[0]);
    s->npool--;
  }
  s->pool[s->npool].easy = e;
  s->pool[s->npool].ops = ops;
  s->pool[s->npool].tag = tag;
  s->npool++;
}

/* ==== the worker ======================================================= */

void ugc_free_req(ugc_req *q) {
  q->ops->release(q);
  free(q);
}

/* Out of the multi handle if in it: the attempt is over. */
static void ugc_w_unrun(ugc_session *s, ugc_req *q) {
  if (q->state != UGC_RS_RUNNING) return;
  curl_multi_remove_handle(s->multi, q->easy);
  if (q->slot) s->transfers_running--;
  q->state = UGC_RS_QUEUED;
}

/* A request is finished: off the live list, its handle back in the pool
 * (the worker's last touch of its libcurl side), onto the done list. A
 * transfer whose digest was catching up lets go of its slot now: the slot
 * stands for its thread and files too, not only its connection. */
static void ugc_w_finish(ugc_session *s, ugc_req *q, ugc_req **done) {
  if (q->state == UGC_RS_FINISHING) {
    s->finishing--;
    if (q->slot) s->transfers_running--;
  }
  ugc_w_unrun(s, q);
  ugc_list_remove(&s->live, q);
  ugc_easy_give(s, q->easy, q->ops, q->easy_tag);
  q->easy = NULL;
  q->next = *done;
  *done = q;
}

/* Finished requests go to the outbox, under the lock; one the host freed
 * meanwhile is freed here instead. */
static void ugc_w_publish(ugc_session *s, ugc_req *done) {
  int news = 0;
  if (!done) return;
  pthread_mutex_lock(&s->lock);
  while (done) {
    ugc_req *q = done;
    done = q->next;
    if (q->orphan) {
      ugc_free_req(q);
      continue;
    }
    q->where = UGC_AT_OUTBOX;
    ugc_queue_append(&s->outbox, &s->outbox_tail, q);
    news = 1;
  }
  pthread_mutex_unlock(&s->lock);
  if (news) ugc_wake_host(s);
}

static void ugc_w_cancel(ugc_session *s, ugc_req *q, ugc_req **done) {
  ugc_w_unrun(s, q); /* out of the multi handle before its files close */
  q->ops->cancelled(q);
  ugc_w_finish(s, q, done);
}

static void ugc_w_run(ugc_session *s, ugc_req *q, ugc_req **done) {
  q->ops->attempt(q);
  if (curl_multi_add_handle(s->multi, q->easy) != CURLM_OK) {
    q->ops->finished(q, CURLE_FAILED_INIT); /* an internal error, never retried */
    ugc_w_finish(s, q, done);
    return;
  }
  q->state = UGC_RS_RUNNING;
  if (q->slot) s->transfers_running++;
}

/* Started (its files opened, its digest begun, its handle configured),
 * then run; one that cannot start is finished, its result saying why, and
 * takes no slot. */
static void ugc_w_start(ugc_session *s, ugc_req *q, ugc_req **done) {
  q->start_ms = ugc_now_ms();
  if (q->ops->start(q) != 0) ugc_w_finish(s, q, done);
  else ugc_w_run(s, q, done);
}

/* A request taken from the inbox: a post starts at once; a transfer waits
 * for a slot (ugc_w_schedule) and holds nothing meanwhile, neither file nor
 * thread: only a running transfer costs those. */
static void ugc_w_admit(ugc_session *s, ugc_req *q, ugc_req **done) {
  ugc_list_push(&s->live, q);
  q->state = UGC_RS_QUEUED;
  if (q->stop) {
    q->ops->cancelled(q);
    ugc_w_finish(s, q, done);
  } else if (!q->slot) {
    ugc_w_start(s, q, done);
  }
}

/* Queued transfers, oldest first, started while there are slots. A live
 * request in UGC_RS_QUEUED has never started (one that ran is finished or
 * finishing). */
static void ugc_w_schedule(ugc_session *s, ugc_req **done) {
  ugc_req *q, *next;
  if (s->transfers_running >= s->cfg.transfer_limit) return;
  for (q = s->live; q && q->next; q = q->next) { /* the tail: the oldest */
  }
  for (; q && s->transfers_running < s->cfg.transfer_limit; q = next) {
    next = q->prev;
    if (q->state == UGC_RS_QUEUED && q->slot) ugc_w_start(s, q, done);
  }
}

static void ugc_w_collect(ugc_session *s, ugc_req **done) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(s->multi, &left))) {
    ugc_req *q = NULL;
    CURLcode rc;
    if (msg->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
    if (!q) continue;
    rc = msg->data.result;
    ugc_w_unrun(s, q); /* msg is invalid after this */
    if (q->ops->finished(q, rc) == UGC_NEXT_LATER) {
      q->state = UGC_RS_FINISHING;
      s->finishing++;
      if (q->slot) s->transfers_running++; /* kept until it is done (ugc_w_finish) */
    } else {
      ugc_w_finish(s, q, done);
    }
  }
}

/* Requests that were finishing off the network and now are done. */
static void ugc_w_complete(ugc_session *s, ugc_req **done) {
  ugc_req *q, *next;
  for (q = s->live; q && s->finishing > 0; q = next) {
    next = q->next;
    if (q->state == UGC_RS_FINISHING && q->ops->ready(q)) ugc_w_finish(s, q, done);
  }
}

void ugc_session_wake(ugc_session *s) { curl_multi_wakeup(s->multi); }

/* How long the worker may sleep: libcurl's timeout, at most the idle tick
 * (the short one when nothing could wake it sooner). */
static long ugc_w_timeout(ugc_session *s) {
  long ms = -1, most = s->no_wakeup ? UGC_WORKER_TICK_MS : UGC_WORKER_IDLE_MS;
  curl_multi_timeout(s->multi, &ms);
  if (ms < 0 || ms > most) ms = most;
  return ms;
}

/* Linux: SCHED_BATCH, so that waking up (data arrived) never preempts the
 * host's thread in the middle of its frame; its share of the CPU is kept. */
void ugc_thread_batch(void) {
#ifdef __linux__
  struct sched_param none;
  memset(&none, 0, sizeof none);
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
#endif
}

void ugc_thread_background(void) {
  ugc_thread_batch();
#ifdef __linux__
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10); /* this thread only */
#endif
}

/* Under the lock: nothing in flight, nothing asked of the worker. */
int ugc_w_idle(const ugc_session *s) {
  return !s->live && !s->inbox && !s->stopping && !s->cancel_all && !s->cancels;
}

void *ugc_worker(void *arg) {
  ugc_session *s = arg;
  ugc_thread_batch();
  pthread_mutex_lock(&s->lock);
  for (;;) {
    ugc_req *in = s->inbox, *q, *next, *done = NULL;
    int stopping = s->stopping, all = s->cancel_all || s->stopping, running;
    /* what crosses threads is read here, under the lock */
    s->inbox = s->inbox_tail = NULL;
    for (q = in; q; q = q->next) {
      q->where = UGC_AT_WORKER;
      q->stop = q->cancel || all;
    }
    if (s->cancels || all) {
      for (q = s->live; q; q = q->next) q->stop = q->cancel || all;
      s->cancels = 0;
      s->cancel_all = 0;
    }
    pthread_mutex_unlock(&s->lock);

    for (q = s->live; q; q = next) {
      next = q->next;
      if (q->stop) ugc_w_cancel(s, q, &done);
    }
    for (q = in; q; q = next) {
      next = q->next;
      ugc_w_admit(s, q, &done);
    }
    ugc_w_schedule(s, &done);
    curl_multi_perform(s->multi, &running);
    ugc_w_collect(s, &done);
    ugc_w_complete(s, &done);
    ugc_w_schedule(s, &done); /* the slots finished transfers freed */
    ugc_w_publish(s, done);
    if (stopping && !s->live) break;
    pthread_mutex_lock(&s->lock);
    if (ugc_w_idle(s)) {
      /* nothing in flight: sleep until work comes, leaving the engine to a
       * blocking post that the host runs itself meanwhile */
      s->parked = 1;
      while (s->borrowed || ugc_w_idle(s)) pthread_cond_wait(&s->idle, &s->lock);
      s->parked = 0;
      continue;
    }
    pthread_mutex_unlock(&s->lock);
    curl_multi_poll(s->multi, NULL, 0, (int)ugc_w_timeout(s), NULL);
    pthread_mutex_lock(&s->lock);
  }
  /* everything that touched libcurl ends on this thread */
  while (s->npool > 0) curl_easy_cleanup(s->pool[--s->npool].easy);
  return NULL;
}

/* ==== a blocking post on the host's thread ============================ */

int ugc_session_run_here(ugc_req *q) {
  ugc_session *s = q->s;
  ugc_req *done = NULL;
  int running;
  if (!s || q->submitted || ugc_session_forked(s) || ugc_session_engine(s) != 0) return 0;
  pthread_mutex_lock(&s->lock);
  /* a worker not started yet (only blocking posts so far) needs no handoff */
  if ((s->parked || !s->started) && !s->borrowed && ugc_w_idle(s)) {
    s->borrowed = 1;
    q->where = UGC_AT_WORKER;
  }
  pthread_mutex_unlock(&s->lock);
  if (q->where != UGC_AT_WORKER) return 0;
  /* the engine is this thread's until it gives it back: the worker's loop,
   * for one request */
  q->submitted = 1;
  s->live_count++;
  ugc_w_admit(s, q, &done);
  while (!done) {
    curl_multi_perform(s->multi, &running);
    ugc_w_collect(s, &done);
    ugc_w_complete(s, &done);
    if (!done) curl_multi_poll(s->multi, NULL, 0, (int)ugc_w_timeout(s), NULL);
  }
  pthread_mutex_lock(&s->lock);
  s->borrowed = 0;
  q->where = UGC_AT_HOST;
  if (!ugc_w_idle(s)) pthread_cond_signal(&s->idle); /* work came meanwhile */
  pthread_mutex_unlock(&s->lock);
  q->next = q->prev = NULL;
  q->done = 1;
  s->live_count--;
  return 1;
}

/* ==== what libcurl said ============================================== */

ugc_error ugc_curl_error(CURLcode rc) {
  switch (rc) {
    case CURLE_OK: return UGC_OK;
    case CURLE_UNSUPPORTED_PROTOCOL: return UGC_E_PROTOCOL;
    case CURLE_OPERATION_TIMEDOUT: return UGC_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR: return UGC_E_TLS;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return UGC_E_CERTIFICATE;
    case CURLE_OUT_OF_MEMORY: return UGC_E_NOMEM;
    case CURLE_FAILED_INIT: return UGC_E_INTERNAL;
    default: return UGC_E_NETWORK; /* refused, reset, resolve, send/recv */
  }
}

/* Nothing left the machine if the exchange never got past connecting (and
 * TLS); a request libcurl could not rewind to send again had gone out. */
ugc_reach ugc_curl_reach(CURL *easy, CURLcode rc) {
  curl_off_t pretransfer = 0;
  if (rc == CURLE_OK || rc == CURLE_SEND_FAIL_REWIND) return UGC_REACH_MAYBE;
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_FAILED_INIT: return UGC_REACH_NONE;
    default: break;
  }
  curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  return pretransfer == 0 ? UGC_REACH_NONE : UGC_REACH_MAYBE;
}

