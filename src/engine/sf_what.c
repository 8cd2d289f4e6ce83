/*
 * sf_what.c - packages and raw images for the engine.  See sf_what.h.
 */
#define _GNU_SOURCE
#include "engine/sf_what.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sf_file.h"

#define SF_MAX_IMAGE_FILE (256u << 20)
#define SF_MAX_PACKAGE_FILE (512u << 20)   /* sf_pkg.c's limit on a package */

int sf_read_file(const char *path, uint8_t **out, size_t *len, size_t max, struct sf_errctx *ec)
{
    return sf_file_read(path, 0, max, out, len, ec);
}

static int load_package(sf_ctx *ctx, const char *path, const uint8_t *data, size_t len,
                        const struct sf_update_options *o, int bmc, struct sf_what *w,
                        struct sf_errctx *ec)
{
    int rc = sf_pkg_parse(path, data, len, &w->pkg, ec);
    if (rc)
        return rc == SF_EMALFORMED ? SF_EINTEGRITY : rc;
    const struct sf_manifest *m = &w->pkg->man;
    if (m->ncomponents && !bmc)
        return sf_err_set(ec, SF_EMISMATCH, "%s: a package of server-board components (%s...) "
                          "for a BMC: install it on redfish://USER@HOST; nothing was written",
                          path, m->components[0].component);
    if (!m->ncomponents && bmc)
        return sf_err_set(ec, SF_EMISMATCH, "%s: the package names no components (it is for %s): "
                          "a BMC takes packages of server-board components; nothing was pushed",
                          path, m->revision[0] ? "an enclosure or a drive" : "board flash");
    if (o->image_version && *o->image_version)
        return sf_err_set(ec, SF_EINVAL, "--image-version is for raw images: the package names "
                          "its version");
    sf_hex(w->pkg->file_sha256, 32, w->package_sha);
    struct sf_errctx sec = { 0 };
    rc = sf_pkg_check_signature(w->pkg, sf_ctx_keys_dir(ctx), &sec);
    if (rc && !o->allow_unsigned)
        /* An unsafe key directory is about the keys, not this package:
         * its line stands alone. */
        return w->pkg->keys_refused ? sf_err_set(ec, SF_ESIG, "%s", sec.msg)
                                    : sf_err_set(ec, SF_ESIG, "%s: %s: refusing it "
                                                 "(--allow-unsigned overrides)", path, sec.msg);
    if (rc)
        snprintf(w->warning, sizeof(w->warning), "%s: %s; installing anyway (--allow-unsigned)",
                 path, sec.msg);
    else
        snprintf(w->signer, sizeof(w->signer), "%s", w->pkg->signer);
    w->trusted = !rc;
    snprintf(w->version, sizeof(w->version), "%s", m->version);
    snprintf(w->min_version, sizeof(w->min_version), "%s", m->min_version);
    return 0;
}

int sf_what_load(sf_ctx *ctx, const char *path, const struct sf_update_options *o, int bmc,
                 struct sf_what *w, struct sf_errctx *ec)
{
    memset(w, 0, sizeof(*w));
    /* Read once: what is told apart, hashed, checked and installed is the
     * same bytes, whatever happens to the file meanwhile. */
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = sf_file_read(path, 0, SF_MAX_PACKAGE_FILE, &data, &len, ec);
    if (rc)
        return rc;
    if (sf_pkg_is_package_mem(data, len)) {
        w->is_pkg = 1;
        rc = load_package(ctx, path, data, len, o, bmc, w, ec);
        free(data);
        return rc;
    }
    w->raw = data;
    w->raw_len = len;
    if (len > SF_MAX_IMAGE_FILE)
        return sf_err_set(ec, SF_ERANGE, "%s: larger than %u MiB", path, SF_MAX_IMAGE_FILE >> 20);
    if (len == 0)
        return sf_err_set(ec, SF_ETRUNC, "%s: empty image", path);
    sf_sha256_hex(w->raw, w->raw_len, 32, w->raw_sha);
    snprintf(w->version, sizeof(w->version), "%s", o->image_version ? o->image_version : "");
    snprintf(w->warning, sizeof(w->warning), "raw image: nothing checks that it is meant for "
             "this device or that it is intact; prefer a signed package");
    return 0;
}

int sf_what_load_staged(const char *path, const char *sha, const char *version,
                        struct sf_what *w, struct sf_errctx *ec)
{
    memset(w, 0, sizeof(*w));
    struct sf_errctx rec = { 0 };
    /* The state directory's own file: a symbolic link there is not ours. */
    int rc = sf_file_read(path, SF_FILE_NOFOLLOW, SF_MAX_IMAGE_FILE, &w->raw, &w->raw_len, &rec);
    if (!rc)
        sf_sha256_hex(w->raw, w->raw_len, 32, w->raw_sha);
    if (rc || strcmp(w->raw_sha, sha)) {
        struct stat st;
        int gone = rc == SF_EFILE && lstat(path, &st) != 0 && errno == ENOENT;
        free(w->raw);
        w->raw = NULL;
        w->raw_len = 0;
        return sf_err_set(ec, gone ? SF_ENODEV : SF_EINTEGRITY, "the staged image %s is %s: "
                          "install it again", path,
                          rc ? rec.msg : "no longer what was staged (its SHA-256 differs)");
    }
    snprintf(w->version, sizeof(w->version), "%s", version);
    return 0;
}

int sf_what_for(const struct sf_what *w, const char *vendor, const char *product,
                const uint8_t **img, size_t *len, char sha[65], struct sf_errctx *ec)
{
    if (!w->is_pkg) {
        *img = w->raw;
        *len = w->raw_len;
        snprintf(sha, 65, "%s", w->raw_sha);
        return 0;
    }
    const struct sf_manifest *m = &w->pkg->man;
    const struct sf_man_image *mi = sf_manifest_image_for(m, vendor, product);
    if (!mi)
        return sf_err_set(ec, SF_EMISMATCH, "the package is for vendor %s product %s",
                          m->vendor, m->product);
    const struct sf_pkg_image *pi = sf_pkg_image(w->pkg, mi->name);
    *img = pi->data;
    *len = pi->len;
    sf_hex(mi->sha256, 32, sha);
    return 0;
}

void sf_what_free(struct sf_what *w)
{
    if (!w)
        return;
    sf_pkg_free(w->pkg);
    free(w->raw);
    memset(w, 0, sizeof(*w));
}

int sf_stage(const char *state, const char *sha, const uint8_t *img, size_t len,
             struct sf_errctx *ec)
{
    char dir[4096], path[4200], tmp[4300];
    snprintf(dir, sizeof(dir), "%s/staging", state);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return sf_err_set(ec, SF_EJOURNAL, "cannot stage the image in %s: %s", dir,
                          strerror(errno));
    /* Images are written into it: it must be the state directory's own
     * directory, not a symbolic link to somewhere else. */
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sf_err_set(ec, SF_EJOURNAL, "refusing to stage the image in %s: not a directory "
                          "(a symbolic link?); remove it", dir);
    snprintf(path, sizeof(path), "%s/%s.img", dir, sha);
    uint8_t *have = NULL;
    size_t hlen = 0;
    if (sf_file_read(path, SF_FILE_NOFOLLOW, SF_MAX_IMAGE_FILE, &have, &hlen, NULL) == 0) {
        /* Content-addressed: a copy that still hashes right is the copy;
         * a damaged one is replaced. */
        char got[65];
        sf_sha256_hex(have, hlen, 32, got);
        free(have);
        if (!strcmp(got, sha))
            return 0;
    }
    /* A temporary name of its own: two updates may stage one image at the
     * same moment; the rename makes whichever lands last the copy. */
    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sf_err_set(ec, SF_EJOURNAL, "cannot stage the image in %s: %s", dir,
                          strerror(errno));
    int e = 0;
    if (fchmod(fd, 0644) != 0)
        e = 0; /* readable by its owner either way */
    for (size_t off = 0; off < len && !e;) {
        ssize_t w = write(fd, img + off, len - off);
        if (w <= 0)
            e = w < 0 ? errno : EIO;
        else
            off += (size_t)w;
    }
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return sf_err_set(ec, SF_EJOURNAL, "cannot stage the image at %s: %s", path, strerror(e));
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0)
            e = errno;
        close(dfd);
    }
    return e ? sf_err_set(ec, SF_EJOURNAL, "cannot stage the image in %s: %s", dir, strerror(e))
             : 0;
}
