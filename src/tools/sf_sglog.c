/*
 * sf_sglog.c - libsafeflash-sglog.so: an SG_IO logging shim.
 *
 * LD_PRELOAD it into any program (safeflash, sg_write_buffer, sg_ses ...)
 * with SAFEFLASH_SGLOG=FILE and every SG_IO ioctl the program issues is
 * passed on unchanged and appended to FILE as one line:
 *
 *   v3 cdb=3b0e000000000010000000 out=4096 sha256=9f...  status=00 host=0000 driver=0000 sense=-
 *
 * `out` is the data-out length and `sha256` its digest ("in=N" for data-in,
 * whose content is the device's, not the program's).  The line is written
 * after the command completes, with one write() on an O_APPEND descriptor,
 * so lines from several processes do not interleave.
 *
 * Why: the interoperability tests must show that safeflash and sg3_utils
 * send identical CDBs and data to the same device.  A shim at the ioctl
 * sees exactly what reaches the sg driver, on a real kernel device (the
 * kernel test loop) as well as on the emulator: stacked before the
 * emulator's preload library, its ioctl() runs first and RTLD_NEXT reaches
 * the emulator's.
 *
 * SAFEFLASH_SGLOG_ON="HEXPREFIX=COMMAND" also runs COMMAND (with
 * /bin/sh) each time a command whose CDB starts with HEXPREFIX completed
 * with GOOD status, before the program sees the result.  The kernel loop
 * uses it to play a drive's part that scsi_debug does not: change the
 * INQUIRY revision at the moment the drive would start new microcode
 * (e.g. "3b0f=printf 0456 > /sys/module/scsi_debug/parameters/inq_rev").
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/bsg.h>
#include <openssl/evp.h>
#include <scsi/sg.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[p[i] >> 4];
        out[2 * i + 1] = h[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void digest(const void *p, size_t n, char out[65])
{
    uint8_t d[32];
    unsigned dl = 0;
    if (!p || !EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL) || dl != 32) {
        snprintf(out, 65, "-");
        return;
    }
    hex(d, 32, out);
}

static void emit(const char *line)
{
    const char *path = getenv("SAFEFLASH_SGLOG");
    if (!path || !*path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    close(fd);
}

/* One SG_IO, whichever header it came in. */
struct rec {
    const char *ver;
    const uint8_t *cdb;
    unsigned cdb_len;
    const void *dout;          /* data-out, or NULL */
    unsigned dout_len;
    unsigned din_len;
    int rc;                    /* the ioctl's return */
    unsigned status, host, driver;
    const uint8_t *sense;
    unsigned sense_len;
};

static void log_rec(const struct rec *r)
{
    char cdb[33] = "", sense[2 * 64 + 1] = "-", sha[65] = "-", data[40] = "none";
    if (r->cdb)
        hex(r->cdb, r->cdb_len <= 16 ? r->cdb_len : 16, cdb);
    if (r->dout_len) {
        digest(r->dout, r->dout_len, sha);
        snprintf(data, sizeof(data), "out=%u", r->dout_len);
    } else if (r->din_len) {
        snprintf(data, sizeof(data), "in=%u", r->din_len);
    }
    if (r->sense_len && r->sense)
        hex(r->sense, r->sense_len < 64 ? r->sense_len : 64, sense);
    char line[512];
    if (r->rc < 0)
        snprintf(line, sizeof(line), "%s cdb=%s %s sha256=%s ioctl=-1\n", r->ver, cdb, data, sha);
    else
        snprintf(line, sizeof(line), "%s cdb=%s %s sha256=%s status=%02x host=%04x driver=%04x sense=%s\n",
                 r->ver, cdb, data, sha, r->status, r->host, r->driver, sense);
    emit(line);
    const char *on = getenv("SAFEFLASH_SGLOG_ON");
    const char *eq = on ? strchr(on, '=') : NULL;
    if (eq && r->rc >= 0 && r->status == 0 && r->host == 0 && (size_t)(eq - on) <= strlen(cdb) &&
        !strncmp(cdb, on, (size_t)(eq - on))) {
        int st = system(eq + 1);
        (void)st;
    }
}

static void log_v3(const sg_io_hdr_t *h, int rc)
{
    int out = h->dxfer_direction == SG_DXFER_TO_DEV && !h->iovec_count;
    int in = h->dxfer_direction == SG_DXFER_FROM_DEV || h->dxfer_direction == SG_DXFER_TO_FROM_DEV;
    struct rec r = { .ver = "v3", .cdb = h->cmdp, .cdb_len = h->cmd_len,
                     .dout = out ? h->dxferp : NULL, .dout_len = out ? h->dxfer_len : 0,
                     .din_len = in ? h->dxfer_len : 0, .rc = rc, .status = h->status,
                     .host = h->host_status, .driver = h->driver_status, .sense = h->sbp,
                     .sense_len = h->sb_len_wr };
    log_rec(&r);
}

static void log_v4(const struct sg_io_v4 *h, int rc)
{
    int out = h->dout_xfer_len && !h->dout_iovec_count;
    struct rec r = { .ver = "v4", .cdb = (const uint8_t *)(uintptr_t)h->request,
                     .cdb_len = h->request_len,
                     .dout = out ? (const void *)(uintptr_t)h->dout_xferp : NULL,
                     .dout_len = out ? h->dout_xfer_len : 0, .din_len = h->din_xfer_len, .rc = rc,
                     .status = h->device_status, .host = h->transport_status,
                     .driver = h->driver_status,
                     .sense = (const uint8_t *)(uintptr_t)h->response,
                     .sense_len = h->response_len };
    log_rec(&r);
}

int ioctl(int fd, unsigned long req, ...)
{
    static ioctl_fn real;
    if (!real)
        real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int rc = real(fd, req, arg);
    if (req == SG_IO && arg) {
        int guard = *(int *)arg;
        if (guard == 'S')
            log_v3(arg, rc);
        else if (guard == 'Q')
            log_v4(arg, rc);
    }
    return rc;
}
