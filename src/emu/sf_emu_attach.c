/*
 * sf_emu_attach.c - the simulators' registration with a library context
 * (include/safeflash/sf_emu.h).
 */
#include "safeflash/sf_emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/sf_emu_conf.h"
#include "emu/sf_nor.h"
#include "transport/sf_emutr.h"

static int nor_open(void *arg, const char *path, const char *target, struct sf_flash **out,
                    struct sf_errctx *ec)
{
    return sf_nor_open(path, target, arg, out, ec);
}

int sf_emu_nor_attach(sf_ctx *ctx, const char *spec, struct sf_errctx *ec)
{
    struct sf_nor_opts *o = malloc(sizeof(*o));
    if (!o)
        return SF_ENOMEM;
    sf_nor_opts_default(o);
    char why[200] = "";
    if (spec && *spec && sf_nor_opts_parse(spec, o, why, sizeof(why))) {
        free(o);
        return sf_err_set(ec, SF_ECONFIG, "SAFEFLASH_NOR: %s", why);
    }
    int rc = sf_ctx_set_flash_backend(ctx, "file:", nor_open, o, free);
    if (rc)
        free(o);
    return rc;
}

struct scsi_emu {
    enum sf_emu_scsi_mode mode;
    char conf[];
};

/* The config, read now (it may change between two opens, as a test edits
 * it); *c is the caller's. */
static int load(const struct scsi_emu *e, struct sf_emu_conf **c, struct sf_errctx *ec)
{
    *c = malloc(sizeof(**c));
    if (!*c)
        return SF_ENOMEM;
    int rc = sf_emu_conf_load(e->conf, *c, ec);
    if (rc) {
        free(*c);
        *c = NULL;
    }
    return rc;
}

static int scsi_open(void *arg, const char *path, struct sf_transport **out, struct sf_errctx *ec)
{
    const struct scsi_emu *e = arg;
    if (e->mode == SF_EMU_SCSI_LIST_ONLY)
        return SF_SCSI_PASSTHROUGH;
    if (e->mode == SF_EMU_SCSI_ALL)
        return sf_emutr_open(e->conf, path, out, ec);
    struct sf_emu_conf *c = NULL;
    if (load(e, &c, NULL))
        return SF_SCSI_PASSTHROUGH; /* an unusable config declares nothing */
    int mine = sf_emu_conf_find(c, path) >= 0;
    free(c);
    return mine ? sf_emutr_open(e->conf, path, out, ec) : SF_SCSI_PASSTHROUGH;
}

static int scsi_paths(void *arg, char (*list)[256], size_t max, struct sf_errctx *ec)
{
    struct sf_emu_conf *c = NULL;
    int rc = load(arg, &c, ec);
    if (rc)
        return rc;
    size_t n = 0;
    for (; n < c->ndev && n < max; n++)
        snprintf(list[n], 256, "%s", c->dev[n].path);
    free(c);
    return (int)n;
}

int sf_emu_scsi_attach(sf_ctx *ctx, const char *conf, enum sf_emu_scsi_mode mode,
                       struct sf_errctx *ec)
{
    if (!ctx || !conf || !*conf)
        return sf_err_set(ec, SF_EINVAL, "the emulator needs a config");
    struct scsi_emu *e = malloc(sizeof(*e) + strlen(conf) + 1);
    if (!e)
        return SF_ENOMEM;
    e->mode = mode;
    memcpy(e->conf, conf, strlen(conf) + 1);
    int rc = sf_ctx_set_scsi_backend(ctx, scsi_open, scsi_paths, e, free);
    if (rc)
        free(e);
    return rc;
}
