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

#include "engine/sf_devopen.h"
#include "engine/sf_wbdl.h"

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

int sf_install_plan(const char *const *paths, size_t npaths, uint32_t image_len,
                    const struct sf_install_opts *o, struct sf_plan **out, struct sf_errctx *ec)
{
    if (!paths || !npaths || !o || !out)
        return SF_EINVAL;
    *out = NULL;
    int rc = 0;
    struct sf_plan *p = calloc(1, sizeof(*p));
    if (!p)
        return SF_ENOMEM;
    p->image_len = image_len;
    p->devs = calloc(npaths, sizeof(*p->devs));
    if (!p->devs) {
        rc = SF_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < npaths; i++) {
        for (size_t j = 0; j < i; j++)
            if (!strcmp(paths[i], paths[j])) {
                rc = sf_err_set(ec, SF_EINVAL, "%s is named twice", paths[i]);
                goto fail;
            }
        struct sf_install_dev *d = calloc(1, sizeof(*d));
        if (!d) {
            rc = SF_ENOMEM;
            goto fail;
        }
        p->devs[p->ndev++] = d;
        rc = sf_devopen(paths[i], &d->tr, ec);
        if (rc)
            goto fail;
        sf_scsi_init(&d->s, d->tr);
        if (o->cmd_timeout_ms)
            d->s.pol.timeout_ms = o->cmd_timeout_ms;
        /* One INQUIRY decides which engine serves the path, and both
         * carry on from it. */
        struct sf_inquiry inq;
        rc = sf_encl_inquiry(&d->s, &inq, ec);
        if (rc == SF_ENOTENCL) {
            sf_errctx_clear(ec);
            rc = plan_drive(p, d, &inq, paths[i], image_len, o, ec);
            if (rc)
                goto fail;
            continue;
        }
        if (!rc)
            rc = sf_encl_probe_known(&d->s, &inq, 0, &d->e, ec);
        if (rc)
            goto fail;
        if (o->dl.chunk_max && ((o->dl.chunk_max & 3) || o->dl.chunk_max > SF_SES_DL_MAX_CHUNK)) {
            rc = sf_err_set(ec, SF_EINVAL, "%s: --chunk-size for an enclosure must be a multiple "
                            "of 4 from 4 to %u (a Download Microcode page), not %u", paths[i],
                            SF_SES_DL_MAX_CHUNK, o->dl.chunk_max);
            goto fail;
        }
        if (o->dl.mode == SF_MODE_SAVE || o->dl.mode == SF_MODE_EVENTS) {
            rc = sf_err_set(ec, SF_EINVAL, "%s: WRITE BUFFER mode %s is for drives; an enclosure "
                            "takes auto, deferred (0Eh) or immediate (07h)", paths[i],
                            o->dl.mode == SF_MODE_SAVE ? "05h" : "0Dh");
            goto fail;
        }
        d->probed_ms = sf_inst_mono_ms();
        d->ncmds_at_probe = d->s.ncmds;
        if (!d->e->have_dl) {
            rc = sf_err_set(ec, SF_ENOTSUP,
                            "%s: this enclosure does not offer the Download Microcode pages (0Eh)",
                            paths[i]);
            goto fail;
        }
        const struct sf_ses_config *cfg = d->e->cfg;
        int matched = 0;
        for (size_t k = 0; k < cfg->nsub; k++) {
            const struct sf_ses_subenc *sub = &cfg->sub[k];
            if (o->sub_id >= 0 && sub->id != o->sub_id)
                continue;
            matched = 1;
            const struct sf_ses_dl_desc *dd = sf_ses_dl_status_find(&d->e->dl, sub->id);
            if (!dd) {
                rc = sf_err_set(ec, SF_ENOTSUP,
                                "%s: subenclosure %u has no download microcode status descriptor",
                                paths[i], sub->id);
                goto fail;
            }
            if (image_len && image_len > dd->max_size) {
                rc = sf_err_set(ec, SF_ERANGE,
                                "%s: image is %u bytes; subenclosure %u accepts at most %u: nothing "
                                "was written", paths[i], image_len, sub->id, dd->max_size);
                goto fail;
            }
            struct sf_target *t = add_target(p, d, paths[i]);
            if (!t) {
                rc = SF_ENOMEM;
                goto fail;
            }
            t->sub_id = sub->id;
            sf_inst_copy_trim(t->vendor, sizeof(t->vendor), sub->vendor);
            sf_inst_copy_trim(t->product, sizeof(t->product), sub->product);
            sf_inst_copy_trim(t->rev_before, sizeof(t->rev_before), sub->revision);
            t->max_size = dd->max_size;
            t->dl_status_at_plan = dd->status;
            t->expected_offset_at_plan = dd->expected_offset;
        }
        if (!matched) {
            rc = sf_err_set(ec, SF_ENODEV, "%s: no subenclosure %d (the enclosure has %zu)",
                            paths[i], o->sub_id, cfg->nsub);
            goto fail;
        }
    }
    *out = p;
    return 0;
fail:
    sf_plan_free(p);
    return rc;
}
