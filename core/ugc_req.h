/* Private to core/: the session (one libcurl multi handle) and the requests
 * it drives. Posts and transfers are kinds of request; the step loop, timers
 * and queues are shared by all of them. */
#ifndef UGC_REQ_H
#define UGC_REQ_H

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>

#include "ugc_headers.h"
#include "ugc_session.h"
#include "ugc_transfer.h"

UGC_BEGIN_HIDDEN

#define UGC_EASY_POOL 8
/* In a budgeted step, an upload more than this many chunks ahead of the
 * furthest behind of those the last step paused waits: the budget goes round
 * and nobody starves. (An upload whose socket is slow never asks, so never
 * holds the others back.) */
#define UGC_FAIR_AHEAD 8

typedef enum ugc_req_state {
  UGC_RS_QUEUED,  /* a transfer waiting for a free slot */
  UGC_RS_RUNNING, /* in the multi handle */
  UGC_RS_BACKOFF, /* a post waiting to retry */
  UGC_RS_DONE
} ugc_req_state;

struct ugc_req {
  ugc_session *s;            /* NULL once the session is gone */
  ugc_req *prev, *next;      /* the session's live list */
  ugc_req_kind kind;
  ugc_req_state state;
  int handle_owned;          /* a Lua (or other) handle will free it */
  int cancelled;
  CURL *easy;
  double start_ms, wake_ms;
  char curl_err[CURL_ERROR_SIZE];
  ugc_headers hdr;           /* the current response's headers */
  /* post */
  char *body;                /* owned copy, or borrowed when body_borrowed */
  int body_borrowed;
  size_t body_len, send_off;
  int mutation;
  ugc_buf resp;
  ugc_result res;
  /* transfer */
  FILE *fp;
  char *path;
  char *url;
  EVP_MD_CTX *md5;
  int64_t offset, file_size;
  int restarted;
  int paused;                /* its read callback paused it: step(0) ran out of time */
  int64_t chunks;            /* chunks read: a budgeted step feeds the ones behind first */
  size_t err_len;
  int file_errno;            /* a read or write of the local file failed */
  ugc_xfer_result xres;
};

typedef struct ugc_sock {
  curl_socket_t fd;
  int what; /* UGC_SOCK_READ | UGC_SOCK_WRITE */
} ugc_sock;

struct ugc_session {
  CURLM *multi;
  ugc_sock *socks;            /* what libcurl waits on (its socket callback) */
  int nsocks, capsocks;
  struct curl_slist *headers; /* holds the Authorization header: never logged */
  ugc_config cfg;
  char *endpoint, *ca_file, *user_agent;
  uint64_t rng;
  ugc_req *live;
  CURL *pool[UGC_EASY_POOL];
  int npool;
  int transfer_limit, transfers_running;
  ugc_buf last;               /* the body ugc_session_post hands back */
  double step_budget_ms;      /* of upload reading and hashing in one step(0); 0: none */
  double step_deadline_ms;    /* during a step(0): uploads pause past it; else 0 */
  int paused;                 /* uploads paused in a budgeted step, resumed at the next */
  int step_fed;               /* chunks read in this budgeted step */
  int contended;              /* uploads wanted a chunk and were paused in the last step */
  int64_t min_chunks;         /* then: the fewest chunks any of them has read */
};

double ugc_now_ms(void);
CURL *ugc_easy_take(ugc_session *s);
void ugc_easy_give(ugc_session *s, CURL *e);
void ugc_req_link(ugc_session *s, ugc_req *q);
/* Only http and https, also for redirects (a presigned URL is the server's
 * word: file:// or any other scheme must never be followed); 0 on success. */
int ugc_easy_web_only(CURL *e);
/* Puts a request's easy handle into the multi handle; 0 on success. */
int ugc_req_run(ugc_req *q);
/* Called by the step loop when a transfer's attempt ends. */
void ugc_transfer_finished(ugc_req *q, CURLcode rc);
void ugc_transfer_release(ugc_req *q);

UGC_END_HIDDEN

#endif
