/*
 * sf_package.h - firmware packages and the keys that sign them: writing a
 * package, reading one back (container and image hashes checked), checking
 * its signature against the context's trusted keys, making a key pair.
 *
 * A package is one file, a tar archive holding a manifest (what it is
 * for, which images, their sizes and SHA-256), an optional Ed25519
 * signature of the manifest and the images; docs/package.md gives the
 * format.  sf_update_set_image() takes a package as it takes a raw image:
 * this header is for front ends that make, show or check packages.
 *
 * Conventions as in safeflash.h: 0 or a negative enum sf_err with one line
 * in the caller's struct sf_errctx; the caller owns what comes back through
 * **out and frees it with the matching _free (NULL is a no-op); getters
 * borrow.  The library prints nothing.
 */
#ifndef SAFEFLASH_SF_PACKAGE_H
#define SAFEFLASH_SF_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/safeflash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_PACKAGE_MAX_IMAGES 8
#define SF_PACKAGE_MAX_TARGETS 16
#define SF_PACKAGE_MAX_COMPONENTS 8

/* An image the package holds. */
struct sf_package_image {
    char name[64];            /* a plain file name: [A-Za-z0-9._-], no leading dot */
    uint64_t size;
    char sha256[65];          /* hex */
};

/* Subenclosures whose vendor and product match (fnmatch patterns) get
 * another image than the default. */
struct sf_package_target {
    char vendor[32];
    char product[64];
    char image[64];
};

/* A server board's firmware component (a BMC package): the image it gets
 * and the version the BMC's inventory must report afterwards. */
struct sf_package_component {
    char component[17];       /* bmc, bios, me, or an inventory Id */
    char version[64];
    char image[64];
};

/* What a manifest says.  Strings longer than their field are cut. */
struct sf_package_manifest {
    int format;               /* the manifest format (1) */
    char vendor[32];          /* fnmatch patterns for the subenclosures (or the board's
                                 Manufacturer and Model for a component package) */
    char product[64];
    char version[32];         /* the firmware version */
    char revision[5];         /* what SES processors report afterwards ("": none given,
                                 a board flash package) */
    char min_version[32];     /* "": none */
    char mode[16];            /* preferred download mode; "": not stated */
    char notes[4096];         /* release notes */
    char image[64];           /* the default image ("" for a component package) */
    size_t nimages;
    struct sf_package_image images[SF_PACKAGE_MAX_IMAGES];
    size_t ntargets;
    struct sf_package_target targets[SF_PACKAGE_MAX_TARGETS];
    size_t ncomponents;
    struct sf_package_component components[SF_PACKAGE_MAX_COMPONENTS];
};

/* ---- reading ---- */

typedef struct sf_package sf_package;

struct sf_package_info {
    char sha256[65];          /* of the package file (hex): how history names it */
    struct sf_package_manifest manifest;
    int is_signed;            /* it carries a signature (trusted or not) */
    int trusted;              /* sf_package_check_signature() verified it */
    char signer[17];          /* the trusted key's id ("" until verified) */
};

/*
 * Read the package at path and check the container and that every image
 * matches the size and SHA-256 the manifest gives (the signature is
 * checked separately).  Only a regular file is read (never blocking on a
 * FIFO).  *out is the caller's (sf_package_free).  Errors: SF_EFILE (the
 * file is missing, unreadable or not a regular file: ec's one line names
 * it), SF_EMALFORMED (not a package, a broken
 * container or manifest), SF_EINTEGRITY (an image missing, extra, or not
 * matching its hash), SF_EINVAL, SF_ENOMEM.
 */
int sf_package_open(const char *path, sf_package **out, struct sf_errctx *ec);

/* Is the file at path a package (its magic) rather than a raw image?  1
 * yes, 0 no, SF_EFILE when it cannot be read (missing, unreadable, not a
 * regular file), SF_EINVAL when path is NULL. */
int sf_package_is_package(const char *path);

/*
 * Read a whole image file for sf_package_write() (at most max bytes) into
 * *out (the caller's, free()) and *len - as the library reads every image
 * and package: a regular file only, opened without blocking (a FIFO or a
 * device is refused, "PATH: not a regular file").  Errors: SF_EFILE
 * (missing, unreadable, not a regular file), SF_ERANGE (larger than max),
 * SF_EIO (a read failed), SF_EINVAL, SF_ENOMEM.  ec's one line names the
 * file.
 */
int sf_package_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                         struct sf_errctx *ec);

/* What the package says and what is known of its signature (borrowed,
 * valid until sf_package_free; updated by sf_package_check_signature). */
const struct sf_package_info *sf_package_info(const sf_package *p);

/*
 * Check the signature against the trusted keys (*.pub) in the context's
 * keys directory (sf_ctx_set_keys_dir).  On success the info says trusted
 * and who signed it.  Errors: SF_ESIG (unsigned, no trusted key in the
 * directory, none verifies it, or the directory or a key in it is not
 * safe to trust - owned by neither root nor the effective user, group- or
 * world-writable, a symbolic link, not a regular file: ec says which, in
 * one line naming the file and the fix), SF_EINVAL.
 */
int sf_package_check_signature(sf_package *p, sf_ctx *ctx, struct sf_errctx *ec);

void sf_package_free(sf_package *p);

/* ---- writing ---- */

/* One image to put into a new package (borrowed for the call). */
struct sf_package_blob {
    const char *name;         /* as the manifest names it */
    const void *data;
    size_t len;
};

/*
 * Write a package to path (through a new temporary file beside it, made
 * with O_EXCL and renamed when complete): the manifest m, whose format and
 * images[] are ignored (the images list is made from the n blobs: names,
 * sizes and SHA-256), signed with the Ed25519 private key in keyfile
 * (NULL: unsigned).  signer (17 bytes, may be NULL) receives the key's
 * id.  Errors: SF_EINVAL (no image, more images, targets or components
 * than the SF_PACKAGE_MAX_ limits, a name that is not a plain file name),
 * SF_EMALFORMED (a manifest that would not read back: ec names the field),
 * SF_EFILE (keyfile missing, unreadable, not a regular file or not an
 * Ed25519 private key; path cannot be written), SF_EIO, SF_ENOMEM.
 */
int sf_package_write(const char *path, const struct sf_package_manifest *m,
                     const struct sf_package_blob *images, size_t n, const char *keyfile,
                     char signer[17], struct sf_errctx *ec);

/*
 * Make an Ed25519 key pair: PREFIX.key (private, mode 0600) and
 * PREFIX.pub, never overwriting either.  keyid (17 bytes, may be NULL)
 * receives the key's id, the one packages name as signer.  Errors:
 * SF_EINVAL (an empty prefix, or a file exists already), SF_EFILE (a file
 * cannot be written: a missing directory, no permission), SF_EIO.
 */
int sf_package_key_generate(const char *prefix, char keyid[17], struct sf_errctx *ec);

#ifdef __cplusplus
}
#endif

#endif
