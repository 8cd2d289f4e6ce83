/*
 * sf_cli_show.c - `safeflash show DEVICE [--json]` and `safeflash
 * partner-sync DEVICE [on|off]`: the arguments, and the rendering of what
 * the library (include/safeflash/sf_device.h) found.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "safeflash/sf_device.h"
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

    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(NULL, NULL, &ctx);
    if (rc)
        return rc;
    /* The enclosure, what the journal knows of it, and its other modules
     * (paths). */
    struct sf_errctx ec = { 0 };
    struct sf_enclosure_info *e = NULL;
    rc = sf_enclosure_describe(ctx, path, &e, &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    const struct sf_enclosure_module *mods = e->modules;
    size_t nm = e->nmodules;
    int self = 0;
    for (size_t i = 0; i < nm; i++)
        self |= !strcmp(mods[i].path, path);
    if (json) {
        json_object *o = sf_fmt_encl_json(e);
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < nm; i++) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "path", json_object_new_string(mods[i].path));
            json_object_object_add(x, "es_process", json_object_new_int((int)mods[i].es_process));
            json_object_object_add(x, "revision", json_object_new_string(mods[i].revision));
            json_object_array_add(a, x);
        }
        json_object_object_add(o, "modules", a);
        sf_fmt_json_print(stdout, o);
        json_object_put(o);
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
    sf_enclosure_info_free(e);
    return SF_EXIT_OK;
}

/* `safeflash partner-sync DEVICE [on|off]`: the partner firmware sync
 * control of a dual-module shelf.  There is no standard page for it: the
 * library speaks the controls it knows, by vendor. */
int sf_cmd_partner_sync(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("Usage: safeflash partner-sync DEVICE [on|off]\n\n"
             "Show or set a dual-module shelf's partner firmware sync (the modules\n"
             "pushing their firmware to each other).  Turn it off to update each\n"
             "module directly when a sync loop is reported; turn it back on after.");
        return SF_EXIT_OK;
    }
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "on") && strcmp(argv[2], "off")))
        return sf_cli_usage_error("partner-sync", "usage: safeflash partner-sync DEVICE [on|off]");
    const char *path = argv[1];
    sf_ctx *ctx = NULL;
    int rc = sf_cli_lib_ctx(NULL, NULL, &ctx);
    if (rc)
        return rc;
    struct sf_errctx ec = { 0 };
    int on = 0;
    rc = sf_enclosure_partner_sync(ctx, path, argc == 3 ? !strcmp(argv[2], "on") : -1, &on, &ec);
    sf_ctx_free(ctx);
    if (rc)
        return sf_cli_fail(rc, &ec);
    printf("%s: partner firmware sync %s\n", path, on ? "on" : "off");
    return SF_EXIT_OK;
}
