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

static void log_v3(const sg_io_hdr_t *h, int rc)
{
    char cdb[33] = "", sense[2 * 64 + 1] = "-", sha[65] = "-", data[40] = "";
    uint8_t cl = h->cmd_len <= 16 ? h->cmd_len : 16;
    if (h->cmdp)
        hex(h->cmdp, cl, cdb);
    if (h->dxfer_direction == SG_DXFER_TO_DEV && !h->iovec_count) {
        digest(h->dxferp, h->dxfer_len, sha);
        snprintf(data, sizeof(data), "out=%u", h->dxfer_len);
    } else if (h->dxfer_direction == SG_DXFER_FROM_DEV || h->dxfer_direction == SG_DXFER_TO_FROM_DEV) {
        snprintf(data, sizeof(data), "in=%u", h->dxfer_len);
    } else {
        snprintf(data, sizeof(data), "none");
    }
    if (h->sb_len_wr && h->sbp)
        hex(h->sbp, h->sb_len_wr < 64 ? h->sb_len_wr : 64, sense);
    char line[512];
    if (rc < 0)
        snprintf(line, sizeof(line), "v3 cdb=%s %s sha256=%s ioctl=-1\n", cdb, data, sha);
    else
        snprintf(line, sizeof(line), "v3 cdb=%s %s sha256=%s status=%02x host=%04x driver=%04x sense=%s\n",
                 cdb, data, sha, h->status, h->host_status, h->driver_status, sense);
    emit(line);
}

static void log_v4(const struct sg_io_v4 *h, int rc)
{
    char cdb[33] = "", sense[2 * 64 + 1] = "-", sha[65] = "-", data[40] = "none";
    uint32_t cl = h->request_len <= 16 ? h->request_len : 16;
    if (h->request)
        hex((const uint8_t *)(uintptr_t)h->request, cl, cdb);
    if (h->dout_xfer_len && !h->dout_iovec_count) {
        digest((const void *)(uintptr_t)h->dout_xferp, h->dout_xfer_len, sha);
        snprintf(data, sizeof(data), "out=%u", h->dout_xfer_len);
    } else if (h->din_xfer_len) {
        snprintf(data, sizeof(data), "in=%u", h->din_xfer_len);
    }
    if (h->response_len && h->response)
        hex((const uint8_t *)(uintptr_t)h->response, h->response_len < 64 ? h->response_len : 64, sense);
    char line[512];
    if (rc < 0)
        snprintf(line, sizeof(line), "v4 cdb=%s %s sha256=%s ioctl=-1\n", cdb, data, sha);
    else
        snprintf(line, sizeof(line), "v4 cdb=%s %s sha256=%s status=%02x host=%04x driver=%04x sense=%s\n",
                 cdb, data, sha, h->device_status, h->transport_status, h->driver_status, sense);
    emit(line);
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
