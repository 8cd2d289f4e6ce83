/*
 * sf_cli_flash.c - `show`, `install`, `repair` and `resume` for board
 * firmware in NOR flash: targets mtd:/dev/mtdN or file:PATH (the NOR model;
 * SAFEFLASH_NOR sets its geometry, lock bits and faults), with --layout.
 *
 * Arguments, confirmation and rendering only: the update engine
 * (include/safeflash/safeflash.h) plans, checks, journals, locks, stages,
 * resumes and reports.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeflash/safeflash.h"
#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_cli_engine.h"

static int sf_cli_is_flash_target(const char *s)
{
    return s && (!strncmp(s, "mtd:", 4) || !strncmp(s, "file:", 5));
}

struct fopts {
    const char *cmd;
    struct sf_update_options uo;
    const char *keys, *state_dir, *image;
    int json, yes;
    char **targets;
    size_t ntargets;
};

/* Returns 0 to go on, or the usage error's exit code. */
static int parse(const struct sf_cli_args *a, const char *cmd, int want_image, struct fopts *fo)
{
    memset(fo, 0, sizeof(*fo));
    sf_update_options_init(&fo->uo);
    fo->cmd = cmd;
    for (size_t k = 0; k < a->nopt; k++) {
        const char *optarg = a->opt[k].val;
        switch (a->opt[k].id) {
        case SF_O_LAYOUT: fo->uo.layout = optarg; break;
        case SF_O_IMAGE_VERSION: fo->uo.image_version = optarg; break;
        case SF_O_JSON: fo->json = 1; break;
        case SF_O_YES: fo->yes = 1; break;
        case SF_O_DRY_RUN: fo->uo.dry_run = 1; break;
        case SF_O_KEYS: fo->keys = optarg; break;
        case SF_O_ALLOW_UNSIGNED: fo->uo.allow_unsigned = 1; break;
        case SF_O_ALLOW_DOWNGRADE: fo->uo.allow_downgrade = 1; break;
        case SF_O_RESTART: fo->uo.restart = 1; break;
        case SF_O_STATE_DIR: fo->state_dir = optarg; break;
        default:
            return sf_cli_usage_error(cmd, "'--%s' is not handled here", a->opt[k].name);
        }
    }
    size_t optind = 0;
    size_t argc = a->nops;
    if (want_image) {
        if (optind >= argc)
            return sf_cli_usage_error(cmd, "an image and a flash target are needed");
        fo->image = a->ops[optind++];
    }
    if (optind >= argc)
        return sf_cli_usage_error(cmd, "a flash target (mtd:/dev/mtdN or file:PATH) is needed");
    fo->targets = &a->ops[optind];
    fo->ntargets = argc - optind;
    if (fo->ntargets > 8)
        return sf_cli_usage_error(cmd, "at most 8 flash targets");
    for (size_t i = 0; i < fo->ntargets; i++)
        if (!sf_cli_is_flash_target(fo->targets[i]))
            return sf_cli_usage_error(cmd, "'%s' is not a flash target (mtd:/dev/mtdN or "
                                      "file:PATH); enclosures and drives are separate runs",
                                      fo->targets[i]);
    if (!fo->uo.layout)
        return sf_cli_usage_error(cmd, "--layout FILE is needed for flash targets");
    if (fo->uo.image_version && strlen(fo->uo.image_version) > 16)
        return sf_cli_usage_error(cmd, "--image-version is at most 16 characters");
    return 0;
}

/* ---- show ---- */

static const char *jstr(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : "";
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_int64(v) : 0;
}

static void show_text(const struct fopts *fo, json_object *d)
{
    const char *t = fo->targets[0], *kind = jstr(d, "layout");
    printf("%s: %lld bytes, %lld-byte erase blocks, layout %s (%s)\n", t,
           (long long)jint(d, "size"), (long long)jint(d, "erase_size"), kind, fo->uo.layout);
    if (jstr(d, "board_vendor")[0])
        printf("  board: %s %s\n", jstr(d, "board_vendor"), jstr(d, "board_product"));
    json_object *rs = NULL, *x = NULL;
    json_object_object_get_ex(d, "regions", &rs);
    const char *boots = jstr(d, "boots");
    for (size_t i = 0; rs && i < json_object_array_length(rs); i++) {
        json_object *r = json_object_array_get_idx(rs, i);
        char w[220];
        if (json_object_get_boolean(json_object_object_get(r, "valid")))
            snprintf(w, sizeof(w), "valid: version %s, sequence %lld, %lld bytes",
                     jstr(r, "version"), (long long)jint(r, "sequence"),
                     (long long)jint(r, "image_size"));
        else
            snprintf(w, sizeof(w), "INVALID: %s", jstr(r, "why"));
        printf("  %-8s 0x%08llx +0x%08llx  %s%s\n", jstr(r, "name"),
               (unsigned long long)jint(r, "offset"), (unsigned long long)jint(r, "size"), w,
               !strcmp(boots, jstr(r, "name")) ? "  <- boots" : "");
    }
    if (!boots[0])
        printf("  NOTHING BOOTS: no region holds a valid image\n");
    json_object *last = NULL;
    json_object_object_get_ex(d, "last_attempt", &last);
    int degraded = last && !strcmp(jstr(last, "result"), "degraded");
    json_object *b1 = rs && json_object_array_length(rs) > 1 ? json_object_array_get_idx(rs, 1)
                                                              : NULL;
    if (!strcmp(kind, "primary-backup") && b1) {
        if (degraded)
            printf("  backup: BAD - update attempt #%lld could not save the primary to it; "
                   "'safeflash repair %s --layout %s' retries\n", (long long)jint(last, "attempt"),
                   t, fo->uo.layout);
        else if (!json_object_get_boolean(json_object_object_get(b1, "valid")))
            printf("  backup: BAD - %s\n", jstr(b1, "why"));
        else if (!strcmp(boots, "backup"))
            printf("  backup: boots, because the primary is not valid\n");
        else if (json_object_get_boolean(json_object_object_get(d, "backup_current")))
            printf("  backup: a current copy of the primary\n");
        else
            printf("  backup: valid, holds %s (the image the primary was saved from last; it "
                   "boots if the primary fails)\n", jstr(b1, "version"));
    }
    if (jstr(d, "journal_error")[0])
        printf("  journal: %s\n", jstr(d, "journal_error"));
    if (json_object_object_get_ex(d, "interrupted", &x))
        printf("  INTERRUPTED: attempt #%lld (%s %s) stopped during \"%s\"; 'safeflash resume "
               "%s --layout %s' finishes it\n", (long long)jint(x, "attempt"), jstr(x, "action"),
               jstr(x, "version")[0] ? jstr(x, "version") : "?", jstr(x, "phase"), t,
               fo->uo.layout);
}

int sf_cmd_flash_show(const struct sf_cli_args *a)
{
    struct fopts fo;
    int code = parse(a, "show", 0, &fo);
    if (code)
        return code < 0 ? SF_EXIT_OK : code;
    sf_ctx *ctx = NULL;
    code = sf_cli_ctx(fo.state_dir, fo.keys, &ctx);
    if (code >= 0)
        return code;
    char *doc = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_show(ctx, (const char *const *)fo.targets, fo.ntargets, &fo.uo, &doc, &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    if (fo.json) {
        puts(doc);
    } else {
        json_object *d = json_tokener_parse(doc);
        show_text(&fo, d);
        json_object_put(d);
    }
    free(doc);
    return SF_EXIT_OK;
}

/* ---- install, repair, resume ---- */

static void plan_text(const struct fopts *fo, const sf_update *u, enum sf_action act)
{
    const struct sf_image_info *ii = sf_update_image(u);
    for (size_t i = 0; i < sf_update_count(u); i++) {
        const struct sf_item_info *it = sf_update_item(u, i);
        const char *ver = it->version_new;
        if (act == SF_ACTION_REPAIR)
            printf("Plan: save the primary of %s to the backup and verify it%s%s\n", it->target,
                   ver[0] ? ", then install " : "", ver);
        else if (act == SF_ACTION_RESUME && !it->image_size)
            printf("Plan: finish repair attempt #%lld on %s\n", (long long)it->continues,
                   it->target);
        else
            printf("Plan: %s%s %s (%llu bytes) on %s\n", act == SF_ACTION_RESUME
                   ? "the image the interrupted attempt staged, " : "install ",
                   act == SF_ACTION_RESUME ? "" : fo->image, ver,
                   (unsigned long long)it->image_size, it->target);
        if (ii->is_package)
            printf("  package: %s %s version %s for board %s, %s%s\n", ii->vendor, ii->product,
                   ii->version, ii->board, ii->signer[0] ? "signed by trusted key "
                   : "NOT signed by a trusted key (--allow-unsigned)", ii->signer);
        printf("  boots now: %s\n", it->version_before[0] ? it->version_before : "nothing");
        if (it->continues)
            printf("  continues attempt #%lld\n", (long long)it->continues);
        if (act != SF_ACTION_REPAIR && it->image_size)
            printf("  %s\n", it->plan);
    }
    fflush(stdout); /* before the progress lines on stderr */
}

static int run_update(const struct sf_cli_args *a, const char *cmd, enum sf_action act)
{
    struct fopts fo;
    int code = parse(a, cmd, act == SF_ACTION_INSTALL, &fo);
    if (code)
        return code < 0 ? SF_EXIT_OK : code;
    sf_ctx *ctx = NULL;
    code = sf_cli_ctx(fo.state_dir, fo.keys, &ctx);
    if (code >= 0)
        return code;
    struct sf_cli_out out = { .json = fo.json, .action = cmd, .last_quarter = -1 };
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_update_new(ctx, act, &fo.uo, &u);
    if (!rc && fo.image)
        rc = sf_update_set_image(u, fo.image);
    for (size_t i = 0; !rc && i < fo.ntargets; i++)
        rc = sf_update_add_target(u, fo.targets[i]);
    if (rc) {
        code = sf_cli_fail(rc, NULL);
        goto out;
    }
    rc = sf_update_plan(u, &ec);
    if (rc) {
        code = sf_cli_engine_refuse(&out, sf_cli_engine_exit(rc), ec.msg[0] ? ec.msg
                                                                             : sf_err_str(rc));
        goto out;
    }
    sf_cli_engine_warnings(&out, u);
    if (sf_update_count(u) == 0) {
        if (fo.json)
            code = sf_cli_engine_summary(&out, u, 0, &ec);
        else
            printf("%s: nothing unfinished: the journal holds no interrupted attempt\n",
                   fo.targets[0]);
        code = SF_EXIT_OK;
        goto out;
    }
    if (fo.json)
        sf_cli_engine_plan_json(&out, u);
    else
        plan_text(&fo, u, act);
    if (!fo.yes && !fo.uo.dry_run &&
        (code = sf_cli_engine_confirm(&out, act == SF_ACTION_REPAIR ? "Repair the backup?"
                                      : "Write this image?", 0)) >= 0)
        goto out;
    rc = sf_update_run(u, sf_cli_engine_event, &out, &ec);
    code = sf_cli_engine_summary(&out, u, rc, &ec);
out:
    sf_update_free(u);
    sf_ctx_free(ctx);
    return code;
}

int sf_cmd_flash_install(const struct sf_cli_args *a)
{
    return run_update(a, "install", SF_ACTION_INSTALL);
}

int sf_cmd_flash_repair(const struct sf_cli_args *a)
{
    return run_update(a, "repair", SF_ACTION_REPAIR);
}

int sf_cmd_flash_resume(const struct sf_cli_args *a)
{
    return run_update(a, "resume", SF_ACTION_RESUME);
}

/* `safeflash resume` with no target, for a run the engine recorded:
 * continue it.  Returns -1 when the newest run is not the engine's (the
 * caller continues it its own way), else the exit code. */
int sf_cli_engine_resume_run(int json, const char *state_dir,
                             const struct sf_update_options *given)
{
    sf_ctx *ctx = NULL;
    int code = sf_cli_ctx(state_dir, NULL, &ctx);
    if (code >= 0)
        return code;
    struct sf_cli_out out = { .json = json, .action = "resume", .last_quarter = -1 };
    struct sf_update_options uo;
    sf_update_options_init(&uo);
    if (given)
        uo = *given; /* --timeout and the like; the run recorded the rest */
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_update_new(ctx, SF_ACTION_RESUME, &uo, &u);
    if (!rc)
        rc = sf_update_plan(u, &ec);
    if (!rc && sf_update_result(u)->foreign_run) {
        code = -1; /* the older front end's run: it continues it itself */
    } else if (rc == SF_ENODEV) {
        fprintf(stderr, "safeflash: %s\n", ec.msg);
        code = SF_EXIT_FAILED;
    } else if (rc) {
        code = sf_cli_engine_refuse(&out, sf_cli_engine_exit(rc), ec.msg[0] ? ec.msg
                                                                            : sf_err_str(rc));
    } else if (sf_update_count(u) == 0) {
        const char *const *w = sf_update_warnings(u);
        if (w && *w)
            for (; *w; w++)
                fprintf(stderr, "safeflash: %s\n", *w);
        else
            fprintf(stderr, "safeflash: run %s has nothing unfinished\n",
                    sf_update_result(u)->resumed_run);
        code = SF_EXIT_OK;
    } else {
        fprintf(stderr, "safeflash: resuming run %s\n", sf_update_result(u)->resumed_run);
        sf_cli_engine_warnings(&out, u);
        if (json)
            sf_cli_engine_plan_json(&out, u);
        rc = sf_update_run(u, sf_cli_engine_event, &out, &ec);
        code = sf_cli_engine_summary(&out, u, rc, &ec);
    }
    sf_update_free(u);
    sf_ctx_free(ctx);
    return code;
}
