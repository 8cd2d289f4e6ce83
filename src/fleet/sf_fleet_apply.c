/*
 * sf_fleet_apply.c - converging what a check found: each group's package
 * through sf_update onto the targets holding a row to update.  See
 * sf_fleet.h (invariants 1-4) and sf_fleet_int.h (the groups).
 *
 * Everything an install promises is the engine's: the plan's checks, the
 * locks, the staged images, the journal (so a killed apply is finished by
 * `safeflash resume`, or by apply again, which checks afresh and plans
 * only what is left), the modules of one enclosure one after another and
 * a DEGRADED enclosure stopping there, --jobs across devices.  This file
 * only chooses the order and counts failures across updates.
 */
#define _GNU_SOURCE
#include "fleet/sf_fleet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enclosures and drives, then flash, then boards - a board's update that
 * holds its BMC before the others (the BMC first, as on one board). */
static int rank(const struct sf_fgroup *g)
{
    if (g->cls == &sf_class_scsi)
        return 0;
    if (g->cls == &sf_class_flash)
        return 1;
    return g->has_bmc ? 2 : 3;
}

/* Is row r for an update of this action?  An install takes the rows to
 * update; an activation those pending, when asked to activate. */
static int todo(const struct sf_fleet *f, const struct sf_fleet_row *r, enum sf_action act)
{
    if (r->applied)
        return 0;
    if (act == SF_ACTION_ACTIVATE)
        return r->action == SF_FLEET_PENDING && f->o.update.activate;
    return r->action == SF_FLEET_UPDATE;
}

static void not_started(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                        const char *why)
{
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        if (!todo(f, r, act) || !sf_fleet_group_has(f, g, r))
            continue;
        r->applied = 1;
        r->outcome = SF_OUTCOME_NOT_ATTEMPTED;
        snprintf(r->version_after, sizeof(r->version_after), "%s", r->current);
        snprintf(r->message, sizeof(r->message), "%s", why);
        f->info.not_attempted++;
    }
}

static void first_failure(struct sf_fleet *f, int rc, const char *msg)
{
    if (f->info.first_err)
        return;
    f->info.first_err = rc;
    snprintf(f->info.first_msg, sizeof(f->info.first_msg), "%s", msg);
}

/* The rows of group g on targets t from the update's items. */
static void take_results(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                         sf_update *u)
{
    for (size_t k = 0; k < sf_update_count(u); k++) {
        const struct sf_item_info *it = sf_update_item(u, k);
        struct sf_fleet_row *r = sf_fleet_find_row(f, it->target, it->name);
        /* Only the rows this update was for: the others on its targets
         * (at their version, or pending an activation) it skipped. */
        if (!r || !sf_fleet_group_has(f, g, r) || !todo(f, r, act))
            continue;
        r->applied = 1;
        r->outcome = it->outcome;
        r->err = it->err;
        snprintf(r->version_after, sizeof(r->version_after), "%s", it->version_after);
        snprintf(r->message, sizeof(r->message), "%s", it->message);
        switch (it->outcome) {
        case SF_OUTCOME_UPDATED: f->info.updated++; f->info.changed = 1; break;
        case SF_OUTCOME_STORED:
        case SF_OUTCOME_PENDING_RESET: f->info.stored++; f->info.changed = 1; break;
        case SF_OUTCOME_FAILED:
            f->info.failed++;
            first_failure(f, it->err ? it->err : SF_EIO, it->message);
            break;
        case SF_OUTCOME_NOT_ATTEMPTED: f->info.not_attempted++; break;
        default: break;
        }
        f->info.degraded |= it->degraded;
    }
}

/* A group's update refused before anything was written: its rows failed,
 * nothing written, with the engine's line. */
static void refused(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                    const char *const *t, size_t n, int rc, const char *msg)
{
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        int mine = 0;
        for (size_t k = 0; k < n && !mine; k++)
            mine = !strcmp(r->target, t[k]);
        if (!mine || !todo(f, r, act) || !sf_fleet_group_has(f, g, r))
            continue;
        r->applied = 1;
        r->outcome = SF_OUTCOME_FAILED;
        r->err = rc;
        snprintf(r->version_after, sizeof(r->version_after), "%s", r->current);
        snprintf(r->message, sizeof(r->message), "%s; nothing was written", msg);
        f->info.failed++;
    }
    first_failure(f, rc, msg);
}

static int run_one(struct sf_fleet *f, struct sf_fgroup *g, enum sf_action act,
                   sf_event_cb cb, void *arg)
{
    const char *t[SF_FLEET_MAX_TARGETS];
    size_t n = 0;
    for (size_t k = 0; k < g->ntargets; k++) {
        int want = 0;
        for (size_t i = 0; i < f->nrows && !want; i++)
            want = todo(f, &f->rows[i], act) && !strcmp(f->rows[i].target, g->targets[k]) &&
                   sf_fleet_group_has(f, g, &f->rows[i]);
        if (want)
            t[n++] = g->targets[k];
    }
    if (!n)
        return 0;
    unsigned max = f->o.max_failures;
    if (max && f->info.failed >= max) {
        char why[200];
        snprintf(why, sizeof(why), "not started: %zu item%s failed, the most --max-failures "
                 "allows", f->info.failed, f->info.failed == 1 ? "" : "s");
        not_started(f, g, act, why);
        return 0;
    }
    sf_update *u = NULL;
    struct sf_errctx lec = { 0 };
    int rc = 0;
    if (act == SF_ACTION_INSTALL && g->planned) {
        /* Planned by the check, on exactly these targets. */
        u = g->planned;
        g->planned = NULL;
    } else {
        rc = sf_fleet_new_update(f, g, act, f->o.update.dry_run, t, n, &u);
        if (rc) {
            refused(f, g, act, t, n, rc, sf_err_str(rc));
            return rc == SF_ENOMEM ? rc : 0;
        }
        rc = sf_update_plan(u, &lec);
    }
    if (max)
        sf_update_set_max_failures(u, max - (unsigned)f->info.failed);
    if (rc) {
        refused(f, g, act, t, n, rc, lec.msg[0] ? lec.msg : sf_err_str(rc));
        sf_update_free(u);
        return 0;
    }
    rc = sf_update_run(u, cb, arg, &lec);
    take_results(f, g, act, u);
    if (rc && !f->info.first_err)
        first_failure(f, rc, lec.msg[0] ? lec.msg : sf_err_str(rc));
    /* Rows the update did not report (it stopped before them). */
    char why[600];
    snprintf(why, sizeof(why), "not attempted: %s", lec.msg[0] ? lec.msg : "the update stopped");
    not_started(f, g, act, why);
    sf_update_free(u);
    return 0;
}

/* A group: its install, then the activation of what was pending. */
static int run_group(struct sf_fleet *f, struct sf_fgroup *g, sf_event_cb cb, void *arg)
{
    int rc = run_one(f, g, SF_ACTION_INSTALL, cb, arg);
    return rc ? rc : run_one(f, g, SF_ACTION_ACTIVATE, cb, arg);
}

int sf_fleet_apply(sf_fleet *f, sf_event_cb cb, void *arg, struct sf_errctx *ec)
{
    if (!f || f->applied)
        return SF_EINVAL;
    int rc = f->checked ? 0 : sf_fleet_check(f, ec);
    if (rc)
        return rc;
    f->applied = 1;
    for (int pass = 0; pass < 4; pass++)
        for (size_t gi = 0; gi < f->ng; gi++) {
            if (rank(&f->g[gi]) != pass)
                continue;
            if ((rc = run_group(f, &f->g[gi], cb, arg)))
                return sf_err_set(ec, rc, "%s", sf_err_str(rc));
        }
    if (f->info.first_err)
        return sf_err_set(ec, f->info.first_err, "%s", f->info.first_msg);
    return 0;
}
