/*
 * sf_pkg.h - firmware packages: a tar archive (libarchive) holding
 *
 *   manifest.json      the manifest (sf_manifest.h), exact bytes signed
 *   manifest.sig       64-byte Ed25519 signature of manifest.json (optional)
 *   images/NAME        each image the manifest lists
 *
 * and nothing else.  Reading checks the container and that every image
 * matches the size and SHA-256 the manifest gives; the signature is checked
 * separately, against a directory of trusted public keys.  docs/package.md
 * describes the format for anyone building packages without safeflash.
 */
#ifndef SF_PKG_H
#define SF_PKG_H

#include <stddef.h>
#include <stdint.h>

#include "pkg/sf_crypto.h"
#include "pkg/sf_manifest.h"
#include "safeflash/sf_err.h"

struct sf_pkg_image {
    char name[SF_MAN_NAME];
    uint8_t *data;
    size_t len;
};

struct sf_pkg {
    uint8_t file_sha256[32];   /* of the package file: identifies it in history */
    char *manifest_raw;
    size_t manifest_len;
    struct sf_manifest man;
    int has_sig;
    uint8_t sig[SF_SIG_LEN];
    size_t nimg;
    struct sf_pkg_image img[SF_MAN_MAX_IMAGES];
    int trusted;               /* set by sf_pkg_check_signature() */
    int keys_refused;          /* set by it: the key directory is unsafe */
    char signer[17];
};

/* 1 if path is a tar archive whose first entry looks like a package, 0 if
 * not (a raw image); SF_EFILE (message in ec, which may be NULL) when it
 * cannot be read: missing, unreadable, not a regular file. */
int sf_pkg_is_package(const char *path, struct sf_errctx *ec);
/* The same test on a file's contents. */
int sf_pkg_is_package_mem(const uint8_t *data, size_t len);

/*
 * Read a package file (a regular file only, sf_file.h).  Errors: SF_EFILE
 * (missing, unreadable, not a regular file), SF_EMALFORMED (not a
 * package, broken container, malformed manifest, larger than 512 MiB),
 * SF_EINTEGRITY (an image missing, extra, or not matching its
 * size/SHA-256; unexpected entries), SF_ENOMEM.
 */
int sf_pkg_read(const char *path, struct sf_pkg **out, struct sf_errctx *ec);
/* The same from the file's len bytes at data (not kept; path names the
 * package in messages): what was read is what is checked and hashed. */
int sf_pkg_parse(const char *path, const uint8_t *data, size_t len, struct sf_pkg **out,
                 struct sf_errctx *ec);

/* Check the signature against dir.  SF_ESIG when unsigned, when no
 * trusted key verifies it, or when dir or a key in it is refused as unsafe
 * (sf_verify_dir; then p->keys_refused is set and ec's line names the file
 * and the fix); sets p->trusted and p->signer on success. */
int sf_pkg_check_signature(struct sf_pkg *p, const char *keydir, struct sf_errctx *ec);

const struct sf_pkg_image *sf_pkg_image(const struct sf_pkg *p, const char *name);

/* Write a package: m's images[] are filled in (size, SHA-256) from data.
 * keyfile NULL writes an unsigned package. */
int sf_pkg_write(const char *out, struct sf_manifest *m, const char *const *names,
                 const uint8_t *const *data, const size_t *lens, size_t n, const char *keyfile,
                 char signer[17], struct sf_errctx *ec);

void sf_pkg_free(struct sf_pkg *p);

#endif
