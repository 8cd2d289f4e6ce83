/*
 * sf_install.c - run installs/activations (sf_install_plan.c makes the
 * plan).  See sf_install.h.
 */
#include "sf_install.h"
#include "engine/sf_install_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/sf_wbdl.h"

void sf_install_opts_default(struct sf_install_opts *o)
{
    memset(o, 0, sizeof(*o));
    sf_sesdl_opts_default(&o->dl);
    o->sub_id = -1;
    o->ready_timeout_ms = 10 * 60 * 1000;
}

static void dev_free(struct sf_install_dev *d)
{
    if (!d)
        return;
    sf_encl_free(d->e);
    sf_transport_close(d->tr);
    free(d);
}

void sf_plan_free(struct sf_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndev; i++)
        dev_free(p->devs[i]);
    free(p->devs);
    free(p->t);
    free(p);
}

uint64_t sf_target_uid(const struct sf_target *t)
{
    if (!t || !t->dev)
        return 0;
    if (t->dev->is_drive)
        return sf_drive_uid(&t->dev->drv, t->path);
    return sf_encl_logical_id(t->dev->e);
}

int sf_install_phase_wrote(const char *phase)
{
    return phase && phase[0] && strcmp(phase, "planned") != 0;
}

const char *sf_target_what(const struct sf_target *t, char *buf, size_t cap)
{
    if (t->drive)
        snprintf(buf, cap, "drive");
    else
        snprintf(buf, cap, "subenclosure %u", t->sub_id);
    return buf;
}

/* ---- running ---- */

void sf_inst_sleep(struct sf_install_dev *d, unsigned ms)
{
    d->s.sleep_ms(ms);
}

static void relay_dl(const struct sf_sesdl_event *ev, void *arg)
{
    struct sf_inst_relay *r = arg;
    if (ev->kind == SF_DLEV_PHASE && r->h->note) {
        r->h->note(r->h->gate_arg, ev->text); /* a read-only phase ("committing") */
        return;
    }
    if (!r->cb)
        return;
    struct sf_iev e = { .t = r->t, .text = ev->text, .bytes = ev->bytes, .total = ev->total };
    e.kind = ev->kind == SF_DLEV_PHASE ? SF_IEV_PHASE
             : ev->kind == SF_DLEV_PROGRESS ? SF_IEV_PROGRESS : SF_IEV_NOTICE;
    r->cb(&e, r->arg);
}

void sf_inst_phase(struct sf_inst_relay *r, const char *name)
{
    if (r->h->note) {
        r->h->note(r->h->gate_arg, name); /* read-only: recorded, never a reason to stop */
        return;
    }
    if (r->cb) {
        struct sf_iev e = { .kind = SF_IEV_PHASE, .t = r->t, .text = name };
        r->cb(&e, r->arg);
    }
}

static void fail_target(struct sf_target *t, int err, const char *msg)
{
    t->outcome = SF_OUT_FAILED;
    t->err = err ? err : SF_EIO;
    snprintf(t->msg, sizeof(t->msg), "%s", msg && *msg ? msg : sf_err_str(t->err));
}

/* Record why a completion was not clean (the first reason counts). */
static void troubled(struct sf_target *t, const char *why)
{
    if (!t->trouble[0] && why && why[0])
        snprintf(t->trouble, sizeof(t->trouble), "%s", why);
}

/* An activation's completion status was lost (st 0): not clean. */
static void activation_troubled(struct sf_target *t, uint8_t st)
{
    if (!st)
        troubled(t, "the enclosure never reported a completion status for the activation");
}

/* The revision subenclosure `sub` of device d runs now, from a fresh
 * Configuration page. */
static int read_sub_revision(struct sf_install_dev *d, const char *path, uint8_t sub, char *rev,
                             size_t cap, struct sf_errctx *ec)
{
    uint8_t *buf = malloc(SF_SES_MAX_PAGE);
    if (!buf)
        return SF_ENOMEM;
    size_t got = 0;
    int rc = sf_scsi_receive_diag(&d->s, SF_SES_PAGE_CONFIG, buf, SF_SES_MAX_PAGE, &got, ec);
    struct sf_ses_config *c = NULL;
    if (!rc) {
        rc = sf_ses_config_decode(buf, got, &c);
        if (rc)
            rc = sf_err_set(ec, SF_EMALFORMED, "%s: device answered garbage: the Configuration "
                            "page (01h) read to verify is malformed", path);
    }
    free(buf);
    if (rc)
        return rc;
    const struct sf_ses_subenc *s = sf_ses_config_find(c, sub);
    if (!s) {
        sf_ses_config_free(c);
        return sf_err_set(ec, SF_EMALFORMED, "%s: subenclosure %u is missing from the "
                          "configuration page after the update", path, sub);
    }
    sf_inst_copy_trim(rev, cap, s->revision);
    sf_ses_config_free(c);
    return 0;
}

/* Re-read the configuration page for the target's current revision. */
int sf_inst_reread_revision(struct sf_install_dev *d, struct sf_target *t, struct sf_errctx *ec)
{
    return read_sub_revision(d, t->path, t->sub_id, t->rev_after, sizeof(t->rev_after), ec);
}

/* Is this error one a restarting or briefly unreachable device gives? */
static int transient(int rc)
{
    return rc == SF_EIO || rc == SF_ETIMEDOUT || rc == SF_ENODEV || rc == SF_EBUSY;
}

/* The pause between polls of a device: --poll-interval, 1 ms to 1 s. */
unsigned sf_inst_poll_gap(const struct sf_install_opts *o)
{
    return o->dl.poll_ms == 0 ? 1 : o->dl.poll_ms > 1000 ? 1000 : o->dl.poll_ms;
}

/* Read the revision subenclosure `sub` runs, waiting out a device that
 * does not answer (restarting, path briefly gone) for up to the ready
 * timeout.  r, when given, hears "restarting" once the wait begins. */
int sf_inst_read_revision_patiently(struct sf_install_dev *d, const char *path, uint8_t sub,
                                    char *rev, size_t cap, const struct sf_install_opts *o,
                                    struct sf_inst_relay *r, struct sf_errctx *ec)
{
    unsigned waited = 0;
    for (;;) {
        sf_errctx_clear(ec);
        int rc = read_sub_revision(d, path, sub, rev, cap, ec);
        if (!transient(rc) || waited >= o->ready_timeout_ms)
            return rc;
        if (waited == 0 && r)
            sf_inst_phase(r, "restarting");
        d->s.sleep_ms(sf_inst_poll_gap(o));
        waited += sf_inst_poll_gap(o);
    }
}

/* After an image should be running: wait for the enclosure to answer
 * again, then check the revision moved to what we expect.  The
 * configuration page read doubles as the readiness probe: the command
 * layer absorbs the reset's UNIT ATTENTION and waits out "becoming ready";
 * here we wait out a device that does not answer at all while it restarts. */
static int verify_running(struct sf_install_dev *d, struct sf_target *t,
                          const struct sf_install_opts *o, struct sf_inst_relay *r)
{
    struct sf_errctx ec = { 0 };
    sf_inst_phase(r, "verifying");
    int rc;
    char ua[128] = "";
    if (t->drive) {
        /* The drive restarts on its new microcode: wait for it, absorbing
         * the UNIT ATTENTION that announces it, then read INQUIRY. */
        rc = sf_drive_settle(&d->s, o->ready_timeout_ms, o->dl.poll_ms, t->rev_after, ua,
                             sizeof(ua), &ec);
        goto check;
    }
    rc = sf_inst_read_revision_patiently(d, t->path, t->sub_id, t->rev_after,
                                         sizeof(t->rev_after), o, r, &ec);
check:
    if (rc) {
        fail_target(t, rc, ec.msg);
        return rc;
    }
    const char *want = t->expect_rev[0] ? t->expect_rev : o->expect_rev;
    char what[32];
    sf_target_what(t, what, sizeof(what));
    if (want[0] ? strcmp(t->rev_after, want) != 0 : strcmp(t->rev_after, t->rev_before) == 0) {
        char m[512];
        if (want[0])
            snprintf(m, sizeof(m), "%s: %s runs revision %s after the update, expected %s",
                     t->path, what, t->rev_after, want);
        else if (t->trouble[0])
            /* Not a clean completion: the image may simply not have been
             * taken.  Telling the operator to expect the old revision
             * would hide exactly that. */
            snprintf(m, sizeof(m), "%s: %s did not change: it still runs revision %s, and the "
                     "update was not clean (%s): the image may not have been taken; install it "
                     "again", t->path, what, t->rev_after, t->trouble);
        else
            snprintf(m, sizeof(m), "%s: %s did not change: it still runs revision %s (if the "
                     "image carries that same revision, pass --expect-revision %s)",
                     t->path, what, t->rev_after, t->rev_after);
        fail_target(t, SF_ECHECK, m);
        return SF_ECHECK;
    }
    t->outcome = SF_OUT_UPDATED;
    if (ua[0])
        snprintf(t->msg, sizeof(t->msg), "runs %s; the drive announced it with %s", t->rev_after,
                 ua);
    return 0;
}

/* Stored cleanly as deferred microcode: say so, or (--activate) start it. */
static int stored_then(struct sf_plan *p, struct sf_target *t, const struct sf_install_opts *o,
                       const struct sf_sesdl_opts *dl, struct sf_inst_relay *r, const char *how)
{
    struct sf_install_dev *d = t->dev;
    struct sf_errctx ec = { 0 };
    if (!o->activate_after) {
        t->outcome = SF_OUT_STORED;
        if (t->drive)
            snprintf(t->msg, sizeof(t->msg), "%s (mode %02Xh); runs after 'safeflash activate %s'%s",
                     how, t->dl.mode_used ? t->dl.mode_used : SF_WB_DMC_OFFS_DEFER, t->path,
                     t->dl.mode_used == SF_WB_DMC_OFFS_EV_DEFER
                         ? ", a hard reset or a power cycle" : "");
        else
            snprintf(t->msg, sizeof(t->msg), "%s; runs after 'safeflash activate %s "
                     "--subenclosure %u', a hard reset or a power cycle", how, t->path, t->sub_id);
        return 0;
    }
    (void)p;
    int rc, none = 0;
    uint8_t st = 0;
    /* dl carries the journal's gate: no activation unless it is recorded */
    if (t->drive)
        rc = sf_wbdl_activate(&d->s, dl, relay_dl, r, &none, &ec);
    else
        rc = sf_sesdl_activate(&d->s, t->sub_id, dl, relay_dl, r, &st, &ec);
    if (rc) {
        fail_target(t, rc, ec.msg);
        return rc;
    }
    if (!t->drive)
        activation_troubled(t, st);
    t->msg[0] = '\0'; /* activated: no longer "stored" */
    return verify_running(d, t, o, r);
}

/* The status the plan read shows the interrupted run's download done. */
static void adopt_completion(struct sf_target *t, struct sf_inst_relay *r)
{
    memset(&t->dl, 0, sizeof(t->dl));
    t->dl.final_status = t->dl_status_at_plan;
    t->dl.mode_used = t->dl_status_at_plan == SF_DL_COMPLETE_DEFERRED
                          ? SF_DL_MODE_OFFSETS_SAVE_DEFER : SF_DL_MODE_OFFSETS_SAVE_ACTIVATE;
    if (r->cb) {
        char m[160];
        snprintf(m, sizeof(m), "the interrupted run's download already completed (%02Xh %s)",
                 t->dl_status_at_plan, sf_ses_dl_status_str(t->dl_status_at_plan));
        struct sf_iev e = { .kind = SF_IEV_NOTICE, .t = t, .text = m };
        r->cb(&e, r->arg);
    }
}

static void tell(struct sf_inst_relay *r, const char *text)
{
    if (r->cb) {
        struct sf_iev e = { .kind = SF_IEV_NOTICE, .t = r->t, .text = text };
        r->cb(&e, r->arg);
    }
}

/* Is phase one of those recorded after every page or chunk was sent? */
static int sent_all(const char *phase)
{
    return !strcmp(phase, "completing") || !strcmp(phase, "committing") ||
           !strcmp(phase, "restarting") || !strcmp(phase, "verifying") ||
           !strcmp(phase, "stored") || !strcmp(phase, "activating");
}

/* A drive: download (or pick up where the journal says the interrupted
 * attempt stopped), then keep it stored or activate and verify. */
static int install_drive(struct sf_plan *p, struct sf_target *t, const struct sf_install_opts *o,
                         struct sf_sesdl_opts *dl, struct sf_inst_relay *r)
{
    struct sf_install_dev *d = t->dev;
    struct sf_errctx ec = { 0 };
    const char *ph = t->resume_phase;
    t->trouble[0] = '\0';
    if (!o->dl.dry_run && (!strcmp(ph, "stored") || !strcmp(ph, "activating") ||
                           (!strcmp(ph, "last chunk") && o->activate_after))) {
        /* Every chunk went (or may have: "last chunk"); the drive keeps a
         * complete deferred image until it is activated or reset.  Never
         * send it twice: activate, and only if the drive has nothing
         * deferred, send it again. */
        if (!o->activate_after && !strcmp(ph, "stored"))
            return stored_then(p, t, o, dl, r, "stored by the interrupted run");
        int none = 0;
        tell(r, "the interrupted attempt sent the whole image: activating what the drive holds");
        int rc = sf_wbdl_activate(&d->s, dl, relay_dl, r, &none, &ec);
        if (!rc)
            return verify_running(d, t, o, r);
        if (!none) {
            fail_target(t, rc, ec.msg);
            return rc;
        }
        tell(r, "the drive holds no deferred image (its last chunk never arrived, or a reset "
                "dropped it): sending the image again from offset 0");
        sf_errctx_clear(&ec);
    } else if (sf_install_phase_wrote(ph) && !o->dl.dry_run) {
        tell(r, !strcmp(ph, "last chunk")
                    ? "the interrupted attempt was sending its last chunk, and a drive cannot say "
                      "whether it arrived: sending the image again from offset 0"
                    : "a drive keeps no download progress to continue from: sending the image "
                      "again from offset 0");
    }
    int rc = sf_wbdl_download(&d->s, &d->drv, t->img, t->img_len, dl, relay_dl, r, &t->dl, &ec);
    if (rc) {
        fail_target(t, rc, ec.msg);
        return rc;
    }
    troubled(t, t->dl.trouble);
    if (o->dl.dry_run) {
        t->outcome = SF_OUT_DRY_RUN;
        return 0;
    }
    if (sf_wb_mode_defers(t->dl.mode_used)) {
        sf_inst_phase(r, "stored");
        return stored_then(p, t, o, dl, r, "stored");
    }
    return verify_running(d, t, o, r);
}

/* A module of an enclosure updated earlier in this run may have been
 * pushed the image already by its partner (partner sync): 1 when it runs
 * it now (t is UPDATED), 0 when it is still to be done. */
static int partner_pushed(struct sf_plan *p, size_t i, const struct sf_install_opts *o)
{
    struct sf_target *t = &p->t[i];
    const char *want = t->expect_rev[0] ? t->expect_rev : o->expect_rev;
    if (!(i > 0 && want[0] && !t->resume_phase[0] && !o->dl.dry_run && !t->drive) || o->solo)
        return 0;
    struct sf_errctx pec = { 0 };
    struct sf_target now = *t;
    if (sf_inst_reread_revision(t->dev, &now, &pec) == 0 && !strcmp(now.rev_after, want) &&
        strcmp(t->rev_before, want)) {
        snprintf(t->rev_after, sizeof(t->rev_after), "%s", want);
        t->outcome = SF_OUT_UPDATED;
        snprintf(t->msg, sizeof(t->msg), "already runs %s: its partner module pushed it", want);
        return 1;
    }
    return 0;
}

/* Everything an install does for one target, up to its result. */
static int install_target(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                          struct sf_inst_relay *r)
{
    struct sf_target *t = &p->t[i];
    struct sf_install_dev *d = t->dev;
    struct sf_errctx ec = { 0 };
    const char *ph = t->resume_phase;
    struct sf_sesdl_opts dl = o->dl;
    dl.gate = r->h->gate;
    dl.gate_arg = r->h->gate_arg;
    /* Planned and confirmed without a prompt (--yes), the status page
     * the plan read is still current: nothing was sent to the device
     * since, and less than a second passed - about the time a second
     * read would itself take on a slow enclosure.  After a prompt, or
     * once another processor of this device has been worked on, read
     * it again. */
    if (d->e && d->e->have_dl && d->s.ncmds == d->ncmds_at_probe &&
        sf_inst_mono_ms() - d->probed_ms < 1000)
        dl.fresh = &d->e->dl;
    /* A download in progress is this attempt's own only when the journal
     * shows the attempt it continues sent something: one that never
     * began ("planned") cannot have started what the enclosure shows -
     * another host or tool did (a shared JBOD has one enclosure and two
     * journals).  That is refused like any other, before each processor. */
    int owned = sf_install_phase_wrote(ph);
    if (owned) {
        dl.adopt = 1;
        if (dl.in_progress == SF_INPROG_REFUSE)
            dl.in_progress = SF_INPROG_RESUME;
    } else if (ph[0]) {
        dl.busy_hint = "run this again once it has ended (or install --resume/--restart)";
    }
    if (!t->drive)
        dl.encl_id = sf_target_uid(t);
    t->trouble[0] = '\0';
    if (t->drive)
        return install_drive(p, t, o, &dl, r);
    if (!strcmp(ph, "stored"))
        return stored_then(p, t, o, &dl, r, "stored by the interrupted run");
    int rc = 0;
    if (owned && sf_ses_dl_is_complete(t->dl_status_at_plan)) {
        /* Completion statuses are reported once, and identifying the
         * enclosure for this plan read it: the interrupted run's image
         * has landed.  Carry on from there, sending nothing. */
        adopt_completion(t, r);
        rc = 0;
    } else if (sent_all(ph) && t->dl_status_at_plan == SF_DL_IDLE &&
               (!strcmp(ph, "activating") || o->dl.mode != SF_MODE_IMMEDIATE)) {
        /* Every page went and the enclosure reported completion to the
         * interrupted run, which read it (a completion is reported once):
         * the image is stored and, since the processor still runs what it
         * ran, deferred.  Never send it twice. */
        memset(&t->dl, 0, sizeof(t->dl));
        t->dl.final_status = SF_DL_COMPLETE_DEFERRED;
        t->dl.mode_used = SF_DL_MODE_OFFSETS_SAVE_DEFER;
        troubled(t, "the interrupted run was stopped before this one could see its completion "
                    "status");
        if (!strcmp(ph, "activating")) {
            tell(r, "the interrupted attempt stored the image: activating it");
            t->outcome = SF_OUT_STORED;
            goto stored;
        }
        tell(r, "the interrupted attempt sent every page and the enclosure reported completion "
                "to it: the image is stored");
        rc = 0;
    } else {
        rc = sf_sesdl_download(&d->s, t->sub_id, t->img, t->img_len, &dl, &d->learned,
                               relay_dl, r, &t->dl, &ec);
        if (!rc)
            troubled(t, t->dl.trouble);
    }
    if (rc) {
        fail_target(t, rc, ec.msg);
    } else if (o->dl.dry_run) {
        t->outcome = SF_OUT_DRY_RUN;
    } else if (t->dl.final_status == SF_DL_COMPLETE_DEFERRED) {
        sf_inst_phase(r, "stored");
        t->outcome = SF_OUT_STORED;
        snprintf(t->msg, sizeof(t->msg), "stored; runs after 'safeflash activate %s "
                 "--subenclosure %u', a hard reset or a power cycle", t->path, t->sub_id);
    } else if (t->dl.final_status == SF_DL_COMPLETE_RESET ||
               t->dl.final_status == SF_DL_COMPLETE_POWER_ON) {
        sf_inst_phase(r, "stored");
        t->outcome = SF_OUT_PENDING_RESET;
        snprintf(t->msg, sizeof(t->msg), "stored; runs after %s (status %02Xh)",
                 t->dl.final_status == SF_DL_COMPLETE_RESET ? "a hard reset or power cycle"
                                                            : "a power cycle",
                 t->dl.final_status);
    } else {
        /* 10h, or completion lost to the reset: only the revision on the
         * configuration page can prove the new image runs. */
        rc = verify_running(d, t, o, r);
    }
stored:
    if (t->outcome == SF_OUT_STORED && o->activate_after) {
        /* --activate: stored cleanly, so starting it is safe now. */
        uint8_t st = 0;
        sf_errctx_clear(&ec);
        rc = sf_sesdl_activate(&d->s, t->sub_id, &dl, relay_dl, r, &st, &ec);
        if (rc) {
            fail_target(t, rc, ec.msg);
        } else {
            activation_troubled(t, st);
            t->msg[0] = '\0'; /* activated: no longer "stored" */
            rc = verify_running(d, t, o, r);
        }
    }
    return t->outcome == SF_OUT_FAILED ? (rc ? rc : t->err) : 0;
}

/* After one target: a failure's redundancy check, a success's partner
 * watch.  Returns the partner-loop error (why filled) or 0. */
static int after_target(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                        struct sf_inst_relay *r, char *why, size_t cap)
{
    struct sf_target *t = &p->t[i];
    if (o->solo)
        return 0; /* its partners are other threads' (--parallel) */
    if (t->outcome == SF_OUT_FAILED && !t->drive && !o->dl.dry_run) {
        sf_inst_check_redundancy(p, i, o, r);
        return 0;
    }
    if (t->outcome == SF_OUT_UPDATED && !o->dl.dry_run && !t->drive)
        return sf_inst_watch_partners(p, i, o, r, why, cap);
    return 0;
}

int sf_install_one(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                   const struct sf_install_hooks *h)
{
    struct sf_target *t = &p->t[i];
    struct sf_inst_relay r = { h->cb, h->arg, t, h };
    if (t->outcome == SF_OUT_FAILED) /* a partner loop found by an earlier target */
        return t->err;
    int rc = partner_pushed(p, i, o) ? 0 : install_target(p, i, o, &r);
    char why[480];
    if (after_target(p, i, o, &r, why, sizeof(why))) {
        /* The pair would never settle: the partner module's own target
         * (another path of this enclosure, still to do) fails with why,
         * before anything is sent to it; with none left to do, this
         * target's run stops with why. */
        size_t j = 0;
        while (j < p->n && (j == i || p->t[j].dev == t->dev || p->t[j].drive ||
                            sf_target_uid(&p->t[j]) != sf_target_uid(t) ||
                            p->t[j].outcome != SF_OUT_PLANNED))
            j++;
        if (j < p->n) {
            fail_target(&p->t[j], SF_ECHECK, why);
        } else {
            tell(&r, why);
            snprintf(t->msg, sizeof(t->msg), "%.*s", (int)sizeof(t->msg) - 1, why);
            rc = SF_ECHECK;
        }
    }
    return rc;
}

/* Everything an activation does for one target, up to its result. */
static int activate_target(struct sf_target *t, const struct sf_install_opts *o,
                           struct sf_inst_relay *r)
{
    struct sf_install_dev *d = t->dev;
    struct sf_errctx ec = { 0 };
    uint8_t st = 0;
    struct sf_sesdl_opts dl = o->dl;
    dl.gate = r->h->gate;
    dl.gate_arg = r->h->gate_arg;
    if (!t->drive)
        dl.encl_id = sf_target_uid(t);
    t->trouble[0] = '\0';
    const char *want = t->expect_rev[0] ? t->expect_rev : o->expect_rev;
    if (t->resume_phase[0] && t->stored_by && (want[0] ? !strcmp(t->rev_before, want)
                                               : strcmp(t->rev_before, t->stored_from) != 0)) {
        /* The interrupted activation took: never send it twice. */
        snprintf(t->rev_after, sizeof(t->rev_after), "%s", t->rev_before);
        t->outcome = SF_OUT_UPDATED;
        snprintf(t->msg, sizeof(t->msg), "activated by the interrupted run: runs %s",
                 t->rev_before);
        return 0;
    }
    int rc, none = 1;
    if (t->drive)
        rc = sf_wbdl_activate(&d->s, &dl, relay_dl, r, &none, &ec);
    else
        rc = sf_sesdl_activate(&d->s, t->sub_id, &dl, relay_dl, r, &st, &ec);
    if (rc == SF_EJOURNAL || (rc == SF_ENOTSUP && !none)) {
        /* The journal stopped it, or the drive has no mode 0Fh at all. */
        fail_target(t, rc, ec.msg);
        return rc;
    }
    int ran = t->stored_by && (want[0] ? !strcmp(t->rev_before, want)
                                       : strcmp(t->rev_before, t->stored_from) != 0);
    if (rc == SF_ENOTSUP && ran) {
        /* Nothing deferred any more because it already runs: a reset
         * or power cycle started the image we stored. */
        snprintf(t->rev_after, sizeof(t->rev_after), "%s", t->rev_before);
        t->outcome = SF_OUT_UPDATED;
        snprintf(t->msg, sizeof(t->msg), "the image stored by attempt #%lld already runs (%s): a "
                 "reset or power cycle started it", (long long)t->stored_by, t->rev_before);
    } else if (rc == SF_ENOTSUP && t->stored_by) {
        /* We stored an image here and the enclosure has none, yet the
         * processor does not run it: lost, or never really stored. */
        char m[320], what[32];
        snprintf(m, sizeof(m), "%s: %s reports no deferred microcode (%s) although attempt "
                 "#%lld stored one, and it runs %s: the image was lost; install it again",
                 t->path, sf_target_what(t, what, sizeof(what)),
                 t->drive ? "command sequence error" : "85h", (long long)t->stored_by,
                 t->rev_before);
        fail_target(t, SF_ECHECK, m);
    } else if (rc == SF_ENOTSUP) {
        /* 85h: nothing stored.  Not this processor's failure - a reset
         * may already have started the image - and no reason to leave
         * the others unactivated. */
        t->outcome = SF_OUT_NOTHING;
        snprintf(t->msg, sizeof(t->msg), "no deferred microcode stored (%s); it runs "
                 "revision %s", t->drive ? "the drive says so" : "status 85h", t->rev_before);
    } else if (rc)
        fail_target(t, rc, ec.msg);
    else if (o->dl.dry_run)
        t->outcome = SF_OUT_DRY_RUN;
    else {
        if (!t->drive)
            activation_troubled(t, st);
        rc = verify_running(d, t, o, r);
    }
    return t->outcome == SF_OUT_FAILED ? t->err : 0;
}

int sf_activate_one(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                    const struct sf_install_hooks *h)
{
    struct sf_target *t = &p->t[i];
    struct sf_inst_relay r = { h->cb, h->arg, t, h };
    return activate_target(t, o, &r);
}

/* ---- for the engine's SCSI class ---- */

int sf_install_read_revision(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                             char *rev, size_t cap, struct sf_errctx *ec)
{
    struct sf_target *t = &p->t[i];
    if (t->drive) {
        char r5[5] = "", ua[128];
        int rc = sf_drive_settle(&t->dev->s, o->ready_timeout_ms, o->dl.poll_ms, r5, ua,
                                 sizeof(ua), ec);
        snprintf(rev, cap, "%s", r5);
        return rc;
    }
    return sf_inst_read_revision_patiently(t->dev, t->path, t->sub_id, rev, cap, o, NULL, ec);
}

int sf_install_reread(struct sf_plan *p, size_t i, char *rev, size_t cap, struct sf_errctx *ec)
{
    struct sf_target *t = &p->t[i];
    if (!t->drive)
        return read_sub_revision(t->dev, t->path, t->sub_id, rev, cap, ec);
    struct sf_inquiry inq;
    int rc = sf_encl_inquiry(&t->dev->s, &inq, ec);
    if (rc == SF_ENOTENCL) {
        sf_errctx_clear(ec);
        rc = 0;
    }
    if (!rc)
        sf_inst_copy_trim(rev, cap, inq.revision);
    return rc;
}
