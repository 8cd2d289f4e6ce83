/*
 * sf_baseline.h - fleet baselines: a desired state, as a file that names,
 * per device match, the package that brings a matching device to the
 * desired version.  JSON through json-c; the parser is pure (text in,
 * struct out); reading the file and its signature, and writing a
 * signature, are separate small functions.  docs/baseline.md is the
 * format for people who write baselines.
 *
 *   {
 *     "format": 1,
 *     "name": "rack-2026-12",                        printable ASCII
 *     "description": "...",                          optional, UTF-8
 *     "items": [                                     1 to SF_BL_MAX_ITEMS
 *       { "match": { "class": "ses",                 ses | drive | flash |
 *                                                    redfish
 *                    "vendor": "SFEMU",              fnmatch(3) patterns
 *                    "product": "JBOD-2U24*",
 *                    "component": "bios",            redfish only, optional
 *                    "layout": "layouts/a.layout", flash only, required
 *                    "target": "mtd:/dev/mtd0" },  flash only, optional
 *         "package": "ses/fw-0500.sfpkg",            relative to the baseline
 *         "version": "0500" }                        what the package brings
 *     ]
 *   }
 *
 * Invariants (each refused with SF_EMALFORMED and one line naming where):
 *
 *  1. What is parsed is exactly what a signature covers: the text passes
 *     sf_manifest_text_check() (strict UTF-8, no key twice in an object,
 *     at any depth), is one JSON object with nothing after it but white
 *     space, and names no key this format does not know - a misspelt
 *     optional key ("compnent") would otherwise widen a match silently.
 *  2. Every path it names ("package", "layout") stays inside the
 *     baseline's directory by its letters alone: relative, components
 *     separated by single '/', each of [A-Za-z0-9._~-] (the URL-safe
 *     characters, so an HTTP share needs no escaping), none empty and none
 *     starting with '.' (so no "." or ".."), at most SF_BL_PATH - 1 bytes.
 *     A directory of packages and one baseline is an offline mirror.
 *  3. No two items have the same match key (class, vendor, product,
 *     component; patterns compared as written, components without regard
 *     to case): the second could never apply, so the file is ambiguous.
 *  4. A key belongs to its class: "component" only with redfish, "layout"
 *     only with (and always with) flash, "target" (mtd: or file:) only
 *     with flash.
 *  5. Trust fails closed: sf_baseline_verify() returns 0 only for a
 *     signature a trusted key verifies; an unsigned baseline is an error
 *     too, told apart by *state, so that only a caller who chose to
 *     (--allow-unsigned) goes on with one.
 *
 * "version" is not checked against the package here: the engine compares
 * it with the package's manifest when it opens the package.
 */
#ifndef SF_BASELINE_H
#define SF_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "pkg/sf_crypto.h"
#include "safeflash/sf_err.h"

#define SF_BL_FORMAT 1
#define SF_BL_MAX_ITEMS 256
#define SF_BL_MAX_TEXT (1024 * 1024)   /* bytes of a baseline file */
#define SF_BL_NAME 64                  /* "name", NUL included */
#define SF_BL_DESC 4096                /* "description", NUL included */
#define SF_BL_VENDOR 32                /* as a manifest's vendor pattern */
#define SF_BL_PRODUCT 64               /* as a manifest's product pattern */
#define SF_BL_COMPONENT 64             /* bmc, bios, me, an inventory Id or Name */
#define SF_BL_VERSION 64               /* as a manifest component's version */
#define SF_BL_PATH 256                 /* a relative path, NUL included */

enum sf_bl_class {
    SF_BL_SES = 1,      /* an enclosure's SES processor (subenclosure vendor/product) */
    SF_BL_DRIVE,        /* a SCSI device that is not an enclosure (INQUIRY) */
    SF_BL_FLASH,        /* board flash (the layout's "board" line) */
    SF_BL_REDFISH,      /* a BMC's component (ComputerSystem Manufacturer/Model) */
};

struct sf_bl_match {
    enum sf_bl_class cls;
    char vendor[SF_BL_VENDOR];          /* fnmatch(3) pattern */
    char product[SF_BL_PRODUCT];        /* fnmatch(3) pattern */
    char component[SF_BL_COMPONENT];    /* "" = every component of the board */
    char layout[SF_BL_PATH];            /* flash: relative to the baseline */
    char target[SF_BL_PATH];            /* flash, optional: mtd:/dev/mtdN or file:PATH
                                           that check/apply cover with no targets named */
};

struct sf_bl_rule {
    struct sf_bl_match match;
    char package[SF_BL_PATH];           /* relative to the baseline */
    char version[SF_BL_VERSION];        /* desired: what the package brings */
};

struct sf_baseline {
    int format;
    char name[SF_BL_NAME];
    char description[SF_BL_DESC];
    size_t nrules;
    struct sf_bl_rule *rules;           /* nrules of them, in file order */
    /* The exact bytes parsed (NUL terminated, raw_len long): what a
     * signature covers. */
    char *raw;
    size_t raw_len;
    /* Set by sf_baseline_load() from BASELINE.sig beside the file. */
    int has_sig;
    uint8_t sig[SF_SIG_LEN];
};

/*
 * Parse and validate len bytes of text (pure).  *out is the caller's
 * (sf_baseline_free), NULL on failure.  Errors: SF_EMALFORMED with ec's
 * one line naming the field or item (invariants 1-4 above, a missing or
 * mistyped key, a value too long or not printable, no items or more than
 * SF_BL_MAX_ITEMS, text larger than SF_BL_MAX_TEXT); SF_EINVAL (NULL
 * arguments); SF_ENOMEM.
 */
int sf_baseline_parse(const char *text, size_t len, struct sf_baseline **out,
                      struct sf_errctx *ec);

/*
 * Read the regular file path (sf_file_read) and PATH.sig beside it, and
 * parse.  A missing PATH.sig is an unsigned baseline (has_sig 0); one that
 * exists is read or the load fails.  *out is the caller's.  Errors:
 * SF_EFILE (the baseline or its signature missing, unreadable, not a
 * regular file), SF_EMALFORMED (parse errors and a file larger than
 * SF_BL_MAX_TEXT, prefixed with path), SF_ESIG (PATH.sig is not exactly
 * SF_SIG_LEN bytes), SF_EIO, SF_ENOMEM.
 */
int sf_baseline_load(const char *path, struct sf_baseline **out, struct sf_errctx *ec);

void sf_baseline_free(struct sf_baseline *bl);

/* What sf_baseline_verify() found. */
enum sf_bl_sig {
    SF_BL_SIG_UNSIGNED = 0,     /* no signature: only --allow-unsigned goes on */
    SF_BL_SIG_TRUSTED,          /* a trusted key verifies it */
    SF_BL_SIG_BAD,              /* signed, but no trusted key verifies it (another
                                   key, or the baseline was altered) */
    SF_BL_SIG_NO_KEYS,          /* signed, but the key directory is missing, holds
                                   no Ed25519 key, or is refused as unsafe */
};

/*
 * Verify sig (SF_SIG_LEN bytes, NULL when unsigned) over text against the
 * trusted *.pub keys in keydir, with sf_verify_dir's StrictModes checks.
 * *state is always set.  0 only when SF_BL_SIG_TRUSTED (signer, which may
 * be NULL, gets the key id); else SF_ESIG with one line: "the baseline is
 * not signed", or sf_verify_dir's reason.  keydir is not looked at for an
 * unsigned baseline; a NULL keydir is a directory without keys.  SF_EINVAL
 * for NULL text or state.
 */
int sf_baseline_verify(const char *text, size_t len, const uint8_t *sig, const char *keydir,
                       enum sf_bl_sig *state, char signer[17], struct sf_errctx *ec);

/*
 * Sign text with the Ed25519 private key in keyfile, after checking that
 * it parses (a malformed baseline is not signed: SF_EMALFORMED).  The
 * signature into sig, the key's id into keyid (may be NULL).  Errors as
 * sf_sign (SF_EFILE for the key, SF_EIO).
 */
int sf_baseline_sign(const char *text, size_t len, const char *keyfile,
                     uint8_t sig[SF_SIG_LEN], char keyid[17], struct sf_errctx *ec);

/*
 * `safeflash baseline sign`: read path, sign it as sf_baseline_sign does,
 * and write PATH.sig (a new temporary file, fsync, rename over PATH.sig,
 * fsync of the directory).  Errors: those of sf_baseline_load and
 * sf_baseline_sign, SF_EFILE when PATH.sig cannot be written.
 */
int sf_baseline_sign_file(const char *path, const char *keyfile, char keyid[17],
                          struct sf_errctx *ec);

/* "ses", "drive", "flash", "redfish"; "?" for anything else. */
const char *sf_baseline_class_name(enum sf_bl_class cls);
/* The class named (as the format spells it), or 0. */
enum sf_bl_class sf_baseline_class_parse(const char *name);

/*
 * The rule for one device item, or NULL when none applies.  vendor and
 * product are what the device reports (trailing spaces, as SCSI pads
 * them, are ignored) and are matched with fnmatch(3) against the rule's
 * patterns; component (NULL or "" when the item has none) must equal a
 * rule's component without regard to case, and a rule without a component
 * takes every component.  A rule naming the component wins over one that
 * does not; otherwise the first in file order wins.  Borrowed from bl.
 */
const struct sf_bl_rule *sf_baseline_match(const struct sf_baseline *bl, enum sf_bl_class cls,
                                           const char *vendor, const char *product,
                                           const char *component);

/* 1 when rel is a path invariant 2 accepts, else 0. */
int sf_baseline_path_ok(const char *rel);

/*
 * rel (a rule's package or layout) as a path from where the caller is:
 * joined to the directory of baseline_path ("fleet/b.json" and
 * "ses/fw.sfpkg" give "fleet/ses/fw.sfpkg"; "b.json" gives "ses/fw.sfpkg").
 * *out is the caller's (free()).  Errors: SF_EINVAL (NULL arguments, or rel
 * not accepted by sf_baseline_path_ok: it did not come from a parsed
 * rule), SF_ENOMEM.  Lexical only: nothing is opened.
 */
int sf_baseline_resolve(const char *baseline_path, const char *rel, char **out,
                        struct sf_errctx *ec);

#endif
