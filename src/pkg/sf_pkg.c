/*
 * sf_pkg.c - package container.  See sf_pkg.h.
 *
 * The reader trusts nothing in the archive: entry names are matched
 * exactly, only regular files are accepted, sizes are capped before
 * anything is allocated, and duplicates are refused (a second
 * "manifest.json" must not be able to shadow the signed one).
 */
#define _GNU_SOURCE
#include "sf_pkg.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SF_PKG_MAX_ENTRY (256u * 1024u * 1024u)
#define SF_PKG_MAX_TOTAL (512u * 1024u * 1024u)

void sf_pkg_free(struct sf_pkg *p)
{
    if (!p)
        return;
    free(p->manifest_raw);
    for (size_t i = 0; i < p->nimg; i++)
        free(p->img[i].data);
    free(p);
}

const struct sf_pkg_image *sf_pkg_image(const struct sf_pkg *p, const char *name)
{
    for (size_t i = 0; p && name && i < p->nimg; i++)
        if (!strcmp(p->img[i].name, name))
            return &p->img[i];
    return NULL;
}

static struct archive *open_reader(const char *path)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

int sf_pkg_is_package(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    fclose(f);
    struct archive *a = open_reader(path);
    if (!a)
        return 0;
    struct archive_entry *e;
    int yes = archive_read_next_header(a, &e) == ARCHIVE_OK;
    if (yes) {
        const char *n = archive_entry_pathname(e);
        yes = n && (!strcmp(n, "manifest.json") || !strcmp(n, "manifest.sig") ||
                    !strncmp(n, "images/", 7));
    }
    archive_read_free(a);
    return yes;
}

static int file_sha256(const char *path, uint8_t out[32])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SF_EIO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 || (uint64_t)st.st_size > SF_PKG_MAX_TOTAL) {
        fclose(f);
        return SF_ERANGE;
    }
    uint8_t *buf = malloc((size_t)st.st_size);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf || n != (size_t)st.st_size) {
        free(buf);
        return SF_EIO;
    }
    sf_sha256(buf, n, out);
    free(buf);
    return 0;
}

static int read_entry(struct archive *a, struct archive_entry *e, uint8_t **out, size_t *len,
                      size_t max)
{
    la_int64_t sz = archive_entry_size(e);
    if (!archive_entry_size_is_set(e) || sz < 0 || (uint64_t)sz > max)
        return SF_ERANGE;
    uint8_t *buf = malloc((size_t)sz + 1);
    if (!buf)
        return SF_ENOMEM;
    size_t got = 0;
    while (got < (size_t)sz) {
        la_ssize_t r = archive_read_data(a, buf + got, (size_t)sz - got);
        if (r <= 0) {
            free(buf);
            return SF_EMALFORMED;
        }
        got += (size_t)r;
    }
    buf[sz] = '\0';
    *out = buf;
    *len = (size_t)sz;
    return 0;
}

int sf_pkg_read(const char *path, struct sf_pkg **out, struct sf_errctx *ec)
{
    if (!path || !out)
        return SF_EINVAL;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sf_err_set(ec, errno == EACCES ? SF_EACCES : SF_ENODEV, "%s: %s", path,
                          strerror(errno));
    fclose(f);
    struct sf_pkg *p = calloc(1, sizeof(*p));
    if (!p)
        return SF_ENOMEM;
    int rc = file_sha256(path, p->file_sha256);
    if (rc) {
        free(p);
        return sf_err_set(ec, SF_EMALFORMED, "%s: cannot read the package", path);
    }
    struct archive *a = open_reader(path);
    if (!a) {
        free(p);
        return sf_err_set(ec, SF_EMALFORMED, "%s: not a safeflash package (not a tar archive)", path);
    }
    struct archive_entry *e;
    size_t total = 0;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (!name || archive_entry_filetype(e) != AE_IFREG) {
            rc = sf_err_set(ec, SF_EINTEGRITY, "%s: entry \"%s\" is not a regular file", path,
                            name ? name : "?");
            goto out;
        }
        uint8_t *data = NULL;
        size_t len = 0;
        if (!strcmp(name, "manifest.json")) {
            if (p->manifest_raw) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: manifest.json appears twice", path);
                goto out;
            }
            rc = read_entry(a, e, &data, &len, 256 * 1024);
            p->manifest_raw = (char *)data;
            p->manifest_len = len;
        } else if (!strcmp(name, "manifest.sig")) {
            if (p->has_sig) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: manifest.sig appears twice", path);
                goto out;
            }
            rc = read_entry(a, e, &data, &len, SF_SIG_LEN);
            if (!rc && len != SF_SIG_LEN)
                rc = SF_EMALFORMED;
            if (!rc) {
                memcpy(p->sig, data, SF_SIG_LEN);
                p->has_sig = 1;
            }
            free(data);
        } else if (!strncmp(name, "images/", 7) && sf_manifest_name_ok(name + 7)) {
            if (sf_pkg_image(p, name + 7)) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: %s appears twice", path, name);
                goto out;
            }
            if (p->nimg >= SF_MAN_MAX_IMAGES) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: more than %d images", path, SF_MAN_MAX_IMAGES);
                goto out;
            }
            rc = read_entry(a, e, &data, &len, SF_PKG_MAX_ENTRY);
            if (!rc) {
                struct sf_pkg_image *im = &p->img[p->nimg++];
                snprintf(im->name, sizeof(im->name), "%s", name + 7);
                im->data = data;
                im->len = len;
            }
        } else {
            rc = sf_err_set(ec, SF_EINTEGRITY, "%s: unexpected entry \"%s\" in the package", path, name);
            goto out;
        }
        if (rc) {
            rc = sf_err_set(ec, rc == SF_ENOMEM ? SF_ENOMEM : SF_EMALFORMED,
                            "%s: entry \"%s\" is damaged or too large", path, name);
            goto out;
        }
        total += len;
        if (total > SF_PKG_MAX_TOTAL) {
            rc = sf_err_set(ec, SF_EMALFORMED, "%s: package larger than %u MiB", path,
                            SF_PKG_MAX_TOTAL >> 20);
            goto out;
        }
    }
    if (r != ARCHIVE_EOF) {
        rc = sf_err_set(ec, SF_EMALFORMED, "%s: damaged archive: %s", path,
                        archive_error_string(a) ? archive_error_string(a) : "read error");
        goto out;
    }
    if (!p->manifest_raw) {
        rc = sf_err_set(ec, SF_EMALFORMED, "%s: not a safeflash package (no manifest.json)", path);
        goto out;
    }
    {
        struct sf_errctx mec = { 0 };
        rc = sf_manifest_parse(p->manifest_raw, p->manifest_len, &p->man, &mec);
        if (rc) {
            rc = sf_err_set(ec, SF_EMALFORMED, "%s: %s", path, mec.msg);
            goto out;
        }
    }
    for (size_t i = 0; i < p->man.nimages; i++) {
        const struct sf_man_image *mi = &p->man.images[i];
        const struct sf_pkg_image *pi = sf_pkg_image(p, mi->name);
        uint8_t d[32];
        if (!pi) {
            rc = sf_err_set(ec, SF_EINTEGRITY, "%s: image %s listed in the manifest is missing", path,
                            mi->name);
            goto out;
        }
        sf_sha256(pi->data, pi->len, d);
        if (pi->len != mi->size || memcmp(d, mi->sha256, 32) != 0) {
            rc = sf_err_set(ec, SF_EINTEGRITY, "%s: image %s does not match its SHA-256 in the "
                            "manifest: the package was altered or damaged", path, mi->name);
            goto out;
        }
    }
    for (size_t i = 0; i < p->nimg; i++)
        if (!sf_manifest_find_image(&p->man, p->img[i].name)) {
            rc = sf_err_set(ec, SF_EINTEGRITY, "%s: image %s is not listed in the manifest", path,
                            p->img[i].name);
            goto out;
        }
out:
    archive_read_free(a);
    if (rc) {
        sf_pkg_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int sf_pkg_check_signature(struct sf_pkg *p, const char *keydir, struct sf_errctx *ec)
{
    if (!p)
        return SF_EINVAL;
    p->trusted = 0;
    if (!p->has_sig)
        return sf_err_set(ec, SF_ESIG, "the package is not signed");
    struct sf_errctx vec = { 0 };
    int rc = sf_verify_dir(keydir, (const uint8_t *)p->manifest_raw, p->manifest_len, p->sig,
                           p->signer, &vec);
    if (rc == SF_ENODEV)
        return sf_err_set(ec, SF_ESIG, "the package is signed, but %s", vec.msg);
    if (rc)
        return sf_err_set(ec, SF_ESIG, "%s", vec.msg);
    p->trusted = 1;
    return 0;
}

static int add_entry(struct archive *a, const char *name, const void *data, size_t len)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return SF_ENOMEM;
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 0, 0); /* reproducible packages */
    int rc = archive_write_header(a, e) == ARCHIVE_OK &&
                     (len == 0 || archive_write_data(a, data, len) == (la_ssize_t)len)
                 ? 0 : SF_EIO;
    archive_entry_free(e);
    return rc;
}

int sf_pkg_write(const char *out, struct sf_manifest *m, const char *const *names,
                 const uint8_t *const *data, const size_t *lens, size_t n, const char *keyfile,
                 char signer[17], struct sf_errctx *ec)
{
    if (!out || !m || !n || n > SF_MAN_MAX_IMAGES)
        return SF_EINVAL;
    m->format = SF_MAN_FORMAT;
    m->nimages = n;
    for (size_t i = 0; i < n; i++) {
        if (!sf_manifest_name_ok(names[i]))
            return sf_err_set(ec, SF_EINVAL, "image name \"%s\" must be a plain file name", names[i]);
        snprintf(m->images[i].name, sizeof(m->images[i].name), "%s", names[i]);
        m->images[i].size = lens[i];
        sf_sha256(data[i], lens[i], m->images[i].sha256);
    }
    char *text = NULL;
    size_t tlen = 0;
    int rc = sf_manifest_encode(m, &text, &tlen);
    if (rc)
        return rc;
    /* What we write must be what we read back. */
    struct sf_manifest check;
    struct sf_errctx mec = { 0 };
    rc = sf_manifest_parse(text, tlen, &check, &mec);
    if (rc) {
        free(text);
        return sf_err_set(ec, rc, "%s", mec.msg);
    }
    uint8_t sig[SF_SIG_LEN];
    if (keyfile) {
        rc = sf_sign(keyfile, (const uint8_t *)text, tlen, sig, signer, ec);
        if (rc) {
            free(text);
            return rc;
        }
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", out);
    struct archive *a = archive_write_new();
    if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
        free(text);
        if (a)
            archive_write_free(a);
        return sf_err_set(ec, SF_EIO, "%s: cannot create", tmp);
    }
    rc = add_entry(a, "manifest.json", text, tlen);
    if (!rc && keyfile)
        rc = add_entry(a, "manifest.sig", sig, SF_SIG_LEN);
    for (size_t i = 0; !rc && i < n; i++) {
        char en[128];
        snprintf(en, sizeof(en), "images/%s", names[i]);
        rc = add_entry(a, en, data[i], lens[i]);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        rc = SF_EIO;
    archive_write_free(a);
    free(text);
    if (!rc && rename(tmp, out) != 0)
        rc = SF_EIO;
    if (rc) {
        remove(tmp);
        return sf_err_set(ec, rc, "%s: cannot write the package", out);
    }
    return 0;
}
