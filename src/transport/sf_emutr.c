/*
 * sf_emutr.c - in-process emulator transport.  See sf_emutr.h.
 */
#include "sf_emutr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/sf_emu.h"

struct emutr {
    struct sf_transport base;
    struct sf_emu *emu;
    int dev;
};

static int emutr_exec(struct sf_transport *t, struct sf_cmd *cmd)
{
    struct emutr *m = (struct emutr *)t;
    struct sf_emu_io io = {
        .cdb = cmd->cdb, .cdb_len = cmd->cdb_len, .dir = cmd->dir, .data = cmd->data,
        .data_len = cmd->dir == SF_DIR_NONE ? 0 : cmd->data_len,
    };
    int rc = sf_emu_execute(m->emu, m->dev, &io);
    if (rc)
        return rc;
    if (io.host_status) {
        /* Died in transit (a device reset): no SCSI status, as SG_IO
         * reports it with DID_RESET. */
        cmd->host_status = io.host_status;
        cmd->resid = (int32_t)cmd->data_len;
        return io.host_status == 0x03 ? SF_ETIMEDOUT : io.host_status == 0x01 ? SF_ENODEV : SF_EIO;
    }
    cmd->status = io.status;
    cmd->sense_len = io.sense_len;
    memcpy(cmd->sense, io.sense, io.sense_len);
    cmd->resid = (int32_t)io.resid;
    return 0;
}

static void emutr_close(struct sf_transport *t)
{
    struct emutr *m = (struct emutr *)t;
    sf_emu_close(m->emu);
    free(m);
}

static const struct sf_transport_ops emutr_ops = {
    .name = "emulator",
    .exec = emutr_exec,
    .close = emutr_close,
};

int sf_emutr_open(const char *conf_path, const char *path, struct sf_transport **out,
                  struct sf_errctx *ec)
{
    if (!conf_path || !path || !out)
        return SF_EINVAL;
    *out = NULL;
    struct emutr *m = calloc(1, sizeof(*m));
    if (!m)
        return SF_ENOMEM;
    int rc = sf_emu_open(conf_path, &m->emu, ec);
    if (rc) {
        free(m);
        return rc;
    }
    m->dev = sf_emu_find(m->emu, path);
    if (m->dev < 0) {
        sf_emu_close(m->emu);
        free(m);
        return sf_err_set(ec, SF_ENODEV, "%s: no such device", path);
    }
    m->base.ops = &emutr_ops;
    snprintf(m->base.path, sizeof(m->base.path), "%s", path);
    *out = &m->base;
    return 0;
}
