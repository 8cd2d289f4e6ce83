/*
 * sf_cli_opts.c - the option table, the exit-code table, the parser, the
 * help, and the dispatch of every command (see sf_cli_opts.h).
 *
 * Adding an option is adding a row: the parser accepts it for the commands
 * and target kinds the row names, the help lists it there, the completion
 * offers it; the command's handler gives it meaning (a handler meeting an
 * option it does not know is a bug caught by tests/scenarios/120).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_cli.h"
#include "sf_cli_opts.h"

#define SF_VERSION "0.1.0"

#define C_ALL 0x3fffu
#define C_UPD (SF_C_INSTALL | SF_C_ACTIVATE | SF_C_RESUME)

struct optdef {
    int id;
    const char *name;
    char shortc;
    const char *arg; /* NULL: a flag */
    unsigned cmds;   /* enum sf_cli_cmd bits */
    unsigned kinds;  /* enum sf_cli_kind bits */
    const char *help;
};

/* A row per (option, commands, kinds); an option may have more than one
 * row where its help says something different for a command (--mode of
 * install and of package create are the same mode, said for each). */
static const struct optdef optdefs[] = {
    { SF_O_HELP, "help", 'h', NULL, C_ALL, SF_K_ANY, "this text" },
    { SF_O_JSON, "json", 0, NULL,
      SF_C_LIST | SF_C_SHOW | C_UPD | SF_C_REPAIR | SF_C_STATUS | SF_C_HISTORY | SF_C_PINSPECT,
      SF_K_ANY, "JSON on stdout (schema 1, docs/json.md): one document, or\n"
                "one event per line while an update runs" },
    { SF_O_YES, "yes", 'y', NULL, C_UPD | SF_C_REPAIR, SF_K_ANY, "do not ask for confirmation" },
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_INSTALL, SF_K_ANY,
      "check and plan everything, write nothing" },
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_ACTIVATE, SF_K_SCSI | SF_K_REDFISH,
      "check and plan everything, write nothing" },
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_RESUME, SF_K_SCSI,
      "check and plan everything, write nothing" },
    { SF_O_STATE_DIR, "state-dir", 0, "DIR",
      SF_C_SHOW | C_UPD | SF_C_REPAIR | SF_C_STATUS | SF_C_CANCEL | SF_C_HISTORY, SF_K_ANY,
      "history, journal, staged images and locks (default\n"
      "$SAFEFLASH_STATE_DIR, else /var/lib/safeflash)" },
    { SF_O_KEYS, "keys", 0, "DIR", SF_C_INSTALL | SF_C_PINSPECT | SF_C_PVERIFY, SF_K_ANY,
      "trusted public keys, *.pub (default $SAFEFLASH_KEYS,\n"
      "else /etc/safeflash/keys)" },
    { SF_O_ALLOW_UNSIGNED, "allow-unsigned", 0, NULL, SF_C_INSTALL, SF_K_ANY,
      "accept a package that no trusted key signed" },
    { SF_O_ALLOW_DOWNGRADE, "allow-downgrade", 0, NULL, SF_C_INSTALL, SF_K_ANY,
      "accept firmware older than what runs" },
    { SF_O_RESTART, "restart", 0, NULL, SF_C_INSTALL, SF_K_ANY,
      "start over: abandon an interrupted install of another\n"
      "image, or (enclosures) a download already in progress" },
    { SF_O_RESUME, "resume", 0, NULL, SF_C_INSTALL, SF_K_SCSI,
      "continue a download already in progress on a processor" },
    { SF_O_MODE, "mode", 0, "MODE", SF_C_INSTALL, SF_K_SCSI,
      "auto (default), deferred, immediate; drives also save\n"
      "and events.  deferred = 0Eh: stored, runs after 'safeflash\n"
      "activate'; immediate = 07h: runs at once; save = 05h (one\n"
      "WRITE BUFFER); events = 0Dh (also runs on a reset).  auto\n"
      "tries 0Eh, then 07h (drives: 05h).  05h 07h 0Dh 0Eh work too" },
    { SF_O_ACTIVATE, "activate", 0, NULL, SF_C_INSTALL, SF_K_SCSI,
      "activate what was stored (0Eh/0Dh) right after a clean\n"
      "download, then verify; never after a failed one" },
    { SF_O_SUBENCLOSURE, "subenclosure", 0, "ID|all", C_UPD, SF_K_SCSI,
      "which SES processor (default: all)" },
    { SF_O_CHUNK_SIZE, "chunk-size", 0, "BYTES", SF_C_INSTALL, SF_K_SCSI,
      "at most BYTES per page or WRITE BUFFER command\n"
      "(enclosures: a multiple of 4, at most 65508; default: the\n"
      "largest the device accepts, 64 KiB for a silent drive)" },
    { SF_O_EXPECT_REVISION, "expect-revision", 0, "REV", C_UPD, SF_K_SCSI,
      "the revision the image carries, checked afterwards\n"
      "(default: the revision must change)" },
    { SF_O_TIMEOUT, "timeout", 0, "SECONDS", C_UPD, SF_K_SCSI,
      "wait this long for completion (default 1200)" },
    { SF_O_POLL_INTERVAL, "poll-interval", 0, "MS", C_UPD, SF_K_SCSI,
      "between status reads (default 1000)" },
    { SF_O_COMMAND_TIMEOUT, "command-timeout", 0, "SECONDS", C_UPD, SF_K_SCSI,
      "give up on one SCSI command after SECONDS (default 60);\n"
      "a timed-out write is never retried" },
    { SF_O_JOBS, "jobs", 0, "N", SF_C_INSTALL | SF_C_ACTIVATE, SF_K_SCSI,
      "update up to N enclosures at once (the modules of one\n"
      "enclosure still one after another)" },
    { SF_O_PARALLEL, "parallel", 0, NULL, SF_C_INSTALL | SF_C_ACTIVATE, SF_K_SCSI,
      "also the modules of one enclosure at once: faster, but\n"
      "the enclosure has no redundancy meanwhile" },
    { SF_O_VENDOR, "vendor", 0, "PATTERN", SF_C_INSTALL, SF_K_SCSI,
      "raw image: refuse targets whose vendor does not match" },
    { SF_O_PRODUCT, "product", 0, "PATTERN", SF_C_INSTALL, SF_K_SCSI,
      "raw image: refuse targets whose product does not match" },
    { SF_O_LAYOUT, "layout", 0, "FILE", SF_C_SHOW | SF_C_INSTALL | SF_C_RESUME | SF_C_REPAIR,
      SF_K_FLASH, "the flash layout (required; safeflash-layout(5))" },
    { SF_O_IMAGE_VERSION, "image-version", 0, "VERSION", SF_C_INSTALL, SF_K_FLASH,
      "raw image: the version its slot header records" },
    { SF_O_COMPONENT, "component", 0, "C", SF_C_INSTALL, SF_K_REDFISH,
      "one per image, in order: bmc, bios, me, or an inventory\n"
      "Id, SoftwareId or Name" },
    { SF_O_REBOOT_HOST, "reboot-host", 0, NULL, SF_C_INSTALL, SF_K_REDFISH,
      "reset the host to run staged host firmware (else the run\n"
      "ends stored, exit 12, and 'safeflash activate' finishes)" },
    { SF_O_TASK_TIMEOUT, "task-timeout", 0, "SECONDS", C_UPD, SF_K_REDFISH,
      "give up on a BMC task after SECONDS (default 600)" },
    { SF_O_RESET_TIMEOUT, "reset-timeout", 0, "SECONDS", C_UPD, SF_K_REDFISH,
      "wait at most SECONDS for a reset (default 900)" },
    { SF_O_PULL, "pull", 0, "URL", SF_C_INSTALL, SF_K_REDFISH,
      "instead of an image: the BMC fetches URL itself\n"
      "(SimpleUpdate); nothing is staged here" },
    { SF_O_CA, "ca", 0, "FILE", SF_C_SHOW | C_UPD, SF_K_REDFISH,
      "trust this CA (PEM) for the BMC's certificate" },
    { SF_O_PIN, "pin", 0, "PIN", SF_C_SHOW | C_UPD, SF_K_REDFISH,
      "trust this public key only (sha256//BASE64)" },
    { SF_O_INSECURE, "insecure", 0, NULL, SF_C_SHOW | C_UPD, SF_K_REDFISH,
      "no certificate checks (a lab BMC, self-signed)" },
    { SF_O_PLAIN_HTTP, "plain-http", 0, NULL, SF_C_SHOW | C_UPD, SF_K_REDFISH,
      "HTTP without TLS: loopback addresses only (tests)" },
    { SF_O_ALL, "all", 'a', NULL, SF_C_LIST, SF_K_ANY,
      "also list other SCSI devices (drives...), with revisions" },
    { SF_O_RUN, "run", 0, "ID", SF_C_STATUS, SF_K_ANY, "that run instead of the last" },
    { SF_O_IMAGE, "image", 0, "FILE", SF_C_PCREATE, SF_K_ANY,
      "the image for every target (enclosures, drives, flash)" },
    { SF_O_COMPONENT, "component", 0, "NAME:VERSION:FILE", SF_C_PCREATE, SF_K_ANY,
      "a board package: component NAME gets FILE and must\n"
      "then report VERSION (repeat for each component)" },
    { SF_O_VENDOR, "vendor", 0, "PATTERN", SF_C_PCREATE, SF_K_ANY,
      "fnmatch pattern for every target's vendor (a board's\n"
      "Manufacturer); required" },
    { SF_O_PRODUCT, "product", 0, "PATTERN", SF_C_PCREATE, SF_K_ANY,
      "fnmatch pattern for every target's product (a board's\n"
      "Model); required" },
    { SF_O_VERSION, "version", 0, "VERSION", SF_C_PCREATE, SF_K_ANY,
      "the release's version (ordered: downgrades are refused)" },
    { SF_O_REVISION, "revision", 0, "REV", SF_C_PCREATE, SF_K_ANY,
      "the SCSI revision the image reports once it runs" },
    { SF_O_MIN_VERSION, "min-version", 0, "VERSION", SF_C_PCREATE, SF_K_ANY,
      "refuse targets running older than VERSION" },
    { SF_O_MODE, "mode", 0, "MODE", SF_C_PCREATE, SF_K_ANY,
      "the download mode install uses (as install --mode)" },
    { SF_O_NOTES, "notes", 0, "TEXT", SF_C_PCREATE, SF_K_ANY, "release notes" },
    { SF_O_TARGET, "target", 0, "VENDOR:PRODUCT:FILE", SF_C_PCREATE, SF_K_ANY,
      "another image for targets matching VENDOR:PRODUCT\n(repeat)" },
    { SF_O_SIGN, "sign", 0, "KEY", SF_C_PCREATE, SF_K_ANY,
      "sign with this private key (PREFIX.key from 'safeflash\n"
      "key generate')" },
    { SF_O_OUTPUT, "output", 'o', "FILE", SF_C_PCREATE, SF_K_ANY,
      "write the package here (required)" },
};
#define NOPTDEFS (sizeof(optdefs) / sizeof(optdefs[0]))

const struct sf_cli_exit_doc sf_cli_exit_docs[] = {
    { SF_EXIT_OK, "done (or nothing to do)" },
    { SF_EXIT_FAILED, "failed: attempted and did not succeed" },
    { SF_EXIT_USAGE, "usage: unknown option, missing or bad argument" },
    { SF_EXIT_NODEV, "no such device (or run)" },
    { SF_EXIT_ACCES, "permission denied" },
    { SF_EXIT_NOTENCL, "not an enclosure" },
    { SF_EXIT_GARBAGE, "the device answered garbage (malformed, truncated)" },
    { SF_EXIT_DEVICE, "device or transport error (CHECK CONDITION, timeout, I/O)" },
    { SF_EXIT_REFUSED, "refused before anything was written" },
    { SF_EXIT_PARTIAL, "partially applied" },
    { SF_EXIT_NOTSUP, "the device lacks a capability the command needs" },
    { SF_EXIT_CONFIG, "configuration error (emulator config, layout, key or\n"
                      "state directory, environment)" },
    { SF_EXIT_PENDING, "stored, but runs only after a reset or power cycle" },
    { SF_EXIT_SIGNATURE, "package signature missing, bad or not by a trusted key" },
    { SF_EXIT_INTEGRITY, "package damaged or altered (hash, container, manifest)" },
    { SF_EXIT_MISMATCH, "package (or --vendor/--product) not for this device" },
    { SF_EXIT_VERSION, "version refused (downgrade, or below min-version)" },
    { SF_EXIT_DEGRADED, "DEGRADED: a module or a flash backup was lost" },
    { SF_EXIT_JOURNAL, "the journal (state directory) cannot be written: full,\n"
                       "read-only or damaged; stopped before the next write" },
    { SF_EXIT_FILE, "file error: an image, package, layout, key or output\n"
                    "file is missing, unreadable or not a regular file" },
    { -1, NULL },
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

#define EX_UPD "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19"

static const struct cmddef cmddefs[] = {
    { "list", SF_C_LIST, 0, "list [--all] [--json]",
      "Find SES enclosures: SCSI generic devices whose peripheral device type is\n"
      "0Dh, plus the devices declared in $SAFEFLASH_EMU (safeflash-emu(5)).",
      "0 2 4 11", sf_cmd_list, NULL, NULL },
    { "show", SF_C_SHOW, SF_K_ANY,
      "show DEVICE [--json]\n"
      "show TARGET... --layout FILE [--json]\n"
      "show redfish://USER@HOST[:PORT] [--json]",
      "What a device runs and holds.  An enclosure: its identity, logical\n"
      "identifier, every subenclosure (SES processor) with vendor, product and\n"
      "revision, its download microcode status in words, and its other paths.  A\n"
      "drive: its identity and revision.  Flash: the layout's regions, their\n"
      "versions and what boots.  A board: the BMC's firmware inventory.  An\n"
      "interrupted update is shown with the command that finishes it.",
      "0 2 3 4 5 6 7 10 11 18 19", sf_cmd_show, sf_cmd_flash_show, sf_cmd_rf_show },
    { "install", SF_C_INSTALL, SF_K_ANY,
      "install PACKAGE|IMAGE DEVICE...\n"
      "install PACKAGE|IMAGE TARGET... --layout FILE\n"
      "install IMAGE... redfish://USER@HOST[:PORT] --component C...\n"
      "install PACKAGE redfish://USER@HOST[:PORT]\n"
      "install --pull URL redfish://USER@HOST[:PORT] --component C",
      "Put firmware on a device and prove it took.  A package (safeflash package\n"
      "create) is checked before anything is written: trusted signature, image\n"
      "hashes, the vendor and product of every target, version order.  A raw\n"
      "image is accepted with a warning: nothing protects it.\n"
      "Enclosures: every SES processor (subenclosure), one at a time.  A DEVICE\n"
      "that is not an enclosure is a drive: WRITE BUFFER, and the revision in\n"
      "INQUIRY proves it.  Flash: by the layout's procedure (a bootable image\n"
      "at every step).  Boards: the BMC's image first, its reset waited out,\n"
      "then host firmware staged for the host's next reset.\n"
      "Killed half-way?  The same command again, or 'safeflash resume',\n"
      "continues; nothing is written twice.",
      EX_UPD, sf_cmd_install, sf_cmd_flash_install, sf_cmd_rf_install },
    { "activate", SF_C_ACTIVATE, SF_K_SCSI | SF_K_REDFISH,
      "activate DEVICE...\n"
      "activate redfish://USER@HOST[:PORT]",
      "Run what an install stored.  Enclosures: the Activate Deferred Microcode\n"
      "page (0Fh), one processor at a time, waiting for each and verifying its\n"
      "revision.  Drives: WRITE BUFFER mode 0Fh, then INQUIRY.  Boards: reset the\n"
      "host so the firmware the BMC still holds runs, then read the inventory.\n"
      "With nothing stored, nothing is done (exit 0).",
      EX_UPD, sf_cmd_activate, NULL, sf_cmd_rf_activate },
    { "resume", SF_C_RESUME, SF_K_ANY,
      "resume [DEVICE...]\n"
      "resume TARGET... --layout FILE\n"
      "resume redfish://USER@HOST[:PORT]",
      "Finish what an interrupted install or activate left unfinished.  The\n"
      "journal says which items and which staged image; the device says where\n"
      "it stands.  Nothing is written or activated twice.  Without a target:\n"
      "the newest run that did not end, as it was started.",
      EX_UPD, sf_cmd_resume, sf_cmd_flash_resume, sf_cmd_rf_resume },
    { "repair", SF_C_REPAIR, SF_K_FLASH, "repair TARGET... --layout FILE",
      "A primary-backup flash layout: save the primary to the backup again and\n"
      "verify it, then finish the update a DEGRADED install stopped (from its\n"
      "staged image).",
      "0 1 2 8 11 17 18 19", NULL, sf_cmd_flash_repair, NULL },
    { "status", SF_C_STATUS, 0, "status [--run ID] [--json]",
      "The last update run (or run ID): its state (running, completed,\n"
      "paused-on-error with the reason, resumed, cancelled) and, per module and\n"
      "phase, the status, the estimated and the elapsed duration.",
      "0 2 3 11 18", sf_cmd_status, NULL, NULL },
    { "cancel", SF_C_CANCEL, 0, "cancel",
      "Stop a paused run cleanly: its unfinished attempts are closed as\n"
      "cancelled, and 'resume' will not continue it.  Devices are not touched.",
      "0 2 11 18", sf_cmd_cancel, NULL, NULL },
    { "history", SF_C_HISTORY, 0, "history [DEVICE|LOGICAL-ID] [--json]",
      "Every update attempt, per processor or item: identity, from and to\n"
      "revisions, package and image hashes, mode, phases with times, result.",
      "0 2 11 18", sf_cmd_history, NULL, NULL },
    { "package create", SF_C_PCREATE, 0,
      "package create --image FILE --vendor V --product P --version X -o OUT\n"
      "               [--revision R] [--min-version Y] [--mode M] [--notes TEXT]\n"
      "               [--target VENDOR:PRODUCT:FILE]... [--sign KEY]\n"
      "package create --component NAME:VERSION:FILE... --vendor V --product P\n"
      "               --version X [--sign KEY] -o OUT",
      "Make a package: one file holding a manifest (safeflash-package(5)), its\n"
      "signature and its images.",
      "0 1 2 19", sf_cmd_package_create, NULL, NULL },
    { "package inspect", SF_C_PINSPECT, 0, "package inspect FILE [--json]",
      "What a package holds and who signed it; the images are checked against\n"
      "their hashes.  An untrusted signature is said, not refused.",
      "0 2 13 14 19", sf_cmd_package_inspect, NULL, NULL },
    { "package verify", SF_C_PVERIFY, 0, "package verify FILE",
      "Check a package as install would before writing: signed by a trusted\n"
      "key, every image matching its hash.",
      "0 2 13 14 19", sf_cmd_package_verify, NULL, NULL },
    { "key generate", SF_C_KEYGEN, 0, "key generate PREFIX",
      "Write PREFIX.key (an Ed25519 private key, mode 0600) and PREFIX.pub.  Copy\n"
      "PREFIX.pub into the trusted key directory of the hosts that install.",
      "0 1 2 19", sf_cmd_key_generate, NULL, NULL },
    { "partner-sync", SF_C_PSYNC, SF_K_SCSI, "partner-sync DEVICE [on|off]",
      "Show or set a dual-module shelf's partner firmware sync (the modules\n"
      "pushing their firmware to each other), where the vendor has a control\n"
      "for it that safeflash knows; exit 10 where it has none.",
      "0 2 3 7 10", sf_cmd_partner_sync, NULL, NULL },
};
#define NCMDDEFS (sizeof(cmddefs) / sizeof(cmddefs[0]))

const char *sf_cli_arg(const struct sf_cli_args *a, int id)
{
    const char *v = NULL;
    for (size_t i = 0; i < a->nopt; i++)
        if (a->opt[i].id == id)
            v = a->opt[i].val;
    return v;
}

int sf_cli_has(const struct sf_cli_args *a, int id)
{
    for (size_t i = 0; i < a->nopt; i++)
        if (a->opt[i].id == id)
            return 1;
    return 0;
}

static const char *kind_words(unsigned k)
{
    switch (k) {
    case SF_K_SCSI: return "enclosures and drives (/dev/sgN)";
    case SF_K_FLASH: return "flash targets (mtd:/dev/mtdN, file:PATH)";
    case SF_K_REDFISH: return "Redfish targets (redfish://USER@HOST[:PORT])";
    case SF_K_SCSI | SF_K_REDFISH: return "enclosures, drives and Redfish targets";
    case SF_K_SCSI | SF_K_FLASH: return "enclosures, drives and flash targets";
    case SF_K_FLASH | SF_K_REDFISH: return "flash and Redfish targets";
    default: return "every target";
    }
}

static int kind_of(const char *s)
{
    if (!strncmp(s, "redfish://", 10))
        return SF_K_REDFISH;
    if (!strncmp(s, "mtd:", 4) || !strncmp(s, "file:", 5))
        return SF_K_FLASH;
    return SF_K_SCSI;
}

/* ---- help ---- */

/* Text re-flowed into lines of at most 79 columns, every line after the
 * first indented to indent (the first starts at first_col). */
static void put_text(FILE *f, const char *text, int indent, int first_col)
{
    int col = first_col;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        size_t w = strcspn(p, " \n");
        if (!w)
            break;
        if (col > indent && col + 1 + (int)w > 79) {
            fputc('\n', f);
            col = 0;
        }
        if (col < indent) {
            fprintf(f, "%*s", indent - col, "");
            col = indent;
        } else if (col > indent || (col == indent && col != first_col)) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += (int)w;
        p += w;
        /* Two spaces after a sentence, as written. */
        if (p[0] == ' ' && p[1] == ' ' && col + 1 < 79) {
            fputc(' ', f);
            col++;
        }
    }
    fputc('\n', f);
}

static void put_opt(FILE *f, const struct optdef *o, const char *note)
{
    char head[80];
    if (o->shortc)
        snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->shortc, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(head, sizeof(head), "      --%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    fputs(head, f);
    int col = (int)strlen(head);
    if (col > 28) {
        fputc('\n', f);
        col = 0;
    } else {
        fputc(' ', f);
        col++;
    }
    if (note) {
        char buf[600];
        snprintf(buf, sizeof(buf), "%s\n(%s)", o->help, note);
        put_text(f, buf, 30, col);
    } else {
        put_text(f, o->help, 30, col);
    }
}

/* The kinds an option row has for cmd, restricted to those the command
 * takes. */
static unsigned row_kinds(const struct optdef *o, const struct cmddef *c)
{
    return c->kinds ? (o->kinds & c->kinds) : SF_K_ANY;
}

static const struct cmddef *find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDDEFS; i++)
        if (!strcmp(cmddefs[i].name, name))
            return &cmddefs[i];
    return NULL;
}

static void put_exits(FILE *f, const char *which)
{
    fputs("Exit codes:\n", f);
    for (const struct sf_cli_exit_doc *e = sf_cli_exit_docs; e->text; e++) {
        if (which) {
            char key[8];
            snprintf(key, sizeof(key), " %d ", e->code);
            char padded[128];
            snprintf(padded, sizeof(padded), " %s ", which);
            if (!strstr(padded, key))
                continue;
        }
        char head[16];
        snprintf(head, sizeof(head), "  %2d  ", e->code);
        fputs(head, f);
        put_text(f, e->text, 6, 6);
    }
}

static void help_cmd(FILE *f, const struct cmddef *c)
{
    const char *s = c->synopsis;
    int first = 1;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        /* A line that starts with spaces continues the one before. */
        fprintf(f, "%s %s%.*s\n", first ? "Usage:" : "      ",
                *s == ' ' ? "          " : "safeflash ", (int)n, s);
        first = 0;
        s += n + (nl ? 1 : 0);
    }
    fputc('\n', f);
    put_text(f, c->about, 0, 0);
    fputs("\nOptions (before or after the operands; -- ends them):\n", f);
    unsigned allk = c->kinds ? c->kinds : SF_K_ANY;
    /* Options of every kind first, then those of one kind only. */
    for (size_t i = 0; i < NOPTDEFS; i++) {
        const struct optdef *o = &optdefs[i];
        if (!(o->cmds & c->bit))
            continue;
        unsigned k = row_kinds(o, c);
        int single = k == SF_K_SCSI || k == SF_K_FLASH || k == SF_K_REDFISH;
        if (single && k != allk)
            continue;
        put_opt(f, o, k == allk ? NULL : kind_words(k));
    }
    static const unsigned kinds[] = { SF_K_SCSI, SF_K_FLASH, SF_K_REDFISH };
    for (size_t ki = 0; ki < 3; ki++) {
        unsigned k = kinds[ki];
        if (!(allk & k) || k == allk)
            continue;
        int any = 0;
        for (size_t i = 0; i < NOPTDEFS; i++) {
            const struct optdef *o = &optdefs[i];
            if (!(o->cmds & c->bit) || row_kinds(o, c) != k)
                continue;
            if (!any)
                fprintf(f, "\nFor %s:\n", kind_words(k));
            any = 1;
            put_opt(f, o, NULL);
        }
        if (!any)
            fprintf(f, "\nFor %s: no options of their own.\n", kind_words(k));
    }
    fputc('\n', f);
    put_exits(f, c->exits);
}

void sf_cli_help(FILE *f, const char *cmd)
{
    const struct cmddef *c = cmd ? find_cmd(cmd) : NULL;
    if (c) {
        help_cmd(f, c);
        return;
    }
    fputs("Usage: safeflash [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Firmware updates that never brick, never loop, never flash twice, never\n"
          "leave a redundant pair degraded, and say exactly what happened.\n"
          "\n"
          "Targets:\n"
          "  /dev/sgN                      SES enclosures and SCSI drives\n"
          "  mtd:/dev/mtdN, file:PATH      board firmware in NOR flash (--layout FILE)\n"
          "  redfish://USER@HOST[:PORT]    server boards through their BMC\n"
          "\n"
          "Commands:\n", f);
    for (size_t i = 0; i < NCMDDEFS; i++) {
        const char *s = cmddefs[i].synopsis, *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(f, "  %.*s\n", n, s);
    }
    fputs("  help [COMMAND]\n"
          "\n"
          "'safeflash help COMMAND' (or 'safeflash COMMAND --help') lists every option\n"
          "of a command for every kind of target.  Options go before or after the\n"
          "operands; -- ends them.\n"
          "\n"
          "Environment:\n"
          "  SAFEFLASH_EMU        emulator config declaring emulated devices\n"
          "  SAFEFLASH_TRANSPORT  auto (default), sgio or emu\n"
          "  SAFEFLASH_KEYS       trusted public keys (default /etc/safeflash/keys)\n"
          "  SAFEFLASH_REDFISH_PASSWORD  the BMC password (else a prompt)\n"
          "  SAFEFLASH_STATE_DIR  history, journal, staged images, locks\n"
          "                       (default /var/lib/safeflash)\n"
          "\n", f);
    put_exits(f, NULL);
}

/* ---- parsing ---- */

static const struct optdef *lookup_long(const char *name, size_t len, unsigned cmd, int *known)
{
    *known = 0;
    for (size_t i = 0; i < NOPTDEFS; i++) {
        const struct optdef *o = &optdefs[i];
        if (strlen(o->name) != len || strncmp(o->name, name, len))
            continue;
        *known = 1;
        if (o->cmds & cmd)
            return o;
    }
    return NULL;
}

static const struct optdef *lookup_short(char ch, unsigned cmd, int *known)
{
    *known = 0;
    for (size_t i = 0; i < NOPTDEFS; i++) {
        const struct optdef *o = &optdefs[i];
        if (o->shortc != ch)
            continue;
        *known = 1;
        if (o->cmds & cmd)
            return o;
    }
    return NULL;
}

/* Does any row (of any command) take a value under this spelling?  Used
 * only to find the command word among options given before it. */
static int takes_value_anywhere(const char *arg)
{
    if (!strncmp(arg, "--", 2)) {
        if (strchr(arg, '='))
            return 0;
        for (size_t i = 0; i < NOPTDEFS; i++)
            if (!strcmp(optdefs[i].name, arg + 2))
                return optdefs[i].arg != NULL;
        return 0;
    }
    if (arg[0] == '-' && arg[1] && !arg[2])
        for (size_t i = 0; i < NOPTDEFS; i++)
            if (optdefs[i].shortc == arg[1])
                return optdefs[i].arg != NULL;
    return 0;
}

/* Returns 0, or the usage error's exit code after saying why; *help set
 * for -h/--help. */
static int parse(const struct cmddef *c, int argc, char **argv, struct sf_cli_args *a,
                 int *help)
{
    const char *cmd = c->name;
    int dashdash = 0;
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        if (dashdash || arg[0] != '-' || !arg[1]) {
            a->ops[a->nops++] = arg;
            continue;
        }
        if (!strcmp(arg, "--")) {
            dashdash = 1;
            continue;
        }
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int known;
            const struct optdef *o = lookup_long(name, len, c->bit, &known);
            if (!o)
                return sf_cli_usage_error(cmd, known ? "'--%.*s' is not an option of %s"
                                                     : "unknown option '--%.*s'%s",
                                          (int)len, name, known ? cmd : "");
            const char *val = NULL;
            if (o->arg) {
                if (eq)
                    val = eq + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return sf_cli_usage_error(cmd, "--%s needs a value (%s)", o->name, o->arg);
            } else if (eq) {
                return sf_cli_usage_error(cmd, "--%s takes no value", o->name);
            }
            if (o->id == SF_O_HELP) {
                *help = 1;
                continue;
            }
            a->opt[a->nopt++] = (struct sf_cli_optval){ o->id, val, o->name };
            continue;
        }
        /* Short options: -y, -a, -h, -o FILE, -oFILE, clusters of flags. */
        for (char *p = arg + 1; *p; p++) {
            int known;
            const struct optdef *o = lookup_short(*p, c->bit, &known);
            if (!o)
                return sf_cli_usage_error(cmd, known ? "'-%c' is not an option of %s"
                                                     : "unknown option '-%c'%s",
                                          *p, known ? cmd : "");
            const char *val = NULL;
            if (o->arg) {
                if (p[1])
                    val = p + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return sf_cli_usage_error(cmd, "-%c needs a value (%s)", *p, o->arg);
            }
            if (o->id == SF_O_HELP)
                *help = 1;
            else
                a->opt[a->nopt++] = (struct sf_cli_optval){ o->id, val, o->name };
            if (val)
                break;
        }
    }
    if (*help)
        return 0;
    /* The kind of target, from the operands. */
    a->kind = SF_K_NONE;
    if (c->kinds) {
        /* A prefixed target (redfish://, mtd:, file:) sets the kind; the
         * other operands are then images (install) or mistakes the
         * command's handler names.  Plain paths alone are SCSI devices. */
        const char *rf = NULL, *fl = NULL;
        for (size_t i = 0; i < a->nops; i++) {
            int k = kind_of(a->ops[i]);
            if (k == SF_K_REDFISH && !rf)
                rf = a->ops[i];
            if (k == SF_K_FLASH && !fl)
                fl = a->ops[i];
        }
        if (rf && fl)
            return sf_cli_usage_error(cmd, "'%s' and '%s' are different kinds of target: one "
                                      "kind per run", fl, rf);
        a->kind = rf ? SF_K_REDFISH : fl ? SF_K_FLASH : SF_K_SCSI;
        if (!(c->kinds & (unsigned)a->kind))
            return sf_cli_usage_error(cmd, "%s is not for %s", cmd, kind_words((unsigned)a->kind));
    }
    /* Every option given must belong to this kind of target. */
    for (size_t i = 0; i < a->nopt; i++) {
        unsigned k = 0;
        for (size_t j = 0; j < NOPTDEFS; j++)
            if (optdefs[j].id == a->opt[i].id && (optdefs[j].cmds & c->bit))
                k |= optdefs[j].kinds;
        if (a->kind && !(k & (unsigned)a->kind))
            return sf_cli_usage_error(cmd, "--%s is for %s%s%s", a->opt[i].name, kind_words(k),
                                      a->nops ? ", not " : "",
                                      a->nops ? a->ops[a->nops - 1] : "");
    }
    return 0;
}

/* The help of every subcommand of a group ("package", "key"). */
static void help_group(FILE *f, const char *group)
{
    size_t n = strlen(group);
    for (size_t i = 0; i < NCMDDEFS; i++)
        if (!strncmp(cmddefs[i].name, group, n) && cmddefs[i].name[n] == ' ') {
            help_cmd(f, &cmddefs[i]);
            fputc('\n', f);
        }
}

static const struct cmddef *cmd_of(const char *w1, const char *w2, int *words)
{
    char name[64];
    *words = 1;
    if (!strcmp(w1, "package") || !strcmp(w1, "key")) {
        if (!w2)
            return NULL;
        snprintf(name, sizeof(name), "%s %s", w1, w2);
        *words = 2;
        return find_cmd(name);
    }
    return find_cmd(w1);
}

int sf_cli_main(int argc, char **argv)
{
    /* The command words: the first one or two words that are not options
     * (or option values). */
    int wpos[3] = { -1, -1, -1 }, nw = 0, help = 0, version = 0;
    for (int i = 1; i < argc && nw < 3; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--"))
            break;
        if (s[0] == '-' && s[1]) {
            if (nw == 0 && (!strcmp(s, "--help") || !strcmp(s, "-h")))
                help = 1;
            else if (nw == 0 && (!strcmp(s, "--version") || !strcmp(s, "-V")))
                version = 1;
            else if (takes_value_anywhere(s))
                i++;
            continue;
        }
        wpos[nw++] = i;
        /* Only "package", "key" and "help" take a second word. */
        const char *w0 = argv[wpos[0]];
        if (nw == 1 && strcmp(w0, "package") && strcmp(w0, "key") && strcmp(w0, "help"))
            break;
        if (nw == 2 && strcmp(w0, "help"))
            break;
        if (nw == 2 && strcmp(argv[wpos[1]], "package") && strcmp(argv[wpos[1]], "key"))
            break;
    }
    if (version && nw == 0) {
        printf("safeflash %s\n", SF_VERSION);
        return SF_EXIT_OK;
    }
    if (nw == 0) {
        if (help) {
            sf_cli_help(stdout, NULL);
            return SF_EXIT_OK;
        }
        if (argc > 1)
            return sf_cli_usage_error(NULL, "unknown option '%s'", argv[1]);
        sf_cli_help(stderr, NULL);
        return SF_EXIT_USAGE;
    }
    const char *w0 = argv[wpos[0]];
    if (!strcmp(w0, "help")) {
        if (nw == 1) {
            sf_cli_help(stdout, NULL);
            return SF_EXIT_OK;
        }
        if (!strcmp(argv[wpos[1]], "help")) {
            sf_cli_help(stdout, NULL);
            return SF_EXIT_OK;
        }
        int words;
        const struct cmddef *c = cmd_of(argv[wpos[1]], nw > 2 ? argv[wpos[2]] : NULL, &words);
        if (!c && (!strcmp(argv[wpos[1]], "package") || !strcmp(argv[wpos[1]], "key"))) {
            help_group(stdout, argv[wpos[1]]); /* help package: each subcommand */
            return SF_EXIT_OK;
        }
        if (!c)
            return sf_cli_usage_error(NULL, "no command '%s'", argv[wpos[1]]);
        help_cmd(stdout, c);
        return SF_EXIT_OK;
    }
    int words;
    const struct cmddef *c = cmd_of(w0, nw > 1 ? argv[wpos[1]] : NULL, &words);
    if (!c) {
        if (!strcmp(w0, "package") || !strcmp(w0, "key")) {
            int ask = 0;
            for (int i = 1; i < argc; i++)
                ask |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
            if (ask) {
                help_group(stdout, w0);
                return SF_EXIT_OK;
            }
            if (nw < 2)
                return sf_cli_usage_error(w0, "needs a subcommand: %s", !strcmp(w0, "key")
                                          ? "generate" : "create, inspect or verify");
            return sf_cli_usage_error(w0, "unknown subcommand '%s'", argv[wpos[1]]);
        }
        return sf_cli_usage_error(NULL, "unknown command '%s'", w0);
    }
    /* Everything but the command words is options and operands. */
    struct sf_cli_args a = { .cmd = c->name, .cmdbit = c->bit };
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    a.opt = calloc((size_t)argc + 1, sizeof(*a.opt));
    a.ops = calloc((size_t)argc + 1, sizeof(*a.ops));
    if (!rest || !a.opt || !a.ops) {
        free(rest);
        free(a.opt);
        free(a.ops);
        fprintf(stderr, "safeflash: out of memory\n");
        return SF_EXIT_FAILED;
    }
    int nrest = 0;
    for (int i = 1; i < argc; i++)
        if (i != wpos[0] && !(words == 2 && i == wpos[1]))
            rest[nrest++] = argv[i];
    help = 0;
    int code = parse(c, nrest, rest, &a, &help);
    if (!code && help) {
        help_cmd(stdout, c);
    } else if (!code) {
        handler_fn fn = a.kind == SF_K_FLASH ? c->flash : a.kind == SF_K_REDFISH ? c->redfish
                                                                                 : c->scsi;
        code = fn ? fn(&a) : sf_cli_usage_error(c->name, "%s is not for %s", c->name,
                                                kind_words((unsigned)a.kind));
    }
    free(rest);
    free(a.opt);
    free(a.ops);
    return code;
}
