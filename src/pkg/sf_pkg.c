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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sf_file.h"

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

static struct archive *new_reader(void)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    return a;
}

/* 1 when a's first entry is one a package starts with. */
static int first_entry_is_package(struct archive *a)
{
    struct archive_entry *e;
    if (archive_read_next_header(a, &e) != ARCHIVE_OK)
        return 0;
    const char *n = archive_entry_pathname(e);
    return n && (!strcmp(n, "manifest.json") || !strcmp(n, "manifest.sig") ||
                 !strncmp(n, "images/", 7));
}

int sf_pkg_is_package_mem(const uint8_t *data, size_t len)
{
    struct archive *a = new_reader();
    if (!a)
        return 0;
    int yes = len && archive_read_open_memory(a, data, len) == ARCHIVE_OK &&
              first_entry_is_package(a);
    archive_read_free(a);
    return yes;
}

int sf_pkg_is_package(const char *path, struct sf_errctx *ec)
{
    struct stat st;
    int fd = sf_file_open(path, 0, &st, ec);
    if (fd < 0)
        return fd;
    struct archive *a = new_reader();
    int yes = a && archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK && first_entry_is_package(a);
    archive_read_free(a);
    close(fd);
    return yes;
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
    uint8_t *data = NULL;
    size_t len = 0;
    struct sf_errctx fec = { 0 };
    int rc = sf_file_read(path, 0, SF_PKG_MAX_TOTAL, &data, &len, &fec);
    if (rc == SF_EFILE || rc == SF_ENOMEM)
        return sf_err_set(ec, rc, "%s", fec.msg);
    if (rc)
        return sf_err_set(ec, SF_EMALFORMED, "cannot read the package: %s", fec.msg);
    rc = sf_pkg_parse(path, data, len, out, ec);
    free(data);
    return rc;
}

int sf_pkg_parse(const char *path, const uint8_t *data, size_t len, struct sf_pkg **out,
                 struct sf_errctx *ec)
{
    if (!path || !out || (!data && len))
        return SF_EINVAL;
    *out = NULL;
    struct sf_pkg *p = calloc(1, sizeof(*p));
    if (!p)
        return SF_ENOMEM;
    sf_sha256(data, len, p->file_sha256);
    int rc = 0;
    struct archive *a = new_reader();
    if (!a || !len || archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        archive_read_free(a);
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
        uint8_t *ed = NULL;
        size_t elen = 0;
        if (!strcmp(name, "manifest.json")) {
            if (p->manifest_raw) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: manifest.json appears twice", path);
                goto out;
            }
            rc = read_entry(a, e, &ed, &elen, 256 * 1024);
            p->manifest_raw = (char *)ed;
            p->manifest_len = elen;
        } else if (!strcmp(name, "manifest.sig")) {
            if (p->has_sig) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: manifest.sig appears twice", path);
                goto out;
            }
            rc = read_entry(a, e, &ed, &elen, SF_SIG_LEN);
            if (!rc && elen != SF_SIG_LEN)
                rc = SF_EMALFORMED;
            if (!rc) {
                memcpy(p->sig, ed, SF_SIG_LEN);
                p->has_sig = 1;
            }
            free(ed);
        } else if (!strncmp(name, "images/", 7) && sf_manifest_name_ok(name + 7)) {
            if (sf_pkg_image(p, name + 7)) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: %s appears twice", path, name);
                goto out;
            }
            if (p->nimg >= SF_MAN_MAX_IMAGES) {
                rc = sf_err_set(ec, SF_EINTEGRITY, "%s: more than %d images", path, SF_MAN_MAX_IMAGES);
                goto out;
            }
            rc = read_entry(a, e, &ed, &elen, SF_PKG_MAX_ENTRY);
            if (!rc) {
                struct sf_pkg_image *im = &p->img[p->nimg++];
                snprintf(im->name, sizeof(im->name), "%s", name + 7);
                im->data = ed;
                im->len = elen;
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
        total += elen;
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
    p->keys_refused = 0;
    if (!p->has_sig)
        return sf_err_set(ec, SF_ESIG, "the package is not signed");
    struct sf_errctx vec = { 0 };
    int rc = sf_verify_dir(keydir, (const uint8_t *)p->manifest_raw, p->manifest_len, p->sig,
                           p->signer, &vec);
    if (rc == SF_ENODEV)
        return sf_err_set(ec, SF_ESIG, "the package is signed, but %s", vec.msg);
    p->keys_refused = rc == SF_EACCES;
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
    /* A temporary name of its own (O_EXCL), never one a link planted
     * beside the output (in /tmp, say) could redirect; renamed over out. */
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(text);
        return sf_err_set(ec, SF_EFILE, "%s: cannot create: %s", out, strerror(e));
    }
    if (fchmod(fd, 0644) != 0)
        (void)0; /* a package is for others to read; 0600 is no harm */
    struct archive *a = archive_write_new();
    if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        free(text);
        if (a)
            archive_write_free(a);
        close(fd);
        unlink(tmp);
        return sf_err_set(ec, SF_EFILE, "%s: cannot create", out);
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
    if (!rc && fsync(fd) != 0)
        rc = SF_EIO;
    if (close(fd) != 0 && !rc)
        rc = SF_EIO;
    if (!rc && rename(tmp, out) != 0)
        rc = SF_EIO;
    if (rc) {
        unlink(tmp);
        return sf_err_set(ec, rc == SF_ENOMEM ? rc : SF_EFILE, "%s: cannot write the package",
                          out);
    }
    return 0;
}
