/*
 * sf_api_history.c - the public history API (include/safeflash/
 * sf_history_api.h) over the history database (src/state/sf_history.c).
 *
 * The state module reads attempts into its own structs; they are handed
 * over here without copying the text: each string an internal attempt
 * owns moves to the public one (the internal field is left NULL), and
 * sf_history_attempts_free releases them.  The phase records, fixed-size,
 * are copied.
 */
#include "safeflash/sf_history_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/sf_crypto.h"
#include "state/sf_history.h"

_Static_assert(SF_RUN_STATUS_PHASES == SF_RUN_PHASES_MAX, "phases per module");

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* Everything here but a cancel only reads: the history is opened
 * read-only, and a state directory without one is left as it is (*h NULL:
 * nothing recorded). */
static int open_history(sf_ctx *ctx, struct sf_history **h, struct sf_errctx *ec)
{
    *h = NULL;
    if (!ctx)
        return SF_EINVAL;
    return sf_history_open_ro(sf_ctx_state_dir(ctx), h, ec);
}

/* Take the string *s (leaving NULL there); "" if it is NULL, NULL if out
 * of memory. */
static const char *take(char **s)
{
    const char *v = *s ? *s : strdup("");
    *s = NULL;
    return v;
}

/* Move internal attempt a into public attempt o (zeroed); on ENOMEM o is
 * partly filled, for sf_history_attempts_free. */
static int move_attempt(struct sf_hist_attempt *a, struct sf_attempt_info *o)
{
    o->id = a->id;
    o->run = take(&a->run);
    o->action = take(&a->action);
    o->started = take(&a->started);
    o->finished = take(&a->finished);
    o->path = take(&a->path);
    o->logical_id = take(&a->logical_id);
    o->vendor = take(&a->vendor);
    o->product = take(&a->product);
    o->subenclosure = a->sub;
    o->from_revision = take(&a->from_rev);
    o->to_revision = take(&a->to_rev);
    o->expected_revision = take(&a->expected_rev);
    o->package_sha256 = take(&a->package_sha);
    o->image_sha256 = take(&a->image_sha);
    o->mode = take(&a->mode);
    o->result = take(&a->result);
    o->error = take(&a->error);
    o->resumed_from = a->resumed_from;
    o->phase = take(&a->phase);
    const char *text[] = { o->run, o->action, o->started, o->finished, o->path, o->logical_id,
                           o->vendor, o->product, o->from_revision, o->to_revision,
                           o->expected_revision, o->package_sha256, o->image_sha256, o->mode,
                           o->result, o->error, o->phase };
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if (!text[i])
            return SF_ENOMEM;
    if (!a->n_phases)
        return 0;
    struct sf_attempt_phase *p = calloc(a->n_phases, sizeof(*p));
    if (!p)
        return SF_ENOMEM;
    for (size_t i = 0; i < a->n_phases; i++) {
        COPY(p[i].phase, a->phases[i].phase);
        COPY(p[i].at, a->phases[i].at);
        COPY(p[i].detail, a->phases[i].detail);
    }
    o->phases = p;
    o->n_phases = a->n_phases;
    return 0;
}

/* n internal attempts as a new public array (*out NULL when n is 0). */
static int move_attempts(struct sf_hist_attempt *a, size_t n, struct sf_attempt_info **out)
{
    *out = NULL;
    if (!n)
        return 0;
    struct sf_attempt_info *v = calloc(n, sizeof(*v));
    if (!v)
        return SF_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (move_attempt(&a[i], &v[i])) {
            sf_history_attempts_free(v, n);
            return SF_ENOMEM;
        }
    *out = v;
    return 0;
}

int sf_history_read(sf_ctx *ctx, const char *device, struct sf_attempt_info **out, size_t *n,
                    struct sf_errctx *ec)
{
    if (!out || !n)
        return SF_EINVAL;
    *out = NULL;
    *n = 0;
    struct sf_history *h = NULL;
    int rc = open_history(ctx, &h, ec);
    if (rc || !h)
        return rc;
    struct sf_hist_attempt *a = NULL;
    size_t na = 0;
    rc = sf_history_attempts(h, device, &a, &na, ec);
    sf_history_close(h);
    if (!rc)
        rc = move_attempts(a, na, out);
    sf_hist_attempts_free(a, na);
    if (!rc)
        *n = na;
    return rc;
}

void sf_history_attempts_free(struct sf_attempt_info *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        const char *text[] = { a[i].run, a[i].action, a[i].started, a[i].finished, a[i].path,
                               a[i].logical_id, a[i].vendor, a[i].product, a[i].from_revision,
                               a[i].to_revision, a[i].expected_revision, a[i].package_sha256,
                               a[i].image_sha256, a[i].mode, a[i].result, a[i].error,
                               a[i].phase };
        for (size_t t = 0; t < sizeof(text) / sizeof(text[0]); t++)
            free((char *)text[t]);
        free((struct sf_attempt_phase *)a[i].phases);
    }
    free(a);
}

/* ---- runs ---- */

static void run_out(const struct sf_run *r, struct sf_run_info *o)
{
    memset(o, 0, sizeof(*o));
    COPY(o->id, r->id);
    COPY(o->action, r->action);
    COPY(o->started, r->started);
    COPY(o->finished, r->finished);
    COPY(o->state, r->state);
    COPY(o->reason, r->reason);
}

/* The run id (NULL: the newest) of the open history h (NULL: none yet):
 * 0, SF_ENODEV with words in ec, SF_ESTATE with the database's. */
static int lookup(struct sf_history *h, const char *id, struct sf_run *r, struct sf_errctx *ec)
{
    int rc = h ? sf_history_run_latest(h, id, r) : SF_ENODEV;
    if (rc == SF_ENODEV)
        return sf_err_set(ec, rc, "%s", id ? "no such run" : "no update run recorded yet");
    if (rc)
        sf_history_last_error(h, ec);
    return rc;
}

int sf_history_run_lookup(sf_ctx *ctx, const char *id, struct sf_run_info *out,
                          struct sf_errctx *ec)
{
    if (!out)
        return SF_EINVAL;
    struct sf_history *h = NULL;
    int rc = open_history(ctx, &h, ec);
    if (rc)
        return rc;
    struct sf_run r;
    rc = lookup(h, id, &r, ec);
    sf_history_close(h);
    if (!rc)
        run_out(&r, out);
    return rc;
}

int sf_history_run_paused(sf_ctx *ctx, struct sf_run_info *out, struct sf_errctx *ec)
{
    if (!out)
        return SF_EINVAL;
    struct sf_history *h = NULL;
    int rc = open_history(ctx, &h, ec);
    if (rc)
        return rc;
    struct sf_run r;
    rc = h ? sf_history_run_to_resume(h, &r) : SF_ENODEV;
    if (rc == SF_ENODEV)
        sf_err_set(ec, rc, "no paused run");
    else if (rc)
        sf_history_last_error(h, ec);
    sf_history_close(h);
    if (!rc)
        run_out(&r, out);
    return rc;
}

int sf_history_cancel(sf_ctx *ctx, const char *id, struct sf_errctx *ec)
{
    if (!id)
        return SF_EINVAL;
    struct sf_history *h = NULL;
    int rc = open_history(ctx, &h, ec);
    if (rc)
        return rc;
    struct sf_run r;
    rc = lookup(h, id, &r, ec);
    sf_history_close(h);
    h = NULL;
    if (!rc && strcmp(r.state, "paused-on-error") && strcmp(r.state, "running"))
        rc = sf_err_set(ec, SF_EINVAL, "run %s is %s: nothing to cancel", r.id, r.state);
    /* Only now is there something to write. */
    if (!rc)
        rc = sf_history_open(sf_ctx_state_dir(ctx), &h, ec);
    if (!rc && (rc = sf_history_cancel_run(h, r.id)) != 0)
        sf_history_last_error(h, ec);
    sf_history_close(h);
    return rc;
}

/* ---- a run's progress ---- */

/* The report rep of run r as the public status s (zeroed); the attempts'
 * text moves from rep to s. */
static int status_out(const struct sf_run *r, struct sf_run_report *rep, struct sf_run_status *s)
{
    run_out(r, &s->run);
    s->elapsed = rep->elapsed;
    s->longest_phase = rep->longest_phase;
    if (rep->n_modules && !(s->modules = calloc(rep->n_modules, sizeof(*s->modules))))
        return SF_ENOMEM;
    int rc = move_attempts(rep->attempts, rep->n_modules, &s->attempts);
    if (rc)
        return rc;
    s->n_modules = rep->n_modules;
    for (size_t i = 0; i < rep->n_modules; i++) {
        const struct sf_run_module *m = &rep->modules[i];
        struct sf_run_module_info *o = &s->modules[i];
        o->attempt = &s->attempts[m->attempt - rep->attempts];
        o->n_phases = m->n_phases;
        for (size_t j = 0; j < m->n_phases; j++) {
            COPY(o->phases[j].name, m->phases[j].name);
            COPY(o->phases[j].status, m->phases[j].status);
            o->phases[j].estimated = m->phases[j].estimated;
            o->phases[j].elapsed = m->phases[j].elapsed;
        }
    }
    return 0;
}

int sf_history_run_status(sf_ctx *ctx, const char *id, struct sf_run_status **out,
                          struct sf_errctx *ec)
{
    if (!out)
        return SF_EINVAL;
    *out = NULL;
    struct sf_history *h = NULL;
    int rc = open_history(ctx, &h, ec);
    if (rc)
        return rc;
    struct sf_run r;
    struct sf_run_report *rep = NULL;
    struct sf_run_status *s = calloc(1, sizeof(*s));
    if (!s)
        rc = SF_ENOMEM;
    if (!rc)
        rc = lookup(h, id, &r, ec);
    if (!rc)
        rc = sf_history_run_report(h, &r, &rep, ec);
    sf_history_close(h);
    if (!rc)
        rc = status_out(&r, rep, s);
    sf_run_report_free(rep);
    if (rc) {
        sf_run_status_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sf_run_status_free(struct sf_run_status *s)
{
    if (!s)
        return;
    sf_history_attempts_free(s->attempts, s->n_modules);
    free(s->modules);
    free(s);
}

/* ---- identities ---- */

void sf_history_target_id(const char *s, char id[17])
{
    sf_sha256_hex(s, strlen(s), 8, id);
}
