/*
 * sf_history_api.h - reading the update history back: every attempt, phase
 * by phase (`safeflash history`), the progress of a run (`status`), and
 * stopping a paused run (`cancel`).
 *
 * The history lives in the context's state directory (sf_ctx_state_dir):
 * one attempt per processor, drive, flash layout or BMC component an
 * update touched, each with the phases it went through, grouped in runs
 * (one invocation that changes devices).  The update engine writes it;
 * this header reads it, and sf_history_cancel() closes a run that paused
 * on an error.  Reading never creates anything: the database is opened
 * read-only (a read-only state directory, or one of root's that another
 * user may read, will do), and a state directory without one has nothing
 * recorded.  A state directory that others may write, and a database that
 * is empty or damaged, are refused (SF_ESTATE, one line saying what to do).
 *
 * Conventions as in safeflash.h: 0 or a negative enum sf_err with one line
 * in the caller's struct sf_errctx; the caller owns what comes back through
 * **out and frees it with the matching _free (NULL is a no-op).  The
 * structs are plain data for a front end to render; text fields are never
 * NULL (a column that holds nothing reads "").
 */
#ifndef SAFEFLASH_SF_HISTORY_API_H
#define SAFEFLASH_SF_HISTORY_API_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One phase record of an attempt. */
struct sf_attempt_phase {
    char phase[64];           /* as recorded, cut to 63 bytes */
    char at[40];              /* when it began: ISO 8601 UTC with milliseconds */
    char detail[256];         /* "" when none; the "finished" record's is the result */
};

/* One attempt: what was updated, from what to what, how it ended. */
struct sf_attempt_info {
    int64_t id;
    const char *run;          /* the run it belongs to */
    const char *action;       /* "install" | "activate" */
    const char *started;
    const char *finished;     /* "" while unfinished */
    const char *path;         /* the target as given */
    const char *logical_id;   /* the enclosure's or drive's identifier; for targets
                                 without one (board flash, BMCs) a hash that names them */
    const char *vendor;       /* "FLASH": board flash; "REDFISH": a BMC's component */
    const char *product;
    int subenclosure;         /* the SES processor (meaningless for flash and BMCs) */
    const char *from_revision;
    const char *to_revision;  /* what ran afterwards, when known */
    const char *expected_revision;
    const char *package_sha256; /* "" for a raw image */
    const char *image_sha256;
    const char *mode;
    const char *result;       /* "" while unfinished */
    const char *error;
    int64_t resumed_from;     /* the attempt this one continues; 0: none */
    const char *phase;        /* the last phase begun ("planned" before the first) */
    size_t n_phases;
    const struct sf_attempt_phase *phases; /* in the order they were recorded */
};

/*
 * Every attempt recorded, oldest first; with device non-NULL only those
 * whose path or logical identifier is device.  On success *out (NULL when
 * there are none) and everything it points to are the caller's, to
 * release with sf_history_attempts_free(*out, *n); none when nothing is
 * recorded yet.  Errors: SF_ESTATE (the state directory or database is
 * refused, or cannot be read), SF_EACCES (they may not be read), SF_EINVAL,
 * SF_ENOMEM.  On error *out is NULL and *n 0.
 */
int sf_history_read(sf_ctx *ctx, const char *device, struct sf_attempt_info **out, size_t *n,
                    struct sf_errctx *ec);
void sf_history_attempts_free(struct sf_attempt_info *a, size_t n);

/* ---- runs ---- */

/* A run: one invocation that changes devices. */
struct sf_run_info {
    char id[33];
    char action[16];          /* "install", "activate", "resume" ... */
    char started[40], finished[40]; /* finished: "" while it has not ended */
    char state[24];           /* running, completed, paused-on-error, resumed, cancelled */
    char reason[512];         /* why it paused or ended so ("" when nothing to say) */
};

/* The run id (NULL: the newest run).  Errors: SF_ENODEV (no such run, or
 * none recorded), SF_ESTATE, SF_EACCES, SF_EINVAL. */
int sf_history_run_lookup(sf_ctx *ctx, const char *id, struct sf_run_info *out,
                          struct sf_errctx *ec);

/* The run a bare resume continues and cancel stops: the newest (in the
 * order runs began) still running or paused on an error.  Errors:
 * SF_ENODEV (none), SF_ESTATE, SF_EACCES, SF_EINVAL. */
int sf_history_run_paused(sf_ctx *ctx, struct sf_run_info *out, struct sf_errctx *ec);

/*
 * Stop run id cleanly: its unfinished attempts are closed as cancelled and
 * the run as cancelled by the operator, so that no resume continues it.
 * Devices are not touched.  Errors: SF_ENODEV (no such run), SF_EINVAL
 * (the run is neither running nor paused: ec says its state; or id NULL),
 * SF_ESTATE (the journal cannot record it), SF_EACCES.  The only function
 * here that writes: the database is opened for writing once there is a
 * run to cancel.
 */
int sf_history_cancel(sf_ctx *ctx, const char *id, struct sf_errctx *ec);

/* ---- a run's progress ---- */

#define SF_RUN_STATUS_PHASES 16   /* phase records read per attempt */

struct sf_run_phase_info {
    char name[64];            /* as recorded, cut to 63 bytes */
    /* "completed" (a later phase began); for the attempt's last phase: its
     * result, "paused-on-error" for "failed", and while unfinished
     * "in progress" (the run is running) or "interrupted" (it is not). */
    char status[32];
    /* Average duration of a phase of this name in finished attempts of
     * other runs (to the attempt's next phase record); -1 when there is
     * none to go by. */
    double estimated;
    /* From this phase's record to the next one; from the last record, to
     * now (in whole seconds). */
    double elapsed;
};

/* One attempt of the run (a module: a processor, a drive, a flash layout,
 * a BMC component) and its phases. */
struct sf_run_module_info {
    const struct sf_attempt_info *attempt;  /* owned by the status */
    /* The phases begun, in order, without the "finished" records; from the
     * attempt's first SF_RUN_STATUS_PHASES phase records. */
    size_t n_phases;
    struct sf_run_phase_info phases[SF_RUN_STATUS_PHASES];
};

struct sf_run_status {
    struct sf_run_info run;
    double elapsed;           /* run start to its end, or to now while it has none */
    int longest_phase;        /* characters in the run's longest phase name, all
                                 records counted; 0 when it has none */
    size_t n_modules;         /* in the order they began */
    struct sf_run_module_info *modules;
    struct sf_attempt_info *attempts;  /* what the modules point to */
};

/*
 * The progress of run id (NULL: the newest): per module and phase, its
 * status, how long it took and how long it usually takes.  *out is the
 * caller's (sf_run_status_free); a run with no attempts has n_modules 0.
 * Errors: SF_ENODEV (no such run, or none recorded: ec says which),
 * SF_ESTATE, SF_EACCES, SF_EINVAL, SF_ENOMEM.  On error *out is NULL.
 */
int sf_history_run_status(sf_ctx *ctx, const char *id, struct sf_run_status **out,
                          struct sf_errctx *ec);
void sf_run_status_free(struct sf_run_status *s);

/* ---- identities ---- */

/* The 16-hex-digit identity the history keys a target without a logical
 * identifier of its own by (board flash, BMCs): the start of the SHA-256
 * of s. */
void sf_history_target_id(const char *s, char id[17]);

#ifdef __cplusplus
}
#endif

#endif
