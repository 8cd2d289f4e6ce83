/*
 * sf_cli_install.c - `safeflash install` and `safeflash activate`.
 *
 * Both: plan (identify, choose targets, refuse what cannot work), show the
 * plan, ask unless --yes, run, and exit with a code that says whether
 * everything, something or nothing was applied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <pthread.h>
#include <unistd.h>

#include "engine/sf_install.h"
#include "pkg/sf_pkg.h"
#include "sf_cli.h"
#include "sf_cli_scsi.h"
#include "sf_fmt.h"
#include "sf_progress.h"
#include "state/sf_history.h"
#include "state/sf_lock.h"

#define SF_MAX_IMAGE_FILE (256u * 1024u * 1024u)

static void install_usage(FILE *f)
{
    fputs("Usage: safeflash install PACKAGE|IMAGE DEVICE... [options]\n"
          "\n"
          "Put firmware on every SES processor (subenclosure) of each enclosure, one\n"
          "processor at a time, and prove it took.  A DEVICE that is not an enclosure\n"
          "(a disk, a tape...) is a drive: its microcode goes with WRITE BUFFER and the\n"
          "revision in INQUIRY proves it.  A package (safeflash package\n"
          "create) is checked before anything is written: trusted signature, image\n"
          "hashes, vendor/product of every target, version order.  A raw image is\n"
          "accepted with a warning: nothing protects it.\n"
          "\n"
          "  --allow-unsigned     accept an unsigned or untrusted package\n"
          "  --allow-downgrade    accept a package older than what runs\n"
          "  --vendor PAT --product PAT   raw image: refuse targets not matching\n"
          "  --keys DIR           trusted public keys (default $SAFEFLASH_KEYS or\n"
          "                       /etc/safeflash/keys)\n"
          "  --state-dir DIR      history, journal, staged images (default\n"
          "                       $SAFEFLASH_STATE_DIR or /var/lib/safeflash)\n"
          "  --mode auto|deferred|immediate|save|events\n"
          "                       deferred = 0Eh: stored, runs after 'safeflash activate'\n"
          "                       (no I/O disruption); immediate = 07h: runs at once;\n"
          "                       auto (default) tries 0Eh and falls back to 07h (drives:\n"
          "                       then 05h); drives only: save = WRITE BUFFER 05h (whole\n"
          "                       image in one command), events = 0Dh (deferred, also\n"
          "                       runs on a hard reset or power on).  Mode numbers work\n"
          "                       too: 05h, 07h, 0Dh, 0Eh\n"
          "  --activate           activate what was stored (0Eh/0Dh) right after a clean\n"
          "                       download, then verify; never after a failed one\n"
          "  --subenclosure ID|all  which processor (default: all)\n"
          "  --chunk-size N       at most N bytes per page or WRITE BUFFER command\n"
          "                       (enclosures: a multiple of 4, <= 65508; default: the\n"
          "                       largest the device accepts, 64 KiB for a drive that\n"
          "                       does not say)\n"
          "  --expect-revision R  the revision the image carries, checked afterwards\n"
          "                       (default: the revision must change)\n"
          "  --resume | --restart what to do with a download already in progress\n"
          "  --timeout SECONDS    wait this long for completion (default 1200)\n"
          "  --poll-interval MS   between status reads after the last page (default 1000)\n"
          "  --command-timeout S  give up on one SCSI command after S seconds (default 60);\n"
          "                       a timed-out write is never retried\n"
          "  --dry-run            everything except the writes\n"
          "  --jobs N             update up to N enclosures at once (the modules of\n"
          "                       one enclosure are still done one after another)\n"
          "  --parallel           also update the modules (paths) of one enclosure at\n"
          "                       the same time: faster, but the enclosure loses its\n"
          "                       redundancy meanwhile (default: one module at a time)\n"
          "  --yes                do not ask for confirmation\n"
          "  --json               one JSON event per line\n"
          "  -h, --help           this text\n"
          "\n"
          "Exit codes: 0 done (or nothing to do), 1 failed, 8 refused, 9 partially\n"
          "applied, 12 needs a reset or power cycle, 13 signature, 14 package\n"
          "damaged or altered, 15 package not for this device, 16 version refused.\n",
          f);
}

static void activate_usage(FILE *f)
{
    fputs("Usage: safeflash activate DEVICE... [options]\n"
          "\n"
          "Run deferred microcode (stored by 'install --mode deferred') with the\n"
          "Activate Deferred Microcode page (0Fh), one processor at a time: the\n"
          "enclosure restarts; safeflash waits for it and verifies the revision.  On\n"
          "a drive: WRITE BUFFER mode 0Fh, then the revision in INQUIRY once the\n"
          "drive is ready again (its UNIT ATTENTION is expected and absorbed).\n"
          "\n"
          "  --subenclosure ID|all  which processor (default: all)\n"
          "  --expect-revision R  the revision expected afterwards\n"
          "  --timeout SECONDS    wait this long for the enclosure (default 1200)\n"
          "  --poll-interval MS   between status reads (default 1000)\n"
          "  --command-timeout S  give up on one SCSI command after S seconds (default 60)\n"
          "  --dry-run            everything except the write\n"
          "  --yes                do not ask for confirmation\n"
          "  --json               one JSON event per line\n"
          "  -h, --help           this text\n",
          f);
}

/* Read a whole image file.  One-line errors for every way it can fail. */
static int read_image(const char *path, uint8_t **out, uint32_t *len, char *msg, size_t cap)
{
    size_t n = 0;
    int rc = sf_cli_read_file(path, out, &n, SF_MAX_IMAGE_FILE, msg, cap);
    if (!rc)
        *len = (uint32_t)n;
    return rc;
}

static int parse_sub(const char *a, int *out)
{
    if (!strcmp(a, "all")) {
        *out = -1;
        return 0;
    }
    char *end;
    long v = strtol(a, &end, 0);
    if (*a == '\0' || *end || v < 0 || v > 255)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_uint(const char *a, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(a, &end, 0);
    if (*a == '\0' || *a == '-' || errno)
        return -1;
    if (*end == 'k' || *end == 'K') {
        v *= 1024;
        end++;
    }
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

int sf_cli_confirm(const char *question)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    fprintf(tty, "%s [y/N] ", question);
    fflush(tty);
    char line[32] = "";
    int yes = fgets(line, sizeof(line), tty) && (line[0] == 'y' || line[0] == 'Y');
    fclose(tty);
    return yes;
}

/* [r]esume / [s]tart over / anything else: quit.  Returns the choice. */
static int ask_in_progress(void)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    fprintf(tty, "Resume it at the enclosure's expected offset, start over, or quit? [r/s/Q] ");
    fflush(tty);
    char line[32] = "";
    int c = 0;
    if (fgets(line, sizeof(line), tty)) {
        if (line[0] == 'r' || line[0] == 'R')
            c = SF_INPROG_RESUME;
        else if (line[0] == 's' || line[0] == 'S')
            c = SF_INPROG_RESTART;
    }
    fclose(tty);
    return c;
}

static const char *mode_words(enum sf_dl_mode_choice m)
{
    switch (m) {
    case SF_MODE_DEFERRED: return "deferred (0Eh)";
    case SF_MODE_IMMEDIATE: return "immediate (07h)";
    case SF_MODE_SAVE: return "save (WRITE BUFFER 05h, one command)";
    case SF_MODE_EVENTS: return "events (WRITE BUFFER 0Dh: deferred, also runs on reset/power on)";
    default: return "auto (deferred 0Eh, falling back to immediate 07h)";
    }
}

/* The name history records and packages use for a mode choice. */
static const char *mode_key(enum sf_dl_mode_choice m)
{
    switch (m) {
    case SF_MODE_DEFERRED: return "deferred";
    case SF_MODE_IMMEDIATE: return "immediate";
    case SF_MODE_SAVE: return "save";
    case SF_MODE_EVENTS: return "events";
    default: return "auto";
    }
}

/* --mode: the names, or the mode numbers operators know from
 * sg_write_buffer (5, 05h, 0x0e ...).  0 or -1. */
static int mode_parse(const char *s, enum sf_dl_mode_choice *m)
{
    static const struct { const char *name; enum sf_dl_mode_choice m; } names[] = {
        { "auto", SF_MODE_AUTO }, { "deferred", SF_MODE_DEFERRED },
        { "immediate", SF_MODE_IMMEDIATE }, { "save", SF_MODE_SAVE }, { "events", SF_MODE_EVENTS },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(s, names[i].name)) {
            *m = names[i].m;
            return 0;
        }
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 16);
    if (end == s || (*end && strcmp(end, "h") && strcmp(end, "H")))
        return -1;
    switch (v) {
    case 0x05: *m = SF_MODE_SAVE; return 0;
    case 0x07: *m = SF_MODE_IMMEDIATE; return 0;
    case 0x0d: *m = SF_MODE_EVENTS; return 0;
    case 0x0e: *m = SF_MODE_DEFERRED; return 0;
    default: return -1;
    }
}

static void show_plan(struct sf_progress *pr, const struct sf_plan *p, const char *image,
                      const struct sf_install_opts *o, int activate)
{
    if (pr->mode == SF_RENDER_JSON) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "event", json_object_new_string("plan"));
        json_object_object_add(j, "action", json_object_new_string(activate ? "activate" : "install"));
        if (!activate) {
            /* resume names no image: the journal's staged one is used */
            json_object_object_add(j, "image", image ? json_object_new_string(image) : NULL);
            json_object_object_add(j, "mode", json_object_new_string(mode_key(o->dl.mode)));
        }
        json_object_object_add(j, "dry_run", json_object_new_boolean(o->dl.dry_run));
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < p->n; i++) {
            const struct sf_target *t = &p->t[i];
            json_object *x = json_object_new_object();
            json_object_object_add(x, "device", json_object_new_string(t->path));
            if (t->drive)
                json_object_object_add(x, "kind", json_object_new_string("drive"));
            else
                json_object_object_add(x, "subenclosure", json_object_new_int(t->sub_id));
            json_object_object_add(x, "vendor", json_object_new_string(t->vendor));
            json_object_object_add(x, "product", json_object_new_string(t->product));
            json_object_object_add(x, "current_revision", json_object_new_string(t->rev_before));
            const char *to = t->expect_rev[0] ? t->expect_rev : o->expect_rev;
            if (to[0])
                json_object_object_add(x, "new_revision", json_object_new_string(to));
            if (t->img_len)
                json_object_object_add(x, "image_size", json_object_new_int64(t->img_len));
            json_object_object_add(x, "max_image_size", json_object_new_int64(t->max_size));
            json_object_array_add(a, x);
        }
        json_object_object_add(j, "targets", a);
        sf_progress_json(pr, j);
        json_object_put(j);
        return;
    }
    if (activate)
        fprintf(pr->out, "Plan: activate deferred microcode%s\n", o->dl.dry_run ? " (dry run)" : "");
    else
        fprintf(pr->out, "Plan: install %s, mode %s%s\n", image, mode_words(o->dl.mode),
                o->dl.dry_run ? " (dry run)" : "");
    for (size_t i = 0; i < p->n; i++) {
        const struct sf_target *t = &p->t[i];
        const char *to = t->expect_rev[0] ? t->expect_rev : o->expect_rev;
        char what[32];
        if (t->drive)
            snprintf(what, sizeof(what), "drive           ");
        else
            snprintf(what, sizeof(what), "subenclosure %-3u", t->sub_id);
        fprintf(pr->out, "  %-20s %s %s %-16s %s -> %s", t->path, what,
                t->vendor, t->product, t->rev_before,
                to[0] ? to : (activate ? "(deferred image)" : "(from image)"));
        if (t->img_len)
            fprintf(pr->out, "  (%u bytes)", t->img_len);
        if (t->outcome == SF_OUT_SKIPPED)
            fprintf(pr->out, "  skipped: %s", t->msg);
        fputc('\n', pr->out);
    }
    fflush(pr->out);
}


static int exit_for(const struct sf_plan *p, int *applied_out)
{
    int failed = 0, applied = 0, pending = 0, nothing = 0, other = 0;
    for (size_t i = 0; i < p->n; i++) {
        switch (p->t[i].outcome) {
        case SF_OUT_UPDATED:
        case SF_OUT_STORED: applied++; break;
        case SF_OUT_PENDING_RESET: applied++; pending++; break;
        case SF_OUT_FAILED:
        case SF_OUT_NOT_ATTEMPTED: failed++; break;
        case SF_OUT_NOTHING: nothing++; break;
        default: other++; break; /* dry run, skipped */
        }
    }
    *applied_out = applied;
    if (nothing && !applied && !failed && !other)
        return SF_EXIT_FAILED; /* nothing anywhere to activate */
    if (p->degraded)
        return SF_EXIT_DEGRADED; /* before anything else: a path is gone */
    if (failed)
        return applied ? SF_EXIT_PARTIAL : SF_EXIT_FAILED;
    if (pending)
        return SF_EXIT_PENDING;
    return SF_EXIT_OK;
}

enum cmd_kind { CMD_INSTALL, CMD_ACTIVATE, CMD_RESUME };

struct ctx {
    enum cmd_kind kind;
    struct sf_progress pr;
    int json;
    struct sf_history *hist;
    char run[33];
    char package_sha[65];
    const char *mode_name;
    char err[256];             /* the last refusal, for a worker's reason */
    struct sf_history_group *group; /* --jobs: attempt starts committed together */
};

static int refuse(struct ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct ctx *c, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->err, sizeof(c->err), "%s", msg);
    if (c->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "event", json_object_new_string("error"));
        json_object_object_add(j, "message", json_object_new_string(msg));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        sf_progress_json(&c->pr, j);
        json_object_put(j);
    }
    fprintf(stderr, "safeflash: %s\n", msg);
    return code;
}

static void warn(struct ctx *c, const char *msg)
{
    if (c->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "event", json_object_new_string("warning"));
        json_object_object_add(j, "message", json_object_new_string(msg));
        sf_progress_json(&c->pr, j);
        json_object_put(j);
    } else {
        fprintf(stderr, "safeflash: warning: %s\n", msg);
    }
}

/* ---- journal: the engine's steps, recorded in the history database ---- */

static void j_begin(void *arg, struct sf_target *t)
{
    struct ctx *c = arg;
    struct sf_attempt a;
    memset(&a, 0, sizeof(a));
    snprintf(a.run, sizeof(a.run), "%s", c->run);
    snprintf(a.action, sizeof(a.action), "%s", c->kind == CMD_ACTIVATE ? "activate" : "install");
    snprintf(a.path, sizeof(a.path), "%s", t->path);
    sf_fmt_id64(sf_target_uid(t), a.logical_id);
    snprintf(a.vendor, sizeof(a.vendor), "%s", t->vendor);
    snprintf(a.product, sizeof(a.product), "%s", t->product);
    a.sub = t->sub_id;
    snprintf(a.from_rev, sizeof(a.from_rev), "%s", t->rev_before);
    snprintf(a.expected_rev, sizeof(a.expected_rev), "%s", t->expect_rev);
    snprintf(a.package_sha, sizeof(a.package_sha), "%s", c->package_sha);
    snprintf(a.image_sha, sizeof(a.image_sha), "%s", t->img_sha);
    if (t->img_sha[0])
        snprintf(a.staged, sizeof(a.staged), "%s/staging/%s.img", sf_state_dir(NULL), t->img_sha);
    snprintf(a.mode, sizeof(a.mode), "%s", c->mode_name);
    a.resumed_from = t->resume_of;
    struct sf_errctx ec = { 0 };
    int64_t id = c->group ? sf_history_group_begin(c->group, &a, &ec)
                          : sf_history_begin(c->hist, &a, &ec);
    t->journal_id = id > 0 ? id : 0;
    if (id <= 0)
        warn(c, ec.msg[0] ? ec.msg : "cannot record this attempt in the history");
    if (t->resume_of > 0) {
        /* The interrupted attempt ends here; this one carries on. */
        char why[64];
        snprintf(why, sizeof(why), "continued by #%lld", (long long)t->journal_id);
        sf_history_finish(c->hist, t->resume_of, "interrupted", NULL, why);
    }
}

static void j_phase(void *arg, struct sf_target *t, const char *phase)
{
    struct ctx *c = arg;
    sf_history_phase(c->hist, t->journal_id, phase, NULL);
}

static void j_finish(void *arg, struct sf_target *t)
{
    struct ctx *c = arg;
    sf_history_finish(c->hist, t->journal_id, sf_install_outcome_str(t->outcome),
                      t->rev_after[0] ? t->rev_after : NULL,
                      t->outcome == SF_OUT_FAILED ? t->msg : NULL);
}

/* Stage an image in STATE/staging/SHA.img: written to a temporary file,
 * fsync'd, renamed, directory fsync'd.  Resume reads it from there. */
int sf_cli_stage(const char *state, const char *sha, const uint8_t *img, size_t len,
                 struct sf_errctx *ec)
{
    char dir[4096], path[4200], tmp[4300];
    snprintf(dir, sizeof(dir), "%s/staging", state);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return sf_err_set(ec, SF_ESTATE, "%s: %s", dir, strerror(errno));
    snprintf(path, sizeof(path), "%s/%s.img", dir, sha);
    if (access(path, R_OK) == 0)
        return 0; /* content-addressed: already there */
    /* A temporary name of its own: --jobs workers may stage one image at
     * the same moment; the rename makes whichever lands last the copy. */
    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sf_err_set(ec, SF_ESTATE, "%s: %s", tmp, strerror(errno));
    if (fchmod(fd, 0644) != 0)
        (void)0; /* readable by its owner either way */
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, img + off, len - off);
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return sf_err_set(ec, SF_ESTATE, "%s: write failed", tmp);
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return sf_err_set(ec, SF_ESTATE, "%s: cannot stage the image", path);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int pattern_ok(const char *pat, const char *val)
{
    return !pat || fnmatch(pat, val, 0) == 0;
}

/* Open the history and find the newest run.  Returns 0 when it is paused
 * (or was left running), SF_ENODEV when no run is recorded, 1 when the newest
 * run is in another state (r says which); other errors via ec.  *h is open
 * whenever the return is 0 or 1. */
static int open_paused_run(const char *state_dir, struct sf_history **h, struct sf_run *r,
                           struct sf_errctx *ec)
{
    int rc = sf_history_open(state_dir, h, ec);
    if (rc)
        return rc;
    /* The same run the update engine's resume picks: the newest one (in
     * the order runs began) that is still running or paused. */
    rc = sf_history_run_to_resume(*h, r);
    if (rc == SF_ENODEV)
        rc = sf_history_run_latest(*h, NULL, r);
    if (rc) {
        sf_history_close(*h);
        *h = NULL;
        return rc;
    }
    return strcmp(r->state, "paused-on-error") && strcmp(r->state, "running") ? 1 : 0;
}

/* One invocation of install/activate/resume, parsed.  What the main thread
 * loaded (package, raw image) is shared read-only with --jobs workers. */
struct inv {
    enum cmd_kind kind;
    const char *cmd;
    struct sf_install_opts o;
    int yes, allow_downgrade, jobs, json;
    int parallel;              /* --parallel: modules of one enclosure at once */
    const char *want_vendor, *want_product, *image;
    int argc;                  /* the command line, recorded with the run */
    char **argv;
    const char **devs;         /* the devices this invocation updates */
    size_t ndev;
    const struct sf_pkg *pkg;
    const uint8_t *raw;
    uint32_t raw_len;
    char raw_sha[65];
    char package_sha[65];
    /* A --jobs worker: plain output, waits its turn on an enclosure lock,
     * records its attempts under the run `run` that the main thread keeps,
     * and leaves why it failed in `reason`. */
    int worker;
    char run[33];
    char reason[1280];
    uint64_t uid;              /* the enclosure this worker found (0: none) */
    char resume_run[33];       /* continuing this paused run (see resume) */
    struct sf_history_group *group;
    struct shared_run *sr;
};

/* The run of a --jobs invocation, recorded by the first worker that gets
 * as far as writing: an invocation in which every worker was refused
 * before any write leaves no run behind, as a single install does not. */
struct shared_run {
    pthread_mutex_t mu;
    int begun;
    int targets;
    /* Enclosures a worker failed on, and through which path.  Without a plan
     * made beforehand each worker has one path, so two modules of one
     * enclosure are two workers that take turns on its lock; the second
     * must not start once the first failed (the pair would lose its
     * last good module). */
    size_t nfailed;
    uint64_t failed[256];
    char failed_path[256][64];
};

static void shared_mark_failed(struct shared_run *sr, uint64_t uid, const char *path)
{
    pthread_mutex_lock(&sr->mu);
    if (sr->nfailed < 256) {
        sr->failed[sr->nfailed] = uid;
        snprintf(sr->failed_path[sr->nfailed], sizeof(sr->failed_path[0]), "%s", path);
        sr->nfailed++;
    }
    pthread_mutex_unlock(&sr->mu);
}

/* The path through which this enclosure failed in this run, or NULL. */
static const char *shared_failed(struct shared_run *sr, uint64_t uid)
{
    const char *path = NULL;
    pthread_mutex_lock(&sr->mu);
    for (size_t i = 0; i < sr->nfailed && !path; i++)
        if (sr->failed[i] == uid)
            path = sr->failed_path[i];
    pthread_mutex_unlock(&sr->mu);
    return path;
}

static void shared_run_begin(struct shared_run *sr, struct sf_history *h, const char *run,
                             const char *cmd, const char *argv)
{
    pthread_mutex_lock(&sr->mu);
    if (!sr->begun && sf_history_run_begin(h, run, cmd, argv, sr->targets) == 0)
        sr->begun = 1;
    pthread_mutex_unlock(&sr->mu);
}

static int execute(struct inv *in);

/* Stage every image this invocation carries (the raw image, or each image
 * of the package) in the state directory, creating it and the history
 * database on the way. */
static int stage_all(const struct inv *in, struct sf_errctx *ec)
{
    const char *st = sf_state_dir(NULL);
    struct sf_history *h0 = NULL;
    int rc = sf_history_open(st, &h0, ec);
    sf_history_close(h0);
    if (in->raw && !rc)
        rc = sf_cli_stage(st, in->raw_sha, in->raw, in->raw_len, ec);
    for (size_t i = 0; in->pkg && !rc && i < in->pkg->man.nimages; i++) {
        const struct sf_man_image *mi = &in->pkg->man.images[i];
        const struct sf_pkg_image *pi = sf_pkg_image(in->pkg, mi->name);
        char sha[65];
        sf_hex(mi->sha256, 32, sha);
        if (pi)
            rc = sf_cli_stage(st, sha, pi->data, pi->len, ec);
    }
    return rc;
}

/* Staging, run while the devices are identified: writing and fsyncing a
 * few MiB takes about as long as identifying an enclosure, and neither
 * needs the other.  Only with --yes (the operator consented up front);
 * the first write to a device still waits for it (field report 002).  A
 * run refused after identification leaves its images staged: they are
 * content-addressed, the copy the next run would make. */
struct prestage {
    pthread_t th;
    int started, rc;
    const struct inv *in;
    struct sf_errctx ec;
};

static void *prestage_main(void *arg)
{
    struct prestage *ps = arg;
    ps->rc = stage_all(ps->in, &ps->ec);
    return NULL;
}

struct pool {
    pthread_mutex_t mu;
    const struct inv *in;
    struct inv *w;             /* one per enclosure */
    size_t n, next;
    int *codes;
};

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t k = p->next < p->n ? p->next++ : p->n;
        pthread_mutex_unlock(&p->mu);
        if (k >= p->n)
            return NULL;
        p->codes[k] = execute(&p->w[k]);
    }
}

/* Update several enclosures at once: one worker thread per enclosure, at
 * most `jobs` at a time, each running this command for that enclosure's
 * paths only, so the modules of one enclosure are still done one after
 * another under its lock.  All of them record into one run, which `status`
 * shows and `resume` continues.
 *
 * Threads rather than processes: a process per enclosure (exec, or even a
 * fork) cost more CPU than the update itself on a fast link, and on two
 * cores that CPU was the bottleneck (the many-enclosure benchmark). */
static int fan_out(const struct inv *in, const struct sf_plan *plan, size_t targets)
{
    /* Groups: one per enclosure (its paths), or with --parallel one per
     * path.  ids[] holds the enclosure's logical id, or the path's index. */
    size_t ng = 0;
    uint64_t ids[256];
    if (!plan)
        ng = in->ndev < 256 ? in->ndev : 256;
    for (size_t i = 0; plan && i < plan->n && ng < 256; i++) {
        uint64_t id = sf_target_uid(&plan->t[i]);
        if (in->parallel) {
            size_t first = 0;
            while (strcmp(plan->t[first].path, plan->t[i].path))
                first++;
            id = first;
        }
        size_t k = 0;
        while (k < ng && ids[k] != id)
            k++;
        if (k == ng)
            ids[ng++] = id;
    }
    struct pool p = { .in = in, .n = ng };
    pthread_mutex_init(&p.mu, NULL);
    p.w = calloc(ng ? ng : 1, sizeof(*p.w));
    p.codes = calloc(ng ? ng : 1, sizeof(int));
    const char **paths = calloc(plan ? plan->n + 1 : 1, sizeof(char *));
    if (!p.w || !p.codes || !paths) {
        free(p.w);
        free(p.codes);
        free(paths);
        return SF_EXIT_FAILED;
    }
    /* The run: its id is made here, the workers' attempts carry it. */
    char run[33];
    sf_history_new_run(run);
    struct shared_run sr = { .targets = (int)targets };
    pthread_mutex_init(&sr.mu, NULL);
    struct sf_errctx ec = { 0 };
    struct sf_history_group *group = NULL;
    if (sf_history_group_start(sf_state_dir(NULL), &group, &ec))
        group = NULL; /* each worker then commits its own starts */
    size_t np = 0;
    for (size_t g = 0; g < ng; g++) {
        struct inv *w = &p.w[g];
        *w = *in;
        w->worker = 1;
        w->jobs = 1;
        w->yes = 1; /* asked once, by the main thread */
        w->group = group;
        w->sr = &sr;
        snprintf(w->run, sizeof(w->run), "%s", run);
        if (!plan) {
            w->devs = &in->devs[g];
            w->ndev = 1;
            continue;
        }
        /* this enclosure's paths, in the order given */
        w->devs = &paths[np];
        w->ndev = 0;
        for (size_t t = 0; t < plan->n; t++) {
            if (in->parallel ? strcmp(plan->t[t].path, plan->t[ids[g]].path)
                             : sf_target_uid(&plan->t[t]) != ids[g])
                continue;
            int dup = 0;
            for (size_t u = 0; u < t; u++)
                dup |= !strcmp(plan->t[u].path, plan->t[t].path);
            if (!dup) {
                paths[np++] = plan->t[t].path;
                w->ndev++;
            }
        }
    }
    fflush(NULL);
    int nth = in->jobs < (int)ng ? in->jobs : (int)ng;
    pthread_t th[64];
    int started = 0;
    for (int i = 0; i < nth; i++)
        if (pthread_create(&th[started], NULL, worker_main, &p) == 0)
            started++;
    if (started == 0)
        worker_main(&p); /* no threads to be had: one after another */
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    sf_history_group_stop(group);

    int ok = 0, failed = 0, worst = 0, pending = 0;
    const char *reason = NULL;
    for (size_t g = 0; g < ng; g++) {
        int rc = p.codes[g];
        if (rc == SF_EXIT_OK || rc == SF_EXIT_PENDING) {
            ok++;
            pending += rc == SF_EXIT_PENDING;
            continue;
        }
        failed++;
        if (rc > worst)
            worst = rc;
        if (!reason && p.w[g].reason[0])
            reason = p.w[g].reason;
    }
    struct sf_history *h = NULL;
    if (sr.begun && sf_history_open(sf_state_dir(NULL), &h, &ec) == 0) {
        sf_history_run_end(h, run, failed ? "paused-on-error" : "completed", reason);
        sf_history_close(h);
    }
    pthread_mutex_destroy(&sr.mu);
    if (!in->json) {
        /* Without a plan, workers are paths; count what they found. */
        size_t nenc = 0;
        for (size_t g = 0; g < ng; g++) {
            int dup = 0;
            for (size_t k = 0; k < g && p.w[g].uid; k++)
                dup |= p.w[k].uid == p.w[g].uid;
            nenc += !dup;
        }
        if (nenc == ng)
            fprintf(stderr, "safeflash: %zu enclosure(s): %d done, %d not\n", ng, ok, failed);
        else
            fprintf(stderr, "safeflash: %zu enclosure(s) through %zu path(s): %d path(s) done, "
                    "%d not\n", nenc, ng, ok, failed);
        if (failed && sr.begun)
            fprintf(stderr, "safeflash: paused on error; 'safeflash status' shows where, "
                    "'safeflash resume' continues once the cause is fixed, 'safeflash cancel' "
                    "stops\n");
    }
    free(p.w);
    free(p.codes);
    free(paths);
    pthread_mutex_destroy(&p.mu);
    if (!failed)
        return pending ? SF_EXIT_PENDING : SF_EXIT_OK;
    return ok ? SF_EXIT_PARTIAL : (worst ? worst : SF_EXIT_FAILED);
}

static int run_cmd(int argc, char **argv, enum cmd_kind kind)
{
    static const struct option opts[] = {
        { "mode", required_argument, NULL, 'm' },
        { "activate", no_argument, NULL, 'A' },
        { "subenclosure", required_argument, NULL, 's' },
        { "chunk-size", required_argument, NULL, 'c' },
        { "expect-revision", required_argument, NULL, 'e' },
        { "resume", no_argument, NULL, 'R' },
        { "restart", no_argument, NULL, 'S' },
        { "timeout", required_argument, NULL, 't' },
        { "poll-interval", required_argument, NULL, 'p' },
        { "command-timeout", required_argument, NULL, 'C' },
        { "dry-run", no_argument, NULL, 'n' },
        { "yes", no_argument, NULL, 'y' },
        { "jobs", required_argument, NULL, 'J' },
        { "parallel", no_argument, NULL, 'L' },
        { "json", no_argument, NULL, 'j' },
        { "allow-unsigned", no_argument, NULL, 'U' },
        { "allow-downgrade", no_argument, NULL, 'D' },
        { "vendor", required_argument, NULL, 'V' },
        { "product", required_argument, NULL, 'P' },
        { "keys", required_argument, NULL, 'K' },
        { "state-dir", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = kind == CMD_ACTIVATE ? "activate" : kind == CMD_RESUME ? "resume" : "install";
    struct sf_install_opts o;
    sf_install_opts_default(&o);
    int yes = 0, c, mode_given = 0, allow_unsigned = 0, allow_downgrade = 0, jobs = 1, parallel = 0;
    const char *want_vendor = NULL, *want_product = NULL, *keys = NULL, *state_opt = NULL;
    unsigned long v;
    int json = 0, timeout_given = 0, poll_given = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hy", opts, NULL)) != -1) {
        int install_only = c == 'm' || c == 'A' || c == 'c' || c == 'R' || c == 'S' || c == 'U' || c == 'D' ||
                           c == 'V' || c == 'P' || c == 'K';
        if (kind != CMD_INSTALL && install_only)
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case 'm':
            mode_given = 1;
            if (mode_parse(optarg, &o.dl.mode))
                return sf_cli_usage_error(cmd, "--mode must be auto, deferred (0Eh), immediate "
                                          "(07h), save (05h) or events (0Dh), not '%s'", optarg);
            break;
        case 'A': o.activate_after = 1; break;
        case 's':
            if (parse_sub(optarg, &o.sub_id))
                return sf_cli_usage_error(cmd, "--subenclosure takes an id 0-255 or 'all', not '%s'",
                                          optarg);
            break;
        case 'c':
            /* Enclosure pages need a multiple of 4 up to 65508; the plan
             * says so for an enclosure.  WRITE BUFFER takes any size. */
            if (parse_uint(optarg, SF_WB_MAX_IMAGE, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--chunk-size takes bytes, 1 to %u, not '%s'",
                                          SF_WB_MAX_IMAGE, optarg);
            o.dl.chunk_max = (uint32_t)v;
            break;
        case 'e':
            if (strlen(optarg) == 0 || strlen(optarg) > 4)
                return sf_cli_usage_error(cmd, "--expect-revision takes 1 to 4 characters, not '%s'",
                                          optarg);
            snprintf(o.expect_rev, sizeof(o.expect_rev), "%s", optarg);
            break;
        case 'R':
            if (o.dl.in_progress == SF_INPROG_RESTART)
                return sf_cli_usage_error(cmd, "--resume and --restart exclude each other");
            o.dl.in_progress = SF_INPROG_RESUME;
            break;
        case 'S':
            if (o.dl.in_progress == SF_INPROG_RESUME)
                return sf_cli_usage_error(cmd, "--resume and --restart exclude each other");
            o.dl.in_progress = SF_INPROG_RESTART;
            break;
        case 't':
            if (parse_uint(optarg, 24ul * 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--timeout takes seconds, 1 to 86400, not '%s'", optarg);
            o.dl.complete_timeout_ms = (unsigned)(v * 1000);
            o.ready_timeout_ms = (unsigned)(v * 1000);
            timeout_given = 1;
            break;
        case 'C':
            if (parse_uint(optarg, 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--command-timeout takes seconds, 1 to 3600, not "
                                          "'%s'", optarg);
            o.cmd_timeout_ms = (unsigned)(v * 1000);
            break;
        case 'p':
            if (parse_uint(optarg, 600000, &v))
                return sf_cli_usage_error(cmd, "--poll-interval takes milliseconds, not '%s'", optarg);
            o.dl.poll_ms = (unsigned)v;
            poll_given = 1;
            break;
        case 'n': o.dl.dry_run = 1; break;
        case 'y': yes = 1; break;
        case 'J':
            if (kind == CMD_RESUME || parse_uint(optarg, 64, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--jobs takes 1 to 64, not '%s'", optarg);
            jobs = (int)v;
            break;
        case 'j': json = 1; break;
        case 'L':
            if (kind == CMD_RESUME)
                return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            parallel = 1;
            break;
        case 'U': allow_unsigned = 1; break;
        case 'D': allow_downgrade = 1; break;
        case 'V': want_vendor = optarg; break;
        case 'P': want_product = optarg; break;
        case 'K': keys = optarg; break;
        case 'T': state_opt = optarg; break;
        case 'h':
            if (kind == CMD_ACTIVATE)
                activate_usage(stdout);
            else if (kind == CMD_RESUME)
                puts("Usage: safeflash resume DEVICE... [--yes] [--json] [--state-dir DIR]\n\n"
                     "Finish what an interrupted install or activate left unfinished: the\n"
                     "journal says which processors and which staged image; the enclosure's\n"
                     "status says where: resume the download at its expected offset, keep a\n"
                     "stored image, or verify.  Nothing is downloaded or activated twice.");
            else
                install_usage(stdout);
            return SF_EXIT_OK;
        default:
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    int first = optind;
    const char *image = NULL;
    if (kind == CMD_INSTALL) {
        if (first >= argc)
            return sf_cli_usage_error(cmd, "missing PACKAGE|IMAGE and DEVICE");
        image = argv[first++];
    }
    if (first >= argc && kind == CMD_RESUME) {
        /* No device: a run the update engine recorded is continued by it,
         * from the journal; others with the command they ran. */
        int ecode = sf_cli_engine_resume_run(json, state_opt);
        if (ecode >= 0)
            return ecode;
        if (state_opt)
            setenv("SAFEFLASH_STATE_DIR", state_opt, 1);
        struct sf_errctx rec = { 0 };
        struct sf_history *h = NULL;
        struct sf_run r;
        int rrc = open_paused_run(sf_state_dir(NULL), &h, &r, &rec);
        if (rrc == SF_ENODEV) {
            fprintf(stderr, "safeflash: no run recorded: nothing to resume\n");
            return SF_EXIT_FAILED;
        }
        if (rrc == 1) {
            fprintf(stderr, "safeflash: the last run (%s) is %s: nothing to resume\n", r.id, r.state);
            sf_history_close(h);
            return SF_EXIT_OK;
        }
        if (rrc)
            return sf_cli_fail(rrc, &rec);
        char *cargv[256];
        int n = 0;
        cargv[n++] = "safeflash";
        char *save = NULL;
        for (char *tok = strtok_r(r.argv, "\t", &save); tok && n < 250; tok = strtok_r(NULL, "\t", &save)) {
            cargv[n++] = tok;
            if (n == 2)
                cargv[n++] = "--yes";
        }
        cargv[n] = NULL;
        char why[80];
        snprintf(why, sizeof(why), "resumed with 'safeflash resume'");
        sf_history_run_end(h, r.id, "resumed", why);
        sf_history_close(h);
        fprintf(stderr, "safeflash: resuming run %s:", r.id);
        for (int i = 1; i < n; i++)
            fprintf(stderr, " %s", cargv[i]);
        fprintf(stderr, "\n");
        fflush(NULL);
        /* The command runs again from the top; it learns which run it
         * continues, to leave alone what that run finished. */
        setenv("SAFEFLASH_RESUME_RUN", r.id, 1);
        execv("/proc/self/exe", cargv);
        return sf_cli_fail(SF_EIO, NULL);
    }
    if (first >= argc)
        return sf_cli_usage_error(cmd, "missing DEVICE");
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-')
            return sf_cli_usage_error(cmd, "options go before the device names: '%s'", argv[i]);
    if (jobs <= 1 && !parallel) {
        /* One process, one plan: the update engine runs it. */
        struct sf_cli_scsi_req r = {
            .cmd = cmd, .act = kind == CMD_ACTIVATE ? SF_ACTION_ACTIVATE
                               : kind == CMD_RESUME ? SF_ACTION_RESUME : SF_ACTION_INSTALL,
            .image = image, .keys = keys, .state_dir = state_opt, .json = json, .yes = yes,
            .devs = (const char *const *)argv + first, .ndev = (size_t)(argc - first),
        };
        sf_update_options_init(&r.uo);
        r.uo.dry_run = o.dl.dry_run;
        r.uo.confirmed = yes;
        r.uo.allow_unsigned = allow_unsigned;
        r.uo.allow_downgrade = allow_downgrade;
        r.uo.restart = o.dl.in_progress == SF_INPROG_RESTART;
        r.uo.in_progress = o.dl.in_progress == SF_INPROG_RESUME ? SF_IN_PROGRESS_RESUME
                           : o.dl.in_progress == SF_INPROG_RESTART ? SF_IN_PROGRESS_RESTART
                                                                   : SF_IN_PROGRESS_REFUSE;
        r.uo.mode = mode_given ? mode_key(o.dl.mode) : NULL;
        r.uo.activate = o.activate_after;
        r.uo.subenclosure = o.sub_id;
        r.uo.chunk_size = o.dl.chunk_max;
        r.uo.expect_revision = o.expect_rev[0] ? o.expect_rev : NULL;
        r.uo.vendor = want_vendor;
        r.uo.product = want_product;
        r.uo.timeout_ms = timeout_given ? o.ready_timeout_ms : 0;
        r.uo.poll_ms = poll_given ? (o.dl.poll_ms ? o.dl.poll_ms : 1) : 0;
        r.uo.command_timeout_ms = o.cmd_timeout_ms;
        return sf_cli_scsi_run(&r);
    }
    /* Refusals and warnings before any device is named in a plan. */
    struct ctx cx;
    memset(&cx, 0, sizeof(cx));
    cx.kind = kind;
    cx.json = json;
    sf_progress_init(&cx.pr, json ? SF_RENDER_JSON : SF_RENDER_PLAIN);
    if (state_opt)
        setenv("SAFEFLASH_STATE_DIR", state_opt, 1);

    struct inv in = {
        .kind = kind, .cmd = cmd, .o = o, .yes = yes, .allow_downgrade = allow_downgrade,
        .jobs = jobs, .json = json, .parallel = parallel, .want_vendor = want_vendor,
        .want_product = want_product,
        .image = image, .argc = argc, .argv = argv, .devs = (const char **)argv + first,
        .ndev = (size_t)(argc - first),
    };
    /* ---- what to install ---- */
    struct sf_pkg *pkg = NULL;
    uint8_t *raw = NULL;
    struct sf_errctx ec = { 0 };
    int code;
    if (kind == CMD_INSTALL) {
        int isp = sf_pkg_is_package(image);
        if (isp < 0)
            return refuse(&cx, SF_EXIT_NODEV, "%s: %s", image, strerror(-isp));
        if (isp) {
            int rc = sf_pkg_read(image, &pkg, &ec);
            if (rc)
                return refuse(&cx, sf_cli_pkg_exit(rc), "%s", ec.msg);
            sf_hex(pkg->file_sha256, 32, in.package_sha);
            if (pkg->man.ncomponents) {
                code = refuse(&cx, SF_EXIT_MISMATCH, "%s: a package of server-board components "
                              "(%s...) for a BMC: install it on redfish://USER@HOST", image,
                              pkg->man.components[0].component);
                sf_pkg_free(pkg);
                return code;
            }
            if (!pkg->man.revision[0]) {
                code = refuse(&cx, SF_EXIT_MISMATCH, "%s: version %s has no 4-character "
                              "\"revision\": SES processors and drives report 4 characters, "
                              "so it cannot be checked or verified on them (a package for "
                              "board flash?)", image, pkg->man.version);
                sf_pkg_free(pkg);
                return code;
            }
            struct sf_errctx sec = { 0 };
            rc = sf_pkg_check_signature(pkg, sf_cli_keys_dir(keys), &sec);
            if (rc && !allow_unsigned) {
                sf_pkg_free(pkg);
                return refuse(&cx, SF_EXIT_SIGNATURE, "%s: %s: refusing it (--allow-unsigned "
                              "overrides)", image, sec.msg);
            }
            if (rc) {
                char w[400];
                snprintf(w, sizeof(w), "%s: %s; installing anyway (--allow-unsigned)", image, sec.msg);
                warn(&cx, w);
            }
            if (!mode_given && pkg->man.mode[0])
                if (mode_parse(pkg->man.mode, &in.o.dl.mode))
                    in.o.dl.mode = SF_MODE_AUTO;
            if (want_vendor || want_product)
                warn(&cx, "--vendor/--product apply to raw images; the package's own patterns are used");
            in.pkg = pkg;
        } else {
            char msg[300];
            int rc = read_image(image, &raw, &in.raw_len, msg, sizeof(msg));
            if (rc)
                return refuse(&cx, rc == SF_ENODEV ? SF_EXIT_NODEV : rc == SF_EACCES ? SF_EXIT_ACCES
                                                                                   : SF_EXIT_REFUSED,
                              "%s", msg);
            uint8_t d[32];
            sf_sha256(raw, in.raw_len, d);
            sf_hex(d, 32, in.raw_sha);
            warn(&cx, "raw image: nothing checks that it is meant for these processors or that it "
                       "is intact; prefer a signed package");
            in.raw = raw;
        }
    }

    const char *rr = getenv("SAFEFLASH_RESUME_RUN");
    if (rr && strlen(rr) < sizeof(in.resume_run))
        snprintf(in.resume_run, sizeof(in.resume_run), "%s", rr);
    unsetenv("SAFEFLASH_RESUME_RUN");
    if (parallel && jobs == 1)
        in.jobs = jobs = (int)(in.ndev < 64 ? in.ndev : 64);
    /* --parallel goes through the plan: this thread must know the
     * enclosures to hold their locks for the workers. */
    if (jobs > 1 && yes && !parallel && !in.o.dl.dry_run && in.ndev > 1) {
        /* Nothing to show or ask: every worker identifies and checks its own
         * device, and workers sharing an enclosure take turns on its lock.
         * The images are staged here, once, before any worker writes
         * (field report 002): the workers find them staged.  The state
         * directory and database are created here too, so the workers do
         * not race to create them. */
        int src = stage_all(&in, &ec);
        code = src ? refuse(&cx, SF_EXIT_CONFIG, "%s", ec.msg) : fan_out(&in, NULL, in.ndev);
    } else {
        code = execute(&in);
    }
    sf_pkg_free(pkg);
    free(raw);
    return code;
}

/* Identify, plan, check, show, confirm and run one invocation. */
static int execute(struct inv *in)
{
    enum cmd_kind kind = in->kind;
    const char *cmd = in->cmd;
    struct sf_install_opts o = in->o;
    int yes = in->yes, allow_downgrade = in->allow_downgrade, jobs = in->jobs;
    const char *want_vendor = in->want_vendor, *want_product = in->want_product;
    const char *image = in->image;
    const struct sf_pkg *pkg = in->pkg;
    const uint8_t *raw = in->raw;
    uint32_t raw_len = in->raw_len;
    const char *raw_sha = in->raw_sha;
    struct ctx cx;
    memset(&cx, 0, sizeof(cx));
    cx.kind = kind;
    cx.json = in->json;
    /* Workers share the terminal: plain lines only. */
    sf_progress_init(&cx.pr, cx.json ? SF_RENDER_JSON
                                     : isatty(STDERR_FILENO) && !in->worker ? SF_RENDER_TTY
                                                                            : SF_RENDER_PLAIN);
    snprintf(cx.package_sha, sizeof(cx.package_sha), "%s", in->package_sha);
    cx.group = in->group;
    const char *state = sf_state_dir(NULL);
    struct sf_errctx ec = { 0 };
    int code = SF_EXIT_OK;
    struct sf_plan *plan = NULL;
    int locks[64];
    size_t nlocks = 0;
    cx.mode_name = mode_key(o.dl.mode);
    if (kind == CMD_ACTIVATE)
        cx.mode_name = "activate";

    /* ---- identify devices (nothing written) ---- */
    uint32_t plan_len = kind == CMD_ACTIVATE ? 0 : raw ? raw_len : 1;
    if (kind == CMD_RESUME)
        o.dl.in_progress = SF_INPROG_RESUME;
    struct prestage ps = { .in = in };
    if (kind == CMD_INSTALL && yes && !o.dl.dry_run && !in->worker && (in->raw || in->pkg))
        ps.started = pthread_create(&ps.th, NULL, prestage_main, &ps) == 0;
    int rc = sf_install_plan((const char *const *)in->devs, in->ndev, plan_len, &o,
                             &plan, &ec);
    if (rc) {
        int ecode = sf_cli_exit_for(rc);
        if (rc == SF_ERANGE || rc == SF_EBUSY)
            ecode = SF_EXIT_REFUSED;
        code = refuse(&cx, ecode, "%s", ec.msg[0] ? ec.msg : sf_err_str(rc));
        goto out;
    }

    /* ---- one safeflash per enclosure ---- */
    if (!o.dl.dry_run) {
        rc = sf_history_open(state, &cx.hist, &ec);
        if (rc) {
            code = refuse(&cx, sf_cli_exit_for(rc), "%s", ec.msg);
            goto out;
        }
        for (size_t i = 0; i < plan->ndev && nlocks < 64; i++) {
            char id[17];
            const struct sf_target *dt = NULL;
            for (size_t k = 0; k < plan->n && !dt; k++)
                if (plan->t[k].dev == plan->devs[i])
                    dt = &plan->t[k];
            if (!dt)
                continue;
            uint64_t uid = sf_target_uid(dt);
            sf_fmt_id64(uid, id);
            /* Two paths (modules) of one enclosure, or of one dual-ported
             * drive, share one lock. */
            int have = 0;
            for (size_t j = 0; j < i && !have; j++)
                for (size_t k = 0; k < plan->n; k++)
                    if (plan->t[k].dev == plan->devs[j] && sf_target_uid(&plan->t[k]) == uid)
                        have = 1;
            if (have)
                continue;
            /* --parallel workers: this enclosure's lock is the main
             * thread's, held for all of them. */
            if (in->worker && in->parallel)
                continue;
            /* --jobs workers wait their turn on an enclosure. */
            int fd = in->worker ? sf_lock_acquire_wait(state, id, o.ready_timeout_ms, &ec)
                                               : sf_lock_acquire(state, id, &ec);
            if (fd < 0) {
                code = refuse(&cx, SF_EXIT_REFUSED, "%s", ec.msg);
                goto out;
            }
            locks[nlocks++] = fd;
        }
        if (in->run[0])
            snprintf(cx.run, sizeof(cx.run), "%s", in->run);
        else
            sf_history_new_run(cx.run);
    }

    /* ---- images, targets, journal, versions: all before any write ---- */
    for (size_t i = 0; i < plan->n; i++) {
        struct sf_target *t = &plan->t[i];
        if (kind == CMD_INSTALL) {
            if (pkg) {
                const struct sf_man_image *mi = sf_manifest_image_for(&pkg->man, t->vendor, t->product);
                if (!mi) {
                    code = refuse(&cx, SF_EXIT_MISMATCH, "%s: the package is for vendor %s product "
                                  "%s; %s is %s %s: nothing was written (choose targets "
                                  "with --subenclosure)", t->path, pkg->man.vendor, pkg->man.product,
                                  SF_TARGET_WHAT(t), t->vendor, t->product);
                    goto out;
                }
                const struct sf_pkg_image *pi = sf_pkg_image(pkg, mi->name);
                t->img = pi->data;
                t->img_len = (uint32_t)pi->len;
                sf_hex(mi->sha256, 32, t->img_sha);
                snprintf(t->expect_rev, sizeof(t->expect_rev), "%s",
                         o.expect_rev[0] ? o.expect_rev : pkg->man.revision);
            } else {
                if (!pattern_ok(want_vendor, t->vendor) || !pattern_ok(want_product, t->product)) {
                    code = refuse(&cx, SF_EXIT_MISMATCH, "%s: %s is %s %s, not %s %s: "
                                  "nothing was written", t->path, SF_TARGET_WHAT(t), t->vendor, t->product,
                                  want_vendor ? want_vendor : "*", want_product ? want_product : "*");
                    goto out;
                }
                t->img = raw;
                t->img_len = raw_len;
                snprintf(t->img_sha, sizeof(t->img_sha), "%s", raw_sha);
                snprintf(t->expect_rev, sizeof(t->expect_rev), "%s", o.expect_rev);
            }
            if (t->img_len > t->max_size) {
                code = refuse(&cx, SF_EXIT_REFUSED, "%s: image is %u bytes; %s accepts "
                              "at most %u: nothing was written", t->path, t->img_len, SF_TARGET_WHAT(t),
                              t->max_size);
                goto out;
            }
        }
        /* The journal: an unfinished attempt on this processor? */
        if (cx.hist) {
            char id[17];
            sf_fmt_id64(sf_target_uid(t), id);
            struct sf_unfinished u[8];
            size_t nu = 0;
            sf_history_unfinished(cx.hist, id, u, 8, &nu);
            for (size_t k = 0; k < nu; k++) {
                if (u[k].sub != t->sub_id)
                    continue;
                int same = kind == CMD_RESUME || !strcmp(u[k].image_sha, t->img_sha) ||
                           (kind == CMD_ACTIVATE && !strcmp(u[k].action, "activate"));
                if (same) {
                    snprintf(t->resume_phase, sizeof(t->resume_phase), "%s", u[k].phase);
                    t->resume_of = u[k].id;
                } else if (o.dl.in_progress == SF_INPROG_RESTART) {
                    sf_history_finish(cx.hist, u[k].id, "abandoned", NULL, "superseded with --restart");
                } else {
                    code = refuse(&cx, SF_EXIT_REFUSED, "%s: %s has an unfinished %s of "
                                  "another image (attempt #%lld, phase %s): finish it with "
                                  "'safeflash resume %s', or pass --restart to abandon it",
                                  t->path, SF_TARGET_WHAT(t), u[k].action, (long long)u[k].id, u[k].phase,
                                  t->path);
                    goto out;
                }
                break;
            }
        }
        if (kind == CMD_ACTIVATE && cx.hist) {
            /* What history says was stored here: activation must find it. */
            char id[17];
            struct sf_last_attempt la;
            sf_fmt_id64(sf_target_uid(t), id);
            if (sf_history_stored(cx.hist, id, t->sub_id, &la) == 0) {
                t->stored_by = la.id;
                snprintf(t->stored_from, sizeof(t->stored_from), "%s", la.from_rev);
                if (!o.expect_rev[0])
                    snprintf(t->expect_rev, sizeof(t->expect_rev), "%s", la.expected_rev);
            }
        }
        if (kind == CMD_RESUME) {
            /* Only processors the journal names, with its staged image. */
            if (!t->resume_of) {
                t->outcome = SF_OUT_SKIPPED;
                snprintf(t->msg, sizeof(t->msg), "nothing unfinished");
                continue;
            }
            struct sf_unfinished u[8];
            size_t nu = 0;
            char id[17];
            sf_fmt_id64(sf_target_uid(t), id);
            sf_history_unfinished(cx.hist, id, u, 8, &nu);
            for (size_t k = 0; k < nu; k++) {
                if (u[k].id != t->resume_of)
                    continue;
                if (!strcmp(u[k].action, "activate")) {
                    t->outcome = SF_OUT_SKIPPED;
                    snprintf(t->msg, sizeof(t->msg), "an activate was interrupted: run 'safeflash "
                             "activate %s --subenclosure %u'", t->path, t->sub_id);
                    break;
                }
                uint8_t *b = NULL;
                size_t bl = 0;
                char msg[300];
                if (sf_cli_read_file(u[k].staged, &b, &bl, 256u << 20, msg, sizeof(msg))) {
                    code = refuse(&cx, SF_EXIT_FAILED, "cannot resume %s: the staged "
                                  "image is gone: %s", SF_TARGET_WHAT(t), msg);
                    goto out;
                }
                uint8_t d[32];
                char hex[65];
                sf_sha256(b, bl, d);
                sf_hex(d, 32, hex);
                if (strcmp(hex, u[k].image_sha)) {
                    free(b);
                    code = refuse(&cx, SF_EXIT_INTEGRITY, "cannot resume %s: the staged "
                                  "image %s no longer matches its SHA-256", SF_TARGET_WHAT(t), u[k].staged);
                    goto out;
                }
                t->img = b; /* freed at exit via the staged list below */
                t->img_len = (uint32_t)bl;
                snprintf(t->img_sha, sizeof(t->img_sha), "%s", hex);
                snprintf(t->expect_rev, sizeof(t->expect_rev), "%s", u[k].expected_rev);
                snprintf(cx.package_sha, sizeof(cx.package_sha), "%s", u[k].package_sha);
                if (mode_parse(u[k].mode, &o.dl.mode))
                    o.dl.mode = SF_MODE_AUTO;
                cx.mode_name = mode_key(o.dl.mode);
                break;
            }
            continue;
        }
        if (kind == CMD_INSTALL && !t->resume_of && cx.hist) {
            /* Stored already (deferred) by a finished attempt, and nothing
             * ran since: never download it twice. */
            char id[17];
            struct sf_last_attempt la;
            sf_fmt_id64(sf_target_uid(t), id);
            if (sf_history_last(cx.hist, id, t->sub_id, &la) == 0 && !strcmp(la.result, "stored") &&
                !strcmp(la.image_sha, t->img_sha) && !strcmp(la.from_rev, t->rev_before) &&
                o.dl.in_progress != SF_INPROG_RESTART) {
                t->outcome = SF_OUT_SKIPPED;
                snprintf(t->msg, sizeof(t->msg), "already stored by attempt #%lld: run 'safeflash "
                         "activate %s --subenclosure %u' (or --restart to send it again)",
                         (long long)la.id, t->path, t->sub_id);
                continue;
            }
            /* `safeflash resume` continuing a paused run: what that run
             * finished on this processor is not done again, as long as the
             * processor still runs what the attempt verified (a --jobs run
             * paused by one enclosure's failure: the others were done). */
            if (in->resume_run[0] &&
                sf_history_last_in_run(cx.hist, in->resume_run, id, t->sub_id, &la) == 0 &&
                !strcmp(la.result, "updated") && !strcmp(la.image_sha, t->img_sha) &&
                la.to_rev[0] && !strcmp(la.to_rev, t->rev_before)) {
                t->outcome = SF_OUT_SKIPPED;
                snprintf(t->msg, sizeof(t->msg), "done by the paused run: runs %s (attempt #%lld)",
                         la.to_rev, (long long)la.id);
                continue;
            }
        }
        if (kind == CMD_INSTALL && !t->resume_of && t->dl_status_at_plan == SF_DL_IN_PROGRESS &&
            o.dl.in_progress == SF_INPROG_REFUSE) {
            /* Somebody else's download, half done: do not guess. */
            int choice = 0;
            if (!yes && !cx.json && isatty(STDIN_FILENO)) {
                fprintf(stderr, "safeflash: %s: subenclosure %u already has a download in progress "
                        "(expected offset %u), not started by safeflash\n", t->path, t->sub_id,
                        t->expected_offset_at_plan);
                choice = ask_in_progress();
            }
            if (!choice) {
                code = refuse(&cx, SF_EXIT_REFUSED, "%s: subenclosure %u: a download is in "
                              "progress: run again with --resume or --restart", t->path, t->sub_id);
                goto out;
            }
            o.dl.in_progress = (enum sf_in_progress)choice;
        }
        /* Version order, for packages and fresh attempts. */
        if (pkg && !t->resume_of) {
            const struct sf_manifest *m = &pkg->man;
            int cmp = sf_version_cmp(t->rev_before, m->revision);
            if (cmp == 0) {
                t->outcome = SF_OUT_SKIPPED;
                snprintf(t->msg, sizeof(t->msg), "already runs %s: skipped", m->revision);
            } else if (cmp > 0 && !allow_downgrade) {
                code = refuse(&cx, SF_EXIT_VERSION, "%s: %s runs %s, newer than the "
                              "package's %s: refusing a downgrade (--allow-downgrade overrides)",
                              t->path, SF_TARGET_WHAT(t), t->rev_before, m->revision);
                goto out;
            } else if (m->min_version[0] && sf_version_cmp(t->rev_before, m->min_version) < 0) {
                code = refuse(&cx, SF_EXIT_VERSION, "%s: %s runs %s, below this "
                              "package's minimum %s: install %s first, then this package (%s -> %s "
                              "-> %s)", t->path, SF_TARGET_WHAT(t), t->rev_before, m->min_version,
                              m->min_version, t->rev_before, m->min_version, m->version);
                goto out;
            }
        }
    }
    size_t todo = 0;
    for (size_t i = 0; i < plan->n; i++)
        if (plan->t[i].outcome != SF_OUT_SKIPPED)
            todo++;

    show_plan(&cx.pr, plan, image, &o, kind == CMD_ACTIVATE);
    if (pkg && !cx.json)
        fprintf(cx.pr.out, "  package: %s %s version %s%s%s\n", pkg->man.vendor, pkg->man.product,
                pkg->man.version, pkg->trusted ? ", signed by trusted key " : ", NOT signed by a "
                "trusted key", pkg->trusted ? pkg->signer : "");
    for (size_t i = 0; i < plan->n && !cx.json; i++)
        if (plan->t[i].resume_of)
            fprintf(cx.pr.out, "  %s: continues interrupted attempt #%lld (phase %s)\n",
                    SF_TARGET_WHAT(&plan->t[i]), (long long)plan->t[i].resume_of, plan->t[i].resume_phase);
    if (in->parallel && !in->worker) {
        /* The operator's consent is the flag; say what it costs. */
        for (size_t i = 0; i < plan->n; i++)
            for (size_t k = i + 1; k < plan->n; k++)
                if (strcmp(plan->t[i].path, plan->t[k].path) &&
                    sf_target_uid(&plan->t[i]) ==
                        sf_target_uid(&plan->t[k])) {
                    char w[700];
                    snprintf(w, sizeof(w), "--parallel: %s and %s are modules of one enclosure and "
                             "are updated at the same time: while both restart, the enclosure has "
                             "no working path and no redundancy", plan->t[i].path, plan->t[k].path);
                    warn(&cx, w);
                    i = k = plan->n; /* once */
                }
    }
    fflush(cx.pr.out);
    if (todo == 0) {
        for (size_t i = 0; i < plan->n; i++) {
            struct sf_iev ev = { .kind = SF_IEV_RESULT, .t = &plan->t[i] };
            sf_progress_event(&ev, &cx.pr);
        }
        code = SF_EXIT_OK;
        goto summary;
    }
    if (in->worker && plan->n)
        in->uid = sf_target_uid(&plan->t[0]);
    /* A --jobs worker holds this enclosure's lock now.  If another module
     * of it already failed in this run, stop before touching this one. */
    const char *failed_via = in->worker && in->sr && !o.dl.dry_run && plan->n
                                 ? shared_failed(in->sr, in->uid) : NULL;
    if (failed_via) {
        for (size_t i = 0; i < plan->n; i++) {
            struct sf_target *t = &plan->t[i];
            t->outcome = SF_OUT_NOT_ATTEMPTED;
            snprintf(t->msg, sizeof(t->msg), "module %s of this enclosure failed in this run; "
                     "this module was left alone and answers, running %s", failed_via,
                     t->rev_before);
            struct sf_iev ev = { .kind = SF_IEV_RESULT, .t = t };
            sf_progress_event(&ev, &cx.pr);
        }
        code = SF_EXIT_FAILED;
        goto out;
    }
    if (!yes && !o.dl.dry_run) {
        char q[128];
        snprintf(q, sizeof(q), "%s %zu SES processor(s)?", kind == CMD_ACTIVATE ? "Activate deferred "
                 "microcode on" : kind == CMD_RESUME ? "Resume on" : "Write this image to", todo);
        if ((!isatty(STDIN_FILENO) && !isatty(STDERR_FILENO)) || !sf_cli_confirm(q)) {
            code = refuse(&cx, SF_EXIT_REFUSED, "not confirmed: nothing was written%s",
                          isatty(STDIN_FILENO) ? "" : " (pass --yes to run without a prompt)");
            goto out;
        }
    }
    /* Stage every image locally before the first write (field report 002),
     * and before any --jobs worker starts.  Images the staging thread
     * wrote are found in place. */
    if (ps.started) {
        pthread_join(ps.th, NULL);
        ps.started = 0;
        if (ps.rc) {
            code = refuse(&cx, SF_EXIT_CONFIG, "%s", ps.ec.msg);
            goto out;
        }
    }
    if (!o.dl.dry_run && kind == CMD_INSTALL) {
        for (size_t i = 0; i < plan->n; i++) {
            struct sf_target *t = &plan->t[i];
            if (t->outcome == SF_OUT_SKIPPED)
                continue;
            rc = sf_cli_stage(state, t->img_sha, t->img, t->img_len, &ec);
            if (rc) {
                code = refuse(&cx, SF_EXIT_CONFIG, "%s", ec.msg);
                goto out;
            }
        }
    }
    if (jobs > 1 && !o.dl.dry_run) {
        /* Several enclosures at once (see fan_out); the workers take the
         * locks and the history for themselves - except with --parallel,
         * where this thread keeps every enclosure's lock for them. */
        if (!in->parallel) {
            for (size_t i = 0; i < nlocks; i++)
                sf_lock_release(locks[i]);
            nlocks = 0;
        }
        sf_history_close(cx.hist);
        cx.hist = NULL;
        code = fan_out(in, plan, todo);
        goto out;
    }
    struct sf_journal jr = { &cx, j_begin, j_phase, j_finish };
    if (cx.hist) {
        o.journal = &jr;
        /* The run itself, so `status` can show it and a paused run can be
         * resumed with the same command. */
        char joined[4096] = "";
        for (int i = 0; i < in->argc; i++) {
            size_t l = strlen(joined);
            snprintf(joined + l, sizeof(joined) - l, "%s%s", i ? "\t" : "", in->argv[i]);
        }
        if (in->worker)
            shared_run_begin(in->sr, cx.hist, cx.run, cmd, joined);
        else
            sf_history_run_begin(cx.hist, cx.run, cmd, joined, (int)todo);
    }
    if (kind == CMD_ACTIVATE)
        sf_activate_run(plan, &o, sf_progress_event, &cx.pr);
    else
        sf_install_run(plan, &o, sf_progress_event, &cx.pr);
    int applied = 0;
    code = exit_for(plan, &applied);
    if (cx.hist) {
        const char *reason = NULL;
        char why[sizeof(plan->t[0].msg) + sizeof(plan->redundancy) + 8];
        for (size_t i = 0; i < plan->n && !reason; i++)
            if (plan->t[i].outcome == SF_OUT_FAILED)
                reason = plan->t[i].msg;
        if (reason && plan->redundancy[0]) {
            /* The pause says both what failed and what state the pair is in. */
            snprintf(why, sizeof(why), "%s; %s", reason, plan->redundancy);
            reason = why;
        }
        if (in->worker && reason)
            snprintf(in->reason, sizeof(in->reason), "%s%s%s",
                     strncmp(reason, in->devs[0], strlen(in->devs[0])) ? in->devs[0] : "",
                     strncmp(reason, in->devs[0], strlen(in->devs[0])) ? ": " : "", reason);
        if (in->worker && in->sr && code != SF_EXIT_OK && code != SF_EXIT_PENDING)
            for (size_t i = 0; i < plan->n; i++)
                if (plan->t[i].outcome == SF_OUT_FAILED)
                    shared_mark_failed(in->sr, sf_target_uid(&plan->t[i]), plan->t[i].path);
        if (!in->worker)
            sf_history_run_end(cx.hist, cx.run,
                               code == SF_EXIT_OK || code == SF_EXIT_PENDING ? "completed"
                                                                             : "paused-on-error",
                               reason);
        if (code != SF_EXIT_OK && code != SF_EXIT_PENDING && !cx.json && !in->worker)
            fprintf(stderr, "safeflash: paused on error; 'safeflash status' shows where, "
                    "'safeflash resume' continues once the cause is fixed, 'safeflash cancel' "
                    "stops\n");
    }
summary:
    if (cx.json) {
        int applied2 = 0;
        exit_for(plan, &applied2);
        json_object *j = json_object_new_object();
        json_object_object_add(j, "event", json_object_new_string("summary"));
        json_object_object_add(j, "targets", json_object_new_int((int)plan->n));
        json_object_object_add(j, "applied", json_object_new_int(applied2));
        json_object_object_add(j, "commands", json_object_new_int64((int64_t)sf_plan_commands(plan)));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        sf_progress_json(&cx.pr, j);
        json_object_put(j);
    } else if (code != SF_EXIT_OK) {
        int applied2 = 0;
        exit_for(plan, &applied2);
        const char *what = code == SF_EXIT_PARTIAL ? "partially applied"
                           : code == SF_EXIT_PENDING ? "stored; needs a reset or power cycle to run"
                                                     : "failed";
        fprintf(stderr, "safeflash: %s: %d of %zu processor(s) done\n", what, applied2, plan->n);
    }
out:
    if (ps.started)
        pthread_join(ps.th, NULL);
    if (kind == CMD_RESUME && plan)
        for (size_t i = 0; i < plan->n; i++)
            if (plan->t[i].resume_of && plan->t[i].img)
                free((void *)plan->t[i].img);
    for (size_t i = 0; i < nlocks; i++)
        sf_lock_release(locks[i]);
    if (in->worker && code != SF_EXIT_OK && !in->reason[0] && cx.err[0])
        snprintf(in->reason, sizeof(in->reason), "%s", cx.err);
    sf_history_close(cx.hist);
    sf_plan_free(plan);
    return code;
}

int sf_cmd_install(int argc, char **argv)
{
    return run_cmd(argc, argv, CMD_INSTALL);
}

int sf_cmd_activate(int argc, char **argv)
{
    return run_cmd(argc, argv, CMD_ACTIVATE);
}

int sf_cmd_resume(int argc, char **argv)
{
    return run_cmd(argc, argv, CMD_RESUME);
}

int sf_cmd_cancel(int argc, char **argv)
{
    const char *sd = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("Usage: safeflash cancel [--state-dir DIR]\n\nStop a paused run cleanly: "
                 "its unfinished attempts are closed as cancelled,\nand 'resume' will not "
                 "continue it.  Devices are not touched.");
            return SF_EXIT_OK;
        }
        if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
            sd = argv[++i];
        else
            return sf_cli_usage_error("cancel", "unexpected argument '%s'", argv[i]);
    }
    struct sf_errctx ec = { 0 };
    struct sf_history *h = NULL;
    struct sf_run r;
    int rc = open_paused_run(sf_state_dir(sd), &h, &r, &ec);
    if (rc == SF_ENODEV || rc == 1) {
        fprintf(stderr, "safeflash: no paused run to cancel%s%s%s\n", rc == 1 ? " (the last run is " : "",
                rc == 1 ? r.state : "", rc == 1 ? ")" : "");
        sf_history_close(h);
        return SF_EXIT_OK;
    }
    if (rc)
        return sf_cli_fail(rc, &ec);
    sf_history_cancel_run(h, r.id);
    sf_history_close(h);
    printf("run %s cancelled\n", r.id);
    return SF_EXIT_OK;
}
