/*
 * sf_file.c - opening and reading the files safeflash reads (sf_file.h):
 * regular files only, never blocking, a symbolic link refused where the
 * caller asks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sf_file.h"

int sf_file_open(const char *path, unsigned flags, struct stat *st,
                 struct sf_errctx *ec)
{
    int of = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    if (flags & SF_FILE_NOFOLLOW)
        of |= O_NOFOLLOW;
    int fd = open(path, of);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP && (flags & SF_FILE_NOFOLLOW))
            return sf_err_set(ec, SF_EFILE, "%s: a symbolic link, not followed (remove it)", path);
        return sf_err_set(ec, SF_EFILE, "%s: %s", path, strerror(e));
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return sf_err_set(ec, SF_EFILE, "%s: not a regular file", path);
    }
    return fd;
}

int sf_file_read(const char *path, unsigned flags, size_t max, uint8_t **out,
                 size_t *len, struct sf_errctx *ec)
{
    *out = NULL;
    *len = 0;
    struct stat st;
    int fd = sf_file_open(path, flags, &st, ec);
    if (fd < 0)
        return fd;
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        close(fd);
        return sf_err_set(ec, SF_ERANGE, "%s: larger than %zu MiB", path, max >> 20);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *b = malloc(size + 1);
    if (!b) {
        close(fd);
        return SF_ENOMEM;
    }
    size_t n = 0;
    while (n < size) {
        ssize_t r = read(fd, b + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : 0;
            free(b);
            close(fd);
            return sf_err_set(ec, SF_EIO, "%s: %s", path, e ? strerror(e) : "shorter than its "
                              "size (changed while read?)");
        }
        n += (size_t)r;
    }
    close(fd);
    b[n] = 0;
    *out = b;
    *len = n;
    return 0;
}

int sf_file_owner_safe(const char *what, const char *path, const struct stat *st, int err,
                       struct sf_errctx *ec)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return sf_err_set(ec, err, "refusing %s: %s is owned by uid %u, neither root nor you "
                          "(chown root %s)", what, path, (unsigned)st->st_uid, path);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return sf_err_set(ec, err, "refusing %s: %s is %s-writable (chmod go-w %s)", what, path,
                          (st->st_mode & S_IWOTH) ? "world" : "group", path);
    return 0;
}
