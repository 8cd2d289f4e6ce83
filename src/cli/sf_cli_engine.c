/*
 * sf_cli_engine.c - context, exit codes and renderings for the commands
 * the update engine runs.  See sf_cli_engine.h.
 */
#define _GNU_SOURCE
#include "sf_cli_engine.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <termios.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeflash/sf_emu.h"
#include "sf_cli.h"

/* True when libsafeflash-emu.so is preloaded into this process: SG_IO
 * then reaches the emulator, and that is the path worth testing. */
static int preloaded(void)
{
    return dlsym(RTLD_DEFAULT, "sf_emu_preload_active") != NULL;
}

/* The emulator for SCSI paths, as the environment says: $SAFEFLASH_EMU
 * names its config; $SAFEFLASH_TRANSPORT=sgio|emu forces SG_IO or the
 * in-process emulator for every path (auto: the declared paths in-process,
 * unless the preload library answers SG_IO). */
static int attach_scsi(sf_ctx *ctx, struct sf_errctx *ec)
{
    const char *mode = getenv("SAFEFLASH_TRANSPORT"), *conf = getenv("SAFEFLASH_EMU");
    if (mode && *mode && strcmp(mode, "auto") && strcmp(mode, "sgio") && strcmp(mode, "emu"))
        return sf_err_set(ec, SF_ECONFIG, "SAFEFLASH_TRANSPORT must be auto, sgio or emu, not "
                          "\"%s\"", mode);
    if (mode && !strcmp(mode, "emu") && (!conf || !*conf))
        return sf_err_set(ec, SF_ECONFIG, "SAFEFLASH_TRANSPORT=emu needs SAFEFLASH_EMU to name "
                          "a config");
    if (!conf || !*conf)
        return 0;
    enum sf_emu_scsi_mode m = mode && !strcmp(mode, "emu") ? SF_EMU_SCSI_ALL
                              : (mode && !strcmp(mode, "sgio")) || preloaded()
                              ? SF_EMU_SCSI_LIST_ONLY : SF_EMU_SCSI_DECLARED;
    return sf_emu_scsi_attach(ctx, conf, m, ec);
}

/* The password for a BMC: $SAFEFLASH_REDFISH_PASSWORD, else asked on the
 * terminal without echo (never from the command line). */
static int password(void *arg, const char *user, const char *host, char *out, size_t cap)
{
    (void)arg;
    const char *e = getenv("SAFEFLASH_REDFISH_PASSWORD");
    if (e) {
        snprintf(out, cap, "%s", e);
        return 0;
    }
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(out, cap, "set SAFEFLASH_REDFISH_PASSWORD or run on a terminal to be asked");
        return SF_EINVAL;
    }
    struct termios old, quiet;
    int have = tcgetattr(fd, &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    dprintf(fd, "Password for %s@%s: ", user, host);
    size_t n = 0;
    char c;
    while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r')
        if (n + 1 < cap)
            out[n++] = c;
    out[n] = '\0';
    if (have)
        tcsetattr(fd, TCSAFLUSH, &old);
    dprintf(fd, "\n");
    close(fd);
    return 0;
}

int sf_cli_ctx(const char *state_dir, const char *keys, sf_ctx **out)
{
    *out = NULL;
    sf_ctx *ctx = NULL;
    if (sf_ctx_new(&ctx))
        return sf_cli_fail(SF_ENOMEM, NULL);
    const char *sd = state_dir && *state_dir ? state_dir : getenv("SAFEFLASH_STATE_DIR");
    const char *kd = keys && *keys ? keys : getenv("SAFEFLASH_KEYS");
    struct sf_errctx ec = { 0 };
    int rc = 0;
    if (sd && *sd)
        rc = sf_ctx_set_state_dir(ctx, sd);
    if (!rc && kd && *kd)
        rc = sf_ctx_set_keys_dir(ctx, kd);
    if (!rc)
        rc = sf_emu_nor_attach(ctx, getenv("SAFEFLASH_NOR"), &ec);
    if (!rc)
        rc = attach_scsi(ctx, &ec);
    const char *sysfs = getenv("SAFEFLASH_SYSFS");
    if (!rc && sysfs && *sysfs)
        rc = sf_ctx_set_sysfs_root(ctx, sysfs);
    if (!rc)
        rc = sf_ctx_set_password_cb(ctx, password, NULL);
    if (rc) {
        sf_ctx_free(ctx);
        return sf_cli_fail(rc, &ec);
    }
    *out = ctx;
    return -1;
}

int sf_cli_engine_exit(int err)
{
    switch (err) {
    case SF_ESIG: return SF_EXIT_SIGNATURE;
    case SF_EINTEGRITY: return SF_EXIT_INTEGRITY;
    case SF_EMISMATCH: return SF_EXIT_MISMATCH;
    case SF_EVERSION: return SF_EXIT_VERSION;
    case SF_ERANGE:
    case SF_ETRUNC:           /* an empty image: nothing to write */
    case SF_EBUSY:            /* a download in progress that is not ours */
    case SF_EUNFINISHED:
    case SF_ECHANGED:
    case SF_ELOCKED: return SF_EXIT_REFUSED;
    case SF_EJOURNAL: return SF_EXIT_JOURNAL;
    default: return sf_cli_exit_for(err);
    }
}

int sf_cli_run_exit(const sf_update *u, int rc)
{
    const struct sf_update_result *r = sf_update_result(u);
    size_t pending = 0, nothing = 0, other = 0, scsi = 0;
    for (size_t i = 0; i < sf_update_count(u); i++) {
        const struct sf_item_info *it = sf_update_item(u, i);
        /* a BMC's staged image waits for a host reset just the same */
        pending += it->outcome == SF_OUTCOME_PENDING_RESET ||
                   (it->outcome == SF_OUTCOME_STORED && !strcmp(it->cls, "redfish"));
        nothing += it->outcome == SF_OUTCOME_NOTHING;
        other += it->outcome != SF_OUTCOME_NOTHING;
        scsi += strcmp(it->cls, "flash") != 0;
    }
    if (!rc && nothing && !other)
        return SF_EXIT_OK; /* nothing anywhere to activate: a no-op, said in one line */
    if (!rc)
        return pending ? SF_EXIT_PENDING : SF_EXIT_OK;
    if (rc == SF_ENOTSUP && scsi && !r->degraded)
        return SF_EXIT_FAILED; /* the install failed: the device lacks what it needed */
    if (r->degraded)
        return SF_EXIT_DEGRADED;
    if (rc == SF_EJOURNAL)
        return SF_EXIT_JOURNAL;
    if (rc == SF_ELOCKED || rc == SF_ECHANGED)
        return SF_EXIT_REFUSED;
    if (r->updated && (r->failed || r->not_attempted))
        return SF_EXIT_PARTIAL;
    if (rc == SF_ERANGE)
        return SF_EXIT_REFUSED; /* the device refused the image as too large */
    return rc == SF_ENOTSUP ? SF_EXIT_NOTSUP : SF_EXIT_FAILED;
}

void sf_cli_engine_emit(json_object *j)
{
    puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    fflush(stdout);
    json_object_put(j);
}

static json_object *event_obj(const char *name)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "schema", json_object_new_int(SF_JSON_SCHEMA));
    json_object_object_add(j, "event", json_object_new_string(name));
    return j;
}

void sf_cli_engine_jstr(json_object *j, const char *k, const char *v)
{
    json_object_object_add(j, k, v && *v ? json_object_new_string(v) : NULL);
}

static json_object *item_json(const struct sf_item_info *it)
{
    json_object *x = json_object_new_object();
    sf_cli_engine_jstr(x, "target", it->target);
    sf_cli_engine_jstr(x, "class", it->cls);
    sf_cli_engine_jstr(x, "item", it->name);
    sf_cli_engine_jstr(x, "vendor", it->vendor);
    sf_cli_engine_jstr(x, "product", it->product);
    sf_cli_engine_jstr(x, "version_before", it->version_before);
    sf_cli_engine_jstr(x, "version_new", it->version_new);
    sf_cli_engine_jstr(x, "version_after", it->version_after);
    json_object_object_add(x, "image_size", json_object_new_int64((int64_t)it->image_size));
    sf_cli_engine_jstr(x, "image_sha256", it->image_sha256);
    json_object_object_add(x, "outcome", json_object_new_string(sf_outcome_str(it->outcome)));
    json_object_object_add(x, "degraded", json_object_new_boolean(it->degraded));
    sf_cli_engine_jstr(x, "message", it->message);
    if (it->outcome == SF_OUTCOME_FAILED) {
        json_object_object_add(x, "error", json_object_new_string(sf_err_str(it->err)));
        sf_cli_engine_jstr(x, "step", it->step);
        json_object_object_add(x, "nothing_written", json_object_new_boolean(it->nothing_written));
    }
    sf_cli_engine_jstr(x, "next", it->next);
    json_object_object_add(x, "attempt", it->attempt ? json_object_new_int64(it->attempt) : NULL);
    json_object_object_add(x, "continues", it->continues ? json_object_new_int64(it->continues)
                                                         : NULL);
    if (!strcmp(it->cls, "redfish")) {
        /* Redfish: the BMC's component (what --component takes) */
        json_object *d = json_object_new_object();
        sf_cli_engine_jstr(d, "component", it->logical_id);
        json_object_object_add(x, "redfish", d);
    } else if (strcmp(it->cls, "flash")) {
        /* SCSI: the processor or drive, and how the download went */
        json_object *d = json_object_new_object();
        json_object_object_add(d, "subenclosure", it->subenclosure >= 0
                               ? json_object_new_int(it->subenclosure) : NULL);
        sf_cli_engine_jstr(d, "logical_id", it->logical_id);
        json_object_object_add(d, "mode", it->mode_used ? json_object_new_int((int)it->mode_used)
                                                        : NULL);
        json_object_object_add(d, "fell_back", json_object_new_boolean(it->fell_back));
        json_object_object_add(d, "final_status", json_object_new_int((int)it->final_status));
        json_object_object_add(d, "pages", json_object_new_int64((int64_t)it->pages_sent));
        json_object_object_add(d, "resumes", json_object_new_int((int)it->resumes));
        json_object_object_add(d, "restarts", json_object_new_int((int)it->restarts));
        json_object_object_add(x, "scsi", d);
    } else {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "blocks_written", json_object_new_int64((int64_t)it->blocks_written));
        json_object_object_add(d, "blocks_unchanged",
                               json_object_new_int64((int64_t)it->blocks_unchanged));
        json_object_object_add(d, "bytes_erased", json_object_new_int64((int64_t)it->bytes_erased));
        json_object_object_add(d, "bytes_programmed",
                               json_object_new_int64((int64_t)it->bytes_programmed));
        if (it->region[0]) {
            json_object_object_add(d, "region", json_object_new_string(it->region));
            json_object_object_add(d, "block", json_object_new_int64((int64_t)it->block));
        }
        json_object_object_add(x, "flash", d);
    }
    return x;
}

int sf_cli_engine_refuse(const struct sf_cli_out *o, int code, const char *msg)
{
    fprintf(stderr, "safeflash: %s\n", msg);
    if (o->json) {
        json_object *j = event_obj("error");
        json_object_object_add(j, "action", json_object_new_string(o->action));
        json_object_object_add(j, "message", json_object_new_string(msg));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        sf_cli_engine_emit(j);
    }
    return code;
}

void sf_cli_engine_warnings(const struct sf_cli_out *o, const sf_update *u)
{
    for (const char *const *w = sf_update_warnings(u); w && *w; w++) {
        if (o->json) {
            json_object *j = event_obj("warning");
            json_object_object_add(j, "message", json_object_new_string(*w));
            sf_cli_engine_emit(j);
        } else {
            fprintf(stderr, "safeflash: warning: %s\n", *w);
        }
    }
}

void sf_cli_engine_plan_json(const struct sf_cli_out *o, const sf_update *u)
{
    json_object *j = event_obj("plan"), *a = json_object_new_array();
    json_object_object_add(j, "action", json_object_new_string(o->action));
    const struct sf_image_info *ii = sf_update_image(u);
    if (ii->version[0]) {
        json_object *im = json_object_new_object();
        json_object_object_add(im, "package", json_object_new_boolean(ii->is_package));
        sf_cli_engine_jstr(im, "version", ii->version);
        sf_cli_engine_jstr(im, "vendor", ii->vendor);
        sf_cli_engine_jstr(im, "product", ii->product);
        sf_cli_engine_jstr(im, "signer", ii->signer);
        json_object_object_add(j, "image", im);
    }
    for (size_t i = 0; i < sf_update_count(u); i++) {
        json_object *x = item_json(sf_update_item(u, i));
        sf_cli_engine_jstr(x, "plan", sf_update_item(u, i)->plan);
        json_object_array_add(a, x);
    }
    json_object_object_add(j, "items", a);
    sf_cli_engine_emit(j);
}

void sf_cli_engine_event(const struct sf_event *ev, void *arg)
{
    struct sf_cli_out *o = arg;
    const struct sf_item_info *it = ev->item;
    char whobuf[320];
    const char *who = it ? it->target : "safeflash";
    if (it && strcmp(it->cls, "flash")) {
        snprintf(whobuf, sizeof(whobuf), "%s %s", it->target, it->name);
        who = whobuf;
    }
    static const char *names[] = { "step", "progress", "notice", "result" };
    if (o->json) {
        json_object *j = event_obj(names[ev->kind]);
        if (ev->kind == SF_EVENT_RESULT) {
            json_object_object_add(j, "item", item_json(it));
        } else {
            sf_cli_engine_jstr(j, "target", it ? it->target : NULL);
            sf_cli_engine_jstr(j, "item", it ? it->name : NULL);
            sf_cli_engine_jstr(j, ev->kind == SF_EVENT_NOTICE ? "message" : "step", ev->text);
            if (ev->kind == SF_EVENT_PROGRESS) {
                json_object_object_add(j, "done", json_object_new_int64((int64_t)ev->done));
                json_object_object_add(j, "total", json_object_new_int64((int64_t)ev->total));
            }
        }
        sf_cli_engine_emit(j);
        return;
    }
    switch (ev->kind) {
    case SF_EVENT_STEP:
        fprintf(stderr, "%s: %s\n", who, ev->text);
        o->last_quarter = -1;
        break;
    case SF_EVENT_PROGRESS:
        if (ev->total && (int)(ev->done * 4 / ev->total) != o->last_quarter) {
            o->last_quarter = (int)(ev->done * 4 / ev->total);
            if (ev->total >= 1024)
                fprintf(stderr, "%s: %s: %3u%% of %llu KiB\n", who, ev->text,
                        (unsigned)(ev->done * 100 / ev->total),
                        (unsigned long long)(ev->total / 1024));
            else
                fprintf(stderr, "%s: %s: %3u%%\n", who, ev->text,
                        (unsigned)(ev->done * 100 / ev->total));
        }
        break;
    case SF_EVENT_NOTICE:
        fprintf(stderr, "%s: note: %s\n", who, ev->text);
        break;
    case SF_EVENT_RESULT:
        if (it->outcome == SF_OUTCOME_FAILED || it->outcome == SF_OUTCOME_NOT_ATTEMPTED)
            printf("%s: %s: %s\n", who, sf_outcome_str(it->outcome), it->message);
        else
            printf("%s: %s\n", who, it->message);
        if (it->next[0])
            printf("%s: %s\n", who, it->next);
        fflush(stdout);
        break;
    }
}

void sf_cli_engine_warn(const struct sf_cli_out *o, const char *msg)
{
    if (o->json) {
        json_object *j = event_obj("warning");
        json_object_object_add(j, "message", json_object_new_string(msg));
        sf_cli_engine_emit(j);
    } else {
        fprintf(stderr, "safeflash: warning: %s\n", msg);
    }
}

int sf_cli_engine_summary(const struct sf_cli_out *o, const sf_update *u, int rc,
                          const struct sf_errctx *ec)
{
    return sf_cli_engine_summary_code(o, u, rc, ec, sf_cli_run_exit(u, rc));
}

int sf_cli_engine_summary_code(const struct sf_cli_out *o, const sf_update *u, int rc,
                               const struct sf_errctx *ec, int code)
{
    const struct sf_update_result *r = sf_update_result(u);
    if (o->json) {
        json_object *j = event_obj("summary");
        json_object_object_add(j, "action", json_object_new_string(o->action));
        sf_cli_engine_jstr(j, "run", r->run);
        json_object_object_add(j, "items", json_object_new_int((int)r->items));
        json_object_object_add(j, "updated", json_object_new_int((int)r->updated));
        json_object_object_add(j, "skipped", json_object_new_int((int)r->skipped));
        json_object_object_add(j, "failed", json_object_new_int((int)r->failed));
        json_object_object_add(j, "not_attempted", json_object_new_int((int)r->not_attempted));
        json_object_object_add(j, "stored", json_object_new_int((int)r->stored));
        json_object_object_add(j, "degraded", json_object_new_boolean(r->degraded));
        if (rc)
            sf_cli_engine_jstr(j, "error", ec->msg[0] ? ec->msg : sf_err_str(rc));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        sf_cli_engine_emit(j);
    } else if (rc && r->nothing_written) {
        fprintf(stderr, "safeflash: %s\n", ec->msg[0] ? ec->msg : sf_err_str(rc));
    }
    return code;
}

int sf_cli_engine_confirm(const struct sf_cli_out *o, const char *question, int need_tty)
{
    if ((!need_tty || isatty(STDIN_FILENO) || isatty(STDERR_FILENO)) && sf_cli_confirm(question))
        return -1;
    return sf_cli_engine_refuse(o, SF_EXIT_REFUSED, isatty(STDIN_FILENO)
                                ? "not confirmed: nothing was written"
                                : "not confirmed: nothing was written (pass --yes to run "
                                  "without a prompt)");
}

size_t sf_cli_engine_todo(const sf_update *u)
{
    size_t todo = 0;
    for (size_t i = 0; i < sf_update_count(u); i++)
        todo += sf_update_item(u, i)->outcome == SF_OUTCOME_PLANNED;
    return todo;
}
