/*
 * sf_cli_scsi.h - install/activate/resume of SCSI devices (enclosures,
 * drives) through the update engine.
 */
#ifndef SF_CLI_SCSI_H
#define SF_CLI_SCSI_H

#include <stddef.h>

#include "safeflash/safeflash.h"

struct sf_cli_scsi_req {
    const char *cmd;              /* "install", "activate", "resume" */
    enum sf_action act;
    struct sf_update_options uo;
    const char *image;            /* install */
    const char *keys, *state_dir; /* NULL: the environment's, else the defaults */
    int json, yes;
    const char *const *devs;
    size_t ndev;
};

/* Plan, show, confirm, run and report; returns the exit code. */
int sf_cli_scsi_run(const struct sf_cli_scsi_req *r);

#endif
