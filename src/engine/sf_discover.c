/*
 * sf_discover.c - device enumeration.  See sf_discover.h.
 */
#define _GNU_SOURCE
#include "sf_discover.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_ctx.h"
#include "engine/sf_encl.h"

struct sgname {
    long num;
    char name[64];
};

static int cmp_sg(const void *a, const void *b)
{
    const struct sgname *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

static int read_type(const char *sysfs, const char *name)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/class/scsi_generic/%s/device/type", sysfs, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    int t = -1;
    if (fscanf(f, "%d", &t) != 1)
        t = -1;
    fclose(f);
    return t;
}

int sf_discover(sf_ctx *ctx, int all, struct sf_candidate **out, size_t *n,
                struct sf_errctx *ec)
{
    if (!out || !n)
        return SF_EINVAL;
    *out = NULL;
    *n = 0;
    const char *sysfs = sf_ctx_sysfs(ctx);

    size_t cap = 16, cnt = 0;
    struct sf_candidate *v = calloc(cap, sizeof(*v));
    struct sgname *names = NULL;
    size_t nn = 0;
    int rc = 0;
    if (!v)
        return SF_ENOMEM;

    char dpath[512];
    snprintf(dpath, sizeof(dpath), "%s/class/scsi_generic", sysfs);
    DIR *d = opendir(dpath);
    if (d) {
        struct dirent *de;
        size_t ncap = 0;
        while ((de = readdir(d))) {
            if (strncmp(de->d_name, "sg", 2) != 0)
                continue;
            char *end;
            long num = strtol(de->d_name + 2, &end, 10);
            if (*end || end == de->d_name + 2)
                continue;
            if (nn == ncap) {
                ncap = ncap ? 2 * ncap : 16;
                struct sgname *t = realloc(names, ncap * sizeof(*names));
                if (!t) {
                    rc = SF_ENOMEM;
                    break;
                }
                names = t;
            }
            names[nn].num = num;
            snprintf(names[nn].name, sizeof(names[nn].name), "%s", de->d_name);
            nn++;
        }
        closedir(d);
        if (rc)
            goto fail;
        qsort(names, nn, sizeof(*names), cmp_sg);
    }

    char (*emu)[256] = calloc(SF_EMU_DECL_MAX, 256);
    if (!emu) {
        rc = SF_ENOMEM;
        goto fail;
    }
    int ne = sf_ctx_scsi_paths(ctx, emu, SF_EMU_DECL_MAX, ec);
    if (ne < 0) {
        free(emu);
        rc = ne;
        goto fail;
    }

    for (size_t i = 0; i < nn + (size_t)ne; i++) {
        struct sf_candidate c = { .pdt = -1 };
        if (i < nn) {
            c.pdt = read_type(sysfs, names[i].name);
            if (!all && c.pdt != 0x0d)
                continue;
            snprintf(c.path, sizeof(c.path), "/dev/%s", names[i].name);
            c.source = "sysfs";
        } else {
            snprintf(c.path, sizeof(c.path), "%s", emu[i - nn]);
            c.source = "emulator";
            /* A declared path that sysfs already listed is one device. */
            int dup = 0;
            for (size_t j = 0; j < cnt; j++)
                dup |= !strcmp(v[j].path, c.path);
            if (dup)
                continue;
        }
        if (cnt == cap) {
            cap *= 2;
            struct sf_candidate *t = realloc(v, cap * sizeof(*v));
            if (!t) {
                free(emu);
                rc = SF_ENOMEM;
                goto fail;
            }
            v = t;
        }
        v[cnt++] = c;
    }
    free(emu);
    free(names);
    *out = v;
    *n = cnt;
    return 0;
fail:
    free(names);
    free(v);
    return rc;
}

int sf_discover_modules(sf_ctx *ctx, uint64_t logical_id, struct sf_module **out, size_t *n,
                        struct sf_errctx *ec)
{
    *out = NULL;
    *n = 0;
    struct sf_candidate *c = NULL;
    size_t nc = 0;
    int rc = sf_discover(ctx, 0, &c, &nc, ec);
    if (rc)
        return rc;
    struct sf_module *m = calloc(nc ? nc : 1, sizeof(*m));
    if (!m) {
        free(c);
        return SF_ENOMEM;
    }
    for (size_t i = 0; i < nc; i++) {
        struct sf_transport *tr = NULL;
        if (sf_ctx_scsi_open(ctx, c[i].path, &tr, NULL))
            continue;
        struct sf_scsi s;
        sf_scsi_init(&s, tr);
        struct sf_encl *e = NULL;
        if (sf_encl_probe_ex(&s, 0, &e, NULL) == 0 && e->cfg && e->cfg->nsub &&
            sf_encl_logical_id(e) == logical_id) {
            struct sf_module *x = &m[(*n)++];
            snprintf(x->path, sizeof(x->path), "%s", c[i].path);
            x->esp_id = e->cfg->sub[0].rel_esp_id;
            x->esp_count = e->cfg->sub[0].num_esp;
            snprintf(x->revision, sizeof(x->revision), "%s", e->cfg->sub[0].revision);
            sf_rtrim(x->revision);
        }
        sf_encl_free(e);
        sf_transport_close(tr);
    }
    free(c);
    *out = m;
    return 0;
}
