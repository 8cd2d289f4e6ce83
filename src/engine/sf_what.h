/*
 * sf_what.h - what an update puts on its targets: a signed package or a
 * raw image, loaded and checked (container, hashes, signature) before any
 * device is looked at, and the image it has for one item.
 */
#ifndef SF_WHAT_H
#define SF_WHAT_H

#include <stddef.h>
#include <stdint.h>

#include "pkg/sf_pkg.h"
#include "safeflash/safeflash.h"

struct sf_what {
    int is_pkg;
    struct sf_pkg *pkg;       /* owned */
    uint8_t *raw;             /* owned: a raw image (or a staged one, on resume) */
    size_t raw_len;
    char raw_sha[65];
    char package_sha[65];     /* of the package file; "" for a raw image */
    char version[33];         /* the package's version, or image_version */
    char min_version[33];
    int trusted;
    char signer[17];
    char warning[512];        /* "" or one line for the plan's warnings */
};

/*
 * Load path: a package is read (SF_EINTEGRITY for a damaged or altered
 * one) and its signature checked against the context's keys (SF_ESIG
 * unless o->allow_unsigned, which leaves a warning); a package of BMC
 * components is SF_EMISMATCH unless bmc (the Redfish class), and one
 * without components is SF_EMISMATCH with bmc.  A raw image
 * takes o->image_version.  The file is read once, and only a regular
 * file (sf_file.h).  Errors for the file: SF_EFILE (missing, unreadable,
 * not a regular file), SF_ERANGE (too large), SF_ETRUNC (empty).
 */
int sf_what_load(sf_ctx *ctx, const char *path, const struct sf_update_options *o, int bmc,
                 struct sf_what *w, struct sf_errctx *ec);

/* A staged image (resume): the bytes must hash to sha.  SF_EINTEGRITY
 * when they do not (or a symbolic link or other non-regular file stands
 * in its place), SF_ENODEV when the file is gone. */
int sf_what_load_staged(const char *path, const char *sha, const char *version,
                        struct sf_what *w, struct sf_errctx *ec);

/* The image for an item whose board is vendor/product: a raw image as it
 * is; a package's image whose patterns match (SF_EMISMATCH when none, or
 * when the board is unknown).  *sha is the image's SHA-256 in hex. */
int sf_what_for(const struct sf_what *w, const char *vendor, const char *product,
                const uint8_t **img, size_t *len, char sha[65], struct sf_errctx *ec);

void sf_what_free(struct sf_what *w);

/* Read a whole file (at most max bytes; a regular file only, sf_file.h).
 * Errors: SF_EFILE (missing, unreadable, not a regular file), SF_ERANGE
 * (too large), SF_EIO, SF_ENOMEM. */
int sf_read_file(const char *path, uint8_t **out, size_t *len, size_t max, struct sf_errctx *ec);

/* Stage an image in STATE/staging/SHA.img (content-addressed; temp file,
 * fsync, rename, directory fsync) unless it is there; staging/ is made
 * 0700 and must not be a symbolic link, and a copy there is read without
 * following one.  Errors: SF_EJOURNAL (the state directory cannot take
 * it: full, read-only, staging/ not a directory). */
int sf_stage(const char *state_dir, const char *sha, const uint8_t *img, size_t len,
             struct sf_errctx *ec);

#endif
