/*
 * test_journal.c - the journal's group commit (update --jobs): eight
 * threads record steps and results of their own attempts at once; every
 * record is on disk when its call returns, none is lost or mixed up, and
 * the records of one attempt keep their order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_journal.h"
#include "sf_test.h"

#define THREADS 8
#define PER 3           /* attempts per thread */
#define STEPS 6

struct worker {
    struct sf_journal *j;
    int64_t ids[PER];
    int failures;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int s = 0; s < STEPS; s++)
        for (int k = 0; k < PER; k++) {
            char step[16];
            snprintf(step, sizeof(step), "step%d", s);
            struct sf_errctx ec = { 0 };
            w->failures += sf_journal_step(w->j, w->ids[k], step, &ec) != 0;
        }
    for (int k = 0; k < PER; k++) {
        struct sf_errctx ec = { 0 };
        w->failures += sf_journal_finish(w->j, w->ids[k], "updated", "2.0", NULL, &ec) != 0;
    }
    return NULL;
}

SF_TEST(journal_group_commit_keeps_every_record_of_every_thread)
{
    char dir[] = "/tmp/sf-journal-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sf_ctx *ctx = NULL;
    CHECK_EQ(sf_ctx_new(&ctx), 0);
    CHECK_EQ(sf_ctx_set_state_dir(ctx, dir), 0);
    struct sf_journal *j = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_journal_open(ctx, &j, &ec), 0);
    if (!j)
        return;
    struct sf_journal_attempt at[THREADS * PER];
    memset(at, 0, sizeof(at));
    for (int i = 0; i < THREADS * PER; i++) {
        snprintf(at[i].a.run, sizeof(at[i].a.run), "run-1");
        snprintf(at[i].a.action, sizeof(at[i].a.action), "install");
        snprintf(at[i].a.path, sizeof(at[i].a.path), "/dev/sg-test%d", i);
        snprintf(at[i].a.logical_id, sizeof(at[i].a.logical_id), "%016x", 0x5000 + i);
        snprintf(at[i].a.from_rev, sizeof(at[i].a.from_rev), "1.0");
        snprintf(at[i].a.expected_rev, sizeof(at[i].a.expected_rev), "2.0");
    }
    CHECK_EQ(sf_journal_start(j, "run-1", "install", "install", "{}", NULL, at, THREADS * PER,
                              &ec), 0);
    struct worker w[THREADS];
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
        w[t].j = j;
        w[t].failures = 0;
        for (int k = 0; k < PER; k++)
            w[t].ids[k] = at[t * PER + k].id;
        CHECK_EQ(pthread_create(&th[t], NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        CHECK_EQ(w[t].failures, 0);
    }
    struct sf_hist_attempt *a = NULL;
    size_t n = 0;
    CHECK_EQ(sf_history_attempts(sf_journal_history(j), NULL, &a, &n, &ec), 0);
    CHECK_EQ(n, THREADS * PER);
    for (size_t i = 0; i < n; i++) {
        CHECK(!strcmp(a[i].result, "updated"));
        CHECK(!strcmp(a[i].to_rev, "2.0"));
        /* every step, in order (the history may add its own last phase) */
        CHECK(a[i].n_phases >= STEPS);
        for (size_t s = 0; s < STEPS && s < a[i].n_phases; s++) {
            char want[16];
            snprintf(want, sizeof(want), "step%zu", s);
            CHECK(!strcmp(a[i].phases[s].phase, want));
        }
    }
    sf_hist_attempts_free(a, n);
    sf_journal_close(j);
    sf_ctx_free(ctx);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
}
