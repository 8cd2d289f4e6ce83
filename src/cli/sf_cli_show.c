/*
 * sf_cli_show.c - `safeflash show DEVICE [--json]`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "engine/sf_devopen.h"
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
    if (json) {
        json_object *o = sf_fmt_encl_json(e, tr->ops->name);
        sf_fmt_json_print(stdout, o);
        json_object_put(o);
    } else {
        sf_fmt_encl_text(stdout, e, tr->ops->name);
    }
    sf_encl_free(e);
    sf_transport_close(tr);
    return SF_EXIT_OK;
}
