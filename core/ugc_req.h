/* Private to core/: what a kind of request (ugc_post.c, ugc_transfer.c)
 * gives the engine (ugc_session.c), and what the engine gives it back.
 *
 * A request is a struct of its kind that starts with a ugc_req. The engine
 * never looks past that header: it calls the kind's ops. Posts and transfers
 * include this file and ugc_session.h, never each other. */
#ifndef UGC_REQ_H
#define UGC_REQ_H

#include <curl/curl.h>
#include <stdint.h>

#include "ugc_headers.h"
#include "ugc_session.h"

UGC_BEGIN_HIDDEN

/* What the engine does once a request's exchange has ended. */
typedef enum ugc_next {
  UGC_NEXT_DONE = 0, /* finished: hand it to the host */
  UGC_NEXT_LATER     /* still busy off the network (a download's digest
                      * catching up): ask `ready` again when woken */
} ugc_next;

/* Every function runs on the worker, except release (on whichever thread
 * owns the request when it is freed: it must not touch libcurl). */
typedef struct ugc_req_ops {
  /* Before the first attempt: open files, configure q->easy (fresh from
   * ugc_easy_take). 0: ready; otherwise the request is finished, its
   * result filled in. */
  int (*start)(ugc_req *q);
  /* Before it goes into the multi handle: reset its buffers. */
  void (*attempt)(ugc_req *q);
  /* It ended with rc (libcurl's code): fill in the result. One request is
   * one exchange; whether to send again is the caller's policy (in Lua:
   * moveugc/policy.lua), never the engine's. */
  ugc_next (*finished)(ugc_req *q, CURLcode rc);
  /* After UGC_NEXT_LATER, each time the worker wakes: non-zero once the
   * request has finished (its result filled in). NULL for kinds that never
   * answer LATER. */
  int (*ready)(ugc_req *q);
  /* Stopped before its end (a cancel, or the session closing): say so in
   * the result, close what is open. */
  void (*cancelled)(ugc_req *q);
  /* Free what the request holds beyond this header (not the header). */
  void (*release)(ugc_req *q);
} ugc_req_ops;

/* Who has the request: changed only under the session's lock. */
typedef enum ugc_req_where {
  UGC_AT_HOST = 0, /* made and not submitted, or collected */
  UGC_AT_INBOX,    /* submitted, not yet taken by the worker */
  UGC_AT_WORKER,   /* the worker's */
  UGC_AT_OUTBOX    /* finished, waiting to be collected */
} ugc_req_where;

/* What the worker is doing with it: the worker's alone. */
typedef enum ugc_req_state {
  UGC_RS_QUEUED = 0, /* waiting for a transfer slot (or not yet started) */
  UGC_RS_RUNNING,    /* in the multi handle */
  UGC_RS_FINISHING   /* off the network, not yet finished (see ugc_next) */
} ugc_req_state;

struct ugc_req {
  const ugc_req_ops *ops;
  ugc_session *s;         /* NULL once the session is gone */
  ugc_req_kind kind;
  int slot;               /* takes one of the session's transfer slots */
  ugc_req *next, *prev;   /* the queue or list it is in (inbox, live, outbox) */
  /* under the session's lock */
  ugc_req_where where;
  int cancel;             /* the host asked for a stop */
  int orphan;             /* the host freed it while the worker had it */
  /* the host's alone */
  int submitted, done;
  ugc_req *hnext, *hprev; /* the list of the requests it holds */
  /* the worker's alone */
  ugc_req_state state;
  int stop;               /* the worker's copy of cancel, taken under the lock */
  CURL *easy;             /* the worker's, from start to the end */
  int easy_tag;           /* the kind's own note on how easy is set, kept in the pool */
  long timeout_ms;        /* this request's own timeout (0: the session's); set before submit */
  double start_ms;
  char curl_err[CURL_ERROR_SIZE];
  ugc_headers hdr;        /* the current response's headers */
  int64_t progress_done;  /* written by the worker, read by the host: atomics */
  int64_t progress_total;
};

/* Links q (a zeroed struct of its kind) to s as a new, host-owned request. */
void ugc_req_init(ugc_req *q, ugc_session *s, const ugc_req_ops *ops, ugc_req_kind kind, int slot);

/* Worker side. */
/* An easy handle from the session's pool for this kind of request, and
 * whether it is fresh (never configured for one) or was used by a request
 * of the same ops, and kept its options; q->easy_tag is then what that
 * request left there (0 when fresh). NULL when out of memory. */
CURL *ugc_easy_take(ugc_session *s, ugc_req *q, const ugc_req_ops *ops, int *fresh);
/* What every handle of the session has: only http and https, also for
 * redirects (a presigned URL is the server's word: file:// or any other
 * scheme must never be followed), close-on-exec sockets, and no wait for a
 * name lookup when a request is stopped. 0 on success. */
int ugc_easy_base(CURL *e);
/* The session's configuration and its header list (holds the API key:
 * never logged). */
const ugc_config *ugc_session_config(const ugc_session *s);
struct curl_slist *ugc_session_headers(const ugc_session *s);
/* Host side, for a blocking call: when the worker is parked (nothing in
 * flight), runs q to its end on the calling thread with the worker's own
 * engine (its multi handle, connections and pool) and returns 1: no thread
 * handoff, no wake-ups. Otherwise returns 0: submit q and wait for it. */
int ugc_session_run_here(ugc_req *q);
/* Wakes the worker (from any thread): a request that answered LATER may be
 * ready. */
void ugc_session_wake(ugc_session *s);
/* Lowers the calling thread's scheduling priority (Linux: nice 10; elsewhere
 * nothing), for the digests: bulk work that, on a busy machine, must not
 * delay the host's thread (a game's frame) or the worker's I/O. */
void ugc_thread_background(void);
/* What libcurl's code means, in the engine's terms, and how far the
 * exchange may have got (from the easy handle's timings). */
ugc_error ugc_curl_error(CURLcode rc);
ugc_reach ugc_curl_reach(CURL *easy, CURLcode rc);
/* The host's buffer that a blocking post's body moves to. */
ugc_buf *ugc_session_last(ugc_session *s);
/* The buffer of the body before the last: the next blocking post receives
 * into it, so a sequence of calls reuses two buffers and grows none. */
ugc_buf *ugc_session_spare(ugc_session *s);
/* The response headers a blocking post kept (UGC_POST_HEADERS), valid until
 * the next post on the session. */
ugc_buf *ugc_session_last_headers(ugc_session *s);

/* Progress, for transfers: the worker stores, the host loads. */
void ugc_req_set_progress(ugc_req *q, int64_t done, int64_t total);
void ugc_req_get_progress(const ugc_req *q, int64_t *done, int64_t *total);

UGC_END_HIDDEN

#endif
