/* ugc_session: one client's HTTP engine.
 *
 * A session owns a worker thread, and the worker owns everything that moves
 * bytes: one libcurl multi handle (its connections and TLS sessions stay
 * alive from call to call, shared by API posts and file transfers alike),
 * every easy handle, every open file and every digest. The caller's thread
 * (the host's: a script, a game's frame loop) only submits requests and
 * collects the finished ones; it never does socket I/O, file I/O or hashing.
 *
 * Ownership is explicit. A request is created by the host, then submitted:
 * from then on the worker owns it, until it finishes and the host collects it
 * (ugc_session_step or a blocking wait); then the host owns it again and
 * frees it. Nothing else crosses threads but the session's queues, under one
 * mutex, and each transfer's progress counters (atomics). A descriptor,
 * ugc_session_fd, becomes readable whenever there is something to collect.
 *
 * It knows nothing of Lua, and of GraphQL only "a mutation must not run
 * twice". It sends each request once and reports what happened; retrying is
 * the caller's policy. Every function here is for the host's thread. */
#ifndef UGC_SESSION_H
#define UGC_SESSION_H

#include <stddef.h>

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

#include "ugc_buf.h"

#define UGC_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define UGC_DEFAULT_TIMEOUT_MS 60000L
#define UGC_DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)
#define UGC_DEFAULT_TRANSFER_LIMIT 4

typedef enum ugc_error {
  UGC_OK = 0,
  UGC_E_NETWORK,   /* connection refused, reset, dropped, name not resolved */
  UGC_E_TIMEOUT,   /* connect or total timeout */
  UGC_E_TLS,       /* the TLS handshake failed */
  UGC_E_CERTIFICATE, /* the server's certificate (or the CA file) was refused */
  UGC_E_TOO_LARGE, /* the response body passed the configured cap */
  UGC_E_NOMEM,
  UGC_E_INTERNAL,  /* libcurl refused an option or could not start */
  UGC_E_CANCELLED, /* stopped by ugc_req_cancel, or its session closed */
  UGC_E_PROTOCOL,  /* a URL (or a redirect) of a scheme other than http/https */
  UGC_E_FILE,      /* a local file could not be opened, read or written */
  UGC_E_UNSUPPORTED /* this machine lacks something needed (MD5 on a FIPS host) */
} ugc_error;

/* How far a failed attempt got: decides whether a mutation may be retried. */
typedef enum ugc_reach {
  UGC_REACH_NONE = 0,  /* provably never reached the server */
  UGC_REACH_MAYBE      /* the request may have been received */
} ugc_reach;

typedef struct ugc_config {
  const char *endpoint;   /* required */
  const char *api_key;    /* required; sent only in the Authorization header */
  const char *user_agent; /* required */
  const char *ca_file;    /* NULL: the system's CA bundle */
  long connect_timeout_ms;
  long timeout_ms;
  size_t max_body;
  int transfer_limit;     /* transfers running at once; more wait their turn */
} ugc_config;

/* What one post's exchange came to: the facts, no verdict. */
typedef struct ugc_result {
  long status;            /* HTTP status, 0 if no response */
  int sends;              /* times the body went out: 2 when libcurl re-sent
                           * it on a kept-alive connection found dead */
  double elapsed_ms;
  double retry_after_s;   /* the response's Retry-After, -1 when absent */
  char request_id[96];    /* x-amzn-RequestId of the response */
  ugc_error error;
  ugc_reach reach;
  char message[320];      /* for errors; never contains the key */
  const char *body;       /* the last response body; owned by the request */
  size_t body_len;
  const char *headers;    /* with UGC_POST_HEADERS: the response's header lines,
                           * "Name: value\n" each; NULL otherwise */
  size_t headers_len;
} ugc_result;

typedef struct ugc_session ugc_session;

/* One operation on a session: a post or a transfer. */
typedef struct ugc_req ugc_req;
typedef enum ugc_req_kind { UGC_REQ_POST, UGC_REQ_UPLOAD, UGC_REQ_DOWNLOAD } ugc_req_kind;

/* Fills cfg with the defaults above; the caller sets endpoint, key, agent. */
void ugc_config_defaults(ugc_config *cfg);

/* A session; NULL on failure, with a reason in err (size errlen). It makes
 * no thread, descriptor or connection until first used: a session made
 * before a fork() and first used after it belongs to the child. */
ugc_session *ugc_session_new(const ugc_config *cfg, char *err, size_t errlen);
/* Cancels every request still running, stops and joins the worker, frees
 * the session. Requests the host still holds stay valid (done, cancelled)
 * until ugc_req_free. In a child process after fork() the worker does not
 * exist: the session is abandoned, never joined (see ugc_session_forked). */
void ugc_session_free(ugc_session *s);
/* Non-zero in a child process forked after the session was first used: it
 * must not be used there (a new session is needed). Every function below
 * checks: in such a child nothing locks, waits or reads the parent's
 * descriptors; freeing a request the parent's worker had only forgets it. */
int ugc_session_forked(const ugc_session *s);

/* POSTs body to the endpoint once and waits for the outcome. Sending again
 * is the caller's decision (r->reach says whether the server may have got
 * it, r->retry_after_s what it asked for); the one re-send done here is
 * libcurl's, of a query whose kept-alive connection was found dead (counted
 * in r->sends), and it is refused for a mutation once a byte went out.
 * While the worker is parked (nothing in flight) the post runs on the
 * calling thread, with the worker's engine; otherwise through the worker.
 * Returns r->error. r->body stays valid until the next call on the session.
 * flags: UGC_POST_MUTATION (never re-sent once a byte went out),
 * UGC_POST_COMPRESSED (ask for a compressed response: worth it for large ones,
 * a page or a batch; a small one costs more to inflate than it saves),
 * UGC_POST_HEADERS (keep the response's header lines in r->headers).
 * timeout_ms: this post's timeout per attempt; 0 for the session's. */
#define UGC_POST_MUTATION 1
#define UGC_POST_COMPRESSED 2
#define UGC_POST_HEADERS 4
ugc_error ugc_session_post(ugc_session *s, const char *body, size_t len, int flags, long timeout_ms,
                           ugc_result *r);

/* ==== requests ==========================================================
 * Make one (ugc_post_new, ugc_upload_new, ugc_download_new), submit it, then
 * collect it: ugc_session_step, ugc_session_wait or ugc_req_wait. */

/* A post of a copy of body (flags as ugc_session_post's). NULL only when out
 * of memory. */
ugc_req *ugc_post_new(ugc_session *s, const char *body, size_t len, int flags);
/* Gives a request a timeout of its own, before it is submitted: a post's per
 * attempt, a transfer's stall time (0: the session's). */
void ugc_req_set_timeout(ugc_req *q, long timeout_ms);
/* Hands the request to the worker, starting it on first use: 0, or -1 when
 * it cannot start (ugc_session_start_error says why; q stays the host's). */
int ugc_req_submit(ugc_req *q);
/* Why the session's engine could not start (a thread, a descriptor). */
const char *ugc_session_start_error(const ugc_session *s);
/* Collects what the worker finished, waiting up to timeout_ms (0: never
 * waits, -1: until something finishes) when nothing has yet; with nothing
 * in flight, a positive timeout is just slept (a signal does not lengthen
 * it). Returns how many submitted requests are not collected yet. */
int ugc_session_step(ugc_session *s, long timeout_ms);
/* Collects until q is done; 0, or -1 when timeout_ms (-1: none) ran out. */
int ugc_req_wait(ugc_req *q, long timeout_ms);
/* Requests submitted and not yet collected. */
int ugc_session_live(const ugc_session *s);
/* 0 when something waits for a step (the descriptor is readable), else
 * -1: the worker wakes the host through ugc_session_fd, no timer is needed. */
long ugc_session_timeout_ms(ugc_session *s);
/* A descriptor that is readable while there is work for ugc_session_step
 * (level-triggered: until a step takes it): finished requests, including
 * ones a blocking wait collected on the way, and ugc_session_notify. A host's
 * event loop (luv, cqueues, epoll) waits on it and steps when it fires. Only
 * ever read by the session. Made on first call; -1 when it cannot be. */
int ugc_session_fd(ugc_session *s);
/* Says there is work for step that no request brought (the caller's own: a
 * task made ready): the descriptor becomes readable until the next step. */
void ugc_session_notify(ugc_session *s);
/* Cancels every request in flight (their results say UGC_E_CANCELLED) without
 * waiting: for a close that arrives while a blocking call runs. */
void ugc_session_cancel_all(ugc_session *s);

int ugc_req_done(const ugc_req *q);
ugc_req_kind ugc_req_kind_of(const ugc_req *q);
/* A post's outcome once done; body valid until the request is freed. */
const ugc_result *ugc_req_result(const ugc_req *q);
/* Stops a request and waits until the worker has let go of it (its files
 * closed): once this returns it is done, and its result says
 * UGC_E_CANCELLED unless it had finished already. */
void ugc_req_cancel(ugc_req *q);
/* Frees a request, done or not: one still running is cancelled, and the
 * worker frees it once it has stopped. */
void ugc_req_free(ugc_req *q);

/* A number in [0, 1) for jitter (not for secrets); the host's thread. */
double ugc_session_random(ugc_session *s);

/* The libcurl version string, e.g. "7.88.1". */
const char *ugc_curl_version(void);
double ugc_now_ms(void);

UGC_END_HIDDEN

#endif
