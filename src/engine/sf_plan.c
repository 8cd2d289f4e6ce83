/*
 * sf_plan.c - the plan's checks for each action (sf_update.h): which
 * image each item gets and every policy check on it (install), what was
 * stored for an activation, what a resume continues and from which staged
 * image, what a repair finishes.  Reads the journal; writes nothing.
 */
#include "engine/sf_update.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_ctx.h"
#include "pkg/sf_crypto.h"

/* The newest unfinished attempt on (device, sub): into p (id 0 when none);
 * others[] collects the unfinished attempts of other images. */
int sf_update_unfinished(struct sf_journal *j, const char *id, int sub, const char *sha,
                      struct sf_prior *p, struct sf_unfinished *other, size_t *nother,
                      struct sf_unfinished *mine)
{
    memset(p, 0, sizeof(*p));
    *nother = 0;
    if (!j)
        return 0;
    struct sf_unfinished all[8];
    size_t n = 0;
    if (sf_history_unfinished(sf_journal_history(j), id, all, 8, &n))
        return SF_EJOURNAL;
    for (size_t k = 0; k < n; k++) {
        if (all[k].sub != sub)
            continue;
        if (!sha || !strcmp(all[k].image_sha, sha)) {
            if (p->id)
                continue; /* the newest one counts */
            p->id = all[k].id;
            snprintf(p->action, sizeof(p->action), "%s", all[k].action);
            snprintf(p->phase, sizeof(p->phase), "%s", all[k].phase);
            snprintf(p->from_version, sizeof(p->from_version), "%s", all[k].from_rev);
            snprintf(p->version, sizeof(p->version), "%s", all[k].expected_rev);
            snprintf(p->image_sha256, sizeof(p->image_sha256), "%s", all[k].image_sha);
            snprintf(p->mode, sizeof(p->mode), "%s", all[k].mode);
            if (mine)
                *mine = all[k];
        } else {
            other[(*nother)++] = all[k];
        }
    }
    return 0;
}

/* Version order for an item that starts fresh: no downgrade unless asked,
 * nothing below the package's min_version. */
static int check_versions(struct sf_update *u, struct sf_item *it, struct sf_errctx *ec)
{
    const char *cur = it->info.version_before, *runs = u->cls->runs;
    if (!cur[0] || !it->version[0])
        return 0; /* nothing valid runs: anything valid is better */
    /* A device of named components (a BMC's) says which one. */
    char who[320];
    snprintf(who, sizeof(who), "%s%s%s", it->info.target, u->rq.ncomponents ? ": " : "",
             u->rq.ncomponents ? it->info.name : "");
    if (sf_version_cmp(cur, it->version) > 0 && !u->o.allow_downgrade)
        return sf_err_set(ec, SF_EVERSION, "%s %s %s, newer than %s: refusing a downgrade "
                          "(--allow-downgrade overrides); nothing was written", who,
                          runs, cur, it->version);
    const char *minv = u->what.min_version;
    if (minv[0] && sf_version_cmp(cur, minv) < 0)
        return sf_err_set(ec, SF_EVERSION, "%s %s %s, below this package's minimum %s: install "
                          "%s first, then this package (%s -> %s -> %s); nothing was written",
                          who, runs, cur, minv, minv, cur, minv, it->version);
    return 0;
}

static void set_image(struct sf_item *it, const uint8_t *img, size_t len, const char *sha,
                      const char *version)
{
    it->img = img;
    it->len = len;
    snprintf(it->version, sizeof(it->version), "%s", version);
    snprintf(it->info.version_new, sizeof(it->info.version_new), "%s", version);
    snprintf(it->info.image_sha256, sizeof(it->info.image_sha256), "%s", sha);
    it->info.image_size = len;
}

/* The version an item must run after an install: the package's (its
 * "revision" for classes whose items report that), else what the caller
 * said the raw image carries ("" for a SCSI raw image: it must change). */
static const char *install_version(const struct sf_update *u)
{
    if (u->o.expect_revision && *u->o.expect_revision)
        return u->o.expect_revision;
    if (u->cls->pkg_revision)
        return u->what.is_pkg ? u->what.pkg->man.revision : "";
    return u->what.version;
}

/* Decided by the plan, nothing to run: SKIPPED with why. */
static int skip(struct sf_item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int skip(struct sf_item *it, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->info.message, sizeof(it->info.message), fmt, ap);
    va_end(ap);
    it->info.outcome = SF_OUTCOME_SKIPPED;
    snprintf(it->info.version_after, sizeof(it->info.version_after), "%s",
             it->info.version_before);
    return 1;
}

/* An item that needs nothing: it runs the package's version already, or
 * (deferred microcode) a finished attempt stored this very image and
 * nothing ran since - never download it twice.  1 when skipped. */
static int already_done(struct sf_update *u, struct sf_journal *j, struct sf_item *it,
                        struct sf_errctx *ec)
{
    const char *cur = it->info.version_before;
    if (u->cls->skip_same && u->what.is_pkg && it->version[0] &&
        sf_version_cmp(cur, it->version) == 0)
        return skip(it, "already runs %s: skipped", it->version);
    struct sf_last_attempt la;
    int rc = j && u->cls->skip_same && !u->o.restart
                 ? sf_history_last(sf_journal_history(j), sf_item_id(u, it), it->sub, &la)
                 : SF_ENODEV;
    if (rc && rc != SF_ENODEV)
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    if (!rc && !strcmp(la.result, "stored") && !strcmp(la.image_sha, it->info.image_sha256) &&
        !strcmp(la.from_rev, cur) && u->cls->holds) {
        /* Stored where a reset can drop it (a BMC's RAM): the device
         * decides, not the journal. */
        struct sf_prior sp = { .id = la.id };
        snprintf(sp.from_version, sizeof(sp.from_version), "%s", la.from_rev);
        snprintf(sp.version, sizeof(sp.version), "%s", la.expected_rev);
        snprintf(sp.image_sha256, sizeof(sp.image_sha256), "%s", la.image_sha);
        char why[300] = "";
        enum sf_held h = u->cls->holds(u->dev, it, &sp, why, sizeof(why));
        if (h == SF_HOLDS_GONE) {
            it->stored = sp; /* pushed again, saying why */
            return 0;
        }
        if (h == SF_HOLDS_STORED && u->o.activate && u->cls->finish) {
            it->action = SF_ACTION_ACTIVATE; /* only the activation is left */
            it->stored = sp;
            snprintf(it->info.plan, sizeof(it->info.plan), "stored already by attempt #%lld, and "
                     "the device still holds it: only its activation is left", (long long)la.id);
            return 0;
        }
        if (h == SF_HOLDS_STORED) {
            skip(it, "already staged by attempt #%lld, and the device still holds it: '%s' "
                 "applies it", (long long)la.id, it->activate_cmd);
            it->info.outcome = SF_OUTCOME_STORED;
            return 1;
        }
        return skip(it, "already runs it: attempt #%lld stored it (%s)", (long long)la.id, why);
    }
    if (!rc && !strcmp(la.result, "stored") && !strcmp(la.image_sha, it->info.image_sha256) &&
        !strcmp(la.from_rev, cur))
        return skip(it, "already stored by attempt #%lld: '%s' starts it (or --restart sends "
                    "it again)", (long long)la.id, it->activate_cmd);
    /* The same command again after an interruption: the run that was
     * stopped put this very image here and it still runs what that attempt
     * verified (a raw image names no version to compare: the journal is
     * what knows it).  After a run that completed, installing the same
     * image again is the operator's call. */
    int open = !strcmp(la.run_state, "running") || !strcmp(la.run_state, "resumed") ||
               !strcmp(la.run_state, "paused-on-error");
    if (!rc && open && !strcmp(la.result, "updated") &&
        !strcmp(la.image_sha, it->info.image_sha256) && la.to_rev[0] && !strcmp(la.to_rev, cur))
        return skip(it, "already runs this image: attempt #%lld of the interrupted run "
                    "installed it (%s)", (long long)la.id, cur);
    /* A raw image that names no version can only be verified by a change:
     * sent again onto what it already put there, it could never be proven
     * and would fail.  The journal knows it runs it. */
    if (!rc && u->cls->raw_once && !it->version[0] && !strcmp(la.result, "updated") &&
        !strcmp(la.image_sha, it->info.image_sha256) && la.to_rev[0] && !strcmp(la.to_rev, cur))
        return skip(it, "already runs this image: attempt #%lld installed it (%s); --restart "
                    "sends it again", (long long)la.id, cur);
    return 0;
}

/* A component's image (Redfish): the package's for that component, matched
 * to the board, or the raw image (or pull URL) given for it. */
static int component_image(struct sf_update *u, struct sf_item *it, struct sf_errctx *ec)
{
    if (it->want < 0 || (size_t)it->want >= u->rq.ncomponents)
        return sf_err_set(ec, SF_EINVAL, "%s: %s was not asked for", it->info.target,
                          it->info.name);
    if (u->what.is_pkg) {
        const struct sf_manifest *m = &u->what.pkg->man;
        if (!it->board_vendor[0])
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s: the package cannot be matched to it; "
                              "nothing was pushed (raw images with a component can be)",
                              u->image, it->board_words);
        if (!sf_manifest_matches(m, it->board_vendor, it->board_product))
            return sf_err_set(ec, SF_EMISMATCH, "%s is for vendor %s product %s; this board is "
                              "%s %s: nothing was pushed", u->image, m->vendor, m->product,
                              it->board_vendor, it->board_product);
        /* rq.components[want] names it (a fleet's rule may take only some
         * of the package's components). */
        const struct sf_man_component *c = NULL;
        for (size_t k = 0; k < m->ncomponents && !c; k++)
            if (!strcmp(m->components[k].component, u->rq.components[it->want]))
                c = &m->components[k];
        if (!c)
            return sf_err_set(ec, SF_EINVAL, "%s: %s was not asked for", it->info.target,
                              it->info.name);
        const struct sf_pkg_image *pi = sf_pkg_image(u->what.pkg, c->image);
        if (!pi)
            return sf_err_set(ec, SF_EINTEGRITY, "%s: no image %s for %s", u->image, c->image,
                              c->component);
        char sha[65];
        sf_sha256_hex(pi->data, pi->len, 32, sha);
        set_image(it, pi->data, pi->len, sha, c->version);
        return 0;
    }
    const struct sf_cimg *c = &u->cimg[it->want];
    if (c->pull) {
        char k[600], sha[65];
        snprintf(k, sizeof(k), "pull %s", c->pull);
        sf_sha256_hex(k, strlen(k), 32, sha);
        set_image(it, NULL, 0, sha, "");
        snprintf(it->pull, sizeof(it->pull), "%s", c->pull);
        return 0;
    }
    set_image(it, c->w.raw, c->w.raw_len, c->w.raw_sha, "");
    return 0;
}

/* An install: which image each item gets, and every check on it. */
int sf_update_plan_install(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    if (u->what.is_pkg && (u->o.vendor || u->o.product))
        sf_update_warn(u, "--vendor/--product apply to raw images; the package's own patterns "
                       "are used");
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        const uint8_t *img;
        size_t len;
        char sha[65];
        struct sf_errctx mec = { 0 };
        it->action = SF_ACTION_INSTALL;
        if (u->rq.ncomponents) {
            int rc = component_image(u, it, ec);
            if (rc)
                return rc;
        } else if (u->what.is_pkg && !it->board_vendor[0])
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s: a package cannot be matched to %s; "
                              "nothing was written", u->image, it->board_words, it->info.target);
        else if (sf_what_for(&u->what, it->board_vendor, it->board_product, &img, &len, sha, &mec))
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s; %s is %s: nothing was written",
                              u->image, mec.msg, it->info.target, it->board_words);
        if (!u->rq.ncomponents)
            set_image(it, img, len, sha, install_version(u));
        snprintf(sha, sizeof(sha), "%s", it->info.image_sha256);
        len = it->len;
        const char *vp = u->o.vendor ? u->o.vendor : "", *pp = u->o.product ? u->o.product : "";
        if (!u->what.is_pkg && ((vp[0] && fnmatch(vp, it->info.vendor, 0)) ||
                                (pp[0] && fnmatch(pp, it->info.product, 0))))
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s is %s %s, not %s %s: nothing was written",
                              it->info.target, it->info.name, it->info.vendor, it->info.product,
                              vp[0] ? vp : "*", pp[0] ? pp : "*");
        struct sf_unfinished other[8];
        size_t nother = 0;
        if (sf_update_unfinished(j, sf_item_id(u, it), it->sub, sha, &it->prior, other, &nother, NULL))
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        int rc = u->cls->fits(u->dev, it, len, it->version, ec);
        if (rc)
            return rc;
        for (size_t k = 0; k < nother; k++) {
            if (u->o.restart && u->nabandon < 8) {
                u->abandon[u->nabandon++] = other[k].id;
                continue;
            }
            return sf_err_set(ec, SF_EUNFINISHED, "%s has an unfinished %s of another image "
                              "(attempt #%lld, %s, last phase \"%s\"): finish it with '%s', or "
                              "pass --restart to abandon it", it->info.target, other[k].action,
                              (long long)other[k].id, other[k].expected_rev[0]
                              ? other[k].expected_rev : "version unknown", other[k].phase,
                              it->resume_cmd);
        }
        it->info.continues = it->prior.id;
        /* An attempt of this image that was interrupted continues whatever
         * the version order says now: it was checked when it started - and
         * the way it downloads (the journal's mode) is the attempt's. */
        if (it->prior.id && !u->cls->mode_is_layout && it->prior.mode[0])
            snprintf(it->mode, sizeof(it->mode), "%s", it->prior.mode);
        if (it->prior.id)
            continue;
        if ((rc = already_done(u, j, it, ec)) != 0) {
            if (rc < 0)
                return rc;
            continue;
        }
        if ((rc = check_versions(u, it, ec)))
            return rc;
    }
    return 0;
}

/* What the journal says was stored on an item for an activation to start. */
static int find_stored(struct sf_update *u, struct sf_journal *j, struct sf_item *it,
                       struct sf_errctx *ec)
{
    struct sf_last_attempt la;
    int rc = j ? sf_history_stored(sf_journal_history(j), sf_item_id(u, it), it->sub, &la)
               : SF_ENODEV;
    if (rc && rc != SF_ENODEV)
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    memset(&it->stored, 0, sizeof(it->stored));
    if (!rc) {
        it->stored.id = la.id;
        snprintf(it->stored.from_version, sizeof(it->stored.from_version), "%s", la.from_rev);
        snprintf(it->stored.version, sizeof(it->stored.version), "%s", la.expected_rev);
        snprintf(it->stored.image_sha256, sizeof(it->stored.image_sha256), "%s", la.image_sha);
    }
    const char *want = u->o.expect_revision && *u->o.expect_revision ? u->o.expect_revision
                                                                    : it->stored.version;
    snprintf(it->version, sizeof(it->version), "%s", want);
    snprintf(it->info.version_new, sizeof(it->info.version_new), "%s", want);
    return 0;
}

/* An activation: deferred microcode on every item; an interrupted
 * activation is continued, an unfinished install refuses. */
int sf_update_plan_activate(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    if (!u->cls->can_activate)
        return sf_err_set(ec, SF_ENOTSUP, "%s: %s targets have no deferred microcode to "
                          "activate", u->targets[0], u->cls->name);
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        it->action = SF_ACTION_ACTIVATE;
        struct sf_unfinished other[8];
        size_t nother = 0;
        if (sf_update_unfinished(j, sf_item_id(u, it), it->sub, NULL, &it->prior, other, &nother, NULL))
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        if (it->prior.id && strcmp(it->prior.action, "activate")) {
            if (!u->o.restart)
                return sf_err_set(ec, SF_EUNFINISHED, "%s: %s has an unfinished %s (attempt "
                                  "#%lld, last phase \"%s\"): finish it with '%s' first",
                                  it->info.target, it->info.name, it->prior.action,
                                  (long long)it->prior.id, it->prior.phase, it->resume_cmd);
            if (u->nabandon < 8)
                u->abandon[u->nabandon++] = it->prior.id;
            memset(&it->prior, 0, sizeof(it->prior));
        }
        it->info.continues = it->prior.id;
        int rc = find_stored(u, j, it, ec);
        if (rc)
            return rc;
    }
    if (u->cls->finish) {
        /* One activation for the whole device (a host reset): only what
         * was stored (or is being activated) takes part. */
        size_t keep = 0;
        for (size_t i = 0; i < u->nitems; i++)
            if (u->items[i].stored.id || u->items[i].prior.id)
                u->items[keep++] = u->items[i];
        u->nitems = keep;
    }
    return 0;
}

/* What an item's resume continues: its newest unfinished attempt, else a
 * failed or not-attempted one of a run that paused on that error (the
 * run's "resume continues once the cause is fixed").  0 with p->id 0 when
 * there is nothing; SF_EUNFINISHED for an attempt that stopped DEGRADED
 * (repair finishes that); SF_EJOURNAL when the journal cannot be read. */
static int resumable(struct sf_update *u, struct sf_journal *j, struct sf_item *it,
                     struct sf_unfinished *mine, struct sf_errctx *ec)
{
    struct sf_unfinished other[8];
    size_t nother = 0;
    if (sf_update_unfinished(j, sf_item_id(u, it), it->sub, NULL, &it->prior, other, &nother, mine))
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    if (it->prior.id)
        return 0;
    int rc = sf_history_resumable_failure(sf_journal_history(j), sf_item_id(u, it), it->sub,
                                            mine);
    if (rc == SF_ENODEV)
        return 0;
    if (rc)
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    if (!strcmp(mine->result, "degraded") && u->cls->repair)
        return sf_err_set(ec, SF_EUNFINISHED, "%s: attempt #%lld stopped DEGRADED: '%s' saves "
                          "the backup again and finishes it", it->info.target,
                          (long long)mine->id, it->repair_cmd[0] ? it->repair_cmd : "repair");
    it->prior.id = mine->id;
    it->prior.finished = 1;
    snprintf(it->prior.action, sizeof(it->prior.action), "%s", mine->action);
    snprintf(it->prior.phase, sizeof(it->prior.phase), "%s", mine->phase);
    snprintf(it->prior.from_version, sizeof(it->prior.from_version), "%s", mine->from_rev);
    snprintf(it->prior.version, sizeof(it->prior.version), "%s", mine->expected_rev);
    snprintf(it->prior.image_sha256, sizeof(it->prior.image_sha256), "%s", mine->image_sha);
    snprintf(it->prior.mode, sizeof(it->prior.mode), "%s", mine->mode);
    return 0;
}

/* A resume: the items the journal shows unfinished, each with its staged
 * image; the others leave the plan. */
int sf_update_plan_resume(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    u->staged = calloc(u->nitems ? u->nitems : 1, sizeof(*u->staged));
    if (!u->staged)
        return SF_ENOMEM;
    size_t keep = 0;
    for (size_t i = 0; j && i < u->nitems; i++) {
        struct sf_item it = u->items[i];
        struct sf_unfinished mine;
        int rc = resumable(u, j, &it, &mine, ec);
        if (rc)
            return rc;
        if (!it.prior.id)
            continue;
        if (!u->cls->mode_is_layout)
            snprintf(it.mode, sizeof(it.mode), "%s", mine.mode);
        else if (mine.mode[0] && it.mode[0] && strcmp(mine.mode, it.mode))
            return sf_err_set(ec, SF_ECONFIG, "%s: attempt #%lld was made with a %s layout, not "
                              "%s: continue it with the layout it was made with",
                              it.info.target, (long long)mine.id, mine.mode, it.mode);
        struct sf_what *w = &u->staged[keep];
        if (!strncmp(mine.staged, "pull:", 5)) {
            /* The device fetched it itself: the same URL again. */
            set_image(&it, NULL, 0, mine.image_sha, mine.expected_rev);
            snprintf(it.pull, sizeof(it.pull), "%s", mine.staged + 5);
        } else if (mine.image_sha[0]) {
            char path[4200];
            snprintf(path, sizeof(path), "%s", mine.staged[0] ? mine.staged : "");
            if (!path[0])
                snprintf(path, sizeof(path), "%s/staging/%s.img", sf_ctx_state_dir(u->ctx),
                         mine.image_sha);
            struct sf_errctx lec = { 0 };
            rc = sf_what_load_staged(path, mine.image_sha, mine.expected_rev, w, &lec);
            if (rc)
                return sf_err_set(ec, rc, "cannot continue attempt #%lld: %s",
                                  (long long)mine.id, lec.msg);
            set_image(&it, w->raw, w->raw_len, w->raw_sha, w->version);
            snprintf(u->what.package_sha, sizeof(u->what.package_sha), "%s", mine.package_sha);
        } else if (!strcmp(mine.action, "activate")) {
            if ((rc = find_stored(u, j, &it, ec)) != 0)
                return rc;
        } else if (strcmp(mine.action, "repair")) {
            return sf_err_set(ec, SF_EINTEGRITY, "attempt #%lld recorded no image to continue "
                              "with", (long long)mine.id);
        }
        snprintf(u->item_action, sizeof(u->item_action), "%s", mine.action);
        it.action = !strcmp(mine.action, "activate") ? SF_ACTION_ACTIVATE
                    : !strcmp(mine.action, "repair") ? SF_ACTION_REPAIR : SF_ACTION_INSTALL;
        it.info.continues = it.prior.id;
        u->items[keep++] = it;
    }
    u->nitems = keep;
    return 0;
}

/* A repair: nothing interrupted may be pending (resume finishes that); an
 * install that stopped DEGRADED is finished after the repair, from its
 * staged image. */
int sf_update_plan_repair(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    u->staged = calloc(u->nitems ? u->nitems : 1, sizeof(*u->staged));
    if (!u->staged)
        return SF_ENOMEM;
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        it->action = SF_ACTION_REPAIR;
        if (!u->cls->repair || !it->repair_cmd[0])
            return sf_err_set(ec, SF_ENOTSUP, "%s: there is no backup to repair: an ab layout "
                              "never writes the slot that boots", it->info.target);
        struct sf_unfinished other[8];
        size_t nother = 0;
        struct sf_prior p;
        if (sf_update_unfinished(j, sf_item_id(u, it), it->sub, NULL, &p, other, &nother, NULL))
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        if (p.id)
            return sf_err_set(ec, SF_EUNFINISHED, "%s: attempt #%lld (%s) was interrupted during "
                              "\"%s\": '%s' finishes it", it->info.target, (long long)p.id,
                              p.action, p.phase, it->resume_cmd);
        struct sf_last_attempt la;
        int lrc = j ? sf_history_last(sf_journal_history(j), sf_item_id(u, it), it->sub, &la)
                    : SF_ENODEV;
        if (lrc && lrc != SF_ENODEV)
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        if (lrc || strcmp(la.result, "degraded") || !la.image_sha[0])
            continue;
        char path[4200];
        snprintf(path, sizeof(path), "%s/staging/%s.img", sf_ctx_state_dir(u->ctx), la.image_sha);
        struct sf_errctx lec = { 0 };
        int rc = sf_what_load_staged(path, la.image_sha, la.expected_rev, &u->staged[i], &lec);
        if (rc)
            return sf_err_set(ec, rc, "the image of attempt #%lld cannot be finished: %s",
                              (long long)la.id, lec.msg);
        struct sf_what *w = &u->staged[i];
        set_image(it, w->raw, w->raw_len, w->raw_sha, w->version);
        it->prior.id = 0;
        it->info.continues = 0;
        sf_update_warn(u, "%s: continuing attempt #%lld (%s) after the backup", it->info.target,
                       (long long)la.id, w->version);
    }
    return 0;
}
