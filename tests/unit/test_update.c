/*
 * test_update.c - the update engine through its public API
 * (include/safeflash/safeflash.h), on the NOR flash model: every step is
 * in the journal before it starts; a damaged journal refuses before any
 * write; a killed install (a forked child SIGKILLed by the model after a
 * chosen operation) is finished by a resume from the journal - on the
 * target, or with no target at all - and only once; another image is
 * refused while one is unfinished; version order; dry runs write nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "safeflash/safeflash.h"
#include "safeflash/sf_emu.h"
#include "sf_test.h"

#define FLASH (4u << 20)

static char dir[64], state[96], flash[96], target[136], layout[96], img[3][96];

static void write_file(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n)
        abort();
    fclose(f);
}

static void setup(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/sf-update-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
    if (system(cmd) != 0)
        abort();
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(flash, sizeof(flash), "%s/flash.bin", dir);
    snprintf(target, sizeof(target), "file:%s", flash);
    snprintf(layout, sizeof(layout), "%s/ab.layout", dir);
    const char *l = "layout ab\nregion a 0 2M\nregion b 2M 2M\n";
    write_file(layout, l, strlen(l));
    uint8_t *b = malloc(FLASH);
    memset(b, 0xff, FLASH);
    write_file(flash, b, FLASH);
    for (int i = 0; i < 3; i++) {
        snprintf(img[i], sizeof(img[i]), "%s/v%d.bin", dir, i + 1);
        for (size_t k = 0; k < 300000; k++)
            b[k] = (uint8_t)(k * 7 + i * 13 + (k >> 9));
        write_file(img[i], b, 300000);
    }
    free(b);
}

static sf_ctx *ctx_with(const char *nor_spec)
{
    sf_ctx *ctx = NULL;
    struct sf_errctx ec = { 0 };
    if (sf_ctx_new(&ctx) || sf_ctx_set_state_dir(ctx, state) ||
        sf_emu_nor_attach(ctx, nor_spec, &ec))
        abort();
    return ctx;
}

struct seen {
    int steps, journaled_steps, results;
};

static void on_event(const struct sf_event *ev, void *arg)
{
    struct seen *s = arg;
    if (ev->kind == SF_EVENT_STEP) {
        s->steps++;
        s->journaled_steps += ev->item && ev->item->attempt > 0;
    }
    s->results += ev->kind == SF_EVENT_RESULT;
}

/* One update; returns the run's result code, the item in *out. */
static int update(sf_ctx *ctx, enum sf_action act, const char *image, const char *version,
                  int ntargets, int allow_downgrade, int restart, int dry,
                  struct sf_item_info *out, size_t *count, struct seen *seen, int *plan_rc)
{
    struct sf_update_options o;
    sf_update_options_init(&o);
    o.layout = layout;
    o.image_version = version;
    o.allow_downgrade = allow_downgrade;
    o.restart = restart;
    o.dry_run = dry;
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    if (sf_update_new(ctx, act, &o, &u))
        abort();
    if (image && sf_update_set_image(u, image))
        abort();
    if (ntargets && sf_update_add_target(u, target))
        abort();
    int rc = sf_update_plan(u, &ec);
    *plan_rc = rc;
    *count = rc ? 0 : sf_update_count(u);
    if (!rc && *count)
        rc = sf_update_run(u, on_event, seen, &ec);
    if (*count && out)
        *out = *sf_update_item(u, 0);
    sf_update_free(u);
    return rc;
}

static int boots_version(sf_ctx *ctx, char *out, size_t cap)
{
    const char *t[] = { target };
    struct sf_update_options o;
    sf_update_options_init(&o);
    o.layout = layout;
    char *json = NULL;
    struct sf_errctx ec = { 0 };
    out[0] = '\0';
    if (sf_show(ctx, t, 1, &o, &json, &ec))
        return -1;
    /* "boots":"a" or "b" and that region's version: enough to find it. */
    const char *b = strstr(json, "\"boots\":\"");
    out[0] = '\0';
    if (b) {
        char region[4] = { b[9], 0 };
        char key[64];
        snprintf(key, sizeof(key), "\"name\":\"%s\"", region);
        const char *r = strstr(json, key), *v = r ? strstr(r, "\"version\":\"") : NULL;
        if (v)
            sscanf(v + 11, "%31[^\"]", out);
    }
    (void)cap;
    int interrupted = strstr(json, "\"interrupted\"") != NULL;
    free(json);
    return interrupted;
}

SF_TEST(update_journals_every_step_before_it_starts)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(it.outcome, SF_OUTCOME_UPDATED);
    CHECK_STR(it.version_after, "1.0");
    CHECK(it.attempt > 0);
    CHECK(s.steps >= 2);
    CHECK_EQ(s.journaled_steps, s.steps);
    CHECK_EQ(s.results, 1);
    char v[32];
    CHECK_EQ(boots_version(ctx, v, sizeof(v)), 0);
    CHECK_STR(v, "1.0");
    sf_ctx_free(ctx);
}

SF_TEST(update_damaged_journal_refuses_before_any_write)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    char db[128];
    snprintf(db, sizeof(db), "%s/history.db", state);
    CHECK_EQ(mkdir(state, 0755), 0);
    write_file(db, "this is not a database, and it is long enough to look like one", 63);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 0, 0, 0, &it, &n, &s, &prc),
             SF_EJOURNAL);
    CHECK_EQ(prc, SF_EJOURNAL);
    CHECK_EQ(s.steps, 0);
    char v[32];
    boots_version(ctx, v, sizeof(v));
    CHECK_STR(v, "");
    sf_ctx_free(ctx);
}

/* Install img[i] as version in a child the NOR model kills after its
 * k-th writing operation; returns the child's wait status. */
static int killed_install(int i, const char *version, unsigned k)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char spec[64];
        snprintf(spec, sizeof(spec), "kill-after=%u", k);
        sf_ctx *ctx = ctx_with(spec);
        struct sf_item_info it;
        size_t n = 0;
        struct seen s = { 0 };
        int prc = 0;
        update(ctx, SF_ACTION_INSTALL, img[i], version, 1, 0, 0, 0, &it, &n, &s, &prc);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

SF_TEST(update_killed_install_is_finished_by_resume_once)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    int st = killed_install(1, "2.0", 3);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    char v[32];
    CHECK_EQ(boots_version(ctx, v, sizeof(v)), 1); /* the journal shows it interrupted */
    CHECK_STR(v, "1.0");
    /* Another image meanwhile: refused. */
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[2], "3.0", 1, 0, 0, 0, &it, &n, &s, &prc),
             SF_EUNFINISHED);
    /* The resume continues it from the staged image: the file is gone. */
    CHECK_EQ(unlink(img[1]), 0);
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 1);
    CHECK(it.continues > 0);
    CHECK_STR(it.version_new, "2.0");
    CHECK_EQ(it.outcome, SF_OUTCOME_UPDATED);
    CHECK_STR(it.version_after, "2.0");
    CHECK_EQ(boots_version(ctx, v, sizeof(v)), 0);
    CHECK_STR(v, "2.0");
    /* Nothing left: a second resume has no items. */
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 0);
    sf_ctx_free(ctx);
}

SF_TEST(update_bare_resume_reopens_the_run)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    int st = killed_install(0, "1.0", 5);
    CHECK(WIFSIGNALED(st));
    /* No target, no layout: both come from the journal. */
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_update_new(ctx, SF_ACTION_RESUME, NULL, &u), 0);
    CHECK_EQ(sf_update_plan(u, &ec), 0);
    CHECK_EQ(sf_update_count(u), 1);
    CHECK(sf_update_result(u)->resumed_run[0] != '\0');
    CHECK_EQ(sf_update_run(u, on_event, &s, &ec), 0);
    CHECK_EQ(sf_update_item(u, 0)->outcome, SF_OUTCOME_UPDATED);
    sf_update_free(u);
    char v[32];
    CHECK_EQ(boots_version(ctx, v, sizeof(v)), 0);
    CHECK_STR(v, "1.0");
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 0, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 0);
    sf_ctx_free(ctx);
}

SF_TEST(update_version_order_and_dry_run)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[1], "2.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 0, 0, 0, &it, &n, &s, &prc),
             SF_EVERSION);
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[2], "3.0", 1, 0, 0, 1, &it, &n, &s, &prc), 0);
    CHECK_EQ(it.outcome, SF_OUTCOME_DRY_RUN);
    CHECK_EQ(it.attempt, 0);
    char v[32];
    boots_version(ctx, v, sizeof(v));
    CHECK_STR(v, "2.0");
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 1, 0, 0, &it, &n, &s, &prc), 0);
    boots_version(ctx, v, sizeof(v));
    CHECK_STR(v, "1.0");
    sf_ctx_free(ctx);
}

/* A plan is not run stale: another update between plan and run (while an
 * operator is asked) makes the run refuse, instead of downgrading. */
SF_TEST(update_stale_plan_is_refused)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    struct sf_update_options o;
    sf_update_options_init(&o);
    o.layout = layout;
    o.image_version = "2.0";
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_update_new(ctx, SF_ACTION_INSTALL, &o, &u), 0);
    CHECK_EQ(sf_update_set_image(u, img[1]), 0);
    CHECK_EQ(sf_update_add_target(u, target), 0);
    CHECK_EQ(sf_update_plan(u, &ec), 0);
    /* meanwhile, 3.0 goes on */
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[2], "3.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(sf_update_run(u, NULL, NULL, &ec), SF_ECHANGED);
    CHECK(sf_update_result(u)->nothing_written);
    sf_update_free(u);
    char v[32];
    boots_version(ctx, v, sizeof(v));
    CHECK_STR(v, "3.0");
    sf_ctx_free(ctx);
}

/* A failed install (the flash refused a program) pauses its run; resume
 * takes it up, as the failure's own advice says. */
SF_TEST(update_failed_attempt_is_resumed)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL), *faulty = ctx_with("fault=program@3");
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[0], "1.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK(update(faulty, SF_ACTION_INSTALL, img[1], "2.0", 1, 0, 0, 0, &it, &n, &s, &prc) != 0);
    CHECK_EQ(it.outcome, SF_OUTCOME_FAILED);
    CHECK(it.next[0] != '\0');
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(it.outcome, SF_OUTCOME_UPDATED);
    CHECK_STR(it.version_after, "2.0");
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 0);
    sf_ctx_free(faulty);
    sf_ctx_free(ctx);
}

/* The device is the chip, whatever spells it: a kill through one path is
 * resumed through another. */
SF_TEST(update_resume_through_another_spelling)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    int st = killed_install(0, "1.0", 4);
    CHECK(WIFSIGNALED(st));
    char link[128], saved[112];
    snprintf(link, sizeof(link), "%s/alias.bin", dir);
    CHECK_EQ(symlink(flash, link), 0);
    snprintf(saved, sizeof(saved), "%s", target);
    snprintf(target, sizeof(target), "file:%s", link);
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(it.outcome, SF_OUTCOME_UPDATED);
    snprintf(target, sizeof(target), "%s", saved);
    sf_ctx_free(ctx);
}

/* A bare resume continues the newest run with work left, not merely the
 * newest run: a finished update of another flash since does not hide it. */
SF_TEST(update_bare_resume_skips_finished_runs)
{
    setup();
    sf_ctx *ctx = ctx_with(NULL);
    struct sf_item_info it;
    size_t n = 0;
    struct seen s = { 0 };
    int prc = 0;
    CHECK(WIFSIGNALED(killed_install(0, "1.0", 4)));
    char saved[136], other[128];
    snprintf(saved, sizeof(saved), "%s", target);
    snprintf(other, sizeof(other), "%s/other.bin", dir);
    uint8_t *b = malloc(FLASH);
    memset(b, 0xff, FLASH);
    write_file(other, b, FLASH);
    free(b);
    snprintf(target, sizeof(target), "file:%s", other);
    CHECK_EQ(update(ctx, SF_ACTION_INSTALL, img[1], "2.0", 1, 0, 0, 0, &it, &n, &s, &prc), 0);
    snprintf(target, sizeof(target), "%s", saved);
    CHECK_EQ(update(ctx, SF_ACTION_RESUME, NULL, NULL, 0, 0, 0, 0, &it, &n, &s, &prc), 0);
    CHECK_EQ(n, 1);
    CHECK_STR(it.target, saved);
    CHECK_EQ(it.outcome, SF_OUTCOME_UPDATED);
    sf_ctx_free(ctx);
}
