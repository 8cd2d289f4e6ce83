/*
 * sf_cli_rfjournal.c - the Redfish front end's rules: its journal records,
 * the BMC's lock, staging images, package checks, and the bare resume of a
 * run it recorded (its command again).  The update engine does all of this
 * for the other classes; these leave the CLI when Redfish boards move onto
 * it (issue 18).  See sf_cli_redfish.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/sf_crypto.h"
#include "state/sf_lock.h"
#include "sf_cli.h"
#include "sf_cli_redfish.h"

const char *sf_rf_item_state(enum sf_bmc_item_state st)
{
    static const char *const names[] = { "planned", "staged", "updated", "failed", "unknown",
                                         "skipped" };
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* One safeflash per BMC: two runs pushing to one BMC would race for its
 * single update slot and each other's resets.  Keyed by host and port, not
 * user.  Returns the lock fd, or -1 after saying why (exit 8 in *code). */
int sf_rf_lock_bmc(const struct ropts *ro, int *code)
{
    char key[300], id[17];
    snprintf(key, sizeof(key), "bmc %s:%u", ro->t.host, ro->t.port);
    sf_cli_hash_id(key, id);
    struct sf_errctx ec = { 0 };
    int fd = sf_lock_acquire_named(sf_cli_state_dir(NULL), id, "this BMC", &ec);
    if (fd < 0)
        *code = sf_cli_refuse(ro->json, ro->target, SF_EXIT_REFUSED, "%s: %s", ro->target,
                              ec.msg);
    return fd;
}

/* The history's identity for a board's component: the target and the
 * component's FirmwareInventory URI. */
void sf_rf_item_id(const char *target, const char *comp, char id[17])
{
    char key[400];
    snprintf(key, sizeof(key), "%s#%s", target, comp);
    sf_cli_hash_id(key, id);
}

/* One history attempt per component of the plan (skipped ones have none),
 * and their results. */
void sf_rf_attempts_begin(struct sf_history *h, const char *run, const char *action,
                           const char *target, const struct sf_bmc_plan *p,
                           const char *state_dir, struct bctx *bc, struct sf_errctx *ec)
{
    for (size_t i = 0; h && i < p->n; i++) {
        const struct sf_bmc_item *it = &p->it[i];
        struct sf_attempt a;
        memset(&a, 0, sizeof(a));
        snprintf(a.run, sizeof(a.run), "%s", run);
        snprintf(a.action, sizeof(a.action), "%s", action);
        snprintf(a.path, sizeof(a.path), "%s", target);
        sf_rf_item_id(target, it->comp, a.logical_id);
        snprintf(a.vendor, sizeof(a.vendor), "REDFISH");
        snprintf(a.product, sizeof(a.product), "%s", it->comp);
        snprintf(a.from_rev, sizeof(a.from_rev), "%s", it->before);
        snprintf(a.expected_rev, sizeof(a.expected_rev), "%s", it->expect);
        snprintf(a.package_sha, sizeof(a.package_sha), "%s", bc->package_sha ? bc->package_sha : "");
        if (it->img || it->pull[0])
            sf_bmcup_item_sha(it, a.image_sha);
        if (it->img)
            snprintf(a.staged, sizeof(a.staged), "%s/staging/%s.img", state_dir, a.image_sha);
        snprintf(a.mode, sizeof(a.mode), "%s", it->pull[0] ? "pull" : it->img
                 ? sf_rf_apply_str(it->apply) : "host reset");
        a.resumed_from = bc->resume_of[i];
        bc->aid[i] = it->st == SF_BI_SKIPPED || bc->no_attempt[i] ? 0 : sf_history_begin(h, &a, ec);
        if (bc->aid[i] > 0 && bc->resume_of[i] > 0) {
            /* The interrupted attempt ends here; this one carries on. */
            char why[64];
            snprintf(why, sizeof(why), "continued by #%lld", (long long)bc->aid[i]);
            sf_history_finish(h, bc->resume_of[i], "interrupted", NULL, why);
        }
    }
}

/* What a journaled "staged" of attempt #id (when it ran from) is worth
 * now (sf_bmcup_journaled); one line when it must be pushed again. */
enum sf_bmc_held sf_rf_journal_staged(const struct ropts *ro, const struct sf_bmc_inv *inv,
                                       struct sf_bmc_item *it, long long id, const char *from,
                                       int interrupted)
{
    char why[300];
    enum sf_bmc_held held = sf_bmcup_journaled(inv, it, id, from, interrupted, why, sizeof(why));
    if (held == SF_HELD_GONE && !ro->json)
        fprintf(stderr, "%s: %s: attempt #%lld staged it, but the BMC no longer holds it (%s; "
                "the BMC restarted?): pushing it again\n", ro->target, it->name, id, why);
    return held;
}

/*
 * The journal (field report 002's other half: a killed client).  For each
 * item, what earlier runs of this image got done: staged by a finished
 * attempt and still held by the BMC - not pushed again; an interrupted
 * attempt whose last phase was "staged", still held - not pushed again;
 * an interrupted BMC update whose BMC now runs something else - it took.
 * An interrupted attempt with another image blocks, unless --restart
 * abandons it.  Returns -1 to go on, or the exit code.
 */
int sf_rf_journal(const struct ropts *ro, struct sf_history *h, const struct sf_bmc_inv *inv,
                   struct sf_bmc_plan *p, struct bctx *bc)
{
    for (size_t i = 0; h && i < p->n; i++) {
        struct sf_bmc_item *it = &p->it[i];
        if (it->st == SF_BI_SKIPPED)
            continue;
        char id[17], sha[65];
        sf_rf_item_id(ro->target, it->comp, id);
        sf_bmcup_item_sha(it, sha);
        struct sf_unfinished u[8];
        size_t n = 0;
        sf_history_unfinished(h, id, u, 8, &n);
        for (size_t k = 0; k < n; k++) {
            if (strcmp(u[k].image_sha, sha)) {
                if (ro->restart) {
                    sf_history_finish(h, u[k].id, "abandoned", NULL, "superseded with --restart");
                    continue;
                }
                return sf_cli_refuse(ro->json, ro->target, SF_EXIT_REFUSED, "%s: %s has an "
                                     "unfinished %s of another image (attempt #%lld, last phase "
                                     "\"%s\"): finish it with 'safeflash resume %s', or pass "
                                     "--restart to abandon it", ro->target, it->name,
                                     u[k].action, (long long)u[k].id, u[k].phase, ro->target);
            }
            if (bc->resume_of[i])
                continue; /* the newest one counts */
            bc->resume_of[i] = u[k].id;
            if (!strncmp(u[k].phase, "staged", 6)) {
                sf_rf_journal_staged(ro, inv, it, (long long)u[k].id, u[k].from_rev, 1);
            } else if (it->is_bmc && u[k].from_rev[0] &&
                       strcmp(u[k].from_rev, it->before)) {
                it->st = SF_BI_UPDATED;
                snprintf(it->after, sizeof(it->after), "%s", it->before);
                snprintf(it->before, sizeof(it->before), "%s", u[k].from_rev);
                snprintf(it->msg, sizeof(it->msg), "attempt #%lld's update took: the BMC runs "
                         "%s now", (long long)u[k].id, it->after);
            }
        }
        struct sf_last_attempt la;
        if (!bc->resume_of[i] && sf_history_stored(h, id, 0, &la) == 0 &&
            !strcmp(la.image_sha, sha) &&
            sf_rf_journal_staged(ro, inv, it, (long long)la.id, la.from_rev, 0) == SF_HELD_STAGED)
            bc->no_attempt[i] = 1; /* nothing new happens to it */
    }
    return -1;
}

void sf_rf_attempts_finish(struct sf_history *h, const struct sf_bmc_plan *p,
                            const struct bctx *bc)
{
    for (size_t i = 0; h && i < p->n; i++) {
        const struct sf_bmc_item *it = &p->it[i];
        if (bc->aid[i] <= 0)
            continue;
        /* "stored" is what `activate` looks for (sf_history_stored);
         * "nothing-to-activate" uses up a stored image the BMC dropped. */
        const char *result = it->st == SF_BI_STAGED ? "stored"
                             : it->st == SF_BI_FAILED && !it->img && !it->pull[0] &&
                               !strcmp(it->step, "checking what the BMC holds")
                             ? "nothing-to-activate"
                             : p->degraded && !strcasecmp(it->comp, "bios") ? "degraded"
                                                                           : sf_rf_item_state(it->st);
        sf_history_finish(h, bc->aid[i], result, it->after[0] ? it->after : NULL,
                          it->st == SF_BI_FAILED || it->st == SF_BI_UNKNOWN ? it->msg : NULL);
    }
}

/* A package for this board: container and hashes (14), signature (13),
 * and one item per component with the version it must report.  -1 to go
 * on, or the exit code. */
int sf_rf_load_package(const struct ropts *ro, struct sf_pkg **pkg, struct sf_bmc_plan *p,
                        char sha[65])
{
    struct sf_errctx ec = { 0 };
    int rc = sf_pkg_read(ro->img[0], pkg, &ec);
    if (rc)
        return sf_cli_refuse(ro->json, ro->target, sf_cli_pkg_exit(rc), "%s", ec.msg);
    const struct sf_manifest *m = &(*pkg)->man;
    if (!m->ncomponents)
        return sf_cli_refuse(ro->json, ro->target, SF_EXIT_MISMATCH, "%s: the package names no "
                             "components (it is for %s): a BMC takes packages of server-board "
                             "components; nothing was pushed", ro->img[0],
                             m->revision[0] ? "an enclosure or a drive" : "board flash");
    sf_hex((*pkg)->file_sha256, 32, sha);
    struct sf_errctx sec = { 0 };
    rc = sf_pkg_check_signature(*pkg, sf_cli_keys_dir(ro->keys), &sec);
    if (rc && !ro->allow_unsigned)
        return sf_cli_refuse(ro->json, ro->target, SF_EXIT_SIGNATURE, "%s: %s: refusing it "
                             "(--allow-unsigned overrides); nothing was pushed", ro->img[0],
                             sec.msg);
    if (rc)
        fprintf(stderr, "safeflash: warning: %s: %s; installing anyway (--allow-unsigned)\n",
                ro->img[0], sec.msg);
    for (size_t i = 0; i < m->ncomponents; i++) {
        const struct sf_man_component *c = &m->components[i];
        const struct sf_pkg_image *pi = sf_pkg_image(*pkg, c->image);
        struct sf_bmc_item *it = &p->it[p->n++];
        snprintf(it->comp, sizeof(it->comp), "%s", c->component);
        snprintf(it->expect, sizeof(it->expect), "%s", c->version);
        snprintf(it->file_name, sizeof(it->file_name), "%s", c->image);
        it->img = pi->data;
        it->len = pi->len;
    }
    return -1;
}

/* `safeflash resume redfish://...`: the last run, if it was an install on
 * this BMC that did not finish, runs again (the journal makes that a
 * continuation); the bare `safeflash resume` does the same for any run. */
int sf_cmd_rf_resume(int argc, char **argv)
{
    if (argc != 2 || !sf_cli_is_redfish_target(argv[1]))
        return sf_cli_usage_error("resume", "resume redfish://USER@HOST[:PORT] (the last run's "
                                  "own options are used again)");
    struct sf_history *h = NULL;
    struct sf_errctx ec = { 0 };
    struct sf_run r;
    if (sf_history_open(sf_cli_state_dir(NULL), &h, &ec))
        return sf_cli_fail(SF_ESTATE, &ec);
    int have = sf_history_run_latest(h, NULL, &r) == 0;
    sf_history_close(h);
    int mine = 0;
    if (have) {
        /* argv is tab-separated: the target must be one whole field. */
        char tmp[sizeof(r.argv)];
        snprintf(tmp, sizeof(tmp), "%s", r.argv);
        for (char *sv = NULL, *t = strtok_r(tmp, "\t", &sv); t; t = strtok_r(NULL, "\t", &sv))
            mine |= !strcmp(t, argv[1]);
    }
    if (!mine || (strcmp(r.state, "running") && strcmp(r.state, "paused-on-error"))) {
        printf("%s: nothing unfinished: the last run %s\n", argv[1],
               !have ? "does not exist" : !mine ? "was for another device" : "finished");
        return SF_EXIT_OK;
    }
    char *rargv[] = { "resume", NULL };
    return sf_cmd_resume(1, rargv);
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

int sf_cli_rf_resume_foreign(const char *state_opt)
{
    if (state_opt)
        setenv("SAFEFLASH_STATE_DIR", state_opt, 1);
    struct sf_errctx rec = { 0 };
    struct sf_history *h = NULL;
    struct sf_run r;
    int rrc = open_paused_run(sf_cli_state_dir(NULL), &h, &r, &rec);
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
    sf_history_run_end(h, r.id, "resumed", "resumed with 'safeflash resume'");
    sf_history_close(h);
    fprintf(stderr, "safeflash: resuming run %s:", r.id);
    for (int i = 1; i < n; i++)
        fprintf(stderr, " %s", cargv[i]);
    fprintf(stderr, "\n");
    fflush(NULL);
    execv("/proc/self/exe", cargv);
    return sf_cli_fail(SF_EIO, NULL);
}
