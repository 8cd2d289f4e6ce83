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
 * Backup_BIOS, HPE's "Redundant System ROM"). */
int sf_bmcup_is_backup(const struct sf_rf_fw *f);
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
    int pending_host_reset;   /* result: staged items wait for a host reset */
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

/*
 * Run the plan: push every image (multipart, or HttpPushUri when that is
 * all the BMC has), follow each task, wait out the BMC's own reset and log
 * in again, then - with reboot_host - reset the host and wait for the
 * staged firmware to run.  Every result is decided by the inventory.
 * Returns 0 when every item ended UPDATED or STAGED (pending_host_reset
 * says which), else the first failure's error with the items' states set.
 */
int sf_bmcup_run(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                 sf_bev_cb cb, void *arg, struct sf_errctx *ec);

/* Reset the host and verify staged firmware (`safeflash activate`): items
 * carry what was staged (comp, expect, before). */
int sf_bmcup_activate(struct sf_rfs *s, struct sf_bmc_plan *p, sf_bev_cb cb, void *arg,
                      struct sf_errctx *ec);

#endif
