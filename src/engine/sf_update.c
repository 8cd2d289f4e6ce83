/*
 * sf_update.c - the update engine: targets, the plan and every check that
 * comes before a write.  See sf_update.h for the procedure and
 * sf_journal.h for what the journal guarantees.
 */
#include "engine/sf_update.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/sf_ctx.h"
#include "state/sf_lock.h"

/* Flash claims its prefixes; SCSI claims every other path: last. */
static const struct sf_class *const classes[] = { &sf_class_flash, &sf_class_scsi };

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
        dup_opt(&u->vendor, &u->o.vendor) || dup_opt(&u->product, &u->o.product)) {
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

/* ---- the journal's view, for the plan ---- */

/* The newest unfinished attempt on (device, sub): into p (id 0 when none);
 * others[] collects the unfinished attempts of other images. */
static int unfinished(struct sf_journal *j, const char *id, int sub, const char *sha,
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
    if (sf_version_cmp(cur, it->version) > 0 && !u->o.allow_downgrade)
        return sf_err_set(ec, SF_EVERSION, "%s %s %s, newer than %s: refusing a downgrade "
                          "(--allow-downgrade overrides); nothing was written", it->info.target,
                          runs, cur, it->version);
    const char *minv = u->what.min_version;
    if (minv[0] && sf_version_cmp(cur, minv) < 0)
        return sf_err_set(ec, SF_EVERSION, "%s %s %s, below this package's minimum %s: install "
                          "%s first, then this package (%s -> %s -> %s); nothing was written",
                          it->info.target, runs, cur, minv, minv, cur, minv, it->version);
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
    return 0;
}

/* An install: which image each item gets, and every check on it. */
static int plan_install(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        const uint8_t *img;
        size_t len;
        char sha[65];
        struct sf_errctx mec = { 0 };
        it->action = SF_ACTION_INSTALL;
        if (u->what.is_pkg && !it->board_vendor[0])
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s: a package cannot be matched to %s; "
                              "nothing was written", u->image, it->board_words, it->info.target);
        if (sf_what_for(&u->what, it->board_vendor, it->board_product, &img, &len, sha, &mec))
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s; %s is %s: nothing was written",
                              u->image, mec.msg, it->info.target, it->board_words);
        set_image(it, img, len, sha, install_version(u));
        struct sf_unfinished other[8];
        size_t nother = 0;
        if (unfinished(j, sf_item_id(u, it), it->sub, sha, &it->prior, other, &nother, NULL))
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
         * the version order says now: it was checked when it started. */
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
static int plan_activate(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    if (!u->cls->can_activate)
        return sf_err_set(ec, SF_ENOTSUP, "%s: %s targets have no deferred microcode to "
                          "activate", u->targets[0], u->cls->name);
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        it->action = SF_ACTION_ACTIVATE;
        struct sf_unfinished other[8];
        size_t nother = 0;
        if (unfinished(j, sf_item_id(u, it), it->sub, NULL, &it->prior, other, &nother, NULL))
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
    if (unfinished(j, sf_item_id(u, it), it->sub, NULL, &it->prior, other, &nother, mine))
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
static int plan_resume(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
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
        if (mine.image_sha[0]) {
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
static int plan_repair(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
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
        if (unfinished(j, sf_item_id(u, it), it->sub, NULL, &p, other, &nother, NULL))
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

static int opt_str(json_object *o, const char *k, char **own, const char **field)
{
    json_object *v;
    if (*field || !json_object_object_get_ex(o, k, &v))
        return 0;
    free(*own);
    *own = strdup(json_object_get_string(v));
    *field = *own;
    return *own ? 0 : SF_ENOMEM;
}

static const char *absolute(const char *s, int prefixed, char *out, size_t cap);

/* Reopen a J0 run (its request o) as the install or activation it
 * recorded, continuing under its id. */
static int reopen_early(struct sf_update *u, json_object *o, const char *run)
{
    json_object *v, *t;
    const char *act = json_object_object_get_ex(o, "action", &v) ? json_object_get_string(v) : "";
    u->action = !strcmp(act, "activate") ? SF_ACTION_ACTIVATE : SF_ACTION_INSTALL;
    snprintf(u->item_action, sizeof(u->item_action), "%s", act[0] ? act : "install");
    if (u->action == SF_ACTION_INSTALL && json_object_object_get_ex(o, "image", &v)) {
        free(u->image);
        if (!(u->image = strdup(json_object_get_string(v))))
            return SF_ENOMEM;
    }
    int rc = opt_str(o, "image_version", &u->image_version, &u->o.image_version);
    if (!rc)
        rc = opt_str(o, "mode", &u->mode, &u->o.mode);
    if (!rc)
        rc = opt_str(o, "expect_revision", &u->expect_revision, &u->o.expect_revision);
    if (!rc)
        rc = opt_str(o, "vendor", &u->vendor, &u->o.vendor);
    if (!rc)
        rc = opt_str(o, "product", &u->product, &u->o.product);
    struct { const char *k; int *v; } flags[] = {
        { "allow_unsigned", &u->o.allow_unsigned }, { "allow_downgrade", &u->o.allow_downgrade },
        { "restart", &u->o.restart }, { "activate", &u->o.activate },
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (json_object_object_get_ex(o, flags[i].k, &v))
            *flags[i].v |= json_object_get_int(v);
    if (json_object_object_get_ex(o, "in_progress", &v) && !u->o.in_progress)
        u->o.in_progress = (enum sf_in_progress_choice)json_object_get_int(v);
    if (!json_object_object_get_ex(o, "targets", &t) || !json_object_is_type(t, json_type_array))
        return SF_EINVAL;
    for (size_t i = u->ntargets; i > 0; i--)
        free(u->targets[i - 1]);
    u->ntargets = 0;
    u->cls = NULL;
    for (size_t i = 0; !rc && i < json_object_array_length(t); i++)
        rc = sf_update_add_target(u, json_object_get_string(json_object_array_get_idx(t, i)));
    if (rc)
        return rc;
    snprintf(u->res.run, sizeof(u->res.run), "%s", run);
    u->early = 1;
    return 0;
}

/* A bare resume: the newest run that did not end, reopened as it recorded. */
/* The settings a run recorded (o: its request), for a resume that names
 * none: layout, waits, pages, the subenclosure. */
static void reopen_settings(struct sf_update *u, json_object *o)
{
    json_object *l;
    if (json_object_object_get_ex(o, "layout", &l) && !u->layout) {
        u->layout = strdup(json_object_get_string(l));
        u->o.layout = u->layout;
    }
    struct { const char *k; unsigned *v; } nums[] = {
        { "timeout_ms", &u->o.timeout_ms }, { "poll_ms", &u->o.poll_ms },
        { "command_timeout_ms", &u->o.command_timeout_ms }, { "chunk_size", &u->o.chunk_size },
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (!*nums[i].v && json_object_object_get_ex(o, nums[i].k, &l))
            *nums[i].v = (unsigned)json_object_get_int64(l);
    if (u->o.subenclosure < 0 && json_object_object_get_ex(o, "subenclosure", &l))
        u->o.subenclosure = json_object_get_int(l);
}

/* The newest run that did not end, and its request (NULL: recorded by an
 * older front end).  SF_ENODEV when none is open (the newest run's state
 * is then a warning). */
static int open_run(struct sf_update *u, struct sf_run *r, char **req, struct sf_errctx *ec)
{
    *req = NULL;
    struct sf_journal *j = NULL;
    int rc = sf_journal_open_existing(u->ctx, &j, ec);
    if (rc)
        return rc;
    if (!j)
        return sf_err_set(ec, SF_ENODEV, "no run recorded: nothing to resume");
    rc = sf_history_run_to_resume(sf_journal_history(j), r);
    if (!rc)
        rc = sf_history_run_request(sf_journal_history(j), r->id, req);
    if (rc == SF_ENODEV) {
        rc = sf_history_run_latest(sf_journal_history(j), NULL, r);
        sf_journal_close(j);
        if (!rc)
            sf_update_warn(u, "the last run (%s) is %s: nothing to resume", r->id, r->state);
        if (rc && rc != SF_ENODEV)
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        return rc == SF_ENODEV ? sf_err_set(ec, SF_ENODEV, "no run recorded: nothing to resume")
                               : SF_ENODEV;
    }
    sf_journal_close(j);
    return rc ? sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read") : 0;
}

/* A bare resume: the newest run that did not end, reopened as it recorded. */
static int find_run(struct sf_update *u, struct sf_errctx *ec)
{
    struct sf_run r;
    char *req = NULL;
    int rc = open_run(u, &r, &req, ec);
    if (rc == SF_ENODEV && !ec->msg[0])
        return 0; /* nothing open: the warning says what the last run did */
    if (rc)
        return rc;
    if (!req) {
        snprintf(u->res.resumed_run, sizeof(u->res.resumed_run), "%s", r.id);
        u->res.foreign_run = 1; /* recorded by a front end that resumes it itself */
        return 0;
    }
    json_object *o = json_tokener_parse(req), *t = NULL, *l = NULL;
    free(req);
    if (!o || !json_object_object_get_ex(o, "targets", &t) || !json_object_is_type(t, json_type_array)) {
        json_object_put(o);
        return sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
    }
    if (json_object_object_get_ex(o, "image", &l) || json_object_object_get_ex(o, "action", &l)) {
        /* A J0 run: killed before its first attempt was recorded. */
        rc = reopen_early(u, o, r.id);
    } else {
        snprintf(u->res.resumed_run, sizeof(u->res.resumed_run), "%s", r.id);
        for (size_t i = 0; !rc && i < json_object_array_length(t); i++)
            rc = sf_update_add_target(u, json_object_get_string(json_object_array_get_idx(t, i)));
    }
    if (!rc)
        reopen_settings(u, o);
    json_object_put(o);
    if (rc)
        return sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
    return 0;
}

/* `resume TARGET...`: the newest open run, when it is a J0 run on exactly
 * these targets, is reopened as it recorded (its devices were never
 * written: nothing else in the journal names them).  0 when it was. */
static int adopt_early(struct sf_update *u, struct sf_errctx *ec)
{
    struct sf_run r;
    char *req = NULL;
    struct sf_errctx lec = { 0 };
    if (open_run(u, &r, &req, &lec) || !req)
        return SF_ENODEV;
    json_object *o = json_tokener_parse(req), *t = NULL, *l = NULL;
    free(req);
    int rc = SF_ENODEV;
    if (o && json_object_object_get_ex(o, "action", &l) &&
        json_object_object_get_ex(o, "targets", &t) && json_object_is_type(t, json_type_array) &&
        json_object_array_length(t) == u->ntargets) {
        int same = 1;
        char abs[PATH_MAX + 64];
        for (size_t i = 0; i < u->ntargets && same; i++) {
            const char *want = absolute(u->targets[i], 1, abs, sizeof(abs)), *found = NULL;
            for (size_t k = 0; k < u->ntargets && !found; k++)
                if (!strcmp(json_object_get_string(json_object_array_get_idx(t, k)), want))
                    found = want;
            same = found != NULL;
        }
        if (same) {
            rc = reopen_early(u, o, r.id);
            if (!rc)
                reopen_settings(u, o);
            else
                rc = sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
        }
    }
    json_object_put(o);
    return rc;
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

/* A path as a resume from another directory will find it: a target
 * "PREFIX:PATH" (prefixed) or a plain path, made absolute. */
static const char *absolute(const char *s, int prefixed, char *out, size_t cap)
{
    const char *colon = prefixed ? strchr(s, ':') : NULL;
    const char *path = colon ? colon + 1 : s;
    char cwd[PATH_MAX];
    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return s;
    snprintf(out, cap, "%.*s%s/%s", colon ? (int)(colon - s + 1) : 0, s, cwd, path);
    return out;
}

static void add_s(json_object *o, const char *k, const char *v)
{
    if (v && *v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* What the run records so that a bare resume can reopen the targets; a J0
 * record (image: its staged copy) also how to plan it again. */
static void make_request(struct sf_update *u, const char *image)
{
    json_object *o = json_object_new_object(), *t = json_object_new_array();
    json_object_object_add(o, "class", json_object_new_string(u->cls->name));
    if (image) {
        add_s(o, "action", u->item_action);
        add_s(o, "image", image);
        add_s(o, "image_version", u->o.image_version);
        add_s(o, "mode", u->o.mode);
        add_s(o, "expect_revision", u->o.expect_revision);
        add_s(o, "vendor", u->o.vendor);
        add_s(o, "product", u->o.product);
        const struct { const char *k; int v; } flags[] = {
            { "allow_unsigned", u->o.allow_unsigned }, { "allow_downgrade", u->o.allow_downgrade },
            { "restart", u->o.restart }, { "activate", u->o.activate },
            { "in_progress", (int)u->o.in_progress },
        };
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (flags[i].v)
                json_object_object_add(o, flags[i].k, json_object_new_int(flags[i].v));
    }
    char abs[PATH_MAX + 64];
    for (size_t i = 0; i < u->ntargets; i++)
        json_object_array_add(t, json_object_new_string(absolute(u->targets[i], 1, abs,
                                                                 sizeof(abs))));
    json_object_object_add(o, "targets", t);
    if (u->o.layout)
        json_object_object_add(o, "layout", json_object_new_string(absolute(u->o.layout, 0, abs,
                                                                            sizeof(abs))));
    /* What the operator set for this run's waits and pages: a bare resume
     * waits and sends as the run did.  (How each attempt downloads is its
     * own journal record: mode.) */
    const struct { const char *k; unsigned v; } nums[] = {
        { "timeout_ms", u->o.timeout_ms }, { "poll_ms", u->o.poll_ms },
        { "command_timeout_ms", u->o.command_timeout_ms }, { "chunk_size", u->o.chunk_size },
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (nums[i].v)
            json_object_object_add(o, nums[i].k, json_object_new_int64(nums[i].v));
    if (u->o.subenclosure >= 0)
        json_object_object_add(o, "subenclosure", json_object_new_int(u->o.subenclosure));
    snprintf(u->request, sizeof(u->request), "%s", json_object_to_json_string_ext(o,
             JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    size_t l = 0;
    const char *act = u->action == SF_ACTION_RESUME ? "resume" : u->item_action;
    l += (size_t)snprintf(u->argv_joined, sizeof(u->argv_joined), "%s", act);
    for (size_t i = 0; i < u->ntargets && l < sizeof(u->argv_joined); i++)
        l += (size_t)snprintf(u->argv_joined + l, sizeof(u->argv_joined) - l, "\t%s",
                              u->targets[i]);
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

void sf_update_end_early(struct sf_update *u, const char *state, const char *reason)
{
    if (!u->early || u->early_closed)
        return;
    u->early_closed = 1;
    struct sf_journal *j = NULL;
    struct sf_errctx jec = { 0 };
    if (sf_journal_open(u->ctx, &j, &jec) == 0)
        sf_journal_run_end(j, u->res.run, state, reason, &jec);
    sf_journal_close(j);
}

/* J0 (sf_journal.h): the run, with its staged image and what reopens
 * it, before any command reaches a device.  Running the same command
 * again after a kill continues the same run. */
static int early_record(struct sf_update *u, struct sf_errctx *ec)
{
    const char *state = sf_ctx_state_dir(u->ctx);
    char path[PATH_MAX + 96] = "";
    struct sf_journal *j = NULL;
    int rc = sf_journal_open(u->ctx, &j, ec); /* makes the state directory */
    sf_journal_close(j);
    j = NULL;
    if (rc)
        return rc;
    if (u->action == SF_ACTION_INSTALL) {
        const char *sha = u->what.is_pkg ? u->what.package_sha : u->what.raw_sha;
        uint8_t *b = NULL;
        size_t n = 0;
        struct sf_errctx lec = { 0 };
        if (u->what.is_pkg && (rc = sf_read_file(u->image, &b, &n, (size_t)1 << 30, &lec)))
            return sf_err_set(ec, rc, "%s: %s", u->image, lec.msg);
        rc = sf_stage(state, sha, u->what.is_pkg ? b : u->what.raw,
                      u->what.is_pkg ? n : u->what.raw_len, &lec);
        free(b);
        if (rc)
            return sf_err_set(ec, SF_EJOURNAL, "%s; nothing was written", lec.msg);
        snprintf(path, sizeof(path), "%s/staging/%s.img", state, sha);
    }
    make_request(u, path);
    struct sf_run r;
    char *req = NULL;
    struct sf_errctx oec = { 0 };
    size_t nwarn = u->nwarn;
    if (open_run(u, &r, &req, &oec) == 0 && req && !strcmp(req, u->request))
        snprintf(u->res.run, sizeof(u->res.run), "%s", r.id); /* the same command again */
    else
        sf_history_new_run(u->res.run);
    free(req);
    u->nwarn = nwarn; /* open_run's word on the last run is not news here */
    u->warn[nwarn] = NULL;
    rc = sf_journal_open(u->ctx, &j, ec);
    if (!rc)
        rc = sf_journal_run_record(j, u->res.run, u->item_action, u->argv_joined, u->request, ec);
    sf_journal_close(j);
    if (rc) {
        char m[sizeof(ec->msg)];
        snprintf(m, sizeof(m), "%s", ec->msg);
        return sf_err_set(ec, SF_EJOURNAL, "%s; nothing was written", m);
    }
    u->early = 1;
    return 0;
}

static int plan_inner(sf_update *u, struct sf_errctx *ec);

int sf_update_plan(sf_update *u, struct sf_errctx *ec)
{
    if (!u || u->planned)
        return SF_EINVAL;
    int rc = plan_inner(u, ec);
    if (rc)
        sf_update_end_early(u, "refused", ec->msg[0] ? ec->msg : sf_err_str(rc));
    return rc;
}

static int plan_inner(sf_update *u, struct sf_errctx *ec)
{
    int rc = 0;
    if (u->action == SF_ACTION_RESUME && u->ntargets) {
        rc = adopt_early(u, ec);
        if (rc && rc != SF_ENODEV)
            return rc;
        rc = 0;
    }
    if (u->action == SF_ACTION_RESUME && !u->ntargets) {
        rc = find_run(u, ec);
        if (rc || !u->ntargets) {
            u->planned = !rc;
            return rc;
        }
    }
    if (!u->ntargets)
        return sf_err_set(ec, SF_EINVAL, "no target");
    if (u->action == SF_ACTION_INSTALL) {
        if (!u->image)
            return sf_err_set(ec, SF_EINVAL, "no image to install");
        rc = sf_what_load(u->ctx, u->image, &u->o, &u->what, ec);
        if (rc)
            return rc;
        if (u->what.warning[0])
            sf_update_warn(u, "%s", u->what.warning);
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
        (rc = early_record(u, ec)) != 0)
        return rc;
    rc = u->cls->open(u->ctx, (const char *const *)u->targets, u->ntargets, &u->o, &u->dev, ec);
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
        rc = plan_install(u, j, ec);
    else if (u->action == SF_ACTION_ACTIVATE)
        rc = plan_activate(u, j, ec);
    else if (u->action == SF_ACTION_RESUME)
        rc = plan_resume(u, j, ec);
    else
        rc = plan_repair(u, j, ec);
    sf_journal_close(j);
    if (rc)
        return rc;
    fill_image_info(u);
    make_request(u, NULL);
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
        if (!rc && unfinished(j, sf_item_id(u, it), it->sub, NULL, &p, other, &nother, NULL))
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
    free(u->layout);
    free(u->image_version);
    free(u->mode);
    free(u->expect_revision);
    free(u->vendor);
    free(u->product);
    free(u);
}
