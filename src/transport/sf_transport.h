/*
 * sf_transport.h - the narrow interface every way of reaching a SCSI device
 * implements: execute one CDB, with optional data in or out and a timeout,
 * and report what came back.
 *
 * A transport moves bytes.  It never interprets pages or sense data and
 * never retries; the command layer (engine/sf_scsi.h) does that.  Like
 * MCUboot's flash_area API, keeping this small is what lets the emulator
 * and the fault injector stand in for hardware.
 *
 * exec() returns 0 when the device returned a SCSI status (which may be
 * CHECK CONDITION: look at cmd->status), and a negative sf_err when no
 * status arrived: SF_EIO (transport failure), SF_ETIMEDOUT, SF_ENODEV
 * (device went away).
 */
#ifndef SF_TRANSPORT_H
#define SF_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

enum sf_dir { SF_DIR_NONE = 0, SF_DIR_IN = 1, SF_DIR_OUT = 2 };

#define SF_SENSE_MAX 64

struct sf_cmd {
    /* in */
    const uint8_t *cdb;
    uint8_t cdb_len;
    enum sf_dir dir;
    uint8_t *data;            /* data-in buffer, or data-out bytes */
    uint32_t data_len;
    unsigned timeout_ms;
    /* out */
    uint8_t status;           /* SCSI status byte */
    uint8_t sense[SF_SENSE_MAX];
    uint8_t sense_len;
    int32_t resid;            /* requested minus actually transferred */
    uint16_t host_status;     /* SG_IO host_status, 0 elsewhere */
    uint16_t driver_status;   /* SG_IO driver_status, 0 elsewhere */
};

struct sf_transport;

struct sf_transport_ops {
    const char *name;
    int (*exec)(struct sf_transport *t, struct sf_cmd *cmd);
    void (*close)(struct sf_transport *t);
};

struct sf_transport {
    const struct sf_transport_ops *ops;
    char path[256];
};

/* Run one command.  Clears the output fields first. */
int sf_transport_exec(struct sf_transport *t, struct sf_cmd *cmd);

/* Close and free; NULL is a no-op. */
void sf_transport_close(struct sf_transport *t);

#endif
