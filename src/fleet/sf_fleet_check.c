/*
 * sf_fleet_check.c - a baseline against the devices: finding the items,
 * matching each to its rule (the rows), grouping them by the update that
 * would bring them there (the groups), and telling what that update would
 * do.  See sf_fleet_int.h.
 *
 * How an item's action is found:
 *
 *   no rule matches ------------------------------------> no-rule
 *   the device cannot be read --------------------------> unknown (why)
 *   it runs the version the rule's package brings ------> none
 *   else the package is planned as a dry run on it:
 *     the engine would skip it (it runs that image) ----> none
 *     ... though it runs another (stored, not started) -> pending (why)
 *     the engine would write it ------------------------> update
 *     the engine refuses the version (downgrade,
 *     min_version) ------------------------------------> refused (why)
 *     the engine refuses anything else -----------------> unknown (why)
 *
 * The version order, min_version, the package's match to the device and
 * every other rule of an install are the engine's own, asked through a
 * dry-run plan: none of them is written twice.
 */
#define _GNU_SOURCE
#include "fleet/sf_fleet_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/sf_discover.h"
#include "util/sf_workers.h"

/* ---- rows and groups ---- */

struct sf_fleet_row *sf_fleet_new_row(struct sf_fleet *f)
{
    if (f->nrows == f->caprows) {
        size_t cap = f->caprows ? f->caprows * 2 : 32;
        struct sf_fleet_row *n = realloc(f->rows, cap * sizeof(*n));
        if (!n)
            return NULL;
        f->rows = n;
        f->caprows = cap;
    }
    struct sf_fleet_row *r = &f->rows[f->nrows++];
    memset(r, 0, sizeof(*r));
    r->action = SF_FLEET_UNKNOWN;
    r->outcome = SF_OUTCOME_PLANNED;
    return r;
}

struct sf_fleet_row *sf_fleet_item_row(struct sf_fleet *f, const struct sf_item_info *it)
{
    int board = !strcmp(it->cls, "redfish");
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        if (strcmp(r->target, it->target))
            continue;
        if (board ? !strcmp(r->component, it->logical_id) : !strcmp(r->item, it->name))
            return r;
    }
    return NULL;
}

int sf_fleet_todo(const struct sf_fleet *f, const struct sf_fleet_row *r, enum sf_fleet_pick k)
{
    switch (k) {
    case SF_PICK_CHECK: return r->action == SF_FLEET_UPDATE;
    case SF_PICK_INSTALL: return r->action == SF_FLEET_UPDATE && !r->applied;
    case SF_PICK_ACTIVATE:
        return r->action == SF_FLEET_PENDING && !r->applied && f->o.update.activate;
    }
    return 0;
}

size_t sf_fleet_pick(const struct sf_fleet *f, const struct sf_fgroup *g, enum sf_fleet_pick k,
                     const char **t)
{
    size_t n = 0;
    for (size_t j = 0; j < g->ntargets; j++) {
        const char *tg = g->targets[j];
        int want = 0;
        for (size_t i = 0; i < f->nrows && !want; i++) {
            const struct sf_fleet_row *r = &f->rows[i];
            if (strcmp(r->target, tg) || !sf_fleet_group_has(f, g, r))
                continue;
            want = sf_fleet_todo(f, r, k);
            /* A module of an enclosure another path of which needs it. */
            for (size_t m = 0; !want && r->logical_id[0] && !strcmp(r->cls, "ses") &&
                               m < f->nrows; m++) {
                const struct sf_fleet_row *o = &f->rows[m];
                want = !strcmp(o->logical_id, r->logical_id) && !strcmp(o->cls, "ses") &&
                       sf_fleet_group_has(f, g, o) && sf_fleet_todo(f, o, k);
            }
        }
        if (want)
            t[n++] = tg;
    }
    return n;
}

static void set_row_rule(struct sf_fleet *f, struct sf_fleet_row *r, const struct sf_bl_rule *ru)
{
    if (!ru) {
        r->action = SF_FLEET_NO_RULE;
        snprintf(r->reason, sizeof(r->reason), "no rule of the baseline matches %s %s%s%s",
                 r->vendor[0] ? r->vendor : "(no vendor)", r->product,
                 r->component[0] ? " " : "", r->component);
        return;
    }
    size_t k = (size_t)(ru - f->bl->rules);
    r->rule = (int)k + 1;
    snprintf(r->package, sizeof(r->package), "%s", ru->package);
    snprintf(r->desired, sizeof(r->desired), "%s", ru->version);
    const struct sf_package_manifest *m = &sf_package_info(f->pk[k])->manifest;
    if (ru->match.cls == SF_BL_REDFISH && !ru->match.component[0]) {
        /* A whole-board rule wants, per component, what its package brings. */
        const char *v = NULL;
        for (size_t i = 0; i < m->ncomponents && !v; i++)
            if (!strcasecmp(m->components[i].component, r->component))
                v = m->components[i].version;
        if (!v) {
            r->action = SF_FLEET_NO_RULE;
            r->rule = 0;
            r->desired[0] = '\0';
            snprintf(r->reason, sizeof(r->reason), "the package of rule %zu (%s) carries no "
                     "image for %s", k + 1, ru->package, r->component);
            r->package[0] = '\0';
            return;
        }
        snprintf(r->desired, sizeof(r->desired), "%s", v);
    }
    r->action = r->current[0] && !strcmp(r->current, r->desired) ? SF_FLEET_NONE
                                                                   : SF_FLEET_UPDATE;
}

/* The group of (rule, class, sub) - a new one when there is none. */
static struct sf_fgroup *group_for(struct sf_fleet *f, size_t rule, const struct sf_class *c,
                                   int sub, const char *target)
{
    /* One update per board and per flash (their targets are one device);
     * SCSI paths share their rule's update, SF_FLEET_MAX_TARGETS at a time
     * (a path stays in the group it joined first). */
    struct sf_fgroup *room = NULL;
    for (size_t i = 0; i < f->ng; i++) {
        struct sf_fgroup *g = &f->g[i];
        if (g->rule != rule || g->cls != c || g->sub != sub)
            continue;
        if (c != &sf_class_scsi) {
            if (!strcmp(g->targets[0], target))
                return g;
            continue;
        }
        for (size_t k = 0; k < g->ntargets; k++)
            if (!strcmp(g->targets[k], target))
                return g;
        if (!room && g->ntargets < SF_FLEET_MAX_TARGETS)
            room = g;
    }
    if (room)
        return room;
    struct sf_fgroup *n = realloc(f->g, (f->ng + 1) * sizeof(*n));
    if (!n)
        return NULL;
    f->g = n;
    struct sf_fgroup *g = &f->g[f->ng++];
    memset(g, 0, sizeof(*g));
    g->rule = rule;
    g->cls = c;
    g->sub = sub;
    return g;
}

static int group_add(struct sf_fgroup *g, const char *target)
{
    for (size_t i = 0; i < g->ntargets; i++)
        if (!strcmp(g->targets[i], target))
            return 0;
    if (g->ntargets == SF_FLEET_MAX_TARGETS)
        return SF_ERANGE;
    if (!(g->targets[g->ntargets] = strdup(target)))
        return SF_ENOMEM;
    g->ntargets++;
    return 0;
}

int sf_fleet_group_has(const struct sf_fleet *f, const struct sf_fgroup *g,
                       const struct sf_fleet_row *r)
{
    if (r->rule != (int)g->rule + 1)
        return 0;
    int t = 0;
    for (size_t i = 0; i < g->ntargets && !t; i++)
        t = !strcmp(g->targets[i], r->target);
    if (!t)
        return 0;
    if (g->cls == &sf_class_scsi && g->sub >= 0) {
        char name[48];
        snprintf(name, sizeof(name), "subenclosure %d", g->sub);
        return !strcmp(r->item, name);
    }
    if (g->cls == &sf_class_redfish) {
        for (size_t i = 0; i < g->nonly; i++)
            if (!strcasecmp(g->only[i], r->component))
                return 1;
        return 0;
    }
    (void)f;
    return 1;
}

void sf_fleet_update_options(const struct sf_fleet *f, const struct sf_fgroup *g, int dry_run,
                             struct sf_update_options *uo)
{
    *uo = f->o.update;
    uo->dry_run = dry_run;
    uo->allow_unsigned = f->o.allow_unsigned;
    uo->subenclosure = g->cls == &sf_class_scsi ? g->sub : -1;
    uo->layout = g->cls == &sf_class_flash ? f->layout[g->rule] : NULL;
    uo->confirmed = !dry_run;
    /* --jobs spreads enclosures and drives; a board's components share one
     * BMC session and a flash is one device: one after another.  A board's
     * host is reset once, after all its rules' images are staged (apply's
     * activation of the board), not by each install. */
    if (g->cls != &sf_class_scsi) {
        uo->jobs = 0;
        uo->parallel = 0;
    }
    if (g->cls == &sf_class_redfish)
        uo->activate = 0;
}

int sf_fleet_new_update(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                        int dry_run, const char *const *targets, size_t n, sf_update **out)
{
    return sf_fleet_new_update_ex(f, g, act, dry_run, !dry_run, targets, n, out);
}

int sf_fleet_new_update_ex(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                           int dry_run, int confirmed, const char *const *targets, size_t n,
                           sf_update **out)
{
    struct sf_update_options uo;
    sf_fleet_update_options(f, g, dry_run, &uo);
    uo.confirmed = confirmed;
    sf_update *u = NULL;
    int rc = sf_update_new(f->ctx, act, &uo, &u);
    if (!rc && act == SF_ACTION_INSTALL)
        rc = sf_update_set_image(u, f->pkg[g->rule]);
    for (size_t i = 0; !rc && i < n; i++)
        rc = sf_update_add_target(u, targets[i]);
    /* Enclosures and drives: a device's failure stops its own items, not
     * the other devices' (max_failures counts them). */
    if (!rc && g->cls == &sf_class_scsi)
        sf_update_set_pooled(u);
    if (!rc && g->nonly && act == SF_ACTION_INSTALL)
        rc = sf_update_only_components(u, g->only, g->nonly);
    if (rc) {
        sf_update_free(u);
        return rc;
    }
    *out = u;
    return 0;
}

/* ---- finding the items ---- */

static void row_from_item(struct sf_fleet_row *r, const struct sf_item *it)
{
    snprintf(r->target, sizeof(r->target), "%s", it->info.target);
    snprintf(r->cls, sizeof(r->cls), "%s", it->info.cls);
    snprintf(r->item, sizeof(r->item), "%s", it->info.name);
    snprintf(r->vendor, sizeof(r->vendor), "%s", it->board_vendor);
    snprintf(r->product, sizeof(r->product), "%s", it->board_product);
    snprintf(r->current, sizeof(r->current), "%s", it->info.version_before);
    if (!strcmp(it->info.cls, "redfish"))
        snprintf(r->component, sizeof(r->component), "%s", it->info.logical_id);
    else if (strcmp(it->info.cls, "flash"))
        snprintf(r->logical_id, sizeof(r->logical_id), "%s", it->info.logical_id);
}

static int unknown_row(struct sf_fleet *f, const char *target, const char *cls,
                       const char *item, const char *why)
{
    struct sf_fleet_row *r = sf_fleet_new_row(f);
    if (!r)
        return SF_ENOMEM;
    snprintf(r->target, sizeof(r->target), "%s", target);
    snprintf(r->cls, sizeof(r->cls), "%s", cls);
    snprintf(r->item, sizeof(r->item), "%s", item);
    snprintf(r->reason, sizeof(r->reason), "%s", why);
    return 0;
}

/* Open one device (targets of one class) and list its items: *items the
 * caller's, closed device. */
static int device_items(struct sf_fleet *f, const struct sf_class *c, const char *target,
                        const char *layout, struct sf_item **items, size_t *n,
                        struct sf_errctx *ec)
{
    struct sf_update_options uo = f->o.update;
    uo.layout = layout;
    uo.dry_run = 1;
    struct sf_class_req rq = { .ncomponents = 0 };
    struct sf_dev *d = NULL;
    const char *t[1] = { target };
    int rc = c->open(f->ctx, t, 1, &uo, &rq, &d, ec);
    if (rc)
        return rc;
    rc = c->items(d, items, n, ec);
    /* What the rows need is copied out before the device closes. */
    if (!rc)
        for (size_t i = 0; i < *n; i++)
            (*items)[i].cls_state = NULL;
    c->close(d);
    return rc;
}

static enum sf_bl_class bl_class_of(const char *cls)
{
    return sf_baseline_class_parse(cls);
}

/* The rows and groups of one SCSI path from its items (rc: how
 * identifying it went; items is freed). */
static int scsi_rows(struct sf_fleet *f, const char *target, struct sf_item *items, size_t n,
                     int rc, const struct sf_errctx *lec)
{
    if (rc == SF_ENOMEM)
        return rc;
    if (rc)
        return unknown_row(f, target, "scsi", "device", lec->msg[0] ? lec->msg : sf_err_str(rc));
    size_t first = f->nrows;
    for (size_t i = 0; i < n; i++) {
        struct sf_fleet_row *r = sf_fleet_new_row(f);
        if (!r) {
            free(items);
            return SF_ENOMEM;
        }
        row_from_item(r, &items[i]);
        set_row_rule(f, r, sf_baseline_match(f->bl, bl_class_of(r->cls), r->vendor, r->product,
                                             NULL));
    }
    /* Groups: the whole path when every item on it takes one rule, else
     * the subenclosures one by one. */
    int whole = n > 0;
    for (size_t i = first; i < f->nrows; i++)
        whole &= f->rows[i].rule && f->rows[i].rule == f->rows[first].rule;
    for (size_t i = first; i < f->nrows && !rc; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        if (!r->rule)
            continue;
        struct sf_fgroup *g = group_for(f, (size_t)r->rule - 1, &sf_class_scsi,
                                        whole || items[i - first].info.subenclosure < 0
                                        ? -1 : items[i - first].info.subenclosure, target);
        rc = g ? group_add(g, target) : SF_ENOMEM;
    }
    free(items);
    return rc;
}

/* Identifying SCSI paths, several at once (reads only): up to the
 * update's jobs, at least SF_FLEET_SCAN_JOBS. */
#define SF_FLEET_SCAN_JOBS 8
struct scan {
    struct sf_fleet *f;
    const char *const *t;
    struct sf_item **items;
    size_t *nitems;
    int *rc;
    struct sf_errctx *ec;
};

static void scan_one(void *arg, size_t i)
{
    struct scan *sc = arg;
    sc->rc[i] = device_items(sc->f, &sf_class_scsi, sc->t[i], NULL, &sc->items[i],
                             &sc->nitems[i], &sc->ec[i]);
}

static int scan_scsi(struct sf_fleet *f, const char *const *t, size_t n)
{
    if (!n)
        return 0;
    struct scan sc = { .f = f, .t = t };
    sc.items = calloc(n, sizeof(*sc.items));
    sc.nitems = calloc(n, sizeof(*sc.nitems));
    sc.rc = calloc(n, sizeof(*sc.rc));
    sc.ec = calloc(n, sizeof(*sc.ec));
    int rc = sc.items && sc.nitems && sc.rc && sc.ec ? 0 : SF_ENOMEM;
    if (!rc) {
        sf_workers_run(n, f->o.update.jobs > SF_FLEET_SCAN_JOBS ? f->o.update.jobs
                                                                : SF_FLEET_SCAN_JOBS,
                       scan_one, &sc);
        /* Rows in the order the paths were given or found. */
        for (size_t i = 0; i < n; i++) {
            int r = scsi_rows(f, t[i], sc.items[i], sc.nitems[i], sc.rc[i], &sc.ec[i]);
            sc.items[i] = NULL;
            if (r && !rc)
                rc = r;
        }
    }
    for (size_t i = 0; sc.items && i < n; i++)
        free(sc.items[i]);
    free(sc.items);
    free(sc.nitems);
    free(sc.rc);
    free(sc.ec);
    return rc;
}

static int scan_redfish(struct sf_fleet *f, const char *target)
{
    struct sf_item *items = NULL;
    size_t n = 0;
    struct sf_errctx lec = { 0 };
    int rc = device_items(f, &sf_class_redfish, target, NULL, &items, &n, &lec);
    if (rc == SF_ENOMEM)
        return rc;
    if (rc)
        return unknown_row(f, target, "redfish", "board", lec.msg[0] ? lec.msg
                                                                      : sf_err_str(rc));
    for (size_t i = 0; i < n && !rc; i++) {
        struct sf_fleet_row *r = sf_fleet_new_row(f);
        if (!r) {
            rc = SF_ENOMEM;
            break;
        }
        row_from_item(r, &items[i]);
        /* The component key first, then the inventory's name for it. */
        const struct sf_bl_rule *ru = sf_baseline_match(f->bl, SF_BL_REDFISH, r->vendor,
                                                        r->product, r->component);
        if (!ru || !ru->match.component[0]) {
            const struct sf_bl_rule *byname = sf_baseline_match(f->bl, SF_BL_REDFISH, r->vendor,
                                                                r->product, r->item);
            if (byname && byname->match.component[0])
                ru = byname;
        }
        set_row_rule(f, r, ru);
        if (!r->rule)
            continue;
        struct sf_fgroup *g = group_for(f, (size_t)r->rule - 1, &sf_class_redfish, -1, target);
        if (!g) {
            rc = SF_ENOMEM;
            break;
        }
        if (!g->ntargets && (rc = group_add(g, target)))
            break;
        /* The package's own spelling of the component. */
        const struct sf_package_manifest *m =
            &sf_package_info(f->pk[r->rule - 1])->manifest;
        for (size_t k = 0; k < m->ncomponents && g->nonly < 8; k++)
            if (!strcasecmp(m->components[k].component, r->component) ||
                !strcasecmp(m->components[k].component, f->bl->rules[r->rule - 1].match.component)) {
                int have = 0;
                for (size_t j = 0; j < g->nonly; j++)
                    have |= g->only[j] == m->components[k].component;
                if (!have)
                    g->only[g->nonly++] = m->components[k].component;
                g->has_bmc |= !strcasecmp(m->components[k].component, "bmc");
                break;
            }
    }
    free(items);
    return rc;
}

/* A flash target: read through each flash rule's layout that may apply,
 * until one rule's board matches what the layout names. */
static int scan_flash(struct sf_fleet *f, const char *target)
{
    struct sf_errctx lec = { 0 };
    int tried = 0;
    for (size_t k = 0; k < f->bl->nrules; k++) {
        const struct sf_bl_rule *ru = &f->bl->rules[k];
        if (ru->match.cls != SF_BL_FLASH || (ru->match.target[0] &&
                                             strcmp(ru->match.target, target)))
            continue;
        tried = 1;
        struct sf_item *items = NULL;
        size_t n = 0;
        int rc = device_items(f, &sf_class_flash, target, f->layout[k], &items, &n, &lec);
        if (rc == SF_ENOMEM)
            return rc;
        if (rc)
            continue;
        /* This rule itself, not the first with these patterns: its layout
         * is what was read. */
        int match = n && items[0].board_vendor[0] &&
                    !fnmatch(ru->match.vendor, items[0].board_vendor, 0) &&
                    !fnmatch(ru->match.product, items[0].board_product, 0);
        if (match) {
            struct sf_fleet_row *r = sf_fleet_new_row(f);
            if (!r) {
                free(items);
                return SF_ENOMEM;
            }
            row_from_item(r, &items[0]);
            set_row_rule(f, r, ru);
            struct sf_fgroup *g = group_for(f, k, &sf_class_flash, -1, target);
            rc = g ? group_add(g, target) : SF_ENOMEM;
            free(items);
            return rc;
        }
        free(items);
    }
    if (!tried)
        return unknown_row(f, target, "flash", "flash", "no flash rule of the baseline applies "
                           "to this target (a flash is read through a rule's layout)");
    return unknown_row(f, target, "flash", "flash", lec.msg[0] ? lec.msg
                       : "no flash rule's board matches what its layout reads");
}

/* ---- asking the engine ---- */

/* A dry-run plan of group g on targets: each of its rows to update becomes
 * none (the engine would skip it) or stays update; a refusal marks them
 * refused (a version) or unknown (anything else).  0, or SF_FLEET_SPLIT when a
 * refusal of several targets should be asked target by target. */
/* Does a target of group g belong to another group too (its
 * subenclosures take different rules)? */
static int shares_targets(const struct sf_fleet *f, const struct sf_fgroup *g)
{
    for (size_t gi = 0; gi < f->ng; gi++) {
        const struct sf_fgroup *o = &f->g[gi];
        if (o == g || o->cls != g->cls)
            continue;
        for (size_t a = 0; a < g->ntargets; a++)
            for (size_t b = 0; b < o->ntargets; b++)
                if (!strcmp(g->targets[a], o->targets[b]))
                    return 1;
    }
    return 0;
}

static int ask_engine(struct sf_fleet *f, struct sf_fgroup *g, const char *const *targets,
                      size_t n, int may_keep)
{
    sf_update *u = NULL;
    struct sf_errctx lec = { 0 };
    /* Apply's own check plans an enclosure's or drive's install for real
     * (nothing is written by a plan, nothing is journaled yet) and keeps
     * it for apply to run: the same answers, one identification fewer.
     * Not when another group's update touches one of its paths first (the
     * plan would be stale by then), nor boards and flash, planned again
     * when their turn comes (a BMC's reset in between ends its sessions). */
    int keep = may_keep && f->o.apply && g->cls == &sf_class_scsi && !g->planned &&
               !shares_targets(f, g);
    int rc = keep ? sf_fleet_new_update_ex(f, g, SF_ACTION_INSTALL, f->o.update.dry_run, 0,
                                           targets, n, &u)
                  : sf_fleet_new_update(f, g, SF_ACTION_INSTALL, 1, targets, n, &u);
    if (!rc)
        rc = sf_update_plan(u, &lec);
    if (rc == SF_ENOMEM) {
        sf_update_free(u);
        return rc;
    }
    if (rc && n > 1) {
        sf_update_free(u);
        return SF_FLEET_SPLIT;
    }
    for (size_t i = 0; i < f->nrows; i++) {
        struct sf_fleet_row *r = &f->rows[i];
        int mine = 0;
        for (size_t k = 0; k < n && !mine; k++)
            mine = !strcmp(r->target, targets[k]);
        if (!mine || r->action != SF_FLEET_UPDATE || !sf_fleet_group_has(f, g, r))
            continue;
        if (rc) {
            r->action = rc == SF_EVERSION ? SF_FLEET_REFUSED : SF_FLEET_UNKNOWN;
            snprintf(r->reason, sizeof(r->reason), "%s", lec.msg[0] ? lec.msg : sf_err_str(rc));
            r->err = rc;
            /* For apply, the refusals that are about now, not about the
             * package (another safeflash, another host's download, the
             * state directory), are its own: said and counted. */
            if (f->o.apply && (rc == SF_ELOCKED || rc == SF_EBUSY || rc == SF_EJOURNAL ||
                               rc == SF_EUNFINISHED || rc == SF_ECHANGED || rc == SF_ESTATE) &&
                !f->info.first_err) {
                f->info.first_err = rc;
                snprintf(f->info.first_msg, sizeof(f->info.first_msg), "%s", r->reason);
            }
            continue;
        }
        const struct sf_item_info *it = NULL;
        for (size_t k = 0; k < sf_update_count(u) && !it; k++) {
            const struct sf_item_info *x = sf_update_item(u, k);
            if (sf_fleet_item_row(f, x) == r)
                it = x;
        }
        if (!it) {
            r->action = SF_FLEET_UNKNOWN;
            snprintf(r->reason, sizeof(r->reason), "the plan of rule %d (%s) does not cover it",
                     r->rule, r->package);
        } else if (it->outcome == SF_OUTCOME_STORED ||
                   it->outcome == SF_OUTCOME_PENDING_RESET ||
                   (it->outcome == SF_OUTCOME_SKIPPED && it->version_new[0] &&
                    strcmp(it->version_before, it->version_new))) {
            /* Skipped, yet runs something else: stored, waiting to start. */
            r->action = SF_FLEET_PENDING;
            snprintf(r->reason, sizeof(r->reason), "%s", it->message);
        } else if (it->outcome == SF_OUTCOME_SKIPPED) {
            r->action = SF_FLEET_NONE;
        }
    }
    sf_fleet_plan_warnings(f, u);
    /* Kept only when it has something left to write. */
    const char *t[SF_FLEET_MAX_TARGETS];
    if (keep && !rc && sf_fleet_pick(f, g, SF_PICK_INSTALL, t)) {
        g->planned = u;
        g->nplanned = n;
        memcpy(g->planned_t, targets, n * sizeof(*targets));
    } else {
        sf_update_free(u);
    }
    return 0;
}

static int plan_groups(struct sf_fleet *f)
{
    for (size_t gi = 0; gi < f->ng; gi++) {
        struct sf_fgroup *g = &f->g[gi];
        /* Only the targets holding a row to update (and their enclosure's
         * other paths): a compliant device is not identified twice. */
        const char *t[SF_FLEET_MAX_TARGETS];
        size_t n = sf_fleet_pick(f, g, SF_PICK_CHECK, t);
        if (!n)
            continue;
        int rc = ask_engine(f, g, t, n, 1);
        /* Refused: each target on its own, for the reasons - dry runs
         * only (apply plans those again when their turn comes). */
        for (size_t k = 0; rc == SF_FLEET_SPLIT && k < n; k++)
            if (ask_engine(f, g, &t[k], 1, 0) == SF_ENOMEM)
                return SF_ENOMEM;
        if (rc == SF_ENOMEM)
            return rc;
    }
    return 0;
}

static void count(struct sf_fleet *f)
{
    struct sf_fleet_info *in = &f->info;
    in->items = f->nrows;
    in->none = in->update = in->refused = in->unknown = in->no_rule = in->pending = 0;
    for (size_t i = 0; i < f->nrows; i++)
        switch (f->rows[i].action) {
        case SF_FLEET_NONE: in->none++; break;
        case SF_FLEET_UPDATE: in->update++; break;
        case SF_FLEET_REFUSED: in->refused++; break;
        case SF_FLEET_UNKNOWN: in->unknown++; break;
        case SF_FLEET_NO_RULE: in->no_rule++; break;
        case SF_FLEET_PENDING: in->pending++; break;
        }
}

int sf_fleet_check(sf_fleet *f, struct sf_errctx *ec)
{
    if (!f || f->checked)
        return SF_EINVAL;
    f->checked = 1;
    int rc = 0;
    const char **scsi = NULL;
    size_t nscsi = 0;
    if (!f->ntargets) {
        /* Every local SCSI device (the candidates `list --all` reads:
         * identified once, below, as the class opens them), and the flash
         * targets the rules name. */
        struct sf_candidate *cands = NULL;
        size_t nc = 0;
        if ((rc = sf_discover(f->ctx, 1, &cands, &nc, ec)))
            return rc;
        if (!(scsi = calloc(nc ? nc : 1, sizeof(*scsi))))
            rc = SF_ENOMEM;
        for (size_t i = 0; !rc && i < nc; i++) {
            if ((scsi[nscsi] = strdup(cands[i].path)))
                nscsi++;
            else
                rc = SF_ENOMEM;
        }
        free(cands);
        if (!rc)
            rc = scan_scsi(f, scsi, nscsi);
        for (size_t k = 0; !rc && k < f->bl->nrules; k++) {
            const char *t = f->bl->rules[k].match.target;
            int seen = !t[0];
            for (size_t j = 0; j < k && !seen; j++)
                seen = !strcmp(f->bl->rules[j].match.target, t);
            if (!seen)
                rc = scan_flash(f, t);
        }
    }
    /* Named targets: the SCSI paths together, then flash and boards. */
    const char *named[SF_FLEET_MAX_TARGETS];
    size_t nnamed = 0;
    for (size_t i = 0; i < f->ntargets; i++)
        if (sf_update_class_for(f->targets[i]) == &sf_class_scsi)
            named[nnamed++] = f->targets[i];
    if (!rc)
        rc = scan_scsi(f, named, nnamed);
    for (size_t i = 0; !rc && i < f->ntargets; i++) {
        const struct sf_class *c = sf_update_class_for(f->targets[i]);
        if (c == &sf_class_redfish)
            rc = scan_redfish(f, f->targets[i]);
        else if (c == &sf_class_flash)
            rc = scan_flash(f, f->targets[i]);
    }
    for (size_t i = 0; i < nscsi; i++)
        free((char *)scsi[i]);
    free(scsi);
    if (!rc)
        rc = plan_groups(f);
    if (rc)
        return sf_err_set(ec, rc, "%s", sf_err_str(rc));
    count(f);
    return 0;
}
