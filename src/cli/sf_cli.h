/*
 * sf_cli.h - shared pieces of the command-line front end: exit codes, the
 * error reporter, and the subcommand entry points.
 *
 * Exit codes (documented in README.md; scripts depend on them):
 *   0  done
 *   1  failed (operation attempted and did not succeed)
 *   2  usage error
 *   3  no such device
 *   4  permission denied
 *   5  not an enclosure
 *   6  device answered garbage (malformed or truncated response)
 *   7  device or transport error (CHECK CONDITION, timeout, I/O error)
 *   8  refused before anything was written
 *   9  partially applied
 *  10  device lacks a required capability (e.g. no SES pages)
 *  11  configuration error (emulator config, environment)
 *  12  stored, but runs only after a reset or power cycle
 *  13  package signature missing, bad or not by a trusted key
 *  14  package damaged or altered (image hash, container, manifest)
 *  15  package (or --vendor/--product) does not match a target
 *  16  version refused (downgrade, or current below min-version)
 *  17  DEGRADED: a module or a backup was lost
 *  18  the journal (state directory) cannot be written: full, read-only or
 *      damaged; stopped before the next write
 *  19  file error: an image, package, layout, key or output file is missing,
 *      unreadable or not a regular file
 * The words users read are in sf_cli_exit_docs (sf_cli_table.c).
 */
#ifndef SF_CLI_H
#define SF_CLI_H

#include "safeflash/sf_err.h"

enum sf_exit {
    SF_EXIT_OK = 0,
    SF_EXIT_FAILED = 1,
    SF_EXIT_USAGE = 2,
    SF_EXIT_NODEV = 3,
    SF_EXIT_ACCES = 4,
    SF_EXIT_NOTENCL = 5,
    SF_EXIT_GARBAGE = 6,
    SF_EXIT_DEVICE = 7,
    SF_EXIT_REFUSED = 8,
    SF_EXIT_PARTIAL = 9,
    SF_EXIT_NOTSUP = 10,
    SF_EXIT_CONFIG = 11,
    SF_EXIT_PENDING = 12,
    SF_EXIT_SIGNATURE = 13,
    SF_EXIT_INTEGRITY = 14,
    SF_EXIT_MISMATCH = 15,
    SF_EXIT_VERSION = 16,
    SF_EXIT_DEGRADED = 17,     /* a module or backup was lost: redundancy is gone */
    SF_EXIT_JOURNAL = 18,      /* the journal cannot be written: nothing more was written */
    SF_EXIT_FILE = 19,         /* an image, package, layout, key or output file: missing,
                                * unreadable, not a regular file, cannot be written */
    SF_EXIT_DRIFT = 20,        /* check: not at the baseline; apply: drift left alone */
};

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"

/* Exit code for package-related errors (falls back to sf_cli_exit_for). */
int sf_cli_pkg_exit(int err);
/* --keys, $SAFEFLASH_KEYS, /etc/safeflash/keys. */
const char *sf_cli_keys_dir(const char *override);
/* The state directory: override, else $SAFEFLASH_STATE_DIR, else
 * /var/lib/safeflash. */
const char *sf_cli_state_dir(const char *override);
/* A library context for the commands that read devices, packages and the
 * history: state directory state_dir, else $SAFEFLASH_STATE_DIR (else the
 * library's default); trusted keys sf_cli_keys_dir(keys).  Returns 0 with
 * *out set (the caller frees it with sf_ctx_free), or the exit code after
 * saying why in one line. */
struct sf_ctx;
int sf_cli_lib_ctx(const char *state_dir, const char *keys, struct sf_ctx **out);
/* Ask QUESTION on the terminal (/dev/tty); 1 for yes, 0 for anything else
 * or no terminal. */
int sf_cli_confirm(const char *question);
/* Exit code for an sf_err. */
int sf_cli_exit_for(int err);

/* Print "safeflash: <msg>" (or the error's words) as one line on stderr
 * and return the exit code for err. */
int sf_cli_fail(int err, const struct sf_errctx *ec);

/* A refusal before anything was written: "safeflash: <msg>" on stderr and,
 * with json, {"target","result":"refused","error","exit_code"} on stdout.
 * Returns code. */
int sf_cli_refuse(int json, const char *target, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Print a usage error for cmd on stderr; returns SF_EXIT_USAGE. */
int sf_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The commands (sf_cli_opts.c dispatches to them with the parsed line). */
struct sf_cli_args;
int sf_cmd_list(const struct sf_cli_args *a);
int sf_cmd_show(const struct sf_cli_args *a);
/* Board firmware in NOR flash (sf_cli_flash.c): targets mtd:... or file:... */
int sf_cmd_flash_show(const struct sf_cli_args *a);
int sf_cmd_flash_install(const struct sf_cli_args *a);
int sf_cmd_flash_repair(const struct sf_cli_args *a);
int sf_cmd_flash_resume(const struct sf_cli_args *a);
/* A bare `safeflash resume`: the newest run that did not end, continued
 * by the engine; the exit code. */
int sf_cli_engine_resume_run(int json, const char *state_dir,
                             const struct sf_update_options *uo);
/* Server boards through their BMC's Redfish service (sf_cli_redfish.c). */
int sf_cmd_rf_show(const struct sf_cli_args *a);
int sf_cmd_rf_install(const struct sf_cli_args *a);
int sf_cmd_rf_activate(const struct sf_cli_args *a);
int sf_cmd_rf_resume(const struct sf_cli_args *a);
int sf_cmd_install(const struct sf_cli_args *a);
int sf_cmd_activate(const struct sf_cli_args *a);
int sf_cmd_resume(const struct sf_cli_args *a);
int sf_cmd_package_create(const struct sf_cli_args *a);
int sf_cmd_package_inspect(const struct sf_cli_args *a);
int sf_cmd_package_verify(const struct sf_cli_args *a);
int sf_cmd_key_generate(const struct sf_cli_args *a);
int sf_cmd_history(const struct sf_cli_args *a);
int sf_cmd_partner_sync(const struct sf_cli_args *a);
/* sf_cli_fleet.c */
int sf_cmd_check(const struct sf_cli_args *a);
int sf_cmd_apply(const struct sf_cli_args *a);
int sf_cmd_baseline_sign(const struct sf_cli_args *a);
int sf_cmd_status(const struct sf_cli_args *a);
int sf_cmd_cancel(const struct sf_cli_args *a);

#endif
