/*
 * sf_drive.c - identify a drive and wait for it after activation.  See
 * sf_drive.h.
 */
#include "sf_drive.h"

#include "engine/sf_encl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Standard INQUIRY: the enclosure engine's reader, which also decodes,
 * checks the qualifier and retries a path that is still coming up; for a
 * drive its SF_ENOTENCL is the expected answer. */
static int inquiry_std(struct sf_scsi *s, struct sf_inquiry *inq, struct sf_errctx *ec)
{
    int rc = sf_encl_inquiry(s, inq, ec);
    if (rc == SF_ENOTENCL) {
        sf_errctx_clear(ec);
        rc = 0;
    }
    return rc;
}

int sf_drive_probe(struct sf_scsi *s, const struct sf_inquiry *inq, struct sf_drive *d,
                   struct sf_errctx *ec)
{
    if (!s || !d)
        return SF_EINVAL;
    memset(d, 0, sizeof(*d));
    int rc = 0;
    if (inq)
        d->inq = *inq;
    else if ((rc = inquiry_std(s, &d->inq, ec)))
        return rc;
    /* TEST UNIT READY: takes the power-on/reset UNIT ATTENTION a drive
     * holds for this initiator now, so that one seen during the download
     * means something happened then.  A drive that will not become ready
     * is not one to flash. */
    rc = sf_scsi_tur(s, ec);
    if (rc)
        return rc;
    /* Identity pages are optional; a drive without them is still a drive.
     * Asked for directly: a drive that lacks one says ILLEGAL REQUEST. */
    uint8_t *buf = malloc(1024);
    if (!buf)
        return SF_ENOMEM;
    size_t got = 0;
    struct sf_errctx quiet = { 0 };
    struct sf_vpd_serial sn;
    if (sf_scsi_inquiry(s, 1, SF_VPD_SERIAL, buf, 1024, &got, &quiet) == 0 &&
        sf_vpd_serial_decode(buf, got, &sn) == 0 && sn.serial[0]) {
        snprintf(d->serial, sizeof(d->serial), "%s", sn.serial);
        d->have_serial = 1;
    }
    struct sf_vpd_devid *id = malloc(sizeof(*id));
    if (id && sf_scsi_inquiry(s, 1, SF_VPD_DEVID, buf, 1024, &got, &quiet) == 0 &&
        sf_vpd_devid_decode(buf, got, id) == 0 && sf_vpd_devid_naa(id, SF_ASSOC_LU, &d->naa) == 0)
        d->have_naa = 1;
    free(id);
    /* The buffer descriptor bounds each WRITE BUFFER and aligns offsets. */
    sf_errctx_clear(&quiet);
    rc = sf_scsi_read_buffer(s, SF_WB_DESCRIPTOR, buf, SF_RBUF_DESC_LEN, &got, &quiet);
    if (rc == 0 && sf_rbuf_desc_decode(buf, got, &d->desc) == 0) {
        d->have_desc = 1;
    } else if (rc == 0) {
        snprintf(d->desc_note, sizeof(d->desc_note), "its READ BUFFER descriptor is %zu bytes, "
                 "too short: ignored", got);
    } else if (sf_scsi_last_illegal_request(s)) {
        snprintf(d->desc_note, sizeof(d->desc_note), "it has no READ BUFFER descriptor (mode 03h)");
    } else {
        /* Anything else is worth stopping for: the drive misbehaves
         * before a single byte was written. */
        free(buf);
        return sf_err_set(ec, rc, "%s", quiet.msg);
    }
    free(buf);
    return 0;
}

uint64_t sf_drive_uid(const struct sf_drive *d, const char *path)
{
    if (d->have_naa)
        return d->naa;
    /* FNV-1a: stable across runs, which is all history and locks need. */
    uint64_t h = 0xcbf29ce484222325ull;
    char key[400];
    snprintf(key, sizeof(key), "%s|%s|%s", d->inq.vendor, d->inq.product,
             d->have_serial ? d->serial : path ? path : "");
    for (const char *p = key; *p; p++) {
        h ^= (uint8_t)*p;
        h *= 0x100000001b3ull;
    }
    return h;
}

int sf_drive_settle(struct sf_scsi *s, unsigned timeout_ms, unsigned poll_ms, char rev[5],
                    char *ua, size_t ua_cap, struct sf_errctx *ec)
{
    uint64_t ua0 = s->ua_count;
    unsigned waited = 0;
    unsigned gap = poll_ms == 0 ? 1 : poll_ms > 1000 ? 1000 : poll_ms;
    int rc;
    if (ua && ua_cap)
        ua[0] = 0;
    for (;;) {
        sf_errctx_clear(ec);
        rc = sf_scsi_tur(s, ec);
        /* NOT READY for another reason, gone, or hung while it restarts:
         * poll until the deadline. */
        int transient = rc == SF_EIO || rc == SF_ETIMEDOUT || rc == SF_ENODEV || rc == SF_EBUSY ||
                        (rc == SF_ECHECK && s->last_have_sense &&
                         (s->last_sense.key == SF_SK_NOT_READY ||
                          s->last_sense.key == SF_SK_UNIT_ATTENTION));
        if (!rc || !transient || waited >= timeout_ms)
            break;
        s->sleep_ms(gap);
        waited += gap;
    }
    if (ua && ua_cap && s->ua_count != ua0) {
        char w[96];
        snprintf(ua, ua_cap, "UNIT ATTENTION %02Xh/%02Xh (%s)", s->last_ua.asc, s->last_ua.ascq,
                 sf_sense_asc_str(s->last_ua.asc, s->last_ua.ascq, w, sizeof(w)));
    }
    if (rc)
        return rc;
    struct sf_inquiry inq;
    rc = inquiry_std(s, &inq, ec);
    if (rc)
        return rc;
    snprintf(rev, 5, "%s", inq.revision);
    sf_rtrim(rev);
    return 0;
}
