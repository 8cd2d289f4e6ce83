/*
 * sf_class.h - the device-class interface the update engine drives, and
 * the few engine services a class may call.
 *
 * A class knows only its own device: how to open a target, which items it
 * has (a flash layout, SES processors, a drive, BMC components) and what
 * runs on each, the steps that put an image on one item, how to tell from
 * the device how far an interrupted attempt got, and how to verify.  It
 * never decides policy (signatures, versions, what to resume), never
 * touches the journal or the locks, and never prints: the engine
 * (sf_update.c) does all of that, the same way for every class.
 *
 * The contract that makes the journal authoritative: a class calls
 * sf_step_begin() before each step and writes nothing to the device when
 * it returns an error.  sf_step_begin() returns only once the step is
 * durably recorded.
 *
 * Adding a class is one transport (how bytes reach the device) and one
 * file implementing struct sf_class, listed in sf_update.c's table.
 */
#ifndef SF_CLASS_H
#define SF_CLASS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"

/* The most targets (and lock keys) one update takes. */
#define SF_CLASS_MAX_DEVICES 256

struct sf_dev;
struct sf_item;
struct sf_stepper;

/* What the journal knows of an item's interrupted attempt. */
struct sf_prior {
    int64_t id;               /* 0: none */
    int finished;             /* it has a result already (failed in a paused run) */
    char action[16];
    char phase[64];           /* the last step it recorded */
    char from_version[33];    /* what ran when it began */
    char version[33];         /* what its image carries */
    char image_sha256[65];
    char mode[16];            /* the mode (flash: layout kind; SCSI: download mode) it used */
};

/* What where() concluded from the device about an interrupted attempt. */
enum sf_where {
    SF_WHERE_CONTINUE = 0,    /* run the item's steps: they pick up what is left */
    SF_WHERE_DONE,            /* the device already runs the new image: verified, item->info says so */
    SF_WHERE_FAILED,          /* it cannot be finished (item->info says why); nothing is sent */
};

/* What the update asks of the device beside its targets: the components
 * its images are for (Redfish: "bmc", "bios", an inventory Id), in the
 * order given; none for classes whose items all take the one image.  A
 * class with components lists one item per component (item->want: its
 * index), or with none, every item it has. */
struct sf_class_req {
    const char *components[8];
    size_t ncomponents;
    int patient;              /* the journal has an open run: a device still restarting
                                 from it is waited for (within its reset timeout) */
};

/* What the device holds of an image an attempt stored (holds()). */
enum sf_held { SF_HOLDS_GONE = 0, SF_HOLDS_STORED, SF_HOLDS_RUNS };

struct sf_class {
    const char *name;                 /* "flash" */
    const char *runs;                 /* the verb for what an item runs: "boots", "runs" */
    /* 1: a package's "revision" (4 characters) is what the items report,
     * else its "version" */
    int pkg_revision;
    /* 1: an item already running the package's version is skipped, not
     * written again */
    int skip_same;
    /* 1: an item's mode is a layout kind a continuation must match; 0: it
     * is how the attempt downloaded, which the continuation adopts */
    int mode_is_layout;
    /* 1: SF_ACTION_ACTIVATE applies (deferred microcode) */
    int can_activate;
    /* 1: a raw image the journal shows installed, on an item that still
     * runs what that attempt verified, is skipped (a BMC: the same image
     * again could only "fail" to change the version); 0: sent again, and
     * verified as any install (SCSI tests that a revision must change) */
    int raw_once;
    /* 1: a lock's holder is named with its key ("enclosure 5000ccab...") */
    int lock_shows_key;
    /* 1 when the target's syntax is this class's */
    int (*claims)(const char *target);
    /* Open the targets (all of this class in one update: one device).
     * *out is the engine's (close()). */
    int (*open)(sf_ctx *ctx, const char *const *targets, size_t n,
                const struct sf_update_options *o, const struct sf_class_req *rq,
                struct sf_dev **out, struct sf_errctx *ec);
    /* The device's identity for the journal and its locks: id is 16 hex
     * digits; keys[] (room for SF_CLASS_MAX_DEVICES) one lock per physical device (what names it in the
     * "another safeflash is updating ..." line). */
    void (*identity)(struct sf_dev *d, char id[17], char keys[][17], size_t *nkeys,
                     const char **what);
    /* The items, each with what runs now and what matches a package.
     * *out is the engine's (free()); *n of them. */
    int (*items)(struct sf_dev *d, struct sf_item **out, size_t *n, struct sf_errctx *ec);
    /* Can this item take an image of len bytes carrying version?
     * SF_ERANGE with why (nothing is written). */
    int (*fits)(struct sf_dev *d, struct sf_item *it, uint64_t len, const char *version,
                struct sf_errctx *ec);
    /* After an interrupted attempt: read the device and say where it is. */
    enum sf_where (*where)(struct sf_dev *d, struct sf_item *it, const struct sf_prior *p);
    /* Put it->img on the item, step by step (sf_step_begin before each),
     * verify it, fill it->info (outcome, version_after, message, counts).
     * Returns 0 or the failure's error. */
    int (*install)(struct sf_dev *d, struct sf_item *it, struct sf_stepper *st, int dry_run);
    /* Optional (NULL): restore the item's redundancy (flash: save the
     * primary to the backup again). */
    int (*repair)(struct sf_dev *d, struct sf_item *it, struct sf_stepper *st);
    /* Describe the device for sf_show into doc; last is the journal's last
     * finished attempt on it (action = its result; id 0: none).  The
     * engine adds the interrupted attempt. */
    int (*show)(struct sf_dev *d, const struct sf_prior *last, json_object *doc,
                struct sf_errctx *ec);
    /* Optional (NULL): the device keeps a stored image only while it is
     * powered (a BMC's RAM): does it still hold what attempt `stored`
     * stored?  why says what was found.  Without it a journaled "stored"
     * is believed. */
    enum sf_held (*holds)(struct sf_dev *d, struct sf_item *it, const struct sf_prior *stored,
                          char *why, size_t cap);
    /* Optional (NULL): one step for the whole device after its items' own
     * (Redfish: one host reset applies every staged image).  The engine
     * calls it with the items whose install() set it->await, each with its
     * stepper, once no item of the device failed; the class
     * sf_step_begin()s the step on every one of them before it acts, and
     * fills each item's info.  An item whose install() set await is
     * recorded as it left it when finish is not called. */
    int (*finish)(struct sf_dev *d, struct sf_item **items, struct sf_stepper **st, size_t n);
    void (*close)(struct sf_dev *d);
};

/* One opened device: classes put this first in their own struct. */
struct sf_dev {
    const struct sf_class *cls;
    char target[256];         /* the first target */
};

/* One item; classes fill what the plan needs in items(). */
struct sf_item {
    struct sf_item_info info; /* the public view (target, cls, name, vendor,
                                 product, version_before set by the class) */
    struct sf_dev *dev;
    int sub;                  /* the journal's subenclosure column (0 for one-item devices) */
    char board_vendor[64];    /* what a package's vendor/product patterns match; "" when */
    char board_product[64];   /* the device cannot say (then packages are refused) */
    char board_words[200];    /* for refusals: "on a Intel S5520UR board (layout L)", or
                                 why there is no board ("the layout L names no board") */
    char resume_cmd[400];     /* the command that finishes an interrupted attempt */
    char repair_cmd[400];     /* the command that restores redundancy ("" when none) */
    char activate_cmd[400];   /* the command that starts a stored image ("" when none) */
    char journal_vendor[9];   /* the history's vendor/product/mode columns */
    char journal_product[17];
    char mode[16];
    char id[17];              /* the journal's device identity of this item when the
                                 update spans several devices ("": identity()'s) */
    int want;                 /* the request's component this item is for (-1: none) */
    char pull[512];           /* the image is not sent: the device fetches it from this
                                 URL itself (Redfish SimpleUpdate); img is NULL then */
    int await;                /* set by install(): the device's finish() completes it */
    const char *journal_result; /* set by the class: the journal's word for how it ended
                                   (NULL: the outcome's) */
    /* set by the engine before install() */
    enum sf_action action;    /* INSTALL, REPAIR or ACTIVATE (a resume: the attempt's) */
    struct sf_prior stored;   /* ACTIVATE: the attempt that stored what runs next (id 0:
                                 the journal knows of none) */
    const uint8_t *img;
    size_t len;
    char version[33];         /* the version the image carries */
    struct sf_prior prior;    /* the attempt this one continues (id 0: none) */
    void *cls_state;          /* the class's own (freed by the class's close) */
};

/* Record the step about to start, durably, and tell the caller's events.
 * Returns 0, or SF_EJOURNAL: then write nothing and return it. */
int sf_step_begin(struct sf_stepper *st, const char *step);
/* A read-only step (verifying, waiting for a restart ...): journaled for
 * the record and shown, never a reason to stop; a failure to journal it
 * is left for the next writing step's sf_step_begin to find. */
void sf_step_phase(struct sf_stepper *st, const char *step);
/* done of total bytes of the current step. */
void sf_step_progress(struct sf_stepper *st, uint64_t done, uint64_t total);
/* One line for the operator. */
void sf_step_notice(struct sf_stepper *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The classes. */
extern const struct sf_class sf_class_flash;
extern const struct sf_class sf_class_scsi;
extern const struct sf_class sf_class_redfish;

#endif
