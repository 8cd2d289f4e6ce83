/*
 * sf_request.c - what a run records so that it can be reopened, and the
 * reopening: the request (targets and settings, made absolute), J0 (a run
 * journaled with its staged image before the first device command), a bare
 * resume finding the newest open run, and `resume TARGET` adopting a J0 run
 * killed before its first attempt.  See sf_journal.h for J0-J4.
 */
#include "engine/sf_update.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/sf_ctx.h"

/* A path as a resume from another directory will find it: a target
 * "PREFIX:PATH" (prefixed) or a plain path, made absolute. */
static const char *absolute(const char *s, int prefixed, char *out, size_t cap)
{
    const char *colon = prefixed ? strchr(s, ':') : NULL;
    const char *path = colon ? colon + 1 : s;
    char cwd[PATH_MAX];
    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return s;
    snprintf(out, cap, "%.*s%s/%s", colon ? (int)(colon - s + 1) : 0, s, cwd, path);
    return out;
}

static int opt_str(json_object *o, const char *k, char **own, const char **field)
{
    json_object *v;
    if (*field || !json_object_object_get_ex(o, k, &v))
        return 0;
    free(*own);
    *own = strdup(json_object_get_string(v));
    *field = *own;
    return *own ? 0 : SF_ENOMEM;
}

/* Reopen a J0 run (its request o) as the install or activation it
 * recorded, continuing under its id. */
static int reopen_early(struct sf_update *u, json_object *o, const char *run)
{
    json_object *v, *t;
    const char *act = json_object_object_get_ex(o, "action", &v) ? json_object_get_string(v) : "";
    u->action = !strcmp(act, "activate") ? SF_ACTION_ACTIVATE : SF_ACTION_INSTALL;
    snprintf(u->item_action, sizeof(u->item_action), "%s", act[0] ? act : "install");
    if (u->action == SF_ACTION_INSTALL && json_object_object_get_ex(o, "image", &v)) {
        /* The staged copy; killed before it was written: the file it came
         * from, which must still hash the same (checked by the plan). */
        const char *img = json_object_get_string(v);
        json_object *src, *sha;
        if (access(img, R_OK) != 0 && json_object_object_get_ex(o, "source", &src)) {
            img = json_object_get_string(src);
            u->early_lost = access(img, R_OK) != 0;
        }
        if (json_object_object_get_ex(o, "sha256", &sha))
            snprintf(u->reopen_sha, sizeof(u->reopen_sha), "%s", json_object_get_string(sha));
        free(u->image);
        if (!(u->image = strdup(img)))
            return SF_ENOMEM;
    }
    json_object *imgs;
    if (u->action == SF_ACTION_INSTALL && json_object_object_get_ex(o, "images", &imgs) &&
        json_object_is_type(imgs, json_type_array)) {
        /* Redfish: an image per component, each staged (or its file, if
         * it still hashes the same), or a URL the BMC pulls. */
        for (size_t i = 0; i < json_object_array_length(imgs) && i < 8; i++) {
            json_object *e = json_object_array_get_idx(imgs, i), *c, *im, *src, *sha, *pl;
            if (!json_object_object_get_ex(e, "component", &c))
                return SF_EINVAL;
            const char *path = NULL, *pull = NULL;
            if (json_object_object_get_ex(e, "pull", &pl))
                pull = json_object_get_string(pl);
            else if (json_object_object_get_ex(e, "image", &im))
                path = json_object_get_string(im);
            if (path && access(path, R_OK) != 0 && json_object_object_get_ex(e, "source", &src)) {
                path = json_object_get_string(src);
                u->early_lost |= access(path, R_OK) != 0;
            }
            int arc = sf_update_add_image(u, path, json_object_get_string(c), pull);
            if (arc)
                return arc;
            if (path && json_object_object_get_ex(e, "sha256", &sha))
                snprintf(u->cimg[u->ncimg - 1].sha, sizeof(u->cimg[0].sha), "%s",
                         json_object_get_string(sha));
        }
    }
    json_object *only;
    if (json_object_object_get_ex(o, "only", &only) && json_object_is_type(only, json_type_array)) {
        const char *names[8];
        size_t n = json_object_array_length(only);
        for (size_t i = 0; i < n && i < 8; i++)
            names[i] = json_object_get_string(json_object_array_get_idx(only, i));
        if (n > 8 || sf_update_only_components(u, names, n))
            return SF_EINVAL;
    }
    int rc = opt_str(o, "image_version", &u->image_version, &u->o.image_version);
    if (!rc)
        rc = opt_str(o, "mode", &u->mode, &u->o.mode);
    if (!rc)
        rc = opt_str(o, "expect_revision", &u->expect_revision, &u->o.expect_revision);
    if (!rc)
        rc = opt_str(o, "vendor", &u->vendor, &u->o.vendor);
    if (!rc)
        rc = opt_str(o, "product", &u->product, &u->o.product);
    struct { const char *k; int *v; } flags[] = {
        { "allow_unsigned", &u->o.allow_unsigned }, { "allow_downgrade", &u->o.allow_downgrade },
        { "restart", &u->o.restart }, { "activate", &u->o.activate },
        { "plain_http", &u->o.plain_http }, { "insecure", &u->o.insecure },
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (json_object_object_get_ex(o, flags[i].k, &v))
            *flags[i].v |= json_object_get_int(v);
    if (json_object_object_get_ex(o, "in_progress", &v) && !u->o.in_progress)
        u->o.in_progress = (enum sf_in_progress_choice)json_object_get_int(v);
    if (!json_object_object_get_ex(o, "targets", &t) || !json_object_is_type(t, json_type_array))
        return SF_EINVAL;
    for (size_t i = u->ntargets; i > 0; i--)
        free(u->targets[i - 1]);
    u->ntargets = 0;
    u->cls = NULL;
    for (size_t i = 0; !rc && i < json_object_array_length(t); i++)
        rc = sf_update_add_target(u, json_object_get_string(json_object_array_get_idx(t, i)));
    if (rc)
        return rc;
    snprintf(u->res.run, sizeof(u->res.run), "%s", run);
    u->early = 1;
    u->early_reopened = 1;
    return 0;
}

/* A bare resume: the newest run that did not end, reopened as it recorded. */
/* The settings a run recorded (o: its request), for a resume that names
 * none: layout, waits, pages, the subenclosure. */
static void reopen_settings(struct sf_update *u, json_object *o)
{
    json_object *l;
    opt_str(o, "ca_file", &u->ca_file, &u->o.ca_file);
    opt_str(o, "pin", &u->pin, &u->o.pin);
    if (json_object_object_get_ex(o, "plain_http", &l))
        u->o.plain_http |= json_object_get_int(l);
    if (json_object_object_get_ex(o, "insecure", &l))
        u->o.insecure |= json_object_get_int(l);
    if (json_object_object_get_ex(o, "activate_all", &l))
        u->o.activate |= json_object_get_int(l);
    if (json_object_object_get_ex(o, "layout", &l) && !u->layout) {
        u->layout = strdup(json_object_get_string(l));
        u->o.layout = u->layout;
    }
    struct { const char *k; unsigned *v; } nums[] = {
        { "timeout_ms", &u->o.timeout_ms }, { "poll_ms", &u->o.poll_ms },
        { "command_timeout_ms", &u->o.command_timeout_ms }, { "chunk_size", &u->o.chunk_size },
        { "task_timeout_s", &u->o.task_timeout_s }, { "reset_timeout_s", &u->o.reset_timeout_s },
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (!*nums[i].v && json_object_object_get_ex(o, nums[i].k, &l))
            *nums[i].v = (unsigned)json_object_get_int64(l);
    if (u->o.subenclosure < 0 && json_object_object_get_ex(o, "subenclosure", &l))
        u->o.subenclosure = json_object_get_int(l);
}

/* The newest run that did not end, and its request (NULL: recorded by an
 * older front end).  SF_ENODEV when none is open (the newest run's state
 * is then a warning). */
static int open_run(struct sf_update *u, struct sf_run *r, char **req, struct sf_errctx *ec)
{
    *req = NULL;
    struct sf_journal *j = NULL;
    int rc = sf_journal_open_existing(u->ctx, &j, ec);
    if (rc)
        return rc;
    if (!j)
        return sf_err_set(ec, SF_ENODEV, "no run recorded: nothing to resume");
    rc = sf_history_run_to_resume(sf_journal_history(j), r);
    if (!rc)
        rc = sf_history_run_request(sf_journal_history(j), r->id, req);
    if (rc == SF_ENODEV) {
        rc = sf_history_run_latest(sf_journal_history(j), NULL, r);
        sf_journal_close(j);
        if (!rc)
            sf_update_warn(u, "the last run (%s) is %s: nothing to resume", r->id, r->state);
        if (rc && rc != SF_ENODEV)
            return sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read");
        return rc == SF_ENODEV ? sf_err_set(ec, SF_ENODEV, "no run recorded: nothing to resume")
                               : SF_ENODEV;
    }
    sf_journal_close(j);
    return rc ? sf_err_set(ec, SF_EJOURNAL, "the journal cannot be read") : 0;
}

/* A bare resume: the newest run that did not end, reopened as it recorded. */
int sf_update_find_run(struct sf_update *u, struct sf_errctx *ec)
{
    struct sf_run r;
    char *req = NULL;
    int rc = open_run(u, &r, &req, ec);
    if (rc == SF_ENODEV && !ec->msg[0])
        return 0; /* nothing open: the warning says what the last run did */
    if (rc)
        return rc;
    if (!req) {
        snprintf(u->res.resumed_run, sizeof(u->res.resumed_run), "%s", r.id);
        u->res.foreign_run = 1; /* recorded by a front end that resumes it itself */
        return 0;
    }
    json_object *o = json_tokener_parse(req), *t = NULL, *l = NULL;
    free(req);
    if (!o || !json_object_object_get_ex(o, "targets", &t) || !json_object_is_type(t, json_type_array)) {
        json_object_put(o);
        return sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
    }
    if (json_object_object_get_ex(o, "image", &l) || json_object_object_get_ex(o, "action", &l)) {
        /* A J0 run: killed before its first attempt was recorded. */
        rc = reopen_early(u, o, r.id);
    } else {
        snprintf(u->res.resumed_run, sizeof(u->res.resumed_run), "%s", r.id);
        for (size_t i = 0; !rc && i < json_object_array_length(t); i++)
            rc = sf_update_add_target(u, json_object_get_string(json_object_array_get_idx(t, i)));
    }
    if (!rc)
        reopen_settings(u, o);
    json_object_put(o);
    if (rc)
        return sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
    return 0;
}

/* The newest open run whose request names exactly u's targets, in u's
 * order, and that request.  SF_ENODEV when none. */
static int open_run_on(struct sf_update *u, struct sf_run *r, char **req)
{
    *req = NULL;
    json_object *t = json_object_new_array();
    char abs[PATH_MAX + 64];
    for (size_t i = 0; i < u->ntargets; i++)
        json_object_array_add(t, json_object_new_string(absolute(u->targets[i], 1, abs,
                                                                 sizeof(abs))));
    char needle[8192];
    snprintf(needle, sizeof(needle), "\"targets\":%s", json_object_to_json_string_ext(t,
             JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(t);
    struct sf_journal *j = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_journal_open_existing(u->ctx, &j, &ec);
    if (!rc && !j)
        rc = SF_ENODEV;
    if (!rc)
        rc = sf_history_run_to_resume_with(sf_journal_history(j), needle, r);
    if (!rc)
        rc = sf_history_run_request(sf_journal_history(j), r->id, req);
    sf_journal_close(j);
    return rc;
}

/* `resume TARGET...`: the newest open run, when it is a J0 run on exactly
 * these targets, is reopened as it recorded (its devices were never
 * written: nothing else in the journal names them).  0 when it was.  Any
 * other open run on exactly these targets lends its settings (how its
 * devices were reached, its waits) to what the caller did not set. */
int sf_update_adopt_early(struct sf_update *u, struct sf_errctx *ec)
{
    struct sf_run r;
    char *req = NULL;
    struct sf_errctx lec = { 0 };
    size_t nwarn = u->nwarn;
    /* The newest open run on exactly these targets, else the newest open
     * run at all (targets given in another order). */
    int open = open_run_on(u, &r, &req) == 0 && req;
    if (!open) {
        free(req);
        req = NULL;
        open = open_run(u, &r, &req, &lec) == 0 && req;
    }
    u->nwarn = nwarn; /* open_run's word on the last run is not news here */
    u->warn[nwarn] = NULL;
    if (!open) {
        /* No run is open: the last one still says how these devices are
         * reached (a resume then finds nothing to do, without guessing). */
        free(req);
        req = NULL;
        struct sf_journal *j = NULL;
        if (sf_journal_open_existing(u->ctx, &j, &lec) || !j ||
            sf_history_run_latest(sf_journal_history(j), NULL, &r) ||
            sf_history_run_request(sf_journal_history(j), r.id, &req) || !req) {
            sf_journal_close(j);
            free(req);
            return SF_ENODEV;
        }
        sf_journal_close(j);
    }
    json_object *o = json_tokener_parse(req), *t = NULL, *l = NULL;
    free(req);
    int rc = SF_ENODEV;
    if (o && json_object_object_get_ex(o, "targets", &t) && json_object_is_type(t, json_type_array) &&
        json_object_array_length(t) == u->ntargets) {
        int same = 1;
        char abs[PATH_MAX + 64];
        for (size_t i = 0; i < u->ntargets && same; i++) {
            const char *want = absolute(u->targets[i], 1, abs, sizeof(abs)), *found = NULL;
            for (size_t k = 0; k < u->ntargets && !found; k++)
                if (!strcmp(json_object_get_string(json_object_array_get_idx(t, k)), want))
                    found = want;
            same = found != NULL;
        }
        if (same && open && json_object_object_get_ex(o, "action", &l)) {
            rc = reopen_early(u, o, r.id);
            if (!rc)
                reopen_settings(u, o);
            else
                rc = sf_err_set(ec, SF_EJOURNAL, "run %s: what reopens it is damaged", r.id);
        } else if (same) {
            reopen_settings(u, o); /* how the run reached its devices (a BMC's TLS ...) */
        }
    }
    json_object_put(o);
    return rc;
}


static void add_s(json_object *o, const char *k, const char *v)
{
    if (v && *v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* What the run records so that a bare resume can reopen the targets; a J0
 * record (image: its staged copy) also how to plan it again. */
void sf_update_make_request(struct sf_update *u, const char *image)
{
    json_object *o = json_object_new_object(), *t = json_object_new_array();
    char abs[PATH_MAX + 64];
    json_object_object_add(o, "class", json_object_new_string(u->cls->name));
    if (image) {
        add_s(o, "action", u->item_action);
        if (image[0])
            add_s(o, "image", image);
        json_object *imgs = u->ncimg ? json_object_new_array() : NULL;
        for (size_t i = 0; i < u->ncimg; i++) {
            const struct sf_cimg *c = &u->cimg[i];
            json_object *e = json_object_new_object();
            add_s(e, "component", c->comp);
            add_s(e, "pull", c->pull);
            if (c->path) {
                char st[PATH_MAX + 96];
                snprintf(st, sizeof(st), "%s/staging/%s.img", sf_ctx_state_dir(u->ctx),
                         c->w.raw_sha);
                add_s(e, "image", st);
                add_s(e, "source", absolute(c->path, 0, abs, sizeof(abs)));
                add_s(e, "sha256", c->w.raw_sha);
            }
            json_object_array_add(imgs, e);
        }
        if (imgs)
            json_object_object_add(o, "images", imgs);
        if (u->nonly) { /* a fleet rule's share of a package's components */
            json_object *on = json_object_new_array();
            for (size_t i = 0; i < u->nonly; i++)
                json_object_array_add(on, json_object_new_string(u->only[i]));
            json_object_object_add(o, "only", on);
        }
        if (u->image) {
            add_s(o, "source", absolute(u->image, 0, abs, sizeof(abs)));
            add_s(o, "sha256", u->what.is_pkg ? u->what.package_sha : u->what.raw_sha);
        }
        add_s(o, "image_version", u->o.image_version);
        add_s(o, "mode", u->o.mode);
        add_s(o, "expect_revision", u->o.expect_revision);
        add_s(o, "vendor", u->o.vendor);
        add_s(o, "product", u->o.product);
        const struct { const char *k; int v; } flags[] = {
            { "allow_unsigned", u->o.allow_unsigned }, { "allow_downgrade", u->o.allow_downgrade },
            { "restart", u->o.restart }, { "activate", u->o.activate },
            { "in_progress", (int)u->o.in_progress },
        };
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (flags[i].v)
                json_object_object_add(o, flags[i].k, json_object_new_int(flags[i].v));
    }
    for (size_t i = 0; i < u->ntargets; i++)
        json_object_array_add(t, json_object_new_string(absolute(u->targets[i], 1, abs,
                                                                 sizeof(abs))));
    json_object_object_add(o, "targets", t);
    if (u->o.layout)
        json_object_object_add(o, "layout", json_object_new_string(absolute(u->o.layout, 0, abs,
                                                                            sizeof(abs))));
    /* What the operator set for this run's waits and pages: a bare resume
     * waits and sends as the run did.  (How each attempt downloads is its
     * own journal record: mode.) */
    const struct { const char *k; unsigned v; } nums[] = {
        { "timeout_ms", u->o.timeout_ms }, { "poll_ms", u->o.poll_ms },
        { "command_timeout_ms", u->o.command_timeout_ms }, { "chunk_size", u->o.chunk_size },
        { "task_timeout_s", u->o.task_timeout_s }, { "reset_timeout_s", u->o.reset_timeout_s },
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (nums[i].v)
            json_object_object_add(o, nums[i].k, json_object_new_int64(nums[i].v));
    if (u->o.subenclosure >= 0)
        json_object_object_add(o, "subenclosure", json_object_new_int(u->o.subenclosure));
    /* A device-wide activation (a BMC's host reset) the run was asked for:
     * its resume does it too, once every image is staged. */
    if (u->o.activate && u->cls->finish)
        json_object_object_add(o, "activate_all", json_object_new_int(1));
    /* How the BMC is reached (never the password). */
    add_s(o, "ca_file", u->o.ca_file);
    add_s(o, "pin", u->o.pin);
    if (u->o.plain_http)
        json_object_object_add(o, "plain_http", json_object_new_int(1));
    if (u->o.insecure)
        json_object_object_add(o, "insecure", json_object_new_int(1));
    snprintf(u->request, sizeof(u->request), "%s", json_object_to_json_string_ext(o,
             JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    size_t l = 0;
    const char *act = u->action == SF_ACTION_RESUME ? "resume" : u->item_action;
    l += (size_t)snprintf(u->argv_joined, sizeof(u->argv_joined), "%s", act);
    for (size_t i = 0; i < u->ntargets && l < sizeof(u->argv_joined); i++)
        l += (size_t)snprintf(u->argv_joined + l, sizeof(u->argv_joined) - l, "\t%s",
                              u->targets[i]);
}

void sf_update_end_early(struct sf_update *u, const char *state, const char *reason)
{
    if (!u->early || u->early_closed)
        return;
    u->early_closed = 1;
    struct sf_journal *j = NULL;
    struct sf_errctx jec = { 0 };
    /* Refused before anything was sent, or never run: the request leaves
     * no trace (nothing happened); otherwise the run ends as it did. */
    int forget = !strcmp(state, "refused") || (!strcmp(state, "abandoned") && !u->early_lost);
    if (forget && u->early_reopened)
        return; /* a killed run's request: it stays for the next resume */
    if (sf_journal_open(u->ctx, &j, &jec) == 0) {
        if (forget)
            sf_journal_run_forget(j, u->res.run, &jec);
        else
            sf_journal_run_end(j, u->res.run, state, reason, &jec);
    }
    sf_journal_close(j);
}

/* J0 (sf_journal.h): the run, with its staged image and what reopens
 * it, before any command reaches a device.  Running the same command
 * again after a kill continues the same run. */
/* J0's staging, beside the identification of the devices. */
static void *stage_main(void *arg)
{
    struct sf_update *u = arg;
    if (u->ncimg) {
        for (size_t i = 0; i < u->ncimg && !u->stage_rc; i++) {
            const struct sf_cimg *c = &u->cimg[i];
            struct sf_errctx lec = { 0 };
            if (c->path && sf_stage(sf_ctx_state_dir(u->ctx), c->w.raw_sha, c->w.raw,
                                    c->w.raw_len, &lec))
                u->stage_rc = sf_err_set(&u->stage_ec, SF_EJOURNAL, "%s; nothing was written",
                                         lec.msg);
        }
        return NULL;
    }
    const char *sha = u->what.is_pkg ? u->what.package_sha : u->what.raw_sha;
    uint8_t *b = NULL;
    size_t n = 0;
    struct sf_errctx lec = { 0 };
    int rc = u->what.is_pkg ? sf_read_file(u->image, &b, &n, (size_t)1 << 30, &lec) : 0;
    if (!rc)
        rc = sf_stage(sf_ctx_state_dir(u->ctx), sha, u->what.is_pkg ? b : u->what.raw,
                      u->what.is_pkg ? n : u->what.raw_len, &lec);
    free(b);
    if (rc)
        u->stage_rc = sf_err_set(&u->stage_ec, SF_EJOURNAL, "%s; nothing was written", lec.msg);
    return NULL;
}

int sf_update_join_stage(struct sf_update *u, struct sf_errctx *ec)
{
    if (u->stage_started) {
        pthread_join(u->stage_th, NULL);
        u->stage_started = 0;
    }
    if (u->stage_rc && ec)
        *ec = u->stage_ec;
    return u->stage_rc;
}

int sf_update_early_record(struct sf_update *u, struct sf_errctx *ec)
{
    const char *state = sf_ctx_state_dir(u->ctx);
    char path[PATH_MAX + 96] = "";
    struct sf_journal *j = NULL;
    int rc = sf_journal_open(u->ctx, &j, ec); /* makes the state directory */
    sf_journal_close(j);
    j = NULL;
    if (rc)
        return rc;
    const char *sha = u->what.is_pkg ? u->what.package_sha : u->what.raw_sha;
    if (u->action == SF_ACTION_INSTALL && u->image) {
        snprintf(path, sizeof(path), "%s/staging/%s.img", state, sha);
        if (!u->what.is_pkg)
            snprintf(u->staged_sha, sizeof(u->staged_sha), "%s", sha);
    }
    sf_update_make_request(u, path);
    struct sf_run r;
    char *req = NULL;
    struct sf_errctx oec = { 0 };
    size_t nwarn = u->nwarn;
    if (open_run(u, &r, &req, &oec) == 0 && req && !strcmp(req, u->request)) {
        snprintf(u->res.run, sizeof(u->res.run), "%s", r.id); /* the same command again */
        u->early_reopened = 1;
    } else
        sf_history_new_run(u->res.run);
    free(req);
    u->nwarn = nwarn; /* open_run's word on the last run is not news here */
    u->warn[nwarn] = NULL;
    rc = sf_journal_open(u->ctx, &j, ec);
    if (!rc)
        rc = sf_journal_run_record(j, u->res.run, u->item_action, u->argv_joined, u->request, ec);
    sf_journal_close(j);
    if (rc) {
        char m[sizeof(ec->msg)];
        snprintf(m, sizeof(m), "%s", ec->msg);
        return sf_err_set(ec, SF_EJOURNAL, "%s; nothing was written", m);
    }
    u->early = 1;
    /* The staged copy is written while the devices are identified; a
     * resume that finds it missing (killed meanwhile) reads the file the
     * request names, if it still has the same SHA-256. */
    if (u->action == SF_ACTION_INSTALL) {
        u->stage_started = pthread_create(&u->stage_th, NULL, stage_main, u) == 0;
        if (!u->stage_started)
            stage_main(u);
    }
    return 0;
}
