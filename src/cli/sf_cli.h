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
};

/* Exit code for an sf_err. */
int sf_cli_exit_for(int err);

/* Print "safeflash: <msg>" (or the error's words) as one line on stderr
 * and return the exit code for err. */
int sf_cli_fail(int err, const struct sf_errctx *ec);

/* Print a usage error for cmd on stderr; returns SF_EXIT_USAGE. */
int sf_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int sf_cmd_list(int argc, char **argv);
int sf_cmd_show(int argc, char **argv);
int sf_cmd_install(int argc, char **argv);
int sf_cmd_activate(int argc, char **argv);

#endif
