/*
 * sf_bmcup.h - server-board firmware through a BMC's Redfish service
 * (field report 002).  This part reads what the BMC says it runs: the
 * UpdateService (how images may be pushed) and the FirmwareInventory,
 * which - never a task's word - decides whether an update took.
 */
#ifndef SF_BMCUP_H
#define SF_BMCUP_H

#include "engine/sf_rfsess.h"

#define SF_BMCUP_MAX_FW 128

struct sf_bmc_inv {
    struct sf_rf_update us;
    size_t n;
    struct sf_rf_fw fw[SF_BMCUP_MAX_FW];
};

/* Read the UpdateService and every FirmwareInventory member. */
int sf_bmcup_inventory(struct sf_rfs *s, struct sf_bmc_inv *inv, struct sf_errctx *ec);

/* The running image of a component: a member that is neither a backup,
 * staged nor inactive, whose URI, Id, SoftwareId or Name is comp - else,
 * for "bmc", "bios" and "me", the one whose class (below) is comp.  NULL
 * if none, or several that disagree. */
const struct sf_rf_fw *sf_bmcup_find(const struct sf_bmc_inv *inv, const char *comp);
/* The one ComputerSystem the BMC manages: Manufacturer, Model, reset. */
int sf_bmcup_system(struct sf_rfs *s, struct sf_rf_system *out, struct sf_errctx *ec);

/* 1 for an image that runs now: not a backup, not staged, not marked
 * inactive or Disabled, not a copy by its name (Golden_, Staging_,
 * iDRAC's Previous-/Available-). */
int sf_bmcup_running(const struct sf_rf_fw *f);
/* 1 for a backup image: State StandbySpare, or named so (Supermicro's
 * Backup_BIOS, HPE's "Redundant System ROM", OpenBMC's bmc_bkup). */
int sf_bmcup_is_backup(const struct sf_rf_fw *f);
/* 1 for an image that waits to be applied, with a Version: Staged, State
 * StandbyOffline (or "Staged"), named Staging/Staged/Pending/Available
 * (Supermicro's Staging_BIOS, Lenovo's UEFI-Pending, iDRAC's Available-,
 * Huawei's AvailableBMC), or Active false - never a backup or an older
 * copy (Golden, Recovery, Previous, Rollback).  An empty Pending slot
 * (Lenovo lists one without a Version) holds nothing. */
int sf_bmcup_is_staged(const struct sf_rf_fw *f);

/*
 * Does the BMC still hold an image the journal says was staged for comp?
 * BMCs keep staged images in RAM: a BMC reset drops them, and a journal
 * that outlived one must not be believed.  Only the inventory decides:
 *   SF_HELD_RUNS    comp already runs it: expect (a package's promise),
 *                   or for a raw image (expect "") no longer from, the
 *                   version it ran when the image was staged;
 *   SF_HELD_STAGED  a staged member of comp (sf_bmcup_is_staged, of that
 *                   component by SoftwareId, class or Id; with expect,
 *                   of that version) lists it;
 *   SF_HELD_GONE    neither: push it again.
 * (A task that staged it would be evidence too while the BMC still knows
 * it, but tasks live in the same RAM, and the journal keeps no task.  A
 * BMC that lists no staged images at all - HPE iLO keeps them in its OEM
 * ComponentRepository/UpdateTaskQueue - reads as GONE: pushed again.)
 * why (may be NULL) says what was found, for messages.
 */
enum sf_bmc_held { SF_HELD_GONE = 0, SF_HELD_STAGED, SF_HELD_RUNS };
enum sf_bmc_held sf_bmcup_holds_staged(const struct sf_bmc_inv *inv, const char *comp,
                                       const char *expect, const char *from, char *why,
                                       size_t cap);
/* What to call f in messages: its Name, unless that is the generic
 * "Software Inventory" bmcweb gives every member - then key, else its Id. */
const char *sf_bmcup_label(const struct sf_rf_fw *f, const char *key);
/* What a member is: "bmc", "bios" or "me", from its RelatedItem (a
 * Manager; a ComputerSystem or its Bios) or the words of its Id, Name,
 * SoftwareId and Description; NULL when it says none or several. */
const char *sf_bmcup_class(const struct sf_rf_fw *f);
/* The name that finds f again after its version changed: its class when
 * that finds exactly f, else its Id. */
void sf_bmcup_key(const struct sf_bmc_inv *inv, const struct sf_rf_fw *f, char *out, size_t cap);
/* What f is beside the image that runs, for `show`: "backup image",
 * "staged, ...", "being updated", or "". */
const char *sf_bmcup_role(const struct sf_rf_fw *f);
/* How the service takes images, in words: its push URIs, or "pull only
 * (SimpleUpdate...)" when that is all it offers. */
void sf_bmcup_methods(const struct sf_rf_update *us, char *out, size_t cap);
/* The backup image of comp ("bios": StandbySpare member of that
 * SoftwareId, or Id "<comp>_backup" / "Backup_<NAME>"), or NULL. */
const struct sf_rf_fw *sf_bmcup_find_backup(const struct sf_bmc_inv *inv, const char *comp);

enum sf_bmc_item_state {
    SF_BI_PLANNED = 0,
    SF_BI_STAGED,             /* accepted, waits for the host reset */
    SF_BI_UPDATED,            /* the inventory shows the new version */
    SF_BI_FAILED,
    SF_BI_UNKNOWN,            /* the BMC lost the task; the inventory did not prove it */
    SF_BI_SKIPPED,            /* already runs the version asked for */
};

struct sf_bmc_item {
    char comp[17];            /* bmc, bios, me ... */
    int want;                 /* the caller's own index for it (sf_bmcup_plan keeps it) */
    int is_bmc;               /* set by the plan: the BMC's own image - last, Immediate,
                               * its reset waited out */
    char target[SF_RF_URI];   /* the inventory member */
    char push_target[SF_RF_URI]; /* Targets: the member, or the BMC's Manager */
    char name[96];
    const uint8_t *img;
    size_t len;
    char pull[512];           /* --pull: the BMC fetches this URL (SimpleUpdate); img NULL */
    char file_name[64];
    char expect[64];          /* the version it must report; "" = must differ from before */
    char before[64];
    char after[64];
    enum sf_rf_apply apply;
    enum sf_bmc_item_state st;
    char task[SF_RF_URI];
    char step[48];            /* where it failed */
    char msg[512];
};

struct sf_bmc_plan {
    size_t n;
    struct sf_bmc_item it[8];
    int reboot_host;          /* reset the host to apply staged host firmware */
    unsigned task_timeout_s;  /* one task; default 600 */
    unsigned reset_timeout_s; /* a BMC coming back, a host applying; default 900 */
    int degraded;             /* result: the backup BIOS is not healthy */
    char degraded_msg[512];
};

enum sf_bev_kind { SF_BEV_STEP, SF_BEV_PROGRESS, SF_BEV_NOTICE };
typedef void (*sf_bev_cb)(enum sf_bev_kind k, const struct sf_bmc_item *it, const char *text,
                          int percent, void *arg);

/*
 * Resolve each item against the inventory (its target, its version now),
 * refuse what cannot work (unknown or not updateable component, nothing to
 * push to), choose apply times, and order the items: host firmware first,
 * the BMC last (its reset drops the connection).  SF_EMISMATCH/SF_ENOTSUP
 * with a message naming the item.
 */
int sf_bmcup_plan(const struct sf_bmc_inv *inv, struct sf_bmc_plan *p, struct sf_errctx *ec);
/* One item against the inventory member f it names: target, push target,
 * is_bmc, comp (its key), name, before, apply time. */
void sf_bmcup_resolve(const struct sf_bmc_inv *inv, const struct sf_rf_fw *f,
                      struct sf_bmc_item *it);

/*
 * One item at a time (the update engine's Redfish class drives these; the
 * caller records each step before it starts):
 *   sf_bmcup_stage_one   push a host-firmware image and follow its task:
 *                        STAGED, UNKNOWN (the task was lost) or FAILED;
 *   sf_bmcup_bmc_one     push the BMC's own image, follow its task, wait
 *                        out its reset (logged in again), verify from the
 *                        inventory: UPDATED or FAILED;
 *   sf_bmcup_host_reset  StartUpdate where an item needs it, the host
 *                        reset (at reset_uri; NULL: looked up), then wait until every STAGED item of p
 *                        runs its version (UPDATED) or the reset timeout
 *                        (FAILED), and read the backup BIOS (p->degraded);
 *   sf_bmcup_judge       an item against an inventory: UPDATED when it
 *                        runs what it should; else SF_EBUSY (final 0) or
 *                        FAILED at "verifying" with why_unchanged.
 */
int sf_bmcup_stage_one(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                       struct sf_bmc_item *it, sf_bev_cb cb, void *arg, struct sf_errctx *ec);
int sf_bmcup_bmc_one(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                     struct sf_bmc_item *it, sf_bev_cb cb, void *arg, struct sf_errctx *ec);
int sf_bmcup_host_reset(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                        const char *reset_uri, sf_bev_cb cb, void *arg, struct sf_errctx *ec);
/* The ComputerSystem's reset action (reads only): 0 with out set, or the
 * error worded as "the host reset could not be requested (...)". */
int sf_bmcup_reset_uri(struct sf_rfs *s, char *out, size_t cap, struct sf_errctx *ec);
/* Wait (within timeout_s) until no task in the BMC's TaskService runs: an
 * interrupted client's push may still be in the BMC's hands.  0 also when
 * the BMC has no task service; SF_ETIMEDOUT. */
int sf_bmcup_wait_tasks(struct sf_rfs *s, unsigned timeout_s, struct sf_errctx *ec);
int sf_bmcup_judge(const struct sf_bmc_inv *now, struct sf_bmc_item *it, int final,
                   const char *why_unchanged, struct sf_errctx *ec);

#endif
