/*
 * sf_history.h - the update history and the crash-safe journal, one SQLite
 * database ($SAFEFLASH_STATE_DIR or /var/lib/safeflash, file history.db).
 *
 * Invariants:
 *  1. Every attempt to change one processor is one row in `attempts`,
 *     created before the first write to that processor.
 *  2. Each phase is recorded (attempts.phase, and a row in `phases`) before
 *     the phase starts, in one transaction: after a crash the row says what
 *     was being done.
 *  3. An attempt with finished IS NULL is unfinished: that is the journal.
 *     A later run that takes it over closes it as "interrupted" and points
 *     back to it (resumed_from), so history shows both.
 *  4. Writes use synchronous=FULL in WAL mode: a phase that was recorded
 *     survives the host losing power.
 */
#ifndef SF_HISTORY_H
#define SF_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

struct sf_history;
struct sf_run;

struct sf_attempt {
    char run[33];              /* one invocation of safeflash */
    char action[16];           /* "install" | "activate" */
    char path[256];
    char logical_id[17];
    char vendor[9];
    char product[17];
    int sub;
    char from_rev[33];         /* 4-character SCSI revisions; flash versions up to 16 */
    char expected_rev[33];     /* "" when unknown */
    char package_sha[65];      /* "" for a raw image */
    char image_sha[65];
    char staged[4096];         /* local copy of the image */
    char mode[16];
    int64_t resumed_from;      /* 0 = fresh */
};

struct sf_unfinished {
    int64_t id;
    int sub;
    char action[16];
    char phase[64];
    char image_sha[65];
    char package_sha[65];
    char staged[4096];
    char mode[16];
    char expected_rev[33];
    char path[256];
    char from_rev[33];
    char run[33];              /* sf_history_resumable_failure only */
    char result[32];           /* sf_history_resumable_failure only */
};

/*
 * The state directory is trusted only when root or the effective user owns
 * it and no one else may write it (neither group- nor world-writable):
 * anyone who can write it can plant a journal that tells a resume what to
 * write to a device, or a lock file that is a symbolic link.  A refusal is
 * SF_ESTATE with one line naming the directory and the fix.
 */
/* Check an existing state directory: 0, SF_ENODEV (no message) when it is
 * missing, SF_ESTATE (refused, or not a directory), SF_EACCES. */
int sf_state_check(const char *state_dir, struct sf_errctx *ec);
/* Create the state directory if it is missing (mode 0700; missing parents
 * as mkdir -p), then check it as sf_state_check.  SF_ESTATE, SF_EACCES. */
int sf_state_mkdir(const char *state_dir, struct sf_errctx *ec);

/*
 * Open the history for writing: the state directory is made when missing
 * (sf_state_mkdir), and history.db when missing - whole, under a temporary
 * name linked into place, so that it is never seen empty.  An existing
 * history.db that is empty or not a database is damaged: never started
 * afresh, refused (SF_ESTATE) with one line saying how to move it aside.
 * A symbolic link or a non-regular file in its place is refused too.
 * Errors: SF_ESTATE, SF_EACCES, SF_ENOMEM.
 */
int sf_history_open(const char *state_dir, struct sf_history **out, struct sf_errctx *ec);
/*
 * Open the history for reading only (SQLITE_OPEN_READONLY): nothing is
 * created - no state directory, no database.  0 with *out NULL when there
 * is no history yet; a state directory or history.db refused as by
 * sf_history_open is its error.  Works in a directory this process may not
 * write (a read-only mount, another user's): a WAL database with no -wal
 * beside it is then read as immutable.  Errors: SF_ESTATE, SF_EACCES,
 * SF_ENOMEM.  The writing functions below fail on it (SF_ESTATE).
 */
int sf_history_open_ro(const char *state_dir, struct sf_history **out, struct sf_errctx *ec);
void sf_history_close(struct sf_history *h);

/* on: every commit of this connection is fsync'ed (synchronous=FULL),
 * not only the start of an attempt - what the engine's journal needs. */
int sf_history_set_durable(struct sf_history *h, int on, struct sf_errctx *ec);
/* One transaction around several records (a run and all its attempts):
 * sf_history_begin/phase/finish/run_begin inside it commit with it.
 * SF_ESTATE with the database's words. */
int sf_history_tx_begin(struct sf_history *h, struct sf_errctx *ec);
int sf_history_tx_commit(struct sf_history *h, struct sf_errctx *ec);
void sf_history_tx_rollback(struct sf_history *h);
/* The database's last error, as SF_ESTATE's message (for damage - not a
 * database, malformed - with how to move it aside). */
void sf_history_last_error(struct sf_history *h, struct sf_errctx *ec);
/* What a run records to be reopened by a bare resume (JSON text), and
 * reading it back: *out is the caller's (free()), NULL when the run has
 * none; SF_ENODEV when there is no such run. */
int sf_history_run_set_request(struct sf_history *h, const char *run, const char *request);
int sf_history_run_request(struct sf_history *h, const char *run, char **out);

/* A fresh random run id. */
void sf_history_new_run(char run[33]);

int64_t sf_history_begin(struct sf_history *h, const struct sf_attempt *a, struct sf_errctx *ec);
int sf_history_phase(struct sf_history *h, int64_t id, const char *phase, const char *detail);
int sf_history_finish(struct sf_history *h, int64_t id, const char *result, const char *to_rev,
                      const char *error);

/* The newest attempt on (logical id, sub), when it ended failed,
 * not-attempted or degraded in a run that paused on that error (not
 * cancelled): what `resume` takes up besides unfinished attempts.
 * SF_ENODEV when there is none, SF_ESTATE when the journal cannot be read. */
int sf_history_resumable_failure(struct sf_history *h, const char *logical_id, int sub,
                                 struct sf_unfinished *out);
/* The newest run (in the order runs began) still running or paused on an
 * error.  SF_ENODEV if none, SF_ESTATE when unreadable. */
int sf_history_run_to_resume(struct sf_history *h, struct sf_run *out);
/* The same, of the runs whose recorded request contains needle (the
 * request's "targets" as recorded: a resume naming its devices). */
int sf_history_run_to_resume_with(struct sf_history *h, const char *needle, struct sf_run *out);
/* Close as "resumed" the runs whose attempts run `run` continues and that
 * have nothing unfinished left. */
int sf_history_runs_continued(struct sf_history *h, const char *run);

/* Unfinished attempts for an enclosure (logical id), newest first.
 * SF_ESTATE when the journal cannot be read (never "none"). */
int sf_history_unfinished(struct sf_history *h, const char *logical_id, struct sf_unfinished *out,
                          size_t max, size_t *n);

/* The newest finished attempt (install or activate) on (logical id, sub):
 * its id, result, image hash and the revision it started from.  An
 * activate that found nothing stored (85h) is newer than the install that
 * claimed to store it, so callers never trust a stale "stored".
 * SF_ENODEV if none. */
struct sf_last_attempt {
    int64_t id;
    char result[32];
    char image_sha[65];
    char from_rev[33];         /* 4-character SCSI revisions; flash versions up to 16 */
    char expected_rev[33];
    char to_rev[33];             /* what it ran afterwards, when known */
    char run_state[24];          /* its run's state now (running, completed ...) */
};
int sf_history_last(struct sf_history *h, const char *logical_id, int sub,
                    struct sf_last_attempt *out);

/* The newest finished attempt on (logical id, sub) in run `run`. */
int sf_history_last_in_run(struct sf_history *h, const char *run, const char *logical_id, int sub,
                           struct sf_last_attempt *out);

/* The newest install attempt on (logical id, sub) that stored a deferred
 * image not yet used up: no later attempt on that processor ended
 * "updated" or "nothing-to-activate".  SF_ENODEV if none. */
int sf_history_stored(struct sf_history *h, const char *logical_id, int sub,
                      struct sf_last_attempt *out);

/* Runs: one invocation that changes devices.  state: running, completed,
 * paused-on-error (reason says why), resumed, cancelled. */
struct sf_run {
    char id[33];
    char action[16];
    char started[40], finished[40];
    char state[24];
    char reason[512];
    char argv[4096];            /* the command, to resume it */
    int targets;
};
int sf_history_run_begin(struct sf_history *h, const char *run, const char *action,
                         const char *argv_joined, int targets);
int sf_history_run_end(struct sf_history *h, const char *run, const char *state, const char *reason);
/* Remove a run that never recorded an attempt (a request refused by its
 * plan: nothing happened worth keeping).  A run with attempts stays. */
int sf_history_run_forget(struct sf_history *h, const char *run);
/* The run `run`, or the newest when NULL.  SF_ENODEV if none. */
int sf_history_run_latest(struct sf_history *h, const char *run, struct sf_run *out);

/*
 * Reading the history back.  This module prints nothing: `safeflash
 * history` and `safeflash status` render these structs as text or JSON.
 */

/* One phase record of an attempt (the table `phases`). */
struct sf_hist_phase {
    char phase[64];            /* as recorded, cut to 63 bytes */
    char at[40];               /* when it began: ISO 8601 UTC with milliseconds */
    char detail[256];          /* "" when none; the "finished" record's is the result */
};

/* One attempt, every column of `attempts`.  Text is never NULL: a column
 * that holds nothing reads "". */
struct sf_hist_attempt {
    int64_t id;
    char *run;
    char *action;              /* "install" | "activate" */
    char *started;
    char *finished;            /* "" while unfinished */
    char *path;
    char *logical_id;
    char *vendor;              /* "FLASH": board flash; "REDFISH": a BMC's component */
    char *product;
    int sub;
    char *from_rev;
    char *to_rev;
    char *expected_rev;
    char *package_sha;         /* "" for a raw image */
    char *image_sha;
    char *mode;
    char *result;              /* "" while unfinished */
    char *error;
    int64_t resumed_from;      /* the attempt this one continues; 0 = none */
    char *phase;               /* the last phase begun ("planned" before the first) */
    size_t n_phases;
    struct sf_hist_phase *phases;  /* in the order they were recorded */
};

/* Every attempt, oldest first; with device, only those whose path or
 * logical id is device.  On success *out (NULL when there are none) and
 * everything it points to are the caller's, to release with
 * sf_hist_attempts_free(*out, *n).  Errors: SF_ESTATE (the database cannot
 * be read; message in ec), SF_ENOMEM.  On error *out is NULL and *n 0. */
int sf_history_attempts(struct sf_history *h, const char *device, struct sf_hist_attempt **out,
                        size_t *n, struct sf_errctx *ec);
/* Release n attempts from sf_history_attempts(); NULL is a no-op. */
void sf_hist_attempts_free(struct sf_hist_attempt *a, size_t n);

/*
 * What `safeflash status` shows of a run: per module (one attempt of the
 * run, in the order they began) and per phase, the phase's status, how long
 * it took and how long it usually takes.
 */
#define SF_RUN_PHASES_MAX 16       /* phase records read per attempt */

struct sf_run_phase {
    char name[64];             /* as recorded, cut to 63 bytes */
    /* "completed" (a later phase began); for the attempt's last phase: its
     * result, "paused-on-error" for "failed", and while unfinished
     * "in progress" (the run is running) or "interrupted" (it is not). */
    char status[32];
    /* Average duration of a phase of this name in finished attempts of
     * other runs (the time to the attempt's next phase record); -1 when
     * there is none to go by. */
    double estimated;
    /* From this phase's record to the next one; from the last record read,
     * to now (in whole seconds). */
    double elapsed;
};

struct sf_run_module {
    /* The attempt: what it updates (path, vendor, product, sub), its result
     * and error.  Owned by the report. */
    const struct sf_hist_attempt *attempt;
    /* The phases begun, in order, without the "finished" records; read
     * from the attempt's first SF_RUN_PHASES_MAX phase records. */
    size_t n_phases;
    struct sf_run_phase phases[SF_RUN_PHASES_MAX];
};

struct sf_run_report {
    double elapsed;            /* run start to its end, or to now while it has none */
    int longest_phase;         /* characters in the run's longest phase name, all
                                * records counted; 0 when it has none */
    size_t n_modules;
    struct sf_run_module *modules;
    struct sf_hist_attempt *attempts;   /* what the modules point to */
};

/* The progress report of run r (from sf_history_run_latest()).  On success
 * *out is the caller's, to release with sf_run_report_free(); a run with no
 * attempts has n_modules 0.  Errors: SF_ESTATE (the database cannot be
 * read; message in ec), SF_ENOMEM.  On error *out is NULL. */
int sf_history_run_report(struct sf_history *h, const struct sf_run *r,
                          struct sf_run_report **out, struct sf_errctx *ec);
/* Release a report; NULL is a no-op. */
void sf_run_report_free(struct sf_run_report *rep);

/* Close a run's unfinished attempts as cancelled, and the run. */
int sf_history_cancel_run(struct sf_history *h, const char *run);

#endif
