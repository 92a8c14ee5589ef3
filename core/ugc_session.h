/* ugc_session: one client's HTTP engine.
 *
 * A session owns one libcurl multi handle: its connections (and TLS sessions)
 * stay alive from call to call and are shared by every request it runs, API
 * posts and file transfers alike. It sends prepared JSON bodies, retries what
 * is safe to retry, and hands back the final response body and metadata. It
 * knows nothing of Lua or of GraphQL beyond "a mutation must not run twice". */
#ifndef UGC_SESSION_H
#define UGC_SESSION_H

#include <stddef.h>

#include "ugc_visibility.h"
UGC_BEGIN_HIDDEN

#include "ugc_buf.h"

#define UGC_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define UGC_DEFAULT_TIMEOUT_MS 60000L
#define UGC_DEFAULT_MAX_RETRIES 2
#define UGC_DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)
#define UGC_RETRY_BASE_S 0.5
#define UGC_RETRY_CAP_S 8.0
#define UGC_RETRY_AFTER_MAX_S 120.0

typedef enum ugc_error {
  UGC_OK = 0,
  UGC_E_NETWORK,   /* connection refused, reset, dropped, name not resolved */
  UGC_E_TIMEOUT,   /* connect or total timeout */
  UGC_E_TLS,       /* handshake or certificate failure */
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
  int max_retries;
  size_t max_body;
  double retry_base_s;    /* first backoff step; doubles per attempt */
  double retry_cap_s;     /* longest computed backoff */
  double retry_after_max_s; /* a longer Retry-After is not waited for */
} ugc_config;

typedef struct ugc_result {
  long status;            /* HTTP status of the last attempt, 0 if none */
  int attempts;
  double elapsed_ms;      /* all attempts and waits included */
  double retry_after_s;   /* from the last response, -1 when absent */
  char request_id[96];    /* x-amzn-RequestId of the last response */
  ugc_error error;
  ugc_reach reach;
  char message[320];      /* for errors; never contains the key */
  const char *body;       /* the last response body; owned by the session */
  size_t body_len;
} ugc_result;

typedef struct ugc_session ugc_session;

/* One operation in flight on a session: a post or a transfer. */
typedef struct ugc_req ugc_req;
typedef enum ugc_req_kind { UGC_REQ_POST, UGC_REQ_UPLOAD, UGC_REQ_DOWNLOAD } ugc_req_kind;

#define UGC_DEFAULT_TRANSFER_LIMIT 4

/* Fills cfg with the defaults above; the caller sets endpoint, key, agent. */
void ugc_config_defaults(ugc_config *cfg);

/* NULL on failure, with a reason in err (size errlen). */
ugc_session *ugc_session_new(const ugc_config *cfg, char *err, size_t errlen);
void ugc_session_free(ugc_session *s);

/* POSTs body to the endpoint. A query (is_mutation == 0) is retried after a
 * connection failure, a timeout, 408, 429 or 5xx; a mutation only when it
 * provably never reached the server. Returns r->error. r->body stays valid
 * until the next call on the session. */
ugc_error ugc_session_post(ugc_session *s, const char *body, size_t len, int is_mutation,
                           ugc_result *r);

/* ==== non-blocking use ==================================================
 * Start requests, then call ugc_session_step until they are done. A session
 * runs every request on one libcurl multi handle, from the caller's thread;
 * no callback ever leaves C. The blocking calls are start + step loops. */

/* Starts a post (the body is copied). NULL only when out of memory. */
ugc_req *ugc_post_start(ugc_session *s, const char *body, size_t len, int is_mutation);
/* Advances every request, waiting up to timeout_ms for network activity
 * (0: never waits). Returns how many requests are not done. */
int ugc_session_step(ugc_session *s, long timeout_ms);
/* The same, saying whether this step has the upload budget (see
 * ugc_session_set_step_budget); ugc_session_step gives it to timeout 0. */
int ugc_session_step_budgeted(ugc_session *s, long timeout_ms, int budgeted);
/* How long a host may sleep before the next step; -1 when nothing runs. */
long ugc_session_timeout_ms(ugc_session *s);
/* The sockets libcurl waits on, for hosts with their own event loop: the
 * number of them, and the i-th (0-based) with what it waits for (a
 * combination of UGC_SOCK_READ and UGC_SOCK_WRITE). Any descriptor number,
 * also 1024 and up (no fd_set). */
#define UGC_SOCK_READ 1
#define UGC_SOCK_WRITE 2
int ugc_session_socket_count(const ugc_session *s);
int ugc_session_socket_at(const ugc_session *s, int i, int *fd, int *what);
/* Cancels every request in flight (their results say UGC_E_CANCELLED), but
 * frees nothing: for a close that arrives while a blocking call runs. */
void ugc_session_cancel_all(ugc_session *s);
/* At most n transfers run at once; more wait in a queue (default 4). */
void ugc_session_set_transfer_limit(ugc_session *s, int n);
/* A budgeted step (by default one with timeout 0: a frame loop's) stops
 * feeding uploads new chunks once it has run ms milliseconds; they go on in
 * the next step, the ones furthest behind first. 0: no limit (the default
 * here; the Lua binding sets 1). */
void ugc_session_set_step_budget(ugc_session *s, double ms);
int ugc_session_live(const ugc_session *s);

int ugc_req_done(const ugc_req *q);
ugc_req_kind ugc_req_kind_of(const ugc_req *q);
/* The post's outcome once done; body valid until the request is freed. */
const ugc_result *ugc_req_result(const ugc_req *q);
/* Stops a request; its result says UGC_E_CANCELLED. */
void ugc_req_cancel(ugc_req *q);
/* Marks a request as owned by a handle (a Lua userdata): the session then
 * detaches it on free instead of freeing it. */
void ugc_req_set_owned(ugc_req *q);
void ugc_req_free(ugc_req *q);

/* Pure policy helpers, exposed for tests. */
int ugc_retry_status(long status);
int ugc_should_retry(int is_mutation, ugc_error err, ugc_reach reach, long status);
double ugc_backoff_s(const ugc_config *cfg, int attempt, double retry_after_s, double unit_random);

/* The libcurl version string, e.g. "7.88.1". */
const char *ugc_curl_version(void);

UGC_END_HIDDEN

#endif
