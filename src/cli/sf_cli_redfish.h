/*
 * sf_cli_redfish.h - what the Redfish commands' files share
 * (sf_cli_redfish.c: arguments, plans, rendering; sf_cli_rfjournal.c: the
 * journal, the lock, staging and package checks of the Redfish front end).
 *
 * Redfish boards are the one class not on the update engine yet: until
 * they move (issue 18), these rules live here, in the CLI, and these two
 * files are the only ones in src/cli/ that include internal headers.
 */
#ifndef SF_CLI_REDFISH_H
#define SF_CLI_REDFISH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sf_bmcup.h"
#include "pkg/sf_pkg.h"
#include "state/sf_history.h"

struct ropts {
    const char *target;
    struct sf_rf_target t;
    struct sf_rfs_opts o;
    const char *ca, *pin;
    int json;
    /* install / activate */
    int yes, dry, reboot_host, restart, allow_unsigned, allow_downgrade;
    const char *keys;
    int is_pkg;               /* install: the one image is a package */
    const char *pull;         /* install --pull URL */
    unsigned task_timeout, reset_timeout;
    size_t nimg, ncomp;
    const char *img[8];
    const char *comp[8];
};

struct bctx {
    const char *target;
    int quiet;
    struct sf_history *h;
    int64_t aid[8];
    int64_t resume_of[8];     /* the interrupted attempt each item continues */
    int no_attempt[8];        /* staged by a finished attempt: nothing new to record */
    const struct sf_bmc_plan *p;
    const char *package_sha;  /* "" or NULL for raw images */
};

int sf_rf_lock_bmc(const struct ropts *ro, int *code);
void sf_rf_item_id(const char *target, const char *comp, char id[17]);
void sf_rf_attempts_begin(struct sf_history *h, const char *run, const char *action,
                           const char *target, const struct sf_bmc_plan *p,
                           const char *state_dir, struct bctx *bc, struct sf_errctx *ec);
enum sf_bmc_held sf_rf_journal_staged(const struct ropts *ro, const struct sf_bmc_inv *inv,
                                       struct sf_bmc_item *it, long long id, const char *from,
                                       int interrupted);
int sf_rf_journal(const struct ropts *ro, struct sf_history *h, const struct sf_bmc_inv *inv,
                   struct sf_bmc_plan *p, struct bctx *bc);
void sf_rf_attempts_finish(struct sf_history *h, const struct sf_bmc_plan *p,
                            const struct bctx *bc);
int sf_rf_load_package(const struct ropts *ro, struct sf_pkg **pkg, struct sf_bmc_plan *p,
                        char sha[65]);
int sf_cli_stage(const char *state, const char *sha, const uint8_t *img, size_t len,
                 struct sf_errctx *ec);

/* The word for a component's state: planned, staged, updated ... */
const char *sf_rf_item_state(enum sf_bmc_item_state st);

#endif
