/*
 * sf_cli_opts.h - the one option grammar of the command line.
 *
 * Every option of every command is one row of a table (sf_cli_table.c):
 * its name, its argument, the commands and the target kinds it belongs to,
 * and its help.  The parser, `safeflash help COMMAND`, `COMMAND --help`
 * and the shell completion (which reads the help) all come from that
 * table, so what is parsed and what is documented cannot drift apart.
 *
 * The grammar is GNU's: options anywhere on the line, before or after the
 * operands, `--opt VALUE` or `--opt=VALUE`, `--` ends the options.  An
 * option that belongs to the command but not to the kind of target named
 * (`--layout` with a SCSI device) is refused, never silently ignored.
 */
#ifndef SF_CLI_OPTS_H
#define SF_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

/* Commands, one bit each (the "package" and "key" subcommands count as
 * commands of their own). */
enum sf_cli_cmd {
    SF_C_LIST = 1u << 0,
    SF_C_SHOW = 1u << 1,
    SF_C_INSTALL = 1u << 2,
    SF_C_ACTIVATE = 1u << 3,
    SF_C_RESUME = 1u << 4,
    SF_C_REPAIR = 1u << 5,
    SF_C_STATUS = 1u << 6,
    SF_C_CANCEL = 1u << 7,
    SF_C_HISTORY = 1u << 8,
    SF_C_PCREATE = 1u << 9,
    SF_C_PINSPECT = 1u << 10,
    SF_C_PVERIFY = 1u << 11,
    SF_C_KEYGEN = 1u << 12,
    SF_C_PSYNC = 1u << 13,
    SF_C_CHECK = 1u << 14,
    SF_C_APPLY = 1u << 15,
    SF_C_BSIGN = 1u << 16,
};

/* Target kinds, from the operands' form. */
enum sf_cli_kind {
    SF_K_NONE = 0,     /* the command names no target */
    SF_K_SCSI = 1,     /* /dev/sgN: enclosures and drives */
    SF_K_FLASH = 2,    /* mtd:/dev/mtdN, file:PATH */
    SF_K_REDFISH = 4,  /* redfish://USER@HOST[:PORT] */
    SF_K_ANY = 7,
};

enum sf_cli_opt {
    SF_O_HELP, SF_O_JSON, SF_O_YES, SF_O_DRY_RUN, SF_O_STATE_DIR, SF_O_KEYS,
    SF_O_ALLOW_UNSIGNED, SF_O_ALLOW_DOWNGRADE, SF_O_RESTART, SF_O_RESUME,
    /* SCSI */
    SF_O_MODE, SF_O_ACTIVATE, SF_O_SUBENCLOSURE, SF_O_CHUNK_SIZE, SF_O_EXPECT_REVISION,
    SF_O_TIMEOUT, SF_O_POLL_INTERVAL, SF_O_COMMAND_TIMEOUT, SF_O_JOBS, SF_O_PARALLEL,
    SF_O_VENDOR, SF_O_PRODUCT,
    /* flash */
    SF_O_LAYOUT, SF_O_IMAGE_VERSION,
    /* Redfish */
    SF_O_COMPONENT, SF_O_REBOOT_HOST, SF_O_TASK_TIMEOUT, SF_O_RESET_TIMEOUT, SF_O_PULL,
    SF_O_CA, SF_O_PIN, SF_O_INSECURE, SF_O_PLAIN_HTTP,
    /* list, status */
    SF_O_ALL, SF_O_RUN,
    /* package create */
    SF_O_IMAGE, SF_O_VERSION, SF_O_REVISION, SF_O_MIN_VERSION, SF_O_NOTES, SF_O_TARGET,
    SF_O_SIGN, SF_O_OUTPUT,
    /* check, apply, baseline sign */
    SF_O_MAX_FAILURES, SF_O_KEY,
    SF_O_COUNT
};

/* One option as given. */
struct sf_cli_optval {
    int id;             /* enum sf_cli_opt */
    const char *val;    /* its argument, or NULL for a flag */
    const char *name;   /* "--mode", for messages */
};

/* A parsed command line.  Options keep their order (a repeated option is
 * seen each time; a later one overrides an earlier one where only one
 * makes sense). */
struct sf_cli_args {
    const char *cmd;            /* "install", "package create" */
    unsigned cmdbit;            /* enum sf_cli_cmd */
    int kind;                   /* enum sf_cli_kind of the operands */
    struct sf_cli_optval *opt;
    size_t nopt;
    char **ops;                 /* operands, in order */
    size_t nops;
};

/* The last value of option id, or NULL; sf_cli_has: given at all. */
const char *sf_cli_arg(const struct sf_cli_args *a, int id);
int sf_cli_has(const struct sf_cli_args *a, int id);

/* Exit codes: the one table (README, man page and --help say the same). */
struct sf_cli_exit_doc {
    int code;
    const char *text;
};
extern const struct sf_cli_exit_doc sf_cli_exit_docs[];

/* The whole command line: find the command, parse, check, print help,
 * dispatch.  Returns the exit code. */
int sf_cli_main(int argc, char **argv);

/* Print the help of cmd ("install", "package create"; NULL: the overview). */
void sf_cli_help(FILE *f, const char *cmd);

/* Terminal-safe output (sf_cli_text.c): stdout and stderr are replaced by
 * streams that escape control characters and keep UTF-8 valid; fputs to a
 * stream that is not one of them (the terminal of a prompt) through the
 * same filter. */
void sf_cli_text_install(void);
/* A write-only stream over fd that filters the same way (mode: setvbuf's);
 * closing it does not close fd. */
FILE *sf_cli_text_open(int fd, int mode);
void sf_cli_text_fputs(const char *s, FILE *f);
/* The filter itself: cleans n bytes of in into out (cap bytes); *used is
 * how many input bytes were consumed (an incomplete UTF-8 sequence at the
 * end is left unless final).  Returns the bytes written to out. */
size_t sf_cli_text_clean(const char *in, size_t n, char *out, size_t cap, size_t *used,
                         int final);

#endif
