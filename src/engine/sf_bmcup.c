/* sf_bmcup.c - updating a server board through its BMC: the plan, pushes,
 * tasks, resets and verification from the inventory (sf_bmcinv.c reads
 * and classifies the inventory).  See sf_bmcup.h. */
#define _GNU_SOURCE
#include "engine/sf_bmcup.h"
#include "pkg/sf_crypto.h"
#include "pkg/sf_manifest.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <time.h>

static void defaults(struct sf_bmc_plan *p)
{
    if (!p->task_timeout_s)
        p->task_timeout_s = 600;
    if (!p->reset_timeout_s)
        p->reset_timeout_s = 900;
}

void sf_bmcup_resolve(const struct sf_bmc_inv *inv, const struct sf_rf_fw *f,
                      struct sf_bmc_item *it)
{
    snprintf(it->target, sizeof(it->target), "%s", f->uri);
    /* The BMC's own image is pushed to its Manager where the service
     * links one (older bmcweb takes nothing else in Targets). */
    snprintf(it->push_target, sizeof(it->push_target), "%s", f->manager[0] ? f->manager : f->uri);
    const char *cls = sf_bmcup_class(f);
    it->is_bmc = (cls && !strcmp(cls, "bmc")) || !strcasecmp(it->comp, "bmc");
    /* The key that finds it again after the update: a hashed Id
     * (bmcweb derives it from the version) changes, "bios" does not. */
    sf_bmcup_key(inv, f, it->comp, sizeof(it->comp));
    snprintf(it->name, sizeof(it->name), "%s", sf_bmcup_label(f, it->comp));
    snprintf(it->before, sizeof(it->before), "%s", f->version);
    unsigned at = inv->us.apply_times;
    if (it->is_bmc)
        it->apply = SF_RF_APPLY_IMMEDIATE;
    else if (!at || (at & SF_RF_APPLY_ON_RESET))
        it->apply = SF_RF_APPLY_ON_RESET;
    else if ((at & SF_RF_APPLY_ON_START) && inv->us.start_update[0])
        it->apply = SF_RF_APPLY_ON_START;
    else
        it->apply = SF_RF_APPLY_IMMEDIATE;
}

int sf_bmcup_plan(const struct sf_bmc_inv *inv, struct sf_bmc_plan *p, struct sf_errctx *ec)
{
    defaults(p);
    for (size_t i = 0; i < p->n; i++) {
        struct sf_bmc_item *it = &p->it[i];
        const struct sf_rf_fw *f = sf_bmcup_find(inv, it->comp);
        if (!f) {
            char have[400] = "";
            for (size_t k = 0; k < inv->n; k++) {
                if (!sf_bmcup_running(&inv->fw[k]))
                    continue;
                size_t l = strlen(have);
                const char *c = sf_bmcup_class(&inv->fw[k]);
                if (c && !strcasecmp(c, inv->fw[k].id))
                    c = NULL;
                snprintf(have + l, sizeof(have) - l, "%s%s%s%s%s", l ? ", " : "", inv->fw[k].id,
                         c ? " (" : "", c ? c : "", c ? ")" : "");
            }
            return sf_err_set(ec, SF_EMISMATCH, "the BMC's firmware inventory has no single "
                              "component '%s' (it runs: %s)", it->comp, have);
        }
        if (it->pull[0] && !inv->us.simple_update[0])
            return sf_err_set(ec, SF_ENOTSUP, "the BMC offers no UpdateService.SimpleUpdate: "
                              "--pull cannot be used with it (push the image instead)");
        if (!it->pull[0] && !inv->us.push_uri[0] && !inv->us.multipart_uri[0])
            return sf_err_set(ec, SF_ENOTSUP, "the BMC takes no pushed images (its "
                              "UpdateService has neither MultipartHttpPushUri nor HttpPushUri)"
                              "%s: nothing was sent", inv->us.simple_update[0]
                              ? ": it only pulls them (SimpleUpdate) - put the image on an "
                                "http(s) server and use --pull URL"
                              : ", nor SimpleUpdate");
        if (f->updateable == 0)
            return sf_err_set(ec, SF_ENOTSUP, "%s (%s) is not updateable, says the BMC", it->comp,
                              f->uri);
        sf_bmcup_resolve(inv, f, it);
        if (it->expect[0] && !strcmp(it->expect, f->version)) {
            it->st = SF_BI_SKIPPED;
            snprintf(it->msg, sizeof(it->msg), "already runs %s", f->version);
            continue;
        }
    }
    /* The BMC first, then host firmware: a BMC reset drops what it staged
     * in its memory (and, field report 002, anything it was still being
     * given), so nothing is staged until the BMC's own reset is behind
     * us - which is also the order vendors give (the management
     * controller before BIOS and ME).  Each image is pushed once. */
    /* Stable: the host firmware keeps the order it was given in. */
    struct sf_bmc_item *sorted = malloc((p->n ? p->n : 1) * sizeof(*sorted));
    if (!sorted)
        return SF_ENOMEM;
    size_t n = 0;
    for (int bmc = 1; bmc >= 0; bmc--)
        for (size_t i = 0; i < p->n; i++)
            if (!!p->it[i].is_bmc == bmc)
                sorted[n++] = p->it[i];
    memcpy(p->it, sorted, n * sizeof(sorted[0]));
    free(sorted);
    return 0;
}

/* ---- run ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

static void emit(sf_bev_cb cb, void *arg, enum sf_bev_kind k, const struct sf_bmc_item *it,
                 int pct, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void emit(sf_bev_cb cb, void *arg, enum sf_bev_kind k, const struct sf_bmc_item *it,
                 int pct, const char *fmt, ...)
{
    if (!cb)
        return;
    char t[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof(t), fmt, ap);
    va_end(ap);
    cb(k, it, t, pct, arg);
}

static int item_fail(struct sf_bmc_item *it, const char *step, int rc, struct sf_errctx *ec,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int item_fail(struct sf_bmc_item *it, const char *step, int rc, struct sf_errctx *ec,
                     const char *fmt, ...)
{
    it->st = SF_BI_FAILED;
    snprintf(it->step, sizeof(it->step), "%s", step);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
    va_end(ap);
    return sf_err_set(ec, rc, "%s: %s", it->name, it->msg);
}

enum task_end { TE_DONE, TE_LOST, TE_DOWN };

/* Push one image.  Sets it->task to the task monitor; 0 or an error. */
static int push(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_item *it,
                sf_bev_cb cb, void *arg, struct sf_errctx *ec)
{
    struct sf_http_resp r;
    int rc;
    const char *to = it->push_target[0] ? it->push_target : it->target;
    if (it->pull[0]) {
        /* Only on the operator's explicit --pull (field report 002). */
        if (!inv->us.simple_update[0])
            return item_fail(it, "pulling", SF_ENOTSUP, ec, "the BMC offers no "
                             "UpdateService.SimpleUpdate to pull %s with", it->pull);
        char *body = sf_rf_simple_update_body(it->pull, to);
        if (!body)
            return SF_ENOMEM;
        emit(cb, arg, SF_BEV_STEP, it, -1, "asking the BMC to pull %s itself (SimpleUpdate)",
             it->pull);
        rc = sf_rfs_call(s, "POST", inv->us.simple_update, "application/json", body,
                         strlen(body), &r, ec);
        free(body);
    } else if (inv->us.multipart_uri[0]) {
        char *params = sf_rf_update_params(to, it->apply);
        if (!params)
            return SF_ENOMEM;
        emit(cb, arg, SF_BEV_STEP, it, -1, "pushing %zu bytes to %s (multipart, apply %s)",
             it->len, inv->us.multipart_uri, sf_rf_apply_str(it->apply));
        rc = sf_rfs_multipart(s, inv->us.multipart_uri, params, it->file_name, it->img, it->len,
                              &r, ec);
        free(params);
    } else {
        emit(cb, arg, SF_BEV_STEP, it, -1, "pushing %zu bytes to %s (HttpPushUri; the BMC "
             "offers no multipart push)", it->len, inv->us.push_uri);
        rc = sf_rfs_call(s, "POST", inv->us.push_uri, "application/octet-stream", it->img,
                         it->len, &r, ec);
    }
    if (rc) {
        sf_http_resp_free(&r);
        return item_fail(it, "pushing", rc, ec, "the %s did not complete: %s",
                         it->pull[0] ? "request" : "push", ec->msg);
    }
    char why[400];
    sf_rf_error_message(r.body, r.len, why, sizeof(why));
    long st = r.status;
    if (st == 413) {
        sf_http_resp_free(&r);
        return item_fail(it, "pushing", SF_ERANGE, ec, "the BMC refused the image as too large "
                         "(HTTP 413%s%s): %zu bytes", why[0] ? ": " : "", why, it->len);
    }
    if (st < 200 || st > 299) {
        sf_http_resp_free(&r);
        return item_fail(it, "pushing", st == 401 || st == 403 ? SF_EACCES : SF_EIO, ec,
                         "the BMC refused the %s: HTTP %ld%s%s", it->pull[0] ? "pull" : "push",
                         st, why[0] ? ": " : "", why);
    }
    /* The task monitor: the Location header (DSP0266; iLO writes it as an
     * absolute URL, whose path is followed on this connection), else the
     * task in the body, else none - the inventory will tell. */
    struct sf_rf_task t;
    struct sf_errctx ig = { 0 };
    if (sf_rf_uri_path(r.location, it->task, sizeof(it->task)) &&
        (!r.len || sf_rf_parse_task(r.body, r.len, &t, &ig) ||
         sf_rf_uri_path(t.uri, it->task, sizeof(it->task))))
        it->task[0] = '\0';
    sf_http_resp_free(&r);
    return 0;
}

/* The task resource behind a monitor: bmcweb's monitor is TASK/Monitor. */
static void task_of(const char *monitor, char *out, size_t cap)
{
    snprintf(out, cap, "%s", monitor);
    size_t l = strlen(out);
    if (l > 8 && !strcmp(out + l - 8, "/Monitor"))
        out[l - 8] = '\0';
}

static int follow(struct sf_rfs *s, struct sf_bmc_item *it, unsigned timeout_s, sf_bev_cb cb,
                  void *arg, enum task_end *end, struct sf_errctx *ec)
{
    *end = TE_DONE;
    if (!it->task[0])
        return 0;
    char task[SF_RF_URI];
    task_of(it->task, task, sizeof(task));
    double deadline = now_s() + timeout_s;
    int last_pct = -2;
    const char *path = it->task;
    for (;;) {
        struct sf_http_resp r;
        struct sf_errctx tec = { 0 };
        int rc = sf_rfs_call(s, "GET", path, NULL, NULL, 0, &r, &tec);
        if (rc) {
            sf_http_resp_free(&r);
            if (r.fail == SF_HTTP_REFUSED || r.fail == SF_HTTP_TIMEOUT) {
                *end = TE_DOWN; /* the BMC went away: a reset */
                return 0;
            }
            return item_fail(it, "following the task", rc, ec, "%s", tec.msg);
        }
        struct sf_rf_task t;
        struct sf_errctx pec = { 0 };
        if (r.status == 404) {
            sf_http_resp_free(&r);
            if (path != task && strcmp(task, it->task)) {
                path = task; /* the monitor is gone: ask the task itself */
                continue;
            }
            /* Tasks live in the BMC's memory: gone means unknown, never
             * success. */
            *end = TE_LOST;
            return 0;
        }
        if (r.status == 204) {
            sf_http_resp_free(&r);
            path = task;
            if (!strcmp(task, it->task)) {
                *end = TE_DONE;
                return 0;
            }
            continue;
        }
        if ((r.status == 200 || r.status == 202) && r.len &&
            sf_rf_parse_task(r.body, r.len, &t, &pec) == 0) {
            sf_http_resp_free(&r);
            if (sf_rf_task_final(t.state)) {
                if (t.state != SF_RF_TASK_COMPLETED)
                    return item_fail(it, "following the task", SF_EIO, ec, "the BMC's task "
                                     "ended %s%s%s%s%s", t.state_str, t.message_id[0] ? ": " : "",
                                     t.message_id, t.message[0] ? " - " : "", t.message);
                if (t.message_id[0])
                    emit(cb, arg, SF_BEV_NOTICE, it, 100, "task %s: %s", t.state_str,
                         t.message[0] ? t.message : t.message_id);
                *end = TE_DONE;
                return 0;
            }
            if (t.percent != last_pct && t.percent >= 0)
                emit(cb, arg, SF_BEV_PROGRESS, it, t.percent, "%s", t.state_str);
            last_pct = t.percent;
        } else if (r.status == 202) {
            /* Still running; DSP0266 leaves the monitor's body optional. */
            sf_http_resp_free(&r);
            snprintf(t.state_str, sizeof(t.state_str), "running");
            t.percent = -1;
        } else if (r.status == 200 || r.status == 201) {
            /* A monitor answers the operation's own final response once it
             * is done: ask the task how it ended when there is one apart
             * from the monitor, else it is done - the inventory decides. */
            sf_http_resp_free(&r);
            if (path == it->task && strcmp(task, it->task)) {
                path = task;
                continue;
            }
            *end = TE_DONE;
            return 0;
        } else if (r.status >= 400) {
            /* The operation's own answer: it failed, in the BMC's words. */
            char why[300];
            sf_rf_error_message(r.body, r.len, why, sizeof(why));
            long st = r.status;
            sf_http_resp_free(&r);
            return item_fail(it, "following the task", SF_EIO, ec, "the BMC's task ended with "
                             "HTTP %ld%s%s", st, why[0] ? ": " : "", why);
        } else {
            long st = r.status;
            sf_http_resp_free(&r);
            return item_fail(it, "following the task", SF_EMALFORMED, ec, "the task monitor "
                             "answered HTTP %ld with no task", st);
        }
        if (now_s() > deadline)
            return item_fail(it, "following the task", SF_ETIMEDOUT, ec, "the task is still "
                             "%s at %d%% after %u s: stuck (the image may or may not be staged; "
                             "'safeflash show' on this BMC tells)", t.state_str, t.percent < 0 ? 0 : t.percent,
                             timeout_s);
        nap(r.retry_after ? (r.retry_after > 5 ? 5 : r.retry_after) : 0.5);
    }
}

static void progress_wait(const char *what, void *arg)
{
    void **a = arg;
    sf_bev_cb cb = (sf_bev_cb)(uintptr_t)a[0];
    emit(cb, a[1], SF_BEV_NOTICE, a[2], -1, "the BMC is %s", what);
}

/* Read the inventory and judge items by their versions. */
int sf_bmcup_judge(const struct sf_bmc_inv *now, struct sf_bmc_item *it, int final,
                   const char *why_unchanged, struct sf_errctx *ec)
{
    const struct sf_rf_fw *f = sf_bmcup_find(now, it->comp);
    if (!f)
        return item_fail(it, "verifying", SF_EMISMATCH, ec, "%s is no longer in the inventory",
                         it->comp);
    snprintf(it->after, sizeof(it->after), "%s", f->version);
    int moved = it->expect[0] ? !strcmp(f->version, it->expect) : strcmp(f->version, it->before);
    if (moved && strcmp(f->state, "Updating")) {
        it->st = SF_BI_UPDATED;
        snprintf(it->msg, sizeof(it->msg), "%s -> %s", it->before, f->version);
        return 0;
    }
    if (!final)
        return SF_EBUSY;
    if (it->expect[0] && strcmp(f->version, it->before) && moved == 0)
        return item_fail(it, "verifying", SF_EMISMATCH, ec, "runs %s, neither %s (before) nor "
                         "%s (the image)", f->version, it->before, it->expect);
    return item_fail(it, "verifying", SF_EIO, ec, "still runs %s %s", f->version, why_unchanged);
}

int sf_bmcup_bmc_one(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                     struct sf_bmc_item *it, sf_bev_cb cb, void *arg, struct sf_errctx *ec)
{
    int rc = push(s, inv, it, cb, arg, ec);
    enum task_end end = TE_DONE;
    if (!rc)
        rc = follow(s, it, p->task_timeout_s, cb, arg, &end, ec);
    if (rc)
        return rc;
    emit(cb, arg, SF_BEV_STEP, it, -1, "waiting for the BMC to restart and answer again (at "
         "most %u s)", p->reset_timeout_s);
    void *pa[3] = { (void *)(uintptr_t)cb, arg, it };
    int down = 0;
    struct sf_errctx wec = { 0 };
    /* A task that vanished (tasks live in the BMC's memory) means the reset
     * may be over already: waiting to see the BMC go down would then wait
     * out the whole reset timeout.  The inventory judges either way. */
    int wrc = sf_rfs_wait_back(s, p->reset_timeout_s, end != TE_LOST, &down, progress_wait, pa,
                               &wec);
    if (wrc && down)
        return item_fail(it, "waiting for the BMC", wrc, ec, "%s", wec.msg);
    struct sf_bmc_inv *now = malloc(sizeof(*now));
    if (!now)
        return SF_ENOMEM;
    rc = sf_bmcup_inventory(s, now, ec);
    if (rc) {
        free(now);
        return item_fail(it, "verifying", rc, ec, "cannot read the inventory: %s", ec->msg);
    }
    const char *why = end == TE_LOST ? "(the BMC lost the task in its reset; nothing proves the "
                                       "update)"
                      : !down ? "(the BMC never restarted)"
                              : "although its task said Completed";
    rc = sf_bmcup_judge(now, it, 1, why, ec);
    free(now);
    return rc;
}

/* POST an action (body NULL: no parameters) and expect 2xx. */
static int post_action(struct sf_rfs *s, const char *uri, const char *body, const char *what,
                       struct sf_errctx *ec)
{
    struct sf_http_resp r;
    const char *b = body ? body : "{}";
    int rc = sf_rfs_call(s, "POST", uri, "application/json", b, strlen(b), &r, ec);
    char why[300];
    sf_rf_error_message(r.body, r.len, why, sizeof(why));
    if (!rc && (r.status < 200 || r.status > 299))
        rc = sf_err_set(ec, SF_EIO, "%s: HTTP %ld%s%s", what, r.status, why[0] ? ": " : "", why);
    sf_http_resp_free(&r);
    return rc;
}

int sf_bmcup_system(struct sf_rfs *s, struct sf_rf_system *out, struct sf_errctx *ec)
{
    struct sf_http_resp r;
    struct sf_rf_members m;
    memset(out, 0, sizeof(*out));
    int rc = sf_rfs_get(s, s->root.systems[0] ? s->root.systems : "/redfish/v1/Systems", &r, ec);
    if (!rc)
        rc = sf_rf_parse_members(r.body, r.len, &m, ec);
    sf_http_resp_free(&r);
    if (!rc && m.n != 1)
        rc = sf_err_set(ec, SF_ENOTSUP, "the BMC manages %zu systems; safeflash updates "
                        "single-system boards", m.n);
    if (!rc)
        rc = sf_rfs_get(s, m.uri[0], &r, ec);
    if (!rc)
        rc = sf_rf_parse_system(r.body, r.len, out, ec);
    sf_http_resp_free(&r);
    return rc;
}

int sf_bmcup_reset_uri(struct sf_rfs *s, char *out, size_t cap, struct sf_errctx *ec)
{
    struct sf_rf_system sys;
    int rc = sf_bmcup_system(s, &sys, ec);
    if (!rc && !sys.reset[0])
        rc = sf_err_set(ec, SF_ENOTSUP, "%s offers no #ComputerSystem.Reset action", sys.uri);
    if (rc) {
        char why[sizeof(ec->msg)];
        snprintf(why, sizeof(why), "%s", ec->msg[0] ? ec->msg : sf_err_str(rc));
        return sf_err_set(ec, rc, "the host reset could not be requested (%s); the staged "
                          "firmware waits for the host's next reset", why);
    }
    snprintf(out, cap, "%s", sys.reset);
    return 0;
}

int sf_bmcup_host_reset(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                        const char *reset_uri, sf_bev_cb cb, void *arg, struct sf_errctx *ec)
{
    int on_start = 0;
    for (size_t i = 0; i < p->n; i++)
        on_start |= p->it[i].st == SF_BI_STAGED && p->it[i].apply == SF_RF_APPLY_ON_START;
    int rc;
    if (on_start) {
        emit(cb, arg, SF_BEV_NOTICE, NULL, -1, "releasing the staged images (StartUpdate)");
        rc = post_action(s, inv->us.start_update, NULL, "UpdateService.StartUpdate", ec);
        if (rc)
            return rc;
    }
    /* The system and its reset action, from the service itself. */
    struct sf_rf_system sys;
    rc = 0;
    if (!reset_uri) {
        rc = sf_bmcup_system(s, &sys, ec);
        if (!rc && !sys.reset[0])
            rc = sf_err_set(ec, SF_ENOTSUP, "%s offers no #ComputerSystem.Reset action",
                            sys.uri);
    }
    const char *reset = reset_uri ? reset_uri : sys.reset;
    char *body = rc ? NULL : sf_rf_reset_body("ForceRestart");
    if (!rc && !body)
        return SF_ENOMEM;
    if (!rc) {
        emit(cb, arg, SF_BEV_STEP, NULL, -1, "resetting the host (%s, ForceRestart) to apply "
             "the staged firmware", reset);
        rc = post_action(s, reset, body, "ComputerSystem.Reset", ec);
    }
    free(body);
    if (rc) {
        /* Nothing was applied: say why, and that the images still wait. */
        char why[sizeof(ec->msg)];
        snprintf(why, sizeof(why), "%s", ec->msg[0] ? ec->msg : sf_err_str(rc));
        return sf_err_set(ec, rc, "the host reset could not be requested (%s); the staged "
                          "firmware waits for the host's next reset", why);
    }
    /* Wait until every staged item runs its version, or the time is up. */
    double deadline = now_s() + p->reset_timeout_s;
    struct sf_bmc_inv *nowp = calloc(1, sizeof(*nowp));
    if (!nowp)
        return SF_ENOMEM;
#define now (*nowp)
    int first_rc = 0;
    for (;;) {
        nap(0.3);
        struct sf_errctx iec = { 0 };
        if (sf_bmcup_inventory(s, &now, &iec)) {
            if (now_s() <= deadline)
                continue; /* a BMC busy with the host may not answer at once */
            for (size_t i = 0; i < p->n; i++)
                if (p->it[i].st == SF_BI_STAGED)
                    item_fail(&p->it[i], "verifying", SF_ETIMEDOUT, ec, "the BMC did not "
                              "answer within %u s of the host reset: %s", p->reset_timeout_s,
                              iec.msg);
            first_rc = SF_ETIMEDOUT;
            break;
        }
        int waiting = 0, final = now_s() > deadline;
        /* The backup image decides DEGRADED; a save that failed stops the
         * primary, so there is no point waiting for it. */
        const struct sf_rf_fw *bk = sf_bmcup_find_backup(&now, "bios");
        int bad_backup = bk && bk->health[0] && strcmp(bk->health, "OK");
        for (size_t i = 0; i < p->n; i++) {
            struct sf_bmc_item *it = &p->it[i];
            if (it->st != SF_BI_STAGED)
                continue;
            struct sf_errctx jec = { 0 };
            int jrc = sf_bmcup_judge(&now, it, final || bad_backup,
                            "after the host reset, although the BMC accepted the image", &jec);
            if (jrc == SF_EBUSY)
                waiting = 1;
            else if (jrc && !first_rc) {
                first_rc = jrc;
                snprintf(ec->msg, sizeof(ec->msg), "%s", jec.msg);
            }
        }
        if (bad_backup) {
            p->degraded = 1;
            snprintf(p->degraded_msg, sizeof(p->degraded_msg), "%s: health %s%s%s",
                     bk->name[0] ? bk->name : bk->id, bk->health, bk->condition[0] ? " - " : "",
                     bk->condition);
        }
        if (!waiting)
            break;
    }
#undef now
    free(nowp);
    return first_rc;
}

/* Push one host-firmware item and follow its task: STAGED, or failed. */
int sf_bmcup_stage_one(struct sf_rfs *s, const struct sf_bmc_inv *inv, struct sf_bmc_plan *p,
                       struct sf_bmc_item *it, sf_bev_cb cb, void *arg, struct sf_errctx *ec)
{
    enum task_end end = TE_DONE;
    int rc = push(s, inv, it, cb, arg, ec);
    if (!rc)
        rc = follow(s, it, p->task_timeout_s, cb, arg, &end, ec);
    if (rc)
        return rc;
    if (end != TE_DONE) {
        rc = item_fail(it, "following the task", SF_EIO, ec, "the BMC lost the task (%s): "
                       "whether the image is staged is unknown; 'safeflash show' on this BMC lists "
                       "what the BMC has", end == TE_LOST ? "404" : "it went down");
        it->st = SF_BI_UNKNOWN;
        return rc;
    }
    /* Journaled as a phase: a rerun after a crash does not push it again
     * (once the BMC confirms it still holds it). */
    it->st = SF_BI_STAGED;
    emit(cb, arg, SF_BEV_STEP, it, -1, "staged: the BMC accepted the image");
    return 0;
}

int sf_bmcup_wait_tasks(struct sf_rfs *s, unsigned timeout_s, struct sf_errctx *ec)
{
    double deadline = now_s() + timeout_s;
    struct sf_rf_members m;
    for (;;) {
        struct sf_http_resp r;
        struct sf_errctx gec = { 0 };
        int rc = sf_rfs_get(s, "/redfish/v1/TaskService/Tasks", &r, &gec);
        if (!rc)
            rc = sf_rf_parse_members(r.body, r.len, &m, &gec);
        sf_http_resp_free(&r);
        if (rc)
            return 0; /* no task service to ask: the inventory decides */
        int running = 0;
        for (size_t i = 0; i < m.n && !running; i++) {
            struct sf_rf_task t;
            struct sf_errctx tec = { 0 };
            if (sf_rfs_get(s, m.uri[i], &r, &tec) == 0 &&
                sf_rf_parse_task(r.body, r.len, &t, &tec) == 0)
                running = !sf_rf_task_final(t.state);
            sf_http_resp_free(&r);
        }
        if (!running)
            return 0;
        if (now_s() > deadline)
            return sf_err_set(ec, SF_ETIMEDOUT, "a task of the BMC is still running after %u s",
                              timeout_s);
        nap(0.5);
    }
}

