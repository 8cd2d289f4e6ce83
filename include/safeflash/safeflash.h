/*
 * safeflash.h - the public C API of libsafeflash: one update engine for
 * every device class (SES enclosures, drives, NOR flash, Redfish boards).
 *
 * The library keeps one promise for every class, and keeps it here rather
 * than in any front end: an update never bricks a device, never flashes
 * twice, never loops, and says exactly what happened.  It does so by
 * construction:
 *
 *   1. Nothing is written to a device before the whole plan passed every
 *      check (container, hashes, signature, target match, version order,
 *      minimum version, unfinished attempts) and before the journal holds
 *      the run, every attempt of it and the step about to start - durably.
 *      A state directory that cannot take those records (full, read-only,
 *      damaged database) stops the update with SF_EJOURNAL before anything
 *      is sent.
 *   2. Every image is staged in the state directory before the first
 *      write, so nothing depends on the file (or media) it came from.
 *   3. A killed or failed run is finished by an SF_ACTION_RESUME update from
 *      the journal and the device: an item whose device already runs
 *      something other than the version its attempt started from is
 *      verified, never sent again.
 *
 * Conventions (libgit2's): functions return 0 or a negative enum sf_err
 * (include/safeflash/sf_err.h), with one line of detail in the caller's
 * struct sf_errctx; the caller owns what comes back through **out and
 * frees it with the matching _free (NULL is a no-op); getters borrow.
 * The library reads no environment variables and prints nothing: every
 * setting comes in through the context or the options, everything that
 * happens goes out through the event callback.
 *
 * A typical install (examples/api/update.c is a runnable one, on an emulated
 * enclosure):
 *
 *   sf_ctx *ctx;  sf_update *u;  struct sf_errctx ec = { 0 };
 *   sf_ctx_new(&ctx);
 *   sf_ctx_set_state_dir(ctx, "/var/lib/safeflash");
 *   struct sf_update_options o;  sf_update_options_init(&o);
 *   o.layout = "board.layout";
 *   sf_update_new(ctx, SF_ACTION_INSTALL, &o, &u);
 *   sf_update_set_image(u, "bios-11.15.sfpkg");
 *   sf_update_add_target(u, "mtd:/dev/mtd0");
 *   if (sf_update_plan(u, &ec) == 0)          // nothing written yet
 *       sf_update_run(u, on_event, NULL, &ec);
 *   ... sf_update_result(u) ...
 *   sf_update_free(u);  sf_ctx_free(ctx);
 *
 * Device classes are chosen by the target's syntax:
 *   mtd:/dev/mtdN | file:PATH   board firmware in NOR flash (with a layout)
 *   /dev/sgN (any other path)   a SCSI device: an SES enclosure (every
 *                               processor) or a drive (WRITE BUFFER)
 */
#ifndef SAFEFLASH_SAFEFLASH_H
#define SAFEFLASH_SAFEFLASH_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the JSON documents (docs/json.md) the front end writes
 * from this API's structs and events. */
#define SF_JSON_SCHEMA 1

/* ---- the context ---- */

typedef struct sf_ctx sf_ctx;

/* A new context with the defaults: state directory /var/lib/safeflash,
 * trusted keys in /etc/safeflash/keys, the platform's own transports.
 * Errors: SF_ENOMEM. */
int sf_ctx_new(sf_ctx **out);
void sf_ctx_free(sf_ctx *ctx);

/* Where history, the journal, staged images and locks live.  The
 * directory is made (mode 0700, with its parents) when an update first
 * needs it; reading the history never makes it.  It is trusted only when
 * root or the effective user owns it and no one else may write it: else
 * every use of it is refused (one line naming it and the fix).
 * Errors: SF_EINVAL (NULL or empty), SF_ENOMEM. */
int sf_ctx_set_state_dir(sf_ctx *ctx, const char *dir);
/* The state directory in use (borrowed). */
const char *sf_ctx_state_dir(const sf_ctx *ctx);

/* Directory of trusted Ed25519 public keys (*.pub) that packages must be
 * signed with.  As with OpenSSH's StrictModes, it and every *.pub in it
 * must be owned by root or the effective user and writable by no one
 * else, and a key must be a regular file, not a symbolic link: else a
 * signature check is refused (SF_ESIG, one line naming the file and the
 * fix).  Errors: SF_EINVAL, SF_ENOMEM. */
int sf_ctx_set_keys_dir(sf_ctx *ctx, const char *dir);
const char *sf_ctx_keys_dir(const sf_ctx *ctx);

/*
 * Flash backends.  A flash target "PREFIX:PATH" whose prefix is
 * registered here is opened by fn(arg, PATH, TARGET, &flash, ec) instead
 * of the built-in ones ("mtd:" is Linux MTD).  This is how a simulator
 * stands in for hardware (include/safeflash/sf_emu.h registers the NOR
 * model as "file:").  The context calls free_arg(arg) when it is freed
 * or the prefix is registered again; after a failure, arg stays the
 * caller's.  Errors: SF_EINVAL (prefix not "NAME:"), SF_ENOMEM.
 */
struct sf_flash;
typedef int (*sf_flash_open_fn)(void *arg, const char *path, const char *target,
                                struct sf_flash **out, struct sf_errctx *ec);
int sf_ctx_set_flash_backend(sf_ctx *ctx, const char *prefix, sf_flash_open_fn fn, void *arg,
                             void (*free_arg)(void *arg));

/*
 * SCSI transports.  SCSI paths (enclosures, drives) are opened with the
 * platform's SG_IO unless a backend is registered: open(arg, path, &tr,
 * ec) opens the paths it knows and returns SF_SCSI_PASSTHROUGH for any
 * other, which SG_IO then opens; paths(arg, list, max, ec), when given,
 * adds the devices it knows to device listings (sf_device_list) and
 * returns how many it wrote, or a negative error.  This is how a simulator stands in for hardware
 * (include/safeflash/sf_emu.h registers the enclosure emulator).  The
 * context calls free_arg(arg) when it is freed or another backend is
 * registered; after a failure, arg stays the caller's.  Errors: SF_EINVAL
 * (no open function).
 */
struct sf_transport;
#define SF_SCSI_PASSTHROUGH 1
typedef int (*sf_scsi_open_fn)(void *arg, const char *path, struct sf_transport **out,
                               struct sf_errctx *ec);
typedef int (*sf_scsi_paths_fn)(void *arg, char (*list)[256], size_t max, struct sf_errctx *ec);
int sf_ctx_set_scsi_backend(sf_ctx *ctx, sf_scsi_open_fn open, sf_scsi_paths_fn paths, void *arg,
                            void (*free_arg)(void *arg));

/* Where sysfs is mounted, for finding SCSI devices (default "/sys"; tests
 * hand in a fake tree).  Errors: SF_EINVAL, SF_ENOMEM. */
int sf_ctx_set_sysfs_root(sf_ctx *ctx, const char *dir);

/*
 * Credentials for Redfish targets (redfish://USER@HOST): fn(arg, user,
 * host, out, cap) writes the password (NUL-terminated) and returns 0, or
 * an error that fails the connection (SF_EACCES: none to give; SF_EINVAL:
 * the caller was not set up to give one), with out then holding one line
 * saying why ("" for none).  Asked
 * once per connection, when the class connects; the library never stores
 * or records it.  Errors: SF_EINVAL (no context).
 */
typedef int (*sf_password_fn)(void *arg, const char *user, const char *host, char *out,
                              size_t cap);
int sf_ctx_set_password_cb(sf_ctx *ctx, sf_password_fn fn, void *arg);

/* ---- updates ---- */

enum sf_action {
    SF_ACTION_INSTALL = 0,    /* put an image (or a package's images) on the targets */
    SF_ACTION_REPAIR,         /* flash: save the primary to the backup again and finish
                                 the update a DEGRADED install left */
    SF_ACTION_RESUME,         /* finish what the journal shows unfinished */
    SF_ACTION_ACTIVATE,       /* start what an install stored: SCSI deferred microcode;
                                 Redfish: one host reset applies every staged image */
};

/* SCSI targets: what to do about a download the device already has in
 * progress that no unfinished attempt in the journal owns. */
enum sf_in_progress_choice {
    SF_IN_PROGRESS_REFUSE = 0,  /* SF_EBUSY: somebody else's, half done */
    SF_IN_PROGRESS_RESUME,      /* continue it at the device's expected offset */
    SF_IN_PROGRESS_RESTART,     /* discard it and send from offset 0 */
};

#define SF_UPDATE_OPTIONS_VERSION 1

struct sf_update_options {
    unsigned version;         /* SF_UPDATE_OPTIONS_VERSION */
    int dry_run;              /* plan, report what would be written; write nothing */
    int allow_unsigned;       /* accept a package no trusted key signed (a warning event) */
    int allow_downgrade;      /* accept an image older than what runs */
    int restart;              /* abandon an unfinished attempt of another image */
    int confirmed;            /* the caller runs the plan without asking (--yes): the
                                 update is journaled, with its staged image, before the
                                 first command reaches a device, so that an interruption
                                 even while the devices are identified is finished by a
                                 resume */
    const char *image_version;/* a raw image's version (flash: goes into the slot header) */
    const char *layout;       /* flash targets: the layout file (docs/flash-layout.md) */
    /* SCSI targets (SES enclosures and drives) */
    const char *mode;         /* "auto" (NULL), "deferred" (0Eh), "immediate" (07h),
                                 drives also "save" (05h), "events" (0Dh) */
    int activate;             /* deferred: activate at once after a clean download */
    int subenclosure;         /* -1 (the default): every SES processor; else its id */
    unsigned chunk_size;      /* largest page/chunk in bytes; 0: what the device takes */
    const char *expect_revision; /* the revision the processors must run after ("" or
                                 NULL: a raw image must change it; a package names it) */
    const char *vendor, *product; /* raw image: fnmatch patterns the targets must match */
    enum sf_in_progress_choice in_progress;
    unsigned timeout_ms;      /* waiting for completion and for a restarting device
                                 (0: 20 min for completion, 10 min for a restart) */
    unsigned poll_ms;         /* between status polls (0: 1000 ms) */
    unsigned command_timeout_ms; /* per SCSI command (0: 60 s) */
    /* Several devices at once */
    unsigned jobs;            /* 0, 1: one item after another, and the first failure
                                 stops the run; N: up to N devices (items that share a
                                 lock: an enclosure, a drive) at once, each device's
                                 items one after another, a failure stopping only its
                                 own device's items */
    int parallel;             /* with jobs: every path on its own, so the modules of
                                 one enclosure are updated at the same time (the
                                 enclosure has no working path meanwhile: a warning) */
    /* Redfish boards (redfish://USER@HOST[:PORT]); with an install,
     * activate (above) resets the host once every image is staged */
    int plain_http;           /* http:// - loopback addresses only */
    int insecure;             /* HTTPS without checking the certificate */
    const char *ca_file;      /* HTTPS: trust this CA bundle */
    const char *pin;          /* HTTPS: the certificate's public key SHA-256 */
    unsigned task_timeout_s;  /* one BMC task (0: 600 s) */
    unsigned reset_timeout_s; /* the BMC's own reset, the host applying firmware (0: 900 s) */
};

/* Fill o with the defaults (everything off, version set). */
void sf_update_options_init(struct sf_update_options *o);

typedef struct sf_update sf_update;

/*
 * A new update of the given action.  The options are copied (their
 * strings too).  Errors: SF_EINVAL (unknown action or options version),
 * SF_ENOMEM.
 */
int sf_update_new(sf_ctx *ctx, enum sf_action action, const struct sf_update_options *o,
                  sf_update **out);

/*
 * The image to install: a signed package (docs/package.md) or a raw
 * image file.  Read when the update is planned.  Errors: SF_EINVAL (not
 * an install, or an image given already), SF_ENOMEM.
 */
int sf_update_set_image(sf_update *u, const char *path);

/*
 * Redfish boards: a raw image for one component (bmc, bios, me, or the
 * BMC inventory's Id), once per image; or, with path NULL, the URL the
 * BMC fetches the image from itself (pull, SimpleUpdate: nothing is
 * staged here - field report 002 warns against it).  A package names its
 * own components (sf_update_set_image).  At most 8.  Errors: SF_EINVAL
 * (not an install, no component, a package given, too many), SF_ENOMEM.
 */
int sf_update_add_image(sf_update *u, const char *path, const char *component, const char *pull);

/* A target, in the CLI's syntax.  Several flash targets form one device
 * (a layout over several chips).  Errors: SF_EINVAL (unknown syntax, a
 * target named twice, targets of different classes), SF_ENOMEM. */
int sf_update_add_target(sf_update *u, const char *target);

enum sf_outcome {
    SF_OUTCOME_PLANNED = 0,   /* not run yet */
    SF_OUTCOME_UPDATED,       /* runs the new image, verified on the device */
    SF_OUTCOME_REPAIRED,      /* repair: the backup holds a verified copy again */
    SF_OUTCOME_SKIPPED,       /* already runs it: nothing to do */
    SF_OUTCOME_DRY_RUN,       /* would have been written */
    SF_OUTCOME_FAILED,        /* tried, did not take; the message says why and what runs */
    SF_OUTCOME_NOT_ATTEMPTED, /* left alone after an earlier failure */
    SF_OUTCOME_STORED,        /* deferred: stored, runs after activate, a reset or power cycle */
    SF_OUTCOME_PENDING_RESET, /* stored, runs after a hard reset or power cycle (11h/12h) */
    SF_OUTCOME_NOTHING,       /* activate: no deferred microcode was stored there */
};

/* The word for an outcome ("updated", "not-attempted" ...), never NULL;
 * the same word the journal, --json and history use. */
const char *sf_outcome_str(enum sf_outcome o);

/* One thing an update changes: a flash layout, a processor, a drive, a
 * BMC component.  Filled by the plan, completed by the run. */
struct sf_item_info {
    char target[256];         /* the target as given (the first, for a group) */
    char cls[16];             /* "flash" */
    char name[48];            /* what it is on the target: "flash" */
    char vendor[64];          /* what packages are matched against */
    char product[64];
    char version_before[33];  /* what runs before ("" when nothing valid runs) */
    char version_new[33];     /* what the image carries ("" when unknown) */
    char version_after[33];   /* what runs after, read from the device */
    uint64_t image_size;
    char image_sha256[65];
    int64_t continues;        /* the journal attempt this one continues (0: fresh) */
    int64_t attempt;          /* this attempt's journal id (0: none yet / dry run) */
    enum sf_outcome outcome;
    int err;                  /* enum sf_err when FAILED */
    int degraded;             /* a redundant copy was lost or could not be made */
    int nothing_written;      /* FAILED before the first write to the device */
    char step[64];            /* the step that failed ("" when none) */
    char plan[256];           /* one line: the steps the run will take on it */
    char message[512];        /* one line: what happened and what runs now */
    char next[400];           /* one line: what the operator can do next ("" when nothing) */
    /* flash: what the update wrote */
    uint64_t blocks_written, blocks_unchanged, bytes_erased, bytes_programmed;
    char region[16];          /* the region a failure was in */
    uint64_t block;           /* the flash offset of the block that failed */
    /* SCSI: how the download went */
    int subenclosure;         /* the SES processor (-1 for a drive) */
    char logical_id[17];      /* the enclosure's logical identifier or the drive's NAA */
    unsigned mode_used;       /* 07h, 0Eh ... (0: none sent) */
    unsigned final_status;    /* SES completion status 10h-13h (0: lost to a reset) */
    unsigned chunk_used, resumes, restarts;
    uint64_t pages_sent;
    int fell_back;            /* auto: deferred refused, done immediate */
};

/*
 * Identify every target, choose what goes where and check it all:
 * container and hashes (SF_EINTEGRITY), signature (SF_ESIG), the
 * package against each target (SF_EMISMATCH), the image against each
 * item's size and version field (SF_ERANGE), version order and
 * min_version (SF_EVERSION), unfinished attempts in the journal
 * (SF_EUNFINISHED when another image's attempt is unfinished and restart
 * is not set, or an attempt stopped DEGRADED on a resume), another
 * safeflash working on the device (SF_ELOCKED), a journal that cannot be
 * read (SF_EJOURNAL), a SCSI download in progress that no attempt owns
 * while in_progress is SF_IN_PROGRESS_REFUSE (SF_EBUSY: nothing sent).
 * The image or package file is read once, and only a regular file (a
 * FIFO, device or directory is refused at once): SF_EFILE (missing,
 * unreadable, not a regular file), SF_ERANGE (too large), SF_ETRUNC
 * (empty), SF_EIO.  Opening a target: SF_ENODEV, SF_EACCES, SF_EFILE (the
 * layout file, as an image), SF_ECONFIG (layout), SF_ENOTSUP.  A state
 * directory others may write, or a planted lock file: SF_EJOURNAL.
 * Missing target, image or
 * raw image version: SF_EINVAL.  A bare resume with no run recorded:
 * SF_ENODEV.  Nothing is written to a device.  Nothing is recorded in the
 * journal either, except with options.confirmed: then the run and its
 * request are journaled first (J0: the image staged, the run removed again
 * when this plan refuses it), so that a kill from here on can be resumed.
 * The state directory and its lock files may be created.  After a failure
 * the update can only be freed.
 */
int sf_update_plan(sf_update *u, struct sf_errctx *ec);

/* The plan's items, in the order they will run (borrowed, valid until
 * sf_update_free). */
size_t sf_update_count(const sf_update *u);
const struct sf_item_info *sf_update_item(const sf_update *u, size_t i);

/* What the plan found worth saying before anything runs (a package
 * signed by no trusted key with allow_unsigned, the backup not holding a
 * copy ...); NULL-terminated, borrowed. */
const char *const *sf_update_warnings(const sf_update *u);

/* What the plan knows about the image: its version, the package's
 * vendor/product and signer ("" for raw images or unsigned). Borrowed. */
struct sf_image_info {
    int is_package;
    char version[33];
    char vendor[64], product[64];
    char signer[64];          /* "" when no trusted key signed it */
    char board[128];          /* the target's board, for a package matched to one */
};
const struct sf_image_info *sf_update_image(const sf_update *u);

/* ---- running ---- */

enum sf_event_kind {
    SF_EVENT_STEP = 0,        /* a step begins; recorded in the journal before it starts */
    SF_EVENT_PROGRESS,        /* done of total bytes of the current step */
    SF_EVENT_NOTICE,          /* one line worth telling the operator */
    SF_EVENT_RESULT,          /* an item ended: item->outcome and item->message */
};

struct sf_event {
    enum sf_event_kind kind;
    const struct sf_item_info *item; /* borrowed for the call; NULL: the run itself */
    const char *text;         /* the step's name or the notice */
    uint64_t done, total;     /* PROGRESS */
};

typedef void (*sf_event_cb)(const struct sf_event *ev, void *arg);

/*
 * Run a planned update: lock every device (SF_ELOCKED when another
 * safeflash holds one), stage every image and record the run with every
 * attempt (SF_EJOURNAL when the state directory cannot take them: nothing
 * is written then), then each item, each step journaled before it starts.
 * Returns 0 when every item ended UPDATED, REPAIRED, SKIPPED, DRY_RUN,
 * STORED, PENDING_RESET or NOTHING; SF_EINVAL when it was not planned or
 * was run already;
 * SF_ECHANGED when the device or the journal changed since the plan
 * (another update ran while the caller asked; nothing was written: plan
 * again); SF_ENOMEM.  With options.jobs > 1 the callback is called from
 * the worker threads, one call at a time; during the run it may read the
 * event's item, not the other items (sf_update_item) which other threads
 * are filling; otherwise the first failure's error (SF_EJOURNAL
 * when the journal could not record a step: the item stopped before that
 * step's first write), and the items and sf_update_result say what
 * happened to each.
 */
int sf_update_run(sf_update *u, sf_event_cb cb, void *arg, struct sf_errctx *ec);

struct sf_update_result {
    char resumed_run[33];     /* a resume with no target: the run it continues */
    int foreign_run;          /* ... recorded without the engine (an older front end's
                                 run, which that front end resumes itself): no items */
    size_t items, updated, skipped, failed, not_attempted;
    size_t stored;            /* STORED or PENDING_RESET: the new image waits for an
                                 activation, a reset or a power cycle */
    int degraded;             /* some item lost a redundant copy */
    int nothing_written;      /* it failed before any write */
    char run[33];             /* the journal's run id ("" for a dry run) */
};
const struct sf_update_result *sf_update_result(const sf_update *u);

void sf_update_free(sf_update *u);

/*
 * Resume is an update of action SF_ACTION_RESUME: it finishes what the
 * journal shows unfinished - on the targets added, or, with none added,
 * the newest run that did not end (paused on an error, or interrupted),
 * reopened with the settings that run recorded.  It is planned and run as
 * any other update; each item continues its attempt from the staged image
 * the journal names (never from the file it came from), and the plan has
 * no items when nothing is unfinished (sf_update_count() == 0).
 */

/* ---- show ---- */

/*
 * Describe the targets (one device) as a JSON document of schema
 * SF_JSON_SCHEMA (docs/json.md): what the device holds, what runs, and
 * what the journal knows of it (an interrupted attempt, a degraded
 * result).  Reads only.  *json is the caller's (free()).  Errors as
 * opening a target for sf_update_plan.
 */
int sf_show(sf_ctx *ctx, const char *const *targets, size_t ntargets,
            const struct sf_update_options *o, char **json, struct sf_errctx *ec);

/* Is this string a target of a class the engine drives (flash ...)? */
int sf_target_is_engine(const char *target);

#ifdef __cplusplus
}
#endif

#endif
