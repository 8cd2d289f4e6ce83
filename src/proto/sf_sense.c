/*
 * sf_sense.c - sense data codec.  See sf_sense.h.
 *
 * The words come from libsgutils2 (sg_lib.h), which carries the full T10
 * ASC/ASCQ table; keeping our own copy would only let it drift.
 */
#include "sf_sense.h"

#include <stdio.h>
#include <string.h>

#include <scsi/sg_lib.h>

#include "safeflash/sf_err.h"
#include "util/sf_be.h"

static void decode_sks(struct sf_sense *out, const uint8_t *sks)
{
    out->sksv = (sks[0] & 0x80) ? 1 : 0;
    memcpy(out->sks, sks, 3);
    out->sks[0] &= 0x7f;
    if (out->sksv && (out->key == SF_SK_NOT_READY || out->key == SF_SK_NO_SENSE)) {
        out->progress_valid = 1;
        out->progress = sf_be16(sks + 1);
    }
}

static int decode_fixed(const uint8_t *buf, size_t len, struct sf_sense *out)
{
    /* The additional sense length bounds what the device meant to send;
     * the buffer bounds what we got.  Use the smaller. */
    size_t end = 8 + (size_t)buf[7];
    if (end > len)
        end = len;
    out->key = buf[2] & 0x0f;
    out->info_valid = (buf[0] & 0x80) ? 1 : 0;
    out->information = sf_be32(buf + 3);
    if (end >= 14) {
        out->asc = buf[12];
        out->ascq = buf[13];
    }
    if (end >= 18)
        decode_sks(out, buf + 15);
    return 0;
}

static int decode_desc(const uint8_t *buf, size_t len, struct sf_sense *out)
{
    size_t end = 8 + (size_t)buf[7];
    if (end > len)
        end = len;
    out->key = buf[1] & 0x0f;
    out->asc = buf[2];
    out->ascq = buf[3];
    size_t off = 8;
    while (off + 2 <= end) {
        uint8_t type = buf[off];
        size_t dlen = 2 + (size_t)buf[off + 1];
        if (off + dlen > end) {
            /* A descriptor the transport cut short is tolerated; one that
             * overruns the device's own additional length is not. */
            if (off + dlen > 8 + (size_t)buf[7])
                return SF_EMALFORMED;
            break;
        }
        const uint8_t *d = buf + off;
        if (type == 0x00 && dlen >= 12) {          /* information */
            out->info_valid = (d[2] & 0x80) ? 1 : 0;
            out->information = sf_be64(d + 4);
        } else if (type == 0x02 && dlen >= 8) {    /* sense key specific */
            decode_sks(out, d + 4);
        } else if (type == 0x0a && dlen >= 8) {    /* progress indication */
            out->progress_valid = 1;
            out->progress = sf_be16(d + 6);
        }
        off += dlen;
    }
    return 0;
}

int sf_sense_decode(const uint8_t *buf, size_t len, struct sf_sense *out)
{
    if (!buf || !out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    if (len < 1)
        return SF_ETRUNC;
    uint8_t rc = buf[0] & 0x7f;
    if (rc < 0x70 || rc > 0x73)
        return SF_EMALFORMED;
    if (len < 8)
        return SF_ETRUNC;
    out->response_code = rc;
    out->deferred = (rc == 0x71 || rc == 0x73);
    out->descriptor = (rc >= 0x72);
    return out->descriptor ? decode_desc(buf, len, out) : decode_fixed(buf, len, out);
}

int sf_sense_encode(const struct sf_sense *s, int descriptor, uint8_t *buf, size_t cap)
{
    if (!s || !buf)
        return SF_EINVAL;
    if (descriptor) {
        size_t n = s->sksv ? 16 : 8;
        if (cap < n)
            return SF_ERANGE;
        memset(buf, 0, n);
        buf[0] = s->deferred ? 0x73 : 0x72;
        buf[1] = s->key & 0x0f;
        buf[2] = s->asc;
        buf[3] = s->ascq;
        buf[7] = (uint8_t)(n - 8);
        if (s->sksv) {
            buf[8] = 0x02;
            buf[9] = 0x06;
            buf[12] = (uint8_t)(0x80 | (s->sks[0] & 0x7f));
            buf[13] = s->sks[1];
            buf[14] = s->sks[2];
        }
        return (int)n;
    }
    if (cap < 18)
        return SF_ERANGE;
    memset(buf, 0, 18);
    buf[0] = (uint8_t)((s->info_valid ? 0x80 : 0) | (s->deferred ? 0x71 : 0x70));
    buf[2] = s->key & 0x0f;
    sf_put_be32(buf + 3, (uint32_t)s->information);
    buf[7] = 10;
    buf[12] = s->asc;
    buf[13] = s->ascq;
    if (s->sksv) {
        buf[15] = (uint8_t)(0x80 | (s->sks[0] & 0x7f));
        buf[16] = s->sks[1];
        buf[17] = s->sks[2];
    }
    return 18;
}

const char *sf_sense_key_str(uint8_t key, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    sg_get_sense_key_str(key & 0x0f, (int)(len > 4096 ? 4096 : len), buf);
    return buf;
}

const char *sf_sense_asc_str(uint8_t asc, uint8_t ascq, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    sg_get_asc_ascq_str(asc, ascq, (int)(len > 4096 ? 4096 : len), buf);
    /* libsgutils prefixes its words with "Additional sense: "; in our
     * messages the sense key and codes around it say that already. */
    static const char pre[] = "Additional sense: ";
    if (!strncmp(buf, pre, sizeof(pre) - 1))
        memmove(buf, buf + sizeof(pre) - 1, strlen(buf) - (sizeof(pre) - 1) + 1);
    return buf;
}

const char *sf_sense_describe(const struct sf_sense *s, char *buf, size_t len)
{
    char k[64], a[160];
    if (!buf || len == 0)
        return "";
    if (!s) {
        snprintf(buf, len, "no sense data");
        return buf;
    }
    sf_sense_key_str(s->key, k, sizeof(k));
    sf_sense_asc_str(s->asc, s->ascq, a, sizeof(a));
    snprintf(buf, len, "%s%s: %s (asc %02Xh ascq %02Xh)", s->deferred ? "deferred " : "",
             k, a, s->asc, s->ascq);
    return buf;
}

const char *sf_scsi_status_str(uint8_t status)
{
    switch (status) {
    case SF_STATUS_GOOD: return "GOOD";
    case SF_STATUS_CHECK_CONDITION: return "CHECK CONDITION";
    case SF_STATUS_CONDITION_MET: return "CONDITION MET";
    case SF_STATUS_BUSY: return "BUSY";
    case SF_STATUS_RESERVATION_CONFLICT: return "RESERVATION CONFLICT";
    case SF_STATUS_TASK_SET_FULL: return "TASK SET FULL";
    case SF_STATUS_ACA_ACTIVE: return "ACA ACTIVE";
    case SF_STATUS_TASK_ABORTED: return "TASK ABORTED";
    }
    return "reserved status";
}
