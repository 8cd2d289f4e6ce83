/*
 * test_lock.c - the per-device lock (src/state/sf_lock.c): it takes and
 * refuses as before, and a lock file or locks/ directory that is not the
 * state directory's own - a symbolic link, a FIFO - is refused with one
 * line, without truncating or writing what a link names.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sf_test.h"
#include "state/sf_lock.h"
#include "test_util.h"

static int put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int same(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return !strcmp(buf, text);
}

SF_TEST(lock_takes_and_refuses)
{
    char dir[64], state[128], locks[160];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(locks, sizeof(locks), "%s/locks", state);
    int fd = sf_lock_acquire(state, "5000000000000110", &ec);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(stat(locks, &st) == 0 && (st.st_mode & 07777) == 0700);
    CHECK_EQ(sf_lock_acquire(state, "5000000000000110", &ec), SF_ELOCKED);
    CHECK(strstr(ec.msg, "another safeflash (pid ") != NULL);
    sf_lock_release(fd);
    fd = sf_lock_acquire(state, "5000000000000110", &ec);
    CHECK(fd >= 0);
    sf_lock_release(fd);
    tu_rm_rf(dir);
}

SF_TEST(lock_never_follows_a_planted_link)
{
    char dir[64], state[128], lock[200], victim[128], want[400];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    snprintf(lock, sizeof(lock), "%s/locks/5000000000000110.lock", state);
    sf_lock_release(sf_lock_acquire(state, "other", &ec)); /* makes locks/ */
    CHECK_EQ(put(victim, "precious\n"), 0);
    CHECK_EQ(symlink(victim, lock), 0);
    CHECK_EQ(sf_lock_acquire(state, "5000000000000110", &ec), SF_ESTATE);
    snprintf(want, sizeof(want), "refusing lock file %s: a symbolic link, not followed (remove it)",
             lock);
    CHECK_STR(ec.msg, want);
    CHECK(same(victim, "precious\n"));
    /* A dangling link must not create its target either. */
    CHECK_EQ(unlink(lock), 0);
    char made[160];
    snprintf(made, sizeof(made), "%s/made-by-lock", dir);
    CHECK_EQ(symlink(made, lock), 0);
    CHECK_EQ(sf_lock_acquire(state, "5000000000000110", &ec), SF_ESTATE);
    CHECK(access(made, F_OK) != 0);
    CHECK_EQ(unlink(lock), 0);
    /* A FIFO: refused at once, never waited on. */
    CHECK_EQ(mkfifo(lock, 0600), 0);
    alarm(10);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_lock_acquire(state, "5000000000000110", &ec), SF_ESTATE);
    alarm(0);
    CHECK(strstr(ec.msg, "not a regular file") != NULL);
    CHECK_EQ(unlink(lock), 0);
    /* locks/ itself a link to somewhere else. */
    char locks[160], elsewhere[160];
    snprintf(locks, sizeof(locks), "%s/locks", state);
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", dir);
    CHECK_EQ(rename(locks, elsewhere), 0);
    CHECK_EQ(symlink(elsewhere, locks), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_lock_acquire(state, "5000000000000110", &ec), SF_ESTATE);
    CHECK(strstr(ec.msg, "refusing lock directory") != NULL);
    snprintf(made, sizeof(made), "%s/5000000000000110.lock", elsewhere);
    CHECK(access(made, F_OK) != 0);
    tu_rm_rf(dir);
}
