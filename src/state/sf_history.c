/*
 * sf_history.c - SQLite history and journal.  See sf_history.h.
 */
#define _GNU_SOURCE
#include "sf_history.h"

#include "pkg/sf_crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct sf_history {
    sqlite3 *db;
};

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
    " state TEXT NOT NULL, reason TEXT, argv TEXT, targets INTEGER);";

const char *sf_state_dir(const char *override)
{
    if (override && *override)
        return override;
    const char *e = getenv("SAFEFLASH_STATE_DIR");
    return e && *e ? e : "/var/lib/safeflash";
}

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
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int sf_state_mkdir(const char *state_dir, struct sf_errctx *ec)
{
    if (mkdir_p(state_dir) != 0)
        return sf_err_set(ec, errno == EACCES ? SF_EACCES : SF_ESTATE,
                          "state directory %s: %s (set SAFEFLASH_STATE_DIR or --state-dir)",
                          state_dir, strerror(errno));
    return 0;
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

int sf_history_open(const char *state_dir, struct sf_history **out, struct sf_errctx *ec)
{
    *out = NULL;
    int mrc = sf_state_mkdir(state_dir, ec);
    if (mrc)
        return mrc;
    char path[4096];
    snprintf(path, sizeof(path), "%s/history.db", state_dir);
    struct sf_history *h = calloc(1, sizeof(*h));
    if (!h)
        return SF_ENOMEM;
    if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        int rc = sf_err_set(ec, SF_ESTATE, "history %s: %s", path,
                            h->db ? sqlite3_errmsg(h->db) : "cannot open");
        sqlite3_close(h->db);
        free(h);
        return rc;
    }
    sqlite3_busy_handler(h->db, busy_wait, NULL);
    char *err = NULL;
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
        int rc = sf_err_set(ec, SF_ESTATE, "history %s: %s", path, err ? err : "schema");
        sqlite3_free(err);
        sqlite3_close(h->db);
        free(h);
        return rc;
    }
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
        return sf_err_set(ec, SF_ESTATE, "history: %s", sqlite3_errmsg(h->db));
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
        return sf_err_set(ec, SF_ESTATE, "history: %s", sqlite3_errmsg(h->db));
    return sqlite3_last_insert_rowid(h->db);
}

int64_t sf_history_begin(struct sf_history *h, const struct sf_attempt *a, struct sf_errctx *ec)
{
    durable(h, 1);
    int64_t id = insert_attempt(h, a, ec);
    durable(h, 0);
    return id;
}

/* ---- group commit ---- */

struct greq {
    const struct sf_attempt *a;
    int64_t id;
    int done;
    char err[160];
    struct greq *next;
};

struct sf_history_group {
    struct sf_history *h;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct greq *head;
    int stop;
};

/* The committer: everything queued while the last fsync ran goes into the
 * next transaction, so N threads starting at once cost one fsync, not N
 * one after another behind SQLite's write lock. */
static void *group_main(void *arg)
{
    struct sf_history_group *g = arg;
    for (;;) {
        pthread_mutex_lock(&g->mu);
        while (!g->head && !g->stop)
            pthread_cond_wait(&g->cv, &g->mu);
        struct greq *batch = g->head;
        g->head = NULL;
        int stop = g->stop;
        pthread_mutex_unlock(&g->mu);
        if (!batch && stop)
            return NULL;
        durable(g->h, 1);
        int ok = sqlite3_exec(g->h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
        for (struct greq *r = batch; r; r = r->next) {
            struct sf_errctx ec = { 0 };
            r->id = ok ? insert_attempt(g->h, r->a, &ec) : SF_ESTATE;
            if (r->id <= 0)
                snprintf(r->err, sizeof(r->err), "%s", ec.msg[0] ? ec.msg : "history: cannot begin");
        }
        if (ok && sqlite3_exec(g->h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_exec(g->h->db, "ROLLBACK", NULL, NULL, NULL);
            for (struct greq *r = batch; r; r = r->next) {
                r->id = SF_ESTATE;
                snprintf(r->err, sizeof(r->err), "history: commit failed: %s", sqlite3_errmsg(g->h->db));
            }
        }
        durable(g->h, 0);
        pthread_mutex_lock(&g->mu);
        for (struct greq *r = batch; r; r = r->next)
            r->done = 1;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
}

int sf_history_group_start(const char *state_dir, struct sf_history_group **out,
                           struct sf_errctx *ec)
{
    *out = NULL;
    struct sf_history_group *g = calloc(1, sizeof(*g));
    if (!g)
        return SF_ENOMEM;
    int rc = sf_history_open(state_dir, &g->h, ec);
    if (rc) {
        free(g);
        return rc;
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (pthread_create(&g->th, NULL, group_main, g) != 0) {
        sf_history_close(g->h);
        free(g);
        return sf_err_set(ec, SF_ENOMEM, "history: cannot start the journal thread");
    }
    *out = g;
    return 0;
}

int64_t sf_history_group_begin(struct sf_history_group *g, const struct sf_attempt *a,
                               struct sf_errctx *ec)
{
    struct greq r = { .a = a };
    pthread_mutex_lock(&g->mu);
    r.next = g->head;
    g->head = &r;
    pthread_cond_broadcast(&g->cv);
    while (!r.done)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    if (r.id <= 0)
        return sf_err_set(ec, SF_ESTATE, "%s", r.err);
    return r.id;
}

void sf_history_group_stop(struct sf_history_group *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->th, NULL);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    sf_history_close(g->h);
    free(g);
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
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return SF_ESTATE;
    int rc = exec_bound(h, "INSERT INTO phases(phase, at, detail, attempt) VALUES(?,?,?,?)", phase,
                        ts, detail, id);
    if (!rc) {
        sqlite3_stmt *st = NULL;
        rc = SF_ESTATE;
        if (sqlite3_prepare_v2(h->db, "UPDATE attempts SET phase=? WHERE id=?", -1, &st, NULL) ==
            SQLITE_OK) {
            bind_text(st, 1, phase);
            sqlite3_bind_int64(st, 2, id);
            if (sqlite3_step(st) == SQLITE_DONE)
                rc = 0;
        }
        sqlite3_finalize(st);
    }
    sqlite3_exec(h->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

int sf_history_finish(struct sf_history *h, int64_t id, const char *result, const char *to_rev,
                      const char *error)
{
    if (!h || id <= 0)
        return SF_EINVAL;
    char ts[32];
    now_iso(ts);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, "UPDATE attempts SET finished=?, result=?, to_rev=?, error=?,"
                           " phase=? WHERE id=?", -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    /* One transaction for the result and its phase record. */
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
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
    if (rc == SQLITE_DONE) {
        char d[64];
        snprintf(d, sizeof(d), "%s", result ? result : "");
        exec_bound(h, "INSERT INTO phases(phase, at, detail, attempt) VALUES(?,?,?,?)", "finished",
                   ts, d, id);
    }
    sqlite3_exec(h->db, rc == SQLITE_DONE ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return rc == SQLITE_DONE ? 0 : SF_ESTATE;
}

static void col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
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
    while (sqlite3_step(st) == SQLITE_ROW && *n < max) {
        struct sf_unfinished *u = &out[(*n)++];
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
    }
    sqlite3_finalize(st);
    return 0;
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
    int rc = SF_ENODEV;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        col(st, 1, out->result, sizeof(out->result));
        col(st, 2, out->image_sha, sizeof(out->image_sha));
        col(st, 3, out->from_rev, sizeof(out->from_rev));
        col(st, 4, out->expected_rev, sizeof(out->expected_rev));
        col(st, 5, out->to_rev, sizeof(out->to_rev));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int sf_history_last(struct sf_history *h, const char *logical_id, int sub,
                    struct sf_last_attempt *out)
{
    return query_attempt(h,
                         "SELECT id, result, image_sha256, from_rev, expected_rev, to_rev FROM attempts"
                         " WHERE logical_id=?1 AND subenclosure=?2 AND finished IS NOT NULL"
                         " ORDER BY id DESC LIMIT 1",
                         logical_id, sub, NULL, out);
}

int sf_history_last_in_run(struct sf_history *h, const char *run, const char *logical_id, int sub,
                           struct sf_last_attempt *out)
{
    return query_attempt(h,
                         "SELECT id, result, image_sha256, from_rev, expected_rev, to_rev FROM attempts"
                         " WHERE logical_id=?1 AND subenclosure=?2 AND run=?3 AND finished IS NOT NULL"
                         " ORDER BY id DESC LIMIT 1",
                         logical_id, sub, run, out);
}

int sf_history_stored(struct sf_history *h, const char *logical_id, int sub,
                      struct sf_last_attempt *out)
{
    return query_attempt(h,
                         "SELECT id, result, image_sha256, from_rev, expected_rev, to_rev FROM attempts"
                         " WHERE logical_id=?1 AND subenclosure=?2 AND result='stored'"
                         " AND id > COALESCE((SELECT max(id) FROM attempts WHERE logical_id=?1"
                         "   AND subenclosure=?2 AND result IN ('updated','nothing-to-activate')), 0)"
                         " ORDER BY id DESC LIMIT 1",
                         logical_id, sub, NULL, out);
}

int sf_history_print(struct sf_history *h, const char *device, int json, struct sf_errctx *ec)
{
    sqlite3_stmt *st = NULL;
    const char *sql =
        "SELECT id, run, action, started, finished, device_path, logical_id, vendor, product,"
        " subenclosure, from_rev, to_rev, expected_rev, package_sha256, image_sha256, mode, result,"
        " error, resumed_from, phase FROM attempts WHERE ?1 IS NULL OR device_path=?1 OR logical_id=?1"
        " ORDER BY id";
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sf_err_set(ec, SF_ESTATE, "history: %s", sqlite3_errmsg(h->db));
    bind_text(st, 1, device);
    json_object *arr = json ? json_object_new_array() : NULL;
    sqlite3_stmt *ph = NULL;
    sqlite3_prepare_v2(h->db, "SELECT phase, at, detail FROM phases WHERE attempt=? ORDER BY rowid",
                       -1, &ph, NULL);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        char f[20][4100];
        for (int i = 0; i < 20; i++)
            col(st, i, f[i], sizeof(f[i]));
        const char *result = f[16][0] ? f[16] : "unfinished";
        if (json) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "id", json_object_new_int64(sqlite3_column_int64(st, 0)));
            static const char *keys[] = { NULL, "run", "action", "started", "finished", "path",
                                          "logical_identifier", "vendor", "product", NULL,
                                          "from_revision", "to_revision", "expected_revision",
                                          "package_sha256", "image_sha256", "mode", NULL, "error",
                                          NULL, "phase" };
            for (int i = 1; i < 20; i++)
                if (keys[i] && f[i][0])
                    json_object_object_add(o, keys[i], json_object_new_string(f[i]));
            json_object_object_add(o, "subenclosure", json_object_new_int(sqlite3_column_int(st, 9)));
            json_object_object_add(o, "result", json_object_new_string(result));
            if (sqlite3_column_type(st, 18) != SQLITE_NULL)
                json_object_object_add(o, "resumed_from", json_object_new_int64(sqlite3_column_int64(st, 18)));
            json_object *pa = json_object_new_array();
            if (ph) {
                sqlite3_reset(ph);
                sqlite3_bind_int64(ph, 1, sqlite3_column_int64(st, 0));
                while (sqlite3_step(ph) == SQLITE_ROW) {
                    json_object *p = json_object_new_object();
                    char a[64], b[40], c[256];
                    col(ph, 0, a, sizeof(a));
                    col(ph, 1, b, sizeof(b));
                    col(ph, 2, c, sizeof(c));
                    json_object_object_add(p, "phase", json_object_new_string(a));
                    json_object_object_add(p, "at", json_object_new_string(b));
                    if (c[0])
                        json_object_object_add(p, "detail", json_object_new_string(c));
                    json_object_array_add(pa, p);
                }
            }
            json_object_object_add(o, "phases", pa);
            json_object_array_add(arr, o);
        } else {
            /* Board flash (vendor FLASH) and BMC components (REDFISH)
             * have no subenclosures: the target and the product say it. */
            int flash = !strcmp(f[7], "FLASH") || !strcmp(f[7], "REDFISH");
            printf("#%s %s  %s %s%s%s  %s -> %s  %s%s%s\n", f[0], f[3], f[2], f[5],
                   flash ? "" : " subenclosure ", flash ? "" : f[9],
                   f[10][0] ? f[10] : "?", f[11][0] ? f[11] : (f[12][0] ? f[12] : "?"), result,
                   f[17][0] ? ": " : "", f[17]);
            printf("     %s %s, logical id %s, mode %s", f[7], f[8], f[6], f[15][0] ? f[15] : "-");
            if (f[14][0])
                printf(", image %.16s, %s%s", f[14], f[13][0] ? "package " : "raw image",
                       f[13][0] ? f[13] : "");
            printf("\n");
            if (f[18][0])
                printf("     continues #%s\n", f[18]);
            if (!f[16][0])
                printf("     unfinished: last phase begun was \"%s\"\n", f[19]);
        }
    }
    sqlite3_finalize(ph);
    sqlite3_finalize(st);
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
                                                              JSON_C_TO_STRING_SPACED |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(arr);
    } else if (!rows) {
        printf("No update attempts recorded%s%s.\n", device ? " for " : "", device ? device : "");
    }
    return 0;
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

int sf_history_run_latest(struct sf_history *h, const char *run, struct sf_run *out)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(h->db, "SELECT id, action, started, finished, state, reason, argv, targets"
                           " FROM runs WHERE ?1 IS NULL OR id=?1 ORDER BY started DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return SF_ESTATE;
    bind_text(st, 1, run);
    int rc = SF_ENODEV;
    if (sqlite3_step(st) == SQLITE_ROW) {
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

static double iso_secs(const char *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = 0;
    if (sscanf(t, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + ms / 1000.0;
}

static void hms(double secs, char *out, size_t cap)
{
    if (secs < 0) {
        snprintf(out, cap, "-");
        return;
    }
    long s = (long)(secs + 0.5);
    snprintf(out, cap, "%02ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
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

int sf_history_print_run(struct sf_history *h, const struct sf_run *r, int json)
{
    sqlite3_stmt *st = NULL, *ph = NULL;
    /* The phase column is as wide as this run's longest phase name (board
     * flash names its steps in words: "saving the primary to the backup"). */
    int pw = 18;
    if (sqlite3_prepare_v2(h->db, "SELECT max(length(p.phase)) FROM phases p JOIN attempts a"
                           " ON p.attempt=a.id WHERE a.run=?", -1, &st, NULL) == SQLITE_OK) {
        bind_text(st, 1, r->id);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > pw)
            pw = sqlite3_column_int(st, 0) > 60 ? 60 : sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(h->db, "SELECT id, device_path, subenclosure, result, error, to_rev,"
                           " from_rev, vendor, product FROM attempts WHERE run=? ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, "SELECT phase, at FROM phases WHERE attempt=? ORDER BY rowid", -1,
                           &ph, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return SF_ESTATE;
    }
    bind_text(st, 1, r->id);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    double now = (double)tv.tv_sec;
    json_object *ja = json ? json_object_new_array() : NULL;
    if (!json) {
        char el[16];
        hms((r->finished[0] ? iso_secs(r->finished) : now) - iso_secs(r->started), el, sizeof(el));
        printf("Run %s: %s, %s (started %s, elapsed %s)\n", r->id, r->action, r->state, r->started, el);
        if (r->reason[0])
            printf("  Reason: %s\n", r->reason);
        printf("\n%-34s %-*s %-16s %-10s %-10s\n", "Module", pw, "Phase", "Status", "Estimated",
               "Elapsed");
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        char path[256], result[32], error[512], to[8], from[8], mod[300];
        int64_t id = sqlite3_column_int64(st, 0);
        col(st, 1, path, sizeof(path));
        col(st, 3, result, sizeof(result));
        col(st, 4, error, sizeof(error));
        col(st, 5, to, sizeof(to));
        col(st, 6, from, sizeof(from));
        char vendor[16], product[32];
        col(st, 7, vendor, sizeof(vendor));
        col(st, 8, product, sizeof(product));
        if (!strcmp(vendor, "FLASH")) /* board flash: no subenclosures */
            snprintf(mod, sizeof(mod), "%s", path);
        else if (!strcmp(vendor, "REDFISH")) /* a BMC's component */
            snprintf(mod, sizeof(mod), "%s %s", path, product);
        else
            snprintf(mod, sizeof(mod), "%s subenclosure %d", path, sqlite3_column_int(st, 2));
        sqlite3_reset(ph);
        sqlite3_bind_int64(ph, 1, id);
        char names[16][64], ats[16][40];
        int n = 0;
        while (sqlite3_step(ph) == SQLITE_ROW && n < 16) {
            col(ph, 0, names[n], sizeof(names[n]));
            col(ph, 1, ats[n], sizeof(ats[n]));
            n++;
        }
        json_object *jm = NULL, *jp = NULL;
        if (json) {
            jm = json_object_new_object();
            json_object_object_add(jm, "module", json_object_new_string(mod));
            json_object_object_add(jm, "result", json_object_new_string(result[0] ? result : "unfinished"));
            if (error[0])
                json_object_object_add(jm, "error", json_object_new_string(error));
            jp = json_object_new_array();
        }
        for (int i = 0; i < n; i++) {
            if (!strcmp(names[i], "finished"))
                continue;
            int last = i + 1 >= n || !strcmp(names[i + 1], "finished");
            double end = i + 1 < n ? iso_secs(ats[i + 1]) : now;
            const char *status = !last ? "completed"
                                 : result[0] ? (strcmp(result, "failed") ? result : "paused-on-error")
                                             : (strcmp(r->state, "running") ? "interrupted" : "in progress");
            double est = phase_estimate(h, r->id, names[i]);
            char e1[16], e2[16];
            hms(est, e1, sizeof(e1));
            hms(end - iso_secs(ats[i]), e2, sizeof(e2));
            if (json) {
                json_object *x = json_object_new_object();
                json_object_object_add(x, "phase", json_object_new_string(names[i]));
                json_object_object_add(x, "status", json_object_new_string(status));
                json_object_object_add(x, "estimated_seconds", json_object_new_double(est < 0 ? -1 : est));
                json_object_object_add(x, "elapsed_seconds", json_object_new_double(end - iso_secs(ats[i])));
                json_object_array_add(jp, x);
            } else {
                printf("%-34s %-*s %-16s %-10s %-10s\n", i == 0 ? mod : "", pw, names[i], status, e1,
                       e2);
            }
        }
        if (json) {
            json_object_object_add(jm, "phases", jp);
            json_object_array_add(ja, jm);
        } else if (error[0]) {
            printf("%-34s %s\n", "", error);
        }
    }
    sqlite3_finalize(ph);
    sqlite3_finalize(st);
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "run", json_object_new_string(r->id));
        json_object_object_add(o, "action", json_object_new_string(r->action));
        json_object_object_add(o, "state", json_object_new_string(r->state));
        json_object_object_add(o, "started", json_object_new_string(r->started));
        if (r->finished[0])
            json_object_object_add(o, "finished", json_object_new_string(r->finished));
        if (r->reason[0])
            json_object_object_add(o, "reason", json_object_new_string(r->reason));
        json_object_object_add(o, "modules", ja);
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_SPACED |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    }
    return 0;
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
