/*
 * sf_cli_show.c - `safeflash show DEVICE [--json]`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "engine/sf_devopen.h"
#include "engine/sf_discover.h"
#include "engine/sf_encl.h"
#include "sf_cli.h"
#include "sf_fmt.h"

static void show_usage(FILE *f)
{
    fputs("Usage: safeflash show DEVICE [--json]\n"
          "\n"
          "Print an enclosure's identity, its enclosure logical identifier, every\n"
          "subenclosure (SES processor) with vendor, product and revision, and the\n"
          "download microcode status of each, in words.\n"
          "\n"
          "  --json     one JSON object instead of text\n"
          "  -h, --help this text\n",
          f);
}

int sf_cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': show_usage(stdout); return SF_EXIT_OK;
        default:
            return sf_cli_usage_error("show", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return sf_cli_usage_error("show", "missing DEVICE");
    if (optind + 1 < argc)
        return sf_cli_usage_error("show", "one DEVICE at a time, got '%s' too", argv[optind + 1]);
    const char *path = argv[optind];

    struct sf_errctx ec = { 0 };
    struct sf_transport *tr = NULL;
    int rc = sf_devopen(path, &tr, &ec);
    if (rc)
        return sf_cli_fail(rc, &ec);
    struct sf_scsi s;
    sf_scsi_init(&s, tr);
    struct sf_encl *e = NULL;
    rc = sf_encl_probe(&s, &e, &ec);
    if (rc) {
        sf_transport_close(tr);
        return sf_cli_fail(rc, &ec);
    }
    /* Other modules (paths) of the same enclosure, and whether they agree. */
    struct sf_module *mods = NULL;
    size_t nm = 0;
    sf_discover_modules(sf_encl_logical_id(e), &mods, &nm, NULL);
    int self = 0, mixed = 0;
    for (size_t i = 0; i < nm; i++) {
        self |= !strcmp(mods[i].path, path);
        mixed |= strcmp(mods[i].revision, mods[0].revision) != 0;
    }
    if (mixed && e->nwarn < SF_ENCL_MAX_WARN) {
        char list[120] = "";
        for (size_t i = 0; i < nm; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s on %s", l ? ", " : "", mods[i].revision,
                     mods[i].path);
        }
        snprintf(e->warn[e->nwarn++], sizeof(e->warn[0]),
                 "the enclosure's modules run different revisions (%s)", list);
    }
    if (json) {
        json_object *o = sf_fmt_encl_json(e, tr->ops->name);
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < nm; i++) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "path", json_object_new_string(mods[i].path));
            json_object_object_add(x, "es_process", json_object_new_int(mods[i].esp_id));
            json_object_object_add(x, "revision", json_object_new_string(mods[i].revision));
            json_object_array_add(a, x);
        }
        json_object_object_add(o, "modules", a);
        sf_fmt_json_print(stdout, o);
        json_object_put(o);
    } else {
        sf_fmt_encl_text(stdout, e, tr->ops->name);
        if (nm > 1 || (nm == 1 && !self)) {
            printf("  modules (paths to this enclosure):\n");
            for (size_t i = 0; i < nm; i++)
                printf("    %-22s ES process %u of %u, rev %s%s\n", mods[i].path, mods[i].esp_id,
                       mods[i].esp_count, mods[i].revision,
                       !strcmp(mods[i].path, path) ? " (this path)" : "");
        }
    }
    free(mods);
    sf_encl_free(e);
    sf_transport_close(tr);
    return SF_EXIT_OK;
}
