/*
 * sf_wbdl.c - drive microcode through WRITE BUFFER.  See sf_wbdl.h.
 */
#include "sf_wbdl.h"

#include <stdio.h>
#include <string.h>

int sf_wbdl_modes(enum sf_dl_mode_choice choice, uint8_t modes[3])
{
    switch (choice) {
    case SF_MODE_DEFERRED: modes[0] = SF_WB_DMC_OFFS_DEFER; return 1;
    case SF_MODE_IMMEDIATE: modes[0] = SF_WB_DMC_OFFS_SAVE; return 1;
    case SF_MODE_SAVE: modes[0] = SF_WB_DMC_SAVE; return 1;
    case SF_MODE_EVENTS: modes[0] = SF_WB_DMC_OFFS_EV_DEFER; return 1;
    case SF_MODE_AUTO:
    default:
        /* Deferred first, as for enclosures: stored without disrupting I/O,
         * started when the operator says so. */
        modes[0] = SF_WB_DMC_OFFS_DEFER;
        modes[1] = SF_WB_DMC_OFFS_SAVE;
        modes[2] = SF_WB_DMC_SAVE;
        return 3;
    }
}

static void emit(sf_sesdl_cb cb, void *arg, enum sf_sesdl_ev kind, const char *text,
                 uint64_t bytes, uint64_t total)
{
    if (cb) {
        struct sf_sesdl_event ev = { .kind = kind, .text = text, .bytes = bytes, .total = total };
        cb(&ev, arg);
    }
}

/* A writing step: through the journal's gate when there is one (which
 * shows it), else shown as a phase.  Non-zero: send nothing. */
static int step(const struct sf_sesdl_opts *o, sf_sesdl_cb cb, void *arg, const char *text,
                uint64_t len)
{
    if (o->gate)
        return o->gate(o->gate_arg, text);
    emit(cb, arg, SF_DLEV_PHASE, text, 0, len);
    return 0;
}

/* The drive has no such mode: ILLEGAL REQUEST pointing at the CDB. */
static int mode_refused(const struct sf_scsi *s)
{
    return sf_scsi_last_illegal_request(s) && s->last_sense.asc == 0x24;
}

int sf_wbdl_download(struct sf_scsi *s, const struct sf_drive *d, const uint8_t *img,
                     uint32_t len, const struct sf_sesdl_opts *o, sf_sesdl_cb cb, void *arg,
                     struct sf_sesdl_result *res, struct sf_errctx *ec)
{
    if (!s || !d || !img || !o || !res)
        return SF_EINVAL;
    memset(res, 0, sizeof(*res));
    uint8_t modes[3];
    int nmodes = sf_wbdl_modes(o->mode, modes);
    const struct sf_rbuf_desc *desc = d->have_desc ? &d->desc : NULL;
    char why[200], note[320];
    for (int mi = 0; mi < nmodes; mi++) {
        uint8_t mode = modes[mi];
        uint32_t chunk = sf_wb_chunk(mode, len, o->chunk_max, desc, SF_WBDL_DEFAULT_CHUNK, why,
                                     sizeof(why));
        if (!chunk) {
            if (mi + 1 < nmodes)
                continue; /* a later mode may still carry it */
            return sf_err_set(ec, SF_ERANGE, "%s: %s: nothing was written", s->tr->path, why);
        }
        res->mode_used = mode;
        res->chunk_used = chunk;
        res->fell_back = mi > 0;
        uint8_t spec = mode == SF_WB_DMC_OFFS_EV_DEFER ? (SF_WB_PO_ACT | SF_WB_HR_ACT) : 0;
        if (o->dry_run) {
            emit(cb, arg, SF_DLEV_PHASE, "downloading", 0, len);
            snprintf(note, sizeof(note), "dry run: would send %u bytes in %u WRITE BUFFER "
                     "command(s) of mode %02Xh", len, (len + chunk - 1) / chunk, mode);
            emit(cb, arg, SF_DLEV_NOTICE, note, 0, len);
            return 0;
        }
        uint64_t ua0 = s->ua_count;
        unsigned restarts = 0;
        int refused = 0;
        int gated = 0, last_gated = 0;
        for (uint32_t off = 0; off < len;) {
            uint32_t n = len - off < chunk ? len - off : chunk;
            struct sf_errctx cec = { 0 };
            if (!gated && step(o, cb, arg, "downloading", len))
                return sf_err_set(ec, SF_EJOURNAL, "%s: the journal cannot record the download: "
                                  "nothing was sent", s->tr->path);
            gated = 1;
            if (o->gate && off + n >= len && !last_gated) {
                /* The drive keeps no progress to read back: the journal
                 * says when the command that completes the image goes. */
                if (o->gate(o->gate_arg, "last chunk"))
                    return sf_err_set(ec, SF_EJOURNAL, "%s: the journal cannot record the last "
                                      "chunk: it was not sent, nothing was activated", s->tr->path);
                last_gated = 1;
            }
            int rc = sf_scsi_write_buffer(s, mode, spec, off, img + off, n, 0, &cec);
            res->pages_sent++;
            if (rc && off == 0 && mode_refused(s) && restarts == 0) {
                refused = 1;
                snprintf(why, sizeof(why), "%s", cec.msg);
                break;
            }
            if (s->ua_count != ua0 && off > 0 && s->last_ua.asc == 0x29) {
                /* Rule 2: the drive was reset since the previous chunk;
                 * whatever this chunk's fate, what it held may be gone. */
                if (restarts++ >= o->max_recoveries)
                    return sf_err_set(ec, SF_ECHECK, "%s: the drive was reset %u times during the "
                                      "download (last: UNIT ATTENTION %02Xh/%02Xh); giving up "
                                      "with nothing activated", s->tr->path, restarts,
                                      s->last_ua.asc, s->last_ua.ascq);
                char w[96];
                snprintf(note, sizeof(note), "the drive reported UNIT ATTENTION %02Xh/%02Xh (%s) "
                         "at the chunk at offset %u: it dropped what it had; sending the image "
                         "again from offset 0", s->last_ua.asc, s->last_ua.ascq,
                         sf_sense_asc_str(s->last_ua.asc, s->last_ua.ascq, w, sizeof(w)), off);
                emit(cb, arg, SF_DLEV_NOTICE, note, off, len);
                if (!res->troubles++)
                    snprintf(res->trouble, sizeof(res->trouble), "the drive was reset during "
                             "the download (UNIT ATTENTION %02Xh/%02Xh)", s->last_ua.asc,
                             s->last_ua.ascq);
                res->restarts++;
                ua0 = s->ua_count;
                off = 0;
                gated = last_gated = 0;
                continue;
            }
            /* Any other UNIT ATTENTION (mode parameters changed, LUNs
             * changed, "microcode changed", which scsi_debug raises after
             * every 07h command) leaves the buffer alone. */
            ua0 = s->ua_count;
            if (rc) {
                /* Rule 1: stop here; nothing activates a partial image. */
                /* The facts first (ec->msg is one bounded line), the
                 * command layer's words for what the drive said last. */
                const char *why_dev = strstr(cec.msg, "bytes): ");
                why_dev = why_dev ? why_dev + 8 : cec.msg;
                sf_err_set(ec, rc, "%s: WRITE BUFFER %02Xh chunk at offset %u (%u of %u bytes) "
                           "failed; download stopped, no activation sent, the drive still runs "
                           "%.4s: %s", s->tr->path, mode, off, n, len, d->inq.revision, why_dev);
                ec->have_scsi = cec.have_scsi;
                ec->scsi_status = cec.scsi_status;
                ec->sense_key = cec.sense_key;
                ec->asc = cec.asc;
                ec->ascq = cec.ascq;
                return rc;
            }
            off += n;
            emit(cb, arg, SF_DLEV_PROGRESS, NULL, off, len);
        }
        if (!refused)
            return 0;
        if (mi + 1 < nmodes) {
            snprintf(note, sizeof(note), "the drive refused mode %02Xh (ILLEGAL REQUEST %02Xh/%02Xh):"
                     " using %02Xh", mode, s->last_sense.asc, s->last_sense.ascq, modes[mi + 1]);
            emit(cb, arg, SF_DLEV_NOTICE, note, 0, len);
            continue;
        }
        return sf_err_set(ec, SF_ENOTSUP, "%s: the drive does not support %s (%s): nothing was "
                          "stored", s->tr->path, sf_wb_mode_str(mode), why);
    }
    return sf_err_set(ec, SF_ENOTSUP, "%s: no WRITE BUFFER mode left to try", s->tr->path);
}

int sf_wbdl_activate(struct sf_scsi *s, const struct sf_sesdl_opts *o, sf_sesdl_cb cb, void *arg,
                     int *none, struct sf_errctx *ec)
{
    if (!s || !o)
        return SF_EINVAL;
    if (none)
        *none = 0;
    if (o->dry_run) {
        emit(cb, arg, SF_DLEV_PHASE, "activating", 0, 0);
        return 0;
    }
    if (step(o, cb, arg, "activating", 0))
        return sf_err_set(ec, SF_EJOURNAL, "%s: the journal cannot record the activation: it "
                          "was not sent", s->tr->path);
    struct sf_errctx cec = { 0 };
    int rc = sf_scsi_write_buffer(s, SF_WB_ACTIVATE, 0, 0, NULL, 0, 0, &cec);
    if (rc && sf_scsi_last_illegal_request(s) && s->last_sense.asc == 0x2c) {
        if (none)
            *none = 1;
        return sf_err_set(ec, SF_ENOTSUP, "%s: the drive has no deferred microcode to activate "
                          "(ILLEGAL REQUEST, command sequence error)", s->tr->path);
    }
    if (rc && mode_refused(s))
        return sf_err_set(ec, SF_ENOTSUP, "%s: the drive does not support %s", s->tr->path,
                          sf_wb_mode_str(SF_WB_ACTIVATE));
    if (rc)
        return sf_err_set(ec, rc, "%s", cec.msg);
    return 0;
}
