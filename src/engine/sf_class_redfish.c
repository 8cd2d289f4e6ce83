/*
 * sf_class_redfish.c - the Redfish device class: a server board's firmware
 * (the BMC's own, BIOS, ME ...) through its BMC's Redfish UpdateService.
 * sf_bmcup.h has the procedure; field report 002 is why every image is
 * staged on this host first and pushed, never pulled from media a BMC
 * reset can take away.
 *
 * Target: redfish://USER@HOST[:PORT]; the password comes from the
 * context's callback.  Items: the components the update names (one per
 * raw image, or a package's), the BMC first; with none named (activate,
 * resume, show) every component that runs.  An item's journal identity is
 * the target and its component's key, so it survives a version change
 * (bmcweb derives inventory Ids from versions).
 *
 * Steps (each journaled before it starts; a kill at any point is
 * finished by resume, the same command, or a bare resume):
 *
 *   the BMC       "pushing" ("pulling" for a pull) -> "waiting for the BMC to
 *                 restart" (read only)
 *                 -> verified from the inventory: updated
 *   host firmware "pushing" -> "staged" (read only; the BMC accepted it)
 *                 -> stored (a host reset applies it: `activate`), or with
 *                 activate (--reboot-host) finish(): "resetting the host"
 *                 on every staged item, then ONE host reset, then each
 *                 verified from the inventory
 *
 * After an interruption the BMC, not the journal, decides (where()): a
 * staged image the BMC no longer lists (BMCs keep them in RAM; a reset
 * drops them) is pushed again, one it still lists is not; a component
 * that runs the image is done; an interrupted host reset is never sent
 * again while the BMC shows it was taken (the staged image consumed, the
 * component "Updating" or on its new version).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/sf_bmcup.h"
#include "engine/sf_class.h"
#include "engine/sf_ctx.h"
#include "pkg/sf_crypto.h"

struct rdev {
    struct sf_dev base;
    struct sf_rf_target t;
    struct sf_rfs_opts ro;
    struct sf_rfs *s;
    unsigned task_timeout, reset_timeout;
    int activate;
    struct sf_class_req rq;
    char comps[8][17];
    char pulls[8][512];
    struct sf_rf_system sys;
    int have_sys;
    char sys_why[200];
    struct sf_bmc_inv inv;
    struct sf_bmc_item bi[SF_BMCUP_MAX_FW];   /* one per item, in the items' order */
    size_t nbi;
    struct sf_bmc_plan scratch;               /* items(), install(), finish() */
    /* The items the plan holds (the engine's, from the first items()
     * call): holds() reads whether the BMC's own item will be written. */
    const struct sf_item *plan_items;
    size_t nplan_items;
};

static int rf_claims(const char *t)
{
    return t && !strncmp(t, "redfish://", 10);
}

static void rf_close(struct sf_dev *dd)
{
    struct rdev *d = (struct rdev *)dd;
    if (!d)
        return;
    sf_rfs_close(d->s);
    free(d);
}

/* A BMC in the middle of its own reset (an interrupted run updated it)
 * refuses connections for a while: when the journal has an open run
 * (rq->patient), wait for it - within the reset timeout, two minutes at
 * most - rather than fail a resume that comes too soon.  Otherwise a BMC
 * that does not answer is said at once. */
static int connect_bmc(sf_ctx *ctx, struct rdev *d, struct sf_errctx *ec)
{
    char pw[256];
    int rc = sf_ctx_password(ctx, d->t.user, d->t.host, pw, sizeof(pw));
    if (rc) {
        sf_err_set(ec, rc, "%s: no password for %s@%s%s%s", d->base.target, d->t.user,
                   d->t.host, pw[0] ? ": " : "", pw);
        explicit_bzero(pw, sizeof(pw));
        return rc;
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct sf_errctx oec = { 0 };
        rc = sf_rfs_open(&d->t, pw, &d->ro, &d->s, &oec);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (rc != SF_EIO || !d->rq.patient ||
            now.tv_sec - t0.tv_sec >= (time_t)(d->reset_timeout < 120 ? d->reset_timeout : 120)) {
            if (rc)
                sf_err_set(ec, rc, "%s", oec.msg);
            break;
        }
        struct timespec nap = { 1, 0 };
        nanosleep(&nap, NULL);
    }
    explicit_bzero(pw, sizeof(pw));
    return rc;
}

static int rf_open(sf_ctx *ctx, const char *const *targets, size_t n,
                   const struct sf_update_options *o, const struct sf_class_req *rq,
                   struct sf_dev **out, struct sf_errctx *ec)
{
    *out = NULL;
    if (n != 1)
        return sf_err_set(ec, SF_EINVAL, "one BMC per update (redfish://USER@HOST[:PORT])");
    struct rdev *d = calloc(1, sizeof(*d));
    if (!d)
        return SF_ENOMEM;
    d->base.cls = &sf_class_redfish;
    snprintf(d->base.target, sizeof(d->base.target), "%s", targets[0]);
    char why[200];
    int rc = 0;
    if (sf_rf_parse_target(targets[0], &d->t, why, sizeof(why)))
        rc = sf_err_set(ec, SF_EINVAL, "%s: %s", targets[0], why);
    else if (o->plain_http && !sf_rf_host_is_loopback(d->t.host))
        rc = sf_err_set(ec, SF_EINVAL, "plain HTTP is for loopback addresses only: a password "
                        "over plain HTTP on a network is readable by anyone on the path");
    d->ro.plain_http = o->plain_http;
    d->ro.http.insecure = o->insecure;
    d->ro.http.ca_file = o->ca_file;
    d->ro.http.pin = o->pin;
    d->task_timeout = o->task_timeout_s ? o->task_timeout_s : 600;
    d->reset_timeout = o->reset_timeout_s ? o->reset_timeout_s : 900;
    d->activate = o->activate;
    d->rq.patient = rq->patient;
    for (size_t i = 0; i < rq->ncomponents && i < 8; i++) {
        const char *c = rq->components[i];
        const char *sp = strchr(c, ' ');   /* "COMPONENT pull URL" for a pull */
        snprintf(d->comps[i], sizeof(d->comps[i]), "%.*s", sp ? (int)(sp - c) : (int)strlen(c),
                 c);
        if (sp && !strncmp(sp, " pull ", 6))
            snprintf(d->pulls[i], sizeof(d->pulls[i]), "%s", sp + 6);
        d->rq.components[i] = d->comps[i];
        d->rq.ncomponents++;
    }
    if (!rc)
        rc = connect_bmc(ctx, d, ec);
    if (!rc)
        rc = sf_bmcup_inventory(d->s, &d->inv, ec);
    if (rc) {
        rf_close(&d->base);
        return rc;
    }
    /* The board, for a package's vendor/product patterns: a BMC that
     * cannot say it still takes raw images. */
    struct sf_errctx sec = { 0 };
    if (sf_bmcup_system(d->s, &d->sys, &sec) == 0 && d->sys.manufacturer[0] && d->sys.model[0])
        d->have_sys = 1;
    else
        snprintf(d->sys_why, sizeof(d->sys_why), "%s", sec.msg[0] ? sec.msg
                 : "the BMC's ComputerSystem does not say its Manufacturer and Model");
    *out = &d->base;
    return 0;
}

/* One lock per BMC (host and port, not user): two runs on one BMC would
 * race for its one update slot and each other's resets. */
static void rf_identity(struct sf_dev *dd, char id[17], char keys[][17], size_t *nkeys,
                        const char **what)
{
    struct rdev *d = (struct rdev *)dd;
    char key[300];
    snprintf(key, sizeof(key), "bmc %s:%u", d->t.host, d->t.port);
    sf_sha256_hex(key, strlen(key), 8, keys[0]);
    *nkeys = 1;
    snprintf(id, 17, "%s", keys[0]);
    *what = "this BMC";
}

static void fill_item(struct rdev *d, struct sf_item *it, struct sf_bmc_item *b)
{
    it->dev = &d->base;
    it->cls_state = b;
    it->want = b->want;
    struct sf_item_info *in = &it->info;
    snprintf(in->target, sizeof(in->target), "%s", d->base.target);
    snprintf(in->cls, sizeof(in->cls), "redfish");
    snprintf(in->name, sizeof(in->name), "%s", b->name);
    snprintf(in->vendor, sizeof(in->vendor), "%s", d->sys.manufacturer);
    snprintf(in->product, sizeof(in->product), "%s", d->sys.model);
    snprintf(in->version_before, sizeof(in->version_before), "%s", b->before);
    in->subenclosure = -1;
    snprintf(in->logical_id, sizeof(in->logical_id), "%s", b->comp);
    const char *how = b->pull[0] ? "pulled by the BMC (SimpleUpdate)"
                      : d->inv.us.multipart_uri[0] ? "pushed (multipart)"
                      : "pushed (HttpPushUri)";
    if (b->is_bmc)
        snprintf(in->plan, sizeof(in->plan), "%s, applied now; the BMC restarts and is waited "
                 "for, then verified from the firmware inventory", how);
    else
        snprintf(in->plan, sizeof(in->plan), "%s, staged for the host's next reset%s", how,
                 d->activate ? ", which follows once every image is staged" : "");
    if (d->have_sys) {
        snprintf(it->board_vendor, sizeof(it->board_vendor), "%s", d->sys.manufacturer);
        snprintf(it->board_product, sizeof(it->board_product), "%s", d->sys.model);
        snprintf(it->board_words, sizeof(it->board_words), "a %s %s board", d->sys.manufacturer,
                 d->sys.model);
    } else {
        snprintf(it->board_words, sizeof(it->board_words), "a board it cannot name (%s)",
                 d->sys_why);
    }
    snprintf(it->resume_cmd, sizeof(it->resume_cmd), "safeflash resume %s", d->base.target);
    snprintf(it->activate_cmd, sizeof(it->activate_cmd), "safeflash activate %s",
             d->base.target);
    snprintf(it->journal_vendor, sizeof(it->journal_vendor), "REDFISH");
    snprintf(it->journal_product, sizeof(it->journal_product), "%s", b->comp);
    snprintf(it->mode, sizeof(it->mode), "%s", b->pull[0] ? "pull" : sf_rf_apply_str(b->apply));
    char key[400];
    snprintf(key, sizeof(key), "%s#%s", d->base.target, b->comp);
    sf_sha256_hex(key, strlen(key), 8, it->id);
}

static int rf_items(struct sf_dev *dd, struct sf_item **out, size_t *n, struct sf_errctx *ec)
{
    struct rdev *d = (struct rdev *)dd;
    *out = NULL;
    *n = 0;
    int rc = sf_bmcup_inventory(d->s, &d->inv, ec); /* what runs now */
    if (rc)
        return rc;
    d->nbi = 0;
    if (d->rq.ncomponents) {
        /* The components named: each resolved (or refused: unknown, not
         * updateable, nothing to push to), the BMC first. */
        struct sf_bmc_plan *pp = &d->scratch;
#define p (*pp)
        memset(&p, 0, sizeof(p));
        for (size_t i = 0; i < d->rq.ncomponents; i++) {
            snprintf(p.it[i].comp, sizeof(p.it[i].comp), "%s", d->comps[i]);
            snprintf(p.it[i].pull, sizeof(p.it[i].pull), "%s", d->pulls[i]);
            p.it[i].want = (int)i;
        }
        p.n = d->rq.ncomponents;
        if ((rc = sf_bmcup_plan(&d->inv, &p, ec)) != 0)
            return rc;
        for (size_t i = 0; i < p.n; i++)
            for (size_t k = 0; k < i; k++)
                if (!strcmp(p.it[i].comp, p.it[k].comp))
                    return sf_err_set(ec, SF_EINVAL, "%s: two images for %s", d->base.target,
                                      p.it[i].name);
        memcpy(d->bi, p.it, p.n * sizeof(p.it[0]));
        d->nbi = p.n;
#undef p
    } else {
        /* Every component that runs, the BMC first. */
        for (int bmc = 1; bmc >= 0; bmc--)
            for (size_t i = 0; i < d->inv.n && d->nbi < SF_BMCUP_MAX_FW; i++) {
                const struct sf_rf_fw *f = &d->inv.fw[i];
                if (!sf_bmcup_running(f))
                    continue;
                struct sf_bmc_item b;
                memset(&b, 0, sizeof(b));
                b.want = -1;
                sf_bmcup_resolve(&d->inv, f, &b);
                if (!!b.is_bmc == bmc)
                    d->bi[d->nbi++] = b;
            }
    }
    struct sf_item *items = calloc(d->nbi ? d->nbi : 1, sizeof(*items));
    if (!items)
        return SF_ENOMEM;
    for (size_t i = 0; i < d->nbi; i++)
        fill_item(d, &items[i], &d->bi[i]);
    if (!d->plan_items) {
        d->plan_items = items;
        d->nplan_items = d->nbi;
    }
    *out = items;
    *n = d->nbi;
    return 0;
}

static int rf_fits(struct sf_dev *d, struct sf_item *it, uint64_t len, const char *version,
                   struct sf_errctx *ec)
{
    (void)d; (void)it; (void)len; (void)version; (void)ec;
    return 0; /* the BMC says 413 for what it cannot take; nothing is sent before */
}

static enum sf_held rf_holds(struct sf_dev *dd, struct sf_item *it, const struct sf_prior *p,
                             char *why, size_t cap)
{
    struct rdev *d = (struct rdev *)dd;
    struct sf_bmc_item *b = it->cls_state;
    /* The BMC's item comes first; one the plan skipped (it runs its
     * image already) does not restart the BMC. */
    for (size_t i = 0; i < d->nplan_items && !b->is_bmc; i++) {
        const struct sf_item *o = &d->plan_items[i];
        const struct sf_bmc_item *ob = o->cls_state;
        if (ob && ob->is_bmc && ob->want >= 0 && o->info.outcome == SF_OUTCOME_PLANNED) {
            snprintf(why, cap, "this update restarts the BMC first, which drops staged images");
            return SF_HOLDS_GONE;
        }
    }
    for (size_t i = 0; i < d->nbi && !b->is_bmc && !d->plan_items; i++)
        if (d->bi[i].is_bmc && d->bi[i].want >= 0) {
            /* This update restarts the BMC first, and that drops what it
             * holds staged: what the inventory says now will not last. */
            snprintf(why, cap, "this update restarts the BMC first, which drops staged images");
            return SF_HOLDS_GONE;
        }
    enum sf_bmc_held h = sf_bmcup_holds_staged(&d->inv, b->comp, p->version, p->from_version,
                                               why, cap);
    return h == SF_HELD_STAGED ? SF_HOLDS_STORED : h == SF_HELD_RUNS ? SF_HOLDS_RUNS
                                                                     : SF_HOLDS_GONE;
}

/* The item's result from its sf_bmcup item. */
static void result(struct sf_item *it, const struct sf_bmc_item *b, int rc)
{
    struct sf_item_info *in = &it->info;
    in->next[0] = '\0';
    snprintf(in->version_after, sizeof(in->version_after), "%s",
             b->after[0] ? b->after : b->before);
    switch (b->st) {
    case SF_BI_UPDATED:
        in->outcome = SF_OUTCOME_UPDATED;
        snprintf(in->message, sizeof(in->message), "updated %s -> %s (from the firmware "
                 "inventory)", b->before, b->after);
        break;
    case SF_BI_STAGED:
        in->outcome = SF_OUTCOME_STORED;
        snprintf(in->version_after, sizeof(in->version_after), "%s", b->before);
        snprintf(in->message, sizeof(in->message), "staged, pending host reset (runs %s until "
                 "then)", b->before);
        snprintf(in->next, sizeof(in->next), "'%s' (or the host's next reset) applies it",
                 it->activate_cmd);
        break;
    default:
        in->outcome = SF_OUTCOME_FAILED;
        in->err = rc ? rc : SF_EIO;
        snprintf(in->step, sizeof(in->step), "%s", b->step);
        snprintf(in->message, sizeof(in->message), "%s%s: %s",
                 b->st == SF_BI_UNKNOWN ? "UNKNOWN while " : "", b->step, b->msg);
    }
}

/* The engine's stepper behind sf_bmcup's events. */
struct bctx {
    struct sf_stepper *st;
    struct sf_stepper **all;  /* finish(): every item's, by sf_bmcup item */
    struct sf_bmc_item *items;
    size_t n;
};

static struct sf_stepper *stepper_of(struct bctx *c, const struct sf_bmc_item *it)
{
    for (size_t i = 0; c->all && it && i < c->n; i++)
        if (&c->items[i] == it)
            return c->all[i];
    return c->st ? c->st : c->all ? c->all[0] : NULL;
}

static void bev(enum sf_bev_kind k, const struct sf_bmc_item *it, const char *text, int pct,
                void *arg)
{
    struct bctx *c = arg;
    struct sf_stepper *st = stepper_of(c, it);
    if (!st)
        return;
    if (k == SF_BEV_PROGRESS) {
        uint64_t len = it && it->len ? it->len : 100;
        sf_step_progress(st, pct < 0 ? 0 : (uint64_t)pct * len / 100, len);
    } else if (k == SF_BEV_STEP && !strncmp(text, "waiting for the BMC", 19)) {
        sf_step_phase(st, text);
    } else if (!(k == SF_BEV_STEP && !strncmp(text, "staged:", 7))) {
        sf_step_notice(st, "%s", text); /* "staged" is the caller's phase */
    }
}

/* Wait (within the reset timeout) while the component is being applied
 * ("Updating", or the BMC away in its reset), then judge it. */
static int settle(struct rdev *d, struct sf_bmc_item *b, const char *why)
{
    time_t end = time(NULL) + d->reset_timeout;
    for (;;) {
        struct sf_errctx ec = { 0 };
        int rc = sf_bmcup_inventory(d->s, &d->inv, &ec);
        const struct sf_rf_fw *f = rc ? NULL : sf_bmcup_find(&d->inv, b->comp);
        int busy = rc || (f && !strcmp(f->state, "Updating"));
        if (!busy || time(NULL) >= end) {
            if (rc) {
                snprintf(b->step, sizeof(b->step), "verifying");
                snprintf(b->msg, sizeof(b->msg), "cannot read the inventory: %s", ec.msg);
                b->st = SF_BI_FAILED;
                return rc;
            }
            return sf_bmcup_judge(&d->inv, b, 1, why, &ec);
        }
        if (rc) {
            int down = 0;
            sf_rfs_wait_back(d->s, (unsigned)(end - time(NULL)) + 1, 0, &down, NULL, NULL, &ec);
        } else {
            struct timespec nap = { 0, 300000000 };
            nanosleep(&nap, NULL);
        }
    }
}

static void copy_in(struct sf_bmc_item *b, const struct sf_item *it)
{
    b->img = it->img;
    b->len = it->len;
    if (it->pull[0])
        snprintf(b->pull, sizeof(b->pull), "%s", it->pull);
    snprintf(b->expect, sizeof(b->expect), "%s", it->version);
    snprintf(b->before, sizeof(b->before), "%s", it->prior.id && it->prior.from_version[0]
             ? it->prior.from_version : it->info.version_before);
    if (!b->file_name[0])
        snprintf(b->file_name, sizeof(b->file_name), "%s-%.12s.bin", b->comp,
                 it->info.image_sha256);
    b->st = SF_BI_PLANNED;
    b->after[0] = b->step[0] = b->msg[0] = b->task[0] = '\0';
}

/* After an interruption: the BMC's inventory decides. */
static enum sf_where rf_where(struct sf_dev *dd, struct sf_item *it, const struct sf_prior *p)
{
    struct rdev *d = (struct rdev *)dd;
    struct sf_bmc_item *b = it->cls_state;
    copy_in(b, it);
    int activate = !strcmp(p->action, "activate");
    if (activate)
        snprintf(b->expect, sizeof(b->expect), "%s", it->stored.version);
    struct sf_errctx ec = { 0 };
    int sent = !strncmp(p->phase, "pushing", 7) || !strncmp(p->phase, "pulling", 7);
    if (sent || !strncmp(p->phase, "waiting", 7)) {
        /* Killed once the image was on its way: the BMC may still be
         * taking it (its task runs).  What it ends with decides. */
        struct sf_errctx wec = { 0 };
        sf_bmcup_wait_tasks(d->s, d->task_timeout, &wec);
    }
    if (sf_bmcup_inventory(d->s, &d->inv, &ec) != 0) {
        settle(d, b, "");
        if (b->st == SF_BI_FAILED) {
            result(it, b, SF_EIO);
            return SF_WHERE_FAILED;
        }
    }
    const struct sf_rf_fw *f = sf_bmcup_find(&d->inv, b->comp);
    int updating = f && !strcmp(f->state, "Updating");
    char why[300];
    enum sf_bmc_held h = sf_bmcup_holds_staged(&d->inv, b->comp, b->expect, b->before, why,
                                               sizeof(why));
    int reset_asked = !strncmp(p->phase, "resetting the host", 18);
    int bmc_pushed = b->is_bmc && (sent ||
                                   !strncmp(p->phase, "waiting", 7));
    if (updating || (reset_asked && h != SF_HELD_STAGED) || (bmc_pushed && h != SF_HELD_RUNS)) {
        /* Being applied, or it was: wait for it and judge, never send it
         * again (a second host reset while the BIOS is flashed is how
         * boards are lost). */
        sf_bmcup_judge(&d->inv, b, 0, "", &ec);
        if (b->st != SF_BI_UPDATED && (updating || reset_asked || b->is_bmc)) {
            if (b->is_bmc && !updating && !reset_asked && h == SF_HELD_GONE &&
                strncmp(p->phase, "waiting", 7))
                return SF_WHERE_CONTINUE; /* the push never took: push it again */
            settle(d, b, reset_asked ? "after the host reset, although the BMC accepted the "
                                       "image" : "(the interrupted update did not take)");
        }
        if (b->st == SF_BI_UPDATED) {
            result(it, b, 0);
            snprintf(it->info.message + strlen(it->info.message),
                     sizeof(it->info.message) - strlen(it->info.message),
                     "; attempt #%lld had sent it before it was interrupted", (long long)p->id);
            return SF_WHERE_DONE;
        }
        if (b->is_bmc && !reset_asked && strncmp(p->phase, "waiting", 7))
            return SF_WHERE_CONTINUE;
        result(it, b, SF_EIO);
        return SF_WHERE_FAILED;
    }
    if (reset_asked && h == SF_HELD_STAGED) {
        /* The reset was journaled, and the BMC still lists the image: the
         * request never arrived - or a BMC that lists staged images until
         * the host applies them is applying it now.  A second reset while
         * the BIOS is being written is how boards are lost: wait the
         * reset timeout for it to be taken before resetting again. */
        time_t end = time(NULL) + d->reset_timeout;
        while (time(NULL) < end) {
            struct timespec nap = { 1, 0 };
            nanosleep(&nap, NULL);
            struct sf_errctx iec = { 0 };
            if (sf_bmcup_inventory(d->s, &d->inv, &iec))
                continue;
            f = sf_bmcup_find(&d->inv, b->comp);
            h = sf_bmcup_holds_staged(&d->inv, b->comp, b->expect, b->before, why, sizeof(why));
            if (h != SF_HELD_STAGED || (f && !strcmp(f->state, "Updating")))
                return rf_where(dd, it, p); /* it was taken: judge it */
        }
        return SF_WHERE_CONTINUE; /* never taken: the activation goes again */
    }
    if (h == SF_HELD_RUNS) {
        b->st = SF_BI_UPDATED;
        snprintf(b->after, sizeof(b->after), "%s", f ? f->version : "");
        result(it, b, 0);
        snprintf(it->info.message, sizeof(it->info.message), "updated %s -> %s (from the "
                 "firmware inventory): attempt #%lld's image runs already", b->before, b->after,
                 (long long)p->id);
        return SF_WHERE_DONE;
    }
    return SF_WHERE_CONTINUE;
}

static int install_one(struct rdev *d, struct sf_item *it, struct sf_bmc_item *b,
                       struct sf_stepper *st)
{
    struct bctx c = { .st = st };
    struct sf_bmc_plan *p = &d->scratch;
    memset(p, 0, sizeof(*p));
    p->task_timeout_s = d->task_timeout;
    p->reset_timeout_s = d->reset_timeout;
    char why[300] = "";
    /* An interrupted attempt whose image the BMC still holds staged: not
     * pushed again.  One it no longer holds: pushed again, saying why. */
    enum sf_bmc_held h = it->prior.id || it->stored.id
        ? sf_bmcup_holds_staged(&d->inv, b->comp, b->expect, b->before, why, sizeof(why))
        : SF_HELD_GONE;
    int64_t by = it->prior.id ? it->prior.id : it->stored.id;
    if (!b->is_bmc && h == SF_HELD_STAGED) {
        b->st = SF_BI_STAGED;
        sf_step_notice(st, "attempt #%lld pushed it and the BMC still holds it: not pushed "
                       "again", (long long)by);
    } else {
        if (by && (it->stored.id || !strncmp(it->prior.phase, "staged", 6)))
            sf_step_notice(st, "attempt #%lld staged it, but the BMC no longer holds it (%s; the "
                           "BMC restarted?): pushing it again", (long long)by, why);
        if (sf_step_begin(st, b->pull[0] ? "pulling" : "pushing"))
            return SF_EJOURNAL;
        /* The member may have moved with the BMC's new firmware. */
        const struct sf_rf_fw *f = sf_bmcup_find(&d->inv, b->comp);
        if (f && strcmp(f->uri, b->target) && !b->is_bmc) {
            snprintf(b->target, sizeof(b->target), "%s", f->uri);
            snprintf(b->push_target, sizeof(b->push_target), "%s", f->uri);
        }
        struct sf_errctx ec = { 0 };
        int rc = b->is_bmc ? sf_bmcup_bmc_one(d->s, &d->inv, p, b, bev, &c, &ec)
                           : sf_bmcup_stage_one(d->s, &d->inv, p, b, bev, &c, &ec);
        if (rc) {
            result(it, b, rc);
            return rc;
        }
        if (b->is_bmc) {
            /* The service may have moved with the BMC's new firmware. */
            struct sf_errctx iec = { 0 };
            sf_bmcup_inventory(d->s, &d->inv, &iec);
        }
    }
    if (b->st == SF_BI_STAGED) {
        sf_step_phase(st, "staged");
        it->await = d->activate;
    }
    result(it, b, 0);
    if (it->await)
        snprintf(it->info.message, sizeof(it->info.message), "staged; the host reset applies "
                 "it");
    return 0;
}

/* An activation: what attempt it->stored staged, if the BMC still holds it. */
static int activate_one(struct rdev *d, struct sf_item *it, struct sf_bmc_item *b,
                        struct sf_stepper *st)
{
    (void)st;
    char why[300];
    snprintf(b->expect, sizeof(b->expect), "%s", it->stored.version);
    snprintf(b->before, sizeof(b->before), "%s", it->stored.from_version[0]
             ? it->stored.from_version : it->info.version_before);
    enum sf_bmc_held h = sf_bmcup_holds_staged(&d->inv, b->comp, b->expect, b->before, why,
                                               sizeof(why));
    if (h == SF_HELD_STAGED) {
        b->st = SF_BI_STAGED;
        it->await = 1;
        result(it, b, 0);
        snprintf(it->info.message, sizeof(it->info.message), "staged by attempt #%lld, held by "
                 "the BMC; the host reset applies it", (long long)it->stored.id);
        return 0;
    }
    if (h == SF_HELD_RUNS) {
        const struct sf_rf_fw *f = sf_bmcup_find(&d->inv, b->comp);
        b->st = SF_BI_UPDATED;
        snprintf(b->after, sizeof(b->after), "%s", f ? f->version : b->expect);
        result(it, b, 0);
        snprintf(it->info.message, sizeof(it->info.message), "updated %s -> %s: applied "
                 "already (%s)", b->before, b->after, why);
        return 0;
    }
    b->st = SF_BI_FAILED;
    snprintf(b->step, sizeof(b->step), "checking what the BMC holds");
    snprintf(b->msg, sizeof(b->msg), "the BMC no longer holds the image attempt #%lld staged "
             "(%s; the BMC restarted?): install it again", (long long)it->stored.id, why);
    result(it, b, SF_ENODEV);
    it->info.nothing_written = 1;
    it->journal_result = "nothing-to-activate";
    return SF_ENODEV;
}

static int rf_install(struct sf_dev *dd, struct sf_item *it, struct sf_stepper *st, int dry)
{
    struct rdev *d = (struct rdev *)dd;
    struct sf_bmc_item *b = it->cls_state;
    copy_in(b, it);
    if (dry) {
        it->info.outcome = SF_OUTCOME_DRY_RUN;
        snprintf(it->info.version_after, sizeof(it->info.version_after), "%s", b->before);
        if (it->action == SF_ACTION_ACTIVATE)
            snprintf(it->info.message, sizeof(it->info.message), "would be applied by a host "
                     "reset, if the BMC still holds what attempt #%lld staged",
                     (long long)it->stored.id);
        else
            snprintf(it->info.message, sizeof(it->info.message), "would be %s and %s",
                     b->pull[0] ? "pulled by the BMC" : "pushed", b->is_bmc ? "applied now"
                     : "staged");
        return 0;
    }
    struct sf_errctx ec = { 0 };
    if (sf_bmcup_inventory(d->s, &d->inv, &ec) == 0) {
        const struct sf_rf_fw *f = sf_bmcup_find(&d->inv, b->comp);
        if (f && !it->prior.id)
            snprintf(b->before, sizeof(b->before), "%s", f->version);
    }
    if (it->action == SF_ACTION_ACTIVATE)
        return activate_one(d, it, b, st);
    return install_one(d, it, b, st);
}

/* One host reset for every staged item, each step journaled first. */
static int rf_finish(struct sf_dev *dd, struct sf_item **items, struct sf_stepper **st, size_t n)
{
    struct rdev *d = (struct rdev *)dd;
    struct sf_bmc_plan *pp = &d->scratch;
#define p (*pp)
    memset(&p, 0, sizeof(p));
    p.task_timeout_s = d->task_timeout;
    p.reset_timeout_s = d->reset_timeout;
    for (size_t i = 0; i < n && i < 8; i++) {
        p.it[p.n] = *(struct sf_bmc_item *)items[i]->cls_state;
        p.it[p.n++].st = SF_BI_STAGED;
    }
    /* What the reset needs is read first: the journal records the reset
     * only just before it is sent, so that a kill before it is never
     * taken for a reset the BMC may be applying. */
    struct sf_errctx ec = { 0 };
    char reset_uri[SF_RF_URI] = "";
    int reset_rc = sf_bmcup_inventory(d->s, &d->inv, &ec);
    if (!reset_rc)
        reset_rc = sf_bmcup_reset_uri(d->s, reset_uri, sizeof(reset_uri), &ec);
    for (size_t i = 0; !reset_rc && i < p.n; i++)
        if (sf_step_begin(st[i], "resetting the host"))
            return SF_EJOURNAL;
    struct bctx c = { .all = st, .items = p.it, .n = p.n };
    if (!reset_rc)
        reset_rc = sf_bmcup_host_reset(d->s, &d->inv, &p, reset_uri, bev, &c, &ec);
    for (size_t i = 0; i < p.n; i++) {
        struct sf_item *it = items[i];
        struct sf_bmc_item *b = &p.it[i];
        *(struct sf_bmc_item *)it->cls_state = *b;
        if (b->st == SF_BI_STAGED && reset_rc) {
            /* The reset was not requested: the image still waits. */
            it->info.outcome = SF_OUTCOME_FAILED;
            it->info.err = reset_rc;
            it->info.nothing_written = 1;
            snprintf(it->info.step, sizeof(it->info.step), "resetting the host");
            snprintf(it->info.message, sizeof(it->info.message), "resetting the host: %s",
                     ec.msg);
            snprintf(it->info.version_after, sizeof(it->info.version_after), "%s", b->before);
            snprintf(it->info.next, sizeof(it->info.next), "the BMC still holds the image: "
                     "'%s' resets the host once that works", it->activate_cmd);
            it->journal_result = "stored"; /* activate finds it */
            continue;
        }
        result(it, b, b->st == SF_BI_UPDATED ? 0 : SF_EIO);
        if (p.degraded && !strcasecmp(b->comp, "bios")) {
            it->info.degraded = 1;
            char m[sizeof(it->info.message)];
            snprintf(m, sizeof(m), "%s", it->info.message);
            snprintf(it->info.message, sizeof(it->info.message), "DEGRADED: the BMC reports the "
                     "backup BIOS unhealthy after the host reset (%s); %s", p.degraded_msg, m);
            snprintf(it->info.next, sizeof(it->info.next), "do not update further until the "
                     "backup BIOS is repaired");
            if (!reset_rc)
                reset_rc = SF_EIO;
        }
    }
#undef p
    return reset_rc;
}

static void jstr(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

static int rf_show(struct sf_dev *dd, const struct sf_prior *last, json_object *j,
                   struct sf_errctx *ec)
{
    (void)last; (void)ec;
    struct rdev *d = (struct rdev *)dd;
    const struct sf_bmc_inv *inv = &d->inv;
    char push[160];
    sf_bmcup_methods(&inv->us, push, sizeof(push));
    jstr(j, "redfish_version", d->s->root.redfish_version);
    jstr(j, "authentication", d->s->basic ? "basic" : "session");
    jstr(j, "update_methods", push);
    json_object_object_add(j, "multipart_push", json_object_new_boolean(inv->us.multipart_uri[0]));
    json_object_object_add(j, "http_push", json_object_new_boolean(inv->us.push_uri[0]));
    json_object_object_add(j, "simple_update", json_object_new_boolean(inv->us.simple_update[0]));
    if (d->have_sys) {
        jstr(j, "board_vendor", d->sys.manufacturer);
        jstr(j, "board_product", d->sys.model);
    }
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < inv->n; i++) {
        const struct sf_rf_fw *f = &inv->fw[i];
        json_object *x = json_object_new_object();
        char key[64];
        sf_bmcup_key(inv, f, key, sizeof(key));
        jstr(x, "id", f->id);
        /* What --component takes for it. */
        if (sf_bmcup_running(f))
            jstr(x, "component", key);
        jstr(x, "class", sf_bmcup_class(f));
        jstr(x, "name", f->name[0] ? f->name : f->id);
        jstr(x, "label", sf_bmcup_label(f, f->id));
        jstr(x, "uri", f->uri);
        jstr(x, "version", f->version);
        json_object_object_add(x, "updateable", f->updateable < 0 ? NULL
                               : json_object_new_boolean(f->updateable));
        jstr(x, "state", f->state);
        jstr(x, "health", f->health);
        jstr(x, "role", sf_bmcup_role(f));
        json_object_object_add(x, "backup", json_object_new_boolean(sf_bmcup_is_backup(f)));
        json_object_object_add(x, "staged", json_object_new_boolean(sf_bmcup_is_staged(f)));
        if (f->condition[0])
            jstr(x, "condition", f->condition);
        json_object_array_add(a, x);
    }
    json_object_object_add(j, "firmware", a);
    return 0;
}

const struct sf_class sf_class_redfish = {
    .name = "redfish",
    .runs = "runs",
    .skip_same = 1,
    .can_activate = 1,
    .raw_once = 1,
    .claims = rf_claims,
    .open = rf_open,
    .identity = rf_identity,
    .items = rf_items,
    .fits = rf_fits,
    .where = rf_where,
    .install = rf_install,
    .show = rf_show,
    .holds = rf_holds,
    .finish = rf_finish,
    .close = rf_close,
};
