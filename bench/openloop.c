/*
 * Open-loop HTTP/1.1 load at a fixed rate, for tail latency without coordinated omission: request i
 * is due at start + i/rate whatever happened before it, and its latency runs from that due time, not
 * from when a free connection could send it (the wrk2 correction). One thread, epoll, keep-alive
 * connections, one request in flight per connection.
 *
 *   openloop HOST PORT PATH RATE SECONDS CONNECTIONS ["Header: value"]
 *
 * Prints one line: "sent done rate p50 p90 p99 p999 max non2xx errors" (latencies in ms).
 * With OPENLOOP_TIMELINE set, also one line per 100 ms on stderr: "second answers max-ms", to see
 * whether a tail is spread over the run or comes from one stall.
 * Bodies are read by Content-Length or to the end of a chunked body. A response that says
 * "Connection: close" ends its connection, and a new one takes its place (as wrk does); a server's
 * close of a connection with no request in flight is not an error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536
#define US_BUCKETS 1000000 /* 1 us resolution up to 1 s; above that, 1 ms up to 60 s */
#define MS_BUCKETS 60000

typedef struct {
    int fd;
    int busy;
    int64_t due; /* the due time of the request in flight, ns */
    size_t len;
    char buf[BUF];
} conn;

static uint32_t us_hist[US_BUCKETS];
static uint32_t ms_hist[MS_BUCKETS];
static uint64_t recorded;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static void record(int64_t ns) {
    int64_t us = ns / 1000;
    if (us < 0) us = 0;
    if (us < US_BUCKETS) us_hist[us]++;
    else ms_hist[us / 1000 < MS_BUCKETS ? us / 1000 : MS_BUCKETS - 1]++;
    recorded++;
}

static double percentile(double p) {
    uint64_t want = (uint64_t) (p * recorded), seen = 0;
    if (want >= recorded) want = recorded - 1;
    for (int i = 0; i < US_BUCKETS; i++) {
        seen += us_hist[i];
        if (seen > want) return i / 1000.0;
    }
    for (int i = 0; i < MS_BUCKETS; i++) {
        seen += ms_hist[i];
        if (seen > want) return (double) i;
    }
    return MS_BUCKETS;
}

static int open_conn(struct sockaddr_in *addr, int ep, conn *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *) addr, sizeof *addr) < 0 && errno != EINPROGRESS) {
        perror("connect");
        exit(2);
    }
    c->fd = fd;
    c->busy = 0;
    c->len = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    return fd;
}

/*
 * The length of the complete response at the start of c->buf, or 0 when it is not all here yet;
 * *close tells whether its head says "Connection: close".
 */
static size_t complete(conn *c, int *status, int *close) {
    c->buf[c->len] = 0;
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = end + 4 - c->buf;
    *status = atoi(c->buf + 9);
    *close = 0;
    size_t whole = head;
    for (char *l = strstr(c->buf, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, "connection: close", 17) == 0) {
            *close = 1;
        } else if (strncasecmp(l + 2, "content-length:", 15) == 0) {
            size_t n = head + strtoul(l + 17, NULL, 10);
            whole = c->len >= n ? n : 0;
        } else if (strncasecmp(l + 2, "transfer-encoding:", 18) == 0) {
            char *last = memmem(c->buf + head - 2, c->len - head + 2, "\r\n0\r\n\r\n", 7);
            whole = last ? (size_t) (last + 7 - c->buf) : 0;
        }
    }
    return whole;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: openloop HOST PORT PATH RATE SECONDS CONNECTIONS [HEADER]\n");
        return 2;
    }
    double rate = atof(argv[4]);
    double seconds = atof(argv[5]);
    int n = atoi(argv[6]);
    char req[4096];
    int reqlen = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\n%s%s\r\n", argv[3], argv[1],
                          argv[2], argc > 7 ? argv[7] : "", argc > 7 ? "\r\n" : "");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &addr.sin_addr);

    int ep = epoll_create1(0);
    conn *conns = calloc(n, sizeof(conn));
    conn **idle = calloc(n, sizeof(conn *));
    int nidle = 0;
    for (int i = 0; i < n; i++) {
        open_conn(&addr, ep, &conns[i]);
        idle[nidle++] = &conns[i];
    }
    usleep(100000); /* let the connections establish before the clock starts */

    int64_t interval = (int64_t) (1e9 / rate);
    int64_t start = now_ns(), stop = start + (int64_t) (seconds * 1e9);
    uint64_t sent = 0, done = 0, non2xx = 0, errors = 0;
    int timeline = getenv("OPENLOOP_TIMELINE") != NULL;
    int64_t slice_end = start + 100000000, slice_max = 0;
    uint64_t slice_done = 0;
    struct epoll_event events[256];
    for (;;) {
        int64_t now = now_ns();
        /* send what is due, while a connection is free; the rest waits, its clock already running */
        while (nidle > 0 && start + (int64_t) sent * interval <= now && start + (int64_t) sent * interval < stop) {
            conn *c = idle[--nidle];
            c->due = start + (int64_t) sent * interval;
            c->busy = 1;
            if (write(c->fd, req, reqlen) != reqlen) { /* a fresh keep-alive socket takes 200 bytes whole */
                errors++;
                close(c->fd);
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                open_conn(&addr, ep, c);
                idle[nidle++] = c;
                continue;
            }
            sent++;
        }
        if (now >= stop && nidle == n) break;
        if (now >= stop + 10000000000LL) break; /* answers 10 s late are not coming */
        int64_t next = start + (int64_t) sent * interval;
        int64_t wait = nidle > 0 && next < stop ? next - now : 1000000;
        if (wait < 0) wait = 0;
        struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
        int k = epoll_pwait2(ep, events, 256, &ts, NULL);
        int64_t t = now_ns();
        for (int i = 0; i < k; i++) {
            conn *c = events[i].data.ptr;
            ssize_t r = read(c->fd, c->buf + c->len, BUF - 1 - c->len);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                if (c->busy) errors++; /* a request in flight is lost; an idle connection just ended */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                int was_idle = !c->busy;
                open_conn(&addr, ep, c);
                if (!was_idle) idle[nidle++] = c; /* an idle one is on the idle list already */
                continue;
            }
            c->len += r;
            int status = 0, closes = 0;
            size_t whole = complete(c, &status, &closes);
            if (whole == 0 || !c->busy) continue;
            if (status < 200 || status > 299) non2xx++;
            record(t - c->due);
            done++;
            if (timeline) {
                while (t >= slice_end) {
                    fprintf(stderr, "%.1f %lu %.3f\n", (slice_end - start) / 1e9, slice_done, slice_max / 1e6);
                    slice_end += 100000000;
                    slice_done = 0;
                    slice_max = 0;
                }
                slice_done++;
                if (t - c->due > slice_max) slice_max = t - c->due;
            }
            memmove(c->buf, c->buf + whole, c->len - whole);
            c->len -= whole;
            c->busy = 0;
            if (closes) { /* the server ends this connection: a new one takes its place */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                open_conn(&addr, ep, c);
            }
            idle[nidle++] = c;
        }
    }
    double secs = (now_ns() - start) / 1e9;
    printf("%lu %lu %.0f %.3f %.3f %.3f %.3f %.3f %lu %lu\n", sent, done, done / secs, percentile(0.50),
           percentile(0.90), percentile(0.99), percentile(0.999), percentile(1.0), non2xx, errors);
    return 0;
}
