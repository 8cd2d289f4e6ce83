/*
 * sf_cli_list.c - `safeflash list [--all] [--json]`.
 *
 * Each candidate is identified through its own transport.  A device that
 * cannot be read is still listed, with its error, so an operator sees a
 * permission problem instead of a silently missing enclosure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_devopen.h"
#include "engine/sf_discover.h"
#include "engine/sf_encl.h"
#include "sf_cli.h"
#include "sf_fmt.h"

static void list_usage(FILE *f)
{
    fputs("Usage: safeflash list [--all] [--json]\n"
          "\n"
          "Find SES enclosures: SCSI generic devices whose peripheral device type is\n"
          "0Dh, plus the devices declared in $SAFEFLASH_EMU.\n"
          "\n"
          "  --all      also list other SCSI devices, with their firmware revision\n"
          "  --json     a JSON array of objects, each with at least \"path\"\n"
          "  -h, --help this text\n",
          f);
}

struct row {
    char path[256];
    const char *source;
    int enclosure;
    struct sf_inquiry inq;
    uint64_t logical_id;
    size_t nsub;
    uint8_t esp_id, esp_count;  /* which ES process of the enclosure this is */
    char module_rev[5];         /* what this module's own processor runs */
    int group;                  /* paths reporting the same logical id */
    int err;
    int hidden;     /* declared emulated device that is not an enclosure */
    char msg[256];
};

static void probe(const struct sf_candidate *c, int all, struct row *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "%s", c->path);
    r->source = c->source;
    struct sf_errctx ec = { 0 };
    struct sf_transport *tr = NULL;
    int rc = sf_devopen(c->path, &tr, &ec);
    if (!rc) {
        struct sf_scsi s;
        sf_scsi_init(&s, tr);
        struct sf_encl *e = NULL;
        rc = sf_encl_probe(&s, &e, &ec);
        if (!rc) {
            r->enclosure = 1;
            r->inq = e->inq;
            r->logical_id = sf_encl_logical_id(e);
            r->nsub = e->cfg ? e->cfg->nsub : 0;
            if (e->cfg && e->cfg->nsub) {
                r->esp_id = e->cfg->sub[0].rel_esp_id;
                r->esp_count = e->cfg->sub[0].num_esp;
                snprintf(r->module_rev, sizeof(r->module_rev), "%s", e->cfg->sub[0].revision);
                sf_rtrim(r->module_rev);
            }
            sf_encl_free(e);
        } else if (rc == SF_ENOTENCL && all) {
            /* sf_encl_probe stops at INQUIRY; read it again for the row. */
            struct sf_errctx ec2 = { 0 };
            rc = sf_encl_inquiry(&s, &r->inq, &ec2);
            if (rc == SF_ENOTENCL)
                rc = 0;
            else if (rc)
                ec = ec2;
        }
        sf_transport_close(tr);
    }
    r->err = rc;
    if (rc)
        snprintf(r->msg, sizeof(r->msg), "%s", ec.msg[0] ? ec.msg : sf_err_str(rc));
}

int sf_cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "all", no_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int json = 0, all = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'a': all = 1; break;
        case 'h': list_usage(stdout); return SF_EXIT_OK;
        default:
            return sf_cli_usage_error("list", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return sf_cli_usage_error("list", "unexpected argument '%s'", argv[optind]);

    struct sf_errctx ec = { 0 };
    struct sf_candidate *cands = NULL;
    size_t n = 0;
    int rc = sf_discover(all, &cands, &n, &ec);
    if (rc)
        return sf_cli_fail(rc, &ec);
    struct row *rows = calloc(n ? n : 1, sizeof(*rows));
    if (!rows) {
        free(cands);
        return sf_cli_fail(SF_ENOMEM, NULL);
    }
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        probe(&cands[i], all, &rows[i]);
        /* Without --all, an emulated device that is not an enclosure is not
         * listed; a sysfs node that said 0Dh but whose INQUIRY disagrees is
         * listed with that error. */
        if (!all && rows[i].err == SF_ENOTENCL && !strcmp(rows[i].source, "emulator"))
            rows[i].hidden = 1;
        if (!rows[i].hidden)
            shown++;
    }

    /* Modules of one enclosure: every path reporting its logical id. */
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].enclosure)
            continue;
        for (size_t j = 0; j < n; j++)
            if (rows[j].enclosure && rows[j].logical_id == rows[i].logical_id)
                rows[i].group++;
    }
    char warns[8][320];
    size_t nw = 0;
    for (size_t i = 0; i < n && nw < 8; i++) {
        if (!rows[i].enclosure || rows[i].group < 2)
            continue;
        int first = 1, mixed = 0;
        for (size_t j = 0; j < i; j++)
            if (rows[j].enclosure && rows[j].logical_id == rows[i].logical_id)
                first = 0;
        if (!first)
            continue;
        char id[17], list[256] = "";
        for (size_t j = i; j < n; j++) {
            if (!rows[j].enclosure || rows[j].logical_id != rows[i].logical_id)
                continue;
            mixed |= strcmp(rows[j].module_rev, rows[i].module_rev) != 0;
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s on %s", l ? ", " : "", rows[j].module_rev,
                     rows[j].path);
        }
        if (mixed) {
            sf_fmt_id64(rows[i].logical_id, id);
            snprintf(warns[nw++], sizeof(warns[0]), "enclosure %s: its modules run different "
                     "revisions (%s)", id, list);
        }
    }

    if (json) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            struct row *r = &rows[i];
            if (r->hidden)
                continue;
            char b[32], id[17];
            json_object *o = json_object_new_object();
            json_object_object_add(o, "path", json_object_new_string(r->path));
            json_object_object_add(o, "source", json_object_new_string(r->source));
            if (r->err) {
                json_object_object_add(o, "error", json_object_new_string(r->msg));
                json_object_object_add(o, "exit_code", json_object_new_int(sf_cli_exit_for(r->err)));
            } else {
                json_object_object_add(o, "enclosure", json_object_new_boolean(r->enclosure));
                json_object_object_add(o, "peripheral_device_type", json_object_new_int(r->inq.pdt));
                snprintf(b, sizeof(b), "%s", r->inq.vendor);
                json_object_object_add(o, "vendor", json_object_new_string(sf_rtrim(b)));
                snprintf(b, sizeof(b), "%s", r->inq.product);
                json_object_object_add(o, "product", json_object_new_string(sf_rtrim(b)));
                snprintf(b, sizeof(b), "%s", r->inq.revision);
                json_object_object_add(o, "revision", json_object_new_string(sf_rtrim(b)));
                if (r->enclosure) {
                    sf_fmt_id64(r->logical_id, id);
                    json_object_object_add(o, "logical_identifier", json_object_new_string(id));
                    json_object_object_add(o, "subenclosures", json_object_new_int((int)r->nsub));
                    json_object_object_add(o, "module_revision", json_object_new_string(r->module_rev));
                    json_object_object_add(o, "es_process", json_object_new_int(r->esp_id));
                    json_object_object_add(o, "es_processes", json_object_new_int(r->esp_count));
                    json_object_object_add(o, "paths_to_enclosure", json_object_new_int(r->group));
                }
            }
            json_object_array_add(arr, o);
        }
        sf_fmt_json_print(stdout, arr);
        json_object_put(arr);
        for (size_t i = 0; i < nw; i++)
            fprintf(stderr, "safeflash: warning: %s\n", warns[i]);
    } else if (shown == 0) {
        printf(all ? "No SCSI devices found.\n" : "No enclosures found.\n");
    } else {
        printf("%-24s %-8s %-16s %-4s  %-16s  %-7s  %s\n", "DEVICE", "VENDOR", "PRODUCT", "REV",
               "LOGICAL ID", "SUBENCL", "MODULE");
        for (size_t i = 0; i < n; i++) {
            struct row *r = &rows[i];
            if (r->hidden)
                continue;
            if (r->err) {
                printf("%-24s error: %s\n", r->path, r->msg);
                continue;
            }
            char v[16], p[24], rv[8], id[17] = "-";
            snprintf(v, sizeof(v), "%s", r->inq.vendor);
            snprintf(p, sizeof(p), "%s", r->inq.product);
            snprintf(rv, sizeof(rv), "%s", r->inq.revision);
            if (r->enclosure)
                sf_fmt_id64(r->logical_id, id);
            printf("%-24s %-8s %-16s %-4s  %-16s  ", r->path, sf_rtrim(v), sf_rtrim(p),
                   sf_rtrim(rv), id);
            if (r->enclosure)
                printf("%-7zu  %u of %u%s\n", r->nsub, r->esp_id, r->esp_count,
                       r->group > 1 ? "" : (r->esp_count > 1 ? " (other paths not found)" : ""));
            else
                printf("-  (%s)\n", "not an enclosure");
        }
        for (size_t i = 0; i < nw; i++)
            printf("warning: %s\n", warns[i]);
    }
    free(rows);
    free(cands);
    return SF_EXIT_OK;
}
