/* sf_flashup.c - primary/backup and A/B updates of NOR flash (see
 * sf_flashup.h for the invariants every step keeps). */
#include "engine/sf_flashup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/sf_crypto.h"

struct run {
    struct sf_flash *const *fl;
    const struct sf_layout *l;
    sf_fev_cb cb;
    void *arg;
    struct sf_flashup_result *res;
    int dry;
    uint64_t done, total;
};

static struct sf_flash *flash_of(const struct run *r, int i)
{
    return r->fl[r->l->r[i].flash];
}

static int emit(const struct run *r, enum sf_fev_kind k, const char *text)
{
    return r->cb ? r->cb(k, text, r->done, r->total, r->arg) : 0;
}

static void notice(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(const struct run *r, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    emit(r, SF_FEV_NOTICE, m);
}

/* Record where it failed; returns rc. */
static int fail(struct run *r, int rc, const char *step, int region, uint64_t block,
                const struct sf_errctx *ec)
{
    struct sf_flashup_result *res = r->res;
    snprintf(res->step, sizeof(res->step), "%s", step);
    res->region = region;
    res->block = block;
    snprintf(res->msg, sizeof(res->msg), "%s", ec && ec->msg[0] ? ec->msg : sf_err_str(rc));
    return rc;
}

/* A phase begins: the caller records it first; when it cannot, nothing of
 * the phase is written. */
static int phase(struct run *r, const char *name, int region)
{
    int rc = emit(r, SF_FEV_PHASE, name);
    if (rc) {
        struct sf_errctx ec = { 0 };
        sf_err_set(&ec, rc, "could not record \"%s\" before starting it: nothing of it was "
                   "written", name);
        return fail(r, rc, name, region, region >= 0 ? r->l->r[region].offset : 0, &ec);
    }
    return 0;
}

static void slot_state(const uint8_t *reg, uint64_t size, struct sf_slot_state *s)
{
    memset(s, 0, sizeof(*s));
    s->erased = 1;
    for (size_t i = 0; i < SF_SLOT_HDR_LEN; i++)
        s->erased &= reg[i] == 0xff;
    if (sf_slot_hdr_decode(reg, (size_t)size, &s->h) != 0) {
        snprintf(s->why, sizeof(s->why), "%s", s->erased ? "erased: no image"
                                                          : "no valid header (torn or foreign)");
        return;
    }
    if (s->h.image_len > size - SF_SLOT_HDR_LEN) {
        snprintf(s->why, sizeof(s->why), "header claims %u bytes, more than the region holds",
                 s->h.image_len);
        return;
    }
    uint8_t d[32];
    sf_sha256(reg + SF_SLOT_HDR_LEN, s->h.image_len, d);
    if (memcmp(d, s->h.sha256, 32)) {
        snprintf(s->why, sizeof(s->why), "image %s does not match its SHA-256 (torn or altered)",
                 s->h.version);
        return;
    }
    s->valid = 1;
}

int sf_flashup_boot_rule(enum sf_layout_kind k, const struct sf_slot_state s[2])
{
    if (k == SF_LAYOUT_PRIMARY_BACKUP)
        return s[0].valid ? 0 : s[1].valid ? 1 : -1;
    if (s[0].valid && s[1].valid)
        return s[1].h.sequence > s[0].h.sequence ? 1 : 0;
    return s[0].valid ? 0 : s[1].valid ? 1 : -1;
}

static int read_region(struct sf_flash *f, const struct sf_region *g, uint8_t **out,
                       struct sf_errctx *ec)
{
    *out = malloc((size_t)g->size);
    if (!*out)
        return SF_ENOMEM;
    int rc = sf_flash_read(f, g->offset, *out, (size_t)g->size, ec);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int sf_flashup_inspect(struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                       struct sf_flash_view *v, struct sf_errctx *ec)
{
    memset(v, 0, sizeof(*v));
    v->boots = -1;
    uint8_t *reg[2] = { NULL, NULL };
    int rc = 0;
    for (size_t i = 0; i < l->nregions; i++) {
        if (l->r[i].flash >= nfl)
            return sf_err_set(ec, SF_EINVAL, "region %s: no flash %u", l->r[i].name, l->r[i].flash);
        rc = read_region(fl[l->r[i].flash], &l->r[i], &reg[i], ec);
        if (rc)
            goto out;
        slot_state(reg[i], l->r[i].size, &v->s[i]);
    }
    v->boots = sf_flashup_boot_rule(l->kind, v->s);
    v->backup_current = l->kind == SF_LAYOUT_PRIMARY_BACKUP &&
                        !memcmp(reg[0], reg[1], (size_t)l->r[0].size);
out:
    free(reg[0]);
    free(reg[1]);
    return rc;
}

/* Program [off, off+n) so that it holds want, given that it holds cur now
 * and that want only clears bits of cur: one program from the first
 * differing write unit to the last (bytes equal in between are programmed
 * to what they already are, which NOR allows).  off and n are multiples
 * of the write unit (the header is 128 bytes, and a flash with a larger
 * unit is refused when it is opened). */
static int program_diff(struct sf_flash *f, uint64_t off, const uint8_t *cur, const uint8_t *want,
                        size_t n, struct sf_errctx *ec)
{
    size_t ws = f->write_size ? f->write_size : 1;
    size_t s = 0, e = n;
    while (s < n && !memcmp(cur + s, want + s, ws))
        s += ws;
    if (s >= n)
        return 0;
    while (e > s && !memcmp(cur + e - ws, want + e - ws, ws))
        e -= ws;
    return sf_flash_program(f, off + s, want + s, e - s, ec);
}

static int verify_range(struct sf_flash *f, uint64_t off, const uint8_t *want, size_t n,
                        uint8_t *scratch, struct sf_errctx *ec)
{
    int rc = sf_flash_read(f, off, scratch, n, ec);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (scratch[i] != want[i])
            return sf_err_set(ec, SF_EIO, "%s: verify failed: byte 0x%llx reads %02Xh after "
                              "writing %02Xh", f->name, (unsigned long long)(off + i),
                              scratch[i], want[i]);
    return 0;
}

/*
 * Make region idx hold want (its full size), keeping I1: erase the header
 * block first, write and verify every other differing block, then the
 * header block's body, then the header.
 */
static int write_region(struct run *r, int idx, const uint8_t *want, const char *step)
{
    struct sf_flash *f = flash_of(r, idx);
    const struct sf_region *g = &r->l->r[idx];
    uint32_t eb = f->erase_size;
    size_t nb = (size_t)(g->size / eb);
    struct sf_errctx ec = { 0 };
    uint8_t *cur = NULL, *diff = calloc(nb, 1), *scratch = malloc(eb);
    int rc = diff && scratch ? read_region(f, g, &cur, &ec) : SF_ENOMEM;
    if (rc) {
        rc = fail(r, rc, step, idx, g->offset, &ec);
        goto out;
    }
    size_t ndiff = 0;
    for (size_t b = 0; b < nb; b++) {
        diff[b] = memcmp(cur + b * eb, want + b * eb, eb) != 0;
        ndiff += diff[b];
    }
    if (ndiff == 0) {
        r->res->blocks_same += nb;
        goto out;
    }
    /* I1: anything changing means the header goes first. */
    ndiff += !diff[0];
    diff[0] = 1;
    r->res->blocks_same += nb - ndiff;
    r->res->blocks_written += ndiff;
    /* Progress counts this step's blocks: "programming the primary: 50%"
     * is half of what that step writes. */
    r->done = 0;
    r->total = (uint64_t)ndiff * eb;
    if (r->dry)
        goto out;
    rc = sf_flash_erase(f, g->offset, eb, &ec);
    if (rc) {
        rc = fail(r, rc, step, idx, g->offset, &ec);
        goto out;
    }
    memset(cur, 0xff, eb);
    r->done += eb;
    for (size_t b = 1; b < nb; b++) {
        if (!diff[b])
            continue;
        uint64_t off = g->offset + (uint64_t)b * eb;
        uint8_t *c = cur + b * eb;
        const uint8_t *w = want + b * eb;
        int need_erase = 0;
        for (size_t i = 0; i < eb && !need_erase; i++)
            need_erase = (w[i] & ~c[i]) != 0; /* a bit must go 0 -> 1 */
        if (need_erase) {
            rc = sf_flash_erase(f, off, eb, &ec);
            if (!rc)
                memset(c, 0xff, eb);
        }
        if (!rc)
            rc = program_diff(f, off, c, w, eb, &ec);
        if (!rc)
            rc = verify_range(f, off, w, eb, scratch, &ec);
        if (rc) {
            rc = fail(r, rc, step, idx, off, &ec);
            goto out;
        }
        r->done += eb;
        emit(r, SF_FEV_PROGRESS, step);
    }
    /* The header block: its body, then the header itself, last. */
    rc = program_diff(f, g->offset + SF_SLOT_HDR_LEN, cur + SF_SLOT_HDR_LEN,
                      want + SF_SLOT_HDR_LEN, eb - SF_SLOT_HDR_LEN, &ec);
    if (!rc)
        rc = verify_range(f, g->offset + SF_SLOT_HDR_LEN, want + SF_SLOT_HDR_LEN,
                          eb - SF_SLOT_HDR_LEN, scratch, &ec);
    if (!rc)
        rc = program_diff(f, g->offset, cur, want, SF_SLOT_HDR_LEN, &ec);
    if (!rc)
        rc = verify_range(f, g->offset, want, eb, scratch, &ec);
    if (rc)
        rc = fail(r, rc, step, idx, g->offset, &ec);
    else
        emit(r, SF_FEV_PROGRESS, step);
out:
    free(cur);
    free(diff);
    free(scratch);
    return rc;
}

/* Take the lock bits off region idx; *was says whether there were any. */
static int unlock_region(struct run *r, int idx, int *was, const char *step)
{
    struct sf_flash *f = flash_of(r, idx);
    const struct sf_region *g = &r->l->r[idx];
    struct sf_errctx ec = { 0 };
    int locked = 0;
    *was = 0;
    int rc = sf_flash_is_locked(f, g->offset, g->size, &locked, &ec);
    if (rc == SF_ENOTSUP || (!rc && !locked))
        return 0;
    if (rc)
        return fail(r, rc, step, idx, g->offset, &ec);
    if (r->dry) {
        *was = 1;
        return 0;
    }
    rc = sf_flash_lock(f, g->offset, g->size, 0, &ec);
    if (rc)
        return fail(r, rc, step, idx, g->offset, &ec);
    *was = 1;
    return 0;
}

static void relock(struct run *r, int idx, int was)
{
    if (!was || r->dry)
        return;
    struct sf_errctx ec = { 0 };
    const struct sf_region *g = &r->l->r[idx];
    if (sf_flash_lock(flash_of(r, idx), g->offset, g->size, 1, &ec)) {
        r->res->locks_restored = 0;
        notice(r, "could not lock region %s again: %s", g->name, ec.msg);
    }
}

static void compose(uint8_t *want, uint64_t size, const uint8_t *img, uint32_t len,
                    const char *ver, uint32_t seq)
{
    struct sf_slot_hdr h = { .sequence = seq, .image_len = len };
    snprintf(h.version, sizeof(h.version), "%s", ver);
    sf_sha256(img, len, h.sha256);
    memset(want, 0xff, (size_t)size);
    sf_slot_hdr_encode(&h, want, SF_SLOT_HDR_LEN);
    memcpy(want + SF_SLOT_HDR_LEN, img, len);
}

/* The version that boots in view v, into out ("" when nothing boots). */
static void boot_version(const struct sf_flash_view *v, char *out, size_t cap)
{
    snprintf(out, cap, "%s", v->boots >= 0 ? v->s[v->boots].h.version : "");
}

static void finish(struct run *r, size_t nfl)
{
    struct sf_flash_view v;
    struct sf_errctx ec = { 0 };
    r->res->boots_after = -1;
    r->res->ver_after[0] = '\0';
    if (sf_flashup_inspect(r->fl, nfl, r->l, &v, &ec) == 0) {
        r->res->boots_after = v.boots;
        boot_version(&v, r->res->ver_after, sizeof(r->res->ver_after));
    }
}

/* primary-backup step 1: copy the primary to the backup and verify it by
 * hashing both.  Failures here are DEGRADED: the primary is untouched. */
static int save_backup(struct run *r, const struct sf_flash_view *v, int *was_b)
{
    *was_b = 0;
    if (v->backup_current) {
        notice(r, "the backup holds a current copy of the primary (%s): not saved again",
               v->s[0].h.version);
        return 0;
    }
    int rc = phase(r, "saving the primary to the backup", 1);
    if (rc)
        return rc;
    rc = unlock_region(r, 1, was_b, "unlocking the backup");
    if (rc) {
        r->res->degraded = 1;
        return rc;
    }
    struct sf_errctx ec = { 0 };
    uint8_t *prim = NULL;
    rc = read_region(flash_of(r, 0), &r->l->r[0], &prim, &ec);
    if (rc) {
        r->res->degraded = 1;
        return fail(r, rc, "reading the primary to save it", 0, r->l->r[0].offset, &ec);
    }
    rc = write_region(r, 1, prim, "saving the primary to the backup");
    if (!rc && !r->dry) {
        uint8_t *back = NULL;
        rc = read_region(flash_of(r, 1), &r->l->r[1], &back, &ec);
        if (!rc) {
            uint8_t a[32], b[32];
            sf_sha256(prim, (size_t)r->l->r[0].size, a);
            sf_sha256(back, (size_t)r->l->r[1].size, b);
            if (memcmp(a, b, 32))
                rc = sf_err_set(&ec, SF_EIO, "the backup's SHA-256 differs from the primary's "
                                "after the copy");
            free(back);
        }
        if (rc)
            fail(r, rc, "verifying the backup", 1, r->l->r[1].offset, &ec);
    }
    free(prim);
    if (rc)
        r->res->degraded = 1;
    return rc;
}

/* Set up a run and read what the flash holds now, into v. */
static int start(struct run *r, struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                 sf_fev_cb cb, void *arg, struct sf_flashup_result *res, int dry,
                 struct sf_flash_view *v)
{
    memset(r, 0, sizeof(*r));
    memset(res, 0, sizeof(*res));
    r->fl = fl;
    r->l = l;
    r->cb = cb;
    r->arg = arg;
    r->res = res;
    r->dry = dry;
    res->region = -1;
    res->boots_before = res->boots_after = -1;
    res->locks_restored = 1;
    struct sf_errctx ec = { 0 };
    int rc = sf_flashup_inspect(fl, nfl, l, v, &ec);
    if (rc)
        return fail(r, rc, "reading the flash", -1, 0, &ec);
    res->boots_before = v->boots;
    boot_version(v, res->ver_before, sizeof(res->ver_before));
    return 0;
}

int sf_flashup_install(struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                       const uint8_t *img, uint32_t len, const char *ver,
                       const struct sf_flashup_opts *o, sf_fev_cb cb, void *arg,
                       struct sf_flashup_result *res)
{
    struct run r;
    struct sf_flash_view v;
    int rc = start(&r, fl, nfl, l, cb, arg, res, o && o->dry_run, &v);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    if (!img || !ver || strlen(ver) > 16) {
        sf_err_set(&ec, SF_EINVAL, "an image and a version of at most 16 characters are needed");
        return fail(&r, SF_EINVAL, "checking the image", -1, 0, &ec);
    }
    /* The slot to write: the primary, or the A/B slot that does not boot. */
    int t = l->kind == SF_LAYOUT_PRIMARY_BACKUP ? 0 : v.boots == 0 ? 1 : 0;
    const struct sf_region *g = &l->r[t];
    if ((uint64_t)len > g->size - SF_SLOT_HDR_LEN) {
        sf_err_set(&ec, SF_ERANGE, "the image (%u bytes) does not fit region %s (%llu bytes "
                   "after its %u-byte header)", len, g->name,
                   (unsigned long long)(g->size - SF_SLOT_HDR_LEN), SF_SLOT_HDR_LEN);
        return fail(&r, SF_ERANGE, "checking the image", -1, 0, &ec);
    }
    uint8_t sha[32];
    sf_sha256(img, len, sha);
    if (v.boots >= 0 && !memcmp(v.s[v.boots].h.sha256, sha, 32) &&
        v.s[v.boots].h.image_len == len && !strcmp(v.s[v.boots].h.version, ver)) {
        res->nothing_to_do = 1;
        finish(&r, nfl);
        if (l->kind == SF_LAYOUT_PRIMARY_BACKUP && !v.backup_current)
            notice(&r, "the backup does not hold a copy of the primary (%s): 'safeflash repair' "
                   "on this target, with its --layout, saves one", v.s[1].valid ? v.s[1].h.version : v.s[1].why);
        return 0;
    }
    uint32_t seq = 1;
    for (int i = 0; i < 2; i++)
        if (v.s[i].valid && v.s[i].h.sequence >= seq)
            seq = v.s[i].h.sequence + 1;
    uint8_t *want = malloc((size_t)g->size);
    if (!want)
        return SF_ENOMEM;
    compose(want, g->size, img, len, ver, seq);
    int was_b = 0, was_t = 0;
    if (l->kind == SF_LAYOUT_PRIMARY_BACKUP) {
        if (v.s[0].valid) {
            rc = save_backup(&r, &v, &was_b);
        } else if (v.s[1].valid) {
            notice(&r, "the primary holds no valid image (%s); the backup's %s is the last good "
                   "image and is kept as it is", v.s[0].why, v.s[1].h.version);
        } else {
            notice(&r, "neither region holds a valid image (primary: %s; backup: %s): nothing "
                   "boots now, and nothing can be saved", v.s[0].why, v.s[1].why);
        }
        if (rc)
            goto out;
    }
    const char *wstep = l->kind == SF_LAYOUT_PRIMARY_BACKUP ? "programming the primary"
                        : t == 0 ? "writing slot a" : "writing slot b";
    rc = phase(&r, wstep, t);
    if (!rc)
        rc = unlock_region(&r, t, &was_t, l->kind == SF_LAYOUT_PRIMARY_BACKUP
                                             ? "unlocking the primary" : "unlocking the slot");
    if (rc)
        goto out;
    rc = write_region(&r, t, want, wstep);
    if (rc || r.dry)
        goto out;
    rc = phase(&r, "verifying", t);
    if (rc)
        goto out;
    uint8_t *back = NULL;
    rc = read_region(flash_of(&r, t), g, &back, &ec);
    if (!rc) {
        struct sf_slot_state s;
        slot_state(back, g->size, &s);
        if (!s.valid || memcmp(s.h.sha256, sha, 32))
            rc = sf_err_set(&ec, SF_EIO, "region %s does not hold a valid copy of the image "
                            "after writing it (%s)", g->name, s.valid ? "another image" : s.why);
        free(back);
    }
    if (rc)
        fail(&r, rc, l->kind == SF_LAYOUT_PRIMARY_BACKUP ? "verifying the primary"
                                                       : "verifying the slot", t, g->offset, &ec);
out:
    relock(&r, t, was_t);
    relock(&r, 1, was_b);
    free(want);
    finish(&r, nfl);
    if (!rc && !r.dry && res->boots_after != t) {
        /* Belt and braces: the rule must now pick what was written. */
        snprintf(res->msg, sizeof(res->msg), "after the update the boot rule picks region %s, "
                 "not %s", res->boots_after >= 0 ? l->r[res->boots_after].name : "(none)",
                 g->name);
        snprintf(res->step, sizeof(res->step), "applying the boot rule");
        rc = SF_EIO;
    }
    return rc;
}

int sf_flashup_repair_backup(struct sf_flash *const *fl, size_t nfl, const struct sf_layout *l,
                             sf_fev_cb cb, void *arg, struct sf_flashup_result *res)
{
    struct run r;
    struct sf_flash_view v;
    int rc = start(&r, fl, nfl, l, cb, arg, res, 0, &v);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    if (l->kind != SF_LAYOUT_PRIMARY_BACKUP) {
        sf_err_set(&ec, SF_ENOTSUP, "an ab layout has no backup to repair: its booting slot is "
                   "never written");
        rc = fail(&r, SF_ENOTSUP, "checking the layout", -1, 0, &ec);
        finish(&r, nfl); /* what boots, for the report */
        return rc;
    }
    if (!v.s[0].valid) {
        sf_err_set(&ec, SF_ENOTSUP, "the primary holds no valid image (%s): there is nothing "
                   "good to save to the backup", v.s[0].why);
        rc = fail(&r, SF_ENOTSUP, "checking the primary", 0, l->r[0].offset, &ec);
        finish(&r, nfl);
        return rc;
    }
    int was_b = 0;
    rc = save_backup(&r, &v, &was_b);
    relock(&r, 1, was_b);
    finish(&r, nfl);
    return rc;
}
