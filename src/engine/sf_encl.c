/*
 * sf_encl.c - enclosure identification.  See sf_encl.h.
 *
 * Order of reads, and why:
 *   1. standard INQUIRY   - is it an enclosure at all (PDT 0Dh)?
 *   2. VPD 00h, 80h, 83h  - serial and device identifier; optional, many
 *                           enclosures implement only some, so failures
 *                           become warnings
 *   3. diag page 00h      - which SES pages exist; a device that claims
 *                           PDT 0Dh but answers none is said to do so
 *   4. diag page 01h      - subenclosures: ids, vendor/product/revision,
 *                           enclosure logical identifier
 *   5. diag page 0Eh      - download microcode state, when offered
 * Essential pages that do not decode are "garbage" (SF_EMALFORMED /
 * SF_ETRUNC) with the page named in the message.
 */
#include "sf_encl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void warn(struct sf_encl *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct sf_encl *e, const char *fmt, ...)
{
    if (e->nwarn >= SF_ENCL_MAX_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->warn[e->nwarn++], sizeof(e->warn[0]), fmt, ap);
    va_end(ap);
}

static int garbage(struct sf_errctx *ec, int rc, const char *path, const char *what)
{
    return sf_err_set(ec, rc == SF_ETRUNC ? SF_ETRUNC : SF_EMALFORMED,
                      "%s: device answered garbage: %s is %s", path, what,
                      rc == SF_ETRUNC ? "truncated" : "malformed");
}

int sf_encl_inquiry(struct sf_scsi *s, struct sf_inquiry *inq, struct sf_errctx *ec)
{
    uint8_t buf[96];
    size_t got = 0;
    int rc;
    /* The first command to a device that was just opened: a path that is
     * flapping or an enclosure still booting answers a moment later.
     * Nothing has been written yet, so waiting costs nothing but time. */
    for (int tries = 0;; tries++) {
        rc = sf_scsi_inquiry(s, 0, 0, buf, sizeof(buf), &got, ec);
        if (!(rc == SF_ENODEV || rc == SF_EIO || rc == SF_ETIMEDOUT) || tries == 4)
            break;
        s->sleep_ms(250);
    }
    if (rc)
        return rc;
    rc = sf_inquiry_decode(buf, got, inq);
    if (rc)
        return garbage(ec, rc, s->tr->path, "the standard INQUIRY data");
    if (inq->pqual != 0)
        return sf_err_set(ec, SF_ENODEV, "%s: no logical unit behind this path (peripheral qualifier %u)",
                          s->tr->path, inq->pqual);
    if (inq->pdt != SF_PDT_ENCLOSURE) {
        char w[64];
        return sf_err_set(ec, SF_ENOTENCL,
                          "%s: not an enclosure: %.8s %.16s is a %s (peripheral device type %02Xh)",
                          s->tr->path, inq->vendor, inq->product,
                          sf_pdt_str(inq->pdt, w, sizeof(w)), inq->pdt);
    }
    return 0;
}

static void read_vpd(struct sf_scsi *s, struct sf_encl *e, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    struct sf_errctx ec = { 0 };
    struct sf_vpd_supported sup;
    if (sf_scsi_inquiry(s, 1, SF_VPD_SUPPORTED, buf, cap, &got, &ec))
        return; /* VPD is optional for an enclosure */
    if (sf_vpd_supported_decode(buf, got, &sup)) {
        warn(e, "VPD page 00h (supported pages) is malformed; serial and identifier not read");
        return;
    }
    for (size_t i = 0; i < sup.n; i++) {
        if (sup.pages[i] == SF_VPD_SERIAL) {
            struct sf_vpd_serial sn;
            if (sf_scsi_inquiry(s, 1, SF_VPD_SERIAL, buf, cap, &got, &ec) == 0 &&
                sf_vpd_serial_decode(buf, got, &sn) == 0) {
                snprintf(e->serial, sizeof(e->serial), "%s", sn.serial);
                e->have_serial = 1;
            } else {
                warn(e, "VPD page 80h (unit serial number) could not be read or decoded");
            }
        } else if (sup.pages[i] == SF_VPD_DEVID) {
            struct sf_vpd_devid *d = malloc(sizeof(*d));
            if (!d)
                continue;
            if (sf_scsi_inquiry(s, 1, SF_VPD_DEVID, buf, cap, &got, &ec) == 0 &&
                sf_vpd_devid_decode(buf, got, d) == 0) {
                if (sf_vpd_devid_naa(d, SF_ASSOC_LU, &e->lu_naa) == 0)
                    e->have_lu_naa = 1;
            } else {
                warn(e, "VPD page 83h (device identification) could not be read or decoded");
            }
            free(d);
        }
    }
}

int sf_encl_read_dl_page(struct sf_scsi *s, struct sf_ses_dl_status *st, struct sf_errctx *ec)
{
    uint8_t *buf = malloc(SF_SES_MAX_PAGE);
    if (!buf)
        return SF_ENOMEM;
    size_t got = 0;
    int rc = sf_scsi_receive_diag(s, SF_SES_PAGE_DL_MICROCODE, buf, SF_SES_MAX_PAGE, &got, ec);
    if (!rc) {
        rc = sf_ses_dl_status_decode(buf, got, st);
        if (rc)
            rc = garbage(ec, rc, s->tr->path, "the Download Microcode Status page (0Eh)");
    }
    free(buf);
    return rc;
}

int sf_encl_read_dl_status(struct sf_scsi *s, struct sf_encl *e, struct sf_errctx *ec)
{
    int rc = sf_encl_read_dl_page(s, &e->dl, ec);
    if (!rc)
        e->have_dl = 1;
    return rc;
}

int sf_encl_probe(struct sf_scsi *s, struct sf_encl **out, struct sf_errctx *ec)
{
    return sf_encl_probe_ex(s, 1, out, ec);
}

int sf_encl_probe_ex(struct sf_scsi *s, int want_vpd, struct sf_encl **out,
                     struct sf_errctx *ec)
{
    return sf_encl_probe_known(s, NULL, want_vpd, out, ec);
}

int sf_encl_probe_known(struct sf_scsi *s, const struct sf_inquiry *inq, int want_vpd,
                        struct sf_encl **out, struct sf_errctx *ec)
{
    if (!s || !out)
        return SF_EINVAL;
    *out = NULL;
    struct sf_encl *e = calloc(1, sizeof(*e));
    uint8_t *buf = malloc(SF_SES_MAX_PAGE);
    int rc = 0;
    if (!e || !buf) {
        rc = SF_ENOMEM;
        goto out;
    }
    snprintf(e->path, sizeof(e->path), "%s", s->tr->path);
    if (inq && inq->pdt == SF_PDT_ENCLOSURE)
        e->inq = *inq;
    else if ((rc = sf_encl_inquiry(s, &e->inq, ec)))
        goto out;

    if (want_vpd)
        read_vpd(s, e, buf, 1024);

    size_t got = 0;
    struct sf_errctx pec = { 0 };
    rc = sf_scsi_receive_diag(s, SF_SES_PAGE_SUPPORTED, buf, SF_SES_MAX_PAGE, &got, &pec);
    if (rc == SF_ECHECK && sf_scsi_last_illegal_request(s)) {
        rc = sf_err_set(ec, SF_ENOTSUP,
                        "%s: claims to be an enclosure (peripheral device type 0Dh) but answers no SES diagnostic pages (%s)",
                        e->path, pec.msg);
        goto out;
    }
    if (rc) {
        if (ec)
            *ec = pec;
        goto out;
    }
    rc = sf_ses_supported_decode(buf, got, &e->diag_pages);
    if (rc) {
        rc = garbage(ec, rc, e->path, "the Supported Diagnostic Pages page (00h)");
        goto out;
    }
    e->have_diag_pages = 1;
    if (!sf_ses_supported_has(&e->diag_pages, SF_SES_PAGE_CONFIG)) {
        rc = sf_err_set(ec, SF_ENOTSUP,
                        "%s: claims to be an enclosure but does not offer the SES Configuration page (01h)",
                        e->path);
        goto out;
    }

    rc = sf_scsi_receive_diag(s, SF_SES_PAGE_CONFIG, buf, SF_SES_MAX_PAGE, &got, ec);
    if (rc)
        goto out;
    rc = sf_ses_config_decode(buf, got, &e->cfg);
    if (rc) {
        rc = garbage(ec, rc, e->path, "the Configuration page (01h)");
        goto out;
    }

    if (sf_ses_supported_has(&e->diag_pages, SF_SES_PAGE_DL_MICROCODE)) {
        rc = sf_encl_read_dl_status(s, e, ec);
        if (rc)
            goto out;
        for (size_t i = 0; i < e->cfg->nsub; i++)
            if (!sf_ses_dl_status_find(&e->dl, e->cfg->sub[i].id))
                warn(e, "subenclosure %u has no download microcode status descriptor",
                     e->cfg->sub[i].id);
    }
out:
    free(buf);
    if (rc) {
        sf_encl_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void sf_encl_free(struct sf_encl *e)
{
    if (!e)
        return;
    sf_ses_config_free(e->cfg);
    free(e);
}

uint64_t sf_encl_logical_id(const struct sf_encl *e)
{
    if (!e || !e->cfg || e->cfg->nsub == 0)
        return 0;
    return e->cfg->sub[0].logical_id;
}

int sf_encl_partner_sync_known(const struct sf_encl *e)
{
    if (!e || !e->have_diag_pages)
        return 0;
    char vendor[sizeof(e->inq.vendor) + 1];
    snprintf(vendor, sizeof(vendor), "%s", e->inq.vendor);
    sf_rtrim(vendor);
    return !strcmp(vendor, "SFEMU") && sf_ses_supported_has(&e->diag_pages, 0x80);
}
