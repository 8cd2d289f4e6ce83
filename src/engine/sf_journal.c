/*
 * sf_journal.c - durable, checked journal records for the engine.  See
 * sf_journal.h for the invariants.
 */
#include "engine/sf_journal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A step or a result waiting for the next group commit. */
struct jreq {
    int finish;               /* 0: a step */
    int64_t attempt;
    const char *a, *b, *c;    /* step | result, to_version, error */
    int rc, done;
    struct sf_errctx ec;
    struct jreq *next;
};

struct sf_journal {
    struct sf_history *h;
    /* Group commit: steps and results of several threads (update --jobs)
     * that queue up while one transaction commits share the next one -
     * one fsync for all of them, each returning only once its own record
     * is on disk. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct jreq *q, **tail;
    int busy;
};

static struct sf_journal *jnew(void)
{
    struct sf_journal *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    j->tail = &j->q;
    return j;
}

/* Every failure of the journal is SF_EJOURNAL for the engine: whatever
 * the reason (a full disk, a read-only file system, a damaged database),
 * nothing more may be written to a device. */
static int jfail(struct sf_errctx *ec, const char *what, const struct sf_errctx *why)
{
    return sf_err_set(ec, SF_EJOURNAL, "the journal cannot record %s: %s", what,
                      why && why->msg[0] ? why->msg : "write failed");
}

/* A transaction that failed: rolled back, with the database's reason in
 * why unless it has one already. */
static void tx_abort(struct sf_journal *j, struct sf_errctx *why)
{
    sf_history_tx_rollback(j->h);
    if (!why->msg[0])
        sf_history_last_error(j->h, why);
}

int sf_journal_open(sf_ctx *ctx, struct sf_journal **out, struct sf_errctx *ec)
{
    *out = NULL;
    struct sf_journal *j = jnew();
    if (!j)
        return SF_ENOMEM;
    struct sf_errctx hec = { 0 };
    if (sf_history_open(sf_ctx_state_dir(ctx), &j->h, &hec) ||
        sf_history_set_durable(j->h, 1, &hec)) {
        sf_journal_close(j);
        return jfail(ec, "this update", &hec);
    }
    *out = j;
    return 0;
}

int sf_journal_open_existing(sf_ctx *ctx, struct sf_journal **out, struct sf_errctx *ec)
{
    *out = NULL;
    struct sf_journal *j = jnew();
    if (!j)
        return SF_ENOMEM;
    struct sf_errctx hec = { 0 };
    /* Reading creates nothing, and works where it may not write. */
    if (sf_history_open_ro(sf_ctx_state_dir(ctx), &j->h, &hec)) {
        sf_journal_close(j);
        return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read: %s", hec.msg);
    }
    if (!j->h) {
        sf_journal_close(j);
        return 0; /* nothing was ever recorded here */
    }
    *out = j;
    return 0;
}

void sf_journal_close(struct sf_journal *j)
{
    if (!j)
        return;
    sf_history_close(j->h);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}

struct sf_history *sf_journal_history(struct sf_journal *j)
{
    return j->h;
}

int sf_journal_start(struct sf_journal *j, const char *run, const char *action,
                     const char *argv_joined, const char *request, const char *resumes,
                     struct sf_journal_attempt *at, size_t n, struct sf_errctx *ec)
{
    struct sf_errctx hec = { 0 };
    int rc = sf_history_tx_begin(j->h, &hec);
    if (!rc)
        rc = sf_history_run_begin(j->h, run, action, argv_joined, (int)n);
    if (!rc && request)
        rc = sf_history_run_set_request(j->h, run, request);
    if (!rc && resumes && *resumes) {
        char why[80];
        snprintf(why, sizeof(why), "continued by run %s", run);
        rc = sf_history_run_end(j->h, resumes, "resumed", why);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        for (size_t k = 0; !rc && k < at[i].nabandon; k++)
            rc = sf_history_finish(j->h, at[i].abandon[k], "abandoned", NULL,
                                   "superseded with --restart");
        if (rc)
            break;
        int64_t id = sf_history_begin(j->h, &at[i].a, &hec);
        if (id <= 0) {
            rc = id < 0 ? (int)id : SF_ESTATE;
            break;
        }
        at[i].id = id;
        if (at[i].a.resumed_from > 0 && !at[i].continues_finished) {
            char why[64];
            snprintf(why, sizeof(why), "continued by #%lld", (long long)id);
            rc = sf_history_finish(j->h, at[i].a.resumed_from, "interrupted", NULL, why);
        }
    }
    if (!rc)
        rc = sf_history_runs_continued(j->h, run);
    if (!rc)
        rc = sf_history_tx_commit(j->h, &hec);
    if (rc) {
        tx_abort(j, &hec);
        for (size_t i = 0; i < n; i++)
            at[i].id = 0;
        return jfail(ec, "the run and its attempts", &hec);
    }
    return 0;
}

/* Apply one queued record inside the open transaction. */
static void apply(struct sf_journal *j, struct jreq *r)
{
    r->rc = r->finish ? sf_history_finish(j->h, r->attempt, r->a, r->b, r->c)
                      : sf_history_phase(j->h, r->attempt, r->a, NULL);
    if (r->rc)
        sf_history_last_error(j->h, &r->ec);
}

/* Queue r and return once it is committed (by this thread, leading a
 * batch, or by the thread that leads the batch it joined). */
static int submit(struct sf_journal *j, struct jreq *r)
{
    pthread_mutex_lock(&j->mu);
    *j->tail = r;
    j->tail = &r->next;
    while (!r->done) {
        if (j->busy) {
            pthread_cond_wait(&j->cv, &j->mu);
            continue;
        }
        j->busy = 1;
        struct jreq *batch = j->q;
        j->q = NULL;
        j->tail = &j->q;
        pthread_mutex_unlock(&j->mu);
        struct sf_errctx tec = { 0 };
        int trc = sf_history_tx_begin(j->h, &tec);
        for (struct jreq *x = batch; !trc && x; x = x->next)
            apply(j, x);
        if (!trc)
            trc = sf_history_tx_commit(j->h, &tec);
        if (trc) {
            tx_abort(j, &tec);
        }
        pthread_mutex_lock(&j->mu);
        for (struct jreq *x = batch, *nx; x; x = nx) {
            nx = x->next;
            if (trc) {
                x->rc = trc;
                x->ec = tec;
            }
            x->done = 1;
        }
        j->busy = 0;
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return r->rc;
}

int sf_journal_step(struct sf_journal *j, int64_t attempt, const char *step, struct sf_errctx *ec)
{
    struct jreq r = { .attempt = attempt, .a = step };
    if (submit(j, &r)) {
        char what[120];
        snprintf(what, sizeof(what), "the step \"%s\"", step);
        return jfail(ec, what, &r.ec);
    }
    return 0;
}

int sf_journal_finish(struct sf_journal *j, int64_t attempt, const char *result,
                      const char *to_version, const char *error, struct sf_errctx *ec)
{
    struct jreq r = { .finish = 1, .attempt = attempt, .a = result, .b = to_version, .c = error };
    if (submit(j, &r))
        return jfail(ec, "the result", &r.ec);
    return 0;
}

int sf_journal_run_end(struct sf_journal *j, const char *run, const char *state,
                       const char *reason, struct sf_errctx *ec)
{
    if (sf_history_run_end(j->h, run, state, reason)) {
        struct sf_errctx hec = { 0 };
        sf_history_last_error(j->h, &hec);
        return jfail(ec, "the end of the run", &hec);
    }
    return 0;
}

int sf_journal_run_record(struct sf_journal *j, const char *run, const char *action,
                          const char *argv_joined, const char *request, struct sf_errctx *ec)
{
    struct sf_errctx hec = { 0 };
    int rc = sf_history_tx_begin(j->h, &hec);
    if (!rc)
        rc = sf_history_run_begin(j->h, run, action, argv_joined, 0);
    if (!rc)
        rc = sf_history_run_set_request(j->h, run, request);
    if (!rc)
        rc = sf_history_tx_commit(j->h, &hec);
    if (rc) {
        tx_abort(j, &hec);
        return jfail(ec, "the run", &hec);
    }
    return 0;
}

int sf_journal_run_forget(struct sf_journal *j, const char *run, struct sf_errctx *ec)
{
    if (sf_history_run_forget(j->h, run)) {
        struct sf_errctx hec = { 0 };
        sf_history_last_error(j->h, &hec);
        return jfail(ec, "the run's removal", &hec);
    }
    return 0;
}
