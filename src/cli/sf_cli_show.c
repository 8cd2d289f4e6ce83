/*
 * sf_cli_show.c - `safeflash show DEVICE [--json]`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "engine/sf_devopen.h"
#include "engine/sf_discover.h"
#include "state/sf_history.h"
#include <unistd.h>
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


/* Open path and identify the enclosure behind it.  Returns 0, or the exit
 * code after saying why in one line (nothing left open). */
static int open_encl(const char *path, int want_vpd, struct sf_transport **tr, struct sf_scsi *s,
                     struct sf_encl **e)
{
    struct sf_errctx ec = { 0 };
    int rc = sf_devopen(path, tr, &ec);
    if (rc)
        return sf_cli_fail(rc, &ec);
    sf_scsi_init(s, *tr);
    rc = sf_encl_probe_ex(s, want_vpd, e, &ec);
    if (rc) {
        sf_transport_close(*tr);
        *tr = NULL;
        return sf_cli_fail(rc, &ec);
    }
    return 0;
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

    struct sf_transport *tr = NULL;
    struct sf_scsi s;
    struct sf_encl *e = NULL;
    int rc = open_encl(path, 1, &tr, &s, &e);
    if (rc)
        return rc;
    /* The journal: an interrupted install on this enclosure?  Only read an
     * existing history; `show` never creates state. */
    char db[4200];
    snprintf(db, sizeof(db), "%s/history.db", sf_state_dir(NULL));
    if (access(db, R_OK) == 0) {
        struct sf_history *h = NULL;
        if (sf_history_open(sf_state_dir(NULL), &h, NULL) == 0) {
            char id[17];
            struct sf_unfinished u[8];
            size_t nu = 0;
            sf_fmt_id64(sf_encl_logical_id(e), id);
            sf_history_unfinished(h, id, u, 8, &nu);
            for (size_t i = 0; i < nu && e->nwarn < SF_ENCL_MAX_WARN; i++)
                snprintf(e->warn[e->nwarn++], sizeof(e->warn[0]),
                         "an interrupted %s of subenclosure %d is recorded (attempt #%lld, phase %s): "
                         "run 'safeflash resume %s'", u[i].action, u[i].sub, (long long)u[i].id,
                         u[i].phase, u[i].path);
            sf_history_close(h);
        }
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

/* `safeflash partner-sync DEVICE [on|off]`: the partner firmware sync
 * control of a dual-module shelf.  There is no standard page for it; this
 * speaks the vendor-specific page 80h of the SFEMU shelf (byte 4 bit 0),
 * and only to a device that lists page 80h and reports vendor SFEMU - other
 * vendors' controls would be added here, by vendor. */
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
    struct sf_errctx ec = { 0 };
    struct sf_transport *tr = NULL;
    struct sf_scsi s;
    struct sf_encl *e = NULL;
    int rc = open_encl(path, 0, &tr, &s, &e);
    if (rc)
        return rc;
    char vendor[16];
    snprintf(vendor, sizeof(vendor), "%s", e->inq.vendor);
    sf_rtrim(vendor);
    if (strcmp(vendor, "SFEMU") || !sf_ses_supported_has(&e->diag_pages, 0x80)) {
        sf_encl_free(e);
        sf_transport_close(tr);
        fprintf(stderr, "safeflash: %s: no partner firmware sync control that safeflash knows "
                "for vendor %s (use the enclosure vendor's tool)\n", path, vendor);
        return SF_EXIT_NOTSUP;
    }
    uint8_t page[8] = { 0x80, 0, 0, 4 };
    if (argc == 3) {
        page[4] = !strcmp(argv[2], "on") ? 1 : 0;
        rc = sf_scsi_send_diag(&s, page, sizeof(page), &ec);
    }
    size_t got = 0;
    uint8_t buf[16] = { 0 };
    if (!rc)
        rc = sf_scsi_receive_diag(&s, 0x80, buf, sizeof(buf), &got, &ec);
    sf_encl_free(e);
    sf_transport_close(tr);
    if (rc)
        return sf_cli_fail(rc, &ec);
    if (got < 5 || buf[0] != 0x80)
        return sf_cli_fail(SF_EMALFORMED, NULL);
    printf("%s: partner firmware sync %s\n", path, (buf[4] & 1) ? "on" : "off");
    return SF_EXIT_OK;
}
