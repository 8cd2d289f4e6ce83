/*
 * sf_cli_scsi.c - `install`, `activate` and `resume` for SCSI devices (SES
 * enclosures and drives) through the update engine: arguments (parsed by
 * sf_cli_install.c's option table), the plan as text, confirmation and
 * rendering.  The engine plans, checks, journals, locks, stages, resumes
 * and reports (include/safeflash/safeflash.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeflash/safeflash.h"
#include "sf_cli.h"
#include "sf_cli_engine.h"
#include "sf_cli_scsi.h"

static const char *mode_words(const char *m)
{
    if (!m || !strcmp(m, "auto"))
        return "auto (deferred 0Eh, falling back to immediate 07h)";
    if (!strcmp(m, "deferred"))
        return "deferred (0Eh)";
    if (!strcmp(m, "immediate"))
        return "immediate (07h)";
    if (!strcmp(m, "save"))
        return "save (WRITE BUFFER 05h, one command)";
    if (!strcmp(m, "events"))
        return "events (WRITE BUFFER 0Dh: deferred, also runs on reset/power on)";
    return m;
}

static void plan_text(const struct sf_cli_scsi_req *r, const sf_update *u)
{
    const struct sf_image_info *ii = sf_update_image(u);
    int dry = r->uo.dry_run;
    if (r->act == SF_ACTION_ACTIVATE)
        printf("Plan: activate deferred microcode%s\n", dry ? " (dry run)" : "");
    else if (r->act == SF_ACTION_RESUME)
        printf("Plan: finish the interrupted attempts from their staged images%s\n",
               dry ? " (dry run)" : "");
    else
        printf("Plan: install %s, mode %s%s\n", r->image, mode_words(r->uo.mode),
               dry ? " (dry run)" : "");
    for (size_t i = 0; i < sf_update_count(u); i++) {
        const struct sf_item_info *it = sf_update_item(u, i);
        char what[32];
        if (it->subenclosure < 0)
            snprintf(what, sizeof(what), "drive           ");
        else
            snprintf(what, sizeof(what), "subenclosure %-3d", it->subenclosure);
        printf("  %-20s %s %s %-16s %s -> %s", it->target, what, it->vendor, it->product,
               it->version_before, it->version_new[0] ? it->version_new
               : r->act == SF_ACTION_ACTIVATE ? "(deferred image)" : "(from image)");
        if (it->image_size)
            printf("  (%llu bytes)", (unsigned long long)it->image_size);
        if (it->outcome == SF_OUTCOME_SKIPPED)
            printf("  skipped: %s", it->message);
        putchar('\n');
        if (it->continues)
            printf("  %s: continues interrupted attempt #%lld\n", it->name,
                   (long long)it->continues);
    }
    if (ii->is_package)
        printf("  package: %s %s version %s%s%s\n", ii->vendor, ii->product, ii->version,
               ii->signer[0] ? ", signed by trusted key " : ", NOT signed by a trusted key",
               ii->signer);
    fflush(stdout); /* before the progress lines on stderr */
}

/* [r]esume / [s]tart over / anything else: quit. */
static enum sf_in_progress_choice ask_in_progress(void)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return SF_IN_PROGRESS_REFUSE;
    fprintf(tty, "Resume it at the enclosure's expected offset, start over, or quit? [r/s/Q] ");
    fflush(tty);
    char line[32] = "";
    enum sf_in_progress_choice c = SF_IN_PROGRESS_REFUSE;
    if (fgets(line, sizeof(line), tty)) {
        if (line[0] == 'r' || line[0] == 'R')
            c = SF_IN_PROGRESS_RESUME;
        else if (line[0] == 's' || line[0] == 'S')
            c = SF_IN_PROGRESS_RESTART;
    }
    fclose(tty);
    return c;
}

static int plan(sf_ctx *ctx, const struct sf_cli_scsi_req *r, const struct sf_update_options *uo,
                sf_update **out, struct sf_errctx *ec)
{
    int rc = sf_update_new(ctx, r->act, uo, out);
    if (!rc && r->image)
        rc = sf_update_set_image(*out, r->image);
    for (size_t i = 0; !rc && i < r->ndev; i++)
        rc = sf_update_add_target(*out, r->devs[i]);
    if (rc)
        return sf_err_set(ec, rc, "%s", rc == SF_EINVAL ? "a device is named twice, or is not "
                          "a SCSI device path" : sf_err_str(rc));
    return sf_update_plan(*out, ec);
}

/* --jobs: one line for the fleet - how many enclosures (or drives) ended
 * with every item done. */
static void devices_line(const sf_update *u)
{
    size_t n = sf_update_count(u), devs = 0, done = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sf_item_info *it = sf_update_item(u, i);
        int first = 1, ok = 1;
        for (size_t k = 0; k < n && first; k++)
            first = k >= i || strcmp(sf_update_item(u, k)->logical_id, it->logical_id);
        if (!first)
            continue;
        for (size_t k = 0; k < n; k++) {
            const struct sf_item_info *o = sf_update_item(u, k);
            if (strcmp(o->logical_id, it->logical_id))
                continue;
            ok &= o->outcome == SF_OUTCOME_UPDATED || o->outcome == SF_OUTCOME_SKIPPED ||
                  o->outcome == SF_OUTCOME_STORED || o->outcome == SF_OUTCOME_PENDING_RESET ||
                  o->outcome == SF_OUTCOME_DRY_RUN;
        }
        devs++;
        done += ok;
    }
    size_t paths = 0;
    for (size_t i = 0; i < n; i++) {
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(sf_update_item(u, k)->target, sf_update_item(u, i)->target) != 0;
        paths += first;
    }
    char through[48] = "";
    if (paths > devs)
        snprintf(through, sizeof(through), " through %zu path(s)", paths);
    fprintf(stderr, "safeflash: %zu enclosure(s)%s: %zu done, %zu not\n", devs, through, done,
            devs - done);
}

int sf_cli_scsi_run(const struct sf_cli_scsi_req *r)
{
    sf_ctx *ctx = NULL;
    int code = sf_cli_ctx(r->state_dir, r->keys, &ctx);
    if (code >= 0)
        return code;
    struct sf_cli_out out = { .json = r->json, .action = r->cmd, .last_quarter = -1 };
    struct sf_update_options uo = r->uo;
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    int rc = plan(ctx, r, &uo, &u, &ec);
    if (rc == SF_EBUSY && !r->yes && !r->json && isatty(STDIN_FILENO)) {
        /* Somebody else's download, half done: the operator decides. */
        fprintf(stderr, "safeflash: %s\n", ec.msg);
        uo.in_progress = ask_in_progress();
        sf_update_free(u);
        u = NULL;
        sf_errctx_clear(&ec);
        rc = uo.in_progress == SF_IN_PROGRESS_REFUSE
                 ? sf_err_set(&ec, SF_EBUSY, "not confirmed: nothing was written")
                 : plan(ctx, r, &uo, &u, &ec);
    }
    if (rc) {
        code = sf_cli_engine_refuse(&out, rc == SF_EBUSY ? SF_EXIT_REFUSED
                                    : sf_cli_engine_exit(rc), ec.msg[0] ? ec.msg : sf_err_str(rc));
        goto out;
    }
    sf_cli_engine_warnings(&out, u);
    size_t todo = sf_cli_engine_todo(u);
    if (sf_update_count(u) == 0) {
        if (r->json)
            sf_cli_engine_summary(&out, u, 0, &ec);
        else
            printf("%s: nothing unfinished: the journal holds no interrupted attempt\n",
                   r->devs[0]);
        code = SF_EXIT_OK;
        goto out;
    }
    if (r->json)
        sf_cli_engine_plan_json(&out, u);
    else
        plan_text(r, u);
    if (todo && !r->yes && !uo.dry_run) {
        char q[128];
        snprintf(q, sizeof(q), "%s %zu %s?", r->act == SF_ACTION_ACTIVATE
                 ? "Activate deferred microcode on" : r->act == SF_ACTION_RESUME ? "Resume on"
                 : "Write this image to", todo, todo == 1 ? "item" : "items");
        if ((code = sf_cli_engine_confirm(&out, q, 1)) >= 0)
            goto out;
    }
    rc = sf_update_run(u, sf_cli_engine_event, &out, &ec);
    code = sf_cli_engine_summary(&out, u, rc, &ec);
    if (uo.jobs > 1 && !r->json)
        devices_line(u);
    if (!rc && !r->json && r->act == SF_ACTION_ACTIVATE) {
        size_t nothing = 0;
        for (size_t i = 0; i < sf_update_count(u); i++)
            nothing += sf_update_item(u, i)->outcome == SF_OUTCOME_NOTHING;
        if (nothing == sf_update_count(u))
            printf("nothing to activate: no deferred microcode was stored; nothing changed\n");
    }
    if (rc && !r->json && !sf_update_result(u)->nothing_written)
        fprintf(stderr, "safeflash: paused on error; 'safeflash status' shows where, "
                "'safeflash resume' continues once the cause is fixed, 'safeflash cancel' "
                "stops\n");
out:
    sf_update_free(u);
    sf_ctx_free(ctx);
    return code;
}
