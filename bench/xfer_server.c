/* bench/xfer_server.c: benchmark server for moveugc transfers.
 *
 * A small local HTTP/1.1 server that the transfer benchmark points both the
 * client under test and curl (curl -T for uploads, curl -o for downloads) at:
 *
 *   PUT <path>  reads the body (Content-Length or chunked, honouring
 *               Expect: 100-continue) into a 1 MiB buffer, throws it away and
 *               answers 200 with the ETag given by --put-etag. Nothing is
 *               hashed: the benchmark already knows the MD5, and the server
 *               should cost as little CPU as possible.
 *   GET <path>  serves the --file with its --etag, honouring Range:
 *               bytes=N-, bytes=N-M and bytes=-N (206, or 416 past the end).
 *               404 without --file.
 *   others      405.
 *
 * --rate MIBPS caps each connection, in both directions (request bodies read,
 * response bodies sent), at MIBPS MiB/s, letting it run at most 256 KiB ahead.
 *
 * Usage: xfer_server [--rate MIBPS] [--file PATH --etag HEX] [--put-etag HEX]
 * Binds 127.0.0.1 on a port the kernel picks and prints one line,
 *   listening on http://127.0.0.1:PORT
 * then serves until SIGTERM or SIGINT. One detached thread per connection,
 * blocking I/O, keep-alive until the client closes. Connection threads run
 * SCHED_BATCH: standing for a remote server, they never preempt the client's
 * threads on wake-up (they keep their share of the CPU).
 *
 * Build: cc -std=c99 -O2 -Wall -Wextra -Werror -pthread \
 *          -o xfer_server bench/xfer_server.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX (16 * 1024)          /* request line + headers, at most */
#define BODY_BUF (1024 * 1024)        /* bodies are read into this and dropped */
#define PACED_CHUNK (64 * 1024)       /* I/O size while a rate cap is on */
#define BURST_BYTES (256.0 * 1024)    /* how far a capped connection may run ahead */
#define SENDFILE_MAX (1L << 30)       /* bytes per sendfile(2) call */
#define ZERO_ETAG "00000000000000000000000000000000-1"
#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"

static struct {
  double rate; /* bytes per second per connection; 0 = unlimited */
  int file_fd; /* -1 without --file */
  off_t file_size;
  const char *etag;
  const char *put_etag;
} cfg = {0, -1, 0, NULL, ZERO_ETAG};

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long next_id;

struct conn {
  int fd;
  char in[HEAD_MAX]; /* buffered input: headers, chunk lines, early body */
  size_t beg, end;   /* the unread input is in[beg..end) */
  char *buf;         /* BODY_BUF bytes: bodies read, file pieces when paced */
  double due;        /* pacing: when the bytes moved so far are due */
};

enum method { M_GET, M_PUT, M_OTHER };

struct request {
  enum method method;
  int keep_alive;
  int chunked;
  int expect_continue;
  long long content_length; /* -1 when absent */
  char range[128];          /* the Range value, "" when absent */
};

enum range_kind { RANGE_NONE, RANGE_OK, RANGE_PAST_END };

/* ---- time and pacing ---- */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_s(double s) {
  struct timespec t;
  t.tv_sec = (time_t)s;
  t.tv_nsec = (long)((s - (double)t.tv_sec) * 1e9);
  while (nanosleep(&t, &t) == -1 && errno == EINTR) {
  }
}

/* Count n more bytes against the connection's cap, and sleep while the
 * connection is more than BURST_BYTES ahead of it. The schedule is absolute,
 * so oversleeping in one call is made up in the next. */
static void pace(struct conn *c, size_t n) {
  double now, ahead;
  if (cfg.rate <= 0)
    return;
  now = now_s();
  if (c->due < now)
    c->due = now; /* idle time earns no more than the burst */
  c->due += (double)n / cfg.rate;
  ahead = c->due - now - BURST_BYTES / cfg.rate;
  if (ahead > 0)
    sleep_s(ahead);
}

/* ---- socket I/O ---- */

static int send_all(int fd, const char *p, size_t n, int flags) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, flags | MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Move the unread input to the front of c->in and read more after it.
 * Returns 1 on data, 0 on EOF, error, or a full buffer. */
static int fill(struct conn *c) {
  ssize_t k;
  if (c->beg > 0) {
    memmove(c->in, c->in + c->beg, c->end - c->beg);
    c->end -= c->beg;
    c->beg = 0;
  }
  if (c->end == sizeof c->in)
    return 0;
  do
    k = recv(c->fd, c->in + c->end, sizeof c->in - c->end, 0);
  while (k < 0 && errno == EINTR);
  if (k <= 0)
    return 0;
  c->end += (size_t)k;
  return 1;
}

/* Read and drop n body bytes: first what is buffered, then straight from the
 * socket into c->buf. */
static int discard(struct conn *c, unsigned long long n) {
  size_t chunk = cfg.rate > 0 ? PACED_CHUNK : BODY_BUF;
  while (n > 0) {
    size_t k = c->end - c->beg;
    if (k > 0) {
      if (k > n)
        k = (size_t)n;
      c->beg += k;
    } else {
      ssize_t got = recv(c->fd, c->buf, n < chunk ? (size_t)n : chunk, 0);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return -1;
      k = (size_t)got;
    }
    n -= k;
    pace(c, k);
  }
  return 0;
}

/* Offset past the empty line that ends a header block, or 0 if none yet. */
static size_t head_end(const char *p, size_t n) {
  size_t i;
  for (i = 0; i + 1 < n; i++) {
    if (p[i] != '\n')
      continue;
    if (p[i + 1] == '\n')
      return i + 2;
    if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

/* Buffer a whole header block. Returns its length, 0 if the client closed
 * between requests, -1 if it is too long or cut short. */
static long read_head(struct conn *c) {
  for (;;) {
    size_t n = head_end(c->in + c->beg, c->end - c->beg);
    if (n > 0)
      return (long)n;
    if (!fill(c))
      return c->end == c->beg ? 0 : -1;
  }
}

/* Cut the next line (ended by LF or CRLF) off *p, NUL-terminated. */
static char *cut_line(char **p) {
  char *line = *p, *nl = strchr(line, '\n');
  *nl = '\0';
  if (nl > line && nl[-1] == '\r')
    nl[-1] = '\0';
  *p = nl + 1;
  return line;
}

/* Read one line of a chunked body (size line, CRLF, or trailer). */
static char *read_line(struct conn *c) {
  for (;;) {
    char *p = c->in + c->beg;
    char *nl = memchr(p, '\n', c->end - c->beg);
    if (nl != NULL) {
      *nl = '\0';
      if (nl > p && nl[-1] == '\r')
        nl[-1] = '\0';
      c->beg = (size_t)(nl + 1 - c->in);
      return p;
    }
    if (!fill(c))
      return NULL;
  }
}

/* ---- request parsing ---- */

static int is_token(const char *s) {
  if (*s == '\0')
    return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
      return 0;
  return 1;
}

static char *trim(char *s) {
  char *e;
  while (*s == ' ' || *s == '\t')
    s++;
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
    *--e = '\0';
  return s;
}

/* Parse a run of decimal digits (at least one) at s. */
static int parse_dec(const char *s, char **end, unsigned long long *v) {
  if (!isdigit((unsigned char)*s))
    return -1;
  errno = 0;
  *v = strtoull(s, end, 10);
  return errno ? -1 : 0;
}

/* Does the comma-separated list s hold tok (case-insensitive)? */
static int has_token(const char *s, const char *tok) {
  size_t n = strlen(tok);
  while (*s) {
    while (*s == ' ' || *s == '\t' || *s == ',')
      s++;
    if (strncasecmp(s, tok, n) == 0 && strchr(" \t,", s[n]))
      return 1; /* strchr also matches s[n] == '\0' */
    s += strcspn(s, ",");
  }
  return 0;
}

static int parse_request_line(char *s, struct request *r) {
  char *target, *version;
  if (!(target = strchr(s, ' ')))
    return -1;
  *target++ = '\0';
  if (!(version = strchr(target, ' ')))
    return -1;
  *version++ = '\0';
  if (!is_token(s) || *target == '\0')
    return -1;
  if (strcmp(version, "HTTP/1.1") == 0)
    r->keep_alive = 1;
  else if (strcmp(version, "HTTP/1.0") == 0)
    r->keep_alive = 0;
  else
    return -1;
  r->method = strcmp(s, "GET") == 0   ? M_GET
              : strcmp(s, "PUT") == 0 ? M_PUT
                                      : M_OTHER;
  return 0;
}

static int set_content_length(const char *v, struct request *r) {
  unsigned long long n;
  char *end;
  if (parse_dec(v, &end, &n) < 0 || *end || n > (unsigned long long)LLONG_MAX)
    return -1;
  if (r->content_length >= 0 && (unsigned long long)r->content_length != n)
    return -1;
  r->content_length = (long long)n;
  return 0;
}

/* Only a body whose last transfer coding is chunked can be framed. */
static int set_transfer_encoding(char *v, struct request *r) {
  char *last = strrchr(v, ',');
  if (strcasecmp(trim(last ? last + 1 : v), "chunked") != 0)
    return -1;
  r->chunked = 1;
  return 0;
}

static int parse_header(char *s, struct request *r) {
  char *v = strchr(s, ':');
  if (v == NULL)
    return -1;
  *v++ = '\0';
  if (!is_token(s))
    return -1;
  v = trim(v);
  if (strcasecmp(s, "content-length") == 0)
    return set_content_length(v, r);
  if (strcasecmp(s, "transfer-encoding") == 0)
    return set_transfer_encoding(v, r);
  if (strcasecmp(s, "expect") == 0)
    r->expect_continue = strcasecmp(v, "100-continue") == 0;
  else if (strcasecmp(s, "connection") == 0 && has_token(v, "close"))
    r->keep_alive = 0;
  else if (strcasecmp(s, "connection") == 0 && has_token(v, "keep-alive"))
    r->keep_alive = 1;
  else if (strcasecmp(s, "range") == 0 && strlen(v) < sizeof r->range)
    strcpy(r->range, v);
  return 0;
}

/* Parse the header block p[0..n), which ends with an empty line, in place. */
static int parse_head(char *p, size_t n, struct request *r) {
  char *line;
  memset(r, 0, sizeof *r);
  r->content_length = -1;
  if (memchr(p, '\0', n) != NULL)
    return -1; /* every line in the block then ends at its LF */
  if (parse_request_line(cut_line(&p), r) < 0)
    return -1;
  while (*(line = cut_line(&p)) != '\0')
    if (parse_header(line, r) < 0)
      return -1;
  return 0;
}

/* ---- request bodies ---- */

static int discard_chunked(struct conn *c) {
  for (;;) {
    unsigned long long n;
    char *line = read_line(c), *end;
    if (line == NULL || !isxdigit((unsigned char)*line))
      return -1;
    errno = 0;
    n = strtoull(line, &end, 16);
    if (errno || (*end && !strchr(" \t;", *end)))
      return -1;
    if (n == 0)
      break;
    if (discard(c, n) < 0 || (line = read_line(c)) == NULL || *line)
      return -1;
  }
  for (;;) { /* trailer fields, up to the empty line */
    char *line = read_line(c);
    if (line == NULL)
      return -1;
    if (*line == '\0')
      return 0;
  }
}

static int read_body(struct conn *c, const struct request *r) {
  if (!r->chunked && r->content_length <= 0)
    return 0;
  if (r->expect_continue &&
      send_all(c->fd, CONTINUE, sizeof CONTINUE - 1, 0) < 0)
    return -1;
  if (r->chunked)
    return discard_chunked(c);
  return discard(c, (unsigned long long)r->content_length);
}

/* ---- responses ---- */

static unsigned long new_id(void) {
  unsigned long id;
  pthread_mutex_lock(&id_lock);
  id = ++next_id;
  pthread_mutex_unlock(&id_lock);
  return id;
}

/* Send a status line and headers; `extra` holds further header lines. With
 * more set, the kernel is told a body follows. */
static int send_head(struct conn *c, const char *status, const char *extra,
                     long long length, int keep_alive, int more) {
  char h[1024];
  int n = snprintf(h, sizeof h,
                   "HTTP/1.1 %s\r\n%sx-amz-request-id: bench-%lu\r\n"
                   "Content-Length: %lld\r\n%s\r\n",
                   status, extra, new_id(), length,
                   keep_alive ? "" : "Connection: close\r\n");
  if (n < 0 || (size_t)n >= sizeof h)
    return -1;
  return send_all(c->fd, h, (size_t)n, more ? MSG_MORE : 0);
}

static int reply_put(struct conn *c, const struct request *r) {
  char extra[256];
  snprintf(extra, sizeof extra, "ETag: \"%s\"\r\n", cfg.put_etag);
  return send_head(c, "200 OK", extra, 0, r->keep_alive, 0);
}

/* Work out bytes first..last of a size-byte file from a Range value. Ranges
 * that cannot be parsed (and multi-ranges) are ignored, as RFC 9110 allows. */
static enum range_kind parse_range(const char *s, off_t size, off_t *first,
                                   off_t *last) {
  unsigned long long a, b, n = (unsigned long long)size;
  char *end;
  if (strncasecmp(s, "bytes=", 6) != 0)
    return RANGE_NONE;
  s += 6;
  if (*s == '-') { /* suffix: the last b bytes */
    if (parse_dec(s + 1, &end, &b) < 0 || *end)
      return RANGE_NONE;
    if (b == 0 || n == 0)
      return RANGE_PAST_END;
    *first = (off_t)(b < n ? n - b : 0);
    *last = size - 1;
    return RANGE_OK;
  }
  if (parse_dec(s, &end, &a) < 0 || *end != '-')
    return RANGE_NONE;
  s = end + 1;
  b = n; /* open-ended */
  if (*s && (parse_dec(s, &end, &b) < 0 || *end || b < a))
    return RANGE_NONE;
  if (a >= n)
    return RANGE_PAST_END;
  *first = (off_t)a;
  *last = (off_t)(b < n ? b : n - 1);
  return RANGE_OK;
}

static int send_with_sendfile(int fd, off_t off, off_t len) {
  while (len > 0) {
    ssize_t k = sendfile(fd, cfg.file_fd, &off,
                         len < SENDFILE_MAX ? (size_t)len : SENDFILE_MAX);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1; /* error, or the file shrank */
    len -= k;
  }
  return 0;
}

static int send_paced(struct conn *c, off_t off, off_t len) {
  while (len > 0) {
    ssize_t k = pread(cfg.file_fd, c->buf,
                      len < PACED_CHUNK ? (size_t)len : PACED_CHUNK, off);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    pace(c, (size_t)k);
    if (send_all(c->fd, c->buf, (size_t)k, 0) < 0)
      return -1;
    off += k;
    len -= k;
  }
  return 0;
}

static int reply_get(struct conn *c, const struct request *r) {
  char extra[512], crange[128] = "";
  const char *status = "200 OK";
  off_t size = cfg.file_size, first = 0, last = size - 1;
  if (cfg.file_fd < 0)
    return send_head(c, "404 Not Found", "", 0, r->keep_alive, 0);
  switch (parse_range(r->range, size, &first, &last)) {
  case RANGE_NONE:
    break;
  case RANGE_OK:
    status = "206 Partial Content";
    snprintf(crange, sizeof crange, "Content-Range: bytes %lld-%lld/%lld\r\n",
             (long long)first, (long long)last, (long long)size);
    break;
  case RANGE_PAST_END:
    status = "416 Range Not Satisfiable";
    snprintf(crange, sizeof crange, "Content-Range: bytes */%lld\r\n",
             (long long)size);
    first = 0;
    last = -1;
    break;
  }
  snprintf(extra, sizeof extra,
           "ETag: \"%s\"\r\nAccept-Ranges: bytes\r\n"
           "Content-Type: application/octet-stream\r\n%s",
           cfg.etag, crange);
  if (send_head(c, status, extra, last - first + 1, r->keep_alive,
                last >= first) < 0)
    return -1;
  if (cfg.rate > 0)
    return send_paced(c, first, last - first + 1);
  return send_with_sendfile(c->fd, first, last - first + 1);
}

static int respond(struct conn *c, const struct request *r) {
  switch (r->method) {
  case M_PUT:
    return reply_put(c, r);
  case M_GET:
    return reply_get(c, r);
  default:
    return send_head(c, "405 Method Not Allowed", "Allow: GET, PUT\r\n", 0,
                     r->keep_alive, 0);
  }
}

/* ---- connections ---- */

static void bad_request(struct conn *c) {
  send_head(c, "400 Bad Request", "", 0, 0, 0);
}

/* Serve one request; returns nonzero to keep the connection open. */
static int serve_one(struct conn *c) {
  struct request r;
  long n = read_head(c);
  if (n == 0)
    return 0;
  if (n < 0 || parse_head(c->in + c->beg, (size_t)n, &r) < 0) {
    bad_request(c);
    return 0;
  }
  c->beg += (size_t)n;
  if (read_body(c, &r) < 0) {
    bad_request(c);
    return 0;
  }
  return respond(c, &r) == 0 && r.keep_alive;
}

/* Close after a last response without turning it into a reset: stop
 * sending, then read and drop what the client still sends, for a while. */
static void linger_close(struct conn *c) {
  struct timeval wait = {1, 0};
  size_t drained = 0;
  ssize_t k;
  shutdown(c->fd, SHUT_WR);
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  while (drained < 16 * BODY_BUF && (k = recv(c->fd, c->buf, BODY_BUF, 0)) > 0)
    drained += (size_t)k;
  close(c->fd);
}

static void *serve_conn(void *arg) {
  struct conn *c = arg;
  struct sched_param none;
  /* the server stands for a remote one (S3): on a shared 2-core machine its
   * threads must not preempt the client's on wake-up, or a frame's step
   * measures this server; they keep their share of the CPU */
  memset(&none, 0, sizeof none);
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
  while (serve_one(c)) {
  }
  linger_close(c);
  free(c->buf);
  free(c);
  return NULL;
}

static void start_conn(int fd) {
  pthread_attr_t attr;
  pthread_t t;
  int one = 1, ok = 0;
  struct conn *c = calloc(1, sizeof *c);
  if (c != NULL && (c->buf = malloc(BODY_BUF)) != NULL) {
    c->fd = fd;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    ok = pthread_create(&t, &attr, serve_conn, c) == 0;
    pthread_attr_destroy(&attr);
  }
  if (!ok) {
    close(fd);
    if (c != NULL)
      free(c->buf);
    free(c);
  }
}

static void *accept_loop(void *arg) {
  int lfd = *(int *)arg;
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd >= 0)
      start_conn(fd);
    else if (errno == EBADF || errno == EINVAL)
      return NULL; /* the listener was closed: shutting down */
    else if (errno != EINTR && errno != ECONNABORTED)
      sleep_s(0.01); /* out of descriptors or memory: back off */
  }
}

/* ---- start-up ---- */

static int listen_local(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
      listen(fd, 128) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
    perror("xfer_server: listen");
    return -1;
  }
  printf("listening on http://127.0.0.1:%u\n", (unsigned)ntohs(a.sin_port));
  fflush(stdout);
  return fd;
}

/* An ETag goes between quotes in a header: allow only [0-9A-Za-z-]. */
static int valid_etag(const char *s) {
  size_t n = strlen(s);
  return n > 0 && n <= 128 && strspn(s, "0123456789abcdefABCDEF"
                                        "ghijklmnopqrstuvwxyz"
                                        "GHIJKLMNOPQRSTUVWXYZ-") == n;
}

static int open_file(const char *path) {
  struct stat st;
  cfg.file_fd = open(path, O_RDONLY);
  if (cfg.file_fd < 0 || fstat(cfg.file_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "xfer_server: %s: not a readable file\n", path);
    return -1;
  }
  cfg.file_size = st.st_size;
  return 0;
}

static int parse_args(int argc, char **argv) {
  const char *path = NULL;
  int i;
  for (i = 1; i + 1 < argc; i += 2) {
    const char *opt = argv[i], *v = argv[i + 1];
    char *end;
    if (strcmp(opt, "--rate") == 0) {
      double mib = strtod(v, &end);
      if (end == v || *end || !(mib >= 0))
        return -1;
      cfg.rate = mib * 1024 * 1024;
    } else if (strcmp(opt, "--file") == 0) {
      path = v;
    } else if (strcmp(opt, "--etag") == 0 && valid_etag(v)) {
      cfg.etag = v;
    } else if (strcmp(opt, "--put-etag") == 0 && valid_etag(v)) {
      cfg.put_etag = v;
    } else {
      return -1;
    }
  }
  if (i != argc || (path != NULL && cfg.etag == NULL))
    return -1;
  return path != NULL ? open_file(path) : 0;
}

int main(int argc, char **argv) {
  static int lfd;
  pthread_t t;
  sigset_t stop;
  int sig;
  if (parse_args(argc, argv) < 0) {
    fprintf(stderr, "usage: xfer_server [--rate MIBPS] [--file PATH --etag HEX]"
                    " [--put-etag HEX]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL); /* every thread inherits this */
  if ((lfd = listen_local()) < 0)
    return 1;
  if (pthread_create(&t, NULL, accept_loop, &lfd) != 0) {
    fprintf(stderr, "xfer_server: cannot start the accept thread\n");
    return 1;
  }
  pthread_detach(t);
  sigwait(&stop, &sig);
  close(lfd);
  return 0;
}
