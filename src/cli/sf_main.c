/*
 * sf_main.c - `safeflash` entry point: global options, dispatch, exit codes.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sf_cli.h"

#define SF_VERSION "0.1.0"

int sf_cli_exit_for(int err)
{
    switch (err) {
    case SF_OK: return SF_EXIT_OK;
    case SF_EINVAL: return SF_EXIT_USAGE;
    case SF_ENODEV: return SF_EXIT_NODEV;
    case SF_EACCES: return SF_EXIT_ACCES;
    case SF_ENOTENCL: return SF_EXIT_NOTENCL;
    case SF_ETRUNC:
    case SF_EMALFORMED: return SF_EXIT_GARBAGE;
    case SF_EIO:
    case SF_ETIMEDOUT:
    case SF_ECHECK:
    case SF_EBUSY:
    case SF_ESTATUS: return SF_EXIT_DEVICE;
    case SF_ENOTSUP: return SF_EXIT_NOTSUP;
    case SF_ECONFIG:
    case SF_ESTATE: return SF_EXIT_CONFIG;
    case SF_ELOCKED:
    case SF_EUNFINISHED:
    case SF_ECHANGED: return SF_EXIT_REFUSED; /* nothing was done: run again later */
    case SF_EJOURNAL: return SF_EXIT_JOURNAL;
    default: return SF_EXIT_FAILED;
    }
}

int sf_cli_fail(int err, const struct sf_errctx *ec)
{
    fprintf(stderr, "safeflash: %s\n", ec && ec->msg[0] ? ec->msg : sf_err_str(err));
    return sf_cli_exit_for(err);
}

int sf_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "safeflash%s%s: %s (see 'safeflash %s%s--help')\n", cmd ? " " : "",
            cmd ? cmd : "", msg, cmd ? cmd : "", cmd ? " " : "");
    return SF_EXIT_USAGE;
}

int sf_cli_refuse(int json, const char *target, int code, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "safeflash: %s\n", msg);
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "target", json_object_new_string(target));
        json_object_object_add(j, "result", json_object_new_string("refused"));
        json_object_object_add(j, "error", json_object_new_string(msg));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
    }
    return code;
}

static void usage(FILE *f)
{
    fputs("Usage: safeflash [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Firmware updates for SES enclosures that never brick, never loop and say\n"
          "exactly what happened.\n"
          "\n"
          "Commands:\n"
          "  list [--all] [--json]      find enclosures (SCSI generic devices with\n"
          "                             peripheral device type 0Dh, and emulated ones)\n"
          "  show DEVICE [--json]       identity, subenclosures (SES processors),\n"
          "                             revisions and download microcode status\n"
          "  install IMAGE DEVICE...    put an image on every SES processor, verify it\n"
          "  activate DEVICE...         run deferred microcode, verify it\n"
          "  resume [DEVICE...]         finish an interrupted install; with no device,\n"
          "                             continue the run that paused on an error\n"
          "  status [--json]            progress of the last run, per module and phase\n"
          "  cancel                     stop a paused run cleanly\n"
          "  history [DEVICE] [--json]  every update attempt, phase by phase\n"
          "  package create|inspect|verify  signed firmware packages\n"
          "  key generate PREFIX        an Ed25519 signing key pair\n"
          "  partner-sync DEVICE [on|off]  a dual-module shelf's partner firmware sync\n"
          "\n"
          "Board firmware in NOR flash (TARGET is mtd:/dev/mtdN or file:PATH):\n"
          "  show TARGET... --layout FILE            regions, versions, what boots\n"
          "  install IMAGE|PACKAGE TARGET... --layout FILE  by the layout's procedure\n"
          "  repair TARGET... --layout FILE          save the backup again, finish the update\n"
          "  resume TARGET... --layout FILE          finish an interrupted install\n"
          "\n"
          "Server boards through the BMC (TARGET is redfish://USER@HOST[:PORT]):\n"
          "  show TARGET [--json]                    the firmware inventory\n"
          "  install IMAGE... TARGET --component C... [--reboot-host]\n"
          "                                          BMC first, BIOS/ME staged, verified\n"
          "  activate TARGET                         reset the host, verify what was staged\n"
          "  resume TARGET                           continue an interrupted install\n"
          "  help [COMMAND]             this text, or a command's\n"
          "\n"
          "Environment:\n"
          "  SAFEFLASH_EMU        emulator config declaring emulated devices\n"
          "  SAFEFLASH_TRANSPORT  auto (default), sgio or emu\n"
          "  SAFEFLASH_KEYS       trusted public keys (default /etc/safeflash/keys)\n"
          "  SAFEFLASH_REDFISH_PASSWORD  the BMC password (else a prompt)\n"
          "  SAFEFLASH_STATE_DIR  history, journal, staged images, locks\n"
          "                       (default /var/lib/safeflash)\n"
          "\n"
          "Exit codes: 0 done, 1 failed, 2 usage, 3 no such device, 4 permission\n"
          "denied, 5 not an enclosure, 6 device answered garbage, 7 device error,\n"
          "8 refused, 9 partially applied, 10 unsupported by device, 11 config error,\n"
          "12 stored but needs a reset or power cycle to run, 13 package signature,\n"
          "14 package damaged or altered, 15 package not for this device, 16 version\n"
          "refused, 17 degraded (a module did not come back after a failure, or a\n"
          "flash backup could not be made), 18 the journal (state directory) cannot\n"
          "be written: full, read-only or damaged.\n",
          f);
}

static int dispatch(const char *cmd, int argc, char **argv)
{
    /* Subcommands see argv[0] = command name. */
    /* A flash target (mtd:/dev/mtdN, file:PATH) anywhere after show or
     * install or resume selects the flash commands. */
    int flash = 0;
    for (int i = 1; i < argc; i++)
        flash |= sf_cli_is_flash_target(argv[i]);
    int redfish = 0;
    for (int i = 1; i < argc; i++)
        redfish |= sf_cli_is_redfish_target(argv[i]);
    if (redfish && !strcmp(cmd, "show"))
        return sf_cmd_rf_show(argc, argv);
    if (redfish && !strcmp(cmd, "install"))
        return sf_cmd_rf_install(argc, argv);
    if (redfish && !strcmp(cmd, "activate"))
        return sf_cmd_rf_activate(argc, argv);
    if (redfish && !strcmp(cmd, "resume"))
        return sf_cmd_rf_resume(argc, argv);
    if (flash && !strcmp(cmd, "show"))
        return sf_cmd_flash_show(argc, argv);
    if (flash && !strcmp(cmd, "install"))
        return sf_cmd_flash_install(argc, argv);
    if (flash && !strcmp(cmd, "resume"))
        return sf_cmd_flash_resume(argc, argv);
    if (!strcmp(cmd, "repair"))
        return sf_cmd_flash_repair(argc, argv);
    if (!strcmp(cmd, "list"))
        return sf_cmd_list(argc, argv);
    if (!strcmp(cmd, "show"))
        return sf_cmd_show(argc, argv);
    if (!strcmp(cmd, "install"))
        return sf_cmd_install(argc, argv);
    if (!strcmp(cmd, "activate"))
        return sf_cmd_activate(argc, argv);
    if (!strcmp(cmd, "resume"))
        return sf_cmd_resume(argc, argv);
    if (!strcmp(cmd, "package"))
        return sf_cmd_package(argc, argv);
    if (!strcmp(cmd, "key"))
        return sf_cmd_key(argc, argv);
    if (!strcmp(cmd, "history"))
        return sf_cmd_history(argc, argv);
    if (!strcmp(cmd, "partner-sync"))
        return sf_cmd_partner_sync(argc, argv);
    if (!strcmp(cmd, "status"))
        return sf_cmd_status(argc, argv);
    if (!strcmp(cmd, "cancel"))
        return sf_cmd_cancel(argc, argv);
    if (cmd[0] == '-')
        return sf_cli_usage_error(NULL, "unknown option '%s'", cmd);
    return sf_cli_usage_error(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SF_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return SF_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("safeflash %s\n", SF_VERSION);
        return SF_EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return SF_EXIT_OK;
        }
        char *hargv[] = { argv[2], "--help", NULL };
        return dispatch(argv[2], 2, hargv);
    }
    return dispatch(cmd, argc - 1, argv + 1);
}
