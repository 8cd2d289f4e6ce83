/*
 * sf_update.h - the update engine's own state, shared by its files:
 * sf_update.c (targets, plan, every policy check), sf_run.c (locks,
 * staging, journal, steps, report) and sf_show.c.
 *
 * The procedure, the same for every class:
 *
 *   new -> add targets, image -> plan -------------------> run
 *                                 | open, identify,          | lock every device
 *                                 | choose images, check:    | stage every image
 *                                 | container, hashes,       | journal: run + every attempt (J1)
 *                                 | signature, target match, | per item: where() after a crash,
 *                                 | size, version order,     |   else its steps, each journaled
 *                                 | min_version, journal     |   before it starts (J2); verify;
 *                                 | (unfinished attempts)    |   result
 *                                 | - nothing written -      | run end; unlock
 *
 * A resume is the same plan and run, with each item's image and starting
 * point taken from the journal instead of from the caller.
 */
#ifndef SF_UPDATE_H
#define SF_UPDATE_H

#include <pthread.h>

#include "engine/sf_class.h"
#include "engine/sf_journal.h"
#include "engine/sf_what.h"

#define SF_UPDATE_MAX_TARGETS SF_CLASS_MAX_DEVICES
#define SF_UPDATE_MAX_WARN 4

struct sf_update {
    sf_ctx *ctx;
    enum sf_action action;
    struct sf_update_options o;
    char *layout, *image_version;   /* owned copies behind o's strings */
    char *mode, *expect_revision, *vendor, *product, *ca_file, *pin;
    char *image;
    /* Redfish: an image (or a pull URL) per component (sf_update_add_image) */
    struct sf_cimg {
        char *path, *comp, *pull;
        char sha[65];         /* reopened J0 run: what the file hashed to ("" unknown) */
        struct sf_what w;
    } cimg[8];
    size_t ncimg;
    char rqbuf[8][600];
    struct sf_class_req rq;   /* what open() is told beside the targets */
    char *targets[SF_UPDATE_MAX_TARGETS];
    size_t ntargets;
    const struct sf_class *cls;
    struct sf_dev *dev;
    struct sf_item *items;
    size_t nitems;
    struct sf_what what;            /* install: the image or package */
    struct sf_what *staged;         /* resume/repair: one per item (nitems) */
    char id[17];                    /* the device's journal identity */
    char keys[SF_UPDATE_MAX_TARGETS][17];
    size_t nkeys;
    const char *lock_what;
    char warnbuf[SF_UPDATE_MAX_WARN][512];
    const char *warn[SF_UPDATE_MAX_WARN + 1];
    size_t nwarn;
    struct sf_image_info image_info;
    struct sf_update_result res;
    int planned, ran;
    int64_t abandon[8];             /* --restart: unfinished attempts to close */
    size_t nabandon;
    char request[4096];             /* JSON the run records, for a bare resume */
    char argv_joined[4096];         /* what the run shows in status */
    char item_action[16];           /* "install" | "repair" | "activate" for the attempts */
    int early;                      /* res.run was recorded before the plan (J0) */
    int early_closed;               /* ... and has ended (or been replaced by J1) */
    int early_reopened;             /* ... by an earlier, interrupted process */
    int early_lost;                 /* ... which was killed before its image was staged,
                                       and the file it came from is gone */
    char staged_sha[65];            /* the raw image J0 staged ("" when none) */
    char reopen_sha[65];            /* a J0 run reopened: the SHA-256 its file had */
    /* J0 stages the image while the devices are identified; the run waits
     * for it (sf_update_join_stage) before anything is written. */
    /* Set by a fleet apply (sf_fleet.c) through the setters below. */
    char only[8][64];               /* Redfish package: only these components ("": all) */
    size_t nonly;
    unsigned max_failures;          /* jobs: no group starts once this many failed (0: off) */
    int pooled;                     /* devices in groups, as with jobs, even with one job */
    pthread_t stage_th;
    int stage_started, stage_rc;
    struct sf_errctx stage_ec;
    char stage_path[4200];
};

/* A J0 run that will not go on (refused, nothing to do, not run): end it
 * with state and reason (best effort: the journal says so if it cannot). */
void sf_update_end_early(struct sf_update *u, const char *state, const char *reason);

/* Wait for J0's staging: 0, or SF_EJOURNAL with why (nothing was written). */
int sf_update_join_stage(struct sf_update *u, struct sf_errctx *ec);

/* sf_plan.c: the checks of each action's plan (SF_EJOURNAL when the journal
 * cannot be read; the refusals sf_update_plan documents). */
int sf_update_plan_install(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec);
int sf_update_plan_activate(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec);
int sf_update_plan_resume(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec);
int sf_update_plan_repair(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec);
/* The newest unfinished attempt on (device id, sub) into p (id 0: none):
 * of the image sha (NULL: any); the others' go to other[] (8 at most),
 * the found one's record to *mine (NULL: not wanted). */
int sf_update_unfinished(struct sf_journal *j, const char *id, int sub, const char *sha,
                         struct sf_prior *p, struct sf_unfinished *other, size_t *nother,
                         struct sf_unfinished *mine);

/* sf_request.c: what a run records to be reopened, and reopening it. */
void sf_update_make_request(struct sf_update *u, const char *image);
int sf_update_early_record(struct sf_update *u, struct sf_errctx *ec);
int sf_update_find_run(struct sf_update *u, struct sf_errctx *ec);
/* SF_ENODEV when the newest open run is not a J0 run on these targets. */
int sf_update_adopt_early(struct sf_update *u, struct sf_errctx *ec);

/* The journal's device identity of an item. */
static inline const char *sf_item_id(const struct sf_update *u, const struct sf_item *it)
{
    return it->id[0] ? it->id : u->id;
}

/* Add a warning line the plan found (copied). */
void sf_update_warn(struct sf_update *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Once the run holds the locks: the device and the journal must be as the
 * plan found them (another safeflash may have run in between, while the
 * operator was asked).  SF_ECHANGED when not: plan again. */
int sf_update_recheck(struct sf_update *u, struct sf_journal *j, struct sf_errctx *ec);

/* Take every device's lock: locks[*n] hold them (also after a failure,
 * for the caller to release).  SF_ELOCKED naming the holder; SF_EJOURNAL
 * when the state directory cannot hold a lock. */
int sf_update_lock(struct sf_update *u, int *locks, size_t *n, struct sf_errctx *ec);

/* A package's components limited to names (a fleet's rule covers only
 * these of a board; the others belong to another rule's update).  Before
 * the plan; SF_EINVAL for more than 8 or a name too long. */
int sf_update_only_components(struct sf_update *u, const char *const *names, size_t n);
/* With jobs: once n items failed, no further device group starts (its
 * items end NOT_ATTEMPTED, saying so).  0: off. */
void sf_update_set_max_failures(struct sf_update *u, unsigned n);
/* Run the devices as with jobs (a failure stops its own device's items
 * only), with max(jobs, 1) workers. */
void sf_update_set_pooled(struct sf_update *u);

/* Find the class that claims target, or NULL. */
const struct sf_class *sf_update_class_for(const char *target);

#endif
