/*
 * sf_ses.c - SES diagnostic page codecs.  See sf_ses.h.
 *
 * Every decoder follows one pattern: check the 4-byte header, check that
 * the page the device says it sent fits in what we received, then walk the
 * body with explicit bounds.  The page length field is the device's claim;
 * `len` is what actually arrived; both bound every read.
 */
#include "sf_ses.h"

#include <stdlib.h>
#include <string.h>

#include "proto/sf_inquiry.h"
#include "safeflash/sf_err.h"
#include "util/sf_be.h"

/* Returns the page's end offset (4 + page length) or a negative error. */
static long page_end(const uint8_t *buf, size_t len, uint8_t page)
{
    if (!buf)
        return SF_EINVAL;
    if (len < 4)
        return SF_ETRUNC;
    if (buf[0] != page)
        return SF_EMALFORMED;
    size_t end = 4 + (size_t)sf_be16(buf + 2);
    if (end > len)
        return SF_ETRUNC;
    return (long)end;
}

/* ---- 00h ---- */

int sf_ses_supported_decode(const uint8_t *buf, size_t len, struct sf_ses_supported *out)
{
    if (!out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    long end = page_end(buf, len, SF_SES_PAGE_SUPPORTED);
    if (end < 0)
        return (int)end;
    size_t n = (size_t)end - 4;
    if (n > 256)
        return SF_EMALFORMED;
    out->n = n;
    memcpy(out->pages, buf + 4, n);
    return 0;
}

int sf_ses_supported_encode(const struct sf_ses_supported *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf || in->n > 256)
        return SF_EINVAL;
    if (cap < 4 + in->n)
        return SF_ERANGE;
    buf[0] = SF_SES_PAGE_SUPPORTED;
    buf[1] = 0;
    sf_put_be16(buf + 2, (uint16_t)in->n);
    memcpy(buf + 4, in->pages, in->n);
    return (int)(4 + in->n);
}

int sf_ses_supported_has(const struct sf_ses_supported *s, uint8_t page)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->pages[i] == page)
            return 1;
    return 0;
}

/* ---- 01h ---- */

void sf_ses_config_free(struct sf_ses_config *c)
{
    if (!c)
        return;
    free(c->sub);
    free(c->types);
    free(c);
}

int sf_ses_config_decode(const uint8_t *buf, size_t len, struct sf_ses_config **out)
{
    if (!out)
        return SF_EINVAL;
    *out = NULL;
    long lend = page_end(buf, len, SF_SES_PAGE_CONFIG);
    if (lend < 0)
        return (int)lend;
    size_t end = (size_t)lend;
    if (end < 8)
        return SF_EMALFORMED; /* no room for the generation code */

    int rc = 0;
    struct sf_ses_config *c = calloc(1, sizeof(*c));
    if (!c)
        return SF_ENOMEM;
    c->gen = sf_be32(buf + 4);
    c->num_secondary = buf[1];
    c->nsub = (size_t)buf[1] + 1;
    c->sub = calloc(c->nsub, sizeof(*c->sub));
    if (!c->sub) {
        rc = SF_ENOMEM;
        goto out;
    }

    size_t off = 8;
    for (size_t i = 0; i < c->nsub; i++) {
        if (off + 4 > end) {
            rc = SF_EMALFORMED;
            goto out;
        }
        size_t dlen = 4 + (size_t)buf[off + 3];
        /* Descriptor length minus 4 must be at least 36 (SES-3 6.1.2.2). */
        if (dlen < 40 || off + dlen > end) {
            rc = SF_EMALFORMED;
            goto out;
        }
        struct sf_ses_subenc *s = &c->sub[i];
        s->rel_esp_id = (buf[off] >> 4) & 7;
        s->num_esp = buf[off] & 7;
        s->id = buf[off + 1];
        s->num_type_hdrs = buf[off + 2];
        s->logical_id = sf_be64(buf + off + 4);
        sf_ascii_field(s->vendor, buf + off + 12, 8);
        sf_ascii_field(s->product, buf + off + 20, 16);
        sf_ascii_field(s->revision, buf + off + 36, 4);
        s->vs_len = (uint8_t)(dlen - 40);
        memcpy(s->vs, buf + off + 40, s->vs_len);
        for (size_t j = 0; j < i; j++)
            if (c->sub[j].id == s->id) {
                rc = SF_EMALFORMED;
                goto out;
            }
        c->ntypes += s->num_type_hdrs;
        off += dlen;
    }

    if (off + 4 * c->ntypes > end) {
        rc = SF_EMALFORMED;
        goto out;
    }
    if (c->ntypes) {
        c->types = calloc(c->ntypes, sizeof(*c->types));
        if (!c->types) {
            rc = SF_ENOMEM;
            goto out;
        }
    }
    size_t text_off = off + 4 * c->ntypes;
    for (size_t i = 0; i < c->ntypes; i++) {
        const uint8_t *h = buf + off + 4 * i;
        struct sf_ses_type *t = &c->types[i];
        t->elem_type = h[0];
        t->num_elements = h[1];
        t->subenc_id = h[2];
        t->text_len = h[3];
        if (text_off + t->text_len > end) {
            rc = SF_EMALFORMED;
            goto out;
        }
        sf_ascii_field(t->text, buf + text_off, t->text_len);
        text_off += t->text_len;
    }
out:
    if (rc) {
        sf_ses_config_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int sf_ses_config_encode(const struct sf_ses_config *c, uint8_t *buf, size_t cap)
{
    if (!c || !buf || c->nsub == 0 || c->nsub > 256)
        return SF_EINVAL;
    size_t need = 8;
    size_t ntypes = 0;
    for (size_t i = 0; i < c->nsub; i++) {
        need += 40 + c->sub[i].vs_len;
        ntypes += c->sub[i].num_type_hdrs;
    }
    if (ntypes != c->ntypes)
        return SF_EINVAL;
    need += 4 * c->ntypes;
    for (size_t i = 0; i < c->ntypes; i++)
        need += c->types[i].text_len;
    if (need - 4 > 0xffff || need > cap)
        return SF_ERANGE;

    memset(buf, 0, need);
    buf[0] = SF_SES_PAGE_CONFIG;
    buf[1] = (uint8_t)(c->nsub - 1);
    sf_put_be16(buf + 2, (uint16_t)(need - 4));
    sf_put_be32(buf + 4, c->gen);
    size_t off = 8;
    for (size_t i = 0; i < c->nsub; i++) {
        const struct sf_ses_subenc *s = &c->sub[i];
        buf[off] = (uint8_t)(((s->rel_esp_id & 7) << 4) | (s->num_esp & 7));
        buf[off + 1] = s->id;
        buf[off + 2] = s->num_type_hdrs;
        buf[off + 3] = (uint8_t)(36 + s->vs_len);
        sf_put_be64(buf + off + 4, s->logical_id);
        sf_ascii_put(buf + off + 12, 8, s->vendor);
        sf_ascii_put(buf + off + 20, 16, s->product);
        sf_ascii_put(buf + off + 36, 4, s->revision);
        memcpy(buf + off + 40, s->vs, s->vs_len);
        off += 40 + s->vs_len;
    }
    for (size_t i = 0; i < c->ntypes; i++) {
        const struct sf_ses_type *t = &c->types[i];
        buf[off] = t->elem_type;
        buf[off + 1] = t->num_elements;
        buf[off + 2] = t->subenc_id;
        buf[off + 3] = t->text_len;
        off += 4;
    }
    for (size_t i = 0; i < c->ntypes; i++) {
        memcpy(buf + off, c->types[i].text, c->types[i].text_len);
        off += c->types[i].text_len;
    }
    return (int)need;
}

const struct sf_ses_subenc *sf_ses_config_find(const struct sf_ses_config *c, uint8_t id)
{
    for (size_t i = 0; c && i < c->nsub; i++)
        if (c->sub[i].id == id)
            return &c->sub[i];
    return NULL;
}

/* ---- 02h ---- */

int sf_ses_encl_status_encode(const struct sf_ses_config *c, uint8_t flags,
                              uint8_t *buf, size_t cap)
{
    if (!c || !buf)
        return SF_EINVAL;
    size_t need = 8;
    for (size_t i = 0; i < c->ntypes; i++)
        need += 4 * (1 + (size_t)c->types[i].num_elements);
    if (need - 4 > 0xffff || need > cap)
        return SF_ERANGE;
    memset(buf, 0, need);
    buf[0] = SF_SES_PAGE_ENCL_STATUS;
    buf[1] = flags & 0x1f;
    sf_put_be16(buf + 2, (uint16_t)(need - 4));
    sf_put_be32(buf + 4, c->gen);
    size_t off = 8;
    for (size_t i = 0; i < c->ntypes; i++) {
        off += 4; /* overall status element: all zero = unsupported */
        for (size_t e = 0; e < c->types[i].num_elements; e++) {
            buf[off] = 0x01; /* element status code OK */
            if (c->types[i].elem_type == 0x04)
                buf[off + 2] = 20 + 25; /* temperature: 25 C, offset 20 */
            off += 4;
        }
    }
    return (int)need;
}

/* ---- 0Eh status ---- */

int sf_ses_dl_status_decode(const uint8_t *buf, size_t len, struct sf_ses_dl_status *out)
{
    if (!out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    long lend = page_end(buf, len, SF_SES_PAGE_DL_MICROCODE);
    if (lend < 0)
        return (int)lend;
    size_t end = (size_t)lend;
    if (end < 8 || (end - 8) % 16 != 0)
        return SF_EMALFORMED;
    size_t n = (end - 8) / 16;
    if (n > 256)
        return SF_EMALFORMED;
    out->gen = sf_be32(buf + 4);
    out->num_secondary = buf[1];
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d = buf + 8 + 16 * i;
        out->d[i].subenc_id = d[1];
        out->d[i].status = d[2];
        out->d[i].addl_status = d[3];
        out->d[i].max_size = sf_be32(d + 4);
        out->d[i].expected_buffer_id = d[11];
        out->d[i].expected_offset = sf_be32(d + 12);
    }
    return 0;
}

int sf_ses_dl_status_encode(const struct sf_ses_dl_status *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf || in->n == 0 || in->n > 256)
        return SF_EINVAL;
    size_t need = 8 + 16 * in->n;
    if (need > cap)
        return SF_ERANGE;
    memset(buf, 0, need);
    buf[0] = SF_SES_PAGE_DL_MICROCODE;
    buf[1] = (uint8_t)(in->n - 1);
    sf_put_be16(buf + 2, (uint16_t)(need - 4));
    sf_put_be32(buf + 4, in->gen);
    for (size_t i = 0; i < in->n; i++) {
        uint8_t *d = buf + 8 + 16 * i;
        d[1] = in->d[i].subenc_id;
        d[2] = in->d[i].status;
        d[3] = in->d[i].addl_status;
        sf_put_be32(d + 4, in->d[i].max_size);
        d[11] = in->d[i].expected_buffer_id;
        sf_put_be32(d + 12, in->d[i].expected_offset);
    }
    return (int)need;
}

const struct sf_ses_dl_desc *sf_ses_dl_status_find(const struct sf_ses_dl_status *s, uint8_t id)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->d[i].subenc_id == id)
            return &s->d[i];
    return NULL;
}

int sf_ses_dl_is_interim(uint8_t st)
{
    return st <= 0x0f || (st >= 0x70 && st <= 0x7f);
}

int sf_ses_dl_is_complete(uint8_t st)
{
    return st >= 0x10 && st <= 0x13;
}

int sf_ses_dl_is_error(uint8_t st)
{
    return st >= 0x80;
}

const char *sf_ses_dl_status_str(uint8_t st)
{
    switch (st) {
    case 0x00: return "no download microcode operation in progress";
    case 0x01: return "download in progress, awaiting more microcode data";
    case 0x02: return "download complete, updating non-volatile storage";
    case 0x03: return "updating non-volatile storage with deferred microcode";
    case 0x10: return "complete, no error, new microcode running now";
    case 0x11: return "complete, no error, new microcode runs after hard reset or power on";
    case 0x12: return "complete, no error, new microcode runs after power on";
    case 0x13: return "complete, deferred microcode runs after activate, hard reset or power on";
    case 0x80: return "error in the download microcode control page fields, image discarded";
    case 0x81: return "error in the microcode image, image discarded";
    case 0x82: return "download timeout, partial image discarded";
    case 0x83: return "internal error, a new microcode image is needed before reset";
    case 0x84: return "internal error, hard reset and power on are safe";
    case 0x85: return "activate requested but no deferred microcode is stored";
    }
    if (st <= 0x0f)
        return "reserved (interim)";
    if (st >= 0x70 && st <= 0x7f)
        return "vendor specific (interim)";
    if (st >= 0xf0)
        return "vendor specific error";
    if (st >= 0x80)
        return "reserved (error)";
    return "reserved";
}

/* ---- 0Eh control ---- */

size_t sf_ses_dl_ctrl_len(uint32_t data_len)
{
    return SF_SES_DL_HDR_LEN + (((size_t)data_len + 3) & ~(size_t)3);
}

int sf_ses_dl_ctrl_encode(const struct sf_ses_dl_ctrl *in, uint8_t *buf, size_t cap)
{
    if (!in || !buf)
        return SF_EINVAL;
    if ((in->offset & 3) || (in->data_len && !in->data))
        return SF_EINVAL;
    size_t total = sf_ses_dl_ctrl_len(in->data_len);
    if (total > 0xffff || total > cap)
        return SF_ERANGE;
    memset(buf, 0, total);
    buf[0] = SF_SES_PAGE_DL_MICROCODE;
    buf[1] = in->subenc_id;
    sf_put_be16(buf + 2, (uint16_t)(total - 4));
    sf_put_be32(buf + 4, in->gen);
    buf[8] = in->mode;
    buf[11] = in->buffer_id;
    sf_put_be32(buf + 12, in->offset);
    sf_put_be32(buf + 16, in->image_len);
    sf_put_be32(buf + 20, in->data_len);
    if (in->data_len)
        memcpy(buf + SF_SES_DL_HDR_LEN, in->data, in->data_len);
    return (int)total;
}

int sf_ses_dl_ctrl_decode(const uint8_t *buf, size_t len, struct sf_ses_dl_ctrl *out)
{
    if (!out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    long lend = page_end(buf, len, SF_SES_PAGE_DL_MICROCODE);
    if (lend < 0)
        return (int)lend;
    size_t end = (size_t)lend;
    if (end < SF_SES_DL_HDR_LEN)
        return SF_EMALFORMED;
    out->subenc_id = buf[1];
    out->gen = sf_be32(buf + 4);
    out->mode = buf[8];
    out->buffer_id = buf[11];
    out->offset = sf_be32(buf + 12);
    out->image_len = sf_be32(buf + 16);
    out->data_len = sf_be32(buf + 20);
    if ((size_t)out->data_len > end - SF_SES_DL_HDR_LEN)
        return SF_EMALFORMED;
    out->data = buf + SF_SES_DL_HDR_LEN;
    return 0;
}

const char *sf_ses_elem_type_str(uint8_t t)
{
    static const char *const names[] = {
        "Unspecified", "Device slot", "Power supply", "Cooling", "Temperature sensor",
        "Door", "Audible alarm", "Enclosure services controller electronics",
        "SCC controller electronics", "Nonvolatile cache", "Invalid operation reason",
        "Uninterruptible power supply", "Display", "Key pad entry", "Enclosure",
        "SCSI port/transceiver", "Language", "Communication port", "Voltage sensor",
        "Current sensor", "SCSI target port", "SCSI initiator port", "Simple subenclosure",
        "Array device slot", "SAS expander", "SAS connector",
    };
    if (t < sizeof(names) / sizeof(names[0]))
        return names[t];
    return "";
}
