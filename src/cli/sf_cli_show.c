/*
 * sf_cli_show.c - `safeflash show DEVICE [--json]` and `safeflash
 * partner-sync DEVICE [on|off]`: the arguments, and the rendering of what
 * the library (include/safeflash/sf_device.h) found.
 *
 * With --json, one object of schema 1 (docs/json.md, "`show` on an
 * enclosure or a drive"): the same keys as the update engine's events and
 * the flash and Redfish `show` (target, class, vendor, product, version,
 * logical_id, last_attempt, interrupted).  An enclosure is described by
 * sf_enclosure_describe() and its journal read with sf_history_read(); a
 * drive (not an enclosure) by the engine's sf_show(), which reads the
 * journal itself.  The text is unchanged: it describes enclosures only.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeflash/safeflash.h"
#include "safeflash/sf_device.h"
#include "safeflash/sf_history_api.h"
#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_fmt.h"

/* ---- JSON, schema 1 ---- */

static void put_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void put_id(json_object *o, const char *k, uint64_t v)
{
    char id[17];
    sf_fmt_id64(v, id);
    put_str(o, k, id);
}

static void print_doc(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The journal's words for an attempt, as the flash and Redfish `show`
 * write them: the last finished one ... */
static json_object *last_json(const struct sf_attempt_info *a, int with_sub)
{
    json_object *x = json_object_new_object();
    json_object_object_add(x, "attempt", json_object_new_int64(a->id));
    put_str(x, "result", a->result);
    if (with_sub)
        json_object_object_add(x, "subenclosure", json_object_new_int(a->subenclosure));
    return x;
}

/* ... and an unfinished one. */
static json_object *interrupted_json(const struct sf_attempt_info *a, int with_sub)
{
    json_object *x = json_object_new_object();
    json_object_object_add(x, "attempt", json_object_new_int64(a->id));
    put_str(x, "action", a->action);
    /* What it was to install; a raw image's revision is not known. */
    json_object_object_add(x, "version", a->expected_revision[0]
                                             ? json_object_new_string(a->expected_revision)
                                             : NULL);
    put_str(x, "phase", a->phase);
    if (with_sub)
        json_object_object_add(x, "subenclosure", json_object_new_int(a->subenclosure));
    return x;
}

static int began(const struct sf_attempt_info *a)
{
    return a->phase[0] && strcmp(a->phase, "planned") != 0;
}

/* The newest attempt on the enclosure (sub < 0: any subenclosure) that is
 * finished (finished = 1) or not; NULL when there is none.  Of unfinished
 * ones, one that began a step goes first: a run journals every attempt
 * before its first write, so a killed run leaves the processors it did not
 * reach unfinished too, and the one it was working on is what matters. */
static const struct sf_attempt_info *newest(const struct sf_attempt_info *a, size_t n, int sub,
                                            int finished)
{
    const struct sf_attempt_info *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (sub >= 0 && a[i].subenclosure != sub)
            continue;
        if ((a[i].finished[0] != '\0') != finished)
            continue;
        if (!best || (!finished && began(&a[i]) != began(best) ? began(&a[i])
                                                                 : a[i].id > best->id))
            best = &a[i];
    }
    return best;
}

/* What the journal records for the enclosure (the library reads the
 * history read-only and creates nothing: showing never creates state).
 * 0 with the attempts in a and n (possibly none), or the history's error
 * in ec. */
static int journal_read(sf_ctx *ctx, uint64_t logical_id, struct sf_attempt_info **a, size_t *n,
                        struct sf_errctx *ec)
{
    *a = NULL;
    *n = 0;
    char id[17];
    sf_fmt_id64(logical_id, id);
    return sf_history_read(ctx, id, a, n, ec);
}

static json_object *download_json(const struct sf_download_status *d)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_int((int)d->status));
    put_str(o, "status_text", d->status_text);
    json_object_object_add(o, "additional_status", json_object_new_int((int)d->additional_status));
    json_object_object_add(o, "max_image_size", json_object_new_int64(d->max_image_size));
    json_object_object_add(o, "expected_buffer_id", json_object_new_int((int)d->expected_buffer_id));
    json_object_object_add(o, "expected_offset", json_object_new_int64(d->expected_offset));
    return o;
}

/* An enclosure: one object, class "ses". */
static json_object *encl_doc(const char *target, const struct sf_enclosure_info *e,
                             const struct sf_attempt_info *a, size_t na, const char *journal_error)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "schema", json_object_new_int(SF_JSON_SCHEMA));
    put_str(o, "class", "ses");
    put_str(o, "target", target);
    if (e->transport[0])
        put_str(o, "transport", e->transport);
    /* The SES logical unit's own INQUIRY. */
    put_str(o, "vendor", e->vendor);
    put_str(o, "product", e->product);
    put_str(o, "version", e->revision);
    json_object_object_add(o, "peripheral_device_type", json_object_new_int((int)e->pdt));
    if (e->have_serial)
        put_str(o, "serial", e->serial);
    if (e->have_device_id)
        put_id(o, "device_identifier", e->device_id);
    if (e->have_config) {
        put_id(o, "logical_id", e->logical_id);
        json_object_object_add(o, "generation_code", json_object_new_int64(e->generation));
    }
    json_object *pages = json_object_new_array();
    for (size_t i = 0; i < e->ndiag_pages; i++)
        json_object_array_add(pages, json_object_new_int(e->diag_pages[i]));
    json_object_object_add(o, "diagnostic_pages", pages);
    json_object_object_add(o, "download_microcode", json_object_new_boolean(e->download_microcode));

    json_object *subs = json_object_new_array();
    for (size_t i = 0; i < e->nsubenclosures; i++) {
        const struct sf_subenclosure_info *s = &e->subenclosures[i];
        json_object *so = json_object_new_object();
        char item[32];
        snprintf(item, sizeof(item), "subenclosure %u", s->id);
        json_object_object_add(so, "subenclosure", json_object_new_int((int)s->id));
        put_str(so, "item", item);
        json_object_object_add(so, "primary", json_object_new_boolean(i == 0));
        put_str(so, "vendor", s->vendor);
        put_str(so, "product", s->product);
        put_str(so, "version", s->revision);
        put_id(so, "logical_id", s->logical_id);
        json_object_object_add(so, "es_processes", json_object_new_int((int)s->es_processes));
        if (s->have_download)
            json_object_object_add(so, "download", download_json(&s->download));
        const struct sf_attempt_info *la = newest(a, na, (int)s->id, 1);
        const struct sf_attempt_info *un = newest(a, na, (int)s->id, 0);
        if (la)
            json_object_object_add(so, "last_attempt", last_json(la, 0));
        if (un)
            json_object_object_add(so, "interrupted", interrupted_json(un, 0));
        json_object_array_add(subs, so);
    }
    json_object_object_add(o, "subenclosures", subs);

    json_object *mods = json_object_new_array();
    for (size_t i = 0; i < e->nmodules; i++) {
        const struct sf_enclosure_module *m = &e->modules[i];
        json_object *x = json_object_new_object();
        put_str(x, "target", m->path);
        json_object_object_add(x, "es_process", json_object_new_int((int)m->es_process));
        json_object_object_add(x, "es_processes", json_object_new_int((int)m->es_processes));
        put_str(x, "version", m->revision);
        json_object_array_add(mods, x);
    }
    json_object_object_add(o, "modules", mods);

    json_object *w = json_object_new_array();
    for (size_t i = 0; i < e->nwarnings; i++)
        json_object_array_add(w, json_object_new_string(e->warnings[i]));
    json_object_object_add(o, "warnings", w);

    /* The enclosure as a whole: its newest attempts, on any subenclosure. */
    const struct sf_attempt_info *la = newest(a, na, -1, 1);
    const struct sf_attempt_info *un = newest(a, na, -1, 0);
    if (la)
        json_object_object_add(o, "last_attempt", last_json(la, 1));
    if (un)
        json_object_object_add(o, "interrupted", interrupted_json(un, 1));
    if (journal_error)
        put_str(o, "journal_error", journal_error);
    return o;
}

/* Copy key k of from into to, when from has it. */
static void copy_key(json_object *to, json_object *from, const char *k)
{
    json_object *v = NULL;
    if (from && json_object_object_get_ex(from, k, &v))
        json_object_object_add(to, k, json_object_get(v));
}

/* A drive: the engine's description (sf_show: the device and its journal)
 * in the shape of an enclosure's, class "drive".  Returns the exit code. */
static int drive_show(sf_ctx *ctx, const char *path, int json)
{
    char *doc = NULL;
    struct sf_errctx ec = { 0 };
    const char *t[1] = { path };
    int rc = sf_show(ctx, t, 1, NULL, &doc, &ec);
    if (rc)
        return sf_cli_fail(rc, &ec);
    json_object *in = json_tokener_parse(doc);
    free(doc);
    if (!in)
        return sf_cli_fail(SF_ENOMEM, &ec);
    /* One path that is not an enclosure: one item, the drive. */
    json_object *items = NULL, *it = NULL;
    if (json_object_object_get_ex(in, "items", &items) && json_object_array_length(items) == 1)
        it = json_object_array_get_idx(items, 0);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "schema", json_object_new_int(SF_JSON_SCHEMA));
    put_str(o, "class", "drive");
    put_str(o, "target", path);
    copy_key(o, it, "vendor");
    copy_key(o, it, "product");
    copy_key(o, it, "version");
    copy_key(o, it, "logical_id");
    copy_key(o, it, "max_image_size");
    copy_key(o, in, "last_attempt");
    copy_key(o, in, "interrupted");
    /* A raw image's revision is not known: null, as for an enclosure. */
    json_object *un = NULL, *v = NULL;
    if (json_object_object_get_ex(o, "interrupted", &un) &&
        json_object_object_get_ex(un, "version", &v) && json_object_is_type(v, json_type_string) &&
        !json_object_get_string_len(v))
        json_object_object_add(un, "version", NULL);
    copy_key(o, in, "journal_error");
    if (json) {
        print_doc(o);
    } else {
        /* The same document in words. */
        json_object *x = NULL;
#define S(k) (json_object_object_get_ex(o, k, &x) && x ? json_object_get_string(x) : "?")
        printf("%s: drive %s %s, firmware %s, identifier %s, images up to %s bytes\n", path,
               S("vendor"), S("product"), S("version"), S("logical_id"), S("max_image_size"));
        json_object *la = NULL;
        if (json_object_object_get_ex(o, "last_attempt", &la) && la)
            printf("  last attempt: #%s, %s\n",
                   json_object_get_string(json_object_object_get(la, "attempt")),
                   json_object_get_string(json_object_object_get(la, "result")));
        if (json_object_object_get_ex(o, "interrupted", &la) && la)
            printf("  INTERRUPTED: attempt #%s (%s) during \"%s\": 'safeflash resume %s' "
                   "finishes it\n", json_object_get_string(json_object_object_get(la, "attempt")),
                   json_object_get_string(json_object_object_get(la, "action")),
                   json_object_get_string(json_object_object_get(la, "phase")), path);
#undef S
    }
    json_object_put(o);
    json_object_put(in);
    return SF_EXIT_OK;
}

int sf_cmd_show(const struct sf_cli_args *a)
{
    int json = sf_cli_has(a, SF_O_JSON);
    if (a->nops < 1)
        return sf_cli_usage_error("show", "missing DEVICE");
    if (a->nops > 1)
        return sf_cli_usage_error("show", "one DEVICE at a time, got '%s' too", a->ops[1]);
    const char *path = a->ops[0];

    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(sf_cli_arg(a, SF_O_STATE_DIR), NULL, &ctx);
    if (rc)
        return rc;
    /* The enclosure, what the journal knows of it, and its other modules
     * (paths). */
    struct sf_errctx ec = { 0 };
    struct sf_enclosure_info *e = NULL;
    rc = sf_enclosure_describe(ctx, path, &e, &ec);
    if (rc == SF_ENOTENCL) {
        /* Not an enclosure: a drive, as install takes it. */
        rc = drive_show(ctx, path, json);
        sf_ctx_free(ctx);
        return rc;
    }
    if (rc) {
        sf_ctx_free(ctx);
        return sf_cli_fail(rc, &ec);
    }
    const struct sf_enclosure_module *mods = e->modules;
    size_t nm = e->nmodules;
    int self = 0;
    for (size_t i = 0; i < nm; i++)
        self |= !strcmp(mods[i].path, path);
    if (json) {
        struct sf_attempt_info *att = NULL;
        size_t na = 0;
        struct sf_errctx jec = { 0 };
        int jrc = e->have_config ? journal_read(ctx, e->logical_id, &att, &na, &jec) : 0;
        /* What the device holds is worth showing all the same. */
        json_object *o = encl_doc(path, e, att, na, jrc ? jec.msg : NULL);
        print_doc(o);
        json_object_put(o);
        sf_history_attempts_free(att, na);
    } else {
        sf_fmt_encl_text(stdout, e);
        if (nm > 1 || (nm == 1 && !self)) {
            printf("  modules (paths to this enclosure):\n");
            for (size_t i = 0; i < nm; i++)
                printf("    %-22s ES process %u of %u, rev %s%s\n", mods[i].path,
                       mods[i].es_process, mods[i].es_processes, mods[i].revision,
                       !strcmp(mods[i].path, path) ? " (this path)" : "");
        }
    }
    sf_ctx_free(ctx);
    sf_enclosure_info_free(e);
    return SF_EXIT_OK;
}
/* `safeflash partner-sync DEVICE [on|off]`: the partner firmware sync
 * control of a dual-module shelf.  There is no standard page for it: the
 * library speaks the controls it knows, by vendor. */
int sf_cmd_partner_sync(const struct sf_cli_args *a)
{
    if (a->nops < 1 || a->nops > 2 ||
        (a->nops == 2 && strcmp(a->ops[1], "on") && strcmp(a->ops[1], "off")))
        return sf_cli_usage_error("partner-sync", "takes DEVICE and, to set it, on or off");
    const char *path = a->ops[0];
    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(NULL, NULL, &ctx);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    int on = 0;
    rc = sf_enclosure_partner_sync(ctx, path, a->nops == 2 ? !strcmp(a->ops[1], "on") : -1, &on,
                                   &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    printf("%s: partner firmware sync %s\n", path, on ? "on" : "off");
    return SF_EXIT_OK;
}
