/*
 * sf_api_package.c - the public package API (include/safeflash/
 * sf_package.h) over the container (src/pkg/sf_pkg.c), the manifest
 * (sf_manifest.c) and the keys (sf_crypto.c).  The manifest's public
 * struct is a copy of the internal one, field for field, with the hashes
 * in hex; the limits are the same (checked below at compile time).
 */
#include "safeflash/sf_package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/sf_pkg.h"
#include "util/sf_file.h"

_Static_assert(SF_PACKAGE_MAX_IMAGES == SF_MAN_MAX_IMAGES, "image limit");
_Static_assert(SF_PACKAGE_MAX_TARGETS == SF_MAN_MAX_TARGETS, "target limit");
_Static_assert(SF_PACKAGE_MAX_COMPONENTS == SF_MAN_MAX_COMPONENTS, "component limit");

struct sf_package {
    struct sf_pkg *pkg;
    struct sf_package_info info;
};

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* The internal manifest as the public struct: the same fields and sizes,
 * the hashes in hex. */
static void manifest_out(const struct sf_manifest *m, struct sf_package_manifest *o)
{
    o->format = m->format;
    COPY(o->vendor, m->vendor);
    COPY(o->product, m->product);
    COPY(o->version, m->version);
    COPY(o->revision, m->revision);
    COPY(o->min_version, m->min_version);
    COPY(o->mode, m->mode);
    COPY(o->notes, m->notes);
    COPY(o->image, m->image);
    o->nimages = m->nimages;
    for (size_t i = 0; i < m->nimages; i++) {
        COPY(o->images[i].name, m->images[i].name);
        o->images[i].size = m->images[i].size;
        sf_hex(m->images[i].sha256, 32, o->images[i].sha256);
    }
    o->ntargets = m->ntargets;
    for (size_t i = 0; i < m->ntargets; i++) {
        COPY(o->targets[i].vendor, m->targets[i].vendor);
        COPY(o->targets[i].product, m->targets[i].product);
        COPY(o->targets[i].image, m->targets[i].image);
    }
    o->ncomponents = m->ncomponents;
    for (size_t i = 0; i < m->ncomponents; i++) {
        COPY(o->components[i].component, m->components[i].component);
        COPY(o->components[i].version, m->components[i].version);
        COPY(o->components[i].image, m->components[i].image);
    }
}

/* The public manifest as the internal one, images left out (the writer
 * makes them from the data). */
static void manifest_in(const struct sf_package_manifest *o, struct sf_manifest *m)
{
    COPY(m->vendor, o->vendor);
    COPY(m->product, o->product);
    COPY(m->version, o->version);
    COPY(m->revision, o->revision);
    COPY(m->min_version, o->min_version);
    COPY(m->mode, o->mode);
    COPY(m->notes, o->notes);
    COPY(m->image, o->image);
    m->ntargets = o->ntargets;
    for (size_t i = 0; i < o->ntargets; i++) {
        COPY(m->targets[i].vendor, o->targets[i].vendor);
        COPY(m->targets[i].product, o->targets[i].product);
        COPY(m->targets[i].image, o->targets[i].image);
    }
    m->ncomponents = o->ncomponents;
    for (size_t i = 0; i < o->ncomponents; i++) {
        COPY(m->components[i].component, o->components[i].component);
        COPY(m->components[i].version, o->components[i].version);
        COPY(m->components[i].image, o->components[i].image);
    }
}

int sf_package_open(const char *path, sf_package **out, struct sf_errctx *ec)
{
    if (!path || !out)
        return SF_EINVAL;
    *out = NULL;
    sf_package *p = calloc(1, sizeof(*p));
    if (!p)
        return SF_ENOMEM;
    int rc = sf_pkg_read(path, &p->pkg, ec);
    if (rc) {
        free(p);
        return rc;
    }
    sf_hex(p->pkg->file_sha256, 32, p->info.sha256);
    manifest_out(&p->pkg->man, &p->info.manifest);
    p->info.is_signed = p->pkg->has_sig;
    *out = p;
    return 0;
}

const struct sf_package_info *sf_package_info(const sf_package *p)
{
    return p ? &p->info : NULL;
}

int sf_package_check_signature(sf_package *p, sf_ctx *ctx, struct sf_errctx *ec)
{
    if (!p || !ctx)
        return SF_EINVAL;
    int rc = sf_pkg_check_signature(p->pkg, sf_ctx_keys_dir(ctx), ec);
    p->info.trusted = p->pkg->trusted;
    COPY(p->info.signer, p->pkg->trusted ? p->pkg->signer : "");
    return rc;
}

void sf_package_free(sf_package *p)
{
    if (!p)
        return;
    sf_pkg_free(p->pkg);
    free(p);
}

int sf_package_write(const char *path, const struct sf_package_manifest *m,
                     const struct sf_package_blob *images, size_t n, const char *keyfile,
                     char signer[17], struct sf_errctx *ec)
{
    if (!path || !m || (n && !images))
        return SF_EINVAL;
    if (n > SF_PACKAGE_MAX_IMAGES || m->ntargets > SF_PACKAGE_MAX_TARGETS ||
        m->ncomponents > SF_PACKAGE_MAX_COMPONENTS)
        return sf_err_set(ec, SF_EINVAL, "at most %d images, %d targets and %d components",
                          SF_PACKAGE_MAX_IMAGES, SF_PACKAGE_MAX_TARGETS,
                          SF_PACKAGE_MAX_COMPONENTS);
    struct sf_manifest *im = calloc(1, sizeof(*im));
    if (!im)
        return SF_ENOMEM;
    manifest_in(m, im);
    const char *names[SF_PACKAGE_MAX_IMAGES];
    const uint8_t *data[SF_PACKAGE_MAX_IMAGES];
    size_t lens[SF_PACKAGE_MAX_IMAGES];
    for (size_t i = 0; i < n; i++) {
        names[i] = images[i].name ? images[i].name : "";
        data[i] = images[i].data;
        lens[i] = images[i].len;
    }
    char id[17] = "";
    int rc = sf_pkg_write(path, im, names, data, lens, n, keyfile, id, ec);
    if (!rc && signer)
        memcpy(signer, id, sizeof(id));
    free(im);
    return rc;
}

int sf_package_key_generate(const char *prefix, char keyid[17], struct sf_errctx *ec)
{
    if (!prefix || !*prefix)
        return sf_err_set(ec, SF_EINVAL, "a key pair needs a file name prefix");
    char id[17] = "";
    int rc = sf_key_generate(prefix, id, ec);
    if (!rc && keyid)
        memcpy(keyid, id, sizeof(id));
    return rc;
}

int sf_package_is_package(const char *path)
{
    return path ? sf_pkg_is_package(path, NULL) : SF_EINVAL;
}

int sf_package_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                         struct sf_errctx *ec)
{
    if (!path || !out || !len)
        return SF_EINVAL;
    return sf_file_read(path, 0, max, out, len, ec);
}
