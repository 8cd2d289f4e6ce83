/*
 * sf_cli_redfish.c - `show`, `install`, `activate` and `resume` on server
 * boards through their BMC's Redfish service: targets written
 * redfish://USER@HOST[:PORT].  Arguments, the plan as text, confirmation
 * and rendering; the update engine (include/safeflash/safeflash.h) does
 * the rest - checks, journal, lock, staging, resume - as for every class.
 *
 * The password comes from SAFEFLASH_REDFISH_PASSWORD or a prompt on the
 * terminal (sf_cli_engine.c hands it to the library on request); it is
 * never taken from the command line (where `ps` and shell history would
 * keep it) and never written to the history.  HTTPS is the default and
 * verifies the BMC (system CAs, --ca FILE, or --pin); plain HTTP is
 * allowed to loopback addresses only, for tests.
 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeflash/safeflash.h"
#include "safeflash/sf_package.h"
#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_cli_engine.h"

static int sf_cli_is_redfish_target(const char *s)
{
    return s && !strncmp(s, "redfish://", 10);
}

struct ropts {
    const char *cmd;
    const char *target;
    struct sf_update_options uo;
    int json, yes, is_pkg;
    const char *keys, *state_dir, *pull;
    size_t nimg, ncomp;
    const char *img[8];
    const char *comp[8];
};

static int parse(const struct sf_cli_args *a, const char *cmd, struct ropts *ro)
{
    memset(ro, 0, sizeof(*ro));
    ro->cmd = cmd;
    sf_update_options_init(&ro->uo);
    int inst = !strcmp(cmd, "install");
    for (size_t k = 0; k < a->nopt; k++) {
        const char *optarg = a->opt[k].val;
        int c = a->opt[k].id;
        char *end = NULL;
        unsigned long v;
        switch (c) {
        case SF_O_JSON: ro->json = 1; break;
        case SF_O_INSECURE: ro->uo.insecure = 1; break;
        case SF_O_CA: ro->uo.ca_file = optarg; break;
        case SF_O_PIN: ro->uo.pin = optarg; break;
        case SF_O_PLAIN_HTTP: ro->uo.plain_http = 1; break;
        case SF_O_YES: ro->yes = 1; break;
        case SF_O_DRY_RUN: ro->uo.dry_run = 1; break;
        case SF_O_REBOOT_HOST: ro->uo.activate = 1; break;
        case SF_O_RESTART: ro->uo.restart = 1; break;
        case SF_O_KEYS: ro->keys = optarg; break;
        case SF_O_STATE_DIR: ro->state_dir = optarg; break;
        case SF_O_ALLOW_UNSIGNED: ro->uo.allow_unsigned = 1; break;
        case SF_O_ALLOW_DOWNGRADE: ro->uo.allow_downgrade = 1; break;
        case SF_O_PULL:
            if (ro->pull)
                return sf_cli_usage_error(cmd, "one --pull per run");
            if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
                return sf_cli_usage_error(cmd, "--pull takes an http:// or https:// URL");
            if (strlen(optarg) >= 500)
                return sf_cli_usage_error(cmd, "--pull: the URL is too long");
            ro->pull = optarg;
            break;
        case SF_O_COMPONENT:
            if (ro->ncomp == 8)
                return sf_cli_usage_error(cmd, "at most 8 components");
            if (!*optarg || strlen(optarg) > 16)
                return sf_cli_usage_error(cmd, "--component takes a name of 1-16 characters");
            ro->comp[ro->ncomp++] = optarg;
            break;
        case SF_O_TASK_TIMEOUT:
        case SF_O_RESET_TIMEOUT:
            v = strtoul(optarg, &end, 10);
            if (!*optarg || *optarg == '-' || !end || *end || v == 0 || v > 86400)
                return sf_cli_usage_error(cmd, "--%s takes seconds, 1-86400", a->opt[k].name);
            *(c == SF_O_TASK_TIMEOUT ? &ro->uo.task_timeout_s : &ro->uo.reset_timeout_s) =
                (unsigned)v;
            break;
        default:
            return sf_cli_usage_error(cmd, "'--%s' is not handled here", a->opt[k].name);
        }
    }
    char **argv = a->ops;
    int argc = (int)a->nops, optind = 0;
    if (optind >= argc || !sf_cli_is_redfish_target(argv[argc - 1]))
        return sf_cli_usage_error(cmd, "the target, redfish://USER@HOST[:PORT], comes last");
    ro->target = argv[argc - 1];
    for (int i = optind; i < argc - 1; i++) {
        if (!inst)
            return sf_cli_usage_error(cmd, "one target, redfish://USER@HOST[:PORT], and nothing "
                                      "else");
        if (sf_cli_is_redfish_target(argv[i]))
            return sf_cli_usage_error(cmd, "one BMC per run");
        if (ro->nimg == 8)
            return sf_cli_usage_error(cmd, "at most 8 images");
        ro->img[ro->nimg++] = argv[i];
    }
    if (inst && ro->pull && (ro->nimg || ro->ncomp != 1))
        return sf_cli_usage_error(cmd, "--pull URL stands for the image: no IMAGE arguments, "
                                  "and one --component");
    if (inst && !ro->nimg && !ro->pull)
        return sf_cli_usage_error(cmd, "an image to install is needed");
    /* A package names its components; raw images need one --component
     * each.  One package per run: it is one board's release. */
    int pkgs = 0;
    for (size_t i = 0; inst && i < ro->nimg; i++)
        pkgs += sf_package_is_package(ro->img[i]) == 1;
    if (pkgs && (ro->nimg != 1 || ro->ncomp))
        return sf_cli_usage_error(cmd, "a package names its own components: give one package "
                                  "and no --component, or raw images with one --component each");
    ro->is_pkg = pkgs == 1;
    if (inst && !pkgs && !ro->pull && ro->ncomp != ro->nimg)
        return sf_cli_usage_error(cmd, "one --component per image, in the images' order (%zu "
                                  "images, %zu components)", ro->nimg, ro->ncomp);
    if (ro->uo.plain_http && (ro->uo.ca_file || ro->uo.pin || ro->uo.insecure))
        return sf_cli_usage_error(cmd, "--ca, --pin and --insecure are for HTTPS");
    if (ro->uo.insecure && (ro->uo.ca_file || ro->uo.pin))
        return sf_cli_usage_error(cmd, "--insecure turns off the checks --ca and --pin ask for");
    ro->uo.confirmed = ro->yes;
    return 0;
}

/* ---- show ---- */

static const char *jget(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static void show_text(const char *target, json_object *doc)
{
    const char *ver = jget(doc, "redfish_version"), *auth = jget(doc, "authentication");
    printf("%s: Redfish %s, %s login, images by %s\n", target, ver ? ver : "(version not said)",
           auth && !strcmp(auth, "basic") ? "Basic" : "session", jget(doc, "update_methods"));
    printf("  %-16s %-20s %-10s %-14s %-8s %s\n", "COMPONENT", "VERSION", "UPDATEABLE", "STATE",
           "HEALTH", "NAME");
    json_object *fw, *v;
    if (!json_object_object_get_ex(doc, "firmware", &fw))
        return;
    for (size_t i = 0; i < json_object_array_length(fw); i++) {
        json_object *f = json_object_array_get_idx(fw, i);
        const char *comp = jget(f, "component"), *role = jget(f, "role");
        const char *up = json_object_object_get_ex(f, "updateable", &v) && v
                         ? (json_object_get_boolean(v) ? "yes" : "no") : "?";
        const char *state = jget(f, "state"), *health = jget(f, "health");
        const char *version = jget(f, "version");
        /* Running images by what --component takes for them; others by
         * their name. */
        printf("  %-16s %-20s %-10s %-14s %-8s %s%s%s\n", comp ? comp : jget(f, "id"),
               version ? version : "(none)", up, state ? state : "-", health ? health : "-",
               jget(f, "label"), role ? " - " : "", role ? role : "");
        int backup = json_object_object_get_ex(f, "backup", &v) && json_object_get_boolean(v);
        if (backup && health && strcmp(health, "OK")) {
            const char *cond = jget(f, "condition");
            printf("  %-16s BACKUP BAD: %s\n", "", cond ? cond
                   : "the BMC reports its health as not OK");
        }
    }
    json_object *in;
    if (json_object_object_get_ex(doc, "interrupted", &in) && in)
        printf("  interrupted: %s\n", json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN));
}

int sf_cmd_rf_show(const struct sf_cli_args *a)
{
    struct ropts ro;
    int prc = parse(a, "show", &ro);
    if (prc)
        return prc < 0 ? SF_EXIT_OK : prc;
    sf_ctx *ctx = NULL;
    int code = sf_cli_ctx(ro.state_dir, ro.keys, &ctx);
    if (code >= 0)
        return code;
    struct sf_cli_out out = { .json = ro.json, .action = "show", .last_quarter = -1 };
    char *js = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_show(ctx, &ro.target, 1, &ro.uo, &js, &ec);
    json_object *doc = rc ? NULL : json_tokener_parse(js);
    if (rc || !doc) {
        code = sf_cli_engine_refuse(&out, sf_cli_engine_exit(rc ? rc : SF_EMALFORMED),
                                    ec.msg[0] ? ec.msg : sf_err_str(rc ? rc : SF_EMALFORMED));
    } else {
        if (ro.json)
            puts(js);
        else
            show_text(ro.target, doc);
        code = SF_EXIT_OK;
    }
    json_object_put(doc);
    free(js);
    sf_ctx_free(ctx);
    return code;
}

/* ---- install / activate / resume ---- */

static void plan_text(const struct ropts *ro, enum sf_action act, const sf_update *u)
{
    const struct sf_image_info *ii = sf_update_image(u);
    printf("Plan for %s: %s%s\n", ro->target, act == SF_ACTION_ACTIVATE
           ? "reset the host, then verify every component from the inventory"
           : act == SF_ACTION_RESUME ? "finish the interrupted attempts"
           : ro->pull ? "the BMC pulls the image (SimpleUpdate)" : "push every image",
           ro->uo.dry_run ? " (dry run)" : "");
    if (ii->is_package)
        printf("  package %s: version %s for %s %s, this board is %s; %s%s\n", ro->img[0],
               ii->version, ii->vendor, ii->product, ii->board[0] ? ii->board : "(unknown)",
               ii->signer[0] ? "signed by trusted key " : "NOT signed by a trusted key",
               ii->signer);
    for (size_t i = 0; i < sf_update_count(u); i++) {
        const struct sf_item_info *it = sf_update_item(u, i);
        char size[48] = "";
        if (it->image_size)
            snprintf(size, sizeof(size), " (%llu bytes)", (unsigned long long)it->image_size);
        printf("  %zu. %-8s %s -> %s, %s%s%s\n", i + 1, it->name, it->version_before,
               it->version_new[0] ? it->version_new : act == SF_ACTION_ACTIVATE
               ? "what was staged" : "the image's version",
               it->outcome == SF_OUTCOME_SKIPPED ? "skip: " : "",
               it->outcome != SF_OUTCOME_PLANNED ? it->message : act == SF_ACTION_ACTIVATE
               ? "staged by an install; the host reset applies it, if the BMC still holds it"
               : it->plan, size);
        if (it->continues)
            printf("     continues interrupted attempt #%lld\n", (long long)it->continues);
    }
    if (act == SF_ACTION_INSTALL)
        printf("  then: %s\n", ro->uo.activate ? "reset the host (--reboot-host) and verify "
               "every component from the inventory" : "no host reset (pass --reboot-host, or "
               "run 'safeflash activate' later)");
    fflush(stdout); /* before the progress lines on stderr */
}

static int plan(sf_ctx *ctx, const struct ropts *ro, enum sf_action act, sf_update **u,
                struct sf_errctx *ec)
{
    int rc = sf_update_new(ctx, act, &ro->uo, u);
    if (!rc && ro->is_pkg)
        rc = sf_update_set_image(*u, ro->img[0]);
    for (size_t i = 0; !rc && !ro->is_pkg && i < ro->nimg; i++)
        rc = sf_update_add_image(*u, ro->img[i], ro->comp[i], NULL);
    if (!rc && ro->pull)
        rc = sf_update_add_image(*u, NULL, ro->comp[0], ro->pull);
    if (!rc)
        rc = sf_update_add_target(*u, ro->target);
    if (rc)
        return sf_err_set(ec, rc, "%s: %s", ro->target, sf_err_str(rc));
    return sf_update_plan(*u, ec);
}

/* Field report 002: said every time, --yes or not. */
static void pull_warning(const struct ropts *ro)
{
    fprintf(stderr, "safeflash: warning: --pull: the BMC will fetch %s itself. Nothing is "
            "staged on this host and safeflash cannot check the image before the BMC has "
            "it; if the BMC or the server behind that URL resets mid-transfer, the update "
            "fails half-way (field report 002: virtual media dropped by a BMC reset left a "
            "board that did not boot). Push a local image instead unless this BMC cannot "
            "take one.\n", ro->pull);
}

static int run_cmd(const struct ropts *ro, enum sf_action act)
{
    sf_ctx *ctx = NULL;
    int code = sf_cli_ctx(ro->state_dir, ro->keys, &ctx);
    if (code >= 0)
        return code;
    struct sf_cli_out out = { .json = ro->json, .action = ro->cmd, .last_quarter = -1 };
    if (ro->pull)
        pull_warning(ro);
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    int rc = plan(ctx, ro, act, &u, &ec);
    if (rc) {
        code = sf_cli_engine_refuse(&out, sf_cli_engine_exit(rc), ec.msg[0] ? ec.msg
                                                                           : sf_err_str(rc));
        goto out;
    }
    sf_cli_engine_warnings(&out, u);
    size_t todo = sf_cli_engine_todo(u);
    if (sf_update_count(u) == 0) {
        if (ro->json)
            sf_cli_engine_summary(&out, u, 0, &ec);
        else
            printf("%s: %s\n", ro->target, act == SF_ACTION_ACTIVATE
                   ? "nothing staged by safeflash waits for a host reset"
                   : "nothing unfinished: the journal holds no interrupted attempt");
        code = SF_EXIT_OK;
        goto out;
    }
    if (ro->json)
        sf_cli_engine_plan_json(&out, u);
    else
        plan_text(ro, act, u);
    if (todo && !ro->yes && !ro->uo.dry_run) {
        const char *q = act == SF_ACTION_ACTIVATE ? "Reset the host now?" : act == SF_ACTION_RESUME
                        ? "Resume the update of this board?" : "Update this board?";
        if ((code = sf_cli_engine_confirm(&out, q, 0)) >= 0)
            goto out;
    }
    rc = sf_update_run(u, sf_cli_engine_event, &out, &ec);
    code = sf_cli_engine_summary(&out, u, rc, &ec);
    /* A failure's words: the same in the text's one stderr line and in
     * --json's "error". */
    if (rc && !ro->json && !sf_update_result(u)->nothing_written)
        fprintf(stderr, "safeflash: %s\n", ec.msg[0] ? ec.msg : sf_err_str(rc));
out:
    sf_update_free(u);
    sf_ctx_free(ctx);
    return code;
}

int sf_cmd_rf_install(const struct sf_cli_args *a)
{
    struct ropts ro;
    int prc = parse(a, "install", &ro);
    return prc ? (prc < 0 ? SF_EXIT_OK : prc) : run_cmd(&ro, SF_ACTION_INSTALL);
}

int sf_cmd_rf_activate(const struct sf_cli_args *a)
{
    struct ropts ro;
    int prc = parse(a, "activate", &ro);
    return prc ? (prc < 0 ? SF_EXIT_OK : prc) : run_cmd(&ro, SF_ACTION_ACTIVATE);
}

/* `safeflash resume redfish://...`: what the journal shows unfinished on
 * this BMC, continued from the BMC's own word. */
int sf_cmd_rf_resume(const struct sf_cli_args *a)
{
    struct ropts ro;
    int prc = parse(a, "resume", &ro);
    if (prc)
        return prc < 0 ? SF_EXIT_OK : prc;
    ro.yes = 1; /* finishing what was confirmed */
    ro.uo.confirmed = 1;
    return run_cmd(&ro, SF_ACTION_RESUME);
}
