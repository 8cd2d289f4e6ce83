/*
 * sf_run.c - running a planned update: locks, staging, the journal's
 * records (sf_journal.h J1-J4), each item's steps through its class, and
 * the result.  Every way this can fail before the first device write
 * leaves the device untouched and says so (nothing_written).
 */
#include "engine/sf_update.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/sf_lock.h"
#include "util/sf_workers.h"

struct sf_stepper {
    struct sf_update *u;
    struct sf_item *it;
    struct sf_journal *j;     /* NULL: a dry run records nothing */
    sf_event_cb cb;
    void *arg;
    pthread_mutex_t *mu;      /* several devices at once (jobs): the journal, the
                                 results and the caller's callback, one thread at a time */
    int journal_failed;
    char step[64];
    struct sf_errctx jec;
};

static void take(struct sf_stepper *st)
{
    if (st->mu)
        pthread_mutex_lock(st->mu);
}

static void give(struct sf_stepper *st)
{
    if (st->mu)
        pthread_mutex_unlock(st->mu);
}

static void event(struct sf_stepper *st, enum sf_event_kind k, const char *text, uint64_t done,
                  uint64_t total)
{
    if (!st->cb)
        return;
    struct sf_event ev = { k, st->it ? &st->it->info : NULL, text, done, total };
    take(st);
    st->cb(&ev, st->arg);
    give(st);
}

int sf_step_begin(struct sf_stepper *st, const char *step)
{
    snprintf(st->step, sizeof(st->step), "%s", step);
    int rc = 0;
    /* The journal takes several threads' steps itself (group commit). */
    if (st->j && (st->it->info.attempt <= 0 ||
                  sf_journal_step(st->j, st->it->info.attempt, step, &st->jec))) {
        if (st->it->info.attempt <= 0)
            sf_err_set(&st->jec, SF_EJOURNAL, "the attempt has no journal record");
        st->journal_failed = 1;
        rc = SF_EJOURNAL;
    }
    if (!rc)
        event(st, SF_EVENT_STEP, step, 0, 0);
    return rc;
}

void sf_step_phase(struct sf_stepper *st, const char *step)
{
    struct sf_errctx ec = { 0 };
    if (st->j && st->it->info.attempt > 0)
        sf_journal_step(st->j, st->it->info.attempt, step, &ec);
    event(st, SF_EVENT_STEP, step, 0, 0);
}

void sf_step_progress(struct sf_stepper *st, uint64_t done, uint64_t total)
{
    event(st, SF_EVENT_PROGRESS, st->step, done, total);
}

void sf_step_notice(struct sf_stepper *st, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    event(st, SF_EVENT_NOTICE, m, 0, 0);
}

/* The journal's word for how an item ended. */
static const char *result_word(const struct sf_item *it)
{
    return it->journal_result ? it->journal_result : it->info.degraded ? "degraded" : sf_outcome_str(it->info.outcome);
}

static void count(struct sf_update *u, const struct sf_item *it)
{
    switch (it->info.outcome) {
    case SF_OUTCOME_UPDATED:
    case SF_OUTCOME_REPAIRED: u->res.updated++; break;
    case SF_OUTCOME_SKIPPED:
    case SF_OUTCOME_DRY_RUN: u->res.skipped++; break;
    case SF_OUTCOME_NOT_ATTEMPTED: u->res.not_attempted++; break;
    case SF_OUTCOME_STORED:
    case SF_OUTCOME_PENDING_RESET: u->res.stored++; break;
    case SF_OUTCOME_NOTHING: u->res.skipped++; break;
    default: u->res.failed++; break;
    }
    u->res.degraded |= it->info.degraded;
}

/* One item: where an interrupted attempt got to, else its steps. */
static int run_item(struct sf_update *u, struct sf_item *it, struct sf_stepper *st, int dry)
{
    int rc;
    enum sf_where w = it->prior.id && !dry && u->cls->where
                          ? u->cls->where(u->dev, it, &it->prior) : SF_WHERE_CONTINUE;
    if (w == SF_WHERE_DONE)
        return 0; /* the device shows the interrupted attempt took: verified */
    if (w == SF_WHERE_FAILED)
        return it->info.err ? it->info.err : SF_EIO;
    if (it->action == SF_ACTION_REPAIR) {
        rc = u->cls->repair ? u->cls->repair(u->dev, it, st) : SF_ENOTSUP;
        if (!rc && it->img)
            rc = u->cls->install(u->dev, it, st, dry);
    } else {
        rc = u->cls->install(u->dev, it, st, dry);
    }
    if (st->journal_failed) {
        /* The class stopped before the step's first write. */
        it->info.outcome = SF_OUTCOME_FAILED;
        it->info.err = SF_EJOURNAL;
        snprintf(it->info.step, sizeof(it->info.step), "%s", st->step);
        snprintf(it->info.message, sizeof(it->info.message), "stopped before \"%s\": %s; nothing "
                 "of that step was written (%s %s)", st->step, st->jec.msg, u->cls->runs,
                 it->info.version_after[0] ? it->info.version_after : "as before");
        rc = SF_EJOURNAL;
    }
    return rc;
}

static void finish_item(struct sf_update *u, struct sf_item *it, struct sf_stepper *st)
{
    take(st);
    count(u, it);
    give(st);
    if (st->j && it->info.attempt > 0) {
        struct sf_errctx fec = { 0 };
        const char *after = it->info.version_after[0] ? it->info.version_after : "(nothing)";
        if (sf_journal_finish(st->j, it->info.attempt, result_word(it), after,
                              it->info.outcome == SF_OUTCOME_FAILED ? it->info.message : NULL,
                              &fec))
            sf_step_notice(st, "%s; 'safeflash resume' will read the device and record it",
                           fec.msg);
    }
    event(st, SF_EVENT_RESULT, NULL, 0, 0);
}

int sf_update_lock(struct sf_update *u, int *locks, size_t *n, struct sf_errctx *ec)
{
    *n = 0;
    for (size_t i = 0; i < u->nkeys; i++) {
        struct sf_errctx lec = { 0 };
        char what[96];
        snprintf(what, sizeof(what), "%s%s%s", u->lock_what, u->cls->lock_shows_key ? " " : "",
                 u->cls->lock_shows_key ? u->keys[i] : "");
        int fd = sf_lock_acquire_named(sf_ctx_state_dir(u->ctx), u->keys[i], what, &lec);
        if (fd == SF_ELOCKED)
            return sf_err_set(ec, SF_ELOCKED, "%s: %s", u->targets[0], lec.msg);
        if (fd < 0)
            return sf_err_set(ec, SF_EJOURNAL, "the state directory cannot hold the lock: %s; "
                              "nothing was written", lec.msg);
        locks[(*n)++] = fd;
    }
    return 0;
}

/* Every distinct image once (content-addressed; the one J0 staged is
 * there already). */
static int stage_all(struct sf_update *u, struct sf_errctx *ec)
{
    for (size_t i = 0; i < u->nitems; i++) {
        struct sf_item *it = &u->items[i];
        if (!it->img || it->info.outcome != SF_OUTCOME_PLANNED ||
            !strcmp(it->info.image_sha256, u->staged_sha))
            continue;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = u->items[k].img && u->items[k].info.outcome == SF_OUTCOME_PLANNED &&
                   !strcmp(u->items[k].info.image_sha256, it->info.image_sha256);
        if (seen)
            continue;
        struct sf_errctx sec = { 0 };
        if (sf_stage(sf_ctx_state_dir(u->ctx), it->info.image_sha256, it->img, it->len, &sec))
            return sf_err_set(ec, SF_EJOURNAL, "%s; nothing was written", sec.msg);
    }
    return 0;
}

static const char *action_word(enum sf_action a)
{
    return a == SF_ACTION_REPAIR ? "repair" : a == SF_ACTION_ACTIVATE ? "activate" : "install";
}

/* J1: the run and an attempt for every item, in one transaction. */
static int start_journal(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec)
{
    struct sf_journal_attempt *at = calloc(u->nitems, sizeof(*at));
    if (!at)
        return SF_ENOMEM;
    if (!u->early)
        sf_history_new_run(u->res.run); /* else J1 replaces the J0 record */
    size_t n = 0;
    for (size_t i = 0; i < u->nitems; i++) {
        const struct sf_item *it = &u->items[i];
        if (it->info.outcome != SF_OUTCOME_PLANNED)
            continue; /* decided by the plan (skipped): nothing to record */
        struct sf_attempt *a = &at[n].a;
        snprintf(a->run, sizeof(a->run), "%s", u->res.run);
        snprintf(a->action, sizeof(a->action), "%s", action_word(it->action));
        snprintf(a->path, sizeof(a->path), "%s", it->info.target);
        snprintf(a->logical_id, sizeof(a->logical_id), "%s", sf_item_id(u, it));
        snprintf(a->vendor, sizeof(a->vendor), "%s", it->journal_vendor);
        snprintf(a->product, sizeof(a->product), "%s", it->journal_product);
        a->sub = it->sub;
        snprintf(a->from_rev, sizeof(a->from_rev), "%s",
                 it->prior.id && it->prior.from_version[0] ? it->prior.from_version
                 : it->info.version_before[0] ? it->info.version_before : "(nothing)");
        snprintf(a->expected_rev, sizeof(a->expected_rev), "%s", it->version);
        snprintf(a->package_sha, sizeof(a->package_sha), "%s", u->what.package_sha);
        snprintf(a->image_sha, sizeof(a->image_sha), "%s", it->img || it->pull[0]
                 ? it->info.image_sha256 : "");
        if (it->img)
            snprintf(a->staged, sizeof(a->staged), "%s/staging/%s.img",
                     sf_ctx_state_dir(u->ctx), it->info.image_sha256);
        else if (it->pull[0])
            snprintf(a->staged, sizeof(a->staged), "pull:%s", it->pull);
        snprintf(a->mode, sizeof(a->mode), "%s", it->mode);
        a->resumed_from = it->prior.id;
        at[n].continues_finished = it->prior.finished;
        if (n == 0)
            for (size_t k = 0; k < u->nabandon; k++)
                at[n].abandon[at[n].nabandon++] = u->abandon[k];
        n++;
    }
    int rc = sf_journal_start(j, u->res.run, u->item_action, u->argv_joined, u->request,
                              u->res.resumed_run, at, n, ec);
    for (size_t i = 0, k = 0; !rc && i < u->nitems; i++)
        if (u->items[i].info.outcome == SF_OUTCOME_PLANNED)
            u->items[i].info.attempt = at[k++].id;
    if (!rc)
        u->early_closed = 1;
    free(at);
    if (rc) {
        char m[sizeof(ec->msg)];
        snprintf(m, sizeof(m), "%s", ec->msg);
        sf_err_set(ec, rc, "%s; nothing was written", m);
    }
    return rc;
}

/* Several devices at once: the items in groups (one device each: the
 * items that share a lock, or with parallel one path), the groups shared
 * out to up to jobs threads.  A failure stops its own group. */
struct pool {
    struct sf_update *u;
    struct sf_journal *j;
    sf_event_cb cb;
    void *arg;
    pthread_mutex_t mu;       /* the stepper's: journal, results, callback */
    pthread_mutex_t fail_mu;  /* nfailed */
    size_t *group;            /* each item's group */
    size_t ngroups;
    int first;                /* the first failure (by time) */
    size_t nfailed;           /* items failed so far (max_failures) */
    struct sf_errctx *ec;
};

static void first_failure(struct pool *p, struct sf_stepper *st, int rc, const char *msg)
{
    take(st);
    if (!p->first) {
        p->first = rc;
        sf_err_set(p->ec, rc, "%s", msg);
    }
    give(st);
}

/* The device's own step after its items' (sf_class.h finish): the items
 * that wait for it, each with its stepper; then their results. */
static int finish_group(struct pool *p, struct sf_stepper *sts, size_t n, int failed)
{
    struct sf_update *u = p->u;
    struct sf_item *items[SF_UPDATE_MAX_TARGETS];
    struct sf_stepper *stp[SF_UPDATE_MAX_TARGETS];
    for (size_t k = 0; k < n && k < SF_UPDATE_MAX_TARGETS; k++) {
        items[k] = sts[k].it;
        stp[k] = &sts[k];
    }
    int rc = 0;
    if (n && !failed && !u->o.dry_run) {
        rc = u->cls->finish(u->dev, items, stp, n);
        for (size_t k = 0; k < n; k++)
            if (sts[k].journal_failed) {
                struct sf_item *it = items[k];
                it->info.outcome = SF_OUTCOME_FAILED;
                it->info.err = SF_EJOURNAL;
                it->info.nothing_written = 1;
                snprintf(it->info.step, sizeof(it->info.step), "%s", sts[k].step);
                snprintf(it->info.message, sizeof(it->info.message), "stopped before \"%s\": %s; "
                         "nothing of that step was sent", sts[k].step, sts[k].jec.msg);
                rc = SF_EJOURNAL;
            }
        for (size_t k = 0; rc && k < n; k++)
            if (items[k]->info.outcome == SF_OUTCOME_FAILED) {
                first_failure(p, &sts[k], rc, items[k]->info.message);
                break;
            }
    }
    for (size_t k = 0; k < n; k++)
        finish_item(u, items[k], &sts[k]);
    return rc;
}

/* Items of group g (all items with g == SIZE_MAX), in plan order; a
 * failure leaves the group's later items not attempted. */
/* max_failures reached: no new group starts. */
static int limit_reached(struct pool *p)
{
    if (!p->u->max_failures || p->group == NULL)
        return 0;
    pthread_mutex_lock(&p->fail_mu);
    int r = p->nfailed >= p->u->max_failures;
    pthread_mutex_unlock(&p->fail_mu);
    return r;
}

static int run_group(struct pool *p, size_t g)
{
    struct sf_update *u = p->u;
    int failed = 0, limited = limit_reached(p);
    struct sf_stepper *waiting = NULL; /* items whose device step (finish) is still to come */
    size_t nwaiting = 0;
    for (size_t i = 0; i < u->nitems; i++) {
        if (g != SIZE_MAX && p->group[i] != g)
            continue;
        struct sf_item *it = &u->items[i];
        struct sf_stepper st = { .u = u, .it = it, .j = p->j, .cb = p->cb, .arg = p->arg,
                                 .mu = g == SIZE_MAX ? NULL : &p->mu };
        if (it->info.outcome != SF_OUTCOME_PLANNED) {
            /* decided by the plan: reported, not run */
        } else if (failed || limited) {
            it->info.outcome = SF_OUTCOME_NOT_ATTEMPTED;
            if (limited && !failed)
                snprintf(it->info.message, sizeof(it->info.message), "not started: %u "
                         "item%s failed, the most --max-failures allows", u->max_failures,
                         u->max_failures == 1 ? "" : "s");
            else
                snprintf(it->info.message, sizeof(it->info.message), "not attempted after an "
                         "earlier failure");
            /* left alone: it runs what it ran */
            snprintf(it->info.version_after, sizeof(it->info.version_after), "%s",
                     it->info.version_before);
        } else {
            int rc = run_item(u, it, &st, u->o.dry_run);
            if (rc) {
                first_failure(p, &st, rc, it->info.message);
                if (p->group) {
                    pthread_mutex_lock(&p->fail_mu);
                    p->nfailed++;
                    pthread_mutex_unlock(&p->fail_mu);
                }
            }
            /* One activation for the whole device: an item that cannot
             * take part (nothing was sent to it) does not keep the others
             * from theirs. */
            if (rc && !(it->action == SF_ACTION_ACTIVATE && it->info.nothing_written &&
                        u->cls->finish))
                failed = rc;
        }
        if (it->await && u->cls->finish && !u->o.dry_run) {
            if (!waiting)
                waiting = calloc(u->nitems, sizeof(*waiting));
            if (waiting) {
                waiting[nwaiting++] = st;
                continue;
            }
        }
        finish_item(u, it, &st);
    }
    int rc = finish_group(p, waiting, nwaiting, failed);
    free(waiting);
    return failed ? failed : rc;
}

static void pool_one(void *arg, size_t g)
{
    run_group(arg, g);
}

/* Each item's group: its path with parallel, else its journal identity
 * (the device its lock protects). */
static size_t make_groups(struct sf_update *u, size_t *group)
{
    size_t n = 0;
    for (size_t i = 0; i < u->nitems; i++) {
        const struct sf_item *it = &u->items[i];
        group[i] = n;
        for (size_t k = 0; k < i; k++) {
            const struct sf_item *o = &u->items[k];
            if (u->o.parallel ? !strcmp(o->info.target, it->info.target)
                              : !strcmp(sf_item_id(u, o), sf_item_id(u, it))) {
                group[i] = group[k];
                break;
            }
        }
        if (group[i] == n)
            n++;
    }
    return n;
}

static int run_items(struct sf_update *u, struct sf_journal *j, sf_event_cb cb, void *arg,
                     struct sf_errctx *ec)
{
    struct pool p = { .u = u, .j = j, .cb = cb, .arg = arg, .ec = ec };
    /* One physical device (one lock: a board's BMC, one enclosure) is one
     * group whatever jobs says: its items share its session and its
     * order (a BMC's components must not be pushed at once); --parallel
     * alone splits an enclosure, by path. */
    size_t *group = (u->o.jobs > 1 || u->pooled) && (u->nkeys > 1 || u->o.parallel)
                    ? calloc(u->nitems ? u->nitems : 1, sizeof(*group)) : NULL;
    if (!group) { /* one after another: the first failure stops the run */
        int rc = run_group(&p, SIZE_MAX);
        return rc ? rc : p.first;
    }
    p.group = group;
    p.ngroups = make_groups(u, group);
    pthread_mutex_init(&p.mu, NULL);
    pthread_mutex_init(&p.fail_mu, NULL);
    sf_workers_run(p.ngroups, u->o.jobs, pool_one, &p);
    pthread_mutex_destroy(&p.mu);
    pthread_mutex_destroy(&p.fail_mu);
    free(group);
    return p.first;
}

int sf_update_run(sf_update *u, sf_event_cb cb, void *arg, struct sf_errctx *ec)
{
    if (!u || !u->planned || u->ran)
        return SF_EINVAL;
    u->ran = 1;
    if (!u->nitems)
        return 0;
    size_t todo = 0;
    for (size_t i = 0; i < u->nitems; i++)
        todo += u->items[i].info.outcome == SF_OUTCOME_PLANNED;
    if (u->o.dry_run || !todo) { /* nothing to record: every item was decided by the plan */
        sf_update_join_stage(u, NULL);
        sf_update_end_early(u, "completed", "nothing to do");
        return run_items(u, NULL, cb, arg, ec);
    }
    struct sf_journal *j = NULL;
    int locks[SF_UPDATE_MAX_TARGETS];
    size_t nlocks = 0;
    int rc = sf_journal_open(u->ctx, &j, ec);
    if (!rc)
        rc = sf_update_lock(u, locks, &nlocks, ec);
    if (!rc)
        rc = sf_update_recheck(u, j, ec);
    if (!rc)
        rc = sf_update_join_stage(u, ec);
    if (!rc)
        rc = stage_all(u, ec);
    if (!rc)
        rc = start_journal(u, j, ec);
    if (rc) {
        u->res.nothing_written = 1;
        for (size_t i = 0; i < nlocks; i++)
            sf_lock_release(locks[i]);
        nlocks = 0;
        sf_journal_close(j);
        j = NULL;
        sf_update_end_early(u, "refused", ec->msg);
        goto out;
    }
    rc = run_items(u, j, cb, arg, ec);
    struct sf_errctx eec = { 0 };
    if (sf_journal_run_end(j, u->res.run, rc ? "paused-on-error" : "completed",
                           rc ? ec->msg : NULL, &eec) && cb) {
        struct sf_event ev = { SF_EVENT_NOTICE, NULL, eec.msg, 0, 0 };
        cb(&ev, arg);
    }
out:
    for (size_t i = 0; i < nlocks; i++)
        sf_lock_release(locks[i]);
    sf_journal_close(j);
    return rc;
}
