/*
 * sf_cli_history.c - `safeflash history` and `safeflash status`: every
 * recorded attempt, and the progress of an update run, as text or JSON.
 * Both render what sf_history_read() and sf_history_run_status()
 * (include/safeflash/sf_history_api.h) return; the library prints
 * nothing.  Scripts parse this output (tests/scenarios): the text columns
 * and widths, the JSON keys and their order do not change.
 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "safeflash/sf_history_api.h"
#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_fmt.h"

/* ---- history ---- */

static json_object *attempt_json(const struct sf_attempt_info *a)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(a->id));
    /* The text columns in table order, each only when it holds something. */
    const struct {
        const char *key, *val;
    } cols[] = {
        { "run", a->run },
        { "action", a->action },
        { "started", a->started },
        { "finished", a->finished },
        { "path", a->path },
        { "logical_identifier", a->logical_id },
        { "vendor", a->vendor },
        { "product", a->product },
        { "from_revision", a->from_revision },
        { "to_revision", a->to_revision },
        { "expected_revision", a->expected_revision },
        { "package_sha256", a->package_sha256 },
        { "image_sha256", a->image_sha256 },
        { "mode", a->mode },
        { "error", a->error },
        { "phase", a->phase },
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (cols[i].val[0])
            json_object_object_add(o, cols[i].key, json_object_new_string(cols[i].val));
    json_object_object_add(o, "subenclosure", json_object_new_int(a->subenclosure));
    json_object_object_add(o, "result",
                           json_object_new_string(a->result[0] ? a->result : "unfinished"));
    if (a->resumed_from)
        json_object_object_add(o, "resumed_from", json_object_new_int64(a->resumed_from));
    json_object *pa = json_object_new_array();
    for (size_t i = 0; i < a->n_phases; i++) {
        const struct sf_attempt_phase *ph = &a->phases[i];
        json_object *p = json_object_new_object();
        json_object_object_add(p, "phase", json_object_new_string(ph->phase));
        json_object_object_add(p, "at", json_object_new_string(ph->at));
        if (ph->detail[0])
            json_object_object_add(p, "detail", json_object_new_string(ph->detail));
        json_object_array_add(pa, p);
    }
    json_object_object_add(o, "phases", pa);
    return o;
}

static void attempt_text(const struct sf_attempt_info *a)
{
    /* Board flash (vendor FLASH) and BMC components (REDFISH) have no
     * subenclosures: the target and the product say it. */
    int flash = !strcmp(a->vendor, "FLASH") || !strcmp(a->vendor, "REDFISH");
    char sub[32] = "";
    if (!flash)
        snprintf(sub, sizeof(sub), " subenclosure %d", a->subenclosure);
    printf("#%lld %s  %s %s%s  %s -> %s  %s%s%s\n", (long long)a->id, a->started, a->action,
           a->path, sub, a->from_revision[0] ? a->from_revision : "?",
           a->to_revision[0] ? a->to_revision
                             : (a->expected_revision[0] ? a->expected_revision : "?"),
           a->result[0] ? a->result : "unfinished", a->error[0] ? ": " : "", a->error);
    printf("     %s %s, logical id %s, mode %s", a->vendor, a->product, a->logical_id,
           a->mode[0] ? a->mode : "-");
    if (a->image_sha256[0])
        printf(", image %.16s, %s%s", a->image_sha256,
               a->package_sha256[0] ? "package " : "raw image", a->package_sha256);
    printf("\n");
    if (a->resumed_from)
        printf("     continues #%lld\n", (long long)a->resumed_from);
    if (!a->result[0])
        printf("     unfinished: last phase begun was \"%s\"\n", a->phase);
}

int sf_cmd_history(const struct sf_cli_args *args)
{
    int json = sf_cli_has(args, SF_O_JSON);
    const char *sd = sf_cli_arg(args, SF_O_STATE_DIR);
    if (args->nops > 1)
        return sf_cli_usage_error("history", "at most one DEVICE");
    const char *device = args->nops ? args->ops[0] : NULL;
    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(sd, NULL, &ctx);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    struct sf_attempt_info *a = NULL;
    size_t n = 0;
    rc = sf_history_read(ctx, device, &a, &n, &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    if (json) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, attempt_json(&a[i]));
        sf_fmt_json_print(stdout, arr);
        json_object_put(arr);
    } else if (!n) {
        printf("No update attempts recorded%s%s.\n", device ? " for " : "", device ? device : "");
    } else {
        for (size_t i = 0; i < n; i++)
            attempt_text(&a[i]);
    }
    sf_history_attempts_free(a, n);
    return SF_EXIT_OK;
}

/* ---- status ---- */

/* "hh:mm:ss", or "-" for an unknown (negative) duration. */
static void hms(double secs, char *out, size_t cap)
{
    if (secs < 0) {
        snprintf(out, cap, "-");
        return;
    }
    long s = (long)(secs + 0.5);
    snprintf(out, cap, "%02ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

/* What a module is called: its target, and for enclosures the processor. */
static void module_label(const struct sf_attempt_info *a, char *out, size_t cap)
{
    if (!strcmp(a->vendor, "FLASH")) /* board flash: no subenclosures */
        snprintf(out, cap, "%s", a->path);
    else if (!strcmp(a->vendor, "REDFISH")) /* a BMC's component */
        snprintf(out, cap, "%s %s", a->path, a->product);
    else
        snprintf(out, cap, "%s subenclosure %d", a->path, a->subenclosure);
}

static void status_text(const struct sf_run_status *rep)
{
    /* The phase column is as wide as this run's longest phase name (board
     * flash names its steps in words: "saving the primary to the backup"),
     * 18 to 60 characters. */
    const struct sf_run_info *r = &rep->run;
    int pw = rep->longest_phase > 18 ? (rep->longest_phase > 60 ? 60 : rep->longest_phase) : 18;
    char el[16], e1[16], e2[16], mod[300];
    hms(rep->elapsed, el, sizeof(el));
    printf("Run %s: %s, %s (started %s, elapsed %s)\n", r->id, r->action, r->state, r->started, el);
    if (r->reason[0])
        printf("  Reason: %s\n", r->reason);
    printf("\n%-34s %-*s %-16s %-10s %-10s\n", "Module", pw, "Phase", "Status", "Estimated",
           "Elapsed");
    for (size_t i = 0; i < rep->n_modules; i++) {
        const struct sf_run_module_info *m = &rep->modules[i];
        module_label(m->attempt, mod, sizeof(mod));
        for (size_t j = 0; j < m->n_phases; j++) {
            hms(m->phases[j].estimated, e1, sizeof(e1));
            hms(m->phases[j].elapsed, e2, sizeof(e2));
            printf("%-34s %-*s %-16s %-10s %-10s\n", j == 0 ? mod : "", pw, m->phases[j].name,
                   m->phases[j].status, e1, e2);
        }
        if (m->attempt->error[0])
            printf("%-34s %s\n", "", m->attempt->error);
    }
}

static json_object *status_json(const struct sf_run_status *rep)
{
    const struct sf_run_info *r = &rep->run;
    json_object *ja = json_object_new_array();
    char mod[300];
    for (size_t i = 0; i < rep->n_modules; i++) {
        const struct sf_run_module_info *m = &rep->modules[i];
        const struct sf_attempt_info *a = m->attempt;
        json_object *jm = json_object_new_object(), *jp = json_object_new_array();
        module_label(a, mod, sizeof(mod));
        json_object_object_add(jm, "module", json_object_new_string(mod));
        json_object_object_add(jm, "result",
                               json_object_new_string(a->result[0] ? a->result : "unfinished"));
        if (a->error[0])
            json_object_object_add(jm, "error", json_object_new_string(a->error));
        for (size_t j = 0; j < m->n_phases; j++) {
            const struct sf_run_phase_info *p = &m->phases[j];
            json_object *x = json_object_new_object();
            json_object_object_add(x, "phase", json_object_new_string(p->name));
            json_object_object_add(x, "status", json_object_new_string(p->status));
            json_object_object_add(x, "estimated_seconds", json_object_new_double(p->estimated));
            json_object_object_add(x, "elapsed_seconds", json_object_new_double(p->elapsed));
            json_object_array_add(jp, x);
        }
        json_object_object_add(jm, "phases", jp);
        json_object_array_add(ja, jm);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "run", json_object_new_string(r->id));
    json_object_object_add(o, "action", json_object_new_string(r->action));
    json_object_object_add(o, "state", json_object_new_string(r->state));
    json_object_object_add(o, "started", json_object_new_string(r->started));
    if (r->finished[0])
        json_object_object_add(o, "finished", json_object_new_string(r->finished));
    if (r->reason[0])
        json_object_object_add(o, "reason", json_object_new_string(r->reason));
    json_object_object_add(o, "modules", ja);
    return o;
}

int sf_cmd_status(const struct sf_cli_args *a)
{
    int json = sf_cli_has(a, SF_O_JSON);
    const char *run = sf_cli_arg(a, SF_O_RUN), *sd = sf_cli_arg(a, SF_O_STATE_DIR);
    if (a->nops)
        return sf_cli_usage_error("status", "unexpected argument '%s'", a->ops[0]);
    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(sd, NULL, &ctx);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    struct sf_run_status *rep = NULL;
    rc = sf_history_run_status(ctx, run, &rep, &ec);
    sf_ctx_free(ctx);
    if (rc == SF_ENODEV) { /* no such run, or none yet: ec says which */
        fprintf(stderr, "safeflash: %s\n", ec.msg);
        /* A script reading --json gets JSON either way: no run is {}. */
        if (json && !run)
            puts("{}");
        return run ? SF_EXIT_NODEV : SF_EXIT_OK;
    }
    if (rc)
        return sf_cli_fail(rc, &ec);
    if (json) {
        json_object *jo = status_json(rep);
        sf_fmt_json_print(stdout, jo);
        json_object_put(jo);
    } else {
        status_text(rep);
    }
    sf_run_status_free(rep);
    return SF_EXIT_OK;
}
