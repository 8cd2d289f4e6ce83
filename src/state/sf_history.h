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
};

/* The state directory: $SAFEFLASH_STATE_DIR, else /var/lib/safeflash. */
const char *sf_state_dir(const char *override);
/* Create the state directory (and its parents) if it is missing. */
int sf_state_mkdir(const char *state_dir, struct sf_errctx *ec);

int sf_history_open(const char *state_dir, struct sf_history **out, struct sf_errctx *ec);
void sf_history_close(struct sf_history *h);

/* A fresh random run id. */
void sf_history_new_run(char run[33]);

int64_t sf_history_begin(struct sf_history *h, const struct sf_attempt *a, struct sf_errctx *ec);
int sf_history_phase(struct sf_history *h, int64_t id, const char *phase, const char *detail);
int sf_history_finish(struct sf_history *h, int64_t id, const char *result, const char *to_rev,
                      const char *error);

/* Unfinished attempts for an enclosure (logical id), newest first. */
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
};
int sf_history_last(struct sf_history *h, const char *logical_id, int sub,
                    struct sf_last_attempt *out);

/*
 * Group commit for the threads of one process (install --jobs): each
 * sf_history_group_begin() returns once its attempt is on disk, like
 * sf_history_begin(), but the starts that queue up while one fsync runs
 * share the next one.  A dedicated thread with its own connection commits.
 */
struct sf_history_group;
int sf_history_group_start(const char *state_dir, struct sf_history_group **out,
                           struct sf_errctx *ec);
int64_t sf_history_group_begin(struct sf_history_group *g, const struct sf_attempt *a,
                               struct sf_errctx *ec);
void sf_history_group_stop(struct sf_history_group *g);

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
/* The run `run`, or the newest when NULL.  SF_ENODEV if none. */
int sf_history_run_latest(struct sf_history *h, const char *run, struct sf_run *out);
/* The progress table of a run: per module and phase, status, estimated
 * (average of earlier runs) and elapsed duration. */
int sf_history_print_run(struct sf_history *h, const struct sf_run *r, int json);
/* Close a run's unfinished attempts as cancelled, and the run. */
int sf_history_cancel_run(struct sf_history *h, const char *run);

/* Print history (all, or attempts whose path or logical id is `device`) as
 * text or as a JSON array. */
int sf_history_print(struct sf_history *h, const char *device, int json, struct sf_errctx *ec);

#endif
