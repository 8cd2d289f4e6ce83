/*
 * sf_inquiry.c - INQUIRY and VPD codecs.  See sf_inquiry.h.
 */
#include "sf_inquiry.h"

#include <string.h>

#include <scsi/sg_lib.h>

#include "safeflash/sf_err.h"
#include "util/sf_be.h"

void sf_ascii_field(char *dst, const uint8_t *src, size_t n)
{
    /* SPC pads with spaces; some devices (scsi_debug given a short
     * inq_vendor, for one) pad with NULs.  Read those as padding too. */
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] == 0 ? ' ' : (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[n] = '\0';
}

void sf_ascii_put(uint8_t *dst, size_t n, const char *s)
{
    size_t l = s ? strlen(s) : 0;
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)(i < l ? s[i] : ' ');
}

char *sf_rtrim(char *s)
{
    size_t l = strlen(s);
    while (l > 0 && s[l - 1] == ' ')
        s[--l] = '\0';
    return s;
}

int sf_inquiry_decode(const uint8_t *buf, size_t len, struct sf_inquiry *out)
{
    if (!buf || !out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    if (len < 36)
        return SF_ETRUNC;
    out->pqual = buf[0] >> 5;
    out->pdt = buf[0] & 0x1f;
    out->rmb = (buf[1] >> 7) & 1;
    out->version = buf[2];
    out->hisup = (buf[3] >> 4) & 1;
    out->rdf = buf[3] & 0x0f;
    out->addl_len = buf[4];
    out->encserv = (buf[6] >> 6) & 1;
    out->multip = (buf[6] >> 4) & 1;
    out->cmdque = (buf[7] >> 1) & 1;
    /* SPC-2 onwards requires format 2; 0 and 1 are obsolete layouts whose
     * vendor/product fields cannot be trusted. */
    if (out->rdf != 2 || out->addl_len < 31)
        return SF_EMALFORMED;
    sf_ascii_field(out->vendor, buf + 8, 8);
    sf_ascii_field(out->product, buf + 16, 16);
    sf_ascii_field(out->revision, buf + 32, 4);
    return 0;
}

int sf_inquiry_encode(const struct sf_inquiry *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf)
        return SF_EINVAL;
    if (cap < 36)
        return SF_ERANGE;
    memset(buf, 0, 36);
    buf[0] = (uint8_t)((in->pqual << 5) | (in->pdt & 0x1f));
    buf[1] = in->rmb ? 0x80 : 0;
    buf[2] = in->version;
    buf[3] = (uint8_t)((in->hisup ? 0x10 : 0) | 2);
    buf[4] = 31;
    buf[6] = (uint8_t)((in->encserv ? 0x40 : 0) | (in->multip ? 0x10 : 0));
    buf[7] = in->cmdque ? 0x02 : 0;
    sf_ascii_put(buf + 8, 8, in->vendor);
    sf_ascii_put(buf + 16, 16, in->product);
    sf_ascii_put(buf + 32, 4, in->revision);
    return 36;
}

/* Common VPD header check: page code and that the page fits. Returns the
 * page length (bytes after the 4-byte header) or a negative error. */
static int vpd_header(const uint8_t *buf, size_t len, uint8_t page, uint8_t *pdt)
{
    if (!buf)
        return SF_EINVAL;
    if (len < 4)
        return SF_ETRUNC;
    if (buf[1] != page)
        return SF_EMALFORMED;
    size_t plen = sf_be16(buf + 2);
    if (4 + plen > len)
        return SF_ETRUNC;
    if (pdt)
        *pdt = buf[0] & 0x1f;
    return (int)plen;
}

int sf_vpd_supported_decode(const uint8_t *buf, size_t len, struct sf_vpd_supported *out)
{
    if (!out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    int plen = vpd_header(buf, len, SF_VPD_SUPPORTED, &out->pdt);
    if (plen < 0)
        return plen;
    if (plen > 256)
        return SF_EMALFORMED;
    out->n = (size_t)plen;
    memcpy(out->pages, buf + 4, out->n);
    /* SPC: ascending order, and 00h itself first. */
    for (size_t i = 1; i < out->n; i++)
        if (out->pages[i] <= out->pages[i - 1])
            return SF_EMALFORMED;
    return 0;
}

int sf_vpd_supported_encode(const struct sf_vpd_supported *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf || in->n > 256)
        return SF_EINVAL;
    if (cap < 4 + in->n)
        return SF_ERANGE;
    buf[0] = in->pdt & 0x1f;
    buf[1] = SF_VPD_SUPPORTED;
    sf_put_be16(buf + 2, (uint16_t)in->n);
    memcpy(buf + 4, in->pages, in->n);
    return (int)(4 + in->n);
}

int sf_vpd_serial_decode(const uint8_t *buf, size_t len, struct sf_vpd_serial *out)
{
    if (!out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    int plen = vpd_header(buf, len, SF_VPD_SERIAL, &out->pdt);
    if (plen < 0)
        return plen;
    size_t n = (size_t)plen;
    if (n > sizeof(out->serial) - 1)
        n = sizeof(out->serial) - 1;
    sf_ascii_field(out->serial, buf + 4, n);
    /* Some devices pad with NULs rather than spaces. */
    for (size_t i = 0; i < n; i++)
        if (buf[4 + i] == 0) {
            out->serial[i] = '\0';
            break;
        }
    sf_rtrim(out->serial);
    return 0;
}

int sf_vpd_serial_encode(const struct sf_vpd_serial *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf)
        return SF_EINVAL;
    size_t n = strlen(in->serial);
    if (n > 251)
        return SF_ERANGE;
    if (cap < 4 + n)
        return SF_ERANGE;
    buf[0] = in->pdt & 0x1f;
    buf[1] = SF_VPD_SERIAL;
    sf_put_be16(buf + 2, (uint16_t)n);
    memcpy(buf + 4, in->serial, n);
    return (int)(4 + n);
}

int sf_vpd_devid_decode(const uint8_t *buf, size_t len, struct sf_vpd_devid *out)
{
    if (!out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    int plen = vpd_header(buf, len, SF_VPD_DEVID, &out->pdt);
    if (plen < 0)
        return plen;
    size_t end = 4 + (size_t)plen;
    size_t off = 4;
    while (off < end) {
        if (off + 4 > end)
            return SF_EMALFORMED;
        size_t dl = buf[off + 3];
        if (off + 4 + dl > end)
            return SF_EMALFORMED;
        if (out->n < SF_VPD_DEVID_MAX) {
            struct sf_designator *d = &out->d[out->n++];
            d->proto_id = buf[off] >> 4;
            d->code_set = buf[off] & 0x0f;
            d->piv = (buf[off + 1] >> 7) & 1;
            d->assoc = (buf[off + 1] >> 4) & 3;
            d->type = buf[off + 1] & 0x0f;
            d->len = (uint8_t)dl;
            memcpy(d->id, buf + off + 4, dl);
        }
        out->total++;
        off += 4 + dl;
    }
    return 0;
}

int sf_vpd_devid_encode(const struct sf_vpd_devid *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf || in->n > SF_VPD_DEVID_MAX)
        return SF_EINVAL;
    size_t need = 4;
    for (size_t i = 0; i < in->n; i++)
        need += 4 + in->d[i].len;
    if (need - 4 > 0xffff)
        return SF_ERANGE;
    if (cap < need)
        return SF_ERANGE;
    buf[0] = in->pdt & 0x1f;
    buf[1] = SF_VPD_DEVID;
    sf_put_be16(buf + 2, (uint16_t)(need - 4));
    size_t off = 4;
    for (size_t i = 0; i < in->n; i++) {
        const struct sf_designator *d = &in->d[i];
        buf[off] = (uint8_t)((d->proto_id << 4) | (d->code_set & 0x0f));
        buf[off + 1] = (uint8_t)((d->piv ? 0x80 : 0) | ((d->assoc & 3) << 4) | (d->type & 0x0f));
        buf[off + 2] = 0;
        buf[off + 3] = d->len;
        memcpy(buf + off + 4, d->id, d->len);
        off += 4 + d->len;
    }
    return (int)need;
}

int sf_vpd_devid_naa(const struct sf_vpd_devid *d, uint8_t assoc, uint64_t *naa)
{
    if (!d || !naa)
        return SF_EINVAL;
    for (size_t i = 0; i < d->n; i++) {
        if (d->d[i].type == SF_DESIG_NAA && d->d[i].assoc == assoc && d->d[i].len == 8) {
            *naa = sf_be64(d->d[i].id);
            return 0;
        }
    }
    return SF_ENOTSUP;
}

const char *sf_pdt_str(uint8_t pdt, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    sg_get_pdt_str(pdt & 0x1f, (int)(len > 4096 ? 4096 : len), buf);
    return buf;
}
