/*
 * sf_drive.h - identify a SCSI logical unit that is not an enclosure (a
 * drive, a tape, ...) for a microcode update through WRITE BUFFER, and
 * wait for it to come back after an activation.
 *
 * Standards only (SPC-4): standard INQUIRY for vendor/product/revision,
 * VPD 80h/83h for a stable identity (both optional), READ BUFFER mode 03h
 * for the buffer's capacity and offset boundary (optional: many drives,
 * and the kernel's scsi_debug, answer INVALID COMMAND OPERATION CODE).
 */
#ifndef SF_DRIVE_H
#define SF_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sf_inquiry.h"
#include "proto/sf_wbuf.h"
#include "safeflash/sf_err.h"
#include "transport/sf_scsi.h"

struct sf_drive {
    struct sf_inquiry inq;
    int have_serial;
    char serial[64];
    int have_naa;
    uint64_t naa;                /* NAA designator of the logical unit */
    int have_desc;               /* READ BUFFER descriptor answered */
    struct sf_rbuf_desc desc;
    char desc_note[160];         /* why there is no descriptor, for the plan */
};

/*
 * Identify the logical unit behind s.  Fills *d (the caller's).  inq is
 * the standard INQUIRY data when the caller has it (sf_encl_inquiry, which
 * says SF_ENOTENCL for a drive), NULL to read it here.  Errors: SF_ENODEV
 * (no logical unit), SF_EMALFORMED/SF_ETRUNC (garbage INQUIRY), transport
 * errors.  A device that is an enclosure is not refused here; the caller
 * decides which engine serves it.
 */
int sf_drive_probe(struct sf_scsi *s, const struct sf_inquiry *inq, struct sf_drive *d,
                   struct sf_errctx *ec);

/* A 64-bit identity for history and locks: the NAA when the drive has one,
 * else a hash of vendor, product and serial (or of path without serial). */
uint64_t sf_drive_uid(const struct sf_drive *d, const char *path);

/*
 * After an activation: wait (up to timeout_ms) until TEST UNIT READY
 * succeeds - the command layer absorbs the UNIT ATTENTION the activation
 * raises and waits out "becoming ready" - then read the revision from
 * INQUIRY into rev.  ua (may be NULL) receives a description of the last
 * UNIT ATTENTION seen while waiting, "" if none.
 */
int sf_drive_settle(struct sf_scsi *s, unsigned timeout_ms, unsigned poll_ms, char rev[5],
                    char *ua, size_t ua_cap, struct sf_errctx *ec);

#endif
