/*
 * sf_update.c - the update engine: targets, the plan and every check that
 * comes before a write.  See sf_update.h for the procedure and
 * sf_journal.h for what the journal guarantees.
 */
#include "engine/sf_update.h"

#include <json-c/json.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/sf_ctx.h"
#include "state/sf_lock.h"

/* Flash claims its prefixes; SCSI claims every other path: last. */
static const struct sf_class *const classes[] = { &sf_class_flash, &sf_class_redfish,
                                                  &sf_class_scsi };

const struct sf_class *sf_update_class_for(const char *target)
{
    for (size_t i = 0; target && i < sizeof(classes) / sizeof(classes[0]); i++)
        if (classes[i]->claims(target))
            return classes[i];
    return NULL;
}

int sf_target_is_engine(const char *target)
{
    return sf_update_class_for(target) != NULL;
}

const char *sf_outcome_str(enum sf_outcome o)
{
    switch (o) {
    case SF_OUTCOME_PLANNED: return "planned";
    case SF_OUTCOME_UPDATED: return "updated";
    case SF_OUTCOME_REPAIRED: return "repaired";
    case SF_OUTCOME_SKIPPED: return "skipped";
    case SF_OUTCOME_DRY_RUN: return "dry-run";
    case SF_OUTCOME_FAILED: return "failed";
    case SF_OUTCOME_NOT_ATTEMPTED: return "not-attempted";
    case SF_OUTCOME_STORED: return "stored";
    case SF_OUTCOME_PENDING_RESET: return "pending-reset";
    case SF_OUTCOME_NOTHING: return "nothing-to-activate";
    }
    return "unknown";
}

void sf_update_options_init(struct sf_update_options *o)
{
    memset(o, 0, sizeof(*o));
    o->version = SF_UPDATE_OPTIONS_VERSION;
    o->subenclosure = -1;
}

void sf_update_warn(struct sf_update *u, const char *fmt, ...)
{
    if (u->nwarn >= SF_UPDATE_MAX_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->warnbuf[u->nwarn], sizeof(u->warnbuf[0]), fmt, ap);
    va_end(ap);
    u->warn[u->nwarn] = u->warnbuf[u->nwarn];
    u->nwarn++;
    u->warn[u->nwarn] = NULL;
}

static int dup_opt(char **dst, const char **field)
{
    if (!*field)
        return 0;
    *dst = strdup(*field);
    if (!*dst)
        return SF_ENOMEM;
    *field = *dst;
    return 0;
}

int sf_update_new(sf_ctx *ctx, enum sf_action action, const struct sf_update_options *o,
                  sf_update **out)
{
    if (!ctx || !out || (action != SF_ACTION_INSTALL && action != SF_ACTION_REPAIR &&
                         action != SF_ACTION_RESUME && action != SF_ACTION_ACTIVATE) ||
        (o && o->version != SF_UPDATE_OPTIONS_VERSION))
        return SF_EINVAL;
    *out = NULL;
    struct sf_update *u = calloc(1, sizeof(*u));
    if (!u)
        return SF_ENOMEM;
    u->ctx = ctx;
    u->action = action;
    if (o)
        u->o = *o;
    else
        sf_update_options_init(&u->o);
    if (dup_opt(&u->layout, &u->o.layout) || dup_opt(&u->image_version, &u->o.image_version) ||
        dup_opt(&u->mode, &u->o.mode) || dup_opt(&u->expect_revision, &u->o.expect_revision) ||
        dup_opt(&u->vendor, &u->o.vendor) || dup_opt(&u->product, &u->o.product) ||
        dup_opt(&u->ca_file, &u->o.ca_file) || dup_opt(&u->pin, &u->o.pin)) {
        sf_update_free(u);
        return SF_ENOMEM;
    }
    snprintf(u->item_action, sizeof(u->item_action), "%s", action == SF_ACTION_REPAIR ? "repair"
             : action == SF_ACTION_ACTIVATE ? "activate" : "install");
    u->warn[0] = NULL;
    *out = u;
    return 0;
}

int sf_update_set_image(sf_update *u, const char *path)
{
    if (!u || !path || u->image || u->action != SF_ACTION_INSTALL || u->planned)
        return SF_EINVAL;
    u->image = strdup(path);
    return u->image ? 0 : SF_ENOMEM;
}

int sf_update_add_image(sf_update *u, const char *path, const char *component, const char *pull)
{
    if (!u || !component || !*component || strlen(component) > 16 || !path == !pull ||
        u->action != SF_ACTION_INSTALL || u->planned || u->ncimg == 8 ||
        (pull && strlen(pull) >= sizeof(((struct sf_item *)0)->pull)))
        return SF_EINVAL;
    struct sf_cimg *c = &u->cimg[u->ncimg];
    c->comp = strdup(component);
    c->path = path ? strdup(path) : NULL;
    c->pull = pull ? strdup(pull) : NULL;
    u->ncimg++;
    return c->comp && (c->path || c->pull) ? 0 : SF_ENOMEM;
}

/* Redfish: each component's image (raw, or a URL the BMC pulls), or a
 * package's components; open() is told which. */
static int load_components(struct sf_update *u, struct sf_errctx *ec)
{
    if (u->ncimg && u->cls != &sf_class_redfish)
        return sf_err_set(ec, SF_EINVAL, "%s: images for named components are for Redfish "
                          "boards", u->targets[0]);
    if (u->ncimg && u->image)
        return sf_err_set(ec, SF_EINVAL, "a package names its own components: give one package, "
                          "or raw images with a component each");
    for (size_t i = 0; i < u->ncimg; i++) {
        struct sf_cimg *c = &u->cimg[i];
        if (c->path) {
            int rc = sf_what_load(u->ctx, c->path, &u->o, 1, &c->w, ec);
            if (rc == 0 && c->w.is_pkg)
                rc = sf_err_set(ec, SF_EINVAL, "%s: a package names its own components: give "
                                "it alone, without a component", c->path);
            if (rc)
                return rc;
            if (c->sha[0] && strcmp(c->sha, c->w.raw_sha))
                return sf_err_set(ec, SF_EINTEGRITY, "%s changed since the interrupted run "
                                  "began: not continuing with it", c->path);
            snprintf(u->rqbuf[i], sizeof(u->rqbuf[i]), "%s", c->comp);
        } else {
            snprintf(u->rqbuf[i], sizeof(u->rqbuf[i]), "%s pull %s", c->comp, c->pull);
        }
        u->rq.components[i] = u->rqbuf[i];
    }
    u->rq.ncomponents = u->ncimg;
    int raw = 0;
    for (size_t i = 0; i < u->ncimg; i++)
        raw |= u->cimg[i].path != NULL;
    if (raw)
        sf_update_warn(u, "raw images: nothing checks that they are meant for this board or "
                       "that they are intact; prefer a signed package");
    const struct sf_manifest *m = u->what.is_pkg ? &u->what.pkg->man : NULL;
    size_t n = 0;
    for (size_t i = 0; m && i < m->ncomponents && n < 8; i++) {
        int take = !u->nonly;
        for (size_t k = 0; k < u->nonly; k++)
            take |= !strcasecmp(u->only[k], m->components[i].component);
        if (!take)
            continue;
        snprintf(u->rqbuf[n], sizeof(u->rqbuf[n]), "%s", m->components[i].component);
        u->rq.components[n] = u->rqbuf[n];
        u->rq.ncomponents = ++n;
    }
    if (m && u->nonly && !n)
        return sf_err_set(ec, SF_EMISMATCH, "%s carries none of the components asked for (%s%s)",
                          u->image, u->only[0], u->nonly > 1 ? " ..." : "");
    return 0;
}

int sf_update_only_components(struct sf_update *u, const char *const *names, size_t n)
{
    if (!u || u->planned || n > 8)
        return SF_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || strlen(names[i]) >= sizeof(u->only[0]))
            return SF_EINVAL;
        snprintf(u->only[i], sizeof(u->only[i]), "%s", names[i]);
    }
    u->nonly = n;
    return 0;
}

void sf_update_set_max_failures(struct sf_update *u, unsigned n)
{
    if (u)
        u->max_failures = n;
}

void sf_update_set_pooled(struct sf_update *u)
{
    if (u)
        u->pooled = 1;
}

int sf_update_add_target(sf_update *u, const char *target)
{
    if (!u || !target || u->planned || u->ntargets == SF_UPDATE_MAX_TARGETS ||
        strlen(target) >= sizeof(((struct sf_item_info *)0)->target))
        return SF_EINVAL;
    const struct sf_class *c = sf_update_class_for(target);
    if (!c || (u->cls && c != u->cls))
        return SF_EINVAL;
    for (size_t i = 0; i < u->ntargets; i++)
        if (!strcmp(u->targets[i], target))
            return SF_EINVAL;
    u->targets[u->ntargets] = strdup(target);
    if (!u->targets[u->ntargets])
        return SF_ENOMEM;
    u->ntargets++;
    u->cls = c;
    return 0;
}

/* Another safeflash working on the device now would make its own
 * unfinished attempt look interrupted: ask the locks (taken for real by
 * the run) before judging anything. */
static int probe_locks(struct sf_update *u, struct sf_errctx *ec)
{
    int locks[SF_UPDATE_MAX_TARGETS];
    size_t n = 0;
    int rc = sf_update_lock(u, locks, &n, ec);
    for (size_t i = 0; i < n; i++)
        sf_lock_release(locks[i]);
    return rc;
}

/* jobs with parallel: two paths of one device run at once - say so. */
static void warn_parallel(struct sf_update *u)
{
    if (!u->o.parallel || u->o.jobs <= 1)
        return;
    for (size_t i = 0; i < u->nitems; i++)
        for (size_t k = i + 1; k < u->nitems; k++)
            if (strcmp(u->items[i].info.target, u->items[k].info.target) &&
                !strcmp(sf_item_id(u, &u->items[i]), sf_item_id(u, &u->items[k]))) {
                sf_update_warn(u, "--parallel: %s and %s are modules of one enclosure and are "
                               "updated at the same time: while both restart, the enclosure "
                               "has no working path and no redundancy", u->items[i].info.target,
                               u->items[k].info.target);
                return;
            }
}

static void fill_image_info(struct sf_update *u)
{
    struct sf_image_info *ii = &u->image_info;
    ii->is_package = u->what.is_pkg;
    snprintf(ii->version, sizeof(ii->version), "%s", u->what.version);
    snprintf(ii->signer, sizeof(ii->signer), "%s", u->what.signer);
    if (u->what.is_pkg) {
        snprintf(ii->vendor, sizeof(ii->vendor), "%s", u->what.pkg->man.vendor);
        snprintf(ii->product, sizeof(ii->product), "%s", u->what.pkg->man.product);
    }
    if (u->nitems && u->items[0].board_vendor[0])
        snprintf(ii->board, sizeof(ii->board), "%s %s", u->items[0].board_vendor,
                 u->items[0].board_product);
}

static int plan_inner(sf_update *u, struct sf_errctx *ec);

/* Does the journal hold a run that did not end (interrupted or paused)? */
static int open_run_exists(struct sf_update *u)
{
    struct sf_journal *j = NULL;
    struct sf_errctx ec = { 0 };
    struct sf_run r;
    int yes = sf_journal_open_existing(u->ctx, &j, &ec) == 0 && j &&
              sf_history_run_to_resume(sf_journal_history(j), &r) == 0;
    sf_journal_close(j);
    return yes;
}

int sf_update_plan(sf_update *u, struct sf_errctx *ec)
{
    if (!u || u->planned)
        return SF_EINVAL;
    int rc = plan_inner(u, ec);
    if (rc && u->early_lost) {
        /* Killed while its devices were identified, before the image was
         * staged, and the file is gone too: nothing was written anywhere,
         * and nothing can continue it. */
        char m[sizeof(ec->msg)];
        snprintf(m, sizeof(m), "run %s was interrupted before its image was staged, and %s; "
                 "nothing was written to any device: install again", u->res.run, ec->msg);
        u->early_reopened = 0;
        sf_update_end_early(u, "abandoned", m);
        sf_err_set(ec, rc, "%s", m);
    } else if (rc) {
        sf_update_join_stage(u, NULL);
        sf_update_end_early(u, "refused", ec->msg[0] ? ec->msg : sf_err_str(rc));
    }
    return rc;
}

static int plan_inner(sf_update *u, struct sf_errctx *ec)
{
    int rc = 0;
    if (u->action == SF_ACTION_RESUME && u->ntargets) {
        rc = sf_update_adopt_early(u, ec);
        if (rc && rc != SF_ENODEV)
            return rc;
        rc = 0;
    }
    if (u->action == SF_ACTION_RESUME && !u->ntargets) {
        rc = sf_update_find_run(u, ec);
        if (rc || !u->ntargets) {
            u->planned = !rc;
            return rc;
        }
    }
    if (!u->ntargets)
        return sf_err_set(ec, SF_EINVAL, "no target");
    if (u->action == SF_ACTION_INSTALL) {
        if (!u->image && !u->ncimg)
            return sf_err_set(ec, SF_EINVAL, "no image to install");
        int bmc = u->cls == &sf_class_redfish;
        if (u->image && bmc && sf_pkg_is_package(u->image, NULL) == 0)
            return sf_err_set(ec, SF_EINVAL, "%s: a raw image for a BMC needs the component it "
                              "is for (--component bmc|bios|me|ID)", u->image);
        rc = u->image ? sf_what_load(u->ctx, u->image, &u->o, bmc, &u->what, ec) : 0;
        if (!rc)
            rc = load_components(u, ec);
        if (rc)
            return rc;
        if (u->what.warning[0])
            sf_update_warn(u, "%s", u->what.warning);
        const char *got = u->what.is_pkg ? u->what.package_sha : u->what.raw_sha;
        if (u->image && u->reopen_sha[0] && strcmp(u->reopen_sha, got))
            return sf_err_set(ec, SF_EINTEGRITY, "%s changed since the interrupted run began "
                              "(SHA-256 %.16s..., then %.16s...): not continuing with it",
                              u->image, got, u->reopen_sha);
        const struct sf_manifest *m = u->what.is_pkg ? &u->what.pkg->man : NULL;
        if (m && u->cls->pkg_revision && !m->revision[0])
            return sf_err_set(ec, SF_EMISMATCH, "%s: version %s has no 4-character \"revision\": "
                              "SES processors and drives report 4 characters, so it cannot be "
                              "checked or verified on them (a package for board flash?)",
                              u->image, m->version);
        if (m && m->mode[0] && !u->o.mode) {
            /* The package says how its images download, unless the caller did. */
            if (!(u->mode = strdup(m->mode)))
                return SF_ENOMEM;
            u->o.mode = u->mode;
        }
    }
    if (u->o.confirmed && !u->o.dry_run && !u->early &&
        (u->action == SF_ACTION_INSTALL || u->action == SF_ACTION_ACTIVATE) &&
        (rc = sf_update_early_record(u, ec)) != 0)
        return rc;
    u->rq.patient = u->action == SF_ACTION_RESUME || u->early_reopened || open_run_exists(u);
    rc = u->cls->open(u->ctx, (const char *const *)u->targets, u->ntargets, &u->o, &u->rq,
                      &u->dev, ec);
    if (rc)
        return rc;
    u->cls->identity(u->dev, u->id, u->keys, &u->nkeys, &u->lock_what);
    rc = u->cls->items(u->dev, &u->items, &u->nitems, ec);
    if (!rc && !u->o.dry_run)
        rc = probe_locks(u, ec);
    if (rc)
        return rc;
    struct sf_journal *j = NULL;
    rc = sf_journal_open_existing(u->ctx, &j, ec);
    if (rc && !u->o.dry_run)
        return rc;
    if (u->action == SF_ACTION_INSTALL)
        rc = sf_update_plan_install(u, j, ec);
    else if (u->action == SF_ACTION_ACTIVATE)
        rc = sf_update_plan_activate(u, j, ec);
    else if (u->action == SF_ACTION_RESUME)
        rc = sf_update_plan_resume(u, j, ec);
    else
        rc = sf_update_plan_repair(u, j, ec);
    sf_journal_close(j);
    if (rc)
        return rc;
    fill_image_info(u);
    sf_update_make_request(u, NULL);
    warn_parallel(u);
    u->res.items = u->nitems;
    u->planned = 1;
    return 0;
}

int sf_update_recheck(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    struct sf_item *now = NULL;
    size_t n = 0;
    int rc = u->cls->items(u->dev, &now, &n, ec);
    for (size_t i = 0; !rc && i < u->nitems; i++) {
        const struct sf_item *it = &u->items[i];
        for (size_t k = 0; k < n && !rc; k++) {
            if (now[k].sub != it->sub || strcmp(now[k].id, it->id) ||
                strcmp(now[k].info.target, it->info.target))
                continue;
            if (strcmp(now[k].info.version_before, it->info.version_before))
                rc = sf_err_set(ec, SF_ECHANGED, "%s %s %s now, not %s as planned: another update "
                                "ran meanwhile; plan again (nothing was written)",
                                it->info.target, u->cls->runs,
                                now[k].info.version_before[0] ? now[k].info.version_before
                                                              : "nothing",
                                it->info.version_before[0] ? it->info.version_before
                                                           : "nothing");
        }
        struct sf_prior p;
        struct sf_unfinished other[8];
        size_t nother = 0;
        if (!rc && sf_update_unfinished(j, sf_item_id(u, it), it->sub, NULL, &p, other, &nother, NULL))
            rc = sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read; nothing was written");
        if (!rc && p.id && p.id != it->prior.id) {
            int abandoned = 0;
            for (size_t a = 0; a < u->nabandon; a++)
                abandoned |= u->abandon[a] == p.id;
            if (!abandoned)
                rc = sf_err_set(ec, SF_ECHANGED, "%s: attempt #%lld was recorded since the plan "
                                "(another update ran meanwhile); plan again (nothing was written)",
                                it->info.target, (long long)p.id);
        }
    }
    free(now);
    return rc;
}

size_t sf_update_count(const sf_update *u)
{
    return u ? u->nitems : 0;
}

const struct sf_item_info *sf_update_item(const sf_update *u, size_t i)
{
    return u && i < u->nitems ? &u->items[i].info : NULL;
}

const char *const *sf_update_warnings(const sf_update *u)
{
    static const char *const none[] = { NULL };
    return u ? u->warn : none;
}

const struct sf_image_info *sf_update_image(const sf_update *u)
{
    static const struct sf_image_info none;
    return u ? &u->image_info : &none;
}

const struct sf_update_result *sf_update_result(const sf_update *u)
{
    static const struct sf_update_result none;
    return u ? &u->res : &none;
}

void sf_update_free(sf_update *u)
{
    if (!u)
        return;
    sf_update_join_stage(u, NULL);
    if (!u->ran)
        sf_update_end_early(u, "abandoned", "planned, not run");
    if (u->dev)
        u->cls->close(u->dev);
    free(u->items);
    sf_what_free(&u->what);
    for (size_t i = 0; u->staged && i < u->nitems; i++)
        sf_what_free(&u->staged[i]);
    free(u->staged);
    for (size_t i = 0; i < u->ntargets; i++)
        free(u->targets[i]);
    free(u->image);
    for (size_t i = 0; i < u->ncimg; i++) {
        free(u->cimg[i].path);
        free(u->cimg[i].comp);
        free(u->cimg[i].pull);
        sf_what_free(&u->cimg[i].w);
    }
    free(u->layout);
    free(u->image_version);
    free(u->mode);
    free(u->expect_revision);
    free(u->vendor);
    free(u->product);
    free(u->ca_file);
    free(u->pin);
    free(u);
}
