/*
 * sf_emu_preload.c - LD_PRELOAD library presenting the emulated devices
 * declared in $SAFEFLASH_EMU as SCSI generic nodes to any dynamically
 * linked program: safeflash itself, sg_inq, sg_ses, sg_ses_microcode.
 *
 * How it fits what libsgutils2 1.46 does (ses-reference.md): it opens the
 * node (open/open64/__open64_2 and the *at variants), fstat()s it to pick
 * the interface by major number, and sends SG_IO.  We hand out a real fd
 * (on /dev/null) so close/dup/poll keep working, remember which device it
 * stands for, report it to fstat as a character device of the sg major
 * (21), and answer the sg ioctls the way the sg driver does: v3 SG_IO
 * (and v4 for bsg-style callers) run through the same device model the
 * in-process transport uses.
 *
 * Any path not declared in the config falls through to libc untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bsg.h>
#include <scsi/sg.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "emu/sf_emu.h"

#define MAX_FD 65536
#define SG_MAJOR_NUM 21
#define SG_VERSION 30536   /* sg driver 3.5.36, as Linux 6.1 reports */

/* Marker: safeflash looks this up to know its SG_IO path is emulated. */
__attribute__((visibility("default"))) int sf_emu_preload_active = 1;

static struct sf_emu *g_emu;
/* SAFEFLASH_EMU_KILL_AT=k: the process dies (SIGKILL) as it issues its k-th
 * SG_IO, before the device sees it - the crash-safety tests' way of killing
 * safeflash at an exact point.  SAFEFLASH_EMU_KILL_AFTER=k: it dies right
 * after the device executed its k-th SG_IO, before the answer reaches it. */
static long g_kill_at = -1, g_kill_after = -1;
static long g_sgio_count;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static __thread int g_inside;          /* re-entrancy guard during load */
static unsigned short g_fd_dev[MAX_FD]; /* device index + 1, 0 = not ours */
static int g_fd_timeout[MAX_FD];

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*fstat_fn)(int, struct stat *);
typedef int (*fstat64_fn)(int, struct stat64 *);

#define REAL(name, type)                                                       \
    static type real_##name;                                                   \
    if (!real_##name)                                                          \
        real_##name = (type)dlsym(RTLD_NEXT, #name)

static void load_once(void)
{
    const char *k = getenv("SAFEFLASH_EMU_KILL_AT");
    if (k && *k)
        g_kill_at = strtol(k, NULL, 10);
    k = getenv("SAFEFLASH_EMU_KILL_AFTER");
    if (k && *k)
        g_kill_after = strtol(k, NULL, 10);
    const char *conf = getenv("SAFEFLASH_EMU");
    if (!conf || !*conf)
        return;
    struct sf_errctx ec = { 0 };
    g_inside = 1;
    int rc = sf_emu_open(conf, &g_emu, &ec);
    g_inside = 0;
    if (rc)
        fprintf(stderr, "libsafeflash-emu: %s\n", ec.msg[0] ? ec.msg : sf_err_str(rc));
}

/* Threads of one program (safeflash --jobs) may open devices at once. */
static void load(void)
{
    pthread_once(&g_once, load_once);
}

/* Device index for an emulated path, or -1. */
static int lookup(const char *path)
{
    if (g_inside || !path)
        return -1;
    load();
    return g_emu ? sf_emu_find(g_emu, path) : -1;
}

/* The *at variants: only absolute paths can name a declared device. */
static int lookup_abs(const char *path)
{
    return (path && path[0] == '/') ? lookup(path) : -1;
}

static int ours(int fd)
{
    return fd >= 0 && fd < MAX_FD && g_fd_dev[fd] != 0;
}

static int fake_open(int dev, int flags)
{
    REAL(open, open_fn);
    int fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
    if (fd < 0)
        return fd;
    if (fd >= MAX_FD) {
        REAL(close, close_fn);
        real_close(fd);
        errno = EMFILE;
        return -1;
    }
    g_fd_dev[fd] = (unsigned short)(dev + 1);
    g_fd_timeout[fd] = 60000;
    return fd;
}

/* ---- open family ---- */

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int dev = lookup(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(open, open_fn);
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int dev = lookup(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(open64, open_fn);
    return real_open64(path, flags, mode);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
    int dev = lookup(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(__open_2, open2_fn);
    return real___open_2(path, flags);
}

int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags)
{
    int dev = lookup(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(__open64_2, open2_fn);
    return real___open64_2(path, flags);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int dev = lookup_abs(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(openat, openat_fn);
    return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int dev = lookup_abs(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(openat64, openat_fn);
    return real_openat64(dirfd, path, flags, mode);
}

int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags)
{
    int dev = lookup_abs(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(__openat_2, openat2_fn);
    return real___openat_2(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags)
{
    int dev = lookup_abs(path);
    if (dev >= 0)
        return fake_open(dev, flags);
    REAL(__openat64_2, openat2_fn);
    return real___openat64_2(dirfd, path, flags);
}

int close(int fd)
{
    if (ours(fd))
        g_fd_dev[fd] = 0;
    REAL(close, close_fn);
    return real_close(fd);
}

/* ---- fstat: present the fd as an sg character node ---- */

static void patch_stat(int fd, struct stat *st)
{
    st->st_mode = S_IFCHR | 0660;
    st->st_rdev = makedev(SG_MAJOR_NUM, 200 + g_fd_dev[fd] - 1);
    st->st_size = 0;
}

int fstat(int fd, struct stat *st)
{
    REAL(fstat, fstat_fn);
    int rc = real_fstat(fd, st);
    if (rc == 0 && ours(fd))
        patch_stat(fd, st);
    return rc;
}

int fstat64(int fd, struct stat64 *st)
{
    REAL(fstat64, fstat64_fn);
    int rc = real_fstat64(fd, st);
    if (rc == 0 && ours(fd)) {
        st->st_mode = S_IFCHR | 0660;
        st->st_rdev = makedev(SG_MAJOR_NUM, 200 + g_fd_dev[fd] - 1);
        st->st_size = 0;
    }
    return rc;
}

/* ---- SG_IO ---- */

static unsigned elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (unsigned)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

static int sg_io_v3(int dev, sg_io_hdr_t *h)
{
    if (h->iovec_count) {
        errno = EINVAL; /* scatter-gather lists are not modelled */
        return -1;
    }
    if (!h->cmdp || h->cmd_len == 0 || h->cmd_len > 16) {
        errno = EMSGSIZE;
        return -1;
    }
    enum sf_dir dir = SF_DIR_NONE;
    if (h->dxfer_direction == SG_DXFER_TO_DEV)
        dir = SF_DIR_OUT;
    else if (h->dxfer_direction == SG_DXFER_FROM_DEV ||
             h->dxfer_direction == SG_DXFER_TO_FROM_DEV)
        dir = SF_DIR_IN;
    if (dir != SF_DIR_NONE && h->dxfer_len && !h->dxferp) {
        errno = EFAULT;
        return -1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sf_emu_io io = {
        .cdb = h->cmdp, .cdb_len = h->cmd_len, .dir = dir, .data = h->dxferp,
        .data_len = dir == SF_DIR_NONE ? 0 : h->dxfer_len,
    };
    int rc = sf_emu_execute(g_emu, dev, &io);
    if (rc == SF_ENODEV) {
        errno = ENODEV;
        return -1;
    }
    if (rc) {
        errno = EIO;
        return -1;
    }
    h->status = io.status;
    h->masked_status = (unsigned char)((io.status >> 1) & 0x7f);
    h->msg_status = 0;
    h->host_status = io.host_status;
    unsigned sb = io.sense_len < h->mx_sb_len ? io.sense_len : h->mx_sb_len;
    if (sb && h->sbp)
        memcpy(h->sbp, io.sense, sb);
    h->sb_len_wr = (unsigned char)(h->sbp ? sb : 0);
    h->driver_status = io.sense_len ? 0x08 /* DRIVER_SENSE */ : 0;
    h->resid = (int)io.resid;
    h->duration = elapsed_ms(&t0);
    h->info = (io.status || h->driver_status || h->host_status) ? SG_INFO_CHECK : 0;
    return 0;
}

static int sg_io_v4(int dev, struct sg_io_v4 *h)
{
    if (h->protocol != BSG_PROTOCOL_SCSI || h->subprotocol != BSG_SUB_PROTOCOL_SCSI_CMD ||
        h->request_len == 0 || h->request_len > 16 || h->din_iovec_count ||
        h->dout_iovec_count) {
        errno = EINVAL;
        return -1;
    }
    enum sf_dir dir = SF_DIR_NONE;
    uint8_t *data = NULL;
    uint32_t len = 0;
    if (h->dout_xfer_len) {
        dir = SF_DIR_OUT;
        data = (uint8_t *)(uintptr_t)h->dout_xferp;
        len = h->dout_xfer_len;
    } else if (h->din_xfer_len) {
        dir = SF_DIR_IN;
        data = (uint8_t *)(uintptr_t)h->din_xferp;
        len = h->din_xfer_len;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sf_emu_io io = {
        .cdb = (const uint8_t *)(uintptr_t)h->request, .cdb_len = h->request_len,
        .dir = dir, .data = data, .data_len = len,
    };
    int rc = sf_emu_execute(g_emu, dev, &io);
    if (rc == SF_ENODEV) {
        errno = ENODEV;
        return -1;
    }
    if (rc) {
        errno = EIO;
        return -1;
    }
    h->device_status = io.status;
    h->transport_status = io.host_status;
    h->driver_status = io.sense_len ? 0x08 : 0;
    unsigned sb = io.sense_len < h->max_response_len ? io.sense_len : h->max_response_len;
    if (sb && h->response)
        memcpy((void *)(uintptr_t)h->response, io.sense, sb);
    h->response_len = h->response ? sb : 0;
    if (dir == SF_DIR_IN)
        h->din_resid = (int)io.resid;
    else
        h->dout_resid = (int)io.resid;
    h->duration = elapsed_ms(&t0);
    h->info = (io.status || h->driver_status) ? SG_INFO_CHECK : 0;
    return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!ours(fd)) {
        REAL(ioctl, ioctl_fn);
        return real_ioctl(fd, req, arg);
    }
    int dev = g_fd_dev[fd] - 1;
    switch (req) {
    case SG_IO: {
        long nth = __atomic_add_fetch(&g_sgio_count, 1, __ATOMIC_SEQ_CST);
        if (nth == g_kill_at)
            raise(SIGKILL);
        if (!arg) {
            errno = EFAULT;
            return -1;
        }
        int guard = *(int *)arg, r = -1;
        if (guard == 'S')
            r = sg_io_v3(dev, arg);
        else if (guard == 'Q')
            r = sg_io_v4(dev, arg);
        else
            errno = ENOSYS;
        if (nth == g_kill_after)
            raise(SIGKILL);
        return r;
    }
    case SG_GET_VERSION_NUM:
        *(int *)arg = SG_VERSION;
        return 0;
    case SG_GET_SCSI_ID: {
        struct sg_scsi_id *id = arg;
        memset(id, 0, sizeof(*id));
        id->scsi_id = dev;
        id->scsi_type = sf_emu_conf(g_emu)->dev[dev].pdt;
        id->h_cmd_per_lun = 1;
        id->d_queue_depth = 1;
        return 0;
    }
    case SG_SET_TIMEOUT:
        g_fd_timeout[fd] = *(int *)arg;
        return 0;
    case SG_GET_TIMEOUT:
        return g_fd_timeout[fd];
    case SG_GET_RESERVED_SIZE:
        *(int *)arg = 32768;
        return 0;
    case SG_SET_RESERVED_SIZE:
    case SG_SET_COMMAND_Q:
    case SG_SET_KEEP_ORPHAN:
    case SG_SET_DEBUG:
    case SG_SET_FORCE_PACK_ID:
        return 0;
    case SG_GET_COMMAND_Q:
    case SG_EMULATED_HOST:
    case SG_GET_KEEP_ORPHAN:
    case SG_GET_LOW_DMA:
        *(int *)arg = 0;
        return 0;
    case SG_GET_SG_TABLESIZE:
        *(int *)arg = 128;
        return 0;
    default:
        errno = ENOTTY;
        return -1;
    }
}
