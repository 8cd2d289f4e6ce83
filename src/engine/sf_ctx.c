/*
 * sf_ctx.c - the library context: where state and keys live, and which
 * backends reach flash targets.  Everything a front end would otherwise
 * pass through the environment is set here (the library reads no
 * environment variables).
 */
#include "engine/sf_ctx.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/sf_flash.h"
#include "transport/sf_sgio.h"

#define SF_CTX_MAX_BACKENDS 4

struct backend {
    char prefix[16];
    sf_flash_open_fn fn;
    void *arg;
    void (*free_arg)(void *);
};

struct sf_ctx {
    char *state_dir;
    char *keys_dir;
    char *sysfs;
    size_t nbackends;
    struct backend b[SF_CTX_MAX_BACKENDS];
    struct {
        sf_scsi_open_fn open;
        sf_scsi_paths_fn paths;
        void *arg;
        void (*free_arg)(void *);
    } scsi;
    struct {
        sf_password_fn fn;
        void *arg;
    } pw;
};

static int set_str(char **dst, const char *s)
{
    if (!s || !*s)
        return SF_EINVAL;
    char *c = strdup(s);
    if (!c)
        return SF_ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

int sf_ctx_new(sf_ctx **out)
{
    if (!out)
        return SF_EINVAL;
    *out = NULL;
    sf_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return SF_ENOMEM;
    if (set_str(&c->state_dir, "/var/lib/safeflash") || set_str(&c->keys_dir, "/etc/safeflash/keys") ||
        set_str(&c->sysfs, "/sys")) {
        sf_ctx_free(c);
        return SF_ENOMEM;
    }
    *out = c;
    return 0;
}

void sf_ctx_free(sf_ctx *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nbackends; i++)
        if (c->b[i].free_arg)
            c->b[i].free_arg(c->b[i].arg);
    if (c->scsi.free_arg)
        c->scsi.free_arg(c->scsi.arg);
    free(c->sysfs);
    free(c->state_dir);
    free(c->keys_dir);
    free(c);
}

int sf_ctx_set_state_dir(sf_ctx *c, const char *dir)
{
    if (!c || !dir || !*dir)
        return SF_EINVAL;
    /* Absolute: the journal records staged images by this path, and a
     * resume may run from another directory. */
    char cwd[PATH_MAX], abs[PATH_MAX * 2];
    if (dir[0] != '/' && getcwd(cwd, sizeof(cwd))) {
        snprintf(abs, sizeof(abs), "%s/%s", cwd, dir);
        dir = abs;
    }
    return set_str(&c->state_dir, dir);
}

const char *sf_ctx_state_dir(const sf_ctx *c)
{
    return c->state_dir;
}

int sf_ctx_set_keys_dir(sf_ctx *c, const char *dir)
{
    return c ? set_str(&c->keys_dir, dir) : SF_EINVAL;
}

const char *sf_ctx_keys_dir(const sf_ctx *c)
{
    return c->keys_dir;
}

int sf_ctx_set_flash_backend(sf_ctx *c, const char *prefix, sf_flash_open_fn fn, void *arg,
                             void (*free_arg)(void *arg))
{
    if (!c || !prefix || !fn || !*prefix || strlen(prefix) >= sizeof(c->b[0].prefix) ||
        prefix[strlen(prefix) - 1] != ':')
        return SF_EINVAL;
    size_t i = 0;
    while (i < c->nbackends && strcmp(c->b[i].prefix, prefix))
        i++;
    if (i == SF_CTX_MAX_BACKENDS)
        return SF_ENOMEM;
    if (i < c->nbackends && c->b[i].free_arg)
        c->b[i].free_arg(c->b[i].arg);
    if (i == c->nbackends)
        c->nbackends++;
    snprintf(c->b[i].prefix, sizeof(c->b[i].prefix), "%s", prefix);
    c->b[i].fn = fn;
    c->b[i].arg = arg;
    c->b[i].free_arg = free_arg;
    return 0;
}

int sf_ctx_flash_open(sf_ctx *c, const char *target, struct sf_flash **out, struct sf_errctx *ec)
{
    for (size_t i = 0; i < c->nbackends; i++) {
        size_t l = strlen(c->b[i].prefix);
        if (!strncmp(target, c->b[i].prefix, l))
            return c->b[i].fn(c->b[i].arg, target + l, target, out, ec);
    }
    if (!strncmp(target, "mtd:", 4))
        return sf_mtd_open(target + 4, target, out, ec);
    return sf_err_set(ec, SF_ENODEV, "%s: no flash backend for this target (mtd:/dev/mtdN%s)",
                      target, c->nbackends ? ", or a registered one" : "");
}

int sf_ctx_set_scsi_backend(sf_ctx *c, sf_scsi_open_fn open, sf_scsi_paths_fn paths, void *arg,
                            void (*free_arg)(void *arg))
{
    if (!c || !open)
        return SF_EINVAL;
    if (c->scsi.free_arg)
        c->scsi.free_arg(c->scsi.arg);
    c->scsi.open = open;
    c->scsi.paths = paths;
    c->scsi.arg = arg;
    c->scsi.free_arg = free_arg;
    return 0;
}

int sf_ctx_scsi_open(sf_ctx *c, const char *path, struct sf_transport **out, struct sf_errctx *ec)
{
    if (c && c->scsi.open) {
        int rc = c->scsi.open(c->scsi.arg, path, out, ec);
        if (rc != SF_SCSI_PASSTHROUGH)
            return rc;
    }
    return sf_sgio_open(path, out, ec);
}

int sf_ctx_scsi_paths(sf_ctx *c, char (*list)[256], size_t max, struct sf_errctx *ec)
{
    return c && c->scsi.paths ? c->scsi.paths(c->scsi.arg, list, max, ec) : 0;
}

int sf_ctx_set_sysfs_root(sf_ctx *c, const char *dir)
{
    return c ? set_str(&c->sysfs, dir) : SF_EINVAL;
}

const char *sf_ctx_sysfs(const sf_ctx *c)
{
    return c && c->sysfs ? c->sysfs : "/sys";
}

int sf_ctx_set_password_cb(sf_ctx *ctx, sf_password_fn fn, void *arg)
{
    if (!ctx)
        return SF_EINVAL;
    ctx->pw.fn = fn;
    ctx->pw.arg = arg;
    return 0;
}

int sf_ctx_password(sf_ctx *ctx, const char *user, const char *host, char *out, size_t cap)
{
    out[0] = '\0';
    return ctx->pw.fn ? ctx->pw.fn(ctx->pw.arg, user, host, out, cap) : SF_EACCES;
}
