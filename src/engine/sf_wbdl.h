/*
 * sf_wbdl.h - put one image on a drive (any SCSI logical unit that is not
 * an enclosure) with WRITE BUFFER, and activate deferred microcode.
 *
 * The drive counterpart of sf_sesdl: same options, events and result, so
 * the install engine treats both alike.  What differs is what a drive can
 * tell: it has no status page, so the only progress it reports is GOOD
 * status per command, and the only proof of a new image is the revision
 * in INQUIRY once the drive is ready again (sf_drive_settle).
 *
 * Rules, each one a way tools have lost drives:
 *   1. Nothing is ever activated after a failed chunk: a failure stops the
 *      download at once and the error names the chunk's offset, length and
 *      sense data.  (sg_write_buffer --bpw=CS,act sends 0Fh regardless and
 *      exits 0 when that succeeds.)
 *   2. A UNIT ATTENTION absorbed mid-download means the drive was reset
 *      and may have dropped what it had: the download starts again from
 *      offset 0 (bounded by max_recoveries), never continues blindly.
 *   3. Mode fallback (auto: 0Eh, then 07h, then 05h) happens only when the
 *      first command of a mode is refused as ILLEGAL REQUEST for its CDB -
 *      the drive does not have that mode - never after data was accepted.
 *   4. Timeouts are not retried: a chunk whose fate is unknown ends the
 *      download.
 *
 * Commands per download: ceil(len / chunk) WRITE BUFFER; nothing else.
 */
#ifndef SF_WBDL_H
#define SF_WBDL_H

#include <stdint.h>

#include "engine/sf_drive.h"
#include "engine/sf_sesdl.h"

/* Bytes per command when neither the caller nor the drive says. */
#define SF_WBDL_DEFAULT_CHUNK (64u * 1024u)

/* The WRITE BUFFER modes a choice tries, in order; returns how many. */
int sf_wbdl_modes(enum sf_dl_mode_choice choice, uint8_t modes[3]);

/*
 * Download img to the drive.  Returns 0 when every command of the chosen
 * mode completed GOOD (res->mode_used says which mode: 05h/07h run the new
 * image after the drive restarts, 0Dh/0Eh stored it), or:
 *   SF_ERANGE    the image cannot be sent (size vs buffer / 24-bit fields);
 *                nothing was sent
 *   SF_ENOTSUP   the drive refused every mode tried; nothing was stored
 *   SF_ECHECK / SF_ETIMEDOUT / transport errors: a chunk failed; ec->msg
 *                names it; no activation was sent
 */
int sf_wbdl_download(struct sf_scsi *s, const struct sf_drive *d, const uint8_t *img,
                     uint32_t len, const struct sf_sesdl_opts *o, sf_sesdl_cb cb, void *arg,
                     struct sf_sesdl_result *res, struct sf_errctx *ec);

/*
 * WRITE BUFFER mode 0Fh.  Returns 0 when the drive accepted it (the caller
 * then waits and verifies); SF_ENOTSUP when the drive says there is no
 * deferred microcode (ILLEGAL REQUEST, command sequence error 2Ch/00h) or
 * has no such mode (24h/00h), with *none set for the former.
 */
int sf_wbdl_activate(struct sf_scsi *s, const struct sf_sesdl_opts *o, sf_sesdl_cb cb, void *arg,
                     int *none, struct sf_errctx *ec);

#endif
