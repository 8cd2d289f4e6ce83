/*
 * sf_install_pair.c - the modules of one enclosure, seen together while
 * one of them is updated (field reports 000 and 001): a partner that a
 * module's firmware sync keeps re-flashing is a loop to stop, and a pair
 * must be redundant again before anything pauses.  Reads only.  Split
 * from sf_install.c, which calls these between and after targets.
 */
#include "engine/sf_install_int.h"

#include <stdio.h>
#include <string.h>

/* The way out of a sync loop, as a command only where it can work: the
 * partner sync control is vendor specific, and `safeflash partner-sync`
 * speaks only the ones sf_encl_partner_sync_known() names. */
static void way_out(const struct sf_target *t, char *buf, size_t cap)
{
    const struct sf_encl *e = t->dev->e;
    if (sf_encl_partner_sync_known(e)) {
        snprintf(buf, cap, "'safeflash partner-sync %s off', install on each module directly, "
                 "then 'safeflash partner-sync %s on'", t->path, t->path);
        return;
    }
    char vendor[sizeof(e->inq.vendor) + 1];
    snprintf(vendor, sizeof(vendor), "%s", e->inq.vendor);
    sf_rtrim(vendor);
    snprintf(buf, cap, "turn partner firmware sync off with the %s enclosure's own tool "
             "(safeflash has no control for it), install on each module directly, then turn it "
             "back on", vendor[0] ? vendor : "vendor's");
}

/*
 * Field report 001: after one module of a dual-module shelf is updated, it
 * may push its firmware to the partner - and that push may never stick.
 * Watch the enclosure's other modules in this plan for a while:
 *   converged  the partner runs the new revision and is idle three polls
 *   quiet      no push within three polls: nothing to watch
 *   loop       the partner's revision comes back to one it had left
 *              (old -> new -> old), or a push starts three times
 * Returns 0, or SF_ECHECK with the evidence and the way out in `why`.
 */
int sf_inst_watch_partners(struct sf_plan *p, size_t ti, const struct sf_install_opts *o,
                           struct sf_inst_relay *r, char *why, size_t cap)
{
    struct sf_target *t = &p->t[ti];
    uint64_t lid = sf_target_uid(t);
    unsigned gap = sf_inst_poll_gap(o);
    char out[240];
    way_out(t, out, sizeof(out));
    for (size_t k = 0; k < p->n; k++) {
        struct sf_target *u = &p->t[k];
        if (u->dev == t->dev || u->drive || sf_target_uid(u) != lid)
            continue;
        char seen[8][5];
        size_t nseen = 0;
        unsigned starts = 0, idle_new = 0, polls = 0;
        uint8_t last_status = 0xff;
        /* Journaled for the record on t's attempt (read-only: never a reason to stop). */
        struct sf_inst_relay shown = *r;
        sf_inst_phase(&shown, "watching partner");
        for (polls = 0; polls < 60; polls++) {
            struct sf_errctx ec = { 0 };
            struct sf_ses_dl_status st;
            char rev[5] = "";
            struct sf_target probe = *u;
            if (sf_inst_reread_revision(u->dev, &probe, &ec) == 0)
                snprintf(rev, sizeof(rev), "%s", probe.rev_after);
            uint8_t status = 0xff;
            if (sf_encl_read_dl_page(&u->dev->s, &st, &ec) == 0) {
                const struct sf_ses_dl_desc *dd = sf_ses_dl_status_find(&st, u->sub_id);
                if (dd)
                    status = dd->status;
            }
            if (status == SF_DL_IN_PROGRESS && last_status != SF_DL_IN_PROGRESS)
                starts++;
            last_status = status;
            if (rev[0] && (nseen == 0 || strcmp(seen[nseen - 1], rev))) {
                for (size_t i = 0; i + 1 < nseen; i++)
                    if (!strcmp(seen[i], rev)) {
                        /* back to a revision it had left: a cycle */
                        char path[64] = "";
                        for (size_t j = 0; j < nseen; j++) {
                            size_t l = strlen(path);
                            snprintf(path + l, sizeof(path) - l, "%s -> ", seen[j]);
                        }
                        snprintf(why, cap, "partner firmware sync loop: %s subenclosure %u went "
                                 "%s%s after %s was updated (partner downloads started %u times in "
                                 "%u polls); the updated module keeps re-flashing it.  Way out: "
                                 "%s", u->path, u->sub_id, path, rev, t->path, starts, polls + 1,
                                 out);
                        return SF_ECHECK;
                    }
                if (nseen < 8)
                    snprintf(seen[nseen++], 5, "%s", rev);
            }
            if (starts >= 3) {
                snprintf(why, cap, "partner firmware sync loop: a download to %s subenclosure %u "
                         "started %u times in %u polls and it still runs %s; the push never sticks.  "
                         "Way out: %s", u->path, u->sub_id, starts, polls + 1, rev, out);
                return SF_ECHECK;
            }
            if (rev[0] && !strcmp(rev, t->rev_after) && status == SF_DL_IDLE) {
                if (++idle_new >= 3)
                    break; /* converged */
            } else {
                idle_new = 0;
            }
            if (polls >= 2 && starts == 0 && nseen <= 1)
                break; /* quiet: no partner sync going on */
            sf_inst_sleep(u->dev, gap);
        }
    }
    return 0;
}

/*
 * Field report 000: after a failure, the pair must be left redundant before
 * anything pauses.  The failed module kept its old image (SES discards an
 * image that did not complete or verify), but it may be restarting, or it
 * may not come back at all.  Wait for its path to answer - as long as a
 * verification would wait - and read what every module of the enclosure in
 * this plan runs.  Modules not in the plan are not looked at: safeflash
 * does not know their paths.  Only reads are sent; nothing is written.
 * Fills f->redundancy and f->degraded; returns 1 when there was a partner
 * to check.
 */
int sf_inst_check_redundancy(struct sf_plan *p, size_t fi, const struct sf_install_opts *o,
                             struct sf_inst_relay *r)
{
    struct sf_target *f = &p->t[fi];
    uint64_t uid = sf_target_uid(f);
    struct sf_install_dev *mods[16];
    size_t nm = 0;
    mods[nm++] = f->dev;
    for (size_t k = 0; k < p->n && nm < 16; k++) {
        struct sf_install_dev *d = p->t[k].dev;
        int seen = 0;
        for (size_t j = 0; j < nm; j++)
            seen |= mods[j] == d;
        if (!seen && !p->t[k].drive && sf_target_uid(&p->t[k]) == uid)
            mods[nm++] = d;
    }
    if (nm < 2)
        return 0;
    sf_inst_phase(r, "checking redundancy");
    char list[512] = "";
    size_t up = 0;
    const char *lost_path = NULL;
    char lost_why[200] = "";
    for (size_t j = 0; j < nm; j++) {
        const char *path = NULL;
        for (size_t k = 0; k < p->n && !path; k++)
            if (p->t[k].dev == mods[j])
                path = p->t[k].path;
        char rev[8] = "";
        struct sf_errctx ec = { 0 };
        /* The failed module may be restarting: give it the time a
         * verification would.  A partner that does not answer at once gets
         * the same patience. */
        int rc = sf_inst_read_revision_patiently(mods[j], path, f->sub_id, rev, sizeof(rev), o,
                                                 NULL, &ec);
        size_t l = strlen(list);
        if (rc == 0) {
            up++;
            snprintf(list + l, sizeof(list) - l, "%s%s runs %s", l ? ", " : "", path, rev);
        } else {
            snprintf(list + l, sizeof(list) - l, "%s%s does not answer", l ? ", " : "", path);
            if (!lost_path) {
                lost_path = path;
                snprintf(lost_why, sizeof(lost_why), "%s", ec.msg[0] ? ec.msg : sf_err_str(rc));
            }
        }
    }
    if (up == nm) {
        char all[24];
        snprintf(all, sizeof(all), nm == 2 ? "both" : "all %zu", nm);
        snprintf(f->redundancy, sizeof(f->redundancy), "redundancy kept: %s modules of the "
                 "enclosure answer (%s)", all, list);
    } else {
        f->degraded = 1;
        snprintf(f->redundancy, sizeof(f->redundancy), "DEGRADED: %zu of %zu modules of the "
                 "enclosure answer (%s; %s); do not update the others until %s is back",
                 up, nm, list, lost_why, lost_path);
    }
    if (r->cb) {
        struct sf_iev e = { .kind = SF_IEV_NOTICE, .t = f, .text = f->redundancy };
        r->cb(&e, r->arg);
    }
    return 1;
}
