/* Private to ugc_session.c (the host's side) and ugc_worker.c (the worker's
 * loop): the session itself, and what the two halves call of each other.
 * Who may touch which field is said beside it. */
#ifndef UGC_ENGINE_H
#define UGC_ENGINE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "ugc_req.h"

UGC_BEGIN_HIDDEN

#define UGC_EASY_POOL 16
/* The worker's longest sleep with nothing to do: a bound, not a heartbeat
 * anyone relies on (every submit, cancel and close wakes it at once). */
#define UGC_WORKER_IDLE_MS 1000
/* The same when libcurl could not make its wake-up pair: a wake then waits
 * for this tick (the worker sleeps on its condition when nothing runs). */
#define UGC_WORKER_TICK_MS 10

typedef struct ugc_pooled {
  CURL *easy;
  const ugc_req_ops *ops; /* the kind it was last configured for */
  int tag;                /* and that kind's note (ugc_req.easy_tag) */
} ugc_pooled;

struct ugc_session {
  /* set by ugc_session_new, read-only afterwards (both threads read) */
  ugc_config cfg;
  char *endpoint, *ca_file, *user_agent;
  struct curl_slist *headers; /* holds the Authorization header: never logged */

  /* made on first use by the host (ugc_session_claim), then read-only */
  pid_t pid;                  /* the process that first used it: 0 until then */
  int wake_rd, wake_wr;       /* the host's descriptor; wr == rd for an eventfd */
  int no_wakeup;              /* libcurl has no wake-up pair (descriptors were short) */

  /* the worker's alone, or the host's while it has borrowed the engine
   * (ugc_session_post when the worker is parked or not started) */
  CURLM *multi;
  ugc_req *live;              /* taken from the inbox, not yet finished */
  ugc_pooled pool[UGC_EASY_POOL];
  int npool;
  int transfers_running;
  int finishing;              /* live requests in UGC_RS_FINISHING */
  uint64_t rng;

  /* shared: under lock */
  pthread_mutex_t lock;
  ugc_req *inbox, *inbox_tail;
  ugc_req *outbox, *outbox_tail;
  int cancels;                /* requests whose cancel flag the worker has not seen */
  int cancel_all;
  int stopping;
  int parked;                 /* the worker waits on idle: nothing in flight */
  int borrowed;               /* the host runs a blocking post itself */
  pthread_cond_t idle;

  /* the host's alone */
  pthread_t thread;
  int started;                /* the worker runs */
  int unstepped;              /* work for step the descriptor said nothing of */
  char start_err[200];        /* why the engine could not start */
  int live_count;             /* submitted, not collected */
  ugc_req *held;              /* every request the host made and has not freed */
  ugc_buf last;               /* the body ugc_session_post hands back */
  ugc_buf last_headers;       /* and its header lines, when asked for */
  ugc_buf spare;              /* the one before: the next post's buffer */
  ugc_session *gnext, *gprev; /* every session of the process (for exit) */
};

/* ==== lists ============================================================ */

static inline void ugc_list_push(ugc_req **head, ugc_req *q) { /* doubly linked, at the head */
  q->prev = NULL;
  q->next = *head;
  if (*head) (*head)->prev = q;
  *head = q;
}

static inline void ugc_list_remove(ugc_req **head, ugc_req *q) {
  if (q->prev) q->prev->next = q->next;
  else *head = q->next;
  if (q->next) q->next->prev = q->prev;
  q->prev = q->next = NULL;
}

static inline void ugc_queue_append(ugc_req **head, ugc_req **tail, ugc_req *q) { /* FIFO */
  q->next = NULL;
  q->prev = *tail;
  if (*tail) (*tail)->next = q;
  else *head = q;
  *tail = q;
}

static inline void ugc_queue_remove(ugc_req **head, ugc_req **tail, ugc_req *q) {
  if (q->prev) q->prev->next = q->next;
  else *head = q->next;
  if (q->next) q->next->prev = q->prev;
  else *tail = q->prev;
  q->prev = q->next = NULL;
}

/* ugc_worker.c */
void *ugc_worker(void *arg);              /* the worker thread's main */
int ugc_w_idle(const ugc_session *s);     /* under the lock: nothing in flight or asked */
void ugc_free_req(ugc_req *q);
void ugc_thread_batch(void);

/* ugc_session.c */
void ugc_wake_host(ugc_session *s);       /* "something to collect" */
/* Makes the libcurl engine if it is not there yet: 0, or -1 (the reason
 * in ugc_session_start_error). */
int ugc_session_engine(ugc_session *s);

UGC_END_HIDDEN

#endif
