/*
 * sf_sesdl.c - SES download microcode for one processor.  See sf_sesdl.h.
 *
 * The loop keeps one invariant: `off` is the offset the enclosure expects
 * next, as far as we know.  Whenever something happens that could make
 * that untrue - a command that failed in transit, a UNIT ATTENTION (a reset
 * behind our back), a page the enclosure refused - we stop believing it and
 * ask the enclosure (one status read), then:
 *
 *   status 01h (in progress)     -> continue at its expected offset
 *   02h/03h/10h-13h after the    -> the last page did land: go to polling
 *     last page was sent
 *   00h, 80h, 82h (discarded)    -> restart at offset 0
 *   anything else, or no answer  -> stop with that reason
 *
 * Every recovery counts against max_recoveries, so nothing loops.
 *
 * Whose download is it?  An operation the enclosure shows in progress
 * before the first page is someone else's (another host on a shared
 * JBOD, another tool) unless the caller says it continues a journaled
 * attempt (adopt): it is refused before anything is written, a download
 * awaiting data (01h) only without --resume/--restart.  Mid-way, an
 * expected offset beyond anything this run sent can only be another
 * initiator's: stop, send nothing more.
 */
#include "sf_sesdl.h"

#include "engine/sf_encl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_MIN_CHUNK 1024u
/* poll_completion(): the enclosure still expects data (positive: internal). */
#define SF_EAGAIN_DL 1

void sf_sesdl_opts_default(struct sf_sesdl_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->mode = SF_MODE_AUTO;
    o->in_progress = SF_INPROG_REFUSE;
    o->poll_ms = 1000;
    o->complete_timeout_ms = 20 * 60 * 1000; /* vendors wait up to 20 min */
    o->max_recoveries = 8;
}

static void emit(sf_sesdl_cb cb, void *arg, enum sf_sesdl_ev k, uint8_t id, const char *text,
                 uint64_t bytes, uint64_t total)
{
    if (!cb)
        return;
    struct sf_sesdl_event ev = { k, id, text, bytes, total };
    cb(&ev, arg);
}

/* A writing step: through the journal's gate when there is one (which
 * shows it), else shown as a phase.  Non-zero: send nothing. */
static int step(const struct sf_sesdl_opts *o, sf_sesdl_cb cb, void *arg, uint8_t id,
                const char *text, uint64_t off, uint64_t len)
{
    if (o->gate)
        return o->gate(o->gate_arg, text) ? SF_EJOURNAL : 0;
    emit(cb, arg, SF_DLEV_PHASE, id, text, off, len);
    return 0;
}

int sf_sesdl_busy(uint8_t status)
{
    return status != SF_DL_IDLE && sf_ses_dl_is_interim(status);
}

void sf_sesdl_busy_line(char *buf, size_t cap, const char *path, uint64_t lid, uint8_t id,
                        const struct sf_ses_dl_desc *d, const char *hint)
{
    char who[320], at[48];
    if (lid)
        snprintf(who, sizeof(who), "%s (enclosure %016llx) subenclosure %u", path,
                 (unsigned long long)lid, id);
    else
        snprintf(who, sizeof(who), "%s subenclosure %u", path, id);
    if (d->status == SF_DL_IN_PROGRESS) {
        if (d->expected_offset == 0xffffffffu)
            snprintf(at, sizeof(at), "status 01h, any offset next");
        else
            snprintf(at, sizeof(at), "status 01h, %u bytes in", d->expected_offset);
        snprintf(buf, cap, "%s: a microcode download is already in progress (another host or "
                 "tool?): %s; not touching it; %s", who, at,
                 hint ? hint : "--resume continues it, --restart starts over");
        return;
    }
    /* 02h/03h and the other interim statuses: the standard's words say
     * what it is doing. */
    snprintf(buf, cap, "%s: busy (status %02Xh: %s; another host or tool?): not touching it; "
             "wait for it to end", who, d->status, sf_ses_dl_status_str(d->status));
}

/* Something that makes the download less than clean (the first one says
 * what). */
static void trouble(struct sf_sesdl_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void trouble(struct sf_sesdl_result *res, const char *fmt, ...)
{
    if (!res)
        return;
    if (!res->troubles++) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(res->trouble, sizeof(res->trouble), fmt, ap);
        va_end(ap);
    }
}

static void notice(sf_sesdl_cb cb, void *arg, uint8_t id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void notice(sf_sesdl_cb cb, void *arg, uint8_t id, const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    emit(cb, arg, SF_DLEV_NOTICE, id, buf, 0, 0);
}

/* Auto mode, and the enclosure refused 0Eh (how: why): say so, and the
 * caller redoes the download in 07h from offset 0. */
static uint8_t to_immediate(sf_sesdl_cb cb, void *arg, uint8_t id, struct sf_sesdl_result *res,
                            const char *why)
{
    notice(cb, arg, id, "enclosure rejected deferred mode %s; restarting subenclosure %u in "
           "immediate mode (07h)", why, id);
    res->fell_back = 1;
    return SF_DL_MODE_OFFSETS_SAVE_ACTIVATE;
}

/* Status of one subenclosure; SF_ENOTSUP if the page has no descriptor. */
static int sub_status(struct sf_scsi *s, uint8_t id, struct sf_ses_dl_status *st,
                      struct sf_ses_dl_desc *d, struct sf_errctx *ec)
{
    int rc = sf_encl_read_dl_page(s, st, ec);
    if (rc)
        return rc;
    const struct sf_ses_dl_desc *p = sf_ses_dl_status_find(st, id);
    if (!p)
        return sf_err_set(ec, SF_ENOTSUP,
                          "%s: subenclosure %u has no download microcode status descriptor",
                          s->tr->path, id);
    *d = *p;
    return 0;
}

/* Pause between attempts to reach a device that is restarting or whose
 * path dropped: the poll interval, at most a second. */
static unsigned gap_ms(const struct sf_sesdl_opts *o)
{
    unsigned g = o->poll_ms;
    return g == 0 ? 1 : g > 1000 ? 1000 : g;
}

/* A status read that outlasts a device restarting or a path dropping:
 * up to `tries` attempts, `gap_ms` apart. */
static int sub_status_patient(struct sf_scsi *s, uint8_t id, struct sf_ses_dl_status *st,
                              struct sf_ses_dl_desc *d, unsigned tries, unsigned gap_ms,
                              struct sf_errctx *ec)
{
    int rc = 0;
    for (unsigned i = 0; i < tries; i++) {
        rc = sub_status(s, id, st, d, ec);
        if (rc == 0 || rc == SF_EMALFORMED || rc == SF_ENOTSUP)
            return rc;
        s->sleep_ms(gap_ms);
    }
    return rc;
}

static int send_page(struct sf_scsi *s, uint8_t id, uint32_t gen, uint8_t mode, uint32_t off,
                     const uint8_t *img, uint32_t len, uint32_t n, uint8_t *page,
                     struct sf_errctx *ec)
{
    struct sf_ses_dl_ctrl c = { .subenc_id = id, .gen = gen, .mode = mode, .buffer_id = 0,
                                .offset = off, .image_len = len, .data_len = n,
                                .data = n ? img + off : NULL };
    int plen = sf_ses_dl_ctrl_encode(&c, page, SF_SES_DL_HDR_LEN + SF_SES_DL_MAX_CHUNK + 4);
    if (plen < 0)
        return sf_err_set(ec, plen, "cannot encode a download microcode page (offset %u, %u bytes)",
                          off, n);
    return sf_scsi_send_diag(s, page, (size_t)plen, ec);
}

/* Field pointer of an ILLEGAL REQUEST against the parameter list, or -1. */
static int param_field(const struct sf_scsi *s)
{
    const struct sf_sense *sn = &s->last_sense;
    if (!s->last_have_sense || !sn->sksv || (sn->sks[0] & 0x40))
        return -1;
    return (sn->sks[1] << 8) | sn->sks[2];
}

static const char *mode_name(uint8_t m)
{
    return m == SF_DL_MODE_OFFSETS_SAVE_DEFER ? "deferred (0Eh)" : "immediate (07h)";
}

/* Poll after the last page until completion or error. */
static int poll_completion(struct sf_scsi *s, uint8_t id, const struct sf_sesdl_opts *o,
                           sf_sesdl_cb cb, void *arg, struct sf_ses_dl_desc *d, int *lost,
                           struct sf_sesdl_result *res, struct sf_errctx *ec)
{
    struct sf_ses_dl_status st;
    unsigned waited = 0, failures = 0;
    uint64_t ua_before = s->ua_count;
    int announced = 0;
    *lost = 0;
    for (;;) {
        struct sf_errctx pec = { 0 };
        int rc = sub_status(s, id, &st, d, &pec);
        if (rc == SF_EMALFORMED || rc == SF_ENOTSUP) {
            if (ec)
                *ec = pec;
            return rc;
        }
        if (rc) {
            /* Enclosures that restart right after the last page abort
             * this read; keep asking until the timeout. */
            if (!failures++) {
                notice(cb, arg, id, "status read after the download failed (%s); the enclosure "
                       "may be restarting, retrying", pec.msg);
                trouble(res, "a status read after the last page failed (%s)", pec.msg);
            }
        } else if (sf_ses_dl_is_complete(d->status) || sf_ses_dl_is_error(d->status)) {
            return 0;
        } else if (d->status == SF_DL_IDLE) {
            /* Idle with nothing reported: either the completion status was
             * reported to someone else or a reset swallowed it.  Only the
             * revision can tell now. */
            *lost = 1;
            trouble(res, "the enclosure never reported a completion status");
            if (s->ua_count == ua_before && !failures)
                notice(cb, arg, id, "enclosure reports no download and no completion status; "
                       "will verify by revision");
            else
                notice(cb, arg, id, "completion status lost to an enclosure reset; will verify "
                       "by revision");
            return 0;
        } else if (d->status == SF_DL_IN_PROGRESS) {
            return SF_EAGAIN_DL;
        } else if (!announced) {
            emit(cb, arg, SF_DLEV_PHASE, id, "committing", 0, 0);
            announced = 1;
        }
        if (waited >= o->complete_timeout_ms)
            return sf_err_set(ec, SF_ETIMEDOUT,
                              "%s: subenclosure %u: no completion status after %u s (last: %02Xh %s)",
                              s->tr->path, id, waited / 1000, d->status,
                              sf_ses_dl_status_str(d->status));
        s->sleep_ms(o->poll_ms);
        waited += o->poll_ms ? o->poll_ms : 1;
    }
}

/* Largest page data to send: device-learnt, user cap, 16-bit limit; a
 * multiple of 4 so every offset stays aligned. */
static uint32_t initial_chunk(const struct sf_sesdl_opts *o, const struct sf_sesdl_dev *l)
{
    uint32_t c = SF_SES_DL_MAX_CHUNK;
    if (l->chunk && l->chunk < c)
        c = l->chunk;
    if (o->chunk_max && o->chunk_max < c)
        c = o->chunk_max;
    c &= ~3u;
    return c ? c : 4;
}

static uint32_t halve(uint32_t chunk)
{
    uint32_t c = ((chunk / 2) + 3) & ~3u;
    return c < SF_MIN_CHUNK ? SF_MIN_CHUNK : c;
}

/* One download in progress: what the steps below share. */
struct dl {
    struct sf_scsi *s;
    uint8_t id;
    const uint8_t *img;
    uint32_t len;
    const struct sf_sesdl_opts *o;
    struct sf_sesdl_dev *learned;
    sf_sesdl_cb cb;
    void *arg;
    struct sf_sesdl_result *res;
    struct sf_errctx *ec;
    const char *path;
    struct sf_ses_dl_status st;
    struct sf_ses_dl_desc d;
    uint32_t gen, chunk, off, gated_at;
    uint8_t mode;
    int tried07;               /* auto, ambiguous first-page rejection: 07h tried */
    int first_checked;         /* auto: the 80h-after-first-page check is done */
    int read_mid;              /* we read status while a download was in progress */
    unsigned recoveries;
    int last_rc;               /* the last page's error (0: a reset) */
    uint8_t *page;
    struct sf_errctx pec;
};

enum { DL_NEXT = 1, DL_RECOVER, DL_LAST, DL_AGAIN, DL_DONE };

/* The status before the first page: the size, and an interrupted run's
 * image that already landed (adopt: never send it twice).  DL_DONE when
 * that finished the download, 0 to go on, or an error. */
static int dl_begin(struct dl *x)
{
    const struct sf_sesdl_opts *o = x->o;
    /* Nothing written yet: a transient failure here just waits.  A page
     * the caller read moments ago, with no command since, says the same as
     * a new read would: nothing is closer to the first page than that. */
    const struct sf_ses_dl_desc *fd = o->fresh ? sf_ses_dl_status_find(o->fresh, x->id) : NULL;
    int rc = 0;
    if (fd) {
        x->st = *o->fresh;
        x->d = *fd;
    } else {
        rc = sub_status_patient(x->s, x->id, &x->st, &x->d, 5, gap_ms(o), x->ec);
    }
    if (rc)
        return rc;
    if (x->len > x->d.max_size)
        return sf_err_set(x->ec, SF_ERANGE,
                          "%s: subenclosure %u accepts images up to %u bytes; this one is %u",
                          x->path, x->id, x->d.max_size, x->len);
    uint8_t ds = x->d.status;
    if (!o->adopt || o->dry_run ||
        !(sf_ses_dl_is_complete(ds) || ds == SF_DL_UPDATING_NV || ds == SF_DL_UPDATING_NV_DEFERRED))
        return 0;
    /* The interrupted run's image already landed: never send it twice. */
    notice(x->cb, x->arg, x->id, "the interrupted run's download already completed (%02Xh %s)",
           ds, sf_ses_dl_status_str(ds));
    x->res->mode_used = ds == SF_DL_COMPLETE_DEFERRED || ds == SF_DL_UPDATING_NV_DEFERRED
                            ? SF_DL_MODE_OFFSETS_SAVE_DEFER : SF_DL_MODE_OFFSETS_SAVE_ACTIVATE;
    if (sf_ses_dl_is_complete(ds)) {
        x->res->final_status = ds;
        return DL_DONE;
    }
    int lost = 0;
    rc = poll_completion(x->s, x->id, o, x->cb, x->arg, &x->d, &lost, x->res, x->ec);
    if (rc == 0 && sf_ses_dl_is_error(x->d.status))
        return sf_err_set(x->ec, SF_ECHECK, "%s: subenclosure %u: status %02Xh: %s", x->path,
                          x->id, x->d.status, sf_ses_dl_status_str(x->d.status));
    if (rc == 0) {
        x->res->final_status = lost ? 0 : x->d.status;
        return DL_DONE;
    }
    if (rc != SF_EAGAIN_DL)
        return rc;
    return sub_status(x->s, x->id, &x->st, &x->d, x->ec);
}

/* Mode, page size and where to start: a download the enclosure already
 * has in progress is continued or discarded as the options say.  DL_DONE
 * for a dry run (said what it would send), 0 to go on, or an error. */
static int dl_setup(struct dl *x)
{
    const struct sf_sesdl_opts *o = x->o;
    x->gen = x->st.gen;
    int want_deferred = o->mode == SF_MODE_DEFERRED ||
                        (o->mode == SF_MODE_AUTO && !x->learned->no_deferred);
    x->mode = want_deferred ? SF_DL_MODE_OFFSETS_SAVE_DEFER : SF_DL_MODE_OFFSETS_SAVE_ACTIVATE;
    if (o->mode == SF_MODE_AUTO && x->learned->no_deferred)
        x->res->fell_back = 1;
    x->chunk = initial_chunk(o, x->learned);
    x->off = 0;
    const struct sf_ses_dl_desc *d = &x->d;
    if (sf_sesdl_busy(d->status)) {
        /* Read just now, before anything of ours was sent: someone else's,
         * or the journaled attempt this one continues (the caller says
         * which with in_progress).  Only a download awaiting data can be
         * continued or discarded; anything else is left to finish. */
        if (d->status != SF_DL_IN_PROGRESS || o->in_progress == SF_INPROG_REFUSE) {
            char line[400];
            sf_sesdl_busy_line(line, sizeof(line), x->path, o->encl_id, x->id, d, o->busy_hint);
            return sf_err_set(x->ec, SF_ELOCKED, "%s", line);
        }
        if (o->in_progress == SF_INPROG_RESUME && d->expected_offset != 0xffffffffu &&
            d->expected_offset < x->len && !(d->expected_offset & 3)) {
            x->off = d->expected_offset;
            notice(x->cb, x->arg, x->id, "resuming the download in progress at offset %u", x->off);
        } else {
            notice(x->cb, x->arg, x->id, "discarding the download in progress; starting over");
        }
    }
    if (o->dry_run) {
        uint32_t pages = (x->len - x->off + x->chunk - 1) / x->chunk;
        notice(x->cb, x->arg, x->id, "dry run: would send %u bytes from offset %u in %u page(s) "
               "of up to %u bytes, mode %s", x->len - x->off, x->off, pages, x->chunk,
               mode_name(x->mode));
        x->res->mode_used = x->mode;
        x->res->chunk_used = x->chunk;
        return DL_DONE;
    }
    return 0;
}

/* One page at x->off (of n bytes).  DL_NEXT: go on (the page landed, or
 * the mode or page size changed and the loop starts again); DL_RECOVER:
 * something went wrong, ask the enclosure (*refused: it refused this
 * page mid-download); or an error. */
static int dl_page(struct dl *x, uint32_t n, int *refused)
{
    const struct sf_sesdl_opts *o = x->o;
    struct sf_scsi *s = x->s;
    uint64_t ua0 = s->ua_count;
    *refused = 0;
    sf_errctx_clear(&x->pec);
    int rc = send_page(s, x->id, x->gen, x->mode, x->off, x->img, x->len, n, x->page, &x->pec);
    x->res->pages_sent++;
    if (rc == 0 && s->ua_count == ua0) {
        x->off += n;
        emit(x->cb, x->arg, SF_DLEV_PROGRESS, x->id, NULL, x->off, x->len);
        if (!(o->mode == SF_MODE_AUTO && x->mode == SF_DL_MODE_OFFSETS_SAVE_DEFER &&
              !x->first_checked && !x->learned->status_read_resets && x->off < x->len))
            return DL_NEXT;
        /* Some enclosures take the first 0Eh page and then mark the
         * download 80h: ask once, before sending the rest. */
        x->first_checked = 1;
        x->read_mid = 1;
        rc = sub_status(s, x->id, &x->st, &x->d, &x->pec);
        if (rc == 0 && x->d.status == SF_DL_ERR_FIELDS) {
            x->mode = to_immediate(x->cb, x->arg, x->id, x->res, "(status 80h on the first page)");
            x->learned->no_deferred = 1;
            x->off = 0;
            x->gen = x->st.gen;
            return DL_NEXT;
        }
        if (rc == 0 && x->d.status == SF_DL_IN_PROGRESS &&
            (x->d.expected_offset == x->off || x->d.expected_offset == 0xffffffffu))
            return DL_NEXT;
        if (rc)
            trouble(x->res, "the status read after the first page failed (%s)", x->pec.msg);
        else
            trouble(x->res, "after the first page the enclosure showed %02Xh, expecting offset "
                    "%u", x->d.status, x->d.expected_offset);
        x->last_rc = rc;
        return DL_RECOVER; /* anything else: find out properly */
    }
    if (rc == SF_ECHECK && sf_scsi_last_illegal_request(s)) {
        int field = param_field(s);
        if (x->off == 0 && o->mode == SF_MODE_AUTO && x->mode == SF_DL_MODE_OFFSETS_SAVE_DEFER &&
            (field == 8 || (field < 0 && !x->tried07))) {
            char why[300];
            snprintf(why, sizeof(why), "(0Eh): %s", x->pec.msg);
            x->mode = to_immediate(x->cb, x->arg, x->id, x->res, why);
            if (field == 8)
                x->learned->no_deferred = 1;
            else
                x->tried07 = 1;
            return DL_NEXT;
        }
        if (x->off == 0) {
            if (n <= SF_MIN_CHUNK)
                return sf_err_set(x->ec, SF_ECHECK, "%s: subenclosure %u refused the first "
                                  "download microcode page even at %u bytes: %s", x->path,
                                  x->id, n, x->pec.msg);
            x->chunk = halve(n);
            x->learned->chunk = x->chunk;
            if (x->tried07) {
                /* 07h was refused at this size too: the size, not the
                 * mode, may be the problem.  Try 0Eh again. */
                x->mode = SF_DL_MODE_OFFSETS_SAVE_DEFER;
                x->res->fell_back = 0;
                x->tried07 = 0;
            }
            notice(x->cb, x->arg, x->id, "enclosure refused a %u-byte page; using %u-byte pages",
                   n, x->chunk);
            return DL_NEXT;
        }
        /* Refused mid-download: too big a page, or the engine lost the
         * download?  The status page says which. */
        *refused = 1;
        trouble(x->res, "the enclosure refused the page at offset %u (%s)", x->off, x->pec.msg);
    } else if (rc == 0) {
        notice(x->cb, x->arg, x->id, "the enclosure reset during the download (unit attention); "
               "checking what it kept");
        trouble(x->res, "the enclosure reset during the download");
    } else {
        notice(x->cb, x->arg, x->id, "page at offset %u failed: %s; checking what the enclosure "
               "kept", x->off, x->pec.msg);
        trouble(x->res, "the page at offset %u failed (%s)", x->off, x->pec.msg);
    }
    x->last_rc = rc;
    return DL_RECOVER;
}

/* After trouble with the page at x->off (n bytes): ask the enclosure what
 * it kept.  DL_NEXT: carry on from the offset it expects (or 0); DL_LAST:
 * the last page had landed before the trouble; or an error. */
static int dl_recover(struct dl *x, uint32_t n, int refused)
{
    const struct sf_sesdl_opts *o = x->o;
    if (++x->recoveries > o->max_recoveries)
        return sf_err_set(x->ec, x->last_rc ? x->last_rc : SF_EIO,
                          "%s: subenclosure %u: gave up after %u recoveries at offset %u of %u; "
                          "last problem: %s", x->path, x->id, o->max_recoveries, x->off, x->len,
                          x->pec.msg[0] ? x->pec.msg : "the enclosure was reset");
    struct sf_errctx sec = { 0 };
    int src = sub_status_patient(x->s, x->id, &x->st, &x->d, 30, gap_ms(o), &sec);
    if (src)
        return sf_err_set(x->ec, src, "%s: subenclosure %u: download interrupted at offset %u of "
                          "%u and the enclosure does not answer: %s", x->path, x->id, x->off,
                          x->len, sec.msg);
    x->gen = x->st.gen;
    const struct sf_ses_dl_desc *d = &x->d;
    if (d->status == SF_DL_IN_PROGRESS) {
        uint32_t eo = d->expected_offset == 0xffffffffu ? x->off : d->expected_offset;
        if (eo > x->len || (eo & 3))
            return sf_err_set(x->ec, SF_EMALFORMED, "%s: subenclosure %u reports an impossible "
                              "expected offset %u", x->path, x->id, eo);
        if ((uint64_t)eo > (uint64_t)x->off + n)
            /* Further than anything this run sent: another initiator is
             * downloading to this processor too.  Sending more would mix
             * the two images. */
            return sf_err_set(x->ec, SF_ELOCKED, "%s: subenclosure %u: another initiator is "
                              "downloading to it too (another host or tool?): it expects offset "
                              "%u, this run sent up to %u; stopped, nothing more sent", x->path,
                              x->id, eo, x->off + n);
        if (refused && eo == x->off) {
            if (x->chunk <= SF_MIN_CHUNK)
                return sf_err_set(x->ec, SF_ECHECK, "%s: subenclosure %u refused the page at "
                                  "offset %u even at %u bytes: %s", x->path, x->id, x->off,
                                  x->chunk, x->pec.msg);
            /* Still waiting for this very page: it was too big. */
            x->chunk = halve(x->chunk);
            x->learned->chunk = x->chunk;
            notice(x->cb, x->arg, x->id, "enclosure refused a page mid-download; using %u-byte "
                   "pages", x->chunk);
        } else {
            if (eo != x->off)
                notice(x->cb, x->arg, x->id, "resuming at the enclosure's expected offset %u", eo);
            x->res->resumes++;
        }
        x->off = eo;
        return DL_NEXT;
    }
    if ((d->status == SF_DL_UPDATING_NV || d->status == SF_DL_UPDATING_NV_DEFERRED ||
         sf_ses_dl_is_complete(d->status)) && x->off + n >= x->len) {
        x->off = x->len; /* the last page landed before the trouble */
        return DL_LAST;
    }
    if (x->read_mid && d->status == SF_DL_IDLE && !x->learned->status_read_resets) {
        /* Gone right after we read status mid-download: this enclosure
         * resets its engine on status reads. */
        x->learned->status_read_resets = 1;
        notice(x->cb, x->arg, x->id, "the enclosure dropped the download after a status read; "
               "no more status reads until the last page");
    }
    if (d->status == SF_DL_IDLE || d->status == SF_DL_ERR_FIELDS ||
        d->status == SF_DL_ERR_TIMEOUT || sf_ses_dl_is_complete(d->status) ||
        d->status == SF_DL_UPDATING_NV || d->status == SF_DL_UPDATING_NV_DEFERRED) {
        notice(x->cb, x->arg, x->id, "the enclosure discarded the partial image (%02Xh %s); "
               "restarting at offset 0", d->status, sf_ses_dl_status_str(d->status));
        x->res->restarts++;
        x->off = 0;
        return DL_NEXT;
    }
    return sf_err_set(x->ec, SF_ECHECK, "%s: subenclosure %u: download stopped at offset %u: "
                      "status %02Xh %s (additional status %02Xh)", x->path, x->id, x->off,
                      d->status, sf_ses_dl_status_str(d->status), d->addl_status);
}

/* Every page sent: record that (the completion status is reported once),
 * then wait for it.  DL_AGAIN: the enclosure wants more (the loop sends
 * again from where it says, or falls back to 07h); 0: complete; or an
 * error. */
static int dl_complete(struct dl *x)
{
    const struct sf_sesdl_opts *o = x->o;
    int lost = 0;
    sf_errctx_clear(&x->pec);
    if (o->gate && o->gate(o->gate_arg, "completing"))
        return sf_err_set(x->ec, SF_EJOURNAL, "%s: subenclosure %u: every page was sent, and "
                          "the journal cannot record it: the completion status is left unread",
                          x->path, x->id);
    x->gated_at = 0xffffffffu; /* pages sent again after this are recorded again */
    int rc = poll_completion(x->s, x->id, o, x->cb, x->arg, &x->d, &lost, x->res, &x->pec);
    if (rc == SF_EAGAIN_DL) {
        /* It still wants data: treat like any interruption. */
        if (++x->recoveries > o->max_recoveries)
            return sf_err_set(x->ec, SF_EIO, "%s: subenclosure %u: enclosure keeps asking for "
                              "more data after the last page (expected offset %u of %u)",
                              x->path, x->id, x->d.expected_offset, x->len);
        x->off = x->d.expected_offset == 0xffffffffu ? 0 : x->d.expected_offset;
        if (x->off > x->len || (x->off & 3))
            x->off = 0;
        notice(x->cb, x->arg, x->id, "enclosure still expects data at offset %u; resuming", x->off);
        trouble(x->res, "the enclosure still expected data after the last page");
        x->res->resumes++;
        return DL_AGAIN;
    }
    if (rc) {
        if (x->ec)
            *x->ec = x->pec;
        return rc;
    }
    if (sf_ses_dl_is_error(x->d.status)) {
        if (x->d.status == SF_DL_ERR_FIELDS && o->mode == SF_MODE_AUTO &&
            x->mode == SF_DL_MODE_OFFSETS_SAVE_DEFER && !x->res->fell_back) {
            x->mode = to_immediate(x->cb, x->arg, x->id, x->res, "(status 80h)");
            x->learned->no_deferred = 1;
            x->off = 0;
            return DL_AGAIN;
        }
        x->res->final_status = x->d.status;
        x->res->addl_status = x->d.addl_status;
        return sf_err_set(x->ec, SF_ECHECK, "%s: subenclosure %u: status %02Xh: %s (additional "
                          "status %02Xh)", x->path, x->id, x->d.status,
                          sf_ses_dl_status_str(x->d.status), x->d.addl_status);
    }
    x->res->final_status = lost ? 0 : x->d.status;
    x->res->addl_status = x->d.addl_status;
    return 0;
}

int sf_sesdl_download(struct sf_scsi *s, uint8_t id, const uint8_t *img, uint32_t len,
                      const struct sf_sesdl_opts *o, struct sf_sesdl_dev *learned,
                      sf_sesdl_cb cb, void *arg, struct sf_sesdl_result *res,
                      struct sf_errctx *ec)
{
    if (!s || !img || !len || !o || !learned || !res)
        return SF_EINVAL;
    memset(res, 0, sizeof(*res));
    struct dl x = { .s = s, .id = id, .img = img, .len = len, .o = o, .learned = learned,
                    .cb = cb, .arg = arg, .res = res, .ec = ec, .path = s->tr->path,
                    .gated_at = 0xffffffffu };
    int rc = dl_begin(&x);
    if (!rc)
        rc = dl_setup(&x);
    if (rc)
        return rc == DL_DONE ? 0 : rc;
    x.page = malloc(SF_SES_DL_HDR_LEN + SF_SES_DL_MAX_CHUNK + 4);
    if (!x.page)
        return SF_ENOMEM;
    for (;;) {
        while (x.off < x.len) {
            uint32_t n = x.len - x.off < x.chunk ? x.len - x.off : x.chunk;
            if (x.gated_at == 0xffffffffu) {
                if ((rc = step(o, cb, arg, id, "downloading", x.off, len)) != 0) {
                    sf_err_set(ec, rc, "%s: subenclosure %u: the journal cannot record the "
                               "download: nothing more was sent", x.path, id);
                    goto out;
                }
                x.gated_at = x.off;
            }
            int refused = 0;
            rc = dl_page(&x, n, &refused);
            if (rc == DL_RECOVER)
                rc = dl_recover(&x, n, refused);
            if (rc == DL_LAST)
                break;
            if (rc < 0)
                goto out;
        }
        rc = dl_complete(&x);
        if (rc != DL_AGAIN)
            break;
    }
out:
    res->mode_used = x.mode;
    res->chunk_used = x.chunk;
    free(x.page);
    return rc;
}

int sf_sesdl_activate(struct sf_scsi *s, uint8_t id, const struct sf_sesdl_opts *o,
                      sf_sesdl_cb cb, void *arg, uint8_t *final_status, struct sf_errctx *ec)
{
    struct sf_ses_dl_status st;
    struct sf_ses_dl_desc d;
    int rc = sub_status_patient(s, id, &st, &d, 5, gap_ms(o), ec);
    if (rc)
        return rc;
    if (sf_sesdl_busy(d.status)) {
        /* Someone else's download or update: an activation now would end
         * it (or start an image in the middle of its write). */
        char line[400];
        sf_sesdl_busy_line(line, sizeof(line), s->tr->path, o->encl_id, id, &d,
                           "activate once it has ended");
        return sf_err_set(ec, SF_ELOCKED, "%s", line);
    }
    if (o->dry_run) {
        notice(cb, arg, id, "dry run: would send Activate Deferred Microcode (0Fh)");
        return 0;
    }
    uint8_t page[SF_SES_DL_HDR_LEN];
    struct sf_ses_dl_ctrl c = { .subenc_id = id, .gen = st.gen,
                                .mode = SF_DL_MODE_ACTIVATE_DEFERRED };
    int plen = sf_ses_dl_ctrl_encode(&c, page, sizeof(page));
    if (plen < 0)
        return plen;
    if (step(o, cb, arg, id, "activating", 0, 0))
        return sf_err_set(ec, SF_EJOURNAL, "%s: subenclosure %u: the journal cannot record the "
                          "activation: it was not sent", s->tr->path, id);
    struct sf_errctx pec = { 0 };
    rc = sf_scsi_send_diag(s, page, (size_t)plen, &pec);
    if (rc && !(rc == SF_EIO || rc == SF_ETIMEDOUT || rc == SF_ENODEV)) {
        if (ec)
            *ec = pec;
        return rc;
    }
    if (rc)
        notice(cb, arg, id, "activate command did not complete (%s); the enclosure may be "
               "restarting, checking", pec.msg);
    int lost = 0;
    rc = poll_completion(s, id, o, cb, arg, &d, &lost, NULL, ec);
    if (rc == SF_EAGAIN_DL)
        return sf_err_set(ec, SF_ECHECK, "%s: subenclosure %u reports a download in progress "
                          "instead of activating", s->tr->path, id);
    if (rc)
        return rc;
    if (final_status)
        *final_status = lost ? 0 : d.status;
    if (d.status == SF_DL_ERR_NO_DEFERRED)
        return sf_err_set(ec, SF_ENOTSUP, "%s: subenclosure %u has no deferred microcode to "
                          "activate (status 85h)", s->tr->path, id);
    if (sf_ses_dl_is_error(d.status))
        return sf_err_set(ec, SF_ECHECK, "%s: subenclosure %u: activate failed: status %02Xh %s",
                          s->tr->path, id, d.status, sf_ses_dl_status_str(d.status));
    return 0;
}
