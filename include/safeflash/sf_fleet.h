/*
 * sf_fleet.h - a fleet's desired state: check the devices against a
 * baseline (docs/baseline.md) and converge them through the one update
 * engine.  What `safeflash check` and `safeflash apply` render.
 *
 *   sf_fleet_open          the baseline, its signature, and every package it
 *     |                    names (present, intact, signed, the version the
 *     |                    baseline says) - or one line and nothing else
 *   sf_fleet_add_target    optional: which devices (none: every local SCSI
 *     |                    device and the flash targets the baseline names)
 *   sf_fleet_check         reads only: per item, what runs, what the
 *     |                    baseline wants and the action - none, update,
 *     |                    refused, unknown (with why) or no-rule; the
 *     |                    version order and min_version are the engine's,
 *     |                    asked with a dry-run plan of the rule's package
 *   sf_fleet_apply         each rule's package through sf_update (signature,
 *                          journal, locks, resume, the modules of one
 *                          enclosure one at a time, --jobs across devices),
 *                          onto the items the check found to update, and
 *                          with activate, an activation of what is pending
 *
 * Invariants:
 *  1. Nothing is written before the baseline and every package it names
 *     passed (sf_fleet_open), and before the item's own update planned
 *     clean.
 *  2. An item is written only by the update of the one rule that matched
 *     it (sf_baseline_match); an item no rule matches is left alone.
 *  3. A second apply after a clean one plans nothing: every item is at its
 *     rule's version (action none), so nothing is written and the result
 *     says so (changed 0).
 *  4. max_failures N: once N items failed, no further item is started;
 *     those not started end NOT_ATTEMPTED, said per item.
 *
 * Conventions as in safeflash.h: 0 or a negative enum sf_err with one line
 * in the caller's struct sf_errctx; the caller owns *out and frees it with
 * sf_fleet_free; getters borrow.
 */
#ifndef SAFEFLASH_SF_FLEET_H
#define SAFEFLASH_SF_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_FLEET_OPTIONS_VERSION 1

struct sf_fleet_options {
    unsigned version;             /* SF_FLEET_OPTIONS_VERSION */
    int allow_unsigned;           /* a baseline no trusted key vouches for (unsigned, no
                                     keys) and packages no trusted key signed go on, as
                                     install's allow_unsigned; a baseline a trusted key
                                     contradicts (altered, another key's) never does */
    unsigned max_failures;        /* apply: stop starting items after this many failed
                                     (0: no limit; each device's items still stop at
                                     their device's first failure) */
    int apply;                    /* the check is apply's own: an enclosure's or drive's
                                     update is planned for real there (still nothing
                                     written, and journaled only when update.confirmed)
                                     and apply runs that plan - the devices are not
                                     identified twice */
    /* For every update apply runs and every dry-run plan check asks:
     * jobs, activate, timeouts, Redfish TLS, dry_run (apply plans, writes
     * nothing), confirmed (the caller asked already: see apply).
     * allow_unsigned is taken from above. */
    struct sf_update_options update;
};

/* Fill o with the defaults (everything off, versions set). */
void sf_fleet_options_init(struct sf_fleet_options *o);

typedef struct sf_fleet sf_fleet;

/*
 * Read the baseline at path (and path.sig), check its signature against
 * the context's trusted keys, and open every package it names: present,
 * intact, signed by a trusted key (or allow_unsigned) and bringing the
 * version its rule says.  Nothing is sent to a device.  *out is the
 * caller's.  Errors: SF_EFILE (the baseline, a package or a layout
 * missing or not a regular file), SF_EMALFORMED (the baseline's format),
 * SF_ESIG (a signature missing without allow_unsigned, or not verified),
 * SF_EINTEGRITY (a damaged package), SF_ECONFIG (a package that does not
 * bring its rule's version), SF_EINVAL, SF_ENOMEM.
 */
int sf_fleet_open(sf_ctx *ctx, const char *path, const struct sf_fleet_options *o,
                  sf_fleet **out, struct sf_errctx *ec);

/* A target in the CLI's syntax (a SCSI path, mtd:/file:, redfish://).
 * Errors: SF_EINVAL (unknown syntax, named twice, checked already),
 * SF_ENOMEM. */
int sf_fleet_add_target(sf_fleet *f, const char *target);

enum sf_fleet_action {
    SF_FLEET_NONE = 0,        /* runs the baseline's version */
    SF_FLEET_UPDATE,          /* runs another: its rule's package would bring it */
    SF_FLEET_REFUSED,         /* the package would be refused (downgrade, min_version) */
    SF_FLEET_UNKNOWN,         /* cannot tell (the device did not answer, the package
                                 does not fit it ...): reason says why */
    SF_FLEET_NO_RULE,         /* no rule of the baseline matches it: left alone */
    SF_FLEET_PENDING,         /* its rule's image is stored on it and runs after an
                                 activation (apply with activate), a reset or a power
                                 cycle: reason says which */
};

/* "none", "update", "refused", "unknown", "no-rule", "pending". */
const char *sf_fleet_action_str(enum sf_fleet_action a);

/* One item the check found: an SES processor, a drive, a flash, a BMC
 * component. */
struct sf_fleet_row {
    char target[256];
    char cls[16];             /* "ses", "drive", "flash", "redfish" */
    char item[48];            /* "subenclosure 0", "drive", "flash", "BIOS" */
    char component[64];       /* redfish: the component key ("" for others) */
    char vendor[64], product[64];
    char logical_id[17];      /* SES/drive: the enclosure's logical id or the NAA */
    char current[33];         /* what runs ("" unknown) */
    char desired[64];         /* the rule's version ("" without a rule) */
    enum sf_fleet_action action;
    char reason[512];         /* why (refused, unknown, no-rule; "" otherwise) */
    int rule;                 /* the rule's index in the baseline, from 1 (0: none) */
    char package[256];        /* the rule's package, as the baseline names it */
    /* apply: */
    int applied;              /* an update ran (or was due to run) on it */
    enum sf_outcome outcome;
    int err;
    char version_after[33];
    char message[512];
};

struct sf_fleet_info {
    char name[64];            /* the baseline's "name" */
    int signed_;              /* a trusted key verified it */
    char signer[17];          /* its key id ("" unsigned) */
    size_t items, none, update, refused, unknown, no_rule, pending; /* check */
    size_t updated, stored, failed, not_attempted;            /* apply */
    int changed;              /* apply changed firmware somewhere */
    int degraded;             /* an update left something degraded */
    int first_err;            /* the first failure's error (0: none) */
    char first_msg[512];
};

/*
 * Find the items and compare them with the baseline.  Reads only: the
 * devices are identified, and each rule's package is planned as a dry run
 * on the items it matched.  A device that cannot be read is a row with
 * action unknown, not a failure of the check.  Errors: SF_ECONFIG (the
 * emulator config), SF_EINVAL (called twice), SF_ENOMEM.
 */
int sf_fleet_check(sf_fleet *f, struct sf_errctx *ec);

size_t sf_fleet_count(const sf_fleet *f);
const struct sf_fleet_row *sf_fleet_row(const sf_fleet *f, size_t i);
const struct sf_fleet_info *sf_fleet_info(const sf_fleet *f);

/*
 * Converge: check first if not done, then each rule's package onto its
 * items to update, through sf_update (events through cb as an install's,
 * from worker threads with jobs > 1).  Returns 0 when every update ended
 * clean (items UPDATED, SKIPPED, STORED, PENDING_RESET or DRY_RUN), else
 * the first failure's error (the rows and sf_fleet_info say what happened
 * to each); SF_EINVAL when applied already.
 */
int sf_fleet_apply(sf_fleet *f, sf_event_cb cb, void *arg, struct sf_errctx *ec);

/* What the updates' plans found worth saying (a package no trusted key
 * signed, with allow_unsigned ...), each once; NULL-terminated, borrowed. */
const char *const *sf_fleet_warnings(const sf_fleet *f);

void sf_fleet_free(sf_fleet *f);

/*
 * `safeflash baseline sign`: check that the file at path is a valid
 * baseline (a malformed one is not signed), sign its exact bytes with the
 * Ed25519 private key in keyfile and write path.sig (a new file, fsync,
 * rename over the old one).  keyid (may be NULL) gets the key's id.
 * Errors: SF_EFILE (the baseline or the key unreadable, the signature not
 * writable), SF_EMALFORMED, SF_EIO, SF_EINVAL.
 */
int sf_fleet_sign_baseline(const char *path, const char *keyfile, char keyid[17],
                           struct sf_errctx *ec);

#ifdef __cplusplus
}
#endif

#endif
