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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sf_cli.h"
#include "safeflash/sf_history_api.h"
#include "sf_cli_engine.h"
#include "sf_cli_scsi.h"

enum cmd_kind { CMD_INSTALL, CMD_ACTIVATE, CMD_RESUME };

static void install_usage(FILE *f)
{
    fputs("Usage: safeflash install PACKAGE|IMAGE DEVICE... [options]\n"
          "\n"
          "Put firmware on every SES processor (subenclosure) of each enclosure, one\n"
          "processor at a time, and prove it took.  A DEVICE that is not an enclosure\n"
          "(a disk, a tape...) is a drive: its microcode goes with WRITE BUFFER and the\n"
          "revision in INQUIRY proves it.  A package (safeflash package\n"
          "create) is checked before anything is written: trusted signature, image\n"
          "hashes, vendor/product of every target, version order.  A raw image is\n"
          "accepted with a warning: nothing protects it.\n"
          "\n"
          "  --allow-unsigned     accept an unsigned or untrusted package\n"
          "  --allow-downgrade    accept a package older than what runs\n"
          "  --vendor PAT --product PAT   raw image: refuse targets not matching\n"
          "  --keys DIR           trusted public keys (default $SAFEFLASH_KEYS or\n"
          "                       /etc/safeflash/keys)\n"
          "  --state-dir DIR      history, journal, staged images (default\n"
          "                       $SAFEFLASH_STATE_DIR or /var/lib/safeflash)\n"
          "  --mode auto|deferred|immediate|save|events\n"
          "                       deferred = 0Eh: stored, runs after 'safeflash activate'\n"
          "                       (no I/O disruption); immediate = 07h: runs at once;\n"
          "                       auto (default) tries 0Eh and falls back to 07h (drives:\n"
          "                       then 05h); drives only: save = WRITE BUFFER 05h (whole\n"
          "                       image in one command), events = 0Dh (deferred, also\n"
          "                       runs on a hard reset or power on).  Mode numbers work\n"
          "                       too: 05h, 07h, 0Dh, 0Eh\n"
          "  --activate           activate what was stored (0Eh/0Dh) right after a clean\n"
          "                       download, then verify; never after a failed one\n"
          "  --subenclosure ID|all  which processor (default: all)\n"
          "  --chunk-size N       at most N bytes per page or WRITE BUFFER command\n"
          "                       (enclosures: a multiple of 4, <= 65508; default: the\n"
          "                       largest the device accepts, 64 KiB for a drive that\n"
          "                       does not say)\n"
          "  --expect-revision R  the revision the image carries, checked afterwards\n"
          "                       (default: the revision must change)\n"
          "  --resume | --restart what to do with a download already in progress\n"
          "  --timeout SECONDS    wait this long for completion (default 1200)\n"
          "  --poll-interval MS   between status reads after the last page (default 1000)\n"
          "  --command-timeout S  give up on one SCSI command after S seconds (default 60);\n"
          "                       a timed-out write is never retried\n"
          "  --dry-run            everything except the writes\n"
          "  --jobs N             update up to N enclosures at once (the modules of\n"
          "                       one enclosure are still done one after another)\n"
          "  --parallel           also update the modules (paths) of one enclosure at\n"
          "                       the same time: faster, but the enclosure loses its\n"
          "                       redundancy meanwhile (default: one module at a time)\n"
          "  --yes                do not ask for confirmation\n"
          "  --json               one JSON event per line\n"
          "  -h, --help           this text\n"
          "\n"
          "Exit codes: 0 done (or nothing to do), 1 failed, 8 refused, 9 partially\n"
          "applied, 12 needs a reset or power cycle, 13 signature, 14 package\n"
          "damaged or altered, 15 package not for this device, 16 version refused.\n",
          f);
}

static void activate_usage(FILE *f)
{
    fputs("Usage: safeflash activate DEVICE... [options]\n"
          "\n"
          "Run deferred microcode (stored by 'install --mode deferred') with the\n"
          "Activate Deferred Microcode page (0Fh), one processor at a time: the\n"
          "enclosure restarts; safeflash waits for it and verifies the revision.  On\n"
          "a drive: WRITE BUFFER mode 0Fh, then the revision in INQUIRY once the\n"
          "drive is ready again (its UNIT ATTENTION is expected and absorbed).\n"
          "\n"
          "  --subenclosure ID|all  which processor (default: all)\n"
          "  --expect-revision R  the revision expected afterwards\n"
          "  --timeout SECONDS    wait this long for the enclosure (default 1200)\n"
          "  --poll-interval MS   between status reads (default 1000)\n"
          "  --command-timeout S  give up on one SCSI command after S seconds (default 60)\n"
          "  --dry-run            everything except the write\n"
          "  --yes                do not ask for confirmation\n"
          "  --json               one JSON event per line\n"
          "  -h, --help           this text\n",
          f);
}

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
    fprintf(tty, "%s [y/N] ", question);
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

static void usage(enum cmd_kind kind)
{
    if (kind == CMD_ACTIVATE)
        activate_usage(stdout);
    else if (kind == CMD_RESUME)
        puts("Usage: safeflash resume [DEVICE...] [--yes] [--json] [--state-dir DIR]\n"
             "                        [--timeout S] [--poll-interval MS] [--command-timeout S]\n\n"
             "Finish what an interrupted install or activate left unfinished: the\n"
             "journal says which processors and which staged image; the enclosure's\n"
             "status says where: resume the download at its expected offset, keep a\n"
             "stored image, or verify.  Nothing is downloaded or activated twice.\n"
             "Without a DEVICE: the newest run that did not end, as it was started.");
    else
        install_usage(stdout);
}

static int run_cmd(int argc, char **argv, enum cmd_kind kind)
{
    static const struct option opts[] = {
        { "mode", required_argument, NULL, 'm' },
        { "activate", no_argument, NULL, 'A' },
        { "subenclosure", required_argument, NULL, 's' },
        { "chunk-size", required_argument, NULL, 'c' },
        { "expect-revision", required_argument, NULL, 'e' },
        { "resume", no_argument, NULL, 'R' },
        { "restart", no_argument, NULL, 'S' },
        { "timeout", required_argument, NULL, 't' },
        { "poll-interval", required_argument, NULL, 'p' },
        { "command-timeout", required_argument, NULL, 'C' },
        { "dry-run", no_argument, NULL, 'n' },
        { "yes", no_argument, NULL, 'y' },
        { "jobs", required_argument, NULL, 'J' },
        { "parallel", no_argument, NULL, 'L' },
        { "json", no_argument, NULL, 'j' },
        { "allow-unsigned", no_argument, NULL, 'U' },
        { "allow-downgrade", no_argument, NULL, 'D' },
        { "vendor", required_argument, NULL, 'V' },
        { "product", required_argument, NULL, 'P' },
        { "keys", required_argument, NULL, 'K' },
        { "state-dir", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = kind == CMD_ACTIVATE ? "activate" : kind == CMD_RESUME ? "resume" : "install";
    struct sf_cli_scsi_req r = { .cmd = cmd };
    r.act = kind == CMD_ACTIVATE ? SF_ACTION_ACTIVATE : kind == CMD_RESUME ? SF_ACTION_RESUME
                                                                           : SF_ACTION_INSTALL;
    struct sf_update_options *uo = &r.uo;
    sf_update_options_init(uo);
    static char expect[8];
    int c, in_progress_given = 0;
    unsigned long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hy", opts, NULL)) != -1) {
        int install_only = c == 'm' || c == 'A' || c == 'c' || c == 'R' || c == 'S' || c == 'U' ||
                           c == 'D' || c == 'V' || c == 'P' || c == 'K';
        if (kind != CMD_INSTALL && install_only)
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case 'm': uo->mode = optarg; break;
        case 'A': uo->activate = 1; break;
        case 's':
            if (parse_sub(optarg, &uo->subenclosure))
                return sf_cli_usage_error(cmd, "--subenclosure takes an id 0-255 or 'all', not '%s'",
                                          optarg);
            break;
        case 'c':
            /* Enclosure pages need a multiple of 4 up to 65508; the plan
             * says so for an enclosure.  WRITE BUFFER takes any size. */
            if (parse_uint(optarg, 0xffffffu, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--chunk-size takes bytes, 1 to %u, not '%s'",
                                          0xffffffu, optarg);
            uo->chunk_size = (unsigned)v;
            break;
        case 'e':
            if (strlen(optarg) == 0 || strlen(optarg) > 4)
                return sf_cli_usage_error(cmd, "--expect-revision takes 1 to 4 characters, not '%s'",
                                          optarg);
            snprintf(expect, sizeof(expect), "%s", optarg);
            uo->expect_revision = expect;
            break;
        case 'R':
        case 'S':
            if (in_progress_given)
                return sf_cli_usage_error(cmd, "--resume and --restart exclude each other");
            in_progress_given = 1;
            uo->in_progress = c == 'R' ? SF_IN_PROGRESS_RESUME : SF_IN_PROGRESS_RESTART;
            uo->restart = c == 'S';
            break;
        case 't':
            if (parse_uint(optarg, 24ul * 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--timeout takes seconds, 1 to 86400, not '%s'", optarg);
            uo->timeout_ms = (unsigned)(v * 1000);
            break;
        case 'C':
            if (parse_uint(optarg, 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--command-timeout takes seconds, 1 to 3600, not "
                                          "'%s'", optarg);
            uo->command_timeout_ms = (unsigned)(v * 1000);
            break;
        case 'p':
            if (parse_uint(optarg, 600000, &v))
                return sf_cli_usage_error(cmd, "--poll-interval takes milliseconds, not '%s'", optarg);
            uo->poll_ms = v ? (unsigned)v : 1;
            break;
        case 'n': uo->dry_run = 1; break;
        case 'y': r.yes = 1; break;
        case 'J':
            if (kind == CMD_RESUME || parse_uint(optarg, 64, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--jobs takes 1 to 64, not '%s'", optarg);
            uo->jobs = (unsigned)v;
            break;
        case 'j': r.json = 1; break;
        case 'L':
            if (kind == CMD_RESUME)
                return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            uo->parallel = 1;
            break;
        case 'U': uo->allow_unsigned = 1; break;
        case 'D': uo->allow_downgrade = 1; break;
        case 'V': uo->vendor = optarg; break;
        case 'P': uo->product = optarg; break;
        case 'K': r.keys = optarg; break;
        case 'T': r.state_dir = optarg; break;
        case 'h': usage(kind); return SF_EXIT_OK;
        default:
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    int first = optind;
    if (kind == CMD_INSTALL) {
        if (first >= argc)
            return sf_cli_usage_error(cmd, "missing PACKAGE|IMAGE and DEVICE");
        r.image = argv[first++];
    }
    if (first >= argc && kind == CMD_RESUME)
        return resume_newest(r.json, r.state_dir, &r.uo);
    if (first >= argc)
        return sf_cli_usage_error(cmd, "missing DEVICE");
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-')
            return sf_cli_usage_error(cmd, "options go before the device names: '%s'", argv[i]);
    r.devs = (const char *const *)argv + first;
    r.ndev = (size_t)(argc - first);
    uo->confirmed = r.yes;
    if (uo->parallel && uo->jobs <= 1)
        uo->jobs = (unsigned)(r.ndev < 64 ? r.ndev : 64);
    return sf_cli_scsi_run(&r);
}

int sf_cmd_install(int argc, char **argv)
{
    return run_cmd(argc, argv, CMD_INSTALL);
}

int sf_cmd_activate(int argc, char **argv)
{
    return run_cmd(argc, argv, CMD_ACTIVATE);
}

int sf_cmd_resume(int argc, char **argv)
{
    return run_cmd(argc, argv, CMD_RESUME);
}

int sf_cmd_cancel(int argc, char **argv)
{
    const char *sd = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("Usage: safeflash cancel [--state-dir DIR]\n\nStop a paused run cleanly: "
                 "its unfinished attempts are closed as cancelled,\nand 'resume' will not "
                 "continue it.  Devices are not touched.");
            return SF_EXIT_OK;
        }
        if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
            sd = argv[++i];
        else
            return sf_cli_usage_error("cancel", "unexpected argument '%s'", argv[i]);
    }
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
