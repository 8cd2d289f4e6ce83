/*
 * test_history.c - the state directory and its history database as
 * safeflash trusts them (src/state/sf_history.c): the directory made 0700
 * and refused when others may write it; history.db made whole or not at
 * all, never started afresh over an empty or damaged one; and read-only
 * opens that create nothing and work where the process may not write.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sf_test.h"
#include "state/sf_history.h"
#include "test_util.h"

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && n == len ? 0 : -1;
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* One finished attempt in a new history at state. */
static int record(const char *state)
{
    struct sf_history *h = NULL;
    if (sf_history_open(state, &h, NULL))
        return -1;
    struct sf_attempt a;
    memset(&a, 0, sizeof(a));
    snprintf(a.run, sizeof(a.run), "run-1");
    snprintf(a.action, sizeof(a.action), "install");
    snprintf(a.path, sizeof(a.path), "/dev/sg-unit0");
    snprintf(a.logical_id, sizeof(a.logical_id), "5000000000000110");
    int rc = sf_history_run_begin(h, "run-1", "install", "install x", 1);
    int64_t id = rc ? -1 : sf_history_begin(h, &a, NULL);
    if (id <= 0 || sf_history_finish(h, id, "updated", "0300", NULL))
        rc = -1;
    sf_history_close(h);
    return rc;
}

SF_TEST(history_state_dir_made_0700_and_refused_when_others_may_write)
{
    char dir[64], state[128], want[512];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(state, sizeof(state), "%s/a/b/state", dir);
    CHECK_EQ(sf_state_mkdir(state, &ec), 0);
    struct stat st;
    CHECK(stat(state, &st) == 0 && (st.st_mode & 07777) == 0700);
    CHECK_EQ(sf_state_check(state, &ec), 0);

    CHECK_EQ(chmod(state, 0777), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_state_mkdir(state, &ec), SF_ESTATE);
    snprintf(want, sizeof(want), "refusing state directory: %s is world-writable (chmod go-w %s)",
             state, state);
    CHECK_STR(ec.msg, want);
    struct sf_history *h = NULL;
    CHECK_EQ(sf_history_open(state, &h, &ec), SF_ESTATE);
    CHECK_EQ(sf_history_open_ro(state, &h, &ec), SF_ESTATE);
    CHECK(h == NULL);
    CHECK_EQ(chmod(state, 0770), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_state_check(state, &ec), SF_ESTATE);
    CHECK(strstr(ec.msg, "group-writable") != NULL);
    CHECK_EQ(chmod(state, 0755), 0); /* readable by others is fine */
    CHECK_EQ(sf_state_check(state, &ec), 0);
    if (geteuid() == 0) {
        CHECK_EQ(chown(state, 4321, 4321), 0);
        sf_errctx_clear(&ec);
        CHECK_EQ(sf_state_check(state, &ec), SF_ESTATE);
        snprintf(want, sizeof(want), "refusing state directory: %s is owned by uid 4321, neither "
                 "root nor you (chown root %s)", state, state);
        CHECK_STR(ec.msg, want);
        CHECK_EQ(chown(state, 0, 0), 0);
    }
    /* Missing: SF_ENODEV for a check, and nothing made by it. */
    snprintf(state, sizeof(state), "%s/none", dir);
    CHECK_EQ(sf_state_check(state, &ec), SF_ENODEV);
    CHECK(access(state, F_OK) != 0);
    tu_rm_rf(dir);
}

SF_TEST(history_damaged_database_is_never_started_afresh)
{
    char dir[64], db[128], want[512];
    struct sf_errctx ec = { 0 };
    struct sf_history *h = NULL;
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(db, sizeof(db), "%s/history.db", dir);
    /* Empty: SQLite would take it for a new database. */
    CHECK_EQ(write_file(db, "", 0), 0);
    CHECK_EQ(sf_history_open(dir, &h, &ec), SF_ESTATE);
    snprintf(want, sizeof(want), "%s is damaged (an empty file): move it aside (mv %s %s.bad) to "
             "start a new history", db, db, db);
    CHECK_STR(ec.msg, want);
    CHECK_EQ(size_of(db), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_history_open_ro(dir, &h, &ec), SF_ESTATE);
    CHECK_STR(ec.msg, want);
    CHECK(h == NULL);
    /* Garbage. */
    char junk[4096];
    memset(junk, 'x', sizeof(junk));
    CHECK_EQ(write_file(db, junk, sizeof(junk)), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_history_open(dir, &h, &ec), SF_ESTATE);
    CHECK(strstr(ec.msg, "history.db is damaged (file is not a database): move it aside (mv ") != NULL);
    CHECK_EQ(size_of(db), sizeof(junk));
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_history_open_ro(dir, &h, &ec), SF_ESTATE);
    CHECK(strstr(ec.msg, "is damaged (") != NULL);
    /* Moved aside as told: a new history starts. */
    char bad[160];
    snprintf(bad, sizeof(bad), "%s.bad", db);
    CHECK_EQ(rename(db, bad), 0);
    CHECK_EQ(record(dir), 0);
    CHECK(size_of(db) > 0);
    CHECK_EQ(size_of(bad), sizeof(junk));
    /* A good database whose pages were damaged later: the query says so. */
    int fd = open(db, O_WRONLY);
    CHECK(fd >= 0);
    off_t sz = size_of(db);
    for (off_t at = 4096; fd >= 0 && at < sz; at += (off_t)sizeof(junk))
        CHECK(pwrite(fd, junk, sizeof(junk), at) == (ssize_t)sizeof(junk)); /* pages 2... */
    if (fd >= 0)
        close(fd);
    CHECK_EQ(sf_history_open_ro(dir, &h, &ec), 0);
    if (h) {
        struct sf_hist_attempt *a = NULL;
        size_t n = 0;
        sf_errctx_clear(&ec);
        CHECK_EQ(sf_history_attempts(h, NULL, &a, &n, &ec), SF_ESTATE);
        sf_hist_attempts_free(a, n);
        CHECK(strstr(ec.msg, "is damaged (") != NULL);
        CHECK(strstr(ec.msg, "to start a new history") != NULL);
        sf_history_close(h);
        h = NULL;
    }
    tu_rm_rf(dir);
}

SF_TEST(history_refuses_a_link_or_other_file_as_its_database)
{
    char dir[64], db[128], victim[128];
    struct sf_errctx ec = { 0 };
    struct sf_history *h = NULL;
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(db, sizeof(db), "%s/history.db", dir);
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    CHECK_EQ(write_file(victim, "", 0), 0);
    CHECK_EQ(symlink(victim, db), 0);
    CHECK_EQ(sf_history_open(dir, &h, &ec), SF_ESTATE);
    CHECK(strstr(ec.msg, "symbolic link") != NULL);
    CHECK_EQ(size_of(victim), 0);
    CHECK_EQ(sf_history_open_ro(dir, &h, &ec), SF_ESTATE);
    CHECK_EQ(unlink(db), 0);
    CHECK_EQ(mkfifo(db, 0600), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_history_open(dir, &h, &ec), SF_ESTATE);
    CHECK(strstr(ec.msg, "not a regular file") != NULL);
    CHECK_EQ(unlink(db), 0);
    /* SQLite's own -wal beside a real database: not followed either. */
    CHECK_EQ(sf_history_open(dir, &h, &ec), 0);
    sf_history_close(h);
    h = NULL;
    char wal[160];
    snprintf(wal, sizeof(wal), "%s-wal", db);
    CHECK_EQ(symlink(victim, wal), 0);
    CHECK(sf_history_open(dir, &h, &ec) != 0);
    CHECK(h == NULL);
    CHECK(sf_history_open_ro(dir, &h, &ec) != 0);
    CHECK(h == NULL);
    CHECK_EQ(size_of(victim), 0);
    tu_rm_rf(dir);
}

SF_TEST(history_missing_database_is_made_whole_on_first_write_only)
{
    char dir[64], state[128], db[160];
    struct sf_errctx ec = { 0 };
    struct sf_history *h = NULL;
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(db, sizeof(db), "%s/history.db", state);
    /* Reading creates nothing: no directory, no database. */
    CHECK_EQ(sf_history_open_ro(state, &h, &ec), 0);
    CHECK(h == NULL);
    CHECK(access(state, F_OK) != 0);
    CHECK_EQ(mkdir(state, 0700), 0);
    CHECK_EQ(sf_history_open_ro(state, &h, &ec), 0);
    CHECK(h == NULL);
    CHECK(access(db, F_OK) != 0);
    /* Writing makes it, whole; only history.db is left (the temporary
     * name it was made under is gone). */
    CHECK_EQ(record(state), 0);
    CHECK(size_of(db) > 0);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s')\" = history.db", state);
    CHECK_EQ(system(cmd), 0);
    CHECK_EQ(sf_history_open_ro(state, &h, &ec), 0);
    CHECK(h != NULL);
    if (h) {
        struct sf_hist_attempt *a = NULL;
        size_t n = 0;
        CHECK_EQ(sf_history_attempts(h, NULL, &a, &n, &ec), 0);
        CHECK_EQ(n, 1);
        sf_hist_attempts_free(a, n);
        /* Read-only: a write fails, and changes nothing. */
        CHECK_EQ(sf_history_run_begin(h, "run-2", "install", "x", 1), SF_ESTATE);
        sf_history_close(h);
    }
    /* Reading left nothing beside it either (no -wal, no -shm). */
    CHECK_EQ(system(cmd), 0);
    /* A writer that comes while it is read: an error then says so, rather
     * than calling a torn read damage. */
    CHECK_EQ(sf_history_open_ro(state, &h, &ec), 0);
    CHECK_EQ(record(state), 0);
    if (h) {
        sf_errctx_clear(&ec);
        sf_history_last_error(h, &ec);
        CHECK(strstr(ec.msg, "changed while it was read (a safeflash is writing it): run the "
                     "command again") != NULL);
        sf_history_close(h);
    }
    tu_rm_rf(dir);
}

/* In a child that is nobody: read the history at state read-only; exit 0
 * when one attempt was read, 2 when it could not be opened, 3 read. */
static int read_as_nobody(const char *state)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
            _exit(9);
        struct sf_history *h = NULL;
        struct sf_errctx ec = { 0 };
        if (sf_history_open_ro(state, &h, &ec) || !h) {
            fprintf(stderr, "    nobody: %s\n", ec.msg);
            _exit(2);
        }
        struct sf_hist_attempt *a = NULL;
        size_t n = 0;
        int rc = sf_history_attempts(h, NULL, &a, &n, &ec);
        if (rc)
            fprintf(stderr, "    nobody: %s\n", ec.msg);
        sf_hist_attempts_free(a, n);
        sf_history_close(h);
        _exit(rc || n != 1 ? 3 : 0);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

SF_TEST(history_read_only_where_it_may_not_write)
{
    if (geteuid() != 0) {
        printf("    (skipped: becoming nobody needs root)\n");
        return;
    }
    char dir[64], state[128];
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    CHECK_EQ(chmod(dir, 0755), 0);
    snprintf(state, sizeof(state), "%s/state", dir);
    CHECK_EQ(record(state), 0);
    /* root's state directory, readable by others: nobody reads it, and
     * creates nothing there (no -wal, no -shm). */
    CHECK_EQ(chmod(state, 0755), 0);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "chmod 644 '%s'/history.db", state);
    CHECK_EQ(system(cmd), 0);
    CHECK_EQ(read_as_nobody(state), 0);
    snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s')\" = history.db", state);
    CHECK_EQ(system(cmd), 0);
    tu_rm_rf(dir);
}
