/*
 * sf_emu_attach.c - the simulators' registration with a library context
 * (include/safeflash/sf_emu.h).
 */
#include "safeflash/sf_emu.h"

#include <stdlib.h>

#include "emu/sf_nor.h"

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
