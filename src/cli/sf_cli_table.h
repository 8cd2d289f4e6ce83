/*
 * sf_cli_table.h - the tables of sf_cli_table.c, private to the command
 * line (sf_cli_opts.c reads them; see sf_cli_opts.h for the grammar).
 */
#ifndef SF_CLI_TABLE_H
#define SF_CLI_TABLE_H

#include <stddef.h>

#include "sf_cli_opts.h"

struct optdef {
    int id;
    const char *name;
    char shortc;
    const char *arg; /* NULL: a flag */
    unsigned cmds;   /* enum sf_cli_cmd bits */
    unsigned kinds;  /* enum sf_cli_kind bits */
    const char *help;
};

typedef int (*handler_fn)(const struct sf_cli_args *a);

struct cmddef {
    const char *name;
    unsigned bit;
    unsigned kinds;  /* target kinds it takes (0: none) */
    const char *synopsis;
    const char *about;
    const char *exits; /* the exit codes it can end with, as "0 1 2 ..." */
    handler_fn scsi, flash, redfish;
};

/* A row per (option, commands, kinds); an option may have more than one
 * row where its help says something different for a command. */
extern const struct optdef optdefs[];
extern const size_t noptdefs;
extern const struct cmddef cmddefs[];
extern const size_t ncmddefs;

#endif
