/*
 * sf_encl.h - identify an SES enclosure: who it is, which SES processors
 * (subenclosures) it has, what each runs and what its download microcode
 * state is.
 *
 * Relies on the standards alone (SPC-4 INQUIRY/VPD, SES-3 pages 00h, 01h,
 * 0Eh): nothing here knows whether the device is real or emulated.
 */
#ifndef SF_ENCL_H
#define SF_ENCL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sf_inquiry.h"
#include "proto/sf_ses.h"
#include "safeflash/sf_err.h"
#include "transport/sf_scsi.h"

#define SF_ENCL_MAX_WARN 8

struct sf_encl {
    char path[256];
    struct sf_inquiry inq;
    int have_serial;
    char serial[252];
    int have_lu_naa;
    uint64_t lu_naa;             /* NAA of the SES logical unit itself */
    int have_diag_pages;
    struct sf_ses_supported diag_pages;
    struct sf_ses_config *cfg;   /* owned */
    int have_dl;                 /* Download Microcode Status page read */
    struct sf_ses_dl_status dl;
    size_t nwarn;
    char warn[SF_ENCL_MAX_WARN][160]; /* non-fatal oddities, one line each */
};

/*
 * Read INQUIRY only and check the device is an enclosure.
 * Errors: SF_ENOTENCL (PDT != 0Dh, inq still filled), SF_EMALFORMED /
 * SF_ETRUNC (garbage), SF_ENODEV (no logical unit), transport errors.
 */
int sf_encl_inquiry(struct sf_scsi *s, struct sf_inquiry *inq, struct sf_errctx *ec);

/*
 * Full identification.  *out is the caller's (sf_encl_free).  Errors as
 * sf_encl_inquiry, plus SF_ENOTSUP when the device claims to be an
 * enclosure but serves no usable SES pages.
 */
int sf_encl_probe(struct sf_scsi *s, struct sf_encl **out, struct sf_errctx *ec);

/* As sf_encl_probe, skipping the VPD pages (serial, identifier) when
 * want_vpd is 0: an install needs only INQUIRY and the SES pages. */
int sf_encl_probe_ex(struct sf_scsi *s, int want_vpd, struct sf_encl **out,
                     struct sf_errctx *ec);

/* As sf_encl_probe_ex, starting from standard INQUIRY data the caller
 * read already with sf_encl_inquiry (inq NULL: read it here). */
int sf_encl_probe_known(struct sf_scsi *s, const struct sf_inquiry *inq, int want_vpd,
                        struct sf_encl **out, struct sf_errctx *ec);

/* Read and decode the Download Microcode Status page (0Eh); a page that
 * does not decode is SF_EMALFORMED/SF_ETRUNC, "device answered garbage". */
int sf_encl_read_dl_page(struct sf_scsi *s, struct sf_ses_dl_status *st, struct sf_errctx *ec);

/* Re-read only the download microcode status page into e->dl. */
int sf_encl_read_dl_status(struct sf_scsi *s, struct sf_encl *e, struct sf_errctx *ec);

void sf_encl_free(struct sf_encl *e);

/* Does safeflash know a partner firmware sync control for this enclosure
 * (`safeflash partner-sync` can work on it)?  There is no standard page:
 * the control is vendor specific, and the one known is the SFEMU shelf's
 * page 80h, offered on its Supported Diagnostic Pages page.  1 or 0. */
int sf_encl_partner_sync_known(const struct sf_encl *e);

/* Enclosure logical identifier of the primary subenclosure (0 if none). */
uint64_t sf_encl_logical_id(const struct sf_encl *e);

#endif
