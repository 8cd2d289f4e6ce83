/*
 * sf_devopen.c - transport selection.  See sf_devopen.h.
 */
#define _GNU_SOURCE
#include "sf_devopen.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/sf_emu_conf.h"
#include "transport/sf_emutr.h"
#include "transport/sf_sgio.h"

int sf_devopen_preloaded(void)
{
    return dlsym(RTLD_DEFAULT, "sf_emu_preload_active") != NULL;
}

int sf_devopen_emu_paths(char (*paths)[256], size_t max, struct sf_errctx *ec)
{
    const char *conf = getenv("SAFEFLASH_EMU");
    if (!conf || !*conf)
        return 0;
    struct sf_emu_conf *c = malloc(sizeof(*c));
    if (!c)
        return SF_ENOMEM;
    int rc = sf_emu_conf_load(conf, c, ec);
    if (rc) {
        free(c);
        return rc;
    }
    size_t n = 0;
    for (; n < c->ndev && n < max; n++)
        snprintf(paths[n], 256, "%s", c->dev[n].path);
    free(c);
    return (int)n;
}

static int declared(const char *conf, const char *path)
{
    struct sf_emu_conf *c = malloc(sizeof(*c));
    if (!c)
        return 0;
    int found = sf_emu_conf_load(conf, c, NULL) == 0 && sf_emu_conf_find(c, path) >= 0;
    free(c);
    return found;
}

int sf_devopen(const char *path, struct sf_transport **out, struct sf_errctx *ec)
{
    if (!path || !out)
        return SF_EINVAL;
    const char *mode = getenv("SAFEFLASH_TRANSPORT");
    const char *conf = getenv("SAFEFLASH_EMU");
    if (mode && !strcmp(mode, "sgio"))
        return sf_sgio_open(path, out, ec);
    if (mode && !strcmp(mode, "emu")) {
        if (!conf || !*conf)
            return sf_err_set(ec, SF_ECONFIG,
                              "SAFEFLASH_TRANSPORT=emu needs SAFEFLASH_EMU to name a config");
        return sf_emutr_open(conf, path, out, ec);
    }
    if (mode && *mode && strcmp(mode, "auto"))
        return sf_err_set(ec, SF_ECONFIG, "SAFEFLASH_TRANSPORT must be auto, sgio or emu, not \"%s\"",
                          mode);
    if (conf && *conf && !sf_devopen_preloaded() && declared(conf, path))
        return sf_emutr_open(conf, path, out, ec);
    return sf_sgio_open(path, out, ec);
}
