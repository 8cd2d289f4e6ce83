/*
 * sf_class_scsi.c - the SCSI device class: SES enclosures (every
 * processor, through the Download Microcode pages) and drives (WRITE
 * BUFFER), on the engine.
 *
 * Items: one per SES processor (subenclosure) of each enclosure path, one
 * per drive.  An update may name several paths - modules of one enclosure,
 * several enclosures, drives - so every item carries its own journal
 * identity: the enclosure's logical identifier (two modules of one
 * enclosure share it, and its lock) or the drive's NAA.
 *
 * The steps (sf_install.c, sf_sesdl.c, sf_wbdl.c) go through the
 * journal's gate before each writing step:
 *
 *   enclosure  downloading -> completing -> [stored] -> [activating] -> verifying
 *   drive      downloading -> last chunk -> [stored] -> [activating] -> verifying
 *   activate   activating -> verifying
 *
 * How an interrupted attempt is picked up (where() + the steps):
 *   - the item runs something other than what the attempt started from
 *     (and what it expects, when it names a revision): done, verified;
 *   - an enclosure still reporting the download in progress: continued at
 *     its expected offset; a completion status the plan read: adopted -
 *     but only when the attempt got as far as sending something: one
 *     still "planned" cannot have started what the enclosure shows (another
 *     host on a shared JBOD did), which is refused as any other's;
 *   - "completing" or later with the enclosure idle: the killed run read
 *     the completion (it is reported once), so the image is stored;
 *   - a drive at "last chunk", "stored" or "activating" with --activate:
 *     activated, and sent again only if the drive holds nothing deferred;
 *   - otherwise: sent again (a drive keeps no progress).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_class.h"
#include "engine/sf_install.h"

struct scsi_dev {
    struct sf_dev base;
    struct sf_install_opts io;
    struct sf_plan *plan;
};

/* An item's cls_state is the index of its plan target, plus one. */
static size_t ti_of(const struct sf_item *it)
{
    return (size_t)(uintptr_t)it->cls_state - 1;
}

static int scsi_claims(const char *target)
{
    /* Every other class names a prefix; a SCSI device is a path. */
    return target && target[0] && !strchr(target, ':');
}

static int opts_from(const struct sf_update_options *o, struct sf_install_opts *io,
                     struct sf_errctx *ec)
{
    sf_install_opts_default(io);
    if (sf_dl_mode_parse(o->mode, &io->dl.mode))
        return sf_err_set(ec, SF_EINVAL, "mode must be auto, deferred (0Eh), immediate (07h), "
                          "save (05h) or events (0Dh), not '%s'", o->mode);
    io->activate_after = o->activate;
    io->sub_id = o->subenclosure;
    io->dl.chunk_max = o->chunk_size;
    io->dl.dry_run = o->dry_run;
    io->dl.in_progress = o->in_progress == SF_IN_PROGRESS_RESUME ? SF_INPROG_RESUME
                         : o->in_progress == SF_IN_PROGRESS_RESTART ? SF_INPROG_RESTART
                                                                    : SF_INPROG_REFUSE;
    if (o->restart)
        io->dl.in_progress = SF_INPROG_RESTART;
    if (o->timeout_ms) {
        io->dl.complete_timeout_ms = o->timeout_ms;
        io->ready_timeout_ms = o->timeout_ms;
    }
    if (o->poll_ms)
        io->dl.poll_ms = o->poll_ms;
    io->cmd_timeout_ms = o->command_timeout_ms;
    io->jobs = o->jobs;
    io->solo = o->parallel;
    if (o->expect_revision)
        snprintf(io->expect_rev, sizeof(io->expect_rev), "%s", o->expect_revision);
    return 0;
}

static int scsi_open(sf_ctx *ctx, const char *const *targets, size_t n,
                     const struct sf_update_options *o,
                      const struct sf_class_req *rq, struct sf_dev **out, struct sf_errctx *ec)
{
    (void)rq;
    struct scsi_dev *d = calloc(1, sizeof(*d));
    if (!d)
        return SF_ENOMEM;
    d->base.cls = &sf_class_scsi;
    snprintf(d->base.target, sizeof(d->base.target), "%s", targets[0]);
    int rc = opts_from(o, &d->io, ec);
    if (!rc)
        rc = sf_install_plan(ctx, targets, n, 1, &d->io, &d->plan, ec);
    if (rc) {
        free(d);
        return rc;
    }
    *out = &d->base;
    return 0;
}

static void id_of(const struct sf_target *t, char id[17])
{
    snprintf(id, 17, "%016llx", (unsigned long long)sf_target_uid(t));
}

static void scsi_identity(struct sf_dev *dv, char id[17], char keys[][17], size_t *nkeys,
                          const char **what)
{
    struct scsi_dev *d = (struct scsi_dev *)dv;
    const struct sf_plan *p = d->plan;
    *nkeys = 0;
    id[0] = '\0';
    int drives = 0;
    for (size_t i = 0; i < p->n && *nkeys < SF_CLASS_MAX_DEVICES; i++) {
        char k[17];
        id_of(&p->t[i], k);
        drives |= p->t[i].drive;
        if (i == 0)
            snprintf(id, 17, "%s", k);
        int have = 0;
        for (size_t j = 0; j < *nkeys; j++)
            have |= !strcmp(keys[j], k);
        if (!have)
            snprintf(keys[(*nkeys)++], 17, "%s", k);
    }
    *what = drives ? "drive" : "enclosure";
}

static void fill_item(struct scsi_dev *d, size_t i, struct sf_item *it)
{
    const struct sf_target *t = &d->plan->t[i];
    memset(it, 0, sizeof(*it));
    it->dev = &d->base;
    it->cls_state = (void *)(uintptr_t)(i + 1);
    it->sub = t->drive ? 0 : t->sub_id;
    id_of(t, it->id);
    struct sf_item_info *in = &it->info;
    snprintf(in->target, sizeof(in->target), "%s", t->path);
    snprintf(in->cls, sizeof(in->cls), "%s", t->drive ? "drive" : "ses");
    if (t->drive)
        snprintf(in->name, sizeof(in->name), "drive");
    else
        snprintf(in->name, sizeof(in->name), "subenclosure %u", t->sub_id);
    snprintf(in->vendor, sizeof(in->vendor), "%s", t->vendor);
    snprintf(in->product, sizeof(in->product), "%s", t->product);
    snprintf(in->version_before, sizeof(in->version_before), "%s", t->rev_before);
    snprintf(in->logical_id, sizeof(in->logical_id), "%s", it->id);
    in->subenclosure = t->drive ? -1 : t->sub_id;
    snprintf(it->board_vendor, sizeof(it->board_vendor), "%s", t->vendor);
    snprintf(it->board_product, sizeof(it->board_product), "%s", t->product);
    snprintf(it->board_words, sizeof(it->board_words), "%s %s %s", in->name, t->vendor,
             t->product);
    snprintf(it->resume_cmd, sizeof(it->resume_cmd), "safeflash resume %s", t->path);
    if (t->drive)
        snprintf(it->activate_cmd, sizeof(it->activate_cmd), "safeflash activate %s", t->path);
    else
        snprintf(it->activate_cmd, sizeof(it->activate_cmd), "safeflash activate %s "
                 "--subenclosure %u", t->path, t->sub_id);
    snprintf(it->journal_vendor, sizeof(it->journal_vendor), "%s", t->vendor);
    snprintf(it->journal_product, sizeof(it->journal_product), "%s", t->product);
    snprintf(it->mode, sizeof(it->mode), "%s%s", sf_dl_mode_key(d->io.dl.mode),
             d->io.activate_after ? "+act" : "");
}

/*
 * The items the plan identified.  A later call (the run's re-check, once
 * the locks are held) gives the same: an enclosure's processors change
 * what they run by themselves (a partner module's firmware sync, a reset
 * that starts stored microcode), so a revision read again is no evidence
 * of another updater - the journal's re-check is (an attempt recorded
 * since the plan), and where() reads the device before any continuation.
 * The Download Microcode status is never read again here either: a
 * completion status is reported once, and the plan's read of it is what a
 * continuation adopts.
 */
static int scsi_items(struct sf_dev *dv, struct sf_item **out, size_t *n, struct sf_errctx *ec)
{
    (void)ec;
    struct scsi_dev *d = (struct scsi_dev *)dv;
    struct sf_plan *p = d->plan;
    struct sf_item *v = calloc(p->n ? p->n : 1, sizeof(*v));
    if (!v)
        return SF_ENOMEM;
    for (size_t i = 0; i < p->n; i++)
        fill_item(d, i, &v[i]);
    *out = v;
    *n = p->n;
    return 0;
}

static struct sf_target *target_of(struct scsi_dev *d, const struct sf_item *it)
{
    return &d->plan->t[ti_of(it)];
}

static int scsi_fits(struct sf_dev *dv, struct sf_item *it, uint64_t len, const char *version,
                     struct sf_errctx *ec)
{
    (void)version;
    struct scsi_dev *d = (struct scsi_dev *)dv;
    struct sf_target *t = target_of(d, it);
    if (len > 0xffffffffu)
        return sf_err_set(ec, SF_ERANGE, "%s: image of %llu bytes is too large", t->path,
                          (unsigned long long)len);
    int rc = sf_install_fits(t, (uint32_t)len, &d->io, ec);
    if (rc)
        return rc;
    /* Another host's (or tool's) operation on this processor: refused
     * before anything is written, and again before each processor's first
     * page (sf_sesdl).  Ours only if the journal's attempt sent something. */
    int own = it->prior.id && sf_install_phase_wrote(it->prior.phase);
    if (!t->drive && sf_sesdl_busy(t->dl_status_at_plan) && !own &&
        (t->dl_status_at_plan != SF_DL_IN_PROGRESS || d->io.dl.in_progress == SF_INPROG_REFUSE)) {
        struct sf_ses_dl_desc dd = { .subenc_id = t->sub_id, .status = t->dl_status_at_plan,
                                     .expected_offset = t->expected_offset_at_plan };
        char line[400];
        sf_sesdl_busy_line(line, sizeof(line), t->path, sf_target_uid(t), t->sub_id, &dd, NULL);
        /* SF_EBUSY: a download the operator may choose to continue or
         * discard (the CLI asks at a terminal); anything else only ends. */
        return sf_err_set(ec, dd.status == SF_DL_IN_PROGRESS ? SF_EBUSY : SF_ELOCKED, "%s", line);
    }
    return 0;
}

/* The revision an interrupted attempt must see to count as done: the
 * one its image carries, else any change from where it started. */
static int took(const struct sf_item *it, const char *now)
{
    const char *from = it->prior.from_version;
    if (it->version[0])
        return !strcmp(now, it->version) && strcmp(from, it->version);
    return now[0] && from[0] && strcmp(now, from);
}

static enum sf_where scsi_where(struct sf_dev *dv, struct sf_item *it, const struct sf_prior *p)
{
    struct scsi_dev *d = (struct scsi_dev *)dv;
    struct sf_target *t = target_of(d, it);
    char now[8] = "";
    struct sf_errctx ec = { 0 };
    /* A processor killed right after its last page or its activation may
     * be restarting: wait for it as a verification would. */
    if (sf_install_read_revision(d->plan, ti_of(it), &d->io, now, sizeof(now), &ec))
        return SF_WHERE_CONTINUE; /* the steps meet the device's silence themselves */
    if (!p->phase[0] || !took(it, now))
        return SF_WHERE_CONTINUE;
    snprintf(t->rev_after, sizeof(t->rev_after), "%s", now);
    it->info.outcome = SF_OUTCOME_UPDATED;
    snprintf(it->info.version_after, sizeof(it->info.version_after), "%s", now);
    if (!sf_install_phase_wrote(p->phase))
        /* The attempt never sent anything: someone else put it there. */
        snprintf(it->info.message, sizeof(it->info.message), "updated %s -> %s (by another "
                 "host or tool: the interrupted attempt #%lld had not begun; verified, nothing "
                 "sent)", p->from_version, now, (long long)p->id);
    else
        snprintf(it->info.message, sizeof(it->info.message), "updated %s -> %s (%s by the "
                 "interrupted attempt #%lld; verified, nothing sent again)",
                 p->from_version, now, !strcmp(p->action, "activate") ? "activated" : "completed",
                 (long long)p->id);
    return SF_WHERE_DONE;
}

/* The engine's stepper behind the download's hooks. */
static int gate(void *arg, const char *step)
{
    return sf_step_begin(arg, step);
}

static void note(void *arg, const char *step)
{
    sf_step_phase(arg, step);
}

static void relay(const struct sf_iev *ev, void *arg)
{
    struct sf_stepper *st = arg;
    switch (ev->kind) {
    case SF_IEV_PROGRESS: sf_step_progress(st, ev->bytes, ev->total); break;
    case SF_IEV_NOTICE: sf_step_notice(st, "%s", ev->text); break;
    default: break; /* phases go through the gate; results are the engine's */
    }
}

static enum sf_outcome outcome_of(enum sf_inst_outcome o)
{
    switch (o) {
    case SF_OUT_UPDATED: return SF_OUTCOME_UPDATED;
    case SF_OUT_STORED: return SF_OUTCOME_STORED;
    case SF_OUT_PENDING_RESET: return SF_OUTCOME_PENDING_RESET;
    case SF_OUT_DRY_RUN: return SF_OUTCOME_DRY_RUN;
    case SF_OUT_NOT_ATTEMPTED: return SF_OUTCOME_NOT_ATTEMPTED;
    case SF_OUT_NOTHING: return SF_OUTCOME_NOTHING;
    case SF_OUT_SKIPPED: return SF_OUTCOME_SKIPPED;
    default: return SF_OUTCOME_FAILED;
    }
}

/* The target's result, in the item's words. */
static void report(struct scsi_dev *d, struct sf_item *it, struct sf_target *t)
{
    struct sf_item_info *in = &it->info;
    in->outcome = outcome_of(t->outcome);
    in->mode_used = t->dl.mode_used;
    in->final_status = t->dl.final_status;
    in->chunk_used = t->dl.chunk_used;
    in->resumes = t->dl.resumes;
    in->restarts = t->dl.restarts;
    in->pages_sent = t->dl.pages_sent;
    in->fell_back = t->dl.fell_back;
    const char *after = t->rev_after[0] ? t->rev_after : t->rev_before;
    snprintf(in->version_after, sizeof(in->version_after), "%s", after);
    const char *fb = !t->dl.fell_back ? ""
                     : t->drive ? t->dl.mode_used == 0x05
                                      ? " (mode 05h: the drive refused 0Eh and 07h)"
                                      : " (mode 07h: the drive refused 0Eh)"
                                : " (immediate mode after deferred was rejected)";
    switch (t->outcome) {
    case SF_OUT_UPDATED:
        snprintf(in->message, sizeof(in->message), "updated %s -> %s%s%s%s%s",
                 it->prior.id && it->prior.from_version[0] ? it->prior.from_version
                                                           : t->rev_before,
                 t->rev_after, fb, t->msg[0] ? " (" : "", t->msg, t->msg[0] ? ")" : "");
        break;
    case SF_OUT_STORED:
    case SF_OUT_PENDING_RESET:
        snprintf(in->message, sizeof(in->message), "%s (running %s)", t->msg, t->rev_before);
        snprintf(in->next, sizeof(in->next), "%s", t->outcome == SF_OUT_STORED && !d->io.dl.dry_run
                 ? it->activate_cmd : "");
        if (in->next[0])
            snprintf(in->next, sizeof(in->next), "'%s' starts it", it->activate_cmd);
        break;
    case SF_OUT_DRY_RUN:
        snprintf(in->message, sizeof(in->message), "dry run, nothing written");
        break;
    case SF_OUT_FAILED:
        in->err = t->err;
        in->nothing_written = t->dl.pages_sent == 0;
        /* The pair's state after the failure, read by sf_install_one. */
        snprintf(in->message, sizeof(in->message), "%s%s%s", t->msg,
                 t->redundancy[0] ? "; " : "", t->redundancy);
        in->degraded = t->degraded;
        break;
    default:
        snprintf(in->message, sizeof(in->message), "%s", t->msg);
        break;
    }
}

static int scsi_install(struct sf_dev *dv, struct sf_item *it, struct sf_stepper *st, int dry)
{
    struct scsi_dev *d = (struct scsi_dev *)dv;
    struct sf_target *t = target_of(d, it);
    struct sf_install_opts o = d->io;
    o.dl.dry_run = dry;
    if (it->prior.id) {
        /* A continuation downloads as its attempt did. */
        char m[16];
        snprintf(m, sizeof(m), "%s", it->prior.mode);
        char *plus = strchr(m, '+');
        o.activate_after = plus && !strcmp(plus, "+act");
        if (plus)
            *plus = '\0';
        if (m[0] && sf_dl_mode_parse(m, &o.dl.mode))
            o.dl.mode = SF_MODE_AUTO;
        snprintf(t->resume_phase, sizeof(t->resume_phase), "%s", it->prior.phase[0]
                 ? it->prior.phase : "planned");
        /* Judged against where the attempt started (journal, J3). */
        if (it->prior.from_version[0] && strcmp(it->prior.from_version, "(nothing)"))
            snprintf(t->rev_before, sizeof(t->rev_before), "%s", it->prior.from_version);
    }
    snprintf(t->expect_rev, sizeof(t->expect_rev), "%s", it->version);
    struct sf_install_hooks h = { relay, st, dry ? NULL : gate, dry ? NULL : note, st };
    int rc;
    if (it->action == SF_ACTION_ACTIVATE) {
        t->stored_by = it->stored.id;
        snprintf(t->stored_from, sizeof(t->stored_from), "%s", it->stored.from_version);
        rc = sf_activate_one(d->plan, ti_of(it), &o, &h);
    } else {
        t->img = it->img;
        t->img_len = (uint32_t)it->len;
        snprintf(t->img_sha, sizeof(t->img_sha), "%s", it->info.image_sha256);
        rc = sf_install_one(d->plan, ti_of(it), &o, &h);
    }
    report(d, it, t);
    return rc;
}

static int scsi_show(struct sf_dev *dv, const struct sf_prior *last, json_object *doc,
                     struct sf_errctx *ec)
{
    (void)last;
    (void)ec;
    struct scsi_dev *d = (struct scsi_dev *)dv;
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < d->plan->n; i++) {
        const struct sf_target *t = &d->plan->t[i];
        json_object *x = json_object_new_object();
        char id[17];
        id_of(t, id);
        json_object_object_add(x, "target", json_object_new_string(t->path));
        json_object_object_add(x, "item", json_object_new_string(t->drive ? "drive" : "subenclosure"));
        if (!t->drive)
            json_object_object_add(x, "subenclosure", json_object_new_int(t->sub_id));
        json_object_object_add(x, "logical_id", json_object_new_string(id));
        json_object_object_add(x, "vendor", json_object_new_string(t->vendor));
        json_object_object_add(x, "product", json_object_new_string(t->product));
        json_object_object_add(x, "version", json_object_new_string(t->rev_before));
        json_object_object_add(x, "max_image_size", json_object_new_int64(t->max_size));
        json_object_array_add(a, x);
    }
    json_object_object_add(doc, "items", a);
    return 0;
}

static void scsi_close(struct sf_dev *dv)
{
    struct scsi_dev *d = (struct scsi_dev *)dv;
    sf_plan_free(d->plan);
    free(d);
}

const struct sf_class sf_class_scsi = {
    .name = "scsi",
    .runs = "runs",
    .pkg_revision = 1,
    .skip_same = 1,
    .mode_is_layout = 0,
    .can_activate = 1,
    .lock_shows_key = 1,
    .claims = scsi_claims,
    .open = scsi_open,
    .identity = scsi_identity,
    .items = scsi_items,
    .fits = scsi_fits,
    .where = scsi_where,
    .install = scsi_install,
    .repair = NULL,
    .show = scsi_show,
    .close = scsi_close,
};
