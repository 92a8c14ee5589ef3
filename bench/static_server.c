/* bench/static_server.c: a tiny HTTP/1.1 keep-alive server on 127.0.0.1 that
 * answers every request with one fixed JSON body, so that a benchmark of a
 * client measures the client and not the server.
 *
 * Usage: static_server BODY_FILE [GZIP_FILE]
 * Prints "listening on http://127.0.0.1:PORT/graphql" (port chosen by the
 * kernel), then serves until killed. One thread, poll(2), no allocation per
 * request: it reads a request's headers, skips Content-Length bytes of body,
 * and writes the prepared response in one send(): GZIP_FILE's (the same body
 * compressed) with Content-Encoding: gzip when the request accepts gzip.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 64
#define BUF_SIZE 65536

struct conn {
  int fd;
  size_t len;  /* bytes buffered */
  size_t skip; /* body bytes still to discard */
  int gzip;    /* the request accepts a gzip answer */
  char buf[BUF_SIZE];
};

static char *response, *response_gz;
static size_t response_len, response_gz_len;
static struct conn conns[MAX_CONN];

static char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  char *s;
  long size;
  if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    perror(path);
    exit(1);
  }
  s = malloc((size_t)size + 1);
  if (!s || fread(s, 1, (size_t)size, f) != (size_t)size) exit(1);
  fclose(f);
  *n = (size_t)size;
  return s;
}

static char *build_response(const char *body, size_t n, const char *encoding, size_t *len) {
  static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "x-amzn-RequestId: 00000000-0000-4000-8000-000000000000\r\n%s"
                             "Connection: keep-alive\r\nContent-Length: %zu\r\n\r\n";
  int h = snprintf(NULL, 0, head, encoding, n);
  char *r = malloc((size_t)h + n + 1);
  if (!r) exit(1);
  snprintf(r, (size_t)h + 1, head, encoding, n);
  memcpy(r + h, body, n);
  *len = (size_t)h + n;
  return r;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* the client went away; the next read notices */
    p += w;
    n -= (size_t)w;
  }
}

static void respond(struct conn *c) {
  if (c->gzip && response_gz) send_all(c->fd, response_gz, response_gz_len);
  else send_all(c->fd, response, response_len);
}

/* Answers every complete request in c->buf; returns 0 to close. */
static int serve(struct conn *c) {
  for (;;) {
    char *end, *cl;
    size_t head, body = 0;
    if (c->skip > 0) { /* discard body bytes already buffered */
      size_t k = c->skip < c->len ? c->skip : c->len;
      memmove(c->buf, c->buf + k, c->len - k);
      c->len -= k;
      c->skip -= k;
      if (c->skip > 0) return 1;
      respond(c);
    }
    c->buf[c->len] = '\0';
    end = strstr(c->buf, "\r\n\r\n");
    if (!end) return c->len < BUF_SIZE - 1;
    head = (size_t)(end - c->buf) + 4;
    c->gzip = 0;
    for (cl = c->buf; cl && cl < end; cl = strstr(cl + 1, "\r\n")) {
      if (strncasecmp(cl, "\r\nContent-Length:", 17) == 0) body = strtoul(cl + 17, NULL, 10);
      if (strncasecmp(cl, "\r\nAccept-Encoding:", 18) == 0) {
        char *eol = strstr(cl + 2, "\r\n"), *g = strstr(cl + 18, "gzip");
        c->gzip = g && g < eol;
      }
    }
    memmove(c->buf, c->buf + head, c->len - head);
    c->len -= head;
    c->skip = body;
    if (body == 0) respond(c);
  }
}

int main(int argc, char **argv) {
  struct sockaddr_in addr;
  socklen_t alen = sizeof addr;
  struct pollfd pfd[MAX_CONN + 1];
  int lfd, one = 1, i;
  char *body;
  size_t n;
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: %s BODY_FILE [GZIP_FILE]\n", argv[0]);
    return 2;
  }
  body = read_file(argv[1], &n);
  response = build_response(body, n, "", &response_len);
  if (argc == 3) {
    body = read_file(argv[2], &n);
    response_gz = build_response(body, n, "Content-Encoding: gzip\r\n", &response_gz_len);
  }
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0 ||
      getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
    perror("bind");
    return 1;
  }
  printf("listening on http://127.0.0.1:%d/graphql\n", ntohs(addr.sin_port));
  fflush(stdout);
  for (i = 0; i < MAX_CONN; i++) conns[i].fd = -1;
  for (;;) {
    pfd[0].fd = lfd;
    pfd[0].events = POLLIN;
    for (i = 0; i < MAX_CONN; i++) {
      pfd[i + 1].fd = conns[i].fd;
      pfd[i + 1].events = POLLIN;
    }
    if (poll(pfd, MAX_CONN + 1, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (pfd[0].revents & POLLIN) {
      int fd = accept(lfd, NULL, NULL);
      for (i = 0; fd >= 0 && i < MAX_CONN && conns[i].fd >= 0; i++) {}
      if (fd >= 0 && i == MAX_CONN) close(fd);
      if (fd >= 0 && i < MAX_CONN) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i].fd = fd;
        conns[i].len = conns[i].skip = 0;
      }
    }
    for (i = 0; i < MAX_CONN; i++) {
      struct conn *c = &conns[i];
      ssize_t r;
      if (c->fd < 0 || !(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      r = recv(c->fd, c->buf + c->len, BUF_SIZE - 1 - c->len, 0);
      if (r > 0) c->len += (size_t)r;
      if (r <= 0 || !serve(c)) {
        close(c->fd);
        c->fd = -1;
      }
    }
  }
}
