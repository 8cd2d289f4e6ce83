/*
 * sf_discover.c - device enumeration.  See sf_discover.h.
 */
#define _GNU_SOURCE
#include "sf_discover.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_devopen.h"

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

int sf_discover(int all, struct sf_candidate **out, size_t *n, struct sf_errctx *ec)
{
    if (!out || !n)
        return SF_EINVAL;
    *out = NULL;
    *n = 0;
    const char *sysfs = getenv("SAFEFLASH_SYSFS");
    if (!sysfs || !*sysfs)
        sysfs = "/sys";

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
    int ne = sf_devopen_emu_paths(emu, SF_EMU_DECL_MAX, ec);
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
