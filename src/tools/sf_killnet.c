/*
 * sf_killnet.c - libsafeflash-killnet.so: kill an HTTP client at an exchange.
 *
 * LD_PRELOAD it into a program that speaks plain HTTP/1.x to a server on a
 * loopback address (safeflash with --plain-http against the emulated BMC,
 * scripts/killsweep-redfish) and it counts the program's HTTP exchanges:
 * an exchange starts with a write to a loopback TCP socket whose data
 * begins with a request line - an HTTP method token and a space ("GET ",
 * "POST ", "PATCH ", "PUT ", "DELETE ", "HEAD "), then a target and
 * " HTTP/1." on that line.  Environment:
 *
 *   SAFEFLASH_NET_KILL_AT=k     raise(SIGKILL) just before the k-th
 *                               exchange's first write: the server never
 *                               sees that request.
 *   SAFEFLASH_NET_KILL_AFTER=k  raise(SIGKILL) when the first read on the
 *                               k-th exchange's socket after its first
 *                               write returns data: the server answered,
 *                               so the request took effect, and the
 *                               program never learns the answer.
 *   SAFEFLASH_NET_LOG=FILE      append "N METHOD TARGET" per exchange (one
 *                               write() on an O_APPEND descriptor, so the
 *                               lines of several processes do not mix).
 *
 * Wrapped: send, sendto, sendmsg, write, writev (data out) and recv,
 * recvfrom, recvmsg, read, readv (data in), and close.  The real functions
 * come from dlsym(RTLD_NEXT, ...).  libcurl writes with send(...,
 * MSG_NOSIGNAL) and reads with recv(); the others are there for clients
 * that do not.  TLS is not looked into: only plain HTTP is counted.
 *
 * One request per connection at a time (HTTP/1.1 without pipelining): a
 * socket that has sent a request line is "waiting" until data comes back
 * on it or it is closed, and a request line written while it waits - the
 * same buffer again after EAGAIN or a short send - is not a new exchange.
 * The counter and the per-socket flags are atomics, so threads that speak
 * HTTP at the same time are counted once each.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 4096   /* sockets above this are counted, not tracked */
#define PEEK 256      /* bytes of a write looked at for the request line */

typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*msg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*readv_fn)(int, const struct iovec *, int);
typedef int (*close_fn)(int);

static long kill_at, kill_after;           /* 0: off */
static const char *log_path;
static atomic_long exchanges;              /* exchanges started so far */
static atomic_int after_fd = -1;           /* the KILL_AFTER exchange's socket */
static atomic_char waiting[MAX_FD];        /* 1: sent a request, no answer yet */

/* The real functions, resolved by the constructor before main() and any
 * thread runs (or by the first wrapper called before it: still one thread). */
static send_fn real_send;
static sendto_fn real_sendto;
static msg_fn real_sendmsg;
static write_fn real_write;
static writev_fn real_writev;
static recv_fn real_recv;
static recvfrom_fn real_recvfrom;
static recvmsg_fn real_recvmsg;
static read_fn real_read;
static readv_fn real_readv;
static close_fn real_close;

static void resolve(void)
{
    real_send = (send_fn)dlsym(RTLD_NEXT, "send");
    real_sendto = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
    real_sendmsg = (msg_fn)dlsym(RTLD_NEXT, "sendmsg");
    real_write = (write_fn)dlsym(RTLD_NEXT, "write");
    real_writev = (writev_fn)dlsym(RTLD_NEXT, "writev");
    real_recv = (recv_fn)dlsym(RTLD_NEXT, "recv");
    real_recvfrom = (recvfrom_fn)dlsym(RTLD_NEXT, "recvfrom");
    real_recvmsg = (recvmsg_fn)dlsym(RTLD_NEXT, "recvmsg");
    real_read = (read_fn)dlsym(RTLD_NEXT, "read");
    real_readv = (readv_fn)dlsym(RTLD_NEXT, "readv");
    real_close = (close_fn)dlsym(RTLD_NEXT, "close");
}

#define REAL(name) \
    if (!real_##name) \
        resolve()

static long env_num(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : 0;
}

__attribute__((constructor)) static void killnet_init(void)
{
    resolve();
    kill_at = env_num("SAFEFLASH_NET_KILL_AT");
    kill_after = env_num("SAFEFLASH_NET_KILL_AFTER");
    log_path = getenv("SAFEFLASH_NET_LOG");
    if (log_path && !*log_path)
        log_path = NULL;
}

/* A connected TCP socket whose peer is 127.0.0.0/8 or ::1 (v4-mapped too). */
static int loopback_stream(int fd)
{
    int type = 0;
    socklen_t tl = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) || type != SOCK_STREAM)
        return 0;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &sl))
        return 0;
    if (ss.ss_family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

/* The length of the method token when P (N bytes) starts a request line. */
static size_t request_line(const char *p, size_t n)
{
    static const char *const methods[] = { "GET ", "POST ", "PATCH ", "PUT ", "DELETE ",
                                           "HEAD ", "OPTIONS " };
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t ml = strlen(methods[i]);
        if (n <= ml || memcmp(p, methods[i], ml))
            continue;
        const char *eol = memchr(p, '\n', n);
        size_t line = eol ? (size_t)(eol - p) : n;
        for (size_t j = ml; j + 8 <= line; j++)
            if (!memcmp(p + j, " HTTP/1.", 8))
                return ml - 1;
        return 0;
    }
    return 0;
}

static void log_exchange(long k, const char *p, size_t n, size_t ml)
{
    if (!log_path)
        return;
    size_t tl = 0;
    while (ml + 1 + tl < n && p[ml + 1 + tl] != ' ' && tl < 300)
        tl++;
    char line[400];
    int len = snprintf(line, sizeof(line), "%ld %.*s %.*s\n", k, (int)ml, p, (int)tl, p + ml + 1);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    REAL(write);
    ssize_t w = real_write(fd, line, (size_t)len);
    (void)w;
    REAL(close);
    real_close(fd);
}

/* Before data P (N bytes) goes out on FD: a new exchange? Count it, log
 * it, and die here for KILL_AT. */
static void before_write(int fd, const void *p, size_t n)
{
    size_t ml = request_line(p, n);
    if (!ml || !loopback_stream(fd))
        return;
    if (fd >= 0 && fd < MAX_FD && atomic_exchange(&waiting[fd], 1))
        return; /* the same request again (EAGAIN, short send) */
    long k = atomic_fetch_add(&exchanges, 1) + 1;
    log_exchange(k, p, n, ml);
    if (k == kill_at)
        raise(SIGKILL);
    if (k == kill_after)
        atomic_store(&after_fd, fd);
}

/* The first bytes of an iovec array, gathered for before_write. */
static size_t gather(const struct iovec *iov, int cnt, char *buf)
{
    size_t n = 0;
    for (int i = 0; i < cnt && n < PEEK; i++) {
        size_t c = iov[i].iov_len < PEEK - n ? iov[i].iov_len : PEEK - n;
        if (c)
            memcpy(buf + n, iov[i].iov_base, c);
        n += c;
    }
    return n;
}

/* After a read on FD returned R: the answer to a request. */
static void after_read(int fd, ssize_t r)
{
    if (r <= 0 || fd < 0)
        return;
    if (fd < MAX_FD && atomic_load(&waiting[fd])) {
        int type = 0;
        socklen_t tl = sizeof(type);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl))
            return; /* not a socket: a file that took a closed socket's number */
        atomic_store(&waiting[fd], 0);
    }
    if (fd == atomic_load(&after_fd))
        raise(SIGKILL);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    REAL(send);
    before_write(fd, buf, len);
    return real_send(fd, buf, len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
    REAL(sendto);
    before_write(fd, buf, len);
    return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
    REAL(sendmsg);
    if (m) {
        char b[PEEK];
        before_write(fd, b, gather(m->msg_iov, (int)m->msg_iovlen, b));
    }
    return real_sendmsg(fd, m, flags);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    REAL(write);
    before_write(fd, buf, len);
    return real_write(fd, buf, len);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    REAL(writev);
    char b[PEEK];
    before_write(fd, b, gather(iov, cnt, b));
    return real_writev(fd, iov, cnt);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    REAL(recv);
    ssize_t r = real_recv(fd, buf, len, flags);
    after_read(fd, r);
    return r;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                 socklen_t *fromlen)
{
    REAL(recvfrom);
    ssize_t r = real_recvfrom(fd, buf, len, flags, from, fromlen);
    after_read(fd, r);
    return r;
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
    REAL(recvmsg);
    ssize_t r = real_recvmsg(fd, m, flags);
    after_read(fd, r);
    return r;
}

ssize_t read(int fd, void *buf, size_t len)
{
    REAL(read);
    ssize_t r = real_read(fd, buf, len);
    after_read(fd, r);
    return r;
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    REAL(readv);
    ssize_t r = real_readv(fd, iov, cnt);
    after_read(fd, r);
    return r;
}

int close(int fd)
{
    REAL(close);
    if (fd >= 0 && fd < MAX_FD)
        atomic_store(&waiting[fd], 0);
    if (fd >= 0 && fd == atomic_load(&after_fd))
        atomic_store(&after_fd, -1); /* closed unanswered: that exchange is over */
    return real_close(fd);
}
