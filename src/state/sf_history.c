/*
 * sf_history.c - SQLite history and journal.  See sf_history.h.
 */
#define _GNU_SOURCE
#include "sf_history.h"

#include "pkg/sf_crypto.h"
#include "util/sf_file.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct sf_history {
    sqlite3 *db;
    int durable;               /* every commit fsync'ed (the engine's journal) */
    int no_request;            /* read-only on a database older than runs.request */
    int immutable;             /* read as immutable: st is the file as it was then */
    struct stat st;
    char path[4200];           /* STATE/history.db as the caller named the directory */
    char real[4200];           /* the same through the directory's real path */
};

/* Read as immutable and since changed - a writer came, and may have moved
 * pages under the reader: what looks damaged may only be torn. */
static int changed(const struct sf_history *h)
{
    if (!h->immutable)
        return 0;
    struct stat st;
    char wal[4300];
    snprintf(wal, sizeof(wal), "%s-wal", h->real);
    return stat(h->real, &st) != 0 || st.st_ino != h->st.st_ino || st.st_size != h->st.st_size ||
           st.st_mtim.tv_sec != h->st.st_mtim.tv_sec ||
           st.st_mtim.tv_nsec != h->st.st_mtim.tv_nsec || access(wal, F_OK) == 0;
}

static const char *SCHEMA =
    "PRAGMA journal_mode=WAL;"
    /* NORMAL: a commit reaches the WAL but is not fsync'ed; the database
     * survives a crash of safeflash intact and complete, and a host power
     * loss intact, possibly without its last records.  The record an
     * interrupted run is judged by - that an attempt started, before its
     * first write to the device - is committed with synchronous=FULL
     * (durable()).  Losing a later record (a phase, a result) can only make
     * safeflash more careful: the attempt looks unfinished, and resume reads
     * where the device is from the device itself and verifies.  Syncing
     * every record cost more than the update on a fast link with --jobs:
     * the writers queue behind each other's fsyncs. */
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS attempts("
    " id INTEGER PRIMARY KEY,"
    " run TEXT NOT NULL, action TEXT NOT NULL,"
    " started TEXT NOT NULL, finished TEXT,"
    " device_path TEXT, logical_id TEXT, vendor TEXT, product TEXT, subenclosure INTEGER,"
    " from_rev TEXT, to_rev TEXT, expected_rev TEXT,"
    " package_sha256 TEXT, image_sha256 TEXT, staged_image TEXT, mode TEXT,"
    " phase TEXT, result TEXT, error TEXT, resumed_from INTEGER);"
    "CREATE TABLE IF NOT EXISTS phases("
    " attempt INTEGER NOT NULL REFERENCES attempts(id), phase TEXT NOT NULL,"
    " at TEXT NOT NULL, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS attempts_open ON attempts(logical_id, finished);"
    "CREATE TABLE IF NOT EXISTS runs("
    " id TEXT PRIMARY KEY, action TEXT, started TEXT NOT NULL, finished TEXT,"
    " state TEXT NOT NULL, reason TEXT, argv TEXT, targets INTEGER, request TEXT);";

static void now_iso(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

void sf_history_new_run(char run[33])
{
    sf_random_hex(run);
}

/* mkdir -p: the parents as usual (0755 less the umask), the state
 * directory itself 0700 - it holds the journal, the locks and the staged
 * images, and is nobody else's to write. */
static int mkdir_p(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    }
    return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* What is trusted in the state directory (the journal says what a resume
 * writes to a device, the locks keep two safeflash apart) is only as good
 * as who can write it: root or the user running safeflash, nobody else. */
static int state_safe(const char *dir, const struct stat *st, struct sf_errctx *ec)
{
    if (!S_ISDIR(st->st_mode))
        return sf_err_set(ec, SF_ESTATE, "refusing state directory %s: not a directory "
                          "(set SAFEFLASH_STATE_DIR or --state-dir)", dir);
    return sf_file_owner_safe("state directory", dir, st, SF_ESTATE, ec);
}

int sf_state_check(const char *state_dir, struct sf_errctx *ec)
{
    struct stat st;
    if (stat(state_dir, &st) != 0)
        return errno == ENOENT ? SF_ENODEV
                               : sf_err_set(ec, errno == EACCES ? SF_EACCES : SF_ESTATE,
                                            "state directory %s: %s", state_dir, strerror(errno));
    return state_safe(state_dir, &st, ec);
}

int sf_state_mkdir(const char *state_dir, struct sf_errctx *ec)
{
    if (mkdir_p(state_dir) != 0)
        return sf_err_set(ec, errno == EACCES ? SF_EACCES : SF_ESTATE,
                          "state directory %s: %s (set SAFEFLASH_STATE_DIR or --state-dir)",
                          state_dir, strerror(errno));
    int rc = sf_state_check(state_dir, ec);
    return rc == SF_ENODEV ? sf_err_set(ec, SF_ESTATE, "state directory %s vanished", state_dir)
                           : rc;
}

/* Another safeflash (a --jobs sibling) holds the write lock for one short
 * transaction: retry every millisecond, for up to 10 s.  SQLite's own busy
 * timeout backs off to 100 ms sleeps, which made a waiter sleep long after
 * a 1 ms transaction had ended. */
static int busy_wait(void *arg, int count)
{
    (void)arg;
    if (count >= 10000)
        return 0;
    struct timespec ts = { 0, 1000 * 1000 };
    nanosleep(&ts, NULL);
    return 1;
}

/* The words for a database that is not one (SQLite: not a database, or
 * malformed): never started afresh over it, but said how to. */
static int damaged(const char *path, const char *why, struct sf_errctx *ec)
{
    return sf_err_set(ec, SF_ESTATE, "%s is damaged (%s): move it aside (mv %s %s.bad) to start "
                      "a new history", path, why, path, path);
}

static int is_damage(int sqlite_rc)
{
    return (sqlite_rc & 0xff) == SQLITE_CORRUPT || (sqlite_rc & 0xff) == SQLITE_NOTADB;
}

/* The database's last error as SF_ESTATE, with the way out when it is
 * damage. */
static int db_error(struct sf_history *h, struct sf_errctx *ec)
{
    if (changed(h))
        return sf_err_set(ec, SF_ESTATE, "history %s changed while it was read (a safeflash is "
                          "writing it): run the command again", h->path);
    if (is_damage(sqlite3_extended_errcode(h->db)))
        return damaged(h->path, sqlite3_errmsg(h->db), ec);
    return sf_err_set(ec, SF_ESTATE, "history: %s", sqlite3_errmsg(h->db));
}

/* history.db of the state directory: *real is the name to open (through
 * the directory's real path, so that SQLITE_OPEN_NOFOLLOW refuses only a
 * link in history.db's own place), h->path the one to show.  0 when it is a
 * regular file that is not empty; SF_ENODEV (no message) when there is
 * none; else SF_ESTATE: a symbolic link, not a regular file, or empty -
 * damaged, for a database is never empty once made (create_db). */
static int db_names(const char *state_dir, struct sf_history *h, char *real, size_t cap,
                    struct sf_errctx *ec)
{
    snprintf(h->path, sizeof(h->path), "%s/history.db", state_dir);
    char rdir[PATH_MAX];
    if (!realpath(state_dir, rdir))
        return sf_err_set(ec, SF_ESTATE, "state directory %s: %s", state_dir, strerror(errno));
    snprintf(real, cap, "%s/history.db", rdir);
    struct stat st;
    if (lstat(real, &st) != 0)
        return errno == ENOENT ? SF_ENODEV
                               : sf_err_set(ec, SF_ESTATE, "%s: %s", h->path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return sf_err_set(ec, SF_ESTATE, "refusing history %s: a symbolic link, not followed "
                          "(remove it)", h->path);
    if (!S_ISREG(st.st_mode))
        return sf_err_set(ec, SF_ESTATE, "refusing history %s: not a regular file", h->path);
    if (st.st_size == 0)
        return damaged(h->path, "an empty file", ec);
    return 0;
}

/* A new history.db, all at once: made under a temporary name with its
 * schema and linked into place, so that the name never holds an empty or
 * half-made database - which the next safeflash would have to refuse
 * (damaged).  A --jobs sibling that links its own first wins; this one's
 * copy is dropped.  0, or SF_ESTATE / SF_EACCES. */
static int create_db(const char *real, const char *shown, struct sf_errctx *ec)
{
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s.new-XXXXXX", real);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sf_err_set(ec, errno == EACCES ? SF_EACCES : SF_ESTATE, "history %s: %s", shown,
                          strerror(errno));
    /* Not secret: whoever may read the state directory may read it. */
    if (fchmod(fd, 0644) != 0)
        (void)0;
    sqlite3 *db = NULL;
    char *err = NULL;
    int rc = 0;
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, SCHEMA, NULL, NULL, &err) != SQLITE_OK)
        rc = sf_err_set(ec, SF_ESTATE, "history %s: %s", shown,
                        err ? err : db ? sqlite3_errmsg(db) : "cannot create");
    sqlite3_free(err);
    /* The last connection: SQLite checkpoints the WAL into the file and
     * removes it. */
    if (sqlite3_close(db) != SQLITE_OK && !rc)
        rc = sf_err_set(ec, SF_ESTATE, "history %s: cannot close the new database", shown);
    if (!rc && fsync(fd) != 0)
        rc = sf_err_set(ec, SF_ESTATE, "history %s: %s", shown, strerror(errno));
    close(fd);
    if (!rc && link(tmp, real) != 0 && errno != EEXIST)
        rc = sf_err_set(ec, SF_ESTATE, "history %s: %s", shown, strerror(errno));
    unlink(tmp);
    if (!rc) {
        char dir[4300];
        snprintf(dir, sizeof(dir), "%s", real);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}

int sf_history_open(const char *state_dir, struct sf_history **out, struct sf_errctx *ec)
{
    *out = NULL;
    int rc = sf_state_mkdir(state_dir, ec);
    if (rc)
        return rc;
    char path[4200], *err = NULL;
    struct sf_history *h = calloc(1, sizeof(*h));
    if (!h)
        return SF_ENOMEM;
    rc = db_names(state_dir, h, path, sizeof(path), ec);
    if (rc == SF_ENODEV)
        rc = create_db(path, h->path, ec);
    if (rc)
        goto fail;
    if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
        SQLITE_OK) {
        rc = sf_err_set(ec, SF_ESTATE, "history %s: %s", h->path,
                        h->db ? sqlite3_errmsg(h->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_handler(h->db, busy_wait, NULL);
    /* Several safeflash processes (--jobs) may open a new database at once.
     * Switching it to WAL takes an exclusive lock, and SQLite reports BUSY
     * there without calling the busy handler: retry for as long as the
     * busy timeout would have waited. */
    int src;
    for (int tries = 0;; tries++) {
        src = sqlite3_exec(h->db, SCHEMA, NULL, NULL, &err);
        if ((src != SQLITE_BUSY && src != SQLITE_LOCKED) || tries >= 1000)
            break;
        sqlite3_free(err);
        err = NULL;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    if (src != SQLITE_OK) {
        rc = is_damage(sqlite3_extended_errcode(h->db))
                 ? damaged(h->path, err ? err : sqlite3_errmsg(h->db), ec)
                 : sf_err_set(ec, SF_ESTATE, "history %s: %s", h->path, err ? err : "schema");
        goto fail;
    }
    /* Databases made before runs recorded what reopens them. */
    if (sqlite3_exec(h->db, "SELECT request FROM runs LIMIT 0", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(h->db, "ALTER TABLE runs ADD COLUMN request TEXT", NULL, NULL, NULL);
    *out = h;
    return 0;
fail:
    sqlite3_free(err);
    sqlite3_close(h->db);
    free(h);
    return rc;
}

/* path as an SQLite URI file name (RFC 3986: everything but unreserved
 * characters and '/' percent-encoded). */
static void uri_path(const char *path, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

/* Open name read-only and read its schema: SQLite's result code. */
static int open_ro(struct sf_history *h, const char *name, int flags)
{
    int rc = sqlite3_open_v2(name, &h->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | flags,
                             NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    return rc == SQLITE_OK ? rc : (h->db ? sqlite3_extended_errcode(h->db) : rc);
}

/* 1 when path-suffix exists (SQLite's -wal or -journal beside it). */
static int beside(const char *path, const char *suffix)
{
    char p[4300];
    struct stat st;
    snprintf(p, sizeof(p), "%s%s", path, suffix);
    return lstat(p, &st) == 0;
}

int sf_history_open_ro(const char *state_dir, struct sf_history **out, struct sf_errctx *ec)
{
    *out = NULL;
    int rc = sf_state_check(state_dir, ec);
    if (rc)
        return rc == SF_ENODEV ? 0 : rc; /* no state directory: nothing recorded */
    char path[4200];
    struct sf_history *h = calloc(1, sizeof(*h));
    if (!h)
        return SF_ENOMEM;
    rc = db_names(state_dir, h, path, sizeof(path), ec);
    if (rc) {
        free(h);
        return rc == SF_ENODEV ? 0 : rc;
    }
    int src;
    if (!beside(path, "-wal") && !beside(path, "-journal")) {
        /* No writer is connected (a WAL database has its -wal while one
         * is) and nothing is left to recover: everything committed is in
         * the file itself.  Read it as immutable - SQLite then makes no
         * -wal or -shm beside it (which a plain read-only open of a WAL
         * database does, and cannot where it may not write: another
         * user's directory, a read-only mount).  A writer that starts and
         * checkpoints meanwhile is noticed by db_error(). */
        char enc[3 * 4200], uri[3 * 4200 + 32];
        uri_path(path, enc, sizeof(enc));
        snprintf(uri, sizeof(uri), "file:%s?immutable=1", enc);
        if (stat(path, &h->st) != 0)
            memset(&h->st, 0, sizeof(h->st));
        snprintf(h->real, sizeof(h->real), "%s", path);
        h->immutable = 1;
        src = open_ro(h, uri, SQLITE_OPEN_URI);
    } else {
        src = open_ro(h, path, 0);
    }
    if (src != SQLITE_OK) {
        rc = is_damage(src) && !changed(h)
                 ? damaged(h->path, sqlite3_errstr(src), ec)
                 : sf_err_set(ec, (src & 0xff) == SQLITE_CANTOPEN ? SF_EACCES : SF_ESTATE,
                              "history %s: %s", h->path,
                              changed(h) ? "changed while it was read (a safeflash is writing "
                              "it): run the command again"
                              : h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(src));
        sqlite3_close(h->db);
        free(h);
        return rc;
    }
    sqlite3_busy_handler(h->db, busy_wait, NULL);
    h->no_request = sqlite3_exec(h->db, "SELECT request FROM runs LIMIT 0", NULL, NULL, NULL) !=
                    SQLITE_OK;
    *out = h;
    return 0;
}

void sf_history_close(struct sf_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* on: commits that follow are fsync'ed (synchronous=FULL); off: back to NORMAL. */
static void durable(struct sf_history *h, int on)
{
    if (h->durable)
        return; /* every commit is synchronous=FULL already */
    sqlite3_exec(h->db, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL,
                 NULL);
}

static int64_t insert_attempt(struct sf_history *h, const struct sf_attempt *a, struct sf_errctx *ec)
{
    static const char *sql =
        "INSERT INTO attempts(run, action, started, device_path, logical_id, vendor, product,"
        " subenclosure, from_rev, expected_rev, package_sha256, image_sha256, staged_image, mode,"
        " phase, resumed_from) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,'planned',?)";
    sqlite3_stmt *st = NULL;
    char ts[32];
    now_iso(ts);
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(h, ec);
    bind_text(st, 1, a->run);
    bind_text(st, 2, a->action);
    bind_text(st, 3, ts);
    bind_text(st, 4, a->path);
    bind_text(st, 5, a->logical_id);
    bind_text(st, 6, a->vendor);
    bind_text(st, 7, a->product);
    sqlite3_bind_int(st, 8, a->sub);
    bind_text(st, 9, a->from_rev);
    bind_text(st, 10, a->expected_rev);
    bind_text(st, 11, a->package_sha);
    bind_text(st, 12, a->image_sha);
    bind_text(st, 13, a->staged);
    bind_text(st, 14, a->mode);
    if (a->resumed_from)
        sqlite3_bind_int64(st, 15, a->resumed_from);
    else
        sqlite3_bind_null(st, 15);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_error(h, ec);
    return sqlite3_last_insert_rowid(h->db);
}

int64_t sf_history_begin(struct sf_history *h, const struct sf_attempt *a, struct sf_errctx *ec)
{
    durable(h, 1);
    int64_t id = insert_attempt(h, a, ec);
    durable(h, 0);
    return id;
}

static int exec_bound(struct sf_history *h, const char *sql, const char *a, const char *b,
                      const char *c, int64_t id);

/* A record's own transaction, unless the caller has one open (a run's
 * first records go in one, sf_history_tx_begin): 1 when this call began
 * one, 0 when it runs inside the caller's, -1 when it could not begin. */
static int tx_own(struct sf_history *h)
{
    if (!sqlite3_get_autocommit(h->db))
        return 0;
    return sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 1 : -1;
}

/* End what tx_own began: commit when rc is 0 (a failed commit is
 * SF_ESTATE), else roll back.  Inside the caller's transaction, rc as is. */
static int tx_end(struct sf_history *h, int own, int rc)
{
    if (!own)
        return rc;
    if (!rc && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return rc ? rc : SF_ESTATE;
}

int sf_history_set_durable(struct sf_history *h, int on, struct sf_errctx *ec)
{
    if (sqlite3_exec(h->db, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                     NULL, NULL) != SQLITE_OK)
        return db_error(h, ec);
    h->durable = on;
    return 0;
}

int sf_history_tx_begin(struct sf_history *h, struct sf_errctx *ec)
{
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(h, ec);
    return 0;
}

int sf_history_tx_commit(struct sf_history *h, struct sf_errctx *ec)
{
    if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(h, ec);
    return 0;
}

void sf_history_tx_rollback(struct sf_history *h)
{
    if (!sqlite3_get_autocommit(h->db))
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

void sf_history_last_error(struct sf_history *h, struct sf_errctx *ec)
{
    db_error(h, ec);
}

int sf_history_run_set_request(struct sf_history *h, const char *run, const char *request)
{
    return exec_bound(h, "UPDATE runs SET request=?1 WHERE id=?2", request, run, NULL, 0);
}

int sf_history_run_request(struct sf_history *h, const char *run, char **out)
{
    *out = NULL;
    if (h->no_request)
        return 0; /* recorded before requests were, as an older front end's run */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, "SELECT request FROM runs WHERE id=?", -1, &st, NULL) !=
        SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, run);
    int rc = SF_ENODEV;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        rc = 0;
        if (t && !(*out = strdup((const char *)t)))
            rc = SF_ENOMEM;
    }
    sqlite3_finalize(st);
    return rc;
}

static int exec_bound(struct sf_history *h, const char *sql, const char *a, const char *b,
                      const char *c, int64_t id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, a);
    bind_text(st, 2, b);
    bind_text(st, 3, c);
    sqlite3_bind_int64(st, 4, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : SF_ESTATE;
}

int sf_history_phase(struct sf_history *h, int64_t id, const char *phase, const char *detail)
{
    if (!h || id <= 0)
        return SF_EINVAL;
    char ts[32];
    now_iso(ts);
    int own = tx_own(h);
    if (own < 0)
        return SF_ESTATE;
    int rc = exec_bound(h, "INSERT INTO phases(phase, at, detail, attempt) VALUES(?,?,?,?)", phase,
                        ts, detail, id);
    if (!rc)
        rc = exec_bound(h, "UPDATE attempts SET phase=?1 WHERE id=?4", phase, NULL, NULL, id);
    return tx_end(h, own, rc);
}

int sf_history_finish(struct sf_history *h, int64_t id, const char *result, const char *to_rev,
                      const char *error)
{
    if (!h || id <= 0)
        return SF_EINVAL;
    char ts[32];
    now_iso(ts);
    sqlite3_stmt *st = NULL;
    /* An attempt is finished once: a second result (two continuations of
     * one attempt, a stale plan) is refused, not written over the first. */
    if (sqlite3_prepare_v2(h->db, "UPDATE attempts SET finished=?, result=?, to_rev=?, error=?,"
                           " phase=? WHERE id=? AND finished IS NULL", -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    /* One transaction for the result and its phase record. */
    int own = tx_own(h);
    if (own < 0) {
        sqlite3_finalize(st);
        return SF_ESTATE;
    }
    bind_text(st, 1, ts);
    bind_text(st, 2, result);
    bind_text(st, 3, to_rev);
    bind_text(st, 4, error);
    bind_text(st, 5, "finished");
    sqlite3_bind_int64(st, 6, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    int err = rc == SQLITE_DONE && sqlite3_changes(h->db) == 1 ? 0 : SF_ESTATE;
    if (!err) {
        char d[64];
        snprintf(d, sizeof(d), "%s", result ? result : "");
        err = exec_bound(h, "INSERT INTO phases(phase, at, detail, attempt) VALUES(?,?,?,?)",
                         "finished", ts, d, id);
    }
    return tx_end(h, own, err);
}

static void col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* One row of (id, subenclosure, action, phase, image_sha256,
 * package_sha256, staged_image, mode, expected_rev, device_path,
 * from_rev[, run, result]). */
static void read_unfinished(sqlite3_stmt *st, struct sf_unfinished *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    u->sub = sqlite3_column_int(st, 1);
    col(st, 2, u->action, sizeof(u->action));
    col(st, 3, u->phase, sizeof(u->phase));
    col(st, 4, u->image_sha, sizeof(u->image_sha));
    col(st, 5, u->package_sha, sizeof(u->package_sha));
    col(st, 6, u->staged, sizeof(u->staged));
    col(st, 7, u->mode, sizeof(u->mode));
    col(st, 8, u->expected_rev, sizeof(u->expected_rev));
    col(st, 9, u->path, sizeof(u->path));
    col(st, 10, u->from_rev, sizeof(u->from_rev));
    if (sqlite3_column_count(st) > 12) {
        col(st, 11, u->run, sizeof(u->run));
        col(st, 12, u->result, sizeof(u->result));
    }
}

int sf_history_unfinished(struct sf_history *h, const char *logical_id, struct sf_unfinished *out,
                          size_t max, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT id, subenclosure, action, phase, image_sha256, package_sha256,"
                           " staged_image, mode, expected_rev, device_path, from_rev FROM attempts"
                           " WHERE logical_id=? AND finished IS NULL ORDER BY id DESC",
                           -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, logical_id);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        struct sf_unfinished *u = &out[(*n)++];
        read_unfinished(st, u);
    }
    sqlite3_finalize(st);
    /* A journal that cannot be read is never "nothing unfinished". */
    return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : SF_ESTATE;
}

int sf_history_resumable_failure(struct sf_history *h, const char *logical_id, int sub,
                                 struct sf_unfinished *out)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(h->db,
                           "SELECT a.id, a.subenclosure, a.action, a.phase, a.image_sha256,"
                           " a.package_sha256, a.staged_image, a.mode, a.expected_rev,"
                           " a.device_path, a.from_rev, a.run, a.result FROM attempts a"
                           " JOIN runs r ON r.id = a.run WHERE a.logical_id=?1 AND"
                           " a.subenclosure=?2 AND a.id = (SELECT max(id) FROM attempts WHERE"
                           " logical_id=?1 AND subenclosure=?2) AND a.result IN ('failed',"
                           " 'not-attempted', 'degraded') AND r.state = 'paused-on-error'",
                           -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, logical_id);
    sqlite3_bind_int(st, 2, sub);
    int src = sqlite3_step(st), rc = src == SQLITE_DONE ? SF_ENODEV : SF_ESTATE;
    if (src == SQLITE_ROW) {
        read_unfinished(st, out);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}


/* Run an attempts query binding ?1 logical id, ?2 sub and, when run is not
 * NULL, ?3 run; fill *out from its first row (id, result, image_sha256,
 * from_rev, expected_rev, to_rev). */
static int query_attempt(struct sf_history *h, const char *sql, const char *logical_id, int sub,
                         const char *run, struct sf_last_attempt *out)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, logical_id);
    sqlite3_bind_int(st, 2, sub);
    if (run)
        bind_text(st, 3, run);
    int src = sqlite3_step(st), rc = src == SQLITE_DONE ? SF_ENODEV : SF_ESTATE;
    if (src == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        col(st, 1, out->result, sizeof(out->result));
        col(st, 2, out->image_sha, sizeof(out->image_sha));
        col(st, 3, out->from_rev, sizeof(out->from_rev));
        col(st, 4, out->expected_rev, sizeof(out->expected_rev));
        col(st, 5, out->to_rev, sizeof(out->to_rev));
        col(st, 6, out->run_state, sizeof(out->run_state));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int sf_history_last(struct sf_history *h, const char *logical_id, int sub,
                    struct sf_last_attempt *out)
{
    return query_attempt(h,
                         "SELECT id, result, image_sha256, from_rev, expected_rev, to_rev,"
                         " (SELECT state FROM runs r WHERE r.id = attempts.run) FROM attempts"
                         " WHERE logical_id=?1 AND subenclosure=?2 AND finished IS NOT NULL"
                         " ORDER BY id DESC LIMIT 1",
                         logical_id, sub, NULL, out);
}

int sf_history_last_in_run(struct sf_history *h, const char *run, const char *logical_id, int sub,
                           struct sf_last_attempt *out)
{
    return query_attempt(h,
                         "SELECT id, result, image_sha256, from_rev, expected_rev, to_rev,"
                         " (SELECT state FROM runs r WHERE r.id = attempts.run) FROM attempts"
                         " WHERE logical_id=?1 AND subenclosure=?2 AND run=?3 AND finished IS NOT NULL"
                         " ORDER BY id DESC LIMIT 1",
                         logical_id, sub, run, out);
}

int sf_history_stored(struct sf_history *h, const char *logical_id, int sub,
                      struct sf_last_attempt *out)
{
    return query_attempt(h,
                         "SELECT id, result, image_sha256, from_rev, expected_rev, to_rev,"
                         " (SELECT state FROM runs r WHERE r.id = attempts.run) FROM attempts"
                         " WHERE logical_id=?1 AND subenclosure=?2 AND result='stored'"
                         " AND id > COALESCE((SELECT max(id) FROM attempts WHERE logical_id=?1"
                         "   AND subenclosure=?2 AND result IN ('updated','nothing-to-activate')), 0)"
                         " ORDER BY id DESC LIMIT 1",
                         logical_id, sub, NULL, out);
}

/* ---- reading back: what `history` and `status` show ---- */

/* v with room for element n (*cap doubles as needed); NULL, v intact, if out of memory. */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return v;
    void *nv = realloc(v, (*cap ? 2 * *cap : 8) * size);
    if (nv)
        *cap = *cap ? 2 * *cap : 8;
    return nv;
}

#define ATTEMPTS_SELECT \
    "SELECT id, run, action, started, finished, device_path, logical_id, vendor, product," \
    " subenclosure, from_rev, to_rev, expected_rev, package_sha256, image_sha256, mode, result," \
    " error, resumed_from, phase FROM attempts WHERE "

/* Where each column of ATTEMPTS_SELECT that is text goes in an attempt (0:
 * not text; offset 0 is the id). */
#define AT(m) offsetof(struct sf_hist_attempt, m)
static const size_t TEXT_AT[] = { 0, AT(run), AT(action), AT(started), AT(finished), AT(path),
                                  AT(logical_id), AT(vendor), AT(product), 0, AT(from_rev),
                                  AT(to_rev), AT(expected_rev), AT(package_sha), AT(image_sha),
                                  AT(mode), AT(result), AT(error), 0, AT(phase) };
#define N_TEXT_AT (sizeof(TEXT_AT) / sizeof(TEXT_AT[0]))
#define TEXT(a, i) ((char **)((char *)(a) + TEXT_AT[i]))

/* Fill a (zeroed) from the current row of st and its phase records through
 * ph; on error a may be partly filled, for sf_hist_attempts_free(). */
static int read_attempt(sqlite3_stmt *st, sqlite3_stmt *ph, struct sf_hist_attempt *a)
{
    for (size_t i = 0; i < N_TEXT_AT; i++) {
        const unsigned char *v = sqlite3_column_text(st, (int)i);
        if (TEXT_AT[i] && !(*TEXT(a, i) = strdup(v ? (const char *)v : "")))
            return SF_ENOMEM;
    }
    a->id = sqlite3_column_int64(st, 0);
    a->sub = sqlite3_column_int(st, 9);
    a->resumed_from = sqlite3_column_int64(st, 18);
    size_t cap = 0;
    int step;
    sqlite3_reset(ph);
    sqlite3_bind_int64(ph, 1, a->id);
    while ((step = sqlite3_step(ph)) == SQLITE_ROW) {
        struct sf_hist_phase *np = grow(a->phases, a->n_phases, &cap, sizeof(*np));
        if (!np)
            return SF_ENOMEM;
        a->phases = np;
        struct sf_hist_phase *p = &a->phases[a->n_phases++];
        col(ph, 0, p->phase, sizeof(p->phase));
        col(ph, 1, p->at, sizeof(p->at));
        col(ph, 2, p->detail, sizeof(p->detail));
    }
    return step == SQLITE_DONE ? 0 : SF_ESTATE;
}

/* The attempts of ATTEMPTS_SELECT `where` (binding ?1 to arg), with their
 * phases.  Ownership and errors as sf_history_attempts(). */
static int read_attempts(struct sf_history *h, const char *where, const char *arg,
                         struct sf_hist_attempt **out, size_t *n, struct sf_errctx *ec)
{
    sqlite3_stmt *st = NULL, *ph = NULL;
    struct sf_hist_attempt *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = SF_ESTATE, step;
    if (sqlite3_prepare_v2(h->db, where, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, "SELECT phase, at, detail FROM phases WHERE attempt=? ORDER BY rowid",
                           -1, &ph, NULL) != SQLITE_OK)
        goto out;
    bind_text(st, 1, arg);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct sf_hist_attempt *nv = grow(v, cnt, &cap, sizeof(*nv));
        if (!nv) {
            rc = SF_ENOMEM;
            goto out;
        }
        v = nv;
        memset(&v[cnt], 0, sizeof(v[cnt]));
        if ((rc = read_attempt(st, ph, &v[cnt++])) != 0)
            goto out;
    }
    rc = step == SQLITE_DONE ? 0 : SF_ESTATE;
out:
    if (rc == SF_ESTATE)
        db_error(h, ec);
    sqlite3_finalize(ph);
    sqlite3_finalize(st);
    if (rc)
        sf_hist_attempts_free(v, cnt);
    *out = rc ? NULL : v;
    *n = rc ? 0 : cnt;
    return rc;
}

int sf_history_attempts(struct sf_history *h, const char *device, struct sf_hist_attempt **out,
                        size_t *n, struct sf_errctx *ec)
{
    return read_attempts(h, ATTEMPTS_SELECT "?1 IS NULL OR device_path=?1 OR logical_id=?1 ORDER BY id",
                         device, out, n, ec);
}

void sf_hist_attempts_free(struct sf_hist_attempt *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        for (size_t c = 0; c < N_TEXT_AT; c++)
            if (TEXT_AT[c])
                free(*TEXT(&a[i], c));
        free(a[i].phases);
    }
    free(a);
}

int sf_history_run_begin(struct sf_history *h, const char *run, const char *action,
                         const char *argv_joined, int targets)
{
    char ts[32];
    now_iso(ts);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO runs(id, action, started, state, argv,"
                           " targets) VALUES(?,?,?,'running',?,?)", -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, run);
    bind_text(st, 2, action);
    bind_text(st, 3, ts);
    bind_text(st, 4, argv_joined);
    sqlite3_bind_int(st, 5, targets);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : SF_ESTATE;
    sqlite3_finalize(st);
    return rc;
}

int sf_history_run_end(struct sf_history *h, const char *run, const char *state, const char *reason)
{
    char ts[32];
    now_iso(ts);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, "UPDATE runs SET finished=?, state=?, reason=? WHERE id=?", -1,
                           &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, ts);
    bind_text(st, 2, state);
    bind_text(st, 3, reason);
    bind_text(st, 4, run);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : SF_ESTATE;
    sqlite3_finalize(st);
    return rc;
}

/* One run by sql (?1 binds run, which may be NULL): 0, SF_ENODEV when
 * there is none, SF_ESTATE when the journal cannot be read. */
static int query_run(struct sf_history *h, const char *sql, const char *run, struct sf_run *out)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, run);
    int src = sqlite3_step(st), rc = src == SQLITE_DONE ? SF_ENODEV : SF_ESTATE;
    if (src == SQLITE_ROW) {
        col(st, 0, out->id, sizeof(out->id));
        col(st, 1, out->action, sizeof(out->action));
        col(st, 2, out->started, sizeof(out->started));
        col(st, 3, out->finished, sizeof(out->finished));
        col(st, 4, out->state, sizeof(out->state));
        col(st, 5, out->reason, sizeof(out->reason));
        col(st, 6, out->argv, sizeof(out->argv));
        out->targets = sqlite3_column_int(st, 7);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int sf_history_run_latest(struct sf_history *h, const char *run, struct sf_run *out)
{
    return query_run(h, "SELECT id, action, started, finished, state, reason, argv, targets"
                     " FROM runs WHERE ?1 IS NULL OR id=?1 ORDER BY started DESC LIMIT 1", run,
                     out);
}

int sf_history_run_to_resume(struct sf_history *h, struct sf_run *out)
{
    /* By rowid: the order runs began in, whatever the clock said then. */
    return query_run(h, "SELECT id, action, started, finished, state, reason, argv, targets"
                     " FROM runs WHERE state IN ('running', 'paused-on-error')"
                     " ORDER BY rowid DESC LIMIT 1", NULL, out);
}

int sf_history_run_to_resume_with(struct sf_history *h, const char *needle, struct sf_run *out)
{
    return query_run(h, "SELECT id, action, started, finished, state, reason, argv, targets"
                     " FROM runs WHERE state IN ('running', 'paused-on-error')"
                     " AND instr(COALESCE(request, ''), ?1) > 0"
                     " ORDER BY rowid DESC LIMIT 1", needle, out);
}

int sf_history_runs_continued(struct sf_history *h, const char *run)
{
    char ts[32];
    now_iso(ts);
    return exec_bound(h, "UPDATE runs SET state='resumed', finished=?2, reason='continued by run ' ||"
                      " ?1 WHERE state IN ('running', 'paused-on-error') AND id != ?1 AND id IN"
                      " (SELECT a.run FROM attempts a WHERE a.id IN (SELECT resumed_from FROM"
                      " attempts WHERE run = ?1)) AND NOT EXISTS (SELECT 1 FROM attempts u WHERE"
                      " u.run = runs.id AND u.finished IS NULL)", run, ts, NULL, 0);
}

static double iso_secs(const char *t)
{
    struct tm tm = { 0 };
    int ms = 0;
    if (sscanf(t, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + ms / 1000.0;
}

/* Average duration of a phase over finished attempts outside `run`. */
static double phase_estimate(struct sf_history *h, const char *run, const char *phase)
{
    sqlite3_stmt *st = NULL;
    double sum = 0;
    int n = 0;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT p.at, (SELECT q.at FROM phases q WHERE q.attempt=p.attempt AND"
                           " q.rowid>p.rowid ORDER BY q.rowid LIMIT 1) FROM phases p JOIN attempts a"
                           " ON a.id=p.attempt WHERE p.phase=? AND a.run IS NOT ? AND a.finished IS"
                           " NOT NULL", -1, &st, NULL) != SQLITE_OK)
        return -1;
    bind_text(st, 1, phase);
    bind_text(st, 2, run);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char a[40], b[40];
        col(st, 0, a, sizeof(a));
        col(st, 1, b, sizeof(b));
        if (!b[0])
            continue;
        sum += iso_secs(b) - iso_secs(a);
        n++;
    }
    sqlite3_finalize(st);
    return n ? sum / n : -1;
}

/* Module m of a report: attempt a of run r, with the status and durations
 * of its first SF_RUN_PHASES_MAX phase records.  now: in whole seconds. */
static void run_module(struct sf_history *h, const struct sf_run *r,
                       const struct sf_hist_attempt *a, struct sf_run_module *m, double now)
{
    m->attempt = a;
    size_t n = a->n_phases < SF_RUN_PHASES_MAX ? a->n_phases : SF_RUN_PHASES_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(a->phases[i].phase, "finished"))
            continue;
        /* The attempt's last phase: its last record, or the one it finished in. */
        int last = i + 1 >= n || !strcmp(a->phases[i + 1].phase, "finished");
        double end = i + 1 < n ? iso_secs(a->phases[i + 1].at) : now;
        const char *status = !last ? "completed"
                             : a->result[0] ? (strcmp(a->result, "failed") ? a->result : "paused-on-error")
                                            : (strcmp(r->state, "running") ? "interrupted" : "in progress");
        double est = phase_estimate(h, r->id, a->phases[i].phase);
        struct sf_run_phase *p = &m->phases[m->n_phases++];
        snprintf(p->name, sizeof(p->name), "%s", a->phases[i].phase);
        snprintf(p->status, sizeof(p->status), "%s", status);
        p->estimated = est < 0 ? -1 : est;
        p->elapsed = end - iso_secs(a->phases[i].at);
    }
}

int sf_history_run_report(struct sf_history *h, const struct sf_run *r,
                          struct sf_run_report **out, struct sf_errctx *ec)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    struct sf_run_report *rep = calloc(1, sizeof(*rep));
    if (!rep)
        return SF_ENOMEM;
    int rc = read_attempts(h, ATTEMPTS_SELECT "run=?1 ORDER BY id", r->id, &rep->attempts,
                           &rep->n_modules, ec);
    if (rc)
        goto out;
    if (rep->n_modules && !(rep->modules = calloc(rep->n_modules, sizeof(*rep->modules)))) {
        rc = SF_ENOMEM;
        goto out;
    }
    /* Characters, as SQLite counts them, of whole names: the records past
     * SF_RUN_PHASES_MAX and "finished" count too.  Without it, 0. */
    if (sqlite3_prepare_v2(h->db, "SELECT max(length(p.phase)) FROM phases p JOIN attempts a"
                           " ON p.attempt=a.id WHERE a.run=?", -1, &st, NULL) == SQLITE_OK) {
        bind_text(st, 1, r->id);
        if (sqlite3_step(st) == SQLITE_ROW)
            rep->longest_phase = sqlite3_column_int(st, 0);
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    double now = (double)tv.tv_sec;
    rep->elapsed = (r->finished[0] ? iso_secs(r->finished) : now) - iso_secs(r->started);
    for (size_t i = 0; i < rep->n_modules; i++)
        run_module(h, r, &rep->attempts[i], &rep->modules[i], now);
    *out = rep;
    rep = NULL;
out:
    sqlite3_finalize(st);
    sf_run_report_free(rep);
    return rc;
}

void sf_run_report_free(struct sf_run_report *rep)
{
    if (!rep)
        return;
    sf_hist_attempts_free(rep->attempts, rep->n_modules);
    free(rep->modules);
    free(rep);
}

int sf_history_cancel_run(struct sf_history *h, const char *run)
{
    sqlite3_stmt *st = NULL;
    char ts[32];
    now_iso(ts);
    if (sqlite3_prepare_v2(h->db, "UPDATE attempts SET finished=?1, result='cancelled', phase="
                           "'finished' WHERE run=?2 AND finished IS NULL", -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, ts);
    bind_text(st, 2, run);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return sf_history_run_end(h, run, "cancelled", "cancelled by the operator");
}

int sf_history_run_forget(struct sf_history *h, const char *run)
{
    return exec_bound(h, "DELETE FROM runs WHERE id=?1 AND NOT EXISTS (SELECT 1 FROM attempts"
                      " WHERE run=?1)", run, NULL, NULL, 0);
}
