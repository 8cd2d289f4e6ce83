/*
 * sf_api_device.c - the public device API (include/safeflash/sf_device.h)
 * over discovery (sf_discover.c), the context's SCSI transports (sf_ctx.c),
 * enclosure identification (sf_encl.c) and the journal (sf_history.c).
 * It copies what those modules found into the public structs and adds the
 * findings across paths (modules of one enclosure that disagree); it
 * prints nothing.
 */
#include "safeflash/sf_device.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/sf_ctx.h"
#include "engine/sf_discover.h"
#include "engine/sf_encl.h"
#include "util/sf_workers.h"
#include "state/sf_history.h"

#define LIST_MAX_WARN 8

/* Copy a SCSI ASCII field without its trailing spaces. */
static void field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
    sf_rtrim(dst);
}

static void inquiry_fields(struct sf_device_entry *d, const struct sf_inquiry *inq)
{
    d->pdt = inq->pdt;
    field(d->vendor, sizeof(d->vendor), inq->vendor);
    field(d->product, sizeof(d->product), inq->product);
    field(d->revision, sizeof(d->revision), inq->revision);
}

/* Identify candidate c into d (zeroed).  Returns 1 when d is to be listed. */
static int probe(sf_ctx *ctx, const struct sf_candidate *c, int all, struct sf_device_entry *d)
{
    snprintf(d->path, sizeof(d->path), "%s", c->path);
    snprintf(d->source, sizeof(d->source), "%s", c->source);
    struct sf_errctx ec = { 0 };
    struct sf_transport *tr = NULL;
    int rc = sf_ctx_scsi_open(ctx, c->path, &tr, &ec);
    if (!rc) {
        struct sf_scsi s;
        sf_scsi_init(&s, tr);
        struct sf_encl *e = NULL;
        rc = sf_encl_probe(&s, &e, &ec);
        if (!rc) {
            d->enclosure = 1;
            inquiry_fields(d, &e->inq);
            d->logical_id = sf_encl_logical_id(e);
            d->subenclosures = e->cfg ? e->cfg->nsub : 0;
            if (e->cfg && e->cfg->nsub) {
                d->es_process = e->cfg->sub[0].rel_esp_id;
                d->es_processes = e->cfg->sub[0].num_esp;
                field(d->module_revision, sizeof(d->module_revision), e->cfg->sub[0].revision);
            }
            sf_encl_free(e);
        } else if (rc == SF_ENOTENCL && all) {
            /* sf_encl_probe stops at INQUIRY; read it again for the entry. */
            struct sf_errctx ec2 = { 0 };
            struct sf_inquiry inq;
            memset(&inq, 0, sizeof(inq));
            rc = sf_encl_inquiry(&s, &inq, &ec2);
            if (rc == SF_ENOTENCL)
                rc = 0;
            else if (rc)
                ec = ec2;
            inquiry_fields(d, &inq);
        }
        sf_transport_close(tr);
    }
    d->err = rc;
    if (rc)
        snprintf(d->error, sizeof(d->error), "%s", ec.msg[0] ? ec.msg : sf_err_str(rc));
    /* Without `all`, an emulated device that is not an enclosure is not
     * listed; a sysfs node that said 0Dh but whose INQUIRY disagrees is. */
    return all || rc != SF_ENOTENCL || strcmp(c->source, "emulator");
}

/* The modules of one enclosure running different revisions, once per
 * enclosure (at its first entry): up to LIST_MAX_WARN lines in w. */
static int mixed_warnings(const struct sf_device_entry *v, size_t n, char **w)
{
    size_t nw = 0;
    for (size_t i = 0; i < n && nw < LIST_MAX_WARN; i++) {
        if (!v[i].enclosure || v[i].paths < 2)
            continue;
        int first = 1, mixed = 0;
        for (size_t j = 0; j < i; j++)
            if (v[j].enclosure && v[j].logical_id == v[i].logical_id)
                first = 0;
        if (!first)
            continue;
        char list[256] = "", line[320];
        for (size_t j = i; j < n; j++) {
            if (!v[j].enclosure || v[j].logical_id != v[i].logical_id)
                continue;
            mixed |= strcmp(v[j].module_revision, v[i].module_revision) != 0;
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s on %s", l ? ", " : "",
                     v[j].module_revision, v[j].path);
        }
        if (!mixed)
            continue;
        snprintf(line, sizeof(line), "enclosure %016" PRIx64 ": its modules run different "
                 "revisions (%s)", v[i].logical_id, list);
        if (!(w[nw++] = strdup(line)))
            return SF_ENOMEM;
    }
    return 0;
}

/* Identifying the candidates, several at once: each device is read
 * through its own transport, and a shelf that answers slowly does not
 * hold up the others (reads only). */
#define LIST_JOBS 8
struct probe_pool {
    sf_ctx *ctx;
    struct sf_candidate *cands;
    int all;
    struct sf_device_entry *e;
    int *keep;
};

static void probe_one(void *arg, size_t i)
{
    struct probe_pool *pp = arg;
    pp->keep[i] = probe(pp->ctx, &pp->cands[i], pp->all, &pp->e[i]);
}

int sf_device_list(sf_ctx *ctx, unsigned flags, struct sf_device_list **out,
                   struct sf_errctx *ec)
{
    if (!ctx || !out)
        return SF_EINVAL;
    *out = NULL;
    int all = (flags & SF_DEVICE_LIST_ALL) != 0;
    struct sf_candidate *cands = NULL;
    size_t n = 0;
    int rc = sf_discover(ctx, all, &cands, &n, ec);
    if (rc)
        return rc;
    struct sf_device_list *l = calloc(1, sizeof(*l));
    if (!l || !(l->devices = calloc(n ? n : 1, sizeof(*l->devices))) ||
        !(l->warnings = calloc(LIST_MAX_WARN + 1, sizeof(*l->warnings)))) {
        rc = SF_ENOMEM;
        goto out;
    }
    struct probe_pool pp = { .ctx = ctx, .cands = cands, .all = all, .e = l->devices };
    if (!(pp.keep = calloc(n ? n : 1, sizeof(*pp.keep)))) {
        rc = SF_ENOMEM;
        goto out;
    }
    sf_workers_run(n, LIST_JOBS, probe_one, &pp);
    /* Kept entries in the order found. */
    for (size_t i = 0; i < n; i++) {
        if (!pp.keep[i])
            continue;
        if (l->count != i)
            l->devices[l->count] = l->devices[i];
        l->count++;
    }
    if (l->count < n)
        memset(&l->devices[l->count], 0, (n - l->count) * sizeof(l->devices[0]));
    free(pp.keep);
    /* Modules of one enclosure: every path reporting its logical id. */
    for (size_t i = 0; i < l->count; i++)
        for (size_t j = 0; l->devices[i].enclosure && j < l->count; j++)
            if (l->devices[j].enclosure && l->devices[j].logical_id == l->devices[i].logical_id)
                l->devices[i].paths++;
    rc = mixed_warnings(l->devices, l->count, l->warnings);
out:
    free(cands);
    if (rc) {
        sf_device_list_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void sf_device_list_free(struct sf_device_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->warnings && l->warnings[i]; i++)
        free(l->warnings[i]);
    free(l->warnings);
    free(l->devices);
    free(l);
}

/* ---- one enclosure ---- */

/* Open path and identify the enclosure behind it; nothing is left open
 * on failure. */
static int open_encl(sf_ctx *ctx, const char *path, int want_vpd, struct sf_transport **tr, struct sf_scsi *s,
                     struct sf_encl **e, struct sf_errctx *ec)
{
    if (!path)
        return SF_EINVAL;
    int rc = sf_ctx_scsi_open(ctx, path, tr, ec);
    if (rc)
        return rc;
    sf_scsi_init(s, *tr);
    rc = sf_encl_probe_ex(s, want_vpd, e, ec);
    if (rc) {
        sf_transport_close(*tr);
        *tr = NULL;
    }
    return rc;
}

static void warn(struct sf_enclosure_info *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct sf_enclosure_info *x, const char *fmt, ...)
{
    if (x->nwarnings >= SF_ENCLOSURE_MAX_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->warnings[x->nwarnings++], sizeof(x->warnings[0]), fmt, ap);
    va_end(ap);
}

/* What sf_encl found, as the public struct. */
static int encl_info(const struct sf_encl *e, const char *transport, struct sf_enclosure_info *x)
{
    snprintf(x->path, sizeof(x->path), "%s", e->path);
    snprintf(x->transport, sizeof(x->transport), "%s", transport);
    x->pdt = e->inq.pdt;
    field(x->vendor, sizeof(x->vendor), e->inq.vendor);
    field(x->product, sizeof(x->product), e->inq.product);
    field(x->revision, sizeof(x->revision), e->inq.revision);
    x->have_serial = e->have_serial;
    snprintf(x->serial, sizeof(x->serial), "%s", e->serial);
    x->have_device_id = e->have_lu_naa;
    x->device_id = e->lu_naa;
    for (size_t i = 0; e->have_diag_pages && i < e->diag_pages.n; i++)
        x->diag_pages[x->ndiag_pages++] = e->diag_pages.pages[i];
    x->download_microcode = e->have_dl;
    if (e->cfg) {
        x->have_config = 1;
        x->logical_id = sf_encl_logical_id(e);
        x->generation = e->cfg->gen;
        x->subenclosures = calloc(e->cfg->nsub ? e->cfg->nsub : 1, sizeof(*x->subenclosures));
        if (!x->subenclosures)
            return SF_ENOMEM;
        x->nsubenclosures = e->cfg->nsub;
    }
    for (size_t i = 0; i < x->nsubenclosures; i++) {
        const struct sf_ses_subenc *s = &e->cfg->sub[i];
        struct sf_subenclosure_info *o = &x->subenclosures[i];
        o->id = s->id;
        field(o->vendor, sizeof(o->vendor), s->vendor);
        field(o->product, sizeof(o->product), s->product);
        field(o->revision, sizeof(o->revision), s->revision);
        o->logical_id = s->logical_id;
        o->es_processes = s->num_esp;
        const struct sf_ses_dl_desc *d = e->have_dl ? sf_ses_dl_status_find(&e->dl, s->id) : NULL;
        if (d) {
            o->have_download = 1;
            o->download.status = d->status;
            o->download.status_text = sf_ses_dl_status_str(d->status);
            o->download.additional_status = d->addl_status;
            o->download.max_image_size = d->max_size;
            o->download.expected_buffer_id = d->expected_buffer_id;
            o->download.expected_offset = d->expected_offset;
        }
    }
    for (size_t i = 0; i < e->nwarn; i++)
        warn(x, "%s", e->warn[i]);
    return 0;
}

/* The journal: an interrupted install on this enclosure?  Only an
 * existing history is read; describing never creates state. */
static void journal_warnings(sf_ctx *ctx, struct sf_enclosure_info *x)
{
    struct sf_history *h = NULL;
    if (sf_history_open_ro(sf_ctx_state_dir(ctx), &h, NULL) != 0 || !h)
        return;
    char id[17];
    struct sf_unfinished u[8];
    size_t nu = 0;
    snprintf(id, sizeof(id), "%016" PRIx64, x->logical_id);
    sf_history_unfinished(h, id, u, 8, &nu);
    for (size_t i = 0; i < nu; i++)
        warn(x, "an interrupted %s of subenclosure %d is recorded (attempt #%lld, phase %s): "
             "run 'safeflash resume %s'", u[i].action, u[i].sub, (long long)u[i].id, u[i].phase,
             u[i].path);
    sf_history_close(h);
}

/* Other modules (paths) of the same enclosure, and whether they agree. */
static int modules(sf_ctx *ctx, struct sf_enclosure_info *x)
{
    struct sf_module *mods = NULL;
    size_t nm = 0;
    sf_discover_modules(ctx, x->logical_id, &mods, &nm, NULL);
    int mixed = 0;
    if (nm && !(x->modules = calloc(nm, sizeof(*x->modules)))) {
        free(mods);
        return SF_ENOMEM;
    }
    for (size_t i = 0; i < nm; i++) {
        struct sf_enclosure_module *m = &x->modules[x->nmodules++];
        snprintf(m->path, sizeof(m->path), "%s", mods[i].path);
        m->es_process = mods[i].esp_id;
        m->es_processes = mods[i].esp_count;
        snprintf(m->revision, sizeof(m->revision), "%s", mods[i].revision);
        mixed |= strcmp(mods[i].revision, mods[0].revision) != 0;
    }
    if (mixed) {
        char list[120] = "";
        for (size_t i = 0; i < nm; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s on %s", l ? ", " : "", mods[i].revision,
                     mods[i].path);
        }
        warn(x, "the enclosure's modules run different revisions (%s)", list);
    }
    free(mods);
    return 0;
}

int sf_enclosure_describe(sf_ctx *ctx, const char *path, struct sf_enclosure_info **out,
                          struct sf_errctx *ec)
{
    if (!ctx || !out)
        return SF_EINVAL;
    *out = NULL;
    struct sf_transport *tr = NULL;
    struct sf_scsi s;
    struct sf_encl *e = NULL;
    int rc = open_encl(ctx, path, 1, &tr, &s, &e, ec);
    if (rc)
        return rc;
    struct sf_enclosure_info *x = calloc(1, sizeof(*x));
    if (!x) {
        rc = SF_ENOMEM;
        goto out;
    }
    rc = encl_info(e, tr->ops->name, x);
    if (rc)
        goto out;
    journal_warnings(ctx, x);
    rc = modules(ctx, x);
out:
    sf_encl_free(e);
    sf_transport_close(tr);
    if (rc) {
        sf_enclosure_info_free(x);
        return rc;
    }
    *out = x;
    return 0;
}

void sf_enclosure_info_free(struct sf_enclosure_info *e)
{
    if (!e)
        return;
    free(e->subenclosures);
    free(e->modules);
    free(e);
}

/* There is no standard page for partner firmware sync: this speaks the
 * vendor-specific page 80h of the SFEMU shelf (byte 4 bit 0), and only to
 * a device that lists page 80h and reports vendor SFEMU - other vendors'
 * controls would be added here, by vendor. */
int sf_enclosure_partner_sync(sf_ctx *ctx, const char *path, int set, int *on,
                              struct sf_errctx *ec)
{
    if (!ctx || !on || set < -1 || set > 1)
        return SF_EINVAL;
    struct sf_transport *tr = NULL;
    struct sf_scsi s;
    struct sf_encl *e = NULL;
    int rc = open_encl(ctx, path, 0, &tr, &s, &e, ec);
    if (rc)
        return rc;
    char vendor[16];
    field(vendor, sizeof(vendor), e->inq.vendor);
    if (!sf_encl_partner_sync_known(e)) { /* the one rule, shared with the loop advice */
        rc = sf_err_set(ec, SF_ENOTSUP, "%s: no partner firmware sync control that safeflash "
                        "knows for vendor %s (use the enclosure vendor's tool)", path, vendor);
        goto out;
    }
    uint8_t page[8] = { 0x80, 0, 0, 4 };
    if (set >= 0) {
        page[4] = set ? 1 : 0;
        rc = sf_scsi_send_diag(&s, page, sizeof(page), ec);
    }
    size_t got = 0;
    uint8_t buf[16] = { 0 };
    if (!rc)
        rc = sf_scsi_receive_diag(&s, 0x80, buf, sizeof(buf), &got, ec);
    /* The words the front end has always printed for a page that is not
     * one. */
    if (!rc && (got < 5 || buf[0] != 0x80))
        rc = sf_err_set(ec, SF_EMALFORMED, "%s", sf_err_str(SF_EMALFORMED));
    if (!rc)
        *on = buf[4] & 1;
out:
    sf_encl_free(e);
    sf_transport_close(tr);
    return rc;
}
