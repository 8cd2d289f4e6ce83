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

static const struct sf_class *const classes[] = { &sf_class_flash };

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
    }
    return "unknown";
}

void sf_update_options_init(struct sf_update_options *o)
{
    memset(o, 0, sizeof(*o));
    o->version = SF_UPDATE_OPTIONS_VERSION;
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
                         action != SF_ACTION_RESUME) ||
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
    if (dup_opt(&u->layout, &u->o.layout) || dup_opt(&u->image_version, &u->o.image_version)) {
        sf_update_free(u);
        return SF_ENOMEM;
    }
    snprintf(u->item_action, sizeof(u->item_action), "%s",
             action == SF_ACTION_REPAIR ? "repair" : "install");
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

/* An install: which image each item gets, and every check on it. */
static int plan_install(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        const uint8_t *img;
        size_t len;
        char sha[65];
        struct sf_errctx mec = { 0 };
        if (u->what.is_pkg && !it->board_vendor[0])
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s: a package cannot be matched to %s; "
                              "nothing was written", u->image, it->board_words, it->info.target);
        if (sf_what_for(&u->what, it->board_vendor, it->board_product, &img, &len, sha, &mec))
            return sf_err_set(ec, SF_EMISMATCH, "%s: %s; %s is %s: nothing was written",
                              u->image, mec.msg, it->info.target, it->board_words);
        set_image(it, img, len, sha, u->what.version);
        int rc = u->cls->fits(u->dev, it, len, u->what.version, ec);
        if (rc)
            return rc;
        struct sf_unfinished other[8];
        size_t nother = 0;
        if (unfinished(j, u->id, it->sub, sha, &it->prior, other, &nother, NULL))
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
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
        if (!it->prior.id && (rc = check_versions(u, it, ec)))
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
    if (unfinished(j, u->id, it->sub, NULL, &it->prior, other, &nother, mine))
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    if (it->prior.id)
        return 0;
    int rc = sf_history_resumable_failure(sf_journal_history(j), u->id, it->sub, mine);
    if (rc == SF_ENODEV)
        return 0;
    if (rc)
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    if (!strcmp(mine->result, "degraded"))
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
        if (mine.mode[0] && it.mode[0] && strcmp(mine.mode, it.mode))
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
        } else if (strcmp(mine.action, "repair")) {
            return sf_err_set(ec, SF_EINTEGRITY, "attempt #%lld recorded no image to continue "
                              "with", (long long)mine.id);
        }
        snprintf(u->item_action, sizeof(u->item_action), "%s", mine.action);
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
        if (!u->cls->repair || !it->repair_cmd[0])
            return sf_err_set(ec, SF_ENOTSUP, "%s: there is no backup to repair: an ab layout "
                              "never writes the slot that boots", it->info.target);
        struct sf_unfinished other[8];
        size_t nother = 0;
        struct sf_prior p;
        if (unfinished(j, u->id, it->sub, NULL, &p, other, &nother, NULL))
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        if (p.id)
            return sf_err_set(ec, SF_EUNFINISHED, "%s: attempt #%lld (%s) was interrupted during "
                              "\"%s\": '%s' finishes it", it->info.target, (long long)p.id,
                              p.action, p.phase, it->resume_cmd);
        struct sf_last_attempt la;
        int lrc = j ? sf_history_last(sf_journal_history(j), u->id, it->sub, &la) : SF_ENODEV;
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

/* A bare resume: the newest run that did not end, reopened as it recorded. */
static int find_run(struct sf_update *u, struct sf_errctx *ec)
{
    struct sf_journal *j = NULL;
    int rc = sf_journal_open_existing(u->ctx, &j, ec);
    if (rc)
        return rc;
    if (!j)
        return sf_err_set(ec, SF_ENODEV, "no run recorded: nothing to resume");
    struct sf_run r;
    char *req = NULL;
    rc = sf_history_run_to_resume(sf_journal_history(j), &r);
    if (!rc)
        rc = sf_history_run_request(sf_journal_history(j), r.id, &req);
    if (rc == SF_ENODEV) {
        /* Nothing open: say what the newest run did. */
        rc = sf_history_run_latest(sf_journal_history(j), NULL, &r);
        if (!rc)
            sf_update_warn(u, "the last run (%s) is %s: nothing to resume", r.id, r.state);
        sf_journal_close(j);
        if (rc == SF_ENODEV)
            return sf_err_set(ec, SF_ENODEV, "no run recorded: nothing to resume");
        return rc ? sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read") : 0;
    }
    sf_journal_close(j);
    if (rc)
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
    snprintf(u->res.resumed_run, sizeof(u->res.resumed_run), "%s", r.id);
    if (!req) {
        u->res.foreign_run = 1; /* recorded by a front end that resumes it itself */
        return 0;
    }
    json_object *o = json_tokener_parse(req), *t = NULL, *l = NULL;
    free(req);
    if (!o || !json_object_object_get_ex(o, "targets", &t) || !json_object_is_type(t, json_type_array)) {
        json_object_put(o);
        return sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
    }
    for (size_t i = 0; !rc && i < json_object_array_length(t); i++)
        rc = sf_update_add_target(u, json_object_get_string(json_object_array_get_idx(t, i)));
    if (!rc && json_object_object_get_ex(o, "layout", &l) && !u->layout) {
        u->layout = strdup(json_object_get_string(l));
        u->o.layout = u->layout;
    }
    json_object_put(o);
    if (rc)
        return sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
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

/* What the run records so that a bare resume can reopen the targets. */
static void make_request(struct sf_update *u)
{
    json_object *o = json_object_new_object(), *t = json_object_new_array();
    json_object_object_add(o, "class", json_object_new_string(u->cls->name));
    char abs[PATH_MAX + 64];
    for (size_t i = 0; i < u->ntargets; i++)
        json_object_array_add(t, json_object_new_string(absolute(u->targets[i], 1, abs,
                                                                 sizeof(abs))));
    json_object_object_add(o, "targets", t);
    if (u->o.layout)
        json_object_object_add(o, "layout", json_object_new_string(absolute(u->o.layout, 0, abs,
                                                                            sizeof(abs))));
    snprintf(u->request, sizeof(u->request), "%s", json_object_to_json_string_ext(o,
             JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    size_t l = 0;
    const char *act = u->action == SF_ACTION_REPAIR ? "repair" : u->action == SF_ACTION_RESUME
                      ? "resume" : "install";
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

int sf_update_plan(sf_update *u, struct sf_errctx *ec)
{
    if (!u || u->planned)
        return SF_EINVAL;
    int rc = 0;
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
    }
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
    else if (u->action == SF_ACTION_RESUME)
        rc = plan_resume(u, j, ec);
    else
        rc = plan_repair(u, j, ec);
    sf_journal_close(j);
    if (rc)
        return rc;
    fill_image_info(u);
    make_request(u);
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
            if (now[k].sub != it->sub)
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
        if (!rc && unfinished(j, u->id, it->sub, NULL, &p, other, &nother, NULL))
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
    free(u);
}
