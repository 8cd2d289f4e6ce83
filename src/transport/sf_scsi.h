/*
 * sf_scsi.h - the SCSI command layer over any transport.
 *
 * Builds CDBs with the codec, runs them through a transport, and applies
 * the one retry policy of safeflash: transient conditions are retried with
 * a bound, everything else surfaces with its sense data decoded.
 *
 * Transient (retried):
 *   - UNIT ATTENTION (a reset, power on, mode change happened: the command
 *     itself was not executed).  Recorded in ua_count/last_ua so an engine
 *     can tell that a reset happened behind its back.
 *   - BUSY and TASK SET FULL status; ABORTED COMMAND (not executed).
 *   - NOT READY, "in process of becoming ready" (04h/01h) and "operation in
 *     progress" (04h/07h).
 * Everything else - ILLEGAL REQUEST, HARDWARE ERROR, timeouts, transport
 * errors - is returned at once: retrying a failed microcode write blindly
 * is how tools hide failures.
 */
#ifndef SF_SCSI_H
#define SF_SCSI_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sf_sense.h"
#include "safeflash/sf_err.h"
#include "transport/sf_transport.h"

struct sf_scsi_policy {
    unsigned max_ua_retries;     /* UNIT ATTENTIONs absorbed per command */
    unsigned max_busy_retries;   /* BUSY / TASK SET FULL */
    unsigned busy_backoff_ms;
    unsigned max_not_ready_ms;   /* total wait for becoming-ready */
    unsigned not_ready_poll_ms;
    unsigned timeout_ms;         /* per command */
};

/* Defaults: 5 UAs, 10 BUSYs 100 ms apart, up to 30 s becoming ready,
 * 60 s per command. */
void sf_scsi_policy_default(struct sf_scsi_policy *p);

struct sf_scsi {
    struct sf_transport *tr;     /* borrowed */
    struct sf_scsi_policy pol;
    void (*sleep_ms)(unsigned ms); /* replaceable for tests */
    /* counters */
    uint64_t ncmds;              /* commands handed to the transport */
    uint64_t nretries;
    uint64_t ua_count;
    struct sf_sense last_ua;
    /* the last command's outcome */
    uint8_t last_status;
    struct sf_sense last_sense;
    int last_have_sense;
};

void sf_scsi_init(struct sf_scsi *s, struct sf_transport *tr);

/*
 * Execute cmd with the retry policy.  Returns 0 on GOOD status (resid in
 * cmd->resid), or:
 *   SF_ECHECK    CHECK CONDITION that is not transient: ec has the sense
 *   SF_EBUSY     still BUSY / not ready when the retries ran out
 *   SF_ESTATUS   RESERVATION CONFLICT, TASK ABORTED, ...
 *   SF_EIO / SF_ETIMEDOUT / SF_ENODEV from the transport
 * ec->msg is one line naming the command and what happened.
 */
int sf_scsi_exec(struct sf_scsi *s, struct sf_cmd *cmd, const char *what, struct sf_errctx *ec);

/* Convenience wrappers: each builds its CDB and calls sf_scsi_exec().
 * *got receives the number of bytes actually transferred in. */
int sf_scsi_tur(struct sf_scsi *s, struct sf_errctx *ec);
int sf_scsi_inquiry(struct sf_scsi *s, int evpd, uint8_t page, uint8_t *buf, size_t cap,
                    size_t *got, struct sf_errctx *ec);
int sf_scsi_receive_diag(struct sf_scsi *s, uint8_t page, uint8_t *buf, size_t cap,
                         size_t *got, struct sf_errctx *ec);
int sf_scsi_send_diag(struct sf_scsi *s, const uint8_t *page, size_t len, struct sf_errctx *ec);
/* WRITE BUFFER (10) with len bytes of data (len 0: no data phase); what
 * names the step in ec->msg ("WRITE BUFFER mode 07h at offset 4096"). */
int sf_scsi_write_buffer(struct sf_scsi *s, uint8_t mode, uint8_t mode_specific, uint32_t offset,
                         const uint8_t *data, uint32_t len, unsigned timeout_ms,
                         struct sf_errctx *ec);
/* READ BUFFER (10), buffer id 0, offset 0. */
int sf_scsi_read_buffer(struct sf_scsi *s, uint8_t mode, uint8_t *buf, size_t cap, size_t *got,
                        struct sf_errctx *ec);

/* True if the last failure was CHECK CONDITION / ILLEGAL REQUEST. */
int sf_scsi_last_illegal_request(const struct sf_scsi *s);

#endif
