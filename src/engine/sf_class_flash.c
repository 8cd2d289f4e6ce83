/*
 * sf_class_flash.c - the NOR flash device class: board firmware kept in
 * flash regions by a layout (primary-backup or A/B; sf_flashup.h has the
 * procedure and its invariants, docs/flash-layout.md the format).
 *
 * Targets are mtd:/dev/mtdN or another prefix the context registered (the
 * NOR model's file:PATH); all flash targets of an update are the chips of
 * one layout.  The device has one item: the firmware the layout holds.
 * Its steps are the procedure's phases ("saving the primary to the
 * backup", "programming the primary" / "writing slot b", "verifying"), and
 * the procedure reads the flash before every write, so an interrupted
 * attempt is continued by running it again: the boot rule keeps a valid
 * image booting at every point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_class.h"
#include "engine/sf_ctx.h"
#include "engine/sf_flashup.h"
#include "pkg/sf_crypto.h"
#include "util/sf_file.h"

#define FL_MAX 8

struct fdev {
    struct sf_dev base;
    struct sf_flash *fl[FL_MAX];
    size_t n;
    char targets[FL_MAX][256];
    char layout_path[1024];
    struct sf_layout l;
    struct sf_flash_view v;
};

static int flash_claims(const char *t)
{
    return t && (!strncmp(t, "mtd:", 4) || !strncmp(t, "file:", 5));
}

static int load_layout(const char *path, struct sf_layout *l, struct sf_errctx *ec)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    struct sf_errctx fec = { 0 };
    int rc = sf_file_read(path, 0, 8192, &buf, &n, &fec);
    if (rc == SF_ERANGE)
        return sf_err_set(ec, SF_ECONFIG, "layout %s: larger than 8 KiB", path);
    if (rc)
        return sf_err_set(ec, rc == SF_EFILE ? SF_EFILE : SF_ECONFIG, "layout %s", fec.msg);
    char why[200] = "";
    rc = sf_layout_parse((const char *)buf, n, l, why, sizeof(why));
    free(buf);
    if (rc)
        return sf_err_set(ec, SF_ECONFIG, "layout %s: %s", path, why);
    return 0;
}

static void flash_close(struct sf_dev *d)
{
    struct fdev *f = (struct fdev *)d;
    for (size_t i = 0; i < f->n; i++)
        sf_flash_close(f->fl[i]);
    free(f);
}

static int flash_open(sf_ctx *ctx, const char *const *targets, size_t n,
                      const struct sf_update_options *o,
                      const struct sf_class_req *rq, struct sf_dev **out,
                      struct sf_errctx *ec)
{
    (void)rq;
    *out = NULL;
    if (!o->layout || !*o->layout)
        return sf_err_set(ec, SF_EINVAL, "flash targets need a layout (--layout FILE)");
    if (n > FL_MAX)
        return sf_err_set(ec, SF_EINVAL, "at most %d flash targets", FL_MAX);
    struct fdev *f = calloc(1, sizeof(*f));
    if (!f)
        return SF_ENOMEM;
    f->base.cls = &sf_class_flash;
    snprintf(f->base.target, sizeof(f->base.target), "%s", targets[0]);
    snprintf(f->layout_path, sizeof(f->layout_path), "%s", o->layout);
    int rc = load_layout(o->layout, &f->l, ec);
    for (size_t i = 0; !rc && i < n; i++) {
        snprintf(f->targets[i], sizeof(f->targets[i]), "%s", targets[i]);
        rc = sf_ctx_flash_open(ctx, targets[i], &f->fl[i], ec);
        if (!rc)
            f->n++;
    }
    uint64_t sizes[FL_MAX];
    uint32_t eb[FL_MAX];
    for (size_t i = 0; !rc && i < n; i++) {
        sizes[i] = f->fl[i]->size;
        eb[i] = f->fl[i]->erase_size;
        if (f->fl[i]->write_size > SF_SLOT_HDR_LEN)
            rc = sf_err_set(ec, SF_ENOTSUP, "%s: a %u-byte write unit is larger than the slot "
                            "header", f->fl[i]->name, f->fl[i]->write_size);
    }
    char why[300] = "";
    if (!rc && sf_layout_check(&f->l, sizes, eb, n, why, sizeof(why)))
        rc = sf_err_set(ec, SF_ECONFIG, "layout %s on %s: %s", o->layout, targets[0], why);
    if (!rc)
        rc = sf_flashup_inspect(f->fl, f->n, &f->l, &f->v, ec);
    if (rc) {
        flash_close(&f->base);
        return rc;
    }
    *out = &f->base;
    return 0;
}

/* A writer locks each chip by its resolved path, so a symlink or another
 * spelling of a chip names the same chip; the journal knows the device by
 * its first chip's key. */
static void flash_identity(struct sf_dev *d, char id[17], char keys[][17], size_t *nkeys,
                           const char **what)
{
    struct fdev *f = (struct fdev *)d;
    for (size_t i = 0; i < f->n; i++) {
        const char *t = f->targets[i], *colon = strchr(t, ':');
        const char *path = colon ? colon + 1 : t;
        char real[PATH_MAX], key[PATH_MAX + 16];
        snprintf(key, sizeof(key), "flash %s", realpath(path, real) ? real : path);
        sf_sha256_hex(key, strlen(key), 8, keys[i]);
    }
    *nkeys = f->n;
    *what = "this flash device";
    /* Every spelling of the first chip (a relative path, a symlink) is
     * one device in the journal, as it is one for the lock. */
    snprintf(id, 17, "%s", keys[0]);
}

static const char *boot_version(const struct fdev *f)
{
    return f->v.boots >= 0 ? f->v.s[f->v.boots].h.version : "";
}

static void targets_words(const struct fdev *f, char *out, size_t cap)
{
    size_t l = 0;
    out[0] = '\0';
    for (size_t i = 0; i < f->n && l < cap; i++)
        l += (size_t)snprintf(out + l, cap - l, "%s%s", i ? " " : "", f->targets[i]);
}

/* The region an install writes: the primary, or the A/B slot that does
 * not boot. */
static int target_region(const struct fdev *f)
{
    return f->l.kind == SF_LAYOUT_PRIMARY_BACKUP ? 0 : f->v.boots == 0 ? 1 : 0;
}

static int flash_items(struct sf_dev *d, struct sf_item **out, size_t *n, struct sf_errctx *ec)
{
    struct fdev *f = (struct fdev *)d;
    int rc = sf_flashup_inspect(f->fl, f->n, &f->l, &f->v, ec); /* what holds now */
    if (rc)
        return rc;
    struct sf_item *it = calloc(1, sizeof(*it));
    if (!it)
        return SF_ENOMEM;
    it->dev = d;
    snprintf(it->info.target, sizeof(it->info.target), "%s", f->targets[0]);
    snprintf(it->info.cls, sizeof(it->info.cls), "flash");
    snprintf(it->info.name, sizeof(it->info.name), "flash");
    snprintf(it->info.vendor, sizeof(it->info.vendor), "%s", f->l.board_vendor);
    snprintf(it->info.product, sizeof(it->info.product), "%s", f->l.board_product);
    snprintf(it->info.version_before, sizeof(it->info.version_before), "%s", boot_version(f));
    snprintf(it->board_vendor, sizeof(it->board_vendor), "%s", f->l.board_vendor);
    snprintf(it->board_product, sizeof(it->board_product), "%s", f->l.board_product);
    if (f->l.board_vendor[0])
        snprintf(it->board_words, sizeof(it->board_words), "on a %s %s board (layout %s)",
                 f->l.board_vendor, f->l.board_product, f->layout_path);
    else
        snprintf(it->board_words, sizeof(it->board_words), "the layout %s names no board "
                 "('board VENDOR PRODUCT')", f->layout_path);
    char t[1200];
    targets_words(f, t, sizeof(t));
    snprintf(it->resume_cmd, sizeof(it->resume_cmd), "safeflash resume %s --layout %s", t,
             f->layout_path);
    if (f->l.kind == SF_LAYOUT_PRIMARY_BACKUP)
        snprintf(it->repair_cmd, sizeof(it->repair_cmd), "safeflash repair %s --layout %s", t,
                 f->layout_path);
    if (f->l.kind == SF_LAYOUT_PRIMARY_BACKUP)
        snprintf(it->info.plan, sizeof(it->info.plan), "1. save the primary to the backup and "
                 "verify it  2. program the primary  3. verify it");
    else
        snprintf(it->info.plan, sizeof(it->info.plan), "write slot %s (does not boot now), "
                 "verify it, header last", target_region(f) ? "b" : "a");
    snprintf(it->journal_vendor, sizeof(it->journal_vendor), "FLASH");
    snprintf(it->journal_product, sizeof(it->journal_product), "%s",
             sf_layout_kind_str(f->l.kind));
    snprintf(it->mode, sizeof(it->mode), "%s", sf_layout_kind_str(f->l.kind));
    *out = it;
    *n = 1;
    return 0;
}

static int flash_fits(struct sf_dev *d, struct sf_item *it, uint64_t len, const char *version,
                      struct sf_errctx *ec)
{
    (void)it;
    struct fdev *f = (struct fdev *)d;
    if (!version || !*version)
        return sf_err_set(ec, SF_EINVAL, "a raw image on flash needs its version (--image-version "
                          "V): it goes into the slot header");
    if (strlen(version) > SF_SLOT_VERSION_MAX)
        return sf_err_set(ec, SF_ERANGE, "version \"%s\" is longer than the %d characters a slot "
                          "header holds; nothing was written", version, SF_SLOT_VERSION_MAX);
    const struct sf_region *g = &f->l.r[target_region(f)];
    if (len > g->size - SF_SLOT_HDR_LEN)
        return sf_err_set(ec, SF_ERANGE, "%s: the image (%llu bytes) does not fit region %s "
                          "(%llu bytes after its %u-byte header): nothing was written",
                          f->targets[0], (unsigned long long)len, g->name,
                          (unsigned long long)(g->size - SF_SLOT_HDR_LEN), SF_SLOT_HDR_LEN);
    return 0;
}

/* After an interrupted attempt: the image it was writing already boots,
 * whole (the slot header checks the SHA-256): it took. */
static enum sf_where flash_where(struct sf_dev *d, struct sf_item *it, const struct sf_prior *p)
{
    struct fdev *f = (struct fdev *)d;
    struct sf_errctx ec = { 0 };
    if (!it->img || sf_flashup_inspect(f->fl, f->n, &f->l, &f->v, &ec) || f->v.boots < 0)
        return SF_WHERE_CONTINUE;
    const struct sf_slot_state *s = &f->v.s[f->v.boots];
    uint8_t sha[32];
    sf_sha256(it->img, it->len, sha);
    if (memcmp(s->h.sha256, sha, 32) || strcmp(s->h.version, it->version))
        return SF_WHERE_CONTINUE;
    if (f->l.kind == SF_LAYOUT_PRIMARY_BACKUP && !f->v.backup_current && !f->v.s[1].valid)
        return SF_WHERE_CONTINUE; /* let the procedure say what the backup holds */
    it->info.outcome = SF_OUTCOME_UPDATED;
    snprintf(it->info.version_after, sizeof(it->info.version_after), "%s", s->h.version);
    snprintf(it->info.message, sizeof(it->info.message), "updated: %s boots; attempt #%lld had "
             "written it all before it was interrupted, and it verifies", s->h.version,
             (long long)p->id);
    return SF_WHERE_DONE;
}

/* The engine's stepper behind the procedure's events. */
struct fctx {
    struct sf_stepper *st;
};

static int fev(enum sf_fev_kind k, const char *text, uint64_t done, uint64_t total, void *arg)
{
    struct fctx *c = arg;
    if (k == SF_FEV_PHASE)
        return sf_step_begin(c->st, text);
    if (k == SF_FEV_NOTICE)
        sf_step_notice(c->st, "%s", text);
    else
        sf_step_progress(c->st, done, total);
    return 0;
}

static void counters(const struct fdev *f, uint64_t *erased, uint64_t *programmed)
{
    *erased = *programmed = 0;
    for (size_t i = 0; i < f->n; i++) {
        *erased += f->fl[i]->bytes_erased;
        *programmed += f->fl[i]->bytes_programmed;
    }
}

/* Fill the item's result from the procedure's. */
static void report(struct fdev *f, struct sf_item *it, int rc, int repair, int dry,
                   const struct sf_flashup_result *res, uint64_t e0, uint64_t p0)
{
    struct sf_item_info *in = &it->info;
    uint64_t e1, p1;
    counters(f, &e1, &p1);
    in->bytes_erased = e1;
    in->bytes_programmed = p1;
    in->blocks_written += res->blocks_written;
    in->blocks_unchanged += res->blocks_same;
    snprintf(in->version_after, sizeof(in->version_after), "%s",
             res->boots_after >= 0 ? res->ver_after : "");
    char t[1200];
    targets_words(f, t, sizeof(t));
    if (rc == 0) {
        const char *word = repair ? "repaired" : res->nothing_to_do ? "skipped" : dry ? "dry-run"
                                                                                    : "updated";
        in->outcome = repair ? SF_OUTCOME_REPAIRED : res->nothing_to_do ? SF_OUTCOME_SKIPPED
                      : dry ? SF_OUTCOME_DRY_RUN : SF_OUTCOME_UPDATED;
        snprintf(in->message, sizeof(in->message), "%s: %s%s%s (%llu of %llu blocks written, %llu "
                 "bytes erased, %llu programmed, all verified)", word,
                 res->ver_before[0] ? res->ver_before : "(nothing)",
                 res->nothing_to_do ? " already boots" : " -> ",
                 res->nothing_to_do ? "" : res->ver_after,
                 (unsigned long long)in->blocks_written,
                 (unsigned long long)(in->blocks_written + in->blocks_unchanged),
                 (unsigned long long)e1, (unsigned long long)p1);
        return;
    }
    in->outcome = SF_OUTCOME_FAILED;
    in->err = rc;
    in->degraded = res->degraded;
    in->nothing_written = e1 == e0 && p1 == p0;
    snprintf(in->step, sizeof(in->step), "%s", res->step);
    snprintf(in->region, sizeof(in->region), "%s", res->region >= 0 ? f->l.r[res->region].name
                                                                     : "");
    in->block = res->block;
    snprintf(in->message, sizeof(in->message), "%s%s at region %s, block 0x%llx: %s; boots %s",
             res->degraded ? "DEGRADED: " : "failed: ", res->step, res->region >= 0
             ? f->l.r[res->region].name : "-", (unsigned long long)res->block, res->msg,
             res->boots_after >= 0 ? res->ver_after : "nothing");
    if (res->degraded)
        snprintf(in->next, sizeof(in->next), "the primary was not touched and boots %s; the "
                 "backup is bad. Fix the cause, then '%s' saves the backup again and finishes "
                 "this update.", res->ver_after, it->repair_cmd);
    else if (!in->nothing_written)
        snprintf(in->next, sizeof(in->next), "%s boots now; running the same command again (or "
                 "'%s') finishes the update.", res->boots_after >= 0 ? res->ver_after
                 : "NOTHING", it->resume_cmd);
}

static int flash_install(struct sf_dev *d, struct sf_item *it, struct sf_stepper *st, int dry)
{
    struct fdev *f = (struct fdev *)d;
    struct fctx c = { st };
    struct sf_flashup_result res;
    struct sf_flashup_opts o = { .dry_run = dry };
    uint64_t e0, p0;
    counters(f, &e0, &p0);
    int rc = sf_flashup_install(f->fl, f->n, &f->l, it->img, (uint32_t)it->len, it->version, &o,
                                fev, &c, &res);
    report(f, it, rc, 0, dry, &res, e0, p0);
    if (!res.locks_restored)
        sf_step_notice(st, "WARNING: some lock bits could not be put back");
    if (!rc && res.nothing_to_do && it->prior.id) {
        /* The interrupted attempt had written it all; this one verified it. */
        it->info.outcome = SF_OUTCOME_UPDATED;
        snprintf(it->info.message, sizeof(it->info.message), "updated: %s boots; attempt #%lld "
                 "had written it all before it was interrupted, and it verifies", res.ver_after,
                 (long long)it->prior.id);
    }
    return rc;
}

static int flash_repair(struct sf_dev *d, struct sf_item *it, struct sf_stepper *st)
{
    struct fdev *f = (struct fdev *)d;
    struct fctx c = { st };
    struct sf_flashup_result res;
    uint64_t e0, p0;
    counters(f, &e0, &p0);
    struct sf_errctx ec = { 0 };
    if (it->img && sf_flashup_inspect(f->fl, f->n, &f->l, &f->v, &ec) == 0 && !f->v.s[0].valid &&
        f->v.s[1].valid) {
        /* A repair interrupted while it programmed the primary: the backup
         * holds the last good image already; the install finishes it. */
        sf_step_notice(st, "the primary holds no valid image (%s); the backup's %s is the last "
                       "good image and is kept as it is", f->v.s[0].why, f->v.s[1].h.version);
        return 0;
    }
    int rc = sf_flashup_repair_backup(f->fl, f->n, &f->l, fev, &c, &res);
    report(f, it, rc, 1, 0, &res, e0, p0);
    return rc;
}

static int flash_show(struct sf_dev *d, const struct sf_prior *last, json_object *j,
                      struct sf_errctx *ec)
{
    (void)ec;
    struct fdev *f = (struct fdev *)d;
    const struct sf_layout *l = &f->l;
    const struct sf_flash_view *v = &f->v;
    json_object_object_add(j, "layout", json_object_new_string(sf_layout_kind_str(l->kind)));
    json_object_object_add(j, "size", json_object_new_int64((int64_t)f->fl[0]->size));
    json_object_object_add(j, "erase_size", json_object_new_int64(f->fl[0]->erase_size));
    if (l->board_vendor[0]) {
        json_object_object_add(j, "board_vendor", json_object_new_string(l->board_vendor));
        json_object_object_add(j, "board_product", json_object_new_string(l->board_product));
    }
    json_object *rs = json_object_new_array();
    for (int i = 0; i < 2; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "name", json_object_new_string(l->r[i].name));
        json_object_object_add(r, "offset", json_object_new_int64((int64_t)l->r[i].offset));
        json_object_object_add(r, "size", json_object_new_int64((int64_t)l->r[i].size));
        json_object_object_add(r, "valid", json_object_new_boolean(v->s[i].valid));
        if (v->s[i].valid) {
            json_object_object_add(r, "version", json_object_new_string(v->s[i].h.version));
            json_object_object_add(r, "sequence", json_object_new_int64(v->s[i].h.sequence));
            json_object_object_add(r, "image_size", json_object_new_int64(v->s[i].h.image_len));
        } else {
            json_object_object_add(r, "why", json_object_new_string(v->s[i].why));
        }
        json_object_array_add(rs, r);
    }
    json_object_object_add(j, "regions", rs);
    json_object_object_add(j, "boots", v->boots >= 0 ? json_object_new_string(l->r[v->boots].name)
                                                     : NULL);
    if (l->kind == SF_LAYOUT_PRIMARY_BACKUP) {
        int degraded = last && last->id && !strcmp(last->action, "degraded");
        json_object_object_add(j, "backup_current", json_object_new_boolean(v->backup_current));
        json_object_object_add(j, "backup_bad", json_object_new_boolean(degraded ||
                                                                        !v->s[1].valid));
    }
    return 0;
}

const struct sf_class sf_class_flash = {
    .name = "flash",
    .runs = "boots",
    .claims = flash_claims,
    .open = flash_open,
    .identity = flash_identity,
    .items = flash_items,
    .fits = flash_fits,
    .where = flash_where,
    .install = flash_install,
    .repair = flash_repair,
    .show = flash_show,
    .close = flash_close,
};
