/*
 * sf_install_plan.c - planning installs/activations: open and identify
 * every path, choose the targets, refuse before any write what cannot
 * work.  See sf_install.h.
 */
#include "engine/sf_install_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/sf_ctx.h"
#include "engine/sf_wbdl.h"
#include "util/sf_workers.h"

uint64_t sf_inst_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sf_inst_copy_trim(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
    sf_rtrim(dst);
}

static struct sf_target *add_target(struct sf_plan *p, struct sf_install_dev *d, const char *path)
{
    struct sf_target *nt = realloc(p->t, (p->n + 1) * sizeof(*p->t));
    if (!nt)
        return NULL;
    p->t = nt;
    struct sf_target *t = &p->t[p->n++];
    memset(t, 0, sizeof(*t));
    t->dev = d;
    snprintf(t->path, sizeof(t->path), "%s", path);
    return t;
}

/* A path that is not an enclosure: one target, the logical unit itself. */
static int plan_drive(struct sf_plan *p, struct sf_install_dev *d, const struct sf_inquiry *inq,
                      const char *path, uint32_t image_len, const struct sf_install_opts *o,
                      struct sf_errctx *ec)
{
    if (o->sub_id > 0)
        return sf_err_set(ec, SF_ENODEV, "%s: not an enclosure, so there is no subenclosure %d "
                          "(a drive is one target: leave --subenclosure out)", path, o->sub_id);
    int rc = sf_drive_probe(&d->s, inq, &d->drv, ec);
    if (rc)
        return rc;
    d->is_drive = 1;
    if (image_len > 1) {
        /* Can any mode this install may use carry the image?  Refused
         * here, before anything is written. */
        uint8_t modes[3];
        int n = sf_wbdl_modes(o->dl.mode, modes), ok = 0;
        char why[200] = "";
        for (int i = 0; i < n && !ok; i++)
            ok = sf_wb_chunk(modes[i], image_len, o->dl.chunk_max,
                             d->drv.have_desc ? &d->drv.desc : NULL, SF_WBDL_DEFAULT_CHUNK, why,
                             sizeof(why)) != 0;
        if (!ok)
            return sf_err_set(ec, SF_ERANGE, "%s: %s: nothing was written", path, why);
    }
    struct sf_target *t = add_target(p, d, path);
    if (!t)
        return SF_ENOMEM;
    t->drive = 1;
    sf_inst_copy_trim(t->vendor, sizeof(t->vendor), d->drv.inq.vendor);
    sf_inst_copy_trim(t->product, sizeof(t->product), d->drv.inq.product);
    sf_inst_copy_trim(t->rev_before, sizeof(t->rev_before), d->drv.inq.revision);
    t->max_size = SF_WB_MAX_IMAGE;
    return 0;
}

/* Open and identify one path: its device and targets go into p (a plan
 * of its own, merged by the caller). */
static int plan_path(sf_ctx *ctx, struct sf_plan *p, const char *path, uint32_t image_len,
                     const struct sf_install_opts *o, struct sf_errctx *ec)
{
    struct sf_install_dev *d = calloc(1, sizeof(*d));
    if (!d)
        return SF_ENOMEM;
    p->devs[p->ndev++] = d;
    int rc = sf_ctx_scsi_open(ctx, path, &d->tr, ec);
    if (rc)
        return rc;
    sf_scsi_init(&d->s, d->tr);
    if (o->cmd_timeout_ms)
        d->s.pol.timeout_ms = o->cmd_timeout_ms;
    /* One INQUIRY decides which engine serves the path, and both carry on
     * from it. */
    struct sf_inquiry inq;
    rc = sf_encl_inquiry(&d->s, &inq, ec);
    if (rc == SF_ENOTENCL) {
        sf_errctx_clear(ec);
        return plan_drive(p, d, &inq, path, image_len, o, ec);
    }
    if (!rc)
        rc = sf_encl_probe_known(&d->s, &inq, 0, &d->e, ec);
    if (rc)
        return rc;
    if (o->dl.chunk_max && ((o->dl.chunk_max & 3) || o->dl.chunk_max > SF_SES_DL_MAX_CHUNK))
        return sf_err_set(ec, SF_EINVAL, "%s: --chunk-size for an enclosure must be a multiple "
                          "of 4 from 4 to %u (a Download Microcode page), not %u", path,
                          SF_SES_DL_MAX_CHUNK, o->dl.chunk_max);
    if (o->dl.mode == SF_MODE_SAVE || o->dl.mode == SF_MODE_EVENTS)
        return sf_err_set(ec, SF_EINVAL, "%s: WRITE BUFFER mode %s is for drives; an enclosure "
                          "takes auto, deferred (0Eh) or immediate (07h)", path,
                          o->dl.mode == SF_MODE_SAVE ? "05h" : "0Dh");
    d->probed_ms = sf_inst_mono_ms();
    d->ncmds_at_probe = d->s.ncmds;
    if (!d->e->have_dl)
        return sf_err_set(ec, SF_ENOTSUP, "%s: this enclosure does not offer the Download "
                          "Microcode pages (0Eh)", path);
    const struct sf_ses_config *cfg = d->e->cfg;
    int matched = 0;
    for (size_t k = 0; k < cfg->nsub; k++) {
        const struct sf_ses_subenc *sub = &cfg->sub[k];
        if (o->sub_id >= 0 && sub->id != o->sub_id)
            continue;
        matched = 1;
        const struct sf_ses_dl_desc *dd = sf_ses_dl_status_find(&d->e->dl, sub->id);
        if (!dd)
            return sf_err_set(ec, SF_ENOTSUP, "%s: subenclosure %u has no download microcode "
                              "status descriptor", path, sub->id);
        if (image_len && image_len > dd->max_size)
            return sf_err_set(ec, SF_ERANGE, "%s: image is %u bytes; subenclosure %u accepts at "
                              "most %u: nothing was written", path, image_len, sub->id,
                              dd->max_size);
        struct sf_target *t = add_target(p, d, path);
        if (!t)
            return SF_ENOMEM;
        t->sub_id = sub->id;
        sf_inst_copy_trim(t->vendor, sizeof(t->vendor), sub->vendor);
        sf_inst_copy_trim(t->product, sizeof(t->product), sub->product);
        sf_inst_copy_trim(t->rev_before, sizeof(t->rev_before), sub->revision);
        t->max_size = dd->max_size;
        t->dl_status_at_plan = dd->status;
        t->expected_offset_at_plan = dd->expected_offset;
    }
    if (!matched)
        return sf_err_set(ec, SF_ENODEV, "%s: no subenclosure %d (the enclosure has %zu)", path,
                          o->sub_id, cfg->nsub);
    return 0;
}

/* Identifying several paths at once (--jobs): each worker takes the next. */
struct ident {
    sf_ctx *ctx;
    const char *const *paths;
    uint32_t image_len;
    const struct sf_install_opts *o;
    struct sf_plan *per;        /* one plan per path */
    int *rc;
    struct sf_errctx *ec;
};

static void ident_one(void *arg, size_t i)
{
    struct ident *id = arg;
    id->rc[i] = plan_path(id->ctx, &id->per[i], id->paths[i], id->image_len, id->o, &id->ec[i]);
}

/* Move per-path plans (in path order) into p. */
static int merge(struct sf_plan *p, struct sf_plan *per, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += per[i].n;
    p->t = calloc(total ? total : 1, sizeof(*p->t));
    if (!p->t)
        return SF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < per[i].ndev; k++)
            p->devs[p->ndev++] = per[i].devs[k];
        per[i].ndev = 0;
        if (per[i].n)
            memcpy(&p->t[p->n], per[i].t, per[i].n * sizeof(*p->t));
        p->n += per[i].n;
    }
    return 0;
}

int sf_install_plan(sf_ctx *ctx, const char *const *paths, size_t npaths, uint32_t image_len,
                    const struct sf_install_opts *o, struct sf_plan **out, struct sf_errctx *ec)
{
    if (!paths || !npaths || !o || !out)
        return SF_EINVAL;
    *out = NULL;
    for (size_t i = 0; i < npaths; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(paths[i], paths[j]))
                return sf_err_set(ec, SF_EINVAL, "%s is named twice", paths[i]);
    struct sf_plan *p = calloc(1, sizeof(*p));
    struct sf_plan *per = calloc(npaths, sizeof(*per));
    struct sf_install_dev **devs = calloc(npaths, sizeof(*devs));
    int *rcs = calloc(npaths, sizeof(*rcs));
    struct sf_errctx *ecs = calloc(npaths, sizeof(*ecs));
    int rc = p && per && devs && rcs && ecs ? 0 : SF_ENOMEM;
    for (size_t i = 0; !rc && i < npaths; i++)
        if (!(per[i].devs = calloc(1, sizeof(*per[i].devs))))
            rc = SF_ENOMEM;
    if (rc)
        goto out;
    p->image_len = image_len;
    p->devs = devs;
    devs = NULL;
    struct ident id = { ctx, paths, image_len, o, per, rcs, ecs };
    sf_workers_run(npaths, o->jobs > 1 ? o->jobs : 1, ident_one, &id);
    for (size_t i = 0; i < npaths && !rc; i++)
        if (rcs[i]) {
            rc = rcs[i];
            if (ec)
                *ec = ecs[i];
        }
    if (!rc)
        rc = merge(p, per, npaths);
out:
    for (size_t i = 0; per && i < npaths; i++) {
        for (size_t k = 0; k < per[i].ndev; k++)
            if (p && p->devs) /* not merged: freed with p */
                p->devs[p->ndev++] = per[i].devs[k];
        free(per[i].devs);
        free(per[i].t);
    }
    free(per);
    free(devs);
    free(rcs);
    free(ecs);
    if (rc) {
        sf_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

const char *sf_dl_mode_key(enum sf_dl_mode_choice m)
{
    switch (m) {
    case SF_MODE_DEFERRED: return "deferred";
    case SF_MODE_IMMEDIATE: return "immediate";
    case SF_MODE_SAVE: return "save";
    case SF_MODE_EVENTS: return "events";
    default: return "auto";
    }
}

int sf_dl_mode_parse(const char *s, enum sf_dl_mode_choice *m)
{
    static const struct { const char *name; enum sf_dl_mode_choice m; } names[] = {
        { "auto", SF_MODE_AUTO }, { "deferred", SF_MODE_DEFERRED },
        { "immediate", SF_MODE_IMMEDIATE }, { "save", SF_MODE_SAVE }, { "events", SF_MODE_EVENTS },
    };
    if (!s || !*s) {
        *m = SF_MODE_AUTO;
        return 0;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(s, names[i].name)) {
            *m = names[i].m;
            return 0;
        }
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 16);
    if (end == s || (*end && strcmp(end, "h") && strcmp(end, "H")))
        return SF_EINVAL;
    switch (v) {
    case 0x05: *m = SF_MODE_SAVE; return 0;
    case 0x07: *m = SF_MODE_IMMEDIATE; return 0;
    case 0x0d: *m = SF_MODE_EVENTS; return 0;
    case 0x0e: *m = SF_MODE_DEFERRED; return 0;
    default: return SF_EINVAL;
    }
}

int sf_install_fits(const struct sf_target *t, uint32_t len, const struct sf_install_opts *o,
                    struct sf_errctx *ec)
{
    if (!t->drive) {
        if (len > t->max_size)
            return sf_err_set(ec, SF_ERANGE, "%s: image is %u bytes; subenclosure %u accepts at "
                              "most %u: nothing was written", t->path, len, t->sub_id,
                              t->max_size);
        return 0;
    }
    const struct sf_drive *d = &t->dev->drv;
    uint8_t modes[3];
    int n = sf_wbdl_modes(o->dl.mode, modes), ok = 0;
    char why[200] = "";
    for (int k = 0; k < n && !ok; k++)
        ok = sf_wb_chunk(modes[k], len, o->dl.chunk_max, d->have_desc ? &d->desc : NULL,
                         SF_WBDL_DEFAULT_CHUNK, why, sizeof(why)) != 0;
    if (!ok)
        return sf_err_set(ec, SF_ERANGE, "%s: %s: nothing was written", t->path, why);
    return 0;
}
