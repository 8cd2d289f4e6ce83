/* sf_flash.c - the checked, counting wrappers every flash backend sits
 * behind, and the Linux MTD backend. */
#include "transport/sf_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <mtd/mtd-user.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int range_ok(const struct sf_flash *f, uint64_t off, uint64_t len)
{
    return off <= f->size && len <= f->size - off;
}

int sf_flash_read(struct sf_flash *f, uint64_t off, void *buf, size_t len, struct sf_errctx *ec)
{
    if (!f || (!buf && len) || !range_ok(f, off, len))
        return sf_err_set(ec, SF_EINVAL, "%s: read of %zu bytes at 0x%llx is outside the flash",
                          f ? f->name : "flash", len, (unsigned long long)off);
    int rc = f->ops->read(f, off, buf, len, ec);
    if (!rc)
        f->bytes_read += len;
    return rc;
}

int sf_flash_erase(struct sf_flash *f, uint64_t off, uint64_t len, struct sf_errctx *ec)
{
    if (!f || !range_ok(f, off, len) || off % f->erase_size || len % f->erase_size)
        return sf_err_set(ec, SF_EINVAL, "%s: erase of 0x%llx bytes at 0x%llx is not whole "
                          "erase blocks inside the flash", f ? f->name : "flash",
                          (unsigned long long)len, (unsigned long long)off);
    f->erases++;
    int rc = f->ops->erase(f, off, len, ec);
    if (!rc)
        f->bytes_erased += len;
    return rc;
}

int sf_flash_program(struct sf_flash *f, uint64_t off, const void *buf, size_t len,
                     struct sf_errctx *ec)
{
    if (!f || (!buf && len) || !range_ok(f, off, len) ||
        (f->write_size > 1 && (off % f->write_size || len % f->write_size)))
        return sf_err_set(ec, SF_EINVAL, "%s: program of %zu bytes at 0x%llx is outside the flash "
                          "or not aligned to its %u-byte write unit", f ? f->name : "flash", len,
                          (unsigned long long)off, f ? f->write_size : 0);
    f->programs++;
    int rc = f->ops->program(f, off, buf, len, ec);
    if (!rc)
        f->bytes_programmed += len;
    return rc;
}

int sf_flash_lock(struct sf_flash *f, uint64_t off, uint64_t len, int lock, struct sf_errctx *ec)
{
    if (!f || !range_ok(f, off, len))
        return SF_EINVAL;
    if (!f->ops->lock)
        return SF_ENOTSUP;
    return f->ops->lock(f, off, len, lock, ec);
}

int sf_flash_is_locked(struct sf_flash *f, uint64_t off, uint64_t len, int *locked,
                       struct sf_errctx *ec)
{
    *locked = 0;
    if (!f || !range_ok(f, off, len))
        return SF_EINVAL;
    if (!f->ops->is_locked)
        return SF_ENOTSUP;
    return f->ops->is_locked(f, off, len, locked, ec);
}

void sf_flash_close(struct sf_flash *f)
{
    if (f && f->ops && f->ops->close)
        f->ops->close(f);
}

/* ---- Linux MTD ---- */

struct mtd_priv {
    int fd;
};

static int mtd_fd(struct sf_flash *f)
{
    return ((struct mtd_priv *)f->priv)->fd;
}

static int os_err(struct sf_errctx *ec, const char *name, const char *what, uint64_t off)
{
    int e = errno;
    return sf_err_set(ec, e == ENODEV || e == ENXIO ? SF_ENODEV : SF_EIO,
                      "%s: %s at 0x%llx failed: %s", name, what, (unsigned long long)off,
                      strerror(e));
}

static int mtd_read(struct sf_flash *f, uint64_t off, void *buf, size_t len, struct sf_errctx *ec)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(mtd_fd(f), (uint8_t *)buf + done, len - done, (off_t)(off + done));
        /* A corrected bit flip (-EUCLEAN) never gets here: mtdchar
         * returns the data as a plain success.  Retrying one would read
         * the same range forever. */
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return os_err(ec, f->name, "read", off + done);
        done += (size_t)n;
    }
    return 0;
}

static int mtd_erase(struct sf_flash *f, uint64_t off, uint64_t len, struct sf_errctx *ec)
{
    /* One ioctl per block: the error names the block that failed. */
    for (uint64_t o = off; o < off + len; o += f->erase_size) {
        struct erase_info_user64 ei = { .start = o, .length = f->erase_size };
        if (ioctl(mtd_fd(f), MEMERASE64, &ei) != 0)
            return os_err(ec, f->name, "erase (MEMERASE) of the block", o);
    }
    return 0;
}

static int mtd_program(struct sf_flash *f, uint64_t off, const void *buf, size_t len,
                       struct sf_errctx *ec)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(mtd_fd(f), (const uint8_t *)buf + done, len - done,
                           (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return os_err(ec, f->name, "program (write)", off + done);
        done += (size_t)n;
    }
    return 0;
}

/* MEMLOCK, MEMUNLOCK and MEMISLOCKED take struct erase_info_user, whose
 * start and length are 32-bit (there is no 64-bit variant, unlike
 * MEMERASE64): a range beyond 4 GiB cannot be expressed, so it is refused
 * rather than truncated onto the wrong blocks. */
static int lock_range(struct sf_flash *f, uint64_t off, uint64_t len, struct erase_info_user *ei,
                      struct sf_errctx *ec)
{
    if (off > UINT32_MAX || len > UINT32_MAX - off)
        return sf_err_set(ec, SF_ERANGE, "%s: lock bits at 0x%llx+0x%llx are beyond the 4 GiB "
                          "the MTD lock ioctls can address", f->name, (unsigned long long)off,
                          (unsigned long long)len);
    ei->start = (uint32_t)off;
    ei->length = (uint32_t)len;
    return 0;
}

static int mtd_lock(struct sf_flash *f, uint64_t off, uint64_t len, int lock, struct sf_errctx *ec)
{
    struct erase_info_user ei;
    int rc = lock_range(f, off, len, &ei, ec);
    if (rc)
        return rc;
    if (ioctl(mtd_fd(f), lock ? MEMLOCK : MEMUNLOCK, &ei) == 0)
        return 0;
    if (errno == EOPNOTSUPP || errno == ENOTTY)
        return SF_ENOTSUP;
    return os_err(ec, f->name, lock ? "lock (MEMLOCK)" : "unlock (MEMUNLOCK)", off);
}

static int mtd_is_locked(struct sf_flash *f, uint64_t off, uint64_t len, int *locked,
                         struct sf_errctx *ec)
{
    struct erase_info_user ei;
    int r = lock_range(f, off, len, &ei, ec);
    if (r)
        return r;
    r = ioctl(mtd_fd(f), MEMISLOCKED, &ei);
    if (r < 0 && (errno == EOPNOTSUPP || errno == ENOTTY))
        return SF_ENOTSUP;
    if (r < 0)
        return os_err(ec, f->name, "lock query (MEMISLOCKED)", off);
    *locked = r > 0;
    return 0;
}

static void mtd_close(struct sf_flash *f)
{
    close(mtd_fd(f));
    free(f->priv);
    free(f);
}

static const struct sf_flash_ops mtd_ops = {
    mtd_read, mtd_erase, mtd_program, mtd_lock, mtd_is_locked, mtd_close,
};

int sf_mtd_open(const char *dev, const char *name, struct sf_flash **out, struct sf_errctx *ec)
{
    *out = NULL;
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return sf_err_set(ec, e == EACCES || e == EPERM ? SF_EACCES : SF_ENODEV, "%s: %s", dev,
                          strerror(e));
    }
    struct mtd_info_user mi;
    if (ioctl(fd, MEMGETINFO, &mi) != 0) {
        int e = errno;
        close(fd);
        return sf_err_set(ec, SF_ENOTSUP, "%s: not an MTD device (MEMGETINFO: %s)", dev,
                          strerror(e));
    }
    if (mi.type != MTD_NORFLASH && mi.type != MTD_RAM && mi.type != MTD_DATAFLASH) {
        close(fd);
        return sf_err_set(ec, SF_ENOTSUP, "%s: MTD type %u is not NOR flash (NAND, with its bad "
                          "blocks and ECC, is not supported)", dev, mi.type);
    }
    if (!(mi.flags & MTD_WRITEABLE) || !mi.erasesize) {
        close(fd);
        return sf_err_set(ec, SF_EACCES, "%s: the MTD partition is read-only", dev);
    }
    struct sf_flash *f = calloc(1, sizeof(*f));
    struct mtd_priv *p = calloc(1, sizeof(*p));
    if (!f || !p) {
        free(f);
        free(p);
        close(fd);
        return SF_ENOMEM;
    }
    p->fd = fd;
    f->ops = &mtd_ops;
    f->priv = p;
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->size = mi.size;
    f->erase_size = mi.erasesize;
    f->write_size = mi.writesize ? mi.writesize : 1;
    *out = f;
    return 0;
}
