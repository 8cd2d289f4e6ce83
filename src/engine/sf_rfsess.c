/* sf_rfsess.c - see sf_rfsess.h. */
#define _GNU_SOURCE
#include "engine/sf_rfsess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* The service's own words for a failed request, or the status. */
static void why_of(const struct sf_http_resp *r, char *out, size_t cap)
{
    char m[300];
    sf_rf_error_message(r->body, r->len, m, sizeof(m));
    if (m[0])
        snprintf(out, cap, "HTTP %ld: %s", r->status, m);
    else
        snprintf(out, cap, "HTTP %ld", r->status);
}

static int login(struct sf_rfs *s, struct sf_errctx *ec)
{
    s->logins++;
    if (s->root.sessions[0] && !s->basic) {
        char *body = sf_rf_login_body(s->t.user, s->password);
        if (!body)
            return SF_ENOMEM;
        struct sf_http_resp r;
        sf_http_auth_token(s->h, NULL);
        int rc = sf_http_request(s->h, "POST", s->root.sessions, "application/json", body,
                                 strlen(body), &r, ec);
        explicit_bzero(body, strlen(body));
        free(body);
        if (rc) {
            sf_http_resp_free(&r);
            return rc;
        }
        if ((r.status == 200 || r.status == 201) && r.token[0]) {
            sf_http_auth_token(s->h, r.token);
            /* Where to log out: Location, which iLO writes as an absolute
             * URL, else the session's own @odata.id.  BMCs allow only a
             * few sessions; one we cannot delete waits out its timeout. */
            if (sf_rf_uri_path(r.location, s->session, sizeof(s->session)))
                sf_rf_odata_id(r.body, r.len, s->session, sizeof(s->session));
            sf_http_resp_free(&r);
            return 0;
        }
        long st = r.status;
        char why[360];
        why_of(&r, why, sizeof(why));
        sf_http_resp_free(&r);
        if (st == 401 || st == 403)
            return sf_err_set(ec, SF_EACCES, "%s: login as %s refused (%s)", s->base, s->t.user,
                              why);
        /* A service whose sessions do not work still takes Basic. */
    }
    s->basic = 1;
    s->session[0] = '\0';
    sf_http_auth_basic(s->h, s->t.user, s->password);
    struct sf_http_resp r;
    int rc = sf_http_request(s->h, "GET", s->root.update_service, NULL, NULL, 0, &r, ec);
    long st = r.status;
    sf_http_resp_free(&r);
    if (rc)
        return rc;
    if (st == 401 || st == 403)
        return sf_err_set(ec, SF_EACCES, "%s: login as %s refused (HTTP %ld)", s->base, s->t.user,
                          st);
    return 0;
}

/* The service root answers at /redfish/v1 on most BMCs; a service built
 * on a web framework may answer only /redfish/v1/ (the form DSP0266 writes
 * it in) and redirect or refuse the other.  Redirects are not followed
 * (credentials stay on this host), so the other form is asked for and
 * remembered - the reset wait polls it too. */
static int read_root(struct sf_rfs *s, struct sf_errctx *ec)
{
    struct sf_http_resp r;
    int rc = sf_rfs_call(s, "GET", s->root_path, NULL, NULL, 0, &r, ec);
    if (!rc && ((r.status >= 300 && r.status < 400) || r.status == 404)) {
        const char *other = strcmp(s->root_path, "/redfish/v1") ? "/redfish/v1" : "/redfish/v1/";
        struct sf_http_resp r2;
        struct sf_errctx ig = { 0 };
        if (sf_rfs_call(s, "GET", other, NULL, NULL, 0, &r2, &ig) == 0 && r2.status == 200) {
            sf_http_resp_free(&r);
            r = r2;
            snprintf(s->root_path, sizeof(s->root_path), "%s", other);
        } else {
            sf_http_resp_free(&r2);
        }
    }
    if (!rc && r.status != 200) {
        char why[360];
        why_of(&r, why, sizeof(why));
        rc = sf_err_set(ec, r.status == 404 ? SF_ENOTSUP : SF_EIO, "%s/redfish/v1: %s%s", s->base,
                        why, r.status == 404 ? " (not a Redfish service?)" : "");
    }
    if (!rc)
        rc = sf_rf_parse_root(r.body, r.len, &s->root, ec);
    sf_http_resp_free(&r);
    return rc;
}

int sf_rfs_open(const struct sf_rf_target *t, const char *password, const struct sf_rfs_opts *o,
                struct sf_rfs **out, struct sf_errctx *ec)
{
    *out = NULL;
    struct sf_rfs *s = calloc(1, sizeof(*s));
    if (!s)
        return SF_ENOMEM;
    s->t = *t;
    snprintf(s->password, sizeof(s->password), "%s", password ? password : "");
    s->busy_budget_s = o && o->busy_budget_s ? o->busy_budget_s : 60;
    snprintf(s->root_path, sizeof(s->root_path), "/redfish/v1");
    if (t->port)
        snprintf(s->base, sizeof(s->base), "%s://%s:%u", o && o->plain_http ? "http" : "https",
                 t->host, t->port);
    else
        snprintf(s->base, sizeof(s->base), "%s://%s", o && o->plain_http ? "http" : "https",
                 t->host);
    int rc = sf_http_open(s->base, o ? &o->http : NULL, &s->h, ec);
    if (!rc)
        rc = read_root(s, ec);
    if (!rc)
        rc = login(s, ec);
    if (rc) {
        s->session[0] = '\0';
        sf_rfs_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sf_rfs_close(struct sf_rfs *s)
{
    if (!s)
        return;
    if (s->h && s->session[0]) {
        struct sf_http_resp r;
        struct sf_errctx ig = { 0 };
        sf_http_request(s->h, "DELETE", s->session, NULL, NULL, 0, &r, &ig);
        sf_http_resp_free(&r);
    }
    sf_http_close(s->h);
    explicit_bzero(s->password, sizeof(s->password));
    free(s);
}

static int call(struct sf_rfs *s, const char *method, const char *path, const char *ctype,
                const void *body, size_t len, const char *params, const char *file_name,
                struct sf_http_resp *r, struct sf_errctx *ec)
{
    double deadline = now_s() + s->busy_budget_s;
    int relogged = 0;
    for (;;) {
        int rc = params ? sf_http_multipart(s->h, path, params, file_name, body, len, r, ec)
                        : sf_http_request(s->h, method, path, ctype, body, len, r, ec);
        if (rc)
            return rc;
        if (r->status == 503 && now_s() < deadline) {
            /* Busy or starting: wait as told (bounded), then again. */
            double wait = r->retry_after ? r->retry_after : 1;
            if (now_s() + wait > deadline)
                wait = deadline - now_s();
            s->waited_503++;
            sf_http_resp_free(r);
            sleep_s(wait);
            continue;
        }
        if (r->status == 401 && !relogged && (s->root.sessions[0] || s->basic) &&
            strcmp(path, s->root.sessions)) {
            /* The BMC forgot our session (a reset): log in once more. */
            relogged = 1;
            sf_http_resp_free(r);
            int lrc = login(s, ec);
            if (lrc)
                return lrc;
            continue;
        }
        return 0;
    }
}

int sf_rfs_call(struct sf_rfs *s, const char *method, const char *path, const char *ctype,
                const void *body, size_t len, struct sf_http_resp *r, struct sf_errctx *ec)
{
    return call(s, method, path, ctype, body, len, NULL, NULL, r, ec);
}

int sf_rfs_multipart(struct sf_rfs *s, const char *path, const char *params,
                     const char *file_name, const void *file, size_t len,
                     struct sf_http_resp *r, struct sf_errctx *ec)
{
    return call(s, "POST", path, NULL, file, len, params, file_name, r, ec);
}

int sf_rfs_get(struct sf_rfs *s, const char *path, struct sf_http_resp *r, struct sf_errctx *ec)
{
    int rc = sf_rfs_call(s, "GET", path, NULL, NULL, 0, r, ec);
    if (rc || r->status == 200)
        return rc;
    char why[360];
    why_of(r, why, sizeof(why));
    return sf_err_set(ec, r->status == 404 ? SF_ENODEV : SF_EIO, "GET %s: %s", path, why);
}

int sf_rfs_wait_back(struct sf_rfs *s, unsigned timeout_s, int need_down, int *saw_down,
                     void (*progress)(const char *what, void *arg), void *arg,
                     struct sf_errctx *ec)
{
    double deadline = now_s() + timeout_s;
    int down = 0, busy = 0;
    const char *last = "";
    /* Short requests while waiting: a BMC that is going down may accept a
     * connection and never answer. */
    long old = sf_http_set_timeout(s->h, 3000);
    int rc = 0;
    for (;;) {
        struct sf_http_resp r;
        struct sf_errctx ig = { 0 };
        sf_http_auth_token(s->h, NULL);
        int grc = sf_http_request(s->h, "GET", s->root_path, NULL, NULL, 0, &r, &ig);
        const char *what;
        if (grc) {
            down = 1;
            what = r.fail == SF_HTTP_TLS ? "TLS failure" : "not answering";
        } else if (r.status == 503) {
            busy = 1;
            what = "answering 503 (starting)";
        } else if (r.status == 200 && (down || busy || !need_down)) {
            sf_http_resp_free(&r);
            if (progress)
                progress("answering 200", arg);
            break;
        } else {
            what = "still up (the reset has not begun)";
        }
        sf_http_resp_free(&r);
        if (progress && strcmp(what, last))
            progress(what, arg);
        last = what;
        if (now_s() >= deadline) {
            rc = sf_err_set(ec, SF_ETIMEDOUT, "%s did not come back within %u s (last: %s)",
                            s->base, timeout_s, what);
            break;
        }
        sleep_s(0.2);
    }
    sf_http_set_timeout(s->h, old);
    if (saw_down)
        *saw_down = down || busy;
    if (rc)
        return rc;
    /* Sessions did not survive: log in again, and read the root afresh. */
    s->session[0] = '\0';
    s->basic = 0;
    rc = read_root(s, ec);
    return rc ? rc : login(s, ec);
}
