/*
 * sf_install.h - the steps of the SCSI device class (sf_class_scsi.c):
 * identify enclosures and drives, and install an image on (or activate
 * deferred microcode of) one SES processor or drive.
 *
 *   sf_install_plan()  opens every device, identifies it, picks targets,
 *                      and refuses (before any write) what cannot work:
 *                      an enclosure without download microcode, an
 *                      unknown subenclosure, a drive with no WRITE BUFFER
 *                      mode that carries the image.  (A download already in
 *                      progress is the engine's to judge: the journal may
 *                      own it.)
 *   sf_install_one()   one target: download, wait for the restart, verify
 *                      the revision on the configuration page; every
 *                      writing step through the journal's gate first.
 *   sf_activate_one()  one target: activate deferred microcode, verify.
 *
 * A path that is not an enclosure (INQUIRY peripheral device type other
 * than 0Dh) is a drive: one target, updated with WRITE BUFFER (sf_wbdl)
 * and verified by the revision in INQUIRY.  Everything else - plan,
 * journal, resume, results - is the same for both.
 */
#ifndef SF_INSTALL_H
#define SF_INSTALL_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"
#include "engine/sf_drive.h"
#include "engine/sf_encl.h"
#include "engine/sf_sesdl.h"

struct sf_target;

struct sf_install_opts {
    struct sf_sesdl_opts dl;
    int sub_id;                  /* -1: every subenclosure */
    char expect_rev[5];          /* "" unless --expect-revision */
    unsigned ready_timeout_ms;   /* waiting for an enclosure to come back */
    unsigned cmd_timeout_ms;     /* per SCSI command; 0: the command layer's
                                    default (60 s) */
    int activate_after;          /* install: activate what was stored (0Eh)
                                    at once, as sg_write_buffer --bpw=CS,act
                                    does - but only after a clean download */
    unsigned jobs;               /* identify up to this many paths at once (0, 1: one) */
    int solo;                    /* each path on its own (--parallel): the modules of
                                    an enclosure are not read for redundancy, partner
                                    sync or a partner's push - other threads drive them */
};

void sf_install_opts_default(struct sf_install_opts *o);

enum sf_inst_outcome {
    SF_OUT_PLANNED = 0,
    SF_OUT_UPDATED,              /* running the new image, verified */
    SF_OUT_STORED,               /* deferred: stored, runs after activate */
    SF_OUT_PENDING_RESET,        /* 11h/12h: runs after reset/power cycle */
    SF_OUT_DRY_RUN,
    SF_OUT_FAILED,
    SF_OUT_NOT_ATTEMPTED,
    SF_OUT_NOTHING,              /* activate: no deferred microcode (85h) */
    SF_OUT_SKIPPED,              /* already runs the package's version */
};

struct sf_install_dev;           /* an open device of the plan */

struct sf_target {
    struct sf_install_dev *dev;
    char path[256];
    int drive;                   /* 1: a drive (WRITE BUFFER), sub_id 0 */
    uint8_t sub_id;
    char vendor[9], product[17];
    char rev_before[5];
    char rev_after[5];
    uint32_t max_size;
    uint8_t dl_status_at_plan;   /* download microcode status when planned */
    uint32_t expected_offset_at_plan;
    /* after a failure: what the enclosure's other modules in the plan run
     * and whether each answers; degraded: one did not come back */
    char redundancy[640];
    int degraded;
    enum sf_inst_outcome outcome;
    int err;                     /* sf_err when failed */
    char msg[512];
    struct sf_sesdl_result dl;
    /* what to put there (install) */
    const uint8_t *img;          /* borrowed */
    uint32_t img_len;
    char img_sha[65];
    char expect_rev[5];          /* "" = must change */
    /* continuing an interrupted run */
    char resume_phase[32];       /* journal's last phase, "" if fresh ("planned":
                                    the attempt never got to send anything) */
    int64_t stored_by;           /* activate: attempt that stored the deferred
                                    image we expect to find (0: unknown) */
    char stored_from[5];         /* the revision running when it was stored */
    /* why the image may not have been taken although nothing failed
     * outright (a recovered transport error, a reset, a completion never
     * reported): then a revision that did not change is not put down to
     * the image carrying the same one ("" when all went cleanly) */
    char trouble[200];
};

struct sf_plan {
    size_t ndev;
    struct sf_install_dev **devs;
    size_t n;
    struct sf_target *t;
    uint32_t image_len;          /* 0 for activate */
};

/* Events for front ends. */
enum sf_iev_kind { SF_IEV_PHASE, SF_IEV_PROGRESS, SF_IEV_NOTICE, SF_IEV_RESULT };

struct sf_iev {
    enum sf_iev_kind kind;
    const struct sf_target *t;
    const char *text;            /* phase name or notice */
    uint64_t bytes, total;
};

typedef void (*sf_iev_cb)(const struct sf_iev *ev, void *arg);

/*
 * Open and identify paths, choose targets.  image_len 0 plans an
 * activation.  On failure nothing has been written; ec says why.
 */
int sf_install_plan(sf_ctx *ctx, const char *const *paths, size_t npaths, uint32_t image_len,
                    const struct sf_install_opts *o, struct sf_plan **out, struct sf_errctx *ec);

/* The engine's side of one target (sf_class_scsi.c): its events, and the
 * journal's gate every step goes through before it starts (see
 * sf_sesdl_opts.gate).  Results are the engine's to record and report. */
struct sf_install_hooks {
    sf_iev_cb cb;
    void *arg;
    int (*gate)(void *arg, const char *step);   /* a writing step: 0 or stop */
    void (*note)(void *arg, const char *step);  /* a read-only one (verifying ...) */
    void *gate_arg;
};

/* Install target i of the plan, from where its t->resume_phase (the
 * journal's last step of the attempt it continues) says the interrupted
 * attempt got: a stored image is never sent again, an activation that
 * took is not sent again.  After a failure, the enclosure's other modules
 * in the plan are read for redundancy; after a success, a partner module
 * is watched for a firmware sync loop (which fails the partner's own
 * target with the evidence, before anything is sent to it).  Returns 0 or
 * the failure's error; t says what happened. */
int sf_install_one(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                   const struct sf_install_hooks *h);

/* Activate deferred microcode on target i (t->stored_by/stored_from from
 * the journal); an interrupted activation that took is not sent again. */
int sf_activate_one(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                    const struct sf_install_hooks *h);

/* The name the journal and packages use for a mode choice, and back
 * (also the numbers of sg_write_buffer: 5, 07h, 0x0e ...; NULL or "":
 * auto).  SF_EINVAL for anything else. */
const char *sf_dl_mode_key(enum sf_dl_mode_choice m);
int sf_dl_mode_parse(const char *s, enum sf_dl_mode_choice *m);

/* What target i runs, read from the device, waiting out a restart (up to
 * o->ready_timeout_ms): the Configuration page, a drive's INQUIRY. */
int sf_install_read_revision(struct sf_plan *p, size_t i, const struct sf_install_opts *o,
                             char *rev, size_t cap, struct sf_errctx *ec);
/* The same, once, without waiting. */
int sf_install_reread(struct sf_plan *p, size_t i, char *rev, size_t cap, struct sf_errctx *ec);

/* Can target t take an image of len bytes (a processor's maximum; a
 * WRITE BUFFER mode that carries it)?  SF_ERANGE with why. */
int sf_install_fits(const struct sf_target *t, uint32_t len, const struct sf_install_opts *o,
                    struct sf_errctx *ec);

/* Did the attempt whose last journaled phase this is send anything to
 * the device?  "" and "planned" mean it never began: a download the
 * device shows in progress is then not its own. */
int sf_install_phase_wrote(const char *phase);

/* The identity history and locks use: an enclosure's logical identifier,
 * a drive's NAA (or a hash when it has none). */
uint64_t sf_target_uid(const struct sf_target *t);

/* "subenclosure 1" or "drive", for messages. */
const char *sf_target_what(const struct sf_target *t, char *buf, size_t cap);
void sf_plan_free(struct sf_plan *p);

#endif
