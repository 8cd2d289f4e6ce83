/*
 * sf_journal.h - the engine's side of the journal: the history database
 * (state/sf_history) used so that it can be trusted after a crash.
 *
 * Invariants (what the engine relies on; each record below returns only
 * once it is on disk - synchronous=FULL - or fails with SF_EJOURNAL):
 *   J1. A run, and an attempt for every item it will change, are recorded
 *       in one transaction before the first write to any device.  Items
 *       that never started are therefore in the journal too, and a resume
 *       finds them.
 *   J2. Each step of an attempt is recorded before the step starts.
 *   J3. An attempt records the version that ran when it began and the
 *       SHA-256 and staged copy of the image it sends, so a resume judges
 *       the device against where the attempt started, not against what
 *       runs now.
 *   J4. An attempt with no result is unfinished.  The attempt that
 *       continues it closes it as "interrupted" and points back to it, in
 *       the same transaction that records the continuation (J1).
 *
 *        (none) [--J0--> requested] --J1--> planned --J2--> step ... --finish--> result
 *                          |                 \
 *                          +--(killed)-------+--> unfinished --resume--> interrupted
 */
#ifndef SF_JOURNAL_H
#define SF_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"
#include "state/sf_history.h"

struct sf_journal;

/* Open the state directory's journal for writing, every commit durable.
 * Errors: SF_EJOURNAL (cannot create the directory, open or read the
 * database - damaged, read-only, full), SF_ENOMEM. */
int sf_journal_open(sf_ctx *ctx, struct sf_journal **out, struct sf_errctx *ec);
/* The same for reading what is recorded, read-only (nothing is created);
 * *out is NULL (and 0 returned) when the state directory has no database
 * yet.  SF_EJOURNAL when it is refused or cannot be read. */
int sf_journal_open_existing(sf_ctx *ctx, struct sf_journal **out, struct sf_errctx *ec);
void sf_journal_close(struct sf_journal *j);

/* The underlying history, for look-ups (borrowed). */
struct sf_history *sf_journal_history(struct sf_journal *j);

/* One attempt of a run being recorded. */
struct sf_journal_attempt {
    struct sf_attempt a;      /* as the history stores it */
    int64_t abandon[8];       /* unfinished attempts of other images to close (restart) */
    size_t nabandon;
    int continues_finished;   /* a.resumed_from has a result already: link, do not close */
    int64_t id;               /* out: the new attempt's id */
};

/* J1 + J4: the run (with the request a resume reopens it with) and every
 * attempt, in one durable transaction; resumes (or NULL) is the run this
 * one continues, closed as "resumed".  SF_EJOURNAL with the reason. */
int sf_journal_start(struct sf_journal *j, const char *run, const char *action,
                     const char *argv_joined, const char *request, const char *resumes,
                     struct sf_journal_attempt *at, size_t n, struct sf_errctx *ec);
/* J0: a run the caller will not stop to confirm, recorded (durably,
 * with the request that reopens it: its staged image and targets) before
 * the first command reaches a device, so that a kill while the devices
 * are identified is finished by a resume too.  The run's J1 replaces this
 * record under the same id.  SF_EJOURNAL with the reason. */
int sf_journal_run_record(struct sf_journal *j, const char *run, const char *action,
                          const char *argv_joined, const char *request, struct sf_errctx *ec);
/* A J0 run its plan refused: nothing happened, nothing to keep. */
int sf_journal_run_forget(struct sf_journal *j, const char *run, struct sf_errctx *ec);
/* J2.  SF_EJOURNAL with the reason. */
int sf_journal_step(struct sf_journal *j, int64_t attempt, const char *step,
                    struct sf_errctx *ec);
/* The attempt's result. */
int sf_journal_finish(struct sf_journal *j, int64_t attempt, const char *result,
                      const char *to_version, const char *error, struct sf_errctx *ec);
/* The run's end: completed, paused-on-error (reason). */
int sf_journal_run_end(struct sf_journal *j, const char *run, const char *state,
                       const char *reason, struct sf_errctx *ec);

#endif
