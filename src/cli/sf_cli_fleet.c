/*
 * sf_cli_fleet.c - `safeflash check`, `safeflash apply` and `safeflash
 * baseline sign`: the arguments, the confirmation, the renderings (a
 * table for people, schema-1 JSON for programs: docs/json.md) and the
 * exit codes.  The rules - which rule an item takes, what an update would
 * do, the order and the failure limit - are the library's
 * (include/safeflash/sf_fleet.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeflash/sf_fleet.h"
#include "sf_cli.h"
#include "sf_cli_engine.h"
#include "sf_cli_opts.h"

struct fleet_req {
    const char *cmd;
    struct sf_fleet_options fo;
    int json, yes;
    const char *state_dir, *keys;
    const char *baseline;
    const char *const *targets;
    size_t ntargets;
};

static int parse_count(const char *a, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(a, &end, 10);
    if (!*a || *a == '-' || *end || errno || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse(const struct sf_cli_args *a, struct fleet_req *r)
{
    memset(r, 0, sizeof(*r));
    r->cmd = a->cmd;
    sf_fleet_options_init(&r->fo);
    struct sf_update_options *uo = &r->fo.update;
    unsigned long v;
    for (size_t k = 0; k < a->nopt; k++) {
        const char *val = a->opt[k].val;
        switch (a->opt[k].id) {
        case SF_O_JSON: r->json = 1; break;
        case SF_O_YES: r->yes = 1; break;
        case SF_O_DRY_RUN: uo->dry_run = 1; break;
        case SF_O_STATE_DIR: r->state_dir = val; break;
        case SF_O_KEYS: r->keys = val; break;
        case SF_O_ALLOW_UNSIGNED: r->fo.allow_unsigned = 1; break;
        case SF_O_ACTIVATE: uo->activate = 1; break;
        case SF_O_JOBS:
            if (parse_count(val, 64, &v))
                return sf_cli_usage_error(r->cmd, "--jobs takes 1 to 64, not '%s'", val);
            uo->jobs = (unsigned)v;
            break;
        case SF_O_MAX_FAILURES:
            if (parse_count(val, 100000, &v))
                return sf_cli_usage_error(r->cmd, "--max-failures takes 1 to 100000, not '%s'",
                                          val);
            r->fo.max_failures = (unsigned)v;
            break;
        case SF_O_TIMEOUT:
            if (parse_count(val, 86400, &v))
                return sf_cli_usage_error(r->cmd, "--timeout takes seconds, 1 to 86400, not "
                                          "'%s'", val);
            uo->timeout_ms = (unsigned)(v * 1000);
            break;
        case SF_O_COMMAND_TIMEOUT:
            if (parse_count(val, 3600, &v))
                return sf_cli_usage_error(r->cmd, "--command-timeout takes seconds, 1 to 3600, "
                                          "not '%s'", val);
            uo->command_timeout_ms = (unsigned)(v * 1000);
            break;
        case SF_O_POLL_INTERVAL:
            if (!strcmp(val, "0"))
                uo->poll_ms = 1;
            else if (parse_count(val, 600000, &v))
                return sf_cli_usage_error(r->cmd, "--poll-interval takes milliseconds, not "
                                          "'%s'", val);
            else
                uo->poll_ms = (unsigned)v;
            break;
        case SF_O_TASK_TIMEOUT:
        case SF_O_RESET_TIMEOUT:
            if (parse_count(val, 86400, &v))
                return sf_cli_usage_error(r->cmd, "%s takes seconds, 1 to 86400, not '%s'",
                                          a->opt[k].name, val);
            if (a->opt[k].id == SF_O_TASK_TIMEOUT)
                uo->task_timeout_s = (unsigned)v;
            else
                uo->reset_timeout_s = (unsigned)v;
            break;
        case SF_O_INSECURE: uo->insecure = 1; break;
        case SF_O_CA: uo->ca_file = val; break;
        case SF_O_PIN: uo->pin = val; break;
        case SF_O_PLAIN_HTTP: uo->plain_http = 1; break;
        default:
            return sf_cli_usage_error(r->cmd, "'--%s' is not handled here", a->opt[k].name);
        }
    }
    if (uo->plain_http && (uo->ca_file || uo->pin || uo->insecure))
        return sf_cli_usage_error(r->cmd, "--ca, --pin and --insecure are for HTTPS");
    if (uo->insecure && (uo->ca_file || uo->pin))
        return sf_cli_usage_error(r->cmd, "--insecure turns off the checks --ca and --pin ask "
                                  "for");
    if (!a->nops)
        return sf_cli_usage_error(r->cmd, "missing BASELINE");
    /* apply: its check plans enclosures and drives for real, and with
     * --yes journals them before they are shown (as install --yes does). */
    r->fo.apply = !strcmp(r->cmd, "apply");
    uo->confirmed = r->yes;
    r->baseline = a->ops[0];
    r->targets = (const char *const *)a->ops + 1;
    r->ntargets = a->nops - 1;
    return 0;
}

/* Exit codes of a baseline or package refused before anything ran. */
static int open_exit(int rc)
{
    switch (rc) {
    case SF_EMALFORMED:
    case SF_ECONFIG: return SF_EXIT_CONFIG;
    case SF_EFILE: return SF_EXIT_FILE;
    default: return sf_cli_engine_exit(rc);
    }
}


static json_object *row_json(const struct sf_fleet_row *r, int applied)
{
    json_object *x = json_object_new_object();
    sf_cli_engine_jstr(x, "target", r->target);
    sf_cli_engine_jstr(x, "class", r->cls);
    sf_cli_engine_jstr(x, "item", r->item);
    sf_cli_engine_jstr(x, "component", r->component);
    sf_cli_engine_jstr(x, "vendor", r->vendor);
    sf_cli_engine_jstr(x, "product", r->product);
    sf_cli_engine_jstr(x, "logical_id", r->logical_id);
    sf_cli_engine_jstr(x, "current", r->current);
    sf_cli_engine_jstr(x, "desired", r->desired);
    sf_cli_engine_jstr(x, "action", sf_fleet_action_str(r->action));
    sf_cli_engine_jstr(x, "reason", r->reason);
    json_object_object_add(x, "rule", r->rule ? json_object_new_int(r->rule) : NULL);
    sf_cli_engine_jstr(x, "package", r->package);
    if (applied) {
        sf_cli_engine_jstr(x, "outcome", r->applied ? sf_outcome_str(r->outcome) : NULL);
        sf_cli_engine_jstr(x, "version_after", r->applied ? r->version_after : NULL);
        sf_cli_engine_jstr(x, "message", r->applied ? r->message : NULL);
    }
    return x;
}

/* Something is not at the baseline. */
static int drift(const struct sf_fleet_info *in)
{
    return in->update || in->refused || in->unknown || in->pending;
}

/* What apply writes: the items to update, and those pending when it
 * activates. */
static size_t work(const struct sf_fleet_info *in, const struct fleet_req *r)
{
    return in->update + (r->fo.update.activate ? in->pending : 0);
}

/* Pending items apply leaves so (not asked to activate). */
static int pending_left(const struct sf_fleet_info *in, const struct fleet_req *r)
{
    return in->pending && !r->fo.update.activate;
}

static json_object *report_json(const sf_fleet *f, const struct fleet_req *r, const char *event,
                                int applied, int code)
{
    const struct sf_fleet_info *in = sf_fleet_info(f);
    json_object *j = json_object_new_object();
    json_object_object_add(j, "schema", json_object_new_int(SF_JSON_SCHEMA));
    if (event)
        json_object_object_add(j, "event", json_object_new_string(event));
    json_object *b = json_object_new_object();
    sf_cli_engine_jstr(b, "path", r->baseline);
    sf_cli_engine_jstr(b, "name", in->name);
    json_object_object_add(b, "signed", json_object_new_boolean(in->signed_));
    sf_cli_engine_jstr(b, "signer", in->signer);
    json_object_object_add(j, "baseline", b);
    if (applied)
        json_object_object_add(j, "dry_run", json_object_new_boolean(r->fo.update.dry_run));
    json_object *c = json_object_new_object();
    json_object_object_add(c, "items", json_object_new_int((int)in->items));
    json_object_object_add(c, "none", json_object_new_int((int)in->none));
    if (applied) {
        json_object_object_add(c, "updated", json_object_new_int((int)in->updated));
        json_object_object_add(c, "stored", json_object_new_int((int)in->stored));
        json_object_object_add(c, "failed", json_object_new_int((int)in->failed));
        json_object_object_add(c, "not_attempted", json_object_new_int((int)in->not_attempted));
    } else {
        json_object_object_add(c, "update", json_object_new_int((int)in->update));
    }
    json_object_object_add(c, "pending", json_object_new_int((int)in->pending));
    json_object_object_add(c, "refused", json_object_new_int((int)in->refused));
    json_object_object_add(c, "unknown", json_object_new_int((int)in->unknown));
    json_object_object_add(c, "no_rule", json_object_new_int((int)in->no_rule));
    int compliant = applied ? !in->failed && !in->not_attempted && !in->refused &&
                              !in->unknown && !in->stored && !pending_left(in, r) &&
                              (work(in, r) == 0 || !r->fo.update.dry_run)
                            : !drift(in);
    if (applied)
        json_object_object_add(j, "changed", json_object_new_boolean(in->changed));
    json_object_object_add(j, "compliant", json_object_new_boolean(compliant));
    json_object_object_add(j, "counts", c);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < sf_fleet_count(f); i++)
        json_object_array_add(a, row_json(sf_fleet_row(f, i), applied));
    json_object_object_add(j, "items", a);
    if (applied && in->first_err)
        sf_cli_engine_jstr(j, "error", in->first_msg[0] ? in->first_msg
                                                        : sf_err_str(in->first_err));
    json_object_object_add(j, "exit_code", json_object_new_int(code));
    return j;
}

static int refuse(const struct fleet_req *r, int code, const char *msg)
{
    struct sf_cli_out o = { .json = r->json, .action = r->cmd };
    return sf_cli_engine_refuse(&o, code, msg);
}

/* The table: one row per item, the reasons below it. */
static void table(const sf_fleet *f, const struct fleet_req *r, int applied)
{
    const struct sf_fleet_info *in = sf_fleet_info(f);
    printf("baseline %s (%s), %s%s\n", in->name, r->baseline,
           in->signed_ ? "signed by " : "unsigned", in->signer);
    /* Columns as wide as their longest entry (a BMC's target, its vendor's
     * "Intel Corporation"), at least the header's width. */
    int wt = 24, wv = 8;
    for (size_t i = 0; i < sf_fleet_count(f); i++) {
        const struct sf_fleet_row *w = sf_fleet_row(f, i);
        wt = (int)strlen(w->target) > wt ? (int)strlen(w->target) : wt;
        wv = (int)strlen(w->vendor) > wv ? (int)strlen(w->vendor) : wv;
    }
    printf("%-*s %-16s %-*s %-18s %-12s %-12s %s\n", wt, "TARGET", "ITEM", wv, "VENDOR",
           "PRODUCT", "CURRENT", "DESIRED", applied ? "RESULT" : "ACTION");
    for (size_t i = 0; i < sf_fleet_count(f); i++) {
        const struct sf_fleet_row *w = sf_fleet_row(f, i);
        const char *act = applied && w->applied ? sf_outcome_str(w->outcome)
                                                : sf_fleet_action_str(w->action);
        printf("%-*s %-16s %-*s %-18s %-12s %-12s %s\n", wt, w->target, w->item, wv,
               w->vendor[0] ? w->vendor : "-", w->product[0] ? w->product : "-",
               w->current[0] ? w->current : "-", w->desired[0] ? w->desired : "-", act);
    }
    for (size_t i = 0; i < sf_fleet_count(f); i++) {
        const struct sf_fleet_row *w = sf_fleet_row(f, i);
        if (applied && w->applied && w->outcome != SF_OUTCOME_UPDATED &&
            w->outcome != SF_OUTCOME_SKIPPED && w->outcome != SF_OUTCOME_DRY_RUN)
            printf("  %s %s: %s: %s\n", w->target, w->item, sf_outcome_str(w->outcome),
                   w->message);
        else if (!(applied && w->applied) && (w->action == SF_FLEET_REFUSED ||
                 w->action == SF_FLEET_UNKNOWN || w->action == SF_FLEET_PENDING))
            printf("  %s %s: %s: %s\n", w->target, w->item, sf_fleet_action_str(w->action),
                   w->reason);
    }
}

/* The plans' warnings: "safeflash: warning: ..." or JSON warning events. */
static void warnings(const sf_fleet *f, const struct fleet_req *r)
{
    struct sf_cli_out o = { .json = r->json, .action = r->cmd };
    for (const char *const *w = sf_fleet_warnings(f); *w; w++)
        sf_cli_engine_warn(&o, *w);
}

/* What check and apply begin with: the arguments, the context, the
 * baseline with its packages, the targets, the check and its warnings.
 * -1 when all went well, else the exit code (said). */
static int setup(const struct sf_cli_args *a, struct fleet_req *r, sf_ctx **ctx, sf_fleet **f)
{
    *ctx = NULL;
    *f = NULL;
    int code = parse(a, r);
    if (code)
        return code;
    if ((code = sf_cli_ctx(r->state_dir, r->keys, ctx)) >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    int rc = sf_fleet_open(*ctx, r->baseline, &r->fo, f, &ec);
    if (rc)
        return refuse(r, open_exit(rc), ec.msg[0] ? ec.msg : sf_err_str(rc));
    for (size_t i = 0; i < r->ntargets; i++) {
        rc = sf_fleet_add_target(*f, r->targets[i]);
        if (rc == SF_ENOMEM)
            return refuse(r, SF_EXIT_FAILED, "out of memory");
        if (rc)
            return sf_cli_usage_error(r->cmd, "'%s' is not a target (a SCSI path, "
                                      "mtd:/dev/mtdN, file:PATH or redfish://USER@HOST), or "
                                      "is named twice", r->targets[i]);
    }
    if ((rc = sf_fleet_check(*f, &ec)))
        return refuse(r, open_exit(rc), ec.msg);
    warnings(*f, r);
    return -1;
}

static int done(sf_ctx *ctx, sf_fleet *f, int code)
{
    sf_fleet_free(f);
    sf_ctx_free(ctx);
    return code;
}

int sf_cmd_check(const struct sf_cli_args *a)
{
    struct fleet_req r;
    sf_ctx *ctx;
    sf_fleet *f;
    int code = setup(a, &r, &ctx, &f);
    if (code >= 0)
        return done(ctx, f, code);
    const struct sf_fleet_info *in = sf_fleet_info(f);
    code = drift(in) ? SF_EXIT_DRIFT : SF_EXIT_OK;
    if (r.json) {
        sf_cli_engine_emit(report_json(f, &r, NULL, 0, code));
    } else {
        table(f, &r, 0);
        printf("%zu item%s: %zu at the baseline, %zu to update, %zu pending, %zu refused, %zu "
               "unknown, %zu without a rule: %s\n", in->items, in->items == 1 ? "" : "s",
               in->none, in->update, in->pending, in->refused, in->unknown, in->no_rule,
               code ? "drift" : "compliant");
    }
    return done(ctx, f, code);
}

static int apply_exit(const struct sf_fleet_info *in, const struct fleet_req *r)
{
    int dry_run = r->fo.update.dry_run;
    if (in->first_err) {
        if (in->degraded)
            return SF_EXIT_DEGRADED;
        if (in->first_err == SF_EJOURNAL)
            return SF_EXIT_JOURNAL;
        if ((in->updated || in->stored) && (in->failed || in->not_attempted))
            return SF_EXIT_PARTIAL;
        /* Refused before writing: the refusal's own code (as install's
         * plan); failed while writing: 1, as an install's run. */
        switch (in->first_err) {
        case SF_ELOCKED: case SF_ECHANGED: case SF_EBUSY: case SF_EUNFINISHED:
        case SF_EMISMATCH: case SF_EVERSION: case SF_ESIG: case SF_EINTEGRITY:
        case SF_EFILE:
            return sf_cli_engine_exit(in->first_err);
        case SF_ENOTSUP:
            return SF_EXIT_NOTSUP;
        default:
            return SF_EXIT_FAILED;
        }
    }
    if ((in->stored || pending_left(in, r)) && !dry_run)
        return SF_EXIT_PENDING;
    return in->refused || in->unknown ? SF_EXIT_DRIFT : SF_EXIT_OK;
}

int sf_cmd_apply(const struct sf_cli_args *a)
{
    struct fleet_req r;
    sf_ctx *ctx;
    sf_fleet *f;
    int code = setup(a, &r, &ctx, &f);
    if (code >= 0)
        return done(ctx, f, code);
    const struct sf_fleet_info *in = sf_fleet_info(f);
    int dry = r.fo.update.dry_run;
    if (r.json)
        sf_cli_engine_emit(report_json(f, &r, "drift", 0, drift(in) ? SF_EXIT_DRIFT : SF_EXIT_OK));
    else if (work(in, &r) || dry)
        table(f, &r, 0);
    if (!work(in, &r)) {
        /* A refusal of apply's own (another safeflash, another host's
         * download, the state directory) says so and exits as install. */
        code = in->first_err ? apply_exit(in, &r)
             : in->refused || in->unknown ? SF_EXIT_DRIFT
             : pending_left(in, &r) ? SF_EXIT_PENDING : SF_EXIT_OK;
        if (in->first_err)
            fprintf(stderr, "safeflash: %s\n", in->first_msg);
        if (r.json)
            sf_cli_engine_emit(report_json(f, &r, "apply", 1, code));
        else
            printf("nothing to do: %zu item%s at the baseline%s%s\n", in->none,
                   in->none == 1 ? "" : "s", in->refused || in->unknown ? "; refused or "
                   "unknown items are left alone (see 'safeflash check')" : "",
                   pending_left(in, &r) ? "; pending items run after an activation (apply "
                   "--activate), a reset or a power cycle" : "");
        return done(ctx, f, code);
    }
    if (!dry && !r.yes) {
        char q[160];
        snprintf(q, sizeof(q), "Update %zu item%s to baseline %s?", work(in, &r),
                 work(in, &r) == 1 ? "" : "s", in->name);
        struct sf_cli_out o = { .json = r.json, .action = "apply" };
        if ((code = sf_cli_engine_confirm(&o, q, 1)) >= 0)
            return done(ctx, f, code);
    }
    struct sf_cli_out o = { .json = r.json, .action = "apply", .last_quarter = -1 };
    struct sf_errctx ec = { 0 };
    int rc = sf_fleet_apply(f, sf_cli_engine_event, &o, &ec);
    code = apply_exit(in, &r);
    if (rc == SF_ENOMEM)
        return done(ctx, f, refuse(&r, SF_EXIT_FAILED, "out of memory"));
    if (r.json) {
        sf_cli_engine_emit(report_json(f, &r, "apply", 1, code));
    } else {
        table(f, &r, 1);
        printf("%s%zu updated, %zu stored, %zu failed, %zu not attempted, %zu at the baseline "
               "already, %zu refused, %zu unknown%s\n", dry ? "dry run: " : "", in->updated,
               in->stored, in->failed, in->not_attempted, in->none, in->refused, in->unknown,
               code == SF_EXIT_OK ? ": compliant" : "");
        if (in->first_err && in->first_msg[0])
            fprintf(stderr, "safeflash: %s\n", in->first_msg);
    }
    return done(ctx, f, code);
}

int sf_cmd_baseline_sign(const struct sf_cli_args *a)
{
    const char *key = sf_cli_arg(a, SF_O_KEY);
    for (size_t k = 0; k < a->nopt; k++)
        if (a->opt[k].id != SF_O_KEY)
            return sf_cli_usage_error(a->cmd, "'--%s' is not handled here", a->opt[k].name);
    if (a->nops != 1)
        return sf_cli_usage_error(a->cmd, a->nops ? "one BASELINE at a time" : "missing "
                                  "BASELINE");
    if (!key)
        return sf_cli_usage_error(a->cmd, "--key KEY is required (the private key from "
                                  "'safeflash key generate')");
    struct sf_errctx ec = { 0 };
    char keyid[17] = "";
    int rc = sf_fleet_sign_baseline(a->ops[0], key, keyid, &ec);
    if (rc) {
        fprintf(stderr, "safeflash: %s\n", ec.msg[0] ? ec.msg : sf_err_str(rc));
        return open_exit(rc);
    }
    printf("%s.sig: signed by key %s\n", a->ops[0], keyid);
    return SF_EXIT_OK;
}
