/*
 * sf_bmc.h - an emulated BMC: a Redfish service over HTTP(S) on loopback,
 * written to behave as real BMCs do (OpenBMC bmcweb first, with the
 * vendor variations ../shared/redfish-reference.md records), so that
 * safeflash's Redfish client - and redfishtool and curl - can be tested
 * against it through real HTTP.
 *
 * What it serves:
 *   /redfish/v1                      service root (no authentication)
 *   SessionService/Sessions          login: X-Auth-Token + Location; Basic
 *                                    authentication is accepted as well
 *   UpdateService                    HttpPushUri (raw octet-stream),
 *                                    MultipartHttpPushUri (UpdateParameters +
 *                                    UpdateFile), StartUpdate, SimpleUpdate
 *                                    (fetches an http(s) ImageURI itself)
 *   UpdateService/FirmwareInventory  bmc, bios, bios_backup (StandbySpare),
 *                                    me, and <id>_staged while an image waits
 *   TaskService/Tasks/N[/Monitor]    tasks in memory only (at most 100): the
 *                                    monitor answers 202 while running, 204
 *                                    once when done, then 404
 *   Managers/bmc  Manager.Reset      the BMC restarts: connections are
 *                                    refused, then 503, then 200; sessions,
 *                                    tasks and staged images (kept in RAM,
 *                                    unless keep_staged) are gone
 *   Systems/system ComputerSystem.Reset  the host restarts: staged BIOS/ME
 *                                    are applied, the BIOS saved to the
 *                                    backup first
 *   /sfemu/state                     the emulator's counters (tests only)
 *   POST /sfemu/reset                the BMC restarts on its own (a watchdog,
 *                                    a power glitch): as Manager.Reset, with
 *                                    no credentials (tests only)
 *
 * Images are sf_bmcimg images; a wrong or damaged one fails its task with
 * VerificationFailed.  Fault knobs live in the configuration ("quirks").
 */
#ifndef SF_BMC_H
#define SF_BMC_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#define SF_BMC_MAX_COMP 6

struct sf_bmc_comp_conf {
    char id[17];              /* inventory id and image component: bmc, bios, me */
    char name[33];
    char version[33];
    int has_backup;           /* a backup image (bios): bios_backup */
};

struct sf_bmc_conf {
    char name[33];
    char user[33], password[65];
    uint16_t port;            /* 0: any free port */
    char tls_cert[512], tls_key[512]; /* PEM files; empty: plain HTTP */
    char manufacturer[64], model[64]; /* ComputerSystem: what packages match */
    uint32_t max_image;       /* larger pushes get 413 */
    unsigned task_ms;         /* how long a push task runs */
    unsigned reset_down_ms;   /* BMC reset: connections refused this long */
    unsigned reset_503_ms;    /* ... then 503 this long */
    unsigned host_apply_ms;   /* host reset: components "Updating" this long */
    size_t ncomp;
    struct sf_bmc_comp_conf comp[SF_BMC_MAX_COMP];
    /* quirks */
    int no_multipart;         /* no MultipartHttpPushUri: legacy push only */
    int no_sessions;          /* no SessionService: Basic only */
    char task_lies[17];       /* component whose task says Completed but applies nothing */
    int stuck_task;           /* tasks stay Running at 50 % */
    unsigned burst_503;       /* after each accepted push, this many requests get 503 */
    int backup_save_fails;    /* host reset: saving the BIOS to the backup fails */
    int apply_on_reset_only;  /* only OnReset (no OnStartUpdateRequest) */
    int no_simple_update;     /* no UpdateService.SimpleUpdate (pulls) */
    int opaque_ids;           /* bmcweb's inventory: hashed Ids, every Name "Software
                               * Inventory", Description and RelatedItem say what */
    int absolute_location;    /* Location headers as absolute URLs (iLO) */
    int bare_monitor;         /* DSP0266's plain task monitor: TaskMonitors/N, 202 with
                               * no body while running, then the operation's own
                               * answer (200, or 500 with the error), then 404 */
    int root_slash_only;      /* /redfish/v1 answers 308 to /redfish/v1/, as a web
                               * framework's strict routes do */
    unsigned page_size;       /* FirmwareInventory in pages of this many members, with
                               * Members@odata.nextLink; 0: one page */
    int keep_staged;          /* staged images survive a BMC reset (kept in flash, as
                               * iLO's repository does); by default a reset drops them,
                               * as bmcweb's /tmp/images in RAM does */
    int pull_only;            /* neither HttpPushUri nor MultipartHttpPushUri: images
                               * only by SimpleUpdate, as older BMCs */
    int no_systems;           /* /redfish/v1/Systems answers 404: no host reset */
    char link_style[8];       /* RelatedItem and Links.ManagedBy written "array" (the
                               * schema), or off-schema as one "object" or a bare
                               * "string" */
};

/* Load the BMC called name (NULL: the first) from an emulator config's
 * "bmcs" array. */
int sf_bmc_conf_load(const char *path, const char *name, struct sf_bmc_conf *out,
                     struct sf_errctx *ec);

struct sf_bmc;

/* Start serving on 127.0.0.1 (conf->port, or a free one). */
int sf_bmc_start(const struct sf_bmc_conf *conf, struct sf_bmc **out, struct sf_errctx *ec);
uint16_t sf_bmc_port(const struct sf_bmc *b);
/* Advance time: tasks, resets.  Call every few milliseconds. */
void sf_bmc_tick(struct sf_bmc *b);
void sf_bmc_stop(struct sf_bmc *b);

#endif
