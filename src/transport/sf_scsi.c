/*
 * sf_scsi.c - command layer and retry policy.  See sf_scsi.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "sf_scsi.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/sf_cdb.h"

static void real_sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void sf_scsi_policy_default(struct sf_scsi_policy *p)
{
    p->max_ua_retries = 5;
    p->max_busy_retries = 10;
    p->busy_backoff_ms = 100;
    p->max_not_ready_ms = 30000;
    p->not_ready_poll_ms = 500;
    p->timeout_ms = 60000;
}

void sf_scsi_init(struct sf_scsi *s, struct sf_transport *tr)
{
    memset(s, 0, sizeof(*s));
    s->tr = tr;
    sf_scsi_policy_default(&s->pol);
    s->sleep_ms = real_sleep_ms;
}

static int becoming_ready(const struct sf_sense *sn)
{
    return sn->key == SF_SK_NOT_READY && sn->asc == 0x04 &&
           (sn->ascq == 0x01 || sn->ascq == 0x07);
}

int sf_scsi_exec(struct sf_scsi *s, struct sf_cmd *cmd, const char *what, struct sf_errctx *ec)
{
    if (!s || !s->tr || !cmd)
        return SF_EINVAL;
    if (!what)
        what = "command";
    if (!cmd->timeout_ms)
        cmd->timeout_ms = s->pol.timeout_ms;
    unsigned uas = 0, busys = 0, waited = 0;
    s->last_have_sense = 0;
    s->last_status = 0;
    memset(&s->last_sense, 0, sizeof(s->last_sense));

    for (;;) {
        s->ncmds++;
        int rc = sf_transport_exec(s->tr, cmd);
        if (rc == SF_ETIMEDOUT)
            return sf_err_set(ec, rc, "%s: %s timed out after %u ms", s->tr->path, what,
                              cmd->timeout_ms);
        if (rc == SF_ENODEV)
            return sf_err_set(ec, rc, "%s: device went away during %s", s->tr->path, what);
        if (rc < 0)
            return sf_err_set(ec, rc, "%s: %s failed in the transport (host status %02Xh, driver status %02Xh)",
                              s->tr->path, what, cmd->host_status, cmd->driver_status);
        s->last_status = cmd->status;

        if (cmd->status == SF_STATUS_GOOD || cmd->status == SF_STATUS_CONDITION_MET)
            return 0;

        if (cmd->status == SF_STATUS_BUSY || cmd->status == SF_STATUS_TASK_SET_FULL) {
            if (busys++ < s->pol.max_busy_retries) {
                s->nretries++;
                s->sleep_ms(s->pol.busy_backoff_ms);
                continue;
            }
            return sf_err_set(ec, SF_EBUSY, "%s: %s: device still %s after %u retries",
                              s->tr->path, what, sf_scsi_status_str(cmd->status), busys - 1);
        }

        if (cmd->status != SF_STATUS_CHECK_CONDITION) {
            return sf_err_set(ec, SF_ESTATUS, "%s: %s: SCSI status %s (%02Xh)", s->tr->path,
                              what, sf_scsi_status_str(cmd->status), cmd->status);
        }

        struct sf_sense sn;
        if (cmd->sense_len == 0 || sf_sense_decode(cmd->sense, cmd->sense_len, &sn) != 0) {
            return sf_err_set(ec, SF_ECHECK, "%s: %s: CHECK CONDITION without usable sense data",
                              s->tr->path, what);
        }
        s->last_sense = sn;
        s->last_have_sense = 1;

        if (sn.key == SF_SK_UNIT_ATTENTION) {
            s->ua_count++;
            s->last_ua = sn;
            if (uas++ < s->pol.max_ua_retries) {
                s->nretries++;
                continue;
            }
        } else if (sn.key == SF_SK_ABORTED_COMMAND && busys < s->pol.max_busy_retries) {
            /* The device aborted it (transport CRC, internal target
             * failure, ...): not executed, so sending it again is safe. */
            busys++;
            s->nretries++;
            s->sleep_ms(s->pol.busy_backoff_ms);
            continue;
        } else if (becoming_ready(&sn) && waited < s->pol.max_not_ready_ms) {
            s->nretries++;
            s->sleep_ms(s->pol.not_ready_poll_ms);
            waited += s->pol.not_ready_poll_ms;
            continue;
        }

        char words[256];
        if (ec) {
            ec->have_scsi = 1;
            ec->scsi_status = cmd->status;
            ec->sense_key = sn.key;
            ec->asc = sn.asc;
            ec->ascq = sn.ascq;
            ec->sense_len = cmd->sense_len < sizeof(ec->sense) ? cmd->sense_len : sizeof(ec->sense);
            memcpy(ec->sense, cmd->sense, ec->sense_len);
        }
        return sf_err_set(ec, sn.key == SF_SK_NOT_READY ? SF_EBUSY : SF_ECHECK, "%s: %s: %s",
                          s->tr->path, what, sf_sense_describe(&sn, words, sizeof(words)));
    }
}

int sf_scsi_last_illegal_request(const struct sf_scsi *s)
{
    return s && s->last_status == SF_STATUS_CHECK_CONDITION && s->last_have_sense &&
           s->last_sense.key == SF_SK_ILLEGAL_REQUEST;
}

static int run_in(struct sf_scsi *s, const struct sf_cdb *cdb, uint8_t *buf, size_t cap,
                  size_t *got, const char *what, struct sf_errctx *ec)
{
    struct sf_cmd cmd = {
        .cdb = cdb->b, .cdb_len = cdb->len, .dir = SF_DIR_IN, .data = buf,
        .data_len = (uint32_t)cap,
    };
    int rc = sf_scsi_exec(s, &cmd, what, ec);
    if (rc)
        return rc;
    if (cmd.resid < 0 || (size_t)cmd.resid > cap)
        return sf_err_set(ec, SF_EIO, "%s: %s: transport reported an impossible residual %d",
                          s->tr->path, what, cmd.resid);
    if (got)
        *got = cap - (size_t)cmd.resid;
    return 0;
}

int sf_scsi_tur(struct sf_scsi *s, struct sf_errctx *ec)
{
    struct sf_cdb cdb;
    sf_cdb_test_unit_ready(&cdb);
    struct sf_cmd cmd = { .cdb = cdb.b, .cdb_len = cdb.len, .dir = SF_DIR_NONE };
    return sf_scsi_exec(s, &cmd, "TEST UNIT READY", ec);
}

int sf_scsi_inquiry(struct sf_scsi *s, int evpd, uint8_t page, uint8_t *buf, size_t cap,
                    size_t *got, struct sf_errctx *ec)
{
    struct sf_cdb cdb;
    if (cap > 0xffff)
        cap = 0xffff;
    int rc = sf_cdb_inquiry(&cdb, evpd, page, (uint16_t)cap);
    if (rc)
        return rc;
    char what[48];
    if (evpd)
        snprintf(what, sizeof(what), "INQUIRY VPD page %02Xh", page);
    else
        snprintf(what, sizeof(what), "INQUIRY");
    return run_in(s, &cdb, buf, cap, got, what, ec);
}

int sf_scsi_receive_diag(struct sf_scsi *s, uint8_t page, uint8_t *buf, size_t cap,
                         size_t *got, struct sf_errctx *ec)
{
    struct sf_cdb cdb;
    if (cap > 0xffff)
        cap = 0xffff;
    int rc = sf_cdb_receive_diag(&cdb, 1, page, (uint16_t)cap);
    if (rc)
        return rc;
    char what[64];
    snprintf(what, sizeof(what), "RECEIVE DIAGNOSTIC RESULTS page %02Xh", page);
    return run_in(s, &cdb, buf, cap, got, what, ec);
}

int sf_scsi_send_diag(struct sf_scsi *s, const uint8_t *page, size_t len, struct sf_errctx *ec)
{
    if (!page || len == 0 || len > 0xffff)
        return SF_EINVAL;
    struct sf_cdb cdb;
    int rc = sf_cdb_send_diag(&cdb, (uint16_t)len);
    if (rc)
        return rc;
    char what[48];
    snprintf(what, sizeof(what), "SEND DIAGNOSTIC page %02Xh", page[0]);
    struct sf_cmd cmd = {
        .cdb = cdb.b, .cdb_len = cdb.len, .dir = SF_DIR_OUT, .data = (uint8_t *)page,
        .data_len = (uint32_t)len,
    };
    return sf_scsi_exec(s, &cmd, what, ec);
}

int sf_scsi_write_buffer(struct sf_scsi *s, uint8_t mode, uint8_t mode_specific, uint32_t offset,
                         const uint8_t *data, uint32_t len, unsigned timeout_ms,
                         struct sf_errctx *ec)
{
    if (len && !data)
        return SF_EINVAL;
    struct sf_cdb cdb;
    int rc = sf_cdb_write_buffer(&cdb, mode, mode_specific, 0, offset, len);
    if (rc)
        return rc;
    char what[80];
    if (len)
        snprintf(what, sizeof(what), "WRITE BUFFER mode %02Xh at offset %u (%u bytes)", mode,
                 offset, len);
    else
        snprintf(what, sizeof(what), "WRITE BUFFER mode %02Xh", mode);
    struct sf_cmd cmd = {
        .cdb = cdb.b, .cdb_len = cdb.len, .dir = len ? SF_DIR_OUT : SF_DIR_NONE,
        .data = (uint8_t *)data, .data_len = len, .timeout_ms = timeout_ms,
    };
    return sf_scsi_exec(s, &cmd, what, ec);
}

int sf_scsi_read_buffer(struct sf_scsi *s, uint8_t mode, uint8_t *buf, size_t cap, size_t *got,
                        struct sf_errctx *ec)
{
    struct sf_cdb cdb;
    int rc = sf_cdb_read_buffer(&cdb, mode, 0, 0, (uint32_t)cap);
    if (rc)
        return rc;
    char what[48];
    snprintf(what, sizeof(what), "READ BUFFER mode %02Xh", mode);
    return run_in(s, &cdb, buf, cap, got, what, ec);
}
