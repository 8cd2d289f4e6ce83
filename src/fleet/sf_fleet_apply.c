/*
 * sf_fleet_apply.c - converging what a check found: each group's package
 * through sf_update onto the targets holding a row to update.  See
 * sf_fleet.h (invariants 1-4) and sf_fleet_int.h (the groups).
 *
 * Everything an install promises is the engine's: the plan's checks, the
 * locks, the staged images, the journal (so a killed apply is finished by
 * `safeflash resume`, or by apply again, which checks afresh and plans
 * only what is left), the modules of one enclosure one after another and
 * a DEGRADED enclosure stopping there, --jobs across devices.  What this
 * file adds across the updates:
 *
 *  - the order: enclosures and drives, flash, boards (an update holding a
 *    BMC first);
 *  - an enclosure one of whose items failed is not touched again by a
 *    later update (its other modules may be the only path left);
 *  - --max-failures, counted across the updates (and inside one by the
 *    engine's pool);
 *  - a board's host is reset once, after all its images are staged
 *    (--activate), not once per rule.
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

static enum sf_fleet_pick pick_of(enum sf_action act)
{
    return act == SF_ACTION_ACTIVATE ? SF_PICK_ACTIVATE : SF_PICK_INSTALL;
}

/* Row r ends without an update: outcome NOT_ATTEMPTED, why. */
static void leave(struct sf_fleet *f, struct sf_fleet_row *r, const char *why)
{
    r->applied = 1;
    r->outcome = SF_OUTCOME_NOT_ATTEMPTED;
    snprintf(r->version_after, sizeof(r->version_after), "%s", r->current);
    snprintf(r->message, sizeof(r->message), "%s", why);
    f->info.not_attempted++;
}

static void not_started(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                        const char *why)
{
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        if (sf_fleet_todo(f, r, pick_of(act)) && sf_fleet_group_has(f, g, r))
            leave(f, r, why);
    }
}

static void first_failure(struct sf_fleet *f, int rc, const char *msg)
{
    if (f->info.first_err)
        return;
    f->info.first_err = rc;
    snprintf(f->info.first_msg, sizeof(f->info.first_msg), "%s", msg);
}

/* An enclosure one of whose items failed: its other rows, in any later
 * update, are left alone - the engine's redundancy rules cover the
 * modules of one update only. */
static void spare_enclosure(struct sf_fleet *f, const struct sf_fleet_row *failed)
{
    if (strcmp(failed->cls, "ses") || !failed->logical_id[0])
        return;
    char why[200];
    snprintf(why, sizeof(why), "not attempted: an update of enclosure %s failed (%s); its "
             "other modules are left alone", failed->logical_id, failed->item);
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        if (!r->applied && !strcmp(r->cls, "ses") && !strcmp(r->logical_id, failed->logical_id) &&
            (r->action == SF_FLEET_UPDATE || r->action == SF_FLEET_PENDING))
            leave(f, r, why);
    }
}

/* The rows this update was for, from its items: the others on its targets
 * (at their version, pending, a partner path) it skipped or watched. */
static void take_results(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                         sf_update *u)
{
    for (size_t k = 0; k < sf_update_count(u); k++) {
        const struct sf_item_info *it = sf_update_item(u, k);
        struct sf_fleet_row *r = sf_fleet_item_row(f, it);
        if (!r || !sf_fleet_group_has(f, g, r) || !sf_fleet_todo(f, r, pick_of(act)))
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
    /* Then spare the enclosures that failed or lost a module. */
    for (size_t k = 0; k < sf_update_count(u); k++) {
        const struct sf_item_info *it = sf_update_item(u, k);
        struct sf_fleet_row *r = sf_fleet_item_row(f, it);
        if (r && (it->outcome == SF_OUTCOME_FAILED || it->degraded))
            spare_enclosure(f, r);
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
        if (!mine || !sf_fleet_todo(f, r, pick_of(act)) || !sf_fleet_group_has(f, g, r))
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

/* The plan the check kept, when it is on exactly these targets. */
static sf_update *kept_plan(struct sf_fgroup *g, const char *const *t, size_t n)
{
    sf_update *u = g->planned;
    int same = u && g->nplanned == n;
    for (size_t i = 0; same && i < n; i++)
        same = g->planned_t[i] == t[i];
    g->planned = NULL;
    if (same)
        return u;
    sf_update_free(u);
    return NULL;
}

static int run_update(struct sf_fleet *f, struct sf_fgroup *g, enum sf_action act,
                      const char *const *t, size_t n, sf_event_cb cb, void *arg)
{
    unsigned max = f->o.max_failures;
    if (max && f->info.failed >= max) {
        char why[200];
        snprintf(why, sizeof(why), "not started: %zu item%s failed, the most --max-failures "
                 "allows", f->info.failed, f->info.failed == 1 ? "" : "s");
        not_started(f, g, act, why);
        return 0;
    }
    struct sf_errctx lec = { 0 };
    int rc = 0;
    sf_update *u = act == SF_ACTION_INSTALL ? kept_plan(g, t, n) : NULL;
    if (!u) {
        rc = sf_fleet_new_update(f, g, act, f->o.update.dry_run, t, n, &u);
        if (rc) {
            refused(f, g, act, t, n, rc, sf_err_str(rc));
            return rc == SF_ENOMEM ? rc : 0;
        }
        rc = sf_update_plan(u, &lec);
        sf_fleet_plan_warnings(f, u);
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
    if (rc)
        first_failure(f, rc, lec.msg[0] ? lec.msg : sf_err_str(rc));
    /* Rows the update did not report (it stopped before them). */
    char why[600];
    snprintf(why, sizeof(why), "not attempted: %s", lec.msg[0] ? lec.msg : "the update stopped");
    not_started(f, g, act, why);
    sf_update_free(u);
    return 0;
}

static int run_one(struct sf_fleet *f, struct sf_fgroup *g, enum sf_action act,
                   sf_event_cb cb, void *arg)
{
    const char *t[SF_FLEET_MAX_TARGETS];
    size_t n = sf_fleet_pick(f, g, pick_of(act), t);
    return n ? run_update(f, g, act, t, n, cb, arg) : 0;
}

/* A group: its install, then (enclosures, drives, flash) the activation
 * of what was pending.  A board's activation is its host's reset, once
 * for all its rules (activate_boards). */
static int run_group(struct sf_fleet *f, struct sf_fgroup *g, sf_event_cb cb, void *arg)
{
    int rc = run_one(f, g, SF_ACTION_INSTALL, cb, arg);
    if (rc || g->cls == &sf_class_redfish)
        return rc;
    return run_one(f, g, SF_ACTION_ACTIVATE, cb, arg);
}

/* With activate: each board whose images this apply staged, or that had
 * some pending, gets one host reset, and those rows what it brought. */
static int activate_boards(struct sf_fleet *f, sf_event_cb cb, void *arg)
{
    if (!f->o.update.activate)
        return 0;
    for (size_t gi = 0; gi < f->ng; gi++) {
        struct sf_fgroup *g = &f->g[gi];
        if (g->cls != &sf_class_redfish || !g->ntargets)
            continue;
        const char *tg = g->targets[0];
        int seen = 0, want = 0;
        for (size_t k = 0; k < gi && !seen; k++)
            seen = f->g[k].cls == &sf_class_redfish && f->g[k].ntargets &&
                   !strcmp(f->g[k].targets[0], tg);
        for (size_t i = 0; i < f->nrows && !seen && !want; i++) {
            const struct sf_fleet_row *r = &f->rows[i];
            want = !strcmp(r->target, tg) && !strcmp(r->cls, "redfish") &&
                   ((r->applied && (r->outcome == SF_OUTCOME_STORED ||
                                    r->outcome == SF_OUTCOME_PENDING_RESET)) ||
                    sf_fleet_todo(f, r, SF_PICK_ACTIVATE));
        }
        if (seen || !want)
            continue;
        if (f->o.max_failures && f->info.failed >= f->o.max_failures) {
            char why[200];
            snprintf(why, sizeof(why), "not started: %zu item%s failed, the most "
                     "--max-failures allows", f->info.failed, f->info.failed == 1 ? "" : "s");
            for (size_t i = 0; i < f->nrows; i++)
                if (!strcmp(f->rows[i].target, tg) &&
                    sf_fleet_todo(f, &f->rows[i], SF_PICK_ACTIVATE))
                    leave(f, &f->rows[i], why);
            continue;
        }
        sf_update *u = NULL;
        struct sf_errctx lec = { 0 };
        int rc = sf_fleet_new_update(f, g, SF_ACTION_ACTIVATE, f->o.update.dry_run, &tg, 1, &u);
        if (rc == SF_ENOMEM)
            return rc;
        if (!rc && !(rc = sf_update_plan(u, &lec)))
            rc = sf_update_run(u, cb, arg, &lec);
        sf_fleet_plan_warnings(f, u);
        for (size_t k = 0; u && k < sf_update_count(u); k++) {
            const struct sf_item_info *it = sf_update_item(u, k);
            struct sf_fleet_row *r = sf_fleet_item_row(f, it);
            if (!r)
                continue;
            int stored = r->applied && (r->outcome == SF_OUTCOME_STORED ||
                                        r->outcome == SF_OUTCOME_PENDING_RESET);
            if (!stored && !sf_fleet_todo(f, r, SF_PICK_ACTIVATE))
                continue;
            if (it->outcome == SF_OUTCOME_NOTHING || it->outcome == SF_OUTCOME_PLANNED)
                continue;
            if (stored)
                f->info.stored--;
            r->applied = 1;
            r->outcome = it->outcome;
            r->err = it->err;
            snprintf(r->version_after, sizeof(r->version_after), "%s", it->version_after);
            snprintf(r->message, sizeof(r->message), "%s", it->message);
            if (it->outcome == SF_OUTCOME_UPDATED) {
                f->info.updated++;
                f->info.changed = 1;
            } else if (it->outcome == SF_OUTCOME_FAILED) {
                f->info.failed++;
            } else if (it->outcome == SF_OUTCOME_STORED ||
                       it->outcome == SF_OUTCOME_PENDING_RESET) {
                f->info.stored++;
            }
        }
        if (rc)
            first_failure(f, rc, lec.msg[0] ? lec.msg : sf_err_str(rc));
        sf_update_free(u);
    }
    return 0;
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
    if ((rc = activate_boards(f, cb, arg)))
        return sf_err_set(ec, rc, "%s", sf_err_str(rc));
    /* A row no update covered: said, never passed over as converged. */
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        if (!sf_fleet_todo(f, r, SF_PICK_INSTALL) && !sf_fleet_todo(f, r, SF_PICK_ACTIVATE))
            continue;
        char why[400];
        snprintf(why, sizeof(why), "not attempted: no update of rule %d (%s) covered it",
                 r->rule, r->package);
        leave(f, r, why);
        first_failure(f, SF_EMISMATCH, why);
    }
    if (f->info.first_err)
        return sf_err_set(ec, f->info.first_err, "%s", f->info.first_msg);
    return 0;
}
