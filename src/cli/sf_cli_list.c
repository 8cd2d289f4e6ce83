/*
 * sf_cli_list.c - `safeflash list [--all] [--json]`: the rendering of
 * sf_device_list() (include/safeflash/sf_device.h).  With --json, one
 * object of schema 1 (docs/json.md, "`list`"): the keys `show` and the
 * update engine use for the same things (target, class, vendor, product,
 * version, logical_id).
 *
 * Each candidate is identified through its own transport.  A device that
 * cannot be read is still listed, with its error, so an operator sees a
 * permission problem instead of a silently missing enclosure.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "safeflash/sf_device.h"
#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_fmt.h"

static void put_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *entry_json(const struct sf_device_entry *r)
{
    char id[17];
    json_object *o = json_object_new_object();
    put_str(o, "target", r->path);
    put_str(o, "source", r->source);
    if (r->err) {
        /* Not identified: what it is, nobody knows. */
        json_object_object_add(o, "class", NULL);
        put_str(o, "error", r->error);
        json_object_object_add(o, "exit_code", json_object_new_int(sf_cli_exit_for(r->err)));
        return o;
    }
    /* What install would take it for: an enclosure's processors, or a
     * drive (every device that is not an enclosure). */
    put_str(o, "class", r->enclosure ? "ses" : "drive");
    put_str(o, "vendor", r->vendor);
    put_str(o, "product", r->product);
    put_str(o, "version", r->revision);
    json_object_object_add(o, "peripheral_device_type", json_object_new_int((int)r->pdt));
    if (r->enclosure) {
        sf_fmt_id64(r->logical_id, id);
        put_str(o, "logical_id", id);
        json_object_object_add(o, "subenclosure_count", json_object_new_int((int)r->subenclosures));
        put_str(o, "module_version", r->module_revision);
        json_object_object_add(o, "es_process", json_object_new_int((int)r->es_process));
        json_object_object_add(o, "es_processes", json_object_new_int((int)r->es_processes));
        json_object_object_add(o, "paths", json_object_new_int((int)r->paths));
    }
    return o;
}

static void entry_text(const struct sf_device_entry *r)
{
    if (r->err) {
        printf("%-24s error: %s\n", r->path, r->error);
        return;
    }
    char id[17] = "-";
    if (r->enclosure)
        sf_fmt_id64(r->logical_id, id);
    printf("%-24s %-8s %-16s %-4s  %-16s  ", r->path, r->vendor, r->product, r->revision, id);
    if (r->enclosure)
        printf("%-7zu  %u of %u%s\n", r->subenclosures, r->es_process, r->es_processes,
               r->paths > 1 ? "" : (r->es_processes > 1 ? " (other paths not found)" : ""));
    else
        printf("-  (%s)\n", "not an enclosure");
}

int sf_cmd_list(const struct sf_cli_args *a)
{
    int json = sf_cli_has(a, SF_O_JSON), all = sf_cli_has(a, SF_O_ALL);
    if (a->nops)
        return sf_cli_usage_error("list", "unexpected argument '%s'", a->ops[0]);

    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(NULL, NULL, &ctx);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    struct sf_device_list *l = NULL;
    rc = sf_device_list(ctx, all ? SF_DEVICE_LIST_ALL : 0, &l, &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    if (json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "schema", json_object_new_int(SF_JSON_SCHEMA));
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < l->count; i++)
            json_object_array_add(arr, entry_json(&l->devices[i]));
        json_object_object_add(doc, "devices", arr);
        json_object *w = json_object_new_array();
        for (size_t i = 0; l->warnings[i]; i++)
            json_object_array_add(w, json_object_new_string(l->warnings[i]));
        json_object_object_add(doc, "warnings", w);
        puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        for (size_t i = 0; l->warnings[i]; i++)
            fprintf(stderr, "safeflash: warning: %s\n", l->warnings[i]);
    } else if (l->count == 0) {
        printf(all ? "No SCSI devices found.\n" : "No enclosures found.\n");
    } else {
        printf("%-24s %-8s %-16s %-4s  %-16s  %-7s  %s\n", "DEVICE", "VENDOR", "PRODUCT", "REV",
               "LOGICAL ID", "SUBENCL", "MODULE");
        for (size_t i = 0; i < l->count; i++)
            entry_text(&l->devices[i]);
        for (size_t i = 0; l->warnings[i]; i++)
            printf("warning: %s\n", l->warnings[i]);
    }
    sf_device_list_free(l);
    return SF_EXIT_OK;
}
