/*
 * sf_sgio.c - Linux SG_IO transport.
 *
 * Which interface a node speaks is decided the way libsgutils2 decides it:
 * by the character major.  A bsg node needs the v4 header; an sg node and
 * anything else (block devices, other character devices that implement
 * SG_IO) get v3.  Nothing here reads sysfs, so the transport works on any
 * node the kernel - or a preload library standing in for it - serves.
 */
#define _GNU_SOURCE
#include "sf_sgio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bsg.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct sgio {
    struct sf_transport base;
    int fd;
    int v4;
};

/* Major number of a character driver in /proc/devices, or -1. */
static int proc_major(const char *name)
{
    FILE *f = fopen("/proc/devices", "r");
    if (!f)
        return -1;
    char line[128];
    int in_char = 0, found = -1;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "Character devices", 17)) {
            in_char = 1;
            continue;
        }
        if (!strncmp(line, "Block devices", 13))
            break;
        int maj;
        char drv[64];
        if (in_char && sscanf(line, "%d %63s", &maj, drv) == 2 && !strcmp(drv, name)) {
            found = maj;
            break;
        }
    }
    fclose(f);
    return found;
}

/* Map the host/driver status of a completed SG_IO to an error, or 0 if a
 * SCSI status arrived.  Values from the kernel's scsi host byte codes. */
static int map_host(uint16_t host)
{
    switch (host) {
    case 0x00: return 0;             /* DID_OK */
    case 0x01:                       /* DID_NO_CONNECT */
    case 0x04: return SF_ENODEV;     /* DID_BAD_TARGET */
    case 0x03: return SF_ETIMEDOUT;  /* DID_TIME_OUT */
    default: return SF_EIO;          /* bus busy, reset, abort, error, ... */
    }
}

static int exec_v3(struct sgio *s, struct sf_cmd *cmd)
{
    sg_io_hdr_t h;
    memset(&h, 0, sizeof(h));
    h.interface_id = 'S';
    h.cmdp = (unsigned char *)cmd->cdb;
    h.cmd_len = cmd->cdb_len;
    h.dxfer_direction = cmd->dir == SF_DIR_IN ? SG_DXFER_FROM_DEV
                        : cmd->dir == SF_DIR_OUT ? SG_DXFER_TO_DEV : SG_DXFER_NONE;
    h.dxferp = cmd->dir == SF_DIR_NONE ? NULL : cmd->data;
    h.dxfer_len = cmd->dir == SF_DIR_NONE ? 0 : cmd->data_len;
    h.sbp = cmd->sense;
    h.mx_sb_len = sizeof(cmd->sense);
    h.timeout = cmd->timeout_ms ? cmd->timeout_ms : 60000;
    if (ioctl(s->fd, SG_IO, &h) < 0)
        return errno == ENODEV || errno == ENXIO ? SF_ENODEV : SF_EIO;
    cmd->status = h.status;
    cmd->sense_len = h.sb_len_wr;
    cmd->resid = h.resid;
    cmd->host_status = h.host_status;
    cmd->driver_status = h.driver_status;
    /* DRIVER_TIMEOUT (06h) in the low nibble. */
    if ((h.driver_status & 0x0f) == 0x06)
        return SF_ETIMEDOUT;
    return map_host(h.host_status);
}

static int exec_v4(struct sgio *s, struct sf_cmd *cmd)
{
    struct sg_io_v4 h;
    memset(&h, 0, sizeof(h));
    h.guard = 'Q';
    h.protocol = BSG_PROTOCOL_SCSI;
    h.subprotocol = BSG_SUB_PROTOCOL_SCSI_CMD;
    h.request = (uintptr_t)cmd->cdb;
    h.request_len = cmd->cdb_len;
    if (cmd->dir == SF_DIR_IN) {
        h.din_xferp = (uintptr_t)cmd->data;
        h.din_xfer_len = cmd->data_len;
    } else if (cmd->dir == SF_DIR_OUT) {
        h.dout_xferp = (uintptr_t)cmd->data;
        h.dout_xfer_len = cmd->data_len;
    }
    h.response = (uintptr_t)cmd->sense;
    h.max_response_len = sizeof(cmd->sense);
    h.timeout = cmd->timeout_ms ? cmd->timeout_ms : 60000;
    if (ioctl(s->fd, SG_IO, &h) < 0)
        return errno == ENODEV || errno == ENXIO ? SF_ENODEV : SF_EIO;
    cmd->status = (uint8_t)h.device_status;
    cmd->sense_len = (uint8_t)(h.response_len > sizeof(cmd->sense) ? sizeof(cmd->sense)
                                                                    : h.response_len);
    cmd->resid = cmd->dir == SF_DIR_IN ? h.din_resid : h.dout_resid;
    cmd->host_status = (uint16_t)h.transport_status;
    cmd->driver_status = (uint16_t)h.driver_status;
    if ((h.driver_status & 0x0f) == 0x06)
        return SF_ETIMEDOUT;
    return map_host((uint16_t)h.transport_status);
}

static int sgio_exec(struct sf_transport *t, struct sf_cmd *cmd)
{
    struct sgio *s = (struct sgio *)t;
    return s->v4 ? exec_v4(s, cmd) : exec_v3(s, cmd);
}

static void sgio_close(struct sf_transport *t)
{
    struct sgio *s = (struct sgio *)t;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static const struct sf_transport_ops sgio_ops = {
    .name = "sgio",
    .exec = sgio_exec,
    .close = sgio_close,
};

int sf_sgio_open(const char *path, struct sf_transport **out, struct sf_errctx *ec)
{
    if (!path || !out)
        return SF_EINVAL;
    *out = NULL;
    /* O_NONBLOCK: as sg3_utils does, so opening a busy sg node does not
     * block; it does not affect SG_IO itself. */
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO || e == ENOTDIR)
            return sf_err_set(ec, SF_ENODEV, "%s: no such device", path);
        if (e == EACCES || e == EPERM)
            return sf_err_set(ec, SF_EACCES, "%s: permission denied (run as root or join the disk group)", path);
        return sf_err_set(ec, SF_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return sf_err_set(ec, SF_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
        close(fd);
        return sf_err_set(ec, SF_ENOTSUP, "%s: not a SCSI device node", path);
    }
    struct sgio *s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return SF_ENOMEM;
    }
    s->base.ops = &sgio_ops;
    snprintf(s->base.path, sizeof(s->base.path), "%s", path);
    s->fd = fd;
    int bsg = proc_major("bsg");
    s->v4 = S_ISCHR(st.st_mode) && bsg >= 0 && (int)major(st.st_rdev) == bsg;
    *out = &s->base;
    return 0;
}
