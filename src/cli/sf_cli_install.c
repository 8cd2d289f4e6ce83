/*
 * sf_cli_install.c - the arguments of `safeflash install`, `activate` and
 * `resume` for SCSI devices (enclosures, drives), and `cancel`.
 *
 * Options are parsed here into the update engine's options
 * (include/safeflash/safeflash.h); sf_cli_scsi.c plans, shows, confirms,
 * runs and renders through the engine.  A bare `resume` continues the run
 * the engine recorded, whatever its class.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sf_cli.h"
#include "safeflash/sf_history_api.h"
#include "sf_cli_engine.h"
#include "sf_cli_scsi.h"
#include "sf_cli_opts.h"

enum cmd_kind { CMD_INSTALL, CMD_ACTIVATE, CMD_RESUME };

static int parse_sub(const char *a, int *out)
{
    if (!strcmp(a, "all")) {
        *out = -1;
        return 0;
    }
    char *end;
    long v = strtol(a, &end, 0);
    if (*a == '\0' || *end || v < 0 || v > 255)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_uint(const char *a, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(a, &end, 0);
    if (*a == '\0' || *a == '-' || errno)
        return -1;
    if (*end == 'k' || *end == 'K') {
        v *= 1024;
        end++;
    }
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

int sf_cli_confirm(const char *question)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    sf_cli_text_fputs(question, tty); /* it may name what a device said */
    fputs(" [y/N] ", tty);
    fflush(tty);
    char line[32] = "";
    int yes = fgets(line, sizeof(line), tty) && (line[0] == 'y' || line[0] == 'Y');
    fclose(tty);
    return yes;
}

/* A bare `resume`: the engine's run, else (a Redfish run, recorded by a
 * front end the engine does not run yet) its command again. */
static int resume_newest(int json, const char *state_opt, const struct sf_update_options *uo)
{
    int ecode = sf_cli_engine_resume_run(json, state_opt, uo);
    if (ecode >= 0)
        return ecode;
    /* A run recorded by an older safeflash, without what reopens it. */
    fprintf(stderr, "safeflash: the last run was recorded by an older safeflash and cannot be "
            "reopened from the journal: run its command again ('safeflash status' shows it)\n");
    return SF_EXIT_FAILED;
}

static int run_cmd(const struct sf_cli_args *a, enum cmd_kind kind)
{
    const char *cmd = a->cmd;
    struct sf_cli_scsi_req r = { .cmd = cmd };
    r.act = kind == CMD_ACTIVATE ? SF_ACTION_ACTIVATE : kind == CMD_RESUME ? SF_ACTION_RESUME
                                                                           : SF_ACTION_INSTALL;
    struct sf_update_options *uo = &r.uo;
    sf_update_options_init(uo);
    static char expect[8];
    int in_progress_given = 0;
    unsigned long v;
    /* Which options belong to which command is the option table's
     * business (sf_cli_table.c); here they get their meaning. */
    for (size_t k = 0; k < a->nopt; k++) {
        const char *optarg = a->opt[k].val;
        int c = a->opt[k].id;
        switch (c) {
        case SF_O_MODE: uo->mode = optarg; break;
        case SF_O_ACTIVATE: uo->activate = 1; break;
        case SF_O_SUBENCLOSURE:
            if (parse_sub(optarg, &uo->subenclosure))
                return sf_cli_usage_error(cmd, "--subenclosure takes an id 0-255 or 'all', not '%s'",
                                          optarg);
            break;
        case SF_O_CHUNK_SIZE:
            /* Enclosure pages need a multiple of 4 up to 65508; the plan
             * says so for an enclosure.  WRITE BUFFER takes any size. */
            if (parse_uint(optarg, 0xffffffu, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--chunk-size takes bytes, 1 to %u, not '%s'",
                                          0xffffffu, optarg);
            uo->chunk_size = (unsigned)v;
            break;
        case SF_O_EXPECT_REVISION:
            if (strlen(optarg) == 0 || strlen(optarg) > 4)
                return sf_cli_usage_error(cmd, "--expect-revision takes 1 to 4 characters, not '%s'",
                                          optarg);
            snprintf(expect, sizeof(expect), "%s", optarg);
            uo->expect_revision = expect;
            break;
        case SF_O_RESUME:
        case SF_O_RESTART:
            if (in_progress_given && (c == SF_O_RESUME) != (uo->in_progress == SF_IN_PROGRESS_RESUME))
                return sf_cli_usage_error(cmd, "--resume and --restart exclude each other");
            in_progress_given = 1;
            uo->in_progress = c == SF_O_RESUME ? SF_IN_PROGRESS_RESUME : SF_IN_PROGRESS_RESTART;
            uo->restart = c == SF_O_RESTART;
            break;
        case SF_O_TIMEOUT:
            if (parse_uint(optarg, 24ul * 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--timeout takes seconds, 1 to 86400, not '%s'", optarg);
            uo->timeout_ms = (unsigned)(v * 1000);
            break;
        case SF_O_COMMAND_TIMEOUT:
            if (parse_uint(optarg, 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--command-timeout takes seconds, 1 to 3600, not "
                                          "'%s'", optarg);
            uo->command_timeout_ms = (unsigned)(v * 1000);
            break;
        case SF_O_POLL_INTERVAL:
            if (parse_uint(optarg, 600000, &v))
                return sf_cli_usage_error(cmd, "--poll-interval takes milliseconds, not '%s'", optarg);
            uo->poll_ms = v ? (unsigned)v : 1;
            break;
        case SF_O_DRY_RUN: uo->dry_run = 1; break;
        case SF_O_YES: r.yes = 1; break;
        case SF_O_JOBS:
            if (parse_uint(optarg, 64, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--jobs takes 1 to 64, not '%s'", optarg);
            uo->jobs = (unsigned)v;
            break;
        case SF_O_JSON: r.json = 1; break;
        case SF_O_PARALLEL: uo->parallel = 1; break;
        case SF_O_ALLOW_UNSIGNED: uo->allow_unsigned = 1; break;
        case SF_O_ALLOW_DOWNGRADE: uo->allow_downgrade = 1; break;
        case SF_O_VENDOR: uo->vendor = optarg; break;
        case SF_O_PRODUCT: uo->product = optarg; break;
        case SF_O_KEYS: r.keys = optarg; break;
        case SF_O_STATE_DIR: r.state_dir = optarg; break;
        default:
            return sf_cli_usage_error(cmd, "'--%s' is not handled here", a->opt[k].name);
        }
    }
    size_t first = 0;
    if (kind == CMD_INSTALL) {
        if (first >= a->nops)
            return sf_cli_usage_error(cmd, "missing PACKAGE|IMAGE and DEVICE");
        r.image = a->ops[first++];
    }
    if (first >= a->nops && kind == CMD_RESUME)
        return resume_newest(r.json, r.state_dir, &r.uo);
    if (first >= a->nops)
        return sf_cli_usage_error(cmd, "missing DEVICE");
    r.devs = (const char *const *)a->ops + first;
    r.ndev = a->nops - first;
    uo->confirmed = r.yes;
    if (uo->parallel && uo->jobs <= 1)
        uo->jobs = (unsigned)(r.ndev < 64 ? r.ndev : 64);
    return sf_cli_scsi_run(&r);
}

int sf_cmd_install(const struct sf_cli_args *a)
{
    return run_cmd(a, CMD_INSTALL);
}

int sf_cmd_activate(const struct sf_cli_args *a)
{
    return run_cmd(a, CMD_ACTIVATE);
}

int sf_cmd_resume(const struct sf_cli_args *a)
{
    return run_cmd(a, CMD_RESUME);
}

int sf_cmd_cancel(const struct sf_cli_args *a)
{
    const char *sd = sf_cli_arg(a, SF_O_STATE_DIR);
    if (a->nops)
        return sf_cli_usage_error("cancel", "unexpected argument '%s'", a->ops[0]);
    sf_ctx *ctx = NULL;
    int code = sf_cli_ctx(sd, NULL, &ctx);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    struct sf_run_info r, last;
    int rc = sf_history_run_paused(ctx, &r, &ec);
    if (rc == SF_ENODEV) {
        struct sf_errctx lec = { 0 };
        int have = sf_history_run_lookup(ctx, NULL, &last, &lec) == 0;
        fprintf(stderr, "safeflash: no paused run to cancel%s%s%s\n",
                have ? " (the last run is " : "", have ? last.state : "", have ? ")" : "");
        sf_ctx_free(ctx);
        return SF_EXIT_OK;
    }
    if (!rc)
        rc = sf_history_cancel(ctx, r.id, &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    printf("run %s cancelled\n", r.id);
    return SF_EXIT_OK;
}
