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

#define SF_MAX_IMAGE_FILE (256u << 20)

int sf_read_file(const char *path, uint8_t **out, size_t *len, size_t max, struct sf_errctx *ec)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return sf_err_set(ec, e == EACCES ? SF_EACCES : SF_ENODEV, "%s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sf_err_set(ec, SF_EINVAL, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return sf_err_set(ec, SF_ERANGE, "%s: larger than %zu MiB", path, max >> 20);
    }
    uint8_t *b = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!b) {
        close(fd);
        return SF_ENOMEM;
    }
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(b);
            close(fd);
            return sf_err_set(ec, SF_EIO, "%s: %s", path, r < 0 ? strerror(e) : "shorter than "
                              "its size (changed while read?)");
        }
        n += (size_t)r;
    }
    close(fd);
    *out = b;
    *len = n;
    return 0;
}

static int load_package(sf_ctx *ctx, const char *path, const struct sf_update_options *o,
                        int bmc, struct sf_what *w, struct sf_errctx *ec)
{
    int rc = sf_pkg_read(path, &w->pkg, ec);
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
        return sf_err_set(ec, SF_ESIG, "%s: %s: refusing it (--allow-unsigned overrides)", path,
                          sec.msg);
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
    int isp = sf_pkg_is_package(path);
    if (isp < 0)
        return sf_err_set(ec, -isp == EACCES ? SF_EACCES : SF_ENODEV, "%s: %s", path,
                          strerror(-isp));
    if (isp) {
        w->is_pkg = 1;
        return load_package(ctx, path, o, bmc, w, ec);
    }
    int rc = sf_read_file(path, &w->raw, &w->raw_len, SF_MAX_IMAGE_FILE, ec);
    if (!rc && w->raw_len == 0)
        rc = sf_err_set(ec, SF_ETRUNC, "%s: empty image", path);
    if (rc)
        return rc;
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
    int rc = sf_read_file(path, &w->raw, &w->raw_len, SF_MAX_IMAGE_FILE, &rec);
    if (!rc)
        sf_sha256_hex(w->raw, w->raw_len, 32, w->raw_sha);
    if (rc || strcmp(w->raw_sha, sha)) {
        free(w->raw);
        w->raw = NULL;
        return sf_err_set(ec, rc == SF_ENODEV ? SF_ENODEV : SF_EINTEGRITY, "the staged image "
                          "%s is %s: install it again", path,
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
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return sf_err_set(ec, SF_EJOURNAL, "cannot stage the image in %s: %s", dir,
                          strerror(errno));
    snprintf(path, sizeof(path), "%s/%s.img", dir, sha);
    uint8_t *have = NULL;
    size_t hlen = 0;
    if (sf_read_file(path, &have, &hlen, SF_MAX_IMAGE_FILE, NULL) == 0) {
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
