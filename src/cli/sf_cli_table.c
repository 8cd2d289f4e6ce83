/*
 * sf_cli_table.c - the command line's tables: every option (a row per
 * option, commands and target kinds), every exit code, every command with
 * its synopsis, its words and its handlers.  sf_cli_opts.c parses, helps
 * and dispatches from them; adding an option is adding a row here.
 */
#include <stddef.h>

#include "sf_cli.h"
#include "sf_cli_table.h"

#define C_ALL 0x1ffffu
#define C_FLEET (SF_C_CHECK | SF_C_APPLY)
#define C_UPD (SF_C_INSTALL | SF_C_ACTIVATE | SF_C_RESUME)

/* A row per (option, commands, kinds); an option may have more than one
 * row where its help says something different for a command (--mode of
 * install and of package create are the same mode, said for each). */
const struct optdef optdefs[] = {
    { SF_O_HELP, "help", 'h', NULL, C_ALL, SF_K_ANY, "this text" },
    { SF_O_JSON, "json", 0, NULL,
      SF_C_LIST | SF_C_SHOW | C_UPD | SF_C_REPAIR | SF_C_STATUS | SF_C_HISTORY | SF_C_PINSPECT | C_FLEET,
      SF_K_ANY, "JSON on stdout (schema 1, docs/json.md): one document, or\n"
                "one event per line while an update runs" },
    { SF_O_YES, "yes", 'y', NULL, C_UPD | SF_C_REPAIR | SF_C_APPLY, SF_K_ANY, "do not ask for confirmation" },
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_INSTALL, SF_K_ANY,
      "check and plan everything, write nothing" },
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_ACTIVATE, SF_K_SCSI | SF_K_REDFISH,
      "check and plan everything, write nothing" },
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_RESUME, SF_K_SCSI,
      "check and plan everything, write nothing" },
    { SF_O_STATE_DIR, "state-dir", 0, "DIR",
      SF_C_SHOW | C_UPD | SF_C_REPAIR | SF_C_STATUS | SF_C_CANCEL | SF_C_HISTORY | C_FLEET, SF_K_ANY,
      "history, journal, staged images and locks (default\n"
      "$SAFEFLASH_STATE_DIR, else /var/lib/safeflash)" },
    { SF_O_KEYS, "keys", 0, "DIR", SF_C_INSTALL | SF_C_PINSPECT | SF_C_PVERIFY | C_FLEET, SF_K_ANY,
      "trusted public keys, *.pub (default $SAFEFLASH_KEYS,\n"
      "else /etc/safeflash/keys)" },
    { SF_O_ALLOW_UNSIGNED, "allow-unsigned", 0, NULL, SF_C_INSTALL, SF_K_ANY,
      "accept a package that no trusted key signed" },
    { SF_O_ALLOW_UNSIGNED, "allow-unsigned", 0, NULL, C_FLEET, SF_K_ANY,
      "accept a baseline and packages that no trusted key\n"
      "signed (a baseline a trusted key contradicts - altered,\n"
      "or another key's - is still refused)" },
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
    { SF_O_TIMEOUT, "timeout", 0, "SECONDS", C_UPD | SF_C_APPLY, SF_K_SCSI,
      "wait this long for completion (default 1200)" },
    { SF_O_POLL_INTERVAL, "poll-interval", 0, "MS", C_UPD | SF_C_APPLY, SF_K_SCSI,
      "between status reads (default 1000)" },
    { SF_O_COMMAND_TIMEOUT, "command-timeout", 0, "SECONDS", C_UPD | SF_C_APPLY, SF_K_SCSI,
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
    { SF_O_TASK_TIMEOUT, "task-timeout", 0, "SECONDS", C_UPD | SF_C_APPLY, SF_K_REDFISH,
      "give up on a BMC task after SECONDS (default 600)" },
    { SF_O_RESET_TIMEOUT, "reset-timeout", 0, "SECONDS", C_UPD | SF_C_APPLY, SF_K_REDFISH,
      "wait at most SECONDS for a reset (default 900)" },
    { SF_O_PULL, "pull", 0, "URL", SF_C_INSTALL, SF_K_REDFISH,
      "instead of an image: the BMC fetches URL itself\n"
      "(SimpleUpdate); nothing is staged here" },
    { SF_O_CA, "ca", 0, "FILE", SF_C_SHOW | C_UPD | C_FLEET, SF_K_REDFISH,
      "trust this CA (PEM) for the BMC's certificate" },
    { SF_O_PIN, "pin", 0, "PIN", SF_C_SHOW | C_UPD | C_FLEET, SF_K_REDFISH,
      "trust this public key only (sha256//BASE64)" },
    { SF_O_INSECURE, "insecure", 0, NULL, SF_C_SHOW | C_UPD | C_FLEET, SF_K_REDFISH,
      "no certificate checks (a lab BMC, self-signed)" },
    { SF_O_PLAIN_HTTP, "plain-http", 0, NULL, SF_C_SHOW | C_UPD | C_FLEET, SF_K_REDFISH,
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
    { SF_O_DRY_RUN, "dry-run", 0, NULL, SF_C_APPLY, SF_K_ANY,
      "check, and plan every update: the plan, nothing written" },
    { SF_O_JOBS, "jobs", 0, "N", SF_C_APPLY, SF_K_ANY,
      "update up to N devices at once (enclosures, drives);\n"
      "the modules of one enclosure still one at a time" },
    { SF_O_MAX_FAILURES, "max-failures", 0, "N", SF_C_APPLY, SF_K_ANY,
      "start no further item once N items failed (default:\n"
      "no limit; a device's items stop at its first failure)" },
    { SF_O_ACTIVATE, "activate", 0, NULL, SF_C_APPLY, SF_K_ANY,
      "run what is stored at once: deferred microcode is\n"
      "activated, a board's host is reset once its images are\n"
      "staged" },
    { SF_O_KEY, "key", 0, "KEY", SF_C_BSIGN, SF_K_ANY,
      "the private key (PREFIX.key from 'safeflash key\n"
      "generate'); required" },
};
const size_t noptdefs = sizeof(optdefs) / sizeof(optdefs[0]);

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
    { SF_EXIT_DRIFT, "drift: a device does not run what the baseline says\n"
                     "(check), or still does not after apply (refused or\n"
                     "unknown items left alone)" },
    { -1, NULL },
};

#define EX_UPD "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19"
#define EX_APPLY "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"

const struct cmddef cmddefs[] = {
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
    { "check", SF_C_CHECK, 0, "check BASELINE [TARGET...] [--json]",
      "Compare devices with a baseline (docs/baseline.md): one row per item (SES\n"
      "processor, drive, flash, BMC component) with what runs, what the baseline\n"
      "wants, and the action - none, update, refused (a downgrade, min-version)\n"
      "or unknown with the reason; no-rule for what the baseline does not name.\n"
      "Without targets: every local SCSI device (as 'list --all') and the flash\n"
      "targets the baseline names; boards are named (redfish://).  Reads only.\n"
      "Exit 0 when compliant, 20 when something drifts.",
      "0 2 3 11 13 14 19 20", sf_cmd_check, NULL, NULL },
    { "apply", SF_C_APPLY, 0, "apply BASELINE [TARGET...] [--jobs N] [--max-failures N]",
      "Converge what 'check' reports, through the same engine as install: each\n"
      "rule's signed package onto the items to update, journaled and resumable;\n"
      "the modules of one enclosure one at a time, a DEGRADED enclosure stopped;\n"
      "enclosures and drives first, then flash, then boards (BMC first).  Items\n"
      "refused or unknown are left alone (exit 20).  A second apply changes\n"
      "nothing and says so.  --dry-run prints the plan.",
      EX_APPLY, sf_cmd_apply, NULL, NULL },
    { "baseline sign", SF_C_BSIGN, 0, "baseline sign BASELINE --key KEY",
      "Check that BASELINE is a valid baseline and write its detached signature,\n"
      "BASELINE.sig (replaced atomically).",
      "0 2 11 19", sf_cmd_baseline_sign, NULL, NULL },
};
const size_t ncmddefs = sizeof(cmddefs) / sizeof(cmddefs[0]);
