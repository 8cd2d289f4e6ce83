/*
 * sf_fleet_int.h - the fleet's own state, shared by sf_fleet.c (opening a
 * baseline and its packages), sf_fleet_check.c (finding and checking the
 * items) and sf_fleet_apply.c (converging them through sf_update).  See include/safeflash/sf_fleet.h.
 *
 * A check ends with the rows (one per item) and the groups: one group per
 * update that would bring rows to their rule, that is per (rule, device
 * class) with the targets it covers - a whole SCSI path when every item
 * on it takes that rule, else one subenclosure; a board's components that
 * rule covers; a flash through the rule's layout.  Apply runs the groups
 * that hold a row to update, in order: enclosures and drives, flash, then
 * boards (a group holding a BMC first).
 */
#ifndef SF_FLEET_INT_H
#define SF_FLEET_INT_H

#include "engine/sf_update.h"
#include "fleet/sf_baseline.h"
#include "safeflash/sf_fleet.h"
#include "safeflash/sf_package.h"

#define SF_FLEET_MAX_TARGETS SF_UPDATE_MAX_TARGETS
#define SF_FLEET_MAX_WARN 16
/* ask_engine(): a refusal of several targets is asked again one by one */
#define SF_FLEET_SPLIT 1

struct sf_fgroup {
    size_t rule;                        /* index into bl->rules */
    const struct sf_class *cls;
    char *targets[SF_FLEET_MAX_TARGETS];
    size_t ntargets;
    int sub;                            /* SCSI: one subenclosure, -1: every item */
    const char *only[8];                /* Redfish: the rule's components (borrowed
                                           from the package manifest) */
    size_t nonly;
    int has_bmc;                        /* Redfish: the BMC is among them */
    sf_update *planned;                 /* apply's check: this group's install, planned
                                           on planned_t (SCSI), run by apply when its
                                           turn comes on the same targets */
    const char *planned_t[SF_FLEET_MAX_TARGETS];
    size_t nplanned;
};

/* What a group's targets are picked for (sf_fleet_pick). */
enum sf_fleet_pick {
    SF_PICK_CHECK = 0,        /* rows to update (the check's dry run) */
    SF_PICK_INSTALL,          /* rows to update, not done yet */
    SF_PICK_ACTIVATE,         /* rows pending, with activate */
};

struct sf_fleet {
    sf_ctx *ctx;
    struct sf_fleet_options o;
    struct sf_baseline *bl;
    char *path;
    char **pkg;                         /* per rule: the package's path from here */
    char **layout;                      /* per rule: the layout's path ("" none) */
    sf_package **pk;                    /* per rule: the package, opened and checked */
    char *targets[SF_FLEET_MAX_TARGETS];
    size_t ntargets;
    struct sf_fleet_row *rows;
    size_t nrows, caprows;
    struct sf_fgroup *g;
    size_t ng;
    struct sf_fleet_info info;
    int checked, applied;
    char *warn[SF_FLEET_MAX_WARN];
    size_t nwarn;
    const char *warnv[SF_FLEET_MAX_WARN + 1];
};

/* A new row (zeroed but for the defaults), or NULL (SF_ENOMEM). */
struct sf_fleet_row *sf_fleet_new_row(struct sf_fleet *f);
/* The options of an update for group g (dry_run as asked). */
void sf_fleet_update_options(const struct sf_fleet *f, const struct sf_fgroup *g, int dry_run,
                             struct sf_update_options *uo);
/* A new update of action act (an install of the group's package, or an
 * activation) onto targets, with the group's options; *out the caller's. */
int sf_fleet_new_update(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                        int dry_run, const char *const *targets, size_t n, sf_update **out);
/* The same, confirmed as given (a plan journaled before it is shown
 * only when the caller needs no confirmation: safeflash.h, confirmed). */
int sf_fleet_new_update_ex(struct sf_fleet *f, const struct sf_fgroup *g, enum sf_action act,
                           int dry_run, int confirmed, const char *const *targets, size_t n,
                           sf_update **out);
/* Keep the plan's warnings (sf_update_warnings) for sf_fleet_warnings,
 * each once. */
void sf_fleet_plan_warnings(struct sf_fleet *f, const sf_update *u);
/* Does row r need an update of this kind (not done yet)? */
int sf_fleet_todo(const struct sf_fleet *f, const struct sf_fleet_row *r, enum sf_fleet_pick k);
/* Group g's targets holding a row that needs it, and with them every path
 * of the same enclosure (logical id) in the group, so that the engine
 * keeps the modules of one enclosure in one update: the partner watch
 * and the redundancy check see them all.  Into t (SF_FLEET_MAX_TARGETS);
 * returns how many. */
size_t sf_fleet_pick(const struct sf_fleet *f, const struct sf_fgroup *g, enum sf_fleet_pick k,
                     const char **t);
/* The row of an engine item: its target and item name, and for a board
 * its component key (inventory names repeat: "Power Supply Firmware"). */
struct sf_fleet_row *sf_fleet_item_row(struct sf_fleet *f, const struct sf_item_info *it);
/* Does group g cover row r? */
int sf_fleet_group_has(const struct sf_fleet *f, const struct sf_fgroup *g,
                       const struct sf_fleet_row *r);

#endif
