/*
 * sf_manifest.h - the package manifest: what a firmware package is for and
 * what it holds.  JSON through json-c; pure (text in, struct out).
 *
 *   {
 *     "format": 1,
 *     "vendor": "SFEMU", "product": "JBOD-2U24*",     fnmatch(3) patterns
 *                                                     for the subenclosures
 *     "version": "0300",                              firmware version
 *     "revision": "0300",                             what processors report
 *                                                     afterwards (default:
 *                                                     version, if <= 4 chars;
 *                                                     else "": SCSI targets
 *                                                     refuse the package)
 *     "min_version": "0100",                          optional
 *     "mode": "auto" | "deferred" | "immediate",      preferred, optional
 *     "release_notes": "...",                         optional
 *     "image": "fw.bin",                              default image
 *     "images": [ { "name": "fw.bin", "size": N, "sha256": "hex" } ],
 *     "targets": [ { "vendor": "...", "product": "...", "image": "x.bin" } ],
 *     "components": [ { "component": "bios", "version": "R01.01.0012",
 *                       "image": "bios.bin" } ]
 *   }
 *
 * "targets" names a different image for subenclosures whose vendor and
 * product match; the first match wins, then the top-level patterns with
 * the default image.  A subenclosure matching neither is not a target the
 * package may touch.
 *
 * "components" makes a package for a server board's BMC (Redfish): each
 * entry is one firmware component, the image it gets and the version the
 * BMC's inventory must show afterwards; vendor/product are then matched
 * against the ComputerSystem's Manufacturer and Model, and "image" may be
 * left out.  Such a package is refused by SES processors, drives and board
 * flash.
 */
#ifndef SF_MANIFEST_H
#define SF_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#define SF_MAN_FORMAT 1
#define SF_MAN_MAX_IMAGES 8
#define SF_MAN_MAX_TARGETS 16
#define SF_MAN_NAME 64
#define SF_MAN_MAX_COMPONENTS 8

struct sf_man_image {
    char name[SF_MAN_NAME];
    uint64_t size;
    uint8_t sha256[32];
};

struct sf_man_target {
    char vendor[32];
    char product[64];
    char image[SF_MAN_NAME];
};

struct sf_man_component {
    char component[17];         /* bmc, bios, me, or a BMC's inventory Id */
    char version[64];           /* what the inventory reports afterwards */
    char image[SF_MAN_NAME];
};

struct sf_manifest {
    int format;
    char vendor[32];
    char product[64];
    char version[32];
    char revision[5];
    char min_version[32];
    char mode[16];              /* "" = not stated */
    char notes[4096];
    char image[SF_MAN_NAME];
    size_t nimages;
    struct sf_man_image images[SF_MAN_MAX_IMAGES];
    size_t ntargets;
    struct sf_man_target targets[SF_MAN_MAX_TARGETS];
    size_t ncomponents;
    struct sf_man_component components[SF_MAN_MAX_COMPONENTS];
};

/* Parse and validate.  SF_EMALFORMED with ec->msg naming the field; the
 * text must pass sf_manifest_text_check first. */
int sf_manifest_parse(const char *text, size_t len, struct sf_manifest *out,
                      struct sf_errctx *ec);

/* What json-c does not check in JSON text, at any depth: it is strict
 * UTF-8 (no overlong forms, surrogates or code points above U+10FFFF, also
 * none written as \u escapes, and no \u0000), and no object names a key
 * twice (keys compared as decoded, so "a" and "\u0061" are one key).  0,
 * or SF_EMALFORMED with one line saying which (SF_ENOMEM). */
int sf_manifest_text_check(const char *text, size_t len, struct sf_errctx *ec);

/* Serialise (pretty JSON); *out is malloc'd, NUL terminated. */
int sf_manifest_encode(const struct sf_manifest *m, char **out, size_t *len);

/* The "targets" array as the manifest holds it (a json-c array the caller
 * owns and releases with json_object_put): shared by the encoder and
 * `package inspect --json`. */
struct json_object;
struct json_object *sf_manifest_targets_json(const struct sf_manifest *m);
/* The same for "components". */
struct json_object *sf_manifest_components_json(const struct sf_manifest *m);

/* The image a subenclosure with this vendor/product gets, or NULL when the
 * package does not apply to it.  vendor/product are compared trimmed. */
const struct sf_man_image *sf_manifest_image_for(const struct sf_manifest *m,
                                                 const char *vendor, const char *product);

/* 1 when the top-level vendor/product patterns match (a board's
 * Manufacturer/Model for component packages). */
int sf_manifest_matches(const struct sf_manifest *m, const char *vendor, const char *product);

const struct sf_man_image *sf_manifest_find_image(const struct sf_manifest *m, const char *name);

/* A file name safe inside the package: [A-Za-z0-9._-], no leading dot. */
int sf_manifest_name_ok(const char *name);

/* Compare versions the way people read them ("0100" < "0300", "1.7" <
 * "1.10"): negative, zero or positive. */
int sf_version_cmp(const char *a, const char *b);

#endif
